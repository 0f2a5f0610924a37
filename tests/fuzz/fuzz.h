/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_FUZZ_H
#define WM_FUZZ_H

/*
 * What every harness shares: libFuzzer's entry points, a check that
 * stops the run with a message (abort() is a crash to libFuzzer, which
 * keeps the input), and a reader that takes values off the fuzzer's
 * bytes and gives zeros once they run out, so every input is usable.
 */

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property of the code under test failed: say which, where, and crash. */
#define FUZZ_CHECK(cond, ...)                                                                    \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                            \
			fputc('\n', stderr);                                                     \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* The fuzzer's bytes, read front to back. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t
fuzz_bytes(struct fuzz_in *in, unsigned int k)
{
	uint64_t v = 0;

	while (k-- > 0) {
		v = v << 8 | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_bytes(in, 1);
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)fuzz_bytes(in, 2);
}

static inline uint32_t
fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_bytes(in, 4);
}

static inline uint64_t
fuzz_u64(struct fuzz_in *in)
{
	return fuzz_bytes(in, 8);
}

/* Up to n bytes into dst (zeros past the end of the input). */
static inline void
fuzz_fill(struct fuzz_in *in, void *dst, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

#endif /* WM_FUZZ_H */
