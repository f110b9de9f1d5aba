/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_args.h - number arguments of nfv-bench's helper programs
 * (nfv-bench-floor, nfv-bench-gen, nfv-bench-jitter, nfv-bench-switch),
 * and the clock the DPDK-less ones read.
 */
#ifndef NFV_BENCH_ARGS_H
#define NFV_BENCH_ARGS_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/**
 * Parse @s as a number in [@lo, @hi] into *@out.
 * @return 0, or -1 if @s is not all a number or is out of range.
 */
static inline int
bench_parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

/** CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif /* NFV_BENCH_ARGS_H */
