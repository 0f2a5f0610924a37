#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Functional tests: wiremeter on generated pcaps, compared with known truth.

    test_flows.py --wiremeter PATH --workdir DIR [--only REGEX] [--timeout S]

scripts/gen_traces.py writes the traces and their truth into DIR/traces. Each
trace is replayed once through the pcap vdev:

    PATH --file-prefix wmf<pid>_<n> -l 0-1 --log-level=*:notice -- \
         --pcap TRACE [--pcap TRACE2] --flows-json OUT.jsonl --report REPORT.json [options]

and checked:
  - the JSON lines equal the truth's records exactly, as a multiset (records
    are paired by their key fields; every missing, extra or different field
    is reported);
  - the report: packetsMetered is the sum of the lines' packet counts,
    parseErrors holds exactly every error name with the expected counts,
    every port has rxPackets == metered + parseErrors + filtered == the
    frames in its file, flowsExported is the number of lines, and
    conservation.ok is true;
  - for traces whose truth allows it, tshark's TCP/UDP conversation
    statistics (frames per direction) agree with the lines' packet counts;
  - the truth itself agrees with tshark (frames, timestamps, conversations),
    so a generator mistake shows up without the app.
A config-error group checks exit code 2 and one stderr line naming the
offending flag, key or file.

Prints "N passed, M failed[, K skipped]" last; exits 0 only when nothing
failed, 77 when scapy or tshark is missing.
"""

import ipaddress
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import wmtest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.normpath(os.path.join(HERE, "..", "..", "scripts", "gen_traces.py"))

def _parse_error_names():
    """The parse error names, from the parser's own X-macro list, so the
    names are written once (lib/pkt/wm_pkt.h, WM_PKT_FOREACH_ERROR)."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "pkt",
                          "wm_pkt.h")
    with open(header) as f:
        text = f.read()
    # Only that list: the header has other X-macro lists (tunnel kinds, offloads).
    block = re.search(r"#define WM_PKT_FOREACH_ERROR\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    return re.findall(r'X\(\w+, "(\w+)"\)', block.group(1))


PARSE_ERRORS = _parse_error_names()

OPT = None              # parsed command line
TRACES = {}             # name -> truth
RUN_SEQ = itertools.count()


# ---------------------------------------------------------------------------
# Running the app
# ---------------------------------------------------------------------------

def run_wiremeter(app_args, rundir, timeout=None):
    """Run wiremeter with the suite's EAL options; kill it (by PID) on timeout."""
    pfx = wmtest.prefix("wmf", str(next(RUN_SEQ)))
    return wmtest.run_in(pfx, app_args, rundir, timeout or OPT.timeout)


_trace_runs = {}

# Runs of a trace configured another way; each must give the trace's truth.
#   name: (trace, how) where how is
#     "flags"           --pcap ... --flows-json --report and the trace's options
#     "config"          the trace's options as config keys (-c), files as flags
#     "config_override" a config with other values, overridden by the flags
#     "config_only"     everything in the config: pcap array, flows_json, report
VARIANTS = {
    "idle_from_config": ("idle", "config"),
    "idle_flag_overrides_config": ("idle", "config_override"),
    "active_from_config": ("active", "config"),
    "two_files_from_config": ("two_files", "config_only"),
}

# How a trace's command-line options map to config keys, and a value each
# can be overridden from.
OPTION_KEYS = {
    "--idle-timeout": ("idle_timeout", 30),
    "--active-timeout": ("active_timeout", 300),
    "--flow-capacity": ("flow_capacity", 262144),
}


def _options_as_config(options):
    cfg = {}
    for flag, value in zip(options[::2], options[1::2]):
        cfg[OPTION_KEYS[flag][0]] = int(value)
    return cfg


def trace_run(key):
    """Replay a trace (or a variant) once, cached: the Run, its JSON lines and report."""
    if key in _trace_runs:
        return _trace_runs[key]
    name, how = VARIANTS.get(key, (key, "flags"))
    truth = TRACES[name]
    rundir = os.path.join(OPT.workdir, "runs", key)
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(rundir)
    flows = os.path.join(rundir, "flows.jsonl")
    report = os.path.join(rundir, "report.json")
    pcaps = [os.path.join(OPT.workdir, "traces", p) for p in truth["pcaps"]]
    files = []
    for p in pcaps:
        files += ["--pcap", p]
    files += ["--flows-json", flows, "--report", report]
    cfg = None
    if how == "flags":
        args = files + truth["options"]
    elif how == "config":
        cfg = _options_as_config(truth["options"])
        args = files
    elif how == "config_override":
        cfg = {OPTION_KEYS[f][0]: OPTION_KEYS[f][1] for f in truth["options"][::2]}
        args = files + truth["options"]
    else:
        cfg = _options_as_config(truth["options"])
        cfg.update({"pcap": pcaps, "flows_json": flows, "report": report})
        args = []
    if cfg is not None:
        path = os.path.join(rundir, "config.json")
        with open(path, "w") as f:
            json.dump(cfg, f, indent=1)
        args = ["-c", path] + args
    run = run_wiremeter(args, rundir)
    lines, line_errors = wmtest.read_jsonl(flows)
    if lines is None:
        lines, line_errors = [], []
    rep, rep_error = None, None
    if os.path.exists(report):
        try:
            with open(report) as f:
                rep = json.load(f)
        except ValueError as exc:
            rep_error = "report is not JSON: %s" % exc
    result = (run, lines, line_errors, rep, rep_error,
              os.path.exists(flows), os.path.exists(report))
    _trace_runs[key] = result
    return result


# ---------------------------------------------------------------------------
# Record comparison
# ---------------------------------------------------------------------------

_norm_addr = wmtest.norm_addr


# Sequence-stream fields (SEQUENCE.md) ride on the records of sequence-bearing
# flows; tests/functional/test_seq.py checks them against their own truth.
SEQ_FIELD = re.compile(r"^(reverse)?(seq[A-Z]|rtpSSRC|RtpSSRC|testerStreamId|TesterStreamId)")


def without_seq_fields(r):
    return {k: v for k, v in r.items() if not SEQ_FIELD.match(k)}


def compare_records(expected, got):
    """Compare two lists of records as multisets, seq fields aside; return a list
    of problem lines."""
    return wmtest.compare_records(expected, [without_seq_fields(r) for r in got], _describe_key)


def _describe_key(r):
    for fam in ("IPv4", "IPv6"):
        if "source%sAddress" % fam in r:
            s = "%s:%s -> %s:%s proto %s" % (
                r["source%sAddress" % fam], r.get("sourceTransportPort"),
                r["destination%sAddress" % fam], r.get("destinationTransportPort"),
                r.get("protocolIdentifier"))
            if "ipsecSPI" in r:
                s += " spi 0x%x" % r["ipsecSPI"]
            break
    else:
        if "macsecSCI" in r:
            s = "MACsec SCI %s AN %s" % (r["macsecSCI"], r.get("macsecAN"))
        else:
            s = "L2 %s -> %s type 0x%04x" % (r.get("sourceMacAddress"),
                                             r.get("destinationMacAddress"),
                                             r.get("ethernetType", 0))
    return "%s vlan %s port %s start %s" % (s, r.get("vlanId"), r.get("ingressInterface"),
                                             r.get("flowStartNanoseconds"))


# ---------------------------------------------------------------------------
# tshark
# ---------------------------------------------------------------------------

_tshark_cache = {}


def tshark_summary(pcap):
    """(frame timestamps as µs ints, {"tcp": [...], "udp": [...]}) for one pcap.

    Conversations are (endpoint A, endpoint B, frames A->B, frames B->A) with
    endpoints as (address, port) in tshark's order.
    """
    if pcap in _tshark_cache:
        return _tshark_cache[pcap]
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-e", "frame.time_epoch",
           "-z", "conv,tcp", "-z", "conv,udp"]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if res.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (pcap, res.stderr.decode()[-500:]))
    times, convs, section = [], {"tcp": [], "udp": []}, None
    for line in res.stdout.decode().splitlines():
        if section is None and re.match(r"^\d+\.\d+$", line.strip()):
            sec, frac = line.strip().split(".")
            times.append(int(sec) * 1000000 + int((frac + "000000000")[:9]) // 1000)
            continue
        if line.startswith("TCP Conversations"):
            section = "tcp"
        elif line.startswith("UDP Conversations"):
            section = "udp"
        elif section and "<->" in line:
            convs[section].append(_parse_conv(line))
    _tshark_cache[pcap] = (times, convs)
    return times, convs


def _split_endpoint(s):
    addr, port = s.rsplit(":", 1)
    return (str(ipaddress.ip_address(addr)), int(port))


def _parse_conv(line):
    left, right = line.split("<->")
    a = _split_endpoint(left.strip())
    toks = right.split()
    b = _split_endpoint(toks[0])
    vals, i = [], 1
    for _ in range(3):               # "<-" (B to A), "->" (A to B), total
        vals.append(int(toks[i]))
        i += 2                           # frames, bytes
        if i < len(toks) and not re.match(r"^[\d.,]+$", toks[i]):
            i += 1                       # the bytes' unit
    return (a, b, vals[1], vals[0])


def _norm_conv(a, b, ab, ba):
    return (a, b, ab, ba) if a <= b else (b, a, ba, ab)


def conversations_from_records(records, proto, port):
    """(endpoint, endpoint, frames, frames) per record of @p proto on @p port."""
    out = []
    for r in records:
        if r.get("protocolIdentifier") != proto or r.get("ingressInterface") != port:
            continue
        if r.get("sourceTransportPort") == 0 and r.get("destinationTransportPort") == 0:
            continue                     # non-first fragments: no transport header
        fam = "IPv4" if "sourceIPv4Address" in r else "IPv6"
        a = (_norm_addr(r.get("source%sAddress" % fam)), r.get("sourceTransportPort"))
        b = (_norm_addr(r.get("destination%sAddress" % fam)), r.get("destinationTransportPort"))
        out.append(_norm_conv(a, b, r.get("packetDeltaCount"), r.get("reversePacketDeltaCount")))
    return out


def _aggregate(convs):
    agg = {}
    for a, b, ab, ba in convs:
        cur = agg.get((a, b), (0, 0))
        agg[(a, b)] = (cur[0] + ab, cur[1] + ba)
    return agg


def cross_check(truth, records):
    """Problems found comparing records with tshark's conversations."""
    problems = []
    for port, pcap in enumerate(truth["pcaps"]):
        _, convs = tshark_summary(os.path.join(OPT.workdir, "traces", pcap))
        for proto_name, proto in (("tcp", 6), ("udp", 17)):
            if proto_name not in truth["crossCheck"]:
                continue
            ts = [_norm_conv(*c) for c in convs[proto_name]]
            ours = conversations_from_records(records, proto, port)
            if proto_name == "tcp":
                # One TCP connection is one tshark stream and one record here.
                if sorted(ts) != sorted(ours):
                    problems.append("port %d %s: tshark conversations %s, records give %s" % (
                        port, proto_name, sorted(ts), sorted(ours)))
            else:
                # UDP: tshark keys on the 5-tuple only (no VLAN, no timeouts).
                ta, oa = _aggregate(ts), _aggregate(ours)
                if ta != oa:
                    problems.append("port %d %s: tshark frames per 5-tuple %s, records give %s"
                                    % (port, proto_name, sorted(ta.items()),
                                       sorted(oa.items())))
    return problems


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

class TruthTests(unittest.TestCase):
    """The generated traces against tshark, without the app."""


class TraceTests(unittest.TestCase):
    """wiremeter on each trace: records and report."""


class CrossCheckTests(unittest.TestCase):
    """wiremeter's records against tshark's conversation statistics."""


class ConfigErrorTests(unittest.TestCase):
    """Bad options and configs: exit code 2 and one stderr line naming the culprit."""

    def _expect_error(self, tag, extra, name, config=None):
        good_pcap = os.path.join(OPT.workdir, "traces", TRACES["tcp_rst"]["pcaps"][0])
        wmtest.expect_usage_error(self, run_wiremeter, tag, good_pcap, extra, name, config)

    def test_idle_timeout_not_a_number(self):
        self._expect_error("idle_abc", ["--idle-timeout", "abc"], "idle-timeout")

    def test_idle_timeout_negative(self):
        self._expect_error("idle_neg", ["--idle-timeout", "-1"], "idle-timeout")

    def test_flow_capacity_zero(self):
        self._expect_error("capacity0", ["--flow-capacity", "0"], "flow-capacity")

    def test_stats_interval_not_a_number(self):
        self._expect_error("stats_x", ["--stats-interval", "x"], "stats-interval")

    def test_unknown_option(self):
        self._expect_error("bogus", ["--bogus"], "bogus")

    def test_config_file_missing(self):
        path = os.path.join(OPT.workdir, "runs", "no-such-config.json")
        self._expect_error("cfg_missing", ["-c", path], path)

    def test_config_invalid_json(self):
        self._expect_error("cfg_badjson", [], None, config='{"idle_timeout": 5,\n')

    def test_config_unknown_key(self):
        self._expect_error("cfg_unknown", [], "nope", config='{"nope": 1}\n')

    def test_config_wrong_type(self):
        self._expect_error("cfg_type", [], "idle_timeout", config='{"idle_timeout": "ten"}\n')

    def test_pcap_missing(self):
        path = os.path.join(OPT.workdir, "traces", "no-such-trace.pcap")
        self._expect_error("pcap_missing", ["--pcap", path], path)

    def test_pcap_not_a_pcap(self):
        path = os.path.join(OPT.workdir, "traces", "index.json")
        self._expect_error("pcap_not_pcap", ["--pcap", path], path)

    def test_flows_json_unwritable(self):
        path = os.path.join(OPT.workdir, "runs", "no-such-dir", "flows.jsonl")
        self._expect_error("flows_unwritable", ["--flows-json", path], path)


def _truth_test(name):
    def test(self):
        truth = TRACES[name]
        problems = []
        for port, pcap in enumerate(truth["pcaps"]):
            times, _ = tshark_summary(os.path.join(OPT.workdir, "traces", pcap))
            if len(times) != truth["packets"][port]:
                problems.append("%s: tshark reads %d frames, truth says %d" % (
                    pcap, len(times), truth["packets"][port]))
            if len(set(times)) != len(times):
                problems.append("%s: timestamps are not distinct" % pcap)
            if truth["portMetered"][port] + truth["portParseErrors"][port] != len(times):
                problems.append("%s: good + bad frames != frames" % pcap)
            # Every record's start and end is the time of one of its port's frames.
            for r in truth["records"]:
                if r["ingressInterface"] != port:
                    continue
                for k in ("flowStartNanoseconds", "flowEndNanoseconds"):
                    if r[k] % 1000 or r[k] // 1000 not in times:
                        problems.append("%s: %s %d is no frame's time" % (pcap, k, r[k]))
        good = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"]
                   for r in truth["records"])
        if good != sum(truth["portMetered"]):
            problems.append("records hold %d packets, %d good frames sent" % (
                good, sum(truth["portMetered"])))
        if sum(truth["parseErrors"].values()) != sum(truth["portParseErrors"]):
            problems.append("parse error counts do not add up")
        if sorted(truth["parseErrors"]) != sorted(PARSE_ERRORS):
            problems.append("truth parseErrors names differ from the parser's list")
        problems += cross_check(truth, truth["records"])
        if problems:
            self.fail("truth of %s:\n%s" % (name, "\n".join(problems)))
    test.__doc__ = "truth of trace %s agrees with tshark" % name
    return test


def _trace_test(key):
    name, how = VARIANTS.get(key, (key, "flags"))

    def test(self):
        truth = TRACES[name]
        run, lines, line_errors, rep, rep_error, has_flows, has_report = trace_run(key)
        problems = []
        if run.timed_out or run.rc != 0:
            problems.append("wiremeter did not exit 0 by itself\n" + run.describe())
        if not has_flows:
            problems.append("no flows file written")
        problems += line_errors
        problems += compare_records(truth["records"], lines)
        problems += check_report(truth, lines, rep, rep_error, has_report)
        if problems:
            self.fail("trace %s (%s)\n  pcaps: %s  options: %s (%s)\n  output: %s\n%s" % (
                name, truth["description"], ", ".join(truth["pcaps"]),
                " ".join(truth["options"]) or "-", how, run.rundir, "\n".join(problems)))
    if how == "flags":
        test.__doc__ = "trace %s: %s" % (name, TRACES[name]["description"][:60])
    else:
        test.__doc__ = "trace %s, options given as: %s" % (name, how)
    return test


def _num(x):
    return isinstance(x, int) and not isinstance(x, bool)


def check_report(truth, lines, rep, rep_error, has_report):
    if not has_report:
        return ["report: no report file written"]
    if rep_error:
        return ["report: " + rep_error]
    if not isinstance(rep, dict):
        return ["report: not a JSON object"]
    p = []
    total = 0
    for r in lines:
        a, b = r.get("packetDeltaCount"), r.get("reversePacketDeltaCount")
        if _num(a) and _num(b):
            total += a + b
    if rep.get("packetsMetered") != total:
        p.append("report: packetsMetered %r, the JSON lines hold %d packets" % (
            rep.get("packetsMetered"), total))
    good = sum(truth["portMetered"])
    if rep.get("packetsMetered") != good:
        p.append("report: packetsMetered %r, %d good packets were sent" % (
            rep.get("packetsMetered"), good))
    pe = rep.get("parseErrors")
    if not isinstance(pe, dict):
        p.append("report: parseErrors is not an object: %r" % (pe,))
    else:
        for k in PARSE_ERRORS:
            if k not in pe:
                p.append("report: parseErrors.%s missing (expected %d)" % (
                    k, truth["parseErrors"][k]))
            elif pe[k] != truth["parseErrors"][k] or not _num(pe[k]):
                p.append("report: parseErrors.%s = %r, expected %d" % (
                    k, pe[k], truth["parseErrors"][k]))
        for k in sorted(set(pe) - set(PARSE_ERRORS)):
            p.append("report: parseErrors.%s is not a known error name (value %r)" % (k, pe[k]))
    ports = rep.get("ports")
    if not isinstance(ports, list):
        p.append("report: ports is not a list: %r" % (ports,))
    else:
        by_id = {}
        for entry in ports:
            if isinstance(entry, dict):
                by_id[entry.get("portId")] = entry
        if sorted(by_id, key=repr) != list(range(len(truth["pcaps"]))):
            p.append("report: portIds %r, expected %r" % (
                sorted(by_id, key=repr), list(range(len(truth["pcaps"])))))
        for pid, entry in sorted(by_id.items(), key=lambda kv: repr(kv[0])):
            vals = {k: entry.get(k) for k in ("rxPackets", "metered", "parseErrors", "filtered")}
            if not all(_num(v) for v in vals.values()):
                p.append("report: port %r lacks counters: %r" % (pid, entry))
                continue
            if vals["rxPackets"] != vals["metered"] + vals["parseErrors"] + vals["filtered"]:
                p.append("report: port %r rxPackets %d != metered %d + parseErrors %d + "
                         "filtered %d" % (pid, vals["rxPackets"], vals["metered"],
                                          vals["parseErrors"], vals["filtered"]))
            if isinstance(pid, int) and 0 <= pid < len(truth["pcaps"]):
                exp = {"rxPackets": truth["packets"][pid], "metered": truth["portMetered"][pid],
                       "parseErrors": truth["portParseErrors"][pid], "filtered": 0}
                for k, v in exp.items():
                    if vals[k] != v:
                        p.append("report: port %d %s = %d, expected %d (%s)" % (
                            pid, k, vals[k], v, truth["pcaps"][pid]))
    if rep.get("flowsExported") != len(lines):
        p.append("report: flowsExported %r, %d JSON lines" % (rep.get("flowsExported"),
                                                                len(lines)))
    cons = rep.get("conservation")
    if not isinstance(cons, dict) or cons.get("ok") is not True:
        p.append("report: conservation.ok is not true: %r" % (cons,))
    return p


def _cross_test(name):
    def test(self):
        truth = TRACES[name]
        run, lines, _, _, _, _, _ = trace_run(name)
        if run.timed_out or run.rc != 0:
            self.fail("wiremeter did not exit 0 by itself\n" + run.describe())
        problems = cross_check(truth, lines)
        if problems:
            self.fail("trace %s vs tshark (%s):\n%s" % (name, ", ".join(truth["crossCheck"]),
                                                       "\n".join(problems)))
    test.__doc__ = "trace %s: records agree with tshark conv,%s" % (
        name, ",".join(TRACES[name]["crossCheck"]))
    return test


def build_suite():
    for name in TRACES:
        setattr(TruthTests, "test_truth_" + name, _truth_test(name))
        setattr(TraceTests, "test_" + name, _trace_test(name))
        if TRACES[name]["crossCheck"]:
            setattr(CrossCheckTests, "test_tshark_" + name, _cross_test(name))
    for key in VARIANTS:
        setattr(TraceTests, "test_" + key, _trace_test(key))
    return wmtest.only(OPT.only, (TruthTests, TraceTests, CrossCheckTests, ConfigErrorTests))


def main():
    global OPT
    OPT, _ = wmtest.args(wmtest.replay_options, __doc__.split("\n")[0], strict=True)

    rc = wmtest.setup_traces(wmtest.missing_modules([("scapy", "python3-scapy")]) +
                             wmtest.missing_tools([("tshark", "tshark")]), GEN, TRACES)
    if rc is not None:
        return rc
    return wmtest.run_and_verdict(build_suite(), "wmf")


if __name__ == "__main__":
    sys.exit(main())
