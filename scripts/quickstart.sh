#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Install, build, and meter the sample trace shipped in the repository.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
wm_setup_all
exec "$WM_BIN" --file-prefix wm_quickstart --log-level='*:warning' -- \
	--pcap "$WM_ROOT/tests/data/sample.pcap" --stats-interval 0 "$@"
