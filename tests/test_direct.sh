#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: nfvisord --direct.  NFs of one domain hand packets straight
# to the next NF of the chain (PEER rings) and only the last one returns
# them to the daemon.
# 1. A chain of three, byte-exact, zero copy, every packet through the
#    direct path, audit clean.
# 2. Fate sharing: SIGKILL the middle NF of a linked chain under load.  The
#    other two are reset (their buffers may sit anywhere in the run),
#    every buffer comes back, rx = tx + drops, and a restarted chain links
#    and forwards again.
# 3. A hostile NF linked to (nfv-adversary --flip: forged returns, its
#    `sleeping` flag and PEER indices scribbled).  The NF before it stops
#    trusting its PEER ring and returns packets to the daemon; the daemon
#    keeps forwarding, rings the adversary a bounded number of times and
#    accounts for everything.
# 4. A service twice in a chain (nf:1,nf:2,nf:1): each NF sees each packet
#    exactly as often as the chain says, though 1 and 2 are linked both ways.
# 5. Two chains into one NF (nf:1,nf:3 and nf:2,nf:3): only one NF is ever
#    linked to it (a PEER ring has one producer); both ports forward.
# 6. A flow rule's chain links too: default chain nf:1,port:0, one flow
#    by rule through nf:1,nf:2,port:1.  1 hands that flow to 2 directly;
#    the rest goes back through the daemon; each port gets exactly its
#    packets.  Deleting the rule while its flow passes unlinks them, and
#    nothing is lost or rejected.  A rule's chain never takes the NF the
#    default chain links to, whatever order the NFs start in.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

N=20000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 60-1514 -f 64 --ipv6-share 25 >/dev/null || hard "pcapgen failed"

start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,nf:3,port:0 --wait-chain --direct --stop-when-idle 500 \
	--summary "$T/summary.json"
start_nf F1 "$FWD" --service 1 --name first
start_nf F2 "$REWRITE" --service 2 --name rewrite --mac-swap --ttl
start_nf F3 "$FWD" --service 3 --name last

wait_exit "$DPID" 60 || { cat "$T/d.log"; fail "nfvisord did not stop by itself when the pcap was consumed"; }
rc=$?
cat "$T/d.log"
[ "$rc" = 0 ] || fail "nfvisord exited with $rc"
grep -q 'hands packets directly' "$T/d.log" || fail "no NF was linked"

s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s")
dropped=$(jq .totals.dropped "$s"); copies=$(jq .totals.copies "$s")
note "rx=$rx tx=$tx dropped=$dropped copies=$copies"
note "NFs: $(jq -c '[.nfs[] | {name, rx_pkts, tx_pkts, direct_in}]' "$s")"
[ "$rx" = $N ] || fail "daemon received $rx of $N packets"
[ "$tx" = $N ] || fail "daemon sent $tx of $N packets (dropped $dropped)"
[ "$copies" = 0 ] || fail "copies = $copies, want 0 (zero copy)"
[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed: $(jq -c .audit "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit"
[ "$(jq .totals.quarantines "$s")" = 0 ] || fail "an NF was quarantined"
nf() { jq ".nfs[] | select(.name == \"$1\") | .$2" "$s"; }
# The daemon lent every packet to the first NF only; the last returned
# them all, having got them from the middle one.
[ "$(nf first rx_pkts)" = $N ] || fail "first NF: rx_pkts $(nf first rx_pkts), want $N"
[ "$(nf rewrite rx_pkts)" = 0 ] && [ "$(nf last rx_pkts)" = 0 ] ||
	fail "the daemon sent packets to the middle or last NF itself"
[ "$(nf last direct_in)" = $N ] || fail "last NF: direct_in $(nf last direct_in), want $N"
[ "$(nf first tx_pkts)" = 0 ] && [ "$(nf rewrite tx_pkts)" = 0 ] ||
	fail "the first or middle NF returned packets to the daemon"
! grep -E 'rejected descriptor|quarantined|refusing|WARNING|ERR' "$T/d.log" ||
	fail "a clean run logged warnings"
"$PCAPCHECK" --in "$T/in.pcap" --out "$T/out.pcap" --expect mac-swap,ttl \
	|| fail "output is not the input with MACs swapped and TTL decremented"
for p in $F1 $F2 $F3; do
	wait_exit "$p" 10 >/dev/null || fail "an NF still runs after the daemon left"
done

# 2. Fate sharing.
rm -rf "$RUN"
"$PCAPGEN" -o "$T/flows.pcap" -n 4096 -s 64 -f 256 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/flows.pcap,infinite_rx=1" --vdev net_null1 \
	-- -r "$RUN" --chain nf:1,nf:2,nf:3,port:1 --wait-chain --direct --summary "$T/summary2.json"
# chain3 SUFFIX: NFs aSUFFIX, bSUFFIX, cSUFFIX (PIDs in NA.., NB.., NC..)
# for services 1, 2, 3, once the last gets packets directly.
chain3() {
	start_nf "NA$1" "$FWD" --service 1 --name "a$1"
	start_nf "NB$1" "$FWD" --service 2 --name "b$1"
	start_nf "NC$1" "$FWD" --service 3 --name "c$1"
	wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"
	wait_for "[ \$(ctl nf list | jq '.nfs[] | select(.name == \"c$1\") | .direct_in') -gt 100000 ]" 20 ||
		fail "no traffic on the direct path: $(ctl nf list)"
}
chain3 ""
note "before the kill: $(ctl nf list | jq -c '[.nfs[] | {name, lent, direct_to, direct_in, peer_queued}]')"
kill -KILL "$NB"
wait_exit "$NA" 10 >/dev/null || fail "the first NF still runs after its group lost a member"
wait_exit "$NC" 10 >/dev/null || fail "the last NF still runs after its group lost a member"
grep -q 'share fate' "$T/NA.log" || fail "the first NF did not say why it stopped: $(cat "$T/NA.log")"
note "first NF: $(tail -1 "$T/NA.log")"
wait_for "[ \$(ctl nf list | jq '.nfs | length') = 0 ]" 5 || fail "slots not reclaimed: $(ctl nf list)"
st=$(ctl stats)
[ "$(echo "$st" | jq .totals.group_resets)" = 2 ] || fail "group resets: $(echo "$st" | jq .totals.group_resets), want 2"
[ "$(echo "$st" | jq .totals.quarantines)" = 0 ] || fail "quarantines: $(echo "$st" | jq .totals.quarantines), want 0"
audit=$(ctl audit)
[ "$(echo "$audit" | jq .ok)" = true ] || fail "audit after the kill: $audit"
note "after the kill: audit $(echo "$audit" | jq -c .), drops $(echo "$st" | jq -c '.drops | with_entries(select(.value > 0))')"

# A new chain links again and forwards.
chain3 2

stop_daemon "$T/summary2.json" "$T/d2.log"
s=$T/summary2.json
[ "$(jq .totals.group_resets "$s")" = 2 ] || fail "group resets at exit: $(jq .totals.group_resets "$s"), want 2"

# 3. A hostile NF at the end of a linked pair.
ADV=$B/tools/nfv-adversary
[ -x "$ADV" ] || hard "$ADV not built"
rm -rf "$RUN"
start_daemon "$T/d3.log" --no-pci --vdev net_null0 --vdev net_null1 \
	-- -r "$RUN" --chain nf:1,nf:2,port:1 --wait-chain --direct --summary "$T/summary3.json"
start_nf G "$FWD" --service 1 --name good
wait_for "nfs_running 1" 20 || fail "fwd did not register: $(ctl nf list)"
"$ADV" --socket "$RUN/default.sock" --service 2 --duration 4 --flip --json >"$T/adv.json" 2>"$T/adv.err" &
APID=$!
PIDS="$PIDS $APID"
wait_for "[ \"\$(ctl nf list | jq '.nfs[] | select(.name == \"good\") | .direct_to')\" -ge 0 ]" 10 ||
	fail "the good NF was not linked to the adversary: $(ctl nf list)"
g0=$(ctl nf list | jq '.nfs[] | select(.name == "good") | .rx_pkts')
good=
# Starving shows as the good NF receiving nothing for a while, not as a
# low total: the total depends on how fast this machine is (a sanitizer
# build under parallel tests forwards a tenth of a plain one's).
# Running, not exited: kill -0 also succeeds on a child that exited and
# is not reaped yet, whose exit has ended the group already.
adv_running() {
	local st
	st=$(sed 's/.*) //' "/proc/$APID/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}
prev=$g0 flat=0 longest=0
while adv_running; do
	kill -0 "$DPID" 2>/dev/null || { tail -20 "$T/d3.log"; fail "nfvisord died under attack"; }
	l=$(ctl nf list)
	g=$(jq -c '.nfs[] | select(.name == "good")' <<<"$l")
	# Only a sample taken while the adversary still ran: its exit ends
	# the group, and the good NF with it.
	if [ -n "$g" ] && adv_running; then
		good=$g
		r=$(jq .rx_pkts <<<"$g")
		if [ "$r" -le "$prev" ]; then
			flat=$((flat + 1))
			[ "$flat" -gt "$longest" ] && longest=$flat
		else
			flat=0
		fi
		prev=$r
	fi
	a=$(jq -c '.nfs[] | select(.name != "good")' <<<"$l")
	[ -n "$a" ] && adv=$a
	sleep 0.5
done
wait "$APID" || fail "nfv-adversary failed: $(cat "$T/adv.err")"
note "adversary: $(jq -c '{hostile_total, flipped_fields}' "$T/adv.json")"
note "good NF during the attack: $(echo "$good" | jq -c '{state, rx_pkts, tx_pkts, direct_to, direct_in}'), longest run of samples without a packet: $longest"
note "adversary's slot: $(echo "$adv" | jq -c '{rx_pkts, wakeups}')"
[ "$(echo "$good" | jq -r .state)" = running ] || fail "the good NF did not survive the attack: $good"
g1=$(echo "$good" | jq .rx_pkts)
[ "$g1" -gt $((g0 + 10000)) ] || fail "the good NF starved during the attack ($g0 -> $g1)"
[ "$longest" -lt 4 ] ||
	fail "the good NF received nothing for $longest samples in a row (0.5 s apart) during the attack"
[ "$(echo "$good" | jq .tx_pkts)" -gt 0 ] ||
	fail "the good NF never returned a packet to the daemon: it trusted the hostile PEER ring"
# The adversary leaving takes its group, the good NF, along.
wait_exit "$G" 10 >/dev/null || fail "the good NF still runs after the adversary it was linked to left"
stop_daemon "$T/summary3.json" "$T/d3.log"
note "rejects: $(jq -c '.rejects | with_entries(select(.value > 0))' "$T/summary3.json")"

# 4. nf:1,nf:2,nf:1: no hop done twice or skipped.
rm -rf "$RUN"
N4=5000
"$PCAPGEN" -o "$T/in4.pcap" -n $N4 -s 64-512 -f 32 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d4.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in4.pcap,tx_pcap=$T/out4.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,nf:1,port:0 --wait-chain --direct --stop-when-idle 500 \
	--summary "$T/summary4.json"
start_nf R1 "$FWD" --service 1 --name one
start_nf R2 "$FWD" --service 2 --name two
wait_exit "$DPID" 60 >/dev/null || fail "nfvisord did not finish the pcap"
wait_exit "$R1" 10 >/dev/null; wait_exit "$R2" 10 >/dev/null
note "NF one: $(tail -1 "$T/R1.log"); NF two: $(tail -1 "$T/R2.log")"
[ "$(jq .totals.tx "$T/summary4.json")" = $N4 ] || fail "sent $(jq .totals.tx "$T/summary4.json") of $N4"
grep -q "rx $((2 * N4)) tx $((2 * N4)) " "$T/R1.log" || fail "service 1 did not see each packet exactly twice"
grep -q "rx $N4 tx $N4 " "$T/R2.log" || fail "service 2 did not see each packet exactly once"
[ "$(jq '[.nfs[].direct_in] | add' "$T/summary4.json")" -gt 0 ] || fail "nothing went directly"

# 5. nf:1,nf:3 on port 0, nf:2,nf:3 on port 1.
rm -rf "$RUN"
start_daemon "$T/d5.log" --no-pci --vdev net_null0 --vdev net_null1 -- -r "$RUN" \
	--chain nf:1,nf:3,port:0 --port-chain 1=nf:2,nf:3,port:1 --wait-chain --direct \
	--summary "$T/summary5.json"
start_nf M1 "$FWD" --service 1 --name m1
start_nf M2 "$FWD" --service 2 --name m2
start_nf M3 "$FWD" --service 3 --name m3
wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"
[ "$(ctl status | jq .direct)" = true ] || fail "nfvctl status does not say --direct: $(ctl status)"
wait_for "[ \$(ctl nf list | jq '.nfs[] | select(.name == \"m3\") | .direct_in') -gt 100000 ]" 20 ||
	fail "no traffic on the direct path: $(ctl nf list)"
sleep 1
nfs=$(ctl nf list)
m3=$(echo "$nfs" | jq '.nfs[] | select(.name == "m3") | .slot')
note "links: $(echo "$nfs" | jq -c '[.nfs[] | {name, direct_to, direct_in, rx_pkts}]')"
[ "$(echo "$nfs" | jq --argjson s "$m3" '[.nfs[] | select(.direct_to == $s)] | length')" = 1 ] ||
	fail "not exactly one NF linked to m3: $(echo "$nfs" | jq -c .nfs)"
for p in 0 1; do
	[ "$(ctl stats | jq ".ports[] | select(.id == $p) | .tx_pkts")" -gt 10000 ] ||
		fail "port $p does not forward: $(ctl stats | jq -c .ports)"
done
for p in $M1 $M2 $M3; do kill -0 "$p" 2>/dev/null || fail "an NF exited: $(cat "$T"/M?.log)"; done
stop_daemon "$T/summary5.json" "$T/d5.log"
[ "$(jq '.totals.quarantines + .totals.group_resets' "$T/summary5.json")" = 0 ] ||
	fail "an NF was quarantined or reset"
# 6. A flow rule's chain.
rm -rf "$RUN"
N6=20000
"$PCAPGEN" -o "$T/in6.pcap" -n $N6 -s 64 -f 16 >/dev/null || hard "pcapgen failed"
"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null || hard "pcapgen failed"
V4="udp 198.18.0.5 1028 198.19.0.1 9"		# flow 4 of pcapgen -f 16
n4=$((N6 / 16))		# packet i is of flow i % 16 (nfv-pcapgen)
start_daemon "$T/d6.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in6.pcap,tx_pcap=$T/out6a.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/none.pcap,tx_pcap=$T/out6b.pcap" -- -r "$RUN" \
	--chain nf:1,port:0 --wait-chain --direct --stop-when-idle 500 --summary "$T/summary6.json"
# shellcheck disable=SC2086
ctl flow add $V4 nf:1,nf:2,port:1 >/dev/null || fail "flow add failed"
start_nf G2 "$FWD" --service 2 --name g2
wait_for "nfs_running 1" 20 || fail "g2 did not register: $(ctl nf list)"
start_nf G1 "$FWD" --service 1 --name g1
wait_exit "$DPID" 60 >/dev/null || { cat "$T/d6.log"; fail "nfvisord did not stop by itself"; }
grep -q 'slot [0-9]* (g1) hands packets directly to slot [0-9]* (g2)' "$T/d6.log" ||
	fail "g1 was not linked to g2 by the rule's chain: $(grep -i direct "$T/d6.log")"
s=$T/summary6.json
g() { jq ".nfs[] | select(.name == \"$1\") | .$2" "$s"; }
note "rule chain: flow $n4 of $N6 packets; NFs $(jq -c '[.nfs[] | {name, rx_pkts, tx_pkts, direct_in}]' "$s")"
[ "$(jq .totals.tx "$s")" = $N6 ] || fail "sent $(jq .totals.tx "$s") of $N6"
[ "$(g g1 rx_pkts)" = $N6 ] || fail "g1 got $(g g1 rx_pkts) of $N6"
[ "$(g g2 direct_in)" = "$n4" ] && [ "$(g g2 rx_pkts)" = 0 ] ||
	fail "g2 got the rule's flow directly $(g g2 direct_in) times and from the daemon $(g g2 rx_pkts), want $n4 and 0"
[ "$(g g1 tx_pkts)" = $((N6 - n4)) ] || fail "g1 returned $(g g1 tx_pkts) to the daemon, want $((N6 - n4))"
[ "$(jq '.ports[] | select(.id == 1) | .tx_pkts' "$s")" = "$n4" ] ||
	fail "port 1 sent $(jq '.ports[] | select(.id == 1) | .tx_pkts' "$s"), want the flow's $n4"
[ "$(jq .audit.ok "$s")" = true ] && [ "$(jq .audit.in_use "$s")" = 0 ] || fail "audit: $(jq -c .audit "$s")"
for p in $G1 $G2; do wait_exit "$p" 10 >/dev/null || fail "an NF still runs after the daemon left"; done

# ... and deleting the rule while its flow passes unlinks them.
rm -rf "$RUN"
start_daemon "$T/d7.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in6.pcap,infinite_rx=1" --vdev net_null1 \
	-- -r "$RUN" --chain nf:1,port:1 --wait-chain --direct --summary "$T/summary7.json"
# shellcheck disable=SC2086
ctl flow add $V4 nf:1,nf:2,port:1 >/dev/null || fail "flow add failed"
start_nf H1 "$FWD" --service 1 --name h1
start_nf H2 "$FWD" --service 2 --name h2
wait_for "nfs_running 2" 20 || fail "NFs did not register: $(ctl nf list)"
nfl() { ctl nf list | jq ".nfs[] | select(.name == \"$1\") | .$2"; }
h2=$(nfl h2 slot)
wait_for "[ \"\$(nfl h1 direct_to)\" = $h2 ] && [ \$(nfl h2 direct_in) -gt 10000 ]" 10 ||
	fail "h1 does not hand the rule's flow to h2: $(ctl nf list | jq -c .nfs)"
# shellcheck disable=SC2086
ctl flow del $V4 >/dev/null || fail "flow del failed"
wait_for "[ \"\$(nfl h1 direct_to)\" = -1 ]" 5 || fail "h1 still linked after the rule went: $(ctl nf list | jq -c .nfs)"
t0=$(ctl stats | jq .totals.tx); sleep 0.3
[ "$(ctl stats | jq .totals.tx)" -gt $((t0 + 10000)) ] || fail "no traffic after the unlink"
# (They stay one group: stopping one resets the other, by design.)
kill -INT "$H1" "$H2"
stop_daemon "$T/summary7.json" "$T/d7.log"
s=$T/summary7.json
note "rule deleted mid-flow: rx $(jq .totals.rx "$s") tx $(jq .totals.tx "$s") drops $(jq -c '.drops | with_entries(select(.value > 0))' "$s")"
[ "$(jq .totals.quarantines "$s")" = 0 ] || fail "an NF was quarantined"
[ "$(jq '[.rejects[]] | add' "$s")" = 0 ] || fail "descriptors rejected: $(jq -c .rejects "$s")"

# ... and a rule's chain does not take the NF the default chain links to:
# default nf:1,nf:3, rule nf:2,nf:3, services 2 and 3 up before 1.
rm -rf "$RUN"
start_daemon "$T/d8.log" --no-pci --vdev net_null0 -- -r "$RUN" \
	--chain nf:1,nf:3,port:0 --direct --summary "$T/summary8.json"
# shellcheck disable=SC2086
ctl flow add $V4 nf:2,nf:3,port:0 >/dev/null || fail "flow add failed"
start_nf K2 "$FWD" --service 2 --name k2
start_nf K3 "$FWD" --service 3 --name k3
wait_for "nfs_running 2" 20 || fail "NFs did not register: $(ctl nf list)"
start_nf K1 "$FWD" --service 1 --name k1
wait_for "nfs_running 3" 20 || fail "k1 did not register: $(ctl nf list)"
k3=$(nfl k3 slot)
wait_for "[ \"\$(nfl k1 direct_to)\" = $k3 ]" 5 ||
	fail "k1 is not linked to k3 (default chain): $(ctl nf list | jq -c '[.nfs[] | {name, slot, direct_to}]')"
[ "$(nfl k2 direct_to)" = -1 ] || fail "k2 (rule chain) took k3: $(ctl nf list | jq -c .nfs)"
kill -INT "$K1" "$K2" "$K3"
stop_daemon "$T/summary8.json" "$T/d8.log"

echo "PASS: direct handoff byte-exact through 3 NFs; a killed member takes its group down, nothing lost, the chain relinks; a hostile linked NF hurts nobody; repeated services and joining chains take every hop once; flow rules' chains link too"
