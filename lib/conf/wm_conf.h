/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

#ifndef WM_CONF_H
#define WM_CONF_H

/**
 * @file
 * wiremeter configuration: defaults, the JSON config file (jansson) and
 * the application's command-line options, which override the file.
 *
 * No EAL dependency: the configuration is read and checked before EAL
 * starts, so a bad value stops the program before any port is touched.
 * Every error is one line that names the flag, key or file, and why.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most --pcap files at once (one ethdev each). */
#define WM_CONF_MAX_PCAPS 32

/** Most IPFIX collectors at once. */
#define WM_CONF_MAX_COLLECTORS 8

/** Most EAL devices in the config's "ports". */
#define WM_CONF_MAX_PORTS 32

/** IPFIX export modes (--ipfix-mode). */
/** How tunnels are metered (--tunnels). */
enum wm_conf_tunnels {
	WM_CONF_TUNNELS_INNER, /**< the innermost flow of a decoded tunnel (default) */
	WM_CONF_TUNNELS_OUTER, /**< the outer headers only */
};

enum wm_conf_ipfix_mode {
	WM_CONF_IPFIX_BIFLOW,  /**< RFC 5103 biflow records */
	WM_CONF_IPFIX_UNIFLOW, /**< a forward and a reverse record */
};

/** Capture engines (--engine): how an --iface is read. */
enum wm_conf_engine {
	WM_CONF_ENGINE_AUTO,	  /**< the fastest that works: dpdk, af_xdp, af_packet */
	WM_CONF_ENGINE_DPDK,	  /**< the device's own PMD (bound to vfio-pci or uio) */
	WM_CONF_ENGINE_AF_XDP,	  /**< net_af_xdp */
	WM_CONF_ENGINE_AF_PACKET, /**< net_af_packet */
	WM_CONF_ENGINE_PCAP,	  /**< net_pcap on the live interface */
	WM_CONF_ENGINE_XDP,	  /**< in-kernel metering by an XDP program (drivers/xdp) */
};

/** Most interfaces --iface names. */
#define WM_CONF_MAX_IFACES 8
/** Longest interface name, with its NUL (IFNAMSIZ). */
#define WM_CONF_IFNAME_LEN 16

/** XDP attach modes (--xdp-mode), as enum wm_xdp_mode. */
enum wm_conf_xdp_mode {
	WM_CONF_XDP_AUTO,   /**< native, else generic */
	WM_CONF_XDP_NATIVE, /**< the driver's XDP only */
	WM_CONF_XDP_SKB,    /**< generic (skb) XDP only */
};

/** Largest flow table per worker. */
#define WM_CONF_MAX_FLOW_CAPACITY (1u << 30)

/** Most port ranges in a port list (seq.rtp_ports, seq.tester_ports). */
#define WM_CONF_MAX_PORT_RANGES 8
/** Most SPIs with ESN, or SCIs with XPN, named one by one. */
#define WM_CONF_MAX_SEQ_IDS 64

/** Sequence stream kinds, in lib/seq's order (enum wm_seq_kind). */
enum wm_conf_seq_kind {
	WM_CONF_SEQ_MACSEC,
	WM_CONF_SEQ_ESP,
	WM_CONF_SEQ_RTP,
	WM_CONF_SEQ_TESTER,
	WM_CONF_SEQ_KINDS,
};

/** Tracking parameters of one stream kind (SEQUENCE.md: W, J, K, ESN/XPN). */
struct wm_conf_seq_profile {
	uint32_t window;    /**< W, 1..32768 */
	uint32_t restart_k; /**< K, 1..8 */
	double jump;	    /**< J, 1..2^53 */
	uint32_t ext64;	    /**< ESP: ESN on for every SA; MACsec: XPN on for every SC (0/1) */
};

/** An inclusive range of UDP ports. */
struct wm_conf_port_range {
	uint16_t first;
	uint16_t last;
};

/** Sequence events that trigger a loss capture (capture.on_loss_events), one bit each. */
enum wm_conf_loss_event {
	WM_CONF_LOSS_GAP = 1u << 0,
	WM_CONF_LOSS_LATE = 1u << 1,
	WM_CONF_LOSS_DUPLICATE = 1u << 2,
	WM_CONF_LOSS_TOO_OLD = 1u << 3,
	WM_CONF_LOSS_JUMP = 1u << 4,
	WM_CONF_LOSS_PROTO_VIOLATION = 1u << 5,
	WM_CONF_LOSS_RESTART = 1u << 6,
};

/** Packet capture (JSON object "capture"). Strings are NULL when not given. */
struct wm_conf_capture {
	char *file;		 /**< --capture: the pcapng file (a ring's name pattern) */
	char *filter;		 /**< --capture-filter: what the capture selects */
	char *flow;		 /**< capture.flow: one biflow's key, as the console names it */
	uint32_t snaplen;	 /**< bytes kept per packet, 1..262144 */
	uint32_t count;		 /**< end after so many packets, 0: no limit */
	double duration;	 /**< end after so many seconds of packet time, 0: no limit */
	char *ring;		 /**< the ring spec as given, "files:N,filesize:MB,duration:S" */
	uint32_t ring_files;	 /**< from the spec; 0 when not given */
	double ring_filesize_mb; /**< from the spec; 0 when not given */
	double ring_duration;	 /**< from the spec, seconds; 0 when not given */
	char *on_loss;		 /**< "BEFORE,AFTER" as given */
	uint32_t loss_before;	 /**< packets kept per stream before an event */
	uint32_t loss_after;	 /**< packets captured after it */
	char *on_loss_events;	 /**< the events as given, e.g. "gap,late" */
	uint32_t loss_events;	 /**< enum wm_conf_loss_event bits; default gap */
	uint32_t history;	 /**< flight recorder: packets per worker, 0: off */
	char *history_on_exit;	 /**< dump the flight recorder to this file at exit */
	uint32_t mbufs;		 /**< capture copies in the pool */
};

/**
 * Parse a capture ring spec ("files:N,filesize:MB,duration:S", any
 * subset), as --capture-ring and dumpcap's -b take it.
 *
 * @return
 *   0 with the fields of @p cap set, or -EINVAL with @p why set.
 */
int wm_conf_capture_ring_parse(const char *spec, struct wm_conf_capture *cap, char *why,
			       size_t whylen);

/**
 * --ipfix-rate's default, in bits a second per UDP collector (README,
 * "Pacing"): what nfcapd and nfacctd with the kernel's default receive
 * buffer (net.core.rmem_default, 208 KiB) keep up with on a busy host.
 */
#define WM_CONF_IPFIX_RATE_DEFAULT 10e6

/**
 * Parse a rate as --ipfix-rate takes it: "N" messages a second, or N
 * with a unit of tc's ("bit", "kbit", "Mbit", "Gbit", any case) bits a
 * second; "0" is no pacing.
 *
 * @return
 *   0 with @p per_s and @p bits set, or -EINVAL with @p why set.
 */
int wm_conf_rate_parse(const char *v, double *per_s, bool *bits, char *why, size_t whylen);

/** The whole running configuration. Owned by the main lcore; read-only after start. */
struct wm_conf {
	double idle_timeout;		/**< seconds; > 0 */
	double active_timeout;		/**< seconds; > 0 */
	double tcp_linger;		/**< seconds; >= 0 */
	double stats_interval;		/**< seconds; 0 disables the stats line */
	uint32_t flow_capacity;		/**< flows per worker; 0: sized from memory (wm_ealargs) */
	uint32_t mbufs;			/**< mbufs per pool; 0 sizes automatically */
	char *flows_json;		/**< JSON lines output path, or NULL */
	char *report;			/**< final JSON report path, or NULL */
	char *filter;			/**< pcap filter expression, or NULL */
	char *config_file;		/**< the -c file, or NULL */
	char *pcaps[WM_CONF_MAX_PCAPS]; /**< --pcap files */
	unsigned int n_pcaps;
	char *ipfix[WM_CONF_MAX_COLLECTORS]; /**< --ipfix collector URIs */
	unsigned int n_ipfix;
	/**
	 * Checks each collector URI as it is read (flag or file), so a bad
	 * one is the first error, as any other bad value is: the transport's
	 * check (wm_ipfix_transport_check()), set by the caller after
	 * wm_conf_defaults(); this library links no transport. NULL keeps
	 * any string. Returns 0, or a negative errno with @p why set.
	 */
	int (*uri_check)(const char *uri, char *why, size_t whylen);
	/**
	 * Reads the config file in the library's place, set like uri_check:
	 * its bytes (NUL-terminated, malloc'd; the library frees them), checked
	 * as the caller wants (a signature, --trust-key), so that what is parsed
	 * is what was checked; or NULL with @p why naming the file and the
	 * reason. NULL: the library reads the file itself.
	 */
	char *(*file_read)(const char *path, size_t *len, char *why, size_t whylen);
	uint32_t tunnels;	     /**< enum wm_conf_tunnels */
	uint32_t ipfix_mode;	     /**< enum wm_conf_ipfix_mode */
	uint32_t observation_domain; /**< first worker's Observation Domain ID */
	uint32_t ipfix_mtu;	     /**< largest IPFIX message */
	uint32_t ipfix_queue;	     /**< messages queued per collector */
	uint32_t ipfix_pen;	     /**< PEN of wiremeter's own elements */
	double template_refresh;     /**< seconds between template resends (UDP) */
	double ipfix_flush;	     /**< seconds a partly filled message may wait */
	/* Export transports (lib/collector): UDP pacing, TLS. */
	char *ipfix_rate;	  /**< --ipfix-rate as given, or NULL for the default */
	double ipfix_rate_per_s;  /**< per UDP collector: messages or bits a second; 0 unpaced */
	uint32_t ipfix_rate_bits; /**< ipfix_rate_per_s counts bits (1) or messages (0) */
	char *ipfix_ca;	  /**< tls://: CA certificates (PEM) to verify the collector, or NULL */
	char *ipfix_cert; /**< tls://: our certificate (PEM) for mutual authentication */
	char *ipfix_key;  /**< tls://: its private key (PEM), readable by its owner only */
	char *ipfix_server_name; /**< tls://: the name the certificate must carry (default HOST) */

	/* Sequence-gap tracking (JSON object "seq"; SEQUENCE.md). */
	char *gaps_json;				   /**< gap event JSON lines, or NULL */
	uint32_t seq_streams;				   /**< streams per worker */
	struct wm_conf_seq_profile seq[WM_CONF_SEQ_KINDS]; /**< per kind */
	struct wm_conf_port_range rtp_ports[WM_CONF_MAX_PORT_RANGES];
	unsigned int n_rtp_ports;
	uint32_t rtp_heuristic; /**< RTP on any UDP port after K sequential packets (0/1) */
	struct wm_conf_port_range tester_ports[WM_CONF_MAX_PORT_RANGES];
	unsigned int n_tester_ports;
	uint32_t tester_any_udp;		/**< TRex trailers on any UDP port (0/1) */
	uint32_t esn_spis[WM_CONF_MAX_SEQ_IDS]; /**< SAs with ESN when seq.esp.esn is off */
	unsigned int n_esn_spis;
	uint64_t xpn_scis[WM_CONF_MAX_SEQ_IDS]; /**< SCs with XPN when seq.macsec.xpn is off */
	unsigned int n_xpn_scis;

	/*
	 * Where it runs. "ports" and "lcores" are config keys only: on the
	 * command line EAL's -a/--vdev and -l/-c/--lcores say the same, and
	 * override them.
	 */
	char *ports[WM_CONF_MAX_PORTS]; /**< EAL devices: PCI addresses (-a) or vdevs (--vdev) */
	unsigned int n_ports;
	char *lcores;		 /**< EAL lcore list ("0-3"), or NULL */
	uint32_t rx_queues;	 /**< Rx queues per RSS-capable port; 0: one per worker */
	uint32_t rx_descriptors; /**< Rx descriptors per queue */

	struct wm_conf_capture capture; /**< packet capture */

	/* Engines and interfaces (drivers/xdp, app/wiremeter/engine.c). */
	uint32_t engine;				     /**< enum wm_conf_engine */
	char *ifaces_spec;				     /**< --iface as given, "eth1,eth2" */
	char ifaces[WM_CONF_MAX_IFACES][WM_CONF_IFNAME_LEN]; /**< its interfaces */
	unsigned int n_ifaces;
	uint32_t xdp_flows; /**< --engine xdp: flow map entries per interface */
	uint32_t xdp_mode;  /**< enum wm_conf_xdp_mode */
	double xdp_poll;    /**< seconds between reads of the flow map */
	char *xdp_filter;   /**< AF_XDP prefilter rules as given, or NULL (wm_xdp.h) */

	/* The console. */
	uint32_t interactive; /**< -i: a wiremeter> prompt on stdin (0/1); no config key */
	char *cmdline_file;   /**< console commands run at start, or NULL */

	/* The HTTP server: metrics and the REST API (lib/http). */
	char *http;	       /**< --http ADDR:PORT, or NULL (off) */
	char *http_token_file; /**< --http-token-file: the bearer token, or NULL */
	char *http_tls;	       /**< --http-tls CERT,KEY, or NULL */
	/* Evidence-grade output (JSON object "evidence"): key files by path only. */
	char *capture_key;	  /**< --capture-key: AES-256 key file; captures encrypted */
	uint32_t encrypt_outputs; /**< --encrypt-outputs: the JSON outputs encrypted too (0/1) */
	char *sign_key;		  /**< --sign-key: PEM private key signing each file closed */
	char *trust_key; /**< --trust-key: PEM public key the files loaded must be signed by */
};

/** wm_conf_parse_args() result when --help or --version was asked. */
#define WM_CONF_EXIT 1

/**
 * Fill @p c with the defaults.
 *
 * @param c
 *   The configuration to initialise; any previous content is ignored.
 */
void wm_conf_defaults(struct wm_conf *c);

/**
 * Apply a JSON config file on top of @p c.
 *
 * @param c
 *   The configuration.
 * @param path
 *   The file.
 * @param err
 *   Buffer for one line naming what was wrong.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0, or -EINVAL (bad content) / -ENOENT (unreadable file) with @p err set.
 */
int wm_conf_load_file(struct wm_conf *c, const char *path, char *err, size_t errlen);

/**
 * Parse the application's options (the part of argv after EAL's "--"),
 * loading -c FILE first so that every other flag overrides it.
 *
 * @param c
 *   The configuration, already holding the defaults.
 * @param argc
 *   Number of arguments, argv[0] included.
 * @param argv
 *   The arguments; argv[0] is the program name.
 * @param err
 *   Buffer for one line naming what was wrong.
 * @param errlen
 *   Size of @p err.
 * @return
 *   0; WM_CONF_EXIT after printing --help or --version to stdout; or a
 *   negative errno with @p err set.
 */
int wm_conf_parse_args(struct wm_conf *c, int argc, char **argv, char *err, size_t errlen);

/**
 * Is an EAL device string a PCI address ("0000:3b:00.0", "3b:00.0",
 * with devargs after a comma), to give with -a, rather than a vdev?
 *
 * @param dev
 *   The device string.
 * @return
 *   true for a PCI address.
 */
bool wm_conf_port_is_pci(const char *dev);

struct json_t;

/**
 * The configuration as a JSON object in the config file's shape (nested
 * groups, every key of the options table, unset paths as null): loaded
 * with wm_conf_load_file() it gives the same configuration. -c and -i,
 * which have no key, are not in it.
 *
 * @param c
 *   The configuration.
 * @return
 *   A new jansson object (the caller's reference), or NULL when out of
 *   memory.
 */
struct json_t *wm_conf_to_json(const struct wm_conf *c);

/**
 * Release what the configuration holds.
 *
 * @param c
 *   The configuration.
 */
void wm_conf_free(struct wm_conf *c);

#ifdef __cplusplus
}
#endif

#endif /* WM_CONF_H */
