#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Shared setup for quickstart.sh, test.sh and bench.sh, meant to be sourced:
# install what is missing (Debian 12 packages only, and DPDK's driver headers
# from Debian's dpdk source package: wm_dpdk_sdk), build with meson/ninja,
# and prepare hugepages and bpffs when the machine allows it. Idempotent: a
# second run installs nothing and rebuilds only what changed.

WM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WM_BUILD=${WM_BUILD:-$WM_ROOT/build}
WM_BIN=$WM_BUILD/app/wiremeter/wiremeter
# DPDK's driver headers (the replay PMD's), one folder per DPDK version; meson's
# option dpdk_sdk names the same place.
WM_DPDK_SDK=${WM_DPDK_SDK:-/usr/local/include/wiremeter-dpdk-sdk}

# Packages and a command that proves each is there.
WM_PACKAGES=(
	"meson:meson" "ninja-build:ninja" "pkg-config:pkg-config" "gcc:gcc"
	"libdpdk-dev:/usr/include/dpdk/rte_ethdev.h" "dpdk:dpdk-devbind.py"
	"dpdk-dev:dpdk-testpmd" "libjansson-dev:/usr/include/jansson.h"
	"libcunit1-dev:/usr/include/CUnit/CUnit.h" "libpcap-dev:/usr/include/pcap/pcap.h"
	"libbpf-dev:/usr/include/bpf/libbpf.h" "libxdp-dev:/usr/include/xdp/libxdp.h"
	# drivers/xdp: clang (above) compiles the XDP programs; bpftool shows their pinned maps;
	# the engines suite pings the metered interface's own stack (dts/test_engines.py).
	"bpftool:bpftool" "iputils-ping:ping"
	"python3-scapy:/usr/lib/python3/dist-packages/scapy" "tshark:tshark"
	"python3-pexpect:/usr/lib/python3/dist-packages/pexpect"
	"tcpreplay:tcpreplay" "tcpdump:tcpdump" "clang-format:clang-format" "iproute2:ip" "procps:sysctl" "util-linux:mount"
	# The replay port's test counts the opens of its files (tests/functional/test_replay.py).
	"strace:strace"
	# IPFIX collectors the functional suite exports to: nfcapd/nfdump, libfixbuf's ipfixDump, nc.
	"nfdump:nfcapd" "libfixbuf-tools:ipfixDump" "netcat-openbsd:nc"
	# The flow meters bench.sh's peers section runs on the same files (nfpcapd is nfdump's).
	"softflowd:softflowd" "pmacct:pmacctd"
	# IPFIX over TLS (lib/collector): OpenSSL 3's headers; the tests' certificates (expired
	# ones too) come from python3-cryptography, their collector from Python's ssl.
	"libssl-dev:/usr/include/openssl/ssl.h" "openssl:openssl"
	"python3-cryptography:/usr/lib/python3/dist-packages/cryptography"
	# The fuzzers (libFuzzer) and the sanitizer runtimes: clang's, and gcc's for the ASan build.
	"clang:clang" "llvm:llvm-symbolizer" "libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
	"libasan8:/usr/lib/x86_64-linux-gnu/libasan.so.8" "libubsan1:/usr/lib/x86_64-linux-gnu/libubsan.so.1"
	# The HTTP server (lib/http) and its tests: promtool, a Prometheus server, curl, openssl.
	"libmicrohttpd-dev:/usr/include/microhttpd.h" "prometheus:promtool" "curl:curl" "openssl:openssl"
	# config/wiremeter.service is checked by systemd-analyze verify.
	"systemd:systemd-analyze"
	# Evidence-grade output (lib/crypt): AES-256-GCM from IPsec-MB, signatures from OpenSSL;
	# the functional suite checks signatures with the openssl command and decrypts with
	# python3-cryptography as an independent reader of the container.
	"libipsec-mb-dev:/usr/include/intel-ipsec-mb.h" "libssl-dev:/usr/include/openssl/evp.h"
	"openssl:openssl" "python3-cryptography:/usr/lib/python3/dist-packages/cryptography"
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

# The driver headers a PMD needs, which Debian's libdpdk-dev does not ship,
# as paths in DPDK's source tree. They include each other by bare name, so they
# land side by side in one folder.
WM_DPDK_SDK_HEADERS=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h
	drivers/bus/vdev/bus_vdev_driver.h lib/eal/include/dev_driver.h)

# True when every header of WM_DPDK_SDK_HEADERS is in folder $1.
wm_dpdk_sdk_complete() {
	local h
	for h in "${WM_DPDK_SDK_HEADERS[@]}"; do
		[[ -f $1/${h##*/} ]] || return 1
	done
}

# Downloads Debian's source package of dpdk version $2 (apt-get source syntax)
# into folder $1, which must be empty. apt runs on private sources (deb-src
# twins of the system's), lists and cache under $1, so the system's sources,
# lists and caches stay as they are; apt checks the files' hashes against the
# archive's signed index as it does for binary packages.
wm_dpdk_source_download() {
	local tmp=$1 opts
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
	sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
		>"$tmp/debsrc.sources" || return 1
	# apt downloads as its unprivileged user _apt when that user may write there.
	chmod 755 "$tmp"
	chown _apt "$tmp/src" 2>/dev/null
	opts=(-qq -o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$tmp"
		-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache")
	apt-get "${opts[@]}" update &&
		(cd "$tmp/src" && apt-get "${opts[@]}" source --download-only "dpdk=$2")
}

# Puts WM_DPDK_SDK_HEADERS in $WM_DPDK_SDK/<libdpdk's version>/, from Debian's
# source package of exactly the installed libdpdk-dev, so they match the
# installed libraries' ABI. Quick and offline once that folder is complete;
# the folder appears whole or not at all.
wm_dpdk_sdk() {
	local ver debver dir tmp orig rc
	ver=$(pkg-config --modversion libdpdk) || return 1
	dir=$WM_DPDK_SDK/$ver
	wm_dpdk_sdk_complete "$dir" && return 0
	if ! mkdir -p "$WM_DPDK_SDK" || [[ ! -w $WM_DPDK_SDK ]]; then
		wm_log "cannot write $WM_DPDK_SDK: run as root, or set WM_DPDK_SDK to a writable folder"
		return 1
	fi
	debver=$(dpkg-query -W -f='${Version}' libdpdk-dev) || return 1
	wm_log "DPDK $ver's driver headers: downloading Debian's source of dpdk $debver"
	tmp=$(mktemp -d) || return 1
	if ! wm_dpdk_source_download "$tmp" "$debver"; then
		wm_log "could not download Debian's source package dpdk $debver"
		rm -rf "$tmp"
		return 1
	fi
	# The tarball has one top folder (dpdk-stable-<version>/); its VERSION
	# file must say libdpdk's version, or these are another DPDK's headers.
	orig=$(echo "$tmp"/src/dpdk_*.orig.tar.xz)
	mkdir -p "$tmp/x" "$tmp/sdk"
	if ! tar -xJf "$orig" -C "$tmp/x" --strip-components=1 --wildcards \
		'*/VERSION' "${WM_DPDK_SDK_HEADERS[@]/#/*/}" ||
		[[ $(<"$tmp/x/VERSION") != "$ver" ]]; then
		wm_log "$orig does not hold DPDK $ver's driver headers"
		rm -rf "$tmp"
		return 1
	fi
	(cd "$tmp/x" && install -m 644 "${WM_DPDK_SDK_HEADERS[@]}" "$tmp/sdk/") &&
		chmod 755 "$tmp/sdk" && rm -rf "$dir" && mv -T "$tmp/sdk" "$dir"
	rc=$?
	rm -rf "$tmp"
	[[ $rc -eq 0 ]] && wm_log "DPDK $ver's driver headers are in $dir"
	return $rc
}

wm_build() {
	wm_dpdk_sdk || return 1
	if [[ ! -f $WM_BUILD/build.ninja ]]; then
		meson setup "$WM_BUILD" "$WM_ROOT" -Ddpdk_sdk="$WM_DPDK_SDK" >/dev/null
	fi
	ninja -C "$WM_BUILD" >/dev/null
}

# The sanitizer build: ASan and UBSan (gcc's runtimes), frame pointers for
# whole stacks in reports, debug info (-O2 -g) for file:line in reports. DPDK's
# shared libraries are not instrumented, hence b_lundef=false.
wm_build_sanitize() {
	local dir=$1
	wm_dpdk_sdk || return 1
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "$WM_ROOT" -Dbuildtype=debugoptimized -Ddpdk_sdk="$WM_DPDK_SDK" \
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
