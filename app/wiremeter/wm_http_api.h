/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_HTTP_API_H
#define WM_HTTP_API_H

/*
 * http_api.c: wiremeter's HTTP server (lib/http) with its routes:
 * /metrics (Prometheus) and the REST API under /api/v1. Off unless
 * --http is given. The handlers run on the server's thread, never on an
 * lcore, and read what telemetry reads.
 */

#include <stddef.h>

#include "wm_app.h"

/* Before EAL: the address, the token file and the TLS files. 0, or -EINVAL with err set. */
int wm_http_api_check(const struct wm_conf *conf, char *err, size_t errlen);
/* Once telemetry answers (wm_ctl_open): start serving. 0, or -1 (the message logged). */
int wm_http_api_start(struct wm_app *app);
/* Before wm_ctl_close(): no handler runs after it returns. */
void wm_http_api_stop(void);

struct wm_http_counters;
/*
 * The /metrics answer (http_metrics.c): the Prometheus text in a
 * malloc'ed buffer. 0, -EAGAIN when the application is not up, -ENOMEM.
 */
int wm_http_metrics_text(const struct wm_app *app, const struct wm_http_counters *http, char **text,
			 size_t *len);

#endif /* WM_HTTP_API_H */
