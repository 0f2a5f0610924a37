/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/pcapfile: capture files built byte by byte in a
 * mkdtemp directory (classic pcap in both byte orders, pcapng), each bad
 * in one known way, scanned with the real libpcap. Each test asserts the
 * exact records, reads, counts by reason, where reading stopped and, for
 * files that are no capture at all, the return code.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "wm_cunit.h"
#include "wm_test_fbuf.h"
#include "wm_pcapfile.h"

#define BUF_MAX 400000
#define FRAME_LEN 50 /* Ethernet + IPv4 + UDP + 8 bytes */

/* A file being built; big selects big-endian fields. */

static char dir[256];
static char path[512];

static void
zeros(size_t len)
{
	memset(fb.b + fb.n, 0, len);
	fb.n += len;
}

/* An Ethernet/IPv4/UDP frame of FRAME_LEN bytes; i sets the source port. */
static const uint8_t *
frame(unsigned int i)
{
	static uint8_t f[FRAME_LEN];
	static const uint8_t head[] = {2,    2,	   2,	 2, 2, 2,  4,  4, 4, 4, 4,  4,
				       0x08, 0x00, 0x45, 0, 0, 36, 0,  1, 0, 0, 64, 17,
				       0,    0,	   10,	 0, 0, 1,  10, 0, 0, 2};

	memset(f, 0, sizeof(f));
	memcpy(f, head, sizeof(head));
	f[34] = 0x03;
	f[35] = (uint8_t)i; /* source port 768 + i */
	f[36] = 0x07;
	f[37] = 0xd0;
	f[39] = 16;
	return f;
}

static void
pcap_start(bool big, uint32_t snaplen)
{
	fb.n = 0;
	fb.big = big;
	put32(0xa1b2c3d4);
	put16(2);
	put16(4);
	put32(0);
	put32(0);
	put32(snaplen);
	put32(1); /* Ethernet */
}

/* A record header claiming caplen/len, then 'have' bytes of frame i. */
static void
pcap_rec(unsigned int i, uint32_t caplen, uint32_t len, size_t have)
{
	put32(1);
	put32(0);
	put32(caplen);
	put32(len);
	put(frame(i), have < FRAME_LEN ? have : FRAME_LEN);
	if (have > FRAME_LEN)
		zeros(have - FRAME_LEN);
}

static void
pcap_good(unsigned int i)
{
	pcap_rec(i, FRAME_LEN, FRAME_LEN, FRAME_LEN);
}

/* pcapng: a block of type t around a body of len bytes (padded to 4). */
static void
ng_block(uint32_t t, const void *body, size_t len)
{
	uint32_t total = 12 + (uint32_t)((len + 3) & ~(size_t)3);

	put32(t);
	put32(total);
	put(body, len);
	zeros(((len + 3) & ~(size_t)3) - len);
	put32(total);
}

static void
ng_start(bool big, uint32_t snaplen)
{
	fb.n = 0;
	fb.big = big;
	put32(0x0a0d0d0a);
	put32(28);
	put32(0x1a2b3c4d);
	put16(1);
	put16(0);
	put32(0xffffffff);
	put32(0xffffffff);
	put32(28);
	put32(1); /* IDB */
	put32(20);
	put16(1); /* Ethernet */
	put16(0);
	put32(snaplen);
	put32(20);
}

/* An EPB on interface ifid claiming caplen, carrying 'have' bytes of frame i. */
static void
ng_epb(unsigned int i, uint32_t ifid, uint32_t caplen, uint32_t have)
{
	uint32_t padded = (have + 3) & ~3u;

	put32(6);
	put32(32 + padded);
	put32(ifid);
	put32(0);
	put32(1000 + i);
	put32(caplen);
	put32(caplen);
	put(frame(i), have);
	zeros(padded - have);
	put32(32 + padded);
}

static void
ng_good(unsigned int i)
{
	ng_epb(i, 0, FRAME_LEN, FRAME_LEN);
}

/* Write the built file and scan it. */
static int
scan(struct wm_pcapfile_result *r)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(fwrite(fb.b, 1, fb.n, f), fb.n);
	fclose(f);
	return wm_pcapfile_scan(path, r);
}

/* All counts are zero but the one named, which is n. */
static void
assert_only(const struct wm_pcapfile_result *r, enum wm_pcapfile_reason why, uint64_t n)
{
	unsigned int i;

	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++)
		CU_ASSERT_EQUAL(r->count[i], i == (unsigned int)why ? n : 0);
}

static void
test_pcapfile_good(void)
{
	struct wm_pcapfile_result r;

	pcap_start(false, 65535);
	pcap_good(0);
	pcap_good(1);
	pcap_good(2);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.format, WM_PCAPFILE_PCAP);
	CU_ASSERT_EQUAL(r.linktype, 1);
	CU_ASSERT_EQUAL(r.snaplen, 65535);
	CU_ASSERT_EQUAL(r.size, 24 + 3 * 66);
	CU_ASSERT_EQUAL(r.records, 3);
	CU_ASSERT_EQUAL(r.reads, 3);
	CU_ASSERT(wm_pcapfile_clean(&r));
	CU_ASSERT_EQUAL(wm_pcapfile_unreadable(&r), 0);
	CU_ASSERT_EQUAL(r.stop_offset, r.size);
	CU_ASSERT_STRING_EQUAL(r.error, "");
}

static void
test_pcapfile_truncated_header(void)
{
	struct wm_pcapfile_result r;
	char line[512];

	pcap_start(false, 65535);
	pcap_good(0);
	pcap_good(1);
	pcap_good(2);
	put32(1); /* 10 of the last record header's 16 bytes */
	put32(0);
	put16(50);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 3);
	CU_ASSERT_EQUAL(r.reads, 3);
	assert_only(&r, WM_PCAPFILE_TRUNCATED, 1);
	CU_ASSERT(r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, 222);
	wm_pcapfile_describe(&r, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "3 records read; not read: 1 truncated (cut short by the end "
				     "of the file); reading stopped at byte 222, 10 bytes not "
				     "read (libpcap: truncated dump file; tried to read 16 header "
				     "bytes, only got 10)");
}

static void
test_pcapfile_truncated_data(void)
{
	struct wm_pcapfile_result r;

	/* Big-endian: the record's length fields are read in the file's order. */
	pcap_start(true, 65535);
	pcap_good(0);
	pcap_good(1);
	pcap_rec(2, FRAME_LEN, FRAME_LEN, 14);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 2);
	CU_ASSERT_EQUAL(r.reads, 2);
	assert_only(&r, WM_PCAPFILE_TRUNCATED, 1);
	CU_ASSERT(r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, 24 + 2 * 66);
	CU_ASSERT_EQUAL(r.size - r.stop_offset, 30);
	CU_ASSERT_STRING_EQUAL(r.error,
			       "truncated dump file; tried to read 50 captured bytes, only got 14");
}

static void
test_pcapfile_cut_to_snaplen(void)
{
	struct wm_pcapfile_result r;

	/* Records longer than the snap length (40) are delivered cut to it. */
	pcap_start(false, 40);
	pcap_good(0);
	pcap_rec(1, 30, 30, 30);
	pcap_good(2);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 3);
	CU_ASSERT_EQUAL(r.reads, 3);
	assert_only(&r, WM_PCAPFILE_CUT_TO_SNAPLEN, 2);
	CU_ASSERT(!r.stopped);
	CU_ASSERT_EQUAL(wm_pcapfile_unreadable(&r), 0);
}

static void
test_pcapfile_too_long(void)
{
	struct wm_pcapfile_result r;

	/*
	 * 300000 bytes is above what libpcap reads: it refuses the record
	 * and reads its data as headers (thousands of empty "records" here).
	 * The scan stops at the refused record.
	 */
	pcap_start(false, 65535);
	pcap_good(0);
	pcap_good(1);
	pcap_rec(2, 300000, 300000, 300000);
	pcap_good(3);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 2);
	CU_ASSERT_EQUAL(r.reads, 2);
	assert_only(&r, WM_PCAPFILE_TOO_LONG, 1);
	CU_ASSERT(r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, 24 + 2 * 66);
	CU_ASSERT_EQUAL(r.size - r.stop_offset, 16 + 300000 + 66);
}

static void
test_pcapfile_between_snaplen_and_max(void)
{
	struct wm_pcapfile_result r;

	/* 100000 bytes: above the snap length, below libpcap's maximum: cut, in step. */
	pcap_start(false, 65535);
	pcap_good(0);
	pcap_rec(1, 100000, 100000, 100000);
	pcap_good(2);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 3);
	assert_only(&r, WM_PCAPFILE_CUT_TO_SNAPLEN, 1);
	CU_ASSERT(!r.stopped);
}

static void
test_pcapfile_zero_and_above_len(void)
{
	struct wm_pcapfile_result r;

	pcap_start(false, 65535);
	pcap_good(0);
	pcap_rec(1, 0, 0, 0);
	pcap_rec(2, FRAME_LEN, 20, FRAME_LEN);
	pcap_good(3);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 4);
	CU_ASSERT_EQUAL(r.reads, 4);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_EMPTY], 1);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_CAPLEN_ABOVE_LEN], 1);
	CU_ASSERT_EQUAL(wm_pcapfile_unreadable(&r), 0);
	CU_ASSERT(!wm_pcapfile_clean(&r));
}

static void
test_pcapfile_not_a_capture(void)
{
	struct wm_pcapfile_result r;

	pcap_start(false, 65535);
	pcap_good(0);
	memcpy(fb.b, "\xde\xad\xbe\xef", 4);
	CU_ASSERT_EQUAL(scan(&r), -EINVAL);
	CU_ASSERT_STRING_EQUAL(r.error, "unknown file format");
	fb.n = 0;
	CU_ASSERT_EQUAL(scan(&r), -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		r.error, "truncated dump file; tried to read 4 file header bytes, only got 0");
	pcap_start(false, 65535);
	fb.n = 10;
	CU_ASSERT_EQUAL(scan(&r), -EINVAL);
	CU_ASSERT_EQUAL(wm_pcapfile_probe("/nonexistent/x.pcap", &r), -ENOENT);
	CU_ASSERT_EQUAL(wm_pcapfile_probe(dir, &r), -EINVAL);
}

static void
test_pcapfile_header_only(void)
{
	struct wm_pcapfile_result r;

	pcap_start(false, 65535);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 0);
	CU_ASSERT(wm_pcapfile_clean(&r));
	ng_start(false, 65535);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.format, WM_PCAPFILE_PCAPNG);
	CU_ASSERT_EQUAL(r.records, 0);
	CU_ASSERT(wm_pcapfile_clean(&r));
}

static void
test_pcapfile_ng_good(void)
{
	struct wm_pcapfile_result r;

	ng_start(true, 65535);
	ng_good(0);
	ng_good(1);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.format, WM_PCAPFILE_PCAPNG);
	CU_ASSERT_EQUAL(r.records, 2);
	CU_ASSERT_EQUAL(r.reads, 2);
	CU_ASSERT(wm_pcapfile_clean(&r));
}

static void
test_pcapfile_ng_skipped_blocks(void)
{
	struct wm_pcapfile_result r;
	uint8_t body[8] = {0x79, 0x7e, 0, 0, 'x', 'y', 'z', 0};

	/* Unknown and custom blocks before the first packet, between and at the end. */
	ng_start(false, 65535);
	ng_block(0x1234, body, 4);
	ng_good(0);
	ng_block(0x00000bad, body, 7);
	ng_block(5, body, 8); /* an Interface Statistics Block: known, skipped, not counted */
	ng_good(1);
	ng_block(0x40000bad, body, 8);
	ng_block(0x7777, body, 0);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 2);
	CU_ASSERT_EQUAL(r.reads, 2);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_UNKNOWN_BLOCK], 2);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_CUSTOM_BLOCK], 2);
	CU_ASSERT_EQUAL(wm_pcapfile_unreadable(&r), 4);
	CU_ASSERT(!r.stopped);
}

static void
test_pcapfile_ng_bad_length(void)
{
	struct wm_pcapfile_result r;
	size_t at;

	/* A length that is not a multiple of 4: libpcap loses its place. */
	ng_start(false, 65535);
	ng_good(0);
	at = fb.n;
	put32(6);
	put32(13);
	zeros(40);
	ng_good(1);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 1);
	CU_ASSERT_EQUAL(r.reads, 1);
	assert_only(&r, WM_PCAPFILE_BAD_BLOCK_LENGTH, 1);
	CU_ASSERT(r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, at);

	/* A length far past the file's end. */
	ng_start(false, 65535);
	ng_good(0);
	put32(6);
	put32(0xfffffff0);
	zeros(40);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 1);
	assert_only(&r, WM_PCAPFILE_BAD_BLOCK_LENGTH, 1);
	CU_ASSERT(r.stopped);
}

static void
test_pcapfile_ng_refused_in_step(void)
{
	struct wm_pcapfile_result r;

	/*
	 * Blocks libpcap reads whole and refuses: a trailer unlike the
	 * header, a captured length past the block, an undeclared
	 * interface. Reading goes on; each refused read before the last
	 * record is one the pcap PMD counts in ierrors.
	 */
	ng_start(false, 65535);
	ng_good(0);
	ng_good(1);
	fb.b[fb.n - 4] = 99; /* trailer of record 1 */
	ng_epb(2, 0, 500, FRAME_LEN);
	ng_good(3);
	ng_epb(4, 5, FRAME_LEN, FRAME_LEN);
	ng_good(5);
	ng_epb(6, 7, FRAME_LEN, FRAME_LEN); /* after the last record: no read of it is needed */
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 3);
	CU_ASSERT_EQUAL(r.reads, 6);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_BAD_BLOCK_LENGTH], 1);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_BAD_PACKET_BLOCK], 1);
	CU_ASSERT_EQUAL(r.count[WM_PCAPFILE_UNKNOWN_INTERFACE], 2);
	CU_ASSERT_EQUAL(wm_pcapfile_unreadable(&r), 4);
	CU_ASSERT(!r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, r.size);
	CU_ASSERT_STRING_EQUAL(r.error, "block total length in header and trailer don't match");
}

static void
test_pcapfile_ng_above_snaplen(void)
{
	struct wm_pcapfile_result r;

	/* pcapng refuses (not cuts) a packet above its interface's snap length. */
	ng_start(false, 40);
	ng_good(0);
	ng_epb(1, 0, 30, 30);
	ng_good(2);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 1);
	CU_ASSERT_EQUAL(r.reads, 2);
	assert_only(&r, WM_PCAPFILE_ABOVE_SNAPLEN, 2);
	CU_ASSERT(!r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, r.size);
}

static void
test_pcapfile_ng_truncated(void)
{
	struct wm_pcapfile_result r;
	size_t at;

	ng_start(false, 65535);
	ng_good(0);
	at = fb.n;
	ng_good(1);
	fb.n -= 30;
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 1);
	assert_only(&r, WM_PCAPFILE_TRUNCATED, 1);
	CU_ASSERT(r.stopped);
	CU_ASSERT_EQUAL(r.stop_offset, at);

	/* Cut inside the block header. */
	fb.n = at + 6;
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 1);
	assert_only(&r, WM_PCAPFILE_TRUNCATED, 1);
	CU_ASSERT_EQUAL(r.stop_offset, at);
}

static void
test_pcapfile_ng_empty_record(void)
{
	struct wm_pcapfile_result r;

	ng_start(false, 65535);
	ng_good(0);
	ng_epb(1, 0, 0, 0);
	ng_good(2);
	CU_ASSERT_EQUAL_FATAL(scan(&r), 0);
	CU_ASSERT_EQUAL(r.records, 3);
	assert_only(&r, WM_PCAPFILE_EMPTY, 1);
}

static void
test_pcapfile_names(void)
{
	unsigned int i, j;

	CU_ASSERT_STRING_EQUAL(wm_pcapfile_reason_name(WM_PCAPFILE_TRUNCATED), "truncated");
	CU_ASSERT_STRING_EQUAL(wm_pcapfile_reason_name(WM_PCAPFILE_CAPLEN_ABOVE_LEN),
			       "caplenAboveLen");
	CU_ASSERT_PTR_NULL(wm_pcapfile_reason_name(WM_PCAPFILE_REASON_MAX));
	CU_ASSERT_PTR_NULL(wm_pcapfile_reason_text(WM_PCAPFILE_REASON_MAX));
	CU_ASSERT(!wm_pcapfile_reason_delivered(WM_PCAPFILE_TRUNCATED));
	CU_ASSERT(wm_pcapfile_reason_delivered(WM_PCAPFILE_EMPTY));
	CU_ASSERT_STRING_EQUAL(wm_pcapfile_format_name(WM_PCAPFILE_PCAPNG), "pcapng");
	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++)
		for (j = i + 1; j < WM_PCAPFILE_REASON_MAX; j++)
			CU_ASSERT(strcmp(wm_pcapfile_reason_name(i), wm_pcapfile_reason_name(j)) !=
				  0);
}

static int
suite_init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/wm_test_pcapfile.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	fb.b = malloc(BUF_MAX);
	return fb.b == NULL ? -1 : 0;
}

static int
suite_clean(void)
{
	unlink(path);
	rmdir(dir);
	free(fb.b);
	return 0;
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_pcapfile_good),
		WM_TEST(test_pcapfile_truncated_header),
		WM_TEST(test_pcapfile_truncated_data),
		WM_TEST(test_pcapfile_cut_to_snaplen),
		WM_TEST(test_pcapfile_too_long),
		WM_TEST(test_pcapfile_between_snaplen_and_max),
		WM_TEST(test_pcapfile_zero_and_above_len),
		WM_TEST(test_pcapfile_not_a_capture),
		WM_TEST(test_pcapfile_header_only),
		WM_TEST(test_pcapfile_ng_good),
		WM_TEST(test_pcapfile_ng_skipped_blocks),
		WM_TEST(test_pcapfile_ng_bad_length),
		WM_TEST(test_pcapfile_ng_refused_in_step),
		WM_TEST(test_pcapfile_ng_above_snaplen),
		WM_TEST(test_pcapfile_ng_truncated),
		WM_TEST(test_pcapfile_ng_empty_record),
		WM_TEST(test_pcapfile_names),
	};

	return wm_cunit_run("pcapfile", suite_init, suite_clean, tests,
			    sizeof(tests) / sizeof(tests[0]));
}
