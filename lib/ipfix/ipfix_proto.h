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

/**
 * IANA Information Elements used by wiremeter: X(SYMBOL, ID, name), the
 * name being the one every rendering of a record uses (JSON lines,
 * telemetry, the report). They are IANA's, except that IE 295 has always
 * been "ipsecSPI" in wiremeter's output where IANA writes "IPSecSPI".
 */
#define IPFIX_FOREACH_IE(X)                                                     \
	X(OCTET_DELTA_COUNT, 1, "octetDeltaCount")                              \
	X(PACKET_DELTA_COUNT, 2, "packetDeltaCount")                            \
	X(PROTOCOL_IDENTIFIER, 4, "protocolIdentifier")                         \
	X(IP_CLASS_OF_SERVICE, 5, "ipClassOfService")                           \
	X(TCP_CONTROL_BITS, 6, "tcpControlBits")                                \
	X(SOURCE_TRANSPORT_PORT, 7, "sourceTransportPort")                      \
	X(SOURCE_IPV4_ADDRESS, 8, "sourceIPv4Address")                          \
	X(INGRESS_INTERFACE, 10, "ingressInterface")                            \
	X(DESTINATION_TRANSPORT_PORT, 11, "destinationTransportPort")           \
	X(DESTINATION_IPV4_ADDRESS, 12, "destinationIPv4Address")               \
	X(MINIMUM_IP_TOTAL_LENGTH, 25, "minimumIpTotalLength")                  \
	X(MAXIMUM_IP_TOTAL_LENGTH, 26, "maximumIpTotalLength")                  \
	X(SOURCE_IPV6_ADDRESS, 27, "sourceIPv6Address")                         \
	X(DESTINATION_IPV6_ADDRESS, 28, "destinationIPv6Address")               \
	X(ICMP_TYPE_CODE_IPV4, 32, "icmpTypeCodeIPv4")                          \
	X(EXPORTED_OCTET_TOTAL_COUNT, 40, "exportedOctetTotalCount")            \
	X(EXPORTED_MESSAGE_TOTAL_COUNT, 41, "exportedMessageTotalCount")        \
	X(EXPORTED_FLOW_RECORD_TOTAL_COUNT, 42, "exportedFlowRecordTotalCount") \
	X(SOURCE_MAC_ADDRESS, 56, "sourceMacAddress")                           \
	X(VLAN_ID, 58, "vlanId")                                                \
	X(FLOW_DIRECTION, 61, "flowDirection")                                  \
	X(MPLS_TOP_LABEL_STACK_SECTION, 70, "mplsTopLabelStackSection")         \
	X(MPLS_LABEL_STACK_SECTION2, 71, "mplsLabelStackSection2")              \
	X(MPLS_LABEL_STACK_SECTION3, 72, "mplsLabelStackSection3")              \
	X(DESTINATION_MAC_ADDRESS, 80, "destinationMacAddress")                 \
	X(INTERFACE_NAME, 82, "interfaceName")                                  \
	X(INTERFACE_DESCRIPTION, 83, "interfaceDescription")                    \
	X(OCTET_TOTAL_COUNT, 85, "octetTotalCount")                             \
	X(PACKET_TOTAL_COUNT, 86, "packetTotalCount")                           \
	X(FLOW_END_REASON, 136, "flowEndReason")                                \
	X(ICMP_TYPE_CODE_IPV6, 139, "icmpTypeCodeIPv6")                         \
	X(OBSERVATION_DOMAIN_ID, 149, "observationDomainId")                    \
	X(FLOW_START_MILLISECONDS, 152, "flowStartMilliseconds")                \
	X(FLOW_END_MILLISECONDS, 153, "flowEndMilliseconds")                    \
	X(FLOW_START_NANOSECONDS, 156, "flowStartNanoseconds")                  \
	X(FLOW_END_NANOSECONDS, 157, "flowEndNanoseconds")                      \
	X(SYSTEM_INIT_TIME_MILLISECONDS, 160, "systemInitTimeMilliseconds")     \
	X(OBSERVED_FLOW_TOTAL_COUNT, 163, "observedFlowTotalCount")             \
	X(IGNORED_PACKET_TOTAL_COUNT, 164, "ignoredPacketTotalCount")           \
	X(NOT_SENT_FLOW_TOTAL_COUNT, 166, "notSentFlowTotalCount")              \
	X(NOT_SENT_PACKET_TOTAL_COUNT, 167, "notSentPacketTotalCount")          \
	X(NOT_SENT_OCTET_TOTAL_COUNT, 168, "notSentOctetTotalCount")            \
	X(BIFLOW_DIRECTION, 239, "biflowDirection")                             \
	X(DOT1Q_CUSTOMER_VLAN_ID, 245, "dot1qCustomerVlanId")                   \
	X(ETHERNET_TYPE, 256, "ethernetType")                                   \
	X(IPSEC_SPI, 295, "ipsecSPI")                                           \
	X(INFO_ELEMENT_ID, 303, "informationElementId")                         \
	X(INFO_ELEMENT_DATA_TYPE, 339, "informationElementDataType")            \
	X(INFO_ELEMENT_DESCRIPTION, 340, "informationElementDescription")       \
	X(INFO_ELEMENT_NAME, 341, "informationElementName")                     \
	X(INFO_ELEMENT_RANGE_BEGIN, 342, "informationElementRangeBegin")        \
	X(INFO_ELEMENT_RANGE_END, 343, "informationElementRangeEnd")            \
	X(INFO_ELEMENT_SEMANTICS, 344, "informationElementSemantics")           \
	X(INFO_ELEMENT_UNITS, 345, "informationElementUnits")                   \
	X(PRIVATE_ENTERPRISE_NUMBER, 346, "privateEnterpriseNumber")            \
	X(LAYER2_SEGMENT_ID, 351, "layer2SegmentId")

/** IANA Information Element IDs used by wiremeter (IPFIX_IE_OCTET_DELTA_COUNT, ...). */
enum ipfix_ie {
#define IPFIX_IE_ENUM(sym, id, name) IPFIX_IE_##sym = id,
	IPFIX_FOREACH_IE(IPFIX_IE_ENUM)
#undef IPFIX_IE_ENUM
};

/** informationElementDataType values (IE 339; RFC 5610 §3.1, IANA's registry). */
enum ipfix_data_type {
	IPFIX_TYPE_OCTET_ARRAY = 0,
	IPFIX_TYPE_UNSIGNED8 = 1,
	IPFIX_TYPE_UNSIGNED16 = 2,
	IPFIX_TYPE_UNSIGNED32 = 3,
	IPFIX_TYPE_UNSIGNED64 = 4,
	IPFIX_TYPE_STRING = 13,
	IPFIX_TYPE_IPV6_ADDRESS = 19,
};

/** informationElementSemantics values (IE 344; RFC 5610 §3.2). */
enum ipfix_semantics {
	IPFIX_SEM_DEFAULT = 0,
	IPFIX_SEM_QUANTITY = 1,
	IPFIX_SEM_TOTAL_COUNTER = 2,
	IPFIX_SEM_DELTA_COUNTER = 3,
	IPFIX_SEM_IDENTIFIER = 4,
	IPFIX_SEM_FLAGS = 5,
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
