/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/flow: biflow merge, each expiry reason at exact
 * packet times, eviction order and capacity. rte_hash needs EAL, which
 * starts here with --no-huge --no-pci and a private file prefix.
 */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "wm_cunit.h"
#include "wm_flow.h"

#define S 1000000000ull /* one second in ns */
#define T0 (1700000000ull * S)

static const uint8_t frame_ab[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}; /* dst, src */
static const uint8_t frame_ba[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

static struct wm_flow_table *tbl;
static unsigned int tbl_seq;
static struct wm_flow_export out[WM_FLOW_BURST_MAX * 4];

static struct wm_flow_table *
mk_table(uint32_t capacity, uint64_t idle, uint64_t active, uint64_t linger)
{
	char name[32];
	struct wm_flow_params p = {
		.name = name,
		.capacity = capacity,
		.socket_id = 0,
		.idle_ns = idle,
		.active_ns = active,
		.linger_ns = linger,
	};

	snprintf(name, sizeof(name), "test_flow_%u", tbl_seq++);
	return wm_flow_table_create(&p);
}

/* An IPv4 packet from 10.0.0.<s>:<sp> to 10.0.0.<d>:<dp>. */
static struct wm_pkt_meta
mk4(uint8_t s, uint16_t sp, uint8_t d, uint16_t dp, uint8_t proto, uint32_t len, uint64_t ts)
{
	struct wm_pkt_meta m;

	memset(&m, 0, sizeof(m));
	m.kind = WM_PKT_KIND_IPV4;
	m.proto = proto;
	m.src[0] = 10;
	m.src[3] = s;
	m.dst[0] = 10;
	m.dst[3] = d;
	m.sport = sp;
	m.dport = dp;
	m.l3_len = len;
	m.ts_ns = ts;
	m.eth = s < d ? frame_ab : frame_ba;
	return m;
}

static struct wm_pkt_meta
mk_tcp(uint8_t s, uint16_t sp, uint8_t d, uint16_t dp, uint8_t flags, uint64_t ts)
{
	struct wm_pkt_meta m = mk4(s, sp, d, dp, 6, 40, ts);

	m.tcp_flags = flags;
	return m;
}

/* Meter one packet; returns the number of records it ended. */
static unsigned int
feed(struct wm_pkt_meta m)
{
	const struct wm_pkt_meta *p = &m;

	return wm_flow_table_update_bulk(tbl, &p, 1, out);
}

static void
setup_default(void)
{
	tbl = mk_table(1024, 30 * S, 300 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
}

static void
teardown(void)
{
	wm_flow_table_free(tbl);
	tbl = NULL;
}

static void
test_flow_create_rejects_bad_params(void)
{
	struct wm_flow_params p = {.name = "bad", .capacity = 0, .idle_ns = S, .active_ns = S};

	CU_ASSERT_PTR_NULL(wm_flow_table_create(&p));
	p.capacity = 16;
	p.idle_ns = 0;
	CU_ASSERT_PTR_NULL(wm_flow_table_create(&p));
	CU_ASSERT_PTR_NULL(wm_flow_table_create(NULL));
}

static void
test_flow_biflow_merge(void)
{
	setup_default();
	/* The initiator is 10.0.0.9, the "larger" address: orientation follows it. */
	CU_ASSERT_EQUAL(feed(mk_tcp(9, 5000, 1, 80, 0x02, T0)), 0);
	CU_ASSERT_EQUAL(feed(mk_tcp(1, 80, 9, 5000, 0x12, T0 + 1000)), 0);
	CU_ASSERT_EQUAL(feed(mk_tcp(9, 5000, 1, 80, 0x10, T0 + 2000)), 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].src[3], 9);
	CU_ASSERT_EQUAL(out[0].dst[3], 1);
	CU_ASSERT_EQUAL(out[0].sport, 5000);
	CU_ASSERT_EQUAL(out[0].dport, 80);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	CU_ASSERT_EQUAL(out[0].octets[0], 80);
	CU_ASSERT_EQUAL(out[0].octets[1], 40);
	CU_ASSERT_EQUAL(out[0].tcp_flags[0], 0x12);
	CU_ASSERT_EQUAL(out[0].tcp_flags[1], 0x12);
	CU_ASSERT_EQUAL(out[0].start_ns, T0);
	CU_ASSERT_EQUAL(out[0].end_ns, T0 + 2000);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_FORCED);
	CU_ASSERT_EQUAL(out[0].proto, 6);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->pkts, 3);
	teardown();
}

static void
test_flow_min_max_len_and_ports(void)
{
	struct wm_pkt_meta a = mk4(1, 1000, 2, 2000, 17, 100, T0);
	struct wm_pkt_meta b = mk4(2, 2000, 1, 1000, 17, 1500, T0 + 5);

	setup_default();
	a.port = 3;
	a.vlan = 7;
	b.port = 4;
	b.vlan = 7;
	feed(a);
	feed(b);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].min_len, 100);
	CU_ASSERT_EQUAL(out[0].max_len, 1500);
	CU_ASSERT_EQUAL(out[0].in_port, 3); /* the first packet's port */
	CU_ASSERT_EQUAL(out[0].vlan, 7);
	teardown();
}

static void
test_flow_vlan_is_part_of_key(void)
{
	struct wm_pkt_meta a = mk4(1, 1, 2, 2, 17, 50, T0);
	struct wm_pkt_meta b = a;

	setup_default();
	b.vlan = 100;
	feed(a);
	feed(b);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 2);
	teardown();
}

/* The innermost tag of a stack is in the key and the record (dot1qCustomerVlanId). */
static void
test_flow_inner_vlan_is_part_of_key(void)
{
	struct wm_pkt_meta a = mk4(1, 1, 2, 2, 17, 50, T0);
	struct wm_pkt_meta b = a, c = a;

	setup_default();
	a.vlan = b.vlan = c.vlan = 100;
	a.cvlan = 200;
	b.cvlan = 300;
	c.cvlan = 200;
	c.ts_ns = T0 + 1;
	feed(a);
	feed(b);
	feed(c);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 2);
	CU_ASSERT_EQUAL_FATAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].vlan, 100);
	CU_ASSERT_EQUAL(out[1].vlan, 100);
	CU_ASSERT_EQUAL(out[0].cvlan + out[1].cvlan, 500);
	CU_ASSERT_EQUAL(out[0].pkts[0] + out[1].pkts[0], 3);
	CU_ASSERT_EQUAL(out[out[0].cvlan == 200 ? 0 : 1].pkts[0], 2);
	teardown();
}

/*
 * What carried a flow is its first packet's; a slot used again by an
 * untunnelled flow carries nothing of the old one.
 */
static void
test_flow_tunnel_fields_from_first_packet(void)
{
	struct wm_pkt_meta a = mk4(1, 1, 2, 2, 17, 50, T0);
	struct wm_pkt_meta b = a, plain = mk4(3, 3, 4, 4, 17, 60, T0 + 2);

	tbl = mk_table(1, 30 * S, 300 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	a.encap = WM_PKT_TUNNEL_VXLAN;
	a.encap_flags = WM_PKT_E_SEGMENT | WM_PKT_E_OUTER_V4;
	a.segment_id = 5001;
	a.outer_src[0] = 192;
	a.outer_dst[0] = 198;
	a.n_mpls = 1;
	a.mpls[0] = 0x00064140;
	/* The reply came through another VNI: the record keeps the first one's. */
	b = a;
	memcpy(b.src, a.dst, 16);
	memcpy(b.dst, a.src, 16);
	b.sport = a.dport;
	b.dport = a.sport;
	b.segment_id = 5002;
	b.ts_ns = T0 + 1;
	feed(a);
	feed(b);
	/* A one-flow table: the next flow evicts this one into its slot. */
	CU_ASSERT_EQUAL_FATAL(feed(plain), 1);
	CU_ASSERT_EQUAL(out[0].encap, WM_PKT_TUNNEL_VXLAN);
	CU_ASSERT_EQUAL(out[0].encap_flags, WM_PKT_E_SEGMENT | WM_PKT_E_OUTER_V4);
	CU_ASSERT_EQUAL(out[0].segment_id, 5001);
	CU_ASSERT_EQUAL(out[0].outer_src[0], 192);
	CU_ASSERT_EQUAL(out[0].outer_dst[0], 198);
	CU_ASSERT_EQUAL(out[0].n_mpls, 1);
	CU_ASSERT_EQUAL(out[0].mpls[0], 0x00064140);
	CU_ASSERT_EQUAL(out[0].pkts[0] + out[0].pkts[1], 2);
	CU_ASSERT_TRUE(wm_flow_export_tunnelled(&out[0]));
	CU_ASSERT_EQUAL_FATAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].encap, 0);
	CU_ASSERT_EQUAL(out[0].segment_id, 0);
	CU_ASSERT_EQUAL(out[0].outer_src[0], 0);
	CU_ASSERT_FALSE(wm_flow_export_tunnelled(&out[0]));
	teardown();
}

/*
 * Tunnelled flows keep their encapsulation in a side table that grows in
 * chunks: more tunnelled flows than a chunk holds, mixed with plain ones,
 * each keep their own fields, and entries freed by removed flows serve the
 * next ones without more memory.
 */
static struct wm_pkt_meta
mk_tunnelled(uint32_t i, uint64_t ts)
{
	struct wm_pkt_meta m = mk4(1, (uint16_t)(i >> 16), 2, (uint16_t)i, 17, 60, ts);

	if (i % 3 != 0) {
		m.encap = WM_PKT_TUNNEL_GTPU;
		m.encap_flags = WM_PKT_E_TEID | WM_PKT_E_OUTER_V4;
		m.gtp_teid = i;
		memcpy(m.outer_src, &i, sizeof(i));
		m.outer_dst[15] = (uint8_t)i;
	}
	return m;
}

static unsigned int
flush_check_tunnels(void)
{
	unsigned int n, k, flows = 0;

	while ((n = wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, RTE_DIM(out))) > 0) {
		for (k = 0; k < n; k++) {
			uint32_t i = (uint32_t)out[k].sport << 16 | out[k].dport, src;

			memcpy(&src, out[k].outer_src, sizeof(src));
			if (i % 3 == 0) {
				CU_ASSERT_EQUAL(out[k].encap, 0);
				CU_ASSERT_EQUAL(out[k].gtp_teid, 0);
				continue;
			}
			CU_ASSERT_EQUAL(out[k].encap, WM_PKT_TUNNEL_GTPU);
			CU_ASSERT_EQUAL(out[k].gtp_teid, i);
			CU_ASSERT_EQUAL(src, i);
			CU_ASSERT_EQUAL(out[k].outer_dst[15], (uint8_t)i);
		}
		flows += n;
	}
	return flows;
}

static void
test_flow_tunnel_side_table(void)
{
	const uint32_t n = 9000; /* 6000 tunnelled: two chunks and part of a third */
	struct rte_malloc_socket_stats a, b;
	uint32_t i;

	tbl = mk_table(n, 30 * S, 300 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	/* The management lcore's part: a spare chunk kept ready between bursts. */
	for (i = 0; i < n; i++) {
		CU_ASSERT(wm_flow_table_refill(tbl) >= 0);
		CU_ASSERT_EQUAL(feed(mk_tunnelled(i, T0 + i)), 0);
	}
	CU_ASSERT_EQUAL(flush_check_tunnels(), n);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &a), 0);
	/* Another set of flows, in the other order: every entry comes off the free list. */
	for (i = n; i-- > 0;)
		CU_ASSERT_EQUAL(feed(mk_tunnelled(i + n, T0 + S + i)), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &b), 0);
	CU_ASSERT_EQUAL(b.heap_allocsz_bytes, a.heap_allocsz_bytes);
	CU_ASSERT_EQUAL(flush_check_tunnels(), n);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->tunnels_unrecorded, 0);
	teardown();
}

/*
 * The worker never allocates: with no spare chunk ready (no refill after the
 * one at creation), the second chunk's flows are metered without their
 * tunnel fields and counted, and the heap does not move while they come.
 */
static void
test_flow_tunnel_no_spare(void)
{
	const uint32_t n = 9000; /* 6000 tunnelled: more than the chunk ready at creation */
	struct rte_malloc_socket_stats a, b;
	uint32_t i;

	tbl = mk_table(2 * n, 30 * S, 300 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &a), 0);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(feed(mk_tunnelled(i, T0 + i)), 0);
	CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &b), 0);
	CU_ASSERT_EQUAL(b.heap_allocsz_bytes, a.heap_allocsz_bytes);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->tunnels_unrecorded, 6000 - 4096);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, n);
	/* A refill makes room again; it allocates only when no spare is ready. */
	CU_ASSERT_EQUAL(wm_flow_table_refill(tbl), 1);
	CU_ASSERT_EQUAL(wm_flow_table_refill(tbl), 0);
	CU_ASSERT_EQUAL(feed(mk_tunnelled(n + 1, T0 + n)), 0); /* n + 1: a tunnelled one */
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->tunnels_unrecorded, 6000 - 4096);
	teardown();
}

static void
test_flow_idle_expire_exact(void)
{
	setup_default();
	feed(mk4(1, 10, 2, 20, 17, 60, T0));
	feed(mk4(1, 10, 2, 20, 17, 60, T0 + 1 * S));
	/* Due at last + idle exactly, not one ns before. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 31 * S - 1, out, 64), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 31 * S, out, 64), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(out[0].end_ns, T0 + 1 * S);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->by_reason[WM_FLOW_END_IDLE], 1);
	teardown();
}

static void
test_flow_idle_split_on_packet(void)
{
	setup_default();
	CU_ASSERT_EQUAL(feed(mk4(1, 10, 2, 20, 17, 60, T0)), 0);
	/* 30 s - 1 ns later: same flow. */
	CU_ASSERT_EQUAL(feed(mk4(2, 20, 1, 10, 17, 70, T0 + 30 * S - 1)), 0);
	/* Exactly 30 s after the last packet: the old flow ended, a new one starts. */
	CU_ASSERT_EQUAL(feed(mk4(2, 20, 1, 10, 17, 80, T0 + 60 * S - 1)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	CU_ASSERT_EQUAL(out[0].src[3], 1);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	/* The new flow's initiator is the new first sender. */
	CU_ASSERT_EQUAL(out[0].src[3], 2);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].octets[0], 80);
	CU_ASSERT_EQUAL(out[0].start_ns, T0 + 60 * S - 1);
	teardown();
}

static void
test_flow_active_timeout_deltas(void)
{
	unsigned int i, n_rec = 0;
	uint64_t sum = 0;

	tbl = mk_table(64, 30 * S, 3 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	/* One packet every 500 ms for 10 s: periods [0,3) [3,6) [6,9) [9,..). */
	for (i = 0; i < 20; i++) {
		unsigned int n = feed(mk4(1, 1, 2, 2, 17, 100, T0 + i * (S / 2)));

		if (n == 1) {
			CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_ACTIVE);
			CU_ASSERT_EQUAL(out[0].pkts[0], 6);
			CU_ASSERT_EQUAL(out[0].octets[0], 600);
			CU_ASSERT_EQUAL(out[0].start_ns, T0 + n_rec * 3 * S);
			CU_ASSERT_EQUAL(out[0].end_ns, T0 + n_rec * 3 * S + 5 * (S / 2));
			sum += out[0].pkts[0];
			n_rec++;
		}
	}
	CU_ASSERT_EQUAL(n_rec, 3);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(out[0].start_ns, T0 + 9 * S);
	CU_ASSERT_EQUAL(sum + out[0].pkts[0], 20);
	teardown();
}

static void
test_flow_active_expire_from_loop(void)
{
	tbl = mk_table(64, 30 * S, 3 * S, 1 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk4(1, 1, 2, 2, 17, 100, T0));
	feed(mk4(1, 1, 2, 2, 17, 100, T0 + 1 * S));
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 3 * S - 1, out, 64), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 3 * S, out, 64), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_ACTIVE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	/* The flow goes on; a period with no packet exports nothing. */
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 6 * S, out, 64), 0);
	feed(mk4(2, 2, 1, 1, 17, 50, T0 + 7 * S));
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 0);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	CU_ASSERT_EQUAL(out[0].start_ns, T0 + 7 * S);
	teardown();
}

static void
test_flow_tcp_fin_both_ways_lingers(void)
{
	setup_default();
	feed(mk_tcp(1, 4000, 2, 80, 0x02, T0));
	feed(mk_tcp(2, 80, 1, 4000, 0x12, T0 + 1));
	feed(mk_tcp(1, 4000, 2, 80, 0x11, T0 + 2)); /* FIN from the client */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 10 * S, out, 64), 0);
	feed(mk_tcp(2, 80, 1, 4000, 0x11, T0 + 10 * S));       /* FIN back: closed */
	feed(mk_tcp(1, 4000, 2, 80, 0x10, T0 + 10 * S + 100)); /* the last ACK */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 11 * S + 99, out, 64), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 11 * S + 100, out, 64), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_EOF);
	CU_ASSERT_EQUAL(out[0].pkts[0], 3);
	CU_ASSERT_EQUAL(out[0].pkts[1], 2);
	CU_ASSERT_EQUAL(out[0].tcp_flags[0], 0x13);
	CU_ASSERT_EQUAL(out[0].tcp_flags[1], 0x13);
	teardown();
}

static void
test_flow_tcp_rst_then_reuse(void)
{
	setup_default();
	feed(mk_tcp(1, 4000, 2, 80, 0x02, T0));
	feed(mk_tcp(2, 80, 1, 4000, 0x14, T0 + 5)); /* RST */
	/* Within the linger: absorbed by the same flow. */
	CU_ASSERT_EQUAL(feed(mk_tcp(1, 4000, 2, 80, 0x10, T0 + S / 2)), 0);
	/* After the linger: the old flow ends (3) and the port's reuse is a new flow. */
	CU_ASSERT_EQUAL(feed(mk_tcp(1, 4000, 2, 80, 0x02, T0 + S / 2 + S)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_EOF);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	teardown();
}

static void
test_flow_flush_keeps_end_of_flow(void)
{
	setup_default();
	feed(mk_tcp(1, 4000, 2, 80, 0x04, T0)); /* RST: ended */
	feed(mk4(3, 1, 4, 2, 17, 60, T0 + 1));
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_EOF);
	CU_ASSERT_EQUAL(out[1].end_reason, WM_FLOW_END_FORCED);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 0);
	teardown();
}

static void
test_flow_eviction_order(void)
{
	unsigned int i;

	tbl = mk_table(4, 30 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	for (i = 1; i <= 4; i++)
		CU_ASSERT_EQUAL(feed(mk4((uint8_t)i, 1, 100, 1, 17, 60, T0 + i)), 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 4);
	/* Flow 1 is seen again: flow 2 is now the least recently seen. */
	CU_ASSERT_EQUAL(feed(mk4(1, 1, 100, 1, 17, 60, T0 + 5)), 0);
	CU_ASSERT_EQUAL(feed(mk4(5, 1, 100, 1, 17, 60, T0 + 6)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_RESOURCES);
	CU_ASSERT_EQUAL(out[0].src[3], 2);
	CU_ASSERT_EQUAL(feed(mk4(6, 1, 100, 1, 17, 60, T0 + 7)), 1);
	CU_ASSERT_EQUAL(out[0].src[3], 3);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->evicted, 2);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 4);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->by_reason[WM_FLOW_END_RESOURCES], 2);
	teardown();
}

static void
test_flow_capacity_exact(void)
{
	const uint32_t cap = 5000;
	unsigned int i, exported = 0;

	tbl = mk_table(cap, 30 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	/* Exactly 'capacity' flows fit: no eviction until one more comes. */
	for (i = 0; i < cap; i++) {
		struct wm_pkt_meta m =
			mk4(1, (uint16_t)(i & 0xffff), 2, (uint16_t)(i >> 16), 17, 60, T0 + i);

		exported += feed(m);
	}
	CU_ASSERT_EQUAL(exported, 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, cap);
	CU_ASSERT_EQUAL(feed(mk4(9, 9, 8, 8, 17, 60, T0 + cap)), 1);
	CU_ASSERT_EQUAL(out[0].sport, 0); /* the first, least recently seen */
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, cap);
	teardown();
}

static void
test_flow_eviction_inside_burst(void)
{
	struct wm_pkt_meta m[3];
	const struct wm_pkt_meta *p[3] = {&m[0], &m[1], &m[2]};
	unsigned int n;

	tbl = mk_table(2, 30 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk4(1, 1, 100, 1, 17, 60, T0 + 1)); /* F1 */
	feed(mk4(2, 1, 100, 1, 17, 60, T0 + 2)); /* F2 */
	/* X evicts F1, whose later packet in the same burst recreates it (evicting F2). */
	m[0] = mk4(3, 1, 100, 1, 17, 60, T0 + 3);
	m[1] = mk4(1, 1, 100, 1, 17, 70, T0 + 4);
	m[2] = mk4(3, 1, 100, 1, 17, 80, T0 + 5);
	n = wm_flow_table_update_bulk(tbl, p, 3, out);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(out[0].src[3], 1);
	CU_ASSERT_EQUAL(out[0].octets[0], 60);
	CU_ASSERT_EQUAL(out[1].src[3], 2);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	/* Least recently seen first: F1 (t+4), then X (t+5). */
	CU_ASSERT_EQUAL(out[0].src[3], 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].octets[0], 70);
	CU_ASSERT_EQUAL(out[1].src[3], 3);
	CU_ASSERT_EQUAL(out[1].pkts[0], 2);
	CU_ASSERT_EQUAL(out[1].octets[0], 140);
	teardown();
}

static void
test_flow_same_new_flow_twice_in_burst(void)
{
	struct wm_pkt_meta m[2];
	const struct wm_pkt_meta *p[2] = {&m[0], &m[1]};

	setup_default();
	m[0] = mk4(1, 1, 2, 2, 17, 60, T0);
	m[1] = mk4(2, 2, 1, 1, 17, 61, T0 + 1);
	CU_ASSERT_EQUAL(wm_flow_table_update_bulk(tbl, p, 2, out), 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	teardown();
}

static void
test_flow_timeouts_apply_inside_one_burst(void)
{
	struct wm_pkt_meta m[3];
	const struct wm_pkt_meta *p[3] = {&m[0], &m[1], &m[2]};

	setup_default();
	/* A new flow, then the same flow after an idle gap, in one burst. */
	m[0] = mk4(1, 1, 2, 2, 1, 84, T0);
	m[1] = mk4(2, 2, 1, 1, 1, 84, T0 + 1);
	m[2] = mk4(1, 1, 2, 2, 1, 84, T0 + 31 * S);
	CU_ASSERT_EQUAL(wm_flow_table_update_bulk(tbl, p, 3, out), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].pkts[1], 1);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].start_ns, T0 + 31 * S);
	teardown();
}

static void
test_flow_time_zero_is_a_time(void)
{
	setup_default();
	/* Traces made by text2pcap start at 0: 0 is a real first-packet time. */
	feed(mk4(1, 1, 2, 2, 17, 60, 0));
	feed(mk4(1, 1, 2, 2, 17, 60, S));
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].start_ns, 0);
	CU_ASSERT_EQUAL(out[0].end_ns, S);
	teardown();
}

static void
test_flow_due_tells_remaining_work(void)
{
	unsigned int i;

	tbl = mk_table(1024, 10 * S, 3 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	CU_ASSERT_FALSE(wm_flow_table_due(tbl, T0 + 1000 * S));
	/* 100 flows whose only packets the active timeout exported... */
	for (i = 0; i < 100; i++)
		feed(mk4(1, (uint16_t)i, 2, 2, 17, 60, T0));
	CU_ASSERT_FALSE(wm_flow_table_due(tbl, T0 + 3 * S - 1));
	CU_ASSERT_TRUE(wm_flow_table_due(tbl, T0 + 3 * S));
	i = 0;
	while (wm_flow_table_due(tbl, T0 + 3 * S))
		i += wm_flow_table_expire(tbl, T0 + 3 * S, out + i, 8);
	CU_ASSERT_EQUAL(i, 100);
	/* ...then go idle with nothing left to export, while one flow stays open. */
	feed(mk4(9, 9, 8, 8, 17, 60, T0 + 19 * S));
	/* The budget goes on flows with nothing to export: 0 returned, work left. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 20 * S, out, 8), 0);
	CU_ASSERT_TRUE(wm_flow_table_due(tbl, T0 + 20 * S));
	i = 0;
	while (wm_flow_table_due(tbl, T0 + 20 * S))
		i += wm_flow_table_expire(tbl, T0 + 20 * S, out + i, 8);
	CU_ASSERT_EQUAL(i, 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 29 * S, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	teardown();
}

static void
test_flow_closed_flow_ignores_idle(void)
{
	/* Linger longer than idle: an ended TCP flow still ends with reason 3. */
	tbl = mk_table(64, 2 * S, 300 * S, 5 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk_tcp(1, 4000, 2, 80, 0x04, T0));
	CU_ASSERT_EQUAL(feed(mk_tcp(1, 4000, 2, 80, 0x10, T0 + 3 * S)), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 8 * S - 1, out, 64), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 8 * S, out, 64), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_EOF);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	teardown();
}

static void
test_flow_full_table_ends_due_victim_by_its_reason(void)
{
	tbl = mk_table(2, 10 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk4(1, 1, 100, 1, 17, 60, T0));
	feed(mk4(2, 1, 100, 1, 17, 60, T0 + 5 * S));
	/* Flow 1 is idle by this packet's time: not an eviction. */
	CU_ASSERT_EQUAL(feed(mk4(3, 1, 100, 1, 17, 60, T0 + 10 * S)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	CU_ASSERT_EQUAL(out[0].src[3], 1);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->evicted, 0);
	/* Flow 2 is not: it is evicted. */
	CU_ASSERT_EQUAL(feed(mk4(4, 1, 100, 1, 17, 60, T0 + 11 * S)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_RESOURCES);
	CU_ASSERT_EQUAL(out[0].src[3], 2);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->evicted, 1);
	teardown();
}

static void
test_flow_late_packet_after_period_moved(void)
{
	unsigned int n;

	tbl = mk_table(64, 1000 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk4(1, 1, 2, 2, 17, 60, T0));
	feed(mk4(1, 1, 2, 2, 17, 60, T0 + 299 * S));
	/* Expiry ends the first period at 300 s... */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 300 * S, out, 8), 1);
	/* ...then a packet stamped just before it arrives: it joins the new period. */
	n = feed(mk4(1, 1, 2, 2, 17, 60, T0 + 300 * S - 500000));
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(feed(mk4(1, 1, 2, 2, 17, 60, T0 + 350 * S)), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 599 * S, out, 8), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 600 * S, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(out[0].end_ns, T0 + 350 * S);
	teardown();
}

static void
test_flow_closed_at_time_zero_expires(void)
{
	tbl = mk_table(64, 10 * S, 300 * S, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk_tcp(1, 4000, 2, 80, 0x02, 0));
	feed(mk_tcp(2, 80, 1, 4000, 0x14, 0));
	CU_ASSERT_TRUE(wm_flow_table_due(tbl, 0));
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, 0, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_EOF);
	CU_ASSERT_FALSE(wm_flow_table_due(tbl, 0));
	teardown();
}

static void
test_flow_sweep_finds_what_lists_hide(void)
{
	uint32_t cursor = 0;
	unsigned int n = 0;

	tbl = mk_table(64, 10 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	/* Touched in this order, but B's packet is older (two inputs out of step). */
	feed(mk4(1, 1, 2, 2, 17, 60, T0 + 10 * S)); /* A */
	feed(mk4(3, 3, 4, 4, 17, 60, T0 + 5 * S));  /* B */
	/* At 16 s B is idle, A is not; the LRU tail is A, so expiry stops there. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 16 * S, out, 8), 0);
	while (cursor != UINT32_MAX)
		n += wm_flow_table_sweep(tbl, T0 + 16 * S, out + n, 1, &cursor);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(out[0].src[3], 3);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	teardown();
}

/* Flows in time order: expiry from the list ends finds all that is due; the sweep, nothing more. */
static void
test_flow_sweep_skips_ordered_lists(void)
{
	uint32_t cursor = 0;

	tbl = mk_table(64, 10 * S, 300 * S, S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	feed(mk4(1, 1, 2, 2, 17, 60, T0 + 5 * S));
	feed(mk4(3, 3, 4, 4, 17, 60, T0 + 10 * S));
	feed(mk4(1, 1, 2, 2, 17, 60, T0 + 11 * S));
	/* A is due by 22 s, B by 20 s: expiry from the LRU tail finds B, then A. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 20 * S, out, 8), 1);
	CU_ASSERT_EQUAL(wm_flow_table_sweep(tbl, T0 + 20 * S, out, 8, &cursor), 0);
	CU_ASSERT_EQUAL(cursor, UINT32_MAX);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	teardown();
}

/* wm_flow_table_bytes() is what EAL's memory is sized by: the heap agrees within 5 %. */
static void
test_flow_table_bytes_matches_heap(void)
{
	static const uint32_t caps[] = {64, 1000, 65536, 262144, 300000};
	unsigned int i;

	for (i = 0; i < RTE_DIM(caps); i++) {
		struct rte_malloc_socket_stats a, b;
		double est = (double)wm_flow_table_bytes(caps[i]), got;

		CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &a), 0);
		tbl = mk_table(caps[i], S, S, S);
		CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
		CU_ASSERT_EQUAL_FATAL(rte_malloc_get_socket_stats(0, &b), 0);
		got = (double)(b.heap_allocsz_bytes - a.heap_allocsz_bytes);
		CU_ASSERT(got <= est);
		CU_ASSERT(got >= est * 0.95 - 65536);
		teardown();
	}
	/*
	 * A power of two: at most 192 bytes of table and record a flow (issue
	 * 12's target); a tunnelled flow's encapsulation comes on top, from
	 * the side table, only while it lives.
	 */
	CU_ASSERT(wm_flow_table_bytes(1u << 20) <= 192ull << 20);
	CU_ASSERT(wm_flow_table_bytes(16u << 20) <= 192ull << 24);
}

static void
test_flow_esp_is_directional(void)
{
	struct wm_pkt_meta a = mk4(1, 0, 2, 0, 50, 100, T0);
	struct wm_pkt_meta b = mk4(2, 0, 1, 0, 50, 120, T0 + 1);

	setup_default();
	a.flags = WM_PKT_F_ESP;
	a.spi = 0x1111;
	b.flags = WM_PKT_F_ESP;
	b.spi = 0x2222;
	feed(a);
	feed(b);
	feed(a);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 2);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].spi, 0x2222);
	CU_ASSERT_EQUAL(out[0].src[3], 2);
	CU_ASSERT_EQUAL(out[0].pkts[1], 0);
	CU_ASSERT_EQUAL(out[1].spi, 0x1111);
	CU_ASSERT_EQUAL(out[1].pkts[0], 2);
	CU_ASSERT(out[1].flags & WM_FLOW_REC_F_ESP);
	teardown();
}

/* What the sequence hooks saw: calls, in order. */
static struct {
	unsigned int pkt_calls, export_calls, drop_calls;
	unsigned int dirs[16];
	uint32_t dropped[2];
	uint8_t dropped_src3;
	uint64_t exported_pkts;		  /* the record's forward packets when the hook ran */
	unsigned int pkt_calls_at_export; /* packets the stream had seen then */
	uint32_t next_handle;
} hk;

/* Start a stream on a direction's first packet, as the app does. */
static void
hook_pkt(void *ctx, uint32_t seq[2], unsigned int dir, const struct wm_pkt_meta *m)
{
	CU_ASSERT_PTR_EQUAL(ctx, &hk);
	CU_ASSERT(m->flags & WM_PKT_F_SEQ);
	if (hk.pkt_calls < RTE_DIM(hk.dirs))
		hk.dirs[hk.pkt_calls] = dir;
	hk.pkt_calls++;
	if (seq[dir] == 0)
		seq[dir] = ++hk.next_handle;
}

static void
hook_export(void *ctx, struct wm_flow_export *e)
{
	CU_ASSERT_PTR_EQUAL(ctx, &hk);
	CU_ASSERT((e->seq[0] | e->seq[1]) != 0);
	hk.export_calls++;
	hk.exported_pkts = e->pkts[0];
	hk.pkt_calls_at_export = hk.pkt_calls;
}

static void
hook_drop(void *ctx, const struct wm_flow_export *e)
{
	CU_ASSERT_PTR_EQUAL(ctx, &hk);
	hk.drop_calls++;
	hk.dropped[0] = e->seq[0];
	hk.dropped[1] = e->seq[1];
	hk.dropped_src3 = e->src[3];
}

static struct wm_flow_table *
mk_hooked_table(void)
{
	char name[32];
	struct wm_flow_params p = {
		.name = name,
		.capacity = 64,
		.socket_id = 0,
		.idle_ns = 30 * S,
		.active_ns = 10 * S,
		.linger_ns = S,
		.hooks = {.seq_pkt = hook_pkt,
			  .seq_export = hook_export,
			  .seq_drop = hook_drop,
			  .ctx = &hk},
	};

	memset(&hk, 0, sizeof(hk));
	snprintf(name, sizeof(name), "test_flow_%u", tbl_seq++);
	return wm_flow_table_create(&p);
}

/*
 * The sequence hook runs for marked packets only, with the direction from
 * the initiator; the handles ride on the exported record, stay with the
 * flow over an active-timeout record, and a flow removed with nothing to
 * export gives them back through the drop hook.
 */
static void
test_flow_seq_hooks(void)
{
	struct wm_pkt_meta a = mk4(2, 5004, 1, 6000, 17, 60, T0); /* initiator: .2 */
	struct wm_pkt_meta b = mk4(1, 6000, 2, 5004, 17, 60, T0 + 1);
	struct wm_pkt_meta plain = mk4(2, 5004, 1, 6000, 17, 60, T0 + 2);

	tbl = mk_hooked_table();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	a.flags = WM_PKT_F_SEQ;
	b.flags = WM_PKT_F_SEQ;
	feed(a);
	feed(b);
	feed(plain);
	CU_ASSERT_EQUAL(hk.pkt_calls, 2);
	CU_ASSERT_EQUAL(hk.dirs[0], 0);
	CU_ASSERT_EQUAL(hk.dirs[1], 1);
	/* Active timeout: a record with both handles; the flow keeps them. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 10 * S, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_ACTIVE);
	CU_ASSERT_EQUAL(out[0].seq[0], 1);
	CU_ASSERT_EQUAL(out[0].seq[1], 2);
	CU_ASSERT_EQUAL(out[0].src[3], 2);
	CU_ASSERT_EQUAL(hk.export_calls, 1);
	CU_ASSERT_EQUAL(hk.exported_pkts, 2);
	/* No packet since: idle removal has nothing to export, so the drop hook frees them. */
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 10 * S + 30 * S, out, 8), 0);
	CU_ASSERT_EQUAL(hk.drop_calls, 1);
	CU_ASSERT_EQUAL(hk.dropped[0], 1);
	CU_ASSERT_EQUAL(hk.dropped[1], 2);
	CU_ASSERT_EQUAL(hk.dropped_src3, 2); /* the key, oriented from the initiator */
	CU_ASSERT_EQUAL(hk.export_calls, 1);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	/* A new flow on the same key starts without handles. */
	a.ts_ns = T0 + 100 * S;
	feed(a);
	CU_ASSERT_EQUAL(hk.next_handle, 3);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].seq[0], 3);
	CU_ASSERT_EQUAL(out[0].seq[1], 0);
	CU_ASSERT_EQUAL(hk.drop_calls, 1);
	CU_ASSERT_EQUAL(hk.export_calls, 2);
	teardown();
}

/*
 * The export hook runs when the record is written, before the packet
 * that ended the period is counted: a record's streams hold exactly its
 * packets, however the burst is cut.
 */
static void
test_flow_seq_export_hook_in_packet_order(void)
{
	struct wm_pkt_meta p[3];
	const struct wm_pkt_meta *pp[3] = {&p[0], &p[1], &p[2]};
	unsigned int i;

	tbl = mk_hooked_table();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	for (i = 0; i < 3; i++) {
		/* T0, T0 + 1 ns, then past the active period (10 s). */
		p[i] = mk4(2, 5004, 1, 6000, 17, 60, i < 2 ? T0 + i : T0 + 10 * S + 1);
		p[i].flags = WM_PKT_F_SEQ;
	}
	CU_ASSERT_EQUAL(wm_flow_table_update_bulk(tbl, pp, 3, out), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_ACTIVE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 2);
	CU_ASSERT_EQUAL(hk.export_calls, 1);
	/* At the hook, two packets had been counted in the stream, not three. */
	CU_ASSERT_EQUAL(hk.exported_pkts, 2);
	CU_ASSERT_EQUAL(hk.pkt_calls_at_export, 2);
	CU_ASSERT_EQUAL(hk.pkt_calls, 3);
	teardown();
}

static void
test_flow_fragments_on_port_zero(void)
{
	struct wm_pkt_meta first = mk4(1, 53, 2, 5000, 17, 1500, T0);
	struct wm_pkt_meta later = mk4(1, 0, 2, 0, 17, 500, T0 + 1);

	setup_default();
	first.flags = WM_PKT_F_FRAG;
	later.flags = WM_PKT_F_FRAG | WM_PKT_F_FRAG_NONFIRST;
	feed(first);
	feed(later);
	feed(later);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 2);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].sport, 53);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[1].sport, 0);
	CU_ASSERT_EQUAL(out[1].dport, 0);
	CU_ASSERT_EQUAL(out[1].pkts[0], 2);
	CU_ASSERT(out[1].flags & WM_FLOW_REC_F_FRAG);
	teardown();
}

/*
 * The key's sides, for each way the packet path orders them: MACs (L2),
 * IPv6 addresses equal in their first 8 bytes, and equal addresses with
 * the ports deciding. Either direction meters into one flow whose
 * initiator is the first packet's sender.
 */
static void
test_flow_key_sides_merge_biflows(void)
{
	static const uint8_t eth_ba[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}; /* from ...:02 */
	struct wm_pkt_meta l2, v6, lo;

	setup_default();
	/* L2: the first frame comes from the larger MAC, 02:..:02. */
	memset(&l2, 0, sizeof(l2));
	l2.kind = WM_PKT_KIND_L2;
	l2.ethertype = 0x88cc;
	l2.l3_len = 46;
	l2.ts_ns = T0;
	l2.eth = eth_ba;
	feed(l2);
	l2.eth = frame_ab; /* the answer, from 02:..:01 */
	feed(l2);
	feed(l2);
	/* IPv6 fd00::1:<7> from fd00::1:<3>: the second word decides. */
	memset(&v6, 0, sizeof(v6));
	v6.kind = WM_PKT_KIND_IPV6;
	v6.proto = 17;
	v6.src[0] = v6.dst[0] = 0xfd;
	v6.src[13] = v6.dst[13] = 1;
	v6.src[15] = 7;
	v6.dst[15] = 3;
	v6.sport = 5000;
	v6.dport = 53;
	v6.l3_len = 60;
	v6.ts_ns = T0 + 1;
	v6.eth = frame_ab;
	feed(v6);
	memcpy(v6.src, v6.dst, 16);
	v6.dst[15] = 7;
	v6.sport = 53;
	v6.dport = 5000;
	feed(v6);
	/* 10.0.0.1:9000 -> 10.0.0.1:80 and back: the ports decide. */
	lo = mk4(1, 9000, 1, 80, 6, 40, T0 + 2);
	feed(lo);
	feed(mk4(1, 80, 1, 9000, 6, 40, T0 + 3));
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->created, 3);
	CU_ASSERT_EQUAL_FATAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 3);
	CU_ASSERT_EQUAL(out[0].kind, WM_FLOW_KIND_L2);
	CU_ASSERT_EQUAL(out[0].ethertype, 0x88cc);
	CU_ASSERT_EQUAL(out[0].src[5], 2);
	CU_ASSERT_EQUAL(out[0].dst[5], 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[0].pkts[1], 2);
	CU_ASSERT_EQUAL(out[1].kind, WM_FLOW_KIND_IPV6);
	CU_ASSERT_EQUAL(out[1].src[15], 7);
	CU_ASSERT_EQUAL(out[1].dst[15], 3);
	CU_ASSERT_EQUAL(out[1].sport, 5000);
	CU_ASSERT_EQUAL(out[1].dport, 53);
	CU_ASSERT_EQUAL(out[1].pkts[0], 1);
	CU_ASSERT_EQUAL(out[1].pkts[1], 1);
	CU_ASSERT_EQUAL(out[2].sport, 9000);
	CU_ASSERT_EQUAL(out[2].dport, 80);
	CU_ASSERT_EQUAL(out[2].pkts[0], 1);
	CU_ASSERT_EQUAL(out[2].pkts[1], 1);
	teardown();
}

static void
test_flow_macsec_keyed_by_sci_an(void)
{
	struct wm_pkt_meta a;

	setup_default();
	memset(&a, 0, sizeof(a));
	a.kind = WM_PKT_KIND_MACSEC;
	a.macsec_sci = 0x0200000000010001ull;
	a.macsec_an = 1;
	a.l3_len = 80;
	a.ts_ns = T0;
	a.eth = frame_ab;
	feed(a);
	a.macsec_an = 2;
	feed(a);
	feed(a);
	CU_ASSERT_EQUAL(wm_flow_table_flush(tbl, WM_FLOW_END_FORCED, out, 8), 2);
	CU_ASSERT_EQUAL(out[0].kind, WM_FLOW_KIND_MACSEC);
	CU_ASSERT_EQUAL(out[0].sci, 0x0200000000010001ull);
	CU_ASSERT_EQUAL(out[0].an, 1);
	CU_ASSERT_EQUAL(out[0].pkts[0], 1);
	CU_ASSERT_EQUAL(out[1].an, 2);
	CU_ASSERT_EQUAL(out[1].pkts[0], 2);
	CU_ASSERT_EQUAL(out[1].smac[5], 1);
	CU_ASSERT_EQUAL(out[1].dmac[5], 2);
	teardown();
}

static void
test_flow_expire_budget_bounds_work(void)
{
	unsigned int i, n;

	setup_default();
	for (i = 0; i < 200; i++)
		feed(mk4(1, (uint16_t)i, 2, 1, 17, 60, T0));
	n = wm_flow_table_expire(tbl, T0 + 100 * S, out, 64);
	CU_ASSERT_EQUAL(n, 64);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 136);
	n = wm_flow_table_expire(tbl, T0 + 100 * S, out, 64);
	n += wm_flow_table_expire(tbl, T0 + 100 * S, out, 64);
	n += wm_flow_table_expire(tbl, T0 + 100 * S, out, 64);
	CU_ASSERT_EQUAL(n, 136);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	teardown();
}

/* Looking at a live table: count flows a walk visits. */
static void
count_cb(const struct wm_flow_export *e, void *arg)
{
	unsigned int *n = arg;

	CU_ASSERT_EQUAL(e->end_reason, 0);
	(*n)++;
}

/*
 * A walk in slices of a few slots visits every flow once, however small
 * the slice; the sequence filter keeps only flows with a stream handle.
 */
static void
test_flow_walk_visits_each_flow_once(void)
{
	struct wm_pkt_meta m;
	unsigned int i, n = 0, calls = 0;
	uint32_t cursor = 0;

	tbl = mk_hooked_table();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tbl);
	for (i = 0; i < 40; i++)
		feed(mk4(1, (uint16_t)(1000 + i), 2, 80, 17, 60, T0 + i));
	m = mk4(3, 5004, 4, 6000, 17, 60, T0 + 50);
	m.flags = WM_PKT_F_SEQ;
	feed(m);
	while (cursor != UINT32_MAX) {
		/* Each call looks at 5 slots at most: it can visit no more flows. */
		unsigned int k = n;

		wm_flow_table_walk(tbl, &cursor, 5, 0, count_cb, &n);
		CU_ASSERT(n - k <= 5);
		calls++;
	}
	CU_ASSERT_EQUAL(n, 41);
	CU_ASSERT(calls >= 41 / 5);
	n = 0;
	cursor = 0;
	while (cursor != UINT32_MAX)
		wm_flow_table_walk(tbl, &cursor, 7, WM_FLOW_WALK_SEQ, count_cb, &n);
	CU_ASSERT_EQUAL(n, 1);
	teardown();
}

/* Top N by octets and by packets, over slices, largest first, with the current counts. */
static void
test_flow_top_selects_largest(void)
{
	struct wm_flow_export top_out[5];
	struct wm_flow_top top;
	unsigned int i, k, calls = 0;

	setup_default();
	/* Flow i: i + 1 packets of (1000 - 10 i) bytes: packets and octets rank apart. */
	for (i = 0; i < 30; i++)
		for (k = 0; k <= i; k++)
			feed(mk4(1, (uint16_t)(2000 + i), 2, 53, 17, 1000 - 10 * i, T0 + k));
	wm_flow_top_init(&top, top_out, 5, WM_FLOW_SORT_PACKETS);
	while (!wm_flow_table_top(tbl, &top, 16))
		calls++;
	CU_ASSERT(calls >= 1024 / 16 - 1);
	CU_ASSERT_EQUAL_FATAL(top.n, 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(top_out[i].sport, 2029 - i);
		CU_ASSERT_EQUAL(top_out[i].pkts[0], 30 - i);
		CU_ASSERT_EQUAL(top_out[i].end_reason, 0);
	}
	/* By octets: (i + 1)(1000 - 10 i) is largest at i = 29 (21000), then 28 (20880)... */
	wm_flow_top_init(&top, top_out, 5, WM_FLOW_SORT_OCTETS);
	while (!wm_flow_table_top(tbl, &top, 1000))
		;
	CU_ASSERT_EQUAL(top_out[0].octets[0], 30 * 710);
	for (i = 1; i < 5; i++)
		CU_ASSERT(top_out[i - 1].octets[0] > top_out[i].octets[0]);
	/* More asked than there are: all of them. */
	{
		struct wm_flow_export all[64];

		wm_flow_top_init(&top, all, 64, WM_FLOW_SORT_OCTETS);
		while (!wm_flow_table_top(tbl, &top, 100))
			;
		CU_ASSERT_EQUAL(top.n, 30);
	}
	/* Nothing is exported or removed by looking. */
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 30);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->exported, 0);
	teardown();
}

/* Lookup by header fields, from either side, oriented by the initiator. */
static void
test_flow_lookup_either_direction(void)
{
	struct wm_pkt_meta q;
	struct wm_flow_export e;

	setup_default();
	feed(mk_tcp(9, 5000, 1, 80, 0x02, T0));
	feed(mk_tcp(1, 80, 9, 5000, 0x12, T0 + 1));
	q = mk4(1, 80, 9, 5000, 6, 0, 0);
	q.eth = NULL;
	CU_ASSERT_EQUAL_FATAL(wm_flow_table_lookup(tbl, &q, &e), 0);
	CU_ASSERT_EQUAL(e.src[3], 9);
	CU_ASSERT_EQUAL(e.sport, 5000);
	CU_ASSERT_EQUAL(e.dport, 80);
	CU_ASSERT_EQUAL(e.pkts[0], 1);
	CU_ASSERT_EQUAL(e.pkts[1], 1);
	q.proto = 17;
	CU_ASSERT_EQUAL(wm_flow_table_lookup(tbl, &q, &e), -ENOENT);
	q.proto = 6;
	q.vlan = 5;
	CU_ASSERT_EQUAL(wm_flow_table_lookup(tbl, &q, &e), -ENOENT);
	teardown();
}

/* New timeouts on a running table apply to flows already in it. */
static void
test_flow_set_timeouts_applies(void)
{
	uint64_t idle, active;

	setup_default();
	feed(mk4(1, 1000, 2, 53, 17, 60, T0));
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 5 * S, out, 8), 0);
	CU_ASSERT_EQUAL(wm_flow_table_set_timeouts(tbl, 0, S), -EINVAL);
	CU_ASSERT_EQUAL(wm_flow_table_set_timeouts(tbl, 2 * S, 7 * S), 0);
	wm_flow_table_timeouts(tbl, &idle, &active);
	CU_ASSERT_EQUAL(idle, 2 * S);
	CU_ASSERT_EQUAL(active, 7 * S);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 2 * S - 1, out, 8), 0);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + 2 * S, out, 8), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_IDLE);
	/* The active timeout too: a flow busy every second is cut at 7 s. */
	feed(mk4(1, 1001, 2, 53, 17, 60, T0 + 10 * S));
	for (unsigned int k = 1; k <= 6; k++)
		CU_ASSERT_EQUAL(feed(mk4(1, 1001, 2, 53, 17, 60, T0 + (10 + k) * S)), 0);
	CU_ASSERT_EQUAL(feed(mk4(1, 1001, 2, 53, 17, 60, T0 + 17 * S)), 1);
	CU_ASSERT_EQUAL(out[0].end_reason, WM_FLOW_END_ACTIVE);
	CU_ASSERT_EQUAL(out[0].pkts[0], 7);
	teardown();
}

/*
 * A live flush in slices: every flow ends once, forced, or end of flow
 * for a TCP flow that closed; a flow with nothing left to export is
 * removed without a record; the record budget is respected.
 */
static void
test_flow_flush_slice_live(void)
{
	struct wm_flow_export big[64];
	uint64_t removed = 0;
	uint32_t cursor = 0;
	unsigned int i, n = 0, forced = 0, eof = 0, k;

	setup_default();
	for (i = 0; i < 20; i++)
		feed(mk4(1, (uint16_t)(3000 + i), 2, 53, 17, 60, T0));
	feed(mk_tcp(5, 4000, 6, 80, 0x02, T0));
	feed(mk_tcp(5, 4000, 6, 80, 0x04, T0 + 1)); /* RST: lingering */
	/* A flow whose counts went out with an active-timeout record. */
	feed(mk4(7, 7000, 8, 53, 17, 60, T0));
	wm_flow_table_set_timeouts(tbl, 30 * S, S);
	CU_ASSERT_EQUAL(wm_flow_table_expire(tbl, T0 + S, big, 64), 22);
	while (cursor != UINT32_MAX) {
		k = wm_flow_table_flush_slice(tbl, WM_FLOW_END_FORCED, &big[n], 3, 50, &cursor,
					      &removed);
		CU_ASSERT(k <= 3);
		n += k;
	}
	/* Every flow had its counts exported by the active timeout: nothing left to send. */
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(removed, 22);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	/* Again with counts pending. */
	for (i = 0; i < 20; i++)
		feed(mk4(1, (uint16_t)(3000 + i), 2, 53, 17, 60, T0 + 2 * S));
	feed(mk_tcp(5, 4001, 6, 80, 0x02, T0 + 2 * S));
	feed(mk_tcp(5, 4001, 6, 80, 0x04, T0 + 2 * S + 1));
	cursor = 0;
	removed = 0;
	n = 0;
	while (cursor != UINT32_MAX)
		n += wm_flow_table_flush_slice(tbl, WM_FLOW_END_FORCED, &big[n], 4, 64, &cursor,
					       &removed);
	CU_ASSERT_EQUAL(n, 21);
	CU_ASSERT_EQUAL(removed, 21);
	for (i = 0; i < n; i++) {
		forced += big[i].end_reason == WM_FLOW_END_FORCED;
		eof += big[i].end_reason == WM_FLOW_END_EOF;
	}
	CU_ASSERT_EQUAL(forced, 20);
	CU_ASSERT_EQUAL(eof, 1);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 0);
	/* The table meters on afterwards. */
	CU_ASSERT_EQUAL(feed(mk4(1, 3000, 2, 53, 17, 60, T0 + 3 * S)), 0);
	CU_ASSERT_EQUAL(wm_flow_table_stats(tbl)->active, 1);
	teardown();
}

static const struct wm_test tests[] = {
	WM_TEST(test_flow_create_rejects_bad_params),
	WM_TEST(test_flow_biflow_merge),
	WM_TEST(test_flow_min_max_len_and_ports),
	WM_TEST(test_flow_vlan_is_part_of_key),
	WM_TEST(test_flow_inner_vlan_is_part_of_key),
	WM_TEST(test_flow_tunnel_fields_from_first_packet),
	WM_TEST(test_flow_tunnel_side_table),
	WM_TEST(test_flow_tunnel_no_spare),
	WM_TEST(test_flow_idle_expire_exact),
	WM_TEST(test_flow_idle_split_on_packet),
	WM_TEST(test_flow_active_timeout_deltas),
	WM_TEST(test_flow_active_expire_from_loop),
	WM_TEST(test_flow_tcp_fin_both_ways_lingers),
	WM_TEST(test_flow_tcp_rst_then_reuse),
	WM_TEST(test_flow_flush_keeps_end_of_flow),
	WM_TEST(test_flow_eviction_order),
	WM_TEST(test_flow_capacity_exact),
	WM_TEST(test_flow_eviction_inside_burst),
	WM_TEST(test_flow_same_new_flow_twice_in_burst),
	WM_TEST(test_flow_timeouts_apply_inside_one_burst),
	WM_TEST(test_flow_time_zero_is_a_time),
	WM_TEST(test_flow_due_tells_remaining_work),
	WM_TEST(test_flow_closed_flow_ignores_idle),
	WM_TEST(test_flow_full_table_ends_due_victim_by_its_reason),
	WM_TEST(test_flow_late_packet_after_period_moved),
	WM_TEST(test_flow_closed_at_time_zero_expires),
	WM_TEST(test_flow_sweep_finds_what_lists_hide),
	WM_TEST(test_flow_sweep_skips_ordered_lists),
	WM_TEST(test_flow_table_bytes_matches_heap),
	WM_TEST(test_flow_esp_is_directional),
	WM_TEST(test_flow_seq_hooks),
	WM_TEST(test_flow_seq_export_hook_in_packet_order),
	WM_TEST(test_flow_fragments_on_port_zero),
	WM_TEST(test_flow_macsec_keyed_by_sci_an),
	WM_TEST(test_flow_key_sides_merge_biflows),
	WM_TEST(test_flow_expire_budget_bounds_work),
	WM_TEST(test_flow_walk_visits_each_flow_once),
	WM_TEST(test_flow_top_selects_largest),
	WM_TEST(test_flow_lookup_either_direction),
	WM_TEST(test_flow_set_timeouts_applies),
	WM_TEST(test_flow_flush_slice_live),
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	char prefix[64];
	char *eal_args[] = {"test_flow", "--no-huge",	"--no-pci", "-m",   "256", "-l",
			    "0",	 "--log-level", "*:error",  prefix, NULL};
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=wmtest_flow_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "test_flow: EAL init failed\n");
		return 1;
	}
	rc = wm_cunit_run("flow", NULL, NULL, tests, RTE_DIM(tests));
	rte_eal_cleanup();
	/* Leave no runtime directory behind (EAL keeps it after cleanup). */
	snprintf(prefix, sizeof(prefix), "/var/run/dpdk/wmtest_flow_%d", (int)getpid());
	nftw(prefix, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}
