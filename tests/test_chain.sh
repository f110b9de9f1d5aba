#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: nfvisord + a chain of two NF processes over a net_pcap port.
# Every input packet comes out rewritten exactly as the NFs promise (MAC
# swap and TTL decrement with checksum update), in place: copies = 0, and
# rx = tx + drops.  Real hugepages, real DPDK port, real NetLib processes.
# Then a chain whose first service has no instance drops every packet at
# its entry (no_service) and leaks no buffer.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

N=20000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 60-1514 -f 64 --ipv6-share 25 >/dev/null || hard "pcapgen failed"

start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --stop-when-idle 500 \
	--summary "$T/summary.json"
start_nf F1 "$FWD" --service 1 --name fwd
start_nf F2 "$REWRITE" --service 2 --name rewrite --mac-swap --ttl

wait_exit "$DPID" 60 || { cat "$T/d.log"; fail "nfvisord did not stop by itself when the pcap was consumed"; }
rc=$?
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"

s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s")
dropped=$(jq .totals.dropped "$s"); copies=$(jq .totals.copies "$s")
note "rx=$rx tx=$tx dropped=$dropped copies=$copies"
[ "$rx" = $N ] || fail "daemon received $rx of $N packets"
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$copies" = 0 ] || fail "copies = $copies, want 0 (zero copy)"
[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed: $(jq -c .audit "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit"
[ "$(jq .totals.quarantines "$s")" = 0 ] || fail "an NF was quarantined"
# A clean run logs no warning: no rejected descriptor, quarantine or refusal.
! grep -E 'rejected descriptor|quarantined|refusing|WARNING|ERR' "$T/d.log" ||
	fail "a clean run logged warnings"

"$PCAPCHECK" --in "$T/in.pcap" --out "$T/out.pcap" --expect mac-swap,ttl \
	|| fail "output is not the input with MACs swapped and TTL decremented"

# The NFs see the daemon go and exit cleanly on their own.
wait_exit "$F1" 10 >/dev/null || fail "nfv-fwd still running after the daemon left"
wait_exit "$F2" 10 >/dev/null || fail "nfv-rewrite still running after the daemon left"
[ -z "$(ls -A "$RUN")" ] || fail "sockets left behind: $(ls "$RUN")"
echo "PASS: $N packets through fwd -> rewrite, byte-exact, 0 copies"

# A chain whose first service has no instance (no --wait-chain, no NF):
# every packet is dropped at the chain's entry as no_service, counted, and
# its buffer goes back to the pool.
M=3000
"$PCAPGEN" -o "$T/in2.pcap" -n $M -s 60-1514 -f 16 >/dev/null || hard "pcapgen failed"
rm -rf "$RUN"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in2.pcap,tx_pcap=$T/out2.pcap" \
	-- -r "$RUN" --chain nf:1,port:0 --stop-when-idle 500 --summary "$T/summary2.json"
wait_exit "$DPID" 60 || { cat "$T/d2.log"; fail "nfvisord did not stop by itself (no NF)"; }
s=$T/summary2.json
[ "$(jq .totals.rx "$s")" = $M ] || fail "daemon received $(jq .totals.rx "$s") of $M packets"
[ "$(jq .totals.tx "$s")" = 0 ] || fail "$(jq .totals.tx "$s") packets left with no NF on the chain"
[ "$(jq .drops.no_service "$s")" = $M ] ||
	fail "no_service drops $(jq .drops.no_service "$s"), want $M: $(jq -c .drops "$s")"
[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed (no NF): $(jq -c .audit "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit (no NF)"
echo "PASS: $M packets at a chain's entry with no instance: all dropped as no_service, none leaked"
