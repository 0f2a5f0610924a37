/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * Port setup, on the main lcore before any worker starts: queues, RSS,
 * mempools, and which worker polls what.
 */

#include <errno.h>
#include <stdio.h>
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

#include "wm_app.h"

#define POOL_CACHE 256
/* A vdev with more queues than this and no RSS is read on one queue. */
#define MAX_FIXED_QUEUES 16

/*
 * A symmetric Toeplitz key (0x6d5a repeated): the hash of (a, b) equals
 * the hash of (b, a), so both directions of a flow reach one queue.
 */
static uint8_t sym_rss_key[52];

uint64_t
wm_pcap_count_packets(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	pcap_t *p;
	int rc;

	p = pcap_open_offline(path, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "pcap %s: %s", path, ebuf);
		return UINT64_MAX;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errlen, "pcap %s: link type %s is not Ethernet", path,
			 pcap_datalink_val_to_name(pcap_datalink(p)));
		pcap_close(p);
		return UINT64_MAX;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		n++;
	if (rc == PCAP_ERROR)
		/* A truncated last record: the pcap PMD stops at the same place. */
		WM_LOG(WARNING, "pcap %s: %s after %lu packets", path, pcap_geterr(p),
		       (unsigned long)n);
	pcap_close(p);
	return n;
}

int
wm_pcap_args_parse(const char *args, struct wm_pcap_args *pa, char *err, size_t errlen)
{
	char buf[2048], *save = NULL, *kv;

	memset(pa, 0, sizeof(*pa));
	snprintf(buf, sizeof(buf), "%s", args != NULL ? args : "");
	for (kv = strtok_r(buf, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
		if (strncmp(kv, "rx_pcap=", 8) == 0) {
			uint64_t n = wm_pcap_count_packets(kv + 8, err, errlen);

			if (n == UINT64_MAX)
				return -EINVAL;
			pa->file_pkts += n;
			pa->files = true;
		} else if (strncmp(kv, "rx_iface", 8) == 0 || strncmp(kv, "iface=", 6) == 0) {
			pa->live = true;
		} else if (strncmp(kv, "infinite_rx=", 12) == 0) {
			pa->infinite = strcmp(kv + 12, "0") != 0;
		}
	}
	return 0;
}

/*
 * Learn how a port ends and stamps time. A pcap vdev reading files
 * once is a replay: it stamps file time in microseconds, and its end is
 * known by counting the files' packets (the PMD never signals it). An
 * endless replay holds its files in our pool and stamps nothing.
 */
static int
port_classify(struct wm_port *p, const struct rte_eth_dev_info *di, uint64_t *extra_mbufs)
{
	const struct rte_devargs *da = rte_dev_devargs(di->device);
	struct wm_pcap_args pa;
	char err[1200];

	*extra_mbufs = 0;
	if (strcmp(di->driver_name, "net_pcap") != 0)
		return 0;
	if (wm_pcap_args_parse(da != NULL ? da->args : NULL, &pa, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: port %s: %s\n", p->name, err);
		return -EINVAL;
	}
	if (pa.infinite) {
		*extra_mbufs = pa.file_pkts;
		return 0;
	}
	p->ts_mult = 1000; /* file or libpcap live time, in microseconds */
	if (pa.files && !pa.live) {
		p->replay = true;
		p->expected_pkts = pa.file_pkts;
	}
	return 0;
}

static int
port_setup(struct wm_app *app, uint16_t pid)
{
	struct wm_port *p = &app->ports[pid];
	struct rte_eth_conf pconf;
	struct rte_eth_dev_info di;
	uint16_t nb_rxd = (uint16_t)app->conf.rx_descriptors, nb_txd = 0, nq, q;
	unsigned int nw = app->n_workers;
	uint64_t extra = 0, n_mbufs;
	bool rss;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int socket, rc;

	rc = rte_eth_dev_info_get(pid, &di);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u: cannot get device info: %s\n", pid,
			rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(pid, p->name);
	snprintf(p->driver, sizeof(p->driver), "%s", di.driver_name);
	rc = port_classify(p, &di, &extra);
	if (rc != 0)
		return rc;
	socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = 0;

	memset(&pconf, 0, sizeof(pconf));
	nq = 1;
	rss = nw > 1 && di.max_rx_queues >= nw && (di.flow_type_rss_offloads & RTE_ETH_RSS_IP);
	if (rss) {
		/* rx.queues: more queues than workers, dealt round robin (queue i to worker i % nw). */
		nq = (uint16_t)(app->conf.rx_queues != 0 ? app->conf.rx_queues : nw);
		if (nq > di.max_rx_queues) {
			fprintf(stderr,
				"wiremeter: error: port %u (%s): rx.queues %u: the device has %u Rx "
				"queues at most\n",
				pid, p->name, nq, di.max_rx_queues);
			return -EINVAL;
		}
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		pconf.rx_adv_conf.rss_conf.rss_key_len = di.hash_key_size ? di.hash_key_size : 40;
		pconf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			di.flow_type_rss_offloads;
	} else if (di.max_rx_queues > 1 && di.max_rx_queues <= MAX_FIXED_QUEUES &&
		   di.flow_type_rss_offloads == 0) {
		/*
		 * A vdev made with a set of queues and no RSS (several rx_pcap
		 * files, af_packet qpairs, af_xdp queue_count): read them all.
		 */
		nq = di.max_rx_queues;
	}
	p->nb_rxq = nq;
	p->sw_rss = !rss && nw > 1;

	/*
	 * No Tx is needed, but some PMDs pair Rx and Tx queues (af_xdp,
	 * tap): give as many Tx queues to any that has them.
	 */
	if (di.max_tx_queues >= nq)
		nb_txd = 512;
	rc = rte_eth_dev_configure(pid, nq, nb_txd ? nq : 0, &pconf);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u (%s): configure failed: %s\n", pid,
			p->name, rte_strerror(-rc));
		return rc;
	}
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, nb_txd ? &nb_txd : NULL);

	/*
	 * Undersized pools are the usual cause of rx_nombuf: hold every Rx
	 * descriptor twice, every lcore's cache, the software RSS rings and
	 * an endless replay's whole file.
	 */
	n_mbufs = 2ull * nq * nb_rxd + (uint64_t)POOL_CACHE * (rte_lcore_count() + 1) +
		  (p->sw_rss ? (uint64_t)WM_SWRSS_RING_SIZE * nw + WM_BURST * nw : 0) + extra +
		  (nb_txd ? 2ull * nq * nb_txd : 0) + 1024;
	if (app->conf.mbufs != 0) {
		if (app->conf.mbufs < n_mbufs)
			WM_LOG(WARNING, "port %u: --mbufs %u is below the %lu this port needs", pid,
			       app->conf.mbufs, (unsigned long)n_mbufs);
		n_mbufs = app->conf.mbufs;
	}
	snprintf(pname, sizeof(pname), "wm_pool_p%u", pid);
	p->pool = rte_pktmbuf_pool_create(pname, (unsigned int)n_mbufs, POOL_CACHE, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (p->pool == NULL) {
		fprintf(stderr,
			"wiremeter: error: port %u: cannot create a pool of %lu mbufs on socket %d: "
			"%s\n",
			pid, (unsigned long)n_mbufs, socket, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, socket, NULL, p->pool);
		if (rc != 0) {
			fprintf(stderr, "wiremeter: error: port %u: Rx queue %u setup failed: %s\n",
				pid, q, rte_strerror(-rc));
			return rc;
		}
	}
	for (q = 0; nb_txd && q < nq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, socket, NULL);
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

	/*
	 * Give queues to workers: with RSS, queue i to worker i; else every
	 * queue to worker 0, which meters them alone or, with several
	 * workers, deals their packets out (software RSS).
	 */
	for (q = 0; q < nq; q++) {
		struct wm_worker *w = app->workers[rss ? q % nw : 0];

		if (w->n_rxq == WM_MAX_RXQ_PER_WORKER || w->n_dist_q == WM_MAX_RXQ_PER_WORKER) {
			fprintf(stderr,
				"wiremeter: error: port %u: more than %d Rx queues for one "
				"worker\n",
				pid, WM_MAX_RXQ_PER_WORKER);
			return -E2BIG;
		}
		if (p->sw_rss) {
			w->distributor = true;
			w->dist_q[w->n_dist_q++] = (struct wm_rxq){pid, q};
		} else {
			w->rxq[w->n_rxq++] = (struct wm_rxq){pid, q};
		}
	}
	WM_LOG(INFO, "port %u %s (%s): %u Rx queue(s)%s, %lu mbufs", pid, p->name, p->driver, nq,
	       p->sw_rss ? " with software RSS" : "", (unsigned long)n_mbufs);
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
wm_ports_stop(struct wm_app *app)
{
	uint16_t pid;

	RTE_SET_USED(app);
	RTE_ETH_FOREACH_DEV(pid) {
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
}
