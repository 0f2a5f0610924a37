/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Telemetry (app/wiremeter/telemetry.c): a request is "COMMAND" or
 * "COMMAND,PARAMS", cut at the first comma as DPDK's telemetry socket
 * does. The parameters go through every command's parser (a client may
 * send anything to any command, and the command name changes nothing in
 * how its parameters are read); what a parser accepts must be in the
 * command's range.
 */

#include <errno.h>

#include "fuzz.h"
#include "wm_flow_key.h"
#include "wm_telemetry.h"

static void
check_params(const char *params)
{
	enum wm_flow_sort sort;
	struct wm_pkt_meta key;
	unsigned int n, sections;
	char err[256] = "";

	if (wm_tel_parse_stats(params, &sections) == 0)
		FUZZ_CHECK(sections == 0xf || sections == 1 || sections == 2 || sections == 4 ||
				   sections == 8,
			   "sections %#x", sections);
	if (wm_tel_parse_flows(params, &n, &sort) == 0)
		FUZZ_CHECK(n >= 1 && n <= 24 &&
				   (sort == WM_FLOW_SORT_OCTETS || sort == WM_FLOW_SORT_PACKETS),
			   "flows %u sort %d", n, sort);
	if (wm_tel_parse_count(params, 4, 8, &n) == 0)
		FUZZ_CHECK(n <= 8, "streams %u", n);
	if (wm_tel_parse_count(params, 16, 32, &n) == 0)
		FUZZ_CHECK(n <= 32, "gaps %u", n);
	if (params != NULL && wm_ctl_parse_flow_key(params, &key, err, sizeof(err)) == 0)
		FUZZ_CHECK(key.kind == WM_PKT_KIND_IPV4 || key.kind == WM_PKT_KIND_IPV6, "kind");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *req = malloc(size + 1), *comma;

	FUZZ_CHECK(req != NULL, "malloc");
	memcpy(req, data, size);
	req[size] = '\0';
	comma = strchr(req, ',');
	if (comma != NULL)
		*comma = '\0';
	check_params(comma != NULL ? comma + 1 : NULL);
	free(req);
	return 0;
}
