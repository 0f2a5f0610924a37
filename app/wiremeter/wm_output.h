/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_OUTPUT_H
#define WM_OUTPUT_H

/*
 * What the main lcore does with records and at the end: JSON lines,
 * totals, the human summary and the JSON report. Main lcore only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "wm_conf.h"
#include "wm_flow.h"
#include "wm_ipfix.h"
#include "wm_seq.h"

#define WM_TOP_FLOWS 10
/* Streams the report lists, worst first. */
#define WM_SEQ_WORST 100

/* Sequence streams that ended (their last record), and gap events. Main lcore only. */
struct wm_seq_totals {
	uint64_t tracked;   /* streams ended */
	uint64_t with_loss; /* of them, with seqLostCount > 0 */
	uint64_t impaired;  /* with loss, late, duplicate or too-old packets */
	uint64_t lost;	    /* their seqLostCount, summed */
	/* The same per enum wm_seq_kind (the metrics' seq_lost_total{kind}). */
	uint64_t lost_by_kind[WM_SEQ_KIND_MAX];
	struct wm_stream_rec {
		struct wm_flow_export e; /* its flow's last record */
		struct wm_seq_snapshot s;
	} worst[WM_SEQ_WORST]; /* worst first (wm_stream_worse) */
	unsigned int n_worst;
};

/* Totals over every exported record. Written by the main lcore only. */
struct wm_totals {
	uint64_t records;
	uint64_t pkts;
	uint64_t octets;
	uint64_t by_reason[6];
	uint64_t write_errors;
	struct wm_flow_export top[WM_TOP_FLOWS]; /* most octets first */
	unsigned int n_top;
	struct wm_seq_totals seq;
};

extern struct wm_totals wm_totals;

struct wm_app;

int wm_output_open(const struct wm_conf *conf);
int wm_output_close(void);
/*
 * SIGHUP: flush and close --flows-json and --gaps-json and open them
 * again at their paths (appending), so logrotate's moved file keeps every
 * record written before and the new file every record after. 0, or the
 * first negative errno; a file that cannot be reopened stays as it was.
 */
int wm_output_reopen(const struct wm_conf *conf);
/*
 * Called once per loop of the main lcore with the work that loop did:
 * flushes the files it writes (JSON lines, gap lines, file: collectors)
 * when a loop that found work is followed by one that found none, and at
 * least every @p period_tsc while work never stops, so a record is in its
 * file soon after the main lcore took it, not when 1 MB has gathered.
 */
void wm_output_flush_tick(unsigned int work, uint64_t now_tsc, uint64_t period_tsc);
/* A flow record and the snapshots of its streams (as many as wm_seq_count(e)). */
void wm_output_record(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		      unsigned int n_streams);
/* One record as a JSON line (with the newline); returns its length or -ENOSPC. */
int wm_output_format(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		     unsigned int n_streams, char *buf, size_t len);
/* Streams whose flow ended with no record to carry them: counted for the report. */
void wm_output_streams_ended(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
			     unsigned int n_streams);
struct wm_gap_event;
/* A stream's kind, identity and counters as one JSON object; returns its length or -ENOSPC. */
int wm_output_stream_json(const struct wm_seq_snapshot *s, char *buf, size_t len);
/* One gap event: counted, and written to --gaps-json. */
void wm_output_gap(const struct wm_gap_event *g);
/*
 * A gap event's fields in its --gaps-json line's order (time, event, the
 * stream's kind and identity, the packet's endpoints, expected, received,
 * missing, distance), names as in the flow records; returns 0 or what fn
 * returned to stop.
 */
int wm_output_gap_visit(const struct wm_gap_event *g, wm_ipfix_field_fn fn, void *ctx);
/* One gap event as a --gaps-json line (with the newline); returns its length or -ENOSPC. */
int wm_output_gap_format(const struct wm_gap_event *g, char *buf, size_t len);

/*
 * Would jansson's json_loads have read the record's (stream's, gap
 * event's) JSON text: is every number at most INT64_MAX? The report and
 * telemetry used to build their objects so, and a refused text left the
 * object out (a flow record whose start is UINT64_MAX, "no packet in this
 * interval", among the worst streams' flows); they still do, so that
 * their answers stay the same.
 */
bool wm_output_record_loads(const struct wm_flow_export *e);
bool wm_output_stream_loads(const struct wm_seq_snapshot *s);
bool wm_output_gap_loads(const struct wm_gap_event *g);

/* Print the summary on stdout and write --report; returns 0 or a negative errno. */
int wm_report_write(struct wm_app *app, double duration_s);

#endif /* WM_OUTPUT_H */
