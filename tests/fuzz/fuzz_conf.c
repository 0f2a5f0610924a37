/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/conf: the JSON config file and the command line. The input is the
 * file's text up to the first NUL byte, then the command-line arguments
 * (after EAL's "--"), NUL-separated. An argument "@" stands for the
 * file's path, so "-c @" loads it; a '/' in any other argument becomes
 * '_', so that no path leaves the working directory (-c reads what it
 * names, and a FIFO would block).
 *
 * Both are checked the same way: the result is 0, WM_CONF_EXIT or a
 * negative errno with a message; an accepted configuration, written
 * back with wm_conf_to_json() and loaded again, gives the same JSON
 * (the header's promise). Everything allocated is freed, which
 * LeakSanitizer checks.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz.h"
#include "wm_conf.h"

#define MAX_ARGS 64

static char conf_path[64] = "/tmp/wm-fuzz-conf-XXXXXX";
static char back_path[64] = "/tmp/wm-fuzz-back-XXXXXX";

static void
remove_files(void)
{
	unlink(conf_path);
	unlink(back_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_WRONLY);
	int a = mkstemp(conf_path), b = mkstemp(back_path);

	(void)argc;
	(void)argv;
	if (fd < 0 || a < 0 || b < 0) {
		perror("fuzz_conf: setup");
		exit(1);
	}
	/* --help and --version print to stdout; libFuzzer reports on stderr. */
	dup2(fd, STDOUT_FILENO);
	close(fd);
	close(a);
	close(b);
	atexit(remove_files);
	return 0;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	FUZZ_CHECK(f != NULL && fwrite(p, 1, n, f) == n && fclose(f) == 0, "write %s", path);
}

/* An accepted configuration survives its own JSON: dumped, loaded, the same again. */
static void
check_round_trip(const struct wm_conf *c)
{
	struct wm_conf again;
	json_t *j = wm_conf_to_json(c), *j2;
	char err[512] = "";
	int rc;

	FUZZ_CHECK(j != NULL, "to_json");
	FUZZ_CHECK(json_dump_file(j, back_path, JSON_REAL_PRECISION(17)) == 0, "dump");
	wm_conf_defaults(&again);
	rc = wm_conf_load_file(&again, back_path, err, sizeof(err));
	if (rc != 0) {
		char *text = json_dumps(j, JSON_REAL_PRECISION(17));

		FUZZ_CHECK(rc == 0, "its own JSON refused: %s\n%s", err, text);
	}
	j2 = wm_conf_to_json(&again);
	FUZZ_CHECK(j2 != NULL, "to_json");
	if (!json_equal(j, j2)) {
		char *t1 = json_dumps(j, JSON_SORT_KEYS), *t2 = json_dumps(j2, JSON_SORT_KEYS);

		FUZZ_CHECK(false, "the JSON changed when loaded again:\n%s\n%s", t1, t2);
	}
	json_decref(j);
	json_decref(j2);
	wm_conf_free(&again);
}

static void
check_result(int rc, const char *err, const struct wm_conf *c)
{
	FUZZ_CHECK(rc == 0 || rc == WM_CONF_EXIT || rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM,
		   "result %d", rc);
	if (rc < 0)
		FUZZ_CHECK(err[0] != '\0', "an error says why (rc %d)", rc);
	if (rc == 0)
		check_round_trip(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	const size_t json_len = nul != NULL ? (size_t)(nul - data) : size;
	char *args = NULL, *argv[MAX_ARGS + 2];
	struct wm_conf c;
	char err[512] = "";
	int argc = 0, rc;
	size_t i;

	write_file(conf_path, data, json_len);
	wm_conf_defaults(&c);
	rc = wm_conf_load_file(&c, conf_path, err, sizeof(err));
	check_result(rc, err, &c);
	wm_conf_free(&c);
	if (nul == NULL)
		return 0;

	/* The arguments: NUL-separated, with a NUL added after the last one. */
	args = malloc(size - json_len);
	FUZZ_CHECK(args != NULL, "malloc");
	memcpy(args, nul + 1, size - json_len - 1);
	args[size - json_len - 1] = '\0';
	argv[argc++] = "wiremeter";
	for (i = 0; i < size - json_len && argc <= MAX_ARGS; i += strlen(args + i) + 1) {
		char *a = args + i, *s;

		for (s = a; *s != '\0'; s++)
			if (*s == '/')
				*s = '_';
		argv[argc++] = strcmp(a, "@") == 0 ? conf_path : a;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	wm_conf_defaults(&c);
	rc = wm_conf_parse_args(&c, argc, argv, err, sizeof(err));
	check_result(rc, err, &c);
	wm_conf_free(&c);
	free(args);
	return 0;
}
