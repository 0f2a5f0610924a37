/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "wm_capture.h"

/* pcapng option codes (draft-ietf-opsawg-pcapng). */
#define OPT_COMMENT 1
/* What rte_pcapng_copy() adds after the data: flags, queue, RSS hash, block length. */
#define COPY_TRAILER (8 + 8 + 12 + 4)

/* ---- the worker half ---- */

struct rte_mempool *
wm_capture_pool_create(const char *name, unsigned int n, uint32_t snaplen, int socket_id)
{
	uint32_t caplen = RTE_MIN(snaplen, (uint32_t)WM_CAPTURE_COPY_MAX);
	uint32_t room =
		RTE_PKTMBUF_HEADROOM + RTE_ALIGN(caplen, 4) + COPY_TRAILER + WM_CAPTURE_COMMENT_MAX;

	/* No per-lcore cache in small pools: what the pool holds is what a worker may take. */
	return rte_pktmbuf_pool_create(name, n, n >= 4096 ? 128 : 0, 0, (uint16_t)room, socket_id);
}

uint32_t
wm_capture_pool_caplen(const struct rte_mempool *mp)
{
	uint32_t room = rte_pktmbuf_data_room_size((struct rte_mempool *)(uintptr_t)mp);

	return (room - RTE_PKTMBUF_HEADROOM - COPY_TRAILER - WM_CAPTURE_COMMENT_MAX) & ~3u;
}

int
wm_capture_annotate(struct rte_mbuf *mc, const char *text)
{
	struct wm_capture_epb *epb = rte_pktmbuf_mtod(mc, struct wm_capture_epb *);
	uint16_t len = (uint16_t)strnlen(text, WM_CAPTURE_COMMENT_MAX - 4);
	uint16_t optlen = (uint16_t)(4 + RTE_ALIGN(len, 4));
	uint8_t *opt;
	uint32_t block;

	if (mc->nb_segs != 1 || rte_pktmbuf_tailroom(mc) < optlen)
		return -ENOSPC;
	/* The block ends with its length: the option goes there, the length after it. */
	opt = rte_pktmbuf_mtod_offset(mc, uint8_t *, rte_pktmbuf_data_len(mc) - 4);
	rte_pktmbuf_append(mc, optlen);
	memset(opt, 0, optlen + 4u);
	*(uint16_t *)opt = OPT_COMMENT;
	*(uint16_t *)(opt + 2) = len;
	memcpy(opt + 4, text, len);
	block = rte_pktmbuf_data_len(mc);
	epb->block_length = block;
	memcpy(opt + optlen, &block, sizeof(block));
	return 0;
}

struct wm_capture_hist *
wm_capture_hist_create(uint32_t size, int socket_id)
{
	struct wm_capture_hist *h;

	if (size == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	h = rte_zmalloc_socket("wm_capture_hist", sizeof(*h) + size * sizeof(h->slot[0]),
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (h == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	h->size = size;
	return h;
}

void
wm_capture_hist_free(struct wm_capture_hist *h)
{
	uint32_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->size; i++)
		rte_pktmbuf_free(h->slot[i]);
	rte_free(h);
}

unsigned int
wm_capture_hist_share(const struct wm_capture_hist *h, struct rte_mbuf **out, unsigned int max)
{
	unsigned int n = RTE_MIN(max, h->count), i;
	uint32_t at = (h->head + h->size - n) % h->size;

	for (i = 0; i < n; i++) {
		out[i] = h->slot[at];
		rte_mbuf_refcnt_update(out[i], 1);
		at = at + 1 == h->size ? 0 : at + 1;
	}
	return n;
}

unsigned int
wm_capture_hist_to_ring(const struct wm_capture_hist *h, struct rte_ring *r)
{
	uint32_t at = (h->head + h->size - h->count) % h->size;
	unsigned int i;

	for (i = 0; i < h->count; i++) {
		/* The reference first: the taker may free it as soon as it is on the ring. */
		rte_mbuf_refcnt_update(h->slot[at], 1);
		if (rte_ring_enqueue(r, h->slot[at]) != 0) {
			rte_mbuf_refcnt_update(h->slot[at], -1);
			break;
		}
		at = at + 1 == h->size ? 0 : at + 1;
	}
	return i;
}

/* One stream's history: a small ring of copies and the packets still due after an event. */
struct loss_stream {
	uint8_t count;
	uint8_t head;
	uint16_t after_left;
};

struct wm_capture_loss {
	uint32_t streams;
	uint16_t before, after;
	struct loss_stream *st;	 /* per stream */
	struct rte_mbuf **slots; /* stream s: slots[s * before .. + before) */
};

struct wm_capture_loss *
wm_capture_loss_create(uint32_t streams, unsigned int before, unsigned int after, int socket_id)
{
	struct wm_capture_loss *l;

	if (streams == 0 || before > UINT8_MAX || after > UINT16_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	l = rte_zmalloc_socket("wm_capture_loss", sizeof(*l), 0, socket_id);
	if (l == NULL)
		goto nomem;
	l->streams = streams;
	l->before = (uint16_t)before;
	l->after = (uint16_t)after;
	l->st = rte_zmalloc_socket("wm_capture_loss", streams * sizeof(l->st[0]),
				   RTE_CACHE_LINE_SIZE, socket_id);
	if (before > 0)
		l->slots = rte_zmalloc_socket("wm_capture_loss",
					      (size_t)streams * before * sizeof(l->slots[0]),
					      RTE_CACHE_LINE_SIZE, socket_id);
	if (l->st == NULL || (before > 0 && l->slots == NULL)) {
		wm_capture_loss_free(l);
		goto nomem;
	}
	return l;
nomem:
	rte_errno = ENOMEM;
	return NULL;
}

void
wm_capture_loss_reset(struct wm_capture_loss *l, uint32_t stream)
{
	struct rte_mbuf **s = &l->slots[(size_t)stream * l->before];
	unsigned int i;

	for (i = 0; i < l->before; i++) {
		rte_pktmbuf_free(s[i]);
		s[i] = NULL;
	}
	l->st[stream] = (struct loss_stream){0, 0, 0};
}

void
wm_capture_loss_free(struct wm_capture_loss *l)
{
	uint32_t s;

	if (l == NULL)
		return;
	if (l->st != NULL && (l->slots != NULL || l->before == 0))
		for (s = 0; s < l->streams; s++)
			wm_capture_loss_reset(l, s);
	rte_free(l->slots);
	rte_free(l->st);
	rte_free(l);
}

bool
wm_capture_loss_wants(const struct wm_capture_loss *l, uint32_t stream)
{
	return l->st[stream].after_left != 0;
}

/* Hand over a stream's history, oldest first; it is empty after. */
static unsigned int
loss_take(struct wm_capture_loss *l, uint32_t stream, struct rte_mbuf **out)
{
	struct loss_stream *st = &l->st[stream];
	struct rte_mbuf **s = &l->slots[(size_t)stream * l->before];
	unsigned int at = (st->head + l->before - st->count) % l->before, i;

	for (i = 0; i < st->count; i++) {
		out[i] = s[at];
		s[at] = NULL;
		at = at + 1 == l->before ? 0 : at + 1;
	}
	st->count = 0;
	st->head = 0;
	return i;
}

unsigned int
wm_capture_loss_pkt(struct wm_capture_loss *l, uint32_t stream, struct rte_mbuf *mc,
		    unsigned int event_class, uint32_t event_no, struct rte_mbuf **out)
{
	struct loss_stream *st = &l->st[stream];
	struct rte_mbuf **s;
	unsigned int n = 0;

	if (event_class != 0) {
		if (l->before > 0)
			n = loss_take(l, stream, out);
		st->after_left = l->after;
		if (mc != NULL) {
			WM_CAPTURE_TAG_CLASS(mc) = event_class;
			WM_CAPTURE_TAG_EVENT(mc) = event_no;
			out[n++] = mc;
		}
		return n;
	}
	if (st->after_left != 0) {
		/* Captured already: it is not kept for the next event's history too. */
		st->after_left--;
		if (mc != NULL)
			out[n++] = mc;
		return n;
	}
	if (mc == NULL)
		return 0;
	if (l->before == 0) {
		rte_pktmbuf_free(mc);
		return 0;
	}
	s = &l->slots[(size_t)stream * l->before];
	if (st->count == l->before)
		rte_pktmbuf_free(s[st->head]);
	else
		st->count++;
	s[st->head] = mc;
	st->head = (uint8_t)(st->head + 1 == l->before ? 0 : st->head + 1);
	return 0;
}

/* ---- the writer half: merge ---- */

/* What one ring gave and the merge has not handed out yet. */
struct merge_stage {
	struct rte_mbuf *m[WM_CAPTURE_MERGE_STAGE];
	uint64_t arrived[WM_CAPTURE_MERGE_STAGE]; /* TSC when taken from the ring */
	unsigned int head, count;
};

struct wm_capture_merge {
	unsigned int n;
	uint64_t reorder_tsc;
	struct rte_ring *rings[WM_CAPTURE_MERGE_MAX];
	struct merge_stage stage[];
};

struct wm_capture_merge *
wm_capture_merge_create(struct rte_ring *const *rings, unsigned int n, uint64_t reorder_tsc)
{
	struct wm_capture_merge *mg;

	if (n == 0 || n > WM_CAPTURE_MERGE_MAX) {
		rte_errno = EINVAL;
		return NULL;
	}
	mg = calloc(1, sizeof(*mg) + n * sizeof(mg->stage[0]));
	if (mg == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	mg->n = n;
	mg->reorder_tsc = reorder_tsc;
	memcpy(mg->rings, rings, n * sizeof(rings[0]));
	return mg;
}

void
wm_capture_merge_free(struct wm_capture_merge *mg)
{
	unsigned int r, i;

	if (mg == NULL)
		return;
	for (r = 0; r < mg->n; r++)
		for (i = 0; i < mg->stage[r].count; i++)
			rte_pktmbuf_free(mg->stage[r].m[mg->stage[r].head + i]);
	free(mg);
}

/* Top up one ring's stage from the ring. */
static void
merge_refill(struct wm_capture_merge *mg, unsigned int r, uint64_t now)
{
	struct merge_stage *s = &mg->stage[r];
	unsigned int k, i;

	if (s->count == 0)
		s->head = 0;
	if (s->head + s->count == WM_CAPTURE_MERGE_STAGE)
		return;
	k = rte_ring_dequeue_burst(mg->rings[r], (void **)&s->m[s->head + s->count],
				   WM_CAPTURE_MERGE_STAGE - s->head - s->count, NULL);
	for (i = 0; i < k; i++)
		s->arrived[s->head + s->count + i] = now;
	s->count += k;
}

/* The ring whose staged head is oldest, or -1 when nothing is staged. */
static int
merge_oldest(const struct wm_capture_merge *mg)
{
	uint64_t best_t = UINT64_MAX;
	int best = -1;
	unsigned int r;

	for (r = 0; r < mg->n; r++) {
		const struct merge_stage *s = &mg->stage[r];
		uint64_t t;

		if (s->count == 0)
			continue;
		t = wm_capture_time(s->m[s->head]);
		if (t < best_t) {
			best_t = t;
			best = (int)r;
		}
	}
	return best;
}

/* May a ring with nothing staged still deliver something older? Only while we wait. */
static bool
merge_must_wait(const struct wm_capture_merge *mg, unsigned int best, uint64_t now)
{
	const struct merge_stage *s = &mg->stage[best];
	unsigned int r;

	if (now - s->arrived[s->head] >= mg->reorder_tsc)
		return false;
	for (r = 0; r < mg->n; r++)
		if (mg->stage[r].count == 0)
			return true;
	return false;
}

unsigned int
wm_capture_merge_poll(struct wm_capture_merge *mg, uint64_t now_tsc, bool flush,
		      struct rte_mbuf **out, unsigned int *src, unsigned int max)
{
	unsigned int r, n = 0;

	for (r = 0; r < mg->n; r++)
		merge_refill(mg, r, now_tsc);
	while (n < max) {
		int best = merge_oldest(mg);
		struct merge_stage *s;

		if (best < 0 || (!flush && merge_must_wait(mg, (unsigned int)best, now_tsc)))
			break;
		s = &mg->stage[best];
		if (src != NULL)
			src[n] = (unsigned int)best;
		out[n++] = s->m[s->head++];
		if (--s->count == 0)
			merge_refill(mg, (unsigned int)best, now_tsc);
	}
	return n;
}

/* ---- the writer half: files ---- */

struct wm_capture_writer {
	struct wm_capture_file_conf conf;
	char path[4096];
	char appname[128];
	char comment[512];
	char os[160];
	rte_pcapng_t *pc;
	int fd; /* the current file (rte_pcapng writes to it and closes it) */
	/*
	 * Encrypted: rte_pcapng writes the plain file to 'fd', a memfd, and
	 * writer_pump() seals what it has of whole blocks into the container on
	 * 'disk', punching out what it sealed, so the memfd holds at most what
	 * the last write added. Plain: disk is -1 and cw NULL.
	 */
	int disk;
	struct wm_crypt_writer *cw;
	uint64_t pumped;  /* plaintext bytes of fd already sealed */
	uint64_t punched; /* of those, the bytes freed from the memfd */
	uint8_t *pump_buf;
	uint64_t file_good;	/* bytes of whole blocks in it */
	uint64_t file_start_ns; /* its first packet's time */
	uint64_t start_ns;	/* the capture's first packet's time */
	bool started;
	char (*names)[4096]; /* the ring's files: file seq at names[seq % ring_files] */
	struct wm_capture_writer_stats st;
};

void
wm_capture_ring_name(char *buf, size_t len, const char *path, uint64_t seq, int64_t t)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash != NULL ? slash : path, '.');
	time_t tt = (time_t)t;
	struct tm tm;
	char stamp[32];
	int base = dot != NULL ? (int)(dot - path) : (int)strlen(path);

	localtime_r(&tt, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	snprintf(buf, len, "%.*s_%05llu_%s%s", base, path, (unsigned long long)seq, stamp,
		 dot != NULL ? dot : "");
}

/* Encrypted: the container's file and writer gone (a failed open). */
static void
writer_uncreate(struct wm_capture_writer *wr)
{
	wm_crypt_writer_close(wr->cw);
	wr->cw = NULL;
	if (wr->disk >= 0)
		close(wr->disk);
	wr->disk = -1;
}

/*
 * Create the file; the descriptor rte_pcapng writes to is returned: the
 * file itself, or (encrypted) a memfd, the file then holding the container.
 */
static int
writer_create(struct wm_capture_writer *wr, const char *name, char *err, size_t errlen)
{
	/* No symlink followed: one planted in the folder would have root overwrite its target. */
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		      0644); /* read: writer_stats_block() */

	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", name,
			 e == ELOOP ? "is a symbolic link: refused, not followed" : strerror(e));
		return -e;
	}
	if (wr->conf.key == NULL)
		return fd;
	wr->disk = fd;
	wr->pumped = 0;
	wr->punched = 0;
	wr->cw = wm_crypt_writer_open(fd, wr->conf.key, 0);
	fd = wr->cw != NULL ? memfd_create("wm-capture", MFD_CLOEXEC) : -1;
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot start the container: %s", name, strerror(errno));
		writer_uncreate(wr);
		return -EIO;
	}
	return fd;
}

/* Encrypted: seal the plaintext the memfd has gained (whole blocks, up to file_good). */
static int
writer_pump(struct wm_capture_writer *wr)
{
	enum { PUMP = 1 << 16, PUNCH = 1 << 20 };

	while (wr->cw != NULL && wr->pumped < wr->file_good) {
		size_t want = RTE_MIN((uint64_t)PUMP, wr->file_good - wr->pumped);
		ssize_t n = pread(wr->fd, wr->pump_buf, want, (off_t)wr->pumped);

		if (n <= 0 || wm_crypt_writer_write(wr->cw, wr->pump_buf, (size_t)n) != 0)
			return -EIO;
		wr->pumped += (uint64_t)n;
	}
	/* Sealed plaintext need not stay in memory: shmem frees punched pages, a MiB at a time. */
	if (wr->cw != NULL && wr->pumped - wr->punched >= PUNCH) {
		uint64_t to = wr->pumped & ~(uint64_t)(PUNCH - 1);

		fallocate(wr->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)wr->punched,
			  (off_t)(to - wr->punched));
		wr->punched = to;
	}
	return 0;
}

/*
 * The current file ends: the rest sealed into the final chunk (encrypted),
 * the file closed, then signed. 0, or a negative errno (counted).
 */
static int
writer_end_file(struct wm_capture_writer *wr)
{
	char err[512], name[sizeof(wr->st.file)];
	int rc = writer_pump(wr), c;

	/* Signed where it is when it closes (moved since it was opened, as logrotate does). */
	wm_crypt_fd_name(wr->disk >= 0 ? wr->disk : wr->fd, wr->st.file, name, sizeof(name));
	rte_pcapng_close(wr->pc);
	wr->pc = NULL;
	if (wr->cw != NULL) {
		c = wm_crypt_writer_close(wr->cw);
		wr->cw = NULL;
		rc = rc != 0 ? rc : c;
	}
	if (wr->disk >= 0 && close(wr->disk) != 0 && rc == 0)
		rc = -errno;
	wr->disk = -1;
	if (rc == 0 && wr->conf.sign != NULL)
		rc = wm_crypt_sign_file(wr->conf.sign, name, err, sizeof(err));
	if (rc != 0)
		wr->st.errors++;
	return rc;
}

/*
 * rte_pcapng (22.11) leaves the padding after its options' values, and the
 * interface block's reserved field, as it found them in memory: two runs
 * would differ there, and a file would carry stray memory. Zero them in the
 * header it has just written (section and interface blocks, fd at its end).
 */
static void
writer_zero_padding(int fd, uint64_t len)
{
	uint8_t h[8192];
	uint64_t b = 0;

	if (len > sizeof(h) || pread(fd, h, len, 0) != (ssize_t)len)
		return;
	while (b + 12 <= len) {
		uint32_t type, blen, o, end;

		memcpy(&type, h + b, 4);
		memcpy(&blen, h + b + 4, 4);
		if (blen < 12 || b + blen > len || (type != 0x0a0d0d0a && type != 1))
			break;
		o = (uint32_t)b + (type == 1 ? 16 : 24); /* the first option */
		end = (uint32_t)b + blen - 4;
		if (type == 1)
			memset(h + b + 10, 0, 2);
		while (o + 4 <= end) {
			uint16_t code, olen;
			uint32_t padded;

			memcpy(&code, h + o, 2);
			memcpy(&olen, h + o + 2, 2);
			padded = RTE_ALIGN((uint32_t)olen, 4);
			if (code == 0 || o + 4 + padded > end)
				break;
			memset(h + o + 4 + olen, 0, padded - olen);
			o += 4 + padded;
		}
		b += blen;
	}
	if (pwrite(fd, h, len, 0) != (ssize_t)len)
		return;
}

/* Open the next file: the first one, or the next of the ring (deleting the oldest). */
static int
writer_open_file(struct wm_capture_writer *wr, char *err, size_t errlen)
{
	uint64_t seq = wr->st.files + 1;
	char *name = wr->st.file;
	int fd;

	if (wr->conf.ring)
		wm_capture_ring_name(name, sizeof(wr->st.file), wr->path, seq, (int64_t)time(NULL));
	else
		snprintf(name, sizeof(wr->st.file), "%s", wr->path);
	if (wr->names != NULL) {
		char *old = wr->names[seq % wr->conf.ring_files];

		if (old[0] != '\0' && unlink(old) == 0)
			wr->st.removed++;
		if (old[0] != '\0' && wr->conf.on_file != NULL)
			wr->conf.on_file(wr->conf.on_file_ctx, seq - wr->conf.ring_files, NULL);
		/* Its signature goes with it. */
		if (old[0] != '\0' && wr->conf.sign != NULL) {
			char sig[sizeof(wr->names[0]) + 4];

			snprintf(sig, sizeof(sig), "%s.sig", old);
			unlink(sig);
		}
		snprintf(old, sizeof(wr->names[0]), "%s", name);
	}
	fd = writer_create(wr, name, err, errlen);
	if (fd < 0)
		return fd;
	wr->pc = rte_pcapng_fdopen(fd, wr->os, NULL, wr->appname,
				   wr->comment[0] != '\0' ? wr->comment : NULL);
	if (wr->pc == NULL) {
		snprintf(err, errlen, "%s: cannot write the pcapng header: %s", name,
			 strerror(errno != 0 ? errno : EIO));
		close(fd);
		writer_uncreate(wr);
		return -EIO;
	}
	wr->fd = fd;
	wr->file_good = (uint64_t)lseek(fd, 0, SEEK_CUR);
	writer_zero_padding(fd, wr->file_good);
	if (writer_pump(wr) != 0) {
		snprintf(err, errlen, "%s: cannot write the container: %s", name, strerror(EIO));
		rte_pcapng_close(wr->pc);
		wr->pc = NULL;
		writer_uncreate(wr);
		return -EIO;
	}
	wr->st.bytes += wr->file_good;
	wr->st.files++;
	wr->st.file_pkts = 0;
	if (wr->conf.on_file != NULL)
		wr->conf.on_file(wr->conf.on_file_ctx, seq, name);
	return 0;
}

struct wm_capture_writer *
wm_capture_writer_open(const struct wm_capture_file_conf *conf, char *err, size_t errlen)
{
	struct wm_capture_writer *wr = calloc(1, sizeof(*wr));
	struct utsname u;

	if (wr == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	wr->conf = *conf;
	wr->disk = -1;
	if (conf->key != NULL && (wr->pump_buf = malloc(1 << 16)) == NULL) {
		free(wr);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(wr->path, sizeof(wr->path), "%s", conf->path);
	snprintf(wr->appname, sizeof(wr->appname), "%s",
		 conf->appname != NULL ? conf->appname : "wiremeter");
	snprintf(wr->comment, sizeof(wr->comment), "%s",
		 conf->comment != NULL ? conf->comment : "");
	if (uname(&u) == 0)
		snprintf(wr->os, sizeof(wr->os), "%s %s", u.sysname, u.release);
	if (conf->ring && conf->ring_files > 0) {
		wr->names = calloc(conf->ring_files, sizeof(wr->names[0]));
		if (wr->names == NULL) {
			free(wr->pump_buf);
			free(wr);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
	}
	if (writer_open_file(wr, err, errlen) != 0) {
		free(wr->names);
		free(wr->pump_buf);
		free(wr);
		return NULL;
	}
	return wr;
}

/* Should a copy of 'block' bytes at time t start a new file of the ring? 'run' are pending. */
static bool
writer_rotate_due(const struct wm_capture_writer *wr, unsigned int run, uint64_t run_bytes,
		  uint32_t block, uint64_t t)
{
	if (!wr->conf.ring || wr->st.file_pkts + run == 0)
		return false;
	if (wr->conf.ring_bytes != 0 && wr->file_good + run_bytes + block > wr->conf.ring_bytes)
		return true;
	return wr->conf.ring_ns != 0 && t - wr->file_start_ns >= wr->conf.ring_ns;
}

/* Does this copy fall past the capture's count or duration ('run' more are pending)? */
static bool
writer_end_due(struct wm_capture_writer *wr, unsigned int run, uint64_t t)
{
	if (!wr->started) {
		wr->started = true;
		wr->start_ns = t;
	}
	if (wr->conf.max_pkts != 0 && wr->st.pkts + run >= wr->conf.max_pkts)
		return true;
	return wr->conf.max_ns != 0 && t - wr->start_ns >= wr->conf.max_ns;
}

/*
 * Write a run of copies to the current file. A failed or short write (a
 * full disk) cuts the file back to its last whole block, so that it stays
 * readable, and ends the capture. Tagged copies are noted once written.
 */
static int
writer_flush(struct wm_capture_writer *wr, struct rte_mbuf **mc, unsigned int n,
	     wm_capture_note_fn note, void *ctx)
{
	uint64_t bytes = 0;
	unsigned int j;
	ssize_t rc;

	if (n == 0)
		return 0;
	for (j = 0; j < n; j++)
		bytes += rte_pktmbuf_data_len(mc[j]);
	rte_errno = 0;
	rc = rte_pcapng_write_packets(wr->pc, mc, (uint16_t)n);
	if (rc < 0 || (uint64_t)rc != bytes) {
		int e = rc < 0 && rte_errno != 0 ? rte_errno : ENOSPC;

		if (ftruncate(wr->fd, (off_t)wr->file_good) == 0)
			lseek(wr->fd, (off_t)wr->file_good, SEEK_SET);
		wr->st.errors++;
		wr->st.done = true;
		return -e;
	}
	for (j = 0; note != NULL && j < n; j++)
		if (WM_CAPTURE_TAG_CLASS(mc[j]) != 0)
			note(ctx, mc[j], wr->st.file, wr->st.file_pkts + j + 1);
	wr->file_good += bytes;
	wr->st.pkts += n;
	wr->st.bytes += bytes;
	wr->st.file_pkts += n;
	if (writer_pump(wr) != 0) {
		wr->st.errors++;
		wr->st.done = true;
		return -EIO;
	}
	return 0;
}

/* Close the current file without statistics (the ring moves on). */
static int
writer_next_file(struct wm_capture_writer *wr)
{
	char err[256];

	if (writer_end_file(wr) != 0) {
		wr->st.done = true;
		return -EIO;
	}
	if (writer_open_file(wr, err, sizeof(err)) != 0) {
		wr->st.errors++;
		wr->st.done = true;
		return -EIO;
	}
	return 0;
}

int
wm_capture_writer_write(struct wm_capture_writer *wr, struct rte_mbuf **mc, unsigned int n,
			wm_capture_note_fn note, void *ctx)
{
	unsigned int i, run = 0; /* mc[i - run .. i) go to the current file */
	uint64_t run_bytes = 0;
	int rc;

	if (wr->st.done)
		return 0;
	for (i = 0; i < n; i++) {
		uint32_t block = rte_pktmbuf_data_len(mc[i]);
		uint64_t t = wm_capture_time(mc[i]);

		if (writer_end_due(wr, run, t)) {
			wr->st.done = true;
			break;
		}
		if (writer_rotate_due(wr, run, run_bytes, block, t)) {
			rc = writer_flush(wr, &mc[i - run], run, note, ctx);
			if (rc == 0)
				rc = writer_next_file(wr);
			if (rc != 0)
				return rc;
			run = 0;
			run_bytes = 0;
		}
		if (wr->st.file_pkts + run == 0)
			wr->file_start_ns = t;
		run_bytes += block;
		run++;
	}
	rc = writer_flush(wr, &mc[i - run], run, note, ctx);
	return rc != 0 ? rc : (int)i;
}

/* One statistics block, or none: a block cut short (a full disk) is taken back. */
static int
writer_stats_block(struct wm_capture_writer *wr, const struct wm_capture_port_stats *ps,
		   uint64_t start_ns, uint64_t end_ns)
{
	uint32_t len = 0;
	ssize_t rc;

	rc = rte_pcapng_write_stats(wr->pc, ps->port, NULL, start_ns, end_ns, ps->recv, ps->drop);
	if (rc > 8 && pread(wr->fd, &len, sizeof(len), (off_t)wr->file_good + 4) == sizeof(len) &&
	    (ssize_t)len == rc) {
		wr->file_good += (uint64_t)rc;
		wr->st.bytes += (uint64_t)rc;
		return writer_pump(wr);
	}
	if (ftruncate(wr->fd, (off_t)wr->file_good) == 0)
		lseek(wr->fd, (off_t)wr->file_good, SEEK_SET);
	return -EIO;
}

int
wm_capture_writer_close(struct wm_capture_writer *wr, const struct wm_capture_port_stats *ps,
			unsigned int n_ports, uint64_t start_ns, uint64_t end_ns)
{
	unsigned int i;
	int rc = 0;

	if (wr == NULL)
		return 0;
	/* After a write error the disk is full: the file ends with its last packet. */
	for (i = 0; i < n_ports && wr->pc != NULL && wr->st.errors == 0 && rc == 0; i++)
		rc = writer_stats_block(wr, &ps[i], start_ns, end_ns);
	if (wr->pc != NULL && writer_end_file(wr) != 0 && rc == 0)
		rc = -EIO;
	free(wr->names);
	free(wr->pump_buf);
	free(wr);
	return rc;
}

void
wm_capture_writer_stats(const struct wm_capture_writer *wr, struct wm_capture_writer_stats *st)
{
	*st = wr->st;
}
