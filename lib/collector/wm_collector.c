/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The token bucket, the paced UDP link (every udp:// collector: with
 * --ipfix-rate 0 it only counts refusals), and the dispatch of collector
 * URIs between this library (udp:// paced, tls://) and drivers/ipfix
 * (udp:// unpaced, tcp://, file:).
 *
 * A paced link is a transport of its own (transport_priv.h's base and
 * ops) wrapping drivers/ipfix's UDP transport: every call goes through to
 * the inner one, send() first asks the bucket. The base's stats are a
 * copy of the inner transport's, taken after every call that may change
 * them, so wm_ipfix_transport_stats() reads the real counters.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "collector_priv.h"

#define NS_PER_S 1000000000ll

/* ---- token bucket ---- */

void
wm_tbucket_init(struct wm_tbucket *b, uint64_t rate, uint64_t depth, uint64_t now_ns)
{
	b->rate = rate != 0 ? rate : 1;
	b->depth = depth != 0 ? depth : 1;
	b->credit = (int64_t)b->depth * NS_PER_S;
	b->last_ns = now_ns;
}

/*
 * Credit after the time since last_ns, capped at depth. The time is
 * capped first at what fills the bucket from empty (and from the
 * deepest debt, one cost above depth), so elapsed * rate never
 * overflows: at most 2 * depth * 1e9 + rate.
 */
static int64_t
tbucket_credit(const struct wm_tbucket *b, uint64_t now_ns)
{
	const int64_t full = (int64_t)b->depth * NS_PER_S;
	uint64_t elapsed = now_ns > b->last_ns ? now_ns - b->last_ns : 0;
	uint64_t fill_ns = (uint64_t)(full - (b->credit < 0 ? b->credit : 0)) / b->rate + 1;
	int64_t c;

	if (elapsed >= fill_ns)
		return full;
	c = b->credit + (int64_t)(elapsed * b->rate);
	return c > full ? full : c;
}

bool
wm_tbucket_take(struct wm_tbucket *b, uint64_t cost, uint64_t now_ns)
{
	const int64_t full = (int64_t)b->depth * NS_PER_S;
	int64_t c = tbucket_credit(b, now_ns);

	b->credit = c;
	if (now_ns > b->last_ns)
		b->last_ns = now_ns;
	if (c < full && c < (int64_t)cost * NS_PER_S)
		return false;
	b->credit = c - (int64_t)cost * NS_PER_S;
	return true;
}

void
wm_tbucket_refund(struct wm_tbucket *b, uint64_t cost)
{
	const int64_t full = (int64_t)b->depth * NS_PER_S;

	b->credit += (int64_t)cost * NS_PER_S;
	if (b->credit > full)
		b->credit = full;
}

uint64_t
wm_tbucket_wait_ns(const struct wm_tbucket *b, uint64_t cost, uint64_t now_ns)
{
	const int64_t full = (int64_t)b->depth * NS_PER_S;
	int64_t c = tbucket_credit(b, now_ns);
	int64_t need = (int64_t)cost * NS_PER_S;

	if (need > full)
		need = full;
	if (c >= need)
		return 0;
	return (uint64_t)(need - c + (int64_t)b->rate - 1) / b->rate;
}

/* ---- shared with tls.c ---- */

void
wm_collector_error(struct wm_collector_stats *xs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(xs->last_error, sizeof(xs->last_error), fmt, ap);
	va_end(ap);
	xs->errors_seen++;
}

uint64_t
wm_collector_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* ---- what every link shares ---- */

int
wm_collector_link_init(struct wm_collector_link *l, const struct wm_ipfix_transport_ops *ops,
		       enum wm_ipfix_transport_kind kind, const char *scheme, const char *uri,
		       const struct wm_collector_params *p, bool pace)
{
	l->base.ops = ops;
	l->base.kind = kind;
	l->base.uri = strdup(uri);
	l->scheme = scheme;
	l->paced = pace && p->rate_per_s > 0;
	l->bits = p->rate_bits;
	wm_tbucket_init(&l->tb, (uint64_t)(p->rate_per_s + 0.5),
			l->bits ? WM_COLLECTOR_BURST_BYTES * 8 : WM_COLLECTOR_BURST_MSGS,
			wm_collector_now_ns());
	return l->base.uri != NULL ? 0 : -ENOMEM;
}

static uint64_t
link_cost(const struct wm_collector_link *l, size_t len)
{
	return l->bits ? (uint64_t)len * 8 : 1;
}

bool
wm_collector_pace(struct wm_collector_link *l, size_t len)
{
	if (!l->paced || wm_tbucket_take(&l->tb, link_cost(l, len), wm_collector_now_ns()))
		return true;
	l->xs.paced++;
	return false;
}

/* Tokens of a message the socket did not take go back: only datagrams that left count. */
void
wm_collector_unpace(struct wm_collector_link *l, size_t len)
{
	if (l->paced)
		wm_tbucket_refund(&l->tb, link_cost(l, len));
}

void
wm_collector_refused(struct wm_collector_link *l)
{
	l->xs.refused++;
	wm_collector_error(&l->xs,
			   "datagrams refused (ICMP port unreachable): nothing listens there");
}

static bool
link_of(const struct wm_ipfix_transport *t)
{
	return t->ops == &wm_collector_paced_ops || t->ops == &wm_collector_tls_ops ||
	       t->ops == &wm_collector_dtls_ops;
}

/* ---- the paced UDP link ---- */

struct wm_paced {
	struct wm_collector_link link;	  /* first: see collector_priv.h */
	struct wm_ipfix_transport *inner; /* drivers/ipfix's UDP transport */
};

static struct wm_paced *
paced_of(struct wm_ipfix_transport *t)
{
	return (struct wm_paced *)t;
}

static const struct wm_paced *
paced_of_const(const struct wm_ipfix_transport *t)
{
	return (const struct wm_paced *)t;
}

static void
paced_sync(struct wm_paced *p)
{
	p->link.base.stats = *wm_ipfix_transport_stats(p->inner);
}

static int
paced_poll(struct wm_ipfix_transport *t, uint64_t now_ns)
{
	struct wm_paced *p = paced_of(t);
	int rc = wm_ipfix_transport_poll(p->inner, now_ns);

	paced_sync(p);
	return rc;
}

static bool
paced_up(const struct wm_ipfix_transport *t)
{
	return wm_ipfix_transport_up(paced_of_const(t)->inner);
}

static int
paced_send(struct wm_ipfix_transport *t, const void *msg, size_t len, uint64_t cookie)
{
	struct wm_paced *p = paced_of(t);
	int rc;

	if (!wm_collector_pace(&p->link, len))
		return -EAGAIN;
	rc = wm_ipfix_transport_send(p->inner, msg, len, cookie);
	if (rc != 0)
		wm_collector_unpace(&p->link, len);
	if (rc == -ECONNREFUSED)
		wm_collector_refused(&p->link);
	else if (rc != 0 && rc != -EAGAIN)
		wm_collector_error(&p->link.xs, "send failed: %s", strerror(-rc));
	paced_sync(p);
	return rc;
}

static unsigned int
paced_take_acked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_transport_take_acked(paced_of(t)->inner, cookies, max);
}

static unsigned int
paced_take_unacked(struct wm_ipfix_transport *t, uint64_t *cookies, unsigned int max)
{
	return wm_ipfix_transport_take_unacked(paced_of(t)->inner, cookies, max);
}

static bool
paced_busy(const struct wm_ipfix_transport *t)
{
	return wm_ipfix_transport_busy(paced_of_const(t)->inner);
}

static int
paced_close(struct wm_ipfix_transport *t)
{
	struct wm_paced *p = paced_of(t);
	int rc = wm_ipfix_transport_close(p->inner);

	free(p);
	return rc;
}

const struct wm_ipfix_transport_ops wm_collector_paced_ops = {
	.poll = paced_poll,
	.up = paced_up,
	.send = paced_send,
	.take_acked = paced_take_acked,
	.take_unacked = paced_take_unacked,
	.busy = paced_busy,
	.close = paced_close,
};

static struct wm_ipfix_transport *
paced_open(const char *uri, const struct wm_collector_params *prm, char *err, size_t errlen)
{
	struct wm_ipfix_transport *inner = wm_ipfix_transport_open(uri, err, errlen);
	struct wm_paced *p;

	if (inner == NULL)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL ||
	    wm_collector_link_init(&p->link, &wm_collector_paced_ops, WM_IPFIX_TRANSPORT_UDP, "udp",
				   uri, prm, true) != 0) {
		wm_ipfix_transport_close(inner);
		if (p != NULL)
			free(p->link.base.uri);
		free(p);
		wm_ipfix_err(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	p->inner = inner;
	paced_sync(p);
	return &p->link.base;
}

/* ---- dispatch ---- */

/* Is @p uri of @p scheme ("tls")? Followed by "://"; the scheme in any case. */
static bool
uri_is(const char *uri, const char *scheme)
{
	size_t n = strlen(scheme);

	return uri != NULL && strncasecmp(uri, scheme, n) == 0 && strncmp(uri + n, "://", 3) == 0;
}

/*
 * drivers/ipfix's check, whose list of schemes does not know ours: a
 * message naming that list names the whole one.
 */
static int
drivers_check(const char *uri, char *why, size_t whylen)
{
	static const char theirs[] = "(use udp://, tcp:// or file:)";
	int rc = wm_ipfix_transport_check(uri, why, whylen);
	char *at = rc != 0 && why != NULL ? strstr(why, theirs) : NULL;

	if (at != NULL && (size_t)(at - why) < whylen)
		snprintf(at, whylen - (size_t)(at - why), "%s",
			 "(use udp://, tcp://, tls://, dtls:// or file:)");
	return rc;
}

int
wm_collector_check(const char *uri, char *why, size_t whylen)
{
	char tcp[WM_IPFIX_HOST_MAX + 32];

	if (!uri_is(uri, "tls") && !uri_is(uri, "dtls"))
		return drivers_check(uri, why, whylen);
	/* tls:// and dtls:// have tcp://'s grammar: let its parser judge them. */
	if (snprintf(tcp, sizeof(tcp), "tcp://%s", strstr(uri, "://") + 3) >= (int)sizeof(tcp)) {
		wm_ipfix_err(why, whylen, "host is longer than %d characters", WM_IPFIX_HOST_MAX);
		return -EINVAL;
	}
	return wm_ipfix_transport_check(tcp, why, whylen);
}

struct wm_ipfix_transport *
wm_collector_open(const char *uri, const struct wm_collector_params *p, char *err, size_t errlen)
{
	if (wm_collector_check(uri, err, errlen) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (uri_is(uri, "tls"))
		return wm_collector_tls_open(uri, p, err, errlen);
	if (uri_is(uri, "dtls"))
		return wm_collector_dtls_open(uri, p, err, errlen);
	if (uri_is(uri, "udp"))
		return paced_open(uri, p, err, errlen);
	return wm_ipfix_transport_open_via(uri, p->file_open, err, errlen);
}

void
wm_collector_stats(const struct wm_ipfix_transport *t, struct wm_collector_stats *s)
{
	if (link_of(t))
		*s = ((const struct wm_collector_link *)t)->xs;
	else
		memset(s, 0, sizeof(*s));
}

const char *
wm_collector_scheme(const struct wm_ipfix_transport *t)
{
	static const char *const names[] = {
		[WM_IPFIX_TRANSPORT_UDP] = "udp",
		[WM_IPFIX_TRANSPORT_TCP] = "tcp",
		[WM_IPFIX_TRANSPORT_FILE] = "file",
	};

	if (link_of(t))
		return ((const struct wm_collector_link *)t)->scheme;
	return names[wm_ipfix_transport_kind(t)];
}

uint64_t
wm_collector_rate(const struct wm_ipfix_transport *t, bool *bits)
{
	const struct wm_collector_link *l = (const struct wm_collector_link *)t;

	*bits = false;
	if (!link_of(t) || !l->paced)
		return 0;
	*bits = l->bits;
	return l->tb.rate;
}
