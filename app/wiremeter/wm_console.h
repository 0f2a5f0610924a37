/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CONSOLE_H
#define WM_CONSOLE_H

/* console.c: the wiremeter> prompt (-i) and --cmdline-file, on the main lcore. */

#include <stdbool.h>

#include "wm_app.h"

int wm_console_open(struct wm_app *app);
/* One step of the console on the main lcore; returns true when it did something. */
bool wm_console_poll(struct wm_app *app);
void wm_console_close(void);
/*
 * The console's commands without the console, for tests: a cmdline on them
 * that reads nothing and writes to fd_out, to give cmdline_parse_check()
 * and cmdline_complete() (which run no command); cmdline_free() it.
 */
struct cmdline;
struct cmdline *wm_console_cmdline_new(int fd_out);
/* 'set idle-timeout S', 'sleep S': seconds in (0, max]; 0, or -EINVAL. */
int wm_console_parse_seconds(const char *text, double max, double *out);

#endif /* WM_CONSOLE_H */
