# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers for nfvisor's shell tests.  Source it; it sets up a
# private temp dir and an EXIT trap that stops every process the test
# started (by PID) and removes what they left.
# Exit codes: 0 pass, 1 fail, 77 skip, 99 hard error.

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
B=$top_builddir
NFVISORD=$B/hypervisor/nfvisord
NFVCTL=$B/tools/nfvctl
FWD=$B/examples/nfv-fwd
REWRITE=$B/examples/nfv-rewrite
PCAPGEN=$B/tools/nfv-pcapgen
PCAPCHECK=$B/tools/nfv-pcapcheck

T=$(mktemp -d /tmp/nfvtest.XXXXXX)
RUN=$T/run
PREFIX=nfvt$$	# --file-prefix; ${PREFIX}mp for a multi-process test
PIDS=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
hard() { echo "ERROR: $*"; exit 99; }
note() { echo "# $*"; }

# NFV_TEST_KEEP=DIR: a test that fails leaves its logs in DIR/NAME.PID.
# memif_testpmd ROLE LOG ARGS...: dpdk-testpmd in the background on CPU 0
# with one net_memif port in ROLE (server or client) on the socket file
# $SOCK, ARGS its application options, its output in LOG; sets TP, and
# cleanup() stops it.  Its EAL files go with --in-memory.
memif_testpmd() {
	local role=$1 log=$2
	shift 2
	stdbuf -oL dpdk-testpmd --lcores 0@0,1@0 --main-lcore 0 --file-prefix "${PREFIX}tp" -m 64 --no-pci \
		--in-memory --log-level='*:warning' \
		--vdev "net_memif0,role=$role,socket=$SOCK,socket-abstract=no" \
		-- "$@" <"${TP_IN:-/dev/null}" >"$log" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
}

# memif_testpmd_fifo ROLE LOG ARGS...: memif_testpmd, interactive (-i),
# its commands written to fd 7 (echo start >&7).  testpmd's own open of
# the fifo waits for a writer, so it happens in the background process;
# fd 7 is opened read-write: it never blocks, nor EPIPEs if testpmd goes.
memif_testpmd_fifo() {
	local role=$1 log=$2
	shift 2
	rm -f "$T/tp.in"
	mkfifo "$T/tp.in"
	TP_IN=$T/tp.in memif_testpmd "$role" "$log" -i "$@"
	exec 7<>"$T/tp.in"
}

cleanup() {
	local p rc=$?
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "${NFV_TEST_KEEP:-}" ]; then
		mkdir -p "$NFV_TEST_KEEP" && cp -r "$T" "$NFV_TEST_KEEP/$(basename "$0" .sh).$$" 2>/dev/null
	fi
	rm -rf "$T" "/var/run/dpdk/$PREFIX" "/var/run/dpdk/${PREFIX}mp"
	rm -f /dev/hugepages/"${PREFIX}mp"map_*
}
trap cleanup EXIT

need_root_hugepages() {
	[ "$(id -u)" = 0 ] || skip "needs root (hugepages, DPDK)"
	local free
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	[ "${free:-0}" -ge "${1:-128}" ] || skip "needs ${1:-128} free 2 MiB hugepages (echo 1024 > /proc/sys/vm/nr_hugepages)"
	for x in "$NFVISORD" "$NFVCTL" "$FWD" "$REWRITE" "$PCAPGEN" "$PCAPCHECK"; do
		[ -x "$x" ] || hard "$x not built"
	done
	command -v jq >/dev/null || skip "needs jq (apt-get install jq)"
}

# daemon_up: nfvisord in $RUN answers on its control socket.  Its ports,
# attach sockets and worker are all set up before the control thread
# serves (the control socket file appears before the attach sockets).
daemon_up() { [ -S "$RUN/nfvisord.sock" ] && ctl version >/dev/null; }

# start_daemon LOG EAL-ARGS... -- APP-ARGS...: starts nfvisord, sets DPID.
start_daemon() {
	local log=$1; shift
	mkdir -p "$RUN"
	"$NFVISORD" -l 1 --file-prefix "$PREFIX" --log-level=user*:info "$@" >"$log" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_for daemon_up 20 ||
		{ cat "$log"; fail "nfvisord did not start"; }
}

# start_nf VAR BINARY ARGS...: starts an NF, stores its PID in VAR.
start_nf() {
	local var=$1 bin=$2; shift 2
	"$bin" --socket "$RUN/default.sock" "$@" >"$T/$var.log" 2>&1 &
	eval "$var=$!"
	PIDS="$PIDS $!"
}

ctl() { "$NFVCTL" --socket "$RUN/nfvisord.sock" --json "$@"; }

# expect_err WANT NFVCTL-ARGS...: nfvctl must fail with one line saying WANT.
expect_err() {
	local want=$1 out; shift
	if out=$("$NFVCTL" --socket "$RUN/nfvisord.sock" "$@" 2>&1); then
		fail "nfvctl $* succeeded: $out"
	fi
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "nfvctl $*: more than one line: $out"
	case $out in *"$want"*) ;; *) fail "nfvctl $*: '$out' does not say '$want'" ;; esac
	note "nfvctl $*: $out"
}

# wait_for CONDITION SECONDS: poll a shell condition every 0.1 s.
wait_for() {
	local i=0 n=$(( $2 * 10 ))
	while [ $i -lt $n ]; do
		eval "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

nfs_running() { [ "$(ctl nf list | jq '[.nfs[] | select(.state == "running")] | length')" -ge "$1" ]; }

# wait_exit PID SECONDS: wait for a process to end by itself; echo its status.
wait_exit() {
	local i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $i -ge $(( $2 * 10 )) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	wait "$1"
}

# stop_daemon SUMMARY LOG: Ctrl-C nfvisord, which must exit 0 within 20 s
# with its summary (--summary SUMMARY) accounting for every packet (rx = tx
# + dropped) and every buffer (audit ok, none in use).
stop_daemon() {
	local s=$1 log=$2 rc=0 rx tx dropped
	kill -INT "$DPID"
	wait_exit "$DPID" 20 >/dev/null || rc=$?
	! kill -0 "$DPID" 2>/dev/null || fail "nfvisord did not stop on SIGINT"
	[ "$rc" = 0 ] || { tail -20 "$log"; fail "nfvisord exited with $rc"; }
	rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
	note "summary: rx $rx tx $tx dropped $dropped; audit $(jq -c '.audit | del(.domains)' "$s")"
	[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
	jq -e '.audit.ok and .audit.in_use == 0' "$s" >/dev/null || fail "buffers lost: $(jq -c .audit "$s")"
}

# ---- VM tests (tests/vm/*.sh): NFs in QEMU guests through tools/nfv-vm ----
NFVVM=$top_srcdir/tools/nfv-vm

# need_vm: skip unless QEMU with ivshmem-doorbell, a guest kernel,
# busybox-static and nfv_ivshmem.ko (built, or headers to build it) exist.
need_vm() {
	local d v kver=
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
		skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
	qemu-system-x86_64 -device help 2>/dev/null | grep -q '"ivshmem-doorbell"' ||
		skip "this QEMU has no ivshmem-doorbell device"
	command -v busybox >/dev/null 2>&1 || skip "busybox not found (apt-get install busybox-static)"
	ldd "$(command -v busybox)" >/dev/null 2>&1 &&
		skip "busybox is dynamically linked (apt-get install busybox-static)"
	for d in $(printf '%s\n' /lib/modules/*-amd64 | sort -V -r); do
		v=${d##*/}
		[ -f "/boot/vmlinuz-$v" ] && { kver=$v; break; }
	done
	[ -n "$kver" ] || skip "no guest kernel: /boot/vmlinuz-* with /lib/modules (apt-get install linux-image-amd64)"
	[ -r "/boot/vmlinuz-$kver" ] || skip "/boot/vmlinuz-$kver is not readable"
	[ -f "$B/guest-kmod/nfv_ivshmem.ko" ] || [ -f "/usr/src/linux-headers-$kver/Makefile" ] ||
		skip "no nfv_ivshmem.ko and no headers for $kver to build it (apt-get install linux-headers-$kver)"
	[ -x "$NFVVM" ] || hard "$NFVVM not found"
}

# start_vm VAR NAME [nfv-vm start OPTION]... -- NF-COMMAND...: boot an NF VM
# on the default domain (console $T/NAME.console); its QEMU pid goes to
# VAR and to the processes the EXIT trap stops.
start_vm() {
	local var=$1 name=$2 out pid
	shift 2
	out=$("$NFVVM" start --socket "$RUN/default.sock" --name "$name" --build-dir "$B" \
		--pidfile "$T/$name.pid" --console "$T/$name.console" "$@" 2>&1) ||
		{ echo "$out"; fail "nfv-vm start $name failed"; }
	echo "$out" | sed 's/^/# /'
	pid=$(cat "$T/$name.pid") || fail "nfv-vm start $name wrote no pid file"
	PIDS="$PIDS $pid"
	eval "$var=$pid"
}

# nf_of_pid PID: the `nf list` entry of the slot whose peer is PID (JSON).
nf_of_pid() { ctl nf list | jq -c --argjson p "$1" '[.nfs[] | select(.pid == $p)][0] // empty'; }

# wait_vm_nf PID NAME SECONDS: wait until the NF in VM NAME (QEMU PID) has
# registered.  Skips if it could not attach because NetLib has no VM
# backend yet; fails otherwise.
wait_vm_nf() {
	local pid=$1 name=$2 i=0 n=$(($3 * 10))
	while [ $i -lt $n ]; do
		[ "$(nf_of_pid "$pid" | jq -r .state 2>/dev/null)" = running ] && return 0
		grep -aq '^nfv-init: exit status' "$T/$name.console" 2>/dev/null && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	echo "---- console of $name (last 25 lines)"
	tail -n 25 "$T/$name.console" 2>/dev/null
	if ! grep -lq nfv_ivshmem "$top_srcdir"/guest-lib/*.c 2>/dev/null; then
		skip "NetLib has no VM backend yet (guest-lib/netlib_vm.c): the guest booted, the module bound and QEMU attached, but the NF in it cannot attach"
	fi
	fail "the NF in VM $name did not register within $3 s"
}

# wait_gone PID SECONDS: wait for a process that is not our child to end.
wait_gone() {
	local i=0
	while [ -d "/proc/$1" ] && [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; do
		[ $i -ge $(( $2 * 10 )) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 0
}

# proc_cpu_ticks PID: user + system CPU time of PID, in clock ticks.
proc_cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
