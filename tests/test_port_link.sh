#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Each port's link state is in `nfvctl port list` ("link": up, down or
# unknown), and nfvisord logs a link going down or coming up (checked once
# a second).  The port is nfvisord's memif server, with no client at first,
# then a testpmd client; then nfvisord's memif client, refused by a server
# not started yet (its link stays down, and the log says why).  nfvisord
# stops before its peer: DPDK 22.11's net_memif is not safe against its
# peer leaving (nfvisord(8), BUGS).
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
grep -q 'does not connect again' "$T/d.log" && fail "a memif server's link down says it does not connect again"

stdbuf -oL dpdk-testpmd --lcores 0@0,1@0 --main-lcore 0 --file-prefix "${PREFIX}tp" -m 64 --no-pci \
	--in-memory --log-level='*:warning' \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" \
	-- --forward-mode=rxonly --auto-start --stats-period 1 >"$T/testpmd.log" 2>&1 &
TP=$!
PIDS="$PIDS $TP"
wait_for "[ \"\$(L 1)\" = up ]" 30 || { tail "$T/testpmd.log"; fail "the memif link did not come up with a client: $(L 1)"; }
wait_for "grep -q 'port 1 (net_memif0): link up' $T/d.log" 5 ||
	fail "the memif port's link up was not logged: $(tail -3 "$T/d.log")"
note "$(grep -m1 'link up' "$T/d.log")"
[ "$(grep -c 'link down' "$T/d.log")" = 1 ] || fail "link down logged more than once: $(grep 'link' "$T/d.log")"

stop_daemon "$T/d.json" "$T/d.log"
kill -INT "$TP" 2>/dev/null
wait_exit "$TP" 10 >/dev/null || true

# ---- 2: a memif client refused by a server that is not started yet
# The server's socket file exists from the port's probe, but it takes a
# client only once the port starts; DPDK 22.11's client does not try again:
# nfvisord says so.
rm -rf "$RUN" "$SOCK"
stdbuf -oL dpdk-testpmd --lcores 0@0,1@0 --main-lcore 0 --file-prefix "${PREFIX}tp" -m 64 --no-pci \
	--in-memory --log-level='*:warning' \
	--vdev "net_memif0,role=server,socket=$SOCK,socket-abstract=no" \
	-- --disable-device-start --stats-period 1 >"$T/server.log" 2>&1 &
TP=$!
PIDS="$PIDS $TP"
wait_for "[ -S $SOCK ]" 20 || { tail "$T/server.log"; fail "testpmd did not create its memif socket"; }
start_daemon "$T/c.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:0 --summary "$T/c.json"
wait_for "grep -q 'port 1 (net_memif0): link down.*does not connect again' $T/c.log" 5 ||
	fail "the refused memif client's link down was not logged with its hint: $(tail -3 "$T/c.log")"
[ "$(L 1)" = down ] || fail "the refused memif client's link is $(L 1)"
note "$(grep -m1 'link down' "$T/c.log")"
stop_daemon "$T/c.json" "$T/c.log"
kill -INT "$TP" 2>/dev/null
wait_exit "$TP" 10 >/dev/null || true

echo "PASS: port list shows each port's link; nfvisord logs a link going down and coming up"
