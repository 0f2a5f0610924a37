#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""An IPFIX-over-TLS collector for test_ipfix.py, on Python's ssl module:

    tls_receiver.py PORT CERT KEY OUT [--client-ca CA] [--tls12]

Listens on 127.0.0.1:PORT (TLS 1.2 or 1.3, CERT and KEY its certificate),
with --client-ca requires a client certificate that CA signed, with
--tls12 speaks TLS 1.2 at most. Takes one
connection at a time and writes what each session carried, decrypted, to
OUT.1, OUT.2, ... (the IPFIX messages back to back; the test decodes them
strictly). Prints "listening" once it listens, and one line on stderr per
session: "session N: <TLS version> <cipher> peer=<client certificate
subject or ->", or "handshake failed: <reason>".

On SIGTERM it stops as a collector that reads everything it was sent
before it closes: the current session is read to its end (until nothing
has come for 0.3 s), then the sockets close.
"""

import argparse
import select
import signal
import socket
import ssl
import sys

stopping = False


def on_term(_sig, _frame):
    global stopping
    stopping = True


def serve(conn, path):
    """Read one session into path until the peer closes it or we stop."""
    quiet = 0
    with open(path, "wb") as f:
        while True:
            r, _, _ = select.select([conn], [], [], 0.1)
            if not r and conn.pending() == 0:
                if stopping:
                    quiet += 1
                    if quiet >= 3:
                        return
                continue
            quiet = 0
            try:
                data = conn.recv(65536)
            except ssl.SSLWantReadError:
                continue
            except (ssl.SSLError, OSError) as exc:
                print("session read failed: %s" % exc, file=sys.stderr, flush=True)
                return
            if not data:
                return
            f.write(data)
            f.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("cert")
    ap.add_argument("key")
    ap.add_argument("out")
    ap.add_argument("--client-ca")
    ap.add_argument("--tls12", action="store_true")
    opt = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if opt.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(opt.cert, opt.key)
    if opt.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(opt.client_ca)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", opt.port))
    lsock.listen(4)
    print("listening", flush=True)
    n = 0
    while not stopping:
        r, _, _ = select.select([lsock], [], [], 0.1)
        if not r:
            continue
        raw, _ = lsock.accept()
        # wiremeter drives its handshake from the main lcore's loop, which on a
        # loaded machine may still be starting (pools, tables) seconds after
        # its connect: a short wait here failed handshakes that were only slow.
        raw.settimeout(60)
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            print("handshake failed: %s" % exc, file=sys.stderr, flush=True)
            raw.close()
            continue
        n += 1
        peer = conn.getpeercert()
        subject = dict(x[0] for x in peer["subject"]).get("commonName") if peer else "-"
        print("session %d: %s %s peer=%s" % (n, conn.version(), conn.cipher()[0], subject),
              file=sys.stderr, flush=True)
        conn.setblocking(False)
        serve(conn, "%s.%d" % (opt.out, n))
        conn.close()
    lsock.close()


if __name__ == "__main__":
    main()
