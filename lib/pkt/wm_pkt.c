/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The parser walks a frame front to back with one cursor and one end.
 * Invariant: every read at offset o of n bytes is preceded by a check
 * that o + n <= end, where end never exceeds the bytes the caller gave.
 * Once an IP header says how long the packet is, end shrinks to that
 * length (Ethernet padding is not L4 data); it never grows. A tunnel's
 * inner packet is parsed with a context whose len is the outer packet's
 * end, so the same invariant holds inside.
 *
 * Tunnels: before an inner packet is parsed, the outer description is
 * copied; if anything inside fails, the copy is put back and the tunnel
 * kind noted in meta->undecoded, so a tunnel never makes an error. The
 * recursion is bounded by WM_PKT_MAX_ENCAP.
 */

#include <stdbool.h>
#include <string.h>

#include "wm_pkt.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ1 0x9100
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_TEB 0x6558
#define ETHERTYPE_ERSPAN2 0x88BE
#define ETHERTYPE_ERSPAN3 0x22EB
#define ETHERTYPE_PPP 0x880B

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_IPIP_ 4
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_IPV6_ 41
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_GRE_ 47
#define IPPROTO_ESP_ 50
#define IPPROTO_AH_ 51
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_SCTP_ 132

/* An IPv6 packet with more extension headers than this is treated as an attack on parsers. */
#define IPV6_MAX_EXT_HEADERS 8

static const char *const wm_pkt_error_names[WM_PKT_ERR_MAX] = {[WM_PKT_OK] = "ok",
#define WM_PKT_ERR_NAME(e, s) [WM_PKT_ERR_##e] = s,
							       WM_PKT_FOREACH_ERROR(WM_PKT_ERR_NAME)
#undef WM_PKT_ERR_NAME
};

static const char *const wm_pkt_tunnel_names[WM_PKT_TUNNEL_MAX] = {
	[WM_PKT_TUNNEL_NONE] = "",
#define WM_PKT_TUNNEL_NAME(e, s) [WM_PKT_TUNNEL_##e] = s,
	WM_PKT_FOREACH_TUNNEL(WM_PKT_TUNNEL_NAME)
#undef WM_PKT_TUNNEL_NAME
};

static const char *const wm_pkt_offload_names[WM_PKT_OFFLOAD_MAX] = {
	[WM_PKT_OFFLOAD_NONE] = "",
#define WM_PKT_OFFLOAD_NAME(e, s) [WM_PKT_OFFLOAD_##e] = s,
	WM_PKT_FOREACH_OFFLOAD(WM_PKT_OFFLOAD_NAME)
#undef WM_PKT_OFFLOAD_NAME
};

const char *
wm_pkt_tunnel_name(unsigned int kind)
{
	return kind < WM_PKT_TUNNEL_MAX ? wm_pkt_tunnel_names[kind] : "unknown";
}

const char *
wm_pkt_offload_name(unsigned int kind)
{
	return kind < WM_PKT_OFFLOAD_MAX ? wm_pkt_offload_names[kind] : "unknown";
}

const char *
wm_pkt_error_name(enum wm_pkt_error err)
{
	if ((unsigned int)err >= WM_PKT_ERR_MAX)
		return "unknown";
	return wm_pkt_error_names[err];
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/*
 * What one level of parsing may read: len bytes at data (the outer
 * packet's end inside a tunnel), frame_len for lengths the headers cannot
 * give, and how many tunnels enclose this level.
 */
struct parse_ctx {
	const uint8_t *data;
	uint32_t len;
	uint32_t frame_len;
	unsigned int opts;
	unsigned int depth;
};

/* A tunnel's decoder: 0 decoded, TUN_NO_PAYLOAD valid but carrying no packet, <0 not decoded. */
#define TUN_NO_PAYLOAD 1

static enum wm_pkt_error parse_eth(const struct parse_ctx *c, uint32_t off,
				   struct wm_pkt_meta *meta);
static enum wm_pkt_error parse_ipv4(const struct parse_ctx *c, uint32_t off,
				    struct wm_pkt_meta *meta);
static enum wm_pkt_error parse_ipv6(const struct parse_ctx *c, uint32_t off,
				    struct wm_pkt_meta *meta);
static enum wm_pkt_error parse_l3(const struct parse_ctx *c, uint32_t off, uint16_t et,
				  struct wm_pkt_meta *meta);

/*
 * Forget what the outer packet's L3 and L4 said before an inner packet is
 * parsed over it. The VLAN tags and the encapsulation fields stay.
 */
static void
layer_reset(struct wm_pkt_meta *m)
{
	memset(m->src, 0, sizeof(m->src));
	memset(m->dst, 0, sizeof(m->dst));
	m->kind = 0;
	m->proto = 0;
	m->flags &= WM_PKT_F_VLAN;
	m->tcp_flags = 0;
	m->tos = 0;
	m->macsec_an = 0;
	m->macsec_tci = 0;
	m->ethertype = 0;
	m->sport = 0;
	m->dport = 0;
	m->icmp_type_code = 0;
	m->l4_off = 0;
	m->payload_off = 0;
	m->l3_len = 0;
	m->spi = 0;
	m->esp_seq = 0;
	m->macsec_pn = 0;
	m->macsec_sci = 0;
	m->offload = 0;
	m->frag_id = 0;
}

/* An IP packet whose version nibble says which it is (GTP-U, MPLS, Teredo). */
static enum wm_pkt_error
parse_ip_any(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	if (off >= c->len)
		return WM_PKT_ERR_IPV4_TRUNCATED;
	switch (c->data[off] >> 4) {
	case 4:
		return parse_l3(c, off, ETHERTYPE_IPV4, meta);
	case 6:
		return parse_l3(c, off, ETHERTYPE_IPV6, meta);
	default:
		return WM_PKT_ERR_IPV4_BAD_VERSION;
	}
}

/*
 * An MPLS label stack at off, then its payload: IPv4 or IPv6 by the
 * version nibble, else an Ethernet pseudowire (after a control word when
 * the nibble is 0). The first stack's top entries are kept.
 */
static int
tun_mpls(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;
	bool keep = meta->n_mpls == 0;
	uint32_t n = 0, lse;

	/* Bounded: every entry moves off forward by 4 towards c->len. */
	do {
		if (off + 4 > c->len)
			return -1;
		lse = rd32(d + off);
		if (keep) {
			if (n < WM_PKT_MAX_MPLS)
				meta->mpls[n] = lse;
			if (n < UINT8_MAX)
				meta->n_mpls = (uint8_t)(n + 1);
		}
		n++;
		off += 4;
	} while (!(lse & 0x100));
	if (off >= c->len)
		return -1;
	switch (d[off] >> 4) {
	case 4:
	case 6:
		return parse_ip_any(c, off, meta) == WM_PKT_OK ? 0 : -1;
	case 0:
		off += 4; /* pseudowire control word (RFC 4385) */
			  /* fall through */
	default:
		return parse_eth(c, off, meta) == WM_PKT_OK ? 0 : -1;
	}
}

static void
segment_set(struct wm_pkt_meta *meta, uint32_t id)
{
	if (meta->encap_flags & WM_PKT_E_SEGMENT)
		return;
	meta->segment_id = id;
	meta->encap_flags |= WM_PKT_E_SEGMENT;
}

/* VXLAN (RFC 7348): 8 bytes with the I flag, a 24-bit VNI, then Ethernet. */
static int
tun_vxlan(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	if (off + 8 > c->len || !(c->data[off] & 0x08))
		return -1;
	segment_set(meta, rd32(c->data + off + 4) >> 8);
	return parse_eth(c, off + 8, meta) == WM_PKT_OK ? 0 : -1;
}

/* A payload named by an EtherType-style protocol field (Geneve, GRE). */
static int
tun_payload(const struct parse_ctx *c, uint32_t off, uint16_t proto, struct wm_pkt_meta *meta)
{
	switch (proto) {
	case ETHERTYPE_TEB:
		return parse_eth(c, off, meta) == WM_PKT_OK ? 0 : -1;
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
		return parse_l3(c, off, proto, meta) == WM_PKT_OK ? 0 : -1;
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return tun_mpls(c, off, meta);
	default:
		return -1;
	}
}

/* Geneve (RFC 8926): version 0, options of 4 * OptLen bytes, then the payload. */
static int
tun_geneve(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *g = c->data + off;
	uint32_t hlen;

	if (off + 8 > c->len || (g[0] >> 6) != 0)
		return -1;
	hlen = 8 + (uint32_t)(g[0] & 0x3f) * 4;
	if (off + hlen > c->len)
		return -1;
	segment_set(meta, rd32(g + 4) >> 8);
	return tun_payload(c, off + hlen, rd16(g + 2), meta);
}

/*
 * GTP-U (3GPP TS 29.281): version 1, PT 1. With E, S or PN set the
 * header has 4 more bytes, the last naming the first extension header;
 * each extension is 4 * its first byte long and names the next in its
 * last byte. Only a G-PDU (type 255) carries a packet.
 */
static int
tun_gtpu(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;
	uint32_t cur = off + 8;
	uint8_t next;

	if (off + 8 > c->len || (d[off] >> 5) != 1 || !(d[off] & 0x10))
		return -1;
	if (d[off] & 0x07) {
		if (off + 12 > c->len)
			return -1;
		next = d[off + 11];
		cur = off + 12;
		/* Bounded: each extension is at least 4 bytes of c->len. */
		while (next != 0) {
			uint32_t elen;

			if (cur + 1 > c->len)
				return -1;
			elen = (uint32_t)d[cur] * 4;
			if (elen == 0 || cur + elen > c->len)
				return -1;
			next = d[cur + elen - 1];
			cur += elen;
		}
	}
	if (d[off + 1] != 0xff)
		return TUN_NO_PAYLOAD;
	if (!(meta->encap_flags & WM_PKT_E_TEID)) {
		meta->gtp_teid = rd32(d + off + 4);
		meta->encap_flags |= WM_PKT_E_TEID;
	}
	return parse_ip_any(c, cur, meta) == WM_PKT_OK ? 0 : -1;
}

/*
 * Teredo (RFC 4380): an optional authentication indicator (0x0001, then
 * ID and authentication lengths, nonce, confirmation) and origin
 * indication (0x0000, 8 bytes) before the IPv6 packet.
 */
static int
tun_teredo(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;

	if (off + 4 <= c->len && rd16(d + off) == 0x0001)
		off += 4 + (uint32_t)d[off + 2] + d[off + 3] + 8 + 1;
	if (off + 2 <= c->len && rd16(d + off) == 0x0000)
		off += 8;
	if (off >= c->len || (d[off] >> 4) != 6)
		return -1;
	return parse_l3(c, off, ETHERTYPE_IPV6, meta) == WM_PKT_OK ? 0 : -1;
}

/* PPP in PPTP's enhanced GRE: optional address/control, then IPv4 or IPv6. */
static int
tun_ppp(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;
	uint16_t proto;

	if (off + 2 <= c->len && d[off] == 0xff && d[off + 1] == 0x03)
		off += 2;
	if (off >= c->len)
		return -1;
	/* A protocol field with its low bit set is one byte (RFC 1661 6.5). */
	if (d[off] & 0x01) {
		proto = d[off];
		off += 1;
	} else {
		if (off + 2 > c->len)
			return -1;
		proto = rd16(d + off);
		off += 2;
	}
	if (proto == 0x21)
		return parse_l3(c, off, ETHERTYPE_IPV4, meta) == WM_PKT_OK ? 0 : -1;
	if (proto == 0x57)
		return parse_l3(c, off, ETHERTYPE_IPV6, meta) == WM_PKT_OK ? 0 : -1;
	return TUN_NO_PAYLOAD;
}

/*
 * ERSPAN: type I has no header of its own (GRE without a sequence
 * number), type II 8 bytes (version 1), type III 12 bytes (version 2),
 * plus an 8-byte platform subheader when its O bit is set, and then the
 * mirrored Ethernet frame (type III frame type 0).
 */
static int
tun_erspan(const struct parse_ctx *c, uint32_t off, uint16_t proto, bool seq,
	   struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;

	if (proto == ETHERTYPE_ERSPAN2 && seq) {
		if (off + 8 > c->len || (d[off] >> 4) != 1)
			return -1;
		off += 8;
	} else if (proto == ETHERTYPE_ERSPAN3) {
		if (off + 12 > c->len || (d[off] >> 4) != 2 || ((rd32(d + off + 8) >> 10) & 0x1f))
			return -1;
		off += (d[off + 11] & 0x01) ? 20 : 12;
	}
	return parse_eth(c, off, meta) == WM_PKT_OK ? 0 : -1;
}

/*
 * GRE (RFC 2784, 2890): checksum and reserved word with C, key with K,
 * sequence number with S; version 1 is PPTP's (RFC 2637), with a key
 * and an acknowledgement with A. Source routing (R) is not decoded.
 */
static int
tun_gre(const struct parse_ctx *c, uint32_t off, enum wm_pkt_tunnel *kind, struct wm_pkt_meta *meta)
{
	const uint8_t *d = c->data;
	uint32_t hlen = 4;
	uint16_t f, proto;

	if (off + 4 > c->len)
		return -1;
	f = rd16(d + off);
	proto = rd16(d + off + 2);
	if ((f & 0x4000) || (f & 0x07) > 1)
		return -1;
	hlen += (f & 0x8000) ? 4 : 0;
	if (f & 0x2000) {
		if (off + hlen + 4 > c->len)
			return -1;
		if ((f & 0x07) == 0)
			segment_set(meta, rd32(d + off + hlen));
		hlen += 4;
	}
	hlen += (f & 0x1000) ? 4 : 0;
	hlen += ((f & 0x07) == 1 && (f & 0x0080)) ? 4 : 0;
	if (off + hlen > c->len)
		return -1;
	off += hlen;
	if ((f & 0x07) == 1)
		return proto == ETHERTYPE_PPP ? tun_ppp(c, off, meta) : -1;
	if (proto == ETHERTYPE_ERSPAN2 || proto == ETHERTYPE_ERSPAN3) {
		*kind = WM_PKT_TUNNEL_ERSPAN;
		return tun_erspan(c, off, proto, (f & 0x1000) != 0, meta);
	}
	if (proto == ETHERTYPE_TEB && (f & 0x2000))
		*kind = WM_PKT_TUNNEL_NVGRE;
	return tun_payload(c, off, proto, meta);
}

/* outer_proto: the IP protocol that carried the tunnel (IP-in-IP: 4 or 41). */
static int
tun_decode(const struct parse_ctx *c, uint32_t off, enum wm_pkt_tunnel *kind, uint8_t outer_proto,
	   struct wm_pkt_meta *meta)
{
	switch (*kind) {
	case WM_PKT_TUNNEL_VXLAN:
		return tun_vxlan(c, off, meta);
	case WM_PKT_TUNNEL_GENEVE:
		return tun_geneve(c, off, meta);
	case WM_PKT_TUNNEL_GRE:
		return tun_gre(c, off, kind, meta);
	case WM_PKT_TUNNEL_GTPU:
		return tun_gtpu(c, off, meta);
	case WM_PKT_TUNNEL_IPIP:
		return parse_l3(c, off,
				outer_proto == IPPROTO_IPIP_ ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6,
				meta) == WM_PKT_OK
			       ? 0
			       : -1;
	case WM_PKT_TUNNEL_MPLS:
		return tun_mpls(c, off, meta);
	case WM_PKT_TUNNEL_TEREDO:
		return tun_teredo(c, off, meta);
	default:
		return -1;
	}
}

/* Note the outer endpoints when this is the outermost tunnel decoded. */
static void
encap_set(struct wm_pkt_meta *meta, const struct wm_pkt_meta *outer, enum wm_pkt_tunnel kind)
{
	meta->flags |= WM_PKT_F_TUNNEL;
	if (outer->encap != WM_PKT_TUNNEL_NONE)
		return;
	meta->encap = (uint8_t)kind;
	if (outer->kind == WM_PKT_KIND_IPV4 || outer->kind == WM_PKT_KIND_IPV6) {
		memcpy(meta->outer_src, outer->src, 16);
		memcpy(meta->outer_dst, outer->dst, 16);
		meta->encap_flags |=
			outer->kind == WM_PKT_KIND_IPV4 ? WM_PKT_E_OUTER_V4 : WM_PKT_E_OUTER_V6;
	}
}

/*
 * The tunnel header of @p kind starts at off, inside the outer packet,
 * which ends at end. Decode it and the packet it carries over meta; on
 * any failure put the outer description back and name the tunnel in
 * meta->undecoded. Never an error: the outer packet parsed.
 */
static enum wm_pkt_error
tunnel_enter(const struct parse_ctx *c, uint32_t off, uint32_t end, enum wm_pkt_tunnel kind,
	     struct wm_pkt_meta *meta)
{
	struct parse_ctx in = *c;
	struct wm_pkt_meta outer;
	int rc;

	meta->flags |= WM_PKT_F_TUNNEL;
	if (c->opts & WM_PKT_OPT_OUTER)
		return WM_PKT_OK;
	/*
	 * A fragment's payload is not a whole inner packet; the outermost
	 * packet's first fragment holds the inner headers, though, and the
	 * inner IP header says the inner packet's length: decoded, its later
	 * fragments are named for the fragment table (WM_PKT_E_OUTER_FRAG).
	 */
	if (c->depth >= WM_PKT_MAX_ENCAP || ((meta->flags & WM_PKT_F_FRAG) && c->depth > 0)) {
		meta->undecoded = (uint8_t)kind;
		return WM_PKT_OK;
	}
	outer = *meta;
	in.len = end;
	in.frame_len = end == c->len ? c->frame_len : end;
	in.depth++;
	layer_reset(meta);
	rc = tun_decode(&in, off, &kind, outer.proto, meta);
	if (rc == 0) {
		encap_set(meta, &outer, kind);
		if (outer.flags & WM_PKT_F_FRAG) {
			meta->encap_flags |= WM_PKT_E_OUTER_FRAG;
			meta->outer_frag_id = outer.frag_id;
			meta->outer_proto = outer.proto;
		}
		return WM_PKT_OK;
	}
	*meta = outer;
	if (rc < 0)
		meta->undecoded = (uint8_t)kind;
	return WM_PKT_OK;
}

/* Which tunnel a UDP port pair names, if any. */
static enum wm_pkt_tunnel
udp_tunnel(uint16_t sport, uint16_t dport)
{
	switch (dport) {
	case WM_PKT_UDP_PORT_VXLAN:
	case WM_PKT_UDP_PORT_VXLAN_LINUX:
		return WM_PKT_TUNNEL_VXLAN;
	case WM_PKT_UDP_PORT_GENEVE:
		return WM_PKT_TUNNEL_GENEVE;
	case WM_PKT_UDP_PORT_GTPU:
		return WM_PKT_TUNNEL_GTPU;
	case WM_PKT_UDP_PORT_MPLS:
		return WM_PKT_TUNNEL_MPLS;
	case WM_PKT_UDP_PORT_TEREDO:
		return WM_PKT_TUNNEL_TEREDO;
	case WM_PKT_UDP_PORT_GRE:
		return WM_PKT_TUNNEL_GRE;
	default:
		break;
	}
	/* A Teredo server or relay answers from its well-known port; a GGSN may too. */
	if (sport == WM_PKT_UDP_PORT_TEREDO)
		return WM_PKT_TUNNEL_TEREDO;
	return sport == WM_PKT_UDP_PORT_GTPU ? WM_PKT_TUNNEL_GTPU : WM_PKT_TUNNEL_NONE;
}

/*
 * Teredo between a client and a relay uses no well-known port: an IPv4
 * UDP payload that is exactly one IPv6 packet (version 6, 40 + payload
 * length == the UDP payload) is taken as Teredo (RFC 4380 5.2.1 checks
 * the same).
 */
static bool
udp_is_bare_ipv6(const uint8_t *p, uint32_t avail, uint32_t plen, uint8_t kind)
{
	return kind == WM_PKT_KIND_IPV4 && avail >= 40 && (p[0] >> 4) == 6 &&
	       40u + rd16(p + 4) == plen;
}

static enum wm_pkt_error
parse_udp(const struct parse_ctx *c, uint32_t end, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l4_off;
	uint32_t avail = end > off ? end - off : 0;
	const uint8_t *l4 = c->data + off;
	/*
	 * The UDP length must fit in the IP payload the IP header declares,
	 * not in what was captured: a frame cut short by a snap length is
	 * metered like TCP, not called a bad length.
	 */
	uint32_t ip_avail = (uint32_t)meta->l3_off + meta->l3_len - off;
	enum wm_pkt_tunnel tun;
	uint32_t ulen, plen;

	if (avail < 8)
		return WM_PKT_ERR_UDP_TRUNCATED;
	ulen = rd16(l4 + 4);
	/* A first fragment carries a UDP length longer than itself. */
	if (ulen < 8 || (!(meta->flags & WM_PKT_F_FRAG) && ulen > ip_avail))
		return WM_PKT_ERR_UDP_BAD_LENGTH;
	meta->sport = rd16(l4);
	meta->dport = rd16(l4 + 2);
	meta->payload_off = (uint16_t)(off + 8);
	plen = avail - 8;
	if (meta->sport == WM_PKT_UDP_PORT_NATT || meta->dport == WM_PKT_UDP_PORT_NATT) {
		/*
		 * RFC 3948: a zero non-ESP marker means IKE, a single
		 * 0xFF byte is a NAT keepalive; anything else is ESP.
		 */
		if (plen >= 4 && rd32(l4 + 8) != 0) {
			if (plen < 8)
				return WM_PKT_ERR_ESP_TRUNCATED;
			meta->spi = rd32(l4 + 8);
			meta->esp_seq = rd32(l4 + 12);
			meta->flags |= WM_PKT_F_ESP | WM_PKT_F_NATT;
		}
		return WM_PKT_OK;
	}
	tun = udp_tunnel(meta->sport, meta->dport);
	if (tun == WM_PKT_TUNNEL_NONE && udp_is_bare_ipv6(l4 + 8, plen, ulen - 8, meta->kind))
		tun = WM_PKT_TUNNEL_TEREDO;
	if (tun != WM_PKT_TUNNEL_NONE) {
		/* The datagram's own length bounds the tunnel, when it is all here. */
		uint32_t uend = off + ulen < end ? off + ulen : end;

		return tunnel_enter(c, off + 8, uend, tun, meta);
	}
	return WM_PKT_OK;
}

/*
 * Parse the L4 header at meta->l4_off, bounded by end. The caller has
 * already decided this is not a non-first fragment, and has set l3_off
 * and l3_len to the IP packet as its header declares it.
 */
static enum wm_pkt_error
parse_l4(const struct parse_ctx *c, uint32_t end, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l4_off;
	uint32_t avail = end > off ? end - off : 0;
	const uint8_t *l4 = c->data + off;

	switch (meta->proto) {
	case IPPROTO_TCP_: {
		uint32_t hlen;

		if (avail < 20)
			return WM_PKT_ERR_TCP_TRUNCATED;
		hlen = (uint32_t)(l4[12] >> 4) * 4;
		/*
		 * The data offset must fit the IP packet; options cut off by a
		 * capture's snap length are fine (ports and flags came first),
		 * but then there is no payload to point at.
		 */
		if (hlen < 20 || hlen > (uint32_t)meta->l3_off + meta->l3_len - off)
			return WM_PKT_ERR_TCP_BAD_OFFSET;
		meta->sport = rd16(l4);
		meta->dport = rd16(l4 + 2);
		meta->tcp_flags = l4[13];
		meta->payload_off = hlen <= avail ? (uint16_t)(off + hlen) : 0;
		return WM_PKT_OK;
	}
	case IPPROTO_UDP_:
		return parse_udp(c, end, meta);
	case IPPROTO_SCTP_:
		if (avail < 12)
			return WM_PKT_ERR_SCTP_TRUNCATED;
		meta->sport = rd16(l4);
		meta->dport = rd16(l4 + 2);
		meta->payload_off = (uint16_t)(off + 12);
		return WM_PKT_OK;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if (avail < 4)
			return WM_PKT_ERR_ICMP_TRUNCATED;
		meta->icmp_type_code = rd16(l4);
		meta->payload_off = (uint16_t)(off + 4);
		return WM_PKT_OK;
	case IPPROTO_ESP_:
		if (avail < 8)
			return WM_PKT_ERR_ESP_TRUNCATED;
		meta->spi = rd32(l4);
		meta->esp_seq = rd32(l4 + 4);
		meta->flags |= WM_PKT_F_ESP;
		meta->payload_off = (uint16_t)(off + 8);
		return WM_PKT_OK;
	case IPPROTO_GRE_:
		return tunnel_enter(c, off, end, WM_PKT_TUNNEL_GRE, meta);
	case IPPROTO_IPIP_:
	case IPPROTO_IPV6_:
		/* Metered on addresses and protocol unless the inner packet is decoded. */
		meta->l4_off = 0;
		return tunnel_enter(c, off, end, WM_PKT_TUNNEL_IPIP, meta);
	default:
		/* Unknown transport: metered on addresses and protocol. */
		meta->l4_off = 0;
		return WM_PKT_OK;
	}
}

/*
 * The IPv4 total length. 0 on a TCP segment is a TSO or BIG TCP frame
 * whose length only the frame gives (what was captured of it).
 */
static uint32_t
ipv4_total(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *ip = c->data + off;
	uint32_t total = rd16(ip + 2);

	if (total != 0 || ip[9] != IPPROTO_TCP_)
		return total;
	total = c->frame_len - off;
	meta->offload = total > UINT16_MAX ? WM_PKT_OFFLOAD_BIG_TCP : WM_PKT_OFFLOAD_TSO;
	return total;
}

static enum wm_pkt_error
parse_ipv4(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *ip = c->data + off;
	uint32_t avail = c->len > off ? c->len - off : 0;
	uint32_t ihl, total, end;
	uint16_t frag;

	if (avail < 20)
		return WM_PKT_ERR_IPV4_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return WM_PKT_ERR_IPV4_BAD_VERSION;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	total = ipv4_total(c, off, meta);
	if (ihl < 20)
		return WM_PKT_ERR_IPV4_BAD_IHL;
	if (total < 20)
		return WM_PKT_ERR_IPV4_BAD_TOTAL_LENGTH;
	if (ihl > total)
		return WM_PKT_ERR_IPV4_BAD_IHL;
	if (ihl > avail)
		return WM_PKT_ERR_IPV4_TRUNCATED;

	meta->kind = WM_PKT_KIND_IPV4;
	meta->tos = ip[1];
	meta->proto = ip[9];
	meta->l3_len = total;
	memcpy(meta->src, ip + 12, 4);
	memcpy(meta->dst, ip + 16, 4);

	frag = rd16(ip + 6);
	if (frag & 0x3fff) {
		meta->flags |= WM_PKT_F_FRAG;
		meta->frag_id = rd16(ip + 4);
		if (frag & 0x1fff) {
			meta->flags |= WM_PKT_F_FRAG_NONFIRST;
			return WM_PKT_OK;
		}
	}
	/* L4 lives inside the IP packet and inside what was captured. */
	end = off + (total < avail ? total : avail);
	meta->l4_off = (uint16_t)(off + ihl);
	return parse_l4(c, end, meta);
}

/* Where an IPv6 extension-header walk ended. */
struct v6_walk {
	uint32_t cur;	/* offset of the upper-layer header */
	uint32_t jumbo; /* hop-by-hop jumbo payload length, 0 when none */
	uint8_t nh;	/* the upper-layer protocol */
	bool nonfirst;	/* a non-first fragment: no upper-layer header */
};

/* RFC 2675: a Jumbo Payload option (type 0xC2, 4 bytes) among hop-by-hop options. */
static uint32_t
hbh_jumbo(const uint8_t *d, uint32_t cur, uint32_t hlen)
{
	uint32_t o = cur + 2, end = cur + hlen;

	/* Bounded: every option moves o forward. */
	while (o < end) {
		if (d[o] == 0) {
			o++;
			continue;
		}
		if (o + 2 > end || o + 2 + d[o + 1] > end)
			return 0;
		if (d[o] == 0xc2 && d[o + 1] == 4)
			return rd32(d + o + 2);
		o += 2u + d[o + 1];
	}
	return 0;
}

static enum wm_pkt_error
ipv6_walk(const uint8_t *data, uint32_t cur, uint32_t end, uint8_t nh, struct wm_pkt_meta *meta,
	  struct v6_walk *w)
{
	int n;

	w->jumbo = 0;
	w->nonfirst = false;
	/* Bounded: at most IPV6_MAX_EXT_HEADERS headers are walked. */
	for (n = 0;; n++) {
		uint32_t hlen;

		if (nh != IPPROTO_HOPOPTS_ && nh != IPPROTO_ROUTING_ && nh != IPPROTO_FRAGMENT_ &&
		    nh != IPPROTO_DSTOPTS_ && nh != IPPROTO_AH_)
			break;
		if (n >= IPV6_MAX_EXT_HEADERS)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		/* RFC 8200 4.3: hop-by-hop options only right after the IPv6 header. */
		if (nh == IPPROTO_HOPOPTS_ && n != 0)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		if (cur + 8 > end)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		if (nh == IPPROTO_FRAGMENT_) {
			uint16_t fo = rd16(data + cur + 2);

			meta->flags |= WM_PKT_F_FRAG;
			meta->frag_id = rd32(data + cur + 4);
			nh = data[cur];
			cur += 8;
			if (fo & 0xfff8) {
				w->nonfirst = true;
				break;
			}
			continue;
		}
		if (nh == IPPROTO_AH_)
			hlen = ((uint32_t)data[cur + 1] + 2) * 4;
		else
			hlen = ((uint32_t)data[cur + 1] + 1) * 8;
		if (cur + hlen > end)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		if (nh == IPPROTO_HOPOPTS_)
			w->jumbo = hbh_jumbo(data, cur, hlen);
		nh = data[cur];
		cur += hlen;
	}
	w->cur = cur;
	w->nh = nh;
	return WM_PKT_OK;
}

/*
 * Payload length 0: a jumbogram gives the length in its hop-by-hop
 * option; a TCP packet without one is a BIG TCP frame, whose length the
 * frame gives. Anything else is an empty payload, walked as before.
 */
static enum wm_pkt_error
ipv6_zero_plen(const struct parse_ctx *c, uint32_t off, uint32_t *total, struct v6_walk *w,
	       struct wm_pkt_meta *meta)
{
	uint32_t avail = c->len - off;
	enum wm_pkt_error err;

	err = ipv6_walk(c->data, off + 40, c->len, c->data[off + 6], meta, w);
	if (err == WM_PKT_OK && w->jumbo != 0) {
		*total = 40 + w->jumbo;
		if (*total < 40 || w->cur > off + *total)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		meta->offload = WM_PKT_OFFLOAD_JUMBOGRAM;
		return WM_PKT_OK;
	}
	if (err == WM_PKT_OK && !w->nonfirst && w->nh == IPPROTO_TCP_ && avail > 40) {
		*total = c->frame_len - off;
		meta->offload = WM_PKT_OFFLOAD_BIG_TCP;
		return WM_PKT_OK;
	}
	meta->flags &= (uint8_t)~WM_PKT_F_FRAG;
	*total = 40;
	return ipv6_walk(c->data, off + 40, off + 40, c->data[off + 6], meta, w);
}

static enum wm_pkt_error
parse_ipv6(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *ip = c->data + off;
	uint32_t avail = c->len > off ? c->len - off : 0;
	uint32_t total, end;
	struct v6_walk w;
	enum wm_pkt_error err;

	if (avail < 40)
		return WM_PKT_ERR_IPV6_TRUNCATED;
	if ((ip[0] >> 4) != 6)
		return WM_PKT_ERR_IPV6_BAD_VERSION;

	meta->kind = WM_PKT_KIND_IPV6;
	meta->tos = (uint8_t)((rd16(ip) >> 4) & 0xff);
	memcpy(meta->src, ip + 8, 16);
	memcpy(meta->dst, ip + 24, 16);
	total = 40u + rd16(ip + 4);
	if (total == 40)
		err = ipv6_zero_plen(c, off, &total, &w, meta);
	else
		err = ipv6_walk(c->data, off + 40, off + (total < avail ? total : avail), ip[6],
				meta, &w);
	meta->l3_len = total;
	if (err != WM_PKT_OK)
		return err;
	end = off + (total < avail ? total : avail);
	meta->proto = w.nh;
	if (w.nonfirst) {
		meta->flags |= WM_PKT_F_FRAG_NONFIRST;
		return WM_PKT_OK;
	}
	meta->l4_off = (uint16_t)w.cur;
	return parse_l4(c, end, meta);
}

/*
 * MACsec SecTAG (IEEE 802.1AE), offsets relative to the EtherType:
 * +2 TCI/AN, +3 SL, +4..7 PN, +8..15 SCI when TCI.SC is set.
 */
static enum wm_pkt_error
parse_sectag(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const uint8_t *tag = c->data + off;
	uint32_t avail = c->len > off ? c->len - off : 0;
	uint8_t tci;

	if (avail < 6)
		return WM_PKT_ERR_SECTAG_TRUNCATED;
	tci = tag[0];
	if ((tci & 0x80) || (tag[1] & 0xc0))
		return WM_PKT_ERR_SECTAG_BAD;
	if ((tci & 0x20) && (tci & 0x50))
		return WM_PKT_ERR_SECTAG_BAD;
	meta->kind = WM_PKT_KIND_MACSEC;
	meta->macsec_tci = tci;
	meta->macsec_an = tci & 0x03;
	meta->macsec_pn = rd32(tag + 2);
	if (tci & 0x20) {
		if (avail < 14)
			return WM_PKT_ERR_SECTAG_TRUNCATED;
		meta->macsec_sci = ((uint64_t)rd32(tag + 6) << 32) | rd32(tag + 10);
		meta->flags |= WM_PKT_F_SCI;
		meta->payload_off = (uint16_t)(off + 14);
	} else {
		/* Implicit SCI: the source MAC followed by port identifier 1. */
		const uint8_t *smac = c->data + meta->mac_off + 6;

		meta->macsec_sci =
			((uint64_t)rd16(smac) << 48) | ((uint64_t)rd32(smac + 2) << 16) | 0x0001;
		meta->payload_off = (uint16_t)(off + 6);
	}
	meta->l3_len = avail;
	return WM_PKT_OK;
}

/* The L3 header at off, named by EtherType et; the MACs are at meta->mac_off. */
static enum wm_pkt_error
parse_l3(const struct parse_ctx *c, uint32_t off, uint16_t et, struct wm_pkt_meta *meta)
{
	meta->l3_off = (uint16_t)off;
	/* 802.3 length field: no EtherType to key on. */
	meta->ethertype = et >= 0x0600 ? et : 0;

	switch (et) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(c, off, meta);
	case ETHERTYPE_IPV6:
		return parse_ipv6(c, off, meta);
	case WM_PKT_ETHERTYPE_MACSEC:
		return parse_sectag(c, off, meta);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		meta->kind = WM_PKT_KIND_L2;
		meta->l3_len = c->len > off ? c->len - off : 0;
		return tunnel_enter(c, off, c->len, WM_PKT_TUNNEL_MPLS, meta);
	default:
		meta->kind = WM_PKT_KIND_L2;
		meta->l3_len = c->len > off ? c->len - off : 0;
		return WM_PKT_OK;
	}
}

/*
 * An Ethernet header at off and its VLAN tags, any order of TPIDs. The
 * outermost frame's tags give vlan and cvlan; an inner frame's (inside a
 * tunnel) are skipped, but bounded the same way.
 */
static enum wm_pkt_error
parse_eth(const struct parse_ctx *c, uint32_t off, struct wm_pkt_meta *meta)
{
	const bool outermost = c->depth == 0;
	unsigned int n_vlan = 0;
	uint16_t et;

	if (off + 14 > c->len)
		return WM_PKT_ERR_ETH_TRUNCATED;
	meta->mac_off = (uint16_t)off;
	off += 12;
	et = rd16(c->data + off);
	/* Bounded: at most WM_PKT_MAX_VLAN tags are accepted. */
	while (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ || et == ETHERTYPE_QINQ1) {
		uint16_t vid;

		if (n_vlan == WM_PKT_MAX_VLAN)
			return WM_PKT_ERR_VLAN_TOO_DEEP;
		if (off + 6 > c->len)
			return WM_PKT_ERR_VLAN_TRUNCATED;
		vid = rd16(c->data + off + 2) & 0x0fff;
		if (outermost) {
			if (n_vlan == 0)
				meta->vlan = vid;
			else
				meta->cvlan = vid;
			meta->n_vlan = (uint8_t)(n_vlan + 1);
			meta->flags |= WM_PKT_F_VLAN;
		}
		n_vlan++;
		off += 4;
		et = rd16(c->data + off);
	}
	return parse_l3(c, off + 2, et, meta);
}

enum wm_pkt_error
wm_pkt_parse_frame(const uint8_t *data, uint32_t len, uint32_t frame_len, unsigned int opts,
		   struct wm_pkt_meta *meta)
{
	struct parse_ctx c = {.data = data, .len = len, .opts = opts, .depth = 0};

	memset(meta, 0, sizeof(*meta));
	meta->eth = data;
	if (len < 14)
		return WM_PKT_ERR_ETH_TRUNCATED;
	/* Frames longer than 64 KiB cannot be described by 16-bit offsets. */
	if (c.len > UINT16_MAX)
		c.len = UINT16_MAX;
	c.frame_len = frame_len > len ? frame_len : len;
	return parse_eth(&c, 0, meta);
}

/* BSD loopback's address family, in either byte order: IPv4 or one of the IPv6 values. */
static uint16_t
null_family(const uint8_t *p, bool network_order)
{
	uint32_t af = network_order ? rd32(p)
				    : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) |
					      ((uint32_t)p[1] << 8) | p[0];

	/* A capture from another host's byte order: the family is in the top byte. */
	if (!network_order && af > 0xffff)
		af = rd32(p);
	if (af == 2)
		return ETHERTYPE_IPV4;
	if (af == 10 || af == 24 || af == 28 || af == 30)
		return ETHERTYPE_IPV6;
	return 0;
}

/*
 * Where a link type puts the L3 header, and what names it: the offset, and
 * an EtherType (0: a link-layer type this parser does not meter as IP).
 * Returns -1 when the frame is too short for its link header.
 */
static int
link_l3(const uint8_t *d, uint32_t len, uint32_t linktype, uint32_t *off, uint16_t *et)
{
	switch (linktype) {
	case WM_PKT_LINK_NULL:
	case WM_PKT_LINK_LOOP:
		if (len < 4)
			return -1;
		*off = 4;
		*et = null_family(d, linktype == WM_PKT_LINK_LOOP);
		return 0;
	case WM_PKT_LINK_RAW:
	case WM_PKT_LINK_IPV4:
	case WM_PKT_LINK_IPV6:
		if (len < 1)
			return -1;
		*off = 0;
		*et = (d[0] >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
		return 0;
	case WM_PKT_LINK_LINUX_SLL:
		if (len < 16)
			return -1;
		*off = 16;
		*et = rd16(d + 14);
		return 0;
	case WM_PKT_LINK_LINUX_SLL2:
		if (len < 20)
			return -1;
		*off = 20;
		*et = rd16(d);
		return 0;
	case WM_PKT_LINK_PPP:
	case WM_PKT_LINK_PPP_HDLC: {
		uint32_t o = len >= 2 && d[0] == 0xff && d[1] == 0x03 ? 2 : 0;
		uint16_t proto;

		if (o + 2 > len)
			return -1;
		proto = rd16(d + o);
		*off = o + 2;
		*et = proto == 0x0021 ? ETHERTYPE_IPV4 : proto == 0x0057 ? ETHERTYPE_IPV6 : 0;
		return 0;
	}
	default:
		return -1;
	}
}

enum wm_pkt_error
wm_pkt_parse_link(const uint8_t *data, uint32_t len, uint32_t frame_len, uint32_t linktype,
		  unsigned int opts, struct wm_pkt_meta *meta)
{
	struct parse_ctx c = {.data = data, .len = len, .opts = opts, .depth = 0};
	uint32_t off;
	uint16_t et;

	if (linktype == WM_PKT_LINK_ETHERNET)
		return wm_pkt_parse_frame(data, len, frame_len, opts, meta);
	memset(meta, 0, sizeof(*meta));
	meta->eth = data;
	if (len > UINT16_MAX)
		c.len = UINT16_MAX;
	c.frame_len = frame_len > len ? frame_len : len;
	/* Every frame has 12 bytes where the flow table reads MACs (mac_off 0). */
	if (c.len < 12 || link_l3(data, c.len, linktype, &off, &et) != 0)
		return WM_PKT_ERR_LINK_TRUNCATED;
	if (et != ETHERTYPE_IPV4 && et != ETHERTYPE_IPV6) {
		/* No MACs to key on: the flow is the link type's protocol alone. */
		meta->kind = WM_PKT_KIND_L2;
		meta->l3_off = (uint16_t)off;
		meta->ethertype = et >= 0x0600 ? et : 0;
		meta->l3_len = c.len > off ? c.len - off : 0;
		return WM_PKT_OK;
	}
	/*
	 * No Ethernet header: mac_off stays 0, so the MACs a record keeps are
	 * the link header's first bytes (records of IP flows show none).
	 */
	return parse_l3(&c, off, et, meta);
}

enum wm_pkt_error
wm_pkt_parse(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta)
{
	return wm_pkt_parse_frame(data, len, len, 0, meta);
}
