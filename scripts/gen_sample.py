#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write tests/data/sample.pcap, the quick-start trace: a TCP conversation
with FIN both ways, a DNS query and answer, a ping, IPv6 TCP, a VLAN-tagged
UDP flow, an ESP SA, an ARP exchange and one truncated frame. Timestamps are
fixed so the output is reproducible."""
import sys
from scapy.all import (ARP, DNS, DNSQR, ESP, ICMP, IP, TCP, UDP, Dot1Q, Ether,
                       IPv6, Raw, wrpcap)

T0 = 1700000000.0
A, B = "02:00:00:00:00:01", "02:00:00:00:00:02"


def at(pkt, t):
    pkt.time = T0 + t
    return pkt


def main(out):
    p = []
    c, s = dict(src="192.0.2.10", dst="198.51.100.20"), dict(src="198.51.100.20", dst="192.0.2.10")
    e1, e2 = Ether(src=A, dst=B), Ether(src=B, dst=A)
    p.append(at(e1 / IP(**c) / TCP(sport=40000, dport=80, flags="S", seq=1), 0.000))
    p.append(at(e2 / IP(**s) / TCP(sport=80, dport=40000, flags="SA", seq=100, ack=2), 0.001))
    p.append(at(e1 / IP(**c) / TCP(sport=40000, dport=80, flags="A", seq=2, ack=101), 0.002))
    p.append(at(e1 / IP(**c) / TCP(sport=40000, dport=80, flags="PA", seq=2, ack=101)
                / Raw(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"), 0.003))
    for i in range(5):
        p.append(at(e2 / IP(**s) / TCP(sport=80, dport=40000, flags="A", seq=101 + i * 1000, ack=36)
                    / Raw(b"x" * 1000), 0.010 + i * 0.001))
    p.append(at(e1 / IP(**c) / TCP(sport=40000, dport=80, flags="FA", seq=36, ack=5101), 0.020))
    p.append(at(e2 / IP(**s) / TCP(sport=80, dport=40000, flags="FA", seq=5101, ack=37), 0.021))
    p.append(at(e1 / IP(**c) / TCP(sport=40000, dport=80, flags="A", seq=37, ack=5102), 0.022))
    p.append(at(e1 / IP(src="192.0.2.10", dst="192.0.2.53") / UDP(sport=5353, dport=53)
                / DNS(rd=1, qd=DNSQR(qname="example.org")), 0.100))
    p.append(at(e2 / IP(src="192.0.2.53", dst="192.0.2.10") / UDP(sport=53, dport=5353)
                / DNS(qr=1, qd=DNSQR(qname="example.org")), 0.101))
    for i in range(3):
        p.append(at(e1 / IP(**c) / ICMP(type=8, id=7, seq=i) / Raw(b"p" * 56), 0.200 + i))
        p.append(at(e2 / IP(**s) / ICMP(type=0, id=7, seq=i) / Raw(b"p" * 56), 0.2005 + i))
    p.append(at(e1 / IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=50000, dport=443, flags="S"), 0.300))
    p.append(at(e2 / IPv6(src="2001:db8::2", dst="2001:db8::1") / TCP(sport=443, dport=50000, flags="R"), 0.301))
    for i in range(4):
        p.append(at(e1 / Dot1Q(vlan=42) / IP(src="10.42.0.1", dst="10.42.0.2") / UDP(sport=4000, dport=4001)
                    / Raw(b"v" * 100), 0.400 + i * 0.01))
    for i in range(3):
        p.append(at(e1 / IP(src="203.0.113.1", dst="203.0.113.2") / ESP(spi=0x1234, seq=i + 1)
                    / Raw(b"\0" * 64), 0.500 + i * 0.01))
    p.append(at(Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="192.0.2.10", pdst="192.0.2.1"), 0.600))
    p.append(at(Ether(src="02:00:00:00:00:03", dst=A) / ARP(op=2, psrc="192.0.2.1", pdst="192.0.2.10"), 0.601))
    p.append(at(Ether(bytes(e1 / IP(**c) / TCP(sport=1, dport=2))[:30]), 0.700))
    # A capture is in time order; so is this one.
    wrpcap(out, sorted(p, key=lambda x: x.time))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/sample.pcap")
