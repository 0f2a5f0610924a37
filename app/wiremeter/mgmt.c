/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The management loop on the main lcore: drain the workers' export
 * rings into the record sink, print the periodic stats line, notice the
 * end of a replay or a signal, and drive the graceful shutdown:
 * workers stop Rx and flush every flow (forced end), the main lcore
 * drains until every worker is done and every ring is empty.
 */

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "wm_app.h"
#include "wm_cap.h"
#include "wm_console.h"
#include "wm_ctl.h"
#include "wm_engine.h"
#include "wm_format.h"
#include "wm_mgmt.h"
#include "wm_output.h"
#include "wm_stats.h"

#define DRAIN_BURST 256
/* A replay whose Rx counters stop moving this long before the count is reached has ended. */
#define REPLAY_STUCK_S 5

/*
 * Take records from every worker. A record's stream snapshots were
 * queued on the worker's sequence ring before the record itself, so
 * they are there when the record is.
 */
static unsigned int
drain_rings(struct wm_app *app)
{
	struct wm_flow_export recs[DRAIN_BURST];
	struct wm_gap_event gaps[DRAIN_BURST];
	struct wm_seq_end ends[16];
	unsigned int wi, total = 0;

	for (wi = 0; wi < app->n_workers; wi++) {
		struct wm_worker *w = app->workers[wi];
		unsigned int n, i;

		n = rte_ring_dequeue_burst_elem(w->export_ring, recs, sizeof(recs[0]), DRAIN_BURST,
						NULL);
		for (i = 0; i < n; i++) {
			struct wm_seq_snapshot snaps[2];
			unsigned int ns = wm_seq_count(&recs[i]);

			if (ns != 0 && rte_ring_dequeue_bulk_elem(w->seq_ring, snaps,
								  sizeof(snaps[0]), ns, NULL) != ns)
				ns = 0; /* cannot happen: the worker queued them first */
			wm_output_record(&recs[i], snaps, ns);
		}
		total += n;
		if (w->gap_ring == NULL)
			continue;
		n = rte_ring_dequeue_burst_elem(w->seq_end_ring, ends, sizeof(ends[0]),
						RTE_DIM(ends), NULL);
		for (i = 0; i < n; i++)
			wm_output_streams_ended(&ends[i].e, ends[i].s, ends[i].n);
		total += n;
		n = rte_ring_dequeue_burst_elem(w->gap_ring, gaps, sizeof(gaps[0]), DRAIN_BURST,
						NULL);
		/* Those whose packet the capture is still writing wait for it, in order. */
		n = wm_capture_gaps_ready(wi, gaps, n, DRAIN_BURST);
		for (i = 0; i < n; i++)
			wm_output_gap(&gaps[i]);
		wm_ctl_gaps_note(gaps, n); /* the recent ones, for telemetry and the console */
		total += n;
	}
	return total;
}

/*
 * Has every file been read? A replay port (--pcap) says so itself (its
 * link goes down, wm_replay.h). net_pcap never says: compare what the
 * port took (good, failed, or without an mbuf) with the file's count,
 * and give up when its counters stop moving short of it.
 */
static bool
replay_finished(struct wm_app *app, uint64_t now_tsc)
{
	static uint64_t last_sum = UINT64_MAX, last_change_tsc;
	uint64_t sum = 0;
	bool all = true, counted = false;
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		struct rte_eth_stats st;
		uint64_t got;

		if (app->ports[pid].self_ending) {
			all &= wm_ports_replay_ended(app, pid);
			continue;
		}
		if (rte_eth_stats_get(pid, &st) != 0)
			continue;
		counted = true;
		got = st.ipackets + st.ierrors + st.rx_nombuf;
		sum += got;
		if (got < app->ports[pid].expected_pkts)
			all = false;
	}
	if (!counted)
		return all;
	if (sum != last_sum) {
		last_sum = sum;
		last_change_tsc = now_tsc;
	} else if (!all && now_tsc - last_change_tsc > REPLAY_STUCK_S * rte_get_tsc_hz()) {
		WM_LOG(WARNING, "replay: Rx stopped %ds short of the files' packet count; ending",
		       REPLAY_STUCK_S);
		return true;
	}
	return all;
}

struct stats_prev {
	uint64_t tsc;
	uint64_t ipackets;
	uint64_t ibytes;
};

static void
stats_line(struct wm_app *app, uint64_t now_tsc, uint64_t start_tsc, struct stats_prev *prev)
{
	static struct wm_stats s; /* the main lcore's; too big for its stack */
	double dt = (double)(now_tsc - prev->tsc) / (double)app->tsc_hz;
	struct wm_stats_figures f = {0};
	char line[512], cap[128], eng[160];

	wm_stats_take_main(app, &s);
	if (dt <= 0)
		dt = 1;
	f.seconds = (double)(now_tsc - start_tsc) / (double)app->tsc_hz;
	f.mpps = (double)(s.ipackets - prev->ipackets) / dt / 1e6;
	f.gbps = (double)(s.ibytes - prev->ibytes) * 8 / dt / 1e9;
	f.active = s.total.active;
	f.exported = s.records;
	f.seq_lost = s.seq_lost;
	f.seq_streams = s.seq_with_loss;
	f.drops = s.drops;
	f.ipfix = s.ipfix;
	f.ex = s.ex;
	wm_stats_line_format(&f, line, sizeof(line));
	wm_capture_stats_suffix(app, cap, sizeof(cap));
	wm_engine_stats_suffix(eng, sizeof(eng));
	fprintf(stderr, "%s%s%s\n", line, cap, eng);
	prev->tsc = now_tsc;
	prev->ipackets = s.ipackets;
	prev->ibytes = s.ibytes;
}

static bool
all_done(struct wm_app *app)
{
	unsigned int wi;

	for (wi = 0; wi < app->n_workers; wi++)
		if (!__atomic_load_n(&app->workers[wi]->done, __ATOMIC_ACQUIRE) ||
		    !rte_ring_empty(app->workers[wi]->export_ring) ||
		    (app->workers[wi]->gap_ring != NULL &&
		     (!rte_ring_empty(app->workers[wi]->gap_ring) ||
		      !rte_ring_empty(app->workers[wi]->seq_end_ring))) ||
		    (app->workers[wi]->ipfix_full != NULL &&
		     !rte_ring_empty(app->workers[wi]->ipfix_full)))
			return false;
	return true;
}

void
wm_mgmt_service(void)
{
	drain_rings(&wm_app);
	wm_exporter_poll(&wm_app);
}

/* Each worker's next tunnel chunk, allocated here so no worker calls the allocator. */
static void
tunnel_spares(struct wm_app *app)
{
	unsigned int wi;

	for (wi = 0; wi < app->n_workers; wi++)
		wm_flow_table_refill(app->workers[wi]->flows);
}

int
wm_mgmt_run(struct wm_app *app)
{
	uint64_t hz = app->tsc_hz, start = rte_rdtsc(), stop_tsc = 0, first = UINT64_MAX;
	uint64_t interval = (uint64_t)(app->conf.stats_interval * (double)hz);
	uint64_t next_stats = start + interval, next_eof_check = start;
	uint64_t flush_period = (uint64_t)(app->conf.ipfix_flush * (double)hz);
	struct stats_prev prev = {.tsc = start};
	bool stopping = false;
	unsigned int wi;

	for (;;) {
		uint64_t now = rte_rdtsc();
		unsigned int n = drain_rings(app) + wm_exporter_poll(app);

		tunnel_spares(app);

		if (interval != 0 && now >= next_stats) {
			stats_line(app, now, start, &prev);
			next_stats += interval;
		}
		wm_ctl_publish(app, now, false);
		if (wm_reopen_wanted) {
			/* Records already taken go to the old files; the rest to the new. */
			wm_reopen_wanted = false;
			wm_output_reopen(&app->conf);
			wm_exporter_reopen();
		}
		if (!stopping) {
			bool end;

			/* The console ('quit' sets wm_force_quit, like SIGINT). */
			n += wm_console_poll(app);
			end = wm_force_quit;

			if (!end && app->replay && now >= next_eof_check) {
				next_eof_check = now + hz / 1000;
				end = replay_finished(app, now);
			}
			if (end) {
				/* The terminal is the user's again before the summary. */
				wm_console_close();
				stopping = true;
				stop_tsc = rte_rdtsc();
				for (wi = 0; wi < app->n_workers; wi++)
					__atomic_store_n(&app->workers[wi]->stop, true,
							 __ATOMIC_RELEASE);
			}
		} else if (all_done(app)) {
			drain_rings(app);
			wm_exporter_finish(app);
			wm_capture_finish(app); /* before the report, which counts its files */
			/* The gap events that waited for the capture. */
			while (drain_rings(app) > 0)
				;
			break;
		}
		wm_output_flush_tick(n, now, flush_period);
		if (n == 0)
			usleep(100);
	}
	for (wi = 0; wi < app->n_workers; wi++) {
		uint64_t f = app->workers[wi]->first_pkt_tsc;

		if (f != 0 && f < first)
			first = f;
	}
	wm_ports_files_update(app);
	return wm_report_write(app, first == UINT64_MAX || stop_tsc < first
					    ? 0.0
					    : (double)(stop_tsc - first) / (double)hz);
}
