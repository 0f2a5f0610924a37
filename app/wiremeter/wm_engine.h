/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_ENGINE_H
#define WM_ENGINE_H

/*
 * Engines (engine.c): which engine reads each --iface, and why; --engines
 * and /wiremeter/engines; the in-kernel meters of --engine xdp, which the
 * workers read (worker.c) and the report and telemetry show.
 */

#include <stdbool.h>
#include <stddef.h>

#include "wm_conf.h"

struct wm_app;
struct json_t;
struct wm_xdp_meter;

/*
 * Before EAL, with --trust-key: every XDP program a device names
 * (net_af_xdp's xdp_prog=, in EAL's args @p eal_argv[1..n_eal-1] or the
 * config's "ports") must verify against the key; the devarg is then
 * pointed at a private copy of the verified bytes, so the PMD loads what
 * was checked. Returns 0, or -EPERM after one line naming the file and
 * the reason (exit code 2). Without a trust key nothing changes.
 */
int wm_engine_trust_progs(struct wm_conf *c, int n_eal, char **eal_argv);

/*
 * Before EAL: pick an engine for every --iface of @p c, print one line
 * per interface (what was chosen, and why each engine tried first could
 * not be used), and add the PMD engines' vdevs to c->ports. Returns 0,
 * or -EINVAL after one line naming the interface (exit code 2).
 */
int wm_engine_select(struct wm_conf *c, bool eal_names_devices);

struct cmdline_inst;
/* Console: "xdp filter RULES" replaces the prefilter's rules in its maps, no reload. */
extern struct cmdline_inst wm_cmd_xdp_filter;

/* --engines: the machine's engines and their capabilities as JSON on stdout. */
void wm_engines_print(void);

/* --engine xdp: attach a meter to every --iface, hand them to the workers; 0 or -errno. */
int wm_engine_xdp_open(struct wm_app *app);

/* Detach and free the meters, once no worker runs. */
void wm_engine_xdp_close(struct wm_app *app);

/*
 * The stats line's end: " | xdp metered M failed F" (in-kernel meters) and
 * " | prefilter matched M passed P"; "" when neither runs.
 */
void wm_engine_stats_suffix(char *buf, size_t len);

/*
 * The report's "xdp" section: per interface, the mode, the program's
 * counters and mapErrors (the workers' failed flow-map reads).
 */
struct json_t *wm_engine_report_json(const struct wm_app *app);

/*
 * Flows one of a worker's meters hands over (wm_xdp_meter_poll()), at
 * most max; a read error is counted (mapErrors), not logged, not fatal.
 */
unsigned int wm_engine_xdp_take(struct wm_xdp_meter *m, bool flush, void *out, unsigned int max);

#endif /* WM_ENGINE_H */
