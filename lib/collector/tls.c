/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * IPFIX over TLS (RFC 7011 §10.4 and §11) with OpenSSL 3: a stream of
 * IPFIX messages inside TLS 1.2 or 1.3 over one TCP connection, made and
 * remade without ever blocking the caller.
 *
 * States. DOWN: no socket; the next attempt is due at retry_at_ns.
 * CONNECTING: a non-blocking connect() is in progress. HANDSHAKE: TCP is
 * up, SSL_connect() is driven by each poll until it completes (UP) or
 * fails. UP: messages go out with SSL_write(). CONNECTING and HANDSHAKE
 * each give up after WM_IPFIX_CONN_TIMEOUT_NS (a peer that takes the TCP
 * connection and says nothing would otherwise hold us forever).
 *
 * Failures. A connect, handshake or verification failure and a lost
 * connection all end in DOWN with the next attempt backoff_ns later;
 * backoff_ns doubles from 100 ms to 5 s and a completed handshake resets
 * it, as for tcp:// (drivers/ipfix/tcp.c). A handshake failure is named
 * in last_error: for a certificate that does not verify, with
 * X509_verify_cert_error_string() of the verify result ("certificate has
 * expired", "hostname mismatch", "unable to get local issuer
 * certificate"); otherwise OpenSSL's error queue or errno.
 *
 * Writes. SSL_write() writes a whole message as TLS records or returns
 * WANT_WRITE (or WANT_READ) having written part of it; OpenSSL must then
 * be called again with the same bytes (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
 * lets them move). So a message SSL_write did not finish is copied to
 * pend and finished by later polls and sends before any other is taken
 * (send says -EAGAIN meanwhile), and it is never cut.
 *
 * Acknowledgements, as in tcp.c but on the bytes of the TLS stream:
 * written counts the bytes handed to the kernel over all connections
 * (BIO_number_written() of the socket BIO, plus conn_base, the total
 * when this connection began; handshake bytes included). A message's end
 * is written just after SSL_write() finished it (the pending one's end
 * is unknown, WM_TLS_END_PENDING, until then). SIOCOUTQ is the bytes not
 * acknowledged by the peer's host, so written - SIOCOUTQ is acked; a
 * message whose end is at or below acked is done. At a disconnect, every
 * message not acknowledged goes to unacked for take_unacked(), to be
 * sent again on the next connection. As for tcp://, what the
 * collector's host acknowledged and its application never read (it died
 * with unread data) is lost, and no sender can know.
 *
 * The collector never sends IPFIX (RFC 7011 §10.4); what TLS itself sends
 * (TLS 1.3 session tickets, alerts, close_notify) is read by SSL_read()
 * in each poll, WM_TLS_DRAIN_MAX reads at most.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "collector_priv.h"

#define WM_TLS_END_PENDING UINT64_MAX
#define WM_TLS_DRAIN_MAX 16

/*
 * One TLS link. Owned by one thread (the management lcore). The TCP
 * connection, its state, backoff, acknowledgement offsets (on the TLS
 * stream's bytes) and the message SSL_write has not finished (whole, in
 * c.pend) are in c (drivers/ipfix/conn.c, shared with tcp://).
 */
struct wm_tls {
	struct wm_collector_link link; /* first: see collector_priv.h */
	struct wm_ipfix_conn c;
	char name[WM_IPFIX_HOST_MAX + 1]; /* what the certificate must name */
	SSL_CTX *ctx;			  /* CA, client certificate: loaded once at open */
	SSL *ssl;			  /* this connection's; NULL when DOWN */
};

static struct wm_tls *
tls_of(struct wm_ipfix_transport *t)
{
	return (struct wm_tls *)t;
}

/* written from the socket BIO's count, after any SSL call that may write. */
static void
tls_sync_written(struct wm_tls *t)
{
	if (t->ssl != NULL)
		t->c.written = t->c.conn_base + BIO_number_written(SSL_get_wbio(t->ssl));
}

void
wm_collector_ssl_reason(int ssl_err, char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, buf, len);
	else if (ssl_err == SSL_ERROR_SYSCALL && errno != 0)
		snprintf(buf, len, "%s", strerror(errno));
	else if (ssl_err == SSL_ERROR_SYSCALL || ssl_err == SSL_ERROR_ZERO_RETURN)
		snprintf(buf, len, "the collector closed the connection");
	else
		snprintf(buf, len, "TLS error %d", ssl_err);
	ERR_clear_error();
}

/* Free the session (no close_notify: it is dead or never was up); conn.c closes the socket. */
static void
tls_drop_ssl(struct wm_tls *t)
{
	if (t->ssl != NULL)
		SSL_free(t->ssl);
	t->ssl = NULL;
}

/* A connect or handshake attempt failed: the next one goes to the next address. */
static void
tls_attempt_failed(struct wm_tls *t)
{
	tls_drop_ssl(t);
	wm_ipfix_conn_attempt_failed(&t->c);
}

/*
 * An established session ended: every message not wholly acknowledged
 * (the pending one included) moves to unacked, oldest first.
 */
static void
tls_conn_lost(struct wm_tls *t)
{
	tls_sync_written(t);
	wm_ipfix_conn_lost(&t->c);
	tls_drop_ssl(t);
}

/* An IP address is checked as one in the certificate, a name as a DNS name (and sent as SNI). */
void
wm_collector_ssl_name(SSL *ssl, const char *name)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, name, &a4) == 1 || inet_pton(AF_INET6, name, &a6) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name);
		return;
	}
	SSL_set_tlsext_host_name(ssl, name);
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	SSL_set1_host(ssl, name);
}

/*
 * OpenSSL's socket BIO writes with write(2): a collector that reset the
 * connection would raise SIGPIPE, whose default action ends the process.
 * This BIO is the socket BIO with its write made send(MSG_NOSIGNAL), as
 * drivers/ipfix/tcp.c writes; the dead connection is then an EPIPE that
 * SSL_write() reports. The method is made once and lives as long as the
 * process.
 */
static int
nosig_write(BIO *b, const char *buf, int len)
{
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send((int)BIO_get_fd(b, NULL), buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS))
		BIO_set_retry_write(b);
	return (int)n;
}

static BIO *
nosig_socket_bio(int fd)
{
	static BIO_METHOD *m;
	const BIO_METHOD *s = BIO_s_socket();
	BIO *b;

	if (m == NULL) {
		m = BIO_meth_new(BIO_TYPE_SOCKET, "socket, send(MSG_NOSIGNAL)");
		if (m == NULL || BIO_meth_set_write(m, nosig_write) != 1 ||
		    BIO_meth_set_read(m, BIO_meth_get_read(s)) != 1 ||
		    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(s)) != 1 ||
		    BIO_meth_set_create(m, BIO_meth_get_create(s)) != 1 ||
		    BIO_meth_set_destroy(m, BIO_meth_get_destroy(s)) != 1) {
			BIO_meth_free(m);
			m = NULL;
			return NULL;
		}
	}
	b = BIO_new(m);
	if (b != NULL)
		BIO_set_fd(b, fd, BIO_NOCLOSE);
	return b;
}

/* TCP is up: a new SSL on the socket, verifying the name, then the handshake. */
static void
tls_handshake_start(struct wm_tls *t, uint64_t now_ns)
{
	BIO *bio;

	t->ssl = SSL_new(t->ctx);
	bio = nosig_socket_bio(t->c.fd);
	if (t->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		wm_collector_error(&t->link.xs, "TLS: out of memory");
		tls_attempt_failed(t);
		return;
	}
	SSL_set_bio(t->ssl, bio, bio);
	wm_collector_ssl_name(t->ssl, t->name);
	t->c.state = WM_IPFIX_CONN_HANDSHAKE;
	t->c.phase_start_ns = now_ns;
	t->c.conn_base = t->c.written;
}

/* A handshake failed: counted and named (the verify result's reason first). */
void
wm_collector_ssl_failed(struct wm_collector_stats *xs, SSL *ssl, int ssl_err, const char *proto)
{
	long vr = SSL_get_verify_result(ssl);
	char why[160];

	xs->tls_failures++;
	if (vr != X509_V_OK) {
		xs->tls_verify_failures++;
		ERR_clear_error();
		wm_collector_error(xs, "%s: the collector's certificate does not verify: %s", proto,
				   X509_verify_cert_error_string(vr));
	} else {
		wm_collector_ssl_reason(ssl_err, why, sizeof(why));
		wm_collector_error(xs, "%s: handshake failed: %s", proto, why);
	}
}

/* HANDSHAKE: drive SSL_connect() on; it never waits. */
static void
tls_handshake_step(struct wm_tls *t, uint64_t now_ns)
{
	int rc, e;

	if (t->c.phase_start_ns == WM_IPFIX_CONN_TIME_UNSET)
		t->c.phase_start_ns = now_ns;
	errno = 0;
	rc = SSL_connect(t->ssl);
	tls_sync_written(t);
	if (rc == 1) {
		t->c.acked = t->c.conn_base;
		wm_ipfix_conn_established(&t->c);
		t->link.xs.tls_handshakes++;
		return;
	}
	e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		if (!wm_ipfix_conn_timed_out(&t->c, now_ns))
			return;
		t->link.xs.tls_failures++;
		wm_collector_error(&t->link.xs, "TLS: no handshake within %llu s",
				   (unsigned long long)(WM_IPFIX_CONN_TIMEOUT_NS / 1000000000ull));
		tls_attempt_failed(t);
		return;
	}
	wm_collector_ssl_failed(&t->link.xs, t->ssl, e, "TLS");
	tls_attempt_failed(t);
}

/* The TCP connection from wm_ipfix_conn_start() or _check(): 1 made, 0 waiting, -1 failed. */
static void
tls_connect_result(struct wm_tls *t, int rc, uint64_t now_ns)
{
	if (rc < 0) {
		tls_attempt_failed(t);
		return;
	}
	if (rc == 0)
		return;
	tls_handshake_start(t, now_ns);
}

/* CONNECTING: has the connect finished, failed, or taken too long? */
static void
tls_connect_check(struct wm_tls *t, uint64_t now_ns)
{
	tls_connect_result(t, wm_ipfix_conn_check(&t->c, now_ns), now_ns);
	if (t->c.state == WM_IPFIX_CONN_HANDSHAKE)
		tls_handshake_step(t, now_ns);
}

/*
 * UP: read what TLS sends (session tickets, alerts, close_notify).
 * @return false when the session is gone.
 */
static bool
tls_peer_check(struct wm_tls *t)
{
	char scratch[2048];
	int i, n, e;

	for (i = 0; i < WM_TLS_DRAIN_MAX; i++) {
		ERR_clear_error();
		n = SSL_read(t->ssl, scratch, sizeof(scratch));
		tls_sync_written(t);
		if (n > 0)
			continue;
		e = SSL_get_error(t->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return true;
		ERR_clear_error();
		return false;
	}
	return true;
}

/* Write pend. @return 0 when done, -EAGAIN, or -EPIPE when the session is dead. */
static int
tls_flush(struct wm_tls *t)
{
	int n, e;

	if (t->c.pend_len == 0)
		return 0;
	ERR_clear_error();
	n = SSL_write(t->ssl, t->c.pend, (int)t->c.pend_len);
	tls_sync_written(t);
	if (n > 0) {
		/* The pending message is the newest in inflight. */
		wm_ipfix_track_at(&t->c.inflight, wm_ipfix_track_count(&t->c.inflight) - 1)->end =
			t->c.written;
		t->c.pend_len = 0;
		return 0;
	}
	e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
		return -EAGAIN;
	ERR_clear_error();
	return -EPIPE;
}

static int
tls_poll(struct wm_ipfix_transport *base, uint64_t now_ns)
{
	struct wm_tls *t = tls_of(base);

	t->c.last_now_ns = now_ns;
	switch (t->c.state) {
	case WM_IPFIX_CONN_CONNECTING:
		tls_connect_check(t, now_ns);
		break;
	case WM_IPFIX_CONN_HANDSHAKE:
		tls_handshake_step(t, now_ns);
		break;
	case WM_IPFIX_CONN_UP:
		if (!tls_peer_check(t) || tls_flush(t) == -EPIPE)
			tls_conn_lost(t);
		break;
	case WM_IPFIX_CONN_DOWN:
		if (wm_ipfix_conn_due(&t->c, now_ns)) {
			tls_connect_result(t, wm_ipfix_conn_start(&t->c, now_ns), now_ns);
			if (t->c.state == WM_IPFIX_CONN_CONNECTING)
				tls_connect_check(t, now_ns);
		}
		break;
	}
	return wm_ipfix_conn_poll_end(&t->c, now_ns);
}

static int
tls_send(struct wm_ipfix_transport *base, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_tls *t = tls_of(base);
	int n, e;

	if (t->c.state != WM_IPFIX_CONN_UP)
		return -ENOTCONN;
	n = tls_flush(t);
	if (n == -EAGAIN)
		return -EAGAIN;
	if (n != 0) {
		tls_conn_lost(t);
		return -ENOTCONN;
	}
	if (wm_ipfix_conn_full(&t->c))
		return -EAGAIN;
	ERR_clear_error();
	n = SSL_write(t->ssl, msg, (int)len);
	tls_sync_written(t);
	if (n <= 0) {
		e = SSL_get_error(t->ssl, n);
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			tls_conn_lost(t);
			return -ENOTCONN;
		}
		/* Part of it may be on the wire: it is taken, and finished later. */
		memcpy(t->c.pend, msg, len);
		t->c.pend_len = len;
	}
	wm_ipfix_conn_taken(&t->c, cookie, n > 0 ? t->c.written : WM_TLS_END_PENDING, len);
	return 0;
}

static int
tls_close(struct wm_ipfix_transport *base)
{
	struct wm_tls *t = tls_of(base);

	/* close_notify, once, without waiting for the peer's (RFC 8446 §6.1). */
	if (t->c.state == WM_IPFIX_CONN_UP)
		(void)SSL_shutdown(t->ssl);
	tls_drop_ssl(t);
	wm_ipfix_conn_fini(&t->c);
	SSL_CTX_free(t->ctx);
	free(t);
	return 0;
}

const struct wm_ipfix_transport_ops wm_collector_tls_ops = {
	.poll = tls_poll,
	.send = tls_send,
	.close = tls_close,
	WM_IPFIX_CONN_OPS(struct wm_tls, c),
};

/* A private key must be its owner's alone, as ssh and TLS servers insist. */
static int
ssl_key_private(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		wm_ipfix_err(err, errlen, "--ipfix-key '%s': %s", path, strerror(errno));
		return -errno;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		wm_ipfix_err(err, errlen,
			     "--ipfix-key '%s' is open to group or others (mode %04o): "
			     "chmod 600 it",
			     path, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/*
 * The CA, the client certificate and key, peer verification, and the
 * oldest version: TLS 1.2, or DTLS 1.2 for a DTLS method.
 */
SSL_CTX *
wm_collector_ssl_ctx(const SSL_METHOD *m, bool dtls, const struct wm_collector_params *p, char *err,
		     size_t errlen)
{
	char why[160];
	SSL_CTX *ctx;

	if ((p->cert_file == NULL) != (p->key_file == NULL)) {
		wm_ipfix_err(err, errlen, "--ipfix-cert and --ipfix-key go together");
		return NULL;
	}
	if (p->key_file != NULL && ssl_key_private(p->key_file, err, errlen) != 0)
		return NULL;
	ERR_clear_error();
	ctx = SSL_CTX_new(m);
	if (ctx == NULL)
		goto ssl_fail;
	SSL_CTX_set_min_proto_version(ctx, dtls ? DTLS1_2_VERSION : TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (p->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, p->ca_file, NULL) != 1
			       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		wm_collector_ssl_reason(SSL_ERROR_SSL, why, sizeof(why));
		wm_ipfix_err(err, errlen, "--ipfix-ca '%s': %s",
			     p->ca_file != NULL ? p->ca_file : "(system)", why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (p->cert_file != NULL &&
	    (SSL_CTX_use_certificate_chain_file(ctx, p->cert_file) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, p->key_file, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(ctx) != 1)) {
		wm_collector_ssl_reason(SSL_ERROR_SSL, why, sizeof(why));
		wm_ipfix_err(err, errlen, "--ipfix-cert '%s' / --ipfix-key '%s': %s", p->cert_file,
			     p->key_file, why);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
ssl_fail:
	wm_collector_ssl_reason(SSL_ERROR_SSL, why, sizeof(why));
	wm_ipfix_err(err, errlen, "TLS: %s", why);
	return NULL;
}

/* Host and port of "tls://HOST:PORT" or "dtls://..." (checked), as drivers/ipfix has them. */
int
wm_collector_ssl_uri(const char *uri, struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	const char *hp = strstr(uri, "://") + 3, *colon = strrchr(hp, ':');
	size_t n;

	memset(u, 0, sizeof(*u));
	u->kind = WM_IPFIX_TRANSPORT_TCP;
	if (hp[0] == '[') {
		hp++;
		colon = strchr(hp, ']');
		u->host_bracketed = true;
	}
	n = colon != NULL ? (size_t)(colon - hp) : 0;
	if (n == 0 || n > WM_IPFIX_HOST_MAX) {
		wm_ipfix_err(err, errlen, "missing host");
		return -EINVAL;
	}
	memcpy(u->host, hp, n);
	u->host[n] = '\0';
	snprintf(u->port, sizeof(u->port), "%s", strrchr(hp, ':') + 1);
	return 0;
}

struct wm_ipfix_transport *
wm_collector_tls_open(const char *uri, const struct wm_collector_params *p, char *err,
		      size_t errlen)
{
	struct wm_ipfix_transport *base;
	struct wm_ipfix_uri u;
	struct wm_tls *t;

	if (wm_collector_ssl_uri(uri, &u, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	base = wm_ipfix_conn_alloc(&u, &wm_collector_tls_ops, sizeof(*t), err, errlen);
	if (base == NULL)
		return NULL;
	t = tls_of(base);
	t->ctx = wm_collector_ssl_ctx(TLS_client_method(), false, p, err, errlen);
	if (t->ctx == NULL) {
		tls_close(base);
		errno = EINVAL;
		return NULL;
	}
	if (wm_collector_link_init(&t->link, &wm_collector_tls_ops, WM_IPFIX_TRANSPORT_TCP, "tls",
				   uri, p, false) != 0)
		goto nomem;
	snprintf(t->name, sizeof(t->name), "%s", p->server_name != NULL ? p->server_name : u.host);
	/* Connect errors are not open's: they are retried, as after any failure. */
	tls_connect_result(t, wm_ipfix_conn_start(&t->c, WM_IPFIX_CONN_TIME_UNSET),
			   WM_IPFIX_CONN_TIME_UNSET);
	return base;

nomem:
	free(base->uri);
	base->uri = NULL;
	tls_close(base);
	wm_ipfix_err(err, errlen, "out of memory");
	errno = ENOMEM;
	return NULL;
}
