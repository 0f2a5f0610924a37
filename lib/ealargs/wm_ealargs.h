/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_EALARGS_H
#define WM_EALARGS_H

/**
 * @file
 * EAL's argv, made from the user's EAL options and the application's
 * configuration: what the user leaves out is added (lcores, the config's
 * ports, a replay port (net_wmreplay) per --pcap file, with one Rx queue
 * per worker, --no-pci for a replay alone, --no-huge -m N when
 * hugepages are short, --base-virtaddr in an AddressSanitizer build).
 *
 * No EAL: what the host contributes (free hugepages, CPU affinity, how
 * many packets an endless pcap vdev holds) comes in a struct the caller
 * fills, by wm_ealargs_host_probe() or by hand, so the same inputs always
 * give the same argv.
 */

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wm_conf.h"

/** Most Rx queues a replay port offers (WM_REPLAY_MAX_QUEUES). */
#define WM_EALARGS_REPLAY_MAX_QUEUES 16

/** Most EAL arguments, the terminating NULL included. */
#define WM_EALARGS_MAX 512

/** Most user EAL arguments (argv[0] included): room is kept for what is added. */
#define WM_EALARGS_USER_MAX (WM_EALARGS_MAX - 2 * WM_CONF_MAX_PCAPS - 2 * WM_CONF_MAX_PORTS - 10)

/** Bytes for the added strings: at most two per pcap and port, each under 4 KB, and a few more. */
#define WM_EALARGS_ARENA ((2 * WM_CONF_MAX_PCAPS + 2 * WM_CONF_MAX_PORTS + 16) * 4096)

#if defined(__SANITIZE_ADDRESS__)
#define WM_EALARGS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WM_EALARGS_ASAN 1
#endif
#endif
#ifndef WM_EALARGS_ASAN
#define WM_EALARGS_ASAN 0
#endif

/** What the host contributes to EAL's argv. */
struct wm_ealargs_host {
	uint64_t hugepages_free_mb; /**< free hugepage memory; 0 when hugetlbfs is not mounted */
	uint64_t mem_total_mb;	    /**< the machine's RAM (MemTotal); 0 when unknown */
	cpu_set_t cpus;		    /**< the CPUs this process may run on */
	unsigned int max_lcores;    /**< EAL's RTE_MAX_LCORE: default lcores stop there */
	bool asan;		    /**< an AddressSanitizer build (WM_EALARGS_ASAN) */
	/** Packets a pcap vdev ("net_pcap...,rx_pcap=F,infinite_rx=1") holds in memory; may be NULL. */
	uint64_t (*held_pkts)(const char *vdev);
	FILE *msg; /**< where errors and the --no-huge notice go; NULL is stderr */
};

/** EAL's argv and the strings added to it; they stay valid as long as this does. */
struct wm_ealargs {
	char *argv[WM_EALARGS_MAX]; /**< argc entries, then NULL */
	int argc;
	size_t used; /**< bytes of arena taken */
	/**
	 * Flows per worker: conf->flow_capacity when set, else what the
	 * memory allows (wm_ealargs_build() says how it is chosen).
	 */
	uint32_t flow_capacity;
	char arena[WM_EALARGS_ARENA];
};

/**
 * Fill @p host from this machine: free hugepages and RAM (/proc/mounts,
 * /proc/meminfo), CPU affinity (CPU 0 alone when it cannot be read),
 * asan from the build. max_lcores and held_pkts are the caller's; msg is
 * set to stderr.
 */
void wm_ealargs_host_probe(struct wm_ealargs_host *host);

/**
 * Free hugepage memory in MB as @p mounts (a /proc/mounts) and
 * @p meminfo (a /proc/meminfo) say: 0 when no hugetlbfs is mounted or a
 * file cannot be read.
 */
uint64_t wm_ealargs_hugepages_free_mb(const char *mounts, const char *meminfo);

/** How many lcores an -l / --lcores list names ("0-4", "0@0,(1-8)@1"); 0 when unknown. */
unsigned int wm_ealargs_count_lcores(const char *list);

/** Fewest flows per worker a table sized from memory holds (the former fixed default). */
#define WM_EALARGS_FLOWS_MIN 262144
/**
 * Most flows per worker a table sized from memory holds: twice a 1 M-flow
 * trace. A table costs its start (rte_hash writes a free-slot ring of
 * every flow) and exit in proportion, about 0.1 s a million flows on a
 * small VM, which every replay pays; --flow-capacity asks for more (16 M
 * per worker is tested).
 */
#define WM_EALARGS_FLOWS_MAX (2u << 20)
/** Most memory a table sized from memory takes in 4 KB pages, all workers (--no-huge). */
#define WM_EALARGS_NOHUGE_FLOW_MB 256

/**
 * Build EAL's argv in @p ea: the user's EAL options (@p argc entries of
 * @p argv, argv[0] first), then what they leave out.
 *
 * Without --flow-capacity, ea->flow_capacity is what the memory allows
 * per worker, between WM_EALARGS_FLOWS_MIN and WM_EALARGS_FLOWS_MAX:
 * half of the free hugepages left after the pools and EAL's own share
 * (the other half stays for other processes), or half of the user's
 * -m / --socket-mem on the same terms; without hugepages, at most
 * WM_EALARGS_NOHUGE_FLOW_MB and a 32nd of the RAM, since 4 KB pages are
 * slow to set up and to walk.
 *
 * @return
 *   The argument count (ea->argc; ea->argv[argc] is NULL), -E2BIG when
 *   the user's arguments or the added strings do not fit, -EINVAL for a
 *   --pcap file name with a ',' (the vdev arguments' separator). Errors are
 *   written to host->msg.
 */
int wm_ealargs_build(struct wm_ealargs *ea, int argc, char **argv, const struct wm_conf *conf,
		     const struct wm_ealargs_host *host);

#endif /* WM_EALARGS_H */
