/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CTL_SLOT_H
#define WM_CTL_SLOT_H

/*
 * A management request slot, shared by the worker's side (ctl.c) and the
 * requester's (ctl_request.c); private to those two files.
 *
 * A request slot moves through these states (atomics, acquire/release):
 *
 *   FREE --claim (CAS, requester)--> CLAIMED --fill, post--> POSTED
 *   POSTED --worker finishes (CAS)--> DONE --requester reads--> FREE
 *   POSTED --requester gives up (CAS)--> ABANDONED --worker finishes--> FREE
 *
 * So exactly one side frees a slot, and a worker never works on memory
 * a requester has let go of: slots live as long as the application.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "wm_ctl.h"

/* Request slots per worker: concurrent requests (console + telemetry clients). */
#define WM_CTL_SLOTS 12

enum ctl_op { OP_TOP, OP_FIND, OP_STREAMS, OP_TIMEOUTS, OP_FLUSH };
enum slot_state { SLOT_FREE, SLOT_CLAIMED, SLOT_POSTED, SLOT_DONE, SLOT_ABANDONED };

/* What a requester asks; copied into a slot before it is posted. */
struct ctl_req {
	enum ctl_op op;
	uint32_t n;		/* flows or streams wanted */
	enum wm_flow_sort sort; /* OP_TOP */
	bool lossy;		/* OP_STREAMS: only streams with loss */
	struct wm_pkt_meta key; /* OP_FIND */
	uint64_t idle_ns;	/* OP_TIMEOUTS */
	uint64_t active_ns;
};

/*
 * One request to one worker and room for its answer. 'state' is the
 * only field both sides write; the request is the requester's until
 * POSTED, the progress and answer the worker's until DONE.
 */
struct wm_ctl_slot {
	uint32_t state; /* enum slot_state */
	struct ctl_req req;
	/* The worker's progress, while it holds the slot. */
	uint32_t cursor;
	struct wm_flow_top top;
	/* The answer. */
	int status;
	uint32_t n_out;
	uint64_t count;	  /* OP_FLUSH: flows removed */
	uint64_t records; /* OP_FLUSH: records exported */
	uint64_t idle_back, active_back;
	union {
		struct wm_flow_export flows[WM_CTL_MAX_FLOWS];
		struct wm_ctl_stream streams[WM_CTL_MAX_STREAMS];
	};
} __rte_cache_aligned;

/* The application the slots belong to: set by wm_ctl_init(), read-only after. */
extern struct wm_app *wm_ctl_app;

#endif /* WM_CTL_SLOT_H */
