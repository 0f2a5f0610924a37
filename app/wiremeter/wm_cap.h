/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CAP_H
#define WM_CAP_H

/*
 * Packet capture in the application: the worker's tap (capture_tap.c),
 * and the controller and writer (capture.c) that lib/capture's writer
 * half runs in, on a thread of its own so that a slow disk never holds
 * up the main lcore or a worker.
 *
 * A tap is one capture's settings, immutable once published: the
 * workers read it without a lock, and the controller frees it only when
 * every worker has taken its successor (struct wm_worker_cap).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "wm_app.h"

struct wm_cap_tap {
	struct rte_bpf *filter;		 /* capture filter, or NULL */
	uint64_t (*filter_jit)(void *m); /* its JIT code, or NULL to interpret */
	bool flow;			 /* select one biflow: 'key' */
	bool has_sel;			 /* a filter or a flow selects */
	bool select_all;		 /* neither, and no loss capture: every packet */
	bool write;			 /* a capture runs: selected copies go to the rings */
	struct wm_pkt_meta key;		 /* the biflow, as wm_ctl_parse_flow_key() fills it */
	uint32_t caplen;		 /* snap length, at most the pool's */
	struct rte_mempool *pool;
	struct rte_ring *rings[WM_MAX_WORKERS]; /* per worker index: copies to the writer */
};

/*
 * Worker side. The burst's packets with their metas; w->cap.skip has bit
 * i set for a packet the metering filter dropped, w->cap.perr for one the
 * parser refused (no meta); both are cleared here. tsc is the burst's
 * (its time is recomputed here, so the burst loop keeps one value less
 * live). Called only when
 * w->cap.tap is set.
 */
void wm_capture_tap(struct wm_worker *w, struct rte_mbuf **pkts, const struct wm_pkt_meta *metas,
		    unsigned int n, uint64_t tsc);
/* Every few polls: take a new tap, answer a dump request. */
void wm_capture_worker_poll(struct wm_worker *w);

/* The seq hook's note: packet i of the burst belongs to stream idx, classified cls. */
static inline void
wm_capture_seq_note(struct wm_worker *w, unsigned int i, uint32_t idx, unsigned int cls)
{
	w->cap.stream[i] = idx + 1;
	w->cap.cls[i] = (uint8_t)cls;
	if (w->cap.loss_classes >> cls & 1)
		w->cap.evno[i] = ++w->cap.event_no;
}

/*
 * Before EAL: can the capture file be created (its directory writable), does the
 * flow key parse? 0, or -EINVAL with err naming the option.
 */
int wm_capture_check(const struct wm_conf *conf, char *err, size_t errlen);
/* Main lcore: set-up after the ports (one interface block each), before launch. 0 or -errno. */
int wm_capture_init(struct wm_app *app);
/* Once the workers are done: the last copies written, the files closed, the recorder dumped. */
void wm_capture_finish(struct wm_app *app);
/* After wm_capture_finish() (which it calls if need be): everything freed. */
void wm_capture_fini(struct wm_app *app);

/*
 * Main lcore, as it drains worker wi's gap ring: the events g[0..n) join
 * those held, and the ones that may go now (in order, at most max) are
 * put back into g, with captureFile/capturePacket filled where the
 * writer wrote their packet; returns how many. Without loss capture,
 * every event goes at once.
 */
unsigned int wm_capture_gaps_ready(unsigned int wi, struct wm_gap_event *g, unsigned int n,
				   unsigned int max);
/*
 * Any thread: copy the name of capture file number file_no (1-based over
 * every capture, a gap event's cap_file) into buf, taken under the
 * capture's lock. false (buf "") when forgotten, or, with live, when the
 * ring has deleted it.
 */
bool wm_capture_file_name(uint64_t file_no, bool live, char *buf, size_t len);

/* What the capture does now (any thread). */
struct wm_capture_status {
	bool running;	  /* a capture writes to a file */
	char file[4096];  /* its current file, or the last one */
	char filter[512]; /* its filter, "" for none */
	char flow[128];	  /* its flow, "" for none */
	uint64_t files;	  /* files written since start */
	uint64_t pkts;	  /* packets written since start */
	uint64_t bytes;	  /* bytes written since start */
	uint64_t removed; /* ring files deleted */
	uint64_t write_errors;
	uint64_t dropped_write;			 /* copies not written: a write error */
	uint64_t after_end;			 /* copies past a capture's count or duration */
	uint64_t captures;			 /* captures started since start */
	uint64_t cur_files, cur_pkts, cur_bytes; /* the running capture's, not yet in the above */
};
void wm_capture_status(struct wm_capture_status *st);

/*
 * Control, from the console or telemetry: "filter EXPR", "file FILE",
 * "count N", "duration S", "flow KEY" in any order. Each returns 0 with
 * 'msg' saying what was done, or a negative errno with 'msg' saying why.
 */
int wm_capture_start(const char *args, char *msg, size_t len);
int wm_capture_stop(char *msg, size_t len);
/* Write the flight recorders' last n packets (0: all) to file, oldest first. */
int wm_capture_dump(const char *file, unsigned int n, char *msg, size_t len);

/* Stats line suffix " | capture N pkts M dropped" while one runs, else "". */
void wm_capture_stats_suffix(const struct wm_app *app, char *buf, size_t len);
struct json_t;
/* The report's "capture" object. */
struct json_t *wm_capture_report_json(const struct wm_app *app);

/* Console commands (console.c's list). */
struct cmdline_inst;
extern struct cmdline_inst wm_cmd_capture;
extern struct cmdline_inst wm_cmd_show_capture;

#endif /* WM_CAP_H */
