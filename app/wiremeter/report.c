/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The end of a run: the human summary on stdout and the --report JSON,
 * built from one snapshot of the counters so both say the same, with
 * conservation computed and shown:
 *   per port:  received = metered + parse errors + filtered
 *   overall:   packets in exported records = packets metered
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <rte_ethdev.h>

#include "wm_app.h"
#include "wm_cap.h"
#include "wm_evidence.h"
#include "wm_engine.h"
#include "wm_format.h"
#include "wm_output.h"
#include "wm_stats.h"

/* What the summary and the JSON say, taken once at the end of the run. */
struct report {
	struct wm_stats s;
	bool ok[WM_MAX_PORTS]; /* per port: received = metered + parse errors + filtered */
	bool all_ok;	       /* every port, and exported packets = metered */
	double cpp;	       /* busy cycles per received packet */
	struct wm_stats_figures figs;
	char line[512]; /* figs as the periodic stats line */
};

/* A wm_ipfix_field_fn: one field into a JSON object, typed as in the JSON lines. */
static int
json_field(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	char buf[WM_IPFIX_VALUE_TEXT_MAX];
	json_t *j;

	if (v->kind == WM_IPFIX_VALUE_UNSIGNED)
		j = json_integer((json_int_t)v->u);
	else if (v->kind == WM_IPFIX_VALUE_SIGNED)
		j = json_integer((json_int_t)v->i);
	else
		j = json_string(wm_ipfix_value_text(v, buf, sizeof(buf)));
	json_object_set_new(ctx, name, j);
	return 0;
}

/* A record as a JSON object, or NULL where json_loads refused its line (wm_output.h). */
static json_t *
record_json(const struct wm_flow_export *e)
{
	json_t *o;

	if (!wm_output_record_loads(e))
		return NULL;
	o = json_object();

	wm_ipfix_record_visit(e, NULL, 0, json_field, o);
	return o;
}

/* The summary's sequence part: totals and the worst streams. */
static void
seq_summary(const struct wm_app *app)
{
	const struct wm_seq_totals *t = &wm_totals.seq;
	struct wm_seq_sums ws;
	unsigned int i;

	wm_seq_sums(app, &ws);
	if (ws.streams == 0 && ws.pool_full == 0)
		return;
	printf("sequence streams: %" PRIu64 " tracked (%" PRIu64 " packets), %" PRIu64
	       " with loss, %" PRIu64 " lost; %" PRIu64 " with loss, reordering or duplicates; "
	       "%" PRIu64 " gap events (%" PRIu64 " not logged); %" PRIu64
	       " packets untracked (stream pool full)\n",
	       t->tracked, ws.pkts, t->with_loss, t->lost, t->impaired, ws.gap_events,
	       ws.gaps_dropped, ws.pool_full);
	for (i = 0; i < t->n_worst && i < WM_TOP_FLOWS; i++) {
		const struct wm_seq_snapshot *st = &t->worst[i].s;
		char line[1024];

		if (wm_output_stream_json(st, line, sizeof(line)) < 0)
			continue;
		printf("  %-6s lost %" PRIu64 " late %" PRIu64 " dup %" PRIu64 " too-old %" PRIu64
		       " gaps %" PRIu64 " restarts %" PRIu64 " %s\n",
		       wm_seq_kind_name(st->kind), st->c.lost, st->c.late, st->c.dup, st->c.too_old,
		       st->c.gap_events, st->c.restarts, line);
	}
}

static json_t *
seq_report_json(const struct wm_app *app)
{
	const struct wm_seq_totals *t = &wm_totals.seq;
	struct wm_seq_sums ws;
	json_t *o = json_object(), *worst = json_array();
	unsigned int i;

	wm_seq_sums(app, &ws);
	json_object_set_new(o, "tracked", json_integer((json_int_t)t->tracked));
	json_object_set_new(o, "packetsTracked", json_integer((json_int_t)ws.pkts));
	json_object_set_new(o, "withLoss", json_integer((json_int_t)t->with_loss));
	json_object_set_new(o, "impaired", json_integer((json_int_t)t->impaired));
	json_object_set_new(o, "lost", json_integer((json_int_t)t->lost));
	json_object_set_new(o, "gapEvents", json_integer((json_int_t)ws.gap_events));
	json_object_set_new(o, "gapEventsDropped", json_integer((json_int_t)ws.gaps_dropped));
	json_object_set_new(o, "poolFull", json_integer((json_int_t)ws.pool_full));
	json_object_set_new(o, "otherKind", json_integer((json_int_t)ws.other_kind));
	json_object_set_new(o, "endsNotCounted", json_integer((json_int_t)ws.ends_dropped));
	for (i = 0; i < t->n_worst; i++) {
		json_t *js;

		if (!wm_output_stream_loads(&t->worst[i].s))
			continue;
		js = json_object();
		wm_ipfix_stream_visit(&t->worst[i].s, WM_IPFIX_STREAM_COUNTERS, json_field, js);
		json_object_set_new(js, "direction",
				    json_string(t->worst[i].s.dir ? "reverse" : "forward"));
		json_object_set_new(js, "flow", record_json(&t->worst[i].e));
		json_array_append_new(worst, js);
	}
	json_object_set_new(o, "worst", worst);
	return o;
}

/* One file's counts by reason, delivered (damaged) ones or not (unreadable). */
static json_t *
file_reasons_json(const struct wm_pcapfile_result *r, bool delivered)
{
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++)
		if (wm_pcapfile_reason_delivered(i) == delivered)
			json_object_set_new(o, wm_pcapfile_reason_name(i),
					    json_integer((json_int_t)r->count[i]));
	return o;
}

/*
 * The capture files the ports read, and what of each could not be read
 * and why (lib/pcapfile's scan, which is what the replay delivered).
 */
json_t *
wm_report_files_json(const struct wm_app *app)
{
	json_t *files = json_array();
	uint16_t pid;
	unsigned int q;

	for (pid = 0; pid < WM_MAX_PORTS; pid++) {
		const struct wm_port *p = &app->ports[pid];

		for (q = 0; q < p->n_files; q++) {
			const struct wm_pcapfile_result *r = &p->files[q].res;
			json_t *f = json_object();

			json_object_set_new(f, "path", json_string(p->files[q].path));
			json_object_set_new(f, "portId", json_integer(pid));
			json_object_set_new(f, "queue", json_integer(q));
			json_object_set_new(f, "format",
					    json_string(wm_pcapfile_format_name(r->format)));
			json_object_set_new(f, "bytes", json_integer((json_int_t)r->size));
			json_object_set_new(f, "records", json_integer((json_int_t)r->records));
			json_object_set_new(f, "unreadableRecords",
					    json_integer((json_int_t)wm_pcapfile_unreadable(r)));
			json_object_set_new(f, "unreadable", file_reasons_json(r, false));
			json_object_set_new(f, "damaged", file_reasons_json(r, true));
			json_object_set_new(f, "stopped", json_boolean(r->stopped));
			json_object_set_new(f, "bytesNotRead",
					    json_integer((json_int_t)(r->size - r->stop_offset)));
			json_object_set_new(f, "error",
					    r->error[0] != '\0' ? json_string(r->error)
								: json_null());
			json_array_append_new(files, f);
		}
	}
	return files;
}

/*
 * The summary's files: every file on stdout with the rest of the summary,
 * and each file with something unread or damaged again on stderr, where a
 * problem is looked for.
 */
void
wm_report_files_summary(const struct wm_app *app)
{
	char line[1024];
	bool title = false;
	uint16_t pid;
	unsigned int q;

	for (pid = 0; pid < WM_MAX_PORTS; pid++) {
		const struct wm_port *p = &app->ports[pid];

		for (q = 0; q < p->n_files; q++) {
			const struct wm_pcap_file *f = &p->files[q];

			if (!title)
				printf("\ncapture files:\n");
			title = true;
			wm_pcapfile_describe(&f->res, line, sizeof(line));
			printf("  port %u queue %u %s: %s\n", pid, q, f->path, line);
			if (!wm_pcapfile_clean(&f->res))
				fprintf(stderr, "wiremeter: warning: file %s (port %u): %s\n",
					f->path, pid, line);
		}
	}
}

static void
report_take(const struct wm_app *app, double duration_s, struct report *r)
{
	const struct wm_stats_counters *t = &r->s.total;
	struct wm_stats_figures *f = &r->figs;
	unsigned int wi, e;
	uint16_t pid;

	wm_stats_take_main(app, &r->s);
	for (wi = 0; wi < app->n_workers; wi++)
		for (e = 1; e < WM_PKT_ERR_MAX; e++)
			if (r->s.worker[wi].parse_err[e] != 0)
				WM_LOG_TO(wm_logtype_pkt, DEBUG, "worker %u: %s: %" PRIu64, wi,
					  wm_pkt_error_name(e), r->s.worker[wi].parse_err[e]);
	/* A fragment absorbed into its tunnel's inner packet is metered in no record. */
	r->all_ok = r->s.pkts + t->absorbed == t->c.metered;
	RTE_ETH_FOREACH_DEV(pid) {
		const struct wm_port_counters *c = &r->s.port[pid].c;

		/*
		 * What the workers took from the port, not ipackets: a NIC
		 * counts frames it placed in the Rx ring after the workers
		 * stopped polling, which are reported apart.
		 */
		r->ok[pid] = c->rx == c->metered + c->parse_errors + c->filtered;
		r->all_ok &= r->ok[pid];
	}
	r->cpp = t->c.rx ? (double)t->busy_cycles / (double)t->c.rx : 0;
	/* The periodic stats line's figures, over the whole run. */
	f->seconds = duration_s;
	f->mpps = duration_s > 0 ? (double)r->s.ipackets / duration_s / 1e6 : 0;
	f->gbps = duration_s > 0 ? (double)r->s.ibytes * 8 / duration_s / 1e9 : 0;
	f->drops = r->s.drops;
	f->active = t->active;
	f->exported = r->s.records;
	f->seq_lost = r->s.seq_lost;
	f->seq_streams = r->s.seq_with_loss;
	f->ipfix = r->s.ipfix;
	f->ex = r->s.ex;
	wm_stats_line_format(f, r->line, sizeof(r->line));
}

static void
summary_ports(const struct wm_app *app, const struct report *r)
{
	const struct wm_port_counters *t = &r->s.total.c;
	uint16_t pid;

	printf("\nport  name                  rx-packets      rx-bytes   imissed   ierrors "
	       "rx_nombuf       taken     metered  parse-err  filtered  conservation\n");
	RTE_ETH_FOREACH_DEV(pid) {
		const struct rte_eth_stats *st = &r->s.port[pid].eth;
		const struct wm_port_counters *c = &r->s.port[pid].c;

		printf("%4u  %-18.18s %13" PRIu64 " %13" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %11" PRIu64 " %11" PRIu64 " %10" PRIu64 " %9" PRIu64 "  %s\n",
		       pid, app->ports[pid].name, st->ipackets, st->ibytes, st->imissed,
		       st->ierrors, st->rx_nombuf, c->rx, c->metered, c->parse_errors, c->filtered,
		       r->ok[pid] ? "ok" : "MISMATCH");
	}
	printf("conservation: received %" PRIu64 " = metered %" PRIu64 " + parse errors %" PRIu64
	       " + filtered %" PRIu64 "; exported packets %" PRIu64 " + fragments absorbed %" PRIu64
	       " = metered: %s\n",
	       t->rx, t->metered, t->parse_errors, t->filtered, r->s.pkts, r->s.total.absorbed,
	       r->all_ok ? "ok" : "MISMATCH");
}

/* The human summary, on stdout. */
static void
summary_text(struct wm_app *app, const struct report *r, double duration_s)
{
	const struct wm_stats_counters *t = &r->s.total;
	unsigned int i, e;

	printf("\n==== wiremeter summary ====\n");
	printf("duration %.3f s, packets metered %" PRIu64 ", octets %" PRIu64
	       ", flows created %" PRIu64 ", records exported %" PRIu64 "\n",
	       duration_s, t->c.metered, r->s.octets, t->created, r->s.records);
	printf("average %s\n", r->line);
	printf("records by end reason:");
	for (i = 1; i < WM_FLOW_END_REASONS; i++)
		printf(" %s %" PRIu64, wm_flow_end_reason_name(i), r->s.by_reason[i]);
	printf("\nevicted (table full) %" PRIu64 ", non-first fragments %" PRIu64
	       ", cycles/packet %.1f\n",
	       t->evicted, t->frag_nonfirst, r->cpp);
	printf("\ntop %u flows by octets:\n", wm_totals.n_top);
	for (i = 0; i < wm_totals.n_top; i++) {
		char line[1024];

		if (wm_output_format(&wm_totals.top[i], NULL, 0, line, sizeof(line)) > 0)
			printf("  %2u %s", i + 1, line);
	}
	for (e = 1; e < WM_PKT_TUNNEL_MAX; e++)
		if (t->tunnel_decoded[e] != 0 || t->tunnel_undecoded[e] != 0)
			printf("tunnel %-8s decoded %" PRIu64 ", undecoded (metered outer) %" PRIu64
			       "\n",
			       wm_pkt_tunnel_name(e), t->tunnel_decoded[e], t->tunnel_undecoded[e]);
	for (e = 1; e < WM_PKT_OFFLOAD_MAX; e++)
		if (t->offload[e] != 0)
			printf("%s (length from the frame) %" PRIu64 "\n", wm_pkt_offload_name(e),
			       t->offload[e]);
	printf("\nparse errors: %" PRIu64 "\n", t->c.parse_errors);
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		if (t->parse_err[e] != 0)
			printf("  %-22s %" PRIu64 "\n", wm_pkt_error_name(e), t->parse_err[e]);
	summary_ports(app, r);
	if (wm_totals.write_errors)
		printf("flows-json write errors: %" PRIu64 "\n", wm_totals.write_errors);
	seq_summary(app);
	wm_exporter_summary(app);
	wm_report_files_summary(app);
	fflush(stdout);
}

static void
set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* The parser's per-kind counters: an object per array (WM_FOREACH_PKT_ARRAY), keyed by kind. */
static void
report_pkt_counters(json_t *root, const struct wm_stats_counters *t)
{
	json_t *o;
	unsigned int e;

#define WM_X(f, n, name, key)                 \
	o = json_object();                    \
	for (e = 1; e < (n); e++)             \
		set_u64(o, name(e), t->f[e]); \
	json_object_set_new(root, key, o);
	WM_FOREACH_PKT_ARRAY(WM_X)
#undef WM_X
}

/* The run's totals, at the top level of the report. */
static void
json_totals(json_t *root, const struct report *r, double duration_s)
{
	const struct wm_stats_counters *t = &r->s.total;
	json_t *jreason = json_object(), *jerr = json_object();
	unsigned int i;

	json_object_set_new(root, "durationSeconds", json_real(duration_s));
	json_object_set_new(root, "rxMpps", json_real(r->figs.mpps));
	json_object_set_new(root, "rxGbps", json_real(r->figs.gbps));
	set_u64(root, "drops", r->figs.drops);
	set_u64(root, "packetsMetered", t->c.metered);
	set_u64(root, "octetsMetered", r->s.octets);
	set_u64(root, "flowsCreated", t->created);
	set_u64(root, "flowsExported", r->s.records);
	set_u64(root, "flowsEvicted", t->evicted);
	set_u64(root, "fragmentsNonFirst", t->frag_nonfirst);
#define WM_X(f, k, show) set_u64(root, k, t->f);
	WM_FOREACH_FRAG_COUNTER(WM_X)
#undef WM_X
	json_object_set_new(root, "cyclesPerPacket", json_real(r->cpp));
	for (i = 1; i < WM_FLOW_END_REASONS; i++)
		set_u64(jreason, wm_flow_end_reason_name(i), r->s.by_reason[i]);
	json_object_set_new(root, "flowsByEndReason", jreason);
	for (i = 1; i < WM_PKT_ERR_MAX; i++)
		set_u64(jerr, wm_pkt_error_name(i), t->parse_err[i]);
	json_object_set_new(root, "parseErrors", jerr);
	report_pkt_counters(root, t);
	set_u64(root, "flowsActiveAtEnd", t->active);
}

static json_t *
json_ports(const struct wm_app *app, const struct report *r)
{
	json_t *jports = json_array();
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		const struct rte_eth_stats *st = &r->s.port[pid].eth;
		const struct wm_port_counters *c = &r->s.port[pid].c;
		json_t *p = json_object();

		json_object_set_new(p, "portId", json_integer(pid));
		json_object_set_new(p, "name", json_string(app->ports[pid].name));
		json_object_set_new(p, "driver", json_string(app->ports[pid].driver));
		json_object_set_new(p, "rxQueues", json_integer(app->ports[pid].nb_rxq));
		json_object_set_new(p, "softwareRss", json_boolean(app->ports[pid].sw_rss));
#define WM_X(f, k) set_u64(p, k, st->f);
		WM_FOREACH_ETH_COUNTER(WM_X)
#undef WM_X
#define WM_X(f, k, pk) set_u64(p, pk, c->f);
		WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
		set_u64(p, "leftInRxRing", st->ipackets > c->rx ? st->ipackets - c->rx : 0);
		json_object_set_new(p, "conservationOk", json_boolean(r->ok[pid]));
		json_array_append_new(jports, p);
	}
	return jports;
}

static json_t *
json_conservation(const struct report *r)
{
	const struct wm_port_counters *t = &r->s.total.c;
	json_t *jcons = json_object();

#define WM_X(f, k, pk) set_u64(jcons, k, t->f);
	WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
	set_u64(jcons, "exportedPackets", r->s.pkts);
	set_u64(jcons, "fragmentsAbsorbed", r->s.total.absorbed);
	json_object_set_new(jcons, "ok", json_boolean(r->all_ok));
	return jcons;
}

static json_t *
json_workers(const struct wm_app *app, const struct report *r)
{
	json_t *jworkers = json_array();
	unsigned int wi;

	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];
		const struct wm_stats_counters *ws = &r->s.worker[wi];
		json_t *jw = json_object();

		json_object_set_new(jw, "lcore", json_integer(w->lcore_id));
		json_object_set_new(jw, "rxQueues", json_integer(w->n_rxq));
		json_object_set_new(jw, "distributor", json_boolean(w->dist != NULL));
		set_u64(jw, "packets", ws->c.rx);
		json_object_set_new(
			jw, "cyclesPerPacket",
			json_real(ws->c.rx ? (double)ws->busy_cycles / (double)ws->c.rx : 0));
#define WM_X(f, k, show)                    \
	if ((WM_SHOW_REPORT & (show)) != 0) \
		set_u64(jw, k, ws->f);
		WM_FOREACH_FLOW_COUNTER(WM_X)
		WM_FOREACH_FRAG_COUNTER(WM_X)
		WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
		json_array_append_new(jworkers, jw);
	}
	return jworkers;
}

/* The --report JSON file. */
static int
report_json(struct wm_app *app, const struct report *r, double duration_s)
{
	json_t *root = json_object(), *jtop = json_array();
	unsigned int i;
	int rc = 0;

	json_totals(root, r, duration_s);
	json_object_set_new(root, "ports", json_ports(app, r));
	for (i = 0; i < wm_totals.n_top; i++)
		json_array_append_new(jtop, record_json(&wm_totals.top[i]));
	json_object_set_new(root, "topFlows", jtop);
	json_object_set_new(root, "conservation", json_conservation(r));
	json_object_set_new(root, "workers", json_workers(app, r));
	json_object_set_new(root, "capture", wm_capture_report_json(app));
	json_object_set_new(root, "ipfix", wm_exporter_report_json(app));
	json_object_set_new(root, "seqStreams", seq_report_json(app));
	json_object_set_new(root, "files", wm_report_files_json(app));
	json_object_set_new(root, "evidence", wm_evidence_report_json());
	json_object_set_new(root, "xdp", wm_engine_report_json(app));
	if (json_dump_file(root, app->conf.report, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "wiremeter: error: --report %s: cannot write\n", app->conf.report);
		rc = -EIO;
	} else if (wm_evidence_signer() != NULL) {
		char err[600];

		if (wm_crypt_sign_file(wm_evidence_signer(), app->conf.report, err, sizeof(err)) !=
		    0) {
			fprintf(stderr, "wiremeter: error: --report: %s\n", err);
			rc = -EIO;
		}
	}
	json_decref(root);
	return rc;
}

int
wm_report_write(struct wm_app *app, double duration_s)
{
	static struct report r; /* too big for the main lcore's stack */

	report_take(app, duration_s, &r);
	summary_text(app, &r, duration_s);
	if (app->conf.report == NULL)
		return 0;
	return report_json(app, &r, duration_s);
}
