/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CRYPT_PRIV_H
#define WM_CRYPT_PRIV_H

/* Shared by the container (wm_crypt.c) and the signatures (wm_crypt_sig.c). */

#include <stddef.h>
#include <stdint.h>

/* Page-backed memory, locked and left out of core dumps; wiped by wm_crypt_secure_free(). */
void *wm_crypt_secure_alloc(size_t len);
void wm_crypt_secure_free(void *p, size_t len);

/* Open a secret file: it must be the running user's and grant group and others nothing. */
int wm_crypt_open_private(const char *path, int *fd_out, char *err, size_t errlen);

/* n bytes as lower-case hex, cut to fit buf. */
void wm_crypt_hex(const uint8_t *b, size_t n, char *buf, size_t len);

#endif /* WM_CRYPT_PRIV_H */
