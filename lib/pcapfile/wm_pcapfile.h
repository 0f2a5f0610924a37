/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_PCAPFILE_H
#define WM_PCAPFILE_H

/**
 * @file
 * What a capture file holds, as a replay will read it.
 *
 * A replay reads a pcap or pcapng file with libpcap (the pcap PMD calls
 * pcap_next_ex() until it stops giving packets), and libpcap reads a bad
 * file in one of three ways: it delivers a damaged record (cut to the snap
 * length, no bytes at all); it refuses a record but stays in step with the
 * file (a pcapng block read whole but refused), so the next record reads
 * fine; or it refuses a record and loses its place (a truncated record, a
 * captured length too large to read, a bad block length), after which what
 * it returns is made of whatever bytes follow. wm_pcapfile_scan() reads the
 * file the same way, looks at the bytes libpcap skipped or refused to say
 * why, and stops where libpcap lost its place: what it counts is what a
 * replay that stops there delivers. No EAL; libpcap only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The file formats' numbers, shared by this library and the replay port
 * (drivers/net/wm_replay): classic pcap, and pcapng's block types and
 * limits (draft-ietf-opsawg-pcapng).
 */
#define WM_PCAP_HDR 24		     /**< classic pcap file header */
#define WM_PCAP_REC_HDR 16	     /**< classic record header */
#define WM_PCAP_KUZNETZOV_REC_HDR 24 /**< Kuznetzov's longer record header */
#define WM_PCAP_MAGIC_US 0xa1b2c3d4u /**< microsecond times */
#define WM_PCAP_MAGIC_NS 0xa1b23c4du /**< nanosecond times */
#define WM_PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u
#define WM_PCAP_MAX_CAPLEN 262144u /**< libpcap 1.10's MAXIMUM_SNAPLEN */
#define WM_PCAPNG_SHB 0x0a0d0d0au  /**< section header block */
#define WM_PCAPNG_BOM 0x1a2b3c4du  /**< its byte-order magic */
#define WM_PCAPNG_IDB 1u
#define WM_PCAPNG_PB 2u
#define WM_PCAPNG_SPB 3u
#define WM_PCAPNG_NRB 4u
#define WM_PCAPNG_ISB 5u
#define WM_PCAPNG_EPB 6u
#define WM_PCAPNG_SJE 9u
#define WM_PCAPNG_DSB 10u
#define WM_PCAPNG_CB_COPY 0x00000badu
#define WM_PCAPNG_CB_NOCOPY 0x40000badu
#define WM_PCAPNG_BLOCK_MIN 12u			/**< type, length, trailer */
#define WM_PCAPNG_MAX_BLOCK (16u * 1024 * 1024) /**< libpcap 1.10's largest block */
#define WM_PCAPNG_PKT_HDR 32u /**< EPB and PB: type, length, 20 bytes of fields, trailer */
#define WM_PCAPNG_SPB_HDR 16u
#define WM_PCAPNG_OPT_TSRESOL 9u
#define WM_PCAPNG_OPT_TSOFFSET 14u

/**
 * Why a record or block could not be read, or was read damaged: an X-macro
 * list of (ENUM, camelCaseName, delivered, explanation). "delivered" says
 * whether libpcap still hands the record to a reader.
 */
#define WM_PCAPFILE_REASONS(X)                                                                     \
	X(TRUNCATED, truncated, false, "cut short by the end of the file")                         \
	X(TOO_LONG, tooLong, false, "captured length above 262144, the most libpcap reads")        \
	X(BAD_BLOCK_LENGTH, badBlockLength, false,                                                 \
	  "block length below 12, not a multiple of 4, above 16 MiB or unlike its trailer's")      \
	X(ABOVE_SNAPLEN, aboveSnaplen, false, "captured length above its interface's snap length") \
	X(BAD_PACKET_BLOCK, badPacketBlock, false, "captured length past the end of its block")    \
	X(UNKNOWN_INTERFACE, unknownInterface, false,                                              \
	  "packet of an interface no Interface Description Block declares")                        \
	X(REFUSED, refused, false, "refused by libpcap")                                           \
	X(UNKNOWN_BLOCK, unknownBlock, false, "pcapng block of a type libpcap skips")              \
	X(CUSTOM_BLOCK, customBlock, false, "pcapng custom block, skipped")                        \
	X(EMPTY, empty, true, "no captured bytes: a parse error")                                  \
	X(CUT_TO_SNAPLEN, cutToSnaplen, true, "longer than the file's snap length: cut to it")     \
	X(CAPLEN_ABOVE_LEN, caplenAboveLen, true, "captured length above the length on the wire")

/** Reasons, in the order of WM_PCAPFILE_REASONS. */
enum wm_pcapfile_reason {
#define WM_PCAPFILE_ENUM(e, name, delivered, text) WM_PCAPFILE_##e,
	WM_PCAPFILE_REASONS(WM_PCAPFILE_ENUM)
#undef WM_PCAPFILE_ENUM
		WM_PCAPFILE_REASON_MAX
};

/** File formats libpcap reads. */
enum wm_pcapfile_format {
	WM_PCAPFILE_PCAP,
	WM_PCAPFILE_PCAPNG,
};

/** What one file holds. */
struct wm_pcapfile_result {
	enum wm_pcapfile_format format;
	int linktype;	  /**< DLT_ value (pcapng: the first interface's) */
	uint32_t snaplen; /**< as libpcap uses it */
	uint64_t size;	  /**< bytes in the file */
	/** Packet records a replay delivers (damaged ones included). */
	uint64_t records;
	/**
	 * Reads (pcap_next_ex calls) that deliver them: records plus the
	 * refused records between them. The pcap PMD counts each refused one
	 * in ierrors, so ipackets + ierrors reaches this at the last record.
	 */
	uint64_t reads;
	/** Records and blocks by reason. */
	uint64_t count[WM_PCAPFILE_REASON_MAX];
	/** Reading stopped where libpcap lost its place: the rest is not read. */
	bool stopped;
	uint64_t stop_offset; /**< where it stopped (the bad record's start), or size */
	char error[256];      /**< libpcap's first error message, "" when none */
};

/**
 * Read a capture file as a replay will.
 *
 * @param path
 *   The file.
 * @param r
 *   Filled on return, also on error (r->error says what is wrong).
 * @return
 *   0 when the file opened as a capture (r says what could be read);
 *   -errno when the file cannot be opened, -EINVAL when libpcap does not
 *   take it as a capture at all (unknown magic, bad or short header).
 */
int wm_pcapfile_scan(const char *path, struct wm_pcapfile_result *r);

/**
 * Open a capture file and read its header only: format, link type, snap
 * length and size, for a quick check before a scan.
 *
 * @return
 *   As wm_pcapfile_scan(); r->records and the counts stay 0.
 */
int wm_pcapfile_probe(const char *path, struct wm_pcapfile_result *r);

/**
 * @return
 *   The reason's camelCase name ("truncated"), or NULL when out of range.
 */
const char *wm_pcapfile_reason_name(enum wm_pcapfile_reason reason);

/**
 * @return
 *   The reason's explanation, or NULL when out of range.
 */
const char *wm_pcapfile_reason_text(enum wm_pcapfile_reason reason);

/**
 * @return
 *   true when libpcap still delivers a record counted under @p reason.
 */
bool wm_pcapfile_reason_delivered(enum wm_pcapfile_reason reason);

/**
 * @return
 *   "pcap" or "pcapng".
 */
const char *wm_pcapfile_format_name(enum wm_pcapfile_format format);

/**
 * @return
 *   Records and blocks not read (the sum over undelivered reasons).
 */
uint64_t wm_pcapfile_unreadable(const struct wm_pcapfile_result *r);

/**
 * @return
 *   true when the file has nothing to report: no reason counted, not stopped.
 */
bool wm_pcapfile_clean(const struct wm_pcapfile_result *r);

/**
 * Say in one line what could not be read and why, e.g. "3 records read;
 * not read: 1 truncated (cut short by the end of the file); stopped at byte
 * 222, 30 bytes not read (libpcap: truncated dump file; ...)".
 *
 * @return
 *   The length snprintf() gives.
 */
int wm_pcapfile_describe(const struct wm_pcapfile_result *r, char *buf, size_t len);

#endif /* WM_PCAPFILE_H */
