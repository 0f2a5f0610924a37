/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The wiremeter authors
 */

/*
 * One way to name an interface (--iface): the fastest engine that works
 * on it, tried in order (the device's DPDK PMD, AF_XDP, af_packet), each
 * refusal said with its reason; --engine forces one, or asks for the
 * in-kernel meter (xdp). The checks run before EAL, so a PMD engine is
 * given to EAL as the vdev it would have needed by hand, and an engine
 * that would fail at probe time is never tried there.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_telemetry.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_string.h>

#include "wm_app.h"
#include "wm_engine.h"
#include "wm_evidence.h"
#include "wm_xdp.h"

#define CAP_NET_ADMIN_ 12
#define CAP_NET_RAW_ 13
#define CAP_SYS_ADMIN_ 21
#define CAP_BPF_ 39

/* What each engine is, for --engines and the choice lines. */
struct engine_desc {
	const char *name;
	bool zero_copy;	     /* can skip the copy to user space */
	bool kernel_offload; /* the kernel does the metering */
	const char *queues;  /* how many Rx queues it reads */
	const char *pmd;     /* its vdev driver, NULL when not a vdev */
};

static const struct engine_desc engines[] = {
	[WM_CONF_ENGINE_DPDK] = {"dpdk", true, false, "the NIC's", NULL},
	[WM_CONF_ENGINE_AF_XDP] = {"af_xdp", true, false, "the interface's channels", "net_af_xdp"},
	[WM_CONF_ENGINE_AF_PACKET] = {"af_packet", false, false, "one (fanout)", "net_af_packet"},
	[WM_CONF_ENGINE_PCAP] = {"pcap", false, false, "one", "net_pcap"},
	[WM_CONF_ENGINE_XDP] = {"xdp", false, true, "every CPU's (per-CPU maps)", NULL},
};

/* The XDP meters of --engine xdp, one per --iface; the main lcore's. */
static struct wm_xdp_meter *meters[WM_CONF_MAX_IFACES];
static char meter_if[WM_CONF_MAX_IFACES][WM_CONF_IFNAME_LEN];
static unsigned int n_meters;

/* --xdp-filter: the prefilter's object file (net_af_xdp's xdp_prog=), "" when none. */
static char filter_path[256];

/* Does this process hold capability cap (CapEff of /proc/self/status)? */
static bool
has_cap(unsigned int cap)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> cap) & 1;
}

/* An ethtool request on the interface; 0 or -1. */
static int
if_ethtool(const char *ifname, void *req)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = req;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return rc == 0 ? 0 : -1;
}

/* Rx channels (combined, else Rx-only), 1 when the driver does not say. */
static unsigned int
if_rx_channels(const char *ifname)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};

	if (if_ethtool(ifname, &ch) != 0)
		return 1;
	return ch.combined_count > 0 ? ch.combined_count : ch.rx_count > 0 ? ch.rx_count : 1;
}

/* The interface's kernel driver (ethtool), "" when it has none it says. */
static void
if_driver(const char *ifname, char *drv, size_t len)
{
	struct ethtool_drvinfo info = {.cmd = ETHTOOL_GDRVINFO};

	drv[0] = '\0';
	if (if_ethtool(ifname, &info) == 0)
		snprintf(drv, len, "%s", info.driver);
}

/* Is name one of list's (NULL-terminated)? */
static bool
in_list(const char *const *list, const char *name)
{
	unsigned int i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* The kernel drivers that hand a PCI device to DPDK. */
static const char *const dpdk_drivers[] = {"vfio-pci", "uio_pci_generic", "igb_uio", NULL};

/* A PCI device's driver (sysfs), "" when unbound or unknown; pci with its domain. */
static void
pci_driver(const char *pci, char *drv, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s%s/driver",
		 strlen(pci) < 10 ? "0000:" : "", pci);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	snprintf(drv, len, "%s", strrchr(target, '/') != NULL ? strrchr(target, '/') + 1 : "");
}

/* Is any PCI device bound to a DPDK driver? */
static bool
dpdk_devices(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	unsigned int i;
	bool any = false;

	for (i = 0; !any && dpdk_drivers[i] != NULL; i++) {
		DIR *d;

		snprintf(dir, sizeof(dir), "/sys/bus/pci/drivers/%s", dpdk_drivers[i]);
		d = opendir(dir);
		while (d != NULL && !any && (e = readdir(d)) != NULL)
			any = strchr(e->d_name, ':') != NULL;
		if (d != NULL)
			closedir(d);
	}
	return any;
}

/*
 * --iface with a PCI address: the dpdk engine, when the device is bound to
 * vfio-pci or uio (EAL takes it with -a); 0 or -EINVAL.
 */
static int
select_pci(struct wm_conf *c, unsigned int i)
{
	const char *pci = c->ifaces[i];
	char drv[64];

	pci_driver(pci, drv, sizeof(drv));
	if (c->engine != WM_CONF_ENGINE_AUTO && c->engine != WM_CONF_ENGINE_DPDK) {
		fprintf(stderr,
			"wiremeter: error: --iface %s: a PCI device is read by the dpdk "
			"engine, not %s\n",
			pci, engines[c->engine].name);
		return -EINVAL;
	}
	if (!in_list(dpdk_drivers, drv)) {
		fprintf(stderr,
			"wiremeter: error: --iface %s: not bound to a DPDK driver (%s%s; "
			"dpdk-devbind.py --bind vfio-pci %s)\n",
			pci, drv[0] != '\0' ? "kernel driver " : "no such device or no driver", drv,
			pci);
		return -EINVAL;
	}
	if (c->n_ports == WM_CONF_MAX_PORTS || (c->ports[c->n_ports] = strdup(pci)) == NULL) {
		fprintf(stderr, "wiremeter: error: --iface %s: too many devices\n", pci);
		return -EINVAL;
	}
	c->n_ports++;
	fprintf(stderr, "wiremeter: --iface %s: dpdk (%s)\n", pci, drv);
	return 0;
}

/* Drivers whose AF_XDP sockets can be zero-copy (XSK buffer pool support). */
static bool
zc_driver(const char *drv)
{
	static const char *const zc[] = {"i40e",   "ice", "ixgbe",	"igc", "mlx5_core",
					 "stmmac", "igb", "virtio_net", NULL};

	return in_list(zc, drv);
}

/*
 * Drivers with native (driver-mode) XDP. Known by name, not by attaching
 * a program to try: on many NICs an attach resets the rings, and the link
 * with them, which a choice made at start must not do to a host's traffic.
 */
static bool
native_xdp_driver(const char *drv)
{
	static const char *const native[] = {
		"veth",	   "virtio_net", "tun",	      "ixgbe", "i40e", "ice", "igb", "igc",
		"mlx4_en", "mlx5_core",	 "bnxt_en",   "ena",   "qede", "nfp", "sfc", "hv_netvsc",
		"ixgbevf", "stmmac",	 "dpaa2-eth", "cpsw",  "bond", NULL};

	return in_list(native, drv);
}

/* May this process load XDP programs, and does the kernel take ours? Else why not. */
static bool
bpf_usable(char *why, size_t len)
{
	if (!has_cap(CAP_NET_ADMIN_) || !(has_cap(CAP_BPF_) || has_cap(CAP_SYS_ADMIN_))) {
		snprintf(why, len, "missing capability CAP_NET_ADMIN and CAP_BPF");
		return false;
	}
	return wm_xdp_probe(NULL, why, len) == 0;
}

/*
 * Can engine e read ifname? Returns true, or false with why set; for
 * AF_XDP, *note says zero-copy or copy mode.
 */
static bool
engine_usable(enum wm_conf_engine e, const char *ifname, char *why, size_t len, char *note,
	      size_t nlen)
{
	char drv[32], fs[256];

	if_driver(ifname, drv, sizeof(drv));
	switch (e) {
	case WM_CONF_ENGINE_DPDK:
		/* A device bound to vfio-pci or uio has no kernel interface to name. */
		snprintf(why, len,
			 "not bound to a DPDK driver (kernel driver %s; "
			 "dpdk-devbind.py --bind vfio-pci, then -a PCI)",
			 drv[0] ? drv : "none");
		return false;
	case WM_CONF_ENGINE_AF_XDP:
		if (!bpf_usable(why, len))
			return false;
		if (!wm_xdp_bpffs(fs, sizeof(fs))) {
			snprintf(why, len, "bpffs not mounted (mount -t bpf bpf /sys/fs/bpf)");
			return false;
		}
		snprintf(note, nlen, "%s",
			 zc_driver(drv)		  ? "zero-copy"
			 : native_xdp_driver(drv) ? "copy mode"
						  : "copy mode, generic XDP");
		return true;
	case WM_CONF_ENGINE_XDP:
		if (!bpf_usable(why, len))
			return false;
		snprintf(note, nlen, "%s",
			 native_xdp_driver(drv) ? "native XDP"
						: "generic (skb) XDP: no native XDP "
						  "in this driver");
		return true;
	default:
		if (!has_cap(CAP_NET_RAW_)) {
			snprintf(why, len, "missing capability CAP_NET_RAW");
			return false;
		}
		return true;
	}
}

/* Add the vdev of a PMD engine for interface i to the config's EAL devices. */
static int
vdev_add(struct wm_conf *c, enum wm_conf_engine e, unsigned int i)
{
	char dev[512];

	if (c->n_ports == WM_CONF_MAX_PORTS)
		return -ENOSPC;
	snprintf(dev, sizeof(dev), "%s%u,iface=%s", engines[e].pmd, 100 + i, c->ifaces[i]);
	/* Every Rx channel gets a socket: RSS spreads the traffic over all of them. */
	if (e == WM_CONF_ENGINE_AF_XDP && if_rx_channels(c->ifaces[i]) > 1)
		snprintf(dev + strlen(dev), sizeof(dev) - strlen(dev), ",queue_count=%u",
			 if_rx_channels(c->ifaces[i]));
	if (e == WM_CONF_ENGINE_AF_XDP && filter_path[0] != '\0')
		snprintf(dev + strlen(dev), sizeof(dev) - strlen(dev), ",xdp_prog=%s", filter_path);
	c->ports[c->n_ports] = strdup(dev);
	if (c->ports[c->n_ports] == NULL)
		return -ENOMEM;
	c->n_ports++;
	return 0;
}

/* net_af_xdp's devarg naming an XDP program to load instead of its own. */
#define XDP_PROG_KEY ",xdp_prog="
#define MAX_PROG_COPIES 64

/* The private copies of verified programs (wm_engine_trust_progs()), removed at exit. */
static char prog_copies[MAX_PROG_COPIES][PATH_MAX];
static unsigned int n_prog_copies;

static void
prog_copies_remove(void)
{
	unsigned int i;

	for (i = 0; i < n_prog_copies; i++)
		wm_xdp_private_file_remove(prog_copies[i]);
	n_prog_copies = 0;
}

/* The verified bytes of path in a private file (the next prog_copies[]); 0, or -EPERM. */
static int
prog_copy(const char *path, char *err, size_t errlen)
{
	char why[1200];
	size_t len;
	char *buf;
	int rc;

	if (n_prog_copies == MAX_PROG_COPIES) {
		snprintf(err, errlen, "%s: more than %d XDP programs", path, MAX_PROG_COPIES);
		return -EPERM;
	}
	buf = wm_evidence_read_input(path, &len, why, sizeof(why));
	if (buf == NULL) {
		snprintf(err, errlen, "%s", why);
		return -EPERM;
	}
	rc = wm_xdp_private_file(buf, len, "prog.bpf.o", prog_copies[n_prog_copies],
				 sizeof(prog_copies[0]));
	free(buf);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot copy it for loading: %s", path, strerror(-rc));
		return -EPERM;
	}
	WM_LOG(NOTICE, "evidence: XDP program %s verified; net_af_xdp loads its private copy %s",
	       path, prog_copies[n_prog_copies]);
	if (n_prog_copies++ == 0)
		atexit(prog_copies_remove);
	return 0;
}

/* dev with each xdp_prog= pointed at a verified copy (malloc'd); NULL with err set. */
static char *
prog_devarg_trusted(const char *dev, char *err, size_t errlen)
{
	char *out = strdup(dev), *next, *val, *path;
	size_t at = 0, vlen;

	while (out != NULL && (val = strstr(out + at, XDP_PROG_KEY)) != NULL) {
		val += strlen(XDP_PROG_KEY);
		vlen = strcspn(val, ",");
		path = strndup(val, vlen);
		if (path == NULL || prog_copy(path, err, errlen) != 0) {
			free(path);
			free(out);
			return NULL;
		}
		free(path);
		next = NULL;
		if (asprintf(&next, "%.*s%s%s", (int)(val - out), out,
			     prog_copies[n_prog_copies - 1], val + vlen) < 0)
			next = NULL;
		at = (size_t)(val - out) + strlen(prog_copies[n_prog_copies - 1]);
		free(out);
		out = next;
	}
	if (out == NULL)
		snprintf(err, errlen, "%s: out of memory", dev);
	return out;
}

int
wm_engine_trust_progs(struct wm_conf *c, int n_eal, char **eal_argv)
{
	char err[1400];
	unsigned int k;
	char *dev;
	int i;

	if (!wm_evidence_trusting())
		return 0;
	/* Any EAL argument may be a device (--vdev X, --vdev=X, -a X): all are looked at. */
	for (i = 1; i < n_eal; i++) {
		if (strstr(eal_argv[i], XDP_PROG_KEY) == NULL)
			continue;
		dev = prog_devarg_trusted(eal_argv[i], err, sizeof(err));
		if (dev == NULL)
			goto refused;
		eal_argv[i] = dev; /* EAL keeps pointers into its argv until exit */
	}
	for (k = 0; k < c->n_ports; k++) {
		if (strstr(c->ports[k], XDP_PROG_KEY) == NULL)
			continue;
		dev = prog_devarg_trusted(c->ports[k], err, sizeof(err));
		if (dev == NULL)
			goto refused;
		free(c->ports[k]);
		c->ports[k] = dev;
	}
	return 0;
refused:
	fprintf(stderr, "wiremeter: error: XDP program (xdp_prog=): %s\n", err);
	prog_copies_remove();
	return -EPERM;
}

/* Choose interface i's engine, say why, and hand it to EAL; 0 or -EINVAL. */
static int
select_one(struct wm_conf *c, unsigned int i)
{
	static const enum wm_conf_engine order[] = {WM_CONF_ENGINE_DPDK, WM_CONF_ENGINE_AF_XDP,
						    WM_CONF_ENGINE_AF_PACKET};
	const char *ifname = c->ifaces[i];
	char tried[1024] = "", why[256], note[256] = "";
	enum wm_conf_engine e = (enum wm_conf_engine)c->engine;
	bool ok = false, fallback = false;
	unsigned int k;

	if (wm_conf_port_is_pci(ifname) && filter_path[0] == '\0' &&
	    c->engine != WM_CONF_ENGINE_XDP)
		return select_pci(c, i);
	if (if_nametoindex(ifname) == 0) {
		fprintf(stderr, "wiremeter: error: --iface %s: no such interface\n", ifname);
		return -EINVAL;
	}
	/* The prefilter is an AF_XDP program: no other engine can apply it. */
	if (filter_path[0] != '\0' && e == WM_CONF_ENGINE_AUTO)
		e = WM_CONF_ENGINE_AF_XDP;
	if (filter_path[0] != '\0' && e != WM_CONF_ENGINE_AF_XDP) {
		fprintf(stderr, "wiremeter: error: --xdp-filter: needs the af_xdp engine, not %s\n",
			engines[e].name);
		return -EINVAL;
	}
	if (e != WM_CONF_ENGINE_AUTO) {
		ok = engine_usable(e, ifname, why, sizeof(why), note, sizeof(note));
		if (!ok) {
			fprintf(stderr,
				"wiremeter: error: --iface %s: engine %s cannot start: %s\n",
				ifname, engines[e].name, why);
			return -EINVAL;
		}
	}
	for (k = 0; !ok && k < RTE_DIM(order); k++) {
		e = order[k];
		ok = engine_usable(e, ifname, why, sizeof(why), note, sizeof(note));
		/* A kernel interface is never a DPDK port: said, but no fallback. */
		fallback |= !ok && e != WM_CONF_ENGINE_DPDK;
		if (!ok)
			snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "; %s: %s",
				 engines[e].name, why);
	}
	if (!ok) {
		fprintf(stderr, "wiremeter: error: --iface %s: no engine can start%s\n", ifname,
			tried);
		return -EINVAL;
	}
	/* One line: the choice, then each engine tried first and why not (a fallback warns). */
	fprintf(stderr, "wiremeter: %s--iface %s: %s%s%s%s%s%s\n", fallback ? "warning: " : "",
		ifname, engines[e].name, note[0] ? " (" : "", note, note[0] ? ")" : "",
		tried[0] ? "; not " : "", tried[0] ? tried + 2 : "");
	if (e == WM_CONF_ENGINE_XDP)
		return 0;
	if (vdev_add(c, e, i) != 0) {
		fprintf(stderr, "wiremeter: error: --iface %s: too many devices\n", ifname);
		return -EINVAL;
	}
	return 0;
}

/* --xdp-filter: the rules parsed and put in the prefilter's pinned maps; 0 or -EINVAL. */
static int
filter_prepare(const struct wm_conf *c)
{
	struct wm_xdp_rule rules[WM_XDP_MAX_RULES];
	char err[512], fs[256];
	unsigned int n;

	if (wm_xdp_rules_parse(c->xdp_filter, rules, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "wiremeter: error: --xdp-filter: %s\n", err);
		return -EINVAL;
	}
	if (c->n_ifaces == 0) {
		fprintf(stderr,
			"wiremeter: error: --xdp-filter: name the interfaces with --iface\n");
		return -EINVAL;
	}
	if (!wm_xdp_bpffs(fs, sizeof(fs)) || strcmp(fs, WM_XDP_PIN_ROOT) != 0) {
		fprintf(stderr,
			"wiremeter: error: --xdp-filter: bpffs is not mounted on %s (its "
			"rules are maps pinned there)\n",
			WM_XDP_PIN_ROOT);
		return -EINVAL;
	}
	if (wm_xdp_filter_prepare(rules, n, filter_path, sizeof(filter_path), err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "wiremeter: error: --xdp-filter: %s\n", err);
		filter_path[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

int
wm_engine_select(struct wm_conf *c, bool eal_names_devices)
{
	unsigned int i;

	if (c->n_ifaces == 0) {
		if (c->engine == WM_CONF_ENGINE_XDP) {
			fprintf(stderr, "wiremeter: error: --engine xdp: name the interfaces with "
					"--iface\n");
			return -EINVAL;
		}
		return 0;
	}
	/* The kernel meters every packet: a packet filter or a file has no place in it. */
	if (c->engine == WM_CONF_ENGINE_XDP && (c->filter != NULL || c->n_pcaps > 0)) {
		fprintf(stderr,
			"wiremeter: error: --engine xdp: %s does not apply to in-kernel "
			"metering\n",
			c->filter != NULL ? "--filter" : "--pcap");
		return -EINVAL;
	}
	if (eal_names_devices && c->engine != WM_CONF_ENGINE_XDP) {
		fprintf(stderr, "wiremeter: error: --iface: EAL's --vdev/-a name the devices "
				"already; use one or the other\n");
		return -EINVAL;
	}
	if (c->xdp_filter != NULL && filter_prepare(c) != 0)
		return -EINVAL;
	for (i = 0; i < c->n_ifaces; i++)
		if (select_one(c, i) != 0) {
			wm_xdp_filter_cleanup(filter_path);
			return -EINVAL;
		}
	return 0;
}

/* Every engine, its capabilities and whether it can run here, as a JSON array. */
static json_t *
engines_json(void)
{
	json_t *arr = json_array();
	unsigned int e;

	for (e = WM_CONF_ENGINE_DPDK; e <= WM_CONF_ENGINE_XDP; e++) {
		const struct engine_desc *d = &engines[e];
		bool root = e != WM_CONF_ENGINE_DPDK;
		char why[256] = "", fs[256];
		bool avail = true;

		if (e == WM_CONF_ENGINE_DPDK && !dpdk_devices()) {
			avail = false;
			snprintf(why, sizeof(why), "no PCI device bound to vfio-pci or uio");
		} else if (e == WM_CONF_ENGINE_AF_XDP && !wm_xdp_bpffs(fs, sizeof(fs))) {
			avail = false;
			snprintf(why, sizeof(why), "bpffs not mounted");
		} else if ((e == WM_CONF_ENGINE_XDP || e == WM_CONF_ENGINE_AF_XDP) &&
			   wm_xdp_probe(NULL, why, sizeof(why)) != 0) {
			avail = false;
		}
		json_array_append_new(arr, json_pack("{s:s, s:b, s:b, s:b, s:s, s:s?, s:b, s:s?}",
						     "name", d->name, "zeroCopy", d->zero_copy,
						     "needsRoot", root, "kernelOffload",
						     d->kernel_offload, "queues", d->queues, "vdev",
						     d->pmd, "available", avail, "why",
						     avail ? NULL : why));
	}
	return arr;
}

void
wm_engines_print(void)
{
	json_t *arr = engines_json();

	json_dumpf(arr, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(arr);
}

/* /wiremeter/engines: the same as --engines, as telemetry dicts. */
static int
tel_engines(const char *cmd, const char *params, struct rte_tel_data *d)
{
	json_t *arr = engines_json();
	size_t i;
	json_t *v;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	json_array_foreach(arr, i, v) {
		struct rte_tel_data *e = rte_tel_data_alloc();

		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_int(e, "zeroCopy",
					  json_is_true(json_object_get(v, "zeroCopy")));
		rte_tel_data_add_dict_int(e, "needsRoot",
					  json_is_true(json_object_get(v, "needsRoot")));
		rte_tel_data_add_dict_int(e, "kernelOffload",
					  json_is_true(json_object_get(v, "kernelOffload")));
		rte_tel_data_add_dict_string(e, "queues",
					     json_string_value(json_object_get(v, "queues")));
		rte_tel_data_add_dict_int(e, "available",
					  json_is_true(json_object_get(v, "available")));
		if (json_object_get(v, "why") != NULL)
			rte_tel_data_add_dict_string(e, "why",
						     json_string_value(json_object_get(v, "why")));
		rte_tel_data_add_dict_container(d, json_string_value(json_object_get(v, "name")), e,
						0);
	}
	json_decref(arr);
	return 0;
}

/* /wiremeter/xdp: per interface, the in-kernel meter's mode and counters. */
static int
tel_xdp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t cnt[WM_XDP_C_MAX];
	unsigned int i, c;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	for (i = 0; i < n_meters; i++) {
		struct rte_tel_data *e = rte_tel_data_alloc();

		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_string(e, "mode", wm_xdp_meter_mode(meters[i]));
		rte_tel_data_add_dict_u64(e, "mapErrors", wm_xdp_meter_errors(meters[i]));
		if (wm_xdp_meter_counters(meters[i], cnt) == 0)
			for (c = 0; c < WM_XDP_C_MAX; c++)
				rte_tel_data_add_dict_u64(e, wm_xdp_counter_name(c), cnt[c]);
		rte_tel_data_add_dict_container(d, meter_if[i], e, 0);
	}
	if (filter_path[0] != '\0' && wm_xdp_filter_counters(cnt) == 0) {
		struct rte_tel_data *e = rte_tel_data_alloc();

		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "matched", cnt[WM_XDP_C_MATCHED]);
		rte_tel_data_add_dict_u64(e, "passed", cnt[WM_XDP_C_PASSED]);
		rte_tel_data_add_dict_u64(e, "noSocket", cnt[WM_XDP_C_NO_SOCKET]);
		rte_tel_data_add_dict_container(d, "prefilter", e, 0);
	}
	return 0;
}

RTE_INIT(wm_engine_telemetry)
{
	rte_telemetry_register_cmd(
		"/wiremeter/engines", tel_engines,
		"The engines and their capabilities (as --engines). No parameters");
	rte_telemetry_register_cmd("/wiremeter/xdp", tel_xdp,
				   "--engine xdp: per interface, the XDP program's mode and "
				   "counters. No parameters");
}

int
wm_engine_xdp_open(struct wm_app *app)
{
	const struct wm_conf *c = &app->conf;
	char err[512], fs[256];
	bool pin = wm_xdp_bpffs(fs, sizeof(fs));
	unsigned int i;

	for (i = 0; i < c->n_ifaces; i++) {
		struct wm_xdp_meter_params p = {
			.ifname = c->ifaces[i],
			.max_flows = c->xdp_flows,
			.idle_ns = RTE_MAX((uint64_t)(c->idle_timeout * 1e9), 1ull),
			.active_ns = RTE_MAX((uint64_t)(c->active_timeout * 1e9), 1ull),
			.linger_ns = (uint64_t)(c->tcp_linger * 1e9),
			.mode = (enum wm_xdp_mode)c->xdp_mode,
			.bpffs = pin ? fs : NULL,
			.in_port = (uint16_t)i,
		};
		struct wm_worker *w = app->workers[i % app->n_workers];

		meters[i] = wm_xdp_meter_open(&p, err, sizeof(err));
		if (meters[i] == NULL) {
			fprintf(stderr, "wiremeter: error: --iface %s: %s\n", c->ifaces[i], err);
			return -EINVAL;
		}
		snprintf(meter_if[i], sizeof(meter_if[i]), "%s", c->ifaces[i]);
		n_meters = i + 1;
		w->xdp[w->n_xdp++] = meters[i];
		WM_LOG(NOTICE, "--iface %s: in-kernel metering, %s XDP, %u flows%s%s", c->ifaces[i],
		       wm_xdp_meter_mode(meters[i]), c->xdp_flows,
		       pin ? ", maps pinned under " : "", pin ? fs : "");
	}
	return 0;
}

void
wm_engine_xdp_close(struct wm_app *app)
{
	unsigned int i;

	RTE_SET_USED(app);
	for (i = 0; i < n_meters; i++)
		wm_xdp_meter_close(meters[i]);
	n_meters = 0;
	if (filter_path[0] != '\0')
		wm_xdp_filter_cleanup(filter_path);
	filter_path[0] = '\0';
}

/* The prefilter's counters, summed over its interfaces. */
static json_t *
filter_json(void)
{
	json_t *o = json_object();
	uint64_t c[WM_XDP_C_MAX];

	if (wm_xdp_filter_counters(c) == 0) {
		json_object_set_new(o, "matched", json_integer((json_int_t)c[WM_XDP_C_MATCHED]));
		json_object_set_new(o, "passed", json_integer((json_int_t)c[WM_XDP_C_PASSED]));
		json_object_set_new(o, "noSocket", json_integer((json_int_t)c[WM_XDP_C_NO_SOCKET]));
	}
	return o;
}

/* ---- console: xdp filter RULES ---- */

struct cmd_xdp_filter_result {
	cmdline_fixed_string_t xdp;
	cmdline_fixed_string_t filter;
	cmdline_multi_string_t rules;
};

/* New rules go into the pinned maps the running program reads: no reload, no lost packet. */
static void
cmd_xdp_filter_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_xdp_filter_result *res = parsed;
	struct wm_xdp_rule rules[WM_XDP_MAX_RULES];
	unsigned int n;
	char err[256];
	int rc;

	RTE_SET_USED(data);
	if (filter_path[0] == '\0') {
		cmdline_printf(cl, "no prefilter: start with --iface IF --xdp-filter RULES\n");
		return;
	}
	if (wm_xdp_rules_parse(res->rules, rules, &n, err, sizeof(err)) != 0) {
		cmdline_printf(cl, "xdp filter: %s\n", err);
		return;
	}
	rc = wm_xdp_filter_set_rules(rules, n);
	if (rc != 0)
		cmdline_printf(cl, "xdp filter: cannot write its maps: %s\n", strerror(-rc));
	else
		cmdline_printf(cl, "prefilter: %u rule(s): %s\n", n, res->rules);
}

static cmdline_parse_token_string_t cmd_xdp_filter_xdp =
	TOKEN_STRING_INITIALIZER(struct cmd_xdp_filter_result, xdp, "xdp");
static cmdline_parse_token_string_t cmd_xdp_filter_filter =
	TOKEN_STRING_INITIALIZER(struct cmd_xdp_filter_result, filter, "filter");
static cmdline_parse_token_string_t cmd_xdp_filter_rules =
	TOKEN_STRING_INITIALIZER(struct cmd_xdp_filter_result, rules, TOKEN_STRING_MULTI);

cmdline_parse_inst_t wm_cmd_xdp_filter = {
	.f = cmd_xdp_filter_parsed,
	.data = NULL,
	.help_str = "xdp filter RULES: replace the AF_XDP prefilter's rules (--xdp-filter syntax)",
	.tokens = {(void *)&cmd_xdp_filter_xdp, (void *)&cmd_xdp_filter_filter,
		   (void *)&cmd_xdp_filter_rules, NULL},
};

/*
 * The workers' failed flow-map reads, logged here on the main lcore (at
 * most once a stats line) when more failed: the workers never log.
 */
static void
map_errors_log(void)
{
	static uint64_t logged;
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < n_meters; i++)
		sum += wm_xdp_meter_errors(meters[i]);
	if (sum > logged)
		WM_LOG(WARNING, "XDP: %" PRIu64 " flow-map reads failed (%" PRIu64 " in all)",
		       sum - logged, sum);
	logged = sum;
}

void
wm_engine_stats_suffix(char *buf, size_t len)
{
	uint64_t c[WM_XDP_C_MAX], metered = 0, failed = 0;
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	map_errors_log();
	for (i = 0; i < n_meters; i++)
		if (wm_xdp_meter_counters(meters[i], c) == 0) {
			metered += c[WM_XDP_C_METERED];
			failed += c[WM_XDP_C_FAILED_INSERTS];
		}
	if (n_meters > 0)
		n = (size_t)snprintf(buf, len, " | xdp metered %" PRIu64 " failed %" PRIu64,
				     metered, failed);
	if (filter_path[0] != '\0' && n < len && wm_xdp_filter_counters(c) == 0)
		snprintf(buf + n, len - n, " | prefilter matched %" PRIu64 " passed %" PRIu64,
			 c[WM_XDP_C_MATCHED], c[WM_XDP_C_PASSED]);
}

json_t *
wm_engine_report_json(const struct wm_app *app)
{
	json_t *o = json_object();
	unsigned int i, c;

	RTE_SET_USED(app);
	for (i = 0; i < n_meters; i++) {
		json_t *e = json_object();
		uint64_t cnt[WM_XDP_C_MAX];

		json_object_set_new(e, "mode", json_string(wm_xdp_meter_mode(meters[i])));
		json_object_set_new(e, "mapErrors",
				    json_integer((json_int_t)wm_xdp_meter_errors(meters[i])));
		if (wm_xdp_meter_counters(meters[i], cnt) == 0)
			for (c = 0; c < WM_XDP_C_MAX; c++)
				json_object_set_new(e, wm_xdp_counter_name(c),
						    json_integer((json_int_t)cnt[c]));
		json_object_set_new(o, meter_if[i], e);
	}
	if (filter_path[0] != '\0')
		json_object_set_new(o, "prefilter", filter_json());
	return o;
}

unsigned int
wm_engine_xdp_take(struct wm_xdp_meter *m, bool flush, void *out, unsigned int max)
{
	int n = max == 0 ? 0 : wm_xdp_meter_poll(m, flush, out, max);

	/* No log on the worker: failed map reads count in wm_xdp_meter_errors(). */
	return n < 0 ? 0 : (unsigned int)n;
}
