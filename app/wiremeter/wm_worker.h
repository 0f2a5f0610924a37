/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_WORKER_H
#define WM_WORKER_H

/*
 * The data path's shared pieces: what the worker loop (worker.c) and the
 * software-RSS distributor (distributor.c), which runs on one worker's
 * lcore, both use. Everything here reads only the worker's own context
 * (struct wm_worker_conf, its queues), never a global.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "wm_app.h"
#include "wm_replay.h"

/* TSC to ns since the epoch: wm_tsc_to_ns() on the worker's copy of the clock. */
static inline uint64_t
wm_worker_ns(const struct wm_worker_conf *c, uint64_t tsc)
{
	uint64_t d = tsc - c->tsc0;

	return c->epoch_ns_at_tsc0 + (uint64_t)((double)d * 1e9 / (double)c->tsc_hz);
}

/* A packet's time: its Rx timestamp when its port has one, else burst_ns. */
static inline uint64_t
wm_pkt_time(const struct wm_worker_conf *c, const struct rte_mbuf *m, uint64_t burst_ns)
{
	uint32_t mult = c->ts_mult[m->port];

	if (mult != 0 && (m->ol_flags & c->ts_dynflag))
		return *RTE_MBUF_DYNFIELD(m, c->ts_dynfield_offset, const uint64_t *) * mult;
	return burst_ns;
}

/*
 * A burst from a queue, no larger than what the queue may still deliver
 * (a replayed file stops at its last readable record).
 */
static inline uint16_t
wm_rxq_burst(struct wm_rxq *rq, struct rte_mbuf **pkts)
{
	uint16_t want = rq->left < WM_BURST ? (uint16_t)rq->left : WM_BURST, n;

	if (unlikely(want == 0))
		return 0;
	n = rte_eth_rx_burst(rq->port, rq->queue, pkts, want);
	rq->left -= n;
	return n;
}

/*
 * In a replay, note what a queue delivered: its latest time, or its end
 * when it gave nothing. A replay port's queue says both itself: its
 * clock counts the records it passed for other queues too (so a worker
 * keeps the time its queue has read to, as one worker reading every
 * packet would), and a paced queue with nothing yet has not ended.
 */
static inline void
wm_rxq_seen(const struct wm_worker_conf *c, struct wm_rxq *rq, uint16_t n, uint64_t latest)
{
	if (!c->replay)
		return;
	if (rq->port_clock) {
		uint64_t t = wm_replay_rxq_clock(rq->port, rq->queue);

		rq->done = wm_replay_rxq_ended(rq->port, rq->queue);
		if (t > latest)
			latest = t;
		if (latest > rq->last)
			rq->last = latest;
		return;
	}
	if (n == 0)
		rq->done = true;
	else if (latest > rq->last)
		rq->last = latest;
}

/*
 * The replay clock of a set of queues: the earliest latest-packet time
 * among queues whose file is not at its end (no packet they deliver
 * later can be older, files being in time order), or the latest once
 * all are.
 */
static inline uint64_t
wm_rxqs_clock(const struct wm_rxq *q, unsigned int n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (q[i].last > hi)
			hi = q[i].last;
		if (!q[i].done && q[i].last < lo)
			lo = q[i].last;
	}
	return lo != UINT64_MAX ? lo : hi;
}

/*
 * What the distributor's parse of a packet found, kept in the mbuf's
 * private area (the pools of software-RSS ports have room for it), so the
 * worker the packet is dealt to takes it instead of parsing again.
 */
struct wm_parsed {
	struct wm_pkt_meta meta;
	uint8_t err; /* enum wm_pkt_error */
};

/* Private bytes of an mbuf of a software-RSS port's pool. */
#define WM_PARSED_PRIV RTE_ALIGN_CEIL(sizeof(struct wm_parsed), RTE_MBUF_PRIV_ALIGN)

/* Packets dealt to one worker that its ring has not taken yet. */
struct wm_swrss_stash {
	struct rte_mbuf *pkts[WM_BURST];
	unsigned int n;
};

/*
 * Software RSS (distributor.c): one worker's lcore polls the
 * single-queue ports, hashes each packet symmetrically and deals it to
 * a worker's ring (sw_in), itself included. Hung off that worker
 * (struct wm_worker.dist); port.c creates it with its queues.
 *
 * Single writer: everything is written by the distributor's lcore
 * alone once it runs, so no lock. The other workers only read
 * 'published' and 'done' (acquire), which the distributor stores with
 * release once every packet dealt before is in a ring; they sit on their
 * own cache line so the distributor's other writes do not disturb them.
 * n_workers and rings are copied at setup (wm_distributor_conf_fill).
 */
struct wm_distributor {
	/*
	 * In a replay, the distributor's clock (the earliest of its
	 * unfinished queues' latest packet times, which no packet dealt later
	 * can be older than), published once every dealt packet is in a ring;
	 * workers whose ring is empty have then met every packet up to it.
	 */
	uint64_t published __rte_cache_aligned;
	bool done; /* the last packet is in a ring */

	struct wm_rxq q[WM_MAX_RXQ_PER_WORKER] __rte_cache_aligned;
	unsigned int n_q;
	unsigned int next; /* queues take turns to be polled first */
	uint64_t clock;	   /* the clock stamped on packets dealt now */
	unsigned int n_workers;
	struct rte_ring *rings[WM_MAX_WORKERS];	     /* each worker's sw_in */
	struct wm_swrss_stash stash[WM_MAX_WORKERS]; /* per worker, what its ring refused */
};

struct wm_distributor *wm_distributor_create(int socket_id);
void wm_distributor_free(struct wm_distributor *d);
void wm_distributor_conf_fill(struct wm_distributor *d, const struct wm_app *app);
/* One poll: deliver what is stashed, then, if all went, Rx and deal. */
void wm_distributor_poll(struct wm_distributor *d, const struct wm_worker_conf *c);
/* Deliver what is stashed; true when nothing is left. */
bool wm_distributor_flush(struct wm_distributor *d);
/* Input has ended: every queue is at its end. */
void wm_distributor_input_end(struct wm_distributor *d);
/* After the last flush: publish the final clock and say done. */
void wm_distributor_finish(struct wm_distributor *d, const struct wm_worker_conf *c);

/* The published replay clock, and whether the last packet was dealt (any worker). */
static inline uint64_t
wm_distributor_clock(const struct wm_distributor *d)
{
	return __atomic_load_n(&d->published, __ATOMIC_ACQUIRE);
}

static inline bool
wm_distributor_done(const struct wm_distributor *d)
{
	return __atomic_load_n(&d->done, __ATOMIC_ACQUIRE);
}

#endif /* WM_WORKER_H */
