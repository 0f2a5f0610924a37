#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Generate pcap traces of sequence-bearing streams with known gap-tracking truth.

Usage: gen_seq_traces.py OUTDIR
       gen_seq_traces.py --self-check

Writes, for every trace NAME, OUTDIR/NAME.pcap and OUTDIR/NAME.truth.json,
plus OUTDIR/index.json listing the trace names.

Each trace carries ESP (IP protocol 50 and NAT-T UDP 4500), MACsec (explicit
and implicit SCI), RTP or TRex-format streams with impairments put in on
purpose: drops, reorders, duplicates, wraps, restarts, jumps, epoch changes.
The designer of each trace writes down, for every stream, which packets the
tracker is given (for heuristically detected streams, from the packet that
validates them; see lib/seq/wm_seq_detect.c) and when its flow record is
exported. The expected counters then come from this file's own reference
model of /work/shared/SEQUENCE.md (SeqModel below), written from the
specification and checked on its worked examples (self_check()) before any
trace is written; it is not a port of lib/seq/wm_seq.c.

Where SEQUENCE.md leaves a choice, the model takes the reading that its
table and notes imply, and says so: the candidates of a restart stay until
replaced or confirmed (RFC 3550's bad_seq), whatever packets come between;
a protocol violation is judged after the candidate continuation and before
the jump check; a restart whose new epoch starts in a later wire cycle counts
the wraps (lib/seq's author's note: FFFFFFFE FFFFFFFF 0 1 on ESP without ESN
gives wraps 1); only K = 1 and K = 2 are modelled. A record is exported, and
its streams' windows finalized, between its last packet and the next packet
of the flow (for an active timeout: before the first packet of the next
period is counted), so each record's counters are the stream's state at the
record's end.

A truth file holds what gen_traces.py's does (name, description, pcaps,
packets, options, records, parseErrors, portMetered, portParseErrors,
crossCheck), where the records carry the seq fields too, and:
  streams    one entry per tracked stream: kind, identity (the last one: a
             new SSRC moves it), profile (the model's parameters), feed
             (every packet given to the tracker: [time in µs, number on the
             wire, epoch value]), feedIdentity (the identity each of those
             packets carries), exports (how many packets of the feed had been
             given when each of its records was exported), records ([index
             in "records", "forward" or "reverse"] per export), final
             (counters at the end), epochs, impaired (lost, late, duplicate
             or too old)
  events     every gap event expected in --gaps-json, with its stream's kind
             and the packet's identity, time and endpoints, and expected,
             received, missing, distance
  seqReport  what the report's "seqStreams" must say: tracked, withLoss,
             lost, poolFull (a number, or {"min": a, "max": b}),
             gapEventsDropped, and worst (the impaired streams, worst first:
             each with its rank [-lost, -(late + duplicate + too old)];
             streams of equal rank may come in any order)
  noSeq      the records that must carry no seq field (their indexes)
  exact      false for the pool-exhaustion trace, where only the first
             stream is tracked
"""

import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_traces as gt  # noqa: E402  (exits 77 when scapy is missing)
from gen_traces import (ACTIVE, FORCED, IDLE, T0, Trace, Rec, at, mac,  # noqa: E402,F401
                        ipv4_header, ipv6_header, eth_header, macsec_frame, csum)

# ---------------------------------------------------------------------------
# Names (SEQUENCE.md "Counters")
# ---------------------------------------------------------------------------

# Model counter -> flow record name, in SEQUENCE.md's order.
COUNTERS = [
    ("rx", "seqReceivedCount"),
    ("unique", "seqUniqueCount"),
    ("late", "seqLateCount"),
    ("dup", "seqDuplicateCount"),
    ("too_old", "seqTooOldCount"),
    ("lost", "seqLostCount"),
    ("pending", "seqPendingCount"),
    ("gap_events", "seqGapEventCount"),
    ("wraps", "seqWrapCount"),
    ("restarts", "seqRestartCount"),
    ("jump_suspect", "seqJumpSuspectCount"),
    ("proto_violation", "seqProtocolViolationCount"),
    ("max_reorder", "seqMaxReorderDistance"),
    ("first", "seqFirstNumber"),
    ("last", "seqLastNumber"),
]
COUNTER_NAMES = [n for _, n in COUNTERS]
EVENT_TYPES = ["gap", "late", "duplicate", "tooOld", "jumpSuspect", "protocolViolation",
               "restart"]
# Identity fields per kind, as in flow records, events and the report.
IDENTITY = {
    "esp": ["ipsecSPI"],
    "macsec": ["macsecSCI", "macsecAN"],
    "rtp": ["rtpSSRC"],
    "tester": ["testerStreamId"],
}
SEQ_KINDS = list(IDENTITY)


def reverse_name(name):
    """The reverse-direction name of a flow record field (RFC 5103 style)."""
    return "reverse" + name[0].upper() + name[1:]


# Every field name a seq stream may add to a flow record, both directions.
SEQ_FIELDS_FORWARD = ["seqStreamKind", "rtpSSRC", "testerStreamId"] + COUNTER_NAMES
SEQ_FIELDS_ALL = SEQ_FIELDS_FORWARD + [reverse_name(n) for n in SEQ_FIELDS_FORWARD] + \
    [reverse_name(n) for n in ("ipsecSPI", "macsecSCI", "macsecAN")]

# ---------------------------------------------------------------------------
# The reference model of SEQUENCE.md
# ---------------------------------------------------------------------------


class ModelError(Exception):
    """The model was driven where SEQUENCE.md does not say what happens."""


INF = float("inf")

# Default profiles (SEQUENCE.md "Defaults"). pv: a raw 0 or a wrap is a
# protocol violation (ESP without ESN, MACsec without XPN).
PROFILES = {
    "esp": dict(width=32, window=960, jump=1 << 30, k=2, ext="serial", pv=True),
    "esp_esn": dict(width=32, window=960, jump=1 << 30, k=2, ext="esn", pv=False),
    "macsec": dict(width=32, window=960, jump=1 << 30, k=2, ext="serial", pv=True),
    "macsec_xpn": dict(width=32, window=960, jump=1 << 30, k=2, ext="xpn", pv=False),
    "rtp": dict(width=16, window=100, jump=3000, k=2, ext="serial", pv=False),
    "tester": dict(width=32, window=960, jump=1 << 20, k=2, ext="serial", pv=False),
}


def profile(name, **over):
    p = dict(PROFILES[name])
    p.update(over)
    return p


class SeqModel:
    """One stream, as SEQUENCE.md describes it, written for clarity.

    State: T (highest extended number of the epoch), base (its first), the
    set of received positions still in the window, floor (positions below
    it are final: counted lost if never received), the restart candidates
    (raw, ext, class) and the counters. The window is [T - W + 1, T].
    """

    def __init__(self, width=32, window=8, jump=INF, k=2, ext="serial", pv=False):
        if k not in (1, 2):
            # K > 2: SEQUENCE.md does not say how the middle candidates count.
            raise ModelError("only K = 1 and K = 2 are specified exactly")
        self.w, self.W, self.J, self.K = width, window, jump, k
        self.ext_mode, self.pv = ext, pv
        self.mask = (1 << width) - 1
        self.open = False
        self.epoch = None
        self.T = self.base = self.floor = 0
        self.recv = set()
        self.cands = []
        self.ep_unique = self.ep_lost = 0
        self.c = {k_: 0 for k_, _ in COUNTERS if k_ not in ("pending", "first", "last")}

    # -- extension to 64 bits ------------------------------------------------

    def extend(self, raw):
        T = self.T
        if self.ext_mode == "esn":
            # RFC 4303 Appendix A2.2, Bl = Tl - W + 1.
            tl, th = T & 0xffffffff, T >> 32
            bl = (tl - self.W + 1) & 0xffffffff
            if tl >= self.W - 1:            # case A
                seqh = th if raw >= bl else th + 1
            else:                           # case B
                seqh = th - 1 if raw >= bl else th
            if seqh < 0:
                raise ModelError("ESN extension below zero")
            return (seqh << 32) | raw
        if self.ext_mode == "xpn":
            # 802.1AEbt: lowestPN = T + 1 - W (0 while T < W - 1).
            lowest = max(T + 1 - self.W, 0)
            hi = lowest >> 32
            if (lowest & 0x80000000) and not (raw & 0x80000000):
                hi += 1
            return (hi << 32) | raw
        m = 1 << self.w
        d = (raw - T) % m
        if d == m // 2:
            raise ModelError("serial distance of exactly half the space")
        if d > m // 2:
            d -= m
        if T + d < 0:
            raise ModelError("serial extension below zero")
        return T + d

    # -- window ---------------------------------------------------------------

    def _lo(self):
        return max(self.T - self.W + 1, self.base, self.floor)

    def pending(self):
        if not self.open:
            return 0
        lo = self._lo()
        if lo > self.T:
            return 0
        return (self.T - lo + 1) - sum(1 for p in self.recv if lo <= p <= self.T)

    def _lost(self, n):
        self.c["lost"] += n
        self.ep_lost += n

    def _close_window(self):
        """finalize() every position of the open window."""
        self._lost(self.pending())
        self.floor = self.T + 1

    def _open(self, ext):
        self.open = True
        self.T = self.base = self.floor = ext
        self.recv = {ext}
        self.cands = []
        self.c["unique"] += 1
        self.ep_unique = 1
        self.ep_lost = 0

    def _advance(self, ext):
        """d > 0: positions leaving the window are final; T moves to ext."""
        T = self.T
        new_lo = ext - self.W + 1
        lo = self._lo()
        hi = min(T, new_lo - 1)
        if lo <= hi:
            self._lost((hi - lo + 1) - sum(1 for p in self.recv if lo <= p <= hi))
        if new_lo - 1 > T:
            # Positions above T that the window skips entirely.
            self._lost(new_lo - 1 - max(T, self.floor - 1))
        self.floor = max(self.floor, new_lo)
        self.c["wraps"] += (ext >> self.w) - (T >> self.w)
        self.T = ext
        self.recv = {p for p in self.recv if p >= new_lo}
        self.recv.add(ext)
        self.c["unique"] += 1
        self.ep_unique += 1

    # -- classification ---------------------------------------------------------

    def _event(self, cls, ext, received=None):
        d = ext - self.T
        return {"event": cls, "expected": self.T + 1,
                "received": ext if received is None else received,
                "missing": d - 1 if cls == "gap" else 0, "distance": d}

    def _restart(self, packet_ext):
        first_raw, first_ext, first_cls = self.cands[0]
        n = len(self.cands)
        if first_cls == "tooOld":
            self.c["too_old"] -= 1
        elif first_cls == "jumpSuspect":
            self.c["jump_suspect"] -= 1
        # A protocol violation stays counted (SEQUENCE.md: the author's note).
        ev = self._event("restart", packet_ext)
        old = self.T
        self._close_window()
        self.c["restarts"] += 1
        if (first_ext >> self.w) > (old >> self.w):
            self.c["wraps"] += (first_ext >> self.w) - (old >> self.w)
        self._open(first_ext)
        for i in range(1, n):
            self._advance(first_ext + i)
        return "restart", ev

    def update(self, raw, epoch=0):
        """Give one packet; returns (class, event or None)."""
        raw &= self.mask
        self.c["rx"] += 1
        if not self.open:
            if self.pv and raw == 0:
                raise ModelError("a first packet with number 0 on a checked stream")
            self.epoch = epoch
            self._open(raw)
            return "first", None
        if epoch != self.epoch:
            # Explicit epoch change: restart at once with this packet.
            ev = {"event": "restart", "expected": self.T + 1, "received": raw,
                  "missing": 0, "distance": raw - self.T}
            self.epoch = epoch
            self._close_window()
            self.c["restarts"] += 1
            self._open(raw)
            return "restart", ev
        ext = self.extend(raw)
        d = ext - self.T
        if self.cands and raw == (self.cands[-1][0] + 1) & self.mask:
            if self.pv and raw == 0:
                raise ModelError("a candidate continuation with number 0")
            self.cands.append((raw, ext, "held"))
            return self._restart(ext)
        if self.pv and (raw == 0 or (d > 0 and (ext >> 32) != (self.T >> 32))):
            self.c["proto_violation"] += 1
            return self._candidate(raw, ext, "protocolViolation")
        if d > self.J:
            self.c["jump_suspect"] += 1
            return self._candidate(raw, ext, "jumpSuspect")
        if d > 0:
            ev = self._event("gap", ext) if d > 1 else None
            self._advance(ext)
            if d > 1:
                self.c["gap_events"] += 1
                return "gap", ev
            return "inOrder", None
        if d == 0:
            self.c["dup"] += 1
            return "duplicate", self._event("duplicate", ext)
        if -d < self.W and ext >= self.base:
            if ext in self.recv:
                self.c["dup"] += 1
                return "duplicate", self._event("duplicate", ext)
            if ext >= self.floor:
                ev = self._event("late", ext)
                self.recv.add(ext)
                self.c["late"] += 1
                self.c["unique"] += 1
                self.ep_unique += 1
                self.c["max_reorder"] = max(self.c["max_reorder"], -d)
                return "late", ev
            # A hole already finalized (counted lost at an export): too old.
        self.c["too_old"] += 1
        return self._candidate(raw, ext, "tooOld")

    def _candidate(self, raw, ext, cls):
        """candidates = [pkt]; with K = 1 that one is enough: restart()."""
        self.cands = [(raw, ext, cls)]
        if len(self.cands) >= self.K:
            return self._restart(ext)
        return cls, self._event(cls, ext)

    def finalize(self):
        """Flow export: the open window's holes become lost."""
        if self.open:
            self._close_window()

    def invariant_ok(self):
        """SEQUENCE.md: T - base + 1 = unique + lost + pending, per epoch."""
        return not self.open or self.T - self.base + 1 == \
            self.ep_unique + self.ep_lost + self.pending()

    def counters(self):
        out = dict(self.c)
        out["pending"] = self.pending()
        out["first"] = self.base if self.open else 0
        out["last"] = self.T if self.open else 0
        return {name: out[k] for k, name in COUNTERS}


def run_stream(prof, feed, exports):
    """Run the model over a stream's feed.

    feed: [(time_us, raw, epoch), ...]; exports: feed lengths at which a
    record was exported (finalize, then snapshot). Returns (snapshots,
    events) where events are (feed index, event dict).
    """
    m = SeqModel(**{k: (INF if v is None else v) for k, v in prof.items()})
    snaps, events = [], []
    ex = list(exports)
    for i, (_, raw, epoch) in enumerate(feed):
        while ex and ex[0] == i:
            m.finalize()
            snaps.append(m.counters())
            ex.pop(0)
        _, ev = m.update(raw, epoch)
        if not m.invariant_ok():
            raise ModelError("invariant broken after packet %d (raw %#x)" % (i, raw))
        if ev is not None:
            events.append((i, ev))
    while ex:
        if ex[0] != len(feed):
            raise ModelError("export point %d beyond the feed" % ex[0])
        m.finalize()
        snaps.append(m.counters())
        ex.pop(0)
    return snaps, events


# ---------------------------------------------------------------------------
# Self-check on SEQUENCE.md's worked examples
# ---------------------------------------------------------------------------

def _run(seq, **prof):
    p = dict(width=32, window=8, jump=INF, k=2, ext="serial", pv=False)
    p.update(prof)
    m = SeqModel(**p)
    classes = []
    exts = []
    for s in seq:
        cls, ev = m.update(s)
        assert m.invariant_ok(), "invariant broken"
        classes.append(cls)
        exts.append(ev["received"] if ev else m.T)
    return m, classes, exts


def self_check():
    """SEQUENCE.md's eleven worked examples, plus the notes of lib/seq's author.
    Returns a list of failures (empty when the model agrees)."""
    fails = []

    def expect(n, m, **want):
        got = m.counters()
        short = dict(m.c, pending=m.pending(), first=m.base, last=m.T)
        for k, v in want.items():
            have = short[k] if k in short else got[k]
            if have != v:
                fails.append("example %s: %s = %r, expected %r" % (n, k, have, v))

    # 1 simple gap
    m, _, _ = _run([1, 2, 3, 5, 6])
    expect(1, m, unique=5, gap_events=1, pending=1, lost=0)
    m.finalize()
    expect("1 (flushed)", m, lost=1, pending=0)
    # 2 reorder within the window
    m, cls, _ = _run([1, 2, 4, 3, 5])
    expect(2, m, unique=5, late=1, gap_events=1, max_reorder=1, lost=0)
    # 3 reorder beyond the window: 11 lost when 19 arrives, the late 11 too old
    m = SeqModel(window=8)
    for s in list(range(1, 11)) + list(range(12, 19)):
        m.update(s)
    expect("3 (before 19)", m, lost=0)
    m.update(19)
    expect("3 (at 19)", m, lost=1)
    m.update(20)
    cls, _ = m.update(11)
    if cls != "tooOld":
        fails.append("example 3: 11 classified %s" % cls)
    expect(3, m, unique=19, lost=1, too_old=1)
    # 4 duplicate
    m, _, _ = _run([1, 2, 3, 3, 4])
    expect(4, m, unique=4, dup=1)
    # 5 duplicate of an old packet
    m, _, _ = _run([1, 2, 3, 4, 5, 6, 2])
    expect(5, m, unique=6, dup=1)
    # 6 32-bit wrap, generic, then ESP without ESN / MACsec without XPN
    m, _, _ = _run([0xFFFFFFFE, 0xFFFFFFFF, 0, 1])
    expect(6, m, last=0x100000001, wraps=1, lost=0, proto_violation=0, restarts=0)
    m, cls, _ = _run([0xFFFFFFFE, 0xFFFFFFFF, 0, 1], pv=True)
    expect("6 (no ESN)", m, last=0x100000001, wraps=1, lost=0, proto_violation=1, restarts=1)
    if cls[2] != "protocolViolation":
        fails.append("example 6 (no ESN): 0 classified %s" % cls[2])
    # 7 RTP 16-bit wrap with reorder
    m, cls, exts = _run([65534, 0, 65535, 1], width=16, window=100, jump=3000)
    if exts != [65534, 65536, 65535, 65537]:
        fails.append("example 7: extended %r" % exts)
    if cls[2] != "late":
        fails.append("example 7: 65535 classified %s" % cls[2])
    expect(7, m, wraps=1, late=1, lost=0)
    # 8 large forward jump
    m, cls, _ = _run([100, 101, 102, 10000, 10001, 10002], width=16, window=100, jump=3000)
    if cls[3] != "jumpSuspect" or cls[4] != "restart":
        fails.append("example 8: classes %r" % cls)
    expect(8, m, restarts=1, jump_suspect=0, unique=6, lost=0, first=10000)
    # 9 restart from 1
    m, cls, _ = _run(list(range(4990, 5001)) + [1, 2, 3])
    if cls[11] != "tooOld" or cls[12] != "restart":
        fails.append("example 9: classes %r" % cls[11:])
    expect(9, m, restarts=1, too_old=0, unique=14, lost=0)
    # 10 ESN across the wrap (W 64)
    m = SeqModel(window=64, ext="esn")
    m.update(0xFFFFFFF0)
    _, ev = m.update(0x5)
    if ev is None or ev["received"] != 0x100000005:
        fails.append("example 10: 0x5 extended to %r" % (ev,))
    expect("10 (0x5)", m, pending=20, wraps=1)
    cls, ev = m.update(0xFFFFFFF8)
    if cls != "late" or ev["received"] != 0xFFFFFFF8:
        fails.append("example 10: 0xFFFFFFF8 is %s %r" % (cls, ev))
    expect(10, m, pending=19, max_reorder=13)
    # 11 XPN across the wrap (W 64)
    m = SeqModel(window=64, ext="xpn")
    m.update(0xFFFFFFEF)
    _, ev = m.update(0x10)
    if ev is None or ev["received"] != 0x100000010:
        fails.append("example 11: 0x10 extended to %r" % (ev,))
    expect("11 (0x10)", m, pending=32)
    cls, ev = m.update(0xFFFFFFF5)
    if cls != "late" or ev["received"] != 0xFFFFFFF5:
        fails.append("example 11: 0xFFFFFFF5 is %s %r" % (cls, ev))
    expect(11, m, pending=31)
    # Author's note: a finalized hole received later is too old.
    m, _, _ = _run([1, 2, 4])
    m.finalize()
    cls, _ = m.update(3)
    if cls != "tooOld":
        fails.append("note: a finalized hole received later is %s" % cls)
    expect("note", m, lost=1, too_old=1, late=0)
    return fails


# ---------------------------------------------------------------------------
# Frames (struct, no scapy: thousands of them)
# ---------------------------------------------------------------------------

def ip_version(a):
    return 6 if ":" in a else 4


def l4_checksum(src, dst, proto, seg):
    import ipaddress
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, proto, len(seg))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(seg), proto)
    c = csum(pseudo + seg)
    return c if c != 0 else 0xffff


def udp_segment(src, dst, sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4_checksum(src, dst, 17, seg)
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def ip_frame(smac, dmac, src, dst, proto, l4, ident=1):
    """Ethernet + IPv4/IPv6 + l4 bytes; returns (frame, IP total length)."""
    if ip_version(src) == 4:
        total = 20 + len(l4)
        return eth_header(smac, dmac, 0x0800) + \
            ipv4_header(src, dst, proto, total, ident=ident & 0xffff) + l4, total
    return eth_header(smac, dmac, 0x86DD) + ipv6_header(src, dst, proto, len(l4)) + l4, \
        40 + len(l4)


def filler(n, seed=0):
    """Payload bytes that never look like a TRex trailer or an RTP header."""
    b = bytearray((0x11 + seed + i * 5) & 0x7f for i in range(n))
    if n >= 16:
        b[n - 16] = 0x00                          # not the 0xAB magic
    if n >= 1:
        b[0] = 0x00                               # RTP version 0
    return bytes(b)


def rtp_payload(seq, ssrc, pt=96, n=40, ts=None):
    hdr = struct.pack("!BBHII", 0x80, pt & 0x7f, seq & 0xffff,
                      (ts if ts is not None else seq * 160) & 0xffffffff, ssrc)
    return hdr + filler(n, seq)[1:] + b"\x01"


def rtcp_payload(ssrc):
    # Sender report, PT 200, length 6 words.
    return struct.pack("!BBHIIIIII", 0x80, 200, 6, ssrc, 1, 2, 3, 4, 5)


def trex_trailer(hw_id, seq, flow_seq=0, ts=0):
    return struct.pack("<BBHIQ", 0xAB, flow_seq, hw_id, seq & 0xffffffff, ts)


# ---------------------------------------------------------------------------
# Traces with tracked streams
# ---------------------------------------------------------------------------

class SeqRec(Rec):
    """A flow record that may carry a stream per direction."""

    def __init__(self, *a, **kw):
        Rec.__init__(self, *a, **kw)
        self.seq = {}             # "forward"/"reverse" -> {fields}

    def record(self):
        r = Rec.record(self)
        for direction, fields in self.seq.items():
            for k, v in fields.items():
                name = k if direction == "forward" else reverse_name(k)
                if name in r and r[name] != v:
                    raise AssertionError("%s: identity %r in the record, %r in the stream" % (
                        name, r[name], v))
                r[name] = v
        return r


class Stream:
    """A stream as the tracker sees it: the packets it is given, and when its
    flow record(s) are exported."""

    def __init__(self, trace, kind, prof, rec, direction="forward", in_record=True):
        """in_record=False: a later stream of the same direction of the flow (another
        SSRC or hw_id): a stream of its own, which the report counts and the record,
        carrying the direction's first stream, does not."""
        self.trace, self.kind, self.prof = trace, kind, prof
        self.rec, self.direction = rec, direction
        self.in_record = in_record
        self.feed = []            # (ts, raw, epoch)
        self.idents = []          # identity of each fed packet
        self.endpoints = []       # the packet's own endpoints, per fed packet
        self.exports = []         # (feed length, record, direction)
        self.closed = False
        trace.streams.append(self)

    def give(self, ts, raw, epoch, ident, endpoints):
        assert not self.closed, "packet for a stream already ended"
        self.feed.append((ts, raw, epoch))
        self.idents.append(dict(ident))
        self.endpoints.append(endpoints)

    def export(self, next_rec=None, end=False):
        """The current record is exported here (finalize); the stream goes on
        in next_rec (active timeout), or ends (end=True)."""
        self.exports.append((len(self.feed), self.rec, self.direction))
        if end or next_rec is None:
            self.closed = True
        else:
            self.rec = next_rec


class SeqTrace(Trace):
    def __init__(self, name, description, options=(), exact=True):
        Trace.__init__(self, name, description, options)
        self.streams = []
        self.exact = exact
        self.no_seq = []          # records that must carry no seq field
        self.pool_full = 0        # report poolFull: exact number or {"min": n}
        self._ms = None           # time of the last packet, ms after T0

    # -- records ------------------------------------------------------------

    # gen_traces.Trace builds the identity of IP and MACsec records; the record
    # then becomes a SeqRec, which adds the seq fields of its streams.

    def flow(self, src, dst, proto, sport=0, dport=0, spi=None, reason=FORCED, seq=True):
        """An IP record; seq=False: it must carry no seq field."""
        rec = self.ip_flow(src, dst, proto, sport, dport, reason=reason, spi=spi)
        rec.__class__ = SeqRec
        rec.seq = {}
        if not seq:
            self.no_seq.append(rec)
        return rec

    def msec_flow(self, smac, dmac, sci, an, reason=FORCED, seq=True):
        rec = self.macsec_flow(smac, dmac, sci, an, reason=reason)
        rec.__class__ = SeqRec
        rec.seq = {}
        if not seq:
            self.no_seq.append(rec)
        return rec

    # -- time -----------------------------------------------------------------

    def now(self, step=0.1):
        """The next packet time: @p step ms after the previous one."""
        self._ms = 0.0 if self._ms is None else round(self._ms + step, 3)
        return at(self._ms)

    def at_ms(self, ms):
        assert self._ms is None or ms > self._ms, "time goes back: %s after %s" % (ms, self._ms)
        self._ms = ms
        return at(ms)

    # -- frames -----------------------------------------------------------------

    def put_ip(self, ts, smac, dmac, src, dst, proto, l4, rec, direction, tos=0):
        frame, octets = ip_frame(smac, dmac, src, dst, proto, l4, ident=len(self.frames[0]))
        rec.add(ts, direction, octets, 0, tos, None)
        self._put(ts, frame, 0, None)
        self.n_good[0] += 1

    def esp(self, ts, src, dst, spi, number, rec, stream=None, natt=None, n=48,
            smac=None, dmac=None, direction=0):
        """An ESP packet carrying @p number (the sender's counter; the wire has
        its low 32 bits). natt=(sport, dport) puts it in UDP."""
        raw = number & 0xffffffff
        esp = struct.pack("!II", spi, raw) + filler(n, raw & 0xff)
        smac, dmac = smac or mac(0x10), dmac or mac(0x20)
        if natt:
            l4 = udp_segment(src, dst, natt[0], natt[1], esp)
            proto, ports = 17, natt
        else:
            l4, proto, ports = esp, 50, (0, 0)
        self.put_ip(ts, smac, dmac, src, dst, proto, l4, rec, direction)
        if stream is not None:
            stream.give(ts, raw, spi, {"ipsecSPI": spi}, ip_endpoints(src, dst, proto, *ports))

    def rtp(self, ts, src, dst, sport, dport, ssrc, number, rec, direction, stream=None,
            smac=None, dmac=None, pt=96):
        raw = number & 0xffff
        l4 = udp_segment(src, dst, sport, dport, rtp_payload(raw, ssrc, pt))
        self.put_ip(ts, smac or mac(0x10), dmac or mac(0x20), src, dst, 17, l4, rec, direction)
        if stream is not None:
            stream.give(ts, raw, ssrc, {"rtpSSRC": ssrc}, ip_endpoints(src, dst, 17, sport, dport))

    def tester(self, ts, src, dst, sport, dport, hw_id, number, rec, direction=0, stream=None,
               flow_seq=0, n=30):
        raw = number & 0xffffffff
        data = filler(n, raw & 0xff) + trex_trailer(hw_id, raw, flow_seq, ts * 1000)
        l4 = udp_segment(src, dst, sport, dport, data)
        self.put_ip(ts, mac(0x30), mac(0x40), src, dst, 17, l4, rec, direction)
        if stream is not None:
            stream.give(ts, raw, flow_seq, {"testerStreamId": hw_id},
                        ip_endpoints(src, dst, 17, sport, dport))

    def macsec(self, ts, smac, dmac, an, number, rec, stream=None, sci=None, n=40):
        """A MACsec frame: explicit SCI when @p sci is given (TCI SC|E|C),
        else implicit (E|C only)."""
        raw = number & 0xffffffff
        tci = (0x2C if sci is not None else 0x0C) | an
        frame = macsec_frame(smac, dmac, tci, raw, sci, n=n)
        self.l2(ts, frame, rec)
        if stream is not None:
            eff = sci if sci is not None else implicit_sci(smac)
            stream.give(ts, raw, an, {"macsecSCI": "%016x" % eff, "macsecAN": an},
                        {"sourceMacAddress": smac, "destinationMacAddress": dmac})

    def udp_plain(self, ts, src, dst, sport, dport, rec, direction=0, n=64, data=None):
        data = filler(n) if data is None else data
        l4 = udp_segment(src, dst, sport, dport, data)
        self.put_ip(ts, mac(0x50), mac(0x60), src, dst, 17, l4, rec, direction)

    def tcp_plain(self, ts, src, dst, sport, dport, rec, direction, flags, seq, ack, n=0):
        """TCP between (src, sport), the flow's initiator, and (dst, dport)."""
        pkt = gt.tcp_pkt((src, sport), (dst, dport), direction, flags, seq, ack,
                         data=filler(n) if n else b"")
        self.ip(ts, pkt, rec, direction)

    # -- output ------------------------------------------------------------------

    def write(self, outdir):
        # Run the model over every stream; put each export's snapshot in its record.
        streams, events = [], []
        rec_index = {id(r): i for i, r in enumerate(self.recs)}
        for s in self.streams:
            if not s.closed:
                s.export(end=True)
            snaps, evs = run_stream(s.prof, s.feed, [n for n, _, _ in s.exports])
            for snap, (n, rec, direction) in zip(snaps, s.exports):
                if not s.in_record:
                    continue
                fields = {"seqStreamKind": s.kind}
                fields.update(s.idents[n - 1])
                fields.update(snap)
                assert direction not in rec.seq, "two streams in one direction of a record"
                rec.seq[direction] = fields
            for i, ev in evs:
                e = {"seqStreamKind": s.kind, "timeNanoseconds": s.feed[i][0] * 1000}
                e.update(s.idents[i])
                e.update(ev)
                e["endpoints"] = s.endpoints[i]
                events.append(e)
            final = snaps[-1]
            epochs = 1 + final["seqRestartCount"]
            streams.append({
                "kind": s.kind,
                "identity": s.idents[-1],
                "profile": {k: (None if v == INF else v) for k, v in s.prof.items()},
                "feed": [list(f) for f in s.feed],
                "feedIdentity": s.idents,
                "exports": [n for n, _, _ in s.exports],
                "records": [[rec_index[id(rec)], d] for _, rec, d in s.exports
                            if s.in_record],
                "final": final,
                "epochs": epochs,
                "impaired": (final["seqLostCount"] + final["seqLateCount"] +
                             final["seqDuplicateCount"] + final["seqTooOldCount"]) > 0,
            })
        for r in self.no_seq:
            assert not r.seq, "a record meant without seq fields got a stream"
        truth = Trace.write(self, outdir)
        truth["streams"] = streams
        truth["events"] = sorted(events, key=lambda e: e["timeNanoseconds"])
        truth["noSeq"] = [rec_index[id(r)] for r in self.no_seq]
        truth["exact"] = self.exact
        truth["seqReport"] = seq_report(streams, self.pool_full)
        with open(os.path.join(outdir, "%s.truth.json" % self.name), "w") as f:
            json.dump(truth, f, indent=1, sort_keys=True)
            f.write("\n")
        return truth


def worst_key(final):
    """The report's order: lost descending, then late + duplicate + too old descending."""
    return (-final["seqLostCount"],
            -(final["seqLateCount"] + final["seqDuplicateCount"] + final["seqTooOldCount"]))


def seq_report(streams, pool_full):
    imp = [s for s in streams if s["impaired"]]
    imp.sort(key=lambda s: worst_key(s["final"]))
    return {
        "tracked": len(streams),
        "withLoss": sum(1 for s in streams if s["final"]["seqLostCount"] > 0),
        "lost": sum(s["final"]["seqLostCount"] for s in streams),
        "poolFull": pool_full,
        "gapEventsDropped": 0,
        "worst": [{"seqStreamKind": s["kind"], "identity": s["identity"], "final": s["final"],
                   "rank": list(worst_key(s["final"]))} for s in imp],
    }


def ip_endpoints(src, dst, proto, sport, dport):
    fam = "IPv%d" % ip_version(src)
    e = {"source%sAddress" % fam: src, "destination%sAddress" % fam: dst,
         "protocolIdentifier": proto}
    if proto == 17:
        e["sourceTransportPort"] = sport
        e["destinationTransportPort"] = dport
    return e


def implicit_sci(smac):
    return (int(smac.replace(":", ""), 16) << 16) | 0x0001


class Order:
    """The order a sender's numbers go on the wire, built from impairments."""

    def __init__(self, first, last):
        self.seq = list(range(first, last + 1))

    def drop(self, *nums):
        for n in nums:
            self.seq.remove(n)
        return self

    def drop_range(self, a, b):
        return self.drop(*range(a, b + 1))

    def move_after(self, n, after):
        """Hold @p n back and send it right after @p after."""
        self.seq.remove(n)
        self.seq.insert(self.seq.index(after) + 1, n)
        return self

    def dup_after(self, n, after):
        """Send @p n again right after @p after (immediate dup when after == n)."""
        idx = len(self.seq) - 1 - self.seq[::-1].index(after)
        self.seq.insert(idx + 1, n)
        return self

    def __iter__(self):
        return iter(self.seq)


# ---------------------------------------------------------------------------
# The traces
# ---------------------------------------------------------------------------

ESP_A, ESP_B = "192.0.2.1", "198.51.100.1"


def trace_seq_esp():
    t = SeqTrace("seq_esp", "ESP without ESN (W 960, J 2^30), IP protocol 50 (IPv4 and IPv6) "
                 "and NAT-T (UDP 4500): single and burst drops, reorders within and beyond "
                 "the window, immediate and old duplicates, a hole left pending at the end, "
                 "the 32-bit wrap as a protocol violation and restart, a sender restart from "
                 "1, an unconfirmed 2^30 jump; an IKE flow on 4500 and plain UDP/TCP flows "
                 "carry no seq fields")
    # SA 0x1001: 1..1500 with every impairment of a long stream.
    r1 = t.flow(ESP_A, ESP_B, 50, spi=0x1001)
    s1 = Stream(t, "esp", profile("esp"), r1)
    o = Order(1, 1500).drop(50).drop_range(100, 107)
    o.move_after(200, 201)                    # swap: 200 late by 1
    o.move_after(300, 340)                    # 300 late by 40
    o.dup_after(400, 400)                     # immediate duplicate
    o.dup_after(450, 700)                     # old duplicate, 250 back: in the window
    o.move_after(500, 1470)                   # beyond the window (960): lost, then too old
    o.dup_after(510, 1490)                    # old duplicate 980 back, beyond the window: too old
    o.drop(1495)                              # still in the window at export: lost then
    for n in o:
        t.esp(t.now(), ESP_A, ESP_B, 0x1001, n, r1, s1)
    # SA 0x2002, the other way: the 32-bit wrap without ESN, with a drop before it.
    r2 = t.flow(ESP_B, ESP_A, 50, spi=0x2002)
    s2 = Stream(t, "esp", profile("esp"), r2)
    for n in Order(0xFFFFFFF8, 0x100000003).drop(0xFFFFFFFC):
        t.esp(t.now(), ESP_B, ESP_A, 0x2002, n, r2, s2, smac=mac(0x20), dmac=mac(0x10))
    # SA 0x3003 over IPv6: the sender restarts from 1 after 5000..5100.
    a6, b6 = "2001:db8:1::1", "2001:db8:2::1"
    r3 = t.flow(a6, b6, 50, spi=0x3003)
    s3 = Stream(t, "esp", profile("esp"), r3)
    for n in list(Order(5000, 5100).drop(5098)) + list(Order(1, 20).drop(15)):
        t.esp(t.now(), a6, b6, 0x3003, n, r3, s3)
    # SA 0x4004: one packet 0x50000000 (> 2^30 ahead) never confirmed.
    r4 = t.flow(ESP_A, ESP_B, 50, spi=0x4004)
    s4 = Stream(t, "esp", profile("esp"), r4)
    for n in list(range(1, 31)) + [0x50000000] + list(range(31, 41)):
        t.esp(t.now(), ESP_A, ESP_B, 0x4004, n, r4, s4)
    # NAT-T: SA 0xc0ffee01 in UDP 4500 <-> 4500, impaired; 0xc0ffee02 back, clean.
    c, s = "192.0.2.7", "198.51.100.7"
    n1 = t.flow(c, s, 17, 4500, 4500, spi=0xc0ffee01)
    sn1 = Stream(t, "esp", profile("esp"), n1)
    n2 = t.flow(s, c, 17, 4500, 4500, spi=0xc0ffee02)
    sn2 = Stream(t, "esp", profile("esp"), n2)
    ike = t.flow(c, s, 17, 4500, 4500, seq=False)
    t.udp_plain(t.now(), c, s, 4500, 4500, ike, 0, data=b"\x00" * 4 + filler(60))
    o = Order(1, 100).drop(10).drop_range(20, 22).dup_after(30, 30).move_after(40, 41)
    back = iter(range(1, 61))
    for i, n in enumerate(o):
        t.esp(t.now(), c, s, 0xc0ffee01, n, n1, sn1, natt=(4500, 4500))
        if i % 3 == 0:
            t.esp(t.now(), s, c, 0xc0ffee02, next(back), n2, sn2, natt=(4500, 4500),
                  smac=mac(0x20), dmac=mac(0x10))
    t.udp_plain(t.now(), s, c, 4500, 4500, ike, 1, data=b"\x00" * 4 + filler(40))
    # Plain UDP and TCP: no seq fields.
    u = t.flow("192.0.2.9", "198.51.100.9", 17, 40000, 9000, seq=False)
    for i in range(5):
        t.udp_plain(t.now(), "192.0.2.9", "198.51.100.9", 40000, 9000, u, 0, n=80)
    tc = t.flow("192.0.2.9", "198.51.100.9", 6, 40001, 80, seq=False)
    t.tcp_plain(t.now(), "192.0.2.9", "198.51.100.9", 40001, 80, tc, 0, "S", 100, 0)
    t.tcp_plain(t.now(), "192.0.2.9", "198.51.100.9", 40001, 80, tc, 1, "SA", 500, 101)
    t.tcp_plain(t.now(), "192.0.2.9", "198.51.100.9", 40001, 80, tc, 0, "PA", 101, 501, n=30)
    return t


def trace_seq_esp_esn():
    t = SeqTrace("seq_esp_esn", "ESP with ESN for every SA (--seq-esp-esn on) and W 64: "
                 "SEQUENCE.md example 10 inside a longer stream, the 32-bit wrap as a plain "
                 "in-order step (no violation), and a sender restart from 1 that ESN sees "
                 "2^32 ahead: a jump suspect confirmed as a restart",
                 options=["--seq-esp-esn", "on", "--seq-esp-window", "64"])
    prof = profile("esp_esn", window=64)
    # SA 0x5005: FFFFFFE0..FFFFFFF0, then 0x1_00000005 (gap of 20), then the late
    # FFFFFFF8, then on to 0x1_00000028; the holes pass out of the window or stay
    # pending until the export.
    r1 = t.flow(ESP_A, ESP_B, 50, spi=0x5005)
    s1 = Stream(t, "esp", prof, r1)
    nums = list(range(0xFFFFFFE0, 0xFFFFFFF1)) + [0x100000005, 0xFFFFFFF8] + \
        list(range(0x100000006, 0x100000029)) + [0xFFFFFFF9] + \
        list(range(0x100000029, 0x100000060))
    for n in nums:
        t.esp(t.now(), ESP_A, ESP_B, 0x5005, n, r1, s1)
    # SA 0x6006: the wrap in order, with one drop right after it.
    r2 = t.flow(ESP_B, ESP_A, 50, spi=0x6006)
    s2 = Stream(t, "esp", prof, r2)
    for n in Order(0xFFFFFFF0, 0x100000010).drop(0x100000002):
        t.esp(t.now(), ESP_B, ESP_A, 0x6006, n, r2, s2, smac=mac(0x20), dmac=mac(0x10))
    # SA 0x7007: 1000..1100, then the sender starts over at 1.
    r3 = t.flow(ESP_A, ESP_B, 50, spi=0x7007)
    s3 = Stream(t, "esp", prof, r3)
    for n in list(range(1000, 1101)) + list(range(1, 11)):
        t.esp(t.now(), ESP_A, ESP_B, 0x7007, n, r3, s3)
    return t


def trace_seq_ext_lists():
    t = SeqTrace("seq_ext_lists", "ESN and XPN chosen per SA and per SC "
                 "(--seq-esp-esn-spis, --seq-macsec-xpn-scis): across the 32-bit wrap the "
                 "listed SA/SC extends to 64 bits, the unlisted ones are protocol violations "
                 "and restart",
                 options=["--seq-esp-esn-spis", "0x8008", "--seq-macsec-xpn-scis",
                          "00000000aa000001"])
    nums = list(range(0xFFFFFFF0, 0x100000008))
    ra = t.flow(ESP_A, ESP_B, 50, spi=0x8008)
    sa = Stream(t, "esp", profile("esp_esn"), ra)
    rb = t.flow(ESP_A, ESP_B, 50, spi=0x9009)
    sb = Stream(t, "esp", profile("esp"), rb)
    for n in nums:
        t.esp(t.now(), ESP_A, ESP_B, 0x8008, n, ra, sa)
        t.esp(t.now(), ESP_A, ESP_B, 0x9009, n, rb, sb)
    A, B, X = mac(0xa01), mac(0xb01), mac(0xeee)
    ma = t.msec_flow(A, X, 0xaa000001, 0)
    sma = Stream(t, "macsec", profile("macsec_xpn"), ma)
    mb = t.msec_flow(B, X, 0xbb000001, 0)
    smb = Stream(t, "macsec", profile("macsec"), mb)
    for n in nums:
        t.macsec(t.now(), A, X, 0, n, ma, sma, sci=0xaa000001)
        t.macsec(t.now(), B, X, 0, n, mb, smb, sci=0xbb000001)
    return t


def trace_seq_macsec():
    t = SeqTrace("seq_macsec", "MACsec without XPN (W 960): explicit SCI with drops, reorders "
                 "and duplicates, its next AN as a new flow; implicit SCI (source MAC + "
                 "0x0001) across the 32-bit PN wrap (PN 0 a protocol violation, restart); "
                 "the reply SC clean; an explicit SCI whose sender restarts from 1")
    A, B, C, X = mac(0xa01), mac(0xb01), mac(0xc01), mac(0xeee)
    sci_a = 0x1122334455660007
    ra0 = t.msec_flow(A, X, sci_a, 0)
    sa0 = Stream(t, "macsec", profile("macsec"), ra0)
    o = Order(1, 400).drop(7).drop_range(60, 63).move_after(100, 103).dup_after(150, 150)
    o.dup_after(120, 200).drop(399)
    for n in o:
        t.macsec(t.now(), A, X, 0, n, ra0, sa0, sci=sci_a)
    ra1 = t.msec_flow(A, X, sci_a, 1)
    sa1 = Stream(t, "macsec", profile("macsec"), ra1)
    for n in Order(1, 30).drop(12):
        t.macsec(t.now(), A, X, 1, n, ra1, sa1, sci=sci_a)
    # Implicit SCI: B's MAC then port 1; AN 2.
    rb = t.msec_flow(B, X, implicit_sci(B), 2)
    sb = Stream(t, "macsec", profile("macsec"), rb)
    for n in Order(0xFFFFFF00, 0x100000020).drop(0xFFFFFF80).dup_after(0xFFFFFFF0, 0xFFFFFFF0):
        t.macsec(t.now(), B, X, 2, n, rb, sb)
    # The reply SC: X's implicit SCI, clean.
    rx = t.msec_flow(X, A, implicit_sci(X), 0)
    sx = Stream(t, "macsec", profile("macsec"), rx)
    for n in range(1, 41):
        t.macsec(t.now(), X, A, 0, n, rx, sx)
    # Explicit SCI of C, AN 3: 5000..5050 then the sender starts over at 1.
    sci_c = 0x0200000000c10009
    rc = t.msec_flow(C, X, sci_c, 3)
    sc = Stream(t, "macsec", profile("macsec"), rc)
    for n in list(Order(5000, 5050).drop(5049)) + list(range(1, 21)):
        t.macsec(t.now(), C, X, 3, n, rc, sc, sci=sci_c)
    return t


def trace_seq_macsec_xpn():
    t = SeqTrace("seq_macsec_xpn", "MACsec with XPN for every SC (--seq-macsec-xpn on) and "
                 "W 64: SEQUENCE.md example 11 inside a longer stream (the PN's low 32 bits "
                 "on the wire cross 2^32 with no violation), plus an in-order crossing",
                 options=["--seq-macsec-xpn", "on", "--seq-macsec-window", "64"])
    A, B, X = mac(0xa02), mac(0xb02), mac(0xeef)
    prof = profile("macsec_xpn", window=64)
    sci_a = 0x0200000000a20001
    ra = t.msec_flow(A, X, sci_a, 1)
    sa = Stream(t, "macsec", prof, ra)
    nums = list(range(0xFFFFFFD0, 0xFFFFFFF0)) + [0x100000010, 0xFFFFFFF5] + \
        list(range(0x100000011, 0x100000050))
    for n in nums:
        t.macsec(t.now(), A, X, 1, n, ra, sa, sci=sci_a)
    rb = t.msec_flow(B, X, implicit_sci(B), 0)
    sb = Stream(t, "macsec", prof, rb)
    for n in Order(0xFFFFFFF0, 0x100000010).drop(0xFFFFFFFF):
        t.macsec(t.now(), B, X, 0, n, rb, sb)
    return t


RTP_A, RTP_B = "10.0.0.1", "10.0.0.2"


def trace_seq_rtp():
    t = SeqTrace("seq_rtp", "RTP (W 100, J 3000) on 5004 and on 6000 (--seq-rtp-ports "
                 "5004-5005,6000): both directions of one biflow, the forward one across the "
                 "16-bit wrap with a reorder at the wrap (example 7), drops and duplicates, "
                 "the reverse one with a reorder beyond the window; the J=3000 jump (example "
                 "8) and an unconfirmed jump; a second SSRC on one 5-tuple (a stream of its "
                 "own, not an epoch change); RTCP on "
                 "5005, RTP on 7000 (not configured, heuristic off) and TCP carry no seq "
                 "fields",
                 options=["--seq-rtp-ports", "5004-5005,6000"])
    rtp = profile("rtp")
    f = t.flow(RTP_A, RTP_B, 17, 5004, 5004)
    sf = Stream(t, "rtp", rtp, f, "forward")
    sr = Stream(t, "rtp", rtp, f, "reverse")
    fw = Order(65400, 65536 + 300)
    fw.move_after(65535, 65536)               # 65534 0 65535 1: late at the wrap
    fw.drop(65450).drop_range(65536 + 50, 65536 + 54)
    fw.dup_after(65536 + 100, 65536 + 100).dup_after(65536 + 110, 65536 + 150)
    fw.move_after(65536 + 200, 65536 + 230)   # late by 30
    rv = Order(1000, 1300)
    rv.move_after(1100, 1250)                 # 150 behind: beyond the window of 100
    rv.drop(1020).dup_after(1200, 1200)
    rv.drop(1299)                             # pending at the end: lost at export
    fw, rv = list(fw), list(rv)
    for i in range(max(len(fw), len(rv))):
        if i < len(fw):
            t.rtp(t.now(), RTP_A, RTP_B, 5004, 5004, 0x11111111, fw[i], f, 0, sf)
        if i < len(rv):
            t.rtp(t.now(), RTP_B, RTP_A, 5004, 5004, 0x22222222, rv[i], f, 1, sr,
                  smac=mac(0x20), dmac=mac(0x10))
    # The J = 3000 jump of example 8, one way to 5005, then on in order.
    j = t.flow("10.0.0.3", "10.0.0.4", 17, 30000, 5005)
    sj = Stream(t, "rtp", rtp, j)
    for n in [100, 101, 102] + list(range(10000, 10030)):
        t.rtp(t.now(), "10.0.0.3", "10.0.0.4", 30000, 5005, 0x33333333, n, j, 0, sj)
    # A single packet 5000 ahead, never confirmed.
    u = t.flow("10.0.0.3", "10.0.0.4", 17, 30002, 5004)
    su = Stream(t, "rtp", rtp, u)
    for n in list(range(1, 51)) + [5100] + list(range(51, 61)):
        t.rtp(t.now(), "10.0.0.3", "10.0.0.4", 30002, 5004, 0x34343434, n, u, 0, su)
    # Port 6000: SSRC 0x44444444 1..40 (drop 10), then SSRC 0x45454545 from 7000,
    # interleaved with 0x44444444's 41..50: two streams, neither restarts the other.
    e = t.flow("10.0.0.5", "10.0.0.6", 17, 6000, 6000)
    se = Stream(t, "rtp", rtp, e)
    se2 = Stream(t, "rtp", rtp, e, in_record=False)
    for n in Order(1, 40).drop(10).drop(39):
        t.rtp(t.now(), "10.0.0.5", "10.0.0.6", 6000, 6000, 0x44444444, n, e, 0, se)
    for i, n in enumerate(Order(7000, 7040).drop(7020)):
        t.rtp(t.now(), "10.0.0.5", "10.0.0.6", 6000, 6000, 0x45454545, n, e, 0, se2)
        if i < 10:
            t.rtp(t.now(), "10.0.0.5", "10.0.0.6", 6000, 6000, 0x44444444, 41 + i, e, 0, se)
    # Not RTP for wiremeter: RTCP (PT 200) on 5005, RTP on 7000, TCP.
    rc = t.flow(RTP_A, RTP_B, 17, 5005, 5005, seq=False)
    for i in range(4):
        l4 = udp_segment(RTP_A, RTP_B, 5005, 5005, rtcp_payload(0x11111111))
        t.put_ip(t.now(), mac(0x10), mac(0x20), RTP_A, RTP_B, 17, l4, rc, 0)
    o7 = t.flow("10.0.0.7", "10.0.0.8", 17, 7000, 7000, seq=False)
    for n in range(1, 21):
        t.rtp(t.now(), "10.0.0.7", "10.0.0.8", 7000, 7000, 0x77777777, n, o7, 0)
    tc = t.flow("10.0.0.7", "10.0.0.8", 6, 40002, 5004, seq=False)
    t.tcp_plain(t.now(), "10.0.0.7", "10.0.0.8", 40002, 5004, tc, 0, "S", 1, 0)
    t.tcp_plain(t.now(), "10.0.0.7", "10.0.0.8", 40002, 5004, tc, 1, "SA", 9, 2)
    return t


def trace_seq_tester():
    t = SeqTrace("seq_tester", "TRex trailers on the tester ports (--seq-tester-ports "
                 "4000-4001, any-UDP off, W 256): drops, reorders within and beyond the "
                 "window, immediate and old duplicates (the old one beyond the window is "
                 "too old, not a cancelled drop), a new flow_seq (epoch change), the "
                 "J = 2^20 jump confirmed, the 32-bit wrap; trailers on port 9999 are "
                 "not tracked",
                 options=["--seq-tester-ports", "4000-4001", "--seq-tester-any-udp", "off",
                          "--seq-tester-window", "256"])
    prof = profile("tester", window=256)
    a, b = "172.16.0.1", "172.16.0.2"
    r1 = t.flow(a, b, 17, 4000, 4000)
    s1 = Stream(t, "tester", prof, r1)
    o = Order(1, 700).drop(20).drop_range(40, 49).move_after(60, 61)
    o.move_after(100, 130).move_after(200, 470).dup_after(300, 300).dup_after(310, 400)
    o.dup_after(350, 650)
    for n in o:
        t.tester(t.now(), a, b, 4000, 4000, 1, n, r1, 0, s1)
    # hw_id 2: flow_seq 5 then 6 (the tester started the stream again).
    r2 = t.flow("172.16.0.3", "172.16.0.4", 17, 5555, 4001)
    s2 = Stream(t, "tester", prof, r2)
    for n in Order(1, 50).drop(25):
        t.tester(t.now(), "172.16.0.3", "172.16.0.4", 5555, 4001, 2, n, r2, 0, s2, flow_seq=5)
    for n in Order(1, 30).drop(10):
        t.tester(t.now(), "172.16.0.3", "172.16.0.4", 5555, 4001, 2, n, r2, 0, s2, flow_seq=6)
    # hw_id 3: a jump of 2 000 000 (> 2^20), confirmed.
    r3 = t.flow("172.16.0.5", "172.16.0.6", 17, 4001, 6001)
    s3 = Stream(t, "tester", prof, r3)
    for n in list(range(1, 21)) + list(Order(2000000, 2000030).drop(2000015)):
        t.tester(t.now(), "172.16.0.5", "172.16.0.6", 4001, 6001, 3, n, r3, 0, s3)
    # hw_id 4: across 2^32 (no violation for tester streams), a drop after the wrap.
    r4 = t.flow("172.16.0.7", "172.16.0.8", 17, 4000, 4000)
    s4 = Stream(t, "tester", prof, r4)
    for n in Order(0xFFFFFFF0, 0x100000010).drop(0x100000002):
        t.tester(t.now(), "172.16.0.7", "172.16.0.8", 4000, 4000, 4, n, r4, 0, s4)
    # Port 9999 with --seq-tester-any-udp off: not tracked.
    r9 = t.flow("172.16.0.9", "172.16.0.10", 17, 9999, 9999, seq=False)
    for n in range(1, 21):
        t.tester(t.now(), "172.16.0.9", "172.16.0.10", 9999, 9999, 9, n, r9)
    return t


def trace_seq_tester_any():
    t = SeqTrace("seq_tester_any", "TRex trailers on any UDP port (defaults): a stream is "
                 "counted from its first packet once a packet validates it (the 2nd of two "
                 "consecutive numbers), then drops, a reorder and a duplicate, beside a "
                 "second hw_id on the same 5-tuple (its own stream); trailers never "
                 "in sequence and a lone trailer are not tracked; with --seq-rtp-heuristic "
                 "on, RTP on port 7000 is counted from its first packet once its 4th "
                 "sequential one validates it, RTCP on 7001 never",
                 options=["--seq-rtp-heuristic", "on"])
    a, b = "172.16.1.1", "172.16.1.2"
    r1 = t.flow(a, b, 17, 12345, 23456)
    s1 = Stream(t, "tester", profile("tester"), r1)
    # A second hw_id on the same 5-tuple, interleaved: a stream of its own (the report
    # counts it, the record carries hw_id 7's), never a restart of hw_id 7's.
    s2 = Stream(t, "tester", profile("tester"), r1, in_record=False)
    o = Order(1, 300).drop(50).drop_range(120, 124).move_after(200, 201).dup_after(250, 250)
    o2 = list(Order(1000, 1040).drop(1020))
    for i, n in enumerate(o):
        # The first packet is a candidate: the tracker is given it when the second validates.
        t.tester(t.now(), a, b, 12345, 23456, 7, n, r1, 0, s1)
        if i < len(o2):
            t.tester(t.now(), a, b, 12345, 23456, 11, o2[i], r1, 0, s2)
    r2 = t.flow("172.16.1.3", "172.16.1.4", 17, 12346, 23457, seq=False)
    for n in range(1, 60, 4):
        t.tester(t.now(), "172.16.1.3", "172.16.1.4", 12346, 23457, 8, n, r2)
    r3 = t.flow("172.16.1.5", "172.16.1.6", 17, 12347, 23458, seq=False)
    t.tester(t.now(), "172.16.1.5", "172.16.1.6", 12347, 23458, 9, 1, r3)
    # RTP by heuristic: 100, 101, 102 are candidates, 103 validates (K = 4) and the
    # tracker is given all four, in order.
    h = t.flow("10.1.0.1", "10.1.0.2", 17, 7000, 7000)
    sh = Stream(t, "rtp", profile("rtp"), h)
    for n in Order(100, 200).drop(150).drop_range(170, 172):
        t.rtp(t.now(), "10.1.0.1", "10.1.0.2", 7000, 7000, 0x55555555, n, h, 0, sh)
    rc = t.flow("10.1.0.1", "10.1.0.2", 17, 7001, 7001, seq=False)
    for i in range(6):
        l4 = udp_segment("10.1.0.1", "10.1.0.2", 7001, 7001, rtcp_payload(0x55555555))
        t.put_ip(t.now(), mac(0x10), mac(0x20), "10.1.0.1", "10.1.0.2", 17, l4, rc, 0)
    return t


def trace_seq_active():
    t = SeqTrace("seq_active", "--active-timeout 2, --idle-timeout 1: an ESP SA exported "
                 "every 2 s keeps one stream whose counters add up over its records, each "
                 "export finalizing the window (a hole left at an export is lost, its packet "
                 "arriving just after is too old), and each record's counters are those at "
                 "its end; an SA exported by the active timeout and then silent until it "
                 "ends (nothing more to export) still counts in the report; an SA silent "
                 "past the idle timeout ends (its pending hole lost) and comes back as a "
                 "new flow with a new stream",
                 options=["--active-timeout", "2", "--idle-timeout", "1"])
    # SA 0xa00a: number n at 7 (n - 1) ms, n = 1..600 (0 .. 4193 ms). Periods end at
    # 2000 and 4000 ms (from the first packet, or from each period's first packet: the
    # same split, no packet within 2 ms of either). 285 is held back past the first
    # export, 400 comes after 401, 500 is never sent.
    ra = [t.flow(ESP_A, ESP_B, 50, spi=0xa00a, reason=ACTIVE),
          t.flow(ESP_A, ESP_B, 50, spi=0xa00a, reason=ACTIVE),
          t.flow(ESP_A, ESP_B, 50, spi=0xa00a, reason=FORCED)]
    sa = Stream(t, "esp", profile("esp"), ra[0])
    # SA 0xb00b: 1..151 every 10 ms from 0.5 ms, 148 missing. Its period ends at
    # 2000.5 ms while it is still alive (idle at 2500.5): exported then (reason 2,
    # the hole lost), then it ends with nothing more to export. 1..30 again from
    # 3000.5 ms: a new flow, a new stream, still open at the end.
    rb1 = t.flow(ESP_B, ESP_A, 50, spi=0xb00b, reason=ACTIVE)
    rb2 = t.flow(ESP_B, ESP_A, 50, spi=0xb00b, reason=FORCED)
    sb1 = Stream(t, "esp", profile("esp"), rb1)
    sb2 = Stream(t, "esp", profile("esp"), rb2)
    # SA 0xc00c: 1..50 every 10 ms from 0.7 ms, 48 missing: idle at 1490.7 ms, before
    # its period ends (reason 1, 48 lost); 51..80 from 2500.7 ms, a new flow that goes
    # idle at 3790.7 ms, before the end of the file.
    rc1 = t.flow("2001:db8:1::c", "2001:db8:2::c", 50, spi=0xc00c, reason=IDLE)
    rc2 = t.flow("2001:db8:1::c", "2001:db8:2::c", 50, spi=0xc00c, reason=IDLE)
    sc1 = Stream(t, "esp", profile("esp"), rc1)
    sc2 = Stream(t, "esp", profile("esp"), rc2)
    pkts = []
    for n in range(1, 601):
        tm = 7.0 * (n - 1)
        if n == 285:
            tm = 2005.0                       # after 287 (2002 ms), past the export
        if n == 400:
            tm = 7.0 * 400 + 1                # after 401: late by 1
        if n == 500:
            continue                          # lost, counted at the last export
        pkts.append((tm, "a", n))
    for n in range(1, 152):
        if n != 148:
            pkts.append((10.0 * (n - 1) + 0.5, "b1", n))
    for n in range(1, 31):
        pkts.append((3000.5 + 10.0 * (n - 1), "b2", n))
    for n in range(1, 51):
        if n != 48:
            pkts.append((10.0 * (n - 1) + 0.7, "c1", n))
    for n in range(51, 81):
        pkts.append((2500.7 + 10.0 * (n - 51), "c2", n))
    pkts.sort()
    exported = [False, False]
    for tm, who, n in pkts:
        ts = t.at_ms(tm)
        if who == "a":
            period = 0 if tm < 2000 else 1 if tm < 4000 else 2
            # The first packet of a new period exports the previous record: the
            # stream's counters go with it before this packet is counted.
            if period >= 1 and not exported[0]:
                sa.export(ra[1])
                exported[0] = True
            if period == 2 and not exported[1]:
                sa.export(ra[2])
                exported[1] = True
            t.esp(ts, ESP_A, ESP_B, 0xa00a, n, ra[period], sa)
        elif who in ("b1", "b2"):
            rec, st = (rb1, sb1) if who == "b1" else (rb2, sb2)
            t.esp(ts, ESP_B, ESP_A, 0xb00b, n, rec, st, smac=mac(0x20), dmac=mac(0x10))
        else:
            rec, st = (rc1, sc1) if who == "c1" else (rc2, sc2)
            t.esp(ts, "2001:db8:1::c", "2001:db8:2::c", 0xc00c, n, rec, st)
    return t


def trace_seq_restart_k():
    t = SeqTrace("seq_restart_k", "--seq-rtp-restart-k 1 and --seq-rtp-jump 500: one "
                 "packet 800 ahead restarts an RTP stream at once, and so does one from "
                 "before the window; --seq-esp-jump 1000: a 5000 jump in ESP needs its "
                 "second packet (K 2) to restart",
                 options=["--seq-rtp-restart-k", "1", "--seq-rtp-jump", "500",
                          "--seq-esp-jump", "1000"])
    r = t.flow(RTP_A, RTP_B, 17, 5004, 5006)
    s = Stream(t, "rtp", profile("rtp", k=1, jump=500), r)
    nums = list(Order(1, 200).drop(150)) + list(Order(1000, 1100).drop(1090)) + \
        list(range(5, 51))
    for n in nums:
        t.rtp(t.now(), RTP_A, RTP_B, 5004, 5006, 0x12121212, n, r, 0, s)
    e = t.flow(ESP_A, ESP_B, 50, spi=0xe00e)
    se = Stream(t, "esp", profile("esp", jump=1000), e)
    for n in list(Order(1, 100).drop(99)) + list(range(5100, 5131)):
        t.esp(t.now(), ESP_A, ESP_B, 0xe00e, n, e, se)
    return t


def trace_seq_pool():
    t = SeqTrace("seq_pool", "--seq-streams 1 with three streams at once (ESP, RTP, "
                 "tester): the first takes the only slot and is tracked exactly, the other "
                 "two are refused (poolFull) and their flows carry no seq fields",
                 options=["--seq-streams", "1", "--seq-tester-ports", "4000"], exact=False)
    re_ = t.flow(ESP_A, ESP_B, 50, spi=0xd00d)
    se = Stream(t, "esp", profile("esp"), re_)
    rr = t.flow(RTP_A, RTP_B, 17, 5004, 5004, seq=False)
    rt = t.flow("172.16.2.1", "172.16.2.2", 17, 4000, 4000, seq=False)
    oe = list(Order(1, 120).drop(30).move_after(60, 65))
    for i in range(120):
        if i < len(oe):
            t.esp(t.now(), ESP_A, ESP_B, 0xd00d, oe[i], re_, se)
        t.rtp(t.now(), RTP_A, RTP_B, 5004, 5004, 0x66666666, i + 1, rr, 0)
        t.tester(t.now(), "172.16.2.1", "172.16.2.2", 4000, 4000, 11, i + 1, rt)
    # Refused at least once each; at most once per packet.
    t.pool_full = {"min": 2, "max": 240}
    return t


TRACES = [trace_seq_esp, trace_seq_esp_esn, trace_seq_ext_lists, trace_seq_macsec,
          trace_seq_macsec_xpn, trace_seq_rtp, trace_seq_tester, trace_seq_tester_any,
          trace_seq_active, trace_seq_restart_k, trace_seq_pool]


def generate(outdir):
    fails = self_check()
    if fails:
        raise ModelError("the reference model disagrees with SEQUENCE.md:\n  " +
                         "\n  ".join(fails))
    os.makedirs(outdir, exist_ok=True)
    truths = [fn().write(outdir) for fn in TRACES]
    with open(os.path.join(outdir, "index.json"), "w") as f:
        json.dump([tr["name"] for tr in truths], f, indent=1)
        f.write("\n")
    return truths


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-check":
        fails = self_check()
        for f in fails:
            print("self-check: " + f, file=sys.stderr)
        print("self-check: %s" % ("FAILED" if fails else "the model agrees with SEQUENCE.md's "
                                  "worked examples"))
        return 1 if fails else 0
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: gen_seq_traces.py OUTDIR | --self-check", file=sys.stderr)
        return 2
    try:
        truths = generate(argv[1])
    except ModelError as exc:
        print("gen_seq_traces.py: %s" % exc, file=sys.stderr)
        return 1
    for tr in truths:
        print("%-16s %5d frames %3d records %3d streams %4d events" % (
            tr["name"], sum(tr["packets"]), len(tr["records"]), len(tr["streams"]),
            len(tr["events"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
