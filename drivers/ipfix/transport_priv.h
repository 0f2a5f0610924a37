/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_IPFIX_TRANSPORT_PRIV_H
#define WM_IPFIX_TRANSPORT_PRIV_H

/*
 * What transport.c shares with the three implementations: the parsed
 * URI, the ops table each implementation fills, the base object each
 * embeds as its first member, the ring that tracks taken messages, and
 * name resolution.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "wm_ipfix_transport.h"

/* Longest DNS name (RFC 1035), also room for "fe80::1%ifname". */
#define WM_IPFIX_HOST_MAX 253

/*
 * A collector URI cut into its parts. host and port are NUL-terminated
 * copies; path points into the URI string it was parsed from.
 */
struct wm_ipfix_uri {
	enum wm_ipfix_transport_kind kind;
	char host[WM_IPFIX_HOST_MAX + 1]; /* without the brackets of an IPv6 literal */
	bool host_bracketed;		  /* it was "[...]": an IPv6 literal */
	char port[6];			  /* decimal, as written: "4739" */
	const char *path;		  /* file: the path; NULL otherwise */
	wm_ipfix_fopen_t *fopen_fn;	  /* file: opens path; NULL: file.c's own fopen */
};

struct wm_ipfix_transport;

/*
 * One implementation. open allocates the whole object (the base first)
 * and sets errno when it returns NULL; close releases it, base included.
 * transport.c checks the arguments of send and take_* before calling.
 */
struct wm_ipfix_transport_ops {
	struct wm_ipfix_transport *(*open)(const struct wm_ipfix_uri *u, char *err, size_t errlen);
	int (*poll)(struct wm_ipfix_transport *t, uint64_t now_ns);
	bool (*up)(const struct wm_ipfix_transport *t);
	int (*send)(struct wm_ipfix_transport *t, const void *msg, size_t len, uint64_t cookie);
	unsigned int (*take_acked)(struct wm_ipfix_transport *t, uint64_t *cookies,
				   unsigned int max);
	unsigned int (*take_unacked)(struct wm_ipfix_transport *t, uint64_t *cookies,
				     unsigned int max);
	bool (*busy)(const struct wm_ipfix_transport *t);
	int (*reopen)(struct wm_ipfix_transport *t); /* NULL: nothing to reopen */
	int (*flush)(struct wm_ipfix_transport *t);  /* NULL: nothing buffered */
	int (*close)(struct wm_ipfix_transport *t);
};

extern const struct wm_ipfix_transport_ops wm_ipfix_udp_ops;
extern const struct wm_ipfix_transport_ops wm_ipfix_tcp_ops;
extern const struct wm_ipfix_transport_ops wm_ipfix_file_ops;

/*
 * The part every transport has. The implementation's own struct starts
 * with it, so a struct wm_ipfix_transport * is also a pointer to that.
 * ops, kind and uri are set by transport.c after open; stats belong to
 * the implementation.
 */
struct wm_ipfix_transport {
	const struct wm_ipfix_transport_ops *ops;
	enum wm_ipfix_transport_kind kind;
	char *uri; /* owned; freed by wm_ipfix_transport_close() */
	struct wm_ipfix_transport_stats stats;
};

/*
 * Messages taken and not yet given back to the caller, oldest first: a
 * FIFO of fixed capacity. For TCP, end is the offset in the transport's
 * byte stream just past the message; UDP and file leave it 0. The
 * capacity bounds the memory a slow or absent collector can make us
 * hold: when the ring is full, send() says -EAGAIN.
 */
#define WM_IPFIX_TRACK_CAP 65536u /* a power of 2 */

struct wm_ipfix_track_entry {
	uint64_t cookie;
	uint64_t end;
};

struct wm_ipfix_track {
	struct wm_ipfix_track_entry *ent; /* WM_IPFIX_TRACK_CAP entries */
	uint32_t head;			  /* the oldest entry, free-running */
	uint32_t tail;			  /* the next one to fill, free-running */
};

int wm_ipfix_track_init(struct wm_ipfix_track *r);
void wm_ipfix_track_fini(struct wm_ipfix_track *r);

static inline uint32_t
wm_ipfix_track_count(const struct wm_ipfix_track *r)
{
	return r->tail - r->head;
}

/* The @p i th entry from the oldest; i < count. */
static inline struct wm_ipfix_track_entry *
wm_ipfix_track_at(const struct wm_ipfix_track *r, uint32_t i)
{
	return &r->ent[(r->head + i) & (WM_IPFIX_TRACK_CAP - 1)];
}

/* Append; the caller made sure there is room. */
static inline void
wm_ipfix_track_push(struct wm_ipfix_track *r, uint64_t cookie, uint64_t end)
{
	struct wm_ipfix_track_entry *e = &r->ent[r->tail & (WM_IPFIX_TRACK_CAP - 1)];

	e->cookie = cookie;
	e->end = end;
	r->tail++;
}

/* Move up to @p max of the oldest cookies out to @p cookies. */
unsigned int wm_ipfix_track_take(struct wm_ipfix_track *r, uint64_t *cookies, unsigned int max);

/* A resolved collector address, kept so that reconnecting needs no DNS. */
struct wm_ipfix_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Addresses kept per collector name; a TCP transport tries them in turn. */
#define WM_IPFIX_ADDR_MAX 4

/*
 * Resolve @p u (blocking: only from open) for @p socktype. @return the
 * number of addresses stored in @p addrs (1 .. @p max), or a negative
 * errno with @p err set.
 */
int wm_ipfix_resolve(const struct wm_ipfix_uri *u, int socktype, struct wm_ipfix_addr *addrs,
		     unsigned int max, char *err, size_t errlen);

/* "HOST:PORT" or "[HOST]:PORT" of an address, for messages. */
void wm_ipfix_addr_str(const struct wm_ipfix_addr *a, char *buf, size_t len);

/* snprintf to @p err unless it is NULL or 0 long. */
void wm_ipfix_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* WM_IPFIX_TRANSPORT_PRIV_H */
