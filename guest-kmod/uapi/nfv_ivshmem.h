/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * nfv_ivshmem.h - user API of the nfv_ivshmem guest driver.
 *
 * Shared by the kernel module (guest-kmod/nfv_ivshmem.c) and NetLib.  It
 * builds in the kernel and in userspace with only <linux/ioctl.h> and
 * <linux/types.h>.
 *
 * Every QEMU ivshmem device (PCI 1af4:1110, ivshmem-doorbell or
 * ivshmem-plain) the driver binds gets a character device
 * /dev/nfv_ivshmemN.  On an open file of it:
 *
 * mmap(2)
 *	Maps the shared memory (BAR2), cacheable.  Only MAP_SHARED; the file
 *	offset is an offset into BAR2 and must be page aligned; offset plus
 *	length must not pass region_size.  EINVAL otherwise.
 *
 * read(2)
 *	Reads one __u64: the bitmask of the vectors (bit N = vector N) that
 *	fired at least once since this file last read them, among the vectors
 *	this file listens to (see NFV_IVSHMEM_IOC_SET_MASK).  The count must be
 *	at least 8; the return value is 8.  Blocks until some vector fires,
 *	unless the file is O_NONBLOCK (then EAGAIN).  Every open file has its
 *	own view: reading in one file consumes nothing in another, so NetLib
 *	may wait on NFV_VEC_DATA in one file and on NFV_VEC_CTL in another, or
 *	on both in one file and tell them apart by the bitmask.
 *	Errors: EINVAL (count < 8), EAGAIN, EINTR, EFAULT, ENXIO (the device
 *	has no doorbell: ivshmem-plain), ENODEV (the device was removed).
 *
 * poll(2), select(2), epoll(7)
 *	POLLIN when read() would not block; POLLERR on a device without
 *	doorbell; POLLHUP | POLLERR once the device was removed.
 *
 * ioctl(2): the requests below.  Every request fails with ENODEV once the
 * device was removed, with ENOTTY if unknown, with EFAULT on a bad pointer.
 */
#ifndef _UAPI_NFV_IVSHMEM_H
#define _UAPI_NFV_IVSHMEM_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** Bumped on any incompatible change of this file. */
#define NFV_IVSHMEM_ABI_VERSION 1

/** Most vectors a device reports: the width of the read() bitmask. */
#define NFV_IVSHMEM_MAX_VECTORS 64

/** Highest peer id and vector the doorbell register can address. */
#define NFV_IVSHMEM_MAX_PEER 0xffff
#define NFV_IVSHMEM_MAX_VECTOR 0xff

/** nfv_ivshmem_info.flags: the device has MSI-X doorbells (ivshmem-doorbell). */
#define NFV_IVSHMEM_INFO_DOORBELL 0x1

/**
 * struct nfv_ivshmem_info - what NFV_IVSHMEM_IOC_INFO reports.
 * @abi_version: NFV_IVSHMEM_ABI_VERSION of the running driver.
 * @peer_id: IVPosition register: this guest's ivshmem peer id (0..0xffff);
 *	meaningful only with NFV_IVSHMEM_INFO_DOORBELL.
 * @region_size: size of the shared memory (BAR2) in bytes, a power of two.
 * @nr_vectors: doorbell vectors this driver listens to (0 without doorbell);
 *	read() bits 0..nr_vectors-1 are valid.
 * @flags: NFV_IVSHMEM_INFO_* bits.
 */
struct nfv_ivshmem_info {
	__u32 abi_version;
	__u32 peer_id;
	__u64 region_size;
	__u32 nr_vectors;
	__u32 flags;
};

/**
 * struct nfv_ivshmem_ring - a doorbell for NFV_IVSHMEM_IOC_RING.
 * @peer: destination peer id, 0..NFV_IVSHMEM_MAX_PEER (0 is nfvisord).
 * @vector: destination vector, 0..NFV_IVSHMEM_MAX_VECTOR.
 */
struct nfv_ivshmem_ring {
	__u32 peer;
	__u32 vector;
};

#define NFV_IVSHMEM_IOC_MAGIC 0xB9

/* Fill a struct nfv_ivshmem_info. */
#define NFV_IVSHMEM_IOC_INFO \
	_IOR(NFV_IVSHMEM_IOC_MAGIC, 0x00, struct nfv_ivshmem_info)
/*
 * Write (peer << 16) | vector to the doorbell register.  EINVAL if peer or
 * vector is out of range, ENXIO if the device has no doorbell.
 */
#define NFV_IVSHMEM_IOC_RING \
	_IOW(NFV_IVSHMEM_IOC_MAGIC, 0x01, struct nfv_ivshmem_ring)
/*
 * Choose the vectors this open file listens to (bit N = vector N; a new file
 * listens to all).  A vector counts for a file only while it is in the mask:
 * adding one does not report what fired before.  EINVAL if a bit names a
 * vector >= nr_vectors.
 */
#define NFV_IVSHMEM_IOC_SET_MASK \
	_IOW(NFV_IVSHMEM_IOC_MAGIC, 0x02, __u64)

#endif /* _UAPI_NFV_IVSHMEM_H */
