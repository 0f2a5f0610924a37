#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Do two wiremeter binaries give the same outputs? For reshapes that promise
no behaviour change (issue 10): every functional trace (scripts/gen_traces.py
and scripts/gen_seq_traces.py) is replayed by both with the trace's own
options, one worker and two, and their JSON lines, gap logs, decoded IPFIX
files (biflow and uniflow) and reports are compared. Only what depends on the
clock or the machine is left out: IPFIX export times and the exporter's start
time, and the report's durations, rates and cycle counts.

    compare_builds.py OLD_BINARY NEW_BINARY [--workdir DIR] [--only REGEX]

Prints each difference and a closing line; exits 0 when there is none.
"""
import json
import os
import re
import shutil
import subprocess
import sys

import ipfix_decode
import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON = "/usr/bin/python3"
GENERATORS = ["gen_traces.py", "gen_seq_traces.py"]

# Report keys whose values depend on the clock or the machine.
VOLATILE = {"durationSeconds", "rxMpps", "rxGbps", "cyclesPerPacket", "busyCycles", "cycles",
            "lcore", "lcoreId", "socket", "bytes", "path", "uri"}
# IPFIX fields that carry the wall clock of the export.
IPFIX_VOLATILE = {"systemInitTimeMilliseconds", "exportTime"}
# Fields of the options records that count the run so far (RFC 7011 4.1, 4.2).
STATISTICS = {"packetTotalCount", "exportedMessageTotalCount"}


def generate(workdir):
    """Every trace of both generators: {name: (pcaps, options)}."""
    traces = {}
    for gen in GENERATORS:
        out = os.path.join(workdir, "traces-" + gen.split(".")[0])
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        subprocess.run([PYTHON, os.path.join(ROOT, "scripts", gen), out], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "index.json")) as f:
            names = json.load(f)
        for name in names:
            with open(os.path.join(out, name + ".truth.json")) as f:
                truth = json.load(f)
            traces[name] = ([os.path.join(out, p) for p in truth["pcaps"]],
                            truth.get("options", []))
    return traces


def strip(obj):
    """The report without what depends on the clock or the machine."""
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in VOLATILE}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def ipfix_view(path):
    """Per Observation Domain (one per worker): its templates and its data records,
    sorted. Message boundaries follow the --ipfix-flush timer (the wall clock), and
    two workers' messages interleave as they come, so neither is compared."""
    view = {}
    for m in ipfix_decode.decode_file(path):
        d = view.setdefault(m.domain, {"templates": set(), "records": [], "last": {}})
        d["templates"].update(repr(t) for t in m.templates)
        for tid, r in m.records:
            text = json.dumps([tid, {k: v for k, v in r.items() if k not in IPFIX_VOLATILE}],
                              sort_keys=True, default=str)
            if STATISTICS & set(r):
                # Statistics go out at the start, on the refresh timer and at
                # the end: only the last one of each template is not timing.
                d["last"][tid] = text
            else:
                d["records"].append(text)
    for d in view.values():
        d["records"].sort()
    return view


def lines(path):
    """A JSON lines file's lines, sorted: two workers' records interleave as they come."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return sorted(f.read().splitlines())


def run(binary, tag, pcaps, options, workers, mode, rundir):
    os.makedirs(rundir, exist_ok=True)
    out = {k: os.path.join(rundir, k) for k in ("flows", "gaps", "ipfix", "report")}
    cmd = [binary, "--file-prefix", "wmcmp%d_%s" % (os.getpid(), tag), "-l",
           "0-%d" % workers, "--no-huge", "-m", "1024", "--log-level=*:error", "--"]
    for p in pcaps:
        cmd += ["--pcap", p]
    cmd += options + ["--flows-json", out["flows"], "--gaps-json", out["gaps"], "--ipfix",
                      "file:" + out["ipfix"], "--ipfix-mode", mode, "--report", out["report"],
                      "--stats-interval", "0"]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=120)
    res = {"rc": p.returncode}
    for k in ("flows", "gaps"):
        res[k] = lines(out[k])
    res["ipfix"] = ipfix_view(out["ipfix"]) if os.path.exists(out["ipfix"]) else None
    if os.path.exists(out["report"]) and os.path.getsize(out["report"]) > 0:
        with open(out["report"]) as f:
            res["report"] = strip(json.load(f))
    return res


def main():
    opt = wmtest.compare_args(__doc__.split("\n")[0], "/tmp/wm-compare",
                              lambda ap: ap.add_argument(
                                  "--only", help="only the traces whose name matches this regex"))
    traces = generate(opt.workdir)
    same = diff = 0
    for name, (pcaps, options) in sorted(traces.items()):
        if opt.only and not re.search(opt.only, name):
            continue
        for workers in (1, 2):
            for mode in ("biflow", "uniflow"):
                tag = "%s_%d_%s" % (name, workers, mode)
                a = run(opt.old, "a", pcaps, options, workers, mode,
                        os.path.join(opt.workdir, "old", tag))
                b = run(opt.new, "b", pcaps, options, workers, mode,
                        os.path.join(opt.workdir, "new", tag))
                keys = [k for k in a if a[k] != b.get(k)]
                if keys:
                    diff += 1
                    print("DIFFERENT %s: %s" % (tag, ", ".join(keys)))
                else:
                    same += 1
    print("%d runs the same, %d different" % (same, diff))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
