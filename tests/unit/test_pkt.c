/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/pkt, the packet parser.
 *
 * Frames are built byte by byte by the small helpers below, so every
 * expected offset in a test can be checked against the code that built
 * the frame. A positive test compares every field of struct wm_pkt_meta
 * the parser owns with an expected struct, so a field that should stay
 * zero is checked as well. Every parse goes through a heap buffer of
 * exactly the frame's length, so AddressSanitizer reports any read past
 * the end that the parser's invariant forbids.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "wm_cunit.h"
#include "wm_pkt.h"

#define PKT_MAX 512

/* A frame under construction: bytes appended at len. */
struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

static const uint8_t dst_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t src_mac[6] = {0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
static const uint8_t v4_src[4] = {192, 0, 2, 1};
static const uint8_t v4_dst[4] = {198, 51, 100, 2};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0x11, 0x12, 0x13, 0x14,
				   0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x01};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0x21, 0x22, 0x23, 0x24,
				   0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x02};

/* The implicit SCI of src_mac: the MAC followed by port identifier 1. */
#define SRC_MAC_SCI UINT64_C(0x021a2b3c4d5e0001)

#define TOS_V4 0xb8 /* DSCP EF */
#define TC_V6 0xb8
#define FLOW_LABEL_V6 0xabcde

/* ---- frame builders ---- */

static void
put8(struct pkt *p, uint8_t v)
{
	/* A builder overflowing its frame is a bug in this file. */
	if (p->len >= PKT_MAX)
		abort();
	p->b[p->len++] = v;
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void
putn(struct pkt *p, const uint8_t *src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(p, src[i]);
}

/* n bytes of a recognisable filler (never four zero bytes in a row). */
static void
put_fill(struct pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(p, (uint8_t)(0xa0 + i));
}

static void
put_zero(struct pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(p, 0);
}

static void
set16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

/* Ethernet padding: zero bytes up to the 60-byte minimum frame (no FCS). */
static void
pad60(struct pkt *p)
{
	while (p->len < 60)
		put8(p, 0);
}

/* Destination and source MAC; the caller appends tags and EtherType. */
static void
macs_put(struct pkt *p)
{
	p->len = 0;
	putn(p, dst_mac, 6);
	putn(p, src_mac, 6);
}

static void
eth_put(struct pkt *p, uint16_t ethertype)
{
	macs_put(p);
	put16(p, ethertype);
}

/* IPv4 header of ihl_words 32-bit words (options: NOPs, then EOL). */
static uint32_t
ipv4_put(struct pkt *p, uint8_t proto, uint16_t frag, uint8_t ihl_words)
{
	uint32_t off = p->len;
	uint32_t i, hlen = ihl_words * 4u;

	put8(p, (uint8_t)(0x40 | ihl_words));
	put8(p, TOS_V4);
	put16(p, 0);	  /* total length, set by ipv4_done() */
	put16(p, 0x1234); /* identification */
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0); /* checksum: the parser does not verify it */
	putn(p, v4_src, 4);
	putn(p, v4_dst, 4);
	for (i = 20; i < hlen; i++)
		put8(p, i + 1 == hlen ? 0x00 : 0x01);
	return off;
}

static void
ipv4_done(struct pkt *p, uint32_t ip_off)
{
	set16(p, ip_off + 2, (uint16_t)(p->len - ip_off));
}

static uint32_t
ipv6_put(struct pkt *p, uint8_t nh)
{
	uint32_t off = p->len;

	put32(p, (6u << 28) | ((uint32_t)TC_V6 << 20) | FLOW_LABEL_V6);
	put16(p, 0); /* payload length, set by ipv6_done() */
	put8(p, nh);
	put8(p, 64);
	putn(p, v6_src, 16);
	putn(p, v6_dst, 16);
	return off;
}

static void
ipv6_done(struct pkt *p, uint32_t ip_off)
{
	set16(p, ip_off + 4, (uint16_t)(p->len - ip_off - 40));
}

/* Hop-by-hop, routing or destination options header: (len8 + 1) * 8 bytes. */
static void
ext6_put(struct pkt *p, uint8_t nh, uint8_t len8)
{
	put8(p, nh);
	put8(p, len8);
	put_zero(p, (len8 + 1u) * 8 - 2);
}

/* Fragment header; frag_off in bytes (a multiple of 8). */
static void
frag6_put(struct pkt *p, uint8_t nh, uint16_t frag_off, int more)
{
	put8(p, nh);
	put8(p, 0);
	put16(p, (uint16_t)(frag_off | (more ? 1 : 0)));
	put32(p, 0xcafe0001);
}

/* Authentication header: (len4 + 2) * 4 bytes. */
static void
ah_put(struct pkt *p, uint8_t nh, uint8_t len4)
{
	put8(p, nh);
	put8(p, len4);
	put16(p, 0);
	put32(p, 0x0000a001); /* SPI */
	put32(p, 0x00000007); /* sequence number */
	put_fill(p, (len4 + 2u) * 4 - 12);
}

/* TCP header of doff_words 32-bit words (options: NOPs). */
static uint32_t
tcp_put(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t doff_words)
{
	uint32_t off = p->len;
	uint32_t i;

	put16(p, sport);
	put16(p, dport);
	put32(p, 0x01020304);
	put32(p, 0x05060708);
	put8(p, (uint8_t)(doff_words << 4));
	put8(p, flags);
	put16(p, 0xffff);
	put16(p, 0);
	put16(p, 0);
	for (i = 20; i < doff_words * 4u; i++)
		put8(p, 0x01);
	return off;
}

static uint32_t
udp_put(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint32_t off = p->len;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0); /* length, set by udp_done() */
	put16(p, 0);
	return off;
}

static void
udp_done(struct pkt *p, uint32_t udp_off)
{
	set16(p, udp_off + 4, (uint16_t)(p->len - udp_off));
}

/* ---- the frames the positive tests use ---- */

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_PSH 0x08
#define TCP_FIN 0x01

/* 14 + 20 + 20 + 10 = 64 bytes. */
static void
build_ipv4_tcp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0x4000, 5);
	tcp_put(p, 40000, 443, TCP_SYN | TCP_ACK, 5);
	put_fill(p, 10);
	ipv4_done(p, ip);
}

/* IPv4 UDP 5353 -> 5353 with 12 payload bytes after the given L2 header. */
static void
ipv4_udp_after_l2(struct pkt *p)
{
	uint32_t ip, udp;

	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 5353, 5353);
	put_fill(p, 12);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

/* 802.1Q, PCP 5 and DEI set around VLAN id 123. */
static void
build_vlan(struct pkt *p)
{
	macs_put(p);
	put16(p, 0x8100);
	put16(p, 0xb07b);
	put16(p, 0x0800);
	ipv4_udp_after_l2(p);
}

/* QinQ: 802.1ad S-tag 200 outside a C-tag 100. */
static void
build_qinq(struct pkt *p)
{
	macs_put(p);
	put16(p, 0x88a8);
	put16(p, 0x00c8);
	put16(p, 0x8100);
	put16(p, 0x2064);
	put16(p, 0x0800);
	ipv4_udp_after_l2(p);
}

/* Pre-standard QinQ with TPID 0x9100 outside, VLAN id 4094. */
static void
build_qinq_9100(struct pkt *p)
{
	macs_put(p);
	put16(p, 0x9100);
	put16(p, 0x0ffe);
	put16(p, 0x8100);
	put16(p, 0x0005);
	put16(p, 0x0800);
	ipv4_udp_after_l2(p);
}

static void
build_vlan_three_tags(struct pkt *p)
{
	macs_put(p);
	put16(p, 0x88a8);
	put16(p, 0x0001);
	put16(p, 0x8100);
	put16(p, 0x0002);
	put16(p, 0x8100);
	put16(p, 0x0003);
	put16(p, 0x0800);
	ipv4_udp_after_l2(p);
}

/* IHL 6: one word of options. */
static void
build_ipv4_opts6(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0, 6);
	tcp_put(p, 1234, 80, TCP_ACK, 5);
	put_fill(p, 4);
	ipv4_done(p, ip);
}

/* IHL 15: the largest header, 40 bytes of options. */
static void
build_ipv4_opts15(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 15);
	udp = udp_put(p, 999, 1000);
	put_fill(p, 3);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

/* A 2-byte UDP payload: 44 bytes padded to 60; the IP total length is 30. */
static void
build_ipv4_udp_padded(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 5000, 5001);
	put_fill(p, 2);
	udp_done(p, udp);
	ipv4_done(p, ip);
	pad60(p);
}

/* First fragment: MF, offset 0; the UDP length is the whole datagram's. */
static void
build_ipv4_frag_first(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0x2000, 5);
	udp = udp_put(p, 5004, 5005);
	put_fill(p, 32);
	set16(p, udp + 4, 1040);
	ipv4_done(p, ip);
}

/* Last fragment: MF clear, offset 5 (40 bytes); bytes that look like ports. */
static void
build_ipv4_frag_last(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0x0005, 5);
	put16(p, 0x1234);
	put16(p, 0x5678);
	put_fill(p, 20);
	ipv4_done(p, ip);
}

/* Last fragment at offset 0x1000 (32768 bytes): the top bit of the offset alone. */
static void
build_ipv4_frag_far(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0x1000, 5);
	put_fill(p, 24);
	ipv4_done(p, ip);
}

/* Middle fragment: MF set and offset 185 (1480 bytes). */
static void
build_ipv4_frag_middle(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0x2000 | 185, 5);
	put_fill(p, 24);
	ipv4_done(p, ip);
}

/*
 * A capture cut by a 96-byte snap length: the IP header says 1028 bytes
 * (and the UDP header 1008), the frame holds 96.
 */
static void
build_ipv4_udp_snap(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 12345, 53);
	put_fill(p, 96 - 42);
	set16(p, udp + 4, 1008);
	set16(p, ip + 2, 1028);
}

/* The same cut with TCP. */
static void
build_ipv4_tcp_snap(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0, 5);
	tcp_put(p, 12345, 80, TCP_ACK, 5);
	put_fill(p, 96 - 54);
	set16(p, ip + 2, 1028);
}

/* A SYN with 20 bytes of TCP options, captured with a 68-byte snap length. */
static void
build_ipv4_tcp_options_snap(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0, 5);
	tcp_put(p, 12345, 80, TCP_SYN, 10);
	set16(p, ip + 2, 60);
	p->len = 68;
}

/* IPv6 UDP with 1000 payload bytes announced and 16 captured. */
static void
build_ipv6_udp_snap(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 17);
	udp = udp_put(p, 4789, 4789);
	put_fill(p, 16);
	set16(p, udp + 4, 1008);
	set16(p, ip + 4, 1008);
}

/* OSPF (89): a transport the parser does not know. */
static void
build_ipv4_ospf(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 89, 0, 5);
	put_fill(p, 24);
	ipv4_done(p, ip);
}

/* Destination options, then No Next Header (59). */
static void
build_ipv6_no_next(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 60);
	ext6_put(p, 59, 0);
	ipv6_done(p, ip);
}

/* 14 + 40 + 20 + 8 = 82 bytes. */
static void
build_ipv6_tcp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 6);
	tcp_put(p, 50000, 22, TCP_PSH | TCP_ACK, 5);
	put_fill(p, 8);
	ipv6_done(p, ip);
}

/* Hop-by-hop (8) -> routing (24) -> destination options (16) -> TCP. */
static void
build_ipv6_ext_chain(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 0);
	ext6_put(p, 43, 0);
	ext6_put(p, 60, 2);
	ext6_put(p, 6, 1);
	tcp_put(p, 40001, 8080, TCP_SYN, 5);
	put_fill(p, 4);
	ipv6_done(p, ip);
}

static void
build_ipv6_frag_first(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 44);
	frag6_put(p, 17, 0, 1);
	udp = udp_put(p, 7000, 7001);
	put_fill(p, 16);
	set16(p, udp + 4, 1000);
	ipv6_done(p, ip);
}

static void
build_ipv6_frag_nonfirst(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 44);
	frag6_put(p, 17, 1232, 0);
	put16(p, 0x1234);
	put16(p, 0x5678);
	put_fill(p, 12);
	ipv6_done(p, ip);
}

/* AH with a 12-byte ICV (24 bytes in all), then TCP. */
static void
build_ipv6_ah_tcp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 51);
	ah_put(p, 6, 4);
	tcp_put(p, 443, 51000, TCP_ACK, 5);
	put_fill(p, 6);
	ipv6_done(p, ip);
}

/* n destination options headers (8 bytes each), then TCP. */
static void
ipv6_n_dstopts(struct pkt *p, int n)
{
	uint32_t ip;
	int i;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 60);
	for (i = 0; i < n; i++)
		ext6_put(p, i + 1 < n ? 60 : 6, 0);
	tcp_put(p, 1, 2, TCP_SYN, 5);
	ipv6_done(p, ip);
}

static void
build_ipv6_8_ext(struct pkt *p)
{
	ipv6_n_dstopts(p, 8);
}

static void
build_ipv6_9_ext(struct pkt *p)
{
	ipv6_n_dstopts(p, 9);
}

static void
build_ipv6_hopopts_second(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 60);
	ext6_put(p, 0, 0);
	ext6_put(p, 6, 0);
	tcp_put(p, 1, 2, TCP_SYN, 5);
	ipv6_done(p, ip);
}

/* TCP with 12 bytes of options: data offset 8. */
static void
build_tcp_options(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 6, 0, 5);
	tcp_put(p, 65535, 1, TCP_FIN | TCP_PSH | TCP_ACK | 0xc0, 8);
	put_fill(p, 5);
	ipv4_done(p, ip);
}

static void
build_ipv4_udp(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 53000, 53);
	put_fill(p, 20);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

static void
build_ipv6_udp(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 17);
	udp = udp_put(p, 546, 547);
	put_fill(p, 7);
	udp_done(p, udp);
	ipv6_done(p, ip);
}

/* SCTP common header (12 bytes) and one 16-byte DATA chunk. */
static void
build_ipv4_sctp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 132, 0, 5);
	put16(p, 2905);
	put16(p, 36412);
	put32(p, 0x11223344);
	put32(p, 0);
	put_fill(p, 16);
	ipv4_done(p, ip);
}

static void
icmp_after_ip(struct pkt *p, uint8_t type, uint8_t code)
{
	put8(p, type);
	put8(p, code);
	put16(p, 0);
	put16(p, 0x4321); /* identifier: not a port */
	put16(p, 0x0001);
	put_fill(p, 16);
}

static void
build_icmp_echo(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 1, 0, 5);
	icmp_after_ip(p, 8, 0);
	ipv4_done(p, ip);
}

/* Destination unreachable, port unreachable. */
static void
build_icmp_unreach(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 1, 0, 5);
	icmp_after_ip(p, 3, 3);
	ipv4_done(p, ip);
}

static void
build_icmpv6_echo(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 58);
	icmp_after_ip(p, 128, 0);
	ipv6_done(p, ip);
}

static void
build_ipv4_esp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 50, 0, 5);
	put32(p, 0x12345678);
	put32(p, 0x9abcdef0);
	put_fill(p, 24);
	ipv4_done(p, ip);
}

static void
build_ipv6_esp(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, 50);
	put32(p, 0xfedcba98);
	put32(p, 0x00000001);
	put_fill(p, 24);
	ipv6_done(p, ip);
}

/* UDP-encapsulated ESP (RFC 3948), from a NATed port to 4500. */
static void
build_natt_esp(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 61000, 4500);
	put32(p, 0x00000102);
	put32(p, 0x80000003);
	put_fill(p, 24);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

/* IKE on 4500: the four-byte zero non-ESP marker, then an IKE header. */
static void
build_natt_ike(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 4500, 4500);
	put32(p, 0);
	put_fill(p, 28);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

/* NAT keepalive: one 0xFF byte; the zero padding after it is not UDP data. */
static void
build_natt_keepalive(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 4500, 4500);
	put8(p, 0xff);
	udp_done(p, udp);
	ipv4_done(p, ip);
	pad60(p);
}

/* GRE carrying transparent Ethernet bridging. */
static void
build_gre(struct pkt *p)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 47, 0, 5);
	put16(p, 0x0000);
	put16(p, 0x6558);
	putn(p, src_mac, 6);
	putn(p, dst_mac, 6);
	put16(p, 0x0806);
	put_fill(p, 28);
	ipv4_done(p, ip);
}

static void
build_vxlan(struct pkt *p)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17, 0, 5);
	udp = udp_put(p, 54321, 4789);
	put32(p, 0x08000000);
	put32(p, 0x12345600);
	putn(p, src_mac, 6);
	putn(p, dst_mac, 6);
	put16(p, 0x0806);
	put_fill(p, 28);
	udp_done(p, udp);
	ipv4_done(p, ip);
}

/* SecTAG with SC, E, C and AN 2, an explicit SCI, 32 data and 16 ICV bytes. */
static void
build_macsec_sci(struct pkt *p)
{
	eth_put(p, 0x88e5);
	put8(p, 0x2c | 2);
	put8(p, 0);
	put32(p, 0x01020304);
	put32(p, 0x00112233);
	put32(p, 0x44550007);
	put_fill(p, 48);
}

/* SecTAG without SCI (E, C, AN 1), a PN with its top bit set, SL 42. */
static void
build_macsec_nosci(struct pkt *p)
{
	eth_put(p, 0x88e5);
	put8(p, 0x0c | 1);
	put8(p, 42);
	put32(p, 0xfffffffe);
	put_fill(p, 42 + 16);
}

/* ES set (end station) without SC: valid, SCI implicit; AN 3. */
static void
build_macsec_es(struct pkt *p)
{
	eth_put(p, 0x88e5);
	put8(p, 0x40 | 3);
	put8(p, 0);
	put32(p, 0x00000001);
	put_fill(p, 64);
}

/* ARP request, 42 bytes padded to 60. */
static void
build_arp(struct pkt *p)
{
	eth_put(p, 0x0806);
	put16(p, 1);
	put16(p, 0x0800);
	put8(p, 6);
	put8(p, 4);
	put16(p, 1);
	putn(p, src_mac, 6);
	putn(p, v4_src, 4);
	put_zero(p, 6);
	putn(p, v4_dst, 4);
	pad60(p);
}

/* 802.3 frame with an LLC header (an STP BPDU): length 38, padded to 60. */
static void
build_8023(struct pkt *p)
{
	eth_put(p, 38);
	put8(p, 0x42);
	put8(p, 0x42);
	put8(p, 0x03);
	put_zero(p, 35);
	pad60(p);
}

/* ARP behind a VLAN tag: L2 payload starts after the tag. */
static void
build_vlan_arp(struct pkt *p)
{
	macs_put(p);
	put16(p, 0x8100);
	put16(p, 0x000a);
	put16(p, 0x0806);
	put_fill(p, 28);
}

/* ---- tunnels ---- */

/* Outer (underlay) addresses, distinct from the inner packet's. */
static const uint8_t t4_src[4] = {10, 0, 0, 1};
static const uint8_t t4_dst[4] = {10, 0, 0, 2};
static const uint8_t t6_src[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t t6_dst[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02};
/* The inner Ethernet frame's MACs. */
static const uint8_t in_mac_a[6] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x01};
static const uint8_t in_mac_b[6] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x02};

/* The inner packet of every tunnel test: IPv4 TCP 40000 -> 443, 50 bytes. */
static void
inner_v4_tcp(struct pkt *p)
{
	uint32_t ip = ipv4_put(p, 6, 0x4000, 5);

	tcp_put(p, 40000, 443, TCP_SYN | TCP_ACK, 5);
	put_fill(p, 10);
	ipv4_done(p, ip);
}

/* Or IPv6 UDP 5353 -> 5353, 60 bytes. */
static void
inner_v6_udp(struct pkt *p)
{
	uint32_t ip = ipv6_put(p, 17), udp;

	udp = udp_put(p, 5353, 5353);
	put_fill(p, 12);
	udp_done(p, udp);
	ipv6_done(p, ip);
}

static void
inner_eth(struct pkt *p, uint16_t ethertype)
{
	putn(p, in_mac_b, 6);
	putn(p, in_mac_a, 6);
	put16(p, ethertype);
}

/* Outer Ethernet and IPv4 header with the tunnel's addresses. */
static uint32_t
outer_v4(struct pkt *p, uint8_t proto)
{
	uint32_t ip;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, proto, 0, 5);
	memcpy(p->b + ip + 12, t4_src, 4);
	memcpy(p->b + ip + 16, t4_dst, 4);
	return ip;
}

static uint32_t
outer_v6(struct pkt *p, uint8_t nh)
{
	uint32_t ip;

	eth_put(p, 0x86dd);
	ip = ipv6_put(p, nh);
	memcpy(p->b + ip + 8, t6_src, 16);
	memcpy(p->b + ip + 24, t6_dst, 16);
	return ip;
}

/* A UDP tunnel over IPv4: outer headers, then the tunnel header is the caller's. */
static void
outer_v4_udp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t *ip, uint32_t *udp)
{
	*ip = outer_v4(p, 17);
	*udp = udp_put(p, sport, dport);
}

static void
outer_done(struct pkt *p, uint32_t ip, uint32_t udp)
{
	if (udp != 0)
		udp_done(p, udp);
	ipv4_done(p, ip);
}

static void
build_vxlan_v4(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	put32(p, 0x08000000);
	put32(p, 0x12345600);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* Linux's VXLAN port, an inner VLAN tag (not the flow's) and IPv6 inside. */
static void
build_vxlan_8472_v6(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 8472, &ip, &udp);
	put32(p, 0x0c000000); /* I and a reserved bit */
	put32(p, 0x00000a00);
	putn(p, in_mac_b, 6);
	putn(p, in_mac_a, 6);
	put16(p, 0x8100);
	put16(p, 0x0063);
	put16(p, 0x86dd);
	inner_v6_udp(p);
	outer_done(p, ip, udp);
}

/* Geneve with 8 bytes of options carrying Ethernet. */
static void
build_geneve_opts(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 6081, &ip, &udp);
	put16(p, 0x0200); /* version 0, OptLen 2 words */
	put16(p, 0x6558);
	put32(p, 0x00abcd00);
	put16(p, 0x0102); /* option class */
	put8(p, 0x03);	  /* type */
	put8(p, 0x01);	  /* length: 1 word of data */
	put32(p, 0xdeadbeef);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* Geneve carrying IPv4 directly, over an IPv6 underlay. */
static void
build_geneve_ip_v6(struct pkt *p)
{
	uint32_t ip = outer_v6(p, 17), udp;

	udp = udp_put(p, 49152, 6081);
	put16(p, 0x0000);
	put16(p, 0x0800);
	put32(p, 0x00000700);
	inner_v4_tcp(p);
	udp_done(p, udp);
	ipv6_done(p, ip);
}

static void
build_gre_ip(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x0000);
	put16(p, 0x0800);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* GRE with checksum, key and sequence number, carrying IPv6. */
static void
build_gre_csum_key_seq_v6(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0xb000);
	put16(p, 0x86dd);
	put32(p, 0xffff0000); /* checksum, reserved */
	put32(p, 0x00001001); /* key */
	put32(p, 0x00000005); /* sequence */
	inner_v6_udp(p);
	ipv4_done(p, ip);
}

/* NVGRE (RFC 7637): key = VSID << 8 | FlowID, transparent Ethernet bridging. */
static void
build_nvgre(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x2000);
	put16(p, 0x6558);
	put32(p, 0x00654321);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* ERSPAN type I: GRE 0x88BE without a sequence number, then the frame. */
static void
build_erspan1(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x0000);
	put16(p, 0x88be);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* ERSPAN type II: GRE with S, an 8-byte header (version 1). */
static void
build_erspan2(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x1000);
	put16(p, 0x88be);
	put32(p, 0x00000009);
	put32(p, 0x10640064); /* version 1, VLAN 100, session 100 */
	put32(p, 0x00000000);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* ERSPAN type III with the O bit: 12 bytes and an 8-byte platform subheader. */
static void
build_erspan3(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x1000);
	put16(p, 0x22eb);
	put32(p, 0x00000009);
	put32(p, 0x20640064); /* version 2 */
	put32(p, 0x11223344); /* timestamp */
	put32(p, 0x00000001); /* SGT 0, frame type 0, O */
	put32(p, 0x0a0b0c0d); /* platform subheader */
	put32(p, 0x0e0f1011);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* GRE carrying an MPLS label stack (two entries) and IPv4. */
static void
build_gre_mpls(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x0000);
	put16(p, 0x8847);
	put32(p, (100u << 12) | 0x40); /* label 100, TTL 64 */
	put32(p, (200u << 12) | 0x140);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* PPTP: enhanced GRE (version 1, K, S, A) carrying PPP, carrying IPv4. */
static void
build_pptp(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x3081);
	put16(p, 0x880b);
	put16(p, 54);	      /* payload length */
	put16(p, 0x0007);     /* call id */
	put32(p, 0x00000003); /* sequence */
	put32(p, 0x00000002); /* acknowledgement */
	put16(p, 0xff03);
	put16(p, 0x0021);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

static void
build_gtpu_v4(struct pkt *p)
{
	uint32_t ip, udp, g;

	outer_v4_udp(p, 2152, 2152, &ip, &udp);
	g = p->len;
	put8(p, 0x30);
	put8(p, 0xff);
	put16(p, 0);
	put32(p, 0x0badcafe);
	inner_v4_tcp(p);
	set16(p, g + 2, (uint16_t)(p->len - g - 8));
	outer_done(p, ip, udp);
}

/* GTP-U with E and S: a PDU session container extension, then IPv6. */
static void
build_gtpu_ext_v6(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 2152, 2152, &ip, &udp);
	put8(p, 0x36);
	put8(p, 0xff);
	put16(p, 0);
	put32(p, 0x00000042);
	put16(p, 0x0001); /* sequence */
	put8(p, 0);	  /* N-PDU */
	put8(p, 0x85);	  /* next: PDU session container */
	put8(p, 1);	  /* 4 bytes */
	put16(p, 0x0009);
	put8(p, 0x00); /* no next */
	inner_v6_udp(p);
	outer_done(p, ip, udp);
}

/* GTP-U echo request: a valid header that carries no packet. */
static void
build_gtpu_echo(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 40000, 2152, &ip, &udp);
	put8(p, 0x32);
	put8(p, 0x01);
	put16(p, 4);
	put32(p, 0);
	put32(p, 0x00010000);
	outer_done(p, ip, udp);
}

static void
build_ipip_4in4(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 4);

	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

static void
build_ipip_6in4(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 41);

	inner_v6_udp(p);
	ipv4_done(p, ip);
}

static void
build_ipip_4in6(struct pkt *p)
{
	uint32_t ip = outer_v6(p, 4);

	inner_v4_tcp(p);
	ipv6_done(p, ip);
}

static void
build_ipip_6in6(struct pkt *p)
{
	uint32_t ip = outer_v6(p, 41);

	inner_v6_udp(p);
	ipv6_done(p, ip);
}

/* MPLS over Ethernet: five entries (more than are kept), then IPv4. */
static void
build_mpls_deep_v4(struct pkt *p)
{
	uint32_t i;

	eth_put(p, 0x8847);
	for (i = 1; i <= 5; i++)
		put32(p, (i * 1000u << 12) | (i == 5 ? 0x100 : 0) | 0x3f);
	inner_v4_tcp(p);
}

/* Multicast MPLS, one entry, IPv6. */
static void
build_mpls_mc_v6(struct pkt *p)
{
	eth_put(p, 0x8848);
	put32(p, (16u << 12) | 0x100 | 0x40);
	inner_v6_udp(p);
}

/* An Ethernet pseudowire with a control word. */
static void
build_mpls_pw_eth(struct pkt *p)
{
	eth_put(p, 0x8847);
	put32(p, (300u << 12) | 0x40);
	put32(p, (301u << 12) | 0x100 | 0x40);
	put32(p, 0x00000001); /* control word */
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
}

/* MPLS over UDP (RFC 7510). */
static void
build_mpls_udp(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 6635, &ip, &udp);
	put32(p, (77u << 12) | 0x100 | 0x40);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* Teredo from a server's port, with an origin indication. */
static void
build_teredo(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 3544, 40001, &ip, &udp);
	put16(p, 0x0000);
	put16(p, 0x1234);
	put32(p, 0x01020304);
	inner_v6_udp(p);
	outer_done(p, ip, udp);
}

/* GRE inside VXLAN: the outermost tunnel names the encapsulation. */
static void
build_vxlan_gre(struct pkt *p)
{
	uint32_t ip, udp, ip2;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	put32(p, 0x08000000);
	put32(p, 0x00000100);
	inner_eth(p, 0x0800);
	ip2 = ipv4_put(p, 47, 0, 5);
	put16(p, 0x2000);
	put16(p, 0x0800);
	put32(p, 0x00000077);
	inner_v4_tcp(p);
	ipv4_done(p, ip2);
	outer_done(p, ip, udp);
}

/* Five IP-in-IP headers: one more than WM_PKT_MAX_ENCAP decodes. */
static void
build_ipip_too_deep(struct pkt *p)
{
	uint32_t ips[5], i;

	ips[0] = outer_v4(p, 4);
	for (i = 1; i < 5; i++)
		ips[i] = ipv4_put(p, 4, 0, 5);
	inner_v4_tcp(p);
	for (i = 5; i-- > 0;)
		ipv4_done(p, ips[i]);
}

/* GRE in UDP (RFC 8086). */
static void
build_gre_udp(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4754, &ip, &udp);
	put16(p, 0x0000);
	put16(p, 0x0800);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* GTP-U downlink from port 2152 to another port. */
static void
build_gtpu_from_2152(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 2152, 40000, &ip, &udp);
	put8(p, 0x30);
	put8(p, 0xff);
	put16(p, 50);
	put32(p, 0x00000099);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* Teredo between a client and a relay: no well-known port, a bare IPv6 packet. */
static void
build_teredo_relay(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 40001, 50000, &ip, &udp);
	inner_v6_udp(p);
	outer_done(p, ip, udp);
}

/* A UDP payload that starts like IPv6 but is not one packet: plain UDP. */
static void
build_udp_looks_v6(struct pkt *p)
{
	uint32_t ip, udp, v6;

	outer_v4_udp(p, 40001, 50000, &ip, &udp);
	v6 = p->len;
	inner_v6_udp(p);
	set16(p, v6 + 4, 21); /* one more than the UDP payload holds */
	outer_done(p, ip, udp);
}

/* ---- tunnels whose header does not parse: metered as the outer flow ---- */

static void
build_vxlan_no_i(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	put32(p, 0x00000000);
	put32(p, 0x12345600);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* A 4-byte UDP payload on port 4789: a benchmark's own traffic. */
static void
build_vxlan_short(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	put32(p, 0x08000000);
	outer_done(p, ip, udp);
}

/* VXLAN whose inner IPv4 header is cut by the outer packet's end. */
static void
build_vxlan_inner_cut(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	put32(p, 0x08000000);
	put32(p, 0x12345600);
	inner_eth(p, 0x0800);
	put_fill(p, 12);
	outer_done(p, ip, udp);
}

static void
build_geneve_v1(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 6081, &ip, &udp);
	put16(p, 0x4000);
	put16(p, 0x6558);
	put32(p, 0x00000100);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* GRE with the routing bit (RFC 1701 source routes): not decoded. */
static void
build_gre_routing(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x4000);
	put16(p, 0x0800);
	put32(p, 0);
	inner_v4_tcp(p);
	ipv4_done(p, ip);
}

/* Three bytes of GRE header. */
static void
build_gre_short(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 47);

	put16(p, 0x0000);
	put8(p, 0x08);
	ipv4_done(p, ip);
}

static void
build_gtpu_v2(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 2152, 2152, &ip, &udp);
	put8(p, 0x50);
	put8(p, 0xff);
	put16(p, 50);
	put32(p, 1);
	inner_v4_tcp(p);
	outer_done(p, ip, udp);
}

/* Protocol 4, but an IPv6 header inside. */
static void
build_ipip_wrong_version(struct pkt *p)
{
	uint32_t ip = outer_v4(p, 4);

	inner_v6_udp(p);
	ipv4_done(p, ip);
}

/* An MPLS stack without a bottom-of-stack entry: an L2 flow, as before. */
static void
build_mpls_no_bos(struct pkt *p)
{
	eth_put(p, 0x8847);
	put32(p, (5u << 12) | 0x40);
	put32(p, (6u << 12) | 0x40);
}

/* UDP from port 3544 that is not Teredo. */
static void
build_teredo_not_v6(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 3544, 3544, &ip, &udp);
	put_fill(p, 40);
	outer_done(p, ip, udp);
}

/* The first fragment of a VXLAN packet: the inner packet is not whole. */
static void
build_vxlan_frag(struct pkt *p)
{
	uint32_t ip, udp;

	outer_v4_udp(p, 49152, 4789, &ip, &udp);
	set16(p, ip + 6, 0x2000);
	put32(p, 0x08000000);
	put32(p, 0x12345600);
	inner_eth(p, 0x0800);
	inner_v4_tcp(p);
	set16(p, udp + 4, 1400);
	ipv4_done(p, ip);
}

/* ---- offload-sized frames ---- */

/* TSO: IPv4 total length 0 on a TCP segment of 1000 payload bytes. */
static void
build_ipv4_tso(struct pkt *p)
{
	eth_put(p, 0x0800);
	ipv4_put(p, 6, 0x4000, 5);
	tcp_put(p, 40000, 443, TCP_ACK, 5);
	put_fill(p, 100);
}

/* An IPv6 jumbogram: payload length 0 and a Jumbo Payload option of 70000. */
static void
build_ipv6_jumbo(struct pkt *p)
{
	eth_put(p, 0x86dd);
	ipv6_put(p, 0);
	put8(p, 6);
	put8(p, 0);
	put8(p, 0xc2);
	put8(p, 4);
	put32(p, 70000);
	tcp_put(p, 40000, 443, TCP_ACK, 5);
	put_fill(p, 30);
}

/* IPv6 BIG TCP: payload length 0 and no jumbo option. */
static void
build_ipv6_big_tcp(struct pkt *p)
{
	eth_put(p, 0x86dd);
	ipv6_put(p, 6);
	tcp_put(p, 40000, 443, TCP_ACK, 5);
	put_fill(p, 40);
}

typedef void (*pkt_builder)(struct pkt *p);

/*
 * Every frame the tests build, valid or not, with the result of parsing
 * it whole. The truncation and fuzz tests start from these.
 */
static const struct {
	const char *name;
	pkt_builder build;
	enum wm_pkt_error err;
} all_frames[] = {
	{"ipv4_tcp", build_ipv4_tcp, WM_PKT_OK},
	{"vlan", build_vlan, WM_PKT_OK},
	{"qinq", build_qinq, WM_PKT_OK},
	{"qinq_9100", build_qinq_9100, WM_PKT_OK},
	{"vlan_three_tags", build_vlan_three_tags, WM_PKT_OK},
	{"ipv4_opts6", build_ipv4_opts6, WM_PKT_OK},
	{"ipv4_opts15", build_ipv4_opts15, WM_PKT_OK},
	{"ipv4_udp_padded", build_ipv4_udp_padded, WM_PKT_OK},
	{"ipv4_frag_first", build_ipv4_frag_first, WM_PKT_OK},
	{"ipv4_frag_last", build_ipv4_frag_last, WM_PKT_OK},
	{"ipv4_frag_middle", build_ipv4_frag_middle, WM_PKT_OK},
	{"ipv4_frag_far", build_ipv4_frag_far, WM_PKT_OK},
	{"ipv6_tcp", build_ipv6_tcp, WM_PKT_OK},
	{"ipv6_ext_chain", build_ipv6_ext_chain, WM_PKT_OK},
	{"ipv6_frag_first", build_ipv6_frag_first, WM_PKT_OK},
	{"ipv6_frag_nonfirst", build_ipv6_frag_nonfirst, WM_PKT_OK},
	{"ipv6_ah_tcp", build_ipv6_ah_tcp, WM_PKT_OK},
	{"ipv6_8_ext", build_ipv6_8_ext, WM_PKT_OK},
	{"ipv6_9_ext", build_ipv6_9_ext, WM_PKT_ERR_IPV6_BAD_EXT_CHAIN},
	{"ipv6_hopopts_second", build_ipv6_hopopts_second, WM_PKT_ERR_IPV6_BAD_EXT_CHAIN},
	{"tcp_options", build_tcp_options, WM_PKT_OK},
	{"ipv4_udp_snap", build_ipv4_udp_snap, WM_PKT_OK},
	{"ipv4_tcp_snap", build_ipv4_tcp_snap, WM_PKT_OK},
	{"ipv6_udp_snap", build_ipv6_udp_snap, WM_PKT_OK},
	{"ipv4_ospf", build_ipv4_ospf, WM_PKT_OK},
	{"ipv6_no_next", build_ipv6_no_next, WM_PKT_OK},
	{"ipv4_udp", build_ipv4_udp, WM_PKT_OK},
	{"ipv6_udp", build_ipv6_udp, WM_PKT_OK},
	{"ipv4_sctp", build_ipv4_sctp, WM_PKT_OK},
	{"icmp_echo", build_icmp_echo, WM_PKT_OK},
	{"icmp_unreach", build_icmp_unreach, WM_PKT_OK},
	{"icmpv6_echo", build_icmpv6_echo, WM_PKT_OK},
	{"ipv4_esp", build_ipv4_esp, WM_PKT_OK},
	{"ipv6_esp", build_ipv6_esp, WM_PKT_OK},
	{"natt_esp", build_natt_esp, WM_PKT_OK},
	{"natt_ike", build_natt_ike, WM_PKT_OK},
	{"natt_keepalive", build_natt_keepalive, WM_PKT_OK},
	{"gre", build_gre, WM_PKT_OK},
	{"vxlan", build_vxlan, WM_PKT_OK},
	{"macsec_sci", build_macsec_sci, WM_PKT_OK},
	{"macsec_nosci", build_macsec_nosci, WM_PKT_OK},
	{"macsec_es", build_macsec_es, WM_PKT_OK},
	{"arp", build_arp, WM_PKT_OK},
	{"8023", build_8023, WM_PKT_OK},
	{"vlan_arp", build_vlan_arp, WM_PKT_OK},
	{"vxlan_v4", build_vxlan_v4, WM_PKT_OK},
	{"vxlan_8472_v6", build_vxlan_8472_v6, WM_PKT_OK},
	{"geneve_opts", build_geneve_opts, WM_PKT_OK},
	{"geneve_ip_v6", build_geneve_ip_v6, WM_PKT_OK},
	{"gre_ip", build_gre_ip, WM_PKT_OK},
	{"gre_csum_key_seq_v6", build_gre_csum_key_seq_v6, WM_PKT_OK},
	{"nvgre", build_nvgre, WM_PKT_OK},
	{"erspan1", build_erspan1, WM_PKT_OK},
	{"erspan2", build_erspan2, WM_PKT_OK},
	{"erspan3", build_erspan3, WM_PKT_OK},
	{"gre_mpls", build_gre_mpls, WM_PKT_OK},
	{"pptp", build_pptp, WM_PKT_OK},
	{"gtpu_v4", build_gtpu_v4, WM_PKT_OK},
	{"gtpu_ext_v6", build_gtpu_ext_v6, WM_PKT_OK},
	{"gtpu_echo", build_gtpu_echo, WM_PKT_OK},
	{"ipip_4in4", build_ipip_4in4, WM_PKT_OK},
	{"ipip_6in4", build_ipip_6in4, WM_PKT_OK},
	{"ipip_4in6", build_ipip_4in6, WM_PKT_OK},
	{"ipip_6in6", build_ipip_6in6, WM_PKT_OK},
	{"mpls_deep_v4", build_mpls_deep_v4, WM_PKT_OK},
	{"mpls_mc_v6", build_mpls_mc_v6, WM_PKT_OK},
	{"mpls_pw_eth", build_mpls_pw_eth, WM_PKT_OK},
	{"mpls_udp", build_mpls_udp, WM_PKT_OK},
	{"teredo", build_teredo, WM_PKT_OK},
	{"vxlan_gre", build_vxlan_gre, WM_PKT_OK},
	{"ipip_too_deep", build_ipip_too_deep, WM_PKT_OK},
	{"gre_udp", build_gre_udp, WM_PKT_OK},
	{"gtpu_from_2152", build_gtpu_from_2152, WM_PKT_OK},
	{"teredo_relay", build_teredo_relay, WM_PKT_OK},
	{"udp_looks_v6", build_udp_looks_v6, WM_PKT_OK},
	{"vxlan_no_i", build_vxlan_no_i, WM_PKT_OK},
	{"vxlan_short", build_vxlan_short, WM_PKT_OK},
	{"vxlan_inner_cut", build_vxlan_inner_cut, WM_PKT_OK},
	{"geneve_v1", build_geneve_v1, WM_PKT_OK},
	{"gre_routing", build_gre_routing, WM_PKT_OK},
	{"gre_short", build_gre_short, WM_PKT_OK},
	{"gtpu_v2", build_gtpu_v2, WM_PKT_OK},
	{"ipip_wrong_version", build_ipip_wrong_version, WM_PKT_OK},
	{"mpls_no_bos", build_mpls_no_bos, WM_PKT_OK},
	{"teredo_not_v6", build_teredo_not_v6, WM_PKT_OK},
	{"vxlan_frag", build_vxlan_frag, WM_PKT_OK},
	{"ipv4_tso", build_ipv4_tso, WM_PKT_OK},
	{"ipv6_jumbo", build_ipv6_jumbo, WM_PKT_OK},
	{"ipv6_big_tcp", build_ipv6_big_tcp, WM_PKT_OK},
};

#define N_FRAMES (sizeof(all_frames) / sizeof(all_frames[0]))

/* ---- parsing and checking ---- */

/*
 * Parse len bytes of src from a heap copy of exactly len bytes, so that
 * AddressSanitizer flags any read past the end. meta is poisoned first:
 * the parser must clear what it does not set. The copy is freed, so
 * meta->eth is checked here and then cleared.
 */
static enum wm_pkt_error
parse_exact(const uint8_t *src, uint32_t len, struct wm_pkt_meta *meta)
{
	enum wm_pkt_error err;
	uint8_t *buf = malloc(len > 0 ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memcpy(buf, src, len);
	memset(meta, 0xa5, sizeof(*meta));
	err = wm_pkt_parse(buf, len, meta);
	CU_ASSERT_PTR_EQUAL(meta->eth, buf);
	meta->eth = NULL;
	free(buf);
	return err;
}

static enum wm_pkt_error
parse_pkt(const struct pkt *p, struct wm_pkt_meta *meta)
{
	return parse_exact(p->b, p->len, meta);
}

static void
field_eq(const char *field, uint64_t got, uint64_t exp, const char *file, unsigned int line)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "meta.%s == 0x%" PRIx64 " (got 0x%" PRIx64 ")", field, exp, got);
	CU_assertImplementation(got == exp ? CU_TRUE : CU_FALSE, line, msg, file, "", CU_FALSE);
}

static void
bytes_eq(const char *field, const uint8_t *got, const uint8_t *exp, const char *file,
	 unsigned int line)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "meta.%s equals the expected 16 bytes", field);
	CU_assertImplementation(memcmp(got, exp, 16) == 0 ? CU_TRUE : CU_FALSE, line, msg, file, "",
				CU_FALSE);
}

/*
 * Compare every field the parser owns; ts_ns and port belong to the
 * caller, eth is checked by parse_exact().
 */
static void
meta_eq(const struct wm_pkt_meta *got, const struct wm_pkt_meta *exp, const char *file,
	unsigned int line)
{
#define FIELD_EQ(f) field_eq(#f, (uint64_t)got->f, (uint64_t)exp->f, file, line)
	bytes_eq("src", got->src, exp->src, file, line);
	bytes_eq("dst", got->dst, exp->dst, file, line);
	FIELD_EQ(kind);
	FIELD_EQ(proto);
	FIELD_EQ(flags);
	FIELD_EQ(tcp_flags);
	FIELD_EQ(tos);
	FIELD_EQ(macsec_an);
	FIELD_EQ(macsec_tci);
	FIELD_EQ(n_vlan);
	FIELD_EQ(vlan);
	FIELD_EQ(ethertype);
	FIELD_EQ(sport);
	FIELD_EQ(dport);
	FIELD_EQ(icmp_type_code);
	FIELD_EQ(l3_off);
	FIELD_EQ(l4_off);
	FIELD_EQ(payload_off);
	FIELD_EQ(l3_len);
	FIELD_EQ(spi);
	FIELD_EQ(esp_seq);
	FIELD_EQ(macsec_pn);
	FIELD_EQ(macsec_sci);
	FIELD_EQ(cvlan);
	FIELD_EQ(mac_off);
	FIELD_EQ(offload);
	FIELD_EQ(encap);
	FIELD_EQ(undecoded);
	FIELD_EQ(encap_flags);
	FIELD_EQ(n_mpls);
	FIELD_EQ(frag_id);
	FIELD_EQ(outer_frag_id);
	FIELD_EQ(outer_proto);
	FIELD_EQ(segment_id);
	FIELD_EQ(gtp_teid);
	FIELD_EQ(mpls[0]);
	FIELD_EQ(mpls[1]);
	FIELD_EQ(mpls[2]);
	bytes_eq("outer_src", got->outer_src, exp->outer_src, file, line);
	bytes_eq("outer_dst", got->outer_dst, exp->outer_dst, file, line);
#undef FIELD_EQ
}

/* Build, parse (it must succeed) and compare with exp. */
static void
expect_frame(pkt_builder build, const struct wm_pkt_meta *exp, const char *file, unsigned int line)
{
	struct pkt p;
	struct wm_pkt_meta m;
	enum wm_pkt_error err;
	char msg[96];

	build(&p);
	err = parse_pkt(&p, &m);
	snprintf(msg, sizeof(msg), "parse returns ok (got %s)", wm_pkt_error_name(err));
	CU_assertImplementation(err == WM_PKT_OK ? CU_TRUE : CU_FALSE, line, msg, file, "",
				CU_FALSE);
	if (err == WM_PKT_OK)
		meta_eq(&m, exp, file, line);
}

#define EXPECT_FRAME(build, exp) expect_frame((build), (exp), __FILE__, __LINE__)

/* Build and parse; the parse must fail with err. */
static void
expect_error(pkt_builder build, enum wm_pkt_error err, const char *file, unsigned int line)
{
	struct pkt p;
	struct wm_pkt_meta m;
	enum wm_pkt_error got;
	char msg[128];

	build(&p);
	got = parse_pkt(&p, &m);
	snprintf(msg, sizeof(msg), "parse returns %s (got %s)", wm_pkt_error_name(err),
		 wm_pkt_error_name(got));
	CU_assertImplementation(got == err ? CU_TRUE : CU_FALSE, line, msg, file, "", CU_FALSE);
}

#define EXPECT_ERROR(build, err) expect_error((build), (err), __FILE__, __LINE__)

static void
exp_v4(struct wm_pkt_meta *exp)
{
	memcpy(exp->src, v4_src, 4);
	memcpy(exp->dst, v4_dst, 4);
	exp->kind = WM_PKT_KIND_IPV4;
	exp->ethertype = 0x0800;
	exp->tos = TOS_V4;
	exp->l3_off = 14;
}

static void
exp_v6(struct wm_pkt_meta *exp)
{
	memcpy(exp->src, v6_src, 16);
	memcpy(exp->dst, v6_dst, 16);
	exp->kind = WM_PKT_KIND_IPV6;
	exp->ethertype = 0x86dd;
	exp->tos = TC_V6;
	exp->l3_off = 14;
}

/* ---- L2 ---- */

static void
test_pkt_eth_ipv4_tcp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 6;
	exp.sport = 40000;
	exp.dport = 443;
	exp.tcp_flags = TCP_SYN | TCP_ACK;
	exp.l4_off = 34;
	exp.payload_off = 54;
	exp.l3_len = 50;
	EXPECT_FRAME(build_ipv4_tcp, &exp);
}

static void
test_pkt_vlan_8021q(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.flags = WM_PKT_F_VLAN;
	exp.n_vlan = 1;
	exp.vlan = 123;
	exp.proto = 17;
	exp.sport = 5353;
	exp.dport = 5353;
	exp.l3_off = 18;
	exp.l4_off = 38;
	exp.payload_off = 46;
	exp.l3_len = 40;
	EXPECT_FRAME(build_vlan, &exp);
}

static void
test_pkt_qinq_outer_vlan_kept(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.flags = WM_PKT_F_VLAN;
	exp.n_vlan = 2;
	exp.vlan = 200;
	exp.cvlan = 100;
	exp.proto = 17;
	exp.sport = 5353;
	exp.dport = 5353;
	exp.l3_off = 22;
	exp.l4_off = 42;
	exp.payload_off = 50;
	exp.l3_len = 40;
	EXPECT_FRAME(build_qinq, &exp);

	exp.vlan = 4094;
	exp.cvlan = 5;
	EXPECT_FRAME(build_qinq_9100, &exp);
}

static void
test_pkt_vlan_three_tags(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.flags = WM_PKT_F_VLAN;
	exp.n_vlan = 3;
	exp.vlan = 1;
	exp.cvlan = 3;
	exp.proto = 17;
	exp.sport = 5353;
	exp.dport = 5353;
	exp.l3_off = 26;
	exp.l4_off = 46;
	exp.payload_off = 54;
	exp.l3_len = 40;
	EXPECT_FRAME(build_vlan_three_tags, &exp);
}

static void
test_pkt_l2_arp(void)
{
	struct wm_pkt_meta exp = {0};

	exp.kind = WM_PKT_KIND_L2;
	exp.ethertype = 0x0806;
	exp.l3_off = 14;
	exp.l3_len = 46;
	EXPECT_FRAME(build_arp, &exp);

	exp.flags = WM_PKT_F_VLAN;
	exp.n_vlan = 1;
	exp.vlan = 10;
	exp.l3_off = 18;
	exp.l3_len = 28;
	EXPECT_FRAME(build_vlan_arp, &exp);
}

static void
test_pkt_l2_8023_length(void)
{
	struct wm_pkt_meta exp = {0};

	exp.kind = WM_PKT_KIND_L2;
	exp.ethertype = 0;
	exp.l3_off = 14;
	exp.l3_len = 46;
	EXPECT_FRAME(build_8023, &exp);
}

/* ---- IPv4 ---- */

static void
test_pkt_ipv4_options(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 6;
	exp.sport = 1234;
	exp.dport = 80;
	exp.tcp_flags = TCP_ACK;
	exp.l4_off = 38;
	exp.payload_off = 58;
	exp.l3_len = 48;
	EXPECT_FRAME(build_ipv4_opts6, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 999;
	exp.dport = 1000;
	exp.l4_off = 74;
	exp.payload_off = 82;
	exp.l3_len = 71;
	EXPECT_FRAME(build_ipv4_opts15, &exp);
}

static void
test_pkt_ipv4_padding_l3_len(void)
{
	struct wm_pkt_meta exp = {0};
	struct pkt p;

	build_ipv4_udp_padded(&p);
	CU_ASSERT_EQUAL(p.len, 60);
	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 5000;
	exp.dport = 5001;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 30;
	EXPECT_FRAME(build_ipv4_udp_padded, &exp);
}

static void
test_pkt_ipv4_first_fragment(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.flags = WM_PKT_F_FRAG;
	exp.proto = 17;
	exp.sport = 5004;
	exp.dport = 5005;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 60;
	exp.frag_id = 0x1234;
	EXPECT_FRAME(build_ipv4_frag_first, &exp);
}

static void
test_pkt_ipv4_nonfirst_fragment(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.flags = WM_PKT_F_FRAG | WM_PKT_F_FRAG_NONFIRST;
	exp.proto = 17;
	exp.l3_len = 44;
	exp.frag_id = 0x1234;
	EXPECT_FRAME(build_ipv4_frag_last, &exp);

	exp.proto = 6;
	EXPECT_FRAME(build_ipv4_frag_middle, &exp);

	exp.proto = 17;
	EXPECT_FRAME(build_ipv4_frag_far, &exp);
}

/* ---- IPv6 ---- */

static void
test_pkt_ipv6_plain(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.proto = 6;
	exp.sport = 50000;
	exp.dport = 22;
	exp.tcp_flags = TCP_PSH | TCP_ACK;
	exp.l4_off = 54;
	exp.payload_off = 74;
	exp.l3_len = 68;
	EXPECT_FRAME(build_ipv6_tcp, &exp);
}

static void
test_pkt_ipv6_ext_chain(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.proto = 6;
	exp.sport = 40001;
	exp.dport = 8080;
	exp.tcp_flags = TCP_SYN;
	exp.l4_off = 54 + 8 + 24 + 16;
	exp.payload_off = 54 + 8 + 24 + 16 + 20;
	exp.l3_len = 40 + 8 + 24 + 16 + 20 + 4;
	EXPECT_FRAME(build_ipv6_ext_chain, &exp);
}

static void
test_pkt_ipv6_first_fragment(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.flags = WM_PKT_F_FRAG;
	exp.proto = 17;
	exp.sport = 7000;
	exp.dport = 7001;
	exp.l4_off = 62;
	exp.payload_off = 70;
	exp.l3_len = 40 + 8 + 8 + 16;
	exp.frag_id = 0xcafe0001;
	EXPECT_FRAME(build_ipv6_frag_first, &exp);
}

static void
test_pkt_ipv6_nonfirst_fragment(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.flags = WM_PKT_F_FRAG | WM_PKT_F_FRAG_NONFIRST;
	exp.proto = 17;
	exp.l3_len = 40 + 8 + 16;
	exp.frag_id = 0xcafe0001;
	EXPECT_FRAME(build_ipv6_frag_nonfirst, &exp);
}

static void
test_pkt_ipv6_ah_tcp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.proto = 6;
	exp.sport = 443;
	exp.dport = 51000;
	exp.tcp_flags = TCP_ACK;
	exp.l4_off = 54 + 24;
	exp.payload_off = 54 + 24 + 20;
	exp.l3_len = 40 + 24 + 20 + 6;
	EXPECT_FRAME(build_ipv6_ah_tcp, &exp);
}

static void
test_pkt_ipv6_hopopts_not_first(void)
{
	EXPECT_ERROR(build_ipv6_hopopts_second, WM_PKT_ERR_IPV6_BAD_EXT_CHAIN);
}

static void
test_pkt_ipv6_ext_chain_too_long(void)
{
	struct wm_pkt_meta exp = {0};

	/* Eight headers is the limit and still parses. */
	exp_v6(&exp);
	exp.proto = 6;
	exp.sport = 1;
	exp.dport = 2;
	exp.tcp_flags = TCP_SYN;
	exp.l4_off = 54 + 8 * 8;
	exp.payload_off = 54 + 8 * 8 + 20;
	exp.l3_len = 40 + 8 * 8 + 20;
	EXPECT_FRAME(build_ipv6_8_ext, &exp);

	EXPECT_ERROR(build_ipv6_9_ext, WM_PKT_ERR_IPV6_BAD_EXT_CHAIN);
}

/* ---- L4 ---- */

static void
test_pkt_tcp_ports_flags(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 6;
	exp.sport = 65535;
	exp.dport = 1;
	exp.tcp_flags = TCP_FIN | TCP_PSH | TCP_ACK | 0xc0;
	exp.l4_off = 34;
	exp.payload_off = 34 + 32;
	exp.l3_len = 20 + 32 + 5;
	EXPECT_FRAME(build_tcp_options, &exp);
}

static void
test_pkt_udp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 53000;
	exp.dport = 53;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 48;
	EXPECT_FRAME(build_ipv4_udp, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_v6(&exp);
	exp.proto = 17;
	exp.sport = 546;
	exp.dport = 547;
	exp.l4_off = 54;
	exp.payload_off = 62;
	exp.l3_len = 55;
	EXPECT_FRAME(build_ipv6_udp, &exp);
}

/*
 * A frame cut short by a capture's snap length is metered on what its IP
 * header says, whatever the transport; the UDP length is checked against
 * the IP payload, not the captured bytes.
 */
static void
test_pkt_snaplen_truncated(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 12345;
	exp.dport = 53;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 1028;
	EXPECT_FRAME(build_ipv4_udp_snap, &exp);

	exp.proto = 6;
	exp.dport = 80;
	exp.tcp_flags = TCP_ACK;
	exp.payload_off = 54;
	EXPECT_FRAME(build_ipv4_tcp_snap, &exp);

	/* TCP options cut by the snap length: metered, with no payload to point at. */
	exp.tcp_flags = TCP_SYN;
	exp.payload_off = 0;
	exp.l3_len = 60;
	EXPECT_FRAME(build_ipv4_tcp_options_snap, &exp);

	/* VXLAN ports, but no I flag: metered as the outer flow, and said so. */
	memset(&exp, 0, sizeof(exp));
	exp_v6(&exp);
	exp.proto = 17;
	exp.flags = WM_PKT_F_TUNNEL;
	exp.undecoded = WM_PKT_TUNNEL_VXLAN;
	exp.sport = 4789;
	exp.dport = 4789;
	exp.l4_off = 54;
	exp.payload_off = 62;
	exp.l3_len = 40 + 1008;
	EXPECT_FRAME(build_ipv6_udp_snap, &exp);
}

static void
test_pkt_unknown_transport(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 89;
	exp.l3_len = 44;
	EXPECT_FRAME(build_ipv4_ospf, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_v6(&exp);
	exp.proto = 59;
	exp.l3_len = 48;
	EXPECT_FRAME(build_ipv6_no_next, &exp);
}

static void
test_pkt_sctp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 132;
	exp.sport = 2905;
	exp.dport = 36412;
	exp.l4_off = 34;
	exp.payload_off = 46;
	exp.l3_len = 48;
	EXPECT_FRAME(build_ipv4_sctp, &exp);
}

static void
test_pkt_icmp_echo(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 1;
	exp.icmp_type_code = 0x0800;
	exp.l4_off = 34;
	exp.payload_off = 38;
	exp.l3_len = 44;
	EXPECT_FRAME(build_icmp_echo, &exp);

	exp.icmp_type_code = 0x0303;
	EXPECT_FRAME(build_icmp_unreach, &exp);
}

static void
test_pkt_icmpv6(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v6(&exp);
	exp.proto = 58;
	exp.icmp_type_code = 0x8000;
	exp.l4_off = 54;
	exp.payload_off = 58;
	exp.l3_len = 64;
	EXPECT_FRAME(build_icmpv6_echo, &exp);
}

static void
test_pkt_esp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 50;
	exp.flags = WM_PKT_F_ESP;
	exp.spi = 0x12345678;
	exp.esp_seq = 0x9abcdef0;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 52;
	EXPECT_FRAME(build_ipv4_esp, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_v6(&exp);
	exp.proto = 50;
	exp.flags = WM_PKT_F_ESP;
	exp.spi = 0xfedcba98;
	exp.esp_seq = 1;
	exp.l4_off = 54;
	exp.payload_off = 62;
	exp.l3_len = 72;
	EXPECT_FRAME(build_ipv6_esp, &exp);
}

static void
test_pkt_natt_esp(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 17;
	exp.flags = WM_PKT_F_ESP | WM_PKT_F_NATT;
	exp.sport = 61000;
	exp.dport = 4500;
	exp.spi = 0x00000102;
	exp.esp_seq = 0x80000003;
	exp.l4_off = 34;
	exp.payload_off = 42; /* the UDP payload: the ESP header */
	exp.l3_len = 60;
	EXPECT_FRAME(build_natt_esp, &exp);
}

static void
test_pkt_natt_ike(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 4500;
	exp.dport = 4500;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 60;
	EXPECT_FRAME(build_natt_ike, &exp);
}

static void
test_pkt_natt_keepalive(void)
{
	struct wm_pkt_meta exp = {0};

	exp_v4(&exp);
	exp.proto = 17;
	exp.sport = 4500;
	exp.dport = 4500;
	exp.l4_off = 34;
	exp.payload_off = 42;
	exp.l3_len = 29;
	EXPECT_FRAME(build_natt_keepalive, &exp);
}

static void
test_pkt_gre(void)
{
	struct wm_pkt_meta exp = {0};

	/* Transparent Ethernet bridging: the inner ARP frame is the flow. */
	exp.kind = WM_PKT_KIND_L2;
	exp.ethertype = 0x0806;
	exp.flags = WM_PKT_F_TUNNEL;
	exp.encap = WM_PKT_TUNNEL_GRE;
	exp.encap_flags = WM_PKT_E_OUTER_V4;
	memcpy(exp.outer_src, v4_src, 4);
	memcpy(exp.outer_dst, v4_dst, 4);
	exp.mac_off = 38;
	exp.l3_off = 52;
	exp.l3_len = 28;
	EXPECT_FRAME(build_gre, &exp);
}

static void
test_pkt_vxlan(void)
{
	struct wm_pkt_meta exp = {0};

	exp.kind = WM_PKT_KIND_L2;
	exp.ethertype = 0x0806;
	exp.flags = WM_PKT_F_TUNNEL;
	exp.encap = WM_PKT_TUNNEL_VXLAN;
	exp.encap_flags = WM_PKT_E_OUTER_V4 | WM_PKT_E_SEGMENT;
	exp.segment_id = 0x123456;
	memcpy(exp.outer_src, v4_src, 4);
	memcpy(exp.outer_dst, v4_dst, 4);
	exp.mac_off = 50;
	exp.l3_off = 64;
	exp.l3_len = 28;
	EXPECT_FRAME(build_vxlan, &exp);
}

/* ---- MACsec ---- */

static void
test_pkt_macsec_explicit_sci(void)
{
	struct wm_pkt_meta exp = {0};

	exp.kind = WM_PKT_KIND_MACSEC;
	exp.ethertype = WM_PKT_ETHERTYPE_MACSEC;
	exp.flags = WM_PKT_F_SCI;
	exp.macsec_tci = 0x2e;
	exp.macsec_an = 2;
	exp.macsec_pn = 0x01020304;
	exp.macsec_sci = UINT64_C(0x0011223344550007);
	exp.l3_off = 14;
	exp.payload_off = 28;
	exp.l3_len = 6 + 8 + 48;
	EXPECT_FRAME(build_macsec_sci, &exp);
}

static void
test_pkt_macsec_implicit_sci(void)
{
	struct wm_pkt_meta exp = {0};

	exp.kind = WM_PKT_KIND_MACSEC;
	exp.ethertype = WM_PKT_ETHERTYPE_MACSEC;
	exp.macsec_tci = 0x0d;
	exp.macsec_an = 1;
	exp.macsec_pn = 0xfffffffe;
	exp.macsec_sci = SRC_MAC_SCI;
	exp.l3_off = 14;
	exp.payload_off = 20;
	exp.l3_len = 6 + 42 + 16;
	EXPECT_FRAME(build_macsec_nosci, &exp);

	exp.macsec_tci = 0x43;
	exp.macsec_an = 3;
	exp.macsec_pn = 1;
	exp.l3_len = 6 + 64;
	EXPECT_FRAME(build_macsec_es, &exp);
}

/*
 * A buffer longer than 64 KiB (a multi-segment jumbo flattened by the
 * caller): the parser describes at most its first 65535 bytes, so every
 * offset fits the 16-bit fields, and never reads past the buffer.
 */
static void
test_pkt_oversized_frame(void)
{
	const uint32_t len = 70000;
	struct wm_pkt_meta m;
	struct pkt p;
	uint8_t *buf = calloc(1, len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	build_arp(&p);
	memcpy(buf, p.b, p.len);
	CU_ASSERT_EQUAL(wm_pkt_parse(buf, len, &m), WM_PKT_OK);
	CU_ASSERT_EQUAL(m.kind, WM_PKT_KIND_L2);
	CU_ASSERT_EQUAL(m.ethertype, 0x0806);
	CU_ASSERT_EQUAL(m.l3_len, 65535 - 14);

	build_ipv4_udp(&p);
	memcpy(buf, p.b, p.len);
	CU_ASSERT_EQUAL(wm_pkt_parse(buf, len, &m), WM_PKT_OK);
	CU_ASSERT_EQUAL(m.kind, WM_PKT_KIND_IPV4);
	CU_ASSERT_EQUAL(m.l3_len, 48);
	CU_ASSERT_EQUAL(m.sport, 53000);
	CU_ASSERT_EQUAL(m.dport, 53);
	CU_ASSERT_EQUAL(m.payload_off, 42);
	free(buf);
}

/* ---- malformed frames, one row per error and more ---- */

#define B16(x) (uint8_t)((x) >> 8), (uint8_t)(x)
#define MACS 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e
#define ETH(et) MACS, B16(et)
#define V4(vihl, total, frag, proto)                                                            \
	(vihl), 0x00, B16(total), 0x12, 0x34, B16(frag), 64, (proto), 0x00, 0x00, 192, 0, 2, 1, \
		198, 51, 100, 2
#define V4H(total, proto) V4(0x45, (total), 0, (proto))
#define V6ADDRS                                                                                   \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 0x01, 0x0d, 0xb8, 0, 0, \
		0, 0, 0, 0, 0, 0, 0, 0, 0, 2
#define V6(vtc, plen, nh) (vtc), 0, 0, 0, B16(plen), (nh), 64, V6ADDRS
#define V6H(plen, nh) V6(0x60, (plen), (nh))
#define EXT8(nh) (nh), 0, 0, 0, 0, 0, 0, 0
#define Z4 0, 0, 0, 0
#define Z8 Z4, Z4
#define TCPH(doff) B16(1000), B16(80), Z8, (uint8_t)((doff) << 4), 0x02, 0xff, 0xff, Z4
#define UDPH(sp, dp, ulen) B16(sp), B16(dp), B16(ulen), 0, 0

static const uint8_t m_eth_13[] = {MACS, 0x08};
static const uint8_t m_vlan_15[] = {ETH(0x8100), 0x00};
static const uint8_t m_vlan_17[] = {ETH(0x8100), 0x00, 0x01, 0x08};
static const uint8_t m_vlan2_20[] = {ETH(0x88a8), B16(1), B16(0x8100), 0x00, 0x02};
static const uint8_t m_vlan_3tags[] = {ETH(0x88a8), B16(1), B16(0x8100), B16(2),
				       B16(0x8100), B16(3), B16(0x0800)};
static const uint8_t m_vlan_3tags_9100[] = {ETH(0x9100), B16(1), B16(0x9100), B16(2),
					    B16(0x9100), B16(3), B16(0x86dd)};
/* Nine tags, one more than WM_PKT_MAX_VLAN, in a mix of TPIDs. */
static const uint8_t m_vlan_9tags[] = {
	ETH(0x8100), B16(1), B16(0x88a8), B16(2),      B16(0x9100),  B16(3), B16(0x8100), B16(4),
	B16(0x88a8), B16(5), B16(0x9100), B16(6),      B16(0x8100),  B16(7), B16(0x8100), B16(8),
	B16(0x8100), B16(9), B16(0x0800), V4H(28, 17), UDPH(1, 2, 8)};
static const uint8_t m_ipv4_19[] = {ETH(0x0800), V4H(20, 6)}; /* cut to 33 bytes */
static const uint8_t m_ipv4_empty[] = {ETH(0x0800)};
static const uint8_t m_ipv4_opts_cut[] = {ETH(0x0800), V4(0x4f, 60, 0, 6), Z8};
/* IHL 6 with 23 header bytes captured: one byte short. */
static const uint8_t m_ipv4_opts_cut1[] = {ETH(0x0800), V4(0x46, 40, 0, 132), 1, 1, 1};
static const uint8_t m_ipv4_ver6[] = {ETH(0x0800), V4(0x65, 20, 0, 6)};
static const uint8_t m_ipv4_ver0[] = {ETH(0x0800), V4(0x05, 20, 0, 6)};
static const uint8_t m_ipv4_ihl4[] = {ETH(0x0800), V4(0x44, 20, 0, 6)};
static const uint8_t m_ipv4_ihl0[] = {ETH(0x0800), V4(0x40, 20, 0, 6)};
static const uint8_t m_ipv4_ihl_gt_total[] = {ETH(0x0800), V4(0x46, 20, 0, 6), Z4};
static const uint8_t m_ipv4_total19[] = {ETH(0x0800), V4H(19, 6)};
/* Total length 0 is TSO only on TCP. */
static const uint8_t m_ipv4_total0[] = {ETH(0x0800), V4H(0, 17), UDPH(1, 2, 8)};
/* TSO: the length is the frame's, 20 bytes: no room for TCP. */
static const uint8_t m_ipv4_tso_no_tcp[] = {ETH(0x0800), V4H(0, 6)};
static const uint8_t m_ipv6_39[] = {ETH(0x86dd), V6H(0, 59)}; /* cut to 53 bytes */
static const uint8_t m_ipv6_ver4[] = {ETH(0x86dd), V6(0x40, 0, 59)};
static const uint8_t m_ipv6_hbh_second[] = {ETH(0x86dd), V6H(24, 60), EXT8(0), EXT8(6), EXT8(0)};
static const uint8_t m_ipv6_9ext[] = {ETH(0x86dd), V6H(72, 60), EXT8(60), EXT8(60),
				      EXT8(60),	   EXT8(60),	EXT8(60), EXT8(60),
				      EXT8(60),	   EXT8(60),	EXT8(59)};
/* A 16-byte hop-by-hop header in an 8-byte payload. */
static const uint8_t m_ipv6_ext_over_plen[] = {ETH(0x86dd), V6H(8, 0), 6, 1, 0, 0, 0, 0, 0, 0, Z8};
/* Payload length 4: not even one extension header fits. */
static const uint8_t m_ipv6_ext_short[] = {ETH(0x86dd), V6H(4, 60), EXT8(6)};
/* AH length 4 (24 bytes) with 16 bytes of payload. */
static const uint8_t m_ipv6_ah_over[] = {ETH(0x86dd), V6H(16, 51), 6, 4, 0, 0, Z4, Z8};
/* Fragment header cut short by the payload length. */
static const uint8_t m_ipv6_frag_short[] = {ETH(0x86dd), V6H(6, 44), 17, 0, 0, 1, 0, 0, 0, 0};
static const uint8_t m_tcp_19[] = {ETH(0x0800), V4H(39, 6), TCPH(5)}; /* cut */
/* IP total length leaves 10 TCP bytes; the frame's padding does not count. */
static const uint8_t m_tcp_padded[] = {ETH(0x0800), V4H(30, 6), TCPH(5), Z8};
static const uint8_t m_tcp_doff4[] = {ETH(0x0800), V4H(40, 6), TCPH(4)};
static const uint8_t m_tcp_doff6[] = {ETH(0x0800), V4H(40, 6), TCPH(6)};
static const uint8_t m_tcp_doff15[] = {ETH(0x0800), V4H(60, 6), TCPH(15), Z8, Z8, Z4};
static const uint8_t m_ipv6_tcp_19[] = {ETH(0x86dd), V6H(19, 6), TCPH(5)};
static const uint8_t m_udp_7[] = {ETH(0x0800), V4H(27, 17), UDPH(1, 2, 8)};
static const uint8_t m_udp_len7[] = {ETH(0x0800), V4H(28, 17), UDPH(1, 2, 7)};
static const uint8_t m_udp_len0[] = {ETH(0x0800), V4H(28, 17), UDPH(1, 2, 0)};
static const uint8_t m_udp_len9[] = {ETH(0x0800), V4H(28, 17), UDPH(1, 2, 9)};
/* UDP length 16 but IP total 28: the padding after the IP packet is not UDP. */
static const uint8_t m_udp_len_padded[] = {ETH(0x0800), V4H(28, 17), UDPH(1, 2, 16), Z8};
static const uint8_t m_ipv6_udp_len[] = {ETH(0x86dd), V6H(8, 17), UDPH(1, 2, 12)};
static const uint8_t m_sctp_11[] = {ETH(0x0800), V4H(31, 132), B16(1), B16(2), Z4, 0, 0, 0};
static const uint8_t m_icmp_3[] = {ETH(0x0800), V4H(23, 1), 8, 0, 0};
static const uint8_t m_icmpv6_3[] = {ETH(0x86dd), V6H(3, 58), 128, 0, 0};
static const uint8_t m_esp_7[] = {ETH(0x0800), V4H(27, 50), 0, 0, 1, 0, 0, 0, 1};
static const uint8_t m_ipv6_esp_4[] = {ETH(0x86dd), V6H(4, 50), 0, 0, 1, 0};
static const uint8_t m_natt_esp_4[] = {ETH(0x0800), V4H(32, 17), UDPH(4500, 4500, 12), 0, 0, 1, 0};
static const uint8_t m_natt_esp_7[] = {
	ETH(0x0800), V4H(35, 17), UDPH(1000, 4500, 15), 0, 0, 1, 0, 0, 0, 0};
static const uint8_t m_sectag_5[] = {ETH(0x88e5), 0x0c, 0, 0, 0, 0};
static const uint8_t m_sectag_sci_13[] = {ETH(0x88e5), 0x2c, 0,	   0,	 0,    0,    1,
					  0,	       0x11, 0x22, 0x33, 0x44, 0x55, 0};
static const uint8_t m_sectag_v[] = {ETH(0x88e5), 0x8c, 0, 0, 0, 0, 1, Z8};
static const uint8_t m_sectag_sl[] = {ETH(0x88e5), 0x0c, 0x40, 0, 0, 0, 1, Z8};
static const uint8_t m_sectag_sl80[] = {ETH(0x88e5), 0x0c, 0x80, 0, 0, 0, 1, Z8};
static const uint8_t m_sectag_sc_es[] = {ETH(0x88e5), 0x6c, 0, 0, 0, 0, 1, Z8, Z8};
static const uint8_t m_sectag_sc_scb[] = {ETH(0x88e5), 0x3c, 0, 0, 0, 0, 1, Z8, Z8};

struct malformed {
	const char *name;
	const uint8_t *bytes;
	uint32_t len;
	enum wm_pkt_error err;
};

#define ROW(a, e)                                \
	{                                        \
#a, a, sizeof(a), WM_PKT_ERR_##e \
	}
#define ROWN(a, n, e)                                  \
	{                                              \
#a "[0.." #n ")", a, n, WM_PKT_ERR_##e \
	}

static const struct malformed malformed_rows[] = {
	ROWN(m_eth_13, 0, ETH_TRUNCATED),
	ROW(m_eth_13, ETH_TRUNCATED),
	ROW(m_vlan_15, VLAN_TRUNCATED),
	ROW(m_vlan_17, VLAN_TRUNCATED),
	ROW(m_vlan2_20, VLAN_TRUNCATED),
	ROW(m_vlan_3tags, IPV4_TRUNCATED),
	ROW(m_vlan_3tags_9100, IPV6_TRUNCATED),
	ROWN(m_ipv4_19, 33, IPV4_TRUNCATED),
	ROW(m_ipv4_empty, IPV4_TRUNCATED),
	ROW(m_ipv4_opts_cut, IPV4_TRUNCATED),
	ROW(m_ipv4_opts_cut1, IPV4_TRUNCATED),
	ROW(m_ipv4_ver6, IPV4_BAD_VERSION),
	ROW(m_ipv4_ver0, IPV4_BAD_VERSION),
	ROW(m_ipv4_ihl4, IPV4_BAD_IHL),
	ROW(m_ipv4_ihl0, IPV4_BAD_IHL),
	ROW(m_ipv4_ihl_gt_total, IPV4_BAD_IHL),
	ROW(m_ipv4_total19, IPV4_BAD_TOTAL_LENGTH),
	ROW(m_ipv4_total0, IPV4_BAD_TOTAL_LENGTH),
	ROW(m_ipv4_tso_no_tcp, TCP_TRUNCATED),
	ROW(m_vlan_9tags, VLAN_TOO_DEEP),
	ROWN(m_ipv6_39, 53, IPV6_TRUNCATED),
	ROW(m_ipv6_ver4, IPV6_BAD_VERSION),
	ROW(m_ipv6_hbh_second, IPV6_BAD_EXT_CHAIN),
	ROW(m_ipv6_9ext, IPV6_BAD_EXT_CHAIN),
	ROW(m_ipv6_ext_over_plen, IPV6_BAD_EXT_CHAIN),
	ROW(m_ipv6_ext_short, IPV6_BAD_EXT_CHAIN),
	ROW(m_ipv6_ah_over, IPV6_BAD_EXT_CHAIN),
	ROW(m_ipv6_frag_short, IPV6_BAD_EXT_CHAIN),
	ROWN(m_tcp_19, 53, TCP_TRUNCATED),
	ROW(m_tcp_padded, TCP_TRUNCATED),
	ROWN(m_ipv6_tcp_19, 73, TCP_TRUNCATED),
	ROW(m_tcp_doff4, TCP_BAD_OFFSET),
	ROW(m_tcp_doff6, TCP_BAD_OFFSET),
	ROW(m_tcp_doff15, TCP_BAD_OFFSET),
	ROWN(m_udp_7, 41, UDP_TRUNCATED),
	ROW(m_udp_len7, UDP_BAD_LENGTH),
	ROW(m_udp_len0, UDP_BAD_LENGTH),
	ROW(m_udp_len9, UDP_BAD_LENGTH),
	ROW(m_udp_len_padded, UDP_BAD_LENGTH),
	ROW(m_ipv6_udp_len, UDP_BAD_LENGTH),
	ROW(m_sctp_11, SCTP_TRUNCATED),
	ROW(m_icmp_3, ICMP_TRUNCATED),
	ROW(m_icmpv6_3, ICMP_TRUNCATED),
	ROW(m_esp_7, ESP_TRUNCATED),
	ROW(m_ipv6_esp_4, ESP_TRUNCATED),
	ROW(m_natt_esp_4, ESP_TRUNCATED),
	ROW(m_natt_esp_7, ESP_TRUNCATED),
	ROW(m_sectag_5, SECTAG_TRUNCATED),
	ROW(m_sectag_sci_13, SECTAG_TRUNCATED),
	ROW(m_sectag_v, SECTAG_BAD),
	ROW(m_sectag_sl, SECTAG_BAD),
	ROW(m_sectag_sl80, SECTAG_BAD),
	ROW(m_sectag_sc_es, SECTAG_BAD),
	ROW(m_sectag_sc_scb, SECTAG_BAD),
};

#define N_MALFORMED (sizeof(malformed_rows) / sizeof(malformed_rows[0]))

static void
test_pkt_malformed_table(void)
{
	unsigned int seen[WM_PKT_ERR_MAX] = {0};
	struct wm_pkt_meta m;
	char msg[160];
	size_t i;
	int e;

	for (i = 0; i < N_MALFORMED; i++) {
		const struct malformed *r = &malformed_rows[i];
		enum wm_pkt_error got = parse_exact(r->bytes, r->len, &m);

		snprintf(msg, sizeof(msg), "%s: expected %s, got %s", r->name,
			 wm_pkt_error_name(r->err), wm_pkt_error_name(got));
		CU_assertImplementation(got == r->err ? CU_TRUE : CU_FALSE, __LINE__, msg, __FILE__,
					"", CU_FALSE);
		if (r->err > WM_PKT_OK && r->err < WM_PKT_ERR_MAX)
			seen[r->err]++;
	}
	/*
	 * The table must name every error at least once; linkTruncated needs a
	 * link type other than Ethernet (test_pkt_link_types).
	 */
	seen[WM_PKT_ERR_LINK_TRUNCATED]++;
	for (e = WM_PKT_OK + 1; e < WM_PKT_ERR_MAX; e++) {
		snprintf(msg, sizeof(msg), "a malformed row expects %s",
			 wm_pkt_error_name((enum wm_pkt_error)e));
		CU_assertImplementation(seen[e] > 0 ? CU_TRUE : CU_FALSE, __LINE__, msg, __FILE__,
					"", CU_FALSE);
	}
}

/* The names are part of the output format, so they are spelled out here. */
static void
test_pkt_error_names(void)
{
	static const struct {
		enum wm_pkt_error err;
		const char *name;
	} names[] = {
		{WM_PKT_OK, "ok"},
		{WM_PKT_ERR_ETH_TRUNCATED, "ethTruncated"},
		{WM_PKT_ERR_VLAN_TRUNCATED, "vlanTruncated"},
		{WM_PKT_ERR_VLAN_TOO_DEEP, "vlanTooDeep"},
		{WM_PKT_ERR_IPV4_TRUNCATED, "ipv4Truncated"},
		{WM_PKT_ERR_IPV4_BAD_VERSION, "ipv4BadVersion"},
		{WM_PKT_ERR_IPV4_BAD_IHL, "ipv4BadIhl"},
		{WM_PKT_ERR_IPV4_BAD_TOTAL_LENGTH, "ipv4BadTotalLength"},
		{WM_PKT_ERR_IPV6_TRUNCATED, "ipv6Truncated"},
		{WM_PKT_ERR_IPV6_BAD_VERSION, "ipv6BadVersion"},
		{WM_PKT_ERR_IPV6_BAD_EXT_CHAIN, "ipv6BadExtChain"},
		{WM_PKT_ERR_TCP_TRUNCATED, "tcpTruncated"},
		{WM_PKT_ERR_TCP_BAD_OFFSET, "tcpBadDataOffset"},
		{WM_PKT_ERR_UDP_TRUNCATED, "udpTruncated"},
		{WM_PKT_ERR_UDP_BAD_LENGTH, "udpBadLength"},
		{WM_PKT_ERR_SCTP_TRUNCATED, "sctpTruncated"},
		{WM_PKT_ERR_ICMP_TRUNCATED, "icmpTruncated"},
		{WM_PKT_ERR_ESP_TRUNCATED, "espTruncated"},
		{WM_PKT_ERR_SECTAG_TRUNCATED, "sectagTruncated"},
		{WM_PKT_ERR_SECTAG_BAD, "sectagInvalid"},
		{WM_PKT_ERR_LINK_TRUNCATED, "linkTruncated"},
	};
	unsigned int covered[WM_PKT_ERR_MAX] = {0};
	char msg[160];
	size_t i;
	int e;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *got = wm_pkt_error_name(names[i].err);

		snprintf(msg, sizeof(msg), "name of %d is \"%s\" (got \"%s\")", (int)names[i].err,
			 names[i].name, got != NULL ? got : "(null)");
		CU_assertImplementation(got != NULL && strcmp(got, names[i].name) == 0 ? CU_TRUE
										       : CU_FALSE,
					__LINE__, msg, __FILE__, "", CU_FALSE);
		if ((unsigned int)names[i].err < WM_PKT_ERR_MAX)
			covered[names[i].err]++;
	}
	/* A new error value needs a line above. */
	for (e = WM_PKT_OK; e < WM_PKT_ERR_MAX; e++) {
		snprintf(msg, sizeof(msg), "error value %d has exactly one expected name", e);
		CU_assertImplementation(covered[e] == 1 ? CU_TRUE : CU_FALSE, __LINE__, msg,
					__FILE__, "", CU_FALSE);
	}
	CU_ASSERT_EQUAL(sizeof(names) / sizeof(names[0]), (size_t)WM_PKT_ERR_MAX);
	CU_ASSERT_STRING_EQUAL(wm_pkt_error_name(WM_PKT_ERR_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(wm_pkt_error_name((enum wm_pkt_error)(WM_PKT_ERR_MAX + 1)),
			       "unknown");
	CU_ASSERT_STRING_EQUAL(wm_pkt_error_name((enum wm_pkt_error)1000), "unknown");
	CU_ASSERT_STRING_EQUAL(wm_pkt_error_name((enum wm_pkt_error) - 1), "unknown");
}

/* ---- robustness ---- */

/*
 * What must hold for any input: the result is a known value, and a
 * successful parse describes only bytes that exist, with offsets in
 * order. Returns 0 when it holds.
 */
static int
check_sane(uint32_t len, enum wm_pkt_error err, const struct wm_pkt_meta *m, char *why,
	   size_t why_len)
{
	if ((unsigned int)err >= WM_PKT_ERR_MAX) {
		snprintf(why, why_len, "result %d out of range", (int)err);
		return -1;
	}
	if (err != WM_PKT_OK)
		return 0;
	if (m->l3_off > len || m->l4_off > len || m->payload_off > len) {
		snprintf(why, why_len, "offsets l3 %u l4 %u payload %u beyond len %u", m->l3_off,
			 m->l4_off, m->payload_off, len);
		return -1;
	}
	if (m->l4_off != 0 && m->l4_off < m->l3_off) {
		snprintf(why, why_len, "l4_off %u before l3_off %u", m->l4_off, m->l3_off);
		return -1;
	}
	if (m->l4_off != 0 && m->payload_off != 0 && m->payload_off < m->l4_off) {
		snprintf(why, why_len, "payload_off %u before l4_off %u", m->payload_off,
			 m->l4_off);
		return -1;
	}
	if (m->encap >= WM_PKT_TUNNEL_MAX || m->undecoded >= WM_PKT_TUNNEL_MAX ||
	    m->offload >= WM_PKT_OFFLOAD_MAX || (m->encap != 0 && !(m->flags & WM_PKT_F_TUNNEL))) {
		snprintf(why, why_len, "encap %u undecoded %u offload %u flags 0x%x", m->encap,
			 m->undecoded, m->offload, m->flags);
		return -1;
	}
	/* The flow table reads 12 bytes of MACs at mac_off. */
	if ((uint32_t)m->mac_off + 12 > len || m->mac_off > m->l3_off) {
		snprintf(why, why_len, "mac_off %u, l3_off %u, len %u", m->mac_off, m->l3_off, len);
		return -1;
	}
	if (m->n_vlan > WM_PKT_MAX_VLAN || m->kind > WM_PKT_KIND_MACSEC) {
		snprintf(why, why_len, "n_vlan %u kind %u", m->n_vlan, m->kind);
		return -1;
	}
	if ((m->flags & WM_PKT_F_FRAG_NONFIRST) &&
	    (m->l4_off != 0 || m->sport != 0 || m->dport != 0)) {
		snprintf(why, why_len, "non-first fragment with L4 data");
		return -1;
	}
	return 0;
}

static void
test_pkt_truncated_prefixes(void)
{
	struct wm_pkt_meta m;
	struct pkt p;
	char why[128], msg[256];
	size_t i;
	uint32_t len;

	for (i = 0; i < N_FRAMES; i++) {
		all_frames[i].build(&p);
		for (len = 0; len <= p.len; len++) {
			enum wm_pkt_error err = parse_exact(p.b, len, &m);

			if (len < 14) {
				snprintf(msg, sizeof(msg), "%s[0..%u): ethTruncated (got %s)",
					 all_frames[i].name, len, wm_pkt_error_name(err));
				CU_assertImplementation(err == WM_PKT_ERR_ETH_TRUNCATED ? CU_TRUE
											: CU_FALSE,
							__LINE__, msg, __FILE__, "", CU_FALSE);
			}
			if (check_sane(len, err, &m, why, sizeof(why)) != 0) {
				snprintf(msg, sizeof(msg), "%s[0..%u): %s", all_frames[i].name, len,
					 why);
				CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
							CU_FALSE);
			}
			if (len == p.len) {
				snprintf(msg, sizeof(msg), "%s whole: %s (got %s)",
					 all_frames[i].name, wm_pkt_error_name(all_frames[i].err),
					 wm_pkt_error_name(err));
				CU_assertImplementation(err == all_frames[i].err ? CU_TRUE
										 : CU_FALSE,
							__LINE__, msg, __FILE__, "", CU_FALSE);
			}
		}
	}
	/* The malformed rows' prefixes must be as safe as the valid frames'. */
	for (i = 0; i < N_MALFORMED; i++) {
		for (len = 0; len <= malformed_rows[i].len; len++) {
			enum wm_pkt_error err = parse_exact(malformed_rows[i].bytes, len, &m);

			if (check_sane(len, err, &m, why, sizeof(why)) != 0) {
				snprintf(msg, sizeof(msg), "%s[0..%u): %s", malformed_rows[i].name,
					 len, why);
				CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
							CU_FALSE);
			}
		}
	}
}

/* ---- tunnel, VLAN stack and offload tests ---- */

static void
exp_inner_v4_tcp(struct wm_pkt_meta *e, uint16_t l3_off)
{
	exp_v4(e);
	e->flags = WM_PKT_F_TUNNEL;
	e->l3_off = l3_off;
	e->proto = 6;
	e->sport = 40000;
	e->dport = 443;
	e->tcp_flags = TCP_SYN | TCP_ACK;
	e->l4_off = (uint16_t)(l3_off + 20);
	e->payload_off = (uint16_t)(l3_off + 40);
	e->l3_len = 50;
}

static void
exp_inner_v6_udp(struct wm_pkt_meta *e, uint16_t l3_off)
{
	exp_v6(e);
	e->flags = WM_PKT_F_TUNNEL;
	e->l3_off = l3_off;
	e->proto = 17;
	e->sport = 5353;
	e->dport = 5353;
	e->l4_off = (uint16_t)(l3_off + 40);
	e->payload_off = (uint16_t)(l3_off + 48);
	e->l3_len = 60;
}

/* The encapsulation, with the IPv4 (v6 == 0) or IPv6 underlay's endpoints. */
static void
exp_encap(struct wm_pkt_meta *e, enum wm_pkt_tunnel kind, int v6)
{
	e->encap = (uint8_t)kind;
	e->encap_flags |= v6 ? WM_PKT_E_OUTER_V6 : WM_PKT_E_OUTER_V4;
	memcpy(e->outer_src, v6 ? t6_src : t4_src, v6 ? 16 : 4);
	memcpy(e->outer_dst, v6 ? t6_dst : t4_dst, v6 ? 16 : 4);
}

static void
exp_segment(struct wm_pkt_meta *e, uint32_t id)
{
	e->segment_id = id;
	e->encap_flags |= WM_PKT_E_SEGMENT;
}

/* The outer IPv4 UDP flow of a tunnel that was not decoded. */
static void
exp_outer_v4_udp(struct wm_pkt_meta *e, uint16_t sport, uint16_t dport, uint32_t l3_len)
{
	exp_v4(e);
	memcpy(e->src, t4_src, 4);
	memcpy(e->dst, t4_dst, 4);
	e->flags = WM_PKT_F_TUNNEL;
	e->proto = 17;
	e->sport = sport;
	e->dport = dport;
	e->l4_off = 34;
	e->payload_off = 42;
	e->l3_len = l3_len;
}

static void
test_pkt_tunnel_vxlan(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 64);
	exp.mac_off = 50;
	exp_encap(&exp, WM_PKT_TUNNEL_VXLAN, 0);
	exp_segment(&exp, 0x123456);
	EXPECT_FRAME(build_vxlan_v4, &exp);
	/*
	 * The outer packet's first fragment holds the inner headers: its inner
	 * packet, the outer datagram named for the fragment table.
	 */
	exp.encap_flags |= WM_PKT_E_OUTER_FRAG;
	exp.outer_frag_id = 0x1234;
	exp.outer_proto = 17;
	EXPECT_FRAME(build_vxlan_frag, &exp);

	/* The inner frame's VLAN tag is skipped: the flow keeps the outer frame's tags. */
	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 68);
	exp.mac_off = 50;
	exp_encap(&exp, WM_PKT_TUNNEL_VXLAN, 0);
	exp_segment(&exp, 0x0a);
	EXPECT_FRAME(build_vxlan_8472_v6, &exp);
}

static void
test_pkt_tunnel_geneve(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 72);
	exp.mac_off = 58;
	exp_encap(&exp, WM_PKT_TUNNEL_GENEVE, 0);
	exp_segment(&exp, 0xabcd);
	EXPECT_FRAME(build_geneve_opts, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 70);
	exp_encap(&exp, WM_PKT_TUNNEL_GENEVE, 1);
	exp_segment(&exp, 7);
	EXPECT_FRAME(build_geneve_ip_v6, &exp);
}

static void
test_pkt_tunnel_gre(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 38);
	exp_encap(&exp, WM_PKT_TUNNEL_GRE, 0);
	EXPECT_FRAME(build_gre_ip, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 50);
	exp_encap(&exp, WM_PKT_TUNNEL_GRE, 0);
	exp_segment(&exp, 0x1001);
	EXPECT_FRAME(build_gre_csum_key_seq_v6, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 56);
	exp.mac_off = 42;
	exp_encap(&exp, WM_PKT_TUNNEL_NVGRE, 0);
	exp_segment(&exp, 0x654321);
	EXPECT_FRAME(build_nvgre, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 46);
	exp_encap(&exp, WM_PKT_TUNNEL_GRE, 0);
	exp.n_mpls = 2;
	exp.mpls[0] = (100u << 12) | 0x40;
	exp.mpls[1] = (200u << 12) | 0x140;
	EXPECT_FRAME(build_gre_mpls, &exp);

	/* PPTP's key is a length and a call id, not a segment. */
	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 54);
	exp_encap(&exp, WM_PKT_TUNNEL_GRE, 0);
	EXPECT_FRAME(build_pptp, &exp);
}

static void
test_pkt_tunnel_erspan(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 52);
	exp.mac_off = 38;
	exp_encap(&exp, WM_PKT_TUNNEL_ERSPAN, 0);
	EXPECT_FRAME(build_erspan1, &exp);

	exp_inner_v4_tcp(&exp, 64);
	exp.mac_off = 50;
	EXPECT_FRAME(build_erspan2, &exp);

	exp_inner_v4_tcp(&exp, 76);
	exp.mac_off = 62;
	EXPECT_FRAME(build_erspan3, &exp);
}

static void
test_pkt_tunnel_gtpu(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 50);
	exp_encap(&exp, WM_PKT_TUNNEL_GTPU, 0);
	exp.encap_flags |= WM_PKT_E_TEID;
	exp.gtp_teid = 0x0badcafe;
	EXPECT_FRAME(build_gtpu_v4, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 58);
	exp_encap(&exp, WM_PKT_TUNNEL_GTPU, 0);
	exp.encap_flags |= WM_PKT_E_TEID;
	exp.gtp_teid = 0x42;
	EXPECT_FRAME(build_gtpu_ext_v6, &exp);

	/* Signalling on the GTP-U port is the outer flow, and nothing failed. */
	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 40000, 2152, 40);
	EXPECT_FRAME(build_gtpu_echo, &exp);
}

static void
test_pkt_tunnel_ipip(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 34);
	exp_encap(&exp, WM_PKT_TUNNEL_IPIP, 0);
	EXPECT_FRAME(build_ipip_4in4, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 34);
	exp_encap(&exp, WM_PKT_TUNNEL_IPIP, 0);
	EXPECT_FRAME(build_ipip_6in4, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 54);
	exp_encap(&exp, WM_PKT_TUNNEL_IPIP, 1);
	EXPECT_FRAME(build_ipip_4in6, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 54);
	exp_encap(&exp, WM_PKT_TUNNEL_IPIP, 1);
	EXPECT_FRAME(build_ipip_6in6, &exp);
}

static void
test_pkt_tunnel_mpls(void)
{
	struct wm_pkt_meta exp = {0};

	/* At L2 there are no outer IP endpoints. */
	exp_inner_v4_tcp(&exp, 34);
	exp.encap = WM_PKT_TUNNEL_MPLS;
	exp.n_mpls = 5;
	exp.mpls[0] = (1000u << 12) | 0x3f;
	exp.mpls[1] = (2000u << 12) | 0x3f;
	exp.mpls[2] = (3000u << 12) | 0x3f;
	EXPECT_FRAME(build_mpls_deep_v4, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v6_udp(&exp, 18);
	exp.encap = WM_PKT_TUNNEL_MPLS;
	exp.n_mpls = 1;
	exp.mpls[0] = (16u << 12) | 0x140;
	EXPECT_FRAME(build_mpls_mc_v6, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 40);
	exp.mac_off = 26;
	exp.encap = WM_PKT_TUNNEL_MPLS;
	exp.n_mpls = 2;
	exp.mpls[0] = (300u << 12) | 0x40;
	exp.mpls[1] = (301u << 12) | 0x140;
	EXPECT_FRAME(build_mpls_pw_eth, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 46);
	exp_encap(&exp, WM_PKT_TUNNEL_MPLS, 0);
	exp.n_mpls = 1;
	exp.mpls[0] = (77u << 12) | 0x140;
	EXPECT_FRAME(build_mpls_udp, &exp);
}

static void
test_pkt_tunnel_teredo(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v6_udp(&exp, 50);
	exp_encap(&exp, WM_PKT_TUNNEL_TEREDO, 0);
	EXPECT_FRAME(build_teredo, &exp);

	exp_inner_v6_udp(&exp, 42);
	EXPECT_FRAME(build_teredo_relay, &exp);

	/* The IPv6 length does not match the UDP payload: not Teredo, nothing undecoded. */
	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 40001, 50000, 20 + 8 + 60);
	exp.flags = 0;
	EXPECT_FRAME(build_udp_looks_v6, &exp);
}

/* GRE in UDP 4754, and GTP-U from port 2152 (a downlink to another port). */
static void
test_pkt_tunnel_udp_ports(void)
{
	struct wm_pkt_meta exp = {0};

	exp_inner_v4_tcp(&exp, 46);
	exp_encap(&exp, WM_PKT_TUNNEL_GRE, 0);
	EXPECT_FRAME(build_gre_udp, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_inner_v4_tcp(&exp, 50);
	exp_encap(&exp, WM_PKT_TUNNEL_GTPU, 0);
	exp.encap_flags |= WM_PKT_E_TEID;
	exp.gtp_teid = 0x99;
	EXPECT_FRAME(build_gtpu_from_2152, &exp);
}

static void
test_pkt_tunnel_nested(void)
{
	struct wm_pkt_meta exp = {0};

	/* The outermost tunnel names the encapsulation, its VNI the segment. */
	exp_inner_v4_tcp(&exp, 92);
	exp.mac_off = 50;
	exp_encap(&exp, WM_PKT_TUNNEL_VXLAN, 0);
	exp_segment(&exp, 1);
	EXPECT_FRAME(build_vxlan_gre, &exp);

	/* WM_PKT_MAX_ENCAP tunnels decoded; the fifth header is the flow. */
	memset(&exp, 0, sizeof(exp));
	exp_v4(&exp);
	exp.flags = WM_PKT_F_TUNNEL;
	exp.proto = 4;
	exp.l3_off = 14 + 4 * 20;
	exp.l3_len = 70;
	exp_encap(&exp, WM_PKT_TUNNEL_IPIP, 0);
	exp.undecoded = WM_PKT_TUNNEL_IPIP;
	EXPECT_FRAME(build_ipip_too_deep, &exp);
}

/* Every tunnel header that does not parse leaves the outer flow, named. */
static void
test_pkt_tunnel_undecoded(void)
{
	struct wm_pkt_meta exp = {0};

	exp_outer_v4_udp(&exp, 49152, 4789, 100);
	exp.undecoded = WM_PKT_TUNNEL_VXLAN;
	EXPECT_FRAME(build_vxlan_no_i, &exp);
	exp.l3_len = 32;
	EXPECT_FRAME(build_vxlan_short, &exp);
	exp.l3_len = 62;
	EXPECT_FRAME(build_vxlan_inner_cut, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 49152, 6081, 100);
	exp.undecoded = WM_PKT_TUNNEL_GENEVE;
	EXPECT_FRAME(build_geneve_v1, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 2152, 2152, 86);
	exp.undecoded = WM_PKT_TUNNEL_GTPU;
	EXPECT_FRAME(build_gtpu_v2, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 3544, 3544, 68);
	exp.undecoded = WM_PKT_TUNNEL_TEREDO;
	EXPECT_FRAME(build_teredo_not_v6, &exp);

	/* GRE: metered on addresses and protocol, l4_off at the GRE header. */
	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 0, 0, 78);
	exp.proto = 47;
	exp.payload_off = 0;
	exp.undecoded = WM_PKT_TUNNEL_GRE;
	EXPECT_FRAME(build_gre_routing, &exp);
	exp.l3_len = 23;
	EXPECT_FRAME(build_gre_short, &exp);

	memset(&exp, 0, sizeof(exp));
	exp_outer_v4_udp(&exp, 0, 0, 80);
	exp.proto = 4;
	exp.l4_off = 0;
	exp.payload_off = 0;
	exp.undecoded = WM_PKT_TUNNEL_IPIP;
	EXPECT_FRAME(build_ipip_wrong_version, &exp);

	memset(&exp, 0, sizeof(exp));
	exp.kind = WM_PKT_KIND_L2;
	exp.ethertype = 0x8847;
	exp.flags = WM_PKT_F_TUNNEL;
	exp.l3_off = 14;
	exp.l3_len = 8;
	exp.undecoded = WM_PKT_TUNNEL_MPLS;
	EXPECT_FRAME(build_mpls_no_bos, &exp);
}

/* Parse from an exact-size heap copy with options and a frame length. */
static enum wm_pkt_error
parse_exact_frame(const struct pkt *p, uint32_t frame_len, unsigned int opts,
		  struct wm_pkt_meta *meta)
{
	enum wm_pkt_error err;
	uint8_t *buf = malloc(p->len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memcpy(buf, p->b, p->len);
	memset(meta, 0xa5, sizeof(*meta));
	err = wm_pkt_parse_frame(buf, p->len, frame_len, opts, meta);
	CU_ASSERT_PTR_EQUAL(meta->eth, buf);
	meta->eth = NULL;
	free(buf);
	return err;
}

/* --tunnels outer: the outer headers only, as before tunnels were decoded. */
static void
test_pkt_tunnel_outer_option(void)
{
	struct wm_pkt_meta exp = {0}, m;
	struct pkt p;

	build_vxlan_v4(&p);
	CU_ASSERT_EQUAL_FATAL(parse_exact_frame(&p, p.len, WM_PKT_OPT_OUTER, &m), WM_PKT_OK);
	exp_outer_v4_udp(&exp, 49152, 4789, 100);
	meta_eq(&m, &exp, __FILE__, __LINE__);

	build_mpls_deep_v4(&p);
	CU_ASSERT_EQUAL_FATAL(parse_exact_frame(&p, p.len, WM_PKT_OPT_OUTER, &m), WM_PKT_OK);
	CU_ASSERT_EQUAL(m.kind, WM_PKT_KIND_L2);
	CU_ASSERT_EQUAL(m.ethertype, 0x8847);
	CU_ASSERT_EQUAL(m.l3_len, 20 + 50);
	CU_ASSERT_EQUAL(m.encap, 0);
	CU_ASSERT_EQUAL(m.undecoded, 0);
}

static const uint16_t tpids[3] = {0x8100, 0x88a8, 0x9100};

/* depth tags, TPID i is tpids[(i + rot) % 3] (or tpids[rot - 3] for all when rot >= 3). */
static void
build_vlan_stack(struct pkt *p, unsigned int depth, unsigned int rot)
{
	unsigned int i;

	macs_put(p);
	for (i = 0; i < depth; i++) {
		put16(p, rot >= 3 ? tpids[rot - 3] : tpids[(i + rot) % 3]);
		put16(p, (uint16_t)(0x2000 | (100 + i))); /* PCP 1 */
	}
	put16(p, 0x0800);
	ipv4_udp_after_l2(p);
}

/* Every prefix from an exact-size buffer is sane; the whole frame gives whole_err. */
static void
check_prefixes(const char *name, const struct pkt *p, enum wm_pkt_error whole_err)
{
	struct wm_pkt_meta m;
	char why[128], msg[256];
	uint32_t len;

	for (len = 0; len <= p->len; len++) {
		enum wm_pkt_error err = parse_exact(p->b, len, &m);

		if (check_sane(len, err, &m, why, sizeof(why)) != 0) {
			snprintf(msg, sizeof(msg), "%s[0..%u): %s", name, len, why);
			CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
		}
		if (len == p->len) {
			snprintf(msg, sizeof(msg), "%s whole: %s (got %s)", name,
				 wm_pkt_error_name(whole_err), wm_pkt_error_name(err));
			CU_assertImplementation(err == whole_err ? CU_TRUE : CU_FALSE, __LINE__,
						msg, __FILE__, "", CU_FALSE);
		}
	}
}

/*
 * 1 to 9 tags in every rotation of the three TPIDs and each TPID alone:
 * up to 8 the outermost and innermost ids are kept, 9 is too deep.
 */
static void
test_pkt_vlan_stack_depths(void)
{
	unsigned int depth, rot;
	struct wm_pkt_meta exp, m;
	struct pkt p;
	char name[64];

	for (depth = 1; depth <= WM_PKT_MAX_VLAN + 1; depth++) {
		for (rot = 0; rot < 6; rot++) {
			build_vlan_stack(&p, depth, rot);
			snprintf(name, sizeof(name), "vlan_stack(%u, %u)", depth, rot);
			if (depth > WM_PKT_MAX_VLAN) {
				check_prefixes(name, &p, WM_PKT_ERR_VLAN_TOO_DEEP);
				continue;
			}
			check_prefixes(name, &p, WM_PKT_OK);
			memset(&exp, 0, sizeof(exp));
			exp_v4(&exp);
			exp.flags = WM_PKT_F_VLAN;
			exp.n_vlan = (uint8_t)depth;
			exp.vlan = 100;
			exp.cvlan = depth >= 2 ? (uint16_t)(100 + depth - 1) : 0;
			exp.proto = 17;
			exp.sport = 5353;
			exp.dport = 5353;
			exp.l3_off = (uint16_t)(14 + 4 * depth);
			exp.l4_off = (uint16_t)(exp.l3_off + 20);
			exp.payload_off = (uint16_t)(exp.l3_off + 28);
			exp.l3_len = 40;
			if (parse_pkt(&p, &m) == WM_PKT_OK)
				meta_eq(&m, &exp, __FILE__, __LINE__);
			else
				CU_FAIL("a VLAN stack within the limit parses");
		}
	}
}

static void
test_pkt_offload_lengths(void)
{
	struct wm_pkt_meta exp = {0}, m;
	struct pkt p;

	exp_v4(&exp);
	exp.proto = 6;
	exp.sport = 40000;
	exp.dport = 443;
	exp.tcp_flags = TCP_ACK;
	exp.l4_off = 34;
	exp.payload_off = 54;
	exp.l3_len = 140;
	exp.offload = WM_PKT_OFFLOAD_TSO;
	EXPECT_FRAME(build_ipv4_tso, &exp);

	/* BIG TCP over IPv4: the frame (an mbuf chain) is longer than 64 KiB. */
	build_ipv4_tso(&p);
	CU_ASSERT_EQUAL_FATAL(parse_exact_frame(&p, 200000, 0, &m), WM_PKT_OK);
	exp.l3_len = 200000 - 14;
	exp.offload = WM_PKT_OFFLOAD_BIG_TCP;
	meta_eq(&m, &exp, __FILE__, __LINE__);

	memset(&exp, 0, sizeof(exp));
	exp_v6(&exp);
	exp.proto = 6;
	exp.sport = 40000;
	exp.dport = 443;
	exp.tcp_flags = TCP_ACK;
	exp.l4_off = 62;
	exp.payload_off = 82;
	exp.l3_len = 40 + 70000;
	exp.offload = WM_PKT_OFFLOAD_JUMBOGRAM;
	EXPECT_FRAME(build_ipv6_jumbo, &exp);

	exp.l4_off = 54;
	exp.payload_off = 74;
	exp.l3_len = 100;
	exp.offload = WM_PKT_OFFLOAD_BIG_TCP;
	EXPECT_FRAME(build_ipv6_big_tcp, &exp);
	build_ipv6_big_tcp(&p);
	CU_ASSERT_EQUAL_FATAL(parse_exact_frame(&p, 100000, 0, &m), WM_PKT_OK);
	exp.l3_len = 100000 - 14;
	meta_eq(&m, &exp, __FILE__, __LINE__);
}

/* The names are part of the output format, so they are spelled out here. */
static void
test_pkt_tunnel_offload_names(void)
{
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_NONE), "");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_VXLAN), "vxlan");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_GENEVE), "geneve");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_GRE), "gre");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_NVGRE), "nvgre");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_ERSPAN), "erspan");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_GTPU), "gtpU");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_IPIP), "ipInIp");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_MPLS), "mpls");
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_TEREDO), "teredo");
	CU_ASSERT_EQUAL(WM_PKT_TUNNEL_MAX, WM_PKT_TUNNEL_TEREDO + 1);
	CU_ASSERT_STRING_EQUAL(wm_pkt_tunnel_name(WM_PKT_TUNNEL_MAX), "unknown");
	CU_ASSERT_STRING_EQUAL(wm_pkt_offload_name(WM_PKT_OFFLOAD_NONE), "");
	CU_ASSERT_STRING_EQUAL(wm_pkt_offload_name(WM_PKT_OFFLOAD_TSO), "tsoFrames");
	CU_ASSERT_STRING_EQUAL(wm_pkt_offload_name(WM_PKT_OFFLOAD_JUMBOGRAM), "jumbograms");
	CU_ASSERT_STRING_EQUAL(wm_pkt_offload_name(WM_PKT_OFFLOAD_BIG_TCP), "bigTcpFrames");
	CU_ASSERT_EQUAL(WM_PKT_OFFLOAD_MAX, WM_PKT_OFFLOAD_BIG_TCP + 1);
	CU_ASSERT_STRING_EQUAL(wm_pkt_offload_name(WM_PKT_OFFLOAD_MAX), "unknown");
}

/* ---- the fragment table ---- */

#define FRAG_TIMEOUT_NS UINT64_C(5000000000)
#define FRAG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FRAG_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Parse a built frame into m at packet time ts (the frame is copied, eth cleared). */
static void
frag_meta(pkt_builder build, uint64_t ts, struct wm_pkt_meta *m)
{
	struct pkt p;

	build(&p);
	CU_ASSERT_EQUAL_FATAL(parse_pkt(&p, m), WM_PKT_OK);
	m->ts_ns = ts;
}

static void
expect_ports(const struct wm_pkt_meta *m, uint16_t sport, uint16_t dport, int nonfirst,
	     unsigned int line)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "ports %u -> %u (got %u -> %u), nonfirst %d (got %d)", sport,
		 dport, m->sport, m->dport, nonfirst, (m->flags & WM_PKT_F_FRAG_NONFIRST) != 0);
	CU_assertImplementation(
		m->sport == sport && m->dport == dport &&
				(nonfirst != 0) == ((m->flags & WM_PKT_F_FRAG_NONFIRST) != 0) &&
				(m->flags & WM_PKT_F_FRAG)
			? CU_TRUE
			: CU_FALSE,
		line, msg, __FILE__, "", CU_FALSE);
}

/*
 * What a table of 'slots' slots gives back at 'now' over a whole scan (a
 * call scans at most 'max' slots), into out (room for 'room').
 */
static unsigned int
frag_take_pass(struct wm_frag_table *t, uint32_t slots, uint64_t now, struct wm_pkt_meta *out,
	       unsigned int max, unsigned int room)
{
	unsigned int n = 0, c;

	for (c = 0; c <= slots / max && n + max <= room; c++)
		n += wm_frag_table_take(t, now, &out[n], max);
	return n;
}

/* A copy of m as another datagram's fragment (ID id) at time ts. */
static struct wm_pkt_meta
frag_with(const struct wm_pkt_meta *m, uint32_t id, uint64_t ts)
{
	struct wm_pkt_meta c = *m;

	c.frag_id = id;
	c.ts_ns = ts;
	return c;
}

/* Update m and check the verdict. */
#define FRAG_UPDATE(t, m, verdict) CU_ASSERT_EQUAL(wm_frag_table_update((t), (m)), (verdict))

/*
 * In order, duplicated and overlapping later fragments; IPv4 and IPv6; a
 * later fragment before its first waits and comes back with its ports.
 */
static void
test_pkt_frag_table_attributes(void)
{
	struct wm_frag_table *t = wm_frag_table_create(64, FRAG_TIMEOUT_NS);
	struct wm_pkt_meta first, later, m, out[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	frag_meta(build_ipv4_frag_first, 1000, &first);
	frag_meta(build_ipv4_frag_last, 900, &later);
	/* Before its first fragment: held, nothing to give back yet. */
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	CU_ASSERT_EQUAL(wm_frag_table_take(t, 950, out, 4), 0);
	m = first;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 5004, 5005, 0, __LINE__);
	/* Its first came: given back with the first's ports, as it was. */
	CU_ASSERT_EQUAL(wm_frag_table_take(t, 1000, out, 4), 1);
	expect_ports(&out[0], 5004, 5005, 0, __LINE__);
	CU_ASSERT_EQUAL(out[0].l3_len, later.l3_len);
	CU_ASSERT_EQUAL(out[0].ts_ns, 900);
	CU_ASSERT_EQUAL(out[0].frag_id, later.frag_id);
	CU_ASSERT_EQUAL(memcmp(out[0].src, later.src, 16), 0);
	CU_ASSERT_EQUAL(wm_frag_table_take(t, 1000, out, 4), 0);
	/* After it, twice (a duplicate), and a middle one overlapping the last. */
	later.ts_ns = 2000;
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 5004, 5005, 0, __LINE__);
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 5004, 5005, 0, __LINE__);
	frag_meta(build_ipv4_frag_middle, 2500, &m);
	m.frag_id = first.frag_id;
	m.proto = first.proto; /* the builder's middle fragment is TCP's */
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 5004, 5005, 0, __LINE__);
	/* Another ID, protocol or address is another datagram: each waits for its first. */
	m = later;
	m.frag_id = 0x1235;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	m = later;
	m.proto = 6;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	m = later;
	m.src[3] ^= 1;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	/* IPv6: the fragment header's identification. */
	frag_meta(build_ipv6_frag_first, 3000, &first);
	m = first;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_NOT_EQUAL(first.sport, 0);
	frag_meta(build_ipv6_frag_nonfirst, 3001, &later);
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, first.sport, first.dport, 0, __LINE__);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->first, 2);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->attributed, 5);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 0);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->held, 4);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->table_full, 0);
	/* The three that never get a first: given back on the ports-0 flow when the input ends. */
	CU_ASSERT_EQUAL(wm_frag_table_take(t, UINT64_MAX, out, 4), 3);
	expect_ports(&out[0], 0, 0, 1, __LINE__);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 3);
	CU_ASSERT_EQUAL(wm_frag_table_take(t, UINT64_MAX, out, 4), 0);
	wm_frag_table_free(t);
}

/*
 * Out of order: five later fragments of different lengths, then the first.
 * Given back two at a time, they add up to what was held: count, octets,
 * shortest, longest, and the first and last time.
 */
static void
test_pkt_frag_table_out_of_order(void)
{
	static const uint32_t lens[5] = {1500, 28, 700, 1500, 333};
	struct wm_frag_table *t = wm_frag_table_create(16, FRAG_TIMEOUT_NS);
	struct wm_pkt_meta first, later, m, out[2];
	uint64_t octets = 0, got_octets = 0;
	uint32_t min = UINT32_MAX, max = 0, i, n, total = 0;
	uint32_t got_min = UINT32_MAX, got_max = 0;
	uint64_t first_ts = UINT64_MAX, last_ts = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	frag_meta(build_ipv4_frag_first, 10000, &first);
	frag_meta(build_ipv4_frag_last, 0, &later);
	for (i = 0; i < 5; i++) {
		m = later;
		m.ts_ns = 5000 + i;
		m.l3_len = lens[i];
		octets += lens[i];
		min = FRAG_MIN(min, lens[i]);
		max = FRAG_MAX(max, lens[i]);
		FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	}
	m = first;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	while ((n = wm_frag_table_take(t, 10000, out, 2)) != 0) {
		CU_ASSERT(n <= 2);
		for (i = 0; i < n; i++) {
			expect_ports(&out[i], 5004, 5005, 0, __LINE__);
			got_octets += out[i].l3_len;
			got_min = FRAG_MIN(got_min, out[i].l3_len);
			got_max = FRAG_MAX(got_max, out[i].l3_len);
			first_ts = FRAG_MIN(first_ts, out[i].ts_ns);
			last_ts = FRAG_MAX(last_ts, out[i].ts_ns);
			total++;
		}
	}
	CU_ASSERT_EQUAL(total, 5);
	CU_ASSERT_EQUAL(got_octets, octets);
	CU_ASSERT_EQUAL(got_min, min);
	CU_ASSERT_EQUAL(got_max, max);
	CU_ASSERT_EQUAL(first_ts, 5000);
	CU_ASSERT_EQUAL(last_ts, 5004);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->attributed, 5);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->held, 5);
	/* A datagram holds at most WM_FRAG_HOLD_MAX; the next is metered at once. */
	for (i = 0; i < WM_FRAG_HOLD_MAX; i++) {
		m = later;
		m.frag_id = 0x7777;
		m.ts_ns = 20000;
		FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	}
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 0, 0, 1, __LINE__);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 1);
	wm_frag_table_free(t);
}

/*
 * A VXLAN packet in two outer fragments: the first is its inner packet,
 * metered whole; the rest of the outer datagram, before or after it, is
 * absorbed (counted, metered into no flow), another datagram is not.
 */
static void
test_pkt_frag_table_outer_absorbed(void)
{
	struct wm_frag_table *t = wm_frag_table_create(16, FRAG_TIMEOUT_NS);
	struct wm_pkt_meta first, later, m, out[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	frag_meta(build_vxlan_frag, 2000, &first);
	CU_ASSERT_EQUAL_FATAL(first.encap_flags & WM_PKT_E_OUTER_FRAG, WM_PKT_E_OUTER_FRAG);
	frag_meta(build_ipv4_frag_last, 1000, &later);
	memset(later.src, 0, 16);
	memset(later.dst, 0, 16);
	memcpy(later.src, t4_src, 4);
	memcpy(later.dst, t4_dst, 4);
	later.frag_id = 0x1234;
	/* One before the first (held), the first, one after it. */
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	m = first;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_EQUAL(m.sport, 40000); /* the inner flow's, untouched */
	CU_ASSERT_EQUAL(frag_take_pass(t, 16, 2000, out, 4, 4), 0);
	m = frag_with(&later, 0x1234, 3000);
	FRAG_UPDATE(t, &m, WM_FRAG_ABSORBED);
	m = frag_with(&later, 0x1235, 3000);
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->absorbed, 2);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->held, 2);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->first, 1);
	CU_ASSERT_EQUAL(frag_take_pass(t, 16, UINT64_MAX, out, 4, 4), 1);
	CU_ASSERT_EQUAL(out[0].frag_id, 0x1235);
	wm_frag_table_free(t);
}

/*
 * Entries expire in packet time; held fragments whose first never comes
 * are given back on the ports-0 flow at their deadline, none lost; whole
 * packets are left alone.
 */
static void
test_pkt_frag_table_expiry(void)
{
	struct wm_frag_table *t = wm_frag_table_create(16, FRAG_TIMEOUT_NS);
	struct wm_pkt_meta first, later, m, out[8];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	frag_meta(build_ipv4_frag_first, 1000, &first);
	FRAG_UPDATE(t, &first, WM_FRAG_METER);
	frag_meta(build_ipv4_frag_last, 1000 + FRAG_TIMEOUT_NS - 1, &later);
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	expect_ports(&m, 5004, 5005, 0, __LINE__);
	/* At the deadline the first is forgotten: this one waits for a first again. */
	later.ts_ns = 1000 + FRAG_TIMEOUT_NS;
	m = later;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	m.ts_ns++;
	FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	CU_ASSERT_EQUAL(frag_take_pass(t, 16, 1000 + 2 * FRAG_TIMEOUT_NS - 1, out, 2, 8), 0);
	/* Its own deadline passes: both come back, unattributed, as they were. */
	CU_ASSERT_EQUAL(frag_take_pass(t, 16, 1000 + 2 * FRAG_TIMEOUT_NS, out, 2, 8), 2);
	expect_ports(&out[0], 0, 0, 1, __LINE__);
	expect_ports(&out[1], 0, 0, 1, __LINE__);
	CU_ASSERT_EQUAL(out[0].l3_len + out[1].l3_len, 2 * later.l3_len);
	CU_ASSERT_EQUAL(wm_frag_table_take(t, UINT64_MAX, out, 4), 0);
	/* Not a fragment: untouched, not counted. */
	frag_meta(build_ipv4_udp, 5000, &m);
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_EQUAL(m.sport, 53000);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->first, 1);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->attributed, 1);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 2);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->held, 2);
	wm_frag_table_free(t);
	CU_ASSERT_PTR_NULL(wm_frag_table_create(0, FRAG_TIMEOUT_NS));
	CU_ASSERT_PTR_NULL(wm_frag_table_create(16, 0));
}

/*
 * A full table: first fragments that find no slot are counted, older ones
 * stay; a slot that holds fragments is not taken even past its deadline.
 */
static void
test_pkt_frag_table_full(void)
{
	struct wm_frag_table *t = wm_frag_table_create(8, FRAG_TIMEOUT_NS);
	struct wm_pkt_meta first, later, m, out[8];
	uint32_t id;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	frag_meta(build_ipv4_frag_first, 1000, &first);
	frag_meta(build_ipv4_frag_last, 2000, &later);
	/* Eight slots, eight probes: the ninth datagram finds none. */
	for (id = 0; id < 9; id++) {
		m = first;
		m.frag_id = id;
		FRAG_UPDATE(t, &m, WM_FRAG_METER);
	}
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->first, 8);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->table_full, 1);
	for (id = 0; id < 9; id++) {
		m = later;
		m.frag_id = id;
		FRAG_UPDATE(t, &m, WM_FRAG_METER);
		expect_ports(&m, id < 8 ? 5004 : 0, id < 8 ? 5005 : 0, id == 8, __LINE__);
	}
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 1);
	/* Once they expire, the slots are free again: eight datagrams hold fragments. */
	for (id = 100; id < 108; id++) {
		m = frag_with(&later, id, 1000 + FRAG_TIMEOUT_NS);
		FRAG_UPDATE(t, &m, WM_FRAG_HELD);
	}
	/* Past their deadline, unseen by a take: still theirs, nothing lost. */
	m = frag_with(&first, 8, 1000 + 3 * FRAG_TIMEOUT_NS);
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->table_full, 2);
	m = frag_with(&later, 200, 1000 + 3 * FRAG_TIMEOUT_NS);
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 2);
	CU_ASSERT_EQUAL(wm_frag_table_take(t, 1000 + 3 * FRAG_TIMEOUT_NS, out, 8), 8);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->unattributed, 10);
	/* Given back, they leave: the ninth first fragment finds a slot. */
	m = frag_with(&first, 8, 1000 + 3 * FRAG_TIMEOUT_NS);
	FRAG_UPDATE(t, &m, WM_FRAG_METER);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->first, 9);
	CU_ASSERT_EQUAL(wm_frag_table_stats(t)->table_full, 2);
	wm_frag_table_free(t);
}

/* ---- capture link types ---- */

/* A link header in front of an Ethernet frame's L3 packet. */
struct link_case {
	const char *name;
	uint32_t linktype;
	uint8_t hdr[20];
	uint32_t hdr_len;
};

static const struct link_case link_cases[] = {
	{"null", WM_PKT_LINK_NULL, {2, 0, 0, 0}, 4},
	{"null_other_order", WM_PKT_LINK_NULL, {0, 0, 0, 2}, 4},
	{"loop", WM_PKT_LINK_LOOP, {0, 0, 0, 2}, 4},
	{"raw", WM_PKT_LINK_RAW, {0}, 0},
	{"ipv4", WM_PKT_LINK_IPV4, {0}, 0},
	{"sll",
	 WM_PKT_LINK_LINUX_SLL,
	 {0, 0, 0, 1, 0, 6, 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0, 0, 0x08, 0x00},
	 16},
	{"sll2",
	 WM_PKT_LINK_LINUX_SLL2,
	 {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0, 0},
	 20},
	{"ppp", WM_PKT_LINK_PPP, {0xff, 0x03, 0x00, 0x21}, 4},
	{"ppp_hdlc", WM_PKT_LINK_PPP_HDLC, {0xff, 0x03, 0x00, 0x21}, 4},
};

static enum wm_pkt_error
parse_exact_link(const uint8_t *src, uint32_t len, uint32_t linktype, struct wm_pkt_meta *meta)
{
	enum wm_pkt_error err;
	uint8_t *buf = malloc(len > 0 ? len : 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memcpy(buf, src, len);
	memset(meta, 0xa5, sizeof(*meta));
	err = wm_pkt_parse_link(buf, len, len, linktype, 0, meta);
	CU_ASSERT_PTR_EQUAL(meta->eth, buf);
	meta->eth = NULL;
	free(buf);
	return err;
}

/*
 * The same IPv4 TCP and IPv6 packets behind every link header: the meta
 * is the Ethernet frame's with the offsets moved; every prefix is sane.
 */
static void
test_pkt_link_types(void)
{
	static const pkt_builder frames[] = {build_ipv4_tcp, build_ipv6_tcp, build_vxlan_v4};
	struct wm_pkt_meta exp, m;
	char why[128], msg[256];
	size_t i, f;

	for (i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		const struct link_case *lc = &link_cases[i];

		for (f = 0; f < sizeof(frames) / sizeof(frames[0]); f++) {
			struct pkt eth, p;
			uint32_t len;
			int shift = (int)lc->hdr_len - 14;

			frames[f](&eth);
			if (lc->linktype == WM_PKT_LINK_IPV4 && f == 1)
				continue; /* raw IPv4 link carries no IPv6 */
			p.len = 0;
			putn(&p, lc->hdr, lc->hdr_len);
			/* The link header names the protocol: IPv6 for the IPv6 frame. */
			if (f == 1 && lc->linktype == WM_PKT_LINK_LINUX_SLL)
				set16(&p, 14, 0x86dd);
			if (f == 1 && lc->linktype == WM_PKT_LINK_LINUX_SLL2)
				set16(&p, 0, 0x86dd);
			if (f == 1 && lc->hdr_len == 4 && lc->hdr[1] == 0x03)
				set16(&p, 2, 0x0057);
			if (f == 1 && lc->hdr_len == 4 && lc->hdr[1] != 0x03)
				p.b[lc->hdr[0] == 2 ? 0 : 3] =
					lc->linktype == WM_PKT_LINK_LOOP ? 24 : 30;
			putn(&p, eth.b + 14, eth.len - 14);
			CU_ASSERT_EQUAL_FATAL(parse_pkt(&eth, &exp), WM_PKT_OK);
			exp.l3_off = (uint16_t)(exp.l3_off + shift);
			exp.l4_off = exp.l4_off != 0 ? (uint16_t)(exp.l4_off + shift) : 0;
			exp.payload_off =
				exp.payload_off != 0 ? (uint16_t)(exp.payload_off + shift) : 0;
			exp.mac_off = exp.mac_off != 0 ? (uint16_t)(exp.mac_off + shift) : 0;
			for (len = 0; len <= p.len; len++) {
				enum wm_pkt_error err =
					parse_exact_link(p.b, len, lc->linktype, &m);

				if (check_sane(len, err, &m, why, sizeof(why)) != 0) {
					snprintf(msg, sizeof(msg), "%s/%zu[0..%u): %s", lc->name, f,
						 len, why);
					CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__,
								"", CU_FALSE);
				}
				if (len < 12 || len < lc->hdr_len)
					CU_ASSERT_EQUAL(err, WM_PKT_ERR_LINK_TRUNCATED);
			}
			snprintf(msg, sizeof(msg), "%s/%zu parses", lc->name, f);
			CU_assertImplementation(parse_exact_link(p.b, p.len, lc->linktype, &m) ==
								WM_PKT_OK
							? CU_TRUE
							: CU_FALSE,
						__LINE__, msg, __FILE__, "", CU_FALSE);
			meta_eq(&m, &exp, __FILE__, __LINE__);
		}
	}
	/* Ethernet is Ethernet; an unknown link type is refused. */
	{
		struct pkt p;

		build_ipv4_tcp(&p);
		CU_ASSERT_EQUAL(parse_exact_link(p.b, p.len, WM_PKT_LINK_ETHERNET, &m), WM_PKT_OK);
		CU_ASSERT_EQUAL(m.sport, 40000);
		CU_ASSERT_EQUAL(parse_exact_link(p.b, p.len, 147, &m), WM_PKT_ERR_LINK_TRUNCATED);
	}
}

/* splitmix64: small, fast, and the same sequence on every machine. */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(rng_next(state) % n);
}

#define FUZZ_SEED UINT64_C(0x776d706b74667a31) /* "wmpktfz1" */
#define FUZZ_ITERATIONS 200000

/*
 * Random frames that reach past the Ethernet header: a random EtherType
 * from the ones the parser knows (tags included), then random bytes with
 * a plausible IP version nibble.
 */
static uint32_t
fuzz_random_frame(uint64_t *rng, uint8_t *buf)
{
	static const uint16_t ethertypes[] = {0x0800, 0x86dd, 0x8100, 0x88a8,
					      0x9100, 0x88e5, 0x0806, 0x0026};
	uint32_t len = rng_below(rng, 160);
	uint32_t i, off = 12;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next(rng);
	/* Stack up to three random tags, then a known EtherType. */
	while (off + 4 <= len && rng_below(rng, 3) == 0) {
		uint16_t tpid = ethertypes[2 + rng_below(rng, 3)];

		buf[off] = (uint8_t)(tpid >> 8);
		buf[off + 1] = (uint8_t)tpid;
		off += 4;
	}
	if (off + 2 <= len) {
		uint16_t et =
			ethertypes[rng_below(rng, sizeof(ethertypes) / sizeof(ethertypes[0]))];

		buf[off] = (uint8_t)(et >> 8);
		buf[off + 1] = (uint8_t)et;
		if (off + 2 < len && rng_below(rng, 4) != 0) {
			uint8_t ihl = (uint8_t)rng_below(rng, 16);

			buf[off + 2] = et == 0x86dd ? (uint8_t)(0x60 | (buf[off + 2] & 0x0f))
						    : (uint8_t)(0x40 | ihl);
		}
	}
	return len;
}

/* A known frame with a few bytes changed, then cut or extended. */
static uint32_t
fuzz_mutated_frame(uint64_t *rng, uint8_t *buf)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x06, 0x11, 0x2c, 0x32, 0x33, 0x3b,
					      0x3c, 0x2b, 0x00, 0x7f, 0x80, 0xff, 0x45, 0x60};
	struct pkt p;
	uint32_t n, i, len;

	all_frames[rng_below(rng, N_FRAMES)].build(&p);
	n = 1 + rng_below(rng, 4);
	for (i = 0; i < n; i++) {
		uint32_t at = rng_below(rng, p.len);

		switch (rng_below(rng, 3)) {
		case 0:
			p.b[at] ^= (uint8_t)(1u << rng_below(rng, 8));
			break;
		case 1:
			p.b[at] = interesting[rng_below(rng, sizeof(interesting))];
			break;
		default:
			p.b[at] = (uint8_t)rng_next(rng);
			break;
		}
	}
	len = p.len;
	switch (rng_below(rng, 4)) {
	case 0:
		len = rng_below(rng, p.len + 1);
		break;
	case 1:
		while (len < p.len + 32 && len < PKT_MAX)
			p.b[len++] = (uint8_t)rng_next(rng);
		len = p.len + rng_below(rng, len - p.len + 1);
		break;
	default:
		break;
	}
	memcpy(buf, p.b, len);
	return len;
}

static void
test_pkt_fuzz(void)
{
	uint64_t rng = FUZZ_SEED;
	uint8_t frame[PKT_MAX];
	struct wm_pkt_meta m;
	unsigned int failures = 0, ok = 0;
	char why[128], msg[256];
	long it;

	for (it = 0; it < FUZZ_ITERATIONS; it++) {
		uint32_t len =
			(it & 1) ? fuzz_random_frame(&rng, frame) : fuzz_mutated_frame(&rng, frame);
		enum wm_pkt_error err = parse_exact(frame, len, &m);

		if (err == WM_PKT_OK)
			ok++;
		if (check_sane(len, err, &m, why, sizeof(why)) != 0) {
			/* Report the first few only: one bug fails thousands of inputs. */
			if (failures++ < 5) {
				snprintf(msg, sizeof(msg), "fuzz iteration %ld (len %u): %s", it,
					 len, why);
				CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "",
							CU_FALSE);
			}
		}
	}
	CU_ASSERT_EQUAL(failures, 0);
	/* A fuzzer whose inputs all fail early tests little. */
	CU_ASSERT(ok > FUZZ_ITERATIONS / 10);
}

/* ---- runner ---- */

static const struct wm_test tests[] = {
	WM_TEST(test_pkt_eth_ipv4_tcp),
	WM_TEST(test_pkt_vlan_8021q),
	WM_TEST(test_pkt_qinq_outer_vlan_kept),
	WM_TEST(test_pkt_vlan_three_tags),
	WM_TEST(test_pkt_l2_arp),
	WM_TEST(test_pkt_l2_8023_length),
	WM_TEST(test_pkt_ipv4_options),
	WM_TEST(test_pkt_ipv4_padding_l3_len),
	WM_TEST(test_pkt_ipv4_first_fragment),
	WM_TEST(test_pkt_ipv4_nonfirst_fragment),
	WM_TEST(test_pkt_ipv6_plain),
	WM_TEST(test_pkt_ipv6_ext_chain),
	WM_TEST(test_pkt_ipv6_first_fragment),
	WM_TEST(test_pkt_ipv6_nonfirst_fragment),
	WM_TEST(test_pkt_ipv6_ah_tcp),
	WM_TEST(test_pkt_ipv6_hopopts_not_first),
	WM_TEST(test_pkt_ipv6_ext_chain_too_long),
	WM_TEST(test_pkt_tcp_ports_flags),
	WM_TEST(test_pkt_udp),
	WM_TEST(test_pkt_snaplen_truncated),
	WM_TEST(test_pkt_unknown_transport),
	WM_TEST(test_pkt_sctp),
	WM_TEST(test_pkt_icmp_echo),
	WM_TEST(test_pkt_icmpv6),
	WM_TEST(test_pkt_esp),
	WM_TEST(test_pkt_natt_esp),
	WM_TEST(test_pkt_natt_ike),
	WM_TEST(test_pkt_natt_keepalive),
	WM_TEST(test_pkt_gre),
	WM_TEST(test_pkt_vxlan),
	WM_TEST(test_pkt_macsec_explicit_sci),
	WM_TEST(test_pkt_macsec_implicit_sci),
	WM_TEST(test_pkt_oversized_frame),
	WM_TEST(test_pkt_malformed_table),
	WM_TEST(test_pkt_error_names),
	WM_TEST(test_pkt_truncated_prefixes),
	WM_TEST(test_pkt_fuzz),
	WM_TEST(test_pkt_tunnel_vxlan),
	WM_TEST(test_pkt_tunnel_geneve),
	WM_TEST(test_pkt_tunnel_gre),
	WM_TEST(test_pkt_tunnel_erspan),
	WM_TEST(test_pkt_tunnel_gtpu),
	WM_TEST(test_pkt_tunnel_ipip),
	WM_TEST(test_pkt_tunnel_mpls),
	WM_TEST(test_pkt_tunnel_teredo),
	WM_TEST(test_pkt_tunnel_nested),
	WM_TEST(test_pkt_tunnel_udp_ports),
	WM_TEST(test_pkt_tunnel_undecoded),
	WM_TEST(test_pkt_tunnel_outer_option),
	WM_TEST(test_pkt_vlan_stack_depths),
	WM_TEST(test_pkt_offload_lengths),
	WM_TEST(test_pkt_tunnel_offload_names),
	WM_TEST(test_pkt_frag_table_attributes),
	WM_TEST(test_pkt_frag_table_out_of_order),
	WM_TEST(test_pkt_frag_table_outer_absorbed),
	WM_TEST(test_pkt_frag_table_expiry),
	WM_TEST(test_pkt_frag_table_full),
	WM_TEST(test_pkt_link_types),
};

int
main(void)
{
	return wm_cunit_run("pkt", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
