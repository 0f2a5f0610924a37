/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Sequence tracking on a worker: lib/seq wired to the flow table.
 *
 * A stream belongs to one direction of one flow. The flow table keeps
 * two handles per flow (initiator's direction first), each the first
 * stream of that direction's set (lib/seq: one stream per kind and SSRC
 * or hw_id, at most WM_SEQ_SET_MAX), and calls our hook for every packet
 * the burst loop marked WM_PKT_F_SEQ, in packet order, once the packet is
 * counted in its flow; the hook starts a stream on the first validated
 * packet of its identity and feeds it. When a record of the flow is
 * written, its streams' windows are finalized and their counters copied
 * next to the record (pending_seq) at once, in packet order; a flow that
 * ends gives its streams back.
 * Gap events go to the main lcore through a bounded ring; what does not
 * fit is counted.
 *
 * Everything here runs on the worker's lcore, but wm_seq_setup() and
 * wm_seq_teardown(), which the main lcore calls before launch and after
 * the workers are done.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#define WM_LOGTYPE wm_logtype_seq

#include "wm_app.h"
#include "wm_cap.h"
#include "wm_capture.h"

/*
 * A flow's handle for a stream: its pool index plus one (0 is "none"),
 * with the kind in the top bits so that a packet of another kind is told
 * apart without touching the stream's identity (another cache line).
 */
#define H_KIND_SHIFT 28
#define H_MAKE(idx, kind) (((uint32_t)(idx) + 1) | ((uint32_t)(kind) << H_KIND_SHIFT))
#define H_IDX(h) (((h) & ((1u << H_KIND_SHIFT) - 1)) - 1)
#define H_KIND(h) ((h) >> H_KIND_SHIFT)
_Static_assert((1u << 24) + 1 < (1u << H_KIND_SHIFT), "seq.streams fits below the kind");

/* Is 64-bit extension on for this stream (ESN for an SA, XPN for an SC)? */
static bool
stream_ext64(const struct wm_seq_ext *x, const struct wm_seq_id *id)
{
	unsigned int i;

	if (id->kind == WM_SEQ_KIND_ESP) {
		if (x->esp)
			return true;
		for (i = 0; i < x->n_esn_spis; i++)
			if (x->esn_spis[i] == id->esp_spi)
				return true;
	} else if (id->kind == WM_SEQ_KIND_MACSEC) {
		if (x->macsec)
			return true;
		for (i = 0; i < x->n_xpn_scis; i++)
			if (x->xpn_scis[i] == id->macsec_sci)
				return true;
	}
	return false;
}

static void
identity_set(struct wm_seq_snapshot *s, const struct wm_seq_id *id)
{
	memset(s, 0, sizeof(*s));
	s->kind = id->kind;
	s->macsec_an = id->macsec_an;
	s->macsec_sci = id->macsec_sci;
	s->esp_spi = id->esp_spi;
	s->rtp_ssrc = id->rtp_ssrc;
	s->tester_id = id->tester_hw_id;
}

static void
gap_fill(struct wm_gap_event *gp, const struct wm_pkt_meta *m, const struct wm_seq_snapshot *id,
	 const struct wm_seq_event *ev)
{
	struct wm_gap_event g;

	g.ts_ns = m->ts_ns;
	g.ev = *ev;
	g.id = *id;
	g.pkt_kind = m->kind;
	g.proto = m->proto;
	g.sport = m->sport;
	g.dport = m->dport;
	if (m->kind == WM_PKT_KIND_MACSEC) {
		memcpy(g.src, m->eth + m->mac_off + 6, 6);
		memcpy(g.dst, m->eth + m->mac_off, 6);
	} else {
		memcpy(g.src, m->src, sizeof(g.src));
		memcpy(g.dst, m->dst, sizeof(g.dst));
	}
	g.cap_event = 0;
	g.cap_file = 0;
	g.cap_packet = 0;
	*gp = g;
}

static void
gap_push(struct wm_worker *w, const struct wm_pkt_meta *m, const struct wm_seq_snapshot *id,
	 const struct wm_seq_event *ev, unsigned int i)
{
	struct wm_gap_event g;

	/*
	 * An event whose packets a running capture takes waits for the tap,
	 * which queues it once it knows whether the revealing copy is queued.
	 */
	if (unlikely(w->cap.holding) || (unlikely(w->cap.evno[i] != 0) && w->cap.tap->write)) {
		gap_fill(&w->cap.gap[i], m, id, ev);
		w->cap.gap_held[i] = 1;
		w->cap.holding = true;
		return;
	}
	gap_fill(&g, m, id, ev);
	if (rte_ring_enqueue_elem(w->gap_ring, &g, sizeof(g)) != 0)
		w->gaps_dropped++;
}

/*
 * A heuristic stream starts at the packet that validated it: first the
 * candidates that came before it (id->backlog, the numbers just below
 * its own, in their order), so it counts from its first packet. They
 * were consecutive, so they raise no event.
 */
static void
feed_backlog(struct wm_worker *w, uint32_t idx, const struct wm_seq_id *id)
{
	const uint32_t mask = id->kind == WM_SEQ_KIND_RTP ? UINT16_MAX : UINT32_MAX;
	struct wm_seq_event ev;
	unsigned int j;

	for (j = id->backlog; j > 0; j--) {
		wm_seq_stream_update(w->seq_pool, idx, (id->raw - j) & mask, id->epoch, &ev);
		w->seq_pkts++;
	}
}

/*
 * A new stream for the packet's identity, joined to the direction's set
 * (begun with it when *head is 0). Its handle, or 0 when the pool or the
 * set is full (counted).
 */
static uint32_t
stream_start(struct wm_worker *w, uint32_t *head, const struct wm_seq_id *id)
{
	int idx = wm_seq_stream_alloc(w->seq_pool, (enum wm_seq_kind)id->kind,
				      stream_ext64(&w->conf.seq_ext, id), id->epoch);

	if (idx < 0) {
		w->seq_pool_full++;
		return 0;
	}
	if (wm_seq_set_join(w->seq_pool, *head != 0 ? H_IDX(*head) : (uint32_t)idx, (uint32_t)idx,
			    wm_seq_id_ident(id)) != 0) {
		/* The direction holds WM_SEQ_SET_MAX streams: no free stream for it. */
		wm_seq_stream_release(w->seq_pool, (uint32_t)idx);
		w->seq_pool_full++;
		return 0;
	}
	if (*head == 0)
		*head = H_MAKE(idx, id->kind);
	/* A stream slot taken again: the loss history of its last owner goes. */
	if (unlikely(w->cap.loss != NULL))
		wm_capture_loss_reset(w->cap.loss, (uint32_t)idx);
	identity_set(&w->seq_id[idx], id);
	w->seq_streams++;
	feed_backlog(w, (uint32_t)idx, id);
	return H_MAKE(idx, id->kind);
}

/*
 * After a stream counted packet i (class cls, event ev): the capture's
 * note and the event, if any. Out of line: the common packet needs neither.
 */
static __rte_noinline void
seq_pkt_after(struct wm_worker *w, const struct wm_pkt_meta *m, unsigned int i, uint32_t h,
	      enum wm_seq_class cls, const struct wm_seq_event *ev)
{
	if (unlikely(w->cap.loss != NULL) && w->cap.tap != NULL)
		wm_capture_seq_note(w, i, H_IDX(h), cls);
	if (likely(!wm_seq_class_is_event(cls)))
		return;
	/* A new TRex flow_seq, ESP SPI or MACsec AN is a new epoch: the identity moves. */
	if (cls == WM_SEQ_RESTART)
		identity_set(&w->seq_id[H_IDX(h)], &w->burst_ids[i]);
	w->gap_events++;
	if (w->conf.gaps_wanted)
		gap_push(w, m, &w->seq_id[H_IDX(h)], ev, i);
}

/*
 * Packet i matched no member of its direction's set: a new stream when it
 * is validated (YES), else nothing (a heuristic still collecting evidence).
 */
static __rte_noinline void
seq_pkt_new(struct wm_worker *w, uint32_t seq[2], unsigned int dir, const struct wm_pkt_meta *m,
	    unsigned int i)
{
	const struct wm_seq_id *id = &w->burst_ids[i];
	struct wm_seq_event ev;
	enum wm_seq_class cls;
	uint32_t h;

	if (w->burst_res[i] != WM_SEQ_DETECT_YES) {
		if (seq[dir] != 0 && H_KIND(seq[dir]) != id->kind)
			w->seq_other_kind++;
		return;
	}
	h = stream_start(w, &seq[dir], id);
	if (h == 0)
		return;
	cls = wm_seq_stream_update(w->seq_pool, H_IDX(h), id->raw, id->epoch, &ev);
	w->seq_pkts++;
	seq_pkt_after(w, m, i, h, cls, &ev);
}

/*
 * Track packet i, of a direction whose set exists (seq[dir] != 0): the
 * member of its kind and identity (SSRC, hw_id) found and fed in one
 * call, else a new member when it is validated (YES).
 */
static inline void
seq_pkt_track(struct wm_worker *w, uint32_t seq[2], unsigned int dir, unsigned int i)
{
	const struct wm_pkt_meta *m = &w->burst_metas[i];
	const struct wm_seq_id *id = &w->burst_ids[i];
	struct wm_seq_event ev;
	enum wm_seq_class cls;
	int idx;

	idx = wm_seq_set_update(w->seq_pool, H_IDX(seq[dir]), (enum wm_seq_kind)id->kind,
				wm_seq_id_ident(id), id->raw, id->epoch, &ev, &cls);
	if (unlikely(idx < 0)) {
		seq_pkt_new(w, seq, dir, m, i);
		return;
	}
	w->seq_pkts++;
	if (unlikely(w->cap.loss != NULL) || unlikely(wm_seq_class_is_event(cls)))
		seq_pkt_after(w, m, i, H_MAKE(idx, id->kind), cls, &ev);
}

void
wm_seq_drain_held(struct wm_worker *w)
{
	const unsigned int n = w->n_seq_held;
	unsigned int j;

	/* Emptied first: a hook called from here (none today) must not see these again. */
	w->n_seq_held = 0;
	for (j = 0; j < n; j++) {
		const struct wm_seq_held *q = &w->seq_held[j];

		seq_pkt_track(w, q->seq, q->dir, q->i);
	}
}

/*
 * The flow table's hook: a sequence-bearing packet, counted in its flow.
 * seq[dir] is the first stream of the direction's set.
 *
 * A packet of a direction with a set is held (its stream's lines asked
 * for) and tracked by wm_seq_drain_held() after the flow table's burst,
 * when those lines have come: the table's work for the rest of the burst
 * hides their latency. Held packets are tracked in packet order, and
 * before anything else that reads or changes streams: the export and drop
 * hooks (a record carries its streams' counts up to that moment, and a
 * flow's handles, which a held packet points at, live until those hooks
 * return) and the first packet of a direction (its stream takes the next
 * free slot in packet order). So the counts, handles and events are those
 * of tracking each packet at once.
 */
static void
hook_seq_pkt(void *ctx, uint32_t seq[2], unsigned int dir, const struct wm_pkt_meta *m)
{
	struct wm_worker *w = ctx;
	const unsigned int i = (unsigned int)(m - w->burst_metas);
	struct wm_seq_held *q;

	if (unlikely(seq[dir] == 0)) {
		/* No set yet: a flow without handles may end with no hook, so not held. */
		wm_seq_drain(w);
		seq_pkt_new(w, seq, dir, m, i);
		return;
	}
	/* A burst holds at most WM_BURST; a larger caller's burst still stays in order. */
	if (unlikely(w->n_seq_held == RTE_DIM(w->seq_held)))
		wm_seq_drain_held(w);
	q = &w->seq_held[w->n_seq_held++];
	q->seq = seq;
	q->dir = (uint8_t)dir;
	q->i = (uint8_t)i;
	wm_seq_stream_prefetch(w->seq_pool, H_IDX(seq[dir]), (enum wm_seq_kind)H_KIND(seq[dir]));
}

/*
 * The snapshot of one stream for a record: finalize its window (a hole
 * still open now is lost, SEQUENCE.md), take its counters, and give the
 * stream back when its flow has ended.
 */
static void
stream_snapshot(struct wm_worker *w, uint32_t h, unsigned int dir, bool final,
		struct wm_seq_snapshot *s)
{
	const uint32_t idx = H_IDX(h);

	wm_seq_stream_finalize(w->seq_pool, idx);
	*s = w->seq_id[idx];
	s->dir = (uint8_t)dir;
	s->final = final;
	wm_seq_stream_counters(w->seq_pool, idx, &s->c);
	if (final)
		wm_seq_stream_release(w->seq_pool, idx);
}

/*
 * The members after the first of a direction's set, when their flow
 * ends: their final snapshots go to the main lcore through the end ring
 * (two an entry), so the report counts every stream; the record carries
 * only each direction's first. A full ring is counted, never waited for.
 */
static void
set_rest_end(struct wm_worker *w, const struct wm_flow_export *e, uint32_t head, unsigned int dir)
{
	struct wm_seq_end end = {.e = *e};
	int idx = wm_seq_set_next(w->seq_pool, H_IDX(head));

	while (idx >= 0) {
		int next = wm_seq_set_next(w->seq_pool, (uint32_t)idx);

		stream_snapshot(w, H_MAKE(idx, 0), dir, true, &end.s[end.n++]);
		if (end.n == RTE_DIM(end.s) || next < 0) {
			if (rte_ring_enqueue_elem(w->seq_end_ring, &end, sizeof(end)) != 0)
				w->seq_ends_dropped++;
			end.n = 0;
		}
		idx = next;
	}
}

/*
 * The flow table's hook: a record of a flow with streams was just
 * written into the pending buffer, before any later packet is counted.
 * Its streams' snapshots go next to it, forward stream first: the first
 * stream of each direction's set (the others end with the flow).
 */
static void
hook_seq_export(void *ctx, struct wm_flow_export *e)
{
	struct wm_worker *w = ctx;
	const bool final = e->end_reason != WM_FLOW_END_ACTIVE;
	const ptrdiff_t i = e - w->pending;
	unsigned int d, k = 0;

	/* Records are only ever written into the pending buffer. */
	RTE_VERIFY(i >= 0 && i < WM_PENDING_MAX);
	wm_seq_drain(w);
	for (d = 0; d < 2; d++) {
		if (e->seq[d] == 0)
			continue;
		if (final)
			set_rest_end(w, e, e->seq[d], d);
		stream_snapshot(w, e->seq[d], d, final, &w->pending_seq[i][k++]);
	}
}

/*
 * The flow table's hook: a flow with streams ends with nothing left to
 * export (no packet since its last active-timeout record). Its streams
 * end too; the main lcore learns it through the end ring, so the report
 * counts them. A full ring is counted, never waited for.
 */
static void
hook_seq_drop(void *ctx, const struct wm_flow_export *e)
{
	struct wm_worker *w = ctx;
	struct wm_seq_end end = {.e = *e};
	unsigned int d;

	wm_seq_drain(w);
	end.e.end_reason = e->end_reason;
	for (d = 0; d < 2; d++) {
		if (e->seq[d] == 0)
			continue;
		set_rest_end(w, e, e->seq[d], d);
		stream_snapshot(w, e->seq[d], d, true, &end.s[end.n++]);
	}
	if (rte_ring_enqueue_elem(w->seq_end_ring, &end, sizeof(end)) != 0)
		w->seq_ends_dropped++;
}

void
wm_seq_sums(const struct wm_app *app, struct wm_seq_sums *t)
{
	unsigned int wi;

	memset(t, 0, sizeof(*t));
	for (wi = 0; wi < app->n_workers; wi++) {
		const struct wm_worker *w = app->workers[wi];

		t->pkts += wm_read_u64(&w->seq_pkts);
		t->streams += wm_read_u64(&w->seq_streams);
		t->pool_full += wm_read_u64(&w->seq_pool_full);
		t->other_kind += wm_read_u64(&w->seq_other_kind);
		t->gap_events += wm_read_u64(&w->gap_events);
		t->gaps_dropped += wm_read_u64(&w->gaps_dropped);
		t->ends_dropped += wm_read_u64(&w->seq_ends_dropped);
	}
}

int
wm_seq_live_snapshot(const struct wm_worker *w, uint32_t handle, unsigned int dir,
		     struct wm_seq_snapshot *out)
{
	uint32_t idx;

	if (w->seq_pool == NULL || handle == 0)
		return -EINVAL;
	idx = H_IDX(handle);
	*out = w->seq_id[idx];
	out->dir = (uint8_t)dir;
	/* Counters as they stand: the window is not finalized, holes still pending. */
	return wm_seq_stream_counters(w->seq_pool, idx, &out->c) != 0 ? -EINVAL : 0;
}

void
wm_seq_hooks(struct wm_worker *w, struct wm_flow_hooks *h)
{
	if (w->seq_pool == NULL)
		return;
	h->seq_pkt = hook_seq_pkt;
	h->seq_export = hook_seq_export;
	h->seq_drop = hook_seq_drop;
	h->ctx = w;
}

int
wm_seq_setup(struct wm_app *app, struct wm_worker *w)
{
	const struct wm_conf *c = &app->conf;
	struct wm_seq_detect_conf dc;
	struct wm_seq_profiles prof;
	char name[RTE_RING_NAMESIZE];
	unsigned int k, i;

	if (c->seq_streams == 0)
		return 0; /* tracking off: no pool, no rings, no hooks */
	wm_seq_profiles_default(&prof);
	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		prof.kind[k].window = c->seq[k].window;
		prof.kind[k].restart_k = (uint8_t)c->seq[k].restart_k;
		prof.kind[k].jump = (uint64_t)c->seq[k].jump;
		prof.kind[k].ext64 = c->seq[k].ext64 != 0;
	}
	if (wm_seq_profiles_validate(&prof) != 0) {
		fprintf(stderr, "wiremeter: error: seq: the window, jump or restart settings do "
				"not fit together\n");
		return -EINVAL;
	}
	wm_seq_detect_conf_default(&dc);
	dc.n_rtp_ports = (uint8_t)c->n_rtp_ports;
	for (i = 0; i < c->n_rtp_ports; i++) {
		dc.rtp_ports[i].first = c->rtp_ports[i].first;
		dc.rtp_ports[i].last = c->rtp_ports[i].last;
	}
	dc.rtp_heuristic = c->rtp_heuristic != 0;
	dc.n_tester_ports = (uint8_t)c->n_tester_ports;
	for (i = 0; i < c->n_tester_ports; i++) {
		dc.tester_ports[i].first = c->tester_ports[i].first;
		dc.tester_ports[i].last = c->tester_ports[i].last;
	}
	dc.tester_any_udp = c->tester_any_udp != 0;

	w->seq_pool = wm_seq_pool_create(c->seq_streams, &prof);
	w->seq_det = wm_seq_detect_create(&dc);
	w->seq_id = calloc(c->seq_streams, sizeof(*w->seq_id));
	snprintf(name, sizeof(name), "wm_seq_%u", w->index);
	w->seq_ring = rte_ring_create_elem(name, sizeof(struct wm_seq_snapshot), WM_SEQ_RING_SIZE,
					   w->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "wm_seq_end_%u", w->index);
	w->seq_end_ring =
		rte_ring_create_elem(name, sizeof(struct wm_seq_end), WM_SEQ_END_RING_SIZE,
				     w->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "wm_gaps_%u", w->index);
	w->gap_ring = rte_ring_create_elem(name, sizeof(struct wm_gap_event), WM_GAP_RING_SIZE,
					   w->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->seq_pool == NULL || w->seq_det == NULL || w->seq_id == NULL || w->seq_ring == NULL ||
	    w->gap_ring == NULL) {
		fprintf(stderr,
			"wiremeter: error: worker %u: out of memory for %u sequence streams\n",
			w->index, c->seq_streams);
		return -ENOMEM;
	}
	WM_LOG(DEBUG, "worker %u: %u sequence streams, %u RTP and %u tester port ranges%s",
	       w->index, c->seq_streams, dc.n_rtp_ports, dc.n_tester_ports,
	       dc.tester_any_udp ? ", tester streams on any UDP port" : "");
	return 0;
}

void
wm_seq_teardown(struct wm_worker *w)
{
	wm_seq_pool_free(w->seq_pool);
	wm_seq_detect_free(w->seq_det);
	free(w->seq_id);
	rte_ring_free(w->seq_ring);
	rte_ring_free(w->gap_ring);
	rte_ring_free(w->seq_end_ring);
	w->seq_pool = NULL;
}
