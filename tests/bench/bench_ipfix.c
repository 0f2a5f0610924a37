/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * How fast a worker encodes flow records into IPFIX messages, and how
 * many bytes a record costs on the wire: the encoder alone, on one core,
 * as a worker runs it (records appended to a message of the path MTU,
 * the message finished and a new one started when the next record does
 * not fit). A benchmark, not a test: it prints figures, exits 0.
 *
 * Usage: bench_ipfix [records] [mtu]
 * Prints, per mode, one line: "ipfix <mode> <records/s> <bytes/record>".
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wm_ipfix.h"

#define N_FLOWS 4096

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A mix like a data centre's: mostly IPv4 TCP/UDP, some IPv6, a few with reverse traffic. */
static void
make_flows(struct wm_flow_export *f, unsigned int n)
{
	unsigned int i;

	memset(f, 0, sizeof(*f) * n);
	for (i = 0; i < n; i++) {
		struct wm_flow_export *e = &f[i];
		uint32_t a = htonl(0x0a000000u | (i * 2654435761u >> 8));

		e->kind = (i % 8 == 7) ? WM_FLOW_KIND_IPV6 : WM_FLOW_KIND_IPV4;
		memcpy(e->src, &a, 4);
		e->src[15] = (uint8_t)i;
		e->dst[0] = 172;
		e->dst[1] = 16;
		e->dst[15] = 1;
		e->sport = (uint16_t)(1024 + i);
		e->dport = (i & 1) ? 443 : 53;
		e->proto = (i & 1) ? 6 : 17;
		e->pkts[0] = 10 + i % 100;
		e->pkts[1] = (i % 3) ? 8 + i % 50 : 0;
		e->octets[0] = e->pkts[0] * 700;
		e->octets[1] = e->pkts[1] * 90;
		e->start_ns = 1700000000000000000ULL + (uint64_t)i * 1000;
		e->end_ns = e->start_ns + 5000000000ULL;
		e->tcp_flags[0] = 0x1b;
		e->tcp_flags[1] = 0x12;
		e->min_len = 40;
		e->max_len = 1500;
		e->end_reason = 1 + i % 4;
		e->in_port = (uint16_t)(i % 2);
	}
}

static void
run(enum wm_ipfix_mode mode, const struct wm_flow_export *flows, unsigned long n, uint16_t mtu)
{
	struct wm_ipfix_params p = {.mode = mode, .pen = WM_IPFIX_DEFAULT_PEN};
	struct wm_ipfix_encoder *enc = wm_ipfix_encoder_create(&p);
	static uint8_t buf[65536];
	unsigned long i, records = 0, bytes = 0, msgs = 0;
	volatile uint16_t sink = 0;
	struct wm_ipfix_msg m;
	double t0, t1;

	if (enc == NULL) {
		printf("ipfix %s n/a (encoder: %s)\n", mode ? "uniflow" : "biflow",
		       strerror(errno));
		return;
	}
	wm_ipfix_msg_init(&m, buf, mtu, 1);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		const struct wm_flow_export *e = &flows[i % N_FLOWS];
		int rc = wm_ipfix_msg_add_flow(&m, enc, e, NULL, 0);

		if (rc == -ENOSPC) {
			bytes += wm_ipfix_msg_finish(&m, 0, (uint32_t)records);
			records += m.records;
			msgs++;
			sink ^= buf[20];
			wm_ipfix_msg_init(&m, buf, mtu, 1);
			wm_ipfix_msg_add_flow(&m, enc, e, NULL, 0);
		}
	}
	bytes += wm_ipfix_msg_finish(&m, 0, (uint32_t)records);
	records += m.records;
	msgs++;
	t1 = now_s();
	printf("ipfix %-7s %.2f Mrecords/s %.1f bytes/record (%lu flows, %lu records, %lu "
	       "messages of <= %u bytes)\n",
	       mode == WM_IPFIX_UNIFLOW ? "uniflow" : "biflow", (double)records / (t1 - t0) / 1e6,
	       (double)bytes / (double)records, n, records, msgs, mtu);
	(void)sink;
	wm_ipfix_encoder_free(enc);
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000000UL;
	uint16_t mtu = argc > 2 ? (uint16_t)strtoul(argv[2], NULL, 0) : 1400;
	static struct wm_flow_export flows[N_FLOWS];

	make_flows(flows, N_FLOWS);
	run(WM_IPFIX_BIFLOW, flows, n, mtu);
	run(WM_IPFIX_UNIFLOW, flows, n, mtu);
	return 0;
}
