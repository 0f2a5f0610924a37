#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Generate pcap traces with known truth for wiremeter's functional tests.

Usage: gen_traces.py OUTDIR

Writes, for every trace NAME, OUTDIR/NAME.pcap (or NAME.N.pcap when a trace
feeds several ports) and OUTDIR/NAME.truth.json, plus OUTDIR/index.json
listing the trace names.

The truth is what the generator meant to send, written down as it sends it:
every frame is built together with the expected record it belongs to and the
direction it travels in, or with the parse error it must raise. Nothing here
looks up flows or runs timers: which record a packet lands in, and why each
record ends (flowEndReason), is decided by whoever designed the trace, and the
comments next to each trace say why. Counts, octets, flags and times are then
sums and extremes over the frames the designer put in each record.

Timestamps are whole microseconds since the epoch (pcap with microsecond
resolution, written here without floating point), distinct within a trace,
so flowStartNanoseconds is exactly the first frame's time * 1000.

A truth file holds:
  name, description
  pcaps         files, one per port, in --pcap order (port i reads pcaps[i])
  packets       frames per file
  options       extra wiremeter options the trace needs (after the --pcap's)
  records       the exact flow records, with exactly the README's fields
  parseErrors   every parse error name -> expected count
  portMetered   good frames per file; portParseErrors: bad frames per file
  crossCheck    protocols ("tcp", "udp") whose per-direction frame counts
                may be checked against tshark's conversation statistics
"""

import ipaddress
import json
import os
import re
import struct
import sys

try:
    from scapy.all import (ARP, GRE, ICMP, IP, LLC, STP, TCP, UDP, Dot1AD, Dot1Q, Dot3,
                           Ether, IPOption_Router_Alert, Raw)
    from scapy.layers.inet6 import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NS, IPv6,
                                    IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                    IPv6ExtHdrRouting, PadN)
    from scapy.layers.sctp import SCTP, SCTPChunkInit, SCTPChunkInitAck
    from scapy.layers.vxlan import VXLAN
    from scapy.contrib.geneve import GENEVE
    from scapy.contrib.gtp import GTP_U_Header
    from scapy.contrib.mpls import MPLS
except ImportError as exc:  # pragma: no cover - reported by the caller
    print("gen_traces.py: scapy is missing (apt-get install -y python3-scapy): %s" % exc,
          file=sys.stderr)
    sys.exit(77)

# Parse error names, in the order of WM_PKT_FOREACH_ERROR (lib/pkt/wm_pkt.h).
def _parse_error_names():
    """The parse error names, from the parser's own X-macro list, so the
    names are written once (lib/pkt/wm_pkt.h, WM_PKT_FOREACH_ERROR)."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib", "pkt",
                          "wm_pkt.h")
    with open(header) as f:
        text = f.read()
    # Only that list: the header has other X-macro lists (tunnel kinds, offloads).
    block = re.search(r"#define WM_PKT_FOREACH_ERROR\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    return re.findall(r'X\(\w+, "(\w+)"\)', block.group(1))


PARSE_ERRORS = _parse_error_names()

# flowEndReason values.
IDLE, ACTIVE, END_OF_FLOW, FORCED, RESOURCES = 1, 2, 3, 4, 5

# Every trace starts at this time (µs since the epoch), off a round second so
# that the µs -> ns conversion is visible.
T0 = 1700000000 * 1000000 + 123457

ETH_MACSEC = 0x88E5

# TCP flag bits.
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80


def at(ms):
    """Trace time: T0 plus @p ms milliseconds (a float with at most 3 decimals)."""
    return T0 + int(round(ms * 1000))


def mac(n):
    return "02:00:00:00:%02x:%02x" % (n >> 8, n & 0xff)


class Rec:
    """One expected flow record; the trace designer adds its packets."""

    def __init__(self, kind, ident, reason):
        self.kind = kind            # "ip", "l2" or "macsec"
        self.ident = ident          # identity fields, in the README's names
        self.reason = reason        # flowEndReason, decided by the designer
        self.pkts = [0, 0]
        self.octets = [0, 0]
        self.flags = [0, 0]
        self.times = []
        self.lens = []
        self.tos = None
        self.icmp = None

    def add(self, ts, direction, octets, tcp_flags=0, tos=0, icmp=None):
        self.pkts[direction] += 1
        self.octets[direction] += octets
        self.flags[direction] |= tcp_flags
        self.times.append(ts)
        self.lens.append(octets)
        if self.tos is None:
            self.tos = tos
            self.icmp = icmp

    def record(self):
        assert self.pkts[0] > 0, "record without a forward packet: %r" % (self.ident,)
        r = dict(self.ident)
        r.update({
            "flowStartNanoseconds": min(self.times) * 1000,
            "flowEndNanoseconds": max(self.times) * 1000,
            "packetDeltaCount": self.pkts[0],
            "octetDeltaCount": self.octets[0],
            "reversePacketDeltaCount": self.pkts[1],
            "reverseOctetDeltaCount": self.octets[1],
            "flowEndReason": self.reason,
        })
        if self.kind == "ip":
            r["tcpControlBits"] = self.flags[0]
            r["reverseTcpControlBits"] = self.flags[1]
            r["ipClassOfService"] = self.tos
            r["minimumIpTotalLength"] = min(self.lens)
            r["maximumIpTotalLength"] = max(self.lens)
            proto = r["protocolIdentifier"]
            if proto == 1 and "sourceIPv4Address" in r:
                r["icmpTypeCodeIPv4"] = self.icmp
            if proto == 58 and "sourceIPv6Address" in r:
                r["icmpTypeCodeIPv6"] = self.icmp
        return r


def cvlan_field(cvlan):
    """dot1qCustomerVlanId, the innermost of two or more VLAN tags: a JSON line has it
    only when it is not 0 (one tag or none), as Zeek and ipfixprobe users expect."""
    return {"dot1qCustomerVlanId": cvlan} if cvlan else {}


def tunnel_fields(encap, outer=("", ""), segment=0, teid=0, mpls=()):
    """The fields of a tunnelled IP flow's record (README: the tunnel fields): the
    outermost tunnel, its endpoints as the flow's first packet had them, the VNI or
    GRE key, the GTP-U TEID and the first three MPLS label stack sections (label << 4
    | traffic class << 1 | bottom of stack)."""
    sections = list(mpls) + [0, 0, 0]
    return {
        "encapsulation": encap, "layer2SegmentId": segment, "gtpTeid": teid,
        "mplsTopLabelStackSection": sections[0], "mplsLabelStackSection2": sections[1],
        "mplsLabelStackSection3": sections[2], "tunnelSourceAddress": outer[0],
        "tunnelDestinationAddress": outer[1],
    }


class Trace:
    """Frames of one trace (one or more files) and the records they make."""

    def __init__(self, name, description, options=(), nports=1, cross_check=()):
        self.name = name
        self.description = description
        self.options = list(options)
        self.nports = nports
        self.cross_check = list(cross_check)
        self.frames = [[] for _ in range(nports)]   # (ts, bytes, wirelen)
        self.recs = []
        self.errors = {n: 0 for n in PARSE_ERRORS}
        self.n_good = [0] * nports
        self.n_bad = [0] * nports

    # -- records -----------------------------------------------------------

    def ip_flow(self, src, dst, proto, sport=0, dport=0, reason=FORCED, vlan=0, port=0,
                spi=None, cvlan=0, tunnel=None):
        """An IPv4/IPv6 record; src is the sender of its first packet."""
        v6 = ipaddress.ip_address(src).version == 6
        fam = "IPv6" if v6 else "IPv4"
        ident = {
            "source%sAddress" % fam: str(ipaddress.ip_address(src)),
            "destination%sAddress" % fam: str(ipaddress.ip_address(dst)),
            "sourceTransportPort": sport,
            "destinationTransportPort": dport,
            "protocolIdentifier": proto,
            "vlanId": vlan,
            "ingressInterface": port,
        }
        ident.update(cvlan_field(cvlan))
        if spi is not None:
            ident["ipsecSPI"] = spi
        if tunnel is not None:
            ident.update(tunnel_fields(**tunnel))
        rec = Rec("ip", ident, reason)
        self.recs.append(rec)
        return rec

    def l2_flow(self, smac, dmac, ethertype, reason=FORCED, vlan=0, port=0, cvlan=0):
        rec = Rec("l2", {
            "sourceMacAddress": smac, "destinationMacAddress": dmac,
            "ethernetType": ethertype, "vlanId": vlan, "ingressInterface": port,
            **cvlan_field(cvlan),
        }, reason)
        self.recs.append(rec)
        return rec

    def macsec_flow(self, smac, dmac, sci, an, reason=FORCED, vlan=0, port=0, cvlan=0):
        rec = Rec("macsec", {
            "sourceMacAddress": smac, "destinationMacAddress": dmac,
            "ethernetType": ETH_MACSEC, "macsecSCI": "%016x" % sci, "macsecAN": an,
            "vlanId": vlan, "ingressInterface": port, **cvlan_field(cvlan),
        }, reason)
        self.recs.append(rec)
        return rec

    # -- frames ------------------------------------------------------------

    def _put(self, ts, data, port, wirelen):
        self.frames[port].append((ts, data, wirelen if wirelen is not None else len(data)))

    def ip(self, ts, pkt, rec, direction=0, pad_to=None, port=0, caplen=None):
        """A good IP frame built with scapy; @p rec is the record it belongs to.

        Octets are the IP total length of what was built (IPv4 header length
        field, IPv6 40 + payload length). @p pad_to appends Ethernet padding
        (not IP data); @p caplen cuts the captured bytes (snaplen), keeping
        the wire length.
        """
        data = bytes(pkt)
        # A tunnel's inner packet is the flow: its length, TOS, flags.
        flow = _innermost_ip(pkt)
        if isinstance(flow, IP):
            ipl = IP(bytes(flow))
            octets = ipl.len
            tos = ipl.tos
            assert ipl.len == len(bytes(flow))
        else:
            ip6 = IPv6(bytes(flow))
            octets = 40 + ip6.plen
            tos = ip6.tc
        flags = int(flow[TCP].flags) if TCP in flow else 0
        icmp = None
        if ICMP in flow:
            icmp = flow[ICMP].type * 256 + flow[ICMP].code
        elif IPv6 in flow:
            l4 = _icmp6_layer(flow)
            if l4 is not None:
                icmp = l4.type * 256 + l4.code
        wirelen = None
        if pad_to is not None and len(data) < pad_to:
            data += b"\x00" * (pad_to - len(data))
        if caplen is not None:
            wirelen = len(data)
            data = data[:caplen]
        rec.add(ts, direction, octets, flags, tos, icmp)
        self._put(ts, data, port, wirelen)
        self.n_good[port] += 1

    def l2(self, ts, data, rec, direction=0, l2_header=14, port=0):
        """A good non-IP or MACsec frame: octets are the bytes after the EtherType."""
        rec.add(ts, direction, len(data) - l2_header)
        self._put(ts, data, port, None)
        self.n_good[port] += 1

    def bad(self, ts, data, error, port=0, wirelen=None):
        """A malformed frame and the parse error it must raise."""
        assert error in self.errors, error
        self.errors[error] += 1
        self._put(ts, data, port, wirelen)
        self.n_bad[port] += 1

    # -- output ------------------------------------------------------------

    def pcap_names(self):
        if self.nports == 1:
            return ["%s.pcap" % self.name]
        return ["%s.%d.pcap" % (self.name, i) for i in range(self.nports)]

    def write(self, outdir):
        names = self.pcap_names()
        for port, frames in enumerate(self.frames):
            stamps = [f[0] for f in frames]
            assert len(set(stamps)) == len(stamps), "%s: timestamps not distinct" % self.name
            frames.sort(key=lambda f: f[0])
            write_pcap(os.path.join(outdir, names[port]), frames)
        truth = {
            "name": self.name,
            "description": self.description,
            "pcaps": names,
            "packets": [len(f) for f in self.frames],
            "options": self.options,
            "records": [r.record() for r in self.recs],
            "parseErrors": self.errors,
            "portMetered": self.n_good,
            "portParseErrors": self.n_bad,
            "crossCheck": self.cross_check,
        }
        with open(os.path.join(outdir, "%s.truth.json" % self.name), "w") as f:
            json.dump(truth, f, indent=1, sort_keys=True)
            f.write("\n")
        return truth


def _innermost_ip(pkt):
    """The innermost IP or IPv6 layer: the packet wiremeter meters (--tunnels inner)."""
    found, layer = None, pkt
    while layer is not None and layer.name != "NoPayload":
        if isinstance(layer, (IP, IPv6)):
            found = layer
        layer = layer.payload
    return found


def _icmp6_layer(pkt):
    for cls in (ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6ND_NS):
        if cls in pkt:
            return pkt[cls]
    return None


def write_pcap(path, frames):
    """Classic pcap, microsecond resolution, Ethernet link type."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data, wirelen in frames:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), wirelen))
            f.write(data)


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ipv4_header(src, dst, proto, total, ihl=5, version=4, frag=0, ident=1, tos=0):
    """Hand-made IPv4 header of ihl*4 bytes (options zero-filled, i.e. EOL)."""
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, total, ident, frag, 64, proto,
                      0, ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    hdr += b"\x00" * max(0, ihl * 4 - 20)
    c = csum(hdr[:20] if ihl < 5 else hdr)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:]


def ipv6_header(src, dst, nh, plen, version=6, tc=0):
    return struct.pack("!IHBB16s16s", (version << 28) | (tc << 20), plen, nh, 64,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)


def eth_header(smac, dmac, ethertype):
    return (bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) +
            struct.pack("!H", ethertype))


def sectag(tci_an, pn, sci=None, sl=0):
    tag = struct.pack("!BBI", tci_an, sl, pn)
    if sci is not None:
        tag += struct.pack("!Q", sci)
    return tag


def payload(n, seed=0):
    return bytes((seed + i * 7) & 0xff for i in range(n))


# ---------------------------------------------------------------------------
# Traces
# ---------------------------------------------------------------------------

CM, SM = mac(0x10), mac(0x20)      # client and server side MACs


def e(d=0):
    """Ethernet header of a client->server (d=0) or server->client (d=1) frame."""
    return Ether(src=CM, dst=SM) if d == 0 else Ether(src=SM, dst=CM)


def tcp_pkt(c, s, d, flags, seq=0, ack=0, data=b"", opts=None, tos=0):
    """TCP between endpoints c=(ip,port) and s=(ip,port), direction d."""
    a, b = (c, s) if d == 0 else (s, c)
    if ipaddress.ip_address(a[0]).version == 4:
        net = IP(src=a[0], dst=b[0], tos=tos, id=0x100 + seq % 1000)
    else:
        net = IPv6(src=a[0], dst=b[0], tc=tos)
    t = TCP(sport=a[1], dport=b[1], flags=flags, seq=seq, ack=ack, window=64240,
            options=opts or [])
    p = e(d) / net / t
    if data:
        p = p / Raw(data)
    return p


def udp_pkt(c, s, d, data, tos=0, df=False):
    a, b = (c, s) if d == 0 else (s, c)
    if ipaddress.ip_address(a[0]).version == 4:
        net = IP(src=a[0], dst=b[0], tos=tos, flags="DF" if df else 0)
    else:
        net = IPv6(src=a[0], dst=b[0], tc=tos)
    return e(d) / net / UDP(sport=a[1], dport=b[1]) / Raw(data)


def trace_tcp_bidir():
    t = Trace("tcp_bidir", "TCP with handshake, data both ways, FIN both ways and the last ACK "
              "absorbed in the linger; later traffic ends it (reason 3); the same 5-tuple "
              "reused after the linger is a new flow; a half-closed flow stays open (reason "
              "4); a connection closed just before the end of the file still lingers "
              "there (reason 3)",
              cross_check=["tcp", "udp"])
    c, s = ("192.0.2.10", 40001), ("198.51.100.20", 80)
    # Flow 1: complete connection, closed at 100 ms. Later packets (UDP filler from
    # 1500 ms, the reuse at 2000 ms) push packet time past 100 ms + 1 s: reason 3.
    f1 = t.ip_flow(c[0], s[0], 6, c[1], s[1], reason=END_OF_FLOW)
    mss = [("MSS", 1460), ("NOP", None), ("NOP", None), ("SAckOK", b"")]
    t.ip(at(0), tcp_pkt(c, s, 0, "S", 1000, 0, opts=mss), f1, 0)
    t.ip(at(10.001), tcp_pkt(c, s, 1, "SA", 5000, 1001, opts=mss), f1, 1)
    t.ip(at(20.002), tcp_pkt(c, s, 0, "A", 1001, 5001), f1, 0, pad_to=60)
    t.ip(at(30.003), tcp_pkt(c, s, 0, "PA", 1001, 5001, data=payload(100, 1)), f1, 0)
    t.ip(at(40.004), tcp_pkt(c, s, 1, "A", 5001, 1101), f1, 1, pad_to=60)
    t.ip(at(50.005), tcp_pkt(c, s, 1, "PA", 5001, 1101, data=payload(1000, 2)), f1, 1)
    t.ip(at(60.006), tcp_pkt(c, s, 1, "PA", 6001, 1101, data=payload(500, 3)), f1, 1)
    t.ip(at(70.007), tcp_pkt(c, s, 0, "A", 1101, 6501), f1, 0, pad_to=60)
    t.ip(at(80.008), tcp_pkt(c, s, 0, "FA", 1101, 6501), f1, 0)
    t.ip(at(90.009), tcp_pkt(c, s, 1, "FA", 6501, 1102), f1, 1)
    t.ip(at(100.010), tcp_pkt(c, s, 0, "A", 1102, 6502), f1, 0, pad_to=60)

    # Flow 2: ECN-setup connection with a DSCP, both directions marked alike; its
    # FINs come at 3000 ms and the file ends at 3300 ms, inside the linger: a flow
    # still lingering at the end of a replay ends with reason 3 (README, --tcp-linger).
    c2, s2 = ("192.0.2.11", 40002), ("198.51.100.20", 443)
    f2 = t.ip_flow(c2[0], s2[0], 6, c2[1], s2[1], reason=END_OF_FLOW)
    t.ip(at(500.011), tcp_pkt(c2, s2, 0, "SEC", 7000, 0, opts=mss, tos=0x28), f2, 0)
    t.ip(at(510.012), tcp_pkt(c2, s2, 1, "SAE", 9000, 7001, opts=mss, tos=0x28), f2, 1)
    t.ip(at(520.013), tcp_pkt(c2, s2, 0, "A", 7001, 9001, tos=0x28), f2, 0)
    t.ip(at(530.014), tcp_pkt(c2, s2, 0, "PA", 7001, 9001, data=payload(300, 4), tos=0x28), f2, 0)
    t.ip(at(540.015), tcp_pkt(c2, s2, 1, "PA", 9001, 7301, data=payload(40, 5), tos=0x28), f2, 1)
    t.ip(at(3000.016), tcp_pkt(c2, s2, 0, "FA", 7301, 9041, tos=0x28), f2, 0)
    t.ip(at(3010.017), tcp_pkt(c2, s2, 1, "FA", 9041, 7302, tos=0x28), f2, 1)
    t.ip(at(3020.018), tcp_pkt(c2, s2, 0, "A", 7302, 9042, tos=0x28), f2, 0)

    # Flow 3: half-closed (FIN from the client only, acknowledged): not an end of
    # flow, so it survives the later traffic and is flushed at the end (reason 4).
    c3, s3 = ("192.0.2.12", 40003), ("198.51.100.21", 22)
    f3 = t.ip_flow(c3[0], s3[0], 6, c3[1], s3[1], reason=FORCED)
    t.ip(at(200.019), tcp_pkt(c3, s3, 0, "S", 100, 0), f3, 0)
    t.ip(at(210.020), tcp_pkt(c3, s3, 1, "SA", 300, 101), f3, 1)
    t.ip(at(220.021), tcp_pkt(c3, s3, 0, "A", 101, 301), f3, 0)
    t.ip(at(230.022), tcp_pkt(c3, s3, 0, "FA", 101, 301), f3, 0)
    t.ip(at(240.023), tcp_pkt(c3, s3, 1, "A", 301, 102), f3, 1)

    # Flow 4: UDP filler (a DNS-like exchange) moving packet time forward.
    cu, su = ("192.0.2.10", 53000), ("198.51.100.53", 40404)
    f4 = t.ip_flow(cu[0], su[0], 17, cu[1], su[1], reason=FORCED)
    for i, ms in enumerate((1500, 2000.5, 2500, 3300)):
        t.ip(at(ms + 0.024), udp_pkt(cu, su, i % 2, payload(40 + 20 * (i % 2), i)), f4, i % 2)

    # Flow 5: flow 1's 5-tuple again at 2000 ms, 1.9 s after flow 1's last packet,
    # so past its linger: a new flow, still open at the end (reason 4).
    f5 = t.ip_flow(c[0], s[0], 6, c[1], s[1], reason=FORCED)
    t.ip(at(2000.025), tcp_pkt(c, s, 0, "S", 20000, 0, opts=mss), f5, 0)
    t.ip(at(2010.026), tcp_pkt(c, s, 1, "SA", 30000, 20001, opts=mss), f5, 1)
    t.ip(at(2020.027), tcp_pkt(c, s, 0, "A", 20001, 30001), f5, 0)
    t.ip(at(2030.028), tcp_pkt(c, s, 0, "PA", 20001, 30001, data=payload(10, 6)), f5, 0)
    return t


def trace_tcp_rst():
    t = Trace("tcp_rst", "TCP connections ended by RST: after data (client RST, a late "
              "server ACK absorbed in the linger), a SYN refused with RST|ACK, both ended "
              "by later traffic (reason 3); one reset just before the end of the file, still "
              "lingering there (reason 3 too)",
              cross_check=["tcp", "udp"])
    c, s = ("192.0.2.20", 41000), ("198.51.100.30", 8080)
    fa = t.ip_flow(c[0], s[0], 6, c[1], s[1], reason=END_OF_FLOW)
    t.ip(at(0), tcp_pkt(c, s, 0, "S", 1, 0), fa, 0)
    t.ip(at(10.001), tcp_pkt(c, s, 1, "SA", 50, 2), fa, 1)
    t.ip(at(20.002), tcp_pkt(c, s, 0, "A", 2, 51), fa, 0)
    t.ip(at(30.003), tcp_pkt(c, s, 0, "PA", 2, 51, data=payload(200, 7)), fa, 0)
    t.ip(at(40.004), tcp_pkt(c, s, 1, "PA", 51, 202, data=payload(1400, 8)), fa, 1)
    t.ip(at(50.005), tcp_pkt(c, s, 0, "R", 202, 0), fa, 0)
    # A late segment from the server 250 ms after the RST: inside the 1 s linger.
    t.ip(at(300.006), tcp_pkt(c, s, 1, "A", 1451, 202), fa, 1)

    cb, sb = ("192.0.2.21", 41001), ("198.51.100.30", 9999)
    fb = t.ip_flow(cb[0], sb[0], 6, cb[1], sb[1], reason=END_OF_FLOW)
    t.ip(at(100.007), tcp_pkt(cb, sb, 0, "S", 77, 0), fb, 0)
    t.ip(at(101.008), tcp_pkt(cb, sb, 1, "RA", 0, 78), fb, 1)

    # UDP filler up to 2500 ms: past both lingers (300 ms + 1 s, 101 ms + 1 s).
    cu, su = ("192.0.2.20", 53001), ("198.51.100.53", 40404)
    fu = t.ip_flow(cu[0], su[0], 17, cu[1], su[1], reason=FORCED)
    for i, ms in enumerate((1000, 2000, 2500)):
        t.ip(at(ms + 0.009), udp_pkt(cu, su, 0, payload(30, i)), fu, 0)

    # Reset at the very end: still lingering when the file ends, which also ends
    # it with reason 3 (README, --tcp-linger).
    cd, sd = ("192.0.2.22", 41002), ("198.51.100.31", 25)
    fd = t.ip_flow(cd[0], sd[0], 6, cd[1], sd[1], reason=END_OF_FLOW)
    t.ip(at(2600.010), tcp_pkt(cd, sd, 0, "S", 5, 0), fd, 0)
    t.ip(at(2610.011), tcp_pkt(cd, sd, 1, "SA", 9, 6), fd, 1)
    t.ip(at(2620.012), tcp_pkt(cd, sd, 0, "A", 6, 10), fd, 0)
    t.ip(at(2700.013), tcp_pkt(cd, sd, 1, "RA", 10, 6), fd, 1)
    return t


def trace_ipv6_ext():
    t = Trace("ipv6_ext", "IPv6 with hop-by-hop, routing and destination options headers "
              "before TCP, AH before UDP, and a UDP datagram in two fragments (both on "
              "the ports' flow: the fragment table knows the first one's ports)",
              cross_check=["tcp"])
    c, s = ("2001:db8:1::10", 50000), ("2001:db8:2::20", 443)
    f1 = t.ip_flow(c[0], s[0], 6, c[1], s[1], reason=FORCED)

    def ext6(d, tcp, data=b""):
        a, b = (c, s) if d == 0 else (s, c)
        p = (e(d) / IPv6(src=a[0], dst=b[0], tc=0x20) / IPv6ExtHdrHopByHop() /
             IPv6ExtHdrRouting(addresses=[b[0]], segleft=0) /
             IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 10)]) / tcp)
        return p / Raw(data) if data else p

    # Client -> server carries the three extension headers; replies are plain.
    t.ip(at(0), ext6(0, TCP(sport=c[1], dport=s[1], flags="S", seq=1)), f1, 0)
    t.ip(at(5.001), tcp_pkt(c, s, 1, "SA", 100, 2, tos=0x20), f1, 1)
    t.ip(at(10.002), ext6(0, TCP(sport=c[1], dport=s[1], flags="A", seq=2, ack=101)), f1, 0)
    t.ip(at(15.003), ext6(0, TCP(sport=c[1], dport=s[1], flags="PA", seq=2, ack=101),
                          payload(222, 1)), f1, 0)
    t.ip(at(20.004), tcp_pkt(c, s, 1, "PA", 101, 224, data=payload(999, 2), tos=0x20), f1, 1)

    # UDP behind an AH header (next header 17, 24 bytes with a 12-byte ICV).
    ca, sa = ("2001:db8:1::11", 5001), ("2001:db8:2::21", 5002)
    fa = t.ip_flow(ca[0], sa[0], 17, ca[1], sa[1], reason=FORCED)
    for i in range(2):
        udp = bytes(IPv6(src=ca[0], dst=sa[0]) / UDP(sport=ca[1], dport=sa[1]) /
                    Raw(payload(50, i)))[40:]
        ah = struct.pack("!BBHII", 17, 4, 0, 0x0a0a0a0a, i + 1) + b"\xaa" * 12
        p = e(0) / IPv6(src=ca[0], dst=sa[0], nh=51) / Raw(ah + udp)
        t.ip(at(30.005 + i), p, fa, 0)

    # A 2000-byte UDP datagram in two fragments, behind a hop-by-hop header.
    cf, sf = ("2001:db8:1::12", 6000), ("2001:db8:2::22", 6001)
    ff = t.ip_flow(cf[0], sf[0], 17, cf[1], sf[1], reason=FORCED)
    dgram = bytes(IPv6(src=cf[0], dst=sf[0]) / UDP(sport=cf[1], dport=sf[1]) /
                  Raw(payload(1992, 3)))[40:]
    parts = [(0, 1, dgram[:1232]), (1232 // 8, 0, dgram[1232:])]
    for i, (off, more, chunk) in enumerate(parts):
        p = (e(0) / IPv6(src=cf[0], dst=sf[0]) / IPv6ExtHdrHopByHop() /
             IPv6ExtHdrFragment(nh=17, offset=off, m=more, id=0xabcd) / Raw(chunk))
        t.ip(at(40.006 + i), p, ff, 0)
    # The reply is whole: the reverse direction of the ports' flow.
    t.ip(at(45.008), udp_pkt(cf, sf, 1, payload(20, 4)), ff, 1)
    return t


def trace_vlan():
    t = Trace("vlan", "one UDP 5-tuple untagged, on 802.1Q VLANs 10 (with and without a "
              "priority) and 20, and on QinQ with outer 0x88A8/0x9100/0x8100: the outer "
              "VLAN id (vlanId) and the inner one (dot1qCustomerVlanId) are both part of "
              "the key", cross_check=["udp"])
    c, s = ("192.0.2.40", 7000), ("198.51.100.40", 7001)

    def vp(d, tags, n, tpid=None):
        """UDP c<->s inside the VLAN tags [(vid, prio), ...], outermost first."""
        a, b = (c, s) if d == 0 else (s, c)
        p = e(d)
        for i, (vid, prio) in enumerate(tags):
            if i == 0 and tpid == 0x88A8:
                p = p / Dot1AD(vlan=vid, prio=prio)
            else:
                p = p / Dot1Q(vlan=vid, prio=prio)
        p = p / IP(src=a[0], dst=b[0]) / UDP(sport=a[1], dport=b[1]) / Raw(payload(n, n))
        if tpid is not None and tpid != 0x88A8:
            p[Ether].type = tpid
        return p

    r0 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=0)
    t.ip(at(0), vp(0, [], 10), r0, 0)
    t.ip(at(100.001), vp(1, [], 11), r0, 1)
    r10 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=10)
    t.ip(at(200.002), vp(0, [(10, 0)], 12), r10, 0)
    t.ip(at(300.003), vp(1, [(10, 0)], 13), r10, 1)
    t.ip(at(400.004), vp(0, [(10, 5)], 14), r10, 0)      # PCP 5: still VLAN 10
    t.ip(at(450.005), vp(0, [(10, 0)], 15), r10, 0)
    r20 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=20)
    t.ip(at(500.006), vp(0, [(20, 0)], 16), r20, 0)
    # Reverse first on VLAN 30: the server side is the forward direction there.
    r30 = t.ip_flow(s[0], c[0], 17, s[1], c[1], vlan=30)
    t.ip(at(550.007), vp(1, [(30, 0)], 17), r30, 0)
    t.ip(at(560.008), vp(0, [(30, 0)], 18), r30, 1)
    r100 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=100, cvlan=200)
    t.ip(at(600.009), vp(0, [(100, 0), (200, 0)], 19, tpid=0x88A8), r100, 0)
    t.ip(at(700.010), vp(1, [(100, 0), (200, 0)], 20, tpid=0x88A8), r100, 1)
    r100b = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=100, cvlan=300)
    t.ip(at(800.011), vp(0, [(100, 0), (300, 0)], 21, tpid=0x88A8), r100b, 0)  # inner 300
    r101 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=101, cvlan=200)
    t.ip(at(900.012), vp(0, [(101, 0), (200, 0)], 22, tpid=0x9100), r101, 0)
    r102 = t.ip_flow(c[0], s[0], 17, c[1], s[1], vlan=102, cvlan=200)
    t.ip(at(1000.013), vp(0, [(102, 3), (200, 0)], 23), r102, 0)
    # Another inner VLAN: another flow, whose first packet is the server's.
    r102b = t.ip_flow(s[0], c[0], 17, s[1], c[1], vlan=102, cvlan=201)
    t.ip(at(1100.014), vp(1, [(102, 0), (201, 0)], 24), r102b, 0)
    return t


def trace_ipv4_frag():
    t = Trace("ipv4_frag", "a UDP datagram in 3 IPv4 fragments (all on the ports' flow, "
              "through the fragment table), a DF-marked reply, a 2-fragment datagram from "
              "the other side landing in the reverse directions, and a 3-fragment datagram "
              "whose last fragment comes first (it waits in the fragment table and joins "
              "the ports' flow when its first fragment comes)")
    c, s = ("192.0.2.50", 5000), ("198.51.100.50", 5001)
    fp = t.ip_flow(c[0], s[0], 17, c[1], s[1], reason=FORCED)

    def frags(a, b, sport, dport, size, mtu_data, ident, t0, d, order=None):
        dgram = bytes(IP(src=a, dst=b) / UDP(sport=sport, dport=dport) /
                      Raw(payload(size, ident & 0xff)))[20:]
        offs = list(range(0, len(dgram), mtu_data))
        for i, k in enumerate(order or range(len(offs))):
            off = offs[k]
            chunk = dgram[off:off + mtu_data]
            more = off + len(chunk) < len(dgram)
            p = e(d) / IP(src=a, dst=b, id=ident, proto=17, frag=off // 8,
                          flags="MF" if more else 0) / Raw(chunk)
            # A later fragment before its first one waits for the ports, then joins.
            t.ip(at(t0 + i * 1.001), p, fp, d)

    frags(c[0], s[0], c[1], s[1], 3000, 1480, 0x1111, 0, 0)       # 1500 + 1500 + 68
    t.ip(at(50.004), udp_pkt(c, s, 1, payload(64, 9), df=True), fp, 1)
    frags(s[0], c[0], s[1], c[1], 2000, 1480, 0x2222, 100, 1)     # 1500 + 548
    frags(c[0], s[0], c[1], s[1], 3000, 1480, 0x3333, 200, 0, order=[2, 0, 1])
    return t


def trace_ipv4_misc():
    t = Trace("ipv4_misc", "IPv4 options, a DSCP, SCTP, GRE and VXLAN (metered as their "
              "inner flows), an unknown protocol (89), Ethernet padding and a capture cut by "
              "the snaplen (octets are the IP total length)")
    # UDP with a router-alert option (IHL 6) and DSCP EF both ways.
    c, s = ("192.0.2.130", 9000), ("198.51.100.130", 9001)
    fo = t.ip_flow(c[0], s[0], 17, c[1], s[1])
    t.ip(at(0), e(0) / IP(src=c[0], dst=s[0], tos=0xb8, options=[IPOption_Router_Alert()]) /
         UDP(sport=c[1], dport=s[1]) / Raw(payload(100, 1)), fo, 0)
    t.ip(at(10.001), udp_pkt(c, s, 1, payload(8, 2), tos=0xb8), fo, 1, pad_to=60)
    # SCTP INIT / INIT-ACK.
    c2, s2 = ("192.0.2.131", 3868), ("198.51.100.131", 3868)
    fs = t.ip_flow(c2[0], s2[0], 132, c2[1], s2[1])
    t.ip(at(20.002), e(0) / IP(src=c2[0], dst=s2[0]) / SCTP(sport=3868, dport=3868, tag=0) /
         SCTPChunkInit(init_tag=0x1234, a_rwnd=65535, n_out_streams=1, n_in_streams=1,
                       init_tsn=1), fs, 0)
    t.ip(at(30.003), e(1) / IP(src=s2[0], dst=c2[0]) / SCTP(sport=3868, dport=3868,
                                                            tag=0x1234) /
         SCTPChunkInitAck(init_tag=0x5678, a_rwnd=65535, n_out_streams=1, n_in_streams=1,
                          init_tsn=1), fs, 1)
    # GRE carrying IPv4/UDP: the inner UDP flow, octets the inner IP length.
    g1, g2 = "192.0.2.132", "198.51.100.132"
    fg = t.ip_flow("10.0.0.1", "10.0.0.2", 17, 40000, 40001,
                   tunnel=dict(encap="gre", outer=(g1, g2)))
    for i in range(2):
        inner = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=40000, dport=40001) / Raw(
            payload(30 + i, i))
        t.ip(at(40.004 + i), e(0) / IP(src=g1, dst=g2) / GRE() / inner, fg, 0)
    # VXLAN: the inner TCP flow.
    v1, v2 = ("192.0.2.133", 54321), ("198.51.100.133", 4789)
    fv = t.ip_flow("10.1.0.1", "10.1.0.2", 6, 1234, 80,
                   tunnel=dict(encap="vxlan", segment=42, outer=(v1[0], v2[0])))
    inner = (Ether(src=mac(0x77), dst=mac(0x78)) / IP(src="10.1.0.1", dst="10.1.0.2") /
             TCP(sport=1234, dport=80, flags="S"))
    t.ip(at(50.006), e(0) / IP(src=v1[0], dst=v2[0]) / UDP(sport=v1[1], dport=v2[1]) /
         VXLAN(vni=42) / inner, fv, 0)
    # Unknown transport (OSPF, 89): metered on addresses and protocol.
    fu = t.ip_flow("192.0.2.134", "224.0.0.5", 89)
    t.ip(at(60.007), Ether(src=CM, dst="01:00:5e:00:00:05") /
         IP(src="192.0.2.134", dst="224.0.0.5", proto=89, tos=0xc0) / Raw(payload(44, 3)), fu, 0)
    # TCP data captured with a 96-byte snaplen: octets are still the IP total length.
    c3, s3 = ("192.0.2.135", 43000), ("198.51.100.135", 80)
    ft = t.ip_flow(c3[0], s3[0], 6, c3[1], s3[1])
    t.ip(at(70.008), tcp_pkt(c3, s3, 0, "PA", 1, 1, data=payload(1400, 4)), ft, 0, caplen=96)
    t.ip(at(80.009), tcp_pkt(c3, s3, 1, "A", 1, 1401), ft, 1, pad_to=60)
    return t


def trace_snaplen_udp():
    t = Trace("snaplen_udp", "UDP datagrams captured with a 64-byte snaplen: the UDP length "
              "agrees with the IP total length, only the capture is short; the datagrams "
              "are good and octets are the IP total length", cross_check=["udp"])
    c, s = ("192.0.2.136", 44000), ("198.51.100.136", 514)
    f = t.ip_flow(c[0], s[0], 17, c[1], s[1])
    for i in range(3):
        t.ip(at(i * 10.001), udp_pkt(c, s, 0, payload(300 + i, i)), f, 0, caplen=64)
    return t


def trace_icmp():
    t = Trace("icmp", "ICMP echo request/reply (one biflow, ports 0, type/code of the "
              "first packet), ICMP time exceeded, ICMPv6 echo and neighbour solicitation")
    a, b = "192.0.2.60", "198.51.100.60"
    fe = t.ip_flow(a, b, 1)
    for i in range(2):
        t.ip(at(i * 1000), e(0) / IP(src=a, dst=b) / ICMP(type=8, id=0x42, seq=i + 1) /
             Raw(payload(56, i)), fe, 0)
        t.ip(at(i * 1000 + 1.001), e(1) / IP(src=b, dst=a) / ICMP(type=0, id=0x42, seq=i + 1) /
             Raw(payload(56, i)), fe, 1)
    # Time exceeded (type 11, code 0) from a router: its own flow.
    r = "203.0.113.1"
    ft = t.ip_flow(r, a, 1)
    quoted = bytes(IP(src=a, dst="203.0.113.99", ttl=1) / UDP(sport=33434, dport=33435))
    t.ip(at(500.002), e(1) / IP(src=r, dst=a) / ICMP(type=11, code=0) / Raw(quoted), ft, 0)
    # Destination unreachable, port unreachable (3/3): a third flow.
    fu = t.ip_flow(b, "192.0.2.61", 1)
    t.ip(at(600.003), e(1) / IP(src=b, dst="192.0.2.61") / ICMP(type=3, code=3) / Raw(quoted),
         fu, 0)
    a6, b6 = "2001:db8:1::60", "2001:db8:2::60"
    f6 = t.ip_flow(a6, b6, 58)
    for i in range(3):
        t.ip(at(100 + i * 1000), e(0) / IPv6(src=a6, dst=b6) / ICMPv6EchoRequest(
            id=7, seq=i, data=payload(32, i)), f6, 0)
        t.ip(at(100 + i * 1000 + 0.5), e(1) / IPv6(src=b6, dst=a6) / ICMPv6EchoReply(
            id=7, seq=i, data=payload(32, i)), f6, 1)
    fn = t.ip_flow(a6, "ff02::1:ff00:60", 58)
    t.ip(at(700.004), Ether(src=CM, dst="33:33:ff:00:00:60") /
         IPv6(src=a6, dst="ff02::1:ff00:60", hlim=255) / ICMPv6ND_NS(tgt=b6), fn, 0)
    return t


def trace_esp():
    t = Trace("esp", "ESP (protocol 50, IPv4 and IPv6): one flow per SA keyed by source, "
              "destination and SPI, never a reverse direction; NAT-T ESP in UDP 4500 "
              "(both 4500 and a NATed source port), and IKE (zero non-ESP marker) plus a "
              "NAT keepalive on 4500 as one plain UDP flow", cross_check=["udp"])
    a, b = "192.0.2.70", "198.51.100.70"

    def esp(src, dst, spi, seq, n, d, v6=False):
        net = IPv6(src=src, dst=dst, nh=50) if v6 else IP(src=src, dst=dst, proto=50)
        return e(d) / net / Raw(struct.pack("!II", spi, seq) + payload(n, seq))

    s1 = t.ip_flow(a, b, 50, spi=0x00001001)
    s2 = t.ip_flow(b, a, 50, spi=0x00002002)
    s3 = t.ip_flow(a, b, 50, spi=0x00001003)          # rekeyed SA, same direction
    for i in range(3):
        t.ip(at(i * 100), esp(a, b, 0x1001, i + 1, 64 + 16 * i, 0), s1, 0)
        if i < 2:
            t.ip(at(i * 100 + 50.001), esp(b, a, 0x2002, i + 1, 80, 1), s2, 0)
    t.ip(at(400.002), esp(a, b, 0x1003, 1, 64, 0), s3, 0)
    t.ip(at(410.003), esp(a, b, 0x1003, 2, 96, 0), s3, 0)
    a6, b6 = "2001:db8:1::70", "2001:db8:2::70"
    s6 = t.ip_flow(a6, b6, 50, spi=0x3003)
    t.ip(at(420.004), esp(a6, b6, 0x3003, 1, 48, 0, v6=True), s6, 0)
    t.ip(at(430.005), esp(a6, b6, 0x3003, 2, 48, 0, v6=True), s6, 0)

    # NAT-T between c:4500 and s:4500.
    c, s = ("192.0.2.71", 4500), ("198.51.100.71", 4500)
    ike = t.ip_flow(c[0], s[0], 17, 4500, 4500)
    ike_hdr = b"\x00\x00\x00\x00" + payload(8, 1) + payload(8, 2) + bytes([33, 0x20, 34, 8]) + \
        struct.pack("!II", 0, 28)
    t.ip(at(500.006), udp_pkt(c, s, 0, ike_hdr), ike, 0)
    t.ip(at(510.007), udp_pkt(c, s, 1, ike_hdr), ike, 1)
    t.ip(at(520.008), udp_pkt(c, s, 0, b"\xff"), ike, 0)    # NAT keepalive
    n1 = t.ip_flow(c[0], s[0], 17, 4500, 4500, spi=0xc0ffee01)
    n2 = t.ip_flow(s[0], c[0], 17, 4500, 4500, spi=0xc0ffee02)
    for i in range(3):
        t.ip(at(600 + i * 10.001), udp_pkt(c, s, 0, struct.pack("!II", 0xc0ffee01, i + 1) +
                                          payload(100, i)), n1, 0)
        if i < 2:
            t.ip(at(605 + i * 10.001), udp_pkt(c, s, 1, struct.pack("!II", 0xc0ffee02, i + 1) +
                                              payload(120, i)), n2, 0)
    # A NATed client: source port 40500, destination 4500.
    cn = ("192.0.2.72", 40500)
    n3 = t.ip_flow(cn[0], s[0], 17, 40500, 4500, spi=0x0badf00d)
    for i in range(2):
        t.ip(at(700 + i * 10.001), udp_pkt(cn, s, 0, struct.pack("!II", 0x0badf00d, i + 1) +
                                          payload(60, i)), n3, 0)
    return t


def macsec_frame(smac, dmac, tci_an, pn, sci=None, n=48, sl=0, vlan=None):
    hdr = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", ""))
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan)
    hdr += struct.pack("!H", ETH_MACSEC)
    return hdr + sectag(tci_an, pn, sci, sl) + payload(n, pn) + b"\x5a" * 16   # + ICV


def trace_macsec():
    t = Trace("macsec", "MACsec frames: explicit SCI (TCI.SC) and implicit SCI (source MAC "
              "+ 0x0001, with ES and SCB variants), several ANs, a short-length frame, "
              "and a VLAN-tagged frame; each (SCI, AN) is one one-way flow")
    A, B, C, D, X = mac(0xa01), mac(0xb01), mac(0xc01), mac(0xd01), mac(0xeee)
    sci_a = 0x1122334455660007
    ra0 = t.macsec_flow(A, X, sci_a, 0)
    ra1 = t.macsec_flow(A, X, sci_a, 1)
    for i in range(3):
        t.l2(at(i * 10), macsec_frame(A, X, 0x2C | 0, i + 1, sci_a, n=60 + i), ra0)
    for i in range(2):
        t.l2(at(100 + i * 10), macsec_frame(A, X, 0x2C | 1, i + 1, sci_a), ra1)
    # Implicit SCI (SC clear): source MAC 02:00:00:00:0b:01 then port 1.
    sci_b = 0x020000000b010001
    rb2 = t.macsec_flow(B, X, sci_b, 2)
    rb3 = t.macsec_flow(B, X, sci_b, 3)
    t.l2(at(200), macsec_frame(B, X, 0x0C | 2, 1), rb2)
    t.l2(at(210), macsec_frame(B, X, 0x0C | 2, 2), rb2)
    t.l2(at(220), macsec_frame(B, X, 0x0C | 3, 1), rb3)
    # A short frame: SL = 20 bytes of secure data, not encrypted (E=C=0).
    t.l2(at(230), macsec_frame(B, X, 0x00 | 3, 2, n=20, sl=20), rb3)
    # ES (end station) without SC, and SCB without SC: implicit SCI too.
    rc = t.macsec_flow(C, X, 0x020000000c010001, 0)
    t.l2(at(300), macsec_frame(C, X, 0x4C | 0, 1), rc)
    rd = t.macsec_flow(D, X, 0x020000000d010001, 1)
    t.l2(at(310), macsec_frame(D, X, 0x1C | 1, 1), rd)
    # Same SCI and AN as ra0 but on VLAN 30: its own flow.
    rv = t.macsec_flow(A, X, sci_a, 0, vlan=30)
    t.l2(at(400), macsec_frame(A, X, 0x2C | 0, 10, sci_a, vlan=30), rv, l2_header=18)
    # The reply direction of a MACsec link is another SC: X's own SCI.
    sci_x = 0x020000000eee0001
    rx = t.macsec_flow(X, A, sci_x, 0)
    t.l2(at(20.5), macsec_frame(X, A, 0x0C | 0, 1), rx)
    return t


def trace_l2():
    t = Trace("l2", "non-IP frames keyed by MACs and EtherType as biflows: ARP broadcast "
              "request, unicast ARP both ways, LLDP, and an 802.3/LLC frame (ethernetType "
              "0); octets are the bytes after the EtherType, padding included")
    A, B, C = mac(0x101), mac(0x102), mac(0x103)
    bc = "ff:ff:ff:ff:ff:ff"
    r1 = t.l2_flow(A, bc, 0x0806)
    t.l2(at(0), bytes(Ether(src=A, dst=bc) / ARP(op=1, hwsrc=A, psrc="192.0.2.1",
                                                  pdst="192.0.2.2")), r1)
    r2 = t.l2_flow(B, A, 0x0806)
    t.l2(at(1.001), bytes(Ether(src=B, dst=A) / ARP(op=2, hwsrc=B, psrc="192.0.2.2",
                                                     hwdst=A, pdst="192.0.2.1")), r2, 0)
    arp = bytes(Ether(src=A, dst=B) / ARP(op=1, hwsrc=A, psrc="192.0.2.1", pdst="192.0.2.2"))
    t.l2(at(500.002), arp + b"\x00" * (60 - len(arp)), r2, 1)     # padded to 60 bytes
    t.l2(at(501.003), bytes(Ether(src=B, dst=A) / ARP(op=2, hwsrc=B, psrc="192.0.2.2",
                                                       hwdst=A, pdst="192.0.2.1")), r2, 0)
    lldp_dst = "01:80:c2:00:00:0e"
    r3 = t.l2_flow(C, lldp_dst, 0x88CC)
    tlvs = (struct.pack("!HB", (1 << 9) | 7, 4) + bytes.fromhex(C.replace(":", "")) +
            struct.pack("!HB", (2 << 9) | 3, 7) + b"p1" +
            struct.pack("!HH", (3 << 9) | 2, 120) + b"\x00\x00")
    for i in range(2):
        t.l2(at(1000 + i * 30), eth_header(C, lldp_dst, 0x88CC) + tlvs, r3)
    stp_dst = "01:80:c2:00:00:00"
    r4 = t.l2_flow(C, stp_dst, 0)
    bpdu = bytes(Dot3(src=C, dst=stp_dst) / LLC() / STP())
    t.l2(at(1100.004), bpdu + b"\x00" * max(0, 60 - len(bpdu)), r4)
    return t


def trace_malformed():
    t = Trace("malformed", "every parse error mixed with good TCP, UDP, MACsec, ARP and "
              "8-extension-header IPv6 packets; bad frames are counted, never metered; "
              "a tunnel header that does not parse and a 3-tag VLAN stack are metered")
    A, B = mac(0x90), mac(0x91)
    c, s = ("192.0.2.90", 42000), ("198.51.100.90", 80)
    ft = t.ip_flow(c[0], s[0], 6, c[1], s[1])
    cu, su = ("192.0.2.91", 5300), ("198.51.100.91", 40405)
    fu = t.ip_flow(cu[0], su[0], 17, cu[1], su[1])
    ms = [0.0]

    def nxt():
        ms[0] += 10.001
        return at(ms[0])

    E4 = eth_header(A, B, 0x0800)
    E6 = eth_header(A, B, 0x86DD)
    v4 = lambda proto, total, **kw: ipv4_header(c[0], s[0], proto, total, **kw)
    v6 = lambda nh, plen: ipv6_header("2001:db8:9::1", "2001:db8:9::2", nh, plen)

    t.ip(nxt(), tcp_pkt(c, s, 0, "S", 10, 0), ft, 0)
    t.bad(nxt(), E4[:13], "ethTruncated")
    t.bad(nxt(), E4[:6], "ethTruncated")
    t.ip(nxt(), tcp_pkt(c, s, 1, "SA", 90, 11), ft, 1)
    t.bad(nxt(), eth_header(A, B, 0x8100) + b"\x00\x0a", "vlanTruncated")
    t.bad(nxt(), eth_header(A, B, 0x88A8) + b"\x00\x64\x81\x00\x00\xc8", "vlanTruncated")
    good_udp = bytes(IP(src=cu[0], dst=su[0]) / UDP(sport=cu[1], dport=su[1]) /
                     Raw(payload(20)))
    # Three tags are metered (outer 100, innermost 300); nine are too deep.
    f3 = t.ip_flow(cu[0], su[0], 17, cu[1], su[1], vlan=100, cvlan=300)
    t.ip(nxt(), Ether(eth_header(A, B, 0x88A8) + bytes.fromhex("0064810000c88100012c0800") +
                      good_udp), f3, 0)
    t.bad(nxt(), eth_header(A, B, 0x88A8) + bytes.fromhex("0064") +
          bytes.fromhex("8100000a") * 8 + b"\x08\x00" + good_udp, "vlanTooDeep")
    t.ip(nxt(), tcp_pkt(c, s, 0, "A", 11, 91), ft, 0)
    t.bad(nxt(), E4 + v4(6, 40)[:10], "ipv4Truncated")
    t.bad(nxt(), eth_header(A, B, 0x8100) + b"\x00\x0a\x08\x00" + v4(6, 40)[:10],
          "ipv4Truncated")
    t.bad(nxt(), E4 + v4(6, 100, ihl=15)[:40], "ipv4Truncated")   # IHL beyond the capture
    t.bad(nxt(), E4 + bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP()),
          "ipv4BadVersion")
    t.bad(nxt(), E4 + v4(6, 40, ihl=4) + b"\x00" * 24, "ipv4BadIhl")
    t.bad(nxt(), E4 + v4(6, 40, ihl=15), "ipv4BadIhl")            # IHL 60 > total 40
    t.bad(nxt(), E4 + v4(17, 12) + b"\x00" * 8, "ipv4BadTotalLength")
    t.bad(nxt(), E6 + v6(17, 8)[:30], "ipv6Truncated")
    t.bad(nxt(), E6 + v4(17, 48) + b"\x00" * 28, "ipv6BadVersion")
    # Destination options, then hop-by-hop: hop-by-hop is only allowed first.
    t.bad(nxt(), E6 + v6(60, 24) + bytes([0, 0, 1, 4, 0, 0, 0, 0]) +
          bytes([17, 0, 1, 4, 0, 0, 0, 0]) + b"\x00" * 8, "ipv6BadExtChain")
    # Hop-by-hop claiming 88 bytes in a 16-byte payload.
    t.bad(nxt(), E6 + v6(0, 16) + bytes([17, 10]) + b"\x00" * 14, "ipv6BadExtChain")
    # Nine destination options headers: more than the parser walks.
    chain = b"".join(bytes([60 if i < 8 else 17, 0, 1, 4, 0, 0, 0, 0]) for i in range(9))
    t.bad(nxt(), E6 + v6(60, len(chain) + 8) + chain + bytes(UDP(len=8)), "ipv6BadExtChain")
    t.bad(nxt(), E6 + v6(0, 4) + b"\x11\x00\x00\x00", "ipv6BadExtChain")
    # Eight destination options headers are fine: a good UDP packet.
    a6, b6 = "2001:db8:9::1", "2001:db8:9::2"
    f8 = t.ip_flow(a6, b6, 17, 7777, 8888)
    chain8 = b"".join(bytes([60 if i < 7 else 17, 0, 1, 4, 0, 0, 0, 0]) for i in range(8))
    udp8 = struct.pack("!HHHH", 7777, 8888, 8 + 12, 0) + payload(12)
    p8 = Ether(src=A, dst=B) / IPv6(src=a6, dst=b6, nh=60) / Raw(chain8 + udp8)
    t.ip(nxt(), p8, f8, 0)
    t.bad(nxt(), E4 + v4(6, 30) + b"\x00" * 10, "tcpTruncated")
    t.bad(nxt(), E6 + v6(6, 8) + b"\x00" * 8, "tcpTruncated")
    tcp16 = bytes(TCP(sport=c[1], dport=s[1], flags="A"))[:12] + b"\x40\x10" + b"\x00" * 6
    t.bad(nxt(), E4 + v4(6, 40) + tcp16, "tcpBadDataOffset")     # offset 4 words
    tcp60 = bytes(TCP(sport=c[1], dport=s[1], flags="A"))[:12] + b"\xf0\x10" + b"\x00" * 6
    t.bad(nxt(), E4 + v4(6, 40) + tcp60, "tcpBadDataOffset")     # 60 bytes claimed, 20 there
    t.ip(nxt(), tcp_pkt(c, s, 0, "PA", 11, 91, data=payload(100)), ft, 0)
    t.bad(nxt(), E4 + v4(17, 24) + b"\x14\xb4\x00\x35", "udpTruncated")
    # IP says 128 bytes, the capture holds 24 of them: 4 bytes of UDP header.
    t.bad(nxt(), E4 + v4(17, 128) + b"\x14\xb4\x00\x35", "udpTruncated", wirelen=14 + 128)
    t.bad(nxt(), E4 + v4(17, 28) + struct.pack("!HHHH", 5300, 53, 4, 0), "udpBadLength")
    t.bad(nxt(), E4 + v4(17, 40) + struct.pack("!HHHH", 5300, 53, 100, 0) + b"\x00" * 12,
          "udpBadLength")
    t.ip(nxt(), udp_pkt(cu, su, 0, payload(33)), fu, 0)
    t.bad(nxt(), E4 + v4(132, 28) + b"\x00" * 8, "sctpTruncated")
    t.bad(nxt(), E4 + v4(1, 22) + b"\x08\x00", "icmpTruncated")
    t.bad(nxt(), E6 + v6(58, 3) + b"\x80\x00\x00", "icmpTruncated")
    t.bad(nxt(), E4 + v4(50, 26) + b"\x00\x00\x10\x01\x00\x00", "espTruncated")
    t.bad(nxt(), E4 + v4(17, 33) + struct.pack("!HHHH", 4500, 4500, 13, 0) +
          b"\x12\x34\x56\x78\x01", "espTruncated")                 # 5 bytes, not a marker
    # Tunnel headers that do not parse: metered as the outer flow (tunnelUndecoded).
    fgre = t.ip_flow(c[0], s[0], 47)
    t.ip(nxt(), Ether(E4 + v4(47, 22) + b"\x00\x00"), fgre, 0)
    fvx = t.ip_flow(c[0], s[0], 17, 40000, 4789)
    t.ip(nxt(), Ether(E4 + v4(17, 32) + struct.pack("!HHHH", 40000, 4789, 12, 0) +
                      b"\x08\x00\x00\x00"), fvx, 0)
    t.ip(nxt(), udp_pkt(cu, su, 1, payload(70)), fu, 1)
    EM = eth_header(A, B, ETH_MACSEC)
    t.bad(nxt(), EM + b"\x2c\x00\x00\x00", "sectagTruncated")
    t.bad(nxt(), EM + sectag(0x2C, 1) + b"\x11\x22\x33\x44", "sectagTruncated")   # SCI cut
    t.bad(nxt(), EM + sectag(0x8C, 1) + payload(40), "sectagInvalid")             # V bit
    t.bad(nxt(), EM + sectag(0x0C, 1, sl=0x40) + payload(40), "sectagInvalid")    # SL bits
    t.bad(nxt(), EM + sectag(0x6C, 1, sci=1) + payload(40), "sectagInvalid")      # SC + ES
    t.bad(nxt(), EM + sectag(0x3C, 1, sci=1) + payload(40), "sectagInvalid")      # SC + SCB
    # A good MACsec frame and a good ARP among the bad ones.
    rm = t.macsec_flow(A, B, 0x020000000090 << 16 | 1, 1)
    t.l2(nxt(), macsec_frame(A, B, 0x0D, 7), rm)
    ra = t.l2_flow(A, "ff:ff:ff:ff:ff:ff", 0x0806)
    t.l2(nxt(), bytes(Ether(src=A, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="192.0.2.90",
                                                                  pdst="192.0.2.1")), ra)
    # TCP data captured with a 80-byte snaplen: a good packet, octets 1040.
    t.ip(nxt(), tcp_pkt(c, s, 1, "PA", 91, 111, data=payload(1000)), ft, 1, caplen=80)
    return t


def trace_idle():
    t = Trace("idle", "--idle-timeout 2: a UDP 5-tuple silent for 5 s makes two flows (the "
              "first idle, reason 1; the second started by the other side); a flow with "
              "1.5 s gaps stays one flow; a TCP flow that goes quiet ends idle",
              options=["--idle-timeout", "2"], cross_check=["tcp", "udp"])
    c, s = ("192.0.2.100", 6000), ("198.51.100.100", 6001)
    a1 = t.ip_flow(c[0], s[0], 17, c[1], s[1], reason=IDLE)
    t.ip(at(0), udp_pkt(c, s, 0, payload(10)), a1, 0)
    t.ip(at(500.001), udp_pkt(c, s, 1, payload(20)), a1, 1)
    t.ip(at(1000.002), udp_pkt(c, s, 0, payload(30)), a1, 0)
    a2 = t.ip_flow(s[0], c[0], 17, s[1], c[1], reason=FORCED)
    t.ip(at(6000.003), udp_pkt(c, s, 1, payload(40)), a2, 0)
    t.ip(at(6500.004), udp_pkt(c, s, 0, payload(50)), a2, 1)
    cb, sb = ("192.0.2.101", 6100), ("198.51.100.101", 6101)
    b = t.ip_flow(cb[0], sb[0], 17, cb[1], sb[1], reason=FORCED)
    for i in range(6):                       # 200 .. 7700 ms, 1.5 s apart
        t.ip(at(200 + 1500 * i + 0.005), udp_pkt(cb, sb, 0, payload(25)), b, 0)
    ct, st = ("192.0.2.102", 42100), ("198.51.100.102", 22)
    tc = t.ip_flow(ct[0], st[0], 6, ct[1], st[1], reason=IDLE)
    t.ip(at(300.006), tcp_pkt(ct, st, 0, "S", 1, 0), tc, 0)
    t.ip(at(310.007), tcp_pkt(ct, st, 1, "SA", 1, 2), tc, 1)
    t.ip(at(320.008), tcp_pkt(ct, st, 0, "PA", 2, 2, data=payload(48)), tc, 0)
    return t


def trace_active():
    t = Trace("active", "--active-timeout 3: a one-way UDP flow sending every ~500 ms for "
              "10 s and a request/reply UDP flow every ~1.05 s; each exports deltas every "
              "3 s from its first packet (reason 2), the rest is flushed (reason 4). "
              "Each delta record's start/end are its first/last packet",
              options=["--active-timeout", "3"], cross_check=["udp"])
    c, s = ("192.0.2.110", 7000), ("198.51.100.110", 7001)
    # Packet k at 500k + 100 + k ms (k >= 1): never within 6 ms of a 3 s boundary
    # (3000, 6000, 9000 ms), whether periods are counted from the first packet or
    # from each period's first packet.
    times = [0.0] + [500 * k + 100 + k for k in range(1, 20)]
    periods = [[tm for tm in times if lo <= tm < hi] for lo, hi in
               ((0, 3000), (3000, 6000), (6000, 9000), (9000, 1e9))]
    for i, period in enumerate(periods):
        r = t.ip_flow(c[0], s[0], 17, c[1], s[1], reason=ACTIVE if i < 3 else FORCED)
        for tm in period:
            t.ip(at(tm + 0.001), udp_pkt(c, s, 0, payload(172)), r, 0)
    # Request/reply pairs every 1050 ms from 300 ms; boundaries at 3300/6300/9300 ms.
    c2, s2 = ("192.0.2.111", 7100), ("198.51.100.111", 7101)
    starts = [300 + 1050 * k for k in range(10)]
    bounds = ((300, 3300), (3300, 6300), (6300, 9300), (9300, 1e9))
    for i, (lo, hi) in enumerate(bounds):
        r = t.ip_flow(c2[0], s2[0], 17, c2[1], s2[1], reason=ACTIVE if i < 3 else FORCED)
        for tm in (x for x in starts if lo <= x < hi):
            t.ip(at(tm + 0.002), udp_pkt(c2, s2, 0, payload(72)), r, 0)
            t.ip(at(tm + 10.003), udp_pkt(c2, s2, 1, payload(172)), r, 1)
    return t


def trace_idle_many():
    t = Trace("idle_many", "--idle-timeout 2 with 300 flows over many Rx bursts: all go idle "
              "together (more than one expiry slice), 60 come back later as new flows, and "
              "the file ends when some of those are idle and some are not",
              options=["--idle-timeout", "2"], cross_check=["udp"])
    dst = ("198.51.100.200", 9000)
    final_ms = 5805
    for i in range(300):
        c = ("192.0.2.200", 10000 + i)
        # Phase 1: a packet at i ms, a reply for every 7th, a second packet 1 s later
        # for every 3rd. The next packet of the 5-tuple, if any, is >= 2.5 s later,
        # and the file ends >= 4.5 s later: idle (reason 1).
        r1 = t.ip_flow(c[0], dst[0], 17, c[1], dst[1], reason=IDLE)
        t.ip(at(i), udp_pkt(c, dst, 0, payload(20 + i % 50, i)), r1, 0)
        if i % 7 == 0:
            t.ip(at(i + 0.5), udp_pkt(c, dst, 1, payload(30, i)), r1, 1)
        if i % 3 == 0:
            t.ip(at(1000 + i), udp_pkt(c, dst, 0, payload(10, i)), r1, 0)
        # Phase 2: every 5th comes back at 3500 + 2i ms, a new flow. At the end
        # (5805 ms) it has been quiet 2305 - 2i ms: idle when i <= 150 (>= 2005
        # ms), still open when i >= 155 (<= 1995 ms).
        if i % 5 == 0:
            r2 = t.ip_flow(c[0], dst[0], 17, c[1], dst[1], reason=IDLE if i <= 150 else FORCED)
            t.ip(at(3500 + 2 * i), udp_pkt(c, dst, 0, payload(40, i)), r2, 0)
    last = ("192.0.2.201", 9999)
    rl = t.ip_flow(last[0], dst[0], 17, last[1], dst[1], reason=FORCED)
    t.ip(at(final_ms), udp_pkt(last, dst, 0, payload(5)), rl, 0)
    return t


def trace_capacity():
    t = Trace("capacity", "--flow-capacity 4 on one worker: a new flow in a full table "
              "exports the least recently seen one (reason 5), also when an evicted "
              "5-tuple comes back", options=["--flow-capacity", "4"], cross_check=["udp"])
    dst = "198.51.100.210"

    def ep(n):
        return ("192.0.2.210", 20000 + n), (dst, 30000 + n)

    recs = {}

    def pkt(ms, n, reason, d=0, new=False):
        c, s = ep(n)
        if new:
            recs[n] = t.ip_flow(c[0], s[0], 17, c[1], s[1], reason=reason)
        t.ip(at(ms), udp_pkt(c, s, d, payload(16 + n, n)), recs[n], d)

    pkt(0, 1, FORCED, new=True)
    pkt(100, 2, RESOURCES, new=True)        # evicted at 500 ms
    pkt(200, 3, RESOURCES, new=True)        # evicted at 600 ms
    pkt(300, 4, RESOURCES, new=True)        # evicted at 700 ms
    pkt(400, 1, None, d=1)                  # flow 1 seen again: no longer the oldest
    pkt(500, 5, FORCED, new=True)           # full: flow 2 goes
    pkt(600, 6, FORCED, new=True)           # full: flow 3 goes
    pkt(700, 2, FORCED, new=True)           # flow 2 again, a new flow: flow 4 goes
    return t


def trace_two_files():
    t = Trace("two_files", "two pcap files, one packet each: port 0 and port 1",
              nports=2, cross_check=["udp"])
    for port in range(2):
        c, s = ("192.0.2.%d" % (120 + port), 8000 + port), ("198.51.100.%d" % (120 + port),
                                                            8100 + port)
        r = t.ip_flow(c[0], s[0], 17, c[1], s[1], port=port)
        t.ip(at(100 * (port + 1)), udp_pkt(c, s, 0, payload(50 + port)), r, 0, port=port)
    return t


def trace_tunnels():
    t = Trace("tunnels", "the inner flow of every encapsulation (--tunnels inner, the "
              "default): VXLAN (4789, 8472), Geneve with an option, GRE with a key, NVGRE, "
              "ERSPAN II, GTP-U, 4in4, 6in4, 4in6, 6in6, MPLS at L2 and over UDP, Teredo; "
              "octets are the inner IP length; a UDP 4789 flow that is not VXLAN and "
              "GTP-U signalling are their outer flows")
    oc, os_ = "192.0.2.200", "198.51.100.200"          # IPv4 underlay
    oc6, os6 = "2001:db8:ff::1", "2001:db8:ff::2"      # IPv6 underlay
    ms = [0.0]

    def nxt():
        ms[0] += 7.001
        return at(ms[0])

    def outer(d, v6=False):
        a, b = (oc6, os6) if v6 else (oc, os_)
        a, b = (a, b) if d == 0 else (b, a)
        return e(d) / (IPv6(src=a, dst=b) if v6 else IP(src=a, dst=b))

    def inner(n, d, proto):
        """Inner packet n (its own addresses), direction d, TCP or UDP, IPv4 or IPv6."""
        v6 = proto.endswith("6")
        c = ("2001:db8:%x::1" % n if v6 else "10.20.%d.1" % n, 40000 + n)
        s = ("2001:db8:%x::2" % n if v6 else "10.20.%d.2" % n, 443 if proto[:3] == "tcp" else 53)
        if proto[:3] == "tcp":
            p = tcp_pkt(c, s, d, "S" if d == 0 else "SA", 1, 0 if d == 0 else 2)
        else:
            p = udp_pkt(c, s, d, payload(20 + n + d, n))
        return c, s, p[IPv6] if v6 else p[IP]

    def flow(n, proto, carry, **tunnel):
        """Two packets forward and one back, each wrapped by carry(d, inner_ip)."""
        c, s, _ = inner(n, 0, proto)
        tunnel.setdefault("outer", (oc, os_))
        r = t.ip_flow(c[0], s[0], 6 if proto[:3] == "tcp" else 17, c[1], s[1], tunnel=tunnel)
        for d in (0, 1, 0):
            t.ip(nxt(), carry(d, inner(n, d, proto)[2]), r, d)

    def ieth(d):
        return Ether(src=mac(0x300 + d), dst=mac(0x301 - d))

    flow(1, "tcp", lambda d, p: outer(d) / UDP(sport=49152, dport=4789) / VXLAN(vni=5001) /
         ieth(d) / p, encap="vxlan", segment=5001)
    flow(2, "udp6", lambda d, p: outer(d) / UDP(sport=49153, dport=8472) / VXLAN(vni=5002) /
         ieth(d) / p, encap="vxlan", segment=5002)
    flow(3, "udp", lambda d, p: outer(d) / UDP(sport=49154, dport=6081) /
         GENEVE(vni=5003, proto=0x6558, optionlen=2,
                options=bytes.fromhex("0102030100000001")) / ieth(d) / p,
         encap="geneve", segment=5003)
    flow(4, "udp", lambda d, p: outer(d) / GRE(key_present=1, key=0x42, proto=0x0800) / p,
         encap="gre", segment=0x42)
    flow(5, "tcp", lambda d, p: outer(d) / GRE(key_present=1, key=0x00abcd00, proto=0x6558) /
         ieth(d) / p, encap="nvgre", segment=0x00abcd00)
    flow(6, "tcp", lambda d, p: outer(d) / GRE(seqnum_present=1, seqence_number=d + 1,
                                              proto=0x88BE) /
         Raw(bytes.fromhex("10640064") + bytes(4)) / ieth(d) / p, encap="erspan")
    # The TEID of the flow's first packet (each direction has its own).
    flow(7, "tcp", lambda d, p: outer(d) / UDP(sport=2152, dport=2152) /
         GTP_U_Header(teid=0x1234 + d, gtp_type=255) / p, encap="gtpU", teid=0x1234)
    flow(8, "udp", lambda d, p: outer(d) / p, encap="ipInIp")
    flow(9, "udp6", lambda d, p: outer(d) / p, encap="ipInIp")
    flow(10, "tcp", lambda d, p: outer(d, v6=True) / p, encap="ipInIp", outer=(oc6, os6))
    flow(11, "udp6", lambda d, p: outer(d, v6=True) / p, encap="ipInIp", outer=(oc6, os6))
    # MPLS at L2 has no outer IP endpoints; sections are label << 4 | TC << 1 | S.
    flow(12, "udp", lambda d, p: e(d) / MPLS(label=100, s=0, ttl=64) /
         MPLS(label=200 + d, s=1, ttl=64) / p, encap="mpls", outer=("", ""),
         mpls=(100 << 4, 200 << 4 | 1))
    flow(13, "tcp", lambda d, p: outer(d) / UDP(sport=49155, dport=6635) /
         MPLS(label=300, s=1, ttl=64) / p, encap="mpls", mpls=(300 << 4 | 1,))
    flow(14, "udp6", lambda d, p: outer(d) / UDP(sport=3544 if d == 0 else 40014,
                                                 dport=40014 if d == 0 else 3544) / p,
         encap="teredo")
    # UDP to 4789 that is not VXLAN (no I flag): the outer flow, counted as undecoded.
    c, s = ("192.0.2.201", 50000), ("198.51.100.201", 4789)
    r = t.ip_flow(c[0], s[0], 17, c[1], s[1])
    for d in (0, 1):
        t.ip(nxt(), udp_pkt(c, s, d, payload(40, 1)), r, d)
    # GTP-U echo request and response: signalling, the outer flow.
    c, s = ("192.0.2.202", 2152), ("198.51.100.202", 2152)
    r = t.ip_flow(c[0], s[0], 17, c[1], s[1])
    for d, typ in ((0, 1), (1, 2)):
        a, b = (c, s) if d == 0 else (s, c)
        t.ip(nxt(), e(d) / IP(src=a[0], dst=b[0]) / UDP(sport=a[1], dport=b[1]) /
             GTP_U_Header(teid=0, gtp_type=typ, S=1, seq=7) / Raw(b"\x0e\x00"), r, d)
    return t


def trace_tunnels_outer():
    t = Trace("tunnels_outer", "--tunnels outer: VXLAN, GRE and MPLS metered as their outer "
              "flows (octets the outer IP length; MPLS an L2 flow of EtherType 0x8847)",
              options=["--tunnels", "outer"])
    oc, os_ = "192.0.2.210", "198.51.100.210"
    ms = [0.0]

    def nxt():
        ms[0] += 5.001
        return at(ms[0])

    def inner(d):
        a, b = ("10.30.0.1", "10.30.0.2") if d == 0 else ("10.30.0.2", "10.30.0.1")
        return IP(src=a, dst=b) / UDP(sport=1000 + d, dport=1001 - d) / Raw(payload(30, d))

    def outer(d):
        a, b = (oc, os_) if d == 0 else (os_, oc)
        return e(d) / IP(src=a, dst=b)

    def send(rec, pkt, d):
        # Octets of the outer IP packet: what --tunnels outer meters.
        data = bytes(pkt)
        rec.add(nxt(), d, len(bytes(pkt[IP])), 0, 0, None)
        t._put(rec.times[-1], data, 0, None)
        t.n_good[0] += 1

    rv = t.ip_flow(oc, os_, 17, 49152, 4789)
    for d in (0, 0):
        send(rv, outer(0) / UDP(sport=49152, dport=4789) / VXLAN(vni=7) /
             Ether(src=mac(0x400), dst=mac(0x401)) / inner(d), 0)
    rg = t.ip_flow(oc, os_, 47)
    for d in (0, 1):
        send(rg, outer(d) / GRE(proto=0x0800) / inner(d), d)
    rm = t.l2_flow(CM, SM, 0x8847)
    for d in (0, 1):
        pkt = e(d) / MPLS(label=16, s=1, ttl=64) / inner(d)
        data = bytes(pkt)
        rm.add(nxt(), d, len(data) - 14)
        t._put(rm.times[-1], data, 0, None)
        t.n_good[0] += 1
    return t


TRACES = [trace_tcp_bidir, trace_tcp_rst, trace_ipv6_ext, trace_vlan, trace_ipv4_frag,
          trace_ipv4_misc, trace_snaplen_udp, trace_icmp, trace_esp, trace_macsec, trace_l2,
          trace_malformed, trace_idle, trace_idle_many, trace_active, trace_capacity,
          trace_two_files, trace_tunnels, trace_tunnels_outer]


def generate(outdir):
    os.makedirs(outdir, exist_ok=True)
    truths = [fn().write(outdir) for fn in TRACES]
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump([tr["name"] for tr in truths], f, indent=1)
        f.write("\n")
    return truths


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: gen_traces.py OUTDIR", file=sys.stderr)
        return 2
    for tr in generate(argv[1]):
        print("%-12s %4d frames %3d records  %s" % (tr["name"], sum(tr["packets"]),
                                                   len(tr["records"]), ", ".join(tr["pcaps"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
