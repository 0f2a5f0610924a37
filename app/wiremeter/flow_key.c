/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/* Flow keys as text, for telemetry's /wiremeter/flow and the console (wm_flow_key.h). */

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include "wm_flow_key.h"

static int
endpoint_bad(const char *s, size_t len, char *err, size_t errlen)
{
	snprintf(err, errlen, "'%.*s' is not ADDRESS:PORT (IPv6 in brackets)", (int)len, s);
	return -EINVAL;
}

/*
 * The address of "ADDRESS:PORT" or "[ADDRESS]:PORT" (s, len) copied into
 * a (size bytes, NUL-terminated), its family set: returns the ':' before
 * the port, or NULL when the endpoint has no such shape.
 */
static const char *
endpoint_address(const char *s, size_t len, char *a, size_t size, int *family)
{
	const char *from = s, *end, *colon;

	if (len > 0 && s[0] == '[') {
		end = memchr(s, ']', len);
		if (end == NULL || end + 1 >= s + len || end[1] != ':')
			return NULL;
		from = s + 1;
		colon = end + 1;
		*family = AF_INET6;
	} else {
		end = memchr(s, ':', len);
		if (end == NULL)
			return NULL;
		colon = end;
		*family = AF_INET;
	}
	if ((size_t)(end - from) >= size)
		return NULL;
	memcpy(a, from, (size_t)(end - from));
	a[end - from] = '\0';
	return colon;
}

/*
 * The port after the ':', 'rest' characters of the endpoint s. A port of
 * no or too many characters is named by the endpoint's first 'rest'
 * characters, as the message always has.
 */
static int
endpoint_port(const char *s, const char *text, size_t rest, uint16_t *port, char *err,
	      size_t errlen)
{
	char p[8];
	char *end;
	unsigned long v;

	if (rest == 0 || rest >= sizeof(p))
		return endpoint_bad(s, rest, err, errlen);
	memcpy(p, text, rest);
	p[rest] = '\0';
	v = strtoul(p, &end, 10);
	if (*end != '\0' || p[0] == '-' || v > UINT16_MAX) {
		snprintf(err, errlen, "'%s' is not a port (0..65535)", p);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

/* One endpoint: "10.0.0.1:80" or "[2001:db8::1]:80". */
static int
parse_endpoint(const char *s, size_t len, int *family, uint8_t addr[16], uint16_t *port, char *err,
	       size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 2];
	const char *colon = endpoint_address(s, len, a, sizeof(a), family);

	if (colon == NULL)
		return endpoint_bad(s, len, err, errlen);
	memset(addr, 0, 16);
	if (inet_pton(*family, a, addr) != 1) {
		snprintf(err, errlen, "'%s' is not an %s address", a,
			 *family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	return endpoint_port(s, colon + 1, len - (size_t)(colon + 1 - s), port, err, errlen);
}

/* Every error names the key: "flow key 'TEXT': WHY". */
static int
key_error(const char *text, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "flow key '%s': %s", text, why);
	return -EINVAL;
}

/* The '-' between the endpoints: the first one outside brackets, or NULL. */
static const char *
key_dash(const char *text)
{
	int depth = 0;
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		else if (*p == '-' && depth == 0)
			return p;
	}
	return NULL;
}

/* The protocol after the '/' (up to '@', when at is not NULL): by name or number; -1 if neither. */
static int
key_proto(const char *slash, const char *at)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} protos[] = {{"tcp", 6},     {"udp", 17},   {"icmp", 1},
		      {"icmpv6", 58}, {"sctp", 132}, {"gre", 47}};
	size_t len = at != NULL ? (size_t)(at - slash - 1) : strlen(slash + 1);
	unsigned long v;
	unsigned int i;
	char *end;

	for (i = 0; i < RTE_DIM(protos); i++)
		if (strncasecmp(slash + 1, protos[i].name, len) == 0 &&
		    strlen(protos[i].name) == len)
			return protos[i].proto;
	v = strtoul(slash + 1, &end, 10);
	if (end == slash + 1 || (*end != '\0' && end != at) || v > 255)
		return -1;
	return (int)v;
}

/*
 * A VLAN id 0..4095 from s up to the end of the key or, when a dot may
 * follow, its '.'; -1 if none. *next is where it stopped.
 */
static int
key_vlan(const char *s, bool dot, const char **next)
{
	unsigned long v;
	char *end;

	v = strtoul(s, &end, 10);
	*next = end;
	if (end == s || (*end != '\0' && !(dot && *end == '.')) || v > 4095)
		return -1;
	return (int)v;
}

int
wm_ctl_parse_flow_key(const char *text, struct wm_pkt_meta *m, char *err, size_t errlen)
{
	const char *dash = key_dash(text), *slash, *at;
	char why[160];
	const char *next;
	int fa, fb, proto, vlan;

	memset(m, 0, sizeof(*m));
	slash = dash != NULL ? strchr(dash, '/') : NULL;
	if (dash == NULL || slash == NULL)
		return key_error(text,
				 "expected SRC:SPORT-DST:DPORT/PROTO[@VLAN[.INNER]], e.g. "
				 "10.0.0.1:1234-10.0.0.2:80/6",
				 err, errlen);
	if (parse_endpoint(text, (size_t)(dash - text), &fa, m->src, &m->sport, why, sizeof(why)) !=
		    0 ||
	    parse_endpoint(dash + 1, (size_t)(slash - dash - 1), &fb, m->dst, &m->dport, why,
			   sizeof(why)) != 0)
		return key_error(text, why, err, errlen);
	if (fa != fb)
		return key_error(text, "one IPv4 and one IPv6 address", err, errlen);
	m->kind = fa == AF_INET ? WM_PKT_KIND_IPV4 : WM_PKT_KIND_IPV6;
	at = strchr(slash, '@');
	proto = key_proto(slash, at);
	if (proto < 0)
		return key_error(text,
				 "protocol is a number 0..255 or tcp, udp, icmp, icmpv6, sctp, gre",
				 err, errlen);
	m->proto = (uint8_t)proto;
	if (at == NULL)
		return 0;
	vlan = key_vlan(at + 1, true, &next);
	if (vlan < 0)
		return key_error(text, "VLAN after '@' is 0..4095", err, errlen);
	m->vlan = (uint16_t)vlan;
	if (*next != '.')
		return 0;
	/* QinQ and deeper: the innermost VLAN id after a '.' (dot1qCustomerVlanId). */
	vlan = key_vlan(next + 1, false, &next);
	if (vlan < 0)
		return key_error(text, "inner VLAN after '.' is 0..4095", err, errlen);
	m->cvlan = (uint16_t)vlan;
	return 0;
}
