/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_FORMAT_H
#define WM_FORMAT_H

/* Numbers and worker descriptions as the console, telemetry and the stats line print them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_app.h"

/* Human units: exact below 100000, else 123.4k, 1.2M, 3.4G. Returns buf. */
const char *wm_human(char *buf, size_t len, uint64_t v);
/* A rate: one decimal from 1 up, three below. Returns buf. */
const char *wm_human_rate(char *buf, size_t len, double v);

/* The periodic stats line's figures, and the line itself (no newline). */
struct wm_stats_figures {
	double seconds;	      /* since start */
	double mpps, gbps;    /* rx rate */
	uint64_t active;      /* flows in the tables */
	uint64_t exported;    /* flow records exported */
	uint64_t seq_lost;    /* seqLostCount over ended streams */
	uint64_t seq_streams; /* ended streams with loss */
	uint64_t drops;	      /* imissed + rx_nombuf + ierrors */
	bool ipfix;	      /* then: */
	struct wm_exporter_totals ex;
};
int wm_stats_line_format(const struct wm_stats_figures *f, char *buf, size_t len);

/* Role of a worker lcore: "distributor" (software RSS) or "worker". */
const char *wm_ctl_worker_role(const struct wm_worker *w);
/* The Rx queues a worker's lcore polls: its own and its distributor's. */
unsigned int wm_ctl_worker_n_rxq(const struct wm_worker *w);
/* A worker's queues as text: "p0q0 p1q0", dealt queues after "dist:". */
void wm_ctl_worker_queues(const struct wm_worker *w, char *buf, size_t len);

/*
 * The console's sequence tables (seq_table.c): a header, then one
 * aligned row per stream or gap event; each writes a line with its
 * newline into buf and returns snprintf's count.
 */
/* A stream's identity: "spi 0x00001001", "ssrc 0x11223344", "sci ... an 0", "stream 7". */
int wm_seq_identity(const struct wm_seq_snapshot *s, char *buf, size_t len);
int wm_seq_stream_header(char *buf, size_t len);
/* Row n: the stream's counters, then its flow from one endpoint to the other. */
int wm_seq_stream_row(unsigned int n, const struct wm_seq_snapshot *s, const char *from,
		      const char *to, char *buf, size_t len);
int wm_seq_gap_header(char *buf, size_t len);
/* A gap event, age 1 the newest. */
int wm_seq_gap_row(unsigned int age, const struct wm_gap_event *g, char *buf, size_t len);

#endif /* WM_FORMAT_H */
