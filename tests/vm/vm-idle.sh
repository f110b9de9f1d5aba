#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VM integration: an idle guest NF sleeps, and doorbells work both ways.
#
#  1. nfvisord with a pcap port and the chain nf:1,nf:2,port:0 under
#     --wait-chain; only service 1 (nfv-fwd in a guest, TCG) is started, so
#     no packet moves.  guest -> host doorbell: the guest NF's registration
#     rings nfvisord's control vector (nfvctl status:
#     host_doorbells.ctl grows).
#  2. Idle: `nfvctl nf list` shows the guest NF sleeping, and QEMU's CPU
#     time (utime + stime, /proc/PID/stat) over 3 s is far below a spinning
#     vCPU (limit NFV_VM_IDLE_MAX_PCT, default 30 % of one core).
#  3. Traffic arrives (service 2 starts as a host process, which completes
#     the chain): the guest NF processes every packet; host -> guest
#     doorbell: its `wakeups` counter grows (nfvisord rang it while it
#     slept) and the guest's /proc/interrupts counts MSI-X interrupts on
#     the data vector.
#
# Exit: 0 pass, 1 fail, 77 skip, 99 error.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../lib.sh"
need_root_hugepages 160
need_vm

N=${NFV_VM_PACKETS:-2000}
TMO=${NFV_VM_TIMEOUT:-240}
MAX_PCT=${NFV_VM_IDLE_MAX_PCT:-30}
"$PCAPGEN" -o "$T/in.pcap" -n "$N" -s 64-512 -f 16 >/dev/null || hard "pcapgen failed"

start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --stop-when-idle 1000 \
	--summary "$T/summary.json"
db0=$(ctl status | jq -c .host_doorbells)
[ "$db0" != null ] || fail "nfvctl status has no host_doorbells: $(ctl status)"

# The guest runs the NF, then shows its interrupt counts.
# shellcheck disable=SC2016  # expanded by the guest's shell
start_vm VM idle-vm --accel tcg --shell --add nfv-fwd -- \
	'nfv-fwd --socket /dev/nfv_ivshmem0 --service 1 --name fwd-vm; st=$?; grep nfv_ivshmem /proc/interrupts; exit $st'
wait_vm_nf "$VM" idle-vm 120

# 1. guest -> host: the registration doorbell.
db1=$(ctl status | jq -c .host_doorbells)
note "host doorbells (ring counts seen by nfvisord): before the guest $db0, after it registered $db1"
[ "$(echo "$db1" | jq .ctl)" -gt "$(echo "$db0" | jq .ctl)" ] ||
	fail "nfvisord saw no control doorbell from the guest NF's registration"

# 2. Idle.
sleeping() { [ "$(nf_of_pid "$VM" | jq .sleeping)" = true ]; }
wait_for sleeping 20 || fail "the idle guest NF never went to sleep: $(nf_of_pid "$VM")"
hz=$(getconf CLK_TCK)
c0=$(proc_cpu_ticks "$VM"); t0=$(date +%s%N)
sleep 3
c1=$(proc_cpu_ticks "$VM"); t1=$(date +%s%N)
nf=$(nf_of_pid "$VM")
pct=$(( (c1 - c0) * 100 * 1000000000 / hz / (t1 - t0) ))
note "idle: QEMU used $(( (c1 - c0) * 1000 / hz )) ms of CPU in $(( (t1 - t0) / 1000000 )) ms = ${pct}% of one core; $nf"
[ "$pct" -lt "$MAX_PCT" ] || fail "idle QEMU used ${pct}% of a core (limit ${MAX_PCT}%): the guest NF does not sleep"
[ "$(echo "$nf" | jq .sleeping)" = true ] || fail "the guest NF is not sleeping after 3 s idle"
[ "$(echo "$nf" | jq .rx_pkts)" = 0 ] || fail "the guest NF got packets while the chain was incomplete"
w0=$(echo "$nf" | jq .wakeups)

# 3. Traffic arrives.
start_nf F2 "$FWD" --service 2 --name fwd-host
wait_for "[ \$(nf_of_pid $VM | jq .rx_pkts) -gt 0 ]" 30 || fail "no packet reached the guest NF: $(ctl stats | jq -c .totals)"
wait_exit "$DPID" "$TMO"
rc=$?
kill -0 "$DPID" 2>/dev/null && { ctl stats | jq -c .totals; fail "nfvisord did not finish the pcap within ${TMO}s"; }
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"
s=$T/summary.json
vm=$(jq -c '[.nfs[] | select(.kind == "vm")][0] // empty' "$s")
note "after the traffic: $vm"
[ -n "$vm" ] || fail "the summary lists no NF of kind vm"
[ "$(echo "$vm" | jq .rx_pkts)" = "$N" ] || fail "the guest NF got $(echo "$vm" | jq .rx_pkts) of $N packets"
[ "$(jq .totals.tx "$s")" = "$N" ] || fail "tx $(jq .totals.tx "$s") of $N: $(jq -c .drops "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit"
w1=$(echo "$vm" | jq .wakeups)
[ "$w1" -gt "$w0" ] || fail "wakeups of the guest NF did not grow ($w0 -> $w1): nfvisord never rang it"

# The guest prints its interrupt counts once the NF has seen the daemon go.
wait_gone "$VM" 60 || { tail -n 20 "$T/idle-vm.console"; fail "QEMU still running 60 s after the daemon left"; }
irq=$(tr -d '\r' <"$T/idle-vm.console" | grep -a 'nfv_ivshmem0-0$' | head -n 1)
note "guest /proc/interrupts: $irq (nfvisord rang the data doorbell $w1 times)"
msix=$(echo "$irq" | awk '{ n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }')
[ "${msix:-0}" -gt 0 ] || { tail -n 20 "$T/idle-vm.console"; fail "the guest counted no MSI-X interrupt on the data vector"; }
grep -aq '^nfv-init: exit status 0' "$T/idle-vm.console" ||
	{ tail -n 20 "$T/idle-vm.console"; fail "the guest NF did not exit 0"; }
echo "PASS: idle guest NF asleep at ${pct}% of a core; doorbells: guest->host $(echo "$db1" | jq .ctl) ctl," \
	"host->guest $w1 wakeups, $msix MSI-X interrupts in the guest; $N packets after the wake-up"
