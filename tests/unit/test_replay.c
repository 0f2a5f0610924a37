/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for the replay port (drivers/net/wm_replay). The reader
 * first, on files built byte by byte in memory: both pcap magics in both
 * byte orders, pcapng with two interfaces and two sections of opposite
 * byte order and several if_tsresol, every link type's Ethernet header,
 * bad headers. Then the port itself, under EAL (--no-huge --no-pci), on
 * files in a mkdtemp directory: zero copy counted, file time in ns, the
 * link going down at the end, non-Ethernet frames copied with their
 * header, files merged in time order, queues=N giving each biflow to one
 * queue, loop, pace. Pace is checked on the times handed out: no packet
 * leaves before its time, a bound that load can only make easier.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "wm_cunit.h"
#include "wm_test_fbuf.h"
#include "wm_replay.h"
#include "wm_replay_file.h"

#define BUF_MAX (1 << 20)

/* A file being built; big selects big-endian fields. */

static char dir[256];
static struct rte_mempool *pool;
static int ts_off = -1;
static unsigned int vdev_seq;

static void
start(bool big)
{
	fb.n = 0;
	fb.big = big;
}

/* An IPv4/UDP packet (no link header) of flow (a -> b, sport -> dport), 36 bytes. */
static size_t
ipv4_udp(uint8_t *p, uint8_t a, uint8_t b, uint16_t sport, uint16_t dport)
{
	static const uint8_t hdr[20] = {0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17};

	memcpy(p, hdr, sizeof(hdr));
	p[12] = 10, p[13] = 0, p[14] = 0, p[15] = a;
	p[16] = 10, p[17] = 0, p[18] = 0, p[19] = b;
	p[20] = (uint8_t)(sport >> 8), p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8), p[23] = (uint8_t)dport;
	p[24] = 0, p[25] = 16, p[26] = 0, p[27] = 0;
	memset(p + 28, 0xab, 8);
	return 36;
}

/* An Ethernet frame around it, 50 bytes. */
static size_t
eth_udp(uint8_t *p, uint8_t a, uint8_t b, uint16_t sport, uint16_t dport)
{
	memset(p, 0x02, 6);
	memset(p + 6, 0x04, 6);
	p[12] = 0x08, p[13] = 0x00;
	return 14 + ipv4_udp(p + 14, a, b, sport, dport);
}

static void
pcap_hdr(uint32_t magic, uint32_t linktype)
{
	put32(magic);
	put16(2);
	put16(4);
	put32(0);
	put32(0);
	put32(65535);
	put32(linktype);
}

static void
pcap_rec(uint32_t sec, uint32_t frac, const uint8_t *d, uint32_t len)
{
	put32(sec);
	put32(frac);
	put32(len);
	put32(len);
	put(d, len);
}

static void
ng_block(uint32_t type, const uint8_t *body, uint32_t len)
{
	static const uint8_t pad[4];
	uint32_t total = 12 + ((len + 3) & ~3u);

	put32(type);
	put32(total);
	put(body, len);
	put(pad, (4 - len % 4) % 4);
	put32(total);
}

static void
ng_shb(void)
{
	put32(0x0a0d0d0a);
	put32(28);
	put32(0x1a2b3c4d);
	put16(1);
	put16(0);
	put32(0xffffffff);
	put32(0xffffffff);
	put32(28);
}

/* An IDB; tsresol 0xff: none given (microseconds). */
static void
ng_idb(uint16_t linktype, uint8_t tsresol)
{
	uint32_t total = tsresol == 0xff ? 20 : 32;

	put32(1);
	put32(total);
	put16(linktype);
	put16(0);
	put32(0);
	if (tsresol != 0xff) {
		uint8_t v[4] = {tsresol, 0, 0, 0};

		put16(9);
		put16(1);
		put(v, 4);
		put16(0);
		put16(0);
	}
	put32(total);
}

static void
ng_epb(uint32_t ifid, uint64_t ts, const uint8_t *d, uint32_t len)
{
	static const uint8_t pad[4];
	uint32_t total = 32 + ((len + 3) & ~3u);

	put32(6);
	put32(total);
	put32(ifid);
	put32((uint32_t)(ts >> 32));
	put32((uint32_t)ts);
	put32(len);
	put32(len);
	put(d, len);
	put(pad, (4 - len % 4) % 4);
	put32(total);
}

static void
ng_spb(const uint8_t *d, uint32_t len)
{
	static const uint8_t pad[4];
	uint32_t total = 16 + ((len + 3) & ~3u);

	put32(3);
	put32(total);
	put32(len);
	put(d, len);
	put(pad, (4 - len % 4) % 4);
	put32(total);
}

/* The built bytes as a file the reader checks in memory. */
static int
check(struct wm_replay_file *f, char *err, size_t len)
{
	memset(f, 0, sizeof(*f));
	f->map = fb.b;
	f->size = fb.n;
	return wm_replay_file_check(f, err, len);
}

/* ---- the reader ---- */

static void
pcap_magic_order(uint32_t magic, bool big, uint32_t frac, uint64_t want_frac_ns)
{
	struct wm_pcapfile_result res;
	struct wm_replay_cursor c;
	struct wm_replay_file f;
	struct wm_replay_rec r;
	uint8_t fr[64];
	char err[256];
	size_t n = eth_udp(fr, 1, 2, 1000, 2000);

	start(big);
	pcap_hdr(magic, 1);
	pcap_rec(1700000000, frac, fr, (uint32_t)n);
	pcap_rec(1700000001, 0, fr, (uint32_t)n);
	CU_ASSERT_EQUAL_FATAL(check(&f, err, sizeof(err)), 0);
	wm_replay_cursor_init(&c, &f, &res);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 1700000000ull * 1000000000ull + want_frac_ns);
	CU_ASSERT_EQUAL(r.caplen, 50);
	CU_ASSERT_EQUAL(r.linktype, 1);
	CU_ASSERT_EQUAL(memcmp(r.data, fr, n), 0);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 1700000001ull * 1000000000ull);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 0);
	CU_ASSERT_EQUAL(res.records, 2);
	CU_ASSERT(wm_pcapfile_clean(&res));
}

static void
test_replay_pcap_resolutions_and_orders(void)
{
	pcap_magic_order(0xa1b2c3d4, false, 123456, 123456000);
	pcap_magic_order(0xa1b2c3d4, true, 123456, 123456000);
	pcap_magic_order(0xa1b23c4d, false, 123456789, 123456789);
	pcap_magic_order(0xa1b23c4d, true, 123456789, 123456789);
}

/*
 * Two interfaces (µs Ethernet, ns RAW) in a little-endian section, then a
 * big-endian section whose interface counts in 2^-10 s; an SPB takes the
 * time of the packet before it.
 */
static void
test_replay_pcapng_interfaces_sections(void)
{
	struct wm_pcapfile_result res;
	struct wm_replay_cursor c;
	struct wm_replay_file f;
	struct wm_replay_rec r;
	uint8_t fr[64], ip[64];
	char err[256];
	size_t n = eth_udp(fr, 1, 2, 1, 2), m = ipv4_udp(ip, 1, 2, 1, 2);

	start(false);
	ng_shb();
	ng_idb(1, 0xff);
	ng_idb(101, 9);
	ng_epb(0, 1700000000123456ull, fr, (uint32_t)n);
	ng_epb(1, 1700000000123456789ull, ip, (uint32_t)m);
	ng_spb(fr, (uint32_t)n);
	fb.big = true;
	ng_shb();
	ng_idb(1, 0x8a);
	ng_epb(0, 3ull << 10 | 512, fr, (uint32_t)n);
	CU_ASSERT_EQUAL_FATAL(check(&f, err, sizeof(err)), 0);
	CU_ASSERT(f.ng);
	wm_replay_cursor_init(&c, &f, &res);
	CU_ASSERT_EQUAL_FATAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 1700000000123456000ull);
	CU_ASSERT_EQUAL(r.linktype, 1);
	CU_ASSERT_EQUAL_FATAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 1700000000123456789ull);
	CU_ASSERT_EQUAL(r.linktype, 101);
	CU_ASSERT_EQUAL(r.caplen, 36);
	CU_ASSERT_EQUAL_FATAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 1700000000123456789ull);
	CU_ASSERT_EQUAL(r.linktype, 1);
	CU_ASSERT_EQUAL_FATAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.ts_ns, 3500000000ull);
	CU_ASSERT_EQUAL(memcmp(r.data, fr, n), 0);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 0);
	CU_ASSERT_EQUAL(res.records, 4);
	CU_ASSERT(wm_pcapfile_clean(&res));
}

/* One link type: the header a frame gets, and how many of its bytes it replaces. */
static void
synth(uint32_t lt, const uint8_t *d, uint32_t len, uint16_t want_et, uint32_t want_strip,
      const uint8_t *want_src)
{
	static const uint8_t zero[6];
	struct wm_replay_rec r = {.data = d, .caplen = len, .len = len, .linktype = lt};
	uint8_t h[WM_REPLAY_ETH_HDR];
	uint32_t strip;

	CU_ASSERT_TRUE(wm_replay_eth_synth(&r, h, &strip));
	CU_ASSERT_EQUAL(strip, want_strip);
	CU_ASSERT_EQUAL(h[12] << 8 | h[13], want_et);
	CU_ASSERT_EQUAL(memcmp(h, zero, 6), 0);
	CU_ASSERT_EQUAL(memcmp(h + 6, want_src != NULL ? want_src : zero, 6), 0);
}

static void
test_replay_link_types(void)
{
	static const struct {
		uint32_t lt;
		uint8_t hdr[4];
		uint32_t len;
		uint16_t et;
		uint32_t strip;
	} ppp[] = {
		{9, {0xff, 0x03, 0x00, 0x21}, 40, 0x0800, 4},
		{50, {0xff, 0x03, 0x00, 0x21}, 40, 0x0800, 4},
		{50, {0x0f, 0x00, 0x00, 0x57}, 40, 0x86dd, 4},
		{9, {0x00, 0x57}, 40, 0x86dd, 2},
		{9, {0x21}, 40, 0x0800, 1},
		{9, {0x02, 0x81}, 40, 0x8847, 2},
		{9, {0xff, 0x03, 0xc0, 0x21}, 40, 0x880b, 2},
		{9, {0xff, 0x03, 0xc0, 0x21}, 3, 0x880b, 2},
	};
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	struct wm_replay_rec eth = {.linktype = 1};
	uint8_t p[128], h[WM_REPLAY_ETH_HDR];
	uint32_t strip;
	unsigned int i;
	size_t m;

	CU_ASSERT_FALSE(wm_replay_eth_synth(&eth, h, &strip));
	/* LINUX_SLL: packet type, ARPHRD, address length 6, address, protocol. */
	memset(p, 0, sizeof(p));
	p[5] = 6;
	memcpy(p + 6, mac, 6);
	p[14] = 0x86, p[15] = 0xdd;
	synth(113, p, 56, 0x86dd, 16, mac);
	/* LINUX_SLL2: protocol, reserved, ifindex, ARPHRD, type, address length, address. */
	memset(p, 0, sizeof(p));
	p[0] = 0x08, p[1] = 0x00;
	p[11] = 6;
	memcpy(p + 12, mac, 6);
	synth(276, p, 60, 0x0800, 20, mac);
	/* RAW: the version nibble says. */
	m = ipv4_udp(p, 1, 2, 3, 4);
	synth(101, p, (uint32_t)m, 0x0800, 0, NULL);
	p[0] = 0x60;
	synth(101, p, (uint32_t)m, 0x86dd, 0, NULL);
	synth(228, p, (uint32_t)m, 0x0800, 0, NULL);
	synth(229, p, (uint32_t)m, 0x86dd, 0, NULL);
	/* NULL: the family in the capturer's order, either; LOOP: network order. */
	memset(p, 0, 8);
	p[0] = 2;
	synth(0, p, 40, 0x0800, 4, NULL);
	p[0] = 0, p[3] = 2;
	synth(0, p, 40, 0x0800, 4, NULL);
	synth(108, p, 40, 0x0800, 4, NULL);
	p[3] = 30;
	synth(108, p, 40, 0x86dd, 4, NULL);
	p[3] = 0, p[0] = 28;
	synth(0, p, 40, 0x86dd, 4, NULL);
	/*
	 * PPP: FF 03 or Cisco's 0F 00 or nothing, then a protocol of two bytes
	 * or one; LCP (C0 21) has no EtherType: its protocol field stays, behind
	 * 0x880B, also when the frame ends there.
	 */
	for (i = 0; i < RTE_DIM(ppp); i++) {
		memcpy(p, ppp[i].hdr, 4);
		synth(ppp[i].lt, p, ppp[i].len, ppp[i].et, ppp[i].strip, NULL);
	}
	CU_ASSERT_TRUE(wm_replay_linktype_supported(276));
	CU_ASSERT_TRUE(wm_replay_linktype_supported(9));
	CU_ASSERT_TRUE(wm_replay_linktype_supported(50));
	CU_ASSERT_FALSE(wm_replay_linktype_supported(105));
}

static void
bad_header(const char *want)
{
	struct wm_replay_file f;
	char err[256] = "";

	CU_ASSERT_EQUAL(check(&f, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
}

static void
test_replay_bad_headers(void)
{
	uint8_t fr[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);

	start(false);
	bad_header("the file is empty");
	put32(0xdeadbeef);
	put32(0);
	bad_header("not a pcap or pcapng file (unknown magic efbeadde)");
	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	fb.n = 10;
	bad_header("cannot be read as a capture: truncated dump file; tried to read 24 file header "
		   "bytes, only got 6");
	start(true);
	pcap_hdr(0xa1b2c3d4, 105);
	bad_header("link type 105 is not one the replay port reads (EN10MB, LINUX_SLL, "
		   "LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP, PPP, PPP_HDLC)");
	start(false);
	ng_shb();
	ng_epb(0, 1, fr, (uint32_t)n);
	bad_header("cannot be read as a capture: the capture file has a packet block before any "
		   "Interface Description Blocks");
}

/* A block whose trailer lies is stepped over and counted; a cut record stops the reading. */
static void
test_replay_refused_and_stopped(void)
{
	struct wm_pcapfile_result res;
	struct wm_replay_cursor c;
	struct wm_replay_file f;
	struct wm_replay_rec r;
	uint8_t fr[64];
	char err[256];
	size_t n = eth_udp(fr, 1, 2, 1, 2), at;
	int got = 0;

	start(false);
	ng_shb();
	ng_idb(1, 0xff);
	ng_epb(0, 1, fr, (uint32_t)n);
	at = fb.n;
	ng_epb(0, 2, fr, (uint32_t)n);
	fb.b[fb.n - 1] ^= 0x40; /* the trailer */
	ng_epb(0, 3, fr, (uint32_t)n);
	ng_block(0x0bad, fr, 8);
	at = fb.n;
	ng_epb(0, 4, fr, (uint32_t)n);
	fb.n -= 10;
	CU_ASSERT_EQUAL_FATAL(check(&f, err, sizeof(err)), 0);
	wm_replay_cursor_init(&c, &f, &res);
	while (wm_replay_cursor_next(&c, &r) == 1)
		got++;
	CU_ASSERT_EQUAL(got, 2);
	CU_ASSERT_EQUAL(res.records, 2);
	CU_ASSERT_EQUAL(res.count[WM_PCAPFILE_BAD_BLOCK_LENGTH], 1);
	CU_ASSERT_EQUAL(res.count[WM_PCAPFILE_CUSTOM_BLOCK], 1);
	CU_ASSERT_EQUAL(res.count[WM_PCAPFILE_TRUNCATED], 1);
	CU_ASSERT_TRUE(res.stopped);
	CU_ASSERT_EQUAL(res.stop_offset, at);
	CU_ASSERT_EQUAL(c.refused_total, 1);
}

/*
 * Packets of an interface of a link type not read, declared after the
 * first packet (a later section), are refused, EPB and SPB alike (the SPB
 * case was found by fuzz_replay).
 */
static void
test_replay_later_unsupported_interface(void)
{
	struct wm_pcapfile_result res;
	struct wm_replay_cursor c;
	struct wm_replay_file f;
	struct wm_replay_rec r;
	uint8_t fr[64];
	char err[256];
	size_t n = eth_udp(fr, 1, 2, 1, 2);

	start(false);
	ng_shb();
	ng_idb(1, 0xff);
	ng_epb(0, 1, fr, (uint32_t)n);
	ng_shb();
	ng_idb(105, 0xff);
	ng_epb(0, 2, fr, (uint32_t)n);
	ng_spb(fr, (uint32_t)n);
	CU_ASSERT_EQUAL_FATAL(check(&f, err, sizeof(err)), 0);
	wm_replay_cursor_init(&c, &f, &res);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 0);
	CU_ASSERT_EQUAL(res.records, 1);
	CU_ASSERT_EQUAL(res.count[WM_PCAPFILE_REFUSED], 2);
	CU_ASSERT_EQUAL(c.refused_total, 2);
}

/* ---- the port ---- */

static void
save(const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(fb.b, 1, fb.n, f), fb.n);
	fclose(f);
}

/* The pool port_open() gives the queues. */
static struct rte_mempool *port_pool;

/* A started port on these arguments, nq queues; its id, or -1. */
static int
port_open(const char *args, uint16_t nq, char *name, size_t len)
{
	struct rte_eth_conf conf = {.intr_conf.lsc = 1};
	uint16_t pid, q;

	snprintf(name, len, "net_wmreplay_t%u", vdev_seq++);
	if (rte_vdev_init(name, args) != 0 || rte_eth_dev_get_port_by_name(name, &pid) != 0)
		return -1;
	if (rte_eth_dev_configure(pid, nq, 0, &conf) != 0)
		return -1;
	for (q = 0; q < nq; q++)
		if (rte_eth_rx_queue_setup(pid, q, 256, 0, NULL,
					   port_pool != NULL ? port_pool : pool) != 0)
			return -1;
	if (rte_eth_dev_start(pid) != 0)
		return -1;
	return pid;
}

static void
port_close(uint16_t pid, const char *name)
{
	rte_eth_dev_stop(pid);
	rte_eth_dev_close(pid);
	rte_vdev_uninit(name);
}

static uint64_t
ts_of(const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, ts_off, const uint64_t *);
}

/* Read queue q to its end; each packet's time into ts[] (up to max), free. Returns the count. */
static unsigned int
drain(uint16_t pid, uint16_t q, uint64_t *ts, unsigned int max, bool *ext_all)
{
	struct rte_mbuf *b[32];
	unsigned int got = 0, idle = 0;
	uint16_t n, i;

	while (idle < 3) {
		n = rte_eth_rx_burst(pid, q, b, 32);
		idle = n == 0 ? idle + 1 : 0;
		for (i = 0; i < n; i++) {
			if (got < max && ts != NULL)
				ts[got] = ts_of(b[i]);
			if (ext_all != NULL && !RTE_MBUF_HAS_EXTBUF(b[i]))
				*ext_all = false;
			got++;
		}
		rte_pktmbuf_free_bulk(b, n);
	}
	return got;
}

static void
test_replay_port_zero_copy_and_end(void)
{
	struct wm_pcapfile_result res;
	struct wm_replay_stats st;
	struct rte_eth_link link;
	struct rte_mbuf *kept;
	uint8_t fr[64];
	char path[512], args[700], name[64];
	uint64_t ts[300];
	bool ext = true;
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	unsigned int i;
	int pid;

	start(false);
	pcap_hdr(0xa1b23c4d, 1);
	for (i = 0; i < 300; i++)
		pcap_rec(1700000000 + i, i * 7, fr, (uint32_t)n);
	save("zc.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s", path);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	CU_ASSERT_TRUE(wm_replay_is_port((uint16_t)pid));
	rte_eth_link_get_nowait((uint16_t)pid, &link);
	CU_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_UP);
	CU_ASSERT_FALSE(wm_replay_ended((uint16_t)pid));
	/* One mbuf kept past the port's close: the mapping must outlive the port. */
	CU_ASSERT_EQUAL_FATAL(rte_eth_rx_burst((uint16_t)pid, 0, &kept, 1), 1);
	ts[0] = ts_of(kept);
	CU_ASSERT_EQUAL(drain((uint16_t)pid, 0, ts + 1, 299, &ext), 299);
	CU_ASSERT_TRUE(ext);
	for (i = 0; i < 300; i++)
		CU_ASSERT_EQUAL(ts[i], (1700000000ull + i) * 1000000000ull + i * 7);
	CU_ASSERT_TRUE(wm_replay_ended((uint16_t)pid));
	rte_eth_link_get_nowait((uint16_t)pid, &link);
	CU_ASSERT_EQUAL(link.link_status, RTE_ETH_LINK_DOWN);
	CU_ASSERT_EQUAL(wm_replay_stats_get((uint16_t)pid, &st), 0);
	CU_ASSERT_EQUAL(st.zero_copy, 300);
	CU_ASSERT_EQUAL(st.copied, 0);
	CU_ASSERT_EQUAL(wm_replay_file_result((uint16_t)pid, 0, NULL, 0, &res), 0);
	CU_ASSERT_EQUAL(res.records, 300);
	port_close((uint16_t)pid, name);
	CU_ASSERT(RTE_MBUF_HAS_EXTBUF(kept) != 0); /* a 64-bit flag: CU_ASSERT_TRUE takes an int */
	CU_ASSERT_EQUAL(rte_pktmbuf_data_len(kept), n);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(kept, uint8_t *), fr, n), 0);
	rte_pktmbuf_free(kept); /* the last reference: the file is unmapped now */
}

/* LINUX_SLL frames come out as Ethernet: the made-up header, then the packet; copied, counted. */
static void
test_replay_port_cooked_copied(void)
{
	struct wm_replay_stats st;
	struct rte_mbuf *b[8];
	uint8_t fr[128];
	char path[512], args[700], name[64];
	size_t m;
	uint16_t n;
	int pid;

	memset(fr, 0, 16);
	fr[5] = 6;
	memset(fr + 6, 0x0a, 6);
	fr[14] = 0x08;
	m = ipv4_udp(fr + 16, 1, 2, 5, 6);
	start(false);
	pcap_hdr(0xa1b2c3d4, 113);
	pcap_rec(1, 0, fr, (uint32_t)(16 + m));
	save("sll.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s", path);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	n = rte_eth_rx_burst((uint16_t)pid, 0, b, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(b[0]), 14 + m);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(b[0], uint8_t *)[12], 0x08);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(b[0], uint8_t *)[6], 0x0a);
	CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod_offset(b[0], uint8_t *, 14), fr + 16, m), 0);
	rte_pktmbuf_free(b[0]);
	CU_ASSERT_EQUAL(drain((uint16_t)pid, 0, NULL, 0, NULL), 0);
	wm_replay_stats_get((uint16_t)pid, &st);
	CU_ASSERT_EQUAL(st.copied, 1);
	CU_ASSERT_EQUAL(st.zero_copy, 0);
	port_close((uint16_t)pid, name);
}

/*
 * A pool of 5 mbufs, and a reader that keeps each burst until after the
 * next one: the port runs short in every burst. Every record still comes
 * out, once, in order, with its bytes (Ethernet in place, cooked copied);
 * the short bursts are counted as waits, never in rx_nombuf.
 */
static void
test_replay_port_tiny_pool(void)
{
	struct rte_mbuf *b[2][32];
	struct rte_eth_stats es;
	struct wm_replay_stats st;
	char path[512], args[700], name[64];
	uint8_t fr[64], sll[80];
	size_t n = eth_udp(fr, 1, 2, 1, 2), m;
	unsigned int i, got = 0, idle = 0, cur = 0, bursts = 0;
	uint16_t c[2] = {0, 0};
	int pid;

	memset(sll, 0, 16);
	sll[14] = 0x08;
	m = 16 + ipv4_udp(sll + 16, 3, 4, 5, 6);
	start(false);
	pcap_hdr(0xa1b23c4d, 113);
	for (i = 0; i < 100; i++)
		pcap_rec(1, i, sll, (uint32_t)m);
	save("tiny_sll.pcap", path, sizeof(path));
	start(false);
	pcap_hdr(0xa1b23c4d, 1);
	for (i = 0; i < 200; i++)
		pcap_rec(1, 100 + i, fr, (uint32_t)n);
	snprintf(args, sizeof(args), "file=%s,", path);
	save("tiny_eth.pcap", path, sizeof(path));
	snprintf(args + strlen(args), sizeof(args) - strlen(args), "file=%s", path);
	port_pool = rte_pktmbuf_pool_create("t_tiny", 5, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port_pool);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	while (idle < 3) {
		c[cur] = rte_eth_rx_burst((uint16_t)pid, 0, b[cur], 32);
		bursts++;
		for (i = 0; i < c[cur]; i++, got++) {
			const struct rte_mbuf *x = b[cur][i];

			CU_ASSERT_EQUAL(ts_of(x), 1000000000ull + got);
			/* Cooked frames first (their times are earlier), then Ethernet. */
			const uint8_t *want = got < 100 ? sll + 16 : fr;
			size_t off = got < 100 ? 14 : 0, len = got < 100 ? m - 16 : n;

			CU_ASSERT_EQUAL(
				memcmp(rte_pktmbuf_mtod_offset(x, uint8_t *, off), want, len), 0);
		}
		/* The burst before the last goes back only now. */
		cur ^= 1;
		rte_pktmbuf_free_bulk(b[cur], c[cur]);
		idle = c[0] == 0 && c[1] == 0 ? idle + 1 : 0;
	}
	CU_ASSERT_EQUAL(got, 300);
	CU_ASSERT_EQUAL(rte_eth_stats_get((uint16_t)pid, &es), 0);
	CU_ASSERT_EQUAL(es.ipackets, 300);
	CU_ASSERT_EQUAL(es.rx_nombuf, 0);
	CU_ASSERT_EQUAL(wm_replay_stats_get((uint16_t)pid, &st), 0);
	/* 300 records through 5 mbufs, 2 to 5 a burst: every burst came up short. */
	CU_ASSERT(st.mbuf_waits >= 300 / 5);
	CU_ASSERT(st.mbuf_waits <= bursts); /* a burst cut short counts once */
	CU_ASSERT_EQUAL(st.copied, 100);
	CU_ASSERT_EQUAL(st.zero_copy, 200);
	port_close((uint16_t)pid, name);
	rte_mempool_free(port_pool);
	port_pool = NULL;
}

/* A classic pcap header with a snap length of 256 KB (libpcap's largest). */
static void
pcap_hdr_big(void)
{
	put32(0xa1b2c3d4);
	put16(2);
	put16(4);
	put32(0);
	put32(0);
	put32(WM_REPLAY_MAX_CAPLEN);
	put32(1);
}

/*
 * A frame of two external segments on a pool of two mbufs, while the
 * reader holds one: the port runs dry in the middle of the frame, gives
 * back what it took, and serves the frame whole next time. On a pool of
 * one mbuf the frame can never be served: it alone is dropped, counted
 * in rx_nombuf, and the packets after it come out.
 */
static void
big_frame_run(unsigned int pool_size)
{
	static uint8_t big[70000];
	struct rte_mbuf *first, *b[4];
	struct rte_eth_stats es;
	char path[512], args[700], name[64];
	uint8_t fr[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	uint16_t k;
	int pid;

	memcpy(big, fr, n);
	for (size_t i = n; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	start(false);
	pcap_hdr_big();
	pcap_rec(1, 0, fr, (uint32_t)n);
	pcap_rec(1, 1, big, sizeof(big));
	pcap_rec(1, 2, fr, (uint32_t)n);
	save("bigframe.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s", path);
	port_pool = rte_pktmbuf_pool_create("t_two", pool_size, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port_pool);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	CU_ASSERT_EQUAL_FATAL(rte_eth_rx_burst((uint16_t)pid, 0, &first, 1), 1);
	/* One mbuf held: the big frame cannot have both its segments. */
	CU_ASSERT_EQUAL(rte_eth_rx_burst((uint16_t)pid, 0, b, 4), 0);
	rte_pktmbuf_free(first);
	/* A burst may find out first that the frame needs a burst of its own. */
	k = rte_eth_rx_burst((uint16_t)pid, 0, b, 4);
	k = k == 0 ? rte_eth_rx_burst((uint16_t)pid, 0, b, 4) : k;
	CU_ASSERT_EQUAL(rte_eth_stats_get((uint16_t)pid, &es), 0);
	if (pool_size >= 2) {
		CU_ASSERT_EQUAL_FATAL(k, 1);
		CU_ASSERT_EQUAL(b[0]->nb_segs, 2);
		CU_ASSERT_EQUAL(rte_pktmbuf_pkt_len(b[0]), sizeof(big));
		CU_ASSERT_EQUAL(memcmp(rte_pktmbuf_mtod(b[0]->next, uint8_t *), big + 65535,
				       sizeof(big) - 65535),
				0);
		CU_ASSERT_EQUAL(es.rx_nombuf, 0);
		rte_pktmbuf_free(b[0]);
		k = rte_eth_rx_burst((uint16_t)pid, 0, b, 4);
	} else {
		/* Dropped in the burst that had the whole pool for it; the next packet follows. */
		CU_ASSERT_EQUAL(es.rx_nombuf, 1);
	}
	CU_ASSERT_EQUAL_FATAL(k, 1);
	CU_ASSERT_EQUAL(ts_of(b[0]), 1000000000ull + 2000);
	rte_pktmbuf_free(b[0]);
	CU_ASSERT_EQUAL(rte_eth_rx_burst((uint16_t)pid, 0, b, 4), 0);
	CU_ASSERT_TRUE(wm_replay_ended((uint16_t)pid));
	port_close((uint16_t)pid, name);
	/* Every mbuf came home: no segment or slot reference was left behind. */
	CU_ASSERT_TRUE(rte_mempool_full(port_pool));
	rte_mempool_free(port_pool);
	port_pool = NULL;
}

static void
test_replay_port_dry_mid_frame(void)
{
	big_frame_run(2);
	big_frame_run(1);
}

/* The dry-pool file: frame 3 is a big one of several mbufs, the others are small. */
#define DRY_BIG 140000u
#define DRY_FRAMES 6

/* Frame i of the dry-pool file into p (raw: an IPv4 packet, else Ethernet); its length. */
static uint32_t
dry_frame(uint8_t *p, unsigned int i, bool raw)
{
	uint32_t n = (uint32_t)(raw ? ipv4_udp(p, (uint8_t)i, 9, 1, 2)
				    : eth_udp(p, (uint8_t)i, 9, 1, 2));
	uint32_t k;

	if (i != 3)
		return n;
	for (k = n; k < DRY_BIG; k++)
		p[k] = (uint8_t)(k * 7);
	return DRY_BIG;
}

/* Packet m is frame i: its time and its bytes (a raw one behind the made-up Ethernet header). */
static void
dry_check(const struct rte_mbuf *m, unsigned int i, bool raw)
{
	static uint8_t want[DRY_BIG], got[DRY_BIG];
	const uint32_t hdr = raw ? 14 : 0, n = dry_frame(want, i, raw);
	const uint8_t *p;

	CU_ASSERT_EQUAL(ts_of(m), 1000 + i);
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_pkt_len(m), hdr + n);
	p = rte_pktmbuf_read(m, hdr, n, got);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
}

/* One burst of up to nb; rx_mbuf_waits must grow by exactly @p cut (0 or 1) with it. */
static uint16_t
dry_burst(uint16_t pid, struct rte_mbuf **b, uint16_t nb, uint64_t *waits, uint64_t cut)
{
	struct wm_replay_stats st;
	uint16_t n = rte_eth_rx_burst(pid, 0, b, nb);

	CU_ASSERT_EQUAL(wm_replay_stats_get(pid, &st), 0);
	CU_ASSERT_EQUAL(st.mbuf_waits, *waits + cut);
	*waits = st.mbuf_waits;
	return n;
}

/*
 * The pool runs dry in the middle of frame 3, which takes segs mbufs
 * (zero copy: three external segments of 65535 bytes at most; raw: its
 * first segment copied, three attached), while the reader keeps frames
 * 0 to 2. The pool has 3 + segs mbufs: enough in total. Bursts are cut
 * short both ways, each counted once in rx_mbuf_waits: the pool empty
 * after the frame's first segments, and rx_alloc() short of mbufs for
 * the burst before the frame fails too. Frame 3 then comes out whole,
 * every frame in order, rx_nombuf 0, and every mbuf comes home.
 */
static void
dry_mid_frame_run(bool raw)
{
	const uint16_t segs = raw ? 4 : 3;
	static uint8_t fr[DRY_BIG];
	struct rte_mbuf *kept[3], *other[4], *b[4];
	struct rte_eth_stats es;
	char path[512], args[700], name[64];
	unsigned int i, next = 4;
	uint64_t waits = 0;
	uint16_t pid, n;
	int rc;

	start(false);
	ng_shb();
	ng_idb(raw ? 101 : 1, 9);
	for (i = 0; i < DRY_FRAMES; i++)
		ng_epb(0, 1000 + i, fr, dry_frame(fr, i, raw));
	save("dry.pcapng", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s", path);
	port_pool = rte_pktmbuf_pool_create("t_dry", 3 + segs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(port_pool);
	rc = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(rc >= 0);
	pid = (uint16_t)rc;
	CU_ASSERT_EQUAL_FATAL(dry_burst(pid, kept, 2, &waits, 0), 2);
	/*
	 * segs + 1 free: frames 2 to 4 get an mbuf each, frame 3 lacks its
	 * last; frame 2 goes. (The burst's array has room for all 3 asked.)
	 */
	CU_ASSERT_EQUAL_FATAL(dry_burst(pid, b, 3, &waits, 1), 1);
	kept[2] = b[0];
	/* One free: the burst gets one mbuf of the two it wants, and frame 3 fails at its second. */
	CU_ASSERT_EQUAL_FATAL(rte_pktmbuf_alloc_bulk(port_pool, other, segs - 1), 0);
	CU_ASSERT_EQUAL(dry_burst(pid, b, 4, &waits, 1), 0);
	rte_pktmbuf_free_bulk(other, segs - 1);
	/* segs free: frames 3 and 4 get theirs, frame 3 lacks its last again and goes alone next. */
	CU_ASSERT_EQUAL(dry_burst(pid, b, 4, &waits, 1), 0);
	CU_ASSERT_EQUAL_FATAL(dry_burst(pid, b, 4, &waits, 0), 1);
	CU_ASSERT_EQUAL(b[0]->nb_segs, segs);
	for (i = 0; i < 3; i++)
		dry_check(kept[i], i, raw);
	dry_check(b[0], 3, raw);
	rte_pktmbuf_free_bulk(kept, 3);
	rte_pktmbuf_free(b[0]);
	/* The rest, in order, with the whole pool: no more waits. */
	while ((n = dry_burst(pid, b, 4, &waits, 0)) > 0) {
		for (i = 0; i < n; i++)
			dry_check(b[i], next++, raw);
		rte_pktmbuf_free_bulk(b, n);
	}
	CU_ASSERT_EQUAL(next, DRY_FRAMES);
	CU_ASSERT_EQUAL(waits, 3);
	CU_ASSERT_EQUAL(rte_eth_stats_get(pid, &es), 0);
	CU_ASSERT_EQUAL(es.ipackets, DRY_FRAMES);
	CU_ASSERT_EQUAL(es.rx_nombuf, 0);
	CU_ASSERT_TRUE(wm_replay_ended(pid));
	port_close(pid, name);
	CU_ASSERT_TRUE(rte_mempool_full(port_pool));
	rte_mempool_free(port_pool);
	port_pool = NULL;
}

static void
test_replay_port_dry_mid_frame_waits(void)
{
	dry_mid_frame_run(false);
	dry_mid_frame_run(true);
}

/* Two files of interleaved times come out as one stream in time order. */
static void
test_replay_port_merge(void)
{
	char a[512], b[512], args[1200], name[64];
	uint8_t fr[64];
	uint64_t ts[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	unsigned int i, got;
	int pid;

	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	for (i = 0; i < 20; i++)
		pcap_rec(100 + 2 * i, 0, fr, (uint32_t)n); /* even seconds */
	save("even.pcap", a, sizeof(a));
	start(true);
	ng_shb();
	ng_idb(1, 0xff);
	for (i = 0; i < 20; i++)
		ng_epb(0, (101ull + 2 * i) * 1000000, fr, (uint32_t)n); /* odd seconds */
	save("odd.pcapng", b, sizeof(b));
	snprintf(args, sizeof(args), "file=%s,file=%s", a, b);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	got = drain((uint16_t)pid, 0, ts, 64, NULL);
	CU_ASSERT_EQUAL(got, 40);
	for (i = 0; i < 40 && i < got; i++)
		CU_ASSERT_EQUAL(ts[i], (100ull + i) * 1000000000ull);
	port_close((uint16_t)pid, name);
}

/* queues=4: every packet of a biflow, either direction, reaches one queue, and all arrive. */
static void
test_replay_port_queues_biflows(void)
{
	static int8_t owner[256];
	char path[512], args[700], name[64];
	struct rte_mbuf *b[32];
	unsigned int i, total = 0, used = 0;
	uint8_t fr[64];
	uint16_t q, n, k;
	int pid;

	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	for (i = 0; i < 1024; i++) {
		uint8_t f = (uint8_t)(i % 256);
		bool rev = (i / 256) % 2;

		/* Flow f: 10.0.0.f:1000+f <-> 10.0.0.(f+1):80, both ways. */
		eth_udp(fr, rev ? f + 1 : f, rev ? f : f + 1, rev ? 80 : 1000 + f,
			rev ? 1000 + f : 80);
		fr[14 + 4] = f; /* the IP id carries the flow, for the check */
		pcap_rec(1, i, fr, 50);
	}
	save("flows.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s,queues=4", path);
	pid = port_open(args, 4, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	memset(owner, -1, sizeof(owner));
	for (q = 0; q < 4; q++) {
		unsigned int here = 0, idle = 0;

		while (idle < 3) {
			n = rte_eth_rx_burst((uint16_t)pid, q, b, 32);
			idle = n == 0 ? idle + 1 : 0;
			for (k = 0; k < n; k++) {
				uint8_t f = rte_pktmbuf_mtod(b[k], uint8_t *)[18];

				CU_ASSERT(owner[f] == -1 || owner[f] == (int8_t)q);
				owner[f] = (int8_t)q;
				CU_ASSERT((b[k]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0);
				here++;
			}
			rte_pktmbuf_free_bulk(b, n);
		}
		total += here;
		used += here > 0;
	}
	CU_ASSERT_EQUAL(total, 1024);
	CU_ASSERT(used >= 3); /* 256 flows spread over the queues, not all on one */
	CU_ASSERT_TRUE(wm_replay_ended((uint16_t)pid));
	port_close((uint16_t)pid, name);
}

/* loop=3: the file three times, each pass after the last, time always going forward. */
static void
test_replay_port_loop(void)
{
	char path[512], args[700], name[64];
	struct wm_replay_stats st;
	uint8_t fr[64];
	uint64_t ts[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	unsigned int i, got;
	int pid;

	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	for (i = 0; i < 10; i++)
		pcap_rec(10 + i, 0, fr, (uint32_t)n);
	save("loop.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s,loop=3", path);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	got = drain((uint16_t)pid, 0, ts, 64, NULL);
	CU_ASSERT_EQUAL(got, 30);
	/* A pass is 9 s long, and the next starts one mean gap (1 s) after it: 10 s later. */
	for (i = 0; i < 30 && i < got; i++)
		CU_ASSERT_EQUAL(ts[i], (10ull + i) * 1000000000ull);
	wm_replay_stats_get((uint16_t)pid, &st);
	CU_ASSERT_EQUAL(st.passes, 3);
	port_close((uint16_t)pid, name);
}

/*
 * pace: a packet never leaves before the start plus its time in the
 * recording over the speed (x4), or its index over the rate (pps). Only a
 * lower bound: a busy machine makes packets late, never early.
 */
static void
pace_check(const char *pace, uint64_t step_ns, double per_pkt_ns)
{
	char path[512], args[700], name[64];
	struct rte_mbuf *b[32];
	uint64_t hz = rte_get_tsc_hz(), t0 = 0, ts0 = 0;
	unsigned int i, got = 0, idle = 0;
	uint8_t fr[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	int pid;

	start(false);
	pcap_hdr(0xa1b23c4d, 1);
	for (i = 0; i < 40; i++)
		pcap_rec(50, (uint32_t)(i * step_ns), fr, (uint32_t)n);
	save("pace.pcap", path, sizeof(path));
	snprintf(args, sizeof(args), "file=%s,pace=%s", path, pace);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	while (got < 40 && idle < 100000000) {
		/* The port starts its pace inside the call: 'before' is no later. */
		uint64_t before = rte_rdtsc();
		uint16_t k, c = rte_eth_rx_burst((uint16_t)pid, 0, b, 32);
		uint64_t now = rte_rdtsc();

		idle = c == 0 ? idle + 1 : 0;
		for (k = 0; k < c; k++, got++) {
			uint64_t ts = ts_of(b[k]);
			double due_ns;

			if (got == 0) {
				t0 = before;
				ts0 = ts;
			}
			CU_ASSERT_EQUAL(ts, 50000000000ull + got * step_ns);
			due_ns = per_pkt_ns > 0 ? got * per_pkt_ns : (double)(ts - ts0) / 4;
			/* Never early (1 µs of rounding allowed). */
			CU_ASSERT((double)(now - t0) * 1e9 / (double)hz + 1000 >= due_ns);
		}
		rte_pktmbuf_free_bulk(b, c);
	}
	CU_ASSERT_EQUAL(got, 40);
	port_close((uint16_t)pid, name);
}

static void
test_replay_port_pace(void)
{
	pace_check("x4", 2000000, 0);	     /* 2 ms apart, 4 times as fast: 0.5 ms */
	pace_check("2000pps", 10, 500000.0); /* 0.5 ms apart whatever the file says */
}

/* A file mapped before EAL is the port's at its probe: gone from the disk, it is still read. */
static void
test_replay_port_preopened(void)
{
	char path[512], args[700], name[64], why[256] = "";
	uint8_t fr[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	unsigned int i;
	int pid;

	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	for (i = 0; i < 7; i++)
		pcap_rec(1, i, fr, (uint32_t)n);
	save("pre.pcap", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(wm_replay_preopen(path, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(unlink(path), 0);
	snprintf(args, sizeof(args), "file=%s", path);
	pid = port_open(args, 1, name, sizeof(name));
	CU_ASSERT_FATAL(pid >= 0);
	CU_ASSERT_EQUAL(drain((uint16_t)pid, 0, NULL, 0, NULL), 7);
	port_close((uint16_t)pid, name);
	/* Taken once: a second port on that path opens it, and it is gone. */
	CU_ASSERT_NOT_EQUAL(rte_vdev_init("net_wmreplay_pre1", args), 0);
	/* A bad file is refused before any port, with what is wrong. */
	start(false);
	save("pre_empty.pcap", path, sizeof(path));
	CU_ASSERT_EQUAL(wm_replay_preopen(path, why, sizeof(why)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "the file is empty");
}

/*
 * A mapped file's toucher reads every page of it, and closing the file
 * stops it first: a sparse file far larger than what it can have read
 * when the close comes is unmapped with no fault, and the records read
 * before are those of the file.
 */
static void
test_replay_file_toucher(void)
{
	struct wm_replay_cursor c;
	struct wm_replay_file f;
	struct wm_replay_rec r;
	char path[512], err[256];
	uint8_t fr[64];
	size_t n = eth_udp(fr, 1, 2, 1, 2);
	unsigned int i, spins;

	start(false);
	pcap_hdr(0xa1b2c3d4, 1);
	for (i = 0; i < 3; i++)
		pcap_rec(1, i, fr, (uint32_t)n);
	save("touch.pcap", path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(wm_replay_file_open(&f, path, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.toucher);
	/* It ends by itself: every byte's page read (a bounded wait, not a timing). */
	for (spins = 0; wm_replay_file_touched(&f) < f.size && spins < 100000; spins++)
		usleep(100);
	CU_ASSERT_EQUAL(wm_replay_file_touched(&f), f.size);
	wm_replay_cursor_init(&c, &f, NULL);
	for (i = 0; wm_replay_cursor_next(&c, &r) == 1; i++)
		CU_ASSERT_EQUAL(r.ts_ns, 1000000000ull + i * 1000);
	CU_ASSERT_EQUAL(i, 3);
	wm_replay_file_close(&f);
	CU_ASSERT_PTR_NULL(f.toucher);
	CU_ASSERT_PTR_NULL(f.map);

	/*
	 * 1 GiB of holes after the records: closed at once, while the toucher
	 * walks them (a close that unmapped first would fault it).
	 */
	CU_ASSERT_EQUAL_FATAL(truncate(path, (off_t)1 << 30), 0);
	CU_ASSERT_EQUAL_FATAL(wm_replay_file_open(&f, path, err, sizeof(err)), 0);
	wm_replay_cursor_init(&c, &f, NULL);
	CU_ASSERT_EQUAL(wm_replay_cursor_next(&c, &r), 1);
	CU_ASSERT_EQUAL(r.caplen, n);
	wm_replay_file_close(&f);
	CU_ASSERT_PTR_NULL(f.toucher);
	CU_ASSERT_EQUAL(unlink(path), 0);
}

static void
test_replay_port_bad_args(void)
{
	char path[512], why[512];

	CU_ASSERT_NOT_EQUAL(rte_vdev_init("net_wmreplay_bad0", "file=/nonexistent/x.pcap"), 0);
	CU_ASSERT_EQUAL(
		wm_replay_probe_error("net_wmreplay_bad0", path, sizeof(path), why, sizeof(why)),
		0);
	CU_ASSERT_STRING_EQUAL(path, "/nonexistent/x.pcap");
	CU_ASSERT_STRING_EQUAL(why, "No such file or directory");
	CU_ASSERT_NOT_EQUAL(rte_vdev_init("net_wmreplay_bad1", "file=/dev/null,pace=fast"), 0);
	wm_replay_probe_error("net_wmreplay_bad1", path, sizeof(path), why, sizeof(why));
	CU_ASSERT_STRING_EQUAL(why, "pace=fast: recorded, x<factor> (x2, x0.5) or <n>pps "
				    "(1000pps) is needed");
	CU_ASSERT_EQUAL(
		wm_replay_probe_error("net_wmreplay_none", path, sizeof(path), why, sizeof(why)),
		-ENOENT);
}

static int
suite_init(void)
{
	char prefix[64];
	char *argv[] = {"test_replay", "--no-huge",	      "--no-pci",      "-m",   "256", "-l",
			"0",	       "--log-level=*:error", "--file-prefix", prefix, NULL};
	uint64_t flag;

	snprintf(prefix, sizeof(prefix), "wmtr%d", (int)getpid());
	fb.b = malloc(BUF_MAX);
	snprintf(dir, sizeof(dir), "/tmp/wm_replay_XXXXXX");
	if (fb.b == NULL || mkdtemp(dir) == NULL)
		return -1;
	if (rte_eal_init(10, argv) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("t_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || rte_mbuf_dyn_rx_timestamp_register(&ts_off, &flag) != 0)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return -1;
	free(fb.b);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	/* EAL leaves its runtime folder behind (--no-huge: no hugepage files). */
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/wmtr%d", (int)getpid());
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_replay_pcap_resolutions_and_orders),
		WM_TEST(test_replay_pcapng_interfaces_sections),
		WM_TEST(test_replay_link_types),
		WM_TEST(test_replay_bad_headers),
		WM_TEST(test_replay_refused_and_stopped),
		WM_TEST(test_replay_later_unsupported_interface),
		WM_TEST(test_replay_file_toucher),
		WM_TEST(test_replay_port_zero_copy_and_end),
		WM_TEST(test_replay_port_cooked_copied),
		WM_TEST(test_replay_port_tiny_pool),
		WM_TEST(test_replay_port_dry_mid_frame),
		WM_TEST(test_replay_port_dry_mid_frame_waits),
		WM_TEST(test_replay_port_merge),
		WM_TEST(test_replay_port_queues_biflows),
		WM_TEST(test_replay_port_loop),
		WM_TEST(test_replay_port_pace),
		WM_TEST(test_replay_port_preopened),
		WM_TEST(test_replay_port_bad_args),
	};

	return wm_cunit_run("replay", suite_init, suite_clean, tests, RTE_DIM(tests));
}
