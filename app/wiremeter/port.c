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

#include "wm_app.h"

#define RX_DESC_DEFAULT 1024
#define POOL_CACHE 256

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

/* Value of key=VALUE in a devargs string such as "rx_pcap=x.pcap,infinite_rx=1". */
static bool
devarg_get(const char *args, const char *key, char *val, size_t len)
{
	size_t kl = strlen(key);
	const char *p = args;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
			size_t vl = n - kl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(val, p + kl + 1, vl);
			val[vl] = '\0';
			return true;
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

/*
 * Learn how a port ends and stamps time. A pcap vdev reading a file
 * once is a replay: it stamps file time in microseconds, and its end is
 * known by counting the file's packets (the PMD never signals it).
 */
static int
port_classify(struct wm_port *p, const struct rte_eth_dev_info *di, uint64_t *extra_mbufs)
{
	const struct rte_devargs *da = rte_dev_devargs(di->device);
	const char *args = da != NULL ? da->args : NULL;
	char file[1024], inf[16], err[1200];

	*extra_mbufs = 0;
	if (strcmp(di->driver_name, "net_pcap") != 0)
		return 0;
	if (args == NULL || !devarg_get(args, "rx_pcap", file, sizeof(file))) {
		p->ts_mult = 1000; /* a live interface through libpcap */
		return 0;
	}
	p->expected_pkts = wm_pcap_count_packets(file, err, sizeof(err));
	if (p->expected_pkts == UINT64_MAX) {
		fprintf(stderr, "wiremeter: error: port %s: %s\n", p->name, err);
		return -EINVAL;
	}
	if (devarg_get(args, "infinite_rx", inf, sizeof(inf)) && strcmp(inf, "0") != 0) {
		/* The PMD copies the whole file into mbufs of our pool, and stamps nothing. */
		*extra_mbufs = p->expected_pkts;
		return 0;
	}
	p->replay = true;
	p->ts_mult = 1000;
	return 0;
}

static int
port_setup(struct wm_app *app, uint16_t pid)
{
	struct wm_port *p = &app->ports[pid];
	struct rte_eth_conf pconf;
	struct rte_eth_dev_info di;
	uint16_t nb_rxd = RX_DESC_DEFAULT, nb_txd = 0, nq, q;
	unsigned int nw = app->n_workers;
	uint64_t extra = 0, n_mbufs;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int socket, rc;

	rc = rte_eth_dev_info_get(pid, &di);
	if (rc != 0) {
		fprintf(stderr, "wiremeter: error: port %u: cannot get device info: %s\n", pid,
			rte_strerror(-rc));
		return rc;
	}
	p->used = true;
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
	if (nw > 1 && di.max_rx_queues >= nw && (di.flow_type_rss_offloads & RTE_ETH_RSS_IP)) {
		nq = (uint16_t)nw;
		pconf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pconf.rx_adv_conf.rss_conf.rss_key = sym_rss_key;
		pconf.rx_adv_conf.rss_conf.rss_key_len = di.hash_key_size ? di.hash_key_size : 40;
		pconf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			di.flow_type_rss_offloads;
	}
	p->nb_rxq = nq;
	p->sw_rss = nq == 1 && nw > 1;

	rc = rte_eth_dev_configure(pid, nq, 0, &pconf);
	if (rc != 0) {
		/* Some PMDs want a Tx queue (af_xdp pairs them): give them one. */
		nb_txd = 512;
		rc = rte_eth_dev_configure(pid, nq, 1, &pconf);
	}
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
		  (nb_txd ? 2ull * nb_txd : 0) + 1024;
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
	if (nb_txd) {
		rc = rte_eth_tx_queue_setup(pid, 0, nb_txd, socket, NULL);
		if (rc != 0) {
			fprintf(stderr, "wiremeter: error: port %u: Tx queue setup failed: %s\n",
				pid, rte_strerror(-rc));
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

	/* Give queues to workers: queue i to worker i, or all to the distributor. */
	if (nq == 1) {
		struct wm_worker *w = app->workers[0];

		if (p->sw_rss) {
			w->distributor = true;
			w->dist_q[w->n_dist_q++] = (struct wm_rxq){pid, 0};
		} else {
			w->rxq[w->n_rxq++] = (struct wm_rxq){pid, 0};
		}
	} else {
		for (q = 0; q < nq; q++) {
			struct wm_worker *w = app->workers[q];

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
