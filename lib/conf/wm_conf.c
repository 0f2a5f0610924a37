/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "wm_conf.h"

#ifndef WM_VERSION
#define WM_VERSION "0.1.0"
#endif

enum opt_type {
	OPT_SECONDS,   /* double seconds within [min, max], min exclusive when min_open */
	OPT_COUNT,     /* uint32 within [min, max] */
	OPT_PATH,      /* a string */
	OPT_PATH_LIST, /* repeatable string (flag) / array of strings (JSON) */
	OPT_FILTER,    /* a pcap filter expression, checked by compiling it */
	OPT_URI_LIST,  /* repeatable IPFIX collector URI (flag) / array of them (JSON) */
	OPT_CHOICE,    /* one word of 'choices', stored as its index (uint32) */
	OPT_WHOLE,     /* whole number within [min, max], max <= 2^53, stored as a double */
	OPT_BOOL,      /* on|off (flag) / true|false (JSON), stored as 0 or 1 (uint32) */
	OPT_PORT_LIST, /* UDP ports and ranges, "5004-5005,6000" (struct wm_conf_port_range) */
	OPT_SPI_LIST,  /* IPsec SPIs 1..2^32-1, decimal or 0x hex (uint32) */
	OPT_SCI_LIST,  /* MACsec SCIs, 16 hex digits with an optional 0x (uint64) */
	OPT_DEV_LIST,  /* EAL device strings, PCI addresses or vdevs (JSON array of strings) */
	OPT_LCORES,    /* an EAL lcore list, "0-3" (string) */
	OPT_INFILE,    /* a file that must be readable now (string) */
	OPT_SPEC,      /* a string parsed by the entry's 'spec' into other fields too */
};
/* How many types: the usage text names each one's argument. Keep OPT_SPEC last. */
#define OPT_N_TYPES (OPT_SPEC + 1)

struct wm_conf;
/* Parse an OPT_SPEC value into the configuration (NULL: back to the default). */
typedef int (*opt_spec_fn)(struct wm_conf *c, const char *v, char *why, size_t whylen);

/*
 * One table for every setting: its flag, its JSON key, its type and its
 * bounds. Flags and config keys are checked by the same code, so they
 * cannot disagree on what is valid.
 *
 * A key with dots is a path through nested objects: "seq.esp.window" is
 * {"seq": {"esp": {"window": ...}}}. Every proper prefix of such a path
 * ("seq", "seq.esp") is a group, which the file must give as an object;
 * the groups are implied by the table and need no entry of their own.
 */
struct opt_desc {
	const char *flag; /* long option without the dashes; NULL: a config key only */
	const char *key;  /* JSON key, or a dotted path of keys */
	enum opt_type type;
	size_t offset; /* in struct wm_conf */
	double min, max;
	bool min_open; /* min itself is not allowed */
	const char *help;
	const char *const *choices; /* OPT_CHOICE: the words, NULL-terminated */
	size_t count_offset;	    /* list types: their unsigned int count in struct wm_conf */
	opt_spec_fn spec;	    /* OPT_SPEC: the parser */
	const char *arg;	    /* --help's name for the value; NULL: its type's (FILE, N) */
};

static const char *const ipfix_modes[] = {"biflow", "uniflow", NULL};
static const char *const tunnel_modes[] = {"inner", "outer", NULL};
static const char *const engines[] = {"auto", "dpdk", "af_xdp", "af_packet", "pcap", "xdp", NULL};
static const char *const xdp_modes[] = {"auto", "native", "skb", NULL};

#define OFF(f) offsetof(struct wm_conf, f)

/* RFC 5103's Private Enterprise Number (IPFIX_PEN_REVERSE), which ipfix_pen may not take. */
#define WM_CONF_PEN_REVERSE 29305

/* 2^53: the largest J, since every whole number up to it is exact in a double. */
#define WHOLE_MAX 9007199254740992.0

static int spec_ring(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_http(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_http_tls(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_loss(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_loss_events(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_rate(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_server_name(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_ifaces(struct wm_conf *c, const char *v, char *why, size_t whylen);
static int spec_rules(struct wm_conf *c, const char *v, char *why, size_t whylen);

static const struct opt_desc opts[] = {
	{"idle-timeout", "idle_timeout", OPT_SECONDS, OFF(idle_timeout), 0, 86400, true,
	 "seconds without a packet that end a flow (default 30)"},
	{"active-timeout", "active_timeout", OPT_SECONDS, OFF(active_timeout), 0, 86400, true,
	 "export a long flow every S seconds (default 300)"},
	{"tcp-linger", "tcp_linger", OPT_SECONDS, OFF(tcp_linger), 0, 3600, false,
	 "seconds a TCP flow lingers after RST or FIN both ways (default 1)"},
	{"stats-interval", "stats_interval", OPT_SECONDS, OFF(stats_interval), 0, 86400, false,
	 "seconds between stats lines on stderr, 0 for none (default 5)"},
	{"flow-capacity", "flow_capacity", OPT_COUNT, OFF(flow_capacity), 1,
	 WM_CONF_MAX_FLOW_CAPACITY, false,
	 "flows per worker (default: what a share of the memory holds, printed at start)"},
	{"mbufs", "mbufs", OPT_COUNT, OFF(mbufs), 0, 1u << 30, false,
	 "mbufs per pool (default: sized automatically)"},
	{"flows-json", "flows_json", OPT_PATH, OFF(flows_json), 0, 0, false,
	 "write one JSON line per exported flow record to FILE"},
	{"report", "report", OPT_PATH, OFF(report), 0, 0, false,
	 "write the final JSON report to FILE"},
	{"filter", "filter", OPT_FILTER, OFF(filter), 0, 0, false,
	 "meter only packets matching this pcap filter (e.g. 'tcp or udp')"},
	{"tunnels", "tunnels", OPT_CHOICE, OFF(tunnels), 0, 0, false,
	 "inner (default: the flow inside VXLAN, Geneve, GRE, GTP-U, IP-in-IP, MPLS, Teredo) or "
	 "outer",
	 tunnel_modes, .arg = "inner|outer"},
	{"pcap", "pcap", OPT_PATH_LIST, 0, 0, 0, false,
	 "meter a pcap file (repeatable); exit when all are read"},
	{"ipfix", "ipfix", OPT_URI_LIST, 0, 0, 0, false,
	 "export IPFIX to udp://, tcp://, tls:// or dtls://HOST:PORT, or file:PATH (repeatable)",
	 .arg = "URI"},
	{"ipfix-mode", "ipfix_mode", OPT_CHOICE, OFF(ipfix_mode), 0, 0, false,
	 "biflow (RFC 5103, default) or uniflow (two records per biflow)", ipfix_modes,
	 .arg = "biflow|uniflow"},
	{"observation-domain", "observation_domain", OPT_COUNT, OFF(observation_domain), 1,
	 UINT32_MAX, false, "Observation Domain ID of worker 0; worker i has ID+i (default 1)"},
	/* 768: WM_IPFIX_MTU_MIN, a tunnelled flow's uniflow pair and its two stream records. */
	{"ipfix-mtu", "ipfix_mtu", OPT_COUNT, OFF(ipfix_mtu), 768, 65507, false,
	 "largest IPFIX message in bytes (default 1400)"},
	{"template-refresh", "template_refresh", OPT_SECONDS, OFF(template_refresh), 0, 86400, true,
	 "seconds between template and options resends over UDP (default 60)"},
	{"ipfix-flush", "ipfix_flush", OPT_SECONDS, OFF(ipfix_flush), 0, 3600, true,
	 "seconds a partly filled IPFIX message may wait (default 1)"},
	{"ipfix-queue", "ipfix_queue", OPT_COUNT, OFF(ipfix_queue), 16, 1u << 20, false,
	 "IPFIX messages queued per collector before dropping (default 8192)"},
	{"ipfix-pen", "ipfix_pen", OPT_COUNT, OFF(ipfix_pen), 1, UINT32_MAX, false,
	 "Private Enterprise Number of wiremeter's own IPFIX elements (default 32473)"},
	{"ipfix-rate", "ipfix_rate", OPT_SPEC, OFF(ipfix_rate), 0, 0, false,
	 "pace each UDP collector: N messages/s, or Nbit, Nkbit, NMbit, NGbit a second; 0: "
	 "unpaced (default 10Mbit)",
	 NULL, 0, spec_rate, .arg = "RATE"},
	{"ipfix-ca", "ipfix_ca", OPT_INFILE, OFF(ipfix_ca), 0, 0, false,
	 "tls://, dtls:// collectors: the CA certificates (PEM) that verify them (default: the system's)",
	 .arg = "PEM"},
	{"ipfix-cert", "ipfix_cert", OPT_INFILE, OFF(ipfix_cert), 0, 0, false,
	 "tls://, dtls:// collectors: our client certificate (PEM), for mutual authentication",
	 .arg = "PEM"},
	{"ipfix-key", "ipfix_key", OPT_INFILE, OFF(ipfix_key), 0, 0, false,
	 "tls://, dtls:// collectors: the private key (PEM) of --ipfix-cert, readable by its owner only",
	 .arg = "PEM"},
	{"ipfix-server-name", "ipfix_server_name", OPT_SPEC, OFF(ipfix_server_name), 0, 0, false,
	 "tls://, dtls:// collectors: the name their certificate must carry (default: the URI's HOST)",
	 NULL, 0, spec_server_name, .arg = "NAME"},

	/* Sequence-gap tracking: the JSON object "seq" (SEQUENCE.md). */
	{"gaps-json", "gaps_json", OPT_PATH, OFF(gaps_json), 0, 0, false,
	 "write one JSON line per sequence gap event to FILE"},
	{"seq-streams", "seq.streams", OPT_COUNT, OFF(seq_streams), 0, 1u << 24, false,
	 "sequence streams tracked per worker, 0 (tracking off)..2^24 (default 65536)"},
	{"seq-rtp-ports", "seq.rtp_ports", OPT_PORT_LIST, OFF(rtp_ports), 0, 0, false,
	 "UDP ports and ranges that carry RTP, e.g. 5004-5005,6000 (default 5004-5005)", NULL,
	 OFF(n_rtp_ports)},
	{"seq-rtp-heuristic", "seq.rtp_heuristic", OPT_BOOL, OFF(rtp_heuristic), 0, 0, false,
	 "also take RTP on other UDP ports once a few packets are in sequence (default off)"},
	{"seq-tester-ports", "seq.tester_ports", OPT_PORT_LIST, OFF(tester_ports), 0, 0, false,
	 "UDP ports and ranges where a TRex trailer is taken at once (default none)", NULL,
	 OFF(n_tester_ports)},
	{"seq-tester-any-udp", "seq.tester_any_udp", OPT_BOOL, OFF(tester_any_udp), 0, 0, false,
	 "also take TRex trailers on other UDP ports once confirmed (default on)"},
	{"seq-macsec-window", "seq.macsec.window", OPT_COUNT, OFF(seq[WM_CONF_SEQ_MACSEC].window),
	 1, 32768, false, "MACsec: reorder window W in packets, 1..32768 (default 960)"},
	{"seq-macsec-jump", "seq.macsec.jump", OPT_WHOLE, OFF(seq[WM_CONF_SEQ_MACSEC].jump), 1,
	 WHOLE_MAX, false,
	 "MACsec: a jump forward beyond J is suspect until confirmed, 1..2^53 (default 2^30)"},
	{"seq-macsec-restart-k", "seq.macsec.restart_k", OPT_COUNT,
	 OFF(seq[WM_CONF_SEQ_MACSEC].restart_k), 1, 8, false,
	 "MACsec: K packets in sequence confirm a restart or a jump, 1..8 (default 2)"},
	{"seq-macsec-xpn", "seq.macsec.xpn", OPT_BOOL, OFF(seq[WM_CONF_SEQ_MACSEC].ext64), 0, 0,
	 false, "MACsec: extended packet numbers (XPN) on every SC (default off)"},
	{"seq-macsec-xpn-scis", "seq.macsec.xpn_scis", OPT_SCI_LIST, OFF(xpn_scis), 0, 0, false,
	 "MACsec: SCIs (16 hex digits) with XPN when --seq-macsec-xpn is off", NULL,
	 OFF(n_xpn_scis)},
	{"seq-esp-window", "seq.esp.window", OPT_COUNT, OFF(seq[WM_CONF_SEQ_ESP].window), 1, 32768,
	 false, "ESP: reorder window W in packets, 1..32768 (default 960)"},
	{"seq-esp-jump", "seq.esp.jump", OPT_WHOLE, OFF(seq[WM_CONF_SEQ_ESP].jump), 1, WHOLE_MAX,
	 false, "ESP: a jump forward beyond J is suspect until confirmed, 1..2^53 (default 2^30)"},
	{"seq-esp-restart-k", "seq.esp.restart_k", OPT_COUNT, OFF(seq[WM_CONF_SEQ_ESP].restart_k),
	 1, 8, false, "ESP: K packets in sequence confirm a restart or a jump, 1..8 (default 2)"},
	{"seq-esp-esn", "seq.esp.esn", OPT_BOOL, OFF(seq[WM_CONF_SEQ_ESP].ext64), 0, 0, false,
	 "ESP: extended sequence numbers (ESN) on every SA (default off)"},
	{"seq-esp-esn-spis", "seq.esp.esn_spis", OPT_SPI_LIST, OFF(esn_spis), 0, 0, false,
	 "ESP: SPIs with ESN when --seq-esp-esn is off, e.g. 0x1001,4098", NULL, OFF(n_esn_spis)},
	{"seq-rtp-window", "seq.rtp.window", OPT_COUNT, OFF(seq[WM_CONF_SEQ_RTP].window), 1, 32768,
	 false, "RTP: reorder window W in packets, 1..32768 (default 100)"},
	{"seq-rtp-jump", "seq.rtp.jump", OPT_WHOLE, OFF(seq[WM_CONF_SEQ_RTP].jump), 1, WHOLE_MAX,
	 false, "RTP: a jump forward beyond J is suspect until confirmed, 1..2^53 (default 3000)"},
	{"seq-rtp-restart-k", "seq.rtp.restart_k", OPT_COUNT, OFF(seq[WM_CONF_SEQ_RTP].restart_k),
	 1, 8, false, "RTP: K packets in sequence confirm a restart or a jump, 1..8 (default 2)"},
	{"seq-tester-window", "seq.tester.window", OPT_COUNT, OFF(seq[WM_CONF_SEQ_TESTER].window),
	 1, 32768, false, "TRex streams: reorder window W in packets, 1..32768 (default 960)"},
	{"seq-tester-jump", "seq.tester.jump", OPT_WHOLE, OFF(seq[WM_CONF_SEQ_TESTER].jump), 1,
	 WHOLE_MAX, false,
	 "TRex streams: a jump forward beyond J is suspect until confirmed, 1..2^53 (default 2^20)"},
	{"seq-tester-restart-k", "seq.tester.restart_k", OPT_COUNT,
	 OFF(seq[WM_CONF_SEQ_TESTER].restart_k), 1, 8, false,
	 "TRex streams: K packets in sequence confirm a restart or a jump, 1..8 (default 2)"},

	/* Packet capture: the JSON object "capture". */
	{"capture", "capture.file", OPT_PATH, OFF(capture.file), 0, 0, false,
	 "write the captured packets to this pcapng FILE (the ring's name pattern)"},
	{"capture-filter", "capture.filter", OPT_FILTER, OFF(capture.filter), 0, 0, false,
	 "capture the packets this pcap filter selects (default: all, with --capture)"},
	{"capture-flow", "capture.flow", OPT_PATH, OFF(capture.flow), 0, 0, false,
	 "capture one biflow, named SRC:SPORT-DST:DPORT/PROTO as the console names flows",
	 .arg = "FLOW"},
	{"capture-snaplen", "capture.snaplen", OPT_COUNT, OFF(capture.snaplen), 1, 262144, false,
	 "bytes kept of each captured packet, 1..262144 (default 262144)"},
	{"capture-count", "capture.count", OPT_COUNT, OFF(capture.count), 0, UINT32_MAX, false,
	 "end the capture after N packets (default 0: no limit)"},
	{"capture-duration", "capture.duration", OPT_SECONDS, OFF(capture.duration), 0, 86400 * 366,
	 false, "end the capture after S seconds of packet time (default 0: none)"},
	{"capture-ring", "capture.ring", OPT_SPEC, OFF(capture.ring), 0, 0, false,
	 "rotate files as dumpcap -b: files:N,filesize:MB,duration:S (any of them)", NULL, 0,
	 spec_ring, .arg = "RING"},
	{"capture-on-loss", "capture.on_loss", OPT_SPEC, OFF(capture.on_loss), 0, 0, false,
	 "capture BEFORE,AFTER packets of a sequence stream around each of its events", NULL, 0,
	 spec_loss, .arg = "BEFORE,AFTER"},
	{"capture-on-loss-events", "capture.on_loss_events", OPT_SPEC, OFF(capture.on_loss_events),
	 0, 0, false,
	 "events that trigger it: gap,late,duplicate,too-old,jump,proto-violation,restart "
	 "(default gap)",
	 NULL, 0, spec_loss_events, .arg = "EVENTS"},
	{"capture-history", "capture.history", OPT_COUNT, OFF(capture.history), 0, 1u << 20, false,
	 "flight recorder: keep the last N packets of each worker (default 0: off)"},
	{"capture-history-on-exit", "capture.history_on_exit", OPT_PATH,
	 OFF(capture.history_on_exit), 0, 0, false, "write the flight recorder to FILE at exit"},
	{"capture-mbufs", "capture.mbufs", OPT_COUNT, OFF(capture.mbufs), 64, 1u << 24, false,
	 "capture copies in flight and in the recorders (default 4096)"},

	/*
	 * Where it runs. The command line names devices and lcores with
	 * EAL's own options (-a, --vdev, -l), which override these keys.
	 */
	{NULL, "ports", OPT_DEV_LIST, 0, 0, 0, false,
	 "EAL devices to meter: PCI addresses (given as -a) or vdevs (--vdev)"},
	{NULL, "lcores", OPT_LCORES, OFF(lcores), 0, 0, false,
	 "EAL lcore list, e.g. \"0-3\" (given as -l); the first lcore manages"},
	{"rx-queues", "rx.queues", OPT_COUNT, OFF(rx_queues), 0, 1024, false,
	 "Rx queues per RSS-capable port, queue i to worker i mod workers (default 0: one each)"},
	{"rx-descriptors", "rx.descriptors", OPT_COUNT, OFF(rx_descriptors), 64, 32768, false,
	 "Rx descriptors per queue (default 1024)"},
	{"cmdline-file", "cmdline_file", OPT_INFILE, OFF(cmdline_file), 0, 0, false,
	 "run the console commands in FILE at start, as testpmd does"},

	/* The HTTP server (lib/http): the app checks the address and the files before EAL. */
	{"http", "http", OPT_SPEC, OFF(http), 0, 0, false,
	 "serve /metrics and the REST API on ADDR:PORT ([ADDR]:PORT for IPv6; default off)", NULL,
	 0, spec_http, .arg = "ADDR:PORT"},
	{"http-token-file", "http_token_file", OPT_INFILE, OFF(http_token_file), 0, 0, false,
	 "bearer token the HTTP clients must send (a key file: mode 0600, ours)"},
	{"http-tls", "http_tls", OPT_SPEC, OFF(http_tls), 0, 0, false,
	 "serve HTTPS with a PEM certificate and key: CERT,KEY", NULL, 0, spec_http_tls,
	 .arg = "CERT,KEY"},

	/* Evidence-grade output (the flag --encrypt-outputs takes no value: parse_args). */
	{"capture-key", "evidence.capture_key", OPT_INFILE, OFF(capture_key), 0, 0, false,
	 "encrypt captures with the AES-256 key in FILE (32 bytes or 64 hex digits, mode 0600)"},
	{NULL, "evidence.encrypt_outputs", OPT_BOOL, OFF(encrypt_outputs), 0, 0, false,
	 "encrypt --flows-json and --gaps-json too (flag: --encrypt-outputs)"},
	{"sign-key", "evidence.sign_key", OPT_INFILE, OFF(sign_key), 0, 0, false,
	 "sign each capture and output file as it closes (FILE.sig) with this PEM private key",
	 .arg = "PEM"},
	{"trust-key", "evidence.trust_key", OPT_INFILE, OFF(trust_key), 0, 0, false,
	 "load only config, command and BPF files whose FILE.sig this PEM public key verifies",
	 .arg = "PEM"},

	/* Engines: how an interface is read (README "Engines"). */
	{"iface", "ifaces", OPT_SPEC, OFF(ifaces_spec), 0, 0, false,
	 "meter kernel interface IF (repeatable; or IF,IF) with the fastest engine that works",
	 NULL, 0, spec_ifaces, .arg = "IF"},
	{"engine", "engine", OPT_CHOICE, OFF(engine), 0, 0, false,
	 "auto (default), dpdk, af_xdp, af_packet, pcap, or xdp (in-kernel metering)", engines,
	 .arg = "ENGINE"},
	{"xdp-flows", "xdp.flows", OPT_COUNT, OFF(xdp_flows), 1, 1u << 24, false,
	 "--engine xdp: flows the kernel's map holds per interface (default 65536)"},
	{"xdp-mode", "xdp.mode", OPT_CHOICE, OFF(xdp_mode), 0, 0, false,
	 "XDP attach mode: auto (default: native, else skb), native or skb", xdp_modes,
	 .arg = "MODE"},
	{"xdp-poll", "xdp.poll", OPT_SECONDS, OFF(xdp_poll), 0, 60, true,
	 "--engine xdp: seconds between reads of the kernel's flow map (default 0.1)"},
	{"xdp-filter", "xdp.filter", OPT_SPEC, OFF(xdp_filter), 0, 0, false,
	 "AF_XDP prefilter: only packets matching RULES reach wiremeter, the rest the kernel", NULL,
	 0, spec_rules, .arg = "RULES"},
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

void
wm_conf_defaults(struct wm_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->idle_timeout = 30;
	c->active_timeout = 300;
	c->tcp_linger = 1;
	c->stats_interval = 5;
	c->flow_capacity = 0; /* sized from the memory at start: lib/ealargs */
	c->mbufs = 0;
	c->ipfix_mode = WM_CONF_IPFIX_BIFLOW;
	c->observation_domain = 1;
	c->ipfix_mtu = 1400;
	c->ipfix_queue = 8192;
	c->ipfix_pen = 32473;
	c->template_refresh = 60;
	c->ipfix_flush = 1;
	c->ipfix_rate_per_s = WM_CONF_IPFIX_RATE_DEFAULT;
	c->ipfix_rate_bits = 1;

	c->rx_descriptors = 1024;
	c->seq_streams = 65536;
	c->seq[WM_CONF_SEQ_MACSEC] = (struct wm_conf_seq_profile){960, 2, 1u << 30, 0};
	c->seq[WM_CONF_SEQ_ESP] = (struct wm_conf_seq_profile){960, 2, 1u << 30, 0};
	c->seq[WM_CONF_SEQ_RTP] = (struct wm_conf_seq_profile){100, 2, 3000, 0};
	c->seq[WM_CONF_SEQ_TESTER] = (struct wm_conf_seq_profile){960, 2, 1u << 20, 0};
	c->rtp_ports[0] = (struct wm_conf_port_range){5004, 5005};
	c->n_rtp_ports = 1;
	c->rtp_heuristic = 0;
	c->n_tester_ports = 0;
	c->tester_any_udp = 1;
	c->n_esn_spis = 0;
	c->n_xpn_scis = 0;
	c->capture.snaplen = 262144;
	c->capture.loss_events = WM_CONF_LOSS_GAP;
	c->capture.mbufs = 4096;
	c->xdp_flows = 65536;
	c->xdp_poll = 0.1;
}

void
wm_conf_free(struct wm_conf *c)
{
	unsigned int i;

	free(c->flows_json);
	free(c->report);
	free(c->filter);
	free(c->config_file);
	free(c->gaps_json);
	for (i = 0; i < c->n_pcaps; i++)
		free(c->pcaps[i]);
	for (i = 0; i < c->n_ipfix; i++)
		free(c->ipfix[i]);
	for (i = 0; i < c->n_ports; i++)
		free(c->ports[i]);
	free(c->lcores);
	free(c->cmdline_file);
	free(c->http);
	free(c->http_token_file);
	free(c->http_tls);
	c->http = c->http_token_file = c->http_tls = NULL;
	free(c->capture_key);
	free(c->sign_key);
	free(c->trust_key);
	c->capture_key = c->sign_key = c->trust_key = NULL;
	free(c->capture.file);
	free(c->capture.filter);
	free(c->capture.flow);
	free(c->capture.ring);
	free(c->capture.on_loss);
	free(c->capture.on_loss_events);
	free(c->capture.history_on_exit);
	free(c->ipfix_rate);
	free(c->ipfix_ca);
	free(c->ipfix_cert);
	free(c->ipfix_key);
	free(c->ipfix_server_name);
	c->ipfix_rate = c->ipfix_ca = c->ipfix_cert = c->ipfix_key = c->ipfix_server_name = NULL;
	free(c->ifaces_spec);
	free(c->xdp_filter);
	c->ifaces_spec = c->xdp_filter = NULL;
	c->n_ifaces = 0;
	memset(&c->capture, 0, sizeof(c->capture));
	c->flows_json = c->report = c->config_file = c->filter = c->gaps_json = NULL;
	c->lcores = c->cmdline_file = NULL;
	c->n_pcaps = 0;
	c->n_ipfix = 0;
	c->n_ports = 0;
}

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Check a number against an option's bounds; 'what' names the flag or key. */
static int
set_number(struct wm_conf *c, const struct opt_desc *o, double v, const char *what, char *err,
	   size_t errlen)
{
	char *base = (char *)c;
	char text[32];

	/* Whole numbers in full (2^53 + 2, not 9.00719925474099e+15); others in 15 digits. */
	if (fabs(v) < 0x1p63 && v == floor(v))
		snprintf(text, sizeof(text), "%.0f", v);
	else
		snprintf(text, sizeof(text), "%.15g", v);
	if (!isfinite(v) || v < o->min || (o->min_open && v == o->min) || v > o->max) {
		if (o->type != OPT_SECONDS)
			return fail(err, errlen, -EINVAL, "%s: %s is out of range [%.0f, %.0f]",
				    what, text, o->min, o->max);
		return fail(err, errlen, -EINVAL, "%s: %s seconds is out of range %s%g, %g]", what,
			    text, o->min_open ? "(" : "[", o->min, o->max);
	}
	if (o->type != OPT_SECONDS && v != floor(v))
		return fail(err, errlen, -EINVAL, "%s: %s is not a whole number", what, text);
	/* Under RFC 5103's PEN our elements would read as reverse elements of the same numbers. */
	if (o->offset == OFF(ipfix_pen) && v == WM_CONF_PEN_REVERSE)
		return fail(err, errlen, -EINVAL,
			    "%s: %s is the PEN of RFC 5103's reverse elements", what, text);
	if (o->type == OPT_COUNT)
		*(uint32_t *)(base + o->offset) = (uint32_t)v;
	else
		*(double *)(base + o->offset) = v;
	return 0;
}

/* What a JSON value is, for "expected X, got Y". */
static const char *
json_kind(const json_t *v)
{
	if (json_is_string(v))
		return "a string";
	if (json_is_number(v))
		return "a number";
	if (json_is_object(v))
		return "an object";
	if (json_is_array(v))
		return "an array";
	return "another type";
}

static void
set_bool(struct wm_conf *c, const struct opt_desc *o, bool on)
{
	*(uint32_t *)((char *)c + o->offset) = on ? 1 : 0;
}

/*
 * Lists of ports, SPIs and SCIs. The elements are read as text, whether
 * they come from a flag, a JSON string or a JSON number (printed first),
 * so a flag and a file accept the same things and say the same about
 * what they refuse. A list is built apart and replaces the old one only
 * when all of it is good: a flag's list replaces the file's, and a
 * file's list replaces the default.
 */
struct list_info {
	unsigned int max;  /* most elements */
	size_t size;	   /* of one element in struct wm_conf */
	const char *many;  /* "more than 8 port ranges" */
	const char *array; /* "expected an array of ports and port ranges" */
	const char *one;   /* "element 2 is not a port or a port range" */
};

static const struct list_info port_list = {WM_CONF_MAX_PORT_RANGES,
					   sizeof(struct wm_conf_port_range), "port ranges",
					   "ports and port ranges", "a port or a port range"};
static const struct list_info spi_list = {WM_CONF_MAX_SEQ_IDS, sizeof(uint32_t), "SPIs", "SPIs",
					  "an SPI"};
static const struct list_info sci_list = {WM_CONF_MAX_SEQ_IDS, sizeof(uint64_t), "SCIs", "SCIs",
					  "an SCI string"};

static const struct list_info *
list_info(const struct opt_desc *o)
{
	return o->type == OPT_PORT_LIST	 ? &port_list
	       : o->type == OPT_SPI_LIST ? &spi_list
					 : &sci_list;
}

/* A list under construction; the union's members share its address. */
struct list_buf {
	unsigned int n;
	union {
		struct wm_conf_port_range port[WM_CONF_MAX_PORT_RANGES];
		uint32_t spi[WM_CONF_MAX_SEQ_IDS];
		uint64_t sci[WM_CONF_MAX_SEQ_IDS];
	};
};

/*
 * Read s[0, len) as digits of @p base (10 or 16), nothing else and at
 * least one. An overlong number saturates at UINT64_MAX, so that it is
 * reported as out of range rather than as not a number.
 */
static bool
parse_digits(const char *s, size_t len, unsigned int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned int)(s[i] - '0');
		else if (base == 16 && isxdigit((unsigned char)s[i]))
			d = (unsigned int)(tolower((unsigned char)s[i]) - 'a' + 10);
		else
			return false;
		v = v > (UINT64_MAX - d) / base ? UINT64_MAX : v * base + d;
	}
	*out = v;
	return true;
}

static bool
hex_prefix(const char *s, size_t len)
{
	return len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* Add the element s[0, len) to @p l: a port or "A-B", an SPI, or an SCI. */
static int
list_add(const struct opt_desc *o, struct list_buf *l, const char *s, size_t len, const char *what,
	 char *err, size_t errlen)
{
	const struct list_info *li = list_info(o);
	const int n = (int)len;
	uint64_t a, b;

	if (o->type == OPT_PORT_LIST) {
		const char *dash = memchr(s, '-', len);
		const size_t alen = dash == NULL ? len : (size_t)(dash - s);

		if (!parse_digits(s, alen, 10, &a) ||
		    (dash != NULL && !parse_digits(dash + 1, len - alen - 1, 10, &b)))
			return fail(err, errlen, -EINVAL,
				    "%s: '%.*s' is not a port or a port range", what, n, s);
		if (dash == NULL)
			b = a;
		if (a < 1 || a > UINT16_MAX)
			return fail(err, errlen, -EINVAL,
				    "%s: port %.*s is out of range [1, 65535]", what, (int)alen, s);
		if (b < 1 || b > UINT16_MAX)
			return fail(err, errlen, -EINVAL,
				    "%s: port %.*s is out of range [1, 65535]", what,
				    (int)(len - alen - 1), dash + 1);
		if (a > b)
			return fail(err, errlen, -EINVAL,
				    "%s: range '%.*s' has its first port above its last", what, n,
				    s);
	} else if (o->type == OPT_SPI_LIST) {
		if (!(hex_prefix(s, len) ? parse_digits(s + 2, len - 2, 16, &a)
					 : parse_digits(s, len, 10, &a)))
			return fail(err, errlen, -EINVAL, "%s: '%.*s' is not an SPI", what, n, s);
		if (a < 1 || a > UINT32_MAX)
			return fail(err, errlen, -EINVAL,
				    "%s: SPI %.*s is out of range [1, 4294967295]", what, n, s);
	} else {
		const size_t skip = hex_prefix(s, len) ? 2 : 0;

		if (len - skip != 16 || !parse_digits(s + skip, 16, 16, &a))
			return fail(err, errlen, -EINVAL,
				    "%s: '%.*s' is not an SCI (16 hex digits)", what, n, s);
	}
	if (l->n == li->max)
		return fail(err, errlen, -EINVAL, "%s: more than %u %s", what, li->max, li->many);
	if (o->type == OPT_PORT_LIST)
		l->port[l->n] = (struct wm_conf_port_range){(uint16_t)a, (uint16_t)b};
	else if (o->type == OPT_SPI_LIST)
		l->spi[l->n] = (uint32_t)a;
	else
		l->sci[l->n] = a;
	l->n++;
	return 0;
}

/* Add the elements of a comma-separated list, as given to a flag. */
static int
list_add_text(const struct opt_desc *o, struct list_buf *l, const char *text, const char *what,
	      char *err, size_t errlen)
{
	const char *s = text;

	if (text[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty list", what);
	for (;;) {
		const char *comma = strchr(s, ',');
		const size_t len = comma == NULL ? strlen(s) : (size_t)(comma - s);
		int rc;

		if (len == 0)
			return fail(err, errlen, -EINVAL, "%s: empty element in '%s'", what, text);
		rc = list_add(o, l, s, len, what, err, errlen);
		if (rc < 0 || comma == NULL)
			return rc;
		s = comma + 1;
	}
}

/* Add a JSON number as one element, read like its text. SCIs are too wide for a number. */
static int
list_add_number(const struct opt_desc *o, struct list_buf *l, const json_t *v, const char *what,
		char *err, size_t errlen)
{
	char text[64];

	if (json_is_integer(v))
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(text, sizeof(text), "%.15g", json_real_value(v));
	return list_add(o, l, text, strlen(text), what, err, errlen);
}

/* Replace the configuration's list with @p l. */
static void
list_commit(struct wm_conf *c, const struct opt_desc *o, const struct list_buf *l)
{
	memcpy((char *)c + o->offset, &l->port, l->n * list_info(o)->size);
	*(unsigned int *)((char *)c + o->count_offset) = l->n;
}

static int
add_pcap(struct wm_conf *c, const char *path, const char *what, char *err, size_t errlen)
{
	if (c->n_pcaps == WM_CONF_MAX_PCAPS)
		return fail(err, errlen, -EINVAL, "%s: more than %d pcap files", what,
			    WM_CONF_MAX_PCAPS);
	if (access(path, R_OK) != 0)
		return fail(err, errlen, -ENOENT, "%s: cannot read '%s': %s", what, path,
			    strerror(errno));
	c->pcaps[c->n_pcaps] = strdup(path);
	if (c->pcaps[c->n_pcaps] == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	c->n_pcaps++;
	return 0;
}

/* A collector is kept only if c->uri_check finds its URI well formed (nothing is opened yet). */
static int
add_collector(struct wm_conf *c, const char *uri, const char *what, char *err, size_t errlen)
{
	char why[256];

	if (c->n_ipfix == WM_CONF_MAX_COLLECTORS)
		return fail(err, errlen, -EINVAL, "%s: more than %d collectors", what,
			    WM_CONF_MAX_COLLECTORS);
	if (c->uri_check != NULL && c->uri_check(uri, why, sizeof(why)) < 0)
		return fail(err, errlen, -EINVAL, "%s: '%s': %s", what, uri, why);
	c->ipfix[c->n_ipfix] = strdup(uri);
	if (c->ipfix[c->n_ipfix] == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	c->n_ipfix++;
	return 0;
}

static int
set_choice(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	   size_t errlen)
{
	char list[128] = "";
	unsigned int i;

	for (i = 0; o->choices[i] != NULL; i++) {
		if (strcmp(v, o->choices[i]) == 0) {
			*(uint32_t *)((char *)c + o->offset) = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : (o->choices[i + 1] == NULL ? " or " : ", "), o->choices[i]);
	}
	return fail(err, errlen, -EINVAL, "%s: '%s' is not one of %s", what, v, list);
}

static int
set_path(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	 size_t errlen)
{
	char **slot;

	if (o->type == OPT_PATH_LIST)
		return add_pcap(c, v, what, err, errlen);
	if (v[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty file name", what);
	slot = (char **)((char *)c + o->offset);
	free(*slot);
	*slot = strdup(v);
	return *slot == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* A filter is kept only if libpcap compiles it for Ethernet. */
static int
set_filter(struct wm_conf *c, const struct opt_desc *o, const char *expr, const char *what,
	   char *err, size_t errlen)
{
	char **slot = (char **)((char *)c + o->offset);
	struct bpf_program prog;
	pcap_t *pc;
	int rc;

	if (expr[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty filter", what);
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	if (pc == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	rc = pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0) {
		fail(err, errlen, -EINVAL, "%s: '%s': %s", what, expr, pcap_geterr(pc));
		pcap_close(pc);
		return -EINVAL;
	}
	pcap_freecode(&prog);
	pcap_close(pc);
	free(*slot);
	*slot = strdup(expr);
	return *slot == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* "0000:3b:00.0" or "3b:00.0", then devargs after a comma. */
bool
wm_conf_port_is_pci(const char *dev)
{
	static const char shape[] = "xx:xx.d";
	const char *p = dev;
	size_t i;

	if (strlen(p) >= 12 && p[4] == ':')
		for (i = 0; i < 4; i++)
			if (!isxdigit((unsigned char)p[i]))
				return false;
	if (strlen(p) >= 12 && p[4] == ':')
		p += 5;
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'x' && !isxdigit((unsigned char)p[i]))
			return false;
		if (shape[i] == 'd' && (p[i] < '0' || p[i] > '7'))
			return false;
		if ((shape[i] == ':' || shape[i] == '.') && p[i] != shape[i])
			return false;
	}
	return p[i] == '\0' || p[i] == ',';
}

/* A vdev name: a driver prefix and an instance ("net_pcap0"), devargs after a comma. */
static bool
port_is_vdev(const char *dev)
{
	size_t n = strcspn(dev, ",");
	size_t i;

	if (n < 3 || !isalpha((unsigned char)dev[0]) || memchr(dev, '_', n) == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)dev[i]) && dev[i] != '_')
			return false;
	return true;
}

static int
add_port(struct wm_conf *c, const char *dev, const char *what, char *err, size_t errlen)
{
	if (c->n_ports == WM_CONF_MAX_PORTS)
		return fail(err, errlen, -EINVAL, "%s: more than %d ports", what,
			    WM_CONF_MAX_PORTS);
	if (!wm_conf_port_is_pci(dev) && !port_is_vdev(dev))
		return fail(err, errlen, -EINVAL,
			    "%s: '%s' is neither a PCI address (0000:3b:00.0) nor a vdev "
			    "(net_pcap0,rx_pcap=FILE)",
			    what, dev);
	c->ports[c->n_ports] = strdup(dev);
	if (c->ports[c->n_ports] == NULL)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", what);
	c->n_ports++;
	return 0;
}

/* An lcore list as EAL's -l and --lcores take it: digits, '-', ',', '@' and parentheses. */
static int
set_lcores(struct wm_conf *c, const char *v, const char *what, char *err, size_t errlen)
{
	if (v[0] == '\0' || strspn(v, "0123456789,-@()") != strlen(v) ||
	    !(isdigit((unsigned char)v[0]) || v[0] == '('))
		return fail(err, errlen, -EINVAL, "%s: '%s' is not an lcore list (e.g. \"0-3\")",
			    what, v);
	free(c->lcores);
	c->lcores = strdup(v);
	return c->lcores == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* A file read later (the console's command file): readable now, or an error now. */
static int
set_infile(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	   size_t errlen)
{
	char **slot = (char **)((char *)c + o->offset);

	if (v[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: empty file name", what);
	if (access(v, R_OK) != 0)
		return fail(err, errlen, -ENOENT, "%s: cannot read '%s': %s", what, v,
			    strerror(errno));
	free(*slot);
	*slot = strdup(v);
	return *slot == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what) : 0;
}

/* Is the text valid UTF-8 (jansson refuses to make a JSON string of anything else)? */
static bool
utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/*
 * An OPT_SPEC value: parsed into its fields, and kept as given (for
 * wm_conf_to_json()) only when it parses. NULL restores the default.
 */
static int
set_spec(struct wm_conf *c, const struct opt_desc *o, const char *v, const char *what, char *err,
	 size_t errlen)
{
	char **slot = (char **)((char *)c + o->offset);
	char why[256];

	if (o->spec(c, v, why, sizeof(why)) != 0)
		return fail(err, errlen, -EINVAL, "%s: '%s': %s", what, v, why);
	free(*slot);
	*slot = v != NULL ? strdup(v) : NULL;
	return v != NULL && *slot == NULL ? fail(err, errlen, -ENOMEM, "%s: out of memory", what)
					  : 0;
}

/* One "key:number" of a ring spec. */
static int
ring_item(struct wm_conf_capture *cap, const char *item, char *why, size_t whylen)
{
	const char *colon = strchr(item, ':');
	char *end;
	double v;

	if (colon == NULL)
		return fail(why, whylen, -EINVAL, "'%s' is not KEY:VALUE", item);
	errno = 0;
	v = strtod(colon + 1, &end);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || v <= 0)
		return fail(why, whylen, -EINVAL, "'%s' needs a number above 0", item);
	if (strncmp(item, "files:", 6) == 0) {
		if (v != floor(v) || v > 1000000)
			return fail(why, whylen, -EINVAL, "files: %s is not 1..1000000", colon + 1);
		cap->ring_files = (uint32_t)v;
	} else if (strncmp(item, "filesize:", 9) == 0) {
		if (v > 1048576)
			return fail(why, whylen, -EINVAL, "filesize: %s MB is above 1 TB",
				    colon + 1);
		cap->ring_filesize_mb = v;
	} else if (strncmp(item, "duration:", 9) == 0) {
		if (v > 86400 * 366)
			return fail(why, whylen, -EINVAL, "duration: %s s is above a year",
				    colon + 1);
		cap->ring_duration = v;
	} else {
		return fail(why, whylen, -EINVAL, "'%.*s' is not files, filesize or duration",
			    (int)(colon - item), item);
	}
	return 0;
}

int
wm_conf_capture_ring_parse(const char *spec, struct wm_conf_capture *cap, char *why, size_t whylen)
{
	struct wm_conf_capture t = *cap;
	char buf[256], *save = NULL, *item;

	t.ring_files = 0;
	t.ring_filesize_mb = 0;
	t.ring_duration = 0;
	if (spec[0] == '\0' || strlen(spec) >= sizeof(buf))
		return fail(why, whylen, -EINVAL, "expected files:N,filesize:MB,duration:S");
	snprintf(buf, sizeof(buf), "%s", spec);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save))
		if (ring_item(&t, item, why, whylen) != 0)
			return -EINVAL;
	*cap = t;
	return 0;
}

static int
spec_ring(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	if (v != NULL)
		return wm_conf_capture_ring_parse(v, &c->capture, why, whylen);
	c->capture.ring_files = 0;
	c->capture.ring_filesize_mb = 0;
	c->capture.ring_duration = 0;
	return 0;
}

/* ADDR:PORT or [ADDR]:PORT; lib/http parses the address itself at start. */
static int
spec_http(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	const char *colon = v != NULL ? strrchr(v, ':') : NULL;
	char *end;
	unsigned long port;

	(void)c;
	if (v == NULL)
		return 0;
	if (colon == NULL || colon == v)
		return fail(why, whylen, -EINVAL, "expected ADDR:PORT ([ADDR]:PORT for IPv6)");
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!isdigit((unsigned char)colon[1]) || *end != '\0' || errno != 0 || port > 65535)
		return fail(why, whylen, -EINVAL, "the port is not a number 0..65535");
	return 0;
}

/* CERT,KEY: two files readable now (lib/http checks the key's permissions at start). */
static int
spec_http_tls(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	const char *comma = v != NULL ? strchr(v, ',') : NULL;
	char cert[PATH_MAX];

	(void)c;
	if (v == NULL)
		return 0;
	if (comma == NULL || comma == v || comma[1] == '\0' || (size_t)(comma - v) >= sizeof(cert))
		return fail(why, whylen, -EINVAL, "expected CERT,KEY (two PEM files)");
	memcpy(cert, v, (size_t)(comma - v));
	cert[comma - v] = '\0';
	if (access(cert, R_OK) != 0)
		return fail(why, whylen, -ENOENT, "cannot read '%s': %s", cert, strerror(errno));
	if (access(comma + 1, R_OK) != 0)
		return fail(why, whylen, -ENOENT, "cannot read '%s': %s", comma + 1,
			    strerror(errno));
	return 0;
}

/*
 * --ipfix-rate: a number, then nothing (messages a second) or one of tc's
 * rate units (bits a second, SI prefixes); 0 turns pacing off.
 */
int
wm_conf_rate_parse(const char *v, double *per_s, bool *bits, char *why, size_t whylen)
{
	static const struct {
		const char *unit;
		double scale;
	} units[] = {{"bit", 1}, {"kbit", 1e3}, {"mbit", 1e6}, {"gbit", 1e9}};
	char *end;
	double n;
	size_t i;

	errno = 0;
	n = strtod(v, &end);
	if (end == v || errno != 0 || !(n >= 0) || n > 1e12 || isspace((unsigned char)*v))
		return fail(why, whylen, -EINVAL,
			    "expected N messages a second, or N with bit, kbit, Mbit or Gbit");
	if (*end == '\0') {
		*per_s = n;
		*bits = false;
		return 0;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			*per_s = n * units[i].scale;
			*bits = true;
			return 0;
		}
	}
	return fail(why, whylen, -EINVAL, "unknown unit '%s' (use bit, kbit, Mbit or Gbit)", end);
}

static int
spec_rate(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	bool bits = true;

	if (v == NULL) {
		c->ipfix_rate_per_s = WM_CONF_IPFIX_RATE_DEFAULT;
		c->ipfix_rate_bits = 1;
		return 0;
	}
	if (wm_conf_rate_parse(v, &c->ipfix_rate_per_s, &bits, why, whylen) != 0)
		return -EINVAL;
	c->ipfix_rate_bits = bits;
	return 0;
}

/* A DNS name or an address, as a certificate names its host. */
static int
spec_server_name(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	const char *p;

	(void)c;
	if (v == NULL)
		return 0;
	if (v[0] == '\0' || strlen(v) > 253)
		return fail(why, whylen, -EINVAL, "expected a host name of 1 to 253 characters");
	for (p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-._:", *p) == NULL)
			return fail(why, whylen, -EINVAL, "'%c' cannot be in a host name", *p);
	return 0;
}

/* "eth1,eth2": interface names; whether they exist is the application's to say. */
static int
spec_ifaces(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	const char *p = v, *comma;
	size_t len;

	c->n_ifaces = 0;
	while (p != NULL) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len >= WM_CONF_IFNAME_LEN)
			return fail(why, whylen, -EINVAL,
				    "'%.*s' is not an interface name (1 to %d "
				    "characters)",
				    (int)len, p, WM_CONF_IFNAME_LEN - 1);
		if (c->n_ifaces == WM_CONF_MAX_IFACES)
			return fail(why, whylen, -EINVAL, "more than %d interfaces",
				    WM_CONF_MAX_IFACES);
		memcpy(c->ifaces[c->n_ifaces], p, len);
		c->ifaces[c->n_ifaces++][len] = '\0';
		p = comma != NULL ? comma + 1 : NULL;
	}
	return 0;
}

/*
 * "ifaces": ["eth1", "eth2"], the JSON form of "eth1,eth2" (kept as that
 * string, which --iface adds to and show config prints).
 */
static int
set_ifaces_array(struct wm_conf *c, const struct opt_desc *o, json_t *v, const char *what,
		 char *err, size_t errlen)
{
	char joined[WM_CONF_MAX_IFACES * WM_CONF_IFNAME_LEN] = "";
	size_t i, at = 0;
	json_t *el;

	if (json_array_size(v) == 0)
		return fail(err, errlen, -EINVAL, "%s: the array names no interface", what);
	if (json_array_size(v) > WM_CONF_MAX_IFACES)
		return fail(err, errlen, -EINVAL, "%s: more than %d interfaces", what,
			    WM_CONF_MAX_IFACES);
	json_array_foreach(v, i, el) {
		const char *name = json_string_value(el);

		/* A comma would split one name in two when the string is parsed. */
		if (name == NULL || name[0] == '\0' || strchr(name, ',') != NULL ||
		    strlen(name) >= WM_CONF_IFNAME_LEN)
			return fail(err, errlen, -EINVAL,
				    "%s: element %zu is not an interface name (a string of 1 to "
				    "%d characters, no comma)",
				    what, i, WM_CONF_IFNAME_LEN - 1);
		at += (size_t)snprintf(joined + at, sizeof(joined) - at, "%s%s", i ? "," : "",
				       name);
	}
	return set_spec(c, o, joined, what, err, errlen);
}

/* The rules are parsed where they are used (drivers/xdp, wm_xdp_rules_parse()). */
static int
spec_rules(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	(void)c;
	if (v != NULL && v[0] == '\0')
		return fail(why, whylen, -EINVAL, "an empty rule list");
	return 0;
}

static int
spec_loss(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	unsigned long before, after;
	char *end;

	if (v == NULL) {
		c->capture.loss_before = c->capture.loss_after = 0;
		return 0;
	}
	errno = 0;
	before = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || *end != ',' || errno != 0 || before > 255)
		return fail(why, whylen, -EINVAL, "expected BEFORE,AFTER with BEFORE in 0..255");
	after = strtoul(end + 1, &end, 10);
	if (!isdigit((unsigned char)strchr(v, ',')[1]) || *end != '\0' || errno != 0 ||
	    after > 65535)
		return fail(why, whylen, -EINVAL, "expected BEFORE,AFTER with AFTER in 0..65535");
	c->capture.loss_before = (uint32_t)before;
	c->capture.loss_after = (uint32_t)after;
	return 0;
}

static int
spec_loss_events(struct wm_conf *c, const char *v, char *why, size_t whylen)
{
	static const char *const names[] = {
		"gap", "late", "duplicate", "too-old", "jump", "proto-violation", "restart"};
	char buf[256], *save = NULL, *item;
	uint32_t bits = 0;
	unsigned int i;

	if (v == NULL) {
		c->capture.loss_events = WM_CONF_LOSS_GAP;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		return fail(why, whylen, -EINVAL, "too long");
	snprintf(buf, sizeof(buf), "%s", v);
	for (item = strtok_r(buf, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < (sizeof(names) / sizeof(names[0])); i++)
			if (strcmp(item, names[i]) == 0)
				break;
		if (i == (sizeof(names) / sizeof(names[0])))
			return fail(why, whylen, -EINVAL,
				    "'%s' is not gap, late, duplicate, too-old, jump, "
				    "proto-violation or restart",
				    item);
		bits |= 1u << i;
	}
	if (bits == 0)
		return fail(why, whylen, -EINVAL, "no event named");
	c->capture.loss_events = bits;
	return 0;
}

/* Apply one flag's text value. */
static int
apply_flag(struct wm_conf *c, const struct opt_desc *o, const char *arg, char *err, size_t errlen)
{
	char what[64];
	char *end;
	double v;

	snprintf(what, sizeof(what), "--%s", o->flag);
	/*
	 * The configuration is also JSON (the file, wm_conf_to_json() for
	 * 'show config' and telemetry), and JSON text is UTF-8: a value that
	 * is not could be kept here but never shown or saved.
	 */
	if (!utf8_valid(arg))
		return fail(err, errlen, -EINVAL, "%s: the value is not valid UTF-8", what);
	if (o->type == OPT_FILTER)
		return set_filter(c, o, arg, what, err, errlen);
	if (o->type == OPT_INFILE)
		return set_infile(c, o, arg, what, err, errlen);
	if (o->type == OPT_SPEC)
		return set_spec(c, o, arg, what, err, errlen);
	if (o->type == OPT_PATH || o->type == OPT_PATH_LIST)
		return set_path(c, o, arg, what, err, errlen);
	if (o->type == OPT_URI_LIST)
		return add_collector(c, arg, what, err, errlen);
	if (o->type == OPT_CHOICE)
		return set_choice(c, o, arg, what, err, errlen);
	if (o->type == OPT_BOOL) {
		if (strcmp(arg, "on") != 0 && strcmp(arg, "off") != 0)
			return fail(err, errlen, -EINVAL, "%s: '%s' is not on or off", what, arg);
		set_bool(c, o, strcmp(arg, "on") == 0);
		return 0;
	}
	if (o->type == OPT_PORT_LIST || o->type == OPT_SPI_LIST || o->type == OPT_SCI_LIST) {
		struct list_buf l = {.n = 0};
		int rc = list_add_text(o, &l, arg, what, err, errlen);

		if (rc == 0)
			list_commit(c, o, &l);
		return rc;
	}
	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || *end != '\0' || errno != 0)
		return fail(err, errlen, -EINVAL, "%s: '%s' is not %s", what, arg,
			    o->type == OPT_SECONDS ? "a number of seconds" : "a whole number");
	return set_number(c, o, v, what, err, errlen);
}

/* Apply one JSON member. */
static int
apply_json(struct wm_conf *c, const struct opt_desc *o, json_t *v, const char *path, char *err,
	   size_t errlen)
{
	char what[512];
	size_t i;
	json_t *el;

	snprintf(what, sizeof(what), "config %s: key '%s'", path, o->key);
	/*
	 * null unsets a file name, a filter or the lcore list, as when never
	 * given; and a count whose default is chosen at start (its default, 0,
	 * is below its minimum: --flow-capacity).
	 */
	if (json_is_null(v) && o->type == OPT_COUNT && o->min > 0) {
		*(uint32_t *)((char *)c + o->offset) = 0;
		return 0;
	}
	if (json_is_null(v) && o->type == OPT_SPEC)
		return set_spec(c, o, NULL, what, err, errlen);
	if (json_is_null(v) && (o->type == OPT_PATH || o->type == OPT_FILTER ||
				o->type == OPT_INFILE || o->type == OPT_LCORES)) {
		char **slot = (char **)((char *)c + o->offset);

		free(*slot);
		*slot = NULL;
		return 0;
	}
	switch (o->type) {
	case OPT_SECONDS:
	case OPT_COUNT:
	case OPT_WHOLE:
		if (!json_is_number(v))
			return fail(err, errlen, -EINVAL, "%s: expected a number, got %s", what,
				    json_kind(v));
		return set_number(c, o, json_number_value(v), what, err, errlen);
	case OPT_BOOL:
		if (!json_is_boolean(v))
			return fail(err, errlen, -EINVAL, "%s: expected true or false, got %s",
				    what, json_kind(v));
		set_bool(c, o, json_is_true(v));
		return 0;
	case OPT_PORT_LIST:
	case OPT_SPI_LIST:
	case OPT_SCI_LIST: {
		const struct list_info *li = list_info(o);
		const bool numbers = o->type != OPT_SCI_LIST;
		struct list_buf l = {.n = 0};
		int rc = 0;

		/* A string is a list as a flag gives it; a number, one element. */
		if (json_is_string(v))
			rc = list_add_text(o, &l, json_string_value(v), what, err, errlen);
		else if (numbers && json_is_number(v))
			rc = list_add_number(o, &l, v, what, err, errlen);
		else if (json_is_array(v))
			json_array_foreach(v, i, el) {
				if (json_is_string(el))
					rc = list_add(o, &l, json_string_value(el),
						      json_string_length(el), what, err, errlen);
				else if (numbers && json_is_number(el))
					rc = list_add_number(o, &l, el, what, err, errlen);
				else
					rc = fail(err, errlen, -EINVAL, "%s: element %zu is not %s",
						  what, i, li->one);
				if (rc < 0)
					break;
			}
		else
			return fail(err, errlen, -EINVAL, "%s: expected an array of %s, got %s",
				    what, li->array, json_kind(v));
		if (rc == 0)
			list_commit(c, o, &l);
		return rc;
	}
	case OPT_FILTER:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a filter string", what);
		return set_filter(c, o, json_string_value(v), what, err, errlen);
	case OPT_PATH:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a file name string", what);
		return set_path(c, o, json_string_value(v), what, err, errlen);
	case OPT_INFILE:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a file name string", what);
		return set_infile(c, o, json_string_value(v), what, err, errlen);
	case OPT_SPEC:
		if (o->spec == spec_ifaces && json_is_array(v))
			return set_ifaces_array(c, o, v, what, err, errlen);
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a string, got %s", what,
				    json_kind(v));
		return set_spec(c, o, json_string_value(v), what, err, errlen);
	case OPT_LCORES:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL,
				    "%s: expected a string such as \"0-3\", got %s", what,
				    json_kind(v));
		return set_lcores(c, json_string_value(v), what, err, errlen);
	case OPT_DEV_LIST: {
		const char *noun = "device string (0000:3b:00.0 or net_pcap0,rx_pcap=FILE)";
		int rc = 0;

		if (!json_is_array(v))
			return fail(err, errlen, -EINVAL,
				    "%s: expected an array of device strings, got %s", what,
				    json_kind(v));
		/* The file's list replaces what an earlier file gave. */
		for (i = 0; i < c->n_ports; i++)
			free(c->ports[i]);
		c->n_ports = 0;
		json_array_foreach(v, i, el) {
			if (!json_is_string(el))
				return fail(err, errlen, -EINVAL, "%s: element %zu is not a %s",
					    what, i, noun);
			rc = add_port(c, json_string_value(el), what, err, errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	case OPT_CHOICE:
		if (!json_is_string(v))
			return fail(err, errlen, -EINVAL, "%s: expected a string", what);
		return set_choice(c, o, json_string_value(v), what, err, errlen);
	case OPT_PATH_LIST:
	case OPT_URI_LIST: {
		const bool uri = o->type == OPT_URI_LIST;
		const char *noun = uri ? "collector URI" : "file name";

		if (json_is_string(v))
			return uri ? add_collector(c, json_string_value(v), what, err, errlen)
				   : add_pcap(c, json_string_value(v), what, err, errlen);
		if (!json_is_array(v))
			return fail(err, errlen, -EINVAL, "%s: expected an array of %ss", what,
				    noun);
		json_array_foreach(v, i, el) {
			int rc;

			if (!json_is_string(el))
				return fail(err, errlen, -EINVAL,
					    "%s: element %zu is not a %s string", what, i, noun);
			rc = uri ? add_collector(c, json_string_value(el), what, err, errlen)
				 : add_pcap(c, json_string_value(el), what, err, errlen);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	}
	return -EINVAL;
}

/* The option whose key is @p key, or NULL. */
static const struct opt_desc *
find_key(const char *key)
{
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (strcmp(opts[i].key, key) == 0)
			return &opts[i];
	return NULL;
}

/* Whether @p key is a group: a proper prefix, up to a dot, of some option's key. */
static bool
is_group(const char *key)
{
	const size_t len = strlen(key);
	size_t i;

	for (i = 0; i < N_OPTS; i++)
		if (strncmp(opts[i].key, key, len) == 0 && opts[i].key[len] == '.')
			return true;
	return false;
}

/* Longest dotted key; a longer member name can only be unknown. */
#define KEY_LEN 128

/*
 * Apply the members of @p obj, the group @p prefix ("" at the top level,
 * else a dotted key such as "seq.esp"). A member is an option, applied,
 * or a group, which must be an object and is walked in turn; the table
 * holds the groups, so the recursion is as deep as its longest key.
 */
static int
load_object(struct wm_conf *c, json_t *obj, const char *prefix, const char *path, char *err,
	    size_t errlen)
{
	const char *dot = prefix[0] == '\0' ? "" : ".";
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v) {
		const struct opt_desc *o = NULL;
		bool group = false;
		char key[KEY_LEN];
		int n, rc;

		n = snprintf(key, sizeof(key), "%s%s%s", prefix, dot, name);
		if (n > 0 && (size_t)n < sizeof(key)) {
			o = find_key(key);
			group = o == NULL && is_group(key);
		}
		if (o == NULL && !group)
			return fail(err, errlen, -EINVAL, "config %s: unknown key '%s%s%s'", path,
				    prefix, dot, name);
		/* "seq.streams" is a path, not a name: it would dodge duplicate checks. */
		if (strchr(name, '.') != NULL)
			return fail(err, errlen, -EINVAL,
				    "config %s: key '%s': use nested objects, not a '.' in a name",
				    path, key);
		if (o != NULL)
			rc = apply_json(c, o, v, path, err, errlen);
		else if (!json_is_object(v))
			rc = fail(err, errlen, -EINVAL,
				  "config %s: key '%s': expected an object, got %s", path, key,
				  json_kind(v));
		else
			rc = load_object(c, v, key, path, err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
wm_conf_load_file(struct wm_conf *c, const char *path, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	if (access(path, R_OK) != 0)
		return fail(err, errlen, -ENOENT, "config %s: cannot read: %s", path,
			    strerror(errno));
	if (c->file_read != NULL) {
		char why[1024], *text;
		size_t len;

		text = c->file_read(path, &len, why, sizeof(why));
		if (text == NULL)
			return fail(err, errlen, -EPERM, "%s", why);
		root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		free(text);
	} else {
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (root == NULL)
		return fail(err, errlen, -EINVAL, "config %s: line %d column %d: %s", path,
			    jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(err, errlen, -EINVAL, "config %s: the top level must be an object",
			    path);
	}
	rc = load_object(c, root, "", path, err, errlen);
	json_decref(root);
	return rc;
}

static void
usage(const char *prog)
{
	size_t i;

	printf("Usage: %s [EAL options] -- [options]\n\n"
	       "  -c FILE                  JSON config; flags override it\n",
	       prog);
	for (i = 0; i < N_OPTS; i++) {
		char left[64];

		if (opts[i].flag == NULL)
			continue;

		static const char *const arg_names[OPT_N_TYPES] = {
			[OPT_SECONDS] = "S",	  [OPT_COUNT] = "N",	   [OPT_PATH] = "FILE",
			[OPT_PATH_LIST] = "FILE", [OPT_FILTER] = "EXPR",   [OPT_URI_LIST] = "URI",
			[OPT_CHOICE] = "MODE",	  [OPT_WHOLE] = "N",	   [OPT_BOOL] = "on|off",
			[OPT_PORT_LIST] = "LIST", [OPT_SPI_LIST] = "LIST", [OPT_SCI_LIST] = "LIST",
			[OPT_DEV_LIST] = "DEV",	  [OPT_LCORES] = "LIST",   [OPT_INFILE] = "FILE",
			[OPT_SPEC] = "SPEC",
		};

		snprintf(left, sizeof(left), "--%s %s", opts[i].flag,
			 opts[i].arg != NULL ? opts[i].arg : arg_names[opts[i].type]);
		/* A flag too wide for the column gets a line of its own. */
		if (strlen(left) > 24)
			printf("  %s\n  %-24s %s\n", left, "", opts[i].help);
		else
			printf("  %-24s %s\n", left, opts[i].help);
	}
	printf("  --encrypt-outputs        with --capture-key: the JSON outputs are containers too\n"
	       "  -i, --interactive        a wiremeter> console on stdin (try 'help')\n"
	       "  -h, --help               this text\n"
	       "  -v, --version            the version\n"
	       "\nConfig keys only (the command line has EAL's -a/--vdev and -l for them):\n");
	for (i = 0; i < N_OPTS; i++)
		if (opts[i].flag == NULL)
			printf("  %-24s %s\n", opts[i].key, opts[i].help);
}

/*
 * --iface is repeatable: the first replaces the config file's "ifaces",
 * each later one adds its interfaces to the list (kept as one string).
 */
static int
iface_flag(struct wm_conf *c, const struct opt_desc *o, const char *v, bool *seen, char *err,
	   size_t errlen)
{
	char *joined = NULL;
	int rc;

	if (*seen && c->ifaces_spec != NULL && asprintf(&joined, "%s,%s", c->ifaces_spec, v) < 0)
		return fail(err, errlen, -ENOMEM, "--iface: out of memory");
	*seen = true;
	rc = apply_flag(c, o, joined != NULL ? joined : v, err, errlen);
	free(joined);
	return rc;
}

int
wm_conf_parse_args(struct wm_conf *c, int argc, char **argv, char *err, size_t errlen)
{
	struct option lopts[N_OPTS + 5];
	bool flag_pcaps = false, flag_ipfix = false, flag_ifaces = false;
	size_t i, n = 0;
	int opt, idx, rc;

	/* Options without a flag are config keys only; getopt returns 256 + table index. */
	for (i = 0; i < N_OPTS; i++)
		if (opts[i].flag != NULL)
			lopts[n++] = (struct option){opts[i].flag, required_argument, NULL,
						     256 + (int)i};
	lopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	lopts[n++] = (struct option){"version", no_argument, NULL, 'v'};
	lopts[n++] = (struct option){"interactive", no_argument, NULL, 'i'};
	lopts[n++] = (struct option){"encrypt-outputs", no_argument, NULL, 'E'};
	lopts[n] = (struct option){NULL, 0, NULL, 0};

	/*
	 * Pass 1: the config file, so the flags of pass 2 override it.
	 * optind = 0, not 1, makes glibc reinitialise getopt completely: with 1
	 * it would resume inside a group of short options that an earlier call
	 * left half-read ("-hv" returns at 'h'), and that group may be gone.
	 */
	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":c:hvi", lopts, &idx)) != -1) {
		if (opt == 'c') {
			free(c->config_file);
			c->config_file = strdup(optarg);
		}
	}
	if (c->config_file != NULL) {
		rc = wm_conf_load_file(c, c->config_file, err, errlen);
		if (rc < 0)
			return rc;
	}

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":c:hvi", lopts, &idx)) != -1) {
		/* Command-line --pcap files and collectors replace the config file's lists. */
		if (opt >= 256 && opts[opt - 256].type == OPT_PATH_LIST && !flag_pcaps) {
			for (i = 0; i < c->n_pcaps; i++)
				free(c->pcaps[i]);
			c->n_pcaps = 0;
			flag_pcaps = true;
		}
		if (opt >= 256 && opts[opt - 256].type == OPT_URI_LIST && !flag_ipfix) {
			for (i = 0; i < c->n_ipfix; i++)
				free(c->ipfix[i]);
			c->n_ipfix = 0;
			flag_ipfix = true;
		}
		switch (opt) {
		case 'c':
			break;
		case 'i':
			c->interactive = 1;
			break;
		case 'E':
			c->encrypt_outputs = 1;
			break;
		case 'h':
			usage(argv[0]);
			return WM_CONF_EXIT;
		case 'v':
			printf("wiremeter %s\n", WM_VERSION);
			return WM_CONF_EXIT;
		case ':':
			return fail(err, errlen, -EINVAL, "%s: missing value", argv[optind - 1]);
		case '?':
			/*
			 * optopt is the letter of an unknown short option, 0 for an
			 * unknown long one and 'h' or 'v' for "--help=x". An unknown
			 * letter inside a group ("-xq") leaves optind on the group, so
			 * argv[optind - 1] would name the argument before it.
			 */
			if (optopt != 0 && optopt != 'h' && optopt != 'v' && optopt != 'i')
				return fail(err, errlen, -EINVAL,
					    "unknown option '-%c' (see --help)", optopt);
			return fail(err, errlen, -EINVAL, "unknown option '%s' (see --help)",
				    argv[optind - 1]);
		default:
			rc = opts[opt - 256].spec == spec_ifaces
				     ? iface_flag(c, &opts[opt - 256], optarg, &flag_ifaces, err,
						  errlen)
				     : apply_flag(c, &opts[opt - 256], optarg, err, errlen);
			if (rc < 0)
				return rc;
		}
	}
	if (optind < argc)
		return fail(err, errlen, -EINVAL, "unexpected argument '%s' (see --help)",
			    argv[optind]);
	return 0;
}

/* The object a dotted key's value goes in, its groups created on the way. */
static json_t *
group_of(json_t *root, const char *key, const char **leaf)
{
	json_t *obj = root;
	const char *p = key, *dot;

	while ((dot = strchr(p, '.')) != NULL) {
		char name[KEY_LEN];
		json_t *sub;

		snprintf(name, sizeof(name), "%.*s", (int)(dot - p), p);
		sub = json_object_get(obj, name);
		if (sub == NULL) {
			sub = json_object();
			json_object_set_new(obj, name, sub);
		}
		obj = sub;
		p = dot + 1;
	}
	*leaf = p;
	return obj;
}

/* A number as the file would give it: whole numbers as integers. */
static json_t *
number_json(double v)
{
	if (fabs(v) <= 0x1p53 && v == floor(v))
		return json_integer((json_int_t)v);
	return json_real(v);
}

static json_t *
string_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A list option's value: strings as a flag takes them, or numbers for SPIs. */
static json_t *
list_json(const struct wm_conf *c, const struct opt_desc *o)
{
	const char *base = (const char *)c + o->offset;
	unsigned int n = *(const unsigned int *)((const char *)c + o->count_offset), i;
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		char text[32];

		if (o->type == OPT_PORT_LIST) {
			const struct wm_conf_port_range *r =
				&((const struct wm_conf_port_range *)base)[i];

			if (r->first == r->last)
				snprintf(text, sizeof(text), "%u", r->first);
			else
				snprintf(text, sizeof(text), "%u-%u", r->first, r->last);
			json_array_append_new(a, json_string(text));
		} else if (o->type == OPT_SPI_LIST) {
			json_array_append_new(a, json_integer(((const uint32_t *)base)[i]));
		} else {
			snprintf(text, sizeof(text), "%016" PRIx64, ((const uint64_t *)base)[i]);
			json_array_append_new(a, json_string(text));
		}
	}
	return a;
}

static json_t *
strings_json(char *const *v, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A count as JSON: null when unset (0 below its minimum: chosen at start). */
static json_t *
count_json(const struct opt_desc *o, uint32_t v)
{
	return v == 0 && o->min > 0 ? json_null() : json_integer(v);
}

json_t *
wm_conf_to_json(const struct wm_conf *c)
{
	const char *base = (const char *)c;
	json_t *root = json_object();
	size_t i;

	if (root == NULL)
		return NULL;
	for (i = 0; i < N_OPTS; i++) {
		const struct opt_desc *o = &opts[i];
		const char *leaf;
		json_t *obj = group_of(root, o->key, &leaf), *v = NULL;

		switch (o->type) {
		case OPT_SECONDS:
		case OPT_WHOLE:
			v = number_json(*(const double *)(base + o->offset));
			break;
		case OPT_COUNT:
			v = count_json(o, *(const uint32_t *)(base + o->offset));
			break;
		case OPT_BOOL:
			v = json_boolean(*(const uint32_t *)(base + o->offset) != 0);
			break;
		case OPT_CHOICE:
			v = json_string(o->choices[*(const uint32_t *)(base + o->offset)]);
			break;
		case OPT_PATH:
		case OPT_FILTER:
		case OPT_INFILE:
		case OPT_LCORES:
		case OPT_SPEC:
			v = string_or_null(*(char *const *)(base + o->offset));
			break;
		case OPT_PATH_LIST:
			v = strings_json(c->pcaps, c->n_pcaps);
			break;
		case OPT_URI_LIST:
			v = strings_json(c->ipfix, c->n_ipfix);
			break;
		case OPT_DEV_LIST:
			v = strings_json(c->ports, c->n_ports);
			break;
		case OPT_PORT_LIST:
		case OPT_SPI_LIST:
		case OPT_SCI_LIST:
			v = list_json(c, o);
			break;
		}
		if (obj == NULL || v == NULL || json_object_set_new(obj, leaf, v) != 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}
