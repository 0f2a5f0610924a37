/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The capture tap, on the worker's lcore: after a burst is parsed and
 * metered, decide per packet whether the capture (a filter, a flow), the
 * flight recorder or a stream's loss history wants it, copy it once
 * (lib/capture, rte_pcapng_copy) and hand the copy to each, one
 * reference each. A copy for the writer goes on this worker's SPSC ring;
 * an empty pool or a full ring is a counter bump, never a wait.
 */

#include <string.h>

#include <rte_bpf.h>
#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "wm_cap.h"
#include "wm_capture.h"
#include "wm_worker.h"

/* Is this packet of the biflow 'k' (either direction)? */
static bool
flow_match(const struct wm_pkt_meta *k, const struct wm_pkt_meta *m)
{
	const size_t alen = k->kind == WM_PKT_KIND_IPV4 ? 4 : 16;

	if (m->kind != k->kind || m->proto != k->proto || m->vlan != k->vlan)
		return false;
	if (m->sport == k->sport && m->dport == k->dport && memcmp(m->src, k->src, alen) == 0 &&
	    memcmp(m->dst, k->dst, alen) == 0)
		return true;
	return m->sport == k->dport && m->dport == k->sport && memcmp(m->src, k->dst, alen) == 0 &&
	       memcmp(m->dst, k->src, alen) == 0;
}

static bool
tap_selects(const struct wm_cap_tap *t, struct rte_mbuf *m, const struct wm_pkt_meta *meta)
{
	if (!t->has_sel)
		return t->select_all;
	if (t->flow && (meta == NULL || !flow_match(&t->key, meta)))
		return false;
	if (t->filter != NULL) {
		void *ctx = m;
		uint64_t rc;

		if (t->filter_jit != NULL)
			return t->filter_jit(m) != 0;
		rte_bpf_exec_burst(t->filter, &ctx, &rc, 1);
		return rc != 0;
	}
	return true;
}

/*
 * A copy for the writer: queued, or counted and freed. Selected is counted
 * by the caller. Marked taken first (the writer may free it once queued):
 * a loss history holding the same copy lets it go unwritten.
 */
static bool
ring_put(struct wm_worker *w, struct rte_ring *ring, struct rte_mbuf *mc)
{
	WM_CAPTURE_TAG_TAKEN(mc) = 1;
	if (unlikely(rte_ring_sp_enqueue(ring, mc) != 0)) {
		w->cap_drop_ring++;
		rte_pktmbuf_free(mc);
		return false;
	}
	w->cap_queued++;
	return true;
}

/*
 * The gap event packet i revealed, held by the seq hook: queued now,
 * naming the capture event when its revealing copy is on the ring (the
 * writer will say where it went; capture.c).
 */
static void
gap_release(struct wm_worker *w, unsigned int i)
{
	struct wm_gap_event *g = &w->cap.gap[i];

	g->cap_event = w->cap.gap_queued[i] ? w->cap.evno[i] : 0;
	w->cap.gap_held[i] = 0;
	w->cap.gap_queued[i] = 0;
	if (rte_ring_enqueue_elem(w->gap_ring, g, sizeof(*g)) != 0)
		w->gaps_dropped++;
}

/* Does packet i reveal an event that triggers the loss capture? */
static bool
loss_event(const struct wm_worker *w, unsigned int i)
{
	return (w->cap.loss_classes >> w->cap.cls[i] & 1) != 0;
}

/* Is packet i due for the writer through its stream's loss capture (it reveals or follows)? */
static bool
loss_due(const struct wm_worker *w, unsigned int i)
{
	return loss_event(w, i) || wm_capture_loss_wants(w->cap.loss, w->cap.stream[i] - 1);
}

/*
 * A packet of a tracked stream: into its history, or, with what the
 * history held, to the writer when it reveals an event (or follows one).
 * A history copy the capture had already (the capture filter took it) is
 * only let go: each packet is selected, and written, once.
 */
static void
loss_put(struct wm_worker *w, struct rte_ring *ring, unsigned int i, struct rte_mbuf *mc)
{
	struct rte_mbuf *out[UINT8_MAX + 1];
	const uint32_t s = w->cap.stream[i] - 1;
	const bool event = loss_event(w, i);
	const bool due = event || wm_capture_loss_wants(w->cap.loss, s);
	unsigned int k, j;

	if (mc == NULL && due) {
		w->cap_selected++;
		w->cap_drop_pool++;
	}
	k = wm_capture_loss_pkt(w->cap.loss, s, mc, event ? w->cap.cls[i] + 1u : 0, w->cap.evno[i],
				out);
	for (j = 0; j < k; j++) {
		/* Read before it is queued: the writer may free it at once. */
		const bool revealing = WM_CAPTURE_TAG_CLASS(out[j]) != 0;
		bool queued = false;

		if (WM_CAPTURE_TAG_TAKEN(out[j]) != 0) {
			rte_pktmbuf_free(out[j]);
			continue;
		}
		w->cap_selected++;
		if (ring != NULL)
			queued = ring_put(w, ring, out[j]);
		else
			rte_pktmbuf_free(out[j]);
		if (revealing)
			w->cap.gap_queued[i] = queued;
	}
}

/*
 * Who wants packet i: the capture ring, the recorder, the loss history.
 * A packet the loss capture writes now (it reveals an event or follows
 * one) goes to the writer through it alone, tagged, whether or not the
 * capture filter selected it too.
 */
static void
tap_one(struct wm_worker *w, const struct wm_cap_tap *t, struct rte_ring *ring, struct rte_mbuf *m,
	const struct wm_pkt_meta *meta, unsigned int i, uint64_t burst_ns, uint64_t tsc)
{
	const bool sel = tap_selects(t, m, meta);
	const bool to_hist = w->cap.hist != NULL && (t->has_sel ? sel : true);
	const bool to_loss = w->cap.stream[i] != 0 && w->cap.loss != NULL;
	const bool to_ring = ring != NULL && sel && !(to_loss && loss_due(w, i));
	const unsigned int refs = to_ring + to_hist + to_loss;
	struct rte_mbuf *mc;

	if (refs == 0)
		return;
	/* The time it was metered at: its Rx timestamp, or the burst's. */
	mc = wm_capture_copy(m, t->pool, t->caplen, tsc, wm_pkt_time(&w->conf, m, burst_ns));
	if (to_ring)
		w->cap_selected++;
	if (unlikely(mc == NULL)) {
		if (to_ring)
			w->cap_drop_pool++;
		if (to_loss)
			loss_put(w, ring, i, NULL);
		return;
	}
	if (refs > 1)
		rte_mbuf_refcnt_update(mc, (int16_t)(refs - 1));
	if (to_hist)
		wm_capture_hist_push(w->cap.hist, mc);
	if (to_ring)
		ring_put(w, ring, mc);
	if (to_loss)
		loss_put(w, ring, i, mc);
}

void
wm_capture_tap(struct wm_worker *w, struct rte_mbuf **pkts, const struct wm_pkt_meta *metas,
	       unsigned int n, uint64_t tsc)
{
	const uint64_t burst_ns = wm_worker_ns(&w->conf, tsc);
	const struct wm_cap_tap *t = w->cap.tap;
	struct rte_ring *ring = t->write ? t->rings[w->index] : NULL;
	const uint64_t skip = w->cap.skip, perr = w->cap.perr;
	unsigned int i;

	w->cap.skip = w->cap.perr = 0;
	for (i = 0; i < n; i++) {
		if (skip >> i & 1)
			continue;
		tap_one(w, t, ring, pkts[i], (perr >> i & 1) ? NULL : &metas[i], i, burst_ns, tsc);
		/* Its sequence notes, and its gap event if the seq hook held it, in packet order. */
		if (unlikely(w->cap.stream[i] != 0)) {
			if (w->cap.gap_held[i])
				gap_release(w, i);
			w->cap.stream[i] = 0;
			w->cap.evno[i] = 0;
		}
	}
	w->cap.holding = false;
}

void
wm_capture_worker_poll(struct wm_worker *w)
{
	const struct wm_cap_tap *next = __atomic_load_n(&w->cap.next, __ATOMIC_ACQUIRE);
	uint32_t want;

	if (unlikely(next != w->cap.tap)) {
		/* Marks left by bursts no tap read: none is this burst's. */
		w->cap.skip = w->cap.perr = 0;
		w->cap.tap = next;
		__atomic_store_n(&w->cap.seen, next, __ATOMIC_RELEASE);
	}
	want = __atomic_load_n(&w->cap.dump_want, __ATOMIC_ACQUIRE);
	if (unlikely(want != w->cap.dump_done)) {
		/* The ring holds a whole recorder and the controller emptied it before asking. */
		if (w->cap.hist != NULL)
			wm_capture_hist_to_ring(w->cap.hist, w->cap.dump_ring);
		__atomic_store_n(&w->cap.dump_done, want, __ATOMIC_RELEASE);
	}
}
