/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_REPLAY_FILE_H
#define WM_REPLAY_FILE_H

/*
 * The replay port's file reader, without EAL: a capture file mapped once
 * (mmap), and cursors that walk its records in place. A cursor hands out
 * pointers into the mapping; nothing is copied. Several cursors may walk
 * one file at once (one per Rx queue): the mapping is read-only and every
 * cursor keeps its own place, its own pcapng interfaces and byte order.
 *
 * Bad records are named with lib/pcapfile's reasons (struct
 * wm_pcapfile_result), so a report says the same whichever port read the
 * file. Only the cursor given a result counts into it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_pcapfile.h"

/* Interfaces a pcapng section may declare; packets of later ones are refused. */
#define WM_REPLAY_MAX_IFACES 64
/* libpcap 1.10's largest captured length: a classic record above it stops the reading. */
#define WM_REPLAY_MAX_CAPLEN 262144u
/* Bytes of the Ethernet header a non-Ethernet frame is given. */
#define WM_REPLAY_ETH_HDR 14

/* Link types (LINKTYPE_* of the tcpdump.org registry, as files store them). */
enum wm_replay_linktype {
	WM_REPLAY_LT_NULL = 0,
	WM_REPLAY_LT_ETHERNET = 1,
	WM_REPLAY_LT_PPP = 9,
	WM_REPLAY_LT_PPP_HDLC = 50,
	WM_REPLAY_LT_RAW = 101,
	WM_REPLAY_LT_LOOP = 108,
	WM_REPLAY_LT_LINUX_SLL = 113,
	WM_REPLAY_LT_IPV4 = 228,
	WM_REPLAY_LT_IPV6 = 229,
	WM_REPLAY_LT_LINUX_SLL2 = 276,
};

struct wm_replay_toucher;

/* A mapped capture file; read-only once opened, shared by every cursor on it. */
struct wm_replay_file {
	const uint8_t *map; /* the whole file, PROT_READ, MAP_SHARED */
	uint64_t size;
	/* The thread touching its pages ahead of the cursors; NULL for a checked buffer. */
	struct wm_replay_toucher *toucher;
	bool ng;	    /* pcapng; else classic pcap */
	bool swapped;	    /* classic pcap: fields in the other byte order */
	uint32_t rec_hdr;   /* classic pcap: record header bytes (16, or 24 for Kuznetzov's) */
	uint32_t ts_frac;   /* classic pcap: ns per unit of the fraction (1000 or 1) */
	uint32_t linktype;  /* classic pcap: the file's; pcapng: the first interface's */
	uint32_t snaplen;   /* classic pcap: as libpcap applies it */
	uint64_t first_off; /* the first record or block after the file header */
	char path[1024];
};

/* A pcapng interface: link type, snap length, time unit. */
struct wm_replay_iface {
	uint32_t linktype;
	uint32_t snaplen;   /* 0: none */
	uint8_t tsresol;    /* if_tsresol as stored: 10^-v, or 2^-(v & 0x7f) when bit 7 */
	int64_t tsoffset_s; /* if_tsoffset, seconds */
};

/* One record as a cursor hands it out. */
struct wm_replay_rec {
	const uint8_t *data; /* the captured bytes, in the mapping */
	uint32_t caplen;     /* bytes at data (cut to the snap length) */
	uint32_t len;	     /* length on the wire */
	uint64_t ts_ns;	     /* file time, ns since the epoch */
	uint32_t linktype;
	uint64_t offset; /* where its record or block starts in the file */
};

/* One walk through a file. */
struct wm_replay_cursor {
	const struct wm_replay_file *f;
	uint64_t pos;			/* the next record or block */
	bool end;			/* nothing more: end of file, or reading stopped */
	bool swapped;			/* pcapng: the current section's byte order */
	unsigned int n_ifaces;		/* interfaces of the current section */
	struct wm_pcapfile_result *res; /* counts, or NULL */
	uint64_t refused;		/* records refused since the last delivered one */
	uint64_t refused_total;		/* records refused and stepped over in all (ierrors) */
	uint64_t last_ts;		/* the last record's time: an SPB's, which has none */
	struct wm_replay_iface ifaces[WM_REPLAY_MAX_IFACES];
};

/*
 * Map @p path and check its header (and, for pcapng, the blocks up to the
 * first packet). On error, @p err says what is wrong in a phrase without
 * the path; -errno or -EINVAL.
 */
int wm_replay_file_open(struct wm_replay_file *f, const char *path, char *err, size_t errlen);

/*
 * Check a header in memory: as wm_replay_file_open() without a file (the
 * fuzz harness and the unit tests). @p f->map and size must be set.
 */
int wm_replay_file_check(struct wm_replay_file *f, char *err, size_t errlen);

/*
 * The file wm_replay_preopen() mapped for @p path, handed over (it is no
 * longer the registry's): false when there is none.
 */
bool wm_replay_file_adopt(struct wm_replay_file *f, const char *path);

/*
 * Unmap, once the toucher has stopped (wm_replay_file_touched()): no
 * thread reads the mapping after this returns.
 */
void wm_replay_file_close(struct wm_replay_file *f);

/*
 * Bytes of @p f whose pages its toucher has read so far: the pages before
 * that offset cost a cursor no fault. The toucher starts when the file is
 * opened and reads one byte a page, front to back, once: a mapping costs
 * a fault the first time each page is read, and on a virtual machine that
 * fills its own page tables lazily (shadow paging) each page costs that
 * again even when mmap() populated it, microseconds a page. Paid by a
 * thread of its own, the cost leaves the Rx path and overlaps the
 * application's start. 0 for a file checked in memory, which has no toucher.
 */
uint64_t wm_replay_file_touched(const struct wm_replay_file *f);

/* Does the replay port read this link type? */
bool wm_replay_linktype_supported(uint32_t linktype);

/* The link type's name ("EN10MB", "LINUX_SLL2"), or NULL. */
const char *wm_replay_linktype_name(uint32_t linktype);

/*
 * Start a walk at the first record. With @p res, the walk counts what it
 * meets there (records, and lib/pcapfile's reasons); res is reset first.
 */
void wm_replay_cursor_init(struct wm_replay_cursor *c, const struct wm_replay_file *f,
			   struct wm_pcapfile_result *res);

/*
 * The next record: 1 and @p rec filled, or 0 at the end (c->end). Blocks
 * that hold no packet and refused records are stepped over (counted).
 */
int wm_replay_cursor_next(struct wm_replay_cursor *c, struct wm_replay_rec *rec);

/*
 * The Ethernet header a frame of @p rec's link type is handed out with,
 * and how many bytes of its captured data that header replaces (the link
 * layer header the file stored). Ethernet: returns false (served as is).
 *
 * The synthesised header: destination 00:00:00:00:00:00, source the
 * Linux cooked header's link-layer address when it is 6 bytes long (else
 * zero), EtherType the cooked header's protocol, or IPv4/IPv6 from the
 * packet's version nibble (RAW), the link type (IPV4, IPV6), the BSD
 * address family (NULL in either byte order, LOOP in network order), or
 * the PPP protocol (PPP, PPP_HDLC: see wm_replay.h; a protocol with no
 * EtherType of its own keeps its field, behind EtherType 0x880B).
 */
bool wm_replay_eth_synth(const struct wm_replay_rec *rec, uint8_t hdr[WM_REPLAY_ETH_HDR],
			 uint32_t *strip);

#endif /* WM_REPLAY_FILE_H */
