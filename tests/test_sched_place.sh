#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: nfvisord tells NFs pinned to one CPU in different scheduling
# groups apart (hypervisor/sched_place.c).
#  - Two NFs on CPU 0 started from this script's session: its group (its
#    autogroup, or root where the session has none), no warning; `nfvctl nf list` shows both on CPU 0 in the same group.
#  - A third on CPU 0 in a session of its own (setsid): its own autogroup,
#    and one warning that names it, CPU 0 and the fix.
#  - A fourth in a session of its own but on CPU 1, where no other NF is:
#    no warning.
# Autogroups come with sessions only when kernel.sched_autogroup_enabled
# is 1 and this script runs in the root cpu cgroup; elsewhere it skips.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

[ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] ||
	skip "autogroups are off (kernel.sched_autogroup_enabled): sessions share a scheduling group"
[ -r /proc/self/autogroup ] || skip "no /proc/PID/autogroup"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
# A cpu cgroup other than the root one overrides autogroups (v1's cpu
# hierarchy, or v2's where the cpu controller is on).
cg=$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ { print $3 }' /proc/self/cgroup)
[ -z "$cg" ] || [ "$cg" = / ] || skip "this script runs in cpu cgroup $cg, which overrides autogroups"
# This session's group: its autogroup, or "root" where the session never
# made one (a process that no setsid() separates from init, as under some
# CI runners: /proc/PID/autogroup is then empty).
mine=$(sed -n 's|^/\(autogroup-[0-9]*\) .*|\1|p' /proc/self/autogroup)
mine=${mine:-root}

"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/none.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,nf:3,nf:4,port:0

# nf SVC CPU [setsid]: nfv-fwd for service SVC pinned to CPU; sets NFPID.
nf() {
	${3:+setsid} taskset -c "$2" "$FWD" --socket "$RUN/default.sock" --service "$1" \
		--name "fwd$1" >"$T/nf$1.log" 2>&1 &
	NFPID=$!
	PIDS="$PIDS $NFPID"
}
warnings() { grep -c 'in different scheduling groups' "$T/d.log"; }
place() { nf_of_pid "$1" | jq -c '[.cpu, .sched_group]'; }

nf 1 0; A=$NFPID
nf 2 0; B=$NFPID
wait_for "nfs_running 2" 20 || fail "two NFs did not register: $(ctl nf list)"
pa=$(place "$A") pb=$(place "$B")
note "same session: $A $pa, $B $pb"
[ "$(echo "$pa" | jq '.[0]')" = 0 ] || fail "nf list: NF $A is not on CPU 0 alone: $pa"
[ "$pa" = "$pb" ] || fail "nf list: NFs of one session in different places: $pa, $pb"
[ "$(echo "$pa" | jq -r '.[1]')" = "$mine" ] || fail "nf list: NFs of this session not in its group $mine: $pa"
[ "$(warnings)" = 0 ] || fail "warned about NFs of one session: $(grep 'scheduling groups' "$T/d.log")"

nf 3 0 setsid; C=$NFPID
wait_for "nfs_running 3" 20 || fail "the setsid NF did not register: $(ctl nf list)"
pc=$(place "$C")
note "own session: $C $pc"
[ "$(echo "$pc" | jq '.[0]')" = 0 ] || fail "nf list: NF $C is not on CPU 0 alone: $pc"
echo "$pc" | jq -e '.[1] | startswith("autogroup-")' >/dev/null ||
	fail "nf list: a setsid NF not in an autogroup of its own: $pc"
[ "$(echo "$pc" | jq -r '.[1]')" != "$mine" ] ||
	fail "nf list: a setsid NF in the group of this session: $pc"
wait_for '[ "$(warnings)" = 1 ]' 5 || fail "$(warnings) warnings for an NF in a group of its own: $(cat "$T/d.log")"
line=$(grep 'in different scheduling groups' "$T/d.log")
note "$line"
case $line in
*"(pid $C) and"*"run only on CPU 0"*"setsid"*"sched_autogroup_enabled=0"*) ;;
*) fail "the warning does not name NF $C, CPU 0 and the fix: $line" ;;
esac

nf 4 1 setsid; D=$NFPID
wait_for "nfs_running 4" 20 || fail "the NF on CPU 1 did not register: $(ctl nf list)"
pd=$(place "$D")
[ "$(echo "$pd" | jq '.[0]')" = 1 ] || fail "nf list: NF $D is not on CPU 1 alone: $pd"
sleep 0.3
[ "$(warnings)" = 1 ] || fail "warned about an NF alone on its CPU: $(grep 'scheduling groups' "$T/d.log")"

echo "PASS: NFs pinned to one CPU in different scheduling groups get one warning; one session or another CPU none"
