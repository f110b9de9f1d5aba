#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A port that fails to set up stops nfvisord with one line naming the port,
# the step and the error, exit status 1, and nothing left behind: the ports
# already probed are closed (a memif server removes its socket file) and
# the EAL runtime directory goes.  The failing port is a pcap replayed with
# infinite_rx that holds more packets than the domain has buffers: DPDK
# 22.11's net_pcap then crashes in its own close, so nfvisord must not
# close it (it died of SIGSEGV in rte_eal_cleanup() before).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 64

# 16 MiB of 2 KiB buffers: fewer than the pcap's 10000 packets.
"$PCAPGEN" -o "$T/big.pcap" -n 10000 -f 100 >/dev/null || hard "nfv-pcapgen failed"
mkdir -p "$RUN"
"$NFVISORD" -l 1 --file-prefix "$PREFIX" --no-pci --vdev net_null0 \
	--vdev "net_pcap0,rx_pcap=$T/big.pcap,infinite_rx=1" \
	--vdev "net_memif0,role=server,socket=$T/memif.sock,socket-abstract=no" \
	-- -r "$RUN" --region-size 16M --chain port:0 >"$T/d.out" 2>"$T/d.err"
rc=$?
[ "$rc" = 1 ] || { cat "$T/d.err"; fail "nfvisord exited with $rc, want 1"; }
out=$(grep '^nfvisord:' "$T/d.err")
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "not one line: $out"
case $out in
*"port 1 (net_pcap0): RX queue setup failed: Invalid argument"*) ;;
*) fail "the error does not name the port, step and error: $out" ;;
esac
note "$out"
[ ! -e "$T/memif.sock" ] || fail "the memif port's socket file was left behind"
[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "EAL runtime directory left: $(ls -la "/var/run/dpdk/$PREFIX")"
ls "$RUN"/*.sock >/dev/null 2>&1 && fail "sockets left in $RUN: $(ls "$RUN")"
echo "PASS: a port that fails to set up: exit 1, one line, nothing left behind"
