/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_REPLAY_H
#define WM_REPLAY_H

/**
 * @file
 * The replay port (net_wmreplay): a vdev that reads pcap and pcapng files
 * in place, for any DPDK application.
 *
 *   --vdev 'net_wmreplay0,file=a.pcap,file=b.pcapng,queues=2,loop=1,pace=x2'
 *
 * - file=PATH, once or more: the files are mapped once (mmap) and merged
 *   in time order (a tie goes to the file named first).
 * - queues=N (1..16): the port computes a symmetric hash of each packet
 *   (IPv4/IPv6 addresses, protocol, and TCP/UDP/SCTP ports unless it is a
 *   fragment; else the Ethernet addresses), so both directions of a flow
 *   reach one queue; the hash is in mbuf->hash.rss (RTE_MBUF_F_RX_RSS_HASH).
 * - loop=N: read the files N times (default 1; 0 for ever). Each pass is
 *   shifted in time by the span of the files plus their mean packet gap,
 *   so time keeps going forward.
 * - pace=recorded | xF | Npps: hand packets out no earlier than the
 *   recording's own times (recorded), F times as fast (x2, x0.5), or at N
 *   packets per second over the port; default: as fast as asked.
 *
 * Packets: an Ethernet frame is handed out in place, in an mbuf from the
 * queue's pool attached to the mapping (rte_pktmbuf_attach_extbuf): no
 * byte is copied, and the mapping lives until the last such mbuf is freed.
 * From its open until its close, each file has a thread of its own
 * ("wm-replay-touch") that reads one byte of each page of the mapping,
 * once, front to back: the first read of a page costs a fault (and, on a
 * VM with shadow page tables, microseconds even after MAP_POPULATE), paid
 * there rather than on the Rx path.
 * A frame of another link type (LINUX_SLL, LINUX_SLL2, RAW, IPV4, IPV6,
 * NULL, LOOP, PPP, PPP_HDLC) is handed out with a synthesised Ethernet
 * header (destination 00:00:00:00:00:00, source the cooked header's
 * 6-byte address or zero, EtherType the cooked header's protocol, or that
 * of the IP version, BSD address family or PPP protocol) in its first
 * segment, which is copied; the rest of its bytes stay in place. PPP:
 * the address and control bytes (FF 03, or Cisco's 0F/8F 00) and the
 * protocol field (one or two bytes, RFC 1661) are replaced by the header
 * for IPv4 (0x0021: 0x0800), IPv6 (0x0057: 0x86DD) and MPLS (0x0281:
 * 0x8847, 0x0283: 0x8848); any other protocol keeps its protocol field
 * behind EtherType 0x880B (PPP). Frames copied are counted
 * (xstat "copied_packets", wm_replay_stats_get()).
 *
 * Short of mbufs: when the queue's pool cannot give an mbuf for every
 * record of a burst, the burst hands out what it has mbufs for and the
 * other records wait, in order, for the next burst: no record is lost
 * (xstat "rx_mbuf_waits" counts such bursts; rx_nombuf stays 0). Only a
 * frame that needs more mbufs than the whole pool holds is dropped, and
 * counted in rx_nombuf.
 *
 * Time: every mbuf carries its file time in nanoseconds since the epoch
 * in the Rx timestamp dynfield (RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, flag
 * RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME set), whatever the file's resolution.
 *
 * End of the files: when every Rx queue has handed out its last packet,
 * the link goes down (rte_eth_link_get_nowait() says RTE_ETH_LINK_DOWN)
 * and, when the application asked for it (intr_conf.lsc = 1), an
 * RTE_ETH_EVENT_INTR_LSC event is raised from the Rx burst that ended the
 * last queue. The link is up from rte_eth_dev_start() until then.
 *
 * Bad files: a file that is no capture, or of a link type not read, makes
 * the probe fail; wm_replay_probe_error() says why. A bad record is
 * counted by reason (lib/pcapfile's) and, when its block was read whole,
 * stepped over and counted in ierrors; else reading the file stops there.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wm_pcapfile.h"

/** The driver's name, as --vdev takes it (with a suffix: net_wmreplay0). */
#define WM_REPLAY_DRIVER "net_wmreplay"

/** Most files per port. */
#define WM_REPLAY_MAX_FILES 16

/** Most Rx queues per port. */
#define WM_REPLAY_MAX_QUEUES 16

/** What the port did with its packets. */
struct wm_replay_stats {
	uint64_t zero_copy; /**< handed out in place, attached to the mapping */
	uint64_t copied;    /**< copied (at least their first segment) */
	uint64_t passes;    /**< passes over the files queue 0 finished */
	/** Bursts cut short because the pool had no mbufs: their records waited, none lost. */
	uint64_t mbuf_waits;
};

/**
 * Open, map and check a file before EAL starts, so that an application
 * can refuse a bad file with its own message before anything else
 * happens; the port whose file= names exactly @p path takes the mapping
 * at its probe, and the file is opened once in all. No EAL needed.
 *
 * @param err, errlen
 *   Filled with what is wrong, without the path, on error.
 * @return
 *   0, or -errno / -EINVAL (not a capture, a link type not read).
 */
int wm_replay_preopen(const char *path, char *err, size_t errlen);

/**
 * Why the probe of a replay vdev failed.
 *
 * @param name
 *   The vdev's name ("net_wmreplay0").
 * @param path, path_len
 *   Filled with the file at fault ("" when the arguments were).
 * @param why, why_len
 *   Filled with what is wrong ("link type 105 is not one ...").
 * @return
 *   0 when the probe of @p name failed and the buffers say why, -ENOENT otherwise.
 */
int wm_replay_probe_error(const char *name, char *path, size_t path_len, char *why, size_t why_len);

/** @return true when @p port_id is a replay port. */
bool wm_replay_is_port(uint16_t port_id);

/** @return true when every Rx queue of the replay port has handed out its last packet. */
bool wm_replay_ended(uint16_t port_id);

/**
 * A queue's clock, for an application that runs on file time: the latest
 * time of a record the queue has passed, its own or another queue's (each
 * queue walks every record). Once the queue has ended, the files' last
 * time, whichever queue took that record. To be read by the lcore that
 * polls the queue.
 *
 * @return
 *   ns since the epoch; 0 before the first record, or when @p port_id is
 *   not a replay port.
 */
uint64_t wm_replay_rxq_clock(uint16_t port_id, uint16_t queue_id);

/**
 * @return true when the queue has handed out its last packet (a paced
 *   queue that has nothing yet is not ended).
 */
bool wm_replay_rxq_ended(uint16_t port_id, uint16_t queue_id);

/** @return the files of a replay port, or -ENODEV. */
int wm_replay_file_count(uint16_t port_id);

/**
 * A file of a replay port, and what its first pass read of it: records
 * delivered, and records and blocks skipped or refused by reason. Final
 * once wm_replay_ended() says so.
 *
 * @return
 *   0, or -ENODEV / -EINVAL.
 */
int wm_replay_file_result(uint16_t port_id, unsigned int idx, char *path, size_t path_len,
			  struct wm_pcapfile_result *res);

/** @return 0 and @p st filled, or -ENODEV. */
int wm_replay_stats_get(uint16_t port_id, struct wm_replay_stats *st);

#endif /* WM_REPLAY_H */
