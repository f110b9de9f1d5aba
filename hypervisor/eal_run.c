/* SPDX-License-Identifier: BSD-3-Clause */
/* eal_run.c - EAL start-up that leaves nothing behind (eal_run.h). */
#include <dirent.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal_run.h"

/* The one file an --in-memory process has in its runtime directory. */
#define TELEMETRY_SOCK "dpdk_telemetry.v2"

static char eal_rundir[PATH_MAX];
static char eal_prefix[NAME_MAX + 1];	/* set: a primary's files go too */
static char telemetry_sock[PATH_MAX];	/* for nfv_eal_rundir_remove_fatal() */

/* Remove the files in @dir whose names are @lead followed by digits and
 * '_' (every file for @lead NULL); returns how many.  The tail check keeps
 * "amap_0" from matching another prefix's "amap_xmap_0". */
static unsigned int
remove_files(const char *dir, const char *lead)
{
	size_t len = lead ? strlen(lead) : 0;
	unsigned int n = 0;
	struct dirent *e;
	char path[PATH_MAX];
	DIR *dh = opendir(dir);

	if (!dh)
		return 0;
	while ((e = readdir(dh)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (lead && (strncmp(e->d_name, lead, len) != 0 || e->d_name[len] == '\0' ||
			     strspn(e->d_name + len, "0123456789_") != strlen(e->d_name + len)))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (unlink(path) == 0)
			n++;
	}
	closedir(dh);
	return n;
}

/* A primary's hugepage files: "<prefix>map_N" (or "<prefix>map_N_M"
 * with --single-file-segments) in every hugetlbfs mount. */
static void
remove_hugepage_files(void)
{
	char lead[NAME_MAX + 8];
	struct mntent *m;
	FILE *f;

	snprintf(lead, sizeof(lead), "%smap_", eal_prefix);
	f = setmntent("/proc/mounts", "r");
	if (!f)
		return;
	while ((m = getmntent(f)) != NULL)
		if (strcmp(m->mnt_type, "hugetlbfs") == 0)
			remove_files(m->mnt_dir, lead);
	endmntent(f);
}

/* EAL leaves its runtime dir behind, and telemetry removes its socket in
 * there from an atexit handler: registered before EAL's, this one runs
 * after it and removes the then empty directory (a primary's, emptied
 * here with its hugepage files). */
static void
remove_eal_rundir(void)
{
	if (eal_prefix[0]) {
		remove_hugepage_files();
		if (eal_rundir[0])
			remove_files(eal_rundir, NULL);
	}
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
	if (n >= 0) {
		snprintf(eal_rundir, sizeof(eal_rundir), "%s", rte_eal_get_runtime_dir());
		if ((size_t)snprintf(telemetry_sock, sizeof(telemetry_sock), "%s/%s", eal_rundir,
				     TELEMETRY_SOCK) >= sizeof(telemetry_sock))
			telemetry_sock[0] = '\0';
	}
	return n;
}

void
nfv_eal_rundir_remove_fatal(void)
{
	if (telemetry_sock[0])
		unlink(telemetry_sock);
	if (eal_rundir[0])
		rmdir(eal_rundir);
}

int
nfv_eal_init_shared(int argc, char **argv)
{
	const char *base;
	int n;

	atexit(remove_eal_rundir);
	n = rte_eal_init(argc, argv);
	if (n < 0 || rte_eal_process_type() != RTE_PROC_PRIMARY)
		return n;
	/* The runtime directory is /var/run/dpdk/<file prefix>. */
	snprintf(eal_rundir, sizeof(eal_rundir), "%s", rte_eal_get_runtime_dir());
	base = strrchr(eal_rundir, '/');
	base = base ? base + 1 : eal_rundir;
	if (strlen(base) < sizeof(eal_prefix))
		memcpy(eal_prefix, base, strlen(base) + 1);
	return n;
}
