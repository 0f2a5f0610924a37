#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The wiremeter authors
#
# Throughput figures: wiremeter with one worker against dpdk-testpmd in
# rxonly mode (the do-nothing ceiling), both reading the same pcap through
# the pcap PMD with infinite_rx=1, for 64-byte and IMIX frames with 1k, 64k
# and 1M flows. Prints Mpps for each, their ratio and wiremeter's cycles per
# packet, then a markdown table for the README.
#
# Then two more sections:
#   export  IPFIX records encoded per second on one core, and bytes per
#           record, in both modes (tests/bench/bench_ipfix.c: the encoder
#           as a worker runs it, 1400-byte messages). Target: 2 M/s.
#   seq     the cost of sequence tracking: wiremeter on a pcap where every
#           packet is RTP (64 B, 1k flows, each direction a stream: 512
#           packets per stream and per loop of the file, so the restart
#           at each loop costs little), with
#           tracking off (--seq-streams 0) and on; cycles per packet of
#           each and the increase. Target: at most +15 %. Plus the tracker
#           alone (tests/bench/bench_seq.c), in ns per packet.
#   capture the cost of the capture tap on 64 B and IMIX, 1k flows: no
#           capture; a capture configured that selects nothing (a filter on
#           a host not in the pcap: the tap runs, copies nothing); a capture
#           of everything to a file on tmpfs (/dev/shm), with the packets
#           written per second (packetsWritten of the report's capture
#           object over durationSeconds) and captureDropped. Target: the
#           first two within noise. Then, on the same pcap: dpdk-testpmd
#           rxonly replaying it from memory (net_pcap infinite_rx=1) with
#           dpdk-dumpcap attached (a secondary process; needs hugepages)
#           writing everything to /dev/shm for BENCH_SECONDS: its Mpps
#           written (packets in its file over the time from its first to its
#           last packet, by capinfos) and its dropped count, next to
#           wiremeter's.
#   evidence  AES-256-GCM on one core through IPsec-MB and through OpenSSL's
#           EVP on the same 1 MiB buffers, and the container writer
#           (tests/bench/bench_crypt.c), in GB/s; then the capture of
#           everything (IMIX, 1k flows) to tmpfs without and with
#           --capture-key, packets written per second and dropped.
#   peers   the file path, whole process, as a user runs it: the same
#           generated pcaps through softflowd, nfpcapd (nfdump) and pmacctd
#           from Debian and through wiremeter with its defaults (no
#           --flow-capacity, no memory options); wall time of each process
#           from exec to exit, the median of 3 runs, the tools interleaved
#           (run 1 of every tool, then run 2, ...). Each tool's record count
#           is checked against the file: softflowd (-v 10 -b, bidirectional
#           IPFIX to a UDP sink on loopback) and wiremeter count biflows,
#           nfpcapd and pmacctd (print plugin, 5-tuple) one record per
#           direction. softflowd and nfpcapd get a table for every flow
#           (-m, -B); pmacctd's print cache is left at its default (its
#           memory per entry is 4 KB). Also: wiremeter's fixed start and
#           exit cost (a 1-packet file) and its metering rate while it
#           replays each file (packetsMetered / durationSeconds of its
#           report) against its in-memory rate on the same file when the
#           throughput section measured it.
#   engines the same traffic on a veth pair (tcpreplay --topspeed of a 64 B,
#           1k-flow pcap for BENCH_SECONDS) metered by --engine xdp (in the
#           kernel), AF_XDP and af_packet: Mpps metered and sent, wiremeter's
#           CPU and the machine's (dts/bench_engines.py). veth limits the
#           rate; the comparison is the point.
#
# A benchmark, not a test: it always exits 0. A figure it cannot measure is
# printed as n/a with the reason.
#
# Environment:
#   BENCH_SECONDS  measuring time per run (default 10)
#   BENCH_DIR      where the generated pcaps are cached (default build/bench)
#   BENCH_PACKETS  packets per pcap (default 1048576; each file is looped)
#   BENCH_FRAMES   frame mixes (default "64 imix")
#   BENCH_FLOWS    flow counts (default "1024 65536 1048576")
#   BENCH_SECTIONS which sections run (default "throughput export seq capture evidence peers engines")
#   BENCH_PEERS    the peers section's files, frames:flows:packets (default
#                  "imix:65536:1048576 imix:1048576:2097152 64:1024:10485760")
#   BENCH_PEER_TIMEOUT  seconds a peer run may take before it is killed (default 600)
#
# Method:
#   testpmd   -i --forward-mode=rxonly driven through a FIFO: start, WARMUP
#             seconds, `show port stats all`, BENCH_SECONDS, `show port stats
#             all`: the second Rx-pps is testpmd's average over that interval
#             (it times the interval between two shows with the TSC).
#   wiremeter -l 0-1 (one worker, the main lcore manages), SIGINT
#             BENCH_SECONDS after it reports its ports started; Mpps =
#             packetsMetered / durationSeconds of its --report (first packet
#             to stop), cycles per packet = cyclesPerPacket of the report.
# Both get the same memory: hugepages when enough can be reserved (the
# reservation is undone at exit), else --no-huge -m MB.

set -uo pipefail

# shellcheck source=scripts/setup.sh
source "$(dirname "$0")/setup.sh"

BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_DIR=${BENCH_DIR:-$WM_BUILD/bench}
BENCH_PACKETS=${BENCH_PACKETS:-1048576}
BENCH_FRAMES=${BENCH_FRAMES:-"64 imix"}
BENCH_FLOWS=${BENCH_FLOWS:-"1024 65536 1048576"}
BENCH_SECTIONS=${BENCH_SECTIONS:-"throughput export seq capture evidence peers engines"}
BENCH_PEERS=${BENCH_PEERS:-"imix:65536:1048576 imix:1048576:2097152 64:1024:10485760"}
BENCH_PEER_TIMEOUT=${BENCH_PEER_TIMEOUT:-600}
WARMUP=2		# seconds of Rx before testpmd's measurement starts
FLOW_CAPACITY=2097152
MBUFS=$((BENCH_PACKETS + 16384))
# Memory for the largest run: bytes per mbuf with its headers
# (RTE_MBUF_DEFAULT_BUF_SIZE 2176 + struct + mempool header, rounded up),
# bytes per flow-table entry, and slack. wiremeter checks the free
# hugepages against its own estimate before it starts: reserve at least
# that much, or it would run with --no-huge while testpmd has hugepages.
MEM_MB=$(( (MBUFS * 2560 + FLOW_CAPACITY * 320) / 1048576 + 768 ))
PREFIX=wmbench$$
TMP=$(mktemp -d /tmp/wmbench.XXXXXX)
HUGE_ORIG=""
HUGE_MOUNTED=0
MEM_ARGS=()
TESTPMD_MEM_ARGS=()
MEM_MODE=""
CHILD=""
DUMPCAP=""
SINK=""
declare -A INMEM_MPPS=()	# pcap -> wiremeter's in-memory Mpps (throughput section)

say() { printf '[bench] %s\n' "$*" >&2; }

# Hugepage files an EAL with our prefix left (none with --huge-unlink).
remove_hugepage_files() {
	local m
	while read -r m; do
		rm -f "$m/${PREFIX}"map_*
	done < <(awk '$3 == "hugetlbfs" {print $2}' /proc/mounts)
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	if [[ -n $DUMPCAP ]] && kill -0 "$DUMPCAP" 2>/dev/null; then
		kill -KILL "$DUMPCAP" 2>/dev/null
		wait "$DUMPCAP" 2>/dev/null
	fi
	rm -f "/dev/shm/wm_bench_dumpcap_$$.pcapng"
	if [[ -n $CHILD ]] && kill -0 "$CHILD" 2>/dev/null; then
		kill -KILL "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	if [[ -n $SINK ]]; then
		kill "$SINK" 2>/dev/null
		wait "$SINK" 2>/dev/null
	fi
	rm -rf "/var/run/dpdk/$PREFIX" "$TMP"
	remove_hugepage_files
	if [[ -n $HUGE_ORIG ]]; then
		echo "$HUGE_ORIG" > /proc/sys/vm/nr_hugepages 2>/dev/null
	fi
	if [[ $HUGE_MOUNTED -eq 1 ]]; then
		umount /dev/hugepages 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM
# A write to testpmd's FIFO after it died must fail, not kill the script.
trap '' PIPE

# Reserve enough 2 MB hugepages for the largest run, or fall back to --no-huge.
setup_memory() {
	local need free total size_kb
	size_kb=$(awk '/^Hugepagesize:/ {print $2}' /proc/meminfo)
	if [[ $(id -u) -ne 0 || ${size_kb:-0} -ne 2048 ]]; then
		MEM_ARGS=(--no-huge -m "$MEM_MB")
		TESTPMD_MEM_ARGS=("${MEM_ARGS[@]}")
		MEM_MODE="--no-huge -m $MEM_MB (not root, or no 2 MB hugepages)"
		return
	fi
	# Some headroom: other DPDK processes may take a few pages meanwhile.
	need=$(( (MEM_MB + 1) / 2 + 128 ))
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	total=$(cat /proc/sys/vm/nr_hugepages)
	if [[ $free -lt $need ]]; then
		HUGE_ORIG=$total
		echo $((total + need - free)) > /proc/sys/vm/nr_hugepages 2>/dev/null
		free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	fi
	if ! grep -q ' hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null && HUGE_MOUNTED=1
	fi
	if [[ $free -ge $need ]] && grep -q ' hugetlbfs ' /proc/mounts; then
		# EAL keeps its hugepage files after exit unless told otherwise;
		# with a prefix of our own nobody would ever free them. wiremeter
		# does not get --huge-unlink: it may add --no-huge by itself, which
		# EAL refuses together with --huge-unlink; its files are removed
		# after it exits.
		MEM_ARGS=()
		TESTPMD_MEM_ARGS=(--huge-unlink)
		MEM_MODE="2 MB hugepages ($free free, $need needed)"
	else
		MEM_ARGS=(--no-huge -m "$MEM_MB")
		TESTPMD_MEM_ARGS=("${MEM_ARGS[@]}")
		MEM_MODE="--no-huge -m $MEM_MB (only $free of $need hugepages could be reserved)"
	fi
}

# Wait until file $1 matches regex $2, process $3 is alive, up to $4 seconds.
wait_for() {
	local file=$1 re=$2 pid=$3 limit=$4 t=0
	while (( t < limit * 10 )); do
		grep -qE "$re" "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}

# Stop process $1 with SIGINT, then SIGKILL after $2 seconds. Returns its status.
stop_child() {
	local pid=$1 limit=$2 t=0
	kill -INT "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && (( t < limit * 10 )); do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	local rc=$?
	CHILD=""
	rm -rf "/var/run/dpdk/$PREFIX"
	remove_hugepage_files
	return $rc
}

last_lines() { grep -vE '^\s*$' "$1" | tail -n "${2:-3}" | tr '\n' ' ' | cut -c1-300; }

# testpmd rxonly on pcap $1: sets TP (Mpps) or TP_ERR.
#
# testpmd runs interactive, driven through a FIFO: `start`, WARMUP seconds,
# `show port stats all` (sets testpmd's reference point), BENCH_SECONDS,
# `show port stats all` again: that Rx-pps is testpmd's own average over
# exactly the interval between the two commands, timed with the TSC.
run_testpmd() {
	local pcap=$1 log=$TMP/testpmd.log fifo=$TMP/testpmd.in
	TP="" TP_ERR=""
	rm -f "$fifo"
	mkfifo "$fifo"
	dpdk-testpmd --file-prefix "$PREFIX" -l 0-1 "${TESTPMD_MEM_ARGS[@]}" \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" -- \
		-i --forward-mode=rxonly --total-num-mbufs="$MBUFS" <"$fifo" >"$log" 2>&1 &
	CHILD=$!
	exec 3>"$fifo"
	if wait_for "$log" 'testpmd> ' "$CHILD" 180; then
		echo "start" >&3
		sleep "$WARMUP"
		echo "show port stats all" >&3
		sleep "$BENCH_SECONDS"
		echo "show port stats all" >&3
		sleep 0.5
		echo "stop" >&3
		echo "quit" >&3
	fi
	exec 3>&-
	stop_child "$CHILD" 30
	cp "$log" "$BENCH_DIR/last-testpmd.log" 2>/dev/null
	if [[ $(grep -c 'Rx-pps:' "$log") -lt 2 ]]; then
		TP_ERR="testpmd gave no measurement: $(last_lines "$log")"
		return
	fi
	TP=$(grep -oE 'Rx-pps: +[0-9]+' "$log" | tail -n 1 | awk '{ printf "%.2f", $2 / 1e6 }')
	if grep -qE 'RX-nombuf: +[1-9]' "$log"; then
		NOTES+=("$CUR: testpmd counted RX-nombuf: the pool is short of mbufs")
	fi
}

# wiremeter, one worker, on pcap $1 holding $2 flows: sets WM (Mpps), WM_CPP or WM_ERR.
run_wiremeter() {
	local pcap=$1 flows=$2 log=$TMP/wiremeter.log rep=$TMP/report.json
	local extra=("${@:3}")
	WM="" WM_CPP="" WM_ERR=""
	if [[ ! -x $WM_BIN ]]; then
		WM_ERR="no wiremeter binary at $WM_BIN (build failed)"
		return
	fi
	rm -f "$rep"
	"$WM_BIN" --file-prefix "$PREFIX" -l 0-1 "${MEM_ARGS[@]}" --log-level='*:notice' \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" -- \
		--report "$rep" --stats-interval 0 --flow-capacity "$FLOW_CAPACITY" \
		--idle-timeout 300 --mbufs "$MBUFS" "${extra[@]}" </dev/null >"$log" 2>&1 &
	CHILD=$!
	if ! wait_for "$log" 'worker\(s\), [0-9]+ port\(s\)' "$CHILD" 180; then
		stop_child "$CHILD" 5
		cp "$log" "$BENCH_DIR/last-wiremeter.log" 2>/dev/null
		local why
		why=$(grep -iE 'error|invalid|cannot be|not enough|no such' "$log" | tail -n 3 |
			tr '\n' ' ' | cut -c1-300)
		WM_ERR="wiremeter did not start: ${why:-$(last_lines "$log")}"
		WM_ERR+=" (log: $BENCH_DIR/last-wiremeter.log)"
		return
	fi
	if [[ ${#MEM_ARGS[@]} -eq 0 ]] && grep -q 'running with --no-huge' "$log"; then
		local fallback
		fallback=$(grep -m1 'running with --no-huge' "$log")
		NOTES+=("$CUR: wiremeter ran without hugepages, unlike testpmd: $fallback")
	fi
	sleep "$BENCH_SECONDS"
	stop_child "$CHILD" 120
	local rc=$?
	cp "$log" "$BENCH_DIR/last-wiremeter.log" 2>/dev/null
	if [[ $rc -ne 0 || ! -s $rep ]]; then
		WM_ERR="wiremeter exited with $rc, report $([[ -s $rep ]] && echo written ||
			echo missing): $(last_lines "$log")"
		return
	fi
	cp "$rep" "$BENCH_DIR/last-report.json" 2>/dev/null
	local vals
	vals=$(/usr/bin/python3 - "$rep" "$flows" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
flows = int(sys.argv[2])
d = r.get("durationSeconds") or 0
m = r.get("packetsMetered") or 0
if d <= 0 or m <= 0:
    print("ERR report has packetsMetered %r, durationSeconds %r" % (m, d))
    sys.exit()
notes = []
for p in r.get("ports", []):
    lost = p.get("imissed", 0) + p.get("rxNoMbuf", 0) + p.get("ierrors", 0)
    if lost:
        notes.append("port %s lost %d" % (p.get("name"), lost))
    if not p.get("conservationOk", True):
        notes.append("port %s conservation MISMATCH" % p.get("name"))
if r.get("flowsCreated") != flows:
    notes.append("flowsCreated %r, the pcap has %d flows" % (r.get("flowsCreated"), flows))
print("%.2f %.1f %s" % (m / d / 1e6, r.get("cyclesPerPacket", 0), "; ".join(notes)))
PY
)
	if [[ $vals == ERR* ]]; then
		WM_ERR=${vals#ERR }
		return
	fi
	read -r WM WM_CPP WM_NOTE <<<"$vals"
	[[ -n ${WM_NOTE:-} ]] && NOTES+=("$CUR: wiremeter: $WM_NOTE")
}

# The mempool drivers dpdk-testpmd is linked with and dpdk-dumpcap is not. A
# mempool names its driver by an index into a table each process fills as
# drivers register: testpmd registers librte_mempool_dpaa before the plugins,
# dumpcap does not, so testpmd would call the wrong driver on dumpcap's pool
# (every copy dropped, then a crash). Preloaded, they register first in both.
mempool_drivers() {
	comm -23 <(ldd "$(command -v dpdk-testpmd)" | awk '/librte_mempool_/ {print $3}' | sort) \
		<(ldd "$(command -v dpdk-dumpcap)" | awk '/librte_mempool_/ {print $3}' | sort) |
		tr '\n' ' '
}

# dpdk-dumpcap (a secondary process) attached to dpdk-testpmd rxonly replaying
# pcap $1 from memory, everything written to tmpfs for BENCH_SECONDS: sets
# DC (Mpps written), DC_DROP (dumpcap's own received/dropped counts) or DC_ERR.
#
# Mpps = packets in dumpcap's file / the time from its first to its last
# packet (capinfos; pdump stamps each copy), like wiremeter's packetsWritten /
# durationSeconds (first packet to stop). testpmd gets hugepages without
# --huge-unlink: a secondary maps the primary's memory from its hugepage
# files. The pcap is reached through a short link in $TMP: the secondary
# reopens the vdev from the first 63 characters of its arguments.
run_dumpcap() {
	local pcap=$1 log=$TMP/dc-testpmd.log fifo=$TMP/dc-testpmd.in dlog=$TMP/dumpcap.log
	local out=/dev/shm/wm_bench_dumpcap_$$.pcapng link=$TMP/c.pcap devargs t=0 rc vals
	DC="" DC_DROP="" DC_ERR=""
	if ! command -v dpdk-dumpcap >/dev/null || ! command -v dpdk-testpmd >/dev/null; then
		DC_ERR="dpdk-dumpcap or dpdk-testpmd is not installed (Debian package dpdk)"
		return
	fi
	if ! command -v capinfos >/dev/null; then
		DC_ERR="capinfos is not installed (Debian package wireshark-common)"
		return
	fi
	# testpmd's pool (the pcap is held in mbufs) and slack for EAL and dumpcap's pool.
	local need free
	need=$(( (MBUFS * 2560 / 1048576 + 512) / 2 ))
	free=$(awk '/^HugePages_Free:/ {print $2}' /proc/meminfo)
	if [[ $(id -u) -ne 0 ]] || ! grep -q ' hugetlbfs ' /proc/mounts || (( free < need )); then
		DC_ERR="a secondary process maps the primary's hugepages: $free free 2 MB pages"
		DC_ERR+=" of $need needed, hugetlbfs $(grep -q ' hugetlbfs ' /proc/mounts ||
			echo "not ")mounted, uid $(id -u)"
		return
	fi
	ln -sf "$pcap" "$link"
	devargs="rx_pcap=$link,infinite_rx=1"
	if (( ${#devargs} > 63 )); then
		DC_ERR="the vdev arguments $devargs are over 63 characters (TMPDIR too long)"
		return
	fi
	rm -f "$fifo" "$out"
	mkfifo "$fifo"
	dpdk-testpmd --file-prefix "$PREFIX" -l 0-1 --vdev "net_pcap0,$devargs" -- \
		-i --forward-mode=rxonly --total-num-mbufs="$MBUFS" <"$fifo" >"$log" 2>&1 &
	CHILD=$!
	exec 3>"$fifo"
	if wait_for "$log" 'testpmd> ' "$CHILD" 180; then
		echo "start" >&3
		sleep "$WARMUP"
		# At most a quarter of tmpfs: dumpcap 22.11 has no ring of files.
		local kb
		kb=$(df -k --output=avail /dev/shm | tail -n 1)
		kb=$(( kb / 4 < 4194304 ? kb / 4 : 4194304 ))
		LD_PRELOAD=$(mempool_drivers) dpdk-dumpcap --file-prefix="$PREFIX" -i 0 -w "$out" \
			-a "duration:$BENCH_SECONDS" -a "filesize:$kb" </dev/null >"$dlog" 2>&1 &
		DUMPCAP=$!
		while kill -0 "$DUMPCAP" 2>/dev/null && (( t < (BENCH_SECONDS + 120) * 10 )); do
			sleep 0.1
			t=$((t + 1))
		done
		if kill -0 "$DUMPCAP" 2>/dev/null; then
			kill -INT "$DUMPCAP" 2>/dev/null
			sleep 5
			kill -KILL "$DUMPCAP" 2>/dev/null
		fi
		wait "$DUMPCAP"
		rc=$?
		DUMPCAP=""
		echo "stop" >&3
		echo "quit" >&3
	else
		rc=""
	fi
	exec 3>&-
	stop_child "$CHILD" 30
	local tprc=$?
	[[ -n $rc && $tprc -ne 0 ]] &&
		NOTES+=("$CUR: dpdk-testpmd exited with $tprc on quit, after dpdk-dumpcap had finished")
	cp "$log" "$BENCH_DIR/last-dc-testpmd.log" 2>/dev/null
	cp "$dlog" "$BENCH_DIR/last-dumpcap.log" 2>/dev/null
	if [[ -z $rc ]]; then
		DC_ERR="testpmd did not start: $(last_lines "$log")"
	elif [[ $rc -ne 0 || ! -s $out ]]; then
		DC_ERR="dpdk-dumpcap exited with $rc, file $([[ -s $out ]] && echo written ||
			echo missing): $(tr '\r' '\n' <"$dlog" | last_lines /dev/stdin)"
	else
		# Tab separated: file, packets, seconds from the first packet to the last.
		vals=$(capinfos -T -r -M -c -u "$out" 2>/dev/null | cut -f2,3)
		DC=$(awk -v v="$vals" 'BEGIN { split(v, a, "\t");
			if (a[1] + 0 > 0 && a[2] + 0 > 0) printf "%.2f", a[1] / a[2] / 1e6 }')
		[[ -z $DC ]] && DC_ERR="capinfos could not read $out: ${vals:-no output}"
		# "Packets received/dropped on interface 'net_pcap0': R/D (P)", pdump's counters:
		# R the copies made (accepted + filtered), D no mbuf + ring full.
		DC_DROP=$(tr '\r' '\n' <"$dlog" | sed -n \
			's/^Packets received\/dropped on interface.*: *\([0-9]*\/[0-9]*\).*/\1/p' |
			tail -n 1)
	fi
	rm -f "$out" "$link" "$fifo"
}

ratio() {
	if [[ -n $1 && -n $2 ]]; then
		awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else print "n/a" }'
	else
		echo "n/a"
	fi
}

flows_label() {
	case $1 in
	1024) echo "1k" ;; 65536) echo "64k" ;; 1048576) echo "1M" ;; *) echo "$1" ;;
	esac
}

# --- peers: whole-process runs on a file -------------------------------

# Milliseconds since the epoch.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# A UDP sink on loopback for softflowd's export: sets SINK_PORT (SINK is its pid).
start_sink() {
	local portfile=$TMP/sink.port
	rm -f "$portfile"
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
while True:
    s.recv(65535)
' "$portfile" &
	SINK=$!
	local t=0
	while [[ ! -s $portfile ]] && (( t < 50 )); do sleep 0.1; t=$((t + 1)); done
	SINK_PORT=$(cat "$portfile" 2>/dev/null)
}

# Run one tool on pcap $2 ($3 biflows): sets PT (wall seconds), PN (records),
# PX (the records expected) or PERR. Output in $TMP/peer.log.
run_peer() {
	local tool=$1 pcap=$2 flows=$3 log=$TMP/peer.log t0 t1 rc dir=$TMP/peer.out
	PT="" PN="" PX="" PERR=""
	rm -rf "$dir"
	mkdir -p "$dir"
	t0=$(now_ms)
	case $tool in
	softflowd)
		PX=$flows
		timeout "$BENCH_PEER_TIMEOUT" softflowd -d -r "$pcap" -n "127.0.0.1:$SINK_PORT" \
			-v 10 -b -m $((flows * 2 > 8192 ? flows * 2 : 8192)) -c none \
			-p "$dir/softflowd.pid" >"$log" 2>&1
		rc=$?
		t1=$(now_ms)
		PN=$(sed -n 's/^Flows exported: [0-9]* (\([0-9]*\) records).*/\1/p' "$log" | tail -1) ;;
	nfpcapd)
		PX=$((flows * 2))
		timeout "$BENCH_PEER_TIMEOUT" nfpcapd -r "$pcap" -w "$dir" \
			-B $((flows * 4 > 524288 ? flows * 4 : 524288)) >"$log" 2>&1
		rc=$?
		t1=$(now_ms)
		# It may split a flow in several records: count its distinct flows, note its records.
		PN=$(nfdump -R "$dir" -q -o 'fmt:%pr %sa %da %sp %dp' 2>/dev/null | sort -u | wc -l)
		PRECS=$(nfdump -R "$dir" -I 2>/dev/null | sed -n 's/^Flows: //p' | head -1) ;;
	pmacctd)
		PX=$((flows * 2))
		# -Z 1: it sleeps 2 s before reading a file unless told a delay.
		timeout "$BENCH_PEER_TIMEOUT" pmacctd -P print -c src_host,dst_host,src_port,dst_port,proto \
			-O csv -o "$dir/flows.csv" -r 3600 -Z 1 -I "$pcap" >"$log" 2>&1
		rc=$?
		t1=$(now_ms)
		[[ -f $dir/flows.csv ]] && PN=$(( $(wc -l <"$dir/flows.csv") - 1 )) ;;
	wiremeter)
		PX=$flows
		timeout "$BENCH_PEER_TIMEOUT" "$WM_BIN" --file-prefix "$PREFIX" -- --pcap "$pcap" \
			--report "$dir/report.json" >"$log" 2>&1
		rc=$?
		t1=$(now_ms)
		rm -rf "/var/run/dpdk/$PREFIX"
		remove_hugepage_files
		[[ -s $dir/report.json ]] && read -r PN PRATE < <(/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
d = r.get("durationSeconds") or 0
print(r.get("flowsExported", ""), "%.2f" % (r["packetsMetered"] / d / 1e6) if d > 0 else "n/a")
' "$dir/report.json") ;;
	esac
	if [[ $rc -ne 0 ]]; then
		PERR="$tool exited with $rc: $(last_lines "$log")"
		cp "$log" "$BENCH_DIR/last-$tool.log" 2>/dev/null
		return
	fi
	PT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1000 }')
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

# --- setup ---------------------------------------------------------------

say "installing what is missing and building (scripts/setup.sh)"
wm_install_deps || say "could not install every package; going on with what is there"
command -v dpdk-testpmd >/dev/null || say "dpdk-testpmd missing: testpmd figures will be n/a"
if ! wm_build; then
	say "build failed: wiremeter figures will be n/a"
fi
mkdir -p "$BENCH_DIR"
setup_memory
say "memory: $MEM_MODE"

MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
CPUS=$(nproc --all)
CORES=$(lscpu -p=CORE 2>/dev/null | grep -v '^#' | sort -u | wc -l)
DPDK_VER=$(dpkg-query -W -f '${Version}' dpdk 2>/dev/null || echo "?")
DATE=$(date -u +%Y-%m-%d)
LOAD=$(cut -d' ' -f1 /proc/loadavg)
COMMIT=$(git -C "$WM_ROOT" describe --always --dirty 2>/dev/null || echo "?")
if awk -v l="$LOAD" 'BEGIN { exit !(l > 0.5) }'; then
	say "warning: load average $LOAD before the first run: other work shares these CPUs"
fi
ROWS=()
NOTES=()

has_section() { [[ " $BENCH_SECTIONS " == *" $1 "* ]]; }

if has_section throughput; then
	for frames in $BENCH_FRAMES; do
		for flows in $BENCH_FLOWS; do
			label="$( [[ $frames == 64 ]] && echo "64 B" || echo "IMIX") / $(flows_label "$flows") flows"
			CUR=$label
			say "$label: generating the pcap (cached in $BENCH_DIR)"
			pcap=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames "$frames" \
				--flows "$flows" --packets "$BENCH_PACKETS" --dir "$BENCH_DIR") || pcap=""
			if [[ -z $pcap ]]; then
				say "$label: cannot generate the pcap"
				ROWS+=("| $label | n/a | n/a | n/a | n/a |")
				continue
			fi
			if command -v dpdk-testpmd >/dev/null; then
				say "$label: testpmd rxonly, ${BENCH_SECONDS} s"
				run_testpmd "$pcap"
			else
				TP="" TP_ERR="dpdk-testpmd is not installed"
			fi
			say "$label: wiremeter, ${BENCH_SECONDS} s"
			run_wiremeter "$pcap" "$flows"
			[[ -n $TP_ERR ]] && NOTES+=("$label: testpmd n/a: $TP_ERR")
			[[ -n $WM_ERR ]] && NOTES+=("$label: wiremeter n/a: $WM_ERR")
			[[ -n $WM ]] && INMEM_MPPS[$pcap]=$WM
			printf '%-22s testpmd %8s Mpps   wiremeter %8s Mpps   ratio %6s   %s cycles/packet\n' \
				"$label" "${TP:-n/a}" "${WM:-n/a}" "$(ratio "$WM" "$TP")" "${WM_CPP:-n/a}"
			ROWS+=("| $label | ${TP:-n/a} | ${WM:-n/a} | $(ratio "$WM" "$TP") | ${WM_CPP:-n/a} |")
		done
	done

fi

EXPORT_LINES=()
if has_section export; then
	say "export: IPFIX encoding on one core"
	if [[ -x $WM_BUILD/tests/bench_ipfix ]]; then
		mapfile -t EXPORT_LINES < <("$WM_BUILD/tests/bench_ipfix" 20000000 1400)
		printf '%s\n' "${EXPORT_LINES[@]}"
	else
		EXPORT_LINES=("n/a: no $WM_BUILD/tests/bench_ipfix (build failed)")
	fi
fi

SEQ_ROWS=()
SEQ_LINES=()
if has_section seq; then
	CUR="seq"
	say "seq: generating the RTP pcap (64 B, 1k flows)"
	pcap=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames 64 --flows 1024 \
		--packets "$BENCH_PACKETS" --payload rtp --dir "$BENCH_DIR") || pcap=""
	if [[ -n $pcap ]]; then
		say "seq: wiremeter, tracking off, ${BENCH_SECONDS} s"
		run_wiremeter "$pcap" 1024 --seq-streams 0
		OFF_CPP=$WM_CPP OFF_MPPS=$WM
		[[ -n $WM_ERR ]] && NOTES+=("seq off: wiremeter n/a: $WM_ERR")
		say "seq: wiremeter, tracking on, ${BENCH_SECONDS} s"
		run_wiremeter "$pcap" 1024 --seq-streams 4096
		[[ -n $WM_ERR ]] && NOTES+=("seq on: wiremeter n/a: $WM_ERR")
		INC=$(awk -v a="${WM_CPP:-}" -v b="${OFF_CPP:-}" \
			'BEGIN { if (a > 0 && b > 0) printf "%+.0f %%", 100 * (a - b) / b; else print "n/a" }')
		SEQ_ROWS+=("| off (--seq-streams 0) | ${OFF_MPPS:-n/a} | ${OFF_CPP:-n/a} | |")
		SEQ_ROWS+=("| on (2048 streams) | ${WM:-n/a} | ${WM_CPP:-n/a} | $INC |")
		printf 'seq tracking: off %s cycles/packet, on %s cycles/packet: %s\n' \
			"${OFF_CPP:-n/a}" "${WM_CPP:-n/a}" "$INC"
	else
		SEQ_ROWS+=("| n/a: cannot generate the pcap | | | |")
	fi
	if [[ -x $WM_BUILD/tests/bench_seq ]]; then
		mapfile -t SEQ_LINES < <("$WM_BUILD/tests/bench_seq" 20000000 65536)
		printf '%s\n' "${SEQ_LINES[@]}"
	fi
fi

# The last run's capture: "N Mpps written, captureDropped {...}" from its report.
capture_written() {
	/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
c = r.get("capture", {})
d = r.get("durationSeconds") or 0
print("%.2f Mpps written, captureDropped %s" % (c.get("packetsWritten", 0) / d / 1e6 if d else 0,
      c.get("captureDropped")))' "$BENCH_DIR/last-report.json" 2>/dev/null ||
		echo "n/a: ${WM_ERR:-no report}"
}
ENGINE_LINES=()
if has_section engines; then
	say "engines: xdp, af_xdp and af_packet on a veth pair, ${BENCH_SECONDS} s each"
	mapfile -t ENGINE_LINES < <(/usr/bin/python3 "$WM_ROOT/dts/bench_engines.py" \
		--wiremeter "$WM_BIN" --workdir "$BENCH_DIR/engines" --seconds "$BENCH_SECONDS")
	printf '%s\n' "${ENGINE_LINES[@]}"
fi

PEER_ROWS=()
CAP_LINES=()
if has_section capture; then
	for frames in 64 imix; do
		CUR="capture $frames"
		pcap=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames "$frames" \
			--flows 1024 --packets "$BENCH_PACKETS" --dir "$BENCH_DIR") || pcap=""
		if [[ -z $pcap ]]; then
			CAP_LINES+=("capture $frames: n/a: cannot generate the pcap")
			continue
		fi
		capfile=/dev/shm/wm_bench_capture_$$.pcapng
		say "capture $frames: no capture, ${BENCH_SECONDS} s"
		run_wiremeter "$pcap" 1024
		NONE_CPP=$WM_CPP NONE_MPPS=$WM
		say "capture $frames: capture selecting nothing, ${BENCH_SECONDS} s"
		run_wiremeter "$pcap" 1024 --capture "$capfile" --capture-filter "host 203.0.113.99"
		IDLE_CPP=$WM_CPP IDLE_MPPS=$WM
		rm -f "${capfile%.pcapng}"*
		say "capture $frames: capture everything to tmpfs, ${BENCH_SECONDS} s"
		run_wiremeter "$pcap" 1024 --capture "$capfile" --capture-ring files:2,filesize:100
		rm -f "${capfile%.pcapng}"*
		# last-report.json is an older run's when this one failed.
		[[ -n $WM_ERR ]] && rm -f "$BENCH_DIR/last-report.json"
		WRITTEN=$(capture_written)
		line="capture $frames: none ${NONE_MPPS:-n/a} Mpps ${NONE_CPP:-n/a} cycles/packet;"
		line+=" selecting nothing ${IDLE_MPPS:-n/a} Mpps ${IDLE_CPP:-n/a} cycles/packet;"
		line+=" everything ${WM:-n/a} Mpps ${WM_CPP:-n/a} cycles/packet, $WRITTEN"
		CAP_LINES+=("$line")
		printf '%s\n' "$line"
		say "capture $frames: dpdk-dumpcap on testpmd rxonly, everything to tmpfs, ${BENCH_SECONDS} s"
		run_dumpcap "$pcap"
		if [[ -n $DC ]]; then
			line="capture $frames: dpdk-dumpcap attached to dpdk-testpmd rxonly: $DC Mpps written,"
			line+=" received/dropped ${DC_DROP:-n/a} (copies made / no mbuf or ring full);"
			line+=" wiremeter ${WRITTEN%%,*}"
		else
			line="capture $frames: dpdk-dumpcap attached to dpdk-testpmd rxonly: n/a: $DC_ERR"
		fi
		CAP_LINES+=("$line")
		printf '%s\n' "$line"
	done
fi

EVIDENCE_LINES=()
if has_section evidence; then
	CUR="evidence"
	say "evidence: AES-256-GCM through IPsec-MB and OpenSSL EVP, 1 MiB chunks"
	if [[ -x $WM_BUILD/tests/bench_crypt ]]; then
		mapfile -t EVIDENCE_LINES < <("$WM_BUILD/tests/bench_crypt" 2048)
		printf '%s\n' "${EVIDENCE_LINES[@]}"
	else
		EVIDENCE_LINES=("n/a: no $WM_BUILD/tests/bench_crypt (build failed)")
	fi
	pcap=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames imix \
		--flows 1024 --packets "$BENCH_PACKETS" --dir "$BENCH_DIR") || pcap=""
	keyfile=$TMP/capture.key
	if [[ -n $pcap ]] && "$WM_BUILD/app/wiremeter-tool/wiremeter-tool" keygen "$keyfile"; then
		capfile=/dev/shm/wm_bench_evidence_$$.pcapng
		for mode in plain encrypted; do
			key=()
			[[ $mode == encrypted ]] && key=(--capture-key "$keyfile")
			say "evidence: capture everything (imix) to tmpfs, $mode, ${BENCH_SECONDS} s"
			run_wiremeter "$pcap" 1024 --capture "$capfile" \
				--capture-ring files:2,filesize:100 "${key[@]}"
			rm -f "${capfile%.pcapng}"*
			[[ -n $WM_ERR ]] && rm -f "$BENCH_DIR/last-report.json"
			line="capture imix $mode: ${WM:-n/a} Mpps metered, $(capture_written)"
			EVIDENCE_LINES+=("$line")
			printf '%s\n' "$line"
		done
	else
		EVIDENCE_LINES+=("capture with and without a key: n/a: no pcap or no key")
	fi
fi

PEER_LINES=()
PEER_TOOLS=()
PRATE="" PRECS=""
if has_section peers; then
	CUR="peers"
	for t in softflowd:softflowd nfpcapd:nfdump pmacctd:pmacct; do
		if command -v "${t%%:*}" >/dev/null; then
			PEER_TOOLS+=("${t%%:*}")
		else
			NOTES+=("peers: ${t%%:*} n/a: not installed (Debian package ${t#*:})")
		fi
	done
	[[ -x $WM_BIN ]] && PEER_TOOLS+=(wiremeter)
	start_sink
	# The fixed cost: EAL's start and exit, the ports, the tables, on one packet.
	one=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames 64 --flows 1 \
		--packets 1 --dir "$BENCH_DIR") || one=""
	FIXED="n/a"
	if [[ -n $one && -x $WM_BIN ]]; then
		ts=()
		for r in 1 2 3; do
			run_peer wiremeter "$one" 1
			[[ -n $PT ]] && ts+=("$PT")
		done
		[[ ${#ts[@]} -eq 3 ]] && FIXED="$(median3 "${ts[@]}") s"
		[[ -n $PERR ]] && NOTES+=("peers: fixed cost: $PERR")
	fi
	say "peers: wiremeter's fixed start and exit cost (1-packet file): $FIXED"
	for spec in $BENCH_PEERS; do
		IFS=: read -r frames flows pkts <<<"$spec"
		label="$pkts packets / $(flows_label "$flows") flows / $( [[ $frames == 64 ]] && echo "64 B" || echo "IMIX")"
		say "peers: $label: generating the pcap (cached in $BENCH_DIR)"
		pcap=$(/usr/bin/python3 "$WM_ROOT/scripts/gen_bench_trace.py" --frames "$frames" \
			--flows "$flows" --packets "$pkts" --dir "$BENCH_DIR") || pcap=""
		if [[ -z $pcap ]]; then
			PEER_ROWS+=("| $label | n/a: cannot generate the pcap | | | | | |")
			continue
		fi
		declare -A PTIMES=() PCHECK=()
		rate=""
		for r in 1 2 3; do
			for tool in "${PEER_TOOLS[@]}"; do
				say "peers: $label: $tool, run $r"
				run_peer "$tool" "$pcap" "$flows"
				if [[ -n $PERR ]]; then
					PCHECK[$tool]="n/a"
					NOTES+=("peers: $label: $PERR")
					continue
				fi
				PTIMES[$tool]+="$PT "
				[[ $tool == wiremeter ]] && rate=$PRATE
				if [[ "$PN" != "$PX" ]]; then
					PCHECK[$tool]="${PN:-?} of $PX flows"
					[[ $r -eq 1 ]] && NOTES+=("peers: $label: $tool exported ${PN:-?} flows, the file has $PX")
				fi
				if [[ $tool == nfpcapd && $r -eq 1 && ${PRECS:-} != "$PX" ]]; then
					NOTES+=("peers: $label: nfpcapd wrote ${PRECS:-?} records for its $PN flows")
				fi
			done
		done
		cells=()
		best="" wm_med=""
		for tool in softflowd nfpcapd pmacctd wiremeter; do
			# shellcheck disable=SC2086  # the times are words
			set -- ${PTIMES[$tool]:-}
			if [[ $# -eq 3 ]]; then
				m=$(median3 "$@")
				cells+=("$m s${PCHECK[$tool]:+ (${PCHECK[$tool]})}")
				if [[ $tool == wiremeter ]]; then
					wm_med=$m
				elif [[ -z $best ]] || awk -v a="$m" -v b="$best" 'BEGIN { exit !(a < b) }'; then
					best=$m
				fi
			else
				cells+=("n/a")
				[[ $tool == wiremeter ]] && wm_med=""
			fi
		done
		speedup=$(awk -v a="${wm_med:-}" -v b="${best:-}" \
			'BEGIN { if (a > 0 && b > 0) printf "%.2f x", b / a; else print "n/a" }')
		inmem=${INMEM_MPPS[$pcap]:-}
		rel=$(awk -v a="${rate:-}" -v b="${inmem:-}" \
			'BEGIN { if (a > 0 && b > 0) printf "%.0f %%", 100 * a / b; else print "n/a" }')
		line=$(printf '| %s | %s | %s | %s | %s | %s | %s Mpps (%s of in-memory) |' "$label" \
			"${cells[@]}" "$speedup" "${rate:-n/a}" "$rel")
		PEER_ROWS+=("$line")
		echo "$line"
		unset PTIMES PCHECK
	done
	if [[ -n $SINK ]]; then
		kill "$SINK" 2>/dev/null
		wait "$SINK" 2>/dev/null
		SINK=""
	fi
	PEER_LINES+=("softflowd $(softflowd -h 2>&1 | sed -n 's/.*softflowd version \([^ .]*\.[^ .]*\.[^ .]*\).*/\1/p')," \
		"nfdump $(dpkg-query -W -f '${Version}' nfdump 2>/dev/null)," \
		"pmacct $(dpkg-query -W -f '${Version}' pmacct 2>/dev/null)")
fi

LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
has_section throughput && cat <<EOF

### Throughput ($DATE)

Machine: $MODEL, $CPUS CPUs ($CORES cores), DPDK $DPDK_VER, memory: ${MEM_MODE%% (*},
wiremeter $COMMIT. The pcap PMD with \`infinite_rx=1\` replays $BENCH_PACKETS packets from
memory, ${BENCH_SECONDS} s per run; wiremeter has one worker (\`-l 0-1\`), testpmd runs
\`--forward-mode=rxonly\` (the ceiling). Frame sizes include the FCS; IMIX is 7:4:1 of
64/576/1500 bytes. Cycles/packet is wiremeter's \`cyclesPerPacket\`: parse and flow update,
without the Rx burst (here the pcap PMD's copy) and the mbuf free. Load average
before/after: $LOAD/$LOAD_END.

| frames / flows | testpmd rxonly (Mpps) | wiremeter (Mpps) | wiremeter / testpmd | cycles/packet |
|---|---|---|---|---|
EOF
[[ ${#ROWS[@]} -gt 0 ]] && printf '%s\n' "${ROWS[@]}"
if [[ ${#CAP_LINES[@]} -gt 0 ]]; then
	printf '\n### Capture tap (%s, load average before/after %s/%s)\n\n```\n' "$DATE" "$LOAD" "$LOAD_END"
	printf '%s\n' "${CAP_LINES[@]}"
	printf '```\n'
fi
if [[ ${#EVIDENCE_LINES[@]} -gt 0 ]]; then
	printf '\n### Encrypted capture (%s, load average before/after %s/%s)\n\n```\n' "$DATE" "$LOAD" "$LOAD_END"
	printf '%s\n' "${EVIDENCE_LINES[@]}"
	printf '```\n'
fi
if [[ ${#EXPORT_LINES[@]} -gt 0 ]]; then
	printf '\n### IPFIX encoding, one core\n\n```\n'
	printf '%s\n' "${EXPORT_LINES[@]}"
	printf '```\n'
fi
if [[ ${#SEQ_ROWS[@]} -gt 0 ]]; then
	printf '\n### Sequence tracking, every packet RTP (64 B, 1k flows, 2048 streams)\n\n'
	printf '| tracking | wiremeter (Mpps) | cycles/packet | increase |\n|---|---|---|---|\n'
	printf '%s\n' "${SEQ_ROWS[@]}"
	[[ ${#SEQ_LINES[@]} -gt 0 ]] && printf '\nThe tracker alone:\n\n```\n%s\n```\n' \
		"$(printf '%s\n' "${SEQ_LINES[@]}")"
fi
if [[ ${#PEER_ROWS[@]} -gt 0 ]]; then
	printf '\n### The file path, whole process (%s)\n\n' "$DATE"
	printf 'Wall time from exec to exit, median of 3, tools interleaved; %s. ' "${PEER_LINES[*]}"
	printf 'wiremeter with its defaults (`wiremeter -- --pcap FILE --report R`); its fixed start and '
	printf 'exit cost (a 1-packet file): %s. A count after a time is a flow count that differs ' "$FIXED"
	printf 'from the file'"'"'s (biflows for softflowd -b and wiremeter, one a direction for the others).\n\n'
	printf '| file | softflowd | nfpcapd | pmacctd | wiremeter | fastest peer / wiremeter | wiremeter metering the file |\n'
	printf '|---|---|---|---|---|---|---|\n'
	printf '%s\n' "${PEER_ROWS[@]}"
fi
if [[ ${#ENGINE_LINES[@]} -gt 0 ]]; then
	printf '\n### Engines on a veth pair (%s)\n\n```\n' "$DATE"
	printf '%s\n' "${ENGINE_LINES[@]}"
	printf '```\n'
fi
if [[ ${#NOTES[@]} -gt 0 ]]; then
	echo
	printf -- '- %s\n' "${NOTES[@]}"
fi
exit 0
