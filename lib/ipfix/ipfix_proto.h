/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef IPFIX_PROTO_H
#define IPFIX_PROTO_H

/**
 * @file
 * IPFIX wire format (RFC 7011): message and set headers, template
 * records, field specifiers, and the Information Element numbers
 * wiremeter uses (IANA registry "IP Flow Information Export (IPFIX)
 * Entities", RFC 5103 for the reverse elements). Every multi-byte field
 * is big-endian on the wire.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version field of every IPFIX message. */
#define IPFIX_VERSION 10

/** Set IDs (RFC 7011 §3.3.2); Data Sets use the Template ID, >= 256. */
#define IPFIX_SET_TEMPLATE 2
#define IPFIX_SET_OPTIONS_TEMPLATE 3
#define IPFIX_SET_DATA_MIN 256

/** Field length meaning "variable length" (RFC 7011 §7). */
#define IPFIX_VARLEN 65535

/** Enterprise bit of a field specifier's Information Element ID. */
#define IPFIX_ENTERPRISE_BIT 0x8000

/** Private Enterprise Number of the RFC 5103 reverse elements. */
#define IPFIX_PEN_REVERSE 29305

/** Seconds from the NTP era 0 (1900) to the Unix epoch, for dateTimeNanoseconds. */
#define IPFIX_NTP_UNIX_OFFSET 2208988800ULL

/** Message header (RFC 7011 §3.1). */
struct ipfix_msg_hdr {
	uint16_t version;     /**< IPFIX_VERSION */
	uint16_t length;      /**< whole message, header included */
	uint32_t export_time; /**< seconds since the Unix epoch */
	uint32_t sequence;    /**< data records sent before this message, mod 2^32 */
	uint32_t domain_id;   /**< Observation Domain ID */
} __attribute__((packed));

/** Set header (RFC 7011 §3.3.2). */
struct ipfix_set_hdr {
	uint16_t set_id; /**< 2, 3, or a Template ID for a Data Set */
	uint16_t length; /**< whole set, header and padding included */
} __attribute__((packed));

/** Template record header (RFC 7011 §3.4.1). */
struct ipfix_tmpl_hdr {
	uint16_t template_id; /**< >= 256 */
	uint16_t field_count;
} __attribute__((packed));

/** Options template record header (RFC 7011 §3.4.2.2). */
struct ipfix_opt_tmpl_hdr {
	uint16_t template_id;	    /**< >= 256 */
	uint16_t field_count;	    /**< scope fields included */
	uint16_t scope_field_count; /**< >= 1; scope fields come first */
} __attribute__((packed));

/** Field specifier (RFC 7011 §3.2); a 32-bit PEN follows when the enterprise bit is set. */
struct ipfix_field_spec {
	uint16_t ie_id;	 /**< Information Element ID, enterprise bit on top */
	uint16_t length; /**< bytes, or IPFIX_VARLEN */
} __attribute__((packed));

/** IANA Information Element IDs used by wiremeter. */
enum ipfix_ie {
	IPFIX_IE_OCTET_DELTA_COUNT = 1,
	IPFIX_IE_PACKET_DELTA_COUNT = 2,
	IPFIX_IE_PROTOCOL_IDENTIFIER = 4,
	IPFIX_IE_IP_CLASS_OF_SERVICE = 5,
	IPFIX_IE_TCP_CONTROL_BITS = 6,
	IPFIX_IE_SOURCE_TRANSPORT_PORT = 7,
	IPFIX_IE_SOURCE_IPV4_ADDRESS = 8,
	IPFIX_IE_INGRESS_INTERFACE = 10,
	IPFIX_IE_DESTINATION_TRANSPORT_PORT = 11,
	IPFIX_IE_DESTINATION_IPV4_ADDRESS = 12,
	IPFIX_IE_MINIMUM_IP_TOTAL_LENGTH = 25,
	IPFIX_IE_MAXIMUM_IP_TOTAL_LENGTH = 26,
	IPFIX_IE_SOURCE_IPV6_ADDRESS = 27,
	IPFIX_IE_DESTINATION_IPV6_ADDRESS = 28,
	IPFIX_IE_ICMP_TYPE_CODE_IPV4 = 32,
	IPFIX_IE_EXPORTED_OCTET_TOTAL_COUNT = 40,
	IPFIX_IE_EXPORTED_MESSAGE_TOTAL_COUNT = 41,
	IPFIX_IE_EXPORTED_FLOW_RECORD_TOTAL_COUNT = 42,
	IPFIX_IE_SOURCE_MAC_ADDRESS = 56,
	IPFIX_IE_VLAN_ID = 58,
	IPFIX_IE_FLOW_DIRECTION = 61,
	IPFIX_IE_MPLS_TOP_LABEL_STACK_SECTION = 70,
	IPFIX_IE_MPLS_LABEL_STACK_SECTION2 = 71,
	IPFIX_IE_MPLS_LABEL_STACK_SECTION3 = 72,
	IPFIX_IE_DESTINATION_MAC_ADDRESS = 80,
	IPFIX_IE_INTERFACE_NAME = 82,
	IPFIX_IE_INTERFACE_DESCRIPTION = 83,
	IPFIX_IE_OCTET_TOTAL_COUNT = 85,
	IPFIX_IE_PACKET_TOTAL_COUNT = 86,
	IPFIX_IE_FLOW_END_REASON = 136,
	IPFIX_IE_ICMP_TYPE_CODE_IPV6 = 139,
	IPFIX_IE_OBSERVATION_DOMAIN_ID = 149,
	IPFIX_IE_FLOW_START_MILLISECONDS = 152,
	IPFIX_IE_FLOW_END_MILLISECONDS = 153,
	IPFIX_IE_FLOW_START_NANOSECONDS = 156,
	IPFIX_IE_FLOW_END_NANOSECONDS = 157,
	IPFIX_IE_SYSTEM_INIT_TIME_MILLISECONDS = 160,
	IPFIX_IE_OBSERVED_FLOW_TOTAL_COUNT = 163,
	IPFIX_IE_IGNORED_PACKET_TOTAL_COUNT = 164,
	IPFIX_IE_NOT_SENT_FLOW_TOTAL_COUNT = 166,
	IPFIX_IE_NOT_SENT_PACKET_TOTAL_COUNT = 167,
	IPFIX_IE_NOT_SENT_OCTET_TOTAL_COUNT = 168,
	IPFIX_IE_BIFLOW_DIRECTION = 239,
	IPFIX_IE_DOT1Q_CUSTOMER_VLAN_ID = 245,
	IPFIX_IE_ETHERNET_TYPE = 256,
	IPFIX_IE_IPSEC_SPI = 295,
	IPFIX_IE_LAYER2_SEGMENT_ID = 351,
};

/** flowDirection values (IE 61). */
#define IPFIX_FLOW_DIRECTION_INGRESS 0
#define IPFIX_FLOW_DIRECTION_EGRESS 1

/** biflowDirection values (IE 239, RFC 5103 §6.3). */
#define IPFIX_BIFLOW_DIRECTION_ARBITRARY 0
#define IPFIX_BIFLOW_DIRECTION_INITIATOR 1
#define IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR 2

#ifdef __cplusplus
}
#endif

#endif /* IPFIX_PROTO_H */
