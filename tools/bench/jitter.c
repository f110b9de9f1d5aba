/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jitter.c - nfv-bench-jitter, the machine's own latency floor for
 * nfv-bench(1).
 *
 * A busy loop that reads the clock and does nothing else.  Whenever two
 * reads lie further apart than the loop takes, something else had the
 * CPU: an interrupt, a kernel thread, the hypervisor.  A packet that is at
 * that CPU at that moment waits as long, whatever the code that handles
 * it; so these gaps bound from below the latency tail any path through
 * the CPU can have.  nfv-bench runs one of these on every CPU of the
 * latency path, at once, with nothing else running.
 *
 *	nfv-bench-jitter [--seconds S] [--min-gap-us N]
 *
 * Prints one JSON line: {"cpu", "seconds", "loops", "min_gap_us",
 * "gaps_us": [every gap of at least min_gap_us, in microseconds], and
 * "truncated" if there were more than MAX_GAPS}.  Pin it with taskset.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_args.h"

#define PROG "nfv-bench-jitter"
#define MAX_GAPS 200000u

static uint64_t gaps[MAX_GAPS];

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds S] [--min-gap-us N]\n"
		"Spin for S seconds (default 1) reading the clock, and print as one JSON\n"
		"line every gap of at least N microseconds (default 2) between two reads:\n"
		"the time something else had this CPU.  Pin it with taskset.\n"
		"  -s, --seconds S      how long to spin, 0.1..60\n"
		"  -g, --min-gap-us N   smallest gap reported, 1..1000\n"
		"  -h, --help           this help\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "min-gap-us", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double seconds = 1.0, min_gap_us = 2.0;
	uint64_t t, prev, end, min_gap, loops = 0, n = 0, dropped = 0, i;
	int o;

	while ((o = getopt_long(argc, argv, "s:g:h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (bench_parse_num(optarg, 0.1, 60, &seconds) < 0) {
				fprintf(stderr, PROG ": --seconds %s: give 0.1 to 60\n", optarg);
				return 2;
			}
			break;
		case 'g':
			if (bench_parse_num(optarg, 1, 1000, &min_gap_us) < 0) {
				fprintf(stderr, PROG ": --min-gap-us %s: give 1 to 1000\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	min_gap = (uint64_t)(min_gap_us * 1000);
	prev = bench_now_ns();
	end = prev + (uint64_t)(seconds * 1e9);
	while ((t = bench_now_ns()) < end) {
		if (t - prev >= min_gap) {
			if (n < MAX_GAPS)
				gaps[n++] = t - prev;
			else
				dropped++;
		}
		prev = t;
		loops++;
	}
	printf("{\"cpu\": %d, \"seconds\": %g, \"loops\": %" PRIu64 ", \"min_gap_us\": %g, "
	       "\"truncated\": %" PRIu64 ", \"gaps_us\": [", sched_getcpu(), seconds, loops,
	       min_gap_us, dropped);
	for (i = 0; i < n; i++)
		printf("%s%.1f", i ? ", " : "", (double)gaps[i] / 1000.0);
	printf("]}\n");
	return 0;
}
