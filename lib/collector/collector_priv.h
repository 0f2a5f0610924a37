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

#include <openssl/ssl.h>

#include "transport_priv.h"
#include "wm_collector.h"

/*
 * What every link of this library has first: the transport base, its
 * scheme, its counters, and its pacing (udp:// and dtls://; tls:// has
 * TCP's flow control and leaves it off).
 */
struct wm_collector_link {
	struct wm_ipfix_transport base; /* first: see transport_priv.h */
	const char *scheme;		/* "udp", "tls" or "dtls" */
	bool paced;			/* the bucket is used */
	bool bits;			/* a token is a bit (else a message) */
	struct wm_tbucket tb;
	struct wm_collector_stats xs;
};

extern const struct wm_ipfix_transport_ops wm_collector_paced_ops;
extern const struct wm_ipfix_transport_ops wm_collector_tls_ops;
extern const struct wm_ipfix_transport_ops wm_collector_dtls_ops;

/*
 * Set a new link's base (ops, kind, a copy of the URI) and its pacing
 * from @p p when @p pace. @return 0, or -ENOMEM.
 */
int wm_collector_link_init(struct wm_collector_link *l, const struct wm_ipfix_transport_ops *ops,
			   enum wm_ipfix_transport_kind kind, const char *scheme, const char *uri,
			   const struct wm_collector_params *p, bool pace);

/* May a message of @p len bytes go now? Takes its tokens, or counts a wait. */
bool wm_collector_pace(struct wm_collector_link *l, size_t len);

/* Give back the tokens of a message that did not go. */
void wm_collector_unpace(struct wm_collector_link *l, size_t len);

/* A datagram refused (ICMP port unreachable): counted and named. */
void wm_collector_refused(struct wm_collector_link *l);

/* Set @p xs's last_error (one line) and count it in errors_seen. */
void wm_collector_error(struct wm_collector_stats *xs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CLOCK_MONOTONIC in ns. */
uint64_t wm_collector_now_ns(void);

/* tls.c: open "tls://HOST:PORT" (checked already). */
struct wm_ipfix_transport *wm_collector_tls_open(const char *uri,
						 const struct wm_collector_params *p, char *err,
						 size_t errlen);

/* tls.c, for dtls.c too: a client SSL_CTX of method @p m from @p p (NULL with @p err set). */
SSL_CTX *wm_collector_ssl_ctx(const SSL_METHOD *m, bool dtls, const struct wm_collector_params *p,
			      char *err, size_t errlen);

/* tls.c: the certificate must name @p name (an IP address or a DNS name, also sent as SNI). */
void wm_collector_ssl_name(SSL *ssl, const char *name);

/* tls.c: a failed handshake, counted in @p xs and named in its last_error ("TLS: ..."). */
void wm_collector_ssl_failed(struct wm_collector_stats *xs, SSL *ssl, int ssl_err,
			     const char *proto);

/* tls.c: the line OpenSSL's error queue (emptied) or errno gives for a failed call. */
void wm_collector_ssl_reason(int ssl_err, char *buf, size_t len);

/* tls.c: host and port of a checked "tls://" or "dtls://" URI. */
int wm_collector_ssl_uri(const char *uri, struct wm_ipfix_uri *u, char *err, size_t errlen);

/* dtls.c: open "dtls://HOST:PORT" (checked), paced as udp:// by @p p. */
struct wm_ipfix_transport *wm_collector_dtls_open(const char *uri,
						  const struct wm_collector_params *p, char *err,
						  size_t errlen);

#endif /* WM_COLLECTOR_PRIV_H */
