/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Detached signatures. FILE.sig is text: a statement of five lines (the
 * format, the file's base name, size, SHA-256 and the signing key's
 * identifier), then "signature: " and the signature over exactly those
 * five lines in base64. So the openssl command line can check it
 * (README "Signatures"), and a reader sees what was signed.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "wm_crypt.h"
#include "wm_crypt_priv.h"

#define SIG_FORMAT "wiremeter-signature 1\n"
#define SIG_TAG "signature: "
#define SIG_FILE_MAX 8192
#define STMT_MAX 4608 /* the format, a 4096-byte name and the three short lines */

struct wm_crypt_pkey {
	EVP_PKEY *pkey;
	char id[33];
};

/* Ed25519 signs the message itself; ECDSA P-256 its SHA-256. Others are refused. */
static int
pkey_check(EVP_PKEY *p)
{
	char group[64];

	if (EVP_PKEY_get_base_id(p) == EVP_PKEY_ED25519)
		return 0;
	if (EVP_PKEY_get_base_id(p) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(p, group, sizeof(group), NULL) == 1 &&
	    strcmp(group, "prime256v1") == 0)
		return 0;
	return -EINVAL;
}

static struct wm_crypt_pkey *
pkey_wrap(EVP_PKEY *p, const char *path, char *err, size_t errlen)
{
	struct wm_crypt_pkey *k;
	unsigned char *der = NULL;
	unsigned char d[32];
	int n;

	if (p == NULL) {
		snprintf(err, errlen, "%s: not a PEM key", path);
		return NULL;
	}
	if (pkey_check(p) != 0) {
		snprintf(err, errlen, "%s: not an Ed25519 or ECDSA P-256 key", path);
		EVP_PKEY_free(p);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	n = i2d_PUBKEY(p, &der);
	if (k == NULL || n <= 0 || EVP_Digest(der, (size_t)n, d, NULL, EVP_sha256(), NULL) != 1) {
		snprintf(err, errlen, "%s: cannot read its public key", path);
		OPENSSL_free(der);
		EVP_PKEY_free(p);
		free(k);
		return NULL;
	}
	OPENSSL_free(der);
	wm_crypt_hex(d, 16, k->id, sizeof(k->id));
	k->pkey = p;
	return k;
}

struct wm_crypt_pkey *
wm_crypt_sign_key_load(const char *path, char *err, size_t errlen)
{
	enum { BUF = 16384 };
	EVP_PKEY *p = NULL;
	char *buf;
	ssize_t n;
	BIO *bio;
	int fd;

	if (wm_crypt_open_private(path, &fd, err, errlen) != 0)
		return NULL;
	buf = wm_crypt_secure_alloc(BUF);
	n = buf != NULL ? read(fd, buf, BUF - 1) : -1;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		wm_crypt_secure_free(buf, BUF);
		return NULL;
	}
	bio = BIO_new_mem_buf(buf, (int)n);
	if (bio != NULL)
		p = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	wm_crypt_secure_free(buf, BUF);
	return pkey_wrap(p, path, err, errlen);
}

struct wm_crypt_pkey *
wm_crypt_trust_key_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *p;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	p = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return pkey_wrap(p, path, err, errlen);
}

void
wm_crypt_pkey_free(struct wm_crypt_pkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

void
wm_crypt_pkey_id_hex(const struct wm_crypt_pkey *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s", k->id);
}

/* SHA-256 and size of the file at path, read through. 0 or a negative errno. */
static int
digest_file(const char *path, unsigned char d[32], uint64_t *size)
{
	unsigned char *buf = malloc(65536);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n = 0;

	*size = 0;
	if (fd < 0 || buf == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		rc = fd < 0 ? -errno : -ENOMEM;
	while (rc == 0 && (n = read(fd, buf, 65536)) > 0) {
		EVP_DigestUpdate(md, buf, (size_t)n);
		*size += (uint64_t)n;
	}
	if (rc == 0 && (n < 0 || EVP_DigestFinal_ex(md, d, NULL) != 1))
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(md);
	free(buf);
	return rc;
}

/*
 * The statement for the file at path signed by key id 'id': of its bytes
 * 'data' when given (what the caller read and will use), else of the file
 * as it is now.
 */
static int
statement_make(const char *path, const void *data, size_t data_len, const char *id, char *out,
	       size_t len, char *err, size_t errlen)
{
	char hex[65], *copy = strdup(path);
	unsigned char d[32];
	uint64_t size = data_len;
	int rc = copy == NULL ? -ENOMEM : 0;

	if (rc == 0 && data != NULL)
		rc = EVP_Digest(data, data_len, d, NULL, EVP_sha256(), NULL) == 1 ? 0 : -EIO;
	else if (rc == 0)
		rc = digest_file(path, d, &size);
	if (rc == 0) {
		wm_crypt_hex(d, sizeof(d), hex, sizeof(hex));
		snprintf(out, len, SIG_FORMAT "name: %s\nsize: %llu\nsha256: %s\nkey: %s\n",
			 basename(copy), (unsigned long long)size, hex, id);
	} else {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	free(copy);
	return rc;
}

/* Ed25519 takes no digest (it hashes the message itself); ECDSA signs the SHA-256. */
static const EVP_MD *
pkey_md(const struct wm_crypt_pkey *k)
{
	return EVP_PKEY_get_base_id(k->pkey) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
}

int
wm_crypt_sign_file(const struct wm_crypt_pkey *k, const char *path, char *err, size_t errlen)
{
	char stmt[STMT_MAX], sigpath[4200];
	unsigned char sig[256], b64[400];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	FILE *f;
	int rc = statement_make(path, NULL, 0, k->id, stmt, sizeof(stmt), err, errlen);

	if (rc == 0 &&
	    (mctx == NULL || EVP_DigestSignInit(mctx, NULL, pkey_md(k), NULL, k->pkey) != 1 ||
	     EVP_DigestSign(mctx, sig, &siglen, (unsigned char *)stmt, strlen(stmt)) != 1)) {
		snprintf(err, errlen, "%s: signing failed", path);
		rc = -EIO;
	}
	EVP_MD_CTX_free(mctx);
	if (rc != 0)
		return rc;
	EVP_EncodeBlock(b64, sig, (int)siglen);
	snprintf(sigpath, sizeof(sigpath), "%s.sig", path);
	f = fopen(sigpath, "w");
	if (f == NULL || fprintf(f, "%s" SIG_TAG "%s\n", stmt, b64) < 0 || fflush(f) != 0)
		rc = -errno;
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", sigpath, strerror(-rc));
	return rc;
}

#define FAIL(code, ...)                             \
	do {                                        \
		snprintf(err, errlen, __VA_ARGS__); \
		rc = -(code);                       \
		goto out;                           \
	} while (0)

/* FILE.sig's text, NUL-terminated, in buf; its length, or -1 with errno set. */
static ssize_t
sig_read(const char *path, char *buf, size_t len)
{
	char sigpath[4200];
	ssize_t n;
	int fd;

	snprintf(sigpath, sizeof(sigpath), "%s.sig", path);
	fd = open(sigpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Check path.sig against k and against the file's bytes (data, or the file read now). */
static int
verify(const struct wm_crypt_pkey *k, const char *path, const void *data, size_t data_len,
       char *err, size_t errlen)
{
	char text[SIG_FILE_MAX], now[STMT_MAX], *tag, *key;
	unsigned char sig[400];
	EVP_MD_CTX *mctx = NULL;
	size_t stmt_len;
	int rc = 0, siglen;

	if (sig_read(path, text, sizeof(text)) < 0)
		FAIL(WM_CRYPT_E_SIG_MISSING, "%s: missing signature (%s.sig: %s)", path, path,
		     strerror(errno));
	tag = strstr(text, "\n" SIG_TAG);
	key = strstr(text, "\nkey: ");
	if (strncmp(text, SIG_FORMAT, strlen(SIG_FORMAT)) != 0 || tag == NULL || key == NULL ||
	    key > tag)
		FAIL(WM_CRYPT_E_SIG_FORMAT, "%s.sig: not a wiremeter signature", path);
	stmt_len = (size_t)(tag + 1 - text);
	if (strncmp(key + 6, k->id, 32) != 0 || key[6 + 32] != '\n')
		FAIL(WM_CRYPT_E_SIG_KEY, "%s: wrong key: signed by %.32s, not the trusted key %s",
		     path, key + 6, k->id);
	tag += 1 + strlen(SIG_TAG);
	tag[strcspn(tag, "\r\n")] = '\0';
	siglen = strlen(tag) < sizeof(sig) * 3 / 4
			 ? EVP_DecodeBlock(sig, (unsigned char *)tag, (int)strlen(tag))
			 : -1;
	/* EVP_DecodeBlock counts base64's padding as bytes: take them back. */
	while (siglen > 0 && strlen(tag) > 0 && tag[strlen(tag) - 1] == '=') {
		tag[strlen(tag) - 1] = '\0';
		siglen--;
	}
	mctx = EVP_MD_CTX_new();
	if (siglen <= 0 || mctx == NULL ||
	    EVP_DigestVerifyInit(mctx, NULL, pkey_md(k), NULL, k->pkey) != 1 ||
	    EVP_DigestVerify(mctx, sig, (size_t)siglen, (unsigned char *)text, stmt_len) != 1)
		FAIL(WM_CRYPT_E_SIG_BAD, "%s: bad signature (%s.sig does not verify)", path, path);
	if (statement_make(path, data, data_len, k->id, now, sizeof(now), err, errlen) != 0) {
		rc = -WM_CRYPT_E_IO;
		goto out;
	}
	if (strlen(now) != stmt_len || memcmp(now, text, stmt_len) != 0)
		FAIL(WM_CRYPT_E_SIG_FILE,
		     "%s: file differs from its signature (name, size or SHA-256 changed)", path);
out:
	EVP_MD_CTX_free(mctx);
	return rc;
}

int
wm_crypt_verify_file(const struct wm_crypt_pkey *k, const char *path, char *err, size_t errlen)
{
	return verify(k, path, NULL, 0, err, errlen);
}

void *
wm_crypt_read_verified(const struct wm_crypt_pkey *k, const char *path, size_t max, size_t *len,
		       char *err, size_t errlen)
{
	char *buf = malloc(max + 1);
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && buf != NULL)
		n = read(fd, buf, max + 1);
	if (fd >= 0)
		close(fd);
	if (n < 0 || (size_t)n > max) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "too large");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (verify(k, path, buf, (size_t)n, err, errlen) != 0) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}
