#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build, then run every suite: unit (CUnit), functional (the app on
# generated traces), dts (end-to-end on veth pairs in namespaces), soak (faults
# and churn for about three minutes).
# Exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/setup.sh"
set -e
wm_setup_all
set +e
cd "$WM_ROOT"
meson test -C "$WM_BUILD" --print-errorlogs --suite unit --suite functional --suite dts --suite soak "$@"
rc=$?
# One closing line a reader (and CI) can take in at a glance.
/usr/bin/python3 - "$WM_BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(f"{p} passed, {f} failed, {s} skipped")
PY
exit $rc
