/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The record sink on the main lcore: every flow record taken from the
 * workers' rings passes here once. It writes the JSON line, adds to the
 * totals and keeps the top flows for the summary. Only the main lcore
 * calls these functions.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_app.h"
#include "wm_cap.h"
#include "wm_evidence.h"
#include "wm_output.h"
#include "wm_rank.h"

struct wm_totals wm_totals;

static FILE *flows_fp;
static char *flows_buf;
static FILE *gaps_fp;

int
wm_output_open(const struct wm_conf *conf)
{
	char err[600];

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
		gaps_fp = wm_evidence_fopen(conf->gaps_json, false, err, sizeof(err));
		if (gaps_fp == NULL) {
			fprintf(stderr, "wiremeter: error: --gaps-json %s\n", err);
			return -EINVAL;
		}
	}
	if (conf->flows_json == NULL)
		return 0;
	flows_fp = wm_evidence_fopen(conf->flows_json, false, err, sizeof(err));
	if (flows_fp == NULL) {
		fprintf(stderr, "wiremeter: error: --flows-json %s\n", err);
		return -EINVAL;
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
	char err[600];
	FILE *f;

	if (*fp == NULL)
		return 0;
	f = wm_evidence_fopen(path, true, err, sizeof(err));
	if (f == NULL) {
		WM_LOG(ERR, "%s %s: cannot reopen; still writing the old file", what, err);
		return -EIO;
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

/*
 * The two JSON files here and the file: collectors (through their
 * transport's flush). Each holds whole lines or whole messages (they are
 * written with one fwrite each), so a reader tailing a file never sees
 * half of one at a flush.
 */
static void
flush_all(void)
{
	if (flows_fp != NULL && fflush(flows_fp) != 0)
		wm_totals.write_errors++;
	if (gaps_fp != NULL && fflush(gaps_fp) != 0)
		wm_totals.write_errors++;
	wm_totals.write_errors += wm_exporter_flush();
}

void
wm_output_flush_tick(unsigned int work, uint64_t now_tsc, uint64_t period_tsc)
{
	static bool dirty;    /* work since the last flush */
	static uint64_t last; /* when the last flush was, or the last loop with nothing to flush */

	if (work > 0)
		dirty = true;
	if (!dirty) {
		last = now_tsc;
		return;
	}
	if (work == 0 || now_tsc - last >= period_tsc) {
		flush_all();
		dirty = false;
		last = now_tsc;
	}
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

/*
 * A JSON object written into a caller's buffer: n counts the bytes it
 * takes, written or not, so a short buffer is found at the end.
 */
struct json_text {
	char *buf;
	size_t len; /* the buffer's size */
	size_t n;   /* bytes of the text so far */
	bool first; /* no field written yet: no comma before the next */
};

static void __attribute__((format(printf, 2, 3)))
text_put(struct json_text *t, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(t->n < t->len ? t->buf + t->n : NULL, t->n < t->len ? t->len - t->n : 0, fmt,
		      ap);
	va_end(ap);
	if (k > 0)
		t->n += (size_t)k;
}

/*
 * A JSON string's characters: quotes and backslashes escaped, control
 * characters dropped (a string value may be a user's file name).
 */
static void
text_escaped(struct json_text *t, const char *s)
{
	static const char special[] = "\"\\\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
				      "\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18"
				      "\x19\x1a\x1b\x1c\x1d\x1e\x1f";
	size_t run;

	/* The plain runs in one printf each: most strings are one run. */
	while (s != NULL && *s != '\0') {
		run = strcspn(s, special);
		text_put(t, "%.*s", (int)run, s);
		s += run;
		if (*s == '"' || *s == '\\')
			text_put(t, "\\%c", *s);
		if (*s != '\0')
			s++;
	}
}

/* A wm_ipfix_field_fn: one "name":value member, numbers bare, text quoted. */
static int
text_field(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	struct json_text *t = ctx;
	const char *sep = t->first ? "" : ",";
	char buf[WM_IPFIX_VALUE_TEXT_MAX];

	/* Most fields are counters: one printf for them (every record passes here). */
	if (v->kind == WM_IPFIX_VALUE_UNSIGNED) {
		text_put(t, "%s\"%s\":%" PRIu64, sep, name, v->u);
	} else if (v->kind == WM_IPFIX_VALUE_STRING) {
		text_put(t, "%s\"%s\":\"", sep, name);
		text_escaped(t, v->s);
		text_put(t, "\"");
	} else {
		text_put(t, wm_ipfix_value_is_number(v) ? "%s\"%s\":%s" : "%s\"%s\":\"%s\"", sep,
			 name, wm_ipfix_value_text(v, buf, sizeof(buf)));
	}
	t->first = false;
	return 0;
}

int
wm_output_format(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		 unsigned int n_streams, char *buf, size_t len)
{
	struct json_text t = {.buf = buf, .len = len, .n = 0, .first = true};

	text_put(&t, "{");
	wm_ipfix_record_visit(e, streams, n_streams, text_field, &t);
	text_put(&t, "}\n");
	return t.n < len ? (int)t.n : -ENOSPC;
}

/* A wm_ipfix_field_fn: 1 at a number jansson cannot read (above INT64_MAX). */
static int
past_json_int(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	(void)ctx;
	(void)name;
	return v->kind == WM_IPFIX_VALUE_UNSIGNED && v->u > INT64_MAX;
}

bool
wm_output_record_loads(const struct wm_flow_export *e)
{
	return wm_ipfix_record_visit(e, NULL, 0, past_json_int, NULL) == 0;
}

bool
wm_output_stream_loads(const struct wm_seq_snapshot *s)
{
	return wm_ipfix_stream_visit(s, WM_IPFIX_STREAM_COUNTERS, past_json_int, NULL) == 0;
}

bool
wm_output_gap_loads(const struct wm_gap_event *g)
{
	return wm_output_gap_visit(g, past_json_int, NULL) == 0;
}

static uint64_t
rec_octets(const struct wm_flow_export *e)
{
	return e->octets[0] + e->octets[1];
}

/* Rank of the top flows: more octets first. */
static bool
more_octets(const void *a, const void *b)
{
	return rec_octets(a) > rec_octets(b);
}

/* Rank of the worst streams. */
static bool
stream_rec_worse(const void *a, const void *b)
{
	return wm_stream_worse(&((const struct wm_stream_rec *)a)->s,
			       &((const struct wm_stream_rec *)b)->s);
}

/* A stream that ended: count it, and keep it if it is among the worst. */
static void
stream_ended(const struct wm_flow_export *e, const struct wm_seq_snapshot *st)
{
	struct wm_seq_totals *t = &wm_totals.seq;
	struct wm_stream_rec r;

	t->tracked++;
	t->lost += st->c.lost;
	if (st->kind < WM_SEQ_KIND_MAX)
		t->lost_by_kind[st->kind] += st->c.lost;
	if (st->c.lost != 0)
		t->with_loss++;
	if (st->c.lost + st->c.late + st->c.dup + st->c.too_old == 0)
		return;
	t->impaired++;
	if (t->n_worst == WM_SEQ_WORST && !wm_stream_worse(st, &t->worst[WM_SEQ_WORST - 1].s))
		return; /* not copied for nothing: most streams end unremarkable */
	r.e = *e;
	r.s = *st;
	t->n_worst =
		wm_rank_insert(t->worst, t->n_worst, WM_SEQ_WORST, sizeof(r), &r, stream_rec_worse);
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
	wm_totals.n_top = wm_rank_insert(wm_totals.top, wm_totals.n_top, WM_TOP_FLOWS, sizeof(*e),
					 e, more_octets);
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

/* A number or a text as a visited value. */
static int
gap_u64(wm_ipfix_field_fn fn, void *ctx, const char *name, uint64_t u)
{
	struct wm_ipfix_value v = {.kind = WM_IPFIX_VALUE_UNSIGNED, .u = u};

	return fn(ctx, name, &v);
}

static int
gap_bytes(wm_ipfix_field_fn fn, void *ctx, uint16_t ie, enum wm_ipfix_value_kind kind,
	  const uint8_t *bytes)
{
	struct wm_ipfix_value v = {.kind = kind, .bytes = bytes};

	return fn(ctx, wm_ipfix_ie_name(ie), &v);
}

/* The packet's endpoints in a gap event, named as in the flow records. */
static int
gap_endpoints(const struct wm_gap_event *g, wm_ipfix_field_fn fn, void *ctx)
{
	const bool v4 = g->pkt_kind == WM_PKT_KIND_IPV4;
	const enum wm_ipfix_value_kind k = v4 ? WM_IPFIX_VALUE_IPV4 : WM_IPFIX_VALUE_IPV6;
	int rc;

	if (g->pkt_kind == WM_PKT_KIND_MACSEC || g->pkt_kind == WM_PKT_KIND_L2) {
		rc = gap_bytes(fn, ctx, IPFIX_IE_SOURCE_MAC_ADDRESS, WM_IPFIX_VALUE_MAC, g->src);
		return rc != 0 ? rc
			       : gap_bytes(fn, ctx, IPFIX_IE_DESTINATION_MAC_ADDRESS,
					   WM_IPFIX_VALUE_MAC, g->dst);
	}
	rc = gap_bytes(fn, ctx, v4 ? IPFIX_IE_SOURCE_IPV4_ADDRESS : IPFIX_IE_SOURCE_IPV6_ADDRESS, k,
		       g->src);
	if (rc == 0)
		rc = gap_bytes(fn, ctx,
			       v4 ? IPFIX_IE_DESTINATION_IPV4_ADDRESS
				  : IPFIX_IE_DESTINATION_IPV6_ADDRESS,
			       k, g->dst);
	if (rc == 0)
		rc = gap_u64(fn, ctx, wm_ipfix_ie_name(IPFIX_IE_SOURCE_TRANSPORT_PORT), g->sport);
	if (rc == 0)
		rc = gap_u64(fn, ctx, wm_ipfix_ie_name(IPFIX_IE_DESTINATION_TRANSPORT_PORT),
			     g->dport);
	return rc == 0 ? gap_u64(fn, ctx, wm_ipfix_ie_name(IPFIX_IE_PROTOCOL_IDENTIFIER), g->proto)
		       : rc;
}

/*
 * Where the capture wrote the event's revealing packet: the file and its
 * 1-based index in it. Only once it is written (cap_packet is then not 0).
 */
static int
gap_capture(const struct wm_gap_event *g, wm_ipfix_field_fn fn, void *ctx)
{
	char name[1024];
	struct wm_ipfix_value file = {.kind = WM_IPFIX_VALUE_STRING, .s = name};
	int rc;

	/* A copy: the writer thread may reuse the slot meanwhile. */
	file.s = wm_capture_file_name(g->cap_file, false, name, sizeof(name)) ? name : NULL;
	rc = fn(ctx, "captureFile", &file);

	return rc == 0 ? gap_u64(fn, ctx, "capturePacket", g->cap_packet) : rc;
}

int
wm_output_gap_visit(const struct wm_gap_event *g, wm_ipfix_field_fn fn, void *ctx)
{
	struct wm_ipfix_value ev = {.kind = WM_IPFIX_VALUE_STRING,
				    .s = wm_seq_class_name((enum wm_seq_class)g->ev.type)};
	struct wm_ipfix_value dist = {.kind = WM_IPFIX_VALUE_SIGNED, .i = g->ev.distance};
	int rc = gap_u64(fn, ctx, "timeNanoseconds", g->ts_ns);

	if (rc == 0)
		rc = fn(ctx, "event", &ev);
	if (rc == 0)
		rc = wm_ipfix_stream_visit(&g->id, 0, fn, ctx);
	if (rc == 0)
		rc = gap_endpoints(g, fn, ctx);
	if (rc == 0)
		rc = gap_u64(fn, ctx, "expected", g->ev.expected);
	if (rc == 0)
		rc = gap_u64(fn, ctx, "received", g->ev.received);
	if (rc == 0)
		rc = gap_u64(fn, ctx, "missing", g->ev.missing);
	if (rc == 0)
		rc = fn(ctx, "distance", &dist);
	return rc == 0 && g->cap_packet != 0 ? gap_capture(g, fn, ctx) : rc;
}

int
wm_output_gap_format(const struct wm_gap_event *g, char *buf, size_t len)
{
	struct json_text t = {.buf = buf, .len = len, .n = 0, .first = true};

	text_put(&t, "{");
	wm_output_gap_visit(g, text_field, &t);
	text_put(&t, "}\n");
	return t.n < len ? (int)t.n : -ENOSPC;
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
	struct json_text t = {.buf = buf, .len = len, .n = 0, .first = true};

	text_put(&t, "{");
	wm_ipfix_stream_visit(s, WM_IPFIX_STREAM_COUNTERS, text_field, &t);
	text_put(&t, "}");
	return t.n < len ? (int)t.n : -ENOSPC;
}
