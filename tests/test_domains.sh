#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: trust domains on real DPDK ports and real hugepages.
#  nfvisord runs its default (trusted) domain and "guest", an untrusted one
#  with a smaller region.  Every flow goes nf:1 (default) -> port 1; flow 4
#  is forwarded by a rule through nf:2 (guest) and nf:3 (default), flow 8
#  to nf:4 (guest), which tries to steer it out of a port itself.
#  - isolation: the guest region holds tags of flows 4 and 8 only (the ones
#    forwarded to it), its size is exactly its own, and guest NFs map only
#    it; an NF holds no eventfd of another NF's doorbell, and shares none
#    with NFs of another domain;
#  - copies at the boundary = packets crossing it (per domain pair), and
#    flows that stay in the default domain are not copied;
#  - an untrusted NF's TONF/OUT is dropped (untrusted_action);
#  - domains created and destroyed at run time, with one-line errors;
#  - --config: domains and port domains from JSON, bad files refused.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 200
command -v tcpdump >/dev/null || skip "tcpdump not installed (apt-get install tcpdump)"
SCAN=$B/tests/region_scan
[ -x "$SCAN" ] || hard "$SCAN not built"

N=20000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 128 -f 16 >/dev/null || hard "pcapgen failed"
"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null 2>&1 || hard "pcapgen failed"
count() { tcpdump -nr "$1" "$2" 2>/dev/null | wc -l; }
F4="udp 198.18.0.5 1028 198.19.0.1 9"
F8="udp 198.18.0.9 1032 198.19.0.1 9"
n4=$(count "$T/in.pcap" 'src host 198.18.0.5 and src port 1028')
n8=$(count "$T/in.pcap" 'src host 198.18.0.9 and src port 1032')
[ "$n4" -gt 0 ] && [ "$n8" -gt 0 ] || hard "pcapgen flows changed: fix this test's 5-tuples"
note "input: $N packets, flow 4: $n4, flow 8: $n8"

# nf_in DOMAIN VAR BINARY ARGS...: an NF attached to DOMAIN's socket.
nf_in() {
	local dom=$1 var=$2 bin=$3; shift 3
	"$bin" --socket "$RUN/$dom.sock" "$@" >"$T/$var.log" 2>&1 &
	eval "$var=$!"
	PIDS="$PIDS $!"
}
# region_fd PID DOMAIN: the fd path of DOMAIN's region memfd in process PID.
region_fd() {
	local f
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		"/memfd:nfvisor-$2 (deleted)") echo "$f"; return 0 ;;
		esac
	done
	return 1
}
# eventfd_ids PID: the ids of the eventfds PID holds, one per line, sorted.
eventfd_ids() {
	grep -h '^eventfd-id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u
}

start_daemon "$T/d.log" --no-pci \
	--vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out0.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/none.pcap,tx_pcap=$T/out1.pcap" \
	-- -r "$RUN" --chain nf:1,port:1 --wait-chain --summary "$T/summary.json" \
	--trust-domain guest,size=32M,slots=4,trust=untrusted
[ -S "$RUN/guest.sock" ] || fail "no attach socket for domain guest"
ctl domain list >"$T/domains.json" || fail "domain list failed"
jq -e '.domains | length == 2' "$T/domains.json" >/dev/null || fail "domains: $(cat "$T/domains.json")"
jq -e '.domains[] | select(.domain == "guest") | .trust == "untrusted" and .region_bytes == 33554432 and .slots == 4' \
	"$T/domains.json" >/dev/null || fail "guest domain: $(cat "$T/domains.json")"
jq -e '.domains[] | select(.domain == "default") | .trust == "trusted"' "$T/domains.json" >/dev/null ||
	fail "default domain: $(cat "$T/domains.json")"

# shellcheck disable=SC2086
ctl flow add $F4 nf:2,nf:3,port:1 >/dev/null || fail "flow add (flow 4) failed"
# shellcheck disable=SC2086
ctl flow add $F8 nf:4,port:1 >/dev/null || fail "flow add (flow 8) failed"
nf_in guest NF2 "$FWD" --service 2 --name guest-fwd
nf_in default NF3 "$FWD" --service 3 --name fwd3
nf_in guest NF4 "$FWD" --service 4 --name guest-out --to-port 1
wait_for "nfs_running 3" 20 || fail "NFs did not register: $(ctl nf list)"
nf_in default NF1 "$FWD" --service 1 --name fwd1
want_drop=$n8
wait_for "[ \$(ctl stats | jq '.totals.tx + .totals.dropped') -ge $N ]" 60 ||
	fail "traffic did not finish: $(ctl stats | jq -c .totals)"
ctl stats >"$T/stats.json"
note "totals $(jq -c .totals "$T/stats.json"); copies $(jq -c .copies_between "$T/stats.json")"
jq -e ".totals.rx == $N and .totals.tx == $N - $want_drop and .totals.dropped == $want_drop" \
	"$T/stats.json" >/dev/null || fail "counters: $(jq -c .totals "$T/stats.json")"
[ "$(jq .drops.untrusted_action "$T/stats.json")" = "$n8" ] ||
	fail "untrusted NF's OUT: untrusted_action $(jq .drops.untrusted_action "$T/stats.json"), want $n8"

# Copies: flow 4 crosses into guest and back, flow 8 into guest; no other.
[ "$(jq .totals.copies "$T/stats.json")" = $((2 * n4 + n8)) ] ||
	fail "copies $(jq .totals.copies "$T/stats.json"), want $((2 * n4 + n8))"
[ "$(jq '[.copies_between[] | select(.from == "default" and .to == "guest")][0].packets' "$T/stats.json")" = $((n4 + n8)) ] ||
	fail "default -> guest copies: $(jq -c .copies_between "$T/stats.json")"
[ "$(jq '[.copies_between[] | select(.from == "guest" and .to == "default")][0].packets' "$T/stats.json")" = "$n4" ] ||
	fail "guest -> default copies: $(jq -c .copies_between "$T/stats.json")"
[ "$(jq '.copies_between | length' "$T/stats.json")" = 2 ] || fail "unexpected copies: $(jq -c .copies_between "$T/stats.json")"

# Isolation of memory: what the guest region has ever held.
gfd=$(region_fd "$DPID" guest) || fail "nfvisord holds no guest region"
dfd=$(region_fd "$DPID" default) || fail "nfvisord holds no default region"
"$SCAN" "$gfd" >"$T/guest-scan.json" || fail "region_scan guest failed"
"$SCAN" "$dfd" >"$T/default-scan.json" || fail "region_scan default failed"
note "guest region: $(cat "$T/guest-scan.json")"
note "default region: $(jq -c '{bytes, tags, flows: (.flows | length)}' "$T/default-scan.json")"
jq -e '.bytes == 33554432' "$T/guest-scan.json" >/dev/null || fail "guest region is not exactly its own 32 MiB"
jq -e '(.flows | keys) == ["4", "8"]' "$T/guest-scan.json" >/dev/null ||
	fail "the guest region holds flows it was never given: $(jq -c .flows "$T/guest-scan.json")"
jq -e '(.flows | length) == 16' "$T/default-scan.json" >/dev/null ||
	fail "the scan does not see the default region's traffic: $(jq -c .flows "$T/default-scan.json")"
for p in $NF2 $NF4; do
	grep -q 'memfd:nfvisor-guest' /proc/"$p"/maps || fail "guest NF $p does not map its region"
	! grep -q 'memfd:nfvisor-default' /proc/"$p"/maps || fail "guest NF $p maps the default region"
	# The mapping is exactly the guest region: 32 MiB.
	sz=0
	while read -r range _; do
		sz=$((sz + 0x${range#*-} - 0x${range%-*}))
	done < <(grep 'memfd:nfvisor-guest' /proc/"$p"/maps)
	[ "$sz" = 33554432 ] || fail "guest NF $p maps $sz bytes of its region"
done
! grep -q 'memfd:nfvisor-guest' /proc/"$NF1"/maps || fail "default NF maps the guest region"

# Doorbells: an NF gets peer 0's eventfds and its own, nobody else's.
if grep -q '^eventfd-id:' /proc/self/fdinfo/* 2>/dev/null ||
   [ -n "$(eventfd_ids "$NF1")" ]; then
	eventfd_ids "$DPID" >"$T/ev.d"; eventfd_ids "$NF1" >"$T/ev.1"
	eventfd_ids "$NF3" >"$T/ev.3"; eventfd_ids "$NF2" >"$T/ev.2"
	shared=$(comm -12 "$T/ev.1" "$T/ev.3" | wc -l)
	own1=$(comm -12 "$T/ev.1" "$T/ev.d" | comm -23 - "$T/ev.3" | wc -l)
	cross=$(comm -12 "$T/ev.1" "$T/ev.2" | wc -l)
	note "eventfds: nf1 $(wc -l <"$T/ev.1"), shared with nf3 (peer 0's) $shared, nf1's own doorbells $own1, shared with the guest NF $cross"
	[ "$shared" -ge 1 ] || fail "NFs of one domain share no peer-0 doorbell"
	comm -23 <(comm -12 "$T/ev.1" "$T/ev.3") "$T/ev.d" | grep -q . && fail "NFs share an eventfd the daemon does not hold"
	[ "$own1" -ge 1 ] || fail "nf1 has no doorbell of its own"
	[ "$(comm -12 <(comm -12 "$T/ev.1" "$T/ev.d" | comm -23 - "$T/ev.3") "$T/ev.3" | wc -l)" = 0 ] ||
		fail "nf3 holds nf1's doorbell"
	[ "$cross" = 0 ] || fail "an NF of domain guest holds $cross eventfds of domain default"
else
	note "this kernel shows no eventfd-id in fdinfo: doorbell check skipped"
fi


# ---- run time: create, use, refuse, destroy ----
ctl domain create tenant size=16M slots=2 trust=untrusted >"$T/tenant.json" || fail "domain create failed"
region_fd "$DPID" tenant >/dev/null || fail "created domain has no region"
jq -e '.domain == "tenant" and .region_bytes == 16777216 and .slots == 2' "$T/tenant.json" >/dev/null ||
	fail "created domain: $(cat "$T/tenant.json")"
[ -S "$RUN/tenant.sock" ] || fail "no socket for the created domain"
expect_err "exists" domain create tenant
# nfvctl pointed at a domain's attach socket says so at once.
t0=$(date +%s%N)
if out=$("$NFVCTL" --socket "$RUN/default.sock" status 2>&1); then fail "nfvctl on an attach socket succeeded: $out"; fi
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && case $out in *"not nfvisord's control socket"*) true ;; *) false ;; esac ||
	fail "nfvctl on an attach socket: '$out'"
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000 ] || fail "nfvctl on an attach socket took until its timeout"
note "nfvctl --socket default.sock: $out"
expect_err "exists" domain create default
expect_err "size=" domain create t2 size=3M
expect_err "trust=" domain create t2 trust=maybe
# A specification too long for the daemon is refused whole, not cut (which
# could drop its trust=untrusted).
expect_err "too long" domain create t2 "slots=$(printf '0%.0s' $(seq 244))4" trust=untrusted
expect_err "domain names" domain create 'bad/name'
expect_err "default domain" domain destroy default
expect_err "no such domain" domain destroy nosuch
nf_in tenant NF5 "$FWD" --service 5 --name tenant-fwd
wait_for "nfs_running 5" 20 || fail "NF in the created domain did not register: $(ctl nf list)"
[ "$(ctl nf list | jq -r '.nfs[] | select(.name == "tenant-fwd") | .domain')" = tenant ] ||
	fail "nf list: $(ctl nf list)"
expect_err "attached" domain destroy tenant
kill -TERM "$NF5"; wait_exit "$NF5" 10 >/dev/null
wait_for "[ \$(ctl domain list | jq '.domains[] | select(.domain == \"tenant\") | .attached') = 0 ]" 20 ||
	fail "tenant NF did not leave: $(ctl domain list)"
ctl domain destroy tenant >/dev/null || fail "domain destroy failed"
[ ! -e "$RUN/tenant.sock" ] || fail "destroyed domain left its socket"
[ "$(ctl domain list | jq '.domains | length')" = 2 ] || fail "domains after destroy: $(ctl domain list)"
# Its hugepages go back with the last reference: nfvisord keeps no fd or map.
region_fd "$DPID" tenant >/dev/null && fail "destroyed domain's region fd is still open"
grep -q 'memfd:nfvisor-tenant' /proc/"$DPID"/maps && fail "destroyed domain's region is still mapped"
note "runtime domain: created, served an NF, refused while attached, destroyed (region unmapped and closed)"

kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { cat "$T/d.log"; fail "nfvisord exited with $rc"; }
jq -e '.audit.ok and .audit.in_use == 0 and (.audit.domains | length) == 2 and all(.audit.domains[]; .in_use == 0 and .ok)' \
	"$T/summary.json" >/dev/null || fail "audit: $(jq -c .audit "$T/summary.json")"
ls "$RUN"/*.sock >/dev/null 2>&1 && fail "sockets left: $(ls "$RUN")"
[ "$(count "$T/out1.pcap" '')" = $((N - n8)) ] || fail "port 1 sent $(count "$T/out1.pcap" ''), want $((N - n8))"

# ---- --config ----
cat >"$T/good.json" <<EOC
{"domains": [{"name": "t1", "size": "16M", "slots": 2, "trust": "untrusted"},
             {"name": "t2", "size": "16M"}],
 "ports": {"0": "t1"}}
EOC
rm -rf "$RUN"
start_daemon "$T/d2.log" --no-pci --vdev net_null0 -- -r "$RUN" --config "$T/good.json"
ctl port list | jq -e '.ports[0].domain == "t1"' >/dev/null || fail "port 0 not in t1: $(ctl port list)"
[ "$(ctl domain list | jq -c '[.domains[] | [.domain, .trust]]')" = '[["default","trusted"],["t1","untrusted"],["t2","trusted"]]' ] ||
	fail "--config domains: $(ctl domain list | jq -c .)"
expect_err "receives into this domain" domain destroy t1
kill -INT "$DPID"
wait_exit "$DPID" 20 >/dev/null || fail "nfvisord did not stop on SIGINT"
bad_config() {
	local want=$1 out
	printf '%s\n' "$2" >"$T/bad.json"
	rm -rf "$RUN"; mkdir -p "$RUN"
	out=$("$NFVISORD" -l 1 --file-prefix "$PREFIX" --no-pci -- -r "$RUN" --config "$T/bad.json" 2>&1 >/dev/null) &&
		fail "bad config accepted: $2"
	out=$(printf '%s\n' "$out" | grep '^nfvisord:')
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "bad config $2: not one line: $out"
	case $out in *"$want"*) ;; *) fail "bad config $2: '$out' does not say '$want'" ;; esac
	note "bad config: $out"
}
bad_config "unknown key" '{"domain": []}'
bad_config "domains[0]" '{"domains": [{"name": "x", "size": "5M"}]}'
bad_config "does not exist" '{"ports": {"0": "nope"}}'
bad_config "bad.json: line" '{"domains": ['
echo "PASS: trust domains isolate memory and doorbells; $((2 * n4 + n8)) copies for $((2 * n4 + n8)) crossings, 0 inside a domain; run-time create/destroy; --config"
