/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The parser walks a frame front to back with one cursor and one end.
 * Invariant: every read at offset o of n bytes is preceded by a check
 * that o + n <= end, where end never exceeds the bytes the caller gave.
 * Once an IP header says how long the packet is, end shrinks to that
 * length (Ethernet padding is not L4 data); it never grows.
 */

#include <string.h>

#include "wm_pkt.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88A8
#define ETHERTYPE_QINQ1 0x9100

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
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
 * Parse the L4 header at meta->l4_off, bounded by end. The caller has
 * already decided this is not a non-first fragment, and has set l3_off
 * and l3_len to the IP packet as its header declares it.
 */
static enum wm_pkt_error
parse_l4(const uint8_t *data, uint32_t end, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l4_off;
	uint32_t avail = end > off ? end - off : 0;
	const uint8_t *l4 = data + off;

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
	case IPPROTO_UDP_: {
		/*
		 * The UDP length must fit in the IP payload the IP header
		 * declares, not in what was captured: a frame cut short by a
		 * snap length is metered like TCP, not called a bad length.
		 */
		uint32_t ip_avail = (uint32_t)meta->l3_off + meta->l3_len - off;
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
		} else if (meta->dport == WM_PKT_UDP_PORT_VXLAN) {
			if (plen < 8)
				return WM_PKT_ERR_VXLAN_TRUNCATED;
			meta->flags |= WM_PKT_F_TUNNEL;
		}
		return WM_PKT_OK;
	}
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
		if (avail < 4)
			return WM_PKT_ERR_GRE_TRUNCATED;
		meta->flags |= WM_PKT_F_TUNNEL;
		return WM_PKT_OK;
	default:
		/* Unknown transport: metered on addresses and protocol. */
		meta->l4_off = 0;
		return WM_PKT_OK;
	}
}

static enum wm_pkt_error
parse_ipv4(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l3_off;
	const uint8_t *ip = data + off;
	uint32_t avail = len - off;
	uint32_t ihl, total, end;
	uint16_t frag;

	if (avail < 20)
		return WM_PKT_ERR_IPV4_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return WM_PKT_ERR_IPV4_BAD_VERSION;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	total = rd16(ip + 2);
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
		if (frag & 0x1fff) {
			meta->flags |= WM_PKT_F_FRAG_NONFIRST;
			return WM_PKT_OK;
		}
	}
	/* L4 lives inside the IP packet and inside what was captured. */
	end = off + (total < avail ? total : avail);
	meta->l4_off = (uint16_t)(off + ihl);
	return parse_l4(data, end, meta);
}

static enum wm_pkt_error
parse_ipv6(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l3_off;
	const uint8_t *ip = data + off;
	uint32_t avail = len - off;
	uint32_t total, end, cur;
	uint8_t nh;
	int n;

	if (avail < 40)
		return WM_PKT_ERR_IPV6_TRUNCATED;
	if ((ip[0] >> 4) != 6)
		return WM_PKT_ERR_IPV6_BAD_VERSION;

	meta->kind = WM_PKT_KIND_IPV6;
	meta->tos = (uint8_t)((rd16(ip) >> 4) & 0xff);
	total = 40u + rd16(ip + 4);
	meta->l3_len = total;
	memcpy(meta->src, ip + 8, 16);
	memcpy(meta->dst, ip + 24, 16);

	end = off + (total < avail ? total : avail);
	nh = ip[6];
	cur = off + 40;
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
			nh = data[cur];
			cur += 8;
			if (fo & 0xfff8) {
				meta->flags |= WM_PKT_F_FRAG_NONFIRST;
				meta->proto = nh;
				return WM_PKT_OK;
			}
			continue;
		}
		if (nh == IPPROTO_AH_)
			hlen = ((uint32_t)data[cur + 1] + 2) * 4;
		else
			hlen = ((uint32_t)data[cur + 1] + 1) * 8;
		if (cur + hlen > end)
			return WM_PKT_ERR_IPV6_BAD_EXT_CHAIN;
		nh = data[cur];
		cur += hlen;
	}
	meta->proto = nh;
	meta->l4_off = (uint16_t)cur;
	return parse_l4(data, end, meta);
}

/*
 * MACsec SecTAG (IEEE 802.1AE), offsets relative to the EtherType:
 * +2 TCI/AN, +3 SL, +4..7 PN, +8..15 SCI when TCI.SC is set.
 */
static enum wm_pkt_error
parse_sectag(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta)
{
	uint32_t off = meta->l3_off;
	const uint8_t *tag = data + off;
	uint32_t avail = len - off;
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
		const uint8_t *smac = data + 6;

		meta->macsec_sci =
			((uint64_t)rd16(smac) << 48) | ((uint64_t)rd32(smac + 2) << 16) | 0x0001;
		meta->payload_off = (uint16_t)(off + 6);
	}
	meta->l3_len = avail;
	return WM_PKT_OK;
}

enum wm_pkt_error
wm_pkt_parse(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta)
{
	uint32_t off = 12;
	uint16_t et;

	memset(meta, 0, sizeof(*meta));
	meta->eth = data;
	if (len < 14)
		return WM_PKT_ERR_ETH_TRUNCATED;
	/* Frames longer than 64 KiB cannot be described by 16-bit offsets. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	et = rd16(data + off);
	/* Bounded: at most WM_PKT_MAX_VLAN tags are accepted. */
	while (et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ || et == ETHERTYPE_QINQ1) {
		if (meta->n_vlan == WM_PKT_MAX_VLAN)
			return WM_PKT_ERR_VLAN_TOO_DEEP;
		if (off + 6 > len)
			return WM_PKT_ERR_VLAN_TRUNCATED;
		if (meta->n_vlan == 0)
			meta->vlan = rd16(data + off + 2) & 0x0fff;
		meta->n_vlan++;
		meta->flags |= WM_PKT_F_VLAN;
		off += 4;
		et = rd16(data + off);
	}
	off += 2;
	meta->l3_off = (uint16_t)off;
	/* 802.3 length field: no EtherType to key on. */
	meta->ethertype = et >= 0x0600 ? et : 0;

	switch (et) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(data, len, meta);
	case ETHERTYPE_IPV6:
		return parse_ipv6(data, len, meta);
	case WM_PKT_ETHERTYPE_MACSEC:
		return parse_sectag(data, len, meta);
	default:
		meta->kind = WM_PKT_KIND_L2;
		meta->l3_len = len - off;
		return WM_PKT_OK;
	}
}
