#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Functional tests of sequence-gap tracking (/work/shared/SEQUENCE.md).

    test_seq.py --wiremeter PATH --workdir DIR [--only REGEX] [--timeout S]

scripts/gen_seq_traces.py writes the traces and their truth into DIR/traces:
ESP (protocol 50 and NAT-T), MACsec (explicit and implicit SCI, XPN), RTP
(16-bit wrap, both directions of a biflow, J = 3000 jump, new SSRC) and TRex
trailer streams (tester ports and any-UDP validation), with drops, reorders,
duplicates, wraps, restarts and jumps. The truth comes from the generator's
own reference model of SEQUENCE.md. Each trace is replayed once:

    PATH --file-prefix wms<pid>_<n> -l 0-1 --log-level=*:notice -- \
         --pcap TRACE --flows-json OUT.jsonl --gaps-json GAPS.jsonl \
         --report REPORT.json [options]

  ModelTests    the reference model on SEQUENCE.md's worked examples.
  TruthTests    per trace, without the app: tshark decodes every frame the
                truth says a tracker is given (ESP SPI and sequence number,
                MACsec SCI/AN/PN, RTP SSRC/seq, the TRex trailer read from
                udp.payload), the numbers agree, and the model run on
                tshark's numbers gives the truth's counters and events.
  RecordTests   the flow records equal the truth exactly (seq counters of
                both directions included; records paired as in
                test_flows.py), flows without a tracked stream carry no seq
                field, and the report's usual counters hold.
  InvariantTests  per record and direction with one epoch:
                last - first + 1 == unique + lost + pending.
  EventTests    --gaps-json: per stream (kind + identity) the count of each
                event type; expected/received/missing/distance, time and the
                packet's endpoints of every event (restart: time and
                endpoints only, as its "received" is defined two ways).
  ReportTests   the report's seqStreams: tracked, withLoss, lost, poolFull,
                gapEventsDropped, and worst = exactly the impaired streams,
                worst first, with their counters.
  PoolTests     --seq-streams 1 with three streams: exit 0, poolFull
                counted, tracked 1, conservation ok.
  ConfigErrorTests  bad seq flags and config keys: exit code 2 and one
                stderr line naming the flag.

Prints "N passed, M failed[, K skipped]" last; exits 0 only when nothing
failed, 77 when scapy or tshark is missing.
"""

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
SCRIPTS = os.path.normpath(os.path.join(HERE, "..", "..", "scripts"))
GEN = os.path.join(SCRIPTS, "gen_seq_traces.py")

OPT = None              # parsed command line
TRACES = {}             # name -> truth
RUN_SEQ = itertools.count()
gen = None              # the generator module (its reference model)

# Field names (SEQUENCE.md), also in the generator; written out here so a
# renaming there cannot silently change what is asserted.
COUNTER_NAMES = ["seqReceivedCount", "seqUniqueCount", "seqLateCount", "seqDuplicateCount",
                 "seqTooOldCount", "seqLostCount", "seqPendingCount", "seqGapEventCount",
                 "seqWrapCount", "seqRestartCount", "seqJumpSuspectCount",
                 "seqProtocolViolationCount", "seqMaxReorderDistance", "seqFirstNumber",
                 "seqLastNumber"]
EVENT_TYPES = ["gap", "late", "duplicate", "tooOld", "jumpSuspect", "protocolViolation",
               "restart"]
IDENTITY = {"esp": ["ipsecSPI"], "macsec": ["macsecSCI", "macsecAN"], "rtp": ["rtpSSRC"],
            "tester": ["testerStreamId"]}


def rname(name):
    return "reverse" + name[0].upper() + name[1:]


FORWARD_SEQ_FIELDS = ["seqStreamKind", "rtpSSRC", "testerStreamId"] + COUNTER_NAMES
ALL_SEQ_FIELDS = FORWARD_SEQ_FIELDS + [rname(n) for n in FORWARD_SEQ_FIELDS]


# ---------------------------------------------------------------------------
# Running the app
# ---------------------------------------------------------------------------

def run_wiremeter(app_args, rundir, timeout=None):
    """Run wiremeter with the suite's EAL options; kill it (by PID) on timeout."""
    pfx = wmtest.prefix("wms", str(next(RUN_SEQ)))
    return wmtest.run_in(pfx, app_args, rundir, timeout or OPT.timeout)


read_jsonl = wmtest.read_jsonl


# How a trace's flags map to config keys (README "seq" object), and how
# their values are written there.
def _port_list(v):
    return [int(x) if "-" not in x else x for x in v.split(",")]


def _on_off(v):
    return {"on": True, "off": False}[v]


FLAG_KEYS = {
    "--active-timeout": ("active_timeout", int),
    "--idle-timeout": ("idle_timeout", int),
    "--seq-streams": ("seq.streams", int),
    "--seq-rtp-ports": ("seq.rtp_ports", _port_list),
    "--seq-tester-ports": ("seq.tester_ports", _port_list),
    "--seq-rtp-heuristic": ("seq.rtp_heuristic", _on_off),
    "--seq-tester-any-udp": ("seq.tester_any_udp", _on_off),
    "--seq-esp-esn": ("seq.esp.esn", _on_off),
    "--seq-macsec-xpn": ("seq.macsec.xpn", _on_off),
    "--seq-esp-esn-spis": ("seq.esp.esn_spis", lambda v: [int(x, 0) for x in v.split(",")]),
    "--seq-macsec-xpn-scis": ("seq.macsec.xpn_scis", lambda v: v.split(",")),
}
for _k in IDENTITY:
    for _p, _key in (("window", "window"), ("jump", "jump"), ("restart-k", "restart_k")):
        FLAG_KEYS["--seq-%s-%s" % (_k, _p)] = ("seq.%s.%s" % (_k, _key), int)

# A different valid value for each key, which the flags must override.
OTHER_VALUES = {
    "active_timeout": 300, "idle_timeout": 30, "seq.streams": 5,
    "seq.rtp_ports": [9999], "seq.tester_ports": [9999], "seq.esp.esn_spis": [1],
    "seq.macsec.xpn_scis": ["0000000000000001"],
}


def _other(key, value):
    if key in OTHER_VALUES:
        return OTHER_VALUES[key]
    if isinstance(value, bool):
        return not value
    if key.endswith("restart_k"):
        return 2 if value != 2 else 1
    if key.endswith("window"):
        return 64 if value != 64 else 128
    return 7 if value != 7 else 8


def _set(cfg, dotted, value):
    parts = dotted.split(".")
    for p in parts[:-1]:
        cfg = cfg.setdefault(p, {})
    cfg[parts[-1]] = value


def options_as_config(options, other=False):
    cfg = {}
    for flag, value in zip(options[::2], options[1::2]):
        key, conv = FLAG_KEYS[flag]
        v = conv(value)
        _set(cfg, key, _other(key, v) if other else v)
    return cfg


class TraceRun:
    """One replay of a trace: the process, its records, events and report.

    how: "flags" (the trace's options as flags), "config" (as config keys),
    "override" (config keys with other values, the flags winning), or
    "off" (flags plus --seq-streams 0: tracking off).
    """

    def __init__(self, name, how="flags"):
        truth = TRACES[name]
        self.truth, self.how = truth, how
        self.rundir = os.path.join(OPT.workdir, "runs", name if how == "flags" else
                                   "%s_%s" % (name, how))
        shutil.rmtree(self.rundir, ignore_errors=True)
        os.makedirs(self.rundir)
        flows = os.path.join(self.rundir, "flows.jsonl")
        gaps = os.path.join(self.rundir, "gaps.jsonl")
        report = os.path.join(self.rundir, "report.json")
        args = []
        for p in truth["pcaps"]:
            args += ["--pcap", os.path.join(OPT.workdir, "traces", p)]
        args += ["--flows-json", flows, "--gaps-json", gaps, "--report", report]
        if how in ("flags", "override", "off"):
            args += truth["options"]
        if how == "off":
            args += ["--seq-streams", "0"]
        if how in ("config", "override"):
            path = os.path.join(self.rundir, "config.json")
            with open(path, "w") as f:
                json.dump(options_as_config(truth["options"], other=how == "override"), f,
                          indent=1)
            args = ["-c", path] + args
        self.run = run_wiremeter(args, self.rundir)
        self.records, self.record_errors = read_jsonl(flows)
        self.events, self.event_errors = read_jsonl(gaps)
        self.has_report = os.path.exists(report)
        self.report, self.report_error = None, None
        if self.has_report:
            try:
                with open(report) as f:
                    self.report = json.load(f)
            except ValueError as exc:
                self.report_error = "report is not JSON: %s" % exc

    def header(self):
        t = self.truth
        return "trace %s (%s)\n  options: %s (%s)\n  output: %s" % (
            t["name"], t["description"][:100], " ".join(t["options"]) or "-", self.how,
            self.rundir)

    def run_problems(self):
        if self.run.timed_out or self.run.rc != 0:
            return ["wiremeter did not exit 0 by itself\n" + self.run.describe()]
        return []


_runs = {}


def trace_run(name, how="flags"):
    if (name, how) not in _runs:
        _runs[(name, how)] = TraceRun(name, how)
    return _runs[(name, how)]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _num(x):
    return isinstance(x, int) and not isinstance(x, bool)


def norm_ident(kind, obj):
    """The identity of a stream as a tuple (SCI lowercased)."""
    out = [kind]
    for k in IDENTITY.get(kind, []):
        v = obj.get(k)
        if isinstance(v, str):
            v = v.lower()
        out.append(v)
    return tuple(out)


def show_ident(key):
    kind = key[0]
    return "%s %s" % (kind, ", ".join("%s=%s" % (n, v) for n, v in
                                      zip(IDENTITY.get(kind, []), key[1:])))


def same_endpoint(exp, got):
    """Addresses compared as addresses, MACs without regard to case."""
    if isinstance(exp, str) and isinstance(got, str):
        return _norm_addr(exp).lower() == _norm_addr(got).lower()
    return exp == got and type(exp) is type(got)


def seq_fields(rec, direction):
    """The seq fields of one direction of a record, with forward names."""
    out = {}
    for n in FORWARD_SEQ_FIELDS + ["ipsecSPI", "macsecSCI", "macsecAN"]:
        name = n if direction == "forward" else rname(n)
        if name in rec:
            out[n] = rec[name]
    return out


def describe_rec(r):
    for fam in ("IPv4", "IPv6"):
        if "source%sAddress" % fam in r:
            return "%s:%s -> %s:%s proto %s%s start %s" % (
                r.get("source%sAddress" % fam), r.get("sourceTransportPort"),
                r.get("destination%sAddress" % fam), r.get("destinationTransportPort"),
                r.get("protocolIdentifier"),
                " spi 0x%x" % r["ipsecSPI"] if _num(r.get("ipsecSPI")) else "",
                r.get("flowStartNanoseconds"))
    return "MACsec SCI %s AN %s start %s" % (r.get("macsecSCI"), r.get("macsecAN"),
                                             r.get("flowStartNanoseconds"))


# ---------------------------------------------------------------------------
# tshark: the numbers the trace really carries
# ---------------------------------------------------------------------------

TSHARK_FIELDS = ["frame.time_epoch", "eth.src", "esp.spi", "esp.sequence", "macsec.PN",
                 "macsec.AN", "macsec.SCI.system_identifier", "macsec.SCI.port_identifier",
                 "rtp.ssrc", "rtp.seq", "udp.payload"]
RTP_DECODE_PORTS = (5004, 5005, 6000, 7000)
_tshark_cache = {}


def _int(s):
    return int(s, 0) if s else None


def tshark_frames(pcap):
    """{time in µs: {field: value}} for every frame of @p pcap."""
    if pcap in _tshark_cache:
        return _tshark_cache[pcap]
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=f"]
    for p in RTP_DECODE_PORTS:
        cmd += ["-d", "udp.port==%d,rtp" % p]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if res.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (pcap, res.stderr.decode()[-500:]))
    frames = {}
    for line in res.stdout.decode().splitlines():
        vals = dict(zip(TSHARK_FIELDS, line.split("|")))
        sec, frac = vals["frame.time_epoch"].split(".")
        ts = int(sec) * 1000000 + int((frac + "000000000")[:9]) // 1000
        frames[ts] = vals
    _tshark_cache[pcap] = frames
    return frames


def tshark_number(kind, v):
    """(raw number, epoch, identity) of a frame as tshark decodes it, or None."""
    if kind == "esp":
        if not v.get("esp.spi"):
            return None
        spi = _int(v["esp.spi"])
        return _int(v["esp.sequence"]), spi, {"ipsecSPI": spi}
    if kind == "macsec":
        if not v.get("macsec.PN"):
            return None
        an = _int(v["macsec.AN"])
        if v.get("macsec.SCI.system_identifier"):
            sci = "%s%04x" % (v["macsec.SCI.system_identifier"].replace(":", ""),
                              _int(v["macsec.SCI.port_identifier"]))
        else:   # implicit SCI: the source MAC and port 0x0001 (SEQUENCE.md)
            sci = v["eth.src"].replace(":", "") + "0001"
        return _int(v["macsec.PN"]), an, {"macsecSCI": sci.lower(), "macsecAN": an}
    if kind == "rtp":
        if not v.get("rtp.ssrc"):
            return None
        ssrc = _int(v["rtp.ssrc"])
        return _int(v["rtp.seq"]), ssrc, {"rtpSSRC": ssrc}
    if kind == "tester":
        pl = bytes.fromhex(v.get("udp.payload", "").replace(":", ""))
        if len(pl) < 16 or pl[-16] != 0xAB:
            return None
        t = pl[-16:]
        flow_seq, hw_id = t[1], t[2] | (t[3] << 8)
        seq = int.from_bytes(t[4:8], "little")
        return seq, flow_seq, {"testerStreamId": hw_id}
    return None


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

HEX_FIELDS = ("sourceMacAddress", "destinationMacAddress", "macsecSCI", "reverseMacsecSCI")


_norm_addr = wmtest.norm_addr
record_key = wmtest.record_key


def _same(field, exp, got):
    """As wmtest.same_field, and addresses compared as addresses."""
    if field in HEX_FIELDS and isinstance(exp, str) and isinstance(got, str):
        return exp.lower() == got.lower()
    if isinstance(exp, str) and isinstance(got, str) and "Address" in field:
        return _norm_addr(exp) == _norm_addr(got)
    return exp == got and type(exp) is type(got)


def compare_records(expected, got):
    """Both lists as multisets, paired by key then start time: every field,
    the seq ones included, must be equal."""
    return wmtest.compare_records(expected, got, describe_rec, _same)


def check_basic_report(truth, records, rep):
    """The report's usual totals still hold with tracking on."""
    if not isinstance(rep, dict):
        return ["report: not a JSON object"]
    p = []
    total = sum(r.get("packetDeltaCount", 0) + r.get("reversePacketDeltaCount", 0)
                for r in records)
    good = sum(truth["portMetered"])
    if rep.get("packetsMetered") != good or total != good:
        p.append("report: packetsMetered %r, records hold %d, %d packets sent" % (
            rep.get("packetsMetered"), total, good))
    if rep.get("flowsExported") != len(records):
        p.append("report: flowsExported %r, %d JSON lines" % (rep.get("flowsExported"),
                                                                len(records)))
    cons = rep.get("conservation")
    if not isinstance(cons, dict) or cons.get("ok") is not True:
        p.append("report: conservation.ok is not true: %r" % (cons,))
    return p


def check_no_seq(truth, records):
    """Records without a tracked stream carry no seq field."""
    problems = []
    keys = {}
    for r in records:
        keys.setdefault(record_key(r), []).append(r)
    for i in truth["noSeq"]:
        exp = truth["records"][i]
        for r in keys.get(record_key(exp), []):
            if r.get("flowStartNanoseconds") != exp["flowStartNanoseconds"]:
                continue
            extra = sorted(k for k in r if k in ALL_SEQ_FIELDS)
            if extra:
                problems.append("  %s is no tracked stream but carries %s" % (
                    describe_rec(r), ", ".join("%s=%s" % (k, json.dumps(r[k]))
                                               for k in extra)))
    return problems


def check_invariant(records):
    problems = []
    n = 0
    for r in records:
        for direction in ("forward", "reverse"):
            f = seq_fields(r, direction)
            if "seqStreamKind" not in f:
                continue
            if not all(_num(f.get(k)) for k in COUNTER_NAMES):
                problems.append("  %s %s: counters missing or not integers: %s" % (
                    describe_rec(r), direction, json.dumps(f, sort_keys=True)))
                continue
            if f["seqPendingCount"] != 0:
                problems.append("  %s %s: pending %d at export (the window is finalized "
                                "then)" % (describe_rec(r), direction, f["seqPendingCount"]))
            if f["seqRestartCount"] != 0:
                continue           # counters add up over epochs; first/last are the last one's
            n += 1
            lhs = f["seqLastNumber"] - f["seqFirstNumber"] + 1
            rhs = f["seqUniqueCount"] + f["seqLostCount"] + f["seqPendingCount"]
            if lhs != rhs:
                problems.append("  %s %s: last %d - first %d + 1 = %d, unique %d + lost %d + "
                                "pending %d = %d" % (
                                    describe_rec(r), direction, f["seqLastNumber"],
                                    f["seqFirstNumber"], lhs, f["seqUniqueCount"],
                                    f["seqLostCount"], f["seqPendingCount"], rhs))
    return problems, n


def check_events(truth, events):
    """Gap events against the truth, grouped by stream identity."""
    problems = []
    exp_groups, got_groups = {}, {}
    for e in truth["events"]:
        exp_groups.setdefault(norm_ident(e["seqStreamKind"], e), []).append(e)
    for e in events:
        kind = e.get("seqStreamKind")
        if kind not in IDENTITY:
            problems.append("  event with seqStreamKind %r: %s" % (kind, json.dumps(e)[:300]))
            continue
        if e.get("event") not in EVENT_TYPES:
            problems.append("  unknown event type %r: %s" % (e.get("event"), json.dumps(e)[:300]))
            continue
        got_groups.setdefault(norm_ident(kind, e), []).append(e)
    for key in sorted(set(exp_groups) | set(got_groups), key=repr):
        exp, got = exp_groups.get(key, []), got_groups.get(key, [])
        ce = {t: sum(1 for e in exp if e["event"] == t) for t in EVENT_TYPES}
        cg = {t: sum(1 for e in got if e.get("event") == t) for t in EVENT_TYPES}
        if ce != cg:
            problems.append("  %s: event counts expected %s, got %s" % (
                show_ident(key), {k: v for k, v in ce.items() if v},
                {k: v for k, v in cg.items() if v}))
        by_time = {}
        for e in got:
            by_time.setdefault((e.get("timeNanoseconds"), e.get("event")), []).append(e)
        shown = 0
        for e in exp:
            cands = by_time.get((e["timeNanoseconds"], e["event"]), [])
            if not cands:
                if shown < 8:
                    problems.append("  %s: no %s event at %d (packet number %d, expected %d)"
                                    % (show_ident(key), e["event"], e["timeNanoseconds"],
                                       e["received"], e["expected"]))
                shown += 1
                continue
            g = cands.pop(0)
            diffs = []
            fields = [] if e["event"] == "restart" else ["expected", "received", "missing",
                                                          "distance"]
            for k in fields:
                if g.get(k) != e[k] or not _num(g.get(k)):
                    diffs.append("%s %s (expected %s)" % (k, json.dumps(g.get(k)), e[k]))
            for k, v in e["endpoints"].items():
                if not same_endpoint(v, g.get(k)):
                    diffs.append("%s %s (expected %s)" % (k, json.dumps(g.get(k)),
                                                          json.dumps(v)))
            if diffs:
                if shown < 8:
                    problems.append("  %s: %s event at %d: %s" % (
                        show_ident(key), e["event"], e["timeNanoseconds"], "; ".join(diffs)))
                shown += 1
        if shown > 8:
            problems.append("  %s: ... %d event problems in all" % (show_ident(key), shown))
    return problems


def check_seq_report(truth, rep):
    exp = truth["seqReport"]
    if not isinstance(rep, dict):
        return ["report: not a JSON object"]
    ss = rep.get("seqStreams")
    if not isinstance(ss, dict):
        return ["report: seqStreams is not an object: %r" % (ss,)]
    p = []
    for k in ("tracked", "withLoss", "lost", "gapEventsDropped"):
        if ss.get(k) != exp[k] or not _num(ss.get(k)):
            p.append("report: seqStreams.%s = %s, expected %s" % (k, json.dumps(ss.get(k)),
                                                                exp[k]))
    pf = exp["poolFull"]
    got = ss.get("poolFull")
    if isinstance(pf, dict):
        if not _num(got) or not pf["min"] <= got <= pf["max"]:
            p.append("report: seqStreams.poolFull = %s, expected %d..%d" % (
                json.dumps(got), pf["min"], pf["max"]))
    elif got != pf or not _num(got):
        p.append("report: seqStreams.poolFull = %s, expected %s" % (json.dumps(got), pf))
    worst = ss.get("worst")
    if not isinstance(worst, list):
        return p + ["report: seqStreams.worst is not a list: %r" % (worst,)]
    want = exp["worst"]
    if len(worst) != len(want):
        p.append("report: seqStreams.worst has %d streams, expected %d (%s)" % (
            len(worst), len(want), ", ".join(show_ident(norm_ident(w["seqStreamKind"],
                                                                    w["identity"]))
                                             for w in want)))
    got_ids = []
    for i, w in enumerate(worst):
        if not isinstance(w, dict):
            p.append("report: worst[%d] is not an object" % i)
            got_ids.append(None)
            continue
        got_ids.append(norm_ident(w.get("seqStreamKind"), w))
    # The order: ranks (lost, late + dup + too old) must follow the truth's;
    # streams of equal rank may come in any order among themselves.
    want_rank = [tuple(w["rank"]) for w in want]
    got_rank = []
    for w in worst:
        if isinstance(w, dict) and all(_num(w.get(k)) for k in (
                "seqLostCount", "seqLateCount", "seqDuplicateCount", "seqTooOldCount")):
            got_rank.append((-w["seqLostCount"], -(w["seqLateCount"] + w["seqDuplicateCount"] +
                                                   w["seqTooOldCount"])))
        else:
            got_rank.append(None)
    if got_rank != sorted(got_rank, key=lambda r: r if r is not None else (1, 1)):
        p.append("report: worst not in order (lost desc, then late+duplicate+tooOld desc): %s"
                 % [(-r[0], -r[1]) if r else None for r in got_rank])
    used = set()
    for w in want:
        key = norm_ident(w["seqStreamKind"], w["identity"])
        # Prefer an entry with the same counters: two streams may share an identity
        # (an SA that went idle and came back).
        same = [j for j in range(len(worst)) if j not in used and got_ids[j] == key]
        exact = [j for j in same if all(worst[j].get(k) == v for k, v in w["final"].items())]
        if not same:
            p.append("report: worst lacks %s (lost %d)" % (show_ident(key),
                                                            w["final"]["seqLostCount"]))
            continue
        j = (exact or same)[0]
        used.add(j)
        diffs = ["%s %s (expected %s)" % (k, json.dumps(worst[j].get(k)), v)
                 for k, v in w["final"].items() if worst[j].get(k) != v]
        if diffs:
            p.append("report: worst entry %s: %s" % (show_ident(key), "; ".join(diffs)))
    for j, g in enumerate(worst):
        if j not in used:
            p.append("report: worst lists an unexpected stream: %s" % json.dumps(g)[:300])
    # Entry i must have the rank of the truth's entry i (ties in any order).
    for i, (gr, wr) in enumerate(zip(got_rank, want_rank)):
        if gr != wr:
            p.append("report: worst[%d] has (lost, late+dup+tooOld) %s, expected %s" % (
                i, (-gr[0], -gr[1]) if gr else None, (-wr[0], -wr[1])))
            break
    return p


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

class ModelTests(unittest.TestCase):
    """The reference model, without the app."""

    def test_worked_examples(self):
        """the reference model gives SEQUENCE.md's worked examples"""
        fails = gen.self_check()
        self.assertEqual(fails, [], "\n".join(fails))

    def test_help_lists_seq_flags(self):
        """--help lists every seq flag"""
        run = run_wiremeter(["--help"], os.path.join(OPT.workdir, "runs", "help"), timeout=30)
        text = run.out + run.err
        flags = ["--gaps-json", "--seq-streams", "--seq-rtp-ports", "--seq-rtp-heuristic",
                 "--seq-tester-ports", "--seq-tester-any-udp", "--seq-esp-esn",
                 "--seq-macsec-xpn", "--seq-esp-esn-spis", "--seq-macsec-xpn-scis"]
        for k in ("macsec", "esp", "rtp", "tester"):
            flags += ["--seq-%s-window" % k, "--seq-%s-jump" % k, "--seq-%s-restart-k" % k]
        missing = [f for f in flags if not re.search(re.escape(f) + r"\b(?!-)", text)]
        self.assertEqual(missing, [], "--help does not list %s\n%s" % (missing, run.describe()))


class TruthTests(unittest.TestCase):
    """The truth files against tshark and the model, without the app."""


class RecordTests(unittest.TestCase):
    """Flow records with their seq fields."""


class InvariantTests(unittest.TestCase):
    """last - first + 1 == unique + lost + pending on every exported stream."""


class EventTests(unittest.TestCase):
    """The gap event log."""


class ReportTests(unittest.TestCase):
    """The report's seqStreams."""


def _truth_test(name):
    def test(self):
        truth = TRACES[name]
        problems = []
        frames = tshark_frames(os.path.join(OPT.workdir, "traces", truth["pcaps"][0]))
        if len(frames) != truth["packets"][0]:
            problems.append("tshark reads %d frames (distinct times), truth says %d" % (
                len(frames), truth["packets"][0]))
        n_events = 0
        for si, s in enumerate(truth["streams"]):
            feed = []
            for (ts, raw, epoch), ident in zip(s["feed"], s["feedIdentity"]):
                v = frames.get(ts)
                got = tshark_number(s["kind"], v) if v else None
                if got is None:
                    problems.append("stream %d (%s): no %s frame at %d" % (si, s["kind"],
                                                                           s["kind"], ts))
                    break
                graw, gepoch, gident = got
                want_ident = {k: (v_.lower() if isinstance(v_, str) else v_)
                              for k, v_ in ident.items()}
                if graw != raw or gepoch != epoch or gident != want_ident:
                    problems.append("stream %d: frame at %d carries %s number %d epoch %s %s; "
                                    "truth says %d epoch %s %s" % (
                                        si, ts, s["kind"], graw, gepoch, gident, raw, epoch,
                                        ident))
                    break
                feed.append((ts, graw, gepoch))
            else:
                prof = dict(s["profile"])
                snaps, evs = gen.run_stream(prof, feed, s["exports"])
                n_events += len(evs)
                for snap, (ri, direction) in zip(snaps, s["records"]):
                    rec = truth["records"][ri]
                    have = seq_fields(rec, direction)
                    diff = {k: (have.get(k), v) for k, v in snap.items() if have.get(k) != v}
                    if diff:
                        problems.append("stream %d record %d: the model on tshark's numbers "
                                        "differs from the truth: %s" % (si, ri, diff))
                if snaps[-1] != s["final"]:
                    problems.append("stream %d: final counters differ" % si)
        if n_events != len(truth["events"]):
            problems.append("the model on tshark's numbers gives %d events, the truth %d" % (
                n_events, len(truth["events"])))
        for i in truth["noSeq"]:
            extra = [k for k in truth["records"][i] if k in ALL_SEQ_FIELDS]
            if extra:
                problems.append("record %d meant without seq fields has %s" % (i, extra))
        if problems:
            self.fail("truth of %s:\n%s" % (name, "\n".join(problems[:30])))
    test.__doc__ = "truth of %s agrees with tshark and the model" % name
    return test


def _trace_test(name, check, doc, how="flags"):
    """A test of trace name run with its options given as how: it fails with
    the run's problems and those check(tr, problems) adds to them."""
    def test(self):
        tr = trace_run(name, how)
        problems = tr.run_problems()
        check(tr, problems)
        if problems:
            self.fail("%s\n%s" % (tr.header(), "\n".join(problems)))
    test.__doc__ = doc
    return test


def _check_records(tr, problems):
    problems += tr.record_errors
    if tr.records is not None:
        problems += compare_records(tr.truth["records"], tr.records)
        problems += check_no_seq(tr.truth, tr.records)
        if not tr.has_report or tr.report_error:
            problems.append(tr.report_error or "no report written")
        else:
            problems += check_basic_report(tr.truth, tr.records, tr.report)


def _check_invariant(tr, problems):
    if tr.records is not None:
        p, n = check_invariant(tr.records)
        problems += p
        single = sum(1 for s in tr.truth["streams"] for _ in s["records"]
                     if s["final"]["seqRestartCount"] == 0)
        if n < single and not problems:
            problems.append("only %d single-epoch stream exports found, the truth has %d"
                            % (n, single))
    else:
        problems += tr.record_errors


def _check_events(tr, problems):
    problems += tr.event_errors
    if tr.events is not None:
        problems += check_events(tr.truth, tr.events)


def _check_report(tr, problems):
    if not tr.has_report:
        problems.append("no report written")
    elif tr.report_error:
        problems.append(tr.report_error)
    else:
        problems += check_seq_report(tr.truth, tr.report)


class ConfigVariantTests(unittest.TestCase):
    """The traces' options given as config keys, or overridden by flags, and
    tracking turned off."""

    def test_tracking_off(self):
        """--seq-streams 0: no seq field in any record, no gap event"""
        tr = trace_run("seq_esp", "off")
        problems = tr.run_problems()
        plain = [{k: v for k, v in r.items() if k not in ALL_SEQ_FIELDS}
                 for r in tr.truth["records"]]
        if tr.records is None:
            problems += tr.record_errors
        else:
            problems += compare_records(plain, tr.records)
        if tr.events:
            problems.append("%d gap events with tracking off, first: %s" % (
                len(tr.events), json.dumps(tr.events[0])))
        if problems:
            self.fail("%s\n%s" % (tr.header(), "\n".join(problems)))


def _check_variant(tr, problems):
    if tr.records is None:
        problems += tr.record_errors
    else:
        problems += compare_records(tr.truth["records"], tr.records)
    if tr.events is not None:
        problems += check_events(tr.truth, tr.events)


def _variant_test(name, how):
    return _trace_test(name, _check_variant,
                       "%s, options %s: records and events equal the truth" % (
                           name, "as config keys" if how == "config"
                           else "overriding other config values"), how)


# Traces also run with their options in a config file, and with other values
# in the file that their flags override.
OVERRIDE_TRACES = ("seq_tester", "seq_ext_lists", "seq_restart_k", "seq_esp_esn")


class PoolTests(unittest.TestCase):
    """--seq-streams 1 with three streams at once."""

    def test_pool_exhaustion(self):
        """--seq-streams 1: no crash, poolFull counted, tracked 1, conservation ok"""
        tr = trace_run("seq_pool")
        problems = tr.run_problems()
        rep = tr.report if isinstance(tr.report, dict) else {}
        ss = rep.get("seqStreams") if isinstance(rep.get("seqStreams"), dict) else {}
        if not _num(ss.get("poolFull")) or ss.get("poolFull") < 2:
            problems.append("seqStreams.poolFull = %r, expected at least 2 (two streams "
                            "refused)" % (ss.get("poolFull"),))
        if ss.get("tracked") != 1:
            problems.append("seqStreams.tracked = %r, expected 1" % (ss.get("tracked"),))
        cons = rep.get("conservation")
        if not isinstance(cons, dict) or cons.get("ok") is not True:
            problems.append("conservation.ok is not true: %r" % (cons,))
        tracked = [r for r in tr.records or [] if "seqStreamKind" in r or
                   "reverseSeqStreamKind" in r]
        if len(tracked) != 1 or tracked[0].get("seqStreamKind") != "esp":
            problems.append("expected exactly the ESP flow to carry seq fields, got: %s" % (
                [describe_rec(r) for r in tracked]))
        if problems:
            self.fail("%s\n%s" % (tr.header(), "\n".join(problems)))


class ConfigErrorTests(unittest.TestCase):
    """Bad seq flags and keys: exit code 2 and one stderr line naming the culprit."""

    def _expect_error(self, tag, extra, name, config=None):
        good = os.path.join(OPT.workdir, "traces", TRACES["seq_esp"]["pcaps"][0])
        wmtest.expect_usage_error(self, run_wiremeter, tag, good, extra, name, config)

    def test_seq_streams_too_many(self):
        # 0 turns tracking off; the most is 2^24 per worker.
        self._expect_error("streams_big", ["--seq-streams", "16777217"], "seq-streams")

    def test_seq_streams_not_a_number(self):
        self._expect_error("streams_x", ["--seq-streams", "many"], "seq-streams")

    def test_rtp_ports_reversed_range(self):
        self._expect_error("rtp_rev", ["--seq-rtp-ports", "5006-5004"], "seq-rtp-ports")

    def test_rtp_ports_out_of_range(self):
        self._expect_error("rtp_big", ["--seq-rtp-ports", "5004,70000"], "seq-rtp-ports")

    def test_rtp_ports_garbage(self):
        self._expect_error("rtp_garbage", ["--seq-rtp-ports", "50x4"], "seq-rtp-ports")

    def test_tester_ports_bad(self):
        self._expect_error("tester_ports", ["--seq-tester-ports", "1-2-3"],
                           "seq-tester-ports")

    def test_rtp_heuristic_bad(self):
        self._expect_error("heur", ["--seq-rtp-heuristic", "maybe"], "seq-rtp-heuristic")

    def test_tester_any_udp_bad(self):
        self._expect_error("anyudp", ["--seq-tester-any-udp", "2"], "seq-tester-any-udp")

    def test_esp_window_zero(self):
        self._expect_error("espw0", ["--seq-esp-window", "0"], "seq-esp-window")

    def test_tester_window_too_big(self):
        self._expect_error("testerw", ["--seq-tester-window", "40000"], "seq-tester-window")

    def test_rtp_window_beyond_half_space(self):
        # 16-bit numbers: a window over 2^15 cannot tell ahead from behind.
        self._expect_error("rtpw", ["--seq-rtp-window", "32769"], "seq-rtp-window")

    def test_macsec_restart_k_too_big(self):
        self._expect_error("k9", ["--seq-macsec-restart-k", "9"], "seq-macsec-restart-k")

    def test_rtp_restart_k_zero(self):
        self._expect_error("k0", ["--seq-rtp-restart-k", "0"], "seq-rtp-restart-k")

    def test_esp_jump_zero(self):
        self._expect_error("jump0", ["--seq-esp-jump", "0"], "seq-esp-jump")

    def test_tester_jump_not_a_number(self):
        self._expect_error("jumpx", ["--seq-tester-jump", "far"], "seq-tester-jump")

    def test_esp_esn_bad(self):
        self._expect_error("esn", ["--seq-esp-esn", "yes please"], "seq-esp-esn")

    def test_macsec_xpn_bad(self):
        self._expect_error("xpn", ["--seq-macsec-xpn", "2"], "seq-macsec-xpn")

    def test_esn_spis_bad(self):
        self._expect_error("spis", ["--seq-esp-esn-spis", "0x1001,zz"], "seq-esp-esn-spis")

    def test_xpn_scis_bad(self):
        self._expect_error("scis", ["--seq-macsec-xpn-scis", "not-an-sci"],
                           "seq-macsec-xpn-scis")

    def test_gaps_json_unwritable(self):
        path = os.path.join(OPT.workdir, "runs", "no-such-dir", "gaps.jsonl")
        self._expect_error("gaps_unwritable", ["--gaps-json", path], path)

    def test_config_seq_window_zero(self):
        self._expect_error("cfg_window", [], "window",
                           config='{"seq": {"esp": {"window": 0}}}\n')

    def test_config_seq_unknown_key(self):
        self._expect_error("cfg_unknown", [], "bogus", config='{"seq": {"bogus": 1}}\n')

    def test_config_seq_wrong_type(self):
        self._expect_error("cfg_type", [], "streams",
                           config='{"seq": {"streams": "ten"}}\n')


def build_suite():
    for name in TRACES:
        setattr(TruthTests, "test_truth_" + name, _truth_test(name))
        setattr(RecordTests, "test_records_" + name, _trace_test(
            name, _check_records, "%s: records and their seq fields equal the truth" % name))
        setattr(InvariantTests, "test_invariant_" + name, _trace_test(
            name, _check_invariant, "%s: last - first + 1 == unique + lost + pending" % name))
        setattr(EventTests, "test_events_" + name, _trace_test(
            name, _check_events, "%s: the gap log holds the expected events" % name))
        setattr(ReportTests, "test_report_" + name, _trace_test(
            name, _check_report, "%s: the report's seqStreams" % name))
        if any(o.startswith("--seq-") for o in TRACES[name]["options"]):
            setattr(ConfigVariantTests, "test_config_" + name, _variant_test(name, "config"))
        if name in OVERRIDE_TRACES:
            setattr(ConfigVariantTests, "test_override_" + name, _variant_test(name, "override"))
    return wmtest.only(OPT.only, (ModelTests, TruthTests, RecordTests, InvariantTests,
                                  EventTests, ReportTests, PoolTests, ConfigVariantTests,
                                  ConfigErrorTests))


def main():
    global OPT, gen
    OPT, _ = wmtest.args(wmtest.replay_options, __doc__.split("\n")[0], strict=True)

    rc = wmtest.setup_traces(wmtest.missing_modules([("scapy", "python3-scapy")]) +
                             wmtest.missing_tools([("tshark", "tshark")]), GEN, TRACES)
    if rc is not None:
        return rc
    sys.path.insert(0, SCRIPTS)
    import gen_seq_traces
    gen = gen_seq_traces
    return wmtest.run_and_verdict(build_suite(), "wms")


if __name__ == "__main__":
    sys.exit(main())
