/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal_run.h - how nfvisor's single-process DPDK programs (nfvisord, the
 * bench's generator) start EAL so that they leave nothing behind: always
 * --in-memory (no hugepage file survives the process, even SIGKILL), and
 * the runtime directory that --file-prefix names removed at exit.
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

#endif /* NFV_EAL_RUN_H */
