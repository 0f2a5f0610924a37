/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for drivers/xdp: the prefilter's rule parser (exact rule
 * fields, and one error line per bad list), the map layout the BPF C and
 * the loader share (sizes and offsets, and the compiled objects' maps
 * read back with libbpf, so a struct changed on one side only fails
 * here), the programs passing the kernel's verifier, the meter's poll
 * on its real (unattached) maps, and the private files net_af_xdp loads
 * programs from.
 */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "wm_cunit.h"
#include "wm_xdp.h"

extern const unsigned char wm_xdp_meter_obj[];
extern const size_t wm_xdp_meter_obj_len;
extern const unsigned char wm_xdp_filter_obj[];
extern const size_t wm_xdp_filter_obj_len;

static struct wm_xdp_rule rules[WM_XDP_MAX_RULES];
static unsigned int n_rules;
static char err[256];

static int
parse(const char *text)
{
	err[0] = '\0';
	return wm_xdp_rules_parse(text, rules, &n_rules, err, sizeof(err));
}

/* The text parses into exactly these rules, every field compared. */
static void
rules_are(const char *text, const struct wm_xdp_rule *want, unsigned int n)
{
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(parse(text), 0);
	CU_ASSERT_EQUAL_FATAL(n_rules, n);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(memcmp(&rules[i], &want[i], sizeof(want[i])), 0);
		if (memcmp(&rules[i], &want[i], sizeof(want[i])) != 0)
			fprintf(stderr, "\n  '%s': rule %u differs (what %#x, want %#x)\n", text, i,
				rules[i].what, want[i].what);
	}
}

static void
test_xdp_rules_ports_and_protocols(void)
{
	static const struct wm_xdp_rule want[] = {
		{.what = WM_XDP_R_PROTO | WM_XDP_R_DPORT,
		 .proto = 17,
		 .port_lo = 5000,
		 .port_hi = 5010},
		{.what = WM_XDP_R_PROTO | WM_XDP_R_PORT,
		 .proto = 6,
		 .port_lo = 443,
		 .port_hi = 443},
		{.what = WM_XDP_R_PROTO, .proto = 132},
	};

	rules_are("proto=udp dport=5000-5010; proto=6,port=443; proto=132", want, 3);
}

static void
test_xdp_rules_prefixes(void)
{
	static const struct wm_xdp_rule want[] = {
		{.what = WM_XDP_R_NET,
		 .family = 4,
		 .addr = {10, 1, 16},
		 .mask = {0xff, 0xff, 0xf0}},
		{.what = WM_XDP_R_SRC,
		 .family = 6,
		 .addr = {0x20, 0x01, 0x0d, 0xb8, 0x80},
		 .mask = {0xff, 0xff, 0xff, 0xff, 0x80}},
		{.what = WM_XDP_R_DST,
		 .family = 4,
		 .addr = {192, 0, 2, 9},
		 .mask = {0xff, 0xff, 0xff, 0xff}},
	};

	rules_are("net=10.1.31.7/20; src=2001:db8:ffff::1/33;dst=192.0.2.9", want, 3);
}

static void
test_xdp_rules_l2(void)
{
	static const struct wm_xdp_rule want[] = {
		{.what = WM_XDP_R_VLAN | WM_XDP_R_ETHERTYPE, .vlan = 100, .ethertype = 0x88e5},
		{.what = WM_XDP_R_ETHERTYPE, .ethertype = 0x0806},
		{.what = WM_XDP_R_ETHERTYPE, .ethertype = 0x86dd},
	};

	rules_are("vlan=100 ethertype=0x88e5; ethertype=arp; ethertype=ipv6", want, 3);
}

/* A bad list is -EINVAL with one line that names the field at fault. */
static void
bad(const char *text, const char *names)
{
	CU_ASSERT_EQUAL(parse(text), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, names));
	if (strstr(err, names) == NULL)
		fprintf(stderr, "\n  '%s': error '%s' does not name '%s'\n", text, err, names);
}

static void
test_xdp_rules_errors(void)
{
	char many[WM_XDP_MAX_RULES * 12 + 16] = "";
	unsigned int i;

	bad("proto=xyz", "proto=xyz");
	bad("port=10-5", "port=10-5");
	bad("port=65536", "port=65536");
	bad("dport=1 sport=2", "one port constraint per rule");
	bad("src=10.0.0.1 net=10.0.0.0/8", "one address constraint per rule");
	bad("proto=tcp proto=udp", "one proto per rule");
	bad("net=10.0.0.0/33", "net=10.0.0.0/33");
	bad("net=10.0.0", "net=10.0.0");
	bad("vlan=4096", "vlan=4096");
	bad("colour=red", "colour=red");
	bad("udp", "'udp' is not KEY=VALUE");
	bad("", "no rule");
	bad(" ; ", "no rule");
	for (i = 0; i <= WM_XDP_MAX_RULES; i++)
		strcat(many, "proto=17;");
	bad(many, "more than 64 rules");
}

/* The struct layout both sides compile: no hole, the sizes the comments give. */
static void
test_xdp_layout_structs(void)
{
	CU_ASSERT_EQUAL(sizeof(struct wm_xdp_key), 52);
	CU_ASSERT_EQUAL(offsetof(struct wm_xdp_key, spi), 32);
	CU_ASSERT_EQUAL(offsetof(struct wm_xdp_key, kind), 46);
	CU_ASSERT_EQUAL(sizeof(struct wm_xdp_val), 72);
	CU_ASSERT_EQUAL(offsetof(struct wm_xdp_val, first_ns), 32);
	CU_ASSERT_EQUAL(offsetof(struct wm_xdp_val, mac_src), 58);
	CU_ASSERT_EQUAL(sizeof(struct wm_xdp_state), 32);
	CU_ASSERT_EQUAL(sizeof(struct wm_xdp_rule), 48);
	CU_ASSERT_EQUAL(WM_XDP_C_MAX, 7);
	CU_ASSERT_STRING_EQUAL(wm_xdp_counter_name(WM_XDP_C_FAILED_INSERTS), "failedInserts");
	CU_ASSERT_STRING_EQUAL(wm_xdp_counter_name(WM_XDP_C_MAX), "");
}

/* A map of the compiled object has the key and value sizes of the loader's structs. */
static void
map_is(struct bpf_object *o, const char *name, enum bpf_map_type type, size_t key, size_t val)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o, name);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(bpf_map__type(m), type);
	CU_ASSERT_EQUAL(bpf_map__key_size(m), key);
	CU_ASSERT_EQUAL(bpf_map__value_size(m), val);
}

static void
test_xdp_layout_objects(void)
{
	struct bpf_object *m = bpf_object__open_mem(wm_xdp_meter_obj, wm_xdp_meter_obj_len, NULL);
	struct bpf_object *f = bpf_object__open_mem(wm_xdp_filter_obj, wm_xdp_filter_obj_len, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	map_is(m, "wm_flows", BPF_MAP_TYPE_PERCPU_HASH, sizeof(struct wm_xdp_key),
	       sizeof(struct wm_xdp_val));
	map_is(m, "wm_state", BPF_MAP_TYPE_HASH, sizeof(struct wm_xdp_key),
	       sizeof(struct wm_xdp_state));
	map_is(m, "wm_counters", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8);
	CU_ASSERT_EQUAL(bpf_map__max_entries(bpf_object__find_map_by_name(m, "wm_counters")),
			WM_XDP_C_MAX);
	map_is(f, "wm_pf_rules", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct wm_xdp_rule));
	map_is(f, "wm_pf_cfg", BPF_MAP_TYPE_ARRAY, 4, sizeof(struct wm_xdp_cfg));
	/* net_af_xdp puts its sockets in the map of this name. */
	map_is(f, "xsks_map", BPF_MAP_TYPE_XSKMAP, 4, 4);
	bpf_object__close(m);
	bpf_object__close(f);
}

/* The kernel's verifier takes the metering program (it needs root to try). */
static void
test_xdp_program_loads(void)
{
	char why[256] = "";

	if (geteuid() != 0) {
		const char *ci = getenv("CI");

		fprintf(stderr, "\n  not root: the kernel's verifier cannot be asked\n");
		CU_ASSERT_FALSE(ci != NULL && strcmp(ci, "true") == 0);
		return;
	}
	CU_ASSERT_EQUAL(wm_xdp_probe(NULL, why, sizeof(why)), 0);
	if (why[0] != '\0')
		fprintf(stderr, "\n  %s\n", why);
}

/* Root asks the kernel; without it only a CI run fails (the suite needs root there). */
static bool
have_root(void)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0)
		return true;
	fprintf(stderr, "\n  not root: the kernel cannot create the meter's maps\n");
	CU_ASSERT_FALSE(ci != NULL && strcmp(ci, "true") == 0);
	return false;
}

/* A meter whose program is loaded and attached nowhere: its maps, filled by the test. */
static struct wm_xdp_meter *
meter_unattached(void)
{
	struct wm_xdp_meter_params p = {
		.max_flows = 4 * WM_XDP_POLL_KEYS,
		.idle_ns = 60000000000ull,
		.active_ns = 3600000000000ull,
		.linger_ns = 1000000000ull,
	};
	struct wm_xdp_meter *m = wm_xdp_meter_open(&p, err, sizeof(err));

	if (m == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(m);
	return m;
}

/* Flow i in the flow hash, one packet on CPU 0 at t ns (1: long idle, so due). */
static void
flow_put(int fd, uint32_t i, uint64_t t)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wm_xdp_val *v = calloc((size_t)ncpu, sizeof(*v));
	struct wm_xdp_key k;

	memset(&k, 0, sizeof(k));
	k.kind = WM_XDP_KIND_IPV4;
	k.proto = 17;
	k.a[0] = 10;
	k.b[0] = 10;
	k.pa = (uint16_t)i;
	k.pb = (uint16_t)(i >> 16);
	v[0].pkts[0] = 1;
	v[0].octets[0] = 100;
	v[0].first_ns = t;
	v[0].last_ns = t;
	v[0].min_len = v[0].max_len = 100;
	CU_ASSERT_EQUAL(bpf_map_update_elem(fd, &k, v, BPF_NOEXIST), 0);
	free(v);
}

/* Records of polls until one returns less than max; each flow i seen at most once. */
static unsigned int
poll_all(struct wm_xdp_meter *m, bool flush, struct wm_flow_export *out, unsigned int max,
	 uint8_t *seen)
{
	unsigned int total = 0, j;
	int n;

	do {
		n = wm_xdp_meter_poll(m, flush, out, max);
		CU_ASSERT(n >= 0);
		for (j = 0; n > 0 && j < (unsigned int)n; j++) {
			uint32_t i = (uint32_t)out[j].sport | (uint32_t)out[j].dport << 16;

			CU_ASSERT_EQUAL(seen[i]++, 0);
		}
		total += n > 0 ? (unsigned int)n : 0;
	} while (n == (int)max);
	return total;
}

/*
 * Due flows the kernel will not delete (the map frozen: syscalls may read,
 * not write): a poll still returns, with nothing, and counts the failures;
 * the flows stay for a later poll.
 */
static void
test_xdp_poll_failing_export_ends(void)
{
	struct wm_flow_export out[16];
	struct wm_xdp_meter *m;
	struct wm_xdp_key k;
	unsigned int i;
	int fd;

	if (!have_root() || (m = meter_unattached()) == NULL)
		return;
	fd = wm_xdp_meter_map_fd(m, "wm_flows");
	for (i = 0; i < 20; i++) /* more than a poll's room: every round finds as many */
		flow_put(fd, i, 1);
	CU_ASSERT_EQUAL(wm_xdp_meter_errors(m), 0);
	CU_ASSERT_EQUAL(bpf_map_freeze(fd), 0);
	CU_ASSERT_EQUAL(wm_xdp_meter_poll(m, false, out, 16), 0);
	CU_ASSERT(wm_xdp_meter_errors(m) >= 16);
	CU_ASSERT_EQUAL(wm_xdp_meter_poll(m, true, out, 16), 0);
	CU_ASSERT(wm_xdp_meter_errors(m) >= 32);
	CU_ASSERT_EQUAL(bpf_map_get_next_key(fd, NULL, &k), 0);
	wm_xdp_meter_close(m);
}

/*
 * A poll visits WM_XDP_POLL_KEYS keys at most and the next goes on where
 * it stopped: every due flow goes out once, whatever its place in the
 * hash behind the flows that are not due; a flush takes the rest.
 */
static void
test_xdp_poll_bounded_resumes(void)
{
	const unsigned int fresh = 2 * WM_XDP_POLL_KEYS, due = 5, all = fresh + due;
	struct wm_flow_export *out = calloc(all, sizeof(*out));
	uint8_t *seen = calloc(all, 1);
	struct wm_xdp_meter *m;
	unsigned int i, got = 0;
	struct timespec now; /* the program's clock: bpf_ktime_get_ns() */
	int fd;

	if (!have_root() || (m = meter_unattached()) == NULL)
		goto out;
	fd = wm_xdp_meter_map_fd(m, "wm_flows");
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < all; i++)
		flow_put(fd, i, i < fresh ? (uint64_t)now.tv_sec * 1000000000ull : 1);
	/* Budget: the due flows are found over three polls, not one. */
	for (i = 0; i < 3; i++)
		got += poll_all(m, false, out, all, seen);
	CU_ASSERT_EQUAL(got, due);
	for (i = fresh; i < all; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	CU_ASSERT_EQUAL(poll_all(m, true, out, 1000, seen), fresh);
	for (i = 0; i < all; i++)
		CU_ASSERT_EQUAL(seen[i], 1);
	CU_ASSERT_EQUAL(wm_xdp_meter_errors(m), 0);
	wm_xdp_meter_close(m);
out:
	free(out);
	free(seen);
}

/* Every visited key due: one poll exports exactly its budget, the next polls the rest. */
static void
test_xdp_poll_budget(void)
{
	const unsigned int all = 2 * WM_XDP_POLL_KEYS + 1;
	struct wm_flow_export *out = calloc(all, sizeof(*out));
	uint8_t *seen = calloc(all, 1);
	struct wm_xdp_meter *m;
	unsigned int i;
	int fd;

	if (!have_root() || (m = meter_unattached()) == NULL)
		goto out;
	fd = wm_xdp_meter_map_fd(m, "wm_flows");
	for (i = 0; i < all; i++)
		flow_put(fd, i, 1);
	CU_ASSERT_EQUAL(poll_all(m, false, out, all, seen), WM_XDP_POLL_KEYS);
	CU_ASSERT_EQUAL(poll_all(m, false, out, all, seen), WM_XDP_POLL_KEYS);
	CU_ASSERT_EQUAL(poll_all(m, false, out, all, seen), 1);
	CU_ASSERT_EQUAL(poll_all(m, false, out, all, seen), 0);
	wm_xdp_meter_close(m);
out:
	free(out);
	free(seen);
}

/*
 * A program file for net_af_xdp: its bytes, mode 0600 in a new 0700
 * directory of its own, two calls never share one, and removal leaves
 * neither behind.
 */
static void
test_xdp_private_file(void)
{
	static const char data[] = "\x7f"
				   "ELF and some bytes";
	char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX], got[64];
	struct stat st;
	FILE *f;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(wm_xdp_private_file(data, sizeof(data), "p.o", a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(wm_xdp_private_file(data, sizeof(data), "p.o", b, sizeof(b)), 0);
	CU_ASSERT_STRING_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(stat(a, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(st.st_uid, geteuid());
	snprintf(dir, sizeof(dir), "%s", a);
	*strrchr(dir, '/') = '\0';
	CU_ASSERT_EQUAL(stat(dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	f = fopen(a, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(got, 1, sizeof(got), f);
	fclose(f);
	CU_ASSERT_EQUAL(n, sizeof(data));
	CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);
	wm_xdp_private_file_remove(a);
	wm_xdp_private_file_remove(b);
	CU_ASSERT_NOT_EQUAL(stat(a, &st), 0);
	CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
	/* A name too long for the path: an error, and nothing left behind. */
	CU_ASSERT_EQUAL(wm_xdp_private_file(data, sizeof(data), "p.o", a, 20), -ENAMETOOLONG);
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_xdp_rules_ports_and_protocols),
		WM_TEST(test_xdp_rules_prefixes),
		WM_TEST(test_xdp_rules_l2),
		WM_TEST(test_xdp_rules_errors),
		WM_TEST(test_xdp_layout_structs),
		WM_TEST(test_xdp_layout_objects),
		WM_TEST(test_xdp_program_loads),
		WM_TEST(test_xdp_poll_failing_export_ends),
		WM_TEST(test_xdp_poll_bounded_resumes),
		WM_TEST(test_xdp_poll_budget),
		WM_TEST(test_xdp_private_file),
	};

	return wm_cunit_run("xdp", NULL, NULL, tests, sizeof(tests) / sizeof(tests[0]));
}
