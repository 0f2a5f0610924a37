/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Software RSS: the distributor (struct wm_distributor, wm_worker.h).
 * It takes bursts from single-queue ports and deals the packets to the
 * workers' rings by symmetric hash. A packet a full ring refuses stays
 * in the stash and Rx pauses until it is delivered, so a slow worker
 * makes the ports back up (and count imissed) rather than lose packets
 * silently. Ports take turns to be polled first, so a backed-up ring
 * cannot starve the later ones. It runs on one worker's lcore, inside
 * that worker's loop: no lock, no allocation once running.
 */

#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "wm_worker.h"

struct wm_distributor *
wm_distributor_create(int socket_id)
{
	return rte_zmalloc_socket("wm_distributor", sizeof(struct wm_distributor),
				  RTE_CACHE_LINE_SIZE, socket_id);
}

void
wm_distributor_free(struct wm_distributor *d)
{
	rte_free(d);
}

/* The workers' rings; once they exist (after port setup), before launch. */
void
wm_distributor_conf_fill(struct wm_distributor *d, const struct wm_app *app)
{
	unsigned int i;

	d->n_workers = app->n_workers;
	for (i = 0; i < app->n_workers; i++)
		d->rings[i] = app->workers[i]->sw_in;
}

/*
 * A symmetric hash of a parsed packet: both directions of a flow pick
 * the same worker, as a symmetric RSS key does on a NIC.
 */
static unsigned int
swrss_worker(const struct wm_pkt_meta *m, unsigned int n_workers)
{
	uint32_t h = 0;
	unsigned int i;

	if (m->kind == WM_PKT_KIND_IPV4 || m->kind == WM_PKT_KIND_IPV6) {
		for (i = 0; i < 16; i += 4) {
			uint32_t a, b;

			memcpy(&a, m->src + i, 4);
			memcpy(&b, m->dst + i, 4);
			h ^= a ^ b;
		}
		h ^= (uint32_t)(m->sport ^ m->dport) | ((uint32_t)m->proto << 16);
	} else if (m->kind == WM_PKT_KIND_MACSEC) {
		h = (uint32_t)(m->macsec_sci ^ (m->macsec_sci >> 32));
	} else {
		uint32_t a = 0, b = 0;

		memcpy(&a, m->eth + m->mac_off, 4);
		memcpy(&b, m->eth + m->mac_off + 6, 4);
		h = a ^ b;
	}
	/* Murmur3 finalizer: spread the bits before the modulo. */
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h % n_workers;
}

bool
wm_distributor_flush(struct wm_distributor *d)
{
	bool empty = true;
	unsigned int wi;

	for (wi = 0; wi < d->n_workers; wi++) {
		struct wm_swrss_stash *s = &d->stash[wi];
		unsigned int k;

		if (s->n == 0)
			continue;
		k = rte_ring_enqueue_burst(d->rings[wi], (void **)s->pkts, s->n, NULL);
		if (k < s->n) {
			memmove(s->pkts, &s->pkts[k], (s->n - k) * sizeof(s->pkts[0]));
			empty = false;
		}
		s->n -= k;
	}
	return empty;
}

/*
 * Once every dealt packet is in a ring, the distributor's clock may be
 * published: a worker that then finds its ring empty has met them all.
 */
static void
publish(struct wm_distributor *d, const struct wm_worker_conf *c)
{
	if (!c->replay)
		return;
	d->clock = wm_rxqs_clock(d->q, d->n_q);
	/* Ours alone to write: a plain read of our own last store. */
	if (d->clock > d->published)
		__atomic_store_n(&d->published, d->clock, __ATOMIC_RELEASE);
}

/* Deal one burst from a queue to the stashes; returns its latest packet time. */
static uint64_t
deal(struct wm_distributor *d, const struct wm_worker_conf *c, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t clock = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct wm_parsed *pp = rte_mbuf_to_priv(pkts[i]);
		unsigned int wi = 0;
		uint64_t ts;

		/* A malformed packet goes to worker 0, which counts it. */
		pp->err = (uint8_t)wm_pkt_parse_frame(
			rte_pktmbuf_mtod(pkts[i], const uint8_t *), rte_pktmbuf_data_len(pkts[i]),
			rte_pktmbuf_pkt_len(pkts[i]), c->pkt_opts, &pp->meta);
		if (pp->err == WM_PKT_OK)
			wi = swrss_worker(&pp->meta, d->n_workers);
		d->stash[wi].pkts[d->stash[wi].n++] = pkts[i];
		ts = wm_pkt_time(c, pkts[i], 0);
		if (ts > clock)
			clock = ts;
		/* No packet dealt after this one can be older than the stamp. */
		if (c->clock_dynfield >= 0)
			*RTE_MBUF_DYNFIELD(pkts[i], c->clock_dynfield, uint64_t *) = d->clock;
	}
	return clock;
}

void
wm_distributor_poll(struct wm_distributor *d, const struct wm_worker_conf *c)
{
	unsigned int k;

	if (!wm_distributor_flush(d))
		return;
	for (k = 0; k < d->n_q; k++) {
		struct wm_rxq *rq = &d->q[(d->next + k) % d->n_q];
		struct rte_mbuf *pkts[WM_BURST];
		uint16_t n;
		uint64_t clock;

		n = wm_rxq_burst(rq, pkts);
		clock = deal(d, c, pkts, n);
		wm_rxq_seen(c, rq, n, clock);
		if (!wm_distributor_flush(d))
			break;
		publish(d, c);
	}
	d->next++;
}

void
wm_distributor_input_end(struct wm_distributor *d)
{
	unsigned int i;

	for (i = 0; i < d->n_q; i++)
		d->q[i].done = true;
}

void
wm_distributor_finish(struct wm_distributor *d, const struct wm_worker_conf *c)
{
	publish(d, c);
	__atomic_store_n(&d->done, true, __ATOMIC_RELEASE);
}
