/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The application's globals, which app/wiremeter/main.c defines: the
 * console and telemetry harnesses link every other file of the
 * application (wm_app_srcs), and libFuzzer brings its own main(). They
 * stay zero, as before EAL starts: nothing here runs a command.
 */

#include "wm_app.h"

struct wm_app wm_app;
volatile bool wm_force_quit;
volatile bool wm_reopen_wanted;
