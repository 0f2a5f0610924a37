/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * wiremeter [EAL options] -- [options]
 *
 * Order matters: the application's options are read and checked first,
 * so a bad one exits with code 2 before EAL touches any device; then EAL
 * starts with what the options imply (pcap vdevs, --no-huge when there
 * are no hugepages, default lcores); then ports, workers, the
 * management loop, and the final report.
 */

#include <ctype.h>
#include <errno.h>
#include <sched.h>
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
#include "wm_ctl.h"
#include "wm_output.h"

struct wm_app wm_app;
volatile bool wm_force_quit;
volatile bool wm_reopen_wanted;

#define EXIT_USAGE 2
/* A pool needs room beyond its per-lcore caches (256 each) and one burst. */
#define MIN_MBUFS 1024
#define MAX_EAL_ARGS 512

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

/* "wiremeter --version", before any "--": EAL would take it for a bad option. */
static bool
version_asked(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--version") == 0)
			return true;
	return false;
}

static bool
has_arg(int argc, char **argv, const char *const *names)
{
	int i, j;

	for (i = 1; i < argc; i++)
		for (j = 0; names[j] != NULL; j++) {
			size_t l = strlen(names[j]);

			if (strncmp(argv[i], names[j], l) == 0 &&
			    (argv[i][l] == '\0' || argv[i][l] == '=' || names[j][1] != '-'))
				return true;
		}
	return false;
}

/* Free hugepage memory in MB, 0 when hugetlbfs is not mounted. */
static uint64_t
hugepages_free_mb(void)
{
	char line[512];
	bool mounted = false;
	long free_pages = 0, page_kb = 0;
	FILE *f;

	f = fopen("/proc/mounts", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, " hugetlbfs ") != NULL)
				mounted = true;
		fclose(f);
	}
	f = fopen("/proc/meminfo", "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			sscanf(line, "HugePages_Free: %ld", &free_pages);
			sscanf(line, "Hugepagesize: %ld", &page_kb);
		}
		fclose(f);
	}
	return mounted ? (uint64_t)free_pages * (uint64_t)page_kb / 1024 : 0;
}

/*
 * Default lcores: one per CPU this process may run on (its affinity set,
 * which taskset or a container's cpuset narrows), the first managing.
 * With one CPU, a worker shares it with the main lcore.
 */
static unsigned int
default_lcores(char *buf, size_t len)
{
	unsigned int cpu, n = 0;
	size_t off;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		CPU_ZERO(&set);
		CPU_SET(0, &set);
	}
	off = (size_t)snprintf(buf, len, "--lcores=");
	for (cpu = 0; cpu < CPU_SETSIZE && n < RTE_MAX_LCORE && off < len; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%u@%u", n ? "," : "", n, cpu);
		n++;
		if (n == 1 && CPU_COUNT(&set) == 1)
			off += (size_t)snprintf(buf + off, len - off, ",1@%u", cpu);
	}
	return n > 1 ? n : 2;
}

/* Sum the packets of the files endless pcap vdevs hold in memory ("--vdev ...,infinite_rx=1"). */
static uint64_t
endless_pcap_packets(int argc, char **argv)
{
	struct wm_pcap_args pa;
	uint64_t total = 0;
	char err[1200];
	int i;

	for (i = 1; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--vdev") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--vdev=", 7) == 0)
			v = argv[i] + 7;
		/* A bad file is reported by the port's setup, with its name. */
		if (v != NULL && strncmp(v, "net_pcap", 8) == 0 &&
		    wm_pcap_args_parse(v, &pa, err, sizeof(err)) == 0 && pa.infinite)
			total += pa.file_pkts;
	}
	return total;
}

/* How many lcores an -l / --lcores list names ("0-4", "0@0,(1-8)@1"); 0 when unknown. */
static unsigned int
count_lcores(const char *list)
{
	unsigned int n = 0;
	const char *p = list;

	while (*p != '\0') {
		unsigned long a, b;
		char *end;

		if (*p == '(' || *p == ',' || *p == ')') {
			p++;
			continue;
		}
		if (*p == '@') {
			/* Skip the CPU set an lcore group is placed on. */
			p++;
			if (*p == '(')
				while (*p != '\0' && *p != ')')
					p++;
			else
				while (*p != '\0' && *p != ',')
					p++;
			continue;
		}
		a = strtoul(p, &end, 10);
		if (end == p)
			return 0;
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		n += b >= a ? (unsigned int)(b - a + 1) : 1;
		p = end;
	}
	return n;
}

/* The lcores the user's EAL options name, or 0. */
static unsigned int
user_lcores(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-l") == 0 || strcmp(argv[i], "--lcores") == 0) &&
		    i + 1 < argc)
			return count_lcores(argv[i + 1]);
		if (strncmp(argv[i], "--lcores=", 9) == 0)
			return count_lcores(argv[i] + 9);
		if (strncmp(argv[i], "-l", 2) == 0 && argv[i][2] != '\0')
			return count_lcores(argv[i] + 2);
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			/* A hexadecimal coremask: one lcore per bit. */
			const char *m = argv[i + 1];
			unsigned int n = 0;

			if (m[0] == '0' && (m[1] == 'x' || m[1] == 'X'))
				m += 2;
			for (; *m != '\0'; m++) {
				int d = isdigit((unsigned char)*m) ? *m - '0'
					: isxdigit((unsigned char)*m)
						? tolower((unsigned char)*m) - 'a' + 10
						: 0;

				n += (unsigned int)__builtin_popcount((unsigned int)d);
			}
			return n;
		}
	}
	return 0;
}

static int
count_arg(int argc, char **argv, const char *name)
{
	size_t l = strlen(name);
	int i, n = 0;

	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], name, l) == 0)
			n++;
	return n;
}

/*
 * The strings build_eal_args() adds live in a static arena until exit:
 * EAL keeps pointers to some of them, and nothing need free them. One
 * that does not fit is NULL, and build_eal_args() refuses the argv.
 */
static char *
eal_arg(const char *s)
{
	/* Every added string: at most two per pcap and port, each under 4 KB, and a few more. */
	static char arena[(2 * WM_CONF_MAX_PCAPS + 2 * WM_CONF_MAX_PORTS + 16) * 4096];
	static size_t used;
	size_t len = strlen(s) + 1;
	char *p;

	if (len > sizeof(arena) - used)
		return NULL;
	p = memcpy(arena + used, s, len);
	used += len;
	return p;
}

#if defined(__SANITIZE_ADDRESS__)
#define WM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WM_ASAN 1
#endif
#endif

/*
 * In an AddressSanitizer build, ASan's shadow memory covers EAL's default
 * base address (4 GiB), so EAL's memory lands wherever mmap() puts it,
 * among the shared libraries, where a secondary process (dpdk-dumpcap,
 * dpdk-proc-info) cannot map it at the same address. Above the shadow
 * (past 16 TiB) both processes have room. Returns the new argument count.
 */
static int
sanitizer_base(int argc, char **argv, char **out, int n)
{
#ifdef WM_ASAN
	static const char *const base_opts[] = {"--base-virtaddr", NULL};

	if (!has_arg(argc, argv, base_opts))
		out[n++] = eal_arg("--base-virtaddr=0x200000000000");
#else
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	RTE_SET_USED(out);
#endif
	return n;
}

/* Build EAL's argv: the user's EAL options, plus what they leave out. */
static int
build_eal_args(int argc, char **argv, const struct wm_conf *conf, char **out)
{
	static const char *const lcore_opts[] = {"-l", "-c", "--lcores", "-L", NULL};
	static const char *const mem_opts[] = {"--no-huge", "-m", "--socket-mem", NULL};
	static const char *const pci_opts[] = {"-a",	   "--allow", "-b", "--block",
					       "--no-pci", "--vdev",  NULL};
	static const char *const dev_opts[] = {"-a", "--allow", "--vdev", NULL};
	const int room = MAX_EAL_ARGS - 2 * WM_CONF_MAX_PCAPS - 2 * WM_CONF_MAX_PORTS - 10;
	unsigned int i, lcores;
	bool conf_ports = false;
	int n = 0;
	char buf[4096];

	/* Room for what we add: the pcap vdevs, the config's ports and a handful of options. */
	if (argc > room) {
		fprintf(stderr, "wiremeter: error: more than %d EAL arguments\n", room);
		return -E2BIG;
	}
	for (i = 0; i < (unsigned int)argc; i++)
		out[n++] = argv[i];
	lcores = user_lcores(argc, argv);
	if (!has_arg(argc, argv, lcore_opts)) {
		if (conf->lcores != NULL) {
			/* The config's "lcores", as -l. */
			out[n++] = eal_arg("-l");
			out[n++] = eal_arg(conf->lcores);
			lcores = count_lcores(conf->lcores);
		} else {
			lcores = default_lcores(buf, sizeof(buf));
			out[n++] = eal_arg(buf);
		}
	}
	/* The config's "ports", unless the command line names devices itself. */
	if (conf->n_ports > 0 && !has_arg(argc, argv, dev_opts)) {
		for (i = 0; i < conf->n_ports; i++) {
			out[n++] = eal_arg(wm_conf_port_is_pci(conf->ports[i]) ? "-a" : "--vdev");
			out[n++] = eal_arg(conf->ports[i]);
		}
		conf_ports = true;
	}
	for (i = 0; i < conf->n_pcaps; i++) {
		if (strchr(conf->pcaps[i], ',') != NULL) {
			fprintf(stderr,
				"wiremeter: error: --pcap %s: a ',' in the file name cannot "
				"be passed to the pcap PMD\n",
				conf->pcaps[i]);
			return -EINVAL;
		}
		out[n++] = eal_arg("--vdev");
		snprintf(buf, sizeof(buf), "net_pcap_wm%u,rx_pcap=%s", i, conf->pcaps[i]);
		out[n++] = eal_arg(buf);
	}
	/*
	 * A pcap replay alone should not probe the host's PCI devices (the
	 * kernel owns them); naming a device or a vdev keeps EAL's default.
	 */
	if (conf->n_pcaps > 0 && !has_arg(argc, argv, pci_opts) && !conf_ports)
		out[n++] = eal_arg("--no-pci");
	n = sanitizer_base(argc, argv, out, n);
	if (!has_arg(argc, argv, mem_opts)) {
		/*
		 * What the pools, flow tables and rings take, in MB, plus room
		 * for EAL: port.c sizes each pool at about 2 x 1024 descriptors
		 * per queue, the lcores' caches and the software RSS rings.
		 */
		uint64_t workers = lcores > 1 ? lcores - 1 : 1;
		uint64_t ports = conf->n_pcaps + (uint64_t)count_arg(argc, argv, "--vdev") +
				 (uint64_t)count_arg(argc, argv, "-a") +
				 (conf_ports ? conf->n_ports : 0);
		uint64_t per_pool =
			conf->mbufs ? conf->mbufs
				    : 2048 * workers + 256 * (workers + 2) + 4128 * workers + 2048;
		uint64_t mb = 256, free_mb = hugepages_free_mb(), n_mbufs, mb_nohuge;

		if (ports == 0)
			ports = 1;
		/* --mbufs sizes each pool whole, endless files included (port.c). */
		n_mbufs = ports * per_pool + (conf->mbufs ? 0 : endless_pcap_packets(n, out));
		mb += (uint64_t)conf->flow_capacity * 320 * workers >> 20;
		/*
		 * An mbuf takes about 2.5 KB in hugepages; in 4 KB pages a
		 * mempool places one per page, as objects may not straddle
		 * pages whose IO addresses are not contiguous.
		 */
		mb_nohuge = mb + (n_mbufs * 4096 >> 20);
		mb += n_mbufs * 2500 >> 20;
		if (free_mb < mb) {
			snprintf(buf, sizeof(buf), "-m%lu", (unsigned long)mb_nohuge);
			out[n++] = eal_arg("--no-huge");
			out[n++] = eal_arg(buf);
			if (free_mb == 0)
				fprintf(stderr,
					"wiremeter: no hugepages available: running with "
					"--no-huge -m %lu\n",
					(unsigned long)mb_nohuge);
			else
				fprintf(stderr,
					"wiremeter: %lu MB of hugepages free, about %lu MB "
					"needed: running with --no-huge -m %lu\n",
					(unsigned long)free_mb, (unsigned long)mb,
					(unsigned long)mb_nohuge);
		}
	}
	out[n] = NULL;
	for (i = (unsigned int)argc; i < (unsigned int)n; i++)
		if (out[i] == NULL) {
			fprintf(stderr, "wiremeter: error: the EAL arguments made from the "
					"options and config are too long\n");
			return -E2BIG;
		}
	return n;
}

static int
workers_create(struct wm_app *app)
{
	unsigned int lcore, idx = 0;
	char name[RTE_RING_NAMESIZE];

	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct wm_worker *w;
		struct wm_flow_params fp;
		int socket = (int)rte_lcore_to_socket_id(lcore);

		w = rte_zmalloc_socket("wm_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
		if (w == NULL)
			goto nomem;
		w->lcore_id = lcore;
		w->index = idx;
		w->socket_id = socket;
		if (wm_seq_setup(app, w) != 0)
			return -ENOMEM;
		snprintf(name, sizeof(name), "wm_flows_%u", idx);
		fp = (struct wm_flow_params){
			.name = name,
			.capacity = app->conf.flow_capacity,
			.socket_id = socket,
			/* At least 1 ns: a timeout below that is no timeout. */
			.idle_ns = RTE_MAX((uint64_t)(app->conf.idle_timeout * 1e9), 1ull),
			.active_ns = RTE_MAX((uint64_t)(app->conf.active_timeout * 1e9), 1ull),
			.linger_ns = (uint64_t)(app->conf.tcp_linger * 1e9),
		};
		wm_seq_hooks(w, &fp.hooks);
		w->flows = wm_flow_table_create(&fp);
		if (w->flows == NULL) {
			fprintf(stderr,
				"wiremeter: error: worker %u: cannot create a flow table of "
				"%u flows: %s\n",
				idx, fp.capacity, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		snprintf(name, sizeof(name), "wm_export_%u", idx);
		w->export_ring = rte_ring_create_elem(name, sizeof(struct wm_flow_export),
						      WM_EXPORT_RING_SIZE, socket,
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->export_ring == NULL)
			goto nomem;
		app->workers[idx++] = w;
	}
	app->n_workers = idx;
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
	rc = wm_conf_parse_args(&app->conf, app_argc, app_argv, err, sizeof(err));
	free(app_argv);
	if (rc == WM_CONF_EXIT)
		return WM_CONF_EXIT;
	if (rc < 0) {
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
	return 0;
}

/* EAL with the arguments the options imply, then every subsystem; 0 or EXIT_USAGE. */
static int
app_start(struct wm_app *app, int dd, char **argv)
{
	static char *eal_argv[MAX_EAL_ARGS];
	int eal_argc, rc;

	eal_argc = build_eal_args(dd, argv, &app->conf, eal_argv);
	if (eal_argc < 0)
		return EXIT_USAGE;
	if (wm_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "wiremeter: error: EAL init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_USAGE;
	}
	conf_log(&app->conf);
	clock_init(app);
	/* dpdk-dumpcap and dpdk-pdump capture from our ports through this (secondary processes). */
	if (rte_pdump_init() != 0)
		WM_LOG(WARNING, "pdump: cannot serve captures: %s", rte_strerror(rte_errno));

	rc = wm_filter_init(app);
	if (rc == 0)
		rc = workers_create(app);
	if (rc == 0)
		rc = wm_ports_init(app);
	if (rc == 0)
		rc = swrss_rings_create(app);
	if (rc == 0)
		rc = wm_exporter_init(app);
	if (rc == 0)
		rc = wm_ctl_init(app);
	app->gaps_wanted = app->conf.gaps_json != NULL || wm_ctl_gaps_wanted(app);
	if (rc != 0) {
		wm_ports_stop(app);
		wm_eal_leave();
		return EXIT_USAGE;
	}
	WM_LOG(NOTICE, "%u worker(s), %u port(s)%s", app->n_workers, app->n_ports,
	       app->replay ? ", replay on packet time" : "");
	return 0;
}

/* Workers, the management loop until the end, then everything undone in order; 0 or 1. */
static int
app_run(struct wm_app *app)
{
	unsigned int i;
	int rc;

	for (i = 0; i < app->n_workers; i++)
		rte_eal_remote_launch(wm_worker_main, app->workers[i], app->workers[i]->lcore_id);
	/* Telemetry answers from now on; the console and its command file start. */
	wm_ctl_open();
	if (wm_console_open(app) != 0)
		wm_force_quit = true;
	rc = wm_mgmt_run(app);
	wm_console_close();
	wm_ctl_close(); /* no telemetry callback runs past this */
	rte_eal_mp_wait_lcore();
	if (wm_output_close() != 0) {
		fprintf(stderr, "wiremeter: error: --flows-json %s: write failed\n",
			app->conf.flows_json);
		rc = -EIO;
	}
	wm_exporter_close(app);
	wm_ports_stop(app);
	wm_filter_free(app);
	for (i = 0; i < app->n_workers; i++) {
		wm_flow_table_free(app->workers[i]->flows);
		wm_seq_teardown(app->workers[i]);
		rte_ring_free(app->workers[i]->export_ring);
		rte_ring_free(app->workers[i]->sw_in);
		rte_free(app->workers[i]);
	}
	wm_ctl_free(app);
	rte_pdump_uninit();
	wm_conf_free(&app->conf);
	wm_eal_leave();
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct wm_app *app = &wm_app;
	int dd, rc;

	signals_init();
	if (version_asked(argc, argv)) {
		char *v[] = {argv[0], (char *)(uintptr_t) "--version", NULL};
		char err[64];

		wm_conf_defaults(&app->conf);
		return wm_conf_parse_args(&app->conf, 2, v, err, sizeof(err)) == WM_CONF_EXIT ? 0
											      : 1;
	}
	/* Split at "--": EAL's options before, ours after. */
	for (dd = 1; dd < argc && strcmp(argv[dd], "--") != 0; dd++)
		;
	rc = app_options(app, argc, argv, dd);
	if (rc == WM_CONF_EXIT)
		return 0;
	if (rc == 0)
		rc = app_start(app, dd, argv);
	return rc != 0 ? rc : app_run(app);
}
