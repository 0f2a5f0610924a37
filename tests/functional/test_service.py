#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""config/wiremeter.service: systemd-analyze verify accepts it (with ExecStart
pointing at the wiremeter under test), and its stop and restart policy is the one
the README documents: SIGINT to stop (a clean end), no restart on exit code 2.
config/prometheus-rules.yml: promtool checks it and runs its alert tests.

Run by meson (suite functional):
    test_service.py --wiremeter PATH --workdir DIR
"""
import os
import subprocess
import sys
import unittest

import wmtest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(ROOT, "config", "wiremeter.service")


class ServiceUnitTest(unittest.TestCase):

    def test_verify(self):
        with open(UNIT) as f:
            text = f.read()
        self.assertIn("ExecStart=/usr/local/bin/wiremeter ", text)
        d = os.path.join(wmtest.WORKDIR, "unit")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "wiremeter.service")
        with open(path, "w") as f:
            f.write(text.replace("/usr/local/bin/wiremeter", wmtest.BINARY))
        p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True)
        errs = [ln for ln in (p.stdout + p.stderr).splitlines()
                if "wiremeter.service" in ln]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(errs, [])

    def test_prometheus_rules(self):
        """config/prometheus-rules.yml is valid and its alerts fire on the series in
        config/prometheus-rules.test.yml, and only there (promtool test rules)."""
        cfg = os.path.join(ROOT, "config")
        for args in (["check", "rules", "prometheus-rules.yml"],
                     ["test", "rules", "prometheus-rules.test.yml"]):
            p = subprocess.run(["promtool"] + args, capture_output=True, text=True, cwd=cfg)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = subprocess.run(["promtool", "check", "rules", "prometheus-rules.yml"],
                           capture_output=True, text=True, cwd=cfg)
        self.assertIn("6 rules found", p.stdout)

    def test_policy(self):
        keys = {}
        with open(UNIT) as f:
            for ln in f:
                if "=" in ln and not ln.startswith(("#", " ", "\t")):
                    k, v = ln.rstrip("\n").split("=", 1)
                    keys.setdefault(k, v)
        self.assertEqual(keys["KillSignal"], "SIGINT")
        self.assertEqual(keys["RestartPreventExitStatus"], "2")
        self.assertEqual(keys["Restart"], "on-failure")
        self.assertIn("/dev/hugepages", keys["RequiresMountsFor"])
        self.assertIn("/sys/fs/bpf", keys["RequiresMountsFor"])
        self.assertIn("-c ${WM_CONFIG}", keys["ExecStart"])


if __name__ == "__main__":
    sys.exit(wmtest.main([("systemd-analyze", "systemd"), ("promtool", "prometheus")]))
