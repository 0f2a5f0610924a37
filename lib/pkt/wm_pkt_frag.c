/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The fragment table (wm_pkt.h): which transport ports a fragmented
 * datagram's first fragment carried, so its later fragments meter on the
 * same flow. Open addressing over a power-of-two array; a key is probed
 * in at most FRAG_PROBE consecutive slots, so every call does bounded
 * work. An entry is free when it was never used or its packet-time
 * deadline has passed: expiry needs no sweep.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wm_pkt.h"

/* Slots a key may live in; a full window is a full table for that key. */
#define FRAG_PROBE 8

struct frag_entry {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;	/* IPv4 identification or IPv6 fragment identification */
	uint8_t proto;	/* the datagram's upper-layer protocol */
	uint8_t kind;	/* WM_PKT_KIND_IPV4 or _IPV6; 0: never used */
	uint16_t sport; /* the first fragment's ports */
	uint16_t dport;
	uint64_t deadline_ns; /* free once the packet time passes it */
};

struct wm_frag_table {
	struct frag_entry *slots;
	uint32_t mask;
	uint64_t timeout_ns;
	struct wm_frag_stats stats;
};

struct wm_frag_table *
wm_frag_table_create(uint32_t capacity, uint64_t timeout_ns)
{
	struct wm_frag_table *t;
	uint32_t n = FRAG_PROBE;

	if (capacity == 0 || capacity > (1u << 24) || timeout_ns == 0) {
		errno = EINVAL;
		return NULL;
	}
	while (n < capacity)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->slots = calloc(n, sizeof(*t->slots));
	if (t->slots == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = n - 1;
	t->timeout_ns = timeout_ns;
	return t;
}

void
wm_frag_table_free(struct wm_frag_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

const struct wm_frag_stats *
wm_frag_table_stats(const struct wm_frag_table *t)
{
	return &t->stats;
}

/* FNV-1a over the key: (source, destination, ID, protocol). */
static uint32_t
frag_hash(const struct wm_pkt_meta *m)
{
	uint32_t h = 2166136261u;
	unsigned int i;

	for (i = 0; i < 16; i++)
		h = (h ^ m->src[i]) * 16777619u;
	for (i = 0; i < 16; i++)
		h = (h ^ m->dst[i]) * 16777619u;
	for (i = 0; i < 4; i++)
		h = (h ^ ((m->frag_id >> (8 * i)) & 0xff)) * 16777619u;
	return (h ^ m->proto ^ ((uint32_t)m->kind << 8)) * 16777619u;
}

static bool
frag_match(const struct frag_entry *e, const struct wm_pkt_meta *m)
{
	return e->kind == m->kind && e->id == m->frag_id && e->proto == m->proto &&
	       memcmp(e->src, m->src, 16) == 0 && memcmp(e->dst, m->dst, 16) == 0;
}

static inline bool
frag_live(const struct frag_entry *e, uint64_t now)
{
	return e->kind != 0 && e->deadline_ns > now;
}

/* A first fragment: remember its ports (a repeated first fragment renews them). */
static void
frag_note_first(struct wm_frag_table *t, const struct wm_pkt_meta *m)
{
	uint32_t h = frag_hash(m), i, victim = UINT32_MAX;
	struct frag_entry *e;

	for (i = 0; i < FRAG_PROBE; i++) {
		e = &t->slots[(h + i) & t->mask];
		if (frag_live(e, m->ts_ns) && frag_match(e, m)) {
			victim = (h + i) & t->mask;
			break;
		}
		if (!frag_live(e, m->ts_ns) && victim == UINT32_MAX)
			victim = (h + i) & t->mask;
	}
	if (victim == UINT32_MAX) {
		t->stats.table_full++;
		return;
	}
	e = &t->slots[victim];
	memcpy(e->src, m->src, 16);
	memcpy(e->dst, m->dst, 16);
	e->id = m->frag_id;
	e->proto = m->proto;
	e->kind = m->kind;
	e->sport = m->sport;
	e->dport = m->dport;
	e->deadline_ns = m->ts_ns + t->timeout_ns;
	t->stats.first++;
}

/* A later fragment: its first fragment's ports, if that is in the table. */
static void
frag_attribute(struct wm_frag_table *t, struct wm_pkt_meta *m)
{
	uint32_t h = frag_hash(m), i;

	for (i = 0; i < FRAG_PROBE; i++) {
		const struct frag_entry *e = &t->slots[(h + i) & t->mask];

		if (frag_live(e, m->ts_ns) && frag_match(e, m)) {
			m->sport = e->sport;
			m->dport = e->dport;
			m->flags &= (uint8_t)~WM_PKT_F_FRAG_NONFIRST;
			t->stats.attributed++;
			return;
		}
	}
	t->stats.unattributed++;
}

void
wm_frag_table_update(struct wm_frag_table *t, struct wm_pkt_meta *m)
{
	if (!(m->flags & WM_PKT_F_FRAG) ||
	    (m->kind != WM_PKT_KIND_IPV4 && m->kind != WM_PKT_KIND_IPV6))
		return;
	if (m->flags & WM_PKT_F_FRAG_NONFIRST)
		frag_attribute(t, m);
	else if (!(m->flags & WM_PKT_F_ESP)) /* an SA is keyed by SPI, not ports */
		frag_note_first(t, m);
}
