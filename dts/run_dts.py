#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""End-to-end suite: wiremeter on a veth pair between two network namespaces.

Testbed: namespaces wmdts-a* and wmdts-b* (named by the pid) joined by the veth pair
wmdtsA* (in a) / wmdtsB* (in b), one queue each, IPv6, ARP and multicast
off, no addresses: the only frames on the link are the ones this suite
replays. wiremeter runs in wmdts-a on wmdtsA through the AF_XDP PMD and
the af_packet PMD; tcpreplay sends a trace made by traffic.py into
wmdtsB; SIGINT ends the run; the JSON lines and the report are checked
against the truth the generator computed:

- the exact set of flows (oriented keys), one record per flow;
- exact packet and octet counts in both directions;
- tcpControlBits both ways, icmpTypeCodeIPv4, min/max IP total length;
- flowStartNanoseconds <= flowEndNanoseconds, both inside the replay's
  wall-clock window (the times are live TSC times here);
- flowEndReason 3 for a TCP flow that closed (its --tcp-linger has passed
  on the live clock before SIGINT), 4 (forced end at SIGINT) for the rest;
  in the run with --idle-timeout 1, 1 (idle) for every flow that did not
  close, and flowEndNanoseconds is still its last packet's time;
- the report: every port received exactly the trace, and
  rxPackets == metered + parseErrors + filtered; the workers took every
  frame (rxTaken == rxPackets, leftInRxRing 0); the exported records
  hold exactly the metered packets.

Each backend runs twice: tcpreplay at the trace's pace, then --topspeed;
af_packet runs twice more: paced with --idle-timeout 1, and at top speed
with two workers behind its one queue (software RSS). During every run
the link must carry exactly the trace into wmdtsA and nothing out of it.
TestTestbed checks the testbed alone first (quiet link, whole replay).

AF_XDP is skipped, with the reason, only when wiremeter cannot start on it
and dpdk-testpmd cannot start net_af_xdp on the same veth either (the
kernel or libxdp cannot do it here); otherwise a failure is a failure.

Usage: run_dts.py --wiremeter PATH --workdir DIR [-k PATTERN] [-v]
Exit: 0 all passed (skips allowed), 1 a failure, 77 the suite cannot run here.
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
import wmtest  # noqa: E402  (the helpers every Python suite shares)

NS_A, NS_B, IF_A, IF_B = wmtest.testbed_names("wmdts")
MAC_A, MAC_B = "02:77:6d:00:00:0a", "02:77:6d:00:00:0b"

SKIP = wmtest.SKIP
# CI=true (CI's fresh machine, set up by scripts/setup.sh): a skip is a failure.
CI = wmtest.CI
READY_TIMEOUT_S = 60       # EAL init + port start
EXIT_TIMEOUT_S = 60        # SIGINT -> flush -> report -> exit
TCP_LINGER_S = 1           # --tcp-linger: a closed TCP flow ends this long after its last packet
# After the replay, before SIGINT: longer than the linger, so a closed TCP
# flow must have ended by itself (reason 3) by then, on the live clock.
SETTLE_S = TCP_LINGER_S + 1.5
# Slack around the replay's wall-clock window for TSC-derived times: the
# TSC -> epoch conversion is calibrated once at start.
TIME_SLACK_NS = 500_000_000
# wiremeter logs this (wm.app, NOTICE) once its ports are started, just
# before it launches the workers.
READY_RE = re.compile(r"\d+ worker\(s\), \d+ port\(s\)")

ARGS = None                # parsed command line, set in main()
TRACE = None               # dict: path, packets, flows (truth)
PIDFILE = None             # PIDs of wiremeter runs we started, for cleanup after a crash


def log(msg):
    print(msg, flush=True)


sh = wmtest.sh


def ns_exec(ns, cmd, **kw):
    return sh(["ip", "netns", "exec", ns] + cmd, **kw)


# ---------------------------------------------------------------------------
# Testbed


def kill_leftover_runs():
    """End processes this suite started in an earlier run that died.

    Only PIDs recorded in our own pidfile, and only while the process's
    command line still holds the unique --file-prefix we gave it, are
    signalled.
    """
    if PIDFILE is None or not os.path.exists(PIDFILE):
        return
    with open(PIDFILE) as f:
        entries = [line.split() for line in f if line.strip()]
    for pid_s, prefix in entries:
        pid = int(pid_s)
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            wmtest.eal_cleanup(prefix)
            continue
        if prefix.encode() in cmdline:
            log("cleanup: ending leftover PID %d (--file-prefix %s)" % (pid, prefix))
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except ChildProcessError:
                time.sleep(0.5)
            except ProcessLookupError:
                pass
            wmtest.eal_cleanup(prefix)
    os.unlink(PIDFILE)


def record_pid(pid, prefix):
    with open(PIDFILE, "a") as f:
        f.write("%d %s\n" % (pid, prefix))


def forget_pid(pid):
    if not os.path.exists(PIDFILE):
        return
    with open(PIDFILE) as f:
        keep = [line for line in f if line.split() and int(line.split()[0]) != pid]
    with open(PIDFILE, "w") as f:
        f.writelines(keep)


TESTBED = wmtest.Testbed(NS_A, NS_B, IF_A, IF_B, MAC_A, MAC_B)
testbed_up, testbed_down = TESTBED.up, TESTBED.down


def if_counter(ns, ifname, name):
    r = ns_exec(ns, ["cat", "/sys/class/net/%s/statistics/%s" % (ifname, name)])
    return int(r.stdout.strip())


def replay(topspeed=False):
    """tcpreplay the trace from namespace b; return (rc, sent, output)."""
    cmd = ["ip", "netns", "exec", NS_B, "tcpreplay", "-i", IF_B]
    if topspeed:
        cmd.append("--topspeed")
    cmd.append(TRACE["path"])
    r = sh(cmd, check=False, timeout=120)
    out = r.stdout + r.stderr
    m = re.search(r"Successful packets:\s+(\d+)", out)
    return r.returncode, int(m.group(1)) if m else -1, out


# ---------------------------------------------------------------------------
# One wiremeter run


class Run:
    """Everything one wiremeter run produced, for the checks to read."""

    def __init__(self):
        self.rc = None
        self.error = None          # why the run could not be completed
        self.skip = None           # why the backend cannot run on this machine
        self.out = ""
        self.err = ""
        self.flows = []
        self.flow_lines_bad = []
        self.report = None
        self.report_error = None
        self.t_replay = (0, 0)
        self.replay_rc = None
        self.replay_sent = None
        self.replay_out = ""
        self.rx_delta = None
        self.tx_delta = None


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(text, n=25):
    return "\n".join(text.rstrip().splitlines()[-n:])


def af_xdp_probe(workdir):
    """Can the AF_XDP PMD run on this kernel at all, without wiremeter?

    Runs dpdk-testpmd on the same vdev. Returns None when it can, or a
    sentence saying what failed.
    """
    testpmd = shutil.which("dpdk-testpmd")
    if testpmd is None:
        return None     # cannot tell: never skip on a guess
    out = os.path.join(workdir, "af_xdp_probe.out")
    prefix = "wmdprobe%d" % os.getpid()
    with open(out, "w") as f:
        p = subprocess.Popen(["ip", "netns", "exec", NS_A, testpmd, "--file-prefix", prefix,
                              "-l", "0-1", "--no-huge", "-m", "256", "--vdev",
                              "net_af_xdp0,iface=" + IF_A, "--", "--forward-mode=rxonly",
                              "--total-num-mbufs", "8192", "--stats-period", "1"],
                             stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    record_pid(p.pid, prefix)
    ok = False
    deadline = time.time() + 30
    while time.time() < deadline and p.poll() is None:
        if "start packet forwarding" in read_text(out):
            ok = True
            break
        time.sleep(0.2)
    if p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    forget_pid(p.pid)
    wmtest.eal_cleanup(prefix)
    if ok:
        return None
    lines = [ln for ln in read_text(out).splitlines()
             if re.search(r"xdp|xsk|bpf|af_xdp|error|fail", ln, re.I)]
    return "dpdk-testpmd cannot start net_af_xdp on a veth either: " + (
        " | ".join(lines[-6:]) or tail(read_text(out), 6).replace("\n", " | "))


def run_wiremeter(name, backend, topspeed, idle_timeout, lcores):
    """Start wiremeter on IF_A, replay the trace, SIGINT, collect. Returns a Run."""
    run = Run()
    d = os.path.join(ARGS.workdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    flows_path = os.path.join(d, "flows.jsonl")
    report_path = os.path.join(d, "report.json")
    out_path = os.path.join(d, "stdout.txt")
    err_path = os.path.join(d, "stderr.txt")
    prefix = "wmd%d" % os.getpid()
    vdev = {"af_xdp": "net_af_xdp0,iface=" + IF_A,
            "af_packet": "net_af_packet0,iface=" + IF_A}[backend]
    wm_cmd = [ARGS.wiremeter, "--file-prefix", prefix] + lcores + [
              "--log-level=*:notice", "--vdev", vdev, "--", "--flows-json", flows_path, "--report", report_path,
              "--stats-interval", "0", "--idle-timeout", str(idle_timeout),
              "--tcp-linger", str(TCP_LINGER_S)]
    if backend == "af_xdp":
        # `ip netns exec` mounts a fresh sysfs, which hides the bpffs of the
        # root namespace's /sys/fs/bpf: mount one in this process's own mount
        # namespace for libxdp, then exec (the PID stays wiremeter's).
        cmd = ["ip", "netns", "exec", NS_A, "/bin/sh", "-c",
               'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$0" "$@"'
               ] + wm_cmd
    else:
        cmd = ["ip", "netns", "exec", NS_A] + wm_cmd
    with open(os.path.join(d, "command.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n")

    # A fresh pair for every run: nothing an earlier run left on the link
    # (an XDP program, promiscuous mode) can change this one.
    testbed_up()
    rx0 = if_counter(NS_A, IF_A, "rx_packets")
    tx0 = if_counter(NS_A, IF_A, "tx_packets")
    fo, fe = open(out_path, "w"), open(err_path, "w")
    proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
    fo.close()
    fe.close()
    record_pid(proc.pid, prefix)
    try:
        ready = False
        deadline = time.time() + READY_TIMEOUT_S
        while time.time() < deadline and proc.poll() is None:
            if READY_RE.search(read_text(out_path)) or READY_RE.search(read_text(err_path)):
                ready = True
                break
            time.sleep(0.1)
        if not ready:
            if proc.poll() is None:
                run.error = "wiremeter did not say it was ready within %ds" % READY_TIMEOUT_S
            else:
                run.error = "wiremeter exited with %d before it was ready" % proc.returncode
            run.error += ":\n" + tail(read_text(out_path) + read_text(err_path))
            if backend == "af_xdp" and proc.poll() is not None:
                testbed_up()
                why = af_xdp_probe(d)
                if why is not None:
                    run.skip = why
            return run
        # The ports are started; give the worker a moment to enter its loop.
        # Frames that come before are queued by the port, not lost.
        time.sleep(0.5)
        t0 = time.time_ns()
        run.replay_rc, run.replay_sent, run.replay_out = replay(topspeed)
        t1 = time.time_ns()
        run.t_replay = (t0, t1)
        time.sleep(SETTLE_S)
        if proc.poll() is not None:
            run.error = "wiremeter died during the replay with %d:\n%s" % (
                proc.returncode, tail(read_text(out_path) + read_text(err_path)))
            return run
        proc.send_signal(signal.SIGINT)
        try:
            run.rc = proc.wait(EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.error = "wiremeter did not exit within %ds of SIGINT" % EXIT_TIMEOUT_S
            return run
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        forget_pid(proc.pid)
        wmtest.eal_cleanup(prefix)
        run.out, run.err = read_text(out_path), read_text(err_path)
    run.rx_delta = if_counter(NS_A, IF_A, "rx_packets") - rx0
    run.tx_delta = if_counter(NS_A, IF_A, "tx_packets") - tx0

    for i, line in enumerate(read_text(flows_path).splitlines()):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ValueError("not an object")
            run.flows.append(rec)
        except ValueError as e:
            run.flow_lines_bad.append("line %d: %s: %r" % (i + 1, e, line[:200]))
    try:
        with open(report_path) as f:
            run.report = json.load(f)
    except (OSError, ValueError) as e:
        run.report = None
        run.report_error = str(e)
    return run


# ---------------------------------------------------------------------------
# Checks


def flow_key(rec):
    return (rec.get("protocolIdentifier"), rec.get("sourceIPv4Address"),
            rec.get("destinationIPv4Address"), rec.get("sourceTransportPort"),
            rec.get("destinationTransportPort"))


def fmt_key(k):
    return "proto %s %s:%s -> %s:%s" % (k[0], k[1], k[3], k[2], k[4])


class TestTestbed(unittest.TestCase):
    """The testbed itself, without wiremeter: quiet, and the replay arrives whole."""

    def test_link_is_quiet(self):
        rx0 = if_counter(NS_A, IF_A, "rx_packets")
        tx0 = if_counter(NS_A, IF_A, "tx_packets")
        time.sleep(2)
        self.assertEqual(if_counter(NS_A, IF_A, "rx_packets") - rx0, 0,
                         "frames arrived on %s with nothing sending" % IF_A)
        self.assertEqual(if_counter(NS_A, IF_A, "tx_packets") - tx0, 0,
                         "namespace %s sent frames on its own" % NS_A)

    def test_replay_arrives_whole(self):
        rx0 = if_counter(NS_A, IF_A, "rx_packets")
        rc, sent, out = replay(topspeed=True)
        time.sleep(0.3)
        self.assertEqual(rc, 0, out)
        self.assertEqual(sent, TRACE["packets"], out)
        self.assertEqual(if_counter(NS_A, IF_A, "rx_packets") - rx0, TRACE["packets"])


class MeterCase(unittest.TestCase):
    """One backend at one replay speed; subclasses set backend and topspeed."""

    backend = None
    topspeed = False
    idle_timeout = 60
    lcores = ["-l", "0-1"]     # the main lcore manages, lcore 1 is the one worker
    run_name = None
    wm = None           # the Run of this class, made once in setUpClass

    @classmethod
    def setUpClass(cls):
        if cls.backend is None:
            raise unittest.SkipTest("base class")
        log("--- %s, tcpreplay %s, --idle-timeout %d, %s" % (
            cls.backend, "--topspeed" if cls.topspeed else "paced", cls.idle_timeout,
            " ".join(cls.lcores)))
        cls.wm = run_wiremeter(cls.run_name, cls.backend, cls.topspeed, cls.idle_timeout,
                               cls.lcores)
        if cls.wm.skip:
            raise unittest.SkipTest("%s cannot run here: %s" % (cls.backend, cls.wm.skip))

    def no_problems(self, problems):
        if problems:
            self.fail("\n".join(problems))

    def require_run(self):
        r = self.wm
        if r.error:
            self.fail("the run did not complete: " + r.error)
        return r

    def require_flows(self):
        r = self.require_run()
        if r.flow_lines_bad:
            self.fail("bad JSON lines in --flows-json:\n" + "\n".join(r.flow_lines_bad[:5]))
        return r

    def records_by_key(self):
        r = self.require_flows()
        by = {}
        for rec in r.flows:
            by.setdefault(flow_key(rec), []).append(rec)
        return by

    def each_flow(self):
        """(truth, record) for every truth flow with exactly one record."""
        by = self.records_by_key()
        pairs = []
        for t in TRACE["flows"]:
            recs = by.get(flow_key(t), [])
            if len(recs) != 1:
                self.fail("flow %s (%s): %d records, expected 1" % (
                    t["name"], fmt_key(flow_key(t)), len(recs)))
            pairs.append((t, recs[0]))
        return pairs

    def test_exit_code(self):
        r = self.require_run()
        self.assertEqual(r.rc, 0, "wiremeter exited with %s after SIGINT:\n%s" % (
            r.rc, tail(r.out + r.err)))

    def test_replay_sent_everything(self):
        r = self.require_run()
        self.assertEqual(r.replay_rc, 0, r.replay_out)
        self.assertEqual(r.replay_sent, TRACE["packets"], r.replay_out)

    def test_link_carried_only_the_trace(self):
        r = self.require_run()
        self.assertEqual(r.rx_delta, TRACE["packets"],
                         "%s received %d frames during the run, the trace has %d" % (
                             IF_A, r.rx_delta, TRACE["packets"]))
        self.assertEqual(r.tx_delta, 0, "%s sent %d frames during the run" % (IF_A, r.tx_delta))

    def test_flow_keys(self):
        r = self.require_flows()
        got = [flow_key(rec) for rec in r.flows]
        want = {flow_key(t) for t in TRACE["flows"]}
        missing = want - set(got)
        extra = set(got) - want
        dup = sorted({k for k in got if got.count(k) > 1}, key=str)
        msg = []
        if missing:
            msg.append("missing flows: " + "; ".join(fmt_key(k) for k in sorted(missing, key=str)))
        if extra:
            msg.append("unexpected flows: " + "; ".join(fmt_key(k) for k in sorted(extra, key=str)))
        if dup:
            msg.append("flows with more than one record: " + "; ".join(fmt_key(k) for k in dup))
        self.no_problems(msg)
        self.assertEqual(len(r.flows), len(TRACE["flows"]))

    def test_counts(self):
        bad = []
        for t, rec in self.each_flow():
            for k in ("packetDeltaCount", "octetDeltaCount", "reversePacketDeltaCount",
                      "reverseOctetDeltaCount"):
                if rec.get(k) != t[k]:
                    bad.append("%s: %s = %r, expected %d" % (t["name"], k, rec.get(k), t[k]))
        self.no_problems(bad)

    def test_times(self):
        r = self.require_run()
        lo, hi = r.t_replay[0] - TIME_SLACK_NS, r.t_replay[1] + TIME_SLACK_NS
        bad = []
        for t, rec in self.each_flow():
            s, e = rec.get("flowStartNanoseconds"), rec.get("flowEndNanoseconds")
            if not isinstance(s, int) or not isinstance(e, int):
                bad.append("%s: times %r, %r are not integers" % (t["name"], s, e))
                continue
            if s > e:
                bad.append("%s: flowStartNanoseconds %d > flowEndNanoseconds %d" % (
                    t["name"], s, e))
            for what, v in (("flowStartNanoseconds", s), ("flowEndNanoseconds", e)):
                if not lo <= v <= hi:
                    bad.append("%s: %s %d is %+.3f s from the replay window [%d, %d]" % (
                        t["name"], what, v, ((v - lo) if v < lo else (v - hi)) / 1e9,
                        r.t_replay[0], r.t_replay[1]))
        self.no_problems(bad)

    def expected_reasons(self, t):
        """flowEndReason values allowed for truth flow t.

        With the default 60 s idle timeout only two things can end a flow
        here: the end of a TCP connection, once its linger has passed
        (SETTLE_S is longer), and SIGINT. With a 1 s idle timeout, every
        flow is quiet for longer than that before SIGINT; a closed TCP
        flow's linger and its idle timeout both run out 1 s after its last
        packet, so either may end it.
        """
        if self.idle_timeout < SETTLE_S:
            return (1, 3) if t["tcpClosed"] else (1,)
        return (3,) if t["tcpClosed"] else (4,)

    def test_end_reasons(self):
        bad = []
        for t, rec in self.each_flow():
            want = self.expected_reasons(t)
            if rec.get("flowEndReason") not in want:
                bad.append("%s: flowEndReason %r, expected %s" % (
                    t["name"], rec.get("flowEndReason"), " or ".join(map(str, want))))
        self.no_problems(bad)

    def test_protocol_fields(self):
        bad = []
        for t, rec in self.each_flow():
            want = {"tcpControlBits": t["tcpControlBits"],
                    "reverseTcpControlBits": t["reverseTcpControlBits"],
                    "minimumIpTotalLength": t["minimumIpTotalLength"],
                    "maximumIpTotalLength": t["maximumIpTotalLength"],
                    "vlanId": 0, "ipClassOfService": 0}
            if t["protocolIdentifier"] == 1:
                want["icmpTypeCodeIPv4"] = t["icmpTypeCodeIPv4"]
            for k, v in want.items():
                if rec.get(k) != v:
                    bad.append("%s: %s = %r, expected %r" % (t["name"], k, rec.get(k), v))
            for k in ("flowStartNanoseconds", "flowEndNanoseconds", "flowEndReason",
                      "ingressInterface"):
                if k not in rec:
                    bad.append("%s: no %s" % (t["name"], k))
        self.no_problems(bad)

    def report_ports(self):
        r = self.require_run()
        if r.report is None:
            self.fail("no readable --report: %s" % r.report_error)
        ports = r.report.get("ports")
        self.assertIsInstance(ports, list, "report has no ports array")
        self.assertEqual(len(ports), 1, "expected one port, the report lists %d" % len(ports))
        return r.report, ports

    def test_report_conservation(self):
        report, ports = self.report_ports()
        for p in ports:
            self.assertEqual(p["rxPackets"], p["metered"] + p["parseErrors"] + p["filtered"],
                             "port %s: rxPackets != metered + parseErrors + filtered: %r" % (
                                 p.get("name"), p))
            # The link was quiet for SETTLE_S before SIGINT: the workers took
            # every frame the port received, none was left in its ring.
            self.assertEqual(p.get("rxTaken"), p["rxPackets"], "port %r" % p)
            self.assertEqual(p.get("leftInRxRing"), 0, "port %r" % p)
            self.assertIs(p.get("conservationOk"), True, "port %r" % p)
        self.assertIs(report.get("conservation", {}).get("ok"), True,
                      "report conservation: %r" % report.get("conservation"))

    def test_report_port_received_the_trace(self):
        _, ports = self.report_ports()
        p = ports[0]
        self.assertEqual(p["rxPackets"], TRACE["packets"], "port %r" % p)
        self.assertEqual(p["metered"], TRACE["packets"], "port %r" % p)
        self.assertEqual(p["parseErrors"], 0, "port %r" % p)

    def test_report_records_hold_every_metered_packet(self):
        report, _ = self.report_ports()
        r = self.require_flows()
        in_records = sum(rec.get("packetDeltaCount", 0) + rec.get("reversePacketDeltaCount", 0)
                         for rec in r.flows)
        self.assertEqual(in_records, report.get("packetsMetered"),
                         "packets in the JSON lines vs the report's packetsMetered")
        self.assertEqual(report.get("flowsExported"), len(r.flows))


def make_case(backend, topspeed, idle_timeout=60, workers=1):
    name = "%s_%s" % (backend, "topspeed" if topspeed else "paced")
    if idle_timeout != 60:
        name += "_idle%d" % idle_timeout
    attrs = {"backend": backend, "topspeed": topspeed, "idle_timeout": idle_timeout}
    if workers > 1:
        # Workers 1..n share CPU 1 (this testbed may have two CPUs only);
        # they take turns, which is slower but meters the same.
        name += "_%dworkers" % workers
        attrs["lcores"] = ["--lcores", "0@0," + ",".join("%d@1" % i
                                                        for i in range(1, workers + 1))]
    attrs["run_name"] = name
    return type("Test_" + name, (MeterCase,), attrs)


# ---------------------------------------------------------------------------
# Driver


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def cannot_run_here():
    """A sentence saying why the suite cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "needs root (network namespaces, veth, XDP)"
    for tool in ("ip", "tcpreplay"):
        if shutil.which(tool) is None:
            return "%s is not installed (apt-get install %s)" % (
                tool, {"ip": "iproute2"}.get(tool, tool))
    if importlib.util.find_spec("scapy") is None:
        return "scapy is missing for %s (apt-get install python3-scapy)" % sys.executable
    probe = "wmdts-probe%d" % os.getpid()
    r = sh(["ip", "netns", "add", probe], check=False)
    if r.returncode != 0:
        return "cannot create a network namespace: " + r.stderr.strip()
    sh(["ip", "netns", "del", probe], check=False)
    return None


def main():
    global ARGS, TRACE, PIDFILE
    ap = argparse.ArgumentParser(description="wiremeter end-to-end suite on veth pairs")
    ap.add_argument("--wiremeter", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("-k", dest="pattern", help="run only tests whose id contains this")
    ap.add_argument("-v", action="store_true", help="verbose unittest output")
    ARGS = ap.parse_args()
    ARGS.wiremeter = os.path.abspath(ARGS.wiremeter)
    ARGS.workdir = os.path.abspath(ARGS.workdir)

    why = cannot_run_here()
    if why and CI:
        log("dts: FAILED: CI=true and the suite cannot run: " + why)
        log("0 passed, 1 failed")
        return 1
    if why:
        log("dts: skipped: " + why)
        log("0 passed, 0 failed, 1 skipped")
        return SKIP
    if not os.access(ARGS.wiremeter, os.X_OK):
        log("dts: %s is not an executable" % ARGS.wiremeter)
        log("0 passed, 1 failed")
        return 1
    os.makedirs(ARGS.workdir, exist_ok=True)
    PIDFILE = os.path.join(ARGS.workdir, "pids")

    sys.path.insert(0, HERE)
    import traffic
    packets, truth = traffic.build(dst_mac=MAC_A)
    path = os.path.join(ARGS.workdir, "trace.pcap")
    traffic.write_pcap(path, packets)
    with open(os.path.join(ARGS.workdir, "truth.json"), "w") as f:
        json.dump({"packets": len(packets), "flows": truth}, f, indent=1)
    TRACE = {"path": path, "packets": len(packets), "flows": truth}
    log("dts: trace %s: %d packets, %d flows" % (path, len(packets), len(truth)))

    # The root namespace's bpffs, as libxdp expects (the af_xdp runs also
    # mount one inside `ip netns exec`, whose fresh sysfs hides this one).
    if os.path.isdir("/sys/fs/bpf") and not os.path.ismount("/sys/fs/bpf"):
        sh(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"], check=False)

    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    classes = [TestTestbed] + [make_case(b, s) for b in ("af_xdp", "af_packet")
                               for s in (False, True)]
    # Live idle expiry: flows end on the TSC clock while no packet comes.
    classes.append(make_case("af_packet", False, idle_timeout=1))
    # Two workers behind one queue: the software RSS step must send both
    # directions of every flow to the same worker, or biflows split.
    classes.append(make_case("af_packet", True, workers=2))
    for cls in classes:
        for t in loader.loadTestsFromTestCase(cls):
            if ARGS.pattern is None or ARGS.pattern in t.id():
                suite.addTest(t)

    def on_term(sig, frame):
        raise KeyboardInterrupt("signal %d" % sig)

    # meson's timeout sends SIGTERM: unwind, so the finally blocks end
    # wiremeter and remove the namespaces.
    signal.signal(signal.SIGTERM, on_term)
    kill_leftover_runs()
    try:
        try:
            testbed_up()
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            log("dts: cannot build the veth testbed: %s" % e)
            log("0 passed, 1 failed")
            return 1
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if ARGS.v else 1,
                                         resultclass=CountingResult)
        result = runner.run(suite)
    except KeyboardInterrupt as e:
        log("dts: interrupted (%s); cleaning up" % (e or "SIGINT"))
        log("0 passed, 1 failed")
        return 1
    finally:
        kill_leftover_runs()
        testbed_down()

    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    for test, reason in result.skipped:
        log("%s: %s: %s" % ("FAILED (CI=true forbids skips)" if CI else "skipped", test, reason))
    if CI:
        failed, skipped = failed + skipped, 0
    line = "%d passed, %d failed" % (result.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    log(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
