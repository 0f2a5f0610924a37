/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_PKT_H
#define WM_PKT_H

/**
 * @file
 * wiremeter packet parser.
 *
 * Turns the bytes of one Ethernet frame into a compact description
 * (struct wm_pkt_meta) that the flow table and the sequence tracker
 * consume. The parser is pure C with no EAL dependency: it reads only
 * the bytes it is given and never past @p len, so every malformed or
 * truncated frame is reported under a named reason instead of crashing.
 *
 * Covered: Ethernet II, 802.1Q and QinQ (0x8100, 0x88A8, 0x9100; the
 * outer VLAN id is kept), IPv4 with options and fragments, IPv6 with its
 * extension-header chain (hop-by-hop, routing, fragment, destination
 * options, AH), TCP, UDP, SCTP, ICMP, ICMPv6, ESP (also UDP 4500 NAT-T
 * after the non-ESP marker check), GRE and VXLAN (recognised, metered on
 * the outer header), and the MACsec SecTAG (EtherType 0x88E5).
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Parse error reasons. One X-macro list gives the enum and the names,
 * so the same name is used in the summary, the report and telemetry.
 */
#define WM_PKT_FOREACH_ERROR(X)                        \
	X(ETH_TRUNCATED, "ethTruncated")               \
	X(VLAN_TRUNCATED, "vlanTruncated")             \
	X(VLAN_TOO_DEEP, "vlanTooDeep")                \
	X(IPV4_TRUNCATED, "ipv4Truncated")             \
	X(IPV4_BAD_VERSION, "ipv4BadVersion")          \
	X(IPV4_BAD_IHL, "ipv4BadIhl")                  \
	X(IPV4_BAD_TOTAL_LENGTH, "ipv4BadTotalLength") \
	X(IPV6_TRUNCATED, "ipv6Truncated")             \
	X(IPV6_BAD_VERSION, "ipv6BadVersion")          \
	X(IPV6_BAD_EXT_CHAIN, "ipv6BadExtChain")       \
	X(TCP_TRUNCATED, "tcpTruncated")               \
	X(TCP_BAD_OFFSET, "tcpBadDataOffset")          \
	X(UDP_TRUNCATED, "udpTruncated")               \
	X(UDP_BAD_LENGTH, "udpBadLength")              \
	X(SCTP_TRUNCATED, "sctpTruncated")             \
	X(ICMP_TRUNCATED, "icmpTruncated")             \
	X(ESP_TRUNCATED, "espTruncated")               \
	X(GRE_TRUNCATED, "greTruncated")               \
	X(VXLAN_TRUNCATED, "vxlanTruncated")           \
	X(SECTAG_TRUNCATED, "sectagTruncated")         \
	X(SECTAG_BAD, "sectagInvalid")

/** Parse result: 0 is success, any other value names the error. */
enum wm_pkt_error {
	WM_PKT_OK = 0,
#define WM_PKT_ERR_ENUM(e, s) WM_PKT_ERR_##e,
	WM_PKT_FOREACH_ERROR(WM_PKT_ERR_ENUM)
#undef WM_PKT_ERR_ENUM
		WM_PKT_ERR_MAX
};

/** What kind of flow a frame belongs to. */
enum wm_pkt_kind {
	WM_PKT_KIND_L2 = 0, /**< non-IP frame: keyed by MACs and EtherType */
	WM_PKT_KIND_IPV4 = 1,
	WM_PKT_KIND_IPV6 = 2,
	WM_PKT_KIND_MACSEC = 3, /**< MACsec frame: keyed by SCI and AN */
};

/** Flags in wm_pkt_meta.flags. */
#define WM_PKT_F_FRAG 0x01	    /**< IP fragment (first or not) */
#define WM_PKT_F_FRAG_NONFIRST 0x02 /**< non-first fragment: no L4 header */
#define WM_PKT_F_ESP 0x04	    /**< ESP packet (proto 50 or NAT-T) */
#define WM_PKT_F_NATT 0x08	    /**< ESP inside UDP 4500 */
#define WM_PKT_F_VLAN 0x10	    /**< at least one VLAN tag */
#define WM_PKT_F_TUNNEL 0x20	    /**< GRE or VXLAN outer header */
#define WM_PKT_F_SCI 0x40	    /**< MACsec SecTAG carried an explicit SCI */
#define WM_PKT_F_SEQ 0x80	    /**< set by the caller: a sequence-bearing packet to track */

/** Well-known numbers the parser uses. */
#define WM_PKT_UDP_PORT_NATT 4500
#define WM_PKT_UDP_PORT_VXLAN 4789
#define WM_PKT_ETHERTYPE_MACSEC 0x88E5
#define WM_PKT_MAX_VLAN 2

/**
 * Everything the later stages need from one frame. Addresses are kept
 * as 16 bytes; IPv4 addresses occupy the first 4 with the rest zero.
 * Offsets are from the start of the frame, so the sequence tracker can
 * read headers without parsing again.
 */
struct wm_pkt_meta {
	uint8_t src[16];	 /**< IP source address (IPv4: first 4 bytes) */
	uint8_t dst[16];	 /**< IP destination address */
	uint8_t kind;		 /**< enum wm_pkt_kind */
	uint8_t proto;		 /**< IP protocol (last header of the chain) */
	uint8_t flags;		 /**< WM_PKT_F_* */
	uint8_t tcp_flags;	 /**< TCP flags byte, 0 for other protocols */
	uint8_t tos;		 /**< IPv4 TOS / IPv6 traffic class */
	uint8_t macsec_an;	 /**< MACsec association number */
	uint8_t macsec_tci;	 /**< MACsec TCI byte with the AN bits */
	uint8_t n_vlan;		 /**< number of VLAN tags (0..2) */
	uint16_t vlan;		 /**< outer VLAN id, 0 when untagged */
	uint16_t ethertype;	 /**< EtherType after the VLAN tags */
	uint16_t sport;		 /**< source port, 0 when none */
	uint16_t dport;		 /**< destination port, 0 when none */
	uint16_t icmp_type_code; /**< ICMP type << 8 | code */
	uint16_t l3_off;	 /**< offset of the L3 header */
	uint16_t l4_off;	 /**< offset of the L4 header, 0 when none */
	uint16_t payload_off;	 /**< offset of the L4 payload, 0 when none */
	uint32_t l3_len;	 /**< IP total length; L2 payload length if not IP */
	uint32_t spi;		 /**< ESP SPI */
	uint32_t esp_seq;	 /**< ESP sequence number (low 32 bits) */
	uint32_t macsec_pn;	 /**< MACsec packet number (low 32 bits) */
	uint64_t macsec_sci;	 /**< MACsec SCI, explicit or implicit */
	const uint8_t *eth;	 /**< frame start: destination MAC, source MAC */
	uint64_t ts_ns;		 /**< packet time; set by the caller, not the parser */
	uint16_t port;		 /**< ingress port; set by the caller, not the parser */
};

/**
 * Parse one Ethernet frame.
 *
 * @param data
 *   First byte of the frame (destination MAC).
 * @param len
 *   Number of bytes available at @p data; nothing beyond is read.
 * @param meta
 *   Filled with the frame's description on success; partly filled on
 *   error.
 * @return
 *   WM_PKT_OK, or the enum wm_pkt_error naming why the frame is
 *   malformed.
 */
enum wm_pkt_error wm_pkt_parse(const uint8_t *data, uint32_t len, struct wm_pkt_meta *meta);

/**
 * Name of a parse error, in IPFIX-style camelCase ("ipv4BadIhl").
 *
 * @param err
 *   An enum wm_pkt_error value.
 * @return
 *   A static string; "ok" for WM_PKT_OK and "unknown" when out of range.
 */
const char *wm_pkt_error_name(enum wm_pkt_error err);

#ifdef __cplusplus
}
#endif

#endif /* WM_PKT_H */
