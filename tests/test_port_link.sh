#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Each port's link state is in `nfvctl port list` ("link": up, down or
# unknown), and nfvisord logs a link going down or coming up (checked once
# a second).  The port is nfvisord's memif server, with no client at first,
# then a testpmd client; then nfvisord's memif client, refused by a server
# not started yet, which nfvisord connects again once the server starts;
# then a memif client with no server at all, connected once one comes;
# then one whose server lives but does not accept, which must not hold up
# the worker; last, ports on abstract memif sockets, which nfvisord warns
# of.  A peer that leaves under traffic: test_memif_churn.sh.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 128
command -v dpdk-testpmd >/dev/null || skip "needs dpdk-testpmd (apt-get install dpdk)"

SOCK=$T/memif.sock
TP=
trap 'cleanup; rm -rf "/var/run/dpdk/${PREFIX}tp"' EXIT

# L PORT: the port's link as `nfvctl port list` shows it.
L() { ctl port list | jq -r ".ports[] | select(.id == $1) | .link"; }

start_daemon "$T/d.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=server,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:0 --summary "$T/d.json"
[ "$(L 0)" = up ] || fail "the net_null port's link is not up: $(ctl port list | jq -c .ports)"
[ "$(L 1)" = down ] || fail "the memif server's link is not down without a client: $(L 1)"
wait_for "grep -q 'port 1 (net_memif0): link down' $T/d.log" 5 ||
	fail "the memif port's link down was not logged: $(tail -3 "$T/d.log")"
note "$(grep -m1 'link down' "$T/d.log")"
grep -q 'port 0 (net_null0): link' "$T/d.log" && fail "a link that was up from the start was logged"
grep -q 'connects it to its server again' "$T/d.log" && fail "a memif server's link down says it is connected again"
grep -q 'abstract' "$T/d.log" && fail "a memif socket in the file system was called abstract: $(grep abstract "$T/d.log")"

memif_testpmd client "$T/testpmd.log" --forward-mode=rxonly --auto-start --stats-period 1
wait_for "[ \"\$(L 1)\" = up ]" 30 || { tail "$T/testpmd.log"; fail "the memif link did not come up with a client: $(L 1)"; }
wait_for "grep -q 'port 1 (net_memif0): link up' $T/d.log" 5 ||
	fail "the memif port's link up was not logged: $(tail -3 "$T/d.log")"
note "$(grep -m1 'link up' "$T/d.log")"
[ "$(grep -c 'link down' "$T/d.log")" = 1 ] || fail "link down logged more than once: $(grep 'link' "$T/d.log")"

stop_daemon "$T/d.json" "$T/d.log"
kill -INT "$TP" 2>/dev/null
wait_exit "$TP" 10 >/dev/null || true

# ---- 2: a memif client refused by a server not started yet, reconnected
# The server's socket file exists from the port's probe, but it takes a
# client only once the port starts; DPDK 22.11's client does not try again
# by itself, so nfvisord's worker restarts the port, with a backoff, until
# the server takes it.  The server is an interactive testpmd fed by a fifo.
rm -rf "$RUN" "$SOCK"
memif_testpmd_fifo server "$T/server.log" --disable-device-start --forward-mode=rxonly
wait_for "[ -S $SOCK ]" 20 || { tail "$T/server.log"; fail "testpmd did not create its memif socket"; }
start_daemon "$T/c.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:1 --port-chain 1=port:0 --summary "$T/c.json"
wait_for "grep -q 'port 1 (net_memif0): link down.*connects it to its server again' $T/c.log" 5 ||
	fail "the refused memif client's link down was not logged with its hint: $(tail -3 "$T/c.log")"
note "$(grep -m1 'link down:' "$T/c.log")"
wait_for "grep -q 'port 1 (net_memif0): link down for a second: connecting' $T/c.log" 5 ||
	fail "the worker did not try to connect again: $(tail -3 "$T/c.log")"
wait_for "[ \$(ctl port list | jq '.ports[1].reconnects') -ge 2 ]" 10 ||
	fail "no second try: $(ctl port list | jq -c '.ports[1]')"
[ "$(L 1)" = down ] || fail "the refused memif client's link is $(L 1)"
[ "$(ctl port list | jq '.ports[1].tx_pkts')" = 0 ] || fail "the memif port sent with its link down"
note "tries while the server's port is stopped: $(ctl port list | jq '.ports[1].reconnects')"
echo "port start 0" >&7
echo "start" >&7
wait_for "[ \"\$(L 1)\" = up ]" 30 || fail "the memif client did not connect once the server's port started: $(ctl port list | jq -c '.ports[1]')"
t0=$(ctl port list | jq '.ports[1].tx_pkts')
wait_for "[ \$(ctl port list | jq '.ports[1].tx_pkts') -gt $((t0 + 20000)) ]" 10 ||
	fail "no traffic out of the reconnected memif port: $(ctl port list | jq -c '.ports[1]')"
note "connected after $(ctl port list | jq '.ports[1].reconnects') tries; it sends: $(ctl port list | jq -c '.ports[1] | {link, tx_pkts, tx_dropped, reconnects}')"
stop_daemon "$T/c.json" "$T/c.log"
echo "quit" >&7
exec 7>&-
wait_exit "$TP" 10 >/dev/null || true

# ---- 3: a memif client with no server at all: nfvisord starts, and
# connects it once a server comes
rm -rf "$RUN" "$SOCK"
start_daemon "$T/n.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:1 --port-chain 1=port:0 --summary "$T/n.json"
grep -q "port 1 (net_memif0): no memif server takes connections on its socket yet" "$T/n.log" ||
	fail "a memif client without a server was not reported: $(tail -3 "$T/n.log")"
note "$(grep -m1 'no memif server' "$T/n.log")"
wait_for "[ \$(ctl port list | jq '.ports[1].reconnects') -ge 1 ]" 10 ||
	fail "no try to connect: $(ctl port list | jq -c '.ports[1]')"
[ "$(L 1)" = down ] || fail "the memif client without a server has its link $(L 1)"
[ "$(ctl port list | jq '.ports[1].tx_dropped')" -gt 0 ] ||
	fail "what goes out of the unconnected port is not dropped after the hold: $(ctl port list | jq -c '.ports[1]')"
memif_testpmd server "$T/late.log" --forward-mode=rxonly --auto-start --stats-period 1
wait_for "[ \"\$(L 1)\" = up ]" 30 || { tail "$T/late.log"; fail "the memif client did not connect to the server that came: $(ctl port list | jq -c '.ports[1]')"; }
t0=$(ctl port list | jq '.ports[1].tx_pkts')
wait_for "[ \$(ctl port list | jq '.ports[1].tx_pkts') -gt $((t0 + 20000)) ]" 10 ||
	fail "no traffic out of the memif port once connected: $(ctl port list | jq -c '.ports[1]')"
note "connected after $(ctl port list | jq '.ports[1].reconnects') tries: $(ctl port list | jq -c '.ports[1] | {link, tx_pkts, tx_dropped, reconnects}')"
stop_daemon "$T/n.json" "$T/n.log"
kill -INT "$TP" 2>/dev/null
wait_exit "$TP" 10 >/dev/null || true

# ---- 4: a server that lives but does not accept (stopped) must not stop
# the worker: the driver's connect blocks once the server's accept queue
# is full, so the port is restarted on a thread of its own.  The server
# refuses the client at first (its port not started), then is frozen
# while nfvisord tries again (at about 1, 3 and 7 s); nfvisord still stops
# cleanly, leaving that port open.
rm -rf "$RUN" "$SOCK"
memif_testpmd server "$T/frozen.log" --disable-device-start --stats-period 1
wait_for "[ -S $SOCK ]" 20 || { tail "$T/frozen.log"; fail "testpmd did not create its memif socket"; }
start_daemon "$T/f.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:0 --summary "$T/f.json"
kill -STOP "$TP"
a=$(ctl port list | jq '.ports[0].tx_pkts')
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 1
	b=$(ctl port list | jq '.ports[0].tx_pkts')
	[ "$b" -gt "$a" ] || fail "the worker stopped while the memif server was frozen ($i s, port 0 at $b): $(tail -3 "$T/f.log")"
	a=$b
done
[ "$(ctl port list | jq '.ports[1].reconnects')" -ge 2 ] ||
	fail "fewer than two tries while the server was frozen: $(ctl port list | jq -c '.ports[1]')"
note "memif server frozen 10 s: $(ctl port list | jq -c '.ports[1] | {link, reconnects}'), port 0 forwarded on ($a)"
stop_daemon "$T/f.json" "$T/f.log"
grep 'left open' "$T/f.log" | sed 's/^/# /'	# a try still blocked, if any
kill -CONT "$TP"
kill -INT "$TP" 2>/dev/null
wait_exit "$TP" 10 >/dev/null || true

# ---- 5: memif sockets in the abstract namespace (DPDK's default) have no
# file permissions: any local process can connect.  nfvisord says so for
# each such port, server and client, with the fix.
rm -rf "$RUN"
start_daemon "$T/a.log" --no-pci --vdev "net_memif0,role=server,socket=$T/abs0.sock" \
	--vdev "net_memif1,role=client,socket=$T/abs1.sock,socket-abstract=yes" -- -r "$RUN" \
	--chain port:0 --summary "$T/a.json"
grep -q "@$T/abs0.sock" /proc/net/unix || fail "the server port's socket is not abstract: $(grep "$T" /proc/net/unix)"
[ ! -e "$T/abs0.sock" ] || fail "an abstract memif socket made a file"
for p in "0 (net_memif0)" "1 (net_memif1)"; do
	grep -q "port $p: its memif socket is abstract.*give socket-abstract=no" "$T/a.log" ||
		fail "no warning for port $p's abstract socket: $(grep -i memif "$T/a.log")"
done
note "$(grep -m1 'is abstract' "$T/a.log")"
stop_daemon "$T/a.json" "$T/a.log"

echo "PASS: port list shows each port's link; nfvisord logs a link going down and coming up, connects a memif client once its server takes it, and warns of abstract memif sockets"
