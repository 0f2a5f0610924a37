/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_COLLECTOR_PRIV_H
#define WM_COLLECTOR_PRIV_H

/*
 * What wm_collector.c shares with tls.c. Both build transports of their
 * own on drivers/ipfix's base and ops (transport_priv.h), so that every
 * wm_ipfix_transport_* function works on them.
 */

#include <stdarg.h>
#include <stdio.h>

#include "transport_priv.h"
#include "wm_collector.h"

/* Set @p xs's last_error (one line) and count it in errors_seen. */
void wm_collector_error(struct wm_collector_stats *xs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns. */
uint64_t wm_collector_now_ns(void);

/* tls.c: open "tls://HOST:PORT" (checked already). */
struct wm_ipfix_transport *wm_collector_tls_open(const char *uri,
						 const struct wm_collector_params *p, char *err,
						 size_t errlen);

/* tls.c: is @p t a TLS link? Then copy its counters to @p s (unless NULL). */
bool wm_collector_tls_stats(const struct wm_ipfix_transport *t, struct wm_collector_stats *s);

#endif /* WM_COLLECTOR_PRIV_H */
