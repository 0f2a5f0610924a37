/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_STATS_H
#define WM_STATS_H

/*
 * One snapshot of every counter the report, telemetry, the console and the
 * stats line show. Taking it reads each worker's counters with relaxed
 * loads (single writer each) and asks ethdev; no worker is touched. The
 * renderers only print it, so a total is summed in one place.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>

#include "wm_app.h"
#include "wm_flow.h"

/*
 * Which views show a counter beside the totals and the list it is in:
 * telemetry's /wiremeter/stats (totals and workerN), the report's
 * "workers" entries.
 */
#define WM_SHOW_TEL 1u
#define WM_SHOW_REPORT 2u
#define WM_SHOW_BOTH (WM_SHOW_TEL | WM_SHOW_REPORT)

/* A flow table's counters (struct wm_flow_stats): field, key name, views. */
#define WM_FOREACH_FLOW_COUNTER(X)                   \
	X(active, "flowsActive", WM_SHOW_TEL)        \
	X(created, "flowsCreated", WM_SHOW_BOTH)     \
	X(exported, "flowsExported", WM_SHOW_TEL)    \
	X(evicted, "flowsEvicted", WM_SHOW_BOTH)     \
	X(not_metered, "notMetered", WM_SHOW_REPORT) \
	X(tunnels_unrecorded, "tunnelsUnrecorded", WM_SHOW_BOTH)

/* A fragment table's counters (struct wm_frag_stats): field, key name, views. */
#define WM_FOREACH_FRAG_COUNTER(X)                            \
	X(attributed, "fragmentsAttributed", WM_SHOW_TEL)     \
	X(unattributed, "fragmentsUnattributed", WM_SHOW_TEL) \
	X(table_full, "fragmentTableFull", WM_SHOW_TEL)       \
	X(held, "fragmentsHeld", WM_SHOW_TEL)                 \
	X(absorbed, "fragmentsAbsorbed", WM_SHOW_TEL)

/* A worker's own counters (struct wm_worker): field, key name, views. */
#define WM_FOREACH_WORKER_COUNTER(X)                         \
	X(busy_cycles, "busyCycles", WM_SHOW_BOTH)           \
	X(polls, "polls", WM_SHOW_TEL)                       \
	X(rx_stalls, "rxStalls", WM_SHOW_BOTH)               \
	X(ipfix_records, "ipfixRecordsEncoded", WM_SHOW_TEL) \
	X(ipfix_messages, "ipfixMessages", WM_SHOW_TEL)      \
	X(seq_pkts, "seqPackets", WM_SHOW_TEL)               \
	X(seq_streams, "seqStreams", WM_SHOW_TEL)            \
	X(gap_events, "gapEvents", WM_SHOW_TEL)              \
	X(gaps_dropped, "gapEventsDropped", 0)               \
	X(frag_nonfirst, "fragmentsNonFirst", 0)             \
	X(cap_selected, "captureSelected", WM_SHOW_BOTH)     \
	X(cap_queued, "captureQueued", WM_SHOW_BOTH)         \
	X(cap_drop_pool, "captureDroppedPool", WM_SHOW_BOTH) \
	X(cap_drop_ring, "captureDroppedRing", WM_SHOW_BOTH)

/* ethdev's Rx counters a port's section shows (struct rte_eth_stats): field, key name. */
#define WM_FOREACH_ETH_COUNTER(X) \
	X(ipackets, "rxPackets")  \
	X(ibytes, "rxBytes")      \
	X(imissed, "imissed")     \
	X(ierrors, "ierrors")     \
	X(rx_nombuf, "rxNoMbuf")

/* One worker's counters, or (wm_stats.total) all workers' summed. */
struct wm_stats_counters {
	struct wm_port_counters c; /* summed over the ports */
#define WM_X(f, k, show) uint64_t f;
	WM_FOREACH_FLOW_COUNTER(WM_X)
	WM_FOREACH_FRAG_COUNTER(WM_X)
	WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
	uint64_t parse_err[WM_PKT_ERR_MAX];
	uint64_t tunnel_decoded[WM_PKT_TUNNEL_MAX];   /* index 0 (none) unused */
	uint64_t tunnel_undecoded[WM_PKT_TUNNEL_MAX]; /* index 0 (none) unused */
	uint64_t offload[WM_PKT_OFFLOAD_MAX];	      /* index 0 (none) unused */
};

/*
 * The parser's per-kind counters (lib/pkt's X-macro lists), as arrays of
 * struct wm_stats_counters: field, its size, its kinds' name function,
 * and the key of the object (kind -> count) telemetry's totals and the
 * report show it as.
 */
#define WM_FOREACH_PKT_ARRAY(X)                                                       \
	X(tunnel_decoded, WM_PKT_TUNNEL_MAX, wm_pkt_tunnel_name, "tunnelDecoded")     \
	X(tunnel_undecoded, WM_PKT_TUNNEL_MAX, wm_pkt_tunnel_name, "tunnelUndecoded") \
	X(offload, WM_PKT_OFFLOAD_MAX, wm_pkt_offload_name, "offloadFrames")

/* One port: the workers' counters summed, and what ethdev says. */
struct wm_stats_port {
	struct wm_port_counters c;
	struct rte_eth_stats eth; /* zero when ethdev has none */
	uint64_t drops;		  /* imissed + rx_nombuf + ierrors */
};

struct wm_stats {
	uint64_t tsc; /* when taken */
	struct wm_stats_port port[WM_MAX_PORTS];
	uint64_t ipackets, ibytes, drops; /* ethdev, summed over the ports */
	struct wm_stats_counters worker[WM_MAX_WORKERS];
	struct wm_stats_counters total;
	/* The main lcore's own totals: filled by wm_stats_take_main() only. */
	uint64_t records, pkts, octets;
	uint64_t by_reason[WM_FLOW_END_REASONS];
	uint64_t seq_lost, seq_with_loss, seq_tracked;
	bool ipfix; /* an exporter runs: ex is set */
	struct wm_exporter_totals ex;
};

/* Workers' and ethdev counters; any thread. */
void wm_stats_take(const struct wm_app *app, struct wm_stats *s);

/* wm_stats_take() and the main lcore's totals and exporter; main lcore only. */
void wm_stats_take_main(const struct wm_app *app, struct wm_stats *s);

#endif /* WM_STATS_H */
