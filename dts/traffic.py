#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Trace generator for the dts suite: a small pcap with known truth.

The trace holds a handful of IPv4 conversations, interleaved in time:
TCP connections that close with FIN (client first, server first), a TCP
connection left open, UDP request/response and one-way streams, ICMP
echo with and without replies. The truth (one entry per biflow, oriented
on the sender of the flow's first packet) is computed from the packets
as they were built, never written by hand, so the two cannot disagree.

Every frame is addressed to one destination MAC (the receiving veth's),
so that no kernel drops it as "not for me" before a packet socket sees
it; the flow key does not include MACs.

Usage as a program:
    traffic.py OUT.pcap [--truth OUT.json] [--dst-mac 02:..] [--gap-us N]
"""

import argparse
import json
import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.utils import PcapWriter

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17

# TCP flag bits as in tcpControlBits (IANA IE 6).
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
_FLAG_CHARS = {FIN: "F", SYN: "S", RST: "R", PSH: "P", ACK: "A"}

DEFAULT_DST_MAC = "02:77:6d:00:00:0a"


def _host_mac(ip):
    """A stable locally administered MAC for a host address."""
    octets = [int(x) for x in ip.split(".")]
    return "02:00:%02x:%02x:%02x:%02x" % tuple(octets)


def _flags_str(bits):
    return "".join(c for b, c in _FLAG_CHARS.items() if bits & b)


class Conversation:
    """Builds the packets of one biflow and keeps its truth up to date.

    The initiator is the host that sends the first packet; `send(True,
    ...)` sends from the initiator, `send(False, ...)` from the responder.
    """

    def __init__(self, name, proto, init_ip, resp_ip, init_port=0, resp_port=0):
        self.name = name
        self.proto = proto
        self.ip = (init_ip, resp_ip)
        self.port = (init_port, resp_port)
        self.packets = []          # scapy packets, in order
        self.seq = [1000, 5000]    # next TCP sequence number per side
        self.truth = {
            "name": name,
            "protocolIdentifier": proto,
            "sourceIPv4Address": init_ip,
            "destinationIPv4Address": resp_ip,
            "sourceTransportPort": init_port if proto in (PROTO_TCP, PROTO_UDP) else 0,
            "destinationTransportPort": resp_port if proto in (PROTO_TCP, PROTO_UDP) else 0,
            "packetDeltaCount": 0,
            "octetDeltaCount": 0,
            "reversePacketDeltaCount": 0,
            "reverseOctetDeltaCount": 0,
            "tcpControlBits": 0,
            "reverseTcpControlBits": 0,
            "minimumIpTotalLength": None,
            "maximumIpTotalLength": None,
            "tcpClosed": False,
        }
        if proto == PROTO_ICMP:
            self.truth["icmpTypeCodeIPv4"] = None
        self._fin = [False, False]

    def _account(self, fwd, pkt):
        # Octets are the IP total length: IP header + payload, no L2.
        ip_len = len(bytes(pkt[IP]))
        assert ip_len == IP(bytes(pkt[IP])).len
        t = self.truth
        if fwd:
            t["packetDeltaCount"] += 1
            t["octetDeltaCount"] += ip_len
        else:
            t["reversePacketDeltaCount"] += 1
            t["reverseOctetDeltaCount"] += ip_len
        lo, hi = t["minimumIpTotalLength"], t["maximumIpTotalLength"]
        t["minimumIpTotalLength"] = ip_len if lo is None else min(lo, ip_len)
        t["maximumIpTotalLength"] = ip_len if hi is None else max(hi, ip_len)
        self.packets.append(pkt)

    def _ip(self, fwd, dst_mac):
        s, d = (0, 1) if fwd else (1, 0)
        return Ether(src=_host_mac(self.ip[s]), dst=dst_mac) / IP(
            src=self.ip[s], dst=self.ip[d], ttl=64, id=len(self.packets) + 1)

    def tcp(self, fwd, flags, payload_len=0, dst_mac=DEFAULT_DST_MAC):
        s, d = (0, 1) if fwd else (1, 0)
        ack = self.seq[d] if flags & ACK else 0
        pkt = self._ip(fwd, dst_mac) / TCP(
            sport=self.port[s], dport=self.port[d], flags=_flags_str(flags),
            seq=self.seq[s], ack=ack, window=65535) / (b"x" * payload_len)
        self.seq[s] += payload_len + (1 if flags & (SYN | FIN) else 0)
        key = "tcpControlBits" if fwd else "reverseTcpControlBits"
        self.truth[key] |= flags
        if flags & FIN:
            self._fin[s] = True
        if flags & RST or all(self._fin):
            self.truth["tcpClosed"] = True
        self._account(fwd, pkt)

    def udp(self, fwd, payload_len, dst_mac=DEFAULT_DST_MAC):
        s, d = (0, 1) if fwd else (1, 0)
        pkt = self._ip(fwd, dst_mac) / UDP(sport=self.port[s], dport=self.port[d]) / (
            bytes((i & 0xff for i in range(payload_len))))
        self._account(fwd, pkt)

    def icmp(self, fwd, icmp_type, icmp_code=0, ident=0x4d57, seq=0, payload=b"",
             dst_mac=DEFAULT_DST_MAC):
        pkt = self._ip(fwd, dst_mac) / ICMP(type=icmp_type, code=icmp_code, id=ident,
                                            seq=seq) / payload
        if self.truth["icmpTypeCodeIPv4"] is None:
            self.truth["icmpTypeCodeIPv4"] = icmp_type * 256 + icmp_code
        self._account(fwd, pkt)


def _conversations(dst_mac):
    convs = []

    def tcp_open(c):
        c.tcp(True, SYN, dst_mac=dst_mac)
        c.tcp(False, SYN | ACK, dst_mac=dst_mac)
        c.tcp(True, ACK, dst_mac=dst_mac)

    # TCP, client closes first; the client has the lower address.
    c = Conversation("tcp-client-close", PROTO_TCP, "198.51.100.10", "203.0.113.20", 40001, 80)
    tcp_open(c)
    c.tcp(True, PSH | ACK, 120, dst_mac=dst_mac)
    c.tcp(False, ACK, dst_mac=dst_mac)
    c.tcp(False, PSH | ACK, 1200, dst_mac=dst_mac)
    c.tcp(False, PSH | ACK, 733, dst_mac=dst_mac)
    c.tcp(True, ACK, dst_mac=dst_mac)
    c.tcp(True, PSH | ACK, 45, dst_mac=dst_mac)
    c.tcp(False, PSH | ACK, 300, dst_mac=dst_mac)
    c.tcp(True, FIN | ACK, dst_mac=dst_mac)
    c.tcp(False, FIN | ACK, dst_mac=dst_mac)
    c.tcp(True, ACK, dst_mac=dst_mac)
    convs.append(c)

    # TCP, server closes first; the client has the higher address.
    c = Conversation("tcp-server-close", PROTO_TCP, "203.0.113.21", "198.51.100.11", 40002, 443)
    tcp_open(c)
    c.tcp(True, PSH | ACK, 517, dst_mac=dst_mac)
    c.tcp(False, PSH | ACK, 1400, dst_mac=dst_mac)
    c.tcp(True, ACK, dst_mac=dst_mac)
    c.tcp(False, FIN | PSH | ACK, 60, dst_mac=dst_mac)
    c.tcp(True, ACK, dst_mac=dst_mac)
    c.tcp(True, FIN | ACK, dst_mac=dst_mac)
    c.tcp(False, ACK, dst_mac=dst_mac)
    convs.append(c)

    # TCP left open: no FIN, no RST; it can only end by force.
    c = Conversation("tcp-open", PROTO_TCP, "198.51.100.12", "203.0.113.22", 40003, 22)
    tcp_open(c)
    c.tcp(False, PSH | ACK, 40, dst_mac=dst_mac)
    c.tcp(True, PSH | ACK, 1000, dst_mac=dst_mac)
    c.tcp(False, ACK, dst_mac=dst_mac)
    convs.append(c)

    # TCP, a second connection between the same hosts as the first,
    # another source port: a distinct flow.
    c = Conversation("tcp-client-close-2", PROTO_TCP, "198.51.100.10", "203.0.113.20", 40004, 80)
    tcp_open(c)
    c.tcp(True, PSH | ACK, 64, dst_mac=dst_mac)
    c.tcp(False, PSH | ACK, 900, dst_mac=dst_mac)
    c.tcp(True, FIN | ACK, dst_mac=dst_mac)
    c.tcp(False, FIN | ACK, dst_mac=dst_mac)
    c.tcp(True, ACK, dst_mac=dst_mac)
    convs.append(c)

    # UDP request/response.
    c = Conversation("udp-dns", PROTO_UDP, "198.51.100.13", "203.0.113.23", 50000, 53)
    for q, r in ((33, 120), (41, 250), (29, 77)):
        c.udp(True, q, dst_mac=dst_mac)
        c.udp(False, r, dst_mac=dst_mac)
    convs.append(c)

    # UDP, same hosts and server port, another client port.
    c = Conversation("udp-dns-2", PROTO_UDP, "198.51.100.13", "203.0.113.23", 50001, 53)
    c.udp(True, 38, dst_mac=dst_mac)
    c.udp(False, 1100, dst_mac=dst_mac)
    convs.append(c)

    # UDP one way, initiator with the higher address: no reverse direction.
    c = Conversation("udp-oneway", PROTO_UDP, "203.0.113.24", "198.51.100.14", 6000, 7000)
    for n in (200, 1300, 1300, 17, 640):
        c.udp(True, n, dst_mac=dst_mac)
    convs.append(c)

    # UDP where the well-known-port side speaks first (a server push).
    c = Conversation("udp-push", PROTO_UDP, "203.0.113.26", "198.51.100.16", 123, 33000)
    c.udp(True, 48, dst_mac=dst_mac)
    c.udp(False, 48, dst_mac=dst_mac)
    c.udp(True, 48, dst_mac=dst_mac)
    convs.append(c)

    # ICMP echo and replies: one biflow (ICMP flows have ports 0).
    c = Conversation("icmp-echo", PROTO_ICMP, "198.51.100.10", "203.0.113.20")
    for s in range(3):
        c.icmp(True, 8, seq=s, payload=b"p" * 56, dst_mac=dst_mac)
        c.icmp(False, 0, seq=s, payload=b"p" * 56, dst_mac=dst_mac)
    convs.append(c)

    # ICMP echo without replies, initiator with the higher address.
    c = Conversation("icmp-unanswered", PROTO_ICMP, "203.0.113.25", "198.51.100.15")
    for s in range(2):
        c.icmp(True, 8, seq=s, payload=b"q" * 16, dst_mac=dst_mac)
    convs.append(c)

    # ICMP port unreachable, one packet, quoting the datagram it answers.
    c = Conversation("icmp-unreach", PROTO_ICMP, "203.0.113.27", "198.51.100.17")
    quoted = bytes(IP(src="198.51.100.17", dst="203.0.113.27") / UDP(sport=5000, dport=9999))
    c.icmp(True, 3, 3, ident=0, payload=quoted, dst_mac=dst_mac)
    convs.append(c)
    return convs


def build(dst_mac=DEFAULT_DST_MAC):
    """Return (packets, truth): the interleaved packets and one truth dict per flow.

    Conversations are interleaved round-robin, one packet at a time, so the
    flows overlap in time the way real ones do, while each conversation's
    own order is kept.
    """
    convs = _conversations(dst_mac)
    packets = []
    queues = [list(c.packets) for c in convs]
    while any(queues):
        for q in queues:
            if q:
                packets.append(q.pop(0))
    truth = [c.truth for c in convs]
    keys = {flow_key(t) for t in truth}
    assert len(keys) == len(truth), "two conversations share a flow key"
    return packets, truth


def flow_key(rec):
    """The oriented key of a flow record or truth entry."""
    return (rec["protocolIdentifier"], rec["sourceIPv4Address"], rec["destinationIPv4Address"],
            rec["sourceTransportPort"], rec["destinationTransportPort"])


def write_pcap(path, packets, start_s=1700000000.0, gap_us=2000):
    """Write packets with timestamps start_s + i * gap_us microseconds."""
    w = PcapWriter(path, linktype=1, sync=False)
    for i, p in enumerate(packets):
        p.time = start_s + i * gap_us / 1e6
        w.write(p)
    w.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pcap")
    ap.add_argument("--truth", help="write the truth as JSON here")
    ap.add_argument("--dst-mac", default=DEFAULT_DST_MAC)
    ap.add_argument("--gap-us", type=int, default=2000)
    a = ap.parse_args(argv)
    packets, truth = build(a.dst_mac)
    write_pcap(a.pcap, packets, gap_us=a.gap_us)
    if a.truth:
        with open(a.truth, "w") as f:
            json.dump({"packets": len(packets), "flows": truth}, f, indent=1)
    print("%s: %d packets, %d flows" % (a.pcap, len(packets), len(truth)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
