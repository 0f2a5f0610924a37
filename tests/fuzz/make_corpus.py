#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Write the fuzzers' seed corpora (tests/fuzz/corpus/NAME/) from the test traces.

Usage: make_corpus.py TRACES_DIR [TRACES_DIR...]

TRACES_DIR holds pcaps from scripts/gen_traces.py and scripts/gen_seq_traces.py
(tests/data/sample.pcap is always read too). Seeds are kept small, a few
hundred KB in all: the smallest distinct frames of each trace, the first
packets of each capture, the configs of config/, and the console's and
telemetry's commands as the functional tests send them. Run again after the
traces change; the fuzzers find the rest.
"""

import glob
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
OUT = os.path.join(HERE, "corpus")

FRAMES_PER_TRACE = 6
PCAP_PACKETS = 6


def read_pcap(path):
    """(global header, [(record header, frame)]) of a classic pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    recs, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        recs.append((data[off:off + 16], data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return data[:24], recs


def put(harness, name, blob):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def frames_seeds(pcaps):
    seen = set()
    for path in pcaps:
        trace = os.path.basename(path)[:-5]
        _, recs = read_pcap(path)
        frames = sorted({fr for _, fr in recs}, key=len)
        k = 0
        for fr in frames:
            h = hashlib.sha1(fr).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            put("pkt", "%s-%d" % (trace, k), fr)
            k += 1
            if k == FRAMES_PER_TRACE:
                break


def pcap_seeds(pcaps):
    for path in pcaps:
        hdr, recs = read_pcap(path)
        put("pcap", os.path.basename(path),
            hdr + b"".join(h + fr for h, fr in recs[:PCAP_PACKETS]))


def seq_seeds(pcaps):
    # Frames mode (odd first byte): a detector configuration, default
    # profiles, then the trace's first frames with a 2-byte length each.
    for path in pcaps:
        _, recs = read_pcap(path)
        conf = bytes([0x03 | 0x40, 1, 0, 0x13, 0x8c, 0, 0, 0, 0, 0])
        body = b"".join(struct.pack(">H", len(fr)) + fr for _, fr in recs[:24])
        put("seq", "frames-" + os.path.basename(path)[:-5], b"\x01" + conf + body)
    # Numbers mode (even first byte): default profiles, then operations.
    put("seq", "numbers-inorder", b"\x00" + b"\x00" * 4 + b"\x00\x00\x00\x00\x10" +
        b"\x05" * 40)
    put("seq", "numbers-gaps", b"\x00" + b"\x01\x00\x40\x01\x00\x00\x00" +
        b"\x02\x01\x00\x00\x00\x10" + b"\x05\x0c\xf0\x05\x0b\x30\x04\x12\x34\x02" * 6)


def conf_seeds():
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "*.json"))):
        with open(path, "rb") as f:
            put("conf", "file-" + os.path.basename(path), f.read())
    args = [
        ["--idle-timeout", "5", "--active-timeout", "60", "--ipfix", "udp://127.0.0.1:4739"],
        ["-c", "@", "--ipfix-mode", "uniflow", "--seq-rtp-ports", "5004-5005,6000"],
        ["--seq-esp-esn-spis", "0x1001,4098", "--seq-macsec-xpn-scis", "0x0011223344556677"],
        ["--filter", "tcp or udp", "--seq-tester-any-udp", "off", "-i"],
        ["--ipfix", "tcp://[::1]:4739", "--ipfix", "file:out.ipfix", "--ipfix-mtu", "640"],
        ["--help"],
    ]
    for i, a in enumerate(args):
        put("conf", "args-%d" % i, b'{"idle_timeout": 15, "seq": {"esp": {"window": 64}}}' +
            b"\0" + b"\0".join(x.encode() for x in a))


def ipfix_seeds():
    # how, size, export time, PEN, domain, then operations: flows (op 0, 4, 8),
    # statistics (1, 2) and an interface (3).
    head = bytes([0, 0, 0]) + b"\x65\x00\x00\x00" + b"\x00\x00\x7e\xd9" + b"\x00\x00\x00\x01"
    flow = bytes(range(1, 200))
    put("ipfix", "biflow", head + b"\x00" + flow + b"\x08" + flow + bytes(300) + b"\x01" +
        bytes(range(60)) + b"\x03\x00\x00\x00\x02\x04eth0\x05port0")
    put("ipfix", "uniflow", bytes([1]) + head[1:] + b"\x04" + flow + bytes(200) + b"\x02" +
        bytes(range(50)))


def console_seeds():
    lines = ["help", "show stats", "show port stats all", "show port stats 0", "show flows",
             "show flows top 5", "show flows sort packets", "show flows top 2 sort octets",
             "show flow 10.0.0.1:1234-10.0.0.2:80/tcp",
             "show flow [2001:db8::1]:443-[2001:db8::2]:5555/6@100", "show streams",
             "show streams lossy", "show gaps", "show gaps 3", "show lcores", "show ipfix",
             "show config", "set idle-timeout 2.5", "set active-timeout 0.5", "clear stats",
             "flush flows", "sleep 1.6", "quit", "show fl"]
    for i, l in enumerate(lines):
        put("console", "line-%02d" % i, (l + "\n").encode())
    put("console", "script", ("\n".join(lines) + "\n").encode())


def telemetry_seeds():
    reqs = ["/wiremeter/stats", "/wiremeter/stats,ports", "/wiremeter/lcores",
            "/wiremeter/flows", "/wiremeter/flows,5,packets", "/wiremeter/flows,octets",
            "/wiremeter/flow,10.0.0.1:1234-10.0.0.2:80/6",
            "/wiremeter/flow,[::1]:1-[::2]:2/udp@4095", "/wiremeter/streams,2",
            "/wiremeter/gaps,3", "/wiremeter/config"]
    for i, r in enumerate(reqs):
        put("telemetry", "req-%02d" % i, r.encode())


def main(dirs):
    pcaps = [os.path.join(ROOT, "tests", "data", "sample.pcap")]
    for d in dirs:
        pcaps += sorted(glob.glob(os.path.join(d, "*.pcap")))
    frames_seeds(pcaps)
    pcap_seeds(pcaps)
    seq_seeds([p for p in pcaps if os.path.basename(p).startswith("seq_")])
    conf_seeds()
    ipfix_seeds()
    console_seeds()
    telemetry_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
