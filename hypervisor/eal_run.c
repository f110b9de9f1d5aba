/* SPDX-License-Identifier: BSD-3-Clause */
/* eal_run.c - EAL start-up that leaves nothing behind (eal_run.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal_run.h"

static char eal_rundir[PATH_MAX];

/* EAL leaves its runtime dir behind, and telemetry removes its socket in
 * there from an atexit handler: registered before EAL's, this one runs
 * after it and removes the then empty directory. */
static void
remove_eal_rundir(void)
{
	if (eal_rundir[0])
		rmdir(eal_rundir);
}

char **
nfv_eal_argv(int argc, char **argv, int *eal_argc)
{
	char **out = calloc((size_t)argc + 2, sizeof(*out));
	int i, n = 0, keep = 0;

	if (!out)
		return NULL;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--in-memory") == 0)
			keep = 1;
	out[n++] = argv[0];
	if (!keep)
		out[n++] = (char *)"--in-memory";
	for (i = 1; i < argc; i++)
		out[n++] = argv[i];
	*eal_argc = n;
	return out;
}

int
nfv_eal_init(int argc, char **argv)
{
	int n;

	atexit(remove_eal_rundir);
	n = rte_eal_init(argc, argv);
	if (n >= 0)
		snprintf(eal_rundir, sizeof(eal_rundir), "%s", rte_eal_get_runtime_dir());
	return n;
}
