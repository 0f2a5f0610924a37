/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CAPTURE_H
#define WM_CAPTURE_H

/**
 * @file
 * Packet capture to pcapng (DPDK's rte_pcapng), in two halves.
 *
 * The worker half is bounded and never waits: wm_capture_copy() copies a
 * packet (rte_pcapng_copy) into a capture pool and stamps the block with
 * the packet's own nanosecond time; a flight recorder (struct
 * wm_capture_hist) keeps the last N copies in place; a loss history
 * (struct wm_capture_loss) keeps the last BEFORE copies of each sequence
 * stream and, on an event, hands them over with the revealing packet and
 * the next AFTER ones.
 *
 * The writer half runs off the workers: struct wm_capture_merge takes
 * the copies from several SPSC rings in time order (within a bounded
 * reorder delay), struct wm_capture_writer writes them to one pcapng file
 * or a ring of files (dumpcap's -b semantics: files, size, duration),
 * ends a capture after a count or a duration, and closes every file
 * complete, with interface statistics blocks.
 *
 * A capture copy is one segment: the pool's elements are sized for the
 * snap length (wm_capture_pool_create()), as rte_pcapng_write_packets()
 * writes a block of one segment only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "wm_crypt.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default and largest snap length (dumpcap's). */
#define WM_CAPTURE_SNAPLEN_DEFAULT 262144
/** Most bytes of a packet one capture copy holds: a jumbo frame. */
#define WM_CAPTURE_COPY_MAX 9216
/** Room kept at the end of each copy for a comment (wm_capture_annotate()). */
#define WM_CAPTURE_COMMENT_MAX 124
/** Most rings one merge reads. */
#define WM_CAPTURE_MERGE_MAX 128
/** Copies a merge holds per ring. */
#define WM_CAPTURE_MERGE_STAGE 64

/** The head of a pcapng Enhanced Packet Block, as rte_pcapng_copy() writes it. */
struct wm_capture_epb {
	uint32_t block_type;
	uint32_t block_length;
	uint32_t interface_id;
	uint32_t timestamp_hi;
	uint32_t timestamp_lo;
	uint32_t capture_length;
	uint32_t original_length;
};

/**
 * A capture copy's tag, in its hash field (the copy is ours; nothing in
 * the block reads it): an event's class plus one (0: no event) and the
 * event's number on its worker, set by wm_capture_loss_pkt() on the
 * packet that revealed an event; and whether the capture has had it
 * already (queued for the writer or counted as dropped), so that a copy
 * a loss history also holds is not written a second time.
 */
#define WM_CAPTURE_TAG_CLASS(m) ((m)->hash.fdir.hash)
#define WM_CAPTURE_TAG_TAKEN(m) ((m)->hash.fdir.id)
#define WM_CAPTURE_TAG_EVENT(m) ((m)->hash.fdir.hi)

/**
 * Create a capture pool: @p n copies of at most @p snaplen bytes of a
 * packet each (and at most WM_CAPTURE_COPY_MAX).
 *
 * @return
 *   The pool, or NULL with rte_errno set.
 */
struct rte_mempool *wm_capture_pool_create(const char *name, unsigned int n, uint32_t snaplen,
					   int socket_id);

/**
 * Bytes of a packet one copy from @p mp may hold.
 *
 * @param mp
 *   A pool from wm_capture_pool_create().
 * @return
 *   The largest length to give wm_capture_copy().
 */
uint32_t wm_capture_pool_caplen(const struct rte_mempool *mp);

/**
 * Copy a packet for capture: at most @p caplen bytes (not more than
 * wm_capture_pool_caplen()), stamped with @p ts_ns. Never waits.
 *
 * @param m
 *   The packet (any number of segments).
 * @param mp
 *   The capture pool.
 * @param caplen
 *   Snap length.
 * @param tsc
 *   A recent TSC (rte_pcapng_copy() wants one; its time is replaced).
 * @param ts_ns
 *   The packet's time, in ns since the epoch.
 * @return
 *   The copy, or NULL when the pool is empty.
 */
static inline struct rte_mbuf *
wm_capture_copy(const struct rte_mbuf *m, struct rte_mempool *mp, uint32_t caplen, uint64_t tsc,
		uint64_t ts_ns)
{
	struct rte_mbuf *mc;
	struct wm_capture_epb *epb;

	mc = rte_pcapng_copy(m->port, 0, m, mp, caplen, tsc, RTE_PCAPNG_DIRECTION_IN);
	if (mc == NULL)
		return NULL;
	epb = rte_pktmbuf_mtod(mc, struct wm_capture_epb *);
	epb->timestamp_hi = (uint32_t)(ts_ns >> 32);
	epb->timestamp_lo = (uint32_t)ts_ns;
	WM_CAPTURE_TAG_CLASS(mc) = 0;
	WM_CAPTURE_TAG_TAKEN(mc) = 0;
	WM_CAPTURE_TAG_EVENT(mc) = 0;
	return mc;
}

/**
 * A copy's time, in ns since the epoch.
 *
 * @param mc
 *   A copy from wm_capture_copy().
 * @return
 *   Its block's timestamp.
 */
static inline uint64_t
wm_capture_time(const struct rte_mbuf *mc)
{
	const struct wm_capture_epb *epb = rte_pktmbuf_mtod(mc, const struct wm_capture_epb *);

	return (uint64_t)epb->timestamp_hi << 32 | epb->timestamp_lo;
}

/**
 * Add a comment option to a copy's block (the writer does it for a
 * packet that revealed a sequence event).
 *
 * @param mc
 *   A copy from wm_capture_copy(), not yet written.
 * @param text
 *   The comment; cut at WM_CAPTURE_COMMENT_MAX - 4 bytes.
 * @return
 *   0, or -ENOSPC when the copy has no room left.
 */
int wm_capture_annotate(struct rte_mbuf *mc, const char *text);

/**
 * The flight recorder: the last @c size copies, oldest overwritten in
 * place. One owner (a worker); its memory is allocated once.
 */
struct wm_capture_hist {
	uint32_t size;		 /**< slots */
	uint32_t count;		 /**< slots in use */
	uint32_t head;		 /**< the next slot written */
	struct rte_mbuf *slot[]; /**< copies, oldest at (head - count) mod size */
};

/**
 * Create a flight recorder of @p size copies.
 *
 * @return
 *   It, or NULL (rte_errno set).
 */
struct wm_capture_hist *wm_capture_hist_create(uint32_t size, int socket_id);

/** Free a flight recorder and the copies it holds. */
void wm_capture_hist_free(struct wm_capture_hist *h);

/**
 * Keep a copy; the oldest goes (freed) when the recorder is full.
 *
 * @param h
 *   The recorder.
 * @param mc
 *   The copy; the recorder owns it now.
 */
static inline void
wm_capture_hist_push(struct wm_capture_hist *h, struct rte_mbuf *mc)
{
	if (h->count == h->size)
		rte_pktmbuf_free(h->slot[h->head]);
	else
		h->count++;
	h->slot[h->head] = mc;
	h->head = h->head + 1 == h->size ? 0 : h->head + 1;
}

/**
 * Share the last @p max copies, oldest first, without giving them up
 * (each gets one more reference, which the taker frees).
 *
 * @return
 *   How many were put in @p out.
 */
unsigned int wm_capture_hist_share(const struct wm_capture_hist *h, struct rte_mbuf **out,
				   unsigned int max);

/**
 * Share every copy, oldest first, onto a ring (each with one more
 * reference, which the taker frees); stops when the ring is full.
 *
 * @return
 *   How many were enqueued.
 */
unsigned int wm_capture_hist_to_ring(const struct wm_capture_hist *h, struct rte_ring *r);

/**
 * Loss-triggered capture: per sequence stream, the last @c before copies
 * and how many of its next packets still go to the capture.
 */
struct wm_capture_loss;

/**
 * Create the histories of @p streams streams (sized now, never grown).
 *
 * @param before
 *   Copies kept per stream, 0..255.
 * @param after
 *   Packets captured after a revealing one, 0..65535.
 * @return
 *   It, or NULL (rte_errno set).
 */
struct wm_capture_loss *wm_capture_loss_create(uint32_t streams, unsigned int before,
					       unsigned int after, int socket_id);

/** Free the histories and the copies they hold. */
void wm_capture_loss_free(struct wm_capture_loss *l);

/** A stream (re)starts: forget what its slot held. */
void wm_capture_loss_reset(struct wm_capture_loss *l, uint32_t stream);

/**
 * One packet of a stream, in the stream's order.
 *
 * @param l
 *   The histories.
 * @param stream
 *   The stream's index, below the count given at create.
 * @param mc
 *   The packet's copy (the histories own it now), or NULL when none
 *   could be made (it is then only noted as missing from the history).
 * @param event_class
 *   0 for an ordinary packet; else the event's class (non-zero) that
 *   this packet revealed.
 * @param event_no
 *   The event's number, tagged on the revealing copy.
 * @param out
 *   Where the copies due for capture go, oldest first (room for
 *   before + 1).
 * @return
 *   How many copies were put in @p out (the caller owns them).
 */
unsigned int wm_capture_loss_pkt(struct wm_capture_loss *l, uint32_t stream, struct rte_mbuf *mc,
				 unsigned int event_class, uint32_t event_no,
				 struct rte_mbuf **out);

/**
 * Does a stream's next packet go to the capture anyway (it is among the
 * AFTER packets of an event)?
 */
bool wm_capture_loss_wants(const struct wm_capture_loss *l, uint32_t stream);

/** Merges copies from several rings into time order. */
struct wm_capture_merge;

/**
 * Create a merge of @p n rings (single consumer: the caller's thread).
 *
 * @param reorder_tsc
 *   How long (TSC cycles) a copy may wait for a quiet ring to prove it
 *   has nothing older.
 * @return
 *   It, or NULL (rte_errno set).
 */
struct wm_capture_merge *wm_capture_merge_create(struct rte_ring *const *rings, unsigned int n,
						 uint64_t reorder_tsc);

/** Free a merge and the copies it still holds. */
void wm_capture_merge_free(struct wm_capture_merge *mg);

/**
 * Take what the rings hold and give out, oldest first, every copy that
 * no ring can still beat: one whose every other ring has a copy staged,
 * or that has waited the reorder delay, or every copy when @p flush.
 *
 * @param now_tsc
 *   The TSC now.
 * @param out
 *   The copies, in time order; the caller owns them.
 * @param src
 *   The index of each one's ring, or NULL.
 * @return
 *   How many (at most @p max).
 */
unsigned int wm_capture_merge_poll(struct wm_capture_merge *mg, uint64_t now_tsc, bool flush,
				   struct rte_mbuf **out, unsigned int *src, unsigned int max);

/**
 * Told of file @p seq (1-based over one writer's files) as it opens, with
 * its name in @p file, and as the ring deletes it, with @p file NULL.
 */
typedef void (*wm_capture_file_fn)(void *ctx, uint64_t seq, const char *file);

/** Where and how a capture is written. */
struct wm_capture_file_conf {
	const char *path;    /**< the file; with a ring, its names' prefix and suffix */
	uint32_t ring_files; /**< keep at most this many files (0: keep all) */
	uint64_t ring_bytes; /**< start a new file before this size (0: no limit) */
	uint64_t ring_ns;    /**< start a new file after this much packet time (0: none) */
	bool ring;	     /**< rotate into PREFIX_NNNNN_YYYYmmddHHMMSS.SUFFIX names */
	uint64_t max_pkts;   /**< end the capture after so many packets (0: no limit) */
	uint64_t max_ns;     /**< end it after so much packet time (0: no limit) */
	const char *appname; /**< the section header's application, e.g. "wiremeter 0.1.0" */
	const char *comment; /**< the section header's comment (the filter), or NULL */
	/**
	 * Write each file as an encrypted container (wm_crypt.h) under this key,
	 * or NULL for plain pcapng. The plaintext is byte for byte the plain file.
	 */
	const struct wm_crypt_key *key;
	/** Sign each file as it is closed (FILE.sig, wm_crypt_sign_file()), or NULL. */
	const struct wm_crypt_pkey *sign;
	/** Called as each file opens and as the ring deletes one (may be NULL). */
	wm_capture_file_fn on_file;
	void *on_file_ctx; /**< on_file()'s first argument */
};

/** What a writer has done. */
struct wm_capture_writer_stats {
	uint64_t files;	    /**< files opened */
	uint64_t pkts;	    /**< packets written */
	uint64_t bytes;	    /**< bytes written, blocks included */
	uint64_t removed;   /**< files deleted by the ring */
	uint64_t errors;    /**< failed writes */
	uint64_t file_pkts; /**< packets in the current file */
	bool done;	    /**< the count or duration was reached */
	char file[4096];    /**< the current (or last) file */
};

/** A pcapng file or ring of files being written. */
struct wm_capture_writer;

/**
 * Open the first file.
 *
 * @return
 *   The writer, or NULL with @p err naming the file and the reason.
 */
struct wm_capture_writer *wm_capture_writer_open(const struct wm_capture_file_conf *conf, char *err,
						 size_t errlen);

/**
 * The packet index (1-based) and file the next written copy will have:
 * set by wm_capture_writer_write() for each copy, through @p note.
 */
typedef void (*wm_capture_note_fn)(void *ctx, const struct rte_mbuf *mc, const char *file,
				   uint64_t index);

/**
 * Write copies (in time order), rotating files as the conf says. The
 * copies stay the caller's.
 *
 * @param note
 *   Called for each copy that carries a tag (may be NULL).
 * @return
 *   How many were written: fewer than @p n when the capture reached its
 *   count or duration (the rest are not written), or a negative errno on
 *   a write error (the writer is then done).
 */
int wm_capture_writer_write(struct wm_capture_writer *wr, struct rte_mbuf **mc, unsigned int n,
			    wm_capture_note_fn note, void *ctx);

/** Per port figures for the statistics blocks at close. */
struct wm_capture_port_stats {
	uint16_t port;
	uint64_t recv; /**< packets received */
	uint64_t drop; /**< packets dropped by the NIC and the capture */
};

/**
 * Write the statistics blocks and close the file.
 *
 * @return
 *   0, or a negative errno when a write failed.
 */
int wm_capture_writer_close(struct wm_capture_writer *wr, const struct wm_capture_port_stats *ps,
			    unsigned int n_ports, uint64_t start_ns, uint64_t end_ns);

/** Copy a writer's figures. */
void wm_capture_writer_stats(const struct wm_capture_writer *wr,
			     struct wm_capture_writer_stats *st);

/**
 * The @p seq-th file name of a ring (dumpcap's): "dir/cap.pcapng" and 7
 * give "dir/cap_00007_20261205120000.pcapng" for @p t.
 */
void wm_capture_ring_name(char *buf, size_t len, const char *path, uint64_t seq, int64_t t);

#ifdef __cplusplus
}
#endif

#endif /* WM_CAPTURE_H */
