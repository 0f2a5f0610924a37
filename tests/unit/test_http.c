/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/http: the router, the Prometheus formatter, addresses, secret
 * files and tokens; then a real server on a loopback port, driven over
 * a socket, for the gates (401, 404, 405, 413) and a handler's answer.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "wm_cunit.h"
#include "wm_http.h"

static void
h_any(void *ctx, const struct wm_http_req *req, struct wm_http_resp *resp)
{
	(void)ctx;
	wm_http_resp_json(resp, 200,
			  json_pack("{s:s,s:s,s:s?}", "path", req->path, "tail", req->tail, "body",
				    req->body));
}

static const struct wm_http_route routes[] = {
	{"/metrics", WM_HTTP_GET, h_any},
	{"/api/v1/captures/history", WM_HTTP_GET, h_any},
	{"/api/v1/captures/*", WM_HTTP_GET, h_any},
	{"/api/v1/capture", WM_HTTP_POST | WM_HTTP_DELETE, h_any},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static void
test_route_find(void)
{
	const struct wm_http_route *r;
	const char *tail;

	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/metrics", WM_HTTP_GET, &r, &tail),
			200);
	CU_ASSERT_PTR_EQUAL(r, &routes[0]);
	CU_ASSERT_STRING_EQUAL(tail, "");
	/* An exact route before a '*' one wins. */
	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/api/v1/captures/history",
					   WM_HTTP_GET, &r, &tail),
			200);
	CU_ASSERT_PTR_EQUAL(r, &routes[1]);
	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/api/v1/captures/a.pcapng",
					   WM_HTTP_GET, &r, &tail),
			200);
	CU_ASSERT_PTR_EQUAL(r, &routes[2]);
	CU_ASSERT_STRING_EQUAL(tail, "a.pcapng");
	/* '*' takes any rest but nothing: a flow key holds '/' (the handler checks names). */
	CU_ASSERT_EQUAL(
		wm_http_route_find(routes, N_ROUTES, "/api/v1/captures/", WM_HTTP_GET, &r, &tail),
		404);
	CU_ASSERT_PTR_NULL(r);
	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/api/v1/captures/10.0.0.1:1-b:2/6",
					   WM_HTTP_GET, &r, &tail),
			200);
	CU_ASSERT_STRING_EQUAL(tail, "10.0.0.1:1-b:2/6");
	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/metrics/", WM_HTTP_GET, &r, &tail),
			404);
	CU_ASSERT_EQUAL(wm_http_route_find(routes, N_ROUTES, "/metrics", WM_HTTP_POST, &r, &tail),
			405);
	CU_ASSERT_PTR_EQUAL(r, &routes[0]);
	CU_ASSERT_EQUAL(
		wm_http_route_find(routes, N_ROUTES, "/api/v1/capture", WM_HTTP_DELETE, &r, &tail),
		200);
	CU_ASSERT_EQUAL(
		wm_http_route_find(routes, N_ROUTES, "/api/v1/capture", WM_HTTP_GET, &r, &tail),
		405);
}

static void
test_method_allow(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(wm_http_method_parse("GET"), WM_HTTP_GET);
	CU_ASSERT_EQUAL(wm_http_method_parse("DELETE"), WM_HTTP_DELETE);
	CU_ASSERT_EQUAL(wm_http_method_parse("get"), WM_HTTP_OTHER);
	CU_ASSERT_EQUAL(wm_http_method_parse("PATCH"), WM_HTTP_OTHER);
	CU_ASSERT_STRING_EQUAL(wm_http_allow_text(WM_HTTP_POST | WM_HTTP_DELETE, buf, sizeof(buf)),
			       "POST, DELETE");
	CU_ASSERT_STRING_EQUAL(wm_http_allow_text(WM_HTTP_GET, buf, sizeof(buf)), "GET");
}

/* Run fn into a memory stream; returns the malloc'ed text. */
static char *
prom_text(void (*fn)(FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f);
	fclose(f);
	return buf;
}

static void
write_family(FILE *f)
{
	const char *l1[] = {"reason", "idle timeout", NULL};
	const char *l2[] = {"port", "0", "name", "a\"b\\c\nd", NULL};

	wm_prom_family(f, "wiremeter_flows_exported_total", "counter", "Records\nby \\ reason");
	wm_prom_sample(f, "wiremeter_flows_exported_total", l1, 18446744073709551615ull);
	wm_prom_sample(f, "wiremeter_flows_exported_total", l2, 0);
	wm_prom_sample(f, "wiremeter_flows_exported_total", NULL, 7);
	wm_prom_sample_double(f, "wiremeter_ratio", NULL, 0.25);
}

static void
test_prom_format(void)
{
	char *t = prom_text(write_family);

	CU_ASSERT_STRING_EQUAL(
		t, "# HELP wiremeter_flows_exported_total Records\\nby \\\\ reason\n"
		   "# TYPE wiremeter_flows_exported_total counter\n"
		   "wiremeter_flows_exported_total{reason=\"idle timeout\"} 18446744073709551615\n"
		   "wiremeter_flows_exported_total{port=\"0\",name=\"a\\\"b\\\\c\\nd\"} 0\n"
		   "wiremeter_flows_exported_total 7\n"
		   "wiremeter_ratio 0.25\n");
	free(t);
}

static void
test_prom_name(void)
{
	char buf[96];

	CU_ASSERT_STRING_EQUAL(
		wm_prom_name(buf, sizeof(buf), "wiremeter_", "flowsCreated", "_total"),
		"wiremeter_flows_created_total");
	CU_ASSERT_STRING_EQUAL(wm_prom_name(buf, sizeof(buf), "wiremeter_", "rxNoMbuf", "_total"),
			       "wiremeter_rx_no_mbuf_total");
	CU_ASSERT_STRING_EQUAL(wm_prom_name(buf, sizeof(buf), "wiremeter_", "IPFIX-msgs", ""),
			       "wiremeter_ipfix_msgs");
	CU_ASSERT_STRING_EQUAL(wm_prom_name(buf, sizeof(buf), "x_", "imissed", "_total"),
			       "x_imissed_total");
	CU_ASSERT_PTR_NULL(wm_prom_name(buf, 10, "wiremeter_", "flowsCreated", "_total"));
}

static void
test_addr(void)
{
	struct sockaddr_storage ss;
	char why[128];

	CU_ASSERT_EQUAL(wm_http_addr_parse("127.0.0.1:9100", &ss, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9100);
	CU_ASSERT_TRUE(wm_http_addr_is_loopback(&ss));
	CU_ASSERT_EQUAL(wm_http_addr_parse("localhost:0", &ss, why, sizeof(why)), 0);
	CU_ASSERT_TRUE(wm_http_addr_is_loopback(&ss));
	CU_ASSERT_EQUAL(wm_http_addr_parse("0.0.0.0:80", &ss, why, sizeof(why)), 0);
	CU_ASSERT_FALSE(wm_http_addr_is_loopback(&ss));
	CU_ASSERT_EQUAL(wm_http_addr_parse("[::1]:8080", &ss, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_TRUE(wm_http_addr_is_loopback(&ss));
	CU_ASSERT_EQUAL(wm_http_addr_parse("[::]:8080", &ss, why, sizeof(why)), 0);
	CU_ASSERT_FALSE(wm_http_addr_is_loopback(&ss));
	CU_ASSERT_EQUAL(wm_http_addr_parse("127.0.0.1", &ss, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_http_addr_parse("127.0.0.1:65536", &ss, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_http_addr_parse("127.0.0.1:x", &ss, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_http_addr_parse("::1:80", &ss, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_http_addr_parse("example.org:80", &ss, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_http_addr_parse("[::1]80", &ss, why, sizeof(why)), -EINVAL);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

static void
test_secret_rules(void)
{
	char path[] = "/tmp/wm_test_http_XXXXXX", buf[WM_HTTP_TOKEN_MAX + 2], why[256];
	int fd = mkstemp(path);

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd);
	write_file(path, "s3cret-token \n", 0600);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)), 12);
	CU_ASSERT_STRING_EQUAL(buf, "s3cret-token");
	/* Group or other bits: refused, with the file named and the secret not shown. */
	write_file(path, "s3cret-token\n", 0644);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)),
			-EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, path));
	CU_ASSERT_PTR_NULL(strstr(why, "s3cret"));
	write_file(path, "s3cret-token\n", 0640);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)),
			-EPERM);
	write_file(path, "\n", 0600);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)),
			-EINVAL);
	write_file(path, "two words\n", 0600);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)),
			-EINVAL);
	/* A link to a good file is refused: the rules hold for the file named. */
	write_file(path, "s3cret-token\n", 0600);
	{
		char link[sizeof(path) + 5];

		snprintf(link, sizeof(link), "%s.lnk", path);
		CU_ASSERT_EQUAL(symlink(path, link), 0);
		CU_ASSERT_EQUAL(wm_http_secret_read(link, buf, sizeof(buf), true, why, sizeof(why)),
				-ELOOP);
		unlink(link);
	}
	unlink(path);
	CU_ASSERT_EQUAL(wm_http_secret_read(path, buf, sizeof(buf), true, why, sizeof(why)),
			-ENOENT);
	CU_ASSERT_EQUAL(wm_http_secret_read("/tmp", buf, sizeof(buf), true, why, sizeof(why)),
			-EINVAL);
}

static void
test_token_ok(void)
{
	CU_ASSERT_TRUE(wm_http_token_ok("Bearer abc", "abc"));
	CU_ASSERT_TRUE(wm_http_token_ok("bearer abc", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok("Bearer abcd", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok("Bearer ab", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok("Bearer abd", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok("Basic abc", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok("Bearer ", "abc"));
	CU_ASSERT_FALSE(wm_http_token_ok(NULL, "abc"));
}

/* ---- a real server ---- */

/* Send a raw request to 127.0.0.1:port; returns the status and copies the answer. */
static int
http_raw(uint16_t port, const char *request, char *answer, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1;
	size_t n = 0;
	ssize_t got;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto out;
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		goto out;
	while (n + 1 < len && (got = read(fd, answer + n, len - 1 - n)) > 0)
		n += (size_t)got;
	answer[n] = '\0';
	if (sscanf(answer, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
out:
	if (fd >= 0)
		close(fd);
	return status;
}

static struct wm_http *
server_start(const char *token_file)
{
	struct wm_http_conf c = {.listen = "127.0.0.1:0", .token_file = token_file, .body_max = 64};
	char why[256];
	struct wm_http *h = wm_http_start(&c, routes, N_ROUTES, NULL, why, sizeof(why));

	if (h == NULL)
		fprintf(stderr, "server: %s\n", why);
	return h;
}

static void
test_server_gates(void)
{
	struct wm_http *h = server_start(NULL);
	struct wm_http_counters c;
	char ans[4096];
	uint16_t port;

	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	port = wm_http_port(h);
	CU_ASSERT_NOT_EQUAL(port, 0);
	CU_ASSERT_EQUAL(http_raw(port, "GET /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans)), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "{\"path\":\"/metrics\",\"tail\":\"\",\"body\":null}"));
	CU_ASSERT_EQUAL(http_raw(port, "GET /nope HTTP/1.0\r\n\r\n", ans, sizeof(ans)), 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "\"status\":404"));
	CU_ASSERT_EQUAL(http_raw(port, "PUT /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans)), 405);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "Allow: GET"));
	CU_ASSERT_EQUAL(http_raw(port,
				 "POST /api/v1/capture HTTP/1.0\r\nContent-Length: 9\r\n\r\n"
				 "count=100",
				 ans, sizeof(ans)),
			200);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "\"body\":\"count=100\""));
	/* Declared too large, and too large in chunks. */
	CU_ASSERT_EQUAL(http_raw(port,
				 "POST /api/v1/capture HTTP/1.0\r\nContent-Length: 65\r\n\r\n", ans,
				 sizeof(ans)),
			413);
	CU_ASSERT_EQUAL(http_raw(port,
				 "POST /api/v1/capture HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
				 "Transfer-Encoding: chunked\r\n\r\n"
				 "28\r\n0123456789012345678901234567890123456789\r\n"
				 "28\r\n0123456789012345678901234567890123456789\r\n0\r\n\r\n",
				 ans, sizeof(ans)),
			413);
	CU_ASSERT_EQUAL(
		http_raw(port, "GET /api/v1/captures/x.pcapng HTTP/1.0\r\n\r\n", ans, sizeof(ans)),
		200);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "\"tail\":\"x.pcapng\""));
	wm_http_counters_read(h, &c);
	CU_ASSERT_EQUAL(c.requests, 7);
	CU_ASSERT_EQUAL(c.status_2xx, 3);
	CU_ASSERT_EQUAL(c.status_4xx, 4);
	CU_ASSERT_EQUAL(c.unauthorized, 0);
	wm_http_stop(h);
}

static void
test_server_token(void)
{
	char path[] = "/tmp/wm_test_http_XXXXXX", ans[4096];
	int fd = mkstemp(path);
	struct wm_http_counters c;
	struct wm_http *h;
	uint16_t port;

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	close(fd);
	write_file(path, "t0ken\n", 0600);
	h = server_start(path);
	unlink(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	port = wm_http_port(h);
	CU_ASSERT_EQUAL(http_raw(port, "GET /metrics HTTP/1.0\r\n\r\n", ans, sizeof(ans)), 401);
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "WWW-Authenticate: Bearer"));
	CU_ASSERT_EQUAL(http_raw(port,
				 "GET /metrics HTTP/1.0\r\nAuthorization: Bearer t0ke\r\n\r\n", ans,
				 sizeof(ans)),
			401);
	/* The token is checked before the route: an unknown path says nothing either. */
	CU_ASSERT_EQUAL(http_raw(port, "GET /nope HTTP/1.0\r\n\r\n", ans, sizeof(ans)), 401);
	CU_ASSERT_EQUAL(http_raw(port,
				 "GET /metrics HTTP/1.0\r\nAuthorization: Bearer t0ken\r\n\r\n",
				 ans, sizeof(ans)),
			200);
	wm_http_counters_read(h, &c);
	CU_ASSERT_EQUAL(c.unauthorized, 3);
	CU_ASSERT_EQUAL(c.requests, 4);
	wm_http_stop(h);
}

static void
test_conf_check(void)
{
	struct wm_http_conf c = {.listen = "0.0.0.0:9100"};
	char why[256];

	CU_ASSERT_EQUAL(wm_http_conf_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "--http-token-file"));
	c.listen = "127.0.0.1:9100";
	CU_ASSERT_EQUAL(wm_http_conf_check(&c, why, sizeof(why)), 0);
	c.tls_cert = "/nonexistent.pem";
	CU_ASSERT_EQUAL(wm_http_conf_check(&c, why, sizeof(why)), -EINVAL);
	c.tls_key = "/nonexistent.key";
	CU_ASSERT_EQUAL(wm_http_conf_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "/nonexistent.pem"));
}

static const struct wm_test tests[] = {
	WM_TEST(test_route_find), WM_TEST(test_method_allow), WM_TEST(test_prom_format),
	WM_TEST(test_prom_name),  WM_TEST(test_addr),	      WM_TEST(test_secret_rules),
	WM_TEST(test_token_ok),	  WM_TEST(test_server_gates), WM_TEST(test_server_token),
	WM_TEST(test_conf_check),
};

int
main(void)
{
	return wm_cunit_run("http", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
