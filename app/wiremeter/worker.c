/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The worker loop: run to completion, one lcore, no locks, no
 * allocation, no logging. Per poll: Rx bursts from this worker's
 * queues (and, on the distributor, from single-queue ports for every
 * worker), parse, meter, free; every few polls, expire a bounded slice
 * of the flow table; hand records to the main lcore over an SPSC ring.
 */

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "wm_app.h"

/* Expire on every idle poll, and on every EXPIRE_EVERY-th busy one. */
#define EXPIRE_EVERY 8
#define EXPIRE_BUDGET WM_FLOW_BURST_MAX
#define PREFETCH_AHEAD 4

/* Move what we can from the pending records to the export ring. */
static inline void
pending_flush(struct wm_worker *w)
{
	unsigned int k;

	if (w->n_pending == 0)
		return;
	k = rte_ring_enqueue_burst_elem(w->export_ring, w->pending, sizeof(struct wm_flow_export),
					w->n_pending, NULL);
	if (k == 0)
		return;
	if (k < w->n_pending)
		memmove(w->pending, &w->pending[k], (w->n_pending - k) * sizeof(w->pending[0]));
	w->n_pending -= k;
}

static inline uint64_t
pkt_time(const struct rte_mbuf *m, uint64_t burst_ns)
{
	uint32_t mult = wm_app.ports[m->port].ts_mult;

	if (mult != 0 && (m->ol_flags & wm_app.ts_dynflag))
		return *RTE_MBUF_DYNFIELD(m, wm_app.ts_dynfield_offset, const uint64_t *) * mult;
	return burst_ns;
}

/*
 * Parse and meter one burst. Every packet ends in exactly one of:
 * metered, parse error. The caller frees the mbufs.
 */
static void
process_burst(struct wm_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct wm_pkt_meta metas[WM_BURST];
	const struct wm_pkt_meta *ok[WM_BURST];
	uint64_t tsc = rte_rdtsc();
	uint64_t burst_ns = wm_tsc_to_ns(tsc);
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

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		pc->rx++;
		err = wm_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m),
				   meta);
		if (unlikely(err != WM_PKT_OK)) {
			w->parse_err[err]++;
			pc->parse_errors++;
			continue;
		}
		meta->ts_ns = pkt_time(m, burst_ns);
		meta->port = m->port;
		if (meta->ts_ns > w->now_ns)
			w->now_ns = meta->ts_ns;
		if (unlikely(meta->flags & WM_PKT_F_FRAG_NONFIRST))
			w->frag_nonfirst++;
		pc->metered++;
		ok[n_ok++] = meta;
	}
	if (n_ok > 0)
		w->n_pending +=
			wm_flow_table_update_bulk(w->flows, ok, n_ok, &w->pending[w->n_pending]);
	w->busy_cycles += rte_rdtsc() - tsc;
}

/*
 * A symmetric hash of a parsed packet: both directions of a flow pick
 * the same worker, as a symmetric RSS key does on a NIC.
 */
unsigned int
wm_swrss_worker(const struct wm_pkt_meta *m, unsigned int n_workers)
{
	uint32_t h = 0;
	unsigned int i;

	if (m->kind == WM_PKT_KIND_IPV4 || m->kind == WM_PKT_KIND_IPV6) {
		for (i = 0; i < 16; i += 4) {
			uint32_t a, b;

			memcpy(&a, m->src + i, 4);
			memcpy(&b, m->dst + i, 4);
			h ^= a ^ b;
		}
		h ^= (uint32_t)(m->sport ^ m->dport) | ((uint32_t)m->proto << 16);
	} else if (m->kind == WM_PKT_KIND_MACSEC) {
		h = (uint32_t)(m->macsec_sci ^ (m->macsec_sci >> 32));
	} else {
		uint32_t a = 0, b = 0;

		memcpy(&a, m->eth, 4);
		memcpy(&b, m->eth + 6, 4);
		h = a ^ b;
	}
	/* Murmur3 finalizer: spread the bits before the modulo. */
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h % n_workers;
}

/*
 * Distributor: take bursts from single-queue ports and deal the packets
 * to the workers' rings by symmetric hash. A packet a full ring refuses
 * stays in the stash and Rx pauses until it is delivered, so a slow
 * worker makes the port back up (and the NIC count imissed) rather than
 * losing packets silently.
 */
struct swrss_stash {
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int n;
};

static struct swrss_stash swrss_stash[WM_MAX_WORKERS];

static bool
swrss_flush(unsigned int n_workers)
{
	bool empty = true;
	unsigned int wi;

	for (wi = 0; wi < n_workers; wi++) {
		struct swrss_stash *s = &swrss_stash[wi];
		unsigned int k;

		if (s->n == 0)
			continue;
		k = rte_ring_enqueue_burst(wm_app.workers[wi]->sw_in, (void **)s->pkts, s->n, NULL);
		if (k < s->n) {
			memmove(s->pkts, &s->pkts[k], (s->n - k) * sizeof(s->pkts[0]));
			empty = false;
		}
		s->n -= k;
	}
	return empty;
}

static void
swrss_poll(struct wm_worker *w)
{
	unsigned int n_workers = wm_app.n_workers, q;

	if (!swrss_flush(n_workers))
		return;
	for (q = 0; q < w->n_dist_q; q++) {
		struct rte_mbuf *pkts[WM_BURST];
		uint16_t n, i;

		n = rte_eth_rx_burst(w->dist_q[q].port, w->dist_q[q].queue, pkts, WM_BURST);
		uint64_t clock = 0;

		for (i = 0; i < n; i++) {
			struct wm_pkt_meta meta;
			unsigned int wi = 0;
			uint64_t ts;

			/* A malformed packet goes to worker 0, which counts it. */
			if (wm_pkt_parse(rte_pktmbuf_mtod(pkts[i], const uint8_t *),
					 rte_pktmbuf_data_len(pkts[i]), &meta) == WM_PKT_OK)
				wi = wm_swrss_worker(&meta, n_workers);
			swrss_stash[wi].pkts[swrss_stash[wi].n++] = pkts[i];
			ts = pkt_time(pkts[i], 0);
			if (ts > clock)
				clock = ts;
		}
		if (!swrss_flush(n_workers))
			return;
		if (clock > wm_app.replay_clock)
			__atomic_store_n(&wm_app.replay_clock, clock, __ATOMIC_RELEASE);
	}
}

/* Can the pending buffer take every record one more burst may end? */
static inline bool
room_for_burst(const struct wm_worker *w)
{
	return w->n_pending + WM_BURST <= WM_PENDING_MAX;
}

static inline void
rx_and_process(struct wm_worker *w, uint16_t port, uint16_t queue)
{
	struct rte_mbuf *pkts[WM_BURST];
	uint16_t n;

	if (!room_for_burst(w))
		return;
	n = rte_eth_rx_burst(port, queue, pkts, WM_BURST);
	if (n == 0)
		return;
	process_burst(w, pkts, n);
	rte_pktmbuf_free_bulk(pkts, n);
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
	process_burst(w, pkts, (uint16_t)n);
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* The worker's clock: packet time in a replay; else never behind the TSC. */
static inline uint64_t
worker_now(struct wm_worker *w)
{
	if (wm_app.replay) {
		/* Read the clock first: if the ring is empty after, every packet dealt before it was met. */
		uint64_t c = __atomic_load_n(&wm_app.replay_clock, __ATOMIC_ACQUIRE);

		if (w->sw_in != NULL && c > w->now_ns && rte_ring_empty(w->sw_in))
			w->now_ns = c;
	} else {
		uint64_t t = wm_tsc_to_ns(rte_rdtsc());

		if (t > w->now_ns)
			w->now_ns = t;
	}
	return w->now_ns;
}

static inline void
expire_slice(struct wm_worker *w)
{
	unsigned int room = WM_PENDING_MAX - w->n_pending;

	if (room > EXPIRE_BUDGET)
		room = EXPIRE_BUDGET;
	uint64_t now = worker_now(w);

	if (room == 0 || now == 0)
		return;
	w->n_pending += wm_flow_table_expire(w->flows, now, &w->pending[w->n_pending], room);
}

/* Shutdown: take what the distributor still sends, then flush every flow. */
static void
worker_finish(struct wm_worker *w)
{
	if (w->distributor) {
		while (!swrss_flush(wm_app.n_workers))
			pending_flush(w);
	}
	if (w->sw_in != NULL) {
		/* The distributor flushed its stash before it set done. */
		while (!(w->index == 0 || wm_app.workers[0]->done) || !rte_ring_empty(w->sw_in)) {
			ring_in_process(w);
			pending_flush(w);
		}
	}
	/*
	 * First what is due by the clock, as it would have been had the
	 * input gone on, so a replay's records do not depend on when its
	 * end was noticed; then everything else, as a forced end.
	 */
	for (;;) {
		unsigned int room = WM_PENDING_MAX - w->n_pending, k = 0;
		uint64_t now = worker_now(w);

		if (room > EXPIRE_BUDGET)
			room = EXPIRE_BUDGET;
		if (room > 0 && now != 0)
			k = wm_flow_table_expire(w->flows, now, &w->pending[w->n_pending], room);
		w->n_pending += k;
		pending_flush(w);
		if (k == 0 && w->n_pending == 0)
			break;
	}
	for (;;) {
		unsigned int room = WM_PENDING_MAX - w->n_pending;

		if (room > 0)
			w->n_pending += wm_flow_table_flush(w->flows, WM_FLOW_END_FORCED,
							    &w->pending[w->n_pending], room);
		pending_flush(w);
		if (w->n_pending == 0 && wm_flow_table_stats(w->flows)->active == 0)
			break;
		rte_pause();
	}
}

int
wm_worker_main(void *arg)
{
	struct wm_worker *w = arg;
	unsigned int q;

	while (!w->stop) {
		pending_flush(w);
		/* Rx only when a whole burst's records can be held (checked per burst too). */
		if (room_for_burst(w)) {
			for (q = 0; q < w->n_rxq; q++)
				rx_and_process(w, w->rxq[q].port, w->rxq[q].queue);
			if (w->distributor)
				swrss_poll(w);
			if (w->sw_in != NULL)
				ring_in_process(w);
		} else {
			w->rx_stalls++;
		}
		w->polls++;
		if ((w->polls % EXPIRE_EVERY) == 0)
			expire_slice(w);
	}
	worker_finish(w);
	w->done = true;
	return 0;
}
