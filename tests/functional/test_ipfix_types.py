#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""RFC 5610 information element type records, read by a real collector library:
libfixbuf's ipfixDump --rfc5610 names every one of wiremeter's enterprise
elements (none is "_alienInformationElement") in the templates and in the stream
records, with the type the records declare; without the records (ipfixDump
reading them as plain data) the same elements are aliens, so the check can fail.
tshark decodes the options template and lists each type record by its name.

Run by meson (suite functional):
    test_ipfix_types.py --wiremeter PATH --workdir DIR
"""
import os
import re
import subprocess
import sys
import unittest

import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PEN = 32473


class TypeRecordsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.pcap = os.path.join(wmtest.WORKDIR, "sample.pcap")
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "gen_sample.py"),
                        cls.pcap], check=True, capture_output=True)
        cls.ipfix = os.path.join(wmtest.WORKDIR, "types.ipfix")
        if os.path.exists(cls.ipfix):
            os.unlink(cls.ipfix)
        pfx = wmtest.prefix("wmt", "types")
        p = subprocess.run(wmtest.command(pfx, ["--no-huge", "-m", "512", "--no-pci", "-l", "0,1"],
                                          ["--pcap", cls.pcap, "--ipfix", "file:" + cls.ipfix,
                                           "--flow-capacity", "4096", "--stats-interval", "0"]),
                           capture_output=True, text=True, timeout=120)
        wmtest.eal_cleanup(pfx)
        assert p.returncode == 0, p.stderr

    def dump(self, *opts):
        p = subprocess.run(["ipfixDump", "--in", self.ipfix] + list(opts), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_elements_named_with_type_records(self):
        out = self.dump("--rfc5610")
        self.assertNotIn("alien", out)
        # Template fields under our PEN: "ent: 32473  id: N  type: T ... name".
        fields = re.findall(r"ent: %d\s+id:\s+(\d+)\s+type: (\S+)\s+len:\s+\d+\s+(?:\(S\) )?(\w+)"
                            % PEN, out)
        named = {int(i): (t, n) for i, t, n in fields}
        self.assertEqual(named[1], ("uint64", "macsecSCI"))
        self.assertEqual(named[3], ("string", "seqStreamKind"))
        self.assertEqual(named[8], ("ipv6", "tunnelSourceAddress"))
        self.assertEqual(named[15], ("uint64", "seqLostCount"))
        # The stream record of the sample's ESP flow, its fields by name.
        self.assertRegex(out, r"\(%d/3\)\s+seqStreamKind : \(len: 3\) esp" % PEN)
        self.assertRegex(out, r"\(%d/10\)\s+seqReceivedCount : \d+" % PEN)
        # One type record per element: 9 elements and the 15 stream counters.
        self.assertEqual(len(re.findall(r"privateEnterpriseNumber : %d" % PEN, out)), 24)

    def test_tshark_decodes_them(self):
        p = subprocess.run(["tshark", "-r", self.ipfix, "-V"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = re.findall(r"^\s+Flow \d+ \[(\w+)\]$", p.stdout, re.M)
        self.assertEqual(len(names), 24)
        for n in ("macsecSCI", "seqStreamKind", "tunnelDestinationAddress", "seqLastNumber"):
            self.assertIn(n, names)
        self.assertIn("Information Element Data Type: 13", p.stdout)  # seqStreamKind: string

    def test_aliens_without_them(self):
        # The same file, the type records not applied: the check above can fail.
        self.assertIn("_alienInformationElement", self.dump())


if __name__ == "__main__":
    sys.exit(wmtest.main([("ipfixDump", "libfixbuf-tools"), ("tshark", "tshark")]))
