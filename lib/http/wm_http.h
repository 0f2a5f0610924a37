/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_HTTP_H
#define WM_HTTP_H

/**
 * @file
 * An HTTP server for wiremeter's metrics and REST API, on GNU
 * libmicrohttpd, and the pieces it is made of that need no socket: the
 * router, the Prometheus text formatter, the listen address and the
 * bearer token.
 *
 * The server runs on a thread of its own (libmicrohttpd's internal
 * polling thread), never on an lcore: every handler runs there, one
 * request at a time. A handler fills a struct wm_http_resp; the server
 * sends it, counts it, and frees it. Authentication (a bearer token),
 * the body size limit (413), unknown paths (404) and wrong methods
 * (405) are decided here, before any handler runs, so each handler sees
 * only requests it may answer.
 *
 * No EAL: the library links libmicrohttpd and jansson only, so its unit
 * tests run anywhere.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

/** Request methods, one bit each, so that a route names the methods it takes. */
enum wm_http_method {
	WM_HTTP_GET = 1,
	WM_HTTP_POST = 2,
	WM_HTTP_DELETE = 4,
	WM_HTTP_PUT = 8,
	WM_HTTP_HEAD = 16,
	WM_HTTP_OTHER = 32,
};

/** Default largest request body; a larger one is answered 413. */
#define WM_HTTP_BODY_MAX 4096

/** A bearer token's largest length in bytes. */
#define WM_HTTP_TOKEN_MAX 256

/** One request, as a handler sees it. */
struct wm_http_req {
	unsigned int method; /**< one enum wm_http_method bit */
	const char *path;    /**< the URL's path, without the query */
	const char *tail;    /**< what a route ending in '*' matched; "" otherwise */
	const char *body;    /**< the body, NUL-terminated, or NULL when there is none */
	size_t body_len;
	void *conn; /**< the server's connection, for wm_http_query() */
};

/**
 * An answer. A handler sets the status and either a body (malloc'ed;
 * the server frees it) or a file descriptor to stream (the server
 * closes it). Content type defaults to JSON.
 */
struct wm_http_resp {
	unsigned int status;
	const char *type;     /**< static string; NULL: application/json */
	char *body;	      /**< malloc'ed, or NULL */
	size_t len;	      /**< body bytes, or the file's size */
	int fd;		      /**< a file to stream, or -1 */
	char attachment[256]; /**< Content-Disposition file name, "" for none */
	unsigned int allow;   /**< 405: the methods the path takes */
};

/** A route's handler; ctx is what wm_http_start() was given. */
typedef void (*wm_http_handler_fn)(void *ctx, const struct wm_http_req *req,
				   struct wm_http_resp *resp);

/**
 * A route: an exact path, or a prefix ending in '*' that matches any
 * non-empty rest (req->tail; it may hold '/', as a flow key does, so a
 * handler never joins it to a folder). The first route whose path
 * matches decides: a method it does not take is a 405.
 */
struct wm_http_route {
	const char *path;
	unsigned int methods; /**< enum wm_http_method bits */
	wm_http_handler_fn fn;
};

/**
 * Find a request's route.
 *
 * @param routes
 *   The table, searched in order.
 * @param n
 *   Its length.
 * @param path
 *   The request's path.
 * @param method
 *   The request's method (one bit).
 * @param route
 *   Set to the route that matched the path (also on 405), or NULL.
 * @param tail
 *   Set to what a '*' route matched, or "".
 * @return
 *   200 when the route takes the method, 405 when it does not, 404
 *   when no route matches.
 */
unsigned int wm_http_route_find(const struct wm_http_route *routes, unsigned int n,
				const char *path, unsigned int method,
				const struct wm_http_route **route, const char **tail);

/**
 * A method's bit from its name ("GET"); WM_HTTP_OTHER for any other.
 */
unsigned int wm_http_method_parse(const char *name);

/**
 * The Allow header's value for a set of methods ("GET, POST").
 *
 * @return
 *   buf.
 */
const char *wm_http_allow_text(unsigned int methods, char *buf, size_t len);

/**
 * Set an error answer: JSON {"error": MESSAGE, "status": STATUS}.
 *
 * @param resp
 *   The answer; its body is replaced.
 * @param status
 *   The status code.
 * @param fmt
 *   printf format of the message.
 */
void wm_http_resp_error(struct wm_http_resp *resp, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct json_t;

/**
 * Set a JSON answer: the value's compact text, with a newline.
 *
 * @param resp
 *   The answer; its body is replaced.
 * @param status
 *   The status code.
 * @param j
 *   The value; its reference is taken (decref'ed here). NULL is a 500.
 */
void wm_http_resp_json(struct wm_http_resp *resp, unsigned int status, struct json_t *j);

/**
 * A query parameter of the request.
 *
 * @return
 *   Its value ("" for "?lossy"), or NULL when the query does not have it.
 */
const char *wm_http_query(const struct wm_http_req *req, const char *key);

/**
 * Read a whole number query parameter.
 *
 * @param req
 *   The request.
 * @param key
 *   The parameter.
 * @param def
 *   The value when the query does not have it.
 * @param min
 *   Smallest value taken.
 * @param max
 *   Largest value taken.
 * @param out
 *   The value.
 * @return
 *   0, or -EINVAL when it is not a number in min..max.
 */
int wm_http_query_uint(const struct wm_http_req *req, const char *key, unsigned long def,
		       unsigned long min, unsigned long max, unsigned long *out);

/* ---- Prometheus text exposition format (version 0.0.4) ---- */

/** The content type of the Prometheus text format. */
#define WM_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/**
 * Write a metric family's # HELP and # TYPE lines; its samples follow.
 *
 * @param f
 *   The output.
 * @param name
 *   The family's full name (wiremeter_..._total for a counter).
 * @param type
 *   "counter", "gauge" or "untyped".
 * @param help
 *   One line of help; backslashes and newlines are escaped.
 */
void wm_prom_family(FILE *f, const char *name, const char *type, const char *help);

/**
 * Write one sample.
 *
 * @param f
 *   The output.
 * @param name
 *   The sample's name (the family's).
 * @param labels
 *   Label names and values, alternating, NULL-terminated; NULL for none.
 *   Values are escaped (backslash, quote, newline).
 * @param v
 *   The value.
 */
void wm_prom_sample(FILE *f, const char *name, const char *const *labels, uint64_t v);

/** wm_prom_sample() for a value that is not a whole number. */
void wm_prom_sample_double(FILE *f, const char *name, const char *const *labels, double v);

/**
 * A Prometheus metric name from a camelCase counter name: "flowsCreated"
 * with prefix "wiremeter_" and suffix "_total" is
 * "wiremeter_flows_created_total". Characters a metric name may not
 * hold become '_'.
 *
 * @return
 *   out, or NULL when it does not fit in len.
 */
char *wm_prom_name(char *out, size_t len, const char *prefix, const char *camel,
		   const char *suffix);

/* ---- listen address and token ---- */

/**
 * Parse a listen address: "ADDR:PORT" (IPv4, or "localhost"), or
 * "[ADDR]:PORT" (IPv6).
 *
 * @param spec
 *   The text.
 * @param ss
 *   The address.
 * @param why
 *   Why it was refused.
 * @param whylen
 *   Room in why.
 * @return
 *   0, or -EINVAL.
 */
int wm_http_addr_parse(const char *spec, struct sockaddr_storage *ss, char *why, size_t whylen);

/** Is the address a loopback one (127.0.0.0/8, ::1)? */
bool wm_http_addr_is_loopback(const struct sockaddr_storage *ss);

/**
 * Read a secret file (a bearer token, a TLS key) under the key-file
 * rules: a regular file owned by the running user and readable by
 * nobody else (no group or other permission bits). A token is the
 * file's first line, without trailing white space, 1..WM_HTTP_TOKEN_MAX
 * printable characters.
 *
 * @param path
 *   The file.
 * @param buf
 *   The file's content, NUL-terminated (the caller wipes it after use).
 * @param len
 *   Room in buf.
 * @param token
 *   Check and trim it as a token.
 * @param why
 *   Why it was refused (names the file, never shows its content).
 * @param whylen
 *   Room in why.
 * @return
 *   Bytes read, or a negative errno.
 */
int wm_http_secret_read(const char *path, char *buf, size_t len, bool token, char *why,
			size_t whylen);

/**
 * Does an Authorization header carry the token ("Bearer TOKEN")? Compared
 * in time that does not depend on where they differ.
 */
bool wm_http_token_ok(const char *header, const char *token);

/* ---- the server ---- */

/** What the server is given. */
struct wm_http_conf {
	const char *listen;	/**< "ADDR:PORT" (wm_http_addr_parse()) */
	const char *token_file; /**< bearer token file, or NULL */
	const char *tls_cert;	/**< PEM certificate chain file, or NULL */
	const char *tls_key;	/**< PEM private key file (a secret file), or NULL */
	size_t body_max;	/**< largest body; 0: WM_HTTP_BODY_MAX */
};

/** The server's counters (relaxed atomic reads; any thread). */
struct wm_http_counters {
	uint64_t requests;     /**< answered, all statuses */
	uint64_t unauthorized; /**< answered 401: a missing or wrong token */
	uint64_t status_2xx, status_4xx, status_5xx;
};

struct wm_http;

/**
 * Check a configuration before starting: the address parses, a bind to
 * anything but loopback has a token file, the token and TLS files are
 * readable under their rules.
 *
 * @return
 *   0, or -EINVAL with why naming the option and the reason.
 */
int wm_http_conf_check(const struct wm_http_conf *c, char *why, size_t whylen);

/**
 * Start the server on its thread.
 *
 * @param c
 *   Its configuration (wm_http_conf_check() passes).
 * @param routes
 *   The routes; they must outlive the server.
 * @param n
 *   Number of routes.
 * @param ctx
 *   Given to each handler.
 * @param why
 *   Why it did not start.
 * @param whylen
 *   Room in why.
 * @return
 *   The server, or NULL.
 */
struct wm_http *wm_http_start(const struct wm_http_conf *c, const struct wm_http_route *routes,
			      unsigned int n, void *ctx, char *why, size_t whylen);

/** The port the server listens on (the one given, or the kernel's choice for port 0). */
uint16_t wm_http_port(const struct wm_http *h);

/** Read the server's counters. */
void wm_http_counters_read(const struct wm_http *h, struct wm_http_counters *out);

/** Stop the server: waits for the request in flight; NULL is fine. */
void wm_http_stop(struct wm_http *h);

#endif /* WM_HTTP_H */
