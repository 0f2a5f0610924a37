#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
"""Functional tests of evidence-grade output (issue 14, README "Encrypted
captures and signatures").

    test_evidence.py --wiremeter PATH --tool PATH --workdir DIR

Two runs on every functional trace (scripts/gen_traces.py) plus a 9 MB
trace made here (so the container has ten 1 MiB chunks): one plain, one
with --capture-key, --encrypt-outputs and --sign-key.

  RoundTripTests  wiremeter-tool decrypt gives the plain run's capture byte
                  for byte (the statistics blocks' write times aside), to a
                  file and through a pipe that tshark reads; the JSON outputs
                  decrypt to the plain run's; an independent decryptor written
                  from the README (python3-cryptography) agrees.
  TamperTests     a flipped bit in the header, a chunk body and a tag, two
                  chunks swapped, a chunk removed, cuts at several offsets
                  (one exactly at a chunk boundary), a wrong key, a file that
                  is not a container: each its own message, exit code 1, no
                  output file, and on a pipe only whole authenticated chunks.
  KeyFileTests    a key file of mode 0644, or not the user's: exit code 2,
                  one line naming the file.
  SignatureTests  FILE.sig of the capture, the JSON outputs and the report:
                  wiremeter-tool verify and the openssl command line accept
                  them, and refuse them after one changed byte; a P-256 key.
  TrustTests      --trust-key: a signed config and command file load;
                  unsigned, changed and wrongly signed ones are refused.
  TrustProgramTests  --trust-key and a device's XDP program (xdp_prog=,
                  on --vdev or in the config's "ports"): a signed one passes
                  and is loaded from a private copy; unsigned, changed and
                  wrongly signed ones are refused before EAL starts.
  ReopenTests     SIGHUP with --encrypt-outputs: after logrotate moved the file,
                  a new container (both whole and signed); in place, the
                  container goes on (a closed one cannot grow).
  LeakTests       no byte of the key, raw or hex, in any output, log line,
                  the console's show config or the report; nor in the telemetry
                  answers of a live run (which name the key file), whose
                  capture started through telemetry is a container.

Prints "N passed, M failed[, K skipped]" last; exits 77 when tshark, openssl
or scapy is missing (a failure under CI=true).
"""
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import time
import unittest

import ipfix_decode
import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STEM = "wmev"
TOOL = None
CHUNK = 1 << 20
HDR = 64
TRACES = {}
PCAPS = []
KEY = None  # the capture key's 32 bytes
RUNS = {}   # "plain" / "enc" -> (Run, rundir)


def tool(*argv, stdin=None):
    """wiremeter-tool argv: (rc, stdout bytes, stderr text)."""
    p = subprocess.run([TOOL] + list(argv), capture_output=True, stdin=stdin, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def big_trace(path, n=1100, size=9000):
    """n UDP jumbo frames over 200 flows, 1 ms apart, as a microsecond pcap: fewer
    packets than the capture pool and ring hold, so no run can drop a copy."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            payload = bytes((i + j) & 0xff for j in range(size - 42))
            udp = struct.pack(">HHHH", 10000 + i % 200, 53, 8 + len(payload), 0) + payload
            ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                             bytes([10, 1, 0, 1 + i % 200]), bytes([10, 2, 0, 1])) + udp
            eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip
            t = 1764936000000000 + i * 1000
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(eth), len(eth)) + eth)


def pcapng_masked(data):
    """A pcapng file with its statistics blocks' timestamps (the time they were
    written) zeroed: what two runs on the same input have in common."""
    out = bytearray(data)
    off = 0
    while off + 12 <= len(out):
        btype, blen = struct.unpack_from("<II", out, off)
        if blen < 12:
            break
        if btype == 5:
            out[off + 12:off + 20] = bytes(8)
        off += blen
    return bytes(out)


def readable(path):
    with open(path, "rb") as f:
        return f.read()


def ipfix_records(messages):
    """The flow and stream records of decoded IPFIX messages, sorted: what two
    runs on the same input have in common (export times and the options
    records of the exporter's own counters and clock differ)."""
    recs = []
    for m in messages:
        recs += m.flow_records() + m.other_records()
    return sorted(repr(sorted(r.items())) for r in recs)


def run_pair():
    """The plain and the encrypted run, once, on every trace."""
    for mode in ("plain", "enc"):
        d = wmtest.fresh_dir(mode)
        cmdfile = os.path.join(d, "cmds.txt")
        with open(cmdfile, "w") as f:
            f.write("show config\nshow capture\n")
        app = []
        for p in PCAPS:
            app += ["--pcap", p]
        app += ["--capture", "cap.pcapng", "--flows-json", "flows.jsonl", "--gaps-json",
                "gaps.jsonl", "--report", "report.json", "--stats-interval", "0",
                "--cmdline-file", cmdfile, "--ipfix", "file:flows.ipfix"]
        if mode == "enc":
            app += ["--capture-key", KEYFILE, "--encrypt-outputs", "--sign-key", SIGNKEY]
        run = wmtest.run_in(wmtest.prefix(STEM, mode), app, d, timeout=300)
        RUNS[mode] = (run, d)


class Case(unittest.TestCase):
    def run_of(self, mode):
        run, d = RUNS[mode]
        self.assertEqual(run.rc, 0, run.describe())
        return run, d


class RoundTripTests(Case):
    def test_capture_decrypts_to_the_plain_capture(self):
        _, pd = self.run_of("plain")
        _, ed = self.run_of("enc")
        plain = readable(os.path.join(pd, "cap.pcapng"))
        enc = os.path.join(ed, "cap.pcapng")
        self.assertGreater(len(plain), 8 * CHUNK, "the big trace makes several chunks")
        # Both runs captured every packet (the report is signed, not encrypted).
        for d in (pd, ed):
            rep = wmtest.read_json(os.path.join(d, "report.json"))
            self.assertEqual(rep["capture"]["captureDropped"], {"pool": 0, "ring": 0, "write": 0})
        out = os.path.join(ed, "dec.pcapng")
        rc, _, err = tool("decrypt", "--key", KEYFILE, enc, out)
        self.assertEqual(rc, 0, err)
        dec = readable(out)
        self.assertEqual(len(dec), len(plain))
        self.assertEqual(pcapng_masked(dec), pcapng_masked(plain))
        rc, piped, err = tool("decrypt", "--key", KEYFILE, enc, "-")
        self.assertEqual(rc, 0, err)
        self.assertEqual(piped, dec)
        # The container's size: header, and per chunk a length field and a tag.
        chunks = (len(plain) + CHUNK - 1) // CHUNK
        self.assertEqual(os.path.getsize(enc), HDR + chunks * 20 + len(plain))

    def test_tshark_reads_the_pipe(self):
        _, ed = self.run_of("enc")
        _, pd = self.run_of("plain")
        sh = "'%s' decrypt --key '%s' '%s' - | tshark -r - -T fields -e frame.len" % (
            TOOL, KEYFILE, os.path.join(ed, "cap.pcapng"))
        p = subprocess.run(["sh", "-c", sh], capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        want = subprocess.run(["tshark", "-r", os.path.join(pd, "cap.pcapng"), "-T", "fields",
                               "-e", "frame.len"], capture_output=True, text=True, timeout=300)
        self.assertGreater(len(p.stdout.splitlines()), 1100)
        self.assertEqual(p.stdout, want.stdout)

    def test_outputs_decrypt_to_the_plain_outputs(self):
        _, pd = self.run_of("plain")
        _, ed = self.run_of("enc")
        for name in ("flows.jsonl", "gaps.jsonl"):
            with self.subTest(name=name):
                enc = readable(os.path.join(ed, name))
                self.assertTrue(enc.startswith(b"\x89WMENC\r\n"), name)
                rc, dec, err = tool("decrypt", "--key", KEYFILE, os.path.join(ed, name))
                self.assertEqual(rc, 0, err)
                plain = readable(os.path.join(pd, name))
                if name == "flows.jsonl":
                    self.assertGreater(len(plain), 0)
                self.assertEqual(sorted(dec.splitlines()), sorted(plain.splitlines()))

    def test_ipfix_file_decrypts_to_the_plain_records(self):
        """The file: collector is an output too: a container that decrypts to an
        IPFIX file with the plain run's records (export times and the exporter's
        own options records aside: they say when, not what)."""
        _, pd = self.run_of("plain")
        _, ed = self.run_of("enc")
        path = os.path.join(ed, "flows.ipfix")
        self.assertTrue(readable(path).startswith(b"\x89WMENC\r\n"))
        rc, dec, err = tool("decrypt", "--key", KEYFILE, path)
        self.assertEqual(rc, 0, err)
        got = ipfix_records(ipfix_decode.decode_stream(dec))
        want = ipfix_records(ipfix_decode.decode_file(os.path.join(pd, "flows.ipfix")))
        self.assertGreater(len(want), 0)
        self.assertEqual(got, want)
        # Tampered: one flipped bit in its (only) chunk's body is refused, nothing written.
        bad = bytearray(readable(path))
        bad[HDR + 4 + min(len(dec), CHUNK) // 2] ^= 1
        with open(path + ".bad", "wb") as f:
            f.write(bad)
        rc, out, err = tool("decrypt", "--key", KEYFILE, path + ".bad", "-")
        self.assertEqual(rc, 1, err)
        self.assertIn("chunk 0 fails authentication", err)
        self.assertEqual(out, b"")

    def test_independent_decryptor_from_the_readme(self):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        _, ed = self.run_of("enc")
        _, pd = self.run_of("plain")
        data = readable(os.path.join(ed, "cap.pcapng"))
        hdr = data[:HDR]
        self.assertEqual(hdr[:8], b"\x89WMENC\r\n")
        version, cipher, hlen, chunk = struct.unpack(">BBHI", hdr[8:16])
        self.assertEqual((version, cipher, hlen, chunk), (1, 1, 64, CHUNK))
        self.assertEqual(hdr[16:32],
                         hashlib.sha256(b"wiremeter key id v1" + KEY).digest()[:16])
        # wiremeter-tool info says which key the file wants, without it.
        rc, out, err = tool("info", os.path.join(ed, "cap.pcapng"))
        self.assertEqual(rc, 0, err)
        self.assertIn("key id %s" % hdr[16:32].hex(), out.decode())
        self.assertIn("chunk %d bytes" % CHUNK, out.decode())
        # The report names the key by file and identifier.
        ev = wmtest.read_json(os.path.join(ed, "report.json"))["evidence"]
        self.assertEqual((ev["captureKeyFile"], ev["captureKeyId"]), (KEYFILE, hdr[16:32].hex()))
        self.assertTrue(ev["encryptOutputs"])
        self.assertEqual(ev["signKeyFile"], SIGNKEY)
        self.assertEqual(hdr[40:48], bytes(8))
        gcm = AESGCM(KEY)
        prefix = hdr[32:40]
        self.assertEqual(gcm.encrypt(prefix + b"\xff\xff\xff\xff", b"", hdr[:48]), hdr[48:])
        off, i, out = HDR, 0, []
        while True:
            (lf,) = struct.unpack(">I", data[off:off + 4])
            n = lf & 0x7fffffff
            ct = data[off + 4:off + 4 + n + 16]
            aad = hdr + struct.pack(">QI", i, lf)
            out.append(gcm.decrypt(prefix + struct.pack(">I", i), ct, aad))
            off += 4 + n + 16
            i += 1
            if lf & 0x80000000:
                break
        self.assertEqual(off, len(data))
        self.assertEqual(pcapng_masked(b"".join(out)),
                         pcapng_masked(readable(os.path.join(pd, "cap.pcapng"))))


class TamperTests(Case):
    @classmethod
    def setUpClass(cls):
        _, ed = RUNS["enc"]
        cls.dir = os.path.join(ed, "tamper")
        os.makedirs(cls.dir, exist_ok=True)
        cls.good = readable(os.path.join(ed, "cap.pcapng"))
        rc, cls.plain, _ = tool("decrypt", "--key", KEYFILE, os.path.join(ed, "cap.pcapng"))

    def chunk_at(self, i):
        return HDR + i * (4 + CHUNK + 16)

    def check(self, name, data, message, key=None):
        """Decrypt the damaged file to OUT and to a pipe: exit code 1 and the
        message; no OUT; on the pipe, only whole chunks of the plaintext."""
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        out = path + ".out"
        rc, _, err = tool("decrypt", "--key", key or KEYFILE, path, out)
        self.assertEqual(rc, 1, err)
        self.assertIn(message, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertFalse(os.path.exists(out), "a partial output file was left")
        self.assertEqual([f for f in os.listdir(self.dir) if ".part" in f], [])
        rc, piped, err = tool("decrypt", "--key", key or KEYFILE, path, "-")
        self.assertEqual(rc, 1, err)
        self.assertEqual(len(piped) % CHUNK, 0)
        self.assertEqual(piped, self.plain[:len(piped)])
        return piped

    def flip(self, off, bit=1):
        d = bytearray(self.good)
        d[off] ^= bit
        return bytes(d)

    def test_header_bit(self):
        self.check("hdr_chunksize", self.flip(14), "header fails authentication")
        self.check("hdr_prefix", self.flip(35, 0x10), "header fails authentication")
        self.check("hdr_tag", self.flip(50), "header fails authentication")
        self.check("hdr_magic", self.flip(1), "not a wiremeter container")

    def test_chunk_body_bit(self):
        piped = self.check("body7", self.flip(self.chunk_at(7) + 4 + 1000, 0x40),
                           "chunk 7 fails authentication")
        self.assertEqual(len(piped), 7 * CHUNK)

    def test_tag_bit(self):
        self.check("tag3", self.flip(self.chunk_at(3) + 4 + CHUNK + 15),
                   "chunk 3 fails authentication")

    def test_chunks_swapped_and_removed(self):
        a, b, c = self.chunk_at(2), self.chunk_at(3), self.chunk_at(4)
        g = self.good
        self.check("swap", g[:a] + g[b:c] + g[a:b] + g[c:], "chunk 2 fails authentication")
        self.check("removed", g[:a] + g[b:], "chunk 2 fails authentication")

    def test_cuts(self):
        for cut in (10, HDR, HDR + 3, self.chunk_at(1), self.chunk_at(5) + 777,
                    len(self.good) - 1):
            with self.subTest(cut=cut):
                msg = "not a wiremeter container" if cut < 8 else "ends before its final chunk"
                self.check("cut%d" % cut, self.good[:cut], msg)

    def test_wrong_key_and_not_a_container(self):
        other = os.path.join(self.dir, "other.key")
        with open(other, "w") as f:
            f.write("11" * 32 + "\n")
        os.chmod(other, 0o600)
        self.check("wrongkey", self.good, "key identifier does not match", key=other)
        self.check("plain", self.plain[:5000], "not a wiremeter container")


class KeyFileTests(Case):
    def usage_error(self, tag, keyfile):
        d = wmtest.fresh_dir("key_" + tag)
        run = wmtest.run_in(wmtest.prefix(STEM, "key" + tag),
                            ["--pcap", PCAPS[0], "--capture", "c.pcapng", "--capture-key",
                             keyfile], d, timeout=60)
        line = wmtest.assert_usage_error(self, run, keyfile)
        self.assertFalse(os.path.exists(os.path.join(d, "c.pcapng")))
        return line

    def test_mode_0644_refused(self):
        k = os.path.join(wmtest.WORKDIR, "open.key")
        shutil.copy(KEYFILE, k)
        os.chmod(k, 0o644)
        self.assertIn("readable by group or others", self.usage_error("open", k))

    def test_other_owner_refused(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to give the file to another user")
        k = os.path.join(wmtest.WORKDIR, "nobody.key")
        shutil.copy(KEYFILE, k)
        os.chmod(k, 0o600)
        os.chown(k, 65534, 65534)
        self.assertIn("not owned by the running user", self.usage_error("owner", k))


def openssl_verify(path, pub, ed25519=True):
    """The README's openssl commands: the statement's signature, then the
    file's size and SHA-256 against the statement. True when both hold."""
    sig = readable(path + ".sig").decode()
    lines = sig.splitlines(True)
    stmt, b64 = "".join(lines[:5]), lines[5].split(": ", 1)[1].strip()
    d = os.path.dirname(path)
    with open(os.path.join(d, "stmt.txt"), "w") as f:
        f.write(stmt)
    p = subprocess.run(["openssl", "base64", "-d", "-A", "-out", os.path.join(d, "sig.bin")],
                       input=b64.encode(), capture_output=True)
    if ed25519:
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in",
               os.path.join(d, "stmt.txt"), "-sigfile", os.path.join(d, "sig.bin")]
    else:
        cmd = ["openssl", "dgst", "-sha256", "-verify", pub, "-signature",
               os.path.join(d, "sig.bin"), os.path.join(d, "stmt.txt")]
    p = subprocess.run(cmd, capture_output=True, text=True)
    dgst = subprocess.run(["openssl", "dgst", "-sha256", "-r", path], capture_output=True,
                          text=True).stdout.split()[0]
    return (p.returncode == 0 and ("size: %d\n" % os.path.getsize(path)) in stmt and
            ("sha256: %s\n" % dgst) in stmt)


class SignatureTests(Case):
    def test_outputs_signed(self):
        _, ed = self.run_of("enc")
        for name in ("cap.pcapng", "flows.jsonl", "gaps.jsonl", "report.json", "flows.ipfix"):
            with self.subTest(name=name):
                path = os.path.join(ed, name)
                rc, out, err = tool("verify", "--pubkey", PUBKEY, path)
                self.assertEqual(rc, 0, err)
                self.assertTrue(openssl_verify(path, PUBKEY))

    def test_changed_byte_fails(self):
        _, ed = self.run_of("enc")
        d = os.path.join(ed, "sigcopy")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "report.json")
        shutil.copy(os.path.join(ed, "report.json"), path)
        shutil.copy(os.path.join(ed, "report.json.sig"), path + ".sig")
        self.assertTrue(openssl_verify(path, PUBKEY))
        data = bytearray(readable(path))
        data[len(data) // 2] ^= 1
        with open(path, "wb") as f:
            f.write(data)
        rc, _, err = tool("verify", "--pubkey", PUBKEY, path)
        self.assertEqual(rc, 1)
        self.assertIn("differs from its signature", err)
        self.assertFalse(openssl_verify(path, PUBKEY))

    def test_p256_sign_and_verify(self):
        d = wmtest.fresh_dir("p256")
        key, pub = os.path.join(d, "ec.pem"), os.path.join(d, "ec.pub")
        gen_keypair(key, pub, ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        path = os.path.join(d, "conf.json")
        with open(path, "w") as f:
            f.write('{"idle_timeout": 7}\n')
        rc, _, err = tool("sign", "--key", key, path)
        self.assertEqual(rc, 0, err)
        rc, _, err = tool("verify", "--pubkey", pub, path)
        self.assertEqual(rc, 0, err)
        self.assertTrue(openssl_verify(path, pub, ed25519=False))
        rc, _, err = tool("verify", "--pubkey", PUBKEY, path)
        self.assertEqual(rc, 1)
        self.assertIn("wrong key", err)


class TrustTests(Case):
    def start(self, tag, config=None, cmds=None):
        d = wmtest.fresh_dir("trust_" + tag)
        app = ["--pcap", PCAPS[0], "--trust-key", PUBKEY, "--stats-interval", "0"]
        paths = []
        for name, text, flag in (("config.json", config, "-c"),
                                 ("cmds.txt", cmds, "--cmdline-file")):
            if text is not None:
                p = os.path.join(d, name)
                with open(p, "w") as f:
                    f.write(text)
                app += [flag, p]
                paths.append(p)
        return d, app, paths

    def go(self, tag, app, d):
        return wmtest.run_in(wmtest.prefix(STEM, "trust" + tag), app, d, timeout=60)

    def test_signed_files_load(self):
        d, app, paths = self.start("ok", '{"idle_timeout": 5}\n', "show config\n")
        for p in paths:
            self.assertEqual(tool("sign", "--key", SIGNKEY, p)[0], 0)
        run = self.go("ok", app, d)
        self.assertEqual(run.rc, 0, run.describe())
        self.assertIn("idle_timeout", run.out)

    def refused(self, tag, which, damage, message):
        d, app, paths = self.start(tag, '{"idle_timeout": 5}\n', "show config\n")
        for p in paths:
            self.assertEqual(tool("sign", "--key", SIGNKEY, p)[0], 0)
        target = paths[which]
        damage(target)
        line = wmtest.assert_usage_error(self, self.go(tag, app, d), target)
        self.assertIn(message, line)

    def test_unsigned_refused(self):
        for which in (0, 1):
            self.refused("unsigned%d" % which, which, lambda p: os.unlink(p + ".sig"),
                         "missing signature")

    def test_changed_refused(self):
        def change(p):
            with open(p, "a") as f:
                f.write(" ")
        for which in (0, 1):
            self.refused("changed%d" % which, which, change, "differs from its signature")

    def test_checked_before_parsed(self):
        """A swapped config that is not even JSON is refused for its signature,
        not for its syntax: it is checked before it is parsed."""
        d, app, paths = self.start("garbage", "{not json", None)
        line = wmtest.assert_usage_error(self, self.go("garbage", app, d), paths[0])
        self.assertIn("missing signature", line)

    def test_wrongly_signed_refused(self):
        for which in (0, 1):
            self.refused("wrong%d" % which, which,
                         lambda p: tool("sign", "--key", OTHERKEY, p), "wrong key")

    def test_trust_key_only_from_the_flag(self):
        """A config naming its own trust key is refused: whoever can change the
        file could remove the key (and it would be parsed unchecked)."""
        d = wmtest.fresh_dir("trust_inconfig")
        p = os.path.join(d, "config.json")
        with open(p, "w") as f:
            json.dump({"evidence": {"trust_key": PUBKEY}}, f)
        app = ["-c", p, "--pcap", PCAPS[0], "--stats-interval", "0"]
        line = wmtest.assert_usage_error(self, self.go("inconfig", app, d), p)
        self.assertIn("--trust-key on the command line", line)


class TrustProgramTests(Case):
    """--trust-key and the XDP programs a device names (net_af_xdp's
    xdp_prog=, on EAL's --vdev or in the config's "ports"): refused before
    EAL unless FILE.sig verifies; a verified one is loaded from a private
    copy, gone at exit. (dts/test_engines.py loads one on a veth.)"""

    VIA = ("vdev", "config")

    def start(self, tag, via):
        d = wmtest.fresh_dir("trustprog_" + tag)
        prog = os.path.join(d, "prog.bpf.o")
        with open(prog, "wb") as f:
            f.write(b"\x7fELF" + bytes(range(256)) * 4)
        self.assertEqual(tool("sign", "--key", SIGNKEY, prog)[0], 0)
        # No such interface: a verified program gets as far as the PMD, which fails.
        dev = "net_af_xdp0,iface=wmnoif0,xdp_prog=" + prog
        eal = ["-l", "0-1", "--no-pci", "--no-huge", "-m", "256"]
        app = ["--pcap", PCAPS[0], "--trust-key", PUBKEY, "--stats-interval", "0"]
        if via == "vdev":
            eal += ["--vdev", dev]
        else:
            conf = os.path.join(d, "config.json")
            with open(conf, "w") as f:
                f.write('{"ports": ["%s"]}\n' % dev)
            self.assertEqual(tool("sign", "--key", SIGNKEY, conf)[0], 0)
            app += ["-c", conf]
        return d, prog, eal, app

    def go(self, tag, d, eal, app):
        return wmtest.run_in(wmtest.prefix(STEM, "tp" + tag), app, d, timeout=60, eal=eal)

    def test_signed_program_verified(self):
        for via in self.VIA:
            d, prog, eal, app = self.start("ok" + via, via)
            run = self.go("ok" + via, d, eal, app)
            self.assertFalse(run.timed_out, run.describe())
            self.assertNotIn("XDP program (xdp_prog=)", run.err, run.describe())
            m = re.search(r"XDP program (\S+) verified; net_af_xdp loads its private copy (\S+)",
                          run.err)
            self.assertIsNotNone(m, run.describe())
            self.assertEqual(m.group(1), prog)
            # The PMD was handed the copy, not the operator's path: the port it named failed.
            self.assertIn("net_af_xdp0", run.err)
            self.assertFalse(os.path.exists(m.group(2)), "the private copy outlived the run")
            self.assertFalse(os.path.exists(os.path.dirname(m.group(2))))

    def refused(self, tag, damage, message):
        for via in self.VIA:
            d, prog, eal, app = self.start(tag + via, via)
            damage(prog)
            run = self.go(tag + via, d, eal, app)
            line = wmtest.assert_usage_error(self, run, prog, "xdp_prog=")
            self.assertIn(message, line)
            self.assertNotIn("EAL:", run.err, "refused after EAL started")

    def test_unsigned_refused(self):
        self.refused("unsigned", lambda p: os.unlink(p + ".sig"), "missing signature")

    def test_changed_refused(self):
        def change(p):
            with open(p, "r+b") as f:
                f.seek(100)
                f.write(b"\xff")
        self.refused("changed", change, "differs from its signature")

    def test_wrongly_signed_refused(self):
        self.refused("wrong", lambda p: tool("sign", "--key", OTHERKEY, p), "wrong key")


class LeakTests(Case):
    def test_no_key_bytes_anywhere(self):
        run, ed = self.run_of("enc")
        needles = [KEY, KEY.hex().encode(), KEY.hex().upper().encode()]
        texts = {"stdout": run.out.encode(), "stderr": run.err.encode()}
        for name in sorted(os.listdir(ed)):
            path = os.path.join(ed, name)
            if os.path.isfile(path):
                texts[name] = readable(path)
        for name in ("flows.jsonl", "gaps.jsonl", "cap.pcapng"):
            texts[name + " (decrypted)"] = tool("decrypt", "--key", KEYFILE,
                                                os.path.join(ed, name))[1]
        self.assertIn(KEYFILE.encode(), texts["stdout"], "show config names the key file")
        for name, text in texts.items():
            for n in needles:
                with self.subTest(file=name):
                    self.assertNotIn(n, text)
        # Half the key (16 bytes) is enough to count as a leak.
        for name, text in texts.items():
            self.assertNotIn(KEY[:16], text, name)
            self.assertNotIn(KEY[16:], text, name)


def telemetry(pfx, command):
    """One command through Debian's dpdk-telemetry.py; its answer as text."""
    p = subprocess.run(["dpdk-telemetry.py", "-f", pfx], input=command + "\n",
                       capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        if line.strip().startswith("{"):
            return line
    raise AssertionError("no answer to %s: %r %r" % (command, p.stdout, p.stderr))


def start_endless(tag, app):
    """wiremeter on an endless replay of the sample trace with the options
    app, up and running (its telemetry socket there, its workers started);
    (process, prefix, stderr file, run dir)."""
    d = wmtest.fresh_dir(tag)
    pfx = wmtest.prefix(STEM, tag)
    sample = os.path.join(ROOT, "tests", "data", "sample.pcap")
    err = open(os.path.join(d, "stderr.txt"), "w+")
    cmd = wmtest.command(pfx, ["-l", "0-1", "--vdev",
                               "net_pcap0,rx_pcap=%s,infinite_rx=1" % sample],
                         app + ["--stats-interval", "0"])
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=err, cwd=d)
    sock = os.path.join(wmtest.RUNTIME, pfx, "dpdk_telemetry.v2")
    for _ in range(600):  # a bound on the wait, not a timing assertion
        err.seek(0)
        if os.path.exists(sock) and "worker(s)" in err.read():
            break
        time.sleep(0.1)
    return proc, pfx, err, d


class TelemetryLeakTests(Case):
    def test_telemetry_names_the_file_not_the_key(self):
        """An endless replay with a key: the telemetry answers name the key file,
        never the key; a capture started through telemetry is a container."""
        proc, pfx, err, d = start_endless("tel", ["--capture-key", KEYFILE])
        try:
            answers = [telemetry(pfx, c) for c in (
                "/wiremeter/config", "/wiremeter/stats",
                "/wiremeter/capture/start,file %s/t.pcapng count 20" % d)]
            for _ in range(600):
                a = telemetry(pfx, "/wiremeter/capture")
                if '"running": 0' in a:
                    break
                time.sleep(0.1)
            answers.append(a)
        finally:
            wmtest.stop(proc, signal.SIGINT, 60)
            err.close()
            wmtest.eal_cleanup(pfx)
        self.assertIn(KEYFILE, answers[0])
        for a in answers:
            for n in (KEY.hex(), KEY.hex().upper()):
                self.assertNotIn(n, a)
        rc, plain, e = tool("decrypt", "--key", KEYFILE, os.path.join(d, "t.pcapng"))
        self.assertEqual(rc, 0, e)
        self.assertTrue(plain.startswith(b"\x0a\x0d\x0d\x0a"))


class ReopenTests(Case):
    def endless(self, tag, flows):
        proc, pfx, err, _ = start_endless("reopen_" + tag, [
            "--flows-json", flows, "--capture-key", KEYFILE, "--encrypt-outputs",
            "--sign-key", SIGNKEY, "--active-timeout", "0.2"])
        return proc, pfx, err

    def finish(self, proc, pfx, err, moved):
        try:
            if moved is not None:
                os.rename(moved, moved + ".1")
            proc.send_signal(signal.SIGHUP)
            if moved is not None:
                for _ in range(600):
                    if os.path.exists(moved):
                        break
                    time.sleep(0.1)
        finally:
            rc = wmtest.stop(proc, signal.SIGINT, 60)
            err.seek(0)
            text = err.read()
            err.close()
            wmtest.eal_cleanup(pfx)
        self.assertEqual(rc, 0, text)
        return text

    def records(self, path):
        rc, out, err = tool("decrypt", "--key", KEYFILE, path)
        self.assertEqual(rc, 0, err)
        rc, _, err = tool("verify", "--pubkey", PUBKEY, path)
        self.assertEqual(rc, 0, err)
        return out.splitlines()

    def test_sighup_after_a_move_starts_a_new_container(self):
        d = wmtest.fresh_dir("reopen_moved_out")
        flows = os.path.join(d, "flows.jsonl")
        proc, pfx, err = self.endless("moved", flows)
        self.finish(proc, pfx, err, flows)
        # Both whole containers, both signed; the new one has the records of the end.
        self.records(flows + ".1")
        self.assertGreater(len(self.records(flows)), 0)

    def test_sighup_in_place_keeps_the_container(self):
        d = wmtest.fresh_dir("reopen_kept_out")
        flows = os.path.join(d, "flows.jsonl")
        proc, pfx, err = self.endless("kept", flows)
        text = self.finish(proc, pfx, err, None)
        self.assertIn("a closed container cannot grow", text)
        self.assertGreater(len(self.records(flows)), 0)


def gen_keypair(key, pub, algo):
    subprocess.run(["openssl", "genpkey"] + algo + ["-out", key], check=True,
                   capture_output=True)
    os.chmod(key, 0o600)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True,
                   capture_output=True)


def setup(opt):
    global TOOL, KEYFILE, SIGNKEY, PUBKEY, OTHERKEY, KEY
    TOOL = os.path.abspath(opt.tool)
    keys = wmtest.fresh_dir("keys")
    KEYFILE = os.path.join(keys, "capture.key")
    rc, _, err = tool("keygen", KEYFILE)
    if rc != 0:
        raise RuntimeError(err)
    mode = stat.S_IMODE(os.stat(KEYFILE).st_mode)
    assert mode == 0o600, "keygen made mode %o" % mode
    KEY = bytes.fromhex(readable(KEYFILE).decode().strip())
    SIGNKEY, PUBKEY = os.path.join(keys, "sign.pem"), os.path.join(keys, "sign.pub")
    gen_keypair(SIGNKEY, PUBKEY, ["-algorithm", "ED25519"])
    OTHERKEY = os.path.join(keys, "other.pem")
    gen_keypair(OTHERKEY, os.path.join(keys, "other.pub"), ["-algorithm", "ED25519"])
    for name in TRACES:
        PCAPS.extend(os.path.join(wmtest.WORKDIR, "traces", p) for p in TRACES[name]["pcaps"])
    big = os.path.join(wmtest.WORKDIR, "big.pcap")
    big_trace(big)
    PCAPS.append(big)
    run_pair()


def main():
    def add(ap):
        ap.add_argument("--tool", required=True, help="path of wiremeter-tool")
    opt, rest = wmtest.args(add, strict=False)
    missing = wmtest.missing_tools([("tshark", "tshark"), ("openssl", "openssl"),
                                    ("dpdk-telemetry.py", "dpdk")])
    missing += wmtest.missing_modules([("scapy", "python3-scapy"),
                                       ("cryptography", "python3-cryptography")])
    rc = wmtest.setup_traces(missing, os.path.join(ROOT, "scripts", "gen_traces.py"), TRACES)
    if rc is not None:
        return rc
    try:
        setup(opt)
        suite = unittest.TestSuite()
        for cls in (RoundTripTests, TamperTests, KeyFileTests, SignatureTests, TrustTests,
                    TrustProgramTests,
                    LeakTests, TelemetryLeakTests, ReopenTests):
            suite.addTests(unittest.TestLoader().loadTestsFromTestCase(cls))
        return wmtest.run_and_verdict(suite, STEM)
    finally:
        wmtest.eal_cleanup_all(STEM)


if __name__ == "__main__":
    sys.exit(main())
