#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""A capture made with `tcpdump -i any` meters as the same flows as an
Ethernet capture of the same traffic (issue 13, item 4).

The same IP packets, at the same times, are written three ways with scapy:
behind Ethernet headers (LINKTYPE_ETHERNET), behind Linux cooked v1 headers
(LINKTYPE_LINUX_SLL, what `tcpdump -i any` wrote before libpcap 1.10) and
behind Linux cooked v2 headers (LINKTYPE_LINUX_SLL2, what it writes now),
each packet marked as sent or received by the capturing host as tcpdump
marks them. The traffic has a TCP connection with data both ways and a
FIN, UDP both ways, ICMP echo, IPv6 UDP, a UDP datagram in two IPv4
fragments, and a VXLAN-carried TCP flow (its inner flow with the tunnel's
fields). Each file is replayed through --pcap; the flow records (their MAC
fields aside: a cooked header holds one link address, or none) and the
report's totals must be equal, and the Ethernet run must hold the flows
the traffic has. Run by meson (suite functional):
    test_linktypes.py --wiremeter PATH --workdir DIR
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmtest  # noqa: E402

EAL = ["-l", "0-1", "--no-huge", "-m", "512"]
APP = ["--stats-interval", "0", "--idle-timeout", "30", "--active-timeout", "300"]
T0 = 1700000000.0
HOST, PEER = "192.0.2.10", "198.51.100.20"
HOST6, PEER6 = "2001:db8::10", "2001:db8::20"
HOST_MAC, PEER_MAC = "02:00:00:00:00:10", "02:00:00:00:00:20"
# Record fields that come from the link header, not from the IP packet.
LINK_FIELDS = ("sourceMacAddress", "destinationMacAddress")


def traffic():
    """[(time, sent by the capturing host, IP packet)]: the flows of the docstring."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.layers.vxlan import VXLAN
    from scapy.packet import Raw

    out = []

    def add(sent, pkt):
        out.append((T0 + len(out) * 0.001, sent, pkt))

    c, s = (HOST, 40000), (PEER, 443)
    add(True, IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="S", seq=1))
    add(False, IP(src=s[0], dst=c[0]) / TCP(sport=s[1], dport=c[1], flags="SA", seq=9, ack=2))
    add(True, IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="A", seq=2, ack=10))
    add(True, IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="PA", seq=2, ack=10) /
        Raw(b"q" * 300))
    add(False, IP(src=s[0], dst=c[0]) / TCP(sport=s[1], dport=c[1], flags="PA", seq=10,
                                            ack=302) / Raw(b"r" * 1200))
    add(True, IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="FA", seq=302,
                                           ack=1210))
    add(False, IP(src=s[0], dst=c[0]) / TCP(sport=s[1], dport=c[1], flags="FA", seq=1210,
                                            ack=303))
    for i in range(3):
        add(True, IP(src=HOST, dst=PEER) / UDP(sport=5353, dport=53) / Raw(bytes(20 + i)))
        add(False, IP(src=PEER, dst=HOST) / UDP(sport=53, dport=5353) / Raw(bytes(90 + i)))
    add(True, IP(src=HOST, dst=PEER) / ICMP(type=8, id=7, seq=1) / Raw(b"p" * 56))
    add(False, IP(src=PEER, dst=HOST) / ICMP(type=0, id=7, seq=1) / Raw(b"p" * 56))
    add(True, IPv6(src=HOST6, dst=PEER6) / UDP(sport=6000, dport=7000) / Raw(b"6" * 40))
    for frag in fragment(IP(src=HOST, dst=PEER, id=0x4242) / UDP(sport=9000, dport=9001) /
                         Raw(b"f" * 2000), fragsize=1480):
        add(True, frag)
    inner = (Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") /
             IP(src="10.9.0.1", dst="10.9.0.2") / TCP(sport=1234, dport=80, flags="S"))
    add(True, IP(src=HOST, dst=PEER) / UDP(sport=50000, dport=4789) / VXLAN(vni=42) / inner)
    return out


def write_captures(d):
    """The traffic as Ethernet, SLL and SLL2 captures in d: {name: path}."""
    from scapy.layers.l2 import CookedLinux, CookedLinuxV2, Ether
    from scapy.utils import wrpcap

    eth, sll, sll2 = [], [], []
    for ts, sent, ip in traffic():
        v6 = ip.version == 6
        etype = 0x86DD if v6 else 0x0800
        src, dst = (HOST_MAC, PEER_MAC) if sent else (PEER_MAC, HOST_MAC)
        frames = (
            (eth, Ether(src=src, dst=dst, type=etype) / ip.copy()),
            # Packet type 4: sent by this host; 0: addressed to it.
            (sll, CookedLinux(pkttype=4 if sent else 0, lladdrtype=1, lladdrlen=6,
                              src=bytes.fromhex(src.replace(":", "")) + b"\0\0",
                              proto=etype) / ip.copy()),
            (sll2, CookedLinuxV2(proto=etype, ifindex=2, lladdrtype=1,
                                 pkttype=4 if sent else 0, lladdrlen=6,
                                 src=bytes.fromhex(src.replace(":", "")) + b"\0\0") /
             ip.copy()),
        )
        for lst, f in frames:
            f.time = ts
            lst.append(f)
    out = {}
    for name, lst, lt in (("ethernet", eth, 1), ("sll", sll, 113), ("sll2", sll2, 276)):
        out[name] = os.path.join(d, "linktypes_%s.pcap" % name)
        wrpcap(out[name], lst, linktype=lt)
    return out


def flows(recs):
    """Records without their link-layer fields, in a stable order."""
    out = [{k: v for k, v in r.items() if k not in LINK_FIELDS} for r in recs]
    return sorted(out, key=lambda r: sorted((k, repr(v)) for k, v in r.items()))


def totals(rep):
    return {k: rep[k] for k in ("packetsMetered", "octetsMetered", "flowsCreated",
                                "parseErrors", "fragmentsAttributed", "tunnelDecoded")}


class LinkTypes(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.pcaps = write_captures(wmtest.WORKDIR)
        cls.runs = {}
        for name, path in cls.pcaps.items():
            cls.runs[name] = wmtest.run("wmlink", name, EAL, ["--pcap", path] + APP)

    def check_run(self, name):
        rc, _, err, recs, rep = self.runs[name]
        self.assertEqual(rc, 0, "%s: %s" % (name, err))
        self.assertIsNotNone(rep, "%s: no report" % name)
        self.assertTrue(rep["conservation"]["ok"], "%s: %s" % (name, rep["conservation"]))
        return recs, rep

    def test_ethernet_flows(self):
        """The Ethernet capture meters the traffic's flows: TCP, UDP, ICMP, IPv6 UDP, the
        fragmented datagram on its ports' flow, VXLAN's inner TCP flow."""
        recs, rep = self.check_run("ethernet")
        self.assertEqual(rep["packetsMetered"], len(traffic()))
        got = sorted((r["protocolIdentifier"], r.get("sourceTransportPort", 0),
                      r.get("destinationTransportPort", 0), r["packetDeltaCount"],
                      r["reversePacketDeltaCount"]) for r in recs)
        self.assertEqual(got, sorted([(6, 40000, 443, 4, 3), (17, 5353, 53, 3, 3),
                                      (1, 0, 0, 1, 1), (17, 6000, 7000, 1, 0),
                                      (17, 9000, 9001, 2, 0), (6, 1234, 80, 1, 0)]))
        vx = [r for r in recs if r.get("encapsulation") == "vxlan"]
        self.assertEqual(len(vx), 1)
        self.assertEqual(vx[0]["layer2SegmentId"], 42)

    def same_as_ethernet(self, name):
        recs, rep = self.check_run(name)
        erecs, erep = self.check_run("ethernet")
        self.assertEqual(totals(rep), totals(erep))
        self.assertEqual(flows(recs), flows(erecs))

    def test_sll_same_flows(self):
        """Linux cooked v1 (tcpdump -i any before libpcap 1.10): the Ethernet run's flows."""
        self.same_as_ethernet("sll")

    def test_sll2_same_flows(self):
        """Linux cooked v2 (tcpdump -i any now): the Ethernet run's flows."""
        self.same_as_ethernet("sll2")


def main():
    _, rest = wmtest.args()
    missing = wmtest.missing_modules([("scapy", "python3-scapy")])
    if missing:
        return wmtest.missing_exit(missing)
    os.makedirs(wmtest.WORKDIR, exist_ok=True)
    return wmtest.run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
