/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The management plane's plumbing (wm_ctl.h): request slots and rings
 * to the workers, the worker's side of them, the main lcore's published
 * snapshot, and the small formatting and parsing helpers telemetry and
 * the console share.
 *
 * A request slot moves through these states (atomics, acquire/release):
 *
 *   FREE --claim (CAS, requester)--> CLAIMED --fill, post--> POSTED
 *   POSTED --worker finishes (CAS)--> DONE --requester reads--> FREE
 *   POSTED --requester gives up (CAS)--> ABANDONED --worker finishes--> FREE
 *
 * So exactly one side frees a slot, and a worker never works on memory
 * a requester has let go of: slots live as long as the application.
 * The worker holds at most one slot at a time (its 'cur') and spends a
 * bounded slice of work on it per call, so a request never delays
 * packets by more than one slice.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "wm_worker.h"

/* Request slots per worker: concurrent requests (console + telemetry clients). */
#define CTL_SLOTS 12
/* Ring of slot pointers; holds every slot (a ring of size N holds N - 1). */
#define CTL_RING_SIZE 16
/* Flow table slots looked at per poll for walks, empty or not: the bound per slice. */
#define WALK_BUDGET 1024
/* Records a flush slice may add to the worker's pending buffer. */
#define FLUSH_RECORDS 64u

enum ctl_op { OP_TOP, OP_FIND, OP_STREAMS, OP_TIMEOUTS, OP_FLUSH };
enum slot_state { SLOT_FREE, SLOT_CLAIMED, SLOT_POSTED, SLOT_DONE, SLOT_ABANDONED };

/* What a requester asks; copied into a slot before it is posted. */
struct ctl_req {
	enum ctl_op op;
	uint32_t n;		/* flows or streams wanted */
	enum wm_flow_sort sort; /* OP_TOP */
	bool lossy;		/* OP_STREAMS: only streams with loss */
	struct wm_pkt_meta key; /* OP_FIND */
	uint64_t idle_ns;	/* OP_TIMEOUTS */
	uint64_t active_ns;
};

/*
 * One request to one worker and room for its answer. 'state' is the
 * only field both sides write; the request is the requester's until
 * POSTED, the progress and answer the worker's until DONE.
 */
struct wm_ctl_slot {
	uint32_t state; /* enum slot_state */
	struct ctl_req req;
	/* The worker's progress, while it holds the slot. */
	uint32_t cursor;
	struct wm_flow_top top;
	/* The answer. */
	int status;
	uint32_t n_out;
	uint64_t count;	  /* OP_FLUSH: flows removed */
	uint64_t records; /* OP_FLUSH: records exported */
	uint64_t idle_back, active_back;
	union {
		struct wm_flow_export flows[WM_CTL_MAX_FLOWS];
		struct wm_ctl_stream streams[WM_CTL_MAX_STREAMS];
	};
} __rte_cache_aligned;

static struct wm_app *ctl_app;
/* Every worker's request slots, CTL_SLOTS each (struct wm_ctl_worker.slots points in here). */
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

	ctl_app = app;
	slot_mem = rte_zmalloc("wm_ctl_slots",
			       sizeof(struct wm_ctl_slot) * CTL_SLOTS * RTE_MAX(app->n_workers, 1u),
			       RTE_CACHE_LINE_SIZE);
	for (wi = 0; wi < app->n_workers; wi++) {
		struct wm_worker *w = app->workers[wi];
		struct wm_ctl_worker *c = &w->ctl;

		snprintf(name, sizeof(name), "wm_ctl_%u", wi);
		c->ring = rte_ring_create(name, CTL_RING_SIZE, w->socket_id, RING_F_SC_DEQ);
		c->slots = slot_mem != NULL ? &slot_mem[wi * CTL_SLOTS] : NULL;
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

bool
wm_ctl_stream_worse(const struct wm_seq_snapshot *a, const struct wm_seq_snapshot *b)
{
	uint64_t ma = a->c.late + a->c.dup + a->c.too_old, mb = b->c.late + b->c.dup + b->c.too_old;

	return a->c.lost != b->c.lost ? a->c.lost > b->c.lost : ma > mb;
}

/* A flow with streams: keep its streams among the n worst, by insertion (n is small). */
static void
stream_cb(const struct wm_flow_export *e, void *arg)
{
	struct stream_walk *sw = arg;
	struct wm_ctl_slot *s = sw->s;
	unsigned int d;

	for (d = 0; d < 2; d++) {
		struct wm_seq_snapshot snap;
		unsigned int i, n = s->n_out;

		if (e->seq[d] == 0 || wm_seq_live_snapshot(sw->w, e->seq[d], d, &snap) != 0)
			continue;
		if (s->req.lossy && snap.c.lost == 0)
			continue;
		if (n == s->req.n && !wm_ctl_stream_worse(&snap, &s->streams[n - 1].s))
			continue;
		if (n < s->req.n)
			n++;
		for (i = n - 1; i > 0 && wm_ctl_stream_worse(&snap, &s->streams[i - 1].s); i--)
			s->streams[i] = s->streams[i - 1];
		s->streams[i].e = *e;
		s->streams[i].s = snap;
		s->n_out = n;
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

/* ---- requester side ---- */

static struct wm_ctl_slot *
slot_claim(unsigned int wi)
{
	unsigned int i;

	for (i = 0; i < CTL_SLOTS; i++) {
		struct wm_ctl_slot *s = &ctl_app->workers[wi]->ctl.slots[i];
		uint32_t expected = SLOT_FREE;

		if (__atomic_compare_exchange_n(&s->state, &expected, SLOT_CLAIMED, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return s;
	}
	return NULL;
}

/* Give back slots whose answer was read (or never posted). */
static void
slots_release(struct wm_ctl_slot **slots)
{
	unsigned int wi;

	for (wi = 0; wi < ctl_app->n_workers; wi++)
		if (slots[wi] != NULL) {
			__atomic_store_n(&slots[wi]->state, SLOT_FREE, __ATOMIC_RELEASE);
			slots[wi] = NULL;
		}
}

/*
 * Post a request to every worker still running, wait for their answers
 * until the deadline, then keep the slots that were answered (the
 * others are abandoned and set to NULL). Returns the number answered,
 * or -EBUSY when a worker has no free slot.
 */
static int
request_all(const struct ctl_req *req, struct wm_ctl_slot **slots, unsigned int wait_ms,
	    wm_ctl_service_fn service)
{
	uint64_t deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() * wait_ms / 1000;
	unsigned int wi, n_workers = ctl_app->n_workers, answered = 0;

	/* All NULL first: a failed claim gives back the slots claimed so far. */
	for (wi = 0; wi < n_workers; wi++)
		slots[wi] = NULL;
	for (wi = 0; wi < n_workers; wi++) {
		struct wm_worker *w = ctl_app->workers[wi];

		if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
			continue;
		slots[wi] = slot_claim(wi);
		if (slots[wi] == NULL) {
			/* Claimed but not posted yet: those are free to give back. */
			slots_release(slots);
			return -EBUSY;
		}
		slots[wi]->req = *req;
	}
	for (wi = 0; wi < n_workers; wi++) {
		if (slots[wi] == NULL)
			continue;
		__atomic_store_n(&slots[wi]->state, SLOT_POSTED, __ATOMIC_RELEASE);
		/* Cannot fail: the ring holds every slot there is. */
		rte_ring_enqueue(ctl_app->workers[wi]->ctl.ring, slots[wi]);
	}
	for (;;) {
		bool all = true;

		for (wi = 0; wi < n_workers; wi++)
			if (slots[wi] != NULL &&
			    __atomic_load_n(&slots[wi]->state, __ATOMIC_ACQUIRE) != SLOT_DONE)
				all = false;
		if (all || rte_get_tsc_cycles() > deadline)
			break;
		if (service != NULL)
			service();
		rte_delay_us_sleep(20);
	}
	for (wi = 0; wi < n_workers; wi++) {
		uint32_t expected = SLOT_POSTED;

		if (slots[wi] == NULL)
			continue;
		if (__atomic_compare_exchange_n(&slots[wi]->state, &expected, SLOT_ABANDONED, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			slots[wi] = NULL; /* the worker frees it */
			continue;
		}
		answered++; /* DONE: ours to read, then free */
	}
	return (int)answered;
}

/* What a caller takes from one worker's answer: a DONE slot, read before it is freed. */
typedef void (*ctl_merge_fn)(const struct wm_ctl_slot *s, unsigned int wi, void *arg);

/*
 * The one request path: ask every running worker (request_all), hand
 * each answer to 'merge' in worker order, then free the slots. Returns
 * the number of workers that answered, or -EBUSY (nothing merged).
 */
static int
ctl_request_all(const struct ctl_req *req, unsigned int wait_ms, wm_ctl_service_fn service,
		ctl_merge_fn merge, void *arg)
{
	struct wm_ctl_slot *slots[WM_MAX_WORKERS];
	unsigned int wi;
	int rc;

	rc = request_all(req, slots, wait_ms, service);
	if (rc < 0)
		return rc;
	for (wi = 0; wi < ctl_app->n_workers; wi++)
		if (slots[wi] != NULL)
			merge(slots[wi], wi, arg);
	slots_release(slots);
	return rc;
}

/* The workers' lists (OP_TOP: flows, OP_STREAMS: streams) laid end to end. */
struct ctl_gather {
	char *all; /* room for req.n per worker */
	size_t size;
	unsigned int total;
};

static void
gather_merge(const struct wm_ctl_slot *s, unsigned int wi __rte_unused, void *arg)
{
	struct ctl_gather *g = arg;
	const void *from = s->req.op == OP_TOP ? (const void *)s->flows : (const void *)s->streams;

	memcpy(g->all + g->size * g->total, from, g->size * s->n_out);
	g->total += s->n_out;
}

/*
 * A list request: the workers merge nothing, their lists are sorted
 * together here and the first req->n copied to 'out'.
 */
static int
ctl_request_list(const struct ctl_req *req, size_t size,
		 int (*cmp)(const void *, const void *, void *), void *cmp_arg, void *out,
		 unsigned int *n_out, wm_ctl_service_fn service)
{
	struct ctl_gather g = {.size = size};
	int rc;

	*n_out = 0;
	g.all = malloc(size * RTE_MAX(req->n, 1u) * RTE_MAX(ctl_app->n_workers, 1u));
	if (g.all == NULL)
		return -ENOMEM;
	rc = ctl_request_all(req, WM_CTL_WAIT_MS, service, gather_merge, &g);
	if (rc >= 0) {
		qsort_r(g.all, g.total, size, cmp, cmp_arg);
		*n_out = RTE_MIN(g.total, req->n);
		memcpy(out, g.all, size * *n_out);
	}
	free(g.all);
	return rc;
}

static uint64_t
flow_value(const struct wm_flow_export *e, enum wm_flow_sort sort)
{
	return sort == WM_FLOW_SORT_PACKETS ? e->pkts[0] + e->pkts[1] : e->octets[0] + e->octets[1];
}

static int
flow_cmp(const void *a, const void *b, void *arg)
{
	enum wm_flow_sort sort = *(const enum wm_flow_sort *)arg;
	uint64_t va = flow_value(a, sort), vb = flow_value(b, sort);

	return va < vb ? 1 : va > vb ? -1 : 0;
}

void
wm_ctl_sort_flows(struct wm_flow_export *f, unsigned int n, enum wm_flow_sort sort)
{
	qsort_r(f, n, sizeof(*f), flow_cmp, &sort);
}

int
wm_ctl_top_flows(unsigned int n, enum wm_flow_sort sort, struct wm_flow_export *out,
		 unsigned int *n_out, wm_ctl_service_fn service)
{
	struct ctl_req req = {.op = OP_TOP, .sort = sort};

	req.n = RTE_MIN(RTE_MAX(n, 1u), (unsigned int)WM_CTL_MAX_FLOWS);
	return ctl_request_list(&req, sizeof(*out), flow_cmp, &sort, out, n_out, service);
}

struct find_merge {
	struct wm_flow_export *out;
	unsigned int *worker;
	bool *found;
};

/* The first worker (in worker order) that holds the flow answers. */
static void
find_merge(const struct wm_ctl_slot *s, unsigned int wi, void *arg)
{
	struct find_merge *m = arg;

	if (*m->found || s->status != 0)
		return;
	*m->out = s->flows[0];
	*m->worker = wi;
	*m->found = true;
}

int
wm_ctl_find_flow(const struct wm_pkt_meta *key, struct wm_flow_export *out, unsigned int *worker,
		 bool *found, wm_ctl_service_fn service)
{
	struct ctl_req req = {.op = OP_FIND, .key = *key};
	struct find_merge m = {out, worker, found};

	*found = false;
	return ctl_request_all(&req, WM_CTL_WAIT_MS, service, find_merge, &m);
}

static int
stream_cmp(const void *a, const void *b, void *arg __rte_unused)
{
	const struct wm_ctl_stream *x = a, *y = b;

	if (wm_ctl_stream_worse(&x->s, &y->s))
		return -1;
	return wm_ctl_stream_worse(&y->s, &x->s) ? 1 : 0;
}

int
wm_ctl_live_streams(unsigned int n, bool lossy, struct wm_ctl_stream *out, unsigned int *n_out,
		    wm_ctl_service_fn service)
{
	struct ctl_req req = {.op = OP_STREAMS, .lossy = lossy};

	req.n = RTE_MIN(n, (unsigned int)WM_CTL_MAX_STREAMS);
	return ctl_request_list(&req, sizeof(*out), stream_cmp, NULL, out, n_out, service);
}

struct timeouts_merge {
	uint64_t *idle, *active;
	bool first;
};

/* The workers' timeouts when they all agree, else 0 and 0. */
static void
timeouts_merge(const struct wm_ctl_slot *s, unsigned int wi __rte_unused, void *arg)
{
	struct timeouts_merge *m = arg;

	if (m->first) {
		*m->idle = s->idle_back;
		*m->active = s->active_back;
		m->first = false;
	} else if (*m->idle != s->idle_back || *m->active != s->active_back) {
		*m->idle = *m->active = 0; /* the workers disagree */
	}
}

int
wm_ctl_set_timeouts(uint64_t idle_ns, uint64_t active_ns, uint64_t *idle_back,
		    uint64_t *active_back, wm_ctl_service_fn service)
{
	struct ctl_req req = {.op = OP_TIMEOUTS, .idle_ns = idle_ns, .active_ns = active_ns};
	struct timeouts_merge m = {idle_back, active_back, true};

	*idle_back = *active_back = 0;
	return ctl_request_all(&req, WM_CTL_WAIT_MS, service, timeouts_merge, &m);
}

struct flush_merge {
	uint64_t *flows, *records;
};

static void
flush_merge(const struct wm_ctl_slot *s, unsigned int wi __rte_unused, void *arg)
{
	struct flush_merge *m = arg;

	*m->flows += s->count;
	*m->records += s->records;
}

int
wm_ctl_flush(uint64_t *flows, uint64_t *records, unsigned int wait_ms, wm_ctl_service_fn service)
{
	struct ctl_req req = {.op = OP_FLUSH};
	struct flush_merge m = {flows, records};

	*flows = *records = 0;
	return ctl_request_all(&req, wait_ms, service, flush_merge, &m);
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
	j = wm_conf_to_json(&ctl_app->conf);
	rte_spinlock_unlock(&pub_lock);
	return j;
}

void
wm_ctl_conf_timeouts(double idle_s, double active_s)
{
	rte_spinlock_lock(&pub_lock);
	ctl_app->conf.idle_timeout = idle_s;
	ctl_app->conf.active_timeout = active_s;
	pub.idle_timeout = idle_s;
	pub.active_timeout = active_s;
	rte_spinlock_unlock(&pub_lock);
}

/* ---- helpers ---- */

const char *
wm_human(char *buf, size_t len, uint64_t v)
{
	static const char *const units[] = {"k", "M", "G", "T", "P"};
	double x = (double)v / 1e3;
	unsigned int u = 0;

	if (v < 100000) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	/* 999.96k prints as 1000.0k: move up while the rounded figure would. */
	while (x >= 999.95 && u + 1 < RTE_DIM(units)) {
		x /= 1e3;
		u++;
	}
	snprintf(buf, len, "%.1f%s", x, units[u]);
	return buf;
}

const char *
wm_human_rate(char *buf, size_t len, double v)
{
	snprintf(buf, len, v >= 1 || v == 0 ? "%.1f" : "%.3f", v);
	return buf;
}

int
wm_stats_line_format(const struct wm_stats_figures *f, char *buf, size_t len)
{
	char pps[32], bps[32], act[32], exp[32], lost[32], streams[32], drops[32], ipfix[128];

	ipfix[0] = '\0';
	if (f->ipfix)
		snprintf(ipfix, sizeof(ipfix),
			 " | ipfix sent %" PRIu64 " queued %" PRIu64 " not sent %" PRIu64,
			 f->ex.records_sent, f->ex.queued, f->ex.records_not_sent);
	return snprintf(
		buf, len,
		"[%.1fs] rx %s Mpps %s Gbps | flows %s active %s exported | seq lost %s "
		"in %s streams%s | drops %s",
		f->seconds, wm_human_rate(pps, sizeof(pps), f->mpps),
		wm_human_rate(bps, sizeof(bps), f->gbps), wm_human(act, sizeof(act), f->active),
		wm_human(exp, sizeof(exp), f->exported), wm_human(lost, sizeof(lost), f->seq_lost),
		wm_human(streams, sizeof(streams), f->seq_streams), ipfix,
		wm_human(drops, sizeof(drops), f->drops));
}

const char *
wm_ctl_worker_role(const struct wm_worker *w)
{
	return w->dist != NULL ? "distributor" : "worker";
}

unsigned int
wm_ctl_worker_n_rxq(const struct wm_worker *w)
{
	return w->n_rxq + (w->dist != NULL ? w->dist->n_q : 0);
}

void
wm_ctl_worker_queues(const struct wm_worker *w, char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < w->n_rxq && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%sp%uq%u", n ? " " : "", w->rxq[i].port,
				      w->rxq[i].queue);
	for (i = 0; w->dist != NULL && i < w->dist->n_q && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%sdist:p%uq%u", n ? " " : "",
				      w->dist->q[i].port, w->dist->q[i].queue);
}

/* One endpoint: "10.0.0.1:80" or "[2001:db8::1]:80". */
static int
parse_endpoint(const char *s, size_t len, int *family, uint8_t addr[16], uint16_t *port, char *err,
	       size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 2], p[8];
	const char *colon;
	size_t alen;
	char *end;
	unsigned long v;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL || close + 1 >= s + len || close[1] != ':')
			goto bad;
		alen = (size_t)(close - s - 1);
		if (alen >= sizeof(a))
			goto bad;
		memcpy(a, s + 1, alen);
		a[alen] = '\0';
		colon = close + 1;
		*family = AF_INET6;
	} else {
		colon = memchr(s, ':', len);
		if (colon == NULL)
			goto bad;
		alen = (size_t)(colon - s);
		if (alen >= sizeof(a))
			goto bad;
		memcpy(a, s, alen);
		a[alen] = '\0';
		*family = AF_INET;
	}
	memset(addr, 0, 16);
	if (inet_pton(*family, a, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an %s address", a,
			 *family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	len -= (size_t)(colon + 1 - s);
	if (len == 0 || len >= sizeof(p))
		goto bad;
	memcpy(p, colon + 1, len);
	p[len] = '\0';
	v = strtoul(p, &end, 10);
	if (*end != '\0' || p[0] == '-' || v > UINT16_MAX) {
		snprintf(err, errlen, "'%s' is not a port (0..65535)", p);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
bad:
	snprintf(err, errlen, "'%.*s' is not ADDRESS:PORT (IPv6 in brackets)", (int)len, s);
	return -EINVAL;
}

int
wm_ctl_parse_flow_key(const char *text, struct wm_pkt_meta *m, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} protos[] = {{"tcp", 6},     {"udp", 17},   {"icmp", 1},
		      {"icmpv6", 58}, {"sctp", 132}, {"gre", 47}};
	const char *dash = NULL, *slash, *at, *p;
	char why[160];
	int depth = 0, fa, fb;
	unsigned long v;
	char *end;
	unsigned int i;

	memset(m, 0, sizeof(*m));
	/* The '-' between the endpoints is the first one outside brackets. */
	for (p = text; *p != '\0' && dash == NULL; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == '-' && depth == 0)
			dash = p;
	}
	slash = dash != NULL ? strchr(dash, '/') : NULL;
	if (dash == NULL || slash == NULL) {
		snprintf(err, errlen,
			 "flow key '%s': expected SRC:SPORT-DST:DPORT/PROTO[@VLAN[.INNER]], e.g. "
			 "10.0.0.1:1234-10.0.0.2:80/6",
			 text);
		return -EINVAL;
	}
	if (parse_endpoint(text, (size_t)(dash - text), &fa, m->src, &m->sport, why, sizeof(why)) !=
		    0 ||
	    parse_endpoint(dash + 1, (size_t)(slash - dash - 1), &fb, m->dst, &m->dport, why,
			   sizeof(why)) != 0) {
		snprintf(err, errlen, "flow key '%s': %s", text, why);
		return -EINVAL;
	}
	if (fa != fb) {
		snprintf(err, errlen, "flow key '%s': one IPv4 and one IPv6 address", text);
		return -EINVAL;
	}
	m->kind = fa == AF_INET ? WM_PKT_KIND_IPV4 : WM_PKT_KIND_IPV6;
	at = strchr(slash, '@');
	for (i = 0; i < RTE_DIM(protos); i++)
		if (strncasecmp(slash + 1, protos[i].name,
				at != NULL ? (size_t)(at - slash - 1) : strlen(slash + 1)) == 0 &&
		    strlen(protos[i].name) ==
			    (at != NULL ? (size_t)(at - slash - 1) : strlen(slash + 1)))
			break;
	if (i < RTE_DIM(protos)) {
		m->proto = protos[i].proto;
	} else {
		v = strtoul(slash + 1, &end, 10);
		if (end == slash + 1 || (*end != '\0' && end != at) || v > 255) {
			snprintf(err, errlen,
				 "flow key '%s': protocol is a number 0..255 or tcp, udp, icmp, "
				 "icmpv6, sctp, gre",
				 text);
			return -EINVAL;
		}
		m->proto = (uint8_t)v;
	}
	if (at != NULL) {
		v = strtoul(at + 1, &end, 10);
		if (end == at + 1 || (*end != '\0' && *end != '.') || v > 4095) {
			snprintf(err, errlen, "flow key '%s': VLAN after '@' is 0..4095", text);
			return -EINVAL;
		}
		m->vlan = (uint16_t)v;
		/* QinQ and deeper: the innermost VLAN id after a '.' (dot1qCustomerVlanId). */
		if (*end == '.') {
			const char *c = end + 1;

			v = strtoul(c, &end, 10);
			if (end == c || *end != '\0' || v > 4095) {
				snprintf(err, errlen,
					 "flow key '%s': inner VLAN after '.' is 0..4095", text);
				return -EINVAL;
			}
			m->cvlan = (uint16_t)v;
		}
	}
	return 0;
}
