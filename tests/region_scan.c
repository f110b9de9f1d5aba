/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * region_scan - what a trust domain's region holds: every test-traffic tag
 * (tools/nfv_pkt.h) found anywhere in a region file, counted per flow.
 * Buffers keep their last packet's bytes after they return to the pool, so
 * the tags left in a region are those of every packet it ever held.
 *
 *   region_scan FILE      e.g. /proc/<nfvisord pid>/fd/<region memfd>
 *
 * Prints one JSON object: {"bytes": SIZE, "tags": N, "flows": {"F": N, ...}}.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nfv_pkt.h"

#define MAX_FLOWS 65536u

int
main(int argc, char **argv)
{
	static uint64_t per_flow[MAX_FLOWS];
	uint64_t tags = 0, other = 0;
	const uint8_t *base, *p, *end;
	struct stat st;
	unsigned int f, nout = 0;
	int fd;

	if (argc != 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc == 2 ? stdout : stderr, "Usage: region_scan FILE\n"
			"Count the test-traffic tags in a region file, per flow (JSON).\n");
		return argc == 2 ? 0 : 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0) {
		fprintf(stderr, "region_scan: %s: %s\n", argv[1], strerror(errno ? errno : EINVAL));
		return 1;
	}
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, "region_scan: cannot map %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	end = base + st.st_size;
	for (p = base; p < end; p++) {
		struct nfv_tag tag;

		p = memmem(p, (size_t)(end - p), NFV_TAG_MAGIC, NFV_TAG_MAGIC_LEN);
		if (!p)
			break;
		if (nfv_tag_find(p, (size_t)(end - p) < NFV_TAG_LEN ? (size_t)(end - p) : NFV_TAG_LEN,
				 &tag) < 0)
			continue;
		tags++;
		if (tag.flow < MAX_FLOWS)
			per_flow[tag.flow]++;
		else
			other++;
	}
	printf("{\"bytes\": %lld, \"tags\": %llu, \"bad_flow\": %llu, \"flows\": {",
	       (long long)st.st_size, (unsigned long long)tags, (unsigned long long)other);
	for (f = 0; f < MAX_FLOWS; f++)
		if (per_flow[f])
			printf("%s\"%u\": %llu", nout++ ? ", " : "", f,
			       (unsigned long long)per_flow[f]);
	printf("}}\n");
	munmap((void *)base, (size_t)st.st_size);
	close(fd);
	return 0;
}
