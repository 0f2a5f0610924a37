#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Live traffic for the soak test, sent on one end of a veth pair from inside
the test's network namespace (ip netns exec NS live_sender.py ...):

    live_sender.py --iface IF --stats FILE [--interval S] [--burst N]

- a trickle: one UDP packet of a new flow every --interval seconds (each its
  own source port), so that a flow ends by idle timeout every interval,
  whatever the endless replay on the other port does;
- on SIGUSR1, a burst of --burst packets, each a new flow (a new source
  address per burst), more than the flow table's free slots, so the table
  fills and evicts (flowEndReason 5, lack of resources).

Frames are built by hand (no scapy: speed) with a destination MAC that is
not the peer's, so the kernel on the other end drops them as PACKET_OTHERHOST
after wiremeter's af_packet socket has seen them: nothing is routed.
At SIGTERM FILE gets {"trickle": n, "burst": n, "bursts": n}.
"""
import argparse
import json
import signal
import socket
import struct
import sys
import time

DST_MAC = bytes.fromhex("020000005302")
SRC_MAC = bytes.fromhex("020000005301")
BURSTS_ASKED = 0
STOP = False


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, payload=b"soak" * 8):
    """Ethernet / IPv4 / UDP (the UDP checksum 0: allowed over IPv4)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip + udp


def main():
    global STOP
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--burst", type=int, default=1000)
    a = ap.parse_args()

    def on_usr1(*_):
        global BURSTS_ASKED
        BURSTS_ASKED += 1

    def on_term(*_):
        global STOP
        STOP = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    n_trickle = n_burst = bursts = 0
    next_t = time.monotonic()
    while not STOP:
        if bursts < BURSTS_ASKED:
            bursts += 1
            # 198.18.0.0/15 (RFC 2544 benchmarking): a new source per burst.
            src = "198.18.%d.%d" % (1 + bursts // 250, 1 + bursts % 250)
            for i in range(a.burst):
                s.send(frame(src, "198.19.0.2", 1024 + i, 9))
            n_burst += a.burst
        now = time.monotonic()
        if now >= next_t:
            s.send(frame("198.18.0.1", "198.19.0.1", 1024 + n_trickle % 60000, 9))
            n_trickle += 1
            next_t += a.interval
            if next_t < now:
                next_t = now + a.interval
        time.sleep(min(0.01, max(0.0, next_t - time.monotonic())))
    with open(a.stats, "w") as f:
        json.dump({"trickle": n_trickle, "burst": n_burst, "bursts": bursts}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
