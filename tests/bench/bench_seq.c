/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The tracker alone: nanoseconds per sequence-bearing packet in
 * wm_seq_stream_update(), over many streams taken in turn (so each
 * packet finds its stream's state cold, as on a worker with many
 * streams), in order and with 1 % loss and 1 % reordering. A benchmark,
 * not a test: it prints figures, exits 0.
 *
 * Usage: bench_seq [packets] [streams]
 */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wm_seq.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
run(const char *name, unsigned long n, uint32_t n_streams, unsigned int impair_pct)
{
	struct wm_seq_profiles prof;
	struct wm_seq_pool *pool;
	uint32_t *next = calloc(n_streams, sizeof(*next));
	unsigned long i, events = 0;
	uint32_t s = 0;
	uint64_t rnd = 88172645463325252ULL;
	double t0, t1;

	wm_seq_profiles_default(&prof);
	pool = wm_seq_pool_create(n_streams, &prof);
	if (pool == NULL || next == NULL) {
		printf("seq %s n/a (out of memory)\n", name);
		return;
	}
	for (i = 0; i < n_streams; i++) {
		wm_seq_stream_alloc(pool, WM_SEQ_KIND_ESP, false, 1);
		next[i] = 1;
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		uint32_t raw = next[s]++;
		struct wm_seq_event ev;

		if (impair_pct != 0) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 7;
			rnd ^= rnd << 17;
			if (rnd % 100 < impair_pct)
				next[s]++; /* one lost */
			else if (rnd % 100 < 2 * impair_pct && raw > 2)
				raw -= 2; /* a late one */
		}
		if (wm_seq_class_is_event(wm_seq_stream_update(pool, s, raw, 1, &ev)))
			events++;
		if (++s == n_streams)
			s = 0;
	}
	t1 = now_s();
	printf("seq %-10s %.1f ns/packet (%lu packets over %u ESP streams, %lu events)\n", name,
	       (t1 - t0) * 1e9 / (double)n, n, n_streams, events);
	wm_seq_pool_free(pool);
	free(next);
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000000UL;
	uint32_t streams = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 65536;

	run("in-order", n, streams, 0);
	run("impaired", n, streams, 1);
	return 0;
}
