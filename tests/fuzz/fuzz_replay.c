/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * A capture file as the replay port (drivers/net/wm_replay) reads it, in
 * place: the header check (classic pcap in any magic and byte order,
 * pcapng sections and interfaces), then a walk of every record and block
 * header. Every record handed out must lie inside the bytes (each is
 * copied to a buffer of exactly its captured length, so ASan sees a read
 * past it), its link type must be one the port reads, and the Ethernet
 * header made for it must replace no more than it holds. Two cursors walk
 * the same bytes, one counting and one not, and must meet the same
 * records: the port's queues rely on it, each walking the files alone.
 */

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wm_replay_file.h"

/* One record: inside the bytes, and its header synthesis within it. */
static void
record_check(const struct wm_replay_file *f, const struct wm_replay_rec *r)
{
	uint8_t hdr[WM_REPLAY_ETH_HDR];
	uint32_t strip;
	uint8_t *copy;

	FUZZ_CHECK(r->data >= f->map && r->caplen <= f->size &&
			   r->data <= f->map + f->size - r->caplen,
		   "record of %u bytes at offset %td, file of %" PRIu64 "\n", r->caplen,
		   r->data - f->map, f->size);
	FUZZ_CHECK(wm_replay_linktype_supported(r->linktype), "link type %u\n", r->linktype);
	copy = malloc(r->caplen ? r->caplen : 1);
	if (copy == NULL)
		return;
	memcpy(copy, r->data, r->caplen);
	wm_replay_eth_synth(
		&(struct wm_replay_rec){
			.data = copy, .caplen = r->caplen, .len = r->len, .linktype = r->linktype},
		hdr, &strip);
	FUZZ_CHECK(strip <= r->caplen, "strip %u of %u\n", strip, r->caplen);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wm_replay_cursor *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct wm_pcapfile_result res;
	struct wm_replay_rec ra, rb;
	struct wm_replay_file f;
	uint64_t n = 0;
	char err[256];
	int ga, gb;

	memset(&f, 0, sizeof(f));
	f.map = data;
	f.size = size;
	if (a == NULL || b == NULL || wm_replay_file_check(&f, err, sizeof(err)) != 0) {
		free(a);
		free(b);
		return 0;
	}
	wm_replay_cursor_init(a, &f, &res);
	wm_replay_cursor_init(b, &f, NULL);
	do {
		ga = wm_replay_cursor_next(a, &ra);
		gb = wm_replay_cursor_next(b, &rb);
		FUZZ_CHECK(ga == gb && (ga != 1 ||
					(ra.data == rb.data && ra.caplen == rb.caplen &&
					 ra.ts_ns == rb.ts_ns && ra.linktype == rb.linktype)),
			   "two walks differ at record %" PRIu64 "\n", n);
		if (ga == 1) {
			record_check(&f, &ra);
			n++;
		}
	} while (ga == 1);
	/* The counts hold together: what was delivered, where it stopped. */
	FUZZ_CHECK(res.records == n && res.stop_offset <= size && (!res.stopped || a->end),
		   "records %" PRIu64 " of %" PRIu64 ", stop at %" PRIu64 "\n", res.records, n,
		   res.stop_offset);
	free(a);
	free(b);
	return 0;
}
