/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * AES-256-GCM throughput on one core, on the same 1 MiB buffers: through
 * IPsec-MB (what the container uses, lib/crypt) and through OpenSSL's EVP.
 * Also the container writer as the capture runs it (header, chunking,
 * write to /dev/null). Usage: bench_crypt [MiB] (default 2048).
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wm_crypt.h"

#define MIB (1u << 20)

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double
bench_ipsec_mb(const struct wm_crypt_key *k, uint8_t *buf, unsigned int n)
{
	uint8_t iv[WM_CRYPT_IV_LEN] = {0}, aad[76] = {0}, tag[WM_CRYPT_TAG_LEN];
	double t0 = now();
	unsigned int i;

	for (i = 0; i < n; i++) {
		iv[11] = (uint8_t)i;
		wm_crypt_gcm_seal(k, iv, aad, sizeof(aad), buf, MIB, buf, tag);
	}
	return (double)n * MIB / (now() - t0) / 1e9;
}

static double
bench_openssl(const uint8_t *key, uint8_t *buf, unsigned int n)
{
	uint8_t iv[WM_CRYPT_IV_LEN] = {0}, aad[76] = {0}, tag[WM_CRYPT_TAG_LEN];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	double t0 = now();
	unsigned int i;
	int ol;

	for (i = 0; i < n; i++) {
		iv[11] = (uint8_t)i;
		EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv);
		EVP_EncryptUpdate(c, NULL, &ol, aad, sizeof(aad));
		EVP_EncryptUpdate(c, buf, &ol, buf, MIB);
		EVP_EncryptFinal_ex(c, buf + ol, &ol);
		EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, sizeof(tag), tag);
	}
	EVP_CIPHER_CTX_free(c);
	return (double)n * MIB / (now() - t0) / 1e9;
}

static double
bench_container(const struct wm_crypt_key *k, const uint8_t *buf, unsigned int n)
{
	int fd = open("/dev/null", O_WRONLY);
	struct wm_crypt_writer *w = wm_crypt_writer_open(fd, k, 0);
	double t0 = now();
	unsigned int i, j;

	/* In 64 KiB pieces, as the capture writer's pump feeds it. */
	for (i = 0; w != NULL && i < n; i++)
		for (j = 0; j < 16; j++)
			wm_crypt_writer_write(w, buf + j * (MIB / 16), MIB / 16);
	wm_crypt_writer_close(w);
	close(fd);
	return (double)n * MIB / (now() - t0) / 1e9;
}

int
main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 2048;
	uint8_t key[WM_CRYPT_KEY_LEN], *buf = malloc(MIB);
	struct wm_crypt_key *k;

	if (buf == NULL || getrandom(key, sizeof(key), 0) != sizeof(key) ||
	    getrandom(buf, 256, 0) != 256 || (k = wm_crypt_key_from_bytes(key)) == NULL) {
		fprintf(stderr, "bench_crypt: cannot set up\n");
		return 1;
	}
	printf("AES-256-GCM, 1 MiB chunks, one core, %u MiB each:\n", n);
	printf("  IPsec-MB (%s): %.2f GB/s\n", wm_crypt_arch(), bench_ipsec_mb(k, buf, n));
	printf("  OpenSSL EVP (%s): %.2f GB/s\n", OpenSSL_version(OPENSSL_VERSION),
	       bench_openssl(key, buf, n));
	printf("  container writer (IPsec-MB, to /dev/null): %.2f GB/s\n",
	       bench_container(k, buf, n));
	wm_crypt_key_free(k);
	free(buf);
	return 0;
}
