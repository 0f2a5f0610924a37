/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * wiremeter's HTTP routes (lib/http serves them on its own thread):
 *
 *   GET /metrics                          Prometheus text (http_metrics.c)
 *   GET /healthz                          200 while the application is up
 *   GET /api/v1/stats[?section=S]         /wiremeter/stats
 *   GET /api/v1/flows[?top=N&sort=S]      /wiremeter/flows
 *   GET /api/v1/flows/KEY                 /wiremeter/flow (404 when not active)
 *   GET /api/v1/streams[?n=N&lossy=1]     /wiremeter/streams
 *   GET /api/v1/gaps[?n=N]                /wiremeter/gaps
 *   GET /api/v1/config, /api/v1/lcores    /wiremeter/config, /wiremeter/lcores
 *   POST /api/v1/capture, DELETE          start (JSON body) and stop a capture
 *   GET /api/v1/captures                  the capture files, sizes and times
 *   GET /api/v1/captures/history[?count=N] the flight recorders, as pcapng
 *   GET /api/v1/captures/NAME             one capture file, streamed
 *
 * The JSON answers are telemetry's own: the handler asks this process's
 * telemetry socket the command and answers with its value, so both
 * always say the same thing and no reader exists twice. Parameters are
 * checked here first, so a bad one is a 400 that names it rather than
 * telemetry's null. Captures go through the capture controller
 * (capture.c, on lib/capture), which serialises them with the console's.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <rte_eal.h>

#define WM_LOGTYPE wm_logtype_ctl

#include "wm_cap.h"
#include "wm_ctl.h"
#include "wm_flow_key.h"
#include "wm_http.h"
#include "wm_http_api.h"
#include "wm_log.h"
#include "wm_telemetry.h"

/* Telemetry's caps (telemetry.c): answers must fit its 16 KB. */
#define API_MAX_FLOWS 24
#define API_MAX_STREAMS 8
#define API_MAX_GAPS 32
/* Room for a telemetry answer: 22.11 sends at most 16 KB. */
#define TEL_BUF (64 * 1024)
/* The newest capture files the list shows (capture.c remembers 256 names). */
#define API_CAPTURE_FILES 256

static struct {
	struct wm_app *app;
	struct wm_http *srv;
	char tls_cert[PATH_MAX], tls_key[PATH_MAX];
} api;

/* ---- telemetry, asked over its socket ---- */

static int
tel_connect(char *why, size_t whylen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	snprintf(why, whylen, "telemetry does not answer (%s): is it off (--no-telemetry)?",
		 strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The value telemetry answers to cmd ("/wiremeter/flows,10,octets"), or NULL with why. */
static json_t *
tel_ask(const char *cmd, char *why, size_t whylen)
{
	char *buf = malloc(TEL_BUF), key[64];
	json_t *root = NULL, *v = NULL;
	int fd = buf != NULL ? tel_connect(why, whylen) : -1;
	ssize_t n;

	/* The greeting first ({"version": ...}), then one answer per command. */
	if (fd >= 0 && recv(fd, buf, TEL_BUF - 1, 0) > 0 && send(fd, cmd, strlen(cmd), 0) > 0 &&
	    (n = recv(fd, buf, TEL_BUF - 1, 0)) > 0) {
		buf[n] = '\0';
		root = json_loads(buf, 0, NULL);
	}
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd);
	v = json_object_get(root, key);
	if (v != NULL && !json_is_null(v))
		json_incref(v);
	else
		v = NULL;
	if (v == NULL && fd >= 0)
		snprintf(why, whylen, "telemetry gave no answer to %s", key);
	json_decref(root);
	if (fd >= 0)
		close(fd);
	free(buf);
	return v;
}

static void
answer_tel(struct wm_http_resp *resp, const char *cmd)
{
	char why[256];
	json_t *v = tel_ask(cmd, why, sizeof(why));

	if (v == NULL)
		wm_http_resp_error(resp, 503, "%s", why);
	else
		wm_http_resp_json(resp, 200, v);
}

/* A negative errno from the capture controller as a status. */
static unsigned int
errno_status(int rc)
{
	switch (rc) {
	case -EINVAL:
		return 400;
	case -ENOENT:
		return 404;
	case -EBUSY:
		return 409;
	case -EAGAIN:
		return 503;
	default:
		return 500;
	}
}

/* ---- handlers ---- */

/* A whole-number query parameter in min..max; false, with a 400 naming it, when it is not. */
static bool
count_arg(const struct wm_http_req *req, struct wm_http_resp *resp, const char *key,
	  unsigned long def, unsigned long min, unsigned long max, unsigned long *n)
{
	if (wm_http_query_uint(req, key, def, min, max, n) == 0)
		return true;
	wm_http_resp_error(resp, 400, "%s: expected a whole number %lu..%lu", key, min, max);
	return false;
}

/*
 * A query parameter that takes one of a few words (choices[0] the
 * default); NULL, with a 400 naming it and what it takes, for any other.
 */
static const char *
choice_arg(const struct wm_http_req *req, struct wm_http_resp *resp, const char *key,
	   const char *const *choices, const char *what)
{
	const char *v = wm_http_query(req, key);
	unsigned int i;

	for (i = 0; v != NULL && choices[i] != NULL && strcmp(v, choices[i]) != 0; i++)
		;
	if (v == NULL || choices[i] != NULL)
		return v != NULL ? v : choices[0];
	wm_http_resp_error(resp, 400, "%s: expected %s", key, what);
	return NULL;
}

static void
h_metrics(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	struct wm_http_counters c;
	int rc;

	RTE_SET_USED(ctx);
	RTE_SET_USED(req);
	wm_http_counters_read(api.srv, &c);
	rc = wm_http_metrics_text(api.app, &c, &resp->body, &resp->len);
	if (rc != 0) {
		wm_http_resp_error(resp, rc == -EAGAIN ? 503 : 500, "metrics not available now");
		return;
	}
	resp->type = WM_PROM_CONTENT_TYPE;
}

/* Liveness for load balancers and probes: 200 while the application is up. */
static void
h_health(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(req);
	if (!wm_ctl_enter()) {
		wm_http_resp_error(resp, 503, "not running");
		return;
	}
	wm_ctl_leave();
	wm_http_resp_json(resp, 200, json_pack("{s:s}", "status", "ok"));
}

static void
h_stats(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	const char *section = wm_http_query(req, "section");
	unsigned int want;
	char cmd[64];

	RTE_SET_USED(ctx);
	if (section != NULL && wm_tel_parse_stats(section, &want) != 0) {
		wm_http_resp_error(resp, 400, "section: expected totals, ports, workers or ipfix");
		return;
	}
	snprintf(cmd, sizeof(cmd), "/wiremeter/stats%s%s", section != NULL ? "," : "",
		 section != NULL ? section : "");
	answer_tel(resp, cmd);
}

static void
h_flows(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	static const char *const sorts[] = {"octets", "packets", NULL};
	const char *sort;
	unsigned long top;
	char cmd[64];

	RTE_SET_USED(ctx);
	if (!count_arg(req, resp, "top", 10, 1, API_MAX_FLOWS, &top))
		return;
	sort = choice_arg(req, resp, "sort", sorts, "octets or packets");
	if (sort == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "/wiremeter/flows,%lu,%s", top, sort);
	answer_tel(resp, cmd);
}

static void
h_flow(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	struct wm_pkt_meta key;
	char why[256], cmd[300];
	json_t *v;

	RTE_SET_USED(ctx);
	if (wm_ctl_parse_flow_key(req->tail, &key, why, sizeof(why)) != 0) {
		wm_http_resp_error(resp, 400, "key: %s", why);
		return;
	}
	snprintf(cmd, sizeof(cmd), "/wiremeter/flow,%s", req->tail);
	v = tel_ask(cmd, why, sizeof(why));
	if (v == NULL)
		wm_http_resp_error(resp, 503, "%s", why);
	else if (json_integer_value(json_object_get(v, "found")) == 0)
		wm_http_resp_error(resp, 404, "no active flow %s", req->tail);
	else
		wm_http_resp_json(resp, 200, json_incref(v));
	json_decref(v);
}

static void
h_streams(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	static const char *const flags[] = {"0", "1", NULL};
	const char *lossy;
	unsigned long n;
	char cmd[64];

	RTE_SET_USED(ctx);
	if (!count_arg(req, resp, "n", 4, 0, API_MAX_STREAMS, &n))
		return;
	lossy = choice_arg(req, resp, "lossy", flags, "0 or 1");
	if (lossy == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "/wiremeter/streams,%lu%s", n, lossy[0] == '1' ? ",lossy" : "");
	answer_tel(resp, cmd);
}

static void
h_gaps(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	unsigned long n;
	char cmd[64];

	RTE_SET_USED(ctx);
	if (!count_arg(req, resp, "n", 16, 0, API_MAX_GAPS, &n))
		return;
	snprintf(cmd, sizeof(cmd), "/wiremeter/gaps,%lu", n);
	answer_tel(resp, cmd);
}

static void
h_config(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(req);
	answer_tel(resp, "/wiremeter/config");
}

static void
h_lcores(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(req);
	answer_tel(resp, "/wiremeter/lcores");
}

/* ---- captures ---- */

/* Where captures started over HTTP go: --capture's folder, else the working one. */
static void
capture_dir(char *dir, size_t len)
{
	const char *file = api.app->conf.capture.file;
	char tmp[PATH_MAX];

	if (file != NULL) {
		snprintf(tmp, sizeof(tmp), "%s", file);
		snprintf(dir, len, "%s", dirname(tmp));
	} else if (getcwd(dir, len) == NULL) {
		snprintf(dir, len, ".");
	}
}

/* A file name the API takes: no folder, not hidden, not empty. */
static bool
plain_name(const char *s)
{
	/* One word of the controller's text: a space or control byte would start another. */
	return s[0] != '\0' && s[0] != '.' && strlen(s) < NAME_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
		       strlen(s);
}

/* A filter word that is one of the controller's keys would start another argument. */
static bool
filter_ok(const char *filter)
{
	static const char *const keys[] = {"filter", "file", "count", "duration", "flow"};
	char buf[512], *save = NULL, *w;
	unsigned int k;

	if (strlen(filter) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (w = strtok_r(buf, " \t\n", &save); w != NULL; w = strtok_r(NULL, " \t\n", &save))
		for (k = 0; k < RTE_DIM(keys); k++)
			if (strcmp(w, keys[k]) == 0)
				return false;
	return true;
}

/* The controller's argument text from the POST body; 0, or 400 with the answer set. */
static int
capture_args(const json_t *body, char *args, size_t len, struct wm_http_resp *resp)
{
	const char *k;
	json_t *v;
	size_t off = 0;
	char dir[PATH_MAX];

	args[0] = '\0';
	json_object_foreach((json_t *)(uintptr_t)body, k, v) {
		const char *s = json_string_value(v);

		if (strcmp(k, "count") == 0 && json_is_integer(v) && json_integer_value(v) >= 0)
			off += snprintf(args + off, len - off, " count %lld",
					(long long)json_integer_value(v));
		else if (strcmp(k, "duration") == 0 && json_is_number(v) &&
			 json_number_value(v) >= 0)
			off += snprintf(args + off, len - off, " duration %.9g",
					json_number_value(v));
		else if (strcmp(k, "flow") == 0 && s != NULL && s[0] != '\0' &&
			 !strpbrk(s, " \t\n"))
			off += snprintf(args + off, len - off, " flow %s", s);
		else if (strcmp(k, "file") == 0 && s != NULL && plain_name(s) &&
			 (capture_dir(dir, sizeof(dir)), true))
			off += snprintf(args + off, len - off, " file %s/%s", dir, s);
		else if (strcmp(k, "filter") != 0 || s == NULL || !filter_ok(s))
			goto bad;
		if (off >= len)
			goto bad;
		continue;
	bad:
		wm_http_resp_error(resp, 400, "%s: %s", k,
				   strcmp(k, "count") == 0	? "expected a whole number"
				   : strcmp(k, "duration") == 0 ? "expected seconds, a number >= 0"
				   : strcmp(k, "flow") == 0	? "expected a flow key"
				   : strcmp(k, "file") == 0   ? "expected a name of [A-Za-z0-9._-]"
				   : strcmp(k, "filter") == 0 ? "expected a pcap filter string"
							      : "unknown parameter");
		return -EINVAL;
	}
	/* The filter last: its words run to the end of the text. */
	if (json_string_value(json_object_get(body, "filter")) != NULL)
		snprintf(args + off, len - off, " filter %s",
			 json_string_value(json_object_get(body, "filter")));
	return 0;
}

static void
h_capture(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	char args[2048], msg[1024];
	json_t *body = NULL;
	json_error_t err;
	int rc;

	RTE_SET_USED(ctx);
	if (req->method == WM_HTTP_DELETE) {
		rc = wm_capture_stop(msg, sizeof(msg));
		if (rc != 0)
			wm_http_resp_error(resp, errno_status(rc), "%s", msg);
		else
			wm_http_resp_json(resp, 200, json_pack("{s:s}", "message", msg));
		return;
	}
	if (req->body != NULL && req->body_len > 0) {
		body = json_loadb(req->body, req->body_len, 0, &err);
		if (!json_is_object(body)) {
			wm_http_resp_error(resp, 400, "body: expected a JSON object (%s)",
					   err.text);
			json_decref(body);
			return;
		}
	}
	rc = body != NULL ? capture_args(body, args, sizeof(args), resp) : 0;
	json_decref(body);
	if (body == NULL)
		args[0] = '\0';
	if (rc != 0)
		return;
	rc = wm_capture_start(args, msg, sizeof(msg));
	if (rc != 0)
		wm_http_resp_error(resp, errno_status(rc), "%s", msg);
	else
		wm_http_resp_json(resp, 201, json_pack("{s:s}", "message", msg));
}

/* Add a capture file that exists to the list, once (a later mention moves it last). */
static void
list_add(json_t *list, const char *path, bool running)
{
	char tmp[PATH_MAX], when[32];
	struct stat sb;
	size_t i;

	if (path == NULL || path[0] == '\0' || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
		return;
	for (i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_object_get(json_array_get(list, i), "path")),
			   path) == 0)
			json_array_remove(list, i);
	snprintf(tmp, sizeof(tmp), "%s", path);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&sb.st_mtime));
	json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:s,s:b}", "name", basename(tmp),
					      "path", path, "size", (json_int_t)sb.st_size,
					      "modified", when, "running", running));
}

/*
 * The capture files that still exist, oldest first: every file the
 * writer opened that the ring has not deleted, and the current (or last)
 * one.
 */
static json_t *
capture_files(void)
{
	struct wm_capture_status st;
	json_t *list = json_array();
	uint64_t total, no;

	wm_capture_status(&st);
	total = st.files + st.cur_files;
	for (no = total > API_CAPTURE_FILES ? total - API_CAPTURE_FILES + 1 : 1; no <= total;
	     no++) {
		char path[PATH_MAX];

		if (wm_capture_file_name(no, true, path, sizeof(path)) &&
		    strcmp(path, st.file) != 0)
			list_add(list, path, false);
	}
	list_add(list, st.file, st.running);
	return list;
}

static void
h_captures(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	struct wm_capture_status st;

	RTE_SET_USED(ctx);
	RTE_SET_USED(req);
	wm_capture_status(&st);
	wm_http_resp_json(resp, 200,
			  json_pack("{s:b,s:s,s:o}", "running", st.running, "file", st.file,
				    "files", capture_files()));
}

/* Stream an open file; the server closes it. */
static void
send_file(struct wm_http_resp *resp, int fd, const char *name)
{
	struct stat sb;

	if (fstat(fd, &sb) != 0) {
		close(fd);
		wm_http_resp_error(resp, 500, "%s: %s", name, strerror(errno));
		return;
	}
	resp->status = 200;
	resp->fd = fd;
	resp->len = (size_t)sb.st_size;
	resp->type = "application/x-pcapng";
	snprintf(resp->attachment, sizeof(resp->attachment), "%s", name);
}

static void
h_capture_file(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	json_t *list = capture_files(), *e;
	const char *path = NULL;
	size_t i;
	int fd;

	RTE_SET_USED(ctx);
	/* Only a file the capture wrote: the name is looked up, never joined to a folder. */
	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "name")), req->tail) == 0)
			path = json_string_value(json_object_get(e, "path"));
	fd = path != NULL ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	json_decref(list);
	if (fd < 0)
		wm_http_resp_error(resp, 404, "no capture file %s (see /api/v1/captures)",
				   req->tail);
	else
		send_file(resp, fd, req->tail);
}

static void
h_history(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	char path[PATH_MAX], sig[PATH_MAX + 4], msg[1024];
	unsigned long count;
	int fd, rc;

	RTE_SET_USED(ctx);
	if (!count_arg(req, resp, "count", 0, 0, 1ul << 24, &count)) /* 0: all */
		return;
	/* Written to a private file in EAL's runtime folder, opened, and unlinked at once. */
	snprintf(path, sizeof(path), "%s/http-history-XXXXXX", rte_eal_get_runtime_dir());
	fd = mkstemp(path);
	if (fd < 0) {
		wm_http_resp_error(resp, 500, "history: %s", strerror(errno));
		return;
	}
	close(fd);
	rc = wm_capture_dump(path, (unsigned int)count, msg, sizeof(msg));
	fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	unlink(path);
	/* With --sign-key the dump was signed beside it: nobody asks for that one. */
	snprintf(sig, sizeof(sig), "%s.sig", path);
	unlink(sig);
	if (rc != 0)
		wm_http_resp_error(resp, errno_status(rc), "%s", msg);
	else if (fd < 0)
		wm_http_resp_error(resp, 500, "history: %s", strerror(errno));
	else
		send_file(resp, fd, "history.pcapng");
}

/* Exact paths before the '*' ones that would also match them. */
static const struct wm_http_route routes[] = {
	{"/metrics", WM_HTTP_GET, h_metrics},
	{"/healthz", WM_HTTP_GET, h_health},
	{"/api/v1/stats", WM_HTTP_GET, h_stats},
	{"/api/v1/flows", WM_HTTP_GET, h_flows},
	{"/api/v1/flows/*", WM_HTTP_GET, h_flow},
	{"/api/v1/streams", WM_HTTP_GET, h_streams},
	{"/api/v1/gaps", WM_HTTP_GET, h_gaps},
	{"/api/v1/config", WM_HTTP_GET, h_config},
	{"/api/v1/lcores", WM_HTTP_GET, h_lcores},
	{"/api/v1/capture", WM_HTTP_POST | WM_HTTP_DELETE, h_capture},
	{"/api/v1/captures", WM_HTTP_GET, h_captures},
	{"/api/v1/captures/history", WM_HTTP_GET, h_history},
	{"/api/v1/captures/*", WM_HTTP_GET, h_capture_file},
};

/* ---- the server ---- */

/* The server's settings from the configuration; --http-tls split at its comma. */
static void
http_conf(const struct wm_conf *conf, struct wm_http_conf *c)
{
	const char *tls = conf->http_tls;
	const char *comma = tls != NULL ? strchr(tls, ',') : NULL;

	*c = (struct wm_http_conf){.listen = conf->http, .token_file = conf->http_token_file};
	if (comma == NULL)
		return;
	snprintf(api.tls_cert, sizeof(api.tls_cert), "%.*s", (int)(comma - tls), tls);
	snprintf(api.tls_key, sizeof(api.tls_key), "%s", comma + 1);
	c->tls_cert = api.tls_cert;
	c->tls_key = api.tls_key;
}

int
wm_http_api_check(const struct wm_conf *conf, char *err, size_t errlen)
{
	struct wm_http_conf c;

	if (conf->http == NULL) {
		if (conf->http_token_file != NULL || conf->http_tls != NULL) {
			snprintf(err, errlen, "--http-token-file and --http-tls need --http");
			return -EINVAL;
		}
		return 0;
	}
	http_conf(conf, &c);
	return wm_http_conf_check(&c, err, errlen);
}

int
wm_http_api_start(struct wm_app *app)
{
	struct wm_http_conf c;
	char why[512];

	if (app->conf.http == NULL)
		return 0;
	api.app = app;
	http_conf(&app->conf, &c);
	api.srv = wm_http_start(&c, routes, RTE_DIM(routes), NULL, why, sizeof(why));
	if (api.srv == NULL) {
		WM_LOG(ERR, "%s", why);
		return -1;
	}
	WM_LOG(NOTICE, "HTTP%s on %s: /metrics and /api/v1 (port %u)%s",
	       c.tls_cert != NULL ? "S" : "", c.listen, wm_http_port(api.srv),
	       c.token_file != NULL ? ", bearer token required" : "");
	return 0;
}

void
wm_http_api_stop(void)
{
	wm_http_stop(api.srv);
	api.srv = NULL;
}
