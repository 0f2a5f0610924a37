#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional test of the flow table's default size (issue 12 item 2): with
no --flow-capacity, a worker's table holds what the memory allows, so a
trace of 2^20 flows (scripts/gen_bench_trace.py: one 64-byte packet each,
every flow its own key) is metered without one lackOfResources record, and
wiremeter says at start how many flows a worker holds and what they take.
One worker, so one table sees every flow. The records are counted from the
report, not written out: 2^20 JSON lines would cost more than the metering.
Run by meson (suite functional):
    test_capacity.py --wiremeter PATH --workdir DIR
"""
import os
import re
import subprocess
import sys
import unittest

import wmtest

ARGS = None
FLOWS = 1 << 20
GEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "gen_bench_trace.py")


def trace():
    """The 2^20-flow pcap, generated once into the workdir (the generator caches it)."""
    out = subprocess.run([sys.executable, GEN, "--frames", "64", "--flows", str(FLOWS),
                          "--packets", str(FLOWS), "--dir", ARGS.workdir],
                         capture_output=True, text=True, check=True, timeout=600)
    return out.stdout.strip()


class TestDefaultCapacity(unittest.TestCase):
    def test_million_flows_default_table_no_lack_of_resources(self):
        report = os.path.join(ARGS.workdir, "report.json")
        if os.path.exists(report):
            os.unlink(report)
        pfx = wmtest.prefix("wmcap", "million")
        cmd = wmtest.command(pfx, ["-l", "0-1"],
                             ["--pcap", trace(), "--report", report, "--stats-interval", "0"])
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        finally:
            wmtest.eal_cleanup(pfx)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        m = re.search(r"flow table: (\d+) flows per worker, ([\d.]+) MB per worker", p.stderr)
        self.assertIsNotNone(m, "no flow table line on stderr:\n" + p.stderr[-2000:])
        held, mb = int(m.group(1)), float(m.group(2))
        self.assertGreaterEqual(held, FLOWS)
        # The memory said is the heap's: at least a key, a hot and a cold record a flow.
        self.assertGreaterEqual(mb * (1 << 20), held * (48 + 64 + 32))
        r = wmtest.read_json(report)
        self.assertEqual(r["packetsMetered"], FLOWS)
        self.assertEqual(r["flowsCreated"], FLOWS)
        self.assertEqual(r["flowsEvicted"], 0)
        self.assertEqual(r["flowsByEndReason"].get("lackOfResources", 0), 0)
        self.assertEqual(r["flowsExported"], FLOWS)


def main():
    global ARGS
    ARGS, rest = wmtest.args()
    sys.exit(wmtest.run_tests(rest))


if __name__ == "__main__":
    main()
