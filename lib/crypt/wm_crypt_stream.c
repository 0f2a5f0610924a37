/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Output files as stdio streams (glibc's fopencookie): the bytes go to the
 * file, or into a container, and the file is signed once closed.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_crypt.h"

struct stream {
	int fd;
	struct wm_crypt_writer *cw; /* NULL: plain */
	const struct wm_crypt_pkey *sign;
	char path[];
};

static ssize_t
stream_write(void *cookie, const char *buf, size_t len)
{
	struct stream *s = cookie;
	size_t done = 0;

	if (s->cw != NULL)
		return wm_crypt_writer_write(s->cw, buf, len) == 0 ? (ssize_t)len : -1;
	while (done < len) {
		ssize_t w = write(s->fd, buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return done > 0 ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

void
wm_crypt_fd_name(int fd, const char *fallback, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n <= 0 || buf[0] != '/' || strstr(buf, " (deleted)") != NULL)
		snprintf(buf, len, "%s", fallback);
	else
		buf[n] = '\0';
}

static int
stream_close(void *cookie)
{
	struct stream *s = cookie;
	char err[512], name[4096];
	int rc = wm_crypt_writer_close(s->cw);

	/* Signed where it is now: a reopen after logrotate moved it closes it there. */
	wm_crypt_fd_name(s->fd, s->path, name, sizeof(name));
	if (close(s->fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && s->sign != NULL)
		rc = wm_crypt_sign_file(s->sign, name, err, sizeof(err));
	free(s);
	if (rc != 0) {
		errno = rc < 0 && rc > -4096 ? -rc : EIO;
		return EOF;
	}
	return 0;
}

FILE *
wm_crypt_fopen(const char *path, bool append, const struct wm_crypt_key *key,
	       const struct wm_crypt_pkey *sign, char *err, size_t errlen)
{
	cookie_io_functions_t io = {.write = stream_write, .close = stream_close};
	struct stream *s = calloc(1, sizeof(*s) + strlen(path) + 1);
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
	struct stat st;
	FILE *f;

	if (s == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	strcpy(s->path, path);
	s->sign = sign;
	s->fd = open(path, flags, 0644);
	if (s->fd >= 0 && key != NULL && append && fstat(s->fd, &st) == 0 && st.st_size > 0) {
		close(s->fd);
		s->fd = -1;
		errno = EEXIST;
	}
	if (s->fd >= 0 && key != NULL && (s->cw = wm_crypt_writer_open(s->fd, key, 0)) == NULL) {
		close(s->fd);
		s->fd = -1;
	}
	f = s->fd >= 0 ? fopencookie(s, "w", io) : NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EEXIST
				 ? "exists, and a closed container cannot grow: move it first"
				 : strerror(errno));
		if (s->fd >= 0) {
			wm_crypt_writer_close(s->cw);
			close(s->fd);
		}
		free(s);
	}
	return f;
}
