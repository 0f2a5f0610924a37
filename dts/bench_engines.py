#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Engines benchmark (scripts/bench.sh, section engines): the same traffic on a
veth pair metered by --engine xdp, by AF_XDP and by af_packet.

tcpreplay --topspeed loops a 64-byte, 1k-flow pcap (scripts/gen_bench_trace.py)
from namespace wmbench-b into wmbench-a for SECONDS; wiremeter meters wmbenchA
with one worker. For each engine: packets metered per second of replay
(the xdp program's `metered`, else the report's packetsMetered), the share
metered of what was sent, wiremeter's own CPU (user + system time of its
process over the replay, in cores) and the machine's (every CPU's busy time
over the replay, in cores: the XDP program runs in the kernel's softirq,
which no process is charged for). veth limits the absolute rate; the
comparison is the point. A benchmark: it prints n/a with the reason for
what it cannot measure and always exits 0.

Usage: bench_engines.py --wiremeter PATH --workdir DIR [--seconds S]
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
import wmtest  # noqa: E402

NS_A, NS_B, IF_A, IF_B = wmtest.testbed_names("wmbench")
TESTBED = wmtest.Testbed(NS_A, NS_B, IF_A, IF_B, "02:77:6d:00:02:0a", "02:77:6d:00:02:0b")
READY_RE = re.compile(r"\d+ worker\(s\), \d+ port\(s\)")
HZ = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid):
    """User + system seconds of a process (and its waited-for children)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def machine_busy_s():
    """Busy seconds of every CPU together (everything but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / HZ


def wiremeter_pid(launcher):
    """ip netns exec (and sh) exec wiremeter: the launcher's PID is wiremeter's."""
    return launcher.pid


def run_engine(a, name, app, bpffs, pcap):
    rundir = wmtest.fresh_dir("bench-" + name)
    report = os.path.join(rundir, "report.json")
    prefix = "wmbench%d_%s" % (os.getpid(), name)
    cmd = [a.wiremeter, "--file-prefix", prefix, "-l", "0-1", "--no-huge", "-m", "512", "--",
           "--report", report, "--stats-interval", "0", "--iface", IF_A] + app
    if bpffs:
        cmd = ["sh", "-c", 'mount -t bpf bpf /sys/fs/bpf && exec "$@"', "sh"] + cmd
    err_path = os.path.join(rundir, "stderr.txt")
    with open(err_path, "w") as fe:
        p = subprocess.Popen(["ip", "netns", "exec", NS_A] + cmd, stdout=subprocess.DEVNULL,
                             stderr=fe, stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and p.poll() is None:
            with open(err_path, errors="replace") as f:
                if READY_RE.search(f.read()):
                    break
            time.sleep(0.2)
        else:
            return "n/a: wiremeter did not start"
        time.sleep(1)
        cpu0, busy0, t0 = proc_cpu_s(p.pid), machine_busy_s(), time.time()
        r = wmtest.sh(["ip", "netns", "exec", NS_B, "timeout", "-s", "INT", str(a.seconds),
                       "tcpreplay", "--topspeed", "--loop", "0", "-i", IF_B, pcap],
                      check=False, timeout=a.seconds + 60)
        t1, cpu1, busy1 = time.time(), proc_cpu_s(p.pid), machine_busy_s()
        m = re.search(r"Successful packets:\s+(\d+)", r.stdout + r.stderr)
        sent = int(m.group(1)) if m else 0
        time.sleep(1)
    finally:
        wmtest.stop(p, signal.SIGINT, timeout=120)
        wmtest.eal_cleanup(prefix)
    try:
        rep = wmtest.read_json(report)
    except (OSError, ValueError):
        return "n/a: no report"
    metered = rep["xdp"][IF_A]["metered"] if "--engine" in app and "xdp" in app \
        else rep.get("packetsMetered", 0)
    dt = t1 - t0
    with open(err_path, errors="replace") as f:
        chosen = re.search(r"--iface %s: (\S+)" % IF_A, f.read())
    return ("%-10s %8.3f Mpps metered of %8.3f Mpps sent (%5.1f %%), wiremeter %.2f cores, "
            "machine %.2f cores [%s]" % (
                name, metered / dt / 1e6, sent / dt / 1e6, 100.0 * metered / sent if sent else 0,
                (cpu1 - cpu0) / dt, (busy1 - busy0) / dt, chosen.group(1) if chosen else "?"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wiremeter", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--packets", type=int, default=262144)
    a = ap.parse_args()
    wmtest.WORKDIR = os.path.abspath(a.workdir)
    os.makedirs(wmtest.WORKDIR, exist_ok=True)
    if os.geteuid() != 0 or not all(map(lambda t: subprocess.call(
            ["sh", "-c", "command -v " + t], stdout=subprocess.DEVNULL) == 0,
            ("tcpreplay", "ip"))):
        print("engines: n/a: needs root, tcpreplay and iproute2")
        return 0
    r = wmtest.sh([wmtest.PYTHON, os.path.join(HERE, "..", "scripts", "gen_bench_trace.py"),
                   "--frames", "64", "--flows", "1024", "--packets", str(a.packets),
                   "--dir", wmtest.WORKDIR], check=False, timeout=600)
    pcap = r.stdout.strip().splitlines()[-1] if r.returncode == 0 and r.stdout.strip() else ""
    if not pcap:
        print("engines: n/a: cannot generate the pcap: " + r.stderr[-200:])
        return 0
    try:
        TESTBED.up()
        for name, app, bpffs in (("xdp", ["--engine", "xdp"], False),
                                 ("af_xdp", ["--engine", "af_xdp"], True),
                                 ("af_packet", ["--engine", "af_packet"], False)):
            print(run_engine(a, name, app, bpffs, pcap), flush=True)
    finally:
        TESTBED.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
