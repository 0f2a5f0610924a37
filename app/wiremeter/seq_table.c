/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The console's sequence tables (show streams, show gaps): one aligned
 * row per stream or gap event, the columns of TRex's latency table
 * (received, lost, loss %, late, duplicates, max reorder, restarts), so
 * that a lab engineer reads them at a glance. The JSON forms stay
 * (show streams json, show gaps json).
 */

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "wm_format.h"

int
wm_seq_identity(const struct wm_seq_snapshot *s, char *buf, size_t len)
{
	switch (s->kind) {
	case WM_SEQ_KIND_MACSEC:
		return snprintf(buf, len, "sci %016" PRIx64 " an %u", s->macsec_sci, s->macsec_an);
	case WM_SEQ_KIND_ESP:
		return snprintf(buf, len, "spi 0x%08" PRIx32, s->esp_spi);
	case WM_SEQ_KIND_RTP:
		return snprintf(buf, len, "ssrc 0x%08" PRIx32, s->rtp_ssrc);
	default:
		return snprintf(buf, len, "stream %u", s->tester_id);
	}
}

/* Lost of what was sent: unique numbers received plus those lost. */
static double
loss_percent(const struct wm_seq_counters *c)
{
	uint64_t sent = c->unique + c->lost;

	return sent != 0 ? 100.0 * (double)c->lost / (double)sent : 0.0;
}

int
wm_seq_stream_header(char *buf, size_t len)
{
	return snprintf(buf, len, "%4s  %-6s  %-27s %12s %10s %8s %8s %8s %8s %8s  %s\n", "#",
			"kind", "identity", "received", "lost", "loss %", "late", "dup", "reorder",
			"restarts", "flow");
}

int
wm_seq_stream_row(unsigned int n, const struct wm_seq_snapshot *s, const char *from, const char *to,
		  char *buf, size_t len)
{
	char id[64];

	wm_seq_identity(s, id, sizeof(id));
	return snprintf(buf, len,
			"%4u  %-6s  %-27s %12" PRIu64 " %10" PRIu64 " %8.3f %8" PRIu64 " %8" PRIu64
			" %8" PRIu64 " %8" PRIu64 "  %s -> %s\n",
			n, wm_seq_kind_name(s->kind), id, s->c.rx, s->c.lost, loss_percent(&s->c),
			s->c.late, s->c.dup, s->c.max_reorder, s->c.restarts, from, to);
}

int
wm_seq_gap_header(char *buf, size_t len)
{
	return snprintf(buf, len, "%4s  %-18s  %-6s  %-27s %-15s %14s %14s %8s\n", "age",
			"time (UTC)", "kind", "identity", "event", "expected", "received",
			"missing");
}

int
wm_seq_gap_row(unsigned int age, const struct wm_gap_event *g, char *buf, size_t len)
{
	time_t sec = (time_t)(g->ts_ns / 1000000000u);
	char id[64], when[16];
	struct tm tm;

	wm_seq_identity(&g->id, id, sizeof(id));
	strftime(when, sizeof(when), "%H:%M:%S", gmtime_r(&sec, &tm));
	return snprintf(buf, len,
			"%4u  %s.%09" PRIu64 "  %-6s  %-27s %-15s %14" PRIu64 " %14" PRIu64
			" %8" PRIu64 "\n",
			age, when, g->ts_ns % 1000000000u, wm_seq_kind_name(g->id.kind), id,
			wm_seq_class_name(g->ev.type), g->ev.expected, g->ev.received,
			g->ev.missing);
}
