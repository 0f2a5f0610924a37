#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The console's sequence tables, through a --cmdline-file: `show streams` and
`show gaps` print aligned columns (a header, then a row per stream or event with
the known counters of the generated streams), and `show streams json` /
`show gaps json` the JSON forms.

The trace: an RTP stream of 20 packets with numbers 7 and 13 left out, and an
ESP stream of 10 packets in order, replayed once; an idle net_ring port keeps
wiremeter up until the command file says quit. The RTP window is 4, so both
missing numbers have left it (lost, not pending) by the end of the stream.

Run by meson (suite functional):
    test_tables.py --wiremeter PATH --workdir DIR
"""
import os
import subprocess
import sys
import unittest

import wmtest

RTP_SSRC = 0x11223344
ESP_SPI = 0x1001
MISSING = (7, 13)


def gen_pcap(path):
    from scapy.all import ESP, IP, UDP, Ether, Raw, wrpcap
    pkts = []
    for seq in [s for s in range(1, 21) if s not in MISSING]:
        hdr = bytes([0x80, 96]) + seq.to_bytes(2, "big") + (160 * seq).to_bytes(4, "big") + \
            RTP_SSRC.to_bytes(4, "big")
        pkts.append(Ether() / IP(src="10.0.0.1", dst="10.0.0.2") /
                    UDP(sport=5004, dport=5004) / Raw(hdr + b"\0" * 40))
    for seq in range(1, 11):
        pkts.append(Ether() / IP(src="10.0.1.1", dst="10.0.1.2") / ESP(spi=ESP_SPI, seq=seq) /
                    Raw(b"\0" * 48))
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i / 1000.0
    wrpcap(path, pkts)


class TablesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        pcap = os.path.join(wmtest.WORKDIR, "tables.pcap")
        gen_pcap(pcap)
        cmds = os.path.join(wmtest.WORKDIR, "tables.cmd")
        with open(cmds, "w") as f:
            # The replay takes a few milliseconds; the sleep leaves it far more.
            f.write("sleep 2\nshow streams\nshow streams json\nshow gaps\nshow gaps json\n"
                    "quit\n")
        pfx = wmtest.prefix("wmtab", "run")
        p = subprocess.run(wmtest.command(pfx, ["--no-huge", "-m", "512", "--no-pci",
                                                "-l", "0,1", "--vdev",
                                                "net_pcap0,rx_pcap=" + pcap,
                                                "--vdev", "net_ring0"],
                                          ["--cmdline-file", cmds, "--flow-capacity", "4096",
                                           "--mbufs", "8192", "--stats-interval", "0",
                                           "--seq-rtp-window", "4"]),
                           capture_output=True, text=True, timeout=120)
        wmtest.eal_cleanup(pfx)
        assert p.returncode == 0, p.stderr
        cls.out = p.stdout.replace("\r", "")

    def section(self, command):
        """What one command printed: from its echo to the next prompt."""
        part = self.out.split("wiremeter> " + command + "\n", 1)
        self.assertEqual(len(part), 2, self.out)
        return part[1].split("wiremeter> ", 1)[0]

    def rows(self, text, header_start):
        """The table's header line and its rows, split into columns."""
        lines = text.splitlines()
        heads = [i for i, ln in enumerate(lines) if ln.split()[:2] == header_start]
        self.assertTrue(heads, text)
        i = heads[-1]  # the live streams' table, or the only one
        rows = []
        for ln in lines[i + 1:]:
            if not ln.strip() or not ln.split()[0].isdigit():
                break
            rows.append(ln)
        return lines[i], rows

    def test_streams_table_aligned(self):
        head, rows = self.rows(self.section("show streams"), ["#", "kind"])
        self.assertEqual(len(rows), 2)
        # Columns line up: each header name ends where its values end.
        for col in ("received", "lost", "loss %", "late", "dup", "reorder", "restarts"):
            end = head.index(col) + len(col)
            for r in rows:
                self.assertNotEqual(r[end - 1], " ", (col, r))
                self.assertEqual(r[end], " ", (col, r))
        by_kind = {r.split()[1]: r.split() for r in rows}
        rtp, esp = by_kind["rtp"], by_kind["esp"]
        self.assertEqual(rtp[2:4], ["ssrc", "0x%08x" % RTP_SSRC])
        # received, lost, loss %, late, dup: 18 received of 20, 2 lost.
        self.assertEqual(rtp[4:9], ["18", "2", "10.000", "0", "0"])
        self.assertEqual(esp[2:4], ["spi", "0x%08x" % ESP_SPI])
        self.assertEqual(esp[4:9], ["10", "0", "0.000", "0", "0"])
        self.assertIn("10.0.0.1:5004 -> 10.0.0.2:5004", " ".join(rtp))

    def test_streams_json_still_there(self):
        text = self.section("show streams json")
        self.assertIn('"seqLostCount":2', text.replace(" ", ""))
        self.assertNotIn("received", text.split("live streams")[1].splitlines()[1])

    def test_gaps_table(self):
        head, rows = self.rows(self.section("show gaps"), ["age", "time"])
        self.assertEqual(len(rows), 2)
        for age, r, missing in zip((1, 2), rows, (13, 7)):
            cols = r.split()
            self.assertEqual(cols[0], str(age))
            self.assertEqual(cols[2:5], ["rtp", "ssrc", "0x%08x" % RTP_SSRC])
            self.assertEqual(cols[5], "gap")
            self.assertEqual(cols[6:9], [str(missing), str(missing + 1), "1"])
            self.assertEqual(len(r.rstrip()), len(head.rstrip()))

    def test_gaps_json_still_there(self):
        text = self.section("show gaps json")
        self.assertEqual(text.count('"seqEvent"') + text.count('"event"'), 2, text)


if __name__ == "__main__":
    sys.exit(wmtest.main())
