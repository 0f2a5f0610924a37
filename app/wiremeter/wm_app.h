/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_APP_H
#define WM_APP_H

/*
 * Per worker fragment table: datagrams whose later fragments can be put on
 * their flow at once, and how long (packet time) a first fragment's ports
 * are kept. Reassembly timers are 30-60 s; fragments of one datagram
 * arrive within milliseconds, and a short life keeps IDs from wrapping
 * into an old entry.
 */
#define WM_FRAG_CAPACITY 4096
#define WM_FRAG_TIMEOUT_NS (5ull * 1000000000ull)

/*
 * The application's shared state: ports, workers and the management
 * lcore's view of them. Ownership rules, which make the data path
 * lock-free:
 * - a struct wm_worker is written only by its own lcore, except the
 *   stop request, which the main lcore sets;
 * - the main lcore reads workers' counters with relaxed atomic loads
 *   and takes their flow records from each worker's SPSC export ring;
 * - ports are configured by the main lcore before workers start and
 *   stopped after they finish.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "wm_conf.h"
#include "wm_flow.h"
#include "wm_log.h"
#include "wm_ipfix.h"
#include "wm_pcapfile.h"
#include "wm_pkt.h"
#include "wm_seq.h"

#define WM_MAX_WORKERS RTE_MAX_LCORE
#define WM_MAX_PORTS RTE_MAX_ETHPORTS
#define WM_BURST 32
#define WM_MAX_RXQ_PER_WORKER 64
/* Records a worker can hold while its export ring is full. */
#define WM_PENDING_MAX (8 * WM_FLOW_BURST_MAX)
#define WM_EXPORT_RING_SIZE 16384
#define WM_SWRSS_RING_SIZE 4096

/* IPFIX message buffers per worker, and the rings that carry them. */
#define WM_IPFIX_BUFS 512

/*
 * An IPFIX message a worker built, on its way to the main lcore. The
 * buffer belongs to the worker while it is on the free ring or being
 * filled, to the main lcore while it is on the full ring, until the main
 * lcore has copied it to every collector's queue and put it back.
 */
struct wm_ipfix_buf {
	uint16_t len;	  /* message bytes in data */
	uint32_t records; /* data records in it */
	uint32_t flows;	  /* of them, flow records */
	uint64_t pkts;	  /* packets in its flow records, for not-sent counts */
	uint64_t octets;  /* octets in its flow records */
	uint8_t data[] __rte_aligned(8);
};

/* Gap events a worker can queue for the main lcore; more are counted and dropped. */
#define WM_GAP_RING_SIZE 4096
/* Streams that ended with no record to carry them (see struct wm_seq_end). */
#define WM_SEQ_END_RING_SIZE 4096

/*
 * The streams of a flow that ended with nothing left to export (no packet
 * since its last active-timeout record): their final snapshots, for the
 * report, and the flow's key.
 */
struct wm_seq_end {
	struct wm_flow_export e; /* the flow's key (zero counts) */
	struct wm_seq_snapshot s[2];
	unsigned int n;
};

/* Stream records on their way to the main lcore: two per flow record at most. */
#define WM_SEQ_RING_SIZE (2 * WM_EXPORT_RING_SIZE)

/*
 * One gap event (a gap, late, duplicate, too old, jump, protocol
 * violation or restart) with its time, stream and packet endpoints:
 * what --gaps-json writes as a line.
 */
struct wm_gap_event {
	uint64_t ts_ns;
	struct wm_seq_event ev;
	struct wm_seq_snapshot id; /* the stream's identity (counters not filled) */
	uint8_t pkt_kind;	   /* enum wm_pkt_kind of the packet */
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t src[16], dst[16]; /* addresses, or MACs for MACsec */
	/*
	 * Loss-triggered capture: the event's number on its worker when the
	 * revealing packet went to the capture (0: it did not), then, once the
	 * writer has written it, its file's number and its 1-based index in
	 * that file (0: not written). See capture.c.
	 */
	uint32_t cap_event;
	uint32_t cap_file;
	uint64_t cap_packet;
};

/*
 * One Rx queue a worker polls (its own, or its distributor's). Every
 * field is written only by the one lcore that polls the queue, after
 * port.c set it up.
 */
struct wm_rxq {
	uint16_t port;
	uint16_t queue;
	/*
	 * Packets it may still deliver: a replayed file's readable records
	 * (lib/pcapfile), since past them libpcap reads whatever bytes follow
	 * a record it lost its place at; UINT64_MAX when unbounded.
	 */
	uint64_t left;
	/*
	 * Its replay clock: the latest packet time it delivered, and whether
	 * its file ended (a file queue that returns nothing is at its end).
	 */
	uint64_t last;
	bool done;
	bool port_clock; /* a replay port's queue: it keeps its own clock and end (wm_replay.h) */
};

/*
 * Per worker, per port counters: field, key name (totals, a worker, the
 * report's conservation), key name in a port's own section (telemetry's
 * portN, the report's ports, where ethdev's rxPackets stands beside it).
 *   rx           packets taken from the port (or from software RSS)
 *   metered      packets counted in a flow
 *   parse_errors packets refused by the parser
 *   filtered     packets a filter dropped (none without a filter)
 * A new counter is one line here; the snapshot (stats.c) sums it and
 * every door shows it.
 */
#define WM_FOREACH_PORT_COUNTER(X)                    \
	X(rx, "received", "rxTaken")                  \
	X(metered, "metered", "metered")              \
	X(parse_errors, "parseErrors", "parseErrors") \
	X(filtered, "filtered", "filtered")

/* Single writer: the worker. */
struct wm_port_counters {
#define WM_X(f, k, pk) uint64_t f;
	WM_FOREACH_PORT_COUNTER(WM_X)
#undef WM_X
};

struct wm_distributor; /* software RSS (wm_worker.h, distributor.c) */
struct wm_cap_tap;     /* one capture's settings (wm_cap.h) */
struct wm_capture_hist;
struct wm_capture_loss;

/*
 * A worker's side of packet capture (capture_tap.c; the controller and
 * writer are capture.c). 'tap' is what the worker applies now, NULL when
 * no capture feature is on (then the tap costs one branch per burst).
 * The controller publishes a new tap in 'next' (release) and the worker
 * takes it at one of its next polls and says so in 'seen' (release): the
 * controller frees the old tap only once every worker has seen the new
 * one. hist, loss, stream[] and cls[] are the worker's alone; dump_want
 * is the controller's, dump_done the worker's answer to it (the flight
 * recorder's copies are then on dump_ring).
 */
struct wm_worker_cap {
	const struct wm_cap_tap *tap;
	const struct wm_cap_tap *next; /* the controller's, read with acquire */
	const struct wm_cap_tap *seen; /* the worker's, read with acquire */
	struct wm_capture_hist *hist;  /* flight recorder (--capture-history), or NULL */
	struct wm_capture_loss *loss;  /* per-stream histories (--capture-on-loss), or NULL */
	uint32_t loss_classes;	       /* bit per enum wm_seq_class that triggers it */
	uint64_t skip, perr;	       /* this burst: bit i, filtered out / refused by the parser */
	uint32_t event_no;	       /* sequence events noted for capture so far */
	uint32_t stream[WM_BURST];     /* per burst index: its stream plus one, 0: none */
	uint8_t cls[WM_BURST];	       /* and the packet's enum wm_seq_class */
	uint32_t evno[WM_BURST];       /* and its event's number */
	uint32_t dump_want;	       /* the controller's: dump request number */
	uint32_t dump_done;	       /* the worker's: the last request answered */
	struct rte_ring *dump_ring;    /* worker -> controller: shared recorder copies */
	/*
	 * Gap events of the burst held until their revealing packet's copy is
	 * queued (gap_queued), and every later event of the burst behind them
	 * ('holding'), so that the gap ring keeps packet order.
	 */
	struct wm_gap_event gap[WM_BURST];
	uint8_t gap_held[WM_BURST];
	uint8_t gap_queued[WM_BURST];
	bool holding;
};
struct wm_ctl_slot;  /* a management request (ctl.c) */
struct wm_xdp_meter; /* an in-kernel meter (drivers/xdp/wm_xdp.h) */

/*
 * Which streams count 64-bit sequence numbers (ESP ESN, MACsec XPN):
 * the config's settings, for seq.c's hook.
 */
struct wm_seq_ext {
	bool esp, macsec; /* seq.esp.esn, seq.macsec.xpn: every SA / SC */
	unsigned int n_esn_spis, n_xpn_scis;
	uint32_t esn_spis[WM_CONF_MAX_SEQ_IDS];
	uint64_t xpn_scis[WM_CONF_MAX_SEQ_IDS];
};

/*
 * The read-only settings the data path needs, copied from struct wm_app
 * into each worker by wm_worker_conf_fill() once setup is complete and
 * before launch; nobody writes them after. The worker loop reads these,
 * never a global, and they sit in its own cache lines. Hot fields first.
 */
struct wm_worker_conf {
	struct rte_bpf *filter;		    /* --filter, or NULL */
	uint64_t (*filter_jit)(void *mbuf); /* its JIT code, or NULL to interpret */
	uint64_t ts_dynflag;		    /* mbuf Rx timestamp flag, 0 when none */
	int ts_dynfield_offset;		    /* its field, -1 when none */
	int clock_dynfield;		    /* the distributor's replay clock stamp, -1 when none */
	bool replay;			    /* every port is a pcap file read once: packet time */
	bool gaps_wanted; /* somebody reads gap events: queue them, not only count */
	uint32_t ipfix_mtu;
	unsigned int pkt_opts; /* WM_PKT_OPT_* for wm_pkt_parse_frame() (--tunnels) */
	uint64_t tsc0, epoch_ns_at_tsc0, tsc_hz; /* TSC -> ns, as wm_tsc_to_ns() */
	/* The distributor that fills sw_in, NULL without software RSS. */
	const struct wm_distributor *feed;
	uint32_t ts_mult[WM_MAX_PORTS]; /* per port: Rx timestamp unit in ns, 0 = the TSC */
	struct wm_seq_ext seq_ext;	/* cold: read when a stream starts */
	uint64_t xdp_poll_us;		/* --engine xdp: between reads of the kernel's flows */
} __rte_cache_aligned;

/*
 * Management requests to this worker (ctl.c, wm_ctl.h). ring and slots
 * are set by the main lcore before launch and never change after; the
 * ring is multi-producer (any requester enqueues) and single-consumer
 * (only this worker dequeues), so it needs no lock. A slot's request
 * belongs to its requester until posted, its answer to this worker
 * until done: the slot's state word is the one thing both sides write,
 * by compare-and-swap (ctl.c).
 */
struct wm_ctl_worker {
	struct rte_ring *ring;	   /* requests, any thread -> this worker (MP/SC) */
	struct wm_ctl_slot *slots; /* its request slots (ctl.c) */
	struct wm_ctl_slot *cur;   /* the request being worked on: this worker alone */
	uint64_t last_busy;	   /* the main lcore alone: busy cycles at its last ratio */
};

/*
 * A worker lcore's whole state, cache aligned, passed to every stage.
 * Single writer: everything here is written by the worker alone once it
 * runs, but 'stop' (the main lcore) and ctl.last_busy (the main lcore,
 * read by nobody else); conf and the ring pointers are set before launch.
 */
struct wm_worker {
	unsigned int lcore_id;
	unsigned int index;
	int socket_id;
	struct wm_worker_conf conf;
	struct wm_rxq rxq[WM_MAX_RXQ_PER_WORKER]; /* hardware queues of this worker */
	unsigned int n_rxq;
	/*
	 * Software RSS: the worker that polls single-queue ports for every
	 * worker runs a distributor (distributor.c), which owns those queues
	 * (its q[0..n_q)); port.c creates it as it gives out the queues.
	 */
	struct wm_distributor *dist; /* NULL: this worker deals nothing */
	struct rte_ring *sw_in;	     /* packets from the distributor, or NULL */
	struct wm_flow_table *flows;
	struct wm_frag_table *frags;  /* first fragments' ports, for later fragments */
	struct rte_ring *export_ring; /* SPSC to the main lcore, struct wm_flow_export */

	/*
	 * IPFIX: this worker is Observation Domain domain_id. Records are
	 * encoded into ipfix_cur (taken from ipfix_free) and the message goes
	 * to ipfix_full when the next record would not fit or it has waited
	 * ipfix_flush_tsc. ipfix_enc is NULL when no collector is configured.
	 */
	struct wm_ipfix_encoder *ipfix_enc;
	struct rte_ring *ipfix_free; /* SPSC main -> worker: empty buffers */
	struct rte_ring *ipfix_full; /* SPSC worker -> main: finished messages */
	struct wm_ipfix_buf *ipfix_cur;
	struct wm_ipfix_msg ipfix_msg;
	uint64_t ipfix_opened_tsc; /* TSC when ipfix_cur took its first record */
	uint64_t ipfix_flush_tsc;
	uint32_t domain_id;
	uint64_t ipfix_records;	 /* data records encoded */
	uint64_t ipfix_messages; /* messages handed to the main lcore */
	uint64_t ipfix_no_buf;	 /* times no free buffer was there (records waited) */

	/*
	 * Sequence tracking (lib/seq): streams live in seq_pool, taken by a
	 * flow direction when its first sequence-bearing packet comes (the
	 * flow table's hooks), identified by seq_id[handle]. NULL pool: off.
	 */
	struct wm_seq_pool *seq_pool;
	struct wm_seq_detect *seq_det;
	struct wm_seq_snapshot *seq_id;	       /* per stream: kind and identity */
	struct wm_seq_id burst_ids[WM_BURST];  /* detection of the burst being metered */
	uint8_t burst_res[WM_BURST];	       /* enum wm_seq_detect_result, same index */
	const struct wm_pkt_meta *burst_metas; /* its metas, to index burst_ids */
	/* Packets the flow table's hook held for wm_seq_drain(), in packet order. */
	struct wm_seq_held {
		uint32_t *seq; /* their flow's handles (the flow lives while they wait) */
		uint8_t dir;   /* the packet's direction in its flow */
		uint8_t i;     /* its index in burst_metas and burst_ids */
	} seq_held[WM_BURST];
	unsigned int n_seq_held;
	struct rte_ring *seq_ring;     /* SPSC to main: struct wm_seq_snapshot, before their flow */
	struct rte_ring *gap_ring;     /* SPSC to main: struct wm_gap_event */
	struct rte_ring *seq_end_ring; /* SPSC to main: struct wm_seq_end */
	uint64_t seq_pkts;	       /* sequence-bearing packets tracked */
	uint64_t seq_streams;	       /* streams started */
	uint64_t seq_pool_full;	       /* packets untracked: no free stream */
	uint64_t seq_other_kind;       /* candidates of another kind than the direction's first */
	uint64_t gap_events;	       /* gap events (gap, late, duplicate, ...) */
	uint64_t gaps_dropped;	       /* gap events the ring could not take */
	uint64_t seq_ends_dropped;     /* ended streams the end ring could not take */

	/* Records that did not fit in the export ring yet; bounded. */
	struct wm_flow_export pending[WM_PENDING_MAX];
	struct wm_seq_snapshot pending_seq[WM_PENDING_MAX][2]; /* their streams, as seq[] says */
	unsigned int n_pending;

	uint64_t now_ns;	/* the worker's clock (packet time in a replay) */
	uint64_t dealt_clock;	/* the replay clock stamped on the last packet from sw_in */
	uint64_t first_pkt_tsc; /* TSC of the first packet, 0 before */
	uint64_t busy_cycles;	/* TSC spent on bursts that carried packets */
	uint64_t polls;
	uint64_t rx_stalls;	/* polls that skipped Rx because exports were pending */
	uint64_t frag_nonfirst; /* non-first IP fragments metered */
	uint64_t parse_err[WM_PKT_ERR_MAX];
	uint64_t tunnel_decoded[WM_PKT_TUNNEL_MAX]; /* metered inside a tunnel, by outermost kind */
	uint64_t tunnel_undecoded[WM_PKT_TUNNEL_MAX]; /* metered outer: its tunnel header failed */
	uint64_t offload[WM_PKT_OFFLOAD_MAX];	      /* metered with the frame's length */
	struct wm_port_counters port[WM_MAX_PORTS];

	/* Capture (single writer: the worker; see struct wm_worker_cap). */
	struct wm_worker_cap cap;
	uint64_t cap_selected;	/* packets due for the capture ring */
	uint64_t cap_queued;	/* of them, copied and queued to the writer */
	uint64_t cap_drop_pool; /* of them, not captured: the capture pool was empty */
	uint64_t cap_drop_ring; /* of them, not captured: the capture ring was full */

	/*
	 * --engine xdp: the kernel meters, this worker reads the meters'
	 * flow maps (engine.c) instead of Rx queues; set before launch.
	 */
	struct wm_xdp_meter *xdp[WM_CONF_MAX_IFACES];
	unsigned int n_xdp;

	struct wm_ctl_worker ctl;
	volatile bool stop; /* set by the main lcore: stop Rx, flush, finish */
	volatile bool done; /* set by the worker when its last record is queued */
} __rte_cache_aligned;

/* How a port's packets get their time. */
struct wm_port {
	char name[RTE_ETH_NAME_MAX_LEN];
	char driver[32];
	uint16_t nb_rxq;
	bool sw_rss; /* one queue shared by several workers */
	uint16_t port_id;
	bool replay;		    /* a pcap file read once: it ends */
	bool self_ending;	    /* a replay port: it says when its files are read */
	uint64_t expected_pkts;	    /* reads of its files' readable records, for a replay */
	struct wm_pcap_file *files; /* a pcap vdev's files (queue i reads files[i]), or NULL */
	unsigned int n_files;
	uint32_t ts_mult; /* Rx timestamp unit in ns (pcap: 1000), 0 = use the TSC */
	struct rte_mempool *pool;
};

struct wm_app {
	struct wm_conf conf;
	struct wm_port ports[WM_MAX_PORTS];
	unsigned int n_ports;
	struct wm_worker *workers[WM_MAX_WORKERS];
	unsigned int n_workers;
	uint32_t flow_capacity; /* flows per worker table: conf's, or sized from memory */
	bool replay;		/* every port is a pcap file read once */
	int ts_dynfield_offset; /* mbuf Rx timestamp field, -1 when none */
	uint64_t ts_dynflag;
	uint64_t tsc_hz;
	uint64_t epoch_ns_at_tsc0; /* wall clock at tsc0, for TSC -> ns */
	uint64_t tsc0;
	struct rte_bpf *filter;		    /* --filter, or NULL; read-only once workers run */
	uint64_t (*filter_jit)(void *mbuf); /* its JIT code, or NULL to interpret */
	int clock_dynfield; /* the distributor's replay clock stamp on mbufs, -1 when none */
	/*
	 * Does anybody read gap events (--gaps-json, telemetry)? Set before
	 * the workers start; when nobody does, workers only count them.
	 */
	bool gaps_wanted;
};

extern struct wm_app wm_app;
extern volatile bool wm_force_quit;
/* Set by SIGHUP, cleared by the main lcore once it has reopened the output files. */
extern volatile bool wm_reopen_wanted;

/* rte_eal_init() with the runtime folder and telemetry socket for this user only (eal.c). */
int wm_eal_init(int argc, char **argv);
/* rte_eal_cleanup(), then remove our hugepage files and runtime folder (eal.c). */
void wm_eal_leave(void);

/* TSC to ns since the epoch. */
static inline uint64_t
wm_tsc_to_ns(uint64_t tsc)
{
	uint64_t d = tsc - wm_app.tsc0;

	return wm_app.epoch_ns_at_tsc0 + (uint64_t)((double)d * 1e9 / (double)wm_app.tsc_hz);
}

static inline uint64_t
wm_read_u64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* port.c */
int wm_ports_init(struct wm_app *app);
void wm_ports_stop(struct wm_app *app);
/* Take the replay ports' final word on their files, for the report. */
void wm_ports_files_update(struct wm_app *app);
/* Has a replay port (net_wmreplay) handed out its last packet? */
bool wm_ports_replay_ended(const struct wm_app *app, uint16_t pid);
/*
 * After EAL: did a replay port (--pcap, or --vdev net_wmreplay...) fail
 * its probe? Says which file and why on stderr; 0 or -EINVAL.
 */
int wm_replay_errors(const struct wm_app *app, int argc, char **argv);

/* The pcap PMD's most Rx queues, hence files, per vdev. */
#define WM_PCAP_MAX_FILES 16

/* A capture file a pcap vdev reads, and what a replay can read of it. */
struct wm_pcap_file {
	char path[1024];
	struct wm_pcapfile_result res;
};

/* What a pcap vdev's arguments say ("rx_pcap=a.pcap,rx_pcap=b.pcap,infinite_rx=1"). */
struct wm_pcap_args {
	uint64_t file_pkts;  /* readable records in all its rx_pcap files */
	uint64_t file_reads; /* reads that deliver them (refused records between included) */
	bool files;	     /* it reads files */
	bool live;	     /* it reads an interface */
	bool infinite;	     /* infinite_rx: the files are held in the pool and looped */
	unsigned int n_files;
	struct wm_pcap_file file[WM_PCAP_MAX_FILES]; /* in rx_pcap order: queue i reads file i */
};
int wm_pcap_args_parse(const char *args, struct wm_pcap_args *pa, char *err, size_t errlen);
/*
 * Before EAL: does every capture file open as one its port reads? --pcap
 * files are mapped and checked by the replay port's reader (which keeps
 * the mapping for the port); the files of net_pcap vdevs (rx_pcap=, among
 * the EAL arguments or the config's ports) must open as Ethernet
 * captures. Returns 0, or -EINVAL with err naming the file.
 */
int wm_pcap_inputs_check(const struct wm_conf *conf, int argc, char **argv, char *err,
			 size_t errlen);
/* report.c: the files section of the summary and the report. */
struct json_t;
void wm_report_files_summary(const struct wm_app *app);
struct json_t *wm_report_files_json(const struct wm_app *app);

/* filter.c */
struct rte_bpf;
int wm_filter_init(struct wm_app *app);
/* Compile a pcap expression to rte_bpf (and its JIT code, or NULL); 0 or -EINVAL with err. */
int wm_bpf_compile(const char *expr, struct rte_bpf **bpf, uint64_t (**jit_fn)(void *), char *err,
		   size_t errlen);
void wm_filter_free(struct wm_app *app);

/* worker.c */
int wm_worker_main(void *arg);
/* worker_conf.c: copy the data-path settings into a worker; after setup, before launch. */
void wm_worker_conf_fill(const struct wm_app *app, struct wm_worker *w);

/* seq.c: sequence tracking, worker side (hooks, exports) and setup. */
int wm_seq_setup(struct wm_app *app, struct wm_worker *w);
void wm_seq_teardown(struct wm_worker *w);
void wm_seq_hooks(struct wm_worker *w, struct wm_flow_hooks *h);

/* Sequence figures the workers counted, summed (relaxed loads: any thread). */
struct wm_seq_sums {
	uint64_t pkts, streams, pool_full, other_kind, gap_events, gaps_dropped, ends_dropped;
};
void wm_seq_sums(const struct wm_app *app, struct wm_seq_sums *t);
/*
 * A live stream's identity and counters now, from its flow's handle
 * (telemetry, console); on the worker's lcore only. Returns 0 or -EINVAL.
 */
int wm_seq_live_snapshot(const struct wm_worker *w, uint32_t handle, unsigned int dir,
			 struct wm_seq_snapshot *out);

/*
 * Does a parsed packet carry a sequence number to track? Marks it
 * WM_PKT_F_SEQ for the flow table's hook. Index i is the packet's place
 * in the burst's metas.
 */
static inline void
wm_seq_detect(struct wm_worker *w, struct wm_pkt_meta *meta, uint32_t len, unsigned int i)
{
	enum wm_seq_detect_result r;
	struct wm_seq_udp_payload u;

	/* Only MACsec, ESP and UDP can carry one. */
	if (meta->kind != WM_PKT_KIND_MACSEC && meta->proto != 17 && meta->proto != 50)
		return;
	if (meta->proto == 17 && !(meta->flags & WM_PKT_F_ESP) &&
	    (meta->kind == WM_PKT_KIND_IPV4 || meta->kind == WM_PKT_KIND_IPV6)) {
		/* Most UDP payloads are neither RTP nor TRex's: told from their bytes, with no call. */
		if (!wm_seq_udp_payload(meta, len, &u) || !wm_seq_udp_payload_maybe(meta, &u))
			return;
		r = wm_seq_detect_udp(w->seq_det, meta, &u, &w->burst_ids[i]);
	} else {
		r = wm_seq_detect_pkt(w->seq_det, meta, len, &w->burst_ids[i]);
	}
	w->burst_res[i] = (uint8_t)r;
	if (r != WM_SEQ_DETECT_NONE)
		meta->flags |= WM_PKT_F_SEQ;
}

/* seq.c: track the packets the hook held (see wm_seq_drain()). */
void wm_seq_drain_held(struct wm_worker *w);

/*
 * Track the sequence-bearing packets the flow table's hook held during a
 * burst: call after each wm_flow_table_update_bulk() of burst metas,
 * while those metas live, before anything reads the burst's sequence
 * results (the capture tap).
 */
static inline void
wm_seq_drain(struct wm_worker *w)
{
	if (w->n_seq_held != 0)
		wm_seq_drain_held(w);
}

static inline unsigned int
wm_seq_count(const struct wm_flow_export *e)
{
	return (e->seq[0] != 0) + (e->seq[1] != 0);
}

/* exporter.c: the main lcore's side of IPFIX export. */
int wm_exporter_open(const struct wm_conf *conf);
int wm_exporter_init(struct wm_app *app);
unsigned int wm_exporter_poll(struct wm_app *app);
void wm_exporter_finish(struct wm_app *app);
void wm_exporter_close(struct wm_app *app);
/* SIGHUP: reopen every file: collector (the new file starts with templates). */
void wm_exporter_reopen(void);
/* Flush the file: collectors' buffers (whole messages); @return how many failed. */
unsigned int wm_exporter_flush(void);
bool wm_exporter_enabled(void);

/* Export figures for the stats line and the report. */
struct wm_exporter_totals {
	uint64_t records_sent;	   /* data records handed to a transport, over all collectors */
	uint64_t records_not_sent; /* records dropped or refused, over all collectors */
	uint64_t queued;	   /* messages waiting in collectors' queues */
	uint64_t refused; /* UDP datagrams refused (ICMP port unreachable), all collectors */
};
void wm_exporter_totals(struct wm_exporter_totals *t);

/* One collector's figures, for telemetry and the console (names as in the report). */
struct wm_exporter_collector {
	char uri[256];
	uint64_t messages;	  /* exportedMessageTotalCount */
	uint64_t flow_records;	  /* exportedFlowRecordTotalCount */
	uint64_t octets;	  /* exportedOctetTotalCount */
	uint64_t not_sent_flows;  /* notSentFlowTotalCount */
	uint64_t not_sent_pkts;	  /* notSentPacketTotalCount */
	uint64_t not_sent_octets; /* notSentOctetTotalCount */
	uint64_t queued;	  /* messages waiting in its queue */
	uint64_t dropped_msgs;	  /* messagesDroppedQueueFull */
	uint64_t resent;	  /* messagesResent */
	uint64_t sessions, disconnects, send_errors;
	uint64_t refused; /* refusedDatagrams */
};
/* Fill up to max collectors' figures; returns how many. Main lcore only. */
unsigned int wm_exporter_collectors(struct wm_exporter_collector *out, unsigned int max);
struct json_t;
struct json_t *wm_exporter_report_json(struct wm_app *app);
void wm_exporter_summary(struct wm_app *app);

#endif /* WM_APP_H */
