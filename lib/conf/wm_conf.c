/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "wm_conf.h"
#include "wm_ipfix_transport.h"

#ifndef WM_VERSION
#define WM_VERSION "0.1.0"
#endif

enum opt_type {
	OPT_SECONDS,   /* double seconds within [min, max], min exclusive when min_open */
	OPT_COUNT,     /* uint32 within [min, max] */
	OPT_PATH,      /* a string */
	OPT_PATH_LIST, /* repeatable string (flag) / array of strings (JSON) */
	OPT_FILTER,    /* a pcap filter expression, checked by compiling it */
	OPT_URI_LIST,  /* repeatable IPFIX collector URI (flag) / array of them (JSON) */
	OPT_CHOICE,    /* one word of 'choices', stored as its index (uint32) */
};

/*
 * One table for every setting: its flag, its JSON key, its type and its
 * bounds. Flags and config keys are checked by the same code, so they
 * cannot disagree on what is valid.
 */
struct opt_desc {
	const char *flag; /* long option without the dashes */
	const char *key;  /* JSON key */
	enum opt_type type;
	size_t offset; /* in struct wm_conf */
	double min, max;
	bool min_open; /* min itself is not allowed */
	const char *help;
	const char *const *choices; /* OPT_CHOICE: the words, NULL-terminated */
};

static const char *const ipfix_modes[] = {"biflow", "uniflow", NULL};

#define OFF(f) offsetof(struct wm_conf, f)

static const struct opt_desc opts[] = {
	{"idle-timeout", "idle_timeout", OPT_SECONDS, OFF(idle_timeout), 0, 86400, true,
	 "seconds without a packet that end a flow (default 30)"},
	{"active-timeout", "active_timeout", OPT_SECONDS, OFF(active_timeout), 0, 86400, true,
	 "export a long flow every S seconds (default 300)"},
	{"tcp-linger", "tcp_linger", OPT_SECONDS, OFF(tcp_linger), 0, 3600, false,
	 "seconds a TCP flow lingers after RST or FIN both ways (default 1)"},
	{"stats-interval", "stats_interval", OPT_SECONDS, OFF(stats_interval), 0, 86400, false,
	 "seconds between stats lines on stderr, 0 for none (default 5)"},
	{"flow-capacity", "flow_capacity", OPT_COUNT, OFF(flow_capacity), 1,
	 WM_CONF_MAX_FLOW_CAPACITY, false, "flows per worker (default 262144)"},
	{"mbufs", "mbufs", OPT_COUNT, OFF(mbufs), 0, 1u << 30, false,
	 "mbufs per pool (default: sized automatically)"},
	{"flows-json", "flows_json", OPT_PATH, OFF(flows_json), 0, 0, false,
	 "write one JSON line per exported flow record to FILE"},
	{"report", "report", OPT_PATH, OFF(report), 0, 0, false,
	 "write the final JSON report to FILE"},
	{"filter", "filter", OPT_FILTER, OFF(filter), 0, 0, false,
	 "meter only packets matching this pcap filter (e.g. 'tcp or udp')"},
	{"pcap", "pcap", OPT_PATH_LIST, 0, 0, 0, false,
	 "meter a pcap file (repeatable); exit when all are read"},
	{"ipfix", "ipfix", OPT_URI_LIST, 0, 0, 0, false,
	 "export IPFIX to udp://HOST:PORT, tcp://HOST:PORT or file:PATH (repeatable)"},
	{"ipfix-mode", "ipfix_mode", OPT_CHOICE, OFF(ipfix_mode), 0, 0, false,
	 "biflow (RFC 5103, default) or uniflow (two records per biflow)", ipfix_modes},
	{"observation-domain", "observation_domain", OPT_COUNT, OFF(observation_domain), 1,
	 UINT32_MAX, false, "Observation Domain ID of worker 0; worker i has ID+i (default 1)"},
	{"ipfix-mtu", "ipfix_mtu", OPT_COUNT, OFF(ipfix_mtu), 512, 65507, false,
	 "largest IPFIX message in bytes (default 1400)"},
	{"template-refresh", "template_refresh", OPT_SECONDS, OFF(template_refresh), 0, 86400, true,
	 "seconds between template and options resends over UDP (default 60)"},
	{"ipfix-flush", "ipfix_flush", OPT_SECONDS, OFF(ipfix_flush), 0, 3600, true,
	 "seconds a partly filled IPFIX message may wait (default 1)"},
	{"ipfix-queue", "ipfix_queue", OPT_COUNT, OFF(ipfix_queue), 16, 1u << 20, false,
	 "IPFIX messages queued per collector before dropping (default 8192)"},
	{"ipfix-pen", "ipfix_pen", OPT_COUNT, OFF(ipfix_pen), 1, UINT32_MAX, false,
	 "Private Enterprise Number of wiremeter's own IPFIX elements (default 32473)"},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

void
wm_conf_defaults(struct wm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->idle_timeout = 30;
	c->active_timeout = 300;
	c->tcp_linger = 1;
	c->stats_interval = 5;
	c->flow_capacity = 262144;
	c->mbufs = 0;
	c->ipfix_mode = WM_CONF_IPFIX_BIFLOW;
	c->observation_domain = 1;
	c->ipfix_mtu = 1400;
	c->ipfix_queue = 8192;
	c->ipfix_pen = 32473;
	c->template_refresh = 60;
	c->ipfix_flush = 1;
}

void
wm_conf_free(struct wm_conf *c)
{
	unsigned int i;

	free(c->flows_json);
	free(c->report);
	free(c->filter);
	free(c->config_file);
	for (i = 0; i < c->n_pcaps; i++)
		free(c->pcaps[i]);
	for (i = 0; i < c->n_ipfix; i++)
		free(c->ipfix[i]);
	c->flows_json = c->report = c->config_file = c->filter = NULL;
	c->n_pcaps = 0;
	c->n_ipfix = 0;
}

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Check a number against an option's bounds; 'what' names the flag or key. */
static int
set_number(struct wm_conf *c, const struct opt_desc *o, double v, const char *what, char *err,
	   size_t errlen)
{
	char *base = (char *)c;

	if (!isfinite(v) || v < o->min || (o->min_open && v == o->min) || v > o->max) {
		if (o->type == OPT_COUNT)
			return fail(err, errlen, -EINVAL, "%s: %.15g is out of range [%.0f, %.0f]",
				    what, v, o->min, o->max);
		return fail(err, errlen, -EINVAL, "%s: %.15g seconds is out of range %s%g, %g]",
			    what, v, o->min_open ? "(" : "[", o->min, o->max);
	}
	if (o->type == OPT_COUNT) {
		if (v != floor(v))
			return fail(err, errlen, -EINVAL, "%s: %.15g is not a whole number", what,
				    v);
		*(uint32_t *)(base + o->offset) = (uint32_t)v;
	} else {
		*(double *)(base + o->offset) = v;
	}
	return 0;
}

static int
add_pcap(struct wm_conf *c, const char *path, const char *what, char *err, size_t errlen)
{
	if (c->n_pcaps == WM_CONF_MAX_PCAPS)
		return fail(err, errlen, -EINVAL, "%s: more than %d pcap files", what,
			    WM_CONF_MAX_PCAPS);
	if (access(path, R_OK) != 0)
		return fail(err, errlen, -ENOENT, "%s: cannot read '%s': %s", what, path,
			    strerror(errno));
	c->pcaps[c->n_pcaps] = strdup(path);
	if (c->pcaps[c->n_pcaps] == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	c->n_pcaps++;
	return 0;
}

/* A collector is kept only if its URI is well formed (nothing is opened yet). */
static int
add_collector(struct wm_conf *c, const char *uri, const char *what, char *err, size_t errlen)
{
	char why[256];

	if (c->n_ipfix == WM_CONF_MAX_COLLECTORS)
		return fail(err, errlen, -EINVAL, "%s: more than %d collectors", what,
			    WM_CONF_MAX_COLLECTORS);
	if (wm_ipfix_transport_check(uri, why, sizeof(why)) < 0)
		return fail(err, errlen, -EINVAL, "%s: '%s': %s", what, uri, why);
	c->ipfix[c->n_ipfix] = strdup(uri);
	if (c->ipfix[c->n_ipfix] == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	c->n_ipfix++;
	return 0;
}

static int
set_choice(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	   size_t errlen)
{
	char list[128] = "";
	unsigned int i;

	for (i = 0; o->choices[i] != NULL; i++) {
		if (strcmp(v, o->choices[i]) == 0) {
			*(uint32_t *)((char *)c + o->offset) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : (o->choices[i + 1] == NULL ? " or " : ", "), o->choices[i]);
	}
	return fail(err, errlen, -EINVAL, "%s: '%s' is not one of %s", what, v, list);
}

static int
set_path(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	 size_t errlen)
{
	char **slot;

	if (o->type == OPT_PATH_LIST)
		return add_pcap(c, v, what, err, errlen);
	if (v[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty file name", what);
	slot = (char **)((char *)c + o->offset);
	free(*slot);
	*slot = strdup(v);
	return *slot == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* A filter is kept only if libpcap compiles it for Ethernet. */
static int
set_filter(struct wm_conf *c, const char *expr, const char *what, char *err, size_t errlen)
{
	struct bpf_program prog;
	pcap_t *pc;
	int rc;

	if (expr[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty filter", what);
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	if (pc == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	rc = pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0) {
		fail(err, errlen, -EINVAL, "%s: '%s': %s", what, expr, pcap_geterr(pc));
		pcap_close(pc);
		return -EINVAL;
	}
	pcap_freecode(&prog);
	pcap_close(pc);
	free(c->filter);
	c->filter = strdup(expr);
	return c->filter == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* Apply one flag's text value. */
static int
apply_flag(struct wm_conf *c, const struct opt_desc *o, const char *arg, char *err, size_t errlen)
{
	char what[64];
	char *end;
	double v;

	snprintf(what, sizeof(what), "--%s", o->flag);
	if (o->type == OPT_FILTER)
		return set_filter(c, arg, what, err, errlen);
	if (o->type == OPT_PATH || o->type == OPT_PATH_LIST)
		return set_path(c, o, arg, what, err, errlen);
	if (o->type == OPT_URI_LIST)
		return add_collector(c, arg, what, err, errlen);
	if (o->type == OPT_CHOICE)
		return set_choice(c, o, arg, what, err, errlen);
	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || *end != '\0' || errno != 0)
		return fail(err, errlen, -EINVAL, "%s: '%s' is not %s", what, arg,
			    o->type == OPT_COUNT ? "a whole number" : "a number of seconds");
	return set_number(c, o, v, what, err, errlen);
}

/* Apply one JSON member. */
static int
apply_json(struct wm_conf *c, const struct opt_desc *o, json_t *v, const char *path, char *err,
	   size_t errlen)
{
	char what[512];
	size_t i;
	json_t *el;

	snprintf(what, sizeof(what), "config %s: key '%s'", path, o->key);
	switch (o->type) {
	case OPT_SECONDS:
	case OPT_COUNT:
		if (!json_is_number(v))
			return fail(err, errlen, -EINVAL, "%s: expected a number, got %s", what,
				    json_is_string(v) ? "a string" : "another type");
		return set_number(c, o, json_number_value(v), what, err, errlen);
	case OPT_FILTER:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a filter string", what);
		return set_filter(c, json_string_value(v), what, err, errlen);
	case OPT_PATH:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a file name string", what);
		return set_path(c, o, json_string_value(v), what, err, errlen);
	case OPT_CHOICE:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a string", what);
		return set_choice(c, o, json_string_value(v), what, err, errlen);
	case OPT_PATH_LIST:
	case OPT_URI_LIST: {
		const bool uri = o->type == OPT_URI_LIST;
		const char *noun = uri ? "collector URI" : "file name";

		if (json_is_string(v))
			return uri ? add_collector(c, json_string_value(v), what, err, errlen)
				   : add_pcap(c, json_string_value(v), what, err, errlen);
		if (!json_is_array(v))
			return fail(err, errlen, -EINVAL, "%s: expected an array of %ss", what,
				    noun);
		json_array_foreach(v, i, el) {
			int rc;

			if (!json_is_string(el))
				return fail(err, errlen, -EINVAL,
					    "%s: element %zu is not a %s string", what, i, noun);
			rc = uri ? add_collector(c, json_string_value(el), what, err, errlen)
				 : add_pcap(c, json_string_value(el), what, err, errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	}
	return -EINVAL;
}

int
wm_conf_load_file(struct wm_conf *c, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	int rc = 0;

	if (access(path, R_OK) != 0)
		return fail(err, errlen, -ENOENT, "config %s: cannot read: %s", path,
			    strerror(errno));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fail(err, errlen, -EINVAL, "config %s: line %d column %d: %s", path,
			    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, errlen, -EINVAL, "config %s: the top level must be an object",
			    path);
	}
	json_object_foreach(root, key, v) {
		const struct opt_desc *o = NULL;
		size_t i;

		for (i = 0; i < N_OPTS; i++)
			if (strcmp(opts[i].key, key) == 0)
				o = &opts[i];
		if (o == NULL) {
			rc = fail(err, errlen, -EINVAL, "config %s: unknown key '%s'", path, key);
			break;
		}
		rc = apply_json(c, o, v, path, err, errlen);
		if (rc < 0)
			break;
	}
	json_decref(root);
	return rc;
}

static void
usage(const char *prog)
{
	size_t i;

	printf("Usage: %s [EAL options] -- [options]\n\n"
	       "  -c FILE                  JSON config; flags override it\n",
	       prog);
	for (i = 0; i < N_OPTS; i++) {
		char left[64];

		static const char *const arg_names[] = {
			[OPT_SECONDS] = "S",	  [OPT_COUNT] = "N",	 [OPT_PATH] = "FILE",
			[OPT_PATH_LIST] = "FILE", [OPT_FILTER] = "EXPR", [OPT_URI_LIST] = "URI",
			[OPT_CHOICE] = "MODE",
		};

		snprintf(left, sizeof(left), "--%s %s", opts[i].flag, arg_names[opts[i].type]);
		printf("  %-24s %s\n", left, opts[i].help);
	}
	printf("  -h, --help               this text\n"
	       "  -v, --version            the version\n");
}

int
wm_conf_parse_args(struct wm_conf *c, int argc, char **argv, char *err, size_t errlen)
{
	struct option lopts[N_OPTS + 3];
	bool flag_pcaps = false, flag_ipfix = false;
	size_t i;
	int opt, idx, rc;

	for (i = 0; i < N_OPTS; i++)
		lopts[i] = (struct option){opts[i].flag, required_argument, NULL, 256 + (int)i};
	lopts[N_OPTS] = (struct option){"help", no_argument, NULL, 'h'};
	lopts[N_OPTS + 1] = (struct option){"version", no_argument, NULL, 'v'};
	lopts[N_OPTS + 2] = (struct option){NULL, 0, NULL, 0};

	/*
	 * Pass 1: the config file, so the flags of pass 2 override it.
	 * optind = 0, not 1, makes glibc reinitialise getopt completely: with 1
	 * it would resume inside a group of short options that an earlier call
	 * left half-read ("-hv" returns at 'h'), and that group may be gone.
	 */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":c:hv", lopts, &idx)) != -1) {
		if (opt == 'c') {
			free(c->config_file);
			c->config_file = strdup(optarg);
		}
	}
	if (c->config_file != NULL) {
		rc = wm_conf_load_file(c, c->config_file, err, errlen);
		if (rc < 0)
			return rc;
	}

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":c:hv", lopts, &idx)) != -1) {
		/* Command-line --pcap files and collectors replace the config file's lists. */
		if (opt >= 256 && opts[opt - 256].type == OPT_PATH_LIST && !flag_pcaps) {
			for (i = 0; i < c->n_pcaps; i++)
				free(c->pcaps[i]);
			c->n_pcaps = 0;
			flag_pcaps = true;
		}
		if (opt >= 256 && opts[opt - 256].type == OPT_URI_LIST && !flag_ipfix) {
			for (i = 0; i < c->n_ipfix; i++)
				free(c->ipfix[i]);
			c->n_ipfix = 0;
			flag_ipfix = true;
		}
		switch (opt) {
		case 'c':
			break;
		case 'h':
			usage(argv[0]);
			return WM_CONF_EXIT;
		case 'v':
			printf("wiremeter %s\n", WM_VERSION);
			return WM_CONF_EXIT;
		case ':':
			return fail(err, errlen, -EINVAL, "%s: missing value", argv[optind - 1]);
		case '?':
			/*
			 * optopt is the letter of an unknown short option, 0 for an
			 * unknown long one and 'h' or 'v' for "--help=x". An unknown
			 * letter inside a group ("-xq") leaves optind on the group, so
			 * argv[optind - 1] would name the argument before it.
			 */
			if (optopt != 0 && optopt != 'h' && optopt != 'v')
				return fail(err, errlen, -EINVAL,
					    "unknown option '-%c' (see --help)", optopt);
			return fail(err, errlen, -EINVAL, "unknown option '%s' (see --help)",
				    argv[optind - 1]);
		default:
			rc = apply_flag(c, &opts[opt - 256], optarg, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	if (optind < argc)
		return fail(err, errlen, -EINVAL, "unexpected argument '%s' (see --help)",
			    argv[optind]);
	return 0;
}
