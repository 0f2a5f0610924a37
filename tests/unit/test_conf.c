/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/conf, the configuration: defaults, the JSON config
 * file and the command-line flags that override it.
 *
 * The suite works in a mkdtemp directory made by the suite's init
 * function: three empty files stand for pcaps (the library only checks
 * that a pcap is readable), and each test writes the config files it
 * needs there. Every error test asserts the return code and the whole
 * error line, since that line is all a user sees. Every configuration is
 * released with wm_conf_free, so LeakSanitizer reports any path that
 * leaks, error paths included.
 *
 * getopt_long keeps global state between calls; each test parses a fresh
 * argv, and test_conf_repeated_calls checks that earlier parses, even
 * ones that stopped midway, do not leak into the next.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>

#include "wm_conf.h"
#include "wm_cunit.h"

#define MAX_ARGS 80
#define MAX_FILES 160
#define DIR_LEN 256  /* the temporary directory's name */
#define PATH_LEN 512 /* a file in it */
#define ERR_LEN 1024

/* Arguments after argv[0], which is always "wiremeter". */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static char dir[DIR_LEN];     /* the suite's mkdtemp directory */
static char pcap_a[PATH_LEN]; /* empty, readable "pcaps" in dir */
static char pcap_b[PATH_LEN];
static char pcap_c[PATH_LEN];
static char pcap_missing[PATH_LEN]; /* a name in dir that never exists */

/* Every file the suite wrote, removed by suite_clean. */
static char *files[MAX_FILES];
static unsigned int n_files;

/* ---- helpers ---- */

/* Write @p text to dir/@p name and return the path (owned by the suite). */
static const char *
write_file(const char *name, const char *text)
{
	char path[PATH_LEN];
	FILE *f;

	if (n_files == MAX_FILES)
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
		abort();
	files[n_files] = strdup(path);
	if (files[n_files] == NULL)
		abort();
	return files[n_files++];
}

/* write_file with a printf format, for configs that name the suite's pcaps. */
static const char *
write_conf(const char *name, const char *fmt, ...)
{
	char text[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		abort();
	return write_file(name, text);
}

/*
 * Parse "wiremeter" followed by the NULL-terminated @p args. getopt_long
 * permutes the argv array, so it is copied; the strings themselves are
 * never written.
 */
static int
parse(struct wm_conf *c, char *err, const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int argc = 0;

	argv[argc++] = (char *)"wiremeter";
	while (*args != NULL) {
		if (argc > MAX_ARGS)
			abort();
		argv[argc++] = (char *)*args++;
	}
	argv[argc] = NULL;
	err[0] = '\0';
	return wm_conf_parse_args(c, argc, argv, err, ERR_LEN);
}

/* parse() with stdout captured into @p out, for --help and --version. */
static int
parse_capture(struct wm_conf *c, char *err, const char *const *args, char *out, size_t outlen)
{
	FILE *tmp;
	size_t n;
	int saved, rc;

	fflush(stdout);
	tmp = tmpfile();
	saved = dup(STDOUT_FILENO);
	if (tmp == NULL || saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0)
		abort();
	rc = parse(c, err, args);
	fflush(stdout);
	if (dup2(saved, STDOUT_FILENO) < 0)
		abort();
	close(saved);
	rewind(tmp);
	n = fread(out, 1, outlen - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return rc;
}

/* CUnit shows only the expression; a wrong message is worth seeing in full. */
static void
check_err(const char *err, const char *msg)
{
	CU_ASSERT_STRING_EQUAL(err, msg);
	if (strcmp(err, msg) != 0)
		fprintf(stderr, "\n    expected: %s\n    got:      %s\n", msg, err);
}

/* Load @p path into a fresh default configuration, expect @p rc and @p msg. */
static void
check_file_error(const char *path, int rc, const char *msg)
{
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), rc);
	check_err(err, msg);
	wm_conf_free(&c);
}

/* Parse @p args into a fresh default configuration, expect @p rc and @p msg. */
static void
check_args_error(const char *const *args, int rc, const char *msg)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, args), rc);
	check_err(err, msg);
	wm_conf_free(&c);
}

/* Assert that @p c holds exactly the defaults. */
static void
check_defaults(const struct wm_conf *c)
{
	CU_ASSERT_DOUBLE_EQUAL(c->idle_timeout, 30.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->active_timeout, 300.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->tcp_linger, 1.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->stats_interval, 5.0, 0.0);
	CU_ASSERT_EQUAL(c->flow_capacity, 0); /* sized at start */
	CU_ASSERT_EQUAL(c->mbufs, 0);
	CU_ASSERT_PTR_NULL(c->flows_json);
	CU_ASSERT_PTR_NULL(c->report);
	CU_ASSERT_PTR_NULL(c->config_file);
	CU_ASSERT_EQUAL(c->n_pcaps, 0);
}

/*
 * A config file that sets every key, each to a value other than its
 * default, and the values it sets.
 */
static const char *
write_full_conf(const char *name)
{
	return write_conf(name,
			  "{\n"
			  "\t\"idle_timeout\": 12.5,\n"
			  "\t\"active_timeout\": 120,\n"
			  "\t\"tcp_linger\": 0,\n"
			  "\t\"stats_interval\": 2,\n"
			  "\t\"flow_capacity\": 4096,\n"
			  "\t\"mbufs\": 16384,\n"
			  "\t\"flows_json\": \"%s/file_flows.jsonl\",\n"
			  "\t\"report\": \"%s/file_report.json\",\n"
			  "\t\"pcap\": [\"%s\", \"%s\"]\n"
			  "}\n",
			  dir, dir, pcap_a, pcap_b);
}

static void
check_full_conf(const struct wm_conf *c)
{
	char path[PATH_LEN];

	CU_ASSERT_DOUBLE_EQUAL(c->idle_timeout, 12.5, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->active_timeout, 120.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->tcp_linger, 0.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->stats_interval, 2.0, 0.0);
	CU_ASSERT_EQUAL(c->flow_capacity, 4096);
	CU_ASSERT_EQUAL(c->mbufs, 16384);
	snprintf(path, sizeof(path), "%s/file_flows.jsonl", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->flows_json);
	CU_ASSERT_STRING_EQUAL(c->flows_json, path);
	snprintf(path, sizeof(path), "%s/file_report.json", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->report);
	CU_ASSERT_STRING_EQUAL(c->report, path);
	CU_ASSERT_EQUAL_FATAL(c->n_pcaps, 2);
	CU_ASSERT_STRING_EQUAL(c->pcaps[0], pcap_a);
	CU_ASSERT_STRING_EQUAL(c->pcaps[1], pcap_b);
}

/* ---- suite setup ---- */

static int
suite_init(void)
{
	const char *tmp = getenv("TMPDIR");

	int n;

	n = snprintf(dir, sizeof(dir), "%s/wm_conf_XXXXXX",
		     tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(dir) || mkdtemp(dir) == NULL)
		return -1;
	snprintf(pcap_a, sizeof(pcap_a), "%s", write_file("a.pcap", ""));
	snprintf(pcap_b, sizeof(pcap_b), "%s", write_file("b.pcap", ""));
	snprintf(pcap_c, sizeof(pcap_c), "%s", write_file("c.pcap", ""));
	snprintf(pcap_missing, sizeof(pcap_missing), "%s/missing.pcap", dir);
	return 0;
}

static int
suite_clean(void)
{
	unsigned int i;

	for (i = 0; i < n_files; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	n_files = 0;
	return rmdir(dir) == 0 ? 0 : -1;
}

/* ---- defaults ---- */

static void
test_conf_defaults(void)
{
	struct wm_conf c;

	/* Garbage first: wm_conf_defaults must ignore what was there. */
	memset(&c, 0xa5, sizeof(c));
	wm_conf_defaults(&c);
	check_defaults(&c);
	wm_conf_free(&c);
	check_defaults(&c);
}

static void
test_conf_no_args_keeps_defaults(void)
{
	char *argv[] = {(char *)"wiremeter", NULL};
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_parse_args(&c, 1, argv, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_defaults(&c);
	wm_conf_free(&c);
}

/* ---- flags ---- */

static void
test_conf_flags_all(void)
{
	char flows[PATH_LEN], report[PATH_LEN];
	char err[ERR_LEN];
	struct wm_conf c;

	snprintf(flows, sizeof(flows), "%s/flows.jsonl", dir);
	snprintf(report, sizeof(report), "%s/report.json", dir);
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(
		parse(&c, err,
		      ARGS("--idle-timeout", "2.5", "--active-timeout", "60", "--tcp-linger",
			   "0.25", "--stats-interval", "0", "--flow-capacity", "1024", "--mbufs",
			   "8191", "--flows-json", flows, "--report", report, "--pcap", pcap_a,
			   "--pcap", pcap_b, "--pcap", pcap_c)),
		0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 2.5, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.active_timeout, 60.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.tcp_linger, 0.25, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.stats_interval, 0.0, 0.0);
	CU_ASSERT_EQUAL(c.flow_capacity, 1024);
	CU_ASSERT_EQUAL(c.mbufs, 8191);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.flows_json);
	CU_ASSERT_STRING_EQUAL(c.flows_json, flows);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.report);
	CU_ASSERT_STRING_EQUAL(c.report, report);
	CU_ASSERT_PTR_NULL(c.config_file);
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 3);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_a);
	CU_ASSERT_STRING_EQUAL(c.pcaps[1], pcap_b);
	CU_ASSERT_STRING_EQUAL(c.pcaps[2], pcap_c);
	wm_conf_free(&c);
}

static void
test_conf_flags_equals_form(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(
		parse(&c, err, ARGS("--idle-timeout=7", "--flow-capacity=2048", "--report=r.json")),
		0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 7.0, 0.0);
	CU_ASSERT_EQUAL(c.flow_capacity, 2048);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.report);
	CU_ASSERT_STRING_EQUAL(c.report, "r.json");
	wm_conf_free(&c);
}

static void
test_conf_flags_last_wins(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--idle-timeout", "7", "--report", "r1.json", "--idle-timeout",
				   "8", "--report", "r2.json")),
			0);
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 8.0, 0.0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.report);
	CU_ASSERT_STRING_EQUAL(c.report, "r2.json");
	wm_conf_free(&c);
}

/* The inclusive ends of every range are accepted. */
static void
test_conf_flags_range_edges(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--idle-timeout", "86400", "--active-timeout", "86400",
				   "--tcp-linger", "3600", "--stats-interval", "86400",
				   "--flow-capacity", "1073741824", "--mbufs", "1073741824")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 86400.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.active_timeout, 86400.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.tcp_linger, 3600.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.stats_interval, 86400.0, 0.0);
	CU_ASSERT_EQUAL(c.flow_capacity, WM_CONF_MAX_FLOW_CAPACITY);
	CU_ASSERT_EQUAL(c.mbufs, 1u << 30);
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--idle-timeout", "0.001", "--tcp-linger", "0",
				   "--flow-capacity", "1", "--mbufs", "0")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 0.001, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c.tcp_linger, 0.0, 0.0);
	CU_ASSERT_EQUAL(c.flow_capacity, 1);
	CU_ASSERT_EQUAL(c.mbufs, 0);
	wm_conf_free(&c);
}

/* ---- config file ---- */

static void
test_conf_file_all_keys(void)
{
	const char *path = write_full_conf("all_keys.json");
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_full_conf(&c);
	/* Loading a file directly does not make it the -c file. */
	CU_ASSERT_PTR_NULL(c.config_file);
	wm_conf_free(&c);
}

static void
test_conf_file_via_c_flag(void)
{
	const char *path = write_full_conf("via_c.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_full_conf(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.config_file);
	CU_ASSERT_STRING_EQUAL(c.config_file, path);
	wm_conf_free(&c);
}

/* Keys absent from the file keep their defaults. */
static void
test_conf_file_partial(void)
{
	const char *path = write_file("partial.json", "{\"active_timeout\": 45}\n");
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.active_timeout, 45.0, 0.0);
	c.active_timeout = 300;
	check_defaults(&c);
	wm_conf_free(&c);

	path = write_file("empty_object.json", "{}");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	check_defaults(&c);
	wm_conf_free(&c);
}

static void
test_conf_file_pcap_string(void)
{
	const char *path = write_conf("pcap_string.json", "{\"pcap\": \"%s\"}\n", pcap_c);
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 1);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_c);
	wm_conf_free(&c);
}

static void
test_conf_file_pcap_array(void)
{
	const char *path = write_conf("pcap_array.json", "{\"pcap\": [\"%s\", \"%s\", \"%s\"]}\n",
				      pcap_c, pcap_a, pcap_b);
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 3);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_c);
	CU_ASSERT_STRING_EQUAL(c.pcaps[1], pcap_a);
	CU_ASSERT_STRING_EQUAL(c.pcaps[2], pcap_b);
	wm_conf_free(&c);

	path = write_file("pcap_empty_array.json", "{\"pcap\": []}\n");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.n_pcaps, 0);
	wm_conf_free(&c);
}

/* ---- flags override the file ---- */

static void
check_overridden(const struct wm_conf *c, const char *path)
{
	CU_ASSERT_DOUBLE_EQUAL(c->idle_timeout, 7.0, 0.0);
	CU_ASSERT_EQUAL(c->flow_capacity, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->report);
	CU_ASSERT_STRING_EQUAL(c->report, "flag_report.json");
	/* What the flags did not name comes from the file. */
	CU_ASSERT_DOUBLE_EQUAL(c->active_timeout, 120.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->tcp_linger, 0.0, 0.0);
	CU_ASSERT_DOUBLE_EQUAL(c->stats_interval, 2.0, 0.0);
	CU_ASSERT_EQUAL(c->mbufs, 16384);
	CU_ASSERT_EQUAL(c->n_pcaps, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->config_file);
	CU_ASSERT_STRING_EQUAL(c->config_file, path);
}

static void
test_conf_flags_override_file_c_first(void)
{
	const char *path = write_full_conf("override_c_first.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("-c", path, "--idle-timeout", "7", "--flow-capacity", "100",
				   "--report", "flag_report.json")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_overridden(&c, path);
	wm_conf_free(&c);
}

static void
test_conf_flags_override_file_c_last(void)
{
	const char *path = write_full_conf("override_c_last.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--idle-timeout", "7", "--flow-capacity", "100", "--report",
				   "flag_report.json", "-c", path)),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_overridden(&c, path);
	wm_conf_free(&c);
}

static void
test_conf_flags_override_file_c_middle(void)
{
	const char *path = write_full_conf("override_c_middle.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--idle-timeout", "7", "-c", path, "--flow-capacity", "100",
				   "--report=flag_report.json")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_overridden(&c, path);
	wm_conf_free(&c);
}

static void
test_conf_pcap_flag_replaces_file_list(void)
{
	const char *path = write_full_conf("pcap_replace.json");
	char err[ERR_LEN];
	struct wm_conf c;

	/* One --pcap, before or after -c, replaces the file's two. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--pcap", pcap_c)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 1);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_c);
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--pcap", pcap_c, "-c", path)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 1);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_c);
	wm_conf_free(&c);

	/* Further --pcap flags add to the replacement, in order. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--pcap", pcap_c, "-c", path, "--pcap", pcap_a)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 2);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_c);
	CU_ASSERT_STRING_EQUAL(c.pcaps[1], pcap_a);
	wm_conf_free(&c);

	/* Without --pcap the file's list stays. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--idle-timeout", "9")), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_pcaps, 2);
	CU_ASSERT_STRING_EQUAL(c.pcaps[0], pcap_a);
	CU_ASSERT_STRING_EQUAL(c.pcaps[1], pcap_b);
	wm_conf_free(&c);
}

/* ---- bad flags ---- */

static void
test_conf_not_a_number(void)
{
	check_args_error(ARGS("--idle-timeout", "abc"), -EINVAL,
			 "--idle-timeout: 'abc' is not a number of seconds");
	check_args_error(ARGS("--active-timeout", "5s"), -EINVAL,
			 "--active-timeout: '5s' is not a number of seconds");
	check_args_error(ARGS("--idle-timeout="), -EINVAL,
			 "--idle-timeout: '' is not a number of seconds");
	check_args_error(ARGS("--flow-capacity", "lots"), -EINVAL,
			 "--flow-capacity: 'lots' is not a whole number");
	check_args_error(ARGS("--mbufs", "1k"), -EINVAL, "--mbufs: '1k' is not a whole number");
	/* Found by fuzzing: kept, such a value made wm_conf_to_json() fail (JSON is UTF-8). */
	check_args_error(ARGS("--report", "r\xd3.json"), -EINVAL,
			 "--report: the value is not valid UTF-8");
	check_args_error(ARGS("--filter", "port 1\xff"), -EINVAL,
			 "--filter: the value is not valid UTF-8");
}

static void
test_conf_filter(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_PTR_NULL(c.filter);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--filter", "tcp or (udp and port 53)")), 0);
	CU_ASSERT_STRING_EQUAL(c.filter, "tcp or (udp and port 53)");
	wm_conf_free(&c);
	CU_ASSERT_PTR_NULL(c.filter);
	check_args_error(ARGS("--filter", "tcp port"), -EINVAL,
			 "--filter: 'tcp port': can't parse filter expression: syntax error");
	check_args_error(ARGS("--filter", ""), -EINVAL, "--filter: empty filter");
}

static void
test_conf_capture_flags(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(c.capture.snaplen, 262144);
	CU_ASSERT_EQUAL(c.capture.loss_events, WM_CONF_LOSS_GAP);
	CU_ASSERT_EQUAL(
		parse(&c, err,
		      ARGS("--capture", "x.pcapng", "--capture-filter", "udp", "--capture-ring",
			   "files:3,filesize:0.5,duration:60", "--capture-on-loss", "4,2",
			   "--capture-on-loss-events", "gap,late,restart", "--capture-history",
			   "100", "--capture-snaplen", "128", "--capture-count", "50")),
		0);
	CU_ASSERT_STRING_EQUAL(c.capture.file, "x.pcapng");
	CU_ASSERT_STRING_EQUAL(c.capture.filter, "udp");
	CU_ASSERT_PTR_NULL(c.filter);
	CU_ASSERT_EQUAL(c.capture.ring_files, 3);
	CU_ASSERT_EQUAL(c.capture.ring_filesize_mb, 0.5);
	CU_ASSERT_EQUAL(c.capture.ring_duration, 60);
	CU_ASSERT_EQUAL(c.capture.loss_before, 4);
	CU_ASSERT_EQUAL(c.capture.loss_after, 2);
	CU_ASSERT_EQUAL(c.capture.loss_events,
			WM_CONF_LOSS_GAP | WM_CONF_LOSS_LATE | WM_CONF_LOSS_RESTART);
	CU_ASSERT_EQUAL(c.capture.history, 100);
	CU_ASSERT_EQUAL(c.capture.snaplen, 128);
	CU_ASSERT_EQUAL(c.capture.count, 50);
	/* A ring given again replaces the whole spec: what it leaves out is gone. */
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--capture-ring", "files:9")), 0);
	CU_ASSERT_EQUAL(c.capture.ring_files, 9);
	CU_ASSERT_EQUAL(c.capture.ring_filesize_mb, 0);
	CU_ASSERT_EQUAL(c.capture.ring_duration, 0);
	wm_conf_free(&c);
}

static void
test_conf_capture_file_object(void)
{
	const char *path = write_file(
		"capture.json", "{\"capture\": {\"file\": \"c.pcapng\", \"ring\": \"files:2\", "
				"\"on_loss\": \"0,5\", \"on_loss_events\": \"duplicate\"}}");
	char err[ERR_LEN] = "";
	struct wm_conf c;
	json_t *j;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.capture.file, "c.pcapng");
	CU_ASSERT_EQUAL(c.capture.ring_files, 2);
	CU_ASSERT_EQUAL(c.capture.loss_before, 0);
	CU_ASSERT_EQUAL(c.capture.loss_after, 5);
	CU_ASSERT_EQUAL(c.capture.loss_events, WM_CONF_LOSS_DUPLICATE);
	j = wm_conf_to_json(&c);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(json_object_get(j, "capture"), "ring")),
		"files:2");
	json_decref(j);
	wm_conf_free(&c);
}

/* "ifaces": a JSON array of names, or the string form "a,b" --iface takes. */
static void
test_conf_ifaces_array(void)
{
	const char *arr = write_file("ifaces_arr.json", "{\"ifaces\": [\"veth0\", \"eth1\"]}");
	const char *str = write_file("ifaces_str.json", "{\"ifaces\": \"veth0,eth1\"}");
	const char *const paths[] = {arr, str};
	char err[ERR_LEN] = "";
	struct wm_conf c;
	unsigned int i;
	json_t *j;

	for (i = 0; i < 2; i++) {
		wm_conf_defaults(&c);
		CU_ASSERT_EQUAL_FATAL(wm_conf_load_file(&c, paths[i], err, sizeof(err)), 0);
		CU_ASSERT_EQUAL_FATAL(c.n_ifaces, 2);
		CU_ASSERT_STRING_EQUAL(c.ifaces[0], "veth0");
		CU_ASSERT_STRING_EQUAL(c.ifaces[1], "eth1");
		/* show config prints the list as the flag takes it. */
		j = wm_conf_to_json(&c);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ifaces")),
				       "veth0,eth1");
		json_decref(j);
		wm_conf_free(&c);
	}
	/* A flag replaces the file's array, as it replaces its string. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", arr, "--iface", "lo")), 0);
	CU_ASSERT_EQUAL(c.n_ifaces, 1);
	CU_ASSERT_STRING_EQUAL(c.ifaces[0], "lo");
	wm_conf_free(&c);
}

static void
test_conf_ifaces_array_bad(void)
{
#define NOT_A_NAME "is not an interface name (a string of 1 to 15 characters, no comma)"
	static const struct {
		const char *json, *why;
	} bad[] = {
		{"[]", "the array names no interface"},
		{"[\"eth0\", 3]", "element 1 " NOT_A_NAME},
		{"[\"eth0,eth1\"]", "element 0 " NOT_A_NAME},
		{"[\"a234567890123456\"]", "element 0 " NOT_A_NAME},
		{"[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]",
		 "more than 8 interfaces"},
		{"{}", "expected a string, got an object"},
	};
	char name[64], msg[ERR_LEN];
	const char *p;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "ifaces_bad%zu.json", i);
		p = write_conf(name, "{\"ifaces\": %s}", bad[i].json);
		snprintf(msg, sizeof(msg), "config %s: key 'ifaces': %s", p, bad[i].why);
		check_file_error(p, -EINVAL, msg);
	}
#undef NOT_A_NAME
}

static void
test_conf_capture_bad_specs(void)
{
	check_args_error(ARGS("--capture-ring", "files:3,size:2"), -EINVAL,
			 "--capture-ring: 'files:3,size:2': 'size' is not files, filesize or "
			 "duration");
	check_args_error(ARGS("--capture-ring", "files:0"), -EINVAL,
			 "--capture-ring: 'files:0': 'files:0' needs a number above 0");
	check_args_error(ARGS("--capture-ring", "files:2.5"), -EINVAL,
			 "--capture-ring: 'files:2.5': files: 2.5 is not 1..1000000");
	check_args_error(ARGS("--capture-on-loss", "3"), -EINVAL,
			 "--capture-on-loss: '3': expected BEFORE,AFTER with BEFORE in 0..255");
	check_args_error(ARGS("--capture-on-loss", "256,1"), -EINVAL,
			 "--capture-on-loss: '256,1': expected BEFORE,AFTER with BEFORE in 0..255");
	check_args_error(ARGS("--capture-on-loss", "2,x"), -EINVAL,
			 "--capture-on-loss: '2,x': expected BEFORE,AFTER with AFTER in 0..65535");
	check_args_error(
		ARGS("--capture-on-loss-events", "gap,loss"), -EINVAL,
		"--capture-on-loss-events: 'gap,loss': 'loss' is not gap, late, duplicate, "
		"too-old, jump, proto-violation or restart");
	check_args_error(ARGS("--capture-snaplen", "262145"), -EINVAL,
			 "--capture-snaplen: 262145 is out of range [1, 262144]");
	check_args_error(
		ARGS("--capture-filter", "tcp port"), -EINVAL,
		"--capture-filter: 'tcp port': can't parse filter expression: syntax error");
}

static void
test_conf_stats_interval_not_number(void)
{
	check_args_error(ARGS("--stats-interval", "x"), -EINVAL,
			 "--stats-interval: 'x' is not a number of seconds");
}

static void
test_conf_negative(void)
{
	check_args_error(ARGS("--idle-timeout", "-1"), -EINVAL,
			 "--idle-timeout: -1 seconds is out of range (0, 86400]");
	check_args_error(ARGS("--tcp-linger", "-0.5"), -EINVAL,
			 "--tcp-linger: -0.5 seconds is out of range [0, 3600]");
	check_args_error(ARGS("--stats-interval", "-5"), -EINVAL,
			 "--stats-interval: -5 seconds is out of range [0, 86400]");
	check_args_error(ARGS("--mbufs", "-1"), -EINVAL,
			 "--mbufs: -1 is out of range [0, 1073741824]");
}

static void
test_conf_zero_not_allowed(void)
{
	check_args_error(ARGS("--idle-timeout", "0"), -EINVAL,
			 "--idle-timeout: 0 seconds is out of range (0, 86400]");
	check_args_error(ARGS("--active-timeout", "0"), -EINVAL,
			 "--active-timeout: 0 seconds is out of range (0, 86400]");
}

static void
test_conf_seconds_out_of_range(void)
{
	check_args_error(ARGS("--idle-timeout", "86401"), -EINVAL,
			 "--idle-timeout: 86401 seconds is out of range (0, 86400]");
	/* The message shows the value given, not a rounding that looks in range. */
	check_args_error(ARGS("--tcp-linger", "3600.01"), -EINVAL,
			 "--tcp-linger: 3600.01 seconds is out of range [0, 3600]");
	check_args_error(ARGS("--active-timeout", "inf"), -EINVAL,
			 "--active-timeout: inf seconds is out of range (0, 86400]");
	check_args_error(ARGS("--active-timeout", "nan"), -EINVAL,
			 "--active-timeout: nan seconds is out of range (0, 86400]");
}

static void
test_conf_count_out_of_range(void)
{
	check_args_error(ARGS("--flow-capacity", "0"), -EINVAL,
			 "--flow-capacity: 0 is out of range [1, 1073741824]");
	check_args_error(ARGS("--flow-capacity", "1073741825"), -EINVAL,
			 "--flow-capacity: 1073741825 is out of range [1, 1073741824]");
	check_args_error(ARGS("--flow-capacity", "4294967296"), -EINVAL,
			 "--flow-capacity: 4294967296 is out of range [1, 1073741824]");
	check_args_error(ARGS("--mbufs", "1073741825"), -EINVAL,
			 "--mbufs: 1073741825 is out of range [0, 1073741824]");
	/* Found by fuzzing: under RFC 5103's PEN our elements read as reverse ones. */
	check_args_error(ARGS("--ipfix-pen", "29305"), -EINVAL,
			 "--ipfix-pen: 29305 is the PEN of RFC 5103's reverse elements");
}

/*
 * Collector URIs are strings here: the transport checks them, through
 * uri_check, which the application sets (test_transport.c). Without one,
 * only the count and UTF-8 are checked, and the URIs are kept in order.
 */
static void
test_conf_ipfix_uris(void)
{
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_PTR_NULL(c.uri_check);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--ipfix", "sctp://x:1", "--ipfix", "udp://h:1")), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_ipfix, 2);
	CU_ASSERT_STRING_EQUAL(c.ipfix[0], "sctp://x:1");
	CU_ASSERT_STRING_EQUAL(c.ipfix[1], "udp://h:1");
	wm_conf_free(&c);

	check_args_error(ARGS("--ipfix", "1", "--ipfix", "2", "--ipfix", "3", "--ipfix", "4",
			      "--ipfix", "5", "--ipfix", "6", "--ipfix", "7", "--ipfix", "8",
			      "--ipfix", "9"),
			 -EINVAL, "--ipfix: more than 8 collectors");
}

static void
test_conf_count_fractional(void)
{
	check_args_error(ARGS("--flow-capacity", "1.5"), -EINVAL,
			 "--flow-capacity: 1.5 is not a whole number");
	check_args_error(ARGS("--mbufs", "1073741823.5"), -EINVAL,
			 "--mbufs: 1073741823.5 is not a whole number");
}

static void
test_conf_missing_value(void)
{
	check_args_error(ARGS("--report"), -EINVAL, "--report: missing value");
	check_args_error(ARGS("--idle-timeout", "5", "--pcap"), -EINVAL, "--pcap: missing value");
	check_args_error(ARGS("-c"), -EINVAL, "-c: missing value");
}

static void
test_conf_empty_path(void)
{
	check_args_error(ARGS("--report", ""), -EINVAL, "--report: empty file name");
	check_args_error(ARGS("--flows-json="), -EINVAL, "--flows-json: empty file name");
}

static void
test_conf_unknown_option(void)
{
	check_args_error(ARGS("--bogus"), -EINVAL, "unknown option '--bogus' (see --help)");
	check_args_error(ARGS("--idle-timeout", "5", "--bogus=1"), -EINVAL,
			 "unknown option '--bogus=1' (see --help)");
	check_args_error(ARGS("-x"), -EINVAL, "unknown option '-x' (see --help)");
	/* An unknown letter inside a group of short options is named, not its group's neighbour. */
	check_args_error(ARGS("-xq"), -EINVAL, "unknown option '-x' (see --help)");
	check_args_error(ARGS("--report", "r.json", "-zq"), -EINVAL,
			 "unknown option '-z' (see --help)");
	/* A flag that takes no value, given one. */
	check_args_error(ARGS("--help=yes"), -EINVAL, "unknown option '--help=yes' (see --help)");
}

static void
test_conf_unexpected_argument(void)
{
	check_args_error(ARGS("extra"), -EINVAL, "unexpected argument 'extra' (see --help)");
	check_args_error(ARGS("--idle-timeout", "5", "extra", "--report", "r.json"), -EINVAL,
			 "unexpected argument 'extra' (see --help)");
	check_args_error(ARGS("--", "--idle-timeout"), -EINVAL,
			 "unexpected argument '--idle-timeout' (see --help)");
}

static void
test_conf_pcap_missing(void)
{
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "--pcap: cannot read '%s': No such file or directory",
		 pcap_missing);
	check_args_error(ARGS("--pcap", pcap_a, "--pcap", pcap_missing), -ENOENT, msg);
}

static void
test_conf_too_many_pcaps(void)
{
	const char *args[2 * (WM_CONF_MAX_PCAPS + 1) + 1];
	char err[ERR_LEN];
	struct wm_conf c;
	unsigned int i;

	for (i = 0; i < WM_CONF_MAX_PCAPS; i++) {
		args[2 * i] = "--pcap";
		args[2 * i + 1] = pcap_a;
	}
	args[2 * i] = NULL;
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, args), 0);
	CU_ASSERT_EQUAL(c.n_pcaps, WM_CONF_MAX_PCAPS);
	wm_conf_free(&c);

	args[2 * i] = "--pcap";
	args[2 * i + 1] = pcap_b;
	args[2 * i + 2] = NULL;
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, args), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "--pcap: more than 32 pcap files");
	CU_ASSERT_EQUAL(c.n_pcaps, WM_CONF_MAX_PCAPS);
	wm_conf_free(&c);
}

/* ---- bad config files ---- */

static void
test_conf_file_missing(void)
{
	char path[PATH_LEN], msg[ERR_LEN];
	char err[ERR_LEN];
	struct wm_conf c;

	snprintf(path, sizeof(path), "%s/missing.json", dir);
	snprintf(msg, sizeof(msg), "config %s: cannot read: No such file or directory", path);
	check_file_error(path, -ENOENT, msg);

	/* Through -c, and before any flag is looked at. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--idle-timeout", "7", "-c", path)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, msg);
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 30.0, 0.0);
	wm_conf_free(&c);
}

static void
test_conf_file_invalid_json(void)
{
	const char *path = write_file("invalid.json", "{\n\t\"idle_timeout\": 10,\n}\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "config %s: line 3 column 1: string or '}' expected near '}'",
		 path);
	check_file_error(path, -EINVAL, msg);
	check_args_error(ARGS("-c", path), -EINVAL, msg);

	path = write_file("empty.json", "");
	snprintf(msg, sizeof(msg),
		 "config %s: line 1 column 0: '[' or '{' expected near end of file", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("trailing.json", "{\"idle_timeout\": 10}\nx\n");
	snprintf(msg, sizeof(msg), "config %s: line 2 column 1: end of file expected near 'x'",
		 path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_not_object(void)
{
	const char *path = write_file("array.json", "[{\"idle_timeout\": 10}]\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "config %s: the top level must be an object", path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_unknown_key(void)
{
	const char *path = write_file("unknown_key.json", "{\"nope\": 1}\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "config %s: unknown key 'nope'", path);
	check_file_error(path, -EINVAL, msg);
	check_args_error(ARGS("-c", path), -EINVAL, msg);

	/* Keys are the JSON spelling; the flag spelling is unknown. */
	path = write_file("flag_key.json", "{\"idle-timeout\": 10}\n");
	snprintf(msg, sizeof(msg), "config %s: unknown key 'idle-timeout'", path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_wrong_type(void)
{
	const char *path = write_file("wrong_type.json", "{\"idle_timeout\": \"ten\"}\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "config %s: key 'idle_timeout': expected a number, got a string",
		 path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("wrong_type_bool.json", "{\"flow_capacity\": true}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'flow_capacity': expected a number, got another type", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("wrong_type_report.json", "{\"report\": 1}\n");
	snprintf(msg, sizeof(msg), "config %s: key 'report': expected a file name string", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("wrong_type_pcap.json", "{\"pcap\": {\"a\": 1}}\n");
	snprintf(msg, sizeof(msg), "config %s: key 'pcap': expected an array of file names", path);
	check_file_error(path, -EINVAL, msg);
}

/* flow_capacity: null is "sized from memory" (0) both ways; 0 itself stays refused. */
static void
test_conf_file_capacity_null(void)
{
	const char *path = write_file("capacity_null.json", "{\"flow_capacity\": null}\n");
	char err[ERR_LEN] = "";
	struct wm_conf c;
	json_t *j;

	wm_conf_defaults(&c);
	c.flow_capacity = 4096;
	CU_ASSERT_EQUAL_FATAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.flow_capacity, 0);
	j = wm_conf_to_json(&c);
	CU_ASSERT_TRUE(json_is_null(json_object_get(j, "flow_capacity")));
	json_decref(j);
	c.flow_capacity = 4096;
	j = wm_conf_to_json(&c);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "flow_capacity")), 4096);
	json_decref(j);
	wm_conf_free(&c);
}

static void
test_conf_file_bad_value(void)
{
	const char *path = write_file("bad_value_zero.json", "{\"flow_capacity\": 0}\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg),
		 "config %s: key 'flow_capacity': 0 is out of range [1, 1073741824]", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_value_frac.json", "{\"flow_capacity\": 1.5}\n");
	snprintf(msg, sizeof(msg), "config %s: key 'flow_capacity': 1.5 is not a whole number",
		 path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_value_neg.json", "{\"active_timeout\": -3}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'active_timeout': -3 seconds is out of range (0, 86400]", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_value_empty.json", "{\"flows_json\": \"\"}\n");
	snprintf(msg, sizeof(msg), "config %s: key 'flows_json': empty file name", path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_pcap_not_string(void)
{
	const char *path = write_conf("pcap_not_string.json", "{\"pcap\": [\"%s\", 3]}\n", pcap_a);
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg), "config %s: key 'pcap': element 1 is not a file name string",
		 path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_pcap_missing(void)
{
	const char *path = write_conf("pcap_missing.json", "{\"pcap\": [\"%s\", \"%s\"]}\n", pcap_a,
				      pcap_missing);
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg),
		 "config %s: key 'pcap': cannot read '%s': No such file or directory", path,
		 pcap_missing);
	check_file_error(path, -ENOENT, msg);
}

static void
test_conf_file_duplicate_key(void)
{
	const char *path =
		write_file("duplicate.json", "{\"idle_timeout\": 1,\n \"idle_timeout\": 2}\n");
	char msg[ERR_LEN];

	snprintf(msg, sizeof(msg),
		 "config %s: line 2 column 15: duplicate object key near '\"idle_timeout\"'", path);
	check_file_error(path, -EINVAL, msg);
}

static void
test_conf_file_too_many_pcaps(void)
{
	char text[8192], msg[ERR_LEN];
	const char *path;
	size_t len;
	unsigned int i;

	len = (size_t)snprintf(text, sizeof(text), "{\"pcap\": [");
	for (i = 0; i <= WM_CONF_MAX_PCAPS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\"%s\"",
					i == 0 ? "" : ", ", pcap_a);
	snprintf(text + len, sizeof(text) - len, "]}\n");
	CU_ASSERT_FATAL(len < sizeof(text) - 4);
	path = write_file("too_many_pcaps.json", text);
	snprintf(msg, sizeof(msg), "config %s: key 'pcap': more than 32 pcap files", path);
	check_file_error(path, -EINVAL, msg);
}

/* ---- --help, --version ---- */

static void
test_conf_help(void)
{
	static const char usage_start[] = "Usage: wiremeter [EAL options] -- [options]\n";
	char err[ERR_LEN], out[8192];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("--help"), out, sizeof(out)), WM_CONF_EXIT);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(strncmp(out, usage_start, strlen(usage_start)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  --idle-timeout S         seconds without a packet"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  --pcap FILE              meter a pcap file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  --flow-capacity N        flows per worker"));
	wm_conf_free(&c);

	/* -h, and --help before a bad flag: the help wins. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("-h", "--bogus"), out, sizeof(out)),
			WM_CONF_EXIT);
	CU_ASSERT_EQUAL(strncmp(out, usage_start, strlen(usage_start)), 0);
	wm_conf_free(&c);
}

/* --help names each value as its help does (ADDR:PORT, CERT,KEY, RULES), never a bare SPEC. */
static void
test_conf_help_arg_names(void)
{
	static const char *const lines[] = {
		"\n  --http ADDR:PORT         serve /metrics",
		"\n  --http-tls CERT,KEY      serve HTTPS",
		"\n  --iface IF               meter kernel interface",
		"\n  --xdp-filter RULES       AF_XDP prefilter",
		"\n  --ipfix-rate RATE        pace each UDP",
		"\n  --capture-on-loss BEFORE,AFTER\n",
		"\n  --trust-key PEM          load only",
		"\n  --engine ENGINE          auto (default)",
		/* Options without a name of their own keep their type's. */
		"\n  --report FILE            write the final",
	};
	char err[ERR_LEN], out[16384];
	struct wm_conf c;
	size_t i;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("--help"), out, sizeof(out)), WM_CONF_EXIT);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CU_ASSERT_PTR_NOT_NULL(strstr(out, lines[i]));
		if (strstr(out, lines[i]) == NULL)
			fprintf(stderr, "\n    --help lacks: %s\n", lines[i]);
	}
	CU_ASSERT_PTR_NULL(strstr(out, " SPEC "));
	CU_ASSERT_PTR_NULL(strstr(out, " SPEC\n"));
	wm_conf_free(&c);
}

static void
test_conf_version(void)
{
	char err[ERR_LEN], out[256];
	struct wm_conf c;
	size_t n;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("--version"), out, sizeof(out)), WM_CONF_EXIT);
	CU_ASSERT_STRING_EQUAL(err, "");
	/* The version itself is the build's; the line's shape is the library's. */
	n = strlen(out);
	CU_ASSERT_EQUAL(strncmp(out, "wiremeter ", 10), 0);
	CU_ASSERT(n > 11);
	/* One line. */
	CU_ASSERT_PTR_EQUAL(strchr(out, '\n'), out + n - 1);
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("-v"), out, sizeof(out)), WM_CONF_EXIT);
	CU_ASSERT_EQUAL(strncmp(out, "wiremeter ", 10), 0);
	wm_conf_free(&c);
}

/* ---- memory and repeated calls ---- */

/*
 * Everything the configuration can own, owned twice over (the flags
 * replace the file's strings and pcaps), then freed. LeakSanitizer
 * checks at exit that nothing is left.
 */
static void
test_conf_free_no_leak(void)
{
	const char *path = write_full_conf("free.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("-c", path, "-c", path, "--report", "r.json", "--flows-json",
				   "f.jsonl", "--pcap", pcap_a, "--pcap", pcap_b)),
			0);
	CU_ASSERT_PTR_NOT_NULL(c.config_file);
	CU_ASSERT_EQUAL(c.n_pcaps, 2);
	wm_conf_free(&c);
	CU_ASSERT_PTR_NULL(c.flows_json);
	CU_ASSERT_PTR_NULL(c.report);
	CU_ASSERT_PTR_NULL(c.config_file);
	CU_ASSERT_EQUAL(c.n_pcaps, 0);
	/* A second free of a freed configuration is harmless. */
	wm_conf_free(&c);

	/* An error after allocations leaves them for wm_conf_free. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(
		parse(&c, err,
		      ARGS("-c", path, "--report", "r.json", "--pcap", pcap_c, "--mbufs", "-1")),
		-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "--mbufs: -1 is out of range [0, 1073741824]");
	wm_conf_free(&c);
}

static void
test_conf_repeated_calls(void)
{
	const char *path = write_full_conf("repeated.json");
	char err[ERR_LEN], out[8192];
	struct wm_conf c;
	unsigned int i;

	/* The same arguments, parsed again and again, give the same result. */
	for (i = 0; i < 3; i++) {
		wm_conf_defaults(&c);
		CU_ASSERT_EQUAL(parse(&c, err,
				      ARGS("--idle-timeout", "7", "-c", path, "--flow-capacity",
					   "100", "--report", "flag_report.json")),
				0);
		check_overridden(&c, path);
		wm_conf_free(&c);
	}

	/* A parse that stopped at an error does not disturb the next. */
	check_args_error(ARGS("--bogus", "--idle-timeout", "7"), -EINVAL,
			 "unknown option '--bogus' (see --help)");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--idle-timeout", "8")), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 8.0, 0.0);
	wm_conf_free(&c);

	/*
	 * -hv stops at 'h' with 'v' still pending inside "-hv"; the next call
	 * must start afresh and not resume in that group (and so miss its -c).
	 */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("-hv"), out, sizeof(out)), WM_CONF_EXIT);
	CU_ASSERT_EQUAL(strncmp(out, "Usage: ", 7), 0);
	wm_conf_free(&c);
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_PTR_NOT_NULL(c.config_file);
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 12.5, 0.0);
	wm_conf_free(&c);

	/* The same after an unknown letter inside a group. */
	check_args_error(ARGS("-xq"), -EINVAL, "unknown option '-x' (see --help)");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--idle-timeout", "9")), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_DOUBLE_EQUAL(c.idle_timeout, 9.0, 0.0);
	CU_ASSERT_EQUAL(c.flow_capacity, 4096);
	wm_conf_free(&c);
}

/* ---- sequence-gap tracking: the "seq" object and the --seq-* flags ---- */

/* Assert that @p c holds exactly the sequence defaults (SEQUENCE.md). */
static void
check_seq_defaults(const struct wm_conf *c)
{
	static const struct {
		uint32_t window;
		double jump;
	} want[WM_CONF_SEQ_KINDS] = {
		[WM_CONF_SEQ_MACSEC] = {960, 1073741824.0},
		[WM_CONF_SEQ_ESP] = {960, 1073741824.0},
		[WM_CONF_SEQ_RTP] = {100, 3000.0},
		[WM_CONF_SEQ_TESTER] = {960, 1048576.0},
	};
	unsigned int k;

	CU_ASSERT_PTR_NULL(c->gaps_json);
	CU_ASSERT_EQUAL(c->seq_streams, 65536);
	for (k = 0; k < WM_CONF_SEQ_KINDS; k++) {
		CU_ASSERT_EQUAL(c->seq[k].window, want[k].window);
		CU_ASSERT_EQUAL(c->seq[k].restart_k, 2);
		CU_ASSERT_DOUBLE_EQUAL(c->seq[k].jump, want[k].jump, 0.0);
		CU_ASSERT_EQUAL(c->seq[k].ext64, 0);
	}
	CU_ASSERT_EQUAL_FATAL(c->n_rtp_ports, 1);
	CU_ASSERT_EQUAL(c->rtp_ports[0].first, 5004);
	CU_ASSERT_EQUAL(c->rtp_ports[0].last, 5005);
	CU_ASSERT_EQUAL(c->rtp_heuristic, 0);
	CU_ASSERT_EQUAL(c->n_tester_ports, 0);
	CU_ASSERT_EQUAL(c->tester_any_udp, 1);
	CU_ASSERT_EQUAL(c->n_esn_spis, 0);
	CU_ASSERT_EQUAL(c->n_xpn_scis, 0);
}

static void
check_ports(const struct wm_conf_port_range *r, unsigned int n, unsigned int want_n,
	    const uint16_t (*want)[2])
{
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(n, want_n);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(r[i].first, want[i][0]);
		CU_ASSERT_EQUAL(r[i].last, want[i][1]);
	}
}

static void
test_conf_seq_defaults(void)
{
	const char *path = write_file("seq_other_keys.json", "{\"idle_timeout\": 9}\n");
	char err[ERR_LEN] = "";
	struct wm_conf c;

	memset(&c, 0x5a, sizeof(c));
	wm_conf_defaults(&c);
	check_seq_defaults(&c);
	wm_conf_free(&c);
	check_seq_defaults(&c);

	/* Neither other flags nor a file without "seq" touch them. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--flow-capacity", "10")), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_seq_defaults(&c);
	wm_conf_free(&c);

	/* An empty "seq" object, and empty kind objects, change nothing either. */
	path = write_file("seq_empty.json", "{\"seq\": {\"esp\": {}, \"rtp\": {}}}\n");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_seq_defaults(&c);
	wm_conf_free(&c);
}

static void
test_conf_seq_flags_all(void)
{
	static const uint16_t rtp[][2] = {{5004, 5005}, {6000, 6000}, {1, 65535}};
	static const uint16_t tester[][2] = {{4000, 4009}};
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(
		parse(&c, err,
		      ARGS("--gaps-json", "gaps.jsonl", "--seq-streams", "16777216",
			   "--seq-rtp-ports", "5004-5005,6000,1-65535", "--seq-rtp-heuristic", "on",
			   "--seq-tester-ports", "4000-4009", "--seq-tester-any-udp", "off",
			   "--seq-macsec-window", "32768", "--seq-macsec-jump", "9007199254740992",
			   "--seq-macsec-restart-k", "8", "--seq-macsec-xpn", "on",
			   "--seq-macsec-xpn-scis", "0011223344550001,0xAABBCCDDEEFF0002",
			   "--seq-esp-window", "1", "--seq-esp-jump", "1", "--seq-esp-restart-k",
			   "1", "--seq-esp-esn", "on", "--seq-esp-esn-spis",
			   "0x1001,4098,4294967295", "--seq-rtp-window", "200", "--seq-rtp-jump",
			   "6000", "--seq-rtp-restart-k", "3", "--seq-tester-window", "64",
			   "--seq-tester-jump", "1000000", "--seq-tester-restart-k", "4")),
		0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.gaps_json);
	CU_ASSERT_STRING_EQUAL(c.gaps_json, "gaps.jsonl");
	CU_ASSERT_EQUAL(c.seq_streams, 1u << 24);
	check_ports(c.rtp_ports, c.n_rtp_ports, 3, rtp);
	CU_ASSERT_EQUAL(c.rtp_heuristic, 1);
	check_ports(c.tester_ports, c.n_tester_ports, 1, tester);
	CU_ASSERT_EQUAL(c.tester_any_udp, 0);

	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_MACSEC].window, 32768);
	CU_ASSERT_DOUBLE_EQUAL(c.seq[WM_CONF_SEQ_MACSEC].jump, 9007199254740992.0, 0.0);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_MACSEC].restart_k, 8);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_MACSEC].ext64, 1);
	CU_ASSERT_EQUAL_FATAL(c.n_xpn_scis, 2);
	CU_ASSERT(c.xpn_scis[0] == UINT64_C(0x0011223344550001));
	CU_ASSERT(c.xpn_scis[1] == UINT64_C(0xAABBCCDDEEFF0002));

	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].window, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.seq[WM_CONF_SEQ_ESP].jump, 1.0, 0.0);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].restart_k, 1);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].ext64, 1);
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 3);
	CU_ASSERT_EQUAL(c.esn_spis[0], 0x1001);
	CU_ASSERT_EQUAL(c.esn_spis[1], 4098);
	CU_ASSERT_EQUAL(c.esn_spis[2], UINT32_MAX);

	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_RTP].window, 200);
	CU_ASSERT_DOUBLE_EQUAL(c.seq[WM_CONF_SEQ_RTP].jump, 6000.0, 0.0);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_RTP].restart_k, 3);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_RTP].ext64, 0);

	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_TESTER].window, 64);
	CU_ASSERT_DOUBLE_EQUAL(c.seq[WM_CONF_SEQ_TESTER].jump, 1000000.0, 0.0);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_TESTER].restart_k, 4);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_TESTER].ext64, 0);
	wm_conf_free(&c);
	CU_ASSERT_PTR_NULL(c.gaps_json);
}

/* on|off both ways, and the last of a repeated flag wins, lists included. */
static void
test_conf_seq_flags_bool_and_last_wins(void)
{
	static const uint16_t last[][2] = {{7000, 7001}};
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--seq-rtp-heuristic", "on", "--seq-rtp-heuristic=off",
				   "--seq-tester-any-udp", "off", "--seq-tester-any-udp", "on",
				   "--seq-esp-esn", "on", "--seq-esp-esn", "off", "--seq-rtp-ports",
				   "6000,6001,6002", "--seq-rtp-ports", "7000-7001",
				   "--seq-esp-esn-spis", "1,2", "--seq-esp-esn-spis", "3")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(c.rtp_heuristic, 0);
	CU_ASSERT_EQUAL(c.tester_any_udp, 1);
	CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].ext64, 0);
	check_ports(c.rtp_ports, c.n_rtp_ports, 1, last);
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 1);
	CU_ASSERT_EQUAL(c.esn_spis[0], 3);
	wm_conf_free(&c);
}

/* Lists at their limits: the most ranges and IDs, the widest values, both hex cases. */
static void
test_conf_seq_list_limits(void)
{
	static const uint16_t eight[][2] = {{1, 1},	  {2, 3},	{10, 20},	{100, 100},
					    {5004, 5005}, {6000, 6009}, {65535, 65535}, {1, 65535}};
	char spis[WM_CONF_MAX_SEQ_IDS * 12], scis[WM_CONF_MAX_SEQ_IDS * 20];
	char err[ERR_LEN];
	struct wm_conf c;
	size_t ls = 0, lc = 0;
	unsigned int i;

	for (i = 0; i < WM_CONF_MAX_SEQ_IDS; i++) {
		ls += (size_t)snprintf(spis + ls, sizeof(spis) - ls, "%s%u", i == 0 ? "" : ",",
				       i + 1);
		lc += (size_t)snprintf(scis + lc, sizeof(scis) - lc, "%s%016x", i == 0 ? "" : ",",
				       i);
	}
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--seq-rtp-ports",
				   "1,2-3,10-20,100-100,5004-5005,6000-6009,"
				   "65535,1-65535",
				   "--seq-esp-esn-spis", spis, "--seq-macsec-xpn-scis", scis)),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_ports(c.rtp_ports, c.n_rtp_ports, WM_CONF_MAX_PORT_RANGES, eight);
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, WM_CONF_MAX_SEQ_IDS);
	CU_ASSERT_EQUAL_FATAL(c.n_xpn_scis, WM_CONF_MAX_SEQ_IDS);
	for (i = 0; i < WM_CONF_MAX_SEQ_IDS; i++) {
		CU_ASSERT_EQUAL(c.esn_spis[i], i + 1);
		CU_ASSERT(c.xpn_scis[i] == i);
	}
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("--seq-esp-esn-spis", "0XfFfFfFfF,0x1,007",
				   "--seq-macsec-xpn-scis", "0Xffffffffffffffff,aBcDeF0123456789")),
			0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 3);
	CU_ASSERT_EQUAL(c.esn_spis[0], UINT32_MAX);
	CU_ASSERT_EQUAL(c.esn_spis[1], 1);
	/* A leading 0 is decimal, not octal. */
	CU_ASSERT_EQUAL(c.esn_spis[2], 7);
	CU_ASSERT_EQUAL_FATAL(c.n_xpn_scis, 2);
	CU_ASSERT(c.xpn_scis[0] == UINT64_MAX);
	CU_ASSERT(c.xpn_scis[1] == UINT64_C(0xabcdef0123456789));
	wm_conf_free(&c);
}

/* Several kinds at once in nested objects, lists in every JSON form. */
static const char *
write_seq_conf(const char *name)
{
	return write_conf(name,
			  "{\n"
			  "\t\"idle_timeout\": 11,\n"
			  "\t\"gaps_json\": \"%s/file_gaps.jsonl\",\n"
			  "\t\"seq\": {\n"
			  "\t\t\"streams\": 1024,\n"
			  "\t\t\"rtp_ports\": [5004, \"6000-6009\", 7000.0],\n"
			  "\t\t\"rtp_heuristic\": true,\n"
			  "\t\t\"tester_ports\": \"4000-4001,4500\",\n"
			  "\t\t\"tester_any_udp\": false,\n"
			  "\t\t\"macsec\": {\"window\": 2048, \"xpn\": true,\n"
			  "\t\t\t\"xpn_scis\": [\"0011223344550001\", \"0x0011223344550002\"]},\n"
			  "\t\t\"esp\": {\"window\": 64, \"jump\": 4294967296, \"restart_k\": 3,\n"
			  "\t\t\t\"esn\": true, \"esn_spis\": [4097, \"0x1002\", \"4099\"]},\n"
			  "\t\t\"rtp\": {\"jump\": 100, \"restart_k\": 4},\n"
			  "\t\t\"tester\": {\"window\": 128, \"jump\": 65536.0}\n"
			  "\t}\n"
			  "}\n",
			  dir);
}

static void
check_seq_conf(const struct wm_conf *c)
{
	static const uint16_t rtp[][2] = {{5004, 5004}, {6000, 6009}, {7000, 7000}};
	static const uint16_t tester[][2] = {{4000, 4001}, {4500, 4500}};
	char path[PATH_LEN];

	CU_ASSERT_DOUBLE_EQUAL(c->idle_timeout, 11.0, 0.0);
	snprintf(path, sizeof(path), "%s/file_gaps.jsonl", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->gaps_json);
	CU_ASSERT_STRING_EQUAL(c->gaps_json, path);
	CU_ASSERT_EQUAL(c->seq_streams, 1024);
	check_ports(c->rtp_ports, c->n_rtp_ports, 3, rtp);
	CU_ASSERT_EQUAL(c->rtp_heuristic, 1);
	check_ports(c->tester_ports, c->n_tester_ports, 2, tester);
	CU_ASSERT_EQUAL(c->tester_any_udp, 0);

	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_MACSEC].window, 2048);
	CU_ASSERT_DOUBLE_EQUAL(c->seq[WM_CONF_SEQ_MACSEC].jump, 1073741824.0, 0.0);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_MACSEC].restart_k, 2);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_MACSEC].ext64, 1);
	CU_ASSERT_EQUAL_FATAL(c->n_xpn_scis, 2);
	CU_ASSERT(c->xpn_scis[0] == UINT64_C(0x0011223344550001));
	CU_ASSERT(c->xpn_scis[1] == UINT64_C(0x0011223344550002));

	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_ESP].window, 64);
	CU_ASSERT_DOUBLE_EQUAL(c->seq[WM_CONF_SEQ_ESP].jump, 4294967296.0, 0.0);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_ESP].restart_k, 3);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_ESP].ext64, 1);
	CU_ASSERT_EQUAL_FATAL(c->n_esn_spis, 3);
	CU_ASSERT_EQUAL(c->esn_spis[0], 4097);
	CU_ASSERT_EQUAL(c->esn_spis[1], 0x1002);
	CU_ASSERT_EQUAL(c->esn_spis[2], 4099);

	/* What a kind's object leaves out keeps its default. */
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_RTP].window, 100);
	CU_ASSERT_DOUBLE_EQUAL(c->seq[WM_CONF_SEQ_RTP].jump, 100.0, 0.0);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_RTP].restart_k, 4);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_TESTER].window, 128);
	CU_ASSERT_DOUBLE_EQUAL(c->seq[WM_CONF_SEQ_TESTER].jump, 65536.0, 0.0);
	CU_ASSERT_EQUAL(c->seq[WM_CONF_SEQ_TESTER].restart_k, 2);
}

static void
test_conf_seq_file_nested(void)
{
	const char *path = write_seq_conf("seq_nested.json");
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_seq_conf(&c);
	wm_conf_free(&c);

	/* The same through -c. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_seq_conf(&c);
	wm_conf_free(&c);
}

/* Other JSON forms of a list: [] is none, a lone number or string is one list. */
static void
test_conf_seq_file_list_forms(void)
{
	static const uint16_t one[][2] = {{6000, 6000}};
	static const uint16_t two[][2] = {{6000, 6009}, {7000, 7000}};
	const char *path = write_file("seq_list_empty.json",
				      "{\"seq\": {\"rtp_ports\": [], \"esp\": {\"esn_spis\": []},\n"
				      " \"macsec\": {\"xpn_scis\": []}}}\n");
	char err[ERR_LEN] = "";
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(c.n_rtp_ports, 0);
	CU_ASSERT_EQUAL(c.n_esn_spis, 0);
	CU_ASSERT_EQUAL(c.n_xpn_scis, 0);
	wm_conf_free(&c);

	path = write_file("seq_list_number.json",
			  "{\"seq\": {\"rtp_ports\": 6000, \"esp\": {\"esn_spis\": 4096},\n"
			  " \"macsec\": {\"xpn_scis\": \"0011223344550001,0011223344550002\"}}}\n");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_ports(c.rtp_ports, c.n_rtp_ports, 1, one);
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 1);
	CU_ASSERT_EQUAL(c.esn_spis[0], 4096);
	CU_ASSERT_EQUAL_FATAL(c.n_xpn_scis, 2);
	CU_ASSERT(c.xpn_scis[1] == UINT64_C(0x0011223344550002));
	wm_conf_free(&c);

	path = write_file("seq_list_string.json",
			  "{\"seq\": {\"rtp_ports\": \"6000-6009,7000\", \"esp\": {\"esn_spis\": "
			  "\"0x10,16\"}}}\n");
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	check_ports(c.rtp_ports, c.n_rtp_ports, 2, two);
	CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 2);
	CU_ASSERT_EQUAL(c.esn_spis[0], 16);
	CU_ASSERT_EQUAL(c.esn_spis[1], 16);
	wm_conf_free(&c);
}

static void
test_conf_seq_flags_override_file(void)
{
	static const uint16_t file_tester[][2] = {{4000, 4001}, {4500, 4500}};
	static const uint16_t flag_rtp[][2] = {{8000, 8001}};
	const char *path = write_seq_conf("seq_override.json");
	char err[ERR_LEN];
	struct wm_conf c;
	unsigned int i;

	/* Flags before and after -c both win over the file. */
	for (i = 0; i < 2; i++) {
		const char *const *args =
			i == 0 ? ARGS("-c", path, "--seq-esp-window", "512", "--seq-rtp-ports",
				      "8000-8001", "--seq-esp-esn", "off", "--seq-esp-esn-spis",
				      "0x2001", "--gaps-json", "flag_gaps.jsonl")
			       : ARGS("--seq-esp-window", "512", "--seq-rtp-ports", "8000-8001",
				      "--seq-esp-esn", "off", "--seq-esp-esn-spis", "0x2001",
				      "--gaps-json", "flag_gaps.jsonl", "-c", path);

		wm_conf_defaults(&c);
		CU_ASSERT_EQUAL(parse(&c, err, args), 0);
		CU_ASSERT_STRING_EQUAL(err, "");
		CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].window, 512);
		CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].ext64, 0);
		/* A list flag replaces the file's list; it does not add to it. */
		check_ports(c.rtp_ports, c.n_rtp_ports, 1, flag_rtp);
		CU_ASSERT_EQUAL_FATAL(c.n_esn_spis, 1);
		CU_ASSERT_EQUAL(c.esn_spis[0], 0x2001);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c.gaps_json);
		CU_ASSERT_STRING_EQUAL(c.gaps_json, "flag_gaps.jsonl");
		/* What the flags did not name comes from the file, within a kind too. */
		CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_ESP].restart_k, 3);
		CU_ASSERT_DOUBLE_EQUAL(c.seq[WM_CONF_SEQ_ESP].jump, 4294967296.0, 0.0);
		CU_ASSERT_EQUAL(c.seq[WM_CONF_SEQ_MACSEC].window, 2048);
		CU_ASSERT_EQUAL(c.n_xpn_scis, 2);
		check_ports(c.tester_ports, c.n_tester_ports, 2, file_tester);
		CU_ASSERT_EQUAL(c.rtp_heuristic, 1);
		CU_ASSERT_EQUAL(c.seq_streams, 1024);
		wm_conf_free(&c);
	}
}

static void
test_conf_seq_bad_flags(void)
{
	char many[256];
	unsigned int i;
	size_t len = 0;

	/* Port lists. */
	check_args_error(ARGS("--seq-rtp-ports", "6000-5000"), -EINVAL,
			 "--seq-rtp-ports: range '6000-5000' has its first port above its last");
	check_args_error(ARGS("--seq-rtp-ports", "0"), -EINVAL,
			 "--seq-rtp-ports: port 0 is out of range [1, 65535]");
	check_args_error(ARGS("--seq-rtp-ports", "70000"), -EINVAL,
			 "--seq-rtp-ports: port 70000 is out of range [1, 65535]");
	check_args_error(ARGS("--seq-tester-ports", "5004-65536"), -EINVAL,
			 "--seq-tester-ports: port 65536 is out of range [1, 65535]");
	check_args_error(ARGS("--seq-rtp-ports", "0-10"), -EINVAL,
			 "--seq-rtp-ports: port 0 is out of range [1, 65535]");
	check_args_error(
		ARGS("--seq-rtp-ports", "99999999999999999999999"), -EINVAL,
		"--seq-rtp-ports: port 99999999999999999999999 is out of range [1, 65535]");
	check_args_error(ARGS("--seq-rtp-ports", ""), -EINVAL, "--seq-rtp-ports: empty list");
	check_args_error(ARGS("--seq-tester-ports="), -EINVAL, "--seq-tester-ports: empty list");
	check_args_error(ARGS("--seq-rtp-ports", "5004,"), -EINVAL,
			 "--seq-rtp-ports: empty element in '5004,'");
	check_args_error(ARGS("--seq-rtp-ports", "5004,,6000"), -EINVAL,
			 "--seq-rtp-ports: empty element in '5004,,6000'");
	check_args_error(ARGS("--seq-rtp-ports", "rtp"), -EINVAL,
			 "--seq-rtp-ports: 'rtp' is not a port or a port range");
	check_args_error(ARGS("--seq-rtp-ports", "5004-"), -EINVAL,
			 "--seq-rtp-ports: '5004-' is not a port or a port range");
	check_args_error(ARGS("--seq-rtp-ports", "-5004"), -EINVAL,
			 "--seq-rtp-ports: '-5004' is not a port or a port range");
	check_args_error(ARGS("--seq-rtp-ports", "1-2-3"), -EINVAL,
			 "--seq-rtp-ports: '1-2-3' is not a port or a port range");
	check_args_error(ARGS("--seq-rtp-ports", "5004, 6000"), -EINVAL,
			 "--seq-rtp-ports: ' 6000' is not a port or a port range");
	for (i = 0; i <= WM_CONF_MAX_PORT_RANGES; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%s%u", i == 0 ? "" : ",",
					6000 + i);
	check_args_error(ARGS("--seq-rtp-ports", many), -EINVAL,
			 "--seq-rtp-ports: more than 8 port ranges");

	/* on|off. */
	check_args_error(ARGS("--seq-rtp-heuristic", "maybe"), -EINVAL,
			 "--seq-rtp-heuristic: 'maybe' is not on or off");
	check_args_error(ARGS("--seq-tester-any-udp", "true"), -EINVAL,
			 "--seq-tester-any-udp: 'true' is not on or off");
	check_args_error(ARGS("--seq-esp-esn", "ON"), -EINVAL,
			 "--seq-esp-esn: 'ON' is not on or off");
	check_args_error(ARGS("--seq-macsec-xpn="), -EINVAL,
			 "--seq-macsec-xpn: '' is not on or off");

	/* SCIs and SPIs. */
	check_args_error(ARGS("--seq-macsec-xpn-scis", "001122334455000"), -EINVAL,
			 "--seq-macsec-xpn-scis: '001122334455000' is not an SCI (16 hex digits)");
	check_args_error(
		ARGS("--seq-macsec-xpn-scis", "00112233445500010"), -EINVAL,
		"--seq-macsec-xpn-scis: '00112233445500010' is not an SCI (16 hex digits)");
	check_args_error(ARGS("--seq-macsec-xpn-scis", "0011223344550001,001122334455000g"),
			 -EINVAL,
			 "--seq-macsec-xpn-scis: '001122334455000g' is not an SCI (16 hex digits)");
	check_args_error(
		ARGS("--seq-macsec-xpn-scis", "0x001122334455000"), -EINVAL,
		"--seq-macsec-xpn-scis: '0x001122334455000' is not an SCI (16 hex digits)");
	check_args_error(ARGS("--seq-macsec-xpn-scis", ""), -EINVAL,
			 "--seq-macsec-xpn-scis: empty list");
	check_args_error(ARGS("--seq-esp-esn-spis", "0"), -EINVAL,
			 "--seq-esp-esn-spis: SPI 0 is out of range [1, 4294967295]");
	check_args_error(ARGS("--seq-esp-esn-spis", "4096,0x0"), -EINVAL,
			 "--seq-esp-esn-spis: SPI 0x0 is out of range [1, 4294967295]");
	check_args_error(ARGS("--seq-esp-esn-spis", "4294967296"), -EINVAL,
			 "--seq-esp-esn-spis: SPI 4294967296 is out of range [1, 4294967295]");
	check_args_error(ARGS("--seq-esp-esn-spis", "0x100000000"), -EINVAL,
			 "--seq-esp-esn-spis: SPI 0x100000000 is out of range [1, 4294967295]");
	check_args_error(ARGS("--seq-esp-esn-spis", "0x"), -EINVAL,
			 "--seq-esp-esn-spis: '0x' is not an SPI");
	check_args_error(ARGS("--seq-esp-esn-spis", "12ab"), -EINVAL,
			 "--seq-esp-esn-spis: '12ab' is not an SPI");
	check_args_error(ARGS("--seq-esp-esn-spis", "-1"), -EINVAL,
			 "--seq-esp-esn-spis: '-1' is not an SPI");

	/* Windows, jumps, restart K, streams. */
	check_args_error(ARGS("--seq-esp-window", "0"), -EINVAL,
			 "--seq-esp-window: 0 is out of range [1, 32768]");
	check_args_error(ARGS("--seq-macsec-window", "40000"), -EINVAL,
			 "--seq-macsec-window: 40000 is out of range [1, 32768]");
	check_args_error(ARGS("--seq-rtp-window", "64.5"), -EINVAL,
			 "--seq-rtp-window: 64.5 is not a whole number");
	check_args_error(ARGS("--seq-tester-window", "w"), -EINVAL,
			 "--seq-tester-window: 'w' is not a whole number");
	check_args_error(ARGS("--seq-rtp-restart-k", "9"), -EINVAL,
			 "--seq-rtp-restart-k: 9 is out of range [1, 8]");
	check_args_error(ARGS("--seq-esp-restart-k", "0"), -EINVAL,
			 "--seq-esp-restart-k: 0 is out of range [1, 8]");
	check_args_error(ARGS("--seq-macsec-jump", "0"), -EINVAL,
			 "--seq-macsec-jump: 0 is out of range [1, 9007199254740992]");
	check_args_error(ARGS("--seq-tester-jump", "1.5"), -EINVAL,
			 "--seq-tester-jump: 1.5 is not a whole number");
	check_args_error(ARGS("--seq-esp-jump", "9007199254740994"), -EINVAL,
			 "--seq-esp-jump: 9007199254740994 is out of range [1, 9007199254740992]");
	check_args_error(ARGS("--seq-rtp-jump", "-3000"), -EINVAL,
			 "--seq-rtp-jump: -3000 is out of range [1, 9007199254740992]");
	check_args_error(ARGS("--seq-rtp-jump", "2^30"), -EINVAL,
			 "--seq-rtp-jump: '2^30' is not a whole number");
	check_args_error(ARGS("--seq-streams", "-1"), -EINVAL,
			 "--seq-streams: -1 is out of range [0, 16777216]");
	check_args_error(ARGS("--seq-streams", "16777217"), -EINVAL,
			 "--seq-streams: 16777217 is out of range [0, 16777216]");
	check_args_error(ARGS("--gaps-json", ""), -EINVAL, "--gaps-json: empty file name");
	check_args_error(ARGS("--seq-esp-window"), -EINVAL, "--seq-esp-window: missing value");
}

/* Too many SPIs or SCIs, and a bad list leaves the old one in place. */
static void
test_conf_seq_too_many_ids(void)
{
	char spis[(WM_CONF_MAX_SEQ_IDS + 1) * 12], scis[(WM_CONF_MAX_SEQ_IDS + 1) * 20];
	char err[ERR_LEN];
	struct wm_conf c;
	size_t ls = 0, lc = 0;
	unsigned int i;

	for (i = 0; i <= WM_CONF_MAX_SEQ_IDS; i++) {
		ls += (size_t)snprintf(spis + ls, sizeof(spis) - ls, "%s%u", i == 0 ? "" : ",",
				       i + 1);
		lc += (size_t)snprintf(scis + lc, sizeof(scis) - lc, "%s%016x", i == 0 ? "" : ",",
				       i);
	}
	check_args_error(ARGS("--seq-esp-esn-spis", spis), -EINVAL,
			 "--seq-esp-esn-spis: more than 64 SPIs");
	check_args_error(ARGS("--seq-macsec-xpn-scis", scis), -EINVAL,
			 "--seq-macsec-xpn-scis: more than 64 SCIs");

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--seq-rtp-ports", "5004,0")), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "--seq-rtp-ports: port 0 is out of range [1, 65535]");
	check_seq_defaults(&c);
	wm_conf_free(&c);
}

/* Load @p text as dir/@p name, expect -EINVAL and "config PATH: " + @p msg. */
static void
check_json_error(const char *name, const char *text, const char *msg)
{
	const char *path = write_file(name, text);
	char full[ERR_LEN];

	snprintf(full, sizeof(full), "config %s: %s", path, msg);
	check_file_error(path, -EINVAL, full);
}

static void
test_conf_seq_file_bad_structure(void)
{
	check_json_error("seq_unknown_nested.json", "{\"seq\": {\"esp\": {\"windwo\": 960}}}",
			 "unknown key 'seq.esp.windwo'");
	check_json_error("seq_unknown_kind.json", "{\"seq\": {\"ipsec\": {\"window\": 960}}}",
			 "unknown key 'seq.ipsec'");
	check_json_error("seq_unknown_member.json", "{\"seq\": {\"stream\": 1}}",
			 "unknown key 'seq.stream'");
	check_json_error("seq_not_object.json", "{\"seq\": 5}",
			 "key 'seq': expected an object, got a number");
	check_json_error("seq_array.json", "{\"seq\": [1]}",
			 "key 'seq': expected an object, got an array");
	check_json_error("seq_null.json", "{\"seq\": null}",
			 "key 'seq': expected an object, got another type");
	check_json_error("seq_esp_array.json", "{\"seq\": {\"esp\": []}}",
			 "key 'seq.esp': expected an object, got an array");
	check_json_error("seq_esp_string.json", "{\"seq\": {\"esp\": \"on\"}}",
			 "key 'seq.esp': expected an object, got a string");
	/* An object where a value belongs. */
	check_json_error("seq_streams_object.json", "{\"seq\": {\"streams\": {\"n\": 1}}}",
			 "key 'seq.streams': expected a number, got an object");
	check_json_error("seq_window_object.json", "{\"seq\": {\"rtp\": {\"window\": {}}}}",
			 "key 'seq.rtp.window': expected a number, got an object");
	check_json_error("seq_esn_object.json", "{\"seq\": {\"esp\": {\"esn\": {}}}}",
			 "key 'seq.esp.esn': expected true or false, got an object");
	check_json_error("seq_ports_object.json", "{\"seq\": {\"rtp_ports\": {\"a\": 5004}}}",
			 "key 'seq.rtp_ports': expected an array of ports and port ranges, got an "
			 "object");
	/* A dotted name is not a shortcut for nesting, at any depth. */
	check_json_error("seq_dotted.json", "{\"seq.streams\": 5}",
			 "key 'seq.streams': use nested objects, not a '.' in a name");
	check_json_error("seq_dotted_inner.json", "{\"seq\": {\"esp.window\": 5}}",
			 "key 'seq.esp.window': use nested objects, not a '.' in a name");
	check_json_error("seq_dotted_unknown.json", "{\"a.b\": 5}", "unknown key 'a.b'");
	check_json_error("seq_dotted_flat.json", "{\"idle.timeout\": 5}",
			 "unknown key 'idle.timeout'");
	/* A flat key inside "seq" is unknown there, and a nested one at the top. */
	check_json_error("seq_flat_inside.json", "{\"seq\": {\"idle_timeout\": 5}}",
			 "unknown key 'seq.idle_timeout'");
	check_json_error("seq_nested_top.json", "{\"window\": 5}", "unknown key 'window'");
	check_json_error("seq_deep.json", "{\"seq\": {\"esp\": {\"window\": {\"x\": 1}}}}",
			 "key 'seq.esp.window': expected a number, got an object");
}

static void
test_conf_seq_file_bad_value(void)
{
	char text[4096];
	size_t len;
	unsigned int i;

	check_json_error(
		"seq_bad_range.json", "{\"seq\": {\"rtp_ports\": [5004, \"6000-5000\"]}}",
		"key 'seq.rtp_ports': range '6000-5000' has its first port above its last");
	check_json_error("seq_port0.json", "{\"seq\": {\"rtp_ports\": [0]}}",
			 "key 'seq.rtp_ports': port 0 is out of range [1, 65535]");
	check_json_error("seq_port70000.json", "{\"seq\": {\"tester_ports\": 70000}}",
			 "key 'seq.tester_ports': port 70000 is out of range [1, 65535]");
	check_json_error("seq_port_frac.json", "{\"seq\": {\"rtp_ports\": [5004.5]}}",
			 "key 'seq.rtp_ports': '5004.5' is not a port or a port range");
	check_json_error("seq_port_neg.json", "{\"seq\": {\"rtp_ports\": [-1]}}",
			 "key 'seq.rtp_ports': '-1' is not a port or a port range");
	check_json_error("seq_port_bool.json", "{\"seq\": {\"rtp_ports\": [5004, true]}}",
			 "key 'seq.rtp_ports': element 1 is not a port or a port range");
	check_json_error("seq_port_nested.json", "{\"seq\": {\"rtp_ports\": [[5004]]}}",
			 "key 'seq.rtp_ports': element 0 is not a port or a port range");
	/* In an array a string is one element; a comma list is a lone string. */
	check_json_error("seq_port_commas.json", "{\"seq\": {\"rtp_ports\": [\"5004,6000\"]}}",
			 "key 'seq.rtp_ports': '5004,6000' is not a port or a port range");
	check_json_error("seq_port_empty.json", "{\"seq\": {\"rtp_ports\": \"\"}}",
			 "key 'seq.rtp_ports': empty list");
	len = (size_t)snprintf(text, sizeof(text), "{\"seq\": {\"rtp_ports\": [");
	for (i = 0; i <= WM_CONF_MAX_PORT_RANGES; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%u", i == 0 ? "" : ", ",
					6000 + i);
	snprintf(text + len, sizeof(text) - len, "]}}");
	check_json_error("seq_too_many_ports.json", text,
			 "key 'seq.rtp_ports': more than 8 port ranges");

	check_json_error("seq_heuristic_string.json", "{\"seq\": {\"rtp_heuristic\": \"on\"}}",
			 "key 'seq.rtp_heuristic': expected true or false, got a string");
	check_json_error("seq_any_udp_number.json", "{\"seq\": {\"tester_any_udp\": 1}}",
			 "key 'seq.tester_any_udp': expected true or false, got a number");
	check_json_error("seq_xpn_null.json", "{\"seq\": {\"macsec\": {\"xpn\": null}}}",
			 "key 'seq.macsec.xpn': expected true or false, got another type");

	check_json_error(
		"seq_sci_short.json",
		"{\"seq\": {\"macsec\": {\"xpn_scis\": [\"001122334455000\"]}}}",
		"key 'seq.macsec.xpn_scis': '001122334455000' is not an SCI (16 hex digits)");
	check_json_error(
		"seq_sci_nonhex.json",
		"{\"seq\": {\"macsec\": {\"xpn_scis\": [\"00112233445566zz\"]}}}",
		"key 'seq.macsec.xpn_scis': '00112233445566zz' is not an SCI (16 hex digits)");
	check_json_error("seq_sci_number.json", "{\"seq\": {\"macsec\": {\"xpn_scis\": [1]}}}",
			 "key 'seq.macsec.xpn_scis': element 0 is not an SCI string");
	check_json_error("seq_sci_lone_number.json", "{\"seq\": {\"macsec\": {\"xpn_scis\": 1}}}",
			 "key 'seq.macsec.xpn_scis': expected an array of SCIs, got a number");
	check_json_error("seq_spi0.json", "{\"seq\": {\"esp\": {\"esn_spis\": [4096, 0]}}}",
			 "key 'seq.esp.esn_spis': SPI 0 is out of range [1, 4294967295]");
	check_json_error("seq_spi_big.json", "{\"seq\": {\"esp\": {\"esn_spis\": [4294967296]}}}",
			 "key 'seq.esp.esn_spis': SPI 4294967296 is out of range [1, 4294967295]");
	check_json_error("seq_spi_hex0.json", "{\"seq\": {\"esp\": {\"esn_spis\": [\"0x0\"]}}}",
			 "key 'seq.esp.esn_spis': SPI 0x0 is out of range [1, 4294967295]");
	check_json_error("seq_spi_word.json", "{\"seq\": {\"esp\": {\"esn_spis\": [\"spi\"]}}}",
			 "key 'seq.esp.esn_spis': 'spi' is not an SPI");
	check_json_error("seq_spi_null.json", "{\"seq\": {\"esp\": {\"esn_spis\": [null]}}}",
			 "key 'seq.esp.esn_spis': element 0 is not an SPI");
	check_json_error("seq_spi_object.json", "{\"seq\": {\"esp\": {\"esn_spis\": {}}}}",
			 "key 'seq.esp.esn_spis': expected an array of SPIs, got an object");

	check_json_error("seq_window0.json", "{\"seq\": {\"esp\": {\"window\": 0}}}",
			 "key 'seq.esp.window': 0 is out of range [1, 32768]");
	check_json_error("seq_window40000.json", "{\"seq\": {\"macsec\": {\"window\": 40000}}}",
			 "key 'seq.macsec.window': 40000 is out of range [1, 32768]");
	check_json_error("seq_restart_k9.json", "{\"seq\": {\"tester\": {\"restart_k\": 9}}}",
			 "key 'seq.tester.restart_k': 9 is out of range [1, 8]");
	check_json_error("seq_jump0.json", "{\"seq\": {\"rtp\": {\"jump\": 0}}}",
			 "key 'seq.rtp.jump': 0 is out of range [1, 9007199254740992]");
	check_json_error("seq_jump_frac.json", "{\"seq\": {\"rtp\": {\"jump\": 1.5}}}",
			 "key 'seq.rtp.jump': 1.5 is not a whole number");
	check_json_error("seq_jump_string.json", "{\"seq\": {\"esp\": {\"jump\": \"2^30\"}}}",
			 "key 'seq.esp.jump': expected a number, got a string");
	check_json_error("seq_streams_neg.json", "{\"seq\": {\"streams\": -1}}",
			 "key 'seq.streams': -1 is out of range [0, 16777216]");
	check_json_error("seq_gaps_empty.json", "{\"gaps_json\": \"\"}",
			 "key 'gaps_json': empty file name");
}

/* Duplicates are refused inside nested objects too (jansson's own message). */
static void
test_conf_seq_file_duplicate_key(void)
{
	check_json_error("seq_duplicate.json",
			 "{\"seq\": {\"esp\": {\"window\": 1,\n \"window\": 2}}}",
			 "line 2 column 9: duplicate object key near '\"window\"'");
	check_json_error("seq_duplicate_group.json",
			 "{\"seq\": {\"esp\": {}},\n \"seq\": {\"rtp\": {}}}",
			 "line 2 column 6: duplicate object key near '\"seq\"'");
}

static void
test_conf_seq_help(void)
{
	char err[ERR_LEN], out[16384];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse_capture(&c, err, ARGS("--help"), out, sizeof(out)), WM_CONF_EXIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --gaps-json FILE         write one JSON line"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-streams N          sequence streams"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-rtp-ports LIST     UDP ports and ranges"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-esp-esn on|off     ESP: extended sequence"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-esp-window N       ESP: reorder window W"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-rtp-jump N         RTP: a jump forward"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "(default 3000)\n"));
	/* A flag wider than the column gets a line of its own, the help the next. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-tester-any-udp on|off\n"
					   "                           also take TRex trailers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  --seq-macsec-xpn-scis LIST\n"
					   "                           MACsec: SCIs"));
	wm_conf_free(&c);
}

/* Everything the "seq" part can own, owned by the file and then by a flag, and freed. */
static void
test_conf_seq_free_no_leak(void)
{
	const char *path = write_seq_conf("seq_free.json");
	char err[ERR_LEN];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--gaps-json", "g.jsonl")), 0);
	CU_ASSERT_STRING_EQUAL(c.gaps_json, "g.jsonl");
	wm_conf_free(&c);
	CU_ASSERT_PTR_NULL(c.gaps_json);
	wm_conf_free(&c);

	/* An error after the file set gaps_json leaves it for wm_conf_free. */
	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path, "--seq-esp-window", "0")), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "--seq-esp-window: 0 is out of range [1, 32768]");
	CU_ASSERT_PTR_NOT_NULL(c.gaps_json);
	wm_conf_free(&c);
}

/* ---- where it runs, the console, and the config as JSON ---- */

/* "ports", "lcores", "rx" and "cmdline_file" from a file; -i and the flags from the command line. */
static void
test_conf_run_keys(void)
{
	const char *cmds = write_file("cmds.txt", "show stats\n");
	const char *path =
		write_conf("run.json",
			   "{\"ports\": [\"0000:3b:00.0\", \"3b:00.1,rxq_cqe=1\", "
			   "\"net_pcap0,rx_pcap=%s,infinite_rx=1\"],\n"
			   " \"lcores\": \"0-3\", \"rx\": {\"queues\": 4, \"descriptors\": 512},\n"
			   " \"cmdline_file\": \"%s\"}\n",
			   pcap_a, cmds);
	char err[ERR_LEN], vdev[PATH_LEN + 64];
	struct wm_conf c;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(c.rx_descriptors, 1024);
	CU_ASSERT_EQUAL(c.rx_queues, 0);
	CU_ASSERT_EQUAL(c.interactive, 0);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("-c", path)), 0);
	CU_ASSERT_EQUAL_FATAL(c.n_ports, 3);
	CU_ASSERT_STRING_EQUAL(c.ports[0], "0000:3b:00.0");
	CU_ASSERT_STRING_EQUAL(c.ports[1], "3b:00.1,rxq_cqe=1");
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,infinite_rx=1", pcap_a);
	CU_ASSERT_STRING_EQUAL(c.ports[2], vdev);
	CU_ASSERT(wm_conf_port_is_pci(c.ports[0]));
	CU_ASSERT(wm_conf_port_is_pci(c.ports[1]));
	CU_ASSERT(!wm_conf_port_is_pci(c.ports[2]));
	CU_ASSERT_STRING_EQUAL(c.lcores, "0-3");
	CU_ASSERT_EQUAL(c.rx_queues, 4);
	CU_ASSERT_EQUAL(c.rx_descriptors, 512);
	CU_ASSERT_STRING_EQUAL(c.cmdline_file, cmds);
	CU_ASSERT_EQUAL(c.interactive, 0);
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err,
			      ARGS("-i", "-c", path, "--rx-queues", "2", "--rx-descriptors", "2048",
				   "--cmdline-file", pcap_b)),
			0);
	CU_ASSERT_EQUAL(c.interactive, 1);
	CU_ASSERT_EQUAL(c.rx_queues, 2);
	CU_ASSERT_EQUAL(c.rx_descriptors, 2048);
	CU_ASSERT_STRING_EQUAL(c.cmdline_file, pcap_b);
	CU_ASSERT_EQUAL(c.n_ports, 3);
	wm_conf_free(&c);

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL(parse(&c, err, ARGS("--interactive")), 0);
	CU_ASSERT_EQUAL(c.interactive, 1);
	wm_conf_free(&c);
}

/* Each bad value of the new keys and flags: the message names the key or flag and why. */
static void
test_conf_run_keys_errors(void)
{
	char msg[ERR_LEN];
	const char *path;

	path = write_file("bad_port.json", "{\"ports\": [\"net_pcap0\", \"eth0\"]}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'ports': 'eth0' is neither a PCI address (0000:3b:00.0) nor a "
		 "vdev (net_pcap0,rx_pcap=FILE)",
		 path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_port_pci.json", "{\"ports\": [\"0000:3b:00.8\"]}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'ports': '0000:3b:00.8' is neither a PCI address (0000:3b:00.0) "
		 "nor a vdev (net_pcap0,rx_pcap=FILE)",
		 path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_ports_type.json", "{\"ports\": \"net_pcap0\"}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'ports': expected an array of device strings, got a string", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_ports_elem.json", "{\"ports\": [\"net_ring0\", 3]}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'ports': element 1 is not a device string (0000:3b:00.0 or "
		 "net_pcap0,rx_pcap=FILE)",
		 path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_lcores.json", "{\"lcores\": \"all\"}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'lcores': 'all' is not an lcore list (e.g. \"0-3\")", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_lcores_type.json", "{\"lcores\": 3}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'lcores': expected a string such as \"0-3\", got a number", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_rx_desc.json", "{\"rx\": {\"descriptors\": 16}}\n");
	snprintf(msg, sizeof(msg),
		 "config %s: key 'rx.descriptors': 16 is out of range [64, 32768]", path);
	check_file_error(path, -EINVAL, msg);

	path = write_file("bad_rx_group.json", "{\"rx\": 4}\n");
	snprintf(msg, sizeof(msg), "config %s: key 'rx': expected an object, got a number", path);
	check_file_error(path, -EINVAL, msg);

	path = write_conf("bad_cmdfile.json", "{\"cmdline_file\": \"%s\"}\n", pcap_missing);
	snprintf(msg, sizeof(msg),
		 "config %s: key 'cmdline_file': cannot read '%s': No such file or directory", path,
		 pcap_missing);
	check_file_error(path, -ENOENT, msg);

	snprintf(msg, sizeof(msg), "--cmdline-file: cannot read '%s': No such file or directory",
		 pcap_missing);
	check_args_error(ARGS("--cmdline-file", pcap_missing), -ENOENT, msg);
	check_args_error(ARGS("--rx-queues", "2000"), -EINVAL,
			 "--rx-queues: 2000 is out of range [0, 1024]");
	/* "ports" and "lcores" are config keys only. */
	check_args_error(ARGS("--ports", "net_ring0"), -EINVAL,
			 "unknown option '--ports' (see --help)");
	check_args_error(ARGS("--lcores", "0-1"), -EINVAL,
			 "unknown option '--lcores' (see --help)");
}

/*
 * The running configuration as JSON: every key of the table, in the
 * file's nested shape; loaded back, it gives the same configuration.
 */
static void
test_conf_to_json_round_trip(void)
{
	const char *path = write_conf(
		"rt.json",
		"{\"idle_timeout\": 12.5, \"active_timeout\": 120, \"flow_capacity\": 4096,\n"
		" \"report\": \"%s/rt_report.json\", \"pcap\": [\"%s\"],\n"
		" \"ipfix\": [\"udp://127.0.0.1:4739\"], \"ipfix_mode\": \"uniflow\",\n"
		" \"ports\": [\"net_ring0\"], \"lcores\": \"0-1\", \"rx\": {\"descriptors\": 256},\n"
		" \"seq\": {\"streams\": 100, \"rtp_ports\": [\"5004-5005\", 7000],\n"
		"   \"tester_any_udp\": false, \"esp\": {\"window\": 64, \"esn_spis\": [4097]},\n"
		"   \"macsec\": {\"xpn_scis\": [\"0x0200000000010001\"], \"jump\": 9007199254740992}}}\n",
		dir, pcap_a);
	const char *back;
	char err[ERR_LEN];
	struct wm_conf c, d;
	json_t *j, *k, *seq;
	char *text;

	wm_conf_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(wm_conf_load_file(&c, path, err, sizeof(err)), 0);
	j = wm_conf_to_json(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_DOUBLE_EQUAL(json_real_value(json_object_get(j, "idle_timeout")), 12.5, 0.0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "active_timeout")), 120);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "ipfix_mode")), "uniflow");
	CU_ASSERT(json_is_null(json_object_get(j, "flows_json")));
	CU_ASSERT(json_is_null(json_object_get(j, "cmdline_file")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "lcores")), "0-1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(j, "ports"), 0)),
			       "net_ring0");
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(json_object_get(j, "rx"), "descriptors")), 256);
	seq = json_object_get(j, "seq");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(seq, "esp"), "window")),
			64);
	CU_ASSERT_EQUAL(json_integer_value(json_array_get(
				json_object_get(json_object_get(seq, "esp"), "esn_spis"), 0)),
			4097);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_array_get(json_object_get(seq, "rtp_ports"), 1)), "7000");
	CU_ASSERT(json_is_false(json_object_get(seq, "tester_any_udp")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(seq, "macsec"), "jump")),
			9007199254740992LL);
	/* Loaded back into the defaults: the same configuration. */
	text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	back = write_file("rt_back.json", text);
	wm_conf_defaults(&d);
	CU_ASSERT_EQUAL(wm_conf_load_file(&d, back, err, sizeof(err)), 0);
	if (err[0] != '\0')
		fprintf(stderr, "\n    %s\n", err);
	k = wm_conf_to_json(&d);
	CU_ASSERT(json_equal(j, k));
	free(text);
	json_decref(j);
	json_decref(k);
	wm_conf_free(&c);
	wm_conf_free(&d);
}

static const struct wm_test tests[] = {
	WM_TEST(test_conf_defaults),
	WM_TEST(test_conf_no_args_keeps_defaults),
	WM_TEST(test_conf_flags_all),
	WM_TEST(test_conf_flags_equals_form),
	WM_TEST(test_conf_flags_last_wins),
	WM_TEST(test_conf_flags_range_edges),
	WM_TEST(test_conf_file_all_keys),
	WM_TEST(test_conf_file_via_c_flag),
	WM_TEST(test_conf_file_partial),
	WM_TEST(test_conf_file_pcap_string),
	WM_TEST(test_conf_file_pcap_array),
	WM_TEST(test_conf_flags_override_file_c_first),
	WM_TEST(test_conf_flags_override_file_c_last),
	WM_TEST(test_conf_flags_override_file_c_middle),
	WM_TEST(test_conf_pcap_flag_replaces_file_list),
	WM_TEST(test_conf_not_a_number),
	WM_TEST(test_conf_stats_interval_not_number),
	WM_TEST(test_conf_filter),
	WM_TEST(test_conf_capture_flags),
	WM_TEST(test_conf_capture_file_object),
	WM_TEST(test_conf_capture_bad_specs),
	WM_TEST(test_conf_ifaces_array),
	WM_TEST(test_conf_ifaces_array_bad),
	WM_TEST(test_conf_negative),
	WM_TEST(test_conf_zero_not_allowed),
	WM_TEST(test_conf_seconds_out_of_range),
	WM_TEST(test_conf_count_out_of_range),
	WM_TEST(test_conf_ipfix_uris),
	WM_TEST(test_conf_count_fractional),
	WM_TEST(test_conf_missing_value),
	WM_TEST(test_conf_empty_path),
	WM_TEST(test_conf_unknown_option),
	WM_TEST(test_conf_unexpected_argument),
	WM_TEST(test_conf_pcap_missing),
	WM_TEST(test_conf_too_many_pcaps),
	WM_TEST(test_conf_file_missing),
	WM_TEST(test_conf_file_invalid_json),
	WM_TEST(test_conf_file_not_object),
	WM_TEST(test_conf_file_unknown_key),
	WM_TEST(test_conf_file_wrong_type),
	WM_TEST(test_conf_file_capacity_null),
	WM_TEST(test_conf_file_bad_value),
	WM_TEST(test_conf_file_pcap_not_string),
	WM_TEST(test_conf_file_pcap_missing),
	WM_TEST(test_conf_file_duplicate_key),
	WM_TEST(test_conf_file_too_many_pcaps),
	WM_TEST(test_conf_help),
	WM_TEST(test_conf_help_arg_names),
	WM_TEST(test_conf_version),
	WM_TEST(test_conf_free_no_leak),
	WM_TEST(test_conf_repeated_calls),
	WM_TEST(test_conf_seq_defaults),
	WM_TEST(test_conf_seq_flags_all),
	WM_TEST(test_conf_seq_flags_bool_and_last_wins),
	WM_TEST(test_conf_seq_list_limits),
	WM_TEST(test_conf_seq_file_nested),
	WM_TEST(test_conf_seq_file_list_forms),
	WM_TEST(test_conf_seq_flags_override_file),
	WM_TEST(test_conf_seq_bad_flags),
	WM_TEST(test_conf_seq_too_many_ids),
	WM_TEST(test_conf_seq_file_bad_structure),
	WM_TEST(test_conf_seq_file_bad_value),
	WM_TEST(test_conf_seq_file_duplicate_key),
	WM_TEST(test_conf_seq_help),
	WM_TEST(test_conf_seq_free_no_leak),
	WM_TEST(test_conf_run_keys),
	WM_TEST(test_conf_run_keys_errors),
	WM_TEST(test_conf_to_json_round_trip),
};

int
main(void)
{
	return wm_cunit_run("conf", suite_init, suite_clean, tests,
			    sizeof(tests) / sizeof(tests[0]));
}
