/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_TEST_FBUF_H
#define WM_TEST_FBUF_H

/*
 * Building capture files byte by byte in the unit tests (test_pcapfile,
 * test_replay): one buffer per suite, 'fb', written in the byte order
 * fb.big says. The suite allocates fb.b large enough for its files.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fbuf {
	uint8_t *b;
	size_t n;
	bool big;
};

static struct fbuf fb;

static inline void
put(const void *p, size_t len)
{
	memcpy(fb.b + fb.n, p, len);
	fb.n += len;
}

static inline void
put32(uint32_t v)
{
	uint8_t b[4];
	unsigned int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(fb.big ? v >> (24 - 8 * i) : v >> (8 * i));
	put(b, 4);
}

static inline void
put16(uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(fb.big ? v >> 8 : v), (uint8_t)(fb.big ? v : v >> 8)};

	put(b, 2);
}

#endif /* WM_TEST_FBUF_H */
