#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: every trust domain has its own admission window.  Port 0
# receives into the default domain (chain nf:1), port 1 into the untrusted
# domain "guest" (its own chain, nf:2, an NF of that domain).  Freezing the
# guest's NF (SIGSTOP, as a hung or hostile guest would) fills the guest's
# window and stops port 1's intake; the default domain keeps forwarding at
# full speed.  On SIGCONT the guest resumes; at the end every packet and
# buffer is accounted for.  Then two ports of one domain, both flooding,
# share its window: neither starves.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 200

start_daemon "$T/d.log" --no-pci --vdev net_null0 --vdev net_null1 -- -r "$RUN" \
	--trust-domain guest,size=32M,slots=4,trust=untrusted --port-domain 1=guest \
	--chain nf:1,port:0 --port-chain 1=nf:2,port:1 --wait-chain --summary "$T/summary.json"
start_nf F1 "$FWD" --service 1 --name host-fwd
"$FWD" --socket "$RUN/guest.sock" --service 2 --name guest-fwd >"$T/F2.log" 2>&1 &
F2=$!
PIDS="$PIDS $F2"
wait_for "nfs_running 2" 20 || fail "NFs did not register: $(ctl nf list)"
port_tx() { ctl stats | jq ".ports[] | select(.id == $1) | .tx_pkts"; }
wait_for "[ \$(port_tx 1) -gt 10000 ]" 20 || fail "no traffic through the guest: $(ctl stats | jq -c .ports)"

kill -STOP "$F2"
# The frozen guest NF ends up holding the guest's whole window.
wait_for "[ \$(ctl nf list | jq '.nfs[] | select(.name == \"guest-fwd\") | .lent') -ge 1024 ]" 10 ||
	fail "the frozen guest NF does not hold the guest's window: $(ctl nf list)"
sleep 0.3
g1=$(port_tx 1); h1=$(port_tx 0)
sleep 1
g2=$(port_tx 1); h2=$(port_tx 0)
note "while the guest is frozen, 1 s: host port $((h2 - h1)) packets, guest port $((g2 - g1))"
[ "$g2" = "$g1" ] || fail "the guest port forwarded with its NF frozen ($g1 -> $g2)"
[ "$h2" -gt $((h1 + 100000)) ] || fail "the default domain stalled behind the frozen guest ($h1 -> $h2)"
paused=$(ctl stats | jq '.ports[] | select(.id == 1) | .rx_paused')
[ "$paused" -gt 0 ] || fail "port 1 was not paused by its window"

kill -CONT "$F2"
wait_for "[ \$(port_tx 1) -gt $((g2 + 10000)) ]" 10 || fail "the guest did not resume after SIGCONT"
stop_daemon "$T/summary.json" "$T/d.log"

rm -rf "$RUN"
start_daemon "$T/d2.log" --no-pci --vdev net_null0 --vdev net_null1 -- -r "$RUN" \
	--chain nf:1,port:0 --wait-chain
start_nf F3 "$FWD" --service 1 --name fwd
wait_for "nfs_running 1" 20 || fail "fwd did not register: $(ctl nf list)"
sleep 1
rx() { ctl stats | jq ".ports[] | select(.id == $1) | .rx_pkts"; }
a1=$(rx 0); b1=$(rx 1); sleep 1; a2=$(rx 0); b2=$(rx 1)
note "two flooding ports of one domain, 1 s: port 0 $((a2 - a1)), port 1 $((b2 - b1)) packets"
[ $((b2 - b1)) -gt $(((a2 - a1) / 3)) ] && [ $((a2 - a1)) -gt $(((b2 - b1) / 3)) ] ||
	fail "one port starves the other in a shared window"
kill -INT "$DPID"
wait_exit "$DPID" 20 || fail "nfvisord did not stop on SIGINT"
echo "PASS: a frozen guest NF stalls only its own domain's port; ports of one domain share its window"
