#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the rings --ring-size auto picks, and each domain's window
# of packets in flight, which follows where its NFs run
# (hypervisor/window.c).
#  - auto: 8192 entries in 64M regions, 4096 in 32M, 2048 in 16M, for
#    domains defined at start and created later alike;
#  - a domain keeps at most 2048 packets in flight while its NFs each have
#    a CPU (one NF pinned to CPU 0, then a second pinned to CPU 1), and
#    2048 for each NF on the most shared CPU of its NFs (2, 3, then 5 NFs
#    pinned to CPU 0: 4096, 6144, then the ring's 8192; an NF pinned and
#    one not pinned on the 1 CPU the worker leaves: 4096), back to 2048
#    once the NFs that shared are gone;
#  - NFs that share a CPU with other NFs are asked for 100 us turns
#    (nf list turn_us), the others keep NetLib's own (0);
#  - an NF pinned to the worker's CPU counts the worker as one more task
#    there (window 4096, turn 100), and the worker gives its CPU up after
#    rounds that find no work while it is there, and only then (status
#    worker_sleep.yields and nfs_on_its_cpu, log lines).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160
[ "$(nproc)" = 2 ] || skip "the unpinned case assumes 2 CPUs (1 left to NFs); this machine has $(nproc)"

"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null || hard "pcapgen failed"
EAL=(--no-pci --vdev "net_pcap0,rx_pcap=$T/none.pcap,tx_pcap=$T/out.pcap")

# rings REGION-SIZE: the ring size nfvisord picks for it by default.
rings() {
	start_daemon "$T/r$1.log" "${EAL[@]}" -- -r "$RUN" --region-size "$1"
	ctl status | jq -c '[.ring_size, .window]'
	kill -INT "$DPID"; wait_exit "$DPID" 20 >/dev/null || fail "nfvisord --region-size $1 did not stop"
}
rings 16M >"$T/r"; [ "$(cat "$T/r")" = "[2048,2048]" ] || fail "16M regions: want rings of 2048, window 2048: $(cat "$T/r")"
rings 32M >"$T/r"; [ "$(cat "$T/r")" = "[4096,2048]" ] || fail "32M regions: want rings of 4096, window 2048: $(cat "$T/r")"
grep -q "domain default (trusted): region 32 MiB .* rings of 4096; attach to" "$T/r32M.log" &&
	grep -q "nfvisord: --ring-size auto: each domain's rings as large as its region holds, up to 8192 entries; a domain has up to 2048 packets in flight while its NFs each have a CPU, 2048 for each NF on a CPU they share, up to its ring size" \
	"$T/r32M.log" || fail "the banner does not say the rings and windows: $(grep -i ring "$T/r32M.log")"
start_daemon "$T/d.log" "${EAL[@]}" -- -r "$RUN" --chain nf:1,nf:2,port:0 --summary "$T/sum.json"
[ "$(ctl status | jq -c '[.ring_size, .window]')" = "[8192,2048]" ] ||
	fail "64M regions: want rings of 8192, window 2048: $(ctl status | jq -c '[.ring_size, .window]')"
# A domain created later gets the rings its region holds.
ctl domain create small size=16M >/dev/null || fail "a 16M domain was refused"
[ "$(ctl domain list | jq -c '[.domains[] | [.domain, .ring_size, .window]]')" = '[["default",8192,2048],["small",2048,2048]]' ] ||
	fail "domain list: want rings of 8192 and 2048: $(ctl domain list | jq -c '[.domains[] | [.domain, .ring_size, .window]]')"
ctl domain destroy small >/dev/null || fail "cannot destroy domain small"
# One too small even for the least rings says the size it needs.
expect_err "domain tiny: region too small for its slots, rings and at least two rings' worth of buffers: raise --region-size (16M at least, with 16 slots and --ring-size 2048, the least --ring-size auto takes)" \
	domain create tiny size=8M

# nf SVC [CPU]: nfv-fwd for service SVC, pinned to CPU if given; sets NFPID.
nf() {
	${2:+taskset -c "$2"} "$FWD" --socket "$RUN/default.sock" --service "$1" \
		--name "fwd$1" >"$T/nf$1.$RANDOM.log" 2>&1 &
	NFPID=$!
	PIDS="$PIDS $NFPID"
}
window() { ctl domain list | jq '.domains[] | select(.domain == "default") | .window'; }
# expect_window N WHY: the default domain's window becomes N.
expect_window() {
	WANT=$1
	wait_for '[ "$(window)" = "$WANT" ]' 5 ||
		fail "$2: window $(window), want $1 ($(ctl nf list | jq -c '[.nfs[] | [.pid, .cpu, .state]]'))"
	note "$2: window $1"
}
# The busy turns nfvisord asks of the running NFs' NetLib, sorted.
turns() { ctl nf list | jq -c '[.nfs[] | select(.state == "running") | .turn_us] | sort'; }
expect_turns() {
	WANTT=$1
	wait_for '[ "$(turns)" = "$WANTT" ]' 5 || fail "$2: turns $(turns), want $1"
	note "$2: turns $1"
}
gone() {
	kill -TERM "$1"; wait_exit "$1" 10 >/dev/null
	wait_for "[ -z \"\$(nf_of_pid $1)\" ]" 10 || fail "NF $1 still listed"
}

nf 1 0; A=$NFPID
wait_for "nfs_running 1" 20 || fail "NF 1 did not register: $(ctl nf list)"
expect_window 2048 "one NF on CPU 0"
expect_turns "[0]" "one NF on CPU 0"
nf 2 0; B=$NFPID
wait_for "nfs_running 2" 20 || fail "NF 2 did not register: $(ctl nf list)"
expect_window 4096 "two NFs on CPU 0"
expect_turns "[100,100]" "two NFs on CPU 0"
[ "$(ctl status | jq .window)" = 4096 ] || fail "status does not show the window: $(ctl status | jq -c .window)"
grep -q "domain default: up to 4096 packets in flight (2 NFs share a CPU)" "$T/d.log" ||
	fail "no log line for the larger window: $(grep 'in flight' "$T/d.log")"
nf 3 0; C=$NFPID
wait_for "nfs_running 3" 20 || fail "NF 3 did not register: $(ctl nf list)"
expect_window 6144 "three NFs on CPU 0"
nf 4 0; D=$NFPID
nf 5 0; E=$NFPID
wait_for "nfs_running 5" 20 || fail "NFs 4 and 5 did not register: $(ctl nf list)"
expect_window 8192 "five NFs on CPU 0 (the ring size bounds it)"
gone "$E"; gone "$D"; gone "$C"
expect_window 4096 "NFs 3 to 5 gone"
gone "$B"
expect_window 2048 "NF 2 gone"
expect_turns "[0]" "NF 2 gone"
# CPU 1 is the worker's (-l 1): an NF there shares it with the worker,
# which counts as one more task there and gives the CPU up after each
# round that finds no work (no traffic here: every round).
[ "$(ctl status | jq -c '[.worker_sleep.nfs_on_its_cpu, .worker_sleep.yields]')" = "[0,0]" ] ||
	fail "the worker yielded with no NF on its CPU: $(ctl status | jq -c .worker_sleep)"
nf 2 1; B=$NFPID
wait_for "nfs_running 2" 20 || fail "NF 2 on CPU 1 did not register: $(ctl nf list)"
expect_window 4096 "NFs on CPU 0 and on the worker's CPU 1"
expect_turns "[0,100]" "NFs on CPU 0 and on the worker's CPU 1"
Y0=$(ctl status | jq .worker_sleep.yields)
wait_for '[ "$(ctl status | jq .worker_sleep.yields)" -gt "$Y0" ]' 5 ||
	fail "the worker does not yield to the NF on its CPU: $(ctl status | jq -c .worker_sleep)"
[ "$(ctl status | jq .worker_sleep.nfs_on_its_cpu)" = 1 ] ||
	fail "status: want 1 NF on the worker's CPU: $(ctl status | jq -c .worker_sleep)"
grep -q "1 NF shares the worker's CPU: it gives the CPU up after each round that finds no work and after each 100 us busy turn" "$T/d.log" &&
	grep -q "domain default: up to 4096 packets in flight (1 NF shares the worker's CPU)" "$T/d.log" ||
	fail "no log line for the NF on the worker's CPU: $(grep -i "worker's CPU" "$T/d.log")"
gone "$B"
expect_window 2048 "the NF on the worker's CPU gone"
wait_for '[ "$(ctl status | jq .worker_sleep.nfs_on_its_cpu)" = 0 ]' 5 ||
	fail "the NF on the worker's CPU left, yet it counts: $(ctl status | jq -c .worker_sleep)"
Y1=$(ctl status | jq .worker_sleep.yields)
sleep 0.3
[ "$(ctl status | jq .worker_sleep.yields)" = "$Y1" ] ||
	fail "the worker still yields with no NF on its CPU: $(ctl status | jq -c .worker_sleep)"
grep -q "no NF shares the worker's CPU any more: it polls without pause" "$T/d.log" ||
	fail "no log line for the worker polling again: $(grep -i "worker's CPU" "$T/d.log")"
# Not pinned: 2 NFs and the worker on 2 CPUs share one.
[ "$(taskset -p $$ | sed 's/.*: //')" = 3 ] || skip "this shell is pinned: $(taskset -p $$)"
nf 2; B=$NFPID
wait_for "nfs_running 2" 20 || fail "the unpinned NF did not register: $(ctl nf list)"
expect_window 4096 "an NF on CPU 0 and one unpinned"
expect_turns "[0,100]" "an NF on CPU 0 and one unpinned"
gone "$A"
expect_window 2048 "the unpinned NF alone"
gone "$B"
kill -INT "$DPID"; wait_exit "$DPID" 20 >/dev/null || fail "nfvisord did not stop"
jq -e '.audit.ok and .audit.in_use == 0' "$T/sum.json" >/dev/null || fail "buffers lost: $(jq -c .audit "$T/sum.json")"

echo "PASS: --ring-size auto fits the rings to the regions; a domain's window is 2048 for each NF on a CPU its NFs share, up to the ring; an NF on the worker's CPU counts it, and it yields when idle"
