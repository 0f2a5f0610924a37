/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * lib/crypt: AES-256-GCM known answers (the GCM specification's test
 * cases, and OpenSSL's EVP on the same random inputs), the container's
 * round trip and every way a container can be damaged, key files, and
 * signatures.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "wm_crypt.h"
#include "wm_cunit.h"

static char dir[] = "/tmp/wm_test_crypt_XXXXXX";

static int
suite_init(void)
{
	return mkdtemp(dir) == NULL;
}

static int
suite_clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0;
}

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2, i;

	for (i = 0; i < n; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
	return n;
}

/* Test cases 13, 14 and 16 of McGrew and Viega's GCM specification (AES-256). */
static const struct {
	const char *key, *iv, *pt, *aad, *ct, *tag;
} kat[] = {
	{"0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
	{"0000000000000000000000000000000000000000000000000000000000000000",
	 "000000000000000000000000", "00000000000000000000000000000000", "",
	 "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
	{"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	 "cafebabefacedbaddecaf888",
	 "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	 "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	 "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	 "76fc6ece0f4e1768cddf8853bb2d551b"},
};

static void
test_crypt_gcm_known_answers(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		uint8_t key[32], iv[12], pt[64], aad[32], ct[64], tag[16], out[64], got[16];
		size_t n, an;
		struct wm_crypt_key *k;

		unhex(kat[i].key, key);
		unhex(kat[i].iv, iv);
		n = unhex(kat[i].pt, pt);
		an = unhex(kat[i].aad, aad);
		unhex(kat[i].ct, ct);
		unhex(kat[i].tag, tag);
		k = wm_crypt_key_from_bytes(key);
		CU_ASSERT_FATAL(k != NULL);
		wm_crypt_gcm_seal(k, iv, aad, an, pt, n, out, got);
		CU_ASSERT(memcmp(out, ct, n) == 0);
		CU_ASSERT(memcmp(got, tag, 16) == 0);
		CU_ASSERT_EQUAL(wm_crypt_gcm_open(k, iv, aad, an, ct, n, out, tag), 0);
		CU_ASSERT(memcmp(out, pt, n) == 0);
		tag[15] ^= 1;
		CU_ASSERT_EQUAL(wm_crypt_gcm_open(k, iv, aad, an, ct, n, out, tag),
				-WM_CRYPT_E_CHUNK_AUTH);
		wm_crypt_key_free(k);
	}
}

/* OpenSSL's EVP AES-256-GCM on the same random key, nonce, data and AAD. */
static void
test_crypt_gcm_matches_openssl(void)
{
	static const size_t lens[] = {1, 15, 16, 17, 255, 4096, 65537};
	uint8_t key[32], iv[12], aad[77], *pt = malloc(65537), *a = malloc(65537),
					  *b = malloc(65537);
	unsigned int i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i], an = i * 11;
		uint8_t t1[16], t2[16];
		EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
		struct wm_crypt_key *k;
		int ol;

		CU_ASSERT_FATAL(getrandom(key, 32, 0) == 32 && getrandom(iv, 12, 0) == 12);
		CU_ASSERT_FATAL(getrandom(aad, an, 0) == (ssize_t)an);
		CU_ASSERT_FATAL(getrandom(pt, n, 0) == (ssize_t)n);
		k = wm_crypt_key_from_bytes(key);
		wm_crypt_gcm_seal(k, iv, aad, an, pt, n, a, t1);
		EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv);
		EVP_EncryptUpdate(c, NULL, &ol, aad, (int)an);
		EVP_EncryptUpdate(c, b, &ol, pt, (int)n);
		EVP_EncryptFinal_ex(c, b + ol, &ol);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, t2);
		CU_ASSERT(memcmp(a, b, n) == 0);
		CU_ASSERT(memcmp(t1, t2, 16) == 0);
		EVP_CIPHER_CTX_free(c);
		wm_crypt_key_free(k);
	}
	free(pt);
	free(a);
	free(b);
}

/* A memfd's whole content. */
static size_t
fd_read_all(int fd, uint8_t **out)
{
	off_t n = lseek(fd, 0, SEEK_END);

	*out = malloc((size_t)n + 1);
	CU_ASSERT_FATAL(pread(fd, *out, (size_t)n, 0) == n);
	return (size_t)n;
}

static int
fd_of(const void *b, size_t n)
{
	int fd = memfd_create("t", 0);

	CU_ASSERT_FATAL(fd >= 0 && write(fd, b, n) == (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Seal pt in chunks of 'chunk' bytes, written in pieces of 'piece'; the container. */
static size_t
seal(const struct wm_crypt_key *k, const uint8_t *pt, size_t n, uint32_t chunk, size_t piece,
     uint8_t **out)
{
	int fd = memfd_create("c", 0);
	struct wm_crypt_writer *w = wm_crypt_writer_open(fd, k, chunk);
	size_t off, len;

	CU_ASSERT_FATAL(w != NULL);
	for (off = 0; off < n; off += piece)
		CU_ASSERT_EQUAL(
			wm_crypt_writer_write(w, pt + off, piece < n - off ? piece : n - off), 0);
	CU_ASSERT_EQUAL(wm_crypt_writer_close(w), 0);
	len = fd_read_all(fd, out);
	close(fd);
	return len;
}

/* Decrypt a container; its return, the plaintext in *out and its length in *outlen. */
static int
open_buf(const struct wm_crypt_key *k, const uint8_t *c, size_t n, uint8_t **out, size_t *outlen,
	 char *err)
{
	int in = fd_of(c, n), o = memfd_create("o", 0);
	int rc = wm_crypt_decrypt_fd(in, o, k, err, 256);

	*outlen = fd_read_all(o, out);
	close(in);
	close(o);
	return rc;
}

static struct wm_crypt_key *
key_random(void)
{
	uint8_t b[32];

	CU_ASSERT_FATAL(getrandom(b, sizeof(b), 0) == sizeof(b));
	return wm_crypt_key_from_bytes(b);
}

static void
test_crypt_container_round_trip(void)
{
	static const size_t lens[] = {0, 1, 63, 64, 65, 128, 1000};
	struct wm_crypt_key *k = key_random();
	uint8_t pt[1000], *c, *out;
	unsigned int i;
	char err[256];

	CU_ASSERT_FATAL(getrandom(pt, sizeof(pt), 0) == sizeof(pt));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t n = lens[i], chunks = n == 0 ? 1 : (n + 63) / 64, cl, ol;

		cl = seal(k, pt, n, 64, 7, &c);
		/* Header, then per chunk a length field and a tag around the data. */
		CU_ASSERT_EQUAL(cl, WM_CRYPT_HDR_LEN + chunks * (4 + WM_CRYPT_TAG_LEN) + n);
		CU_ASSERT(wm_crypt_is_container(c, cl));
		{
			struct wm_crypt_info info;
			char id[33];
			int fd = fd_of(c, cl);

			CU_ASSERT_EQUAL(wm_crypt_info_fd(fd, &info), 0);
			close(fd);
			wm_crypt_key_id_hex(k, id, sizeof(id));
			CU_ASSERT_STRING_EQUAL(info.key_id, id);
			CU_ASSERT_EQUAL(info.chunk_size, 64);
			CU_ASSERT_EQUAL(info.version, 1);
		}
		CU_ASSERT_EQUAL(open_buf(k, c, cl, &out, &ol, err), 0);
		CU_ASSERT_EQUAL(ol, n);
		CU_ASSERT(memcmp(out, pt, n) == 0);
		free(c);
		free(out);
	}
	/* The default chunk is 1 MiB: 2 MiB + 1 byte is three chunks. */
	{
		size_t n = 2 * WM_CRYPT_CHUNK_MAX + 1, cl, ol;
		uint8_t *big = calloc(1, n);

		big[n - 1] = 0x5a;
		cl = seal(k, big, n, 0, 100000, &c);
		CU_ASSERT_EQUAL(cl, WM_CRYPT_HDR_LEN + 3 * 20 + n);
		CU_ASSERT_EQUAL(open_buf(k, c, cl, &out, &ol, err), 0);
		CU_ASSERT(ol == n && memcmp(out, big, n) == 0);
		free(big);
		free(c);
		free(out);
	}
	wm_crypt_key_free(k);
}

/* A damaged container: the error, its message, and what came out (authenticated chunks only). */
static void
expect(const struct wm_crypt_key *k, const uint8_t *c, size_t n, int code, const char *msg,
       const uint8_t *pt, size_t whole)
{
	uint8_t *out;
	size_t ol;
	char err[256] = "";

	CU_ASSERT_EQUAL(open_buf(k, c, n, &out, &ol, err), -code);
	if (strstr(err, msg) == NULL)
		fprintf(stderr, "want \"%s\", got \"%s\"\n", msg, err);
	CU_ASSERT(strstr(err, msg) != NULL);
	CU_ASSERT(ol <= whole && ol % 64 == 0);
	CU_ASSERT(memcmp(out, pt, ol) == 0);
	free(out);
}

static void
test_crypt_container_tamper(void)
{
	struct wm_crypt_key *k = key_random(), *other = key_random();
	uint8_t pt[640], *c, *d;
	size_t cl, chunk_rec = 4 + 64 + 16, c7 = WM_CRYPT_HDR_LEN + 7 * chunk_rec;

	CU_ASSERT_FATAL(getrandom(pt, sizeof(pt), 0) == sizeof(pt));
	cl = seal(k, pt, 600, 64, 600, &c); /* ten chunks, the last of 24 bytes */
	d = malloc(cl);
#define DAMAGE(stmt, code, msg)                       \
	do {                                          \
		memcpy(d, c, cl);                     \
		stmt;                                 \
		expect(k, d, cl, code, msg, pt, 600); \
	} while (0)
	DAMAGE(d[0] ^= 1, WM_CRYPT_E_NOT_CONTAINER, "not a wiremeter container");
	DAMAGE(d[8] = 2, WM_CRYPT_E_VERSION, "container version 2");
	DAMAGE(d[15] ^= 1, WM_CRYPT_E_HEADER_AUTH, "header fails authentication");
	DAMAGE(d[20] ^= 0x80, WM_CRYPT_E_KEY_ID, "key identifier does not match");
	DAMAGE(d[33] ^= 4, WM_CRYPT_E_HEADER_AUTH, "header fails authentication");
	DAMAGE(d[60] ^= 1, WM_CRYPT_E_HEADER_AUTH, "header fails authentication");
	/* A body bit and a tag bit of chunk 7; chunks 0..6 come out, nothing of 7. */
	DAMAGE(d[c7 + 4 + 10] ^= 8, WM_CRYPT_E_CHUNK_AUTH, "chunk 7 fails authentication");
	DAMAGE(d[c7 + 4 + 64 + 3] ^= 1, WM_CRYPT_E_CHUNK_AUTH, "chunk 7 fails authentication");
	/* The final flag set on chunk 7, or its length changed. */
	DAMAGE(d[c7] ^= 0x80, WM_CRYPT_E_CHUNK_AUTH, "chunk 7 fails authentication");
	DAMAGE(d[c7 + 3] ^= 1, WM_CRYPT_E_CHUNK_LEN, "chunk 7 has a bad length");
	/* Chunks 3 and 4 swapped; chunk 5 removed. */
	DAMAGE((memcpy(d + WM_CRYPT_HDR_LEN + 3 * chunk_rec, c + WM_CRYPT_HDR_LEN + 4 * chunk_rec,
		       chunk_rec),
		memcpy(d + WM_CRYPT_HDR_LEN + 4 * chunk_rec, c + WM_CRYPT_HDR_LEN + 3 * chunk_rec,
		       chunk_rec)),
	       WM_CRYPT_E_CHUNK_AUTH, "chunk 3 fails authentication");
	memcpy(d, c, cl);
	memmove(d + WM_CRYPT_HDR_LEN + 5 * chunk_rec, d + WM_CRYPT_HDR_LEN + 6 * chunk_rec,
		cl - WM_CRYPT_HDR_LEN - 6 * chunk_rec);
	expect(k, d, cl - chunk_rec, WM_CRYPT_E_CHUNK_AUTH, "chunk 5 fails authentication", pt,
	       600);
	/* Cut at every offset, chunk boundaries included: never a success. */
	{
		size_t cut;

		for (cut = 0; cut < cl; cut++) {
			if (cut < 8)
				expect(k, c, cut, WM_CRYPT_E_NOT_CONTAINER, "not a wiremeter", pt,
				       600);
			else
				expect(k, c, cut, WM_CRYPT_E_TRUNCATED,
				       "ends before its final chunk", pt, 600);
		}
	}
	/* Bytes after the final chunk, and another key. */
	{
		uint8_t *e = malloc(cl + 1);

		memcpy(e, c, cl);
		e[cl] = 0;
		expect(k, e, cl + 1, WM_CRYPT_E_TRAILING, "has data after its final chunk", pt,
		       600);
		free(e);
	}
	expect(other, c, cl, WM_CRYPT_E_KEY_ID, "key identifier does not match", pt, 0);
	expect(k, pt, 600, WM_CRYPT_E_NOT_CONTAINER, "not a wiremeter container", pt, 0);
#undef DAMAGE
	free(c);
	free(d);
	wm_crypt_key_free(k);
	wm_crypt_key_free(other);
}

static void
put_file(const char *name, const void *b, size_t n, mode_t mode, char *path)
{
	int fd;

	sprintf(path, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0 && write(fd, b, n) == (ssize_t)n);
	fchmod(fd, mode);
	close(fd);
}

static void
test_crypt_key_files(void)
{
	static const char hex[] = "000102030405060708090a0b0c0d0e0f"
				  "101112131415161718191A1B1C1D1E1F\n";
	uint8_t raw[32], iv[12] = {0}, t1[16], t2[16];
	struct wm_crypt_key *a, *b;
	char path[256], err[512], id1[33], id2[33];
	unsigned int i;

	for (i = 0; i < 32; i++)
		raw[i] = (uint8_t)i;
	put_file("hex.key", hex, strlen(hex), 0600, path);
	a = wm_crypt_key_load(path, err, sizeof(err));
	put_file("raw.key", raw, 32, 0400, path);
	b = wm_crypt_key_load(path, err, sizeof(err));
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	/* The same key either way: the same identifier and the same tag. */
	wm_crypt_key_id_hex(a, id1, sizeof(id1));
	wm_crypt_key_id_hex(b, id2, sizeof(id2));
	CU_ASSERT_EQUAL(strlen(id1), 32);
	CU_ASSERT_STRING_EQUAL(id1, id2);
	wm_crypt_gcm_seal(b, iv, NULL, 0, NULL, 0, NULL, t2);
	wm_crypt_gcm_seal(a, iv, NULL, 0, NULL, 0, NULL, t1);
	CU_ASSERT(memcmp(t1, t2, 16) == 0);
	wm_crypt_key_free(a);
	wm_crypt_key_free(b);

	put_file("open.key", hex, strlen(hex), 0644, path);
	CU_ASSERT_PTR_NULL(wm_crypt_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "readable by group or others") != NULL);
	CU_ASSERT(strstr(err, path) != NULL);
	CU_ASSERT(strstr(err, "0001") == NULL); /* no key byte in the message */
	put_file("gw.key", hex, strlen(hex), 0620, path);
	CU_ASSERT_PTR_NULL(wm_crypt_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "writable or executable by group or others (mode 0620)") != NULL);
	put_file("short.key", hex, 40, 0600, path);
	CU_ASSERT_PTR_NULL(wm_crypt_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "not a key") != NULL);
	put_file("bad.key", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 64,
		 0600, path);
	CU_ASSERT_PTR_NULL(wm_crypt_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "not a key") != NULL);
	CU_ASSERT_PTR_NULL(wm_crypt_key_load("/nonexistent/k", err, sizeof(err)));
	CU_ASSERT(strstr(err, "/nonexistent/k") != NULL);
}

/* A new key pair as PEM files NAME.pem (private, 0600) and NAME.pub. */
static void
keypair(const char *name, const char *type)
{
	EVP_PKEY *p = strcmp(type, "ED25519") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")
						   : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char path[256];
	FILE *f;

	CU_ASSERT_FATAL(p != NULL);
	sprintf(path, "%s/%s.pem", dir, name);
	f = fopen(path, "w");
	fchmod(fileno(f), 0600);
	PEM_write_PrivateKey(f, p, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	sprintf(path, "%s/%s.pub", dir, name);
	f = fopen(path, "w");
	PEM_write_PUBKEY(f, p);
	fclose(f);
	EVP_PKEY_free(p);
}

static struct wm_crypt_pkey *
load(const char *name, bool priv)
{
	char path[256], err[512];
	struct wm_crypt_pkey *k;

	sprintf(path, "%s/%s.%s", dir, name, priv ? "pem" : "pub");
	k = priv ? wm_crypt_sign_key_load(path, err, sizeof(err))
		 : wm_crypt_trust_key_load(path, err, sizeof(err));
	if (k == NULL)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_FATAL(k != NULL);
	return k;
}

static void
sign_case(const char *type)
{
	struct wm_crypt_pkey *sk, *pk, *other;
	char path[256], sig[300], err[512], id1[33], id2[33];
	FILE *f;

	keypair("a", type);
	keypair("b", type);
	sk = load("a", true);
	pk = load("a", false);
	other = load("b", false);
	wm_crypt_pkey_id_hex(sk, id1, sizeof(id1));
	wm_crypt_pkey_id_hex(pk, id2, sizeof(id2));
	CU_ASSERT_STRING_EQUAL(id1, id2);
	put_file("conf.json", "{\"idle_timeout\": 5}\n", 20, 0644, path);
	snprintf(sig, sizeof(sig), "%s.sig", path);
	unlink(sig);
	CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, path, err, sizeof(err)), -WM_CRYPT_E_SIG_MISSING);
	CU_ASSERT(strstr(err, "missing signature") != NULL);
	CU_ASSERT_EQUAL(wm_crypt_sign_file(sk, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, path, err, sizeof(err)), 0);
	/* Read once and checked: the bytes come back; too large a file is refused. */
	{
		size_t len = 0;
		char *text = wm_crypt_read_verified(pk, path, 1000, &len, err, sizeof(err));

		CU_ASSERT_FATAL(text != NULL);
		CU_ASSERT_EQUAL(len, 20);
		CU_ASSERT_STRING_EQUAL(text, "{\"idle_timeout\": 5}\n");
		free(text);
		CU_ASSERT_PTR_NULL(wm_crypt_read_verified(pk, path, 19, &len, err, sizeof(err)));
		CU_ASSERT(strstr(err, "too large") != NULL);
		CU_ASSERT_PTR_NULL(
			wm_crypt_read_verified(other, path, 1000, &len, err, sizeof(err)));
		CU_ASSERT(strstr(err, "wrong key") != NULL);
	}
	CU_ASSERT_EQUAL(wm_crypt_verify_file(other, path, err, sizeof(err)), -WM_CRYPT_E_SIG_KEY);
	CU_ASSERT(strstr(err, "wrong key") != NULL);
	/* One byte of the file changed. */
	put_file("conf.json", "{\"idle_timeout\": 6}\n", 20, 0644, path);
	CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, path, err, sizeof(err)), -WM_CRYPT_E_SIG_FILE);
	CU_ASSERT(strstr(err, "differs from its signature") != NULL);
	/* The statement changed to match the new file: the signature no longer verifies. */
	{
		char text[2048], *p;
		size_t n;

		f = fopen(sig, "r+");
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		p = strstr(text, "sha256: ");
		p[8] = p[8] == '0' ? '1' : '0';
		rewind(f);
		fwrite(text, 1, n, f);
		fclose(f);
	}
	CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, path, err, sizeof(err)), -WM_CRYPT_E_SIG_BAD);
	CU_ASSERT(strstr(err, "bad signature") != NULL);
	put_file("conf.json.sig", "hello\n", 6, 0644, path);
	put_file("conf.json", "x", 1, 0644, path);
	CU_ASSERT_EQUAL(wm_crypt_verify_file(pk, path, err, sizeof(err)), -WM_CRYPT_E_SIG_FORMAT);
	wm_crypt_pkey_free(sk);
	wm_crypt_pkey_free(pk);
	wm_crypt_pkey_free(other);
}

static void
test_crypt_sign_ed25519(void)
{
	sign_case("ED25519");
}

static void
test_crypt_sign_p256(void)
{
	sign_case("P-256");
}

static void
test_crypt_sign_key_private(void)
{
	char path[256], err[512];

	keypair("c", "ED25519");
	sprintf(path, "%s/c.pem", dir);
	chmod(path, 0640);
	CU_ASSERT_PTR_NULL(wm_crypt_sign_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "readable by group or others") != NULL);
	/* A public key where a private one belongs is refused. */
	sprintf(path, "%s/c.pub", dir);
	chmod(path, 0600);
	CU_ASSERT_PTR_NULL(wm_crypt_sign_key_load(path, err, sizeof(err)));
	CU_ASSERT(strstr(err, "not a PEM key") != NULL);
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(test_crypt_gcm_known_answers),
		WM_TEST(test_crypt_gcm_matches_openssl),
		WM_TEST(test_crypt_container_round_trip),
		WM_TEST(test_crypt_container_tamper),
		WM_TEST(test_crypt_key_files),
		WM_TEST(test_crypt_sign_ed25519),
		WM_TEST(test_crypt_sign_p256),
		WM_TEST(test_crypt_sign_key_private),
	};

	const char *soft = getenv("WM_CRYPT_NO_AESNI");

	printf("IPsec-MB code path: %s\n", wm_crypt_arch());
	/* The suite runs twice: the best code path, and the software one (meson.build). */
	if (soft != NULL && strcmp(soft, "1") == 0 &&
	    strncmp(wm_crypt_arch(), "software", 8) != 0) {
		fprintf(stderr, "WM_CRYPT_NO_AESNI=1 but the code path is %s\n", wm_crypt_arch());
		return 1;
	}
	return wm_cunit_run("crypt", suite_init, suite_clean, tests,
			    sizeof(tests) / sizeof(tests[0]));
}
