#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VM integration: a chain through a QEMU guest.  nfvisord reads a pcap on a
# net_pcap port; service 1 is nfv-rewrite (MAC swap, TTL - 1) running INSIDE
# a guest started by tools/nfv-vm (TCG), attached through ivshmem-doorbell
# and nfv_ivshmem.ko; service 2 is nfv-fwd as a host process; then out of
# port 0.  Every packet comes out rewritten, in place (copies = 0), rx = tx
# + drops, the audit balances, and `nfvctl nf list` shows the guest's slot
# as kind "vm" from the moment QEMU connects.  Also times the guest's boot,
# and checks `nfv-vm probe-accel` (what --accel auto would pick).
#
# With NFV_VM_DIRECT=1 (tests/vm/vm-chain-direct.sh) nfvisord runs with
# --direct: the guest's NetLib hands packets straight to the host NF's PEER
# ring, and the host NF returns them (fwd's direct_in + the guest's tx_pkts
# = N, the first of them before the link is made).
#
# Exit: 0 pass, 1 fail, 77 skip (no root/hugepages, QEMU, guest kernel,
# module, busybox-static, or NetLib without a VM backend), 99 error.
# NFV_VM_PACKETS (default 4000) packets; NFV_VM_TIMEOUT (default 240) s.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../lib.sh"
need_root_hugepages 160
need_vm

# --accel auto's probe (tests below use tcg explicitly): a fresh cache, so
# it really boots a KVM guest where /dev/kvm is usable; it must answer
# within 15 s (here: tcg, /dev/kvm hangs guests) and be cached afterwards.
t0=$(date +%s%N)
pa=$(NFV_VM_CACHE=$T/cache "$NFVVM" probe-accel --build-dir "$B" 2>&1) || { echo "$pa"; fail "nfv-vm probe-accel failed"; }
t1=$(date +%s%N)
note "probe-accel: $pa ($(((t1 - t0) / 1000000)) ms)"
case $pa in
kvm:*|tcg:*) ;;
*) fail "probe-accel printed '$pa', want 'kvm: REASON' or 'tcg: REASON'" ;;
esac
[ $(((t1 - t0) / 1000000)) -lt 15000 ] || fail "probe-accel took more than 15 s"
pa2=$(NFV_VM_CACHE=$T/cache "$NFVVM" probe-accel --build-dir "$B" 2>&1)
if [ "${pa2%% (cached*}" != "$pa" ] || [[ $pa2 != *"(cached for this boot)" ]]; then
	fail "second probe-accel not answered from the cache: $pa2"
fi
# The probe kills its QEMU; a vCPU thread stuck in KVM may take a few
# seconds more to go (seen under the sanitizers' load: still there right
# after the probe returned).
wait_for "[ -z \"\$(pgrep -f 'qemu.*-name nfv-accel-probe' 2>/dev/null)\" ]" 15 ||
	fail "the probe's QEMU is still running 15 s after the probe: $(pgrep -af 'qemu.*-name nfv-accel-probe')"

N=${NFV_VM_PACKETS:-4000}
TMO=${NFV_VM_TIMEOUT:-240}
"$PCAPGEN" -o "$T/in.pcap" -n "$N" -s 60-1514 -f 64 --ipv6-share 25 >/dev/null || hard "pcapgen failed"

DIRECT=()
[ "${NFV_VM_DIRECT:-0}" = 1 ] && DIRECT=(--direct)
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --stop-when-idle 2000 \
	--summary "$T/summary.json" "${DIRECT[@]}"

t0=$(date +%s%N)
start_vm VM rw-vm --accel tcg -- \
	nfv-rewrite --socket /dev/nfv_ivshmem0 --service 1 --name rewrite-vm --mac-swap --ttl
t_started=$(date +%s%N)

# QEMU is attached as soon as nfv-vm start returns: a slot of kind "vm".
nf=$(nf_of_pid "$VM")
note "right after nfv-vm start: $nf"
[ -n "$nf" ] || fail "no slot for QEMU pid $VM in nf list: $(ctl nf list)"
[ "$(echo "$nf" | jq -r .kind)" = vm ] || fail "QEMU's slot is of kind $(echo "$nf" | jq -r .kind), want vm"
case $(echo "$nf" | jq -r .state) in
attached|running) ;;
*) fail "QEMU's slot is $(echo "$nf" | jq -r .state), want attached" ;;
esac

wait_vm_nf "$VM" rw-vm 120
t_reg=$(date +%s%N)
grep -aq 'nfv_ivshmem0: .* doorbell, peer [0-9]*, 2 vectors' "$T/rw-vm.console" ||
	fail "the guest module did not report a doorbell device with 2 vectors"
nf=$(nf_of_pid "$VM")
note "registered: $nf"
[ "$(echo "$nf" | jq -r .kind)" = vm ] || fail "the registered guest NF is not of kind vm"
[ "$(echo "$nf" | jq -r .name)" = rewrite-vm ] || fail "guest NF name $(echo "$nf" | jq -r .name)"
t_init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$T/rw-vm.console" | head -n 1)
note "boot: QEMU attached in $(((t_started - t0) / 1000000)) ms, guest /init at ${t_init:-?} s guest time, NF registered $(((t_reg - t0) / 1000000)) ms after nfv-vm start (TCG)"

start_nf F2 "$FWD" --service 2 --name fwd

wait_exit "$DPID" "$TMO"
rc=$?
if kill -0 "$DPID" 2>/dev/null; then
	ctl stats | jq -c '{totals, nfs: [.nfs[] | {name, kind, rx_pkts, tx_pkts, lent, wakeups, sleeping}]}'
	tail -n 20 "$T/rw-vm.console"
	fail "nfvisord did not finish the pcap within ${TMO}s"
fi
t_done=$(date +%s%N)
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"

s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s")
dropped=$(jq .totals.dropped "$s"); copies=$(jq .totals.copies "$s")
vm=$(jq -c '[.nfs[] | select(.kind == "vm")][0] // empty' "$s")
note "rx=$rx tx=$tx dropped=$dropped copies=$copies; guest NF at exit: $vm"
[ "$rx" = "$N" ] || fail "daemon received $rx of $N packets"
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$dropped" = 0 ] || fail "$dropped packets dropped: $(jq -c .drops "$s")"
[ "$copies" = 0 ] || fail "copies = $copies, want 0 (zero copy into and out of the guest)"
[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed: $(jq -c .audit "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit"
[ "$(jq .totals.quarantines "$s")" = 0 ] || fail "an NF was quarantined"
[ -n "$vm" ] || fail "the summary lists no NF of kind vm"
[ "$(echo "$vm" | jq .rx_pkts)" = "$N" ] || fail "the guest NF got $(echo "$vm" | jq .rx_pkts) of $N packets"
if [ ${#DIRECT[@]} = 0 ]; then
	[ "$(echo "$vm" | jq .tx_pkts)" = "$N" ] || fail "the guest NF returned $(echo "$vm" | jq .tx_pkts) of $N packets"
else
	fwd=$(jq -c '.nfs[] | select(.name == "fwd")' "$s")
	note "host NF at exit: $(echo "$fwd" | jq -c '{rx_pkts, tx_pkts, direct_in}')"
	grep -q 'hands packets directly' "$T/d.log" || fail "the guest NF was not linked to the host NF"
	[ "$(echo "$fwd" | jq .direct_in)" -gt 0 ] || fail "no packet went from the guest to the host NF directly"
	[ $(($(echo "$vm" | jq .tx_pkts) + $(echo "$fwd" | jq .direct_in))) = "$N" ] ||
		fail "guest returns + direct handoffs != $N: guest $vm, host $fwd"
fi

"$PCAPCHECK" --in "$T/in.pcap" --out "$T/out.pcap" --expect mac-swap,ttl ||
	fail "output is not the input with MACs swapped and TTL decremented"

# The guest NF sees the daemon go (the region's magic is cleared), exits,
# and the guest powers off: QEMU ends by itself.
wait_gone "$VM" 60 || { tail -n 20 "$T/rw-vm.console"; fail "QEMU still running 60 s after the daemon left"; }
grep -aq '^nfv-init: exit status 0' "$T/rw-vm.console" ||
	{ tail -n 20 "$T/rw-vm.console"; fail "the guest NF did not exit 0 after the daemon left"; }
wait_exit "$F2" 10 >/dev/null || fail "nfv-fwd still running after the daemon left"
[ -z "$(ls -A "$RUN")" ] || fail "sockets left behind: $(ls "$RUN")"
echo "PASS: $N packets through rewrite in a guest (TCG) -> fwd on the host, byte-exact, 0 copies;" \
	"$(((t_done - t_reg) / 1000000)) ms from registration to the end of the pcap"
