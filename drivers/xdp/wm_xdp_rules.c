/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The prefilter's rule list (--xdp-filter), parsed into the layout the
 * XDP program reads (struct wm_xdp_rule). No libbpf here: the unit suite
 * tests it alone.
 *
 *   RULES := RULE [";" RULE]...        a packet matches when any rule does
 *   RULE  := FIELD [" " FIELD]...      a rule matches when every field does
 *   FIELD := proto=tcp|udp|icmp|icmp6|sctp|esp|gre|N
 *          | port=P[-Q] | sport=P[-Q] | dport=P[-Q]     one per rule
 *          | net=PREFIX | src=PREFIX | dst=PREFIX       one per rule
 *          | vlan=N | ethertype=ipv4|ipv6|arp|0xHHHH|N
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm_xdp.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A whole number in [0, max], decimal or 0x hex; -1 when it is not. */
static long
number(const char *s, long max)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtol(s, &end, 0);
	return *end != '\0' || errno != 0 || v > max ? -1 : v;
}

static int
parse_proto(const char *v, struct wm_xdp_rule *r)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} names[] = {{"tcp", 6},    {"udp", 17}, {"icmp", 1}, {"icmp6", 58},
		     {"sctp", 132}, {"esp", 50}, {"gre", 47}};
	unsigned int i;
	long n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i].name) == 0) {
			r->proto = names[i].proto;
			return 0;
		}
	n = number(v, 255);
	if (n < 0)
		return -1;
	r->proto = (uint8_t)n;
	return 0;
}

/*
 * "HEAD[SEP TAIL]": HEAD copied into head (at most len - 1 characters, not
 * empty), *tail set after SEP or NULL. 0, or -1 when HEAD does not fit.
 */
static int
split(const char *v, char sep, char *head, size_t len, const char **tail)
{
	const char *at = strchr(v, sep);
	size_t n = at != NULL ? (size_t)(at - v) : strlen(v);

	if (n == 0 || n >= len)
		return -1;
	memcpy(head, v, n);
	head[n] = '\0';
	*tail = at != NULL ? at + 1 : NULL;
	return 0;
}

static int
parse_ports(const char *v, struct wm_xdp_rule *r)
{
	const char *dash;
	char lo[16];
	long a, b;

	if (split(v, '-', lo, sizeof(lo), &dash) != 0)
		return -1;
	a = number(lo, 65535);
	b = dash != NULL ? number(dash, 65535) : a;
	if (a < 0 || b < 0 || b < a)
		return -1;
	r->port_lo = (uint16_t)a;
	r->port_hi = (uint16_t)b;
	return 0;
}

/* "10.0.0.0/8", "2001:db8::/32", or one address: addr, mask and family. */
static int
parse_prefix(const char *v, struct wm_xdp_rule *r)
{
	const char *slash;
	char buf[64];
	long bits;
	int i;

	if (split(v, '/', buf, sizeof(buf), &slash) != 0)
		return -1;
	memset(r->addr, 0, sizeof(r->addr));
	memset(r->mask, 0, sizeof(r->mask));
	if (inet_pton(AF_INET, buf, r->addr) == 1)
		r->family = 4;
	else if (inet_pton(AF_INET6, buf, r->addr) == 1)
		r->family = 6;
	else
		return -1;
	bits = slash != NULL ? number(slash, r->family == 4 ? 32 : 128)
			     : (r->family == 4 ? 32 : 128);
	if (bits < 0)
		return -1;
	for (i = 0; i < 16; i++) {
		long b = bits - 8 * i;

		r->mask[i] = b >= 8 ? 0xff : b <= 0 ? 0 : (uint8_t)(0xff << (8 - b));
		r->addr[i] &= r->mask[i];
	}
	return 0;
}

static int
parse_ethertype(const char *v, struct wm_xdp_rule *r)
{
	long n = strcmp(v, "ipv4") == 0	  ? 0x0800
		 : strcmp(v, "ipv6") == 0 ? 0x86dd
		 : strcmp(v, "arp") == 0  ? 0x0806
					  : number(v, 0xffff);

	if (n < 0)
		return -1;
	r->ethertype = (uint16_t)n;
	return 0;
}

/* One KEY=VALUE into rule r; 0, or -EINVAL with err set. */
static int
parse_field(const char *f, struct wm_xdp_rule *r, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		uint32_t bit;
		int (*parse)(const char *, struct wm_xdp_rule *);
		const char *want;
	} keys[] = {
		{"proto", WM_XDP_R_PROTO, parse_proto,
		 "tcp, udp, icmp, icmp6, sctp, esp, gre or 0-255"},
		{"port", WM_XDP_R_PORT, parse_ports, "a port or a range P-Q"},
		{"sport", WM_XDP_R_SPORT, parse_ports, "a port or a range P-Q"},
		{"dport", WM_XDP_R_DPORT, parse_ports, "a port or a range P-Q"},
		{"net", WM_XDP_R_NET, parse_prefix, "an IPv4 or IPv6 address or prefix"},
		{"src", WM_XDP_R_SRC, parse_prefix, "an IPv4 or IPv6 address or prefix"},
		{"dst", WM_XDP_R_DST, parse_prefix, "an IPv4 or IPv6 address or prefix"},
		{"vlan", WM_XDP_R_VLAN, NULL, "a VLAN id 0-4095"},
		{"ethertype", WM_XDP_R_ETHERTYPE, parse_ethertype,
		 "ipv4, ipv6, arp or 0x0000-0xffff"},
	};
	const uint32_t ports = WM_XDP_R_PORT | WM_XDP_R_SPORT | WM_XDP_R_DPORT;
	const uint32_t addrs = WM_XDP_R_NET | WM_XDP_R_SRC | WM_XDP_R_DST;
	const char *eq = strchr(f, '=');
	unsigned int i;

	for (i = 0; eq != NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
		long vlan;

		if (strlen(keys[i].key) != (size_t)(eq - f) || strncmp(f, keys[i].key, eq - f) != 0)
			continue;
		if (r->what & keys[i].bit || (keys[i].bit & ports && r->what & ports) ||
		    (keys[i].bit & addrs && r->what & addrs))
			return fail(err, errlen, "'%s': one %s per rule (write another rule)", f,
				    keys[i].bit & ports	  ? "port constraint"
				    : keys[i].bit & addrs ? "address constraint"
							  : keys[i].key);
		if (keys[i].parse == NULL) {
			vlan = number(eq + 1, 4095);
			if (vlan >= 0)
				r->vlan = (uint16_t)vlan;
		}
		if (keys[i].parse != NULL ? keys[i].parse(eq + 1, r) != 0 : vlan < 0)
			return fail(err, errlen, "'%s': %s wants %s", f, keys[i].key, keys[i].want);
		r->what |= keys[i].bit;
		return 0;
	}
	return fail(err, errlen,
		    "'%s' is not KEY=VALUE with KEY proto, port, sport, dport, net, "
		    "src, dst, vlan or ethertype",
		    f);
}

int
wm_xdp_rules_parse(const char *text, struct wm_xdp_rule *rules, unsigned int *n, char *err,
		   size_t errlen)
{
	char *copy = strdup(text), *rsave = NULL, *rule;
	int rc = 0;

	*n = 0;
	if (copy == NULL)
		return fail(err, errlen, "out of memory");
	for (rule = strtok_r(copy, ";", &rsave); rc == 0 && rule != NULL;
	     rule = strtok_r(NULL, ";", &rsave)) {
		char *fsave = NULL, *f = strtok_r(rule, " \t,", &fsave);
		struct wm_xdp_rule *r = &rules[*n];

		if (f == NULL)
			continue; /* an empty rule between two ';' */
		if (*n == WM_XDP_MAX_RULES) {
			rc = fail(err, errlen, "more than %d rules", WM_XDP_MAX_RULES);
			break;
		}
		memset(r, 0, sizeof(*r));
		for (; rc == 0 && f != NULL; f = strtok_r(NULL, " \t,", &fsave))
			rc = parse_field(f, r, err, errlen);
		(*n)++;
	}
	free(copy);
	if (rc == 0 && *n == 0)
		rc = fail(err, errlen, "no rule");
	return rc;
}
