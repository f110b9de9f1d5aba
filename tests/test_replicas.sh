#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: replicas of one service and how flows are placed on them,
# on a real net_pcap port with real NF processes.
#
# Part 1, flow policy: nfv-monitor replicas each dump the flows they saw
# (--json on SIGUSR1), so every flow is attributed to an instance.
#   - every flow's packets reach exactly one replica;
#   - a 4th replica joins: it gets no packet, no flow moves;
#   - one replica is killed: only its flows move (the daemon's `moved`
#     counts exactly its pinned flows), every other flow stays put.
# Part 2, load policy: of 3 monitor replicas one is frozen (SIGSTOP), so
# its queue only grows: new flows go to the two that keep up, and each
# flow still reaches one replica only.  Once the input ends, every pinned
# flow ages out after --flow-timeout.
# Part 3, hash policy (stateless): no flow is pinned, each reaches one
# replica; a 4th replica joins and the flows it wins move to it, none
# between the others; switched to flow, the flows are pinned where they
# are (none moves), and switched back to hash, their entries are swept.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 200
MONITOR=$B/examples/nfv-monitor
export LC_ALL=C		# sort and comm agree on the order
[ -x "$MONITOR" ] || hard "$MONITOR not built"

svc() { ctl service list | jq -c "$@"; }
# inst PID FIELD: a field of the instance whose peer is PID.
inst() { ctl service list | jq --argjson p "$1" ".instances[] | select(.pid == \$p) | .$2"; }
tx_now() { ctl stats | jq .totals.tx; }
# run_traffic PACKETS: wait until the switch has sent that many more.
run_traffic() {
	local t0
	t0=$(tx_now)
	wait_for "[ \$(tx_now) -ge $((t0 + $1)) ]" 20 || fail "traffic stalled: $(ctl stats | jq -c .totals)"
}

# start_mon NAME: a monitor replica of service 1; pid in NAME.
start_mon() { start_nf "$1" "$MONITOR" --service 1 --name "$1" --json "$T/$1.json"; }

# snapshot FILE NAME...: the named monitors dump their flows; FILE gets
# one sorted line "SRC:SPORT NAME" per flow each one saw.
snapshot() {
	local out=$1 m
	shift
	for m in "$@"; do rm -f "$T/$m.json"; kill -USR1 "${!m}"; done
	for m in "$@"; do
		wait_for "[ -s $T/$m.json ]" 10 || fail "$m wrote no JSON on SIGUSR1"
	done
	for m in "$@"; do
		jq -r --arg m "$m" '.flows[] | "\(.src):\(.sport) \($m)"' "$T/$m.json"
	done | sort >"$out"
}

# one_instance_per_flow FILE: no flow was seen by two replicas.
one_instance_per_flow() {
	local dup
	dup=$(cut -d' ' -f1 "$1" | uniq -d | head -3 | tr '\n' ' ')
	[ -z "$dup" ] || fail "flows seen by more than one replica: $dup"
}

# ---- Part 1: flow policy ----
F=512
"$PCAPGEN" -o "$T/flows.pcap" -n $((F * 8)) -s 64 -f $F >/dev/null || hard "pcapgen failed"
# Service 2 gates the input (--wait-chain): it starts once 3 replicas run.
start_daemon "$T/d1.log" --no-pci \
	--vdev "net_pcap0,rx_pcap=$T/flows.pcap,infinite_rx=1,tx_pcap=/dev/null" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --service-policy 1=flow
start_mon M1
start_mon M2
start_mon M3
wait_for "nfs_running 3" 20 || fail "monitors did not register: $(ctl nf list)"
start_nf G "$FWD" --service 2 --name gate
wait_for "[ \$(svc '.services[] | select(.service == 1) | .flows') = $F ]" 20 ||
	fail "service 1 did not pin all $F flows: $(svc .services)"
run_traffic 50000
table=$("$NFVCTL" --socket "$RUN/nfvisord.sock" service list) || fail "nfvctl service list failed"
while IFS= read -r line; do note "$line"; done <<<"$table"
grep -Eq '^ +service +instance +name +kind +pid +slot +domain +load +packets +flows$' <<<"$table" ||
	fail "nfvctl service list shows no instance table"
[ "$(grep -Ec "^ +1 +[0-9]+ +M[123] +process +[0-9]+ " <<<"$table")" = 3 ] ||
	fail "nfvctl service list does not show the 3 replicas"

snapshot "$T/a" M1 M2 M3
one_instance_per_flow "$T/a"
[ "$(wc -l <"$T/a")" = $F ] || fail "the monitors saw $(wc -l <"$T/a") flows, the input has $F"
for m in M1 M2 M3; do
	n=$(grep -c " $m\$" "$T/a")
	pinned=$(inst "${!m}" flows)
	note "$m: $n flows seen, $pinned pinned by the daemon"
	[ "$n" = "$pinned" ] || fail "$m saw $n flows, the daemon pinned $pinned to it"
	[ "$n" -gt $((F / 6)) ] || fail "$m got only $n of $F flows: rendezvous hashing is uneven"
done

# A 4th replica joins: no existing flow moves, it gets nothing.
start_mon M4
wait_for "nfs_running 5" 20 || fail "M4 did not register"
run_traffic 100000
[ "$(inst "$M4" packets)" = 0 ] || fail "the new replica got $(inst "$M4" packets) packets of existing flows"
[ "$(inst "$M4" flows)" = 0 ] || fail "flows moved to the new replica: $(inst "$M4" flows)"
[ "$(svc '.services[] | select(.service == 1) | .moved')" = 0 ] || fail "flows moved: $(svc .services)"
snapshot "$T/b" M1 M2 M3 M4
one_instance_per_flow "$T/b"
cmp -s "$T/a" "$T/b" || fail "flows changed instance after a replica joined: $(diff "$T/a" "$T/b" | head -5)"
note "join: M4 has 0 packets and 0 flows; all $F flows stayed on their replica"

# M2 dies: only its flows move.
m2flows=$(inst "$M2" flows)
kill -KILL "$M2"
wait "$M2" 2>/dev/null
wait_for "[ \$(svc '.services[] | select(.service == 1) | .instances') = 3 ]" 10 ||
	fail "the killed replica is still an instance: $(svc .services)"
run_traffic 100000
moved=$(svc '.services[] | select(.service == 1) | .moved')
[ "$moved" = "$m2flows" ] || fail "$moved flows moved, the killed replica had $m2flows"
[ "$(svc '.services[] | select(.service == 1) | .flows')" = $F ] || fail "flows lost: $(svc .services)"
snapshot "$T/c" M1 M3 M4
one_instance_per_flow "$T/c"
[ "$(wc -l <"$T/c")" = $F ] || fail "the survivors saw $(wc -l <"$T/c") flows, not $F"
# Each flow not M2's is where it was; each of M2's is on exactly one survivor.
grep -v ' M2$' "$T/a" >"$T/a.kept"
comm -13 "$T/a.kept" "$T/c" | cut -d' ' -f1 >"$T/c.moved"
grep ' M2$' "$T/a" | cut -d' ' -f1 >"$T/a.m2"
comm -23 "$T/a.kept" "$T/c" | grep -q . && fail "flows of surviving replicas moved: $(comm -23 "$T/a.kept" "$T/c" | head -3)"
cmp -s "$T/c.moved" "$T/a.m2" || fail "the flows that moved are not the killed replica's"
m4got=$(grep -c ' M4$' "$T/c")
note "leave: $moved flows moved (all M2's), $m4got of them to the newcomer M4; the rest stayed"
[ "$m4got" = "$(inst "$M4" flows)" ] || fail "M4 saw $m4got flows, the daemon pinned $(inst "$M4" flows)"
[ "$m4got" -gt 0 ] || fail "the newcomer got none of the killed replica's flows"

kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d1.log"; fail "nfvisord exited with $rc"; }

# ---- Part 2: load policy, and ageing ----
# Two packets per flow, F packets apart: each flow's second packet must
# find its instance, whatever the loads are by then.  The timeout is long
# enough for a slow host to deliver the input before anything ages.
F=8192
TIMEOUT=8
RUN=$T/run2
"$PCAPGEN" -o "$T/new.pcap" -n $((F * 2)) -s 64 -f $F >/dev/null || hard "pcapgen failed"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/new.pcap,tx_pcap=/dev/null" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --flow-timeout $TIMEOUT \
	--ring-size 2048	# a window of 2048 whatever the NFs' CPUs: half of it a replica
r=$(ctl service policy 1 load)
[ "$(echo "$r" | jq -r .policy),$(echo "$r" | jq -r .previous)" = load,flow ] ||
	fail "service policy 1 load: $r"
start_mon A
start_mon S
start_mon C
wait_for "nfs_running 3" 20 || fail "replicas did not register: $(ctl nf list)"
kill -STOP "$S"
start_nf G "$FWD" --service 2 --name gate
wait_for "[ \$(ctl stats | jq .totals.rx) = $((F * 2)) ]" 30 ||
	fail "the input did not arrive: $(ctl stats | jq -c .totals)"
# One look, before the entries start to age.
snap=$(ctl service list)
jq -c '.services[], .instances[]' <<<"$snap" | while IFS= read -r line; do note "$line"; done
one() { jq "$@" <<<"$snap"; }
of() { one --argjson p "$1" ".instances[] | select(.pid == \$p) | .$2"; }
[ "$(one -r '.services[] | select(.service == 1) | .policy')" = load ] || fail "policy: $snap"
[ "$(one '.services[] | select(.service == 1) | .aged_out')" = 0 ] ||
	fail "entries aged before the input was in: this host is too slow for --flow-timeout $TIMEOUT"
placed=$(one '.services[] | select(.service == 1) | .placed')
[ "$placed" = $F ] || fail "$placed flows placed, the input has $F"
a=$(of "$A" flows); s=$(of "$S" flows); c=$(of "$C" flows)
note "load policy, $F new flows: A $a, frozen S $s (queue $(of "$S" load)), C $c"
[ $((a + s + c)) = $F ] || fail "pinned $a + $s + $c, not $F"
# The frozen replica gets a new flow only while its queue is no longer
# than the others'; they consume, so it soon falls behind for good (flow
# hashing would give it a third).  How the two others share depends on
# how the scheduler runs them: each gets more than the frozen one.
[ "$s" -lt $((F / 10)) ] || fail "the frozen replica got $s of $F new flows"
[ "$a" -gt "$s" ] || fail "A got $a new flows, fewer than the frozen replica's $s"
[ "$c" -gt "$s" ] || fail "C got $c new flows, fewer than the frozen replica's $s"

# Thaw S: it forwards what it holds (beyond half the admission window its
# packets were dropped at entry).  Each flow was seen by one replica only.
kill -CONT "$S"
wait_for "[ \$(inst $S load) = 0 ]" 10 || fail "the thawed replica does not drain"
snapshot "$T/d" A S C
one_instance_per_flow "$T/d"
for m in A C; do
	n=$(grep -c " $m\$" "$T/d")
	[ "$n" = "$(of "${!m}" flows)" ] || fail "$m saw $n flows, the daemon had pinned $(of "${!m}" flows) to it"
done
[ "$(grep -c ' S$' "$T/d")" -le "$s" ] || fail "the frozen replica saw more flows than were pinned to it"

# Every entry of every service ages out.
wait_for "[ \$(svc .affinity_entries) = 0 ]" $((TIMEOUT * 3)) ||
	fail "flows did not age out: $(svc '{affinity_entries, services}')"
aged=$(svc '.services[] | select(.service == 1) | .aged_out')
[ "$aged" = $F ] || fail "$aged entries aged out, $F were pinned"
[ "$(svc '.services[] | select(.service == 1) | .flows')" = 0 ] || fail "flows left: $(svc .services)"
note "ageing: all $aged entries gone after --flow-timeout $TIMEOUT"

# Bad input is refused with a reason.
ctl service policy 1 fast 2>"$T/err" && fail "policy 'fast' accepted"
grep -q "expected flow, load or hash" "$T/err" || fail "unclear error: $(cat "$T/err")"
ctl service policy 0 load 2>"$T/err" && fail "service 0 accepted"
grep -q "service ids are 1" "$T/err" || fail "unclear error: $(cat "$T/err")"

kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d2.log"; fail "nfvisord exited with $rc"; }

# ---- Part 3: hash policy ----
F=512
RUN=$T/run3
start_daemon "$T/d3.log" --no-pci \
	--vdev "net_pcap0,rx_pcap=$T/flows.pcap,infinite_rx=1,tx_pcap=/dev/null" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --service-policy 1=hash
start_mon H1
start_mon H2
start_mon H3
wait_for "nfs_running 3" 20 || fail "replicas did not register: $(ctl nf list)"
start_nf G "$FWD" --service 2 --name gate
# The gate (service 2, flow policy) pins every flow; service 1 none.
wait_for "[ \$(svc '.services[] | select(.service == 2) | .flows') = $F ]" 20 ||
	fail "service 2 did not pin all $F flows: $(svc .services)"
run_traffic 50000
s1() { svc ".services[] | select(.service == 1) | .$1"; }
[ "$(s1 policy)" = '"hash"' ] || fail "policy: $(svc .services)"
[ "$(s1 flows),$(s1 placed),$(svc .affinity_entries)" = "0,0,$F" ] ||
	fail "the hash policy pinned flows: $(svc '{affinity_entries, services}')"
snapshot "$T/h1" H1 H2 H3
one_instance_per_flow "$T/h1"
[ "$(wc -l <"$T/h1")" = $F ] || fail "the replicas saw $(wc -l <"$T/h1") flows, the input has $F"
for m in H1 H2 H3; do
	n=$(grep -c " $m\$" "$T/h1")
	[ "$n" -gt $((F / 6)) ] || fail "$m got only $n of $F flows: rendezvous hashing is uneven"
done

# A join: the newcomer's flows move to it, and no flow moves elsewhere
# (the old replicas' cumulative tables gain nothing).
start_mon H4
wait_for "nfs_running 5" 20 || fail "H4 did not register"
run_traffic 100000
snapshot "$T/h2" H1 H2 H3 H4
grep -v ' H4$' "$T/h2" | cmp -s - "$T/h1" ||
	fail "flows moved between the old replicas: $(grep -v ' H4$' "$T/h2" | diff - "$T/h1" | head -5)"
won=$(grep -c ' H4$' "$T/h2")
note "hash policy, join: the newcomer won $won of $F flows; no other flow moved"
[ "$won" -gt $((F / 8)) ] && [ "$won" -lt $((F * 2 / 5)) ] ||
	fail "the newcomer won $won of $F flows (about $((F / 4)) expected)"

# hash -> flow: each flow is pinned where hashing put it, none moves.
r=$(ctl service policy 1 flow)
[ "$(echo "$r" | jq -r .previous)" = hash ] || fail "service policy 1 flow: $r"
wait_for "[ \$(s1 flows) = $F ]" 20 || fail "service 1 did not pin its flows: $(svc .services)"
run_traffic 100000
snapshot "$T/h3" H1 H2 H3 H4
cmp -s "$T/h3" "$T/h2" || fail "flows changed replica when the policy became flow: $(diff "$T/h2" "$T/h3" | head -5)"

# flow -> hash: service 1's entries are swept, service 2's stay.
ctl service policy 1 hash >/dev/null || fail "service policy 1 hash failed"
wait_for "[ \$(s1 flows) = 0 ]" 20 || fail "service 1's entries were not swept: $(svc .services)"
[ "$(s1 unpinned)" = $F ] || fail "unpinned: $(svc .services)"
[ "$(svc .affinity_entries)" = $F ] || fail "entries left: $(svc '{affinity_entries, services}')"
note "hash policy: $F entries unpinned after the change; service 2 keeps its $F"

kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d3.log"; fail "nfvisord exited with $rc"; }
echo "PASS: one replica per flow; a join moves no flow; a leave moves only the leaver's; load policy avoids a stuck replica; entries age out; hash policy pins nothing and a join moves flows only to the newcomer"
