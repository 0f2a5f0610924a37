/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/seq: the sequence tracker and detection.
 *
 * Tracker tests feed wire numbers to one stream and compare every
 * counter with an expected struct, so a counter that should stay zero is
 * checked as well. After every packet the epoch invariant
 * T - base + 1 = unique + lost + pending is asserted, with pending
 * counted from the bitmap. The randomized test checks the tracker
 * against a small reference model (a plain array of received numbers)
 * after every packet.
 *
 * Detection tests build frames byte by byte, parse them with
 * wm_pkt_parse() from a heap buffer of exactly the frame's length, and
 * detect from the same buffer, so AddressSanitizer reports any read past
 * the end.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "wm_cunit.h"
#include "wm_pkt.h"
#include "wm_seq.h"

#define CHECK(cond, file, line, ...)                                                           \
	do {                                                                                   \
		char msg_[256];                                                                \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                     \
		CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, (line), msg_, (file), "", \
					CU_FALSE);                                             \
	} while (0)

/* ---- a tracked stream ---- */

/* One pool holding one stream, with the epoch value its packets carry. */
struct trk {
	struct wm_seq_pool *pool;
	uint32_t idx;
	uint64_t epoch;
};

/*
 * The generic profile of the worked examples: 32-bit serial arithmetic
 * (the tester kind), W 8, J infinite, K 2. Other kinds keep the defaults.
 */
static struct wm_seq_profiles
example_profiles(void)
{
	struct wm_seq_profiles p;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_TESTER].window = 8;
	p.kind[WM_SEQ_KIND_TESTER].jump = WM_SEQ_JUMP_NONE;
	return p;
}

static void
trk_open(struct trk *t, const struct wm_seq_profiles *p, enum wm_seq_kind kind, bool ext64)
{
	int idx;

	t->epoch = 0;
	t->pool = wm_seq_pool_create(4, p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t->pool);
	idx = wm_seq_stream_alloc(t->pool, kind, ext64, t->epoch);
	CU_ASSERT_FATAL(idx >= 0);
	t->idx = (uint32_t)idx;
}

static void
trk_close(struct trk *t)
{
	wm_seq_pool_free(t->pool);
	t->pool = NULL;
}

/* The invariant of the current epoch, and agreement between the read functions. */
static void
check_invariant(const struct trk *t, const char *file, unsigned int line)
{
	struct wm_seq_epoch_state e;
	struct wm_seq_counters c;
	int64_t pending;

	CU_ASSERT_EQUAL_FATAL(wm_seq_stream_epoch(t->pool, t->idx, &e), 0);
	CU_ASSERT_EQUAL_FATAL(wm_seq_stream_counters(t->pool, t->idx, &c), 0);
	pending = wm_seq_stream_pending(t->pool, t->idx);
	if (!e.open) {
		CHECK(e.unique == 0 && e.lost == 0 && pending == 0, file, line,
		      "closed epoch empty");
		return;
	}
	CHECK(e.last - e.first + 1 == e.unique + e.lost + e.pending, file, line,
	      "invariant: T 0x%" PRIx64 " - base 0x%" PRIx64 " + 1 == unique %" PRIu64
	      " + lost %" PRIu64 " + pending %" PRIu64,
	      e.last, e.first, e.unique, e.lost, e.pending);
	CHECK(pending == (int64_t)e.pending && c.pending == e.pending, file, line,
	      "pending agrees: %" PRId64 " %" PRIu64 " %" PRIu64, pending, c.pending, e.pending);
	CHECK(c.first == e.first && c.last == e.last, file, line, "first/last agree");
	CHECK(e.unique <= c.unique && e.lost <= c.lost, file, line,
	      "epoch counts within the stream's");
}

static enum wm_seq_class
put_at(struct trk *t, uint64_t raw, struct wm_seq_event *ev, const char *file, unsigned int line)
{
	enum wm_seq_class cls = wm_seq_stream_update(t->pool, t->idx, raw, t->epoch, ev);

	check_invariant(t, file, line);
	return cls;
}

#define PUT(t, raw) put_at((t), (raw), NULL, __FILE__, __LINE__)

/* Feed raw and expect its classification. */
static void
expect_class_at(struct trk *t, uint64_t raw, enum wm_seq_class exp, const char *file,
		unsigned int line)
{
	enum wm_seq_class got = put_at(t, raw, NULL, file, line);

	CHECK(got == exp, file, line, "raw 0x%" PRIx64 ": %s (got %s)", raw, wm_seq_class_name(exp),
	      wm_seq_class_name(got));
}

#define EXPECT_CLASS(t, raw, cls) expect_class_at((t), (raw), (cls), __FILE__, __LINE__)

/* Feed raw and expect its classification and event. */
static void
expect_event_at(struct trk *t, uint64_t raw, enum wm_seq_class exp, uint64_t expected,
		uint64_t received, uint64_t missing, const char *file, unsigned int line)
{
	struct wm_seq_event ev;
	enum wm_seq_class got;

	memset(&ev, 0xa5, sizeof(ev));
	got = put_at(t, raw, &ev, file, line);
	CHECK(got == exp, file, line, "raw 0x%" PRIx64 ": %s (got %s)", raw, wm_seq_class_name(exp),
	      wm_seq_class_name(got));
	CHECK(ev.type == exp && ev.expected == expected && ev.received == received &&
		      ev.missing == missing && ev.distance == (int64_t)(received - (expected - 1)),
	      file, line,
	      "event of 0x%" PRIx64 ": type %u expected 0x%" PRIx64 " received 0x%" PRIx64
	      " missing %" PRIu64 " distance %" PRId64,
	      raw, ev.type, ev.expected, ev.received, ev.missing, ev.distance);
}

#define EXPECT_EVENT(t, raw, cls, expected, received, missing) \
	expect_event_at((t), (raw), (cls), (expected), (received), (missing), __FILE__, __LINE__)

/* Feed from..to inclusive (wire values; the caller keeps them in range). */
static void
put_range_at(struct trk *t, uint64_t from, uint64_t to, const char *file, unsigned int line)
{
	uint64_t r;

	for (r = from; r <= to; r++)
		put_at(t, r, NULL, file, line);
}

#define PUT_RANGE(t, from, to) put_range_at((t), (from), (to), __FILE__, __LINE__)

/* Every counter equals exp. */
static void
expect_counters_at(const struct trk *t, const struct wm_seq_counters *exp, const char *file,
		   unsigned int line)
{
	struct wm_seq_counters got;

	CU_ASSERT_EQUAL_FATAL(wm_seq_stream_counters(t->pool, t->idx, &got), 0);
#define CTR_EQ(f, n)                                                                        \
	CHECK(got.f == exp->f, file, line, #n " (%s) == %" PRIu64 " (got %" PRIu64 ")", #f, \
	      exp->f, got.f);
	WM_SEQ_FOREACH_COUNTER(CTR_EQ)
#undef CTR_EQ
}

#define EXPECT_COUNTERS(t, ...)                                     \
	do {                                                        \
		const struct wm_seq_counters exp_ = __VA_ARGS__;    \
		expect_counters_at((t), &exp_, __FILE__, __LINE__); \
	} while (0)

static void
finalize(struct trk *t)
{
	CU_ASSERT_EQUAL(wm_seq_stream_finalize(t->pool, t->idx), 0);
	check_invariant(t, __FILE__, __LINE__);
}

/* ---- the worked examples of SEQUENCE.md ---- */

/* 1 2 3 5 6: unique 5, gap_events 1, pending 1, lost 0; after flush lost 1. */
static void
test_seq_example_1_simple_gap(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	EXPECT_CLASS(&t, 1, WM_SEQ_FIRST);
	EXPECT_CLASS(&t, 2, WM_SEQ_IN_ORDER);
	EXPECT_CLASS(&t, 3, WM_SEQ_IN_ORDER);
	EXPECT_EVENT(&t, 5, WM_SEQ_GAP, 4, 5, 1);
	EXPECT_CLASS(&t, 6, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(
		&t, {.rx = 5, .unique = 5, .gap_events = 1, .pending = 1, .first = 1, .last = 6});
	finalize(&t);
	EXPECT_COUNTERS(&t,
			{.rx = 5, .unique = 5, .gap_events = 1, .lost = 1, .first = 1, .last = 6});
	trk_close(&t);
}

/* 1 2 4 3 5: unique 5, late 1, gap_events 1, max_reorder 1, lost 0. */
static void
test_seq_example_2_reorder_within_window(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT(&t, 1);
	PUT(&t, 2);
	EXPECT_EVENT(&t, 4, WM_SEQ_GAP, 3, 4, 1);
	EXPECT_EVENT(&t, 3, WM_SEQ_LATE, 5, 3, 0);
	EXPECT_CLASS(&t, 5, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 5,
			     .unique = 5,
			     .late = 1,
			     .gap_events = 1,
			     .max_reorder = 1,
			     .first = 1,
			     .last = 5});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 5,
			     .unique = 5,
			     .late = 1,
			     .gap_events = 1,
			     .max_reorder = 1,
			     .first = 1,
			     .last = 5});
	trk_close(&t);
}

/* 1..10, 12..20, 11: 11 is lost when 19 arrives; the late 11 is too_old. */
static void
test_seq_example_3_reorder_beyond_window(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 1, 10);
	EXPECT_EVENT(&t, 12, WM_SEQ_GAP, 11, 12, 1);
	PUT_RANGE(&t, 13, 18);
	/* The window is [11, 18]: 11 is still pending. */
	EXPECT_COUNTERS(
		&t,
		{.rx = 17, .unique = 17, .gap_events = 1, .pending = 1, .first = 1, .last = 18});
	PUT(&t, 19);
	EXPECT_COUNTERS(
		&t, {.rx = 18, .unique = 18, .gap_events = 1, .lost = 1, .first = 1, .last = 19});
	PUT(&t, 20);
	EXPECT_EVENT(&t, 11, WM_SEQ_TOO_OLD, 21, 11, 0);
	EXPECT_COUNTERS(&t, {.rx = 20,
			     .unique = 19,
			     .too_old = 1,
			     .lost = 1,
			     .gap_events = 1,
			     .first = 1,
			     .last = 20});
	trk_close(&t);
}

/* 1 2 3 3 4: unique 4, dup 1. */
static void
test_seq_example_4_duplicate(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 1, 3);
	EXPECT_EVENT(&t, 3, WM_SEQ_DUP, 4, 3, 0);
	EXPECT_CLASS(&t, 4, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 5, .unique = 4, .dup = 1, .first = 1, .last = 4});
	trk_close(&t);
}

/* 1..6, 2: unique 6, dup 1 (2 is still in the window). */
static void
test_seq_example_5_duplicate_of_old(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 1, 6);
	EXPECT_EVENT(&t, 2, WM_SEQ_DUP, 7, 2, 0);
	EXPECT_COUNTERS(&t, {.rx = 7, .unique = 6, .dup = 1, .first = 1, .last = 6});
	trk_close(&t);
}

/*
 * FFFFFFFE FFFFFFFF 0 1: T = 0x1_00000001, wraps 1, lost 0. The ESP and
 * MACsec variants without ESN/XPN are test_seq_esp_wrap_without_esn.
 */
static void
test_seq_example_6_wrap32(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	EXPECT_CLASS(&t, 0xfffffffe, WM_SEQ_FIRST);
	EXPECT_CLASS(&t, 0xffffffff, WM_SEQ_IN_ORDER);
	EXPECT_CLASS(&t, 0, WM_SEQ_IN_ORDER);
	EXPECT_CLASS(&t, 1, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .wraps = 1,
			     .first = 0xfffffffe,
			     .last = UINT64_C(0x100000001)});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .wraps = 1,
			     .first = 0xfffffffe,
			     .last = UINT64_C(0x100000001)});
	trk_close(&t);
}

/* RTP (W 100, J 3000): 65534 0 65535 1 -> 65534, 65536, 65535 (late), 65537. */
static void
test_seq_example_7_rtp_wrap_reorder(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	trk_open(&t, &p, WM_SEQ_KIND_RTP, false);
	EXPECT_CLASS(&t, 65534, WM_SEQ_FIRST);
	EXPECT_EVENT(&t, 0, WM_SEQ_GAP, 65535, 65536, 1);
	EXPECT_EVENT(&t, 65535, WM_SEQ_LATE, 65537, 65535, 0);
	EXPECT_CLASS(&t, 1, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .late = 1,
			     .gap_events = 1,
			     .wraps = 1,
			     .max_reorder = 1,
			     .first = 65534,
			     .last = 65537});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .late = 1,
			     .gap_events = 1,
			     .wraps = 1,
			     .max_reorder = 1,
			     .first = 65534,
			     .last = 65537});
	trk_close(&t);
}

/* RTP: 100 101 102 10000 10001 10002: the jump is confirmed, new base 10000. */
static void
test_seq_example_8_large_jump(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	trk_open(&t, &p, WM_SEQ_KIND_RTP, false);
	PUT_RANGE(&t, 100, 102);
	EXPECT_EVENT(&t, 10000, WM_SEQ_JUMP, 103, 10000, 0);
	EXPECT_COUNTERS(&t, {.rx = 4, .unique = 3, .jump_suspect = 1, .first = 100, .last = 102});
	EXPECT_EVENT(&t, 10001, WM_SEQ_RESTART, 103, 10000, 0);
	EXPECT_COUNTERS(&t, {.rx = 5, .unique = 5, .restarts = 1, .first = 10000, .last = 10001});
	EXPECT_CLASS(&t, 10002, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 6, .unique = 6, .restarts = 1, .first = 10000, .last = 10002});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 6, .unique = 6, .restarts = 1, .first = 10000, .last = 10002});
	trk_close(&t);
}

/* 4990..5000, 1 2 3: 1 is a provisional too_old; 2 confirms the restart. */
static void
test_seq_example_9_restart_from_1(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 4990, 5000);
	EXPECT_EVENT(&t, 1, WM_SEQ_TOO_OLD, 5001, 1, 0);
	EXPECT_COUNTERS(&t, {.rx = 12, .unique = 11, .too_old = 1, .first = 4990, .last = 5000});
	EXPECT_EVENT(&t, 2, WM_SEQ_RESTART, 5001, 1, 0);
	EXPECT_CLASS(&t, 3, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 14, .unique = 14, .restarts = 1, .first = 1, .last = 3});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 14, .unique = 14, .restarts = 1, .first = 1, .last = 3});
	trk_close(&t);
}

/* ESN, W 64: T = 0x0_FFFFFFF0, then 0x5 -> 0x1_00000005, then 0xFFFFFFF8 late. */
static void
test_seq_example_10_esn_wrap(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_ESP].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	EXPECT_CLASS(&t, 0xfffffff0, WM_SEQ_FIRST);
	EXPECT_EVENT(&t, 0x5, WM_SEQ_GAP, 0xfffffff1, UINT64_C(0x100000005), 20);
	EXPECT_COUNTERS(&t, {.rx = 2,
			     .unique = 2,
			     .pending = 20,
			     .gap_events = 1,
			     .wraps = 1,
			     .first = 0xfffffff0,
			     .last = UINT64_C(0x100000005)});
	EXPECT_EVENT(&t, 0xfffffff8, WM_SEQ_LATE, UINT64_C(0x100000006), 0xfffffff8, 0);
	EXPECT_COUNTERS(&t, {.rx = 3,
			     .unique = 3,
			     .late = 1,
			     .pending = 19,
			     .gap_events = 1,
			     .wraps = 1,
			     .max_reorder = 13,
			     .first = 0xfffffff0,
			     .last = UINT64_C(0x100000005)});
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 3,
			     .unique = 3,
			     .late = 1,
			     .lost = 19,
			     .gap_events = 1,
			     .wraps = 1,
			     .max_reorder = 13,
			     .first = 0xfffffff0,
			     .last = UINT64_C(0x100000005)});
	trk_close(&t);
}

/* XPN, W 64: T = 0x0_FFFFFFEF, then 0x10 -> 0x1_00000010, then 0xFFFFFFF5 late. */
static void
test_seq_example_11_xpn_wrap(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_MACSEC].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_MACSEC, true);
	EXPECT_CLASS(&t, 0xffffffef, WM_SEQ_FIRST);
	EXPECT_EVENT(&t, 0x10, WM_SEQ_GAP, 0xfffffff0, UINT64_C(0x100000010), 32);
	EXPECT_COUNTERS(&t, {.rx = 2,
			     .unique = 2,
			     .pending = 32,
			     .gap_events = 1,
			     .wraps = 1,
			     .first = 0xffffffef,
			     .last = UINT64_C(0x100000010)});
	EXPECT_EVENT(&t, 0xfffffff5, WM_SEQ_LATE, UINT64_C(0x100000011), 0xfffffff5, 0);
	EXPECT_COUNTERS(&t, {.rx = 3,
			     .unique = 3,
			     .late = 1,
			     .pending = 31,
			     .gap_events = 1,
			     .wraps = 1,
			     .max_reorder = 27,
			     .first = 0xffffffef,
			     .last = UINT64_C(0x100000010)});
	trk_close(&t);
}

/* ---- 64-bit extension ---- */

/* RFC 4303 A2.2 case A (Tl >= W - 1): Seqh = Th when Seql >= Bl, Th + 1 below. */
static void
test_seq_esn_case_a(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_ESP].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	PUT(&t, 0xfc0);
	EXPECT_EVENT(&t, 0x1000, WM_SEQ_GAP, 0xfc1, 0x1000, 63);
	/* Tl 0x1000, Bl 0xfc1. */
	EXPECT_EVENT(&t, 0xfc1, WM_SEQ_LATE, 0x1001, 0xfc1, 0);
	EXPECT_EVENT(&t, 0xfd0, WM_SEQ_LATE, 0x1001, 0xfd0, 0);
	/* Below Bl: the next subspace, 2^32 ahead: a suspect jump. */
	EXPECT_EVENT(&t, 0xfc0, WM_SEQ_JUMP, 0x1001, UINT64_C(0x100000fc0), 0);
	EXPECT_EVENT(&t, 0x10, WM_SEQ_JUMP, 0x1001, UINT64_C(0x100000010), 0);
	EXPECT_COUNTERS(&t, {.rx = 6,
			     .unique = 4,
			     .late = 2,
			     .pending = 61,
			     .gap_events = 1,
			     .jump_suspect = 2,
			     .max_reorder = 63,
			     .first = 0xfc0,
			     .last = 0x1000});
	trk_close(&t);
}

/* RFC 4303 A2.2 case B (Tl < W - 1): Seqh = Th - 1 when Seql >= Bl, Th below. */
static void
test_seq_esn_case_b(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_ESP].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	PUT(&t, 0xffffffc0);
	/* Case A into the next subspace: Tl 0x5, Th 1, Bl 0xffffffc6. */
	EXPECT_EVENT(&t, 0x5, WM_SEQ_GAP, 0xffffffc1, UINT64_C(0x100000005), 68);
	EXPECT_EVENT(&t, 0xfffffff8, WM_SEQ_LATE, UINT64_C(0x100000006), 0xfffffff8, 0);
	EXPECT_EVENT(&t, 0xffffffc6, WM_SEQ_LATE, UINT64_C(0x100000006), 0xffffffc6, 0);
	EXPECT_EVENT(&t, 0x3, WM_SEQ_LATE, UINT64_C(0x100000006), UINT64_C(0x100000003), 0);
	/* Just below Bl: Seqh = Th, far ahead. */
	EXPECT_EVENT(&t, 0xffffffc5, WM_SEQ_JUMP, UINT64_C(0x100000006), UINT64_C(0x1ffffffc5), 0);
	EXPECT_CLASS(&t, 0x6, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 7,
			     .unique = 6,
			     .late = 3,
			     .lost = 5,
			     .pending = 60,
			     .gap_events = 1,
			     .wraps = 1,
			     .jump_suspect = 1,
			     .max_reorder = 63,
			     .first = 0xffffffc0,
			     .last = UINT64_C(0x100000006)});
	trk_close(&t);
}

/*
 * Case B in the first subspace (Th = 0): Seqh = Th - 1 would be below
 * zero, before the stream began: too old, and a restart confirmed there
 * starts at the raw value.
 */
static void
test_seq_esn_case_b_before_zero(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_ESP].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	PUT(&t, 0x10);
	EXPECT_CLASS(&t, 0xfffffff0, WM_SEQ_TOO_OLD);
	EXPECT_EVENT(&t, 0xfffffff1, WM_SEQ_RESTART, 0x11, 0xfffffff0, 0);
	EXPECT_COUNTERS(
		&t, {.rx = 3, .unique = 3, .restarts = 1, .first = 0xfffffff0, .last = 0xfffffff1});
	trk_close(&t);
}

/* 802.1AEbt: lowestPN's high half, +1 when its low half's top bit is set and the PN's is not. */
static void
test_seq_xpn_recovery(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_MACSEC].window = 64;
	trk_open(&t, &p, WM_SEQ_KIND_MACSEC, true);
	PUT(&t, 0xffffff00);
	PUT(&t, 0xffffffef);
	/* lowestPN 0x0_ffffffb0: top bit set, PN's clear: next high half. */
	EXPECT_EVENT(&t, 0x10, WM_SEQ_GAP, 0xfffffff0, UINT64_C(0x100000010), 32);
	/* lowestPN 0x0_ffffffd1: both top bits set: the same high half. */
	EXPECT_EVENT(&t, 0xffffffd1, WM_SEQ_LATE, UINT64_C(0x100000011), 0xffffffd1, 0);
	EXPECT_EVENT(&t, 0xffffffd0, WM_SEQ_TOO_OLD, UINT64_C(0x100000011), 0xffffffd0, 0);
	EXPECT_EVENT(&t, 0x80000100, WM_SEQ_TOO_OLD, UINT64_C(0x100000011), 0x80000100, 0);
	EXPECT_EVENT(&t, 0x100, WM_SEQ_GAP, UINT64_C(0x100000011), UINT64_C(0x100000100), 239);
	/* lowestPN 0x1_000000c1: top bit clear: a PN with it set stays in high half 1. */
	EXPECT_EVENT(&t, 0xfffffff0, WM_SEQ_JUMP, UINT64_C(0x100000101), UINT64_C(0x1fffffff0), 0);
	EXPECT_EVENT(&t, 0xc1, WM_SEQ_LATE, UINT64_C(0x100000101), UINT64_C(0x1000000c1), 0);
	EXPECT_COUNTERS(&t, {.rx = 9,
			     .unique = 6,
			     .late = 2,
			     .too_old = 2,
			     .lost = 445,
			     .pending = 62,
			     .gap_events = 3,
			     .wraps = 1,
			     .jump_suspect = 1,
			     .max_reorder = 63,
			     .first = 0xffffff00,
			     .last = UINT64_C(0x100000100)});
	trk_close(&t);
}

/* ---- protocol violations ---- */

/* MACsec without XPN: PN 0 is invalid, not applied, and becomes the restart candidate. */
static void
test_seq_macsec_pn0_without_xpn(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	trk_open(&t, &p, WM_SEQ_KIND_MACSEC, false);
	PUT_RANGE(&t, 1, 3);
	EXPECT_EVENT(&t, 0, WM_SEQ_PROTO_VIOLATION, 4, 0, 0);
	EXPECT_COUNTERS(&t, {.rx = 4, .unique = 3, .proto_violation = 1, .first = 1, .last = 3});
	EXPECT_CLASS(&t, 4, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 5, .unique = 4, .proto_violation = 1, .first = 1, .last = 4});
	trk_close(&t);

	/* PN 0 as the first packet still opens the epoch. */
	trk_open(&t, &p, WM_SEQ_KIND_MACSEC, false);
	EXPECT_CLASS(&t, 0, WM_SEQ_FIRST);
	EXPECT_CLASS(&t, 1, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 2, .unique = 2, .proto_violation = 1, .first = 0, .last = 1});
	trk_close(&t);

	/* With XPN a low half of 0 is an ordinary number. */
	trk_open(&t, &p, WM_SEQ_KIND_MACSEC, true);
	PUT(&t, 0xffffffff);
	EXPECT_CLASS(&t, 0, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 2,
			     .unique = 2,
			     .wraps = 1,
			     .first = 0xffffffff,
			     .last = UINT64_C(0x100000000)});
	trk_close(&t);
}

/*
 * ESP without ESN: the 0 after FFFFFFFF is a protocol violation and the
 * restart candidate; the 1 after it confirms the restart. Worked example
 * 6's numbers hold (T 0x1_00000001, wraps 1, lost 0), with restarts 1.
 */
static void
test_seq_esp_wrap_without_esn(void)
{
	struct wm_seq_profiles p;
	struct trk t;

	wm_seq_profiles_default(&p);
	trk_open(&t, &p, WM_SEQ_KIND_ESP, false);
	EXPECT_CLASS(&t, 0xfffffffe, WM_SEQ_FIRST);
	EXPECT_CLASS(&t, 0xffffffff, WM_SEQ_IN_ORDER);
	EXPECT_EVENT(&t, 0, WM_SEQ_PROTO_VIOLATION, UINT64_C(0x100000000), UINT64_C(0x100000000),
		     0);
	EXPECT_EVENT(&t, 1, WM_SEQ_RESTART, UINT64_C(0x100000000), UINT64_C(0x100000000), 0);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .wraps = 1,
			     .restarts = 1,
			     .proto_violation = 1,
			     .first = UINT64_C(0x100000000),
			     .last = UINT64_C(0x100000001)});
	trk_close(&t);

	/* A wrap that skips 0 is a violation too. */
	trk_open(&t, &p, WM_SEQ_KIND_ESP, false);
	PUT(&t, 0xfffffff0);
	EXPECT_CLASS(&t, 0x5, WM_SEQ_PROTO_VIOLATION);
	EXPECT_CLASS(&t, 0x6, WM_SEQ_RESTART);
	EXPECT_COUNTERS(&t, {.rx = 3,
			     .unique = 3,
			     .wraps = 1,
			     .restarts = 1,
			     .proto_violation = 1,
			     .first = UINT64_C(0x100000005),
			     .last = UINT64_C(0x100000006)});
	trk_close(&t);

	/* With ESN the same numbers are an ordinary wrap. */
	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	PUT_RANGE(&t, 0xfffffffe, 0xffffffff);
	EXPECT_CLASS(&t, 0, WM_SEQ_IN_ORDER);
	EXPECT_CLASS(&t, 1, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 4,
			     .unique = 4,
			     .wraps = 1,
			     .first = 0xfffffffe,
			     .last = UINT64_C(0x100000001)});
	trk_close(&t);
}

/* ---- epochs and restarts ---- */

/* A new epoch value (AN, SSRC, flow_seq, SPI) restarts at once; open holes become lost. */
static void
test_seq_epoch_change_restarts(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	t.epoch = 7; /* differs from the allocation's: the first packet sets it */
	EXPECT_CLASS(&t, 1, WM_SEQ_FIRST);
	PUT(&t, 2);
	PUT(&t, 4);
	EXPECT_COUNTERS(
		&t, {.rx = 3, .unique = 3, .gap_events = 1, .pending = 1, .first = 1, .last = 4});
	t.epoch = 8;
	EXPECT_EVENT(&t, 1, WM_SEQ_RESTART, 5, 1, 0);
	EXPECT_CLASS(&t, 2, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 5,
			     .unique = 5,
			     .gap_events = 1,
			     .lost = 1,
			     .restarts = 1,
			     .first = 1,
			     .last = 2});
	/* An old-epoch packet is a new epoch again: the caller's value is the truth. */
	t.epoch = 7;
	EXPECT_CLASS(&t, 5, WM_SEQ_RESTART);
	EXPECT_COUNTERS(&t, {.rx = 6,
			     .unique = 6,
			     .gap_events = 1,
			     .lost = 1,
			     .restarts = 2,
			     .first = 5,
			     .last = 5});
	trk_close(&t);
}

/* K = 3: the second candidate is held, the third confirms; K = 1 restarts at once. */
static void
test_seq_restart_k_configurable(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	p.kind[WM_SEQ_KIND_TESTER].restart_k = 3;
	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 100, 110);
	EXPECT_CLASS(&t, 1, WM_SEQ_TOO_OLD);
	EXPECT_CLASS(&t, 2, WM_SEQ_HELD);
	EXPECT_COUNTERS(&t, {.rx = 13, .unique = 11, .too_old = 2, .first = 100, .last = 110});
	EXPECT_EVENT(&t, 3, WM_SEQ_RESTART, 111, 1, 0);
	EXPECT_COUNTERS(&t, {.rx = 14, .unique = 14, .restarts = 1, .first = 1, .last = 3});
	/* A broken run: the candidates stay counted as what they were. */
	EXPECT_CLASS(&t, 200, WM_SEQ_GAP);
	EXPECT_CLASS(&t, 50, WM_SEQ_TOO_OLD);
	EXPECT_CLASS(&t, 51, WM_SEQ_HELD);
	EXPECT_CLASS(&t, 201, WM_SEQ_IN_ORDER);
	EXPECT_COUNTERS(&t, {.rx = 18,
			     .unique = 16,
			     .too_old = 2,
			     .lost = 190,
			     .pending = 6,
			     .gap_events = 1,
			     .restarts = 1,
			     .first = 1,
			     .last = 201});
	trk_close(&t);

	p.kind[WM_SEQ_KIND_TESTER].restart_k = 1;
	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT_RANGE(&t, 100, 110);
	EXPECT_EVENT(&t, 1, WM_SEQ_RESTART, 111, 1, 0);
	EXPECT_COUNTERS(&t, {.rx = 12, .unique = 12, .restarts = 1, .first = 1, .last = 1});
	trk_close(&t);
}

/* After finalize, holes are lost for good: a late packet for one is too old. */
static void
test_seq_finalize_then_late(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;

	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT(&t, 1);
	PUT(&t, 2);
	PUT(&t, 4);
	finalize(&t);
	EXPECT_COUNTERS(&t,
			{.rx = 3, .unique = 3, .lost = 1, .gap_events = 1, .first = 1, .last = 4});
	EXPECT_CLASS(&t, 3, WM_SEQ_TOO_OLD);
	EXPECT_CLASS(&t, 2, WM_SEQ_DUP);
	EXPECT_CLASS(&t, 6, WM_SEQ_GAP);
	EXPECT_CLASS(&t, 5, WM_SEQ_LATE);
	finalize(&t);
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 7,
			     .unique = 5,
			     .late = 1,
			     .dup = 1,
			     .too_old = 1,
			     .lost = 1,
			     .gap_events = 2,
			     .max_reorder = 1,
			     .first = 1,
			     .last = 6});
	trk_close(&t);
}

/*
 * W = 128, a power-of-two multiple of 64 (where DPDK's lib/ipsec sizing
 * leaves no spare block): the window holds exactly 128 positions, no
 * more and no fewer.
 */
static void
test_seq_window_holds_w(void)
{
	struct wm_seq_profiles p = example_profiles();
	struct trk t;
	uint64_t r;

	p.kind[WM_SEQ_KIND_TESTER].window = 128;
	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT(&t, 1);
	EXPECT_CLASS(&t, 129, WM_SEQ_GAP);
	EXPECT_COUNTERS(
		&t,
		{.rx = 2, .unique = 2, .pending = 127, .gap_events = 1, .first = 1, .last = 129});
	EXPECT_CLASS(&t, 2, WM_SEQ_LATE);
	for (r = 3; r <= 128; r++)
		EXPECT_CLASS(&t, r, WM_SEQ_LATE);
	EXPECT_COUNTERS(&t, {.rx = 129,
			     .unique = 129,
			     .late = 127,
			     .gap_events = 1,
			     .max_reorder = 127,
			     .first = 1,
			     .last = 129});
	/* 2 leaves the window at 130; a copy of it is too old, a copy of 3 a duplicate. */
	PUT(&t, 131);
	EXPECT_CLASS(&t, 2, WM_SEQ_TOO_OLD);
	EXPECT_CLASS(&t, 4, WM_SEQ_DUP);
	EXPECT_CLASS(&t, 130, WM_SEQ_LATE);
	trk_close(&t);
}

/* ---- pool ---- */

static void
test_seq_pool_full(void)
{
	struct wm_seq_profiles p;
	struct wm_seq_pool_stats st;
	struct wm_seq_counters c;
	struct wm_seq_pool *pool;

	wm_seq_profiles_default(&p);
	pool = wm_seq_pool_create(3, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 1), 0);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, true, 2), 1);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_TESTER, false, 3), 2);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_MACSEC, false, 4), -ENOSPC);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_MACSEC, false, 4), -ENOSPC);
	wm_seq_pool_stats(pool, &st);
	CU_ASSERT_EQUAL(st.capacity, 3);
	CU_ASSERT_EQUAL(st.in_use, 3);
	CU_ASSERT_EQUAL(st.alloc_fail, 2);

	/* Stream 1 sees traffic, is released, and its slot comes back clean. */
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 1, 10, 2, NULL), WM_SEQ_FIRST);
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 1, 12, 2, NULL), WM_SEQ_GAP);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 1), 0);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 1), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 1, 13, 2, NULL), WM_SEQ_INVALID);
	CU_ASSERT_EQUAL(wm_seq_stream_counters(pool, 1, &c), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_stream_finalize(pool, 1), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_stream_pending(pool, 1), -EINVAL);
	wm_seq_pool_stats(pool, &st);
	CU_ASSERT_EQUAL(st.in_use, 2);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_TESTER, false, 9), 1);
	CU_ASSERT_EQUAL(wm_seq_stream_counters(pool, 1, &c), 0);
	CU_ASSERT_EQUAL(c.rx, 0);
	CU_ASSERT_EQUAL(c.unique, 0);
	CU_ASSERT_EQUAL(c.gap_events, 0);
	CU_ASSERT_EQUAL(c.last, 0);
	CU_ASSERT_EQUAL(wm_seq_stream_pending(pool, 1), 0);
	/* The re-allocated slot has the tester's 32-bit width now. */
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 1, 0x10000, 9, NULL), WM_SEQ_FIRST);
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 1, 0x10001, 9, NULL), WM_SEQ_IN_ORDER);
	CU_ASSERT_EQUAL(wm_seq_stream_counters(pool, 1, &c), 0);
	CU_ASSERT_EQUAL(c.last, 0x10001);

	/* Handles out of range and bad kinds. */
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, 3, 1, 0, NULL), WM_SEQ_INVALID);
	CU_ASSERT_EQUAL(wm_seq_stream_update(pool, UINT32_MAX, 1, 0, NULL), WM_SEQ_INVALID);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 3), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_MAX, false, 0), -EINVAL);
	wm_seq_pool_stats(pool, &st);
	CU_ASSERT_EQUAL(st.in_use, 3);
	CU_ASSERT_EQUAL(st.alloc_fail, 2);

	/* Every slot released, every slot allocated again. */
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 0), 0);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 1), 0);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, 2), 0);
	CU_ASSERT(wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0) >= 0);
	CU_ASSERT(wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0) >= 0);
	CU_ASSERT(wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0) >= 0);
	CU_ASSERT_EQUAL(wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0), -ENOSPC);
	wm_seq_pool_free(pool);
	wm_seq_pool_free(NULL);
}

/*
 * Sets: two SSRCs on one direction of one 5-tuple are two streams, each
 * with its own numbers (not a restart of the other); a set is bounded;
 * ESP's identity is the kind alone.
 */
static void
test_seq_set_streams(void)
{
	struct wm_seq_profiles p;
	struct wm_seq_counters c;
	struct wm_seq_pool *pool;
	int a, b, e, x[WM_SEQ_SET_MAX];
	unsigned int i;
	uint32_t n;

	wm_seq_profiles_default(&p);
	pool = wm_seq_pool_create(WM_SEQ_SET_MAX + 4, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	a = wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 0x1a757d);
	b = wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 0x1a759f);
	CU_ASSERT_FATAL(a >= 0 && b >= 0);
	/* b joins no set that has not begun; a begins one, b joins it. */
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)b, 0x1a759f), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)a, 0x1a757d), 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)b, 0x1a759f), 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)b, 0x1a759f), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)a, WM_SEQ_KIND_RTP, 0x1a757d), a);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)a, WM_SEQ_KIND_RTP, 0x1a759f), b);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)a, WM_SEQ_KIND_TESTER, 0x1a759f), -ENOENT);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)a, WM_SEQ_KIND_RTP, 1), -ENOENT);
	CU_ASSERT_EQUAL(wm_seq_set_next(pool, (uint32_t)a), b);
	CU_ASSERT_EQUAL(wm_seq_set_next(pool, (uint32_t)b), -ENOENT);

	/* Interleaved numbers of the two SSRCs: each stream in order, no restart. */
	for (n = 1000; n < 1006; n++) {
		CU_ASSERT(wm_seq_stream_update(pool, (uint32_t)a, n, 0x1a757d, NULL) <=
			  WM_SEQ_IN_ORDER);
		CU_ASSERT(wm_seq_stream_update(pool, (uint32_t)b, 40000 + n, 0x1a759f, NULL) <=
			  WM_SEQ_IN_ORDER);
	}
	CU_ASSERT_EQUAL(wm_seq_stream_counters(pool, (uint32_t)a, &c), 0);
	CU_ASSERT_EQUAL(c.unique, 6);
	CU_ASSERT_EQUAL(c.restarts, 0);
	CU_ASSERT_EQUAL(c.gap_events, 0);
	CU_ASSERT_EQUAL(wm_seq_stream_counters(pool, (uint32_t)b, &c), 0);
	CU_ASSERT_EQUAL(c.unique, 6);
	CU_ASSERT_EQUAL(c.first, 41000);

	/* The same (kind, identity) twice is refused; the set stops at WM_SEQ_SET_MAX. */
	e = wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 0x1a759f);
	CU_ASSERT_FATAL(e >= 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)e, 0x1a759f), -EEXIST);
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, (uint32_t)e), 0);
	for (i = 2; i < WM_SEQ_SET_MAX; i++) {
		e = wm_seq_stream_alloc(pool, WM_SEQ_KIND_TESTER, false, 0);
		CU_ASSERT_FATAL(e >= 0);
		CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)e, i), 0);
	}
	e = wm_seq_stream_alloc(pool, WM_SEQ_KIND_TESTER, false, 0);
	CU_ASSERT_FATAL(e >= 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)a, (uint32_t)e, 999), -ENOSPC);
	for (i = 0; i < WM_SEQ_SET_MAX; i++)
		x[i] = -1;
	/* A walk sees every member once. */
	i = 0;
	for (b = a; b >= 0 && i < WM_SEQ_SET_MAX; b = wm_seq_set_next(pool, (uint32_t)b))
		x[i++] = b;
	CU_ASSERT_EQUAL(i, WM_SEQ_SET_MAX);
	CU_ASSERT_EQUAL(b, -ENOENT);
	CU_ASSERT_EQUAL(x[0], a);

	/* ESP: identity 0, one stream for the kind in a set of its own. */
	b = wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0x101);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)b, (uint32_t)b, 0), 0);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)b, WM_SEQ_KIND_ESP, 0), b);
	/* A released head is no set. */
	CU_ASSERT_EQUAL(wm_seq_stream_release(pool, (uint32_t)b), 0);
	CU_ASSERT_EQUAL(wm_seq_set_find(pool, (uint32_t)b, WM_SEQ_KIND_ESP, 0), -ENOENT);
	CU_ASSERT_EQUAL(wm_seq_set_next(pool, (uint32_t)b), -ENOENT);
	wm_seq_pool_free(pool);
}

/* A pool with one set: an RTP head (SSRC 7), an RTP member (SSRC 9), an ESP member. */
static struct wm_seq_pool *
set_pool_new(int h[3])
{
	struct wm_seq_profiles p;
	struct wm_seq_pool *pool;

	wm_seq_profiles_default(&p);
	pool = wm_seq_pool_create(4, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pool);
	h[0] = wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 7);
	h[1] = wm_seq_stream_alloc(pool, WM_SEQ_KIND_RTP, false, 9);
	h[2] = wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 0x101);
	CU_ASSERT_FATAL(h[0] >= 0 && h[1] >= 0 && h[2] >= 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)h[0], (uint32_t)h[0], 7), 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)h[0], (uint32_t)h[1], 9), 0);
	CU_ASSERT_EQUAL(wm_seq_set_join(pool, (uint32_t)h[0], (uint32_t)h[2], 0), 0);
	return pool;
}

/*
 * wm_seq_set_update() classifies and counts every packet as
 * wm_seq_set_find() then wm_seq_stream_update() do: in order (its fast
 * path), gaps, late, duplicates, a 16-bit wrap, a jump that restarts, a
 * new epoch, ESP's 0 and 2^32 violations; a packet no member matches
 * changes nothing.
 */
static void
test_seq_set_update_same(void)
{
	static const struct {
		uint8_t kind;
		uint32_t ident, raw;
		uint64_t epoch;
	} pkts[] = {
		{WM_SEQ_KIND_RTP, 7, 65533, 7},
		{WM_SEQ_KIND_RTP, 9, 100, 9},
		{WM_SEQ_KIND_RTP, 7, 65534, 7},
		{WM_SEQ_KIND_RTP, 7, 65535, 7},
		{WM_SEQ_KIND_RTP, 7, 0, 7},
		{WM_SEQ_KIND_RTP, 7, 3, 7},
		{WM_SEQ_KIND_RTP, 7, 2, 7},
		{WM_SEQ_KIND_RTP, 7, 2, 7},
		{WM_SEQ_KIND_RTP, 7, 4, 7},
		{WM_SEQ_KIND_RTP, 9, 101, 9},
		{WM_SEQ_KIND_RTP, 9, 30000, 9},
		{WM_SEQ_KIND_RTP, 9, 30001, 9},
		{WM_SEQ_KIND_RTP, 9, 30002, 9},
		{WM_SEQ_KIND_RTP, 9, 30003, 9},
		{WM_SEQ_KIND_RTP, 9, 30004, 10},
		{WM_SEQ_KIND_RTP, 9, 30005, 10},
		{WM_SEQ_KIND_RTP, 5, 1, 5},
		{WM_SEQ_KIND_TESTER, 7, 5, 7},
		{WM_SEQ_KIND_ESP, 0, UINT32_MAX - 1, 0x101},
		{WM_SEQ_KIND_ESP, 0, UINT32_MAX, 0x101},
		{WM_SEQ_KIND_ESP, 0, 0, 0x101},
		{WM_SEQ_KIND_ESP, 0, 1, 0x101},
		{WM_SEQ_KIND_ESP, 0, 2, 0x101},
	};
	struct wm_seq_pool *a, *b;
	unsigned int i, k, seen = 0;
	int ha[3], hb[3];

	a = set_pool_new(ha);
	b = set_pool_new(hb);
	for (i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		struct wm_seq_event ea, eb;
		enum wm_seq_class ca = WM_SEQ_INVALID, cb = WM_SEQ_INVALID;
		int fa, fb;

		memset(&ea, 0, sizeof(ea));
		memset(&eb, 0, sizeof(eb));
		fa = wm_seq_set_find(a, (uint32_t)ha[0], (enum wm_seq_kind)pkts[i].kind,
				     pkts[i].ident);
		if (fa >= 0)
			ca = wm_seq_stream_update(a, (uint32_t)fa, pkts[i].raw, pkts[i].epoch, &ea);
		/* A prefetch is a hint only: b still counts as a, whatever it was given. */
		wm_seq_stream_prefetch(b, (uint32_t)hb[0], (enum wm_seq_kind)pkts[i].kind);
		wm_seq_stream_prefetch(b, UINT32_MAX, WM_SEQ_KIND_RTP);
		wm_seq_stream_prefetch(b, (uint32_t)hb[0], WM_SEQ_KIND_MAX);
		fb = wm_seq_set_update(b, (uint32_t)hb[0], (enum wm_seq_kind)pkts[i].kind,
				       pkts[i].ident, pkts[i].raw, pkts[i].epoch, &eb, &cb);
		CU_ASSERT_EQUAL(fa, fb);
		CU_ASSERT_EQUAL(ca, cb);
		CU_ASSERT_EQUAL(memcmp(&ea, &eb, sizeof(ea)), 0);
		if (fb >= 0)
			seen |= 1u << cb;
	}
	/* The trace reaches the classes it is meant to compare. */
	CU_ASSERT(seen & (1u << WM_SEQ_IN_ORDER));
	CU_ASSERT(seen & (1u << WM_SEQ_GAP));
	CU_ASSERT(seen & (1u << WM_SEQ_LATE));
	CU_ASSERT(seen & (1u << WM_SEQ_DUP));
	CU_ASSERT(seen & (1u << WM_SEQ_RESTART));
	for (k = 0; k < 3; k++) {
		struct wm_seq_counters ca, cb;

		CU_ASSERT_EQUAL(wm_seq_stream_counters(a, (uint32_t)ha[k], &ca), 0);
		CU_ASSERT_EQUAL(wm_seq_stream_counters(b, (uint32_t)hb[k], &cb), 0);
		CU_ASSERT_EQUAL(memcmp(&ca, &cb, sizeof(ca)), 0);
		CU_ASSERT(cb.rx > 0);
	}
	wm_seq_pool_free(a);
	wm_seq_pool_free(b);
}

static void
test_seq_pool_create_invalid(void)
{
	struct wm_seq_profiles p;

	wm_seq_profiles_default(&p);
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(wm_seq_pool_create(0, &p));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(wm_seq_pool_memsize(0, &p) > 0, 1);

	p.kind[WM_SEQ_KIND_ESP].window = 0;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(wm_seq_pool_create(1, &p));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(wm_seq_pool_memsize(1, &p), 0);

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_RTP].window = 32769; /* more than half the 16-bit space */
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);
	p.kind[WM_SEQ_KIND_RTP].window = 32768;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), 0);
	p.kind[WM_SEQ_KIND_ESP].window = WM_SEQ_WINDOW_MAX + 1;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);

	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_TESTER].restart_k = 0;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);
	p.kind[WM_SEQ_KIND_TESTER].restart_k = WM_SEQ_RESTART_K_MAX + 1;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);
	wm_seq_profiles_default(&p);
	p.kind[WM_SEQ_KIND_MACSEC].jump = 0;
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(&p), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_profiles_validate(NULL), -EINVAL);
}

static void
test_seq_profiles_default(void)
{
	struct wm_seq_profiles p;
	unsigned int k;

	memset(&p, 0xa5, sizeof(p));
	wm_seq_profiles_default(&p);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_ESP].window, 960);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_ESP].jump, UINT64_C(1) << 30);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_MACSEC].window, 960);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_MACSEC].jump, UINT64_C(1) << 30);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_RTP].window, 100);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_RTP].jump, 3000);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_TESTER].window, 960);
	CU_ASSERT_EQUAL(p.kind[WM_SEQ_KIND_TESTER].jump, UINT64_C(1) << 20);
	for (k = 0; k < WM_SEQ_KIND_MAX; k++) {
		CU_ASSERT_EQUAL(p.kind[k].restart_k, 2);
		CU_ASSERT_EQUAL(p.kind[k].ext64, false);
	}
}

/* ---- large jumps ---- */

/*
 * d = J - 1 is applied: the holes that skip the window are lost in one
 * step. 200 jumps of 2^30 - 1 (2^37.6 positions) finish at once only
 * if no loop walks positions.
 */
static void
test_seq_large_jump_no_walk(void)
{
	const uint64_t j = UINT64_C(1) << 20;
	struct wm_seq_profiles p;
	struct trk t;
	uint64_t ext, n;

	wm_seq_profiles_default(&p);
	trk_open(&t, &p, WM_SEQ_KIND_TESTER, false);
	PUT(&t, 1);
	EXPECT_EVENT(&t, j, WM_SEQ_GAP, 2, j, j - 2);
	EXPECT_COUNTERS(&t, {.rx = 2,
			     .unique = 2,
			     .lost = j - 2 - 959,
			     .pending = 959,
			     .gap_events = 1,
			     .first = 1,
			     .last = j});
	EXPECT_EVENT(&t, 2 * j + 1, WM_SEQ_JUMP, j + 1, 2 * j + 1, 0);
	finalize(&t);
	EXPECT_COUNTERS(&t, {.rx = 3,
			     .unique = 2,
			     .lost = j - 2,
			     .gap_events = 1,
			     .jump_suspect = 1,
			     .first = 1,
			     .last = j});
	trk_close(&t);

	trk_open(&t, &p, WM_SEQ_KIND_ESP, true);
	PUT(&t, 1);
	ext = 1;
	for (n = 1; n <= 200; n++) {
		ext += (UINT64_C(1) << 30) - 1;
		if (PUT(&t, (uint32_t)ext) != WM_SEQ_GAP)
			break;
	}
	CU_ASSERT_EQUAL(n, 201);
	EXPECT_COUNTERS(&t, {.rx = 201,
			     .unique = 201,
			     .lost = 200 * ((UINT64_C(1) << 30) - 2) - 959,
			     .pending = 959,
			     .gap_events = 200,
			     .wraps = ext >> 32,
			     .first = 1,
			     .last = ext});
	trk_close(&t);
}

/* ---- names ---- */

static void
test_seq_names(void)
{
	static const char *const counters[] = {
		"seqReceivedCount",	 "seqUniqueCount",	"seqLateCount",
		"seqDuplicateCount",	 "seqTooOldCount",	"seqLostCount",
		"seqPendingCount",	 "seqGapEventCount",	"seqWrapCount",
		"seqRestartCount",	 "seqJumpSuspectCount", "seqProtocolViolationCount",
		"seqMaxReorderDistance", "seqFirstNumber",	"seqLastNumber",
	};
	struct wm_seq_counters c;
	unsigned int i;

	CU_ASSERT_EQUAL(WM_SEQ_CTR_MAX, sizeof(counters) / sizeof(counters[0]));
	CU_ASSERT_EQUAL(sizeof(struct wm_seq_counters), WM_SEQ_CTR_MAX * sizeof(uint64_t));
	for (i = 0; i < WM_SEQ_CTR_MAX; i++)
		CU_ASSERT_STRING_EQUAL(wm_seq_counter_name((enum wm_seq_counter_id)i), counters[i]);
	CU_ASSERT_STRING_EQUAL(wm_seq_counter_name(WM_SEQ_CTR_MAX), "unknown");

	/* wm_seq_counter_get() reads the field the list names. */
	i = 0;
#define SET_FIELD(f, n) c.f = 1000 + i++;
	WM_SEQ_FOREACH_COUNTER(SET_FIELD)
#undef SET_FIELD
	for (i = 0; i < WM_SEQ_CTR_MAX; i++)
		CU_ASSERT_EQUAL(wm_seq_counter_get(&c, (enum wm_seq_counter_id)i), 1000 + i);
	CU_ASSERT_EQUAL(wm_seq_counter_get(&c, WM_SEQ_CTR_MAX), 0);
	CU_ASSERT_EQUAL(wm_seq_counter_get(&c, WM_SEQ_CTR_lost), c.lost);

	CU_ASSERT_STRING_EQUAL(wm_seq_kind_name(WM_SEQ_KIND_MACSEC), "macsec");
	CU_ASSERT_STRING_EQUAL(wm_seq_kind_name(WM_SEQ_KIND_ESP), "esp");
	CU_ASSERT_STRING_EQUAL(wm_seq_kind_name(WM_SEQ_KIND_RTP), "rtp");
	CU_ASSERT_STRING_EQUAL(wm_seq_kind_name(WM_SEQ_KIND_TESTER), "tester");
	CU_ASSERT_STRING_EQUAL(wm_seq_kind_name(WM_SEQ_KIND_MAX), "unknown");
	CU_ASSERT_EQUAL(wm_seq_kind_from_name("macsec"), WM_SEQ_KIND_MACSEC);
	CU_ASSERT_EQUAL(wm_seq_kind_from_name("esp"), WM_SEQ_KIND_ESP);
	CU_ASSERT_EQUAL(wm_seq_kind_from_name("rtp"), WM_SEQ_KIND_RTP);
	CU_ASSERT_EQUAL(wm_seq_kind_from_name("tester"), WM_SEQ_KIND_TESTER);
	CU_ASSERT_EQUAL(wm_seq_kind_from_name("RTP"), -EINVAL);
	CU_ASSERT_EQUAL(wm_seq_kind_from_name(NULL), -EINVAL);

	CU_ASSERT_STRING_EQUAL(wm_seq_class_name(WM_SEQ_TOO_OLD), "tooOld");
	CU_ASSERT_STRING_EQUAL(wm_seq_class_name(WM_SEQ_RESTART), "restart");
	CU_ASSERT_STRING_EQUAL(wm_seq_class_name(WM_SEQ_CLASS_MAX), "unknown");
	CU_ASSERT(wm_seq_class_is_event(WM_SEQ_GAP));
	CU_ASSERT(!wm_seq_class_is_event(WM_SEQ_IN_ORDER));
	CU_ASSERT(!wm_seq_class_is_event(WM_SEQ_HELD));
}

/* ---- randomized, against a reference model ---- */

/* splitmix64: the same sequence on every machine. */
static uint64_t
rng_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)(rng_next(state) % n);
}

/*
 * The reference model: the rules of SEQUENCE.md for one epoch written
 * the plain way, over a byte per position. It knows the true extended
 * numbers (the generator's), so it needs no extension logic. lost is
 * settled position by position as the window's low edge passes; pending
 * is counted over the window each time.
 */
struct model {
	uint64_t origin;    /* extended number of recv[0] */
	uint8_t *recv;	    /* recv[p - origin]: p was accepted */
	size_t cap;	    /* bytes in recv */
	uint64_t window;    /* W */
	unsigned int width; /* wire width */
	bool open;
	uint64_t base, t;
	uint64_t settled; /* positions below this are final */
	bool have_too_old;
	uint32_t too_old_raw; /* the tracker's restart candidate */
	struct wm_seq_counters c;
};

static bool
model_got(const struct model *m, uint64_t p)
{
	return m->recv[p - m->origin] != 0;
}

static uint64_t
model_pending(const struct model *m)
{
	uint64_t lo = m->t + 1 >= m->window ? m->t + 1 - m->window : 0, p, n = 0;

	if (lo < m->base)
		lo = m->base;
	for (p = lo; p <= m->t; p++)
		n += !model_got(m, p);
	return n;
}

static enum wm_seq_class
model_put(struct model *m, uint64_t ext)
{
	enum wm_seq_class cls;
	uint64_t lo, p;

	m->c.rx++;
	if (!m->open) {
		m->open = true;
		m->base = m->t = m->settled = ext;
		m->recv[ext - m->origin] = 1;
		m->c.unique++;
		cls = WM_SEQ_FIRST;
	} else if (ext > m->t) {
		cls = ext - m->t > 1 ? WM_SEQ_GAP : WM_SEQ_IN_ORDER;
		m->c.gap_events += ext - m->t > 1;
		m->c.wraps += (ext >> m->width) - (m->t >> m->width);
		m->t = ext;
		m->recv[ext - m->origin] = 1;
		m->c.unique++;
		lo = m->t + 1 >= m->window ? m->t + 1 - m->window : 0;
		for (p = m->settled; p < lo; p++)
			m->c.lost += !model_got(m, p);
		if (lo > m->settled)
			m->settled = lo;
	} else if (ext == m->t) {
		m->c.dup++;
		cls = WM_SEQ_DUP;
	} else if (m->t - ext < m->window && ext >= m->base) {
		if (model_got(m, ext)) {
			m->c.dup++;
			cls = WM_SEQ_DUP;
		} else {
			m->recv[ext - m->origin] = 1;
			m->c.unique++;
			m->c.late++;
			if (m->t - ext > m->c.max_reorder)
				m->c.max_reorder = m->t - ext;
			cls = WM_SEQ_LATE;
		}
	} else {
		m->c.too_old++;
		m->have_too_old = true;
		m->too_old_raw = (uint32_t)(ext & ((UINT64_C(1) << m->width) - 1));
		cls = WM_SEQ_TOO_OLD;
	}
	m->c.pending = model_pending(m);
	m->c.first = m->base;
	m->c.last = m->t;
	return cls;
}

/* Packets held back by the generator, released at a later step. */
#define DELAY_SLOTS 8192
#define DELAY_PER_SLOT 4

struct delay_line {
	uint64_t ext[DELAY_SLOTS][DELAY_PER_SLOT];
	uint8_t n[DELAY_SLOTS];
};

struct rand_run {
	const char *name;
	enum wm_seq_kind kind; /* RTP: 16 bits, tester: 32 bits */
	uint32_t window;
	uint64_t start; /* first extended number sent (its high bits must be 0) */
	uint32_t packets;
	uint64_t seed;
};

/*
 * Compare the tracker with the model; on the first difference, report
 * it and return -1 so one bug does not print thousands of lines.
 */
static int
compare(const struct rand_run *r, uint32_t step, const struct trk *t, const struct model *m,
	enum wm_seq_class got_cls, enum wm_seq_class exp_cls)
{
	struct wm_seq_counters got;
	struct wm_seq_epoch_state e;
	char msg[256];

	wm_seq_stream_counters(t->pool, t->idx, &got);
	wm_seq_stream_epoch(t->pool, t->idx, &e);
#define CMP(f, n)                                                                               \
	if (got.f != m->c.f) {                                                                  \
		snprintf(msg, sizeof(msg),                                                      \
			 "%s seed %" PRIu64 " step %u: " #f " %" PRIu64 " (model %" PRIu64 ")", \
			 r->name, r->seed, step, got.f, m->c.f);                                \
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);       \
		return -1;                                                                      \
	}
	WM_SEQ_FOREACH_COUNTER(CMP)
#undef CMP
	if (got_cls != exp_cls || e.last - e.first + 1 != e.unique + e.lost + e.pending) {
		snprintf(msg, sizeof(msg), "%s seed %" PRIu64 " step %u: class %s (model %s)",
			 r->name, r->seed, step, wm_seq_class_name(got_cls),
			 wm_seq_class_name(exp_cls));
		CU_assertImplementation(CU_FALSE, __LINE__, msg, __FILE__, "", CU_FALSE);
		return -1;
	}
	return 0;
}

/*
 * One impaired stream: random drops, bursts of drops longer than the
 * window, reordering within and beyond the window, duplicates soon and
 * late, across the wraps of the wire width. No restart may happen: J is
 * off, and a packet that would confirm a restart (the successor of the
 * last too-old one) is not sent.
 */
static void
rand_run(const struct rand_run *r)
{
	static struct delay_line dl;
	const uint64_t wire_mask = r->kind == WM_SEQ_KIND_RTP ? 0xffff : 0xffffffff;
	struct wm_seq_profiles p;
	struct model m;
	struct trk t;
	uint64_t rng = r->seed, next = r->start;
	uint32_t step, sent = 0;
	int failed = 0;

	wm_seq_profiles_default(&p);
	p.kind[r->kind].window = r->window;
	p.kind[r->kind].jump = WM_SEQ_JUMP_NONE;
	trk_open(&t, &p, r->kind, false);
	memset(&dl, 0, sizeof(dl));
	memset(&m, 0, sizeof(m));
	m.origin = r->start > 4 * (uint64_t)r->window ? r->start - 4 * (uint64_t)r->window : 0;
	m.cap = (size_t)r->packets * 16 + 16 * (size_t)r->window + 4096;
	m.recv = calloc(m.cap, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.recv);
	m.window = r->window;
	m.width = r->kind == WM_SEQ_KIND_RTP ? 16 : 32;

	for (step = 0; step < r->packets && !failed; step++) {
		uint64_t out[DELAY_PER_SLOT + 2];
		unsigned int n_out = 0, i, slot = step % DELAY_SLOTS;
		uint32_t dice = rng_below(&rng, 1000);

		for (i = 0; i < dl.n[slot]; i++)
			out[n_out++] = dl.ext[slot][i];
		dl.n[slot] = 0;

		if (dice < 30) {
			next++; /* dropped */
		} else if (dice < 34) {
			next += 1 + rng_below(&rng, 3 * r->window); /* a burst, often past W */
		} else if (dice < 120 || (dice < 140 && r->window < 2000)) {
			/* Delayed: within the window mostly, beyond it sometimes. */
			uint32_t delay = dice < 120 ? 1 + rng_below(&rng, r->window / 2 + 1)
						    : r->window + rng_below(&rng, r->window);
			unsigned int s = (step + delay) % DELAY_SLOTS;

			if (dl.n[s] < DELAY_PER_SLOT)
				dl.ext[s][dl.n[s]++] = next;
			next++;
		} else if (dice < 170) {
			/* Duplicated: now, and again a little later. */
			unsigned int s = (step + 1 + rng_below(&rng, 2 * r->window)) % DELAY_SLOTS;

			out[n_out++] = next;
			if (dl.n[s] < DELAY_PER_SLOT)
				dl.ext[s][dl.n[s]++] = next;
			next++;
		} else if (dice < 190 && next > r->start + 2 * r->window) {
			/* A stale copy from up to twice the window back. */
			out[n_out++] = next - 1 - rng_below(&rng, 2 * r->window);
		} else {
			out[n_out++] = next++;
		}

		for (i = 0; i < n_out && !failed; i++) {
			uint64_t ext = out[i];
			uint32_t raw = (uint32_t)(ext & wire_mask);
			enum wm_seq_class got, exp;

			if (ext < m.origin || ext - m.origin >= m.cap)
				continue;
			if (m.have_too_old && raw == ((m.too_old_raw + 1) & wire_mask))
				continue;
			got = wm_seq_stream_update(t.pool, t.idx, raw, 0, NULL);
			exp = model_put(&m, ext);
			sent++;
			failed = compare(r, step, &t, &m, got, exp);
		}
	}
	if (!failed) {
		/* Export: the model's pending holes become lost. */
		CU_ASSERT_EQUAL(wm_seq_stream_finalize(t.pool, t.idx), 0);
		m.c.lost += m.c.pending;
		m.c.pending = 0;
		failed = compare(r, step, &t, &m, WM_SEQ_FIRST, WM_SEQ_FIRST);
	}
	/* The run must exercise what it claims to. */
	CU_ASSERT(sent > r->packets / 2);
	CU_ASSERT(m.c.late > 0 && m.c.dup > 0 && m.c.too_old > 0 && m.c.lost > 0);
	CU_ASSERT(m.c.wraps >= 1);
	CU_ASSERT(m.c.max_reorder >= r->window / 4);
	free(m.recv);
	trk_close(&t);
}

static void
test_seq_randomized_vs_model(void)
{
	static const struct rand_run runs[] = {
		{"32-bit W960", WM_SEQ_KIND_TESTER, 960, UINT64_C(0xffffffff) - 15000, 25000,
		 UINT64_C(0x7365713130303031)},
		{"32-bit W960", WM_SEQ_KIND_TESTER, 960, UINT64_C(0xffffffff) - 3000, 15000,
		 UINT64_C(0x7365713130303032)},
		{"32-bit W64", WM_SEQ_KIND_TESTER, 64, UINT64_C(0xffffffff) - 5000, 15000,
		 UINT64_C(0x7365713130303033)},
		{"16-bit W100", WM_SEQ_KIND_RTP, 100, 60000, 25000, UINT64_C(0x7365713130303034)},
		{"16-bit W100", WM_SEQ_KIND_RTP, 100, 1, 50000, UINT64_C(0x7365713130303035)},
		{"16-bit W1000", WM_SEQ_KIND_RTP, 1000, 30000, 15000, UINT64_C(0x7365713130303036)},
	};
	size_t i;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		rand_run(&runs[i]);
}

/* ---- detection: frame builders ---- */

#define PKT_MAX 1600

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

static const uint8_t dst_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t src_mac[6] = {0x02, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
static const uint8_t v4_src[4] = {192, 0, 2, 1};
static const uint8_t v4_dst[4] = {198, 51, 100, 2};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* The implicit SCI of src_mac: the MAC followed by port identifier 1. */
#define SRC_MAC_SCI UINT64_C(0x021a2b3c4d5e0001)

static void
put8(struct pkt *p, uint8_t v)
{
	/* A builder overflowing its frame is a bug in this file. */
	if (p->len >= PKT_MAX)
		abort();
	p->b[p->len++] = v;
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void
putn(struct pkt *p, const uint8_t *src, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(p, src[i]);
}

/* Little-endian, as TRex writes its trailer on x86. */
static void
put_le(struct pkt *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		put8(p, (uint8_t)(v >> (8 * i)));
}

/* n filler bytes: never 0xAB, so no trailer magic by accident. */
static void
put_fill(struct pkt *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		put8(p, (uint8_t)(0x30 + i % 64));
}

static void
set16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static void
eth_put(struct pkt *p, uint16_t ethertype)
{
	p->len = 0;
	putn(p, dst_mac, 6);
	putn(p, src_mac, 6);
	put16(p, ethertype);
}

static uint32_t
ipv4_put(struct pkt *p, uint8_t proto)
{
	uint32_t off = p->len;

	put8(p, 0x45);
	put8(p, 0);
	put16(p, 0); /* total length, set by ip_done() */
	put16(p, 0x1234);
	put16(p, 0x4000);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	putn(p, v4_src, 4);
	putn(p, v4_dst, 4);
	return off;
}

static uint32_t
ipv6_put(struct pkt *p, uint8_t nh)
{
	uint32_t off = p->len;

	put32(p, 6u << 28);
	put16(p, 0); /* payload length, set by ip_done() */
	put8(p, nh);
	put8(p, 64);
	putn(p, v6_src, 16);
	putn(p, v6_dst, 16);
	return off;
}

static void
ip_done(struct pkt *p, uint32_t ip)
{
	if ((p->b[ip] >> 4) == 4)
		set16(p, ip + 2, (uint16_t)(p->len - ip));
	else
		set16(p, ip + 4, (uint16_t)(p->len - ip - 40));
}

static uint32_t
udp_put(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint32_t off = p->len;

	put16(p, sport);
	put16(p, dport);
	put16(p, 0);
	put16(p, 0);
	return off;
}

static void
udp_done(struct pkt *p, uint32_t udp)
{
	set16(p, udp + 4, (uint16_t)(p->len - udp));
}

/* IPv4 UDP with an RTP header (version, payload type, seq, SSRC) and extra payload bytes. */
static void
build_rtp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t version, uint8_t pt, uint16_t seq,
	  uint32_t ssrc, uint32_t extra)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17);
	udp = udp_put(p, sport, dport);
	put8(p, (uint8_t)(version << 6));
	put8(p, pt);
	put16(p, seq);
	put32(p, 0x00012345); /* timestamp */
	put32(p, ssrc);
	put_fill(p, extra);
	udp_done(p, udp);
	ip_done(p, ip);
}

/* UDP with `before` payload bytes, then the TRex trailer; IPv4 or IPv6. */
static void
build_trex(struct pkt *p, bool v6, uint16_t sport, uint16_t dport, uint8_t magic, uint8_t flow_seq,
	   uint16_t hw_id, uint32_t seq, uint32_t before)
{
	uint32_t ip, udp;

	eth_put(p, v6 ? 0x86dd : 0x0800);
	ip = v6 ? ipv6_put(p, 17) : ipv4_put(p, 17);
	udp = udp_put(p, sport, dport);
	put_fill(p, before);
	put8(p, magic);
	put8(p, flow_seq);
	put_le(p, hw_id, 2);
	put_le(p, seq, 4);
	put_le(p, UINT64_C(0x1122334455667788), 8);
	udp_done(p, udp);
	ip_done(p, ip);
}

static void
build_esp(struct pkt *p, bool v6, uint32_t spi, uint32_t seq)
{
	uint32_t ip;

	eth_put(p, v6 ? 0x86dd : 0x0800);
	ip = v6 ? ipv6_put(p, 50) : ipv4_put(p, 50);
	put32(p, spi);
	put32(p, seq);
	put_fill(p, 24);
	ip_done(p, ip);
}

/* UDP-encapsulated ESP (RFC 3948). */
static void
build_natt(struct pkt *p, uint32_t spi, uint32_t seq)
{
	uint32_t ip, udp;

	eth_put(p, 0x0800);
	ip = ipv4_put(p, 17);
	udp = udp_put(p, 61000, 4500);
	put32(p, spi);
	put32(p, seq);
	put_fill(p, 24);
	udp_done(p, udp);
	ip_done(p, ip);
}

/* SecTAG: E, C, the AN, an explicit SCI when sci != 0. */
static void
build_macsec(struct pkt *p, uint8_t an, uint32_t pn, uint64_t sci)
{
	eth_put(p, 0x88e5);
	put8(p, (uint8_t)((sci != 0 ? 0x20 : 0) | 0x0c | an));
	put8(p, 0);
	put32(p, pn);
	if (sci != 0) {
		put32(p, (uint32_t)(sci >> 32));
		put32(p, (uint32_t)sci);
	}
	put_fill(p, 48);
}

/* Parse and detect from a heap copy of exactly len bytes. */
/*
 * A UDP packet that wm_seq_detect_pkt() just judged r: the worker's test
 * before wm_seq_detect_udp() says "no call" only where r is NONE.
 */
static void
detect_udp_same(const struct wm_pkt_meta *m, uint32_t len, enum wm_seq_detect_result r)
{
	struct wm_seq_udp_payload u;

	if (!wm_seq_udp_payload(m, len, &u) || !wm_seq_udp_payload_maybe(m, &u))
		CU_ASSERT_EQUAL(r, WM_SEQ_DETECT_NONE);
}

static enum wm_seq_detect_result
detect_exact(struct wm_seq_detect *det, const uint8_t *src, uint32_t len, struct wm_seq_id *id,
	     enum wm_pkt_error *perr)
{
	uint8_t *buf = malloc(len > 0 ? len : 1);
	struct wm_pkt_meta m;
	enum wm_seq_detect_result r;
	enum wm_pkt_error err;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memcpy(buf, src, len);
	err = wm_pkt_parse(buf, len, &m);
	if (perr != NULL)
		*perr = err;
	memset(id, 0xa5, sizeof(*id));
	r = wm_seq_detect_pkt(det, &m, len, id);
	/* The worker tests UDP payloads before it calls wm_seq_detect_udp(). */
	if (err == WM_PKT_OK && m.proto == 17 && !(m.flags & WM_PKT_F_ESP) &&
	    (m.kind == WM_PKT_KIND_IPV4 || m.kind == WM_PKT_KIND_IPV6))
		detect_udp_same(&m, len, r);
	free(buf);
	return r;
}

/* Detect a whole frame that must parse. */
static enum wm_seq_detect_result
detect_pkt_at(struct wm_seq_detect *det, const struct pkt *p, struct wm_seq_id *id,
	      const char *file, unsigned int line)
{
	enum wm_pkt_error err;
	enum wm_seq_detect_result r = detect_exact(det, p->b, p->len, id, &err);

	CHECK(err == WM_PKT_OK, file, line, "frame parses (got %s)", wm_pkt_error_name(err));
	return r;
}

#define DETECT(det, p, id) detect_pkt_at((det), (p), (id), __FILE__, __LINE__)

static struct wm_seq_detect *
detect_new(const struct wm_seq_detect_conf *conf)
{
	struct wm_seq_detect_conf def;
	struct wm_seq_detect *det;

	if (conf == NULL) {
		wm_seq_detect_conf_default(&def);
		conf = &def;
	}
	det = wm_seq_detect_create(conf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(det);
	return det;
}

static bool
id_is_zero(const struct wm_seq_id *id)
{
	struct wm_seq_id z;

	memset(&z, 0, sizeof(z));
	return memcmp(id, &z, sizeof(z)) == 0;
}

/* A detector with the RTP heuristic on, the rest by default. */
static struct wm_seq_detect *
detect_new_heuristic(void)
{
	struct wm_seq_detect_conf conf;

	wm_seq_detect_conf_default(&conf);
	conf.rtp_heuristic = true;
	return detect_new(&conf);
}

/* ---- detection tests ---- */

static void
test_seq_detect_rtp_port(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	build_rtp(&p, 40000, 5004, 2, 96, 0xbeef, 0xdeadbeef, 160);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_RTP);
	CU_ASSERT_EQUAL(id.raw, 0xbeef);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 0xdeadbeef);
	CU_ASSERT_EQUAL(id.epoch, 0xdeadbeef);
	CU_ASSERT_EQUAL(id.esp_spi, 0);
	CU_ASSERT_EQUAL(id.macsec_sci, 0);

	/* The source port counts as well (the other direction). */
	build_rtp(&p, 5005, 40000, 2, 0x80 | 8, 7, 1, 0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 7);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 1);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_rtp_rejected(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	/* Version 1. */
	build_rtp(&p, 40000, 5004, 1, 96, 1, 2, 160);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	CU_ASSERT(id_is_zero(&id));
	/* 11 payload bytes: no room for the fixed header. */
	build_rtp(&p, 40000, 5004, 2, 96, 1, 2, 0);
	p.len -= 1;
	set16(&p, 34 + 4, 8 + 11);
	set16(&p, 14 + 2, 20 + 8 + 11);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	/* RTCP sender report on the RTCP port (RFC 5761 4). */
	build_rtp(&p, 5005, 5005, 2, 200, 6, 2, 20);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	/* Another port, heuristic off. */
	build_rtp(&p, 40000, 6000, 2, 96, 1, 2, 160);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_rtp_heuristic(void)
{
	struct wm_seq_detect_conf conf;
	struct wm_seq_detect *det;
	struct wm_seq_id id;
	struct pkt p;
	uint16_t s;

	wm_seq_detect_conf_default(&conf);
	conf.rtp_heuristic = true;
	CU_ASSERT_EQUAL(conf.rtp_heuristic_k, 4);
	det = detect_new(&conf);
	for (s = 65534; s != 1; s++) {
		build_rtp(&p, 40000, 6000, 2, 96, s, 0x5555, 100);
		CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
		CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_RTP);
		CU_ASSERT_EQUAL(id.raw, s);
		CU_ASSERT_EQUAL(id.backlog, 0);
	}
	/*
	 * The fourth sequential number (across the 16-bit wrap) validates, and
	 * says the three before it (65534, 65535, 0) are to be counted first.
	 */
	build_rtp(&p, 40000, 6000, 2, 96, 1, 0x5555, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 1);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 0x5555);
	CU_ASSERT_EQUAL(id.backlog, 3);
	/* A repeat keeps the validation (no second backlog); the next number too. */
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.backlog, 0);
	build_rtp(&p, 40000, 6000, 2, 96, 2, 0x5555, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.backlog, 0);
	/* Another SSRC in the same 5-tuple starts from scratch. */
	build_rtp(&p, 40000, 6000, 2, 96, 3, 0x6666, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	/* Another 5-tuple with the first SSRC, too. */
	build_rtp(&p, 40001, 6000, 2, 96, 3, 0x5555, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	/* A jump starts over. */
	build_rtp(&p, 40002, 6000, 2, 96, 10, 0x7777, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	build_rtp(&p, 40002, 6000, 2, 96, 11, 0x7777, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	build_rtp(&p, 40002, 6000, 2, 96, 50, 0x7777, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	/* Version 1 is never a candidate. */
	build_rtp(&p, 40000, 6000, 1, 96, 3, 0x5555, 100);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_tester_trailer(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	/* Any UDP port: the first packet is a candidate, the next number validates. */
	build_trex(&p, false, 1025, 1026, 0xab, 1, 0x0102, 0x0a0b0c0d, 30);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_TESTER);
	CU_ASSERT_EQUAL(id.tester_hw_id, 0x0102);
	CU_ASSERT_EQUAL(id.raw, 0x0a0b0c0d);
	CU_ASSERT_EQUAL(id.tester_flow_seq, 1);
	CU_ASSERT_EQUAL(id.epoch, 1);
	build_trex(&p, false, 1025, 1026, 0xab, 1, 0x0102, 0x0a0b0c0e, 30);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 0x0a0b0c0e);
	/* Another hw_id in the same 5-tuple validates on its own. */
	build_trex(&p, false, 1025, 1026, 0xab, 1, 0x0103, 0x0a0b0c0f, 30);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	/* IPv6, flow_seq 2, across the 32-bit wrap. */
	build_trex(&p, true, 2000, 3000, 0xab, 2, 7, 0xffffffff, 0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	build_trex(&p, true, 2000, 3000, 0xab, 2, 7, 0, 0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.tester_hw_id, 7);
	CU_ASSERT_EQUAL(id.raw, 0);
	CU_ASSERT_EQUAL(id.epoch, 2);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_tester_rejected(void)
{
	struct wm_seq_detect_conf conf;
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;
	uint32_t s;

	/* Bad magic never validates. */
	for (s = 1; s < 5; s++) {
		build_trex(&p, false, 1025, 1026, 0xac, 1, 5, s, 30);
		CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	}
	/* 15 payload bytes: no room for the trailer. */
	build_trex(&p, false, 1025, 1026, 0xab, 1, 5, 1, 0);
	p.len -= 1;
	set16(&p, 34 + 4, 8 + 15);
	set16(&p, 14 + 2, 20 + 8 + 15);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);

	/* Port list only: taken at once there, ignored elsewhere. */
	wm_seq_detect_conf_default(&conf);
	conf.tester_any_udp = false;
	conf.tester_ports[0] = (struct wm_seq_port_range){4000, 4001};
	conf.n_tester_ports = 1;
	det = detect_new(&conf);
	build_trex(&p, false, 1025, 4001, 0xab, 3, 9, 77, 30);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.tester_hw_id, 9);
	CU_ASSERT_EQUAL(id.raw, 77);
	CU_ASSERT_EQUAL(id.tester_flow_seq, 3);
	build_trex(&p, false, 1025, 4002, 0xab, 3, 9, 78, 30);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

/*
 * An RTP packet of 32 payload bytes (g.729) on port 10110, the TRex magic
 * as its 17th payload byte (frame offset 42 + 16) when magic is set.
 */
static void
build_rtp_g729(struct pkt *p, uint16_t sport, uint16_t seq, uint32_t ssrc, bool magic)
{
	build_rtp(p, sport, 10110, 2, 18, seq, ssrc, 20);
	if (magic)
		p->b[42 + 16] = WM_SEQ_TESTER_MAGIC;
}

/*
 * A validated RTP stream stays validated when its numbers are reordered,
 * and a payload whose bytes happen to look like a TRex trailer stays RTP
 * (TRex's delay_10_sip_video_call_full.pcap, frames 1246 and 1247: both
 * were a tester candidate, so neither reached the RTP stream).
 */
static void
test_seq_detect_rtp_validated_keeps(void)
{
	struct wm_seq_detect *det = detect_new_heuristic();
	struct wm_seq_id id;
	struct pkt p;
	uint16_t s;

	for (s = 100; s < 103; s++) {
		build_rtp_g729(&p, 10110, s, 0x7d6428b7, false);
		CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	}
	build_rtp_g729(&p, 10110, 103, 0x7d6428b7, false);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.backlog, 3);
	/* A swapped pair: 105 before 104; both still YES, no second backlog. */
	build_rtp_g729(&p, 10110, 105, 0x7d6428b7, false);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.backlog, 0);
	build_rtp_g729(&p, 10110, 104, 0x7d6428b7, false);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 104);
	/* The magic inside the voice payload: still this RTP stream's packet. */
	build_rtp_g729(&p, 10110, 106, 0x7d6428b7, true);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_RTP);
	CU_ASSERT_EQUAL(id.raw, 106);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 0x7d6428b7);
	CU_ASSERT_EQUAL(id.tester_hw_id, 0);
	/* An SSRC not validated yet: the trailer's candidate, as before. */
	build_rtp_g729(&p, 10112, 7, 0x11111111, true);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_TESTER);
	/* A magic byte in a payload that is no RTP (version 0): the trailer's candidate. */
	build_rtp(&p, 10114, 10110, 0, 18, 7, 1, 20);
	p.b[42 + 16] = WM_SEQ_TESTER_MAGIC;
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_TESTER);
	wm_seq_detect_free(det);
}

/*
 * The trailer ends the UDP payload, not the frame: in a padded 60-byte
 * frame the padding follows it. A trailer cut by a snap length is not
 * read, while an RTP header that was captured is.
 */
static void
test_seq_detect_tester_padding_and_snaplen(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	build_trex(&p, false, 1025, 1026, 0xab, 1, 0x0201, 41, 0);
	CU_ASSERT_EQUAL(p.len, 58);
	put8(&p, 0);
	put8(&p, 0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_CANDIDATE);
	CU_ASSERT_EQUAL(id.tester_hw_id, 0x0201);
	CU_ASSERT_EQUAL(id.raw, 41);

	build_trex(&p, false, 1025, 1026, 0xab, 1, 0x0201, 42, 60);
	p.len -= 8; /* the capture ends inside the trailer */
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);

	build_rtp(&p, 40000, 5004, 2, 96, 99, 0xabcdef01, 200);
	p.len = 42 + 12;
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 99);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 0xabcdef01);
	p.len = 42 + 11;
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_esp(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	build_esp(&p, false, 0x12345678, 0x9abcdef0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_ESP);
	CU_ASSERT_EQUAL(id.raw, 0x9abcdef0);
	CU_ASSERT_EQUAL(id.esp_spi, 0x12345678);
	CU_ASSERT_EQUAL(id.epoch, 0x12345678);
	CU_ASSERT_EQUAL(id.rtp_ssrc, 0);

	build_esp(&p, true, 0xfedcba98, 1);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_ESP);
	CU_ASSERT_EQUAL(id.raw, 1);
	CU_ASSERT_EQUAL(id.esp_spi, 0xfedcba98);

	build_natt(&p, 0x00000102, 0x80000003);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_ESP);
	CU_ASSERT_EQUAL(id.raw, 0x80000003);
	CU_ASSERT_EQUAL(id.esp_spi, 0x00000102);

	/* IKE on 4500: the zero non-ESP marker. */
	build_natt(&p, 0, 0x01020304);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

static void
test_seq_detect_macsec(void)
{
	struct wm_seq_detect *det = detect_new(NULL);
	struct wm_seq_id id;
	struct pkt p;

	build_macsec(&p, 2, 0x01020304, UINT64_C(0x0011223344550007));
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.kind, WM_SEQ_KIND_MACSEC);
	CU_ASSERT_EQUAL(id.raw, 0x01020304);
	CU_ASSERT_EQUAL(id.macsec_sci, UINT64_C(0x0011223344550007));
	CU_ASSERT_EQUAL(id.macsec_an, 2);
	CU_ASSERT_EQUAL(id.epoch, 2);

	build_macsec(&p, 1, 0xfffffffe, 0);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_YES);
	CU_ASSERT_EQUAL(id.raw, 0xfffffffe);
	CU_ASSERT_EQUAL(id.macsec_sci, SRC_MAC_SCI);
	CU_ASSERT_EQUAL(id.macsec_an, 1);
	CU_ASSERT_EQUAL(id.epoch, 1);

	/* Plain L2 and TCP carry nothing. */
	eth_put(&p, 0x0806);
	put_fill(&p, 46);
	CU_ASSERT_EQUAL(DETECT(det, &p, &id), WM_SEQ_DETECT_NONE);
	wm_seq_detect_free(det);
}

/*
 * Every prefix of every frame, from an exact-size heap buffer: whatever
 * the parser says, detection reads nothing past the end (ASan), and a
 * tester trailer is never found in a frame that does not hold it whole.
 */
static void
test_seq_detect_truncated(void)
{
	struct wm_seq_detect_conf conf;
	struct wm_seq_detect *det;
	struct pkt frames[10];
	struct wm_seq_id id;
	unsigned int f, n = 0;
	uint32_t len;

	wm_seq_detect_conf_default(&conf);
	conf.rtp_heuristic = true;
	conf.rtp_heuristic_k = 1;
	conf.tester_validate_k = 1;
	det = detect_new(&conf);
	build_rtp(&frames[n++], 40000, 5004, 2, 96, 1, 2, 20);
	build_rtp(&frames[n++], 40000, 6000, 2, 96, 1, 2, 20);
	build_trex(&frames[n++], false, 1, 2, 0xab, 1, 2, 3, 10);
	build_trex(&frames[n++], true, 1, 2, 0xab, 1, 2, 3, 0);
	build_esp(&frames[n++], false, 1, 2);
	build_esp(&frames[n++], true, 1, 2);
	build_natt(&frames[n++], 1, 2);
	build_macsec(&frames[n++], 3, 4, 5);
	build_macsec(&frames[n++], 3, 4, 0);
	for (f = 0; f < n; f++) {
		const struct pkt *p = &frames[f];

		for (len = 0; len <= p->len; len++) {
			enum wm_seq_detect_result r = detect_exact(det, p->b, len, &id, NULL);

			if (r == WM_SEQ_DETECT_NONE)
				CHECK(id_is_zero(&id), __FILE__, __LINE__,
				      "frame %u[0..%u): id cleared", f, len);
			if (id.kind == WM_SEQ_KIND_TESTER && r != WM_SEQ_DETECT_NONE)
				CHECK(len == p->len, __FILE__, __LINE__,
				      "frame %u[0..%u): trailer only when whole", f, len);
			if (len == p->len)
				CHECK(r == WM_SEQ_DETECT_YES, __FILE__, __LINE__,
				      "frame %u whole: detected (got %d)", f, (int)r);
		}
	}
	wm_seq_detect_free(det);
}

static void
test_seq_detect_conf(void)
{
	struct wm_seq_detect_conf conf;

	wm_seq_detect_conf_default(&conf);
	CU_ASSERT_EQUAL(conf.n_rtp_ports, 1);
	CU_ASSERT_EQUAL(conf.rtp_ports[0].first, 5004);
	CU_ASSERT_EQUAL(conf.rtp_ports[0].last, 5005);
	CU_ASSERT_EQUAL(conf.rtp_heuristic, false);
	CU_ASSERT_EQUAL(conf.tester_any_udp, true);
	CU_ASSERT_EQUAL(conf.tester_validate_k, 2);
	CU_ASSERT_EQUAL(conf.n_tester_ports, 0);

	conf.rtp_ports[0] = (struct wm_seq_port_range){5006, 5004};
	errno = 0;
	CU_ASSERT_PTR_NULL(wm_seq_detect_create(&conf));
	CU_ASSERT_EQUAL(errno, EINVAL);
	wm_seq_detect_conf_default(&conf);
	conf.n_tester_ports = WM_SEQ_DETECT_PORT_RANGES_MAX + 1;
	CU_ASSERT_PTR_NULL(wm_seq_detect_create(&conf));
	wm_seq_detect_conf_default(&conf);
	conf.validate_entries = 1000;
	CU_ASSERT_PTR_NULL(wm_seq_detect_create(&conf));
	wm_seq_detect_conf_default(&conf);
	conf.tester_validate_k = 0;
	CU_ASSERT_PTR_NULL(wm_seq_detect_create(&conf));
	CU_ASSERT_PTR_NULL(wm_seq_detect_create(NULL));
	wm_seq_detect_free(NULL);
}

/* ---- runner ---- */

static const struct wm_test tests[] = {
	WM_TEST(test_seq_example_1_simple_gap),
	WM_TEST(test_seq_example_2_reorder_within_window),
	WM_TEST(test_seq_example_3_reorder_beyond_window),
	WM_TEST(test_seq_example_4_duplicate),
	WM_TEST(test_seq_example_5_duplicate_of_old),
	WM_TEST(test_seq_example_6_wrap32),
	WM_TEST(test_seq_example_7_rtp_wrap_reorder),
	WM_TEST(test_seq_example_8_large_jump),
	WM_TEST(test_seq_example_9_restart_from_1),
	WM_TEST(test_seq_example_10_esn_wrap),
	WM_TEST(test_seq_example_11_xpn_wrap),
	WM_TEST(test_seq_esn_case_a),
	WM_TEST(test_seq_esn_case_b),
	WM_TEST(test_seq_esn_case_b_before_zero),
	WM_TEST(test_seq_xpn_recovery),
	WM_TEST(test_seq_macsec_pn0_without_xpn),
	WM_TEST(test_seq_esp_wrap_without_esn),
	WM_TEST(test_seq_epoch_change_restarts),
	WM_TEST(test_seq_restart_k_configurable),
	WM_TEST(test_seq_finalize_then_late),
	WM_TEST(test_seq_window_holds_w),
	WM_TEST(test_seq_pool_full),
	WM_TEST(test_seq_set_streams),
	WM_TEST(test_seq_set_update_same),
	WM_TEST(test_seq_pool_create_invalid),
	WM_TEST(test_seq_profiles_default),
	WM_TEST(test_seq_large_jump_no_walk),
	WM_TEST(test_seq_names),
	WM_TEST(test_seq_randomized_vs_model),
	WM_TEST(test_seq_detect_rtp_port),
	WM_TEST(test_seq_detect_rtp_rejected),
	WM_TEST(test_seq_detect_rtp_heuristic),
	WM_TEST(test_seq_detect_tester_trailer),
	WM_TEST(test_seq_detect_tester_rejected),
	WM_TEST(test_seq_detect_tester_padding_and_snaplen),
	WM_TEST(test_seq_detect_rtp_validated_keeps),
	WM_TEST(test_seq_detect_esp),
	WM_TEST(test_seq_detect_macsec),
	WM_TEST(test_seq_detect_truncated),
	WM_TEST(test_seq_detect_conf),
};

int
main(void)
{
	return wm_cunit_run("seq", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
