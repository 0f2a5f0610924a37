#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""A plain-socket IPFIX collector for the soak test, one process per collector.

    collector.py --proto tcp|udp --port PORT --stats FILE

It decodes every message it reads (RFC 7011: header, template and options
template sets, data sets walked record by record with the session's
templates) and keeps, in FILE (rewritten atomically at most every 0.2 s, and
at SIGTERM), what it has stored: sessions, messages, flow records (data
records of templates 256-261; the options records, statistics and sequence
streams, are not flows), data records of every template, and the problems it
found: messages that do not parse, data sets of unknown templates, and, on
TCP, sequence numbers that differ from the data records of the earlier
messages of the session and domain (RFC 7011 §3.1: every connection is a new
session that starts at 0). What is counted in FILE is "stored": a SIGKILL
loses what was read since the last write, as a real collector loses what it
had read and not stored.

SIGUSR1 makes it stop reading and accepting for good, sockets left open: a
TCP exporter then sees the collector's receive window close (and new
connections wait in the listen backlog, which the kernel completes on its
own); a UDP socket lets the kernel drop what does not fit.
"""
import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

FLOW_TIDS = range(256, 262)     # wiremeter's flow templates (README: 256-261)
STALLED = False
STOP = False


class Session:
    """One TCP connection, or one UDP peer: templates and sequence numbers."""

    def __init__(self, check_seq):
        self.buf = b""
        self.templates = {}     # (domain, tid) -> [field lengths]
        self.next_seq = {}      # domain -> data records of earlier messages
        self.check_seq = check_seq


class Stats:
    def __init__(self, path):
        self.path = path
        self.c = {"sessions": 0, "messages": 0, "flowRecords": 0, "dataRecords": 0,
                  "badMessages": 0, "unknownTemplate": 0, "seqErrors": 0, "stalled": False,
                  "bytes": 0}
        self.last_write = 0.0

    def write(self, force=False):
        now = time.monotonic()
        if not force and now - self.last_write < 0.2:
            return
        self.last_write = now
        self.c["stalled"] = STALLED
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.c, f)
        os.replace(tmp, self.path)


def parse_template_set(sess, domain, body, options):
    off = 0
    while len(body) - off >= 4:
        tid, count = struct.unpack_from("!HH", body, off)
        off += 4
        if options:
            if len(body) - off < 2:
                return False
            off += 2  # the scope field count: scope fields are fields too
        lengths = []
        for _ in range(count):
            if len(body) - off < 4:
                return False
            ie, ln = struct.unpack_from("!HH", body, off)
            off += 4
            if ie & 0x8000:
                off += 4
            lengths.append(ln)
        sess.templates[(domain, tid)] = lengths
    return True


def count_records(lengths, body):
    """Data records in a data set: walk them (variable-length fields: RFC 7011 §7)."""
    fixed = sum(ln for ln in lengths if ln != 0xFFFF) + sum(1 for ln in lengths if ln == 0xFFFF)
    off, n = 0, 0
    while len(body) - off >= max(fixed, 1):
        for ln in lengths:
            if ln == 0xFFFF:
                ln = body[off]
                off += 1
                if ln == 255:
                    ln = struct.unpack_from("!H", body, off)[0]
                    off += 2
            off += ln
        if off > len(body):
            return None
        n += 1
    return n


def handle_message(st, sess, msg):
    """Decode one whole message; count what it holds."""
    version, length, _, seq, domain = struct.unpack_from("!HHIII", msg, 0)
    if version != 10 or length != len(msg):
        st.c["badMessages"] += 1
        return
    off, records, flows = 16, 0, 0
    while off + 4 <= length:
        sid, slen = struct.unpack_from("!HH", msg, off)
        if slen < 4 or off + slen > length:
            st.c["badMessages"] += 1
            return
        body = msg[off + 4:off + slen]
        if sid in (2, 3):
            if not parse_template_set(sess, domain, body, sid == 3):
                st.c["badMessages"] += 1
                return
        elif sid >= 256:
            lengths = sess.templates.get((domain, sid))
            if lengths is None:
                st.c["unknownTemplate"] += 1
            else:
                n = count_records(lengths, body)
                if n is None:
                    st.c["badMessages"] += 1
                    return
                records += n
                if sid in FLOW_TIDS:
                    flows += n
        off += slen
    if sess.check_seq and seq != sess.next_seq.get(domain, 0):
        st.c["seqErrors"] += 1
    sess.next_seq[domain] = seq + records
    st.c["messages"] += 1
    st.c["dataRecords"] += records
    st.c["flowRecords"] += flows


def tcp_take(st, sess, data):
    sess.buf += data
    while len(sess.buf) >= 4:
        version, length = struct.unpack_from("!HH", sess.buf, 0)
        if version != 10 or length < 16:
            st.c["badMessages"] += 1
            sess.buf = b""
            return False
        if len(sess.buf) < length:
            break
        handle_message(st, sess, sess.buf[:length])
        sess.buf = sess.buf[length:]
    return True


def run_tcp(st, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(8)
    st.write(force=True)  # the file says: listening
    conns = {}
    while not STOP:
        if STALLED:
            # Read nothing, accept nothing; the sockets stay open.
            st.write()
            time.sleep(0.1)
            continue
        try:
            r, _, _ = select.select([ls] + list(conns), [], [], 0.1)
        except InterruptedError:
            continue
        for s in r:
            if STALLED:
                break
            if s is ls:
                c, _ = ls.accept()
                conns[c] = Session(check_seq=True)
                st.c["sessions"] += 1
                continue
            try:
                data = s.recv(262144)
            except OSError:
                data = b""
            st.c["bytes"] += len(data)
            if not data or not tcp_take(st, conns[s], data):
                s.close()
                del conns[s]
        st.write()


def run_udp(st, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    st.write(force=True)
    peers = {}
    while not STOP:
        if STALLED:
            st.write()
            time.sleep(0.1)
            continue
        try:
            r, _, _ = select.select([s], [], [], 0.1)
        except InterruptedError:
            continue
        if r:
            data, addr = s.recvfrom(65535)
            st.c["bytes"] += len(data)
            if addr not in peers:
                # UDP drops datagrams when the socket is full: no sequence check.
                peers[addr] = Session(check_seq=False)
                st.c["sessions"] += 1
            if len(data) >= 16:
                handle_message(st, peers[addr], data)
            else:
                st.c["badMessages"] += 1
        st.write()


def main():
    global STALLED, STOP
    ap = argparse.ArgumentParser()
    ap.add_argument("--proto", choices=("tcp", "udp"), required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--stats", required=True)
    a = ap.parse_args()
    st = Stats(a.stats)

    def on_usr1(*_):
        global STALLED
        STALLED = True

    def on_term(*_):
        global STOP
        STOP = True

    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, on_term)
    (run_tcp if a.proto == "tcp" else run_udp)(st, a.port)
    st.write(force=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
