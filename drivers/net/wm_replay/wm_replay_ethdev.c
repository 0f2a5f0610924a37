/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The replay port (wm_replay.h): ethdev glue around the file reader
 * (wm_replay_file.c).
 *
 * Each Rx queue walks every file itself, with its own cursors, and takes
 * the packets whose hash picks it: queues share nothing but the read-only
 * mappings, so their lcores never wait on each other. Queue 0 alone
 * counts what its first pass reads (the files' results, ierrors).
 *
 * Zero copy: an mbuf is attached to the mapping through a shared-info
 * slot of its queue. A slot holds at most SLOT_MBUFS mbufs (the refcount
 * is 16 bits), then the queue moves to a free slot; a slot whose last
 * mbuf is freed calls slot_free(), from whichever lcore frees it. The
 * mappings and the slots live in one block (struct replay_shared) that
 * the device and every busy slot hold a reference on: the last of them
 * unmaps the files, after the device is closed and the last mbuf freed.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_spinlock.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>

#include "wm_replay.h"
#include "wm_replay_file.h"

RTE_LOG_REGISTER_DEFAULT(wm_replay_logtype, NOTICE);
#define RLOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, wm_replay_logtype, "net_wmreplay: " fmt "\n", ##__VA_ARGS__)

#define BURST_MAX 64
/* Mbufs one shared-info slot serves before the queue moves on (its refcount is 16 bits). */
#define SLOT_MBUFS 16384
/* Slots per queue: at most SLOTS * SLOT_MBUFS mbufs of a queue in flight zero-copy. */
#define SLOTS 64
/* Most bytes one external buffer takes (buf_len is 16 bits). */
#define EXT_SEG_MAX 65535u

static const char *const valid_args[] = {"file", "queues", "loop", "pace", NULL};

/* A shared-info slot: one external-buffer refcount for up to SLOT_MBUFS mbufs. */
struct replay_slot {
	struct rte_mbuf_ext_shared_info sh;
	struct replay_shared *shared;
	uint32_t used; /* mbufs attached through it (its queue's lcore only) */
	bool busy;     /* a reference is held: set by the queue, cleared by slot_free() */
} __rte_cache_aligned;

/* The mappings and the slots: freed by the last of the device and the busy slots. */
struct replay_shared {
	uint32_t refs; /* atomic */
	unsigned int n_files;
	struct wm_replay_file files[WM_REPLAY_MAX_FILES];
	struct wm_pcapfile_result res[WM_REPLAY_MAX_FILES]; /* queue 0's first pass */
	struct replay_slot slots[WM_REPLAY_MAX_QUEUES][SLOTS];
};

/* How packets are paced. */
enum pace_mode { PACE_NONE, PACE_TIME, PACE_PPS };

/* One Rx queue; written by the lcore that polls it, read by stats. */
struct replay_rxq {
	struct replay_internals *in;
	struct rte_mempool *mp;
	uint16_t qid;
	uint16_t port_id;
	struct wm_replay_cursor cur[WM_REPLAY_MAX_FILES];
	struct wm_replay_rec head[WM_REPLAY_MAX_FILES]; /* each file's next record */
	bool have[WM_REPLAY_MAX_FILES];
	unsigned int slot; /* the slot in use */
	bool exhausted;	   /* its last pass is read */
	bool done;	   /* handed out its last packet */
	uint32_t pass;
	uint64_t pass_shift; /* added to file time in this pass */
	uint64_t scan_ts;    /* the latest time of a record it passed, its own or another queue's */
	uint64_t ts_min, ts_max, n_seen; /* over the first pass, every record (any queue's) */
	uint64_t pace_tsc0, pace_ts0, pace_k;
	bool pace_started;
	/*
	 * Records taken from the files and not handed out yet: a burst the
	 * pool had no mbufs for waits here, in order, for the next one. The
	 * held ones are held[held_at, held_at + n_held).
	 */
	struct wm_replay_rec held[BURST_MAX];
	uint32_t held_hash[BURST_MAX];
	uint16_t held_at, n_held;
	bool solo; /* the first held record failed behind others' mbufs: it has a burst alone */
	uint64_t ipackets, ibytes, ierrors, nombuf, zero_copy, copied, mbuf_waits;
};

struct replay_txq {
	uint64_t opackets, obytes;
};

struct replay_internals {
	struct replay_shared *shared;
	uint16_t port_id;
	uint16_t max_queues;
	uint32_t loop; /* passes; 0 for ever */
	enum pace_mode pace;
	double pace_factor; /* PACE_TIME: speed over the recording */
	double pace_pps;
	int ts_off; /* the Rx timestamp dynfield */
	uint64_t ts_flag;
	uint32_t n_done; /* queues that ended (atomic) */
	struct replay_rxq rxq[WM_REPLAY_MAX_QUEUES];
	struct replay_txq txq[WM_REPLAY_MAX_QUEUES];
};

/* Probe failures, by device name, for the application to report (wm_replay_probe_error()). */
#define PROBE_ERRORS 32
static struct {
	char name[RTE_DEV_NAME_MAX_LEN];
	char path[1024];
	char why[512];
} probe_errors[PROBE_ERRORS];
static unsigned int n_probe_errors;
static rte_spinlock_t probe_errors_lock = RTE_SPINLOCK_INITIALIZER;

static void
probe_error_note(const char *name, const char *path, const char *why)
{
	unsigned int i;

	rte_spinlock_lock(&probe_errors_lock);
	i = n_probe_errors < PROBE_ERRORS ? n_probe_errors++ : PROBE_ERRORS - 1;
	snprintf(probe_errors[i].name, sizeof(probe_errors[i].name), "%s", name);
	snprintf(probe_errors[i].path, sizeof(probe_errors[i].path), "%s", path);
	snprintf(probe_errors[i].why, sizeof(probe_errors[i].why), "%s", why);
	rte_spinlock_unlock(&probe_errors_lock);
	RLOG(ERR, "%s: %s%s%s", name, path, path[0] != '\0' ? ": " : "", why);
}

int
wm_replay_probe_error(const char *name, char *path, size_t path_len, char *why, size_t why_len)
{
	unsigned int i;
	int rc = -ENOENT;

	rte_spinlock_lock(&probe_errors_lock);
	for (i = 0; i < n_probe_errors; i++)
		if (strcmp(probe_errors[i].name, name) == 0) {
			snprintf(path, path_len, "%s", probe_errors[i].path);
			snprintf(why, why_len, "%s", probe_errors[i].why);
			rc = 0;
		}
	rte_spinlock_unlock(&probe_errors_lock);
	return rc;
}

static void
shared_put(struct replay_shared *s)
{
	unsigned int i;

	if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < s->n_files; i++)
		wm_replay_file_close(&s->files[i]);
	rte_free(s);
}

/* The last mbuf of a slot is freed (any lcore): the slot is free again. */
static void
slot_free(void *addr __rte_unused, void *opaque)
{
	struct replay_slot *sl = opaque;
	struct replay_shared *s = sl->shared;

	__atomic_store_n(&sl->busy, false, __ATOMIC_RELEASE);
	shared_put(s);
}

/* Drop the queue's own reference on its slot. */
static void
slot_release(struct replay_slot *sl)
{
	if (rte_mbuf_ext_refcnt_update(&sl->sh, -1) == 0)
		slot_free(NULL, sl);
}

/* Take a free slot for queue q; NULL when all are in flight (then frames are copied). */
static struct replay_slot *
slot_take(struct replay_rxq *q)
{
	struct replay_slot *slots = q->in->shared->slots[q->qid];
	unsigned int i;

	for (i = 0; i < SLOTS; i++) {
		struct replay_slot *sl = &slots[(q->slot + i) % SLOTS];

		if (__atomic_load_n(&sl->busy, __ATOMIC_ACQUIRE))
			continue;
		__atomic_add_fetch(&q->in->shared->refs, 1, __ATOMIC_ACQ_REL);
		sl->busy = true;
		sl->used = 0;
		sl->shared = q->in->shared;
		sl->sh.free_cb = slot_free;
		sl->sh.fcb_opaque = sl;
		rte_mbuf_ext_refcnt_set(&sl->sh, 1); /* the queue's own */
		q->slot = (unsigned int)(sl - slots);
		return sl;
	}
	return NULL;
}

/* The slot to attach n more mbufs through, with their references taken; or NULL. */
static struct replay_slot *
slot_for(struct replay_rxq *q, uint32_t n)
{
	struct replay_slot *sl = &q->in->shared->slots[q->qid][q->slot];

	if (!sl->busy || sl->used + n > SLOT_MBUFS) {
		if (sl->busy)
			slot_release(sl);
		sl = slot_take(q);
		if (sl == NULL)
			return NULL;
	}
	sl->used += n;
	rte_mbuf_ext_refcnt_update(&sl->sh, (int16_t)n);
	return sl;
}

/* ---- the symmetric hash ---- */

static uint32_t
mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* XOR of both ends: the same either way round. */
static uint32_t
sym_words(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint32_t h = 0, x, y;
	unsigned int i;

	for (i = 0; i + 4 <= len; i += 4) {
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		h ^= x ^ y;
	}
	return h;
}

/* Ports of TCP, UDP, SCTP at l4 (len bytes left); 0 for other protocols or when cut. */
static uint32_t
ports_hash(uint8_t proto, const uint8_t *l4, uint32_t len)
{
	uint16_t sp, dp;

	if ((proto != 6 && proto != 17 && proto != 132) || len < 4)
		return 0;
	memcpy(&sp, l4, 2);
	memcpy(&dp, l4 + 2, 2);
	return (uint32_t)(sp ^ dp);
}

/* A symmetric hash of an IP packet of EtherType et (the caller checks it is one). */
static uint32_t
l3_hash(uint16_t et, const uint8_t *p, uint32_t len)
{
	if (et == 0x0800 && len >= 20) {
		uint32_t ihl = (p[0] & 0xfu) * 4u;
		uint16_t frag = (uint16_t)(p[6] << 8 | p[7]);
		uint32_t h = sym_words(p + 12, p + 16, 4) ^ (uint32_t)p[9] << 16;

		/* Fragments hash on addresses only: all of a datagram's reach one queue. */
		if ((frag & 0x3fffu) == 0 && ihl >= 20 && len >= ihl)
			h ^= ports_hash(p[9], p + ihl, len - ihl);
		return mix(h);
	}
	if (et == 0x86dd && len >= 40) {
		uint32_t h = sym_words(p + 8, p + 24, 16) ^ (uint32_t)p[6] << 16;

		h ^= ports_hash(p[6], p + 40, len - 40);
		return mix(h);
	}
	return 0;
}

/* The hash of a record: of its IP packet, else of its Ethernet addresses. */
static uint32_t
rec_hash(const struct wm_replay_rec *r)
{
	const uint8_t *p = r->data;
	uint32_t len = r->caplen, strip, off = 12;
	uint8_t eth[WM_REPLAY_ETH_HDR];
	uint16_t et;

	if (wm_replay_eth_synth(r, eth, &strip))
		return l3_hash((uint16_t)(eth[12] << 8 | eth[13]), p + strip, len - strip);
	if (len < 14)
		return 0;
	et = (uint16_t)(p[12] << 8 | p[13]);
	while ((et == 0x8100 || et == 0x88a8 || et == 0x9100) && off + 6 <= len) {
		off += 4;
		et = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	if ((et == 0x0800 && len >= off + 2 + 20) || (et == 0x86dd && len >= off + 2 + 40))
		return l3_hash(et, p + off + 2, len - off - 2);
	return mix(sym_words(p, p + 6, 4));
}

/* ---- Rx ---- */

/* Fill the file's next record (a cursor of the first pass counts into the file's result). */
static void
head_fill(struct replay_rxq *q, unsigned int i)
{
	q->have[i] = wm_replay_cursor_next(&q->cur[i], &q->head[i]) == 1;
}

static void
pass_start(struct replay_rxq *q)
{
	struct replay_shared *s = q->in->shared;
	unsigned int i;

	for (i = 0; i < s->n_files; i++) {
		wm_replay_cursor_init(&q->cur[i], &s->files[i],
				      q->qid == 0 && q->pass == 0 ? &s->res[i] : NULL);
		head_fill(q, i);
	}
}

/* The file whose next record is the earliest; -1 when every file is at its end. */
static int
earliest(const struct replay_rxq *q)
{
	unsigned int i, n = q->in->shared->n_files;
	int best = -1;

	for (i = 0; i < n; i++)
		if (q->have[i] && (best < 0 || q->head[i].ts_ns < q->head[best].ts_ns))
			best = (int)i;
	return best;
}

/* Files at their end: start the next pass, or end the queue. */
static bool
pass_end(struct replay_rxq *q)
{
	struct replay_internals *in = q->in;

	if (q->pass == 0) {
		unsigned int i;

		for (i = 0; i < in->shared->n_files; i++)
			q->ierrors += q->cur[i].refused_total; /* the first pass's, for stats */
	}
	q->pass++;
	if (in->loop != 0 && q->pass >= in->loop)
		return false;
	if (q->n_seen == 0)
		return false; /* nothing to loop over */
	/* The next pass starts one mean gap after this one's last packet. */
	q->pass_shift += q->ts_max - q->ts_min +
			 (q->n_seen > 1 ? (q->ts_max - q->ts_min) / (q->n_seen - 1) : 1000);
	pass_start(q);
	return true;
}

/* The queue has handed out its last packet; the last queue takes the link down. */
static void
queue_end(struct replay_rxq *q)
{
	struct replay_internals *in = q->in;
	struct rte_eth_dev *dev = &rte_eth_devices[in->port_id];

	q->done = true;
	if (__atomic_add_fetch(&in->n_done, 1, __ATOMIC_ACQ_REL) != dev->data->nb_rx_queues)
		return;
	/* n_done (acq_rel above) orders the queues' ends before this; readers poll it. */
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	if (dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* May the record of time ts go now? */
static bool
pace_due(struct replay_rxq *q, uint64_t ts)
{
	const struct replay_internals *in = q->in;
	uint64_t now = rte_rdtsc(), due;

	if (!q->pace_started) {
		q->pace_started = true;
		q->pace_tsc0 = now;
		q->pace_ts0 = ts;
	}
	/* A record older than the first (a file out of time order) is due at once. */
	if (in->pace == PACE_TIME && ts < q->pace_ts0)
		return true;
	if (in->pace == PACE_TIME)
		due = q->pace_tsc0 + (uint64_t)((double)(ts - q->pace_ts0) / in->pace_factor *
						(double)rte_get_tsc_hz() / 1e9);
	else
		due = q->pace_tsc0 +
		      (uint64_t)((double)q->pace_k * (double)rte_get_tsc_hz() / in->pace_pps);
	return now >= due;
}

/*
 * The next record this queue takes, in time order over its files and
 * passes; false at the end or when pacing holds it back (*paced).
 */
static bool
next_rec(struct replay_rxq *q, struct wm_replay_rec *r, uint32_t *hash, bool *paced)
{
	const uint16_t nq = rte_eth_devices[q->in->port_id].data->nb_rx_queues;

	for (;;) {
		int f = earliest(q);
		uint64_t ts;

		if (f < 0) {
			if (q->exhausted || !pass_end(q)) {
				q->exhausted = true;
				return false;
			}
			continue;
		}
		ts = q->head[f].ts_ns + q->pass_shift;
		if (q->in->pace != PACE_NONE && !pace_due(q, ts)) {
			*paced = true;
			return false;
		}
		*r = q->head[f];
		r->ts_ns = ts;
		if (ts > q->scan_ts)
			q->scan_ts = ts;
		if (q->pass == 0) {
			q->ts_min = q->n_seen == 0 || r->ts_ns < q->ts_min ? r->ts_ns : q->ts_min;
			q->ts_max = r->ts_ns > q->ts_max ? r->ts_ns : q->ts_max;
			q->n_seen++;
		}
		q->pace_k++;
		head_fill(q, (unsigned int)f);
		*hash = nq > 1 ? rec_hash(r) : 0;
		if (nq == 1 || *hash % nq == q->qid)
			return true;
	}
}

/* Attach the bytes [p, p + len) to m, in segments of at most EXT_SEG_MAX; false when short of mbufs. */
static bool
attach(struct replay_rxq *q, struct rte_mbuf *m, const uint8_t *p, uint32_t len,
       struct replay_slot *sl)
{
	struct rte_mbuf *last = m;
	uint32_t seg = len < EXT_SEG_MAX ? len : EXT_SEG_MAX;

	rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)p, RTE_BAD_IOVA, (uint16_t)seg, &sl->sh);
	m->data_len = (uint16_t)seg;
	m->pkt_len = len;
	for (p += seg, len -= seg; len > 0; p += seg, len -= seg) {
		struct rte_mbuf *n = rte_pktmbuf_alloc(q->mp);
		struct replay_slot *more = n != NULL ? slot_for(q, 1) : NULL;

		if (more == NULL) {
			rte_pktmbuf_free(n);
			return false;
		}
		seg = len < EXT_SEG_MAX ? len : EXT_SEG_MAX;
		rte_pktmbuf_attach_extbuf(n, (void *)(uintptr_t)p, RTE_BAD_IOVA, (uint16_t)seg,
					  &more->sh);
		n->data_len = (uint16_t)seg;
		last->next = n;
		last = n;
		m->nb_segs++;
	}
	return true;
}

/*
 * A frame that is not served in place: its first segment copied (with the
 * synthesised Ethernet header when it has one), the rest attached.
 */
static bool
copy_frame(struct replay_rxq *q, struct rte_mbuf *m, const struct wm_replay_rec *r)
{
	uint8_t eth[WM_REPLAY_ETH_HDR];
	uint32_t strip = 0, hdr, room = rte_pktmbuf_tailroom(m), take, left;
	const uint8_t *p = r->data;
	bool synth = wm_replay_eth_synth(r, eth, &strip);

	hdr = synth ? WM_REPLAY_ETH_HDR : 0;
	left = r->caplen - strip;
	take = left < room - hdr ? left : room - hdr;
	if (synth)
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), eth, hdr);
	memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, hdr), p + strip, take);
	m->data_len = (uint16_t)(hdr + take);
	m->pkt_len = hdr + left;
	left -= take;
	if (left > 0) {
		struct rte_mbuf *n = rte_pktmbuf_alloc(q->mp);
		struct replay_slot *sl = n != NULL ? slot_for(q, 1) : NULL;

		if (sl == NULL || !attach(q, n, p + strip + take, left, sl)) {
			rte_pktmbuf_free(n);
			return false;
		}
		m->next = n;
		m->nb_segs = (uint16_t)(1 + n->nb_segs);
	}
	q->copied++;
	return true;
}

/* Fill m with record r: in place when it is Ethernet and a slot is free, else copied. */
static bool
rx_fill(struct replay_rxq *q, struct rte_mbuf *m, const struct wm_replay_rec *r,
	struct replay_slot *sl)
{
	const struct replay_internals *in = q->in;
	bool ok;

	if (r->linktype == WM_REPLAY_LT_ETHERNET && sl != NULL) {
		ok = attach(q, m, r->data, r->caplen, sl);
		q->zero_copy += ok;
	} else {
		ok = copy_frame(q, m, r);
	}
	m->port = in->port_id;
	*RTE_MBUF_DYNFIELD(m, in->ts_off, uint64_t *) = r->ts_ns;
	m->ol_flags |= in->ts_flag;
	return ok;
}

/* Take the next records into held[], when none are held; false when there are none now. */
static bool
held_fill(struct replay_rxq *q, uint16_t nb)
{
	bool paced = false;

	if (q->n_held > 0)
		return true;
	q->held_at = 0;
	while (q->n_held < nb && next_rec(q, &q->held[q->n_held], &q->held_hash[q->n_held], &paced))
		q->n_held++;
	if (q->n_held == 0 && !paced)
		queue_end(q);
	return q->n_held > 0;
}

/*
 * The pool ran dry filling record @p i of a burst of @p n: it and the
 * records after it wait for the next burst, and the mbufs and the slot
 * references taken for them go back (@p eth_left: references of sl taken
 * for the Ethernet frames after i; frame i's went with its mbuf).
 */
static void
held_keep(struct replay_rxq *q, struct rte_mbuf **bufs, uint16_t i, uint16_t n,
	  struct replay_slot *sl, uint16_t eth_left)
{
	rte_pktmbuf_free_bulk(&bufs[i], n - i);
	if (sl != NULL && eth_left > 0 &&
	    rte_mbuf_ext_refcnt_update(&sl->sh, (int16_t)-eth_left) == 0)
		slot_free(NULL, sl);
	if (i > 0)
		return;
	/*
	 * The first record failed: the mbufs taken for the others may be what
	 * it lacked, so it gets the next burst alone. Alone, with every mbuf
	 * of the pool free, it never fits (more segments than the pool has
	 * mbufs): it is dropped and counted in rx_nombuf, and the queue goes on.
	 */
	if (n > 1) {
		q->solo = true;
	} else if (rte_mempool_full(q->mp)) {
		q->nombuf++;
		q->held_at++;
		q->n_held--;
		q->solo = false;
	}
}

/* Mbufs for up to n records: all n, or as many as the pool has; 0 when it has none. */
static uint16_t
rx_alloc(struct replay_rxq *q, struct rte_mbuf **bufs, uint16_t n)
{
	unsigned int avail;

	if (likely(rte_pktmbuf_alloc_bulk(q->mp, bufs, n) == 0))
		return n;
	/* Cut short: the records beyond what the pool has wait (replay_rx counts the burst). */
	avail = rte_mempool_avail_count(q->mp);
	n = avail < n ? (uint16_t)avail : n;
	if (n == 0 || rte_pktmbuf_alloc_bulk(q->mp, bufs, n) != 0)
		return 0;
	return n;
}

static uint16_t
replay_rx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct replay_rxq *q = queue;
	const struct wm_replay_rec *recs;
	const uint32_t *hashes;
	struct replay_slot *sl;
	uint16_t want, n, i, eth = 0;
	const bool rss = rte_eth_devices[q->port_id].data->nb_rx_queues > 1;

	if (unlikely(q->done))
		return 0;
	if (nb > BURST_MAX)
		nb = BURST_MAX;
	if (!held_fill(q, nb))
		return 0;
	recs = &q->held[q->held_at];
	hashes = &q->held_hash[q->held_at];
	want = unlikely(q->solo) ? 1 : q->n_held < nb ? q->n_held : nb;
	n = rx_alloc(q, bufs, want);
	/* rx_mbuf_waits: bursts cut short, each once, by rx_alloc or by held_keep. */
	if (unlikely(n < want))
		q->mbuf_waits++;
	if (n == 0)
		return 0;
	/* One reference per Ethernet frame, taken at once on the queue's slot. */
	for (i = 0; i < n; i++)
		eth += recs[i].linktype == WM_REPLAY_LT_ETHERNET;
	sl = eth > 0 ? slot_for(q, eth) : NULL;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = bufs[i];
		const bool is_eth = recs[i].linktype == WM_REPLAY_LT_ETHERNET;

		/* A frame that took its reference gives it back with its mbuf. */
		eth -= is_eth;
		if (unlikely(!rx_fill(q, m, &recs[i], sl))) {
			q->mbuf_waits += n == want;
			held_keep(q, bufs, i, n, sl, eth);
			break;
		}
		/* With one queue no hash is computed (none is needed). */
		if (rss) {
			m->hash.rss = hashes[i];
			m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		}
		q->ibytes += m->pkt_len;
	}
	/* held_keep() may have dropped the first record: that is not one of these i. */
	if (i > 0)
		q->solo = false;
	q->held_at += i;
	q->n_held -= i;
	q->ipackets += i;
	return i;
}

static uint16_t
replay_tx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct replay_txq *t = queue;
	uint16_t i;

	for (i = 0; i < nb; i++)
		t->obytes += rte_pktmbuf_pkt_len(bufs[i]);
	t->opackets += nb;
	rte_pktmbuf_free_bulk(bufs, nb);
	return nb;
}

/* ---- device ops ---- */

static int
replay_configure(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

static int
replay_start(struct rte_eth_dev *dev)
{
	struct replay_internals *in = dev->data->dev_private;
	uint16_t i;

	in->n_done = 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct replay_rxq *q = &in->rxq[i];

		q->done = false;
		q->exhausted = false;
		q->scan_ts = 0;
		q->pass = 0;
		q->pass_shift = 0;
		q->n_seen = 0;
		q->ts_min = q->ts_max = 0;
		q->pace_started = false;
		q->pace_k = 0;
		q->ierrors = 0;
		/* A restart reads the files from their start: nothing held is left. */
		q->held_at = q->n_held = 0;
		q->solo = false;
		pass_start(q);
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	dev->data->dev_started = 1;
	return 0;
}

static int
replay_stop(struct rte_eth_dev *dev)
{
	uint16_t i;

	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	dev->data->dev_started = 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

/* Give back each queue's slot; the files go with the last mbuf attached to them. */
static int
replay_close(struct rte_eth_dev *dev)
{
	struct replay_internals *in = dev->data->dev_private;
	unsigned int q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || in == NULL || in->shared == NULL)
		return 0;
	for (q = 0; q < WM_REPLAY_MAX_QUEUES; q++) {
		struct replay_slot *sl = &in->shared->slots[q][in->rxq[q].slot];

		if (sl->busy)
			slot_release(sl);
	}
	shared_put(in->shared);
	in->shared = NULL;
	return 0;
}

static int
replay_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *di)
{
	struct replay_internals *in = dev->data->dev_private;

	di->max_mac_addrs = 1;
	di->max_rx_pktlen = WM_REPLAY_MAX_CAPLEN;
	di->max_rx_queues = in->max_queues;
	di->max_tx_queues = in->max_queues;
	di->min_rx_bufsize = 0;
	di->rx_offload_capa = RTE_ETH_RX_OFFLOAD_TIMESTAMP | RTE_ETH_RX_OFFLOAD_RSS_HASH |
			      RTE_ETH_RX_OFFLOAD_SCATTER;
	/* The hash is the port's own: RSS over IP, TCP and UDP, always symmetric. */
	di->flow_type_rss_offloads =
		in->max_queues > 1 ? (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) : 0;
	di->hash_key_size = 40;
	return 0;
}

static int
replay_rxq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc __rte_unused,
		 unsigned int socket __rte_unused, const struct rte_eth_rxconf *conf __rte_unused,
		 struct rte_mempool *mp)
{
	struct replay_internals *in = dev->data->dev_private;
	struct replay_rxq *q = &in->rxq[qid];

	q->in = in;
	q->mp = mp;
	q->qid = qid;
	q->port_id = dev->data->port_id;
	dev->data->rx_queues[qid] = q;
	return 0;
}

static int
replay_txq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc __rte_unused,
		 unsigned int socket __rte_unused, const struct rte_eth_txconf *conf __rte_unused)
{
	struct replay_internals *in = dev->data->dev_private;

	dev->data->tx_queues[qid] = &in->txq[qid];
	return 0;
}

static void
replay_queue_release(struct rte_eth_dev *dev __rte_unused, uint16_t qid __rte_unused)
{
}

static int
replay_link_update(struct rte_eth_dev *dev __rte_unused, int wait __rte_unused)
{
	return 0;
}

/*
 * Refused records queue 0 stepped over in its first pass: each queue
 * meets every record, so one queue counts them (a racy read of another
 * lcore's counters, as for any statistics).
 */
static uint64_t
ierrors(const struct replay_internals *in)
{
	const struct replay_rxq *q = &in->rxq[0];
	uint64_t n = 0;
	unsigned int i;

	if (q->pass > 0)
		return q->ierrors;
	for (i = 0; i < in->shared->n_files; i++)
		n += q->cur[i].refused_total;
	return n;
}

static int
replay_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct replay_internals *in = dev->data->dev_private;
	unsigned int i;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct replay_rxq *q = &in->rxq[i];

		st->ipackets += q->ipackets;
		st->ibytes += q->ibytes;
		st->rx_nombuf += q->nombuf;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = q->ipackets;
			st->q_ibytes[i] = q->ibytes;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		st->opackets += in->txq[i].opackets;
		st->obytes += in->txq[i].obytes;
	}
	st->ierrors = ierrors(in);
	return 0;
}

static int
replay_stats_reset(struct rte_eth_dev *dev)
{
	struct replay_internals *in = dev->data->dev_private;
	unsigned int i;

	for (i = 0; i < WM_REPLAY_MAX_QUEUES; i++) {
		in->rxq[i].ipackets = in->rxq[i].ibytes = in->rxq[i].nombuf = 0;
		in->rxq[i].mbuf_waits = 0;
		in->txq[i].opackets = in->txq[i].obytes = 0;
	}
	return 0;
}

static void
stats_sum(const struct replay_internals *in, struct wm_replay_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < WM_REPLAY_MAX_QUEUES; i++) {
		st->zero_copy += in->rxq[i].zero_copy;
		st->copied += in->rxq[i].copied;
		st->mbuf_waits += in->rxq[i].mbuf_waits;
	}
	st->passes = in->rxq[0].pass;
}

static const char *const xstat_names[] = {"zero_copy_packets", "copied_packets", "passes",
					  "rx_mbuf_waits"};

static int
replay_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs, unsigned int n)
{
	struct wm_replay_stats st;
	uint64_t v[RTE_DIM(xstat_names)];
	unsigned int i;

	if (n < RTE_DIM(xstat_names))
		return RTE_DIM(xstat_names);
	stats_sum(dev->data->dev_private, &st);
	v[0] = st.zero_copy;
	v[1] = st.copied;
	v[2] = st.passes;
	v[3] = st.mbuf_waits;
	for (i = 0; i < RTE_DIM(xstat_names); i++) {
		xs[i].id = i;
		xs[i].value = v[i];
	}
	return RTE_DIM(xstat_names);
}

static int
replay_xstats_names(struct rte_eth_dev *dev __rte_unused, struct rte_eth_xstat_name *names,
		    unsigned int n)
{
	unsigned int i;

	if (names == NULL || n < RTE_DIM(xstat_names))
		return RTE_DIM(xstat_names);
	for (i = 0; i < RTE_DIM(xstat_names); i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", xstat_names[i]);
	return RTE_DIM(xstat_names);
}

static int
replay_promisc(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

static const struct eth_dev_ops replay_ops = {
	.dev_configure = replay_configure,
	.dev_start = replay_start,
	.dev_stop = replay_stop,
	.dev_close = replay_close,
	.dev_infos_get = replay_info,
	.rx_queue_setup = replay_rxq_setup,
	.tx_queue_setup = replay_txq_setup,
	.rx_queue_release = replay_queue_release,
	.tx_queue_release = replay_queue_release,
	.link_update = replay_link_update,
	.stats_get = replay_stats_get,
	.stats_reset = replay_stats_reset,
	.xstats_get = replay_xstats_get,
	.xstats_get_names = replay_xstats_names,
	.promiscuous_enable = replay_promisc,
	.promiscuous_disable = replay_promisc,
};

/* ---- arguments and probe ---- */

struct replay_args {
	unsigned int n_files;
	const char *files[WM_REPLAY_MAX_FILES];
	unsigned long queues;
	unsigned long loop;
	enum pace_mode pace;
	double factor, pps;
	char why[512];
};

static int
arg_file(const char *key __rte_unused, const char *value, void *opaque)
{
	struct replay_args *a = opaque;

	if (a->n_files == WM_REPLAY_MAX_FILES) {
		snprintf(a->why, sizeof(a->why), "more than %d files", WM_REPLAY_MAX_FILES);
		return -E2BIG;
	}
	a->files[a->n_files++] = value;
	return 0;
}

static int
arg_ulong(const char *key, const char *value, void *opaque)
{
	struct replay_args *a = opaque;
	unsigned long *dst = strcmp(key, "queues") == 0 ? &a->queues : &a->loop;
	char *end;

	errno = 0;
	*dst = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' ||
	    (dst == &a->queues && (*dst < 1 || *dst > WM_REPLAY_MAX_QUEUES))) {
		snprintf(a->why, sizeof(a->why), "%s=%s: %s", key, value,
			 dst == &a->queues ? "a number of queues from 1 to 16 is needed"
					   : "a number of passes is needed (0 for ever)");
		return -EINVAL;
	}
	return 0;
}

static int
arg_pace(const char *key __rte_unused, const char *value, void *opaque)
{
	struct replay_args *a = opaque;
	size_t l = strlen(value);
	char *end;

	if (strcmp(value, "recorded") == 0) {
		a->pace = PACE_TIME;
		a->factor = 1;
		return 0;
	}
	if (value[0] == 'x') {
		a->factor = strtod(value + 1, &end);
		if (end != value + 1 && *end == '\0' && a->factor > 0) {
			a->pace = PACE_TIME;
			return 0;
		}
	} else if (l > 3 && strcmp(value + l - 3, "pps") == 0) {
		a->pps = strtod(value, &end);
		if (end == value + l - 3 && a->pps > 0) {
			a->pace = PACE_PPS;
			return 0;
		}
	}
	snprintf(a->why, sizeof(a->why),
		 "pace=%s: recorded, x<factor> (x2, x0.5) or <n>pps (1000pps) is needed", value);
	return -EINVAL;
}

static int
args_parse(const char *params, struct rte_kvargs **kv, struct replay_args *a)
{
	memset(a, 0, sizeof(*a));
	a->queues = 1;
	a->loop = 1;
	*kv = rte_kvargs_parse(params != NULL ? params : "", valid_args);
	if (*kv == NULL) {
		snprintf(a->why, sizeof(a->why),
			 "bad arguments '%s': file=PATH (one or more), queues=N, loop=N, pace=...",
			 params != NULL ? params : "");
		return -EINVAL;
	}
	if (rte_kvargs_process(*kv, "file", arg_file, a) != 0 ||
	    rte_kvargs_process(*kv, "queues", arg_ulong, a) != 0 ||
	    rte_kvargs_process(*kv, "loop", arg_ulong, a) != 0 ||
	    rte_kvargs_process(*kv, "pace", arg_pace, a) != 0)
		return -EINVAL;
	if (a->n_files == 0) {
		snprintf(a->why, sizeof(a->why), "no file: give file=PATH");
		return -EINVAL;
	}
	return 0;
}

/* Map every file; on error, name it. */
static int
files_open(struct replay_shared *s, const struct replay_args *a, const char *name)
{
	char why[512];
	unsigned int i;
	int rc;

	for (i = 0; i < a->n_files; i++) {
		/* Mapped already when the application checked it first (wm_replay_preopen()). */
		rc = wm_replay_file_adopt(&s->files[i], a->files[i])
			     ? 0
			     : wm_replay_file_open(&s->files[i], a->files[i], why, sizeof(why));
		if (rc != 0) {
			probe_error_note(name, a->files[i], why);
			return rc;
		}
		s->n_files++;
		/* Until queue 0 reads it, the result says what the header said. */
		s->res[i].format = s->files[i].ng ? WM_PCAPFILE_PCAPNG : WM_PCAPFILE_PCAP;
		s->res[i].linktype = (int)s->files[i].linktype;
		s->res[i].size = s->files[i].size;
		s->res[i].stop_offset = s->files[i].size;
	}
	return 0;
}

static int
dev_create(struct rte_vdev_device *vdev, const struct replay_args *a, struct replay_shared *s)
{
	static const struct rte_ether_addr mac = {{0x02, 0x77, 0x6d, 0x00, 0x00, 0x00}};
	struct replay_internals *in;
	struct rte_eth_dev *dev;
	int rc;

	dev = rte_eth_vdev_allocate(vdev, sizeof(*in));
	if (dev == NULL)
		return -ENOMEM;
	in = dev->data->dev_private;
	in->shared = s;
	in->port_id = dev->data->port_id;
	in->max_queues = (uint16_t)a->queues;
	in->loop = (uint32_t)a->loop;
	in->pace = a->pace;
	in->pace_factor = a->factor;
	in->pace_pps = a->pps;
	rc = rte_mbuf_dyn_rx_timestamp_register(&in->ts_off, &in->ts_flag);
	if (rc != 0) {
		rte_eth_dev_release_port(dev);
		return rc;
	}
	dev->data->mac_addrs = rte_zmalloc(NULL, sizeof(mac), 0);
	if (dev->data->mac_addrs == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	*dev->data->mac_addrs = mac;
	dev->data->mac_addrs->addr_bytes[5] = (uint8_t)in->port_id;
	dev->data->dev_link = (struct rte_eth_link){.link_speed = RTE_ETH_SPEED_NUM_10G,
						    .link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
						    .link_status = RTE_ETH_LINK_DOWN,
						    .link_autoneg = RTE_ETH_LINK_FIXED};
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC | RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->dev_ops = &replay_ops;
	dev->rx_pkt_burst = replay_rx;
	dev->tx_pkt_burst = replay_tx;
	rte_eth_dev_probing_finish(dev);
	return 0;
}

static int
replay_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_kvargs *kv = NULL;
	struct replay_shared *s;
	struct replay_args a;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(name);

		if (dev == NULL)
			return -ENODEV;
		dev->dev_ops = &replay_ops;
		dev->rx_pkt_burst = replay_rx;
		dev->tx_pkt_burst = replay_tx;
		rte_eth_dev_probing_finish(dev);
		return 0;
	}
	rc = args_parse(rte_vdev_device_args(vdev), &kv, &a);
	if (rc != 0) {
		probe_error_note(name, "", a.why);
		rte_kvargs_free(kv);
		return rc;
	}
	s = rte_zmalloc_socket(name, sizeof(*s), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (s == NULL) {
		rte_kvargs_free(kv);
		probe_error_note(name, "", "out of memory");
		return -ENOMEM;
	}
	s->refs = 1; /* the device's */
	rc = files_open(s, &a, name);
	if (rc == 0)
		rc = dev_create(vdev, &a, s);
	rte_kvargs_free(kv);
	if (rc != 0) {
		shared_put(s);
		return rc;
	}
	RLOG(INFO, "%s: %u file(s), %lu queue(s)", name, s->n_files, a.queues);
	return 0;
}

static int
replay_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	replay_close(dev);
	rte_eth_dev_release_port(dev);
	return 0;
}

static struct rte_vdev_driver replay_drv = {
	.probe = replay_probe,
	.remove = replay_remove,
};

RTE_PMD_REGISTER_VDEV(net_wmreplay, replay_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_wmreplay, "file=<path> queues=<1-16> loop=<passes, 0 for ever> "
					    "pace=recorded|x<factor>|<n>pps");

/* ---- public API ---- */

static struct replay_internals *
internals(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &replay_ops || dev->data->dev_private == NULL)
		return NULL;
	return dev->data->dev_private;
}

bool
wm_replay_is_port(uint16_t port_id)
{
	return internals(port_id) != NULL;
}

bool
wm_replay_ended(uint16_t port_id)
{
	const struct replay_internals *in = internals(port_id);

	return in != NULL && rte_eth_devices[port_id].data->dev_started &&
	       __atomic_load_n(&in->n_done, __ATOMIC_ACQUIRE) ==
		       rte_eth_devices[port_id].data->nb_rx_queues;
}

uint64_t
wm_replay_rxq_clock(uint16_t port_id, uint16_t queue_id)
{
	const struct replay_internals *in = internals(port_id);

	return in != NULL && queue_id < WM_REPLAY_MAX_QUEUES ? in->rxq[queue_id].scan_ts : 0;
}

bool
wm_replay_rxq_ended(uint16_t port_id, uint16_t queue_id)
{
	const struct replay_internals *in = internals(port_id);

	return in != NULL && queue_id < WM_REPLAY_MAX_QUEUES && in->rxq[queue_id].done;
}

int
wm_replay_file_count(uint16_t port_id)
{
	const struct replay_internals *in = internals(port_id);

	return in != NULL && in->shared != NULL ? (int)in->shared->n_files : -ENODEV;
}

int
wm_replay_file_result(uint16_t port_id, unsigned int idx, char *path, size_t path_len,
		      struct wm_pcapfile_result *res)
{
	const struct replay_internals *in = internals(port_id);

	if (in == NULL || in->shared == NULL)
		return -ENODEV;
	if (idx >= in->shared->n_files)
		return -EINVAL;
	if (path != NULL)
		snprintf(path, path_len, "%s", in->shared->files[idx].path);
	if (res != NULL)
		*res = in->shared->res[idx];
	return 0;
}

int
wm_replay_stats_get(uint16_t port_id, struct wm_replay_stats *st)
{
	const struct replay_internals *in = internals(port_id);

	if (in == NULL)
		return -ENODEV;
	stats_sum(in, st);
	return 0;
}
