/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/capture: copies, the flight recorder, loss histories, the merge and
 * the files, read back with libpcap (and the blocks walked by hand where
 * libpcap does not say: comments, statistics).
 */

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pcap/pcap.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "wm_capture.h"
#include "wm_cunit.h"

#define T0 1764936000123456789ull /* 2025-12-05, with every ns digit set */

static struct rte_mempool *src_pool; /* packets as a port would give them */
static struct rte_mempool *cap_pool; /* capture copies */
static char dir[256];

/* A packet of len bytes, byte i = (seed + i) & 0xff, on port 0. */
static struct rte_mbuf *
pkt_make(uint16_t len, uint8_t seed)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(src_pool);
	uint8_t *p;
	uint16_t i;

	CU_ASSERT_FATAL(m != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	CU_ASSERT_FATAL(p != NULL);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i);
	m->port = 0;
	return m;
}

static struct rte_mbuf *
copy_of(uint16_t len, uint8_t seed, uint64_t ts)
{
	struct rte_mbuf *m = pkt_make(len, seed), *mc;

	mc = wm_capture_copy(m, cap_pool, WM_CAPTURE_SNAPLEN_DEFAULT, rte_rdtsc(), ts);
	rte_pktmbuf_free(m);
	CU_ASSERT_FATAL(mc != NULL);
	return mc;
}

static void
path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* Read a capture: per packet its ns time, captured and original lengths, first byte. */
struct read_pkt {
	uint64_t ns;
	uint32_t caplen, len;
	uint8_t first;
};

static int
read_file(const char *path, struct read_pkt *out, int max)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL)
		return -1;
	while (n < max && pcap_next_ex(p, &h, &data) == 1) {
		out[n].ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		out[n].caplen = h->caplen;
		out[n].len = h->len;
		out[n].first = data[0];
		n++;
	}
	pcap_close(p);
	return n;
}

static void
test_capture_copy_keeps_time_and_lengths(void)
{
	struct rte_mbuf *mc = copy_of(100, 7, T0);
	const struct wm_capture_epb *epb = rte_pktmbuf_mtod(mc, const struct wm_capture_epb *);
	struct rte_mbuf *m = pkt_make(100, 7), *mc2;

	CU_ASSERT_EQUAL(wm_capture_time(mc), T0);
	CU_ASSERT_EQUAL(epb->capture_length, 100);
	CU_ASSERT_EQUAL(epb->original_length, 100);
	CU_ASSERT_EQUAL(mc->nb_segs, 1);
	mc2 = wm_capture_copy(m, cap_pool, 64, rte_rdtsc(), T0 + 1);
	CU_ASSERT_FATAL(mc2 != NULL);
	epb = rte_pktmbuf_mtod(mc2, const struct wm_capture_epb *);
	CU_ASSERT_EQUAL(epb->capture_length, 64);
	CU_ASSERT_EQUAL(epb->original_length, 100);
	CU_ASSERT_EQUAL(wm_capture_time(mc2), T0 + 1);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(mc);
	rte_pktmbuf_free(mc2);
}

static void
test_capture_pool_caplen_holds_a_jumbo(void)
{
	CU_ASSERT_EQUAL(wm_capture_pool_caplen(cap_pool), WM_CAPTURE_COPY_MAX);
}

static void
test_capture_file_reads_back_exactly(void)
{
	struct wm_capture_file_conf fc = {.appname = "test"};
	struct rte_mbuf *mc[10];
	struct read_pkt rp[16];
	struct wm_capture_writer *wr;
	char path[512], err[256];
	int i;

	path_in_dir(path, sizeof(path), "one.pcapng");
	fc.path = path;
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < 10; i++)
		mc[i] = copy_of((uint16_t)(60 + i), (uint8_t)i, T0 + (uint64_t)i * 1000);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 10, NULL, NULL), 10);
	for (i = 0; i < 10; i++)
		rte_pktmbuf_free(mc[i]);
	{
		struct wm_capture_port_stats ps = {.port = 0, .recv = 1000, .drop = 7};
		struct stat sb0, sb1;

		stat(path, &sb0);
		CU_ASSERT_EQUAL(wm_capture_writer_close(wr, &ps, 1, T0, T0 + 9000), 0);
		/* The statistics block: 20 bytes, 4 options (start, end, recv, drop), end, length. */
		stat(path, &sb1);
		CU_ASSERT_EQUAL(sb1.st_size - sb0.st_size, 20 + 4 * 12 + 4 + 4);
	}
	CU_ASSERT_EQUAL_FATAL(read_file(path, rp, 16), 10);
	for (i = 0; i < 10; i++) {
		CU_ASSERT_EQUAL(rp[i].ns, T0 + (uint64_t)i * 1000);
		CU_ASSERT_EQUAL(rp[i].caplen, 60u + (unsigned int)i);
		CU_ASSERT_EQUAL(rp[i].len, 60u + (unsigned int)i);
		CU_ASSERT_EQUAL(rp[i].first, i);
	}
}

static void
test_capture_count_ends_the_capture(void)
{
	struct wm_capture_file_conf fc = {.max_pkts = 4};
	struct wm_capture_writer_stats st;
	struct rte_mbuf *mc[10];
	struct read_pkt rp[16];
	struct wm_capture_writer *wr;
	char path[512], err[256];
	int i;

	path_in_dir(path, sizeof(path), "count.pcapng");
	fc.path = path;
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < 10; i++)
		mc[i] = copy_of(60, (uint8_t)i, T0 + (uint64_t)i);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 3, NULL, NULL), 3);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, &mc[3], 7, NULL, NULL), 1);
	wm_capture_writer_stats(wr, &st);
	CU_ASSERT(st.done);
	CU_ASSERT_EQUAL(st.pkts, 4);
	for (i = 0; i < 10; i++)
		rte_pktmbuf_free(mc[i]);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
	CU_ASSERT_EQUAL(read_file(path, rp, 16), 4);
}

static void
test_capture_duration_is_packet_time(void)
{
	struct wm_capture_file_conf fc = {.max_ns = 5000};
	struct rte_mbuf *mc[10];
	struct wm_capture_writer *wr;
	char path[512], err[256];
	int i;

	path_in_dir(path, sizeof(path), "duration.pcapng");
	fc.path = path;
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < 10; i++)
		mc[i] = copy_of(60, (uint8_t)i, T0 + (uint64_t)i * 1000);
	/* Packets at +0 .. +4 us are within 5 us of the first. */
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 10, NULL, NULL), 5);
	for (i = 0; i < 10; i++)
		rte_pktmbuf_free(mc[i]);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
}

/* Ring files of the test's directory, sorted by name. */
static int
ring_files(const char *prefix, char names[][512], int max)
{
	struct dirent **ents;
	int n, i, k = 0;

	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (k < max && strncmp(ents[i]->d_name, prefix, strlen(prefix)) == 0)
			snprintf(names[k++], 512, "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return k;
}

static void
test_capture_ring_keeps_n_files(void)
{
	struct wm_capture_file_conf fc = {.ring = true, .ring_files = 3, .ring_bytes = 1000};
	struct wm_capture_writer_stats st;
	struct rte_mbuf *mc[40];
	struct read_pkt rp[40];
	struct wm_capture_writer *wr;
	char path[512], err[256], names[8][512];
	int i, n, f, got = 0;
	struct stat sb;

	path_in_dir(path, sizeof(path), "ring.pcapng");
	fc.path = path;
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < 40; i++)
		mc[i] = copy_of(100, (uint8_t)i, T0 + (uint64_t)i);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 40, NULL, NULL), 40);
	wm_capture_writer_stats(wr, &st);
	for (i = 0; i < 40; i++)
		rte_pktmbuf_free(mc[i]);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
	n = ring_files("ring_", names, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(st.removed, st.files - 3);
	/* The names count up: _00005_ and so on, one per file, the oldest gone. */
	for (f = 0; f < n; f++) {
		char want[32];

		snprintf(want, sizeof(want), "ring_%05llu_",
			 (unsigned long long)(st.files - 2 + f));
		CU_ASSERT(strstr(names[f], want) != NULL);
		CU_ASSERT(strcmp(names[f] + strlen(names[f]) - 7, ".pcapng") == 0);
		CU_ASSERT_EQUAL(stat(names[f], &sb), 0);
		CU_ASSERT(sb.st_size <= 1000);
	}
	/* The files hold the last packets, in order, none lost or twice. */
	for (f = 0; f < n; f++) {
		int k = read_file(names[f], &rp[got], 40 - got);

		CU_ASSERT_FATAL(k > 0);
		got += k;
	}
	for (i = 0; i < got; i++)
		CU_ASSERT_EQUAL(rp[i].ns, T0 + (uint64_t)(40 - got + i));
}

/* A symlink planted where the capture file goes: refused, its target untouched. */
static void
test_capture_symlink_is_refused(void)
{
	struct wm_capture_file_conf fc = {0};
	char path[512], target[512], err[256], buf[16] = "";
	struct stat sb;
	FILE *f;

	path_in_dir(target, sizeof(target), "victim");
	path_in_dir(path, sizeof(path), "planted.pcapng");
	f = fopen(target, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("keep me", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(symlink(target, path), 0);
	fc.path = path;
	CU_ASSERT_PTR_NULL(wm_capture_writer_open(&fc, err, sizeof(err)));
	CU_ASSERT(strstr(err, "symbolic link") != NULL);
	f = fopen(target, "r");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_PTR_NOT_NULL(fgets(buf, sizeof(buf), f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "keep me");
	CU_ASSERT_EQUAL(lstat(path, &sb), 0);
	CU_ASSERT(S_ISLNK(sb.st_mode));
}

/* What on_file() was told: per file seq, its name while it is on disk. */
static char told[32][512];

static void
tell(void *ctx, uint64_t seq, const char *file)
{
	(*(int *)ctx)++;
	if (seq < RTE_DIM(told))
		snprintf(told[seq], sizeof(told[0]), "%s", file != NULL ? file : "");
}

/* Every file of a ring is told as it opens and as it is deleted: the live ones are on disk. */
static void
test_capture_ring_tells_each_file(void)
{
	struct wm_capture_file_conf fc = {.ring = true, .ring_files = 3, .ring_bytes = 1000};
	struct wm_capture_writer_stats st;
	struct rte_mbuf *mc[40];
	struct wm_capture_writer *wr;
	char path[512], err[256], names[8][512];
	int i, n, calls = 0, live = 0;
	uint64_t s;

	memset(told, 0, sizeof(told));
	path_in_dir(path, sizeof(path), "told.pcapng");
	fc.path = path;
	fc.on_file = tell;
	fc.on_file_ctx = &calls;
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < 40; i++)
		mc[i] = copy_of(100, (uint8_t)i, T0 + (uint64_t)i);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 40, NULL, NULL), 40);
	for (i = 0; i < 40; i++)
		rte_pktmbuf_free(mc[i]);
	wm_capture_writer_stats(wr, &st);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
	CU_ASSERT_FATAL(st.files > 3 && st.files < RTE_DIM(told));
	/* One call per file opened, one per file deleted. */
	CU_ASSERT_EQUAL(calls, (int)(st.files + st.removed));
	n = ring_files("told_", names, 8);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	for (s = 1; s <= st.files; s++) {
		if (told[s][0] == '\0')
			continue;
		CU_ASSERT_STRING_EQUAL(told[s], names[live]);
		live++;
	}
	CU_ASSERT_EQUAL(live, 3);
}

/* n copies of 1000 bytes through a writer of fc, one write each; closed without statistics. */
static void
write_n(struct wm_capture_file_conf *fc, int n)
{
	struct wm_capture_writer *wr;
	char err[256];
	int i;

	wr = wm_capture_writer_open(fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *mc = copy_of(1000, (uint8_t)i, T0 + (uint64_t)i * 1000);

		CU_ASSERT_EQUAL(wm_capture_writer_write(wr, &mc, 1, NULL, NULL), 1);
		rte_pktmbuf_free(mc);
	}
	CU_ASSERT_EQUAL(wm_capture_writer_close(wr, NULL, 0, 0, 0), 0);
}

/* A container decrypted into a memfd; the plaintext's size, or -1. */
static long
decrypt_file(const char *path, const struct wm_crypt_key *k, int *out)
{
	char err[256];
	int in = open(path, O_RDONLY), rc;

	*out = memfd_create("plain", 0);
	rc = wm_crypt_decrypt_fd(in, *out, k, err, sizeof(err));
	close(in);
	if (rc != 0)
		fprintf(stderr, "%s: %s\n", path, err);
	return rc != 0 ? -1 : (long)lseek(*out, 0, SEEK_END);
}

static void
test_capture_encrypted_is_the_plain_file(void)
{
	struct wm_capture_file_conf fc = {.appname = "test"};
	uint8_t key[WM_CRYPT_KEY_LEN] = {7}, *a, *b;
	struct wm_crypt_key *k = wm_crypt_key_from_bytes(key);
	char plain[512], enc[512];
	long n;
	int fd;
	FILE *f;

	CU_ASSERT_FATAL(k != NULL);
	path_in_dir(plain, sizeof(plain), "plain.pcapng");
	path_in_dir(enc, sizeof(enc), "enc.pcapng");
	fc.path = plain;
	write_n(&fc, 3300); /* 3.4 MB: three 1 MiB chunks and a last one */
	fc.path = enc;
	fc.key = k;
	write_n(&fc, 3300);
	n = decrypt_file(enc, k, &fd);
	f = fopen(plain, "rb");
	CU_ASSERT_FATAL(n > 3 * (1 << 20) && f != NULL);
	a = malloc((size_t)n + 1);
	b = malloc((size_t)n + 1);
	CU_ASSERT_EQUAL(fread(a, 1, (size_t)n + 1, f), (size_t)n);
	CU_ASSERT_EQUAL(pread(fd, b, (size_t)n, 0), n);
	CU_ASSERT(memcmp(a, b, (size_t)n) == 0);
	fclose(f);
	close(fd);
	free(a);
	free(b);
	wm_crypt_key_free(k);
}

/* A new Ed25519 key pair through PEM files, as wiremeter loads them. */
static void
sign_keys(struct wm_crypt_pkey **sk, struct wm_crypt_pkey **pk)
{
	EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	char priv[512], pub[512], err[512];
	FILE *f;

	CU_ASSERT_FATAL(p != NULL);
	path_in_dir(priv, sizeof(priv), "sign.pem");
	path_in_dir(pub, sizeof(pub), "sign.pub");
	f = fopen(priv, "w");
	fchmod(fileno(f), 0600);
	PEM_write_PrivateKey(f, p, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(pub, "w");
	PEM_write_PUBKEY(f, p);
	fclose(f);
	EVP_PKEY_free(p);
	*sk = wm_crypt_sign_key_load(priv, err, sizeof(err));
	*pk = wm_crypt_trust_key_load(pub, err, sizeof(err));
	CU_ASSERT_FATAL(*sk != NULL && *pk != NULL);
}

static void
test_capture_encrypted_ring_files(void)
{
	struct wm_capture_file_conf fc = {.ring = true, .ring_files = 2, .ring_bytes = 400000};
	uint8_t key[WM_CRYPT_KEY_LEN] = {9};
	struct wm_crypt_key *k = wm_crypt_key_from_bytes(key);
	char path[512], names[8][512], pl[1024];
	static struct read_pkt rp[1000];
	int n, f, fd, m, got = 0;

	struct wm_crypt_pkey *sk, *pk;

	sign_keys(&sk, &pk);
	path_in_dir(path, sizeof(path), "ering.pcapng");
	fc.path = path;
	fc.key = k;
	fc.sign = sk;
	write_n(&fc, 1000);
	/* Two files, each signed; the signatures of the files the ring deleted went too. */
	n = ring_files("ering_", names, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	for (f = 0; f < 4; f += 2) {
		CU_ASSERT(strstr(names[f + 1], ".sig") != NULL);
		CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, names[f], pl, sizeof(pl)), 0);
		if (f > 0)
			memcpy(names[f / 2], names[f], sizeof(names[0]));
	}
	n = 2;
	wm_crypt_pkey_free(sk);
	wm_crypt_pkey_free(pk);
	/* Each file is a container of its own; its plaintext is a whole pcapng file. */
	for (f = 0; f < n; f++) {
		long len = decrypt_file(names[f], k, &fd);
		FILE *out;
		uint8_t *buf = malloc((size_t)len);

		CU_ASSERT_FATAL(len > 0 && len <= 400000);
		snprintf(pl, sizeof(pl), "%.500s.plain", names[f]);
		out = fopen(pl, "wb");
		CU_ASSERT_EQUAL(pread(fd, buf, (size_t)len, 0), len);
		fwrite(buf, 1, (size_t)len, out);
		fclose(out);
		free(buf);
		close(fd);
		m = read_file(pl, &rp[got], 1000 - got);
		CU_ASSERT_FATAL(m > 0);
		got += m;
	}
	CU_ASSERT(got > 0 && got < 1000);
	for (f = 0; f < got; f++)
		CU_ASSERT_EQUAL(rp[f].ns, T0 + (uint64_t)(1000 - got + f) * 1000);
	wm_crypt_key_free(k);
}

/* The comment options of a pcapng file's packet blocks, in order ("" for none). */
static int
file_comments(const char *path, char out[][128], int max)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	uint32_t off = 0;
	int n = 0;

	if (f == NULL)
		return -1;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		size = 0;
	fclose(f);
	while (off + 12 <= (uint32_t)size && n < max) {
		uint32_t type = *(uint32_t *)(buf + off), blen = *(uint32_t *)(buf + off + 4);

		if (type == 6) {
			uint32_t cap = *(uint32_t *)(buf + off + 20);
			uint32_t o = off + 28 + ((cap + 3) & ~3u);

			out[n][0] = '\0';
			while (o + 4 <= off + blen - 4) {
				uint16_t code = *(uint16_t *)(buf + o),
					 len = *(uint16_t *)(buf + o + 2);

				if (code == 0)
					break;
				if (code == 1)
					snprintf(out[n], 128, "%.*s", len, (char *)(buf + o + 4));
				o += 4 + ((len + 3u) & ~3u);
			}
			n++;
		}
		off += blen;
	}
	free(buf);
	return n;
}

static void
test_capture_comment_on_a_packet(void)
{
	struct wm_capture_file_conf fc = {0};
	struct rte_mbuf *mc[2];
	struct read_pkt rp[4];
	struct wm_capture_writer *wr;
	char path[512], err[256], comments[4][128];

	path_in_dir(path, sizeof(path), "comment.pcapng");
	fc.path = path;
	mc[0] = copy_of(61, 1, T0);
	mc[1] = copy_of(62, 2, T0 + 1);
	CU_ASSERT_EQUAL(wm_capture_annotate(mc[1], "seq gap: expected 5, received 9"), 0);
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 2, NULL, NULL), 2);
	rte_pktmbuf_free(mc[0]);
	rte_pktmbuf_free(mc[1]);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
	CU_ASSERT_EQUAL(read_file(path, rp, 4), 2);
	CU_ASSERT_EQUAL(rp[1].len, 62);
	CU_ASSERT_EQUAL_FATAL(file_comments(path, comments, 4), 2);
	CU_ASSERT_STRING_EQUAL(comments[0], "");
	CU_ASSERT_STRING_EQUAL(comments[1], "seq gap: expected 5, received 9");
}

/*
 * A full disk: a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored) cuts a
 * write short in the middle of a block, as ENOSPC does. The file must
 * end with its last whole packet, the capture end, the error be counted.
 */
static void
test_capture_full_disk_leaves_a_whole_file(void)
{
	struct wm_capture_file_conf fc = {0};
	struct wm_capture_writer_stats st;
	struct rlimit old, lim;
	struct rte_mbuf *mc[20];
	struct read_pkt rp[32];
	struct wm_capture_writer *wr;
	char path[512], err[256];
	struct stat sb;
	int i, rc, k;
	off_t header;

	path_in_dir(path, sizeof(path), "full.pcapng");
	fc.path = path;
	for (i = 0; i < 20; i++)
		mc[i] = copy_of(100, (uint8_t)i, T0 + (uint64_t)i);
	wr = wm_capture_writer_open(&fc, err, sizeof(err));
	CU_ASSERT_FATAL(wr != NULL);
	CU_ASSERT_EQUAL_FATAL(stat(path, &sb), 0);
	header = sb.st_size;
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	/* Room for 7 blocks and a half. */
	lim.rlim_cur =
		(rlim_t)header + 7 * rte_pktmbuf_data_len(mc[0]) + rte_pktmbuf_data_len(mc[0]) / 2;
	CU_ASSERT_EQUAL_FATAL(setrlimit(RLIMIT_FSIZE, &lim), 0);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 5, NULL, NULL), 5);
	rc = wm_capture_writer_write(wr, &mc[5], 15, NULL, NULL);
	CU_ASSERT(rc < 0);
	wm_capture_writer_stats(wr, &st);
	CU_ASSERT(st.done);
	CU_ASSERT_EQUAL(st.errors, 1);
	CU_ASSERT_EQUAL(st.pkts, 5);
	CU_ASSERT_EQUAL(wm_capture_writer_write(wr, mc, 1, NULL, NULL), 0);
	wm_capture_writer_close(wr, NULL, 0, 0, 0);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_size, header + 5 * rte_pktmbuf_data_len(mc[0]));
	k = read_file(path, rp, 32);
	CU_ASSERT_EQUAL(k, 5);
	for (i = 0; i < 20; i++)
		rte_pktmbuf_free(mc[i]);
}

static void
test_capture_hist_keeps_last_n_in_order(void)
{
	struct wm_capture_hist *h = wm_capture_hist_create(4, SOCKET_ID_ANY);
	struct rte_mbuf *out[8];
	unsigned int avail = rte_mempool_avail_count(cap_pool), i, n;

	CU_ASSERT_FATAL(h != NULL);
	for (i = 0; i < 10; i++)
		wm_capture_hist_push(h, copy_of(60, (uint8_t)i, T0 + i));
	/* The six oldest went back to the pool. */
	CU_ASSERT_EQUAL(rte_mempool_avail_count(cap_pool), avail - 4);
	n = wm_capture_hist_share(h, out, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(wm_capture_time(out[i]), T0 + 6 + i);
		CU_ASSERT_EQUAL(rte_mbuf_refcnt_read(out[i]), 2);
	}
	n = wm_capture_hist_share(h, &out[4], 2);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(wm_capture_time(out[4]), T0 + 8);
	CU_ASSERT_EQUAL(wm_capture_time(out[5]), T0 + 9);
	for (i = 0; i < 6; i++)
		rte_pktmbuf_free(out[i]);
	{
		struct rte_ring *r = rte_ring_create("test_cap_hr", 4, SOCKET_ID_ANY,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		void *o = NULL;

		/* A ring of 3 usable slots takes the 3 oldest. */
		CU_ASSERT_EQUAL(wm_capture_hist_to_ring(h, r), 3);
		for (i = 0; i < 3; i++) {
			CU_ASSERT_EQUAL_FATAL(rte_ring_dequeue(r, &o), 0);
			CU_ASSERT_EQUAL(wm_capture_time(o), T0 + 6 + i);
			rte_pktmbuf_free(o);
		}
		rte_ring_free(r);
	}
	wm_capture_hist_free(h);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(cap_pool), avail);
}

static void
test_capture_loss_before_event_after(void)
{
	struct wm_capture_loss *l = wm_capture_loss_create(4, 2, 1, SOCKET_ID_ANY);
	unsigned int avail = rte_mempool_avail_count(cap_pool), n, i;
	struct rte_mbuf *out[4];

	CU_ASSERT_FATAL(l != NULL);
	/* Stream 1: 1, 2, 3 in order, 4 reveals a gap, 5 after it, 6 and 7 in the history. */
	for (i = 1; i <= 3; i++)
		CU_ASSERT_EQUAL(
			wm_capture_loss_pkt(l, 1, copy_of(60, (uint8_t)i, T0 + i), 0, 0, out), 0);
	/* Another stream's packets do not mix in. */
	CU_ASSERT_EQUAL(wm_capture_loss_pkt(l, 2, copy_of(60, 99, T0), 0, 0, out), 0);
	n = wm_capture_loss_pkt(l, 1, copy_of(60, 4, T0 + 4), 1, 17, out);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(wm_capture_time(out[0]), T0 + 2);
	CU_ASSERT_EQUAL(wm_capture_time(out[1]), T0 + 3);
	CU_ASSERT_EQUAL(wm_capture_time(out[2]), T0 + 4);
	CU_ASSERT_EQUAL(WM_CAPTURE_TAG_CLASS(out[2]), 1);
	CU_ASSERT_EQUAL(WM_CAPTURE_TAG_EVENT(out[2]), 17);
	CU_ASSERT_EQUAL(WM_CAPTURE_TAG_CLASS(out[0]), 0);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	CU_ASSERT(wm_capture_loss_wants(l, 1));
	n = wm_capture_loss_pkt(l, 1, copy_of(60, 5, T0 + 5), 0, 0, out);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(wm_capture_time(out[0]), T0 + 5);
	rte_pktmbuf_free(out[0]);
	CU_ASSERT(!wm_capture_loss_wants(l, 1));
	CU_ASSERT_EQUAL(wm_capture_loss_pkt(l, 1, copy_of(60, 6, T0 + 6), 0, 0, out), 0);
	/* The next event's history starts after what was captured already. */
	n = wm_capture_loss_pkt(l, 1, copy_of(60, 7, T0 + 7), 3, 18, out);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(wm_capture_time(out[0]), T0 + 6);
	CU_ASSERT_EQUAL(wm_capture_time(out[1]), T0 + 7);
	rte_pktmbuf_free(out[0]);
	rte_pktmbuf_free(out[1]);
	wm_capture_loss_reset(l, 2);
	wm_capture_loss_free(l);
	CU_ASSERT_EQUAL(rte_mempool_avail_count(cap_pool), avail);
}

static void
test_capture_merge_in_time_order(void)
{
	struct rte_ring *r[2];
	struct wm_capture_merge *mg;
	struct rte_mbuf *out[16];
	unsigned int src[16], n, i;
	static const uint64_t t0[] = {1, 4, 5, 9}, t1[] = {2, 3, 8};

	r[0] = rte_ring_create("test_cap_r0", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	r[1] = rte_ring_create("test_cap_r1", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CU_ASSERT_FATAL(r[0] != NULL && r[1] != NULL);
	mg = wm_capture_merge_create(r, 2, UINT64_MAX / 2);
	CU_ASSERT_FATAL(mg != NULL);
	for (i = 0; i < RTE_DIM(t0); i++)
		rte_ring_enqueue(r[0], copy_of(60, 0, T0 + t0[i]));
	for (i = 0; i < RTE_DIM(t1); i++)
		rte_ring_enqueue(r[1], copy_of(60, 1, T0 + t1[i]));
	/* Ring 1 runs dry after 8: 9 waits (ring 1 may still bring something older). */
	n = wm_capture_merge_poll(mg, 0, false, out, src, 16);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	static const uint64_t want[] = {1, 2, 3, 4, 5, 8};
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(wm_capture_time(out[i]), T0 + want[i]);
		rte_pktmbuf_free(out[i]);
	}
	CU_ASSERT_EQUAL(src[1], 1);
	rte_ring_enqueue(r[1], copy_of(60, 1, T0 + 7));
	n = wm_capture_merge_poll(mg, 0, false, out, src, 16);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(wm_capture_time(out[0]), T0 + 7);
	rte_pktmbuf_free(out[0]);
	n = wm_capture_merge_poll(mg, 0, true, out, src, 16);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(wm_capture_time(out[0]), T0 + 9);
	CU_ASSERT_EQUAL(src[0], 0);
	rte_pktmbuf_free(out[0]);
	wm_capture_merge_free(mg);
	rte_ring_free(r[0]);
	rte_ring_free(r[1]);
}

static void
test_capture_merge_waits_at_most_the_delay(void)
{
	struct rte_ring *r[2];
	struct wm_capture_merge *mg;
	struct rte_mbuf *out[4];

	r[0] = rte_ring_create("test_cap_d0", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	r[1] = rte_ring_create("test_cap_d1", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CU_ASSERT_FATAL(r[0] != NULL && r[1] != NULL);
	mg = wm_capture_merge_create(r, 2, 100);
	CU_ASSERT_FATAL(mg != NULL);
	rte_ring_enqueue(r[0], copy_of(60, 0, T0));
	CU_ASSERT_EQUAL(wm_capture_merge_poll(mg, 1000, false, out, NULL, 4), 0);
	CU_ASSERT_EQUAL(wm_capture_merge_poll(mg, 1099, false, out, NULL, 4), 0);
	CU_ASSERT_EQUAL_FATAL(wm_capture_merge_poll(mg, 1100, false, out, NULL, 4), 1);
	rte_pktmbuf_free(out[0]);
	wm_capture_merge_free(mg);
	rte_ring_free(r[0]);
	rte_ring_free(r[1]);
}

static void
test_capture_empty_pool_gives_null(void)
{
	struct rte_mempool *tiny = wm_capture_pool_create("test_cap_tiny", 2, 128, SOCKET_ID_ANY);
	struct rte_mbuf *m = pkt_make(200, 0), *a, *b, *c;

	CU_ASSERT_FATAL(tiny != NULL);
	CU_ASSERT_EQUAL(wm_capture_pool_caplen(tiny), 128);
	a = wm_capture_copy(m, tiny, 128, rte_rdtsc(), T0);
	b = wm_capture_copy(m, tiny, 128, rte_rdtsc(), T0);
	c = wm_capture_copy(m, tiny, 128, rte_rdtsc(), T0);
	CU_ASSERT(a != NULL && b != NULL);
	CU_ASSERT(c == NULL);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(a, struct wm_capture_epb *)->capture_length, 128);
	CU_ASSERT_EQUAL(rte_pktmbuf_mtod(a, struct wm_capture_epb *)->original_length, 200);
	rte_pktmbuf_free(a);
	rte_pktmbuf_free(b);
	rte_pktmbuf_free(m);
	rte_mempool_free(tiny);
}

static void
test_capture_ring_name_as_dumpcap(void)
{
	char buf[256];

	setenv("TZ", "UTC", 1);
	tzset();
	wm_capture_ring_name(buf, sizeof(buf), "/tmp/x.y/cap.pcapng", 7, 1764936000);
	CU_ASSERT_STRING_EQUAL(buf, "/tmp/x.y/cap_00007_20251205120000.pcapng");
	wm_capture_ring_name(buf, sizeof(buf), "/tmp/x.y/cap", 12345, 1764936000);
	CU_ASSERT_STRING_EQUAL(buf, "/tmp/x.y/cap_12345_20251205120000");
}

static const struct wm_test tests[] = {
	WM_TEST(test_capture_copy_keeps_time_and_lengths),
	WM_TEST(test_capture_pool_caplen_holds_a_jumbo),
	WM_TEST(test_capture_file_reads_back_exactly),
	WM_TEST(test_capture_count_ends_the_capture),
	WM_TEST(test_capture_duration_is_packet_time),
	WM_TEST(test_capture_ring_keeps_n_files),
	WM_TEST(test_capture_symlink_is_refused),
	WM_TEST(test_capture_ring_tells_each_file),
	WM_TEST(test_capture_comment_on_a_packet),
	WM_TEST(test_capture_full_disk_leaves_a_whole_file),
	WM_TEST(test_capture_hist_keeps_last_n_in_order),
	WM_TEST(test_capture_loss_before_event_after),
	WM_TEST(test_capture_merge_in_time_order),
	WM_TEST(test_capture_merge_waits_at_most_the_delay),
	WM_TEST(test_capture_empty_pool_gives_null),
	WM_TEST(test_capture_ring_name_as_dumpcap),
	WM_TEST(test_capture_encrypted_is_the_plain_file),
	WM_TEST(test_capture_encrypted_ring_files),
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	char prefix[64];
	char *eal_args[] = {"test_capture", "--no-huge", "--no-pci", "-m",	  "256",
			    "-l",	    "0",	 "--vdev",   "net_null0", "--log-level",
			    "*:error",	    prefix,	 NULL};
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=wmtest_capture_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal_args) - 1, eal_args) < 0) {
		fprintf(stderr, "test_capture: EAL init failed\n");
		return 1;
	}
	snprintf(dir, sizeof(dir), "/tmp/wmtest_capture_%d", (int)getpid());
	mkdir(dir, 0700);
	src_pool = rte_pktmbuf_pool_create("test_src", 512, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	cap_pool =
		wm_capture_pool_create("test_cap", 256, WM_CAPTURE_SNAPLEN_DEFAULT, SOCKET_ID_ANY);
	if (src_pool == NULL || cap_pool == NULL || rte_eth_dev_count_avail() != 1) {
		fprintf(stderr, "test_capture: no pools or no net_null port\n");
		return 1;
	}
	rc = wm_cunit_run("capture", NULL, NULL, tests, RTE_DIM(tests));
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	rte_eal_cleanup();
	snprintf(prefix, sizeof(prefix), "/var/run/dpdk/wmtest_capture_%d", (int)getpid());
	nftw(prefix, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return rc;
}
