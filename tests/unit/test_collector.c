/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/collector: the token bucket on a clock of the test's own, the
 * --ipfix-rate grammar, and the links on real loopback sockets (a paced
 * UDP collector that receives, a port where nothing listens), the URI
 * check and the TLS options refused at open.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "wm_collector.h"
#include "wm_conf.h"
#include "wm_cunit.h"

#define MS 1000000ull
#define S 1000000000ull

static void
test_collector_bucket_starts_full(void)
{
	struct wm_tbucket b;
	unsigned int i;

	wm_tbucket_init(&b, 10, 4, 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_TRUE(wm_tbucket_take(&b, 1, 0));
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 0));
	/* 10 a second: one token 100 ms later, not 99 ms. */
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 99 * MS));
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 1, 100 * MS));
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 100 * MS));
}

/* Polled every 250 us for 10 s: depth + 10 s of rate pass, exactly. */
static void
test_collector_bucket_long_run_rate(void)
{
	struct wm_tbucket b;
	uint64_t t, taken = 0;

	wm_tbucket_init(&b, 1000, 32, 0);
	for (t = 0; t <= 10 * S; t += 250000)
		while (wm_tbucket_take(&b, 1, t))
			taken++;
	CU_ASSERT_EQUAL(taken, 32 + 10000);
}

/* Bits: a 1400-byte message costs 11200 tokens; 10 Mbit/s let 893 a second through. */
static void
test_collector_bucket_bits(void)
{
	struct wm_tbucket b;
	uint64_t t, taken = 0;

	wm_tbucket_init(&b, 10000000, WM_COLLECTOR_BURST_BYTES * 8, 0);
	for (t = 0; t < S; t += 100000)
		while (wm_tbucket_take(&b, 1400 * 8, t))
			taken++;
	/* The full bucket, then 999.9 ms of 10 Mbit/s, in whole messages: 939. */
	CU_ASSERT_EQUAL(taken, (524288 + 999900000ull * 10000000 / S) / 11200);
	CU_ASSERT_EQUAL(taken, 939);
}

/* A cost above the depth passes when the bucket is full and leaves a debt. */
static void
test_collector_bucket_cost_above_depth(void)
{
	struct wm_tbucket b;

	wm_tbucket_init(&b, 100, 10, 0);
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 30, 0));	   /* full: passes, 20 in debt */
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 200 * MS)); /* 20 back: at 0 */
	CU_ASSERT_EQUAL(wm_tbucket_wait_ns(&b, 1, 200 * MS), 10 * MS);
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 1, 210 * MS));
	/* Not full and short of 30: waits until full (10 tokens), not for 30. */
	CU_ASSERT_EQUAL(wm_tbucket_wait_ns(&b, 30, 210 * MS), 100 * MS);
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 30, 300 * MS));
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 30, 310 * MS));
}

static void
test_collector_bucket_refund_caps(void)
{
	struct wm_tbucket b;

	wm_tbucket_init(&b, 1, 2, 0);
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 2, 0));
	wm_tbucket_refund(&b, 5); /* only up to the depth */
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 2, 0));
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 0));
	CU_ASSERT_EQUAL(wm_tbucket_wait_ns(&b, 1, 0), S);
}

/* Hours idle at 100 Gbit/s: full, no overflow; a clock going back takes nothing. */
static void
test_collector_bucket_no_overflow(void)
{
	struct wm_tbucket b;

	wm_tbucket_init(&b, 100000000000ull, 524288, 0);
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 524288, 0));
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 524288, 3600 * S));
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 524288, 3600 * S));
	CU_ASSERT_FALSE(wm_tbucket_take(&b, 1, 1000));
	wm_tbucket_init(&b, 0, 0, 0); /* taken as 1 and 1 */
	CU_ASSERT_TRUE(wm_tbucket_take(&b, 1, 0));
	CU_ASSERT_EQUAL(wm_tbucket_wait_ns(&b, 1, 0), S);
}

static void
test_collector_rate_parse(void)
{
	char why[128];
	double r;
	bool bits;

	CU_ASSERT_EQUAL(wm_conf_rate_parse("500", &r, &bits, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r, 500);
	CU_ASSERT_FALSE(bits);
	CU_ASSERT_EQUAL(wm_conf_rate_parse("10Mbit", &r, &bits, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r, 10e6);
	CU_ASSERT_TRUE(bits);
	CU_ASSERT_EQUAL(wm_conf_rate_parse("2.5gbit", &r, &bits, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r, 2.5e9);
	CU_ASSERT_EQUAL(wm_conf_rate_parse("0", &r, &bits, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(wm_conf_rate_parse("10MB", &r, &bits, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "unknown unit 'MB' (use bit, kbit, Mbit or Gbit)");
	CU_ASSERT_EQUAL(wm_conf_rate_parse("-1", &r, &bits, why, sizeof(why)), -EINVAL);
	CU_ASSERT_EQUAL(wm_conf_rate_parse("fast", &r, &bits, why, sizeof(why)), -EINVAL);
}

/* A UDP socket on 127.0.0.1; its port in @p port. */
static int
udp_listener(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static unsigned int
drain(int fd)
{
	char buf[2048];
	unsigned int n = 0;

	while (recv(fd, buf, sizeof(buf), 0) > 0)
		n++;
	return n;
}

/*
 * 2 messages a second: the bucket's 32 go at once, the 33rd waits
 * (-EAGAIN, counted), and the collector received exactly 32.
 */
static void
test_collector_udp_paced(void)
{
	const struct wm_collector_params p = {.rate_per_s = 2};
	struct wm_ipfix_transport *t;
	struct wm_collector_stats xs;
	char uri[64], err[256], msg[100] = {0};
	unsigned int i;
	uint16_t port;
	int fd = udp_listener(&port);
	bool bits;

	snprintf(uri, sizeof(uri), "udp://127.0.0.1:%u", port);
	t = wm_collector_open(uri, &p, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(wm_ipfix_transport_poll(t, 0), WM_IPFIX_TRANSPORT_NEW_SESSION);
	for (i = 0; i < WM_COLLECTOR_BURST_MSGS; i++)
		CU_ASSERT_EQUAL(wm_ipfix_transport_send(t, msg, sizeof(msg), i), 0);
	CU_ASSERT_EQUAL(wm_ipfix_transport_send(t, msg, sizeof(msg), i), -EAGAIN);
	wm_collector_stats(t, &xs);
	CU_ASSERT_EQUAL(xs.paced, 1);
	CU_ASSERT_EQUAL(xs.refused, 0);
	CU_ASSERT_EQUAL(wm_ipfix_transport_stats(t)->messages, WM_COLLECTOR_BURST_MSGS);
	CU_ASSERT_EQUAL(wm_collector_rate(t, &bits), 2);
	CU_ASSERT_FALSE(bits);
	CU_ASSERT_STRING_EQUAL(wm_collector_scheme(t), "udp");
	usleep(50000);
	CU_ASSERT_EQUAL(drain(fd), WM_COLLECTOR_BURST_MSGS);
	wm_ipfix_transport_close(t);
	close(fd);
}

/* Nothing listens: ICMP port unreachable makes a later send fail, counted as refused. */
static void
test_collector_udp_refused(void)
{
	const struct wm_collector_params p = {.rate_per_s = 0};
	struct wm_ipfix_transport *t;
	struct wm_collector_stats xs;
	char uri[64], err[256], msg[100] = {0};
	unsigned int i, refused = 0;
	uint16_t port;
	int fd = udp_listener(&port);

	close(fd); /* the port is free now, and nobody listens on it */
	snprintf(uri, sizeof(uri), "udp://127.0.0.1:%u", port);
	t = wm_collector_open(uri, &p, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 20; i++) {
		if (wm_ipfix_transport_send(t, msg, sizeof(msg), i) == -ECONNREFUSED)
			refused++;
		usleep(10000);
	}
	wm_collector_stats(t, &xs);
	CU_ASSERT_TRUE(refused >= 1);
	CU_ASSERT_EQUAL(xs.refused, refused);
	CU_ASSERT_EQUAL(xs.errors_seen, refused);
	CU_ASSERT_STRING_EQUAL(xs.last_error,
			       "datagrams refused (ICMP port unreachable): nothing listens there");
	CU_ASSERT_EQUAL(wm_ipfix_transport_stats(t)->errors, refused);
	wm_ipfix_transport_close(t);
}

static void
test_collector_check(void)
{
	char why[256];

	CU_ASSERT_EQUAL(wm_collector_check("tls://collector.example:4739", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wm_collector_check("TLS://[::1]:4739", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wm_collector_check("tls://collector.example", why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "missing port");
	CU_ASSERT_EQUAL(wm_collector_check("dtls://c:4739", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wm_collector_check("dtls://c:0", why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "port '0' is not a number 1-65535");
	CU_ASSERT_EQUAL(wm_collector_check("udp://127.0.0.1:4739", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(wm_collector_check("sctp://127.0.0.1:4739", why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		why, "unknown scheme 'sctp' (use udp://, tcp://, tls://, dtls:// or file:)");
}

/* A key others may read is refused before anything is loaded; cert and key go together. */
static void
test_collector_tls_key_private(void)
{
	char key[] = "/tmp/wm_test_collector_keyXXXXXX", err[256];
	struct wm_collector_params p = {.cert_file = "/nonexistent.pem", .key_file = key};
	int fd = mkstemp(key);

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(chmod(key, 0644), 0);
	CU_ASSERT_PTR_NULL(wm_collector_open("tls://127.0.0.1:4739", &p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is open to group or others (mode 0644): chmod 600 it"));
	p.cert_file = NULL;
	CU_ASSERT_PTR_NULL(wm_collector_open("tls://127.0.0.1:4739", &p, err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "--ipfix-cert and --ipfix-key go together");
	p.key_file = NULL;
	p.ca_file = "/nonexistent-ca.pem";
	CU_ASSERT_PTR_NULL(wm_collector_open("tls://127.0.0.1:4739", &p, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--ipfix-ca '/nonexistent-ca.pem': "));
	unlink(key);
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_collector_bucket_starts_full),
		WM_TEST(test_collector_bucket_long_run_rate),
		WM_TEST(test_collector_bucket_bits),
		WM_TEST(test_collector_bucket_cost_above_depth),
		WM_TEST(test_collector_bucket_refund_caps),
		WM_TEST(test_collector_bucket_no_overflow),
		WM_TEST(test_collector_rate_parse),
		WM_TEST(test_collector_udp_paced),
		WM_TEST(test_collector_udp_refused),
		WM_TEST(test_collector_check),
		WM_TEST(test_collector_tls_key_private),
	};

	return wm_cunit_run("collector", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
