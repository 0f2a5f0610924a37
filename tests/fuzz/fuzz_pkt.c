/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/pkt: the input is one Ethernet frame, the link type the parser
 * meters (the replay port hands other link types over as Ethernet).
 * The frame is handed over in a buffer of exactly its length, so a read
 * past len is an ASan report. On success the description must agree
 * with the frame: offsets in order and inside it, flags consistent.
 */

#include "fuzz.h"
#include "wm_pkt.h"

static void
check_meta(const struct wm_pkt_meta *m, const uint8_t *data, uint32_t len)
{
	const uint32_t cap = len > UINT16_MAX ? UINT16_MAX : len;

	FUZZ_CHECK(m->eth == data, "eth is the frame");
	FUZZ_CHECK(m->kind <= WM_PKT_KIND_MACSEC, "kind %u", m->kind);
	FUZZ_CHECK(m->n_vlan <= WM_PKT_MAX_VLAN, "n_vlan %u", m->n_vlan);
	FUZZ_CHECK((m->n_vlan != 0) == ((m->flags & WM_PKT_F_VLAN) != 0), "vlan flag");
	FUZZ_CHECK(m->vlan <= 0x0fff, "vlan id %u", m->vlan);
	/* Not tunnelled: the L3 header follows the tags; tunnelled, it is the inner one, further. */
	if (m->encap == 0)
		FUZZ_CHECK(m->l3_off == 14 + 4 * m->n_vlan, "l3_off %u with %u tags", m->l3_off,
			   m->n_vlan);
	else
		FUZZ_CHECK(m->l3_off > 14 && m->mac_off < m->l3_off, "inner l3_off %u mac_off %u",
			   m->l3_off, m->mac_off);
	FUZZ_CHECK(m->l3_off <= cap, "l3_off %u len %u", m->l3_off, len);
	if (m->l4_off != 0)
		FUZZ_CHECK(m->l4_off > m->l3_off && m->l4_off <= cap, "l4_off %u l3_off %u len %u",
			   m->l4_off, m->l3_off, len);
	if (m->payload_off != 0)
		FUZZ_CHECK(m->payload_off > m->l3_off && m->payload_off <= cap &&
				   (m->l4_off == 0 || m->payload_off > m->l4_off),
			   "payload_off %u l4_off %u len %u", m->payload_off, m->l4_off, len);
	/* A tunnelled L2 frame ends where its outer IP packet says, maybe before the frame. */
	if (m->kind == WM_PKT_KIND_L2 && m->encap == 0)
		FUZZ_CHECK(m->l3_len == cap - m->l3_off, "L2 l3_len %u", m->l3_len);
	else if (m->kind == WM_PKT_KIND_L2)
		FUZZ_CHECK(m->l3_len <= cap - m->l3_off, "tunnelled L2 l3_len %u", m->l3_len);
	if (m->flags & WM_PKT_F_FRAG_NONFIRST)
		FUZZ_CHECK((m->flags & WM_PKT_F_FRAG) && m->l4_off == 0, "non-first fragment");
	if (m->flags & WM_PKT_F_NATT)
		FUZZ_CHECK((m->flags & WM_PKT_F_ESP) && m->proto == 17, "NAT-T is ESP in UDP");
	if (m->kind == WM_PKT_KIND_MACSEC)
		FUZZ_CHECK(m->ethertype == WM_PKT_ETHERTYPE_MACSEC, "MACsec EtherType");
	else
		FUZZ_CHECK((m->flags & WM_PKT_F_SCI) == 0, "SCI flag outside MACsec");
	FUZZ_CHECK((m->flags & WM_PKT_F_SEQ) == 0, "the parser never sets WM_PKT_F_SEQ");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_pkt_meta m;
	enum wm_pkt_error err;
	const char *name;

	if (size > UINT32_MAX)
		return 0;
	err = wm_pkt_parse(data, (uint32_t)size, &m);
	name = wm_pkt_error_name(err);
	FUZZ_CHECK((unsigned int)err < WM_PKT_ERR_MAX && strcmp(name, "unknown") != 0,
		   "error %d is named", err);
	if (err == WM_PKT_OK)
		check_meta(&m, data, (uint32_t)size);
	return 0;
}
