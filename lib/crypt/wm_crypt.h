/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CRYPT_H
#define WM_CRYPT_H

/**
 * @file
 * Evidence-grade files: the encrypted container (AES-256-GCM through
 * Intel IPsec-MB), detached signatures (Ed25519 or ECDSA P-256 through
 * OpenSSL 3's EVP API) and the keys both use. No EAL.
 *
 * The container (README "Encrypted container") is a 64-byte header
 * followed by chunks of at most WM_CRYPT_CHUNK_MAX plaintext bytes. The
 * header carries a key identifier derived from the key, a random nonce
 * prefix and the chunk size, and is authenticated by a tag of its own;
 * each chunk is sealed with the nonce (prefix, chunk index) and with the
 * header, its index and its final flag as additional data, so that a
 * reader detects a changed, swapped, removed or cut chunk, and a file
 * that ends before its final chunk. The reader writes a chunk's
 * plaintext only once that chunk has authenticated.
 *
 * Key material (the AES key, its expanded schedule, a private key's PEM)
 * lives in locked memory that core dumps leave out, and is wiped when
 * freed. Nothing in this library logs; errors are strings the caller
 * prints, and none holds a key byte.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WM_CRYPT_KEY_LEN 32	      /**< AES-256 */
#define WM_CRYPT_KEYID_LEN 16	      /**< key identifier bytes in the header */
#define WM_CRYPT_HDR_LEN 64	      /**< header bytes, its tag included */
#define WM_CRYPT_TAG_LEN 16	      /**< GCM tag */
#define WM_CRYPT_IV_LEN 12	      /**< GCM nonce */
#define WM_CRYPT_CHUNK_MAX (1u << 20) /**< largest chunk's plaintext */
#define WM_CRYPT_FINAL 0x80000000u    /**< final-chunk flag in a chunk's length field */

/** Why a container does not decrypt (negated, as the readers return them). */
enum wm_crypt_error {
	WM_CRYPT_E_NOT_CONTAINER = 1000, /**< no magic, or a header that cannot be one */
	WM_CRYPT_E_VERSION,		 /**< a later format version */
	WM_CRYPT_E_KEY_ID,		 /**< made with another key */
	WM_CRYPT_E_HEADER_AUTH,		 /**< the header was altered */
	WM_CRYPT_E_CHUNK_AUTH,		 /**< a chunk was altered, moved or replaced */
	WM_CRYPT_E_CHUNK_LEN,		 /**< a chunk's length field cannot be right */
	WM_CRYPT_E_TRUNCATED,		 /**< the file ends before its final chunk */
	WM_CRYPT_E_TRAILING,		 /**< bytes after the final chunk */
	WM_CRYPT_E_IO,			 /**< reading or writing failed (errno in the message) */
	/* Signatures. */
	WM_CRYPT_E_SIG_MISSING, /**< no FILE.sig */
	WM_CRYPT_E_SIG_FORMAT,	/**< FILE.sig is not a wiremeter signature */
	WM_CRYPT_E_SIG_KEY,	/**< signed by another key */
	WM_CRYPT_E_SIG_BAD,	/**< the signature does not verify */
	WM_CRYPT_E_SIG_FILE,	/**< the file's name, size or SHA-256 differ from the signed ones */
};

/** An AES-256 key and its schedule, in locked memory. */
struct wm_crypt_key;

/**
 * Read a container key: 32 raw bytes, or 64 hex digits (whitespace
 * around them allowed). The file must belong to the running user and
 * grant nothing to group or others.
 *
 * @param path
 *   The key file.
 * @param err
 *   On failure: one line naming the file and the reason (never a key byte).
 * @return
 *   The key, or NULL.
 */
struct wm_crypt_key *wm_crypt_key_load(const char *path, char *err, size_t errlen);

/**
 * A key from bytes (tests, benchmarks).
 *
 * @return
 *   The key, or NULL (errno set).
 */
struct wm_crypt_key *wm_crypt_key_from_bytes(const uint8_t key[WM_CRYPT_KEY_LEN]);

/** Wipe and free a key (NULL is allowed). */
void wm_crypt_key_free(struct wm_crypt_key *k);

/**
 * The key identifier as hex (33 bytes with the NUL): the first 16 bytes
 * of SHA-256("wiremeter key id v1" || key). Safe to show.
 */
void wm_crypt_key_id_hex(const struct wm_crypt_key *k, char *buf, size_t len);

/**
 * The AES-GCM code in use: IPsec-MB's "avx512", "avx2", "avx" or "sse"; or,
 * on a CPU IPsec-MB has no code for, "software (OpenSSL EVP)".
 */
const char *wm_crypt_arch(void);

/**
 * AES-256-GCM encrypt (IPsec-MB): @p len bytes from @p in to @p out (may
 * be the same), 16-byte tag to @p tag.
 */
void wm_crypt_gcm_seal(const struct wm_crypt_key *k, const uint8_t iv[WM_CRYPT_IV_LEN],
		       const void *aad, size_t aad_len, const void *in, size_t len, void *out,
		       uint8_t tag[WM_CRYPT_TAG_LEN]);

/**
 * AES-256-GCM decrypt and check the tag (constant time).
 *
 * @return
 *   0, or -WM_CRYPT_E_CHUNK_AUTH when the tag does not match (@p out then
 *   holds unauthenticated bytes the caller must not use).
 */
int wm_crypt_gcm_open(const struct wm_crypt_key *k, const uint8_t iv[WM_CRYPT_IV_LEN],
		      const void *aad, size_t aad_len, const void *in, size_t len, void *out,
		      const uint8_t tag[WM_CRYPT_TAG_LEN]);

/** A container being written to a file descriptor. */
struct wm_crypt_writer;

/**
 * Start a container: its header is written to @p fd at once.
 *
 * @param chunk_size
 *   Plaintext bytes per chunk, 1..WM_CRYPT_CHUNK_MAX (0: the largest).
 * @return
 *   The writer, or NULL with errno set.
 */
struct wm_crypt_writer *wm_crypt_writer_open(int fd, const struct wm_crypt_key *k,
					     uint32_t chunk_size);

/**
 * Append plaintext; whole chunks are sealed and written as they fill.
 *
 * @return
 *   0, or a negative errno (the writer then only frees).
 */
int wm_crypt_writer_write(struct wm_crypt_writer *w, const void *buf, size_t len);

/**
 * Seal and write the final chunk (it may be empty), then free the writer.
 * The descriptor stays open.
 *
 * @return
 *   0, or a negative errno.
 */
int wm_crypt_writer_close(struct wm_crypt_writer *w);

/** Container bytes written so far. */
uint64_t wm_crypt_writer_bytes(const struct wm_crypt_writer *w);

/**
 * Decrypt a container, streaming: each chunk's plaintext goes to @p out
 * once it has authenticated, so nothing unauthenticated is ever written.
 *
 * @param err
 *   On failure, what was wrong ("chunk 7 fails authentication").
 * @return
 *   0, or -enum wm_crypt_error.
 */
int wm_crypt_decrypt_fd(int in, int out, const struct wm_crypt_key *k, char *err, size_t errlen);

/** What a container's header says, readable without the key. */
struct wm_crypt_info {
	unsigned int version;  /**< format version */
	uint32_t chunk_size;   /**< plaintext bytes per chunk */
	char key_id[33];       /**< the key identifier, hex */
	char nonce_prefix[17]; /**< the nonce prefix, hex */
};

/**
 * Read a container's header (no key needed, nothing authenticated).
 *
 * @return
 *   0, or -WM_CRYPT_E_NOT_CONTAINER, -WM_CRYPT_E_TRUNCATED, -WM_CRYPT_E_IO.
 */
int wm_crypt_info_fd(int in, struct wm_crypt_info *info);

/** Do the first @p len bytes of a file start with the container's magic? */
bool wm_crypt_is_container(const void *head, size_t len);

/** A signing (private) key, or a verifying (public) one. */
struct wm_crypt_pkey;

/**
 * Open an output file as a write-only stdio stream whose bytes go into a
 * container under @p key (NULL: plain), and which is signed with @p sign
 * (NULL: not) when fclose() has written it all. fclose() returns EOF when
 * the final chunk, the close or the signature failed.
 *
 * @param append
 *   Plain: append to the file. Encrypted: a container cannot grow once
 *   closed, so an existing non-empty file is refused (EEXIST).
 * @return
 *   The stream, or NULL with @p err naming the file and the reason.
 */
FILE *wm_crypt_fopen(const char *path, bool append, const struct wm_crypt_key *key,
		     const struct wm_crypt_pkey *sign, char *err, size_t errlen);

/**
 * Read an Ed25519 or ECDSA P-256 private key (PEM). The file must belong
 * to the running user and grant nothing to group or others; its text is
 * read into locked memory.
 *
 * @return
 *   The key, or NULL with @p err set.
 */
struct wm_crypt_pkey *wm_crypt_sign_key_load(const char *path, char *err, size_t errlen);

/** Read a public key (PEM, SubjectPublicKeyInfo), to verify with. */
struct wm_crypt_pkey *wm_crypt_trust_key_load(const char *path, char *err, size_t errlen);

/** Free a key (NULL is allowed). */
void wm_crypt_pkey_free(struct wm_crypt_pkey *k);

/**
 * The key's identifier as hex (33 bytes with the NUL): the first 16
 * bytes of SHA-256 over its public key's DER SubjectPublicKeyInfo.
 */
void wm_crypt_pkey_id_hex(const struct wm_crypt_pkey *k, char *buf, size_t len);

/**
 * Write @p path.sig: the statement (format line, the file's base name,
 * size, SHA-256 and the key identifier) and its signature, in base64.
 *
 * @return
 *   0, or a negative errno with @p err set.
 */
int wm_crypt_sign_file(const struct wm_crypt_pkey *k, const char *path, char *err, size_t errlen);

/**
 * The current name of the file open at @p fd (logrotate may have moved it
 * since it was opened), to sign it where it is; @p fallback when the
 * kernel cannot say (/proc not mounted, the file deleted).
 */
void wm_crypt_fd_name(int fd, const char *fallback, char *buf, size_t len);

/**
 * Check @p path against @p path.sig and the public key @p k.
 *
 * @param err
 *   On failure, the reason ("missing signature", "bad signature",
 *   "signed by another key", "file differs from its signature").
 * @return
 *   0, or -enum wm_crypt_error.
 */
int wm_crypt_verify_file(const struct wm_crypt_pkey *k, const char *path, char *err, size_t errlen);

/**
 * Read a file whole and check those very bytes against @p path.sig, so
 * that what is used is what was verified (no window to swap the file).
 *
 * @param max
 *   Largest file accepted.
 * @param len
 *   Its length.
 * @return
 *   The bytes (NUL-terminated, the caller frees them), or NULL with @p err
 *   naming the file and the reason.
 */
void *wm_crypt_read_verified(const struct wm_crypt_pkey *k, const char *path, size_t max,
			     size_t *len, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* WM_CRYPT_H */
