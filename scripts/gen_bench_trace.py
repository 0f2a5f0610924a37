#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Write benchmark pcaps fast, with plain struct packing (no scapy).

Usage: gen_bench_trace.py --frames {64,imix} --flows N --packets N [--payload {zero,rtp}]
                          [--dir DIR]

Prints the path of the pcap. The file is cached: its name holds every
parameter and the generator's version, it is written to a temporary name
and renamed when complete, and a second call with the same parameters
only prints the path.

Frames are Ethernet / IPv4 / UDP. Sizes are frame sizes on the wire,
FCS included, so a pcap record is 4 bytes shorter:
  64    every frame 64 bytes (60 in the file);
  imix  simple IMIX, 7:4:1 of 64, 576 and 1500-byte frames (60, 572 and
        1496 in the file), interleaved in a fixed 12-frame pattern.

Flows: packet i belongs to flow i % N and is that flow's packet k =
i // N; even k go client -> server, odd k server -> client, so flows
with two or more packets in the file are biflows. Flow f's client
address is 10.0.0.0/8 + (f * 2654435761 mod 2^24), a bijection for
f < 2^24, so every flow has its own key and keys are spread over the
address space; servers are 172.16.0.0/12 addresses, client ports
1024..65023, server ports one of 53, 80, 123, 443, 8080 (never a
tunnel's or ESP's port such as 4789 or 4500, which the parser would
treat differently), all derived from f.

Payload: zeros, or with --payload rtp an RTP header (version 2, payload
type 96) in every packet and server port 5004, so every packet carries a
sequence number wiremeter tracks: each direction of flow f is its own
stream (SSRC 2f or 2f+1) numbered 0, 1, 2, ... in the order of the file.
"""

import argparse
import os
import struct
import sys

VERSION = 1
FCS = 4
IMIX_PATTERN = (64, 64, 576, 64, 64, 576, 64, 1500, 64, 576, 64, 576)  # 7:4:1
SERVER_PORTS = (53, 80, 123, 443, 8080)
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def ip_checksum_words(words):
    s = sum(words)
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def flow_addrs(f):
    client = 0x0A000000 | ((f * 2654435761) & 0xFFFFFF)
    server = 0xAC100000 | ((f * 40503 + 1) & 0x0FFFFF)
    cport = 1024 + (f * 7919) % 64000
    sport = SERVER_PORTS[f % len(SERVER_PORTS)]
    return client, server, cport, sport


def generate(path, frames, nflows, npackets, payload="zero"):
    sizes = IMIX_PATTERN if frames == "imix" else (64,)
    rec_hdr = struct.Struct("<IIII")
    # Ethernet (14) + IPv4 (20) + UDP (8), the payload is zeros.
    hdr = struct.Struct("!6s6sH BBHHHBBH II HHHH")
    chunk = bytearray()
    # Precompute the per-flow fields once (at most 2^20 flows).
    flows = [flow_addrs(f) for f in range(nflows)]
    if payload == "rtp":
        flows = [(c, s, cp, 5004) for c, s, cp, _ in flows]
    rtp = struct.Struct("!BBHII")
    zero = bytes(1500)
    ts0 = 1700000000
    with open(path + ".tmp", "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(npackets):
            f = i % nflows
            k = i // nflows
            client, server, cport, sport = flows[f]
            if k & 1:
                src, dst, sp, dp, smac, dmac = server, client, sport, cport, MAC_B, MAC_A
            else:
                src, dst, sp, dp, smac, dmac = client, server, cport, sport, MAC_A, MAC_B
            cap = sizes[i % len(sizes)] - FCS
            ip_len = cap - 14
            ip_id = i & 0xFFFF
            csum = ip_checksum_words((0x4500, ip_len, ip_id, 0, 0x4011,
                                      src >> 16, src & 0xFFFF, dst >> 16, dst & 0xFFFF))
            us = i  # one microsecond apart; infinite_rx ignores file times
            chunk += rec_hdr.pack(ts0 + us // 1000000, us % 1000000, cap, cap)
            chunk += hdr.pack(dmac, smac, 0x0800,
                              0x45, 0, ip_len, ip_id, 0, 64, 17, csum, src, dst,
                              sp, dp, ip_len - 20, 0)
            if payload == "rtp":
                # Direction k & 1 of flow f: its (k >> 1)-th packet.
                chunk += rtp.pack(0x80, 96, (k >> 1) & 0xFFFF, k * 160, 2 * f + (k & 1))
                chunk += zero[:cap - 42 - rtp.size]
            else:
                chunk += zero[:cap - 42]
            if len(chunk) >= 1 << 22:
                out.write(chunk)
                chunk = bytearray()
        out.write(chunk)
    os.rename(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description="write a benchmark pcap (cached)")
    ap.add_argument("--frames", choices=("64", "imix"), required=True)
    ap.add_argument("--flows", type=int, required=True)
    ap.add_argument("--packets", type=int, required=True)
    ap.add_argument("--payload", choices=("zero", "rtp"), default="zero")
    ap.add_argument("--dir", default=os.environ.get("BENCH_DIR", "build/bench"))
    a = ap.parse_args()
    if not 1 <= a.flows <= 1 << 24 or a.packets < a.flows:
        ap.error("need 1 <= flows <= 2^24 and packets >= flows")
    os.makedirs(a.dir, exist_ok=True)
    path = os.path.join(a.dir, "bench-v%d-%s-%dflows-%dpkts%s.pcap" % (
        VERSION, a.frames, a.flows, a.packets, "" if a.payload == "zero" else "-" + a.payload))
    if not os.path.exists(path):
        generate(path, a.frames, a.flows, a.packets, a.payload)
    print(os.path.abspath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
