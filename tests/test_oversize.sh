#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Frames longer than a packet buffer: a driver chains them over several
# mbufs (net_pcap here; memif, tap and af_packet do the same), and NFs see
# one buffer a packet.  nfvisord drops them at the port, counted as
# `oversize` with one warning that names --buf-size, and loses no buffer
# (before, an NF's packet left with its first segment only and the rest
# of the chain leaked from the pool).  With buffers large enough, the same
# jumbo frames go through byte-exact.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

N0=3000	# frames that fit a 2048-byte buffer (1920 bytes of room)
N1=700	# jumbo frames that do not
"$PCAPGEN" -o "$T/fit.pcap" -n $N0 -s 60-1920 -f 64 --seed 1 >/dev/null || hard "pcapgen failed"
"$PCAPGEN" -o "$T/big.pcap" -n $N1 -s 1921-9014 -f 4 --seed 2 >/dev/null || hard "pcapgen failed"

# 1. Default buffers: port 0's frames all come out, port 1's jumbo frames
#    are all dropped as oversize, through an NF (whose packets take the
#    path where the chain's tail leaked) and through a port-to-port chain.
#    A flow rule takes one jumbo flow: its packets were classified before
#    they were refused, and must not stay counted in flight on its chain.
start_daemon "$T/d1.log" --no-pci \
	--vdev "net_pcap0,rx_pcap=$T/fit.pcap,tx_pcap=$T/out0.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/big.pcap,tx_pcap=$T/out1.pcap" \
	-- -r "$RUN" --chain nf:1,port:0 --port-chain 1=port:1 --wait-chain \
	--summary "$T/s1.json"
ctl flow add udp 198.18.0.1 1024 198.19.0.1 9 nf:1,port:0 >/dev/null || fail "flow add failed"
start_nf F1 "$FWD" --service 1 --name fwd
wait_for "[ \"\$(ctl stats | jq .totals.rx)\" = $((N0 + N1)) ]" 30 ||
	fail "received $(ctl stats | jq .totals.rx) of $((N0 + N1)) frames"
wait_for "[ \"\$(ctl stats | jq .totals.tx)\" = $N0 ]" 10 || true
rule=$(ctl flow list | jq -c '.rules[0] | {packets, in_flight}')
note "flow rule: $rule"
[ "$(jq .packets <<<"$rule")" -gt 0 ] || fail "no jumbo frame matched the flow rule: $rule"
[ "$(jq .in_flight <<<"$rule")" = 0 ] || fail "refused frames stay in flight on the rule's chain: $rule"
stop_daemon "$T/s1.json" "$T/d1.log"
s=$T/s1.json
note "$(grep -E 'frames up to|oversize|buffers:' "$T/d1.log")"
grep -q "2048 bytes (frames up to 1920)" "$T/d1.log" || fail "startup line does not say how long a frame a buffer holds"
[ "$(jq .totals.rx "$s")" = $((N0 + N1)) ] || fail "received $(jq .totals.rx "$s"), want $((N0 + N1))"
[ "$(jq .totals.tx "$s")" = $N0 ] || fail "sent $(jq .totals.tx "$s"), want the $N0 frames that fit"
[ "$(jq .drops.oversize "$s")" = $N1 ] || fail "oversize drops $(jq .drops.oversize "$s"), want $N1"
[ "$(jq .totals.dropped "$s")" = $N1 ] || fail "dropped $(jq -c .drops "$s"), want only $N1 oversize"
[ "$(jq '.ports[1].rx_pkts' "$s")" = $N1 ] || fail "port 1 counted $(jq '.ports[1].rx_pkts' "$s") received, want $N1"
grep -q "bytes a buffer holds: dropped (raise --buf-size" "$T/d1.log" || fail "no warning naming --buf-size"
[ "$(grep -c 'bytes a buffer holds' "$T/d1.log")" -le 2 ] || fail "the oversize warning is not rate-limited"
"$PCAPCHECK" --in "$T/fit.pcap" --out "$T/out0.pcap" >/dev/null || fail "frames that fit did not come out byte-exact"
wait_exit "$F1" 10 >/dev/null || fail "nfv-fwd still running after the daemon left"

# 2. Buffers of 16 KiB hold them: the same jumbo frames go through the NF,
#    byte-exact, none dropped.
rm -rf "$RUN"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/big.pcap,tx_pcap=$T/out2.pcap" \
	-- -r "$RUN" --buf-size 16384 --region-size 128M --chain nf:1,port:0 --wait-chain --stop-when-idle 500 \
	--summary "$T/s2.json"
start_nf F2 "$FWD" --service 1 --name fwd
wait_exit "$DPID" 60 >/dev/null || { cat "$T/d2.log"; fail "nfvisord (--buf-size 16384) did not stop"; }
s=$T/s2.json
note "--buf-size 16384: rx $(jq .totals.rx "$s") tx $(jq .totals.tx "$s") drops $(jq -c '.drops | with_entries(select(.value > 0))' "$s")"
[ "$(jq .totals.tx "$s")" = $N1 ] || fail "with 16 KiB buffers sent $(jq .totals.tx "$s") of $N1 jumbo frames"
jq -e '.audit.ok and .audit.in_use == 0' "$s" >/dev/null || fail "buffers lost: $(jq -c .audit "$s")"
"$PCAPCHECK" --in "$T/big.pcap" --out "$T/out2.pcap" >/dev/null || fail "jumbo frames did not come out byte-exact"
wait_exit "$F2" 10 >/dev/null || fail "nfv-fwd still running after the daemon left"
echo "PASS: $N1 frames longer than a buffer dropped as oversize, none lost; through with --buf-size 16384"
