#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# run-fuzz.sh - run the libFuzzer harnesses of tests/fuzz (built by make
# with $(FUZZ_CC) -fsanitize=fuzzer,address,undefined, see fuzz.mk).
#
#   tests/fuzz/run-fuzz.sh           make check: each harness FUZZ_CHECK_TIME
#                                    seconds (default 8) from its seed corpus,
#                                    in a scratch corpus removed afterwards
#   tests/fuzz/run-fuzz.sh --long    make fuzz: each harness FUZZ_TIME seconds
#                                    (default 300), FUZZ_JOBS at a time; what
#                                    it finds stays in tests/fuzz/corpus/<h>
#                                    of the build directory
#
# FUZZ_ONLY="ring desc" runs a subset.  Seeds come from
# $top_srcdir/tests/fuzz/corpus/<harness>/ (read only).  A crash, leak or
# sanitizer report fails the run and leaves the input in
# tests/fuzz/artifacts/ of the build directory; replay it with
# `tests/fuzz/fuzz_<harness> ARTIFACT`.
#
# Prints per harness: executions, exec/s, edge coverage (libFuzzer's
# "cov:"), corpus size, and the verdict.
# Exit: 0 every harness ran clean, 1 one found a bug, 77 harnesses not built
# (no clang with libFuzzer at configure time), 99 usage or set-up error.
set -u

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
out=$builddir/tests/fuzz
seeds=$srcdir/tests/fuzz/corpus
all=${FUZZ_HARNESSES:-desc ring ctlmsg attach region ctl_json classify}
selected=${FUZZ_ONLY:-$all}

case ${1:-} in
--long)	long=1; seconds=${FUZZ_TIME:-300}; jobs=${FUZZ_JOBS:-1} ;;
"")	long=0; seconds=${FUZZ_CHECK_TIME:-8}; jobs=1 ;;
*)	echo "usage: run-fuzz.sh [--long]" >&2; exit 99 ;;
esac
for v in "$seconds" "$jobs"; do
	case $v in ''|*[!0-9]*|0) echo "run-fuzz.sh: FUZZ_TIME, FUZZ_CHECK_TIME and FUZZ_JOBS take a positive number, not '$v'" >&2; exit 99 ;; esac
done

for h in $selected; do
	case " $all " in *" $h "*) ;; *) echo "run-fuzz.sh: no harness '$h' (have: $all)" >&2; exit 99 ;; esac
	if [ ! -x "$out/fuzz_$h" ]; then
		echo "SKIP: $out/fuzz_$h is not built: configure found no clang that links -fsanitize=fuzzer (install clang libclang-rt-14-dev, re-run configure)"
		exit 77
	fi
	[ -d "$seeds/$h" ] || { echo "run-fuzz.sh: no seed corpus $seeds/$h" >&2; exit 99; }
done

mkdir -p "$out/artifacts" || exit 99
scratch=""
trap '[ -n "$scratch" ] && rm -rf "$scratch"' EXIT
if [ "$long" = 0 ]; then
	scratch=$(mktemp -d "$out/corpus-check.XXXXXX") || exit 99
fi

# A crash, a leak or any sanitizer report ends the input with exit 1.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS UBSAN_OPTIONS

workdir() {
	if [ "$long" = 1 ]; then echo "$out/corpus/$1"; else echo "$scratch/$1"; fi
}

# Run harness $1 for $seconds; its log is $out/fuzz-$1.log.
run_one() {
	local h=$1 work dict=()
	work=$(workdir "$h")
	mkdir -p "$work" || return 99
	[ -f "$srcdir/tests/fuzz/$h.dict" ] && dict=("-dict=$srcdir/tests/fuzz/$h.dict")
	"$out/fuzz_$h" -max_total_time="$seconds" -error_exitcode=1 -timeout_exitcode=1 \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$h-" "${dict[@]}" \
		"$work" "$seeds/$h" >"$out/fuzz-$h.log" 2>&1
}

# One line per harness from its log; 0 if it ran clean.
report() {
	local h=$1 rc=$2 log=$out/fuzz-$1.log runs rate cov corp files
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2)
	files=$(find "$(workdir "$h")" -type f | wc -l)
	printf '%-9s %10s execs %8s exec/s  cov %5s  corpus %s (%s new files)' \
		"$h" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${corp:-?}" "$files"
	if [ "$rc" = 0 ] && ! grep -qE 'runtime error:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)' "$log"; then
		echo "  ok"
		return 0
	fi
	echo "  FAILED (exit $rc), log: $log"
	grep -E 'invariant broken|ERROR: |runtime error|SUMMARY|Test unit written' "$log" | head -n 8
	return 1
}

echo "fuzzing ${seconds}s each: $selected"
status=0
if [ "$jobs" = 1 ]; then
	for h in $selected; do
		run_one "$h"
		report "$h" $? || status=1
	done
else
	for h in $selected; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
		{ run_one "$h"; echo $? >"$out/fuzz-$h.rc"; } &
	done
	wait
	for h in $selected; do
		report "$h" "$(cat "$out/fuzz-$h.rc" 2>/dev/null || echo 99)" || status=1
		rm -f "$out/fuzz-$h.rc"
	done
fi
exit $status
