#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of bad capture files (issue 9 item 7): each file is
written here byte by byte, bad in one known way, and replayed by the real
binary under a timeout. A file that is no capture at all exits 2 with one
line naming it; any other is metered as far as libpcap can read it, the run
ends by itself (never on the 5 s "Rx stopped" fallback, which would mean
the expected count was wrong), and the report's files section says how many
records could not be read and why. Every good record is its own UDP flow
(source port 1000 + i), so the flows metered say exactly which records were
read. Run by meson (suite functional):
    test_badpcap.py --wiremeter PATH --workdir DIR
"""
import os
import struct
import sys
import unittest

import wmtest

FRAME = 50  # Ethernet + IPv4 + UDP + 8 bytes of payload


def frame(i):
    """An Ethernet/IPv4/UDP frame of flow i (source port 1000 + i)."""
    payload = struct.pack(">Q", i)
    udp = struct.pack(">HHHH", 1000 + i, 2000, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


# ---- classic pcap ----

def pcap_hdr(snap=65535, magic=0xa1b2c3d4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snap, 1)


def rec(data, caplen=None, length=None, ts=1):
    caplen = len(data) if caplen is None else caplen
    length = len(data) if length is None else length
    return struct.pack("<IIII", ts, 0, caplen, length) + data


def good(*idx):
    return b"".join(rec(frame(i)) for i in idx)


# ---- pcapng ----

def blk(btype, body):
    body += b"\x00" * ((4 - len(body) % 4) % 4)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


SHB = blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(snap=65535):
    return blk(1, struct.pack("<HHI", 1, 0, snap))


def epb(data, ifid=0, caplen=None):
    caplen = len(data) if caplen is None else caplen
    return blk(6, struct.pack("<IIIII", ifid, 0, 1000, caplen, len(data)) + data)


def ng_good(*idx):
    return b"".join(epb(frame(i)) for i in idx)


def bad_trailer(block):
    return block[:-4] + struct.pack("<I", 999)


def run(name, eal, app, timeout=120):
    """Run wiremeter; returns (rc, stdout, stderr, flow records, report or None)."""
    return wmtest.run("wmbp", name, eal, ["--stats-interval", "0"] + app, timeout)


def write(name, data):
    path = os.path.join(wmtest.WORKDIR, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


class BadPcap(unittest.TestCase):
    def replay(self, name, data, flows, records, unreadable, damaged=None, stopped=False,
               parse_errors=0, ierrors=0):
        """Replay one file; 'flows' are the indexes of the records that must be
        metered (one flow each), 'unreadable'/'damaged' the report's non-zero
        counts for the file, 'ierrors' the refused reads the pcap PMD met."""
        path = write(name, data)
        rc, out, err, recs, report = run(name.replace(".", "_"), ["-l", "0-1"], ["--pcap", path])
        self.assertEqual(rc, 0, err)
        self.assertNotIn("Rx stopped", err)  # the end came from the exact count
        self.assertEqual(sorted(r["sourceTransportPort"] for r in recs),
                         sorted(1000 + i for i in flows))
        self.assertEqual(report["packetsMetered"], len(flows))
        self.assertEqual(report["conservation"]["parseErrors"], parse_errors)
        self.assertTrue(report["conservation"]["ok"])
        self.assertEqual(report["ports"][0]["ierrors"], ierrors)
        self.assertEqual(len(report["files"]), 1)
        f = report["files"][0]
        self.assertEqual(f["path"], path)
        self.assertEqual(f["records"], records)
        self.assertEqual(report["ports"][0]["rxPackets"], records)
        self.assertEqual({k: v for k, v in f["unreadable"].items() if v}, unreadable)
        self.assertEqual({k: v for k, v in f["damaged"].items() if v}, damaged or {})
        self.assertEqual(f["unreadableRecords"], sum(unreadable.values()))
        self.assertEqual(f["stopped"], stopped)
        self.assertEqual(f["bytesNotRead"] > 0, stopped)
        if unreadable or damaged:
            # Named on stderr and in the summary, with the reasons.
            line = [l for l in err.splitlines() if l.startswith("wiremeter: warning: file " + path)]
            self.assertEqual(len(line), 1, err)
            for reason in list(unreadable) + list(damaged or {}):
                self.assertIn(reason, line[0])
                self.assertIn(reason, out)
        else:
            self.assertNotIn("warning: file", err)
        return f, err

    def usage_error(self, name, data, why, vdev=False):
        path = write(name, data)
        if vdev:
            rc, out, err, recs, report = run(name.replace(".", "_"),
                                             ["-l", "0-1", "--vdev", "net_pcap0,rx_pcap=" + path], [])
        else:
            rc, out, err, recs, report = run(name.replace(".", "_"), ["-l", "0-1"], ["--pcap", path])
        self.assertEqual(rc, 2, err)
        lines = [l for l in err.splitlines() if l.startswith("wiremeter: error:")]
        self.assertEqual(lines, ["wiremeter: error: %s %s: %s" %
                                 ("--vdev net_pcap0: rx_pcap" if vdev else "--pcap", path, why)])
        self.assertIsNone(report)

    # ---- classic pcap ----

    def test_good_file(self):
        self.replay("good.pcap", pcap_hdr() + good(0, 1, 2), [0, 1, 2], 3, {})

    def test_truncated_in_header(self):
        f, err = self.replay("trunc_hdr.pcap", pcap_hdr() + good(0, 1, 2) + rec(frame(3))[:10],
                             [0, 1, 2], 3, {"truncated": 1}, stopped=True)
        self.assertEqual(f["bytesNotRead"], 10)
        self.assertIn("tried to read 16 header bytes, only got 10", f["error"])

    def test_truncated_in_data(self):
        f, err = self.replay("trunc_data.pcap", pcap_hdr() + good(0, 1, 2) + rec(frame(3))[:30],
                             [0, 1, 2], 3, {"truncated": 1}, stopped=True)
        self.assertEqual(f["bytesNotRead"], 30)

    def test_caplen_above_snaplen(self):
        # Cut to the 42-byte snap length: the UDP header is whole, so still metered.
        self.replay("snap.pcap", pcap_hdr(snap=42) + good(0, 1, 2), [0, 1, 2], 3, {},
                    damaged={"cutToSnaplen": 3})

    def test_caplen_above_max(self):
        # 300000 bytes: libpcap refuses it and would read its data as thousands of
        # empty records; the replay stops there and meters nothing made up.
        f, err = self.replay("huge.pcap", pcap_hdr() + good(0, 1) + rec(b"\x00" * 300000) + good(3),
                             [0, 1], 2, {"tooLong": 1}, stopped=True)
        self.assertEqual(f["bytesNotRead"], 16 + 300000 + 16 + FRAME)

    def test_zero_length_record(self):
        self.replay("zero.pcap", pcap_hdr() + good(0) + rec(b"") + good(2), [0, 2], 3, {},
                    damaged={"empty": 1}, parse_errors=1)

    def test_caplen_above_len(self):
        self.replay("caplen_len.pcap", pcap_hdr() + good(0) + rec(frame(1), length=20) + good(2),
                    [0, 1, 2], 3, {}, damaged={"caplenAboveLen": 1})

    def test_header_only(self):
        self.replay("hdronly.pcap", pcap_hdr(), [], 0, {})

    def test_unknown_magic(self):
        self.usage_error("magic.pcap", b"\xde\xad\xbe\xef" + pcap_hdr()[4:] + good(0),
                         "not a pcap or pcapng file (unknown magic deadbeef)")

    def test_empty_file(self):
        self.usage_error("empty.pcap", b"", "the file is empty")

    def test_garbage_header(self):
        self.usage_error("short.pcap", pcap_hdr()[:10],
                         "cannot be read as a capture: truncated dump file; tried to read 24 "
                         "file header bytes, only got 6")

    def test_not_ethernet(self):
        # RAW (IPv4 with no link header) is read, with an Ethernet header made up.
        self.replay("raw.pcap", pcap_hdr()[:20] + struct.pack("<I", 101) + rec(frame(0)[14:]),
                    [0], 1, {})

    def test_unsupported_link_type(self):
        self.usage_error("wifi.pcap", pcap_hdr()[:20] + struct.pack("<I", 105) + good(0),
                         "link type 105 is not one the replay port reads (EN10MB, LINUX_SLL, "
                         "LINUX_SLL2, RAW, IPV4, IPV6, NULL, LOOP, PPP, PPP_HDLC)")

    def test_vdev_not_ethernet(self):
        # net_pcap, named with --vdev, still reads Ethernet only.
        self.usage_error("vraw.pcap", pcap_hdr()[:20] + struct.pack("<I", 101) + good(0),
                         "link type RAW is not Ethernet", vdev=True)

    def test_vdev_unknown_magic(self):
        self.usage_error("vmagic.pcap", b"garbage!" * 8,
                         "not a pcap or pcapng file (unknown magic 67617262)", vdev=True)

    # ---- pcapng ----

    def test_ng_unknown_and_custom_blocks(self):
        data = SHB + blk(0x1234, b"abcd") + idb() + epb(frame(0)) + blk(0xBAD, b"\x00\x00\x7e\x79xyz") + \
            ng_good(1) + blk(0x40000BAD, b"\x00\x00\x7e\x79") + ng_good(2) + blk(0x7777, b"")
        self.replay("unknown.pcapng", data, [0, 1, 2], 3, {"unknownBlock": 2, "customBlock": 2})

    def test_ng_bad_block_length(self):
        data = SHB + idb() + ng_good(0) + struct.pack("<II", 6, 13) + b"\x00" * 40 + ng_good(2)
        self.replay("badlen.pcapng", data, [0], 1, {"badBlockLength": 1}, stopped=True)

    def test_ng_huge_block_length(self):
        data = SHB + idb() + ng_good(0) + struct.pack("<II", 6, 0xfffffff0) + b"\x00" * 40
        self.replay("hugelen.pcapng", data, [0], 1, {"badBlockLength": 1}, stopped=True)

    def test_ng_refused_blocks_in_step(self):
        # Blocks libpcap reads whole but refuses: reading goes on past them, and the
        # replay ends on the exact count (refused reads show in ierrors).
        data = SHB + idb() + ng_good(0) + bad_trailer(epb(frame(1))) + ng_good(2) + \
            epb(frame(3), ifid=5) + ng_good(4) + epb(frame(5), caplen=500)
        # The replay port steps over every refused block, the last one too: 3 in ierrors.
        f, err = self.replay("refused.pcapng", data, [0, 2, 4], 3,
                             {"badBlockLength": 1, "unknownInterface": 1, "badPacketBlock": 1},
                             ierrors=3)
        self.assertEqual(f["error"], "block total length in header and trailer don't match")

    def test_ng_above_snaplen(self):
        data = SHB + idb(snap=42) + epb(frame(0)[:42], caplen=42) + ng_good(1) + \
            epb(frame(2)[:42], caplen=42)
        self.replay("snap.pcapng", data, [0, 2], 2, {"aboveSnaplen": 1}, ierrors=1)

    def test_ng_truncated(self):
        self.replay("trunc.pcapng", SHB + idb() + ng_good(0, 1) + epb(frame(2))[:30], [0, 1], 2,
                    {"truncated": 1}, stopped=True)

    def test_ng_zero_length(self):
        self.replay("zero.pcapng", SHB + idb() + ng_good(0) + epb(b"") + ng_good(2), [0, 2], 3, {},
                    damaged={"empty": 1}, parse_errors=1)

    def test_ng_no_interface(self):
        self.usage_error("noidb.pcapng", SHB + ng_good(0),
                         "cannot be read as a capture: the capture file has a packet block "
                         "before any Interface Description Blocks")

    # ---- several files ----

    def test_vdev_two_bad_files_two_workers(self):
        """One vdev, two files (two queues), two workers (software RSS): each
        queue stops at its own file's last readable record."""
        a = write("va.pcap", pcap_hdr() + good(0, 1) + rec(b"\x00" * 300000) + good(9))
        b = write("vb.pcapng", SHB + idb() + ng_good(2, 3) + bad_trailer(epb(frame(4))) +
                  ng_good(5) + epb(frame(6))[:20])
        rc, out, err, recs, report = run("vdev2", ["--lcores", "0@0,1@1,2@1", "--vdev",
                                                   "net_pcap0,rx_pcap=%s,rx_pcap=%s" % (a, b)], [])
        self.assertEqual(rc, 0, err)
        self.assertNotIn("Rx stopped", err)
        self.assertEqual(sorted(r["sourceTransportPort"] for r in recs),
                         [1000 + i for i in (0, 1, 2, 3, 5)])
        self.assertEqual(report["packetsMetered"], 5)
        self.assertTrue(report["ports"][0]["softwareRss"])
        files = {f["path"]: f for f in report["files"]}
        self.assertEqual((files[a]["queue"], files[a]["records"], files[a]["unreadable"]["tooLong"]),
                         (0, 2, 1))
        self.assertEqual((files[b]["queue"], files[b]["records"], files[b]["unreadable"]["truncated"],
                          files[b]["unreadable"]["badBlockLength"]), (1, 3, 1, 1))
        self.assertEqual(report["ports"][0]["ierrors"], 1)  # the refused block before record 5

    def test_good_and_bad_pcap_files(self):
        a = write("ok.pcap", pcap_hdr() + good(0, 1))
        b = write("bad.pcap", pcap_hdr() + good(2) + rec(frame(3))[:30])
        rc, out, err, recs, report = run("two", ["-l", "0-1"], ["--pcap", a, "--pcap", b])
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(r["sourceTransportPort"] for r in recs), [1000, 1001, 1002])
        self.assertEqual([(f["path"], f["records"], f["unreadableRecords"]) for f in report["files"]],
                         [(a, 2, 0), (b, 1, 1)])
        self.assertEqual(len([l for l in err.splitlines() if "warning: file" in l]), 1)


if __name__ == "__main__":
    sys.exit(wmtest.main())
