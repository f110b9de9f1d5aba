#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nfvisord dying of a fault (its own, or a DPDK driver's: nfvisord(8),
# BUGS) says so on stderr, one line naming the signal and the thread, then
# the thread's backtrace; removes its socket files and EAL runtime
# directory as a clean stop would; and still dies of the signal.  The
# faults are sent with kill(1): SIGSEGV while it forwards, SIGABRT idle.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 64
if nm -D "$NFVISORD" 2>/dev/null | grep -q __asan_init; then
	skip "an AddressSanitizer build: faults get ASan's report instead"
fi
ulimit -c 0	# no core file in the build tree

for sig in SEGV ABRT; do
	log=$T/$sig.log
	rm -rf "$RUN"
	start_daemon "$log" --no-pci --vdev net_null0,size=64,copy=0 -- -r "$RUN" --chain port:0
	[ -S "$RUN/default.sock" ] || fail "no attach socket to check"
	[ -d "/var/run/dpdk/$PREFIX" ] || fail "no EAL runtime directory to check"
	[ "$sig" = ABRT ] || wait_for "[ \"\$(ctl stats | jq .totals.tx)\" -gt 0 ]" 10 ||
		fail "nfvisord forwards nothing"
	kill -"$sig" "$DPID"
	rc=0
	wait_exit "$DPID" 10 || rc=$?
	num=$(kill -l "$sig")
	[ "$rc" = $((128 + num)) ] || { cat "$log"; fail "SIG$sig: exit status $rc, want $((128 + num))"; }
	line=$(grep '^nfvisord: fatal signal' "$log") || { cat "$log"; fail "SIG$sig: no report"; }
	case $line in
	*"fatal signal $num (SIG$sig, sent by pid "*") in thread "*"; its backtrace:") ;;
	*) fail "SIG$sig: unexpected report: $line" ;;
	esac
	frames=$(grep -A64 '^nfvisord: fatal signal' "$log" | grep -c '^/.*(.*)\[0x[0-9a-f]*\]$')
	[ "$frames" -ge 3 ] || { cat "$log"; fail "SIG$sig: a backtrace of $frames frames"; }
	grep -q 'nfvisord(+0x' "$log" || fail "SIG$sig: no frame of nfvisord in the backtrace"
	left=$(ls "$RUN"/*.sock 2>/dev/null; ls -d "/var/run/dpdk/$PREFIX" 2>/dev/null)
	[ -z "$left" ] || fail "SIG$sig: left behind: $left"
	note "SIG$sig: $line ($frames frames); no socket or runtime directory left"
done
echo "PASS: a fatal signal is reported with a backtrace, and nothing is left behind"
