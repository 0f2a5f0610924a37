#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of the application's plumbing, on the shipped sample trace:
software RSS across several workers gives the same records as one worker;
SIGINT on an endless replay shuts down gracefully with nothing lost; the
periodic stats line; the quick-start summary. Run by meson (suite functional):
    test_app.py --wiremeter PATH --workdir DIR
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import unittest

import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "tests", "data", "sample.pcap")


def run(eal, app, name, timeout=120):
    """Run wiremeter to completion; returns (rc, stdout, stderr, records, report)."""
    return wmtest.run("wma", name, eal, app, timeout)


def run_until_signal(name, eal, app, seconds, sig):
    """Start wiremeter on a live or endless input, check it is still running
    after 'seconds', send 'sig'; returns (rc, stdout, stderr)."""
    return wmtest.run_until_signal(wmtest.prefix("wma", name), ["-l", "0-1"] + eal, app,
                                   seconds, sig)


def canon(recs):
    return sorted(json.dumps(r, sort_keys=True) for r in recs)


class AppTest(unittest.TestCase):
    def test_swrss_matches_single_worker(self):
        """One single-queue port dealt to two workers by software RSS: same records,
        timeouts included (short ones, so the replay clock decides many of them)."""
        opts = ["--pcap", SAMPLE, "--stats-interval", "0", "--idle-timeout", "0.05",
                "--active-timeout", "0.5"]
        rc1, _, err1, one, rep1 = run(["-l", "0-1"], opts, "one")
        self.assertEqual(rc1, 0, err1)
        # Three lcores on two CPUs: the main lcore and two workers sharing CPU 1.
        rc3, _, err3, three, rep3 = run(["--lcores", "0@0,1@1,2@1"], opts, "three")
        self.assertEqual(rc3, 0, err3)
        self.assertGreater(len(one), 5)
        self.assertGreater(rep1["flowsByEndReason"]["idleTimeout"], 3)
        self.assertEqual(canon(one), canon(three))
        # Two workers, the first dealing the single queue's packets to both.
        self.assertTrue(rep3["ports"][0]["softwareRss"])
        self.assertFalse(rep1["ports"][0]["softwareRss"])
        self.assertEqual([w["distributor"] for w in rep3["workers"]], [True, False])
        self.assertEqual(sum(w["packets"] for w in rep3["workers"]), rep3["ports"][0]["rxPackets"])
        self.assertTrue(all(w["packets"] > 0 for w in rep3["workers"]))
        self.assertTrue(rep3["conservation"]["ok"])
        self.assertEqual(rep1["packetsMetered"], rep3["packetsMetered"])

    def test_several_files_same_records_any_workers(self):
        """Four files read together (four ports, or one vdev with four rx_pcap queues),
        many short flows, a small table and a 1 s idle timeout: the records are the
        same with one worker and with two fed by software RSS, no idle flow is evicted
        for room, and only flows still open at the end are forced (reason 4)."""
        import struct
        files = []
        for fi in range(4):
            path = os.path.join(wmtest.WORKDIR, "many%d.pcap" % fi)
            pkts = []
            for k in range(3000):
                ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, 0, 0, 64, 17, 0,
                                 bytes([10, fi, k >> 8, k & 255]), bytes([10, 99, 0, 1]))
                frame = (b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip +
                         struct.pack("!HHHH", 1000 + k % 500, 53, 26, 0) + b"\0" * 18)
                for j in range(3):
                    pkts.append((k * 3000 + j * 100000 + fi * 100, frame))
            pkts.sort(key=lambda x: x[0])
            with open(path, "wb") as f:
                f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
                for us, fr in pkts:
                    f.write(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000,
                                        len(fr), len(fr)) + fr)
            files.append(path)
        opts = ["--idle-timeout", "1", "--flow-capacity", "3000", "--stats-interval", "0"]
        ports = [a for f in files for a in ("--pcap", f)]
        vdev = ["--vdev", "net_pcap0," + ",".join("rx_pcap=" + f for f in files)]
        results = []
        for name, eal, app in (("many1", ["-l", "0-1"], ports),
                               ("many2", ["--lcores", "0@0,1@1,2@1"], ports),
                               ("manyq1", ["-l", "0-1"] + vdev, []),
                               ("manyq2", ["--lcores", "0@0,1@1,2@1"] + vdev, [])):
            rc, _, err, recs, report = run(eal, opts + app, name)
            self.assertEqual(rc, 0, (name, err))
            self.assertEqual(len(recs), 12000, name)
            self.assertEqual(report["flowsEvicted"], 0, name)
            self.assertTrue(report["conservation"]["ok"], name)
            # Flows are 3 ms apart: those whose last packet is within 1 s of the end
            # of their file are still open when it ends.
            self.assertLess(report["flowsByEndReason"]["forcedEnd"], 4 * 340, name)
            for r in recs:
                r.pop("ingressInterface")
            results.append(canon(recs))
        self.assertEqual(results[0], results[1])
        self.assertEqual(results[0], results[2])
        self.assertEqual(results[0], results[3])

    def test_sigint_endless_replay_loses_nothing(self):
        """An endless replay stopped by SIGINT: exit 0, every metered packet exported (reason 4)."""
        out = os.path.join(wmtest.WORKDIR, "endless.jsonl")
        rep = os.path.join(wmtest.WORKDIR, "endless.report.json")
        rc, stdout, stderr = run_until_signal(
            "endless", ["--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % SAMPLE],
            ["--flows-json", out, "--report", rep, "--stats-interval", "0.5"], 3, signal.SIGINT)
        self.assertEqual(rc, 0, stderr)
        report = wmtest.read_json(rep)
        recs = wmtest.read_lines(out)
        total = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in recs)
        self.assertGreater(report["packetsMetered"], 1000)
        self.assertEqual(total, report["packetsMetered"])
        self.assertEqual(len(recs), report["flowsExported"])
        self.assertTrue(report["conservation"]["ok"])
        self.assertEqual(report["ports"][0]["rxPackets"],
                         report["ports"][0]["metered"] + report["ports"][0]["parseErrors"])
        # The sample's flows were all open at SIGINT: forced end, or end of flow for TCP.
        self.assertTrue(all(r["flowEndReason"] in (3, 4) for r in recs))
        self.assertGreater(report["durationSeconds"], 1.0)
        # The periodic stats line, at least a few times in 3 s.
        lines = [l for l in stderr.splitlines() if l.startswith("[") and "Mpps" in l]
        self.assertGreaterEqual(len(lines), 3, stderr)
        self.assertIn("conservation:", stdout)

    def test_net_ring_port_idles_and_stops(self):
        """Any ethdev EAL brings up is metered: a net_ring port with no traffic
        runs until SIGINT, then exits 0 with an empty, conserved report."""
        rep = os.path.join(wmtest.WORKDIR, "ring.report.json")
        rc, _, stderr = run_until_signal("ring", ["--vdev", "net_ring0"],
                                         ["--report", rep, "--stats-interval", "0"], 1.5,
                                         signal.SIGTERM)
        self.assertEqual(rc, 0, stderr)
        report = wmtest.read_json(rep)
        self.assertEqual(report["ports"][0]["driver"], "net_ring")
        self.assertEqual(report["packetsMetered"], 0)
        self.assertEqual(report["flowsExported"], 0)
        self.assertTrue(report["conservation"]["ok"])

    def test_filter_counts_what_it_drops(self):
        """--filter: libpcap syntax, compiled to rte_bpf; refused packets are counted
        as filtered and conservation still holds."""
        rc, _, err, recs, report = run(["-l", "0-1"], ["--pcap", SAMPLE, "--stats-interval", "0",
                                                       "--filter", "tcp or icmp"], "filter")
        self.assertEqual(rc, 0, err)
        self.assertTrue(recs)
        self.assertTrue(all(r["protocolIdentifier"] in (1, 6) for r in recs), recs)
        port = report["ports"][0]
        # The sample: 14 TCP (12 IPv4, 2 IPv6) and 6 ICMP metered, one truncated TCP
        # frame passes the filter and fails the parser, the other 11 are refused.
        self.assertEqual(report["packetsMetered"], 20)
        self.assertEqual(port["filtered"], 11)
        self.assertEqual(port["parseErrors"], 1)
        self.assertEqual(port["rxTaken"], port["metered"] + port["parseErrors"] + port["filtered"])
        self.assertTrue(report["conservation"]["ok"])
        bad = subprocess.run([wmtest.BINARY, "--file-prefix", "wma%d_bad" % os.getpid(), "--",
                              "--pcap", SAMPLE, "--filter", "tcp port"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--filter", bad.stderr)
        self.assertIn("syntax error", bad.stderr)

    def test_filter_agrees_with_tcpdump(self):
        """The packets a filter lets through are the ones tcpdump selects from the same
        file, for expressions that take each eBPF path: indexed byte, half and word
        loads, jset, link-layer tests."""
        if shutil.which("tcpdump") is None:
            self.skipTest(wmtest.skip_reason("tcpdump is not installed (Debian package tcpdump; "
                                           "scripts/setup.sh installs it)"))
        for i, expr in enumerate(["tcp[13]&2!=0", "tcp[tcpflags] & tcp-syn != 0",
                                  "icmp[icmptype]=icmp-echo", "tcp[4:4]=1", "tcp[12]=0x50",
                                  "ether multicast", "vlan 42", "ip6", "udp port 53",
                                  "not arp"]):
            want = subprocess.run(["tcpdump", "-r", SAMPLE, expr], capture_output=True,
                                  text=True, timeout=30)
            self.assertEqual(want.returncode, 0, want.stderr)
            n_want = len(want.stdout.splitlines())
            rc, _, err, _, report = run(["-l", "0-1"], ["--pcap", SAMPLE, "--stats-interval", "0",
                                                        "--filter", expr], "tcpdump%d" % i)
            self.assertEqual(rc, 0, (expr, err))
            port = report["ports"][0]
            self.assertEqual(port["rxTaken"] - port["filtered"], n_want, expr)

    def test_usage_errors_found_before_ports(self):
        """Errors only the app can see still stop it with code 2 and one named line."""
        comma = os.path.join(wmtest.WORKDIR, "a,b.pcap")
        shutil.copy(SAMPLE, comma)
        for args, needle in ((["--mbufs", "100"], "--mbufs"),
                             (["--pcap", comma], "a,b.pcap"),
                             (["--pcap", SAMPLE, "--report", "/nonexistent/dir/r.json"], "--report")):
            p = subprocess.run([wmtest.BINARY, "--file-prefix", "wma%d_usage" % os.getpid(), "--"] + args,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, (args, p.stderr))
            lines = [l for l in p.stderr.splitlines() if l.startswith("wiremeter: error")]
            self.assertEqual(len(lines), 1, p.stderr)
            self.assertIn(needle, lines[0])
        wmtest.eal_cleanup("wma%d_usage" % os.getpid())

    def test_garbage_frames_and_full_table(self):
        """20000 random frames (most with an IP, IPv6, VLAN or MACsec EtherType) into a
        table of 500 flows: no crash, every frame a parse error or metered, every
        metered packet in a record, evictions counted as lack of resources."""
        import random
        import struct
        rnd = random.Random(7)
        path = os.path.join(wmtest.WORKDIR, "garbage.pcap")
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
            for i in range(20000):
                n = rnd.randint(1, 300)
                b = bytearray(rnd.getrandbits(8) for _ in range(n))
                if n > 15 and rnd.random() < 0.7:
                    b[12:14] = rnd.choice([b"\x08\x00", b"\x86\xdd", b"\x81\x00", b"\x88\xe5"])
                    b[14] = {b"\x08\x00": 0x45, b"\x86\xdd": 0x60}.get(bytes(b[12:14]), b[14])
                f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, n, n))
                f.write(bytes(b))
        rc, _, err, recs, report = run(["-l", "0-1"], ["--pcap", path, "--stats-interval", "0",
                                                       "--flow-capacity", "500"], "garbage")
        self.assertEqual(rc, 0, err)
        port = report["ports"][0]
        self.assertEqual(port["rxPackets"], 20000)
        self.assertEqual(port["metered"] + port["parseErrors"], 20000)
        self.assertGreater(port["parseErrors"], 1000)
        self.assertEqual(sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in recs),
                         report["packetsMetered"])
        self.assertGreater(report["flowsEvicted"], 1000)
        self.assertEqual(report["flowsByEndReason"]["lackOfResources"], report["flowsEvicted"])
        self.assertTrue(report["conservation"]["ok"])

    def test_summary_names_everything(self):
        rc, stdout, err, recs, report = run(["-l", "0-1"], ["--pcap", SAMPLE, "--stats-interval", "0"], "summary")
        self.assertEqual(rc, 0, err)
        for what in ("top ", "parse errors: 1", "ipv4Truncated", "rx_nombuf", "imissed",
                     "conservation: received 32 = metered 31 + parse errors 1 + filtered 0"):
            self.assertIn(what, stdout)
        self.assertEqual(report["parseErrors"]["ipv4Truncated"], 1)
        self.assertEqual(report["packetsMetered"], 31)
        self.assertEqual(len(report["topFlows"]), min(10, len(recs)))
        self.assertEqual(report["topFlows"][0]["octetDeltaCount"] + report["topFlows"][0]["reverseOctetDeltaCount"],
                         max(r["octetDeltaCount"] + r["reverseOctetDeltaCount"] for r in recs))


if __name__ == "__main__":
    sys.exit(wmtest.main())
