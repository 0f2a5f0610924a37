/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * wiremeter [EAL options] -- [options]
 *
 * main() is app_init(), the run, app_fini(). Order matters: the
 * application's options are read and checked first, so a bad one exits
 * with code 2 before EAL touches any device; then EAL starts with what
 * the options imply (lib/ealargs: pcap vdevs, --no-huge when there are
 * no hugepages, default lcores); then the subsystems, the workers and
 * the management loop; app_fini() undoes the subsystems in reverse
 * order, and EAL last.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>
#include <rte_pdump.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "wm_app.h"
#include "wm_cap.h"
#include "wm_console.h"
#include "wm_collector.h"
#include "wm_ctl.h"
#include "wm_ealargs.h"
#include "wm_evidence.h"
#include "wm_http_api.h"
#include "wm_engine.h"
#include "wm_ipfix_transport.h"
#include "wm_mgmt.h"
#include "wm_output.h"

struct wm_app wm_app;
volatile bool wm_force_quit;
volatile bool wm_reopen_wanted;

#define EXIT_USAGE 2
/* A pool needs room beyond its per-lcore caches (256 each) and one burst. */
#define MIN_MBUFS 1024

/*
 * SIGINT and SIGTERM ask for the graceful shutdown, whenever they come:
 * before EAL is up the flag waits for the main loop, which then stops at
 * once; during shutdown, or a second time, it is already set and nothing
 * more happens, so no record is lost to an impatient operator. SIGHUP asks
 * the main lcore to reopen the output files (logrotate).
 */
static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		wm_reopen_wanted = true;
	else
		wm_force_quit = true;
}

/* Installed first thing, so that no signal finds the default action (death, files left). */
static void
signals_init(void)
{
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Is flag on the command line: before any "--" (--version, which EAL would
 * take for a bad option), or anywhere (--engines)?
 */
static bool
flag_asked(int argc, char **argv, const char *flag, bool past_dd)
{
	int i;

	for (i = 1; i < argc && (past_dd || strcmp(argv[i], "--") != 0); i++)
		if (strcmp(argv[i], flag) == 0)
			return true;
	return false;
}

/* Do EAL's options (before "--") name devices themselves? */
static bool
eal_names_devices(int dd, char **argv)
{
	int i;

	for (i = 1; i < dd; i++)
		if (strcmp(argv[i], "--vdev") == 0 || strncmp(argv[i], "--vdev=", 7) == 0 ||
		    strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--allow") == 0)
			return true;
	return false;
}

/* Was the flow table sized from the memory (no --flow-capacity)? Set before EAL starts. */
static bool flows_auto;

/* Heap bytes in use on a socket. */
static uint64_t
heap_used(int socket)
{
	struct rte_malloc_socket_stats st;

	if (rte_malloc_get_socket_stats(socket, &st) != 0)
		return 0;
	return st.heap_allocsz_bytes;
}

/* A worker's flow table; *bytes is set to the memory it took, as the heap saw it. */
static struct wm_flow_table *
flows_create(const struct wm_flow_params *fp, uint64_t *bytes)
{
	uint64_t before = heap_used(fp->socket_id);
	struct wm_flow_table *t = wm_flow_table_create(fp);

	*bytes = heap_used(fp->socket_id) - before;
	return t;
}

/*
 * A worker's fragment and flow tables. The flow table's size may be one
 * we chose from the memory free before EAL started: other processes may
 * have taken some since, so it halves until it fits, down to the smallest
 * default; the later workers get as much.
 */
static int
worker_tables_create(struct wm_app *app, struct wm_worker *w, uint64_t *table_bytes)
{
	char name[RTE_RING_NAMESIZE];
	struct wm_flow_params fp;

	snprintf(name, sizeof(name), "wm_flows_%u", w->index);
	fp = (struct wm_flow_params){
		.name = name,
		.capacity = app->flow_capacity,
		.socket_id = w->socket_id,
		/* At least 1 ns: a timeout below that is no timeout. */
		.idle_ns = RTE_MAX((uint64_t)(app->conf.idle_timeout * 1e9), 1ull),
		.active_ns = RTE_MAX((uint64_t)(app->conf.active_timeout * 1e9), 1ull),
		.linger_ns = (uint64_t)(app->conf.tcp_linger * 1e9),
	};
	wm_seq_hooks(w, &fp.hooks);
	w->frags = wm_frag_table_create(WM_FRAG_CAPACITY, WM_FRAG_TIMEOUT_NS);
	if (w->frags == NULL) {
		fprintf(stderr, "wiremeter: error: worker %u: cannot create a fragment table\n",
			w->index);
		return -ENOMEM;
	}
	w->flows = flows_create(&fp, table_bytes);
	while (w->flows == NULL && flows_auto && rte_errno == ENOMEM &&
	       fp.capacity / 2 >= WM_EALARGS_FLOWS_MIN) {
		fp.capacity = fp.capacity / 2 & ~UINT32_C(0xffff);
		app->flow_capacity = fp.capacity;
		WM_LOG(WARNING, "worker %u: memory short for its flow table: %u flows", w->index,
		       fp.capacity);
		w->flows = flows_create(&fp, table_bytes);
	}
	if (w->flows == NULL) {
		fprintf(stderr,
			"wiremeter: error: worker %u: cannot create a flow table of "
			"%u flows: %s\n",
			w->index, fp.capacity, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

static int
workers_create(struct wm_app *app)
{
	unsigned int lcore, idx = 0;
	char name[RTE_RING_NAMESIZE];
	uint64_t table_bytes = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct wm_worker *w;
		int socket = (int)rte_lcore_to_socket_id(lcore);

		w = rte_zmalloc_socket("wm_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			goto nomem;
		w->lcore_id = lcore;
		w->index = idx;
		w->socket_id = socket;
		if (wm_seq_setup(app, w) != 0)
			return -ENOMEM;
		if (worker_tables_create(app, w, &table_bytes) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "wm_export_%u", idx);
		w->export_ring = rte_ring_create_elem(name, sizeof(struct wm_flow_export),
						      WM_EXPORT_RING_SIZE, socket,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->export_ring == NULL)
			goto nomem;
		app->workers[idx++] = w;
	}
	app->n_workers = idx;
	if (idx > 0)
		WM_LOG(NOTICE,
		       "flow table: %u flows per worker, %.1f MB per worker (%.0f bytes a flow)",
		       app->flow_capacity, (double)table_bytes / (1 << 20),
		       (double)table_bytes / app->flow_capacity);
	if (idx == 0) {
		fprintf(stderr, "wiremeter: error: no worker lcore: give at least two lcores "
				"(-l 0-1)\n");
		return -EINVAL;
	}
	return 0;
nomem:
	fprintf(stderr, "wiremeter: error: out of memory creating workers: %s\n",
		rte_strerror(rte_errno));
	return -ENOMEM;
}

/* Software RSS rings, once ports have said whether they need them. */
static int
swrss_rings_create(struct wm_app *app)
{
	char name[RTE_RING_NAMESIZE];
	static const struct rte_mbuf_dynfield clock_field = {
		.name = "wm_replay_clock",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	bool need = false;
	unsigned int i;

	app->clock_dynfield = -1;
	for (i = 0; i < WM_MAX_PORTS; i++)
		need |= app->ports[i].sw_rss;
	if (!need)
		return 0;
	if (app->replay) {
		app->clock_dynfield = rte_mbuf_dynfield_register(&clock_field);
		if (app->clock_dynfield < 0) {
			fprintf(stderr, "wiremeter: error: cannot register an mbuf field: %s\n",
				rte_strerror(rte_errno));
			return -ENOSPC;
		}
	}
	for (i = 0; i < app->n_workers; i++) {
		snprintf(name, sizeof(name), "wm_swrss_%u", i);
		app->workers[i]->sw_in =
			rte_ring_create(name, WM_SWRSS_RING_SIZE, app->workers[i]->socket_id,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (app->workers[i]->sw_in == NULL) {
			fprintf(stderr, "wiremeter: error: cannot create ring %s: %s\n", name,
				rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Undo workers_create() and swrss_rings_create(), once no lcore runs and
 * just before EAL leaves. The flow tables are left to EAL: they are the
 * process's largest blocks (hundreds of MB by default), DPDK's allocator
 * zeroes whatever is freed so as to hand it out zeroed later, and EAL
 * unmaps it all a moment after; freeing them was a tenth of a short
 * run's wall time.
 */
static void
workers_free(struct wm_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		wm_frag_table_free(app->workers[i]->frags);
		wm_seq_teardown(app->workers[i]);
		rte_ring_free(app->workers[i]->export_ring);
		rte_ring_free(app->workers[i]->sw_in);
		rte_free(app->workers[i]);
	}
}

/* wm.conf at debug: what the options and the config file came to. */
static void
conf_log(const struct wm_conf *c)
{
	WM_LOG_TO(wm_logtype_conf, DEBUG,
		  "config %s: %u file(s), %u collector(s), %u flows per worker, idle %gs, "
		  "active %gs, %u sequence streams per worker",
		  c->config_file != NULL ? c->config_file : "(none)", c->n_pcaps, c->n_ipfix,
		  c->flow_capacity, c->idle_timeout, c->active_timeout, c->seq_streams);
}

static void
clock_init(struct wm_app *app)
{
	struct timespec ts;

	app->tsc_hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	app->tsc0 = rte_rdtsc();
	app->epoch_ns_at_tsc0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* "wiremeter --version": the version, as the option parser prints it; 0 or 1. */
static int
version_print(struct wm_app *app, char *argv0)
{
	char *v[] = {argv0, (char *)(uintptr_t) "--version", NULL};
	char err[64];

	wm_conf_defaults(&app->conf);
	return wm_conf_parse_args(&app->conf, 2, v, err, sizeof(err)) == WM_CONF_EXIT ? 0 : 1;
}

/*
 * Our options (after "--"), checked before EAL touches anything: a bad
 * option, file or path ends here with EXIT_USAGE. Output files and
 * collectors are opened now for the same reason. Returns 0, EXIT_USAGE,
 * or WM_CONF_EXIT when --help or --version was answered.
 */
static int
app_options(struct wm_app *app, int argc, char **argv, int dd)
{
	int app_argc = dd < argc ? argc - dd : 1;
	char **app_argv = calloc((size_t)app_argc + 1, sizeof(char *));
	char err[1400];
	unsigned int i;
	int rc;

	if (app_argv == NULL)
		return EXIT_USAGE;
	app_argv[0] = argv[0];
	for (i = 1; i < (unsigned int)app_argc; i++)
		app_argv[i] = argv[dd + (int)i];
	wm_conf_defaults(&app->conf);
	app->conf.uri_check = wm_collector_check;
	/* --trust-key before the rest: the config file is checked before it is parsed. */
	rc = wm_evidence_preload(app_argc, app_argv, &app->conf, err, sizeof(err));
	if (rc == 0)
		rc = wm_conf_parse_args(&app->conf, app_argc, app_argv, err, sizeof(err));
	free(app_argv);
	if (rc == WM_CONF_EXIT)
		return WM_CONF_EXIT;
	if (rc < 0) {
		fprintf(stderr, "wiremeter: error: %s\n", err);
		return EXIT_USAGE;
	}
	/* The keys, and the trust key's verdict on the files already read, before anything opens. */
	if (wm_evidence_init(&app->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: %s\n", err);
		return EXIT_USAGE;
	}
	if (app->conf.mbufs != 0 && app->conf.mbufs < MIN_MBUFS) {
		fprintf(stderr, "wiremeter: error: --mbufs: %u is below the %u a pool needs\n",
			app->conf.mbufs, MIN_MBUFS);
		return EXIT_USAGE;
	}
	/* A file that is not a readable Ethernet capture is a usage error, found now. */
	if (wm_pcap_inputs_check(&app->conf, dd, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: %s\n", err);
		return EXIT_USAGE;
	}
	/* Output files are opened now, so a bad path stops us before any port starts. */
	if (wm_output_open(&app->conf) != 0)
		return EXIT_USAGE;
	/* Collectors too: a file that cannot be created or a host that does not resolve. */
	if (wm_exporter_open(&app->conf) != 0)
		return EXIT_USAGE;
	/* And the capture's file and flow key. */
	if (wm_capture_check(&app->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: %s\n", err);
		return EXIT_USAGE;
	}
	/* The HTTP server's address, token and TLS files. */
	if (wm_http_api_check(&app->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: %s\n", err);
		return EXIT_USAGE;
	}
	/* The users' XDP programs (xdp_prog=) verified; ours are embedded, trusted as we are. */
	if (wm_engine_trust_progs(&app->conf, dd, argv) != 0)
		return EXIT_USAGE;
	/* --iface: each interface's engine, as vdevs for EAL (or the in-kernel meter). */
	if (wm_engine_select(&app->conf, eal_names_devices(dd, argv)) != 0)
		return EXIT_USAGE;
	return 0;
}

/* Packets an endless pcap vdev (infinite_rx=1) holds in our pool, for EAL's memory estimate. */
static uint64_t
endless_pcap_pkts(const char *vdev)
{
	struct wm_pcap_args pa;
	char err[1200];

	/* A bad file is reported by the port's setup, with its name. */
	if (wm_pcap_args_parse(vdev, &pa, err, sizeof(err)) != 0 || !pa.infinite)
		return 0;
	return pa.file_pkts;
}

/* EAL with the arguments the options imply (the first dd of argv are EAL's); 0 or EXIT_USAGE. */
static int
app_eal(struct wm_app *app, int dd, char **argv)
{
	/* Static: EAL keeps pointers into its argv until exit. */
	static struct wm_ealargs ea;
	struct wm_ealargs_host host = {.max_lcores = RTE_MAX_LCORE, .held_pkts = endless_pcap_pkts};

	wm_ealargs_host_probe(&host);
	if (wm_ealargs_build(&ea, dd, argv, &app->conf, &host) < 0)
		return EXIT_USAGE;
	/*
	 * Sized from the memory unless --flow-capacity said. The config keeps
	 * what the user said (show config, -c round trips); the app the size.
	 */
	flows_auto = app->conf.flow_capacity == 0;
	app->flow_capacity = ea.flow_capacity;
	if (wm_eal_init(ea.argc, ea.argv) < 0) {
		fprintf(stderr, "wiremeter: error: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_USAGE;
	}
	/* A --pcap file the replay port refused: named, before any port starts. */
	if (wm_replay_errors(app, dd, argv) != 0) {
		/* Nothing was metered: no report, as for any usage error found before EAL. */
		if (app->conf.report != NULL)
			unlink(app->conf.report);
		wm_eal_leave();
		return EXIT_USAGE;
	}
	conf_log(&app->conf);
	clock_init(app);
	/* dpdk-dumpcap and dpdk-pdump capture from our ports through this (secondary processes). */
	if (rte_pdump_init() != 0)
		WM_LOG(WARNING, "pdump: cannot serve captures: %s", rte_strerror(rte_errno));
	return 0;
}

/*
 * The subsystems, in the order app_fini() undoes them backwards; 0 or
 * EXIT_USAGE. A failure stops the ports and leaves EAL (its files); the
 * rest goes with the process.
 */
static int
subsystems_init(struct wm_app *app)
{
	unsigned int i;
	int rc;

	rc = wm_filter_init(app);
	if (rc == 0)
		rc = workers_create(app);
	/* --engine xdp: the kernel meters; no DPDK port. */
	if (rc == 0 && app->conf.engine == WM_CONF_ENGINE_XDP)
		rc = wm_engine_xdp_open(app);
	else if (rc == 0)
		rc = wm_ports_init(app);
	if (rc == 0)
		rc = swrss_rings_create(app);
	if (rc == 0)
		rc = wm_exporter_init(app);
	if (rc == 0)
		rc = wm_ctl_init(app);
	if (rc == 0)
		rc = wm_capture_init(app);
	if (rc != 0) {
		wm_engine_xdp_close(app);
		wm_ports_stop(app);
		wm_eal_leave();
		return EXIT_USAGE;
	}
	/*
	 * The last step before launch: every setting the workers copy into
	 * their own struct is known now, whether anybody reads gap events too.
	 */
	app->gaps_wanted = app->conf.gaps_json != NULL || wm_ctl_gaps_wanted(app);
	for (i = 0; i < app->n_workers; i++)
		wm_worker_conf_fill(app, app->workers[i]);
	WM_LOG(NOTICE, "%u worker(s), %u port(s)%s", app->n_workers, app->n_ports,
	       app->replay ? ", replay on packet time" : "");
	return 0;
}

/*
 * Signals, our options, EAL, the subsystems, in this order. Returns true
 * when the run may start; otherwise *code is the exit code: 0 after
 * --help or --version, EXIT_USAGE (or 1 for --version) on an error.
 */
static bool
app_init(struct wm_app *app, int argc, char **argv, int *code)
{
	int dd, rc;

	signals_init();
	if (flag_asked(argc, argv, "--version", false)) {
		*code = version_print(app, argv[0]);
		return false;
	}
	if (flag_asked(argc, argv, "--engines", true)) {
		wm_engines_print();
		*code = 0;
		return false;
	}
	/* Split at "--": EAL's options before, ours after. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	rc = app_options(app, argc, argv, dd);
	if (rc == 0) {
		rc = app_eal(app, dd, argv);
		/* The prefilter's file and pinned maps, made with the options, go too. */
		if (rc != 0)
			wm_engine_xdp_close(app);
	}
	if (rc == 0)
		rc = subsystems_init(app);
	*code = rc == WM_CONF_EXIT ? 0 : rc;
	return rc == 0;
}

/* Workers, then telemetry, the console and the management loop until the end; 0 or an error. */
static int
app_run(struct wm_app *app)
{
	unsigned int i;
	int rc;

	/* Bound before the workers start: its handlers answer 503 until wm_ctl_open(). */
	if (wm_http_api_start(app) != 0)
		return -EADDRNOTAVAIL;
	for (i = 0; i < app->n_workers; i++)
		rte_eal_remote_launch(wm_worker_main, app->workers[i], app->workers[i]->lcore_id);
	/* Telemetry answers from now on; the console and its command file start. */
	wm_ctl_open();
	if (wm_console_open(app) != 0)
		wm_force_quit = true;
	rc = wm_mgmt_run(app);
	wm_console_close();
	wm_http_api_stop();
	wm_ctl_close(); /* no telemetry callback runs past this */
	rte_eal_mp_wait_lcore();
	return rc;
}

/*
 * app_init() undone backwards, once no lcore runs: the subsystems, pdump,
 * the output files (a write error makes the run fail), the options, and
 * EAL last. The collectors, opened with the options, close with the
 * exporter, whose per-worker rings go before the workers. Returns the
 * exit code: 0, or 1 when run_rc or the output files say so.
 */
static int
app_fini(struct wm_app *app, int run_rc)
{
	int rc = run_rc;

	wm_capture_fini(app); /* reads the ports' counters for its statistics blocks */
	wm_ctl_free(app);
	wm_exporter_close(app);
	wm_ports_stop(app);
	wm_engine_xdp_close(app);
	workers_free(app);
	wm_filter_free(app);
	rte_pdump_uninit();
	if (wm_output_close() != 0) {
		fprintf(stderr, "wiremeter: error: --flows-json %s: write failed\n",
			app->conf.flows_json);
		rc = -EIO;
	}
	wm_conf_free(&app->conf);
	wm_evidence_fini();
	wm_eal_leave();
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct wm_app *app = &wm_app;
	int code;

	if (!app_init(app, argc, argv, &code))
		return code;
	return app_fini(app, app_run(app));
}
