/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Detection: which parsed packets carry a sequence number (SEQUENCE.md).
 *
 * MACsec and ESP come straight from the parser's meta. RTP and TRex
 * trailers are read from the UDP payload here. Every read is checked
 * against the captured length, whatever the headers claim: the parser
 * guarantees that a UDP header was captured, but the payload may be cut
 * by a snap length.
 *
 * The heuristics (RTP outside the configured ports, TRex trailers
 * outside the configured ports) need evidence from several packets. It
 * is kept in a direct-mapped table of fixed size, allocated at creation:
 * one entry per (5-tuple, kind, SSRC or hw_id), holding the last number
 * and how many consecutive numbers were seen. A validated entry stays
 * validated whatever numbers follow (reordering, loss): only a collision,
 * which replaces the entry, makes the stream validate again. The table
 * belongs to the detector's worker.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wm_seq.h"

#define IPPROTO_UDP_ 17

/* RFC 5761 4: RTCP packet types 192..223 share the second byte with RTP's M and PT. */
#define RTCP_PT_FIRST 192
#define RTCP_PT_LAST 223

#define VALIDATE_ENTRIES_MAX (UINT32_C(1) << 24)

/* One stream under validation. */
struct validate_entry {
	uint64_t tag;  /* hash of the stream's identity; 0 when empty */
	uint32_t last; /* last number seen */
	uint8_t count; /* consecutive numbers seen, saturating at 255 */
	uint8_t valid; /* 1 once count reached k: later numbers need not be consecutive */
	uint8_t unused[2];
};

struct wm_seq_detect {
	struct wm_seq_detect_conf conf;
	uint32_t mask;		      /* validate_entries - 1 */
	struct validate_entry *table; /* validate_entries entries */
};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint16_t
rd16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t
rd32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

void
wm_seq_detect_conf_default(struct wm_seq_detect_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->rtp_ports[0] = (struct wm_seq_port_range){5004, 5005};
	conf->n_rtp_ports = 1;
	conf->rtp_heuristic = false;
	/* Twice RFC 3550's MIN_SEQUENTIAL: off the known ports the port is no evidence. */
	conf->rtp_heuristic_k = 4;
	conf->n_tester_ports = 0;
	conf->tester_any_udp = true;
	conf->tester_validate_k = 2;
	conf->validate_entries = 4096;
}

static int
ranges_valid(const struct wm_seq_port_range *r, unsigned int n)
{
	unsigned int i;

	if (n > WM_SEQ_DETECT_PORT_RANGES_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (r[i].first > r[i].last)
			return 0;
	return 1;
}

struct wm_seq_detect *
wm_seq_detect_create(const struct wm_seq_detect_conf *conf)
{
	struct wm_seq_detect *det;
	uint32_t n;

	if (conf == NULL || !ranges_valid(conf->rtp_ports, conf->n_rtp_ports) ||
	    !ranges_valid(conf->tester_ports, conf->n_tester_ports) || conf->rtp_heuristic_k == 0 ||
	    conf->tester_validate_k == 0) {
		errno = EINVAL;
		return NULL;
	}
	n = conf->validate_entries;
	if (n == 0 || n > VALIDATE_ENTRIES_MAX || (n & (n - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	det = calloc(1, sizeof(*det));
	if (det == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	det->table = calloc(n, sizeof(*det->table));
	if (det->table == NULL) {
		free(det);
		errno = ENOMEM;
		return NULL;
	}
	det->conf = *conf;
	det->mask = n - 1;
	return det;
}

void
wm_seq_detect_free(struct wm_seq_detect *det)
{
	if (det == NULL)
		return;
	free(det->table);
	free(det);
}

static bool
port_in(const struct wm_seq_port_range *r, unsigned int n, uint16_t sport, uint16_t dport)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if ((sport >= r[i].first && sport <= r[i].last) ||
		    (dport >= r[i].first && dport <= r[i].last))
			return true;
	return false;
}

static inline uint64_t
mix64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 29);
}

static uint64_t
rd64_any(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Hash of a stream's identity: addresses, ports, kind and SSRC or hw_id. Never 0. */
static uint64_t
stream_tag(const struct wm_pkt_meta *m, unsigned int kind, uint32_t ident)
{
	uint64_t h = UINT64_C(0x6a09e667f3bcc908);

	h = mix64(h, rd64_any(m->src));
	h = mix64(h, rd64_any(m->src + 8));
	h = mix64(h, rd64_any(m->dst));
	h = mix64(h, rd64_any(m->dst + 8));
	h = mix64(h, ((uint64_t)m->sport << 48) | ((uint64_t)m->dport << 32) | ident);
	h = mix64(h, ((uint64_t)kind << 8) | m->kind);
	return h != 0 ? h : 1;
}

/*
 * Validation: YES once k consecutive numbers (each the previous plus one,
 * modulo 2^width) of the stream were seen, CANDIDATE before. Before that,
 * a repeat of the last number leaves the count alone and any other number
 * starts over; after it, every number of the stream is YES, so that a
 * reordered or lost packet does not make a validated stream a candidate
 * again (another kind's candidate would then win, see detect_udp()).
 * The packet that completes a validation says how many came before it
 * (id->backlog, k - 1): their numbers are the k - 1 before its own.
 */
static enum wm_seq_detect_result
validate(struct wm_seq_detect *det, const struct wm_pkt_meta *m, unsigned int kind, uint32_t ident,
	 uint32_t seq, uint32_t wire_mask, unsigned int k, struct wm_seq_id *id)
{
	uint64_t tag = stream_tag(m, kind, ident);
	struct validate_entry *e = &det->table[tag & det->mask];

	if (e->tag == tag && e->valid) {
		e->last = seq;
		return WM_SEQ_DETECT_YES;
	}
	if (e->tag == tag && seq == ((e->last + 1) & wire_mask)) {
		if (e->count < UINT8_MAX)
			e->count++;
		e->last = seq;
		if (e->count == k)
			id->backlog = (uint8_t)(k - 1);
	} else if (e->tag != tag || seq != e->last) {
		e->tag = tag;
		e->last = seq;
		e->count = 1;
		e->valid = 0;
	}
	if (e->count >= k)
		e->valid = 1;
	return e->count >= k ? WM_SEQ_DETECT_YES : WM_SEQ_DETECT_CANDIDATE;
}

/* An RTP v2 header in the first avail bytes of the payload, not RTCP. */
static bool
rtp_header_ok(const uint8_t *p, uint32_t avail)
{
	if (avail < WM_SEQ_RTP_HDR_LEN)
		return false;
	if ((p[0] >> 6) != 2)
		return false;
	return p[1] < RTCP_PT_FIRST || p[1] > RTCP_PT_LAST;
}

static void
rtp_id(const uint8_t *p, struct wm_seq_id *id)
{
	id->kind = WM_SEQ_KIND_RTP;
	id->raw = rd16(p + 2);
	id->rtp_ssrc = rd32(p + 8);
	id->epoch = id->rtp_ssrc;
}

/*
 * TRex struct flow_stat_payload_header (src/flow_stat_parser.h):
 * { uint8_t magic; uint8_t flow_seq; uint16_t hw_id; uint32_t seq;
 *   uint64_t time_stamp; }, 16 bytes at the end of the packet, its fields
 * stored by plain assignment (trex_stateless send_node_flow_stat()), so
 * in the generator's host order: little-endian, as TRex runs on x86.
 */
static void
tester_id(const uint8_t *t, struct wm_seq_id *id)
{
	id->kind = WM_SEQ_KIND_TESTER;
	id->tester_flow_seq = t[1];
	id->tester_hw_id = rd16le(t + 2);
	id->raw = rd32le(t + 4);
	id->epoch = id->tester_flow_seq;
}

/* Can the trailer be there: whole, captured, at the end of a datagram, looked for at all? */
static inline bool
trailer_possible(const struct wm_seq_detect_conf *c, const struct wm_pkt_meta *m, uint32_t plen,
		 uint32_t avail)
{
	/* A fragment holds only part of the datagram, so not its end. */
	return !(m->flags & WM_PKT_F_FRAG) && plen >= WM_SEQ_TESTER_TRAILER_LEN && avail == plen &&
	       (c->tester_any_udp || c->n_tester_ports != 0);
}

/*
 * A UDP payload pl of plen bytes (avail of them captured) that starts
 * like RTP v2 or ends with the trailer's magic. Out of line: most UDP
 * payloads are neither, and their packets should not pay for its frame.
 */
static __attribute__((noinline)) enum wm_seq_detect_result
detect_udp_payload(struct wm_seq_detect *det, const struct wm_pkt_meta *m, const uint8_t *pl,
		   uint32_t plen, uint32_t avail, struct wm_seq_id *id)
{
	const struct wm_seq_detect_conf *c = &det->conf;
	enum wm_seq_detect_result tester = WM_SEQ_DETECT_NONE, rtp;
	struct wm_seq_id rtp_cand;
	bool rtp_ok;

	memset(id, 0, sizeof(*id));
	rtp_ok = rtp_header_ok(pl, avail);
	if (rtp_ok && port_in(c->rtp_ports, c->n_rtp_ports, m->sport, m->dport)) {
		rtp_id(pl, id);
		return WM_SEQ_DETECT_YES;
	}

	/* The trailer ends the UDP payload: it must be whole and captured. */
	if (trailer_possible(c, m, plen, avail)) {
		const uint8_t *t = pl + plen - WM_SEQ_TESTER_TRAILER_LEN;

		if (t[0] == WM_SEQ_TESTER_MAGIC) {
			if (port_in(c->tester_ports, c->n_tester_ports, m->sport, m->dport)) {
				tester_id(t, id);
				return WM_SEQ_DETECT_YES;
			}
			if (c->tester_any_udp) {
				tester_id(t, id);
				tester = validate(det, m, WM_SEQ_KIND_TESTER, id->tester_hw_id,
						  id->raw, UINT32_MAX, c->tester_validate_k, id);
				if (tester == WM_SEQ_DETECT_YES)
					return tester;
			}
		}
	}
	if (!rtp_ok || !c->rtp_heuristic)
		return tester;
	/*
	 * Both heuristics see every packet, so each counts its own evidence.
	 * A payload byte that happens to be the TRex magic makes a mere
	 * candidate: a validated RTP stream keeps its packet.
	 */
	memset(&rtp_cand, 0, sizeof(rtp_cand));
	rtp_id(pl, &rtp_cand);
	rtp = validate(det, m, WM_SEQ_KIND_RTP, rtp_cand.rtp_ssrc, rtp_cand.raw, UINT16_MAX,
		       c->rtp_heuristic_k, &rtp_cand);
	if (rtp == WM_SEQ_DETECT_YES || tester == WM_SEQ_DETECT_NONE) {
		*id = rtp_cand;
		return rtp;
	}
	return tester;
}

/*
 * A UDP packet: its payload's bounds, and the full look only for a
 * payload that starts with RTP's version 2 or ends with the trailer's
 * magic (what every sequence-bearing UDP payload has), so the common
 * UDP packet costs a few loads and no call. id is left alone for NONE.
 */
static inline enum wm_seq_detect_result
detect_udp(struct wm_seq_detect *det, const struct wm_pkt_meta *m,
	   const struct wm_seq_udp_payload *up, struct wm_seq_id *id)
{
	const struct wm_seq_udp_payload u = *up;

	/* RTP on a configured port, the common sequence-bearing packet: decided here. */
	if (rtp_header_ok(u.pl, u.avail) &&
	    port_in(det->conf.rtp_ports, det->conf.n_rtp_ports, m->sport, m->dport)) {
		memset(id, 0, sizeof(*id));
		rtp_id(u.pl, id);
		return WM_SEQ_DETECT_YES;
	}
	/* wm_seq_udp_payload_maybe(), and a trailer only where the configuration looks for one. */
	if ((u.avail >= WM_SEQ_RTP_HDR_LEN && (u.pl[0] >> 6) == 2) ||
	    (trailer_possible(&det->conf, m, u.plen, u.avail) &&
	     u.pl[u.plen - WM_SEQ_TESTER_TRAILER_LEN] == WM_SEQ_TESTER_MAGIC))
		return detect_udp_payload(det, m, u.pl, u.plen, u.avail, id);
	return WM_SEQ_DETECT_NONE;
}

enum wm_seq_detect_result
wm_seq_detect_udp(struct wm_seq_detect *det, const struct wm_pkt_meta *m,
		  const struct wm_seq_udp_payload *u, struct wm_seq_id *id)
{
	enum wm_seq_detect_result r = detect_udp(det, m, u, id);

	if (r == WM_SEQ_DETECT_NONE)
		memset(id, 0, sizeof(*id));
	return r;
}

enum wm_seq_detect_result
wm_seq_detect_pkt(struct wm_seq_detect *det, const struct wm_pkt_meta *m, uint32_t len,
		  struct wm_seq_id *id)
{
	const bool ip = m->kind == WM_PKT_KIND_IPV4 || m->kind == WM_PKT_KIND_IPV6;
	enum wm_seq_detect_result r;

	/* The parser reads no further than this either. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	if (m->eth == NULL)
		goto none;
	/* UDP first, the common case: its NONE zeroes id once, below. */
	if (ip && !(m->flags & WM_PKT_F_ESP)) {
		struct wm_seq_udp_payload u;

		if (m->proto != IPPROTO_UDP_ || !wm_seq_udp_payload(m, len, &u))
			goto none;
		r = detect_udp(det, m, &u, id);
		if (r == WM_SEQ_DETECT_NONE)
			goto none;
		return r;
	}
	memset(id, 0, sizeof(*id));
	if (m->kind == WM_PKT_KIND_MACSEC) {
		id->kind = WM_SEQ_KIND_MACSEC;
		id->raw = m->macsec_pn;
		id->macsec_sci = m->macsec_sci;
		id->macsec_an = m->macsec_an;
		id->epoch = m->macsec_an;
		return WM_SEQ_DETECT_YES;
	}
	/* IP protocol 50, or UDP 4500 that passed the non-ESP marker check. */
	if (ip) {
		id->kind = WM_SEQ_KIND_ESP;
		id->raw = m->esp_seq;
		id->esp_spi = m->spi;
		id->epoch = m->spi;
		return WM_SEQ_DETECT_YES;
	}
none:
	memset(id, 0, sizeof(*id));
	return WM_SEQ_DETECT_NONE;
}
