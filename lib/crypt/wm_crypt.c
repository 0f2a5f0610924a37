/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The container and its keys. AES-256-GCM is IPsec-MB's direct GCM API
 * (gcm256_enc/dec), which keeps no state in the manager: one manager,
 * initialised once for the best instruction set the CPU has, serves
 * every thread.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wm_crypt.h"
#include "wm_crypt_priv.h"

/* Header layout (README "Encrypted container"); all integers big-endian. */
static const uint8_t magic[8] = {0x89, 'W', 'M', 'E', 'N', 'C', '\r', '\n'};
#define HDR_VERSION 1
#define HDR_CIPHER_AES256GCM 1
#define OFF_VERSION 8
#define OFF_CIPHER 9
#define OFF_HDRLEN 10
#define OFF_CHUNK 12
#define OFF_KEYID 16
#define OFF_PREFIX 32
#define PREFIX_LEN 8
#define OFF_TAG 48
#define HDR_NONCE_CTR 0xffffffffu /* the header's nonce; no chunk index reaches it */
#define CHUNK_AAD_LEN (WM_CRYPT_HDR_LEN + 8 + 4)

/* Locked, undumped and wiped on free: everything derived from a key lives here. */
struct wm_crypt_key {
	struct gcm_key_data gcm; /* expanded key and GHASH tables; 64-byte aligned (mmap) */
	uint8_t key[WM_CRYPT_KEY_LEN];
	uint8_t id[WM_CRYPT_KEYID_LEN];
};

static IMB_MGR *mgr;
static IMB_ARCH mgr_arch;
static pthread_once_t mgr_once = PTHREAD_ONCE_INIT;

/*
 * IPsec-MB's best code path for the CPU (init_mb_mgr_auto). Debian's
 * IPsec-MB 1.3 has no code for a CPU without AES-NI (it finds no arch):
 * the software fallback is then OpenSSL's EVP AES-256-GCM (mgr stays
 * NULL). WM_CRYPT_NO_AESNI=1 in the environment forces the fallback, so
 * that it is tested here too.
 */
static void
mgr_init(void)
{
	const char *soft = getenv("WM_CRYPT_NO_AESNI");

	mgr_arch = IMB_ARCH_NONE;
	if (soft != NULL && strcmp(soft, "1") == 0)
		return;
	mgr = alloc_mb_mgr(0);
	if (mgr != NULL)
		init_mb_mgr_auto(mgr, &mgr_arch);
	if (mgr != NULL && (mgr_arch == IMB_ARCH_NONE || imb_get_errno(mgr) != 0)) {
		free_mb_mgr(mgr);
		mgr = NULL;
	}
}

const char *
wm_crypt_arch(void)
{
	static const char *const names[IMB_ARCH_NUM] = {
		[IMB_ARCH_NONE] = "none", [IMB_ARCH_NOAESNI] = "no-aesni",
		[IMB_ARCH_SSE] = "sse",	  [IMB_ARCH_AVX] = "avx",
		[IMB_ARCH_AVX2] = "avx2", [IMB_ARCH_AVX512] = "avx512",
	};

	pthread_once(&mgr_once, mgr_init);
	return mgr != NULL && mgr_arch < IMB_ARCH_NUM ? names[mgr_arch] : "software (OpenSSL EVP)";
}

void *
wm_crypt_secure_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Best effort: RLIMIT_MEMLOCK may refuse an unprivileged user; the dump exclusion stays. */
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void
wm_crypt_secure_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	munlock(p, len);
	munmap(p, len);
}

int
wm_crypt_open_private(const char *path, int *fd_out, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: not owned by the running user (uid %u): refused", path,
			 (unsigned int)geteuid());
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
			 "%s: %s by group or others (mode %04o): refused; chmod 600 it", path,
			 (st.st_mode & 044) != 0 ? "readable" : "writable or executable",
			 (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	*fd_out = fd;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 32 raw bytes, or 64 hex digits with whitespace around them, into k->key. */
static int
key_parse(struct wm_crypt_key *k, const uint8_t *buf, size_t n)
{
	size_t b = 0, e = n, i;

	if (n == WM_CRYPT_KEY_LEN) {
		memcpy(k->key, buf, n);
		return 0;
	}
	while (b < e && isspace(buf[b]))
		b++;
	while (e > b && isspace(buf[e - 1]))
		e--;
	if (e - b != 2 * WM_CRYPT_KEY_LEN)
		return -EINVAL;
	for (i = 0; i < WM_CRYPT_KEY_LEN; i++) {
		int hi = hexval(buf[b + 2 * i]), lo = hexval(buf[b + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		k->key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* The schedule and the identifier, once k->key is set. */
static int
key_prepare(struct wm_crypt_key *k)
{
	static const char label[] = "wiremeter key id v1";
	uint8_t d[32];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(md, label, sizeof(label) - 1) == 1 &&
		 EVP_DigestUpdate(md, k->key, sizeof(k->key)) == 1 &&
		 EVP_DigestFinal_ex(md, d, NULL) == 1;

	EVP_MD_CTX_free(md);
	if (!ok)
		return -EIO;
	memcpy(k->id, d, sizeof(k->id));
	pthread_once(&mgr_once, mgr_init);
	if (mgr != NULL)
		IMB_AES256_GCM_PRE(mgr, k->key, &k->gcm);
	return 0;
}

struct wm_crypt_key *
wm_crypt_key_from_bytes(const uint8_t key[WM_CRYPT_KEY_LEN])
{
	struct wm_crypt_key *k = wm_crypt_secure_alloc(sizeof(*k));

	if (k == NULL)
		return NULL;
	memcpy(k->key, key, WM_CRYPT_KEY_LEN);
	if (key_prepare(k) != 0) {
		wm_crypt_key_free(k);
		errno = ENOMEM;
		return NULL;
	}
	return k;
}

struct wm_crypt_key *
wm_crypt_key_load(const char *path, char *err, size_t errlen)
{
	/* The file's bytes are key material too: read into a locked page. */
	enum { BUF = 4096 };
	struct wm_crypt_key *k = NULL;
	uint8_t *buf;
	ssize_t n;
	int fd;

	if (wm_crypt_open_private(path, &fd, err, errlen) != 0)
		return NULL;
	buf = wm_crypt_secure_alloc(BUF);
	n = buf != NULL ? read(fd, buf, BUF) : -1;
	close(fd);
	if (n < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if ((k = wm_crypt_secure_alloc(sizeof(*k))) == NULL)
		snprintf(err, errlen, "%s: out of memory", path);
	else if (key_parse(k, buf, (size_t)n) != 0)
		snprintf(err, errlen, "%s: not a key: want 32 raw bytes or 64 hex digits", path);
	else if (key_prepare(k) != 0)
		snprintf(err, errlen, "%s: cannot set up AES-256-GCM", path);
	else
		goto out;
	wm_crypt_key_free(k);
	k = NULL;
out:
	wm_crypt_secure_free(buf, BUF);
	return k;
}

void
wm_crypt_key_free(struct wm_crypt_key *k)
{
	wm_crypt_secure_free(k, sizeof(*k));
}

void
wm_crypt_hex(const uint8_t *b, size_t n, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	if (len > 0)
		buf[2 * i < len ? 2 * i : len - 1] = '\0';
}

void
wm_crypt_key_id_hex(const struct wm_crypt_key *k, char *buf, size_t len)
{
	wm_crypt_hex(k->id, sizeof(k->id), buf, len);
}

/*
 * The software fallback: OpenSSL's EVP AES-256-GCM. Seal (enc: the tag is
 * written to 'tag') or open (the tag in 'tag' is checked). 0 or -EIO.
 */
static int
evp_gcm(const struct wm_crypt_key *k, bool enc, const uint8_t *iv, const void *aad, size_t aad_len,
	const void *in, size_t len, void *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ol, ok;

	ok = c != NULL && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, k->key, iv, enc) == 1 &&
	     (aad_len == 0 || EVP_CipherUpdate(c, NULL, &ol, aad, (int)aad_len) == 1) &&
	     (len == 0 || EVP_CipherUpdate(c, out, &ol, in, (int)len) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, WM_CRYPT_TAG_LEN, tag) == 1 &&
		     EVP_CipherFinal_ex(c, (uint8_t *)out + len, &ol) == 1;
	else if (ok)
		ok = EVP_CipherFinal_ex(c, (uint8_t *)out + len, &ol) == 1 &&
		     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, WM_CRYPT_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EIO;
}

void
wm_crypt_gcm_seal(const struct wm_crypt_key *k, const uint8_t iv[WM_CRYPT_IV_LEN], const void *aad,
		  size_t aad_len, const void *in, size_t len, void *out,
		  uint8_t tag[WM_CRYPT_TAG_LEN])
{
	struct gcm_context_data ctx;
	uint8_t none = 0;

	if (mgr == NULL) {
		if (evp_gcm(k, true, iv, aad, aad_len, in, len, out, tag) != 0)
			memset(tag, 0, WM_CRYPT_TAG_LEN); /* a tag no reader accepts */
		return;
	}
	IMB_AES256_GCM_ENC(mgr, &k->gcm, &ctx, len != 0 ? out : &none, len != 0 ? in : &none, len,
			   iv, aad, aad_len, tag, WM_CRYPT_TAG_LEN);
	explicit_bzero(&ctx, sizeof(ctx));
}

int
wm_crypt_gcm_open(const struct wm_crypt_key *k, const uint8_t iv[WM_CRYPT_IV_LEN], const void *aad,
		  size_t aad_len, const void *in, size_t len, void *out,
		  const uint8_t tag[WM_CRYPT_TAG_LEN])
{
	struct gcm_context_data ctx;
	uint8_t got[WM_CRYPT_TAG_LEN];
	uint8_t none = 0;
	int diff;

	if (mgr == NULL) {
		memcpy(got, tag, sizeof(got));
		return evp_gcm(k, false, iv, aad, aad_len, in, len, out, got) == 0
			       ? 0
			       : -WM_CRYPT_E_CHUNK_AUTH;
	}
	IMB_AES256_GCM_DEC(mgr, &k->gcm, &ctx, len != 0 ? out : &none, len != 0 ? in : &none, len,
			   iv, aad, aad_len, got, sizeof(got));
	explicit_bzero(&ctx, sizeof(ctx));
	diff = CRYPTO_memcmp(got, tag, sizeof(got));
	return diff == 0 ? 0 : -WM_CRYPT_E_CHUNK_AUTH;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Nonce = prefix || counter; chunk i's counter is i, the header's HDR_NONCE_CTR. */
static void
nonce(uint8_t iv[WM_CRYPT_IV_LEN], const uint8_t *hdr, uint32_t ctr)
{
	memcpy(iv, hdr + OFF_PREFIX, PREFIX_LEN);
	put32(iv + PREFIX_LEN, ctr);
}

/* Additional data of chunk i: the whole header, the index (64 bits) and the length field. */
static void
chunk_aad(uint8_t aad[CHUNK_AAD_LEN], const uint8_t *hdr, uint32_t index, uint32_t lenfield)
{
	memcpy(aad, hdr, WM_CRYPT_HDR_LEN);
	put32(aad + WM_CRYPT_HDR_LEN, 0);
	put32(aad + WM_CRYPT_HDR_LEN + 4, index);
	put32(aad + WM_CRYPT_HDR_LEN + 8, lenfield);
}

struct wm_crypt_writer {
	const struct wm_crypt_key *key;
	int fd;
	int error;	/* a negative errno once a write failed */
	uint32_t chunk; /* plaintext per chunk */
	uint32_t index; /* the next chunk's index */
	uint32_t fill;	/* plaintext bytes in buf */
	uint64_t bytes; /* container bytes written */
	uint8_t hdr[WM_CRYPT_HDR_LEN];
	uint8_t *buf; /* plaintext: chunk bytes */
	uint8_t *out; /* a sealed chunk: length field, ciphertext, tag */
};

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -ENOSPC;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

struct wm_crypt_writer *
wm_crypt_writer_open(int fd, const struct wm_crypt_key *k, uint32_t chunk_size)
{
	struct wm_crypt_writer *w = calloc(1, sizeof(*w));
	uint8_t iv[WM_CRYPT_IV_LEN];
	int rc;

	if (chunk_size == 0)
		chunk_size = WM_CRYPT_CHUNK_MAX;
	if (w == NULL || chunk_size > WM_CRYPT_CHUNK_MAX) {
		free(w);
		errno = w == NULL ? ENOMEM : EINVAL;
		return NULL;
	}
	w->key = k;
	w->fd = fd;
	w->chunk = chunk_size;
	w->buf = malloc(chunk_size);
	w->out = malloc(4 + (size_t)chunk_size + WM_CRYPT_TAG_LEN);
	memcpy(w->hdr, magic, sizeof(magic));
	w->hdr[OFF_VERSION] = HDR_VERSION;
	w->hdr[OFF_CIPHER] = HDR_CIPHER_AES256GCM;
	w->hdr[OFF_HDRLEN] = 0;
	w->hdr[OFF_HDRLEN + 1] = WM_CRYPT_HDR_LEN;
	put32(w->hdr + OFF_CHUNK, chunk_size);
	memcpy(w->hdr + OFF_KEYID, k->id, WM_CRYPT_KEYID_LEN);
	rc = w->buf == NULL || w->out == NULL ? -ENOMEM : 0;
	if (rc == 0 && getrandom(w->hdr + OFF_PREFIX, PREFIX_LEN, 0) != PREFIX_LEN)
		rc = -EIO;
	if (rc == 0) {
		nonce(iv, w->hdr, HDR_NONCE_CTR);
		wm_crypt_gcm_seal(k, iv, w->hdr, OFF_TAG, NULL, 0, NULL, w->hdr + OFF_TAG);
		rc = write_all(fd, w->hdr, sizeof(w->hdr));
	}
	if (rc != 0) {
		free(w->buf);
		free(w->out);
		free(w);
		errno = -rc;
		return NULL;
	}
	w->bytes = sizeof(w->hdr);
	return w;
}

/* Seal buf[0..fill) as chunk 'index' and write it. */
static int
writer_emit(struct wm_crypt_writer *w, bool final)
{
	uint32_t lenfield = w->fill | (final ? WM_CRYPT_FINAL : 0);
	uint8_t aad[CHUNK_AAD_LEN], iv[WM_CRYPT_IV_LEN];
	size_t n = 4 + (size_t)w->fill + WM_CRYPT_TAG_LEN;
	int rc;

	if (w->index == HDR_NONCE_CTR)
		return -EFBIG;
	put32(w->out, lenfield);
	nonce(iv, w->hdr, w->index);
	chunk_aad(aad, w->hdr, w->index, lenfield);
	wm_crypt_gcm_seal(w->key, iv, aad, sizeof(aad), w->buf, w->fill, w->out + 4,
			  w->out + 4 + w->fill);
	rc = write_all(w->fd, w->out, n);
	if (rc != 0)
		return rc;
	explicit_bzero(w->buf, w->fill);
	w->bytes += n;
	w->index++;
	w->fill = 0;
	return 0;
}

int
wm_crypt_writer_write(struct wm_crypt_writer *w, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (w->error == 0 && len > 0) {
		size_t take;

		/* A full chunk goes only when more follows: the final one is never empty by choice. */
		if (w->fill == w->chunk)
			w->error = writer_emit(w, false);
		take = w->chunk - w->fill < len ? w->chunk - w->fill : len;
		memcpy(w->buf + w->fill, p, take);
		w->fill += (uint32_t)take;
		p += take;
		len -= take;
	}
	return w->error;
}

int
wm_crypt_writer_close(struct wm_crypt_writer *w)
{
	int rc;

	if (w == NULL)
		return 0;
	rc = w->error != 0 ? w->error : writer_emit(w, true);
	explicit_bzero(w->buf, w->chunk);
	free(w->buf);
	free(w->out);
	free(w);
	return rc;
}

uint64_t
wm_crypt_writer_bytes(const struct wm_crypt_writer *w)
{
	return w->bytes;
}

bool
wm_crypt_is_container(const void *head, size_t len)
{
	return len >= sizeof(magic) && memcmp(head, magic, sizeof(magic)) == 0;
}

/* Read up to n bytes; fewer only at the end of the file. */
static ssize_t
read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (uint8_t *)p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

#define FAIL(code, ...)                             \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		return -(code);                     \
	} while (0)

/* Read and check the header; 0 with the chunk size in *chunk. */
static int
read_header(int in, const struct wm_crypt_key *k, uint8_t *hdr, uint32_t *chunk, char *err,
	    size_t errlen)
{
	uint8_t iv[WM_CRYPT_IV_LEN], tag[WM_CRYPT_TAG_LEN];
	char want[33], got[33];
	ssize_t n = read_full(in, hdr, WM_CRYPT_HDR_LEN);

	if (n < 0)
		FAIL(WM_CRYPT_E_IO, "read error: %s", strerror(errno));
	if (!wm_crypt_is_container(hdr, (size_t)n))
		FAIL(WM_CRYPT_E_NOT_CONTAINER, "not a wiremeter container (no magic)");
	if (n < WM_CRYPT_HDR_LEN)
		FAIL(WM_CRYPT_E_TRUNCATED, "ends before its final chunk (in the header)");
	if (hdr[OFF_VERSION] != HDR_VERSION)
		FAIL(WM_CRYPT_E_VERSION, "container version %u: this reads version %u",
		     hdr[OFF_VERSION], HDR_VERSION);
	*chunk = get32(hdr + OFF_CHUNK);
	if (hdr[OFF_CIPHER] != HDR_CIPHER_AES256GCM || hdr[OFF_HDRLEN] != 0 ||
	    hdr[OFF_HDRLEN + 1] != WM_CRYPT_HDR_LEN || *chunk == 0 || *chunk > WM_CRYPT_CHUNK_MAX)
		FAIL(WM_CRYPT_E_HEADER_AUTH, "header fails authentication (bad field)");
	if (CRYPTO_memcmp(hdr + OFF_KEYID, k->id, WM_CRYPT_KEYID_LEN) != 0) {
		wm_crypt_hex(hdr + OFF_KEYID, WM_CRYPT_KEYID_LEN, got, sizeof(got));
		wm_crypt_key_id_hex(k, want, sizeof(want));
		FAIL(WM_CRYPT_E_KEY_ID, "key identifier does not match (file %s, key %s)", got,
		     want);
	}
	nonce(iv, hdr, HDR_NONCE_CTR);
	wm_crypt_gcm_seal(k, iv, hdr, OFF_TAG, NULL, 0, NULL, tag);
	if (CRYPTO_memcmp(tag, hdr + OFF_TAG, sizeof(tag)) != 0)
		FAIL(WM_CRYPT_E_HEADER_AUTH, "header fails authentication");
	return 0;
}

/* Chunk 'index': read, authenticate, write. 1 after the final chunk, 0 for more, or -error. */
static int
read_chunk(int in, int out, const struct wm_crypt_key *k, const uint8_t *hdr, uint32_t chunk,
	   uint32_t index, uint8_t *ct, uint8_t *pt, char *err, size_t errlen)
{
	uint8_t aad[CHUNK_AAD_LEN], iv[WM_CRYPT_IV_LEN], lf[4], extra;
	uint32_t lenfield, len;
	ssize_t n = read_full(in, lf, sizeof(lf));

	if (n < 0)
		FAIL(WM_CRYPT_E_IO, "read error: %s", strerror(errno));
	if (n < (ssize_t)sizeof(lf))
		FAIL(WM_CRYPT_E_TRUNCATED, "ends before its final chunk (%u chunks read)", index);
	lenfield = get32(lf);
	len = lenfield & ~WM_CRYPT_FINAL;
	if (len > chunk || ((lenfield & WM_CRYPT_FINAL) == 0 && len != chunk))
		FAIL(WM_CRYPT_E_CHUNK_LEN, "chunk %u has a bad length (%u, chunk size %u)", index,
		     len, chunk);
	n = read_full(in, ct, (size_t)len + WM_CRYPT_TAG_LEN);
	if (n < 0)
		FAIL(WM_CRYPT_E_IO, "read error: %s", strerror(errno));
	if ((size_t)n < (size_t)len + WM_CRYPT_TAG_LEN)
		FAIL(WM_CRYPT_E_TRUNCATED, "ends before its final chunk (in chunk %u)", index);
	nonce(iv, hdr, index);
	chunk_aad(aad, hdr, index, lenfield);
	if (wm_crypt_gcm_open(k, iv, aad, sizeof(aad), ct, len, pt, ct + len) != 0)
		FAIL(WM_CRYPT_E_CHUNK_AUTH, "chunk %u fails authentication", index);
	/* The final chunk is whole only if nothing follows it: look before writing it. */
	if ((lenfield & WM_CRYPT_FINAL) != 0 && read_full(in, &extra, 1) != 0)
		FAIL(WM_CRYPT_E_TRAILING, "has data after its final chunk (chunk %u)", index);
	if (write_all(out, pt, len) != 0)
		FAIL(WM_CRYPT_E_IO, "write error: %s", strerror(errno));
	return (lenfield & WM_CRYPT_FINAL) != 0;
}

int
wm_crypt_info_fd(int in, struct wm_crypt_info *info)
{
	uint8_t hdr[WM_CRYPT_HDR_LEN];
	ssize_t n = read_full(in, hdr, sizeof(hdr));

	if (n < 0)
		return -WM_CRYPT_E_IO;
	if (!wm_crypt_is_container(hdr, (size_t)n))
		return -WM_CRYPT_E_NOT_CONTAINER;
	if (n < WM_CRYPT_HDR_LEN)
		return -WM_CRYPT_E_TRUNCATED;
	info->version = hdr[OFF_VERSION];
	info->chunk_size = get32(hdr + OFF_CHUNK);
	wm_crypt_hex(hdr + OFF_KEYID, WM_CRYPT_KEYID_LEN, info->key_id, sizeof(info->key_id));
	wm_crypt_hex(hdr + OFF_PREFIX, PREFIX_LEN, info->nonce_prefix, sizeof(info->nonce_prefix));
	return 0;
}

int
wm_crypt_decrypt_fd(int in, int out, const struct wm_crypt_key *k, char *err, size_t errlen)
{
	uint8_t hdr[WM_CRYPT_HDR_LEN], *ct = NULL, *pt = NULL;
	uint32_t chunk, index = 0;
	int rc = read_header(in, k, hdr, &chunk, err, errlen);

	if (rc == 0) {
		ct = malloc((size_t)chunk + WM_CRYPT_TAG_LEN);
		pt = malloc(chunk);
		if (ct == NULL || pt == NULL) {
			snprintf(err, errlen, "out of memory");
			rc = -WM_CRYPT_E_IO;
		}
	}
	while (rc == 0 && index < HDR_NONCE_CTR)
		rc = read_chunk(in, out, k, hdr, chunk, index++, ct, pt, err, errlen);
	if (pt != NULL)
		explicit_bzero(pt, chunk);
	free(ct);
	free(pt);
	return rc == 1 ? 0 : rc;
}
