/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * The optional packet filter: a pcap expression compiled by libpcap,
 * converted to eBPF and loaded into rte_bpf (as dpdk-dumpcap does), run
 * JIT-compiled on x86. Built once on the main lcore before the workers
 * start; afterwards read-only, so workers share it without locks.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include <bpf_def.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#define WM_LOGTYPE wm_logtype_filter

#include "wm_app.h"

/*
 * Work around two bugs of DPDK 22.11's eBPF path, found by comparing
 * filters with tcpdump on the same packets:
 * - rte_bpf_convert() turns the classic 1- and 4-byte indexed loads
 *   (ldb/ld [x + k], as in "tcp[13]" or "tcp[4:4]") into loads indexed
 *   by A (r0) instead of X, which it keeps in r7; 2-byte ones are right.
 *   Every indexed load is made to use r7.
 * - the x86 JIT encodes "jset #k" wrongly when k fits in a signed byte
 *   (the program crashes): such programs are interpreted instead.
 * Returns whether the JIT may be used.
 */
static bool
filter_fix_convert(struct rte_bpf_prm *prm)
{
	struct ebpf_insn *ins = (struct ebpf_insn *)(uintptr_t)prm->ins;
	bool jit_ok = true;
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++) {
		if (BPF_CLASS(ins[i].code) == BPF_LD && BPF_MODE(ins[i].code) == BPF_IND)
			ins[i].src_reg = EBPF_REG_7;
		if (ins[i].code == (BPF_JMP | BPF_JSET | BPF_K) && ins[i].imm >= INT8_MIN &&
		    ins[i].imm <= INT8_MAX)
			jit_ok = false;
	}
	return jit_ok;
}

int
wm_bpf_compile(const char *expr, struct rte_bpf **bpf, uint64_t (**jit_fn)(void *), char *err,
	       size_t errlen)
{
	struct rte_bpf_prm *prm;
	struct bpf_program prog;
	struct rte_bpf_jit jit;
	bool jit_ok;
	pcap_t *pc;

	*bpf = NULL;
	*jit_fn = NULL;
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	if (pc == NULL || pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "'%s': %s", expr,
			 pc != NULL ? pcap_geterr(pc) : "out of memory");
		if (pc != NULL)
			pcap_close(pc);
		return -EINVAL;
	}
	prm = rte_bpf_convert(&prog);
	pcap_freecode(&prog);
	pcap_close(pc);
	if (prm == NULL) {
		snprintf(err, errlen, "'%s': cannot convert to eBPF: %s", expr,
			 rte_strerror(rte_errno));
		return -EINVAL;
	}
	jit_ok = filter_fix_convert(prm);
	*bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (*bpf == NULL) {
		snprintf(err, errlen, "'%s': cannot load: %s", expr, rte_strerror(rte_errno));
		return -EINVAL;
	}
	if (jit_ok && rte_bpf_get_jit(*bpf, &jit) == 0 && jit.func != NULL)
		*jit_fn = jit.func;
	return 0;
}

int
wm_filter_init(struct wm_app *app)
{
	char err[512];

	if (app->conf.filter == NULL)
		return 0;
	if (wm_bpf_compile(app->conf.filter, &app->filter, &app->filter_jit, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "wiremeter: error: --filter %s\n", err);
		return -EINVAL;
	}
	WM_LOG(INFO, "filter '%s'%s", app->conf.filter,
	       app->filter_jit != NULL ? " (JIT)" : " (interpreted)");
	return 0;
}

void
wm_filter_free(struct wm_app *app)
{
	rte_bpf_destroy(app->filter);
	app->filter = NULL;
	app->filter_jit = NULL;
}
