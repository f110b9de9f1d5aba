#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the catalogue NFs as processes on nfvisord over a net_pcap
# port.
#  1. nfv-monitor -> nfv-lb (IPv4 VIP) -> nfv-lb (IPv6 VIP) -> port: every
#     packet leaves towards a backend (address, port, MAC rewritten, valid
#     checksums), each flow sticks to one backend, the backends' counters
#     match the output, the monitor's JSON and capture account for every
#     packet, and rx = tx + drops.
#  2. nfv-ratelimit per flow, dropping -> nfv-ratelimit for all, marking ->
#     port: no flow exceeds burst + rate * t, the drops are the limiter's,
#     and the marked packets come out with DSCP 46.
#  3. nfv-lb under endless traffic: SIGHUP with a bad backends file keeps
#     the old backends and names file:line; with a good one, balances over
#     the new set.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160
LB=$B/examples/nfv-lb
RL=$B/examples/nfv-ratelimit
MON=$B/examples/nfv-monitor
for x in "$LB" "$RL" "$MON"; do [ -x "$x" ] || hard "$x not built"; done
command -v tcpdump >/dev/null || skip "needs tcpdump (apt-get install tcpdump)"

N=3000
FLOWS=48
# IPv4 flows go to 198.19.0.1:9, IPv6 flows to [2001:db8:2::1]:9.
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 60-400 -f $FLOWS --ipv6-share 25 >/dev/null || hard "pcapgen failed"
N4=$(tcpdump -nn -r "$T/in.pcap" ip 2>/dev/null | wc -l)
N6=$((N - N4))
note "$N packets: $N4 IPv4, $N6 IPv6, $FLOWS flows"

# summary_ok FILE: every packet in is out or dropped; nothing copied or lost.
summary_ok() {
	local s=$1 rx tx dropped
	rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
	note "daemon: rx=$rx tx=$tx dropped=$dropped"
	[ "$rx" = $N ] || fail "daemon received $rx of $N packets"
	[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
	[ "$(jq .totals.copies "$s")" = 0 ] || fail "copies = $(jq .totals.copies "$s"), want 0"
	[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed: $(jq -c .audit "$s")"
	[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers still in use at exit"
}

# nf_field LOG KEY: the number after KEY on the NF's summary line.
nf_field() {
	grep -E '^nfv-[a-z]+: rx [0-9]+ tx' "$1" | tail -n 1 |
		sed -nE "s/.* $2 ([0-9]+).*/\\1/p"
}

# An output the monitor could not write is refused at start, not at exit.
out=$("$MON" -s "$RUN/default.sock" -r 1 --json /nonexistent/flows.json 2>&1)
[ $? = 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	case $out in *"cannot write in /nonexistent"*) true ;; *) false ;; esac ||
	fail "nfv-monitor --json into a missing directory: '$out'"

# ---- 1. monitor -> lb (IPv4) -> lb (IPv6) -> port ----
cat >"$T/backends4" <<'EOF'
# VIP 198.19.0.1:9
10.0.0.1:9000,1
10.0.0.2,2              # keeps port 9
EOF
start_daemon "$T/d1.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,nf:3,port:0 --wait-chain --stop-when-idle 3000 \
	--summary "$T/s1.json"
start_nf M "$MON" --service 1 --name monitor --json "$T/flows.json" \
	--pcap "$T/seen.pcap" --snaplen 96 --interval 0.5 --top 5
start_nf L4 "$LB" --service 2 --name lb4 --vip 198.19.0.1:9 --backends "$T/backends4" \
	--backend 10.0.0.3:9003,mac=02:00:00:00:00:33
start_nf L6 "$LB" --service 3 --name lb6 --vip '[2001:db8:2::1]:9' \
	--backend '[2001:db8:99::1]:9009' --backend 2001:db8:99::2,3

# While the daemon idles before stopping, SIGUSR1 shows the live counters.
wait_for "[ \"\$(ctl stats | jq .totals.tx)\" = $N ]" 30 || fail "not all packets came out: $(ctl stats | jq -c .totals)"
kill -USR1 "$L4"
wait_for "grep -q '^nfv-lb: balanced $N4 passed $N6\$' $T/L4.log" 2 ||
	{ cat "$T/L4.log"; fail "nfv-lb did not report its counters on SIGUSR1"; }

wait_exit "$DPID" 60 || fail "nfvisord did not stop by itself"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d1.log"; fail "nfvisord exited with $rc"; }
for p in "$M" "$L4" "$L6"; do
	wait_exit "$p" 10 >/dev/null || fail "an NF kept running after the daemon left"
done
cat "$T/M.log" "$T/L4.log" "$T/L6.log"
summary_ok "$T/s1.json"
[ "$(jq .totals.dropped "$T/s1.json")" = 0 ] || fail "packets dropped in the monitor/lb chain"

# The balancers: IPv4 VIP traffic balanced, the IPv6 passed (and back).
[ "$(nf_field "$T/L4.log" balanced)" = "$N4" ] || fail "lb4 balanced $(nf_field "$T/L4.log" balanced), want $N4"
[ "$(nf_field "$T/L4.log" passed)" = "$N6" ] || fail "lb4 passed $(nf_field "$T/L4.log" passed), want $N6"
[ "$(nf_field "$T/L6.log" balanced)" = "$N6" ] || fail "lb6 balanced $(nf_field "$T/L6.log" balanced), want $N6"
[ "$(nf_field "$T/L6.log" passed)" = "$N4" ] || fail "lb6 passed $(nf_field "$T/L6.log" passed), want $N4"

# The output: every packet to a backend, none to a VIP, checksums valid.
tcpdump -nn -e -r "$T/out.pcap" 2>/dev/null >"$T/out.txt"
[ "$(wc -l <"$T/out.txt")" = $N ] || fail "out.pcap holds $(wc -l <"$T/out.txt") packets, want $N"
sed -nE 's/.*, length [0-9]+: ([^ ]+) > ([^ ]+): .*/\1 \2/p' "$T/out.txt" | sed 's/:$//' >"$T/pairs"
[ "$(wc -l <"$T/pairs")" = $N ] || fail "cannot read the addresses of every output packet"
grep -Eq ' (198\.19\.0\.1|2001:db8:2::1)\.' "$T/pairs" && fail "packets still addressed to a VIP: $(grep -Ec ' (198\.19\.0\.1|2001:db8:2::1)\.' "$T/pairs")"
bad=$(grep -Evc ' (10\.0\.0\.1\.9000|10\.0\.0\.2\.9|10\.0\.0\.3\.9003|2001:db8:99::1\.9009|2001:db8:99::2\.9)$' "$T/pairs")
[ "$bad" = 0 ] || fail "$bad packets went to no backend: $(grep -Ev ' (10\.0\.0\.[123]|2001:db8:99::[12])\.' "$T/pairs" | head -n 3)"
for b in 10.0.0.1:9000 10.0.0.2 10.0.0.3:9003 '[2001:db8:99::1]:9009' 2001:db8:99::2; do
	case $b in
	\[*) dst=$(echo "$b" | sed -E 's/^\[(.*)\]:/\1./') ;;	# [v6]:port
	*.*:*) dst=${b/:/.} ;;						# v4:port
	*) dst=$b.9 ;;							# VIP port
	esac
	case $b in *2001:*) log=$T/L6.log ;; *) log=$T/L4.log ;; esac
	want=$(grep -F "nfv-lb: backend $b weight" "$log" | tail -n 1 | sed -E 's/.* packets ([0-9]+) .*/\1/')
	got=$(grep -c " ${dst//./\\.}\$" "$T/pairs")
	note "backend $b: $got packets out, $want counted by nfv-lb"
	[ -n "$want" ] && [ "$got" = "$want" ] || fail "backend $b: $got packets in out.pcap, nfv-lb counted '$want'"
	[ "$got" -gt 0 ] || fail "backend $b got no flow"
done
moved=$(sort -u "$T/pairs" | awk '{ print $1 }' | uniq -d | wc -l)
[ "$moved" = 0 ] || fail "$moved flows were split over several backends"
macs=$(grep -c '> 02:00:00:00:00:33, .* 10\.0\.0\.3\.9003: ' "$T/out.txt")
[ "$macs" = "$(grep -c ' 10\.0\.0\.3\.9003$' "$T/pairs")" ] || fail "backend 10.0.0.3's packets lack its MAC"
sums=$(tcpdump -vv -nn -r "$T/out.pcap" 2>/dev/null | grep -c 'udp sum ok')
[ "$sums" = $N ] || fail "only $sums of $N packets have a valid UDP checksum"
tcpdump -vv -nn -r "$T/out.pcap" 2>/dev/null | grep -q 'bad cksum' && fail "bad IPv4 header checksums in out.pcap"

# The monitor: every packet in its JSON and its capture.
j=$T/flows.json
[ "$(jq .packets "$j")" = $N ] || fail "monitor JSON: packets $(jq .packets "$j"), want $N"
[ "$(jq .active_flows "$j")" = $FLOWS ] || fail "monitor JSON: $(jq .active_flows "$j") flows, want $FLOWS"
[ "$(jq '[.flows[].packets] | add' "$j")" = $N ] || fail "monitor JSON: the flows' packets do not add up to $N"
[ "$(jq '[.flows[].bytes] | add' "$j")" = "$(jq .bytes "$j")" ] || fail "monitor JSON: the flows' bytes do not add up"
[ "$(jq '[.flows[] | select(.dst == "198.19.0.1" and .dport == 9)] | length' "$j")" -gt 0 ] ||
	fail "monitor JSON: no flow to the VIP (the monitor is before the balancer)"
[ "$(jq .evictions "$j")" = 0 ] || fail "monitor JSON: evictions with a table larger than the flows"
grep -q '^nfv-monitor: .* packets .* flows' "$T/M.log" || fail "no live top-N table on stderr"
[ "$(tcpdump -nn -r "$T/seen.pcap" 2>/dev/null | wc -l)" = $N ] || fail "monitor capture does not hold $N packets"
[ "$(nf_field "$T/M.log" captured)" = $N ] || fail "monitor captured $(nf_field "$T/M.log" captured), want $N"
note "part 1 passed"

# ---- 2. ratelimit per flow (drop) -> ratelimit (mark) -> port ----
rm -rf "$RUN"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out2.pcap" \
	-- -r "$RUN" --chain nf:1,nf:2,port:0 --wait-chain --stop-when-idle 500 \
	--summary "$T/s2.json"
t0=$(date +%s%N)
start_nf R1 "$RL" --service 1 --name perflow --rate '5 pps' --burst 20 --per-flow --flows 1024
start_nf R2 "$RL" --service 2 --name marker --rate 200pps --burst 100 --mark=46
wait_exit "$DPID" 60 || fail "nfvisord did not stop by itself"
rc=$?
secs=$(( ($(date +%s%N) - t0) / 1000000000 + 1 ))
[ "$rc" = 0 ] || { cat "$T/d2.log"; fail "nfvisord exited with $rc"; }
for p in "$R1" "$R2"; do
	wait_exit "$p" 10 >/dev/null || fail "an NF kept running after the daemon left"
done
cat "$T/R1.log" "$T/R2.log"
summary_ok "$T/s2.json"
over=$(nf_field "$T/R1.log" over)
dropped=$(jq .totals.dropped "$T/s2.json")
[ "$over" -gt 0 ] || fail "the per-flow limiter limited nothing"
[ "$dropped" = "$over" ] || fail "daemon dropped $dropped, the per-flow limiter $over"
[ "$(nf_field "$T/R1.log" flows)" = $FLOWS ] || fail "per-flow limiter tracked $(nf_field "$T/R1.log" flows) flows, want $FLOWS"
[ "$(nf_field "$T/R1.log" evictions)" = 0 ] || fail "per-flow limiter evicted with room to spare"
tcpdump -nn -r "$T/out2.pcap" 2>/dev/null | sed -nE 's/.*(IP6?) ([^ ]+) > .*/\2/p' | sort | uniq -c >"$T/perflow"
max=$((20 + 5 * secs))
while read -r count src; do
	[ "$count" -le $max ] || fail "flow $src passed $count packets, more than burst + rate * t = $max"
	[ "$count" -ge 20 ] || fail "flow $src passed $count packets, less than its burst of 20"
done <"$T/perflow"
marked=$(nf_field "$T/R2.log" marked)
passed2=$(nf_field "$T/R2.log" passed)
[ "$marked" -gt 0 ] || fail "the marking limiter marked nothing"
[ "$passed2" -ge 100 ] && [ "$passed2" -le $((100 + 200 * secs)) ] ||
	fail "marking limiter passed $passed2, want 100..$((100 + 200 * secs))"
dscp=$(tcpdump -v -nn -r "$T/out2.pcap" 2>/dev/null | grep -cE '\(tos 0xb8,|\(class 0xb8,')
[ "$dscp" = "$marked" ] || fail "$dscp packets carry DSCP 46, the limiter marked $marked"
[ "$(tcpdump -vv -nn -r "$T/out2.pcap" 2>/dev/null | grep -c 'bad cksum')" = 0 ] ||
	fail "marking broke IPv4 header checksums"
note "part 2 passed"

# ---- 3. lb reloads its backends on SIGHUP while traffic flows ----
rm -rf "$RUN"
printf '10.0.0.1\n10.0.0.2\n10.0.0.3\n' >"$T/backends3"
start_daemon "$T/d3.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,infinite_rx=1" \
	--vdev net_null1 -- -r "$RUN" --chain nf:1,port:1 --wait-chain --summary "$T/s3.json"
start_nf L "$LB" --service 1 --name lb --vip 198.19.0.1:9 --backends "$T/backends3"
wait_for "[ \$(ctl stats | jq .totals.tx) -gt 10000 ]" 20 || fail "no traffic: $(ctl stats | jq -c .totals)"
printf '10.0.0.1\n10.0.0.2,heavy\n' >"$T/backends3"
kill -HUP "$L"
wait_for "grep -q 'backends3:2: .*heavy' $T/L.log" 5 || { cat "$T/L.log"; fail "a bad backends file was not reported as FILE:LINE"; }
grep -q 'still balancing over the previous backends' "$T/L.log" || fail "a failed reload does not say the old backends stay"
printf '# 10.0.0.3 retired\n10.0.0.1\n10.0.0.2\n' >"$T/backends3"
kill -HUP "$L"
wait_for "grep -q 'reloaded .*: 2 backends' $T/L.log" 5 || { cat "$T/L.log"; fail "no reload on SIGHUP"; }
# reports N: the count of "balanced" lines after the reload
reports() { sed -n '/reloaded/,$p' "$T/L.log" | grep -c '^nfv-lb: balanced'; }
kill -USR1 "$L"
wait_for "[ \$(reports) -ge 1 ]" 5 || fail "no report on SIGUSR1"
sleep 0.3
kill -USR1 "$L"
wait_for "[ \$(reports) -ge 2 ]" 5 || fail "no second report on SIGUSR1"
sed -n '/reloaded/,$p' "$T/L.log" | grep -q 'backend 10\.0\.0\.3 ' && fail "the retired backend is still listed"
b1=$(sed -n '/reloaded/,$p' "$T/L.log" | sed -n 's/^nfv-lb: balanced \([0-9]*\) .*/\1/p' | head -n 1)
b2=$(sed -n '/reloaded/,$p' "$T/L.log" | sed -n 's/^nfv-lb: balanced \([0-9]*\) .*/\1/p' | tail -n 1)
note "balanced $b1, then $b2 after the reload"
[ "$b2" -gt "$b1" ] || fail "nothing balanced after the reload"
kill -INT "$DPID"
wait_exit "$DPID" 20 >/dev/null || fail "nfvisord did not stop on SIGINT"
wait_exit "$L" 10 >/dev/null || fail "nfv-lb kept running after the daemon left"
cat "$T/L.log"
grep -q 'backends 2 reloads 1$' "$T/L.log" || { cat "$T/L.log"; fail "summary does not show 2 backends after 1 reload"; }
s=$T/s3.json
[ "$(jq .totals.rx "$s")" = $(($(jq .totals.tx "$s") + $(jq .totals.dropped "$s"))) ] ||
	fail "rx != tx + dropped: $(jq -c .totals "$s")"
[ "$(jq .audit.ok "$s")" = true ] || fail "buffer audit failed: $(jq -c .audit "$s")"
echo "PASS: monitor -> lb -> lb and ratelimit -> ratelimit over nfvisord: rewritten, counted, limited, marked; lb reloads on SIGHUP"
