/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kmod-probe - runs inside a test guest against /dev/nfv_ivshmem0 on an
 * ivshmem-plain device whose memory the host prepared (tests/vm/kmod-boot.sh).
 *
 * Usage: kmod-probe EXPECTED_REGION_SIZE
 *
 * Checks what an NF in a guest relies on: INFO, a cacheable MAP_SHARED
 * mapping of the whole BAR2 that sees the host's bytes, and the errors of
 * everything a plain device cannot do.  Then it leaves a marker for the host
 * to find: "NFVGUEST" at size - 16 followed by the 8 bytes it read at
 * offset 8.  Prints one "ok N - what" / "not ok N - what" line per check,
 * then "kmod-probe: PASS" or "kmod-probe: FAIL"; exits 0 only on PASS.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nfv_region.h"
#include "uapi/nfv_ivshmem.h"

#define DEV_PATH "/dev/nfv_ivshmem0"
#define MARKER "NFVGUEST"

static int checks;
static int failures;

static void check(int ok, const char *what)
{
	checks++;
	if (!ok)
		failures++;
	printf("%sok %d - %s\n", ok ? "" : "not ", checks, what);
}

/* Checks that @ret is -1 with errno @err. */
static void check_errno(long ret, int err, const char *what)
{
	int saved = errno;
	char buf[160];

	snprintf(buf, sizeof(buf), "%s fails with %s (got %ld, %s)", what,
		 strerror(err), ret, ret == -1 ? strerror(saved) : "success");
	check(ret == -1 && saved == err, buf);
}

/* Prints the PAT memory type the guest kernel gave BAR2, when it can tell. */
static void print_memtype(void)
{
	char line[256], want[32];
	unsigned long long start = 0;
	FILE *f;
	int i, found = 0;

	f = fopen("/sys/class/misc/nfv_ivshmem0/device/resource", "r");
	if (!f)
		return;
	for (i = 0; i <= 2 && fgets(line, sizeof(line), f); i++)
		start = strtoull(line, NULL, 16);
	fclose(f);
	printf("bar2_phys=0x%llx\n", start);

	f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	if (!f)
		return;
	snprintf(want, sizeof(want), "%016llx", start);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, want)) {
			printf("memtype: %s", line);
			found = 1;
		}
	fclose(f);
	/* PAT tracks memory types, but holds none for BAR2: a PFN mapping
	 * of it would be uncached. */
	if (!found)
		printf("memtype: none\n");
}

int main(int argc, char **argv)
{
	struct nfv_ivshmem_ring ring;
	struct nfv_ivshmem_info info;
	struct pollfd pfd;
	unsigned long long want_size;
	volatile uint8_t *shm;
	uint64_t magic, nonce, bits, mask;
	char buf[160];
	void *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: kmod-probe EXPECTED_REGION_SIZE\n");
		return 2;
	}
	want_size = strtoull(argv[1], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = open(DEV_PATH, O_RDWR | O_NONBLOCK);
	check(fd >= 0, "open " DEV_PATH);
	if (fd < 0) {
		printf("open: %s\nkmod-probe: FAIL\n", strerror(errno));
		return 1;
	}

	memset(&info, 0xa5, sizeof(info));
	check(ioctl(fd, NFV_IVSHMEM_IOC_INFO, &info) == 0, "IOC_INFO");
	printf("info: abi_version=%u peer_id=%u region_size=%llu nr_vectors=%u flags=0x%x\n",
	       info.abi_version, info.peer_id,
	       (unsigned long long)info.region_size, info.nr_vectors,
	       info.flags);
	check(info.abi_version == NFV_IVSHMEM_ABI_VERSION, "abi_version");
	check(info.region_size == want_size, "region_size is the BAR2 size");
	check(info.nr_vectors == 0 && info.flags == 0,
	      "plain device: no vectors, no doorbell flag");

	p = mmap(NULL, info.region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	check(p != MAP_FAILED, "mmap the whole region MAP_SHARED");
	if (p == MAP_FAILED) {
		printf("mmap: %s\nkmod-probe: FAIL\n", strerror(errno));
		return 1;
	}
	shm = p;
	print_memtype();

	memcpy(&magic, (const void *)shm, sizeof(magic));
	memcpy(&nonce, (const void *)(shm + 8), sizeof(nonce));
	printf("region_size=%llu first8=%016" PRIx64 " nonce=%016" PRIx64 "\n",
	       (unsigned long long)info.region_size, magic, nonce);
	check(magic == NFV_REGION_MAGIC, "sees the host's NFV_REGION_MAGIC at 0");

	memcpy((void *)(shm + info.region_size - 16), MARKER, 8);
	memcpy((void *)(shm + info.region_size - 8), &nonce, 8);
	__sync_synchronize();
	check(memcmp((const void *)(shm + info.region_size - 16), MARKER, 8) == 0,
	      "reads back its own write at the end of the region");

	check_errno((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0),
		    EINVAL, "mmap MAP_PRIVATE");
	check_errno((long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			       info.region_size), EINVAL,
		    "mmap at offset region_size");
	check_errno((long)mmap(NULL, info.region_size + 4096, PROT_READ,
			       MAP_SHARED, fd, 0), EINVAL,
		    "mmap region_size + 4096 bytes");
	check_errno((long)mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd,
			       info.region_size - 4096), EINVAL,
		    "mmap across the end of the region");

	check_errno((long)lseek(fd, 0, SEEK_SET), ESPIPE, "lseek");
	check_errno(read(fd, &bits, sizeof(bits)), ENXIO,
		    "read on a device without doorbell");
	check_errno(read(fd, &bits, 4), EINVAL, "read of 4 bytes");
	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	snprintf(buf, sizeof(buf), "poll reports POLLERR (revents 0x%x)",
		 poll(&pfd, 1, 0) == 1 ? pfd.revents : 0);
	check(pfd.revents & POLLERR, buf);

	ring.peer = 0;
	ring.vector = 0;
	check_errno(ioctl(fd, NFV_IVSHMEM_IOC_RING, &ring), ENXIO,
		    "ring peer 0 vector 0 without doorbell");
	ring.peer = NFV_IVSHMEM_MAX_PEER + 1;
	check_errno(ioctl(fd, NFV_IVSHMEM_IOC_RING, &ring), EINVAL,
		    "ring peer 0x10000");
	ring.peer = 0;
	ring.vector = NFV_IVSHMEM_MAX_VECTOR + 1;
	check_errno(ioctl(fd, NFV_IVSHMEM_IOC_RING, &ring), EINVAL,
		    "ring vector 256");
	mask = 1;
	check_errno(ioctl(fd, NFV_IVSHMEM_IOC_SET_MASK, &mask), EINVAL,
		    "listen to vector 0 of a device without vectors");
	check_errno(ioctl(fd, _IO(NFV_IVSHMEM_IOC_MAGIC, 0x7f)), ENOTTY,
		    "unknown ioctl");

	check(munmap(p, info.region_size) == 0, "munmap");
	check(close(fd) == 0, "close");

	printf("1..%d\nkmod-probe: %s\n", checks, failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
