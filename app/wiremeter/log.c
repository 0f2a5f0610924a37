/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The application's log types, registered before main() runs (the macros
 * are constructors), so --log-level=wm.<component>:<level> given to EAL
 * finds them. wm.app is the application's default type (meson passes
 * RTE_LOG_DEFAULT_LOGTYPE=wm.app); lib/flow registers wm.flow itself.
 */

#include <rte_log.h>

#include "wm_log.h"

RTE_LOG_REGISTER_DEFAULT(wm_logtype_app, NOTICE);
RTE_LOG_REGISTER(wm_logtype_conf, wm.conf, NOTICE);
RTE_LOG_REGISTER(wm_logtype_port, wm.port, NOTICE);
RTE_LOG_REGISTER(wm_logtype_filter, wm.filter, NOTICE);
RTE_LOG_REGISTER(wm_logtype_pkt, wm.pkt, NOTICE);
RTE_LOG_REGISTER(wm_logtype_seq, wm.seq, NOTICE);
RTE_LOG_REGISTER(wm_logtype_ipfix, wm.ipfix, NOTICE);
RTE_LOG_REGISTER(wm_logtype_ctl, wm.ctl, NOTICE);
RTE_LOG_REGISTER(wm_logtype_console, wm.console, NOTICE);
