/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_RANK_H
#define WM_RANK_H

/*
 * Short ranked lists kept by insertion: the report's top flows and worst
 * ended streams (output.c), a worker's worst live streams (ctl.c).
 */

#include <stdbool.h>
#include <stddef.h>

#include "wm_seq.h"

/* Does a rank strictly before b? */
typedef bool (*wm_rank_before_fn)(const void *a, const void *b);

/*
 * Put 'item' into 'list' (n items of 'size' bytes kept, at most cap, those
 * ranked first first) when it ranks among the first cap: after every item
 * it does not rank before, the last one dropped when the list is full.
 * Returns the new count. Insertion: for small lists only.
 */
unsigned int wm_rank_insert(void *list, unsigned int n, unsigned int cap, size_t size,
			    const void *item, wm_rank_before_fn before);

/* Is stream a worse than b? Lost first, then late + duplicate + too old (the report's order). */
bool wm_stream_worse(const struct wm_seq_snapshot *a, const struct wm_seq_snapshot *b);

#endif /* WM_RANK_H */
