/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/ipfix, as a round trip: records made from the input (flows with
 * their streams, statistics, interface names) are encoded into messages
 * of a size the input picks, the way the exporter does (templates
 * first; a full message is finished and a new one started), and each
 * message is decoded here, from its bytes, by a decoder that shares
 * nothing with the encoder but the numbers RFC 7011 and IANA give
 * (message, set, template and options template records, field
 * specifiers with enterprise numbers, reduced-size and variable-length
 * fields). Every decoded field is compared with the value it must carry.
 *
 * The RFC 5610 information element type records go first, before the
 * templates, in messages of their own, as the exporter sends them
 * (app/wiremeter/exporter.c, ctrl_templates()). Each must decode to the
 * element wm_ipfix.h lists (WM_IPFIX_FOREACH_EE, then the stream
 * counters), scoped by the PEN the input picks; and they must agree
 * with the templates: every enterprise field of a template is described
 * by exactly one record, with a length its data type allows, and every
 * record describes a field some template has.
 *
 * Besides, the encoder's own promises: a record always fits an empty
 * message of at least WM_IPFIX_MTU_MIN bytes, the buffer is never
 * written past its size (it is allocated to exactly that, for ASan),
 * and the message's counts (records, flows, packets, octets) are the
 * decoded ones.
 */

#include <endian.h>
#include <errno.h>

#include "fuzz.h"
#include "wm_ipfix.h"

/* Numbers from RFC 7011 and the IANA registry, written here again on purpose. */
#define V_IPFIX 10
#define MSG_HDR 16
#define SET_HDR 4
#define PEN_REVERSE 29305
#define NTP_OFFSET 2208988800ULL
#define VARLEN 65535

#define MAX_TEMPLATES 32
#define MAX_FIELDS 64
#define MAX_RECORDS 512 /* expected records waiting for their message */

/* RFC 5610: the information element type options template and its elements. */
#define TID_IETYPE 270
#define IE_PEN 346
#define IE_ID 303
#define IE_TYPE 339
#define IE_SEMANTICS 344
#define IE_UNITS 345
#define IE_RANGE_BEGIN 342
#define IE_RANGE_END 343
#define IE_NAME 341
#define IE_DESCRIPTION 340
/* informationElementDataType, informationElementSemantics and units, as IANA numbers them. */
#define DT_UNSIGNED8 1
#define DT_UNSIGNED16 2
#define DT_UNSIGNED32 3
#define DT_UNSIGNED64 4
#define DT_STRING 13
#define DT_IPV6_ADDRESS 19
#define SEM_TOTAL_COUNTER 2 /* after default (0) and quantity (1) */
#define UNITS_NONE 0
#define UNITS_PACKETS 3
#define EE_COUNTERS 10 /* the first stream counter's element */

struct field {
	uint16_t ie;
	uint16_t len;
	uint32_t pen; /* 0: IANA (no enterprise bit) */
};

struct template
{
	uint16_t id;
	uint16_t n;
	uint16_t scope; /* 0: a (data) template */
	struct field f[MAX_FIELDS];
};

enum rec_type { R_FLOW, R_STREAM, R_EXPORT, R_METER, R_IFACE, R_IETYPE };

/*
 * An enterprise element as its type record must describe it. A stream
 * counter's semantics and units are not listed: checked by kind
 * (check_ietype_counter()).
 */
struct ietype {
	uint16_t id;
	uint8_t type, sem;
	const char *name, *descr; /* descr NULL: a stream counter's, any text but none */
};

/* wiremeter's elements: those wm_ipfix.h lists, then one per stream counter. */
static const struct ietype ee_listed[] = {
#define EE_LISTED(sym, id, name, type, sem, descr) {id, type, sem, name, descr},
	WM_IPFIX_FOREACH_EE(EE_LISTED)
#undef EE_LISTED
};

#define N_EE_LISTED (sizeof(ee_listed) / sizeof(ee_listed[0]))
#define N_EE (N_EE_LISTED + WM_SEQ_CTR_MAX)

/* A record the harness gave the encoder, with what it must decode to. */
struct expect {
	enum rec_type type;
	uint16_t tid;
	bool reverse; /* R_FLOW: the uniflow reverse record */
	struct wm_flow_export e;
	struct wm_seq_snapshot s;
	struct wm_ipfix_export_stats xs;
	struct wm_ipfix_meter_stats ms;
	uint32_t ifindex;
	char name[256], descr[256];
	struct ietype it; /* R_IETYPE */
};

static struct {
	uint32_t pen;
	bool uniflow;
	uint32_t domain;
	struct template t[MAX_TEMPLATES];
	unsigned int n_t;
	struct expect exp[MAX_RECORDS];
	unsigned int n_exp, next_exp; /* given, and decoded so far */
	uint32_t data_records;	      /* data records in finished messages: the next sequence */
	struct ietype types[N_EE];    /* the type records decoded, in order */
	unsigned int n_types;
	bool type_used[N_EE]; /* a template has a field of types[i] */
} st;

static uint64_t
be(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | *p++;
	return v;
}

static const struct template *
template_find(uint16_t id)
{
	unsigned int i;

	for (i = 0; i < st.n_t; i++)
		if (st.t[i].id == id)
			return &st.t[i];
	return NULL;
}

/* Can a field of @p len bytes carry data type @p type (RFC 7011 §6.2: unsigned ones reduced)? */
static bool
length_fits(uint8_t type, uint16_t len)
{
	switch (type) {
	case DT_UNSIGNED8:
		return len == 1;
	case DT_UNSIGNED16:
		return len >= 1 && len <= 2;
	case DT_UNSIGNED32:
		return len >= 1 && len <= 4;
	case DT_UNSIGNED64:
		return len >= 1 && len <= 8;
	case DT_STRING:
		return len == VARLEN;
	case DT_IPV6_ADDRESS:
		return len == 16;
	}
	return false;
}

/*
 * The type records went before the templates: each of our enterprise
 * fields has one, and its length fits the type the record gives.
 */
static void
check_template_types(const struct template *t)
{
	unsigned int i, k;

	for (i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];

		if (f->pen != st.pen)
			continue;
		for (k = 0; k < st.n_types && st.types[k].id != f->ie; k++)
			;
		FUZZ_CHECK(k < st.n_types, "template %u: element %u/%u has no type record", t->id,
			   f->pen, f->ie);
		FUZZ_CHECK(length_fits(st.types[k].type, f->len),
			   "template %u: %s (type %u) in %u bytes", t->id, st.types[k].name,
			   st.types[k].type, f->len);
		st.type_used[k] = true;
	}
}

/* RFC 5610 §3.9: the type records are scoped by privateEnterpriseNumber and informationElementId. */
static void
check_ietype_template(const struct template *t)
{
	FUZZ_CHECK(t->scope == 2 && t->f[0].pen == 0 && t->f[0].ie == IE_PEN && t->f[0].len == 4 &&
			   t->f[1].pen == 0 && t->f[1].ie == IE_ID && t->f[1].len == 2,
		   "template %u: the scope is not (privateEnterpriseNumber, informationElementId)",
		   t->id);
}

/* Template and options template sets (RFC 7011 §3.4.1, §3.4.2.2). */
static void
decode_templates(const uint8_t *p, size_t n, bool options)
{
	const size_t hdr = options ? 6 : 4;

	while (n >= hdr) {
		struct template t = {.id = (uint16_t)be(p, 2), .n = (uint16_t)be(p + 2, 2)};
		unsigned int i;

		t.scope = options ? (uint16_t)be(p + 4, 2) : 0;
		FUZZ_CHECK(t.id >= 256, "template ID %u", t.id);
		FUZZ_CHECK(t.n >= 1 && t.n <= MAX_FIELDS, "template %u: %u fields", t.id, t.n);
		if (options)
			FUZZ_CHECK(t.scope >= 1 && t.scope <= t.n, "template %u: scope %u of %u",
				   t.id, t.scope, t.n);
		p += hdr;
		n -= hdr;
		for (i = 0; i < t.n; i++) {
			FUZZ_CHECK(n >= 4, "template %u cut in field %u", t.id, i);
			t.f[i].ie = (uint16_t)be(p, 2);
			t.f[i].len = (uint16_t)be(p + 2, 2);
			p += 4;
			n -= 4;
			if (t.f[i].ie & 0x8000) {
				FUZZ_CHECK(n >= 4, "template %u cut in a PEN", t.id);
				t.f[i].ie &= 0x7fff;
				t.f[i].pen = (uint32_t)be(p, 4);
				FUZZ_CHECK(t.f[i].pen != 0, "template %u: PEN 0 is reserved", t.id);
				p += 4;
				n -= 4;
			}
			FUZZ_CHECK(t.f[i].len != 0, "template %u field %u has length 0", t.id, i);
		}
		FUZZ_CHECK(template_find(t.id) == NULL, "template %u sent twice", t.id);
		if (t.id == TID_IETYPE)
			check_ietype_template(&t);
		check_template_types(&t);
		FUZZ_CHECK(st.n_t < MAX_TEMPLATES, "too many templates");
		st.t[st.n_t++] = t;
	}
	FUZZ_CHECK(n == 0, "%zu bytes after the template records", n);
}

static void
check_uint(const struct field *f, const uint8_t *v, uint64_t want, const char *what)
{
	FUZZ_CHECK(f->len <= 8, "%s: length %u", what, f->len);
	FUZZ_CHECK(f->len == 8 || want >> (8 * f->len) == 0,
		   "%s: %" PRIu64 " does not fit %u bytes (reduced size)", what, want, f->len);
	FUZZ_CHECK(be(v, f->len) == want, "%s: %" PRIu64 " decoded, %" PRIu64 " given", what,
		   be(v, f->len), want);
}

static void
check_bytes(const struct field *f, const uint8_t *v, const void *want, size_t n, const char *what)
{
	FUZZ_CHECK(f->len == n && memcmp(v, want, n) == 0, "%s differs", what);
}

/* dateTimeNanoseconds: NTP seconds (era wraps) and a fraction that floors to the ns. */
static void
check_ntp(const struct field *f, const uint8_t *v, uint64_t ns, const char *what)
{
	const uint64_t x = be(v, 8);
	const uint64_t sec = x >> 32, frac = x & 0xffffffffu;

	FUZZ_CHECK(f->len == 8, "%s: length %u", what, f->len);
	FUZZ_CHECK(((sec - NTP_OFFSET) & 0xffffffffu) == ((ns / 1000000000u) & 0xffffffffu),
		   "%s: seconds", what);
	FUZZ_CHECK((frac * 1000000000u) >> 32 == ns % 1000000000u,
		   "%s: %" PRIu64 " ns decoded, %" PRIu64 " given", what,
		   (frac * 1000000000u) >> 32, ns % 1000000000u);
}

static void
check_string(const struct field *f, const uint8_t *v, size_t n, const char *want, const char *what)
{
	size_t k = strlen(want);

	FUZZ_CHECK(f->len == VARLEN, "%s: a string is variable-length", what);
	if (k > WM_IPFIX_NAME_MAX)
		k = WM_IPFIX_NAME_MAX;
	FUZZ_CHECK(n == k && memcmp(v, want, k) == 0, "%s: '%.*s' decoded, '%.*s' given", what,
		   (int)n, (const char *)v, (int)k, want);
}

static const char *
kind_name(uint8_t kind)
{
	static const char *const names[] = {"macsec", "esp", "rtp", "tester"};

	return kind < 4 ? names[kind] : "unknown";
}

/* An MPLS label stack section: the entry without its TTL, 0 past the stack. */
static uint64_t
lse(const struct wm_flow_export *e, unsigned int i)
{
	return i < e->n_mpls && i < WM_PKT_MAX_MPLS ? e->mpls[i] >> 8 : 0;
}

/*
 * A tunnelled flow's own elements: encapsulation, gtpTeid and the tunnel
 * endpoints (ipv6Address: an IPv4 underlay IPv4-mapped, none ::). A uniflow
 * reverse record swaps the endpoints, as it swaps the flow's addresses.
 */
static bool
check_tunnel_own(const struct wm_flow_export *e, const struct field *f, const uint8_t *v,
		 bool reverse)
{
	const uint8_t *first = reverse ? e->outer_dst : e->outer_src;
	const uint8_t *second = reverse ? e->outer_src : e->outer_dst;
	uint8_t a[16] = {0};

	switch (f->ie) {
	case 6:
		check_uint(f, v, e->encap, "encapsulation");
		return true;
	case 7:
		check_uint(f, v, (e->encap_flags & WM_PKT_E_TEID) ? e->gtp_teid : 0, "gtpTeid");
		return true;
	case 8:
	case 9:
		if (e->encap_flags & WM_PKT_E_OUTER_V4) {
			a[10] = a[11] = 0xff;
			memcpy(a + 12, f->ie == 8 ? first : second, 4);
		} else if (e->encap_flags & WM_PKT_E_OUTER_V6) {
			memcpy(a, f->ie == 8 ? first : second, 16);
		}
		check_bytes(f, v, a, 16, "tunnelAddress");
		return true;
	}
	return false;
}

/* A flow or stream field; returns false for an element such a record does not carry. */
static bool
check_flow_field(const struct expect *x, const struct field *f, const uint8_t *v, size_t n)
{
	const struct wm_flow_export *e = &x->e;
	const bool r = x->reverse, stream = x->type == R_STREAM;
	const unsigned int fw = r ? 1 : 0, rv = r ? 0 : 1;
	const uint8_t *src = r ? e->dst : e->src, *dst = r ? e->src : e->dst;

	if (f->pen == PEN_REVERSE && !st.uniflow && !stream) {
		switch (f->ie) {
		case 1:
			check_uint(f, v, e->octets[1], "reverseOctetDeltaCount");
			return true;
		case 2:
			check_uint(f, v, e->pkts[1], "reversePacketDeltaCount");
			return true;
		case 6:
			check_uint(f, v, e->tcp_flags[1], "reverseTcpControlBits");
			return true;
		}
		return false;
	}
	if (f->pen == st.pen && f->pen != 0) {
		if (stream && f->ie >= 10 && f->ie < 10 + WM_SEQ_CTR_MAX) {
			check_uint(f, v, wm_seq_counter_get(&x->s.c, f->ie - 10),
				   wm_seq_counter_name(f->ie - 10));
			return true;
		}
		switch (f->ie) {
		case 1:
			check_uint(f, v, stream ? x->s.macsec_sci : e->sci, "macsecSCI");
			return true;
		case 2:
			check_uint(f, v, stream ? x->s.macsec_an : e->an, "macsecAN");
			return true;
		}
		if (!stream)
			return check_tunnel_own(e, f, v, r);
		switch (f->ie) {
		case 3:
			check_string(f, v, n, kind_name(x->s.kind), "seqStreamKind");
			return true;
		case 4:
			check_uint(f, v, x->s.rtp_ssrc, "rtpSSRC");
			return true;
		case 5:
			check_uint(f, v, x->s.tester_id, "testerStreamId");
			return true;
		}
		return false;
	}
	if (f->pen != 0)
		return false;
	switch (f->ie) {
	case 7:
		check_uint(f, v, r ? e->dport : e->sport, "sourceTransportPort");
		return true;
	case 11:
		check_uint(f, v, r ? e->sport : e->dport, "destinationTransportPort");
		return true;
	case 4:
		check_uint(f, v, e->proto, "protocolIdentifier");
		return true;
	case 8:
		check_bytes(f, v, src, 4, "sourceIPv4Address");
		return true;
	case 12:
		check_bytes(f, v, dst, 4, "destinationIPv4Address");
		return true;
	case 27:
		check_bytes(f, v, src, 16, "sourceIPv6Address");
		return true;
	case 28:
		check_bytes(f, v, dst, 16, "destinationIPv6Address");
		return true;
	case 56:
		check_bytes(f, v, r ? e->dmac : e->smac, 6, "sourceMacAddress");
		return true;
	case 80:
		check_bytes(f, v, r ? e->smac : e->dmac, 6, "destinationMacAddress");
		return true;
	case 256:
		check_uint(f, v, e->ethertype, "ethernetType");
		return true;
	case 156:
		check_ntp(f, v, e->start_ns, "flowStartNanoseconds");
		return true;
	case 157:
		check_ntp(f, v, e->end_ns, "flowEndNanoseconds");
		return true;
	case 10:
		check_uint(f, v, e->in_port, "ingressInterface");
		return true;
	case 239:
		check_uint(f, v, (stream ? x->s.dir != 0 : r) ? 2 : 1, "biflowDirection");
		return true;
	}
	if (stream) {
		if (f->ie == 295) {
			check_uint(f, v, x->s.esp_spi, "ipsecSPI");
			return true;
		}
		return false;
	}
	switch (f->ie) {
	case 1:
		check_uint(f, v, e->octets[fw], "octetDeltaCount");
		return true;
	case 2:
		check_uint(f, v, e->pkts[fw], "packetDeltaCount");
		return true;
	case 152:
		check_uint(f, v, e->start_ns / 1000000, "flowStartMilliseconds");
		return true;
	case 153:
		check_uint(f, v, e->end_ns / 1000000, "flowEndMilliseconds");
		return true;
	case 6:
		check_uint(f, v, e->tcp_flags[fw], "tcpControlBits");
		return true;
	case 5:
		check_uint(f, v, e->tos, "ipClassOfService");
		return true;
	case 25:
		check_uint(f, v, e->min_len, "minimumIpTotalLength");
		return true;
	case 26:
		check_uint(f, v, e->max_len, "maximumIpTotalLength");
		return true;
	case 32:
	case 139:
		check_uint(f, v, e->icmp_type_code, "icmpTypeCode");
		return true;
	case 295:
		check_uint(f, v, e->spi, "ipsecSPI");
		return true;
	case 136:
		check_uint(f, v, e->end_reason, "flowEndReason");
		return true;
	case 58:
		check_uint(f, v, e->vlan, "vlanId");
		return true;
	case 245:
		check_uint(f, v, e->cvlan, "dot1qCustomerVlanId");
		return true;
	case 351:
		check_uint(f, v, (e->encap_flags & WM_PKT_E_SEGMENT) ? e->segment_id : 0,
			   "layer2SegmentId");
		return true;
	case 70:
	case 71:
	case 72:
		check_uint(f, v, lse(e, f->ie - 70u), "mplsLabelStackSection");
		return true;
	case 61:
		check_uint(f, v, 0, "flowDirection (ingress)");
		return true;
	}
	(void)rv;
	return false;
}

static bool
check_stats_field(const struct expect *x, const struct field *f, const uint8_t *v, size_t n)
{
	if (f->pen != 0)
		return false;
	if (x->type == R_IFACE) {
		switch (f->ie) {
		case 10:
			check_uint(f, v, x->ifindex, "ingressInterface");
			return true;
		case 82:
			check_string(f, v, n, x->name, "interfaceName");
			return true;
		case 83:
			check_string(f, v, n, x->descr, "interfaceDescription");
			return true;
		}
		return false;
	}
	if (f->ie == 149) {
		check_uint(f, v, x->type == R_EXPORT ? x->xs.domain_id : x->ms.domain_id,
			   "observationDomainId");
		return true;
	}
	if (x->type == R_EXPORT) {
		switch (f->ie) {
		case 41:
			check_uint(f, v, x->xs.messages, "exportedMessageTotalCount");
			return true;
		case 42:
			check_uint(f, v, x->xs.records, "exportedFlowRecordTotalCount");
			return true;
		case 40:
			check_uint(f, v, x->xs.octets, "exportedOctetTotalCount");
			return true;
		case 166:
			check_uint(f, v, x->xs.not_sent_flows, "notSentFlowTotalCount");
			return true;
		case 167:
			check_uint(f, v, x->xs.not_sent_pkts, "notSentPacketTotalCount");
			return true;
		case 168:
			check_uint(f, v, x->xs.not_sent_octets, "notSentOctetTotalCount");
			return true;
		case 160:
			check_uint(f, v, x->xs.init_time_ms, "systemInitTimeMilliseconds");
			return true;
		}
		return false;
	}
	switch (f->ie) {
	case 163:
		check_uint(f, v, x->ms.observed_flows, "observedFlowTotalCount");
		return true;
	case 86:
		check_uint(f, v, x->ms.packets, "packetTotalCount");
		return true;
	case 85:
		check_uint(f, v, x->ms.octets, "octetTotalCount");
		return true;
	case 164:
		check_uint(f, v, x->ms.ignored_pkts, "ignoredPacketTotalCount");
		return true;
	case 160:
		check_uint(f, v, x->ms.init_time_ms, "systemInitTimeMilliseconds");
		return true;
	}
	return false;
}

/*
 * A type record's field. A stream counter counts packets since its
 * stream began, or is a quantity, or neither (the first and last
 * numbers seen): never a delta, and in packets or no unit.
 */
static bool
check_ietype_field(const struct expect *x, const struct field *f, const uint8_t *v, size_t n)
{
	const struct ietype *it = &x->it;
	const bool counter = it->descr == NULL;

	if (f->pen != 0)
		return false;
	switch (f->ie) {
	case IE_PEN:
		check_uint(f, v, st.pen, "privateEnterpriseNumber");
		return true;
	case IE_ID:
		check_uint(f, v, it->id, "informationElementId");
		return true;
	case IE_TYPE:
		check_uint(f, v, it->type, "informationElementDataType");
		return true;
	case IE_SEMANTICS:
		FUZZ_CHECK(f->len == 1, "informationElementSemantics: length %u", f->len);
		FUZZ_CHECK(counter ? v[0] <= SEM_TOTAL_COUNTER : v[0] == it->sem,
			   "%s: semantics %u", it->name, v[0]);
		return true;
	case IE_UNITS:
		FUZZ_CHECK(f->len == 2, "informationElementUnits: length %u", f->len);
		FUZZ_CHECK(be(v, 2) == UNITS_NONE || (counter && be(v, 2) == UNITS_PACKETS),
			   "%s: units %" PRIu64, it->name, be(v, 2));
		return true;
	case IE_RANGE_BEGIN:
	case IE_RANGE_END:
		check_uint(f, v, 0, "informationElementRange (none)");
		return true;
	case IE_NAME:
		check_string(f, v, n, it->name, "informationElementName");
		return true;
	case IE_DESCRIPTION:
		if (!counter)
			check_string(f, v, n, it->descr, "informationElementDescription");
		else
			FUZZ_CHECK(f->len == VARLEN && n > 0, "%s: no description", it->name);
		return true;
	}
	return false;
}

/* The elements without which a record would not say what it is. */
static unsigned int
must_have(const struct expect *x)
{
	switch (x->type) {
	case R_FLOW:
		/* start and end (ns, ms), counts, end reason, interface, directions */
		return 10 + (st.uniflow ? 0 : 2);
	case R_STREAM:
		return 5 + WM_SEQ_CTR_MAX;
	case R_EXPORT:
		return 8;
	case R_METER:
		return 6;
	case R_IETYPE:
		return 9; /* all of them: libfixbuf reads no fewer */
	default:
		return 3;
	}
}

/* One data record at p (n bytes left in the set); returns its length. */
static size_t
decode_record(const struct template *t, const uint8_t *p, size_t n, struct wm_ipfix_msg *sum)
{
	const struct expect *x;
	size_t off = 0;
	unsigned int i, known = 0;

	FUZZ_CHECK(st.next_exp < st.n_exp, "a record no one gave (template %u)", t->id);
	x = &st.exp[st.next_exp++];
	FUZZ_CHECK(t->id == x->tid, "template %u where %u was due", t->id, x->tid);
	FUZZ_CHECK((t->scope != 0) == (x->type != R_FLOW), "options records are not flows");
	for (i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];
		size_t len = f->len;
		bool ok;

		if (len == VARLEN) {
			FUZZ_CHECK(off < n, "record cut in a length");
			len = p[off++];
			if (len == 255) {
				FUZZ_CHECK(off + 2 <= n, "record cut in a long length");
				len = (size_t)be(p + off, 2);
				off += 2;
			}
		}
		FUZZ_CHECK(off + len <= n, "record cut in field %u (ie %u)", i, f->ie);
		if (x->type == R_FLOW || x->type == R_STREAM)
			ok = check_flow_field(x, f, p + off, len);
		else if (x->type == R_IETYPE)
			ok = check_ietype_field(x, f, p + off, len);
		else
			ok = check_stats_field(x, f, p + off, len);
		FUZZ_CHECK(ok, "template %u: element %u/%u has no business here", t->id, f->pen,
			   f->ie);
		known++;
		off += len;
	}
	FUZZ_CHECK(known >= must_have(x), "template %u: %u elements", t->id, known);
	if (x->type == R_IETYPE) {
		FUZZ_CHECK(st.n_types < N_EE, "more type records than elements");
		for (i = 0; i < st.n_types; i++)
			FUZZ_CHECK(st.types[i].id != x->it.id, "element %u described twice",
				   x->it.id);
		st.types[st.n_types++] = x->it;
	}
	sum->records++;
	if (x->type == R_FLOW) {
		sum->flows++;
		if (!x->reverse) {
			sum->pkts += x->e.pkts[0] + x->e.pkts[1];
			sum->octets += x->e.octets[0] + x->e.octets[1];
		}
	}
	return off;
}

/* The smallest record a template can give: every variable-length field empty. */
static size_t
min_record(const struct template *t)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < t->n; i++)
		n += t->f[i].len == VARLEN ? 1 : t->f[i].len;
	return n;
}

static void
decode_message(const uint8_t *msg, size_t len, const struct wm_ipfix_msg *m, uint32_t when)
{
	struct wm_ipfix_msg sum = {0};
	size_t off = MSG_HDR;

	FUZZ_CHECK(len >= MSG_HDR && len <= m->cap, "message of %zu bytes, room %u", len, m->cap);
	FUZZ_CHECK(be(msg, 2) == V_IPFIX, "version %" PRIu64, be(msg, 2));
	FUZZ_CHECK(be(msg + 2, 2) == len, "length %" PRIu64 " of %zu", be(msg + 2, 2), len);
	FUZZ_CHECK(be(msg + 4, 4) == when, "export time");
	FUZZ_CHECK(be(msg + 8, 4) == st.data_records, "sequence %" PRIu64 ", %u records before",
		   be(msg + 8, 4), st.data_records);
	FUZZ_CHECK(be(msg + 12, 4) == st.domain, "observation domain");
	while (off < len) {
		uint16_t id;
		size_t slen, n;
		const uint8_t *p = msg + off + SET_HDR;

		FUZZ_CHECK(off + SET_HDR <= len, "set header cut");
		id = (uint16_t)be(msg + off, 2);
		slen = (size_t)be(msg + off + 2, 2);
		FUZZ_CHECK(slen > SET_HDR && off + slen <= len, "set %u: length %zu at %zu of %zu",
			   id, slen, off, len);
		n = slen - SET_HDR;
		if (id == 2 || id == 3) {
			decode_templates(p, n, id == 3);
		} else {
			const struct template *t = template_find(id);
			size_t least;

			FUZZ_CHECK(id >= 256, "set ID %u", id);
			FUZZ_CHECK(t != NULL, "data set %u before its template", id);
			least = min_record(t);
			while (n >= least && n > 0) {
				size_t k = decode_record(t, p, n, &sum);

				p += k;
				n -= k;
			}
			/* What is left is padding, shorter than a record and zero (RFC 7011 §3.3.1). */
			while (n-- > 0)
				FUZZ_CHECK(*p++ == 0, "set %u: padding is not zero", id);
		}
		off += slen;
	}
	FUZZ_CHECK(sum.records == m->records && sum.flows == m->flows && sum.pkts == m->pkts &&
			   sum.octets == m->octets,
		   "the message counts %u records %u flows, %u and %u decoded", m->records,
		   m->flows, sum.records, sum.flows);
}

/* Finish, decode, and start the next message. */
static void
flush(struct wm_ipfix_msg *m, uint8_t *buf, uint16_t cap, uint32_t when)
{
	uint16_t len = wm_ipfix_msg_finish(m, when, st.data_records);

	decode_message(buf, len, m, when);
	FUZZ_CHECK(st.next_exp == st.n_exp, "%u records given, %u decoded", st.n_exp, st.next_exp);
	st.data_records += m->records;
	st.n_exp = st.next_exp = 0;
	wm_ipfix_msg_init(m, buf, cap, st.domain);
}

static uint16_t
tid_of(const struct wm_flow_export *e)
{
	const bool esp = (e->flags & WM_FLOW_REC_F_ESP) != 0;

	if (wm_flow_export_tunnelled(e))
		return e->kind == WM_FLOW_KIND_IPV4 ? 268 : 269;
	switch (e->kind) {
	case WM_FLOW_KIND_IPV4:
		return esp ? 260 : 256;
	case WM_FLOW_KIND_IPV6:
		return esp ? 261 : 257;
	case WM_FLOW_KIND_MACSEC:
		return 259;
	default:
		return 258;
	}
}

/* Which records one operation gives, in the order they must decode. */
static unsigned int
expect_flow(struct expect *x, const struct wm_flow_export *e, const struct wm_seq_snapshot *s,
	    unsigned int n_s)
{
	const uint16_t tid = tid_of(e);
	const uint16_t sid = tid == 256 || tid == 260 || tid == 268   ? 265
			     : tid == 257 || tid == 261 || tid == 269 ? 266
								      : 267;
	unsigned int k = 0, i;

	x[k] = (struct expect){.type = R_FLOW, .tid = tid, .e = *e};
	k++;
	if (st.uniflow && e->pkts[1] != 0) {
		x[k] = (struct expect){.type = R_FLOW, .tid = tid, .reverse = true, .e = *e};
		k++;
	}
	for (i = 0; i < n_s; i++) {
		x[k] = (struct expect){.type = R_STREAM, .tid = sid, .e = *e, .s = s[i]};
		k++;
	}
	return k;
}

static void
read_string(struct fuzz_in *in, char *s, size_t size)
{
	size_t n = fuzz_u8(in);

	if (n >= size)
		n = size - 1;
	fuzz_fill(in, s, n);
	s[n] = '\0';
}

/* Type record @p i: wm_ipfix.h's list, then the stream counters, each an unsigned64. */
static struct ietype
ietype_expected(unsigned int i)
{
	if (i < N_EE_LISTED)
		return ee_listed[i];
	return (struct ietype){.id = (uint16_t)(EE_COUNTERS + i - N_EE_LISTED),
			       .type = DT_UNSIGNED64,
			       .name = wm_seq_counter_name(i - N_EE_LISTED)};
}

/*
 * The RFC 5610 type records, their template first, in as many messages
 * as they take, each sent when full or when the last record is in: the
 * exporter's ctrl_templates() begins the templates in a message of
 * their own.
 */
static void
send_type_records(struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc, uint8_t *buf,
		  uint16_t cap, uint32_t when)
{
	unsigned int cursor = 0, from, first, i;
	int rc;

	FUZZ_CHECK(wm_ipfix_type_records() == N_EE, "%u type records for %zu elements",
		   wm_ipfix_type_records(), N_EE);
	while (cursor <= N_EE) {
		from = cursor;
		rc = wm_ipfix_msg_add_type_records(m, enc, &cursor);
		FUZZ_CHECK(rc > 0, "type record %u does not fit an empty message of %u bytes",
			   cursor, cap);
		/* cursor 0 is the template; cursor k >= 1 is record k - 1. rc counts records. */
		first = from > 0 ? from : 1;
		FUZZ_CHECK(rc == (int)(cursor - first), "%d records appended, cursor %u to %u", rc,
			   from, cursor);
		for (i = first; i < cursor; i++) {
			FUZZ_CHECK(st.n_exp < MAX_RECORDS, "too many records in one message");
			st.exp[st.n_exp++] = (struct expect){
				.type = R_IETYPE, .tid = TID_IETYPE, .it = ietype_expected(i - 1)};
		}
		flush(m, buf, cap, when);
	}
}

/*
 * Add one record (or a flow's group) as the exporter does: when it does
 * not fit, the message goes and the record starts the next one, where it
 * must fit.
 */
static void
add_one(struct fuzz_in *in, struct wm_ipfix_msg *m, const struct wm_ipfix_encoder *enc,
	uint8_t *buf, uint16_t cap, uint32_t when)
{
	const uint8_t op = fuzz_u8(in);
	struct expect x[4];
	unsigned int n_x, attempt;
	int rc = 0, want;

	memset(x, 0, sizeof(x));
	switch (op % 4) {
	case 0: { /* a flow and up to two streams */
		struct wm_flow_export e;
		struct wm_seq_snapshot s[2];
		unsigned int n_s = (op >> 2) % 3;

		fuzz_fill(in, &e, sizeof(e));
		fuzz_fill(in, s, sizeof(s));
		e.kind %= 5;
		n_x = expect_flow(x, &e, s, n_s);
		for (attempt = 0; attempt < 2; attempt++) {
			rc = wm_ipfix_msg_add_flow(m, enc, &e, s, n_s);
			if (rc != -ENOSPC)
				break;
			FUZZ_CHECK(!wm_ipfix_msg_empty(m),
				   "a flow with %u streams does not fit"
				   " an empty message of %u bytes",
				   n_s, cap);
			flush(m, buf, cap, when);
		}
		break;
	}
	case 1:
		x[0].type = R_EXPORT;
		x[0].tid = 262;
		fuzz_fill(in, &x[0].xs, sizeof(x[0].xs));
		n_x = 1;
		for (attempt = 0; attempt < 2; attempt++) {
			rc = wm_ipfix_msg_add_export_stats(m, enc, &x[0].xs);
			if (rc != -ENOSPC)
				break;
			FUZZ_CHECK(!wm_ipfix_msg_empty(m), "statistics do not fit");
			flush(m, buf, cap, when);
		}
		break;
	case 2:
		x[0].type = R_METER;
		x[0].tid = 263;
		fuzz_fill(in, &x[0].ms, sizeof(x[0].ms));
		n_x = 1;
		for (attempt = 0; attempt < 2; attempt++) {
			rc = wm_ipfix_msg_add_meter_stats(m, enc, &x[0].ms);
			if (rc != -ENOSPC)
				break;
			FUZZ_CHECK(!wm_ipfix_msg_empty(m), "statistics do not fit");
			flush(m, buf, cap, when);
		}
		break;
	default:
		x[0].type = R_IFACE;
		x[0].tid = 264;
		x[0].ifindex = fuzz_u32(in);
		read_string(in, x[0].name, sizeof(x[0].name));
		read_string(in, x[0].descr, sizeof(x[0].descr));
		n_x = 1;
		for (attempt = 0; attempt < 2; attempt++) {
			rc = wm_ipfix_msg_add_interface(m, enc, x[0].ifindex, x[0].name,
							x[0].descr);
			if (rc != -ENOSPC)
				break;
			FUZZ_CHECK(!wm_ipfix_msg_empty(m), "an interface record does not fit");
			flush(m, buf, cap, when);
		}
		break;
	}
	want = (int)n_x;
	FUZZ_CHECK(rc == want, "%d records appended, %d expected", rc, want);
	FUZZ_CHECK(st.n_exp + n_x <= MAX_RECORDS, "too many records in one message");
	memcpy(&st.exp[st.n_exp], x, n_x * sizeof(x[0]));
	st.n_exp += n_x;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct wm_ipfix_params p;
	struct wm_ipfix_encoder *enc;
	struct wm_ipfix_msg m;
	const uint8_t how = fuzz_u8(&in);
	const uint16_t size_pick = fuzz_u16(&in);
	const uint32_t when = fuzz_u32(&in);
	unsigned int cursor = 0, ops = 0, i;
	uint16_t cap, lo;
	uint8_t *buf;

	memset(&st, 0, sizeof(st));
	st.uniflow = (how & 1) != 0;
	st.pen = fuzz_u32(&in);
	st.domain = fuzz_u32(&in);
	p.mode = st.uniflow ? WM_IPFIX_UNIFLOW : WM_IPFIX_BIFLOW;
	p.pen = st.pen;
	errno = 0;
	enc = wm_ipfix_encoder_create(&p);
	if (st.pen == 0 || st.pen == PEN_REVERSE) {
		/* Reserved, and RFC 5103's: the elements would not be ours. */
		FUZZ_CHECK(enc == NULL && errno == EINVAL, "PEN %u taken", st.pen);
		return 0;
	}
	FUZZ_CHECK(enc != NULL, "encoder");
	lo = wm_ipfix_encoder_min_mtu(enc);
	FUZZ_CHECK(lo <= WM_IPFIX_MTU_MIN, "smallest message %u above the floor %u", lo,
		   WM_IPFIX_MTU_MIN);
	/* Mostly small messages, where records meet the edge often. */
	lo = WM_IPFIX_MTU_MIN;
	cap = (how & 2) ? lo + size_pick % (WM_IPFIX_MTU_MAX - lo + 1) : lo + size_pick % 512;
	buf = malloc(cap);
	FUZZ_CHECK(buf != NULL, "malloc");
	wm_ipfix_msg_init(&m, buf, cap, st.domain);

	/* The type records, then the templates, as many messages as they take. */
	send_type_records(&m, enc, buf, cap, when);
	while (cursor < WM_IPFIX_N_TEMPLATES) {
		int rc = wm_ipfix_msg_add_templates(&m, enc, &cursor);

		FUZZ_CHECK(rc > 0 || !wm_ipfix_msg_empty(&m), "no template fits an empty message");
		if (cursor < WM_IPFIX_N_TEMPLATES)
			flush(&m, buf, cap, when);
	}
	while (in.n > 0 && ops++ < 256)
		add_one(&in, &m, enc, buf, cap, when);
	flush(&m, buf, cap, when);
	/* Every template, the type records' one included, and every record describes a field. */
	FUZZ_CHECK(st.n_t == WM_IPFIX_N_TEMPLATES, "%u templates decoded", st.n_t);
	FUZZ_CHECK(st.n_types == N_EE, "%u type records decoded", st.n_types);
	for (i = 0; i < st.n_types; i++)
		FUZZ_CHECK(st.type_used[i], "type record %s: no template has it", st.types[i].name);
	free(buf);
	wm_ipfix_encoder_free(enc);
	return 0;
}
