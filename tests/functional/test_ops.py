#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of what an operator relies on around a run, with the real
binary and real EAL (hugepages when the machine has them):
- nothing left behind: 30 runs in a row, ended every way a run ends (end of
  replay, `quit`, SIGINT, SIGTERM), leave HugePages_Free and /var/run/dpdk as
  they were; the runtime folder and telemetry socket are the user's only;
- SIGINT/SIGTERM at any moment (during start, during shutdown, twice) end
  cleanly with every metered packet in an exported record;
- SIGHUP reopens --flows-json, --gaps-json and file: IPFIX outputs, as
  logrotate needs: records split across the two files, none lost, none twice;
- one log type per component (--log-level=wm.ipfix:debug), --version.
Run by meson (suite functional):
    test_ops.py --wiremeter PATH --workdir DIR
"""
import glob
import json
import os
import select
import signal
import stat
import subprocess
import sys
import time
import unittest

import ipfix_decode
import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "tests", "data", "sample.pcap")
RUNTIME = wmtest.RUNTIME
N = [0]


def prefix():
    N[0] += 1
    return "wmo%d_%d" % (os.getpid(), N[0])


def hugepages_free():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("HugePages_Free:"):
                return int(line.split()[1])
    return 0


def hugepages_of_others():
    """Hugepage files of other DPDK processes (one file a page, EAL's default), so
    that a run of somebody else's during the test does not look like a leak."""
    mine = "wmo%d_" % os.getpid()
    return sum(1 for d in wmtest.hugetlbfs_mounts() for f in os.listdir(d)
               if not f.startswith(mine))


def leftovers(pfx):
    """What a run with this --file-prefix left: its runtime folder, its hugepage files."""
    left = glob.glob(os.path.join(RUNTIME, pfx)) + glob.glob(os.path.join(RUNTIME, pfx + "_*"))
    for d in wmtest.hugetlbfs_mounts():
        left += glob.glob(os.path.join(d, pfx + "map_*"))
    return left


def path(name):
    return os.path.join(wmtest.WORKDIR, name)


def endless(pfx, app, eal=None):
    """Start wiremeter on the sample, replayed endlessly (TSC time)."""
    cmd = wmtest.command(pfx, ["-l", "0-1"] + (eal or []) +
                         ["--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % SAMPLE], app)
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(p, timeout=60):
    try:
        out, err = p.communicate(timeout=timeout)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    return p.returncode, out, err


def wait_for(pred, timeout=20.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def wait_started(p, timeout=30.0):
    """Read stderr until the start notice ("N worker(s), M port(s)"): from then on
    the primary allocates nothing more, so a secondary may attach. One that
    attaches while EAL still allocates makes the primary's allocation fail."""
    end = time.time() + timeout
    seen = []
    while time.time() < end:
        r, _, _ = select.select([p.stderr], [], [], max(0.0, end - time.time()))
        if not r:
            break
        line = p.stderr.readline()
        if line == "":
            break
        seen.append(line)
        if "worker(s)" in line:
            return
    raise AssertionError("wiremeter did not start: " + "".join(seen))


def telemetry_socket(pfx):
    return os.path.join(RUNTIME, pfx, "dpdk_telemetry.v2")


class LeavesNothing(unittest.TestCase):
    """Each way a run ends removes its hugepage files and runtime folder."""

    def one_run(self, how, pfx):
        rep = path(pfx + ".report.json")
        if how == "eof":
            p = subprocess.run([wmtest.BINARY, "--file-prefix", pfx, "-l", "0-1", "--",
                                "--pcap", SAMPLE, "--report", rep], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=60)
            return p.returncode, p.stderr
        if how == "quit":
            cmds = path(pfx + ".cmds")
            with open(cmds, "w") as f:
                f.write("show stats\nquit\n")
            p = endless(pfx, ["--cmdline-file", cmds, "--report", rep])
            rc, _, err = finish(p)
            return rc, err
        p = endless(pfx, ["--report", rep])
        # Wait until it runs (its telemetry socket is there), then signal it.
        self.assertTrue(wait_for(lambda: os.path.exists(telemetry_socket(pfx))), "no socket")
        p.send_signal(signal.SIGINT if how == "sigint" else signal.SIGTERM)
        rc, _, err = finish(p)
        return rc, err

    def test_thirty_runs_leave_nothing(self):
        free0 = hugepages_free()
        if free0 == 0:
            self.skipTest(wmtest.skip_reason("no free hugepages: nothing to leave behind "
                                           "(scripts/setup.sh reserves them)"))
        dirs0 = set(os.listdir(RUNTIME)) if os.path.isdir(RUNTIME) else set()
        others0 = hugepages_of_others()
        hows = ["eof", "quit", "sigint", "sigterm"]
        for i in range(30):
            pfx = prefix()
            rc, err = self.one_run(hows[i % 4], pfx)
            self.assertEqual(rc, 0, "%s run %d: %s" % (hows[i % 4], i, err))
            self.assertNotIn("--no-huge", err)  # the runs really took hugepages
            self.assertEqual(leftovers(pfx), [], "%s run %d left files" % (hows[i % 4], i))
        self.assertEqual(hugepages_free() + hugepages_of_others(), free0 + others0)
        dirs1 = set(os.listdir(RUNTIME)) if os.path.isdir(RUNTIME) else set()
        mine = "wmo%d_" % os.getpid()
        self.assertEqual(sorted(d for d in dirs1 - dirs0 if d.startswith(mine)), [])

    def test_socket_and_folder_are_the_users_only(self):
        pfx = prefix()
        p = endless(pfx, [])
        try:
            wait_started(p)
            sock = os.stat(telemetry_socket(pfx))
            self.assertTrue(stat.S_ISSOCK(sock.st_mode))
            self.assertEqual(stat.S_IMODE(sock.st_mode), 0o600)
            self.assertEqual(sock.st_uid, os.getuid())
            folder = os.stat(os.path.join(RUNTIME, pfx))
            self.assertEqual(stat.S_IMODE(folder.st_mode) & 0o077, 0)
            for f in os.listdir(os.path.join(RUNTIME, pfx)):
                m = os.stat(os.path.join(RUNTIME, pfx, f)).st_mode
                self.assertEqual(stat.S_IMODE(m) & 0o077, 0, f)
            # Secondary processes still attach (they run as the same user).
            if hugepages_free() > 0:
                q = subprocess.run(["stdbuf", "-o0", "dpdk-proc-info", "--file-prefix", pfx,
                                    "--no-pci", "--", "--stats"], capture_output=True,
                                   text=True, timeout=60)
                self.assertIn("NIC statistics for port 0", q.stdout, q.stderr)
            p.send_signal(signal.SIGINT)
            rc, _, err = finish(p)
            self.assertEqual(rc, 0, err)
            self.assertEqual(leftovers(pfx), [])
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()


class Signals(unittest.TestCase):
    """A stop at any moment keeps every metered packet."""

    def check_whole(self, pfx, rc, err, out, rep):
        self.assertEqual(rc, 0, err)
        with open(rep) as f:
            report = json.load(f)
        recs = wmtest.read_lines(out)
        total = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in recs)
        self.assertEqual(total, report["packetsMetered"])
        self.assertEqual(len(recs), report["flowsExported"])
        self.assertTrue(report["conservation"]["ok"])
        self.assertEqual(leftovers(pfx), [])
        return report

    def test_signal_during_start(self):
        """SIGINT or SIGTERM sent at once and a little later, while EAL and the
        ports start: exit 0, a conserved report, nothing left."""
        reached = []
        for delay in (0.0, 0.05, 0.15, 0.3, 0.6):
            for sig in (signal.SIGINT, signal.SIGTERM):
                pfx = prefix()
                out, rep = path(pfx + ".jsonl"), path(pfx + ".report.json")
                p = endless(pfx, ["--flows-json", out, "--report", rep])
                time.sleep(delay)
                p.send_signal(sig)
                rc, _, err = finish(p)
                if rc == -sig and err == "":
                    # Before main() installed its handlers (the loader's and, in the
                    # sanitizer build, ASan's time) the default action ends the
                    # process: it had printed nothing and started nothing.
                    self.assertEqual(leftovers(pfx), [])
                    continue
                self.check_whole(pfx, rc, err, out, rep)
                reached.append(delay)
        # The later signals all came after main() began: the test did test something.
        self.assertEqual(reached.count(0.6), 2, reached)

    def test_signal_twice_and_during_shutdown(self):
        """A second SIGINT, and a SIGTERM while the first stop drains, change nothing."""
        pfx = prefix()
        out, rep = path(pfx + ".jsonl"), path(pfx + ".report.json")
        p = endless(pfx, ["--flows-json", out, "--report", rep], eal=["--no-huge", "-m", "512"])
        self.assertTrue(wait_for(lambda: os.path.exists(telemetry_socket(pfx))))
        time.sleep(1.0)
        p.send_signal(signal.SIGINT)
        p.send_signal(signal.SIGINT)
        time.sleep(0.01)
        p.send_signal(signal.SIGTERM)
        rc, _, err = finish(p)
        report = self.check_whole(pfx, rc, err, out, rep)
        self.assertGreater(report["packetsMetered"], 1000)


class Reopen(unittest.TestCase):
    """SIGHUP after logrotate moved the files."""

    def test_sighup_splits_records_without_loss(self):
        pfx = prefix()
        flows, gaps, ipfix = path(pfx + ".jsonl"), path(pfx + ".gaps.jsonl"), path(pfx + ".ipfix")
        rep = path(pfx + ".report.json")
        # Active timeout 0.2 s: every flow exports a record five times a second.
        p = endless(pfx, ["--flows-json", flows, "--gaps-json", gaps, "--ipfix", "file:" + ipfix,
                          "--ipfix-flush", "0.1", "--active-timeout", "0.2", "--report", rep],
                    eal=["--no-huge", "-m", "512", "--log-level=wm.*:info"])
        try:
            # Running (its socket is up), then long enough for several record periods.
            self.assertTrue(wait_for(lambda: os.path.exists(telemetry_socket(pfx))))
            time.sleep(1.5)
            for f in (flows, gaps, ipfix):
                os.rename(f, f + ".1")
            p.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: all(os.path.exists(f) for f in (flows, ipfix))))
            time.sleep(1.5)
            self.assertIsNone(p.poll())  # SIGHUP does not stop it
            p.send_signal(signal.SIGINT)
            rc, _, err = finish(p)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        self.assertEqual(rc, 0, err)
        self.assertIn("--flows-json %s reopened" % flows, err)
        with open(rep) as f:
            report = json.load(f)
        old, new = wmtest.read_lines(flows + ".1"), wmtest.read_lines(flows)
        self.assertGreater(len(old), 0)
        self.assertGreater(len(new), 0)
        # None lost, none twice: the two files hold exactly the exported records.
        self.assertEqual(len(old) + len(new), report["flowsExported"])
        keys = [json.dumps(r, sort_keys=True) for r in old + new]
        self.assertEqual(len(set(keys)), len(keys))
        total = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in old + new)
        self.assertEqual(total, report["packetsMetered"])
        # Each IPFIX file stands alone: templates first, sequence numbers from 0.
        n_flow_records = 0
        for f in (ipfix + ".1", ipfix):
            msgs = ipfix_decode.decode_file(f)
            self.assertGreater(len(msgs), 0, f)
            self.assertEqual(ipfix_decode.sequence_problems(msgs), [], f)
            n_flow_records += sum(1 for m in msgs for (tid, r), opt in
                                  zip(m.records, m.is_options) if not opt)
        self.assertEqual(n_flow_records, report["flowsExported"])
        self.assertTrue(os.path.exists(gaps))


class LogsAndVersion(unittest.TestCase):
    def test_one_log_type_per_component(self):
        p = subprocess.run([wmtest.BINARY, "--file-prefix", prefix(), "--log-level=help"],
                           capture_output=True, text=True, timeout=60)
        names = set(l.strip() for l in (p.stdout + p.stderr).splitlines())
        for c in ("app", "conf", "port", "filter", "pkt", "flow", "seq", "ipfix", "ctl",
                  "console"):
            self.assertIn("wm." + c, names)

    def test_ipfix_debug_shows_sessions(self):
        def run(level):
            pfx = prefix()
            out = path(pfx + ".ipfix")
            p = subprocess.run([wmtest.BINARY, "--file-prefix", pfx, "-l", "0-1", "--no-huge",
                                "-m", "512"] + level + ["--", "--pcap", SAMPLE, "--ipfix",
                                                        "file:" + out],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            return p.stderr
        self.assertIn("session 1 begins", run(["--log-level=wm.ipfix:debug"]))
        self.assertNotIn("session 1 begins", run([]))
        # Another component's debug does not turn this one's on.
        self.assertNotIn("session 1 begins", run(["--log-level=wm.port:debug"]))

    def test_version(self):
        for args in (["--version"], ["--", "--version"]):
            p = subprocess.run([wmtest.BINARY] + args, capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"^wiremeter \d+\.\d+\.\d+\n$")


if __name__ == "__main__":
    sys.exit(wmtest.main([("dpdk-proc-info", "dpdk"), ("stdbuf", "coreutils")]))
