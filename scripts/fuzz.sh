#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/fuzz.sh [--merge] [SECONDS] [HARNESS...]
#
# Build the libFuzzer harnesses of tests/fuzz (clang, ASan + UBSan) in
# $WM_FUZZ_BUILD (default build-fuzz), then run each for SECONDS (default
# 30; 0: the regression inputs only) on a scratch copy of its corpus plus
# its regression inputs. Harnesses: pkt seq conf ipfix pcap replay console
# telemetry (default all). --merge keeps the new inputs that add coverage
# in tests/fuzz/corpus/NAME. One line per harness with executions per
# second; exits non-zero if any harness crashed, leaked or a sanitizer
# spoke (the input is in $WM_FUZZ_BUILD/tests/fuzz/artifacts/NAME; copy it
# to tests/fuzz/regress/NAME once the bug is fixed).
set -uo pipefail

WM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${WM_FUZZ_BUILD:-$WM_ROOT/build-fuzz}
all=(pkt seq conf ipfix pcap replay console telemetry)
merge=
if [[ ${1:-} == --merge ]]; then
	merge=--merge
	shift
fi
seconds=30
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
harnesses=("$@")
[[ ${#harnesses[@]} -eq 0 ]] && harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
	if [[ ! " ${all[*]} " =~ " $h " ]]; then
		echo "fuzz.sh: no harness '$h' (there are: ${all[*]})" >&2
		exit 2
	fi
done

# clang with libFuzzer: Debian's clang and libclang-rt-14-dev.
if ! command -v clang >/dev/null ||
	! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
	echo "fuzz.sh: clang with libFuzzer is missing (apt-get install clang libclang-rt-14-dev llvm)" >&2
	[[ ${CI:-} == true ]] && exit 1
	exit 77
fi

# meson's output while it sets the build up: beside the build, never in the tree.
setup_log=${TMPDIR:-/tmp}/wm-fuzz-setup.$$.log
trap 'rm -f "$setup_log"' EXIT
if [[ ! -f $build/build.ninja ]]; then
	CC=clang meson setup "$build" "$WM_ROOT" -Dfuzz=true -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false >"$setup_log" 2>&1 || {
		cat "$setup_log" >&2
		exit 1
	}
fi
targets=()
for h in "${harnesses[@]}"; do
	targets+=("fuzz_$h")
done
meson compile -C "$build" -j 2 "${targets[@]}" >"$build/fuzz-build.log" 2>&1 || {
	tail -40 "$build/fuzz-build.log" >&2
	exit 1
}

failed=()
for h in "${harnesses[@]}"; do
	WM_FUZZ_SECONDS=$seconds "$WM_ROOT/tests/fuzz/run.sh" "$build/tests/fuzz/fuzz_$h" "$h" \
		"$WM_ROOT/tests/fuzz" $merge || failed+=("$h")
done
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "fuzz: ${#failed[@]} of ${#harnesses[@]} harnesses failed: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, no finding"
