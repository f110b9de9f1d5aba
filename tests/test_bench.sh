#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nfv-bench smoke test: one short round of nfvisor (chain 1), the
# floor-ring cost floor and testpmd io, plus nfvisor's latency and CPU
# use, on real hugepages and net_null/net_memif ports; checks the JSON
# schema, that every figure is a positive number and the PNG plot (< 20 s).
. "$(dirname "$0")/lib.sh"

need_root_hugepages 256
command -v python3 >/dev/null || skip "needs python3"
command -v dpdk-testpmd >/dev/null || skip "needs dpdk-testpmd (apt-get install dpdk)"
for x in "$B/tools/bench/nfv-bench-floor" "$B/tools/bench/nfv-bench-gen" \
	"$B/tools/bench/nfv-bench-jitter" "$B/tools/bench/nfv-bench-switch"; do
	[ -x "$x" ] || hard "$x not built"
done
BENCH=$top_srcdir/tools/nfv-bench

# Bad input: one clear line, exit 2.
out=$("$BENCH" --build-dir "$B" --systems nfvisor,bogus 2>&1) && fail "--systems bogus was accepted"
echo "$out" | grep -q "unknown 'bogus'" || fail "no clear error for --systems bogus: $out"
out=$("$BENCH" --build-dir "$B" --sizes 32 2>&1) && fail "--sizes 32 was accepted"
echo "$out" | grep -q "64..1518" || fail "no clear error for --sizes 32: $out"

# What other nfv-bench runs on this machine have, so as not to blame them.
ours() { comm -13 <(printf '%s\n' "$before") <(ls -d /var/run/dpdk/nfvb* /dev/hugepages/nfvb* 2>/dev/null | sort); }
before=$(ls -d /var/run/dpdk/nfvb* /dev/hugepages/nfvb* 2>/dev/null | sort)
# With --idle-sleep-us (passed to nfvisord): its idle worker then uses a
# small share of a core, where polling it uses all of one.
"$BENCH" --build-dir "$B" --quick --runs 1 --warmup 0.2 --duration 0.5 \
	--systems nfvisor,floor-ring,testpmd-io --nfs fwd --chains 1 --idle-sleep-us 1000 \
	--json "$T/bench.json" --plot "$T/bench.png" >"$T/table.txt" 2>"$T/progress.txt" ||
	{ cat "$T/progress.txt" "$T/table.txt"; fail "nfv-bench failed"; }
cat "$T/table.txt"
J=$T/bench.json

# No process, runtime directory or hugepage file of the bench is left.
leftover=$(ours)
[ -z "$leftover" ] || fail "left behind: $leftover"

jq -e 'type == "array" and length == 3' "$J" >/dev/null || fail "expected 3 results: $(cat "$J")"
for s in nfvisor floor-ring testpmd-io; do
	jq -e --arg s "$s" '[.[] | select(.system == $s)] | length == 1' "$J" >/dev/null ||
		fail "no single $s result"
done
# Every throughput entry: the schema, and positive, ordered figures.
jq -e 'all(.[];
	(.system | IN("nfvisor", "floor-ring", "testpmd-io", "vhost-user", "memif-zc")) and
	(.chain_length | type == "number") and .pkt_size == 64 and
	.mpps_min > 0 and .mpps_min <= .mpps_median and .mpps_median <= .mpps_max and
	.gbps_median > 0 and .runs == 1)' "$J" >/dev/null ||
	fail "bad throughput entries: $(cat "$J")"
jq -e '.[] | select(.system == "nfvisor") | .nf == "fwd" and .chain_length == 1 and .direct == true and
	.idle_sleep_us == 1000' \
	"$J" >/dev/null || fail "nfvisor entry is not nf fwd, chain 1, with --direct and --idle-sleep-us 1000"
grep -q "with --direct --idle-sleep-us 1000," "$T/table.txt" || fail "the table does not say --idle-sleep-us"
jq -e '.[] | select(.system == "nfvisor") | .cpu_idle_pct.daemon < 50' "$J" >/dev/null ||
	fail "nfvisord idle with --idle-sleep-us 1000 used $(jq '.[] | select(.system == "nfvisor") | .cpu_idle_pct.daemon' "$J") % of a core"
# Latency at 10, 50, 90 % with positive percentiles, and CPU use.
jq -e '.[] | select(.system == "nfvisor") |
	.latency_flat_out_mpps as $f | .latency_max_mpps as $m |
	.latency_max_mpps > 0 and .latency_max_mpps <= .latency_flat_out_mpps and
	(.latency_max_trials | length >= 1 and .[0].rate_mpps == $f and
		(if any(.[]; .carried) then any(.[]; .carried and .rate_mpps == $m)
		 else $m == ([.[].rate_mpps] | min) end) and
		all(.[]; .late_pct >= 0 and .late_pct <= 100 and
			((.carried | not) or (.sent_pct >= 99 and .received_pct >= 99 and .late_pct <= 5)))) and
	([.latency[].load_pct] == [10, 50, 90]) and
	all(.latency[]; .received_mpps > 0 and .median_us > 0 and .p90_us >= .median_us and
		.p99_us >= .p90_us and .p999_us >= .p99_us and .max_us >= .p999_us and
		.runs == 1 and .p99_us_min <= .p99_us and .p99_us <= .p99_us_max and
		.late_pct >= 0 and .late_pct <= 100 and
		(.daemon_drops | type == "object" and all(.[]; . > 0))) and
	(.cpu_idle_pct | has("daemon") and has("nf1")) and
	(.cpu_half_load_pct.daemon > 0) and
	(.jitter.cpus | length >= 1 and all(keys[]; test("^[0-9]+$"))) and
	(.jitter.floor_cpus | type == "array") and
	all(.jitter.cpus[]; .interrupted_pct >= .interrupted_ge_50us_pct and
		.interrupted_ge_50us_pct >= 0 and .gaps_per_s >= .gaps_ge_50us_per_s and
		.max_gap_us >= 0) and
	.jitter.p99_floor_us >= 0 and .jitter.p999_floor_us >= .jitter.p99_floor_us' \
	"$J" >/dev/null ||
	fail "bad latency, CPU or jitter fields: $(jq -c '.[] | select(.system == "nfvisor")' "$J")"
grep -q "chain 1 fwd / floor-ring (64 B)" "$T/table.txt" || fail "the table has no target line"
grep -q "this machine alone (x1)" "$T/table.txt" || fail "the table does not give the machine's floor"
grep -Eq "p99 at half load, chain 1 .*\(this machine alone: >= [0-9.]+ us\)" "$T/table.txt" ||
	fail "the p99 target does not repeat the machine's floor"
# The plot: a PNG where gnuplot is installed, else a clear note and none.
if command -v gnuplot >/dev/null; then
	[ "$(head -c 8 "$T/bench.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "--plot wrote no PNG: $(cat "$T/progress.txt")"
else
	grep -q "gnuplot not found" "$T/progress.txt" || fail "no note that gnuplot is missing"
fi
note "nfv-bench --quick subset: JSON schema and figures OK"

# --report: a saved run's table, as the run printed it, and its plot,
# from its JSON alone (each entry keeps how the run was made).
jq -e 'all(.[]; .bench | .runs == 1 and .warmup_s == 0.2 and .duration_s == 0.5 and
	(.worker_cpu | type == "number") and (.nf_cpus | type == "array" and length >= 1) and
	(.gen_cpu | type == "number") and .rt == false and .cpus_online >= 1 and .load_average >= 0 and
	(.host | test("kernel [0-9]")))' \
	"$J" >/dev/null || fail "results without their run's context: $(jq -c '[.[].bench]' "$J")"
"$BENCH" --report "$J" >"$T/report.txt" 2>"$T/report-progress.txt" ||
	fail "--report failed: $(cat "$T/report-progress.txt")"
diff "$T/table.txt" "$T/report.txt" >&2 || fail "--report does not print the table the run printed"
if command -v gnuplot >/dev/null; then
	"$BENCH" --report "$J" --plot "$T/report.png" >/dev/null 2>&1 || fail "--report --plot failed"
	cmp -s "$T/bench.png" "$T/report.png" || fail "--report --plot draws another plot than the run did"
fi
out=$("$BENCH" --report "$J" --runs 2 2>&1) && fail "--report with --runs was accepted"
echo "$out" | grep -q "report takes only --plot, not --runs" || fail "no clear error for --report --runs: $out"
echo '[{"system": "nfvisor"}]' >"$T/notours.json"
out=$("$BENCH" --report "$T/notours.json" 2>&1) && fail "--report of a foreign file was accepted"
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "give a file that nfv-bench --json wrote" ||
	fail "no one-line error for --report of a foreign file: $out"
jq '.[0].mpps_median = "fast"' "$J" >"$T/broken.json"
"$BENCH" --report "$T/broken.json" >"$T/broken.out" 2>"$T/broken.err" && fail "--report of a broken file was accepted"
[ ! -s "$T/broken.out" ] || fail "--report of a broken file printed part of a table: $(cat "$T/broken.out")"
[ "$(wc -l <"$T/broken.err")" = 1 ] && grep -q "not as nfv-bench --json writes it" "$T/broken.err" ||
	fail "no one-line error for --report of a broken file: $(cat "$T/broken.err")"
note "nfv-bench --report: the same table and plot from the JSON"

# --rt where the kernel refuses SCHED_FIFO (a Firecracker VM did, to
# root): one line before anything starts, not a traceback.
if command -v setpriv >/dev/null; then
	out=$(setpriv --bounding-set -sys_nice --inh-caps -sys_nice \
		"$BENCH" --build-dir "$B" --quick --rt --systems floor-ring 2>&1) &&
		fail "--rt without CAP_SYS_NICE was accepted"
	[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "refuses SCHED_FIFO.*run without --rt" ||
		fail "no one-line error for a refused --rt: $out"
	leftover=$(ours)
	[ -z "$leftover" ] || fail "a refused --rt left behind: $leftover"
fi

# --flows: every system replays a capture of that many UDP flows (net_pcap).
for bad in 0 5,7; do
	out=$("$BENCH" --build-dir "$B" --flows "$bad" 2>&1) && fail "--flows $bad was accepted"
	echo "$out" | grep -q "1..2048" || fail "no clear error for --flows $bad: $out"
done
# Its captures lie under a TMPDIR long enough that net_pcap's copy of the
# port's arguments for secondary processes (63 bytes) cuts the path: the
# floors' secondaries then fail to probe a port they never use, and run
# (cut inside "infinite_rx=1", it used to crash them).
mkdir "$T/captures-under-a-long-enough-name"
TMPDIR="$T/captures-under-a-long-enough-name" \
"$BENCH" --build-dir "$B" --quick --runs 1 --warmup 0.2 --duration 0.5 --no-latency \
	--systems nfvisor,floor-ring,floor-desc,testpmd-io --nfs fwd --chains 1 --flows 256 --ring-size 512 \
	--service-policy hash --replicas 2 --keep-logs "$T/flows-logs" \
	--json "$T/flows.json" >"$T/flows.txt" 2>"$T/flows-progress.txt" ||
	{ cat "$T/flows-progress.txt" "$T/flows.txt"; fail "nfv-bench --flows failed"; }
grep -q "^traffic: 256 UDP flow(s)" "$T/flows.txt" || fail "the table does not say the traffic: $(cat "$T/flows.txt")"
# --ring-size goes to nfvisord, and the results and the table say so.
# So do --service-policy and --replicas: nfvisord says its policy, and
# both replicas of the NF registered with service 1.
grep -q "with --direct --ring-size 512 --service-policy hash, 2 replicas of each NF," "$T/flows.txt" ||
	fail "the table does not say --ring-size 512 --service-policy hash and 2 replicas: $(head -1 "$T/flows.txt")"
jq -e '[.[] | select(.system == "nfvisor")] | length == 1 and .[0].ring_size == 512 and
	.[0].service_policy == "hash" and .[0].replicas == 2' "$T/flows.json" >/dev/null ||
	fail "the nfvisor entry does not say ring_size 512, service_policy hash, replicas 2: $(cat "$T/flows.json")"
grep -q "service 1 places flows by policy hash" "$T"/flows-logs/nfvisord.*.log ||
	fail "nfvisord was not given --service-policy 1=hash: $(cat "$T"/flows-logs/nfvisord.*.log | head -5)"
ls "$T"/flows-logs/nf1.1.*.log "$T"/flows-logs/nf1.2.*.log >/dev/null 2>&1 ||
	fail "no logs of two replicas of NF 1: $(ls "$T/flows-logs")"
jq -e 'all(.[] | select(.system == "nfvisor"); .ring_size_option == "auto" and .ring_size == 8192 and
	(.window == 2048 or .window == 8192) and .service_policy == "flow" and .replicas == 1)' "$J" >/dev/null ||
	fail "the default run's nfvisor entries do not say nfvisord's defaults: ring_size auto (8192, window 2048 or 8192), policy flow, 1 replica"
out=$("$BENCH" --build-dir "$B" --ring-size 100 2>&1) && fail "--ring-size 100 was accepted"
echo "$out" | grep -q "power of two from 32 to 16384" || fail "no clear error for --ring-size 100: $out"
out=$("$BENCH" --build-dir "$B" --service-policy sticky 2>&1) && fail "--service-policy sticky was accepted"
echo "$out" | grep -Eq "choose from '?flow'?, '?load'?, '?hash'?" || fail "no clear error for --service-policy sticky: $out"
out=$("$BENCH" --build-dir "$B" --replicas 17 2>&1) && fail "--replicas 17 was accepted"
echo "$out" | grep -q "must be 1..16" || fail "no clear error for --replicas 17: $out"
jq -e 'length == 4 and all(.[]; .traffic == "pcap" and .flows == 256 and .mpps_median > 0)' \
	"$T/flows.json" >/dev/null || fail "bad --flows results: $(cat "$T/flows.json")"
# floor-desc (the protocol's own floor), asked for by name, and its ratios.
jq -e 'any(.[]; .system == "floor-desc")' "$T/flows.json" >/dev/null || fail "no floor-desc result"
grep -q "floor-desc / floor-ring (64 B)" "$T/flows.txt" && grep -q "chain 1 fwd / floor-desc (64 B)" "$T/flows.txt" ||
	fail "the targets do not report floor-desc's ratios: $(cat "$T/flows.txt")"
jq -e 'all(.[]; .system != "floor-desc")' "$J" >/dev/null || fail "floor-desc ran without being asked for"
jq -e 'all(.[]; .traffic == "null" and (has("flows") | not))' "$J" >/dev/null ||
	fail "net_null results do not say their traffic: $(cat "$J")"
leftover=$(ours)
[ -z "$leftover" ] || fail "left behind: $leftover"
note "nfv-bench --flows 256: $(jq -c '[.[] | {system, mpps_median}]' "$T/flows.json")"

# --nfs fw-nat-router: the example NFs with flow state and lookups as a
# chain of 3, next to nfv-fwd x3; refused without --flows.
out=$("$BENCH" --build-dir "$B" --nfs fw-nat-router 2>&1) && fail "--nfs fw-nat-router without --flows was accepted"
echo "$out" | grep -q "needs --flows N" || fail "no clear error for fw-nat-router without --flows: $out"
"$BENCH" --build-dir "$B" --systems nfvisor --nfs fwd,fw-nat-router --chains 3 --sizes 64 --flows 64 \
	--runs 1 --warmup 0.2 --duration 0.5 --no-latency --keep-logs "$T/real-logs" \
	--json "$T/real.json" >"$T/real.txt" 2>"$T/real-progress.txt" ||
	{ cat "$T/real-progress.txt" "$T/real.txt"; fail "nfv-bench --nfs fw-nat-router failed"; }
jq -e 'any(.[]; .nf == "fw-nat-router" and .chain_length == 3 and .mpps_median > 0) and
	any(.[]; .nf == "fwd" and .chain_length == 3)' "$T/real.json" >/dev/null ||
	fail "no fw-nat-router x3 result next to fwd x3: $(cat "$T/real.json")"
grep -q "^nfvisor fw-nat-router x3 " "$T/real.txt" && grep -q "chain 3 fw-nat-router / fwd (64 B)" "$T/real.txt" ||
	fail "the table does not show fw-nat-router: $(cat "$T/real.txt")"
# Each NF did its job on every packet (their exit lines): the firewall let
# the 64 UDP flows in by its rule, the NAT translated them out, the router
# routed them.
grep -hq "nfv-firewall: rx .* denied 0 default_denied 0 .* rule_hits 1:64" "$T"/real-logs/nf1.*.log ||
	fail "the firewall did not pass the flows by its rule: $(tail -n 2 "$T"/real-logs/nf1.*.log)"
grep -hEq "nfv-nat: rx [1-9][0-9]* .* out [1-9][0-9]* .*mappings 64 " "$T"/real-logs/nf2.*.log ||
	fail "the NAT did not translate the flows: $(tail -n 2 "$T"/real-logs/nf2.*.log)"
grep -hEq "nfv-router: rx [1-9][0-9]* .* routed [1-9][0-9]* default 0 blackholed 0 no_route 0" "$T"/real-logs/nf3.*.log ||
	fail "the router did not route the packets: $(tail -n 2 "$T"/real-logs/nf3.*.log)"
note "nfv-bench --nfs fw-nat-router: $(jq -c '[.[] | {nf, chain_length, mpps_median}]' "$T/real.json")"
# Where NFs shared a CPU, what a context switch costs there (nfv-bench-switch),
# in the table and in every entry's run context.
if jq -e 'any(.[]; .cpus_shared)' "$T/real.json" >/dev/null; then
	jq -e 'all(.[]; .bench.switch.yield_us > 0 and .bench.switch.switch_us > 0 and
		.bench.switch.switches > 0)' "$T/real.json" >/dev/null ||
		fail "no context switch cost where NFs shared a CPU: $(jq -c '.[0].bench' "$T/real.json")"
	grep -Eq "^  this machine \(CPU [0-9]+\): a sched_yield\(\) takes [0-9.]+ us, and two processes yielding to each other switch every [0-9.]+ us" "$T/real.txt" ||
		fail "the table does not say what a context switch costs: $(cat "$T/real.txt")"
	note "$(grep "this machine (CPU" "$T/real.txt")"
else
	jq -e 'all(.[]; .bench.switch == null)' "$T/real.json" >/dev/null ||
		fail "a context switch measured where no NFs shared a CPU"
fi

# nfv-bench-floor run by hand (no nfv-bench to clean up after it): the
# primary removes its hugepage files and runtime directory when it ends,
# by itself and on Ctrl-C.  (nfvisord and nfv-bench-gen run --in-memory.)
FLOOR=$B/tools/bench/nfv-bench-floor
FP=${PREFIX}mp
floor_left() { ls -d /dev/hugepages/"$FP"map_* "/var/run/dpdk/$FP" 2>/dev/null; }
# The secondary maps the primary's memory at the same addresses: a fixed
# base keeps that possible in sanitizer builds too (their shadow moves the
# default one).
BASE=--base-virtaddr=0x200000000000
for how in end ctrl-c; do
	dur=2
	[ "$how" = ctrl-c ] && dur=60
	"$FLOOR" -l 1 --file-prefix "$FP" $BASE -m 64 --no-pci --log-level='*:warning' \
		--vdev net_null0,size=64,copy=0 --vdev net_null1,size=64,copy=0 \
		-- --warmup 0.2 --duration $dur >"$T/floor-$how.out" 2>&1 &
	fpid=$!
	PIDS="$PIDS $fpid"
	wait_for "grep -q '^ready' '$T/floor-$how.out'" 20 ||
		{ cat "$T/floor-$how.out"; fail "floor primary not ready"; }
	[ -n "$(floor_left)" ] || fail "the floor primary has no hugepage files: is it --in-memory?"
	"$FLOOR" -l 0 --file-prefix "$FP" $BASE --proc-type=secondary --no-pci --log-level='*:warning' \
		>"$T/floor-$how-sec.out" 2>&1 &
	spid=$!
	PIDS="$PIDS $spid"
	wait_for "grep -q '^forwarding' '$T/floor-$how.out'" 20 ||
		{ cat "$T/floor-$how.out" "$T/floor-$how-sec.out"; fail "floor not forwarding"; }
	if [ "$how" = ctrl-c ]; then
		kill -INT "$fpid"
		wait_exit "$fpid" 10 >/dev/null
		! kill -0 "$fpid" 2>/dev/null || fail "floor primary ignored Ctrl-C"
		kill -INT "$spid" 2>/dev/null
	else
		wait_exit "$fpid" 20 || { cat "$T/floor-$how.out"; fail "floor primary failed"; }
		grep -q '"mpps"' "$T/floor-$how.out" || fail "floor primary printed no result"
	fi
	wait_exit "$spid" 10 >/dev/null
	left=$(floor_left)
	[ -z "$left" ] || fail "floor ($how) left behind: $(echo $left)"
done
note "nfv-bench-floor by hand: nothing left behind, at its end or on Ctrl-C"

# nfv-bench-jitter: bad input gets one clear line; a run reports its gaps.
JIT=$B/tools/bench/nfv-bench-jitter
"$JIT" --help | grep -q "min-gap-us" || fail "nfv-bench-jitter --help says nothing of --min-gap-us"
out=$("$JIT" --seconds 0 2>&1) && fail "nfv-bench-jitter --seconds 0 was accepted"
echo "$out" | grep -q "give 0.1 to 60" || fail "no clear error for --seconds 0: $out"
taskset -c 0 "$JIT" --seconds 0.3 --min-gap-us 1 >"$T/jitter.json" || fail "nfv-bench-jitter failed"
jq -e '.cpu == 0 and .seconds == 0.3 and .min_gap_us == 1 and .loops > 1000 and
	.truncated == 0 and all(.gaps_us[]; . >= 1) and (.gaps_us | add // 0) < 300000' \
	"$T/jitter.json" >/dev/null || fail "bad nfv-bench-jitter output: $(head -c 300 "$T/jitter.json")"
note "nfv-bench-jitter: $(jq '.gaps_us | length' "$T/jitter.json") gaps of 1 us or more in 0.3 s on CPU 0"

# nfv-bench-switch: pinned to one CPU or refused with one clear line.
SW=$B/tools/bench/nfv-bench-switch
"$SW" --help | grep -q "sched_yield" || fail "nfv-bench-switch --help says nothing of sched_yield"
out=$("$SW" --seconds 0 2>&1) && fail "nfv-bench-switch --seconds 0 was accepted"
echo "$out" | grep -q "give 0.1 to 60" || fail "no clear error for --seconds 0: $out"
if [ "$(nproc)" -ge 2 ]; then
	out=$(taskset -c 0,1 "$SW" --seconds 0.2 2>&1) && fail "nfv-bench-switch on two CPUs was accepted"
	[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "pin it to one with taskset -c CPU" ||
		fail "no one-line error for nfv-bench-switch on two CPUs: $out"
fi
taskset -c 0 "$SW" --seconds 0.2 >"$T/switch.json" || fail "nfv-bench-switch failed"
jq -e '.cpu == 0 and .seconds == 0.2 and .yield_us > 0 and .switch_us > 0 and .switches > 100' \
	"$T/switch.json" >/dev/null || fail "bad nfv-bench-switch output: $(cat "$T/switch.json")"
note "nfv-bench-switch: $(cat "$T/switch.json")"
