# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""A small, strict IPFIX (RFC 7011) reader for the functional tests.

It reads a stream of messages (an RFC 5655 file, a TCP collector's
capture, or UDP payloads one by one) and gives back every message with
its header, its template records and its data records decoded into
dicts named like the JSON lines (IANA names, RFC 5103 "reverse" names).
Anything that does not add up (a length, a set running past its message,
a data set with no template, a field cut short) raises DecodeError: the
tests rely on it to say a stream is well formed, next to tshark and
ipfixDump, which may be more forgiving.

Only what wiremeter sends is named; an unknown element decodes as
"ie<PEN>.<ID>" with its raw bytes, so it is still counted.
"""

import ipaddress
import os
import re
import struct

PEN_REVERSE = 29305
NTP_UNIX_OFFSET = 2208988800

# (ID, name, kind): kind is how the value is decoded.
_IANA = [
    (1, "octetDeltaCount", "uint"),
    (2, "packetDeltaCount", "uint"),
    (4, "protocolIdentifier", "uint"),
    (5, "ipClassOfService", "uint"),
    (6, "tcpControlBits", "uint"),
    (7, "sourceTransportPort", "uint"),
    (8, "sourceIPv4Address", "ip"),
    (10, "ingressInterface", "uint"),
    (11, "destinationTransportPort", "uint"),
    (12, "destinationIPv4Address", "ip"),
    (25, "minimumIpTotalLength", "uint"),
    (26, "maximumIpTotalLength", "uint"),
    (27, "sourceIPv6Address", "ip"),
    (28, "destinationIPv6Address", "ip"),
    (32, "icmpTypeCodeIPv4", "uint"),
    (40, "exportedOctetTotalCount", "uint"),
    (41, "exportedMessageTotalCount", "uint"),
    (42, "exportedFlowRecordTotalCount", "uint"),
    (56, "sourceMacAddress", "mac"),
    (58, "vlanId", "uint"),
    (245, "dot1qCustomerVlanId", "uint"),
    (61, "flowDirection", "uint"),
    (70, "mplsTopLabelStackSection", "uint"),
    (71, "mplsLabelStackSection2", "uint"),
    (72, "mplsLabelStackSection3", "uint"),
    (80, "destinationMacAddress", "mac"),
    (82, "interfaceName", "string"),
    (83, "interfaceDescription", "string"),
    (85, "octetTotalCount", "uint"),
    (86, "packetTotalCount", "uint"),
    (136, "flowEndReason", "uint"),
    (139, "icmpTypeCodeIPv6", "uint"),
    (149, "observationDomainId", "uint"),
    (152, "flowStartMilliseconds", "uint"),
    (153, "flowEndMilliseconds", "uint"),
    (156, "flowStartNanoseconds", "ntp"),
    (157, "flowEndNanoseconds", "ntp"),
    (160, "systemInitTimeMilliseconds", "uint"),
    (163, "observedFlowTotalCount", "uint"),
    (164, "ignoredPacketTotalCount", "uint"),
    (166, "notSentFlowTotalCount", "uint"),
    (167, "notSentPacketTotalCount", "uint"),
    (168, "notSentOctetTotalCount", "uint"),
    (239, "biflowDirection", "uint"),
    (256, "ethernetType", "uint"),
    (295, "ipsecSPI", "uint"),
    (351, "layer2SegmentId", "uint"),
]
IANA = {i: (n, k) for i, n, k in _IANA}
# wiremeter's own elements, under the configured PEN (--ipfix-pen); the
# sequence stream elements (3, 4, 5 and the counters from 10 on, in the order
# of lib/seq/wm_seq.h's WM_SEQ_FOREACH_COUNTER) are added by add_seq_counters().
OWN = {1: ("macsecSCI", "sci"), 2: ("macsecAN", "uint"), 3: ("seqStreamKind", "string"),
       4: ("rtpSSRC", "uint"), 5: ("testerStreamId", "uint"), 6: ("encapsulation", "encap"),
       7: ("gtpTeid", "uint"), 8: ("tunnelSourceAddress", "tunaddr"),
       9: ("tunnelDestinationAddress", "tunaddr")}


def _tunnel_names():
    """encapsulation codes: 1.. in the order of WM_PKT_FOREACH_TUNNEL (lib/pkt/wm_pkt.h)."""
    header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib", "pkt",
                          "wm_pkt.h")
    with open(header) as f:
        text = f.read()
    block = re.search(r"#define WM_PKT_FOREACH_TUNNEL\(X\)((?:[^\n]*\\\n)*[^\n]*)", text)
    return [""] + re.findall(r'X\(\w+, "(\w+)"\)', block.group(1))


TUNNEL_NAMES = _tunnel_names()
SEQ_COUNTER_BASE = 10


def add_seq_counters(names):
    """Name the stream counter elements SEQ_COUNTER_BASE + i after @p names."""
    for i, n in enumerate(names):
        OWN[SEQ_COUNTER_BASE + i] = (n, "uint")

# Template IDs.
FLOW_TEMPLATES = tuple(range(256, 262)) + (268, 269)
STREAM_TEMPLATES = (265, 266, 267)
TID_OPT_EXPORT, TID_OPT_METER, TID_OPT_IFACE = 262, 263, 264


class DecodeError(Exception):
    pass


def _value(kind, raw):
    if kind == "uint":
        return int.from_bytes(raw, "big")
    if kind == "ip":
        return str(ipaddress.ip_address(raw))
    if kind == "mac":
        return ":".join("%02x" % b for b in raw)
    if kind == "ntp":
        # dateTimeNanoseconds: NTP seconds since 1900 and a 2^-32 fraction.
        v = int.from_bytes(raw, "big")
        sec, frac = v >> 32, v & 0xffffffff
        return (sec - NTP_UNIX_OFFSET) * 10**9 + (frac * 10**9 >> 32)
    if kind == "encap":
        v = int.from_bytes(raw, "big")
        return TUNNEL_NAMES[v] if v < len(TUNNEL_NAMES) else v
    if kind == "tunaddr":
        # An IPv4 underlay is sent IPv4-mapped; :: means none (MPLS at L2).
        a = ipaddress.IPv6Address(raw)
        if a.ipv4_mapped is not None:
            return str(a.ipv4_mapped)
        return "" if int(a) == 0 else str(a)
    if kind == "sci":
        return "%016x" % int.from_bytes(raw, "big")
    if kind == "string":
        return raw.decode("utf-8", "replace")
    return raw.hex()


class Message:
    """One decoded message."""

    def __init__(self, offset, version, length, export_time, sequence, domain):
        self.offset = offset
        self.version = version
        self.length = length
        self.export_time = export_time
        self.sequence = sequence
        self.domain = domain
        self.templates = []      # (set ID, template ID, [(pen, ie, len), ...], scope count)
        self.records = []        # (template ID, dict)
        self.options_records = 0  # data records of options templates (scope > 0)
        self.is_options = []     # per record: was its template an options template
        self.padding = 0         # bytes of set padding seen

    @property
    def data_records(self):
        return len(self.records)

    @property
    def non_options_records(self):
        """Data records of (non-options) templates: what exportedFlowRecordTotalCount counts."""
        return len(self.records) - self.options_records

    def flow_records(self):
        """The flow records proper: templates 256-261, 268-269 (one per flow, or two in
        uniflow)."""
        return [r for tid, r in self.records if tid in FLOW_TEMPLATES]

    def other_records(self):
        """The per-flow records that are not flows: the sequence stream records
        (options templates 265-267, scoped by their flow's key)."""
        return [r for tid, r in self.records if tid in STREAM_TEMPLATES]

    def of_template(self, tid):
        return [r for t, r in self.records if t == tid]


class Decoder:
    """Templates of one transport session, per Observation Domain."""

    def __init__(self, pen=32473):
        self.pen = pen
        self.templates = {}      # (domain, tid) -> (fields, scope)
        self.messages = []

    def _field_name(self, pen, ie):
        if pen == 0 and ie in IANA:
            return IANA[ie]
        if pen == PEN_REVERSE and ie in IANA:
            name, kind = IANA[ie]
            return "reverse" + name[0].upper() + name[1:], kind
        if pen == self.pen and ie in OWN:
            return OWN[ie]
        return "ie%d.%d" % (pen, ie), "raw"

    def feed_message(self, buf, offset=0):
        """Decode the one message that starts at @p offset; returns (Message, its length)."""
        if len(buf) - offset < 16:
            raise DecodeError("offset %d: %d bytes left, less than a message header"
                              % (offset, len(buf) - offset))
        version, length, etime, seq, dom = struct.unpack_from("!HHIII", buf, offset)
        if version != 10:
            raise DecodeError("offset %d: version %d, not 10" % (offset, version))
        if length < 16 or offset + length > len(buf):
            raise DecodeError("offset %d: message length %d, %d bytes left"
                              % (offset, length, len(buf) - offset))
        msg = Message(offset, version, length, etime, seq, dom)
        pos, end = offset + 16, offset + length
        while pos < end:
            if end - pos < 4:
                raise DecodeError("offset %d: %d stray bytes at the end of the message"
                                  % (pos, end - pos))
            set_id, set_len = struct.unpack_from("!HH", buf, pos)
            if set_len < 4 or pos + set_len > end:
                raise DecodeError("offset %d: set %d of length %d runs past its message "
                                  "(%d bytes left)" % (pos, set_id, set_len, end - pos))
            body, body_end = pos + 4, pos + set_len
            if set_id in (2, 3):
                self._templates(buf, body, body_end, set_id, msg)
            elif set_id >= 256:
                self._data(buf, body, body_end, set_id, msg)
            else:
                raise DecodeError("offset %d: reserved set ID %d" % (pos, set_id))
            pos = body_end
        self.messages.append(msg)
        return msg, length

    def _templates(self, buf, pos, end, set_id, msg):
        while end - pos >= 4:
            if set_id == 2:
                tid, count = struct.unpack_from("!HH", buf, pos)
                scope = 0
                pos += 4
            else:
                if end - pos < 6:
                    break
                tid, count, scope = struct.unpack_from("!HHH", buf, pos)
                pos += 6
                if scope == 0 or scope > count:
                    raise DecodeError("offset %d: options template %d with scope count %d of "
                                      "%d fields" % (pos, tid, scope, count))
            if tid < 256:
                raise DecodeError("offset %d: template ID %d < 256" % (pos, tid))
            if count == 0:
                raise DecodeError("offset %d: template withdrawal of %d (not expected)"
                                  % (pos, tid))
            fields = []
            for _ in range(count):
                if end - pos < 4:
                    raise DecodeError("offset %d: template %d cut short" % (pos, tid))
                ie, flen = struct.unpack_from("!HH", buf, pos)
                pos += 4
                pen = 0
                if ie & 0x8000:
                    if end - pos < 4:
                        raise DecodeError("offset %d: template %d: PEN cut short" % (pos, tid))
                    pen = struct.unpack_from("!I", buf, pos)[0]
                    pos += 4
                    ie &= 0x7fff
                fields.append((pen, ie, flen))
            self.templates[(msg.domain, tid)] = (fields, scope)
            msg.templates.append((set_id, tid, fields, scope))
        if pos != end:
            # Padding: fewer bytes than a template header, all zero.
            if any(buf[pos:end]):
                raise DecodeError("offset %d: %d non-zero bytes after the templates"
                                  % (pos, end - pos))
            msg.padding += end - pos

    def _data(self, buf, pos, end, tid, msg):
        key = (msg.domain, tid)
        if key not in self.templates:
            raise DecodeError("offset %d: data set %d of domain %d without a template"
                              % (pos, tid, msg.domain))
        fields, scope = self.templates[key]
        minlen = sum(1 if flen == 65535 else flen for _, _, flen in fields)
        while end - pos >= max(minlen, 1):
            rec = {}
            for pen, ie, flen in fields:
                if flen == 65535:
                    if pos >= end:
                        raise DecodeError("offset %d: template %d record cut short" % (pos, tid))
                    flen = buf[pos]
                    pos += 1
                    if flen == 255:
                        if end - pos < 2:
                            raise DecodeError("offset %d: long varlen cut short" % pos)
                        flen = struct.unpack_from("!H", buf, pos)[0]
                        pos += 2
                if end - pos < flen:
                    raise DecodeError("offset %d: template %d record cut short" % (pos, tid))
                name, kind = self._field_name(pen, ie)
                if name in rec:
                    raise DecodeError("template %d names %s twice" % (tid, name))
                rec[name] = _value(kind, buf[pos:pos + flen])
                pos += flen
            msg.records.append((tid, rec))
            msg.is_options.append(bool(scope))
            if scope:
                msg.options_records += 1
        if pos != end:
            if any(buf[pos:end]):
                raise DecodeError("offset %d: %d non-zero bytes after the records of set %d"
                                  % (pos, end - pos, tid))
            msg.padding += end - pos


def decode_stream(data, pen=32473):
    """Every message of a byte stream (an RFC 5655 file, a TCP capture)."""
    dec = Decoder(pen)
    pos = 0
    while pos < len(data):
        _, n = dec.feed_message(data, pos)
        pos += n
    return dec.messages


def decode_file(path, pen=32473):
    with open(path, "rb") as f:
        return decode_stream(f.read(), pen)


def decode_datagrams(payloads, pen=32473):
    """Messages of UDP datagrams, one message per datagram."""
    dec = Decoder(pen)
    for p in payloads:
        _, n = dec.feed_message(p, 0)
        if n != len(p):
            raise DecodeError("datagram of %d bytes holds a message of %d" % (len(p), n))
    return dec.messages


def sequence_problems(messages):
    """RFC 7011 §3.1: in each Observation Domain, a message's sequence number is
    the number of data records in the domain's earlier messages (mod 2^32)."""
    seen, problems = {}, []
    for i, m in enumerate(messages):
        exp = seen.get(m.domain, 0)
        if m.sequence != exp % 2**32:
            problems.append("message %d (offset %d, domain %d): sequence %d, expected %d "
                            "(data records before it in the domain)"
                            % (i + 1, m.offset, m.domain, m.sequence, exp))
        seen[m.domain] = exp + m.data_records
    return problems
