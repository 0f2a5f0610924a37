/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The server on libmicrohttpd's internal polling thread. Each request
 * passes three gates before its handler runs, all on the first call of
 * the access handler (headers read, body not yet): the token (401,
 * counted), the route (404, 405), and a declared body over the limit
 * (413). A body sent in chunks is counted as it arrives and a request
 * whose body passes the limit is answered 413 at its end, its body
 * dropped. Only then is the handler called, with the whole body.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <microhttpd.h>

#include "wm_http.h"

/* Largest TLS key or certificate file. */
#define PEM_MAX 65536

struct wm_http {
	struct MHD_Daemon *d;
	const struct wm_http_route *routes;
	unsigned int n_routes;
	void *ctx;
	size_t body_max;
	bool auth;			   /* a token is required */
	char token[WM_HTTP_TOKEN_MAX + 2]; /* locked, wiped at stop */
	char *tls_cert, *tls_key;	   /* PEM, until the daemon stops; the key wiped */
	struct wm_http_counters c;	   /* relaxed atomics: the server thread writes */
};

/* One request's state between the access handler's calls. */
struct req_state {
	unsigned int early; /* a status decided from the headers alone, or 0 */
	const struct wm_http_route *route;
	unsigned int allow;
	char *body;
	size_t len;
	bool too_large; /* a body that passed the limit as it came */
};

static void
count(struct wm_http *h, unsigned int status)
{
	__atomic_fetch_add(&h->c.requests, 1, __ATOMIC_RELAXED);
	if (status == 401)
		__atomic_fetch_add(&h->c.unauthorized, 1, __ATOMIC_RELAXED);
	if (status >= 200 && status < 300)
		__atomic_fetch_add(&h->c.status_2xx, 1, __ATOMIC_RELAXED);
	else if (status >= 400 && status < 500)
		__atomic_fetch_add(&h->c.status_4xx, 1, __ATOMIC_RELAXED);
	else if (status >= 500)
		__atomic_fetch_add(&h->c.status_5xx, 1, __ATOMIC_RELAXED);
}

/* Send an answer; the server owns its body or file from here on. */
static enum MHD_Result
send_resp(struct wm_http *h, struct MHD_Connection *conn, struct wm_http_resp *r)
{
	struct MHD_Response *mr;
	enum MHD_Result rc;
	char text[320];

	if (r->fd >= 0) {
		mr = MHD_create_response_from_fd(r->len, r->fd);
		free(r->body);
	} else {
		mr = MHD_create_response_from_buffer(r->len, r->body != NULL ? r->body : (void *)"",
						     r->body != NULL ? MHD_RESPMEM_MUST_FREE
								     : MHD_RESPMEM_PERSISTENT);
	}
	if (mr == NULL) {
		if (r->fd >= 0)
			close(r->fd);
		else
			free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->type != NULL ? r->type : "application/json");
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (r->status == 401)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"wiremeter\"");
	if (r->status == 405)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW,
					wm_http_allow_text(r->allow, text, sizeof(text)));
	if (r->attachment[0] != '\0') {
		snprintf(text, sizeof(text), "attachment; filename=\"%s\"", r->attachment);
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_DISPOSITION, text);
	}
	rc = MHD_queue_response(conn, r->status, mr);
	MHD_destroy_response(mr);
	count(h, r->status);
	return rc;
}

static enum MHD_Result
send_error(struct wm_http *h, struct MHD_Connection *conn, struct req_state *s, const char *path)
{
	struct wm_http_resp r = {.fd = -1, .allow = s->allow};

	switch (s->early) {
	case 401:
		wm_http_resp_error(&r, 401, "a valid bearer token is required");
		break;
	case 404:
		wm_http_resp_error(&r, 404, "no such resource: %s", path);
		break;
	case 405:
		wm_http_resp_error(&r, 405, "method not allowed on %s", path);
		break;
	default:
		wm_http_resp_error(&r, 413, "request body larger than %zu bytes", h->body_max);
		break;
	}
	return send_resp(h, conn, &r);
}

/* The gates that need only the headers: token, route, declared length. */
static void
first_call(struct wm_http *h, struct MHD_Connection *conn, const char *url, const char *method,
	   struct req_state *s)
{
	const char *auth =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *clen =
		MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *tail;

	if (h->auth && !wm_http_token_ok(auth, h->token)) {
		s->early = 401;
		return;
	}
	s->early = wm_http_route_find(h->routes, h->n_routes, url, wm_http_method_parse(method),
				      &s->route, &tail);
	if (s->early == 405)
		s->allow = s->route->methods;
	if (s->early == 200)
		s->early = clen != NULL && strtoull(clen, NULL, 10) > h->body_max ? 413 : 0;
}

static enum MHD_Result
run_handler(struct wm_http *h, struct MHD_Connection *conn, const char *url, const char *method,
	    struct req_state *s)
{
	struct wm_http_resp r = {.status = 200, .fd = -1};
	struct wm_http_req q = {
		.method = wm_http_method_parse(method),
		.path = url,
		.body = s->body,
		.body_len = s->len,
		.conn = conn,
	};
	const struct wm_http_route *route;

	wm_http_route_find(h->routes, h->n_routes, url, q.method, &route, &q.tail);
	route->fn(h->ctx, &q, &r);
	return send_resp(h, conn, &r);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct wm_http *h = cls;
	struct req_state *s = *con_cls;

	(void)version;
	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return MHD_NO;
		*con_cls = s;
		first_call(h, conn, url, method, s);
		return s->early != 0 ? send_error(h, conn, s, url) : MHD_YES;
	}
	if (s->early != 0)
		return MHD_YES; /* answered already: the rest of the body is dropped */
	if (*upload_size > 0) {
		size_t n = *upload_size;
		char *b;

		*upload_size = 0;
		if (s->too_large || s->len + n > h->body_max) {
			s->too_large = true;
			return MHD_YES;
		}
		b = realloc(s->body, s->len + n + 1);
		if (b == NULL)
			return MHD_NO;
		memcpy(b + s->len, upload, n);
		s->len += n;
		b[s->len] = '\0';
		s->body = b;
		return MHD_YES;
	}
	if (s->too_large) {
		s->early = 413;
		return send_error(h, conn, s, url);
	}
	return run_handler(h, conn, url, method, s);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct req_state *s = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (s == NULL)
		return;
	free(s->body);
	free(s);
	*con_cls = NULL;
}

const char *
wm_http_query(const struct wm_http_req *req, const char *key)
{
	if (req->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* Read a PEM file: the key under the key-file rules, the certificate as it is. */
static char *
pem_read(const char *path, bool secret, char *why, size_t whylen)
{
	char *buf = malloc(PEM_MAX);
	int rc;

	if (buf == NULL)
		return NULL;
	if (secret) {
		rc = wm_http_secret_read(path, buf, PEM_MAX, false, why, whylen);
	} else {
		FILE *f = fopen(path, "r");
		size_t n = f != NULL ? fread(buf, 1, PEM_MAX - 1, f) : 0;

		rc = f != NULL ? (int)n : -errno;
		if (f == NULL)
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
		else
			fclose(f);
		if (rc >= 0)
			buf[n] = '\0';
	}
	if (rc <= 0) {
		if (rc == 0)
			snprintf(why, whylen, "%s: empty", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int
wm_http_conf_check(const struct wm_http_conf *c, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	char msg[256], *pem;
	char tok[WM_HTTP_TOKEN_MAX + 2];
	int rc;

	if (wm_http_addr_parse(c->listen, &ss, msg, sizeof(msg)) != 0) {
		snprintf(why, whylen, "--http '%s': %s", c->listen, msg);
		return -EINVAL;
	}
	if (!wm_http_addr_is_loopback(&ss) && c->token_file == NULL) {
		snprintf(why, whylen,
			 "--http '%s': a bind to a non-loopback address needs --http-token-file",
			 c->listen);
		return -EINVAL;
	}
	if (c->token_file != NULL) {
		rc = wm_http_secret_read(c->token_file, tok, sizeof(tok), true, msg, sizeof(msg));
		explicit_bzero(tok, sizeof(tok));
		if (rc < 0) {
			snprintf(why, whylen, "--http-token-file %s", msg);
			return -EINVAL;
		}
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		snprintf(why, whylen, "--http-tls: expected CERT,KEY");
		return -EINVAL;
	}
	if (c->tls_cert == NULL)
		return 0;
	pem = pem_read(c->tls_cert, false, msg, sizeof(msg));
	free(pem);
	if (pem != NULL) {
		pem = pem_read(c->tls_key, true, msg, sizeof(msg));
		if (pem != NULL)
			explicit_bzero(pem, PEM_MAX);
		free(pem);
	}
	if (pem == NULL) {
		snprintf(why, whylen, "--http-tls %s", msg);
		return -EINVAL;
	}
	return 0;
}

/* The token and TLS files into the server; 0 or -1 with why set. */
static int
secrets_load(struct wm_http *h, const struct wm_http_conf *c, char *why, size_t whylen)
{
	char msg[256];

	if (c->token_file != NULL) {
		/* Kept out of swap and core dumps, best effort: the server works without. */
		(void)mlock(h->token, sizeof(h->token));
		(void)madvise(h, sizeof(*h), MADV_DONTDUMP);
		if (wm_http_secret_read(c->token_file, h->token, sizeof(h->token), true, msg,
					sizeof(msg)) < 0) {
			snprintf(why, whylen, "--http-token-file %s", msg);
			return -1;
		}
		h->auth = true;
	}
	if (c->tls_cert == NULL)
		return 0;
	h->tls_cert = pem_read(c->tls_cert, false, msg, sizeof(msg));
	h->tls_key = h->tls_cert != NULL ? pem_read(c->tls_key, true, msg, sizeof(msg)) : NULL;
	if (h->tls_key == NULL) {
		snprintf(why, whylen, "--http-tls %s", msg);
		return -1;
	}
	return 0;
}

static void
secrets_wipe(struct wm_http *h)
{
	explicit_bzero(h->token, sizeof(h->token));
	munlock(h->token, sizeof(h->token));
	if (h->tls_key != NULL)
		explicit_bzero(h->tls_key, PEM_MAX);
	free(h->tls_key);
	free(h->tls_cert);
}

struct wm_http *
wm_http_start(const struct wm_http_conf *c, const struct wm_http_route *routes, unsigned int n,
	      void *ctx, char *why, size_t whylen)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	struct sockaddr_storage ss;
	struct wm_http *h;

	if (wm_http_conf_check(c, why, whylen) != 0)
		return NULL;
	wm_http_addr_parse(c->listen, &ss, why, whylen);
	h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED) {
		snprintf(why, whylen, "--http: out of memory");
		return NULL;
	}
	memset(h, 0, sizeof(*h));
	*h = (struct wm_http){.routes = routes, .n_routes = n, .ctx = ctx};
	h->body_max = c->body_max != 0 ? c->body_max : WM_HTTP_BODY_MAX;
	if (secrets_load(h, c, why, whylen) != 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (h->tls_cert != NULL)
		flags |= MHD_USE_TLS;
	/* Without TLS the option list ends before the certificate and key. */
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
				h, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)32,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				h->tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
				h->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, h->tls_key, MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(why, whylen, "--http '%s': cannot listen there (in use? not local?)",
			 c->listen);
		goto fail;
	}
	return h;
fail:
	secrets_wipe(h);
	munmap(h, sizeof(*h));
	return NULL;
}

uint16_t
wm_http_port(const struct wm_http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);

	return i != NULL ? i->port : 0;
}

void
wm_http_counters_read(const struct wm_http *h, struct wm_http_counters *out)
{
	out->requests = __atomic_load_n(&h->c.requests, __ATOMIC_RELAXED);
	out->unauthorized = __atomic_load_n(&h->c.unauthorized, __ATOMIC_RELAXED);
	out->status_2xx = __atomic_load_n(&h->c.status_2xx, __ATOMIC_RELAXED);
	out->status_4xx = __atomic_load_n(&h->c.status_4xx, __ATOMIC_RELAXED);
	out->status_5xx = __atomic_load_n(&h->c.status_5xx, __ATOMIC_RELAXED);
}

void
wm_http_stop(struct wm_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	secrets_wipe(h);
	munmap(h, sizeof(*h));
}
