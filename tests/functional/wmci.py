# SPDX-License-Identifier: BSD-3-Clause
"""What every Python suite does the same way at its start and its end.

CI runs with CI=true on a fresh machine that scripts/setup.sh has set up, so
there a missing tool or package, or a test that skips, is a failure naming
what is missing: a skip in CI would be a suite that silently did not run.
Elsewhere (a developer's machine) a missing tool is a skip (exit 77) that
says which Debian package brings it.
"""
import argparse
import os
import shutil
import sys
import unittest

CI = os.environ.get("CI") == "true"
SKIP = 77


def missing_tools(tools):
    """tools: (command, Debian package) pairs; the ones not on PATH."""
    return [(t, p) for t, p in tools if shutil.which(t) is None]


def missing_modules(modules):
    """modules: (Python module, Debian package) pairs; the ones that do not import."""
    out = []
    for m, p in modules:
        try:
            __import__(m)
        except ImportError:
            out.append((m, p))
    return out


def missing_exit(missing):
    """The exit code for a suite that lacks what it needs: 77, or 1 under CI."""
    names = ", ".join("%s (Debian package %s)" % (t, p) for t, p in missing)
    if CI:
        print("FAILED: missing %s; scripts/setup.sh must install it" % names)
        print("0 passed, 1 failed")
        return 1
    print("skipped: missing %s (scripts/setup.sh installs it)" % names)
    return SKIP


def skip_reason(reason):
    """A skipTest() message; under CI the caller fails with it instead."""
    return ("CI=true forbids this skip: " if CI else "") + reason


def verdict(result, out=sys.stdout):
    """Print the closing line of a unittest result and return the exit code.

    Under CI every skip counts as a failure, with its reason."""
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    if CI and skipped:
        for test, reason in result.skipped:
            out.write("FAILED (CI=true forbids skips): %s: %s\n" % (test.id(), reason))
        failed += skipped
        skipped = 0
    passed = result.testsRun - failed - skipped
    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    out.flush()
    out.write(line + "\n")
    out.flush()
    if failed:
        return 1
    return SKIP if passed == 0 and skipped else 0


def args():
    """The options meson passes every app suite (--wiremeter, --workdir), and the
    rest for unittest (test names). The workdir exists afterwards."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--wiremeter", required=True, help="path of the wiremeter binary")
    ap.add_argument("--workdir", required=True, help="directory for traces and outputs")
    opt, rest = ap.parse_known_args()
    opt.wiremeter = os.path.abspath(opt.wiremeter)
    opt.workdir = os.path.abspath(opt.workdir)
    os.makedirs(opt.workdir, exist_ok=True)
    return opt, rest


def run_tests(rest, tools=()):
    """unittest.main over the caller's module once its tools are there; the exit code."""
    missing = missing_tools(tools)
    if missing:
        return missing_exit(missing)
    res = unittest.main(module="__main__", argv=[sys.argv[0]] + rest, exit=False,
                        verbosity=2).result
    return verdict(res)
