#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the flow director on real DPDK ports.
#  1. Rules installed with nfvctl before traffic: an IPv4 flow goes straight
#     out of port 1, an IPv6 flow through the rewriter then out of port 1,
#     a third flow is dropped; every other flow follows the default chain
#     (fwd -> port 0).  Each output pcap holds exactly the flows it should,
#     packet counts match the input, rx = tx + drops, 0 copies.
#  2. Bad requests are refused with one-line errors naming the fix.
#  3. Rule churn under line-rate traffic: a rule added and deleted 200 times
#     costs the flows it does not match nothing (no drop but its own).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160
command -v tcpdump >/dev/null || skip "tcpdump not installed (apt-get install tcpdump)"

N=20000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 64 -f 16 --ipv6-share 25 >/dev/null || hard "pcapgen failed"
# An empty capture: port 1 only transmits.
"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null 2>&1 ||
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$T/none.pcap"
count() { tcpdump -nr "$1" "$2" 2>/dev/null | wc -l; }

V4="udp 198.18.0.5 1028 198.19.0.1 9"		# flow 4
V6="udp 2001:db8:1::2 1025 2001:db8:2::1 9"	# flow 1
DROPF="udp 198.18.0.9 1032 198.19.0.1 9"	# flow 8
F4='src host 198.18.0.5 and src port 1028'
F6='src host 2001:db8:1::2 and src port 1025'
FD='src host 198.18.0.9 and src port 1032'
n4=$(count "$T/in.pcap" "$F4"); n6=$(count "$T/in.pcap" "$F6"); nd=$(count "$T/in.pcap" "$FD")
note "input: $N packets, flow v4 $n4, flow v6 $n6, dropped flow $nd"
[ "$n4" -gt 0 ] && [ "$n6" -gt 0 ] && [ "$nd" -gt 0 ] || hard "pcapgen flows changed: fix this test's 5-tuples"

start_daemon "$T/d.log" --no-pci \
	--vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out0.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/none.pcap,tx_pcap=$T/out1.pcap" \
	-- -r "$RUN" --chain nf:1,port:0 --wait-chain --stop-when-idle 500 \
	--summary "$T/summary.json"

# shellcheck disable=SC2086
ctl flow add $V4 port:1 >/dev/null || fail "flow add (IPv4) failed"
# shellcheck disable=SC2086
ctl flow add $V6 nf:2,port:1 >/dev/null || fail "flow add (IPv6) failed"
# shellcheck disable=SC2086
ctl flow add $DROPF drop >/dev/null || fail "flow add (drop) failed"

# Errors: one line, exit status non-zero, the daemon unchanged.
# shellcheck disable=SC2086
expect_err "exists" flow add $V4 port:0
expect_err "two IPv4 or two IPv6" flow add udp 10.0.0.1 1 2001:db8::1 2 port:0
expect_err "0..65535" flow add udp 10.0.0.1 70000 10.0.0.2 2 port:0
expect_err "port" flow add udp 10.0.0.1 1 10.0.0.2 2 port:7
expect_err "empty hop" flow add udp 10.0.0.1 1 10.0.0.2 2 nf:1,,port:0
expect_err "no rule" flow del udp 10.0.0.1 1 10.0.0.2 2
[ "$(ctl flow list | jq '.rules | length')" = 3 ] || fail "rules after bad requests: $(ctl flow list)"
"$NFVCTL" --socket "$RUN/nfvisord.sock" flow list | sed 's/^/# /'

# --wait-chain waits for the default chain's services only: the rule's
# rewriter registers first, so that traffic finds it.
start_nf F2 "$REWRITE" --service 2 --name rewrite --mac-swap
wait_for "nfs_running 1" 20 || fail "rewriter did not register: $(ctl nf list)"
start_nf F1 "$FWD" --service 1 --name fwd
wait_exit "$DPID" 60 || { cat "$T/d.log"; fail "nfvisord did not stop when the pcap was consumed"; }
rc=$?
[ "$rc" = 0 ] || { cat "$T/d.log"; fail "nfvisord exited with $rc"; }

s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
note "rx=$rx tx=$tx dropped=$dropped drops=$(jq -c '.drops | with_entries(select(.value > 0))' "$s")"
[ "$rx" = $N ] || fail "received $rx of $N"
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$(jq .drops.chain_drop "$s")" = "$nd" ] || fail "chain_drop $(jq .drops.chain_drop "$s"), want $nd"
[ "$dropped" = "$nd" ] || fail "$dropped dropped, want only the $nd of the drop rule"
[ "$(jq .totals.copies "$s")" = 0 ] || fail "copies $(jq .totals.copies "$s")"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers lost: $(jq -c .audit "$s")"

o1=$(count "$T/out1.pcap" ''); o0=$(count "$T/out0.pcap" '')
note "port 1 sent $o1 (want $((n4 + n6))), port 0 sent $o0 (want $((N - n4 - n6 - nd)))"
[ "$o1" = $((n4 + n6)) ] || fail "port 1 sent $o1 packets, want $((n4 + n6))"
[ "$(count "$T/out1.pcap" "$F4")" = "$n4" ] || fail "IPv4 rule flow not all on port 1"
[ "$(count "$T/out1.pcap" "$F6")" = "$n6" ] || fail "IPv6 rule flow not all on port 1"
[ "$o0" = $((N - n4 - n6 - nd)) ] || fail "port 0 sent $o0, want $((N - n4 - n6 - nd))"
[ "$(count "$T/out0.pcap" "($F4) or ($F6) or ($FD)")" = 0 ] || fail "a rule's flow leaked into the default chain"
# Only the IPv6 rule's packets met the rewriter: their MACs are swapped.
inmac=$(tcpdump -enr "$T/in.pcap" -c 1 "$F6" 2>/dev/null | awk '{print $2, $4}' | tr -d ,)
outmac=$(tcpdump -enr "$T/out1.pcap" -c 1 "$F6" 2>/dev/null | awk '{print $4, $2}' | tr -d ,)
[ "$inmac" = "$outmac" ] || fail "IPv6 rule flow not rewritten: in '$inmac' out '$outmac'"
wait_exit "$F1" 10 >/dev/null; wait_exit "$F2" 10 >/dev/null

# ---- churn under line-rate traffic ----
rm -rf "$RUN"
"$PCAPGEN" -o "$T/loop.pcap" -n 4096 -s 64 -f 16 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d2.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/loop.pcap,infinite_rx=1" \
	--vdev net_null1 -- -r "$RUN" --chain nf:1,port:1 --wait-chain --summary "$T/s2.json"
start_nf G1 "$FWD" --service 1 --name fwd
wait_for "[ \$(ctl stats | jq .totals.tx) -gt 100000 ]" 20 || fail "no traffic: $(ctl stats)"
CH="udp 198.18.0.7 1030 198.19.0.1 9"
for i in $(seq 200); do
	# shellcheck disable=SC2086
	ctl flow add $CH drop >/dev/null || fail "churn: add $i failed"
	# shellcheck disable=SC2086
	ctl flow del $CH >/dev/null || fail "churn: del $i failed"
done
ctl flow flush >/dev/null
kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d2.log"; fail "nfvisord exited with $rc"; }
s=$T/s2.json
note "churn: rx $(jq .totals.rx "$s") tx $(jq .totals.tx "$s") drops $(jq -c '.drops | with_entries(select(.value > 0))' "$s")"
other=$(jq '[.drops | to_entries[] | select(.key != "chain_drop" and .key != "shutdown") | .value] | add' "$s")
[ "$other" = 0 ] || fail "rule churn cost other flows $other packets: $(jq -c .drops "$s")"
[ "$(jq .drops.chain_drop "$s")" -lt "$(jq .totals.rx "$s")" ] || fail "everything dropped"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "buffers lost in churn: $(jq -c .audit "$s")"
echo "PASS: exact-match rules (IPv4, IPv6, drop) over the default chain; 200 add/del under load lost nothing else"
