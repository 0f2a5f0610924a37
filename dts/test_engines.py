#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Engines suite: --engine xdp (in-kernel metering), --iface's choice, --engines.

Testbed: namespaces wmeng-a and wmeng-b joined by the veth pair wmengA /
wmengB (wmtest.Testbed: no addresses, no ARP, so the only frames are the
replayed ones). wiremeter runs in wmeng-a on wmengA; tcpreplay sends the
dts trace (dts/traffic.py, with its truth) from wmeng-b. Every check
compares with the truth or with another engine's records, never with a
number written here:

- xdp: the records equal the truth (keys, orientation, packets, octets,
  TCP flags both ways, ICMP type/code, min/max length); the program's
  counters say every packet was metered; the records equal the af_packet
  engine's for the same trace, field for field but the times, and so do
  they on a second trace of VLAN, QinQ, IPv6 extension headers, ICMPv6,
  SCTP, ESP and ARP (L2) frames;
- idle timeout: every flow not closed ends idle (reason 1), before SIGINT;
- active timeout: a 2.5 s stream exports deltas (reason 2) every second
  that add up to its packets;
- a small map (--xdp-flows 4): failedInserts equals the packets that are
  in no record, and metered + failedInserts equals the packets sent;
- --iface: with bpffs mounted (in the namespace's private mount
  namespace) it picks af_xdp and meters the trace; without bpffs it falls
  back to af_packet and says why; a missing interface or a forced engine
  that cannot start is one line and exit code 2;
- --xdp-filter (AF_XDP prefilter): with a rule selecting one UDP port,
  exactly the trace's packets to that port are metered, while a ping and
  a TCP connection to wmeng-a's own stack work before, during and after;
  the console's "xdp filter" replaces the rules the running program uses;
- --trust-key: a signed XDP program (xdp_prog= in a signed config) is
  loaded from its private copy (0600 in a 0700 directory, removed at exit)
  and attached to the interface;
- --engines parses and names each engine; the XDP programs load on this
  kernel (a kernel without XDP is the only skip, with the kernel's reason).

Namespaces and processes are removed on any exit.

Usage: test_engines.py --wiremeter PATH --tool PATH --xdp-obj FILE --workdir DIR [-k PATTERN] [-v]
"""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
import wmtest  # noqa: E402

NS_A, NS_B, IF_A, IF_B = wmtest.testbed_names("wmeng")
MAC_A, MAC_B = "02:77:6d:00:01:0a", "02:77:6d:00:01:0b"
TESTBED = wmtest.Testbed(NS_A, NS_B, IF_A, IF_B, MAC_A, MAC_B)
READY_RE = re.compile(r"\d+ worker\(s\), \d+ port\(s\)")
READY_TIMEOUT_S = 60
TCP_LINGER_S = 1
SETTLE_S = TCP_LINGER_S + 1.5
# Fields that depend on the clock each engine reads, not on the packets.
TIME_FIELDS = ("flowStartNanoseconds", "flowEndNanoseconds")
# Truth entries' own notes, not record fields.
TRUTH_ONLY = ("name", "tcpClosed")

ARGS = None
TRACE = None      # {"path", "packets", "flows"}
SLOW = None       # one UDP stream over 2.5 s, for the active timeout


def log(msg):
    print(msg, flush=True)


def make_traces(workdir):
    """The dts trace with its truth, and a slow single-flow trace."""
    global TRACE, SLOW
    sys.path.insert(0, HERE)
    import traffic  # noqa: E402  (scapy; imported once the tools are known to be there)
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    packets, truth = traffic.build(MAC_A)
    path = os.path.join(workdir, "trace.pcap")
    traffic.write_pcap(path, packets, gap_us=500)
    TRACE = {"path": path, "packets": len(packets), "flows": truth}
    make_variety(workdir)
    slow = [Ether(src=MAC_B, dst=MAC_A) / IP(src="192.0.2.1", dst="192.0.2.2") /
            UDP(sport=5555, dport=6666) / (b"x" * 100) for _ in range(25)]
    spath = os.path.join(workdir, "slow.pcap")
    traffic.write_pcap(spath, slow, gap_us=100000)
    SLOW = {"path": spath, "packets": len(slow)}


VARIETY = None    # VLAN, QinQ, IPv6 extension headers, ICMPv6, SCTP, ESP, ARP


def make_variety(workdir):
    """Frames beyond the dts trace's IPv4: both ways of each conversation."""
    global VARIETY
    import traffic  # noqa: E402
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,
                                    IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting)
    from scapy.layers.ipsec import ESP
    from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
    from scapy.layers.sctp import SCTP

    def eth(fwd):
        return Ether(src=MAC_B if fwd else "02:00:00:00:00:09", dst=MAC_A)

    pkts = []
    for i in range(3):
        fwd = i != 1
        a, b = ("2001:db8::1", "2001:db8::2") if fwd else ("2001:db8::2", "2001:db8::1")
        pkts.append(eth(fwd) / IPv6(src=a, dst=b) / IPv6ExtHdrHopByHop() /
                    IPv6ExtHdrDestOpt() / TCP(sport=3333 if fwd else 80, dport=80 if fwd else 3333,
                                              flags="S" if i == 0 else "SA" if i == 1 else "A"))
        pkts.append(eth(fwd) / Dot1Q(vlan=10) / IP(src="10.0.0.1" if fwd else "10.0.0.2",
                                                   dst="10.0.0.2" if fwd else "10.0.0.1") /
                    UDP(sport=1000 if fwd else 2000, dport=2000 if fwd else 1000) / (b"q" * (10 * i)))
        pkts.append(eth(fwd) / Dot1AD(vlan=100) / Dot1Q(vlan=200) /
                    IP(src="10.1.0.1" if fwd else "10.1.0.2", dst="10.1.0.2" if fwd else "10.1.0.1",
                       tos=0x20) / ICMP(type=8 if fwd else 0, id=7, seq=i))
        pkts.append(eth(fwd) / IPv6(src=a, dst=b) / IPv6ExtHdrRouting(addresses=[]) /
                    (ICMPv6EchoRequest(id=9, seq=i) if fwd else ICMPv6EchoReply(id=9, seq=i)))
        pkts.append(eth(fwd) / IP(src="10.2.0.1" if fwd else "10.2.0.2",
                                  dst="10.2.0.2" if fwd else "10.2.0.1") /
                    SCTP(sport=5000 if fwd else 6000, dport=6000 if fwd else 5000))
        pkts.append(eth(True) / IP(src="10.3.0.1", dst="10.3.0.2") / ESP(spi=0x1234, seq=i) /
                    (b"e" * 32))
        pkts.append(eth(fwd) / ARP(op=1 if fwd else 2, psrc="10.4.0.1", pdst="10.4.0.2"))
    path = os.path.join(workdir, "variety.pcap")
    traffic.write_pcap(path, pkts, gap_us=500)
    VARIETY = {"path": path, "packets": len(pkts)}


def replay(path):
    r = wmtest.sh(["ip", "netns", "exec", NS_B, "tcpreplay", "-i", IF_B, path], check=False,
                  timeout=120)
    m = re.search(r"Successful packets:\s+(\d+)", r.stdout + r.stderr)
    return int(m.group(1)) if m else -1


class Wiremeter:
    """One wiremeter run in NS_A; bpffs: mount it in the run's mount namespace first."""

    seq = 0

    def __init__(self, name, app, bpffs=False):
        Wiremeter.seq += 1
        self.dir = wmtest.fresh_dir(name)
        self.prefix = "wmeng%d_%d" % (os.getpid(), Wiremeter.seq)
        self.flows = os.path.join(self.dir, "flows.json")
        self.report = os.path.join(self.dir, "report.json")
        cmd = [ARGS.wiremeter, "--file-prefix", self.prefix, "-l", "0-1", "--no-huge", "-m",
               "256", "--", "--flows-json", self.flows, "--report", self.report,
               "--stats-interval", "0", "--tcp-linger", str(TCP_LINGER_S)] + app
        if bpffs:
            cmd = ["sh", "-c", 'mount -t bpf bpf /sys/fs/bpf && exec "$@"', "sh"] + cmd
        self.cmd = ["ip", "netns", "exec", NS_A] + cmd
        self.err_path = os.path.join(self.dir, "stderr.txt")
        self.proc = None
        self.rc = None

    def __enter__(self):
        with open(self.err_path, "w") as fe, open(os.path.join(self.dir, "stdout.txt"),
                                                 "w") as fo:
            self.proc = subprocess.Popen(self.cmd, stdout=fo, stderr=fe,
                                         stdin=subprocess.DEVNULL)
        deadline = time.time() + READY_TIMEOUT_S
        while time.time() < deadline and self.proc.poll() is None:
            if READY_RE.search(self.stderr()):
                return self
            time.sleep(0.1)
        raise AssertionError("wiremeter did not start (exit %s):\n%s" %
                             (self.proc.poll(), self.stderr()))

    def __exit__(self, *exc):
        self.finish()
        return False

    def finish(self):
        if self.rc is None:
            self.rc = wmtest.stop(self.proc, signal.SIGINT, timeout=60)
            wmtest.eal_cleanup(self.prefix)
        return self.rc

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()

    def records(self):
        recs, bad = wmtest.read_jsonl(self.flows)
        assert recs is not None and not bad, bad
        return recs

    def xdp(self):
        return wmtest.read_json(self.report)["xdp"][IF_A]


def telemetry(prefix, command):
    """One command through Debian's dpdk-telemetry.py; its answer."""
    p = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input=command + "\n",
                       capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        if line.strip().startswith("{"):
            return json.loads(line)[command]
    raise AssertionError("no answer to %s: %r %r" % (command, p.stdout, p.stderr))


def oriented(rec):
    return (rec["protocolIdentifier"], rec["sourceIPv4Address"], rec["destinationIPv4Address"],
            rec["sourceTransportPort"], rec["destinationTransportPort"])


def without_times(recs):
    return [{k: v for k, v in r.items() if k not in TIME_FIELDS} for r in recs]


class EngineTest(unittest.TestCase):
    def check_truth(self, recs, flows=None):
        """One record per flow (the trace's, or these of its flows), oriented,
        with the truth's figures."""
        flows = TRACE["flows"] if flows is None else flows
        by_key = {}
        for r in recs:
            self.assertNotIn(oriented(r), by_key, "two records for %s" % (oriented(r),))
            by_key[oriented(r)] = r
        self.assertEqual(sorted(by_key), sorted(oriented(t) for t in flows))
        for t in flows:
            got = by_key[oriented(t)]
            for k, v in t.items():
                if k not in TRUTH_ONLY:
                    self.assertEqual(got.get(k), v, "%s: %s" % (t["name"], k))

    def metered_run(self, name, app, trace=None, settle=SETTLE_S):
        with Wiremeter(name, app) as wm:
            sent = replay((trace or TRACE)["path"])
            self.assertEqual(sent, (trace or TRACE)["packets"], "tcpreplay")
            time.sleep(settle)
        self.assertEqual(wm.rc, 0, wm.stderr())
        return wm


class TestXdp(EngineTest):
    def test_xdp_truth(self):
        wm = self.metered_run("xdp", ["--engine", "xdp", "--iface", IF_A])
        self.assertIn("--iface %s: xdp" % IF_A, wm.stderr())
        self.check_truth(wm.records())
        c = wm.xdp()
        self.assertEqual(c["packets"], TRACE["packets"])
        self.assertEqual(c["metered"], TRACE["packets"])
        self.assertEqual(c["failedInserts"], 0)
        self.assertEqual(c["mapErrors"], 0)  # every flow-map read worked
        rep = wmtest.read_json(wm.report)
        self.assertTrue(rep["conservation"]["ok"], rep["conservation"])
        # Closed TCP flows end by themselves (linger passed), the rest at SIGINT.
        for r in wm.records():
            closed = r["protocolIdentifier"] == 6 and r["tcpControlBits"] & 1 and \
                r["reverseTcpControlBits"] & 1
            self.assertEqual(r["flowEndReason"], 3 if closed else 4, r)

    def test_xdp_equals_af_packet(self):
        xdp = self.metered_run("xdp-vs", ["--engine", "xdp", "--iface", IF_A]).records()
        afp = self.metered_run("afp-vs", ["--engine", "af_packet", "--iface", IF_A]).records()
        problems = wmtest.compare_records(without_times(afp), without_times(xdp),
                                          lambda r: json.dumps(oriented(r)))
        self.assertEqual(problems, [], "\n".join(problems))

    def test_xdp_equals_af_packet_variety(self):
        """VLAN, QinQ, IPv6 extension headers, ICMPv6, SCTP, ESP and ARP (an L2 flow)."""
        xdp = self.metered_run("xdp-var", ["--engine", "xdp", "--iface", IF_A],
                               trace=VARIETY).records()
        # Sequence tracking (ESP) is the workers' alone: off, the records compare.
        afp = self.metered_run("afp-var", ["--engine", "af_packet", "--iface", IF_A,
                                           "--seq-streams", "0"], trace=VARIETY).records()
        # 6 conversations and two one-way ARP flows (each side's own MACs).
        self.assertEqual(len(afp), 8, afp)
        problems = wmtest.compare_records(without_times(afp), without_times(xdp), json.dumps)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_xdp_config_file_and_telemetry(self):
        """Every option a JSON key; /wiremeter/xdp and /wiremeter/engines answer."""
        cfg = os.path.join(wmtest.fresh_dir("xdp-config-file"), "config.json")
        with open(cfg, "w") as f:
            json.dump({"engine": "xdp", "ifaces": IF_A,
                       "xdp": {"flows": 1024, "mode": "skb", "poll": 0.05}}, f)
        with Wiremeter("xdp-config", ["-c", cfg]) as wm:
            self.assertEqual(replay(TRACE["path"]), TRACE["packets"])
            # The veth peer's NAPI may still be running the program on the last frames.
            deadline = time.time() + 20
            tel = telemetry(wm.prefix, "/wiremeter/xdp")[IF_A]
            while tel["packets"] < TRACE["packets"] and time.time() < deadline:
                time.sleep(0.2)
                tel = telemetry(wm.prefix, "/wiremeter/xdp")[IF_A]
            engines = telemetry(wm.prefix, "/wiremeter/engines")
        self.assertEqual(wm.rc, 0, wm.stderr())
        self.assertIn("--iface %s: in-kernel metering, skb XDP, 1024 flows" % IF_A, wm.stderr())
        self.assertEqual(tel["mode"], "skb")
        self.assertEqual(tel["mapErrors"], 0)
        self.assertEqual(tel["packets"], TRACE["packets"])
        self.assertEqual(tel["metered"], TRACE["packets"])
        self.assertEqual(sorted(engines), ["af_packet", "af_xdp", "dpdk", "pcap", "xdp"])
        self.assertEqual(engines["xdp"]["kernelOffload"], 1)
        self.check_truth(wm.records())

    def test_xdp_idle_timeout(self):
        # 2 s, not 1: the trace's packets are 0.5 ms apart, and a replay
        # stalled a second by a loaded machine split a flow in two.
        wm = self.metered_run("xdp-idle", ["--engine", "xdp", "--iface", IF_A,
                                           "--idle-timeout", "2", "--xdp-poll", "0.05"],
                              settle=SETTLE_S + 2)
        self.check_truth(wm.records())
        for r in wm.records():
            self.assertIn(r["flowEndReason"], (1, 3), r)
        self.assertTrue(any(r["flowEndReason"] == 1 for r in wm.records()))

    def test_xdp_active_timeout(self):
        wm = self.metered_run("xdp-active", ["--engine", "xdp", "--iface", IF_A,
                                             "--active-timeout", "1", "--idle-timeout", "30",
                                             "--xdp-poll", "0.05"], trace=SLOW, settle=0.5)
        recs = wm.records()
        self.assertEqual(sum(r["packetDeltaCount"] for r in recs), SLOW["packets"])
        reasons = [r["flowEndReason"] for r in recs]
        self.assertGreaterEqual(reasons.count(2), 2, reasons)
        self.assertEqual(reasons[-1], 4, reasons)
        self.assertTrue(all(r["packetDeltaCount"] > 0 for r in recs), recs)
        self.assertEqual(len({oriented(r) for r in recs}), 1, "one orientation")

    def test_xdp_small_map(self):
        wm = self.metered_run("xdp-small", ["--engine", "xdp", "--iface", IF_A,
                                            "--xdp-flows", "4"])
        c = wm.xdp()
        in_records = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"]
                         for r in wm.records())
        self.assertGreater(c["failedInserts"], 0)
        self.assertEqual(c["metered"], in_records)
        self.assertEqual(c["failedInserts"], TRACE["packets"] - in_records)
        self.assertEqual(c["metered"] + c["failedInserts"] + c["unparsed"], c["packets"])
        self.assertEqual(c["packets"], TRACE["packets"])


class TestIface(EngineTest):
    def test_iface_af_xdp_with_bpffs(self):
        with Wiremeter("iface-bpffs", ["--iface", IF_A], bpffs=True) as wm:
            sent = replay(TRACE["path"])
            time.sleep(SETTLE_S)
        self.assertEqual(sent, TRACE["packets"])
        self.assertEqual(wm.rc, 0, wm.stderr())
        self.assertRegex(wm.stderr(), r"wiremeter: --iface %s: af_xdp \((copy mode|zero-copy)"
                         % IF_A)
        self.check_truth(wm.records())

    def test_iface_falls_back_without_bpffs(self):
        wm = self.metered_run("iface-nobpffs", ["--iface", IF_A])
        self.assertRegex(wm.stderr(), r"wiremeter: warning: --iface %s: af_packet; not .*"
                         r"af_xdp: bpffs not mounted" % IF_A)
        self.check_truth(wm.records())

    def test_iface_forced_pcap(self):
        wm = self.metered_run("iface-pcap", ["--iface", IF_A, "--engine", "pcap"])
        self.assertIn("wiremeter: --iface %s: pcap" % IF_A, wm.stderr())
        # libpcap's socket may drop under load: what it missed is counted, never lost.
        port = wmtest.read_json(wm.report)["ports"][0]
        in_records = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"]
                         for r in wm.records())
        self.assertEqual(port["driver"], "net_pcap")
        self.assertEqual(in_records, port["metered"])
        self.assertEqual(port["metered"] + port["imissed"], TRACE["packets"], port)

    def usage_error(self, app, *names):
        r = wmtest.sh(["ip", "netns", "exec", NS_A, ARGS.wiremeter, "--file-prefix",
                       "wmeng%d_e" % os.getpid(), "-l", "0-1", "--no-huge", "--"] + app,
                      check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        errs = [ln for ln in r.stderr.splitlines() if "error" in ln]
        self.assertEqual(len(errs), 1, r.stderr)
        for n in names:
            self.assertIn(n, errs[0])

    def test_iface_errors(self):
        self.usage_error(["--iface", "wmengNOPE"], "wmengNOPE", "no such interface")
        self.usage_error(["--iface", IF_A, "--engine", "af_xdp"], IF_A, "af_xdp",
                         "bpffs not mounted")
        self.usage_error(["--engine", "xdp"], "--iface")
        self.usage_error(["--iface", ""], "--iface")
        self.usage_error(["--engine", "ebpf"], "--engine", "ebpf")
        # A PCI address is the dpdk engine's, and only when bound to vfio-pci or uio.
        self.usage_error(["--iface", "0000:ff:1f.7"], "0000:ff:1f.7", "not bound to a DPDK driver")
        self.usage_error(["--engine", "xdp", "--iface", IF_A, "--filter", "udp"], "--filter")
        self.usage_error(["--iface", IF_A, "--xdp-filter", "proto=udp port=1-"],
                         "--xdp-filter", "port=1-")

    def test_engines_json(self):
        r = wmtest.sh([ARGS.wiremeter, "--engines"])
        engines = {e["name"]: e for e in json.loads(r.stdout)}
        self.assertEqual(sorted(engines), ["af_packet", "af_xdp", "dpdk", "pcap", "xdp"])
        for e in engines.values():
            for k in ("zeroCopy", "needsRoot", "kernelOffload", "queues", "available"):
                self.assertIn(k, e)
        self.assertTrue(engines["xdp"]["kernelOffload"])
        # The programs load on this kernel (CI checks it): available, or why not.
        if not engines["xdp"]["available"]:
            self.fail("the XDP programs do not load here: %s" % engines["xdp"]["why"])


class TestPrefilter(EngineTest):
    """--xdp-filter: the host's own traffic on the metered interface still
    reaches its kernel (ping, a TCP connection), before, during and after a
    replay, while exactly the matching packets are metered."""

    ADDR_A, ADDR_B = "10.99.0.1", "10.99.0.2"
    PORT = 7000      # a UDP port of the trace (traffic.py's one-way stream)

    def setUp(self):
        for ns, ifname, addr in ((NS_A, IF_A, self.ADDR_A), (NS_B, IF_B, self.ADDR_B)):
            wmtest.sh(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", ifname])
            wmtest.sh(["ip", "-n", ns, "link", "set", "dev", ifname, "arp", "on"])

    def tearDown(self):
        for ns, ifname in ((NS_A, IF_A), (NS_B, IF_B)):
            wmtest.sh(["ip", "-n", ns, "addr", "flush", "dev", ifname], check=False)
            wmtest.sh(["ip", "-n", ns, "link", "set", "dev", ifname, "arp", "off"], check=False)

    def host_traffic_works(self):
        """A ping and a TCP exchange from b to a's kernel; problems, empty when fine."""
        problems = []
        r = wmtest.sh(["ip", "netns", "exec", NS_B, "ping", "-c", "3", "-i", "0.2", "-W", "2",
                       self.ADDR_A], check=False, timeout=30)
        if r.returncode != 0:
            problems.append("ping failed: " + r.stdout[-300:])
        server = subprocess.Popen(
            ["ip", "netns", "exec", NS_A, wmtest.PYTHON, "-c",
             "import socket; s = socket.create_server(('%s', 5555)); print('up', flush=True); "
             "c, _ = s.accept(); c.sendall(c.recv(100)[::-1]); c.close()" % self.ADDR_A],
            stdout=subprocess.PIPE, text=True)
        try:
            server.stdout.readline()
            r = wmtest.sh(["ip", "netns", "exec", NS_B, wmtest.PYTHON, "-c",
                           "import socket; c = socket.create_connection(('%s', 5555), 5); "
                           "c.sendall(b'wiremeter'); print(c.recv(100).decode())"
                           % self.ADDR_A], check=False, timeout=30)
            if r.stdout.strip() != "retemeriw":
                problems.append("TCP exchange failed: %r %r" % (r.stdout, r.stderr[-300:]))
        finally:
            wmtest.stop(server, timeout=5)
        return problems

    def test_prefilter_meters_matching_only(self):
        rule = "proto=udp dport=%d" % self.PORT
        with Wiremeter("prefilter", ["--iface", IF_A, "--xdp-filter", rule], bpffs=True) as wm:
            before = self.host_traffic_works()
            ping = subprocess.Popen(["ip", "netns", "exec", NS_B, "ping", "-c", "10", "-i", "0.2",
                                     "-W", "2", self.ADDR_A], stdout=subprocess.PIPE, text=True)
            sent = replay(TRACE["path"])
            during = ping.wait(60)
            after = self.host_traffic_works()
            time.sleep(SETTLE_S)
        self.assertEqual(wm.rc, 0, wm.stderr())
        self.assertEqual(sent, TRACE["packets"])
        self.assertEqual(before, [])
        self.assertEqual(during, 0, "ping during the replay: " + ping.stdout.read()[-300:])
        self.assertEqual(after, [])
        self.assertIn("--iface %s: af_xdp" % IF_A, wm.stderr())
        want = [t for t in TRACE["flows"] if t["protocolIdentifier"] == 17 and
                self.PORT in (t["destinationTransportPort"], t["sourceTransportPort"])]
        self.assertGreater(len(want), 0, "the trace has no flow to port %d" % self.PORT)
        self.check_truth(wm.records(), want)
        pf = wmtest.read_json(wm.report)["xdp"]["prefilter"]
        matched = sum(t["packetDeltaCount"] + t["reversePacketDeltaCount"] for t in want)
        self.assertEqual(pf["matched"], matched, pf)
        self.assertEqual(pf["noSocket"], 0, pf)
        # Everything else the trace sent, and the host's own traffic, passed.
        self.assertGreater(pf["passed"], TRACE["packets"] - matched, pf)

    def test_prefilter_rules_change_live(self):
        """The console's "xdp filter" rewrites the rules the PMD's program runs."""
        cmds = os.path.join(wmtest.fresh_dir("prefilter-cmds"), "cmds.txt")
        with open(cmds, "w") as f:
            f.write("xdp filter proto=tcp port=80\n")
        with Wiremeter("prefilter-live", ["--iface", IF_A, "--xdp-filter",
                                          "proto=udp dport=%d" % self.PORT,
                                          "--cmdline-file", cmds], bpffs=True) as wm:
            out = os.path.join(wm.dir, "stdout.txt")
            deadline = time.time() + 30
            while time.time() < deadline and "prefilter: 1 rule(s)" not in open(out).read():
                time.sleep(0.1)
            self.assertIn("prefilter: 1 rule(s): proto=tcp port=80", open(out).read())
            self.assertEqual(replay(TRACE["path"]), TRACE["packets"])
            time.sleep(SETTLE_S)
        self.assertEqual(wm.rc, 0, wm.stderr())
        want = [t for t in TRACE["flows"] if t["protocolIdentifier"] == 6 and
                80 in (t["destinationTransportPort"], t["sourceTransportPort"])]
        self.assertGreater(len(want), 0)
        self.check_truth(wm.records(), want)


class TestTrustedProgram(EngineTest):
    """--trust-key: an XDP program of our own (xdp_prog= of a net_af_xdp port
    in a signed config) verifies, is loaded from its private copy and runs on
    the interface; the copy is private while it runs and gone after."""

    def test_signed_program_loads(self):
        d = wmtest.fresh_dir("trusted-prog")
        key, pub, prog = (os.path.join(d, n) for n in ("sign.pem", "sign.pub", "prog.bpf.o"))
        wmtest.sh(["openssl", "genpkey", "-algorithm", "ED25519", "-out", key])
        wmtest.sh(["openssl", "pkey", "-in", key, "-pubout", "-out", pub])
        shutil.copy(ARGS.xdp_obj, prog)
        conf = os.path.join(d, "config.json")
        with open(conf, "w") as f:
            json.dump({"ports": ["net_af_xdp0,iface=%s,xdp_prog=%s" % (IF_A, prog)]}, f)
        for path in (prog, conf):
            wmtest.sh([ARGS.tool, "sign", "--key", key, path])
        with Wiremeter("trusted-prog-run", ["-c", conf, "--trust-key", pub], bpffs=True) as wm:
            m = re.search(r"XDP program (\S+) verified; net_af_xdp loads its private copy (\S+)",
                          wm.stderr())
            self.assertIsNotNone(m, wm.stderr())
            self.assertEqual(m.group(1), prog)
            copy = m.group(2)
            self.assertEqual(stat.S_IMODE(os.stat(copy).st_mode), 0o600)
            self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(copy)).st_mode), 0o700)
            with open(copy, "rb") as a, open(prog, "rb") as b:
                self.assertEqual(a.read(), b.read())
            link = wmtest.sh(["ip", "-n", NS_A, "link", "show", "dev", IF_A]).stdout
            self.assertRegex(link, r"prog/xdp id \d+", "no XDP program on the interface")
        self.assertEqual(wm.rc, 0, wm.stderr())
        self.assertFalse(os.path.exists(copy), "the private copy outlived the run")


def main():
    global ARGS

    def add(ap):
        wmtest.only_option(ap)
        ap.add_argument("--tool", required=True, help="path of wiremeter-tool")
        ap.add_argument("--xdp-obj", required=True,
                        help="the build's prefilter object (drivers/wm_xdp_filter.bpf.o)")

    ARGS, _ = wmtest.args(add=add, description=__doc__.splitlines()[0])
    missing = wmtest.missing_tools([("ip", "iproute2"), ("tcpreplay", "tcpreplay"),
                                    ("ping", "iputils-ping"), ("dpdk-telemetry.py", "dpdk"),
                                    ("openssl", "openssl")]) + \
        wmtest.missing_modules([("scapy", "python3-scapy")])
    if missing:
        return wmtest.missing_exit(missing)
    if os.geteuid() != 0:
        print("skipped: " + wmtest.skip_reason("veth pairs and XDP programs need root"))
        return 1 if wmtest.CI else wmtest.SKIP
    make_traces(ARGS.workdir)
    try:
        TESTBED.up()
        result = wmtest.run_suite(wmtest.only(ARGS.only, [TestXdp, TestIface, TestPrefilter,
                                                             TestTrustedProgram]))
    finally:
        TESTBED.down()
        wmtest.eal_cleanup_all("wmeng")
    return wmtest.verdict(result)


if __name__ == "__main__":
    sys.exit(main())
