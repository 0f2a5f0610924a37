/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Capture files read in place (wm_replay_file.h). Every read of a field
 * is checked against the mapping's end first, and every step moves the
 * cursor forward by at least one block or record header: a walk ends on
 * any file, however damaged. What libpcap would skip, cut or refuse is
 * named with lib/pcapfile's reasons, so the replay port's report matches
 * the pcap PMD's.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_replay_file.h"

static uint32_t
rd32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t
rd16(const uint8_t *p, bool swapped)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap16(v) : v;
}

static const struct {
	uint32_t lt;
	const char *name;
} linktypes[] = {
	{WM_REPLAY_LT_NULL, "NULL"},
	{WM_REPLAY_LT_ETHERNET, "EN10MB"},
	{WM_REPLAY_LT_PPP, "PPP"},
	{WM_REPLAY_LT_PPP_HDLC, "PPP_HDLC"},
	{WM_REPLAY_LT_RAW, "RAW"},
	{WM_REPLAY_LT_LOOP, "LOOP"},
	{WM_REPLAY_LT_LINUX_SLL, "LINUX_SLL"},
	{WM_REPLAY_LT_IPV4, "IPV4"},
	{WM_REPLAY_LT_IPV6, "IPV6"},
	{WM_REPLAY_LT_LINUX_SLL2, "LINUX_SLL2"},
};

bool
wm_replay_linktype_supported(uint32_t linktype)
{
	return wm_replay_linktype_name(linktype) != NULL;
}

const char *
wm_replay_linktype_name(uint32_t linktype)
{
	unsigned int i;

	for (i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i].lt == linktype)
			return linktypes[i].name;
	return NULL;
}

static int
linktype_refused(uint32_t lt, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "link type %u is not one the replay port reads (EN10MB, LINUX_SLL, LINUX_SLL2, "
		 "RAW, IPV4, IPV6, NULL, LOOP, PPP, PPP_HDLC)",
		 lt);
	return -EINVAL;
}

static void ng_idb(struct wm_replay_cursor *c, const uint8_t *b, uint32_t blen);

/* Classic pcap: magic, byte order, time unit, snap length and link type. */
static int
pcap_check(struct wm_replay_file *f, uint32_t magic, char *err, size_t errlen)
{
	uint32_t m = magic;

	f->swapped = false;
	if (m != WM_PCAP_MAGIC_US && m != WM_PCAP_MAGIC_NS && m != WM_PCAP_MAGIC_KUZNETZOV) {
		m = __builtin_bswap32(magic);
		f->swapped = true;
	}
	if (f->size < WM_PCAP_HDR) {
		snprintf(err, errlen,
			 "cannot be read as a capture: truncated dump file; tried to read %u file "
			 "header bytes, only got %u",
			 WM_PCAP_HDR, (unsigned int)f->size - 4);
		return -EINVAL;
	}
	f->ts_frac = m == WM_PCAP_MAGIC_NS ? 1 : 1000;
	f->rec_hdr = m == WM_PCAP_MAGIC_KUZNETZOV ? 24 : 16;
	f->snaplen = rd32(f->map + 16, f->swapped);
	/* libpcap takes a bogus snap length as its largest. */
	if (f->snaplen == 0 || f->snaplen > WM_REPLAY_MAX_CAPLEN)
		f->snaplen = WM_REPLAY_MAX_CAPLEN;
	/* The upper bits hold the FCS length (LT_FCS_DATAMASK): the link type is the low 26. */
	f->linktype = rd32(f->map + 20, f->swapped) & 0x03ffffffu;
	f->first_off = WM_PCAP_HDR;
	if (!wm_replay_linktype_supported(f->linktype))
		return linktype_refused(f->linktype, err, errlen);
	return 0;
}

/* An IDB's options: time resolution and offset. 'end' bounds the options. */
static void
ng_idb_options(struct wm_replay_iface *ifc, const uint8_t *p, const uint8_t *end, bool sw)
{
	while (end - p >= 4) {
		uint16_t code = rd16(p, sw), len = rd16(p + 2, sw);
		uint32_t padded = (len + 3u) & ~3u;

		if (code == 0 || (size_t)(end - p - 4) < len)
			return;
		if (code == WM_PCAPNG_OPT_TSRESOL && len >= 1)
			ifc->tsresol = p[4];
		else if (code == WM_PCAPNG_OPT_TSOFFSET && len >= 8)
			ifc->tsoffset_s =
				(int64_t)((uint64_t)rd32(p + 4, sw) << 32 | rd32(p + 8, sw));
		if ((size_t)(end - p - 4) < padded)
			return;
		p += 4 + padded;
	}
}

/*
 * Does the block at pos fit: a length of at least 12, a multiple of 4, at
 * most 16 MiB and within the file? 0, or the reason it does not.
 */
static int
ng_block_fits(const struct wm_replay_file *f, uint64_t pos, bool sw, uint32_t *len)
{
	if (f->size - pos < WM_PCAPNG_BLOCK_MIN)
		return WM_PCAPFILE_TRUNCATED + 1;
	*len = rd32(f->map + pos + 4, sw);
	if (*len < WM_PCAPNG_BLOCK_MIN || *len % 4 != 0 || *len > WM_PCAPNG_MAX_BLOCK)
		return WM_PCAPFILE_BAD_BLOCK_LENGTH + 1;
	if (*len > f->size - pos)
		return WM_PCAPFILE_TRUNCATED + 1;
	return 0;
}

/* A section header block at pos: its byte order; false when it is not one. */
static bool
ng_shb_order(const struct wm_replay_file *f, uint64_t pos, bool *sw)
{
	uint32_t bom;

	if (f->size - pos < 12)
		return false;
	memcpy(&bom, f->map + pos + 8, sizeof(bom));
	if (bom != WM_PCAPNG_BOM && bom != __builtin_bswap32(WM_PCAPNG_BOM))
		return false;
	*sw = bom != WM_PCAPNG_BOM;
	return true;
}

/*
 * pcapng: the file starts with a whole section header; every packet block
 * before the first needs an interface declared, and every interface
 * declared before it a link type we read (libpcap checks as much at open).
 */
static int
ng_check(struct wm_replay_file *f, char *err, size_t errlen)
{
	struct wm_replay_cursor c;
	uint64_t pos = 0;
	uint32_t blen, type;
	unsigned int i;

	if (!ng_shb_order(f, 0, &f->swapped) || ng_block_fits(f, 0, f->swapped, &blen) != 0) {
		snprintf(err, errlen, "cannot be read as a capture: %s",
			 f->size < 12 ? "truncated dump file" : "bad section header block");
		return -EINVAL;
	}
	f->ng = true;
	f->first_off = 0;
	f->linktype = WM_REPLAY_LT_ETHERNET;
	wm_replay_cursor_init(&c, f, NULL);
	while (ng_block_fits(f, pos, c.swapped, &blen) == 0) {
		const uint8_t *b = f->map + pos;

		type = rd32(b, c.swapped);
		if (type == WM_PCAPNG_SHB) {
			if (!ng_shb_order(f, pos, &c.swapped))
				break;
			c.n_ifaces = 0;
		} else if (type == WM_PCAPNG_IDB) {
			ng_idb(&c, b, blen);
		} else if (type == WM_PCAPNG_EPB || type == WM_PCAPNG_PB || type == WM_PCAPNG_SPB) {
			break;
		}
		pos += blen;
	}
	if (pos < f->size && c.n_ifaces == 0 && ng_block_fits(f, pos, c.swapped, &blen) == 0) {
		snprintf(err, errlen,
			 "cannot be read as a capture: the capture file has a packet "
			 "block before any Interface Description Blocks");
		return -EINVAL;
	}
	if (c.n_ifaces > 0) {
		f->linktype = c.ifaces[0].linktype;
		f->snaplen = c.ifaces[0].snaplen;
	}
	for (i = 0; i < c.n_ifaces; i++)
		if (!wm_replay_linktype_supported(c.ifaces[i].linktype))
			return linktype_refused(c.ifaces[i].linktype, err, errlen);
	return 0;
}

int
wm_replay_file_check(struct wm_replay_file *f, char *err, size_t errlen)
{
	uint32_t magic;

	f->ng = false;
	if (f->size == 0) {
		snprintf(err, errlen, "the file is empty");
		return -EINVAL;
	}
	if (f->size < 4) {
		snprintf(err, errlen,
			 "cannot be read as a capture: truncated dump file; tried to read 4 file "
			 "header bytes, only got %u",
			 (unsigned int)f->size);
		return -EINVAL;
	}
	memcpy(&magic, f->map, sizeof(magic));
	if (magic == WM_PCAPNG_SHB)
		return ng_check(f, err, errlen);
	if (magic == WM_PCAP_MAGIC_US || magic == WM_PCAP_MAGIC_NS ||
	    magic == WM_PCAP_MAGIC_KUZNETZOV || __builtin_bswap32(magic) == WM_PCAP_MAGIC_US ||
	    __builtin_bswap32(magic) == WM_PCAP_MAGIC_NS ||
	    __builtin_bswap32(magic) == WM_PCAP_MAGIC_KUZNETZOV)
		return pcap_check(f, magic, err, errlen);
	snprintf(err, errlen, "not a pcap or pcapng file (unknown magic %02x%02x%02x%02x)",
		 f->map[0], f->map[1], f->map[2], f->map[3]);
	return -EINVAL;
}

/*
 * A mapping's toucher (wm_replay_file_touched()). Its thread alone writes
 * done and sum; stop is written by the closer, which then joins it.
 */
struct wm_replay_toucher {
	pthread_t tid;
	const volatile uint8_t *map;
	uint64_t size;
	uint64_t page;
	uint64_t done; /* bytes whose pages were read (atomic) */
	bool stop;     /* the file is closing (atomic) */
	uint8_t sum;   /* what was read, kept so that the reads stay */
};

/* Pages between two looks at stop: closing waits for at most this many. */
#define TOUCH_STOP_PAGES 256

static void *
toucher_main(void *arg)
{
	struct wm_replay_toucher *t = arg;
	uint64_t off = 0;
	uint8_t sum = 0;

	while (off < t->size && !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		uint64_t end = off + TOUCH_STOP_PAGES * t->page;

		for (end = end < t->size ? end : t->size; off < end; off += t->page)
			sum += t->map[off];
		__atomic_store_n(&t->done, off < t->size ? off : t->size, __ATOMIC_RELEASE);
	}
	t->sum = sum;
	return NULL;
}

/* Start touching f's pages; without a thread the cursors fault them in themselves. */
static void
toucher_start(struct wm_replay_file *f)
{
	struct wm_replay_toucher *t = calloc(1, sizeof(*t));
	long page = sysconf(_SC_PAGESIZE);

	if (t == NULL)
		return;
	t->map = f->map;
	t->size = f->size;
	t->page = page > 0 ? (uint64_t)page : 4096;
	if (pthread_create(&t->tid, NULL, toucher_main, t) != 0) {
		free(t);
		return;
	}
	pthread_setname_np(t->tid, "wm-replay-touch");
	f->toucher = t;
}

static void
toucher_stop(struct wm_replay_file *f)
{
	struct wm_replay_toucher *t = f->toucher;

	if (t == NULL)
		return;
	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	pthread_join(t->tid, NULL);
	free(t);
	f->toucher = NULL;
}

uint64_t
wm_replay_file_touched(const struct wm_replay_file *f)
{
	return f->toucher != NULL ? __atomic_load_n(&f->toucher->done, __ATOMIC_ACQUIRE) : 0;
}

int
wm_replay_file_open(struct wm_replay_file *f, const char *path, char *err, size_t errlen)
{
	struct stat st;
	void *map;
	int fd, rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "not a regular file");
		return -EINVAL;
	}
	f->size = (uint64_t)st.st_size;
	if (f->size == 0) {
		close(fd);
		snprintf(err, errlen, "the file is empty");
		return -EINVAL;
	}
	/*
	 * Not populated here: the toucher faults the pages in, off this
	 * thread, and the kernel reads ahead of it (a replay walks the file
	 * front to back).
	 */
	map = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
	rc = -errno;
	close(fd); /* the mapping keeps the file */
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "cannot map it: %s", strerror(-rc));
		return rc;
	}
	madvise(map, f->size, MADV_SEQUENTIAL);
	f->map = map;
	rc = wm_replay_file_check(f, err, errlen);
	if (rc != 0)
		wm_replay_file_close(f);
	else
		toucher_start(f);
	return rc;
}

/*
 * Files opened before EAL (wm_replay_preopen()), waiting for the probe of
 * the port that reads them. Touched only before EAL starts and during its
 * probes, on the main thread: no lock.
 */
#define PREOPEN_MAX 64
static struct wm_replay_file preopened[PREOPEN_MAX];
static unsigned int n_preopened;

int
wm_replay_preopen(const char *path, char *err, size_t errlen)
{
	int rc;

	if (n_preopened == PREOPEN_MAX) {
		snprintf(err, errlen, "more than %d files", PREOPEN_MAX);
		return -E2BIG;
	}
	rc = wm_replay_file_open(&preopened[n_preopened], path, err, errlen);
	if (rc == 0)
		n_preopened++;
	return rc;
}

bool
wm_replay_file_adopt(struct wm_replay_file *f, const char *path)
{
	unsigned int i;

	for (i = 0; i < n_preopened; i++)
		if (strcmp(preopened[i].path, path) == 0) {
			*f = preopened[i];
			preopened[i] = preopened[--n_preopened];
			return true;
		}
	return false;
}

void
wm_replay_file_close(struct wm_replay_file *f)
{
	toucher_stop(f);
	if (f->map != NULL)
		munmap((void *)(uintptr_t)f->map, f->size);
	f->map = NULL;
}

void
wm_replay_cursor_init(struct wm_replay_cursor *c, const struct wm_replay_file *f,
		      struct wm_pcapfile_result *res)
{
	c->f = f;
	c->pos = f->first_off;
	c->end = false;
	c->swapped = f->swapped;
	c->n_ifaces = 0;
	c->refused = 0;
	c->refused_total = 0;
	c->last_ts = 0;
	c->res = res;
	if (res != NULL) {
		memset(res, 0, sizeof(*res));
		res->format = f->ng ? WM_PCAPFILE_PCAPNG : WM_PCAPFILE_PCAP;
		res->linktype = (int)f->linktype;
		res->snaplen = f->snaplen;
		res->size = f->size;
		res->stop_offset = f->size;
	}
}

static void
count(struct wm_replay_cursor *c, enum wm_pcapfile_reason why)
{
	if (c->res != NULL)
		c->res->count[why]++;
}

/* Reading stops at pos: what follows cannot be told from noise. */
static int
stop(struct wm_replay_cursor *c, enum wm_pcapfile_reason why, const char *msg)
{
	c->end = true;
	count(c, why);
	if (c->res != NULL) {
		c->res->stopped = true;
		c->res->stop_offset = c->pos;
		if (c->res->error[0] == '\0' && msg != NULL)
			snprintf(c->res->error, sizeof(c->res->error), "%s", msg);
	}
	return 0;
}

static void
delivered(struct wm_replay_cursor *c, const struct wm_replay_rec *rec)
{
	if (c->res == NULL)
		return;
	c->res->records++;
	c->res->reads += c->refused + 1;
	c->refused = 0;
	if (rec->caplen == 0)
		count(c, WM_PCAPFILE_EMPTY);
	if (rec->caplen > rec->len)
		count(c, WM_PCAPFILE_CAPLEN_ABOVE_LEN);
}

/* Classic pcap: the record at c->pos. */
static int
pcap_next(struct wm_replay_cursor *c, struct wm_replay_rec *rec)
{
	const struct wm_replay_file *f = c->f;
	uint64_t left = f->size - c->pos;
	const uint8_t *h = f->map + c->pos;
	uint32_t caplen;
	char msg[128];

	if (left == 0) {
		c->end = true;
		return 0;
	}
	if (left < f->rec_hdr) {
		snprintf(msg, sizeof(msg),
			 "truncated dump file; tried to read %u header bytes, only got %u",
			 f->rec_hdr, (unsigned int)left);
		return stop(c, WM_PCAPFILE_TRUNCATED, msg);
	}
	caplen = rd32(h + 8, f->swapped);
	if (caplen > WM_REPLAY_MAX_CAPLEN) {
		snprintf(msg, sizeof(msg),
			 "invalid packet capture length %u, bigger than maximum of %u", caplen,
			 WM_REPLAY_MAX_CAPLEN);
		return stop(c, WM_PCAPFILE_TOO_LONG, msg);
	}
	if (caplen > left - f->rec_hdr) {
		snprintf(msg, sizeof(msg),
			 "truncated dump file; tried to read %u captured bytes, only got %u",
			 caplen, (unsigned int)(left - f->rec_hdr));
		return stop(c, WM_PCAPFILE_TRUNCATED, msg);
	}
	rec->offset = c->pos;
	rec->data = h + f->rec_hdr;
	rec->caplen = caplen;
	rec->len = rd32(h + 12, f->swapped);
	rec->linktype = f->linktype;
	rec->ts_ns = (uint64_t)rd32(h, f->swapped) * 1000000000ull +
		     (uint64_t)rd32(h + 4, f->swapped) * f->ts_frac;
	if (caplen > f->snaplen) {
		rec->caplen = f->snaplen;
		count(c, WM_PCAPFILE_CUT_TO_SNAPLEN);
	}
	c->pos += f->rec_hdr + caplen;
	delivered(c, rec);
	return 1;
}

/* A pcapng time in the interface's unit to ns. */
static uint64_t
ng_ts_ns(const struct wm_replay_iface *ifc, uint64_t ts)
{
	unsigned __int128 ns;
	uint64_t off = (uint64_t)ifc->tsoffset_s * 1000000000ull;
	uint8_t v = ifc->tsresol & 0x7f;

	if (ifc->tsresol & 0x80) {
		ns = v >= 64 ? 0 : ((unsigned __int128)ts * 1000000000u) >> v;
	} else if (v <= 9) {
		static const uint64_t mul[] = {1000000000, 100000000, 10000000, 1000000, 100000,
					       10000,	   1000,      100,	10,	 1};
		ns = (unsigned __int128)ts * mul[v];
	} else {
		uint64_t div = 1;

		while (v-- > 9 && div < UINT64_MAX / 10)
			div *= 10;
		ns = ts / div;
	}
	return (uint64_t)ns + off;
}

/* An Interface Description Block of blen bytes at pos. */
static void
ng_idb(struct wm_replay_cursor *c, const uint8_t *b, uint32_t blen)
{
	struct wm_replay_iface *ifc;

	/* A short IDB, or one past our most, declares nothing: its packets are refused. */
	if (blen < 20 || c->n_ifaces == WM_REPLAY_MAX_IFACES)
		return;
	ifc = &c->ifaces[c->n_ifaces++];
	ifc->linktype = rd16(b + 8, c->swapped);
	ifc->snaplen = rd32(b + 12, c->swapped);
	ifc->tsresol = 6;
	ifc->tsoffset_s = 0;
	ng_idb_options(ifc, b + 16, b + blen - 4, c->swapped);
}

/* A refused packet block, read whole: counted, stepped over (libpcap stays in step). */
static void
refuse(struct wm_replay_cursor *c, enum wm_pcapfile_reason why, const char *msg)
{
	count(c, why);
	c->refused++;
	c->refused_total++;
	if (c->res != NULL && c->res->error[0] == '\0' && msg != NULL)
		snprintf(c->res->error, sizeof(c->res->error), "%s", msg);
}

/* An EPB, PB or SPB of blen bytes at b: 1 with rec filled, or 0 when refused. */
static int
ng_packet(struct wm_replay_cursor *c, uint32_t type, const uint8_t *b, uint32_t blen,
	  struct wm_replay_rec *rec)
{
	const bool sw = c->swapped;
	const struct wm_replay_iface *ifc;
	uint32_t ifid = 0, caplen, hdr = WM_PCAPNG_PKT_HDR - 4;

	if (type == WM_PCAPNG_SPB) {
		if (c->n_ifaces == 0) {
			refuse(c, WM_PCAPFILE_UNKNOWN_INTERFACE, NULL);
			return 0;
		}
		ifc = &c->ifaces[0];
		if (!wm_replay_linktype_supported(ifc->linktype)) {
			refuse(c, WM_PCAPFILE_REFUSED, NULL);
			return 0;
		}
		rec->len = rd32(b + 8, sw);
		caplen = blen - WM_PCAPNG_SPB_HDR;
		if (rec->len < caplen)
			caplen = rec->len;
		if (ifc->snaplen != 0 && caplen > ifc->snaplen)
			caplen = ifc->snaplen;
		rec->data = b + 12;
		rec->caplen = caplen;
		rec->ts_ns = 0;
		rec->linktype = ifc->linktype;
		return 1;
	}
	if (blen < WM_PCAPNG_PKT_HDR) {
		refuse(c, WM_PCAPFILE_BAD_PACKET_BLOCK, NULL);
		return 0;
	}
	ifid = type == WM_PCAPNG_EPB ? rd32(b + 8, sw) : rd16(b + 8, sw);
	caplen = rd32(b + 20, sw);
	if (caplen > blen - WM_PCAPNG_PKT_HDR) {
		refuse(c, WM_PCAPFILE_BAD_PACKET_BLOCK, NULL);
		return 0;
	}
	if (ifid >= c->n_ifaces) {
		refuse(c, WM_PCAPFILE_UNKNOWN_INTERFACE, NULL);
		return 0;
	}
	ifc = &c->ifaces[ifid];
	if (ifc->snaplen != 0 && caplen > ifc->snaplen) {
		refuse(c, WM_PCAPFILE_ABOVE_SNAPLEN, NULL);
		return 0;
	}
	if (!wm_replay_linktype_supported(ifc->linktype)) {
		refuse(c, WM_PCAPFILE_REFUSED, NULL);
		return 0;
	}
	rec->data = b + hdr;
	rec->caplen = caplen;
	rec->len = rd32(b + 24, sw);
	rec->linktype = ifc->linktype;
	rec->ts_ns = ng_ts_ns(ifc, (uint64_t)rd32(b + 12, sw) << 32 | rd32(b + 16, sw));
	return 1;
}

/* A block that holds no packet: section and interfaces are noted, the rest counted. */
static void
ng_other(struct wm_replay_cursor *c, uint32_t type, const uint8_t *b, uint32_t blen)
{
	switch (type) {
	case WM_PCAPNG_IDB:
		ng_idb(c, b, blen);
		break;
	case WM_PCAPNG_NRB:
	case WM_PCAPNG_ISB:
	case WM_PCAPNG_SJE:
	case WM_PCAPNG_DSB:
		break;
	case WM_PCAPNG_CB_COPY:
	case WM_PCAPNG_CB_NOCOPY:
		count(c, WM_PCAPFILE_CUSTOM_BLOCK);
		break;
	default:
		count(c, WM_PCAPFILE_UNKNOWN_BLOCK);
	}
}

/* pcapng: blocks from c->pos until a packet is delivered or the file ends. */
static int
ng_next(struct wm_replay_cursor *c, struct wm_replay_rec *rec)
{
	const struct wm_replay_file *f = c->f;

	while (c->pos < f->size) {
		const uint8_t *b = f->map + c->pos;
		uint32_t type, blen = 0;
		int bad;

		if (f->size - c->pos >= 4 && rd32(b, false) == WM_PCAPNG_SHB &&
		    !ng_shb_order(f, c->pos, &c->swapped))
			return stop(c, WM_PCAPFILE_BAD_BLOCK_LENGTH, "bad section header");
		bad = ng_block_fits(f, c->pos, c->swapped, &blen);
		if (bad != 0)
			return stop(c, (enum wm_pcapfile_reason)(bad - 1),
				    bad - 1 == WM_PCAPFILE_TRUNCATED
					    ? "truncated dump file"
					    : "block total length invalid");
		type = rd32(b, c->swapped);
		if (rd32(b + blen - 4, c->swapped) != blen) {
			refuse(c, WM_PCAPFILE_BAD_BLOCK_LENGTH,
			       "block total length in header and trailer don't match");
			c->pos += blen;
			continue;
		}
		c->pos += blen;
		if (type == WM_PCAPNG_SHB) {
			c->n_ifaces = 0; /* a section declares its own interfaces */
			continue;
		}
		if (type != WM_PCAPNG_EPB && type != WM_PCAPNG_PB && type != WM_PCAPNG_SPB) {
			ng_other(c, type, b, blen);
			continue;
		}
		if (type == WM_PCAPNG_SPB && blen < WM_PCAPNG_SPB_HDR) {
			refuse(c, WM_PCAPFILE_BAD_PACKET_BLOCK, NULL);
			continue;
		}
		if (ng_packet(c, type, b, blen, rec) == 1) {
			if (type == WM_PCAPNG_SPB)
				rec->ts_ns = c->last_ts; /* an SPB has no time of its own */
			c->last_ts = rec->ts_ns;
			rec->offset = c->pos - blen;
			delivered(c, rec);
			return 1;
		}
	}
	c->end = true;
	return 0;
}

int
wm_replay_cursor_next(struct wm_replay_cursor *c, struct wm_replay_rec *rec)
{
	if (c->end)
		return 0;
	return c->f->ng ? ng_next(c, rec) : pcap_next(c, rec);
}

/* The EtherType of an IP packet by its version nibble; 0 when neither. */
static uint16_t
ip_ethertype(const struct wm_replay_rec *rec, uint32_t at)
{
	if (rec->caplen <= at)
		return 0;
	switch (rec->data[at] >> 4) {
	case 4:
		return 0x0800;
	case 6:
		return 0x86dd;
	}
	return 0;
}

/* BSD loopback: an address family, in the capturer's order (NULL) or network order (LOOP). */
static uint16_t
loop_ethertype(const struct wm_replay_rec *rec)
{
	uint32_t af;

	if (rec->caplen < 4)
		return 0;
	memcpy(&af, rec->data, 4);
	if (rec->linktype == WM_REPLAY_LT_LOOP)
		af = __builtin_bswap32(af);
	else if ((af & 0xffff0000u) != 0)
		af = __builtin_bswap32(af); /* written by a host of the other byte order */
	switch (af) {
	case 2:
		return 0x0800;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return 0x86dd;
	}
	return ip_ethertype(rec, 4);
}

/*
 * PPP (RFC 1661), in HDLC-like framing (RFC 1662: FF 03) or Cisco's (0F
 * or 8F, then 00), or bare: the EtherType of its protocol and the bytes
 * the Ethernet header replaces. A protocol with no EtherType of its own
 * keeps its field in the payload, behind the PPP EtherType (0x880B).
 */
static uint16_t
ppp_ethertype(const struct wm_replay_rec *rec, uint32_t *strip)
{
	const uint8_t *d = rec->data;
	uint32_t o = 0, plen;
	uint16_t proto;

	if (rec->caplen >= 2 &&
	    ((d[0] == 0xff && d[1] == 0x03) || ((d[0] == 0x0f || d[0] == 0x8f) && d[1] == 0x00)))
		o = 2;
	*strip = o;
	if (rec->caplen <= o)
		return 0x880b;
	/* A protocol whose first byte is odd is one byte long (field compression). */
	plen = (d[o] & 0x01) ? 1 : 2;
	if (rec->caplen < o + plen)
		return 0x880b;
	proto = plen == 1 ? d[o] : rd16(d + o, true);
	switch (proto) {
	case 0x0021:
		*strip = o + plen;
		return 0x0800;
	case 0x0057:
		*strip = o + plen;
		return 0x86dd;
	case 0x0281:
		*strip = o + plen;
		return 0x8847;
	case 0x0283:
		*strip = o + plen;
		return 0x8848;
	}
	return 0x880b;
}

bool
wm_replay_eth_synth(const struct wm_replay_rec *rec, uint8_t hdr[WM_REPLAY_ETH_HDR],
		    uint32_t *strip)
{
	uint16_t et = 0;

	memset(hdr, 0, WM_REPLAY_ETH_HDR);
	*strip = 0;
	switch (rec->linktype) {
	case WM_REPLAY_LT_ETHERNET:
		return false;
	case WM_REPLAY_LT_LINUX_SLL:
		*strip = 16;
		if (rec->caplen >= 16) {
			et = rd16(rec->data + 14, true);
			if (rd16(rec->data + 4, true) == 6)
				memcpy(hdr + 6, rec->data + 6, 6);
		}
		break;
	case WM_REPLAY_LT_LINUX_SLL2:
		*strip = 20;
		if (rec->caplen >= 20) {
			et = rd16(rec->data, true);
			if (rec->data[11] == 6)
				memcpy(hdr + 6, rec->data + 12, 6);
		}
		break;
	case WM_REPLAY_LT_RAW:
		et = ip_ethertype(rec, 0);
		break;
	case WM_REPLAY_LT_IPV4:
		et = 0x0800;
		break;
	case WM_REPLAY_LT_IPV6:
		et = 0x86dd;
		break;
	case WM_REPLAY_LT_NULL:
	case WM_REPLAY_LT_LOOP:
		*strip = 4;
		et = loop_ethertype(rec);
		break;
	case WM_REPLAY_LT_PPP:
	case WM_REPLAY_LT_PPP_HDLC:
		et = ppp_ethertype(rec, strip);
		break;
	}
	if (*strip > rec->caplen)
		*strip = rec->caplen;
	hdr[12] = (uint8_t)(et >> 8);
	hdr[13] = (uint8_t)et;
	return true;
}
