/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_run.h - how nfvisor's DPDK programs start EAL so that they leave
 * nothing behind.  Single-process ones (nfvisord, the bench's generator)
 * always run --in-memory (no hugepage file survives the process, even
 * SIGKILL) and remove the runtime directory that --file-prefix names at
 * exit.  A multi-process primary (the bench's floor-ring) needs its
 * hugepage files for its secondaries to attach: it removes them, and its
 * runtime directory with what is in it, at exit instead (not after SIGKILL).
 */
#ifndef NFV_EAL_RUN_H
#define NFV_EAL_RUN_H

/**
 * A copy of @argv (up to "--" for EAL) with "--in-memory" added after
 * argv[0] unless it is there; the strings are @argv's.  free() it.
 * @return the vector (with room for one more entry), its length in
 *         *@eal_argc, or NULL without memory.
 */
char **nfv_eal_argv(int argc, char **argv, int *eal_argc);

/**
 * rte_eal_init(), then the runtime directory is removed at exit (once
 * DPDK's telemetry has removed its socket in it).
 * @return rte_eal_init()'s result.
 */
int nfv_eal_init(int argc, char **argv);

/**
 * rte_eal_init() for a program that may run as a multi-process primary or
 * secondary.  A primary removes at exit (after rte_eal_cleanup(), or
 * without it) the hugepage files of its --file-prefix in every hugetlbfs
 * mount, the files in its runtime directory and the directory.  A secondary
 * leaves both to its primary: its memory stays mapped until it exits.
 * @return rte_eal_init()'s result.
 */
int nfv_eal_init_shared(int argc, char **argv);

/**
 * For a fatal-signal handler: remove the runtime directory of an
 * nfv_eal_init() process now, with async-signal-safe calls only (unlink
 * of the telemetry socket, the one file an --in-memory process has there,
 * then rmdir).  Does nothing before nfv_eal_init() succeeded.
 */
void nfv_eal_rundir_remove_fatal(void);

#endif /* NFV_EAL_RUN_H */
