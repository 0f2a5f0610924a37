/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/* The counter snapshot (wm_stats.h): every total is summed here, once. */

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "wm_app.h"
#include "wm_output.h"
#include "wm_stats.h"
#include "wm_xdp.h"

/*
 * --engine xdp: the kernel's programs count what the worker would have
 * (their maps, read by syscall); a failed insert (full map) is in none
 * of these, but in the report's xdp section.
 */
static void
take_xdp(const struct wm_worker *w, struct wm_stats_counters *wc)
{
	uint64_t c[WM_XDP_C_MAX];
	unsigned int i;

	for (i = 0; i < w->n_xdp; i++) {
		if (wm_xdp_meter_counters(w->xdp[i], c) != 0)
			continue;
		wc->c.rx += c[WM_XDP_C_METERED] + c[WM_XDP_C_UNPARSED];
		wc->c.metered += c[WM_XDP_C_METERED];
		wc->c.parse_errors += c[WM_XDP_C_UNPARSED];
	}
}

static void
take_worker(const struct wm_worker *w, struct wm_stats *s, struct wm_stats_counters *wc)
{
	const struct wm_flow_stats *fs = wm_flow_table_stats(w->flows);
	const struct wm_frag_stats *frs = wm_frag_table_stats(w->frags);
	unsigned int e;
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		const struct wm_port_counters *pc = &w->port[pid];
		struct wm_port_counters *sp = &s->port[pid].c;

#define WM_X(f, k, pk)                            \
	do {                                      \
		uint64_t v = wm_read_u64(&pc->f); \
		sp->f += v;                       \
		wc->c.f += v;                     \
	} while (0);
		WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
	}
	take_xdp(w, wc);
#define WM_X(f, k, show) wc->f = wm_read_u64(&fs->f);
	WM_FOREACH_FLOW_COUNTER(WM_X)
#undef WM_X
#define WM_X(f, k, show) wc->f = wm_read_u64(&frs->f);
	WM_FOREACH_FRAG_COUNTER(WM_X)
#undef WM_X
#define WM_X(f, k, show) wc->f = wm_read_u64(&w->f);
	WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
	for (e = 0; e < WM_PKT_ERR_MAX; e++)
		wc->parse_err[e] = wm_read_u64(&w->parse_err[e]);
#define WM_X(f, n, name, key)     \
	for (e = 1; e < (n); e++) \
		wc->f[e] = wm_read_u64(&w->f[e]);
	WM_FOREACH_PKT_ARRAY(WM_X)
#undef WM_X
}

static void
add_counters(struct wm_stats_counters *t, const struct wm_stats_counters *wc)
{
	unsigned int e;

#define WM_X(f, k, pk) t->c.f += wc->c.f;
	WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
#define WM_X(f, k, show) t->f += wc->f;
	WM_FOREACH_FLOW_COUNTER(WM_X)
	WM_FOREACH_FRAG_COUNTER(WM_X)
	WM_FOREACH_WORKER_COUNTER(WM_X)
#undef WM_X
	for (e = 0; e < WM_PKT_ERR_MAX; e++)
		t->parse_err[e] += wc->parse_err[e];
#define WM_X(f, n, name, key)     \
	for (e = 1; e < (n); e++) \
		t->f[e] += wc->f[e];
	WM_FOREACH_PKT_ARRAY(WM_X)
#undef WM_X
}

void
wm_stats_take(const struct wm_app *app, struct wm_stats *s)
{
	unsigned int wi;
	uint16_t pid;

	memset(s, 0, sizeof(*s));
	s->tsc = rte_rdtsc();
	RTE_ETH_FOREACH_DEV(pid) {
		struct wm_stats_port *p = &s->port[pid];

		if (rte_eth_stats_get(pid, &p->eth) != 0)
			memset(&p->eth, 0, sizeof(p->eth));
		p->drops = p->eth.imissed + p->eth.rx_nombuf + p->eth.ierrors;
		s->ipackets += p->eth.ipackets;
		s->ibytes += p->eth.ibytes;
		s->drops += p->drops;
	}
	for (wi = 0; wi < app->n_workers; wi++) {
		take_worker(app->workers[wi], s, &s->worker[wi]);
		add_counters(&s->total, &s->worker[wi]);
	}
}

void
wm_stats_take_main(const struct wm_app *app, struct wm_stats *s)
{
	wm_stats_take(app, s);
	s->records = wm_totals.records;
	s->pkts = wm_totals.pkts;
	s->octets = wm_totals.octets;
	memcpy(s->by_reason, wm_totals.by_reason, sizeof(s->by_reason));
	s->seq_lost = wm_totals.seq.lost;
	s->seq_with_loss = wm_totals.seq.with_loss;
	s->seq_tracked = wm_totals.seq.tracked;
	s->ipfix = wm_exporter_enabled();
	if (s->ipfix)
		wm_exporter_totals(&s->ex);
}
