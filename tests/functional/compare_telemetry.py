#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Do two wiremeter binaries give the same telemetry answers? The record
side of issue 10's promise (compare_builds.py covers the files): each
binary meters the same capture files once (no endless replay, idle and
active timeouts of a day, one worker), so once the files are read its
flow table, streams and gap history stand still; then both are asked the
same record commands (/wiremeter/flows by octets and packets,
/wiremeter/flow,KEY for every flow listed, /wiremeter/streams,
/wiremeter/gaps) on the telemetry socket, and the answers are compared
as the bytes sent: names, order, values and their JSON types (the digits
of the flow and gap times masked: see CLOCK).

    compare_telemetry.py OLD_BINARY NEW_BINARY PCAP... [--workdir DIR]

Prints each difference and a closing line; exits 0 when there is none.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

import wmtest

RUNTIME = "/var/run/dpdk"
# Small enough for telemetry's 16 KB: a larger answer is null, which proves nothing.
COMMANDS = ["/wiremeter/flows,12", "/wiremeter/flows,12,packets", "/wiremeter/streams,6",
            "/wiremeter/gaps,24"]


# Flow and gap times: a run with a port that is not a file (the ring) takes its times
# from the TSC, not from the files. Only their digits are masked: a number stays a number.
CLOCK = re.compile(r'("(?:flowStart|flowEnd|time)Nanoseconds":\s*)\d+')


def ask(prefix, command):
    """One command's answer, the bytes the telemetry socket sends (dpdk-telemetry.py
    would parse them, and a repeated key would hide)."""
    path = os.path.join(RUNTIME, prefix, "dpdk_telemetry.v2")
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(30)
        s.connect(path)
        info = json.loads(s.recv(1024).decode())
        s.send(command.encode())
        raw = s.recv(info["max_output_len"]).decode()
    if json.loads(raw).get(command.split(",")[0]) is None:
        raise AssertionError("no answer to %s: %r" % (command, raw))
    return CLOCK.sub(r"\g<1>0", raw)


def ask_answered(prefix, command, tries=5):
    """ask(), again while the answer is empty: on a loaded machine the worker may not
    answer the request in time, and /wiremeter/flows is then {} (with either binary)."""
    for _ in range(tries):
        raw = ask(prefix, command)
        if json.loads(raw)[command.split(",")[0]]:
            break
        time.sleep(1)
    return raw


def wait_still(prefix, proc, timeout=120):
    """Until the files are read: the totals the same for three seconds (the main
    lcore publishes them every few hundred milliseconds)."""
    last, same, deadline = None, 0, time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError("wiremeter exited (%d)" % proc.returncode)
        try:
            now = json.loads(ask(prefix, "/wiremeter/stats,totals"))["/wiremeter/stats"]
            now["totals"].pop("snapshotAgeMs", None)
        except (AssertionError, ValueError, KeyError, OSError):
            now = None
        same = same + 1 if now is not None and now == last else 0
        if same == 3:
            return
        last = now
        time.sleep(1)
    raise AssertionError("still reading after %ds" % timeout)


def flow_keys(answer):
    """KEY of /wiremeter/flow for every IP flow of a /wiremeter/flows answer."""
    keys = []
    for f in json.loads(answer)["/wiremeter/flows"].values():
        for fam in ("IPv4", "IPv6"):
            if "source%sAddress" % fam in f:
                a, b = f["source%sAddress" % fam], f["destination%sAddress" % fam]
                if fam == "IPv6":
                    a, b = "[%s]" % a, "[%s]" % b
                keys.append("%s:%d-%s:%d/%d" % (a, f["sourceTransportPort"], b,
                                                f["destinationTransportPort"],
                                                f["protocolIdentifier"]))
    return keys


def answers(binary, tag, pcaps, workdir):
    """Every record command's answer from one binary, by command."""
    prefix = "wmtel%d%s" % (os.getpid(), tag)
    # A ring port that never receives keeps the run from ending as a replay does.
    eal = ["--no-huge", "-m", "512", "--lcores", "0@0,1@1", "--vdev", "net_ring0"]
    for i, p in enumerate(pcaps):
        eal += ["--vdev", "net_pcap%d,rx_pcap=%s" % (i, os.path.abspath(p))]
    cmd = [binary, "--file-prefix", prefix, "--log-level=*:notice"] + eal + [
        "--", "--idle-timeout", "86400", "--active-timeout", "86400", "--tcp-linger", "3600"]
    with open(os.path.join(workdir, tag + ".stderr"), "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err,
                                stdin=subprocess.DEVNULL, cwd=workdir)
    try:
        wait_still(prefix, proc)
        out = {c: ask_answered(prefix, c) for c in COMMANDS}
        for key in sorted(set(flow_keys(out[COMMANDS[0]]) + flow_keys(out[COMMANDS[1]]))):
            out["/wiremeter/flow," + key] = ask(prefix, "/wiremeter/flow," + key)
        return out
    finally:
        wmtest.stop(proc, timeout=30)
        wmtest.eal_cleanup(prefix)


def main():
    a = wmtest.compare_args(__doc__.split("\n")[0], "/tmp/wm-compare-telemetry",
                            lambda ap: ap.add_argument("pcaps", nargs="+"))
    old = answers(a.old, "old", a.pcaps, a.workdir)
    new = answers(a.new, "new", a.pcaps, a.workdir)
    with open(os.path.join(a.workdir, "answers.json"), "w") as f:
        json.dump({"old": old, "new": new}, f, indent=1)
    diff = 0
    for c in sorted(set(old) | set(new)):
        if old.get(c) != new.get(c):
            diff += 1
            print("%s:\n  old %s\n  new %s" % (c, old.get(c), new.get(c)))
    print("%d commands compared, %d different" % (len(set(old) | set(new)), diff))
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
