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
#include <ctype.h>
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
static FILE *gaps_fp;

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
	if (conf->gaps_json != NULL) {
		gaps_fp = fopen(conf->gaps_json, "w");
		if (gaps_fp == NULL) {
			fprintf(stderr, "wiremeter: error: --gaps-json %s: %s\n", conf->gaps_json,
				strerror(errno));
			return -errno;
		}
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

/*
 * Open the new file before closing the old, so a path that cannot be
 * opened keeps the old file in use. The old stream's buffer goes to the
 * old file at fclose: no record is written twice or lost.
 */
static int
reopen_one(FILE **fp, const char *path, const char *what)
{
	FILE *f;

	if (*fp == NULL)
		return 0;
	f = fopen(path, "a");
	if (f == NULL) {
		int e = errno;

		WM_LOG(ERR, "%s %s: cannot reopen: %s; still writing the old file", what, path,
		       strerror(e));
		return -e;
	}
	if (fclose(*fp) != 0)
		WM_LOG(ERR, "%s %s: write failed on the file before reopening", what, path);
	*fp = f;
	WM_LOG(INFO, "%s %s reopened", what, path);
	return 0;
}

int
wm_output_reopen(const struct wm_conf *conf)
{
	int rc = 0, r;

	if (flows_fp != NULL) {
		rc = reopen_one(&flows_fp, conf->flows_json, "--flows-json");
		/* The 1 MB buffer belonged to the closed stream; the new one gets it. */
		if (rc == 0 && flows_buf != NULL)
			setvbuf(flows_fp, flows_buf, _IOFBF, 1 << 20);
	}
	r = reopen_one(&gaps_fp, conf->gaps_json, "--gaps-json");
	return rc != 0 ? rc : r;
}

int
wm_output_close(void)
{
	int rc = 0;

	if (flows_fp != NULL && fclose(flows_fp) != 0)
		rc = -errno;
	if (gaps_fp != NULL && fclose(gaps_fp) != 0)
		rc = -errno;
	flows_fp = NULL;
	gaps_fp = NULL;
	free(flows_buf);
	flows_buf = NULL;
	return rc;
}

static void
fmt_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/*
 * Write name with the RFC 5103 "reverse" prefix when rev is set:
 * seqLostCount -> reverseSeqLostCount.
 */
static int
put_name(char *buf, size_t len, const char *name, bool rev)
{
	if (!rev)
		return snprintf(buf, len, "\"%s\":", name);
	return snprintf(buf, len, "\"reverse%c%s\":", toupper((unsigned char)name[0]), name + 1);
}

/*
 * A stream's kind and identity; with all_ids false, leave out the ESP and
 * MACsec ones, which their flow's fields already give. Returns the bytes
 * written.
 */
static size_t
format_identity(const struct wm_seq_snapshot *s, bool rev, bool all_ids, char *buf, size_t len)
{
	size_t n = 0;

#define PUTN(name)                                                            \
	do {                                                                  \
		int k_ = put_name(buf + n, n < len ? len - n : 0, name, rev); \
		if (k_ > 0)                                                   \
			n += (size_t)k_;                                      \
	} while (0)
#define PUTV(...)                                                               \
	do {                                                                    \
		int k_ = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__); \
		if (k_ > 0)                                                     \
			n += (size_t)k_;                                        \
	} while (0)

	PUTN("seqStreamKind");
	PUTV("\"%s\",", wm_seq_kind_name(s->kind));
	if (s->kind == WM_SEQ_KIND_RTP) {
		PUTN("rtpSSRC");
		PUTV("%u,", s->rtp_ssrc);
	} else if (s->kind == WM_SEQ_KIND_TESTER) {
		PUTN("testerStreamId");
		PUTV("%u,", s->tester_id);
	} else if (all_ids && s->kind == WM_SEQ_KIND_ESP) {
		PUTN("ipsecSPI");
		PUTV("%u,", s->esp_spi);
	} else if (all_ids && s->kind == WM_SEQ_KIND_MACSEC) {
		PUTN("macsecSCI");
		PUTV("\"%016" PRIx64 "\",", s->macsec_sci);
		PUTN("macsecAN");
		PUTV("%u,", s->macsec_an);
	}
	return n;
}

/* A stream's identity and counters in a flow line; returns the bytes written. */
static size_t
format_stream(const struct wm_seq_snapshot *s, bool rev, bool all_ids, char *buf, size_t len)
{
	size_t n = format_identity(s, rev, all_ids, buf, len);
	unsigned int i;

	/* Names from lib/seq's one list (WM_SEQ_FOREACH_COUNTER). */
	for (i = 0; i < WM_SEQ_CTR_MAX; i++) {
		PUTN(wm_seq_counter_name((enum wm_seq_counter_id)i));
		PUTV("%" PRIu64 ",", wm_seq_counter_get(&s->c, (enum wm_seq_counter_id)i));
	}
	return n;
}
#undef PUTN
#undef PUTV

/* An outer endpoint as text: IPv4 or IPv6 as the flags say, "" for none (MPLS at L2). */
static void
fmt_outer(char *buf, size_t len, const uint8_t *a, uint8_t encap_flags)
{
	if (encap_flags & WM_PKT_E_OUTER_V4)
		inet_ntop(AF_INET, a, buf, len);
	else if (encap_flags & WM_PKT_E_OUTER_V6)
		inet_ntop(AF_INET6, a, buf, len);
	else if (len > 0)
		buf[0] = '\0';
}

/* The tunnel fields (wm_flow_export_tunnelled()), each always present, 0 or "" when unset. */
static int
format_tunnel(const struct wm_flow_export *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint32_t lse[WM_PKT_MAX_MPLS] = {0};
	unsigned int i;

	for (i = 0; i < WM_PKT_MAX_MPLS && i < e->n_mpls; i++)
		lse[i] = e->mpls[i] >> 8; /* label, traffic class, bottom of stack */
	fmt_outer(a, sizeof(a), e->outer_src, e->encap_flags);
	fmt_outer(b, sizeof(b), e->outer_dst, e->encap_flags);
	return snprintf(buf, len,
			"\"encapsulation\":\"%s\",\"layer2SegmentId\":%u,\"gtpTeid\":%u,"
			"\"mplsTopLabelStackSection\":%u,\"mplsLabelStackSection2\":%u,"
			"\"mplsLabelStackSection3\":%u,\"tunnelSourceAddress\":\"%s\","
			"\"tunnelDestinationAddress\":\"%s\",",
			wm_pkt_tunnel_name(e->encap),
			(e->encap_flags & WM_PKT_E_SEGMENT) ? e->segment_id : 0,
			(e->encap_flags & WM_PKT_E_TEID) ? e->gtp_teid : 0, lse[0], lse[1], lse[2],
			a, b);
}

int
wm_output_format(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		 unsigned int n_streams, char *buf, size_t len)
{
	unsigned int si;
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
		if (wm_flow_export_tunnelled(e)) {
			int k = format_tunnel(e, buf + n, n < len ? len - n : 0);

			if (k > 0)
				n += (size_t)k;
		}
	} else if (e->kind == WM_FLOW_KIND_MACSEC) {
		PUT("\"macsecSCI\":\"%016" PRIx64 "\",\"macsecAN\":%u,", e->sci, e->an);
	}
	/* The flow's own fields name an ESP or MACsec stream already. */
	for (si = 0; si < n_streams; si++)
		n += format_stream(&streams[si], streams[si].dir != 0, streams[si].dir != 0,
				   buf + n, n < len ? len - n : 0);
	PUT("\"flowEndReason\":%u,\"vlanId\":%u,\"dot1qCustomerVlanId\":%u,"
	    "\"ingressInterface\":%u}\n",
	    e->end_reason, e->vlan, e->cvlan, e->in_port);
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

/* How bad a stream is: lost first, then out of order or repeated. */
static bool
worse(const struct wm_seq_snapshot *a, const struct wm_seq_snapshot *b)
{
	uint64_t ma = a->c.late + a->c.dup + a->c.too_old, mb = b->c.late + b->c.dup + b->c.too_old;

	return a->c.lost != b->c.lost ? a->c.lost > b->c.lost : ma > mb;
}

/* A stream that ended: count it, and keep it if it is among the worst. */
static void
stream_ended(const struct wm_flow_export *e, const struct wm_seq_snapshot *st)
{
	struct wm_seq_totals *t = &wm_totals.seq;
	unsigned int i, n = t->n_worst;

	t->tracked++;
	t->lost += st->c.lost;
	if (st->c.lost != 0)
		t->with_loss++;
	if (st->c.lost + st->c.late + st->c.dup + st->c.too_old == 0)
		return;
	t->impaired++;
	if (n == WM_SEQ_WORST && !worse(st, &t->worst[n - 1].s))
		return;
	if (n < WM_SEQ_WORST)
		n++;
	for (i = n - 1; i > 0 && worse(st, &t->worst[i - 1].s); i--)
		t->worst[i] = t->worst[i - 1];
	t->worst[i].e = *e;
	t->worst[i].s = *st;
	t->n_worst = n;
}

void
wm_output_streams_ended(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
			unsigned int n_streams)
{
	unsigned int i;

	for (i = 0; i < n_streams; i++)
		stream_ended(e, &streams[i]);
}

void
wm_output_record(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		 unsigned int n_streams)
{
	unsigned int i;

	wm_totals.records++;
	wm_totals.pkts += e->pkts[0] + e->pkts[1];
	wm_totals.octets += rec_octets(e);
	if (e->end_reason < RTE_DIM(wm_totals.by_reason))
		wm_totals.by_reason[e->end_reason]++;
	top_insert(e);
	for (i = 0; i < n_streams; i++)
		if (streams[i].final)
			stream_ended(e, &streams[i]);
	if (flows_fp != NULL) {
		char line[4096];
		int n = wm_output_format(e, streams, n_streams, line, sizeof(line));

		if (n > 0 && fwrite(line, 1, (size_t)n, flows_fp) != (size_t)n)
			wm_totals.write_errors++;
	}
}

/* The packet's endpoints in a gap event line. */
static size_t
format_endpoints(const struct wm_gap_event *g, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	bool v4 = g->pkt_kind == WM_PKT_KIND_IPV4;
	int k;

	if (g->pkt_kind == WM_PKT_KIND_MACSEC || g->pkt_kind == WM_PKT_KIND_L2) {
		fmt_mac(a, sizeof(a), g->src);
		fmt_mac(b, sizeof(b), g->dst);
		k = snprintf(buf, len,
			     "\"sourceMacAddress\":\"%s\",\"destinationMacAddress\":\"%s\",", a, b);
	} else {
		inet_ntop(v4 ? AF_INET : AF_INET6, g->src, a, sizeof(a));
		inet_ntop(v4 ? AF_INET : AF_INET6, g->dst, b, sizeof(b));
		k = snprintf(buf, len,
			     "\"source%sAddress\":\"%s\",\"destination%sAddress\":\"%s\","
			     "\"sourceTransportPort\":%u,\"destinationTransportPort\":%u,"
			     "\"protocolIdentifier\":%u,",
			     v4 ? "IPv4" : "IPv6", a, v4 ? "IPv4" : "IPv6", b, g->sport, g->dport,
			     g->proto);
	}
	return k > 0 ? (size_t)k : 0;
}

int
wm_output_gap_format(const struct wm_gap_event *g, char *buf, size_t len)
{
	size_t n = 0;
	int k;

	k = snprintf(buf, len, "{\"timeNanoseconds\":%" PRIu64 ",\"event\":\"%s\",", g->ts_ns,
		     wm_seq_class_name((enum wm_seq_class)g->ev.type));
	n += k > 0 ? (size_t)k : 0;
	n += format_identity(&g->id, false, true, buf + n, n < len ? len - n : 0);
	n += format_endpoints(g, buf + n, n < len ? len - n : 0);
	k = snprintf(buf + n, n < len ? len - n : 0,
		     "\"expected\":%" PRIu64 ",\"received\":%" PRIu64 ",\"missing\":%" PRIu64
		     ",\"distance\":%" PRId64 "}\n",
		     g->ev.expected, g->ev.received, g->ev.missing, g->ev.distance);
	n += k > 0 ? (size_t)k : 0;
	return n < len ? (int)n : -ENOSPC;
}

void
wm_output_gap(const struct wm_gap_event *g)
{
	char line[1024];
	int n;

	if (gaps_fp == NULL)
		return;
	n = wm_output_gap_format(g, line, sizeof(line));
	if (n < 0 || fwrite(line, 1, (size_t)n, gaps_fp) != (size_t)n)
		wm_totals.write_errors++;
}

int
wm_output_stream_json(const struct wm_seq_snapshot *s, char *buf, size_t len)
{
	size_t n;

	if (len < 4)
		return -ENOSPC;
	buf[0] = '{';
	n = 1 + format_stream(s, false, true, buf + 1, len - 1);
	if (n + 2 > len)
		return -ENOSPC;
	buf[n - 1] = '}'; /* over the last comma */
	buf[n] = '\0';
	return (int)n;
}
