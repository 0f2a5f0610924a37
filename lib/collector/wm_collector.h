/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_COLLECTOR_H
#define WM_COLLECTOR_H

/**
 * @file
 * The exporter's link to one collector: what lies between the exporting
 * process's queue and a transport of drivers/ipfix.
 *
 * - "udp://HOST:PORT" is paced: a token bucket per collector lets a
 *   message go only when the bucket holds its cost (one token a message,
 *   or one a bit), so the burst that ends a replay reaches a collector no
 *   faster than its receive buffer drains. A message the bucket holds
 *   back is -EAGAIN, exactly like a full socket buffer: it waits in the
 *   caller's queue. ICMP port unreachable reports (-ECONNREFUSED on the
 *   connected socket) are counted here, per collector.
 * - "tls://HOST:PORT" is IPFIX over TLS (RFC 7011 §10.4.1 with §11):
 *   TLS 1.2 or 1.3 (OpenSSL 3) over TCP, the collector's certificate
 *   checked against a CA file (or the system's CAs) and a name, an
 *   optional client certificate for mutual authentication. It has
 *   tcp://'s semantics (wm_ipfix_transport.h): never blocks (non-blocking
 *   connect, handshake and writes), reconnects with the same backoff
 *   (100 ms doubling to 5 s) after a failure of any kind, a certificate
 *   that does not verify included, and gives back the messages the
 *   collector's host had not acknowledged when a connection died. Its
 *   kind is WM_IPFIX_TRANSPORT_TCP: TLS is a TCP transport for every
 *   rule of the exporter.
 * - "tcp://" and "file:" are drivers/ipfix's, unchanged.
 *
 * - "dtls://HOST:PORT" is IPFIX over DTLS 1.2 over UDP (RFC 7011 §10.3
 *   with §11): udp://'s semantics and pacing, the certificate checked as
 *   for tls://, the handshake driven (and its flights retransmitted) by
 *   wm_ipfix_transport_poll(); messages wait in the caller's queue while
 *   there is no session (lib/collector/dtls.c).
 *
 * The handle is a struct wm_ipfix_transport: every wm_ipfix_transport_*
 * function works on it (poll, send, take_acked, busy, close, ...).
 *
 * Thread safety: none; the owner (the management lcore) calls everything.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_ipfix_transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A token bucket. Tokens flow in at @c rate a second up to @c depth; a
 * cost is taken when the bucket holds it (or is full: a cost larger than
 * the depth passes then, and the bucket goes into debt, so the long-run
 * rate holds for any cost). Time is the caller's, in ns.
 */
struct wm_tbucket {
	uint64_t rate;	  /**< tokens a second, >= 1 */
	uint64_t depth;	  /**< tokens it holds at most, >= 1 */
	int64_t credit;	  /**< tokens times 1e9; negative after a cost above depth */
	uint64_t last_ns; /**< when credit was last brought up to date */
};

/**
 * Start a full bucket.
 *
 * @param b
 *   The bucket.
 * @param rate
 *   Tokens a second; 0 is taken as 1.
 * @param depth
 *   Most tokens it holds; 0 is taken as 1.
 * @param now_ns
 *   The caller's clock.
 */
void wm_tbucket_init(struct wm_tbucket *b, uint64_t rate, uint64_t depth, uint64_t now_ns);

/**
 * Take @p cost tokens if the bucket holds them, or is full.
 *
 * @return
 *   true when taken; false when the caller must wait (nothing taken).
 */
bool wm_tbucket_take(struct wm_tbucket *b, uint64_t cost, uint64_t now_ns);

/** Give back @p cost tokens taken by wm_tbucket_take() for something not done. */
void wm_tbucket_refund(struct wm_tbucket *b, uint64_t cost);

/**
 * @return
 *   ns from @p now_ns until wm_tbucket_take() of @p cost succeeds; 0 when
 *   it would now.
 */
uint64_t wm_tbucket_wait_ns(const struct wm_tbucket *b, uint64_t cost, uint64_t now_ns);

/**
 * Bucket depth of a paced collector: in bits, 64 KiB, a quarter of
 * Linux's default receive buffer (net.core.rmem_default); in messages, 32.
 * A message larger than the depth still passes (wm_tbucket_take()).
 */
#define WM_COLLECTOR_BURST_BYTES 65536
#define WM_COLLECTOR_BURST_MSGS 32

/** How collectors are opened (from the options). */
struct wm_collector_params {
	double rate_per_s;	 /**< udp://: messages or bits a second; 0: unpaced */
	bool rate_bits;		 /**< rate_per_s counts bits (else messages) */
	const char *ca_file;	 /**< tls://: CA certificates (PEM); NULL: the system's */
	const char *cert_file;	 /**< tls://: client certificate chain (PEM), or NULL */
	const char *key_file;	 /**< tls://: its key (PEM), with cert_file; owner-only */
	const char *server_name; /**< tls://: name to verify; NULL: the URI's HOST */
	/** file:: opens the file (encrypted or signed); NULL: a plain file */
	wm_ipfix_fopen_t *file_open;
};

/**
 * Check a collector URI without opening anything: tls:// and dtls://
 * HOST:PORT here,
 * the others as wm_ipfix_transport_check() does (a struct wm_conf's
 * uri_check).
 *
 * @return
 *   0, or -EINVAL with @p why set.
 */
int wm_collector_check(const char *uri, char *why, size_t whylen);

/**
 * Open a collector: udp:// paced by @p p (unless its rate is 0), tls://
 * with @p p's certificates (loaded and checked now: a missing or bad
 * file, or a key readable by group or others, is an error here; the
 * connection is made by wm_ipfix_transport_poll()), file: through @p p's
 * file_open, the others as wm_ipfix_transport_open().
 *
 * @return
 *   The transport, or NULL with @p err set and errno set.
 */
struct wm_ipfix_transport *wm_collector_open(const char *uri, const struct wm_collector_params *p,
					     char *err, size_t errlen);

/** What a collector's link counts beyond struct wm_ipfix_transport_stats. */
struct wm_collector_stats {
	uint64_t refused;	      /**< udp://: sends refused by ICMP port unreachable */
	uint64_t paced;		      /**< udp://: sends the bucket held back (-EAGAIN) */
	uint64_t tls_handshakes;      /**< tls://: handshakes completed */
	uint64_t tls_failures;	      /**< tls://: handshakes failed, verify failures included */
	uint64_t tls_verify_failures; /**< tls://: of those, the certificate did not verify */
	uint64_t errors_seen;	      /**< grows each time last_error is set */
	char last_error[224];	      /**< the latest failure, one line; "" when none */
};

/**
 * Read a collector's counters; zeros (and "") for a transport not opened
 * by wm_collector_open() with a paced or TLS link.
 */
void wm_collector_stats(const struct wm_ipfix_transport *t, struct wm_collector_stats *s);

/** @return "udp", "tcp", "tls", "dtls" or "file": the URI's scheme. */
const char *wm_collector_scheme(const struct wm_ipfix_transport *t);

/**
 * @return
 *   the pacing rate (0: unpaced) and, in @p bits, its unit; udp:// and dtls://.
 */
uint64_t wm_collector_rate(const struct wm_ipfix_transport *t, bool *bits);

#ifdef __cplusplus
}
#endif

#endif /* WM_COLLECTOR_H */
