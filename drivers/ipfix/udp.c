/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * UDP transport (RFC 7011 §10.3): one datagram per IPFIX message on a
 * connected, non-blocking socket.
 *
 * Connecting the socket fixes the route and source address once, lets
 * send() skip the address, and makes the kernel report ICMP port
 * unreachable from the collector's host: the next send() fails with
 * ECONNREFUSED. That error consumes the pending ICMP report but the
 * datagram of that send() is not sent (the kernel checks the socket
 * error before building it), so send returns -ECONNREFUSED and counts
 * an error: the caller must count the message's records as not sent,
 * exactly as they were not. The datagram that drew the ICMP had already
 * been counted as sent; nothing can tell the caller that afterwards.
 * The socket stays usable: when the collector listens again, the next
 * datagram is received.
 *
 * A full socket buffer (EAGAIN) or a full device queue (ENOBUFS) is
 * -EAGAIN: the caller keeps the message and tries later. The send buffer
 * is raised to 4 MB so that a burst of messages after a flush rarely
 * meets it.
 *
 * A datagram handed to the kernel is done: its cookie is queued for
 * wm_ipfix_transport_take_acked() at once. The queue is bounded
 * (WM_IPFIX_TRACK_CAP); a caller that never takes the cookies gets
 * -EAGAIN when it is full.
 */

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "transport_priv.h"

#define WM_UDP_SNDBUF (4 * 1024 * 1024)

struct wm_udp {
	struct wm_ipfix_transport base; /* first: see transport_priv.h */
	int fd;				/* connected, non-blocking */
	bool announced;			/* poll has returned NEW_SESSION */
	struct wm_ipfix_track done;	/* sent; cookies not yet taken */
};

static struct wm_udp *
udp_of(struct wm_ipfix_transport *t)
{
	return (struct wm_udp *)t;
}

static const struct wm_udp *
udp_of_const(const struct wm_ipfix_transport *t)
{
	return (const struct wm_udp *)t;
}

/*
 * The kernel caps SO_SNDBUF at net.core.wmem_max (and doubles what it
 * grants, for its own overhead); SO_SNDBUFFORCE passes the cap when we
 * have CAP_NET_ADMIN, as wiremeter does when run as root. Neither
 * failing is an error: a smaller buffer only absorbs smaller bursts.
 */
static void
udp_raise_sndbuf(int fd)
{
	int want = WM_UDP_SNDBUF, got = 0;
	socklen_t len = sizeof(got);

	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len) == 0 && got / 2 < want)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want));
}

static struct wm_ipfix_transport *
udp_open(const struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	struct wm_ipfix_addr addrs[WM_IPFIX_ADDR_MAX];
	char where[NI_MAXHOST + 16];
	struct wm_udp *t;
	int n, i, fd = -1, e = 0;

	n = wm_ipfix_resolve(u, SOCK_DGRAM, addrs, WM_IPFIX_ADDR_MAX, err, errlen);
	if (n < 0) {
		errno = -n;
		return NULL;
	}
	/*
	 * The first address that takes a connect() wins. For UDP connect()
	 * sends nothing: it fails only when there is no route, as for an
	 * IPv6 address on a host without IPv6, and then the next one is
	 * worth a try.
	 */
	for (i = 0; i < n; i++) {
		fd = socket(addrs[i].ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, (const struct sockaddr *)&addrs[i].ss, addrs[i].len) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		wm_ipfix_addr_str(&addrs[0], where, sizeof(where));
		wm_ipfix_err(err, errlen, "cannot connect a UDP socket to %s: %s", where,
			     strerror(e));
		errno = e;
		return NULL;
	}
	udp_raise_sndbuf(fd);

	t = calloc(1, sizeof(*t));
	if (t == NULL || wm_ipfix_track_init(&t->done) != 0) {
		free(t);
		close(fd);
		wm_ipfix_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	t->fd = fd;
	t->base.stats.sessions = 1;
	return &t->base;
}

static int
udp_poll(struct wm_ipfix_transport *base, uint64_t now_ns)
{
	struct wm_udp *t = udp_of(base);

	(void)now_ns;
	if (t->announced)
		return 0;
	t->announced = true;
	return WM_IPFIX_TRANSPORT_NEW_SESSION;
}

static bool
udp_up(const struct wm_ipfix_transport *base)
{
	(void)base;
	return true;
}

static int
udp_send(struct wm_ipfix_transport *base, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_udp *t = udp_of(base);
	ssize_t n;

	if (wm_ipfix_track_count(&t->done) == WM_IPFIX_TRACK_CAP)
		return -EAGAIN;
	n = send(t->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0 && (size_t)n == len) {
		wm_ipfix_track_push(&t->done, cookie, 0);
		t->base.stats.messages++;
		t->base.stats.bytes += len;
		return 0;
	}
	if (n >= 0) {
		/* A datagram goes whole or not at all; this cannot happen. */
		t->base.stats.errors++;
		return -EIO;
	}
	switch (errno) {
	case EAGAIN:
	case ENOBUFS:
	case EINTR:
		return -EAGAIN;
	default:
		/* ECONNREFUSED included: see the top of this file. */
		t->base.stats.errors++;
		return -errno;
	}
}

static unsigned int
udp_take_acked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_track_take(&udp_of(base)->done, cookies, max);
}

static unsigned int
udp_take_unacked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	(void)base;
	(void)cookies;
	(void)max;
	return 0;
}

/*
 * Datagrams still in the socket's send queue (SIOCOUTQ: the bytes the
 * kernel still holds for it) have not left the host yet; at shutdown
 * the caller may wait for them.
 */
static bool
udp_busy(const struct wm_ipfix_transport *base)
{
	int outq = 0;

	return ioctl(udp_of_const(base)->fd, SIOCOUTQ, &outq) == 0 && outq > 0;
}

static int
udp_close(struct wm_ipfix_transport *base)
{
	struct wm_udp *t = udp_of(base);

	close(t->fd);
	wm_ipfix_track_fini(&t->done);
	free(t);
	return 0;
}

const struct wm_ipfix_transport_ops wm_ipfix_udp_ops = {
	.open = udp_open,
	.poll = udp_poll,
	.up = udp_up,
	.send = udp_send,
	.take_acked = udp_take_acked,
	.take_unacked = udp_take_unacked,
	.busy = udp_busy,
	.close = udp_close,
};
