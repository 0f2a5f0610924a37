/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_XDP_MAPS_H
#define WM_XDP_MAPS_H

/*
 * The layout of the XDP programs' maps, shared by the BPF C (compiled by
 * clang -target bpf) and the user-space loader (wm_xdp.c). Every struct
 * is padded by hand: the kernel copies keys and values byte for byte, so
 * an implicit hole would be hashed with whatever it held.
 */

#ifdef __bpf__
#include <linux/types.h>
typedef __u8 wm_u8;
typedef __u16 wm_u16;
typedef __u32 wm_u32;
typedef __u64 wm_u64;
#else
#include <stdint.h>
typedef uint8_t wm_u8;
typedef uint16_t wm_u16;
typedef uint32_t wm_u32;
typedef uint64_t wm_u64;
#endif

/* Kinds, as lib/pkt's enum wm_pkt_kind. */
#define WM_XDP_KIND_L2 0
#define WM_XDP_KIND_IPV4 1
#define WM_XDP_KIND_IPV6 2

/* Key flags, as lib/flow's record flags. */
#define WM_XDP_KEY_F_ESP 0x01  /* ESP: spi is part of the key, ports are 0 */
#define WM_XDP_KEY_F_FRAG 0x02 /* non-first fragments (ports 0) */

/*
 * A biflow's key, the same for both directions: side a is the lower of
 * (address, port) of the two ends, so a packet from a is direction 0.
 * IPv4 addresses take the first 4 bytes; L2 flows hold the MACs (6 bytes)
 * and the EtherType. 52 bytes, no hole.
 */
struct wm_xdp_key {
	wm_u8 a[16];
	wm_u8 b[16];
	wm_u32 spi;
	wm_u16 pa, pb; /* ports, host order */
	wm_u16 vlan;   /* outer VLAN id, 0 untagged */
	wm_u16 cvlan;  /* inner VLAN id of two tags, else 0 */
	wm_u16 ethertype;
	wm_u8 kind; /* WM_XDP_KIND_* */
	wm_u8 proto;
	wm_u8 flags; /* WM_XDP_KEY_F_* */
	wm_u8 pad[3];
};

/*
 * One CPU's share of a biflow since its last export (the per-CPU hash's
 * value). The "first" fields describe the first packet this CPU saw:
 * the loader takes them from the CPU whose first_ns is the smallest.
 * 72 bytes, no hole.
 */
struct wm_xdp_val {
	wm_u64 pkts[2];	  /* by direction: 0 from side a */
	wm_u64 octets[2]; /* IP total length; L2 payload length for L2 flows */
	wm_u64 first_ns;  /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	wm_u64 last_ns;
	wm_u16 min_len, max_len;
	wm_u16 icmp_type_code; /* of the first packet */
	wm_u8 tcp_flags[2];    /* OR of the flags, by direction */
	wm_u8 first_dir;       /* direction of the first packet */
	wm_u8 tos;	       /* of the first packet */
	wm_u8 mac_src[6];      /* of the first packet */
	wm_u8 mac_dst[6];
	wm_u8 pad[2];
};

/*
 * What outlives an export: the initiator and the flow's first packet
 * time, in a shared hash (first writer wins, BPF_NOEXIST), so a flow
 * keeps its orientation across CPUs and across active-timeout exports.
 * Only the loader deletes it, when the flow ends.
 */
struct wm_xdp_state {
	wm_u64 first_ns;
	wm_u64 last_export_ns; /* loader: when it last exported a delta (0: never) */
	wm_u64 last_ns;	       /* loader: the last packet time it exported */
	wm_u8 init_dir;	       /* direction of the flow's first packet */
	wm_u8 pad[7];
};

/* Per-CPU counters (an array map), one slot each. */
#define WM_XDP_FOREACH_COUNTER(X)                                                       \
	X(PACKETS, "packets")		   /* every packet the program saw */           \
	X(METERED, "metered")		   /* counted in a flow */                      \
	X(FAILED_INSERTS, "failedInserts") /* new flow, map full: not metered */        \
	X(UNPARSED, "unparsed")		   /* truncated headers: passed, not metered */ \
	X(MATCHED, "matched")		   /* prefilter: redirected to AF_XDP */        \
	X(PASSED, "passed")		   /* prefilter: left to the kernel */          \
	X(NO_SOCKET, "noSocket")	   /* prefilter: matched, no socket on the queue */

enum wm_xdp_counter {
#define WM_X(n, s) WM_XDP_C_##n,
	WM_XDP_FOREACH_COUNTER(WM_X)
#undef WM_X
		WM_XDP_C_MAX
};

/* Settings the loader writes into the program's config array before attaching. */
struct wm_xdp_cfg {
	wm_u32 n_rules; /* prefilter: rules in use (slots 0..n_rules-1) */
	wm_u32 pad;
};

/* Prefilter rules: most of them, and the fields a rule may constrain (WM_XDP_R_*). */
#define WM_XDP_MAX_RULES 64
#define WM_XDP_R_PROTO 0x01
#define WM_XDP_R_SPORT 0x02
#define WM_XDP_R_DPORT 0x04
#define WM_XDP_R_PORT 0x08 /* either port */
#define WM_XDP_R_SRC 0x10
#define WM_XDP_R_DST 0x20
#define WM_XDP_R_NET 0x40 /* either address */
#define WM_XDP_R_VLAN 0x80
#define WM_XDP_R_ETHERTYPE 0x100

/*
 * One prefilter rule: a packet matches when every field named in 'what'
 * matches; the rule list matches when any rule does. Prefixes are
 * compared under their mask (16 bytes; IPv4 in the first 4). 48 bytes.
 */
struct wm_xdp_rule {
	wm_u32 what; /* WM_XDP_R_* */
	wm_u16 port_lo, port_hi;
	wm_u16 vlan;
	wm_u16 ethertype;
	wm_u8 proto;
	wm_u8 family; /* 4 or 6 when an address is constrained, else 0 */
	wm_u8 pad[2];
	wm_u8 addr[16];
	wm_u8 mask[16];
};

#endif /* WM_XDP_MAPS_H */
