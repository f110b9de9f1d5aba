/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * switch.c - nfv-bench-switch, what handing a CPU from one process to
 * another costs on this machine, for nfv-bench(1).
 *
 * NFs that share a CPU hand it to each other with sched_yield() whenever
 * one runs dry, so every turn of a chain costs a context switch; what one
 * costs depends much on the host (page-table isolation, the hypervisor).
 * This measures, on the one CPU it is pinned to:
 *  - a bare sched_yield() with nothing else to run there (the syscall);
 *  - two processes (this one and a child, one session, so one scheduling
 *    group) that do nothing but yield to each other: the time per switch,
 *    counted from both processes' involuntary context switches.
 *
 *	nfv-bench-switch [--seconds S]
 *
 * Prints one JSON line: {"cpu", "seconds", "yield_us", "switch_us",
 * "switches"}; switch_us is null if the two never switched (another
 * scheduling class or group in the way).  Pin it with taskset -c CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_args.h"

#define PROG "nfv-bench-switch"

/* Yield until @end; the number of yields. */
static uint64_t
yield_until(uint64_t end)
{
	uint64_t n = 0;

	while (bench_now_ns() < end) {
		sched_yield();
		n++;
	}
	return n;
}

/* This process's involuntary context switches so far (a yield that hands
 * the CPU over counts as one: the task stays runnable). */
static uint64_t
nivcsw(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_nivcsw : 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--seconds S]\n"
		"On the one CPU it is pinned to (taskset -c CPU), time a bare sched_yield()\n"
		"for S/2 seconds, then two processes yielding to each other for S/2 seconds,\n"
		"and print as one JSON line the microseconds a yield and a context switch\n"
		"between them take.\n"
		"  -s, --seconds S   how long in all, 0.1..60 (default 1)\n"
		"  -h, --help        this help\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double seconds = 1.0, yield_us;
	uint64_t t0, end, yields, child_sw = 0, sw0, sw;
	int fds[2], o, status;
	cpu_set_t set;
	pid_t pid;

	while ((o = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (bench_parse_num(optarg, 0.1, 60, &seconds) < 0) {
				fprintf(stderr, PROG ": --seconds %s: give 0.1 to 60\n", optarg);
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
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) != 1) {
		fprintf(stderr, PROG ": runs on more than one CPU: pin it to one with taskset -c CPU\n");
		return 2;
	}

	/* Alone: each yield finds nothing else to run. */
	t0 = bench_now_ns();
	yields = yield_until(t0 + (uint64_t)(seconds * 0.5e9));
	yield_us = (double)(bench_now_ns() - t0) / 1e3 / (double)(yields ? yields : 1);

	/* Two: the child yields until the same end and reports its switches. */
	if (pipe(fds) < 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return 1;
	}
	t0 = bench_now_ns();
	end = t0 + (uint64_t)(seconds * 0.5e9);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		uint64_t c0 = nivcsw();

		close(fds[0]);
		yield_until(end);
		c0 = nivcsw() - c0;
		_exit(write(fds[1], &c0, sizeof(c0)) == sizeof(c0) ? 0 : 1);
	}
	close(fds[1]);
	sw0 = nivcsw();
	yield_until(end);
	sw = nivcsw() - sw0;
	if (read(fds[0], &child_sw, sizeof(child_sw)) != sizeof(child_sw))
		child_sw = 0;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sw += child_sw;
	printf("{\"cpu\": %d, \"seconds\": %g, \"yield_us\": %.3f, ", sched_getcpu(), seconds,
	       yield_us);
	if (sw)
		printf("\"switch_us\": %.3f, ", (double)(end - t0) / 1e3 / (double)sw);
	else
		printf("\"switch_us\": null, ");
	printf("\"switches\": %" PRIu64 "}\n", sw);
	return 0;
}
