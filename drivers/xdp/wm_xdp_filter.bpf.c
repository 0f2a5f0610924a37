/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The AF_XDP prefilter (--xdp-filter): net_af_xdp loads this program
 * (its xdp_prog= devarg) and puts its sockets in xsks_map. A packet that
 * matches a rule (wm_xdp_rules.c) goes to the socket of its Rx queue;
 * every other packet passes to the kernel (XDP_PASS), so the host's own
 * traffic keeps working on a metered interface. The rules and their
 * count are maps pinned by name under /sys/fs/bpf, written by wiremeter
 * before the PMD loads the program: they change without a reload.
 */

#include "wm_xdp_parse.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, wm_u32);
	__type(value, wm_u32);
} xsks_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WM_XDP_MAX_RULES);
	__type(key, wm_u32);
	__type(value, struct wm_xdp_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wm_pf_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, wm_u32);
	__type(value, struct wm_xdp_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wm_pf_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WM_XDP_C_MAX);
	__type(key, wm_u32);
	__type(value, wm_u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} wm_pf_counters SEC(".maps");

static __always_inline void
count(wm_u32 c)
{
	wm_count(&wm_pf_counters, c);
}

/* Is addr inside the rule's prefix? */
static __always_inline int
prefix_match(const struct wm_xdp_rule *r, const wm_u32 *addr)
{
	const wm_u32 *a = (const wm_u32 *)r->addr, *m = (const wm_u32 *)r->mask;

	return ((addr[0] ^ a[0]) & m[0]) == 0 && ((addr[1] ^ a[1]) & m[1]) == 0 &&
	       ((addr[2] ^ a[2]) & m[2]) == 0 && ((addr[3] ^ a[3]) & m[3]) == 0;
}

static __always_inline int
port_in(const struct wm_xdp_rule *r, wm_u16 port)
{
	return port >= r->port_lo && port <= r->port_hi;
}

/* Does the packet match every field the rule names? */
static __always_inline int
rule_match(const struct wm_xdp_rule *r, const struct wm_xdp_key *k, const struct wm_xdp_pkt *p)
{
	wm_u8 fam = k->kind == WM_XDP_KIND_IPV4 ? 4 : k->kind == WM_XDP_KIND_IPV6 ? 6 : 0;

	if ((r->what & WM_XDP_R_ETHERTYPE) && k->ethertype != r->ethertype)
		return 0;
	if ((r->what & WM_XDP_R_VLAN) && k->vlan != r->vlan)
		return 0;
	if ((r->what & WM_XDP_R_PROTO) && (fam == 0 || k->proto != r->proto))
		return 0;
	if ((r->what & WM_XDP_R_SPORT) && (fam == 0 || !port_in(r, p->sport)))
		return 0;
	if ((r->what & WM_XDP_R_DPORT) && (fam == 0 || !port_in(r, p->dport)))
		return 0;
	if ((r->what & WM_XDP_R_PORT) &&
	    (fam == 0 || (!port_in(r, p->sport) && !port_in(r, p->dport))))
		return 0;
	if ((r->what & (WM_XDP_R_SRC | WM_XDP_R_DST | WM_XDP_R_NET)) && fam != r->family)
		return 0;
	if ((r->what & WM_XDP_R_SRC) && !prefix_match(r, p->src))
		return 0;
	if ((r->what & WM_XDP_R_DST) && !prefix_match(r, p->dst))
		return 0;
	if ((r->what & WM_XDP_R_NET) && !prefix_match(r, p->src) && !prefix_match(r, p->dst))
		return 0;
	return 1;
}

SEC("xdp")
int
wm_xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct wm_xdp_key k = {};
	struct wm_xdp_pkt p = {};
	struct wm_xdp_cfg *cfg;
	wm_u32 zero = 0, i;
	long rc;

	cfg = bpf_map_lookup_elem(&wm_pf_cfg, &zero);
	if (cfg == NULL || wm_parse(data, end, &k, &p) != 0)
		goto pass;
	for (i = 0; i < WM_XDP_MAX_RULES; i++) {
		/* The key apart from the counter: a spilled counter looks like a loop that never ends. */
		wm_u32 key = i;
		struct wm_xdp_rule *r;

		if (i >= cfg->n_rules)
			break;
		r = bpf_map_lookup_elem(&wm_pf_rules, &key);
		if (r == NULL || !rule_match(r, &k, &p))
			continue;
		/* No socket on this queue: the kernel keeps it rather than lose it. */
		rc = bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
		count(rc == XDP_REDIRECT ? WM_XDP_C_MATCHED : WM_XDP_C_NO_SOCKET);
		return (int)rc;
	}
pass:
	count(WM_XDP_C_PASSED);
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
