/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The worker loop: run to completion, one lcore, no locks, no
 * allocation, no logging. Per poll: Rx bursts from this worker's
 * queues (and, on the distributor's worker, a distributor poll:
 * distributor.c), prefetch ahead, then parse and meter each packet,
 * free; every few polls, expire a bounded slice of the flow table; hand
 * records to the main lcore over SPSC rings. It reads only its own
 * context, struct wm_worker (its settings in w->conf), never a global.
 */

#include <string.h>

#include <rte_bpf.h>
#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "wm_cap.h"
#include "wm_ctl.h"
#include "wm_engine.h"
#include "wm_xdp.h"
#include "wm_worker.h"

/* Expire on every EXPIRE_EVERY-th poll, busy or idle, with a bounded budget. */
#define EXPIRE_EVERY 8
#define EXPIRE_BUDGET WM_FLOW_BURST_MAX
#define PREFETCH_AHEAD 4
/* The capture tap's per-burst masks have a bit per packet. */
_Static_assert(WM_BURST <= 64, "a burst fits in the capture tap's masks");

/* Hand the message being built to the main lcore. */
static void
ipfix_handoff(struct wm_worker *w)
{
	struct wm_ipfix_buf *b = w->ipfix_cur;

	b->len = wm_ipfix_msg_finish(&w->ipfix_msg, 0, 0); /* the main lcore stamps both */
	b->records = w->ipfix_msg.records;
	b->flows = w->ipfix_msg.flows;
	b->pkts = w->ipfix_msg.pkts;
	b->octets = w->ipfix_msg.octets;
	/* Cannot fail: the ring has room for every buffer there is. */
	rte_ring_enqueue(w->ipfix_full, b);
	w->ipfix_cur = NULL;
	w->ipfix_messages++;
}

/* Start a message in a free buffer; false when none is free yet. */
static bool
ipfix_open(struct wm_worker *w)
{
	void *b;

	if (rte_ring_dequeue(w->ipfix_free, &b) != 0) {
		w->ipfix_no_buf++;
		return false;
	}
	w->ipfix_cur = b;
	wm_ipfix_msg_init(&w->ipfix_msg, w->ipfix_cur->data, (uint16_t)w->conf.ipfix_mtu,
			  w->domain_id);
	w->ipfix_opened_tsc = rte_rdtsc();
	return true;
}

/*
 * Encode records into this worker's IPFIX messages. Returns how many
 * were encoded: fewer than n only when no buffer is free (the main lcore
 * is behind), and the rest wait in the pending buffer.
 */
static unsigned int
ipfix_encode(struct wm_worker *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct wm_flow_export *e = &w->pending[i];
		const unsigned int ns = wm_seq_count(e);
		int rc;

		if (w->ipfix_cur == NULL && !ipfix_open(w))
			break;
		rc = wm_ipfix_msg_add_flow(&w->ipfix_msg, w->ipfix_enc, e, w->pending_seq[i], ns);
		if (rc == -ENOSPC) {
			ipfix_handoff(w);
			if (!ipfix_open(w))
				break;
			/* Fits in an empty message: the MTU was checked against the encoder. */
			rc = wm_ipfix_msg_add_flow(&w->ipfix_msg, w->ipfix_enc, e,
						   w->pending_seq[i], ns);
		}
		w->ipfix_records += (unsigned int)rc;
	}
	return i;
}

/* A message that has waited the flush interval goes, full or not. */
static inline void
ipfix_age(struct wm_worker *w)
{
	if (w->ipfix_cur != NULL && !wm_ipfix_msg_empty(&w->ipfix_msg) &&
	    rte_rdtsc() - w->ipfix_opened_tsc >= w->ipfix_flush_tsc)
		ipfix_handoff(w);
}

/*
 * Move what we can from the pending records to the outputs: the export
 * ring (JSON lines, totals) and, with collectors, this worker's IPFIX
 * message. A record leaves the pending buffer only when both took it.
 */
static inline void
pending_flush(struct wm_worker *w)
{
	unsigned int n = w->n_pending, k, i;

	if (n == 0)
		return;
	n = RTE_MIN(n, rte_ring_free_count(w->export_ring));
	if (w->seq_pool != NULL) {
		/* Their stream records go first, and must fit too. */
		unsigned int room = rte_ring_free_count(w->seq_ring), need = 0;

		for (i = 0; i < n; i++) {
			need += wm_seq_count(&w->pending[i]);
			if (need > room)
				break;
		}
		n = i;
	}
	if (w->ipfix_enc != NULL)
		n = ipfix_encode(w, n);
	if (n == 0)
		return;
	if (w->seq_pool != NULL)
		for (i = 0; i < n; i++)
			if (wm_seq_count(&w->pending[i]) != 0)
				rte_ring_enqueue_burst_elem(w->seq_ring, w->pending_seq[i],
							    sizeof(struct wm_seq_snapshot),
							    wm_seq_count(&w->pending[i]), NULL);
	/* Takes all n: the single producer saw that much room. */
	k = rte_ring_enqueue_burst_elem(w->export_ring, w->pending, sizeof(struct wm_flow_export),
					n, NULL);
	if (k < w->n_pending) {
		memmove(w->pending, &w->pending[k], (w->n_pending - k) * sizeof(w->pending[0]));
		if (w->seq_pool != NULL)
			memmove(w->pending_seq, &w->pending_seq[k],
				(w->n_pending - k) * sizeof(w->pending_seq[0]));
	}
	w->n_pending -= k;
}

/* Does the --filter program refuse this packet (returns 0 for it)? */
static inline bool
filter_drops(const struct wm_worker_conf *c, struct rte_mbuf *m)
{
	void *ctx = m;
	uint64_t rc;

	if (c->filter_jit != NULL)
		return c->filter_jit(m) == 0;
	rte_bpf_exec_burst(c->filter, &ctx, &rc, 1);
	return rc == 0;
}

/* A packet's parse: its own, or the one the distributor left in the mbuf (@p parsed). */
static inline enum wm_pkt_error
parse(const struct wm_worker *w, const struct rte_mbuf *m, bool parsed, struct wm_pkt_meta *meta)
{
	const struct wm_parsed *pp;

	if (!parsed)
		return wm_pkt_parse_frame(rte_pktmbuf_mtod(m, const uint8_t *),
					  rte_pktmbuf_data_len(m), rte_pktmbuf_pkt_len(m),
					  w->conf.pkt_opts, meta);
	pp = rte_mbuf_to_priv((struct rte_mbuf *)(uintptr_t)m);
	*meta = pp->meta;
	return (enum wm_pkt_error)pp->err;
}

/*
 * Parse and meter one burst. Every packet ends in exactly one of:
 * filtered, metered, parse error. The caller frees the mbufs. Returns the
 * latest packet time of the burst. @p parsed: the distributor dealt the
 * burst and left each packet's parse in its mbuf. Inlined into one
 * function per value of @p parsed, so neither pays for the other's branch.
 */
static __rte_always_inline uint64_t
burst_stage(struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n, bool parsed)
{
	struct wm_pkt_meta metas[WM_BURST];
	const struct wm_pkt_meta *ok[WM_BURST];
	uint64_t tsc = rte_rdtsc();
	uint64_t burst_ns = wm_worker_ns(&w->conf, tsc), latest = 0;
	const bool filter = w->conf.filter != NULL;
	unsigned int i, n_ok = 0;

	if (unlikely(w->first_pkt_tsc == 0))
		w->first_pkt_tsc = tsc;
	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct wm_pkt_meta *meta = &metas[i];
		struct wm_port_counters *pc = &w->port[m->port];
		enum wm_pkt_error err;
		uint64_t ts;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		pc->rx++;
		/* Every packet moves the clock, metered or not. */
		ts = wm_pkt_time(&w->conf, m, burst_ns);
		if (ts > latest)
			latest = ts;
		if (unlikely(filter) && filter_drops(&w->conf, m)) {
			pc->filtered++;
			w->cap.skip |= 1ull << i; /* for the capture tap */
			continue;
		}
		err = parse(w, m, parsed, meta);
		if (unlikely(err != WM_PKT_OK)) {
			w->parse_err[err]++;
			pc->parse_errors++;
			w->cap.perr |= 1ull << i; /* for the capture tap */
			continue;
		}
		meta->ts_ns = ts;
		meta->port = m->port;
		/* Non-IP frames count their bytes: all segments, not the first only. */
		if (unlikely(m->nb_segs > 1) &&
		    (meta->kind == WM_PKT_KIND_L2 || meta->kind == WM_PKT_KIND_MACSEC))
			meta->l3_len += rte_pktmbuf_pkt_len(m) - rte_pktmbuf_data_len(m);
		if (unlikely((meta->flags & WM_PKT_F_FRAG) ||
			     (meta->encap_flags & WM_PKT_E_OUTER_FRAG))) {
			if (meta->flags & WM_PKT_F_FRAG_NONFIRST)
				w->frag_nonfirst++;
			/*
			 * Before its first fragment: metered when frag_drain() gives it
			 * back. Absorbed: in its tunnel's inner packet, already metered.
			 */
			if (wm_frag_table_update(w->frags, meta) != WM_FRAG_METER) {
				pc->metered++;
				continue;
			}
		}
		/*
		 * Counted by index (each field is 0, none, or below its _MAX);
		 * index 0 is never read, so the common plain packet stores nothing.
		 */
		if (unlikely(meta->encap | meta->undecoded | meta->offload)) {
			w->tunnel_decoded[meta->encap]++;
			w->tunnel_undecoded[meta->undecoded]++;
			w->offload[meta->offload]++;
		}
		if (w->seq_pool != NULL)
			wm_seq_detect(w, meta, rte_pktmbuf_data_len(m), i);
		pc->metered++;
		ok[n_ok++] = meta;
	}
	if (n_ok > 0) {
		w->burst_metas = metas; /* for the sequence hook */
		w->n_pending +=
			wm_flow_table_update_bulk(w->flows, ok, n_ok, &w->pending[w->n_pending]);
		wm_seq_drain(w); /* the packets the sequence hook held */
	}
	/* The capture tap, after metering: one predictable branch when no capture is on. */
	if (unlikely(w->cap.tap != NULL))
		wm_capture_tap(w, pkts, metas, n, tsc);
	w->busy_cycles += rte_rdtsc() - tsc;
	return latest;
}

/* A burst from the worker's own queues. */
static __rte_noinline uint64_t
process_burst(struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	return burst_stage(w, pkts, n, false);
}

/* A burst the distributor dealt, each packet parsed already. */
static __rte_noinline uint64_t
process_burst_dealt(struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	return burst_stage(w, pkts, n, true);
}

/* Can the pending buffer take every record one more burst may end? */
static inline bool
room_for_burst(const struct wm_worker *w)
{
	return w->n_pending + WM_BURST <= WM_PENDING_MAX;
}

/*
 * Meter the fragments the fragment table gives back (their first fragment
 * came, or their time is up: lib/pkt) like a burst, when the pending
 * buffer has room for one. Returns how many.
 */
static unsigned int
frag_drain(struct wm_worker *w, uint64_t now)
{
	struct wm_pkt_meta metas[WM_BURST];
	const struct wm_pkt_meta *ok[WM_BURST];
	unsigned int i, n;

	if (!room_for_burst(w))
		return 0;
	n = wm_frag_table_take(w->frags, now, metas, WM_BURST);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		ok[i] = &metas[i];
	w->n_pending += wm_flow_table_update_bulk(w->flows, ok, n, &w->pending[w->n_pending]);
	return n;
}

/* Room in the pending buffer, at most 'budget' records. */
static inline unsigned int
pending_room(const struct wm_worker *w, unsigned int budget)
{
	return RTE_MIN(WM_PENDING_MAX - w->n_pending, budget);
}

static inline void
rx_and_process(struct wm_worker *w, unsigned int qi)
{
	struct rte_mbuf *pkts[WM_BURST];
	uint64_t latest = 0;
	uint16_t n;

	if (!room_for_burst(w))
		return;
	n = wm_rxq_burst(&w->rxq[qi], pkts);
	if (n > 0) {
		latest = process_burst(w, pkts, n);
		rte_pktmbuf_free_bulk(pkts, n);
	}
	wm_rxq_seen(&w->conf, &w->rxq[qi], n, latest);
}

static inline unsigned int
ring_in_process(struct wm_worker *w)
{
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int n;

	if (!room_for_burst(w))
		return 0;
	n = rte_ring_dequeue_burst(w->sw_in, (void **)pkts, WM_BURST, NULL);
	if (n == 0)
		return 0;
	process_burst_dealt(w, pkts, (uint16_t)n);
	if (w->conf.clock_dynfield >= 0) {
		uint64_t c = *RTE_MBUF_DYNFIELD(pkts[n - 1], w->conf.clock_dynfield, uint64_t *);

		if (c > w->dealt_clock)
			w->dealt_clock = c;
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/*
 * A replay's clock for this worker. Its own queues: their clock (it
 * meters what it reads at once). Packets from the distributor: the
 * stamp on the last one it metered, or the published clock when its
 * ring is empty (read the clock first: then every packet dealt before
 * it was published has been metered).
 */
static uint64_t
replay_now(struct wm_worker *w)
{
	uint64_t t = 0;

	if (w->sw_in != NULL) {
		uint64_t c = wm_distributor_clock(w->conf.feed);

		t = rte_ring_empty(w->sw_in) ? c : w->dealt_clock;
	}
	if (w->n_rxq > 0) {
		uint64_t own = wm_rxqs_clock(w->rxq, w->n_rxq);

		t = w->sw_in != NULL && t < own ? t : own;
	}
	if (t > w->now_ns)
		w->now_ns = t;
	return w->now_ns;
}

/* The worker's clock: packet time in a replay; else the TSC. */
static inline uint64_t
worker_now(struct wm_worker *w)
{
	if (w->conf.replay)
		return replay_now(w);
	w->now_ns = wm_worker_ns(&w->conf, rte_rdtsc());
	return w->now_ns;
}

static inline void
expire_slice(struct wm_worker *w)
{
	unsigned int room = pending_room(w, EXPIRE_BUDGET);
	uint64_t now = worker_now(w);

	if (room == 0)
		return;
	w->n_pending += wm_flow_table_expire(w->flows, now, &w->pending[w->n_pending], room);
}

/*
 * Shutdown: deliver what the distributor still holds, meter what is in
 * the rings, export what is due by the clock, then flush the rest.
 */
static void
worker_finish(struct wm_worker *w)
{
	uint32_t sweep = 0;
	unsigned int q;

	/* Input has ended (the files are read, or we were told to stop). */
	for (q = 0; q < w->n_rxq; q++)
		w->rxq[q].done = true;
	if (w->dist != NULL) {
		wm_distributor_input_end(w->dist);
		/* Our own ring must drain too, or a full one would never empty. */
		while (!wm_distributor_flush(w->dist)) {
			ring_in_process(w);
			pending_flush(w);
		}
		wm_distributor_finish(w->dist, &w->conf);
	}
	if (w->sw_in != NULL) {
		while (!wm_distributor_done(w->conf.feed) || !rte_ring_empty(w->sw_in)) {
			ring_in_process(w);
			pending_flush(w);
		}
	}
	/* Every fragment still held: on its datagram's flow, or on the ports-0 one. */
	for (;;) {
		pending_flush(w);
		if (frag_drain(w, UINT64_MAX) == 0 && room_for_burst(w))
			break;
	}
	/*
	 * First what is due by the clock, as it would have been had the
	 * input gone on, so a replay's records do not depend on when its
	 * end was noticed; then everything else, as a forced end.
	 */
	while (wm_flow_table_due(w->flows, worker_now(w)) || w->n_pending > 0) {
		expire_slice(w);
		pending_flush(w);
	}
	/* Then what the lists' order hid: inputs out of step in time. */
	while (sweep != UINT32_MAX) {
		w->n_pending +=
			wm_flow_table_sweep(w->flows, worker_now(w), &w->pending[w->n_pending],
					    pending_room(w, EXPIRE_BUDGET), &sweep);
		pending_flush(w);
	}
	for (;;) {
		w->n_pending +=
			wm_flow_table_flush(w->flows, WM_FLOW_END_FORCED, &w->pending[w->n_pending],
					    pending_room(w, WM_PENDING_MAX));
		pending_flush(w);
		if (w->n_pending == 0 && wm_flow_table_stats(w->flows)->active == 0)
			break;
		rte_pause();
	}
}

/* --engine xdp: the flows the kernel's meters hand over, into the pending buffer. */
static bool
xdp_take(struct wm_worker *w, bool flush)
{
	unsigned int i, room, n;
	bool full = false;

	for (i = 0; i < w->n_xdp; i++) {
		room = pending_room(w, WM_PENDING_MAX);
		n = wm_engine_xdp_take(w->xdp[i], flush, &w->pending[w->n_pending], room);
		w->n_pending += n;
		full |= n == room;
	}
	return full;
}

/*
 * --engine xdp: no Rx; every xdp_poll_us the meters' due flows go the
 * workers' record path, and management requests are answered every
 * millisecond meanwhile. At the end the programs are detached first, so
 * the forced-end records are final.
 */
static int
xdp_worker_main(struct wm_worker *w)
{
	uint64_t slept = 0;
	unsigned int i;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		if (slept >= w->conf.xdp_poll_us) {
			bool more;

			/* All that is due, unless the export ring is full: then next time. */
			do {
				more = xdp_take(w, false);
				pending_flush(w);
			} while (more && w->n_pending < WM_PENDING_MAX);
			slept = 0;
		}
		pending_flush(w);
		if (w->ipfix_enc != NULL)
			ipfix_age(w);
		wm_ctl_worker_poll(w);
		wm_capture_worker_poll(w); /* no packet to capture; the controller waits for it */
		w->polls++;
		rte_delay_us_sleep(1000);
		slept += 1000;
	}
	for (i = 0; i < w->n_xdp; i++)
		wm_xdp_meter_detach(w->xdp[i]);
	while (xdp_take(w, true) || w->n_pending > 0)
		pending_flush(w);
	if (w->ipfix_cur != NULL && !wm_ipfix_msg_empty(&w->ipfix_msg))
		ipfix_handoff(w);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return 0;
}

int
wm_worker_main(void *arg)
{
	struct wm_worker *w = arg;
	unsigned int q;

	if (w->n_xdp > 0)
		return xdp_worker_main(w);

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		pending_flush(w);
		for (q = 0; q < w->n_rxq; q++)
			rx_and_process(w, q);
		if (w->dist != NULL)
			wm_distributor_poll(w->dist, &w->conf);
		if (w->sw_in != NULL)
			ring_in_process(w);
		frag_drain(w, w->now_ns);
		if (!room_for_burst(w))
			w->rx_stalls++;
		w->polls++;
		if ((w->polls % EXPIRE_EVERY) == 0) {
			expire_slice(w);
			if (w->ipfix_enc != NULL)
				ipfix_age(w);
			/* Telemetry and console requests: one bounded slice (ctl.c). */
			wm_ctl_worker_poll(w);
			wm_capture_worker_poll(w);
		}
	}
	worker_finish(w);
	if (w->ipfix_cur != NULL && !wm_ipfix_msg_empty(&w->ipfix_msg))
		ipfix_handoff(w);
	/* Release: the main lcore that sees done also sees every record in the ring. */
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return 0;
}
