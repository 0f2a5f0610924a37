/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_SEQ_H
#define WM_SEQ_H

/**
 * @file
 * wiremeter sequence-gap tracking (SEQUENCE.md).
 *
 * Streams that carry a per-packet counter (MACsec PN, ESP sequence
 * number, RTP sequence number, TRex flow-stats trailer) are tracked to
 * count loss, reordering and duplication on the path.
 *
 * Two parts:
 *
 * - The tracker. Per-stream state lives in a per-worker pool of
 *   fixed-size slots (struct wm_seq_pool), addressed by a 32-bit handle.
 *   Each stream extends the number on the wire to 64 bits (ESP ESN per
 *   RFC 4303 Appendix A2.2, MACsec XPN per 802.1AEbt, serial arithmetic
 *   otherwise), keeps an RFC 6479 bitmap of the last W positions, and
 *   classifies each packet. wm_seq_stream_update() is the data-path
 *   call: no allocation, no logging, and work bounded by O(W/64) even
 *   for a forward jump of 2^30.
 *
 * - Detection (wm_seq_detect_pkt()): which parsed packets carry a
 *   sequence number, of which kind, with which stream identity. The
 *   heuristics that need evidence from several packets (RTP on other
 *   ports, TRex trailers on any UDP port) keep it in a fixed per-worker
 *   table allocated when the detector is created.
 *
 * Neither part uses DPDK or EAL. Objects are owned by one thread (the
 * worker that uses them); nothing here locks. Another thread that wants
 * counters asks the owner for a copy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The stream kinds, as one list: the enum value suffix and the name used
 * in flow records (seqStreamKind).
 */
#define WM_SEQ_FOREACH_KIND(X) \
	X(MACSEC, macsec)      \
	X(ESP, esp)            \
	X(RTP, rtp)            \
	X(TESTER, tester)

/** Kind of sequence-bearing stream. */
enum wm_seq_kind {
#define WM_SEQ_KIND_ENUM(e, s) WM_SEQ_KIND_##e,
	WM_SEQ_FOREACH_KIND(WM_SEQ_KIND_ENUM)
#undef WM_SEQ_KIND_ENUM
		WM_SEQ_KIND_MAX
};

/**
 * The per-stream counters, as one list: the field of struct
 * wm_seq_counters and its name in flow records (JSON lines, telemetry,
 * console, IPFIX enterprise elements). Use #name to get the string.
 *
 * - rx: packets given to the tracker;
 * - unique: distinct numbers accepted (in order, after a gap, or late);
 * - late: accepted numbers below the highest seen (reordered);
 * - dup: numbers already seen, still inside the window;
 * - too_old: numbers below the window or before the epoch's start, or
 *   already final (counted lost);
 * - lost: numbers final and never received;
 * - pending: gauge, holes still inside the window (lost or late later);
 * - gap_events: forward steps of more than one;
 * - wraps: times the number passed its wire maximum going forward;
 * - restarts: new epochs (confirmed candidates or explicit change);
 * - jump_suspect: forward steps larger than J, not applied;
 * - proto_violation: raw 0 or a wrap in a stream that may not have them;
 * - max_reorder: largest distance of a late packet behind the highest;
 * - first: the current epoch's first extended number;
 * - last: the highest extended number of the current epoch (T).
 */
#define WM_SEQ_FOREACH_COUNTER(X)                     \
	X(rx, seqReceivedCount)                       \
	X(unique, seqUniqueCount)                     \
	X(late, seqLateCount)                         \
	X(dup, seqDuplicateCount)                     \
	X(too_old, seqTooOldCount)                    \
	X(lost, seqLostCount)                         \
	X(pending, seqPendingCount)                   \
	X(gap_events, seqGapEventCount)               \
	X(wraps, seqWrapCount)                        \
	X(restarts, seqRestartCount)                  \
	X(jump_suspect, seqJumpSuspectCount)          \
	X(proto_violation, seqProtocolViolationCount) \
	X(max_reorder, seqMaxReorderDistance)         \
	X(first, seqFirstNumber)                      \
	X(last, seqLastNumber)

/** A stream's counters, one 64-bit field per WM_SEQ_FOREACH_COUNTER entry, in list order. */
struct wm_seq_counters {
#define WM_SEQ_COUNTER_FIELD(f, n) uint64_t f;
	WM_SEQ_FOREACH_COUNTER(WM_SEQ_COUNTER_FIELD)
#undef WM_SEQ_COUNTER_FIELD
};

/** Index of each counter in WM_SEQ_FOREACH_COUNTER order (WM_SEQ_CTR_rx, ...). */
enum wm_seq_counter_id {
#define WM_SEQ_COUNTER_ENUM(f, n) WM_SEQ_CTR_##f,
	WM_SEQ_FOREACH_COUNTER(WM_SEQ_COUNTER_ENUM)
#undef WM_SEQ_COUNTER_ENUM
		WM_SEQ_CTR_MAX
};

/**
 * What the tracker made of one packet, as one list: the enum value
 * suffix and a name for logs and events.
 */
#define WM_SEQ_FOREACH_CLASS(X)               \
	X(FIRST, first)                       \
	X(IN_ORDER, inOrder)                  \
	X(GAP, gap)                           \
	X(LATE, late)                         \
	X(DUP, duplicate)                     \
	X(TOO_OLD, tooOld)                    \
	X(JUMP, jumpSuspect)                  \
	X(PROTO_VIOLATION, protocolViolation) \
	X(HELD, held)                         \
	X(RESTART, restart)                   \
	X(INVALID, invalid)

/**
 * Classification returned by wm_seq_stream_update().
 *
 * - FIRST: first packet of the stream; it opens the first epoch.
 * - IN_ORDER: the highest number plus one.
 * - GAP: further ahead; the numbers in between are pending (gap event).
 * - LATE: a hole inside the window filled (reordered packet).
 * - DUP: already received.
 * - TOO_OLD: below the window, before the epoch, or already counted
 *   lost; it becomes the restart candidate.
 * - JUMP: more than J ahead; not applied, it becomes the restart
 *   candidate (seqJumpSuspectCount).
 * - PROTO_VIOLATION: raw 0 or a wrap in an ESP stream without ESN or a
 *   MACsec stream without XPN; not applied, it becomes the restart
 *   candidate.
 * - HELD: continues the candidates without confirming them yet (only
 *   when K > 2); counted provisionally like the first candidate
 *   (too_old or jump_suspect; nothing more after a protocol violation).
 * - RESTART: a new epoch started: K candidates confirmed it, or the
 *   caller's epoch value changed.
 * - INVALID: the handle names no live stream; nothing was counted.
 */
enum wm_seq_class {
#define WM_SEQ_CLASS_ENUM(e, s) WM_SEQ_##e,
	WM_SEQ_FOREACH_CLASS(WM_SEQ_CLASS_ENUM)
#undef WM_SEQ_CLASS_ENUM
		WM_SEQ_CLASS_MAX
};

/**
 * An event: filled by wm_seq_stream_update() for the classes GAP, LATE,
 * DUP, TOO_OLD, JUMP, PROTO_VIOLATION and RESTART (see
 * wm_seq_class_is_event()), left untouched otherwise. The caller adds
 * the time and the stream's identity.
 */
struct wm_seq_event {
	uint8_t type;	   /**< enum wm_seq_class */
	uint64_t expected; /**< highest extended number before the packet, plus one */
	uint64_t received; /**< extended number of the packet (RESTART: the new epoch's first) */
	uint64_t missing;  /**< GAP: numbers skipped (distance - 1); 0 otherwise */
	int64_t distance;  /**< received - (expected - 1): > 0 ahead, < 0 behind */
};

/** Largest window W accepted (positions); a 16-bit stream also needs W <= 2^15. */
#define WM_SEQ_WINDOW_MAX 32768
/** Largest number of candidates K a restart may need. */
#define WM_SEQ_RESTART_K_MAX 8
/** J value that disables jump detection. */
#define WM_SEQ_JUMP_NONE UINT64_MAX

/** Tracking parameters of one kind. */
struct wm_seq_profile {
	uint32_t window;   /**< W: the window holds positions T - W + 1 .. T */
	uint8_t restart_k; /**< K: consecutive candidates that confirm a restart (1..8) */
	bool ext64;	   /**< default ESN (ESP) or XPN (MACsec); ignored for other kinds */
	uint64_t jump;	   /**< J: a forward step larger than this is a suspect jump */
};

/** Tracking parameters of every kind, indexed by enum wm_seq_kind. */
struct wm_seq_profiles {
	struct wm_seq_profile kind[WM_SEQ_KIND_MAX]; /**< one profile per kind */
};

/**
 * Fill profiles with the defaults of SEQUENCE.md: ESP and MACsec W 960,
 * J 2^30; RTP W 100, J 3000 (RFC 3550 MAX_MISORDER, MAX_DROPOUT); tester
 * W 960, J 2^20; K 2 everywhere; ESN and XPN off.
 *
 * @param p
 *   Profiles to fill.
 */
void wm_seq_profiles_default(struct wm_seq_profiles *p);

/**
 * Check profiles: 1 <= W <= WM_SEQ_WINDOW_MAX and W <= 2^15 for RTP's
 * 16-bit numbers, 1 <= K <= WM_SEQ_RESTART_K_MAX, J >= 1.
 *
 * @param p
 *   Profiles to check.
 * @return
 *   0 when valid, -EINVAL otherwise.
 */
int wm_seq_profiles_validate(const struct wm_seq_profiles *p);

/**
 * Name of a kind as used in flow records ("macsec", "esp", "rtp", "tester").
 *
 * @param kind
 *   An enum wm_seq_kind value.
 * @return
 *   A static string; "unknown" when out of range.
 */
const char *wm_seq_kind_name(enum wm_seq_kind kind);

/**
 * Kind from its name, for configuration files.
 *
 * @param name
 *   "macsec", "esp", "rtp" or "tester".
 * @return
 *   The enum wm_seq_kind value, or -EINVAL for any other string or NULL.
 */
int wm_seq_kind_from_name(const char *name);

/**
 * Name of a counter as used in flow records ("seqLostCount").
 *
 * @param id
 *   An enum wm_seq_counter_id value.
 * @return
 *   A static string; "unknown" when out of range.
 */
const char *wm_seq_counter_name(enum wm_seq_counter_id id);

/**
 * Value of one counter, for code that walks the list by index.
 *
 * @param c
 *   Counters read with wm_seq_stream_counters().
 * @param id
 *   An enum wm_seq_counter_id value.
 * @return
 *   The value; 0 when id is out of range.
 */
uint64_t wm_seq_counter_get(const struct wm_seq_counters *c, enum wm_seq_counter_id id);

/**
 * Name of a classification, for logs and events ("tooOld").
 *
 * @param cls
 *   An enum wm_seq_class value.
 * @return
 *   A static string; "unknown" when out of range.
 */
const char *wm_seq_class_name(enum wm_seq_class cls);

/**
 * Whether wm_seq_stream_update() fills an event for a classification.
 *
 * @param cls
 *   An enum wm_seq_class value.
 * @return
 *   true for GAP, LATE, DUP, TOO_OLD, JUMP, PROTO_VIOLATION and RESTART.
 */
static inline bool
wm_seq_class_is_event(enum wm_seq_class cls)
{
	return cls == WM_SEQ_GAP || cls == WM_SEQ_LATE || cls == WM_SEQ_DUP ||
	       cls == WM_SEQ_TOO_OLD || cls == WM_SEQ_JUMP || cls == WM_SEQ_PROTO_VIOLATION ||
	       cls == WM_SEQ_RESTART;
}

/* ---- the tracker ---- */

/** A per-worker pool of stream slots (opaque). */
struct wm_seq_pool;

/** Pool occupancy, for telemetry. */
struct wm_seq_pool_stats {
	uint32_t capacity;   /**< slots in the pool */
	uint32_t in_use;     /**< slots holding a stream */
	uint64_t alloc_fail; /**< wm_seq_stream_alloc() calls refused with -ENOSPC */
};

/**
 * Bytes a pool of this capacity takes, for a memory estimate before
 * creating it. Every slot's bitmap is sized for the largest W among the
 * profiles: pow2(ceil(W / 64) + 1) blocks of 64 bits.
 *
 * @param capacity
 *   Number of slots.
 * @param profiles
 *   The profiles the pool will use.
 * @return
 *   Size in bytes, or 0 when the profiles are invalid or the size
 *   overflows.
 */
size_t wm_seq_pool_memsize(uint32_t capacity, const struct wm_seq_profiles *profiles);

/**
 * Create a pool. All memory is allocated here; nothing later allocates.
 *
 * @param capacity
 *   Number of slots, 1..INT32_MAX.
 * @param profiles
 *   Parameters of each kind; copied.
 * @return
 *   The pool, or NULL with errno set: EINVAL for a bad capacity or
 *   profile, ENOMEM when allocation fails.
 */
struct wm_seq_pool *wm_seq_pool_create(uint32_t capacity, const struct wm_seq_profiles *profiles);

/**
 * Free a pool and every stream in it.
 *
 * @param pool
 *   The pool; NULL is allowed and does nothing.
 */
void wm_seq_pool_free(struct wm_seq_pool *pool);

/**
 * Pool occupancy.
 *
 * @param pool
 *   The pool.
 * @param out
 *   Filled with the pool's statistics.
 */
void wm_seq_pool_stats(const struct wm_seq_pool *pool, struct wm_seq_pool_stats *out);

/**
 * Allocate a stream. O(1).
 *
 * @param pool
 *   The pool.
 * @param kind
 *   Kind of the stream; selects the profile (W, J, K) and the width.
 * @param ext64
 *   ESN for ESP, XPN for MACsec (the profile's ext64 is the usual
 *   value); ignored for RTP and tester streams.
 * @param epoch
 *   The stream's epoch value (MACsec AN, ESP SPI, RTP SSRC, TRex
 *   flow_seq: wm_seq_id.epoch); a different value in a later
 *   wm_seq_stream_update() restarts the stream at once.
 * @return
 *   The stream handle (>= 0), -ENOSPC when the pool is full (counted in
 *   alloc_fail), or -EINVAL for a bad kind.
 */
int wm_seq_stream_alloc(struct wm_seq_pool *pool, enum wm_seq_kind kind, bool ext64,
			uint64_t epoch);

/** Most streams one set holds (wm_seq_set_join()): the walk of a set is bounded by it. */
#define WM_SEQ_SET_MAX 8

/**
 * Make a stream a member of a set: the streams of one direction of one
 * flow, each a (kind, identity) of its own, so that several SSRCs or
 * hw_ids on one 5-tuple are separate streams, not restarts of each
 * other. The set is a list through its members, first member first; its
 * first member is its handle. O(WM_SEQ_SET_MAX).
 *
 * @param pool
 *   The pool.
 * @param head
 *   The set's first member; idx itself to begin a new set.
 * @param idx
 *   A stream from wm_seq_stream_alloc() in no set yet.
 * @param ident
 *   Its identity in the set (wm_seq_id_ident()).
 * @return
 *   0; -ENOSPC when the set holds WM_SEQ_SET_MAX streams already; -EEXIST
 *   when a member has that kind and identity; -EINVAL when head or idx
 *   names no live stream or idx is in a set.
 */
int wm_seq_set_join(struct wm_seq_pool *pool, uint32_t head, uint32_t idx, uint32_t ident);

/**
 * The member of a set with a kind and identity. O(WM_SEQ_SET_MAX).
 *
 * @param pool
 *   The pool.
 * @param head
 *   The set's first member.
 * @param kind
 *   The kind looked for.
 * @param ident
 *   The identity looked for (wm_seq_id_ident()).
 * @return
 *   The member's handle, or -ENOENT when no member matches (or head names
 *   no live stream).
 */
int wm_seq_set_find(const struct wm_seq_pool *pool, uint32_t head, enum wm_seq_kind kind,
		    uint32_t ident);

/**
 * wm_seq_set_find() and wm_seq_stream_update() of the member found, in
 * one call: the data path's per-packet step for a direction whose set
 * exists. The same classification and counts as the two calls.
 *
 * @param pool
 *   The pool.
 * @param head
 *   The set's first member.
 * @param kind
 *   The kind looked for.
 * @param ident
 *   The identity looked for (wm_seq_id_ident()).
 * @param raw
 *   The number on the wire, as for wm_seq_stream_update().
 * @param epoch
 *   The epoch value, as for wm_seq_stream_update().
 * @param ev
 *   Filled as by wm_seq_stream_update(); may be NULL.
 * @param cls
 *   The member's classification of the packet, when one was found.
 * @return
 *   The member's handle, or -ENOENT when no member matches (nothing is
 *   updated).
 */
int wm_seq_set_update(struct wm_seq_pool *pool, uint32_t head, enum wm_seq_kind kind,
		      uint32_t ident, uint64_t raw, uint64_t epoch, struct wm_seq_event *ev,
		      enum wm_seq_class *cls);

/**
 * The member after idx in its set, for a walk from the first member.
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A member of a set.
 * @return
 *   The next member's handle, or -ENOENT after the last (or when idx
 *   names no live stream). Read it before releasing idx.
 */
int wm_seq_set_next(const struct wm_seq_pool *pool, uint32_t idx);

/**
 * Ask the CPU for the cache lines that wm_seq_stream_update() of the
 * common packet (the next number) will touch: the stream's first line and
 * its bitmap's (up to two lines of it, the whole bitmap of a window up to
 * 960). A hint only: nothing is read or written, and a handle that names
 * no live stream is harmless. For a caller that learns its streams a
 * while before it updates them (a burst).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @param kind
 *   The stream's kind (it sizes the bitmap).
 */
void wm_seq_stream_prefetch(const struct wm_seq_pool *pool, uint32_t idx, enum wm_seq_kind kind);

/**
 * Return a stream's slot to the pool. The caller reads the counters
 * (and finalizes) first if it wants them. O(1).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @return
 *   0, or -EINVAL when idx names no live stream.
 */
int wm_seq_stream_release(struct wm_seq_pool *pool, uint32_t idx);

/**
 * Account one packet. The data-path call: no allocation, no logging,
 * O(1) except when the window moves by d positions, which costs
 * O(min(d, W) / 64) block operations.
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @param raw
 *   The number as on the wire: 16 bits for RTP, 32 bits otherwise
 *   (higher bits are ignored; for XPN, the low 32 bits of the PN).
 * @param epoch
 *   The packet's epoch value (see wm_seq_stream_alloc()); a change
 *   restarts the stream with this packet.
 * @param ev
 *   Filled when the result is an event class (wm_seq_class_is_event());
 *   may be NULL.
 * @return
 *   The classification; WM_SEQ_INVALID when idx names no live stream.
 */
enum wm_seq_class wm_seq_stream_update(struct wm_seq_pool *pool, uint32_t idx, uint64_t raw,
				       uint64_t epoch, struct wm_seq_event *ev);

/**
 * Finalize the open window: its holes become lost and nothing below the
 * current highest number may still arrive late (such a packet counts as
 * a duplicate if it was received, too old otherwise). Call at flow
 * export (idle, active, end, shutdown); the stream goes on afterwards.
 * O(W/64).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @return
 *   0, or -EINVAL when idx names no live stream.
 */
int wm_seq_stream_finalize(struct wm_seq_pool *pool, uint32_t idx);

/**
 * Read a stream's counters; pending, first and last are computed here.
 * O(W/64).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @param out
 *   Filled with the counters (all zero before the first packet).
 * @return
 *   0, or -EINVAL when idx names no live stream.
 */
int wm_seq_stream_counters(const struct wm_seq_pool *pool, uint32_t idx,
			   struct wm_seq_counters *out);

/**
 * The current epoch's accounting. For every epoch,
 * last - first + 1 == unique + lost + pending; tests assert it.
 */
struct wm_seq_epoch_state {
	bool open;	  /**< the epoch has a first packet */
	uint64_t epoch;	  /**< the caller's epoch value */
	uint64_t first;	  /**< base: the epoch's first extended number */
	uint64_t last;	  /**< T: the highest extended number */
	uint64_t unique;  /**< distinct numbers accepted in this epoch */
	uint64_t lost;	  /**< numbers of this epoch final and never received */
	uint64_t pending; /**< holes of this epoch still in the window, from the bitmap */
};

/**
 * Read the current epoch's accounting. pending is counted from the
 * bitmap, independently of unique and lost, so the invariant checks the
 * tracker. O(W/64).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @param out
 *   Filled with the epoch's accounting.
 * @return
 *   0, or -EINVAL when idx names no live stream.
 */
int wm_seq_stream_epoch(const struct wm_seq_pool *pool, uint32_t idx,
			struct wm_seq_epoch_state *out);

/**
 * Holes still inside the window (the pending gauge), counted from the
 * bitmap. O(W/64).
 *
 * @param pool
 *   The pool.
 * @param idx
 *   A handle from wm_seq_stream_alloc().
 * @return
 *   The number of pending positions, or -EINVAL when idx names no live
 *   stream.
 */
int64_t wm_seq_stream_pending(const struct wm_seq_pool *pool, uint32_t idx);

/* ---- detection ---- */

/** Largest number of port ranges in a detection list. */
#define WM_SEQ_DETECT_PORT_RANGES_MAX 8

/** TRex flow-stats trailer: the last bytes of the UDP payload. */
#define WM_SEQ_TESTER_TRAILER_LEN 16
/** TRex FLOW_STAT_PAYLOAD_MAGIC. */
#define WM_SEQ_TESTER_MAGIC 0xAB
/** Fixed RTP header length (RFC 3550 5.1). */
#define WM_SEQ_RTP_HDR_LEN 12

/** An inclusive range of UDP ports. */
struct wm_seq_port_range {
	uint16_t first; /**< lowest port of the range */
	uint16_t last;	/**< highest port of the range (>= first) */
};

/**
 * Detection configuration. A UDP packet is matched against, in order:
 * ESP NAT-T (the parser's verdict), the RTP ports, the TRex trailer, the
 * RTP heuristic.
 */
struct wm_seq_detect_conf {
	/** Ports where any valid RTP v2 header is RTP (source or destination). */
	struct wm_seq_port_range rtp_ports[WM_SEQ_DETECT_PORT_RANGES_MAX];
	uint8_t n_rtp_ports; /**< ranges used in rtp_ports; default 1: 5004-5005 */
	bool rtp_heuristic;  /**< look for RTP on other UDP ports too; default off */
	/** Sequential packets of one SSRC needed before the heuristic says RTP; default 4. */
	uint8_t rtp_heuristic_k;
	/** Ports where a trailer with the magic is taken at once; default none. */
	struct wm_seq_port_range tester_ports[WM_SEQ_DETECT_PORT_RANGES_MAX];
	uint8_t n_tester_ports; /**< ranges used in tester_ports */
	bool tester_any_udp;	/**< look for trailers on every UDP port; default on */
	/** Consecutive packets (same hw_id, seq + 1) needed on other ports; default 2. */
	uint8_t tester_validate_k;
	/** Entries of the validation table, a power of two; default 4096. */
	uint32_t validate_entries;
};

/** Result of wm_seq_detect_pkt(). */
enum wm_seq_detect_result {
	WM_SEQ_DETECT_NONE = 0,	     /**< no sequence number */
	WM_SEQ_DETECT_YES = 1,	     /**< a sequence number: the id is filled */
	WM_SEQ_DETECT_CANDIDATE = 2, /**< looks like one, not yet validated: id filled */
};

/**
 * What detection found in a packet. Only the fields of the packet's kind
 * are set; the others are zero.
 *
 * Stream identity (SEQUENCE.md): MACsec (macsec_sci, macsec_an); ESP
 * (esp_spi, the packet's destination address in wm_pkt_meta.dst); RTP
 * (rtp_ssrc, the packet's 5-tuple); tester (tester_hw_id, with
 * tester_flow_seq as epoch).
 */
struct wm_seq_id {
	uint8_t kind;		 /**< enum wm_seq_kind */
	uint8_t macsec_an;	 /**< MACsec association number */
	uint8_t tester_flow_seq; /**< TRex flow_seq */
	uint16_t tester_hw_id;	 /**< TRex hw_id (testerStreamId) */
	uint32_t raw;		 /**< the number on the wire (RTP: 16 bits) */
	uint32_t esp_spi;	 /**< ESP SPI */
	uint32_t rtp_ssrc;	 /**< RTP SSRC */
	uint64_t macsec_sci;	 /**< MACsec SCI, explicit or implicit */
	/**
	 * On the YES that completes a heuristic validation: how many packets
	 * of the stream came before it as candidates, in order, with the
	 * numbers just below raw. A caller that starts the stream now feeds
	 * them first, so the stream is counted from its first packet.
	 */
	uint8_t backlog;
	/**
	 * Epoch value for wm_seq_stream_update(): AN (MACsec), SPI (ESP: a
	 * new SA restarts), SSRC (RTP), flow_seq (tester). A caller that
	 * keys its streams by that value never sees it change.
	 */
	uint64_t epoch;
};

/**
 * What tells streams of one kind apart in one set (one direction of one
 * flow): the RTP SSRC, the TRex hw_id. 0 for ESP and MACsec, whose new
 * SPI or AN on the same flow is a new epoch of the one stream.
 *
 * @param id
 *   A detection result (WM_SEQ_DETECT_YES or CANDIDATE).
 * @return
 *   The identity within the set.
 */
static inline uint32_t
wm_seq_id_ident(const struct wm_seq_id *id)
{
	if (id->kind == WM_SEQ_KIND_RTP)
		return id->rtp_ssrc;
	if (id->kind == WM_SEQ_KIND_TESTER)
		return id->tester_hw_id;
	return 0;
}

/**
 * A stream's identity and counters at one moment: what an exported flow
 * record carries for each stream it holds (JSON lines, IPFIX, reports).
 */
struct wm_seq_snapshot {
	uint8_t kind;	     /**< enum wm_seq_kind */
	uint8_t dir;	     /**< 0: the flow's forward direction, 1: its reverse */
	uint8_t macsec_an;   /**< MACsec AN */
	uint8_t final;	     /**< the stream ended with this record */
	uint16_t tester_id;  /**< TRex hw_id (testerStreamId) */
	uint32_t esp_spi;    /**< ESP SPI */
	uint32_t rtp_ssrc;   /**< RTP SSRC */
	uint64_t macsec_sci; /**< MACsec SCI */
	struct wm_seq_counters c;
};

/** A UDP datagram's payload as detection sees it (wm_seq_udp_payload()). */
struct wm_seq_udp_payload {
	const uint8_t *pl; /**< its first byte */
	uint32_t plen;	   /**< its length as the UDP header declares it */
	uint32_t avail;	   /**< bytes of it captured, at most plen */
};

/**
 * The payload of a parsed UDP packet, for detection.
 *
 * @param m
 *   A packet wm_pkt_parse() accepted, protocol UDP.
 * @param len
 *   Bytes available at m->eth, at most UINT16_MAX (as wm_seq_detect_pkt() clamps it).
 * @param u
 *   Filled when the packet has a UDP header (not a later fragment).
 * @return
 *   false when there is no payload to look at.
 */
static inline bool
wm_seq_udp_payload(const struct wm_pkt_meta *m, uint32_t len, struct wm_seq_udp_payload *u)
{
	const uint32_t l4 = m->l4_off;
	const uint8_t *udp;
	uint32_t ulen;

	if (l4 == 0 || (m->flags & WM_PKT_F_FRAG_NONFIRST) || (uint64_t)l4 + 8 > len)
		return false;
	udp = m->eth + l4;
	ulen = ((uint32_t)udp[4] << 8) | udp[5];
	if (ulen < 8)
		return false;
	u->pl = udp + 8;
	u->plen = ulen - 8;
	u->avail = len - (l4 + 8);
	if (u->avail > u->plen)
		u->avail = u->plen;
	return true;
}

/**
 * Whether a UDP payload has what every sequence-bearing one has: RTP's
 * version 2 in a whole fixed header, or TRex's magic where a whole,
 * captured trailer starts (on any port: the detector's ports are not
 * looked at).
 *
 * @param m
 *   The packet.
 * @param u
 *   Its payload (wm_seq_udp_payload()).
 * @return
 *   false when wm_seq_detect_pkt() can only say NONE for it.
 */
static inline bool
wm_seq_udp_payload_maybe(const struct wm_pkt_meta *m, const struct wm_seq_udp_payload *u)
{
	return (u->avail >= WM_SEQ_RTP_HDR_LEN && (u->pl[0] >> 6) == 2) ||
	       (!(m->flags & WM_PKT_F_FRAG) && u->plen >= WM_SEQ_TESTER_TRAILER_LEN &&
		u->avail == u->plen &&
		u->pl[u->plen - WM_SEQ_TESTER_TRAILER_LEN] == WM_SEQ_TESTER_MAGIC);
}

/** A per-worker detector (opaque): configuration and validation table. */
struct wm_seq_detect;

/**
 * Fill a detection configuration with its defaults: RTP on 5004-5005,
 * RTP heuristic off (K 4), TRex trailers on any UDP port validated by 2
 * consecutive packets, 4096 validation entries.
 *
 * @param conf
 *   Configuration to fill.
 */
void wm_seq_detect_conf_default(struct wm_seq_detect_conf *conf);

/**
 * Create a detector. Allocates its validation table.
 *
 * @param conf
 *   Configuration; copied. Ranges must have first <= last, counts must
 *   fit their arrays, K values must be 1..255 and validate_entries a
 *   power of two from 1 to 2^24.
 * @return
 *   The detector, or NULL with errno set: EINVAL for a bad
 *   configuration, ENOMEM when allocation fails.
 */
struct wm_seq_detect *wm_seq_detect_create(const struct wm_seq_detect_conf *conf);

/**
 * Free a detector.
 *
 * @param det
 *   The detector; NULL is allowed and does nothing.
 */
void wm_seq_detect_free(struct wm_seq_detect *det);

/**
 * Say whether a parsed packet carries a sequence number. Call only for
 * frames wm_pkt_parse() accepted (WM_PKT_OK); every byte read is checked
 * against @p len all the same, so a frame cut by a snap length is safe.
 *
 * Heuristic matches (RTP on ports outside rtp_ports, TRex trailers on
 * ports outside tester_ports) return WM_SEQ_DETECT_CANDIDATE until the
 * validation table has seen K consecutive numbers of the same stream in
 * the same 5-tuple; then WM_SEQ_DETECT_YES, for every later number of
 * that stream too, in order or not. A caller whose flow already
 * tracks that stream treats CANDIDATE as YES; otherwise it should not
 * allocate a stream for it. The YES that completes a validation gives the
 * number of candidates before it in id->backlog (see struct wm_seq_id). A
 * stream whose entry another took (collision) validates again. A payload
 * that passes both heuristics is a tester packet when its trailer's stream
 * is validated, else RTP when that stream is (or no trailer is there),
 * else a tester candidate.
 *
 * @param det
 *   The detector (its table is updated).
 * @param m
 *   The parsed packet; m->eth points at the frame.
 * @param len
 *   Bytes available at m->eth (as given to wm_pkt_parse()).
 * @param id
 *   Filled for YES and CANDIDATE; zeroed otherwise.
 * @return
 *   An enum wm_seq_detect_result.
 */
enum wm_seq_detect_result wm_seq_detect_pkt(struct wm_seq_detect *det, const struct wm_pkt_meta *m,
					    uint32_t len, struct wm_seq_id *id);

/**
 * wm_seq_detect_pkt() of a UDP packet over IP (not ESP NAT-T) whose
 * payload the caller took already: the same result and id. A caller that
 * calls it only when wm_seq_udp_payload_maybe() is true skips, with no
 * call, the UDP packets whose result can only be NONE.
 *
 * @param det
 *   The detector (its table is updated).
 * @param m
 *   The parsed packet: IPv4 or IPv6, protocol UDP, WM_PKT_F_ESP clear.
 * @param u
 *   Its payload, from wm_seq_udp_payload().
 * @param id
 *   Filled for YES and CANDIDATE; zeroed otherwise.
 * @return
 *   An enum wm_seq_detect_result.
 */
enum wm_seq_detect_result wm_seq_detect_udp(struct wm_seq_detect *det, const struct wm_pkt_meta *m,
					    const struct wm_seq_udp_payload *u,
					    struct wm_seq_id *id);

#ifdef __cplusplus
}
#endif

#endif /* WM_SEQ_H */
