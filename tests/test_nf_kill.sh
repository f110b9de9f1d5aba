#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: SIGKILL an NF mid-stream.  Every buffer lent to it comes
# back (counted as nf_gone drops), the pool audit balances, and the daemon
# keeps forwarding for the NFs that remain.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

# Many flows, replayed forever, so both instances of service 1 get traffic.
"$PCAPGEN" -o "$T/flows.pcap" -n 4096 -s 64 -f 256 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/flows.pcap,infinite_rx=1" --vdev net_null1 \
	-- -r "$RUN" --chain nf:1,nf:2,port:1 --wait-chain --summary "$T/summary.json" \
	--ring-size 2048	# a window of 2048 whatever the NFs' CPUs: half of it a replica
start_nf A "$FWD" --service 1 --name victim
start_nf B "$FWD" --service 1 --name survivor
start_nf C "$REWRITE" --service 2 --name rewrite --mac-swap
wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"
wait_for "[ \$(ctl stats | jq .totals.tx) -gt 100000 ]" 20 || fail "no traffic: $(ctl stats)"

victim=$(ctl nf list | jq -c '.nfs[] | select(.name == "victim")')
note "victim before the kill: $victim"
[ "$(echo "$victim" | jq .rx_pkts)" -gt 0 ] || fail "the victim got no traffic"
# Freeze it first, so it surely holds buffers when it dies: a running NF
# may hand everything back between our look and the kill.
kill -STOP "$A"
wait_for "[ \$(ctl nf list | jq '.nfs[] | select(.name == \"victim\") | .lent') -gt 0 ]" 5 \
	|| fail "the stopped victim holds no buffer"
held=$(ctl nf list | jq '.nfs[] | select(.name == "victim") | .lent')
note "the stopped victim holds $held buffers"
# Where they wait: a frozen NF takes nothing from its RX ring, and
# whatever sits in its rings is part of what it was lent.
wait_for "[ \$(ctl nf list | jq '.nfs[] | select(.name == \"victim\") | .rx_queued') -gt 0 ]" 5 \
	|| fail "nothing waits in the frozen victim's RX ring: $(ctl nf list)"
v=$(ctl nf list | jq -c '.nfs[] | select(.name == "victim")')
q=$(echo "$v" | jq '.rx_queued + .tx_queued')
[ "$(echo "$v" | jq .rx_queued)" -le 1024 ] && [ "$q" -le "$(echo "$v" | jq .lent)" ] ||
	fail "ring fill of the frozen victim does not add up: $v"
note "frozen victim: $(echo "$v" | jq -c '{lent, rx_queued, tx_queued}')"
kill -KILL "$A"
wait_for "[ \$(ctl nf list | jq '[.nfs[] | select(.name == \"victim\")] | length') = 0 ]" 5 \
	|| fail "slot of the killed NF not reclaimed: $(ctl nf list)"
st=$(ctl stats)
[ "$(echo "$st" | jq .reclaims.count)" = 1 ] || fail "reclaims: $(echo "$st" | jq -c .reclaims)"
[ "$(echo "$st" | jq .drops.nf_gone)" -ge "$held" ] ||
	fail "$(echo "$st" | jq .drops.nf_gone) buffers taken back from the killed NF, it held $held"
note "reclaimed in $(echo "$st" | jq .reclaims.max_us) us; nf_gone drops $(echo "$st" | jq .drops.nf_gone)"
audit=$(ctl audit)
[ "$(echo "$audit" | jq .ok)" = true ] || fail "audit after the kill: $audit"

tx1=$(ctl stats | jq .totals.tx)
sleep 1
tx2=$(ctl stats | jq .totals.tx)
note "forwarding after the kill: $((tx2 - tx1)) packets in 1 s"
[ "$tx2" -gt $((tx1 + 10000)) ] || fail "forwarding stopped after the kill ($tx1 -> $tx2)"

kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"
s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "$(jq .audit.in_use "$s") buffers lost"
echo "PASS: killed NF's buffers reclaimed, audit balanced, forwarding continued"
