/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * File transport: an IPFIX file (RFC 5655), messages back to back, no
 * framing of its own. The file is created or truncated at open and
 * written through a 1 MB stdio buffer, so a send is a memcpy nearly
 * always and a write(2) of 1 MB now and then; a local file system does
 * not block the management lcore for long, and that is the one
 * exception to "nothing blocks" this transport makes.
 *
 * A write that fails (ENOSPC, EIO ...) may leave part of a message in
 * the file, and a reader finds message boundaries only from the length
 * in each header: whatever came after would be misread. So the first
 * failure is final: that send and every later one return -EIO and count
 * an error, nothing more is written, and close reports -EIO.
 *
 * The caller may give an opener (wm_ipfix_transport_open_via()) for a
 * file that must be encrypted or signed: this file then writes to the
 * stream it returns, and its fclose finishes the container and signs it.
 *
 * A message is done once written to the buffer: its cookie is queued
 * for wm_ipfix_transport_take_acked() at once (bounded like UDP's).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport_priv.h"

#define WM_FILE_BUF_SIZE (1024 * 1024)

struct wm_file {
	struct wm_ipfix_transport base; /* first: see transport_priv.h */
	FILE *f;
	char *buf;		    /* f's stdio buffer, freed after fclose */
	char *path;		    /* owned copy, for reopen */
	wm_ipfix_fopen_t *fopen_fn; /* the caller's opener, or NULL */
	bool announced;		    /* poll has returned NEW_SESSION */
	bool failed;		    /* a write failed: the file is closed to more */
	struct wm_ipfix_track done; /* written; cookies not yet taken */
};

static struct wm_file *
file_of(struct wm_ipfix_transport *t)
{
	return (struct wm_file *)t;
}

/*
 * Open t's path (append: at reopen) behind a 1 MB stdio buffer of its own,
 * returned in *buf to be freed after fclose (NULL when stdio keeps its
 * own). The caller's opener, when it gave one, opens the stream (an
 * encrypted or signed file); else fopen with "e" (O_CLOEXEC), so that no
 * child the app may start inherits the file. NULL with errno and err set.
 */
static FILE *
file_create(const struct wm_file *t, bool append, char **buf, char *err, size_t errlen)
{
	FILE *f;

	*buf = NULL;
	if (t->fopen_fn != NULL) {
		errno = 0;
		f = t->fopen_fn(t->path, append, err, errlen);
		if (f == NULL && errno == 0)
			errno = EIO;
	} else {
		f = fopen(t->path, append ? "abe" : "wbe");
		if (f == NULL)
			wm_ipfix_err(err, errlen, "cannot create '%s': %s", t->path,
				     strerror(errno));
	}
	if (f == NULL)
		return NULL;
	*buf = malloc(WM_FILE_BUF_SIZE);
	/* Only before any I/O can setvbuf fail, and this is before: keep stdio's then. */
	if (*buf != NULL && setvbuf(f, *buf, _IOFBF, WM_FILE_BUF_SIZE) != 0) {
		free(*buf);
		*buf = NULL;
	}
	return f;
}

static struct wm_ipfix_transport *
file_open(const struct wm_ipfix_uri *u, char *err, size_t errlen)
{
	struct wm_file *t;
	int e;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->path = strdup(u->path);
	if (t->path == NULL || wm_ipfix_track_init(&t->done) != 0)
		goto nomem;
	t->fopen_fn = u->fopen_fn;
	t->f = file_create(t, false, &t->buf, err, errlen);
	if (t->f == NULL) {
		e = errno;
		goto fail;
	}
	t->base.stats.sessions = 1;
	return &t->base;

nomem:
	e = ENOMEM;
	wm_ipfix_err(err, errlen, "out of memory");
fail:
	if (t != NULL) {
		wm_ipfix_track_fini(&t->done);
		free(t->path);
		free(t);
	}
	errno = e;
	return NULL;
}

static int
file_poll(struct wm_ipfix_transport *base, uint64_t now_ns)
{
	struct wm_file *t = file_of(base);

	(void)now_ns;
	if (t->announced)
		return 0;
	t->announced = true;
	return WM_IPFIX_TRANSPORT_NEW_SESSION;
}

static bool
file_up(const struct wm_ipfix_transport *base)
{
	(void)base;
	return true;
}

static int
file_send(struct wm_ipfix_transport *base, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_file *t = file_of(base);

	if (wm_ipfix_track_count(&t->done) == WM_IPFIX_TRACK_CAP)
		return -EAGAIN;
	if (!t->failed && fwrite(msg, 1, len, t->f) != len)
		t->failed = true;
	if (t->failed) {
		t->base.stats.errors++;
		return -EIO;
	}
	wm_ipfix_track_push(&t->done, cookie, 0);
	t->base.stats.messages++;
	t->base.stats.bytes += len;
	return 0;
}

static unsigned int
file_take_acked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_track_take(&file_of(base)->done, cookies, max);
}

static unsigned int
file_take_unacked(struct wm_ipfix_transport *base, uint64_t *cookies, unsigned int max)
{
	(void)base;
	(void)cookies;
	(void)max;
	return 0;
}

/* What sits in the stdio buffer is written by close; nothing is in flight. */
static bool
file_busy(const struct wm_ipfix_transport *base)
{
	(void)base;
	return false;
}

/*
 * The new file is opened before the old one is closed, so a path that
 * cannot be opened leaves the transport writing where it was. Appending
 * keeps what a file at the path already holds (no rotation happened).
 * Every message sent so far is whole in the old file: sends write whole
 * messages, and this runs between them.
 */
static int
file_reopen(struct wm_ipfix_transport *base)
{
	struct wm_file *t = file_of(base);
	char *buf, err[256];
	FILE *f = file_create(t, true, &buf, err, sizeof(err));
	int rc = 0;

	if (f == NULL)
		return -errno;
	if (fclose(t->f) != 0 || t->failed)
		rc = -EIO;
	free(t->buf);
	t->f = f;
	t->buf = buf;
	t->failed = false;
	t->announced = false;
	t->base.stats.sessions++;
	return rc;
}

/* Whole messages only are in the buffer (one fwrite each): a reader sees whole ones. */
static int
file_flush(struct wm_ipfix_transport *base)
{
	struct wm_file *t = file_of(base);

	if (t->failed)
		return -EIO;
	if (fflush(t->f) == 0)
		return 0;
	/* Part of a message may have reached the file: final, as for a failed write. */
	t->failed = true;
	t->base.stats.errors++;
	return -EIO;
}

static int
file_close(struct wm_ipfix_transport *base)
{
	struct wm_file *t = file_of(base);
	int rc = 0;

	if (fclose(t->f) != 0)
		rc = -errno;
	else if (t->failed)
		rc = -EIO;
	free(t->buf);
	free(t->path);
	wm_ipfix_track_fini(&t->done);
	free(t);
	return rc;
}

const struct wm_ipfix_transport_ops wm_ipfix_file_ops = {
	.open = file_open,
	.poll = file_poll,
	.up = file_up,
	.send = file_send,
	.take_acked = file_take_acked,
	.take_unacked = file_take_unacked,
	.busy = file_busy,
	.reopen = file_reopen,
	.flush = file_flush,
	.close = file_close,
};
