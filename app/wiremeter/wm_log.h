/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_LOG_H
#define WM_LOG_H

/*
 * One log type per component (STYLE.md), so that DPDK's own option picks
 * what a user wants to see: --log-level=wm.ipfix:debug, --log-level=wm.*:info.
 * Each is registered in log.c at NOTICE. A source file says which
 * component it belongs to by defining WM_LOGTYPE before including this
 * header (wm_app.h includes it); WM_LOG_TO names another component.
 *
 * Logging is for the main lcore and start-up: no worker logs on its
 * packet path (a problem there is a counter, never a line).
 */

#include <rte_log.h>

extern int wm_logtype_app;     /* wm.app: start, shutdown, the main loop */
extern int wm_logtype_conf;    /* wm.conf: the configuration as loaded */
extern int wm_logtype_port;    /* wm.port: ports, queues, pools, capture files */
extern int wm_logtype_filter;  /* wm.filter: the compiled --filter */
extern int wm_logtype_pkt;     /* wm.pkt: parse errors, by reason */
extern int wm_logtype_seq;     /* wm.seq: sequence tracking set-up and totals */
extern int wm_logtype_ipfix;   /* wm.ipfix: collectors, sessions, templates */
extern int wm_logtype_ctl;     /* wm.ctl: telemetry and the worker control rings */
extern int wm_logtype_console; /* wm.console: the console and its command file */

#ifndef WM_LOGTYPE
#define WM_LOGTYPE wm_logtype_app
#endif

/* Errors and warnings say so, as the messages printed before EAL starts do. */
#define WM_LOG_PFX_EMERG "error: "
#define WM_LOG_PFX_ALERT "error: "
#define WM_LOG_PFX_CRIT "error: "
#define WM_LOG_PFX_ERR "error: "
#define WM_LOG_PFX_WARNING "warning: "
#define WM_LOG_PFX_NOTICE ""
#define WM_LOG_PFX_INFO ""
#define WM_LOG_PFX_DEBUG ""

#define WM_LOG_TO(type, level, fmt, ...) \
	rte_log(RTE_LOG_##level, type, "wiremeter: " WM_LOG_PFX_##level fmt "\n", ##__VA_ARGS__)
#define WM_LOG(level, fmt, ...) WM_LOG_TO(WM_LOGTYPE, level, fmt, ##__VA_ARGS__)

#endif /* WM_LOG_H */
