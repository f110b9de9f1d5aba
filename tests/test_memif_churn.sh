#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A memif peer that comes and goes while packets flow must not take
# nfvisord down.  DPDK 22.11's net_memif unmaps a port's rings on its
# interrupt thread as soon as the peer leaves, under a worker that may be
# inside a burst on them; nfvisord's munmap() waits for the worker to end
# its round first (hypervisor/quiesce.h).  Without that wait, nfvisord
# died of SIGSEGV in 8 runs of 9 of this test's first part (100 to 200
# cycles each), after 4 to 128 disconnects.
#  1. nfvisord's memif server; its testpmd client stops and starts its
#     port $CYCLES times (each stop closes the connection) while net_null
#     traffic goes out through the memif port and comes back;
#  2. the client is killed (SIGKILL: the kernel closes its socket) and
#     started again, 4 times;
#  3. nfvisord's memif client; its testpmd server stops and starts its
#     port 4 times, and nfvisord connects again each time.
# Every packet is accounted for and no buffer is lost at the end.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 128
command -v dpdk-testpmd >/dev/null || skip "needs dpdk-testpmd (apt-get install dpdk)"

CYCLES=${NFV_CHURN_CYCLES:-250}
SOCK=$T/memif.sock
TP=
trap 'cleanup; rm -rf "/var/run/dpdk/${PREFIX}tp"' EXIT

# P FIELD: that field of the memif port (port 1) in `nfvctl port list`.
P() { ctl port list | jq -r ".ports[1].$1"; }
alive() { kill -0 "$DPID" 2>/dev/null || { tail -15 "$T/$1"; fail "nfvisord died $2"; }; }

# tp_fifo ROLE LOG: an interactive testpmd with a memif port in ROLE, fed
# from fd 7.  Not memif_testpmd(): its open of the fifo waits for a
# writer, so it must be in the background process.
tp_fifo() {
	rm -f "$T/tp.in"
	mkfifo "$T/tp.in"
	stdbuf -oL dpdk-testpmd --lcores 0@0,1@0 --main-lcore 0 --file-prefix "${PREFIX}tp" -m 64 --no-pci \
		--in-memory --log-level='*:warning' \
		--vdev "net_memif0,role=$1,socket=$SOCK,socket-abstract=no" \
		-- -i --disable-link-check --forward-mode=io <"$T/tp.in" >"$2" 2>&1 &
	TP=$!
	PIDS="$PIDS $TP"
	exec 7<>"$T/tp.in"	# read-write: never blocks, never EPIPE if testpmd goes
}

# flowing WHAT: packets come back in through the memif port.
flowing() {
	local r0
	wait_for "[ \"\$(P link)\" = up ]" 30 || fail "the memif link did not come up $1: $(P link)"
	r0=$(P rx_pkts)
	wait_for "[ \$(P rx_pkts) -gt $r0 ]" 10 || fail "no packet came back through the memif port $1"
}

# ---- 1: nfvisord's server, a client that stops and starts its port
start_daemon "$T/d.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=server,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:1 --port-chain 1=port:0 --summary "$T/d.json"
tp_fifo client "$T/tp.log"
echo start >&7
flowing "with a client"
for i in $(seq "$CYCLES"); do
	sleep 0.05
	echo stop >&7
	echo "port stop 0" >&7
	sleep 0.02
	echo "port start 0" >&7
	echo start >&7
	alive d.log "when its memif client left (cycle $i)"
done
flowing "after $CYCLES stops of the client's port"
stops=$(grep -c "Stopping ports" "$T/tp.log")
[ "$stops" = "$CYCLES" ] || fail "testpmd stopped its port $stops times, not $CYCLES"
note "client port stopped and started $stops times under traffic; nfvisord alive;" \
	"unmaps that waited for the worker: $(ctl stats | jq -c .unmaps)"

# ---- 2: the client is killed, and comes again
for i in 1 2 3 4; do
	kill -KILL "$TP"
	wait "$TP" 2>/dev/null
	alive d.log "when its memif client was killed ($i)"
	tp_fifo client "$T/tp$i.log"
	echo start >&7
	flowing "with client $((i + 1))"
done
alive d.log "after its clients were killed"
[ "$(ctl stats | jq .unmaps.gave_up)" = 0 ] || fail "an unmap gave up waiting: $(ctl stats | jq -c .unmaps)"
note "4 clients killed under traffic; $(ctl stats | jq -c .unmaps)"
stop_daemon "$T/d.json" "$T/d.log"
echo quit >&7
wait_exit "$TP" 10 >/dev/null || true

# ---- 3: nfvisord's client, a server that stops and starts its port
rm -rf "$RUN" "$SOCK"
tp_fifo server "$T/server.log"
wait_for "[ -S $SOCK ]" 20 || { tail "$T/server.log"; fail "testpmd did not create its memif socket"; }
echo start >&7
start_daemon "$T/c.log" --no-pci --vdev net_null0,size=64,copy=0 \
	--vdev "net_memif0,role=client,socket=$SOCK,socket-abstract=no" -- -r "$RUN" \
	--chain port:1 --port-chain 1=port:0 --summary "$T/c.json"
flowing "as a client"
for i in 1 2 3 4; do
	echo stop >&7
	echo "port stop 0" >&7
	wait_for "[ \"\$(P link)\" = down ]" 10 || fail "the server's port stop left the client's link $(P link)"
	echo "port start 0" >&7
	echo start >&7
	alive c.log "when its memif server stopped its port ($i)"
	flowing "after the server's port restart $i"
done
note "memif client: the server stopped its port 4 times; reconnects $(P reconnects); $(ctl stats | jq -c .unmaps)"
[ "$(ctl stats | jq .unmaps.gave_up)" = 0 ] || fail "an unmap gave up waiting: $(ctl stats | jq -c .unmaps)"
stop_daemon "$T/c.json" "$T/c.log"
