/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * EAL's argv from the options (wm_ealargs.h). Every option added is one
 * the user did not give: what the command line says always wins, the
 * config file comes next, and the host's defaults last.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wm_ealargs.h"
#include "wm_flow.h"

/* Does argv name one of names? A long option matches whole or with "=", a short one as a prefix. */
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

uint64_t
wm_ealargs_hugepages_free_mb(const char *mounts, const char *meminfo)
{
	char line[512];
	bool mounted = false;
	long free_pages = 0, page_kb = 0;
	FILE *f;

	f = fopen(mounts, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, " hugetlbfs ") != NULL)
				mounted = true;
		fclose(f);
	}
	f = fopen(meminfo, "r");
	if (f != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			sscanf(line, "HugePages_Free: %ld", &free_pages);
			sscanf(line, "Hugepagesize: %ld", &page_kb);
		}
		fclose(f);
	}
	return mounted ? (uint64_t)free_pages * (uint64_t)page_kb / 1024 : 0;
}

static uint64_t
mem_total_mb(const char *meminfo)
{
	char line[512];
	long kb = 0;
	FILE *f = fopen(meminfo, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "MemTotal: %ld", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb / 1024;
}

void
wm_ealargs_host_probe(struct wm_ealargs_host *host)
{
	host->hugepages_free_mb = wm_ealargs_hugepages_free_mb("/proc/mounts", "/proc/meminfo");
	host->mem_total_mb = mem_total_mb("/proc/meminfo");
	if (sched_getaffinity(0, sizeof(host->cpus), &host->cpus) != 0) {
		CPU_ZERO(&host->cpus);
		CPU_SET(0, &host->cpus);
	}
	host->asan = WM_EALARGS_ASAN;
	host->msg = stderr;
}

/*
 * Default lcores: one per CPU this process may run on (its affinity set,
 * which taskset or a container's cpuset narrows), the first managing.
 * With one CPU, a worker shares it with the main lcore.
 */
static unsigned int
default_lcores(const struct wm_ealargs_host *host, char *buf, size_t len)
{
	unsigned int cpu, n = 0;
	size_t off;

	off = (size_t)snprintf(buf, len, "--lcores=");
	for (cpu = 0; cpu < CPU_SETSIZE && n < host->max_lcores && off < len; cpu++) {
		if (!CPU_ISSET(cpu, &host->cpus))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%u@%u", n ? "," : "", n, cpu);
		n++;
		if (n == 1 && CPU_COUNT(&host->cpus) == 1)
			off += (size_t)snprintf(buf + off, len - off, ",1@%u", cpu);
	}
	return n > 1 ? n : 2;
}

unsigned int
wm_ealargs_count_lcores(const char *list)
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

/* A hexadecimal coremask: one lcore per bit. */
static unsigned int
coremask_lcores(const char *m)
{
	unsigned int n = 0;

	if (m[0] == '0' && (m[1] == 'x' || m[1] == 'X'))
		m += 2;
	for (; *m != '\0'; m++) {
		int d = isdigit((unsigned char)*m)    ? *m - '0'
			: isxdigit((unsigned char)*m) ? tolower((unsigned char)*m) - 'a' + 10
						      : 0;

		n += (unsigned int)__builtin_popcount((unsigned int)d);
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
			return wm_ealargs_count_lcores(argv[i + 1]);
		if (strncmp(argv[i], "--lcores=", 9) == 0)
			return wm_ealargs_count_lcores(argv[i] + 9);
		if (strncmp(argv[i], "-l", 2) == 0 && argv[i][2] != '\0')
			return wm_ealargs_count_lcores(argv[i] + 2);
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			return coremask_lcores(argv[i + 1]);
	}
	return 0;
}

/*
 * Append a copy of s, kept in the arena as long as ea lives (EAL keeps
 * pointers to some). One that does not fit is appended as NULL, and
 * wm_ealargs_build() refuses the argv at its end.
 */
static void
add(struct wm_ealargs *ea, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = NULL;

	if (len <= sizeof(ea->arena) - ea->used) {
		p = memcpy(ea->arena + ea->used, s, len);
		ea->used += len;
	}
	ea->argv[ea->argc++] = p;
}

/* Sum the packets of the files endless pcap vdevs hold in memory ("--vdev ...,infinite_rx=1"). */
static uint64_t
held_pkts(const struct wm_ealargs *ea, const struct wm_ealargs_host *host)
{
	uint64_t total = 0;
	int i;

	if (host->held_pkts == NULL)
		return 0;
	for (i = 1; i < ea->argc; i++) {
		const char *v = NULL;

		/* An added string that did not fit is NULL: the argv is refused anyway. */
		if (ea->argv[i] == NULL)
			continue;
		if (strcmp(ea->argv[i], "--vdev") == 0 && i + 1 < ea->argc)
			v = ea->argv[++i];
		else if (strncmp(ea->argv[i], "--vdev=", 7) == 0)
			v = ea->argv[i] + 7;
		/* A bad file is reported by the port's setup, with its name. */
		if (v != NULL && strncmp(v, "net_pcap", 8) == 0)
			total += host->held_pkts(v);
	}
	return total;
}

/* Lcores from the command line, else the config's "lcores" as -l, else the host's CPUs. */
static unsigned int
add_lcores(struct wm_ealargs *ea, int argc, char **argv, const struct wm_conf *conf,
	   const struct wm_ealargs_host *host)
{
	static const char *const lcore_opts[] = {"-l", "-c", "--lcores", "-L", NULL};
	unsigned int n;
	char buf[4096];

	if (has_arg(argc, argv, lcore_opts))
		return user_lcores(argc, argv);
	if (conf->lcores != NULL) {
		add(ea, "-l");
		add(ea, conf->lcores);
		return wm_ealargs_count_lcores(conf->lcores);
	}
	n = default_lcores(host, buf, sizeof(buf));
	add(ea, buf);
	return n;
}

/*
 * One --pcap file as a replay port (net_wmreplay, drivers/net/wm_replay):
 * with several workers, one Rx queue each, the port hashing every flow to
 * one of them (at most the port's 16).
 */
static void
add_pcap(struct wm_ealargs *ea, unsigned int i, const char *path, unsigned int lcores)
{
	unsigned int workers = lcores > 1 ? lcores - 1 : 1;
	char buf[4096];
	int n;

	n = snprintf(buf, sizeof(buf), "net_wmreplay_wm%u,file=%s", i, path);
	if (workers > 1 && n > 0 && (size_t)n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t)n, ",queues=%u",
			 workers < WM_EALARGS_REPLAY_MAX_QUEUES ? workers
								: WM_EALARGS_REPLAY_MAX_QUEUES);
	add(ea, "--vdev");
	add(ea, buf);
}

/*
 * The config's "ports" (unless the command line names devices itself),
 * the --pcap files as replay ports, and --no-pci for a replay alone.
 * Returns whether the config's ports were added, or -EINVAL.
 */
/* Does the config name a PCI device among its ports? */
static bool
conf_pci(const struct wm_conf *conf)
{
	unsigned int i;

	for (i = 0; i < conf->n_ports; i++)
		if (wm_conf_port_is_pci(conf->ports[i]))
			return true;
	return false;
}

static int
add_devices(struct wm_ealargs *ea, int argc, char **argv, const struct wm_conf *conf,
	    unsigned int lcores, FILE *msg)
{
	static const char *const pci_opts[] = {"-a",	   "--allow", "-b", "--block",
					       "--no-pci", "--vdev",  NULL};
	static const char *const dev_opts[] = {"-a", "--allow", "--vdev", NULL};
	bool conf_ports = false;
	unsigned int i;

	if (conf->n_ports > 0 && !has_arg(argc, argv, dev_opts)) {
		for (i = 0; i < conf->n_ports; i++) {
			add(ea, wm_conf_port_is_pci(conf->ports[i]) ? "-a" : "--vdev");
			add(ea, conf->ports[i]);
		}
		conf_ports = true;
	}
	for (i = 0; i < conf->n_pcaps; i++) {
		if (strchr(conf->pcaps[i], ',') != NULL) {
			fprintf(msg,
				"wiremeter: error: --pcap %s: a ',' in the file name cannot "
				"be passed to the replay port\n",
				conf->pcaps[i]);
			return -EINVAL;
		}
		add_pcap(ea, i, conf->pcaps[i], lcores);
	}
	/*
	 * A pcap replay alone should not probe the host's PCI devices (the
	 * kernel owns them); naming a device or a vdev keeps EAL's default.
	 * Kernel interfaces (--iface) are the kernel's too: their engines are
	 * vdevs or the in-kernel meter, never a PCI device.
	 */
	if (conf->n_pcaps > 0 && !has_arg(argc, argv, pci_opts) && !conf_ports)
		add(ea, "--no-pci");
	else if (conf->n_ifaces > 0 && !has_arg(argc, argv, pci_opts) && !conf_pci(conf))
		add(ea, "--no-pci");
	return conf_ports;
}

/*
 * In an AddressSanitizer build, ASan's shadow memory covers EAL's default
 * base address (4 GiB), so EAL's memory lands wherever mmap() puts it,
 * among the shared libraries, where a secondary process (dpdk-dumpcap,
 * dpdk-proc-info) cannot map it at the same address. Above the shadow
 * (past 16 TiB) both processes have room.
 */
static void
add_base(struct wm_ealargs *ea, int argc, char **argv, const struct wm_ealargs_host *host)
{
	static const char *const base_opts[] = {"--base-virtaddr", NULL};

	if (host->asan && !has_arg(argc, argv, base_opts))
		add(ea, "--base-virtaddr=0x200000000000");
}

/* MB the user gave EAL: -m N, or the sum of --socket-mem; 0 when not said. */
static uint64_t
user_mb(int argc, char **argv)
{
	uint64_t mb = 0;
	int i;

	for (i = 1; i < argc; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--socket-mem") == 0)
			v = i + 1 < argc ? argv[i + 1] : NULL;
		else if (strncmp(argv[i], "--socket-mem=", 13) == 0)
			v = argv[i] + 13;
		else if (strncmp(argv[i], "-m", 2) == 0)
			v = argv[i] + 2;
		while (v != NULL && *v != '\0') {
			char *end;

			mb += strtoull(v, &end, 10);
			v = *end == ',' ? end + 1 : NULL;
		}
	}
	return mb;
}

/* Most flows (a multiple of 64 k) whose table fits in 'bytes', within the bounds. */
static uint32_t
flows_in(uint64_t bytes)
{
	uint64_t n = bytes / (WM_FLOW_REC_SIZE + WM_FLOW_COLD_SIZE + 64) & ~(uint64_t)0xffff;

	if (n > WM_EALARGS_FLOWS_MAX)
		n = WM_EALARGS_FLOWS_MAX;
	while (n > WM_EALARGS_FLOWS_MIN && wm_flow_table_bytes((uint32_t)n) > bytes)
		n -= 65536;
	return n < WM_EALARGS_FLOWS_MIN ? WM_EALARGS_FLOWS_MIN : (uint32_t)n;
}

/*
 * Flows per worker when the user does not say (wm_ealargs.h): half of
 * what 'avail_mb' leaves after EAL's own 'fixed_mb', split among the
 * workers; without hugepages, capped as 4 KB pages need.
 */
static uint32_t
auto_flows(uint64_t avail_mb, uint64_t fixed_mb, uint64_t workers, bool huge,
	   const struct wm_ealargs_host *host)
{
	uint64_t mb = avail_mb > fixed_mb ? (avail_mb - fixed_mb) / 2 : 0;

	if (!huge) {
		uint64_t cap = host->mem_total_mb / 32;

		if (cap > WM_EALARGS_NOHUGE_FLOW_MB)
			cap = WM_EALARGS_NOHUGE_FLOW_MB;
		if (avail_mb == 0 || mb > cap)
			mb = cap;
	}
	return flows_in((mb << 20) / workers);
}

/*
 * Memory, unless the user sizes it: what the pools, flow tables and rings
 * take, in MB, plus room for EAL; --no-huge -m N when the free hugepages
 * fall short. port.c sizes each pool at about 2 x 1024 descriptors per
 * queue, the lcores' caches and the software RSS rings. Sets
 * ea->flow_capacity.
 */
static void
add_memory(struct wm_ealargs *ea, int argc, char **argv, const struct wm_conf *conf,
	   unsigned int lcores, bool conf_ports, const struct wm_ealargs_host *host)
{
	static const char *const mem_opts[] = {"--no-huge", "-m", "--socket-mem", NULL};
	static const char *const nohuge_opts[] = {"--no-huge", NULL};
	uint64_t workers = lcores > 1 ? lcores - 1 : 1;
	uint64_t ports = conf->n_pcaps + (uint64_t)count_arg(argc, argv, "--vdev") +
			 (uint64_t)count_arg(argc, argv, "-a") + (conf_ports ? conf->n_ports : 0);
	uint64_t per_pool = conf->mbufs
				    ? conf->mbufs
				    : 2048 * workers + 256 * (workers + 2) + 4128 * workers + 2048;
	uint64_t mb = 256, free_mb = host->hugepages_free_mb, n_mbufs, mb_nohuge, pools_mb;
	FILE *msg = host->msg != NULL ? host->msg : stderr;
	bool user = has_arg(argc, argv, mem_opts);
	char buf[64];

	if (ports == 0)
		ports = 1;
	/* --mbufs sizes each pool whole, endless files included (port.c). */
	n_mbufs = ports * per_pool + (conf->mbufs ? 0 : held_pkts(ea, host));
	pools_mb = n_mbufs * 2500 >> 20;
	ea->flow_capacity = conf->flow_capacity;
	if (ea->flow_capacity == 0 && user)
		ea->flow_capacity = auto_flows(user_mb(argc, argv), mb + pools_mb, workers,
					       !has_arg(argc, argv, nohuge_opts), host);
	else if (ea->flow_capacity == 0)
		ea->flow_capacity = auto_flows(free_mb, mb + pools_mb, workers, true, host);
	if (user)
		return;
	mb += wm_flow_table_bytes(ea->flow_capacity) * workers >> 20;
	/*
	 * The capture pool, when a capture is configured at start: a copy of up
	 * to a jumbo frame each (lib/capture), in whole 4 KB pages as without
	 * hugepages; a pool made later by the console fits in what is left.
	 */
	if (conf->capture.file != NULL || conf->capture.history != 0 ||
	    conf->capture.on_loss != NULL) {
		uint64_t copy =
			(conf->capture.snaplen < 9216u ? conf->capture.snaplen : 9216u) + 640;

		mb += (uint64_t)conf->capture.mbufs * ((copy + 4095) & ~4095ull) >> 20;
	}
	/*
	 * An mbuf takes about 2.5 KB in hugepages; in 4 KB pages a mempool
	 * places one per page, as objects may not straddle pages whose IO
	 * addresses are not contiguous.
	 */
	mb_nohuge = mb + (n_mbufs * 4096 >> 20);
	mb += pools_mb;
	if (free_mb >= mb)
		return;
	/* Hugepages fall short even of the smallest table: a table for 4 KB pages. */
	if (conf->flow_capacity == 0) {
		ea->flow_capacity = auto_flows(0, 0, workers, false, host);
		mb_nohuge = 256 + (wm_flow_table_bytes(ea->flow_capacity) * workers >> 20) +
			    (n_mbufs * 4096 >> 20);
	}
	snprintf(buf, sizeof(buf), "-m%lu", (unsigned long)mb_nohuge);
	add(ea, "--no-huge");
	add(ea, buf);
	if (free_mb == 0)
		fprintf(msg, "wiremeter: no hugepages available: running with --no-huge -m %lu\n",
			(unsigned long)mb_nohuge);
	else
		fprintf(msg,
			"wiremeter: %lu MB of hugepages free, about %lu MB needed: running with "
			"--no-huge -m %lu\n",
			(unsigned long)free_mb, (unsigned long)mb, (unsigned long)mb_nohuge);
}

int
wm_ealargs_build(struct wm_ealargs *ea, int argc, char **argv, const struct wm_conf *conf,
		 const struct wm_ealargs_host *host)
{
	FILE *msg = host->msg != NULL ? host->msg : stderr;
	unsigned int lcores;
	int i, conf_ports;

	ea->argc = 0;
	ea->used = 0;
	ea->argv[0] = NULL;
	/* Room for what we add: the pcap vdevs, the config's ports and a handful of options. */
	if (argc > WM_EALARGS_USER_MAX) {
		fprintf(msg, "wiremeter: error: more than %d EAL arguments\n", WM_EALARGS_USER_MAX);
		return -E2BIG;
	}
	for (i = 0; i < argc; i++)
		ea->argv[ea->argc++] = argv[i];
	lcores = add_lcores(ea, argc, argv, conf, host);
	conf_ports = add_devices(ea, argc, argv, conf, lcores, msg);
	if (conf_ports < 0)
		return conf_ports;
	add_base(ea, argc, argv, host);
	add_memory(ea, argc, argv, conf, lcores, conf_ports != 0, host);
	ea->argv[ea->argc] = NULL;
	for (i = argc; i < ea->argc; i++)
		if (ea->argv[i] == NULL) {
			fprintf(msg, "wiremeter: error: the EAL arguments made from the options "
				     "and config are too long\n");
			return -E2BIG;
		}
	return ea->argc;
}
