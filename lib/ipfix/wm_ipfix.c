/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The IPFIX encoder, and the one vocabulary of a record. Templates are
 * lists of field definitions; each definition names the element, its
 * length on the wire and where its value comes from in a struct
 * wm_flow_export. An encoder compiles the lists of its mode once (uniflow
 * drops the reverse elements), and a record is written by walking its
 * template's list: a switch per field, no allocation, no branch on
 * anything but the field's source.
 *
 * The same definitions make the text renderings: a view lists them in
 * the order of the JSON lines, and a visitor gives each field's name
 * (its element's, from IPFIX_FOREACH_IE and WM_IPFIX_FOREACH_EE) and the
 * value the wire gets (flow_value(), stream_value()).
 *
 * Messages are built in place: the header is reserved at init and
 * written at finish; a set stays open while records of the same
 * template follow one another, so a message of N records of one template
 * carries one set header.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_ipfix.h"

/* Where a field's value comes from. */
enum field_src {
	F_SRC4,
	F_DST4,
	F_SRC6,
	F_DST6,
	F_SPORT,
	F_DPORT,
	F_PROTO,
	F_PKTS,
	F_OCTETS,
	F_RPKTS,
	F_ROCTETS,
	F_START_NS,
	F_END_NS,
	F_START_MS,
	F_END_MS,
	F_TCP,
	F_RTCP,
	F_TOS,
	F_MINLEN,
	F_MAXLEN,
	F_ICMP,
	F_SPI,
	F_REASON,
	F_VLAN,
	F_CVLAN,
	F_INPORT,
	F_FLOWDIR,
	F_BIDIR,
	F_SMAC,
	F_DMAC,
	F_ETHTYPE,
	F_SCI,
	F_AN,
	/* A tunnelled flow's encapsulation (wm_flow_export_tunnelled()). */
	F_ENCAP,
	F_SEGMENT,
	F_TEID,
	F_MPLS1,
	F_MPLS2,
	F_MPLS3,
	F_TSRC,
	F_TDST,
	/* A sequence stream record: the stream's own fields. */
	F_S_DIR,
	F_S_KIND,
	F_S_SPI,
	F_S_SSRC,
	F_S_TESTER,
	F_S_SCI,
	F_S_AN,
	F_S_COUNTER, /* the counter numbered by the field's arg */
	/* Options records are written by their own functions; these only name fields. */
	F_OPT,
};

/* Which numbering space an element is in. */
enum field_space {
	S_IANA,	   /* IANA */
	S_REVERSE, /* RFC 5103 reverse element: PEN 29305, same number; biflow mode only */
	S_OWN,	   /* wiremeter's PEN */
};

struct field_def {
	uint16_t ie;
	uint16_t len;  /* bytes on the wire, or IPFIX_VARLEN */
	uint8_t src;   /* enum field_src */
	uint8_t space; /* enum field_space */
	uint8_t arg;   /* F_S_COUNTER: which counter */
};

/* clang-format off */
#define IANA(ie, len, src) {IPFIX_IE_##ie, len, src, S_IANA, 0}
#define REV(ie, len, src) {IPFIX_IE_##ie, len, src, S_REVERSE, 0}
#define OWN(ee, len, src) {WM_IPFIX_EE_##ee, len, src, S_OWN, 0}
#define END {0, 0, 0, 0, 0}
/* The counters of a stream record, numbered from WM_IPFIX_EE_SEQ_COUNTERS in list order. */
#define SEQ_COUNTER_DEF(f) \
	{WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_##f, 8, F_S_COUNTER, S_OWN, WM_SEQ_CTR_##f}
#define SEQ_COUNTER_FIELD(f, n) SEQ_COUNTER_DEF(f),
/* clang-format on */

_Static_assert(sizeof(struct wm_seq_counters) == WM_SEQ_CTR_MAX * sizeof(uint64_t),
	       "the counters are read as an array");

/*
 * The counters and times of every flow template. The times are given in
 * nanoseconds (as in the JSON lines) and in milliseconds, which is what
 * collectors such as nfcapd read.
 */
#define COUNTERS                                                                           \
	IANA(PACKET_DELTA_COUNT, 8, F_PKTS), IANA(OCTET_DELTA_COUNT, 8, F_OCTETS),         \
		REV(PACKET_DELTA_COUNT, 8, F_RPKTS), REV(OCTET_DELTA_COUNT, 8, F_ROCTETS), \
		IANA(FLOW_START_NANOSECONDS, 8, F_START_NS),                               \
		IANA(FLOW_END_NANOSECONDS, 8, F_END_NS),                                   \
		IANA(FLOW_START_MILLISECONDS, 8, F_START_MS),                              \
		IANA(FLOW_END_MILLISECONDS, 8, F_END_MS)
#define TAIL                                                                                    \
	IANA(FLOW_END_REASON, 1, F_REASON), IANA(VLAN_ID, 2, F_VLAN),                           \
		IANA(DOT1Q_CUSTOMER_VLAN_ID, 2, F_CVLAN), IANA(INGRESS_INTERFACE, 4, F_INPORT), \
		IANA(FLOW_DIRECTION, 1, F_FLOWDIR), IANA(BIFLOW_DIRECTION, 1, F_BIDIR)
/* IP flows: the transport header's view (minimum/maximumIpTotalLength in reduced size). */
#define IP_FIELDS(icmp)                                                                            \
	IANA(SOURCE_TRANSPORT_PORT, 2, F_SPORT), IANA(DESTINATION_TRANSPORT_PORT, 2, F_DPORT),     \
		IANA(PROTOCOL_IDENTIFIER, 1, F_PROTO), COUNTERS, IANA(TCP_CONTROL_BITS, 2, F_TCP), \
		REV(TCP_CONTROL_BITS, 2, F_RTCP), IANA(IP_CLASS_OF_SERVICE, 1, F_TOS),             \
		IANA(MINIMUM_IP_TOTAL_LENGTH, 2, F_MINLEN),                                        \
		IANA(MAXIMUM_IP_TOTAL_LENGTH, 2, F_MAXLEN), IANA(icmp, 2, F_ICMP)
#define V4 IANA(SOURCE_IPV4_ADDRESS, 4, F_SRC4), IANA(DESTINATION_IPV4_ADDRESS, 4, F_DST4)
#define V6 IANA(SOURCE_IPV6_ADDRESS, 16, F_SRC6), IANA(DESTINATION_IPV6_ADDRESS, 16, F_DST6)
#define MACS                                                                           \
	IANA(SOURCE_MAC_ADDRESS, 6, F_SMAC), IANA(DESTINATION_MAC_ADDRESS, 6, F_DMAC), \
		IANA(ETHERNET_TYPE, 2, F_ETHTYPE)

static const struct field_def t_ipv4[] = {V4, IP_FIELDS(ICMP_TYPE_CODE_IPV4), TAIL, END};
static const struct field_def t_ipv6[] = {V6, IP_FIELDS(ICMP_TYPE_CODE_IPV6), TAIL, END};
static const struct field_def t_l2[] = {MACS, COUNTERS, TAIL, END};
static const struct field_def t_macsec[] = {
	MACS, OWN(MACSEC_SCI, 8, F_SCI), OWN(MACSEC_AN, 1, F_AN), COUNTERS, TAIL, END};
static const struct field_def t_esp4[] = {V4, IP_FIELDS(ICMP_TYPE_CODE_IPV4),
					  IANA(IPSEC_SPI, 4, F_SPI), TAIL, END};
static const struct field_def t_esp6[] = {V6, IP_FIELDS(ICMP_TYPE_CODE_IPV6),
					  IANA(IPSEC_SPI, 4, F_SPI), TAIL, END};
/* What carried a tunnelled flow: every field always, 0 when unset. */
#define TUNNEL                                                                            \
	OWN(ENCAPSULATION, 1, F_ENCAP), IANA(LAYER2_SEGMENT_ID, 8, F_SEGMENT),            \
		OWN(GTP_TEID, 4, F_TEID), IANA(MPLS_TOP_LABEL_STACK_SECTION, 3, F_MPLS1), \
		IANA(MPLS_LABEL_STACK_SECTION2, 3, F_MPLS2),                              \
		IANA(MPLS_LABEL_STACK_SECTION3, 3, F_MPLS3),                              \
		OWN(TUNNEL_SOURCE_ADDRESS, 16, F_TSRC),                                   \
		OWN(TUNNEL_DESTINATION_ADDRESS, 16, F_TDST)
static const struct field_def t_tun4[] = {V4, IP_FIELDS(ICMP_TYPE_CODE_IPV4), TUNNEL, TAIL, END};
static const struct field_def t_tun6[] = {V6, IP_FIELDS(ICMP_TYPE_CODE_IPV6), TUNNEL, TAIL, END};

/*
 * Sequence stream records: which flow (its key as exported: the five
 * scope fields, then its times and interface), which way the stream goes
 * in it, what the stream is, and its counters.
 */
/* clang-format off */
#define STREAM_FIELDS \
	IANA(FLOW_START_NANOSECONDS, 8, F_START_NS), IANA(FLOW_END_NANOSECONDS, 8, F_END_NS), \
	IANA(INGRESS_INTERFACE, 4, F_INPORT), IANA(BIFLOW_DIRECTION, 1, F_S_DIR), \
	OWN(SEQ_STREAM_KIND, IPFIX_VARLEN, F_S_KIND)
#define STREAM_IP_FIELDS \
	IANA(SOURCE_TRANSPORT_PORT, 2, F_SPORT), IANA(DESTINATION_TRANSPORT_PORT, 2, F_DPORT), \
	IANA(PROTOCOL_IDENTIFIER, 1, F_PROTO), STREAM_FIELDS, IANA(IPSEC_SPI, 4, F_S_SPI), \
	OWN(RTP_SSRC, 4, F_S_SSRC), OWN(TESTER_STREAM_ID, 2, F_S_TESTER)

static const struct field_def t_seq4[] = {
	V4, STREAM_IP_FIELDS, WM_SEQ_FOREACH_COUNTER(SEQ_COUNTER_FIELD) END};
static const struct field_def t_seq6[] = {
	V6, STREAM_IP_FIELDS, WM_SEQ_FOREACH_COUNTER(SEQ_COUNTER_FIELD) END};
static const struct field_def t_seq_l2[] = {
	MACS, OWN(MACSEC_SCI, 8, F_S_SCI), OWN(MACSEC_AN, 1, F_S_AN), STREAM_FIELDS,
	WM_SEQ_FOREACH_COUNTER(SEQ_COUNTER_FIELD) END};
/* clang-format on */

/* Options templates: the scope field first. */
static const struct field_def t_opt_export[] = {IANA(OBSERVATION_DOMAIN_ID, 4, F_OPT),
						IANA(EXPORTED_MESSAGE_TOTAL_COUNT, 8, F_OPT),
						IANA(EXPORTED_FLOW_RECORD_TOTAL_COUNT, 8, F_OPT),
						IANA(EXPORTED_OCTET_TOTAL_COUNT, 8, F_OPT),
						IANA(NOT_SENT_FLOW_TOTAL_COUNT, 8, F_OPT),
						IANA(NOT_SENT_PACKET_TOTAL_COUNT, 8, F_OPT),
						IANA(NOT_SENT_OCTET_TOTAL_COUNT, 8, F_OPT),
						IANA(SYSTEM_INIT_TIME_MILLISECONDS, 8, F_OPT),
						END};
static const struct field_def t_opt_meter[] = {IANA(OBSERVATION_DOMAIN_ID, 4, F_OPT),
					       IANA(OBSERVED_FLOW_TOTAL_COUNT, 8, F_OPT),
					       IANA(PACKET_TOTAL_COUNT, 8, F_OPT),
					       IANA(OCTET_TOTAL_COUNT, 8, F_OPT),
					       IANA(IGNORED_PACKET_TOTAL_COUNT, 8, F_OPT),
					       IANA(SYSTEM_INIT_TIME_MILLISECONDS, 8, F_OPT),
					       END};
static const struct field_def t_opt_iface[] = {
	IANA(INGRESS_INTERFACE, 4, F_OPT), IANA(INTERFACE_NAME, IPFIX_VARLEN, F_OPT),
	IANA(INTERFACE_DESCRIPTION, IPFIX_VARLEN, F_OPT), END};

/*
 * RFC 5610 information element type records, scoped by PEN and element
 * number: every element of the record libfixbuf expects, units and range
 * included (0 where they say nothing).
 */
static const struct field_def t_opt_ietype[] = {IANA(PRIVATE_ENTERPRISE_NUMBER, 4, F_OPT),
						IANA(INFO_ELEMENT_ID, 2, F_OPT),
						IANA(INFO_ELEMENT_DATA_TYPE, 1, F_OPT),
						IANA(INFO_ELEMENT_SEMANTICS, 1, F_OPT),
						IANA(INFO_ELEMENT_UNITS, 2, F_OPT),
						IANA(INFO_ELEMENT_RANGE_BEGIN, 8, F_OPT),
						IANA(INFO_ELEMENT_RANGE_END, 8, F_OPT),
						IANA(INFO_ELEMENT_NAME, IPFIX_VARLEN, F_OPT),
						IANA(INFO_ELEMENT_DESCRIPTION, IPFIX_VARLEN, F_OPT),
						END};

/* Every template, by ID - WM_IPFIX_TID_IPV4. Options templates have one scope field. */
static const struct {
	const struct field_def *fields;
	uint16_t scope; /* scope field count; 0 for a flow template */
} templates[WM_IPFIX_N_TEMPLATES] = {
	[WM_IPFIX_TID_IPV4 - WM_IPFIX_TID_IPV4] = {t_ipv4, 0},
	[WM_IPFIX_TID_IPV6 - WM_IPFIX_TID_IPV4] = {t_ipv6, 0},
	[WM_IPFIX_TID_L2 - WM_IPFIX_TID_IPV4] = {t_l2, 0},
	[WM_IPFIX_TID_MACSEC - WM_IPFIX_TID_IPV4] = {t_macsec, 0},
	[WM_IPFIX_TID_ESP4 - WM_IPFIX_TID_IPV4] = {t_esp4, 0},
	[WM_IPFIX_TID_ESP6 - WM_IPFIX_TID_IPV4] = {t_esp6, 0},
	[WM_IPFIX_TID_OPT_EXPORT - WM_IPFIX_TID_IPV4] = {t_opt_export, 1},
	[WM_IPFIX_TID_OPT_METER - WM_IPFIX_TID_IPV4] = {t_opt_meter, 1},
	[WM_IPFIX_TID_OPT_IFACE - WM_IPFIX_TID_IPV4] = {t_opt_iface, 1},
	/*
	 * Stream records are options records scoped by their flow's key:
	 * they describe a flow, they are not one, and a collector that reads
	 * every data record as a flow (nfcapd does) must not count them.
	 */
	[WM_IPFIX_TID_SEQ4 - WM_IPFIX_TID_IPV4] = {t_seq4, 5},
	[WM_IPFIX_TID_SEQ6 - WM_IPFIX_TID_IPV4] = {t_seq6, 5},
	[WM_IPFIX_TID_SEQ_L2 - WM_IPFIX_TID_IPV4] = {t_seq_l2, 5},
	[WM_IPFIX_TID_TUN4 - WM_IPFIX_TID_IPV4] = {t_tun4, 0},
	[WM_IPFIX_TID_TUN6 - WM_IPFIX_TID_IPV4] = {t_tun6, 0},
	[WM_IPFIX_TID_OPT_IETYPE - WM_IPFIX_TID_IPV4] = {t_opt_ietype, 2},
};

#define MAX_FIELDS 40

/* A template compiled for one mode. */
struct tmpl {
	struct field_def f[MAX_FIELDS];
	uint16_t n;
	uint16_t scope;
	uint16_t rec_len;   /* record length; 0 when a field has variable length */
	uint16_t fixed_len; /* bytes of the fixed-length fields */
	uint16_t tmpl_len;  /* bytes of the template record */
};

struct wm_ipfix_encoder {
	enum wm_ipfix_mode mode;
	uint32_t pen;
	struct tmpl t[WM_IPFIX_N_TEMPLATES];
};

static inline void
put8(uint8_t **p, uint8_t v)
{
	**p = v;
	*p += 1;
}

static inline void
put16(uint8_t **p, uint16_t v)
{
	v = htobe16(v);
	memcpy(*p, &v, 2);
	*p += 2;
}

static inline void
put32(uint8_t **p, uint32_t v)
{
	v = htobe32(v);
	memcpy(*p, &v, 4);
	*p += 4;
}

static inline void
put64(uint8_t **p, uint64_t v)
{
	v = htobe64(v);
	memcpy(*p, &v, 8);
	*p += 8;
}

static inline void
putb(uint8_t **p, const void *v, size_t n)
{
	memcpy(*p, v, n);
	*p += n;
}

uint64_t
wm_ipfix_ntp_time(uint64_t ns)
{
	uint64_t sec = ns / 1000000000ULL, sub = ns % 1000000000ULL;
	/*
	 * Round the fraction up, so that a reader taking floor(frac * 1e9 /
	 * 2^32) gets the nanoseconds back exactly: the error of the rounded
	 * fraction is below one 2^-32 s, a quarter of a nanosecond.
	 */
	uint64_t frac = ((sub << 32) + 999999999ULL) / 1000000000ULL;

	return ((sec + IPFIX_NTP_UNIX_OFFSET) << 32) | frac;
}

struct wm_ipfix_encoder *
wm_ipfix_encoder_create(const struct wm_ipfix_params *p)
{
	struct wm_ipfix_encoder *enc;
	unsigned int i;

	/*
	 * PEN 0 is IANA's reserved number, and under RFC 5103's PEN our
	 * elements would read as reverse elements of the same numbers (our
	 * macsecSCI as reverseOctetDeltaCount): in a biflow template the two
	 * would even be the same field twice.
	 */
	if (p == NULL || (p->mode != WM_IPFIX_BIFLOW && p->mode != WM_IPFIX_UNIFLOW) ||
	    p->pen == 0 || p->pen == IPFIX_PEN_REVERSE) {
		errno = EINVAL;
		return NULL;
	}
	enc = calloc(1, sizeof(*enc));
	if (enc == NULL)
		return NULL;
	enc->mode = p->mode;
	enc->pen = p->pen;
	for (i = 0; i < WM_IPFIX_N_TEMPLATES; i++) {
		const struct field_def *d;
		struct tmpl *t = &enc->t[i];
		bool varlen = false;

		t->scope = templates[i].scope;
		t->tmpl_len = templates[i].scope != 0 ? sizeof(struct ipfix_opt_tmpl_hdr)
						      : sizeof(struct ipfix_tmpl_hdr);
		for (d = templates[i].fields; d->len != 0; d++) {
			if (d->space == S_REVERSE && p->mode == WM_IPFIX_UNIFLOW)
				continue;
			t->f[t->n++] = *d;
			t->tmpl_len +=
				sizeof(struct ipfix_field_spec) + (d->space != S_IANA ? 4 : 0);
			if (d->len == IPFIX_VARLEN)
				varlen = true;
			else
				t->fixed_len += d->len;
		}
		t->rec_len = varlen ? 0 : t->fixed_len;
	}
	return enc;
}

void
wm_ipfix_encoder_free(struct wm_ipfix_encoder *enc)
{
	free(enc);
}

/* Longest name of a stream kind ("macsec", "tester"). */
#define STREAM_KIND_MAX 8

static uint16_t
stream_max_len(const struct wm_ipfix_encoder *enc)
{
	uint16_t most = 0, tid;

	for (tid = WM_IPFIX_TID_SEQ4; tid <= WM_IPFIX_TID_SEQ_L2; tid++)
		if (enc->t[tid - WM_IPFIX_TID_IPV4].fixed_len > most)
			most = enc->t[tid - WM_IPFIX_TID_IPV4].fixed_len;
	return most + 1 + STREAM_KIND_MAX;
}

/* ---- RFC 5610 information element type records ---- */

/* The message writers below, which the type records share. */
static size_t varlen_size(const char *s);
static void put_varlen(uint8_t **p, const char *s);
static uint8_t *set_reserve(struct wm_ipfix_msg *m, uint16_t set_id, size_t need);
static bool put_template(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			 unsigned int i);

/* One enterprise element as its type record describes it. */
struct ee_type {
	uint16_t id;
	uint8_t type, sem;
	uint16_t units;
	const char *name, *descr;
};

/* RFC 5610 units (IANA "IPFIX Information Element Units"). */
#define UNITS_NONE 0
#define UNITS_PACKETS 3

static const struct ee_type ee_types[] = {
#define EE_TYPE(sym, id, name, type, sem, descr) {id, type, sem, UNITS_NONE, name, descr},
	WM_IPFIX_FOREACH_EE(EE_TYPE)
#undef EE_TYPE
};

#define N_EE (sizeof(ee_types) / sizeof(ee_types[0]))

/*
 * A stream counter's type: each counts packets since the stream began,
 * but pending (now) and the reorder distance (most so far), which are
 * quantities, and the first and last numbers seen, which are neither.
 */
static struct ee_type
counter_type(enum wm_seq_counter_id c)
{
	struct ee_type t = {
		WM_IPFIX_EE_SEQ_COUNTERS + c, IPFIX_TYPE_UNSIGNED64,
		IPFIX_SEM_TOTAL_COUNTER,      UNITS_PACKETS,
		wm_seq_counter_name(c),	      "Sequence stream counter (wiremeter's SEQUENCE.md)"};

	if (c == WM_SEQ_CTR_pending || c == WM_SEQ_CTR_max_reorder)
		t.sem = IPFIX_SEM_QUANTITY;
	if (c == WM_SEQ_CTR_first || c == WM_SEQ_CTR_last)
		t.sem = IPFIX_SEM_DEFAULT;
	if (c == WM_SEQ_CTR_gap_events || c == WM_SEQ_CTR_wraps || c == WM_SEQ_CTR_restarts ||
	    c == WM_SEQ_CTR_jump_suspect || c == WM_SEQ_CTR_proto_violation ||
	    c == WM_SEQ_CTR_max_reorder || c == WM_SEQ_CTR_first || c == WM_SEQ_CTR_last)
		t.units = UNITS_NONE;
	return t;
}

static struct ee_type
type_at(unsigned int i)
{
	return i < N_EE ? ee_types[i] : counter_type((enum wm_seq_counter_id)(i - N_EE));
}

unsigned int
wm_ipfix_type_records(void)
{
	return N_EE + WM_SEQ_CTR_MAX;
}

static size_t
type_record_len(const struct wm_ipfix_encoder *enc, const struct ee_type *t)
{
	return enc->t[WM_IPFIX_TID_OPT_IETYPE - WM_IPFIX_TID_IPV4].fixed_len +
	       varlen_size(t->name) + varlen_size(t->descr);
}

static uint16_t
type_record_max(const struct wm_ipfix_encoder *enc)
{
	size_t most = 0;
	unsigned int i;

	for (i = 0; i < wm_ipfix_type_records(); i++) {
		struct ee_type t = type_at(i);

		if (type_record_len(enc, &t) > most)
			most = type_record_len(enc, &t);
	}
	return (uint16_t)most;
}

int
wm_ipfix_msg_add_type_records(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			      unsigned int *cursor)
{
	int added = 0;

	/* Their options template first, so that one message holds both. */
	if (*cursor == 0) {
		if (!put_template(m, enc, WM_IPFIX_TID_OPT_IETYPE - WM_IPFIX_TID_IPV4))
			return -ENOSPC;
		(*cursor)++;
	}
	while (*cursor <= wm_ipfix_type_records()) {
		struct ee_type t = type_at(*cursor - 1);
		uint8_t *p = set_reserve(m, WM_IPFIX_TID_OPT_IETYPE, type_record_len(enc, &t));

		if (p == NULL)
			break;
		/* In the order of t_opt_ietype. */
		put32(&p, enc->pen);
		put16(&p, t.id);
		*p++ = t.type;
		*p++ = t.sem;
		put16(&p, t.units);
		put64(&p, 0);
		put64(&p, 0);
		put_varlen(&p, t.name);
		put_varlen(&p, t.descr);
		m->records++;
		(*cursor)++;
		added++;
	}
	return added > 0 || *cursor > wm_ipfix_type_records() ? added : -ENOSPC;
}

uint16_t
wm_ipfix_encoder_min_mtu(const struct wm_ipfix_encoder *enc)
{
	uint16_t most = 0;
	unsigned int i;

	for (i = 0; i < WM_IPFIX_N_TEMPLATES; i++) {
		uint16_t rec = enc->t[i].rec_len;

		/* The interface record: two strings, cut; a stream record: its kind's name. */
		if (i == WM_IPFIX_TID_OPT_IFACE - WM_IPFIX_TID_IPV4)
			rec = 4 + 2 * (1 + WM_IPFIX_NAME_MAX);
		else if (i == WM_IPFIX_TID_OPT_IETYPE - WM_IPFIX_TID_IPV4)
			rec = type_record_max(enc);
		else if (enc->t[i].rec_len == 0)
			rec = enc->t[i].fixed_len + 1 + STREAM_KIND_MAX;
		/* A flow goes with its reverse record (uniflow) and two stream records. */
		if (i <= WM_IPFIX_TID_ESP6 - WM_IPFIX_TID_IPV4 ||
		    i >= WM_IPFIX_TID_TUN4 - WM_IPFIX_TID_IPV4)
			rec = (enc->mode == WM_IPFIX_UNIFLOW ? 2 : 1) * rec +
			      2 * (sizeof(struct ipfix_set_hdr) + stream_max_len(enc));
		if (rec > most)
			most = rec;
		if (enc->t[i].tmpl_len > most)
			most = enc->t[i].tmpl_len;
	}
	return sizeof(struct ipfix_msg_hdr) + sizeof(struct ipfix_set_hdr) + most;
}

uint16_t
wm_ipfix_flow_template(const struct wm_flow_export *e)
{
	if (wm_flow_export_tunnelled(e))
		return e->kind == WM_FLOW_KIND_IPV4 ? WM_IPFIX_TID_TUN4 : WM_IPFIX_TID_TUN6;
	switch (e->kind) {
	case WM_FLOW_KIND_IPV4:
		return (e->flags & WM_FLOW_REC_F_ESP) ? WM_IPFIX_TID_ESP4 : WM_IPFIX_TID_IPV4;
	case WM_FLOW_KIND_IPV6:
		return (e->flags & WM_FLOW_REC_F_ESP) ? WM_IPFIX_TID_ESP6 : WM_IPFIX_TID_IPV6;
	case WM_FLOW_KIND_MACSEC:
		return WM_IPFIX_TID_MACSEC;
	default:
		return WM_IPFIX_TID_L2;
	}
}

uint16_t
wm_ipfix_record_len(const struct wm_ipfix_encoder *enc, uint16_t tid)
{
	if (tid < WM_IPFIX_TID_IPV4 || tid >= WM_IPFIX_TID_END)
		return 0;
	return enc->t[tid - WM_IPFIX_TID_IPV4].rec_len;
}

void
wm_ipfix_msg_init(struct wm_ipfix_msg *m, void *buf, uint16_t cap, uint32_t domain_id)
{
	m->buf = buf;
	m->cap = cap;
	m->len = sizeof(struct ipfix_msg_hdr);
	m->set_off = 0;
	m->set_id = 0;
	m->domain_id = domain_id;
	m->records = 0;
	m->flows = 0;
	m->pkts = 0;
	m->octets = 0;
}

static void
set_close(struct wm_ipfix_msg *m)
{
	uint8_t *p;

	if (m->set_off == 0)
		return;
	p = m->buf + m->set_off + 2;
	put16(&p, m->len - m->set_off);
	m->set_off = 0;
}

/*
 * Make room for @p need bytes in a set of ID @p set_id: in the open set
 * when it has that ID, else in a new one. Returns where to write, or NULL
 * when the bytes (and a new set header) do not fit; the message is then
 * unchanged.
 */
static uint8_t *
set_reserve(struct wm_ipfix_msg *m, uint16_t set_id, size_t need)
{
	uint8_t *p;

	if (m->set_off == 0 || m->set_id != set_id) {
		if ((size_t)m->len + sizeof(struct ipfix_set_hdr) + need > m->cap)
			return NULL;
		set_close(m);
		m->set_off = m->len;
		m->set_id = set_id;
		p = m->buf + m->len;
		put16(&p, set_id);
		put16(&p, 0); /* written by set_close() */
		m->len += sizeof(struct ipfix_set_hdr);
	} else if ((size_t)m->len + need > m->cap) {
		return NULL;
	}
	p = m->buf + m->len;
	m->len += need;
	return p;
}

/* A variable-length string (RFC 7011 §7) with its one-byte length, cut at WM_IPFIX_NAME_MAX. */
static size_t
varlen_size(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return 1 + (n > WM_IPFIX_NAME_MAX ? WM_IPFIX_NAME_MAX : n);
}

static void
put_varlen(uint8_t **p, const char *s)
{
	size_t n = varlen_size(s) - 1;

	put8(p, (uint8_t)n);
	if (n != 0)
		putb(p, s, n);
}

/* The flow fields that are one number whichever way the record goes. */
static uint64_t
flow_scalar(const struct field_def *f, const struct wm_flow_export *e)
{
	switch (f->src) {
	case F_PROTO:
		return e->proto;
	case F_TOS:
		return e->tos;
	case F_MINLEN:
		return e->min_len;
	case F_MAXLEN:
		return e->max_len;
	case F_ICMP:
		return e->icmp_type_code;
	case F_SPI:
		return e->spi;
	case F_REASON:
		return e->end_reason;
	case F_VLAN:
		return e->vlan;
	case F_CVLAN:
		return e->cvlan;
	case F_SEGMENT:
		return (e->encap_flags & WM_PKT_E_SEGMENT) ? e->segment_id : 0;
	case F_TEID:
		return (e->encap_flags & WM_PKT_E_TEID) ? e->gtp_teid : 0;
	case F_INPORT:
		return e->in_port;
	case F_FLOWDIR:
		return IPFIX_FLOW_DIRECTION_INGRESS;
	case F_ETHTYPE:
		return e->ethertype;
	case F_AN:
		return e->an;
	default:
		return 0;
	}
}

/* A stream field's value (F_S_*). */
static void
stream_value(const struct field_def *f, const struct wm_seq_snapshot *st, struct wm_ipfix_value *v)
{
	v->kind = WM_IPFIX_VALUE_UNSIGNED;
	switch (f->src) {
	case F_S_DIR:
		v->u = st->dir ? IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR
			       : IPFIX_BIFLOW_DIRECTION_INITIATOR;
		break;
	case F_S_KIND:
		v->kind = WM_IPFIX_VALUE_STRING;
		v->s = wm_seq_kind_name(st->kind);
		v->u = 0;
		break;
	case F_S_SPI:
		v->u = st->esp_spi;
		break;
	case F_S_SSRC:
		v->u = st->rtp_ssrc;
		break;
	case F_S_TESTER:
		v->u = st->tester_id;
		break;
	case F_S_SCI:
		v->kind = WM_IPFIX_VALUE_HEX64;
		v->u = st->macsec_sci;
		break;
	case F_S_AN:
		v->u = st->macsec_an;
		break;
	case F_S_COUNTER:
		v->u = ((const uint64_t *)&st->c)[f->arg];
		break;
	default:
		v->u = 0;
		break;
	}
}

/*
 * An address of either family in an ipv6Address field (the tunnel
 * endpoints): IPv4 as IPv4-mapped (RFC 4291 2.5.5.2), none (a text "")
 * as ::.
 */
static void
put_any_address(uint8_t **p, const struct wm_ipfix_value *v)
{
	uint8_t b[16] = {0};

	if (v->kind == WM_IPFIX_VALUE_IPV6) {
		memcpy(b, v->bytes, 16);
	} else if (v->kind == WM_IPFIX_VALUE_IPV4) {
		b[10] = b[11] = 0xff;
		memcpy(b + 12, v->bytes, 4);
	}
	putb(p, b, 16);
}

/*
 * A value on the wire, in its field's length: addresses as they are,
 * strings with their length byte, numbers big-endian (a named number,
 * a string in a fixed-length field, as its number u), and the
 * nanosecond times as dateTimeNanoseconds.
 */
static void
put_value(uint8_t **p, const struct field_def *f, const struct wm_ipfix_value *v)
{
	uint64_t u;

	if (f->src == F_TSRC || f->src == F_TDST) {
		put_any_address(p, v);
		return;
	}
	if (v->kind == WM_IPFIX_VALUE_IPV4 || v->kind == WM_IPFIX_VALUE_IPV6 ||
	    v->kind == WM_IPFIX_VALUE_MAC) {
		putb(p, v->bytes, f->len);
		return;
	}
	if (v->kind == WM_IPFIX_VALUE_STRING && f->len == IPFIX_VARLEN) {
		put_varlen(p, v->s);
		return;
	}
	u = v->u;
	if (f->src == F_START_NS || f->src == F_END_NS)
		u = wm_ipfix_ntp_time(u);
	switch (f->len) {
	case 1:
		put8(p, (uint8_t)u);
		break;
	case 2:
		put16(p, (uint16_t)u);
		break;
	case 3: /* an MPLS label stack section */
		put8(p, (uint8_t)(u >> 16));
		put16(p, (uint16_t)u);
		break;
	case 4:
		put32(p, (uint32_t)u);
		break;
	default:
		put64(p, u);
		break;
	}
}

/*
 * A tunnel's field (wm_flow_export_tunnelled()): the encapsulation's name
 * with its number for the wire, an MPLS label stack section (the entry
 * without its TTL; 0 past the stack), an outer endpoint in its family or
 * "" (MPLS at L2 has none). The endpoints are the first packet's, as
 * every tunnel field is: the initiator's way, so a uniflow reverse record
 * swaps them as it swaps the flow's own.
 */
static void
tunnel_value(const struct field_def *f, const struct wm_flow_export *e, bool reverse,
	     struct wm_ipfix_value *v)
{
	const unsigned int i = f->src - F_MPLS1;

	v->u = 0;
	switch (f->src) {
	case F_ENCAP:
		v->kind = WM_IPFIX_VALUE_STRING;
		v->s = wm_pkt_tunnel_name(e->encap);
		v->u = e->encap;
		break;
	case F_MPLS1:
	case F_MPLS2:
	case F_MPLS3:
		v->u = i < e->n_mpls && i < WM_PKT_MAX_MPLS ? e->mpls[i] >> 8 : 0;
		break;
	default:
		v->bytes = (f->src == F_TSRC) != reverse ? e->outer_src : e->outer_dst;
		if (e->encap_flags & WM_PKT_E_OUTER_V4) {
			v->kind = WM_IPFIX_VALUE_IPV4;
		} else if (e->encap_flags & WM_PKT_E_OUTER_V6) {
			v->kind = WM_IPFIX_VALUE_IPV6;
		} else {
			v->kind = WM_IPFIX_VALUE_STRING;
			v->s = "";
		}
		break;
	}
}

/*
 * A flow field's value, oriented for the record: a uniflow reverse
 * record swaps the endpoints and takes the reverse counters. Times are in
 * nanoseconds here; the wire's dateTimeNanoseconds is put_value()'s.
 */
static void
flow_value(const struct field_def *f, const struct wm_flow_export *e, bool reverse,
	   struct wm_ipfix_value *v)
{
	const unsigned int fw = reverse ? 1 : 0, rv = reverse ? 0 : 1;

	v->kind = WM_IPFIX_VALUE_UNSIGNED;
	switch (f->src) {
	case F_SRC4:
	case F_DST4:
		v->kind = WM_IPFIX_VALUE_IPV4;
		v->bytes = (f->src == F_SRC4) != reverse ? e->src : e->dst;
		break;
	case F_SRC6:
	case F_DST6:
		v->kind = WM_IPFIX_VALUE_IPV6;
		v->bytes = (f->src == F_SRC6) != reverse ? e->src : e->dst;
		break;
	case F_SMAC:
	case F_DMAC:
		v->kind = WM_IPFIX_VALUE_MAC;
		v->bytes = (f->src == F_SMAC) != reverse ? e->smac : e->dmac;
		break;
	case F_SPORT:
		v->u = reverse ? e->dport : e->sport;
		break;
	case F_DPORT:
		v->u = reverse ? e->sport : e->dport;
		break;
	case F_PKTS:
	case F_RPKTS:
		v->u = e->pkts[f->src == F_PKTS ? fw : rv];
		break;
	case F_OCTETS:
	case F_ROCTETS:
		v->u = e->octets[f->src == F_OCTETS ? fw : rv];
		break;
	case F_START_NS:
	case F_END_NS:
		v->u = f->src == F_START_NS ? e->start_ns : e->end_ns;
		break;
	case F_START_MS:
	case F_END_MS:
		v->u = (f->src == F_START_MS ? e->start_ns : e->end_ns) / 1000000;
		break;
	case F_TCP:
	case F_RTCP:
		v->u = e->tcp_flags[f->src == F_TCP ? fw : rv];
		break;
	case F_BIDIR:
		v->u = reverse ? IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR
			       : IPFIX_BIFLOW_DIRECTION_INITIATOR;
		break;
	case F_SCI:
		v->kind = WM_IPFIX_VALUE_HEX64;
		v->u = e->sci;
		break;
	case F_ENCAP:
	case F_MPLS1:
	case F_MPLS2:
	case F_MPLS3:
	case F_TSRC:
	case F_TDST:
		tunnel_value(f, e, reverse, v);
		break;
	default:
		v->u = flow_scalar(f, e);
		break;
	}
}

/*
 * One record's fields in its template's order: a flow record (@p st
 * NULL) or a stream record of its flow.
 */
static uint8_t *
write_fields(uint8_t *p, const struct tmpl *t, const struct wm_flow_export *e, bool reverse,
	     const struct wm_seq_snapshot *st)
{
	const struct field_def *f;
	struct wm_ipfix_value v;

	for (f = t->f; f < t->f + t->n; f++) {
		if (f->src >= F_S_DIR)
			stream_value(f, st, &v);
		else
			flow_value(f, e, reverse, &v);
		put_value(&p, f, &v);
	}
	return p;
}

/* The stream template that goes with a flow template. */
static uint16_t
stream_template(uint16_t flow_tid)
{
	switch (flow_tid) {
	case WM_IPFIX_TID_IPV4:
	case WM_IPFIX_TID_ESP4:
	case WM_IPFIX_TID_TUN4:
		return WM_IPFIX_TID_SEQ4;
	case WM_IPFIX_TID_IPV6:
	case WM_IPFIX_TID_ESP6:
	case WM_IPFIX_TID_TUN6:
		return WM_IPFIX_TID_SEQ6;
	default:
		return WM_IPFIX_TID_SEQ_L2;
	}
}

int
wm_ipfix_msg_add_flow(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
		      const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		      unsigned int n_streams)
{
	const uint16_t tid = wm_ipfix_flow_template(e), sid = stream_template(tid);
	const struct tmpl *t = &enc->t[tid - WM_IPFIX_TID_IPV4];
	const struct tmpl *st = &enc->t[sid - WM_IPFIX_TID_IPV4];
	const bool two = enc->mode == WM_IPFIX_UNIFLOW && e->pkts[1] != 0;
	const struct wm_ipfix_msg saved = *m;
	size_t slen[2] = {0, 0};
	unsigned int i;
	uint8_t *p;

	for (i = 0; i < n_streams && i < 2; i++)
		slen[i] = st->fixed_len + varlen_size(wm_seq_kind_name(streams[i].kind));
	p = set_reserve(m, tid, (size_t)t->rec_len * (two ? 2 : 1));
	if (p == NULL)
		return -ENOSPC;
	write_fields(p, t, e, false, NULL);
	if (two)
		write_fields(p + t->rec_len, t, e, true, NULL);
	for (i = 0; i < n_streams && i < 2; i++) {
		p = set_reserve(m, sid, slen[i]);
		if (p == NULL) {
			/*
			 * All or nothing: forget the flow record too. What was
			 * written past saved.len is dead; a set closed on the way
			 * is closed again, with its true length, later.
			 */
			*m = saved;
			return -ENOSPC;
		}
		write_fields(p, st, e, false, &streams[i]);
	}
	m->records += (two ? 2 : 1) + i;
	m->flows += two ? 2 : 1;
	m->pkts += e->pkts[0] + e->pkts[1];
	m->octets += e->octets[0] + e->octets[1];
	return (int)((two ? 2 : 1) + i);
}

/* Append template number i (its ID - WM_IPFIX_TID_IPV4); false when it does not fit. */
static bool
put_template(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc, unsigned int i)
{
	const struct tmpl *t = &enc->t[i];
	const uint16_t set_id = t->scope != 0 ? IPFIX_SET_OPTIONS_TEMPLATE : IPFIX_SET_TEMPLATE;
	const struct field_def *f;
	uint8_t *p = set_reserve(m, set_id, t->tmpl_len);

	if (p == NULL)
		return false;
	put16(&p, WM_IPFIX_TID_IPV4 + i);
	put16(&p, t->n);
	if (t->scope != 0)
		put16(&p, t->scope);
	for (f = t->f; f < t->f + t->n; f++) {
		if (f->space == S_IANA) {
			put16(&p, f->ie);
			put16(&p, f->len);
		} else {
			put16(&p, f->ie | IPFIX_ENTERPRISE_BIT);
			put16(&p, f->len);
			put32(&p, f->space == S_REVERSE ? IPFIX_PEN_REVERSE : enc->pen);
		}
	}
	return true;
}

int
wm_ipfix_msg_add_templates(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			   unsigned int *cursor)
{
	int added = 0;

	while (*cursor < WM_IPFIX_N_TEMPLATES) {
		/* The type records' template goes with them (wm_ipfix_msg_add_type_records). */
		if (*cursor == WM_IPFIX_TID_OPT_IETYPE - WM_IPFIX_TID_IPV4) {
			(*cursor)++;
			continue;
		}
		if (!put_template(m, enc, *cursor))
			break;
		(*cursor)++;
		added++;
	}
	return added > 0 || *cursor >= WM_IPFIX_N_TEMPLATES ? added : -ENOSPC;
}

int
wm_ipfix_msg_add_export_stats(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			      const struct wm_ipfix_export_stats *s)
{
	const struct tmpl *t = &enc->t[WM_IPFIX_TID_OPT_EXPORT - WM_IPFIX_TID_IPV4];
	uint8_t *p = set_reserve(m, WM_IPFIX_TID_OPT_EXPORT, t->rec_len);

	if (p == NULL)
		return -ENOSPC;
	/* In the order of t_opt_export. */
	put32(&p, s->domain_id);
	put64(&p, s->messages);
	put64(&p, s->records);
	put64(&p, s->octets);
	put64(&p, s->not_sent_flows);
	put64(&p, s->not_sent_pkts);
	put64(&p, s->not_sent_octets);
	put64(&p, s->init_time_ms);
	m->records++;
	return 1;
}

int
wm_ipfix_msg_add_meter_stats(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			     const struct wm_ipfix_meter_stats *s)
{
	const struct tmpl *t = &enc->t[WM_IPFIX_TID_OPT_METER - WM_IPFIX_TID_IPV4];
	uint8_t *p = set_reserve(m, WM_IPFIX_TID_OPT_METER, t->rec_len);

	if (p == NULL)
		return -ENOSPC;
	/* In the order of t_opt_meter. */
	put32(&p, s->domain_id);
	put64(&p, s->observed_flows);
	put64(&p, s->packets);
	put64(&p, s->octets);
	put64(&p, s->ignored_pkts);
	put64(&p, s->init_time_ms);
	m->records++;
	return 1;
}

int
wm_ipfix_msg_add_interface(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			   uint32_t ifindex, const char *name, const char *descr)
{
	uint8_t *p =
		set_reserve(m, WM_IPFIX_TID_OPT_IFACE, 4 + varlen_size(name) + varlen_size(descr));

	(void)enc;
	if (p == NULL)
		return -ENOSPC;
	/* In the order of t_opt_iface. */
	put32(&p, ifindex);
	put_varlen(&p, name);
	put_varlen(&p, descr);
	m->records++;
	return 1;
}

void
wm_ipfix_msg_stamp(void *msg, uint32_t export_time, uint32_t sequence)
{
	uint8_t *p = (uint8_t *)msg + offsetof(struct ipfix_msg_hdr, export_time);

	put32(&p, export_time);
	put32(&p, sequence);
}

uint16_t
wm_ipfix_msg_finish(struct wm_ipfix_msg *m, uint32_t export_time, uint32_t sequence)
{
	uint8_t *p = m->buf;

	set_close(m);
	put16(&p, IPFIX_VERSION);
	put16(&p, m->len);
	put32(&p, export_time);
	put32(&p, sequence);
	put32(&p, m->domain_id);
	return m->len;
}

const char *
wm_ipfix_ie_name(uint16_t ie)
{
	switch (ie) {
#define IE_NAME(sym, id, name) \
	case id:               \
		return name;
		IPFIX_FOREACH_IE(IE_NAME)
#undef IE_NAME
	default:
		return NULL;
	}
}

const char *
wm_ipfix_ee_name(uint16_t ee)
{
	if (ee >= WM_IPFIX_EE_SEQ_COUNTERS && ee < WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_MAX)
		return wm_seq_counter_name((enum wm_seq_counter_id)(ee - WM_IPFIX_EE_SEQ_COUNTERS));
	switch (ee) {
#define EE_NAME(sym, id, name, type, sem, descr) \
	case id:                                 \
		return name;
		WM_IPFIX_FOREACH_EE(EE_NAME)
#undef EE_NAME
	default:
		return NULL;
	}
}

const char *
wm_ipfix_value_text(const struct wm_ipfix_value *v, char *buf, size_t len)
{
	const uint8_t *m = v->bytes;

	if (len == 0)
		return "";
	buf[0] = '\0';
	switch (v->kind) {
	case WM_IPFIX_VALUE_IPV4:
	case WM_IPFIX_VALUE_IPV6:
		if (inet_ntop(v->kind == WM_IPFIX_VALUE_IPV4 ? AF_INET : AF_INET6, m, buf,
			      (socklen_t)len) == NULL)
			buf[0] = '\0';
		break;
	case WM_IPFIX_VALUE_MAC:
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
			 m[5]);
		break;
	case WM_IPFIX_VALUE_HEX64:
		snprintf(buf, len, "%016" PRIx64, v->u);
		break;
	case WM_IPFIX_VALUE_STRING:
		return v->s != NULL ? v->s : "";
	case WM_IPFIX_VALUE_SIGNED:
		snprintf(buf, len, "%" PRId64, v->i);
		break;
	default:
		snprintf(buf, len, "%" PRIu64, v->u);
		break;
	}
	return buf;
}

/*
 * Views: a record's fields in the order its renderings (JSON lines,
 * telemetry, report) have always shown them. A view's entries are the
 * same field definitions as the templates' (element, numbering space,
 * value source), so a name or a value is defined once for the wire and
 * for the text; each entry says when a record has it.
 */
enum view_when {
	W_END,	    /* the end of a view */
	W_ALWAYS,   /* every record of the view */
	W_ICMP4,    /* protocolIdentifier 1, whatever the address family */
	W_ICMP6,    /* protocolIdentifier 58, whatever the address family */
	W_ESP,	    /* a flow of ESP packets */
	W_TUNNEL,   /* a flow carried in a tunnel (wm_flow_export_tunnelled()) */
	W_CVLAN,    /* two or more VLAN tags: dot1qCustomerVlanId not 0 */
	W_STREAMS,  /* no field: the record's streams go here */
	W_RTP,	    /* an RTP stream */
	W_TESTER,   /* a TRex stream */
	W_S_ESP,    /* an ESP stream, its identity wanted */
	W_S_MACSEC, /* a MACsec stream, its identity wanted */
	W_COUNTERS, /* a stream's counters, wanted */
};

struct view_field {
	struct field_def f;
	uint8_t when; /* enum view_when */
};

/* clang-format off */
#define ALWAYS(def) {def, W_ALWAYS}
#define WHEN(w, def) {def, w}
#define VIEW_STREAMS {END, W_STREAMS}
#define VIEW_END {END, W_END}
#define VIEW_COUNTERS \
	ALWAYS(IANA(PACKET_DELTA_COUNT, 8, F_PKTS)), ALWAYS(IANA(OCTET_DELTA_COUNT, 8, F_OCTETS)), \
	ALWAYS(REV(PACKET_DELTA_COUNT, 8, F_RPKTS)), ALWAYS(REV(OCTET_DELTA_COUNT, 8, F_ROCTETS)), \
	ALWAYS(IANA(FLOW_START_NANOSECONDS, 8, F_START_NS)), \
	ALWAYS(IANA(FLOW_END_NANOSECONDS, 8, F_END_NS))
#define VIEW_TAIL \
	VIEW_STREAMS, ALWAYS(IANA(FLOW_END_REASON, 1, F_REASON)), ALWAYS(IANA(VLAN_ID, 2, F_VLAN)), \
	WHEN(W_CVLAN, IANA(DOT1Q_CUSTOMER_VLAN_ID, 2, F_CVLAN)), \
	ALWAYS(IANA(INGRESS_INTERFACE, 4, F_INPORT)), VIEW_END
/* A tunnelled flow's fields, every one of them, 0 or "" when unset (as template TUN4/TUN6). */
#define VIEW_TUNNEL \
	WHEN(W_TUNNEL, OWN(ENCAPSULATION, 1, F_ENCAP)), \
	WHEN(W_TUNNEL, IANA(LAYER2_SEGMENT_ID, 8, F_SEGMENT)), \
	WHEN(W_TUNNEL, OWN(GTP_TEID, 4, F_TEID)), \
	WHEN(W_TUNNEL, IANA(MPLS_TOP_LABEL_STACK_SECTION, 3, F_MPLS1)), \
	WHEN(W_TUNNEL, IANA(MPLS_LABEL_STACK_SECTION2, 3, F_MPLS2)), \
	WHEN(W_TUNNEL, IANA(MPLS_LABEL_STACK_SECTION3, 3, F_MPLS3)), \
	WHEN(W_TUNNEL, OWN(TUNNEL_SOURCE_ADDRESS, 16, F_TSRC)), \
	WHEN(W_TUNNEL, OWN(TUNNEL_DESTINATION_ADDRESS, 16, F_TDST))
#define VIEW_IP \
	ALWAYS(IANA(SOURCE_TRANSPORT_PORT, 2, F_SPORT)), \
	ALWAYS(IANA(DESTINATION_TRANSPORT_PORT, 2, F_DPORT)), \
	ALWAYS(IANA(PROTOCOL_IDENTIFIER, 1, F_PROTO)), VIEW_COUNTERS, \
	ALWAYS(IANA(TCP_CONTROL_BITS, 2, F_TCP)), ALWAYS(REV(TCP_CONTROL_BITS, 2, F_RTCP)), \
	ALWAYS(IANA(IP_CLASS_OF_SERVICE, 1, F_TOS)), \
	ALWAYS(IANA(MINIMUM_IP_TOTAL_LENGTH, 2, F_MINLEN)), \
	ALWAYS(IANA(MAXIMUM_IP_TOTAL_LENGTH, 2, F_MAXLEN)), \
	WHEN(W_ICMP4, IANA(ICMP_TYPE_CODE_IPV4, 2, F_ICMP)), \
	WHEN(W_ICMP6, IANA(ICMP_TYPE_CODE_IPV6, 2, F_ICMP)), \
	WHEN(W_ESP, IANA(IPSEC_SPI, 4, F_SPI)), VIEW_TUNNEL, VIEW_TAIL
#define VIEW_MACS \
	ALWAYS(IANA(SOURCE_MAC_ADDRESS, 6, F_SMAC)), ALWAYS(IANA(DESTINATION_MAC_ADDRESS, 6, F_DMAC)), \
	ALWAYS(IANA(ETHERNET_TYPE, 2, F_ETHTYPE))
#define VIEW_SEQ_COUNTER(f, n) {SEQ_COUNTER_DEF(f), W_COUNTERS},

static const struct view_field v_ipv4[] = {
	ALWAYS(IANA(SOURCE_IPV4_ADDRESS, 4, F_SRC4)),
	ALWAYS(IANA(DESTINATION_IPV4_ADDRESS, 4, F_DST4)), VIEW_IP};
static const struct view_field v_ipv6[] = {
	ALWAYS(IANA(SOURCE_IPV6_ADDRESS, 16, F_SRC6)),
	ALWAYS(IANA(DESTINATION_IPV6_ADDRESS, 16, F_DST6)), VIEW_IP};
static const struct view_field v_l2[] = {VIEW_MACS, VIEW_COUNTERS, VIEW_TAIL};
static const struct view_field v_macsec[] = {
	VIEW_MACS, VIEW_COUNTERS, ALWAYS(OWN(MACSEC_SCI, 8, F_SCI)), ALWAYS(OWN(MACSEC_AN, 1, F_AN)),
	VIEW_TAIL};
static const struct view_field v_stream[] = {
	ALWAYS(OWN(SEQ_STREAM_KIND, IPFIX_VARLEN, F_S_KIND)),
	WHEN(W_RTP, OWN(RTP_SSRC, 4, F_S_SSRC)), WHEN(W_TESTER, OWN(TESTER_STREAM_ID, 2, F_S_TESTER)),
	WHEN(W_S_ESP, IANA(IPSEC_SPI, 4, F_S_SPI)), WHEN(W_S_MACSEC, OWN(MACSEC_SCI, 8, F_S_SCI)),
	WHEN(W_S_MACSEC, OWN(MACSEC_AN, 1, F_S_AN)),
	WM_SEQ_FOREACH_COUNTER(VIEW_SEQ_COUNTER) VIEW_END};
/* clang-format on */

/*
 * A field's name: its element's, with RFC 5103's "reverse" prefix for a
 * reverse element or when @p reverse asks for it (reverseSeqLostCount).
 */
static const char *
field_name(const struct field_def *f, bool reverse, char *buf, size_t len)
{
	const char *name = f->space == S_OWN ? wm_ipfix_ee_name(f->ie) : wm_ipfix_ie_name(f->ie);

	if (name == NULL || (!reverse && f->space != S_REVERSE))
		return name;
	snprintf(buf, len, "reverse%c%s", toupper((unsigned char)name[0]), name + 1);
	return buf;
}

/* Does a flow record have a view's field? */
static bool
flow_has(uint8_t when, const struct wm_flow_export *e)
{
	switch (when) {
	case W_ICMP4:
		return e->proto == 1;
	case W_ICMP6:
		return e->proto == 58;
	case W_ESP:
		return (e->flags & WM_FLOW_REC_F_ESP) != 0;
	case W_TUNNEL:
		return wm_flow_export_tunnelled(e);
	case W_CVLAN:
		return e->cvlan != 0;
	default:
		return when == W_ALWAYS;
	}
}

static const struct view_field *
record_view(const struct wm_flow_export *e)
{
	switch (e->kind) {
	case WM_FLOW_KIND_IPV4:
		return v_ipv4;
	case WM_FLOW_KIND_IPV6:
		return v_ipv6;
	case WM_FLOW_KIND_MACSEC:
		return v_macsec;
	default:
		return v_l2;
	}
}

int
wm_ipfix_record_visit(const struct wm_flow_export *e, const struct wm_seq_snapshot *streams,
		      unsigned int n_streams, wm_ipfix_field_fn fn, void *ctx)
{
	const struct view_field *vf;
	struct wm_ipfix_value v;
	char name[64];
	unsigned int i;
	int rc = 0;

	for (vf = record_view(e); vf->when != W_END && rc == 0; vf++) {
		if (vf->when == W_STREAMS) {
			for (i = 0; i < n_streams && rc == 0; i++)
				rc = wm_ipfix_stream_visit(&streams[i], WM_IPFIX_STREAM_IN_FLOW, fn,
							   ctx);
		} else if (flow_has(vf->when, e)) {
			flow_value(&vf->f, e, false, &v);
			rc = fn(ctx, field_name(&vf->f, false, name, sizeof(name)), &v);
		}
	}
	return rc;
}

/* Does a stream have a view's field? */
static bool
stream_has(uint8_t when, const struct wm_seq_snapshot *s, bool all_ids, bool counters)
{
	switch (when) {
	case W_RTP:
		return s->kind == WM_SEQ_KIND_RTP;
	case W_TESTER:
		return s->kind == WM_SEQ_KIND_TESTER;
	case W_S_ESP:
		return all_ids && s->kind == WM_SEQ_KIND_ESP;
	case W_S_MACSEC:
		return all_ids && s->kind == WM_SEQ_KIND_MACSEC;
	case W_COUNTERS:
		return counters;
	default:
		return when == W_ALWAYS;
	}
}

int
wm_ipfix_stream_visit(const struct wm_seq_snapshot *s, unsigned int flags, wm_ipfix_field_fn fn,
		      void *ctx)
{
	const bool in_flow = (flags & WM_IPFIX_STREAM_IN_FLOW) != 0;
	/* In its flow's record, only a reverse stream names its ESP or MACsec identity. */
	const bool rev = in_flow && s->dir != 0, all_ids = !in_flow || s->dir != 0;
	const bool counters = in_flow || (flags & WM_IPFIX_STREAM_COUNTERS) != 0;
	const struct view_field *vf;
	struct wm_ipfix_value v;
	char name[64];
	int rc = 0;

	for (vf = v_stream; vf->when != W_END && rc == 0; vf++) {
		if (!stream_has(vf->when, s, all_ids, counters))
			continue;
		stream_value(&vf->f, s, &v);
		rc = fn(ctx, field_name(&vf->f, rev, name, sizeof(name)), &v);
	}
	return rc;
}
