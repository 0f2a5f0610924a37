/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Packet capture, off the workers: the controller (start, stop, dump,
 * from the options, the console and telemetry) and the writer, a thread
 * of its own that drains the workers' capture rings in time order
 * (lib/capture's merge) and writes pcapng files (lib/capture's writer).
 *
 * Threads. Every file and the merge belong to the writer thread alone.
 * Requests (start, stop, dump) go to it through one mailbox under
 * 'lock': the requester posts and waits on 'cond' until the writer has
 * done it, so a slow disk holds up the requester (a console command), not
 * the main lcore's loop nor a worker. Taps are published to the workers
 * with release stores and retired once every worker has taken the new
 * one (struct wm_worker_cap). The status is copied under 'lock'.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>
#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#define WM_LOGTYPE wm_logtype_capture

#include "wm_cap.h"
#include "wm_capture.h"
#include "wm_ctl.h"
#include "wm_evidence.h"
#include "wm_flow_key.h"
#include "wm_stats.h"

RTE_LOG_REGISTER(wm_logtype_capture, wm.capture, NOTICE);

#ifndef WM_VERSION
#define WM_VERSION "0.1.0"
#endif

/* Copies one ring holds (a power of two); a full ring is counted by its worker. */
#define CAP_RING_SIZE 4096
/* How long a copy may wait for a quiet worker to show it has nothing older. */
#define CAP_REORDER_MS 100
/* Copies the writer takes per round. */
#define CAP_BATCH 256
/* How long a requester or the controller waits for the workers or the writer. */
#define CAP_WAIT_MS 5000

enum cap_req_kind { REQ_START, REQ_STOP, REQ_DUMP };

/* Revealing packets remembered per worker, and file names kept, for the gap log. */
#define EVMAP 4096
#define NAMES 256
/* Gap events the main lcore holds per worker while their packet is on its way. */
#define EVQ 4096

struct cap_evmap {
	uint32_t ev;	/* the event's number on its worker */
	uint32_t file;	/* its file's number */
	uint64_t index; /* 1-based in that file */
};

/* A capture file's name, for the gap log and the HTTP list. */
struct cap_name {
	uint64_t no; /* the file's number; 0: the slot is empty */
	bool gone;   /* the ring has deleted it */
	char name[1024];
};

/* One worker's held gap events, in order. */
struct cap_evq {
	struct wm_gap_event g[EVQ];
	unsigned int head, count;
};

/* A request in the mailbox: the requester's, until 'done'. */
struct cap_req {
	enum cap_req_kind kind;
	const char *args; /* START: the words; DUMP: the file */
	unsigned int n;	  /* DUMP: packets */
	int rc;
	char msg[512];
	bool done;
};

/* What one capture (start .. stop) was asked for. */
struct cap_spec {
	char filter[512];
	char flow[128];
	char file[4096];
	uint64_t count;
	double duration;
};

static struct {
	struct wm_app *app;
	pthread_t thread;
	bool thread_up;
	volatile bool quit; /* the thread ends after its round */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct cap_req *req; /* the mailbox, under lock */
	struct wm_capture_status status;

	/* The writer thread's (and the main lcore's before launch and after the end). */
	struct rte_mempool *pool;
	struct rte_ring *rings[WM_MAX_WORKERS];
	struct wm_capture_merge *merge;
	struct wm_cap_tap *tap; /* published now, or NULL */
	struct wm_capture_writer *wr;
	struct cap_spec spec;
	uint64_t start_ns; /* the running capture's first packet time, 0 before */
	bool write_warned;
	bool finished;	   /* wm_capture_finish() has run */
	bool write_failed; /* the last capture ended on a write error */

	/*
	 * Where revealing packets went (loss-triggered capture), for the gap
	 * log. The writer thread fills evmap[w][ev % EVMAP] and then stores
	 * ev_done[w] (release): every tagged copy of worker w up to that
	 * event has been written or discarded. The main lcore holds each
	 * worker's gap events in order (evq) until the writer is past them.
	 */
	struct cap_evmap *evmap; /* n_workers * EVMAP, NULL without loss capture */
	uint32_t ev_done[WM_MAX_WORKERS];
	/*
	 * File n (1-based, over every capture) at names[n % NAMES], under
	 * 'lock': the writer thread records it as it opens and marks it gone
	 * when the ring deletes it; readers take a copy (wm_capture_file_name()).
	 */
	struct cap_name names[NAMES];
	struct cap_evq *evq; /* n_workers queues, the main lcore's */
} cap = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static bool
capture_configured(const struct wm_conf_capture *c)
{
	return c->file != NULL || c->history != 0 || c->on_loss != NULL;
}

/* ---- taps ---- */

/* Publish a tap and wait until every running worker has taken it; then the old one goes. */
static void
tap_publish(struct wm_cap_tap *t, bool launched)
{
	struct wm_app *app = cap.app;
	struct wm_cap_tap *old = cap.tap;
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * CAP_WAIT_MS / 1000;
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];

		if (!launched) {
			w->cap.tap = w->cap.seen = t;
		}
		__atomic_store_n(&w->cap.next, t, __ATOMIC_RELEASE);
	}
	for (i = 0; launched && i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];

		while (__atomic_load_n(&w->cap.seen, __ATOMIC_ACQUIRE) != t &&
		       !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) && rte_rdtsc() < deadline)
			usleep(100);
	}
	cap.tap = t;
	if (old != NULL) {
		rte_bpf_destroy(old->filter);
		rte_free(old);
	}
}

/* The pool and the rings, made at the first capture. */
static int
pool_and_rings(char *msg, size_t len)
{
	struct wm_app *app = cap.app;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	if (cap.pool == NULL) {
		cap.pool = wm_capture_pool_create("wm_capture", app->conf.capture.mbufs,
						  app->conf.capture.snaplen, rte_socket_id());
		if (cap.pool == NULL) {
			snprintf(msg, len, "cannot create a pool of %u capture copies: %s",
				 app->conf.capture.mbufs, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	for (i = 0; i < app->n_workers && cap.merge == NULL; i++) {
		snprintf(name, sizeof(name), "wm_cap_%u", i);
		cap.rings[i] = rte_ring_create(name, CAP_RING_SIZE, app->workers[i]->socket_id,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (cap.rings[i] == NULL) {
			snprintf(msg, len, "cannot create ring %s: %s", name,
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	if (cap.merge == NULL)
		cap.merge = wm_capture_merge_create(cap.rings, app->n_workers,
						    rte_get_tsc_hz() * CAP_REORDER_MS / 1000);
	if (cap.merge == NULL) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* A tap for a spec (or, spec NULL, for the recorders alone); NULL with msg on an error. */
static struct wm_cap_tap *
tap_make(const struct cap_spec *spec, const char *filter, char *msg, size_t len)
{
	const struct wm_conf_capture *cc = &cap.app->conf.capture;
	struct wm_cap_tap *t = rte_zmalloc("wm_cap_tap", sizeof(*t), RTE_CACHE_LINE_SIZE);
	char err[512];

	if (t == NULL) {
		snprintf(msg, len, "out of memory");
		return NULL;
	}
	if (filter != NULL && filter[0] != '\0' &&
	    wm_bpf_compile(filter, &t->filter, &t->filter_jit, err, sizeof(err)) != 0) {
		snprintf(msg, len, "filter %s", err);
		rte_free(t);
		return NULL;
	}
	if (spec != NULL && spec->flow[0] != '\0') {
		if (wm_ctl_parse_flow_key(spec->flow, &t->key, err, sizeof(err)) != 0) {
			snprintf(msg, len, "flow '%s': %s", spec->flow, err);
			rte_bpf_destroy(t->filter);
			rte_free(t);
			return NULL;
		}
		t->flow = true;
	}
	t->has_sel = t->filter != NULL || t->flow;
	/* With --capture-on-loss and no filter or flow, the capture holds what losses select. */
	t->select_all = cc->on_loss == NULL;
	t->write = spec != NULL;
	t->pool = cap.pool;
	t->caplen = RTE_MIN(cc->snaplen, wm_capture_pool_caplen(cap.pool));
	memcpy(t->rings, cap.rings, sizeof(t->rings));
	return t;
}

/* The tap that keeps the recorders going while no capture writes; NULL when there are none. */
static struct wm_cap_tap *
recorder_tap(void)
{
	const struct wm_conf_capture *cc = &cap.app->conf.capture;
	char msg[1024];

	if (cc->history == 0 && cc->on_loss == NULL)
		return NULL;
	return tap_make(NULL, cap.spec.filter, msg, sizeof(msg));
}

/* ---- the writer's work ---- */

static void
status_update(void)
{
	struct wm_capture_writer_stats ws;

	pthread_mutex_lock(&cap.lock);
	if (cap.wr != NULL) {
		wm_capture_writer_stats(cap.wr, &ws);
		snprintf(cap.status.file, sizeof(cap.status.file), "%s", ws.file);
		cap.status.cur_files = ws.files;
		cap.status.cur_pkts = ws.pkts;
		cap.status.cur_bytes = ws.bytes;
	}
	pthread_mutex_unlock(&cap.lock);
}

/* Figures of the capture so far, added to the totals when its writer closes. */
static struct wm_capture_writer_stats cur;

/* A copy that revealed a sequence event: a comment a reader of the file sees. */
static void
annotate(struct rte_mbuf *mc)
{
	char text[WM_CAPTURE_COMMENT_MAX];

	snprintf(text, sizeof(text), "wiremeter: sequence %s (event %" PRIu32 ")",
		 wm_seq_class_name((enum wm_seq_class)(WM_CAPTURE_TAG_CLASS(mc) - 1)),
		 (uint32_t)WM_CAPTURE_TAG_EVENT(mc));
	wm_capture_annotate(mc, text);
}

static void capture_close(void);

/* The copies being written and their rings, for note_written(). */
struct write_ctx {
	struct rte_mbuf **mc;
	const unsigned int *src;
	unsigned int n;
};

/* The writer opened file seq of the running capture (file set) or the ring deleted it. */
static void
file_noted(void *ctx, uint64_t seq, const char *file)
{
	struct cap_name *n;
	uint64_t no;

	RTE_SET_USED(ctx);
	pthread_mutex_lock(&cap.lock);
	no = cap.status.files + seq;
	n = &cap.names[no % NAMES];
	if (file != NULL) {
		n->no = no;
		n->gone = false;
		snprintf(n->name, sizeof(n->name), "%s", file);
	} else if (n->no == no) {
		n->gone = true;
	}
	pthread_mutex_unlock(&cap.lock);
}

/* A revealing packet was written: where, for its gap event. */
static void
note_written(void *arg, const struct rte_mbuf *m, const char *file, uint64_t index)
{
	const struct write_ctx *x = arg;
	struct wm_capture_writer_stats ws;
	struct cap_evmap *e;
	uint32_t file_no, ev = (uint32_t)WM_CAPTURE_TAG_EVENT(m);
	unsigned int i;

	if (cap.evmap == NULL)
		return;
	for (i = 0; i < x->n && x->mc[i] != m; i++)
		;
	if (i == x->n)
		return;
	RTE_SET_USED(file); /* file_noted() has its name */
	wm_capture_writer_stats(cap.wr, &ws);
	file_no = (uint32_t)(cap.status.files + ws.files);
	e = &cap.evmap[x->src[i] * EVMAP + ev % EVMAP];
	e->ev = ev;
	e->file = file_no;
	e->index = index;
}

/* Every tagged copy of this round is written or discarded: say so, per worker. */
static void
note_done(struct rte_mbuf **mc, const unsigned int *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; cap.evmap != NULL && i < n; i++)
		if (WM_CAPTURE_TAG_CLASS(mc[i]) != 0)
			__atomic_store_n(&cap.ev_done[src[i]],
					 (uint32_t)WM_CAPTURE_TAG_EVENT(mc[i]), __ATOMIC_RELEASE);
}

/* Write what the merge gave; frees the copies. */
static void
write_out(struct rte_mbuf **mc, const unsigned int *src, unsigned int n)
{
	struct write_ctx x = {mc, src, n};
	uint64_t before = cur.pkts, unwritten = n;
	unsigned int i;
	int rc;

	if (cap.wr != NULL) {
		for (i = 0; i < n; i++)
			if (WM_CAPTURE_TAG_CLASS(mc[i]) != 0)
				annotate(mc[i]);
		rc = wm_capture_writer_write(cap.wr, mc, n, note_written, &x);
		if (cap.start_ns == 0 && n > 0)
			cap.start_ns = wm_capture_time(mc[0]);
		wm_capture_writer_stats(cap.wr, &cur);
		unwritten = n - (cur.pkts - before);
		if (rc < 0) {
			pthread_mutex_lock(&cap.lock);
			cap.status.dropped_write += unwritten;
			cap.status.write_errors++;
			pthread_mutex_unlock(&cap.lock);
			cap.write_failed = true;
			if (!cap.write_warned)
				WM_LOG(WARNING,
				       "capture: cannot write %s: %s; capture stopped, "
				       "metering goes on",
				       cur.file, strerror(-rc));
			cap.write_warned = true;
			capture_close();
		} else if (cur.done) {
			pthread_mutex_lock(&cap.lock);
			cap.status.after_end += unwritten;
			pthread_mutex_unlock(&cap.lock);
			capture_close();
		}
	} else if (n > 0) {
		/* Queued before the workers learnt the capture had ended. */
		pthread_mutex_lock(&cap.lock);
		if (cap.write_failed)
			cap.status.dropped_write += n;
		else
			cap.status.after_end += n;
		pthread_mutex_unlock(&cap.lock);
	}
	note_done(mc, src, n);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(mc[i]);
}

/* One round: what the rings hold, in time order (all of it when flush). Returns how many. */
static unsigned int
drain(bool flush)
{
	struct rte_mbuf *mc[CAP_BATCH];
	unsigned int src[CAP_BATCH], n;

	if (cap.merge == NULL)
		return 0;
	n = wm_capture_merge_poll(cap.merge, rte_rdtsc(), flush, mc, src, CAP_BATCH);
	if (n > 0)
		write_out(mc, src, n);
	return n;
}

/* Everything queued so far, written (the workers no longer queue for this capture). */
static void
drain_all(void)
{
	unsigned int i;
	bool more = true;

	while (more) {
		while (drain(true) > 0)
			;
		more = false;
		for (i = 0; i < cap.app->n_workers; i++)
			more |= cap.rings[i] != NULL && !rte_ring_empty(cap.rings[i]);
	}
}

/* The ports' statistics blocks, and the capture's file closed; status updated. */
static void
capture_close(void)
{
	struct wm_capture_port_stats ps[RTE_MAX_ETHPORTS];
	struct wm_capture_writer *wr = cap.wr;
	unsigned int n = 0;
	uint16_t p;

	if (wr == NULL)
		return;
	cap.wr = NULL; /* write_out() frees what still comes */
	RTE_ETH_FOREACH_DEV(p) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(p, &es) != 0)
			continue;
		ps[n++] = (struct wm_capture_port_stats){p, es.ipackets, es.imissed + es.rx_nombuf};
	}
	wm_capture_writer_stats(wr, &cur);
	if (wm_capture_writer_close(wr, ps, n, cap.start_ns, 0) != 0)
		cur.errors++;
	pthread_mutex_lock(&cap.lock);
	cap.status.running = false;
	snprintf(cap.status.file, sizeof(cap.status.file), "%s", cur.file);
	cap.status.files += cur.files;
	cap.status.pkts += cur.pkts;
	cap.status.bytes += cur.bytes;
	cap.status.removed += cur.removed;
	cap.status.cur_files = cap.status.cur_pkts = cap.status.cur_bytes = 0;
	pthread_mutex_unlock(&cap.lock);
	memset(&cur, 0, sizeof(cur));
	WM_LOG(INFO, "capture: %s closed", cap.status.file);
	/* The workers stop queueing; the recorders go on. */
	tap_publish(recorder_tap(), true);
}

/* ---- requests ---- */

/* "filter EXPR file F count N duration S flow KEY", any order; defaults from the config. */
static int
spec_parse(const char *args, struct cap_spec *s, char *msg, size_t len)
{
	static const char *const keys[] = {"filter", "file", "count", "duration", "flow", NULL};
	char buf[4096], *save = NULL, *w, *end;
	const char *key = NULL;
	unsigned int k;

	snprintf(buf, sizeof(buf), "%s", args != NULL ? args : "");
	for (w = strtok_r(buf, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
		for (k = 0; keys[k] != NULL && strcmp(w, keys[k]) != 0; k++)
			;
		if (keys[k] != NULL) {
			key = keys[k];
			if (k == 0)
				s->filter[0] = '\0';
			continue;
		}
		if (key == NULL) {
			snprintf(msg, len, "'%s': expected filter, file, count, duration or flow",
				 w);
			return -EINVAL;
		}
		if (strcmp(key, "filter") == 0) {
			size_t l = strlen(s->filter);

			snprintf(s->filter + l, sizeof(s->filter) - l, "%s%s", l ? " " : "", w);
			continue;
		}
		if (strcmp(key, "file") == 0)
			snprintf(s->file, sizeof(s->file), "%s", w);
		else if (strcmp(key, "flow") == 0)
			snprintf(s->flow, sizeof(s->flow), "%s", w);
		else if (strcmp(key, "count") == 0)
			s->count = strtoull(w, &end, 10);
		else
			s->duration = strtod(w, &end);
		if ((strcmp(key, "count") == 0 || strcmp(key, "duration") == 0) &&
		    (*end != '\0' || w[0] == '-')) {
			snprintf(msg, len, "%s: '%s' is not a number", key, w);
			return -EINVAL;
		}
		key = NULL;
	}
	if (s->file[0] == '\0') {
		snprintf(msg, len, "no file: give 'file FILE' (or --capture FILE)");
		return -EINVAL;
	}
	return 0;
}

/* Start a capture: its tap compiled here, off the data path, then handed to the workers. */
static int
do_start(const char *args, char *msg, size_t len)
{
	const struct wm_conf_capture *cc = &cap.app->conf.capture;
	struct cap_spec s = {.count = cc->count, .duration = cc->duration};
	struct wm_capture_file_conf fc = {0};
	struct wm_cap_tap *t;
	char app_name[64];
	int rc;

	if (cap.wr != NULL) {
		snprintf(msg, len, "a capture is running (%.400s): capture stop first", cur.file);
		return -EBUSY;
	}
	snprintf(s.filter, sizeof(s.filter), "%s", cc->filter != NULL ? cc->filter : "");
	snprintf(s.file, sizeof(s.file), "%s", cc->file != NULL ? cc->file : "");
	rc = spec_parse(args, &s, msg, len);
	if (rc == 0)
		rc = pool_and_rings(msg, len);
	if (rc != 0)
		return rc;
	t = tap_make(&s, s.filter, msg, len);
	if (t == NULL)
		return -EINVAL;
	snprintf(app_name, sizeof(app_name), "wiremeter %s", WM_VERSION);
	fc = (struct wm_capture_file_conf){
		.path = s.file,
		.ring = cc->ring != NULL,
		.ring_files = cc->ring_files,
		.ring_bytes = (uint64_t)(cc->ring_filesize_mb * 1e6),
		.ring_ns = (uint64_t)(cc->ring_duration * 1e9),
		.max_pkts = s.count,
		.max_ns = (uint64_t)(s.duration * 1e9),
		.appname = app_name,
		.comment = s.filter[0] != '\0' ? s.filter : NULL,
		.key = wm_evidence_capture_key(),
		.sign = wm_evidence_signer(),
		.on_file = file_noted,
	};
	cap.wr = wm_capture_writer_open(&fc, msg, len);
	if (cap.wr == NULL) {
		rte_bpf_destroy(t->filter);
		rte_free(t);
		return -EIO;
	}
	cap.spec = s;
	cap.start_ns = 0;
	cap.write_warned = false;
	cap.write_failed = false;
	wm_capture_writer_stats(cap.wr, &cur);
	pthread_mutex_lock(&cap.lock);
	cap.status.running = true;
	cap.status.captures++;
	snprintf(cap.status.file, sizeof(cap.status.file), "%s", cur.file);
	snprintf(cap.status.filter, sizeof(cap.status.filter), "%s", s.filter);
	snprintf(cap.status.flow, sizeof(cap.status.flow), "%s", s.flow);
	pthread_mutex_unlock(&cap.lock);
	tap_publish(t, cap.thread_up);
	snprintf(msg, len, "capture started: %.400s%s%.300s%s%.100s", cur.file,
		 s.filter[0] ? ", filter " : "", s.filter, s.flow[0] ? ", flow " : "", s.flow);
	return 0;
}

static int
do_stop(char *msg, size_t len)
{
	struct wm_cap_tap *t;
	char file[4096];

	if (cap.wr == NULL) {
		snprintf(msg, len, "no capture is running");
		return -ENOENT;
	}
	/* The workers stop queueing for it first; then what they queued is written. */
	t = recorder_tap();
	tap_publish(t, true);
	drain_all();
	snprintf(file, sizeof(file), "%s", cur.file);
	if (cap.wr != NULL)
		capture_close();
	snprintf(msg, len, "capture stopped: %.400s, %" PRIu64 " packets in all", file,
		 cap.status.pkts);
	return 0;
}

static int
time_cmp(const void *a, const void *b)
{
	uint64_t x = wm_capture_time(*(struct rte_mbuf *const *)a);
	uint64_t y = wm_capture_time(*(struct rte_mbuf *const *)b);

	return x < y ? -1 : x > y;
}

/* Every worker's recorder, shared onto its dump ring: asked for, or read when it is done. */
static unsigned int
dump_collect(struct rte_mbuf **all, unsigned int max)
{
	struct wm_app *app = cap.app;
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() * CAP_WAIT_MS / 1000;
	unsigned int i, n = 0;

	for (i = 0; i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];
		uint32_t want = w->cap.dump_want + 1;

		if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) || !cap.thread_up) {
			wm_capture_hist_to_ring(w->cap.hist, w->cap.dump_ring);
		} else {
			__atomic_store_n(&w->cap.dump_want, want, __ATOMIC_RELEASE);
			while (__atomic_load_n(&w->cap.dump_done, __ATOMIC_ACQUIRE) != want &&
			       !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
			       rte_rdtsc() < deadline)
				usleep(100);
		}
		n += rte_ring_dequeue_burst(w->cap.dump_ring, (void **)&all[n], max - n, NULL);
	}
	return n;
}

static int
do_dump(const char *file, unsigned int want, char *msg, size_t len)
{
	const struct wm_conf_capture *cc = &cap.app->conf.capture;
	struct wm_capture_file_conf fc = {.path = file};
	struct wm_capture_writer *wr;
	struct rte_mbuf **all;
	unsigned int n, first, i, max = cc->history * cap.app->n_workers;
	char app_name[64];
	int rc;

	if (cc->history == 0) {
		snprintf(msg, len, "no flight recorder: start with --capture-history N");
		return -ENOENT;
	}
	all = calloc(max, sizeof(*all));
	if (all == NULL) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	n = dump_collect(all, max);
	qsort(all, n, sizeof(*all), time_cmp);
	first = want != 0 && want < n ? n - want : 0;
	snprintf(app_name, sizeof(app_name), "wiremeter %s", WM_VERSION);
	fc.appname = app_name;
	fc.key = wm_evidence_capture_key();
	fc.sign = wm_evidence_signer();
	wr = wm_capture_writer_open(&fc, msg, len);
	rc = wr == NULL ? -EIO : wm_capture_writer_write(wr, &all[first], n - first, NULL, NULL);
	if (wr != NULL && wm_capture_writer_close(wr, NULL, 0, 0, 0) != 0 && rc >= 0)
		rc = -EIO;
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(all[i]);
	free(all);
	if (rc < 0) {
		if (wr != NULL)
			snprintf(msg, len, "%s: write failed", file);
		return rc;
	}
	snprintf(msg, len, "%d packets written to %s", rc, file);
	return 0;
}

static void
req_do(struct cap_req *r)
{
	if (r->kind == REQ_START)
		r->rc = do_start(r->args, r->msg, sizeof(r->msg));
	else if (r->kind == REQ_STOP)
		r->rc = do_stop(r->msg, sizeof(r->msg));
	else
		r->rc = do_dump(r->args, r->n, r->msg, sizeof(r->msg));
}

/* Post a request and wait for the writer to do it (or do it here when no writer runs). */
static int
req_post(struct cap_req *r, char *msg, size_t len)
{
	struct timespec ts;

	if (cap.app == NULL) {
		snprintf(msg, len, "not running");
		return -EAGAIN;
	}
	pthread_mutex_lock(&cap.lock);
	if (!cap.thread_up) {
		pthread_mutex_unlock(&cap.lock);
		snprintf(msg, len, "capture is not available now");
		return -EAGAIN;
	}
	while (cap.req != NULL)
		pthread_cond_wait(&cap.cond, &cap.lock);
	cap.req = r;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30;
	while (!r->done)
		if (pthread_cond_timedwait(&cap.cond, &cap.lock, &ts) == ETIMEDOUT)
			break;
	if (!r->done) {
		/* Never left behind: the writer finishes it before it takes another. */
		while (!r->done)
			pthread_cond_wait(&cap.cond, &cap.lock);
	}
	pthread_mutex_unlock(&cap.lock);
	snprintf(msg, len, "%s", r->msg);
	return r->rc;
}

int
wm_capture_start(const char *args, char *msg, size_t len)
{
	struct cap_req r = {.kind = REQ_START, .args = args};

	return req_post(&r, msg, len);
}

int
wm_capture_stop(char *msg, size_t len)
{
	struct cap_req r = {.kind = REQ_STOP};

	return req_post(&r, msg, len);
}

int
wm_capture_dump(const char *file, unsigned int n, char *msg, size_t len)
{
	struct cap_req r = {.kind = REQ_DUMP, .args = file, .n = n};

	return req_post(&r, msg, len);
}

/* ---- the writer thread ---- */

static void *
writer_main(void *arg)
{
	struct cap_req *r;

	RTE_SET_USED(arg);
	while (!cap.quit) {
		pthread_mutex_lock(&cap.lock);
		r = cap.req;
		pthread_mutex_unlock(&cap.lock);
		if (r != NULL) {
			req_do(r);
			pthread_mutex_lock(&cap.lock);
			r->done = true;
			cap.req = NULL;
			pthread_cond_broadcast(&cap.cond);
			pthread_mutex_unlock(&cap.lock);
		}
		if (drain(false) > 0)
			status_update();
		else
			/* Idle: poll often while a capture or recorder runs, seldom otherwise. */
			usleep(cap.tap != NULL ? 200 : 5000);
	}
	return NULL;
}

/* ---- set-up and the end ---- */

static int
recorders_create(struct wm_app *app, char *msg, size_t len)
{
	const struct wm_conf_capture *cc = &app->conf.capture;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];

		if (cc->history != 0) {
			w->cap.hist = wm_capture_hist_create(cc->history, w->socket_id);
			snprintf(name, sizeof(name), "wm_capdump_%u", i);
			w->cap.dump_ring =
				rte_ring_create(name, rte_align32pow2(cc->history + 1),
						w->socket_id, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (w->cap.hist == NULL || w->cap.dump_ring == NULL)
				goto nomem;
		}
		if (cc->on_loss != NULL && cap.evmap == NULL) {
			cap.evmap = calloc((size_t)app->n_workers * EVMAP, sizeof(cap.evmap[0]));
			cap.evq = calloc(app->n_workers, sizeof(cap.evq[0]));
			if (cap.evmap == NULL || cap.evq == NULL)
				goto nomem;
		}
		if (cc->on_loss != NULL) {
			if (w->seq_pool == NULL) {
				snprintf(msg, len,
					 "--capture-on-loss needs sequence tracking "
					 "(--seq-streams above 0)");
				return -EINVAL;
			}
			w->cap.loss = wm_capture_loss_create(app->conf.seq_streams, cc->loss_before,
							     cc->loss_after, w->socket_id);
			if (w->cap.loss == NULL)
				goto nomem;
		}
	}
	return 0;
nomem:
	snprintf(msg, len, "out of memory for the capture recorders");
	return -ENOMEM;
}

/* The conf's event bits as enum wm_seq_class bits. */
static uint32_t
loss_classes(uint32_t events)
{
	static const enum wm_seq_class cls[] = {WM_SEQ_GAP,	WM_SEQ_LATE, WM_SEQ_DUP,
						WM_SEQ_TOO_OLD, WM_SEQ_JUMP, WM_SEQ_PROTO_VIOLATION,
						WM_SEQ_RESTART};
	uint32_t bits = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cls); i++)
		if (events >> i & 1)
			bits |= 1u << cls[i];
	return bits;
}

static int
init_fail(const char *msg)
{
	fprintf(stderr, "wiremeter: error: capture: %s\n", msg);
	return -EINVAL;
}

int
wm_capture_check(const struct wm_conf *conf, char *err, size_t errlen)
{
	const struct wm_conf_capture *cc = &conf->capture;
	struct wm_pkt_meta key;
	char dir[4096], why[256];
	const char *f;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		f = k == 0 ? cc->file : cc->history_on_exit;
		if (f == NULL)
			continue;
		snprintf(dir, sizeof(dir), "%s", f);
		if (strrchr(dir, '/') != NULL)
			*(strrchr(dir, '/') + (strrchr(dir, '/') == dir)) = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		if (access(dir, W_OK) != 0) {
			snprintf(err, errlen, "--%s %s: directory %s: %s",
				 k == 0 ? "capture" : "capture-history-on-exit", f, dir,
				 strerror(errno));
			return -EINVAL;
		}
	}
	if (cc->flow != NULL && wm_ctl_parse_flow_key(cc->flow, &key, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "--capture-flow %s", why);
		return -EINVAL;
	}
	if (cc->on_loss != NULL && conf->seq_streams == 0) {
		snprintf(err, errlen,
			 "--capture-on-loss needs sequence tracking (--seq-streams "
			 "above 0)");
		return -EINVAL;
	}
	return 0;
}

int
wm_capture_init(struct wm_app *app)
{
	const struct wm_conf_capture *cc = &app->conf.capture;
	char msg[1024];
	unsigned int i;
	int rc;

	cap.app = app;
	for (i = 0; i < app->n_workers; i++)
		app->workers[i]->cap.loss_classes = loss_classes(cc->loss_events);
	if (capture_configured(cc)) {
		rc = pool_and_rings(msg, sizeof(msg));
		if (rc == 0)
			rc = recorders_create(app, msg, sizeof(msg));
		if (rc != 0)
			return init_fail(msg);
		if (cc->file != NULL) {
			char args[256] = "";

			if (cc->flow != NULL)
				snprintf(args, sizeof(args), "flow %s", cc->flow);
			if (do_start(args, msg, sizeof(msg)) != 0)
				return init_fail(msg);
		} else {
			struct wm_cap_tap *t = tap_make(NULL, cc->filter, msg, sizeof(msg));

			if (t == NULL)
				return init_fail(msg);
			tap_publish(t, false);
		}
	}
	if (pthread_create(&cap.thread, NULL, writer_main, NULL) != 0)
		return init_fail("cannot start the writer thread");
	rte_thread_setname(cap.thread, "wm-capture");
	pthread_mutex_lock(&cap.lock);
	cap.thread_up = true;
	pthread_mutex_unlock(&cap.lock);
	return 0;
}

void
wm_capture_finish(struct wm_app *app)
{
	const struct wm_conf_capture *cc = &app->conf.capture;
	char msg[512];

	if (cap.app == NULL || cap.finished)
		return;
	cap.finished = true;
	pthread_mutex_lock(&cap.lock);
	cap.thread_up = false;
	pthread_mutex_unlock(&cap.lock);
	cap.quit = true;
	pthread_join(cap.thread, NULL);
	/* The workers are done: the rest of every ring is written, the file closed. */
	drain_all();
	capture_close();
	if (cc->history_on_exit != NULL) {
		if (do_dump(cc->history_on_exit, 0, msg, sizeof(msg)) != 0)
			WM_LOG(WARNING, "capture: --capture-history-on-exit: %s", msg);
		else
			WM_LOG(INFO, "capture: %s", msg);
	}
}

void
wm_capture_fini(struct wm_app *app)
{
	unsigned int i;

	if (cap.app == NULL)
		return;
	wm_capture_finish(app);
	tap_publish(NULL, false);
	for (i = 0; i < app->n_workers; i++) {
		struct wm_worker *w = app->workers[i];

		wm_capture_hist_free(w->cap.hist);
		wm_capture_loss_free(w->cap.loss);
		rte_ring_free(w->cap.dump_ring);
		w->cap.hist = NULL;
		w->cap.loss = NULL;
	}
	wm_capture_merge_free(cap.merge);
	free(cap.evmap);
	free(cap.evq);
	cap.evmap = NULL;
	cap.evq = NULL;
	for (i = 0; i < app->n_workers; i++)
		rte_ring_free(cap.rings[i]);
	rte_mempool_free(cap.pool);
	cap.app = NULL;
}

/* ---- the gap log's pointers into the capture (main lcore) ---- */

/* Can this held event go: no capture, the writer past it, or the end? Fills its fields. */
static bool
gap_resolve(unsigned int wi, struct wm_gap_event *g)
{
	const struct cap_evmap *e;
	uint32_t done;

	if (g->cap_event == 0)
		return true;
	done = __atomic_load_n(&cap.ev_done[wi], __ATOMIC_ACQUIRE);
	if ((int32_t)(done - g->cap_event) < 0 && !cap.finished)
		return false;
	e = &cap.evmap[wi * EVMAP + g->cap_event % EVMAP];
	if (e->ev == g->cap_event && e->index != 0) {
		g->cap_file = e->file;
		g->cap_packet = e->index;
	}
	return true;
}

unsigned int
wm_capture_gaps_ready(unsigned int wi, struct wm_gap_event *g, unsigned int n, unsigned int max)
{
	struct wm_gap_event in[n > 0 ? n : 1];
	struct cap_evq *q;
	unsigned int i, k = 0;

	if (cap.evq == NULL)
		return n;
	q = &cap.evq[wi];
	memcpy(in, g, n * sizeof(*g));
	for (i = 0; i < n; i++) {
		/* Full: the oldest goes now, as it is (the order is kept; n <= max). */
		if (q->count == EVQ) {
			g[k++] = q->g[q->head];
			q->head = (q->head + 1) % EVQ;
			q->count--;
		}
		q->g[(q->head + q->count++) % EVQ] = in[i];
	}
	while (q->count > 0 && k < max && gap_resolve(wi, &q->g[q->head])) {
		g[k++] = q->g[q->head];
		q->head = (q->head + 1) % EVQ;
		q->count--;
	}
	return k;
}

bool
wm_capture_file_name(uint64_t file_no, bool live, char *buf, size_t len)
{
	const struct cap_name *n = &cap.names[file_no % NAMES];
	bool found;

	pthread_mutex_lock(&cap.lock);
	found = file_no != 0 && n->no == file_no && !(live && n->gone);
	snprintf(buf, len, "%s", found ? n->name : "");
	pthread_mutex_unlock(&cap.lock);
	return found;
}

/* ---- status, stats line, report ---- */

void
wm_capture_status(struct wm_capture_status *st)
{
	pthread_mutex_lock(&cap.lock);
	*st = cap.status;
	pthread_mutex_unlock(&cap.lock);
}

/* The workers' capture counters, summed (relaxed loads). */
static void
worker_sums(const struct wm_app *app, uint64_t *sel, uint64_t *queued, uint64_t *pool,
	    uint64_t *ring)
{
	unsigned int i;

	*sel = *queued = *pool = *ring = 0;
	for (i = 0; i < app->n_workers; i++) {
		const struct wm_worker *w = app->workers[i];

		*sel += wm_read_u64(&w->cap_selected);
		*queued += wm_read_u64(&w->cap_queued);
		*pool += wm_read_u64(&w->cap_drop_pool);
		*ring += wm_read_u64(&w->cap_drop_ring);
	}
}

void
wm_capture_stats_suffix(const struct wm_app *app, char *buf, size_t len)
{
	struct wm_capture_status st;
	uint64_t sel, queued, pool, ring;

	buf[0] = '\0';
	wm_capture_status(&st);
	if (!st.running)
		return;
	worker_sums(app, &sel, &queued, &pool, &ring);
	snprintf(buf, len, " | capture %" PRIu64 " pkts %" PRIu64 " dropped", st.pkts + st.cur_pkts,
		 pool + ring + st.dropped_write);
}

json_t *
wm_capture_report_json(const struct wm_app *app)
{
	struct wm_capture_status st;
	uint64_t sel, queued, pool, ring;
	json_t *o = json_object(), *d = json_object();

	wm_capture_status(&st);
	worker_sums(app, &sel, &queued, &pool, &ring);
	json_object_set_new(o, "running", json_boolean(st.running));
	json_object_set_new(o, "file", json_string(st.file));
	json_object_set_new(o, "filter", json_string(st.filter));
	json_object_set_new(o, "flow", json_string(st.flow));
	json_object_set_new(o, "captures", json_integer((json_int_t)st.captures));
	json_object_set_new(o, "filesWritten", json_integer((json_int_t)(st.files + st.cur_files)));
	json_object_set_new(o, "filesRemoved", json_integer((json_int_t)st.removed));
	json_object_set_new(o, "packetsWritten", json_integer((json_int_t)(st.pkts + st.cur_pkts)));
	json_object_set_new(o, "octetsWritten",
			    json_integer((json_int_t)(st.bytes + st.cur_bytes)));
	json_object_set_new(o, "captureSelected", json_integer((json_int_t)sel));
	json_object_set_new(o, "captureQueued", json_integer((json_int_t)queued));
	json_object_set_new(d, "pool", json_integer((json_int_t)pool));
	json_object_set_new(d, "ring", json_integer((json_int_t)ring));
	json_object_set_new(d, "write", json_integer((json_int_t)st.dropped_write));
	json_object_set_new(o, "captureDropped", d);
	json_object_set_new(o, "writeErrors", json_integer((json_int_t)st.write_errors));
	/* Selected but past the capture's count or duration: not written, not a drop. */
	json_object_set_new(o, "captureAfterEnd", json_integer((json_int_t)st.after_end));
	return o;
}

/* ---- telemetry ---- */

static int
tel_capture(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *o;
	const char *k;
	json_t *v;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	if (!wm_ctl_enter())
		return -EAGAIN;
	o = wm_capture_report_json(cap.app);
	wm_ctl_leave();
	rte_tel_data_start_dict(d);
	json_object_foreach(o, k, v) {
		if (json_is_string(v))
			rte_tel_data_add_dict_string(d, k, json_string_value(v));
		else if (json_is_boolean(v))
			rte_tel_data_add_dict_int(d, k, json_is_true(v));
		else if (json_is_integer(v))
			rte_tel_data_add_dict_u64(d, k, (uint64_t)json_integer_value(v));
		else if (json_is_object(v)) {
			struct rte_tel_data *sub = rte_tel_data_alloc();
			const char *k2;
			json_t *v2;

			rte_tel_data_start_dict(sub);
			json_object_foreach(v, k2, v2)
				rte_tel_data_add_dict_u64(sub, k2,
							  (uint64_t)json_integer_value(v2));
			rte_tel_data_add_dict_container(d, k, sub, 0);
		}
	}
	json_decref(o);
	return 0;
}

/* start/stop/dump: the answer is {"ok": 0|1, "message": ...}. */
static int
tel_answer(struct rte_tel_data *d, int rc, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "ok", rc == 0);
	rte_tel_data_add_dict_string(d, "message", msg);
	return 0;
}

static int
tel_capture_start(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char msg[512];
	int rc;

	RTE_SET_USED(cmd);
	rc = wm_capture_start(params, msg, sizeof(msg));
	return tel_answer(d, rc, msg);
}

static int
tel_capture_stop(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char msg[512];
	int rc;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rc = wm_capture_stop(msg, sizeof(msg));
	return tel_answer(d, rc, msg);
}

static int
tel_capture_dump(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char msg[512], file[4096] = "";
	unsigned int n = 0;
	const char *comma;

	RTE_SET_USED(cmd);
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	comma = strchr(params, ',');
	snprintf(file, sizeof(file), "%.*s", comma ? (int)(comma - params) : (int)strlen(params),
		 params);
	if (comma != NULL)
		n = (unsigned int)strtoul(comma + 1, NULL, 10);
	return tel_answer(d, wm_capture_dump(file, n, msg, sizeof(msg)), msg);
}

RTE_INIT(wm_capture_telemetry)
{
	rte_telemetry_register_cmd("/wiremeter/capture", tel_capture,
				   "Packet capture: state, file, packets and bytes written, "
				   "dropped by reason. No parameters.");
	rte_telemetry_register_cmd("/wiremeter/capture/start", tel_capture_start,
				   /* Telemetry refuses help of 128 characters or more. */
				   "Start a capture. Parameters: [filter EXPR] [file FILE] "
				   "[count N] [duration S] [flow KEY]");
	rte_telemetry_register_cmd("/wiremeter/capture/stop", tel_capture_stop,
				   "Stop the running capture. No parameters.");
	rte_telemetry_register_cmd("/wiremeter/capture/dump", tel_capture_dump,
				   "Write the flight recorder. Parameters: FILE[,N].");
}

/* ---- console ---- */

struct cmd_capture_result {
	cmdline_fixed_string_t capture;
	cmdline_multi_string_t rest;
};

static void
cmd_capture_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_capture_result *res = parsed;
	char msg[512], word[16] = "", file[4096] = "";
	const char *rest = res->rest;
	unsigned int n = 0;
	int rc, used = 0;

	RTE_SET_USED(data);
	sscanf(rest, "%15s %n", word, &used);
	rest += used;
	if (strcmp(word, "start") == 0) {
		rc = wm_capture_start(rest, msg, sizeof(msg));
	} else if (strcmp(word, "stop") == 0) {
		rc = wm_capture_stop(msg, sizeof(msg));
	} else if (strcmp(word, "flow") == 0) {
		char args[1024];

		snprintf(args, sizeof(args), "flow %s", rest);
		rc = wm_capture_start(args, msg, sizeof(msg));
	} else if (strcmp(word, "dump") == 0 && sscanf(rest, "%4095s %u", file, &n) >= 1) {
		rc = wm_capture_dump(file, n, msg, sizeof(msg));
	} else {
		rc = -EINVAL;
		snprintf(msg, sizeof(msg),
			 "usage: capture start [filter EXPR] [file FILE] [count N] [duration S] | "
			 "capture stop | capture flow KEY [count N] [file FILE] | "
			 "capture dump FILE [N]");
	}
	cmdline_printf(cl, "%s%s\n", rc == 0 ? "" : "capture: ", msg);
}

static cmdline_parse_token_string_t cmd_capture_capture =
	TOKEN_STRING_INITIALIZER(struct cmd_capture_result, capture, "capture");
static cmdline_parse_token_string_t cmd_capture_rest =
	TOKEN_STRING_INITIALIZER(struct cmd_capture_result, rest, TOKEN_STRING_MULTI);

cmdline_parse_inst_t wm_cmd_capture = {
	.f = cmd_capture_parsed,
	.data = NULL,
	.help_str = "capture start [filter EXPR] [file FILE] [count N] [duration S] | capture stop "
		    "| capture flow KEY [count N] [file FILE] | capture dump FILE [N]",
	.tokens = {(void *)&cmd_capture_capture, (void *)&cmd_capture_rest, NULL},
};

struct cmd_show_capture_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t capture;
};

static void
cmd_show_capture_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct wm_capture_status st;
	uint64_t sel, queued, pool, ring;

	RTE_SET_USED(parsed);
	RTE_SET_USED(data);
	if (cap.app == NULL) {
		cmdline_printf(cl, "capture: not running\n");
		return;
	}
	wm_capture_status(&st);
	worker_sums(cap.app, &sel, &queued, &pool, &ring);
	cmdline_printf(cl, "capture: %s%s%s\n", st.running ? "running, " : "stopped",
		       st.running ? "file " : "", st.running ? st.file : "");
	if (st.filter[0] != '\0' || st.flow[0] != '\0')
		cmdline_printf(cl, "  filter '%s' flow '%s'\n", st.filter, st.flow);
	cmdline_printf(cl,
		       "  files %" PRIu64 " (%" PRIu64 " removed), written %" PRIu64
		       " packets %" PRIu64 " bytes\n",
		       st.files + st.cur_files, st.removed, st.pkts + st.cur_pkts,
		       st.bytes + st.cur_bytes);
	cmdline_printf(cl,
		       "  selected %" PRIu64 " queued %" PRIu64 " dropped: pool %" PRIu64
		       " ring %" PRIu64 " write %" PRIu64 "\n",
		       sel, queued, pool, ring, st.dropped_write);
}

static cmdline_parse_token_string_t cmd_show_capture_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_capture_result, show, "show");
static cmdline_parse_token_string_t cmd_show_capture_capture =
	TOKEN_STRING_INITIALIZER(struct cmd_show_capture_result, capture, "capture");

cmdline_parse_inst_t wm_cmd_show_capture = {
	.f = cmd_show_capture_parsed,
	.data = NULL,
	.help_str = "show capture: the capture's state, files, packets written and dropped",
	.tokens = {(void *)&cmd_show_capture_show, (void *)&cmd_show_capture_capture, NULL},
};
