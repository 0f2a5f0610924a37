/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The record sink on the main lcore: every flow record taken from the
 * workers' rings passes here once. It writes the JSON line, adds to the
 * totals and keeps the top flows for the summary. Only the main lcore
 * calls these functions.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_app.h"
#include "wm_output.h"

struct wm_totals wm_totals;

static FILE *flows_fp;
static char *flows_buf;

int
wm_output_open(const struct wm_conf *conf)
{
	if (conf->report != NULL) {
		/* Written at the end; make sure now that it can be. */
		FILE *f = fopen(conf->report, "w");

		if (f == NULL) {
			fprintf(stderr, "wiremeter: error: --report %s: %s\n", conf->report,
				strerror(errno));
			return -errno;
		}
		fclose(f);
	}
	if (conf->flows_json == NULL)
		return 0;
	flows_fp = fopen(conf->flows_json, "w");
	if (flows_fp == NULL) {
		fprintf(stderr, "wiremeter: error: --flows-json %s: %s\n", conf->flows_json,
			strerror(errno));
		return -errno;
	}
	flows_buf = malloc(1 << 20);
	if (flows_buf != NULL)
		setvbuf(flows_fp, flows_buf, _IOFBF, 1 << 20);
	return 0;
}

int
wm_output_close(void)
{
	int rc = 0;

	if (flows_fp != NULL && fclose(flows_fp) != 0)
		rc = -errno;
	flows_fp = NULL;
	free(flows_buf);
	flows_buf = NULL;
	return rc;
}

static void
fmt_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int
wm_output_format(const struct wm_flow_export *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t n = 0;

#define PUT(...)                                                                \
	do {                                                                    \
		int k_ = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__); \
		if (k_ > 0)                                                     \
			n += (size_t)k_;                                        \
	} while (0)

	PUT("{");
	if (e->kind == WM_FLOW_KIND_IPV4 || e->kind == WM_FLOW_KIND_IPV6) {
		bool v4 = e->kind == WM_FLOW_KIND_IPV4;

		inet_ntop(v4 ? AF_INET : AF_INET6, e->src, a, sizeof(a));
		inet_ntop(v4 ? AF_INET : AF_INET6, e->dst, b, sizeof(b));
		PUT("\"source%sAddress\":\"%s\",\"destination%sAddress\":\"%s\","
		    "\"sourceTransportPort\":%u,\"destinationTransportPort\":%u,"
		    "\"protocolIdentifier\":%u,",
		    v4 ? "IPv4" : "IPv6", a, v4 ? "IPv4" : "IPv6", b, e->sport, e->dport, e->proto);
	} else {
		fmt_mac(a, sizeof(a), e->smac);
		fmt_mac(b, sizeof(b), e->dmac);
		PUT("\"sourceMacAddress\":\"%s\",\"destinationMacAddress\":\"%s\","
		    "\"ethernetType\":%u,",
		    a, b, e->ethertype);
	}
	PUT("\"packetDeltaCount\":%" PRIu64 ",\"octetDeltaCount\":%" PRIu64
	    ",\"reversePacketDeltaCount\":%" PRIu64 ",\"reverseOctetDeltaCount\":%" PRIu64
	    ",\"flowStartNanoseconds\":%" PRIu64 ",\"flowEndNanoseconds\":%" PRIu64 ",",
	    e->pkts[0], e->octets[0], e->pkts[1], e->octets[1], e->start_ns, e->end_ns);
	if (e->kind == WM_FLOW_KIND_IPV4 || e->kind == WM_FLOW_KIND_IPV6) {
		PUT("\"tcpControlBits\":%u,\"reverseTcpControlBits\":%u,\"ipClassOfService\":%u,"
		    "\"minimumIpTotalLength\":%u,\"maximumIpTotalLength\":%u,",
		    e->tcp_flags[0], e->tcp_flags[1], e->tos, e->min_len, e->max_len);
		if (e->proto == 1)
			PUT("\"icmpTypeCodeIPv4\":%u,", e->icmp_type_code);
		else if (e->proto == 58)
			PUT("\"icmpTypeCodeIPv6\":%u,", e->icmp_type_code);
		if (e->flags & WM_FLOW_REC_F_ESP)
			PUT("\"ipsecSPI\":%u,", e->spi);
	} else if (e->kind == WM_FLOW_KIND_MACSEC) {
		PUT("\"macsecSCI\":\"%016" PRIx64 "\",\"macsecAN\":%u,", e->sci, e->an);
	}
	PUT("\"flowEndReason\":%u,\"vlanId\":%u,\"ingressInterface\":%u}\n", e->end_reason, e->vlan,
	    e->in_port);
#undef PUT
	return n < len ? (int)n : -ENOSPC;
}

static uint64_t
rec_octets(const struct wm_flow_export *e)
{
	return e->octets[0] + e->octets[1];
}

/* Keep the WM_TOP_FLOWS records with the most octets, sorted, by insertion. */
static void
top_insert(const struct wm_flow_export *e)
{
	unsigned int i, n = wm_totals.n_top;

	if (n == WM_TOP_FLOWS && rec_octets(e) <= rec_octets(&wm_totals.top[n - 1]))
		return;
	if (n < WM_TOP_FLOWS)
		n++;
	for (i = n - 1; i > 0 && rec_octets(&wm_totals.top[i - 1]) < rec_octets(e); i--)
		wm_totals.top[i] = wm_totals.top[i - 1];
	wm_totals.top[i] = *e;
	wm_totals.n_top = n;
}

void
wm_output_record(const struct wm_flow_export *e)
{
	wm_totals.records++;
	wm_totals.pkts += e->pkts[0] + e->pkts[1];
	wm_totals.octets += rec_octets(e);
	if (e->end_reason < RTE_DIM(wm_totals.by_reason))
		wm_totals.by_reason[e->end_reason]++;
	top_insert(e);
	if (flows_fp != NULL) {
		char line[1024];
		int n = wm_output_format(e, line, sizeof(line));

		if (n > 0 && fwrite(line, 1, (size_t)n, flows_fp) != (size_t)n)
			wm_totals.write_errors++;
	}
}
