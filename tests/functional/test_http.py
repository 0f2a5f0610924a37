#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Functional tests of the HTTP server (--http) against a running wiremeter:

- a replay that ends (net_pcap, with an idle net_ring port keeping wiremeter up):
  /metrics passes promtool and a Prometheus text parser written here, its
  figures equal telemetry's; every REST endpoint answers what dpdk-telemetry.py
  answers at the same moment; 400 (naming the parameter), 404, 405 and 413; the
  flight recorder downloads as pcapng that tshark reads;
- a ring capture with --sign-key: GET /api/v1/captures lists exactly the ring's
  files still on disk; a history download leaves no file (nor its .sig) behind;
- a real Prometheus server scrapes it, and its query API returns
  wiremeter_packets_metered_total equal to the report's packetsMetered;
- an endless replay on a non-loopback bind with a bearer token and TLS: 401 for a
  missing or wrong token, counted in /metrics; a capture started over HTTPS and
  downloaded holds exactly the packets its filter selects (tshark);
- refused configurations: a token file readable by others, a non-loopback bind
  without a token (exit code 2, the file or option named).

Run by meson (suite functional):
    test_http.py --wiremeter PATH --workdir DIR
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"
TOKEN = "t0ken-%d" % os.getpid()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sample_pcap():
    """scripts/gen_sample.py's trace (32 packets, one a parse error), and its packet count."""
    path = os.path.join(wmtest.WORKDIR, "sample.pcap")
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(ROOT, "scripts", "gen_sample.py"), path], check=True,
                       capture_output=True)
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, check=True).stdout
    return path, len(out.split())


def curl(url, method="GET", data=None, token=None, cacert=None, headers=False):
    """(status, body bytes, headers text) of one request made by curl."""
    cmd = ["curl", "-s", "-S", "-m", "30", "-X", method, "-o", "-", "-D", "/dev/stderr",
           "-w", "", url]
    if data is not None:
        cmd += ["--data-binary", "@-", "-H", "Content-Type: application/json"]
    if token is not None:
        cmd += ["-H", "Authorization: Bearer " + token]
    if cacert is not None:
        cmd += ["--cacert", cacert]
    p = subprocess.run(cmd, input=data.encode() if isinstance(data, str) else data,
                       capture_output=True, timeout=60)
    head = p.stderr.decode(errors="replace")
    m = re.findall(r"^HTTP/[\d.]+ (\d+)", head, re.M)
    if not m:
        raise AssertionError("curl %s: no answer (rc %d): %s" % (url, p.returncode, head))
    return int(m[-1]), p.stdout, head


def curl_json(url, **kw):
    status, body, _ = curl(url, **kw)
    return status, json.loads(body)


telemetry = wmtest.telemetry


# ---- the Prometheus text format, parsed by the rules of exposition format 0.0.4 ----

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s,?)*)\})? ([^ ]+)$" % (NAME, LABEL))


def parse_prom(text):
    """{family: {"type", "help", "samples": [(labels dict, value)]}}; raises on any bad line."""
    fams, cur = {}, None
    for ln in text.splitlines():
        if ln.startswith("# HELP ") or ln.startswith("# TYPE "):
            _, kind, name, rest = ln.split(" ", 3)
            f = fams.setdefault(name, {"samples": []})
            if kind == "TYPE":
                if rest not in ("counter", "gauge", "untyped", "summary", "histogram"):
                    raise ValueError("bad type: " + ln)
                if f["samples"] or "type" in f:
                    raise ValueError("TYPE after samples or twice: " + ln)
                f["type"] = rest
            else:
                f["help"] = rest
            cur = name
            continue
        if not ln or ln.startswith("#"):
            continue
        m = SAMPLE.match(ln)
        if m is None:
            raise ValueError("bad sample line: %r" % ln)
        name, labels, value = m.group(1), m.group(2), m.group(5)
        if name != cur:
            raise ValueError("sample %s outside its family %s" % (name, cur))
        lab = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
               for k, v in re.findall(LABEL, labels or "")}
        fams[name]["samples"].append((lab, float(value)))
    return fams


def value(fams, name, **labels):
    for lab, v in fams[name]["samples"]:
        if all(lab.get(k) == str(x) for k, x in labels.items()):
            return v
    raise AssertionError("no sample %s%r" % (name, labels))


class Wiremeter:
    """A wiremeter started in the background, stopped by SIGINT (by PID)."""

    def __init__(self, name, eal, app):
        self.prefix = wmtest.prefix("wmh", name)
        self.dir = os.path.join(wmtest.WORKDIR, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.err_path = os.path.join(self.dir, "stderr.txt")
        self.out = open(os.path.join(self.dir, "stdout.txt"), "w")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(wmtest.command(self.prefix, eal, app), stdout=self.out,
                                     stderr=self.err, stdin=subprocess.DEVNULL, cwd=self.dir)

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def wait_http(self, url, timeout=60, **kw):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("wiremeter exited (%d): %s" % (self.proc.returncode,
                                                                    self.stderr()))
            if "HTTP" in self.stderr():
                try:
                    if curl(url, **kw)[0] == 200:
                        return
                except AssertionError:
                    pass
            time.sleep(0.2)
        raise AssertionError("no HTTP answer after %ds: %s" % (timeout, self.stderr()))

    def stop(self):
        rc = wmtest.stop(self.proc, signal.SIGINT, 60)
        self.out.close()
        self.err.close()
        wmtest.eal_cleanup(self.prefix)
        return rc


# A replay that ends, and a port that never receives so that wiremeter stays up after it.
EAL_SMALL = ["--no-huge", "-m", "512", "--no-pci", "-l", "0,1"]
APP_SMALL = ["--flow-capacity", "4096", "--mbufs", "8192", "--stats-interval", "0",
             "--idle-timeout", "3600", "--active-timeout", "3600"]


def replay_run(name, pcap, extra):
    return Wiremeter(name, EAL_SMALL + ["--vdev", "net_pcap0,rx_pcap=" + pcap,
                                       "--vdev", "net_ring0"], APP_SMALL + extra)


def wait_replayed(base, n_pkts, timeout=60, **kw):
    """Until every packet of the file was taken (stats totals 'received')."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, st = curl_json(base + "/api/v1/stats?section=totals", **kw)
        if status == 200 and st["totals"]["received"] == n_pkts:
            time.sleep(0.3)  # one more snapshot period for the main lcore's totals
            return
        time.sleep(0.2)
    raise AssertionError("the replay did not end")


class ReplayTest(unittest.TestCase):
    """Loopback bind, no token: metrics, REST against telemetry, status codes, history."""

    @classmethod
    def setUpClass(cls):
        cls.pcap, cls.n_pkts = sample_pcap()
        cls.port = free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        cls.ipfix = os.path.join(wmtest.WORKDIR, "replay.ipfix")
        cls.wm = replay_run("replay", cls.pcap,
                            ["--http", "127.0.0.1:%d" % cls.port, "--capture-history", "64",
                             "--ipfix", "file:" + cls.ipfix])
        cls.wm.wait_http(cls.base + "/metrics")
        wait_replayed(cls.base, cls.n_pkts)

    @classmethod
    def tearDownClass(cls):
        cls.rc = cls.wm.stop()

    def metrics(self):
        status, body, head = curl(self.base + "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("Content-Type: text/plain; version=0.0.4", head)
        return body.decode()

    def test_metrics_promtool(self):
        if shutil.which("promtool") is None:
            self.skipTest(wmtest.skip_reason("promtool missing (Debian package prometheus)"))
        p = subprocess.run(["promtool", "check", "metrics"], input=self.metrics(),
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout.strip() + p.stderr.strip(), "")

    def test_metrics_names_labels_and_values(self):
        fams = parse_prom(self.metrics())
        for name, f in fams.items():
            self.assertTrue(name.startswith("wiremeter_"), name)
            self.assertIn("type", f, name)
            self.assertEqual(f["type"] == "counter", name.endswith("_total"), name)
        tel = telemetry(self.wm.prefix, "/wiremeter/stats")
        totals = tel["totals"]
        self.assertEqual(value(fams, "wiremeter_packets_metered_total", port=0),
                         totals["metered"])
        self.assertEqual(value(fams, "wiremeter_packets_metered_total", port=1), 0)
        self.assertEqual(fams["wiremeter_flows_active"]["type"], "gauge")
        self.assertEqual(value(fams, "wiremeter_flows_active", worker=0), totals["flowsActive"])
        for reason, n in tel["parseErrors"].items():
            self.assertEqual(value(fams, "wiremeter_parse_errors_total", reason=reason), n)
        self.assertEqual(sum(tel["parseErrors"].values()), 1)
        for reason, n in tel["recordsByEndReason"].items():
            self.assertEqual(value(fams, "wiremeter_flows_exported_total", reason=reason), n)
        for kind in ("macsec", "esp", "rtp", "tester"):
            value(fams, "wiremeter_seq_lost_total", kind=kind)
        self.assertEqual(value(fams, "wiremeter_port_rx_missed_total", port=0),
                         tel["port0"]["imissed"])
        self.assertEqual(value(fams, "wiremeter_port_rx_packets_total", port=0), self.n_pkts)
        col = tel["collector0"]["uri"]
        self.assertEqual(value(fams, "wiremeter_ipfix_records_not_sent_total", collector=col),
                         tel["collector0"]["notSentFlowTotalCount"])
        self.assertEqual(value(fams, "wiremeter_capture_dropped_total"), 0)

    def same_as_telemetry(self, path, command, volatile=()):
        """The HTTP answer equals telemetry's, but for keys that move every poll."""
        status, got = curl_json(self.base + path)
        self.assertEqual(status, 200, got)
        exp = telemetry(self.wm.prefix, command)

        def strip(o):
            if isinstance(o, dict):
                return {k: strip(v) for k, v in o.items() if k not in volatile}
            return o
        self.assertEqual(strip(got), strip(exp), path)
        return got

    def test_rest_equals_telemetry(self):
        self.same_as_telemetry("/api/v1/stats?section=totals", "/wiremeter/stats,totals",
                               ("snapshotAgeMs",))
        self.same_as_telemetry("/api/v1/stats?section=ports", "/wiremeter/stats,ports")
        self.same_as_telemetry("/api/v1/stats?section=ipfix", "/wiremeter/stats,ipfix")
        flows = self.same_as_telemetry("/api/v1/flows?top=5&sort=packets",
                                       "/wiremeter/flows,5,packets")
        self.assertEqual(len(flows), 5)
        self.same_as_telemetry("/api/v1/flows?top=3", "/wiremeter/flows,3,octets")
        self.same_as_telemetry("/api/v1/streams?n=2", "/wiremeter/streams,2")
        self.same_as_telemetry("/api/v1/streams?n=2&lossy=1", "/wiremeter/streams,2,lossy")
        self.same_as_telemetry("/api/v1/gaps?n=4", "/wiremeter/gaps,4")
        cfg = self.same_as_telemetry("/api/v1/config", "/wiremeter/config")
        self.assertEqual(cfg["http"], "127.0.0.1:%d" % self.port)
        lc = self.same_as_telemetry("/api/v1/lcores", "/wiremeter/lcores",
                                    ("busyCycles", "polls", "busyPermille"))
        self.assertEqual(sorted(r["role"] for r in lc.values()), ["main", "worker"])

    def test_one_flow_by_key(self):
        _, flows = curl_json(self.base + "/api/v1/flows?top=1")
        f = flows["1"]
        key = "%s:%d-%s:%d/%d" % (f["sourceIPv4Address"], f["sourceTransportPort"],
                                  f["destinationIPv4Address"], f["destinationTransportPort"],
                                  f["protocolIdentifier"])
        if f.get("vlanId"):
            key += "@%d" % f["vlanId"]
        got = self.same_as_telemetry("/api/v1/flows/" + key, "/wiremeter/flow," + key)
        self.assertEqual(got["found"], 1)
        self.assertEqual(got["octetDeltaCount"], f["octetDeltaCount"])
        status, err = curl_json(self.base + "/api/v1/flows/10.9.9.9:1-10.9.9.8:2/17")
        self.assertEqual((status, err["status"]), (404, 404))

    def assert_error(self, status, path, method="GET", data=None, names=None):
        got, body, head = curl(self.base + path, method=method, data=data)
        self.assertEqual(got, status, body)
        err = json.loads(body)
        self.assertEqual(err["status"], status)
        if names is not None:
            self.assertTrue(err["error"].startswith(names + ":"), err)
        return head

    def test_bad_parameters_400(self):
        self.assert_error(400, "/api/v1/flows?top=0", names="top")
        self.assert_error(400, "/api/v1/flows?top=25", names="top")
        self.assert_error(400, "/api/v1/flows?top=x", names="top")
        self.assert_error(400, "/api/v1/flows?sort=bytes", names="sort")
        self.assert_error(400, "/api/v1/stats?section=nope", names="section")
        self.assert_error(400, "/api/v1/streams?lossy=yes", names="lossy")
        self.assert_error(400, "/api/v1/streams?n=-1", names="n")
        self.assert_error(400, "/api/v1/gaps?n=33", names="n")
        self.assert_error(400, "/api/v1/flows/not-a-key", names="key")
        self.assert_error(400, "/api/v1/captures/history?count=x", names="count")
        self.assert_error(400, "/api/v1/capture", "POST", "{", names="body")
        self.assert_error(400, "/api/v1/capture", "POST", '{"count":"many"}', names="count")
        self.assert_error(400, "/api/v1/capture", "POST", '{"file":"../x"}', names="file")
        # A space or control byte would add words to the controller's text.
        self.assert_error(400, "/api/v1/capture", "POST", '{"file":"x count 1"}', names="file")
        self.assert_error(400, "/api/v1/capture", "POST", '{"file":"x\\tcount"}',
                          names="file")
        self.assert_error(400, "/api/v1/capture", "POST", '{"file":".hidden"}', names="file")
        self.assert_error(400, "/api/v1/capture", "POST", '{"filter":"udp file /x"}',
                          names="filter")
        self.assert_error(400, "/api/v1/capture", "POST", '{"colour":1}', names="colour")

    def test_404_405_413(self):
        self.assert_error(404, "/api/v1/nothing")
        self.assert_error(404, "/metrics/x")
        self.assert_error(404, "/api/v1/captures/nope.pcapng")
        self.assert_error(404, "/api/v1/capture", "DELETE")  # none running
        head = self.assert_error(405, "/metrics", "POST", "{}")
        self.assertRegex(head, r"(?im)^Allow: GET\r?$")
        head = self.assert_error(405, "/api/v1/capture", "GET")
        self.assertRegex(head, r"(?im)^Allow: POST, DELETE\r?$")
        self.assert_error(413, "/api/v1/capture", "POST", "{" + " " * 5000 + "}")

    def test_healthz(self):
        status, ans = curl_json(self.base + "/healthz")
        self.assertEqual((status, ans), (200, {"status": "ok"}))

    def test_history_download(self):
        for count, expect in (("?count=5", 5), ("", self.n_pkts)):
            status, body, head = curl(self.base + "/api/v1/captures/history" + count)
            self.assertEqual(status, 200)
            self.assertIn("Content-Type: application/x-pcapng", head)
            path = os.path.join(self.wm.dir, "history%d.pcapng" % expect)
            with open(path, "wb") as f:
                f.write(body)
            out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertEqual(len(out.stdout.split()), expect)


class RingSignedTest(unittest.TestCase):
    """A ring capture with --sign-key: the list shows every file of the ring still on disk;
    a history download leaves nothing in EAL's runtime folder."""

    @classmethod
    def setUpClass(cls):
        cls.pcap, cls.n_pkts = sample_pcap()
        cls.dir = os.path.join(wmtest.WORKDIR, "ring")  # not the run's own folder
        shutil.rmtree(cls.dir, ignore_errors=True)
        os.makedirs(cls.dir)
        cls.key = os.path.join(cls.dir, "sign.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", cls.key],
                       check=True, capture_output=True)
        os.chmod(cls.key, 0o600)
        cls.port = free_port()
        cls.base = "http://127.0.0.1:%d" % cls.port
        # 1 kB files: the 32 packets fill more files than the ring keeps.
        cls.wm = replay_run("ringsign", cls.pcap,
                            ["--http", "127.0.0.1:%d" % cls.port, "--capture-history", "64",
                             "--capture", os.path.join(cls.dir, "r.pcapng"),
                             "--capture-ring", "files:3,filesize:0.001",
                             "--sign-key", cls.key])
        cls.wm.wait_http(cls.base + "/metrics")
        wait_replayed(cls.base, cls.n_pkts)

    @classmethod
    def tearDownClass(cls):
        cls.wm.stop()

    def on_disk(self):
        return sorted(n for n in os.listdir(self.dir)
                      if n.startswith("r_") and n.endswith(".pcapng"))

    def test_ring_lists_its_files(self):
        listed, disk = None, None
        deadline = time.time() + 60
        while time.time() < deadline:  # until the writer has caught up with the replay
            status, ans = curl_json(self.base + "/api/v1/captures")
            self.assertEqual(status, 200)
            listed = sorted(f["name"] for f in ans["files"])
            disk = self.on_disk()
            if listed == disk and len(disk) == 3:
                break
            time.sleep(0.2)
        self.assertEqual(listed, disk)
        self.assertEqual(len(disk), 3, disk)
        # The ring went round: the first file was deleted, and is not listed.
        self.assertNotRegex(disk[0], r"^r_00001_")
        status, body, _ = curl(self.base + "/api/v1/captures/" + disk[0])
        self.assertEqual(status, 200)
        self.assertEqual(len(body), os.path.getsize(os.path.join(self.dir, disk[0])))

    def test_history_leaves_no_signature(self):
        runtime = [d for d in (os.path.join(wmtest.RUNTIME, self.wm.prefix),
                               os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                            "dpdk", self.wm.prefix)) if os.path.isdir(d)]
        self.assertTrue(runtime, "no EAL runtime folder")
        status, body, _ = curl(self.base + "/api/v1/captures/history?count=5")
        self.assertEqual(status, 200)
        self.assertGreater(len(body), 0)
        left = [n for d in runtime for n in os.listdir(d) if n.startswith("http-history-")]
        self.assertEqual(left, [])


class PrometheusScrapeTest(unittest.TestCase):
    """A real Prometheus server scrapes wiremeter; its query equals the report."""

    def test_query_equals_report(self):
        if shutil.which("prometheus") is None:
            self.skipTest(wmtest.skip_reason("prometheus missing (Debian package prometheus)"))
        pcap, n_pkts = sample_pcap()
        port, pport = free_port(), free_port()
        report = os.path.join(wmtest.WORKDIR, "prom-report.json")
        pdir = os.path.join(wmtest.WORKDIR, "prometheus")
        shutil.rmtree(pdir, ignore_errors=True)
        os.makedirs(pdir)
        conf = os.path.join(pdir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n"
                    "  - job_name: wiremeter\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % port)
        wm = replay_run("prom", pcap, ["--http", "127.0.0.1:%d" % port, "--report", report])
        prom = None
        try:
            base = "http://127.0.0.1:%d" % port
            wm.wait_http(base + "/metrics")
            wait_replayed(base, n_pkts)
            with open(os.path.join(pdir, "log.txt"), "w") as log:
                prom = subprocess.Popen(["prometheus", "--config.file", conf,
                                         "--storage.tsdb.path", os.path.join(pdir, "data"),
                                         "--web.listen-address", "127.0.0.1:%d" % pport],
                                        stdout=log, stderr=log, cwd=pdir)
            q = ("http://127.0.0.1:%d/api/v1/query?query="
                 "sum(wiremeter_packets_metered_total)" % pport)
            got = None
            deadline = time.time() + 90
            while got is None and time.time() < deadline:
                time.sleep(1)
                try:
                    status, ans = curl_json(q)
                except (AssertionError, ValueError):
                    continue
                if status == 200 and ans["data"]["result"]:
                    got = int(float(ans["data"]["result"][0]["value"][1]))
            self.assertIsNotNone(got, "Prometheus never scraped wiremeter")
        finally:
            wmtest.stop(prom)
            rc = wm.stop()
        self.assertEqual(rc, 0, wm.stderr())
        with open(report) as f:
            self.assertEqual(got, json.load(f)["packetsMetered"])
        self.assertEqual(got, n_pkts - 1)  # one packet of the sample is a parse error


def make_tls(d):
    """A self-signed certificate for 127.0.0.1 and its key (mode 0600), by openssl."""
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


class TokenTlsCaptureTest(unittest.TestCase):
    """A non-loopback bind: token and TLS; a capture started and downloaded over HTTPS."""

    @classmethod
    def setUpClass(cls):
        cls.pcap, _ = sample_pcap()
        cls.dir = os.path.join(wmtest.WORKDIR, "tls")
        shutil.rmtree(cls.dir, ignore_errors=True)
        os.makedirs(cls.dir)
        cls.cert, key = make_tls(cls.dir)
        cls.token = os.path.join(cls.dir, "token")
        with open(cls.token, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(cls.token, 0o600)
        cls.port = free_port()
        # Every interface is bound; the test only ever connects over loopback.
        cls.base = "https://127.0.0.1:%d" % cls.port
        cls.wm = Wiremeter("tlsrun", EAL_SMALL + ["--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1"
                                               % cls.pcap],
                           APP_SMALL + ["--http", "0.0.0.0:%d" % cls.port,
                                        "--http-token-file", cls.token,
                                        "--http-tls", "%s,%s" % (cls.cert, key)])
        cls.wm.wait_http(cls.base + "/metrics", token=TOKEN, cacert=cls.cert)

    @classmethod
    def tearDownClass(cls):
        cls.wm.stop()

    def get(self, path, **kw):
        kw.setdefault("token", TOKEN)
        return curl(self.base + path, cacert=self.cert, **kw)

    def unauthorized(self):
        fams = parse_prom(self.get("/metrics")[1].decode())
        return value(fams, "wiremeter_http_unauthorized_total")

    def test_token_401_counted(self):
        before = self.unauthorized()
        status, body, head = self.get("/api/v1/stats", token=None)
        self.assertEqual(status, 401)
        self.assertIn("WWW-Authenticate: Bearer", head)
        self.assertEqual(json.loads(body)["status"], 401)
        self.assertEqual(self.get("/metrics", token=TOKEN + "x")[0], 401)
        self.assertEqual(self.get("/api/v1/nothing", token="")[0], 401)
        self.assertEqual(self.unauthorized(), before + 3)
        self.assertEqual(self.get("/api/v1/lcores")[0], 200)

    def test_plain_http_refused_on_tls(self):
        with self.assertRaises(AssertionError):
            curl("http://127.0.0.1:%d/metrics" % self.port, token=TOKEN)

    def test_capture_over_https(self):
        ans = None
        status, body, _ = self.get("/api/v1/capture", method="POST",
                                   data=json.dumps({"filter": "udp", "file": "http.pcapng",
                                                    "count": 40}))
        self.assertEqual(status, 201, body)
        self.assertIn("http.pcapng", json.loads(body)["message"])
        # The capture ends by itself after its count (the replay loops without end).
        deadline = time.time() + 60
        while time.time() < deadline:
            status, body, _ = self.get("/api/v1/captures")
            ans = json.loads(body)
            if not ans["running"]:
                break
            time.sleep(0.2)
        self.assertFalse(ans["running"], ans)
        names = [f["name"] for f in ans["files"]]
        self.assertIn("http.pcapng", names)
        status, body, head = self.get("/api/v1/captures/http.pcapng")
        self.assertEqual(status, 200)
        self.assertIn("Content-Type: application/x-pcapng", head)
        self.assertIn('filename="http.pcapng"', head)
        path = os.path.join(self.dir, "downloaded.pcapng")
        with open(path, "wb") as f:
            f.write(body)
        entry = [f for f in ans["files"] if f["name"] == "http.pcapng"][0]
        self.assertEqual(len(body), entry["size"])
        every = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                               capture_output=True, text=True)
        self.assertEqual(every.returncode, 0, every.stderr)
        self.assertEqual(len(every.stdout.split()), 40)
        other = subprocess.run(["tshark", "-r", path, "-Y", "not udp", "-T", "fields", "-e",
                                "frame.number"], capture_output=True, text=True)
        self.assertEqual(other.stdout.split(), [])
        # Exactly the packets the filter selects: 40 in a row of those libpcap's own "udp"
        # (tcpdump) selects from the looping file (tagged frames are not among them).
        from scapy.all import rdpcap
        sel = os.path.join(self.dir, "selected.pcap")
        subprocess.run(["tcpdump", "-r", self.pcap, "-w", sel, "udp"], check=True,
                       capture_output=True)
        udp = [bytes(p) for p in rdpcap(sel)]
        got = [bytes(p) for p in rdpcap(path)]
        self.assertTrue(udp)
        starts = [i for i in range(len(udp)) if udp[i] == got[0]]
        self.assertTrue(any(all(got[k] == udp[(i + k) % len(udp)] for k in range(len(got)))
                            for i in starts), "not a run of the file's UDP packets")


class RefusedConfigTest(unittest.TestCase):
    """Configurations wiremeter refuses before EAL, with exit code 2."""

    def run_refused(self, app, *names):
        d = os.path.join(wmtest.WORKDIR, "refused")
        os.makedirs(d, exist_ok=True)
        pcap, _ = sample_pcap()
        p = subprocess.run(wmtest.command(wmtest.prefix("wmh", "refused"), EAL_SMALL,
                                          ["--pcap", pcap] + app),
                           capture_output=True, text=True, timeout=60, cwd=d)
        wmtest.eal_cleanup(wmtest.prefix("wmh", "refused"))
        self.assertEqual(p.returncode, 2, p.stderr)
        for n in names:
            self.assertIn(n, p.stderr)
        self.assertNotIn(TOKEN, p.stderr + p.stdout)

    def test_token_readable_by_others(self):
        tok = os.path.join(wmtest.WORKDIR, "token-0644")
        with open(tok, "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(tok, 0o644)
        self.run_refused(["--http", "127.0.0.1:%d" % free_port(), "--http-token-file", tok],
                         tok, "readable by group or others")

    def test_non_loopback_needs_token(self):
        self.run_refused(["--http", "0.0.0.0:%d" % free_port()], "--http-token-file")

    def test_bad_address(self):
        self.run_refused(["--http", "127.0.0.1"], "--http", "ADDR:PORT")
        self.run_refused(["--http", "example.org:80"], "--http", "not an IPv4 address")


def main():
    return wmtest.main([("curl", "curl"), ("tshark", "tshark"), ("openssl", "openssl"),
                        ("tcpdump", "tcpdump"),
                        ("dpdk-telemetry.py", "dpdk"), ("promtool", "prometheus"),
                        ("prometheus", "prometheus")])


if __name__ == "__main__":
    sys.exit(main())
