/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/* Ranked lists by insertion (wm_rank.h). */

#include <string.h>

#include "wm_rank.h"

unsigned int
wm_rank_insert(void *list, unsigned int n, unsigned int cap, size_t size, const void *item,
	       wm_rank_before_fn before)
{
	char *l = list;
	unsigned int i;

	if (cap == 0 || (n == cap && !before(item, l + size * (n - 1))))
		return n;
	if (n < cap)
		n++;
	/* Slot n - 1 is free (or the dropped last): find i, move [i, n - 1) one down. */
	for (i = n - 1; i > 0 && before(item, l + size * (i - 1)); i--)
		;
	memmove(l + size * (i + 1), l + size * i, size * (n - 1 - i));
	memcpy(l + size * i, item, size);
	return n;
}

bool
wm_stream_worse(const struct wm_seq_snapshot *a, const struct wm_seq_snapshot *b)
{
	uint64_t ma = a->c.late + a->c.dup + a->c.too_old, mb = b->c.late + b->c.dup + b->c.too_old;

	return a->c.lost != b->c.lost ? a->c.lost > b->c.lost : ma > mb;
}
