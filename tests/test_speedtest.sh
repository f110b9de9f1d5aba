#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: nfv-speedtest measures nfvisord, and its figures agree with
# nfvisord's own counters.
#
#  1. net_null0 -> gen (service 1, 128-byte frames, 4 flows) -> reflect
#     (service 2) -> sink (service 3), 3 s: the three count the same
#     packets and bytes, the sink times every frame, the sink's drops are
#     nfvisord's nf_drop, every packet port 0 received is one the generator
#     handled or one nfvisord took back when it left, and nfvisord's count
#     of the generator's packets per second agrees with the generator's.
#  2. A fixed set through a loop-back port: 256 packets from a pcap, the
#     generator owns 192 (--count; the rest it drops) and sends them out of
#     net_ring0, whose chain (--port-chain) leads back to it, for 3 s: every
#     frame that came back was timed, the generator sent exactly what port 1
#     transmitted, and port 0 delivered no packet more than the pcap held.
#  3. Bad command lines fail with status 2 and a message.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 128

SPEED=$B/examples/nfv-speedtest
[ -x "$SPEED" ] || hard "$SPEED not built"

# The JSON summary's schema: every field, of its type.
SCHEMA='(.mode | type == "string") and (.service | type == "number") and
	(.instance | type == "number") and (.dest | type == "string") and
	all(.frame_size, .flows, .count, .duration_s, .packets, .bytes, .mpps, .gbps,
	    .adopted, .returned, .surplus, .unfit, .tagged; type == "number") and
	(.latency == null or (.latency | all(.samples, .min_ns, .avg_ns, .p50_ns, .p99_ns,
					      .max_ns; type == "number"))) and
	(.netlib | all(.rx_pkts, .tx_pkts, .drop_pkts, .rx_invalid; type == "number")) and
	(keys | length == 19)'
check_schema() {
	jq -e "$SCHEMA" "$1" >/dev/null || fail "$1 does not follow the summary schema: $(cat "$1")"
}
# j FILE FILTER: one value of a summary.
j() { jq -r "$2" "$1"; }
expect_eq() { [ "$1" = "$2" ] || fail "$3: $1 != $2"; }
# ratio_within A B LO HI: LO <= A / B <= HI.
ratio_within() { awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(b > 0 && a / b >= lo && a / b <= hi) }'; }
now_ns() { date +%s%N; }
# nf_tx SERVICE: nfvisord's count of what that service's NF handed back.
nf_tx() { ctl nf list | jq --argjson s "$1" '[.nfs[] | select(.service == $s and .state == "running") | .tx_pkts][0] // empty'; }
# settled: nothing lent to NFs and the counters still for 0.3 s.
settled() {
	local a b
	a=$(ctl stats | jq -c '[.totals, .pool.lent]')
	sleep 0.3
	b=$(ctl stats | jq -c '[.totals, .pool.lent]')
	[ "$a" = "$b" ] && [ "$(echo "$b" | jq '.[1]')" = 0 ]
}
# daemon_rate SERVICE: packets per second nfvisord saw that NF hand back,
# over about a second of its run.
daemon_rate() {
	local t0 n0 t1 n1
	t0=$(now_ns); n0=$(nf_tx "$1")
	sleep 1
	t1=$(now_ns); n1=$(nf_tx "$1")
	[ -n "$n0" ] && [ -n "$n1" ] || return 1
	awk -v n="$((n1 - n0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.1f", n / t * 1e9 }'
}

# ---- 1: generator -> reflector -> sink, from net_null ----
# copy=1: net_null writes its (zero) frames into every buffer it fills, so
# a recycled buffer never shows a generator an old tag.
start_daemon "$T/d1.log" --no-pci --vdev net_null0,copy=1,size=64 -- -r "$RUN" \
	--chain nf:1,port:0 --wait-chain
start_nf S "$SPEED" --service 3 --name sink --mode sink --latency --interval 0 --json "$T/sink.json"
start_nf R "$SPEED" --service 2 --name reflect --mode reflect --to-service 3 --latency \
	--interval 0 --json "$T/reflect.json"
wait_for "nfs_running 2" 10 || fail "sink and reflector did not register: $(ctl nf list)"
"$SPEED" --socket "$RUN/default.sock" --service 1 --size 4000 >"$T/big.log" 2>&1
expect_eq $? 2 "exit status of --size 4000 with 2048-byte buffers"
grep -q "buffers hold at most 1920 bytes" "$T/big.log" || fail "--size 4000: $(cat "$T/big.log")"
start_nf G "$SPEED" --service 1 --name gen --size 128 --flows 4 --to-service 2 --latency \
	--duration 6 --json "$T/gen.json"
wait_for "[ -n \"\$(nf_tx 1)\" ] && [ \"\$(nf_tx 1)\" -gt 0 ]" 10 || fail "the generator sent nothing: $(cat "$T/G.log")"
drate=$(daemon_rate 1) || fail "the generator left before nfvisord's rate was taken"
wait_exit "$G" 10 || fail "the generator did not stop after --duration 6, or failed: $(cat "$T/G.log")"
wait_for settled 10 || fail "traffic did not settle: $(ctl stats | jq -c '[.totals, .pool]')"
ctl nf list >"$T/nfs1.json"
kill -TERM "$R" "$S"
wait_exit "$R" 5 >/dev/null || fail "the reflector did not stop"
wait_exit "$S" 5 >/dev/null || fail "the sink did not stop"
ctl stats >"$T/stats1.json"
for f in gen reflect sink; do check_schema "$T/$f.json"; done
G1=$T/gen.json
note "gen: $(jq -c '{packets, bytes, mpps, gbps, duration_s}' "$G1"); nfvisord saw $drate pkt/s"
note "sink: $(jq -c '{packets, mpps, latency}' "$T/sink.json")"
pk=$(j "$G1" .packets)
[ "$pk" -gt 0 ] || fail "the generator sent no packet"
awk -v m="$(j "$G1" .mpps)" -v g="$(j "$G1" .gbps)" -v d="$(j "$G1" .duration_s)" 'BEGIN { exit !(m > 0 && g > 0 && d >= 1) }' ||
	fail "no rate measured over --duration 6: $(jq -c . "$G1")"
expect_eq "$(jq -c '[.mode, .dest, .frame_size, .flows, .returned, .surplus, .unfit]' "$G1")" \
	'["gen","service 2",128,4,0,0,0]' "generator settings and counts"
expect_eq "$(j "$G1" .bytes)" $((pk * 128)) "generator bytes"
expect_eq "$(j "$G1" .adopted)" "$pk" "adopted"
expect_eq "$(j "$G1" '.netlib | [.rx_pkts, .tx_pkts, .drop_pkts] | join(",")')" "$pk,$pk,0" "generator's NetLib counters"
# Gbit/s is Mpps times the frame's bits.
ratio_within "$(j "$G1" .gbps)" "$(awk -v m="$(j "$G1" .mpps)" 'BEGIN { print m * 128 * 8 / 1000 }')" 0.999 1.001 ||
	fail "gbps $(j "$G1" .gbps) is not mpps $(j "$G1" .mpps) x 1024 bits"
for f in reflect sink; do
	expect_eq "$(jq -c '[.packets, .bytes, .tagged]' "$T/$f.json")" "[$pk,$(j "$G1" .bytes),$pk]" \
		"$f packets, bytes, tagged vs the generator's"
	expect_eq "$(j "$T/$f.json" .latency.samples)" "$pk" "$f latency samples"
	jq -e '.latency | .min_ns > 0 and .min_ns <= .p50_ns and .p50_ns <= .p99_ns and .p99_ns <= .max_ns' \
		"$T/$f.json" >/dev/null || fail "$f latency out of order: $(jq -c .latency "$T/$f.json")"
done
expect_eq "$(j "$T/reflect.json" .dest)" "service 3" "reflector destination"
expect_eq "$(jq -c '[.nfs[] | select(.service >= 2) | [.service, .rx_pkts, .tx_pkts]] | sort' "$T/nfs1.json")" \
	"[[2,$pk,$pk],[3,$pk,$pk]]" "nfvisord's counts of the reflector's and the sink's packets"
# nfvisord's view: the sink's drops are all its nf_drop, and every packet
# port 0 received reached the generator or was taken back when it left.
S1=$T/stats1.json
expect_eq "$(j "$S1" .drops.nf_drop)" "$pk" "nfvisord nf_drop vs the sink's packets"
expect_eq "$(j "$S1" '.ports[0].rx_pkts')" \
	$((pk + $(j "$S1" .drops.nf_gone) + $(j "$S1" .drops.no_service))) \
	"port 0 rx vs the generator's packets + nf_gone + no_service"
expect_eq "$(j "$S1" .totals.rx)" "$(j "$S1" .totals.dropped)" "everything received was dropped"
# A one-second sample against the run's average: on a busy 2-core machine
# (make -j2 check) the rate swings, so this only catches gross errors (a unit
# off by 1000, counting the wrong packets).
ratio_within "$drate" "$(j "$G1" .mpps | awk '{ print $1 * 1e6 }')" 0.2 5 ||
	fail "nfvisord saw the generator hand back $drate pkt/s, it reported $(j "$G1" .mpps) Mpps"
kill -TERM "$DPID"
wait_exit "$DPID" 20 >/dev/null || fail "nfvisord did not stop"

# ---- 2: a fixed set of packets looping through a loop-back port ----
"$PCAPGEN" -o "$T/src.pcap" -n 256 -s 64 -f 8 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/src.pcap" --vdev net_ring0 -- \
	-r "$RUN" --chain nf:1,drop --port-chain 1=nf:1 --wait-chain
grep -q "port 1: chain nf:1 for packets no rule matches" "$T/d2.log" ||
	fail "nfvisord did not report port 1's chain: $(cat "$T/d2.log")"
start_nf L "$SPEED" --service 1 --name loop --count 192 --to-port 1 --latency --duration 3 \
	--json "$T/loop.json"
wait_for "[ -n \"\$(nf_tx 1)\" ] && [ \"\$(nf_tx 1)\" -gt 1000 ]" 10 || fail "the loop did not start: $(cat "$T/L.log")"
drate=$(daemon_rate 1) || fail "the generator left before nfvisord's rate was taken"
wait_exit "$L" 10 || fail "the generator did not stop after --duration 3, or failed: $(cat "$T/L.log")"
wait_for settled 10 || fail "traffic did not settle: $(ctl stats | jq -c '[.totals, .pool]')"
ctl stats >"$T/stats2.json"
ctl flow list >"$T/flows2.json"
check_schema "$T/loop.json"
G2=$T/loop.json; S2=$T/stats2.json
note "loop: $(jq -c '{packets, mpps, gbps, adopted, returned, surplus, latency}' "$G2"); nfvisord saw $drate pkt/s"
pk=$(j "$G2" .packets)
expect_eq "$(jq -c '[.adopted, .surplus, .unfit, .dest]' "$G2")" '[192,64,0,"port 1"]' \
	"the generator owns 192 of the 256 packets"
expect_eq "$(j "$G2" .returned)" $((pk - 192)) "returned = sent - adopted"
[ "$(j "$G2" .returned)" -gt 192 ] || fail "the packets did not loop: $(jq -c . "$G2")"
expect_eq "$(j "$G2" .latency.samples)" "$(j "$G2" .returned)" "every returning frame timed"
jq -e '.latency | .min_ns > 0 and .p50_ns <= .p99_ns and .p99_ns <= .max_ns' "$G2" >/dev/null ||
	fail "loop latency out of order: $(jq -c .latency "$G2")"
expect_eq "$(j "$S2" '.ports[0].rx_pkts')" 256 "port 0 rx vs the pcap's packets"
expect_eq "$(j "$S2" .drops.nf_drop)" 64 "nfvisord nf_drop vs the generator's surplus"
expect_eq "$(j "$S2" '.ports[1].tx_pkts')" "$((pk - $(j "$S2" .drops.port_tx_full)))" \
	"port 1 tx vs the generator's packets - port_tx_full"
rx_all=$(( $(j "$S2" '.ports[0].rx_pkts') + $(j "$S2" '.ports[1].rx_pkts') ))
expect_eq "$rx_all" $(( $(j "$G2" .netlib.rx_pkts) + $(j "$S2" .drops.nf_gone) + $(j "$S2" .drops.no_service) )) \
	"ports' rx vs the generator's + nf_gone + no_service"
expect_eq "$(jq -c '.port_chains | map([.port, .chain, .packets])' "$T/flows2.json")" \
	"[[1,\"nf:1\",$(j "$S2" '.ports[1].rx_pkts')]]" "port 1's chain took what port 1 received"
ratio_within "$drate" "$(j "$G2" .mpps | awk '{ print $1 * 1e6 }')" 0.2 5 ||
	fail "nfvisord saw the generator hand back $drate pkt/s, it reported $(j "$G2" .mpps) Mpps"

# ---- 3: bad command lines ----
bad() {
	local want=$1 out
	shift
	out=$("$SPEED" "$@" 2>&1)
	expect_eq $? 2 "exit status of nfv-speedtest $*"
	echo "$out" | grep -q -- "$want" || fail "nfv-speedtest $*: no '$want' in: $out"
}
bad "are for --mode gen" -s "$RUN/default.sock" -r 4 --mode sink --size 100
bad "not a number in 60..9000" -s "$RUN/default.sock" -r 4 --size 59
bad "choose gen, sink or reflect" -s "$RUN/default.sock" -r 4 --mode fast
bad "use --mode reflect" -s "$RUN/default.sock" -r 4 --mode sink --to-port 0
bad "not a number in 0..15" -s "$RUN/default.sock" -r 4 --mode reflect --to-port 16
bad "cannot write in /nonexistent" -s "$RUN/default.sock" -r 4 --json /nonexistent/x.json
bad "is a directory" -s "$RUN/default.sock" -r 4 --json "$T"
bad "not a number in 1..65536" -s "$RUN/default.sock" -r 4 --flows 0
"$SPEED" --help | grep -q -- "--duration SEC" || fail "--help lacks --duration"
echo "PASS: gen -> reflect -> sink $(j "$G1" .mpps) Mpps of 128-byte frames," \
	"sink latency p50 $(j "$T/sink.json" .latency.p50_ns) ns;" \
	"a 192-packet loop through net_ring0 $(j "$G2" .mpps) Mpps, round trip p50 $(j "$G2" .latency.p50_ns) ns;" \
	"nfvisord's counters agree"
