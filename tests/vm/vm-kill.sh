#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VM integration: SIGKILL a guest's QEMU mid-stream.  Live traffic (a
# multi-flow pcap replayed forever) runs through nf:1,nf:2,port:1, where
# service 1 has one instance in a guest (TCG) and one host process, and
# service 2 is a host process.  QEMU is frozen (SIGSTOP) at a moment its
# guest holds buffers, then killed (SIGKILL).  nfvisord notices
# (the attach socket closes, QEMU's pidfd fires), takes back every buffer
# lent to the guest's slot (counted as nf_gone drops), the slot leaves
# `nf list`, reclaims.count = 1, the audit balances, and forwarding goes on
# through the process NFs.  At SIGINT: rx = tx + drops, nothing in use.
#
# Exit: 0 pass, 1 fail, 77 skip, 99 error.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../lib.sh"
need_root_hugepages 160
need_vm

"$PCAPGEN" -o "$T/flows.pcap" -n 4096 -s 64 -f 256 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/flows.pcap,infinite_rx=1" --vdev net_null1 \
	-- -r "$RUN" --chain nf:1,nf:2,port:1 --wait-chain --summary "$T/summary.json"

start_vm VM victim-vm --accel tcg -- nfv-fwd --socket /dev/nfv_ivshmem0 --service 1 --name victim-vm
wait_vm_nf "$VM" victim-vm 120
start_nf B "$FWD" --service 1 --name survivor
start_nf C "$REWRITE" --service 2 --name rewrite --mac-swap
wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"

# Traffic flows through the guest and it holds buffers.
wait_for "[ \$(nf_of_pid $VM | jq .tx_pkts) -gt 1000 ]" 60 ||
	fail "the guest NF forwarded too little: $(nf_of_pid "$VM")"
wait_for "[ \$(nf_of_pid $VM | jq .lent) -gt 0 ]" 10 || fail "the guest NF never held a buffer"
victim=$(nf_of_pid "$VM")
note "guest NF before the kill: $victim"
[ "$(echo "$victim" | jq -r .kind)" = vm ] || fail "the guest's slot is not of kind vm"
st=$(ctl stats)
[ "$(echo "$st" | jq .reclaims.count)" = 0 ] || fail "reclaims before the kill: $(echo "$st" | jq -c .reclaims)"
note "before the kill: $(echo "$st" | jq -c .totals)"

# Kill it while it holds buffers: freeze the guest (SIGSTOP) at a moment it
# holds some, so that it cannot hand them back before the SIGKILL lands.
held=0
for _ in $(seq 50); do
	if [ "$(nf_of_pid "$VM" | jq .lent)" -gt 0 ]; then
		kill -STOP "$VM"
		held=$(nf_of_pid "$VM" | jq .lent)
		[ "$held" -gt 0 ] && break
		kill -CONT "$VM"
	fi
	sleep 0.05
done
[ "$held" -gt 0 ] || fail "could not catch the guest NF holding a buffer"
kill -KILL "$VM"
t0=$(date +%s%N)
wait_for "[ -z \"\$(nf_of_pid $VM)\" ]" 5 || fail "slot of the killed VM not reclaimed within 5 s: $(ctl nf list)"
t1=$(date +%s%N)
wait_gone "$VM" 5 || fail "QEMU $VM survived SIGKILL"
st=$(ctl stats)
[ "$(echo "$st" | jq .reclaims.count)" = 1 ] || fail "reclaims: $(echo "$st" | jq -c .reclaims)"
# Every buffer the guest held is taken back and counted once, as an
# nf_gone drop: at least those it held when frozen (nfvisord may have lent
# more to its RX ring until the kill).
gone=$(echo "$st" | jq .drops.nf_gone)
wait_for "grep -q 'peer [0-9]* (victim-vm) left' $T/d.log" 5 || fail "nfvisord did not log the guest's departure"
reclaimed=$(sed -n 's/.*peer [0-9]* (victim-vm) left; \([0-9]*\) buffers reclaimed.*/\1/p' "$T/d.log")
[ "$reclaimed" = "$gone" ] || fail "nfvisord logged ${reclaimed:-no} buffers reclaimed, nf_gone drops are $gone"
[ "$gone" -ge "$held" ] || fail "the guest held $held buffers, only $gone were taken back"
note "slot gone from nf list $(((t1 - t0) / 1000000)) ms after kill -9; $reclaimed buffers reclaimed (held $held when frozen)" \
	"$(echo "$st" | jq .reclaims.max_us) us after nfvisord saw it go (nf_gone drops $gone)"
audit=$(ctl audit)
[ "$(echo "$audit" | jq .ok)" = true ] || fail "audit after the kill: $audit"
[ "$(ctl nf list | jq '[.nfs[] | select(.state == "running")] | length')" = 2 ] ||
	fail "the process NFs are not both running: $(ctl nf list)"

tx1=$(ctl stats | jq .totals.tx)
sleep 1
tx2=$(ctl stats | jq .totals.tx)
note "forwarding after the kill: $((tx2 - tx1)) packets in 1 s"
[ "$tx2" -gt $((tx1 + 10000)) ] || fail "forwarding stopped after the kill ($tx1 -> $tx2)"
s1=$(ctl nf list | jq '.nfs[] | select(.name == "survivor") | .rx_pkts')
sleep 0.5
s2=$(ctl nf list | jq '.nfs[] | select(.name == "survivor") | .rx_pkts')
[ "$s2" -gt "$s1" ] || fail "the surviving service 1 instance gets no traffic ($s1 -> $s2)"

kill -INT "$DPID"
wait_exit "$DPID" 20
rc=$?
kill -0 "$DPID" 2>/dev/null && fail "nfvisord did not stop on SIGINT"
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"
s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
note "summary: rx=$rx tx=$tx dropped=$dropped in_use=$(jq .audit.in_use "$s") reclaims=$(jq -c .reclaims "$s")"
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "$(jq .audit.in_use "$s") buffers lost"
[ "$(jq .audit.ok "$s")" = true ] || fail "audit at exit: $(jq -c .audit "$s")"
echo "PASS: kill -9 of a guest's QEMU mid-stream: slot reclaimed, audit balanced, forwarding continued"
