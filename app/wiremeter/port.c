/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Port setup, on the main lcore before any worker starts: queues, RSS,
 * mempools, and which worker polls what.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#define WM_LOGTYPE wm_logtype_port

#include "wm_replay.h"
#include "wm_worker.h"

#define POOL_CACHE 256
/* A vdev with more queues than this and no RSS is read on one queue. */
#define MAX_FIXED_QUEUES 16

/*
 * A symmetric Toeplitz key (0x6d5a repeated): the hash of (a, b) equals
 * the hash of (b, a), so both directions of a flow reach one queue.
 */
static uint8_t sym_rss_key[52];

/*
 * Known magics: with another, a file is no capture at all and the user is
 * told its first four bytes rather than libpcap's "unknown file format".
 */
static bool
capture_magic(uint32_t m)
{
	static const uint32_t known[] = {0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34, 0x0a0d0d0a};
	unsigned int i;

	for (i = 0; i < RTE_DIM(known); i++)
		if (m == known[i] || m == __builtin_bswap32(known[i]))
			return true;
	return false;
}

/* Why a capture file cannot be read at all, in one phrase. */
static void
unreadable_why(const char *path, const struct wm_pcapfile_result *r, char *err, size_t errlen)
{
	uint8_t b[4];
	FILE *f = fopen(path, "rb");
	size_t n = f != NULL ? fread(b, 1, sizeof(b), f) : 0;

	if (f != NULL)
		fclose(f);
	if (f != NULL && n == 0)
		snprintf(err, errlen, "%s: the file is empty", path);
	else if (n == sizeof(b) && !capture_magic((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
						  (uint32_t)b[2] << 8 | b[3]))
		snprintf(err, errlen,
			 "%s: not a pcap or pcapng file (unknown magic %02x%02x%02x%02x)", path,
			 b[0], b[1], b[2], b[3]);
	else
		snprintf(err, errlen, "%s: cannot be read as a capture: %s", path, r->error);
}

/* Read a capture file as the pcap PMD will; an error when nothing of it can be read. */
static int
pcap_file_scan(const char *path, struct wm_pcap_file *pf, char *err, size_t errlen)
{
	snprintf(pf->path, sizeof(pf->path), "%s", path);
	if (wm_pcapfile_scan(path, &pf->res) != 0) {
		unreadable_why(path, &pf->res, err, errlen);
		return -EINVAL;
	}
	if (pf->res.linktype != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %s is not Ethernet", path,
			 pcap_datalink_val_to_name(pf->res.linktype));
		return -EINVAL;
	}
	return 0;
}

/* Does a capture file open as Ethernet? Only its header is read. */
static int
pcap_file_check(const char *path, const char *what, char *err, size_t errlen)
{
	struct wm_pcapfile_result r;
	char why[1200];
	int rc = wm_pcapfile_probe(path, &r);

	if (rc == 0 && r.linktype == DLT_EN10MB)
		return 0;
	if (rc != 0)
		unreadable_why(path, &r, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "%s: link type %s is not Ethernet", path,
			 pcap_datalink_val_to_name(r.linktype));
	snprintf(err, errlen, "%s %s", what, why);
	return -EINVAL;
}

/* Check the rx_pcap files of a net_pcap vdev string. */
static int
vdev_files_check(const char *vdev, char *err, size_t errlen)
{
	char buf[2048], what[128], *save = NULL, *kv;
	int rc = 0;

	if (strncmp(vdev, "net_pcap", 8) != 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", vdev);
	kv = strtok_r(buf, ",", &save);
	snprintf(what, sizeof(what), "--vdev %s: rx_pcap", kv != NULL ? kv : vdev);
	for (kv = strtok_r(NULL, ",", &save); kv != NULL && rc == 0;
	     kv = strtok_r(NULL, ",", &save))
		if (strncmp(kv, "rx_pcap=", 8) == 0)
			rc = pcap_file_check(kv + 8, what, err, errlen);
	return rc;
}

int
wm_pcap_inputs_check(const struct wm_conf *conf, int argc, char **argv, char *err, size_t errlen)
{
	unsigned int i;
	int rc = 0;

	/*
	 * --pcap files: the replay port's reader maps each now and checks it;
	 * the port takes the mapping at its probe, so the file is opened once.
	 */
	for (i = 0; rc == 0 && i < conf->n_pcaps; i++) {
		char why[512];

		if (wm_replay_preopen(conf->pcaps[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "--pcap %s: %s", conf->pcaps[i], why);
			rc = -EINVAL;
		}
	}
	for (i = 1; rc == 0 && i < (unsigned int)argc; i++) {
		if (strcmp(argv[i], "--vdev") == 0 && i + 1 < (unsigned int)argc)
			rc = vdev_files_check(argv[++i], err, errlen);
		else if (strncmp(argv[i], "--vdev=", 7) == 0)
			rc = vdev_files_check(argv[i] + 7, err, errlen);
	}
	for (i = 0; rc == 0 && i < conf->n_ports; i++)
		rc = vdev_files_check(conf->ports[i], err, errlen);
	return rc;
}

int
wm_pcap_args_parse(const char *args, struct wm_pcap_args *pa, char *err, size_t errlen)
{
	char buf[2048], *save = NULL, *kv;

	memset(pa, 0, sizeof(*pa));
	snprintf(buf, sizeof(buf), "%s", args != NULL ? args : "");
	for (kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		if (strncmp(kv, "rx_pcap=", 8) == 0) {
			struct wm_pcap_file *pf = &pa->file[pa->n_files];

			if (pa->n_files == WM_PCAP_MAX_FILES) {
				snprintf(err, errlen, "more than %d rx_pcap files",
					 WM_PCAP_MAX_FILES);
				return -EINVAL;
			}
			if (pcap_file_scan(kv + 8, pf, err, errlen) != 0)
				return -EINVAL;
			pa->n_files++;
			pa->file_pkts += pf->res.records;
			pa->file_reads += pf->res.reads;
			pa->files = true;
		} else if (strncmp(kv, "rx_iface", 8) == 0 || strncmp(kv, "iface=", 6) == 0) {
			pa->live = true;
		} else if (strncmp(kv, "infinite_rx=", 12) == 0) {
			pa->infinite = strcmp(kv + 12, "0") != 0;
		}
	}
	return 0;
}

/* Say now what of a port's files cannot be read; the summary says it again. */
static void
port_files_warn(const struct wm_port *p)
{
	char line[1024];
	unsigned int q;

	for (q = 0; q < p->n_files; q++) {
		if (wm_pcapfile_clean(&p->files[q].res))
			continue;
		wm_pcapfile_describe(&p->files[q].res, line, sizeof(line));
		WM_LOG(WARNING, "%s: %s", p->files[q].path, line);
	}
}

/*
 * A replay port (drivers/net/wm_replay) stamps file time in ns and says
 * itself when its files are read (its link goes down): no count is
 * needed. Its files' results are taken at the end (wm_ports_files_update()).
 */
static int
replay_port_classify(struct wm_port *p, uint16_t pid)
{
	int n = wm_replay_file_count(pid), i;

	if (n > 0) {
		p->files = calloc((size_t)n, sizeof(*p->files));
		if (p->files == NULL)
			return -ENOMEM;
		p->n_files = (unsigned int)n;
		for (i = 0; i < n; i++)
			wm_replay_file_result(pid, (unsigned int)i, p->files[i].path,
					      sizeof(p->files[i].path), &p->files[i].res);
	}
	p->replay = true;
	p->self_ending = true;
	p->ts_mult = 1;
	return 0;
}

/*
 * Learn how a port ends and stamps time. A pcap vdev (net_pcap) reading
 * files once is a replay: it stamps file time in microseconds, and its
 * end is known by reading the files first (that PMD never signals it):
 * each queue delivers its file's readable records and the port counts
 * the reads that deliver them. An endless replay holds its files in our
 * pool and stamps nothing. --pcap uses the replay port, which needs none
 * of this (replay_port_classify()).
 */
static int
port_classify(struct wm_port *p, const struct rte_eth_dev_info *di, uint64_t *extra_mbufs)
{
	const struct rte_devargs *da = rte_dev_devargs(di->device);
	struct wm_pcap_args pa;
	char err[1200];

	*extra_mbufs = 0;
	if (wm_replay_is_port(p->port_id))
		return replay_port_classify(p, p->port_id);
	if (strcmp(di->driver_name, "net_pcap") != 0)
		return 0;
	if (wm_pcap_args_parse(da != NULL ? da->args : NULL, &pa, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: port %s: %s\n", p->name, err);
		return -EINVAL;
	}
	if (pa.n_files > 0) {
		p->files = calloc(pa.n_files, sizeof(*p->files));
		if (p->files == NULL)
			return -ENOMEM;
		memcpy(p->files, pa.file, pa.n_files * sizeof(*p->files));
		p->n_files = pa.n_files;
	}
	port_files_warn(p);
	if (pa.infinite) {
		*extra_mbufs = pa.file_pkts;
		return 0;
	}
	p->ts_mult = 1000; /* file or libpcap live time, in microseconds */
	if (pa.files && !pa.live) {
		p->replay = true;
		p->expected_pkts = pa.file_reads;
	}
	return 0;
}

/*
 * Give a port's queues to workers: with RSS, queue i to worker i % nw;
 * else every queue to worker 0, which meters them alone or, with several
 * workers, deals their packets out (software RSS): then worker 0 gets a
 * distributor, which owns those queues.
 */
static int
queues_give(struct wm_app *app, uint16_t pid, bool rss)
{
	const struct wm_port *p = &app->ports[pid];
	uint16_t q;

	for (q = 0; q < p->nb_rxq; q++) {
		struct wm_worker *w = app->workers[rss ? q % app->n_workers : 0];
		/* A net_pcap file's queue stops at its last readable record. */
		uint64_t left = p->replay && !p->self_ending && q < p->n_files
					? p->files[q].res.records
					: UINT64_MAX;
		struct wm_rxq rq = {
			.port = pid, .queue = q, .left = left, .port_clock = p->self_ending};

		if (w->n_rxq == WM_MAX_RXQ_PER_WORKER ||
		    (w->dist != NULL && w->dist->n_q == WM_MAX_RXQ_PER_WORKER)) {
			fprintf(stderr,
				"wiremeter: error: port %u: more than %d Rx queues for one "
				"worker\n",
				pid, WM_MAX_RXQ_PER_WORKER);
			return -E2BIG;
		}
		if (!p->sw_rss) {
			w->rxq[w->n_rxq++] = rq;
			continue;
		}
		if (w->dist == NULL) {
			w->dist = wm_distributor_create(w->socket_id);
			if (w->dist == NULL) {
				fprintf(stderr,
					"wiremeter: error: out of memory for software RSS\n");
				return -ENOMEM;
			}
		}
		w->dist->q[w->dist->n_q++] = rq;
	}
	return 0;
}

/* What port_setup()'s steps learn, in order, and hand on. */
struct port_plan {
	struct rte_eth_dev_info di;
	uint64_t extra_mbufs; /* an endless replay's files, held in the pool */
	uint64_t n_mbufs;     /* the pool's size */
	uint16_t nb_rxd;      /* Rx descriptors per queue */
	uint16_t nb_txd;      /* Tx descriptors per queue; 0: no Tx queues */
	int socket;	      /* the device's NUMA socket, 0 when unknown */
	bool rss;	      /* the device spreads flows over the workers' queues */
};

/* The device's info, name, driver, kind (port_classify()) and socket. */
static int
port_identify(struct wm_app *app, uint16_t pid, struct port_plan *pl)
{
	struct wm_port *p = &app->ports[pid];
	int rc;

	rc = rte_eth_dev_info_get(pid, &pl->di);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u: cannot get device info: %s\n", pid,
			rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(pid, p->name);
	p->port_id = pid;
	snprintf(p->driver, sizeof(p->driver), "%s", pl->di.driver_name);
	rc = port_classify(p, &pl->di, &pl->extra_mbufs);
	if (rc != 0)
		return rc;
	pl->socket = rte_eth_dev_socket_id(pid);
	if (pl->socket < 0)
		pl->socket = 0;
	return 0;
}

/*
 * How many Rx queues, and RSS or not: sets p->nb_rxq, p->sw_rss,
 * pl->rss and the RSS part of @p pconf (zeroed by the caller).
 */
static int
port_rx_mode(struct wm_app *app, uint16_t pid, struct port_plan *pl, struct rte_eth_conf *pconf)
{
	const struct rte_eth_dev_info *di = &pl->di;
	struct wm_port *p = &app->ports[pid];
	unsigned int nw = app->n_workers;
	uint16_t nq = 1;

	pl->rss =
		nw > 1 && di->max_rx_queues >= nw && (di->flow_type_rss_offloads & RTE_ETH_RSS_IP);
	if (pl->rss) {
		/* rx.queues: more queues than workers, dealt round robin (queue i to worker i % nw). */
		nq = (uint16_t)(app->conf.rx_queues != 0 ? app->conf.rx_queues : nw);
		if (nq > di->max_rx_queues) {
			fprintf(stderr,
				"wiremeter: error: port %u (%s): rx.queues %u: the device has %u Rx "
				"queues at most\n",
				pid, p->name, nq, di->max_rx_queues);
			return -EINVAL;
		}
		pconf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf->rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		pconf->rx_adv_conf.rss_conf.rss_key_len =
			di->hash_key_size ? di->hash_key_size : 40;
		pconf->rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			di->flow_type_rss_offloads;
	} else if (di->max_rx_queues > 1 && di->max_rx_queues <= MAX_FIXED_QUEUES &&
		   di->flow_type_rss_offloads == 0) {
		/*
		 * A vdev made with a set of queues and no RSS (several rx_pcap
		 * files, af_packet qpairs, af_xdp queue_count): read them all.
		 */
		nq = di->max_rx_queues;
	}
	p->nb_rxq = nq;
	p->sw_rss = !pl->rss && nw > 1;
	return 0;
}

/* rte_eth_dev_configure() with the Rx mode, and the descriptor counts the device takes. */
static int
port_configure(struct wm_app *app, uint16_t pid, struct port_plan *pl)
{
	struct wm_port *p = &app->ports[pid];
	struct rte_eth_conf pconf;
	uint16_t nq;
	int rc;

	memset(&pconf, 0, sizeof(pconf));
	rc = port_rx_mode(app, pid, pl, &pconf);
	if (rc != 0)
		return rc;
	nq = p->nb_rxq;
	/*
	 * No Tx is needed, but some PMDs pair Rx and Tx queues (af_xdp,
	 * tap): give as many Tx queues to any that has them.
	 */
	pl->nb_rxd = (uint16_t)app->conf.rx_descriptors;
	pl->nb_txd = pl->di.max_tx_queues >= nq ? 512 : 0;
	rc = rte_eth_dev_configure(pid, nq, pl->nb_txd ? nq : 0, &pconf);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u (%s): configure failed: %s\n", pid,
			p->name, rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &pl->nb_rxd, pl->nb_txd ? &pl->nb_txd : NULL);
	return 0;
}

/* The port's mbuf pool: sized from the queues, or --mbufs. */
static int
port_pool(struct wm_app *app, uint16_t pid, struct port_plan *pl)
{
	struct wm_port *p = &app->ports[pid];
	const uint64_t nq = p->nb_rxq, nw = app->n_workers;
	char pname[RTE_MEMPOOL_NAMESIZE];

	/*
	 * Undersized pools are the usual cause of rx_nombuf: hold every Rx
	 * descriptor twice, every lcore's cache, the software RSS rings and
	 * an endless replay's whole file.
	 */
	pl->n_mbufs = 2ull * nq * pl->nb_rxd + (uint64_t)POOL_CACHE * (rte_lcore_count() + 1) +
		      (p->sw_rss ? (uint64_t)WM_SWRSS_RING_SIZE * nw + WM_BURST * nw : 0) +
		      pl->extra_mbufs + (pl->nb_txd ? 2ull * nq * pl->nb_txd : 0) + 1024;
	if (app->conf.mbufs != 0) {
		if (app->conf.mbufs < pl->n_mbufs)
			WM_LOG(WARNING, "port %u: --mbufs %u is below the %lu this port needs", pid,
			       app->conf.mbufs, (unsigned long)pl->n_mbufs);
		pl->n_mbufs = app->conf.mbufs;
	}
	snprintf(pname, sizeof(pname), "wm_pool_p%u", pid);
	/* A distributor leaves its parse in the mbuf for the worker (struct wm_parsed). */
	p->pool = rte_pktmbuf_pool_create(pname, (unsigned int)pl->n_mbufs, POOL_CACHE,
					  p->sw_rss ? WM_PARSED_PRIV : 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  pl->socket);
	if (p->pool == NULL) {
		fprintf(stderr,
			"wiremeter: error: port %u: cannot create a pool of %lu mbufs on socket %d: "
			"%s\n",
			pid, (unsigned long)pl->n_mbufs, pl->socket, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

/* The Rx (and paired Tx) queues, then start; promiscuous where the PMD has it. */
static int
port_start(struct wm_app *app, uint16_t pid, const struct port_plan *pl)
{
	struct wm_port *p = &app->ports[pid];
	uint16_t q;
	int rc;

	for (q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, pl->nb_rxd, pl->socket, NULL, p->pool);
		if (rc != 0) {
			fprintf(stderr, "wiremeter: error: port %u: Rx queue %u setup failed: %s\n",
				pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	for (q = 0; pl->nb_txd && q < p->nb_rxq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, pl->nb_txd, pl->socket, NULL);
		if (rc != 0) {
			fprintf(stderr, "wiremeter: error: port %u: Tx queue %u setup failed: %s\n",
				pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u (%s): start failed: %s\n", pid, p->name,
			rte_strerror(-rc));
		return rc;
	}
	/* Not every PMD has a promiscuous mode (pcap files): that is fine. */
	rte_eth_promiscuous_enable(pid);
	return 0;
}

/* Identify, configure, pool, start, then give the queues to workers; 0 or a negative errno. */
static int
port_setup(struct wm_app *app, uint16_t pid)
{
	const struct wm_port *p = &app->ports[pid];
	struct port_plan pl = {.extra_mbufs = 0};
	int rc;

	rc = port_identify(app, pid, &pl);
	if (rc == 0)
		rc = port_configure(app, pid, &pl);
	if (rc == 0)
		rc = port_pool(app, pid, &pl);
	if (rc == 0)
		rc = port_start(app, pid, &pl);
	if (rc == 0)
		rc = queues_give(app, pid, pl.rss);
	if (rc != 0)
		return rc;
	WM_LOG(INFO, "port %u %s (%s): %u Rx queue(s)%s, %lu mbufs", pid, p->name, p->driver,
	       p->nb_rxq, p->sw_rss ? " with software RSS" : "", (unsigned long)pl.n_mbufs);
	return 0;
}

int
wm_ports_init(struct wm_app *app)
{
	uint16_t pid;
	unsigned int i, n_replay = 0;
	int rc;

	for (i = 0; i < sizeof(sym_rss_key); i += 2) {
		sym_rss_key[i] = 0x6d;
		sym_rss_key[i + 1] = 0x5a;
	}
	RTE_ETH_FOREACH_DEV(pid) {
		if (pid >= WM_MAX_PORTS)
			break;
		rc = port_setup(app, pid);
		if (rc != 0)
			return rc;
		app->n_ports++;
		if (app->ports[pid].replay)
			n_replay++;
	}
	if (app->n_ports == 0) {
		fprintf(stderr, "wiremeter: error: no ports: bind a NIC with dpdk-devbind.py, or "
				"give --vdev or --pcap\n");
		return -ENODEV;
	}
	app->replay = n_replay == app->n_ports;
	/*
	 * Files read beside live ports cannot set the clock (their time is
	 * the recording's): they are metered on the TSC like the rest.
	 */
	if (!app->replay)
		for (i = 0; i < WM_MAX_PORTS; i++)
			if (app->ports[i].replay)
				app->ports[i].ts_mult = 0;

	/* The pcap PMD registers the Rx timestamp field; others may not. */
	app->ts_dynfield_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	rc = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);
	app->ts_dynflag = (rc >= 0 && app->ts_dynfield_offset >= 0) ? RTE_BIT64(rc) : 0;
	if (app->ts_dynflag == 0)
		for (i = 0; i < WM_MAX_PORTS; i++)
			app->ports[i].ts_mult = 0;
	return 0;
}

void
wm_ports_files_update(struct wm_app *app)
{
	unsigned int q;
	uint16_t pid;

	for (pid = 0; pid < WM_MAX_PORTS; pid++)
		for (q = 0; app->ports[pid].self_ending && q < app->ports[pid].n_files; q++)
			wm_replay_file_result(pid, q, NULL, 0, &app->ports[pid].files[q].res);
}

bool
wm_ports_replay_ended(const struct wm_app *app, uint16_t pid)
{
	return app->ports[pid].self_ending && wm_replay_ended(pid);
}

int
wm_replay_errors(const struct wm_app *app, int argc, char **argv)
{
	char name[64], path[1024], why[512], vdev[256];
	unsigned int i;
	int rc = 0;

	for (i = 0; i < app->conf.n_pcaps; i++) {
		snprintf(name, sizeof(name), "net_wmreplay_wm%u", i);
		if (wm_replay_probe_error(name, path, sizeof(path), why, sizeof(why)) == 0) {
			fprintf(stderr, "wiremeter: error: --pcap %s: %s\n", app->conf.pcaps[i],
				why);
			return -EINVAL;
		}
	}
	for (i = 1; rc == 0 && i < (unsigned int)argc; i++) {
		const char *v = strcmp(argv[i], "--vdev") == 0 && i + 1 < (unsigned int)argc
					? argv[++i]
				: strncmp(argv[i], "--vdev=", 7) == 0 ? argv[i] + 7
								      : NULL;

		if (v == NULL || strncmp(v, WM_REPLAY_DRIVER, strlen(WM_REPLAY_DRIVER)) != 0)
			continue;
		snprintf(vdev, sizeof(vdev), "%.*s", (int)strcspn(v, ","), v);
		if (wm_replay_probe_error(vdev, path, sizeof(path), why, sizeof(why)) == 0) {
			fprintf(stderr, "wiremeter: error: --vdev %s: %s%s%s\n", vdev, path,
				path[0] != '\0' ? ": " : "", why);
			rc = -EINVAL;
		}
	}
	return rc;
}

void
wm_ports_stop(struct wm_app *app)
{
	unsigned int i;
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	/* The workers are done with the queues, and their distributor with them. */
	for (i = 0; i < app->n_workers; i++) {
		wm_distributor_free(app->workers[i]->dist);
		app->workers[i]->dist = NULL;
	}
	for (pid = 0; pid < WM_MAX_PORTS; pid++) {
		free(app->ports[pid].files);
		app->ports[pid].files = NULL;
		app->ports[pid].n_files = 0;
	}
}
