/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_IPFIX_TRANSPORT_H
#define WM_IPFIX_TRANSPORT_H

/**
 * @file
 * IPFIX exporter transports: one interface, one implementation per
 * transport (udp.c, tcp.c, file.c). A transport carries whole IPFIX
 * messages to one collector; it knows nothing of their content.
 *
 * - "udp://HOST:PORT": one datagram per message (RFC 7011 §10.3). The
 *   socket is non-blocking; a full socket buffer is -EAGAIN. Templates
 *   must be sent again periodically (the caller's job).
 * - "tcp://HOST:PORT": a stream of messages (RFC 7011 §10.4). The
 *   connection is made without blocking and made again with a backoff
 *   (100 ms doubling to 5 s) after it fails or the collector closes it.
 *   A message is never cut on the wire: a partly written one is kept and
 *   finished before the next is taken. Messages the collector's host had
 *   not acknowledged when the connection died are given back to the
 *   caller (wm_ipfix_transport_take_unacked()) to be sent again on the
 *   next connection, so a collector restart loses nothing it had not read.
 * - "file:PATH": an RFC 5655 IPFIX file: messages back to back.
 *
 * HOST is a name, an IPv4 address or an IPv6 address in brackets
 * ("[::1]"). Nothing here blocks: connect, send and write are
 * non-blocking or buffered, so the management lcore can call these in its
 * loop.
 *
 * Thread safety: none; one thread (the management lcore) owns a transport.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Transport kinds. */
enum wm_ipfix_transport_kind {
	WM_IPFIX_TRANSPORT_UDP,
	WM_IPFIX_TRANSPORT_TCP,
	WM_IPFIX_TRANSPORT_FILE,
};

/** Largest IPFIX message (the header's 16-bit length). */
#define WM_IPFIX_TRANSPORT_MSG_MAX 65535

/** wm_ipfix_transport_poll() result: a new session began; send templates first. */
#define WM_IPFIX_TRANSPORT_NEW_SESSION 1

/** Counters of one transport. Written by its owner only. */
struct wm_ipfix_transport_stats {
	uint64_t sessions;    /**< connections made (TCP); 1 for UDP and file once open */
	uint64_t disconnects; /**< connections lost or closed by the collector (TCP) */
	uint64_t messages;    /**< messages taken by wm_ipfix_transport_send() (returned 0) */
	uint64_t bytes;	      /**< their bytes */
	uint64_t resent;      /**< messages given back unacknowledged at a disconnect */
	/**
	 * Sends that failed with an errno other than -EAGAIN, -ENOTCONN or
	 * -EINVAL: the message is lost (UDP: -ECONNREFUSED, -EMSGSIZE;
	 * file: -EIO). A TCP send failing because the connection died
	 * counts in disconnects and returns -ENOTCONN instead.
	 */
	uint64_t errors;
	uint64_t connect_attempts; /**< connect() calls begun (TCP) */
	uint64_t connect_failures; /**< of those, refused, failed or timed out (TCP) */
};

struct wm_ipfix_transport;

/**
 * Check a collector URI without opening anything (for config checks
 * before EAL starts).
 *
 * @param uri
 *   "udp://HOST:PORT", "tcp://HOST:PORT" or "file:PATH".
 * @param err
 *   Buffer for one line naming what is wrong (without the URI itself).
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, or -EINVAL with @p err set.
 */
int wm_ipfix_transport_check(const char *uri, char *err, size_t errlen);

/**
 * Open a transport. UDP resolves the host and creates a connected
 * non-blocking socket with a large send buffer; TCP resolves the host
 * and starts connecting (the connection completes in
 * wm_ipfix_transport_poll()); file creates or truncates the file.
 *
 * @param uri
 *   As for wm_ipfix_transport_check().
 * @param err
 *   Buffer for one line naming what went wrong.
 * @param errlen
 *   Size of @p err.
 * @return
 *   The transport, or NULL with @p err set and errno set.
 */
struct wm_ipfix_transport *wm_ipfix_transport_open(const char *uri, char *err, size_t errlen);

/**
 * How a file: transport opens its file instead of fopen(): for an output
 * that must be encrypted or signed (lib/crypt's wm_crypt_fopen() behind
 * the application's options). The stream it returns is closed with
 * fclose(), which must finish the file (final chunk, signature).
 *
 * @param path
 *   The file.
 * @param append
 *   false at open (create or truncate), true at reopen (append; a
 *   stream that cannot append may refuse, and the transport then goes on
 *   writing to the file it had).
 * @param err
 *   On NULL: one line naming the file and the reason.
 * @return
 *   A write-only stream, or NULL with errno set.
 */
typedef FILE *wm_ipfix_fopen_t(const char *path, bool append, char *err, size_t errlen);

/**
 * wm_ipfix_transport_open(), with @p fopen_fn opening a file: transport's
 * file (at open and at reopen). Other transports ignore it.
 *
 * @param fopen_fn
 *   The opener; NULL: a plain file, as wm_ipfix_transport_open().
 */
struct wm_ipfix_transport *wm_ipfix_transport_open_via(const char *uri, wm_ipfix_fopen_t *fopen_fn,
						       char *err, size_t errlen);

/** @return the transport's kind. */
enum wm_ipfix_transport_kind wm_ipfix_transport_kind(const struct wm_ipfix_transport *t);

/** @return the URI it was opened with. */
const char *wm_ipfix_transport_uri(const struct wm_ipfix_transport *t);

/**
 * Advance the transport: finish a connect in progress, notice a
 * collector that closed or reset the connection, reconnect after the
 * backoff, finish writing a partly written message. Call it on every
 * loop of the owner.
 *
 * @param t
 *   The transport.
 * @param now_ns
 *   A monotonic clock in ns (for the backoff).
 * @return
 *   WM_IPFIX_TRANSPORT_NEW_SESSION once per new session (UDP and file:
 *   on the first call; TCP: each time a connection is made), the caller
 *   then sends its templates before anything else; 0 otherwise.
 */
int wm_ipfix_transport_poll(struct wm_ipfix_transport *t, uint64_t now_ns);

/**
 * Is the transport up (a connection made, or UDP / file)? A message sent
 * while it is not would fail with -ENOTCONN.
 */
bool wm_ipfix_transport_up(const struct wm_ipfix_transport *t);

/**
 * Send one whole IPFIX message.
 *
 * @param t
 *   The transport.
 * @param msg
 *   The message.
 * @param len
 *   Its length, at most WM_IPFIX_TRANSPORT_MSG_MAX.
 * @param cookie
 *   The caller's handle for the message, given back once by
 *   wm_ipfix_transport_take_acked() when the message is done (UDP and
 *   file: at once; TCP: when the collector's host acknowledged it), or
 *   by wm_ipfix_transport_take_unacked() if the TCP connection died
 *   before that.
 * @return
 *   0 when the message was taken whole (it will reach the wire whole);
 *   -EAGAIN when it cannot be taken now (keep it, try again later);
 *   -ENOTCONN when the transport is down (TCP between connections,
 *   including when this very send found the connection dead: the
 *   message was not taken, and the unacknowledged ones wait in
 *   wm_ipfix_transport_take_unacked());
 *   -EINVAL when @p msg is NULL or @p len is 0 or too large (not counted);
 *   another negative errno on a hard error (counted in errors; the
 *   message is lost: UDP -ECONNREFUSED when the collector's host said
 *   nobody listens, -EMSGSIZE; file -EIO).
 */
int wm_ipfix_transport_send(struct wm_ipfix_transport *t, const void *msg, size_t len,
			    uint64_t cookie);

/**
 * After a TCP disconnect: the cookies of messages taken by
 * wm_ipfix_transport_send() that the collector's host had not
 * acknowledged, oldest first, so the caller can send them again on the
 * next session. Each cookie is given back once.
 *
 * @param t
 *   The transport.
 * @param cookies
 *   Room for @p max cookies.
 * @param max
 *   Room.
 * @return
 *   The number of cookies written; 0 when none is left.
 */
unsigned int wm_ipfix_transport_take_unacked(struct wm_ipfix_transport *t, uint64_t *cookies,
					     unsigned int max);

/**
 * Cookies of messages now acknowledged by the collector's host (TCP), or
 * of every message taken (UDP, file: they are done once taken): the
 * caller may free them. Each cookie is given back once, oldest first.
 * Cookies waiting to be taken (and, for TCP, unacknowledged ones waiting
 * for wm_ipfix_transport_take_unacked()) are bounded at 65536: beyond,
 * wm_ipfix_transport_send() says -EAGAIN, so call both often.
 */
unsigned int wm_ipfix_transport_take_acked(struct wm_ipfix_transport *t, uint64_t *cookies,
					   unsigned int max);

/**
 * Is anything still in flight: a partly written message, or (TCP) bytes
 * not yet acknowledged, or (UDP) datagrams still queued in the socket?
 * Used at shutdown to wait until the collector's host has everything.
 */
bool wm_ipfix_transport_busy(const struct wm_ipfix_transport *t);

/**
 * Reopen what the transport writes to, for log rotation (SIGHUP): a file
 * transport flushes and closes its file and creates (or appends to) the
 * file at its path again, and its next poll says
 * WM_IPFIX_TRANSPORT_NEW_SESSION, so the new file begins with templates
 * and its own sequence numbers. Network transports have nothing to reopen.
 *
 * @return
 *   0, or a negative errno when the path cannot be opened: the transport
 *   then goes on writing to the file it had.
 */
int wm_ipfix_transport_reopen(struct wm_ipfix_transport *t);

/**
 * Write out what the transport buffers (file: its stdio buffer, whole
 * messages only, since each is written with one fwrite) so that a reader
 * of the file sees every message sent so far. Network transports buffer
 * nothing of their own here: a no-op. A failed flush is final, as a
 * failed write is (see file.c).
 *
 * @return
 *   0, or a negative errno (counted in errors).
 */
int wm_ipfix_transport_flush(struct wm_ipfix_transport *t);

/** @return the transport's counters. */
const struct wm_ipfix_transport_stats *wm_ipfix_transport_stats(const struct wm_ipfix_transport *t);

/**
 * Flush and close; a file is closed (fsync is not asked). NULL is a no-op.
 *
 * @return
 *   0, or a negative errno when closing a file failed.
 */
int wm_ipfix_transport_close(struct wm_ipfix_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* WM_IPFIX_TRANSPORT_H */
