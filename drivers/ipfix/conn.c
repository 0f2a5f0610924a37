/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * What a stream transport does around its bytes, shared by tcp:// (tcp.c)
 * and tls:// (lib/collector/tls.c): the non-blocking connect and its
 * timeout, the backoff between attempts, and the byte offsets that say
 * which messages the collector's host acknowledged (SIOCOUTQ) and which
 * go back to the caller when a connection dies. tcp.c's comment says why
 * each is as it is; the owner keeps its own state machine and calls these.
 */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/sockios.h>

#include "transport_priv.h"

/* Unacknowledged data older than this ends the connection (TCP_USER_TIMEOUT). */
#define WM_CONN_USER_TIMEOUT_MS 30000

static struct wm_ipfix_conn *
conn_of(struct wm_ipfix_transport *t)
{
	return (struct wm_ipfix_conn *)((char *)t + t->ops->conn_offset);
}

static const struct wm_ipfix_conn *
conn_of_const(const struct wm_ipfix_transport *t)
{
	return (const struct wm_ipfix_conn *)((const char *)t + t->ops->conn_offset);
}

/* @p c zeroed: DOWN, pend allocated. 0 or -ENOMEM (wm_ipfix_conn_fini() frees what was made). */
static int
conn_init(struct wm_ipfix_conn *c, struct wm_ipfix_transport_stats *stats,
	  const struct wm_ipfix_addr *addrs, unsigned int n_addrs)
{
	c->fd = -1;
	c->stats = stats;
	memcpy(c->addrs, addrs, sizeof(addrs[0]) * n_addrs);
	c->n_addrs = n_addrs;
	c->backoff_ns = WM_IPFIX_CONN_BACKOFF_MIN_NS;
	c->retry_at_ns = WM_IPFIX_CONN_TIME_UNSET;
	c->last_now_ns = WM_IPFIX_CONN_TIME_UNSET;
	c->state = WM_IPFIX_CONN_DOWN;
	c->pend = malloc(WM_IPFIX_TRANSPORT_MSG_MAX);
	if (c->pend == NULL || wm_ipfix_track_init(&c->inflight) != 0 ||
	    wm_ipfix_track_init(&c->unacked) != 0)
		return -ENOMEM;
	return 0;
}

struct wm_ipfix_transport *
wm_ipfix_conn_alloc(const struct wm_ipfix_uri *u, const struct wm_ipfix_transport_ops *ops,
		    size_t size, char *err, size_t errlen)
{
	struct wm_ipfix_addr addrs[WM_IPFIX_ADDR_MAX];
	struct wm_ipfix_transport *t;
	int n;

	n = wm_ipfix_resolve(u, SOCK_STREAM, addrs, WM_IPFIX_ADDR_MAX, err, errlen);
	if (n < 0) {
		errno = -n;
		return NULL;
	}
	t = calloc(1, size);
	if (t != NULL) {
		t->ops = ops;
		if (conn_init(conn_of(t), &t->stats, addrs, (unsigned int)n) == 0)
			return t;
		wm_ipfix_conn_fini(conn_of(t));
		free(t);
	}
	wm_ipfix_err(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void
wm_ipfix_conn_fini(struct wm_ipfix_conn *c)
{
	wm_ipfix_conn_close(c);
	wm_ipfix_track_fini(&c->inflight);
	wm_ipfix_track_fini(&c->unacked);
	free(c->pend);
	c->pend = NULL;
}

void
wm_ipfix_conn_close(struct wm_ipfix_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int64_t
wm_ipfix_conn_outq(const struct wm_ipfix_conn *c)
{
	int outq;

	if (c->fd < 0 || ioctl(c->fd, SIOCOUTQ, &outq) != 0 || outq < 0 ||
	    (uint64_t)outq > c->written - c->conn_base)
		return -1;
	return outq;
}

void
wm_ipfix_conn_update_acked(struct wm_ipfix_conn *c)
{
	int64_t outq;

	if (c->state != WM_IPFIX_CONN_UP)
		return;
	outq = wm_ipfix_conn_outq(c);
	if (outq >= 0 && c->written - (uint64_t)outq > c->acked)
		c->acked = c->written - (uint64_t)outq;
}

void
wm_ipfix_conn_schedule_retry(struct wm_ipfix_conn *c)
{
	c->retry_delay_ns = c->backoff_ns;
	c->retry_at_ns = c->last_now_ns == WM_IPFIX_CONN_TIME_UNSET
				 ? WM_IPFIX_CONN_TIME_UNSET
				 : c->last_now_ns + c->retry_delay_ns;
	c->backoff_ns *= 2;
	if (c->backoff_ns > WM_IPFIX_CONN_BACKOFF_MAX_NS)
		c->backoff_ns = WM_IPFIX_CONN_BACKOFF_MAX_NS;
}

void
wm_ipfix_conn_attempt_failed(struct wm_ipfix_conn *c)
{
	wm_ipfix_conn_close(c);
	c->state = WM_IPFIX_CONN_DOWN;
	c->stats->connect_failures++;
	c->addr_idx = (c->addr_idx + 1) % c->n_addrs;
	wm_ipfix_conn_schedule_retry(c);
}

void
wm_ipfix_conn_lost(struct wm_ipfix_conn *c)
{
	uint32_t n, keep, i;

	wm_ipfix_conn_update_acked(c);
	wm_ipfix_conn_close(c);
	c->state = WM_IPFIX_CONN_DOWN;
	/*
	 * The rest of a partly written message is dropped with the
	 * connection; the next one starts at written, after every byte of
	 * this one, so no entry left in inflight (all <= acked) is confused
	 * with the new connection's.
	 */
	c->pend_len = 0;
	c->new_session = false;
	/* inflight is in stream order: the unacknowledged part is a tail. */
	n = wm_ipfix_track_count(&c->inflight);
	for (keep = n; keep > 0 && wm_ipfix_track_at(&c->inflight, keep - 1)->end > c->acked;
	     keep--)
		;
	for (i = keep; i < n; i++)
		wm_ipfix_track_push(&c->unacked, wm_ipfix_track_at(&c->inflight, i)->cookie, 0);
	c->inflight.tail -= n - keep;
	c->stats->resent += n - keep;
	c->stats->disconnects++;
	wm_ipfix_conn_schedule_retry(c);
}

void
wm_ipfix_conn_established(struct wm_ipfix_conn *c)
{
	c->state = WM_IPFIX_CONN_UP;
	c->new_session = true;
	c->backoff_ns = WM_IPFIX_CONN_BACKOFF_MIN_NS;
	c->stats->sessions++;
}

/*
 * A connection to ourselves: connecting to a local port nobody listens
 * on, the kernel may pick that very port as our source and the SYN meets
 * itself (a TCP simultaneous open). Treat it as refused, or we would
 * export into our own receive buffer.
 */
static bool
conn_self_connected(int fd)
{
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof(local), plen = sizeof(peer);

	memset(&local, 0, sizeof(local));
	memset(&peer, 0, sizeof(peer));
	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0)
		return false;
	return llen == plen && memcmp(&local, &peer, llen) == 0;
}

int
wm_ipfix_conn_start(struct wm_ipfix_conn *c, uint64_t now_ns)
{
	const struct wm_ipfix_addr *a = &c->addrs[c->addr_idx];
	int one = 1, user_timeout = WM_CONN_USER_TIMEOUT_MS;

	c->stats->connect_attempts++;
	c->phase_start_ns = now_ns;
	c->fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	/* Messages go out whole and at once; Nagle would only delay the last one. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/*
	 * A collector host that dies without a word would otherwise hold the
	 * connection for the kernel's whole retransmission time (about 15
	 * minutes) while our queue fills: give up on data unacknowledged for
	 * WM_CONN_USER_TIMEOUT_MS, reconnect, and send it again.
	 */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
	if (connect(c->fd, (const struct sockaddr *)&a->ss, a->len) == 0)
		return conn_self_connected(c->fd) ? -1 : 1;
	if (errno != EINPROGRESS)
		return -1;
	c->state = WM_IPFIX_CONN_CONNECTING;
	return 0;
}

int
wm_ipfix_conn_check(struct wm_ipfix_conn *c, uint64_t now_ns)
{
	struct pollfd p = {.fd = c->fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int rc, so_error = 0;

	if (c->phase_start_ns == WM_IPFIX_CONN_TIME_UNSET)
		c->phase_start_ns = now_ns;
	rc = poll(&p, 1, 0);
	if (rc < 0)
		return 0; /* EINTR or ENOMEM: look again next time */
	if (rc == 0)
		return wm_ipfix_conn_timed_out(c, now_ns) ? -1 : 0;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0 ||
	    !(p.revents & POLLOUT) || conn_self_connected(c->fd))
		return -1;
	return 1;
}

bool
wm_ipfix_conn_timed_out(const struct wm_ipfix_conn *c, uint64_t now_ns)
{
	return now_ns - c->phase_start_ns >= WM_IPFIX_CONN_TIMEOUT_NS;
}

bool
wm_ipfix_conn_due(struct wm_ipfix_conn *c, uint64_t now_ns)
{
	return c->retry_at_ns != WM_IPFIX_CONN_TIME_UNSET && now_ns >= c->retry_at_ns;
}

int
wm_ipfix_conn_poll_end(struct wm_ipfix_conn *c, uint64_t now_ns)
{
	if (c->state == WM_IPFIX_CONN_DOWN && c->retry_at_ns == WM_IPFIX_CONN_TIME_UNSET)
		c->retry_at_ns = now_ns + c->retry_delay_ns;
	if (!c->new_session)
		return 0;
	c->new_session = false;
	return WM_IPFIX_TRANSPORT_NEW_SESSION;
}

bool
wm_ipfix_conn_full(const struct wm_ipfix_conn *c)
{
	return wm_ipfix_track_count(&c->inflight) + wm_ipfix_track_count(&c->unacked) >=
	       WM_IPFIX_TRACK_CAP;
}

void
wm_ipfix_conn_taken(struct wm_ipfix_conn *c, uint64_t cookie, uint64_t end, size_t len)
{
	wm_ipfix_track_push(&c->inflight, cookie, end);
	c->stats->messages++;
	c->stats->bytes += len;
}

/* ---- the ops every stream transport shares ---- */

bool
wm_ipfix_conn_op_up(const struct wm_ipfix_transport *t)
{
	return conn_of_const(t)->state == WM_IPFIX_CONN_UP;
}

unsigned int
wm_ipfix_conn_op_take_acked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	struct wm_ipfix_conn *c = conn_of(t);
	unsigned int n = 0;

	wm_ipfix_conn_update_acked(c);
	while (n < max && wm_ipfix_track_count(&c->inflight) > 0 &&
	       wm_ipfix_track_at(&c->inflight, 0)->end <= c->acked) {
		cookies[n++] = wm_ipfix_track_at(&c->inflight, 0)->cookie;
		c->inflight.head++;
	}
	return n;
}

unsigned int
wm_ipfix_conn_op_take_unacked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_track_take(&conn_of(t)->unacked, cookies, max);
}

bool
wm_ipfix_conn_op_busy(const struct wm_ipfix_transport *t)
{
	const struct wm_ipfix_conn *c = conn_of_const(t);

	/* An unreadable queue counts as busy: better wait than drop. */
	return c->pend_len > 0 || (c->state == WM_IPFIX_CONN_UP && wm_ipfix_conn_outq(c) != 0);
}
