/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_TELEMETRY_H
#define WM_TELEMETRY_H

/*
 * telemetry.c registers the /wiremeter/... commands at start (RTE_INIT);
 * they answer once wm_ctl_open() was called. Their parameters are parsed
 * apart from the answers (tests call them too); each returns 0, or
 * -EINVAL for parameters the command refuses.
 */

#include "wm_flow.h"

/*
 * /wiremeter/streams,N and /wiremeter/gaps,N: N ("N" or "N,..."), def when
 * empty, at most max.
 */
int wm_tel_parse_count(const char *params, unsigned int def, unsigned int max, unsigned int *n);
/* /wiremeter/stats,SECTION: a bit per section (totals 1, ports 2, workers 4, ipfix 8). */
int wm_tel_parse_stats(const char *params, unsigned int *sections);
/* /wiremeter/flows,N,SORT: "N", "N,SORT" or "SORT"; N in 1..24 (default 10). */
int wm_tel_parse_flows(const char *params, unsigned int *n, enum wm_flow_sort *sort);

#endif /* WM_TELEMETRY_H */
