#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""The soak test's endless replay: gen_soak_trace.py OUT.pcap [OUT.json]

One loop of a trace that wiremeter replays with infinite_rx=1:
- UDP_FLOWS UDP biflows and TCP_FLOWS TCP flows (no FIN: they never end by
  themselves), every flow active in every loop, so each is exported by the
  active timeout every second;
- RTP_STREAMS RTP streams (UDP 5004) with every GAP_EVERY-th sequence number
  left out: gap events in every loop, and a restart when the loop starts over;
- ESP_SAS ESP SAs whose numbers repeat in every loop within the reorder
  window: from the second loop on, every one of their packets is a duplicate
  event, millions a second, more than the gap-event ring's reader takes;
- MALFORMED frames cut inside the IPv4 header (parse errors, for conservation).

OUT.json says how many packets, flows and streams one loop holds.
"""
import json
import sys

UDP_FLOWS = 1400
TCP_FLOWS = 300
RTP_STREAMS = 16
RTP_PKTS = 60
GAP_EVERY = 7
ESP_SAS = 4
ESP_PKTS = 250
MALFORMED = 10


def build():
    from scapy.all import ESP, IP, TCP, UDP, Ether, Raw
    e = Ether(src="02:00:00:00:51:01", dst="02:00:00:00:51:02")
    er = Ether(src="02:00:00:00:51:02", dst="02:00:00:00:51:01")
    pkts = []
    for i in range(UDP_FLOWS):
        src, dst = "10.50.%d.%d" % (i // 250, 1 + i % 250), "10.60.0.1"
        pkts.append(e / IP(src=src, dst=dst) / UDP(sport=20000 + i, dport=53) / Raw(b"q" * 30))
        pkts.append(er / IP(src=dst, dst=src) / UDP(sport=53, dport=20000 + i) / Raw(b"a" * 90))
    for i in range(TCP_FLOWS):
        src, dst = "10.51.%d.%d" % (i // 250, 1 + i % 250), "10.61.0.1"
        pkts.append(e / IP(src=src, dst=dst) / TCP(sport=30000 + i, dport=443, flags="PA") /
                    Raw(b"t" * 200))
        pkts.append(er / IP(src=dst, dst=src) / TCP(sport=443, dport=30000 + i, flags="A"))
    for s in range(RTP_STREAMS):
        ssrc = 0x50000000 + s
        for n in range(RTP_PKTS):
            if n % GAP_EVERY == GAP_EVERY - 1:
                continue
            hdr = bytes([0x80, 96]) + n.to_bytes(2, "big") + (160 * n).to_bytes(4, "big") + \
                ssrc.to_bytes(4, "big")
            pkts.append(e / IP(src="10.52.0.%d" % (1 + s), dst="10.62.0.1") /
                        UDP(sport=5004, dport=5004) / Raw(hdr + b"\0" * 40))
    for sa in range(ESP_SAS):
        for n in range(1, ESP_PKTS + 1):
            pkts.append(e / IP(src="10.53.0.%d" % (1 + sa), dst="10.63.0.1") /
                        ESP(spi=0x1000 + sa, seq=n) / Raw(b"\0" * 48))
    for i in range(MALFORMED):
        pkts.append(Ether(bytes(e / IP(src="10.54.0.1", dst="10.64.0.1") / UDP())[:14 + 12]))
    for i, p in enumerate(pkts):
        p.time = 1700000000 + i / 1e6
    return pkts


def main(argv):
    from scapy.all import wrpcap
    pkts = build()
    wrpcap(argv[1], pkts)
    info = {"packets": len(pkts), "malformed": MALFORMED,
            "flows": UDP_FLOWS + TCP_FLOWS + RTP_STREAMS + ESP_SAS}
    if len(argv) > 2:
        with open(argv[2], "w") as f:
            json.dump(info, f)
    print(json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
