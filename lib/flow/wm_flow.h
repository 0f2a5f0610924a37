/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_FLOW_H
#define WM_FLOW_H

/**
 * @file
 * wiremeter flow table: one per worker lcore, no locks.
 *
 * A table meters bidirectional flows (RFC 5103): both directions of a
 * conversation share one entry, and the sender of the first packet is
 * the forward direction. Lookups are done in bulk with rte_hash; each
 * entry's record is 128 bytes: a hot cache line that packets touch and a
 * cold one written at creation and read at export.
 *
 * Expiry, all on the caller's clock (packet time in a replay):
 * - idle: a flow that saw no packet for idle_ns ends (flowEndReason 1);
 * - active: a flow's counts are exported every active_ns after its
 *   first packet as deltas (reason 2) and the flow goes on;
 * - end of flow: after a TCP RST, or a FIN in both directions, the flow
 *   lingers linger_ns to absorb the last ACKs, then ends (reason 3);
 * - forced end at shutdown (reason 4), through wm_flow_table_flush();
 * - lack of resources (reason 5): when the table is full, the least
 *   recently seen flow is exported to make room, and counted.
 *
 * The rules are applied both when packets arrive (a packet that comes
 * after its flow timed out starts a new flow, exactly) and by
 * wm_flow_table_expire(), which the worker calls from its loop with a
 * work budget, so quiet flows are noticed without a full-table walk.
 *
 * Thread safety: none. A table has one owner lcore, which is the only
 * caller of every function except wm_flow_table_stats(), whose counters
 * other threads may read with relaxed atomic loads.
 */

#include <stdbool.h>
#include <stdint.h>

#include "wm_pkt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** flowEndReason values (IANA IPFIX IE 136): enum suffix, value, IPFIX name. */
#define WM_FOREACH_FLOW_END_REASON(X) \
	X(IDLE, 1, "idleTimeout")     \
	X(ACTIVE, 2, "activeTimeout") \
	X(EOF, 3, "endOfFlow")        \
	X(FORCED, 4, "forcedEnd")     \
	X(RESOURCES, 5, "lackOfResources")

enum wm_flow_end_reason {
#define WM_X(n, v, k) WM_FLOW_END_##n = v,
	WM_FOREACH_FLOW_END_REASON(WM_X)
#undef WM_X
};

/** Size of an array indexed by flowEndReason (index 0 unused). */
#define WM_FLOW_END_REASONS 6

/** The IPFIX name of a flowEndReason, "" for none. */
static inline const char *
wm_flow_end_reason_name(unsigned int reason)
{
	switch (reason) {
#define WM_X(n, v, k) \
	case v:       \
		return k;
		WM_FOREACH_FLOW_END_REASON(WM_X)
#undef WM_X
	default:
		return "";
	}
}

/** Flow kinds in exported records (same values as enum wm_pkt_kind). */
#define WM_FLOW_KIND_L2 WM_PKT_KIND_L2
#define WM_FLOW_KIND_IPV4 WM_PKT_KIND_IPV4
#define WM_FLOW_KIND_IPV6 WM_PKT_KIND_IPV6
#define WM_FLOW_KIND_MACSEC WM_PKT_KIND_MACSEC

/** Flags of an exported record. */
#define WM_FLOW_REC_F_ESP 0x01	/**< ESP flow: spi is meaningful */
#define WM_FLOW_REC_F_FRAG 0x02 /**< flow of non-first fragments (ports 0) */

/**
 * One exported flow record, oriented: src is the initiator. This is
 * what crosses the ring from a worker to the management lcore, so it
 * carries everything every output needs and nothing else.
 */
struct wm_flow_export {
	uint8_t src[16];	 /**< sourceIPv4/IPv6Address; source MAC for L2 */
	uint8_t dst[16];	 /**< destinationIPv4/IPv6Address; destination MAC for L2 */
	uint64_t start_ns;	 /**< flowStartNanoseconds */
	uint64_t end_ns;	 /**< flowEndNanoseconds */
	uint64_t pkts[2];	 /**< packetDeltaCount, reversePacketDeltaCount */
	uint64_t octets[2];	 /**< octetDeltaCount, reverseOctetDeltaCount */
	uint64_t sci;		 /**< macsecSCI (MACsec flows) */
	uint32_t spi;		 /**< ipsecSPI (ESP flows) */
	uint16_t sport;		 /**< sourceTransportPort */
	uint16_t dport;		 /**< destinationTransportPort */
	uint16_t vlan;		 /**< vlanId */
	uint16_t cvlan;		 /**< dot1qCustomerVlanId: innermost of two or more tags, else 0 */
	uint16_t in_port;	 /**< ingressInterface */
	uint16_t ethertype;	 /**< ethernetType (L2 and MACsec flows) */
	uint16_t icmp_type_code; /**< icmpTypeCode of the first packet */
	uint16_t min_len;	 /**< minimumIpTotalLength */
	uint16_t max_len;	 /**< maximumIpTotalLength */
	uint8_t kind;		 /**< WM_FLOW_KIND_* */
	uint8_t proto;		 /**< protocolIdentifier */
	uint8_t tcp_flags[2];	 /**< tcpControlBits, reverseTcpControlBits */
	uint8_t tos;		 /**< ipClassOfService */
	uint8_t end_reason;	 /**< flowEndReason */
	uint8_t an;		 /**< macsecAN */
	uint8_t flags;		 /**< WM_FLOW_REC_F_* */
	uint8_t smac[6];	 /**< sourceMacAddress (L2 and MACsec flows) */
	uint8_t dmac[6];	 /**< destinationMacAddress */
	/**
	 * Sequence streams of the flow, forward and reverse: the handles the
	 * caller's hook stored (0: none). With a reason other than active
	 * timeout the flow is gone and the handles are the caller's to free.
	 */
	uint32_t seq[2];
	/** What carried the flow's first packet (wm_pkt_meta's fields); encap 0: nothing. */
	uint8_t encap;			/**< encapsulation: enum wm_pkt_tunnel */
	uint8_t encap_flags;		/**< WM_PKT_E_*: which of the below are set */
	uint8_t n_mpls;			/**< MPLS label stack entries (first stack) */
	uint32_t segment_id;		/**< layer2SegmentId: VNI or GRE key */
	uint32_t gtp_teid;		/**< gtpTeid */
	uint32_t mpls[WM_PKT_MAX_MPLS]; /**< label stack entries, top first */
	uint8_t outer_src[16];		/**< tunnelSourceAddress */
	uint8_t outer_dst[16];		/**< tunnelDestinationAddress */
};

/**
 * Does a record carry the tunnel fields (encapsulation, layer2SegmentId,
 * MPLS label sections, gtpTeid, tunnel endpoints)? IP flows that are not
 * ESP SAs and were carried in a tunnel; every output uses this one rule.
 */
static inline bool
wm_flow_export_tunnelled(const struct wm_flow_export *e)
{
	return e->encap != 0 && (e->kind == WM_FLOW_KIND_IPV4 || e->kind == WM_FLOW_KIND_IPV6) &&
	       !(e->flags & WM_FLOW_REC_F_ESP);
}

/**
 * Hooks for per-flow state the caller keeps elsewhere (sequence streams).
 * Each flow has two 32-bit handles, one per direction, initiator first,
 * 0 when unused, that only these hooks write.
 */
struct wm_flow_hooks {
	/**
	 * Called for each packet with WM_PKT_F_SEQ set, in packet order, once
	 * the packet is counted in its flow: @p seq are the flow's handles and
	 * @p dir the packet's direction (0 from the initiator).
	 */
	void (*seq_pkt)(void *ctx, uint32_t seq[2], unsigned int dir, const struct wm_pkt_meta *m);
	/**
	 * Called as soon as a record of a flow that holds handles is written
	 * (e->seq), before any later packet of the burst is counted: the
	 * moment the record's figures are taken.
	 */
	void (*seq_export)(void *ctx, struct wm_flow_export *e);
	/**
	 * Called when a flow that holds handles is removed without a record
	 * (nothing to export since its last active-timeout record). @p e is
	 * filled as a record would be (zero counts), for the flow's key.
	 */
	void (*seq_drop)(void *ctx, const struct wm_flow_export *e);
	void *ctx; /**< passed to both */
};

/** Bytes of a flow's hot record; the rest of its state is WM_FLOW_COLD_SIZE and the hash. */
#define WM_FLOW_REC_SIZE 64
/** Bytes of a flow's cold record (key side, written at creation, read at export). */
#define WM_FLOW_COLD_SIZE 32
/**
 * Bytes of a tunnelled flow's encapsulation (outer endpoints, segment id,
 * TEID, labels). Only flows whose first packet came in a tunnel have one,
 * in a side table that grows in chunks as they come (the management lcore
 * allocates them ahead: wm_flow_table_refill()), so wm_flow_table_bytes()
 * counts only the 4-byte index every slot has.
 */
#define WM_FLOW_TUNNEL_SIZE 56

/** Largest capacity wm_flow_table_create() takes. */
#define WM_FLOW_CAPACITY_MAX (1u << 30)

/* Smallest power of two >= x (x >= 1). */
static inline uint64_t
wm_flow_pow2_(uint64_t x)
{
	uint64_t p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

/**
 * Memory a table of @p capacity flows takes, in bytes: its records and
 * DPDK 22.11's rte_hash with the extendable table (a 64-byte key slot
 * per flow, buckets and overflow buckets of 8 entries for the next power
 * of two, its free-slot rings). An estimate for sizing memory before EAL
 * starts, checked against the heap by the unit suite. About 189 bytes a
 * flow when the capacity is a power of two; a tunnelled flow takes
 * WM_FLOW_TUNNEL_SIZE more while it lives.
 *
 * @param capacity
 *   Flows, as given to wm_flow_table_create().
 * @return
 *   Bytes.
 */
static inline uint64_t
wm_flow_table_bytes(uint32_t capacity)
{
	uint64_t slots = capacity < 64 ? 64 : capacity;
	uint64_t buckets = wm_flow_pow2_(slots) / 8;

	return (slots + 1) * 64			/* rte_hash key store: 8 + 48 bytes, 16-aligned */
	       + buckets * 64 * 2		/* main and extendable buckets */
	       + wm_flow_pow2_(slots + 1) * 4	/* free key slots ring */
	       + wm_flow_pow2_(buckets + 1) * 4 /* free overflow buckets ring */
	       + (slots + 3) * (WM_FLOW_REC_SIZE + WM_FLOW_COLD_SIZE) /* records, list heads */
	       + slots * 4 + (slots / 4096 + 1) * 8 /* tunnel side-table index, chunk pointers */
	       + 4096 * WM_FLOW_TUNNEL_SIZE	    /* the spare chunk kept ready for the worker */
	       + 65536;				    /* headers, rings, the table struct */
}

/** Parameters of wm_flow_table_create(). */
struct wm_flow_params {
	const char *name;	    /**< unique name (rte_hash needs one) */
	uint32_t capacity;	    /**< maximum number of flows */
	int socket_id;		    /**< NUMA socket for the memory */
	uint64_t idle_ns;	    /**< idle timeout */
	uint64_t active_ns;	    /**< active timeout */
	uint64_t linger_ns;	    /**< linger after a TCP end of flow */
	struct wm_flow_hooks hooks; /**< all NULL when the caller keeps nothing per flow */
};

/** Counters of one table. Single writer: the owner lcore. */
struct wm_flow_stats {
	uint64_t active;			 /**< flows in the table now */
	uint64_t created;			 /**< flows created */
	uint64_t exported;			 /**< records exported, all reasons */
	uint64_t by_reason[WM_FLOW_END_REASONS]; /**< records exported, by flowEndReason */
	uint64_t evicted;     /**< flows ended early because the table was full */
	uint64_t pkts;	      /**< packets metered */
	uint64_t octets;      /**< octets metered */
	uint64_t not_metered; /**< packets no flow could be made for (stays 0) */
	/** Tunnelled flows whose encapsulation found no memory: their records have no tunnel fields. */
	uint64_t tunnels_unrecorded;
};

struct wm_flow_table;

/**
 * Create a flow table.
 *
 * @param params
 *   Sizes and timeouts.
 * @return
 *   The table, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST).
 */
struct wm_flow_table *wm_flow_table_create(const struct wm_flow_params *params);

/**
 * Free a table and everything in it. Flows still in it are not exported.
 *
 * @param t
 *   The table; NULL is allowed.
 */
void wm_flow_table_free(struct wm_flow_table *t);

/**
 * Keep a chunk of the tunnel side table ready for the table's worker, so the
 * worker never calls the allocator. The management lcore calls this on every
 * poll (one atomic load when a chunk is ready); it is the only caller for a
 * table once its worker runs. A worker that finds no chunk ready meters the
 * flow without its tunnel fields and counts it in tunnels_unrecorded.
 *
 * @param t
 *   The table; NULL is allowed (no table, nothing to do).
 * @return
 *   1 when a chunk was allocated, 0 when none was needed, -ENOMEM when the
 *   heap had none (the next call tries again).
 */
int wm_flow_table_refill(struct wm_flow_table *t);

/**
 * Meter a burst of parsed packets.
 *
 * Each meta must carry ts_ns and port (filled by the caller). A packet
 * can end at most one earlier record: its flow timed out before it came,
 * or it starts a new flow in a full table. Those records go to @p out.
 *
 * @param t
 *   The table.
 * @param metas
 *   Parsed packets (only successfully parsed ones).
 * @param n
 *   Number of packets, at most WM_FLOW_BURST_MAX.
 * @param out
 *   Room for at least @p n records.
 * @return
 *   The number of records written to @p out.
 */
unsigned int wm_flow_table_update_bulk(struct wm_flow_table *t,
				       const struct wm_pkt_meta *const *metas, unsigned int n,
				       struct wm_flow_export *out);

/** Largest burst wm_flow_table_update_bulk() takes. */
#define WM_FLOW_BURST_MAX 64

/**
 * Export what is due at @p now: idle flows, ended flows whose linger has
 * passed, and active flows whose period has ended.
 *
 * Work is bounded: at most @p max records are produced per call. Call
 * again on the next poll to go on.
 *
 * @param t
 *   The table.
 * @param now
 *   Current time in ns (packet time in a replay).
 * @param out
 *   Room for @p max records.
 * @param max
 *   Budget of records for this call.
 * @return
 *   The number of records written to @p out.
 */
unsigned int wm_flow_table_expire(struct wm_flow_table *t, uint64_t now, struct wm_flow_export *out,
				  unsigned int max);

/**
 * Is anything due at @p now? wm_flow_table_expire() may return 0 while
 * work remains (its budget went on flows with nothing left to export):
 * a caller that must finish everything due loops on this.
 *
 * @return
 *   true when at least one flow's timeout has passed at @p now.
 */
bool wm_flow_table_due(const struct wm_flow_table *t, uint64_t now);

/**
 * Walk the whole table once, in slices, and export every flow due at
 * @p now, wherever it stands in the expiry lists. Those lists are kept
 * in the order flows were last touched, which is packet time order when
 * packets come in time order; with several inputs out of step, a due
 * flow can stand behind one that is not. Used at shutdown, before the
 * forced flush, so that no flow due by the clock ends as forced.
 *
 * @param t
 *   The table.
 * @param now
 *   Current time in ns.
 * @param out
 *   Room for @p max records.
 * @param max
 *   Budget of records for this call.
 * @param cursor
 *   Where to go on from: 0 to start; set to UINT32_MAX once the walk
 *   is over.
 * @return
 *   The number of records written to @p out.
 */
unsigned int wm_flow_table_sweep(struct wm_flow_table *t, uint64_t now, struct wm_flow_export *out,
				 unsigned int max, uint32_t *cursor);

/**
 * Export and remove up to @p max flows with the given reason, least
 * recently seen first. Used at shutdown (WM_FLOW_END_FORCED). A TCP flow
 * that RST or FIN both ways already ended, and that still lingers, is
 * exported with WM_FLOW_END_EOF instead.
 *
 * @return
 *   The number of records written; 0 once the table is empty.
 */
unsigned int wm_flow_table_flush(struct wm_flow_table *t, enum wm_flow_end_reason reason,
				 struct wm_flow_export *out, unsigned int max);

/**
 * Counters of the table. The pointer stays valid for the table's life;
 * readers on other threads use relaxed atomic loads.
 */
const struct wm_flow_stats *wm_flow_table_stats(const struct wm_flow_table *t);

/*
 * Looking at a live table (telemetry, console): the owner lcore runs
 * these when a request reaches it, in bounded slices between bursts.
 * A flow is reported as its current record: the counts since its last
 * export (active timeout), oriented like an exported record, with
 * end_reason 0.
 */

/** wm_flow_table_walk() flag: visit only flows that hold a sequence stream handle. */
#define WM_FLOW_WALK_SEQ 0x01

/** Called by wm_flow_table_walk() for each flow, with its current record. */
typedef void (*wm_flow_walk_cb)(const struct wm_flow_export *e, void *arg);

/**
 * Visit the table's flows in slot order, one slice per call. A walk
 * sees each flow that stays in the table from its start to its end
 * exactly once, as it is when its slot is reached; a flow created or
 * removed meanwhile may be seen or not.
 *
 * @param t
 *   The table.
 * @param cursor
 *   Where to go on from: 0 to start; set to UINT32_MAX once the walk
 *   is over.
 * @param budget
 *   Slots to look at in this call, empty ones included: the bound on
 *   the work done.
 * @param flags
 *   0 or WM_FLOW_WALK_SEQ.
 * @param cb
 *   Called for each flow visited.
 * @param arg
 *   Passed to @p cb.
 * @return
 *   The number of flows visited.
 */
unsigned int wm_flow_table_walk(const struct wm_flow_table *t, uint32_t *cursor,
				unsigned int budget, unsigned int flags, wm_flow_walk_cb cb,
				void *arg);

/** What wm_flow_table_top() ranks flows by. */
enum wm_flow_sort {
	WM_FLOW_SORT_OCTETS = 0, /**< octetDeltaCount + reverseOctetDeltaCount */
	WM_FLOW_SORT_PACKETS,	 /**< packetDeltaCount + reversePacketDeltaCount */
};

/** A top-N selection going on across calls of wm_flow_table_top(). */
struct wm_flow_top {
	struct wm_flow_export *out; /**< room for max records, the caller's */
	uint32_t max;		    /**< N */
	uint32_t n;		    /**< records held in out */
	uint32_t cursor;	    /**< next slot to look at; UINT32_MAX once done */
	enum wm_flow_sort sort;	    /**< what "largest" means */
};

/**
 * Start a top-N selection.
 *
 * @param top
 *   The selection's state.
 * @param out
 *   Room for @p max records; the selection's answer.
 * @param max
 *   N, at least 1.
 * @param sort
 *   Rank by octets or by packets.
 */
void wm_flow_top_init(struct wm_flow_top *top, struct wm_flow_export *out, uint32_t max,
		      enum wm_flow_sort sort);

/**
 * Go on with a top-N selection for one slice of the table. While it
 * runs, out[] is a min-heap, so each flow costs a comparison with the
 * smallest held and, when it is larger, O(log N) moves; the last call
 * sorts it.
 *
 * @param t
 *   The table.
 * @param top
 *   The selection, from wm_flow_top_init().
 * @param budget
 *   Slots to look at in this call, empty ones included.
 * @return
 *   true once the whole table was looked at: out[0..n) then holds the
 *   n largest flows (n <= max), largest first.
 */
bool wm_flow_table_top(const struct wm_flow_table *t, struct wm_flow_top *top, unsigned int budget);

/**
 * Find the flow a packet with these header fields belongs to, in
 * either direction. Read from @p m: kind, src, dst, sport, dport,
 * proto, vlan, flags (WM_PKT_F_ESP with spi, WM_PKT_F_FRAG_NONFIRST),
 * macsec_sci and macsec_an, and eth (12 bytes: destination and source
 * MAC) for L2 flows; eth may be NULL for the others.
 *
 * @param t
 *   The table.
 * @param m
 *   The header fields.
 * @param out
 *   Filled with the flow's current record when found.
 * @return
 *   0, or -ENOENT when the table holds no such flow.
 */
int wm_flow_table_lookup(const struct wm_flow_table *t, const struct wm_pkt_meta *m,
			 struct wm_flow_export *out);

/**
 * Change the idle and active timeouts of a running table. The expiry
 * lists stay ordered (they are ordered by last packet and by period
 * start, not by deadline), so the new values apply to every flow from
 * the next packet or expiry slice on.
 *
 * @param t
 *   The table.
 * @param idle_ns
 *   New idle timeout, > 0.
 * @param active_ns
 *   New active timeout, > 0.
 * @return
 *   0, or -EINVAL for a zero timeout.
 */
int wm_flow_table_set_timeouts(struct wm_flow_table *t, uint64_t idle_ns, uint64_t active_ns);

/**
 * The table's idle and active timeouts.
 *
 * @param t
 *   The table.
 * @param idle_ns
 *   Set to the idle timeout.
 * @param active_ns
 *   Set to the active timeout.
 */
void wm_flow_table_timeouts(const struct wm_flow_table *t, uint64_t *idle_ns, uint64_t *active_ns);

/**
 * Export and remove flows in slot order, one slice per call, while
 * the table goes on metering: a flush of a live table. Every flow in
 * the table when the flush starts and not ended meanwhile is removed
 * by the time *cursor is UINT32_MAX; flows created meanwhile may be
 * removed or not. A TCP flow that RST or FIN both ways ends with
 * WM_FLOW_END_EOF, the others with @p reason.
 *
 * @param t
 *   The table.
 * @param reason
 *   flowEndReason of the records (WM_FLOW_END_FORCED).
 * @param out
 *   Room for @p max records.
 * @param max
 *   Budget of records for this call.
 * @param budget
 *   Slots to look at in this call, empty ones included.
 * @param cursor
 *   0 to start; UINT32_MAX once every slot was looked at.
 * @param removed
 *   Incremented by the number of flows removed (a flow with nothing to
 *   export since its last active-timeout record leaves no record).
 * @return
 *   The number of records written to @p out.
 */
unsigned int wm_flow_table_flush_slice(struct wm_flow_table *t, enum wm_flow_end_reason reason,
				       struct wm_flow_export *out, unsigned int max,
				       unsigned int budget, uint32_t *cursor, uint64_t *removed);

#ifdef __cplusplus
}
#endif

#endif /* WM_FLOW_H */
