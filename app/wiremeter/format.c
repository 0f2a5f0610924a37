/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/* Text the console, telemetry, the stats line and the report share (wm_format.h). */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "wm_format.h"
#include "wm_worker.h"

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
	/* Said only once it happened: a collector's host answered "nobody listens". */
	if (f->ipfix && f->ex.refused != 0)
		snprintf(ipfix + strlen(ipfix), sizeof(ipfix) - strlen(ipfix), " refused %" PRIu64,
			 f->ex.refused);
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
