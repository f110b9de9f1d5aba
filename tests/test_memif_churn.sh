#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A memif peer that comes and goes while packets flow must not take
# nfvisord down.  DPDK 22.11's net_memif unmaps a port's rings on its
# interrupt thread as soon as the peer leaves, under a worker that may be
# inside a burst on them; nfvisord's munmap() and close() make the
# driver wait for the worker to end its round first (hypervisor/quiesce.h).  Without that wait, nfvisord
# died of SIGSEGV in 8 runs of 9 of this test's first part (100 to 200
# cycles each), after 4 to 128 disconnects.
#  0. 2000 clients connect to nfvisord's memif server and close at once:
#     the driver's hello to a client that has gone fails, and DPDK 22.11
#     then leaves a closed socket registered with its interrupt thread,
#     which panics (nfvisord died so in each of 5 runs, within seconds);
#     nfvisord's sendmsg() reports such a send as done
#     (hypervisor/memif_send.c), and no file descriptor is left behind;
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
fds0=$(ls /proc/"$DPID"/fd | wc -l)
flood=ok
python3 - "$SOCK" <<'PY' || flood=failed
import socket, sys, time
for i in range(2000):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(sys.argv[1])
    s.close()
    time.sleep(0.001)
PY
if [ "$flood" != ok ]; then
	alive d.log "while memif clients connected and closed at once"
	fail "could not connect to nfvisord's memif socket"
fi
sleep 1
alive d.log "after 2000 memif clients connected and closed at once"
fds=$(ls /proc/"$DPID"/fd | wc -l)
[ "$fds" -le $((fds0 + 2)) ] || fail "2000 clients that closed at once left $((fds - fds0)) file descriptors open"
note "2000 memif clients connected and closed at once: nfvisord alive, fds $fds0 -> $fds;" \
	"$(ctl stats | jq -c .driver_guards)"

memif_testpmd_fifo client "$T/tp.log" --disable-link-check --forward-mode=io
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
	# testpmd keeps up (a loaded machine): at most 10 cycles queued
	[ $((i % 10)) != 0 ] || wait_for "[ \$(grep -c 'Stopping ports' $T/tp.log) -ge $i ]" 60 ||
		fail "testpmd stopped its port $(grep -c 'Stopping ports' "$T/tp.log") times of $i in a minute"
done
wait_for "[ \$(grep -c 'Stopping ports' $T/tp.log) = $CYCLES ]" 60 ||
	fail "testpmd stopped its port $(grep -c 'Stopping ports' "$T/tp.log") times, not $CYCLES"
flowing "after $CYCLES stops of the client's port"
stops=$(grep -c "Stopping ports" "$T/tp.log")
note "client port stopped and started $stops times under traffic; nfvisord alive;" \
	"$(ctl stats | jq -c .driver_guards)"

# ---- 2: the client is killed, and comes again
for i in 1 2 3 4; do
	kill -KILL "$TP"
	wait "$TP" 2>/dev/null
	alive d.log "when its memif client was killed ($i)"
	memif_testpmd_fifo client "$T/tp$i.log" --disable-link-check --forward-mode=io
	echo start >&7
	flowing "with client $((i + 1))"
done
alive d.log "after its clients were killed"
[ "$(ctl stats | jq .driver_guards.waits_over_1s)" = 0 ] ||
	fail "a driver waited a second or more for the worker: $(ctl stats | jq -c .driver_guards)"
note "4 clients killed under traffic; $(ctl stats | jq -c .driver_guards)"
stop_daemon "$T/d.json" "$T/d.log"
echo quit >&7
wait_exit "$TP" 10 >/dev/null || true

# ---- 3: nfvisord's client, a server that stops and starts its port
rm -rf "$RUN" "$SOCK"
memif_testpmd_fifo server "$T/server.log" --disable-link-check --forward-mode=io
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
note "memif client: the server stopped its port 4 times; reconnects $(P reconnects);" \
	"$(ctl stats | jq -c .driver_guards)"
[ "$(ctl stats | jq .driver_guards.waits_over_1s)" = 0 ] ||
	fail "a driver waited a second or more for the worker: $(ctl stats | jq -c .driver_guards)"
stop_daemon "$T/c.json" "$T/c.log"
