/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_vm.c - VM backend: attach through the guest driver's device.
 *
 * Inside a guest, QEMU is the ivshmem peer that talked to nfvisord: it
 * received the region fd and the doorbell eventfds, and shows them to the
 * guest as an ivshmem-doorbell PCI device.  guest-kmod/nfv_ivshmem.ko turns
 * that device into /dev/nfv_ivshmemN (uapi/nfv_ivshmem.h):
 *
 *	region		mmap() of BAR2, cacheable
 *	own doorbells	MSI-X vectors: poll() and read() an open file
 *	host doorbells	NFV_IVSHMEM_IOC_RING {peer 0, vector}
 *	peer id		NFV_IVSHMEM_IOC_INFO (the IVPosition register)
 *
 * Every open file of the device has its own view of the vectors, so the
 * backend opens it once per vector and listens to that vector alone
 * (NFV_IVSHMEM_IOC_SET_MASK): the run loop waits for DATA and control
 * replies wait for CTL without consuming each other's doorbells.  The first
 * open file also maps the region, rings the host and holds an exclusive
 * flock(): the VM keeps its slot from NF to NF, so two NFs of one VM must
 * never share it.
 *
 * There is no socket to watch (QEMU holds it): the core learns that
 * nfvisord left from the region itself (netlib_host_check()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-kmod/uapi/nfv_ivshmem.h"
#include "netlib_priv.h"

_Static_assert(NFV_VECTORS <= NFV_IVSHMEM_MAX_VECTORS,
	       "nfv_ivshmem cannot carry every NetLib vector");

/* Longest device path kept for messages; longer ones are cut. */
#define VM_PATH_MAX 128
/* Retries of a doorbell ioctl interrupted by signals. */
#define VM_EINTR_RETRIES 8

struct vm_backend {
	struct netlib_backend be;	/* must be first */
	char path[VM_PATH_MAX];		/* device, for messages */
	int fd[NFV_VECTORS];		/* fd[v] listens to own vector v only;
					 * fd[0] also maps, rings and locks */
	struct nfv_ivshmem_info info;	/* what the driver reported */
	int gone;			/* the device was removed */
	void *base;			/* region mapping */
	uint64_t len;			/* mapping length */
};

static struct vm_backend *
vm_of(const struct netlib_backend *be)
{
	return (struct vm_backend *)be;
}

static int
vm_map(struct netlib_backend *be, void **base, uint64_t *len)
{
	struct vm_backend *vm = vm_of(be);
	void *m;

	m = mmap(NULL, (size_t)vm->info.region_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED, vm->fd[0], 0);
	if (m == MAP_FAILED) {
		int ret = -errno;

		netlib_set_error("cannot map the %" PRIu64 "-byte region of %s: %s",
				 (uint64_t)vm->info.region_size, vm->path, strerror(errno));
		return ret;
	}
	vm->base = m;
	vm->len = vm->info.region_size;
	*base = m;
	*len = vm->len;
	return 0;
}

static uint32_t
vm_peer_id(const struct netlib_backend *be)
{
	return vm_of(be)->info.peer_id;
}

static int
vm_notify(struct netlib_backend *be, unsigned int vector)
{
	struct vm_backend *vm = vm_of(be);
	struct nfv_ivshmem_ring ring = { .peer = NFV_HOST_PEER_ID, .vector = vector };
	int i;

	if (vm->gone)
		return -EPIPE;
	for (i = 0; i < VM_EINTR_RETRIES; i++) {
		if (ioctl(vm->fd[0], NFV_IVSHMEM_IOC_RING, &ring) == 0)
			return 0;
		if (errno == ENODEV) {
			vm->gone = 1;
			return -EPIPE;
		}
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

static int
vm_doorbell_fd(const struct netlib_backend *be, unsigned int vector)
{
	return vm_of(be)->fd[vector];
}

static void
vm_doorbell_ack(struct netlib_backend *be, unsigned int vector)
{
	uint64_t fired;
	ssize_t r;

	/* Our own non-blocking file: read() consumes what fired (EAGAIN if
	 * nothing did). */
	r = read(vm_of(be)->fd[vector], &fired, sizeof(fired));
	(void)r;
}

static int
vm_host_fd(const struct netlib_backend *be)
{
	return -1;
}

static int
vm_host_event(struct netlib_backend *be)
{
	/* Never called: there is no host_fd(). */
	return vm_of(be)->gone ? -EPIPE : 0;
}

static void
vm_close(struct netlib_backend *be)
{
	struct vm_backend *vm = vm_of(be);
	unsigned int v;

	if (vm->base)
		munmap(vm->base, (size_t)vm->len);
	/* Closing fd[0] drops the flock. */
	for (v = 0; v < NFV_VECTORS; v++)
		if (vm->fd[v] >= 0)
			close(vm->fd[v]);
	free(vm);
}

static const struct netlib_backend_ops vm_ops = {
	.map = vm_map,
	.peer_id = vm_peer_id,
	.notify = vm_notify,
	.doorbell_fd = vm_doorbell_fd,
	.doorbell_ack = vm_doorbell_ack,
	.host_fd = vm_host_fd,
	.host_event = vm_host_event,
	.close = vm_close,
};

static int
vm_open_dev(struct vm_backend *vm, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	int ret = -errno;

	if (fd >= 0)
		return fd;
	if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
		netlib_set_error("no device %s (is nfv_ivshmem.ko loaded, and does the VM have an ivshmem-doorbell device on nfvisord's socket?)",
				 vm->path);
	else if (ret == -EACCES || ret == -EPERM)
		netlib_set_error("cannot open %s: %s (run the NF as root or give it access to the device)",
				 vm->path, strerror(-ret));
	else
		netlib_set_error("cannot open %s: %s", vm->path, strerror(-ret));
	return ret;
}

/* Ask the driver what the device is and check that nfvisord serves it. */
static int
vm_check_info(struct vm_backend *vm)
{
	struct nfv_ivshmem_info *in = &vm->info;

	if (ioctl(vm->fd[0], NFV_IVSHMEM_IOC_INFO, in) < 0) {
		int err = errno;

		if (err == ENODEV) {
			netlib_set_error("%s: the device was removed", vm->path);
			return -ENODEV;
		}
		netlib_set_error("%s is not an nfv_ivshmem device (%s)", vm->path,
				 strerror(err));
		return err == ENOTTY || err == EINVAL ? -ENODEV : -err;
	}
	if (in->abi_version != NFV_IVSHMEM_ABI_VERSION) {
		netlib_set_error("%s: nfv_ivshmem.ko speaks ABI version %u, NetLib %u (load the module built with this NetLib)",
				 vm->path, in->abi_version, NFV_IVSHMEM_ABI_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (!(in->flags & NFV_IVSHMEM_INFO_DOORBELL) || in->peer_id == 0) {
		netlib_set_error("%s has %s (peer id %u): NFs need an ivshmem-doorbell device whose chardev is nfvisord's domain socket, not ivshmem-plain",
				 vm->path,
				 in->flags & NFV_IVSHMEM_INFO_DOORBELL ? "no ivshmem server" :
									  "no doorbell",
				 in->peer_id);
		return -ENODEV;
	}
	if (in->nr_vectors < NFV_VECTORS) {
		netlib_set_error("%s has %u doorbell vectors, NetLib needs %u (give the ivshmem-doorbell device vectors=%u)",
				 vm->path, in->nr_vectors, NFV_VECTORS, NFV_VECTORS);
		return -ENODEV;
	}
	if (in->region_size == 0 || in->region_size > SIZE_MAX) {
		netlib_set_error("%s: shared memory of %" PRIu64 " bytes cannot be mapped",
				 vm->path, (uint64_t)in->region_size);
		return -EMSGSIZE;
	}
	return 0;
}

/* Make each open file listen to one vector: fd[0] (open already) to the
 * first, one more open file for each other vector. */
static int
vm_open_doorbells(struct vm_backend *vm, const char *path)
{
	unsigned int v;

	for (v = 0; v < NFV_VECTORS; v++) {
		uint64_t mask = 1ull << v;

		if (v > 0) {
			int fd = vm_open_dev(vm, path);

			if (fd < 0)
				return fd;
			vm->fd[v] = fd;
		}
		if (ioctl(vm->fd[v], NFV_IVSHMEM_IOC_SET_MASK, &mask) < 0) {
			int ret = -errno;

			netlib_set_error("%s: cannot listen to doorbell %u: %s",
					 vm->path, v, strerror(errno));
			return ret;
		}
	}
	return 0;
}

struct netlib_backend *
netlib_vm_open(const char *path)
{
	struct vm_backend *vm = calloc(1, sizeof(*vm));
	unsigned int v;
	int ret;

	if (!vm) {
		netlib_set_error("out of memory");
		errno = ENOMEM;
		return NULL;
	}
	vm->be.ops = &vm_ops;
	for (v = 0; v < NFV_VECTORS; v++)
		vm->fd[v] = -1;
	snprintf(vm->path, sizeof(vm->path), "%s", path);

	ret = vm_open_dev(vm, path);
	if (ret >= 0) {
		vm->fd[0] = ret;
		ret = vm_check_info(vm);
	}
	if (ret == 0 && flock(vm->fd[0], LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		netlib_set_error("%s: %s (one NF per device: another NF of this VM is attached through it)",
				 vm->path, strerror(-ret));
	}
	if (ret == 0)
		ret = vm_open_doorbells(vm, path);
	if (ret < 0) {
		vm_close(&vm->be);
		errno = -ret;
		return NULL;
	}
	return &vm->be;
}

/* Does the memory behind @path start with the region magic? */
static int
vm_has_magic(const char *path)
{
	/* Read-write: the driver maps only shared mappings, and the kernel
	 * makes a shared mapping of a read-only file a private one. */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	uint64_t magic = 0;
	struct stat st;
	void *m;

	if (fd < 0)
		return 0;
	/* A device reports no size; a regular file (unit tests) must hold
	 * the magic, or reading the mapping faults. */
	if (fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && st.st_size < (off_t)sizeof(magic))) {
		close(fd);
		return 0;
	}
	m = mmap(NULL, sizeof(magic), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	magic = __atomic_load_n((const uint64_t *)m, __ATOMIC_RELAXED);
	munmap(m, sizeof(magic));
	return magic == NFV_REGION_MAGIC;
}

/* @name is NETLIB_VM_DEV_NAME followed by a decimal number: return it. */
static long
vm_dev_number(const char *name)
{
	size_t plen = strlen(NETLIB_VM_DEV_NAME);
	const char *num = name + plen;
	char *end;
	long n;

	/* Digits only, no leading zero: the name must be the one rebuilt
	 * from the number. */
	if (strncmp(name, NETLIB_VM_DEV_NAME, plen) != 0 || *num < '0' || *num > '9' ||
	    (num[0] == '0' && num[1] != '\0'))
		return -1;
	errno = 0;
	n = strtol(num, &end, 10);
	if (errno || *end)
		return -1;
	return n;
}

int
netlib_vm_find(const char *dir, char *path, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int ndev = 0;
	long best = -1;
	int ret;

	if (!d) {
		ret = -errno;
		netlib_set_error("cannot list %s: %s", dir, strerror(errno));
		return ret;
	}
	while ((e = readdir(d)) != NULL) {
		char cand[PATH_MAX];
		long n = vm_dev_number(e->d_name);

		if (n < 0)
			continue;
		ndev++;
		if (best >= 0 && n >= best)
			continue;
		if ((size_t)snprintf(cand, sizeof(cand), "%s/%s", dir, e->d_name) >=
		    sizeof(cand))
			continue;
		if (vm_has_magic(cand))
			best = n;
	}
	closedir(d);
	if (best < 0 && ndev == 0) {
		netlib_set_error("no %s/%s<N> device (is nfv_ivshmem.ko loaded, and does the VM have an ivshmem-doorbell device on nfvisord's socket?)",
				 dir, NETLIB_VM_DEV_NAME);
		return -ENOENT;
	}
	if (best < 0) {
		netlib_set_error("none of the %u %s/%s<N> devices holds an nfvisor region (nfvisord may have left)",
				 ndev, dir, NETLIB_VM_DEV_NAME);
		return -ENODEV;
	}
	if ((size_t)snprintf(path, size, "%s/%s%ld", dir, NETLIB_VM_DEV_NAME, best) >= size) {
		netlib_set_error("%s/%s%ld is longer than %zu bytes", dir,
				 NETLIB_VM_DEV_NAME, best, size - 1);
		return -ENAMETOOLONG;
	}
	return 0;
}
