/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The console: a wiremeter> prompt on stdin (-i) and a command file run
 * at start (--cmdline-file), on DPDK's cmdline library, with completion
 * (TAB) and help ('?', 'help') as in testpmd: one cmdline_parse_inst_t
 * per command, gathered in main_ctx.
 *
 * It runs on the main lcore between the management loop's other work:
 * wm_console_poll() hands cmdline_poll() (non-blocking, one byte a call)
 * what is ready on stdin, a bounded number of bytes per loop, so the
 * rings keep draining while the console waits for a key. The end of
 * stdin or Ctrl-D on an empty line quits, like 'quit'. The command file
 * goes through cmdline_in() a line per loop, so 'sleep' can hold the
 * next line.
 *
 * Commands that need a worker's flow table go through its request ring
 * (ctl.c) and wait, bounded, draining the rings meanwhile; the rest read
 * counters and the main lcore's own totals. 'clear stats' sets a
 * baseline that 'show stats' and 'show port stats' subtract: the
 * counters themselves keep counting from the start, so the final report
 * and telemetry stay whole.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <jansson.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_rdline.h>
#include <cmdline_socket.h>

#define WM_LOGTYPE wm_logtype_console

#include "wm_cap.h"
#include "wm_engine.h"
#include "wm_console.h"
#include "wm_ctl.h"
#include "wm_evidence.h"
#include "wm_flow_key.h"
#include "wm_format.h"
#include "wm_mgmt.h"
#include "wm_stats.h"

#define PROMPT "wiremeter> "
/* Largest timeout 'set' takes, as --idle-timeout and --active-timeout. */
#define MAX_TIMEOUT_S 86400.0

/* The console's state: the main lcore's alone. */
static struct {
	struct wm_app *app;
	struct cmdline *tty;  /* the -i console, opened once the file is done */
	struct cmdline *fcl;  /* runs the --cmdline-file */
	FILE *file;	      /* the command file, while it is being read */
	bool want_tty;	      /* -i */
	bool quit;	      /* 'quit', Ctrl-D or the end of stdin */
	uint64_t resume_tsc;  /* 'sleep': read no command before */
	struct wm_stats base; /* 'clear stats'; zero: since start */
	bool cleared;
	uint64_t last_show_tsc[WM_MAX_PORTS]; /* 'show port stats' rates */
	uint64_t last_show_pkts[WM_MAX_PORTS];
	uint64_t last_show_bytes[WM_MAX_PORTS];
} con;

/* 'clear stats' takes its baseline as a snapshot too. */
static void
counters_now(struct wm_stats *b)
{
	wm_stats_take_main(con.app, b);
}

static uint64_t
since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : 0;
}

static double
seconds_since(uint64_t tsc)
{
	return (double)(rte_rdtsc() - tsc) / (double)rte_get_tsc_hz();
}

static const char *
proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 50:
		return "esp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

/* "10.0.0.1:80", "[2001:db8::1]:80", or a MAC for L2 and MACsec flows. */
static void
endpoint_text(const struct wm_flow_export *e, bool dst, char *buf, size_t len)
{
	const uint8_t *a = dst ? e->dst : e->src;
	char ip[INET6_ADDRSTRLEN];

	if (e->kind == WM_FLOW_KIND_IPV4) {
		inet_ntop(AF_INET, a, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, dst ? e->dport : e->sport);
	} else if (e->kind == WM_FLOW_KIND_IPV6) {
		inet_ntop(AF_INET6, a, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, dst ? e->dport : e->sport);
	} else {
		const uint8_t *m = dst ? e->dmac : e->smac;

		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			 m[5]);
	}
}

static void
print_flow_row(struct cmdline *cl, unsigned int rank, const struct wm_flow_export *e)
{
	char s[64], d[64], p[8];
	const char *proto = e->kind == WM_FLOW_KIND_IPV4 || e->kind == WM_FLOW_KIND_IPV6
				    ? proto_name(e->proto, p, sizeof(p))
			    : e->kind == WM_FLOW_KIND_MACSEC ? "macsec"
							     : "l2";

	endpoint_text(e, false, s, sizeof(s));
	endpoint_text(e, true, d, sizeof(d));
	cmdline_printf(cl,
		       "%4u  %-6s %-45s %-45s %12" PRIu64 " %14" PRIu64 " %12" PRIu64 " %14" PRIu64
		       " %4u\n",
		       rank, proto, s, d, e->pkts[0], e->octets[0], e->pkts[1], e->octets[1],
		       e->vlan);
}

/* ---- help ---- */

struct cmd_help_result {
	cmdline_fixed_string_t help;
};

static cmdline_parse_ctx_t main_ctx[];

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	unsigned int i;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	cmdline_printf(cl, "Commands (TAB completes, '?' shows what fits here):\n");
	for (i = 0; main_ctx[i] != NULL; i++)
		cmdline_printf(cl, "  %s\n", main_ctx[i]->help_str);
	cmdline_printf(cl, "Flow KEY: SRC:SPORT-DST:DPORT/PROTO[@VLAN[.INNER]], IPv6 in brackets, "
			   "PROTO a number or tcp|udp|icmp|icmpv6|sctp|gre;\n"
			   "  e.g. 10.0.0.1:1234-10.0.0.2:80/tcp (either direction)\n");
}

static cmdline_parse_token_string_t cmd_help_help =
	TOKEN_STRING_INITIALIZER(struct cmd_help_result, help, "help");

static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.data = NULL,
	.help_str = "help: this list",
	.tokens = {(void *)&cmd_help_help, NULL},
};

/* ---- show stats ---- */

struct cmd_show_stats_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t stats;
};

static void
cmd_show_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct wm_app *app = con.app;
	const struct wm_stats *b0 = &con.base;
	struct wm_stats *b = malloc(sizeof(*b));
	uint64_t rx = 0, metered = 0, perr = 0, filtered = 0, drops = 0;
	unsigned int wi, e;
	uint16_t pid;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	if (b == NULL)
		return;
	counters_now(b);
	RTE_ETH_FOREACH_DEV(pid) {
		rx += since(b->port[pid].c.rx, b0->port[pid].c.rx);
		metered += since(b->port[pid].c.metered, b0->port[pid].c.metered);
		perr += since(b->port[pid].c.parse_errors, b0->port[pid].c.parse_errors);
		filtered += since(b->port[pid].c.filtered, b0->port[pid].c.filtered);
		drops += since(b->port[pid].drops, b0->port[pid].drops);
	}
	if (con.cleared)
		cmdline_printf(cl, "totals since clear stats, %.1f s ago:\n",
			       seconds_since(b0->tsc));
	else
		cmdline_printf(cl, "totals since start:\n");
	cmdline_printf(cl,
		       "  received %" PRIu64 "  metered %" PRIu64 "  parse errors %" PRIu64
		       "  filtered %" PRIu64 "  drops %" PRIu64 "\n",
		       rx, metered, perr, filtered, drops);
	cmdline_printf(cl,
		       "  flows active %" PRIu64 "  created %" PRIu64 "  exported %" PRIu64
		       "  evicted %" PRIu64 "\n",
		       b->total.active, since(b->total.created, b0->total.created),
		       since(b->total.exported, b0->total.exported),
		       since(b->total.evicted, b0->total.evicted));
	cmdline_printf(cl, "  records out %" PRIu64 " (packets %" PRIu64 ", octets %" PRIu64 ")\n",
		       since(b->records, b0->records), since(b->pkts, b0->pkts),
		       since(b->octets, b0->octets));
	cmdline_printf(cl, "  records by end reason:");
	for (e = 1; e < WM_FLOW_END_REASONS; e++)
		cmdline_printf(cl, " %s %" PRIu64, wm_flow_end_reason_name(e),
			       since(b->by_reason[e], b0->by_reason[e]));
	cmdline_printf(cl, "\n  parse errors by reason:");
	for (e = 1; e < WM_PKT_ERR_MAX; e++)
		if (b->total.parse_err[e] != b0->total.parse_err[e])
			cmdline_printf(cl, " %s %" PRIu64, wm_pkt_error_name(e),
				       since(b->total.parse_err[e], b0->total.parse_err[e]));
	cmdline_printf(cl, "\n  tunnels undecoded (metered outer):");
	for (e = 1; e < WM_PKT_TUNNEL_MAX; e++)
		if (b->total.tunnel_undecoded[e] != b0->total.tunnel_undecoded[e])
			cmdline_printf(
				cl, " %s %" PRIu64, wm_pkt_tunnel_name(e),
				since(b->total.tunnel_undecoded[e], b0->total.tunnel_undecoded[e]));
	cmdline_printf(cl,
		       "\n  sequence: %" PRIu64 " lost in %" PRIu64
		       " ended streams with loss (since start), %" PRIu64 " gap events\n",
		       b->seq_lost, b->seq_with_loss,
		       since(b->total.gap_events, b0->total.gap_events));
	if (b->ipfix)
		cmdline_printf(cl,
			       "  ipfix sent %" PRIu64 " queued %" PRIu64 " not sent %" PRIu64
			       " (since start)\n",
			       b->ex.records_sent, b->ex.queued, b->ex.records_not_sent);
	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];
		const struct wm_stats_counters *ws = &b->worker[wi];

		cmdline_printf(cl,
			       "  worker %u (lcore %u, %s): received %" PRIu64 " metered %" PRIu64
			       " flows active %" PRIu64 " created %" PRIu64
			       " (since start), rx stalls %" PRIu64 "\n",
			       wi, w->lcore_id, wm_ctl_worker_role(w), ws->c.rx, ws->c.metered,
			       ws->active, ws->created, ws->rx_stalls);
	}
	free(b);
}

static cmdline_parse_token_string_t cmd_show_stats_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_stats_result, show, "show");
static cmdline_parse_token_string_t cmd_show_stats_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_show_stats_result, stats, "stats");

static cmdline_parse_inst_t cmd_show_stats = {
	.f = cmd_show_stats_parsed,
	.data = NULL,
	.help_str = "show stats: packets, parse errors, flows, records, drops, per worker",
	.tokens = {(void *)&cmd_show_stats_show, (void *)&cmd_show_stats_stats, NULL},
};

/* ---- show port stats all|<id> ---- */

struct cmd_show_port_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t port;
	cmdline_fixed_string_t stats;
	cmdline_fixed_string_t all;
	uint16_t id;
};

static void
show_port(struct cmdline *cl, uint16_t pid, const struct wm_stats *b)
{
	const struct wm_stats *b0 = &con.base;
	const struct rte_eth_stats *st = &b->port[pid].eth, *s0 = &b0->port[pid].eth;
	uint64_t now = rte_rdtsc();
	double dt;

	cmdline_printf(cl, "  ######## port %u: %s (%s), %u Rx queue(s)%s ########\n", pid,
		       con.app->ports[pid].name, con.app->ports[pid].driver,
		       con.app->ports[pid].nb_rxq,
		       con.app->ports[pid].sw_rss ? ", software RSS" : "");
	cmdline_printf(cl,
		       "  RX-packets: %" PRIu64 "  RX-bytes: %" PRIu64 "  RX-missed: %" PRIu64
		       "  RX-errors: %" PRIu64 "  RX-nombuf: %" PRIu64 "\n",
		       since(st->ipackets, s0->ipackets), since(st->ibytes, s0->ibytes),
		       since(st->imissed, s0->imissed), since(st->ierrors, s0->ierrors),
		       since(st->rx_nombuf, s0->rx_nombuf));
	cmdline_printf(cl,
		       "  taken: %" PRIu64 "  metered: %" PRIu64 "  parse errors: %" PRIu64
		       "  filtered: %" PRIu64 "\n",
		       since(b->port[pid].c.rx, b0->port[pid].c.rx),
		       since(b->port[pid].c.metered, b0->port[pid].c.metered),
		       since(b->port[pid].c.parse_errors, b0->port[pid].c.parse_errors),
		       since(b->port[pid].c.filtered, b0->port[pid].c.filtered));
	if (con.last_show_tsc[pid] != 0) {
		dt = (double)(now - con.last_show_tsc[pid]) / (double)rte_get_tsc_hz();
		if (dt > 0)
			cmdline_printf(cl, "  Throughput (since last show): %.3f Mpps %.3f Gbps\n",
				       (double)(st->ipackets - con.last_show_pkts[pid]) / dt / 1e6,
				       (double)(st->ibytes - con.last_show_bytes[pid]) * 8 / dt /
					       1e9);
	}
	con.last_show_tsc[pid] = now;
	con.last_show_pkts[pid] = st->ipackets;
	con.last_show_bytes[pid] = st->ibytes;
}

static void
cmd_show_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_port_result *res = parsed;
	struct wm_stats *b = malloc(sizeof(*b));
	uint16_t pid;

	if (b == NULL)
		return;
	counters_now(b);
	if (data != NULL) { /* "all" */
		RTE_ETH_FOREACH_DEV(pid)
			show_port(cl, pid, b);
	} else if (!rte_eth_dev_is_valid_port(res->id)) {
		cmdline_printf(cl, "port %u: no such port\n", res->id);
	} else {
		show_port(cl, res->id, b);
	}
	free(b);
}

static cmdline_parse_token_string_t cmd_show_port_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, show, "show");
static cmdline_parse_token_string_t cmd_show_port_port =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, port, "port");
static cmdline_parse_token_string_t cmd_show_port_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, stats, "stats");
static cmdline_parse_token_string_t cmd_show_port_all =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, all, "all");
static cmdline_parse_token_num_t cmd_show_port_id =
	TOKEN_NUM_INITIALIZER(struct cmd_show_port_result, id, RTE_UINT16);

static cmdline_parse_inst_t cmd_show_port_stats_all = {
	.f = cmd_show_port_parsed,
	.data = (void *)1,
	.help_str = "show port stats all: ethdev counters and what the workers made of them",
	.tokens = {(void *)&cmd_show_port_show, (void *)&cmd_show_port_port,
		   (void *)&cmd_show_port_stats, (void *)&cmd_show_port_all, NULL},
};

static cmdline_parse_inst_t cmd_show_port_stats_id = {
	.f = cmd_show_port_parsed,
	.data = NULL,
	.help_str = "show port stats <port_id>: one port",
	.tokens = {(void *)&cmd_show_port_show, (void *)&cmd_show_port_port,
		   (void *)&cmd_show_port_stats, (void *)&cmd_show_port_id, NULL},
};

/* ---- show flows [top N] [sort octets|packets] ---- */

struct cmd_show_flows_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t flows;
	cmdline_fixed_string_t top;
	uint32_t n;
	cmdline_fixed_string_t sort;
	cmdline_fixed_string_t by;
};

static void
cmd_show_flows_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_flows_result *res = parsed;
	uintptr_t form = (uintptr_t)data; /* bit 0: top N given, bit 1: sort given */
	enum wm_flow_sort sort = WM_FLOW_SORT_OCTETS;
	unsigned int n = 10, n_out = 0, i;
	struct wm_flow_export *flows;
	int rc;

	if (form & 1)
		n = res->n;
	if ((form & 2) && strcmp(res->by, "packets") == 0)
		sort = WM_FLOW_SORT_PACKETS;
	if (n < 1 || n > WM_CTL_MAX_FLOWS) {
		cmdline_printf(cl, "top N: N is 1..%u\n", WM_CTL_MAX_FLOWS);
		return;
	}
	flows = malloc(sizeof(*flows) * n);
	if (flows == NULL)
		return;
	rc = wm_ctl_top_flows(n, sort, flows, &n_out, wm_mgmt_service);
	if (rc < 0) {
		cmdline_printf(cl, "show flows: %s\n", strerror(-rc));
		free(flows);
		return;
	}
	cmdline_printf(cl, "top %u active flows by %s (%d of %u workers answered), %u shown:\n", n,
		       sort == WM_FLOW_SORT_PACKETS ? "packets" : "octets", rc, con.app->n_workers,
		       n_out);
	cmdline_printf(cl, "%4s  %-6s %-45s %-45s %12s %14s %12s %14s %4s\n", "#", "proto",
		       "source", "destination", "packets", "octets", "rev.packets", "rev.octets",
		       "vlan");
	for (i = 0; i < n_out; i++)
		print_flow_row(cl, i + 1, &flows[i]);
	free(flows);
}

static cmdline_parse_token_string_t cmd_show_flows_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flows_result, show, "show");
static cmdline_parse_token_string_t cmd_show_flows_flows =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flows_result, flows, "flows");
static cmdline_parse_token_string_t cmd_show_flows_top =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flows_result, top, "top");
static cmdline_parse_token_num_t cmd_show_flows_n =
	TOKEN_NUM_INITIALIZER(struct cmd_show_flows_result, n, RTE_UINT32);
static cmdline_parse_token_string_t cmd_show_flows_sort =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flows_result, sort, "sort");
static cmdline_parse_token_string_t cmd_show_flows_by =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flows_result, by, "octets#packets");

static cmdline_parse_inst_t cmd_show_flows = {
	.f = cmd_show_flows_parsed,
	.data = (void *)0,
	.help_str = "show flows: the 10 active flows with the most octets",
	.tokens = {(void *)&cmd_show_flows_show, (void *)&cmd_show_flows_flows, NULL},
};

static cmdline_parse_inst_t cmd_show_flows_top_n = {
	.f = cmd_show_flows_parsed,
	.data = (void *)1,
	.help_str = "show flows top <N>: the N active flows with the most octets (N 1..256)",
	.tokens = {(void *)&cmd_show_flows_show, (void *)&cmd_show_flows_flows,
		   (void *)&cmd_show_flows_top, (void *)&cmd_show_flows_n, NULL},
};

static cmdline_parse_inst_t cmd_show_flows_sort_by = {
	.f = cmd_show_flows_parsed,
	.data = (void *)2,
	.help_str = "show flows sort octets|packets: the top 10 by octets or by packets",
	.tokens = {(void *)&cmd_show_flows_show, (void *)&cmd_show_flows_flows,
		   (void *)&cmd_show_flows_sort, (void *)&cmd_show_flows_by, NULL},
};

static cmdline_parse_inst_t cmd_show_flows_top_sort = {
	.f = cmd_show_flows_parsed,
	.data = (void *)3,
	.help_str = "show flows top <N> sort octets|packets: the top N by octets or packets",
	.tokens = {(void *)&cmd_show_flows_show, (void *)&cmd_show_flows_flows,
		   (void *)&cmd_show_flows_top, (void *)&cmd_show_flows_n,
		   (void *)&cmd_show_flows_sort, (void *)&cmd_show_flows_by, NULL},
};

/* ---- show flow KEY ---- */

struct cmd_show_flow_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t flow;
	cmdline_fixed_string_t key;
};

static void
cmd_show_flow_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_flow_result *res = parsed;
	struct wm_flow_export e;
	struct wm_pkt_meta key;
	unsigned int worker = 0;
	char err[256], line[2048];
	bool found;
	int rc;

	RTE_SET_USED(data);
	if (wm_ctl_parse_flow_key(res->key, &key, err, sizeof(err)) != 0) {
		cmdline_printf(cl, "%s\n", err);
		return;
	}
	rc = wm_ctl_find_flow(&key, &e, &worker, &found, wm_mgmt_service);
	if (rc < 0) {
		cmdline_printf(cl, "show flow: %s\n", strerror(-rc));
		return;
	}
	if (!found) {
		cmdline_printf(cl, "no such flow (%d of %u workers answered)\n", rc,
			       con.app->n_workers);
		return;
	}
	if (wm_output_format(&e, NULL, 0, line, sizeof(line)) > 0)
		cmdline_printf(cl, "worker %u: %s", worker, line);
}

static cmdline_parse_token_string_t cmd_show_flow_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flow_result, show, "show");
static cmdline_parse_token_string_t cmd_show_flow_flow =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flow_result, flow, "flow");
static cmdline_parse_token_string_t cmd_show_flow_key =
	TOKEN_STRING_INITIALIZER(struct cmd_show_flow_result, key, NULL);

static cmdline_parse_inst_t cmd_show_flow = {
	.f = cmd_show_flow_parsed,
	.data = NULL,
	.help_str = "show flow <KEY>: one active flow as a JSON line (KEY below)",
	.tokens = {(void *)&cmd_show_flow_show, (void *)&cmd_show_flow_flow,
		   (void *)&cmd_show_flow_key, NULL},
};

/* ---- show streams [lossy] [json] ---- */

struct cmd_show_streams_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t streams;
	cmdline_fixed_string_t opt;  /* "lossy" or "json" */
	cmdline_fixed_string_t json; /* "json" after "lossy" */
};

/* A stream: a row of the table, or (json) its counters as the JSON lines have them. */
static void
print_stream(struct cmdline *cl, unsigned int n, const struct wm_flow_export *e,
	     const struct wm_seq_snapshot *s, bool json)
{
	char a[64], b[64], line[2048];

	endpoint_text(e, s->dir != 0, a, sizeof(a));
	endpoint_text(e, s->dir == 0, b, sizeof(b));
	if (!json) {
		wm_seq_stream_row(n, s, a, b, line, sizeof(line));
		cmdline_printf(cl, "%s", line);
		return;
	}
	if (wm_output_stream_json(s, line, sizeof(line)) < 0)
		line[0] = '\0';
	cmdline_printf(cl,
		       "  %-6s lost %" PRIu64 " late %" PRIu64 " dup %" PRIu64 " too-old %" PRIu64
		       " gaps %" PRIu64 " restarts %" PRIu64 "  %s -> %s  %s\n",
		       wm_seq_kind_name(s->kind), s->c.lost, s->c.late, s->c.dup, s->c.too_old,
		       s->c.gap_events, s->c.restarts, a, b, line);
}

static void
print_stream_header(struct cmdline *cl, bool json)
{
	char line[256];

	if (!json && wm_seq_stream_header(line, sizeof(line)) > 0)
		cmdline_printf(cl, "%s", line);
}

static void
cmd_show_streams_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct cmd_show_streams_result *res = parsed;
	const struct wm_seq_totals *t = &wm_totals.seq;
	const bool lossy = data != NULL && strcmp(res->opt, "lossy") == 0;
	const bool json = data != NULL && (strcmp(res->opt, "json") == 0 || data == (void *)2);
	struct wm_ctl_stream *live;
	unsigned int n_live = 0, i, shown = 0;
	int rc;

	cmdline_printf(cl,
		       "ended streams: %" PRIu64 ", %" PRIu64 " with loss (%" PRIu64
		       " lost), %" PRIu64 " with loss, reordering or duplicates\n",
		       t->tracked, t->with_loss, t->lost, t->impaired);
	cmdline_printf(cl, "worst ended%s:\n", lossy ? " with loss" : "");
	if (t->n_worst > 0)
		print_stream_header(cl, json);
	for (i = 0; i < t->n_worst && shown < 10; i++)
		if (!lossy || t->worst[i].s.c.lost != 0)
			print_stream(cl, ++shown, &t->worst[i].e, &t->worst[i].s, json);
	live = malloc(sizeof(*live) * WM_CTL_MAX_STREAMS);
	if (live == NULL)
		return;
	rc = wm_ctl_live_streams(WM_CTL_MAX_STREAMS, lossy, live, &n_live, wm_mgmt_service);
	if (rc < 0) {
		cmdline_printf(cl, "live streams: %s\n", strerror(-rc));
	} else {
		cmdline_printf(cl, "live streams%s, worst first (%d of %u workers answered): %u\n",
			       lossy ? " with loss" : "", rc, con.app->n_workers, n_live);
		if (n_live > 0)
			print_stream_header(cl, json);
		for (i = 0; i < n_live; i++)
			print_stream(cl, i + 1, &live[i].e, &live[i].s, json);
	}
	free(live);
}

static cmdline_parse_token_string_t cmd_show_streams_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_streams_result, show, "show");
static cmdline_parse_token_string_t cmd_show_streams_streams =
	TOKEN_STRING_INITIALIZER(struct cmd_show_streams_result, streams, "streams");
static cmdline_parse_token_string_t cmd_show_streams_opt =
	TOKEN_STRING_INITIALIZER(struct cmd_show_streams_result, opt, "lossy#json");
static cmdline_parse_token_string_t cmd_show_streams_lossy =
	TOKEN_STRING_INITIALIZER(struct cmd_show_streams_result, opt, "lossy");
static cmdline_parse_token_string_t cmd_show_streams_json =
	TOKEN_STRING_INITIALIZER(struct cmd_show_streams_result, json, "json");

static cmdline_parse_inst_t cmd_show_streams = {
	.f = cmd_show_streams_parsed,
	.data = NULL,
	.help_str =
		"show streams: sequence streams, ended (totals, worst) and live (worst), a table",
	.tokens = {(void *)&cmd_show_streams_show, (void *)&cmd_show_streams_streams, NULL},
};

static cmdline_parse_inst_t cmd_show_streams_lossy_only = {
	.f = cmd_show_streams_parsed,
	.data = (void *)1,
	.help_str = "show streams lossy|json: only streams that lost packets, or as JSON",
	.tokens = {(void *)&cmd_show_streams_show, (void *)&cmd_show_streams_streams,
		   (void *)&cmd_show_streams_opt, NULL},
};

static cmdline_parse_inst_t cmd_show_streams_lossy_json = {
	.f = cmd_show_streams_parsed,
	.data = (void *)2,
	.help_str = "show streams lossy json: only streams that lost packets, as JSON",
	.tokens = {(void *)&cmd_show_streams_show, (void *)&cmd_show_streams_streams,
		   (void *)&cmd_show_streams_lossy, (void *)&cmd_show_streams_json, NULL},
};

/* ---- show gaps [N] [json] ---- */

struct cmd_show_gaps_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t gaps;
	uint32_t n;
	cmdline_fixed_string_t json;
};

#define GAPS_N 1u    /* N given */
#define GAPS_JSON 2u /* as --gaps-json lines */

static void
cmd_show_gaps_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_gaps_result *res = parsed;
	struct wm_ctl_snapshot *snap = malloc(sizeof(*snap));
	const uintptr_t how = (uintptr_t)data;
	uint64_t n = (how & GAPS_N) != 0 ? res->n : 10, k;
	char line[1024];

	if (snap == NULL)
		return;
	if (n > WM_CTL_GAP_HISTORY)
		n = WM_CTL_GAP_HISTORY;
	wm_ctl_snapshot_read(snap);
	cmdline_printf(cl, "%" PRIu64 " gap events seen, the latest %" PRIu64 ", newest first:\n",
		       snap->n_gaps, RTE_MIN(n, snap->n_gaps));
	if ((how & GAPS_JSON) == 0 && wm_seq_gap_header(line, sizeof(line)) > 0)
		cmdline_printf(cl, "%s", line);
	for (k = snap->n_gaps; k > 0 && snap->n_gaps - k < n; k--) {
		const struct wm_gap_event *g = &snap->gaps[(k - 1) % WM_CTL_GAP_HISTORY];

		if ((how & GAPS_JSON) == 0 &&
		    wm_seq_gap_row((unsigned int)(snap->n_gaps - k + 1), g, line, sizeof(line)) > 0)
			cmdline_printf(cl, "%s", line);
		else if ((how & GAPS_JSON) != 0 && wm_output_gap_format(g, line, sizeof(line)) > 0)
			cmdline_printf(cl, "  %s", line);
	}
	free(snap);
}

static cmdline_parse_token_string_t cmd_show_gaps_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_gaps_result, show, "show");
static cmdline_parse_token_string_t cmd_show_gaps_gaps =
	TOKEN_STRING_INITIALIZER(struct cmd_show_gaps_result, gaps, "gaps");
static cmdline_parse_token_num_t cmd_show_gaps_n =
	TOKEN_NUM_INITIALIZER(struct cmd_show_gaps_result, n, RTE_UINT32);
static cmdline_parse_token_string_t cmd_show_gaps_json =
	TOKEN_STRING_INITIALIZER(struct cmd_show_gaps_result, json, "json");

static cmdline_parse_inst_t cmd_show_gaps = {
	.f = cmd_show_gaps_parsed,
	.data = NULL,
	.help_str = "show gaps: the 10 latest sequence gap events, a table",
	.tokens = {(void *)&cmd_show_gaps_show, (void *)&cmd_show_gaps_gaps, NULL},
};

static cmdline_parse_inst_t cmd_show_gaps_n_latest = {
	.f = cmd_show_gaps_parsed,
	.data = (void *)GAPS_N,
	.help_str = "show gaps <N>: the N latest gap events (N up to 256)",
	.tokens = {(void *)&cmd_show_gaps_show, (void *)&cmd_show_gaps_gaps,
		   (void *)&cmd_show_gaps_n, NULL},
};

static cmdline_parse_inst_t cmd_show_gaps_as_json = {
	.f = cmd_show_gaps_parsed,
	.data = (void *)GAPS_JSON,
	.help_str = "show gaps json: the 10 latest gap events as --gaps-json lines",
	.tokens = {(void *)&cmd_show_gaps_show, (void *)&cmd_show_gaps_gaps,
		   (void *)&cmd_show_gaps_json, NULL},
};

static cmdline_parse_inst_t cmd_show_gaps_n_json = {
	.f = cmd_show_gaps_parsed,
	.data = (void *)(GAPS_N | GAPS_JSON),
	.help_str = "show gaps <N> json: the N latest gap events as --gaps-json lines",
	.tokens = {(void *)&cmd_show_gaps_show, (void *)&cmd_show_gaps_gaps,
		   (void *)&cmd_show_gaps_n, (void *)&cmd_show_gaps_json, NULL},
};

/* ---- show lcores ---- */

struct cmd_show_word_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
};

static void
cmd_show_lcores_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct wm_ctl_snapshot *snap = malloc(sizeof(*snap));
	unsigned int wi;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	if (snap == NULL)
		return;
	wm_ctl_snapshot_read(snap);
	cmdline_printf(cl, "%5s  %-11s %6s %6s  %s\n", "lcore", "role", "socket", "busy", "queues");
	cmdline_printf(cl, "%5u  %-11s %6u %6s  %s\n", rte_get_main_lcore(), "main",
		       rte_lcore_to_socket_id(rte_get_main_lcore()), "-", "-");
	for (wi = 0; wi < con.app->n_workers; wi++) {
		const struct wm_worker *w = con.app->workers[wi];
		char q[512];

		wm_ctl_worker_queues(w, q, sizeof(q));
		cmdline_printf(cl, "%5u  %-11s %6d %5.1f%%  %s\n", w->lcore_id,
			       wm_ctl_worker_role(w), w->socket_id, snap->busy_permille[wi] / 10.0,
			       q);
	}
	free(snap);
}

static cmdline_parse_token_string_t cmd_show_word_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_word_result, show, "show");
static cmdline_parse_token_string_t cmd_show_lcores_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_word_result, what, "lcores");

static cmdline_parse_inst_t cmd_show_lcores = {
	.f = cmd_show_lcores_parsed,
	.data = NULL,
	.help_str = "show lcores: role, socket, busy ratio (last second) and queues of each lcore",
	.tokens = {(void *)&cmd_show_word_show, (void *)&cmd_show_lcores_what, NULL},
};

/* ---- show ipfix ---- */

static void
cmd_show_ipfix_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct wm_exporter_collector col[WM_CONF_MAX_COLLECTORS];
	unsigned int n = wm_exporter_collectors(col, RTE_DIM(col)), i;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	if (n == 0) {
		cmdline_printf(cl, "no IPFIX collector (--ipfix URI)\n");
		return;
	}
	for (i = 0; i < n; i++)
		cmdline_printf(cl,
			       "%s: messages %" PRIu64 ", flow records sent %" PRIu64
			       ", octets %" PRIu64 ", not sent %" PRIu64 " (packets %" PRIu64
			       "), queued %" PRIu64 " messages, dropped (queue full) %" PRIu64
			       ", resent %" PRIu64 ", sessions %" PRIu64 ", disconnects %" PRIu64
			       ", send errors %" PRIu64 ", refused datagrams %" PRIu64 "\n",
			       col[i].uri, col[i].messages, col[i].flow_records, col[i].octets,
			       col[i].not_sent_flows, col[i].not_sent_pkts, col[i].queued,
			       col[i].dropped_msgs, col[i].resent, col[i].sessions,
			       col[i].disconnects, col[i].send_errors, col[i].refused);
}

static cmdline_parse_token_string_t cmd_show_ipfix_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_word_result, what, "ipfix");

static cmdline_parse_inst_t cmd_show_ipfix = {
	.f = cmd_show_ipfix_parsed,
	.data = NULL,
	.help_str = "show ipfix: per collector, messages and records sent, queued, not sent",
	.tokens = {(void *)&cmd_show_word_show, (void *)&cmd_show_ipfix_what, NULL},
};

/* ---- show config ---- */

static void
cmd_show_config_parsed(void *parsed, struct cmdline *cl, void *data)
{
	json_t *j = wm_ctl_conf_json();
	char *text = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	if (text != NULL)
		cmdline_printf(cl, "%s\n", text);
	cmdline_printf(cl, "(-c %s, -i %s)\n",
		       con.app->conf.config_file != NULL ? con.app->conf.config_file : "none",
		       con.app->conf.interactive ? "on" : "off");
	free(text);
	json_decref(j);
}

static cmdline_parse_token_string_t cmd_show_config_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_word_result, what, "config");

static cmdline_parse_inst_t cmd_show_config = {
	.f = cmd_show_config_parsed,
	.data = NULL,
	.help_str = "show config: the running configuration, as a config file would give it",
	.tokens = {(void *)&cmd_show_word_show, (void *)&cmd_show_config_what, NULL},
};

/* ---- set idle-timeout|active-timeout S ---- */

struct cmd_set_timeout_result {
	cmdline_fixed_string_t set;
	cmdline_fixed_string_t which;
	cmdline_fixed_string_t seconds;
};

int
wm_console_parse_seconds(const char *text, double max, double *out)
{
	char *end;
	double v = strtod(text, &end);

	/* !(v > 0) also refuses NaN; v > max refuses infinity. */
	if (end == text || *end != '\0' || !(v > 0) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A number of seconds in (0, max]; false with a message otherwise. */
static bool
parse_seconds(struct cmdline *cl, const char *text, double max, double *out)
{
	if (wm_console_parse_seconds(text, max, out) != 0) {
		cmdline_printf(cl, "'%s': expected seconds in (0, %g]\n", text, max);
		return false;
	}
	return true;
}

static void
cmd_set_timeout_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_set_timeout_result *res = parsed;
	const bool idle = data == NULL;
	double idle_s = con.app->conf.idle_timeout, active_s = con.app->conf.active_timeout, v;
	uint64_t idle_back, active_back;
	int rc;

	if (!parse_seconds(cl, res->seconds, MAX_TIMEOUT_S, &v))
		return;
	if (idle)
		idle_s = v;
	else
		active_s = v;
	/* At least 1 ns, as at start. */
	rc = wm_ctl_set_timeouts(RTE_MAX((uint64_t)(idle_s * 1e9), 1ull),
				 RTE_MAX((uint64_t)(active_s * 1e9), 1ull), &idle_back,
				 &active_back, wm_mgmt_service);
	if (rc < 0) {
		cmdline_printf(cl, "set %s: %s\n", res->which, strerror(-rc));
		return;
	}
	if (rc != (int)con.app->n_workers)
		cmdline_printf(cl, "set %s: only %d of %u workers answered\n", res->which, rc,
			       con.app->n_workers);
	wm_ctl_conf_timeouts(idle_s, active_s);
	cmdline_printf(cl,
		       "idle timeout %g s, active timeout %g s: read back from %d flow table(s)"
		       " as %.9g s and %.9g s\n",
		       idle_s, active_s, rc, (double)idle_back / 1e9, (double)active_back / 1e9);
}

static cmdline_parse_token_string_t cmd_set_timeout_set =
	TOKEN_STRING_INITIALIZER(struct cmd_set_timeout_result, set, "set");
static cmdline_parse_token_string_t cmd_set_timeout_idle =
	TOKEN_STRING_INITIALIZER(struct cmd_set_timeout_result, which, "idle-timeout");
static cmdline_parse_token_string_t cmd_set_timeout_active =
	TOKEN_STRING_INITIALIZER(struct cmd_set_timeout_result, which, "active-timeout");
static cmdline_parse_token_string_t cmd_set_timeout_seconds =
	TOKEN_STRING_INITIALIZER(struct cmd_set_timeout_result, seconds, NULL);

static cmdline_parse_inst_t cmd_set_idle_timeout = {
	.f = cmd_set_timeout_parsed,
	.data = NULL,
	.help_str = "set idle-timeout <S>: flows quiet for S seconds end (every worker's table)",
	.tokens = {(void *)&cmd_set_timeout_set, (void *)&cmd_set_timeout_idle,
		   (void *)&cmd_set_timeout_seconds, NULL},
};

static cmdline_parse_inst_t cmd_set_active_timeout = {
	.f = cmd_set_timeout_parsed,
	.data = (void *)1,
	.help_str = "set active-timeout <S>: long flows are exported every S seconds",
	.tokens = {(void *)&cmd_set_timeout_set, (void *)&cmd_set_timeout_active,
		   (void *)&cmd_set_timeout_seconds, NULL},
};

/* ---- clear stats ---- */

struct cmd_two_words_result {
	cmdline_fixed_string_t a;
	cmdline_fixed_string_t b;
};

static void
cmd_clear_stats_parsed(void *parsed, struct cmdline *cl, void *data)
{
	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	counters_now(&con.base);
	con.cleared = true;
	cmdline_printf(cl, "statistics cleared: show stats and show port stats count from now "
			   "(the report and telemetry count from the start)\n");
}

static cmdline_parse_token_string_t cmd_clear_stats_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, a, "clear");
static cmdline_parse_token_string_t cmd_clear_stats_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, b, "stats");

static cmdline_parse_inst_t cmd_clear_stats = {
	.f = cmd_clear_stats_parsed,
	.data = NULL,
	.help_str = "clear stats: show stats and show port stats count from now on",
	.tokens = {(void *)&cmd_clear_stats_clear, (void *)&cmd_clear_stats_stats, NULL},
};

/* ---- flush flows ---- */

static void
cmd_flush_flows_parsed(void *parsed, struct cmdline *cl, void *data)
{
	uint64_t flows, records;
	int rc;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	/* A large table takes a while in slices: wait longer than for a look. */
	rc = wm_ctl_flush(&flows, &records, 10000, wm_mgmt_service);
	if (rc < 0) {
		cmdline_printf(cl, "flush flows: %s\n", strerror(-rc));
		return;
	}
	cmdline_printf(cl,
		       "flushed %" PRIu64 " flows: %" PRIu64
		       " records with flowEndReason 4 (forcedEnd, or 3 for ended TCP), "
		       "%d of %u workers answered\n",
		       flows, records, rc, con.app->n_workers);
}

static cmdline_parse_token_string_t cmd_flush_flows_flush =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, a, "flush");
static cmdline_parse_token_string_t cmd_flush_flows_flows =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, b, "flows");

static cmdline_parse_inst_t cmd_flush_flows = {
	.f = cmd_flush_flows_parsed,
	.data = NULL,
	.help_str = "flush flows: export every active flow now (forced end); metering goes on",
	.tokens = {(void *)&cmd_flush_flows_flush, (void *)&cmd_flush_flows_flows, NULL},
};

/* ---- sleep S ---- */

static void
cmd_sleep_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_two_words_result *res = parsed;
	double s;

	RTE_SET_USED(data);
	if (!parse_seconds(cl, res->b, 3600, &s))
		return;
	con.resume_tsc = rte_rdtsc() + (uint64_t)(s * (double)rte_get_tsc_hz());
}

static cmdline_parse_token_string_t cmd_sleep_sleep =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, a, "sleep");
static cmdline_parse_token_string_t cmd_sleep_seconds =
	TOKEN_STRING_INITIALIZER(struct cmd_two_words_result, b, NULL);

static cmdline_parse_inst_t cmd_sleep = {
	.f = cmd_sleep_parsed,
	.data = NULL,
	.help_str = "sleep <S>: read the next command S seconds later; metering goes on",
	.tokens = {(void *)&cmd_sleep_sleep, (void *)&cmd_sleep_seconds, NULL},
};

/* ---- quit ---- */

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	/* As SIGINT: stop Rx, flush every flow, report, exit 0. */
	wm_force_quit = true;
	con.quit = true;
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_quit_quit =
	TOKEN_STRING_INITIALIZER(struct cmd_help_result, help, "quit");

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.data = NULL,
	.help_str = "quit: stop, export every flow, print the summary and exit (as SIGINT)",
	.tokens = {(void *)&cmd_quit_quit, NULL},
};

static cmdline_parse_ctx_t main_ctx[] = {
	&cmd_help,
	&cmd_show_stats,
	&cmd_show_port_stats_all,
	&cmd_show_port_stats_id,
	&cmd_show_flows,
	&cmd_show_flows_top_n,
	&cmd_show_flows_sort_by,
	&cmd_show_flows_top_sort,
	&cmd_show_flow,
	&cmd_show_streams,
	&cmd_show_streams_lossy_only,
	&cmd_show_streams_lossy_json,
	&cmd_show_gaps,
	&cmd_show_gaps_n_latest,
	&cmd_show_gaps_as_json,
	&cmd_show_gaps_n_json,
	&cmd_show_lcores,
	&cmd_show_ipfix,
	&cmd_show_config,
	&cmd_set_idle_timeout,
	&cmd_set_active_timeout,
	&cmd_clear_stats,
	&cmd_flush_flows,
	&wm_cmd_capture,
	&wm_cmd_show_capture,
	&wm_cmd_xdp_filter,
	&cmd_sleep,
	&cmd_quit,
	NULL,
};

struct cmdline *
wm_console_cmdline_new(int fd_out)
{
	return cmdline_new(main_ctx, PROMPT, -1, fd_out);
}

/* ---- the console's life ---- */

static void
tty_open(void)
{
	con.tty = cmdline_stdin_new(main_ctx, PROMPT);
	if (con.tty == NULL)
		WM_LOG(WARNING, "cannot open the console on stdin");
}

/* Whatever the way out, leave the terminal as it was found. */
static void
console_atexit(void)
{
	wm_console_close();
}

int
wm_console_open(struct wm_app *app)
{
	con.app = app;
	con.want_tty = app->conf.interactive != 0;
	if (app->conf.cmdline_file != NULL) {
		char err[1200];

		/* With --trust-key, the bytes read are the ones verified (wm_evidence.h). */
		con.file = wm_evidence_fopen_input(app->conf.cmdline_file, err, sizeof(err));
		if (con.file == NULL) {
			fprintf(stderr, "wiremeter: error: --cmdline-file %s\n", err);
			return -EPERM;
		}
		con.fcl = cmdline_new(main_ctx, PROMPT, -1, STDOUT_FILENO);
		if (con.fcl == NULL) {
			fclose(con.file);
			con.file = NULL;
			return -ENOMEM;
		}
	} else if (con.want_tty) {
		tty_open();
	}
	atexit(console_atexit);
	return 0;
}

/* The command file, one line per call: a 'sleep' can hold the next. */
static void
file_step(void)
{
	char line[512]; /* rdline takes 512 bytes a line */
	size_t n;

	if (fgets(line, sizeof(line), con.file) == NULL) {
		fclose(con.file);
		con.file = NULL;
		cmdline_printf(con.fcl, "\n");
		cmdline_free(con.fcl);
		con.fcl = NULL;
		if (con.want_tty && !con.quit)
			tty_open();
		return;
	}
	n = strlen(line);
	if (n > 0 && line[n - 1] != '\n' && n + 1 < sizeof(line)) {
		line[n++] = '\n';
		line[n] = '\0';
	}
	if (cmdline_in(con.fcl, line, (int)n) < 0)
		con.quit = true;
}

/* Bytes of input taken per management loop: a pasted block does not hold the rings up. */
#define POLL_BYTES 256

bool
wm_console_poll(struct wm_app *app)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	unsigned int i;
	int st;

	RTE_SET_USED(app);
	if (con.quit || (con.resume_tsc != 0 && rte_rdtsc() < con.resume_tsc))
		return false;
	if (con.file != NULL) {
		file_step();
		return true;
	}
	if (con.tty == NULL)
		return false;
	for (i = 0; i < POLL_BYTES && !con.quit && poll(&pfd, 1, 0) > 0; i++) {
		st = cmdline_poll(con.tty);
		/* 'quit', the end of stdin, or Ctrl-D on an empty line (< 0): quit, as testpmd. */
		if (st == RDLINE_EXITED || st < 0) {
			if (!con.quit)
				cmdline_printf(con.tty, "\n");
			wm_force_quit = true;
			con.quit = true;
		}
		/* A 'sleep' holds the rest of the input. */
		if (con.resume_tsc != 0 && rte_rdtsc() < con.resume_tsc)
			break;
	}
	return i > 0;
}

void
wm_console_close(void)
{
	if (con.tty != NULL) {
		cmdline_printf(con.tty, "\n");
		cmdline_stdin_exit(con.tty); /* restores the terminal */
		con.tty = NULL;
	}
	if (con.fcl != NULL) {
		cmdline_free(con.fcl);
		con.fcl = NULL;
	}
	if (con.file != NULL) {
		fclose(con.file);
		con.file = NULL;
	}
}
