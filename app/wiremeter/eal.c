/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Leaving nothing behind. A DPDK 22.11 primary keeps its hugepage files
 * (<hugetlbfs>/<prefix>map_<n>) and its runtime folder
 * (/var/run/dpdk/<prefix>) after rte_eal_cleanup(), so that secondary
 * processes can attach while it runs. Unlinking the files early
 * (--huge-unlink) would break dpdk-dumpcap and dpdk-proc-info, so they
 * stay while wiremeter runs and go when it ends: the names of the files
 * backing our memory segments are read from their descriptors before
 * cleanup, and unlinked after it. A page's memory returns to the system
 * when its last mapping goes, so a secondary still attached keeps working
 * until it detaches.
 *
 * The runtime folder and the telemetry socket are made for the running
 * user only (umask 077 around rte_eal_init(), then the socket's mode set
 * to 0600): the socket answers every telemetry command, and the folder
 * holds the shared configuration a secondary could attach through.
 *
 * Only the main thread calls these, at start and at exit.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "wm_app.h"

#define TELEMETRY_SOCKET "dpdk_telemetry.v2"

static struct {
	char **files;	    /* hugepage files of our memory segments, owned */
	unsigned int n;	    /* used entries of files */
	unsigned int cap;   /* entries of files */
	char dir[PATH_MAX]; /* the runtime folder */
	mode_t umask_was;
} leave;

int
wm_eal_init(int argc, char **argv)
{
	char sock[PATH_MAX + sizeof(TELEMETRY_SOCKET) + 1];
	int ret;

	leave.umask_was = umask(077);
	ret = rte_eal_init(argc, argv);
	umask(leave.umask_was); /* output files keep the user's own umask */
	if (ret < 0)
		return ret;
	snprintf(leave.dir, sizeof(leave.dir), "%s", rte_eal_get_runtime_dir());
	snprintf(sock, sizeof(sock), "%s/%s", leave.dir, TELEMETRY_SOCKET);
	/* Absent with --no-telemetry; a mode that cannot be set is said, not fatal. */
	if (chmod(sock, 0600) != 0 && errno != ENOENT)
		WM_LOG(WARNING, "telemetry socket %s: cannot restrict its mode: %s", sock,
		       strerror(errno));
	return ret;
}

static int
note_file(const char *path)
{
	unsigned int i;

	for (i = 0; i < leave.n; i++)
		if (strcmp(leave.files[i], path) == 0)
			return 0; /* single-file segments: one file, many segments */
	if (leave.n == leave.cap) {
		unsigned int cap = leave.cap ? 2 * leave.cap : 256;
		char **f = realloc(leave.files, cap * sizeof(*f));

		if (f == NULL)
			return -1;
		leave.files = f;
		leave.cap = cap;
	}
	leave.files[leave.n] = strdup(path);
	if (leave.files[leave.n] == NULL)
		return -1;
	leave.n++;
	return 0;
}

/* rte_memseg_walk() callback: the hugetlbfs file behind one segment, if any. */
static int
note_segment(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	char link[64], path[PATH_MAX];
	ssize_t len;
	int fd;

	RTE_SET_USED(msl);
	RTE_SET_USED(arg);
	/* --no-huge and --in-memory segments have no file; walk holds the lock. */
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (len <= 0)
		return 0;
	path[len] = '\0';
	/* Already unlinked (--huge-unlink), or not a file of a mounted file system. */
	if (path[0] != '/' || strstr(path, " (deleted)") != NULL)
		return 0;
	return note_file(path) == 0 ? 0 : -1;
}

/* Our own files and sockets; a secondary's socket (mp_socket_<pid>_...) is its own. */
static bool
ours(const char *name)
{
	return strncmp(name, "mp_socket_", 10) != 0;
}

static void
runtime_dir_remove(void)
{
	char path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if (leave.dir[0] == '\0')
		return;
	d = opendir(leave.dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !ours(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", leave.dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	/* Not empty while a secondary still runs: its socket stays, and so does the folder. */
	if (rmdir(leave.dir) != 0 && errno != ENOTEMPTY && errno != ENOENT)
		fprintf(stderr, "wiremeter: warning: cannot remove %s: %s\n", leave.dir,
			strerror(errno));
}

void
wm_eal_leave(void)
{
	unsigned int i;

	/* --no-huge: thousands of 4 KB segments and not one file to remove. */
	if (rte_eal_has_hugepages() && rte_memseg_walk(note_segment, NULL) < 0)
		WM_LOG(WARNING, "out of memory listing hugepage files: some stay behind");
	rte_eal_cleanup();
	for (i = 0; i < leave.n; i++) {
		if (unlink(leave.files[i]) != 0 && errno != ENOENT)
			fprintf(stderr, "wiremeter: warning: cannot remove %s: %s\n",
				leave.files[i], strerror(errno));
		free(leave.files[i]);
	}
	free(leave.files);
	leave.files = NULL;
	leave.n = leave.cap = 0;
	runtime_dir_remove();
}
