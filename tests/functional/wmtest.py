# SPDX-License-Identifier: BSD-3-Clause
"""What every Python suite shares: the CI rules at its start and its end, and
the helpers that run wiremeter, clean up after it, read what it wrote, compare
records and make a namespace testbed. The functional suites, dts/run_dts.py and
tests/soak import it (those two with tests/functional on sys.path).

CI runs with CI=true on a fresh machine that scripts/setup.sh has set up, so
there a missing tool or package, or a test that skips, is a failure naming
what is missing: a skip in CI would be a suite that silently did not run.
Elsewhere (a developer's machine) a missing tool is a skip (exit 77) that
says which Debian package brings it.
"""
import argparse
import glob
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

CI = os.environ.get("CI") == "true"
SKIP = 77
RUNTIME = "/var/run/dpdk"
BINARY = None           # the wiremeter under test, set by args()
WORKDIR = None          # where the suite writes, set by args()


def missing_tools(tools):
    """tools: (command, Debian package) pairs; the ones not on PATH."""
    return [(t, p) for t, p in tools if shutil.which(t) is None]


def missing_modules(modules):
    """modules: (Python module, Debian package) pairs; the ones that do not import."""
    out = []
    for m, p in modules:
        try:
            __import__(m)
        except ImportError:
            out.append((m, p))
    return out


def missing_exit(missing):
    """The exit code for a suite that lacks what it needs: 77, or 1 under CI."""
    names = ", ".join("%s (Debian package %s)" % (t, p) for t, p in missing)
    if CI:
        print("FAILED: missing %s; scripts/setup.sh must install it" % names)
        print("0 passed, 1 failed")
        return 1
    print("skipped: missing %s (scripts/setup.sh installs it)" % names)
    return SKIP


def skip_reason(reason):
    """A skipTest() message; under CI the caller fails with it instead."""
    return ("CI=true forbids this skip: " if CI else "") + reason


def verdict(result, out=sys.stdout):
    """Print the closing line of a unittest result and return the exit code.

    Under CI every skip counts as a failure, with its reason."""
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    if CI and skipped:
        for test, reason in result.skipped:
            out.write("FAILED (CI=true forbids skips): %s: %s\n" % (test.id(), reason))
        failed += skipped
        skipped = 0
    passed = result.testsRun - failed - skipped
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    out.flush()
    out.write(line + "\n")
    out.flush()
    if failed:
        return 1
    return SKIP if passed == 0 and skipped else 0


def args(add=None, description=None, strict=False):
    """The options meson passes every app suite (--wiremeter, --workdir), those
    add(parser) adds, and the rest for unittest (test names; strict: none, an
    unknown option is a usage error). The workdir exists afterwards; BINARY and
    WORKDIR hold them."""
    global BINARY, WORKDIR
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--wiremeter", required=True, help="path of the wiremeter binary")
    ap.add_argument("--workdir", required=True, help="directory for traces and outputs")
    if add:
        add(ap)
    opt, rest = (ap.parse_args(), []) if strict else ap.parse_known_args()
    BINARY = opt.wiremeter = os.path.abspath(opt.wiremeter)
    WORKDIR = opt.workdir = os.path.abspath(opt.workdir)
    os.makedirs(opt.workdir, exist_ok=True)
    return opt, rest


def only_option(ap):
    """--only for the trace suites, which pick their tests with only()."""
    ap.add_argument("--only", help="run only the tests whose id matches this regex")


def replay_options(ap):
    """--only, and --timeout for each replay (test_flows, test_seq)."""
    only_option(ap)
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds a trace replay may take before it is killed (default 30)")


def only(pattern, classes):
    """A suite of the tests of these TestCase classes whose id matches the
    regex pattern (all without one)."""
    suite = unittest.TestSuite()
    for cls in classes:
        suite.addTests(t for t in unittest.TestLoader().loadTestsFromTestCase(cls)
                       if not pattern or re.search(pattern, t.id()))
    return suite


PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def make_traces(script, tracedir, traces):
    """Run a trace generator (script TRACEDIR) into an empty tracedir; put the
    truth of each trace of its index.json into traces by name. None, or the
    exit code when it fails: 77 when it cannot run here, unless CI=true."""
    shutil.rmtree(tracedir, ignore_errors=True)
    os.makedirs(tracedir)
    res = subprocess.run([PYTHON, script, tracedir], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    if res.returncode != 0:
        sys.stdout.write(res.stdout.decode() + res.stderr.decode())
        print("trace generation failed (exit %d)" % res.returncode)
        if res.returncode == SKIP and not CI:
            return SKIP
        print("0 passed, 1 failed")
        return 1
    with open(os.path.join(tracedir, "index.json")) as f:
        for name in json.load(f):
            with open(os.path.join(tracedir, name + ".truth.json")) as tf:
                traces[name] = json.load(tf)
    return None


def setup_traces(missing, script, traces):
    """None when nothing is missing and make_traces(script) made the traces
    into WORKDIR/traces; else the exit code (missing_exit() or make_traces())."""
    if missing:
        return missing_exit(missing)
    return make_traces(script, os.path.join(WORKDIR, "traces"), traces)


def run_and_verdict(suite, stem):
    """Run the suite, clean up after the runs of prefix stem, verdict()."""
    result = run_suite(suite)
    eal_cleanup_all(stem)
    return verdict(result)


def fresh_dir(*parts):
    """WORKDIR/runs/parts..., empty (what an earlier run left there is gone)."""
    d = os.path.join(WORKDIR, "runs", *parts)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def config_args(rundir, text):
    """(["-c", path], path) for a config file holding text in rundir;
    ([], None) when text is None."""
    if text is None:
        return [], None
    path = os.path.join(rundir, "config.json")
    with open(path, "w") as f:
        f.write(text)
    return ["-c", path], path


def run_suite(suite):
    """The result of a unittest suite run verbosely onto stdout."""
    return unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)


def assert_usage_error(test, run, *names):
    """A run (rc, err, timed_out, describe()) exited by itself with code 2 and
    one line on stderr that names each of names (the flag, key or file at
    fault); that line."""
    test.assertFalse(run.timed_out, "did not exit\n" + run.describe())
    test.assertEqual(run.rc, 2, "exit code %s, expected 2\n%s" % (run.rc, run.describe()))
    lines = [ln for ln in run.err.splitlines() if ln.strip()]
    test.assertEqual(len(lines), 1, "expected exactly one line on stderr, got %d:\n%s"
                     % (len(lines), run.err))
    for name in names:
        test.assertIn(name, lines[0], "the stderr line does not name %r: %r" % (name, lines[0]))
    return lines[0]


def expect_usage_error(test, run, tag, pcap, extra, name, config=None):
    """run(args, rundir, timeout=) wiremeter in a fresh dir on pcap with the
    flags extra and a config file holding config (text or None): a usage error
    (assert_usage_error) that names name, or the config file's path when name
    is None. --pcap and --flows-json are added unless extra has them."""
    rundir = fresh_dir("config_" + tag)
    args, path = config_args(rundir, config)
    if "--pcap" not in extra:
        args += ["--pcap", pcap]
    if "--flows-json" not in extra:
        args += ["--flows-json", os.path.join(rundir, "flows.jsonl")]
    args += ["--report", os.path.join(rundir, "report.json")] + extra
    assert_usage_error(test, run(args, rundir, timeout=30), name or path)


def run_tests(rest, tools=()):
    """unittest.main over the caller's module once its tools are there; the exit code."""
    missing = missing_tools(tools)
    if missing:
        return missing_exit(missing)
    res = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False,
                        verbosity=2).result
    return verdict(res)


def main(tools=()):
    """The main of an app suite: args(), then run_tests() when tools (as
    missing_tools takes them) are there; the exit code. The suite reads its
    options as BINARY and WORKDIR."""
    _, rest = args()
    return run_tests(rest, tools)


def compare_args(description, workdir, add=None):
    """The options of a script that compares two wiremeter builds: OLD, NEW,
    those add(parser) adds, --workdir (default workdir, made)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("old", help="the wiremeter binary to compare against")
    ap.add_argument("new", help="the wiremeter binary under test")
    if add:
        add(ap)
    ap.add_argument("--workdir", default=workdir)
    opt = ap.parse_args()
    os.makedirs(opt.workdir, exist_ok=True)
    return opt


# ---------------------------------------------------------------------------
# Running wiremeter. Every run has its own --file-prefix: people run wiremeter
# on this machine at the same time, and EAL's files are named by the prefix.
# ---------------------------------------------------------------------------

def prefix(stem, name):
    """A --file-prefix unique to this process: stem, our PID, then name."""
    return "%s%d_%s" % (stem, os.getpid(), name)


def command(pfx, eal, app, log="notice"):
    """The command line of a run: EAL options, then "--" and the app's options."""
    return [BINARY, "--file-prefix", pfx, "--log-level=*:" + log] + eal + ["--"] + app


def hugetlbfs_mounts():
    try:
        with open("/proc/mounts") as f:
            return [ln.split()[1] for ln in f if ln.split()[2:3] == ["hugetlbfs"]]
    except OSError:
        return []


def eal_cleanup(pfx):
    """Remove what a DPDK primary with this --file-prefix leaves when it is
    killed: its runtime folder and its hugepage files (<hugetlbfs>/<pfx>map_N).
    wiremeter removes both itself when it exits normally."""
    shutil.rmtree(os.path.join(RUNTIME, pfx), ignore_errors=True)
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg:
        shutil.rmtree(os.path.join(xdg, "dpdk", pfx), ignore_errors=True)
    for m in hugetlbfs_mounts():
        for name in glob.glob(os.path.join(m, pfx + "map_*")):
            try:
                os.unlink(name)
            except OSError:
                pass


def eal_cleanup_all(stem):
    """eal_cleanup for every prefix prefix(stem, ...) of this process made."""
    start = prefix(stem, "")
    bases = [RUNTIME, os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"), "dpdk")]
    for base in bases:
        try:
            names = os.listdir(base)
        except OSError:
            continue
        for n in names:
            if n.startswith(start):
                eal_cleanup(n)


def stop(proc, sig=signal.SIGTERM, timeout=10):
    """Signal a process we started (by PID), SIGKILL it after timeout; reap it.
    Its exit code (None if it was never started)."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            os.kill(proc.pid, sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass
    return proc.returncode


def telemetry(pfx, command):
    """One command through Debian's dpdk-telemetry.py, as shipped; its answer."""
    p = subprocess.run(["dpdk-telemetry.py", "-f", pfx], input=command + "\n",
                       capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        if line.strip().startswith("{"):
            return json.loads(line)[command.split(",")[0]]
    raise AssertionError("no answer to %s: %r %r" % (command, p.stdout, p.stderr))


def read_lines(path):
    """The JSON objects of a JSON-lines file; a blank line is not JSON."""
    with open(path) as f:
        return [json.loads(ln) for ln in f]


def read_jsonl(path):
    """(objects, problems) of a JSON-lines file, a problem a line that is not a
    JSON object; (None, [why]) when it was not written."""
    name = os.path.basename(path)
    if not os.path.exists(path):
        return None, ["%s not written" % name]
    lines, errors = [], []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                errors.append("%s line %d is not JSON (%s): %r" % (name, i, exc, line[:200]))
                continue
            if not isinstance(obj, dict):
                errors.append("%s line %d is not an object: %r" % (name, i, line[:200]))
                continue
            lines.append(obj)
    return lines, errors


def read_json(path):
    with open(path) as f:
        return json.load(f)


def run(stem, name, eal, app, timeout=120):
    """Run wiremeter to completion with --flows-json and --report in WORKDIR;
    (rc, stdout, stderr, records, report or None). Outputs of an earlier run
    of the same name are removed first, so what is read is this run's."""
    out = os.path.join(WORKDIR, name + ".jsonl")
    rep = os.path.join(WORKDIR, name + ".report.json")
    for f in (out, rep):
        if os.path.exists(f):
            os.unlink(f)
    pfx = prefix(stem, name)
    cmd = command(pfx, eal, ["--flows-json", out, "--report", rep] + app, log="warning")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    finally:
        eal_cleanup(pfx)
    recs = read_lines(out) if os.path.exists(out) else []
    report = read_json(rep) if os.path.exists(rep) else None
    return p.returncode, p.stdout, p.stderr, recs, report


def run_until_signal(pfx, eal, app, seconds, sig, log="warning"):
    """Start wiremeter on a live or endless input, check it is still running
    after 'seconds', send 'sig'; (rc, stdout, stderr)."""
    p = subprocess.Popen(command(pfx, eal, app, log), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(seconds)
        if p.poll() is not None:
            out, err = p.communicate()
            raise AssertionError("wiremeter ended by itself (rc %d): %s" % (p.returncode, err))
        p.send_signal(sig)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        eal_cleanup(pfx)
    return p.returncode, out, err


class Run:
    """One finished (or killed) wiremeter process of run_in() and what it wrote."""

    def __init__(self, cmd, rc, out, err, timed_out, rundir):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        self.timed_out = timed_out
        self.rundir = rundir

    def describe(self):
        tail = "\n".join(self.err.splitlines()[-15:])
        return "command: %s\nexit code: %s%s\nstderr (last lines):\n%s" % (
            " ".join(self.cmd), self.rc, " (killed after timeout)" if self.timed_out else "",
            tail)


def run_in(pfx, app, rundir, timeout, eal=("-l", "0-1")):
    """Run wiremeter (EAL options eal) in rundir, where its stdout, stderr and
    command line are kept; SIGTERM it (by PID) on timeout, SIGKILL 5 s later."""
    os.makedirs(rundir, exist_ok=True)
    cmd = command(pfx, list(eal), app)
    timed_out = False
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, cwd=rundir)
    except OSError as exc:
        return Run(cmd, None, "", "cannot start: %s" % exc, False, rundir)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        stop(proc, signal.SIGTERM, 5)
        out, err = proc.communicate()
        eal_cleanup(pfx)
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    for fname, text in (("stdout.txt", out), ("stderr.txt", err),
                        ("command.txt", " ".join(cmd) + "\n")):
        with open(os.path.join(rundir, fname), "w") as f:
            f.write(text)
    return Run(cmd, proc.returncode, out, err, timed_out, rundir)


# ---------------------------------------------------------------------------
# Records: compared as multisets, paired by their key fields
# ---------------------------------------------------------------------------

# Fields whose hex letters may come in either case (the README fixes no case).
HEX_FIELDS = ("sourceMacAddress", "destinationMacAddress", "macsecSCI")


def norm_addr(a):
    try:
        return str(ipaddress.ip_address(a))
    except (ValueError, TypeError):
        return a


def record_key(r):
    """Key fields of a record, independent of which side is the source."""
    # dot1qCustomerVlanId: in a line only for two or more tags, 0 in IPFIX otherwise.
    port, vlan = r.get("ingressInterface"), (r.get("vlanId"), r.get("dot1qCustomerVlanId", 0))
    if "macsecSCI" in r or r.get("ethernetType") == 0x88E5:
        sci = r.get("macsecSCI")
        return ("macsec", port, vlan, sci.lower() if isinstance(sci, str) else sci,
                r.get("macsecAN"))
    for fam in ("IPv4", "IPv6"):
        if "source%sAddress" % fam in r or "destination%sAddress" % fam in r:
            a = (str(norm_addr(r.get("source%sAddress" % fam))), str(r.get("sourceTransportPort")))
            b = (str(norm_addr(r.get("destination%sAddress" % fam))),
                 str(r.get("destinationTransportPort")))
            return ("ip" + fam, port, vlan, r.get("protocolIdentifier"),
                    tuple(sorted([a, b])), r.get("ipsecSPI"))
    if "sourceMacAddress" in r or "destinationMacAddress" in r:
        macs = sorted(str(r.get(k, "")).lower() for k in ("sourceMacAddress",
                                                         "destinationMacAddress"))
        return ("l2", port, vlan, r.get("ethernetType"), tuple(macs))
    return ("unrecognised", json.dumps(r, sort_keys=True))


def same_field(field, exp, got):
    """Equal value and JSON type; hex fields in either case."""
    if field in HEX_FIELDS and isinstance(exp, str) and isinstance(got, str):
        return exp.lower() == got.lower()
    return exp == got and type(exp) is type(got)


def field_diff(exp, got, same=same_field):
    """Lines naming every field that is missing, extra or different."""
    out = []
    for k in sorted(set(exp) | set(got)):
        if k not in got:
            out.append("    %s: expected %s, missing" % (k, json.dumps(exp[k])))
        elif k not in exp:
            out.append("    %s: not expected, got %s" % (k, json.dumps(got[k])))
        elif not same(k, exp[k], got[k]):
            out.append("    %s: expected %s, got %s" % (k, json.dumps(exp[k]), json.dumps(got[k])))
    return out


def _tkey(r):
    s, e = r.get("flowStartNanoseconds"), r.get("flowEndNanoseconds")
    return (s if isinstance(s, int) else -1, e if isinstance(e, int) else -1)


def _nearest(r, candidates, same):
    best, best_score = None, -1
    for c in candidates:
        score = sum(1 for k in r if k in c and same(k, r[k], c[k]))
        if score > best_score:
            best, best_score = c, score
    return best if best_score >= len(r) // 2 else None


def compare_records(expected, got, describe, same=same_field):
    """Both lists as multisets, paired by record_key() then start time: every
    field must be equal by same(). Problem lines, empty when they agree;
    describe(record) names a record."""
    groups = {}
    for r in expected:
        groups.setdefault(record_key(r), ([], []))[0].append(r)
    for r in got:
        groups.setdefault(record_key(r), ([], []))[1].append(r)
    problems, missing, extra = [], [], []
    for key in sorted(groups, key=repr):
        exp, gotl = (sorted(x, key=_tkey) for x in groups[key])
        for e_rec, g_rec in zip(exp, gotl):
            diff = field_diff(e_rec, g_rec, same)
            if diff:
                problems.append("  record %s differs:" % describe(e_rec))
                problems.extend(diff)
        missing.extend(exp[len(gotl):])
        extra.extend(gotl[len(exp):])
    for r in missing:
        problems.append("  missing record: %s" % json.dumps(r, sort_keys=True))
        near = _nearest(r, extra, same)
        if near is not None:
            problems.append("    closest unexpected record differs in:")
            problems.extend("  " + d for d in field_diff(r, near, same))
    for r in extra:
        problems.append("  unexpected record: %s" % json.dumps(r, sort_keys=True))
    if problems:
        problems.insert(0, "records: %d expected, %d got" % (len(expected), len(got)))
    return problems


# ---------------------------------------------------------------------------
# Commands, ports and the namespace testbed
# ---------------------------------------------------------------------------

def sh(cmd, check=True, timeout=60, **kw):
    """Run a command (list); its CompletedProcess, text output. check: raise
    RuntimeError naming the command and its message when it fails."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                (r.stderr or r.stdout).strip()))
    return r


def free_port(kind=socket.SOCK_DGRAM):
    """A port nobody uses on 127.0.0.1 now (the kernel's choice)."""
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def netns_exists(name):
    return os.path.exists("/run/netns/" + name) or name in sh(
        ["ip", "netns", "list"], check=False).stdout.split()


def testbed_names(stem):
    """Namespace and veth names of STEM's testbed, unique to this process: two
    runs of one suite on one machine (two worktrees, a developer's and a CI
    job's) must never take, or delete, each other's namespaces. Interface
    names stay within IFNAMSIZ (15 characters) for stems up to 9."""
    tag = "%04x" % (os.getpid() & 0xffff)
    return stem + "-a" + tag, stem + "-b" + tag, stem + "A" + tag, stem + "B" + tag


class Testbed:
    """Two network namespaces joined by a veth pair (if_a in ns_a, if_b in
    ns_b), one queue each way, no IPv6, ARP or multicast: the only frames on
    the link are the ones a test sends. lo: also bring lo up in ns_a."""

    def __init__(self, ns_a, ns_b, if_a, if_b, mac_a, mac_b, lo=False):
        self.ns, self.ifs, self.macs, self.lo = (ns_a, ns_b), (if_a, if_b), (mac_a, mac_b), lo

    def down(self):
        """Remove our namespaces and links, whatever state they are in."""
        for ns in self.ns:
            if netns_exists(ns):
                sh(["ip", "netns", "del", ns], check=False)
        # A half-made pair left in the root namespace by an interrupted setup.
        for ifname in self.ifs:
            if os.path.exists("/sys/class/net/" + ifname):
                sh(["ip", "link", "del", ifname], check=False)

    def up(self):
        """Raises RuntimeError when the testbed cannot be made."""
        self.down()
        ipv6 = os.path.exists("/proc/sys/net/ipv6")
        for ns in self.ns:
            sh(["ip", "netns", "add", ns])
            # Before the links exist, so they are born without IPv6 (no DAD,
            # router or MLD chatter). A kernel without IPv6 has nothing to do.
            if ipv6:
                sh(["ip", "netns", "exec", ns, "sysctl", "-qw",
                    "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        # One queue each way: the AF_XDP socket binds queue 0, and a veth hands
        # a frame to the peer's Rx queue of the sender's Tx queue.
        (ns_a, ns_b), (if_a, if_b), (mac_a, mac_b) = self.ns, self.ifs, self.macs
        sh(["ip", "-n", ns_a, "link", "add", if_a, "numtxqueues", "1", "numrxqueues", "1",
            "address", mac_a, "type", "veth", "peer", "name", if_b, "numtxqueues", "1",
            "numrxqueues", "1", "address", mac_b, "netns", ns_b])
        for ns, ifname in zip(self.ns, self.ifs):
            if ipv6:
                sh(["ip", "netns", "exec", ns, "sysctl", "-qw",
                    "net.ipv6.conf.%s.disable_ipv6=1" % ifname])
            # No addresses are configured, so there is no IPv4 chatter either;
            # ARP and multicast off make sure of it.
            sh(["ip", "-n", ns, "link", "set", "dev", ifname, "arp", "off", "multicast", "off",
                "up"])
        if self.lo:
            sh(["ip", "-n", ns_a, "link", "set", "dev", "lo", "up"])
        deadline = time.time() + 10
        while time.time() < deadline:
            if "LOWER_UP" in sh(["ip", "-n", ns_a, "link", "show", if_a]).stdout:
                return
            time.sleep(0.1)
        raise RuntimeError("%s did not come up" % if_a)
