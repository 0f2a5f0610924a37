/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CTL_H
#define WM_CTL_H

/*
 * The management plane: what telemetry and the console need from the
 * workers and from the main lcore, without ever touching another
 * thread's live state.
 *
 * - Requests to workers (ctl.c the worker's side, ctl_request.c the
 *   requester's). Each worker has a request ring (multi
 *   producer, single consumer) and a pool of request slots, each with a
 *   preallocated answer buffer. A requester (a telemetry thread or the
 *   main lcore) claims a slot per worker, fills the request and posts
 *   it; the worker takes it at one of its next polls and does bounded
 *   work per poll (a slice of its flow table) until the answer is
 *   written, then marks it done. The requester waits, bounded, merges
 *   the workers' answers itself and gives the slots back. A requester
 *   that gives up abandons its slots, which their worker frees when it
 *   finishes with them: no memory is ever freed under a worker.
 * - Snapshots of what the main lcore owns (the record totals, the IPFIX
 *   figures, the recent gap events, busy ratios): the main lcore copies
 *   them under a spinlock that only it and telemetry threads take, never
 *   a worker, every WM_CTL_PUBLISH_MS; telemetry copies them out under
 *   the same lock.
 * - Counters with one writer (the workers' per-port counters, flow
 *   table stats) are read directly with relaxed loads.
 */

#include <stdbool.h>
#include <stdint.h>

#include "wm_app.h"
#include "wm_output.h"

/* Most flows one request returns per worker (the console's "show flows top N"). */
#define WM_CTL_MAX_FLOWS 256
/* Most live streams one request returns per worker. */
#define WM_CTL_MAX_STREAMS 64
/* Gap events the main lcore keeps, newest last. */
#define WM_CTL_GAP_HISTORY 256
/* How long a requester waits for the workers. */
#define WM_CTL_WAIT_MS 500
/* Period of the main lcore's snapshot. */
#define WM_CTL_PUBLISH_MS 50

/* A live sequence stream: its flow's current record and its counters now. */
struct wm_ctl_stream {
	struct wm_flow_export e;
	struct wm_seq_snapshot s;
};

/*
 * What the main lcore publishes for telemetry threads. Copied whole
 * under the lock; the copy is consistent as of 'tsc'.
 */
struct wm_ctl_snapshot {
	uint64_t tsc;		 /* when it was taken */
	struct wm_totals totals; /* records by reason, top flows, ended streams */
	bool ipfix;		 /* collectors configured */
	struct wm_exporter_totals ex;
	struct wm_exporter_collector col[WM_CONF_MAX_COLLECTORS];
	unsigned int n_col;
	uint32_t busy_permille[WM_MAX_WORKERS];	      /* each worker's busy ratio, last second */
	double idle_timeout, active_timeout;	      /* as set now (console), in seconds */
	uint64_t n_gaps;			      /* gap events noted since start */
	struct wm_gap_event gaps[WM_CTL_GAP_HISTORY]; /* gap n is at n % WM_CTL_GAP_HISTORY */
};

/* Set up the request rings and slots; before the workers start. */
int wm_ctl_init(struct wm_app *app);
/*
 * Telemetry may use the application from now on (after the workers
 * launched) / no more (before they are freed: waits for callbacks in
 * flight).
 */
void wm_ctl_open(void);
void wm_ctl_close(void);
void wm_ctl_free(struct wm_app *app);
/* Should workers queue gap events for the main lcore (telemetry, console)? */
bool wm_ctl_gaps_wanted(const struct wm_app *app);

/* Worker side: called by each worker every few polls. */
void wm_ctl_worker_poll(struct wm_worker *w);

/* Main lcore: publish the snapshot when due; note drained gap events. */
void wm_ctl_publish(struct wm_app *app, uint64_t now_tsc, bool force);
void wm_ctl_gaps_note(const struct wm_gap_event *g, unsigned int n);

/*
 * Telemetry side: enter / leave a callback. wm_ctl_enter() returns
 * false when the application is not up (then do not call wm_ctl_leave).
 */
bool wm_ctl_enter(void);
void wm_ctl_leave(void);
/* Copy the published snapshot (any thread). */
void wm_ctl_snapshot_read(struct wm_ctl_snapshot *s);
/* The running configuration as JSON (wm_conf_to_json under the snapshot's lock). */
struct json_t *wm_ctl_conf_json(void);
/* Main lcore: record timeouts the workers took (set idle-timeout / active-timeout). */
void wm_ctl_conf_timeouts(double idle_s, double active_s);

/*
 * Requests to every worker, from any thread. 'service', when not NULL,
 * is called while waiting (the main lcore drains its rings then).
 * Each returns the number of workers that answered, or a negative
 * errno (-EBUSY: no free slot).
 */
typedef void (*wm_ctl_service_fn)(void);
int wm_ctl_top_flows(unsigned int n, enum wm_flow_sort sort, struct wm_flow_export *out,
		     unsigned int *n_out, wm_ctl_service_fn service);
int wm_ctl_find_flow(const struct wm_pkt_meta *key, struct wm_flow_export *out,
		     unsigned int *worker, bool *found, wm_ctl_service_fn service);
int wm_ctl_live_streams(unsigned int n, bool lossy, struct wm_ctl_stream *out, unsigned int *n_out,
			wm_ctl_service_fn service);
/* Each worker reads its timeouts back after setting them: idle and active in ns, or 0. */
int wm_ctl_set_timeouts(uint64_t idle_ns, uint64_t active_ns, uint64_t *idle_back,
			uint64_t *active_back, wm_ctl_service_fn service);
/* Flows removed and records exported, summed over workers. */
int wm_ctl_flush(uint64_t *flows, uint64_t *records, unsigned int wait_ms,
		 wm_ctl_service_fn service);

/* Sorting of merged answers. */
void wm_ctl_sort_flows(struct wm_flow_export *f, unsigned int n, enum wm_flow_sort sort);

#endif /* WM_CTL_H */
