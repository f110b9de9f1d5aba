#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A port that fails to set up stops nfvisord with one line naming the port,
# the step and the error, exit status 1, and nothing left behind: every
# port is closed (a memif server removes its socket file) and the EAL
# runtime directory goes.  The failing port is a pcap replayed with
# infinite_rx that holds more packets than the domain has buffers: DPDK
# 22.11's net_pcap then crashes in its own close, so nfvisord must leave
# that one open (it died of SIGSEGV in rte_eal_cleanup() before).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 64

# run_bad LOG EAL-AND-APP-ARGS...: nfvisord must fail on its own (60 s).
run_bad() {
	local log=$1; shift
	rm -rf "$RUN" "$T/memif.sock"; mkdir -p "$RUN"
	timeout 60 "$NFVISORD" -l 1 --file-prefix "$PREFIX" --no-pci "$@" >"$log.out" 2>"$log"
}

# check_bad LOG WANT: exit status 1, one line saying WANT, nothing left.
check_bad() {
	local log=$1 want=$2 rc=$3 out
	[ "$rc" = 1 ] || { cat "$log"; fail "nfvisord exited with $rc, want 1"; }
	out=$(grep '^nfvisord:' "$log")
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "not one line: $out"
	case $out in *"$want"*) ;; *) fail "'$out' does not say '$want'" ;; esac
	note "$out"
	[ ! -e "$T/memif.sock" ] || fail "the memif port's socket file was left behind"
	[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "EAL runtime directory left: $(ls -la "/var/run/dpdk/$PREFIX")"
}

# 16 MiB of 2 KiB buffers: fewer than the capture's 10000 frames.  The
# null port before the failed one was started, the memif port after it
# only probed (its socket made then): both are closed.
"$PCAPGEN" -o "$T/big.pcap" -n 10000 -f 100 >/dev/null || hard "nfv-pcapgen failed"
run_bad "$T/pcap.log" --vdev net_null0 --vdev "net_pcap0,rx_pcap=$T/big.pcap,infinite_rx=1" \
	--vdev "net_memif0,role=server,socket=$T/memif.sock,socket-abstract=no" \
	-- -r "$RUN" --region-size 16M --chain port:0
check_bad "$T/pcap.log" "port 1 (net_pcap0): RX queue setup failed: Invalid argument" $?

echo "PASS: a port that fails to set up: exit 1, one line, nothing left behind"
