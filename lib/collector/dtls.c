/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * IPFIX over DTLS over UDP (RFC 7011 §10.3 with §11), OpenSSL 3, DTLS
 * 1.2: one IPFIX message per DTLS record, one record per datagram, on a
 * connected non-blocking UDP socket, paced by the same token bucket as
 * udp://.
 *
 * It fits the exporter's non-blocking loop because OpenSSL leaves the
 * handshake's timers to its caller: poll() drives SSL_connect() and, while
 * it waits for the collector, DTLSv1_handle_timeout() retransmits a
 * flight whose timer ran out (1 s doubling, OpenSSL's). Nothing waits.
 *
 * States. DOWN: no socket; the next attempt is due at retry_at_ns.
 * HANDSHAKE: SSL_connect() in progress, given up after
 * WM_DTLS_HANDSHAKE_TIMEOUT_NS. UP: messages go out with SSL_write().
 * Failures (handshake, verification, a fatal alert or close_notify from
 * the collector, ICMP port unreachable) end in DOWN, with the backoff of
 * tcp:// and tls:// (100 ms doubling to 5 s); a completed handshake
 * resets it. Each handshake is a new session: templates go first.
 *
 * Semantics are UDP's (the kind is WM_IPFIX_TRANSPORT_UDP): a message
 * SSL_write() took is done (its cookie is given back at once), templates
 * are sent again every refresh, nothing is resent. While the session is
 * not up, send() says -ENOTCONN and messages wait in the caller's queue.
 * A refused datagram (ECONNREFUSED: the collector's process is gone) is
 * counted, its message is lost (-ECONNREFUSED, as for udp://), and the
 * session is dropped: a restarted collector knows nothing of it, so the
 * next one begins with a handshake. A collector that restarts between
 * two datagrams drops what comes before our next handshake unseen; only
 * its alert, if it sends one, tells us.
 *
 * A record that SSL_write() could not hand to the socket (a full send
 * buffer: WANT_WRITE) stays in OpenSSL's write buffer and must be
 * written again with the same bytes: it is kept in pend and finished by
 * later polls and sends before any other message, as in tls.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "collector_priv.h"

#define WM_DTLS_NS_PER_MS 1000000ull
#define WM_DTLS_BACKOFF_MIN_NS (100 * WM_DTLS_NS_PER_MS)
#define WM_DTLS_BACKOFF_MAX_NS (5000 * WM_DTLS_NS_PER_MS)
#define WM_DTLS_HANDSHAKE_TIMEOUT_NS (10000 * WM_DTLS_NS_PER_MS)
#define WM_DTLS_TIME_UNSET UINT64_MAX
#define WM_DTLS_DRAIN_MAX 16

enum wm_dtls_state {
	WM_DTLS_DOWN,
	WM_DTLS_HANDSHAKE,
	WM_DTLS_UP,
};

/* One DTLS link. Owned by one thread (the management lcore). */
struct wm_dtls {
	struct wm_collector_link link; /* first: see collector_priv.h */
	struct wm_ipfix_addr addr;     /* resolved once, at open */
	char name[WM_IPFIX_HOST_MAX + 1];
	SSL_CTX *ctx;
	SSL *ssl; /* this session's; NULL when DOWN */
	enum wm_dtls_state state;
	int fd;			    /* -1 when DOWN */
	bool new_session;	    /* UP reached; poll has not said so yet */
	uint64_t backoff_ns;	    /* delay after the next failure */
	uint64_t retry_at_ns;	    /* DOWN: when to try */
	uint64_t last_now_ns;	    /* now_ns of the last poll */
	uint64_t hs_start_ns;	    /* when the handshake began, or WM_DTLS_TIME_UNSET */
	uint8_t *pend;		    /* a record SSL_write has not finished */
	size_t pend_len;	    /* its length; 0 when none */
	struct wm_ipfix_track done; /* sent; cookies not yet taken */
};

static struct wm_dtls *
dtls_of(struct wm_ipfix_transport *t)
{
	return (struct wm_dtls *)t;
}

static const struct wm_dtls *
dtls_of_const(const struct wm_ipfix_transport *t)
{
	return (const struct wm_dtls *)t;
}

/* DOWN: free the session, the next attempt after the backoff, the backoff doubled. */
static void
dtls_down(struct wm_dtls *t)
{
	if (t->ssl != NULL)
		SSL_free(t->ssl); /* frees the BIO, which leaves fd open (BIO_NOCLOSE) */
	t->ssl = NULL;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->state == WM_DTLS_UP)
		t->link.base.stats.disconnects++;
	else
		t->link.base.stats.connect_failures++;
	t->state = WM_DTLS_DOWN;
	t->pend_len = 0;
	t->new_session = false;
	t->retry_at_ns = t->last_now_ns + t->backoff_ns;
	t->backoff_ns *= 2;
	if (t->backoff_ns > WM_DTLS_BACKOFF_MAX_NS)
		t->backoff_ns = WM_DTLS_BACKOFF_MAX_NS;
}

/* A connected UDP socket, a DTLS session on it, its handshake begun. */
static void
dtls_start(struct wm_dtls *t, uint64_t now_ns)
{
	BIO *bio;

	t->link.base.stats.connect_attempts++;
	t->hs_start_ns = now_ns;
	t->state = WM_DTLS_HANDSHAKE;
	t->fd = socket(t->addr.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (const struct sockaddr *)&t->addr.ss, t->addr.len) != 0) {
		wm_collector_error(&t->link.xs, "DTLS: cannot connect a UDP socket: %s",
				   strerror(errno));
		dtls_down(t);
		return;
	}
	t->ssl = SSL_new(t->ctx);
	bio = BIO_new_dgram(t->fd, BIO_NOCLOSE);
	if (t->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		wm_collector_error(&t->link.xs, "DTLS: out of memory");
		dtls_down(t);
		return;
	}
	BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &t->addr.ss);
	SSL_set_bio(t->ssl, bio, bio);
	wm_collector_ssl_name(t->ssl, t->name);
}

/* HANDSHAKE: drive SSL_connect() on, retransmit when OpenSSL's timer says so. */
static void
dtls_handshake_step(struct wm_dtls *t, uint64_t now_ns)
{
	int rc, e;

	if (t->hs_start_ns == WM_DTLS_TIME_UNSET)
		t->hs_start_ns = now_ns;
	ERR_clear_error();
	errno = 0;
	rc = SSL_connect(t->ssl);
	if (rc == 1) {
		t->state = WM_DTLS_UP;
		t->backoff_ns = WM_DTLS_BACKOFF_MIN_NS;
		t->new_session = true;
		t->link.base.stats.sessions++;
		t->link.xs.tls_handshakes++;
		return;
	}
	e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (now_ns - t->hs_start_ns < WM_DTLS_HANDSHAKE_TIMEOUT_NS) {
			(void)DTLSv1_handle_timeout(t->ssl);
			return;
		}
		t->link.xs.tls_failures++;
		wm_collector_error(
			&t->link.xs, "DTLS: no handshake within %llu s",
			(unsigned long long)(WM_DTLS_HANDSHAKE_TIMEOUT_NS / 1000000000ull));
	} else if (e == SSL_ERROR_SYSCALL && errno == ECONNREFUSED) {
		t->link.xs.tls_failures++;
		t->link.xs.refused++;
		wm_collector_error(&t->link.xs, "DTLS: handshake refused (ICMP port unreachable): "
						"nothing listens there");
	} else {
		wm_collector_ssl_failed(&t->link.xs, t->ssl, e, "DTLS");
	}
	dtls_down(t);
}

/* UP: read what the collector sends (alerts). @return false when the session ended. */
static bool
dtls_peer_check(struct wm_dtls *t)
{
	char scratch[2048];
	int i, n, e;

	for (i = 0; i < WM_DTLS_DRAIN_MAX; i++) {
		ERR_clear_error();
		errno = 0;
		n = SSL_read(t->ssl, scratch, sizeof(scratch));
		if (n > 0)
			continue;
		e = SSL_get_error(t->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return true;
		if (e == SSL_ERROR_SYSCALL && errno == ECONNREFUSED) {
			wm_collector_refused(&t->link);
		} else {
			char why[160];

			wm_collector_ssl_reason(e, why, sizeof(why));
			wm_collector_error(&t->link.xs, "DTLS: the collector ended the session: %s",
					   why);
		}
		return false;
	}
	return true;
}

/*
 * SSL_write() @p len bytes. @return 0 when written, -EAGAIN when OpenSSL
 * holds it for later (the caller keeps it in pend), -ECONNREFUSED or
 * -EPIPE when the session is over.
 */
static int
dtls_write(struct wm_dtls *t, const void *msg, size_t len)
{
	int n, e;

	ERR_clear_error();
	errno = 0;
	n = SSL_write(t->ssl, msg, (int)len);
	if (n > 0)
		return 0;
	e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	ERR_clear_error();
	if (e == SSL_ERROR_SYSCALL && errno == ECONNREFUSED) {
		wm_collector_refused(&t->link);
		return -ECONNREFUSED;
	}
	wm_collector_error(&t->link.xs, "DTLS: write failed: %s",
			   strerror(errno != 0 ? errno : EIO));
	return -EPIPE;
}

static int
dtls_poll(struct wm_ipfix_transport *base, uint64_t now_ns)
{
	struct wm_dtls *t = dtls_of(base);

	t->last_now_ns = now_ns;
	if (t->state == WM_DTLS_DOWN && now_ns >= t->retry_at_ns)
		dtls_start(t, now_ns);
	if (t->state == WM_DTLS_HANDSHAKE)
		dtls_handshake_step(t, now_ns);
	else if (t->state == WM_DTLS_UP && !dtls_peer_check(t))
		dtls_down(t);
	if (t->state == WM_DTLS_UP && t->pend_len > 0) {
		int rc = dtls_write(t, t->pend, t->pend_len);

		if (rc == 0)
			t->pend_len = 0;
		else if (rc != -EAGAIN)
			dtls_down(t);
	}
	if (t->new_session) {
		t->new_session = false;
		return WM_IPFIX_TRANSPORT_NEW_SESSION;
	}
	return 0;
}

static bool
dtls_up(const struct wm_ipfix_transport *base)
{
	return dtls_of_const(base)->state == WM_DTLS_UP;
}

static int
dtls_send(struct wm_ipfix_transport *base, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_dtls *t = dtls_of(base);
	int rc;

	if (t->state != WM_DTLS_UP)
		return -ENOTCONN;
	if (t->pend_len > 0 || wm_ipfix_track_count(&t->done) == WM_IPFIX_TRACK_CAP)
		return -EAGAIN;
	if (!wm_collector_pace(&t->link, len))
		return -EAGAIN;
	rc = dtls_write(t, msg, len);
	if (rc == -EAGAIN) {
		/* In OpenSSL's buffer: taken, finished by a later poll. */
		memcpy(t->pend, msg, len);
		t->pend_len = len;
		rc = 0;
	}
	if (rc != 0) {
		wm_collector_unpace(&t->link, len);
		t->link.base.stats.errors++;
		dtls_down(t);
		return rc == -ECONNREFUSED ? rc : -ENOTCONN;
	}
	wm_ipfix_track_push(&t->done, cookie, 0);
	t->link.base.stats.messages++;
	t->link.base.stats.bytes += len;
	return 0;
}

static unsigned int
dtls_take_acked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_track_take(&dtls_of(base)->done, cookies, max);
}

static unsigned int
dtls_take_unacked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	(void)base;
	(void)cookies;
	(void)max;
	return 0;
}

/* A record in OpenSSL's buffer, or datagrams in the socket's queue, have not left. */
static bool
dtls_busy(const struct wm_ipfix_transport *base)
{
	const struct wm_dtls *t = dtls_of_const(base);
	int outq = 0;

	return t->pend_len > 0 || (t->fd >= 0 && ioctl(t->fd, SIOCOUTQ, &outq) == 0 && outq > 0);
}

static int
dtls_close(struct wm_ipfix_transport *base)
{
	struct wm_dtls *t = dtls_of(base);

	if (t->state == WM_DTLS_UP)
		(void)SSL_shutdown(t->ssl); /* close_notify: the collector may forget us */
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	if (t->fd >= 0)
		close(t->fd);
	SSL_CTX_free(t->ctx);
	free(t->pend);
	wm_ipfix_track_fini(&t->done);
	free(t);
	return 0;
}

const struct wm_ipfix_transport_ops wm_collector_dtls_ops = {
	.poll = dtls_poll,
	.up = dtls_up,
	.send = dtls_send,
	.take_acked = dtls_take_acked,
	.take_unacked = dtls_take_unacked,
	.busy = dtls_busy,
	.close = dtls_close,
};

struct wm_ipfix_transport *
wm_collector_dtls_open(const char *uri, const struct wm_collector_params *p, char *err,
		       size_t errlen)
{
	struct wm_ipfix_uri u;
	struct wm_dtls *t;
	int n;

	if (wm_collector_ssl_uri(uri, &u, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	n = wm_ipfix_resolve(&u, SOCK_DGRAM, &t->addr, 1, err, errlen);
	if (n < 0) {
		free(t);
		errno = -n;
		return NULL;
	}
	t->ctx = wm_collector_ssl_ctx(DTLS_client_method(), true, p, err, errlen);
	if (t->ctx == NULL) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->fd = -1;
	t->pend = malloc(WM_IPFIX_TRANSPORT_MSG_MAX);
	if (wm_collector_link_init(&t->link, &wm_collector_dtls_ops, WM_IPFIX_TRANSPORT_UDP, "dtls",
				   uri, p, true) != 0 ||
	    t->pend == NULL || wm_ipfix_track_init(&t->done) != 0)
		goto nomem;
	snprintf(t->name, sizeof(t->name), "%s", p->server_name != NULL ? p->server_name : u.host);
	t->backoff_ns = WM_DTLS_BACKOFF_MIN_NS;
	t->state = WM_DTLS_DOWN;
	t->retry_at_ns = 0; /* the first poll begins the handshake */
	t->hs_start_ns = WM_DTLS_TIME_UNSET;
	return &t->link.base;

nomem:
	if (t != NULL) {
		free(t->link.base.uri);
		t->link.base.uri = NULL;
		dtls_close(&t->link.base);
	}
	wm_ipfix_err(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}
