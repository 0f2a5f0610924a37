/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/seq: sequence detection and the tracker. The first byte picks a
 * mode:
 *
 * - even: number sequences. The profile (W, K, J, ESN/XPN) and the kind
 *   come from the input, then operations on a few streams of one pool:
 *   a packet with a number near the last one, or anywhere, sometimes in
 *   a new epoch; finalize; release and allocate again.
 * - odd: frames. A detector configured from the input takes frames
 *   (2-byte length, then the bytes) that the parser accepted; every
 *   sequence number it finds goes to the stream of its identity, as the
 *   worker does.
 *
 * After every packet the current epoch's invariant
 *   T - base + 1 = unique + lost + pending
 * must hold, with pending counted from the bitmap and agreeing between
 * the three read functions (as tests/unit/test_seq.c checks), and the
 * running counters may only grow.
 */

#include <errno.h>

#include "fuzz.h"
#include "wm_pkt.h"
#include "wm_seq.h"

#define MAX_STREAMS 8

/* The counters that only ever grow, by their index in WM_SEQ_FOREACH_COUNTER. */
static const enum wm_seq_counter_id growing[] = {
	WM_SEQ_CTR_rx,		WM_SEQ_CTR_unique,   WM_SEQ_CTR_late,
	WM_SEQ_CTR_dup,		WM_SEQ_CTR_lost,     WM_SEQ_CTR_gap_events,
	WM_SEQ_CTR_wraps,	WM_SEQ_CTR_restarts, WM_SEQ_CTR_proto_violation,
	WM_SEQ_CTR_max_reorder,
};

static void
check_stream(struct wm_seq_pool *pool, uint32_t idx, const struct wm_seq_counters *before,
	     struct wm_seq_counters *now)
{
	struct wm_seq_epoch_state e;
	int64_t pending;
	unsigned int i;

	FUZZ_CHECK(wm_seq_stream_epoch(pool, idx, &e) == 0, "epoch of a live stream");
	FUZZ_CHECK(wm_seq_stream_counters(pool, idx, now) == 0, "counters of a live stream");
	pending = wm_seq_stream_pending(pool, idx);
	if (!e.open) {
		FUZZ_CHECK(e.unique == 0 && e.lost == 0 && pending == 0, "closed epoch empty");
		return;
	}
	FUZZ_CHECK(e.last >= e.first, "T %" PRIu64 " >= base %" PRIu64, e.last, e.first);
	FUZZ_CHECK(e.last - e.first + 1 == e.unique + e.lost + e.pending,
		   "invariant: T 0x%" PRIx64 " - base 0x%" PRIx64 " + 1 == unique %" PRIu64
		   " + lost %" PRIu64 " + pending %" PRIu64,
		   e.last, e.first, e.unique, e.lost, e.pending);
	FUZZ_CHECK(pending == (int64_t)e.pending && now->pending == e.pending,
		   "pending agrees: %" PRId64 " %" PRIu64 " %" PRIu64, pending, now->pending,
		   e.pending);
	FUZZ_CHECK(now->first == e.first && now->last == e.last, "first/last agree");
	FUZZ_CHECK(e.unique <= now->unique && e.lost <= now->lost,
		   "epoch counts within the stream's");
	for (i = 0; before != NULL && i < sizeof(growing) / sizeof(growing[0]); i++)
		FUZZ_CHECK(wm_seq_counter_get(now, growing[i]) >=
				   wm_seq_counter_get(before, growing[i]),
			   "%s went down", wm_seq_counter_name(growing[i]));
}

/* One packet to a stream, and the checks that follow every packet. */
static void
feed(struct wm_seq_pool *pool, uint32_t idx, uint64_t raw, uint64_t epoch)
{
	struct wm_seq_counters before, now;
	struct wm_seq_event ev;
	enum wm_seq_class cls;

	FUZZ_CHECK(wm_seq_stream_counters(pool, idx, &before) == 0, "counters");
	memset(&ev, 0xa5, sizeof(ev));
	cls = wm_seq_stream_update(pool, idx, raw, epoch, &ev);
	FUZZ_CHECK(cls < WM_SEQ_CLASS_MAX && cls != WM_SEQ_INVALID, "class %d of a live stream",
		   cls);
	if (wm_seq_class_is_event(cls))
		FUZZ_CHECK(ev.type == cls, "event type %u for class %s", ev.type,
			   wm_seq_class_name(cls));
	check_stream(pool, idx, &before, &now);
	FUZZ_CHECK(now.rx == before.rx + 1, "rx counts the packet");
}

static void
profiles_from(struct fuzz_in *in, struct wm_seq_profiles *pr)
{
	unsigned int k;

	wm_seq_profiles_default(pr);
	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		struct wm_seq_profile *p = &pr->kind[k];
		const uint8_t how = fuzz_u8(in);

		if ((how & 1) == 0)
			continue; /* the default */
		p->window = 1 + fuzz_u16(in) % (k == WM_SEQ_KIND_RTP ? 32768 : WM_SEQ_WINDOW_MAX);
		p->restart_k = 1 + (how >> 1) % WM_SEQ_RESTART_K_MAX;
		p->ext64 = (how & 0x10) != 0;
		p->jump = (how & 0x20) ? WM_SEQ_JUMP_NONE : 1 + (fuzz_u32(in) & 0xffffff);
	}
	FUZZ_CHECK(wm_seq_profiles_validate(pr) == 0, "profiles valid");
}

/* Mode 0: operations on a few streams of one pool. */
static void
run_numbers(struct fuzz_in *in)
{
	struct wm_seq_profiles pr;
	struct wm_seq_pool *pool;
	struct {
		int idx;
		uint8_t kind;
		uint64_t raw, epoch;
	} s[MAX_STREAMS];
	unsigned int i, n = 0;

	profiles_from(in, &pr);
	pool = wm_seq_pool_create(MAX_STREAMS, &pr);
	FUZZ_CHECK(pool != NULL, "pool: %s", strerror(errno));
	while (in->n > 0) {
		const uint8_t op = fuzz_u8(in);
		const unsigned int which = (op >> 4) % MAX_STREAMS;

		if (which >= n) {
			/* A new stream; its kind and extension from the operation. */
			if (n == MAX_STREAMS)
				continue;
			s[n].kind = op % WM_SEQ_KIND_MAX;
			s[n].epoch = fuzz_u8(in) & 3;
			s[n].raw = fuzz_u32(in);
			s[n].idx = wm_seq_stream_alloc(pool, s[n].kind, (op & 4) != 0, s[n].epoch);
			FUZZ_CHECK(s[n].idx >= 0, "alloc with room: %d", s[n].idx);
			check_stream(pool, (uint32_t)s[n].idx, NULL, &(struct wm_seq_counters){0});
			n++;
			continue;
		}
		switch (op & 0xf) {
		case 0: /* anywhere */
			s[which].raw = fuzz_u32(in);
			break;
		case 1: /* a new epoch */
			s[which].epoch = (s[which].epoch + 1) & 3;
			break;
		case 2: {
			struct wm_seq_counters now;

			FUZZ_CHECK(wm_seq_stream_finalize(pool, (uint32_t)s[which].idx) == 0,
				   "finalize");
			check_stream(pool, (uint32_t)s[which].idx, NULL, &now);
			FUZZ_CHECK(now.pending == 0, "nothing pending after finalize");
			continue;
		}
		case 3: /* released, and allocated again: a fresh stream */
			FUZZ_CHECK(wm_seq_stream_release(pool, (uint32_t)s[which].idx) == 0,
				   "release");
			FUZZ_CHECK(wm_seq_stream_update(pool, (uint32_t)s[which].idx, 1,
							s[which].epoch, NULL) == WM_SEQ_INVALID,
				   "a released stream is invalid");
			s[which].idx = wm_seq_stream_alloc(pool, s[which].kind, (op & 0x10) != 0,
							   s[which].epoch);
			FUZZ_CHECK(s[which].idx >= 0, "alloc after release");
			continue;
		case 4: /* a large step forward */
			s[which].raw += fuzz_u16(in) * (uint64_t)fuzz_u8(in);
			break;
		default: /* near the last one: -8 .. +7, the next one most often */
			s[which].raw +=
				(op & 0xf) < 10 ? 1 : (uint64_t)(int64_t)((int8_t)fuzz_u8(in) >> 4);
			break;
		}
		feed(pool, (uint32_t)s[which].idx, s[which].raw, s[which].epoch);
	}
	for (i = 0; i < n; i++)
		wm_seq_stream_release(pool, (uint32_t)s[i].idx);
	wm_seq_pool_free(pool);
}

/* The identity a stream is keyed by (its epoch value excluded: a change restarts it). */
static uint64_t
identity(const struct wm_seq_id *id)
{
	switch (id->kind) {
	case WM_SEQ_KIND_MACSEC:
		return id->macsec_sci;
	case WM_SEQ_KIND_ESP:
		return id->esp_spi;
	case WM_SEQ_KIND_RTP:
		return id->rtp_ssrc;
	default:
		return id->tester_hw_id;
	}
}

static void
check_id(enum wm_seq_detect_result r, const struct wm_seq_id *id)
{
	static const struct wm_seq_id zero;

	FUZZ_CHECK(r == WM_SEQ_DETECT_NONE || r == WM_SEQ_DETECT_YES ||
			   r == WM_SEQ_DETECT_CANDIDATE,
		   "result %d", r);
	if (r == WM_SEQ_DETECT_NONE) {
		FUZZ_CHECK(memcmp(id, &zero, sizeof(zero)) == 0, "id zeroed for no sequence");
		return;
	}
	FUZZ_CHECK(id->kind < WM_SEQ_KIND_MAX, "kind %u", id->kind);
	if (id->kind == WM_SEQ_KIND_RTP)
		FUZZ_CHECK(id->raw <= UINT16_MAX, "RTP numbers are 16 bits: %u", id->raw);
}

static void
detect_conf_from(struct fuzz_in *in, struct wm_seq_detect_conf *c)
{
	const uint8_t f = fuzz_u8(in);
	unsigned int i;

	wm_seq_detect_conf_default(c);
	c->rtp_heuristic = (f & 1) != 0;
	c->tester_any_udp = (f & 2) != 0;
	c->rtp_heuristic_k = 1 + (f >> 2) % 4;
	c->tester_validate_k = 1 + (f >> 4) % 3;
	c->validate_entries = 1u << (f >> 6); /* small tables: collisions happen */
	c->n_rtp_ports = fuzz_u8(in) % (WM_SEQ_DETECT_PORT_RANGES_MAX + 1);
	c->n_tester_ports = fuzz_u8(in) % (WM_SEQ_DETECT_PORT_RANGES_MAX + 1);
	for (i = 0; i < c->n_rtp_ports; i++) {
		c->rtp_ports[i].first = fuzz_u16(in);
		c->rtp_ports[i].last = c->rtp_ports[i].first + (fuzz_u8(in) & 3);
		if (c->rtp_ports[i].last < c->rtp_ports[i].first)
			c->rtp_ports[i].last = UINT16_MAX;
	}
	for (i = 0; i < c->n_tester_ports; i++) {
		c->tester_ports[i].first = fuzz_u16(in);
		c->tester_ports[i].last = c->tester_ports[i].first + (fuzz_u8(in) & 3);
		if (c->tester_ports[i].last < c->tester_ports[i].first)
			c->tester_ports[i].last = UINT16_MAX;
	}
}

/* Mode 1: frames through the parser, detection, and the streams they name. */
static void
run_frames(struct fuzz_in *in)
{
	struct wm_seq_detect_conf dc;
	struct wm_seq_profiles pr;
	struct wm_seq_detect *det;
	struct wm_seq_pool *pool;
	struct {
		uint8_t kind;
		uint64_t key;
		uint32_t idx;
	} s[MAX_STREAMS];
	unsigned int n = 0, i;

	detect_conf_from(in, &dc);
	profiles_from(in, &pr);
	det = wm_seq_detect_create(&dc);
	FUZZ_CHECK(det != NULL, "detector: %s", strerror(errno));
	pool = wm_seq_pool_create(MAX_STREAMS, &pr);
	FUZZ_CHECK(pool != NULL, "pool: %s", strerror(errno));
	while (in->n > 0) {
		const uint32_t len = fuzz_u16(in) % 2048;
		uint8_t *frame = malloc(len > 0 ? len : 1); /* exactly len: ASan sees overreads */
		enum wm_seq_detect_result r;
		struct wm_pkt_meta m;
		struct wm_seq_id id;

		FUZZ_CHECK(frame != NULL, "malloc");
		fuzz_fill(in, frame, len);
		memset(&id, 0x5a, sizeof(id));
		if (wm_pkt_parse(frame, len, &m) == WM_PKT_OK) {
			r = wm_seq_detect_pkt(det, &m, len, &id);
			check_id(r, &id);
			for (i = 0; r != WM_SEQ_DETECT_NONE && i < n; i++)
				if (s[i].kind == id.kind && s[i].key == identity(&id))
					break;
			/* As the worker: a heuristic still collecting evidence starts nothing. */
			if (r == WM_SEQ_DETECT_YES && i == n && n < MAX_STREAMS) {
				int idx = wm_seq_stream_alloc(pool, id.kind, false, id.epoch);

				FUZZ_CHECK(idx >= 0, "alloc with room: %d", idx);
				s[n++] = (typeof(s[0])){id.kind, identity(&id), (uint32_t)idx};
			}
			if (r != WM_SEQ_DETECT_NONE && i < n)
				feed(pool, s[i].idx, id.raw, id.epoch);
		}
		free(frame);
	}
	wm_seq_pool_free(pool);
	wm_seq_detect_free(det);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};

	if (size == 0)
		return 0;
	if (fuzz_u8(&in) & 1)
		run_frames(&in);
	else
		run_numbers(&in);
	return 0;
}
