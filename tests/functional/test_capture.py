#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Functional tests of packet capture (issue 11, DESIGN.md "Capture").

    test_capture.py --wiremeter PATH --workdir DIR

A trace is generated here with scapy (TCP, UDP, ICMP, IPv6, VLAN, ARP, a
truncated frame, and an RTP stream with drops, a reorder and a duplicate)
and replayed with --pcap; every capture file is read back twice: by our
own pcapng reader below (block by block: times in ns, lengths, bytes,
comments, statistics blocks) and by capinfos/tshark (which must read it as
is).

  FilterTests   12 capture filters: the file holds exactly what
                `tcpdump -r TRACE -w - EXPR` selects, byte for byte, with
                the trace's times to the nanosecond and the original lengths;
                with a snap length, the cut frames and the full lengths; two
                workers: the same packets.
  FlowTests     --capture-flow: exactly one biflow, both directions.
  RingTests     --capture-ring files:3,filesize:MB: three files named as
                dumpcap names them, numbered on to the last, each under the
                limit and full to within one packet of it, holding the last
                packets in order, none lost or twice.
  CountTests    --capture-count N: the first N selected.
  LossTests     --capture-on-loss 2,1 on the RTP stream: for every event of
                the gap log (gap, late, duplicate) the file holds the two
                packets before, the revealing one (with a comment naming the
                event) and the one after, nothing else; with a capture filter
                as well, what either wants, each packet once.
  HistoryTests  --capture-history N, --capture-history-on-exit: the last N
                packets metered, in order; with a filter, the last N selected.
  DropTests     a pool of 64 copies held by a recorder of 64: captured +
                captureDropped = selected, exactly 64 written.
  ConsoleTests  a --cmdline-file on an endless replay: capture start with a
                filter and a count, show capture, capture dump, quit.
  TelemetryTests  the same through dpdk-telemetry.py: start with a filter and a
                count, the state, a new capture with another filter, stop, dump.
  OverloadTests everything from an endless replay into a ring on a 256 KB tmpfs:
                one warning line, every file left whole, captured + dropped =
                selected, metering's conservation holds.
  ErrorTests    an unwritable directory, a bad ring spec, a bad filter, a
                snap length out of range, a bad flow key: exit code 2 and one
                line naming the option.

Prints "N passed, M failed[, K skipped]" last; exits 0 only when nothing
failed, 77 when scapy, tshark, tcpdump or capinfos is missing (a failure
under CI=true).
"""
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import unittest

import wmtest

STEM = "wmcap"
TRACE = None  # the generated trace
RTP_PORT = 5004
RTP_SSRC = 0x5eed1234
# The RTP stream's order of sequence numbers: 10 dropped, 20 and 21 swapped
# (21 reveals a gap, 20 comes late), 30 twice, 40-41 dropped.
RTP_ORDER = ([s for s in range(1, 20) if s != 10] + [21, 20] + list(range(22, 31)) + [30] +
             list(range(31, 40)) + list(range(42, 50)))


def gen_trace(path):
    """Interleaved flows, one packet per 1 ms (microsecond pcap)."""
    from scapy.all import (ARP, Dot1Q, ICMP, IP, IPv6, TCP, UDP, Ether, Raw, wrpcap)
    base = 1764936000.0
    pkts = []

    def E():
        return Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    flows = [
        lambda i: E() / IP(src="10.0.0.1", dst="10.0.0.2") /
        TCP(sport=40000, dport=80, flags="PA") / Raw(b"x" * (i % 50)),
        lambda i: E() / IP(src="10.0.0.2", dst="10.0.0.1") /
        TCP(sport=80, dport=40000, flags="A") / Raw(b"y" * (600 + i % 300)),
        lambda i: E() / IP(src="10.0.0.3", dst="10.0.0.4") /
        UDP(sport=53000, dport=53) / Raw(b"q" * 30),
        lambda i: E() / IP(src="10.0.0.4", dst="10.0.0.3") /
        UDP(sport=53, dport=53000) / Raw(b"r" * 90),
        lambda i: E() / IP(src="10.0.0.5", dst="10.0.0.6") / ICMP(id=7, seq=i),
        lambda i: E() / IPv6(src="2001:db8::1", dst="2001:db8::2") /
        TCP(sport=443, dport=50000, flags="A") / Raw(b"z" * 200),
        lambda i: E() / Dot1Q(vlan=42) / IP(src="10.0.1.1", dst="10.0.1.2") /
        UDP(sport=1234, dport=4321) / Raw(b"v" * 64),
        lambda i: Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.9", pdst="10.0.0.1"),
        lambda i: E() / IP(src="10.0.0.7", dst="10.0.0.8") /
        TCP(sport=2222, dport=22, flags="S" if i == 0 else "A"),
    ]
    rtp = list(RTP_ORDER)
    t = 0
    for i in range(40):
        for f in flows:
            p = f(i)
            p.time = base + t / 1000.0
            pkts.append(p)
            t += 1
        for _ in range(2):
            if rtp:
                s = rtp.pop(0)
                hdr = struct.pack("!BBHII", 0x80, 96, s, s * 160, RTP_SSRC)
                p = (E() / IP(src="10.0.2.1", dst="10.0.2.2") /
                     UDP(sport=RTP_PORT, dport=RTP_PORT) / Raw(hdr + b"\0" * 160))
                p.time = base + t / 1000.0
                pkts.append(p)
                t += 1
    # A frame cut short (a parse error): captured all the same.
    p = Ether(bytes(E() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP())[:20])
    p.time = base + t / 1000.0
    pkts.append(p)
    wrpcap(path, pkts)


# --- capture files, read block by block ----------------------------------

def read_pcapng(path):
    """{"pkts": [(ns, caplen, len, data, comment, block_len)], "isb": n, "shb_app": str}."""
    with open(path, "rb") as f:
        buf = f.read()
    off, pkts, isb, app, tsres = 0, [], 0, "", {}
    n_if = 0
    while off + 12 <= len(buf):
        btype, blen = struct.unpack_from("<II", buf, off)
        if blen < 12 or off + blen > len(buf):
            raise ValueError("%s: block at %d runs past the end" % (path, off))
        if struct.unpack_from("<I", buf, off + blen - 4)[0] != blen:
            raise ValueError("%s: block at %d: trailing length differs" % (path, off))
        body = buf[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            opts = parse_opts(body[16:])
            app = opts.get(4, b"").decode()
        elif btype == 1:
            opts = parse_opts(body[8:])
            tsres[n_if] = opts.get(9, b"\x06")[0]
            n_if += 1
        elif btype == 6:
            ifid, hi, lo, cap, olen = struct.unpack_from("<IIIII", body, 0)
            if tsres.get(ifid) != 9:
                raise ValueError("%s: interface %d is not in ns" % (path, ifid))
            data = body[20:20 + cap]
            opts = parse_opts(body[20 + ((cap + 3) & ~3):])
            pkts.append(((hi << 32) | lo, cap, olen, data,
                         opts.get(1, b"").decode("utf-8", "replace"), blen))
        elif btype == 5:
            isb += 1
        off += blen
    if off != len(buf):
        raise ValueError("%s: %d bytes after the last block" % (path, len(buf) - off))
    return {"pkts": pkts, "isb": isb, "app": app}


def parse_opts(b):
    out, o = {}, 0
    while o + 4 <= len(b):
        code, ln = struct.unpack_from("<HH", b, o)
        if code == 0:
            break
        out[code] = b[o + 4:o + 4 + ln]
        o += 4 + ((ln + 3) & ~3)
    return out


def read_pcap(path):
    """[(ns, caplen, len, data)] of a classic pcap (us or ns)."""
    with open(path, "rb") as f:
        buf = f.read()
    magic = struct.unpack_from("<I", buf, 0)[0]
    mult = 1000 if magic == 0xA1B2C3D4 else 1
    off, out = 24, []
    while off + 16 <= len(buf):
        sec, frac, cap, olen = struct.unpack_from("<IIII", buf, off)
        out.append(((sec * 1000000000 + frac * mult), cap, olen, buf[off + 16:off + 16 + cap]))
        off += 16 + cap
    return out


def tcpdump_select(expr, snaplen=None):
    """What tcpdump selects from the trace: [(ns, caplen, len, data)]."""
    out = os.path.join(wmtest.WORKDIR, "expected.pcap")
    cmd = ["tcpdump", "-r", TRACE, "-w", out]
    cmd += [expr] if expr else []
    subprocess.run(cmd, check=True, capture_output=True)
    pk = read_pcap(out)
    if snaplen:
        pk = [(t, min(c, snaplen), ln, d[:snaplen]) for t, c, ln, d in pk]
    return pk


def capinfos_count(path):
    """Packets capinfos counts in a file (it must read it without complaint)."""
    r = subprocess.run(["capinfos", "-c", "-M", path], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("capinfos %s: %s" % (path, r.stderr))
    return int(re.search(r"Number of packets:\s+(\d+)", r.stdout).group(1))


def tshark_comments(path):
    """tshark's frame numbers and comments (frame.comment, or pkt_comment before 4.x)."""
    r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number",
                        "-e", "frame.comment"], capture_output=True, text=True)
    if r.returncode != 0 or "not valid" in r.stderr:
        r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number",
                            "-e", "pkt_comment"], capture_output=True, text=True)
    return [ln.split("\t") for ln in r.stdout.splitlines() if "\t" in ln and
            ln.split("\t")[1]]


class Case(unittest.TestCase):
    maxDiff = None

    def run_wm(self, name, app, eal=None, timeout=120):
        d = wmtest.fresh_dir(name)
        pfx = wmtest.prefix(STEM, name)
        cmd = wmtest.command(pfx, eal or ["-l", "0-1"],
                             ["--pcap", TRACE, "--report", os.path.join(d, "report.json"),
                              "--stats-interval", "0"] +
                             [a.replace("@", d + "/") for a in app], log="warning")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=d)
        finally:
            wmtest.eal_cleanup(pfx)
        self.assertEqual(p.returncode, 0, "%s\n%s" % (" ".join(cmd), p.stderr[-3000:]))
        with open(os.path.join(d, "report.json")) as f:
            return d, json.load(f), p

    def until(self, pred, what, tries=600):
        # A bound on how long we look, not a timing assertion: the state is what is checked.
        for _ in range(tries):
            if pred():
                return
            time.sleep(0.1)
        self.fail("never: " + what)

    def assert_same_packets(self, got, want):
        self.assertEqual(len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertEqual(g[:4], w[:4], "packet %d differs" % (i + 1))


class FilterTests(Case):
    EXPRS = ["", "tcp", "udp", "icmp", "ip6", "vlan", "arp", "tcp port 80",
             "udp and src host 10.0.0.4", "tcp[13] & 2 != 0", "greater 500",
             "not ip", "udp port 5004 and udp[8:1] = 0x80", "net 10.0.1.0/24 or icmp"]

    def check(self, i, expr, workers=1, snaplen=None):
        app = ["--capture", "@c.pcapng"]
        if expr:
            app += ["--capture-filter", expr]
        if snaplen:
            app += ["--capture-snaplen", str(snaplen)]
        # Two workers on this machine's two CPUs: lcore 2 shares CPU 1.
        eal = ["-l", "0-1"] if workers == 1 else ["--lcores", "0@0,1@1,2@1"]
        d, rep, _ = self.run_wm("filter%d_%d" % (i, workers), app, eal)
        path = os.path.join(d, "c.pcapng")
        f = read_pcapng(path)
        got = [p[:4] for p in f["pkts"]]
        want = tcpdump_select(expr, snaplen)
        self.assertGreater(len(want), 0, expr)
        if workers > 1:
            got, want = sorted(got), sorted(want)
        self.assert_same_packets(got, want)
        self.assertEqual(capinfos_count(path), len(want))
        self.assertTrue(f["app"].startswith("wiremeter "), f["app"])
        self.assertEqual(f["isb"], 1, "one statistics block per port")
        cap = rep["capture"]
        self.assertEqual(cap["packetsWritten"], len(want))
        self.assertEqual(cap["captureSelected"], len(want))
        self.assertEqual(cap["captureDropped"], {"pool": 0, "ring": 0, "write": 0})

    def test_filters_equal_tcpdump(self):
        for i, e in enumerate(self.EXPRS):
            with self.subTest(expr=e):
                self.check(i, e)

    def test_snaplen_cuts_and_keeps_lengths(self):
        self.check(90, "tcp", snaplen=64)

    def test_two_workers_same_packets(self):
        self.check(91, "udp or tcp", workers=2)


class FlowTests(Case):
    def test_one_biflow_both_directions(self):
        d, rep, _ = self.run_wm("flow", ["--capture", "@f.pcapng", "--capture-flow",
                                         "10.0.0.2:80-10.0.0.1:40000/tcp"])
        got = [p[:4] for p in read_pcapng(os.path.join(d, "f.pcapng"))["pkts"]]
        want = tcpdump_select("tcp and host 10.0.0.1 and host 10.0.0.2 and port 80 and "
                              "port 40000")
        self.assertEqual(len(want), 80)
        self.assert_same_packets(got, want)
        self.assertEqual(rep["capture"]["flow"], "10.0.0.2:80-10.0.0.1:40000/tcp")


class RingTests(Case):
    def test_ring_keeps_three_files(self):
        limit = 20000
        d, rep, _ = self.run_wm("ring", ["--capture", "@r.pcapng", "--capture-ring",
                                         "files:3,filesize:0.02"])
        names = sorted(n for n in os.listdir(d) if n.startswith("r_"))
        self.assertEqual(len(names), 3, names)
        written = rep["capture"]["filesWritten"]
        self.assertGreater(written, 3)
        self.assertEqual(rep["capture"]["filesRemoved"], written - 3)
        for k, n in enumerate(names):
            self.assertRegex(n, r"^r_%05d_\d{14}\.pcapng$" % (written - 2 + k))
        files = [read_pcapng(os.path.join(d, n)) for n in names]
        for k, n in enumerate(names):
            size = os.path.getsize(os.path.join(d, n))
            self.assertLessEqual(size, limit, n)
            self.assertEqual(capinfos_count(os.path.join(d, n)), len(files[k]["pkts"]))
            if k + 1 < len(names):
                # Full to within one packet: the next file's first would not have fitted.
                self.assertGreater(size + files[k + 1]["pkts"][0][5], limit, n)
        got = [p[:4] for f in files for p in f["pkts"]]
        want = tcpdump_select("")
        self.assert_same_packets(got, want[len(want) - len(got):])
        self.assertEqual(rep["capture"]["packetsWritten"], len(want))


class CountTests(Case):
    def test_count_ends_the_capture(self):
        d, rep, _ = self.run_wm("count", ["--capture", "@n.pcapng", "--capture-filter",
                                          "udp", "--capture-count", "17"])
        got = [p[:4] for p in read_pcapng(os.path.join(d, "n.pcapng"))["pkts"]]
        self.assert_same_packets(got, tcpdump_select("udp")[:17])
        self.assertFalse(rep["capture"]["running"])


def rtp_seq(data):
    """The RTP sequence number of a captured frame of the stream, or None."""
    if len(data) < 14 + 20 + 8 + 12 or data[23] != 17:
        return None
    if struct.unpack_from("!H", data, 36)[0] != RTP_PORT:
        return None
    return struct.unpack_from("!H", data, 44)[0]


class LossTests(Case):
    BEFORE, AFTER = 2, 1

    def expected(self, events):
        """The RTP packets (arrival index) the loss capture must hold, and the revealing
        ones: each event's packet is the stream's packet at the event's time."""
        rtp = [t for t, _, _, d in read_pcap(TRACE) if rtp_seq(d) is not None]
        self.assertEqual(len(rtp), len(RTP_ORDER))
        evs = [e["timeNanoseconds"] for e in events]
        hist, after, out, revealing = [], 0, [], []
        for i, t in enumerate(rtp):
            if evs and evs[0] == t:
                evs.pop(0)
                out += hist[-self.BEFORE:] if self.BEFORE else []
                hist = []
                out.append(i)
                revealing.append(i)
                after = self.AFTER
            elif after:
                after -= 1
                out.append(i)
            else:
                hist.append(i)
        self.assertEqual(evs, [], "every event matched a packet")
        return out, revealing

    def test_packets_around_each_event(self):
        d, rep, _ = self.run_wm("loss", ["--capture", "@l.pcapng", "--capture-on-loss",
                                         "%d,%d" % (self.BEFORE, self.AFTER),
                                         "--capture-on-loss-events", "gap,late,duplicate",
                                         "--gaps-json", "@gaps.jsonl"])
        events = wmtest.read_lines(os.path.join(d, "gaps.jsonl"))
        # Held back while their packets are written, the lines keep their order all the same.
        times = [e["timeNanoseconds"] for e in events]
        self.assertEqual(times, sorted(times))
        kinds = sorted(e["event"] for e in events)
        self.assertEqual(kinds, ["duplicate", "gap", "gap", "gap", "late"], events)
        want, revealing = self.expected(events)
        f = read_pcapng(os.path.join(d, "l.pcapng"))
        got = [rtp_seq(p[3]) for p in f["pkts"]]
        self.assertEqual(got, [RTP_ORDER[i] for i in want])
        # The revealing packets carry a comment naming the event; no other packet does.
        comments = [(k, p[4]) for k, p in enumerate(f["pkts"]) if p[4]]
        self.assertEqual([k for k, _ in comments], [want.index(i) for i in revealing])
        for (k, c), e in zip(comments, events):
            self.assertIn("sequence %s" % e["event"], c)
            # The gap line points at the revealing packet: its file, its 1-based index.
            self.assertEqual(e.get("captureFile"), os.path.join(d, "l.pcapng"), e)
            self.assertEqual(e.get("capturePacket"), k + 1, e)
            self.assertEqual(f["pkts"][k][0], e["timeNanoseconds"])
        # tshark sees the same comments on the same frames.
        seen = tshark_comments(os.path.join(d, "l.pcapng"))
        self.assertEqual([int(n) for n, _ in seen], [k + 1 for k, _ in comments])

    def test_filter_and_loss_write_each_packet_once(self):
        # The filter takes the odd RTP numbers (udp[10:2]: the RTP sequence number), the
        # loss capture the packets around each event: a packet both want is written once.
        d, rep, _ = self.run_wm("lossfilter", ["--capture", "@lf.pcapng", "--capture-filter",
                                               "udp port %d and udp[10:2] & 1 = 1" % RTP_PORT,
                                               "--capture-on-loss",
                                               "%d,%d" % (self.BEFORE, self.AFTER),
                                               "--capture-on-loss-events", "gap,late,duplicate",
                                               "--gaps-json", "@gaps.jsonl"])
        events = wmtest.read_lines(os.path.join(d, "gaps.jsonl"))
        around, revealing = self.expected(events)
        odd = [i for i, s in enumerate(RTP_ORDER) if s & 1]
        want = sorted(set(around) | set(odd))
        self.assertLess(len(want), len(around) + len(odd), "some packet is wanted by both")
        f = read_pcapng(os.path.join(d, "lf.pcapng"))
        # Each packet by its time (one a millisecond): a history's packets are written when
        # their event comes, after the filter's later ones, so the file order is not checked.
        rtp = [t for t, _, _, dt in read_pcap(TRACE) if rtp_seq(dt) is not None]
        got = [rtp.index(p[0]) for p in f["pkts"]]
        self.assertEqual(sorted(got), want)
        self.assertEqual([rtp_seq(p[3]) for p in f["pkts"]], [RTP_ORDER[i] for i in got])
        # The revealing packets still carry the comment, and the gap lines point at them.
        comments = [k for k, p in enumerate(f["pkts"]) if p[4]]
        self.assertEqual([got[k] for k in comments], revealing)
        for k, e in zip(comments, events):
            self.assertEqual(e.get("capturePacket"), k + 1, e)
        cap = rep["capture"]
        self.assertEqual(cap["packetsWritten"], len(want))
        self.assertEqual(cap["captureSelected"], len(want))
        self.assertEqual(cap["captureDropped"], {"pool": 0, "ring": 0, "write": 0})


class HistoryTests(Case):
    def test_last_n_metered(self):
        d, rep, _ = self.run_wm("hist", ["--capture-history", "25",
                                         "--capture-history-on-exit", "@h.pcapng"])
        got = [p[:4] for p in read_pcapng(os.path.join(d, "h.pcapng"))["pkts"]]
        self.assert_same_packets(got, tcpdump_select("")[-25:])

    def test_last_n_selected(self):
        d, rep, _ = self.run_wm("histf", ["--capture-history", "7", "--capture-filter",
                                          "icmp", "--capture-history-on-exit", "@h.pcapng"])
        got = [p[:4] for p in read_pcapng(os.path.join(d, "h.pcapng"))["pkts"]]
        self.assert_same_packets(got, tcpdump_select("icmp")[-7:])


class DropTests(Case):
    def test_tiny_pool_counts_drops(self):
        # The recorder keeps all 64 copies: every packet after the 64th finds the pool empty.
        d, rep, _ = self.run_wm("drops", ["--capture", "@d.pcapng", "--capture-mbufs", "64",
                                          "--capture-history", "64"])
        cap = rep["capture"]
        total = len(tcpdump_select(""))
        self.assertEqual(cap["captureSelected"], total)
        self.assertEqual(cap["packetsWritten"], 64)
        self.assertEqual(cap["captureDropped"]["pool"], total - 64)
        self.assertEqual(cap["packetsWritten"] + sum(cap["captureDropped"].values()),
                         cap["captureSelected"])
        self.assertEqual(rep["conservation"]["received"], total)
        got = [p[:4] for p in read_pcapng(os.path.join(d, "d.pcapng"))["pkts"]]
        self.assert_same_packets(got, tcpdump_select("")[:64])


class ConsoleTests(Case):
    def test_start_count_show_dump_quit(self):
        d = wmtest.fresh_dir("console")
        cmds = os.path.join(d, "cmds.txt")
        with open(cmds, "w") as f:
            f.write("capture start file %s/c.pcapng filter icmp count 30\n" % d)
            f.write("sleep 1\n")
            f.write("show capture\n")
            f.write("capture dump %s/h.pcapng 5\n" % d)
            f.write("capture stop\n")
            f.write("quit\n")
        pfx = wmtest.prefix(STEM, "console")
        cmd = wmtest.command(pfx, ["-l", "0-1", "--vdev",
                                   "net_pcap0,rx_pcap=%s,infinite_rx=1" % TRACE],
                             ["--cmdline-file", cmds, "--capture-history", "10",
                              "--stats-interval", "0"], log="warning")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=d)
        finally:
            wmtest.eal_cleanup(pfx)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertIn("capture started: %s/c.pcapng, filter icmp" % d, p.stdout)
        self.assertIn("5 packets written to %s/h.pcapng" % d, p.stdout)
        f = read_pcapng(os.path.join(d, "c.pcapng"))
        self.assertEqual(len(f["pkts"]), 30)
        icmp = [q[3] for q in tcpdump_select("icmp")]
        for q in f["pkts"]:
            self.assertIn(q[3], icmp)
        self.assertEqual(len(read_pcapng(os.path.join(d, "h.pcapng"))["pkts"]), 5)


telemetry = wmtest.telemetry


class TelemetryTests(Case):
    """Control of a running instance (an endless replay) through telemetry."""

    def test_start_stop_filter_change_dump(self):
        d = wmtest.fresh_dir("tel")
        pfx = wmtest.prefix(STEM, "tel")
        err = open(os.path.join(d, "stderr.txt"), "w+")
        cmd = wmtest.command(pfx, ["-l", "0-1", "--vdev",
                                   "net_pcap0,rx_pcap=%s,infinite_rx=1" % TRACE],
                             ["--capture-history", "10", "--stats-interval", "0"])
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, cwd=d)
        try:
            sock = os.path.join(wmtest.RUNTIME, pfx, "dpdk_telemetry.v2")

            def ready():
                err.seek(0)
                return os.path.exists(sock) and "worker(s)" in err.read()
            self.until(ready, "wiremeter ready")
            a = telemetry(pfx, "/wiremeter/capture/start,file %s/u.pcapng filter udp count 20"
                          % d)
            self.assertEqual(a["ok"], 1, a)
            self.until(lambda: telemetry(pfx, "/wiremeter/capture")["running"] == 0,
                       "the count ends the capture")
            st = telemetry(pfx, "/wiremeter/capture")
            self.assertEqual(st["file"], "%s/u.pcapng" % d)
            self.assertEqual(st["filter"], "udp")
            self.assertEqual(st["packetsWritten"], 20)
            # A new filter for the next capture, stopped by hand.
            a = telemetry(pfx, "/wiremeter/capture/start,file %s/i.pcapng filter icmp" % d)
            self.assertEqual(a["ok"], 1, a)
            self.until(lambda: telemetry(pfx, "/wiremeter/capture")["packetsWritten"] >=
                       st["packetsWritten"] + 3, "ICMP packets written")
            a = telemetry(pfx, "/wiremeter/capture/stop")
            self.assertEqual(a["ok"], 1, a)
            self.assertEqual(telemetry(pfx, "/wiremeter/capture/stop")["ok"], 0)
            a = telemetry(pfx, "/wiremeter/capture/dump,%s/h.pcapng,4" % d)
            self.assertEqual(a, {"ok": 1, "message": "4 packets written to %s/h.pcapng" % d})
        finally:
            rc = wmtest.stop(proc, signal.SIGINT, 60)
            err.close()
            wmtest.eal_cleanup(pfx)
        self.assertEqual(rc, 0)
        udp = set(q[3] for q in tcpdump_select("udp"))
        icmp = set(q[3] for q in tcpdump_select("icmp"))
        u = read_pcapng(os.path.join(d, "u.pcapng"))["pkts"]
        self.assertEqual(len(u), 20)
        self.assertTrue(all(q[3] in udp for q in u))
        i = read_pcapng(os.path.join(d, "i.pcapng"))["pkts"]
        self.assertGreaterEqual(len(i), 3)
        self.assertTrue(all(q[3] in icmp for q in i))
        self.assertEqual(len(read_pcapng(os.path.join(d, "h.pcapng"))["pkts"]), 4)


class OverloadTests(Case):
    """Everything from an endless replay into a ring on a 256 KB tmpfs that fills."""

    def test_full_filesystem(self):
        d = wmtest.fresh_dir("full")
        mnt = os.path.join(d, "small")
        os.makedirs(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skipTest(wmtest.skip_reason("cannot mount a tmpfs: " + r.stderr.strip()))
        pfx = wmtest.prefix(STEM, "full")
        rep = os.path.join(d, "report.json")
        try:
            with open(os.path.join(d, "stderr.txt"), "w+") as err:
                cmd = wmtest.command(pfx, ["-l", "0-1", "--vdev",
                                           "net_pcap0,rx_pcap=%s,infinite_rx=1" % TRACE],
                                     ["--capture", mnt + "/c.pcapng", "--capture-ring",
                                      "files:3,filesize:1", "--report", rep,
                                      "--stats-interval", "0"], log="warning")
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=err, cwd=d)
                try:
                    def full():
                        err.seek(0)
                        return "cannot write" in err.read()
                    self.until(full, "the disk-full warning")
                finally:
                    rc = wmtest.stop(proc, signal.SIGINT, 60)
                    wmtest.eal_cleanup(pfx)
                err.seek(0)
                lines = err.read().splitlines()
            self.assertEqual(rc, 0, lines[-10:])
            self.assertEqual(len([ln for ln in lines if "cannot write" in ln]), 1, lines)
            names = sorted(os.listdir(mnt))
            self.assertGreater(len(names), 0)
            for n in names:  # every file left is whole: the last one cut at a block
                read_pcapng(os.path.join(mnt, n))
                capinfos_count(os.path.join(mnt, n))
        finally:
            subprocess.run(["umount", mnt])
        with open(rep) as f:
            report = json.load(f)
        cap = report["capture"]
        self.assertEqual(cap["writeErrors"], 1)
        self.assertGreater(cap["captureDropped"]["write"], 0)
        self.assertEqual(cap["packetsWritten"] + sum(cap["captureDropped"].values()) +
                         cap["captureAfterEnd"], cap["captureSelected"], cap)
        self.assertEqual(cap["captureAfterEnd"], 0)
        self.assertTrue(report["conservation"]["ok"], report["conservation"])


class ErrorTests(Case):
    def bad(self, name, app, *names):
        d = wmtest.fresh_dir(name)
        pfx = wmtest.prefix(STEM, name)
        cmd = wmtest.command(pfx, ["-l", "0-1"], ["--pcap", TRACE] + app, log="warning")
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=d)
        finally:
            wmtest.eal_cleanup(pfx)
        run = wmtest.Run(cmd, p.returncode, p.stdout, p.stderr, False, d)
        wmtest.assert_usage_error(self, run, *names)

    def test_unwritable_directory(self):
        self.bad("e1", ["--capture", "/nonexistent-dir/x.pcapng"], "/nonexistent-dir/x.pcapng")

    def test_bad_ring_spec(self):
        self.bad("e2", ["--capture", "x.pcapng", "--capture-ring", "files:3,size:2"],
                 "--capture-ring", "size")

    def test_bad_filter(self):
        self.bad("e3", ["--capture", "x.pcapng", "--capture-filter", "tcp port"],
                 "--capture-filter")

    def test_snaplen_out_of_range(self):
        self.bad("e4", ["--capture-snaplen", "0"], "--capture-snaplen")

    def test_bad_flow_key(self):
        self.bad("e5", ["--capture", "x.pcapng", "--capture-flow", "10.0.0.1-x"],
                 "flow", "10.0.0.1-x")

    def test_bad_loss_spec_in_config(self):
        d = wmtest.fresh_dir("e6")
        cfg = os.path.join(d, "c.json")
        with open(cfg, "w") as f:
            json.dump({"capture": {"file": "x.pcapng", "on_loss": "3"}}, f)
        self.bad("e6b", ["-c", cfg], "capture", "on_loss")


def main():
    global TRACE
    _, rest = wmtest.args(description=__doc__)
    missing = wmtest.missing_tools([("tshark", "tshark"), ("tcpdump", "tcpdump"),
                                    ("dpdk-telemetry.py", "dpdk"),
                                    ("capinfos", "wireshark-common")])
    missing += wmtest.missing_modules([("scapy.all", "python3-scapy")])
    if missing:
        return wmtest.missing_exit(missing)
    TRACE = os.path.join(wmtest.WORKDIR, "capture_trace.pcap")
    gen_trace(TRACE)
    res = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False,
                        verbosity=2).result
    wmtest.eal_cleanup_all(STEM)
    return wmtest.verdict(res)


if __name__ == "__main__":
    sys.exit(main())
