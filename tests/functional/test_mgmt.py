#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of the management plane against a running wiremeter:

- telemetry: every /wiremeter/ command through Debian's dpdk-telemetry.py,
  unmodified (commands on stdin, one JSON answer per line), checked against
  the flows the test generated (keys, ranks, ratios, exact octets per
  packet), the flags given (config), the lcores asked for (roles), and
  DPDK's own /ethdev/stats still answering;
- DPDK's multi-process tools: dpdk-dumpcap captures N packets from a port
  (read back with tshark), dpdk-proc-info prints the port's stats;
- the console: a --cmdline-file (config, set active-timeout reaching the
  workers, flush flows exporting while metering goes on, quit exiting 0),
  and -i in a pseudo-terminal (completion, '?', set idle-timeout ending a
  live flow on loopback, flush flows, quit, the terminal restored);
- the config: "ports" and "lcores" keys instead of EAL options, the
  example configs, and broken configs: each message and exit code 2.

Run by meson (suite functional):
    test_mgmt.py --wiremeter PATH --workdir DIR
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The replayed file lives under a short path: the pcap PMD keeps 64 bytes of its
# arguments for secondary processes (dumpcap, proc-info), which reopen the file.
SHORT_DIR = None
PY = "/usr/bin/python3"

# The generated loop: (name, src, sport, dst, dport, proto, ip_len, forward packets per
# loop, reverse packets per loop, reverse ip_len). Packet and octet ranks differ.
FLOWS = [
    ("A", "10.1.0.1", 1001, "10.2.0.1", 2001, 17, 1400, 1, 0, 0),
    ("B", "10.1.0.2", 1002, "10.2.0.2", 2002, 17, 100, 2, 0, 0),
    ("C", "10.1.0.3", 1003, "10.2.0.3", 2003, 17, 60, 3, 0, 0),
    ("D", "10.1.0.4", 1004, "10.2.0.4", 80, 6, 400, 4, 2, 60),
    ("RTP", "10.1.0.5", 5004, "10.2.0.5", 5004, 17, 60, 18, 0, 0),
]
RTP_SSRC = 0x11223344
RTP_MISSING = (7, 13)  # sequence numbers left out of each loop of 1..20


def gen_pcap(path):
    """The endless replay's file: the flows above interleaved, one loop."""
    from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap
    pkts = []
    rtp_seq = [s for s in range(1, 21) if s not in RTP_MISSING]
    for name, src, sport, dst, dport, proto, ln, fwd, rev, rln in FLOWS:
        for i in range(fwd):
            if name == "RTP":
                hdr = bytes([0x80, 96]) + rtp_seq[i].to_bytes(2, "big") + \
                    (1000 * rtp_seq[i]).to_bytes(4, "big") + RTP_SSRC.to_bytes(4, "big")
                l4 = UDP(sport=sport, dport=dport) / Raw(hdr + b"\0" * (ln - 20 - 8 - 12))
            elif proto == 6:
                l4 = TCP(sport=sport, dport=dport, flags="PA") / Raw(b"\0" * (ln - 40))
            else:
                l4 = UDP(sport=sport, dport=dport) / Raw(b"\0" * (ln - 28))
            pkts.append(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                        IP(src=src, dst=dst) / l4)
        for i in range(rev):
            pkts.append(Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") /
                        IP(src=dst, dst=src) / TCP(sport=dport, dport=sport, flags="A") /
                        Raw(b"\0" * (rln - 40)))
    # The first packet of each flow first (its initiator), then the rest interleaved.
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i / 1000.0
    wrpcap(path, pkts)
    return len(pkts)


def loop_pcap():
    path = os.path.join(SHORT_DIR, "loop.pcap")
    if not os.path.exists(path):
        gen_pcap(path)
    return path


def prefix_of(name):
    return wmtest.prefix("wmm", name)


class Wiremeter:
    """A wiremeter started in the background, stopped by SIGINT (by PID)."""

    def __init__(self, name, eal, app, stdin=subprocess.DEVNULL):
        self.name = name
        self.prefix = prefix_of(name)
        self.dir = os.path.join(wmtest.WORKDIR, name)
        os.makedirs(self.dir, exist_ok=True)
        self.out_path = os.path.join(self.dir, "stdout.txt")
        self.err_path = os.path.join(self.dir, "stderr.txt")
        self.cmd = wmtest.command(self.prefix, eal, app)
        with open(os.path.join(self.dir, "command.txt"), "w") as f:
            f.write(" ".join(self.cmd) + "\n")
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=self.err, stdin=stdin,
                                     cwd=self.dir)

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stdout(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_ready(self, timeout=30):
        """Until the telemetry socket answers for our commands."""
        sock = os.path.join("/var/run/dpdk", self.prefix, "dpdk_telemetry.v2")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("wiremeter exited (%d): %s" % (self.proc.returncode,
                                                                    self.stderr()))
            if os.path.exists(sock) and "worker(s)" in self.stderr():
                return
            time.sleep(0.1)
        raise AssertionError("wiremeter not ready after %ds: %s" % (timeout, self.stderr()))

    def hugepages(self):
        """Secondary processes need the primary's memory in hugepage files."""
        return "--no-huge" not in self.stderr() and "--no-huge" not in self.cmd

    def stop(self, sig=signal.SIGINT, timeout=60):
        rc = wmtest.stop(self.proc, sig, timeout)
        self.out.close()
        self.err.close()
        wmtest.eal_cleanup(self.prefix)
        return rc


def telemetry(prefix, commands, timeout=30):
    """Ask dpdk-telemetry.py, as shipped: commands on stdin, one JSON answer per line."""
    p = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="\n".join(commands) + "\n",
                       capture_output=True, text=True, timeout=timeout)
    answers = {}
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            answers.update(json.loads(line))
    missing = [c.split(",")[0] for c in commands if c.split(",")[0] not in answers]
    if missing:
        raise AssertionError("no answer to %s: stdout %r stderr %r" % (missing, p.stdout,
                                                                       p.stderr))
    return answers


def flow_key(f):
    return (f["sourceIPv4Address"], f["sourceTransportPort"], f["destinationIPv4Address"],
            f["destinationTransportPort"], f["protocolIdentifier"])


FLOW_KEYS = {name: (src, sport, dst, dport, proto)
             for name, src, sport, dst, dport, proto, *_ in FLOWS}
BY_NAME = {f[0]: f for f in FLOWS}


class TelemetryAndToolsTest(unittest.TestCase):
    """One wiremeter (two workers fed by software RSS, a config file and flags, an
    IPFIX file collector) on the endless replay; telemetry, dumpcap and proc-info."""

    @classmethod
    def setUpClass(cls):
        cls.pcap = loop_pcap()
        conf = os.path.join(wmtest.WORKDIR, "tel.json")
        with open(conf, "w") as f:
            json.dump({"seq": {"esp": {"window": 128}}, "tcp_linger": 2}, f)
        cls.conf = conf
        cls.ipfix = os.path.join(wmtest.WORKDIR, "tel.ipfix")
        cls.wm = Wiremeter("tel", ["--lcores", "0@0,1@1,2@1",
                                   "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % cls.pcap],
                           ["-c", conf, "--idle-timeout", "45", "--active-timeout", "600",
                            "--flow-capacity", "4096", "--stats-interval", "1",
                            "--rx-descriptors", "512", "--seq-rtp-window", "8",
                            "--ipfix", "file:" + cls.ipfix])
        cls.wm.wait_ready()
        time.sleep(1.5)  # a few hundred thousand loops, and a busy ratio

    @classmethod
    def tearDownClass(cls):
        rc = cls.wm.stop()
        cls.rc = rc

    def ask(self, *commands):
        return telemetry(self.wm.prefix, list(commands))

    def test_flows_ranked_with_ipfix_names_and_ratios(self):
        # dpdk-telemetry.py keys answers by command without parameters: ask apart.
        by_pkts = self.ask("/wiremeter/flows,5,packets")["/wiremeter/flows"]
        by_oct = self.ask("/wiremeter/flows,5,octets")["/wiremeter/flows"]
        default = self.ask("/wiremeter/flows")["/wiremeter/flows"]
        self.assertEqual(list(by_pkts), ["1", "2", "3", "4", "5"])
        # Per loop: RTP 18 packets, D 6, C 3, B 2, A 1; octets D 1720, A 1400, RTP 1080,
        # B 200, C 180.
        self.assertEqual([flow_key(by_pkts[r]) for r in "12345"],
                         [FLOW_KEYS[n] for n in ("RTP", "D", "C", "B", "A")])
        self.assertEqual([flow_key(by_oct[r]) for r in "12345"],
                         [FLOW_KEYS[n] for n in ("D", "A", "RTP", "B", "C")])
        self.assertEqual(len(default), 5)  # 10 asked, 5 flows there are
        # Fewer asked than there are: each worker keeps its largest, the merge the largest.
        top2 = self.ask("/wiremeter/flows,2,packets")["/wiremeter/flows"]
        self.assertEqual([flow_key(top2[r]) for r in sorted(top2)],
                         [FLOW_KEYS["RTP"], FLOW_KEYS["D"]])
        top1 = self.ask("/wiremeter/flows,1")["/wiremeter/flows"]
        self.assertEqual([flow_key(f) for f in top1.values()], [FLOW_KEYS["D"]])
        for f in by_pkts.values():
            name = [n for n, k in FLOW_KEYS.items() if k == flow_key(f)][0]
            _, _, _, _, _, _, ln, fwd, rev, rln = BY_NAME[name]
            # Same names as the JSON lines, the record still open.
            for k in ("packetDeltaCount", "octetDeltaCount", "reversePacketDeltaCount",
                      "reverseOctetDeltaCount", "flowStartNanoseconds", "flowEndNanoseconds",
                      "flowEndReason", "vlanId", "ingressInterface"):
                self.assertIn(k, f)
            self.assertEqual(f["flowEndReason"], 0)
            self.assertGreater(f["packetDeltaCount"], 1000)
            # Every packet of a flow has the same IP length: exact.
            self.assertEqual(f["octetDeltaCount"], f["packetDeltaCount"] * ln, name)
            if rev:
                self.assertEqual(f["reverseOctetDeltaCount"], f["reversePacketDeltaCount"] * rln)
                self.assertAlmostEqual(f["reversePacketDeltaCount"] / f["packetDeltaCount"],
                                       rev / fwd, delta=0.02)
            else:
                self.assertEqual(f["reversePacketDeltaCount"], 0)
        # Ratios between flows follow the loop (counts taken a few microseconds apart).
        rtp, d = by_pkts["1"]["packetDeltaCount"], by_pkts["2"]["packetDeltaCount"]
        self.assertAlmostEqual(rtp / d, 18 / 4, delta=0.1)
        self.assertAlmostEqual(by_pkts["3"]["packetDeltaCount"] / by_pkts["5"]["packetDeltaCount"],
                               3.0, delta=0.06)

    def test_one_flow_by_key_either_direction(self):
        src, sport, dst, dport, _ = FLOW_KEYS["D"]
        a = self.ask("/wiremeter/flow,%s:%d-%s:%d/6" % (dst, dport, src, sport))["/wiremeter/flow"]
        self.assertEqual(a["found"], 1)
        self.assertEqual(a["sourceIPv4Address"], src)  # the initiator, whatever the key's order
        self.assertEqual(a["destinationTransportPort"], dport)
        self.assertIn(a["worker"], (0, 1))
        b = self.ask("/wiremeter/flow,%s:%d-%s:%d/udp" % (src, sport, dst, dport))
        self.assertEqual(b["/wiremeter/flow"], {"found": 0})
        bad = self.ask("/wiremeter/flow,10.0.0.1-10.0.0.2")
        self.assertIsNone(bad["/wiremeter/flow"])  # a bad key is an error (null)

    def test_stats_totals_ports_workers_ipfix(self):
        s = self.ask("/wiremeter/stats")["/wiremeter/stats"]
        t = s["totals"]
        self.assertGreater(t["metered"], 100000)
        self.assertGreaterEqual(t["received"], t["metered"])
        self.assertEqual(t["parseErrors"], 0)
        self.assertEqual(t["flowsActive"], len(FLOWS))
        self.assertEqual(t["flowsCreated"], len(FLOWS))
        self.assertEqual(t["flowsEvicted"], 0)
        self.assertEqual(set(s["parseErrors"].values()), {0})
        self.assertIn("ipv4Truncated", s["parseErrors"])
        self.assertEqual(s["recordsByEndReason"]["idleTimeout"], 0)
        p = s["port0"]
        self.assertEqual(p["name"], "net_pcap0")
        self.assertEqual(p["driver"], "net_pcap")
        self.assertEqual(p["softwareRss"], 1)
        self.assertGreaterEqual(p["rxPackets"], p["rxTaken"])
        w0, w1 = s["worker0"], s["worker1"]
        self.assertEqual(w0["role"], "distributor")
        self.assertEqual(w1["role"], "worker")
        self.assertEqual(w0["flowsActive"] + w1["flowsActive"], len(FLOWS))
        c = s["collector0"]
        self.assertEqual(c["uri"], "file:" + self.ipfix)
        self.assertEqual(c["sessions"], 1)
        self.assertGreater(c["exportedMessageTotalCount"], 0)  # templates at least
        only = self.ask("/wiremeter/stats,ports")["/wiremeter/stats"]
        self.assertEqual(list(only), ["port0"])
        # DPDK's own commands keep working beside ours.
        e = self.ask("/ethdev/stats,0", "/ethdev/xstats,0")
        self.assertGreater(e["/ethdev/stats"]["ipackets"], 100000)
        self.assertIn("rx_good_packets", e["/ethdev/xstats"])
        helps = self.ask("/help,/wiremeter/flows")["/help"]
        self.assertIn("SORT octets|packets", helps["/wiremeter/flows"])

    def test_lcores_roles(self):
        l = self.ask("/wiremeter/lcores")["/wiremeter/lcores"]
        self.assertEqual(sorted(l), ["0", "1", "2"])
        self.assertEqual([l[k]["role"] for k in ("0", "1", "2")], ["main", "distributor", "worker"])
        self.assertEqual(l["1"]["queues"], "dist:p0q0")
        self.assertEqual(l["2"]["queues"], "")
        for k in ("1", "2"):
            self.assertEqual(l[k]["socket"], 0)
            self.assertLessEqual(l[k]["busyPermille"], 1000)
        # Both workers share CPU 1 with a busy distributor: some of it is busy.
        self.assertGreater(l["1"]["busyPermille"], 0)

    def test_config_is_the_running_one(self):
        c = self.ask("/wiremeter/config")["/wiremeter/config"]
        self.assertEqual(c["idle_timeout"], 45)
        self.assertEqual(c["active_timeout"], 600)
        self.assertEqual(c["tcp_linger"], 2)          # from the file
        self.assertEqual(c["seq/esp/window"], 128)   # from the file, nested
        self.assertEqual(c["seq/rtp/window"], 8)     # a flag
        self.assertEqual(c["seq/rtp_ports"], ["5004-5005"])  # a default
        self.assertEqual(c["flow_capacity"], 4096)
        self.assertEqual(c["stats_interval"], 1)
        self.assertEqual(c["rx/descriptors"], 512)
        self.assertEqual(c["rx/queues"], 0)
        self.assertEqual(c["ipfix"], ["file:" + self.ipfix])
        self.assertEqual(c["ipfix_mode"], "biflow")
        self.assertEqual(c["config_file"], self.conf)
        self.assertEqual(c["interactive"], 0)
        self.assertEqual(c["flows_json"], "")  # unset
        self.assertEqual(c["ports"], [])

    def test_streams_and_gaps(self):
        a = self.ask("/wiremeter/streams,2")["/wiremeter/streams"]
        t = a["totals"]
        self.assertEqual(t["started"], 1)
        self.assertEqual(t["live"], 1)
        self.assertEqual(t["liveWorkersAnswered"], 2)
        self.assertGreater(t["gapEvents"], 0)
        live = a["live0"]
        self.assertEqual(live["seqStreamKind"], "rtp")
        self.assertEqual(live["rtpSSRC"], RTP_SSRC)
        self.assertEqual(live["sourceIPv4Address"], "10.1.0.5")
        self.assertEqual(live["direction"], "forward")
        self.assertGreater(live["seqReceivedCount"], 1000)
        self.assertGreater(live["seqLostCount"], 0)
        g = self.ask("/wiremeter/gaps,3")["/wiremeter/gaps"]
        self.assertEqual(sorted(g), ["1", "2", "3"])
        times = [g[k]["timeNanoseconds"] for k in ("1", "2", "3")]
        self.assertEqual(times, sorted(times, reverse=True))  # newest first
        for ev in g.values():
            self.assertEqual(ev["rtpSSRC"], RTP_SSRC)
            self.assertEqual(ev["sourceIPv4Address"], "10.1.0.5")
            self.assertEqual(ev["destinationTransportPort"], 5004)
            self.assertIn("event", ev)
            self.assertIn("expected", ev)

    def test_proc_info_reads_port_stats(self):
        if not self.wm.hugepages():
            self.skipTest(wmtest.skip_reason(
                "wiremeter runs with --no-huge here (no free hugepages): secondary "
                "processes cannot map its memory (scripts/setup.sh reserves them)"))
        # dpdk-proc-info 22.11 prints, then crashes in rte_eal_cleanup() removing the pcap
        # vdev in the secondary: its exit code says nothing, its output does (unbuffered).
        p = subprocess.run(["stdbuf", "-o0", "dpdk-proc-info", "--file-prefix", self.wm.prefix,
                            "--no-pci", "--", "--stats"], capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"NIC statistics for port 0.*?RX-packets:\s+(\d+)", p.stdout, re.S)
        self.assertIsNotNone(m, p.stdout + p.stderr)
        self.assertGreater(int(m.group(1)), 100000)
        self.assertIsNone(self.wm.proc.poll())


class DumpcapTest(unittest.TestCase):
    """dpdk-dumpcap, a secondary process, captures from a running wiremeter."""

    @classmethod
    def setUpClass(cls):
        cls.pcap = loop_pcap()
        cls.wm = Wiremeter("cap", ["--lcores", "0@0,1@1,2@1",
                                   "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % cls.pcap],
                           ["--flow-capacity", "4096", "--stats-interval", "1"])
        cls.wm.wait_ready()

    @classmethod
    def tearDownClass(cls):
        cls.wm.stop()

    def test_dumpcap_captures_n_packets(self):
        if not self.wm.hugepages():
            self.skipTest(wmtest.skip_reason(
                "wiremeter runs with --no-huge here (no free hugepages): secondary "
                "processes cannot map its memory (scripts/setup.sh reserves them)"))
        out = os.path.join(wmtest.WORKDIR, "cap.pcapng")
        if os.path.exists(out):
            os.unlink(out)
        p = subprocess.run(["dpdk-dumpcap", "--file-prefix=" + self.wm.prefix, "-i", "0",
                            "-c", "40", "-q", "-w", out], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        t = subprocess.run(["tshark", "-r", out, "-T", "fields", "-e", "ip.src", "-e",
                            "frame.len"], capture_output=True, text=True, timeout=60)
        self.assertEqual(t.returncode, 0, t.stderr)
        rows = [l.split("\t") for l in t.stdout.splitlines() if l.strip()]
        self.assertGreaterEqual(len(rows), 40)
        self.assertTrue({r[0] for r in rows} <= {f[1] for f in FLOWS} | {f[3] for f in FLOWS})
        # A whole loop was captured: every flow's source is in it.
        self.assertEqual({r[0] for r in rows} & {f[1] for f in FLOWS}, {f[1] for f in FLOWS})
        # The primary goes on. One exception, DPDK's and not ours: in 22.11 a
        # secondary's rte_pdump_disable() does not wait for the primary's Rx
        # callback, and dpdk-dumpcap's exit frees the mempool that callback
        # may still be copying into (rte_pcapng_copy). Only the sanitizer
        # build's slower primary has met it, and ASan names the place; this
        # class has a wiremeter of its own so that the others do not lose it.
        time.sleep(0.5)
        rc = self.wm.proc.poll()
        if rc is not None and "rte_pcapng_copy" in self.wm.stderr() and \
                "AddressSanitizer" in self.wm.stderr():
            sys.stdout.write("DPDK 22.11 pdump race at dpdk-dumpcap's exit (see the comment)\n")
            return
        self.assertIsNone(rc, self.wm.stderr())


class CmdlineFileTest(unittest.TestCase):
    """--cmdline-file; the devices and lcores from the config's "ports" and "lcores"."""

    def test_command_file(self):
        pcap = loop_pcap()
        d = os.path.join(wmtest.WORKDIR, "cmdfile")
        os.makedirs(d, exist_ok=True)
        cmds = os.path.join(d, "cmds.txt")
        with open(cmds, "w") as f:
            f.write("show config\n"
                    "set active-timeout 0.5\n"
                    "sleep 1.6\n"
                    "show stats\n"
                    "flush flows\n"
                    "show stats\n"
                    "show flows top 2 sort packets\n"
                    "show lcores\n"
                    "no such command\n"
                    "quit\n"
                    "show stats\n")  # never read: quit came first
        conf = os.path.join(d, "run.json")
        with open(conf, "w") as f:
            json.dump({"ports": ["net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap],
                       "lcores": "0-1", "flow_capacity": 2048, "stats_interval": 0}, f)
        flows = os.path.join(d, "flows.jsonl")
        report = os.path.join(d, "report.json")
        wm = Wiremeter("cmdfile", [], ["-c", conf, "--cmdline-file", cmds, "--flows-json",
                                       flows, "--report", report])
        try:
            wm.proc.wait(timeout=60)
        finally:
            rc = wm.stop()
        out = wm.stdout().replace("\r", "")
        self.assertEqual(rc, 0, wm.stderr())
        # Each command echoed after the prompt, in order; the line after quit never ran.
        ran = re.findall(r"^wiremeter> (.+)$", out, re.M)
        self.assertEqual(ran, ["show config", "set active-timeout 0.5", "sleep 1.6",
                               "show stats", "flush flows", "show stats",
                               "show flows top 2 sort packets", "show lcores",
                               "no such command", "quit"])
        self.assertIn("Command not found", out)
        cfg = json.loads(out.split("wiremeter> show config\n")[1].split("\n(-c ")[0])
        self.assertEqual(cfg["ports"], ["net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap])
        self.assertEqual(cfg["lcores"], "0-1")
        self.assertEqual(cfg["flow_capacity"], 2048)
        self.assertEqual(cfg["active_timeout"], 300)
        self.assertEqual(cfg["cmdline_file"], cmds)
        self.assertIn("read back from 1 flow table(s) as 30 s and 0.5 s", out)
        stats = re.findall(r"^  records by end reason: idleTimeout (\d+) activeTimeout (\d+) "
                           r"endOfFlow (\d+) forcedEnd (\d+)", out, re.M)
        self.assertEqual(len(stats), 2)
        # 1.6 s at a 0.5 s active timeout: every flow exported at least twice, reason 2.
        self.assertGreaterEqual(int(stats[0][1]), 2 * len(FLOWS))
        self.assertEqual(int(stats[0][3]), 0)
        m = re.search(r"flushed (\d+) flows: (\d+) records", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)), len(FLOWS))
        # Every record the flush made is counted by the next show stats, and no other.
        self.assertEqual(int(stats[1][3]), int(m.group(2)))
        self.assertLessEqual(int(m.group(2)), len(FLOWS))
        # Metering went on after the flush: the flows came back.
        self.assertRegex(out, r"top 2 active flows by packets .*\n.*\n\s+1\s+udp\s+10\.1\.0\.5:5004")
        self.assertRegex(out, r"\n\s+1\s+worker\s+0\s")
        with open(flows) as f:
            recs = [json.loads(l) for l in f]
        reasons = {r["flowEndReason"] for r in recs}
        self.assertEqual(reasons, {2, 4})
        with open(report) as f:
            rep = json.load(f)
        self.assertTrue(rep["conservation"]["ok"])
        self.assertEqual(rep["ports"][0]["name"], "net_pcap0")
        self.assertEqual(sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in recs),
                         rep["packetsMetered"])
        # The final summary has the stats line's figures.
        self.assertRegex(out, r"average \[\d+\.\ds\] rx [\d.]+ Mpps [\d.]+ Gbps \| flows 0 active "
                              r"\d+ exported \| seq lost \d+ in \d+ streams \| drops 0")


    def test_interactive_piped_stdin_quits_at_its_end(self):
        """-i with commands piped in: they run, and the end of stdin is a clean quit."""
        pcap = loop_pcap()
        prefix = prefix_of("pipe")
        try:
            p = subprocess.run([wmtest.BINARY, "--file-prefix", prefix, "-l", "0-1",
                                "--log-level=*:warning", "--vdev",
                                "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap, "--", "-i",
                                "--stats-interval", "0", "--flow-capacity", "4096"],
                               input="show lcores\nshow flows top 1 sort packets\n",
                               capture_output=True, text=True, timeout=60)
        finally:
            wmtest.eal_cleanup(prefix)
        out = p.stdout.replace("\r", "")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(out, r"\n\s+1\s+worker\s+0\s")
        self.assertRegex(out, r"\n\s+1\s+udp\s+10\.1\.0\.5:5004")
        self.assertIn("==== wiremeter summary ====", out)


class ConsoleTtyTest(unittest.TestCase):
    """-i in a pseudo-terminal, with a second port capturing loopback live, so a flow
    the test sends can go idle."""

    def test_console_in_a_pty(self):
        try:
            import pexpect
        except ImportError:
            self.skipTest(wmtest.skip_reason("pexpect is not installed (Debian package "
                                           "python3-pexpect; scripts/setup.sh installs it)"))
        pcap = loop_pcap()
        d = os.path.join(wmtest.WORKDIR, "tty")
        os.makedirs(d, exist_ok=True)
        prefix = prefix_of("tty")
        wm = " ".join([wmtest.BINARY, "--file-prefix", prefix, "-l", "0-1",
                       "--log-level=*:warning", "--vdev",
                       "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap, "--vdev",
                       "net_pcap1,rx_iface=lo", "--", "-i", "--stats-interval", "0",
                       "--flow-capacity", "4096", "2>", os.path.join(d, "stderr.txt")])
        # After wiremeter, the shell shows its exit code and the terminal's settings.
        child = pexpect.spawn("/bin/sh", ["-c", wm + "; echo EXIT=$?; stty -a"],
                              encoding="utf-8", timeout=30, cwd=d)
        log = open(os.path.join(d, "pty.log"), "w")
        child.logfile_read = log
        try:
            self._session(child)
        finally:
            if child.isalive():
                os.kill(child.pid, signal.SIGKILL)
            log.close()
            wmtest.eal_cleanup(prefix)

    def _cmd(self, child, line):
        child.send(line + "\r")
        child.expect_exact("wiremeter> ")
        return child.before.replace("\r", "")

    def _session(self, child):
        child.expect_exact("wiremeter> ")
        # Completion: "show lc" + TAB is "show lcores".
        child.send("show lc\t")
        child.expect_exact("lcores")
        child.send("\r")
        child.expect_exact("wiremeter> ")
        self.assertIn("worker", child.before)
        self.assertIn("p0q0 p1q0", child.before)
        # '?' lists what fits, with the help strings.
        child.send("set ?")
        child.expect_exact("wiremeter> set ")
        self.assertIn("set idle-timeout <S>", child.before)
        self.assertIn("set active-timeout <S>", child.before)
        child.send("\x03")  # Ctrl-C clears the line
        child.expect_exact("wiremeter> ")
        # A UDP flow on loopback, metered through the second port.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(s.close)
        s.bind(("127.0.0.1", 0))
        sport = s.getsockname()[1]
        dport = 9  # discard: nobody listens, the kernel answers ICMP (another flow)
        key = "127.0.0.1:%d-127.0.0.1:%d/udp" % (sport, dport)
        found = False
        for _ in range(50):
            s.sendto(b"x" * 100, ("127.0.0.1", dport))
            out = self._cmd(child, "show flow " + key)
            if '"sourceTransportPort":%d' % sport in out:
                found = True
                break
            time.sleep(0.1)
        self.assertTrue(found, out)
        self.assertIn('"ingressInterface":1', out)
        # Quiet for 1.5 s: still there under the default 30 s idle timeout.
        time.sleep(1.5)
        self.assertIn('"sourceTransportPort":%d' % sport, self._cmd(child, "show flow " + key))
        before = int(re.search(r"idleTimeout (\d+)", self._cmd(child, "show stats")).group(1))
        out = self._cmd(child, "set idle-timeout 1")
        self.assertIn("read back from 1 flow table(s) as 1 s and 300 s", out)
        # Quiet for more than the new timeout already: it ends at the worker's next expiry.
        time.sleep(0.5)
        self.assertIn("no such flow", self._cmd(child, "show flow " + key))
        out = self._cmd(child, "show stats")
        self.assertGreater(int(re.search(r"idleTimeout (\d+)", out).group(1)), before)
        out = self._cmd(child, "show config")
        self.assertIn('"idle_timeout": 1,', out)
        out = self._cmd(child, "flush flows")
        m = re.search(r"flushed (\d+) flows", out)
        self.assertIsNotNone(m, out)
        self.assertGreaterEqual(int(m.group(1)), len(FLOWS))
        out = self._cmd(child, "show port stats all")
        self.assertIn("port 0: net_pcap0 (net_pcap)", out)
        self.assertIn("port 1: net_pcap1 (net_pcap)", out)
        out = self._cmd(child, "show flows top 3")
        self.assertIn("top 3 active flows by octets (1 of 1 workers answered)", out)
        out = self._cmd(child, "show flows sort bytes")
        self.assertIn("Bad arguments", out)
        child.send("quit\r")
        child.expect(r"EXIT=(\d+)")
        self.assertEqual(child.match.group(1), "0")
        self.assertIn("==== wiremeter summary ====", child.before)
        child.expect(pexpect_eof())
        stty = child.before
        # The terminal is as it was: canonical mode and echo back on.
        self.assertRegex(stty, r"(^|\s)icanon(\s|$)")
        self.assertRegex(stty, r"(^|\s)echo(\s|$)")
        self.assertRegex(stty, r"(^|\s)isig(\s|$)")


def pexpect_eof():
    import pexpect
    return pexpect.EOF


class ConfigTest(unittest.TestCase):
    """Broken configs: the message names the field and why, exit code 2, before EAL."""

    def run_conf(self, conf, extra=()):
        path = os.path.join(wmtest.WORKDIR, "bad.json")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.run([wmtest.BINARY, "--file-prefix", prefix_of("bad"), "--", "-c", path] +
                           list(extra), capture_output=True, text=True, timeout=30)
        wmtest.eal_cleanup(prefix_of("bad"))
        return p, path

    def test_broken_configs(self):
        cases = [
            ('{"ports": ["eth0"]}',
             "key 'ports': 'eth0' is neither a PCI address (0000:3b:00.0) nor a vdev"),
            ('{"ports": "net_pcap0"}', "key 'ports': expected an array of device strings"),
            ('{"lcores": "all"}', "key 'lcores': 'all' is not an lcore list"),
            ('{"rx": {"descriptors": 8}}', "key 'rx.descriptors': 8 is out of range [64, 32768]"),
            ('{"rx": {"queues": -1}}', "key 'rx.queues': -1 is out of range [0, 1024]"),
            ('{"cmdline_file": "/nonexistent/cmds"}',
             "key 'cmdline_file': cannot read '/nonexistent/cmds'"),
            ('{"idle_timeout": "soon"}', "key 'idle_timeout': expected a number, got a string"),
            ('{"consoel": true}', "unknown key 'consoel'"),
            ('{"ports": [}', "line 1 column"),
        ]
        for conf, msg in cases:
            p, path = self.run_conf(conf)
            self.assertEqual(p.returncode, 2, (conf, p.stderr))
            self.assertIn("wiremeter: error: config %s: " % path, p.stderr, conf)
            self.assertIn(msg, p.stderr, conf)
            self.assertNotIn("EAL", p.stderr)  # stopped before EAL touched anything
        p = subprocess.run([wmtest.BINARY, "--", "--cmdline-file", "/nonexistent/cmds"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--cmdline-file: cannot read '/nonexistent/cmds'", p.stderr)

    def test_example_configs_load(self):
        """The shipped examples are valid (loading them is all --help needs), and
        default.json says the defaults: every key, each at its default."""
        for name in ("default.json", "lab.json"):
            p = subprocess.run([wmtest.BINARY, "--", "-c", os.path.join(ROOT, "config", name),
                                "--help"], capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, (name, p.stderr))
        with open(os.path.join(ROOT, "config", "lab.json")) as f:
            lab = json.load(f)
        self.assertTrue(lab["ipfix"][0].startswith("udp://"))
        self.assertIn("tester", lab["seq"])
        with open(os.path.join(ROOT, "config", "default.json")) as f:
            default = json.load(f)
        d = os.path.join(wmtest.WORKDIR, "defaults")
        os.makedirs(d, exist_ok=True)
        cmds = os.path.join(d, "cmds.txt")
        with open(cmds, "w") as f:
            f.write("show config\nquit\n")
        # The running config of a run with no config file and only --cmdline-file.
        p = subprocess.run([wmtest.BINARY, "--file-prefix", prefix_of("defaults"), "-l", "0-1",
                            "--vdev", "net_ring0", "--", "--cmdline-file", cmds],
                           capture_output=True, text=True, timeout=60, cwd=d)
        wmtest.eal_cleanup(prefix_of("defaults"))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.replace("\r", "")
        running = json.loads(out.split("wiremeter> show config\n")[1].split("\n(-c ")[0])
        running["cmdline_file"] = None
        self.assertEqual(default, running)


def main():
    global SHORT_DIR
    SHORT_DIR = tempfile.mkdtemp(prefix="wmm", dir="/tmp")
    try:
        return wmtest.main([("dpdk-telemetry.py", "dpdk"), ("tshark", "tshark"),
                            ("dpdk-dumpcap", "dpdk"), ("dpdk-proc-info", "dpdk"),
                            ("stdbuf", "coreutils")])
    finally:
        shutil.rmtree(SHORT_DIR, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
