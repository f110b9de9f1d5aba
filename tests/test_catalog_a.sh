#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: the catalogue NFs as processes behind nfvisord on a net_pcap
# port, on real hugepages.
#
#  A. router -> firewall -> NAT on nfv-pcapgen traffic (IPv4 + IPv6): the
#     router sends IPv6 straight out of the port and IPv4 to the firewall
#     (TTL/hop limit - 1); the firewall denies 5 flows; the NAT maps the
#     first 32 allowed flows onto 32 ports and drops the rest (exhausted).
#  B. firewall alone, hand-made bidirectional traffic: replies of an
#     allowed flow pass (established), unsolicited ones do not.
#  C. NAT alone, hand-made bidirectional traffic: replies translated back,
#     a spoofed reply and an exhausted flow dropped, foreign traffic passed.
#
# The output pcaps are read with tcpdump (which verifies every IPv4 header
# and UDP checksum with -vv); the counters come from the daemon's summary
# (rx = tx + dropped, NF drops = what the NFs say they dropped) and from
# each NF's own exit summary.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

ROUTER=$B/examples/nfv-router
FIREWALL=$B/examples/nfv-firewall
NAT=$B/examples/nfv-nat
for x in "$ROUTER" "$FIREWALL" "$NAT"; do
	[ -x "$x" ] || hard "$x not built"
done
command -v tcpdump >/dev/null || skip "needs tcpdump (apt-get install tcpdump)"

# flat PCAP: one line per packet (tcpdump -vv prints IPv4 on two lines).
flat() {
	tcpdump -r "$1" -nn -vv -t 2>/dev/null |
		awk '/^[ \t]/ { line = line " " $0; next }
		     { if (line != "") print line; line = $0 }
		     END { if (line != "") print line }'
}

# nf_summary LOG NAME: the NF's exit summary line (NAME VALUE pairs).
nf_summary() { grep "^$2: rx " "$1" | tail -n 1; }
# field LINE NAME: the number after NAME in a summary line.
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }

# expect_field LINE NAME VALUE WHAT
expect_field() {
	local got
	got=$(field "$1" "$2")
	[ "$got" = "$3" ] || fail "$4: $2 is '$got', want $3 (summary: $1)"
}

# start_run NAME CHAIN IN.PCAP: start nfvisord on IN.PCAP, to stop once
# idle; the caller starts the chain's NFs next.  Sets OUT and SUM.
start_run() {
	OUT=$T/$1.out.pcap
	SUM=$T/$1.summary.json
	start_daemon "$T/$1.d.log" --no-pci --vdev "net_pcap0,rx_pcap=$3,tx_pcap=$OUT" \
		-- -r "$RUN" --chain "$2" --wait-chain --stop-when-idle 300 --summary "$SUM"
}

# finish_run NAME NF-PIDS...: wait for the daemon and the NFs to end; check
# that every packet is accounted for and the buffers came back.
finish_run() {
	local name=$1 rc pid rx tx dropped; shift
	wait_exit "$DPID" 60 || { cat "$T/$name.d.log"; fail "$name: nfvisord did not stop when the pcap was consumed"; }
	rc=$?
	[ "$rc" = 0 ] || { cat "$T/$name.d.log"; fail "$name: nfvisord exited with $rc"; }
	for pid in "$@"; do
		wait_exit "$pid" 10 >/dev/null || fail "$name: an NF (pid $pid) still runs after the daemon left"
	done
	rx=$(jq .totals.rx "$SUM"); tx=$(jq .totals.tx "$SUM"); dropped=$(jq .totals.dropped "$SUM")
	note "$name: rx=$rx tx=$tx dropped=$dropped drops=$(jq -c '.drops | with_entries(select(.value > 0))' "$SUM")"
	[ "$rx" = $((tx + dropped)) ] || fail "$name: rx $rx != tx $tx + dropped $dropped"
	[ "$(jq .totals.copies "$SUM")" = 0 ] || fail "$name: packets were copied"
	[ "$(jq .audit.ok "$SUM")" = true ] || fail "$name: buffer audit failed: $(jq -c .audit "$SUM")"
	[ "$(jq .audit.in_use "$SUM")" = 0 ] || fail "$name: buffers still in use at exit"
	[ "$(jq .totals.quarantines "$SUM")" = 0 ] || fail "$name: an NF was quarantined"
	[ -z "$(ls -A "$RUN")" ] || fail "$name: sockets left behind: $(ls "$RUN")"
}

# ---- hand-made frames: Ethernet + IPv4 + UDP with 18 payload bytes ----
hex16() { printf '%04x' "$1"; }
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
# shellcheck disable=SC2086 # splitting the address at its dots is the point
iphex() { local IFS=.; set -- $1; printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"; }
# csum HEX: Internet checksum of the bytes written in HEX (even length).
csum() {
	local h=$1 s=0 i
	for ((i = 0; i < ${#h}; i += 4)); do s=$((s + 16#${h:i:4})); done
	while ((s >> 16)); do s=$(((s & 0xffff) + (s >> 16))); done
	hex16 $((~s & 0xffff))
}
# udp4 SRC DST SPORT DPORT: one frame, in hex, with correct checksums.
udp4() {
	local src dst payload=4e4656544553540000000000000000000000 ulen hdr ip udp c
	src=$(iphex "$1"); dst=$(iphex "$2")
	ulen=$((8 + ${#payload} / 2))
	# version/IHL, TOS, length, id, DF, TTL 64, UDP, checksum 0, addresses
	hdr=4500$(hex16 $((20 + ulen)))0000400040110000$src$dst
	ip=${hdr:0:20}$(csum "$hdr")${hdr:24}
	udp=$(hex16 "$3")$(hex16 "$4")$(hex16 $ulen)
	c=$(csum "$src${dst}0011$(hex16 $ulen)${udp}0000$payload")
	[ "$c" = 0000 ] && c=ffff
	echo "0200000000020200000000010800$ip$udp$c$payload"
}
# endpoints: "SRC.PORT > DST.PORT" of each line of flat output.
endpoints() { awk '{ for (i = 2; i < NF; i++) if ($i == ">") { d = $(i + 1); sub(/:$/, "", d); print $(i - 1) " > " d; next } }'; }
# write_pcap FILE FRAME-HEX...: a pcap (Ethernet) of the frames, in order.
write_pcap() {
	local f=$1 h i=0; shift
	{
		printf '%b' "$(echo d4c3b2a1020004000000000000000000ffff000001000000 | sed 's/../\\x&/g')"
		for h in "$@"; do
			printf '%b' "$(echo "$(le32 $((1704067200 + i)))$(le32 0)$(le32 $((${#h} / 2)))$(le32 $((${#h} / 2)))$h" |
				sed 's/../\\x&/g')"
			i=$((i + 1))
		done
	} >"$f"
}

# ======================================================================
# A. router -> firewall -> NAT on generated traffic
# ======================================================================
N=3000; F=64; V6=16		# flows 0..15 IPv6, 16..63 IPv4 (198.18.0.f+1)
"$PCAPGEN" -o "$T/a.in.pcap" -n $N -s 60-600 -f $F --ipv6-share 25 >/dev/null || hard "pcapgen failed"
cnt() { echo $((N / F + ($1 < N % F ? 1 : 0))); }	# packets of flow $1

cat >"$T/routes" <<EOF
# IPv4 goes through the firewall and the NAT, IPv6 straight out.
198.19.0.0/16     service:2
2001:db8:2::/48   port:0
2001:db8::/32     drop        # shorter: loses to the /48
EOF
cat >"$T/rules" <<EOF
deny  proto udp src 198.18.0.17                   # flow 16
deny  proto udp src 198.18.0.20/30 dport 9        # flows 19..22
allow proto udp dst 198.19.0.0/16 dport 9
EOF
DENIED="16 19 20 21 22"
PORTS=32

# What must come out, flow by flow, in first-packet order.
v6_pkts=0; denied_pkts=0; nat_pkts=0; exhausted_pkts=0; allowed_flows=0; mapped=0
for ((f = 0; f < F; f++)); do
	c=$(cnt $f)
	if [ $f -lt $V6 ]; then
		v6_pkts=$((v6_pkts + c))
	elif [[ " $DENIED " == *" $f "* ]]; then
		denied_pkts=$((denied_pkts + c))
	else
		allowed_flows=$((allowed_flows + 1))
		if [ $mapped -lt $PORTS ]; then
			mapped=$((mapped + 1)); nat_pkts=$((nat_pkts + c))
		else
			exhausted_pkts=$((exhausted_pkts + c))
		fi
	fi
done
v4_pkts=$((N - v6_pkts))

start_run a nf:1,nf:2,nf:3,port:0 "$T/a.in.pcap"
start_nf R "$ROUTER" --service 1 --name router --routes "$T/routes"
start_nf W "$FIREWALL" --service 2 --name firewall --rules "$T/rules" --ct-timeout 30
start_nf X "$NAT" --service 3 --name nat --external 203.0.113.1 --internal 198.18.0.0/16 \
	--ports 20000-$((20000 + PORTS - 1))
finish_run a "$R" "$W" "$X"

[ "$(jq .totals.rx "$SUM")" = $N ] || fail "A: daemon received $(jq .totals.rx "$SUM") of $N packets"
[ "$(jq .totals.tx "$SUM")" = $((v6_pkts + nat_pkts)) ] || fail "A: $(jq .totals.tx "$SUM") packets out, want $((v6_pkts + nat_pkts))"
[ "$(jq .drops.nf_drop "$SUM")" = $((denied_pkts + exhausted_pkts)) ] ||
	fail "A: $(jq .drops.nf_drop "$SUM") NF drops, want $((denied_pkts + exhausted_pkts))"
for nf in router:$N firewall:$v4_pkts nat:$((v4_pkts - denied_pkts)); do
	got=$(jq ".nfs[] | select(.name == \"${nf%%:*}\") | .rx_pkts" "$SUM")
	[ "$got" = "${nf#*:}" ] || fail "A: daemon gave ${nf%%:*} $got packets, want ${nf#*:}"
done

s=$(nf_summary "$T/R.log" nfv-router)
note "$s"
expect_field "$s" routed $N "A: router"
expect_field "$s" dropped 0 "A: router"
s=$(nf_summary "$T/W.log" nfv-firewall)
note "$s"
expect_field "$s" rx "$v4_pkts" "A: firewall"
expect_field "$s" denied "$denied_pkts" "A: firewall"
expect_field "$s" new "$allowed_flows" "A: firewall"
expect_field "$s" established $((v4_pkts - denied_pkts - allowed_flows)) "A: firewall"
expect_field "$s" rule_hits "1:$(cnt 16),2:$(( $(cnt 19) * 4 )),3:$allowed_flows" "A: firewall"
s=$(nf_summary "$T/X.log" nfv-nat)
note "$s"
expect_field "$s" out "$nat_pkts" "A: nat"
expect_field "$s" port_exhausted "$exhausted_pkts" "A: nat"
expect_field "$s" mappings_new $PORTS "A: nat"
expect_field "$s" dropped "$exhausted_pkts" "A: nat"

flat "$OUT" >"$T/a.out.txt"
[ "$(wc -l <"$T/a.out.txt")" = $((v6_pkts + nat_pkts)) ] || fail "A: tcpdump read $(wc -l <"$T/a.out.txt") packets"
! grep -m 3 -E 'bad|truncated' "$T/a.out.txt" || fail "A: a checksum or length is wrong (above)"
[ "$(grep -c '^IP6 (hlim 63,.* 2001:db8:1::[0-9a-f]*\.[0-9]* > 2001:db8:2::1\.9: \[udp sum ok\]' "$T/a.out.txt")" = $v6_pkts ] ||
	fail "A: IPv6 packets not all out with hop limit 63: $(grep -m 2 IP6 "$T/a.out.txt")"
[ "$(grep -c '^IP (tos 0x0, ttl 63,.* 203\.0\.113\.1\.200[0-3][0-9] > 198\.19\.0\.1\.9: \[udp sum ok\]' "$T/a.out.txt")" = $nat_pkts ] ||
	fail "A: IPv4 packets not all translated with TTL 63: $(grep -m 2 '^IP ' "$T/a.out.txt")"
# 32 ports, each carrying one whole flow, the first mapped flow on the first port.
ports=$(grep -o '203\.0\.113\.1\.[0-9]*' "$T/a.out.txt" | sort | uniq -c | awk '{ print $1 }' | sort -u | tr '\n' ' ')
[ "$(grep -o '203\.0\.113\.1\.[0-9]*' "$T/a.out.txt" | sort -u | wc -l)" = $PORTS ] || fail "A: not $PORTS distinct external ports"
[ "$ports" = "$(cnt 17) " ] || fail "A: packets per external port: $ports, want $(cnt 17) each"
[ "$(grep -m 1 '^IP ' "$T/a.out.txt" | grep -o '203\.0\.113\.1\.[0-9]*')" = 203.0.113.1.20000 ] ||
	fail "A: the first translated flow did not get the first port"
note "A: $v6_pkts IPv6 routed out, $nat_pkts IPv4 translated, $denied_pkts denied, $exhausted_pkts exhausted"

# ======================================================================
# B. firewall alone: established replies pass, others do not
# ======================================================================
cat >"$T/b.rules" <<EOF
deny  proto udp dst 192.0.2.99
allow proto udp src 10.0.0.0/8 dport 9
EOF
frames=()
for _ in 1 2 3; do
	frames+=("$(udp4 10.0.0.1 192.0.2.53 5000 9)"	# allowed: new, then established
		 "$(udp4 192.0.2.53 10.0.0.1 9 5000)"	# its reply: established
		 "$(udp4 192.0.2.53 10.0.0.2 9 5000)"	# unsolicited: default deny
		 "$(udp4 10.0.0.1 192.0.2.99 5000 9)"	# rule 1
		 "$(udp4 192.0.2.99 10.0.0.1 9 5000)")	# default deny
done
write_pcap "$T/b.in.pcap" "${frames[@]}"
start_run b nf:1,port:0 "$T/b.in.pcap"
start_nf W "$FIREWALL" --service 1 --name firewall --rules "$T/b.rules"
finish_run b "$W"
s=$(nf_summary "$T/W.log" nfv-firewall)
note "$s"
expect_field "$s" new 1 "B: firewall"
expect_field "$s" established 5 "B: firewall"
expect_field "$s" denied 3 "B: firewall"
expect_field "$s" default_denied 6 "B: firewall"
flat "$OUT" | endpoints >"$T/b.out.txt"
want=$(printf '10.0.0.1.5000 > 192.0.2.53.9\n192.0.2.53.9 > 10.0.0.1.5000\n%.0s' 1 2 3)
[ "$(cat "$T/b.out.txt")" = "$want" ] || fail "B: firewall output is not the flow and its replies: $(cat "$T/b.out.txt")"
note "B: replies of the allowed flow passed, unsolicited traffic denied"

# ======================================================================
# C. NAT alone: translation both ways
# ======================================================================
write_pcap "$T/c.in.pcap" \
	"$(udp4 10.0.0.1 192.0.2.53 5000 9)" \
	"$(udp4 192.0.2.53 203.0.113.1 9 40000)" \
	"$(udp4 192.0.2.54 203.0.113.1 9 40000)" \
	"$(udp4 10.0.0.2 192.0.2.53 6000 9)" \
	"$(udp4 10.0.0.3 192.0.2.53 7000 9)" \
	"$(udp4 192.0.2.53 203.0.113.1 9 40001)" \
	"$(udp4 198.51.100.1 198.51.100.2 1 2)"
start_run c nf:1,port:0 "$T/c.in.pcap"
start_nf X "$NAT" --service 1 --name nat --external 203.0.113.1 --internal 10.0.0.0/8 --ports 40000-40001
finish_run c "$X"
s=$(nf_summary "$T/X.log" nfv-nat)
note "$s"
expect_field "$s" out 2 "C: nat"
expect_field "$s" in 2 "C: nat"
expect_field "$s" passed 1 "C: nat"
expect_field "$s" no_mapping 1 "C: nat"
expect_field "$s" port_exhausted 1 "C: nat"
flat "$OUT" >"$T/c.out.txt"
! grep -m 3 -E 'bad|truncated' "$T/c.out.txt" || fail "C: a checksum or length is wrong (above)"
[ "$(grep -c 'udp sum ok' "$T/c.out.txt")" = 5 ] || fail "C: want 5 packets with good UDP checksums: $(cat "$T/c.out.txt")"
endpoints <"$T/c.out.txt" >"$T/c.flows.txt"
want="203.0.113.1.40000 > 192.0.2.53.9
192.0.2.53.9 > 10.0.0.1.5000
203.0.113.1.40001 > 192.0.2.53.9
192.0.2.53.9 > 10.0.0.2.6000
198.51.100.1.1 > 198.51.100.2.2"
[ "$(cat "$T/c.flows.txt")" = "$want" ] || fail "C: NAT output differs: $(cat "$T/c.flows.txt")"
note "C: outbound and return traffic translated, spoofed reply and exhausted flow dropped"

echo "PASS: router -> firewall -> NAT on $N packets; firewall established flows; NAT both ways"
