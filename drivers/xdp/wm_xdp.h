/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_XDP_H
#define WM_XDP_H

/**
 * @file
 * Kernel-proximate engines: wiremeter's XDP programs (the .bpf.c files here,
 * compiled by clang -target bpf at build time and embedded in the
 * binary), loaded and attached with libbpf.
 *
 * In-kernel metering (--engine xdp): wm_xdp_meter.bpf.c counts every
 * packet of an interface in a per-CPU hash of biflow records and passes
 * it to the kernel untouched. wm_xdp_meter_poll() reads that hash, merges
 * the CPUs' shares and hands out the flows that ended (idle, TCP end,
 * forced) or passed the active timeout, as struct wm_flow_export records
 * with lib/flow's meaning, so they take the workers' record path. A full
 * map is counted by the program (failed inserts), never silent.
 *
 * When bpffs is mounted the maps are pinned under
 * <bpffs>/wiremeter/<ifname>/ (bpftool map dump pinned ...) while the
 * meter runs, and removed when it closes.
 *
 * Thread safety: none; one owner thread per handle.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_flow.h"
#include "wm_xdp_maps.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How the program is attached. */
enum wm_xdp_mode {
	WM_XDP_MODE_AUTO,   /**< native (driver) XDP, else generic (skb) */
	WM_XDP_MODE_NATIVE, /**< the driver's XDP only */
	WM_XDP_MODE_SKB,    /**< generic XDP only */
};

/** What wm_xdp_meter_open() needs. */
struct wm_xdp_meter_params {
	const char *ifname;    /**< the interface; NULL: load only, attach and pin nothing */
	uint32_t max_flows;    /**< entries of the flow hash (>= 1) */
	uint64_t idle_ns;      /**< a flow with no packet for so long ends (reason 1) */
	uint64_t active_ns;    /**< a longer flow's delta is exported this often (reason 2) */
	uint64_t linger_ns;    /**< a TCP flow ends so long after RST or FIN both ways (3) */
	enum wm_xdp_mode mode; /**< how to attach */
	const char *bpffs;     /**< bpffs mount point to pin the maps under, NULL: none */
	uint16_t in_port;      /**< ingressInterface of the records */
};

struct wm_xdp_meter;

/**
 * Load the metering program, size its maps and attach it to an interface.
 *
 * @param p
 *   The parameters.
 * @param err
 *   One line naming what failed (interface, load, attach), on failure.
 * @param errlen
 *   Size of @p err.
 * @return
 *   The meter, or NULL with @p err set and errno.
 */
struct wm_xdp_meter *wm_xdp_meter_open(const struct wm_xdp_meter_params *p, char *err,
				       size_t errlen);

/**
 * Keys a poll without flush visits at most in each map (flows, states):
 * a poll is bounded work (a few syscalls a key). The walk resumes where
 * the last poll stopped, so a map of F flows is covered every
 * F / WM_XDP_POLL_KEYS polls.
 */
#define WM_XDP_POLL_KEYS 4096

/**
 * Take the flows that are due: ended (idle, TCP end) or past the active
 * timeout on the kernel's clock; with @p flush, every flow (forced end).
 * Each goes out once: its counters leave the map as they are read
 * (lookup and delete, probed at open; before kernel 5.14 a lookup then a
 * delete, and what the program counts between the two is lost), so a
 * packet counted after the read starts a new delta. Call again while it
 * returns @p max. Without @p flush it visits WM_XDP_POLL_KEYS keys at
 * most. A map syscall that fails leaves its key for a later poll and
 * counts in wm_xdp_meter_errors(); a poll always returns.
 *
 * @param m
 *   The meter.
 * @param flush
 *   End every flow (shutdown).
 * @param out
 *   Records, oriented on the initiator, times in ns since the epoch.
 * @param max
 *   Room in @p out.
 * @return
 *   Records written (0..max).
 */
int wm_xdp_meter_poll(struct wm_xdp_meter *m, bool flush, struct wm_flow_export *out,
		      unsigned int max);

/**
 * Map syscalls of wm_xdp_meter_poll() that failed (not a key gone
 * meanwhile), since open. Any thread may read it while a poll runs.
 *
 * @param m
 *   The meter.
 * @return
 *   The count.
 */
uint64_t wm_xdp_meter_errors(const struct wm_xdp_meter *m);

/**
 * A map of the meter's program by name ("wm_flows", "wm_state"), for
 * tools and tests that read or fill it.
 *
 * @param m
 *   The meter.
 * @param name
 *   The map's name.
 * @return
 *   Its file descriptor (the meter's), or a negative errno.
 */
int wm_xdp_meter_map_fd(const struct wm_xdp_meter *m, const char *name);

/**
 * The program's counters, summed over the CPUs (enum wm_xdp_counter).
 *
 * @param m
 *   The meter.
 * @param c
 *   Filled with WM_XDP_C_MAX counters.
 * @return
 *   0, or a negative errno.
 */
int wm_xdp_meter_counters(const struct wm_xdp_meter *m, uint64_t c[WM_XDP_C_MAX]);

/**
 * How the program is attached: "native" or "skb".
 *
 * @param m
 *   The meter.
 * @return
 *   A static string.
 */
const char *wm_xdp_meter_mode(const struct wm_xdp_meter *m);

/**
 * Detach the program, unpin and free everything.
 *
 * @param m
 *   The meter, or NULL.
 */
void wm_xdp_meter_close(struct wm_xdp_meter *m);

/**
 * Detach the program (the maps stay readable): the last records are
 * then final. wm_xdp_meter_close() detaches too.
 *
 * @param m
 *   The meter.
 */
void wm_xdp_meter_detach(struct wm_xdp_meter *m);

/**
 * Can the metering program run here? Loads it (small maps) into the
 * kernel and, with @p ifname, attaches it in native (driver) mode and
 * detaches it at once; nothing stays loaded. An attach resets the rings
 * (and the link) of many NICs: wiremeter's engine choice only loads.
 *
 * @param ifname
 *   The interface to try native XDP on, or NULL to try only the load.
 * @param why
 *   Why not, on failure: one phrase ("the kernel refused the program:
 *   ...", "no native XDP on this driver").
 * @param whylen
 *   Size of @p why.
 * @return
 *   0, -EOPNOTSUPP when only native mode failed, or another negative errno.
 */
int wm_xdp_probe(const char *ifname, char *why, size_t whylen);

/**
 * Parse a prefilter rule list (--xdp-filter):
 *
 *   RULES := RULE [";" RULE]...      a packet matches when any rule does
 *   RULE  := FIELD [" " FIELD]...    a rule matches when all its fields do
 *   FIELD := proto=tcp|udp|icmp|icmp6|sctp|esp|gre|N
 *          | port=P[-Q] | sport=P[-Q] | dport=P[-Q]   (one per rule)
 *          | net=PREFIX | src=PREFIX | dst=PREFIX     (one per rule)
 *          | vlan=N | ethertype=ipv4|ipv6|arp|N
 *
 * @param text
 *   The list.
 * @param rules
 *   Room for WM_XDP_MAX_RULES rules.
 * @param n
 *   Set to the number of rules.
 * @param err
 *   One line naming the field at fault, on failure.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, or -EINVAL with @p err set.
 */
int wm_xdp_rules_parse(const char *text, struct wm_xdp_rule *rules, unsigned int *n, char *err,
		       size_t errlen);

/** Where the prefilter's maps are pinned (by name): libbpf's default, which net_af_xdp uses. */
#define WM_XDP_PIN_ROOT "/sys/fs/bpf"

/**
 * Prepare the AF_XDP prefilter for net_af_xdp's xdp_prog= devarg: write
 * the program's object to a new file, create its maps pinned by name
 * under WM_XDP_PIN_ROOT (leftovers of an earlier run are replaced) and
 * fill the rules; the PMD's load of the file reuses those maps.
 *
 * @param rules
 *   The rules (wm_xdp_rules_parse()).
 * @param n
 *   Their number.
 * @param path
 *   Set to the object file's path.
 * @param pathlen
 *   Size of @p path.
 * @param err
 *   One line saying what failed.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, or a negative errno with @p err set.
 */
int wm_xdp_filter_prepare(const struct wm_xdp_rule *rules, unsigned int n, char *path,
			  size_t pathlen, char *err, size_t errlen);

/**
 * Replace the prefilter's rules in its pinned maps; the program reads
 * them at the next packet.
 *
 * @return
 *   0, or a negative errno.
 */
int wm_xdp_filter_set_rules(const struct wm_xdp_rule *rules, unsigned int n);

/**
 * The prefilter's counters (WM_XDP_C_MATCHED, _PASSED, _NO_SOCKET; the
 * others 0), summed over the CPUs, from its pinned map.
 *
 * @return
 *   0, or a negative errno (no prefilter).
 */
int wm_xdp_filter_counters(uint64_t c[WM_XDP_C_MAX]);

/**
 * Write a BPF object to a new file for a loader that opens it by name
 * (net_af_xdp's xdp_prog=): in a new directory only this user can enter
 * (0700), created with O_EXCL and O_NOFOLLOW, mode 0600, so no one can
 * replace it between this write and the load.
 *
 * @param buf
 *   The object's bytes (embedded, or verified against --trust-key).
 * @param len
 *   Their number.
 * @param name
 *   The file's name inside the new directory.
 * @param path
 *   Set to the file's path.
 * @param pathlen
 *   Size of @p path.
 * @return
 *   0, or a negative errno (nothing is left behind).
 */
int wm_xdp_private_file(const void *buf, size_t len, const char *name, char *path, size_t pathlen);

/**
 * Remove a file of wm_xdp_private_file() and its directory.
 *
 * @param path
 *   The file's path; NULL or "" does nothing.
 */
void wm_xdp_private_file_remove(const char *path);

/**
 * Remove the prefilter's pinned maps and its object file.
 *
 * @param path
 *   The object file (wm_xdp_filter_prepare()).
 */
void wm_xdp_filter_cleanup(const char *path);

/**
 * The name of a counter (enum wm_xdp_counter), as telemetry and the
 * report show it.
 *
 * @param c
 *   The counter.
 * @return
 *   Its name, "" when out of range.
 */
const char *wm_xdp_counter_name(unsigned int c);

/**
 * The bpffs mount point, when bpffs is mounted at /sys/fs/bpf (or
 * anywhere /proc/mounts says).
 *
 * @param buf
 *   Filled with the mount point.
 * @param len
 *   Size of @p buf.
 * @return
 *   true when one is mounted.
 */
bool wm_xdp_bpffs(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* WM_XDP_H */
