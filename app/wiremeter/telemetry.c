/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * wiremeter's DPDK telemetry commands, for dpdk-telemetry.py and any
 * client of the v2 socket (/var/run/dpdk/<prefix>/dpdk_telemetry.v2):
 *
 *   /wiremeter/stats[,SECTION]  totals, ports, workers, IPFIX collectors
 *   /wiremeter/lcores           role, socket, queues, busy ratio per lcore
 *   /wiremeter/flows[,N][,SORT] top N active flows by octets or packets, keyed by rank
 *   /wiremeter/flow,KEY         one active flow
 *   /wiremeter/streams[,N]      sequence streams: ended totals, worst ended, worst live
 *   /wiremeter/gaps[,N]         the latest gap events, keyed by age ("1" the newest)
 *   /wiremeter/config           the running configuration
 *
 * The callbacks run on telemetry's threads, one per client, not on an
 * lcore. They only read: counters that have one writer (relaxed loads),
 * the main lcore's published snapshot (copied under its lock), and for
 * anything in a worker's flow table, the answers workers give to
 * requests (ctl.c). Flows, streams and gap events carry the same IPFIX
 * names, in the same order, as the JSON lines: the same visitors
 * (wm_ipfix_record_visit, wm_ipfix_stream_visit, wm_output_gap_visit)
 * walk them into the dicts.
 *
 * DPDK 22.11 telemetry nests one level (a dict, or an array of
 * scalars, inside the answer's dict; an array cannot hold dicts), takes
 * names of letters, digits, '_' and '/' only, and answers at most
 * 16 KB. Hence lists of flows, lcores and gap events as dicts keyed by
 * rank or id ("1", "2", ...), flat keys ("port0", "seq/esp/window") and
 * the caps on N.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>

#define WM_LOGTYPE wm_logtype_ctl

#include "wm_ctl.h"
#include "wm_flow_key.h"
#include "wm_format.h"
#include "wm_stats.h"
#include "wm_telemetry.h"

/*
 * Answers must fit telemetry's 16 KB (22.11 leaves out what does not fit): a flow
 * takes up to about 650 bytes (IPv6), a stream 850, a gap event 450.
 */
#define TEL_MAX_FLOWS 24
#define TEL_MAX_STREAMS 8
#define TEL_MAX_GAPS 32

/* One JSON scalar as a telemetry value; reals and null become strings. */
static void
tel_put(struct rte_tel_data *d, const char *key, json_t *v)
{
	char text[64];

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);

		if (x >= 0)
			rte_tel_data_add_dict_u64(d, key, (uint64_t)x);
		else
			rte_tel_data_add_dict_int(d, key, (int)x);
	} else if (json_is_string(v)) {
		rte_tel_data_add_dict_string(d, key, json_string_value(v));
	} else if (json_is_boolean(v)) {
		rte_tel_data_add_dict_int(d, key, json_is_true(v));
	} else if (json_is_real(v)) {
		snprintf(text, sizeof(text), "%.15g", json_real_value(v));
		rte_tel_data_add_dict_string(d, key, text);
	} else {
		rte_tel_data_add_dict_string(d, key, "");
	}
}

/*
 * A wm_ipfix_field_fn: one field into a telemetry dict, numbers as
 * numbers (a negative one as an int, as tel_put has it), the rest as the
 * JSON lines' text.
 */
static int
tel_field(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	struct rte_tel_data *d = ctx;
	char buf[WM_IPFIX_VALUE_TEXT_MAX];

	if (v->kind == WM_IPFIX_VALUE_SIGNED && v->i < 0)
		rte_tel_data_add_dict_int(d, name, (int)v->i);
	else if (v->kind == WM_IPFIX_VALUE_SIGNED)
		rte_tel_data_add_dict_u64(d, name, (uint64_t)v->i);
	else if (v->kind == WM_IPFIX_VALUE_UNSIGNED)
		rte_tel_data_add_dict_u64(d, name, v->u);
	else
		rte_tel_data_add_dict_string(d, name, wm_ipfix_value_text(v, buf, sizeof(buf)));
	return 0;
}

/* A flow as a dict, with the JSON lines' names. */
static struct rte_tel_data *
flow_dict(const struct wm_flow_export *e)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	if (wm_output_record_loads(e))
		wm_ipfix_record_visit(e, NULL, 0, tel_field, d);
	return d;
}

/* The fields of a flow that say where a stream is. */
static bool
endpoint_key(const char *k)
{
	return strncmp(k, "source", 6) == 0 || strncmp(k, "destination", 11) == 0 ||
	       strcmp(k, "protocolIdentifier") == 0 || strcmp(k, "vlanId") == 0 ||
	       strcmp(k, "ethernetType") == 0 || strcmp(k, "ipsecSPI") == 0 ||
	       strcmp(k, "macsecSCI") == 0 || strcmp(k, "macsecAN") == 0;
}

/* tel_field for the endpoint fields only. */
static int
tel_endpoint_field(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	return endpoint_key(name) ? tel_field(ctx, name, v) : 0;
}

/* A stream as a dict: its flow's endpoints, its direction, identity and counters. */
static struct rte_tel_data *
stream_dict(const struct wm_flow_export *e, const struct wm_seq_snapshot *s)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d == NULL)
		return NULL;
	rte_tel_data_start_dict(d);
	if (wm_output_record_loads(e))
		wm_ipfix_record_visit(e, NULL, 0, tel_endpoint_field, d);
	rte_tel_data_add_dict_string(d, "direction", s->dir ? "reverse" : "forward");
	if (wm_output_stream_loads(s))
		wm_ipfix_stream_visit(s, WM_IPFIX_STREAM_COUNTERS, tel_field, d);
	return d;
}

/* Read N from "N" or "N,...": default when empty, -EINVAL when not a number. */
static long
param_count(const char *params, long def)
{
	char *end;
	long n;

	if (params == NULL || params[0] == '\0')
		return def;
	n = strtol(params, &end, 10);
	if (end == params || (*end != '\0' && *end != ',') || n < 0)
		return -EINVAL;
	return n;
}

int
wm_tel_parse_count(const char *params, unsigned int def, unsigned int max, unsigned int *n)
{
	long v = param_count(params, def);

	if (v < 0)
		return -EINVAL;
	*n = (unsigned int)RTE_MIN(v, (long)max);
	return 0;
}

int
wm_tel_parse_stats(const char *params, unsigned int *sections)
{
	static const char *const names[] = {"totals", "ports", "workers", "ipfix"};
	unsigned int i;

	*sections = 0xf;
	if (params == NULL || params[0] == '\0')
		return 0;
	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(params, names[i]) == 0)
			*sections = 1u << i;
	return *sections == 0xf ? -EINVAL : 0;
}

int
wm_tel_parse_flows(const char *params, unsigned int *n, enum wm_flow_sort *sort)
{
	const char *s = NULL;
	long v = 10;

	/* "N", "N,SORT" or "SORT". */
	if (params != NULL && params[0] >= '0' && params[0] <= '9') {
		v = param_count(params, 10);
		s = strchr(params, ',');
		s = s != NULL ? s + 1 : NULL;
	} else if (params != NULL && params[0] != '\0') {
		s = params;
	}
	if (v < 0)
		return -EINVAL;
	*sort = WM_FLOW_SORT_OCTETS;
	if (s != NULL && strcmp(s, "packets") == 0)
		*sort = WM_FLOW_SORT_PACKETS;
	else if (s != NULL && strcmp(s, "octets") != 0)
		return -EINVAL;
	*n = (unsigned int)RTE_MIN(RTE_MAX(v, 1L), (long)TEL_MAX_FLOWS);
	return 0;
}

/* ---- /wiremeter/stats ---- */

static struct rte_tel_data *
dict_new(void)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	if (d != NULL)
		rte_tel_data_start_dict(d);
	return d;
}

static void
add_section(struct rte_tel_data *d, const char *name, struct rte_tel_data *sub)
{
	if (sub != NULL && rte_tel_data_add_dict_container(d, name, sub, 0) != 0)
		rte_tel_data_free(sub);
}

/* The parser's per-kind counters: a section per array (WM_FOREACH_PKT_ARRAY), keyed by kind. */
static void
add_pkt_counters(struct rte_tel_data *d, const struct wm_stats_counters *c)
{
	struct rte_tel_data *sub;
	unsigned int e;

#define WM_X(f, n, name, key)                                     \
	sub = dict_new();                                         \
	for (e = 1; sub != NULL && e < (n); e++)                  \
		rte_tel_data_add_dict_u64(sub, name(e), c->f[e]); \
	add_section(d, key, sub);
	WM_FOREACH_PKT_ARRAY(WM_X)
#undef WM_X
}

/* A worker's, or all workers', port and flow table counters, in list order. */
static void
add_counters(struct rte_tel_data *p, const struct wm_stats_counters *c)
{
#define WM_X(f, k, pk) rte_tel_data_add_dict_u64(p, k, c->c.f);
	WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
#define WM_X(f, k, show)                 \
	if ((WM_SHOW_TEL & (show)) != 0) \
		rte_tel_data_add_dict_u64(p, k, c->f);
	WM_FOREACH_FLOW_COUNTER(WM_X)
	WM_FOREACH_FRAG_COUNTER(WM_X)
#undef WM_X
}

/*
 * A worker's own counters the telemetry shows, in list order, with the
 * busy ratio (the snapshot's, of busyCycles over the last second) beside
 * busyCycles.
 */
static void
add_worker_counters(struct rte_tel_data *p, const struct wm_stats_counters *ws,
		    uint32_t busy_permille)
{
#define WM_X(f, k, show)                                \
	if ((WM_SHOW_TEL & (show)) != 0)                \
		rte_tel_data_add_dict_u64(p, k, ws->f); \
	if (&ws->f == &ws->busy_cycles)                 \
		rte_tel_data_add_dict_u64(p, "busyPermille", busy_permille);
	WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
}

static void
stats_totals(struct rte_tel_data *d, const struct wm_stats *s, const struct wm_ctl_snapshot *snap)
{
	struct rte_tel_data *t = dict_new(), *pe = dict_new(), *rr = dict_new();
	unsigned int e;

	if (t == NULL || pe == NULL || rr == NULL) {
		rte_tel_data_free(t);
		rte_tel_data_free(pe);
		rte_tel_data_free(rr);
		return;
	}
	add_counters(t, &s->total);
	rte_tel_data_add_dict_u64(t, "recordsOut", snap->totals.records);
	rte_tel_data_add_dict_u64(t, "packetsOut", snap->totals.pkts);
	rte_tel_data_add_dict_u64(t, "octetsOut", snap->totals.octets);
	rte_tel_data_add_dict_u64(t, "gapEvents", s->total.gap_events);
	rte_tel_data_add_dict_u64(t, "gapEventsDropped", s->total.gaps_dropped);
	rte_tel_data_add_dict_u64(t, "seqStreamsEnded", snap->totals.seq.tracked);
	rte_tel_data_add_dict_u64(t, "seqStreamsWithLoss", snap->totals.seq.with_loss);
	rte_tel_data_add_dict_u64(t, "seqLost", snap->totals.seq.lost);
	if (snap->ipfix) {
		rte_tel_data_add_dict_u64(t, "ipfixRecordsSent", snap->ex.records_sent);
		rte_tel_data_add_dict_u64(t, "ipfixRecordsNotSent", snap->ex.records_not_sent);
		rte_tel_data_add_dict_u64(t, "ipfixMessagesQueued", snap->ex.queued);
	}
	rte_tel_data_add_dict_u64(t, "snapshotAgeMs",
				  (rte_rdtsc() - snap->tsc) * 1000 / rte_get_tsc_hz());
	add_section(d, "totals", t);
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		rte_tel_data_add_dict_u64(pe, wm_pkt_error_name(e), s->total.parse_err[e]);
	add_section(d, "parseErrors", pe);
	add_pkt_counters(d, &s->total);
	for (e = 1; e < WM_FLOW_END_REASONS; e++)
		rte_tel_data_add_dict_u64(rr, wm_flow_end_reason_name(e),
					  snap->totals.by_reason[e]);
	add_section(d, "recordsByEndReason", rr);
}

static void
stats_ports(struct rte_tel_data *d, const struct wm_app *app, const struct wm_stats *s)
{
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		const struct rte_eth_stats *st = &s->port[pid].eth;
		const struct wm_port_counters *c = &s->port[pid].c;
		struct rte_tel_data *p = dict_new();
		char name[16];

		if (p == NULL)
			return;
		rte_tel_data_add_dict_u64(p, "portId", pid);
		rte_tel_data_add_dict_string(p, "name", app->ports[pid].name);
		rte_tel_data_add_dict_string(p, "driver", app->ports[pid].driver);
		rte_tel_data_add_dict_u64(p, "rxQueues", app->ports[pid].nb_rxq);
		rte_tel_data_add_dict_int(p, "softwareRss", app->ports[pid].sw_rss);
#define WM_X(f, k) rte_tel_data_add_dict_u64(p, k, st->f);
		WM_FOREACH_ETH_COUNTER(WM_X)
#undef WM_X
		/* Taken by the workers, beside what ethdev received. */
#define WM_X(f, k, pk) rte_tel_data_add_dict_u64(p, pk, c->f);
		WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
		snprintf(name, sizeof(name), "port%u", pid);
		add_section(d, name, p);
	}
}

static void
stats_workers(struct rte_tel_data *d, const struct wm_app *app, const struct wm_stats *s,
	      const struct wm_ctl_snapshot *snap)
{
	unsigned int wi;

	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];
		const struct wm_stats_counters *ws = &s->worker[wi];
		struct rte_tel_data *p = dict_new();
		char name[24]; /* "collector" and any unsigned int */

		if (p == NULL)
			return;
		rte_tel_data_add_dict_u64(p, "lcore", w->lcore_id);
		rte_tel_data_add_dict_string(p, "role", wm_ctl_worker_role(w));
		add_counters(p, ws);
		add_worker_counters(p, ws, snap->busy_permille[wi]);
		snprintf(name, sizeof(name), "worker%u", wi);
		add_section(d, name, p);
	}
}

static void
stats_ipfix(struct rte_tel_data *d, const struct wm_ctl_snapshot *snap)
{
	unsigned int i;

	for (i = 0; snap->ipfix && i < snap->n_col; i++) {
		const struct wm_exporter_collector *c = &snap->col[i];
		struct rte_tel_data *p = dict_new();
		char name[24]; /* "collector" and any unsigned int */

		if (p == NULL)
			return;
		rte_tel_data_add_dict_string(p, "uri", c->uri);
		rte_tel_data_add_dict_u64(p, "exportedMessageTotalCount", c->messages);
		rte_tel_data_add_dict_u64(p, "exportedFlowRecordTotalCount", c->flow_records);
		rte_tel_data_add_dict_u64(p, "exportedOctetTotalCount", c->octets);
		rte_tel_data_add_dict_u64(p, "notSentFlowTotalCount", c->not_sent_flows);
		rte_tel_data_add_dict_u64(p, "notSentPacketTotalCount", c->not_sent_pkts);
		rte_tel_data_add_dict_u64(p, "notSentOctetTotalCount", c->not_sent_octets);
		rte_tel_data_add_dict_u64(p, "messagesQueued", c->queued);
		rte_tel_data_add_dict_u64(p, "messagesDroppedQueueFull", c->dropped_msgs);
		rte_tel_data_add_dict_u64(p, "messagesResent", c->resent);
		rte_tel_data_add_dict_u64(p, "sessions", c->sessions);
		rte_tel_data_add_dict_u64(p, "disconnects", c->disconnects);
		rte_tel_data_add_dict_u64(p, "sendErrors", c->send_errors);
		rte_tel_data_add_dict_u64(p, "refusedDatagrams", c->refused);
		snprintf(name, sizeof(name), "collector%u", i);
		add_section(d, name, p);
	}
}

/*
 * Enter (the app is alive while we read) and take a copy of what the
 * main lcore published. On success the caller reads *snap, calls
 * wm_ctl_leave() when done with the app, and frees *snap.
 */
static int
snapshot_take(struct wm_ctl_snapshot **snap)
{
	*snap = malloc(sizeof(**snap));
	if (*snap == NULL)
		return -ENOMEM;
	if (!wm_ctl_enter()) {
		free(*snap);
		return -EAGAIN;
	}
	wm_ctl_snapshot_read(*snap);
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wm_ctl_snapshot *snap;
	struct wm_stats *s;
	unsigned int want;
	int rc;

	RTE_SET_USED(cmd);
	if (wm_tel_parse_stats(params, &want) != 0)
		return -EINVAL;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	rc = snapshot_take(&snap);
	if (rc != 0) {
		free(s);
		return rc;
	}
	wm_stats_take(&wm_app, s);
	rte_tel_data_start_dict(d);
	if (want & 1)
		stats_totals(d, s, snap);
	if (want & 2)
		stats_ports(d, &wm_app, s);
	if (want & 4)
		stats_workers(d, &wm_app, s, snap);
	if (want & 8)
		stats_ipfix(d, snap);
	wm_ctl_leave();
	free(snap);
	free(s);
	return 0;
}

/* ---- /wiremeter/lcores ---- */

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wm_ctl_snapshot *snap;
	struct rte_tel_data *m;
	unsigned int wi;
	int rc;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rc = snapshot_take(&snap);
	if (rc != 0)
		return rc;
	rte_tel_data_start_dict(d);
	m = dict_new();
	if (m != NULL) {
		char id[16];

		rte_tel_data_add_dict_u64(m, "lcore", rte_get_main_lcore());
		rte_tel_data_add_dict_string(m, "role", "main");
		rte_tel_data_add_dict_u64(m, "socket",
					  rte_lcore_to_socket_id(rte_get_main_lcore()));
		rte_tel_data_add_dict_string(m, "queues", "");
		rte_tel_data_add_dict_u64(m, "rxQueues", 0);
		snprintf(id, sizeof(id), "%u", rte_get_main_lcore());
		add_section(d, id, m);
	}
	for (wi = 0; wi < wm_app.n_workers; wi++) {
		const struct wm_worker *w = wm_app.workers[wi];
		struct rte_tel_data *l = dict_new();
		char q[512], id[16];

		if (l == NULL)
			break;
		wm_ctl_worker_queues(w, q, sizeof(q));
		rte_tel_data_add_dict_u64(l, "lcore", w->lcore_id);
		rte_tel_data_add_dict_string(l, "role", wm_ctl_worker_role(w));
		rte_tel_data_add_dict_u64(l, "socket", (uint64_t)w->socket_id);
		rte_tel_data_add_dict_string(l, "queues", q);
		rte_tel_data_add_dict_u64(l, "rxQueues", wm_ctl_worker_n_rxq(w));
		rte_tel_data_add_dict_u64(l, "worker", wi);
		rte_tel_data_add_dict_u64(l, "busyPermille", snap->busy_permille[wi]);
		rte_tel_data_add_dict_u64(l, "busyCycles", wm_read_u64(&w->busy_cycles));
		rte_tel_data_add_dict_u64(l, "polls", wm_read_u64(&w->polls));
		snprintf(id, sizeof(id), "%u", w->lcore_id);
		add_section(d, id, l);
	}
	wm_ctl_leave();
	free(snap);
	return 0;
}

/* ---- /wiremeter/flows and /wiremeter/flow ---- */

static int
tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	enum wm_flow_sort sort;
	struct wm_flow_export *flows;
	unsigned int n_out, i, n;
	int rc;

	RTE_SET_USED(cmd);
	if (wm_tel_parse_flows(params, &n, &sort) != 0)
		return -EINVAL;
	flows = malloc(sizeof(*flows) * (size_t)n);
	if (flows == NULL)
		return -ENOMEM;
	if (!wm_ctl_enter()) {
		free(flows);
		return -EAGAIN;
	}
	rc = wm_ctl_top_flows(n, sort, flows, &n_out, NULL);
	wm_ctl_leave();
	if (rc < 0) {
		free(flows);
		return rc;
	}
	/* Keyed by rank, "1" the largest: an array cannot hold dicts in 22.11. */
	rte_tel_data_start_dict(d);
	for (i = 0; i < n_out; i++) {
		char rank[16];

		snprintf(rank, sizeof(rank), "%u", i + 1);
		add_section(d, rank, flow_dict(&flows[i]));
	}
	free(flows);
	return 0;
}

static int
tel_flow(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wm_flow_export e;
	struct wm_pkt_meta key;
	unsigned int worker = 0;
	bool found;
	char err[256];
	int rc;

	RTE_SET_USED(cmd);
	if (params == NULL || wm_ctl_parse_flow_key(params, &key, err, sizeof(err)) != 0)
		return -EINVAL;
	if (!wm_ctl_enter())
		return -EAGAIN;
	rc = wm_ctl_find_flow(&key, &e, &worker, &found, NULL);
	wm_ctl_leave();
	if (rc < 0)
		return rc;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "found", found);
	if (!found)
		return 0;
	rte_tel_data_add_dict_u64(d, "worker", worker);
	if (wm_output_record_loads(&e))
		wm_ipfix_record_visit(&e, NULL, 0, tel_field, d);
	return 0;
}

/* ---- /wiremeter/streams and /wiremeter/gaps ---- */

static int
tel_streams(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wm_ctl_stream live[TEL_MAX_STREAMS];
	struct wm_ctl_snapshot *snap;
	struct rte_tel_data *t;
	unsigned int n_live = 0, i, n;
	struct wm_seq_sums sums;
	char name[16];
	bool lossy;
	int rc;

	RTE_SET_USED(cmd);
	if (wm_tel_parse_count(params, 4, TEL_MAX_STREAMS, &n) != 0)
		return -EINVAL;
	/* "N,lossy": only the live streams that lost packets (the REST API's ?lossy=1). */
	lossy = params != NULL && strstr(params, ",lossy") != NULL;
	rc = snapshot_take(&snap);
	if (rc != 0)
		return rc;
	rc = wm_ctl_live_streams(n, lossy, live, &n_live, NULL);
	wm_seq_sums(&wm_app, &sums);
	wm_ctl_leave();
	rte_tel_data_start_dict(d);
	t = dict_new();
	if (t != NULL) {
		rte_tel_data_add_dict_u64(t, "started", sums.streams);
		rte_tel_data_add_dict_u64(t, "packetsTracked", sums.pkts);
		rte_tel_data_add_dict_u64(t, "poolFull", sums.pool_full);
		rte_tel_data_add_dict_u64(t, "gapEvents", sums.gap_events);
		rte_tel_data_add_dict_u64(t, "ended", snap->totals.seq.tracked);
		rte_tel_data_add_dict_u64(t, "endedWithLoss", snap->totals.seq.with_loss);
		rte_tel_data_add_dict_u64(t, "endedImpaired", snap->totals.seq.impaired);
		rte_tel_data_add_dict_u64(t, "endedLost", snap->totals.seq.lost);
		rte_tel_data_add_dict_u64(t, "live", n_live);
		rte_tel_data_add_dict_int(t, "liveWorkersAnswered", rc);
		add_section(d, "totals", t);
	}
	for (i = 0; i < snap->totals.seq.n_worst && i < n; i++) {
		snprintf(name, sizeof(name), "ended%u", i);
		add_section(
			d, name,
			stream_dict(&snap->totals.seq.worst[i].e, &snap->totals.seq.worst[i].s));
	}
	for (i = 0; i < n_live; i++) {
		snprintf(name, sizeof(name), "live%u", i);
		add_section(d, name, stream_dict(&live[i].e, &live[i].s));
	}
	free(snap);
	return 0;
}

static int
tel_gaps(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct wm_ctl_snapshot *snap;
	unsigned int n;
	uint64_t k;
	int rc;

	RTE_SET_USED(cmd);
	if (wm_tel_parse_count(params, 16, TEL_MAX_GAPS, &n) != 0)
		return -EINVAL;
	rc = snapshot_take(&snap);
	if (rc != 0)
		return rc;
	wm_ctl_leave();
	/* Keyed by age, "1" the newest. */
	rte_tel_data_start_dict(d);
	for (k = snap->n_gaps; k > 0 && snap->n_gaps - k < (uint64_t)n; k--) {
		struct rte_tel_data *g = dict_new();
		char age[24];

		if (g == NULL)
			break;
		if (wm_output_gap_loads(&snap->gaps[(k - 1) % WM_CTL_GAP_HISTORY]))
			wm_output_gap_visit(&snap->gaps[(k - 1) % WM_CTL_GAP_HISTORY], tel_field,
					    g);
		snprintf(age, sizeof(age), "%" PRIu64, snap->n_gaps - k + 1);
		add_section(d, age, g);
	}
	free(snap);
	return 0;
}

/* ---- /wiremeter/config ---- */

/* Nested groups flattened to keys joined by '/' ("seq/esp/window"); arrays stay arrays. */
static void
config_put(struct rte_tel_data *d, const char *prefix, json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		char key[128];
		size_t i;
		json_t *el;

		snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "/" : "", k);
		if (json_is_object(v)) {
			config_put(d, key, v);
		} else if (json_is_array(v)) {
			struct rte_tel_data *a = rte_tel_data_alloc();
			bool numbers =
				json_array_size(v) > 0 && json_is_integer(json_array_get(v, 0));

			if (a == NULL)
				continue;
			rte_tel_data_start_array(a, numbers ? RTE_TEL_U64_VAL : RTE_TEL_STRING_VAL);
			json_array_foreach(v, i, el) {
				if (numbers)
					rte_tel_data_add_array_u64(
						a, (uint64_t)json_integer_value(el));
				else
					rte_tel_data_add_array_string(a, json_string_value(el));
			}
			add_section(d, key, a);
		} else {
			tel_put(d, key, v);
		}
	}
}

static int
tel_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *j;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!wm_ctl_enter())
		return -EAGAIN;
	j = wm_ctl_conf_json();
	rte_tel_data_start_dict(d);
	if (j != NULL)
		config_put(d, "", j);
	json_decref(j);
	/* The two settings without a config key. */
	rte_tel_data_add_dict_string(
		d, "config_file", wm_app.conf.config_file != NULL ? wm_app.conf.config_file : "");
	rte_tel_data_add_dict_int(d, "interactive", (int)wm_app.conf.interactive);
	wm_ctl_leave();
	return 0;
}

/* Help texts say the parameters; telemetry takes at most 127 characters. */
static void
reg(const char *cmd, telemetry_cb fn, const char *help)
{
	/* Too long a help text, or too many commands: say so, the rest still works. */
	if (rte_telemetry_register_cmd(cmd, fn, help) != 0)
		fprintf(stderr, "wiremeter: warning: telemetry command %s not registered\n", cmd);
}

RTE_INIT(wm_telemetry_register)
{
	reg("/wiremeter/stats", tel_stats,
	    "Totals, ports, workers, IPFIX collectors. "
	    "Parameter: SECTION totals|ports|workers|ipfix (default all)");
	reg("/wiremeter/lcores", tel_lcores,
	    "Each lcore: role (main/worker/distributor), socket, Rx queues, "
	    "busy ratio. No parameters");
	reg("/wiremeter/flows", tel_flows,
	    "Top N active flows. Parameters: N (default 10, max 24), "
	    "SORT octets|packets (default octets)");
	reg("/wiremeter/flow", tel_flow,
	    "One active flow. Parameter: KEY SRC:SPORT-DST:DPORT/PROTO[@VLAN[.INNER]], "
	    "IPv6 in [], e.g. 10.0.0.1:1234-10.0.0.2:80/6");
	reg("/wiremeter/streams", tel_streams,
	    "Sequence streams: totals, worst ended, worst live. "
	    "Parameters: N per list (default 4, max 8), then lossy: live ones with loss");
	reg("/wiremeter/gaps", tel_gaps,
	    "Latest sequence gap events, newest first. "
	    "Parameter: N (default 16, max 32)");
	reg("/wiremeter/config", tel_config,
	    "The running configuration, every key (nested ones joined by '/': "
	    "seq/esp/window). No parameters");
}
