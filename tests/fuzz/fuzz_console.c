/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The console (app/wiremeter/console.c): each input line goes through
 * DPDK cmdline's parser on the console's own command table
 * (cmdline_parse_check(), which matches a command without running it)
 * and its completion (cmdline_complete(), as TAB does, every proposal),
 * and its last word through the parsers the commands apply to their
 * arguments: seconds ('set idle-timeout S', 'sleep S') and the flow key
 * ('show flow KEY'). What they accept must be in range.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>

#include "fuzz.h"
#include "wm_console.h"
#include "wm_flow_key.h"

/* rdline's line buffer: the console never hands cmdline a longer line. */
#define LINE_MAX_ 512

static struct cmdline *cl;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* What the parser says ("Bad arguments") goes nowhere. */
	cl = fd < 0 ? NULL : wm_console_cmdline_new(fd);
	if (cl == NULL) {
		fprintf(stderr, "fuzz_console: no cmdline\n");
		exit(1);
	}
	return 0;
}

static void
check_complete(const char *line)
{
	char dst[LINE_MAX_];
	int state = 0, rc, i;

	/* Bounded: the table has a few dozen tokens to propose. */
	for (i = 0; i < 256; i++) {
		rc = cmdline_complete(cl, line, &state, dst, sizeof(dst));
		FUZZ_CHECK(rc >= -1 && rc <= CMDLINE_PARSE_COMPLETED_BUFFER, "complete: %d", rc);
		if (rc == CMDLINE_PARSE_COMPLETED_BUFFER || rc <= 0)
			break;
		FUZZ_CHECK(memchr(dst, '\0', sizeof(dst)) != NULL, "proposal is a string");
	}
}

static void
check_arguments(const char *word)
{
	struct wm_pkt_meta key;
	char err[256] = "";
	double v;

	if (wm_console_parse_seconds(word, 86400.0, &v) == 0)
		FUZZ_CHECK(v > 0 && v <= 86400.0, "seconds %g", v);
	if (wm_ctl_parse_flow_key(word, &key, err, sizeof(err)) == 0) {
		FUZZ_CHECK(key.kind == WM_PKT_KIND_IPV4 || key.kind == WM_PKT_KIND_IPV6,
			   "key kind %u", key.kind);
		FUZZ_CHECK(key.vlan <= 4095, "vlan %u", key.vlan);
		if (key.kind == WM_PKT_KIND_IPV4)
			FUZZ_CHECK(memcmp(key.src + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0 &&
					   memcmp(key.dst + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0,
				   "IPv4 addresses take 4 bytes");
	} else {
		FUZZ_CHECK(err[0] != '\0', "a refused key says why");
	}
}

static void
one_line(const char *line)
{
	const char *word = strrchr(line, ' ');
	int rc = cmdline_parse_check(cl, line);

	/* A match returns the length it took (22.11), a miss one of the negative codes. */
	FUZZ_CHECK((rc >= 0 && (size_t)rc <= strlen(line)) || rc == CMDLINE_PARSE_AMBIGUOUS ||
			   rc == CMDLINE_PARSE_NOMATCH || rc == CMDLINE_PARSE_BAD_ARGS,
		   "parse: %d for %zu bytes", rc, strlen(line));
	check_complete(line);
	check_arguments(word != NULL ? word + 1 : line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[LINE_MAX_];
	size_t i = 0;

	/* Lines as the console reads them: at most 511 bytes, the newline kept. */
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = (nl != NULL ? (size_t)(nl - (data + i)) + 1 : size - i);
		size_t k = n < sizeof(line) - 1 ? n : sizeof(line) - 1;

		memcpy(line, data + i, k);
		line[k] = '\0';
		one_line(line); /* a NUL inside ends the line early, as in C */
		i += n;
	}
	return 0;
}
