/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * GET /metrics: every counter telemetry's /wiremeter/stats shows, in the
 * Prometheus text format, read the way telemetry reads them: the
 * workers' single-writer counters with relaxed loads (wm_stats_take),
 * the main lcore's published snapshot under its lock, the capture
 * writer's status under its own. No worker is asked anything.
 *
 * Names come from the same X-macro lists telemetry and the report use
 * (wm_stats.h, wm_app.h), camelCase turned into snake_case with the
 * wiremeter_ prefix and the _total suffix of a counter; what a list
 * holds per port or per worker becomes a label, never a name.
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "wm_cap.h"
#include "wm_ctl.h"
#include "wm_http.h"
#include "wm_http_api.h"
#include "wm_stats.h"

/* What one scrape reads; taken whole before any line is written. */
struct scrape {
	struct wm_stats s;
	struct wm_ctl_snapshot snap;
	struct wm_capture_status cap;
	struct wm_http_counters http;
};

#define NAME_MAX_LEN 128

/* A family whose name is built from a list's camelCase key. */
static const char *
family(FILE *f, char *name, const char *camel, const char *type, const char *help)
{
	bool gauge = strcmp(type, "gauge") == 0;

	if (wm_prom_name(name, NAME_MAX_LEN, "wiremeter_", camel, gauge ? "" : "_total") == NULL)
		snprintf(name, NAME_MAX_LEN, "wiremeter_unnamed");
	wm_prom_family(f, name, type, help);
	return name;
}

static void
sample1(FILE *f, const char *name, const char *key, const char *value, uint64_t v)
{
	const char *labels[] = {key, value, NULL};

	wm_prom_sample(f, name, key != NULL ? labels : NULL, v);
}

/* flowsActive is how many there are now; every other list entry only grows. */
static const char *
list_type(const char *key)
{
	return strcmp(key, "flowsActive") == 0 ? "gauge" : "counter";
}

/* Per port: the workers' port counters, then what ethdev counted. */
static void
port_metrics(FILE *f, const struct scrape *sc)
{
	char name[NAME_MAX_LEN], camel[64], id[16];
	uint16_t pid;

#define WM_X(fld, k, pk)                                                               \
	snprintf(camel, sizeof(camel), "packets_%s", k);                               \
	family(f, name, camel, "counter", "Packets the workers took from a port: " k); \
	RTE_ETH_FOREACH_DEV(pid) {                                                     \
		snprintf(id, sizeof(id), "%u", pid);                                   \
		sample1(f, name, "port", id, sc->s.port[pid].c.fld);                   \
	}
	WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
	/* ethdev's names, Prometheus's way: imissed is port_rx_missed. */
#define WM_X(fld, k)                                                                   \
	snprintf(camel, sizeof(camel), "port_%s",                                      \
		 strcmp(k, "imissed") == 0   ? "rxMissed"                              \
		 : strcmp(k, "ierrors") == 0 ? "rxErrors"                              \
					     : k);                                     \
	family(f, name, camel, "counter", "ethdev's " k " of a port (rte_eth_stats)"); \
	RTE_ETH_FOREACH_DEV(pid) {                                                     \
		snprintf(id, sizeof(id), "%u", pid);                                   \
		sample1(f, name, "port", id, sc->s.port[pid].eth.fld);                 \
	}
	WM_FOREACH_ETH_COUNTER(WM_X)
#undef WM_X
}

/*
 * Per worker: flow table, fragment table and the worker's own counters.
 * flowsExported is left out: wiremeter_flows_exported_total counts the
 * same records by end reason.
 */
static void
worker_metrics(FILE *f, const struct scrape *sc, unsigned int n_workers)
{
	char name[NAME_MAX_LEN], id[16];
	unsigned int wi;

#define WM_X(fld, k, show)                                                               \
	if (strcmp(k, "flowsExported") != 0) {                                           \
		family(f, name, k, list_type(k), "A worker's " k " (/wiremeter/stats)"); \
		for (wi = 0; wi < n_workers; wi++) {                                     \
			snprintf(id, sizeof(id), "%u", wi);                              \
			sample1(f, name, "worker", id, sc->s.worker[wi].fld);            \
		}                                                                        \
	}
	WM_FOREACH_FLOW_COUNTER(WM_X)
	WM_FOREACH_FRAG_COUNTER(WM_X)
	WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
	wm_prom_family(f, "wiremeter_worker_busy_ratio", "gauge",
		       "Share of a worker's polls that found packets, over the last second");
	for (wi = 0; wi < n_workers; wi++) {
		const char *labels[] = {"worker", id, NULL};

		snprintf(id, sizeof(id), "%u", wi);
		wm_prom_sample_double(f, "wiremeter_worker_busy_ratio", labels,
				      sc->snap.busy_permille[wi] / 1000.0);
	}
}

/* The parser's reasons and kinds, summed over the workers. */
static void
parser_metrics(FILE *f, const struct scrape *sc)
{
	char name[NAME_MAX_LEN];
	unsigned int e;

	wm_prom_family(f, "wiremeter_parse_errors_total", "counter",
		       "Packets the parser refused, by reason");
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		sample1(f, "wiremeter_parse_errors_total", "reason", wm_pkt_error_name(e),
			sc->s.total.parse_err[e]);
#define WM_X(fld, n, kname, key)                                                        \
	family(f, name, key, "counter", "Packets by kind: " key " (/wiremeter/stats)"); \
	for (e = 1; e < (n); e++)                                                       \
		sample1(f, name, "kind", kname(e), sc->s.total.fld[e]);
	WM_FOREACH_PKT_ARRAY(WM_X)
#undef WM_X
}

/* The main lcore's totals: records by end reason, their packets and bytes, streams. */
static void
record_metrics(FILE *f, const struct scrape *sc)
{
	const struct wm_totals *t = &sc->snap.totals;
	unsigned int e;

	wm_prom_family(f, "wiremeter_flows_exported_total", "counter",
		       "Flow records exported, by end reason");
	for (e = 1; e < WM_FLOW_END_REASONS; e++)
		sample1(f, "wiremeter_flows_exported_total", "reason", wm_flow_end_reason_name(e),
			t->by_reason[e]);
	wm_prom_family(f, "wiremeter_exported_packets_total", "counter",
		       "Packets in the exported flow records");
	wm_prom_sample(f, "wiremeter_exported_packets_total", NULL, t->pkts);
	wm_prom_family(f, "wiremeter_exported_bytes_total", "counter",
		       "Octets in the exported flow records");
	wm_prom_sample(f, "wiremeter_exported_bytes_total", NULL, t->octets);
	wm_prom_family(f, "wiremeter_seq_lost_total", "counter",
		       "Packets lost in sequence streams that ended, by stream kind");
	for (e = 0; e < WM_SEQ_KIND_MAX; e++)
		sample1(f, "wiremeter_seq_lost_total", "kind", wm_seq_kind_name(e),
			t->seq.lost_by_kind[e]);
	wm_prom_family(f, "wiremeter_seq_streams_ended_total", "counter",
		       "Sequence streams that ended");
	wm_prom_sample(f, "wiremeter_seq_streams_ended_total", NULL, t->seq.tracked);
	wm_prom_family(f, "wiremeter_seq_streams_with_loss_total", "counter",
		       "Sequence streams that ended with loss");
	wm_prom_sample(f, "wiremeter_seq_streams_with_loss_total", NULL, t->seq.with_loss);
}

/* A collector's figure: its name, type, help and place in the struct. */
static const struct {
	const char *name, *type, *help;
	size_t off;
} collector_figures[] = {
	{"wiremeter_ipfix_messages_sent_total", "counter", "IPFIX messages sent",
	 offsetof(struct wm_exporter_collector, messages)},
	{"wiremeter_ipfix_records_sent_total", "counter", "IPFIX flow records sent",
	 offsetof(struct wm_exporter_collector, flow_records)},
	{"wiremeter_ipfix_sent_bytes_total", "counter", "IPFIX octets sent",
	 offsetof(struct wm_exporter_collector, octets)},
	{"wiremeter_ipfix_records_not_sent_total", "counter", "IPFIX flow records not sent",
	 offsetof(struct wm_exporter_collector, not_sent_flows)},
	{"wiremeter_ipfix_messages_queued", "gauge", "IPFIX messages waiting in the queue",
	 offsetof(struct wm_exporter_collector, queued)},
	{"wiremeter_ipfix_messages_dropped_total", "counter", "IPFIX messages dropped: queue full",
	 offsetof(struct wm_exporter_collector, dropped_msgs)},
	{"wiremeter_ipfix_messages_resent_total", "counter", "IPFIX messages sent again",
	 offsetof(struct wm_exporter_collector, resent)},
	{"wiremeter_ipfix_sessions_total", "counter", "Transport sessions opened",
	 offsetof(struct wm_exporter_collector, sessions)},
	{"wiremeter_ipfix_send_errors_total", "counter", "Send errors",
	 offsetof(struct wm_exporter_collector, send_errors)},
};

static void
collector_metrics(FILE *f, const struct scrape *sc)
{
	unsigned int i, c;

	for (i = 0; i < RTE_DIM(collector_figures); i++) {
		wm_prom_family(f, collector_figures[i].name, collector_figures[i].type,
			       collector_figures[i].help);
		for (c = 0; sc->snap.ipfix && c < sc->snap.n_col; c++) {
			const char *base = (const char *)&sc->snap.col[c];
			uint64_t v;

			memcpy(&v, base + collector_figures[i].off, sizeof(v));
			sample1(f, collector_figures[i].name, "collector", sc->snap.col[c].uri, v);
		}
	}
}

static void
one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	wm_prom_family(f, name, type, help);
	wm_prom_sample(f, name, NULL, v);
}

static void
capture_metrics(FILE *f, const struct scrape *sc)
{
	const struct wm_capture_status *c = &sc->cap;
	const struct wm_stats_counters *t = &sc->s.total;

	one(f, "wiremeter_capture_dropped_total", "counter",
	    "Captured packets not written: no copy, ring full or a write error",
	    t->cap_drop_pool + t->cap_drop_ring + c->dropped_write);
	one(f, "wiremeter_capture_written_packets_total", "counter", "Packets written to captures",
	    c->pkts + c->cur_pkts);
	one(f, "wiremeter_capture_written_bytes_total", "counter", "Bytes written to captures",
	    c->bytes + c->cur_bytes);
	one(f, "wiremeter_capture_files_total", "counter", "Capture files written",
	    c->files + c->cur_files);
	one(f, "wiremeter_capture_running", "gauge", "1 while a capture writes to a file",
	    c->running);
}

static void
http_metrics(FILE *f, const struct scrape *sc)
{
	static const char *const classes[] = {"2xx", "4xx", "5xx"};
	uint64_t v[] = {sc->http.status_2xx, sc->http.status_4xx, sc->http.status_5xx};
	unsigned int i;

	wm_prom_family(f, "wiremeter_http_responses_total", "counter",
		       "HTTP answers by status class");
	for (i = 0; i < RTE_DIM(classes); i++)
		sample1(f, "wiremeter_http_responses_total", "code", classes[i], v[i]);
	one(f, "wiremeter_http_unauthorized_total", "counter",
	    "HTTP requests refused for a missing or wrong token (401)", sc->http.unauthorized);
}

int
wm_http_metrics_text(const struct wm_app *app, const struct wm_http_counters *http, char **text,
		     size_t *len)
{
	struct scrape *sc = calloc(1, sizeof(*sc));
	FILE *f;

	if (sc == NULL)
		return -ENOMEM;
	if (!wm_ctl_enter()) {
		free(sc);
		return -EAGAIN;
	}
	wm_stats_take(app, &sc->s);
	wm_ctl_snapshot_read(&sc->snap);
	wm_ctl_leave();
	wm_capture_status(&sc->cap);
	sc->http = *http;
	f = open_memstream(text, len);
	if (f == NULL) {
		free(sc);
		return -ENOMEM;
	}
	port_metrics(f, sc);
	worker_metrics(f, sc, app->n_workers);
	parser_metrics(f, sc);
	record_metrics(f, sc);
	collector_metrics(f, sc);
	capture_metrics(f, sc);
	http_metrics(f, sc);
	wm_prom_family(f, "wiremeter_snapshot_age_seconds", "gauge",
		       "Age of the main lcore's published snapshot these figures come from");
	wm_prom_sample_double(f, "wiremeter_snapshot_age_seconds", NULL,
			      (double)(rte_rdtsc() - sc->snap.tsc) / rte_get_tsc_hz());
	free(sc);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}
