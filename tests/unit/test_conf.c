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

#include "wm_conf.h"
#include "wm_cunit.h"

#define MAX_ARGS 80
#define MAX_FILES 64
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
	CU_ASSERT_EQUAL(c->flow_capacity, 262144);
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
	WM_TEST(test_conf_negative),
	WM_TEST(test_conf_zero_not_allowed),
	WM_TEST(test_conf_seconds_out_of_range),
	WM_TEST(test_conf_count_out_of_range),
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
	WM_TEST(test_conf_file_bad_value),
	WM_TEST(test_conf_file_pcap_not_string),
	WM_TEST(test_conf_file_pcap_missing),
	WM_TEST(test_conf_file_duplicate_key),
	WM_TEST(test_conf_file_too_many_pcaps),
	WM_TEST(test_conf_help),
	WM_TEST(test_conf_version),
	WM_TEST(test_conf_free_no_leak),
	WM_TEST(test_conf_repeated_calls),
};

int
main(void)
{
	return wm_cunit_run("conf", suite_init, suite_clean, tests,
			    sizeof(tests) / sizeof(tests[0]));
}
