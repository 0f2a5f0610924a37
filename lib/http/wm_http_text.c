/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The parts of the HTTP server that need no socket: routing, the
 * Prometheus text format, the listen address, secret files and the
 * bearer token. Unit-tested on their own (tests/unit/test_http.c).
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "wm_http.h"

/* ---- routing ---- */

/* Does a route's path match? A '*' at its end takes any non-empty rest. */
static bool
route_match(const char *pattern, const char *path, const char **tail)
{
	size_t n = strlen(pattern);

	if (n > 0 && pattern[n - 1] == '*') {
		if (strncmp(pattern, path, n - 1) != 0)
			return false;
		*tail = path + n - 1;
		return (*tail)[0] != '\0';
	}
	*tail = "";
	return strcmp(pattern, path) == 0;
}

unsigned int
wm_http_route_find(const struct wm_http_route *routes, unsigned int n, const char *path,
		   unsigned int method, const struct wm_http_route **route, const char **tail)
{
	unsigned int i;

	*route = NULL;
	*tail = "";
	for (i = 0; i < n; i++) {
		if (!route_match(routes[i].path, path, tail))
			continue;
		*route = &routes[i];
		return (routes[i].methods & method) != 0 ? 200 : 405;
	}
	*tail = "";
	return 404;
}

static const char *const method_names[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};

unsigned int
wm_http_method_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (strcmp(name, method_names[i]) == 0)
			return 1u << i;
	return WM_HTTP_OTHER;
}

const char *
wm_http_allow_text(unsigned int methods, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if ((methods & (1u << i)) == 0 || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off > 0 ? ", " : "",
					method_names[i]);
	}
	return buf;
}

/* ---- answers ---- */

void
wm_http_resp_json(struct wm_http_resp *resp, unsigned int status, json_t *j)
{
	char *text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	free(resp->body);
	resp->body = NULL;
	resp->type = NULL;
	if (text == NULL) {
		resp->status = 500;
		resp->body = strdup("{\"error\":\"out of memory\",\"status\":500}\n");
		resp->len = resp->body != NULL ? strlen(resp->body) : 0;
		return;
	}
	resp->len = strlen(text);
	/* One more byte for the newline curl users expect at the end. */
	resp->body = realloc(text, resp->len + 2);
	if (resp->body == NULL) {
		resp->body = text;
	} else {
		resp->body[resp->len++] = '\n';
		resp->body[resp->len] = '\0';
	}
	resp->status = status;
}

void
wm_http_resp_error(struct wm_http_resp *resp, unsigned int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wm_http_resp_json(resp, status, json_pack("{s:s,s:i}", "error", msg, "status", status));
}

int
wm_http_query_uint(const struct wm_http_req *req, const char *key, unsigned long def,
		   unsigned long min, unsigned long max, unsigned long *out)
{
	const char *v = wm_http_query(req, key);
	char *end;

	*out = def;
	if (v == NULL)
		return 0;
	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* ---- Prometheus text format ---- */

/* Write s with the given characters escaped as the format wants. */
static void
prom_escaped(FILE *f, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void
wm_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	prom_escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void
prom_labels(FILE *f, const char *name, const char *const *labels)
{
	unsigned int i;

	fputs(name, f);
	if (labels == NULL || labels[0] == NULL)
		return;
	fputc('{', f);
	for (i = 0; labels[i] != NULL && labels[i + 1] != NULL; i += 2) {
		fprintf(f, "%s%s=\"", i > 0 ? "," : "", labels[i]);
		prom_escaped(f, labels[i + 1], true);
		fputc('"', f);
	}
	fputc('}', f);
}

void
wm_prom_sample(FILE *f, const char *name, const char *const *labels, uint64_t v)
{
	prom_labels(f, name, labels);
	fprintf(f, " %" PRIu64 "\n", v);
}

void
wm_prom_sample_double(FILE *f, const char *name, const char *const *labels, double v)
{
	prom_labels(f, name, labels);
	if (isnan(v))
		fputs(" NaN\n", f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", f);
	else
		fprintf(f, " %.15g\n", v); /* 15 digits: 0.259 stays 0.259 */
}

char *
wm_prom_name(char *out, size_t len, const char *prefix, const char *camel, const char *suffix)
{
	size_t o = 0;
	const char *c;

	if (strlen(prefix) + 2 * strlen(camel) + strlen(suffix) + 1 > len)
		return NULL;
	o = (size_t)sprintf(out, "%s", prefix);
	for (c = camel; *c != '\0'; c++) {
		/* A capital starts a word: "rxNoMbuf" is rx_no_mbuf, "IPFIX" stays one word. */
		if (isupper((unsigned char)*c) && c > camel && !isupper((unsigned char)c[-1]))
			out[o++] = '_';
		if (isalnum((unsigned char)*c))
			out[o++] = (char)tolower((unsigned char)*c);
		else
			out[o++] = '_';
	}
	strcpy(out + o, suffix);
	return out;
}

/* ---- listen address ---- */

static int
addr_fail(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return -EINVAL;
}

/* The port after "ADDR:" or "[ADDR]:"; 0 is the kernel's choice. */
static int
addr_port(const char *p, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)p[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int
wm_http_addr_parse(const char *spec, struct sockaddr_storage *ss, char *why, size_t whylen)
{
	char host[64];
	const char *colon;
	uint16_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host))
			return addr_fail(why, whylen, "expected [IPv6]:PORT");
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return addr_fail(why, whylen, "not an IPv6 address");
		if (addr_port(close + 2, &port) != 0)
			return addr_fail(why, whylen, "the port is not a number 0..65535");
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return 0;
	}
	colon = strrchr(spec, ':');
	hl = colon != NULL ? (size_t)(colon - spec) : 0;
	if (colon == NULL || hl == 0 || hl >= sizeof(host))
		return addr_fail(why, whylen, "expected ADDR:PORT (IPv6 as [ADDR]:PORT)");
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) != 1)
		return addr_fail(why, whylen, "not an IPv4 address (IPv6 as [ADDR]:PORT)");
	if (addr_port(colon + 1, &port) != 0)
		return addr_fail(why, whylen, "the port is not a number 0..65535");
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	return 0;
}

bool
wm_http_addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return false;
}

/* ---- secrets ---- */

static int
secret_fail(char *why, size_t whylen, int rc, const char *path, const char *msg)
{
	snprintf(why, whylen, "%s: %s", path, msg);
	return rc;
}

/* The key-file rules on an open file: regular, ours, for us only. */
static int
secret_check(int fd, const char *path, char *why, size_t whylen)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return secret_fail(why, whylen, -errno, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return secret_fail(why, whylen, -EINVAL, path, "not a regular file");
	if (st.st_uid != geteuid())
		return secret_fail(why, whylen, -EPERM, path, "not owned by the running user");
	if ((st.st_mode & 077) != 0)
		return secret_fail(why, whylen, -EPERM, path,
				   "readable by group or others (chmod 600 it)");
	return 0;
}

/* A token: the first line, trailing white space cut, printable and not empty. */
static int
token_trim(char *buf, const char *path, char *why, size_t whylen)
{
	size_t n = strcspn(buf, "\r\n"), i;

	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (n == 0)
		return secret_fail(why, whylen, -EINVAL, path, "the token is empty");
	if (n > WM_HTTP_TOKEN_MAX)
		return secret_fail(why, whylen, -EINVAL, path, "the token is too long");
	for (i = 0; i < n; i++)
		if (!isgraph((unsigned char)buf[i]))
			return secret_fail(why, whylen, -EINVAL, path,
					   "the token has a space or a control character");
	return (int)n;
}

int
wm_http_secret_read(const char *path, char *buf, size_t len, bool token, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t got;
	size_t n = 0;
	int rc;

	/* O_NOFOLLOW: the rules are checked on the file itself, never on what a link names. */
	if (fd < 0 && errno == ELOOP)
		return secret_fail(why, whylen, -ELOOP, path,
				   "a symbolic link: give the file itself");
	if (fd < 0)
		return secret_fail(why, whylen, -errno, path, strerror(errno));
	rc = secret_check(fd, path, why, whylen);
	while (rc == 0 && n + 1 < len && (got = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)got;
	close(fd);
	if (rc != 0)
		return rc;
	if (n + 1 >= len)
		return secret_fail(why, whylen, -EFBIG, path, "too large");
	buf[n] = '\0';
	return token ? token_trim(buf, path, why, whylen) : (int)n;
}

bool
wm_http_token_ok(const char *header, const char *token)
{
	static const char scheme[] = "Bearer ";
	size_t n = strlen(token), i, hn;
	unsigned char diff = 0;

	if (header == NULL || strncasecmp(header, scheme, sizeof(scheme) - 1) != 0)
		return false;
	header += sizeof(scheme) - 1;
	hn = strlen(header);
	/* Every byte of the token is compared, whatever the header holds. */
	for (i = 0; i < n; i++)
		diff |= (unsigned char)token[i] ^ (unsigned char)(i < hn ? header[i] : 0);
	return diff == 0 && hn == n;
}
