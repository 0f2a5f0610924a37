/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The keys are set once, on the main thread before EAL, and only read
 * after that (the capture writer thread reads capture_key and signer):
 * no lock is needed.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wm_app.h"
#include "wm_evidence.h"

static struct {
	struct wm_crypt_key *capture_key;
	struct wm_crypt_pkey *signer;
	struct wm_crypt_pkey *trust;
	bool encrypt_outputs;
	bool trust_preloaded; /* from the command line, before the config file was read */
	char *input;	      /* the verified command file's bytes, behind a memory stream */
	char desc[1024];
	json_t *report; /* the report's object, made with the description */
} ev;

/* Without a trust key 0; with it, 0 only when path.sig verifies, else -EPERM. */
static int
trusted(const char *path, char *err, size_t errlen)
{
	if (ev.trust == NULL || path == NULL)
		return 0;
	return wm_crypt_verify_file(ev.trust, path, err, errlen) == 0 ? 0 : -EPERM;
}

/* One key's file and identifier in the report's object: FileKey and IdKey. */
static void
report_key(const char *what, const char *path, const char *id)
{
	char k[64];

	snprintf(k, sizeof(k), "%sKeyFile", what);
	json_object_set_new(ev.report, k, json_string(path));
	snprintf(k, sizeof(k), "%sKeyId", what);
	json_object_set_new(ev.report, k, json_string(id));
}

static void
describe(const struct wm_conf *c)
{
	char id[33];
	size_t n = 0;

	ev.desc[0] = '\0';
	ev.report = json_object();
	json_object_set_new(ev.report, "encryptOutputs", json_boolean(ev.encrypt_outputs));
	if (ev.capture_key != NULL) {
		wm_crypt_key_id_hex(ev.capture_key, id, sizeof(id));
		report_key("capture", c->capture_key, id);
		json_object_set_new(ev.report, "aesGcmCodePath", json_string(wm_crypt_arch()));
		n += (size_t)snprintf(ev.desc + n, sizeof(ev.desc) - n,
				      "capture key %.300s (id %s, AES-256-GCM via IPsec-MB %s)%s",
				      c->capture_key, id, wm_crypt_arch(),
				      ev.encrypt_outputs ? ", outputs encrypted" : "");
	}
	if (ev.signer != NULL && n < sizeof(ev.desc)) {
		wm_crypt_pkey_id_hex(ev.signer, id, sizeof(id));
		report_key("sign", c->sign_key, id);
		n += (size_t)snprintf(ev.desc + n, sizeof(ev.desc) - n, "%ssign key %.300s (id %s)",
				      n > 0 ? "; " : "", c->sign_key, id);
	}
	if (ev.trust != NULL && n < sizeof(ev.desc)) {
		wm_crypt_pkey_id_hex(ev.trust, id, sizeof(id));
		report_key("trust", c->trust_key, id);
		snprintf(ev.desc + n, sizeof(ev.desc) - n, "%strust key %.300s (id %s)",
			 n > 0 ? "; " : "", c->trust_key, id);
	}
}

/* Files the trust key guards are read whole (a config, commands, a BPF object). */
#define TRUSTED_MAX (16u << 20)

static char *
read_trusted(const char *path, size_t *len, char *why, size_t whylen)
{
	return wm_crypt_read_verified(ev.trust, path, TRUSTED_MAX, len, why, whylen);
}

int
wm_evidence_preload(int argc, char **argv, struct wm_conf *c, char *err, size_t errlen)
{
	const char *path = NULL;
	int i;

	/* The last one wins, as getopt's would; "--trust-key=FILE" or "--trust-key FILE". */
	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--trust-key=", 12) == 0)
			path = argv[i] + 12;
		else if (strcmp(argv[i], "--trust-key") == 0 && i + 1 < argc)
			path = argv[++i];
	}
	if (path == NULL)
		return 0;
	ev.trust = wm_crypt_trust_key_load(path, err, errlen);
	if (ev.trust == NULL)
		return -EINVAL;
	ev.trust_preloaded = true;
	c->file_read = read_trusted;
	return 0;
}

int
wm_evidence_init(const struct wm_conf *c, char *err, size_t errlen)
{
	/*
	 * A trust key only the config named cannot guard that config: whoever
	 * can change the file can remove the key, and it was parsed unchecked.
	 */
	if (!ev.trust_preloaded && c->trust_key != NULL) {
		snprintf(err, errlen,
			 "%s: evidence.trust_key cannot protect the config that names it: give "
			 "--trust-key on the command line",
			 c->config_file != NULL ? c->config_file : "config");
		return -EINVAL;
	}
	/* The command file is read later (the console); refuse it now rather than then. */
	if (trusted(c->cmdline_file, err, errlen) != 0)
		return -EPERM;
	if (c->capture_key != NULL &&
	    (ev.capture_key = wm_crypt_key_load(c->capture_key, err, errlen)) == NULL)
		return -EINVAL;
	if (c->sign_key != NULL &&
	    (ev.signer = wm_crypt_sign_key_load(c->sign_key, err, errlen)) == NULL)
		return -EINVAL;
	if (c->encrypt_outputs && ev.capture_key == NULL) {
		snprintf(err, errlen, "--encrypt-outputs: give the key with --capture-key");
		return -EINVAL;
	}
	ev.encrypt_outputs = c->encrypt_outputs != 0;
	describe(c);
	if (ev.desc[0] != '\0')
		WM_LOG(INFO, "evidence: %s", ev.desc);
	return 0;
}

void
wm_evidence_fini(void)
{
	wm_crypt_key_free(ev.capture_key);
	wm_crypt_pkey_free(ev.signer);
	wm_crypt_pkey_free(ev.trust);
	json_decref(ev.report);
	free(ev.input);
	memset(&ev, 0, sizeof(ev));
}

bool
wm_evidence_trusting(void)
{
	return ev.trust != NULL;
}

const struct wm_crypt_key *
wm_evidence_capture_key(void)
{
	return ev.capture_key;
}

const struct wm_crypt_pkey *
wm_evidence_signer(void)
{
	return ev.signer;
}

char *
wm_evidence_read_input(const char *path, size_t *len, char *err, size_t errlen)
{
	char *buf;
	FILE *f;
	long n;

	if (ev.trust != NULL)
		return read_trusted(path, len, err, errlen);
	f = fopen(path, "rb");
	buf = NULL;
	if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    (size_t)n <= TRUSTED_MAX && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	} else {
		snprintf(err, errlen, "%s: %s", path, f == NULL ? strerror(errno) : "cannot read");
		free(buf);
		buf = NULL;
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

FILE *
wm_evidence_fopen_input(const char *path, char *err, size_t errlen)
{
	size_t len;
	FILE *f;

	if (ev.trust == NULL) {
		f = fopen(path, "r");
		if (f == NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return f;
	}
	free(ev.input);
	ev.input = read_trusted(path, &len, err, errlen);
	if (ev.input == NULL)
		return NULL;
	f = fmemopen(ev.input, len, "r");
	if (f == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

bool
wm_evidence_outputs_guarded(void)
{
	return ev.encrypt_outputs || ev.signer != NULL;
}

FILE *
wm_evidence_fopen(const char *path, bool append, char *err, size_t errlen)
{
	if (!wm_evidence_outputs_guarded()) {
		FILE *f = fopen(path, append ? "a" : "w");

		if (f == NULL)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return f;
	}
	return wm_crypt_fopen(path, append, ev.encrypt_outputs ? ev.capture_key : NULL, ev.signer,
			      err, errlen);
}

json_t *
wm_evidence_report_json(void)
{
	return ev.report != NULL ? json_deep_copy(ev.report) : json_object();
}
