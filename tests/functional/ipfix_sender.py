#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Traffic source of test_ipfix.py's live runs, started once per run in the
sender's network namespace (scapy is imported once, not once per phase):

    ipfix_sender.py IFACE SRC_MAC DST_MAC

Reads one JSON command per line on stdin, a list of flows
[client, server, sport, dport, forward_packets, reverse_packets, payload],
sends every flow's packets (UDP, forward and reverse alternating, the
flow's packets one after another) with sendp, and answers
"sent N" (N frames) on stdout. An empty line or EOF ends it.
"""

import json
import sys

from scapy.all import IP, UDP, Ether, Raw, conf


def frames(flow, src_mac, dst_mac):
    client, server, sport, dport, nfwd, nrev, size = flow
    out = []
    fwd = rev = 0
    while fwd < nfwd or rev < nrev:
        if fwd < nfwd:
            out.append(Ether(src=src_mac, dst=dst_mac) / IP(src=client, dst=server) /
                       UDP(sport=sport, dport=dport) / Raw(b"f" * (size + fwd)))
            fwd += 1
        if rev < nrev:
            out.append(Ether(src=src_mac, dst=dst_mac) / IP(src=server, dst=client) /
                       UDP(sport=dport, dport=sport) / Raw(b"r" * (size + 7 + rev)))
            rev += 1
    return out


def main():
    iface, src_mac, dst_mac = sys.argv[1:4]
    sock = conf.L2socket(iface=iface)
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        flows = json.loads(line)
        n = 0
        for flow in flows:
            for f in frames(flow, src_mac, dst_mac):
                sock.send(f)
                n += 1
        print("sent %d" % n, flush=True)
    sock.close()


if __name__ == "__main__":
    main()
