#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Integration: nfvisord --idle-sleep-us.
#  1. With nothing to receive, the worker that polls without pause (the
#     default) uses a whole core; with --idle-sleep-us 1000 it sleeps and
#     uses a small share of one; `nfvctl status` counts its sleeps and the
#     live statistics (-i) show it asleep.
#  2. Traffic after a lull: the worker sleeps while --wait-chain waits for
#     the NF, then forwards a pcap of mixed sizes byte-exact, nothing lost.
#     (net_pcap reads its file on demand: it checks that sleeping loses and
#     reorders nothing, not what a port's queue holds during a sleep.)
# (Its bad values: tests/test_options.sh.)
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160

"$PCAPGEN" -o "$T/none.pcap" -n 0 >/dev/null || hard "pcapgen failed"
# cpu_pct PID SECONDS: the share of one core thread PID used meanwhile.
cpu_pct() {
	local a b hz
	hz=$(getconf CLK_TCK)
	a=$(awk '{print $14 + $15}' "/proc/$1/task/$1/stat")
	sleep "$2"
	b=$(awk '{print $14 + $15}' "/proc/$1/task/$1/stat")
	echo $(((b - a) * 100 / hz / $2))
}

# ---- 1: idle
idle_cpu() {	# idle_cpu NAME [OPTIONS...]: the worker's CPU share, idle
	rm -rf "$RUN"
	start_daemon "$T/$1.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/none.pcap,tx_pcap=$T/$1.pcap" \
		-- -r "$RUN" --chain nf:1,port:0 "${@:2}"
	start_nf F "$FWD" --service 1 --name fwd
	wait_for "nfs_running 1" 20 || fail "fwd did not register: $(ctl nf list)"
	sleep 0.5
	# With -l 1 the main thread is the worker.
	cpu=$(cpu_pct "$DPID" 2)
	st=$(ctl status)
	kill -INT "$F"
	kill -INT "$DPID"
	wait_exit "$DPID" 20 >/dev/null || fail "nfvisord did not stop on SIGINT"
}
idle_cpu poll
poll=$cpu
[ "$(echo "$st" | jq -c '[.idle_sleep_us, .worker_sleep.sleeps]')" = "[0,0]" ] ||
	fail "the default worker slept: $(echo "$st" | jq -c '{idle_sleep_us, worker_sleep}')"
idle_cpu sleep --idle-sleep-us 1000 -i 0.5
note "idle worker: $poll % of a core polling, $cpu % with --idle-sleep-us 1000 ($(echo "$st" | jq -c .worker_sleep))"
[ "$cpu" -le 20 ] || fail "the worker used $cpu % of a core with nothing to do and --idle-sleep-us 1000"
[ "$poll" -ge $((cpu * 3)) ] || fail "polling used $poll %, sleeping $cpu %: sleeping saved little"
[ "$(echo "$st" | jq .idle_sleep_us)" = 1000 ] || fail "status does not show the option: $st"
[ "$(echo "$st" | jq .worker_sleep.sleeps)" -gt 100 ] ||
	fail "status counts $(echo "$st" | jq .worker_sleep.sleeps) sleeps in 2.5 s idle"
grep -Eq 'worker asleep (9[0-9]|100) %' "$T/sleep.log" ||
	fail "the live statistics do not show the worker asleep: $(grep -m2 rx "$T/sleep.log")"

# ---- 2: traffic after a lull
N=20000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 60-1514 -f 64 --ipv6-share 25 >/dev/null || hard "pcapgen failed"
rm -rf "$RUN"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,port:0 --wait-chain --idle-sleep-us 10000 --stop-when-idle 500 \
	--summary "$T/summary.json"
sleep 0.5
start_nf F "$FWD" --service 1 --name fwd
wait_exit "$DPID" 60 >/dev/null || { cat "$T/d.log"; fail "nfvisord did not stop by itself"; }
s=$T/summary.json
note "after a lull: rx $(jq .totals.rx "$s") tx $(jq .totals.tx "$s"), worker $(jq -c .worker_sleep "$s")"
[ "$(jq .totals.tx "$s")" = $N ] || fail "sent $(jq .totals.tx "$s") of $N (dropped $(jq .totals.dropped "$s"))"
[ "$(jq .worker_sleep.sleeps "$s")" -gt 0 ] || fail "the worker never slept while it waited for the NF"
jq -e '.audit.ok and .audit.in_use == 0' "$s" >/dev/null || fail "buffers lost: $(jq -c .audit "$s")"
"$PCAPCHECK" --in "$T/in.pcap" --out "$T/out.pcap" || fail "output is not the input"

echo "PASS: an idle worker sleeps with --idle-sleep-us ($cpu % of a core against $poll % polling) and forwards everything after the lull"
