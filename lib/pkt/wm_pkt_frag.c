/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The fragment table (wm_pkt.h): which transport ports a fragmented
 * datagram's first fragment carried, so its later fragments meter on the
 * same flow. Open addressing over a power-of-two array; a key is probed
 * in at most FRAG_PROBE consecutive slots, so every call does bounded
 * work. An entry is free when it was never used or its packet-time
 * deadline has passed, unless it holds fragments: expiry needs no sweep
 * for the ports, and nothing held is ever dropped.
 *
 * Later fragments that come before their first wait in their entry by
 * count, not by copy: how many, their octets, shortest and longest, first
 * and last time, and one meta as the template of their flow key (its MACs
 * kept in the entry, the frame itself gone). When the first fragment
 * comes the entry goes on the ready ring; wm_frag_table_take() then gives
 * the held fragments back as metas with the first fragment's ports, and
 * those whose first fragment never came once their deadline passes (found
 * by a bounded scan), on the ports-0 flow. Given back, they add up to
 * what was held: the same count and octets, and the same shortest and
 * longest length (the others share the rest as evenly as integers can).
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
	uint64_t deadline_ns; /* free once the packet time passes it, when nothing is held */
	uint8_t first_seen;   /* the ports are the first fragment's (else only fragments wait) */
	uint8_t ready;	      /* on the ready ring */
	uint8_t absorb;	      /* the first carried a decoded tunnel: the rest is its inner packet */
	uint8_t macs[12];     /* the held fragments' destination and source MACs */
	uint32_t held;	      /* later fragments held, 0..WM_FRAG_HOLD_MAX */
	uint32_t given;	      /* of them, given back so far by wm_frag_table_take() */
	uint64_t held_octets; /* their IP lengths, summed */
	uint32_t held_min;    /* shortest and longest */
	uint32_t held_max;
	uint64_t held_first_ns; /* time of the first and the last held */
	uint64_t held_last_ns;
	struct wm_pkt_meta tmpl; /* the first held fragment's meta, eth pointing at macs */
};

struct wm_frag_table {
	struct frag_entry *slots;
	uint32_t mask;
	uint64_t timeout_ns;
	uint32_t *ready; /* ring of slots whose first fragment came while they held */
	uint32_t r_head; /* next to give back; r_tail - r_head <= mask + 1 */
	uint32_t r_tail;
	uint32_t n_held; /* entries that hold fragments: the scan is skipped at 0 */
	uint32_t cursor; /* the expiry scan's next slot */
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
	t->ready = calloc(n, sizeof(*t->ready));
	if (t->slots == NULL || t->ready == NULL) {
		free(t->slots);
		free(t->ready);
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
	free(t->ready);
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

/* An entry that holds fragments stays until they are given back, whatever the time. */
static inline bool
frag_live(const struct frag_entry *e, uint64_t now)
{
	return e->kind != 0 && (e->deadline_ns > now || e->held != 0);
}

static void
frag_key_set(struct frag_entry *e, const struct wm_pkt_meta *m, uint64_t timeout_ns)
{
	memcpy(e->src, m->src, 16);
	memcpy(e->dst, m->dst, 16);
	e->id = m->frag_id;
	e->proto = m->proto;
	e->kind = m->kind;
	e->deadline_ns = m->ts_ns + timeout_ns;
}

/* The slot of m's datagram, or of a free slot for it (*found false); UINT32_MAX: none. */
static uint32_t
frag_slot(const struct wm_frag_table *t, const struct wm_pkt_meta *m, bool *found)
{
	uint32_t h = frag_hash(m), i, victim = UINT32_MAX;

	*found = false;
	for (i = 0; i < FRAG_PROBE; i++) {
		const struct frag_entry *e = &t->slots[(h + i) & t->mask];

		if (frag_live(e, m->ts_ns) && frag_match(e, m)) {
			*found = true;
			return (h + i) & t->mask;
		}
		if (!frag_live(e, m->ts_ns) && victim == UINT32_MAX)
			victim = (h + i) & t->mask;
	}
	return victim;
}

/* A first fragment: remember its ports (a repeated first fragment renews them). */
static void
frag_note_first(struct wm_frag_table *t, const struct wm_pkt_meta *m)
{
	bool found;
	uint32_t slot = frag_slot(t, m, &found);
	struct frag_entry *e;

	if (slot == UINT32_MAX) {
		t->stats.table_full++;
		return;
	}
	e = &t->slots[slot];
	if (!found) {
		e->held = 0;
		e->ready = 0;
	}
	frag_key_set(e, m, t->timeout_ns);
	e->sport = m->sport;
	e->dport = m->dport;
	e->first_seen = 1;
	e->absorb = 0;
	t->stats.first++;
	/* Fragments that waited for this one: given back by the next take. */
	if (e->held != 0 && !e->ready) {
		e->ready = 1;
		t->ready[t->r_tail++ & t->mask] = slot;
	}
}

/*
 * The outermost packet's first fragment, whose tunnel was decoded: its
 * inner packet, metered whole, is what the datagram's later fragments
 * carry, so they are absorbed (counted, metered into no flow), those held
 * before it included.
 */
static void
frag_note_outer(struct wm_frag_table *t, const struct wm_pkt_meta *m)
{
	struct wm_pkt_meta k;
	struct frag_entry *e;
	uint32_t slot;
	bool found;

	memset(&k, 0, sizeof(k));
	memcpy(k.src, m->outer_src, 16);
	memcpy(k.dst, m->outer_dst, 16);
	k.frag_id = m->outer_frag_id;
	k.proto = m->outer_proto;
	k.kind = (m->encap_flags & WM_PKT_E_OUTER_V4) ? WM_PKT_KIND_IPV4 : WM_PKT_KIND_IPV6;
	k.ts_ns = m->ts_ns;
	slot = frag_slot(t, &k, &found);
	if (slot == UINT32_MAX) {
		t->stats.table_full++;
		return;
	}
	e = &t->slots[slot];
	if (found && e->held != 0 && !e->ready && e->given == 0) {
		t->stats.absorbed += e->held;
		e->held = 0;
		t->n_held--;
	} else if (!found) {
		e->held = 0;
		e->ready = 0;
	}
	frag_key_set(e, &k, t->timeout_ns);
	e->sport = 0;
	e->dport = 0;
	e->first_seen = 1;
	e->absorb = !e->ready; /* held ones already on the ready ring go to the ports-0 flow */
	t->stats.first++;
}

/* A later fragment before its first: counted in a new or its datagram's entry. */
static bool
frag_hold(struct wm_frag_table *t, const struct wm_pkt_meta *m, uint32_t slot, bool found)
{
	struct frag_entry *e = &t->slots[slot];

	if (found && (e->held == WM_FRAG_HOLD_MAX || e->ready || e->given != 0))
		return false;
	if (!found || e->held == 0) {
		if (!found) {
			frag_key_set(e, m, t->timeout_ns);
			e->first_seen = 0;
			e->ready = 0;
			e->absorb = 0;
		}
		e->held = 0;
		e->given = 0;
		e->held_octets = 0;
		e->held_min = UINT32_MAX;
		e->held_max = 0;
		e->held_first_ns = m->ts_ns;
		e->tmpl = *m;
		/* A meta without its frame (eth NULL) gives zero MACs. */
		if (m->eth != NULL)
			memcpy(e->macs, m->eth + m->mac_off, sizeof(e->macs));
		else
			memset(e->macs, 0, sizeof(e->macs));
		e->tmpl.eth = e->macs;
		e->tmpl.mac_off = 0;
		t->n_held++;
	}
	e->held++;
	e->held_octets += m->l3_len;
	if (m->l3_len < e->held_min)
		e->held_min = m->l3_len;
	if (m->l3_len > e->held_max)
		e->held_max = m->l3_len;
	if (m->ts_ns > e->held_last_ns || e->held == 1)
		e->held_last_ns = m->ts_ns;
	t->stats.held++;
	return true;
}

/* A later fragment: its first fragment's ports, or it waits for them. */
static enum wm_frag_verdict
frag_attribute(struct wm_frag_table *t, struct wm_pkt_meta *m)
{
	bool found;
	uint32_t slot = frag_slot(t, m, &found);
	const struct frag_entry *e = slot != UINT32_MAX ? &t->slots[slot] : NULL;

	if (found && e->first_seen && e->absorb) {
		t->stats.absorbed++;
		return WM_FRAG_ABSORBED;
	}
	if (found && e->first_seen) {
		m->sport = e->sport;
		m->dport = e->dport;
		m->flags &= (uint8_t)~WM_PKT_F_FRAG_NONFIRST;
		t->stats.attributed++;
		return WM_FRAG_METER;
	}
	if (slot != UINT32_MAX && frag_hold(t, m, slot, found))
		return WM_FRAG_HELD;
	/* No slot, or its entry holds all it may: metered now, on the ports-0 flow. */
	t->stats.unattributed++;
	return WM_FRAG_METER;
}

enum wm_frag_verdict
wm_frag_table_update(struct wm_frag_table *t, struct wm_pkt_meta *m)
{
	if ((m->encap_flags & WM_PKT_E_OUTER_FRAG) != 0) {
		frag_note_outer(t, m);
		return WM_FRAG_METER;
	}
	if (!(m->flags & WM_PKT_F_FRAG) ||
	    (m->kind != WM_PKT_KIND_IPV4 && m->kind != WM_PKT_KIND_IPV6))
		return WM_FRAG_METER;
	if (m->flags & WM_PKT_F_FRAG_NONFIRST)
		return frag_attribute(t, m);
	if (!(m->flags & WM_PKT_F_ESP)) /* an SA is keyed by SPI, not ports */
		frag_note_first(t, m);
	return WM_FRAG_METER;
}

/*
 * The next held fragment of an entry as a meta: the shortest first (at
 * the first time), then the longest (at the last), then the others with
 * the rest of the octets shared out (q or q + 1 each, so each lies
 * between the two).
 */
static void
frag_give(struct frag_entry *e, bool attributed, struct wm_pkt_meta *out)
{
	const uint32_t j = e->given++;

	*out = e->tmpl;
	out->ts_ns = j == 0 ? e->held_first_ns : e->held_last_ns;
	if (j == 0) {
		out->l3_len = e->held_min;
	} else if (j == 1) {
		out->l3_len = e->held_max;
	} else {
		const uint64_t rest = e->held_octets - e->held_min - e->held_max;
		const uint32_t k = e->held - 2;

		out->l3_len = (uint32_t)(rest / k + ((j - 2) < rest % k ? 1 : 0));
	}
	if (attributed) {
		out->sport = e->sport;
		out->dport = e->dport;
		out->flags &= (uint8_t)~WM_PKT_F_FRAG_NONFIRST;
	}
}

/* Give back up to max of an entry's held fragments; the entry lets them go when done. */
static unsigned int
frag_give_entry(struct wm_frag_table *t, struct frag_entry *e, bool attributed,
		struct wm_pkt_meta *out, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && e->given < e->held)
		frag_give(e, attributed, &out[n++]);
	if (attributed)
		t->stats.attributed += n;
	else
		t->stats.unattributed += n;
	if (e->given == e->held) {
		e->held = 0;
		e->given = 0;
		e->ready = 0;
		t->n_held--;
	}
	return n;
}

unsigned int
wm_frag_table_take(struct wm_frag_table *t, uint64_t now, struct wm_pkt_meta *out, unsigned int max)
{
	unsigned int n = 0, scanned = 0;

	/* Those whose first fragment came: in the order it came. */
	while (n < max && t->r_head != t->r_tail) {
		struct frag_entry *e = &t->slots[t->ready[t->r_head & t->mask]];

		n += frag_give_entry(t, e, true, &out[n], max - n);
		if (e->held != 0)
			return n; /* out is full; the rest of this entry next time */
		t->r_head++;
	}
	/* Those whose first fragment never came: a bounded scan for passed deadlines. */
	while (n < max && t->n_held != 0 && scanned++ <= t->mask) {
		struct frag_entry *e = &t->slots[t->cursor];

		if (e->held != 0 && !e->ready && e->deadline_ns <= now) {
			n += frag_give_entry(t, e, false, &out[n], max - n);
			if (e->held != 0)
				break;
		}
		t->cursor = (t->cursor + 1) & t->mask;
		if (scanned >= max && now != UINT64_MAX)
			break;
	}
	return n;
}
