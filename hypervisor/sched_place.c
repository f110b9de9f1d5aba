/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sched_place.c - where the kernel schedules an NF process: the one CPU it
 * is pinned to, and its scheduling group.
 *
 * NFs that share a CPU hand it to each other with sched_yield() when they
 * run dry (NetLib's run loop).  The fair scheduler picks among groups
 * first, though: a cpu cgroup, or, for tasks in the root one, an autogroup
 * (one per session, when kernel.sched_autogroup_enabled is 1, as on Debian).
 * A yield reorders its task only within its own group, so between two
 * groups the yielder's group is picked again until its fair share runs
 * out, and NFs pinned to one CPU in two groups take turns of tens of
 * microseconds instead of handing over at each empty poll.  On a 2-vCPU
 * host a chain of 4 nfv-fwd on one CPU carried 20 Mpps started each in a
 * session of its own (setsid), 25 Mpps started from one, and a traffic
 * source sharing an NF's CPU carried half as much, with a p99 at half load
 * of 70-85 us instead of 48-52 (docs/DESIGN.md, "Scheduling groups").  nfvisord reads
 * each process NF's place when it attaches and warns about NFs that share
 * a CPU across groups.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sched_place.h"

/* Deepest cgroup path looked at. */
#define CGROUP_DEPTH_MAX 32

/* The first @len - 1 bytes of file @path, NUL-terminated; -1 if unreadable. */
static ssize_t
read_small(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - (size_t)got);
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Nonzero if the comma- or space-separated @list names @word. */
static int
has_word(const char *list, size_t len, const char *word)
{
	size_t w = strlen(word), i = 0, j;

	while (i < len) {
		for (j = i; j < len && list[j] != ',' && list[j] != ' ' && list[j] != '\n'; j++)
			;
		if (j - i == w && memcmp(list + i, word, w) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

/*
 * cgroup v2: the cpu controller's group of a process in @path, which is
 * the deepest ancestor (or @path itself) whose parent enables cpu for its
 * children; "/" if none does.  Writes it into @out.
 */
static void
v2_cpu_group(const char *path, char *out, size_t len)
{
	char file[512], ctl[256];
	const char *end = path;
	int depth;

	snprintf(out, len, "/");
	for (depth = 0; depth < CGROUP_DEPTH_MAX && *end; depth++) {
		/* The parent of the next component is path[0 .. end). */
		snprintf(file, sizeof(file), "/sys/fs/cgroup%.*s/cgroup.subtree_control",
			 (int)(end - path), path);
		if (read_small(file, ctl, sizeof(ctl)) < 0 || !has_word(ctl, strlen(ctl), "cpu"))
			return;
		end = strchr(end + 1, '/');
		if (!end)
			end = path + strlen(path);
		snprintf(out, len, "%.*s", (int)(end - path), path);
	}
}

/* The process's cpu cgroup path, "/" for the root one; "" if unreadable. */
static void
cpu_cgroup(pid_t pid, char *out, size_t len)
{
	char file[64], buf[4096], v2[1024] = "";
	char *line, *save = NULL;

	out[0] = '\0';
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	if (read_small(file, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl)
			continue;
		path = strchr(++ctl, ':');
		if (!path)
			continue;
		path++;
		if (path - ctl == 1) {		/* "0::/path": cgroup v2 */
			snprintf(v2, sizeof(v2), "%s", path);
		} else if (has_word(ctl, (size_t)(path - 1 - ctl), "cpu")) {
			snprintf(out, len, "%s", path);	/* v1's cpu hierarchy */
			return;
		}
	}
	if (v2[0])
		v2_cpu_group(v2, out, len);
}

void
nfv_sched_place_of(pid_t pid, struct nfv_sched_place *p)
{
	char file[64], buf[128], cg[NFV_SCHED_GROUP_MAX];
	cpu_set_t set;
	int i;

	p->cpu = -1;
	p->group[0] = '\0';
	CPU_ZERO(&set);
	if (sched_getaffinity(pid, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1)
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set)) {
				p->cpu = i;
				break;
			}
	cpu_cgroup(pid, cg, sizeof(cg));
	if (!cg[0])
		return;
	if (strcmp(cg, "/") != 0) {
		snprintf(p->group, sizeof(p->group), "cgroup %.*s", (int)sizeof(p->group) - 8, cg);
		return;
	}
	/* The root cpu group: autogroups apply, if enabled. */
	snprintf(p->group, sizeof(p->group), "root");
	if (read_small("/proc/sys/kernel/sched_autogroup_enabled", buf, sizeof(buf)) <= 0 ||
	    buf[0] != '1')
		return;
	snprintf(file, sizeof(file), "/proc/%d/autogroup", (int)pid);
	/* "/autogroup-123 nice 0" */
	if (read_small(file, buf, sizeof(buf)) > 1 && buf[0] == '/')
		snprintf(p->group, sizeof(p->group), "%.*s", (int)strcspn(buf + 1, " \n"), buf + 1);
}

int
nfv_sched_place_apart(const struct nfv_sched_place *a, const struct nfv_sched_place *b)
{
	return a->cpu >= 0 && a->cpu == b->cpu && a->group[0] && b->group[0] &&
	       strcmp(a->group, b->group) != 0;
}
