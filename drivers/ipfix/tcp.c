/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * TCP transport (RFC 7011 §10.4): a stream of IPFIX messages to one
 * collector, made and remade without ever blocking the caller.
 *
 * States. DOWN: no socket; the next attempt is due at retry_at_ns.
 * CONNECTING: a non-blocking connect() is in progress; poll() looks at
 * it with a zero-timeout poll(2) and reads SO_ERROR once it is writable,
 * and gives up after WM_IPFIX_CONN_TIMEOUT_NS (a collector behind a
 * black hole would otherwise hold us for the kernel's two minutes of SYN
 * retries). UP: connected; poll() watches for the collector closing or
 * resetting the connection, and finishes a partly written message.
 *
 * Backoff. Each failed attempt and each lost connection schedules the
 * next attempt backoff_ns later and doubles backoff_ns, from 100 ms up
 * to 5 s; a connection that is made resets it to 100 ms. So a collector
 * that is down is tried 100, 200, 400 ... ms apart, then every 5 s, and
 * one that restarts is reached again 100 ms after it went away. Times
 * come from the caller's now_ns: a failure noticed in send() is
 * scheduled from the time of the last poll (a loop ago), one noticed in
 * open() by the first poll.
 *
 * Message integrity. A message is never cut: when send() takes only part
 * of one, the rest is copied to pend and written by later polls and
 * sends before any other message is taken (send says -EAGAIN meanwhile).
 * At most one message is pending, so pend is WM_IPFIX_TRANSPORT_MSG_MAX
 * bytes. A connection lost with a message half written leaves the
 * collector a truncated message, which it discards with the connection.
 *
 * Acknowledgements. written counts the bytes handed to the kernel over
 * all connections of this transport, so that offsets keep growing across
 * reconnects. Each message taken is tracked in inflight with its end
 * offset (written when it was taken, plus its length). On Linux,
 * SIOCOUTQ on a TCP socket is write_seq - snd_una: the bytes written on
 * this connection that its peer has not acknowledged, sent or not. So
 * written - SIOCOUTQ is the offset up to which the collector's host has
 * everything, and acked keeps the highest value seen. A message whose
 * end is at or below acked is acknowledged; take_acked() gives its
 * cookie back.
 *
 * Disconnects. The set not acknowledged is decided from a SIOCOUTQ read
 * just before close(). An RST makes the kernel purge its write queue,
 * but purging leaves write_seq and snd_una alone, and SIOCOUTQ still
 * answers on the dead socket (state CLOSE), so the value read after an
 * RST is the true count of bytes never acknowledged: test_transport.c
 * checks this. Every message not wholly acknowledged, the pending one
 * included, moves from inflight to unacked, oldest first, for
 * take_unacked(); the caller sends them again on the next connection.
 * Should SIOCOUTQ fail, acked stays at the last value take_acked() or
 * busy() confirmed, and messages acknowledged since then are resent too.
 * That is the safe side: the collector may then see such a message
 * twice (once on each connection), which costs it a duplicate, where the
 * other choice would lose data silently.
 *
 * What acknowledgement does not promise: the collector's kernel acks
 * bytes its application has not read yet. A collector that dies or
 * resets with unread data loses it, and we cannot know; a collector that
 * reads everything before it closes loses nothing.
 *
 * Bounds. inflight and unacked together hold at most WM_IPFIX_TRACK_CAP
 * entries: send() says -EAGAIN when they are full, so moving inflight
 * entries to unacked at a disconnect always has room. The caller frees
 * room by calling take_acked() and take_unacked().
 *
 * Errors. Any send() error other than "would block" means the
 * connection is dead (the kernel reports it on the socket): it is
 * counted as a disconnect, not in stats.errors, and send returns
 * -ENOTCONN like any send between connections. The caller keeps that
 * message, and gets the unacknowledged ones back from take_unacked().
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "transport_priv.h"

/* Reads per poll of what a collector should not send, bounding poll's work. */
#define WM_TCP_DRAIN_MAX 16

/*
 * One TCP transport. Owned by one thread (the management lcore); no
 * field is touched by any other. The connection, its state, backoff,
 * acknowledgement offsets and pending message are in c (conn.c, shared
 * with tls://).
 */
struct wm_tcp {
	struct wm_ipfix_transport base; /* first: see transport_priv.h */
	struct wm_ipfix_conn c;
	size_t pend_off; /* the next byte of c.pend to write (up to c.pend_len) */
};

static struct wm_tcp *
tcp_of(struct wm_ipfix_transport *t)
{
	return (struct wm_tcp *)t;
}

/*
 * An established connection ended (the collector closed or reset it, or
 * a send failed). See "Disconnects" at the top of this file.
 */
static void
tcp_conn_lost(struct wm_tcp *t)
{
	wm_ipfix_conn_lost(&t->c);
	t->pend_off = 0;
}

/* From wm_ipfix_conn_start() or _check(): 1 made, 0 waiting, -1 failed. */
static void
tcp_connect_result(struct wm_tcp *t, int rc)
{
	if (rc > 0) {
		t->c.conn_base = t->c.written;
		wm_ipfix_conn_established(&t->c);
	} else if (rc < 0) {
		wm_ipfix_conn_attempt_failed(&t->c);
	}
}

/*
 * UP: has the collector closed or reset the connection? A collector
 * never sends on it (RFC 7011 §10.4), so readable means a FIN (recv
 * gives 0) or an error; anything it sends anyway is read and dropped,
 * WM_TCP_DRAIN_MAX reads at most, so that it cannot fill our receive
 * buffer. @return false when the connection is gone.
 */
static bool
tcp_peer_check(struct wm_tcp *t)
{
	struct pollfd p = {.fd = t->c.fd, .events = POLLIN};
	char scratch[2048];
	ssize_t n;
	int i;

	if (poll(&p, 1, 0) <= 0)
		return true;
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return false;
	for (i = 0; i < WM_TCP_DRAIN_MAX; i++) {
		n = recv(t->c.fd, scratch, sizeof(scratch), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n == 0)
			return false;
		return errno == EAGAIN || errno == EINTR;
	}
	return true;
}

/*
 * Write as much of @p buf as the socket takes now. @return the bytes
 * written (0 when it took none), or a negative errno when the
 * connection is dead. written follows every byte.
 */
static ssize_t
tcp_write(struct wm_tcp *t, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = send(t->c.fd, buf + done, len - done, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			t->c.written += (uint64_t)n;
			continue;
		}
		if (n < 0 &&
		    (errno == EAGAIN || errno == EINTR || errno == ENOBUFS || errno == ENOMEM))
			break;
		return n < 0 ? -errno : -EPIPE;
	}
	return (ssize_t)done;
}

/* Write what is pending. @return 0 when none is left, -EAGAIN, or -errno (dead). */
static int
tcp_flush(struct wm_tcp *t)
{
	ssize_t n;

	if (t->c.pend_len == 0)
		return 0;
	n = tcp_write(t, t->c.pend + t->pend_off, t->c.pend_len - t->pend_off);
	if (n < 0)
		return (int)n;
	t->pend_off += (size_t)n;
	if (t->pend_off < t->c.pend_len)
		return -EAGAIN;
	t->pend_off = 0;
	t->c.pend_len = 0;
	return 0;
}

static int
tcp_poll(struct wm_ipfix_transport *base, uint64_t now_ns)
{
	struct wm_tcp *t = tcp_of(base);
	int rc;

	t->c.last_now_ns = now_ns;
	switch (t->c.state) {
	case WM_IPFIX_CONN_CONNECTING:
		tcp_connect_result(t, wm_ipfix_conn_check(&t->c, now_ns));
		break;
	case WM_IPFIX_CONN_UP:
		if (!tcp_peer_check(t)) {
			tcp_conn_lost(t);
			break;
		}
		rc = tcp_flush(t);
		if (rc < 0 && rc != -EAGAIN)
			tcp_conn_lost(t);
		break;
	case WM_IPFIX_CONN_DOWN:
		if (wm_ipfix_conn_due(&t->c, now_ns)) {
			tcp_connect_result(t, wm_ipfix_conn_start(&t->c, now_ns));
			if (t->c.state == WM_IPFIX_CONN_CONNECTING)
				tcp_connect_result(t, wm_ipfix_conn_check(&t->c, now_ns));
		}
		break;
	case WM_IPFIX_CONN_HANDSHAKE: /* TLS's only */
		break;
	}
	return wm_ipfix_conn_poll_end(&t->c, now_ns);
}

static int
tcp_send(struct wm_ipfix_transport *base, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_tcp *t = tcp_of(base);
	uint64_t end;
	ssize_t n;
	int rc;

	if (t->c.state != WM_IPFIX_CONN_UP)
		return -ENOTCONN;
	rc = tcp_flush(t);
	if (rc == -EAGAIN)
		return -EAGAIN;
	if (rc < 0) {
		tcp_conn_lost(t);
		return -ENOTCONN;
	}
	if (wm_ipfix_conn_full(&t->c))
		return -EAGAIN;

	end = t->c.written + len;
	n = tcp_write(t, msg, len);
	if (n < 0) {
		tcp_conn_lost(t);
		return -ENOTCONN;
	}
	if (n == 0)
		return -EAGAIN;
	if ((size_t)n < len) {
		memcpy(t->c.pend, (const uint8_t *)msg + n, len - (size_t)n);
		t->pend_off = 0;
		t->c.pend_len = len - (size_t)n;
	}
	wm_ipfix_conn_taken(&t->c, cookie, end, len);
	return 0;
}

static int
tcp_close(struct wm_ipfix_transport *base)
{
	struct wm_tcp *t = tcp_of(base);

	/*
	 * A plain close: the kernel goes on sending what it holds. A
	 * pending partial message is dropped; a caller that cares waits
	 * for busy() to be false first.
	 */
	wm_ipfix_conn_fini(&t->c);
	free(t);
	return 0;
}

static struct wm_ipfix_transport *
tcp_open(const struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	struct wm_ipfix_transport *base;
	struct wm_tcp *t;

	base = wm_ipfix_conn_alloc(u, &wm_ipfix_tcp_ops, sizeof(*t), err, errlen);
	if (base == NULL)
		return NULL;
	t = tcp_of(base);
	/* Connect errors are not open's: they are retried, as after any failure. */
	tcp_connect_result(t, wm_ipfix_conn_start(&t->c, WM_IPFIX_CONN_TIME_UNSET));
	return base;
}

const struct wm_ipfix_transport_ops wm_ipfix_tcp_ops = {
	.open = tcp_open,
	.poll = tcp_poll,
	.send = tcp_send,
	.close = tcp_close,
	WM_IPFIX_CONN_OPS(struct wm_tcp, c),
};
