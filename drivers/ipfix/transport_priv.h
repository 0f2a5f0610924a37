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
	/* Stream transports: where their struct wm_ipfix_conn is in the object (offsetof). */
	size_t conn_offset;
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

/*
 * A stream connection (tcp:// here, tls:// in lib/collector): what both do
 * around their bytes. Each embeds one and names it in its ops (conn_offset),
 * so that the wm_ipfix_conn_op_*() functions serve as its ops; its own
 * poll, send and close drive the state (DOWN, CONNECTING, UP, and TLS's
 * HANDSHAKE) through these calls. tcp.c's comment explains the backoff,
 * the acknowledgements and the disconnects.
 *
 * Backoff: 100 ms doubling to 5 s after each failure, back to 100 ms once
 * a session is made. A connect (and a TLS handshake) gives up after
 * WM_IPFIX_CONN_TIMEOUT_NS. Times come from the owner's now_ns.
 */
#define WM_IPFIX_CONN_NS_PER_MS 1000000ull
#define WM_IPFIX_CONN_BACKOFF_MIN_NS (100 * WM_IPFIX_CONN_NS_PER_MS)
#define WM_IPFIX_CONN_BACKOFF_MAX_NS (5000 * WM_IPFIX_CONN_NS_PER_MS)
#define WM_IPFIX_CONN_TIMEOUT_NS (10000 * WM_IPFIX_CONN_NS_PER_MS)
/* A time not known yet: the next poll fills it in. */
#define WM_IPFIX_CONN_TIME_UNSET UINT64_MAX

/*
 * Where a stream connection is. tcp:// never uses HANDSHAKE. The owner
 * moves it through the wm_ipfix_conn_*() calls below, and sets HANDSHAKE
 * itself.
 */
enum wm_ipfix_conn_state {
	WM_IPFIX_CONN_DOWN,	  /* no socket; the next attempt is due at retry_at_ns */
	WM_IPFIX_CONN_CONNECTING, /* a non-blocking connect() is in progress */
	WM_IPFIX_CONN_HANDSHAKE,  /* tls://: SSL_connect() is in progress */
	WM_IPFIX_CONN_UP,	  /* messages go out */
};

struct wm_ipfix_conn {
	struct wm_ipfix_transport_stats *stats;	       /* the owner's counters */
	struct wm_ipfix_addr addrs[WM_IPFIX_ADDR_MAX]; /* resolved once, at open */
	unsigned int n_addrs;
	unsigned int addr_idx;		/* the address of this or the next attempt */
	int fd;				/* -1 when down */
	uint64_t backoff_ns;		/* delay after the next failure */
	uint64_t retry_delay_ns;	/* down: delay of the scheduled attempt */
	uint64_t retry_at_ns;		/* down: when to try, or WM_IPFIX_CONN_TIME_UNSET */
	uint64_t last_now_ns;		/* now_ns of the owner's last poll, or ..._TIME_UNSET */
	uint64_t phase_start_ns;	/* when the connect (or handshake) began, or ..._UNSET */
	uint64_t written;		/* stream bytes handed to the kernel, all connections */
	uint64_t conn_base;		/* written when this connection was made */
	uint64_t acked;			/* offset up to which the peer's host acked; <= written */
	struct wm_ipfix_track inflight; /* taken, cookie not given back; by end */
	struct wm_ipfix_track unacked;	/* lost with a connection, for take_unacked */
	enum wm_ipfix_conn_state state;
	bool new_session; /* UP reached; poll has not said so yet */
	uint8_t *pend;	  /* WM_IPFIX_TRANSPORT_MSG_MAX bytes */
	size_t pend_len;  /* bytes of an unfinished message in pend; 0: none pending */
};

/*
 * A stream transport's object: @p u resolved (blocking: only from open),
 * @p size bytes zeroed, base.ops set to @p ops, and the conn at
 * ops->conn_offset DOWN with those addresses, no attempt scheduled yet
 * (the first poll starts the clock). NULL with errno and @p err set.
 * The owner's close releases it (wm_ipfix_conn_fini(), then free()).
 */
struct wm_ipfix_transport *wm_ipfix_conn_alloc(const struct wm_ipfix_uri *u,
					       const struct wm_ipfix_transport_ops *ops,
					       size_t size, char *err, size_t errlen);
/* Close the socket, free the rings and pend. */
void wm_ipfix_conn_fini(struct wm_ipfix_conn *c);
/* Close the socket (if any); fd is -1 after. */
void wm_ipfix_conn_close(struct wm_ipfix_conn *c);
/*
 * Begin an attempt (counted) to the current address: 1 connected at once,
 * 0 in progress (CONNECTING: wm_ipfix_conn_check()), -1 failed (call
 * wm_ipfix_conn_attempt_failed()). A connection to ourselves is a failure.
 */
int wm_ipfix_conn_start(struct wm_ipfix_conn *c, uint64_t now_ns);
/* A connect in progress: 1 made, 0 not yet, -1 failed or timed out. */
int wm_ipfix_conn_check(struct wm_ipfix_conn *c, uint64_t now_ns);
/* Has the current phase (connect, handshake) run WM_IPFIX_CONN_TIMEOUT_NS? */
bool wm_ipfix_conn_timed_out(const struct wm_ipfix_conn *c, uint64_t now_ns);
/* A session is made (UP, said by the next poll): the backoff starts over; counted. */
void wm_ipfix_conn_established(struct wm_ipfix_conn *c);
/* An attempt failed (counted): DOWN, socket closed, next address, retry after the backoff. */
void wm_ipfix_conn_attempt_failed(struct wm_ipfix_conn *c);
/*
 * A session ended (counted): acked read a last time while the socket is
 * open, the socket closed, every message not wholly acknowledged (the
 * pending one included) moved to unacked, oldest first, pend emptied,
 * DOWN with a retry scheduled.
 */
void wm_ipfix_conn_lost(struct wm_ipfix_conn *c);
/* The next attempt after the backoff, the backoff doubled. */
void wm_ipfix_conn_schedule_retry(struct wm_ipfix_conn *c);
/* DOWN: is the next attempt due? */
bool wm_ipfix_conn_due(struct wm_ipfix_conn *c, uint64_t now_ns);
/*
 * The end of the owner's poll: DOWN, an attempt scheduled before any time
 * was known is timed now. @return WM_IPFIX_TRANSPORT_NEW_SESSION once per
 * session made, else 0: what poll returns.
 */
int wm_ipfix_conn_poll_end(struct wm_ipfix_conn *c, uint64_t now_ns);
/*
 * Bytes of this connection its peer has not acknowledged, or -1 when the
 * kernel does not say or says something impossible.
 */
int64_t wm_ipfix_conn_outq(const struct wm_ipfix_conn *c);
/* UP: move acked forward from a SIOCOUTQ reading; it never goes back. Else nothing. */
void wm_ipfix_conn_update_acked(struct wm_ipfix_conn *c);
/* Are inflight and unacked full (send must say -EAGAIN)? */
bool wm_ipfix_conn_full(const struct wm_ipfix_conn *c);
/* A message taken whole (counted), done once acked reaches @p end. */
void wm_ipfix_conn_taken(struct wm_ipfix_conn *c, uint64_t cookie, uint64_t end, size_t len);

/*
 * The ops a stream transport shares: they find the connection at the
 * ops' conn_offset. up: UP. take_acked: cookies of acknowledged messages,
 * oldest first (acked read again first when UP). take_unacked: the
 * cookies a lost connection left. busy: a message pending, or (UP) bytes
 * not acknowledged or not known.
 */
bool wm_ipfix_conn_op_up(const struct wm_ipfix_transport *t);
unsigned int wm_ipfix_conn_op_take_acked(struct wm_ipfix_transport *t, uint64_t *cookies,
					 unsigned int max);
unsigned int wm_ipfix_conn_op_take_unacked(struct wm_ipfix_transport *t, uint64_t *cookies,
					   unsigned int max);
bool wm_ipfix_conn_op_busy(const struct wm_ipfix_transport *t);

/* Those ops, in the ops table of a transport whose struct @p type holds its conn at @p member. */
#define WM_IPFIX_CONN_OPS(type, member)                                               \
	.up = wm_ipfix_conn_op_up, .take_acked = wm_ipfix_conn_op_take_acked,         \
	.take_unacked = wm_ipfix_conn_op_take_unacked, .busy = wm_ipfix_conn_op_busy, \
	.conn_offset = offsetof(type, member)

/* snprintf to @p err unless it is NULL or 0 long. */
void wm_ipfix_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* WM_IPFIX_TRANSPORT_PRIV_H */
