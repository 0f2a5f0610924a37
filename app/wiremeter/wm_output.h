/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_OUTPUT_H
#define WM_OUTPUT_H

/*
 * What the main lcore does with records and at the end: JSON lines,
 * totals, the human summary and the JSON report. Main lcore only.
 */

#include <stdint.h>

#include "wm_conf.h"
#include "wm_flow.h"

#define WM_TOP_FLOWS 10

/* Totals over every exported record. Written by the main lcore only. */
struct wm_totals {
	uint64_t records;
	uint64_t pkts;
	uint64_t octets;
	uint64_t by_reason[6];
	uint64_t write_errors;
	struct wm_flow_export top[WM_TOP_FLOWS]; /* most octets first */
	unsigned int n_top;
};

extern struct wm_totals wm_totals;

struct wm_app;

int wm_output_open(const struct wm_conf *conf);
int wm_output_close(void);
void wm_output_record(const struct wm_flow_export *e);
/* One record as a JSON line (with the newline); returns its length or -ENOSPC. */
int wm_output_format(const struct wm_flow_export *e, char *buf, size_t len);

/* Print the summary on stdout and write --report; returns 0 or a negative errno. */
int wm_report_write(struct wm_app *app, double duration_s);

#endif /* WM_OUTPUT_H */
