#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build, then run every suite, as CI does:
#   1. the release build: unit (CUnit), functional (the app on generated
#      traces), dts (end-to-end on veth pairs in namespaces), soak (faults
#      and churn for a few minutes);
#   2. the sanitizer build (ASan + UBSan, halting on the first report):
#      unit and functional again;
#   3. the fuzzers (libFuzzer), each for WM_FUZZ_SECONDS (30) on its corpus.
# Extra arguments go to the first meson test (for example a test name).
# WM_TEST_PASSES=release,sanitize,fuzz picks passes. Exits non-zero on any
# failure; the last line counts every test of every pass.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
set -e
wm_setup_all
set +e
cd "$WM_ROOT"

WM_BUILD_SAN=${WM_BUILD_SAN:-$WM_ROOT/build-sanitize}
PASSES=${WM_TEST_PASSES:-release,sanitize,fuzz}
logs=()
rc=0

want() { [[ ,$PASSES, == *,$1,* ]]; }

if want release; then
	meson test -C "$WM_BUILD" --print-errorlogs --suite unit --suite functional \
		--suite dts --suite soak "$@" || rc=1
	logs+=("$WM_BUILD/meson-logs/testlog.json")
fi

if want sanitize; then
	# A sanitizer report ends the process with an error (UBSan halts
	# too), so the test that ran it fails and says why. Leaks are
	# checked in the unit suites, where every allocation is ours; the
	# app's end leaves DPDK's own allocations (drivers, EAL threads) to
	# the exit, which LeakSanitizer would report as ours.
	wm_build_sanitize "$WM_BUILD_SAN"
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
		meson test -C "$WM_BUILD_SAN" --print-errorlogs --suite unit ||
		rc=1
	cp "$WM_BUILD_SAN/meson-logs/testlog.json" "$WM_BUILD_SAN/testlog-unit.json"
	logs+=("$WM_BUILD_SAN/testlog-unit.json")
	ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=0 \
		meson test -C "$WM_BUILD_SAN" --print-errorlogs --suite functional \
		--timeout-multiplier 3 || rc=1
	logs+=("$WM_BUILD_SAN/meson-logs/testlog.json")
	unset UBSAN_OPTIONS
fi

if want fuzz; then
	WM_FUZZ_SECONDS=${WM_FUZZ_SECONDS:-30} "$WM_ROOT/scripts/fuzz.sh" --meson || rc=1
	logs+=("${WM_BUILD_FUZZ:-$WM_ROOT/build-fuzz}/meson-logs/testlog.json")
fi

# One closing line a reader (and CI) can take in at a glance.
/usr/bin/python3 - "${logs[@]}" <<'PY'
import json, sys
p = f = s = 0
for path in sys.argv[1:]:
    try:
        lines = open(path).readlines()
    except OSError:
        print("no test log at %s: that pass did not run" % path)
        f += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            p += 1
        elif r == "SKIP":
            s += 1
        else:
            f += 1
print(f"{p} passed, {f} failed, {s} skipped")
sys.exit(1 if f else 0)
PY
[[ $? -eq 0 ]] || rc=1
exit $rc
