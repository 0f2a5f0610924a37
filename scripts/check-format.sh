#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Fail when a C file differs from what .clang-format says (DPDK style).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not installed: skipped"; exit 77; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find app lib tests -name '*.[ch]')
clang-format --dry-run --Werror $files
echo "format: $(echo "$files" | wc -w) files ok"
