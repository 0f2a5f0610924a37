/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_EVIDENCE_H
#define WM_EVIDENCE_H

/*
 * Evidence-grade output in the application (lib/crypt does the work):
 * the keys the options name, loaded once before EAL and freed at exit;
 * the inputs --trust-key guards; the output streams --encrypt-outputs
 * and --sign-key change. Keys are shown by path and identifier only.
 */

#include <stdbool.h>
#include <stdio.h>

#include "wm_conf.h"
#include "wm_crypt.h"

/*
 * Before the options are parsed: a --trust-key among them is loaded now,
 * and c->file_read set, so the config file is checked before it is parsed
 * (the very bytes parsed). 0, or a negative errno with err set.
 */
int wm_evidence_preload(int argc, char **argv, struct wm_conf *c, char *err, size_t errlen);

/*
 * Load --capture-key and --sign-key (and --trust-key when only the config
 * named it: the config file is then checked after the fact), check the
 * command file against the trust key. 0, or a negative errno with err
 * naming the file and the reason (exit code 2).
 */
int wm_evidence_init(const struct wm_conf *conf, char *err, size_t errlen);
/* Wipe and free the keys. */
void wm_evidence_fini(void);

/* Is there a trust key (--trust-key, or the key "trust_key" of the config)? */
bool wm_evidence_trusting(void);
/* The capture key, or NULL. */
const struct wm_crypt_key *wm_evidence_capture_key(void);
/* The signing key, or NULL. */
const struct wm_crypt_pkey *wm_evidence_signer(void);

/*
 * An input to load (a BPF or XDP object, a file a command names), whole:
 * with --trust-key only when FILE.sig verifies these very bytes. The bytes
 * (NUL-terminated, the caller frees them), or NULL with err naming the
 * file and the reason.
 */
char *wm_evidence_read_input(const char *path, size_t *len, char *err, size_t errlen);

/*
 * An input to read (--cmdline-file): without --trust-key the file; with
 * it, its verified bytes (read once, checked, then read from memory).
 * NULL with err set.
 */
FILE *wm_evidence_fopen_input(const char *path, char *err, size_t errlen);

/*
 * An output stream (--flows-json, --gaps-json): encrypted with
 * --encrypt-outputs, signed at fclose() with --sign-key, else plain.
 * NULL with err set on failure.
 */
FILE *wm_evidence_fopen(const char *path, bool append, char *err, size_t errlen);
/* Does wm_evidence_fopen() encrypt or sign (else it is a plain fopen)? */
bool wm_evidence_outputs_guarded(void);

struct json_t;
/*
 * The report's "evidence" object: each key's file and identifier (never
 * the key), whether outputs are encrypted, IPsec-MB's code path.
 */
struct json_t *wm_evidence_report_json(void);

#endif /* WM_EVIDENCE_H */
