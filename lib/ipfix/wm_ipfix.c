/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The IPFIX encoder. Templates are lists of field definitions; each
 * definition names the element, its length on the wire and where its
 * value comes from in a struct wm_flow_export. An encoder compiles the
 * lists of its mode once (uniflow drops the reverse elements), and a
 * record is written by walking its template's list: a switch per field,
 * no allocation, no branch on anything but the field's source.
 *
 * Messages are built in place: the header is reserved at init and
 * written at finish; a set stays open while records of the same
 * template follow one another, so a message of N records of one template
 * carries one set header.
 */

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
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
#define SEQ_COUNTER_FIELD(f, n) \
	{WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_##f, 8, F_S_COUNTER, S_OWN, WM_SEQ_CTR_##f},
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

/* An MPLS label stack section (RFC 3032 entry without TTL), 0 when the stack is shorter. */
static void
put_lse(uint8_t **p, const struct wm_flow_export *e, unsigned int i)
{
	uint32_t v = i < e->n_mpls && i < WM_PKT_MAX_MPLS ? e->mpls[i] >> 8 : 0;
	const uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	putb(p, b, 3);
}

/* A tunnel endpoint as an IPv6 address: IPv4 mapped (RFC 4291 2.5.5.2), :: for none. */
static void
put_outer(uint8_t **p, const uint8_t *a, uint8_t encap_flags)
{
	uint8_t b[16] = {0};

	if (encap_flags & WM_PKT_E_OUTER_V6) {
		memcpy(b, a, 16);
	} else if (encap_flags & WM_PKT_E_OUTER_V4) {
		b[10] = b[11] = 0xff;
		memcpy(b + 12, a, 4);
	}
	putb(p, b, 16);
}

/*
 * One flow record's fields, oriented for the record: a uniflow reverse
 * record swaps the endpoints and takes the reverse counters.
 */
static uint8_t *
write_fields(uint8_t *p, const struct tmpl *t, const struct wm_flow_export *e, bool reverse,
	     const struct wm_seq_snapshot *st)
{
	const unsigned int fw = reverse ? 1 : 0, rv = reverse ? 0 : 1;
	const uint8_t *src = reverse ? e->dst : e->src, *dst = reverse ? e->src : e->dst;
	const struct field_def *f;

	for (f = t->f; f < t->f + t->n; f++) {
		switch (f->src) {
		case F_SRC4:
			putb(&p, src, 4);
			break;
		case F_DST4:
			putb(&p, dst, 4);
			break;
		case F_SRC6:
			putb(&p, src, 16);
			break;
		case F_DST6:
			putb(&p, dst, 16);
			break;
		case F_SPORT:
			put16(&p, reverse ? e->dport : e->sport);
			break;
		case F_DPORT:
			put16(&p, reverse ? e->sport : e->dport);
			break;
		case F_PROTO:
			put8(&p, e->proto);
			break;
		case F_PKTS:
			put64(&p, e->pkts[fw]);
			break;
		case F_OCTETS:
			put64(&p, e->octets[fw]);
			break;
		case F_RPKTS:
			put64(&p, e->pkts[rv]);
			break;
		case F_ROCTETS:
			put64(&p, e->octets[rv]);
			break;
		case F_START_NS:
			put64(&p, wm_ipfix_ntp_time(e->start_ns));
			break;
		case F_END_NS:
			put64(&p, wm_ipfix_ntp_time(e->end_ns));
			break;
		case F_START_MS:
			put64(&p, e->start_ns / 1000000);
			break;
		case F_END_MS:
			put64(&p, e->end_ns / 1000000);
			break;
		case F_TCP:
			put16(&p, e->tcp_flags[fw]);
			break;
		case F_RTCP:
			put16(&p, e->tcp_flags[rv]);
			break;
		case F_TOS:
			put8(&p, e->tos);
			break;
		case F_MINLEN:
			put16(&p, e->min_len);
			break;
		case F_MAXLEN:
			put16(&p, e->max_len);
			break;
		case F_ICMP:
			put16(&p, e->icmp_type_code);
			break;
		case F_SPI:
			put32(&p, e->spi);
			break;
		case F_REASON:
			put8(&p, e->end_reason);
			break;
		case F_VLAN:
			put16(&p, e->vlan);
			break;
		case F_CVLAN:
			put16(&p, e->cvlan);
			break;
		case F_ENCAP:
			put8(&p, e->encap);
			break;
		case F_SEGMENT:
			put64(&p, (e->encap_flags & WM_PKT_E_SEGMENT) ? e->segment_id : 0);
			break;
		case F_TEID:
			put32(&p, (e->encap_flags & WM_PKT_E_TEID) ? e->gtp_teid : 0);
			break;
		case F_MPLS1:
		case F_MPLS2:
		case F_MPLS3:
			put_lse(&p, e, f->src - F_MPLS1);
			break;
		case F_TSRC:
			put_outer(&p, e->outer_src, e->encap_flags);
			break;
		case F_TDST:
			put_outer(&p, e->outer_dst, e->encap_flags);
			break;
		case F_INPORT:
			put32(&p, e->in_port);
			break;
		case F_FLOWDIR:
			put8(&p, IPFIX_FLOW_DIRECTION_INGRESS);
			break;
		case F_BIDIR:
			put8(&p, reverse ? IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR
					 : IPFIX_BIFLOW_DIRECTION_INITIATOR);
			break;
		case F_SMAC:
			putb(&p, reverse ? e->dmac : e->smac, 6);
			break;
		case F_DMAC:
			putb(&p, reverse ? e->smac : e->dmac, 6);
			break;
		case F_ETHTYPE:
			put16(&p, e->ethertype);
			break;
		case F_SCI:
			put64(&p, e->sci);
			break;
		case F_AN:
			put8(&p, e->an);
			break;
		case F_S_DIR:
			put8(&p, st->dir ? IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR
					 : IPFIX_BIFLOW_DIRECTION_INITIATOR);
			break;
		case F_S_KIND:
			put_varlen(&p, wm_seq_kind_name(st->kind));
			break;
		case F_S_SPI:
			put32(&p, st->esp_spi);
			break;
		case F_S_SSRC:
			put32(&p, st->rtp_ssrc);
			break;
		case F_S_TESTER:
			put16(&p, st->tester_id);
			break;
		case F_S_SCI:
			put64(&p, st->macsec_sci);
			break;
		case F_S_AN:
			put8(&p, st->macsec_an);
			break;
		case F_S_COUNTER:
			put64(&p, ((const uint64_t *)&st->c)[f->arg]);
			break;
		default: /* F_OPT never appears in a flow template */
			break;
		}
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

int
wm_ipfix_msg_add_templates(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
			   unsigned int *cursor)
{
	int added = 0;

	while (*cursor < WM_IPFIX_N_TEMPLATES) {
		const struct tmpl *t = &enc->t[*cursor];
		const uint16_t set_id =
			t->scope != 0 ? IPFIX_SET_OPTIONS_TEMPLATE : IPFIX_SET_TEMPLATE;
		const struct field_def *f;
		uint8_t *p = set_reserve(m, set_id, t->tmpl_len);

		if (p == NULL)
			break;
		put16(&p, WM_IPFIX_TID_IPV4 + *cursor);
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
