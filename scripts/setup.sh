#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared setup for quickstart.sh, test.sh and bench.sh, meant to be sourced:
# install what is missing (Debian 12 packages only), build with meson/ninja,
# and prepare hugepages and bpffs when the machine allows it. Idempotent: a
# second run installs nothing and rebuilds only what changed.

WM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WM_BUILD=${WM_BUILD:-$WM_ROOT/build}
WM_BIN=$WM_BUILD/app/wiremeter/wiremeter

# Packages and a command that proves each is there.
WM_PACKAGES=(
	"meson:meson" "ninja-build:ninja" "pkg-config:pkg-config" "gcc:gcc"
	"libdpdk-dev:/usr/include/dpdk/rte_ethdev.h" "dpdk:dpdk-devbind.py"
	"dpdk-dev:dpdk-testpmd" "libjansson-dev:/usr/include/jansson.h"
	"libcunit1-dev:/usr/include/CUnit/CUnit.h" "libpcap-dev:/usr/include/pcap/pcap.h"
	"libbpf-dev:/usr/include/bpf/libbpf.h" "libxdp-dev:/usr/include/xdp/libxdp.h"
	"python3-scapy:/usr/lib/python3/dist-packages/scapy" "tshark:tshark"
	"python3-pexpect:/usr/lib/python3/dist-packages/pexpect"
	"tcpreplay:tcpreplay" "tcpdump:tcpdump" "clang-format:clang-format" "iproute2:ip" "procps:sysctl" "util-linux:mount"
	# The replay port's test counts the opens of its files (tests/functional/test_replay.py).
	"strace:strace"
	# IPFIX collectors the functional suite exports to: nfcapd/nfdump, libfixbuf's ipfixDump, nc.
	"nfdump:nfcapd" "libfixbuf-tools:ipfixDump" "netcat-openbsd:nc"
	# The fuzzers (libFuzzer) and the sanitizer runtimes: clang's, and gcc's for the ASan build.
	"clang:clang" "llvm:llvm-symbolizer" "libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
	"libasan8:/usr/lib/x86_64-linux-gnu/libasan.so.8" "libubsan1:/usr/lib/x86_64-linux-gnu/libubsan.so.1"
)

wm_log() { printf '[setup] %s\n' "$*" >&2; }

wm_install_deps() {
	local missing=() p pkg probe
	for p in "${WM_PACKAGES[@]}"; do
		pkg=${p%%:*}
		probe=${p#*:}
		if [[ $probe == /* ]]; then
			[[ -e $probe ]] || missing+=("$pkg")
		else
			command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
		fi
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	wm_log "installing: ${missing[*]}"
	if [[ $(id -u) -ne 0 ]]; then
		wm_log "not root: cannot install ${missing[*]}"
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture: answer no, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

wm_build() {
	if [[ ! -f $WM_BUILD/build.ninja ]]; then
		meson setup "$WM_BUILD" "$WM_ROOT" >/dev/null
	fi
	ninja -C "$WM_BUILD" >/dev/null
}

# The sanitizer build: ASan and UBSan (gcc's runtimes), frame pointers for
# whole stacks in reports, debug info (-O2 -g) for file:line in reports. DPDK's
# shared libraries are not instrumented, hence b_lundef=false.
wm_build_sanitize() {
	local dir=$1
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "$WM_ROOT" -Dbuildtype=debugoptimized \
			-Db_sanitize=address,undefined -Db_lundef=false \
			-Dc_args='-fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
			>/dev/null
	fi
	ninja -C "$dir" >/dev/null
}

# Hugepages: reserve some 2 MB pages if none are free and mount hugetlbfs.
# Failing here is fine: wiremeter runs with --no-huge by itself.
wm_hugepages() {
	local want=${WM_HUGEPAGES:-512} free
	[[ $(id -u) -eq 0 ]] || return 0
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [[ ${free:-0} -lt $want ]]; then
		echo "$want" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
	fi
	if ! grep -q ' hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
	fi
}

wm_bpffs() {
	[[ $(id -u) -eq 0 ]] || return 0
	if ! grep -q ' /sys/fs/bpf bpf ' /proc/mounts; then
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null || wm_log "bpffs not mounted (AF_XDP falls back)"
	fi
}

wm_setup_all() {
	wm_install_deps
	wm_build
	wm_hugepages
	wm_bpffs
}
