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
PREFIX=nfvt$$
PIDS=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
hard() { echo "ERROR: $*"; exit 99; }
note() { echo "# $*"; }

cleanup() {
	local p
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T" "/var/run/dpdk/$PREFIX"
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

# start_daemon LOG EAL-ARGS... -- APP-ARGS...: starts nfvisord, sets DPID.
start_daemon() {
	local log=$1; shift
	mkdir -p "$RUN"
	"$NFVISORD" -l 1 --file-prefix "$PREFIX" --log-level=user*:info "$@" >"$log" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_for "[ -S $RUN/nfvisord.sock ]" 20 || { cat "$log"; fail "nfvisord did not start"; }
}

# start_nf VAR BINARY ARGS...: starts an NF, stores its PID in VAR.
start_nf() {
	local var=$1 bin=$2; shift 2
	"$bin" --socket "$RUN/default.sock" "$@" >"$T/$var.log" 2>&1 &
	eval "$var=$!"
	PIDS="$PIDS $!"
}

ctl() { "$NFVCTL" --socket "$RUN/nfvisord.sock" --json "$@"; }

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
