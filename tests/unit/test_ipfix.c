/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The IPFIX encoder against vectors checked by hand (RFC 7011 §3, RFC
 * 5103): message and set headers, template records with enterprise
 * fields, data records in both modes, variable-length elements, records
 * exactly at the MTU, sequence numbers across messages and the refresh
 * period.
 */

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wm_cunit.h"
#include "wm_ipfix.h"

static uint8_t buf[65536];

static struct wm_ipfix_encoder *
enc_new(enum wm_ipfix_mode mode)
{
	struct wm_ipfix_params p = {.mode = mode, .pen = WM_IPFIX_DEFAULT_PEN};
	struct wm_ipfix_encoder *e = wm_ipfix_encoder_create(&p);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

/* 10.0.0.1:1234 -> 10.0.0.2:80 TCP, 10/1000 forward, 8/5000 reverse. */
static struct wm_flow_export
flow_v4(void)
{
	struct wm_flow_export e;

	memset(&e, 0, sizeof(e));
	inet_pton(AF_INET, "10.0.0.1", e.src);
	inet_pton(AF_INET, "10.0.0.2", e.dst);
	e.sport = 1234;
	e.dport = 80;
	e.proto = 6;
	e.pkts[0] = 10;
	e.pkts[1] = 8;
	e.octets[0] = 1000;
	e.octets[1] = 5000;
	e.start_ns = 1700000000123456789ULL;
	e.end_ns = 1700000001987654321ULL;
	e.tcp_flags[0] = 0x1b;
	e.tcp_flags[1] = 0x12;
	e.tos = 0x20;
	e.min_len = 40;
	e.max_len = 1500;
	e.kind = WM_FLOW_KIND_IPV4;
	e.end_reason = 3;
	e.vlan = 100;
	e.cvlan = 200;
	e.in_port = 2;
	return e;
}

static void
test_ipfix_ntp_time(void)
{
	uint64_t ns;

	CU_ASSERT_EQUAL(wm_ipfix_ntp_time(0), 2208988800ULL << 32);
	/* Half a second is 0x80000000 of a second's 2^32 parts. */
	CU_ASSERT_EQUAL(wm_ipfix_ntp_time(1500000000ULL), (2208988801ULL << 32) | 0x80000000ULL);
	/* 1 ns is 4.29 parts, rounded up to 5 so a reader's floor gives 1 back. */
	CU_ASSERT_EQUAL(wm_ipfix_ntp_time(1), (2208988800ULL << 32) | 5);
	/* Every nanosecond of a second comes back exactly through floor(frac * 1e9 / 2^32). */
	for (ns = 0; ns < 1000000000ULL; ns += 7919) {
		uint64_t t = wm_ipfix_ntp_time(1700000000000000000ULL + ns);
		uint64_t back = ((t & 0xffffffffULL) * 1000000000ULL) >> 32;

		CU_ASSERT_EQUAL_FATAL(back, ns);
		CU_ASSERT_EQUAL_FATAL(t >> 32, 1700000000ULL + 2208988800ULL);
	}
}

/* One IPv4 biflow record, every byte. */
static void
test_ipfix_biflow_record_vector(void)
{
	static const uint8_t want[] = {
		/* message header: version 10, length 119, export time, sequence, domain */
		0x00, 0x0a, 0x00, 0x77, 0x65, 0x53, 0xf1, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00,
		0x00, 0x07,
		/* data set 256, length 103 */
		0x01, 0x00, 0x00, 0x67,
		/* sourceIPv4Address, destinationIPv4Address */
		10, 0, 0, 1, 10, 0, 0, 2,
		/* sourceTransportPort 1234, destinationTransportPort 80, protocol 6 */
		0x04, 0xd2, 0x00, 0x50, 0x06,
		/* packetDeltaCount 10, octetDeltaCount 1000 */
		0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0x03, 0xe8,
		/* reversePacketDeltaCount 8, reverseOctetDeltaCount 5000 */
		0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x13, 0x88,
		/*
		 * flowStartNanoseconds: 1700000000 + 2208988800 = 3908988800 =
		 * 0xe8fe6f80 s; 0.123456789 s * 2^32 = 530242871.2, rounded up
		 * to 530242872 = 0x1f9add38.
		 */
		0xe8, 0xfe, 0x6f, 0x80, 0x1f, 0x9a, 0xdd, 0x38,
		/* flowEndNanoseconds: 0xe8fe6f81 s; 0.987654321 * 2^32 = 4241943008.3 -> ...09 */
		0xe8, 0xfe, 0x6f, 0x81, 0xfc, 0xd6, 0xe9, 0xe1,
		/* flowStartMilliseconds 1700000000123, flowEndMilliseconds 1700000001987 */
		0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b, 0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5,
		0x6f, 0xc3,
		/* tcpControlBits 0x1b, reverseTcpControlBits 0x12, ipClassOfService 0x20 */
		0x00, 0x1b, 0x00, 0x12, 0x20,
		/* minimum 40, maximum 1500, icmpTypeCodeIPv4 0 */
		0x00, 0x28, 0x05, 0xdc, 0x00, 0x00,
		/* flowEndReason 3, vlanId 100, dot1qCustomerVlanId 200, ingressInterface 2 */
		0x03, 0x00, 0x64, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x02,
		/* flowDirection ingress, biflowDirection initiator */
		0x00, 0x01};
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_flow_export e = flow_v4();
	struct wm_ipfix_msg m;

	wm_ipfix_msg_init(&m, buf, 1400, 7);
	CU_ASSERT_TRUE(wm_ipfix_msg_empty(&m));
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 1700000000, 42), sizeof(want));
	CU_ASSERT_EQUAL(m.records, 1);
	CU_ASSERT_EQUAL(m.pkts, 18);
	CU_ASSERT_EQUAL(m.octets, 6000);
	CU_ASSERT_EQUAL(wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4), sizeof(want) - 20);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
	wm_ipfix_encoder_free(enc);
}

/* Find template @p tid in a template or options template set; returns its record or NULL. */
static const uint8_t *
find_template(const uint8_t *msg, uint16_t tid)
{
	uint16_t len = rd16(msg + 2), off = 16;

	while (off + 4 <= len) {
		uint16_t set_id = rd16(msg + off), set_len = rd16(msg + off + 2), r = off + 4;

		while ((set_id == 2 || set_id == 3) && r + 4 <= off + set_len) {
			uint16_t n = rd16(msg + r + 2), hdr = set_id == 3 ? 6 : 4, k;
			const uint8_t *f = msg + r + hdr;

			if (rd16(msg + r) == tid)
				return msg + r;
			for (k = 0; k < n; k++)
				f += (rd16(f) & 0x8000) ? 8 : 4;
			r = (uint16_t)(f - msg);
		}
		off += set_len;
	}
	return NULL;
}

static void
test_ipfix_template_vectors(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_ipfix_msg m;
	unsigned int cursor = 0;
	const uint8_t *t;

	/*
	 * Room for every template in one message (at 1400 bytes they take two);
	 * the type records' template goes with them.
	 */
	wm_ipfix_msg_init(&m, buf, 4096, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_templates(&m, enc, &cursor), WM_IPFIX_N_TEMPLATES - 1);
	CU_ASSERT_PTR_NULL(find_template(buf, WM_IPFIX_TID_OPT_IETYPE));
	CU_ASSERT_EQUAL(cursor, WM_IPFIX_N_TEMPLATES);
	CU_ASSERT_EQUAL(m.records, 0); /* template records are not data records */
	wm_ipfix_msg_finish(&m, 0, 0);
	/* The first set is a template set (2), then the options template set (3). */
	CU_ASSERT_EQUAL(rd16(buf + 16), IPFIX_SET_TEMPLATE);
	t = find_template(buf, WM_IPFIX_TID_IPV4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd16(t + 2), 25); /* field count */
	/* sourceIPv4Address, 4 bytes */
	CU_ASSERT_EQUAL(rd32(t + 4), (8u << 16) | 4);
	/* 8th field: reversePacketDeltaCount = enterprise bit | 2, length 8, PEN 29305 */
	{
		const uint8_t *f = t + 4 + 7 * 4;

		CU_ASSERT_EQUAL(rd16(f), 0x8002);
		CU_ASSERT_EQUAL(rd16(f + 2), 8);
		CU_ASSERT_EQUAL(rd32(f + 4), 29305);
	}
	/*
	 * A tunnelled IPv4 flow: the IPv4 fields, then encapsulation (ours),
	 * layer2SegmentId (IANA 351), gtpTeid, three MPLS sections (70-72)
	 * and the two tunnel endpoints, then the tail.
	 */
	t = find_template(buf, WM_IPFIX_TID_TUN4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd16(t + 2), 25 + 8);
	{
		/* 19 IPv4 fields before, 3 of them reverse elements (8 bytes). */
		const uint8_t *f = t + 4 + 19 * 4 + 3 * 4;

		CU_ASSERT_EQUAL(rd16(f), 0x8000 | WM_IPFIX_EE_ENCAPSULATION);
		CU_ASSERT_EQUAL(rd16(f + 2), 1);
		CU_ASSERT_EQUAL(rd32(f + 8), (351u << 16) | 8);
		CU_ASSERT_EQUAL(rd16(f + 12), 0x8000 | WM_IPFIX_EE_GTP_TEID);
		CU_ASSERT_EQUAL(rd32(f + 20), (70u << 16) | 3);
		CU_ASSERT_EQUAL(rd32(f + 24), (71u << 16) | 3);
		CU_ASSERT_EQUAL(rd32(f + 28), (72u << 16) | 3);
		CU_ASSERT_EQUAL(rd16(f + 32), 0x8000 | WM_IPFIX_EE_TUNNEL_SOURCE_ADDRESS);
		CU_ASSERT_EQUAL(rd16(f + 34), 16);
	}
	/* MACsec: macsecSCI under our PEN after the three L2 fields. */
	t = find_template(buf, WM_IPFIX_TID_MACSEC);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd16(t + 4 + 12), 0x8000 | WM_IPFIX_EE_MACSEC_SCI);
	CU_ASSERT_EQUAL(rd16(t + 4 + 14), 8);
	CU_ASSERT_EQUAL(rd32(t + 4 + 16), WM_IPFIX_DEFAULT_PEN);
	/* Interface options: scope count 1, interfaceName variable length. */
	t = find_template(buf, WM_IPFIX_TID_OPT_IFACE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd16(t + 2), 3);
	CU_ASSERT_EQUAL(rd16(t + 4), 1);
	CU_ASSERT_EQUAL(rd32(t + 6), (10u << 16) | 4);
	CU_ASSERT_EQUAL(rd32(t + 10), (82u << 16) | 0xffff);
	/* Reporting stats: observationDomainId is the scope. */
	t = find_template(buf, WM_IPFIX_TID_OPT_EXPORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd32(t + 6), (149u << 16) | 4);
	CU_ASSERT_EQUAL(rd32(t + 6 + 4 * 4), (166u << 16) | 8); /* notSentFlowTotalCount */
	wm_ipfix_encoder_free(enc);
}

static void
test_ipfix_uniflow_two_records(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_UNIFLOW);
	struct wm_flow_export e = flow_v4();
	uint16_t rl = wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4);
	const uint8_t *r1, *r2;
	struct wm_ipfix_msg m;
	unsigned int cursor = 0;
	const uint8_t *t;

	/* No reverse elements: 25 - 3 fields, 99 - 8 - 8 - 2 bytes. */
	CU_ASSERT_EQUAL(rl, 81);
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	wm_ipfix_msg_add_templates(&m, enc, &cursor);
	t = find_template(buf, WM_IPFIX_TID_IPV4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(rd16(t + 2), 22);

	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 2);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 0, 0), 16 + 4 + 2 * rl);
	r1 = buf + 20;
	r2 = r1 + rl;
	/* Forward: as seen. */
	CU_ASSERT_EQUAL(rd32(r1), 0x0a000001);
	CU_ASSERT_EQUAL(rd16(r1 + 8), 1234);
	CU_ASSERT_EQUAL(rd64(r1 + 13), 10);
	CU_ASSERT_EQUAL(rd64(r1 + 21), 1000);
	CU_ASSERT_EQUAL(rd16(r1 + 61), 0x1b);
	CU_ASSERT_EQUAL(r1[rl - 1], IPFIX_BIFLOW_DIRECTION_INITIATOR);
	CU_ASSERT_EQUAL(r1[rl - 2], IPFIX_FLOW_DIRECTION_INGRESS);
	/* Reverse: endpoints swapped, reverse counters, responder's flags. */
	CU_ASSERT_EQUAL(rd32(r2), 0x0a000002);
	CU_ASSERT_EQUAL(rd32(r2 + 4), 0x0a000001);
	CU_ASSERT_EQUAL(rd16(r2 + 8), 80);
	CU_ASSERT_EQUAL(rd16(r2 + 10), 1234);
	CU_ASSERT_EQUAL(rd64(r2 + 13), 8);
	CU_ASSERT_EQUAL(rd64(r2 + 21), 5000);
	CU_ASSERT_EQUAL(rd16(r2 + 61), 0x12);
	CU_ASSERT_EQUAL(r2[rl - 1], IPFIX_BIFLOW_DIRECTION_REVERSE_INITIATOR);
	CU_ASSERT_EQUAL(r2[rl - 2], IPFIX_FLOW_DIRECTION_INGRESS);
	/* ingressInterface is the port in both: the direction is not in it. */
	CU_ASSERT_EQUAL(rd32(r1 + rl - 6), 2);
	CU_ASSERT_EQUAL(rd32(r2 + rl - 6), 2);

	/* A flow nobody answered is one record. */
	e.pkts[1] = 0;
	e.octets[1] = 0;
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	wm_ipfix_encoder_free(enc);
}

/* Records exactly at the MTU: k fit in header + set header + k records, not one byte less. */
static void
test_ipfix_mtu_boundary(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_flow_export e = flow_v4();
	uint16_t rl = wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4);
	unsigned int k = 7, i;
	struct wm_ipfix_msg m;
	uint16_t len;

	wm_ipfix_msg_init(&m, buf, (uint16_t)(16 + 4 + k * rl), 1);
	for (i = 0; i < k; i++)
		CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(m.len, m.cap);
	len = m.len;
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), -ENOSPC);
	CU_ASSERT_EQUAL(m.len, len); /* unchanged */
	CU_ASSERT_EQUAL(m.records, k);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 0, 0), m.cap);
	CU_ASSERT_EQUAL(rd16(buf + 18), 4 + k * rl); /* set length */

	wm_ipfix_msg_init(&m, buf, (uint16_t)(16 + 4 + k * rl - 1), 1);
	for (i = 0; i < k - 1; i++)
		CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), -ENOSPC);

	/* A record of another template needs a set header too. */
	wm_ipfix_msg_init(&m, buf, (uint16_t)(16 + 4 + rl + 4 + rl - 1), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	e.flags |= WM_FLOW_REC_F_ESP;
	e.proto = 50;
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), -ENOSPC);
	/* The same template again needs no set header: it fits. */
	e.flags = 0;
	e.proto = 6;
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(m.len, m.cap - 3);
	wm_ipfix_encoder_free(enc);
}

/* Uniflow pairs are all or nothing. */
static void
test_ipfix_uniflow_pair_not_split(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_UNIFLOW);
	struct wm_flow_export e = flow_v4();
	uint16_t rl = wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4);
	struct wm_ipfix_msg m;

	wm_ipfix_msg_init(&m, buf, (uint16_t)(16 + 4 + 2 * rl - 1), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), -ENOSPC);
	CU_ASSERT_TRUE(wm_ipfix_msg_empty(&m));
	CU_ASSERT_EQUAL(m.records, 0);
	wm_ipfix_encoder_free(enc);
}

/* Sets change with the template; each set's length covers exactly its records. */
static void
test_ipfix_sets_by_template(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_flow_export v4 = flow_v4(), l2, mac;
	uint16_t r4 = wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4);
	uint16_t rl2 = wm_ipfix_record_len(enc, WM_IPFIX_TID_L2);
	struct wm_ipfix_msg m;
	const uint8_t *p;

	memset(&l2, 0, sizeof(l2));
	l2.kind = WM_FLOW_KIND_L2;
	l2.ethertype = 0x88cc;
	mac = l2;
	mac.kind = WM_FLOW_KIND_MACSEC;
	mac.sci = 0x0011223344550001ULL;
	mac.an = 2;
	CU_ASSERT_EQUAL(rl2, 6 + 6 + 2 + 4 * 8 + 4 * 8 + 1 + 2 + 2 + 4 + 1 + 1);
	CU_ASSERT_EQUAL(wm_ipfix_record_len(enc, WM_IPFIX_TID_MACSEC), rl2 + 9);
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	wm_ipfix_msg_add_flow(&m, enc, &v4, NULL, 0);
	wm_ipfix_msg_add_flow(&m, enc, &v4, NULL, 0);
	wm_ipfix_msg_add_flow(&m, enc, &l2, NULL, 0);
	wm_ipfix_msg_add_flow(&m, enc, &mac, NULL, 0);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 0, 0), 16 + 4 + 2 * r4 + 4 + rl2 + 4 + rl2 + 9);
	p = buf + 16;
	CU_ASSERT_EQUAL(rd16(p), WM_IPFIX_TID_IPV4);
	CU_ASSERT_EQUAL(rd16(p + 2), 4 + 2 * r4);
	p += 4 + 2 * r4;
	CU_ASSERT_EQUAL(rd16(p), WM_IPFIX_TID_L2);
	CU_ASSERT_EQUAL(rd16(p + 2), 4 + rl2);
	CU_ASSERT_EQUAL(rd16(p + 16), 0x88cc); /* ethernetType after the two MACs */
	p += 4 + rl2;
	CU_ASSERT_EQUAL(rd16(p), WM_IPFIX_TID_MACSEC);
	CU_ASSERT_EQUAL(rd64(p + 4 + 14), 0x0011223344550001ULL); /* macsecSCI */
	CU_ASSERT_EQUAL(p[4 + 22], 2);				  /* macsecAN */
	wm_ipfix_encoder_free(enc);
}

/* Variable-length strings: one length byte, cut at WM_IPFIX_NAME_MAX. */
static void
test_ipfix_varlen_interface(void)
{
	static const uint8_t want[] = {0x01, 0x08, 0x00, 0x14, 0x00, 0x00, 0x00, 0x03, 0x04, 'p',
				       'c',  'a',  'p',	 0x06, 'n',  'e',  't',	 '_',  'x',  'y'};
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_ipfix_msg m;
	char longname[400];

	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_interface(&m, enc, 3, "pcap", "net_xy"), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 0, 0), 16 + sizeof(want));
	CU_ASSERT_EQUAL(memcmp(buf + 16, want, sizeof(want)), 0);
	CU_ASSERT_EQUAL(m.records, 1);

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_interface(&m, enc, 0, longname, NULL), 1);
	wm_ipfix_msg_finish(&m, 0, 0);
	CU_ASSERT_EQUAL(buf[16 + 4 + 4], WM_IPFIX_NAME_MAX);
	CU_ASSERT_EQUAL(buf[16 + 4 + 4 + 1 + WM_IPFIX_NAME_MAX], 0); /* empty description */
	CU_ASSERT_EQUAL(rd16(buf + 18), 4 + 4 + 1 + WM_IPFIX_NAME_MAX + 1);
	wm_ipfix_encoder_free(enc);
}

static void
test_ipfix_options_records(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_ipfix_export_stats es = {.domain_id = 9,
					   .messages = 1,
					   .records = 2,
					   .octets = 3,
					   .not_sent_flows = 4,
					   .not_sent_pkts = 5,
					   .not_sent_octets = 6,
					   .init_time_ms = 7};
	struct wm_ipfix_meter_stats ms = {.domain_id = 9,
					  .observed_flows = 11,
					  .packets = 12,
					  .octets = 13,
					  .ignored_pkts = 14,
					  .init_time_ms = 15};
	struct wm_ipfix_msg m;
	const uint8_t *p;
	unsigned int i;

	wm_ipfix_msg_init(&m, buf, 1400, 9);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_export_stats(&m, enc, &es), 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_meter_stats(&m, enc, &ms), 1);
	CU_ASSERT_EQUAL(m.records, 2);
	CU_ASSERT_EQUAL(wm_ipfix_msg_finish(&m, 0, 0), 16 + 4 + 4 + 7 * 8 + 4 + 4 + 5 * 8);
	p = buf + 16;
	CU_ASSERT_EQUAL(rd16(p), WM_IPFIX_TID_OPT_EXPORT);
	CU_ASSERT_EQUAL(rd32(p + 4), 9);
	for (i = 0; i < 7; i++)
		CU_ASSERT_EQUAL(rd64(p + 8 + 8 * i), i + 1);
	p += 4 + 4 + 7 * 8;
	CU_ASSERT_EQUAL(rd16(p), WM_IPFIX_TID_OPT_METER);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(rd64(p + 8 + 8 * i), i + 11);
	wm_ipfix_encoder_free(enc);
}

/* At the smallest MTU the templates take several messages, each template whole. */
static void
test_ipfix_templates_split(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	unsigned int cursor = 0, msgs = 0, total = 0;
	struct wm_ipfix_msg m;
	int n;

	CU_ASSERT(wm_ipfix_encoder_min_mtu(enc) <= WM_IPFIX_MTU_MIN);
	while (cursor < WM_IPFIX_N_TEMPLATES) {
		wm_ipfix_msg_init(&m, buf, WM_IPFIX_MTU_MIN, 1);
		n = wm_ipfix_msg_add_templates(&m, enc, &cursor);
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT(m.len <= WM_IPFIX_MTU_MIN);
		wm_ipfix_msg_finish(&m, 0, 0);
		total += (unsigned int)n;
		msgs++;
	}
	CU_ASSERT_EQUAL(total, WM_IPFIX_N_TEMPLATES - 1);
	CU_ASSERT(msgs >= 2);
	/* Too small for any template: -ENOSPC, nothing written. */
	cursor = 0;
	wm_ipfix_msg_init(&m, buf, 40, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_templates(&m, enc, &cursor), -ENOSPC);
	CU_ASSERT_EQUAL(cursor, 0);
	CU_ASSERT_TRUE(wm_ipfix_msg_empty(&m));
	wm_ipfix_encoder_free(enc);
}

/* Sequence numbers: records before each message, templates not counted, mod 2^32. */
static void
test_ipfix_sequence_across_messages(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_flow_export e = flow_v4();
	struct wm_ipfix_seq seq = {0};
	static const unsigned int per_msg[] = {3, 0, 5, 1};
	uint32_t want = 0;
	unsigned int i, k;
	struct wm_ipfix_msg m;

	for (i = 0; i < sizeof(per_msg) / sizeof(per_msg[0]); i++) {
		unsigned int cursor = 0;

		wm_ipfix_msg_init(&m, buf, 1400, 5);
		if (per_msg[i] == 0)
			wm_ipfix_msg_add_templates(&m, enc, &cursor);
		for (k = 0; k < per_msg[i]; k++)
			wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0);
		wm_ipfix_msg_finish(&m, 0, 0);
		wm_ipfix_seq_stamp(&seq, buf, m.records, 1234);
		CU_ASSERT_EQUAL(rd32(buf + 8), want);
		CU_ASSERT_EQUAL(rd32(buf + 4), 1234);
		CU_ASSERT_EQUAL(rd32(buf + 12), 5);
		want += per_msg[i];
	}
	CU_ASSERT_EQUAL(seq.next, 9);
	/* Wrap. */
	seq.next = 0xfffffffeu;
	wm_ipfix_msg_init(&m, buf, 1400, 5);
	for (k = 0; k < 3; k++)
		wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0);
	wm_ipfix_msg_finish(&m, 0, 0);
	wm_ipfix_seq_stamp(&seq, buf, m.records, 0);
	CU_ASSERT_EQUAL(rd32(buf + 8), 0xfffffffeu);
	CU_ASSERT_EQUAL(seq.next, 1);
	wm_ipfix_encoder_free(enc);
}

/* Refresh deadlines at start + k * interval; a late check does not drift or repeat. */
static void
test_ipfix_template_refresh_timing(void)
{
	struct wm_ipfix_period p;

	wm_ipfix_period_start(&p, 60, 1000);
	CU_ASSERT_FALSE(wm_ipfix_period_due(&p, 1000));
	CU_ASSERT_FALSE(wm_ipfix_period_due(&p, 1059));
	CU_ASSERT_TRUE(wm_ipfix_period_due(&p, 1060));
	CU_ASSERT_FALSE(wm_ipfix_period_due(&p, 1060));
	CU_ASSERT_FALSE(wm_ipfix_period_due(&p, 1119));
	/* Late by 10: due once, next still on the grid. */
	CU_ASSERT_TRUE(wm_ipfix_period_due(&p, 1130));
	CU_ASSERT_EQUAL(p.next, 1180);
	/* Very late: due once, not three times. */
	CU_ASSERT_TRUE(wm_ipfix_period_due(&p, 1400));
	CU_ASSERT_FALSE(wm_ipfix_period_due(&p, 1400));
	CU_ASSERT_EQUAL(p.next, 1420);
}

static void
test_ipfix_bad_params(void)
{
	struct wm_ipfix_params p = {.mode = (enum wm_ipfix_mode)7, .pen = 1};

	errno = 0;
	CU_ASSERT_PTR_NULL(wm_ipfix_encoder_create(&p));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(wm_ipfix_encoder_create(NULL));
	/* Found by fuzzing: PEN 0 is reserved; RFC 5103's would clash with the reverse elements. */
	p.mode = WM_IPFIX_BIFLOW;
	p.pen = 0;
	errno = 0;
	CU_ASSERT_PTR_NULL(wm_ipfix_encoder_create(&p));
	CU_ASSERT_EQUAL(errno, EINVAL);
	p.pen = IPFIX_PEN_REVERSE;
	errno = 0;
	CU_ASSERT_PTR_NULL(wm_ipfix_encoder_create(&p));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

/* Every template a flow kind maps to. */
static void
test_ipfix_flow_template_choice(void)
{
	struct wm_flow_export e = flow_v4();

	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_IPV4);
	e.flags = WM_FLOW_REC_F_ESP;
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_ESP4);
	e.kind = WM_FLOW_KIND_IPV6;
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_ESP6);
	e.flags = 0;
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_IPV6);
	e.kind = WM_FLOW_KIND_MACSEC;
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_MACSEC);
	e.kind = WM_FLOW_KIND_L2;
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_L2);
}

/* ---- the record visitor ---- */

/*
 * What a visit gave, as "name:K=text" words: K is the value's kind (u
 * unsigned, i signed, 4 and 6 addresses, m MAC, x hex, s string).
 */
struct visit_log {
	char text[8192];
	size_t n;
	unsigned int calls;
	unsigned int stop_at; /* return 7 at this call (1-based); 0: never */
};

static int
visit_log_field(void *ctx, const char *name, const struct wm_ipfix_value *v)
{
	static const char kinds[] = {[WM_IPFIX_VALUE_UNSIGNED] = 'u', [WM_IPFIX_VALUE_SIGNED] = 'i',
				     [WM_IPFIX_VALUE_IPV4] = '4',     [WM_IPFIX_VALUE_IPV6] = '6',
				     [WM_IPFIX_VALUE_MAC] = 'm',      [WM_IPFIX_VALUE_HEX64] = 'x',
				     [WM_IPFIX_VALUE_STRING] = 's'};
	struct visit_log *l = ctx;
	char buf[WM_IPFIX_VALUE_TEXT_MAX];
	int k;

	CU_ASSERT_PTR_NOT_NULL_FATAL(name);
	k = snprintf(l->text + l->n, sizeof(l->text) - l->n, "%s%s:%c=%s", l->n ? " " : "", name,
		     kinds[v->kind], wm_ipfix_value_text(v, buf, sizeof(buf)));
	CU_ASSERT_FATAL(k > 0 && (size_t)k < sizeof(l->text) - l->n);
	l->n += (size_t)k;
	l->calls++;
	return l->calls == l->stop_at ? 7 : 0;
}

static const char *
visit_flow(const struct wm_flow_export *e, const struct wm_seq_snapshot *st, unsigned int n)
{
	static struct visit_log l;

	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(wm_ipfix_record_visit(e, st, n, visit_log_field, &l), 0);
	return l.text;
}

static const char *
visit_stream(const struct wm_seq_snapshot *st, unsigned int flags)
{
	static struct visit_log l;

	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(wm_ipfix_stream_visit(st, flags, visit_log_field, &l), 0);
	return l.text;
}

/* The counters part of every flow, and the tail. */
#define V_COUNTERS                                                                  \
	"packetDeltaCount:u=10 octetDeltaCount:u=1000 reversePacketDeltaCount:u=8 " \
	"reverseOctetDeltaCount:u=5000 flowStartNanoseconds:u=1700000000123456789 " \
	"flowEndNanoseconds:u=1700000001987654321"
#define V_IP                                                                                          \
	"sourceTransportPort:u=1234 destinationTransportPort:u=80 protocolIdentifier:u=6 " V_COUNTERS \
	" tcpControlBits:u=27 reverseTcpControlBits:u=18 ipClassOfService:u=32 "                      \
	"minimumIpTotalLength:u=40 maximumIpTotalLength:u=1500"
#define V_TAIL "flowEndReason:u=3 vlanId:u=100 dot1qCustomerVlanId:u=200 ingressInterface:u=2"

static void
test_ipfix_visit_ipv4(void)
{
	struct wm_flow_export e = flow_v4();

	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, NULL, 0),
		"sourceIPv4Address:4=10.0.0.1 destinationIPv4Address:4=10.0.0.2 " V_IP " " V_TAIL);
	/* One tag or none: no dot1qCustomerVlanId in the text (the template keeps it, 0). */
	e.cvlan = 0;
	CU_ASSERT_PTR_NOT_NULL(strstr(visit_flow(&e, NULL, 0),
				      " flowEndReason:u=3 vlanId:u=100 ingressInterface:u=2"));
	CU_ASSERT_PTR_NULL(strstr(visit_flow(&e, NULL, 0), "dot1q"));
}

/*
 * A flow carried in VXLAN over IPv4: the tunnel fields after the IP
 * fields, the encapsulation by name in the text and by number on the
 * wire, the underlay IPv4-mapped on the wire.
 */
static void
test_ipfix_visit_tunnel(void)
{
	static const uint8_t want[] = {
		/* encapsulation 1 (vxlan), layer2SegmentId 5000, gtpTeid 0 */
		0x01, 0, 0, 0, 0, 0, 0, 0x13, 0x88, 0, 0, 0, 0,
		/* mplsTopLabelStackSection, mplsLabelStackSection2 and 3: none */
		0, 0, 0, 0, 0, 0, 0, 0, 0,
		/* tunnelSourceAddress ::ffff:192.0.2.1, tunnelDestinationAddress ::ffff:192.0.2.2 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0xff, 0xff, 192, 0, 2, 2};
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	struct wm_flow_export e = flow_v4();
	struct wm_ipfix_msg m;
	/* 88 bytes of IPv4 fields before the tunnel's, after the message and set headers. */
	const uint8_t *tun = buf + 16 + 4 + 88;

	e.encap = WM_PKT_TUNNEL_VXLAN;
	e.encap_flags = WM_PKT_E_SEGMENT | WM_PKT_E_OUTER_V4;
	e.segment_id = 5000;
	inet_pton(AF_INET, "192.0.2.1", e.outer_src);
	inet_pton(AF_INET, "192.0.2.2", e.outer_dst);
	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, NULL, 0),
		"sourceIPv4Address:4=10.0.0.1 destinationIPv4Address:4=10.0.0.2 " V_IP
		" encapsulation:s=vxlan layer2SegmentId:u=5000 gtpTeid:u=0 "
		"mplsTopLabelStackSection:u=0 mplsLabelStackSection2:u=0 mplsLabelStackSection3:u=0 "
		"tunnelSourceAddress:4=192.0.2.1 tunnelDestinationAddress:4=192.0.2.2 " V_TAIL);
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_TUN4);
	CU_ASSERT_EQUAL(wm_ipfix_record_len(enc, WM_IPFIX_TID_TUN4),
			wm_ipfix_record_len(enc, WM_IPFIX_TID_IPV4) + sizeof(want));
	wm_ipfix_msg_init(&m, buf, 1400, 7);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(rd16(buf + 16), WM_IPFIX_TID_TUN4);
	CU_ASSERT_EQUAL(memcmp(tun, want, sizeof(want)), 0);
	/* Then its tail: flowEndReason 3, vlanId 100, dot1qCustomerVlanId 200. */
	CU_ASSERT_EQUAL(tun[sizeof(want)], 3);
	CU_ASSERT_EQUAL(rd16(tun + sizeof(want) + 1), 100);
	CU_ASSERT_EQUAL(rd16(tun + sizeof(want) + 3), 200);

	/* MPLS at L2: two label sections (label 16, then 17 bottom of stack, TTL cut), no endpoints. */
	e.encap = WM_PKT_TUNNEL_MPLS;
	e.encap_flags = 0;
	e.n_mpls = 2;
	e.mpls[0] = 16u << 12 | 64;
	e.mpls[1] = 17u << 12 | 1u << 8 | 64;
	CU_ASSERT_PTR_NOT_NULL(strstr(visit_flow(&e, NULL, 0),
				      " encapsulation:s=mpls layer2SegmentId:u=0 gtpTeid:u=0 "
				      "mplsTopLabelStackSection:u=256 mplsLabelStackSection2:u=273 "
				      "mplsLabelStackSection3:u=0 tunnelSourceAddress:s= "
				      "tunnelDestinationAddress:s= flowEndReason"));
	wm_ipfix_msg_init(&m, buf, 1400, 7);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_EQUAL(tun[0], WM_PKT_TUNNEL_MPLS);
	CU_ASSERT_EQUAL(rd32(tun + 13) >> 8, 16u << 4);
	CU_ASSERT_EQUAL(rd32(tun + 16) >> 8, 17u << 4 | 1);
	CU_ASSERT_EQUAL(rd32(tun + 19) >> 8, 0);
	CU_ASSERT_EQUAL(memcmp(tun + 22, (const uint8_t[32]){0}, 32), 0);

	/* An ESP SA, or a flow carried in nothing, has none of them. */
	e.flags |= WM_FLOW_REC_F_ESP;
	CU_ASSERT_PTR_NULL(strstr(visit_flow(&e, NULL, 0), "encapsulation"));
	CU_ASSERT_EQUAL(wm_ipfix_flow_template(&e), WM_IPFIX_TID_ESP4);
	e.flags &= ~WM_FLOW_REC_F_ESP;
	e.encap = 0;
	CU_ASSERT_PTR_NULL(strstr(visit_flow(&e, NULL, 0), "encapsulation"));
	wm_ipfix_encoder_free(enc);
}

/*
 * Uniflow: the reverse record of a tunnelled flow swaps the tunnel's
 * endpoints as it swaps the flow's (the responder's packets went from
 * the initiator's tunnel destination to its source).
 */
static void
test_ipfix_uniflow_tunnel_swapped(void)
{
	static const uint8_t a[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 1};
	static const uint8_t b[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 2};
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_UNIFLOW);
	struct wm_flow_export e = flow_v4();
	uint8_t ab[32], ba[32];
	const uint8_t *r1, *r2;
	struct wm_ipfix_msg m;
	uint16_t rl;

	e.encap = WM_PKT_TUNNEL_GTPU;
	e.encap_flags = WM_PKT_E_TEID | WM_PKT_E_OUTER_V4;
	e.gtp_teid = 77;
	inet_pton(AF_INET, "192.0.2.1", e.outer_src);
	inet_pton(AF_INET, "192.0.2.2", e.outer_dst);
	memcpy(ab, a, 16);
	memcpy(ab + 16, b, 16);
	memcpy(ba, b, 16);
	memcpy(ba + 16, a, 16);
	rl = wm_ipfix_record_len(enc, WM_IPFIX_TID_TUN4);
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 2);
	r1 = buf + 20;
	r2 = r1 + rl;
	CU_ASSERT_EQUAL(rd32(r2), 0x0a000002); /* the flow's endpoints swapped */
	CU_ASSERT_PTR_NOT_NULL(memmem(r1, rl, ab, sizeof(ab)));
	CU_ASSERT_PTR_NULL(memmem(r1, rl, ba, sizeof(ba)));
	CU_ASSERT_PTR_NOT_NULL(memmem(r2, rl, ba, sizeof(ba)));
	CU_ASSERT_PTR_NULL(memmem(r2, rl, ab, sizeof(ab)));
	/* In biflow the one record keeps the initiator's way. */
	wm_ipfix_encoder_free(enc);
	enc = enc_new(WM_IPFIX_BIFLOW);
	wm_ipfix_msg_init(&m, buf, 1400, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_flow(&m, enc, &e, NULL, 0), 1);
	CU_ASSERT_PTR_NOT_NULL(
		memmem(buf + 20, wm_ipfix_record_len(enc, WM_IPFIX_TID_TUN4), ab, sizeof(ab)));
	wm_ipfix_encoder_free(enc);
}

static struct wm_flow_export
flow_v6(void)
{
	struct wm_flow_export e = flow_v4();

	memset(e.src, 0, sizeof(e.src));
	memset(e.dst, 0, sizeof(e.dst));
	inet_pton(AF_INET6, "2001:db8::1", e.src);
	inet_pton(AF_INET6, "2001:db8::a:2", e.dst);
	e.kind = WM_FLOW_KIND_IPV6;
	return e;
}

/* The ICMP field is named by the protocol number, as the JSON lines always had it. */
static void
test_ipfix_visit_icmp(void)
{
	struct wm_flow_export e = flow_v4();

	e.proto = 1;
	e.icmp_type_code = 0x0800;
	CU_ASSERT_PTR_NOT_NULL(
		strstr(visit_flow(&e, NULL, 0), "protocolIdentifier:u=1 packetDeltaCount:u=10 "));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(visit_flow(&e, NULL, 0),
		       "maximumIpTotalLength:u=1500 icmpTypeCodeIPv4:u=2048 " V_TAIL));
	e = flow_v6();
	e.proto = 58;
	e.icmp_type_code = 0x8000;
	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, NULL, 0),
		"sourceIPv6Address:6=2001:db8::1 destinationIPv6Address:6=2001:db8::a:2 "
		"sourceTransportPort:u=1234 destinationTransportPort:u=80 protocolIdentifier:u=58 " V_COUNTERS
		" tcpControlBits:u=27 reverseTcpControlBits:u=18 ipClassOfService:u=32 "
		"minimumIpTotalLength:u=40 maximumIpTotalLength:u=1500 icmpTypeCodeIPv6:u=32768 " V_TAIL);
	/* Neither for TCP. */
	e.proto = 6;
	CU_ASSERT_PTR_NULL(strstr(visit_flow(&e, NULL, 0), "icmp"));
}

static struct wm_flow_export
flow_l2(uint8_t kind)
{
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01},
			     dmac[6] = {0x02, 0, 0, 0, 0xab, 0xcd};
	struct wm_flow_export e = flow_v4();

	memset(e.src, 0, sizeof(e.src));
	memset(e.dst, 0, sizeof(e.dst));
	e.sport = e.dport = 0;
	e.proto = 0;
	memcpy(e.smac, smac, 6);
	memcpy(e.dmac, dmac, 6);
	e.ethertype = kind == WM_FLOW_KIND_MACSEC ? 0x88e5 : 0x88b5;
	e.sci = 0x0011223344556677ULL;
	e.an = 1;
	e.kind = kind;
	return e;
}

static void
test_ipfix_visit_l2(void)
{
	struct wm_flow_export e = flow_l2(WM_FLOW_KIND_L2);

	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, NULL, 0),
		"sourceMacAddress:m=02:00:00:00:00:01 "
		"destinationMacAddress:m=02:00:00:00:ab:cd ethernetType:u=34997 " V_COUNTERS
		" " V_TAIL);
}

/* A stream's counters: rx 100, unique 99, then 1, 2, ... in list order. */
static struct wm_seq_snapshot
stream(uint8_t kind, uint8_t dir)
{
	struct wm_seq_snapshot st;
	uint64_t *c = (uint64_t *)&st.c;
	unsigned int i;

	memset(&st, 0, sizeof(st));
	st.kind = kind;
	st.dir = dir;
	st.esp_spi = dir ? 0x2000 : 0x1000;
	st.rtp_ssrc = 0xdeadbeef;
	st.tester_id = 7;
	st.macsec_sci = 0x0011223344556677ULL;
	st.macsec_an = 1;
	c[0] = 100;
	c[1] = 99;
	for (i = 2; i < WM_SEQ_CTR_MAX; i++)
		c[i] = i - 1;
	return st;
}

/* A stream's counters; s is "s", or "reverseS" for a reverse stream in its flow. */
#define V_SEQ(s)                                                                                 \
	s "eqReceivedCount:u=100 " s "eqUniqueCount:u=99 " s "eqLateCount:u=1 " s                \
	  "eqDuplicateCount:u=2 " s "eqTooOldCount:u=3 " s "eqLostCount:u=4 " s                  \
	  "eqPendingCount:u=5 " s "eqGapEventCount:u=6 " s "eqWrapCount:u=7 " s                  \
	  "eqRestartCount:u=8 " s "eqJumpSuspectCount:u=9 " s "eqProtocolViolationCount:u=10 " s \
	  "eqMaxReorderDistance:u=11 " s "eqFirstNumber:u=12 " s "eqLastNumber:u=13"

static void
test_ipfix_visit_macsec(void)
{
	struct wm_flow_export e = flow_l2(WM_FLOW_KIND_MACSEC);
	struct wm_seq_snapshot st = stream(WM_SEQ_KIND_MACSEC, 0);

	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, NULL, 0),
		"sourceMacAddress:m=02:00:00:00:00:01 "
		"destinationMacAddress:m=02:00:00:00:ab:cd ethernetType:u=35045 " V_COUNTERS
		" macsecSCI:x=0011223344556677 macsecAN:u=1 " V_TAIL);
	/* A forward stream leaves its SCI and AN to the flow's fields. */
	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, &st, 1),
		"sourceMacAddress:m=02:00:00:00:00:01 "
		"destinationMacAddress:m=02:00:00:00:ab:cd ethernetType:u=35045 " V_COUNTERS
		" macsecSCI:x=0011223344556677 macsecAN:u=1 "
		"seqStreamKind:s=macsec " V_SEQ("s") " " V_TAIL);
}

/* ESP both ways: the reverse stream names its SPI, every name of it prefixed. */
static void
test_ipfix_visit_esp_streams(void)
{
	struct wm_flow_export e = flow_v4();
	struct wm_seq_snapshot st[2] = {stream(WM_SEQ_KIND_ESP, 0), stream(WM_SEQ_KIND_ESP, 1)};

	e.proto = 50;
	e.flags |= WM_FLOW_REC_F_ESP;
	e.spi = 0x1000;
	CU_ASSERT_STRING_EQUAL(
		visit_flow(&e, st, 2),
		"sourceIPv4Address:4=10.0.0.1 destinationIPv4Address:4=10.0.0.2 "
		"sourceTransportPort:u=1234 destinationTransportPort:u=80 protocolIdentifier:u=50 " V_COUNTERS
		" tcpControlBits:u=27 reverseTcpControlBits:u=18 ipClassOfService:u=32 "
		"minimumIpTotalLength:u=40 maximumIpTotalLength:u=1500 ipsecSPI:u=4096 "
		"seqStreamKind:s=esp " V_SEQ("s") " reverseSeqStreamKind:s=esp "
						  "reverseIpsecSPI:u=8192 " V_SEQ(
							  "reverseS") " " V_TAIL);
}

/* A stream on its own: every identity field, the counters when asked for. */
static void
test_ipfix_visit_stream_alone(void)
{
	struct wm_seq_snapshot st = stream(WM_SEQ_KIND_RTP, 1);

	CU_ASSERT_STRING_EQUAL(visit_stream(&st, 0), "seqStreamKind:s=rtp rtpSSRC:u=3735928559");
	CU_ASSERT_STRING_EQUAL(visit_stream(&st, WM_IPFIX_STREAM_COUNTERS),
			       "seqStreamKind:s=rtp rtpSSRC:u=3735928559 " V_SEQ("s"));
	st = stream(WM_SEQ_KIND_TESTER, 0);
	CU_ASSERT_STRING_EQUAL(visit_stream(&st, 0), "seqStreamKind:s=tester testerStreamId:u=7");
	st = stream(WM_SEQ_KIND_ESP, 0);
	CU_ASSERT_STRING_EQUAL(visit_stream(&st, 0), "seqStreamKind:s=esp ipsecSPI:u=4096");
	st = stream(WM_SEQ_KIND_MACSEC, 0);
	CU_ASSERT_STRING_EQUAL(visit_stream(&st, 0),
			       "seqStreamKind:s=macsec macsecSCI:x=0011223344556677 macsecAN:u=1");
	/* In its flow, a forward RTP stream still names its SSRC: the flow does not. */
	st = stream(WM_SEQ_KIND_RTP, 0);
	CU_ASSERT_STRING_EQUAL(visit_stream(&st, WM_IPFIX_STREAM_IN_FLOW),
			       "seqStreamKind:s=rtp rtpSSRC:u=3735928559 " V_SEQ("s"));
}

/* A visitor that returns non-zero ends the visit, which returns it. */
static void
test_ipfix_visit_stops(void)
{
	struct wm_flow_export e = flow_v4();
	struct wm_seq_snapshot st = stream(WM_SEQ_KIND_RTP, 0);
	struct visit_log l;

	memset(&l, 0, sizeof(l));
	l.stop_at = 3;
	CU_ASSERT_EQUAL(wm_ipfix_record_visit(&e, &st, 1, visit_log_field, &l), 7);
	CU_ASSERT_EQUAL(l.calls, 3);
	/* Inside a stream, too. */
	memset(&l, 0, sizeof(l));
	l.stop_at = 18;
	CU_ASSERT_EQUAL(wm_ipfix_record_visit(&e, &st, 1, visit_log_field, &l), 7);
	CU_ASSERT_EQUAL(l.calls, 18);
	CU_ASSERT_PTR_NOT_NULL(strstr(l.text, "seqStreamKind:s=rtp rtpSSRC:u=3735928559"));
	CU_ASSERT_PTR_NULL(strstr(l.text, "seqUniqueCount"));
}

static void
test_ipfix_element_names(void)
{
	struct wm_ipfix_value v = {.kind = WM_IPFIX_VALUE_SIGNED, .i = -5};
	char buf[WM_IPFIX_VALUE_TEXT_MAX];

	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(IPFIX_IE_SOURCE_IPV4_ADDRESS), "sourceIPv4Address");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(295), "ipsecSPI");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(IPFIX_IE_NOT_SENT_OCTET_TOTAL_COUNT),
			       "notSentOctetTotalCount");
	CU_ASSERT_PTR_NULL(wm_ipfix_ie_name(3));
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(WM_IPFIX_EE_MACSEC_SCI), "macsecSCI");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(WM_IPFIX_EE_TESTER_STREAM_ID), "testerStreamId");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(WM_IPFIX_EE_SEQ_COUNTERS), "seqReceivedCount");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_MAX - 1),
			       "seqLastNumber");
	CU_ASSERT_PTR_NULL(wm_ipfix_ee_name(WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_MAX));
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(WM_IPFIX_EE_ENCAPSULATION), "encapsulation");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ee_name(9), "tunnelDestinationAddress");
	CU_ASSERT_PTR_NULL(wm_ipfix_ee_name(0));
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(245), "dot1qCustomerVlanId");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(70), "mplsTopLabelStackSection");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_ie_name(351), "layer2SegmentId");
	CU_ASSERT_STRING_EQUAL(wm_ipfix_value_text(&v, buf, sizeof(buf)), "-5");
	CU_ASSERT_FALSE(wm_ipfix_value_is_number(
		&(struct wm_ipfix_value){.kind = WM_IPFIX_VALUE_HEX64, .u = 1}));
}

/*
 * RFC 5610 type records: their options template (scope PEN and element
 * number) first, then one record per enterprise element, each with the
 * element's name and type, in messages of the smallest MTU.
 */
static void
test_ipfix_type_records(void)
{
	struct wm_ipfix_encoder *enc = enc_new(WM_IPFIX_BIFLOW);
	unsigned int cursor = 0, seen = 0, msgs = 0;
	bool named[64] = {false};
	struct wm_ipfix_msg m;

	while (cursor <= wm_ipfix_type_records()) {
		uint16_t off = 16;

		wm_ipfix_msg_init(&m, buf, WM_IPFIX_MTU_MIN, 1);
		CU_ASSERT_FATAL(wm_ipfix_msg_add_type_records(&m, enc, &cursor) > 0);
		wm_ipfix_msg_finish(&m, 0, 0);
		if (msgs++ == 0) {
			const uint8_t *t = find_template(buf, WM_IPFIX_TID_OPT_IETYPE);

			CU_ASSERT_PTR_NOT_NULL_FATAL(t);
			CU_ASSERT_EQUAL(rd16(t + 2), 9); /* fields */
			CU_ASSERT_EQUAL(rd16(t + 4), 2); /* scope fields */
			CU_ASSERT_EQUAL(rd32(t + 6), (346u << 16) | 4);
			CU_ASSERT_EQUAL(rd32(t + 10), (303u << 16) | 2);
		}
		while (off < m.len) {
			uint16_t set_id = rd16(buf + off), set_len = rd16(buf + off + 2);
			const uint8_t *r = buf + off + 4;

			CU_ASSERT_FATAL(set_len >= 4);
			while (set_id == WM_IPFIX_TID_OPT_IETYPE && r + 26 <= buf + off + set_len) {
				uint16_t id = rd16(r + 4);
				const char *name = wm_ipfix_ee_name(id);
				uint8_t nlen = r[26];

				CU_ASSERT_EQUAL(rd32(r), WM_IPFIX_DEFAULT_PEN);
				CU_ASSERT_PTR_NOT_NULL_FATAL(name);
				CU_ASSERT_EQUAL(nlen, strlen(name));
				CU_ASSERT_EQUAL(memcmp(r + 27, name, nlen), 0);
				if (id == WM_IPFIX_EE_MACSEC_SCI)
					CU_ASSERT_EQUAL(r[6], IPFIX_TYPE_UNSIGNED64);
				if (id == WM_IPFIX_EE_SEQ_STREAM_KIND)
					CU_ASSERT_EQUAL(r[6], IPFIX_TYPE_STRING);
				if (id == WM_IPFIX_EE_TUNNEL_SOURCE_ADDRESS)
					CU_ASSERT_EQUAL(r[6], IPFIX_TYPE_IPV6_ADDRESS);
				if (id == WM_IPFIX_EE_SEQ_COUNTERS + WM_SEQ_CTR_lost)
					CU_ASSERT_EQUAL(r[7], IPFIX_SEM_TOTAL_COUNTER);
				CU_ASSERT_FALSE(named[id % 64]);
				named[id % 64] = true;
				seen++;
				r += 27 + nlen;
				r += 1 + r[0]; /* the description */
			}
			off += set_len;
		}
		CU_ASSERT(m.len <= WM_IPFIX_MTU_MIN);
	}
	CU_ASSERT_EQUAL(seen, wm_ipfix_type_records());
	CU_ASSERT_EQUAL(seen, 9 + WM_SEQ_CTR_MAX);
	CU_ASSERT(msgs >= 2);
	/* Too small for the template: nothing written. */
	cursor = 0;
	wm_ipfix_msg_init(&m, buf, 40, 1);
	CU_ASSERT_EQUAL(wm_ipfix_msg_add_type_records(&m, enc, &cursor), -ENOSPC);
	CU_ASSERT_EQUAL(cursor, 0);
	wm_ipfix_encoder_free(enc);
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_ipfix_ntp_time),
		WM_TEST(test_ipfix_biflow_record_vector),
		WM_TEST(test_ipfix_template_vectors),
		WM_TEST(test_ipfix_uniflow_two_records),
		WM_TEST(test_ipfix_uniflow_tunnel_swapped),
		WM_TEST(test_ipfix_mtu_boundary),
		WM_TEST(test_ipfix_uniflow_pair_not_split),
		WM_TEST(test_ipfix_sets_by_template),
		WM_TEST(test_ipfix_varlen_interface),
		WM_TEST(test_ipfix_options_records),
		WM_TEST(test_ipfix_templates_split),
		WM_TEST(test_ipfix_type_records),
		WM_TEST(test_ipfix_sequence_across_messages),
		WM_TEST(test_ipfix_template_refresh_timing),
		WM_TEST(test_ipfix_bad_params),
		WM_TEST(test_ipfix_flow_template_choice),
		WM_TEST(test_ipfix_visit_ipv4),
		WM_TEST(test_ipfix_visit_tunnel),
		WM_TEST(test_ipfix_visit_icmp),
		WM_TEST(test_ipfix_visit_l2),
		WM_TEST(test_ipfix_visit_macsec),
		WM_TEST(test_ipfix_visit_esp_streams),
		WM_TEST(test_ipfix_visit_stream_alone),
		WM_TEST(test_ipfix_visit_stops),
		WM_TEST(test_ipfix_element_names),
	};

	return wm_cunit_run("ipfix", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
