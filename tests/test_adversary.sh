#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A hostile NF (tools/nfv-adversary) in an untrusted domain, at full speed:
# forged, duplicate and mangled descriptors, garbage control requests,
# fields flipped under the daemon, corrupted ring indices (quarantine and
# attach again), garbage in the other slots of its region.  nfvisord must
# stay up and answering, reject or drop each with a reason, keep a
# well-behaved NF of another domain untouched, forward again once a correct
# NF takes the adversary's place, log at a bounded rate, and at the end
# account for every packet (rx = tx + dropped) and every buffer (audit).
. "$(dirname "$0")/lib.sh"
need_root_hugepages 160
ADV=$B/tools/nfv-adversary
[ -x "$ADV" ] || hard "$ADV not built"
SECS=${NFV_ADVERSARY_SECONDS:-8}

start_daemon "$T/d.log" --no-pci --vdev net_null0 --vdev net_null1 -- -r "$RUN" \
	--trust-domain guest,size=32M,slots=4,trust=untrusted \
	--chain nf:1,nf:2,port:1 --wait-chain --summary "$T/summary.json"
start_nf F2 "$FWD" --service 2 --name fwd
wait_for "nfs_running 1" 20 || fail "fwd did not register: $(ctl nf list)"
t0=$(date +%s)
"$ADV" --socket "$RUN/guest.sock" --service 1 --duration "$SECS" --corrupt-every 700 \
	--flip --other-slots --json >"$T/adv.json" 2>"$T/adv.err" &
APID=$!
PIDS="$PIDS $APID"
# The daemon answers throughout, and however the adversary flips its
# `sleeping` flag, it rings the adversary's doorbell at most once per
# burst handed to it (so at most once per packet).
while kill -0 "$APID" 2>/dev/null; do
	kill -0 "$DPID" 2>/dev/null || { tail -20 "$T/d.log"; fail "nfvisord died under attack"; }
	ctl status >/dev/null || fail "nfvisord stopped answering under attack"
	a=$(ctl nf list | jq -c '[.nfs[] | select(.name == "adversary")][0] // empty')
	if [ -n "$a" ]; then
		[ "$(echo "$a" | jq '.wakeups <= .rx_pkts')" = true ] ||
			fail "more doorbells than packets for the adversary: $a"
		note "adversary slot: $(echo "$a" | jq -c '{rx_pkts, wakeups, sleeping}')"
	fi
	sleep 0.5
done
wait "$APID" || fail "nfv-adversary failed: $(cat "$T/adv.err")"
t1=$(date +%s)
note "adversary: $(jq -c '{hostile_total, hostile_per_s, attaches, quarantined, flipped_fields}' "$T/adv.json")"
note "tried: $(jq -c .tried "$T/adv.json")"
ctl stats >"$T/stats.json"
note "daemon: quarantines $(jq .totals.quarantines "$T/stats.json"), rejects $(jq -c .rejects "$T/stats.json")"
note "drops: $(jq -c '.drops | with_entries(select(.value > 0))' "$T/stats.json")"
jq -e '.hostile_total > 10000' "$T/adv.json" >/dev/null || fail "the adversary hardly tried: $(cat "$T/adv.json")"
jq -e '.quarantined >= 1' "$T/adv.json" >/dev/null || fail "corrupted indices never got the slot quarantined"
jq -e '.totals.quarantines >= 1 and .rejects.buf_out_of_range > 0 and .rejects.never_lent > 0 and .rejects.not_lent > 0' \
	"$T/stats.json" >/dev/null || fail "hostile descriptors not rejected: $(jq -c '{totals, rejects}' "$T/stats.json")"
# The fwd NF of the default domain never noticed.
[ "$(ctl nf list | jq -r '.nfs[] | select(.name == "fwd") | .state')" = running ] ||
	fail "the default domain's NF was hurt: $(ctl nf list)"
# A correct NF takes the adversary's service: traffic flows again.
start_nf F1 "$FWD" --socket "$RUN/guest.sock" --service 1 --name guest-fwd
wait_for "nfs_running 2" 20 || fail "a correct NF could not take the slot: $(ctl nf list)"
tx0=$(ctl stats | jq .totals.tx)
wait_for "[ \$(ctl stats | jq .totals.tx) -gt $((tx0 + 10000)) ]" 20 ||
	fail "no forwarding after the attack: $(ctl stats | jq -c .totals)"

stop_daemon "$T/summary.json" "$T/d.log"
# Hostile input is logged at a bounded rate: a few lines a second at most.
# (The switch's warnings: rejected descriptors, quarantines; at most one a
# second per kind.  Attach/leave lines come once per adversary attach.)
warn=$(grep -c -E 'rejected descriptor|quarantined' "$T/d.log" || true)
lines=$(wc -l <"$T/d.log")
attaches=$(jq .attaches "$T/adv.json")
secs=$((t1 - t0 + 1))
note "daemon log: $lines lines, $warn of them hostile-input warnings, in ${secs}s of attack ($attaches attaches)"
[ "$warn" -ge 1 ] || fail "the daemon logged nothing about the attack"
[ "$warn" -le $((secs * 4 + 4)) ] || fail "$warn warning lines in ${secs}s: the log is not rate-limited"
[ "$lines" -le $((secs * 8 + attaches * 4 + 40)) ] || fail "$lines log lines in ${secs}s: too chatty"
echo "PASS: $(jq .hostile_total "$T/adv.json") hostile writes ($(jq .hostile_per_s "$T/adv.json")/s), $(jq .quarantined "$T/adv.json") quarantines: daemon up, nothing lost"
