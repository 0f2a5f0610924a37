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
 * Covered: Ethernet II, VLAN stacks of up to WM_PKT_MAX_VLAN tags of
 * 0x8100, 0x88A8 and 0x9100 in any order (the outermost and the
 * innermost VLAN ids are kept), IPv4 with options and fragments, IPv6
 * with its extension-header chain (hop-by-hop, routing, fragment,
 * destination options, AH), TCP, UDP, SCTP, ICMP, ICMPv6, ESP (also UDP
 * 4500 NAT-T after the non-ESP marker check), and the MACsec SecTAG
 * (EtherType 0x88E5).
 *
 * Tunnels (enum wm_pkt_tunnel) are decoded to the innermost packet unless
 * WM_PKT_OPT_OUTER is given: VXLAN (UDP 4789, 8472), Geneve (6081, with
 * options), GRE (checksum, key, sequence; NVGRE and transparent Ethernet
 * bridging; ERSPAN I, II and III; PPTP's enhanced GRE carrying PPP; GRE
 * in UDP 4754), GTP-U (2152, either port), IP-in-IP, 6in4, 4in6, 6in6,
 * MPLS label stacks (0x8847, 0x8848, UDP 6635) and Teredo (UDP 3544, or
 * any IPv4 UDP payload that is exactly one IPv6 packet). The meta then
 * describes the inner packet; the encapsulation is kept alongside. A
 * tunnel header that does not parse is never an error: the packet is
 * described by its outer headers and meta->undecoded names the tunnel.
 *
 * Offload-sized frames are described with the length the frame gives
 * where the header cannot: an IPv4 TCP segment with total length 0 (TSO,
 * or BIG TCP above 64 KiB), an IPv6 jumbogram, and an IPv6 TCP packet with
 * payload length 0 and no jumbo option (BIG TCP); meta->offload says so.
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
	X(SECTAG_TRUNCATED, "sectagTruncated")         \
	X(SECTAG_BAD, "sectagInvalid")                 \
	X(LINK_TRUNCATED, "linkTruncated")

/** Parse result: 0 is success, any other value names the error. */
enum wm_pkt_error {
	WM_PKT_OK = 0,
#define WM_PKT_ERR_ENUM(e, s) WM_PKT_ERR_##e,
	WM_PKT_FOREACH_ERROR(WM_PKT_ERR_ENUM)
#undef WM_PKT_ERR_ENUM
		WM_PKT_ERR_MAX
};

/**
 * Tunnel kinds: the encapsulation a packet was carried in
 * (wm_pkt_meta.encap) or whose header did not parse
 * (wm_pkt_meta.undecoded). One list gives the enum and the names used in
 * records and counters. Value 0 is "none".
 */
#define WM_PKT_FOREACH_TUNNEL(X) \
	X(VXLAN, "vxlan")        \
	X(GENEVE, "geneve")      \
	X(GRE, "gre")            \
	X(NVGRE, "nvgre")        \
	X(ERSPAN, "erspan")      \
	X(GTPU, "gtpU")          \
	X(IPIP, "ipInIp")        \
	X(MPLS, "mpls")          \
	X(TEREDO, "teredo")

enum wm_pkt_tunnel {
	WM_PKT_TUNNEL_NONE = 0,
#define WM_PKT_TUNNEL_ENUM(e, s) WM_PKT_TUNNEL_##e,
	WM_PKT_FOREACH_TUNNEL(WM_PKT_TUNNEL_ENUM)
#undef WM_PKT_TUNNEL_ENUM
		WM_PKT_TUNNEL_MAX
};

/**
 * Offload-sized frames: how a packet's length was found when its IP
 * header could not give it (wm_pkt_meta.offload). Value 0: from the
 * header. The names are the counters' names.
 */
#define WM_PKT_FOREACH_OFFLOAD(X)  \
	X(TSO, "tsoFrames")        \
	X(JUMBOGRAM, "jumbograms") \
	X(BIG_TCP, "bigTcpFrames")

enum wm_pkt_offload {
	WM_PKT_OFFLOAD_NONE = 0,
#define WM_PKT_OFFLOAD_ENUM(e, s) WM_PKT_OFFLOAD_##e,
	WM_PKT_FOREACH_OFFLOAD(WM_PKT_OFFLOAD_ENUM)
#undef WM_PKT_OFFLOAD_ENUM
		WM_PKT_OFFLOAD_MAX
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
#define WM_PKT_F_TUNNEL 0x20	    /**< a tunnel header was seen (decoded or not) */
#define WM_PKT_F_SCI 0x40	    /**< MACsec SecTAG carried an explicit SCI */
#define WM_PKT_F_SEQ 0x80	    /**< set by the caller: a sequence-bearing packet to track */

/** Well-known numbers the parser uses. */
#define WM_PKT_UDP_PORT_NATT 4500
#define WM_PKT_UDP_PORT_VXLAN 4789
#define WM_PKT_ETHERTYPE_MACSEC 0x88E5
#define WM_PKT_UDP_PORT_VXLAN_LINUX 8472
#define WM_PKT_UDP_PORT_GENEVE 6081
#define WM_PKT_UDP_PORT_GTPU 2152
#define WM_PKT_UDP_PORT_MPLS 6635
#define WM_PKT_UDP_PORT_TEREDO 3544
#define WM_PKT_UDP_PORT_GRE 4754 /**< GRE in UDP (RFC 8086) */
#define WM_PKT_MAX_VLAN 8	 /**< deeper stacks are a vlanTooDeep error */
#define WM_PKT_MAX_MPLS 3	 /**< label stack entries kept (the stack may be deeper) */
#define WM_PKT_MAX_ENCAP 4	 /**< tunnels decoded inside each other, at most */

/** Flags in wm_pkt_meta.encap_flags: which encapsulation fields are set. */
#define WM_PKT_E_SEGMENT 0x01  /**< segment_id: VXLAN or Geneve VNI, GRE key */
#define WM_PKT_E_TEID 0x02     /**< gtp_teid */
#define WM_PKT_E_OUTER_V4 0x04 /**< outer_src/outer_dst are IPv4 (first 4 bytes) */
#define WM_PKT_E_OUTER_V6 0x08 /**< outer_src/outer_dst are IPv6 */
/**
 * The outermost IP packet is a first fragment: its later fragments carry
 * the rest of this inner packet (outer_proto, outer_frag_id name them).
 */
#define WM_PKT_E_OUTER_FRAG 0x10

/** Options of wm_pkt_parse_frame(). */
#define WM_PKT_OPT_OUTER 0x01 /**< describe tunnels by their outer headers (--tunnels outer) */

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
	uint8_t n_vlan;		 /**< number of VLAN tags (0..WM_PKT_MAX_VLAN) */
	uint16_t vlan;		 /**< outer VLAN id, 0 when untagged */
	uint16_t cvlan;		 /**< innermost VLAN id of 2 or more tags, else 0 */
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
	uint16_t mac_off;	 /**< offset of the MACs that describe the flow (inner Ethernet) */
	uint8_t offload;	 /**< enum wm_pkt_offload: l3_len came from the frame */
	uint8_t encap;		 /**< enum wm_pkt_tunnel: outermost tunnel decoded */
	uint8_t undecoded;	 /**< enum wm_pkt_tunnel whose header did not parse, 0 none */
	uint8_t encap_flags;	 /**< WM_PKT_E_* */
	uint8_t n_mpls;		 /**< entries in the first MPLS label stack (up to 255) */
	uint32_t segment_id;	 /**< layer2SegmentId: VNI or GRE key (WM_PKT_E_SEGMENT) */
	uint32_t gtp_teid;	 /**< GTP-U TEID (WM_PKT_E_TEID) */
	uint32_t mpls[WM_PKT_MAX_MPLS]; /**< first label stack entries, top first, raw */
	uint8_t outer_src[16];		/**< outermost tunnel's IP source (E_OUTER_*) */
	uint8_t outer_dst[16];		/**< and destination */
	uint32_t frag_id;	/**< IPv4 identification or IPv6 fragment ID (WM_PKT_F_FRAG) */
	uint32_t outer_frag_id; /**< the outermost packet's, with WM_PKT_E_OUTER_FRAG */
	uint8_t outer_proto;	/**< the outermost packet's protocol, with WM_PKT_E_OUTER_FRAG */
	uint64_t ts_ns;		/**< packet time; set by the caller, not the parser */
	uint16_t port;		/**< ingress port; set by the caller, not the parser */
};

/**
 * Parse one Ethernet frame, decoding tunnels; the same as
 * wm_pkt_parse_frame(data, len, len, 0, meta).
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
 * Parse one frame, with options and the frame's whole length.
 *
 * @param data
 *   First byte of the frame (destination MAC).
 * @param len
 *   Number of contiguous bytes at @p data; nothing beyond is read.
 * @param frame_len
 *   Length of the whole frame (at least @p len, e.g. an mbuf chain's
 *   packet length): used only where an IP header cannot give the length
 *   (TSO, BIG TCP).
 * @param opts
 *   WM_PKT_OPT_* flags; 0 decodes tunnels.
 * @param meta
 *   As for wm_pkt_parse().
 * @return
 *   As for wm_pkt_parse().
 */
enum wm_pkt_error wm_pkt_parse_frame(const uint8_t *data, uint32_t len, uint32_t frame_len,
				     unsigned int opts, struct wm_pkt_meta *meta);

/** pcap link types (LINKTYPE_* of the pcap format) wm_pkt_parse_link() reads. */
#define WM_PKT_LINK_NULL 0	   /**< BSD loopback, host-order address family */
#define WM_PKT_LINK_ETHERNET 1	   /**< Ethernet */
#define WM_PKT_LINK_PPP 9	   /**< PPP (optional FF 03, then the protocol) */
#define WM_PKT_LINK_PPP_HDLC 50	   /**< PPP in HDLC-like framing */
#define WM_PKT_LINK_RAW 101	   /**< raw IPv4 or IPv6 by the version nibble */
#define WM_PKT_LINK_LOOP 108	   /**< OpenBSD loopback, network-order family */
#define WM_PKT_LINK_LINUX_SLL 113  /**< Linux cooked capture v1 (tcpdump -i any) */
#define WM_PKT_LINK_IPV4 228	   /**< raw IPv4 */
#define WM_PKT_LINK_IPV6 229	   /**< raw IPv6 */
#define WM_PKT_LINK_LINUX_SLL2 276 /**< Linux cooked capture v2 */

/**
 * Parse one frame of a pcap link type: Ethernet as wm_pkt_parse_frame();
 * the others (WM_PKT_LINK_*) by their link header, then IPv4 or IPv6 as
 * in an Ethernet frame, so the same traffic meters as the same flows. A
 * non-IP protocol is an L2 flow keyed by that protocol alone (there are
 * no MACs). An unknown link type or a frame shorter than its link header
 * is WM_PKT_ERR_LINK_TRUNCATED.
 */
enum wm_pkt_error wm_pkt_parse_link(const uint8_t *data, uint32_t len, uint32_t frame_len,
				    uint32_t linktype, unsigned int opts, struct wm_pkt_meta *meta);

/**
 * Name of a tunnel kind ("vxlan"); "" for none and "unknown" when out of
 * range.
 */
const char *wm_pkt_tunnel_name(unsigned int kind);

/**
 * Name of an offload length kind, the counter's name ("tsoFrames"); ""
 * for none and "unknown" when out of range.
 */
const char *wm_pkt_offload_name(unsigned int kind);

/**
 * Name of a parse error, in IPFIX-style camelCase ("ipv4BadIhl").
 *
 * @param err
 *   An enum wm_pkt_error value.
 * @return
 *   A static string; "ok" for WM_PKT_OK and "unknown" when out of range.
 */
const char *wm_pkt_error_name(enum wm_pkt_error err);

/** Counters of a fragment table. Single writer: its owner. */
struct wm_frag_stats {
	uint64_t first;	       /**< first fragments whose ports were noted */
	uint64_t attributed;   /**< later fragments given their first fragment's ports */
	uint64_t unattributed; /**< later fragments left on the ports-0 flow */
	uint64_t table_full;   /**< first fragments not noted: no free slot for their key */
	uint64_t held;	       /**< later fragments that waited for their first fragment */
	uint64_t absorbed; /**< later fragments of a tunnelled packet metered whole as its inner */
};

/** Later fragments of one datagram that may wait for its first; more are metered at once. */
#define WM_FRAG_HOLD_MAX 64

/** What wm_frag_table_update() did with a packet. */
enum wm_frag_verdict {
	WM_FRAG_METER = 0, /**< meter the packet now */
	WM_FRAG_HELD = 1,  /**< counted in the table; wm_frag_table_take() gives it back */
	/**
	 * Part of an inner packet already metered whole (its outer first
	 * fragment's tunnel was decoded): counted, metered into no flow.
	 */
	WM_FRAG_ABSORBED = 2,
};

struct wm_frag_table;

/**
 * Create a fragment table: which transport ports each fragmented
 * datagram's first fragment carried, keyed by (source, destination, IP
 * identification or IPv6 fragment ID, protocol), so later fragments
 * meter on the datagram's flow. Bounded: at most @p capacity entries
 * (rounded up to a power of two), each forgotten @p timeout_ns of packet
 * time after its first fragment.
 *
 * @return
 *   The table, or NULL with errno set (EINVAL, ENOMEM).
 */
struct wm_frag_table *wm_frag_table_create(uint32_t capacity, uint64_t timeout_ns);

/** Free a table; NULL is allowed. */
void wm_frag_table_free(struct wm_frag_table *t);

/**
 * Note a parsed packet in the table (m->ts_ns must be set). A first
 * fragment's ports are remembered; a later fragment whose first fragment
 * is remembered gets its ports and loses WM_PKT_F_FRAG_NONFIRST (it keeps
 * WM_PKT_F_FRAG), so it meters on the datagram's flow. Anything else is
 * left as it is. A later fragment that comes before its first fragment
 * waits in the table by count (WM_FRAG_HELD: the caller does not meter
 * it now); when its datagram holds WM_FRAG_HOLD_MAX already, or no slot
 * is free, it stays on the ports-0 flow and is counted as unattributed.
 * A packet whose outermost first fragment carried a decoded tunnel
 * (WM_PKT_E_OUTER_FRAG) is its inner packet, metered whole: the later
 * fragments of that outer datagram are WM_FRAG_ABSORBED.
 *
 * @return
 *   WM_FRAG_METER, WM_FRAG_HELD or WM_FRAG_ABSORBED.
 */
enum wm_frag_verdict wm_frag_table_update(struct wm_frag_table *t, struct wm_pkt_meta *m);

/**
 * Give back held fragments, to be metered as they are: those whose first
 * fragment has come (with its ports, counted as attributed), then those
 * whose datagram's deadline is at or before @p now (a bounded scan of up
 * to @p max slots a call; on the ports-0 flow, counted as unattributed).
 * Given back, the fragments of a datagram add up to what was held: the
 * count, the octets, the shortest and the longest IP length, and the
 * first and last time. Each meta's eth points at its MACs in the table,
 * valid until the next wm_frag_table_update().
 *
 * @param t
 *   The table.
 * @param now
 *   Packet time; UINT64_MAX gives back everything held (the input ended),
 *   scanning the whole table.
 * @param out
 *   Room for @p max metas.
 * @param max
 *   Most metas to give back.
 * @return
 *   Metas written to @p out; 0 when nothing is due.
 */
unsigned int wm_frag_table_take(struct wm_frag_table *t, uint64_t now, struct wm_pkt_meta *out,
				unsigned int max);

/** The table's counters; other threads may read them with relaxed loads. */
const struct wm_frag_stats *wm_frag_table_stats(const struct wm_frag_table *t);

#ifdef __cplusplus
}
#endif

#endif /* WM_PKT_H */
