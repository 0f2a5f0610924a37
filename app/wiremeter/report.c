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
#include "wm_ctl.h"
#include "wm_output.h"

static const char *const reason_names[6] = {
	"", "idleTimeout", "activeTimeout", "endOfFlow", "forcedEnd", "lackOfResources",
};

struct port_snap {
	struct rte_eth_stats st;
	struct wm_port_counters c;
	bool ok;
};

static json_t *
record_json(const struct wm_flow_export *e)
{
	char line[1024];

	if (wm_output_format(e, NULL, 0, line, sizeof(line)) < 0)
		return json_null();
	return json_loads(line, 0, NULL);
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
		char line[2048];
		json_t *js;

		if (wm_output_stream_json(&t->worst[i].s, line, sizeof(line)) < 0)
			continue;
		js = json_loads(line, 0, NULL);
		if (js == NULL)
			continue;
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

int
wm_report_write(struct wm_app *app, double duration_s)
{
	static struct port_snap ps[WM_MAX_PORTS];
	uint64_t parse_err[WM_PKT_ERR_MAX] = {0};
	uint64_t metered = 0, perr = 0, filtered = 0, rx = 0, cycles = 0, frag = 0;
	uint64_t active = 0, created = 0, evicted = 0;
	struct wm_stats_figures figs = {0};
	char line[512];
	bool all_ok = true;
	unsigned int wi, e, i;
	json_t *root, *jports, *jerr, *jtop, *jreason, *jcons, *jworkers;
	uint16_t pid;
	double cpp;
	int rc = 0;

	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];
		const struct wm_flow_stats *fs = wm_flow_table_stats(w->flows);

		for (e = 0; e < WM_PKT_ERR_MAX; e++) {
			parse_err[e] += w->parse_err[e];
			if (e != 0 && w->parse_err[e] != 0)
				WM_LOG_TO(wm_logtype_pkt, DEBUG, "worker %u: %s: %" PRIu64, wi,
					  wm_pkt_error_name(e), w->parse_err[e]);
		}
		RTE_ETH_FOREACH_DEV(pid) {
			ps[pid].c.rx += w->port[pid].rx;
			ps[pid].c.metered += w->port[pid].metered;
			ps[pid].c.parse_errors += w->port[pid].parse_errors;
			ps[pid].c.filtered += w->port[pid].filtered;
		}
		cycles += w->busy_cycles;
		frag += w->frag_nonfirst;
		active += fs->active;
		created += fs->created;
		evicted += fs->evicted;
	}
	RTE_ETH_FOREACH_DEV(pid) {
		struct port_snap *s = &ps[pid];

		rte_eth_stats_get(pid, &s->st);
		/*
		 * What the workers took from the port, not ipackets: a NIC
		 * counts frames it placed in the Rx ring after the workers
		 * stopped polling, which are reported apart.
		 */
		s->ok = s->c.rx == s->c.metered + s->c.parse_errors + s->c.filtered;
		all_ok &= s->ok;
		metered += s->c.metered;
		perr += s->c.parse_errors;
		filtered += s->c.filtered;
		rx += s->c.rx;
	}
	all_ok &= wm_totals.pkts == metered;
	cpp = rx ? (double)cycles / (double)rx : 0;

	/* The periodic stats line's figures, over the whole run. */
	figs.seconds = duration_s;
	RTE_ETH_FOREACH_DEV(pid) {
		figs.mpps += (double)ps[pid].st.ipackets;
		figs.gbps += (double)ps[pid].st.ibytes * 8;
		figs.drops += ps[pid].st.imissed + ps[pid].st.rx_nombuf + ps[pid].st.ierrors;
	}
	figs.mpps = duration_s > 0 ? figs.mpps / duration_s / 1e6 : 0;
	figs.gbps = duration_s > 0 ? figs.gbps / duration_s / 1e9 : 0;
	figs.active = active;
	figs.exported = wm_totals.records;
	figs.seq_lost = wm_totals.seq.lost;
	figs.seq_streams = wm_totals.seq.with_loss;
	figs.ipfix = wm_exporter_enabled();
	if (figs.ipfix)
		wm_exporter_totals(&figs.ex);
	wm_stats_line_format(&figs, line, sizeof(line));

	/* The human summary. */
	printf("\n==== wiremeter summary ====\n");
	printf("duration %.3f s, packets metered %" PRIu64 ", octets %" PRIu64
	       ", flows created %" PRIu64 ", records exported %" PRIu64 "\n",
	       duration_s, metered, wm_totals.octets, created, wm_totals.records);
	printf("average %s\n", line);
	printf("records by end reason:");
	for (i = 1; i < 6; i++)
		printf(" %s %" PRIu64, reason_names[i], wm_totals.by_reason[i]);
	printf("\nevicted (table full) %" PRIu64 ", non-first fragments %" PRIu64
	       ", cycles/packet %.1f\n",
	       evicted, frag, cpp);
	printf("\ntop %u flows by octets:\n", wm_totals.n_top);
	for (i = 0; i < wm_totals.n_top; i++) {
		char line[1024];

		if (wm_output_format(&wm_totals.top[i], NULL, 0, line, sizeof(line)) > 0)
			printf("  %2u %s", i + 1, line);
	}
	printf("\nparse errors: %" PRIu64 "\n", perr);
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		if (parse_err[e] != 0)
			printf("  %-22s %" PRIu64 "\n", wm_pkt_error_name(e), parse_err[e]);
	printf("\nport  name                  rx-packets      rx-bytes   imissed   ierrors "
	       "rx_nombuf       taken     metered  parse-err  filtered  conservation\n");
	RTE_ETH_FOREACH_DEV(pid) {
		const struct port_snap *s = &ps[pid];

		printf("%4u  %-18.18s %13" PRIu64 " %13" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %11" PRIu64 " %11" PRIu64 " %10" PRIu64 " %9" PRIu64 "  %s\n",
		       pid, app->ports[pid].name, s->st.ipackets, s->st.ibytes, s->st.imissed,
		       s->st.ierrors, s->st.rx_nombuf, s->c.rx, s->c.metered, s->c.parse_errors,
		       s->c.filtered, s->ok ? "ok" : "MISMATCH");
	}
	printf("conservation: received %" PRIu64 " = metered %" PRIu64 " + parse errors %" PRIu64
	       " + filtered %" PRIu64 "; exported packets %" PRIu64 " = metered: %s\n",
	       rx, metered, perr, filtered, wm_totals.pkts, all_ok ? "ok" : "MISMATCH");
	if (wm_totals.write_errors)
		printf("flows-json write errors: %" PRIu64 "\n", wm_totals.write_errors);
	seq_summary(app);
	wm_exporter_summary(app);
	wm_report_files_summary(app);
	fflush(stdout);

	if (app->conf.report == NULL)
		return 0;

	root = json_object();
	json_object_set_new(root, "durationSeconds", json_real(duration_s));
	json_object_set_new(root, "rxMpps", json_real(figs.mpps));
	json_object_set_new(root, "rxGbps", json_real(figs.gbps));
	json_object_set_new(root, "drops", json_integer((json_int_t)figs.drops));
	json_object_set_new(root, "packetsMetered", json_integer((json_int_t)metered));
	json_object_set_new(root, "octetsMetered", json_integer((json_int_t)wm_totals.octets));
	json_object_set_new(root, "flowsCreated", json_integer((json_int_t)created));
	json_object_set_new(root, "flowsExported", json_integer((json_int_t)wm_totals.records));
	json_object_set_new(root, "flowsEvicted", json_integer((json_int_t)evicted));
	json_object_set_new(root, "fragmentsNonFirst", json_integer((json_int_t)frag));
	json_object_set_new(root, "cyclesPerPacket", json_real(cpp));
	jreason = json_object();
	for (i = 1; i < 6; i++)
		json_object_set_new(jreason, reason_names[i],
				    json_integer((json_int_t)wm_totals.by_reason[i]));
	json_object_set_new(root, "flowsByEndReason", jreason);
	jerr = json_object();
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		json_object_set_new(jerr, wm_pkt_error_name(e),
				    json_integer((json_int_t)parse_err[e]));
	json_object_set_new(root, "parseErrors", jerr);
	jports = json_array();
	RTE_ETH_FOREACH_DEV(pid) {
		const struct port_snap *s = &ps[pid];
		json_t *p = json_object();

		json_object_set_new(p, "portId", json_integer(pid));
		json_object_set_new(p, "name", json_string(app->ports[pid].name));
		json_object_set_new(p, "driver", json_string(app->ports[pid].driver));
		json_object_set_new(p, "rxQueues", json_integer(app->ports[pid].nb_rxq));
		json_object_set_new(p, "softwareRss", json_boolean(app->ports[pid].sw_rss));
		json_object_set_new(p, "rxPackets", json_integer((json_int_t)s->st.ipackets));
		json_object_set_new(p, "rxBytes", json_integer((json_int_t)s->st.ibytes));
		json_object_set_new(p, "imissed", json_integer((json_int_t)s->st.imissed));
		json_object_set_new(p, "ierrors", json_integer((json_int_t)s->st.ierrors));
		json_object_set_new(p, "rxNoMbuf", json_integer((json_int_t)s->st.rx_nombuf));
		json_object_set_new(p, "rxTaken", json_integer((json_int_t)s->c.rx));
		json_object_set_new(p, "leftInRxRing",
				    json_integer(s->st.ipackets > s->c.rx
							 ? (json_int_t)(s->st.ipackets - s->c.rx)
							 : 0));
		json_object_set_new(p, "metered", json_integer((json_int_t)s->c.metered));
		json_object_set_new(p, "parseErrors", json_integer((json_int_t)s->c.parse_errors));
		json_object_set_new(p, "filtered", json_integer((json_int_t)s->c.filtered));
		json_object_set_new(p, "conservationOk", json_boolean(s->ok));
		json_array_append_new(jports, p);
	}
	json_object_set_new(root, "ports", jports);
	jtop = json_array();
	for (i = 0; i < wm_totals.n_top; i++)
		json_array_append_new(jtop, record_json(&wm_totals.top[i]));
	json_object_set_new(root, "topFlows", jtop);
	jcons = json_object();
	json_object_set_new(jcons, "received", json_integer((json_int_t)rx));
	json_object_set_new(jcons, "metered", json_integer((json_int_t)metered));
	json_object_set_new(jcons, "parseErrors", json_integer((json_int_t)perr));
	json_object_set_new(jcons, "filtered", json_integer((json_int_t)filtered));
	json_object_set_new(jcons, "exportedPackets", json_integer((json_int_t)wm_totals.pkts));
	json_object_set_new(jcons, "ok", json_boolean(all_ok));
	json_object_set_new(root, "conservation", jcons);
	json_object_set_new(root, "flowsActiveAtEnd", json_integer((json_int_t)active));
	jworkers = json_array();
	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];
		const struct wm_flow_stats *fs = wm_flow_table_stats(w->flows);
		json_t *jw = json_object();
		uint64_t taken = 0;

		RTE_ETH_FOREACH_DEV(pid)
			taken += w->port[pid].rx;
		json_object_set_new(jw, "lcore", json_integer(w->lcore_id));
		json_object_set_new(jw, "rxQueues", json_integer(w->n_rxq));
		json_object_set_new(jw, "distributor", json_boolean(w->dist != NULL));
		json_object_set_new(jw, "packets", json_integer((json_int_t)taken));
		json_object_set_new(jw, "busyCycles", json_integer((json_int_t)w->busy_cycles));
		json_object_set_new(jw, "cyclesPerPacket",
				    json_real(taken ? (double)w->busy_cycles / (double)taken : 0));
		json_object_set_new(jw, "rxStalls", json_integer((json_int_t)w->rx_stalls));
		json_object_set_new(jw, "flowsCreated", json_integer((json_int_t)fs->created));
		json_object_set_new(jw, "flowsEvicted", json_integer((json_int_t)fs->evicted));
		json_object_set_new(jw, "notMetered", json_integer((json_int_t)fs->not_metered));
		json_array_append_new(jworkers, jw);
	}
	json_object_set_new(root, "workers", jworkers);
	json_object_set_new(root, "ipfix", wm_exporter_report_json(app));
	json_object_set_new(root, "seqStreams", seq_report_json(app));
	json_object_set_new(root, "files", wm_report_files_json(app));

	if (json_dump_file(root, app->conf.report, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "wiremeter: error: --report %s: cannot write\n", app->conf.report);
		rc = -EIO;
	}
	json_decref(root);
	return rc;
}
