/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched_place.h - where the kernel schedules an NF process: the one CPU it
 * is pinned to, if any, and the scheduling group it competes in there.
 */
#ifndef NFV_SCHED_PLACE_H
#define NFV_SCHED_PLACE_H

#include <sys/types.h>

/** Longest group name kept, with its NUL ("cgroup " and a path). */
#define NFV_SCHED_GROUP_MAX 96

struct nfv_sched_place {
	int cpu;			/* the only CPU it may run on; -1: several, or unknown */
	char group[NFV_SCHED_GROUP_MAX]; /* "cgroup /path", "autogroup-N" or "root"; "" unknown */
};

/**
 * Read where process @pid's main thread runs: the CPU of an affinity of
 * exactly one CPU, and its scheduling group: its cpu cgroup when that is
 * not the root one, else its autogroup (one per session) when
 * kernel.sched_autogroup_enabled is 1, else "root".  Fields it cannot read
 * (the process is gone, or /proc is not mounted) stay -1 and "".
 */
void nfv_sched_place_of(pid_t pid, struct nfv_sched_place *p);

/**
 * Nonzero when @a and @b are pinned to the same CPU but sit in different
 * scheduling groups, where a sched_yield() of one does not hand the CPU to
 * the other (see sched_place.c).
 */
int nfv_sched_place_apart(const struct nfv_sched_place *a, const struct nfv_sched_place *b);

#endif
