/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * In-kernel flow metering (--engine xdp): every packet is parsed
 * (wm_xdp_parse.h), counted in its biflow's per-CPU record and passed
 * on untouched (XDP_PASS). The loader (wm_xdp.c) reads, merges and
 * exports the records; this program only ever adds. A packet of a new
 * flow that finds the map full is counted as a failed insert and not
 * metered: failedInserts + metered + unparsed == packets.
 */

#include "wm_xdp_parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536); /* the loader sets --xdp-flows */
	__type(key, struct wm_xdp_key);
	__type(value, struct wm_xdp_val);
} wm_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 131072); /* the loader sets twice --xdp-flows */
	__type(key, struct wm_xdp_key);
	__type(value, struct wm_xdp_state);
} wm_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WM_XDP_C_MAX);
	__type(key, wm_u32);
	__type(value, wm_u64);
} wm_counters SEC(".maps");

static __always_inline void
count(wm_u32 c)
{
	wm_count(&wm_counters, c);
}

/*
 * Is (x, xp) above (y, yp)? Decides which end is side a: any total order
 * does, the loader never recomputes it (the state says who initiated).
 */
static __always_inline int
end_above(const wm_u32 *x, wm_u16 xp, const wm_u32 *y, wm_u16 yp)
{
	if (x[0] != y[0])
		return x[0] > y[0];
	if (x[1] != y[1])
		return x[1] > y[1];
	if (x[2] != y[2])
		return x[2] > y[2];
	if (x[3] != y[3])
		return x[3] > y[3];
	return xp > yp;
}

/* Order the key's ends; returns the packet's direction (1: it comes from side b). */
static __always_inline int
key_order(struct wm_xdp_key *k, const struct wm_xdp_pkt *p)
{
	int dir = end_above(p->src, p->sport, p->dst, p->dport);

	if (dir) {
		wm_copy(k->a, p->dst, 16);
		wm_copy(k->b, p->src, 16);
		k->pa = p->dport;
		k->pb = p->sport;
	} else {
		wm_copy(k->a, p->src, 16);
		wm_copy(k->b, p->dst, 16);
		k->pa = p->sport;
		k->pb = p->dport;
	}
	return dir;
}

static __always_inline void
val_first(struct wm_xdp_val *v, const struct wm_xdp_pkt *p, int dir, wm_u64 now)
{
	v->first_ns = now;
	v->first_dir = (wm_u8)dir;
	v->min_len = (wm_u16)p->len;
	v->icmp_type_code = p->icmp_type_code;
	v->tos = p->tos;
	wm_copy(v->mac_src, p->mac_src, 6);
	wm_copy(v->mac_dst, p->mac_dst, 6);
}

static __always_inline void
val_add(struct wm_xdp_val *v, const struct wm_xdp_pkt *p, int dir, wm_u64 now)
{
	wm_u16 len = p->len > 0xffff ? 0xffff : (wm_u16)p->len;

	if (v->first_ns == 0)
		val_first(v, p, dir, now);
	/* Constant indexes: the verifier refuses arithmetic on a stack pointer. */
	if (dir) {
		v->pkts[1] += 1;
		v->octets[1] += p->len;
		v->tcp_flags[1] |= p->tcp_flags;
	} else {
		v->pkts[0] += 1;
		v->octets[0] += p->len;
		v->tcp_flags[0] |= p->tcp_flags;
	}
	v->last_ns = now;
	if (len < v->min_len)
		v->min_len = len;
	if (len > v->max_len)
		v->max_len = len;
}

/* Count the packet in its flow, creating the flow (and its state) when new. */
static __always_inline void
meter(struct wm_xdp_key *k, const struct wm_xdp_pkt *p, int dir)
{
	wm_u64 now = bpf_ktime_get_ns();
	struct wm_xdp_val *v = bpf_map_lookup_elem(&wm_flows, k);
	struct wm_xdp_val nv = {};

	if (v != NULL) {
		val_add(v, p, dir, now);
		count(WM_XDP_C_METERED);
		return;
	}
	val_add(&nv, p, dir, now);
	/* Another CPU may have created it meanwhile: then add to ours. */
	if (bpf_map_update_elem(&wm_flows, k, &nv, BPF_NOEXIST) != 0) {
		v = bpf_map_lookup_elem(&wm_flows, k);
		if (v == NULL) {
			count(WM_XDP_C_FAILED_INSERTS);
			return;
		}
		val_add(v, p, dir, now);
	}
	count(WM_XDP_C_METERED);
	{
		struct wm_xdp_state st = {.first_ns = now, .init_dir = (wm_u8)dir};

		/* The first writer is the initiator; a later one finds it there. */
		bpf_map_update_elem(&wm_state, k, &st, BPF_NOEXIST);
	}
}

SEC("xdp")
int
wm_xdp_meter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct wm_xdp_key k = {};
	struct wm_xdp_pkt p = {};
	int dir;

	count(WM_XDP_C_PACKETS);
	if (wm_parse(data, end, &k, &p) != 0) {
		count(WM_XDP_C_UNPARSED);
		return XDP_PASS;
	}
	dir = key_order(&k, &p);
	meter(&k, &p, dir);
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
