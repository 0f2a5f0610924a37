/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The sequence tracker of SEQUENCE.md.
 *
 * Per stream, with T = last, W = window and lo(T) = max(0, T - W + 1):
 *
 * - The bitmap has N = pow2(ceil(W / 64) + 1) blocks of 64 bits; the bit
 *   of position p is bit (p & 63) of block ((p >> 6) & (N - 1)), so a
 *   position never moves (RFC 6479). N * 64 >= W + 64, so the W
 *   positions of the window map to distinct bits.
 * - A bit is set only for a received position p with
 *   max(base, lo(T)) <= p <= T; every other bit is clear. Positions that
 *   leave the window are counted and cleared when T moves, so a new
 *   position always starts clear.
 * - base <= floor <= T + 1. Positions below floor are final: a hole
 *   there was counted lost. floor moves above base only when the window
 *   is finalized at export.
 * - Every position of [base, T] is exactly one of: received (ep_unique,
 *   that is c.unique - unique0),
 *   final and never received (ep_lost), or pending: in the window, at or
 *   above floor, bit clear. Hence T - base + 1 = ep_unique + ep_lost +
 *   pending, the invariant the tests check after every packet.
 *
 * Work per packet is O(1) except when T moves by d: the positions that
 * leave the window are counted with popcount on whole blocks, at most
 * min(d, W) / 64 + 2 of them, and positions that skip the window entirely
 * are added to lost in one subtraction.
 *
 * A pool belongs to one worker; no field is touched by another thread.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wm_seq.h"

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* How the wire number is extended to 64 bits. */
enum seq_ext_mode {
	SEQ_EXT_SERIAL = 0, /* serial arithmetic on the wire width */
	SEQ_EXT_ESN,	    /* RFC 4303 Appendix A2.2 */
	SEQ_EXT_XPN,	    /* IEEE 802.1AEbt PN recovery */
};

/*
 * One stream slot. Written only by the pool's worker. The counters that
 * are gauges or positions (pending, first, last) are computed when read;
 * their fields in c stay zero.
 *
 * The first cache line holds all that the common packet reads or writes
 * (set_member() and stream_update()'s fast path, rx and unique the first
 * two counters): with its bitmap block, two lines per packet.
 */
struct wm_seq_stream {
	uint64_t last;	     /* T: highest extended number of the epoch */
	uint64_t epoch;	     /* the caller's epoch value */
	uint64_t floor;	     /* lowest position not yet final */
	uint32_t window;     /* W */
	uint32_t block_mask; /* N - 1 */
	uint32_t set_next;   /* next member of its set, plus one; 0 after the last */
	uint32_t ident;	     /* identity in its set: RTP SSRC, TRex hw_id, else 0 */
	uint8_t n_cand;	     /* consecutive candidates held, 0 when none */
	uint8_t ext_mode;    /* enum seq_ext_mode */
	uint8_t width;	     /* wire width in bits: 16 or 32 */
	uint8_t kind;	     /* enum wm_seq_kind */
	bool pv_check;	     /* raw 0 and wraps are protocol violations */
	bool open;	     /* the epoch has its first packet */
	bool in_use;	     /* the slot holds a stream */
	bool in_set;	     /* joined a set (wm_seq_set_join()) */
	struct wm_seq_counters c;
	/* Read only off the common path. */
	uint64_t base;	   /* the epoch's first extended number */
	uint64_t unique0;  /* c.unique before the epoch's first: ep_unique = c.unique - unique0 */
	uint64_t ep_lost;  /* lost in this epoch, for the invariant */
	uint64_t jump;	   /* J */
	uint64_t cand_ext; /* extended number the first candidate restarts at */
	uint32_t cand_raw; /* raw number of the first candidate */
	uint8_t cand_counted; /* candidates counted provisionally under cand_cls */
	uint8_t cand_cls;     /* enum wm_seq_class of the first candidate */
	uint8_t k;	      /* K */
	/* block_mask + 1 blocks used, sized for the pool's largest W; a line of its own */
	uint64_t bits[] __attribute__((aligned(64)));
};

_Static_assert(offsetof(struct wm_seq_stream, c.unique) + sizeof(uint64_t) <= 64,
	       "the common packet's fields fit the slot's first cache line");

/*
 * The pool: fixed slots and a stack of free handles. Allocated once at
 * creation; alloc and release are O(1) and never allocate.
 */
struct wm_seq_pool {
	struct wm_seq_profiles prof;
	uint8_t *slots;			     /* capacity slots of stride bytes, 64-byte aligned */
	uint32_t *free_stack;		     /* n_free free handles, next one on top */
	size_t stride;			     /* bytes per slot, a multiple of 64 */
	uint8_t bits_lines[WM_SEQ_KIND_MAX]; /* bitmap lines a stream of the kind uses: 1 or 2 */
	uint32_t capacity;
	uint32_t n_free;
	uint32_t in_use;
	uint64_t alloc_fail;
};

#define SEQ_CACHE_LINE 64

/* ---- names ---- */

static const char *const kind_names[WM_SEQ_KIND_MAX] = {
#define KIND_NAME(e, s) [WM_SEQ_KIND_##e] = #s,
	WM_SEQ_FOREACH_KIND(KIND_NAME)
#undef KIND_NAME
};

static const char *const counter_names[WM_SEQ_CTR_MAX] = {
#define COUNTER_NAME(f, n) [WM_SEQ_CTR_##f] = #n,
	WM_SEQ_FOREACH_COUNTER(COUNTER_NAME)
#undef COUNTER_NAME
};

static const size_t counter_offsets[WM_SEQ_CTR_MAX] = {
#define COUNTER_OFFSET(f, n) [WM_SEQ_CTR_##f] = offsetof(struct wm_seq_counters, f),
	WM_SEQ_FOREACH_COUNTER(COUNTER_OFFSET)
#undef COUNTER_OFFSET
};

static const char *const class_names[WM_SEQ_CLASS_MAX] = {
#define CLASS_NAME(e, s) [WM_SEQ_##e] = #s,
	WM_SEQ_FOREACH_CLASS(CLASS_NAME)
#undef CLASS_NAME
};

const char *
wm_seq_kind_name(enum wm_seq_kind kind)
{
	if ((unsigned int)kind >= WM_SEQ_KIND_MAX)
		return "unknown";
	return kind_names[kind];
}

int
wm_seq_kind_from_name(const char *name)
{
	int k;

	if (name == NULL)
		return -EINVAL;
	for (k = 0; k < WM_SEQ_KIND_MAX; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -EINVAL;
}

const char *
wm_seq_counter_name(enum wm_seq_counter_id id)
{
	if ((unsigned int)id >= WM_SEQ_CTR_MAX)
		return "unknown";
	return counter_names[id];
}

uint64_t
wm_seq_counter_get(const struct wm_seq_counters *c, enum wm_seq_counter_id id)
{
	uint64_t v;

	if ((unsigned int)id >= WM_SEQ_CTR_MAX)
		return 0;
	memcpy(&v, (const uint8_t *)c + counter_offsets[id], sizeof(v));
	return v;
}

const char *
wm_seq_class_name(enum wm_seq_class cls)
{
	if ((unsigned int)cls >= WM_SEQ_CLASS_MAX)
		return "unknown";
	return class_names[cls];
}

/* ---- profiles ---- */

void
wm_seq_profiles_default(struct wm_seq_profiles *p)
{
	memset(p, 0, sizeof(*p));
	p->kind[WM_SEQ_KIND_ESP] = (struct wm_seq_profile){
		.window = 960, .restart_k = 2, .ext64 = false, .jump = UINT64_C(1) << 30};
	p->kind[WM_SEQ_KIND_MACSEC] = (struct wm_seq_profile){
		.window = 960, .restart_k = 2, .ext64 = false, .jump = UINT64_C(1) << 30};
	/* RFC 3550 Appendix A.1: MAX_MISORDER 100, MAX_DROPOUT 3000. */
	p->kind[WM_SEQ_KIND_RTP] = (struct wm_seq_profile){
		.window = 100, .restart_k = 2, .ext64 = false, .jump = 3000};
	p->kind[WM_SEQ_KIND_TESTER] = (struct wm_seq_profile){
		.window = 960, .restart_k = 2, .ext64 = false, .jump = UINT64_C(1) << 20};
}

static uint32_t
kind_width(unsigned int kind)
{
	return kind == WM_SEQ_KIND_RTP ? 16 : 32;
}

int
wm_seq_profiles_validate(const struct wm_seq_profiles *p)
{
	unsigned int k;

	if (p == NULL)
		return -EINVAL;
	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		const struct wm_seq_profile *pr = &p->kind[k];

		if (pr->window == 0 || pr->window > WM_SEQ_WINDOW_MAX)
			return -EINVAL;
		/* Serial arithmetic tells ahead from behind only within half the space. */
		if (pr->window > (UINT32_C(1) << (kind_width(k) - 1)))
			return -EINVAL;
		if (pr->restart_k == 0 || pr->restart_k > WM_SEQ_RESTART_K_MAX)
			return -EINVAL;
		if (pr->jump == 0)
			return -EINVAL;
	}
	return 0;
}

/* Blocks for a window of w positions: pow2(ceil(w / 64) + 1). */
static uint32_t
window_blocks(uint32_t w)
{
	uint32_t need = (w + 63) / 64 + 1;
	uint32_t n = 1;

	while (n < need)
		n <<= 1;
	return n;
}

static size_t
slot_stride(const struct wm_seq_profiles *p)
{
	uint32_t max_blocks = 0;
	size_t sz;
	unsigned int k;

	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		uint32_t b = window_blocks(p->kind[k].window);

		if (b > max_blocks)
			max_blocks = b;
	}
	sz = sizeof(struct wm_seq_stream) + (size_t)max_blocks * sizeof(uint64_t);
	return (sz + SEQ_CACHE_LINE - 1) & ~(size_t)(SEQ_CACHE_LINE - 1);
}

/* ---- the pool ---- */

size_t
wm_seq_pool_memsize(uint32_t capacity, const struct wm_seq_profiles *profiles)
{
	size_t slots, stack, total;

	if (wm_seq_profiles_validate(profiles) != 0)
		return 0;
	if (__builtin_mul_overflow((size_t)capacity, slot_stride(profiles), &slots) ||
	    __builtin_mul_overflow((size_t)capacity, sizeof(uint32_t), &stack) ||
	    __builtin_add_overflow(slots, stack, &total) ||
	    __builtin_add_overflow(total, sizeof(struct wm_seq_pool) + SEQ_CACHE_LINE, &total))
		return 0;
	return total;
}

struct wm_seq_pool *
wm_seq_pool_create(uint32_t capacity, const struct wm_seq_profiles *profiles)
{
	struct wm_seq_pool *pool;
	void *mem = NULL;
	size_t bytes;
	uint32_t i;
	unsigned int k;

	if (capacity == 0 || capacity > INT32_MAX || wm_seq_profiles_validate(profiles) != 0 ||
	    wm_seq_pool_memsize(capacity, profiles) == 0) {
		errno = EINVAL;
		return NULL;
	}
	pool = calloc(1, sizeof(*pool));
	if (pool == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	pool->prof = *profiles;
	pool->stride = slot_stride(profiles);
	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		uint32_t lines =
			window_blocks(profiles->kind[k].window) * sizeof(uint64_t) / SEQ_CACHE_LINE;

		pool->bits_lines[k] = (uint8_t)(lines == 0 ? 1 : lines > 2 ? 2 : lines);
	}
	pool->capacity = capacity;
	bytes = pool->stride * capacity;
	if (posix_memalign(&mem, SEQ_CACHE_LINE, bytes) != 0)
		goto nomem;
	/* Every slot starts zeroed: in_use false. */
	memset(mem, 0, bytes);
	pool->slots = mem;
	pool->free_stack = malloc((size_t)capacity * sizeof(uint32_t));
	if (pool->free_stack == NULL)
		goto nomem;
	/* Handles come out in ascending order: the top of the stack is 0. */
	for (i = 0; i < capacity; i++)
		pool->free_stack[i] = capacity - 1 - i;
	pool->n_free = capacity;
	return pool;
nomem:
	free(pool->slots);
	free(pool);
	errno = ENOMEM;
	return NULL;
}

void
wm_seq_pool_free(struct wm_seq_pool *pool)
{
	if (pool == NULL)
		return;
	free(pool->free_stack);
	free(pool->slots);
	free(pool);
}

void
wm_seq_pool_stats(const struct wm_seq_pool *pool, struct wm_seq_pool_stats *out)
{
	out->capacity = pool->capacity;
	out->in_use = pool->in_use;
	out->alloc_fail = pool->alloc_fail;
}

static inline struct wm_seq_stream *
slot_at(const struct wm_seq_pool *pool, uint32_t idx)
{
	return (struct wm_seq_stream *)(void *)(pool->slots + (size_t)idx * pool->stride);
}

/* The live stream named by idx, or NULL. */
static inline struct wm_seq_stream *
stream_get(const struct wm_seq_pool *pool, uint32_t idx)
{
	struct wm_seq_stream *s;

	if (idx >= pool->capacity)
		return NULL;
	s = slot_at(pool, idx);
	return s->in_use ? s : NULL;
}

int
wm_seq_stream_alloc(struct wm_seq_pool *pool, enum wm_seq_kind kind, bool ext64, uint64_t epoch)
{
	const struct wm_seq_profile *pr;
	struct wm_seq_stream *s;
	uint32_t idx;

	if ((unsigned int)kind >= WM_SEQ_KIND_MAX)
		return -EINVAL;
	if (pool->n_free == 0) {
		pool->alloc_fail++;
		return -ENOSPC;
	}
	idx = pool->free_stack[--pool->n_free];
	s = slot_at(pool, idx);
	pr = &pool->prof.kind[kind];
	/* The bitmap is cleared when the first packet opens the epoch. */
	memset(s, 0, sizeof(*s));
	s->epoch = epoch;
	/* J >= 1 (validated): the fast path's d == 1 is never a suspect jump. */
	s->jump = pr->jump;
	s->window = pr->window;
	s->block_mask = window_blocks(pr->window) - 1;
	s->k = pr->restart_k;
	s->kind = (uint8_t)kind;
	s->width = (uint8_t)kind_width(kind);
	s->ext_mode = SEQ_EXT_SERIAL;
	if (ext64 && kind == WM_SEQ_KIND_ESP)
		s->ext_mode = SEQ_EXT_ESN;
	else if (ext64 && kind == WM_SEQ_KIND_MACSEC)
		s->ext_mode = SEQ_EXT_XPN;
	s->pv_check = !ext64 && (kind == WM_SEQ_KIND_ESP || kind == WM_SEQ_KIND_MACSEC);
	s->in_use = true;
	pool->in_use++;
	return (int)idx;
}

void
wm_seq_stream_prefetch(const struct wm_seq_pool *pool, uint32_t idx, enum wm_seq_kind kind)
{
	const struct wm_seq_stream *s;

	if (idx >= pool->capacity || (unsigned int)kind >= WM_SEQ_KIND_MAX)
		return;
	s = slot_at(pool, idx);
	__builtin_prefetch(s);
	__builtin_prefetch(s->bits);
	if (pool->bits_lines[kind] > 1)
		__builtin_prefetch((const uint8_t *)s->bits + SEQ_CACHE_LINE);
}

int
wm_seq_stream_release(struct wm_seq_pool *pool, uint32_t idx)
{
	struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return -EINVAL;
	s->in_use = false;
	pool->free_stack[pool->n_free++] = idx;
	pool->in_use--;
	return 0;
}

/* ---- sets: the streams of one direction of one flow ---- */

/*
 * A set is a list through its members' set_next, first member first.
 * Members are appended only, and a set is given back whole (its flow
 * ended), so a walk from the first member sees every member once and at
 * most WM_SEQ_SET_MAX of them.
 */
int
wm_seq_set_join(struct wm_seq_pool *pool, uint32_t head, uint32_t idx, uint32_t ident)
{
	struct wm_seq_stream *s = stream_get(pool, idx), *h = stream_get(pool, head), *m;
	unsigned int n = 1;

	if (s == NULL || h == NULL || s->in_set)
		return -EINVAL;
	if (head != idx) {
		if (!h->in_set)
			return -EINVAL;
		for (m = h;; m = slot_at(pool, m->set_next - 1), n++) {
			if (m->kind == s->kind && m->ident == ident)
				return -EEXIST;
			if (m->set_next == 0)
				break;
		}
		if (n >= WM_SEQ_SET_MAX)
			return -ENOSPC;
		m->set_next = idx + 1;
	}
	s->ident = ident;
	s->set_next = 0;
	s->in_set = true;
	return 0;
}

/* The member of head's set with that kind and identity (its handle in *idx), or NULL. */
static inline struct wm_seq_stream *
set_member(const struct wm_seq_pool *pool, uint32_t head, enum wm_seq_kind kind, uint32_t ident,
	   uint32_t *idx)
{
	struct wm_seq_stream *m = stream_get(pool, head);

	*idx = head;
	while (m != NULL && m->in_set) {
		if (m->kind == kind && m->ident == ident)
			return m;
		if (m->set_next == 0)
			break;
		*idx = m->set_next - 1;
		m = stream_get(pool, *idx);
	}
	return NULL;
}

int
wm_seq_set_find(const struct wm_seq_pool *pool, uint32_t head, enum wm_seq_kind kind,
		uint32_t ident)
{
	uint32_t idx;

	return set_member(pool, head, kind, ident, &idx) != NULL ? (int)idx : -ENOENT;
}

int
wm_seq_set_next(const struct wm_seq_pool *pool, uint32_t idx)
{
	const struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL || !s->in_set || s->set_next == 0)
		return -ENOENT;
	return (int)(s->set_next - 1);
}

/* The wire number's bits: 0xffff or 0xffffffff. */
static inline uint32_t
raw_mask(const struct wm_seq_stream *s)
{
	return (uint32_t)((UINT64_C(1) << s->width) - 1);
}

/* ---- the bitmap ---- */

static inline uint64_t *
bit_block(struct wm_seq_stream *s, uint64_t p)
{
	return &s->bits[(p >> 6) & s->block_mask];
}

static inline bool
bit_test(struct wm_seq_stream *s, uint64_t p)
{
	return (*bit_block(s, p) >> (p & 63)) & 1;
}

static inline void
bit_set(struct wm_seq_stream *s, uint64_t p)
{
	*bit_block(s, p) |= UINT64_C(1) << (p & 63);
}

/*
 * Mask of the positions [lo, hi] that fall in absolute block b (p >> 6).
 * The callers walk b from lo >> 6 to hi >> 6 with hi - lo < W, so they
 * visit at most W / 64 + 2 blocks, each once (N * 64 > W + 63).
 */
static inline uint64_t
range_mask(uint64_t b, uint64_t lo, uint64_t hi)
{
	uint64_t m = ~UINT64_C(0);

	if (b == lo >> 6)
		m &= ~UINT64_C(0) << (lo & 63);
	if (b == hi >> 6)
		m &= ~UINT64_C(0) >> (63 - (hi & 63));
	return m;
}

/* Number of received positions in [lo, hi]. */
static uint64_t
bits_count(const struct wm_seq_stream *s, uint64_t lo, uint64_t hi)
{
	uint64_t b, n = 0;

	for (b = lo >> 6; b <= hi >> 6; b++)
		n += (uint64_t)__builtin_popcountll(s->bits[b & s->block_mask] &
						    range_mask(b, lo, hi));
	return n;
}

/* Clear positions [lo, hi]. */
static void
bits_clear(struct wm_seq_stream *s, uint64_t lo, uint64_t hi)
{
	uint64_t b;

	for (b = lo >> 6; b <= hi >> 6; b++)
		s->bits[b & s->block_mask] &= ~range_mask(b, lo, hi);
}

/* Lowest position of the window whose highest is t. */
static inline uint64_t
window_low(const struct wm_seq_stream *s, uint64_t t)
{
	return t + 1 >= s->window ? t + 1 - s->window : 0;
}

/* Holes still pending: in the window, at or above floor, not received. */
static uint64_t
window_pending(const struct wm_seq_stream *s)
{
	uint64_t lo = window_low(s, s->last);

	if (!s->open)
		return 0;
	if (lo < s->floor)
		lo = s->floor;
	if (lo > s->last)
		return 0;
	return s->last - lo + 1 - bits_count(s, lo, s->last);
}

static inline void
count_lost(struct wm_seq_stream *s, uint64_t n)
{
	s->c.lost += n;
	s->ep_lost += n;
}

/* Finalize the open window: its holes become lost, and everything up to T is final. */
static void
window_close(struct wm_seq_stream *s)
{
	count_lost(s, window_pending(s));
	s->floor = s->last + 1;
}

/* Start an epoch at extended number first. */
static void
epoch_open(struct wm_seq_stream *s, uint64_t first)
{
	memset(s->bits, 0, ((size_t)s->block_mask + 1) * sizeof(uint64_t));
	s->last = first;
	s->base = first;
	s->floor = first;
	s->unique0 = s->c.unique;
	s->ep_lost = 0;
	s->n_cand = 0;
	s->open = true;
	bit_set(s, first);
	s->c.unique++;
}

/*
 * Move T forward to ext (> T). The positions that leave the window are
 * final: those at or above floor and not received are lost. Positions
 * between the old T and the new window's low edge were never in the
 * window and are lost in one step, so a jump of any size costs at most
 * W / 64 + 2 block operations.
 */
static inline __attribute__((always_inline)) void
window_advance(struct wm_seq_stream *s, uint64_t ext)
{
	uint64_t t = s->last;
	uint64_t old_lo = window_low(s, t), new_lo = window_low(s, ext);

	if (likely(ext == t + 1)) {
		/*
		 * The common case, the next number: at most one position,
		 * old_lo, leaves the window (when it was full), so test and
		 * clear that one bit instead of walking ranges of blocks.
		 */
		if (new_lo > old_lo) {
			uint64_t *blk = bit_block(s, old_lo), bit = UINT64_C(1) << (old_lo & 63);

			if (old_lo >= s->floor && (*blk & bit) == 0)
				count_lost(s, 1);
			*blk &= ~bit;
		}
	} else if (new_lo > old_lo) {
		uint64_t leave_hi = new_lo - 1 < t ? new_lo - 1 : t;
		uint64_t from = old_lo > s->floor ? old_lo : s->floor;
		uint64_t lost = 0;

		if (from <= leave_hi)
			lost = leave_hi - from + 1 - bits_count(s, from, leave_hi);
		if (new_lo - 1 > t)
			lost += new_lo - 1 - t;
		bits_clear(s, old_lo, leave_hi);
		count_lost(s, lost);
	}
	/* Written only when it moves: c.wraps is off the first line. */
	if (unlikely((ext >> s->width) != (t >> s->width)))
		s->c.wraps += (ext >> s->width) - (t >> s->width);
	s->last = ext;
	bit_set(s, ext);
	s->c.unique++;
}

/* ---- classification ---- */

/*
 * Extend a wire number to 64 bits against T; *d = ext - T as a signed
 * distance (the 64-bit difference, so a number "below zero" near the
 * start of a stream comes out as a small negative distance).
 */
static inline uint64_t
seq_extend(const struct wm_seq_stream *s, uint32_t raw, int64_t *d)
{
	uint64_t t = s->last, ext;

	switch (s->ext_mode) {
	case SEQ_EXT_ESN: {
		/* RFC 4303 A2.2 with Bl = Tl - W + 1 (mod 2^32). */
		uint32_t tl = (uint32_t)t, bl = tl - s->window + 1;
		uint64_t th = t >> 32, seqh;

		if (tl >= s->window - 1) /* case A: the window is within one subspace */
			seqh = raw >= bl ? th : th + 1;
		else /* case B: the window spans two subspaces */
			seqh = raw >= bl ? th - 1 : th;
		ext = (seqh << 32) | raw;
		break;
	}
	case SEQ_EXT_XPN: {
		/*
		 * 802.1AEbt with lowestPN = T + 1 - W: lowestPN's high half,
		 * plus one when lowestPN's low half has its top bit set and the
		 * received PN's does not.
		 */
		uint64_t lowest = window_low(s, t);
		uint64_t hi = lowest >> 32;

		if ((lowest & 0x80000000u) != 0 && (raw & 0x80000000u) == 0)
			hi++;
		ext = (hi << 32) | raw;
		break;
	}
	default:
		if (s->width == 16)
			*d = (int16_t)(uint16_t)(raw - (uint32_t)t);
		else
			*d = (int32_t)(raw - (uint32_t)t);
		return t + (uint64_t)*d;
	}
	*d = (int64_t)(ext - t);
	return ext;
}

static inline void
event_fill(struct wm_seq_event *ev, enum wm_seq_class cls, uint64_t t, uint64_t ext)
{
	if (ev == NULL)
		return;
	ev->type = (uint8_t)cls;
	ev->expected = t + 1;
	ev->received = ext;
	ev->distance = (int64_t)(ext - t);
	ev->missing = cls == WM_SEQ_GAP ? ext - t - 1 : 0;
}

static inline void
cand_count(struct wm_seq_stream *s, int64_t n)
{
	if (s->cand_cls == WM_SEQ_TOO_OLD)
		s->c.too_old += (uint64_t)n;
	else if (s->cand_cls == WM_SEQ_JUMP)
		s->c.jump_suspect += (uint64_t)n;
	/* A protocol violation stays counted: it happened either way. */
}

/*
 * K candidates confirmed a restart: undo their provisional counts,
 * finalize the open window, and open a new epoch at the first candidate
 * with the other candidates applied in order after it.
 */
static enum wm_seq_class
cand_restart(struct wm_seq_stream *s, struct wm_seq_event *ev)
{
	uint64_t old = s->last, first = s->cand_ext;
	unsigned int i, n = s->n_cand;

	cand_count(s, -(int64_t)s->cand_counted);
	window_close(s);
	s->c.restarts++;
	/* The number passed its wire maximum on the way to the new epoch. */
	if ((first >> s->width) > (old >> s->width))
		s->c.wraps += (first >> s->width) - (old >> s->width);
	epoch_open(s, first);
	for (i = 1; i < n; i++)
		window_advance(s, first + i);
	event_fill(ev, WM_SEQ_RESTART, old, first);
	return WM_SEQ_RESTART;
}

/* The packet becomes the only restart candidate; the caller counted it under cls. */
static enum wm_seq_class
cand_start(struct wm_seq_stream *s, uint32_t raw, uint64_t ext, int64_t d, enum wm_seq_class cls,
	   struct wm_seq_event *ev)
{
	s->n_cand = 1;
	s->cand_raw = raw;
	s->cand_cls = (uint8_t)cls;
	s->cand_counted = cls == WM_SEQ_PROTO_VIOLATION ? 0 : 1;
	/*
	 * An extension below zero (a number before the stream's start) has
	 * no meaning as an epoch start: the new epoch starts at the raw value.
	 */
	s->cand_ext = d < 0 && (uint64_t)-d > s->last ? raw : ext;
	if (s->k <= 1)
		return cand_restart(s, ev);
	event_fill(ev, cls, s->last, ext);
	return cls;
}

/*
 * stream_update() of every packet but the common one, out of line: the
 * common packet's path then saves no registers.
 */
static __attribute__((noinline)) enum wm_seq_class
stream_update_slow(struct wm_seq_stream *s, uint32_t raw, uint64_t epoch, struct wm_seq_event *ev)
{
	uint64_t ext, back;
	int64_t d;

	if (!s->open || epoch != s->epoch) {
		/* A first packet, or an explicit new epoch: numbering starts over. */
		bool restart = s->open;
		uint64_t old = s->last;

		if (s->pv_check && raw == 0)
			s->c.proto_violation++;
		s->epoch = epoch;
		if (!restart) {
			epoch_open(s, raw);
			return WM_SEQ_FIRST;
		}
		window_close(s);
		s->c.restarts++;
		epoch_open(s, raw);
		event_fill(ev, WM_SEQ_RESTART, old, raw);
		return WM_SEQ_RESTART;
	}

	ext = seq_extend(s, raw, &d);

	/* The next number after the candidates: one more candidate. */
	if (s->n_cand != 0 && raw == ((s->cand_raw + s->n_cand) & raw_mask(s))) {
		/* Judged against the candidates, not T: only a raw 0 is a violation. */
		if (s->pv_check && raw == 0)
			s->c.proto_violation++;
		s->n_cand++;
		if (s->n_cand >= s->k)
			return cand_restart(s, ev);
		if (s->cand_cls != WM_SEQ_PROTO_VIOLATION) {
			cand_count(s, 1);
			s->cand_counted++;
		}
		return WM_SEQ_HELD;
	}
	/* Without ESN/XPN, 0 is never sent and the number never wraps (RFC 4303 3.3.3, 802.1AE). */
	if (s->pv_check && (raw == 0 || (d > 0 && (ext >> 32) != (s->last >> 32)))) {
		s->c.proto_violation++;
		return cand_start(s, raw, ext, d, WM_SEQ_PROTO_VIOLATION, ev);
	}

	if (d > 0) {
		if ((uint64_t)d > s->jump) {
			s->c.jump_suspect++;
			return cand_start(s, raw, ext, d, WM_SEQ_JUMP, ev);
		}
		if (d == 1) {
			window_advance(s, ext);
			return WM_SEQ_IN_ORDER;
		}
		event_fill(ev, WM_SEQ_GAP, s->last, ext);
		window_advance(s, ext);
		s->c.gap_events++;
		return WM_SEQ_GAP;
	}
	if (d == 0) {
		s->c.dup++;
		event_fill(ev, WM_SEQ_DUP, s->last, ext);
		return WM_SEQ_DUP;
	}

	back = (uint64_t)-d;
	/* In the window and in this epoch: ext >= T - W + 1 and ext >= base. */
	if (back < s->window && back <= s->last - s->base) {
		if (bit_test(s, ext)) {
			s->c.dup++;
			event_fill(ev, WM_SEQ_DUP, s->last, ext);
			return WM_SEQ_DUP;
		}
		if (ext >= s->floor) {
			bit_set(s, ext);
			s->c.late++;
			s->c.unique++;
			if (back > s->c.max_reorder)
				s->c.max_reorder = back;
			event_fill(ev, WM_SEQ_LATE, s->last, ext);
			return WM_SEQ_LATE;
		}
		/* Below floor: the hole was already counted lost at export. */
	}
	s->c.too_old++;
	return cand_start(s, raw, ext, d, WM_SEQ_TOO_OLD, ev);
}

/* wm_seq_stream_update() of a live stream, inlined into both callers. */
static inline __attribute__((always_inline)) enum wm_seq_class
stream_update(struct wm_seq_stream *s, uint64_t raw64, uint64_t epoch, struct wm_seq_event *ev)
{
	const uint32_t raw = (uint32_t)raw64 & raw_mask(s);

	s->c.rx++;
	/*
	 * The common packet, the next number of an open epoch with no
	 * candidates held: what the full path decides for d == 1 in serial
	 * arithmetic (J >= 1; with pv_check only a raw 0 or a step past
	 * 2^32, which is a raw 0 again, would be a violation).
	 */
	if (likely(s->open && epoch == s->epoch && s->n_cand == 0 &&
		   s->ext_mode == SEQ_EXT_SERIAL &&
		   raw == (((uint32_t)s->last + 1) & raw_mask(s)) && (raw != 0 || !s->pv_check))) {
		window_advance(s, s->last + 1);
		return WM_SEQ_IN_ORDER;
	}
	return stream_update_slow(s, raw, epoch, ev);
}

enum wm_seq_class
wm_seq_stream_update(struct wm_seq_pool *pool, uint32_t idx, uint64_t raw64, uint64_t epoch,
		     struct wm_seq_event *ev)
{
	struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return WM_SEQ_INVALID;
	return stream_update(s, raw64, epoch, ev);
}

int
wm_seq_set_update(struct wm_seq_pool *pool, uint32_t head, enum wm_seq_kind kind, uint32_t ident,
		  uint64_t raw, uint64_t epoch, struct wm_seq_event *ev, enum wm_seq_class *cls)
{
	uint32_t idx;
	struct wm_seq_stream *m = set_member(pool, head, kind, ident, &idx);

	if (m == NULL)
		return -ENOENT;
	*cls = stream_update(m, raw, epoch, ev);
	return (int)idx;
}

int
wm_seq_stream_finalize(struct wm_seq_pool *pool, uint32_t idx)
{
	struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return -EINVAL;
	if (s->open)
		window_close(s);
	return 0;
}

int
wm_seq_stream_counters(const struct wm_seq_pool *pool, uint32_t idx, struct wm_seq_counters *out)
{
	const struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return -EINVAL;
	*out = s->c;
	out->pending = window_pending(s);
	out->first = s->open ? s->base : 0;
	out->last = s->open ? s->last : 0;
	return 0;
}

int
wm_seq_stream_epoch(const struct wm_seq_pool *pool, uint32_t idx, struct wm_seq_epoch_state *out)
{
	const struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->open = s->open;
	out->epoch = s->epoch;
	if (!s->open)
		return 0;
	out->first = s->base;
	out->last = s->last;
	out->unique = s->c.unique - s->unique0;
	out->lost = s->ep_lost;
	out->pending = window_pending(s);
	return 0;
}

int64_t
wm_seq_stream_pending(const struct wm_seq_pool *pool, uint32_t idx)
{
	const struct wm_seq_stream *s = stream_get(pool, idx);

	if (s == NULL)
		return -EINVAL;
	return (int64_t)window_pending(s);
}
