/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * wiremeter-tool: what an analyst runs on wiremeter's evidence files, on
 * any host (no EAL). decrypt a container (streaming, to a file or "-"),
 * verify and make detached signatures, make a key. Exit codes: 0 done,
 * 1 the file failed (authentication, signature), 2 a usage error.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wm_crypt.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2

static void
usage(FILE *f)
{
	fprintf(f, "usage: wiremeter-tool decrypt --key KEYFILE IN [OUT|-]\n"
		   "       wiremeter-tool verify --pubkey PUB.pem FILE...\n"
		   "       wiremeter-tool sign --key PRIV.pem FILE...\n"
		   "       wiremeter-tool keygen KEYFILE\n"
		   "       wiremeter-tool info FILE...\n"
		   "\n"
		   "decrypt  writes the plain file of a wiremeter container (to stdout when OUT\n"
		   "         is - or not given), each chunk only once it has authenticated; a\n"
		   "         file OUT is written under a temporary name and renamed at the end,\n"
		   "         so it exists only whole.\n"
		   "verify   checks FILE against FILE.sig and the public key.\n"
		   "sign     writes FILE.sig (Ed25519 or ECDSA P-256 private key).\n"
		   "keygen   writes a new random 256-bit key as 64 hex digits, mode 0600.\n"
		   "info     what a container's header says (no key needed): the key\n"
		   "         identifier it wants, the chunk size, the version.\n");
}

/* The --key/--pubkey value and the operands after it; NULL on a usage error. */
static const char *
key_option(int argc, char **argv, const char *name, int *first)
{
	const struct option lo[] = {{name, required_argument, NULL, 'k'}, {NULL, 0, NULL, 0}};
	const char *key = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (opt != 'k')
			return NULL;
		key = optarg;
	}
	*first = optind;
	return key;
}

/* Into a temporary file beside OUT, renamed to OUT only when the whole container checked. */
static int
decrypt_to_file(int in, const char *out, const struct wm_crypt_key *k, char *err, size_t errlen)
{
	size_t n = strlen(out) + 16;
	char *tmp = malloc(n);
	int fd, rc;

	if (tmp == NULL)
		return -ENOMEM;
	snprintf(tmp, n, "%s.partXXXXXX", out);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		free(tmp);
		return -WM_CRYPT_E_IO;
	}
	rc = wm_crypt_decrypt_fd(in, fd, k, err, errlen);
	if (close(fd) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		rc = -WM_CRYPT_E_IO;
	}
	if (rc == 0 && rename(tmp, out) != 0) {
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
		rc = -WM_CRYPT_E_IO;
	}
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int
cmd_decrypt(int argc, char **argv)
{
	char err[1024];
	int first, in, rc;
	const char *keyfile = key_option(argc, argv, "key", &first), *out;
	struct wm_crypt_key *k;

	if (keyfile == NULL || argc - first < 1 || argc - first > 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	out = argc - first == 2 ? argv[first + 1] : "-";
	k = wm_crypt_key_load(keyfile, err, sizeof(err));
	if (k == NULL) {
		fprintf(stderr, "wiremeter-tool: %s\n", err);
		return EXIT_USAGE;
	}
	in = strcmp(argv[first], "-") == 0 ? 0 : open(argv[first], O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		fprintf(stderr, "wiremeter-tool: %s: %s\n", argv[first], strerror(errno));
		wm_crypt_key_free(k);
		return EXIT_USAGE;
	}
	if (strcmp(out, "-") == 0)
		rc = wm_crypt_decrypt_fd(in, 1, k, err, sizeof(err));
	else
		rc = decrypt_to_file(in, out, k, err, sizeof(err));
	wm_crypt_key_free(k);
	if (rc != 0) {
		fprintf(stderr, "wiremeter-tool: %s: %s\n", argv[first], err);
		return EXIT_FAILED;
	}
	return 0;
}

static int
cmd_sign_or_verify(int argc, char **argv, bool sign)
{
	char err[1024], id[33];
	int first, i, failed = 0;
	const char *keyfile = key_option(argc, argv, sign ? "key" : "pubkey", &first);
	struct wm_crypt_pkey *k;

	if (keyfile == NULL || first >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	k = sign ? wm_crypt_sign_key_load(keyfile, err, sizeof(err))
		 : wm_crypt_trust_key_load(keyfile, err, sizeof(err));
	if (k == NULL) {
		fprintf(stderr, "wiremeter-tool: %s\n", err);
		return EXIT_USAGE;
	}
	wm_crypt_pkey_id_hex(k, id, sizeof(id));
	for (i = first; i < argc; i++) {
		int rc = sign ? wm_crypt_sign_file(k, argv[i], err, sizeof(err))
			      : wm_crypt_verify_file(k, argv[i], err, sizeof(err));

		if (rc != 0) {
			fprintf(stderr, "wiremeter-tool: %s\n", err);
			failed++;
		} else {
			printf("%s: %s (key %s)\n", argv[i], sign ? "signed" : "OK", id);
		}
	}
	wm_crypt_pkey_free(k);
	return failed != 0 ? EXIT_FAILED : 0;
}

static int
cmd_keygen(int argc, char **argv)
{
	uint8_t key[WM_CRYPT_KEY_LEN];
	char hex[2 * WM_CRYPT_KEY_LEN + 2];
	unsigned int i;
	int fd, rc = 0;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || getrandom(key, sizeof(key), 0) != sizeof(key)) {
		fprintf(stderr, "wiremeter-tool: %s: %s\n", argv[1], strerror(errno));
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * sizeof(key)] = '\n';
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)sizeof(hex) - 1 || close(fd) != 0) {
		fprintf(stderr, "wiremeter-tool: %s: write failed\n", argv[1]);
		rc = EXIT_FAILED;
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	return rc;
}

static int
cmd_info(int argc, char **argv)
{
	struct wm_crypt_info info;
	int i, failed = 0;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		int rc = fd < 0 ? -WM_CRYPT_E_IO : wm_crypt_info_fd(fd, &info);

		if (fd >= 0)
			close(fd);
		if (rc != 0) {
			fprintf(stderr, "wiremeter-tool: %s: %s\n", argv[i],
				rc == -WM_CRYPT_E_NOT_CONTAINER ? "not a wiremeter container"
				: rc == -WM_CRYPT_E_TRUNCATED	? "ends before its final chunk"
								: strerror(errno));
			failed++;
			continue;
		}
		printf("%s: wiremeter container version %u, AES-256-GCM, chunk %u bytes, "
		       "key id %s, nonce prefix %s\n",
		       argv[i], info.version, info.chunk_size, info.key_id, info.nonce_prefix);
	}
	return failed != 0 ? EXIT_FAILED : 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "decrypt") == 0)
		return cmd_decrypt(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_sign_or_verify(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign_or_verify(argc - 1, argv + 1, true);
	if (strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "wiremeter-tool: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
