#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of the replay port (net_wmreplay, drivers/net/wm_replay),
issue 12 items 1 and 5:

- every functional trace (scripts/gen_traces.py, scripts/gen_seq_traces.py)
  gives the same records through the replay port (--pcap) as through DPDK's
  net_pcap (--vdev net_pcap...,rx_pcap=...), with one worker and two: JSON
  lines, gap logs, decoded IPFIX (biflow and uniflow) and the report, less
  what names the port or depends on the clock, and less which worker met
  which flow (the two ports spread flows with different hashes);
- the end of the files is signalled: the run ends by itself with each file
  opened exactly once (strace -e openat), no count pass;
- dpdk-testpmd reads the port (loaded with -d) and counts exactly the file's
  packets.

    test_replay.py --wiremeter PATH --workdir DIR --driver librte_net_wmreplay.so
"""
import json
import os
import re
import signal
import subprocess
import sys
import unittest

import wmtest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_builds  # noqa: E402  (its trace and output readers)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = None
TRACES = {}  # name: (pcaps, options)
STEM = "wmrp"

# What names the port, or how it hands packets to workers; and the IPFIX octets
# exported, which count the port's name in the interface options record.
PORT_KEYS = {"name", "driver", "softwareRss", "rxQueues", "queues", "ierrors", "portName",
             "exportedOctetTotalCount"}
# Per-worker sections: which worker met which flow follows the port's hash.
WORKER_KEYS = {"workers", "perWorker"}


def norm_report(rep):
    """The report less what differs by port: port identity and per-worker split."""
    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()
                    if k not in PORT_KEYS and k not in WORKER_KEYS}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o
    return walk(rep)


# The interface options record names the port (RFC 7011 options: interfaceName...).
PORT_NAME = re.compile(r'("interface(?:Name|Description)": )"[^"]*"')


def norm_ipfix(view, workers):
    """IPFIX records of every domain (worker) together, sorted, with the port's
    name left out; the last statistics records too with one worker (with two,
    each domain counts the flows its worker met, which follows the hash)."""
    if view is None:
        return None
    records = sorted(PORT_NAME.sub(r'\1"-"', r) for d in view.values() for r in d["records"])
    templates = sorted(t for d in view.values() for t in d["templates"])
    out = {"records": records, "templates": templates}
    if workers == 1:
        # Less the octets exported, which count the port's name in the interface record.
        out["last"] = sorted(re.sub(r'"exportedOctetTotalCount": \d+, ', "", v)
                             for d in view.values() for v in d["last"].values())
    return out


def run_port(port, name, pcaps, options, workers, mode):
    """One replay through 'replay' (--pcap) or 'pcap' (net_pcap vdevs)."""
    rundir = wmtest.fresh_dir(name, port, str(workers), mode)
    out = {k: os.path.join(rundir, k) for k in ("flows", "gaps", "ipfix", "report")}
    eal = ["-l", "0-%d" % workers, "--no-huge", "-m", "1024"]
    app = []
    if port == "replay":
        for p in pcaps:
            app += ["--pcap", p]
    else:
        eal += ["--no-pci"]
        for i, p in enumerate(pcaps):
            eal += ["--vdev", "net_pcap_cmp%d,rx_pcap=%s" % (i, p)]
    app += options + ["--flows-json", out["flows"], "--gaps-json", out["gaps"], "--ipfix",
                      "file:" + out["ipfix"], "--ipfix-mode", mode, "--report", out["report"],
                      "--stats-interval", "0"]
    pfx = wmtest.prefix(STEM, "%s_%s_%d_%s" % (name, port, workers, mode))
    try:
        p = subprocess.run(wmtest.command(pfx, eal, app, log="error"), capture_output=True,
                           text=True, timeout=120)
    finally:
        wmtest.eal_cleanup(pfx)
    res = {"rc": p.returncode, "flows": compare_builds.lines(out["flows"]),
           "gaps": compare_builds.lines(out["gaps"])}
    res["ipfix"] = norm_ipfix(compare_builds.ipfix_view(out["ipfix"])
                              if os.path.exists(out["ipfix"]) else None, workers)
    if os.path.exists(out["report"]) and os.path.getsize(out["report"]) > 0:
        with open(out["report"]) as f:
            res["report"] = norm_report(compare_builds.strip(json.load(f)))
    return res, p.stderr


def first_diff(a, b, path=""):
    """Where two JSON-like values first differ, for the failure message."""
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return first_diff(a.get(k), b.get(k), path + "/" + str(k))
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_diff(x, y, "%s[%d]" % (path, i))
    return "%s: %r != %r" % (path, a, b)


class SameRecords(unittest.TestCase):
    """Every trace: the replay port's outputs equal net_pcap's."""

    def compare(self, name, workers, mode):
        pcaps, options = TRACES[name]
        a, err_a = run_port("pcap", name, pcaps, options, workers, mode)
        b, err_b = run_port("replay", name, pcaps, options, workers, mode)
        self.assertEqual(a["rc"], b["rc"], err_a + err_b)
        # Each output that is there must be there through both, and the same.
        for k in ("flows", "gaps", "ipfix", "report"):
            self.assertEqual(a.get(k), b.get(k), "%s %d worker(s) %s: %s differs: %s" % (
                name, workers, mode, k, first_diff(a.get(k), b.get(k))))
        self.assertTrue(b["flows"] or b["gaps"] or b["ipfix"], "no output at all: " + err_b)


def add_compare_tests():
    """One worker and two (what the port's hash changes), in biflow IPFIX: the
    uniflow mode only re-encodes the same flows, and tests/functional/
    compare_builds.py compares the modes between builds."""
    for name in sorted(TRACES):
        for workers, mode in ((1, "biflow"), (2, "biflow")):
            def t(self, name=name, workers=workers, mode=mode):
                self.compare(name, workers, mode)
            setattr(SameRecords, "test_%s_%dw_%s" % (name, workers, mode), t)


def write_pcap(path, n):
    """n UDP packets of n flows, microsecond pcap."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            udp = struct.pack(">HHHH", 1000 + i % 50000, 2000, 16, 0) + struct.pack(">Q", i)
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 1, 2]))
            fr = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, i % 1000, len(fr), len(fr)) + fr)


class EndOfFiles(unittest.TestCase):
    def test_opened_once_ends_by_itself(self):
        """The run ends by itself (the port's end), every file opened exactly once."""
        a = os.path.join(ARGS.workdir, "eof_a.pcap")
        b = os.path.join(ARGS.workdir, "eof_b.pcap")
        write_pcap(a, 3000)
        write_pcap(b, 500)
        trace = os.path.join(ARGS.workdir, "eof.strace")
        rep = os.path.join(ARGS.workdir, "eof.report.json")
        pfx = wmtest.prefix(STEM, "eof")
        cmd = ["strace", "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", trace] + \
            wmtest.command(pfx, ["-l", "0-1", "--no-huge", "-m", "512"],
                           ["--pcap", a, "--pcap", b, "--report", rep, "--stats-interval", "0"],
                           log="warning")
        # LeakSanitizer cannot run under ptrace (it says so and exits 1): in the
        # sanitizer build this one traced run checks for leaks no more; the
        # other tests of the suite still do.
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS", ""),
                                                   "detect_leaks=0") if o)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        finally:
            wmtest.eal_cleanup(pfx)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("Rx stopped", p.stderr)
        with open(trace) as f:
            text = f.read()
        for path in (a, b):
            opens = [ln for ln in text.splitlines() if '"%s"' % path in ln]
            self.assertEqual(len(opens), 1, "opened %d times:\n%s" % (len(opens), "\n".join(opens)))
        report = wmtest.read_json(rep)
        self.assertEqual(report["packetsMetered"], 3500)
        self.assertEqual(sorted((f["path"], f["records"]) for f in report["files"]),
                         sorted([(a, 3000), (b, 500)]))


def driver_env():
    """testpmd's environment for our driver: in the sanitizer build the .so
    needs ASan's runtime first in testpmd (uninstrumented), so it is
    preloaded; testpmd's own exit is not ours to leak-check."""
    env = dict(os.environ)
    ldd = subprocess.run(["ldd", ARGS.driver], capture_output=True, text=True).stdout
    m = re.search(r"(libasan\.so\S*) => (\S+)", ldd)
    if m:
        env["LD_PRELOAD"] = m.group(2)
        env["ASAN_OPTIONS"] = ":".join(o for o in (env.get("ASAN_OPTIONS", ""),
                                                   "detect_leaks=0") if o)
    return env


class TestPmd(unittest.TestCase):
    def test_testpmd_counts_the_file(self):
        """dpdk-testpmd on the port, loaded with -d: its Rx count is the file's packets."""
        path = os.path.join(ARGS.workdir, "testpmd.pcap")
        write_pcap(path, 4321)
        pfx = wmtest.prefix(STEM, "testpmd")
        cmd = ["dpdk-testpmd", "--no-huge", "-m", "512", "--no-pci", "--file-prefix", pfx,
               "-l", "0-1", "-d", ARGS.driver, "--vdev", "net_wmreplay0,file=" + path,
               "--", "--forward-mode=rxonly", "--total-num-mbufs=8192", "--stats-period", "1"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=driver_env())
        out = ""
        try:
            # The port's end shows as a link state change event; the port's
            # statistics printed after it (every second) are final.
            ended = False
            for line in proc.stdout:
                out += line
                ended |= "link state change event" in line
                if ended and re.search(r"RX-packets: \d+\s+RX-missed", line):
                    break
            proc.send_signal(signal.SIGINT)
            rest, _ = proc.communicate(timeout=60)
            out += rest
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            wmtest.eal_cleanup(pfx)
        self.assertIn("link state change event", out)
        rx = re.findall(r"RX-packets: (\d+)\s+RX-missed: (\d+)", out.split("link state change")[-1])
        self.assertTrue(rx, out)
        self.assertEqual(rx[-1], ("4321", "0"), out)


def main():
    global ARGS

    def add(ap):
        ap.add_argument("--driver", required=True, help="librte_net_wmreplay.so")
        wmtest.only_option(ap)
    ARGS, rest = wmtest.args(add)
    missing = wmtest.missing_tools([("strace", "strace"), ("dpdk-testpmd", "dpdk")])
    if missing:
        return wmtest.missing_exit(missing)
    for gen in ("gen_traces.py", "gen_seq_traces.py"):
        truths = {}
        tracedir = os.path.join(ARGS.workdir, "traces-" + gen.split(".")[0])
        rc = wmtest.make_traces(os.path.join(ROOT, "scripts", gen), tracedir, truths)
        if rc is not None:
            return rc
        for name, t in truths.items():
            TRACES[name] = ([os.path.join(tracedir, p) for p in t["pcaps"]],
                            t.get("options", []))
    add_compare_tests()
    return wmtest.run_and_verdict(wmtest.only(ARGS.only, [EndOfFiles, TestPmd, SameRecords]),
                                  STEM)


if __name__ == "__main__":
    sys.exit(main())
