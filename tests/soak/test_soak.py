#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Fault and soak test (meson suite "soak"), about three minutes:

    test_soak.py --wiremeter PATH --workdir DIR [--seconds S]

One wiremeter (main lcore + one worker) meters two ports for S seconds
(default 130):
- port 0, an endless replay (net_pcap, infinite_rx=1: no file time, the TSC
  drives expiry) of gen_soak_trace.py's loop: 1720 flows all active, RTP
  streams with gaps, ESP SAs whose every packet is a duplicate event after
  the first loop, a few malformed frames;
- port 1, net_af_packet on one end of a veth pair whose other end is in a
  network namespace of this test, where live_sender.py sends a new one-packet
  flow every 100 ms (an idle-timeout end every 100 ms) and, when told, a
  burst of 1000 new flows (the flow table, 2048 slots for 1720 replay flows,
  fills and evicts).
with --idle-timeout 1 --active-timeout 1 (every replay flow exported every
second), --gaps-json /dev/null (the main lcore formats every gap event it
takes: a reader slower than the millions of events a second the workers
make, so the gap-event ring fills), and three IPFIX collectors with
--ipfix-queue 16 (collector.py, one process each):
  R  tcp, killed (SIGKILL) and started again, twice;
  U  udp, up, then closed (its port refuses), up again, closed again;
  S  tcp, accepts and reads, then stops reading for good (SIGUSR1): its
     window closes, the exporter's queue fills and stays full; at exit the
     exporter gives up on it after its grace period.

While it runs, every SAMPLE_S seconds: /wiremeter/stats through the telemetry
socket (a direct client, one connection), and VmRSS. It asserts:
- the worker's packet counter and the replay port's rxTaken rise between
  every two samples (each phase has several), and so do the records ended
  by active and by idle timeout, whatever fault is on;
- each fault had its effect: R has sessions >= 3, disconnects >= 2 and
  records not sent; U send errors and records not sent; S messages dropped
  on a full queue; flows evicted (lack of resources); gap events dropped;
- resident memory after the first minute stays within RSS_SLACK_KB of the
  first sample after it (see the comment there);
- at the end (SIGINT, exit 0), for each collector exactly
  exportedFlowRecordTotalCount + notSentFlowTotalCount = flowsExported
  (biflow: one flow record per exported flow), the packets and octets of
  the records sent and not sent add up to those metered, and what each collector
  stored is no more than what was sent to it, with no decoding or sequence
  number error; conservation: every port's rxTaken = metered + parse errors
  + filtered, the packets in exported records = metered, the records by end
  reason add up to flowsExported.

Prints the figures and "N passed, M failed" (one check each); exit 0, 1, or
77 when the machine cannot run it (not root, no network namespaces, a tool
missing; under CI=true each of these fails, a tool naming its Debian package).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(HERE, "..", "functional"))
import wmtest  # noqa: E402  (the helpers every Python suite shares)
PY = "/usr/bin/python3"
SAMPLE_S = 1.5          # between two samples: "a second or more apart"
PHASE_SAMPLES = 4       # samples in every phase, at least
FIRST_MINUTE_S = 60
# Resident memory allowed to appear after the first minute. Everything big is
# allocated and touched at start or within seconds: with --no-huge, EAL's
# memory (mbuf pools, whose FIFO rings hand out every mbuf within the first
# seconds at Mpps, flow table and sequence pool zeroed when allocated, rings);
# the collectors' queues (16 x 1400 B each) fill in the first fault phase. What
# may still move: glibc's heap and stdio for the report and telemetry answers,
# a few pages of stack and of code first run later. 4 MB is ten times that and
# below what any per-message or per-record leak would add in a minute here
# (about 25k records and 2k messages a minute reach the exporter, per collector).
RSS_SLACK_KB = 4096
# UDP templates go again this often: a UDP collector started again (U at 82 s,
# up for 8 s) can decode the data from the next refresh on.
TEMPLATE_REFRESH_S = 5
FLOW_CAPACITY = 2048
BURST = 1000
EXPECTED_TOOLS = [("ip", "iproute2"), (PY, "python3")]


def ci():
    return wmtest.CI


class Skip(Exception):
    """Cannot run here: a Debian package is missing (tool), or the machine
    lacks something (not root, no network namespaces). A skip, but a failure
    under CI=true."""

    def __init__(self, why, tool=False):
        super().__init__(why)
        self.tool = tool


# ---------------------------------------------------------------------------
# Processes, files, namespaces: everything made here is undone in finally
# ---------------------------------------------------------------------------

class Proc:
    """A process we started; stopped by its PID only."""

    def __init__(self, name, cmd, workdir, **kw):
        self.name, self.cmd = name, cmd
        self.out = open(os.path.join(workdir, name + ".out"), "w")
        self.p = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, **kw)

    def send(self, sig):
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        rc = wmtest.stop(self.p, sig, timeout)
        self.out.close()
        return rc


sh = wmtest.sh


class Veth:
    """A veth pair: end A in our namespace (wiremeter's af_packet port), end B
    in a network namespace made for this run (the live sender's)."""

    def __init__(self, tag):
        self.ns, self.a, self.b = "wmsk%s" % tag, "wmsk%sa" % tag, "wmsk%sb" % tag
        self.made_ns = self.made_link = False

    def up(self):
        sh(["ip", "netns", "add", self.ns])
        self.made_ns = True
        sh(["ip", "link", "add", self.a, "type", "veth", "peer", "name", self.b,
            "netns", self.ns])
        self.made_link = True
        # No IPv6 on our end: the kernel would send its own packets on the link.
        sh(["sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % self.a], check=False)
        sh(["ip", "netns", "exec", self.ns, "sysctl", "-q", "-w",
            "net.ipv6.conf.%s.disable_ipv6=1" % self.b], check=False)
        sh(["ip", "link", "set", self.a, "up"])
        sh(["ip", "netns", "exec", self.ns, "ip", "link", "set", self.b, "up"])

    def down(self):
        if self.made_link:
            sh(["ip", "link", "del", self.a], check=False)
        if self.made_ns:
            sh(["ip", "netns", "del", self.ns], check=False)


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Telemetry:
    """DPDK telemetry v2 socket client: one connection for the whole run."""

    def __init__(self, prefix):
        self.path = os.path.join("/var/run/dpdk", prefix, "dpdk_telemetry.v2")
        self.s = None

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(10)
        s.connect(self.path)
        info = json.loads(s.recv(65536).decode())
        self.max_len = info.get("max_output_len", 16384)
        self.s = s

    def ask(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(self.max_len * 2).decode())[cmd.split(",")[0]]

    def close(self):
        if self.s is not None:
            self.s.close()


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_for(what, cond, timeout, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        if proc is not None and proc.p.poll() is not None:
            raise RuntimeError("%s: exited (%s) while waiting for %s" % (proc.name,
                               proc.p.returncode, what))
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

class Collector:
    def __init__(self, name, proto, port, workdir):
        self.name, self.proto, self.port, self.workdir = name, proto, port, workdir
        self.proc, self.starts, self.totals = None, 0, []

    @property
    def uri(self):
        return "%s://127.0.0.1:%d" % (self.proto, self.port)

    def stats_path(self, n):
        return os.path.join(self.workdir, "%s.%d.json" % (self.name, n))

    def start(self):
        self.starts += 1
        path = self.stats_path(self.starts)
        self.proc = Proc("collector-%s.%d" % (self.name, self.starts),
                         [PY, os.path.join(HERE, "collector.py"), "--proto", self.proto,
                          "--port", str(self.port), "--stats", path], self.workdir)
        wait_for("collector %s listening" % self.name, lambda: os.path.exists(path), 10,
                 self.proc)

    def kill(self, sig=signal.SIGKILL):
        self.proc.stop(sig)

    def stored(self, run=None):
        """What it stored: summed over every run of this collector, or one run's."""
        tot = {}
        for n in range(1, self.starts + 1) if run is None else [run]:
            for k, v in (read_json(self.stats_path(n)) or {}).items():
                if isinstance(v, int) and not isinstance(v, bool):
                    tot[k] = tot.get(k, 0) + v
        return tot


def schedule(t_run):
    """(time, label, action name) of every fault, relative to wiremeter's start.
    Every fault comes again after the first minute, so memory is watched
    across all of them."""
    plan = [
        (10, "R killed", "kill_r"), (20, "R back", "start_r"),
        (26, "U closed", "kill_u"), (32, "S stalled", "stall_s"),
        (40, "table filled", "burst"), (48, "table filled", "burst"),
        (66, "R killed", "kill_r"), (76, "R back", "start_r"),
        (82, "U open", "start_u"), (90, "U closed", "kill_u"),
        (98, "table filled", "burst"), (112, "table filled", "burst"),
    ]
    # Each phase lasts 6 s or more: several samples in each.
    return [(t, "%d %s" % (i + 1, what), act) for i, (t, what, act) in enumerate(plan)
            if t <= t_run - 6]


def sample(tel, pid, t0):
    s = tel.ask("/wiremeter/stats")
    return {"t": time.monotonic() - t0, "rss": rss_kb(pid), "stats": s}


def run(opt, checks):
    wd = opt.workdir
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    tag = str(os.getpid())
    prefix = "wmsoak%s" % tag
    trace = os.path.join(wd, "loop.pcap")
    res = subprocess.run([PY, os.path.join(HERE, "gen_soak_trace.py"), trace,
                          os.path.join(wd, "loop.json")], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    if res.returncode != 0:
        if "No module named 'scapy'" in res.stdout:
            raise Skip("scapy is missing (apt-get install -y python3-scapy)", tool=True)
        raise RuntimeError("trace generation failed: " + res.stdout)
    loop = read_json(os.path.join(wd, "loop.json"))

    veth = Veth(tag)
    procs, tel, wm = [], Telemetry(prefix), None
    cols = {"R": Collector("R", "tcp", wmtest.free_port(socket.SOCK_STREAM), wd),
            "U": Collector("U", "udp", wmtest.free_port(socket.SOCK_DGRAM), wd),
            "S": Collector("S", "tcp", wmtest.free_port(socket.SOCK_STREAM), wd)}
    samples, events = [], []
    try:
        try:
            veth.up()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            raise Skip("cannot make a network namespace and a veth pair here: %s" % exc)
        for c in cols.values():
            c.start()
        sender_stats = os.path.join(wd, "sender.json")
        sender = Proc("sender", ["ip", "netns", "exec", veth.ns, PY,
                                 os.path.join(HERE, "live_sender.py"), "--iface", veth.b,
                                 "--stats", sender_stats, "--burst", str(BURST)], wd)
        procs.append(sender)
        report = os.path.join(wd, "report.json")
        # --no-huge: EAL's memory is plain process memory, so VmRSS sees all of it
        # (hugepage mappings are not in VmRSS); -m as main.c sizes it for two ports.
        cmd = [opt.wiremeter, "--file-prefix", prefix, "-l", "0-1", "--no-huge", "-m", "768",
               "--log-level=*:notice",
               "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % trace,
               "--vdev", "net_af_packet1,iface=%s" % veth.a,
               "--", "--idle-timeout", "1", "--active-timeout", "1",
               "--flow-capacity", str(FLOW_CAPACITY), "--ipfix-queue", "16",
               "--gaps-json", "/dev/null", "--report", report, "--stats-interval", "10",
               "--template-refresh", str(TEMPLATE_REFRESH_S)]
        for name in ("R", "U", "S"):
            cmd += ["--ipfix", cols[name].uri]
        with open(os.path.join(wd, "command.txt"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        wm = Proc("wiremeter", cmd, wd, cwd=wd)
        procs.append(wm)
        t0 = time.monotonic()
        wait_for("the telemetry socket", lambda: os.path.exists(tel.path), 60, wm)
        time.sleep(0.5)
        tel.connect()
        # The socket is there before the app is up (its answers are null until then).
        wait_for("/wiremeter/stats to answer", lambda: tel.ask("/wiremeter/stats") is not None,
                 30, wm)
        plan = schedule(opt.seconds)
        label, in_phase = "0 healthy", 0
        while True:
            now = time.monotonic() - t0
            # A phase ends when its time is up and it has had PHASE_SAMPLES samples,
            # however slowly a loaded machine lets this loop go.
            if in_phase >= PHASE_SAMPLES and not plan and now >= opt.seconds:
                break
            if in_phase >= PHASE_SAMPLES and plan and plan[0][0] <= now:
                _, label, action = plan.pop(0)
                do_fault(action, cols, sender)
                events.append((round(now, 1), label))
                in_phase = 0
            if wm.p.poll() is not None:
                raise RuntimeError("wiremeter exited (%s) while metering" % wm.p.returncode)
            smp = sample(tel, wm.p.pid, t0)
            smp["phase"] = label
            if smp["stats"] is None:
                raise RuntimeError("/wiremeter/stats answered null at %.1f s" % smp["t"])
            samples.append(smp)
            in_phase += 1
            time.sleep(max(0.0, SAMPLE_S - (time.monotonic() - t0 - smp["t"])))
        tel.close()
        tel = None
        wm.send(signal.SIGINT)
        try:
            wm.p.wait(90)
        except subprocess.TimeoutExpired:
            pass
        rc = wm.stop(signal.SIGKILL)
        sender.stop()
        for c in cols.values():
            if c.proc.p.poll() is None:
                c.kill(signal.SIGTERM)
        return evaluate(checks, wd, rc, read_json(report), samples, events, cols,
                        read_json(sender_stats), loop)
    finally:
        if tel is not None:
            tel.close()
        for p in procs:
            p.stop(signal.SIGKILL if p is not wm else signal.SIGINT)
        for c in cols.values():
            if c.proc is not None:
                c.proc.stop(signal.SIGKILL)
        veth.down()
        wmtest.eal_cleanup(prefix)


def do_fault(action, cols, sender):
    if action == "kill_r":
        cols["R"].kill()
    elif action == "start_r":
        cols["R"].start()
    elif action == "kill_u":
        cols["U"].kill()
    elif action == "start_u":
        cols["U"].start()
    elif action == "stall_s":
        cols["S"].proc.send(signal.SIGUSR1)
    elif action == "burst":
        sender.send(signal.SIGUSR1)


# ---------------------------------------------------------------------------
# What must hold
# ---------------------------------------------------------------------------

class Checks:
    def __init__(self):
        self.passed, self.failed = 0, []

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print("ok    %s" % name)
        else:
            self.failed.append(name)
            print("FAIL  %s%s" % (name, (": " + detail) if detail else ""))


def rising(samples, get):
    """The pairs of consecutive samples (a second or more apart) where get() did not rise."""
    bad = []
    for a, b in zip(samples, samples[1:]):
        if b["t"] - a["t"] < 1.0:
            continue
        if not get(b) > get(a):
            bad.append("%.1fs->%.1fs (%s): %s -> %s" % (a["t"], b["t"], b["phase"], get(a),
                                                          get(b)))
    return bad


def evaluate(c, wd, rc, rep, samples, events, cols, sender, loop):
    print("faults: " + ", ".join("%ss %s" % e for e in events))
    c.check(rc == 0, "wiremeter exits 0 after SIGINT", "exit code %s" % rc)
    c.check(rep is not None, "the report is written")
    rep = rep or {}
    by_phase = {}
    for s in samples:
        by_phase[s["phase"]] = by_phase.get(s["phase"], 0) + 1
    print("samples per phase: %s" % by_phase)
    c.check(len(by_phase) == len(events) + 1 and min(by_phase.values()) >= PHASE_SAMPLES,
            "every fault phase sampled %d times or more" % PHASE_SAMPLES, str(by_phase))
    st = lambda k1, k2: (lambda s: s["stats"][k1][k2])  # noqa: E731
    for what, get in (("worker0 received", st("worker0", "received")),
                      ("port0 (replay) rxTaken", st("port0", "rxTaken")),
                      ("records ended by active timeout", st("recordsByEndReason",
                                                             "activeTimeout")),
                      ("records ended by idle timeout", st("recordsByEndReason",
                                                           "idleTimeout"))):
        bad = rising(samples, get)
        c.check(not bad, "%s rises between every two samples" % what,
                "; ".join(bad[:5]) + (" (%d in all)" % len(bad) if len(bad) > 5 else ""))
    # Memory: samples from the first minute on.
    late = [s for s in samples if s["t"] >= FIRST_MINUTE_S and s["rss"] is not None]
    rss = [s["rss"] for s in samples if s["rss"] is not None]
    if late:
        base, top = late[0]["rss"], max(s["rss"] for s in late)
        print("VmRSS kB: first %d, at %.0fs %d, max after %d, last %d"
              % (rss[0], late[0]["t"], base, top, late[-1]["rss"]))
        c.check(top - base <= RSS_SLACK_KB, "resident memory settles after the first minute",
                "grew %d kB (allowed %d)" % (top - base, RSS_SLACK_KB))
    else:
        c.check(False, "resident memory settles after the first minute", "no sample after 60 s")

    # Each fault had its effect.
    ipfix = {x.get("uri"): x for x in (rep.get("ipfix") or {}).get("collectors", [])}
    r, u, s = (ipfix.get(cols[n].uri, {}) for n in ("R", "U", "S"))
    for name, x in (("R", r), ("U", u), ("S", s)):
        print("collector %s %s: %s" % (name, cols[name].uri, json.dumps(x, sort_keys=True)))
        print("  it stored: %s" % json.dumps(cols[name].stored(), sort_keys=True))
    c.check(r.get("sessions", 0) >= 3 and r.get("disconnects", 0) >= 2,
            "R: killed twice, 3 sessions", "sessions %s disconnects %s"
            % (r.get("sessions"), r.get("disconnects")))
    c.check(r.get("notSentFlowTotalCount", 0) > 0, "R: records not sent while it was down")
    c.check(u.get("sendErrors", 0) > 0 and u.get("notSentFlowTotalCount", 0) > 0,
            "U: a closed port refuses, records counted not sent")
    c.check(s.get("messagesDroppedQueueFull", 0) > 0 and s.get("notSentFlowTotalCount", 0) > 0,
            "S: a collector that stops reading fills its queue")
    reasons = rep.get("flowsByEndReason", {})
    print("flows by end reason: %s; evicted %s" % (reasons, rep.get("flowsEvicted")))
    print("live sender: %s" % sender)
    c.check(reasons.get("lackOfResources", 0) > 0 and rep.get("flowsEvicted", 0) > 0,
            "the flow table filled and evicted")
    seqs = rep.get("seqStreams", {})
    print("gap events %s, dropped %s" % (seqs.get("gapEvents"), seqs.get("gapEventsDropped")))
    c.check(seqs.get("gapEventsDropped", 0) > 0, "the gap-event ring filled (events dropped)")
    drops = [x["stats"]["totals"]["gapEventsDropped"] for x in samples]
    c.check(len(drops) > 1 and drops[-1] > drops[len(drops) // 2] > drops[0],
            "gap events are dropped all along", "%s" % drops[::10])

    # Accounting, per collector, exactly.
    exported = rep.get("flowsExported")
    for name, x in (("R", r), ("U", u), ("S", s)):
        sent, ns = x.get("exportedFlowRecordTotalCount"), x.get("notSentFlowTotalCount")
        c.check(isinstance(sent, int) and isinstance(ns, int) and sent + ns == exported,
                "%s: sent + notSent = flows exported" % name,
                "%s + %s = %s, flowsExported %s" % (sent, ns, (sent or 0) + (ns or 0), exported))
        for unit, total in (("Packet", rep.get("conservation", {}).get("exportedPackets")),
                            ("Octet", rep.get("octetsMetered"))):
            a, b = x.get("sent%sTotalCount" % unit), x.get("notSent%sTotalCount" % unit)
            c.check(isinstance(a, int) and isinstance(b, int) and a + b == total,
                    "%s: sent%sTotalCount + notSent%sTotalCount = metered" % (name, unit, unit),
                    "%s + %s = %s, metered %s" % (a, b, (a or 0) + (b or 0), total))
        got = cols[name].stored()
        if cols[name].proto == "tcp":
            # Every TCP session starts with the templates: nothing it cannot decode.
            c.check(got.get("badMessages", 1) == 0 and got.get("unknownTemplate", 1) == 0 and
                    got.get("seqErrors", 1) == 0,
                    "%s: every message it read decodes, sequence numbers exact" % name, str(got))
        else:
            # UDP: a collector started again cannot decode data sets until the next
            # template refresh (RFC 7011 §8.4); after it, it does.
            runs = [cols[name].stored(n) for n in range(1, cols[name].starts + 1)]
            c.check(got.get("badMessages", 1) == 0 and
                    all(x.get("flowRecords", 0) > 0 for x in runs),
                    "%s: every message parses, every run decodes flow records" % name,
                    str(runs))
        c.check(0 < got.get("flowRecords", 0) <= (sent or 0),
                "%s: it stored some and no more than were sent" % name,
                "stored %s, sent %s" % (got.get("flowRecords"), sent))

    # Conservation.
    cons = rep.get("conservation", {})
    print("conservation: %s" % cons)
    c.check(cons.get("ok") is True and cons.get("exportedPackets") == cons.get("metered"),
            "conservation: packets in exported records = metered")
    for p in rep.get("ports", []):
        c.check(p["rxTaken"] == p["metered"] + p["parseErrors"] + p["filtered"] and
                p.get("conservationOk") is True,
                "port %s: taken = metered + parse errors + filtered" % p.get("name"), str(p))
    c.check(sum(reasons.values()) == exported, "records by end reason add up to flowsExported",
            "%s vs %s" % (sum(reasons.values()), exported))
    c.check(rep.get("packetsMetered") == cons.get("metered"), "packetsMetered = metered")
    perr = sum(p["parseErrors"] for p in rep.get("ports", []))
    c.check(perr > 0, "the trace's %d malformed frames a loop count as parse errors"
            % loop["malformed"], str(perr))
    for w in rep.get("workers", []):
        print("worker lcore %s: packets %s, rxStalls %s" % (w.get("lcore"), w.get("packets"),
                                                              w.get("rxStalls")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wiremeter", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--seconds", type=float, default=130)
    opt = ap.parse_args()
    opt.wiremeter = os.path.abspath(opt.wiremeter)
    opt.workdir = os.path.abspath(opt.workdir)
    # meson's timeout sends SIGTERM: unwind, so that the finally blocks stop
    # our processes and delete the namespace.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    checks = Checks()
    try:
        if os.geteuid() != 0:
            raise Skip("not root: cannot make a network namespace and a veth pair")
        for tool, pkg in EXPECTED_TOOLS:
            if shutil.which(tool) is None:
                raise Skip("%s is missing (apt-get install -y %s)" % (tool, pkg), tool=True)
        run(opt, checks)
    except Skip as exc:
        # CI's machine is root with namespaces and every package (setup.sh): any
        # reason to skip there means the suite silently did not run.
        if ci():
            print("FAIL (CI=true): %s" % exc)
            print("0 passed, 1 failed")
            return 1
        print("skipped: %s" % exc)
        return 77
    except (RuntimeError, OSError, subprocess.SubprocessError, KeyError) as exc:
        checks.check(False, "the soak run", "%s: %s" % (type(exc).__name__, exc))
    print("%d passed, %d failed" % (checks.passed, len(checks.failed)))
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
