/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The management plane's plumbing (wm_ctl.h): request slots and rings
 * to the workers, the worker's side of them, and the main lcore's
 * published snapshot. The requester's side is ctl_request.c; the slot's
 * states are in wm_ctl_slot.h.
 *
 * The worker holds at most one slot at a time (its 'cur') and spends a
 * bounded slice of work on it per call, so a request never delays
 * packets by more than one slice.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>

#define WM_LOGTYPE wm_logtype_ctl

#include "wm_ctl.h"
#include "wm_ctl_slot.h"
#include "wm_rank.h"
#include "wm_worker.h"

/* Ring of slot pointers; holds every slot (a ring of size N holds N - 1). */
#define CTL_RING_SIZE 16
/* Flow table slots looked at per poll for walks, empty or not: the bound per slice. */
#define WALK_BUDGET 1024
/* Records a flush slice may add to the worker's pending buffer. */
#define FLUSH_RECORDS 64u

struct wm_app *wm_ctl_app;
/* Every worker's request slots, WM_CTL_SLOTS each (struct wm_ctl_worker.slots points in here). */
static struct wm_ctl_slot *slot_mem;

/* Telemetry callbacks hold 'life' for reading; the main lcore opens and closes for writing. */
static rte_rwlock_t life = RTE_RWLOCK_INITIALIZER;
static bool up;

/* The main lcore's snapshot, and its lock (main lcore and telemetry threads only). */
static rte_spinlock_t pub_lock = RTE_SPINLOCK_INITIALIZER;
static struct wm_ctl_snapshot pub;
static uint64_t next_pub_tsc, busy_tsc;

int
wm_ctl_init(struct wm_app *app)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int wi;

	wm_ctl_app = app;
	slot_mem =
		rte_zmalloc("wm_ctl_slots",
			    sizeof(struct wm_ctl_slot) * WM_CTL_SLOTS * RTE_MAX(app->n_workers, 1u),
			    RTE_CACHE_LINE_SIZE);
	for (wi = 0; wi < app->n_workers; wi++) {
		struct wm_worker *w = app->workers[wi];
		struct wm_ctl_worker *c = &w->ctl;

		snprintf(name, sizeof(name), "wm_ctl_%u", wi);
		c->ring = rte_ring_create(name, CTL_RING_SIZE, w->socket_id, RING_F_SC_DEQ);
		c->slots = slot_mem != NULL ? &slot_mem[wi * WM_CTL_SLOTS] : NULL;
		if (c->ring == NULL || c->slots == NULL) {
			fprintf(stderr,
				"wiremeter: error: worker %u: out of memory for management "
				"requests\n",
				wi);
			return -ENOMEM;
		}
	}
	pub.idle_timeout = app->conf.idle_timeout;
	pub.active_timeout = app->conf.active_timeout;
	return 0;
}

/* After the workers are freed: their rings are found by name, their slots are one block. */
void
wm_ctl_free(struct wm_app *app)
{
	char name[RTE_RING_NAMESIZE];
	unsigned int wi;

	for (wi = 0; wi < app->n_workers; wi++) {
		snprintf(name, sizeof(name), "wm_ctl_%u", wi);
		rte_ring_free(rte_ring_lookup(name));
	}
	rte_free(slot_mem);
	slot_mem = NULL;
}

void
wm_ctl_open(void)
{
	rte_rwlock_write_lock(&life);
	up = true;
	rte_rwlock_write_unlock(&life);
}

void
wm_ctl_close(void)
{
	/* Waits for every callback in flight (each waits WM_CTL_WAIT_MS at most). */
	rte_rwlock_write_lock(&life);
	up = false;
	rte_rwlock_write_unlock(&life);
}

bool
wm_ctl_enter(void)
{
	rte_rwlock_read_lock(&life);
	if (up)
		return true;
	rte_rwlock_read_unlock(&life);
	return false;
}

void
wm_ctl_leave(void)
{
	rte_rwlock_read_unlock(&life);
}

bool
wm_ctl_gaps_wanted(const struct wm_app *app)
{
	char path[PATH_MAX];
	struct stat st;

	if (app->conf.interactive || app->conf.cmdline_file != NULL)
		return true;
	/* Telemetry is on unless EAL was given --no-telemetry: its socket says. */
	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	return stat(path, &st) == 0;
}

/* ---- worker side ---- */

struct stream_walk {
	struct wm_worker *w;
	struct wm_ctl_slot *s;
};

/* Rank of the live streams: worst first. */
static bool
ctl_stream_worse(const void *a, const void *b)
{
	return wm_stream_worse(&((const struct wm_ctl_stream *)a)->s,
			       &((const struct wm_ctl_stream *)b)->s);
}

/* A flow with streams: keep its streams among the n worst. */
static void
stream_cb(const struct wm_flow_export *e, void *arg)
{
	struct stream_walk *sw = arg;
	struct wm_ctl_slot *s = sw->s;
	struct wm_ctl_stream st;
	unsigned int d;

	for (d = 0; d < 2; d++) {
		if (e->seq[d] == 0 || wm_seq_live_snapshot(sw->w, e->seq[d], d, &st.s) != 0)
			continue;
		if (s->req.lossy && st.s.c.lost == 0)
			continue;
		st.e = *e;
		s->n_out = wm_rank_insert(s->streams, s->n_out, s->req.n, sizeof(st), &st,
					  ctl_stream_worse);
	}
}

static void
slot_start(struct wm_ctl_slot *s)
{
	s->cursor = 0;
	s->status = 0;
	s->n_out = 0;
	s->count = 0;
	s->records = 0;
	if (s->req.op == OP_TOP)
		wm_flow_top_init(&s->top, s->flows, s->req.n, s->req.sort);
}

/* One slice of work on a request; true once its answer is complete. */
static bool
slot_step(struct wm_worker *w, struct wm_ctl_slot *s)
{
	switch (s->req.op) {
	case OP_TOP:
		if (!wm_flow_table_top(w->flows, &s->top, WALK_BUDGET))
			return false;
		s->n_out = s->top.n;
		return true;
	case OP_FIND:
		s->status = wm_flow_table_lookup(w->flows, &s->req.key, &s->flows[0]);
		s->n_out = s->status == 0;
		return true;
	case OP_STREAMS: {
		struct stream_walk sw = {w, s};

		if (w->seq_pool == NULL || s->req.n == 0)
			return true;
		wm_flow_table_walk(w->flows, &s->cursor, WALK_BUDGET, WM_FLOW_WALK_SEQ, stream_cb,
				   &sw);
		return s->cursor == UINT32_MAX;
	}
	case OP_TIMEOUTS:
		s->status = wm_flow_table_set_timeouts(w->flows, s->req.idle_ns, s->req.active_ns);
		wm_flow_table_timeouts(w->flows, &s->idle_back, &s->active_back);
		return true;
	case OP_FLUSH: {
		unsigned int from = w->n_pending, room, k;

		/* The records go where expiry puts them: the worker's loop sends them on. */
		room = RTE_MIN((unsigned int)WM_PENDING_MAX - w->n_pending, FLUSH_RECORDS);
		if (room == 0)
			return false;
		k = wm_flow_table_flush_slice(w->flows, WM_FLOW_END_FORCED, &w->pending[from], room,
					      WALK_BUDGET, &s->cursor, &s->count);
		/* Their streams' snapshots were taken by the flow table's export hook. */
		w->n_pending += k;
		s->records += k;
		return s->cursor == UINT32_MAX;
	}
	}
	return true;
}

void
wm_ctl_worker_poll(struct wm_worker *w)
{
	struct wm_ctl_worker *c = &w->ctl;
	uint32_t expected = SLOT_POSTED;
	void *p;

	if (c->cur == NULL) {
		if (c->ring == NULL || rte_ring_dequeue(c->ring, &p) != 0)
			return;
		c->cur = p;
		slot_start(c->cur);
	}
	if (!slot_step(w, c->cur))
		return;
	/* Done; if the requester gave up meanwhile, the slot is ours to free. */
	if (!__atomic_compare_exchange_n(&c->cur->state, &expected, SLOT_DONE, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		__atomic_store_n(&c->cur->state, SLOT_FREE, __ATOMIC_RELEASE);
	c->cur = NULL;
}

/* ---- the main lcore's snapshot ---- */

void
wm_ctl_gaps_note(const struct wm_gap_event *g, unsigned int n)
{
	unsigned int i;

	if (n == 0)
		return;
	rte_spinlock_lock(&pub_lock);
	for (i = 0; i < n; i++)
		pub.gaps[pub.n_gaps++ % WM_CTL_GAP_HISTORY] = g[i];
	rte_spinlock_unlock(&pub_lock);
}

void
wm_ctl_publish(struct wm_app *app, uint64_t now_tsc, bool force)
{
	struct wm_exporter_collector col[WM_CONF_MAX_COLLECTORS];
	uint32_t busy[WM_MAX_WORKERS];
	struct wm_exporter_totals ex;
	bool ratios = false, ipfix = wm_exporter_enabled();
	unsigned int wi, n_col = 0;

	if (!force && now_tsc < next_pub_tsc)
		return;
	next_pub_tsc = now_tsc + app->tsc_hz * WM_CTL_PUBLISH_MS / 1000;
	/* Busy ratios over about a second: busy cycles per elapsed cycle. */
	if (busy_tsc == 0 || now_tsc - busy_tsc >= app->tsc_hz) {
		for (wi = 0; wi < app->n_workers; wi++) {
			uint64_t b = wm_read_u64(&app->workers[wi]->busy_cycles);

			busy[wi] = busy_tsc == 0
					   ? 0
					   : (uint32_t)RTE_MIN(
						     1000.0,
						     (double)(b - app->workers[wi]->ctl.last_busy) *
							     1000.0 / (double)(now_tsc - busy_tsc));
			app->workers[wi]->ctl.last_busy = b;
		}
		busy_tsc = now_tsc;
		ratios = true;
	}
	if (ipfix) {
		wm_exporter_totals(&ex);
		n_col = wm_exporter_collectors(col, RTE_DIM(col));
	}
	rte_spinlock_lock(&pub_lock);
	pub.tsc = now_tsc;
	pub.totals = wm_totals;
	pub.ipfix = ipfix;
	if (ipfix) {
		pub.ex = ex;
		memcpy(pub.col, col, sizeof(col[0]) * n_col);
		pub.n_col = n_col;
	}
	if (ratios)
		memcpy(pub.busy_permille, busy, sizeof(busy[0]) * app->n_workers);
	pub.idle_timeout = app->conf.idle_timeout;
	pub.active_timeout = app->conf.active_timeout;
	rte_spinlock_unlock(&pub_lock);
}

void
wm_ctl_snapshot_read(struct wm_ctl_snapshot *s)
{
	rte_spinlock_lock(&pub_lock);
	*s = pub;
	rte_spinlock_unlock(&pub_lock);
}

json_t *
wm_ctl_conf_json(void)
{
	json_t *j;

	rte_spinlock_lock(&pub_lock);
	j = wm_conf_to_json(&wm_ctl_app->conf);
	rte_spinlock_unlock(&pub_lock);
	return j;
}

void
wm_ctl_conf_timeouts(double idle_s, double active_s)
{
	rte_spinlock_lock(&pub_lock);
	wm_ctl_app->conf.idle_timeout = idle_s;
	wm_ctl_app->conf.active_timeout = active_s;
	pub.idle_timeout = idle_s;
	pub.active_timeout = active_s;
	rte_spinlock_unlock(&pub_lock);
}
