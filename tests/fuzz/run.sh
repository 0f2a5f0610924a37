#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Run one libFuzzer harness: run.sh BINARY NAME FUZZ_SRC_DIR [--merge]
#
# First every regression input (FUZZ_SRC_DIR/regress/NAME) once, then
# fuzzing for $WM_FUZZ_SECONDS (default 30; 0 runs the inputs only) from
# the corpus and the regression inputs. New inputs go to a scratch
# directory, never into the repository, unless --merge is given: then the
# ones that add coverage are merged into FUZZ_SRC_DIR/corpus/NAME.
# Prints one line of figures; exits non-zero on a crash, a leak, a timeout
# or any sanitizer report, and names the input that caused it.
set -uo pipefail

bin=$1 name=$2 src=$3 merge=${4:-}
seconds=${WM_FUZZ_SECONDS:-30}
artifacts=${WM_FUZZ_ARTIFACTS:-$(dirname "$bin")/artifacts}/$name
corpus=$src/corpus/$name regress=$src/regress/$name
mkdir -p "$artifacts"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/wm-fuzz-$name.XXXXXX")
log=$artifacts/fuzz.log
trap 'rm -rf "$scratch"' EXIT

# A sanitizer report is fatal, with a stack a reader can follow.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/")
[[ -f $src/dict/$name.dict ]] && opts+=(-dict="$src/dict/$name.dict")
# Capture files are larger than one frame or one command.
[[ $name == pcap || $name == replay ]] && opts+=(-max_len=16384)
dirs=()
for d in "$corpus" "$regress"; do
	[[ -d $d ]] && dirs+=("$d")
done

fail() {
	echo "fuzz $name: FAILED ($1); log $log" >&2
	grep -E -m1 -A25 'ERROR: |runtime error|check failed|==[0-9]+==' "$log" >&2
	# The input: a regression file libFuzzer was running, or what this run wrote.
	grep 'Running: ' "$log" | tail -1 | sed 's/.*Running: /  input: /' >&2
	find "$artifacts" -newer "$scratch" -type f \( -name 'crash-*' -o -name 'leak-*' -o \
		-name 'timeout-*' -o -name 'oom-*' \) | sed 's/^/  input: /' >&2
	exit 1
}

# Regression inputs: each once, even when no fuzzing time is given.
if [[ -d $regress ]] && [[ -n $(ls -A "$regress") ]]; then
	"$bin" "${opts[@]}" "$regress"/* >"$log" 2>&1 || fail "a regression input"
fi
if [[ $seconds -le 0 ]]; then
	echo "fuzz $name: regression inputs only"
	exit 0
fi

"$bin" "${opts[@]}" -max_total_time="$seconds" "$scratch" "${dirs[@]}" >"$log" 2>&1
rc=$?
if [[ $rc -ne 0 ]] || grep -q -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:' "$log"; then
	fail "exit $rc"
fi

stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
execs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
new=$(ls -A "$scratch" | wc -l)
printf 'fuzz %-10s %8s exec/s %11s execs in %ss, coverage %s, %s new inputs\n' \
	"$name" "$rate" "$execs" "$seconds" "${cov:-?}" "$new"

if [[ $merge == --merge ]]; then
	mkdir -p "$corpus"
	"$bin" -merge=1 "$corpus" "$scratch" >>"$log" 2>&1 || fail "merge"
	echo "fuzz $name: corpus now $(ls -A "$corpus" | wc -l) inputs"
fi
exit 0
