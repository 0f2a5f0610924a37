/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * CUnit suite for lib/ealargs: EAL's argv from a command line, a config
 * (the real wm_conf) and a host given by hand (free hugepages, affinity,
 * ASan), so every vector is exact. The messages go to a memory stream
 * and are checked word for word, as wiremeter prints them.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "wm_cunit.h"
#include "wm_ealargs.h"
#include "wm_flow.h"

#define PLENTY_MB 1000000 /* free hugepages no estimate here reaches */

static struct wm_ealargs ea;
static struct wm_ealargs_host host;
static struct wm_conf conf;
static char *msg_buf;
static size_t msg_len;
static char joined[1 << 16];
static char asked[4096]; /* the vdevs held_pkts() was asked about, ';' after each */

/* An endless pcap vdev holds 256000 packets: 1000 MB more in 4 KB pages. */
static uint64_t
held_pkts(const char *vdev)
{
	strncat(asked, vdev, sizeof(asked) - strlen(asked) - 2);
	strcat(asked, ";");
	return strstr(vdev, "infinite_rx=1") != NULL ? 256000 : 0;
}

/* Before each case: two CPUs (0 and 1), plenty of hugepages, no ASan, the defaults. */
static void
reset(void)
{
	wm_conf_free(&conf);
	wm_conf_defaults(&conf);
	memset(&host, 0, sizeof(host));
	CPU_ZERO(&host.cpus);
	CPU_SET(0, &host.cpus);
	CPU_SET(1, &host.cpus);
	host.max_lcores = 128;
	host.hugepages_free_mb = PLENTY_MB;
	host.held_pkts = held_pkts;
	asked[0] = '\0';
}

/* Build from a space-separated command line ("wm" is argv[0]); the messages land in msg_buf. */
static int
build(const char *line)
{
	static char copy[1 << 16];
	static char *argv[1024];
	int argc = 0, rc;
	char *t, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", line);
	argv[argc++] = (char *)(uintptr_t) "wm";
	for (t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	free(msg_buf);
	msg_buf = NULL;
	host.msg = open_memstream(&msg_buf, &msg_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(host.msg);
	rc = wm_ealargs_build(&ea, argc, argv, &conf, &host);
	fclose(host.msg);
	host.msg = NULL;
	joined[0] = '\0';
	if (rc > 0) {
		int i;

		CU_ASSERT_EQUAL(rc, ea.argc);
		CU_ASSERT_PTR_NULL(ea.argv[rc]);
		for (i = 0; i < rc; i++) {
			strcat(joined, i ? " " : "");
			strcat(joined, ea.argv[i]);
		}
	}
	return rc;
}

/* The whole argv built from line is want, and nothing is said. */
#define EXPECT(line, want)                            \
	do {                                          \
		CU_ASSERT(build(line) > 0);           \
		CU_ASSERT_STRING_EQUAL(joined, want); \
		CU_ASSERT_EQUAL(msg_len, 0);          \
	} while (0)

static void
add_port(const char *dev)
{
	conf.ports[conf.n_ports++] = strdup(dev);
}

static void
add_pcap(const char *path)
{
	conf.pcaps[conf.n_pcaps++] = strdup(path);
}

/* The N of the "-mN" the last build added; 0 when none. */
static unsigned long
nohuge_mb(void)
{
	const char *m = strstr(joined, " --no-huge -m");

	return m != NULL ? strtoul(m + 13, NULL, 10) : 0;
}

static void
t_count_lcores(void)
{
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("0-4"), 5);
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("3"), 1);
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("0,2,4"), 3);
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("0@0,(1-8)@1"), 9);
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("(0-1)@(0-1),2@3"), 3);
	CU_ASSERT_EQUAL(wm_ealargs_count_lcores("all"), 0);
}

/* No lcore option, no config: one lcore per CPU of the affinity set; one CPU gives two. */
static void
t_lcores_affinity(void)
{
	reset();
	EXPECT("", "wm --lcores=0@0,1@1");
	CPU_ZERO(&host.cpus);
	CPU_SET(3, &host.cpus);
	EXPECT("", "wm --lcores=0@3,1@3");
	CPU_SET(0, &host.cpus);
	CPU_SET(5, &host.cpus);
	EXPECT("--file-prefix p1", "wm --file-prefix p1 --lcores=0@0,1@3,2@5");
	host.max_lcores = 2;
	EXPECT("", "wm --lcores=0@0,1@3");
}

/* The command line's lcores win over the config's, which win over the affinity. */
static void
t_lcores_options(void)
{
	static const char *const lines[] = {"-l 0-3",	    "-l0-3",  "--lcores=0-3",
					    "--lcores 0-3", "-c 0xf", "-c F"};
	unsigned long four;
	unsigned int i;

	reset();
	host.hugepages_free_mb = 0;
	conf.lcores = strdup("0-1");
	CU_ASSERT(build("-l 0-3") > 0);
	four = nohuge_mb();
	CU_ASSERT_NOT_EQUAL(strstr(joined, "wm -l 0-3 --no-huge -m"), NULL);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CU_ASSERT(build(lines[i]) > 0);
		CU_ASSERT_EQUAL(strncmp(joined + 3, lines[i], strlen(lines[i])), 0);
		CU_ASSERT_EQUAL(nohuge_mb(), four); /* three workers' flow tables and pools */
	}
	/* The config's lcores as -l, counted the same way. */
	free(conf.lcores);
	conf.lcores = strdup("0-3");
	CU_ASSERT(build("") > 0);
	CU_ASSERT_NOT_EQUAL(strstr(joined, "wm -l 0-3 --no-huge -m"), NULL);
	CU_ASSERT_EQUAL(nohuge_mb(), four);
	/* Fewer workers, less memory. */
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT(nohuge_mb() < four);
}

/* The config's ports as -a (PCI) or --vdev, unless the command line names devices. */
static void
t_ports(void)
{
	reset();
	add_port("0000:01:00.0");
	add_port("net_null0");
	EXPECT("", "wm --lcores=0@0,1@1 -a 0000:01:00.0 --vdev net_null0");
	EXPECT("-b 0000:02:00.0", "wm -b 0000:02:00.0 --lcores=0@0,1@1 -a 0000:01:00.0 "
				  "--vdev net_null0");
	EXPECT("-a 0000:03:00.0", "wm -a 0000:03:00.0 --lcores=0@0,1@1");
	EXPECT("--allow=0000:03:00.0", "wm --allow=0000:03:00.0 --lcores=0@0,1@1");
	EXPECT("--vdev net_tap0", "wm --vdev net_tap0 --lcores=0@0,1@1");
	EXPECT("--vdev=net_tap0", "wm --vdev=net_tap0 --lcores=0@0,1@1");
}

/* --pcap files become replay ports; --no-pci only when they are all the run reads. */
static void
t_pcaps(void)
{
	reset();
	add_pcap("a.pcap");
	add_pcap("/tmp/b c.pcap");
	EXPECT("-l 0-1", "wm -l 0-1 --vdev net_wmreplay_wm0,file=a.pcap --vdev "
			 "net_wmreplay_wm1,file=/tmp/b c.pcap --no-pci");
	EXPECT("--no-pci -l 0-1", "wm --no-pci -l 0-1 --vdev net_wmreplay_wm0,file=a.pcap --vdev "
				  "net_wmreplay_wm1,file=/tmp/b c.pcap");
	EXPECT("-b 0000:00:01.0 -l 0-1", "wm -b 0000:00:01.0 -l 0-1 --vdev "
					 "net_wmreplay_wm0,file=a.pcap --vdev "
					 "net_wmreplay_wm1,file=/tmp/b c.pcap");
	EXPECT("--vdev net_null0 -l 0-1", "wm --vdev net_null0 -l 0-1 --vdev "
					  "net_wmreplay_wm0,file=a.pcap --vdev "
					  "net_wmreplay_wm1,file=/tmp/b c.pcap");
	add_port("net_null1");
	EXPECT("-l 0-1", "wm -l 0-1 --vdev net_null1 --vdev net_wmreplay_wm0,file=a.pcap --vdev "
			 "net_wmreplay_wm1,file=/tmp/b c.pcap");
	/* No pcap, no --no-pci. */
	reset();
	EXPECT("-l 0-1", "wm -l 0-1");
}

/* A replay port has one Rx queue per worker, up to its 16, when there are several. */
static void
t_pcap_queues(void)
{
	reset();
	add_pcap("a.pcap");
	EXPECT("-l 0-2", "wm -l 0-2 --vdev net_wmreplay_wm0,file=a.pcap,queues=2 --no-pci");
	EXPECT("-l 0-1", "wm -l 0-1 --vdev net_wmreplay_wm0,file=a.pcap --no-pci");
	EXPECT("-l 0", "wm -l 0 --vdev net_wmreplay_wm0,file=a.pcap --no-pci");
	EXPECT("-l 0-40", "wm -l 0-40 --vdev net_wmreplay_wm0,file=a.pcap,queues=16 --no-pci");
}

/* vdev arguments split at ',': such a file name is refused, by name. */
static void
t_pcap_comma(void)
{
	reset();
	add_pcap("ok.pcap");
	add_pcap("a,b.pcap");
	CU_ASSERT_EQUAL(build("-l 0-1"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(msg_buf, "wiremeter: error: --pcap a,b.pcap: a ',' in the file name "
					"cannot be passed to the replay port\n");
}

/* Memory: nothing with enough hugepages or a user's size; --no-huge -m N and why otherwise. */
static void
t_memory(void)
{
	static const char *const sized[] = {"-m 512", "-m512", "--socket-mem=512", "--no-huge"};
	unsigned long needed, n4k;
	char want[256];
	unsigned int i;

	reset();
	EXPECT("-l 0-1", "wm -l 0-1");
	host.hugepages_free_mb = 0;
	CU_ASSERT(build("-l 0-1") > 0);
	n4k = nohuge_mb();
	CU_ASSERT(n4k > 256);
	snprintf(want, sizeof(want), "wm -l 0-1 --no-huge -m%lu", n4k);
	CU_ASSERT_STRING_EQUAL(joined, want);
	snprintf(want, sizeof(want),
		 "wiremeter: no hugepages available: running with --no-huge -m %lu\n", n4k);
	CU_ASSERT_STRING_EQUAL(msg_buf, want);
	/* Some hugepages, too few: the message says how many are free and needed. */
	host.hugepages_free_mb = 100;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), n4k);
	CU_ASSERT_EQUAL(sscanf(msg_buf, "wiremeter: 100 MB of hugepages free, about %lu MB needed",
			       &needed),
			1);
	snprintf(want, sizeof(want),
		 "wiremeter: 100 MB of hugepages free, about %lu MB needed: running with "
		 "--no-huge -m %lu\n",
		 needed, n4k);
	CU_ASSERT_STRING_EQUAL(msg_buf, want);
	/* An mbuf takes less in hugepages than a 4 KB page of its own. */
	CU_ASSERT(needed > 100 && needed < n4k);
	/* Exactly enough is enough; one MB short is not. */
	host.hugepages_free_mb = needed;
	EXPECT("-l 0-1", "wm -l 0-1");
	host.hugepages_free_mb = needed - 1;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), n4k);
	/* The user's own size stands, hugepages or not. */
	host.hugepages_free_mb = 0;
	for (i = 0; i < sizeof(sized) / sizeof(sized[0]); i++) {
		snprintf(want, sizeof(want), "wm %s -l 0-1", sized[i]);
		EXPECT(want + 3, want);
	}
}

/* Each port is a pool: more ports, more memory; a pcap counts as a port. */
static void
t_memory_ports(void)
{
	unsigned long one, two;

	reset();
	host.hugepages_free_mb = 0;
	CU_ASSERT(build("-l 0-1") > 0);
	one = nohuge_mb();
	CU_ASSERT(build("-l 0-1 -a 0000:01:00.0") > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), one);
	CU_ASSERT(build("-l 0-1 -a 0000:01:00.0 --vdev net_null0") > 0);
	two = nohuge_mb();
	CU_ASSERT(two > one);
	add_pcap("a.pcap");
	CU_ASSERT(build("-l 0-1 -a 0000:01:00.0") > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), two);
	add_port("net_null1");
	CU_ASSERT(build("-l 0-1") > 0); /* the config's port and the pcap */
	CU_ASSERT_EQUAL(nohuge_mb(), two);
}

/* --mbufs sizes each pool: the estimate follows it, and endless files are in it already. */
static void
t_mbufs(void)
{
	static const char *const endless = "-l 0-1 --vdev net_pcap0,rx_pcap=x.pcap,infinite_rx=1";
	unsigned long m1, m2;

	reset();
	host.hugepages_free_mb = 0;
	conf.mbufs = 256 * 1024; /* 1024 MB in 4 KB pages */
	CU_ASSERT(build("-l 0-1") > 0);
	m1 = nohuge_mb();
	conf.mbufs = 512 * 1024;
	CU_ASSERT(build("-l 0-1") > 0);
	m2 = nohuge_mb();
	CU_ASSERT_EQUAL(m2 - m1, 1024);
	CU_ASSERT(build(endless) > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), m2);
	CU_ASSERT_STRING_EQUAL(asked, ""); /* not even asked */
}

/* Without --mbufs the packets endless pcap vdevs hold are added, the config's ports too. */
static void
t_endless(void)
{
	unsigned long base, once;

	reset();
	host.hugepages_free_mb = 0;
	CU_ASSERT(build("-l 0-1 --vdev net_pcap0,rx_pcap=x.pcap") > 0);
	base = nohuge_mb();
	CU_ASSERT_STRING_EQUAL(asked, "net_pcap0,rx_pcap=x.pcap;");
	asked[0] = '\0';
	CU_ASSERT(build("-l 0-1 --vdev=net_pcap0,rx_pcap=x.pcap,infinite_rx=1") > 0);
	once = nohuge_mb();
	CU_ASSERT_EQUAL(once - base, 1000);
	CU_ASSERT_STRING_EQUAL(asked, "net_pcap0,rx_pcap=x.pcap,infinite_rx=1;");
	/* A config port is counted like a command line one. */
	asked[0] = '\0';
	add_port("net_pcap1,rx_pcap=y.pcap,infinite_rx=1");
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_STRING_EQUAL(asked, "net_pcap1,rx_pcap=y.pcap,infinite_rx=1;");
	CU_ASSERT_EQUAL(nohuge_mb(), once);
	/* Other devices are not pcap vdevs: not asked. */
	asked[0] = '\0';
	CU_ASSERT(build("-l 0-1 --vdev net_null0 -a 0000:01:00.0") > 0);
	CU_ASSERT_STRING_EQUAL(asked, "");
	/* With no way to ask, nothing is added. */
	host.held_pkts = NULL;
	CU_ASSERT(build("-l 0-1 --vdev=net_pcap0,rx_pcap=x.pcap,infinite_rx=1") > 0);
	CU_ASSERT_EQUAL(nohuge_mb(), base);
}

/* --base-virtaddr above ASan's shadow, in an ASan build only, unless the user gave one. */
static void
t_asan(void)
{
	struct wm_ealargs_host probed;

	reset();
	add_pcap("a.pcap");
	host.asan = true;
	EXPECT("-l 0-1", "wm -l 0-1 --vdev net_wmreplay_wm0,file=a.pcap --no-pci "
			 "--base-virtaddr=0x200000000000");
	EXPECT("--base-virtaddr=0x100000000 -l 0-1",
	       "wm --base-virtaddr=0x100000000 -l 0-1 "
	       "--vdev net_wmreplay_wm0,file=a.pcap --no-pci");
	host.hugepages_free_mb = 0;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_NOT_EQUAL(strstr(joined, "--no-pci --base-virtaddr=0x200000000000 --no-huge -m"),
			    NULL);
	host.asan = false;
	host.hugepages_free_mb = PLENTY_MB;
	EXPECT("-l 0-1", "wm -l 0-1 --vdev net_wmreplay_wm0,file=a.pcap --no-pci");
	/* The probe tells what this build is. */
	memset(&probed, 0, sizeof(probed));
	wm_ealargs_host_probe(&probed);
	CU_ASSERT_EQUAL(probed.asan, WM_EALARGS_ASAN != 0);
	CU_ASSERT(CPU_COUNT(&probed.cpus) >= 1);
	CU_ASSERT_PTR_EQUAL(probed.msg, stderr);
}

/* Room is kept for what is added: too many user arguments, or added strings, are refused. */
static void
t_e2big(void)
{
	static char line[WM_EALARGS_USER_MAX * 3 + 1];
	char want[128];
	size_t len = 0;
	int i;

	reset();
	for (i = 1; i < WM_EALARGS_USER_MAX; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s-v", i > 1 ? " " : "");
	CU_ASSERT_EQUAL(build(line), WM_EALARGS_USER_MAX + 1);
	CU_ASSERT_STRING_EQUAL(ea.argv[WM_EALARGS_USER_MAX], "--lcores=0@0,1@1");
	snprintf(line + len, sizeof(line) - len, " -v");
	CU_ASSERT_EQUAL(build(line), -E2BIG);
	snprintf(want, sizeof(want), "wiremeter: error: more than %d EAL arguments\n",
		 WM_EALARGS_USER_MAX);
	CU_ASSERT_STRING_EQUAL(msg_buf, want);
	/* A config "lcores" longer than the arena. */
	conf.lcores = malloc(WM_EALARGS_ARENA + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(conf.lcores);
	memset(conf.lcores, '1', WM_EALARGS_ARENA);
	conf.lcores[WM_EALARGS_ARENA] = '\0';
	/* The memory estimate walks the argv with the string that did not fit in it. */
	host.hugepages_free_mb = 0;
	add_pcap("a.pcap");
	CU_ASSERT_EQUAL(build(""), -E2BIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg_buf, "wiremeter: error: the EAL arguments made from the "
					       "options and config are too long\n"));
}

/* The hugetlbfs mount and /proc/meminfo's free pages, as files the test writes. */
static void
t_hugepages_files(void)
{
	char dir[] = "/tmp/wm_ealargs.XXXXXX", mounts[64], meminfo[64];
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(mounts, sizeof(mounts), "%s/mounts", dir);
	snprintf(meminfo, sizeof(meminfo), "%s/meminfo", dir);
	f = fopen(meminfo, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("MemTotal:        8000000 kB\nHugePages_Total:     512\nHugePages_Free:      "
	      "300\nHugepagesize:       2048 kB\n",
	      f);
	fclose(f);
	f = fopen(mounts, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("proc /proc proc rw 0 0\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(wm_ealargs_hugepages_free_mb(mounts, meminfo), 0);
	f = fopen(mounts, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(wm_ealargs_hugepages_free_mb(mounts, meminfo), 600);
	unlink(meminfo);
	CU_ASSERT_EQUAL(wm_ealargs_hugepages_free_mb(mounts, meminfo), 0);
	unlink(mounts);
	CU_ASSERT_EQUAL(wm_ealargs_hugepages_free_mb(mounts, meminfo), 0);
	rmdir(dir);
}

/* A vector and its message as main.c's build_eal_args() made them before the move, to the byte. */
#define EXPECT_SAID(line, want, said)                  \
	do {                                           \
		CU_ASSERT(build(line) > 0);            \
		CU_ASSERT_STRING_EQUAL(joined, want);  \
		CU_ASSERT_STRING_EQUAL(msg_buf, said); \
	} while (0)

static void
t_vectors(void)
{
	reset();
	host.hugepages_free_mb = 928;
	conf.flow_capacity =
		262144; /* the old default: a table sized from memory is t_flows_auto */
	add_port("0000:01:00.0");
	add_port("net_pcap0,rx_pcap=x.pcap,infinite_rx=1");
	EXPECT_SAID("--lcores=0@0,(1-8)@1",
		    "wm --lcores=0@0,(1-8)@1 -a 0000:01:00.0 --vdev "
		    "net_pcap0,rx_pcap=x.pcap,infinite_rx=1 --no-huge -m2058",
		    "wiremeter: 928 MB of hugepages free, about 1503 MB needed: running with "
		    "--no-huge -m 2058\n");
	reset();
	host.hugepages_free_mb = 928;
	conf.flow_capacity = 262144;
	conf.lcores = strdup("0-1");
	add_port("net_pcap0,rx_pcap=x.pcap,infinite_rx=1");
	add_port("0000:02:00.1");
	add_pcap("a.pcap");
	EXPECT_SAID("",
		    "wm -l 0-1 --vdev net_pcap0,rx_pcap=x.pcap,infinite_rx=1 -a 0000:02:00.1 "
		    "--vdev net_wmreplay_wm0,file=a.pcap --no-huge -m1408",
		    "wiremeter: 928 MB of hugepages free, about 977 MB needed: running with "
		    "--no-huge -m 1408\n");
	reset();
	host.hugepages_free_mb = 928;
	conf.flow_capacity = 262144;
	EXPECT_SAID("--vdev=net_pcap9,rx_pcap=y,infinite_rx=1 -a 0000:01:00.0",
		    "wm --vdev=net_pcap9,rx_pcap=y,infinite_rx=1 -a 0000:01:00.0 "
		    "--lcores=0@0,1@1 --no-huge -m1373",
		    "wiremeter: 928 MB of hugepages free, about 956 MB needed: running with "
		    "--no-huge -m 1373\n");
}

/*
 * Without --flow-capacity the table takes half of what the hugepages
 * leave after the rest; without hugepages a 32nd of the RAM, at most
 * WM_EALARGS_NOHUGE_FLOW_MB; never fewer than WM_EALARGS_FLOWS_MIN nor
 * more than WM_EALARGS_FLOWS_MAX flows per worker; the user's number wins.
 */
static void
t_flows_auto(void)
{
	uint64_t one, two;

	reset();
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, WM_EALARGS_FLOWS_MAX);
	CU_ASSERT_STRING_EQUAL(joined, "wm -l 0-1");
	/* 768 MB of hugepages, one worker: half of what is left, in a multiple of 64 k flows. */
	host.hugepages_free_mb = 768;
	CU_ASSERT(build("-l 0-1") > 0);
	one = ea.flow_capacity;
	CU_ASSERT_STRING_EQUAL(joined, "wm -l 0-1");
	CU_ASSERT(one >= (1u << 20) && one < WM_EALARGS_FLOWS_MAX);
	CU_ASSERT_EQUAL(one % 65536, 0);
	CU_ASSERT(wm_flow_table_bytes((uint32_t)one) <= (768ull - 256) << 19);
	CU_ASSERT(wm_flow_table_bytes((uint32_t)one + 65536) > (768ull - 256 - 50) << 19);
	/* More than the ceiling allows: the ceiling. */
	host.hugepages_free_mb = 4096;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, WM_EALARGS_FLOWS_MAX);
	host.hugepages_free_mb = 768;
	/* Two workers share it. */
	CU_ASSERT(build("-l 0-2") > 0);
	two = ea.flow_capacity;
	CU_ASSERT(two < one && two >= one / 2 - 65536);
	/* Too few hugepages: 4 KB pages, a 32nd of the RAM (here 128 MB). */
	host.hugepages_free_mb = 100;
	host.mem_total_mb = 4096;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT(strstr(joined, "--no-huge") != NULL);
	CU_ASSERT(wm_flow_table_bytes(ea.flow_capacity) <= 128ull << 20);
	CU_ASSERT(wm_flow_table_bytes(ea.flow_capacity + 65536) > (128ull - 12) << 20);
	/* ... at most WM_EALARGS_NOHUGE_FLOW_MB, and never below the floor. */
	host.mem_total_mb = 1 << 20;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT(wm_flow_table_bytes(ea.flow_capacity) <= (uint64_t)WM_EALARGS_NOHUGE_FLOW_MB
								   << 20);
	CU_ASSERT(ea.flow_capacity > WM_EALARGS_FLOWS_MIN);
	host.mem_total_mb = 1024;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, WM_EALARGS_FLOWS_MIN);
	/* The user's memory: half of what -m leaves. */
	host.hugepages_free_mb = PLENTY_MB;
	CU_ASSERT(build("-l 0-1 -m 768") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, one);
	CU_ASSERT(build("-l 0-1 --socket-mem=384,384") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, one);
	/* ... and in 4 KB pages no more than without hugepages. */
	host.mem_total_mb = 16384;
	CU_ASSERT(build("-l 0-1 --no-huge -m 4096") > 0);
	CU_ASSERT(wm_flow_table_bytes(ea.flow_capacity) <= 256ull << 20);
	/* The user's number stands, whatever the memory. */
	conf.flow_capacity = 1000;
	CU_ASSERT(build("-l 0-1") > 0);
	CU_ASSERT_EQUAL(ea.flow_capacity, 1000);
}

static int
suite_clean(void)
{
	wm_conf_free(&conf);
	free(msg_buf);
	return 0;
}

int
main(void)
{
	static const struct wm_test tests[] = {
		WM_TEST(t_count_lcores), WM_TEST(t_lcores_affinity), WM_TEST(t_lcores_options),
		WM_TEST(t_ports),	 WM_TEST(t_pcaps),	     WM_TEST(t_pcap_queues),
		WM_TEST(t_pcap_comma),	 WM_TEST(t_memory),	     WM_TEST(t_memory_ports),
		WM_TEST(t_mbufs),	 WM_TEST(t_endless),	     WM_TEST(t_asan),
		WM_TEST(t_e2big),	 WM_TEST(t_hugepages_files), WM_TEST(t_vectors),
		WM_TEST(t_flows_auto),
	};

	wm_conf_defaults(&conf);
	return wm_cunit_run("ealargs", NULL, suite_clean, tests, sizeof(tests) / sizeof(tests[0]));
}
