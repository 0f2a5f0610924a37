#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Other tools' captures and golden files as tests (issue 13, item 8).

Reads the peer corpus in ../shared/heldout-ext/ (SOURCES.md there says where
every capture comes from and what its expected files mean), or the folder
--corpus names:

- every Ethernet capture of MANIFEST.tsv meters with exit 0, conservation on
  every port, and records that hold every metered packet; every parse error
  left is listed in PARSE_ERRORS below with the reason it is right;
- Linux cooked, raw IP, loopback and PPP captures meter like Ethernet ones
  (issue 13, item 4; PPP since issue 12's replay port hands it over);
- ipfixprobe's `basic` (mixed.pcap) and `vlan` golden outputs: every biflow's
  packets and bytes both ways, exactly (idle 30 s, active 300 s, as its test);
- Suricata-verify's eve-flow-vlan* and eve-flow-esp checks on their flows;
- Zeek's conn.log baselines of the tunnel traces: each inner connection's
  packets and IP bytes both ways;
- derived-tshark/rtp (tshark -z rtp,streams with its RTP heuristic): with
  --seq-rtp-heuristic on, each RTP stream's packets and loss, stream by
  stream where a record carries it, and the report's totals over all of
  them (several SSRCs on one 5-tuple are streams of their own).

Without the folder the suite says so and skips (exit 77); under CI=true that
is a failure, as for any skip.
"""

import csv
import glob
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wmtest  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_CORPUS = os.path.normpath(os.path.join(ROOT, "..", "shared", "heldout-ext"))
EAL = ["-l", "0-1", "--no-huge", "-m", "512"]
# ipfixprobe's test runs: inactive 30 s, active 300 s, in packet time.
TIMEOUTS = ["--idle-timeout", "30", "--active-timeout", "300", "--stats-interval", "0"]

OPT = None

# Parse errors left on the corpus, (file, reason) -> (count, why that is right).
# Each is a truly malformed frame; anything not listed here fails the suite.
TINY_FRAGMENT = ("a first IP fragment with fewer than 20 bytes of TCP header: an RFC 1858 "
                 "tiny fragment, which RFC 3128 has filters drop")
PARSE_ERRORS = {
    ("ndpi/pcap/ip_fragmented_garbage.pcap", "tcpTruncated"): (4, TINY_FRAGMENT),
    ("suricata-verify/defrag/bug-6887-defrag-eth-vlan-ipv4-tcp-syn/frag-eth-vlan-ip-tcp-syn.pcap",
     "tcpTruncated"): (1, TINY_FRAGMENT),
    # The same datagram as a raw IPv4 capture, handed over by the replay port.
    ("suricata-verify/defrag/bug-6887-defrag-ipv4-tcp-syn/frag-ip-tcp-syn.pcap",
     "tcpTruncated"): (1, TINY_FRAGMENT),
    # And as a PPP capture (the replay port hands PPP over since issue 12).
    ("suricata-verify/defrag/bug-6887-defrag-ppp-ipv4-tcp-syn/frag-ppp-ip-tcp-syn.pcap",
     "tcpTruncated"): (1, TINY_FRAGMENT),
    ("tcpdump/esp_truncated.pcap", "espTruncated"):
        (1, "NAT-T ESP cut by the 46-byte snap length after 5 bytes: no sequence number"),
    ("tcpdump/ip6_frag_asan.pcap", "ipv6BadExtChain"):
        (1, "a fuzzer's frame: 6 of the 8 bytes of a fragment header, so no protocol"),
    ("tcpdump/ipv6_frag6_negative_len.pcap", "ipv6BadExtChain"):
        (1, "payload length 0 with a fragment header after the IPv6 header"),
    ("tcpdump/macsec-snap.pcap", "sectagTruncated"):
        (1, "a SecTAG with SC set cut by the 20-byte snap length: its SCI, the key, is not "
            "there"),
    ("tcpdump/rtp-seg-fault-1.pcapng", "udpBadLength"):
        (1, "a fuzzer's frame: UDP length 57343 in a 37-byte IPv4 packet"),
    ("zeek/Traces/ipv6-mobility-dst-opts.pcap", "ipv6BadExtChain"):
        (1, "a 40-byte destination options header in a 36-byte IPv6 payload"),
}

# Zeek tunnel baselines left out, with the reason.
ZEEK_SKIP = {
    # AYIYA (UDP 5072) is not one of the encapsulations this meter decodes.
    "core.tunnels.ayiya": "AYIYA not decoded",
}

# Zeek connections this meter counts otherwise, with the reason: name ->
# {connection: (orig packets, orig IP bytes, resp packets, resp IP bytes) to add}.
# Fragmented outer packets (core.tunnels.gtp.outer_ip_frag and
# different_dl_and_ul) are metered as Zeek counts them: the outer first
# fragment is its inner packet, whole, and the rest of the outer datagram is
# absorbed into it (fragmentsAbsorbed), without reassembly.
ZEEK_ADJUST = {
    # Four outer first fragments (IDs 0x01ae, 0x7495, 0x766b, 0xed7d) whose
    # second fragment is not in the capture: Zeek cannot reassemble them and
    # never sees their inner packets (1480 bytes each); this meter, which
    # does not reassemble, meters each first fragment's inner packet.
    "core.tunnels.gtp.outer_ip_frag": {
        (6, "10.131.47.185", 1923, "79.101.110.141", 80): (0, 0, 4, 4 * 1480),
    },
}

# tshark's RTP streams this meter does not track, with the reason.
TURN_TCP = ("RTP in TURN ChannelData over TCP port 3478 (RFC 8656 12.4), which tshark "
            "digs out of the TCP stream; sequence tracking reads RTP in UDP only")
RTP_UNCONFIRMED = {
    ("ndpi/pcap/stun_dtls_rtp.pcapng", 0x2F696C70): TURN_TCP,
    ("ndpi/pcap/stun_dtls_rtp.pcapng", 0x321D28BB): TURN_TCP,
}


def corpus_path(*parts):
    return os.path.join(OPT.corpus, *parts)


def manifest():
    """Rows of MANIFEST.tsv that are capture files (they have a link type)."""
    with open(corpus_path("MANIFEST.tsv")) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [r for r in rows if r.get("linktype")]


def meter(name, pcap, extra=()):
    """Run wiremeter over one capture; (rc, stderr, records, report)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", name)[-60:]
    rc, _, err, recs, rep = wmtest.run("wmcorpus", stem, EAL,
                                       ["--pcap", pcap] + TIMEOUTS + list(extra), timeout=300)
    return rc, err, recs, rep


def biflows(recs):
    """Records as {(proto, src, sport, dst, dport, vlan): [pkts, bytes, pkts_rev, bytes_rev]},
    summed over records of the same key (an active timeout splits none here)."""
    out = {}
    for r in recs:
        src = r.get("sourceIPv4Address", r.get("sourceIPv6Address"))
        if src is None:
            continue
        dst = r.get("destinationIPv4Address", r.get("destinationIPv6Address"))
        key = (r["protocolIdentifier"], wmtest.norm_addr(src), r["sourceTransportPort"],
               wmtest.norm_addr(dst), r["destinationTransportPort"])
        v = out.setdefault(key, [])
        v.append((r["packetDeltaCount"], r["octetDeltaCount"], r["reversePacketDeltaCount"],
                  r["reverseOctetDeltaCount"]))
    return {k: sorted(v) for k, v in out.items()}


def ipfixprobe_flows(path):
    """ipfixprobe's UniRec text: the same shape as biflows()."""
    out = {}
    with open(path) as f:
        lines = [ln.strip() for ln in f if ln.strip()]
    header = [h.split()[-1] for h in lines[-1].split(",")]
    for ln in lines[:-1]:
        v = dict(zip(header, ln.split(",")))
        key = (int(v["PROTOCOL"]), wmtest.norm_addr(v["SRC_IP"]), int(v["SRC_PORT"]),
               wmtest.norm_addr(v["DST_IP"]), int(v["DST_PORT"]))
        out.setdefault(key, []).append((int(v["PACKETS"]), int(v["BYTES"]),
                                        int(v["PACKETS_REV"]), int(v["BYTES_REV"])))
    return {k: sorted(v) for k, v in out.items()}


def flow_diff(exp, got):
    lines = []
    for k in sorted(set(exp) | set(got), key=repr):
        if exp.get(k) != got.get(k):
            lines.append("  %s: expected %s, got %s" % (k, exp.get(k), got.get(k)))
    return lines


def zeek_tests():
    """{baseline name: trace path} of Zeek's tunnel tests that keep a conn.log."""
    out, name = {}, None
    with open(corpus_path("zeek", "TESTS.txt")) as f:
        for ln in f:
            m = re.match(r"^### (\S+)", ln)
            if m:
                name = m.group(1)
                continue
            m = re.search(r"zeek .*-r \$TRACES/(\S+\.pcap)", ln)
            if m and name and name.startswith("core.tunnels.") and name not in out:
                if os.path.isfile(corpus_path("zeek", "Baseline", name, "conn.log")):
                    out[name] = corpus_path("zeek", "Traces", m.group(1))
    return out


def zeek_inner_conns(path):
    """Zeek's conn.log rows of connections inside a tunnel (tunnel_parents set):
    {(proto, orig, orig_p, resp, resp_p): [(orig_pkts, orig_ip_bytes, resp_pkts,
    resp_ip_bytes)]}. ICMP's "ports" are type and code in Zeek, 0 here."""
    out, fields = {}, None
    with open(path) as f:
        for ln in f:
            ln = ln.rstrip("\n")
            if ln.startswith("#fields"):
                fields = ln.split("\t")[1:]
                continue
            if ln.startswith("#") or not fields:
                continue
            v = dict(zip(fields, ln.split("\t")))
            if v.get("tunnel_parents", "-") == "-":
                continue
            proto = {"tcp": 6, "udp": 17, "icmp": 1}.get(v["proto"])
            if proto is None:
                continue
            if v["proto"] == "icmp" and ":" in v["id.orig_h"]:
                proto = 58
            ports = (0, 0) if proto in (1, 58) else (int(v["id.orig_p"]), int(v["id.resp_p"]))
            key = (proto, wmtest.norm_addr(v["id.orig_h"]), ports[0],
                   wmtest.norm_addr(v["id.resp_h"]), ports[1])
            out.setdefault(key, []).append((int(v["orig_pkts"]), int(v["orig_ip_bytes"]),
                                            int(v["resp_pkts"]), int(v["resp_ip_bytes"])))
    return {k: sorted(x) for k, x in out.items()}


def suricata_checks(path):
    """The "filter" checks of a Suricata-verify test.yaml: [(count, {key: value})].
    Only the shape those files use (a list of filters, each a count and a flat
    match of scalars and [lists]), read by hand: no YAML module is needed."""
    checks, cur, in_match = [], None, False
    with open(path) as f:
        for ln in f:
            body = ln.split("#", 1)[0].rstrip()
            if re.match(r"^\s*- filter:\s*$", body):
                cur = [None, {}]
                checks.append(cur)
                in_match = False
                continue
            if cur is None or not body.strip():
                continue
            m = re.match(r"^\s*(\S+):\s*(.*)$", body)
            if not m:
                continue
            k, v = m.group(1), m.group(2).strip()
            if k == "count":
                cur[0] = int(v)
            elif k == "match":
                in_match = True
            elif in_match:
                if v.startswith("["):
                    v = [int(x) for x in v.strip("[]").split(",") if x.strip()]
                elif re.match(r"^-?\d+$", v):
                    v = int(v)
                cur[1][k] = v
    return checks


def suricata_match(rec, match):
    """Does a record satisfy a Suricata flow/netflow match? Its VLAN list is
    (vlanId, dot1qCustomerVlanId) here: the outermost and the innermost tag."""
    for k, v in match.items():
        if k == "event_type":
            continue
        if k == "vlan":
            want = (v[0], v[-1] if len(v) >= 2 else 0)
            if (rec.get("vlanId"), rec.get("dot1qCustomerVlanId", 0)) != want:
                return False
        elif k == "spi":
            if rec.get("ipsecSPI") != v:
                return False
        elif k in ("src_ip", "dest_ip"):
            fam = [f for f in ("IPv4", "IPv6")
                   if ("source%sAddress" % f) in rec]
            if not fam:
                return False
            field = ("source" if k == "src_ip" else "destination") + fam[0] + "Address"
            if wmtest.norm_addr(rec[field]) != wmtest.norm_addr(v):
                return False
        elif k in ("flow.pkts_toserver", "netflow.pkts"):
            if rec.get("packetDeltaCount") != v:
                return False
        elif k == "flow.pkts_toclient":
            if rec.get("reversePacketDeltaCount") != v:
                return False
        else:
            raise AssertionError("a Suricata match key this suite does not read: %s" % k)
    return True


def tshark_rtp_streams(path):
    """tshark -z rtp,streams: [(src, sport, dst, dport, ssrc, packets, lost)]."""
    out = []
    with open(path) as f:
        for ln in f:
            m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+"
                         r"(0x[0-9A-Fa-f]+)\s+\S+\s+(\d+)\s+(-?\d+) ", ln)
            if m:
                g = m.groups()
                out.append((wmtest.norm_addr(g[0]), int(g[1]), wmtest.norm_addr(g[2]),
                            int(g[3]), int(g[4], 16), int(g[5]), int(g[6])))
    return out


def record_rtp_streams(recs):
    """The RTP streams records carry, each direction's first:
    {(src, sport, dst, dport, ssrc): (received, lost)}."""
    out = {}
    for r in recs:
        src = wmtest.norm_addr(r.get("sourceIPv4Address", r.get("sourceIPv6Address")))
        dst = wmtest.norm_addr(r.get("destinationIPv4Address",
                                     r.get("destinationIPv6Address")))
        sp, dp = r.get("sourceTransportPort"), r.get("destinationTransportPort")
        if r.get("seqStreamKind") == "rtp":
            out[(src, sp, dst, dp, r["rtpSSRC"])] = (r["seqReceivedCount"], r["seqLostCount"])
        if r.get("reverseSeqStreamKind") == "rtp":
            out[(dst, dp, src, sp, r["reverseRtpSSRC"])] = (r["reverseSeqReceivedCount"],
                                                             r["reverseSeqLostCount"])
    return out


def rtp_capture(listing):
    """The capture a derived-tshark/rtp listing was made from: its path with
    '/' as '_' (ndpi_pcap_rtp.pcapng -> ndpi/pcap/rtp.pcapng)."""
    stem = os.path.basename(listing)[:-len(".rtp_streams.txt")]
    hits = [r["file"] for r in manifest() if r["file"].replace("/", "_") == stem]
    return hits[0] if len(hits) == 1 else None


def rtp_compare(name, tshark, recs, rep):
    """Problems of one capture: every stream a record carries equals tshark's
    (packets, loss); the report's totals equal tshark's over the streams this
    meter can confirm."""
    problems = []
    want = [t for t in tshark if (name, t[4]) not in RTP_UNCONFIRMED]
    got = record_rtp_streams(recs)
    for key in sorted(set(got) - {t[:5] for t in want}):
        problems.append("%s: a stream tshark does not list: %s" % (name, key))
    for t in want:
        if t[:5] in got and got[t[:5]] != (t[5], t[6]):
            problems.append("%s: stream %s: (packets, lost) %s, tshark %s" % (
                name, t[:5], got[t[:5]], (t[5], t[6])))
    ss = rep["seqStreams"]
    totals = (ss["tracked"], ss["packetsTracked"], ss["lost"])
    exp = (len(want), sum(t[5] for t in want), sum(t[6] for t in want))
    if totals != exp:
        problems.append("%s: report (streams, packets, lost) %s, tshark %s" % (
            name, totals, exp))
    return problems


def icmp_totals(flows):
    """ICMP flows summed per address pair, both directions together: Zeek keys ICMP
    by (type, code) as its ports and splits what this meter keeps as one biflow."""
    out = {}
    for k, v in flows.items():
        if k[0] not in (1, 58):
            out[k] = v
            continue
        pair = (k[0],) + tuple(sorted((k[1], k[3])))
        tot = out.setdefault(pair, [(0, 0)])
        p = sum(x[0] + x[2] for x in v)
        b = sum(x[1] + x[3] for x in v)
        tot[0] = (tot[0][0] + p, tot[0][1] + b)
    return out


class Corpus(unittest.TestCase):
    maxDiff = None

    def test_every_capture_meters(self):
        """Exit 0, conservation, every metered packet in a record, and only the
        listed parse errors, on every capture: the replay port hands over every
        link type of the corpus (Linux cooked v1/v2, raw IP, BSD loopback and
        PPP with a synthesised Ethernet header)."""
        problems, seen = [], set()
        for row in manifest():
            path = corpus_path(row["file"])
            rc, err, recs, rep = meter(row["file"], path)
            if rc != 0 or rep is None:
                problems.append("%s: rc %s: %s" % (row["file"], rc, err.strip()[-300:]))
                continue
            if not rep["conservation"]["ok"] or not all(p["conservationOk"] for p in rep["ports"]):
                problems.append("%s: conservation fails: %s" % (row["file"], rep["conservation"]))
            in_records = sum(r["packetDeltaCount"] + r["reversePacketDeltaCount"] for r in recs)
            # A fragment absorbed into its tunnel's inner packet is in no record.
            if in_records + rep["fragmentsAbsorbed"] != rep["packetsMetered"]:
                problems.append("%s: %d packets in records + %d absorbed, %d metered" % (
                    row["file"], in_records, rep["fragmentsAbsorbed"], rep["packetsMetered"]))
            for reason, n in rep["parseErrors"].items():
                if n == 0:
                    continue
                seen.add((row["file"], reason))
                want = PARSE_ERRORS.get((row["file"], reason))
                if want is None or want[0] != n:
                    problems.append("%s: %d %s, %s" % (
                        row["file"], n, reason,
                        "not listed" if want is None else "listed %d" % want[0]))
        for k in sorted(set(PARSE_ERRORS) - seen):
            problems.append("%s: listed %s did not happen" % k)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def golden_ipfixprobe(self, pcap, golden):
        rc, err, recs, _ = meter(pcap, corpus_path("ipfixprobe", "inputs", pcap))
        self.assertEqual(rc, 0, err)
        exp = ipfixprobe_flows(corpus_path("ipfixprobe", "outputs", golden))
        diff = flow_diff(exp, biflows(recs))
        self.assertEqual(diff, [], "\n%s vs ipfixprobe's %s:\n%s" % (pcap, golden, "\n".join(diff)))

    def test_ipfixprobe_basic(self):
        self.golden_ipfixprobe("mixed.pcap", "basic")

    def test_ipfixprobe_vlan(self):
        self.golden_ipfixprobe("vlan.pcap", "vlan")

    def test_suricata_eve_flow(self):
        """eve-flow-esp and eve-flow-vlan*: the flow checks of their test.yaml (a
        netflow event is one direction of a flow: an ESP SA here)."""
        problems = []
        for test in ("eve-flow-esp", "eve-flow-vlan", "eve-flow-vlan-02"):
            d = corpus_path("suricata-verify", test)
            rc, err, recs, _ = meter(test, os.path.join(d, "input.pcap"))
            if rc != 0:
                problems.append("%s: rc %s: %s" % (test, rc, err.strip()[-200:]))
                continue
            for count, match in suricata_checks(os.path.join(d, "test.yaml")):
                n = sum(1 for r in recs if suricata_match(r, match))
                if n != count:
                    problems.append("%s: %d records match %s, expected %d" % (test, n, match,
                                                                            count))
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_zeek_tunnel_conns(self):
        """Every inner connection of Zeek's tunnel baselines, packets and IP bytes both
        ways; the outer connections Zeek also logs are not this meter's flows."""
        problems = []
        for name, pcap in sorted(zeek_tests().items()):
            exp = zeek_inner_conns(corpus_path("zeek", "Baseline", name, "conn.log"))
            if not exp or name in ZEEK_SKIP:
                continue
            rc, err, recs, _ = meter(name, pcap)
            if rc != 0:
                problems.append("%s: rc %s: %s" % (name, rc, err.strip()[-200:]))
                continue
            for key, add in ZEEK_ADJUST.get(name, {}).items():
                exp[key] = [tuple(a + b for a, b in zip(exp[key][0], add))]
            exp = icmp_totals(exp)
            got = {k: v for k, v in icmp_totals(biflows(recs)).items() if k in exp}
            diff = flow_diff(exp, got)
            if diff:
                problems.append("%s (%s):" % (name, os.path.basename(pcap)))
                problems.extend(diff)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_tshark_rtp_streams(self):
        """derived-tshark/rtp: each RTP stream's packets and loss, with the RTP
        heuristic on. TRex's delay_10_sip_video_call_full.pcap is the reorder
        case: 823 and 821 packets, 7 swapped pairs each, nothing lost (two of
        its voice payloads look like TRex trailers: frames 1246 and 1247)."""
        problems, seen = [], 0
        listings = sorted(glob.glob(corpus_path("derived-tshark", "rtp", "*.rtp_streams.txt")))
        for listing in listings:
            name = rtp_capture(listing)
            if name is None:
                problems.append("%s: no capture in MANIFEST.tsv" % listing)
                continue
            rc, err, recs, rep = meter(name, corpus_path(name), ["--seq-rtp-heuristic", "on"])
            if rc != 0 or rep is None:
                problems.append("%s: rc %s: %s" % (name, rc, err.strip()[-200:]))
                continue
            tshark = tshark_rtp_streams(listing)
            seen += len(tshark)
            problems += rtp_compare(name, tshark, recs, rep)
        self.assertGreater(seen, 0, "no RTP stream in the tshark listings")
        self.assertEqual(problems, [], "\n" + "\n".join(problems))


def main():
    global OPT

    def add(ap):
        ap.add_argument("--corpus", default=DEFAULT_CORPUS,
                        help="the peer corpus folder (default %s)" % DEFAULT_CORPUS)

    OPT, rest = wmtest.args(add)
    if not os.path.isfile(os.path.join(OPT.corpus, "MANIFEST.tsv")):
        print("the corpus suite reads other tools' captures and golden files from %s "
              "(MANIFEST.tsv, SOURCES.md): that folder is absent here; give another with "
              "--corpus DIR" % OPT.corpus)
        if wmtest.CI:
            print("CI=true: the corpus must be there; 0 passed, 1 failed")
            return 1
        print("skipped: no corpus")
        return wmtest.SKIP
    return wmtest.run_tests(rest)


if __name__ == "__main__":
    sys.exit(main())
