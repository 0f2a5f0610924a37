/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_IPFIX_H
#define WM_IPFIX_H

/**
 * @file
 * wiremeter IPFIX encoder (RFC 7011, RFC 5103 biflows).
 *
 * An encoder holds the templates of one export mode; a message is a
 * caller's buffer that records are appended to until the next one would
 * not fit. Workers build data messages in their own buffers with their
 * own encoder; the management lcore builds template and options
 * messages. Nothing here allocates after wm_ipfix_encoder_create(),
 * takes a lock or needs EAL.
 *
 * Templates (IDs fixed, so a collector's view survives restarts):
 * IPv4 flows, IPv6 flows, L2 flows, MACsec flows, ESP over IPv4 and over
 * IPv6, IPv4 and IPv6 flows carried in a tunnel; options templates for
 * exporting-process reliability statistics and metering-process
 * statistics (RFC 7011 §4, scoped by observationDomainId) and for
 * interface names (scoped by ingressInterface, variable-length strings).
 *
 * Modes: biflow (one record per biflow, reverse elements under PEN 29305)
 * and uniflow (a forward record, and a reverse one when the reverse
 * direction saw packets, each with biflowDirection saying which).
 * flowDirection is always ingress: wiremeter observes packets as they
 * arrive; the port they arrived on is ingressInterface.
 *
 * Elements with no IANA number are enterprise elements under a
 * configurable PEN (default 32473, RFC 5612's documentation number);
 * their numbers are the WM_IPFIX_EE_* values.
 *
 * The element names are every rendering's vocabulary: the record and
 * stream visitors (wm_ipfix_record_visit(), wm_ipfix_stream_visit()) give
 * a record's fields by name and value in the JSON lines' order, from the
 * templates' field definitions, for the JSON lines, telemetry and the
 * report to render.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipfix_proto.h"
#include "wm_flow.h"
#include "wm_seq.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default Private Enterprise Number of wiremeter's own elements. */
#define WM_IPFIX_DEFAULT_PEN 32473

/** Smallest and largest message size the encoder accepts. */
#define WM_IPFIX_MTU_MIN 768
#define WM_IPFIX_MTU_MAX 65507

/** Longest interface name or description in an interface record; longer ones are cut. */
#define WM_IPFIX_NAME_MAX 127

/**
 * wiremeter's enterprise elements under the configured PEN: X(SYMBOL,
 * number, name, data type, semantics, description), the type and
 * semantics as RFC 5610 numbers them (enum ipfix_data_type, enum
 * ipfix_semantics): the information element type records say them to
 * collectors. The stream counters follow from WM_IPFIX_EE_SEQ_COUNTERS
 * on, named by lib/seq's WM_SEQ_FOREACH_COUNTER.
 */
#define WM_IPFIX_FOREACH_EE(X)                                                                \
	X(MACSEC_SCI, 1, "macsecSCI", IPFIX_TYPE_UNSIGNED64, IPFIX_SEM_IDENTIFIER,            \
	  "MACsec Secure Channel Identifier (IEEE 802.1AE SCI)")                              \
	X(MACSEC_AN, 2, "macsecAN", IPFIX_TYPE_UNSIGNED8, IPFIX_SEM_IDENTIFIER,               \
	  "MACsec Association Number")                                                        \
	X(SEQ_STREAM_KIND, 3, "seqStreamKind", IPFIX_TYPE_STRING, IPFIX_SEM_DEFAULT,          \
	  "Kind of sequence stream: macsec, esp, rtp or tester")                              \
	X(RTP_SSRC, 4, "rtpSSRC", IPFIX_TYPE_UNSIGNED32, IPFIX_SEM_IDENTIFIER,                \
	  "RTP synchronization source (SSRC)")                                                \
	X(TESTER_STREAM_ID, 5, "testerStreamId", IPFIX_TYPE_UNSIGNED16, IPFIX_SEM_IDENTIFIER, \
	  "TRex stream hardware id (hw_id) of a latency stream")                              \
	/* enum wm_pkt_tunnel on the wire (README), its name in the text */                   \
	X(ENCAPSULATION, 6, "encapsulation", IPFIX_TYPE_UNSIGNED8, IPFIX_SEM_IDENTIFIER,      \
	  "Tunnel the flow was carried in (wiremeter's numbering, see its README)")           \
	X(GTP_TEID, 7, "gtpTeid", IPFIX_TYPE_UNSIGNED32, IPFIX_SEM_IDENTIFIER,                \
	  "GTP-U tunnel endpoint identifier")                                                 \
	/* ipv6Address: an IPv4 underlay as ::ffff:a.b.c.d, none as :: */                     \
	X(TUNNEL_SOURCE_ADDRESS, 8, "tunnelSourceAddress", IPFIX_TYPE_IPV6_ADDRESS,           \
	  IPFIX_SEM_DEFAULT, "Outer source address of the tunnel (IPv4 as ::ffff:a.b.c.d)")   \
	X(TUNNEL_DESTINATION_ADDRESS, 9, "tunnelDestinationAddress", IPFIX_TYPE_IPV6_ADDRESS, \
	  IPFIX_SEM_DEFAULT, "Outer destination address of the tunnel (IPv4 as ::ffff:a.b.c.d)")

/** Enterprise element numbers under the configured PEN (WM_IPFIX_EE_MACSEC_SCI, ...). */
enum wm_ipfix_ee {
#define WM_IPFIX_EE_ENUM(sym, id, name, type, sem, descr) WM_IPFIX_EE_##sym = id,
	WM_IPFIX_FOREACH_EE(WM_IPFIX_EE_ENUM)
#undef WM_IPFIX_EE_ENUM
	/** The stream counters, in WM_SEQ_FOREACH_COUNTER order, unsigned64 each. */
	WM_IPFIX_EE_SEQ_COUNTERS = 10,
};

/** Template IDs. */
enum wm_ipfix_template_id {
	WM_IPFIX_TID_IPV4 = 256,
	WM_IPFIX_TID_IPV6,
	WM_IPFIX_TID_L2,
	WM_IPFIX_TID_MACSEC,
	WM_IPFIX_TID_ESP4,
	WM_IPFIX_TID_ESP6,
	WM_IPFIX_TID_OPT_EXPORT, /**< exporting-process reliability statistics */
	WM_IPFIX_TID_OPT_METER,	 /**< metering-process statistics */
	WM_IPFIX_TID_OPT_IFACE,	 /**< interface names */
	WM_IPFIX_TID_SEQ4,	 /**< options: a stream of an IPv4 flow */
	WM_IPFIX_TID_SEQ6,	 /**< options: a stream of an IPv6 flow */
	WM_IPFIX_TID_SEQ_L2,	 /**< options: a stream of a MACsec flow */
	WM_IPFIX_TID_TUN4,	 /**< an IPv4 flow carried in a tunnel */
	WM_IPFIX_TID_TUN6,	 /**< an IPv6 flow carried in a tunnel */
	WM_IPFIX_TID_OPT_IETYPE, /**< options: RFC 5610 information element type records */
	WM_IPFIX_TID_END,
};

/** Number of templates an encoder announces. */
#define WM_IPFIX_N_TEMPLATES (WM_IPFIX_TID_END - WM_IPFIX_TID_IPV4)

/** Export modes. */
enum wm_ipfix_mode {
	WM_IPFIX_BIFLOW,  /**< one record per biflow, RFC 5103 reverse elements */
	WM_IPFIX_UNIFLOW, /**< a forward and a reverse record per biflow */
};

/** Parameters of wm_ipfix_encoder_create(). */
struct wm_ipfix_params {
	enum wm_ipfix_mode mode;
	uint32_t pen; /**< PEN of the enterprise elements: not 0, not IPFIX_PEN_REVERSE */
};

/**
 * Exporting-process reliability statistics of one observation domain
 * toward one collector (RFC 7011 §4.3).
 */
struct wm_ipfix_export_stats {
	uint32_t domain_id;	  /**< observationDomainId (scope) */
	uint64_t messages;	  /**< exportedMessageTotalCount */
	uint64_t records;	  /**< exportedFlowRecordTotalCount */
	uint64_t octets;	  /**< exportedOctetTotalCount (message bytes) */
	uint64_t not_sent_flows;  /**< notSentFlowTotalCount */
	uint64_t not_sent_pkts;	  /**< notSentPacketTotalCount */
	uint64_t not_sent_octets; /**< notSentOctetTotalCount */
	uint64_t init_time_ms;	  /**< systemInitTimeMilliseconds */
};

/** Metering-process statistics of one observation domain (RFC 7011 §4.1). */
struct wm_ipfix_meter_stats {
	uint32_t domain_id;	 /**< observationDomainId (scope) */
	uint64_t observed_flows; /**< observedFlowTotalCount */
	uint64_t packets;	 /**< packetTotalCount: packets metered */
	uint64_t octets;	 /**< octetTotalCount: their octets */
	uint64_t ignored_pkts;	 /**< ignoredPacketTotalCount: parse errors and filtered */
	uint64_t init_time_ms;	 /**< systemInitTimeMilliseconds */
};

/**
 * A message being built in a caller's buffer. Fields are the encoder's;
 * the caller reads len, records, pkts and octets.
 */
struct wm_ipfix_msg {
	uint8_t *buf;	    /**< the caller's buffer */
	uint16_t cap;	    /**< its size: the path MTU's payload */
	uint16_t len;	    /**< bytes used, header included */
	uint16_t set_off;   /**< offset of the open set's header, 0 when none */
	uint16_t set_id;    /**< ID of the open set */
	uint32_t domain_id; /**< observation domain */
	uint32_t records;   /**< data records in the message (options data included) */
	uint32_t flows;	    /**< of them, flow records (not stream or statistics records) */
	uint64_t pkts;	    /**< packets in its flow records, for not-sent accounting */
	uint64_t octets;    /**< octets in its flow records */
};

struct wm_ipfix_encoder;

/**
 * Create an encoder: build the templates of the mode.
 *
 * @param p
 *   Mode and PEN.
 * @return
 *   The encoder, or NULL with errno set: EINVAL for an unknown mode or a
 *   PEN of 0 or IPFIX_PEN_REVERSE (RFC 5103's), ENOMEM.
 */
struct wm_ipfix_encoder *wm_ipfix_encoder_create(const struct wm_ipfix_params *p);

/** Free an encoder; NULL is a no-op. */
void wm_ipfix_encoder_free(struct wm_ipfix_encoder *enc);

/**
 * Size of the largest single set the encoder can produce (one template,
 * or one data record with its set header) plus the message header: the
 * smallest usable message size.
 */
uint16_t wm_ipfix_encoder_min_mtu(const struct wm_ipfix_encoder *enc);

/**
 * Bytes one flow record of template @p tid takes in a data set (without
 * the set header), or 0 for an unknown or variable-length template.
 */
uint16_t wm_ipfix_record_len(const struct wm_ipfix_encoder *enc, uint16_t tid);

/**
 * The data template a flow record is encoded with.
 */
uint16_t wm_ipfix_flow_template(const struct wm_flow_export *e);

/**
 * Start a message in @p buf.
 *
 * @param m
 *   The message.
 * @param buf
 *   Room for @p cap bytes.
 * @param cap
 *   The largest message: the path MTU's payload (WM_IPFIX_MTU_MIN..MAX).
 * @param domain_id
 *   Observation Domain ID written in the header.
 */
void wm_ipfix_msg_init(struct wm_ipfix_msg *m, void *buf, uint16_t cap, uint32_t domain_id);

/** Does the message hold no set yet? */
static inline bool
wm_ipfix_msg_empty(const struct wm_ipfix_msg *m)
{
	return m->len <= sizeof(struct ipfix_msg_hdr);
}

/**
 * Append one flow as data records: one record in biflow mode; in
 * uniflow mode the forward record and, when the reverse direction saw
 * packets, the reverse one. Then one stream record (options templates
 * SEQ4, SEQ6, SEQ_L2, scoped by the flow's key) for each sequence stream
 * the flow carries: the flow's key, times and interface, biflowDirection (1: the stream goes the
 * flow's forward way, 2: the reverse way), the stream's kind and
 * identity, and its counters. All or nothing: when they do not fit,
 * nothing is written.
 *
 * @param m
 *   The message.
 * @param enc
 *   The encoder.
 * @param e
 *   The flow.
 * @param streams
 *   Its streams, or NULL.
 * @param n_streams
 *   How many (0..2).
 * @return
 *   The number of records appended, or -ENOSPC.
 */
int wm_ipfix_msg_add_flow(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			  const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
			  unsigned int n_streams);

/**
 * Append template records (the flow templates, then the options
 * templates) from @p *cursor on, as many whole ones as fit.
 *
 * @param m
 *   The message.
 * @param enc
 *   The encoder.
 * @param cursor
 *   Index of the next template to add: 0 to start; advanced past what was
 *   added. The templates are all out when it reaches WM_IPFIX_N_TEMPLATES.
 * @return
 *   The number of templates appended, or -ENOSPC when not even one fits.
 */
int wm_ipfix_msg_add_templates(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			       unsigned int *cursor);

/**
 * Append an exporting-process reliability statistics record.
 *
 * @return
 *   1, or -ENOSPC.
 */
int wm_ipfix_msg_add_export_stats(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
				  const struct wm_ipfix_export_stats *s);

/**
 * Append a metering-process statistics record.
 *
 * @return
 *   1, or -ENOSPC.
 */
int wm_ipfix_msg_add_meter_stats(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
				 const struct wm_ipfix_meter_stats *s);

/**
 * Append an interface record: ingressInterface, interfaceName and
 * interfaceDescription (variable-length strings, cut at WM_IPFIX_NAME_MAX
 * bytes so that a record always fits the smallest message).
 *
 * @return
 *   1, or -ENOSPC.
 */
int wm_ipfix_msg_add_interface(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			       uint32_t ifindex, const char *name, const char *descr);

/**
 * Number of information element type records (RFC 5610): one for each
 * of wiremeter's enterprise elements, the stream counters included.
 */
unsigned int wm_ipfix_type_records(void);

/**
 * Append RFC 5610 information element type records, their options
 * template (WM_IPFIX_TID_OPT_IETYPE, scoped by privateEnterpriseNumber
 * and informationElementId) first, from @p *cursor on, as many whole
 * ones as fit, so that collectors show wiremeter's elements by name and
 * type. Send them before the templates that use the elements (a
 * collector such as libfixbuf names a template's fields when it reads
 * it), and as often; wm_ipfix_msg_add_templates() leaves their template
 * out.
 *
 * @param m
 *   The message.
 * @param enc
 *   The encoder (its PEN is the records' scope).
 * @param cursor
 *   0 to start (the template), then 1 + the next record's index;
 *   advanced past what was added. All are out when it passes
 *   wm_ipfix_type_records().
 * @return
 *   The number of data records appended (the template, when it went,
 *   is not counted), or -ENOSPC when no data record fits: the template
 *   may have gone all the same (the cursor tells), which cannot happen
 *   in a message of at least WM_IPFIX_MTU_MIN bytes.
 */
int wm_ipfix_msg_add_type_records(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
				  unsigned int *cursor);

/**
 * Close the open set and write the message header.
 *
 * @param m
 *   The message.
 * @param export_time
 *   Seconds since the Unix epoch.
 * @param sequence
 *   Data records sent before this message in this domain, mod 2^32.
 * @return
 *   The message's length in bytes.
 */
uint16_t wm_ipfix_msg_finish(struct wm_ipfix_msg *m, uint32_t export_time, uint32_t sequence);

/**
 * Rewrite the export time and sequence number of a finished message, for
 * a copy sent on another transport session.
 */
void wm_ipfix_msg_stamp(void *msg, uint32_t export_time, uint32_t sequence);

/**
 * Sequence numbering of one Observation Domain on one transport session
 * (RFC 7011 §3.1): a message carries the number of data records sent
 * before it in the session, mod 2^32. Template records do not count;
 * options data records do.
 */
struct wm_ipfix_seq {
	uint32_t next; /**< sequence number of the next message */
};

/**
 * Stamp a finished message with its export time and its sequence
 * number, and count its data records.
 *
 * @param s
 *   The domain's numbering on this session.
 * @param msg
 *   The finished message.
 * @param records
 *   Data records in it (0 for a template-only message).
 * @param export_time
 *   Seconds since the Unix epoch.
 */
static inline void
wm_ipfix_seq_stamp(struct wm_ipfix_seq *s, void *msg, uint32_t records, uint32_t export_time)
{
	wm_ipfix_msg_stamp(msg, export_time, s->next);
	s->next += records; /* unsigned: wraps mod 2^32 as the RFC says */
}

/**
 * A periodic deadline on a caller's clock: template refresh (RFC 7011
 * §8.4), statistics. Due at start + k * interval for k >= 1; a late check
 * does not shift later deadlines, and a very late one does not make
 * several due at once.
 */
struct wm_ipfix_period {
	uint64_t interval; /**< in the caller's unit */
	uint64_t next;	   /**< next deadline */
};

/** Start the period at @p now: the first deadline is now + interval. */
static inline void
wm_ipfix_period_start(struct wm_ipfix_period *p, uint64_t interval, uint64_t now)
{
	p->interval = interval;
	p->next = now + interval;
}

/**
 * Has a deadline passed at @p now? When it has, the next deadline is
 * the first one after @p now.
 */
static inline bool
wm_ipfix_period_due(struct wm_ipfix_period *p, uint64_t now)
{
	if (now < p->next)
		return false;
	p->next += p->interval * ((now - p->next) / p->interval + 1);
	return true;
}

/**
 * Name of an IANA Information Element (IPFIX_FOREACH_IE), or NULL for one
 * wiremeter does not use.
 */
const char *wm_ipfix_ie_name(uint16_t ie);

/**
 * Name of one of wiremeter's enterprise elements (WM_IPFIX_FOREACH_EE, and
 * the stream counters from WM_IPFIX_EE_SEQ_COUNTERS on), or NULL.
 */
const char *wm_ipfix_ee_name(uint16_t ee);

/** How a visited field's value is given, and how renderings show it. */
enum wm_ipfix_value_kind {
	WM_IPFIX_VALUE_UNSIGNED, /**< u; a JSON number */
	WM_IPFIX_VALUE_SIGNED,	 /**< i; a JSON number (app-level fields, not in records) */
	WM_IPFIX_VALUE_IPV4,	 /**< bytes: 4, network order; text "192.0.2.1" */
	WM_IPFIX_VALUE_IPV6,	 /**< bytes: 16; text as inet_ntop writes it */
	WM_IPFIX_VALUE_MAC,	 /**< bytes: 6; text "02:00:00:00:00:01" */
	WM_IPFIX_VALUE_HEX64,	 /**< u; text of 16 lower-case hex digits (macsecSCI) */
	WM_IPFIX_VALUE_STRING,	 /**< s; text as it is (a name of a number: u, the wire's) */
};

/** A field's value, as a visitor gets it. Only the member its kind names is set. */
struct wm_ipfix_value {
	enum wm_ipfix_value_kind kind;
	uint64_t u;	      /**< UNSIGNED, HEX64; a STRING that names a number */
	int64_t i;	      /**< SIGNED */
	const uint8_t *bytes; /**< IPV4, IPV6, MAC: points into the visited record */
	const char *s;	      /**< STRING */
};

/** Is the value shown as a number (rather than as text)? */
static inline bool
wm_ipfix_value_is_number(const struct wm_ipfix_value *v)
{
	return v->kind == WM_IPFIX_VALUE_UNSIGNED || v->kind == WM_IPFIX_VALUE_SIGNED;
}

/** Room for the longest text of a value (an IPv6 address) and its NUL. */
#define WM_IPFIX_VALUE_TEXT_MAX 48

/**
 * A value as the text renderings show it: numbers in decimal, addresses,
 * MACs, hex and strings as the kinds above say.
 *
 * @param v
 *   The value.
 * @param buf
 *   Room for the text; WM_IPFIX_VALUE_TEXT_MAX bytes hold any but a long string.
 * @param len
 *   Its size.
 * @return
 *   The text: @p buf, or v->s itself for a string.
 */
const char *wm_ipfix_value_text(const struct wm_ipfix_value *v, char *buf, size_t len);

/**
 * What a visit calls for each field.
 *
 * @param ctx
 *   The visit's context.
 * @param name
 *   The field's name ("sourceIPv4Address", "reverseSeqLostCount"); valid
 *   during the call only.
 * @param v
 *   Its value; valid during the call only.
 * @return
 *   0 to go on; anything else ends the visit, which returns it.
 */
typedef int (*wm_ipfix_field_fn)(void *ctx, const char *name, const struct wm_ipfix_value *v);

/**
 * Walk a flow record's fields in the order of its JSON line (the one
 * vocabulary of the JSON lines, telemetry, the report and the console):
 * the key (addresses, ports and protocol, or MACs and ethernetType), the
 * counters and times (in nanoseconds), the IP fields (icmpTypeCodeIPv4
 * when the protocol is 1, icmpTypeCodeIPv6 when it is 58, ipsecSPI for
 * ESP) or the MACsec SCI and AN, a tunnelled flow's tunnel fields
 * (wm_flow_export_tunnelled(): encapsulation, layer2SegmentId, gtpTeid,
 * the three MPLS label stack sections, tunnelSourceAddress and
 * tunnelDestinationAddress, each always, 0 or "" when unset), the fields
 * of each stream (as wm_ipfix_stream_visit() with
 * WM_IPFIX_STREAM_IN_FLOW), then flowEndReason, vlanId,
 * dot1qCustomerVlanId when the flow had two or more VLAN tags (not 0;
 * the templates always carry it) and ingressInterface. Names and value
 * sources are the IPFIX templates' field definitions; the millisecond
 * times and the direction elements, which the JSON lines never carried,
 * are left out.
 *
 * @param e
 *   The record.
 * @param streams
 *   Its streams' snapshots, or NULL.
 * @param n_streams
 *   How many.
 * @param fn
 *   Called for each field.
 * @param ctx
 *   Passed to @p fn.
 * @return
 *   0, or what @p fn returned to end the visit.
 */
int wm_ipfix_record_visit(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
			  unsigned int n_streams, wm_ipfix_field_fn fn, void *ctx);

/** Flags of wm_ipfix_stream_visit(). */
enum wm_ipfix_stream_flags {
	/** The counters after the kind and identity. */
	WM_IPFIX_STREAM_COUNTERS = 1 << 0,
	/**
	 * As inside its flow's record: the counters too; a forward stream
	 * leaves out the ESP SPI and MACsec SCI and AN its flow's fields
	 * already give; a reverse stream's names take RFC 5103's "reverse"
	 * prefix (reverseSeqLostCount).
	 */
	WM_IPFIX_STREAM_IN_FLOW = 1 << 1,
};

/**
 * Walk a sequence stream's fields: seqStreamKind, its identity (rtpSSRC,
 * testerStreamId, ipsecSPI, or macsecSCI and macsecAN), and with
 * WM_IPFIX_STREAM_COUNTERS its counters in WM_SEQ_FOREACH_COUNTER order.
 *
 * @param s
 *   The stream.
 * @param flags
 *   enum wm_ipfix_stream_flags.
 * @param fn
 *   Called for each field.
 * @param ctx
 *   Passed to @p fn.
 * @return
 *   0, or what @p fn returned to end the visit.
 */
int wm_ipfix_stream_visit(const struct wm_seq_snapshot *s, unsigned int flags, wm_ipfix_field_fn fn,
			  void *ctx);

/** Nanoseconds since the Unix epoch as dateTimeNanoseconds (NTP format, RFC 7011 §6.1.10). */
uint64_t wm_ipfix_ntp_time(uint64_t ns);

#ifdef __cplusplus
}
#endif

#endif /* WM_IPFIX_H */
