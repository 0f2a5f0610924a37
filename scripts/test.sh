#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build, then run every suite, as CI does:
#   1. the release build: unit (CUnit), functional (the app on generated
#      traces), dts (end-to-end on veth pairs in namespaces), soak (faults
#      and churn for a few minutes), corpus (other tools' captures and golden
#      files, ../shared/heldout-ext);
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
		--suite dts --suite soak --suite corpus "$@" || rc=1
	logs+=("$WM_BUILD/meson-logs/testlog.json")
fi

if want sanitize; then
	# A sanitizer report (an error, a leak, undefined behaviour) ends the
	# process with an error, so the test that ran it fails and says why.
	wm_build_sanitize "$WM_BUILD_SAN"
	export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	meson test -C "$WM_BUILD_SAN" --print-errorlogs --suite unit --suite functional \
		--timeout-multiplier 3 || rc=1
	logs+=("$WM_BUILD_SAN/meson-logs/testlog.json")
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if want fuzz; then
	# fuzz.sh sets up the clang build and runs the regression inputs (0 s);
	# the suite then fuzzes each harness from its corpus.
	fuzz_build=${WM_FUZZ_BUILD:-$WM_ROOT/build-fuzz}
	WM_FUZZ_BUILD=$fuzz_build "$WM_ROOT/scripts/fuzz.sh" 0 || rc=1
	WM_FUZZ_SECONDS=${WM_FUZZ_SECONDS:-30} meson test -C "$fuzz_build" --print-errorlogs \
		--suite fuzz || rc=1
	logs+=("$fuzz_build/meson-logs/testlog.json")
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
