/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The transport front end: collector URIs (parsing, checking), dispatch
 * to udp.c, tcp.c and file.c through their ops tables, and what they
 * share (the tracking ring, name resolution, error lines).
 *
 * URI grammar, kept deliberately small:
 *
 *	udp://HOST:PORT | tcp://HOST:PORT | file:PATH
 *	HOST = name | IPv4 | "[" IPv6 [ "%" zone ] "]"
 *	PORT = 1 .. 65535, decimal
 *
 * Schemes are matched without regard to case (RFC 3986 §3.1). Nothing
 * follows the port: no path, user or query. A name is checked for its
 * characters and length only; whether it resolves is for open to say,
 * since a config check may run where the collector's name does not
 * resolve yet.
 */

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "transport_priv.h"

#define WM_IPFIX_SCHEMES "(use udp://, tcp:// or file:)"

/* Indexed by enum wm_ipfix_transport_kind. */
static const struct wm_ipfix_transport_ops *const transport_ops[] = {
	[WM_IPFIX_TRANSPORT_UDP] = &wm_ipfix_udp_ops,
	[WM_IPFIX_TRANSPORT_TCP] = &wm_ipfix_tcp_ops,
	[WM_IPFIX_TRANSPORT_FILE] = &wm_ipfix_file_ops,
};

void
wm_ipfix_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- URI parsing ---- */

/* "1".."65535", digits only: no sign, no spaces, no hex. */
static int
parse_port(const char *s, struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	unsigned long v = 0;
	size_t i, n = strlen(s);

	if (n == 0) {
		wm_ipfix_err(err, errlen, "missing port");
		return -EINVAL;
	}
	for (i = 0; i < n && n <= 5; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (i != n || v < 1 || v > 65535) {
		wm_ipfix_err(err, errlen, "port '%s' is not a number 1-65535", s);
		return -EINVAL;
	}
	memcpy(u->port, s, n + 1);
	return 0;
}

/*
 * A name or an IPv4 address: the characters of DNS names (RFC 1123),
 * plus '_' which some internal zones use. getaddrinfo judges the rest.
 */
static bool
valid_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
			return false;
	return true;
}

/* An IPv6 literal, with an optional "%zone" (an interface name or index). */
static bool
valid_ipv6(const char *s)
{
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a;
	const char *zone = strchr(s, '%');
	size_t n = zone != NULL ? (size_t)(zone - s) : strlen(s);

	if (n >= sizeof(addr))
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, &a) != 1)
		return false;
	return zone == NULL || (zone[1] != '\0' && valid_name(zone + 1));
}

/* HOST:PORT after "udp://" or "tcp://". */
static int
parse_hostport(const char *s, struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	const char *end, *port;
	size_t n;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL) {
			wm_ipfix_err(err, errlen, "missing ']' after the IPv6 address");
			return -EINVAL;
		}
		s++;
		port = end + 1;
		if (*port != '\0' && *port != ':') {
			wm_ipfix_err(err, errlen, "unexpected '%s' after ']'", port);
			return -EINVAL;
		}
		if (*port == ':')
			port++;
		u->host_bracketed = true;
	} else {
		end = strrchr(s, ':');
		port = end != NULL ? end + 1 : "";
		if (end == NULL)
			end = s + strlen(s);
	}
	n = (size_t)(end - s);
	if (n == 0) {
		wm_ipfix_err(err, errlen, "missing host");
		return -EINVAL;
	}
	if (n > WM_IPFIX_HOST_MAX) {
		wm_ipfix_err(err, errlen, "host is longer than %d characters", WM_IPFIX_HOST_MAX);
		return -EINVAL;
	}
	memcpy(u->host, s, n);
	u->host[n] = '\0';
	if (u->host_bracketed) {
		if (!valid_ipv6(u->host)) {
			wm_ipfix_err(err, errlen, "host '[%s]' is not an IPv6 address", u->host);
			return -EINVAL;
		}
	} else if (strchr(u->host, ':') != NULL) {
		wm_ipfix_err(err, errlen, "an IPv6 address goes in brackets, as in [::1]:4739");
		return -EINVAL;
	} else if (!valid_name(u->host)) {
		wm_ipfix_err(err, errlen, "host '%s' is not a valid name or address", u->host);
		return -EINVAL;
	}
	return parse_port(port, u, err, errlen);
}

/* Cut @p uri into @p u; the syntax only, nothing is looked up. */
static int
uri_parse(const char *uri, struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	const char *colon;
	size_t n;

	memset(u, 0, sizeof(*u));
	if (uri == NULL || uri[0] == '\0') {
		wm_ipfix_err(err, errlen, "empty collector URI");
		return -EINVAL;
	}
	colon = strchr(uri, ':');
	if (colon == NULL || colon == uri) {
		wm_ipfix_err(err, errlen, "missing scheme " WM_IPFIX_SCHEMES);
		return -EINVAL;
	}
	n = (size_t)(colon - uri);
	if (n == 4 && strncasecmp(uri, "file", 4) == 0) {
		u->kind = WM_IPFIX_TRANSPORT_FILE;
		u->path = colon + 1;
		if (u->path[0] == '\0') {
			wm_ipfix_err(err, errlen, "missing path after file:");
			return -EINVAL;
		}
		return 0;
	}
	if (n == 3 && strncasecmp(uri, "udp", 3) == 0) {
		u->kind = WM_IPFIX_TRANSPORT_UDP;
	} else if (n == 3 && strncasecmp(uri, "tcp", 3) == 0) {
		u->kind = WM_IPFIX_TRANSPORT_TCP;
	} else {
		wm_ipfix_err(err, errlen, "unknown scheme '%.*s' " WM_IPFIX_SCHEMES, (int)n, uri);
		return -EINVAL;
	}
	if (strncmp(colon + 1, "//", 2) != 0) {
		wm_ipfix_err(err, errlen, "expected %s://HOST:PORT",
			     u->kind == WM_IPFIX_TRANSPORT_UDP ? "udp" : "tcp");
		return -EINVAL;
	}
	return parse_hostport(colon + 3, u, err, errlen);
}

/*
 * Can @p path be created or truncated? Its directory must exist and be
 * writable, and the path must not be a directory or a file we may not
 * write. Only stat() and access(): nothing is created or truncated.
 * access() uses the real uid, which is also the one that will open.
 */
static int
file_check(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash;
	struct stat st;
	size_t n;

	n = strlen(path);
	if (n >= sizeof(dir)) {
		wm_ipfix_err(err, errlen, "path is longer than %d characters", PATH_MAX - 1);
		return -EINVAL;
	}
	slash = strrchr(path, '/');
	if (slash == NULL) {
		strcpy(dir, ".");
	} else if (slash == path) {
		strcpy(dir, "/");
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			wm_ipfix_err(err, errlen, "directory '%s' does not exist", dir);
		else
			wm_ipfix_err(err, errlen, "directory '%s': %s", dir, strerror(errno));
		return -EINVAL;
	}
	if (!S_ISDIR(st.st_mode)) {
		wm_ipfix_err(err, errlen, "'%s' is not a directory", dir);
		return -EINVAL;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		wm_ipfix_err(err, errlen, "directory '%s' is not writable: %s", dir,
			     strerror(errno));
		return -EINVAL;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			wm_ipfix_err(err, errlen, "'%s' is a directory", path);
			return -EINVAL;
		}
		if (access(path, W_OK) != 0) {
			wm_ipfix_err(err, errlen, "'%s' is not writable: %s", path,
				     strerror(errno));
			return -EINVAL;
		}
	} else if (errno != ENOENT) {
		wm_ipfix_err(err, errlen, "'%s': %s", path, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

int
wm_ipfix_transport_check(const char *uri, char *err, size_t errlen)
{
	struct wm_ipfix_uri u;

	if (uri_parse(uri, &u, err, errlen) != 0)
		return -EINVAL;
	if (u.kind == WM_IPFIX_TRANSPORT_FILE && file_check(u.path, err, errlen) != 0)
		return -EINVAL;
	wm_ipfix_err(err, errlen, "%s", "");
	return 0;
}

/* ---- shared by the implementations ---- */

int
wm_ipfix_track_init(struct wm_ipfix_track *r)
{
	r->ent = calloc(WM_IPFIX_TRACK_CAP, sizeof(*r->ent));
	r->head = 0;
	r->tail = 0;
	return r->ent == NULL ? -ENOMEM : 0;
}

void
wm_ipfix_track_fini(struct wm_ipfix_track *r)
{
	free(r->ent);
	r->ent = NULL;
}

unsigned int
wm_ipfix_track_take(struct wm_ipfix_track *r, uint64_t *cookies, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && wm_ipfix_track_count(r) > 0) {
		cookies[n++] = wm_ipfix_track_at(r, 0)->cookie;
		r->head++;
	}
	return n;
}

/* errno for a getaddrinfo failure, for open's caller. */
static int
gai_errno(int rc, int sys_errno)
{
	switch (rc) {
	case EAI_SYSTEM:
		return sys_errno != 0 ? sys_errno : EIO;
	case EAI_AGAIN:
		return EAGAIN;
	case EAI_MEMORY:
		return ENOMEM;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		return ENOENT;
	default:
		return EINVAL;
	}
}

int
wm_ipfix_resolve(const struct wm_ipfix_uri *u, int socktype, struct wm_ipfix_addr *addrs,
		 unsigned int max, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	unsigned int n = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_NUMERICSERV | (u->host_bracketed ? AI_NUMERICHOST : 0);
	errno = 0;
	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		int e = gai_errno(rc, errno);

		wm_ipfix_err(err, errlen, "host '%s%s%s' does not resolve: %s",
			     u->host_bracketed ? "[" : "", u->host, u->host_bracketed ? "]" : "",
			     rc == EAI_SYSTEM ? strerror(e) : gai_strerror(rc));
		return -e;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(addrs[n].ss))
			continue;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		memcpy(&addrs[n].ss, ai->ai_addr, ai->ai_addrlen);
		addrs[n].len = ai->ai_addrlen;
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		wm_ipfix_err(err, errlen, "host '%s' has no IPv4 or IPv6 address", u->host);
		return -EADDRNOTAVAIL;
	}
	return (int)n;
}

void
wm_ipfix_addr_str(const struct wm_ipfix_addr *a, char *buf, size_t len)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo((const struct sockaddr *)&a->ss, a->len, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, a->ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

/* ---- the public interface ---- */

struct wm_ipfix_transport *
wm_ipfix_transport_open(const char *uri, char *err, size_t errlen)
{
	return wm_ipfix_transport_open_via(uri, NULL, err, errlen);
}

struct wm_ipfix_transport *
wm_ipfix_transport_open_via(const char *uri, wm_ipfix_fopen_t *fopen_fn, char *err, size_t errlen)
{
	const struct wm_ipfix_transport_ops *ops;
	struct wm_ipfix_transport *t;
	struct wm_ipfix_uri u;

	if (uri_parse(uri, &u, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	u.fopen_fn = fopen_fn;
	ops = transport_ops[u.kind];
	t = ops->open(&u, err, errlen);
	if (t == NULL)
		return NULL;
	t->ops = ops;
	t->kind = u.kind;
	t->uri = strdup(uri);
	if (t->uri == NULL) {
		ops->close(t);
		wm_ipfix_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	wm_ipfix_err(err, errlen, "%s", "");
	return t;
}

enum wm_ipfix_transport_kind
wm_ipfix_transport_kind(const struct wm_ipfix_transport *t)
{
	return t->kind;
}

const char *
wm_ipfix_transport_uri(const struct wm_ipfix_transport *t)
{
	return t->uri;
}

int
wm_ipfix_transport_poll(struct wm_ipfix_transport *t, uint64_t now_ns)
{
	return t->ops->poll(t, now_ns);
}

bool
wm_ipfix_transport_up(const struct wm_ipfix_transport *t)
{
	return t->ops->up(t);
}

int
wm_ipfix_transport_send(struct wm_ipfix_transport *t, const void *msg, size_t len, uint64_t cookie)
{
	/* A caller's mistake, not a transport error: not counted. */
	if (msg == NULL || len == 0 || len > WM_IPFIX_TRANSPORT_MSG_MAX)
		return -EINVAL;
	return t->ops->send(t, msg, len, cookie);
}

unsigned int
wm_ipfix_transport_take_unacked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	if (cookies == NULL || max == 0)
		return 0;
	return t->ops->take_unacked(t, cookies, max);
}

unsigned int
wm_ipfix_transport_take_acked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	if (cookies == NULL || max == 0)
		return 0;
	return t->ops->take_acked(t, cookies, max);
}

bool
wm_ipfix_transport_busy(const struct wm_ipfix_transport *t)
{
	return t->ops->busy(t);
}

int
wm_ipfix_transport_reopen(struct wm_ipfix_transport *t)
{
	return t->ops->reopen != NULL ? t->ops->reopen(t) : 0;
}

int
wm_ipfix_transport_flush(struct wm_ipfix_transport *t)
{
	return t->ops->flush != NULL ? t->ops->flush(t) : 0;
}

const struct wm_ipfix_transport_stats *
wm_ipfix_transport_stats(const struct wm_ipfix_transport *t)
{
	return &t->stats;
}

int
wm_ipfix_transport_close(struct wm_ipfix_transport *t)
{
	char *uri;
	int rc;

	if (t == NULL)
		return 0;
	uri = t->uri;
	rc = t->ops->close(t);
	free(uri);
	return rc;
}
