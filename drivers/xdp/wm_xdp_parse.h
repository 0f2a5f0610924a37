/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_XDP_PARSE_H
#define WM_XDP_PARSE_H

/*
 * The XDP programs' packet parser (BPF C only): lib/pkt's rules for the
 * outer headers, within the verifier's limits. Ethernet, up to two VLAN
 * tags (0x8100, 0x88a8, 0x9100), IPv4 with options and fragments, IPv6
 * with up to WM_XDP_V6_EXT extension headers (hop-by-hop, routing,
 * destination options, fragment, AH), TCP, UDP, SCTP ports, ICMP and
 * ICMPv6 type and code, ESP's SPI; any other frame is an L2 flow (MACs
 * and EtherType). Tunnels are not decoded: their outer headers are the
 * flow (lib/pkt's --tunnels outer).
 */

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "wm_xdp_maps.h"

#define WM_XDP_V6_EXT 6

/* What one packet says beyond its flow's key, as seen from its sender. */
struct wm_xdp_pkt {
	wm_u32 src[4], dst[4]; /* addresses (MACs for L2) as on the wire */
	wm_u16 sport, dport;
	wm_u32 len; /* IP total length, or L2 payload length */
	wm_u16 icmp_type_code;
	wm_u8 tcp_flags;
	wm_u8 tos;
	wm_u8 mac_src[6], mac_dst[6];
};

/* Add one to counter c of a per-CPU array map of u64. */
static __always_inline void
wm_count(void *map, wm_u32 c)
{
	wm_u64 *v = bpf_map_lookup_elem(map, &c);

	if (v != NULL)
		*v += 1;
}

/* n is a constant at every call: the copy is a few loads and stores. */
#define wm_copy(d, s, n) __builtin_memcpy((d), (s), (n))

/* L4 at l4 for protocol proto: ports, flags, ICMP type/code; 0 or -1 when truncated. */
static __always_inline int
wm_parse_l4(void *l4, void *end, wm_u8 proto, struct wm_xdp_key *k, struct wm_xdp_pkt *p)
{
	wm_u8 *b = l4;

	if (proto == IPPROTO_TCP) {
		if ((void *)(b + 20) > end)
			return -1;
		p->tcp_flags = b[13];
	} else if (proto == IPPROTO_UDP || proto == IPPROTO_SCTP) {
		if ((void *)(b + 8) > end)
			return -1;
	} else if (proto == IPPROTO_ICMP || proto == 58) {
		if ((void *)(b + 4) > end)
			return -1;
		p->icmp_type_code = (wm_u16)(b[0] << 8 | b[1]);
		return 0;
	} else if (proto == IPPROTO_ESP) {
		if ((void *)(b + 8) > end)
			return -1;
		k->spi = (wm_u32)b[0] << 24 | (wm_u32)b[1] << 16 | (wm_u32)b[2] << 8 | b[3];
		k->flags |= WM_XDP_KEY_F_ESP;
		return 0;
	} else {
		return 0; /* metered on addresses and protocol */
	}
	p->sport = (wm_u16)(b[0] << 8 | b[1]);
	p->dport = (wm_u16)(b[2] << 8 | b[3]);
	return 0;
}

static __always_inline int
wm_parse_ipv4(void *l3, void *end, struct wm_xdp_key *k, struct wm_xdp_pkt *p)
{
	struct iphdr *ip = l3;
	wm_u32 hl;

	if ((void *)(ip + 1) > end)
		return -1;
	hl = (wm_u32)ip->ihl * 4;
	if (hl < 20 || l3 + hl > end)
		return -1;
	k->kind = WM_XDP_KIND_IPV4;
	k->proto = ip->protocol;
	wm_copy(p->src, (wm_u8 *)&ip->saddr, 4);
	wm_copy(p->dst, (wm_u8 *)&ip->daddr, 4);
	p->len = bpf_ntohs(ip->tot_len);
	p->tos = ip->tos;
	if (ip->frag_off & bpf_htons(0x1fff)) {
		k->flags |= WM_XDP_KEY_F_FRAG;
		return 0;
	}
	return wm_parse_l4(l3 + hl, end, ip->protocol, k, p);
}

static __always_inline int
wm_parse_ipv6(void *l3, void *end, struct wm_xdp_key *k, struct wm_xdp_pkt *p)
{
	struct ipv6hdr *ip6 = l3;
	wm_u8 *h, nh;
	int i;

	if ((void *)(ip6 + 1) > end)
		return -1;
	k->kind = WM_XDP_KIND_IPV6;
	wm_copy(p->src, (wm_u8 *)&ip6->saddr, 16);
	wm_copy(p->dst, (wm_u8 *)&ip6->daddr, 16);
	p->len = (wm_u32)bpf_ntohs(ip6->payload_len) + 40;
	p->tos = (wm_u8)(bpf_ntohs(*(__be16 *)ip6) >> 4);
	nh = ip6->nexthdr;
	h = (wm_u8 *)(ip6 + 1);
#pragma unroll
	for (i = 0; i < WM_XDP_V6_EXT; i++) {
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		if ((void *)(h + 8) > end)
			return -1;
		if (nh == 44) {
			/* A non-first fragment has no L4 header. */
			if ((h[2] << 8 | h[3]) & 0xfff8) {
				k->proto = h[0];
				k->flags |= WM_XDP_KEY_F_FRAG;
				return 0;
			}
			nh = h[0];
			h += 8;
		} else if (nh == 51) {
			nh = h[0];
			h += ((wm_u32)h[1] + 2) * 4;
		} else {
			nh = h[0];
			h += ((wm_u32)h[1] + 1) * 8;
		}
	}
	k->proto = nh;
	if ((void *)h > end)
		return -1;
	return wm_parse_l4(h, end, nh, k, p);
}

/*
 * Parse a frame into its biflow key (not yet ordered: the caller does)
 * and what the packet says. Returns 0, or -1 when a header is truncated.
 */
static __always_inline int
wm_parse(void *data, void *end, struct wm_xdp_key *k, struct wm_xdp_pkt *p)
{
	struct ethhdr *eth = data;
	void *l3;
	wm_u16 et;
	int i;

	if ((void *)(eth + 1) > end)
		return -1;
	wm_copy(p->mac_dst, eth->h_dest, 6);
	wm_copy(p->mac_src, eth->h_source, 6);
	et = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		wm_u8 *t = l3;

		if (et != ETH_P_8021Q && et != ETH_P_8021AD && et != 0x9100)
			break;
		if ((void *)(t + 4) > end)
			return -1;
		if (i == 0)
			k->vlan = (wm_u16)((t[0] << 8 | t[1]) & 0x0fff);
		else
			k->cvlan = (wm_u16)((t[0] << 8 | t[1]) & 0x0fff);
		et = (wm_u16)(t[2] << 8 | t[3]);
		l3 = t + 4;
	}
	k->ethertype = et; /* after the tags; the record shows it for L2 flows only */
	if (et == ETH_P_IP)
		return wm_parse_ipv4(l3, end, k, p);
	if (et == ETH_P_IPV6)
		return wm_parse_ipv6(l3, end, k, p);
	k->kind = WM_XDP_KIND_L2;
	wm_copy(p->src, eth->h_source, 6);
	wm_copy(p->dst, eth->h_dest, 6);
	p->len = (wm_u32)(end - l3);
	return 0;
}

#endif /* WM_XDP_PARSE_H */
