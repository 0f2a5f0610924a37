/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Capture file scanning: libpcap reads the file exactly as the pcap PMD
 * will (pcap_next_ex until it says end of file), and a second descriptor
 * on the same file looks at the bytes between two of libpcap's positions
 * (ftell on its FILE) to name what libpcap skipped, cut or refused. Those
 * bytes were read by libpcap already, so every look is bounded by the file
 * and every loop moves forward: a scan ends on any file.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "wm_pcapfile.h"

/* The formats' numbers (WM_PCAP_*, WM_PCAPNG_*): wm_pcapfile.h, shared with the replay port. */

static const char *const reason_names[] = {
#define WM_PCAPFILE_NAME(e, name, delivered, text) #name,
	WM_PCAPFILE_REASONS(WM_PCAPFILE_NAME)
#undef WM_PCAPFILE_NAME
};

static const char *const reason_texts[] = {
#define WM_PCAPFILE_TEXT(e, name, delivered, text) text,
	WM_PCAPFILE_REASONS(WM_PCAPFILE_TEXT)
#undef WM_PCAPFILE_TEXT
};

static const bool reason_delivered[] = {
#define WM_PCAPFILE_DELIVERED(e, name, delivered, text) delivered,
	WM_PCAPFILE_REASONS(WM_PCAPFILE_DELIVERED)
#undef WM_PCAPFILE_DELIVERED
};

/* One scan: libpcap's handle and our own look at the same bytes. */
struct scan {
	pcap_t *p;
	FILE *f;	    /* libpcap's stream: ftell says where its next read starts */
	int fd;		    /* ours, for pread */
	bool ng;	    /* pcapng */
	unsigned int n_idb; /* interfaces declared in the current pcapng section */
	uint32_t rec_hdr;   /* classic pcap: record header bytes */
	struct wm_pcapfile_result *r;
};

static int
raw_read(const struct scan *s, uint64_t off, void *buf, size_t len)
{
	return pread(s->fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

/* A 32-bit field in the file's byte order, which libpcap knows. */
static int
raw_u32(const struct scan *s, uint64_t off, uint32_t *v)
{
	if (raw_read(s, off, v, sizeof(*v)) != 0)
		return -1;
	if (pcap_is_swapped(s->p))
		*v = __builtin_bswap32(*v);
	return 0;
}

static int
raw_u16(const struct scan *s, uint64_t off, uint16_t *v)
{
	if (raw_read(s, off, v, sizeof(*v)) != 0)
		return -1;
	if (pcap_is_swapped(s->p))
		*v = __builtin_bswap16(*v);
	return 0;
}

static void
count(struct scan *s, enum wm_pcapfile_reason why)
{
	s->r->count[why]++;
}

/* A block libpcap read whole and did not deliver: name what it skipped. */
static void
ng_block_skipped(struct scan *s, uint32_t type)
{
	switch (type) {
	case WM_PCAPNG_SHB:
		s->n_idb = 0; /* a new section declares its own interfaces */
		break;
	case WM_PCAPNG_IDB:
		s->n_idb++;
		break;
	case WM_PCAPNG_PB:
	case WM_PCAPNG_SPB:
	case WM_PCAPNG_EPB:
	case WM_PCAPNG_NRB:
	case WM_PCAPNG_ISB:
	case WM_PCAPNG_SJE:
	case WM_PCAPNG_DSB:
		break;
	case WM_PCAPNG_CB_COPY:
	case WM_PCAPNG_CB_NOCOPY:
		count(s, WM_PCAPFILE_CUSTOM_BLOCK);
		break;
	default:
		count(s, WM_PCAPFILE_UNKNOWN_BLOCK);
	}
}

/*
 * Walk the blocks libpcap read whole between two of its positions; the
 * last one is the packet it delivered, when there is one.
 */
static void
ng_walk(struct scan *s, uint64_t from, uint64_t to)
{
	uint64_t pos = from;
	uint32_t type, len;

	while (pos + WM_PCAPNG_BLOCK_MIN <= to && raw_u32(s, pos, &type) == 0 &&
	       raw_u32(s, pos + 4, &len) == 0 && len >= WM_PCAPNG_BLOCK_MIN && len <= to - pos) {
		ng_block_skipped(s, type);
		pos += len;
	}
}

/* Why libpcap refused a packet block it read whole. */
static enum wm_pcapfile_reason
ng_packet_reason(struct scan *s, uint32_t type, uint64_t pos, uint32_t len)
{
	uint32_t ifid = 0, caplen;
	uint16_t ifid16;

	if (type == WM_PCAPNG_SPB)
		return len < WM_PCAPNG_SPB_HDR ? WM_PCAPFILE_BAD_PACKET_BLOCK
		       : s->n_idb == 0	       ? WM_PCAPFILE_UNKNOWN_INTERFACE
					       : WM_PCAPFILE_REFUSED;
	if (type != WM_PCAPNG_EPB && type != WM_PCAPNG_PB)
		return WM_PCAPFILE_REFUSED;
	if (len < WM_PCAPNG_PKT_HDR || raw_u32(s, pos + 20, &caplen) != 0 ||
	    caplen > len - WM_PCAPNG_PKT_HDR)
		return WM_PCAPFILE_BAD_PACKET_BLOCK;
	if (type == WM_PCAPNG_EPB && raw_u32(s, pos + 8, &ifid) != 0)
		return WM_PCAPFILE_BAD_PACKET_BLOCK;
	if (type == WM_PCAPNG_PB) {
		if (raw_u16(s, pos + 8, &ifid16) != 0)
			return WM_PCAPFILE_BAD_PACKET_BLOCK;
		ifid = ifid16;
	}
	if (ifid >= s->n_idb)
		return WM_PCAPFILE_UNKNOWN_INTERFACE;
	if (caplen > s->r->snaplen)
		return WM_PCAPFILE_ABOVE_SNAPLEN;
	return WM_PCAPFILE_REFUSED;
}

/*
 * libpcap refused a pcapng read that began at 'from' and left it at
 * 'to'. Find the block it refused (blocks before it were skipped whole)
 * and count why. Returns true when libpcap is still in step with the
 * file: it read the refused block whole and its next read starts at the
 * next block. Else it lost its place at *at.
 */
static bool
ng_refused(struct scan *s, uint64_t from, uint64_t to, uint64_t *at)
{
	uint64_t pos = from, size = s->r->size;
	uint32_t type, len, trailer;

	for (;;) {
		*at = pos;
		if (size - pos < WM_PCAPNG_BLOCK_MIN || raw_u32(s, pos, &type) != 0 ||
		    raw_u32(s, pos + 4, &len) != 0) {
			count(s, WM_PCAPFILE_TRUNCATED);
			return false;
		}
		if (len < WM_PCAPNG_BLOCK_MIN || len % 4 != 0 || len > WM_PCAPNG_MAX_BLOCK) {
			count(s, WM_PCAPFILE_BAD_BLOCK_LENGTH);
			return false;
		}
		if (len > size - pos) {
			count(s, WM_PCAPFILE_TRUNCATED);
			return false;
		}
		if (raw_u32(s, pos + len - 4, &trailer) != 0 || trailer != len) {
			count(s, WM_PCAPFILE_BAD_BLOCK_LENGTH);
			return pos + len == to;
		}
		if (pos + len < to) {
			ng_block_skipped(s, type);
			pos += len;
			continue;
		}
		if (pos + len == to) {
			count(s, ng_packet_reason(s, type, pos, len));
			return true;
		}
		count(s, WM_PCAPFILE_REFUSED);
		return false;
	}
}

/* libpcap refused a classic pcap record at 'off': it never stays in step. */
static void
pcap_refused(struct scan *s, uint64_t off)
{
	uint64_t left = s->r->size - off;
	uint32_t caplen;

	if (left < s->rec_hdr || raw_u32(s, off + 8, &caplen) != 0)
		count(s, WM_PCAPFILE_TRUNCATED);
	else if (caplen > WM_PCAP_MAX_CAPLEN)
		count(s, WM_PCAPFILE_TOO_LONG);
	else if (caplen > left - s->rec_hdr)
		count(s, WM_PCAPFILE_TRUNCATED);
	else
		count(s, WM_PCAPFILE_REFUSED);
}

/* A delivered record: what libpcap cut or what is odd in its header. */
static void
record_seen(struct scan *s, const struct pcap_pkthdr *h, uint64_t from, uint64_t to)
{
	if (s->ng)
		ng_walk(s, from, to);
	else if (to - from > (uint64_t)s->rec_hdr + h->caplen)
		count(s, WM_PCAPFILE_CUT_TO_SNAPLEN); /* libpcap read past the bytes it gave */
	if (h->caplen == 0)
		count(s, WM_PCAPFILE_EMPTY);
	if (h->caplen > h->len)
		count(s, WM_PCAPFILE_CAPLEN_ABOVE_LEN);
}

/* Read records until end of file or until libpcap loses its place. */
static void
scan_records(struct scan *s)
{
	struct wm_pcapfile_result *r = s->r;
	uint64_t from, at, refused = 0;
	const u_char *data;
	struct pcap_pkthdr *h;
	long pos;
	int rc;

	/* pcapng: libpcap read the section header and first interfaces at open. */
	pos = ftell(s->f);
	from = s->ng ? 0 : (uint64_t)(pos < 0 ? 0 : pos);
	for (;;) {
		rc = pcap_next_ex(s->p, &h, &data);
		pos = ftell(s->f);
		if (pos < 0 || (uint64_t)pos < from) {
			/* Cannot happen with a regular file: stop rather than guess. */
			r->stopped = true;
			r->stop_offset = from;
			count(s, WM_PCAPFILE_REFUSED);
			return;
		}
		if (rc == 1) {
			record_seen(s, h, from, (uint64_t)pos);
			r->records++;
			r->reads += refused + 1;
			refused = 0;
		} else if (rc == PCAP_ERROR_BREAK) {
			if (s->ng)
				ng_walk(s, from, r->size);
			return;
		} else {
			if (r->error[0] == '\0')
				snprintf(r->error, sizeof(r->error), "%s", pcap_geterr(s->p));
			at = from;
			if (s->ng ? !ng_refused(s, from, (uint64_t)pos, &at)
				  : (pcap_refused(s, from), true)) {
				r->stopped = true;
				r->stop_offset = at;
				return;
			}
			refused++;
		}
		from = (uint64_t)pos;
	}
}

static int
scan_open(struct scan *s, const char *path)
{
	struct wm_pcapfile_result *r = s->r;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct stat st;
	uint32_t magic = 0;
	int rc;

	s->fd = open(path, O_RDONLY);
	if (s->fd < 0 || fstat(s->fd, &st) != 0) {
		rc = -errno;
		snprintf(r->error, sizeof(r->error), "%s", strerror(errno));
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(r->error, sizeof(r->error), "not a regular file");
		return -EINVAL;
	}
	r->size = (uint64_t)st.st_size;
	s->p = pcap_open_offline(path, ebuf);
	if (s->p == NULL) {
		snprintf(r->error, sizeof(r->error), "%s", ebuf);
		return -EINVAL;
	}
	s->f = pcap_file(s->p);
	raw_read(s, 0, &magic, sizeof(magic));
	s->ng = magic == WM_PCAPNG_SHB;
	s->rec_hdr = (magic == WM_PCAP_MAGIC_KUZNETZOV ||
		      magic == __builtin_bswap32(WM_PCAP_MAGIC_KUZNETZOV))
			     ? WM_PCAP_KUZNETZOV_REC_HDR
			     : WM_PCAP_REC_HDR;
	r->format = s->ng ? WM_PCAPFILE_PCAPNG : WM_PCAPFILE_PCAP;
	r->linktype = pcap_datalink(s->p);
	r->snaplen = (uint32_t)pcap_snapshot(s->p);
	r->stop_offset = r->size;
	return 0;
}

static int
scan_file(const char *path, struct wm_pcapfile_result *r, bool records)
{
	struct scan s = {.fd = -1, .r = r};
	int rc;

	memset(r, 0, sizeof(*r));
	rc = scan_open(&s, path);
	if (rc == 0 && records)
		scan_records(&s);
	if (s.p != NULL)
		pcap_close(s.p);
	if (s.fd >= 0)
		close(s.fd);
	return rc;
}

int
wm_pcapfile_scan(const char *path, struct wm_pcapfile_result *r)
{
	return scan_file(path, r, true);
}

int
wm_pcapfile_probe(const char *path, struct wm_pcapfile_result *r)
{
	return scan_file(path, r, false);
}

const char *
wm_pcapfile_reason_name(enum wm_pcapfile_reason reason)
{
	return (unsigned int)reason < WM_PCAPFILE_REASON_MAX ? reason_names[reason] : NULL;
}

const char *
wm_pcapfile_reason_text(enum wm_pcapfile_reason reason)
{
	return (unsigned int)reason < WM_PCAPFILE_REASON_MAX ? reason_texts[reason] : NULL;
}

bool
wm_pcapfile_reason_delivered(enum wm_pcapfile_reason reason)
{
	return (unsigned int)reason < WM_PCAPFILE_REASON_MAX && reason_delivered[reason];
}

const char *
wm_pcapfile_format_name(enum wm_pcapfile_format format)
{
	return format == WM_PCAPFILE_PCAPNG ? "pcapng" : "pcap";
}

uint64_t
wm_pcapfile_unreadable(const struct wm_pcapfile_result *r)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++)
		if (!reason_delivered[i])
			n += r->count[i];
	return n;
}

bool
wm_pcapfile_clean(const struct wm_pcapfile_result *r)
{
	unsigned int i;

	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++)
		if (r->count[i] != 0)
			return false;
	return !r->stopped;
}

/* Append "N name (text)" for every reason of one kind to buf at *off. */
static void
describe_reasons(const struct wm_pcapfile_result *r, bool delivered, const char *lead, char *buf,
		 size_t len, size_t *off)
{
	const char *sep = lead;
	unsigned int i;

	for (i = 0; i < WM_PCAPFILE_REASON_MAX; i++) {
		if (reason_delivered[i] != delivered || r->count[i] == 0)
			continue;
		if (*off < len)
			*off += (size_t)snprintf(buf + *off, len - *off, "%s%" PRIu64 " %s (%s)",
						 sep, r->count[i], reason_names[i],
						 reason_texts[i]);
		sep = ", ";
	}
}

int
wm_pcapfile_describe(const struct wm_pcapfile_result *r, char *buf, size_t len)
{
	size_t off;

	if (len == 0)
		return 0;
	off = (size_t)snprintf(buf, len, "%" PRIu64 " record%s read", r->records,
			       r->records == 1 ? "" : "s");
	describe_reasons(r, false, "; not read: ", buf, len, &off);
	describe_reasons(r, true, "; read damaged: ", buf, len, &off);
	if (r->stopped && off < len)
		off += (size_t)snprintf(buf + off, len - off,
					"; reading stopped at byte %" PRIu64 ", %" PRIu64
					" bytes not read",
					r->stop_offset, r->size - r->stop_offset);
	if (r->error[0] != '\0' && off < len)
		off += (size_t)snprintf(buf + off, len - off, " (libpcap: %s)", r->error);
	return (int)off;
}
