/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * A worker's copy of the data-path settings (struct wm_worker_conf):
 * taken from struct wm_app on the main lcore once setup is complete
 * (ports, filter, clock, software RSS rings, who reads gap events) and
 * before launch, so that the worker loop reads its own context only.
 */

#include <string.h>

#include "wm_worker.h"

static void
seq_ext_fill(const struct wm_conf *c, struct wm_seq_ext *x)
{
	x->esp = c->seq[WM_CONF_SEQ_ESP].ext64 != 0;
	x->macsec = c->seq[WM_CONF_SEQ_MACSEC].ext64 != 0;
	x->n_esn_spis = c->n_esn_spis;
	memcpy(x->esn_spis, c->esn_spis, sizeof(x->esn_spis));
	x->n_xpn_scis = c->n_xpn_scis;
	memcpy(x->xpn_scis, c->xpn_scis, sizeof(x->xpn_scis));
}

/* The distributor that deals to the workers' rings, or NULL. */
static const struct wm_distributor *
feed_find(const struct wm_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++)
		if (app->workers[i]->dist != NULL)
			return app->workers[i]->dist;
	return NULL;
}

void
wm_worker_conf_fill(const struct wm_app *app, struct wm_worker *w)
{
	struct wm_worker_conf *c = &w->conf;
	unsigned int p;

	c->filter = app->filter;
	c->filter_jit = app->filter_jit;
	c->ts_dynflag = app->ts_dynflag;
	c->ts_dynfield_offset = app->ts_dynfield_offset;
	c->clock_dynfield = app->clock_dynfield;
	c->replay = app->replay;
	c->gaps_wanted = app->gaps_wanted;
	c->ipfix_mtu = app->conf.ipfix_mtu;
	c->pkt_opts = app->conf.tunnels == WM_CONF_TUNNELS_OUTER ? WM_PKT_OPT_OUTER : 0;
	c->tsc0 = app->tsc0;
	c->epoch_ns_at_tsc0 = app->epoch_ns_at_tsc0;
	c->tsc_hz = app->tsc_hz;
	c->feed = w->sw_in != NULL ? feed_find(app) : NULL;
	for (p = 0; p < WM_MAX_PORTS; p++)
		c->ts_mult[p] = app->ports[p].ts_mult;
	seq_ext_fill(&app->conf, &c->seq_ext);
	c->xdp_poll_us = (uint64_t)(app->conf.xdp_poll * 1e6);
	if (w->dist != NULL)
		wm_distributor_conf_fill(w->dist, app);
}
