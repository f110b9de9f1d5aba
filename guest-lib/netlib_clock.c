/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_clock.c - the clock of the run loop.
 *
 * netlib_run() reads the time after every burst and on every idle poll
 * past its spin (turns, idle spells): millions of reads a second where NFs
 * share a CPU.  clock_gettime() through the vDSO costs about 24 ns on the
 * machines we measure, a TSC read about 10.  Where the kernel keeps time
 * with the TSC itself (its clocksource is "tsc": it found the counter
 * invariant and in step across CPUs) and the CPU says the TSC is
 * invariant, the loop reads the TSC, scaled by a rate measured against
 * CLOCK_MONOTONIC when the first run loop starts.  Anywhere else (another
 * clocksource, as in a guest whose TSC the kernel distrusts, or another
 * architecture) it keeps clock_gettime().
 *
 * Readings of this clock are compared only with each other: they share no
 * epoch with CLOCK_MONOTONIC.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "netlib_priv.h"

#define CLOCKSOURCE "/sys/devices/system/clocksource/clocksource0/current_clocksource"
/* Calibration: this long between the two samples (the rate's error is
 * about a sample's uncertainty, ~50 ns, over this: 5e-6). */
#define CALIBRATE_NS 10000000L
/* Plausible TSC rates, ticks per microsecond. */
#define TSC_MIN_PER_US 100.0
#define TSC_MAX_PER_US 10000.0

uint64_t netlib_tsc_mult;

static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

NETLIB_INTERNAL int
netlib_clock_tsc_usable(void)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;
	char src[32] = "";
	FILE *f;

	/* CPUID 0x80000007 EDX bit 8: invariant TSC. */
	if (!__get_cpuid(0x80000007, &a, &b, &c, &d) || !(d & (1u << 8)))
		return 0;
	f = fopen(CLOCKSOURCE, "re");
	if (!f)
		return 0;
	if (!fgets(src, sizeof(src), f))
		src[0] = '\0';
	fclose(f);
	return strcmp(src, "tsc\n") == 0;
#else
	return 0;
#endif
}

NETLIB_INTERNAL void
netlib_clock_pair(uint64_t (*read)(void), uint64_t *val, int64_t *ns)
{
	int64_t best = INT64_MAX;
	int i;

	for (i = 0; i < NETLIB_CLOCK_PAIR_TRIES; i++) {
		int64_t before = mono_ns();
		uint64_t v = read();
		int64_t after = mono_ns();

		if (after - before < best) {
			best = after - before;
			*val = v;
			*ns = before + (after - before) / 2;
		}
	}
}

#if defined(__x86_64__)
static uint64_t
read_tsc(void)
{
	return __builtin_ia32_rdtsc();
}
#endif

NETLIB_INTERNAL uint64_t
netlib_clock_calibrate(void)
{
#if defined(__x86_64__)
	struct timespec nap = { 0, CALIBRATE_NS };
	uint64_t t0 = 0, t1 = 0;
	int64_t n0 = 0, n1 = 0;
	double per_us;

	netlib_clock_pair(read_tsc, &t0, &n0);
	nanosleep(&nap, NULL);
	netlib_clock_pair(read_tsc, &t1, &n1);
	if (n1 <= n0 || t1 <= t0)
		return 0;
	per_us = (double)(t1 - t0) * 1000.0 / (double)(n1 - n0);
	if (per_us < TSC_MIN_PER_US || per_us > TSC_MAX_PER_US)
		return 0;
	/* us = ticks * mult >> 32 */
	return (uint64_t)(4294967296.0 / per_us + 0.5);
#else
	return 0;
#endif
}

static void
clock_setup(void)
{
	uint64_t mult = netlib_clock_tsc_usable() ? netlib_clock_calibrate() : 0;

	__atomic_store_n(&netlib_tsc_mult, mult, __ATOMIC_RELAXED);
}

void
netlib_clock_init(void)
{
	pthread_once(&clock_once, clock_setup);
}
