/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The in-kernel meter's loader and reader (wm_xdp.h). The program only
 * adds to its maps; this side is the only one that removes: a flow's
 * per-CPU counters when it exports them (lookup and delete, so nothing
 * counted before the read is exported twice, and nothing after it is
 * lost: it starts a new entry), its state when the flow ends.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "wm_xdp.h"

/* The programs' objects, embedded at build time (embed_obj.py). */
extern const unsigned char wm_xdp_meter_obj[];
extern const size_t wm_xdp_meter_obj_len;
extern const unsigned char wm_xdp_filter_obj[];
extern const size_t wm_xdp_filter_obj_len;

/* The prefilter's pinned maps (wm_xdp_filter.bpf.c). */
static const char *const filter_maps[] = {"wm_pf_rules", "wm_pf_cfg", "wm_pf_counters"};

#define TCP_FIN 0x01
#define TCP_RST 0x04
/* Keys a poll collects before it deletes them (get_next_key restarts after a delete). */
#define COLLECT_MAX 1024

/*
 * Where a map walk resumes: the last key it visited that stays in the map
 * (only this side deletes, and never that key before the walk moves on);
 * !valid: from the first key.
 */
struct walk {
	struct wm_xdp_key at;
	bool valid;
};

/* One flow's per-CPU shares merged. */
struct merged {
	struct wm_xdp_val v; /* sums; "first" fields of the earliest CPU */
	bool any;
};

struct wm_xdp_meter {
	struct bpf_object *obj;
	int ifindex;
	uint32_t xdp_flags; /* as attached */
	int flows_fd, state_fd, counters_fd;
	unsigned int ncpu;
	struct wm_xdp_val *percpu; /* ncpu values, for lookups */
	struct wm_xdp_key *due;	   /* COLLECT_MAX keys */
	uint8_t *due_reason;
	int64_t mono_to_epoch; /* CLOCK_REALTIME - CLOCK_MONOTONIC at open, ns */
	bool del_atomic;       /* the kernel has lookup-and-delete on a per-CPU hash (5.14) */
	uint64_t errors;       /* failed map syscalls; the poller adds, anyone reads (atomic) */
	struct walk flow_walk, state_walk;
	struct wm_xdp_meter_params p;
	char pin_dir[PATH_MAX]; /* "" when not pinned */
};

static const char *const counter_names[] = {
#define WM_X(n, s) s,
	WM_XDP_FOREACH_COUNTER(WM_X)
#undef WM_X
};

const char *
wm_xdp_counter_name(unsigned int c)
{
	return c < WM_XDP_C_MAX ? counter_names[c] : "";
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * libbpf's messages: warnings and the verifier's log only when a caller
 * asked (WM_XDP_DEBUG set); our own errors name what failed.
 */
static int
libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || getenv("WM_XDP_DEBUG") == NULL)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void
libbpf_init(void)
{
	libbpf_set_print(libbpf_quiet);
}

bool
wm_xdp_bpffs(char *buf, size_t len)
{
	char dev[64], dir[PATH_MAX], type[64];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "r");

	if (f == NULL)
		return false;
	while (!found && fscanf(f, "%63s %4095s %63s %*[^\n]", dev, dir, type) == 3)
		if (strcmp(type, "bpf") == 0) {
			snprintf(buf, len, "%s", dir);
			found = true;
		}
	fclose(f);
	return found;
}

/* Pin the maps under <bpffs>/wiremeter/<ifname>/; failing to pin only loses the view. */
static void
maps_pin(struct wm_xdp_meter *m)
{
	char dir[PATH_MAX];

	if (m->p.bpffs == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/wiremeter", m->p.bpffs);
	mkdir(dir, 0700);
	snprintf(m->pin_dir, sizeof(m->pin_dir), "%s/wiremeter/%s", m->p.bpffs, m->p.ifname);
	mkdir(m->pin_dir, 0700);
	if (bpf_object__pin_maps(m->obj, m->pin_dir) != 0) {
		rmdir(m->pin_dir);
		m->pin_dir[0] = '\0';
	}
}

static void
maps_unpin(struct wm_xdp_meter *m)
{
	char dir[PATH_MAX];

	if (m->pin_dir[0] == '\0')
		return;
	bpf_object__unpin_maps(m->obj, m->pin_dir);
	rmdir(m->pin_dir);
	snprintf(dir, sizeof(dir), "%s/wiremeter", m->p.bpffs);
	rmdir(dir); /* only when no other interface's maps are there */
}

/* Open and load the embedded object with the map sizes asked for. */
static int
meter_load(struct wm_xdp_meter *m, char *err, size_t errlen)
{
	struct bpf_map *flows, *state;
	int rc;

	libbpf_init();
	m->obj = bpf_object__open_mem(wm_xdp_meter_obj, wm_xdp_meter_obj_len, NULL);
	if (m->obj == NULL) {
		rc = -errno;
		snprintf(err, errlen, "XDP: cannot open the metering program: %s", strerror(-rc));
		return rc;
	}
	flows = bpf_object__find_map_by_name(m->obj, "wm_flows");
	state = bpf_object__find_map_by_name(m->obj, "wm_state");
	if (flows == NULL || state == NULL ||
	    bpf_map__set_max_entries(flows, m->p.max_flows) != 0 ||
	    bpf_map__set_max_entries(state, 2 * m->p.max_flows) != 0) {
		snprintf(err, errlen, "XDP: the metering program has no flow map");
		return -EINVAL;
	}
	rc = bpf_object__load(m->obj);
	if (rc != 0) {
		snprintf(err, errlen, "XDP: the kernel refused the metering program: %s",
			 strerror(-rc));
		return rc;
	}
	m->flows_fd = bpf_map__fd(flows);
	m->state_fd = bpf_map__fd(state);
	m->counters_fd = bpf_object__find_map_fd_by_name(m->obj, "wm_counters");
	return 0;
}

/* Attach in the mode asked for; AUTO tries the driver's XDP first. */
static int
meter_attach(struct wm_xdp_meter *m, char *err, size_t errlen)
{
	struct bpf_program *prog = bpf_object__find_program_by_name(m->obj, "wm_xdp_meter");
	int fd = prog != NULL ? bpf_program__fd(prog) : -1, rc = -EINVAL;
	uint32_t base = XDP_FLAGS_UPDATE_IF_NOEXIST;

	if (m->p.mode != WM_XDP_MODE_SKB) {
		m->xdp_flags = base | XDP_FLAGS_DRV_MODE;
		rc = bpf_xdp_attach(m->ifindex, fd, m->xdp_flags, NULL);
	}
	if (rc != 0 && m->p.mode != WM_XDP_MODE_NATIVE) {
		m->xdp_flags = base | XDP_FLAGS_SKB_MODE;
		rc = bpf_xdp_attach(m->ifindex, fd, m->xdp_flags, NULL);
	}
	if (rc != 0)
		snprintf(err, errlen, "XDP: cannot attach to %s: %s%s", m->p.ifname, strerror(-rc),
			 rc == -EBUSY || rc == -EEXIST ? " (another XDP program is attached)" : "");
	return rc;
}

static int
meter_buffers(struct wm_xdp_meter *m)
{
	int n = libbpf_num_possible_cpus();

	if (n <= 0)
		return -EINVAL;
	m->ncpu = (unsigned int)n;
	m->percpu = calloc(m->ncpu, sizeof(*m->percpu));
	m->due = calloc(COLLECT_MAX, sizeof(*m->due));
	m->due_reason = calloc(COLLECT_MAX, 1);
	return m->percpu == NULL || m->due == NULL || m->due_reason == NULL ? -ENOMEM : 0;
}

/*
 * Lookup-and-delete on a per-CPU hash came with kernel 5.14: asked once,
 * on a key the new, still empty map cannot hold; ENOENT says it exists.
 */
static void
del_probe(struct wm_xdp_meter *m)
{
	struct wm_xdp_key k;

	memset(&k, 0xff, sizeof(k));
	m->del_atomic =
		bpf_map_lookup_and_delete_elem(m->flows_fd, &k, m->percpu) == 0 || errno == ENOENT;
}

struct wm_xdp_meter *
wm_xdp_meter_open(const struct wm_xdp_meter_params *p, char *err, size_t errlen)
{
	struct wm_xdp_meter *m = calloc(1, sizeof(*m));
	int rc;

	if (m == NULL) {
		snprintf(err, errlen, "XDP: out of memory");
		return NULL;
	}
	m->p = *p;
	m->ifindex = p->ifname == NULL ? -1 : (int)if_nametoindex(p->ifname);
	if (m->ifindex == 0) {
		rc = -ENODEV;
		snprintf(err, errlen, "no interface %s", p->ifname);
		goto fail;
	}
	rc = meter_buffers(m);
	if (rc == 0)
		rc = meter_load(m, err, errlen);
	if (rc == 0)
		del_probe(m);
	if (rc == 0 && p->ifname != NULL)
		rc = meter_attach(m, err, errlen);
	if (rc != 0)
		goto fail;
	m->mono_to_epoch = (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
	if (p->ifname != NULL)
		maps_pin(m);
	return m;
fail:
	m->xdp_flags = 0; /* nothing attached */
	wm_xdp_meter_close(m);
	errno = -rc;
	return NULL;
}

int
wm_xdp_probe(const char *ifname, char *why, size_t whylen)
{
	struct wm_xdp_meter *m = calloc(1, sizeof(*m));
	int rc;

	if (m == NULL)
		return -ENOMEM;
	m->p.max_flows = 16;
	m->p.ifname = ifname;
	m->p.mode = WM_XDP_MODE_NATIVE;
	rc = meter_load(m, why, whylen);
	if (rc == 0 && ifname != NULL) {
		m->ifindex = (int)if_nametoindex(ifname);
		rc = m->ifindex == 0 ? -ENODEV : meter_attach(m, why, whylen);
		if (rc == -EOPNOTSUPP || rc == -EINVAL)
			snprintf(why, whylen, "no native XDP on this driver");
		if (rc == -EINVAL)
			rc = -EOPNOTSUPP;
	}
	if (rc != 0)
		m->xdp_flags = 0;
	wm_xdp_meter_close(m);
	return rc;
}

const char *
wm_xdp_meter_mode(const struct wm_xdp_meter *m)
{
	return m->xdp_flags & XDP_FLAGS_SKB_MODE ? "skb" : "native";
}

void
wm_xdp_meter_detach(struct wm_xdp_meter *m)
{
	if (m->xdp_flags != 0)
		bpf_xdp_detach(m->ifindex, m->xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	m->xdp_flags = 0;
}

void
wm_xdp_meter_close(struct wm_xdp_meter *m)
{
	if (m == NULL)
		return;
	wm_xdp_meter_detach(m);
	maps_unpin(m);
	bpf_object__close(m->obj);
	free(m->percpu);
	free(m->due);
	free(m->due_reason);
	free(m);
}

/* Any thread may ask (telemetry, the report): its own buffer, the map's syscalls. */
int
wm_xdp_meter_counters(const struct wm_xdp_meter *m, uint64_t c[WM_XDP_C_MAX])
{
	uint64_t *v = calloc(m->ncpu, sizeof(*v));
	unsigned int cpu;
	uint32_t i;
	int rc = 0;

	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < WM_XDP_C_MAX; i++) {
		c[i] = 0;
		if (bpf_map_lookup_elem(m->counters_fd, &i, v) != 0) {
			rc = -errno;
			break;
		}
		for (cpu = 0; cpu < m->ncpu; cpu++)
			c[i] += v[cpu];
	}
	free(v);
	return rc;
}

uint64_t
wm_xdp_meter_errors(const struct wm_xdp_meter *m)
{
	return __atomic_load_n(&m->errors, __ATOMIC_RELAXED);
}

int
wm_xdp_meter_map_fd(const struct wm_xdp_meter *m, const char *name)
{
	return bpf_object__find_map_fd_by_name(m->obj, name);
}

/* A map syscall failed: a key gone meanwhile (ENOENT) is no error. */
static void
count_error(struct wm_xdp_meter *m)
{
	if (errno != ENOENT)
		__atomic_fetch_add(&m->errors, 1, __ATOMIC_RELAXED);
}

/* Sum the CPUs' shares; the "first" fields come from the CPU that saw the flow first. */
static void
merge(const struct wm_xdp_meter *m, struct merged *g)
{
	unsigned int cpu, d;

	memset(g, 0, sizeof(*g));
	for (cpu = 0; cpu < m->ncpu; cpu++) {
		const struct wm_xdp_val *v = &m->percpu[cpu];

		if (v->first_ns == 0)
			continue;
		if (!g->any || v->first_ns < g->v.first_ns) {
			uint64_t last = g->v.last_ns;
			uint16_t lo = g->v.min_len, hi = g->v.max_len;
			struct wm_xdp_val sum = g->v;

			g->v = *v; /* its first packet's fields */
			for (d = 0; d < 2 && g->any; d++) {
				g->v.pkts[d] += sum.pkts[d];
				g->v.octets[d] += sum.octets[d];
				g->v.tcp_flags[d] |= sum.tcp_flags[d];
			}
			if (g->any) {
				g->v.last_ns = last > v->last_ns ? last : v->last_ns;
				g->v.min_len = lo < v->min_len ? lo : v->min_len;
				g->v.max_len = hi > v->max_len ? hi : v->max_len;
			}
			g->any = true;
			continue;
		}
		for (d = 0; d < 2; d++) {
			g->v.pkts[d] += v->pkts[d];
			g->v.octets[d] += v->octets[d];
			g->v.tcp_flags[d] |= v->tcp_flags[d];
		}
		if (v->last_ns > g->v.last_ns)
			g->v.last_ns = v->last_ns;
		if (v->min_len < g->v.min_len)
			g->v.min_len = v->min_len;
		if (v->max_len > g->v.max_len)
			g->v.max_len = v->max_len;
	}
}

/* Why a flow is due now (flowEndReason), 0 when it is not. */
static uint8_t
due_reason(const struct wm_xdp_meter *m, const struct wm_xdp_key *k, const struct merged *g,
	   const struct wm_xdp_state *st, uint64_t now)
{
	uint8_t f0 = g->v.tcp_flags[0], f1 = g->v.tcp_flags[1];
	uint64_t since;

	if (now - g->v.last_ns >= m->p.idle_ns)
		return WM_FLOW_END_IDLE;
	if (k->proto == 6 && k->kind != WM_XDP_KIND_L2 &&
	    ((f0 | f1) & TCP_RST || (f0 & f1 & TCP_FIN)) && now - g->v.last_ns >= m->p.linger_ns)
		return WM_FLOW_END_EOF;
	since = st != NULL && st->last_export_ns != 0 ? st->last_export_ns
		: st != NULL			      ? st->first_ns
						      : g->v.first_ns;
	if (now - since >= m->p.active_ns)
		return WM_FLOW_END_ACTIVE;
	return 0;
}

/* A merged flow as lib/flow's record, oriented on its initiator (dir 'init'). */
static void
record_fill(const struct wm_xdp_meter *m, const struct wm_xdp_key *k, const struct merged *g,
	    unsigned int init, uint8_t reason, struct wm_flow_export *e)
{
	const struct wm_xdp_val *v = &g->v;
	bool same = v->first_dir == init;

	memset(e, 0, sizeof(*e));
	memcpy(e->src, init ? k->b : k->a, 16);
	memcpy(e->dst, init ? k->a : k->b, 16);
	e->sport = init ? k->pb : k->pa;
	e->dport = init ? k->pa : k->pb;
	e->start_ns = v->first_ns + (uint64_t)m->mono_to_epoch;
	e->end_ns = v->last_ns + (uint64_t)m->mono_to_epoch;
	e->pkts[0] = v->pkts[init];
	e->pkts[1] = v->pkts[!init];
	e->octets[0] = v->octets[init];
	e->octets[1] = v->octets[!init];
	e->tcp_flags[0] = v->tcp_flags[init];
	e->tcp_flags[1] = v->tcp_flags[!init];
	e->spi = k->spi;
	e->vlan = k->vlan;
	e->cvlan = k->cvlan;
	e->in_port = m->p.in_port;
	e->icmp_type_code = v->icmp_type_code;
	e->min_len = v->min_len;
	e->max_len = v->max_len;
	e->kind = k->kind;
	e->proto = k->kind == WM_XDP_KIND_L2 ? 0 : k->proto;
	e->tos = v->tos;
	e->end_reason = reason;
	e->flags = (k->flags & WM_XDP_KEY_F_ESP ? WM_FLOW_REC_F_ESP : 0) |
		   (k->flags & WM_XDP_KEY_F_FRAG ? WM_FLOW_REC_F_FRAG : 0);
	if (k->kind == WM_XDP_KIND_L2)
		e->ethertype = k->ethertype;
	memcpy(e->smac, same ? v->mac_src : v->mac_dst, 6);
	memcpy(e->dmac, same ? v->mac_dst : v->mac_src, 6);
}

/*
 * The key after cur (from w's position when !*have), *budget one less;
 * false at the map's end (the walk starts over next time) or out of budget.
 */
static bool
walk_next(int fd, struct walk *w, struct wm_xdp_key *cur, bool *have, unsigned int *budget)
{
	struct wm_xdp_key next;
	const struct wm_xdp_key *from = *have ? cur : w->valid ? &w->at : NULL;

	if (*budget == 0)
		return false;
	if (bpf_map_get_next_key(fd, from, &next) != 0) {
		w->valid = false;
		return false;
	}
	(*budget)--;
	*cur = next;
	*have = true;
	return true;
}

/* Walk the flow hash on; note up to max keys that are due, with their reason. */
static unsigned int
collect_due(struct wm_xdp_meter *m, bool flush, uint64_t now, unsigned int max,
	    unsigned int *budget)
{
	struct wm_xdp_key cur;
	unsigned int n = 0;
	bool have = false;

	while (n < max && walk_next(m->flows_fd, &m->flow_walk, &cur, &have, budget)) {
		struct wm_xdp_state st;
		struct merged g;
		uint8_t r = 0;
		bool has_st;

		if (bpf_map_lookup_elem(m->flows_fd, &cur, m->percpu) != 0) {
			count_error(m);
			continue;
		}
		merge(m, &g);
		if (g.any) {
			has_st = bpf_map_lookup_elem(m->state_fd, &cur, &st) == 0;
			r = flush ? WM_FLOW_END_FORCED
				  : due_reason(m, &cur, &g, has_st ? &st : NULL, now);
		}
		if (r == 0) { /* stays: the next walk goes on from here */
			m->flow_walk.at = cur;
			m->flow_walk.valid = true;
			continue;
		}
		m->due[n] = cur;
		m->due_reason[n++] = r;
	}
	return n;
}

/*
 * A flow's counters out of the map into m->percpu; 0 or -1 (errno).
 * Before 5.14 a lookup, then a delete: what the program adds between
 * the two is lost (never exported twice).
 */
static int
flow_take(struct wm_xdp_meter *m, const struct wm_xdp_key *k)
{
	if (m->del_atomic)
		return bpf_map_lookup_and_delete_elem(m->flows_fd, k, m->percpu);
	if (bpf_map_lookup_elem(m->flows_fd, k, m->percpu) != 0)
		return -1;
	return bpf_map_delete_elem(m->flows_fd, k);
}

/* Take one due flow out of the map and write its record; false when it was gone. */
static bool
export_one(struct wm_xdp_meter *m, const struct wm_xdp_key *k, uint8_t reason, uint64_t now,
	   struct wm_flow_export *e)
{
	struct wm_xdp_state st;
	bool has_st = bpf_map_lookup_elem(m->state_fd, k, &st) == 0;
	struct merged g;

	if (flow_take(m, k) != 0) {
		count_error(m);
		return false;
	}
	merge(m, &g);
	if (!g.any)
		return false;
	record_fill(m, k, &g, has_st ? st.init_dir & 1 : g.v.first_dir & 1, reason, e);
	if (reason != WM_FLOW_END_ACTIVE) {
		bpf_map_delete_elem(m->state_fd, k);
	} else if (has_st) {
		st.last_export_ns = now;
		st.last_ns = g.v.last_ns;
		bpf_map_update_elem(m->state_fd, k, &st, BPF_EXIST);
	}
	return true;
}

/*
 * States whose flow has had no packet since its last active export: gone
 * once idle, with no record (lib/flow's rule); on flush, all of them.
 */
static void
states_expire(struct wm_xdp_meter *m, bool flush, uint64_t now, unsigned int budget)
{
	struct wm_xdp_key cur;
	unsigned int n = 0, i;
	bool have = false;

	while (n < COLLECT_MAX && walk_next(m->state_fd, &m->state_walk, &cur, &have, &budget)) {
		struct wm_xdp_state st;

		if (bpf_map_lookup_elem(m->state_fd, &cur, &st) != 0) {
			count_error(m);
			continue;
		}
		/* No packet since its last export (else the flow walk decides), and idle. */
		if (bpf_map_lookup_elem(m->flows_fd, &cur, m->percpu) != 0 &&
		    (flush || now - (st.last_ns != 0 ? st.last_ns : st.first_ns) >= m->p.idle_ns)) {
			m->due[n++] = cur;
			continue;
		}
		/* Stays; should its flow end, export_one() deletes it: the walk starts over. */
		m->state_walk.at = cur;
		m->state_walk.valid = true;
	}
	for (i = 0; i < n; i++)
		if (bpf_map_delete_elem(m->state_fd, &m->due[i]) != 0)
			count_error(m);
}

int
wm_xdp_meter_poll(struct wm_xdp_meter *m, bool flush, struct wm_flow_export *out, unsigned int max)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);
	unsigned int n, i, k = 0, k0, want;
	unsigned int budget = flush ? UINT_MAX : WM_XDP_POLL_KEYS;

	if (flush) /* every key, from the first */
		m->flow_walk.valid = m->state_walk.valid = false;
	while (k < max) {
		want = max - k < COLLECT_MAX ? max - k : COLLECT_MAX;
		k0 = k;
		n = collect_due(m, flush, now, want, &budget);
		for (i = 0; i < n; i++)
			if (export_one(m, &m->due[i], m->due_reason[i], now, &out[k]))
				k++;
		/* A round that exported nothing would collect the same keys again. */
		if (n < want || k == k0)
			break;
	}
	if (k < max)
		states_expire(m, flush, now, flush ? UINT_MAX : WM_XDP_POLL_KEYS);
	return (int)k;
}

int
wm_xdp_private_file(const void *buf, size_t len, const char *name, char *path, size_t pathlen)
{
	char dir[PATH_MAX];
	const char *p = buf;
	ssize_t n = 0;
	int fd, rc = 0;

	/*
	 * A program file net_af_xdp opens by name after we wrote (or verified)
	 * it: a new directory only we can enter (mkdtemp, 0700), the file
	 * created there and nowhere else (O_EXCL, O_NOFOLLOW: never an existing
	 * file or a link someone planted), 0600. Between the write and the
	 * PMD's load no other user can replace, rename or change it.
	 */
	snprintf(dir, sizeof(dir), "/tmp/wiremeter-xdp-%d-XXXXXX", (int)getpid());
	if (mkdtemp(dir) == NULL)
		return -errno;
	if ((size_t)snprintf(path, pathlen, "%s/%s", dir, name) >= pathlen) {
		rmdir(dir);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = -errno;
	for (; rc == 0 && len > 0; p += n, len -= (size_t)n)
		if ((n = write(fd, p, len)) < 0)
			rc = -errno;
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -EIO;
	if (rc != 0)
		wm_xdp_private_file_remove(path);
	return rc;
}

void
wm_xdp_private_file_remove(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (path == NULL || path[0] == '\0')
		return;
	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
}

static void
filter_unpin(void)
{
	char p[PATH_MAX];
	unsigned int i;

	for (i = 0; i < sizeof(filter_maps) / sizeof(filter_maps[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", WM_XDP_PIN_ROOT, filter_maps[i]);
		unlink(p);
	}
}

static int
filter_map_fd(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", WM_XDP_PIN_ROOT, name);
	return bpf_obj_get(p);
}

int
wm_xdp_filter_set_rules(const struct wm_xdp_rule *rules, unsigned int n)
{
	int rfd = filter_map_fd("wm_pf_rules"), cfd = filter_map_fd("wm_pf_cfg"), rc = 0;
	struct wm_xdp_cfg cfg = {.n_rules = 0};
	uint32_t i, zero = 0;

	if (rfd < 0 || cfd < 0) {
		rc = -ENOENT;
		goto out;
	}
	/* Fewer rules first, so no packet meets a half-written list. */
	if (bpf_map_update_elem(cfd, &zero, &cfg, BPF_ANY) != 0)
		rc = -errno;
	for (i = 0; rc == 0 && i < n; i++)
		if (bpf_map_update_elem(rfd, &i, &rules[i], BPF_ANY) != 0)
			rc = -errno;
	cfg.n_rules = n;
	if (rc == 0 && bpf_map_update_elem(cfd, &zero, &cfg, BPF_ANY) != 0)
		rc = -errno;
out:
	if (rfd >= 0)
		close(rfd);
	if (cfd >= 0)
		close(cfd);
	return rc;
}

int
wm_xdp_filter_prepare(const struct wm_xdp_rule *rules, unsigned int n, char *path, size_t pathlen,
		      char *err, size_t errlen)
{
	struct bpf_object *obj;
	int rc;

	libbpf_init();
	rc = wm_xdp_private_file(wm_xdp_filter_obj, wm_xdp_filter_obj_len, "wm_xdp_filter.bpf.o",
				 path, pathlen);
	if (rc != 0) {
		snprintf(err, errlen, "XDP prefilter: cannot write its program file: %s",
			 strerror(-rc));
		return rc;
	}
	/* Maps of an earlier run (maybe another layout) would be reused: gone first. */
	filter_unpin();
	obj = bpf_object__open_file(path, NULL);
	rc = obj == NULL ? -errno : bpf_object__load(obj);
	bpf_object__close(obj); /* the pinned maps stay */
	if (rc == 0)
		rc = wm_xdp_filter_set_rules(rules, n);
	if (rc != 0) {
		snprintf(err, errlen, "XDP prefilter: cannot load it or pin its maps under %s: %s",
			 WM_XDP_PIN_ROOT, strerror(-rc));
		wm_xdp_filter_cleanup(path);
	}
	return rc;
}

int
wm_xdp_filter_counters(uint64_t c[WM_XDP_C_MAX])
{
	int fd = filter_map_fd("wm_pf_counters"), n = libbpf_num_possible_cpus();
	uint64_t *v;
	uint32_t i;
	int cpu, rc = 0;

	memset(c, 0, WM_XDP_C_MAX * sizeof(c[0]));
	if (fd < 0)
		return -ENOENT;
	v = n > 0 ? calloc((size_t)n, sizeof(*v)) : NULL;
	for (i = 0; v != NULL && rc == 0 && i < WM_XDP_C_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, v) != 0)
			rc = -errno;
		for (cpu = 0; rc == 0 && cpu < n; cpu++)
			c[i] += v[cpu];
	}
	if (v == NULL)
		rc = -ENOMEM;
	free(v);
	close(fd);
	return rc;
}

void
wm_xdp_filter_cleanup(const char *path)
{
	filter_unpin();
	wm_xdp_private_file_remove(path);
}
