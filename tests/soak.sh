#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Soak: nfvisord at full rate for NFV_SOAK_SECONDS (default 600) with
#  - NF churn: every NFV_SOAK_KILL_MS (default 300) ms a random NF of the
#    chain is killed with SIGKILL mid-stream and started again;
#  - a hostile NF (tools/nfv-adversary: forged descriptors, flipped fields,
#    corrupted indices) in an untrusted domain, on the path of one flow;
#  - every NFV_SOAK_SAMPLE (default 10) s: daemon RSS, fd count, buffers in
#    use, packets.
# Fails unless the daemon stays up, its RSS is flat after warm-up, its fd
# count is back to where it started once the NFs are gone, the audit finds
# every buffer, and rx = tx + dropped exactly.  Writes a JSON report to
# NFV_SOAK_REPORT (default: printed).  `make soak` runs it.
# NFV_SOAK_DIRECT=1: nfvisord --direct with one instance of each service,
# so the chain's NFs are linked and a SIGKILL resets the whole group (its
# partner stops by itself and is started again, like the killed one).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 200
ADV=$B/tools/nfv-adversary
[ -x "$ADV" ] || hard "$ADV not built"
SECS=${NFV_SOAK_SECONDS:-600}
KILL_MS=${NFV_SOAK_KILL_MS:-300}
SAMPLE=${NFV_SOAK_SAMPLE:-10}
DIRECT=${NFV_SOAK_DIRECT:-0}
REPORT=${NFV_SOAK_REPORT:-$T/soak.json}

"$PCAPGEN" -o "$T/loop.pcap" -n 4096 -s 64 -f 16 >/dev/null || hard "pcapgen failed"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/loop.pcap,infinite_rx=1" \
	--vdev net_null1 -- -r "$RUN" --trust-domain guest,size=32M,slots=4,trust=untrusted \
	--chain nf:1,nf:2,port:1 --wait-chain --summary "$T/summary.json" \
	$([ "$DIRECT" = 1 ] && echo --direct)
sample() {	# rss_kb fds in_use rx tx attached
	local rss fds st
	rss=$(awk '/^VmRSS/ {print $2}' /proc/"$DPID"/status)
	fds=$(find /proc/"$DPID"/fd -mindepth 1 -maxdepth 1 | wc -l)
	st=$(ctl stats) || return 1
	echo "$rss $fds $(ctl audit | jq .in_use) $(echo "$st" | jq '.totals.rx, .totals.tx, ([.nfs[]] | length)' | tr '\n' ' ')"
}
# nfvisord's fd count once the control thread has closed the connections
# of nfvctl calls just made (it closes each one when it sees it end).
settled_fds() {
	local a b i
	for i in $(seq 20); do
		a=$(find /proc/"$DPID"/fd -mindepth 1 -maxdepth 1 | wc -l)
		sleep 0.1
		b=$(find /proc/"$DPID"/fd -mindepth 1 -maxdepth 1 | wc -l)
		[ "$a" = "$b" ] && break
	done
	echo "$b"
}
fds0=$(settled_fds)
# Flow 4 goes through the adversary, the rest through the chain.
ctl flow add udp 198.18.0.5 1028 198.19.0.1 9 nf:9,nf:2,port:1 >/dev/null || fail "flow add failed"

# The chain's NFs: two replicas of service 1, one of service 2; with
# --direct one of each (a service with replicas is never linked).
if [ "$DIRECT" = 1 ]; then ROLES=(1 2); else ROLES=(1 1 2); fi
declare -a NFPID
start_role() {
	"$FWD" --socket "$RUN/default.sock" --service "${ROLES[$1]}" --name "fwd$1" >/dev/null 2>>"$T/nf.err" &
	NFPID[$1]=$!
	PIDS="$PIDS $!"
}
for i in "${!ROLES[@]}"; do start_role "$i"; done
wait_for "nfs_running ${#ROLES[@]}" 20 || fail "NFs did not register: $(ctl nf list)"

# The adversary, restarted whenever its run ends.
(
	child=
	trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; exit 0' TERM
	while :; do
		"$ADV" --socket "$RUN/guest.sock" --service 9 --duration 20 --corrupt-every 1000 --flip \
			--json >>"$T/adv.jsonl" 2>>"$T/adv.err" &
		child=$!
		wait "$child" || sleep 0.5
	done
) &
ADVLOOP=$!
PIDS="$PIDS $ADVLOOP"

start=$(date +%s)
end=$((start + SECS))
next_sample=$start
kills=0
restarts=0
: >"$T/samples"
while [ "$(date +%s)" -lt "$end" ]; do
	kill -0 "$DPID" 2>/dev/null || { tail -20 "$T/d.log"; fail "nfvisord died after $kills kills"; }
	i=$((RANDOM % ${#ROLES[@]}))
	# A kill counts (each must be reclaimed) only if the NF held a slot
	# and died of it: not one killed before it attached, nor one that had
	# stopped by itself (its linked partner died), whose zombie kill(2)
	# still finds.
	held=$(nf_of_pid "${NFPID[$i]}")
	if kill -KILL "${NFPID[$i]}" 2>/dev/null; then
		st=0
		wait "${NFPID[$i]}" 2>/dev/null || st=$?
		[ -n "$held" ] && [ "$st" = 137 ] && kills=$((kills + 1))
	fi
	start_role "$i"
	# An NF that stopped by itself (its linked partner died) starts again.
	for j in "${!ROLES[@]}"; do
		kill -0 "${NFPID[$j]}" 2>/dev/null && continue
		wait "${NFPID[$j]}" 2>/dev/null
		restarts=$((restarts + 1))
		start_role "$j"
	done
	sleep "$(awk -v ms="$KILL_MS" 'BEGIN { printf "%.3f", ms / 1000 * (0.5 + rand()) }')"
	now=$(date +%s)
	if [ "$now" -ge "$next_sample" ]; then
		s=$(sample) || fail "nfvisord stopped answering"
		echo "$((now - start)) $s" >>"$T/samples"
		[ -t 1 ] || true
		echo "# [$((now - start))s] rss_kb fds in_use rx tx nfs: $s; kills $kills"
		next_sample=$((now + SAMPLE))
	fi
done
# Stop the churn and the adversary; wait for every slot to be free.
kill -TERM "$ADVLOOP" 2>/dev/null; wait "$ADVLOOP" 2>/dev/null
for i in "${!ROLES[@]}"; do kill -TERM "${NFPID[$i]}" 2>/dev/null; wait "${NFPID[$i]}" 2>/dev/null; done
wait_for "[ \$(ctl nf list | jq '.nfs | length') = 0 ]" 30 || fail "slots not freed: $(ctl nf list)"
fds1=$(settled_fds)
ctl stats >"$T/final.json"
kill -INT "$DPID"
wait_exit "$DPID" 30 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { tail -20 "$T/d.log"; fail "nfvisord exited with $rc"; }

s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
grep -q . "$T/adv.jsonl" 2>/dev/null || fail "the adversary never finished a run: $(tail -3 "$T/adv.err" 2>/dev/null)"
hostile=$(jq -s 'map(.hostile_total) | add' "$T/adv.jsonl") || fail "adversary reports: $(cat "$T/adv.jsonl")"
advq=$(jq -s 'map(.quarantined) | add' "$T/adv.jsonl")
nsamples=$(wc -l <"$T/samples")
warm=$(( nsamples > 4 ? 2 : 0 ))
read -r rss_min rss_max <<<"$(tail -n +$((warm + 1)) "$T/samples" | awk 'NR == 1 { lo = hi = $2 } { if ($2 < lo) lo = $2; if ($2 > hi) hi = $2 } END { print lo, hi }')"
jq -n --argjson secs "$SECS" --argjson kills "$kills" --argjson rx "$rx" --argjson tx "$tx" \
	--argjson dropped "$dropped" --argjson hostile "$hostile" --argjson advq "$advq" \
	--argjson fds0 "$fds0" --argjson fds1 "$fds1" --argjson rss_min "$rss_min" --argjson rss_max "$rss_max" \
	--slurpfile sum "$s" --rawfile samples "$T/samples" '{
	seconds: $secs, kills: $kills, rx: $rx, tx: $tx, dropped: $dropped,
	conserved: ($rx == $tx + $dropped),
	drops: ($sum[0].drops | with_entries(select(.value > 0))),
	rejects: $sum[0].rejects, quarantines: $sum[0].totals.quarantines,
	reclaims: $sum[0].reclaims, audit: ($sum[0].audit | del(.domains)),
	hostile_writes: $hostile, hostile_per_s: ($hostile / $secs), adversary_quarantined: $advq,
	fds_start: $fds0, fds_end: $fds1, rss_kb_min: $rss_min, rss_kb_max: $rss_max,
	samples: ($samples | split("\n") | map(select(length > 0) | split(" ") | map(select(length > 0) | tonumber) |
		{t: .[0], rss_kb: .[1], fds: .[2], in_use: .[3], rx: .[4], tx: .[5], nfs: .[6]}))
}' >"$REPORT" || hard "cannot write the report"
jq -c 'del(.samples)' "$REPORT" | sed 's/^/# /'
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
jq -e '.audit.ok and .audit.in_use == 0' "$s" >/dev/null || fail "buffers lost: $(jq -c .audit "$s")"
[ "$fds1" = "$fds0" ] || fail "fd count $fds0 at start, $fds1 once every NF left: a leak"
if ldd "$NFVISORD" 2>/dev/null | grep -q libasan; then
	# ASan keeps freed memory in quarantine (256 MB by default): RSS is not
	# a leak measure there; the fd count and the audit still are.
	note "AddressSanitizer build: RSS $rss_min..$rss_max kB not checked"
else
	[ $((rss_max - rss_min)) -le $(( rss_min / 50 > 2048 ? rss_min / 50 : 2048 )) ] ||
		fail "RSS grew from $rss_min to $rss_max kB after warm-up"
fi
[ "$(jq .reclaims.count "$s")" -ge "$kills" ] || fail "$kills kills but $(jq .reclaims.count "$s") reclaims"
[ "$kills" -gt 0 ] || fail "no NF was killed"
# A sanitizer build reports and goes on (UBSan) or aborts an NF that the
# churn would quietly start again: either way, a report fails the soak.
for log in "$T/d.log" "$T/nf.err" "$T/adv.err"; do
	! grep -q "runtime error:\|ERROR: AddressSanitizer\|ERROR: LeakSanitizer" "$log" 2>/dev/null ||
		fail "sanitizer report in $(basename "$log"): $(grep -m3 "runtime error:\|ERROR: .*Sanitizer" "$log")"
done
if [ "$DIRECT" = 1 ]; then
	resets=$(jq .totals.group_resets "$s")
	[ "$resets" -gt 0 ] || fail "--direct: $kills kills but no linked group was reset: $(jq -c .totals "$s")"
	note "--direct: $resets group resets, $restarts partners started again"
fi
echo "PASS: ${SECS}s, $kills SIGKILLs (reclaim max $(jq .reclaims.max_us "$s") us), $hostile hostile writes; rx = tx + dropped; nothing lost; RSS $rss_min..$rss_max kB; fds $fds0 -> $fds1"
