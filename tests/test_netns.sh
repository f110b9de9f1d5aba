#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: real kernel traffic through nfvisord.  Two network
# namespaces, "inside" (10.0.0.1/24) and "outside" (203.0.113.2/24), are
# joined only through nfvisord: each has one end of a veth pair whose other
# end lies in a third namespace, the switch's, where nfvisord drives it
# with DPDK's net_af_packet.
#
#   inside                      switch namespace                    outside
#   nfa ==veth== swa port 0 -> firewall -> NAT -> fwd -> port 1 swb ==veth== nfb
#   10.0.0.1             port 0 <- fwd <- firewall <- NAT <- port 1      203.0.113.2
#
# Outbound packets take the default chain (nf:1,nf:2,nf:3,port:1).  What
# port 1 receives takes that port's own chain (--port-chain 1=...): NAT
# first (un-NAT), then the firewall (which knows the flow from its outbound
# packets, by its inside addresses), the forwarder, and out of port 0.
#
# Proof: ping answers; a denied UDP port and a denied TCP port stay shut and
# the firewall counts every packet it denied; iperf3 TCP completes and its
# server sees the NAT's address; every counter of the platform matches the
# veths' own, packet for packet and byte for byte.
#
# Exact accounting needs every frame on the wire to be one the test sent:
# IPv6 is off in all three namespaces before the veths exist (no neighbour
# discovery, MLD or router solicitations), neighbours are static (no ARP:
# no NF answers ARP for the NAT's address anyway), and the switch's veth
# ends have no address (its kernel sends nothing).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

FIREWALL=$B/examples/nfv-firewall
NAT=$B/examples/nfv-nat
for x in "$FIREWALL" "$NAT"; do
	[ -x "$x" ] || hard "$x not built"
done
for c in ip iperf3 ethtool ping ss; do
	command -v $c >/dev/null || skip "needs $c (apt-get install iproute2 iperf3 ethtool iputils-ping)"
done

IN=nfvin$$; OUT=nfvout$$; SW=nfvsw$$
NETNS=""
netns_cleanup() {
	local n
	for n in $NETNS; do ip netns delete "$n" 2>/dev/null; done
}
# lib.sh's cleanup stops our processes first, then the namespaces go (and
# their veths with them).
trap 'cleanup; netns_cleanup' EXIT

# in_ns NS COMMAND...: run COMMAND in NS.  Background processes are
# started with `ip netns exec` itself, which execs COMMAND: their PID is
# the one the EXIT trap stops.
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
# link_stat NS DEV PATH: one counter of `ip -s -j link`, e.g. rx.packets.
link_stat() { ip -n "$1" -s -j link show dev "$2" | jq ".[0].stats64.$3"; }

for n in $IN $OUT $SW; do
	ip netns add "$n" 2>"$T/netns.err" || skip "cannot create network namespaces: $(cat "$T/netns.err")"
	NETNS="$NETNS $n"
	in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
		hard "cannot disable IPv6 in namespace $n"
	ip -n "$n" link set lo up
done
ip -n $SW link add swa type veth peer name nfa netns $IN || hard "cannot create veth pairs"
ip -n $SW link add swb type veth peer name nfb netns $OUT || hard "cannot create veth pairs"
MAC_IN=$(ip -n $IN -j link show dev nfa | jq -r '.[0].address')
MAC_OUT=$(ip -n $OUT -j link show dev nfb | jq -r '.[0].address')
# veth hands its frames over with CHECKSUM_PARTIAL: the TCP/UDP checksum
# field holds only the pseudo-header sum, for the device to finish.  A veth
# peer's kernel takes such skbs as they are, but af_packet gives DPDK the
# bytes (TP_STATUS_CSUMNOTREADY, which the PMD ignores), they leave through
# the other veth as an ordinary frame, and the far stack drops them
# (TcpInCsumErrors); the NAT's incremental update needs a complete sum too.
# With TX checksumming off the stacks compute full checksums (and TSO goes
# with it: frames stay within the 1500-byte MTU).
in_ns $IN ethtool -K nfa tx off >/dev/null || hard "ethtool -K nfa tx off failed"
in_ns $OUT ethtool -K nfb tx off >/dev/null || hard "ethtool -K nfb tx off failed"
ip -n $IN addr add 10.0.0.1/24 dev nfa
ip -n $OUT addr add 203.0.113.2/24 dev nfb
for l in "$IN nfa" "$OUT nfb" "$SW swa" "$SW swb"; do
	# shellcheck disable=SC2086 # "NS DEV"
	set -- $l
	ip -n "$1" link set "$2" up
done
# The inside reaches everything through a gateway whose MAC is the outside
# veth's; the outside reaches the NAT's address at the inside veth's MAC.
# The switch forwards frames as they are, so these are the MACs the
# receiving kernels accept.
ip -n $IN neigh add 10.0.0.254 lladdr "$MAC_OUT" dev nfa nud permanent
ip -n $IN route add default via 10.0.0.254
ip -n $OUT neigh add 203.0.113.1 lladdr "$MAC_IN" dev nfb nud permanent

cat >"$T/rules" <<EOF
deny  proto tcp dport 5202                       # line 1: a shut TCP port
deny  proto udp dport 9                          # line 2: a shut UDP port
allow proto tcp src 10.0.0.0/24 dport 5201       # line 3: iperf3
allow proto icmp src 10.0.0.0/24                 # line 4: ping
EOF
EXT=203.0.113.1
PORT_LO=40000; PORT_HI=40007
RETURN_CHAIN=nf:2,nf:1,nf:3,port:0

# nfvisord in the switch namespace.  af_packet's default 2048-byte frames
# need 2016 bytes of mbuf data room; nfvisord's default 2048-byte buffers
# have 1920 (128 bytes of headroom), and buffer sizes divide the page size:
# 4096.  (A framesz that does not divide the block size breaks the PMD's RX
# ring walk in DPDK 22.11: it stops receiving after the first block.)
mkdir -p "$RUN"
ip netns exec $SW "$NFVISORD" -l 1 --file-prefix "$PREFIX" --log-level=user*:info --no-pci \
	--vdev net_af_packet0,iface=swa --vdev net_af_packet1,iface=swb \
	-- -r "$RUN" --buf-size 4096 --chain nf:1,nf:2,nf:3,port:1 --port-chain 1=$RETURN_CHAIN --wait-chain \
	--summary "$T/summary.json" >"$T/d.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
if ! wait_for daemon_up 20; then
	cat "$T/d.log"
	grep -qi "af_packet" "$T/d.log" && grep -qiE "not found|unknown|cannot attach|failed to parse" "$T/d.log" &&
		skip "this DPDK has no usable net_af_packet driver"
	fail "nfvisord did not start"
fi

start_nf W "$FIREWALL" --service 1 --name firewall --rules "$T/rules"
start_nf X "$NAT" --service 2 --name nat --external $EXT --internal 10.0.0.0/24 \
	--ports $PORT_LO-$PORT_HI
start_nf F "$FWD" --service 3 --name fwd
wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"

# port_stat ID FIELD: a port counter of nfvisord.
port_stat() { ctl port list | jq ".ports[$1].$2"; }

# ---- ping: 5 echo requests of 98-byte frames, 5 replies ----
in_ns $IN ping -c 5 -i 0.2 -W 2 203.0.113.2 >"$T/ping.txt" 2>&1 || { cat "$T/ping.txt"; fail "ping through the chain failed"; }
rtt=$(sed -n 's|^rtt min/avg/max/mdev = \([^ ]*\) ms.*|\1|p' "$T/ping.txt")
note "ping: $(grep 'packets transmitted' "$T/ping.txt"); rtt min/avg/max/mdev $rtt ms"
# The last reply may reach ping a moment before nfvisord counts its burst.
five_each_way() {
	[ "$(ctl port list | jq -c '[.ports[] | [.rx_pkts, .rx_bytes, .tx_pkts, .tx_bytes]]')" = \
		"[[5,490,5,490],[5,490,5,490]]" ]
}
wait_for five_each_way 2 ||
	fail "after ping, the ports did not carry 5 frames / 490 bytes each way: $(ctl port list | jq -c .ports)"
# The driver's own counters are there, and saw no bad frame.
[ "$(ctl port list | jq -c '[.ports[] | [.nic_rx_missed, .nic_rx_errors, .nic_rx_nombuf, .nic_tx_errors]]')" = \
	"[[0,0,0,0],[0,0,0,0]]" ] || fail "driver counters missing or not 0: $(ctl port list | jq -c .ports)"

# ---- shut ports: 5 UDP datagrams to port 9, one TCP connect to 5202 ----
in_tx0=$(link_stat $IN nfa tx.packets)
out_rx0=$(link_stat $OUT nfb rx.packets)
in_ns $IN bash -c 'for i in 1 2 3 4 5; do echo x >/dev/udp/203.0.113.2/9; done' ||
	fail "cannot send UDP from the inside"
udp_sent=$(( $(link_stat $IN nfa tx.packets) - in_tx0 ))
[ "$udp_sent" = 5 ] || fail "the inside sent $udp_sent frames for 5 datagrams"
if in_ns $IN timeout 2 bash -c 'echo >/dev/tcp/203.0.113.2/5202' 2>/dev/null; then
	fail "TCP port 5202 is open through the firewall"
fi
syns=$(( $(link_stat $IN nfa tx.packets) - in_tx0 - udp_sent ))
[ "$syns" -ge 1 ] || fail "the inside sent no SYN to port 5202"
wait_for "[ \$(ctl stats | jq .drops.nf_drop) = $((udp_sent + syns)) ]" 5 ||
	fail "nf_drop $(ctl stats | jq .drops.nf_drop), want $udp_sent datagrams + $syns SYNs"
[ "$(link_stat $OUT nfb rx.packets)" = "$out_rx0" ] || fail "a denied packet reached the outside"
note "shut ports: $udp_sent UDP datagrams and $syns TCP SYNs denied, none reached the outside"

# ---- iperf3 TCP, inside -> outside through the NAT ----
# -w 256K bounds the data in flight (about 180 full frames) below the
# 512 frames of each af_packet ring: the kernel cannot drop a frame there,
# where no counter of nfvisord would see it, so the counts below are exact.
ip netns exec $OUT iperf3 -s -1 -J >"$T/server.json" 2>"$T/server.err" &
SPID=$!
PIDS="$PIDS $SPID"
wait_for "in_ns $OUT ss -Hltn 'sport = :5201' | grep -q 5201" 10 || fail "iperf3 server did not listen"
in_ns $IN iperf3 -c 203.0.113.2 -t 2 -w 256K -J --connect-timeout 3000 >"$T/client.json" 2>&1 ||
	{ cat "$T/client.json"; fail "iperf3 through the chain failed"; }
wait_exit "$SPID" 10 >/dev/null || fail "iperf3 server did not finish"
remote=$(jq -r '.start.connected[0].remote_host' "$T/server.json")
rport=$(jq -r '.start.connected[0].remote_port' "$T/server.json")
local_host=$(jq -r '.start.connected[0].local_host' "$T/client.json")
bytes=$(jq '.end.sum_received.bytes' "$T/server.json")
bps=$(jq '.end.sum_received.bits_per_second' "$T/server.json")
retr=$(jq '.end.sum_sent.retransmits' "$T/client.json")
note "iperf3: client $local_host, server saw $remote:$rport; $bytes bytes, $(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s, $retr retransmits"
[ "$local_host" = 10.0.0.1 ] || fail "iperf3 client bound to $local_host, not 10.0.0.1"
[ "$remote" = $EXT ] || fail "iperf3 server saw $remote, not the NAT's $EXT"
if [ "$rport" -lt $PORT_LO ] || [ "$rport" -gt $PORT_HI ]; then
	fail "NAT port $rport outside $PORT_LO-$PORT_HI"
fi
[ "$bytes" -gt 0 ] || fail "iperf3 moved no data"

# ---- counters: wait until the last FIN/ACK has passed ----
stable() {
	local a b
	a=$(ctl stats | jq -c '[.totals.rx, .totals.tx, .pool.lent]')
	sleep 0.5
	b=$(ctl stats | jq -c '[.totals.rx, .totals.tx, .pool.lent]')
	[ "$a" = "$b" ] && [ "$(echo "$b" | jq '.[2]')" = 0 ]
}
wait_for stable 10 || fail "traffic did not settle: $(ctl stats | jq -c .totals)"
ctl stats >"$T/stats.json"
ctl flow list >"$T/flows.json"
declare -A L
for k in rx.packets rx.bytes tx.packets tx.bytes rx.dropped tx.dropped; do
	L[in.$k]=$(link_stat $IN nfa $k)
	L[out.$k]=$(link_stat $OUT nfb $k)
done
P() { jq ".ports[$1].$2" "$T/stats.json"; }
note "inside veth: tx ${L[in.tx.packets]} pkts ${L[in.tx.bytes]} B, rx ${L[in.rx.packets]} pkts ${L[in.rx.bytes]} B"
note "outside veth: tx ${L[out.tx.packets]} pkts ${L[out.tx.bytes]} B, rx ${L[out.rx.packets]} pkts ${L[out.rx.bytes]} B"
note "nfvisord ports: $(jq -c '[.ports[] | {id, rx_pkts, rx_bytes, tx_pkts, tx_bytes, tx_dropped}]' "$T/stats.json")"

# Every frame a veth sent reached nfvisord and every frame nfvisord sent
# reached the other veth: no allowance, nothing else is on the wire.
expect_eq() { [ "$1" = "$2" ] || fail "$3: $1 != $2"; }
expect_eq "$(P 0 rx_pkts)" "${L[in.tx.packets]}" "port 0 rx packets vs inside veth tx"
expect_eq "$(P 0 rx_bytes)" "${L[in.tx.bytes]}" "port 0 rx bytes vs inside veth tx"
expect_eq "$(P 1 tx_pkts)" "${L[out.rx.packets]}" "port 1 tx packets vs outside veth rx"
expect_eq "$(P 1 tx_bytes)" "${L[out.rx.bytes]}" "port 1 tx bytes vs outside veth rx"
expect_eq "$(P 1 rx_pkts)" "${L[out.tx.packets]}" "port 1 rx packets vs outside veth tx"
expect_eq "$(P 1 rx_bytes)" "${L[out.tx.bytes]}" "port 1 rx bytes vs outside veth tx"
expect_eq "$(P 0 tx_pkts)" "${L[in.rx.packets]}" "port 0 tx packets vs inside veth rx"
expect_eq "$(P 0 tx_bytes)" "${L[in.rx.bytes]}" "port 0 tx bytes vs inside veth rx"
for k in in.rx.dropped in.tx.dropped out.rx.dropped out.tx.dropped; do
	expect_eq "${L[$k]}" 0 "veth $k"
done
expect_eq "$(P 0 tx_dropped)$(P 1 tx_dropped)" 00 "port TX drops"

# Inside the switch: every packet switched or dropped by the firewall.
denied=$((udp_sent + syns))
rx=$(jq .totals.rx "$T/stats.json"); tx=$(jq .totals.tx "$T/stats.json")
dropped=$(jq .totals.dropped "$T/stats.json")
expect_eq "$rx" $(( $(P 0 rx_pkts) + $(P 1 rx_pkts) )) "switch rx vs ports rx"
expect_eq "$tx" $(( $(P 0 tx_pkts) + $(P 1 tx_pkts) )) "switch tx vs ports tx"
expect_eq "$rx" $((tx + dropped)) "rx vs tx + dropped"
expect_eq "$dropped" "$denied" "dropped vs denied datagrams + SYNs"
expect_eq "$(jq .drops.nf_drop "$T/stats.json")" "$denied" "nf_drop"
expect_eq "$(jq .totals.copies "$T/stats.json")" 0 "copies"
# Outbound took the default chain, return traffic port 1's own.
expect_eq "$(jq .default_packets "$T/flows.json")" "$(P 0 rx_pkts)" "default chain packets vs port 0 rx"
expect_eq "$(jq -c '.port_chains | map([.port, .chain, .packets])' "$T/flows.json")" \
	"[[1,\"$RETURN_CHAIN\",$(P 1 rx_pkts)]]" "port 1's chain vs port 1 rx"
# Payload against wire bytes, outbound: a full frame is 1514 bytes for 1448
# of payload (66 bytes of Ethernet, IPv4 and TCP with timestamps), and
# nothing but iperf3 and 5 pings travelled that way in volume.
awk -v p="$bytes" -v w="$(P 1 tx_bytes)" 'BEGIN { exit !(p <= w * 1448 / 1514 && p >= w * 0.9) }' ||
	fail "iperf3 payload $bytes bytes does not fit $(P 1 tx_bytes) wire bytes out of port 1"

# ---- the NFs' own counts, and a clean stop ----
kill -TERM "$DPID"
wait_exit "$DPID" 20 >/dev/null
rc=$?
[ "$rc" = 0 ] || { cat "$T/d.log"; fail "nfvisord exited with status $rc after SIGTERM"; }
for pid in "$W" "$X" "$F"; do
	wait_exit "$pid" 10 >/dev/null || fail "an NF (pid $pid) still runs after the daemon left"
done
[ "$(jq .audit.ok "$T/summary.json")" = true ] || fail "buffer audit failed: $(jq -c .audit "$T/summary.json")"
[ "$(jq .audit.in_use "$T/summary.json")" = 0 ] || fail "buffers still in use at exit"
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
fw=$(grep '^nfv-firewall: rx ' "$T/W.log")
nat=$(grep '^nfv-nat: rx ' "$T/X.log")
note "$fw"
note "$nat"
expect_eq "$(field "$fw" denied)" "$denied" "firewall denied"
expect_eq "$(field "$fw" default_denied)" 0 "firewall default_denied"
case ",$(field "$fw" rule_hits)," in
*",1:$syns,2:$udp_sent,"*) ;;
*) fail "firewall rule hits $(field "$fw" rule_hits), want 1:$syns,2:$udp_sent,..." ;;
esac
expect_eq "$(field "$nat" out)" $(( $(P 0 rx_pkts) - denied )) "NAT out vs allowed outbound packets"
expect_eq "$(field "$nat" in)" "$(P 1 rx_pkts)" "NAT in vs return packets"
expect_eq "$(field "$nat" dropped)" 0 "NAT drops"
[ -z "$(ls -A "$RUN")" ] || fail "sockets left behind: $(ls "$RUN")"
echo "PASS: inside <-> outside only through nfvisord (firewall -> NAT -> fwd): ping rtt $rtt ms," \
	"iperf3 $(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }') Gbit/s seen from $remote," \
	"$denied packets denied, every counter matches the veths'"
