/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_MGMT_H
#define WM_MGMT_H

/* mgmt.c: the main lcore's management loop. */

#include "wm_app.h"

/* Until the end: drain records, publish, run the console and the stats line; then the report (0 or -errno). */
int wm_mgmt_run(struct wm_app *app);
/* Drain the workers' rings once (for requesters waiting on the main lcore). */
void wm_mgmt_service(void);

#endif /* WM_MGMT_H */
