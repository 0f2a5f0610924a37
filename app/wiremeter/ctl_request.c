/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The requester's side of the management requests (wm_ctl.h): claim a
 * slot per worker, post, wait bounded, merge the answers, give the slots
 * back (wm_ctl_slot.h has the slot's states). Any thread: telemetry's or
 * the main lcore, which services its own rings while it waits.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ring.h>

#include "wm_ctl.h"
#include "wm_ctl_slot.h"
#include "wm_rank.h"
#include "wm_worker.h"

static struct wm_ctl_slot *
slot_claim(unsigned int wi)
{
	unsigned int i;

	for (i = 0; i < WM_CTL_SLOTS; i++) {
		struct wm_ctl_slot *s = &wm_ctl_app->workers[wi]->ctl.slots[i];
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

	for (wi = 0; wi < wm_ctl_app->n_workers; wi++)
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
	unsigned int wi, n_workers = wm_ctl_app->n_workers, answered = 0;

	/* All NULL first: a failed claim gives back the slots claimed so far. */
	for (wi = 0; wi < n_workers; wi++)
		slots[wi] = NULL;
	for (wi = 0; wi < n_workers; wi++) {
		struct wm_worker *w = wm_ctl_app->workers[wi];

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
		rte_ring_enqueue(wm_ctl_app->workers[wi]->ctl.ring, slots[wi]);
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
	for (wi = 0; wi < wm_ctl_app->n_workers; wi++)
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
	g.all = malloc(size * RTE_MAX(req->n, 1u) * RTE_MAX(wm_ctl_app->n_workers, 1u));
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

	if (wm_stream_worse(&x->s, &y->s))
		return -1;
	return wm_stream_worse(&y->s, &x->s) ? 1 : 0;
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
