/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "wm_flow.h"

/* wm.flow (meson sets RTE_LOG_DEFAULT_LOGTYPE): set-up only, never the packet path. */
RTE_LOG_REGISTER_DEFAULT(wm_flow_logtype, NOTICE);

/* The key's last two 64-bit words (struct wm_flow_key). */
union flow_key_ports {
	struct {
		uint16_t pa; /* port of a, ICMP 0, or MACsec AN, or EtherType */
		uint16_t pb; /* port of b */
		uint16_t vlan;
		uint8_t proto;
		uint8_t kind; /* WM_PKT_KIND_* plus KEY_F_* */
	};
	uint64_t w;
};

union flow_key_spi {
	struct {
		uint32_t spi;
		uint16_t cvlan; /* innermost VLAN id of a stack of two or more */
		uint16_t pad;
	};
	uint64_t w;
};

/*
 * The normalized flow key, 48 bytes so rte_hash uses its 48-byte compare.
 * For bidirectional kinds the (a, pa) side is the smaller endpoint, so
 * both directions build the same key; the record remembers which side
 * spoke first. ESP and MACsec keys are directional (an SA or an SC is one
 * direction), so they are never swapped.
 *
 * Its last two words are unions so that the packet path builds a key in
 * six 64-bit registers, hashes them and stores them whole: a key written
 * field by field and read back as words for the CRC stalls every load on
 * store forwarding.
 */
struct wm_flow_key {
	uint8_t a[16]; /* IP address, MAC, or MACsec SCI (big-endian) */
	uint8_t b[16]; /* IP address or MAC */
	union flow_key_ports p;
	union flow_key_spi s;
};

_Static_assert(sizeof(struct wm_flow_key) == 48, "rte_hash compares 48-byte keys fastest");

#define KEY_F_ESP 0x10
#define KEY_F_FRAG 0x20

/* Record state bits. */
#define REC_IN_USE 0x01
#define REC_INIT_B 0x02 /* the initiator is the key's b side */
#define REC_FIN_A 0x04	/* FIN seen from the key's a side */
#define REC_FIN_B 0x08
#define REC_CLOSED 0x10 /* RST, or FIN both ways: lingering */
#define REC_TUNNEL 0x20 /* holds an entry of the tunnel side table */

#define NIL UINT32_MAX

/* List heads live in the record array after the n_slots records. */
enum { LIST_LRU = 0, LIST_CLOSING, LIST_ACTIVE, LIST_COUNT };

/*
 * One flow, in two cache lines kept in two arrays, indexed by the flow's
 * rte_hash position. The hot line is everything a packet reads or
 * writes, so metering a packet touches one line of flow state; the cold
 * line is written when the flow starts and read when it is exported.
 * Owned by the table's lcore; nobody else reads either.
 *
 * List memberships: (lru_prev, lru_next) puts the flow in the LRU list
 * (most recently seen at the head) while it is open, or in the closing
 * list (ordered by last packet) once TCP ended it; the cold (act_prev,
 * act_next) keep it in the active list ordered by period_ns.
 */
struct wm_flow_rec {
	uint64_t first_ns;  /* first packet of the current record, UINT64_MAX when none */
	uint64_t last_ns;   /* last packet of the flow, any record */
	uint64_t period_ns; /* start of the current active period */
	uint64_t octets[2]; /* forward, reverse, since the last export */
	uint32_t pkts[2];   /* likewise; a record is exported before one wraps */
	uint32_t lru_prev, lru_next;
	uint16_t min_len, max_len;
	uint8_t tcp_flags[2];
	uint8_t state; /* REC_* */
	uint8_t tos;
} __rte_cache_aligned;

/*
 * Half a line: two flows share a cold line, which keeps a table at
 * WM_FLOW_BYTES_PER_FLOW. The key's hash is not kept: removal, the only
 * user, computes it again from the key.
 */
struct wm_flow_cold {
	uint32_t act_prev, act_next;
	uint16_t in_port;
	uint16_t icmp_type_code;
	uint8_t smac[6], dmac[6];
	uint32_t seq[2]; /* the caller's handles, by direction from the initiator */
} __rte_aligned(32);

/*
 * What carried a flow, from its first packet (wm_pkt_meta's encapsulation
 * fields): written at creation, read at export only. Only tunnelled flows
 * have one, in a side table of chunks (tunnel_at()); a free entry holds
 * the next free one's index in segment_id.
 */
struct wm_flow_tunnel {
	uint8_t outer_src[16], outer_dst[16];
	uint32_t segment_id, gtp_teid;
	uint32_t mpls[WM_PKT_MAX_MPLS];
	uint8_t encap, encap_flags, n_mpls;
};

/*
 * Side-table entries a chunk holds. Chunks are never moved. The worker never
 * allocates one: it takes the spare the management lcore keeps ready
 * (wm_flow_table_refill()), so the data path takes no heap lock.
 */
#define TUN_CHUNK_SHIFT 12
#define TUN_CHUNK (1u << TUN_CHUNK_SHIFT)

_Static_assert(sizeof(struct wm_flow_rec) == RTE_CACHE_LINE_SIZE, "one hot line per flow");
_Static_assert(sizeof(struct wm_flow_cold) == WM_FLOW_COLD_SIZE, "half a cold line per flow");
_Static_assert(sizeof(struct wm_flow_tunnel) == WM_FLOW_TUNNEL_SIZE, "wm_flow_table_bytes()");

struct wm_flow_table {
	struct rte_hash *hash;
	struct wm_flow_rec *recs;  /* n_slots records, then LIST_COUNT list heads */
	struct wm_flow_cold *cold; /* the same, cold halves */
	/*
	 * The tunnel side table: tun_of[pos] is 1 + the index of a flow's
	 * entry, 0 for an untunnelled flow. Entries below tun_top were handed
	 * out once; tun_free chains the freed ones (1 + index, 0: none).
	 */
	uint32_t *tun_of;
	struct wm_flow_tunnel **tun_chunks; /* tun_n_chunks allocated, room for all slots */
	uint32_t tun_n_chunks;		    /* written by the worker only */
	/*
	 * The next chunk, or NULL: only the management lcore stores a chunk
	 * (when it reads NULL), only the worker stores NULL (when it takes it),
	 * so the pointer passes between them without a lock.
	 */
	struct wm_flow_tunnel *tun_spare;
	uint32_t tun_top;
	uint32_t tun_free;
	int socket_id;
	uint32_t capacity; /* most flows at once */
	uint32_t n_slots;  /* hash positions: records before the list heads */
	uint64_t idle_ns;
	uint64_t active_ns;
	uint64_t linger_ns;
	/*
	 * Set once a list lost its time order (a flow moved to the LRU front
	 * or the closing tail behind a later one, or an active period that
	 * could not find its place): only then can wm_flow_table_sweep()
	 * find anything the list ends do not show, so only then does it walk.
	 */
	bool unordered;
	struct wm_flow_hooks hooks;
	struct wm_flow_stats stats;
};

static inline struct wm_flow_rec *
list_head(struct wm_flow_table *t, int list)
{
	return &t->recs[t->n_slots + list];
}

/*
 * Intrusive circular doubly linked lists through record indexes. The
 * LRU/closing lists use recs[].lru_*, the active list cold[].act_*; a
 * head entry's links are the list ends.
 */
#define LIST_FNS(name, arr, prev, next)                                                       \
	static inline void name##_unlink(struct wm_flow_table *t, uint32_t i)                 \
	{                                                                                     \
		uint32_t p_ = t->arr[i].prev, n_ = t->arr[i].next;                            \
		t->arr[p_].next = n_;                                                         \
		t->arr[n_].prev = p_;                                                         \
		t->arr[i].prev = t->arr[i].next = NIL;                                        \
	}                                                                                     \
	static inline void name##_push_front(struct wm_flow_table *t, uint32_t h, uint32_t i) \
	{                                                                                     \
		t->arr[i].next = t->arr[h].next;                                              \
		t->arr[i].prev = h;                                                           \
		t->arr[t->arr[h].next].prev = i;                                              \
		t->arr[h].next = i;                                                           \
	}                                                                                     \
	static inline void name##_push_back(struct wm_flow_table *t, uint32_t h, uint32_t i)  \
	{                                                                                     \
		t->arr[i].prev = t->arr[h].prev;                                              \
		t->arr[i].next = h;                                                           \
		t->arr[t->arr[h].prev].next = i;                                              \
		t->arr[h].prev = i;                                                           \
	}

LIST_FNS(lru, recs, lru_prev, lru_next)
LIST_FNS(act, cold, act_prev, act_next)

/* Chunks of the tunnel side table for n_slots flows, all of them tunnelled. */
static inline uint32_t
tun_chunks_max(uint32_t n_slots)
{
	return (n_slots + TUN_CHUNK - 1) >> TUN_CHUNK_SHIFT;
}

static inline struct wm_flow_tunnel *
tunnel_at(const struct wm_flow_table *t, uint32_t i)
{
	return &t->tun_chunks[i >> TUN_CHUNK_SHIFT][i & (TUN_CHUNK - 1)];
}

/* A flow's encapsulation; NULL when its first packet came in no tunnel. */
static inline const struct wm_flow_tunnel *
tunnel_of(const struct wm_flow_table *t, uint32_t pos)
{
	if (likely(!(t->recs[pos].state & REC_TUNNEL)))
		return NULL;
	return tunnel_at(t, t->tun_of[pos] - 1);
}

/*
 * Take an entry of the side table: 1 + its index, or 0 when the chunks are
 * full and no spare is ready (the heap had none, or more than a chunk of
 * tunnelled flows came within one management poll). At most n_slots flows
 * hold one at a time, so tun_top never passes the chunks tun_chunks has
 * room for.
 */
static uint32_t
tunnel_alloc(struct wm_flow_table *t)
{
	struct wm_flow_tunnel *c;
	uint32_t i = t->tun_free;

	if (i != 0) {
		t->tun_free = tunnel_at(t, i - 1)->segment_id;
		return i;
	}
	if (t->tun_top == t->tun_n_chunks << TUN_CHUNK_SHIFT) {
		c = __atomic_load_n(&t->tun_spare, __ATOMIC_ACQUIRE);
		if (c == NULL)
			return 0;
		__atomic_store_n(&t->tun_spare, NULL, __ATOMIC_RELAXED);
		t->tun_chunks[t->tun_n_chunks] = c;
		__atomic_store_n(&t->tun_n_chunks, t->tun_n_chunks + 1, __ATOMIC_RELAXED);
	}
	return ++t->tun_top;
}

/* Give a flow's side-table entry back (the flow holds one: REC_TUNNEL). */
static inline void
tunnel_free(struct wm_flow_table *t, uint32_t pos)
{
	uint32_t i = t->tun_of[pos];

	tunnel_at(t, i - 1)->segment_id = t->tun_free;
	t->tun_free = i;
	t->tun_of[pos] = 0;
	t->recs[pos].state &= ~REC_TUNNEL;
}

/*
 * The key's hash: CRC32-C over its six 8-byte words, inlined on the
 * packet path. rte_hash calls the same function (through hash_func)
 * when it needs a signature itself, so both always agree.
 */
static inline uint32_t
key_words_hash(const uint64_t *w, uint32_t init)
{
	uint32_t h = init;

	h = rte_hash_crc_8byte(w[0], h);
	h = rte_hash_crc_8byte(w[1], h);
	h = rte_hash_crc_8byte(w[2], h);
	h = rte_hash_crc_8byte(w[3], h);
	h = rte_hash_crc_8byte(w[4], h);
	return rte_hash_crc_8byte(w[5], h);
}

/* rte_hash's hash_func: the same CRC, from a stored key's bytes. */
static inline uint32_t
flow_key_hash(const void *key, uint32_t len, uint32_t init)
{
	uint64_t w[6];

	RTE_SET_USED(len);
	memcpy(w, key, sizeof(w)); /* the key may be 4-byte aligned */
	return key_words_hash(w, init);
}

/* Hooks of a table whose caller keeps nothing per flow. */
static void
hook_seq_pkt_none(void *ctx, uint32_t seq[2], unsigned int dir, const struct wm_pkt_meta *m)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(seq);
	RTE_SET_USED(dir);
	RTE_SET_USED(m);
}

static void
hook_seq_export_none(void *ctx, struct wm_flow_export *e)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(e);
}

static void
hook_seq_drop_none(void *ctx, const struct wm_flow_export *e)
{
	RTE_SET_USED(ctx);
	RTE_SET_USED(e);
}

struct wm_flow_table *
wm_flow_table_create(const struct wm_flow_params *p)
{
	struct rte_hash_parameters hp = {0};
	struct wm_flow_table *t;
	uint32_t i;

	if (p == NULL || p->name == NULL || p->capacity == 0 || p->capacity > (1u << 30) ||
	    p->idle_ns == 0 || p->active_ns == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("wm_flow_table", sizeof(*t), RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->capacity = p->capacity;
	t->socket_id = p->socket_id;
	t->idle_ns = p->idle_ns;
	t->active_ns = p->active_ns;
	t->linger_ns = p->linger_ns;
	t->hooks = p->hooks;
	if (t->hooks.seq_pkt == NULL || t->hooks.seq_export == NULL || t->hooks.seq_drop == NULL) {
		t->hooks.seq_pkt = hook_seq_pkt_none;
		t->hooks.seq_export = hook_seq_export_none;
		t->hooks.seq_drop = hook_seq_drop_none;
	}

	hp.name = p->name;
	/* rte_hash wants at least a few buckets' worth of entries. */
	t->n_slots = RTE_MAX(p->capacity, 64u);
	hp.entries = t->n_slots;
	hp.key_len = sizeof(struct wm_flow_key);
	hp.hash_func = flow_key_hash;
	hp.socket_id = p->socket_id;
	/* The extendable table guarantees room for every one of 'capacity' keys. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->hash = rte_hash_create(&hp);
	if (t->hash == NULL) {
		if (rte_errno == 0)
			rte_errno = ENOMEM;
		rte_free(t);
		return NULL;
	}
	t->recs = rte_zmalloc_socket("wm_flow_recs",
				     sizeof(struct wm_flow_rec) * ((size_t)t->n_slots + LIST_COUNT),
				     RTE_CACHE_LINE_SIZE, p->socket_id);
	t->cold = rte_zmalloc_socket(
		"wm_flow_cold", sizeof(struct wm_flow_cold) * ((size_t)t->n_slots + LIST_COUNT),
		RTE_CACHE_LINE_SIZE, p->socket_id);
	t->tun_of = rte_zmalloc_socket("wm_flow_tun_of", sizeof(uint32_t) * t->n_slots,
				       RTE_CACHE_LINE_SIZE, p->socket_id);
	t->tun_chunks = rte_zmalloc_socket("wm_flow_tun_chunks",
					   sizeof(t->tun_chunks[0]) * tun_chunks_max(t->n_slots),
					   RTE_CACHE_LINE_SIZE, p->socket_id);
	if (t->recs == NULL || t->cold == NULL || t->tun_of == NULL || t->tun_chunks == NULL ||
	    wm_flow_table_refill(t) < 0) {
		wm_flow_table_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < LIST_COUNT; i++) {
		uint32_t hi = t->n_slots + i;

		t->recs[hi].lru_prev = t->recs[hi].lru_next = hi;
		t->cold[hi].act_prev = t->cold[hi].act_next = hi;
	}
	rte_log(RTE_LOG_DEBUG, wm_flow_logtype,
		"wiremeter: flow table %s: %u flows on socket %d, %zu bytes of records\n", p->name,
		t->capacity, p->socket_id,
		(sizeof(struct wm_flow_rec) + sizeof(struct wm_flow_cold)) *
			((size_t)t->n_slots + LIST_COUNT));
	return t;
}

int
wm_flow_table_refill(struct wm_flow_table *t)
{
	struct wm_flow_tunnel *c;
	uint32_t used;

	if (t == NULL || __atomic_load_n(&t->tun_spare, __ATOMIC_ACQUIRE) != NULL)
		return 0;
	/* A spare is worth its memory only while the chunks can still grow. */
	used = __atomic_load_n(&t->tun_n_chunks, __ATOMIC_RELAXED);
	if (used >= tun_chunks_max(t->n_slots))
		return 0;
	c = rte_malloc_socket("wm_flow_tun", sizeof(*c) * TUN_CHUNK, RTE_CACHE_LINE_SIZE,
			      t->socket_id);
	if (c == NULL)
		return -ENOMEM;
	__atomic_store_n(&t->tun_spare, c, __ATOMIC_RELEASE);
	return 1;
}

void
wm_flow_table_free(struct wm_flow_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	rte_free(t->recs);
	rte_free(t->cold);
	for (uint32_t i = 0; i < t->tun_n_chunks; i++)
		rte_free(t->tun_chunks[i]);
	rte_free(t->tun_spare);
	rte_free(t->tun_chunks);
	rte_free(t->tun_of);
	rte_free(t);
}

const struct wm_flow_stats *
wm_flow_table_stats(const struct wm_flow_table *t)
{
	return &t->stats;
}

/* An address's two 64-bit words, as they lie in memory. */
static inline void
addr_words(const uint8_t *addr, uint64_t *w)
{
	memcpy(&w[0], addr, 8);
	memcpy(&w[1], addr + 8, 8);
}

/* A MAC address as a key word: its 6 bytes, then zeros. */
static inline uint64_t
mac_word(const uint8_t *mac)
{
	uint64_t x = 0;

	memcpy(&x, mac, 6);
	return x;
}

/* Put endpoint (x, px) on the key's a side and (y, py) on its b side. */
static inline void
key_sides(uint64_t w[6], union flow_key_ports *kp, const uint64_t x[2], uint16_t px,
	  const uint64_t y[2], uint16_t py)
{
	w[0] = x[0];
	w[1] = x[1];
	w[2] = y[0];
	w[3] = y[1];
	kp->pa = px;
	kp->pb = py;
}

/*
 * Build the key of a packet into w[] (the key's six words, see struct
 * wm_flow_key), in registers. Returns the packet's direction in key
 * terms: 0 when the sender is the key's a side, 1 when it is b. For
 * bidirectional kinds the smaller endpoint is a: any total order works,
 * so native 64-bit words are compared, not bytes.
 */
static inline unsigned int
key_words(const struct wm_pkt_meta *m, uint64_t w[6])
{
	union flow_key_ports kp = {.vlan = m->vlan, .kind = m->kind};
	union flow_key_spi ks = {.cvlan = m->cvlan};
	uint16_t sp = m->sport, dp = m->dport;
	uint64_t s[2], d[2], x, y;
	unsigned int dir = 0;

	switch (m->kind) {
	case WM_PKT_KIND_MACSEC:
		/* The SCI's bytes, most significant first, then zeros. */
		w[0] = rte_cpu_to_be_64(m->macsec_sci);
		w[1] = w[2] = w[3] = 0;
		kp.pa = m->macsec_an;
		goto out;
	case WM_PKT_KIND_L2:
		kp.pb = m->ethertype;
		x = mac_word(m->eth + m->mac_off + 6);
		y = mac_word(m->eth + m->mac_off);
		dir = x > y;
		w[0] = dir ? y : x;
		w[2] = dir ? x : y;
		w[1] = w[3] = 0;
		goto out;
	default:
		break;
	}

	kp.proto = m->proto;
	addr_words(m->src, s);
	addr_words(m->dst, d);
	if (m->flags & WM_PKT_F_FRAG_NONFIRST) {
		/* No L4 header: every later fragment meters on ports 0. */
		kp.kind |= KEY_F_FRAG;
		sp = dp = 0;
	} else if (m->flags & WM_PKT_F_ESP) {
		/* An SA is one direction: (source, destination, SPI), unswapped. */
		kp.kind |= KEY_F_ESP;
		ks.spi = m->spi;
		key_sides(w, &kp, s, sp, d, dp);
		goto out;
	}
	if (s[0] != d[0])
		dir = s[0] > d[0];
	else if (s[1] != d[1])
		dir = s[1] > d[1];
	else
		dir = sp > dp;
	if (dir)
		key_sides(w, &kp, d, dp, s, sp);
	else
		key_sides(w, &kp, s, sp, d, dp);
out:
	w[4] = kp.w;
	w[5] = ks.w;
	return dir;
}

/* The key of a packet, its hash, and its direction (key_words()). */
static inline unsigned int
key_from_meta(const struct wm_pkt_meta *m, struct wm_flow_key *k, hash_sig_t *sig)
{
	uint64_t w[6];
	unsigned int dir = key_words(m, w);

	*sig = key_words_hash(w, 0);
	memcpy(k, w, sizeof(*k));
	return dir;
}

/* Fill an exported record from a flow, oriented so that src is the initiator. */
static void
export_fill(const struct wm_flow_key *k, const struct wm_flow_rec *r, const struct wm_flow_cold *c,
	    const struct wm_flow_tunnel *tu, uint8_t reason, struct wm_flow_export *e)
{
	unsigned int kind;
	bool swap = (r->state & REC_INIT_B) != 0;

	kind = k->p.kind & 0x0f;
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->proto = k->p.proto;
	e->vlan = k->p.vlan;
	e->cvlan = k->s.cvlan;
	e->spi = k->s.spi;
	if (k->p.kind & KEY_F_ESP)
		e->flags |= WM_FLOW_REC_F_ESP;
	if (k->p.kind & KEY_F_FRAG)
		e->flags |= WM_FLOW_REC_F_FRAG;
	if (kind == WM_FLOW_KIND_MACSEC) {
		for (int i = 0; i < 8; i++)
			e->sci = (e->sci << 8) | k->a[i];
		e->an = (uint8_t)k->p.pa;
		e->ethertype = WM_PKT_ETHERTYPE_MACSEC;
	} else if (kind == WM_FLOW_KIND_L2) {
		e->ethertype = k->p.pb;
	}
	memcpy(e->src, swap ? k->b : k->a, 16);
	memcpy(e->dst, swap ? k->a : k->b, 16);
	if (kind != WM_FLOW_KIND_L2 && kind != WM_FLOW_KIND_MACSEC) {
		e->sport = swap ? k->p.pb : k->p.pa;
		e->dport = swap ? k->p.pa : k->p.pb;
	}
	e->start_ns = r->first_ns;
	e->end_ns = r->last_ns;
	e->pkts[0] = r->pkts[0];
	e->pkts[1] = r->pkts[1];
	e->octets[0] = r->octets[0];
	e->octets[1] = r->octets[1];
	e->tcp_flags[0] = r->tcp_flags[0];
	e->tcp_flags[1] = r->tcp_flags[1];
	e->min_len = r->min_len;
	e->max_len = r->max_len;
	e->tos = r->tos;
	e->in_port = c->in_port;
	e->icmp_type_code = c->icmp_type_code;
	e->end_reason = reason;
	memcpy(e->smac, c->smac, 6);
	memcpy(e->dmac, c->dmac, 6);
	e->seq[0] = c->seq[0];
	e->seq[1] = c->seq[1];
	if (tu != NULL) {
		e->encap = tu->encap;
		e->encap_flags = tu->encap_flags;
		e->n_mpls = tu->n_mpls;
		e->segment_id = tu->segment_id;
		e->gtp_teid = tu->gtp_teid;
		memcpy(e->mpls, tu->mpls, sizeof(e->mpls));
		memcpy(e->outer_src, tu->outer_src, 16);
		memcpy(e->outer_dst, tu->outer_dst, 16);
	}
}

/* The hot line is all a packet touches. */
static inline void
prefetch_rec(const struct wm_flow_rec *r)
{
	rte_prefetch0(r);
}

/*
 * Move a flow to the next active period that holds 'at' (periods stay
 * aligned on its first packet) and requeue it in the active list, which
 * is ordered by period start: walk back from the tail, a few steps at
 * most, to its place.
 */
static void
rec_next_period(struct wm_flow_table *t, uint32_t pos, uint64_t at)
{
	uint32_t h = t->n_slots + LIST_ACTIVE, prev;
	struct wm_flow_rec *r = &t->recs[pos];
	struct wm_flow_cold *c = &t->cold[pos];
	unsigned int steps = 0;

	/* Callers move forward only: at is at least a period past period_ns. */
	if (at > r->period_ns)
		r->period_ns += (at - r->period_ns) / t->active_ns * t->active_ns;
	act_unlink(t, pos);
	prev = t->cold[h].act_prev;
	while (prev != h && t->recs[prev].period_ns > r->period_ns && steps++ < 16)
		prev = t->cold[prev].act_prev;
	if (prev != h && t->recs[prev].period_ns > r->period_ns)
		t->unordered = true;
	/* Insert after 'prev'. */
	c->act_prev = prev;
	c->act_next = t->cold[prev].act_next;
	t->cold[c->act_next].act_prev = pos;
	t->cold[prev].act_next = pos;
}

static inline bool
rec_has_delta(const struct wm_flow_rec *r)
{
	return (r->pkts[0] | r->pkts[1]) != 0;
}

static inline void
stats_exported(struct wm_flow_table *t, uint8_t reason)
{
	t->stats.exported++;
	t->stats.by_reason[reason]++;
}

/*
 * The key of a position. In DPDK 22.11 this costs a lookup, so callers
 * fetch it once per export or removal, never per packet.
 */
static inline const struct wm_flow_key *
pos_key(const struct wm_flow_table *t, uint32_t pos)
{
	const struct wm_flow_key *k = NULL;

	rte_hash_get_key_with_position(t->hash, (int32_t)pos, (void **)&k);
	return k;
}

/* Export the current delta and clear it; the flow stays. */
static void
rec_export_delta(struct wm_flow_table *t, uint32_t pos, struct wm_flow_rec *r, uint8_t reason,
		 struct wm_flow_export *e)
{
	export_fill(pos_key(t, pos), r, &t->cold[pos], tunnel_of(t, pos), reason, e);
	stats_exported(t, reason);
	if (unlikely((e->seq[0] | e->seq[1]) != 0))
		t->hooks.seq_export(t->hooks.ctx, e);
	r->pkts[0] = r->pkts[1] = 0;
	r->octets[0] = r->octets[1] = 0;
	r->tcp_flags[0] = r->tcp_flags[1] = 0;
	r->first_ns = UINT64_MAX;
	r->min_len = UINT16_MAX;
	r->max_len = 0;
}

/* Keep what carried the flow's first packet, in a side-table entry of its own. */
static inline void
tunnel_note(struct wm_flow_table *t, uint32_t pos, const struct wm_pkt_meta *m)
{
	struct wm_flow_tunnel *tu;
	uint32_t i;

	if (likely(m->encap == 0))
		return;
	i = tunnel_alloc(t);
	if (unlikely(i == 0)) {
		/* No memory for a chunk: the flow is metered, its records without tunnel fields. */
		t->stats.tunnels_unrecorded++;
		return;
	}
	tu = tunnel_at(t, i - 1);
	tu->encap = m->encap;
	tu->encap_flags = m->encap_flags;
	tu->n_mpls = m->n_mpls;
	tu->segment_id = m->segment_id;
	tu->gtp_teid = m->gtp_teid;
	memcpy(tu->mpls, m->mpls, sizeof(tu->mpls));
	memcpy(tu->outer_src, m->outer_src, 16);
	memcpy(tu->outer_dst, m->outer_dst, 16);
	t->tun_of[pos] = i;
	t->recs[pos].state |= REC_TUNNEL;
}

/*
 * Remove a flow from the table. When it has counts not yet exported,
 * they go to *e and 1 is returned; else 0.
 */
static unsigned int
rec_remove(struct wm_flow_table *t, uint32_t pos, uint8_t reason, struct wm_flow_export *e)
{
	struct wm_flow_rec *r = &t->recs[pos];
	struct wm_flow_key key = *pos_key(t, pos);
	unsigned int n = 0;

	if (rec_has_delta(r)) {
		export_fill(&key, r, &t->cold[pos], tunnel_of(t, pos), reason, e);
		stats_exported(t, reason);
		if (unlikely((e->seq[0] | e->seq[1]) != 0))
			t->hooks.seq_export(t->hooks.ctx, e);
		n = 1;
	} else if (unlikely((t->cold[pos].seq[0] | t->cold[pos].seq[1]) != 0)) {
		/* No record to carry the handles: the hook gets them with the key. */
		struct wm_flow_export gone;

		export_fill(&key, r, &t->cold[pos], tunnel_of(t, pos), reason, &gone);
		t->hooks.seq_drop(t->hooks.ctx, &gone);
	}
	if (unlikely(r->state & REC_TUNNEL))
		tunnel_free(t, pos);
	lru_unlink(t, pos);
	act_unlink(t, pos);
	rte_hash_del_key_with_hash(t->hash, &key, flow_key_hash(&key, sizeof(key), 0));
	r->state = 0;
	t->stats.active--;
	return n;
}

/*
 * Put an unlinked flow at the LRU front, noting when that breaks the
 * list's order by last packet (a list head's last_ns is 0).
 */
static inline void
lru_move_front(struct wm_flow_table *t, uint32_t pos)
{
	uint32_t h = t->n_slots + LIST_LRU;

	if (t->recs[t->recs[h].lru_next].last_ns > t->recs[pos].last_ns)
		t->unordered = true;
	lru_push_front(t, h, pos);
}

static void
rec_init(struct wm_flow_table *t, uint32_t pos, const struct wm_pkt_meta *m, unsigned int dir)
{
	struct wm_flow_rec *r = &t->recs[pos];
	struct wm_flow_cold *c = &t->cold[pos];

	memset(r, 0, sizeof(*r));
	r->state = REC_IN_USE | (dir ? REC_INIT_B : 0);
	r->first_ns = UINT64_MAX;
	r->period_ns = m->ts_ns;
	r->last_ns = m->ts_ns;
	r->min_len = UINT16_MAX;
	r->tos = m->tos;
	c->seq[0] = c->seq[1] = 0;
	c->in_port = m->port;
	c->icmp_type_code = m->icmp_type_code;
	memcpy(c->smac, m->eth + m->mac_off + 6, 6);
	memcpy(c->dmac, m->eth + m->mac_off, 6);
	tunnel_note(t, pos, m);
	lru_move_front(t, pos);
	if (t->recs[t->cold[t->n_slots + LIST_ACTIVE].act_prev].period_ns > r->period_ns)
		t->unordered = true;
	act_push_back(t, t->n_slots + LIST_ACTIVE, pos);
	t->stats.created++;
	t->stats.active++;
}

/* The least recently seen flow: the older of the LRU tail and the closing head. */
static uint32_t
oldest_flow(struct wm_flow_table *t)
{
	uint32_t lru = list_head(t, LIST_LRU)->lru_prev;
	uint32_t cl = list_head(t, LIST_CLOSING)->lru_next;

	if (lru >= t->n_slots)
		return cl;
	if (cl >= t->n_slots)
		return lru;
	return t->recs[cl].last_ns <= t->recs[lru].last_ns ? cl : lru;
}

/*
 * The timeout rules, in one place. A flow ends at 'now' when its linger
 * has passed since its last packet (it ended by RST or FINs: reason 3;
 * an ended flow waits for its linger only, never for the idle timeout),
 * or when the idle timeout has (reason 1). Returns the reason, or 0.
 */
static inline uint8_t
rec_end_due(const struct wm_flow_table *t, const struct wm_flow_rec *r, uint64_t now)
{
	if (r->state & REC_CLOSED)
		return now >= r->last_ns + t->linger_ns ? WM_FLOW_END_EOF : 0;
	return now >= r->last_ns + t->idle_ns ? WM_FLOW_END_IDLE : 0;
}

/* Has the flow's active period ended by 'now'? */
static inline bool
rec_period_due(const struct wm_flow_table *t, const struct wm_flow_rec *r, uint64_t now)
{
	return now >= r->period_ns + t->active_ns;
}

/* End an active period: export its counts, if any (reason 2), and start the next. */
static unsigned int
rec_period_end(struct wm_flow_table *t, uint32_t pos, uint64_t now, struct wm_flow_export *e)
{
	struct wm_flow_rec *r = &t->recs[pos];
	unsigned int n = 0;

	if (rec_has_delta(r)) {
		rec_export_delta(t, pos, r, WM_FLOW_END_ACTIVE, e);
		n = 1;
	}
	rec_next_period(t, pos, now);
	return n;
}

/*
 * Create the flow of a packet whose lookup missed. A full table
 * first gives up its least recently seen flow (reason 5). Returns the
 * position, or a negative errno; *n_out counts records written to *e.
 */
static int32_t
flow_create(struct wm_flow_table *t, const struct wm_flow_key *k, uint32_t sig,
	    const struct wm_pkt_meta *m, unsigned int dir, struct wm_flow_export *e,
	    unsigned int *n_out, bool *evicted)
{
	int32_t pos;

	if (t->stats.active >= t->capacity) {
		uint32_t victim = oldest_flow(t);
		/*
		 * A victim whose timeout has passed by this packet's time ends
		 * for that reason: expiry had not reached it yet, but the
		 * table was not really short of room for it.
		 */
		uint8_t reason = rec_end_due(t, &t->recs[victim], m->ts_ns);

		if (reason == 0) {
			reason = WM_FLOW_END_RESOURCES;
			t->stats.evicted++;
		}
		*n_out += rec_remove(t, victim, reason, e);
		*evicted = true;
	}
	pos = rte_hash_add_key_with_hash(t->hash, k, sig);
	if (pos < 0)
		return pos;
	rec_init(t, (uint32_t)pos, m, dir);
	return pos;
}

/*
 * Apply the timeouts to a flow before a packet at ts is counted, so a
 * record never spans an idle gap, a linger or an active period,
 * whatever the timing of wm_flow_table_expire(). Returns the number of
 * records written to *e (0 or 1) and sets *gone when the flow ended.
 */
static unsigned int
rec_check_time(struct wm_flow_table *t, uint32_t pos, uint64_t ts, struct wm_flow_export *e,
	       bool *gone)
{
	struct wm_flow_rec *r = &t->recs[pos];
	uint8_t reason;

	*gone = false;
	/* 2^32 - 1 packets in one period (5 minutes at 14 Mpps): export before the count wraps. */
	if (unlikely(r->pkts[0] == UINT32_MAX || r->pkts[1] == UINT32_MAX)) {
		rec_export_delta(t, pos, r, WM_FLOW_END_ACTIVE, e);
		return 1;
	}
	/* A packet older than the flow's last one (out of order) ends nothing. */
	if (ts < r->last_ns)
		return 0;
	reason = rec_end_due(t, r, ts);
	if (reason != 0) {
		*gone = true;
		return rec_remove(t, pos, reason, e);
	}
	/* Expiry may have moved the period past a late packet: that is not due. */
	if (rec_period_due(t, r, ts))
		return rec_period_end(t, pos, ts, e);
	return 0;
}

static inline void
rec_count(struct wm_flow_table *t, uint32_t pos, const struct wm_pkt_meta *m, unsigned int dir)
{
	struct wm_flow_rec *r = &t->recs[pos];
	unsigned int d = dir ^ ((r->state & REC_INIT_B) ? 1 : 0);
	uint16_t len = m->l3_len > UINT16_MAX ? UINT16_MAX : (uint16_t)m->l3_len;

	if (m->ts_ns < r->first_ns)
		r->first_ns = m->ts_ns;
	if (m->ts_ns > r->last_ns)
		r->last_ns = m->ts_ns;
	r->pkts[d]++;
	r->octets[d] += m->l3_len;
	if (len < r->min_len)
		r->min_len = len;
	if (len > r->max_len)
		r->max_len = len;
	t->stats.pkts++;
	t->stats.octets += m->l3_len;

	if (m->proto == 6 && !(m->flags & WM_PKT_F_FRAG_NONFIRST)) {
		uint8_t f = m->tcp_flags;

		r->tcp_flags[d] |= f;
		if (f & 0x01) /* FIN, recorded by key side */
			r->state |= dir ? REC_FIN_B : REC_FIN_A;
		if ((f & 0x04) || (r->state & (REC_FIN_A | REC_FIN_B)) == (REC_FIN_A | REC_FIN_B))
			r->state |= REC_CLOSED;
	}
	if (r->state & REC_CLOSED) {
		/* The closing list stays ordered by last packet: append. */
		lru_unlink(t, pos);
		if (t->recs[list_head(t, LIST_CLOSING)->lru_prev].last_ns > r->last_ns)
			t->unordered = true;
		lru_push_back(t, t->n_slots + LIST_CLOSING, pos);
	} else if (list_head(t, LIST_LRU)->lru_next != pos) {
		/* Moving to the front touches both neighbours: skip it when already there. */
		lru_unlink(t, pos);
		lru_move_front(t, pos);
	}
}

/*
 * The LRU move of a flow touches its two neighbours' hot lines: fetch
 * them a few packets ahead, once the flow's own line (prefetched after
 * the lookup) has given their indexes. A hint only: earlier packets of
 * the burst may move them meanwhile.
 */
#define NEIGHBOURS_AHEAD 3
#define NEIGHBOURS_FAR 16384 /* 1 MB of hot records */

static inline void
prefetch_neighbours(const struct wm_flow_table *t, int32_t pos)
{
	const struct wm_flow_rec *r;

	if (pos < 0)
		return;
	r = &t->recs[pos];
	/* Removed earlier in the burst: unlinked, no neighbours. */
	if (r->lru_prev == NIL)
		return;
	rte_prefetch0(&t->recs[r->lru_prev]);
	rte_prefetch0(&t->recs[r->lru_next]);
}

/*
 * The flows made in a burst: their packet indexes and positions, and a
 * 256-bit filter of their hashes, so that a miss whose hash bit is clear
 * (most of them) is known new without comparing keys.
 */
struct burst_made {
	uint64_t filter[4];
	unsigned int n;
	uint8_t pkt[WM_FLOW_BURST_MAX];
	int32_t pos[WM_FLOW_BURST_MAX];
};

static inline void
made_add(struct burst_made *bm, hash_sig_t sig, unsigned int i, int32_t pos)
{
	bm->filter[(sig >> 6) & 3] |= UINT64_C(1) << (sig & 63);
	bm->pkt[bm->n] = (uint8_t)i;
	bm->pos[bm->n++] = pos;
}

/*
 * Where a key that missed the burst's lookup stands now: a flow an
 * earlier packet of the burst made, or none. Exact as long as nothing
 * was removed since the lookup (the caller looks in the table otherwise).
 */
static inline int32_t
made_find(const struct burst_made *bm, const struct wm_flow_key *keys, const hash_sig_t *sigs,
	  unsigned int i)
{
	unsigned int j;

	if (!(bm->filter[(sigs[i] >> 6) & 3] & (UINT64_C(1) << (sigs[i] & 63))))
		return -ENOENT;
	for (j = 0; j < bm->n; j++)
		if (sigs[bm->pkt[j]] == sigs[i] &&
		    memcmp(&keys[bm->pkt[j]], &keys[i], sizeof(keys[i])) == 0)
			return bm->pos[j];
	return -ENOENT;
}

unsigned int
wm_flow_table_update_bulk(struct wm_flow_table *t, const struct wm_pkt_meta *const *metas,
			  unsigned int n, struct wm_flow_export *out)
{
	struct wm_flow_key keys[WM_FLOW_BURST_MAX];
	const void *kptr[WM_FLOW_BURST_MAX];
	hash_sig_t sigs[WM_FLOW_BURST_MAX];
	int32_t pos[WM_FLOW_BURST_MAX];
	uint8_t dirs[WM_FLOW_BURST_MAX];
	struct burst_made made;
	unsigned int i, n_out = 0;
	bool stale = false;
	/* Fewer flows than this keep their records in the caches: no neighbour prefetch. */
	const bool far = t->stats.active > NEIGHBOURS_FAR;

	if (n > WM_FLOW_BURST_MAX)
		n = WM_FLOW_BURST_MAX;
	made.n = 0;
	memset(made.filter, 0, sizeof(made.filter));
	for (i = 0; i < n; i++) {
		dirs[i] = (uint8_t)key_from_meta(metas[i], &keys[i], &sigs[i]);
		kptr[i] = &keys[i];
	}
	rte_hash_lookup_with_hash_bulk(t->hash, kptr, sigs, n, pos);
	for (i = 0; i < n; i++) {
		if (pos[i] < 0)
			continue;
		prefetch_rec(&t->recs[pos[i]]);
		/* The sequence hook reads the flow's stream handles in its cold line. */
		if (unlikely(metas[i]->flags & WM_PKT_F_SEQ))
			rte_prefetch0(&t->cold[pos[i]]);
	}
	if (far)
		for (i = 0; i < n && i < NEIGHBOURS_AHEAD; i++)
			prefetch_neighbours(t, pos[i]);

	for (i = 0; i < n; i++) {
		const struct wm_pkt_meta *m = metas[i];
		int32_t p = pos[i];
		bool gone;

		if (far && i + NEIGHBOURS_AHEAD < n)
			prefetch_neighbours(t, pos[i + NEIGHBOURS_AHEAD]);
		/*
		 * An eviction or a timeout earlier in the burst may have freed
		 * a position a hit returned, or one a flow made in the burst
		 * had: look in the table again. Else a miss may be a flow an
		 * earlier packet of the burst created.
		 */
		if (unlikely(stale))
			p = rte_hash_lookup_with_hash(t->hash, &keys[i], sigs[i]);
		else if (p < 0 && made.n > 0)
			p = made_find(&made, keys, sigs, i);
		if (p >= 0) {
			n_out += rec_check_time(t, (uint32_t)p, m->ts_ns, &out[n_out], &gone);
			if (gone) {
				stale = true;
				p = -ENOENT;
			}
		}
		if (p < 0) {
			p = flow_create(t, &keys[i], sigs[i], m, dirs[i], &out[n_out], &n_out,
					&stale);
			if (p < 0) {
				/* Cannot happen with the extendable table; counted if it does. */
				t->stats.not_metered++;
				continue;
			}
			made_add(&made, sigs[i], i, p);
		}
		rec_count(t, (uint32_t)p, m, dirs[i]);
		if (unlikely(m->flags & WM_PKT_F_SEQ)) {
			const struct wm_flow_rec *r = &t->recs[p];

			t->hooks.seq_pkt(t->hooks.ctx, t->cold[p].seq,
					 dirs[i] ^ ((r->state & REC_INIT_B) ? 1 : 0), m);
		}
	}
	return n_out;
}

unsigned int
wm_flow_table_expire(struct wm_flow_table *t, uint64_t now, struct wm_flow_export *out,
		     unsigned int max)
{
	uint32_t lru_h = t->n_slots + LIST_LRU;
	uint32_t cl_h = t->n_slots + LIST_CLOSING;
	uint32_t act_h = t->n_slots + LIST_ACTIVE;
	unsigned int n = 0, steps = 0;

	/* Each loop touches at most 'max' flows: the work per call is bounded. */
	while (n < max && steps < max) {
		uint32_t i = t->recs[cl_h].lru_next;

		if (i == cl_h || rec_end_due(t, &t->recs[i], now) == 0)
			break;
		n += rec_remove(t, i, WM_FLOW_END_EOF, &out[n]);
		steps++;
	}
	while (n < max && steps < max) {
		uint32_t i = t->recs[lru_h].lru_prev;

		if (i == lru_h || rec_end_due(t, &t->recs[i], now) == 0)
			break;
		n += rec_remove(t, i, WM_FLOW_END_IDLE, &out[n]);
		steps++;
	}
	while (n < max && steps < max) {
		uint32_t i = t->cold[act_h].act_next;

		if (i == act_h || !rec_period_due(t, &t->recs[i], now))
			break;
		n += rec_period_end(t, i, now, &out[n]);
		steps++;
	}
	return n;
}

unsigned int
wm_flow_table_sweep(struct wm_flow_table *t, uint64_t now, struct wm_flow_export *out,
		    unsigned int max, uint32_t *cursor)
{
	unsigned int n = 0;
	uint32_t i;

	/* Lists in time order: expiry from their ends already found everything due. */
	if (!t->unordered) {
		*cursor = UINT32_MAX;
		return 0;
	}
	/* Each flow ends at most one record: stop when the budget is spent. */
	for (i = *cursor; i < t->n_slots && n < max; i++) {
		const struct wm_flow_rec *r = &t->recs[i];
		uint8_t reason;

		if (!(r->state & REC_IN_USE))
			continue;
		reason = rec_end_due(t, r, now);
		if (reason != 0)
			n += rec_remove(t, i, reason, &out[n]);
		else if (rec_period_due(t, r, now))
			n += rec_period_end(t, i, now, &out[n]);
	}
	*cursor = i >= t->n_slots ? UINT32_MAX : i;
	return n;
}

bool
wm_flow_table_due(const struct wm_flow_table *t, uint64_t now)
{
	const struct wm_flow_rec *cl = &t->recs[t->recs[t->n_slots + LIST_CLOSING].lru_next];
	const struct wm_flow_rec *lru = &t->recs[t->recs[t->n_slots + LIST_LRU].lru_prev];
	const struct wm_flow_rec *act = &t->recs[t->cold[t->n_slots + LIST_ACTIVE].act_next];

	/* A list head record has state 0, so an empty list is never due. */
	return (cl->state != 0 && rec_end_due(t, cl, now) != 0) ||
	       (lru->state != 0 && rec_end_due(t, lru, now) != 0) ||
	       (act->state != 0 && rec_period_due(t, act, now));
}

unsigned int
wm_flow_table_flush(struct wm_flow_table *t, enum wm_flow_end_reason reason,
		    struct wm_flow_export *out, unsigned int max)
{
	unsigned int n = 0;

	/* A TCP flow already ended by RST or FINs keeps its own reason: end of flow. */
	while (n < max && t->stats.active > 0) {
		uint32_t i = oldest_flow(t);

		n += rec_remove(t, i, (t->recs[i].state & REC_CLOSED) ? WM_FLOW_END_EOF : reason,
				&out[n]);
	}
	return n;
}

unsigned int
wm_flow_table_walk(const struct wm_flow_table *t, uint32_t *cursor, unsigned int budget,
		   unsigned int flags, wm_flow_walk_cb cb, void *arg)
{
	struct wm_flow_export e;
	unsigned int seen = 0, visited = 0;
	uint32_t i;

	/* The budget counts slots, empty or not: that bounds the work. */
	for (i = *cursor; i < t->n_slots && seen < budget; i++, seen++) {
		const struct wm_flow_cold *c = &t->cold[i];

		if (!(t->recs[i].state & REC_IN_USE))
			continue;
		if ((flags & WM_FLOW_WALK_SEQ) && (c->seq[0] | c->seq[1]) == 0)
			continue;
		export_fill(pos_key(t, i), &t->recs[i], c, tunnel_of(t, i), 0, &e);
		cb(&e, arg);
		visited++;
	}
	*cursor = i >= t->n_slots ? UINT32_MAX : i;
	return visited;
}

void
wm_flow_top_init(struct wm_flow_top *top, struct wm_flow_export *out, uint32_t max,
		 enum wm_flow_sort sort)
{
	top->out = out;
	top->max = max;
	top->n = 0;
	top->cursor = 0;
	top->sort = sort;
}

static inline uint64_t
top_value_rec(const struct wm_flow_rec *r, enum wm_flow_sort sort)
{
	return sort == WM_FLOW_SORT_PACKETS ? (uint64_t)r->pkts[0] + r->pkts[1]
					    : r->octets[0] + r->octets[1];
}

static inline uint64_t
top_value(const struct wm_flow_export *e, enum wm_flow_sort sort)
{
	return sort == WM_FLOW_SORT_PACKETS ? e->pkts[0] + e->pkts[1] : e->octets[0] + e->octets[1];
}

/* Restore the min-heap order of h[0..n) below position i. */
static void
top_sift_down(struct wm_flow_export *h, uint32_t n, uint32_t i, enum wm_flow_sort sort)
{
	struct wm_flow_export tmp;

	for (;;) {
		uint32_t l = 2 * i + 1, m = i;

		if (l < n && top_value(&h[l], sort) < top_value(&h[m], sort))
			m = l;
		if (l + 1 < n && top_value(&h[l + 1], sort) < top_value(&h[m], sort))
			m = l + 1;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void
top_sift_up(struct wm_flow_export *h, uint32_t i, enum wm_flow_sort sort)
{
	struct wm_flow_export tmp;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (top_value(&h[p], sort) <= top_value(&h[i], sort))
			return;
		tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

bool
wm_flow_table_top(const struct wm_flow_table *t, struct wm_flow_top *top, unsigned int budget)
{
	struct wm_flow_export *h = top->out;
	unsigned int seen = 0;
	uint32_t i, n;

	if (top->cursor == UINT32_MAX || top->max == 0) {
		top->cursor = UINT32_MAX;
		return true;
	}
	for (i = top->cursor; i < t->n_slots && seen < budget; i++, seen++) {
		const struct wm_flow_rec *r = &t->recs[i];

		if (!(r->state & REC_IN_USE))
			continue;
		if (top->n < top->max) {
			export_fill(pos_key(t, i), r, &t->cold[i], tunnel_of(t, i), 0, &h[top->n]);
			top_sift_up(h, top->n, top->sort);
			top->n++;
		} else if (top_value_rec(r, top->sort) > top_value(&h[0], top->sort)) {
			/* Larger than the smallest held: it takes the root's place. */
			export_fill(pos_key(t, i), r, &t->cold[i], tunnel_of(t, i), 0, &h[0]);
			top_sift_down(h, top->n, 0, top->sort);
		}
	}
	if (i < t->n_slots) {
		top->cursor = i;
		return false;
	}
	top->cursor = UINT32_MAX;
	/* Heap sort: popping the smallest to the end leaves the largest first. */
	for (n = top->n; n > 1; n--) {
		struct wm_flow_export tmp = h[0];

		h[0] = h[n - 1];
		h[n - 1] = tmp;
		top_sift_down(h, n - 1, 0, top->sort);
	}
	return true;
}

int
wm_flow_table_lookup(const struct wm_flow_table *t, const struct wm_pkt_meta *m,
		     struct wm_flow_export *out)
{
	static const uint8_t no_eth[12];
	struct wm_pkt_meta q = *m;
	struct wm_flow_key k;
	hash_sig_t sig;
	int32_t pos;

	if (q.eth == NULL)
		q.eth = no_eth;
	key_from_meta(&q, &k, &sig);
	pos = rte_hash_lookup_with_hash(t->hash, &k, sig);
	if (pos < 0)
		return -ENOENT;
	export_fill(&k, &t->recs[pos], &t->cold[pos], tunnel_of(t, pos), 0, out);
	return 0;
}

int
wm_flow_table_set_timeouts(struct wm_flow_table *t, uint64_t idle_ns, uint64_t active_ns)
{
	if (idle_ns == 0 || active_ns == 0)
		return -EINVAL;
	t->idle_ns = idle_ns;
	t->active_ns = active_ns;
	return 0;
}

void
wm_flow_table_timeouts(const struct wm_flow_table *t, uint64_t *idle_ns, uint64_t *active_ns)
{
	*idle_ns = t->idle_ns;
	*active_ns = t->active_ns;
}

unsigned int
wm_flow_table_flush_slice(struct wm_flow_table *t, enum wm_flow_end_reason reason,
			  struct wm_flow_export *out, unsigned int max, unsigned int budget,
			  uint32_t *cursor, uint64_t *removed)
{
	unsigned int n = 0, seen = 0;
	uint32_t i;

	/* Each flow ends at most one record: stop before one could find no room. */
	for (i = *cursor; i < t->n_slots && seen < budget && n < max; i++, seen++) {
		const struct wm_flow_rec *r = &t->recs[i];

		if (!(r->state & REC_IN_USE))
			continue;
		n += rec_remove(t, i, (r->state & REC_CLOSED) ? WM_FLOW_END_EOF : reason, &out[n]);
		(*removed)++;
	}
	*cursor = i >= t->n_slots ? UINT32_MAX : i;
	return n;
}
