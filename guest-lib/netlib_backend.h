/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_backend.h - how NetLib reaches nfvisord (internal, not installed).
 *
 * A backend is the transport between an NF and the host: it maps the shared
 * region and carries the doorbells.  NetLib's core sees nothing else, so
 * every NF code path is the same whatever the backend.
 *
 *  process  (netlib_process.c) the domain's unix socket speaking QEMU's
 *           ivshmem-server protocol: region fd + doorbell eventfds.
 *  vm       (netlib_vm.c) a guest char device /dev/nfv_ivshmemN
 *           (guest-kmod uapi): mmap of BAR2 for the region, one open file
 *           per vector (NFV_IVSHMEM_IOC_SET_MASK) polled and read for own
 *           doorbells, ioctls for the peer id and for ringing the host.
 *           QEMU holds the socket, so there is no host_fd(): the core
 *           watches the region instead (netlib_host_check()).
 *
 * netlib_attach() chooses the backend from the path's file type.
 * A backend embeds struct netlib_backend as its first member.
 */
#ifndef NETLIB_BACKEND_H
#define NETLIB_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/** Marks NetLib internals: not exported from libnetlib.so. */
#define NETLIB_INTERNAL __attribute__((visibility("hidden")))

struct netlib_backend;

/** Operations of one backend; every one is mandatory. */
struct netlib_backend_ops {
	/**
	 * Map the shared region read-write.  Called once, before any other
	 * operation.
	 * @return 0 with *base and *len set, or -errno.
	 */
	int (*map)(struct netlib_backend *be, void **base, uint64_t *len);

	/** @return own ivshmem peer id, >= 1. */
	uint32_t (*peer_id)(const struct netlib_backend *be);

	/**
	 * Ring the host's doorbell @vector (enum nfv_vector).
	 * @return 0, or -errno (-EPIPE once the host is gone).
	 */
	int (*notify)(struct netlib_backend *be, unsigned int vector);

	/**
	 * @return a descriptor that polls readable (POLLIN) while own
	 *         doorbell @vector has rung and not been acknowledged.
	 *         Several vectors may share one descriptor.
	 */
	int (*doorbell_fd)(const struct netlib_backend *be, unsigned int vector);

	/** Acknowledge own doorbell @vector without blocking. */
	void (*doorbell_ack)(struct netlib_backend *be, unsigned int vector);

	/**
	 * @return a descriptor that polls readable when the host's state
	 *         changes (host_event() tells how), or -1 if there is none.
	 */
	int (*host_fd)(const struct netlib_backend *be);

	/**
	 * Handle host_fd() polling readable or hung up.
	 * @return 0 if the host is still there, -EPIPE if it is gone (and
	 *         from then on), or another -errno.
	 */
	int (*host_event)(struct netlib_backend *be);

	/** Unmap the region, close every descriptor and free @be. */
	void (*close)(struct netlib_backend *be);
};

/** Head of every backend. */
struct netlib_backend {
	const struct netlib_backend_ops *ops;
};

/**
 * Connect to a domain's attach socket and complete the ivshmem setup.
 *
 * @param path        unix socket path
 * @param timeout_ms  limit for connecting and receiving the setup
 * @return a backend, or NULL with errno set and netlib_last_error() filled.
 */
NETLIB_INTERNAL struct netlib_backend *
netlib_process_open(const char *path, int timeout_ms);

/**
 * Open a guest's nfv_ivshmem character device: check that it is an
 * ivshmem-doorbell device served by nfvisord (a peer id, enough vectors)
 * and lock it for this NF (one NF per device and guest).
 *
 * @param path  the device, e.g. /dev/nfv_ivshmem0
 * @return a backend, or NULL with errno set and netlib_last_error() filled.
 */
NETLIB_INTERNAL struct netlib_backend *
netlib_vm_open(const char *path);

/**
 * Find the nfv_ivshmem device of lowest number N in @dir (files named
 * nfv_ivshmem<N>) whose memory starts with the region magic.
 *
 * @param dir   where to look, NETLIB_VM_DEV_DIR outside the unit tests
 * @param path  receives <dir>/nfv_ivshmem<N>
 * @param size  bytes at @path
 * @return 0, or -ENOENT (no such device), -ENODEV (none holds an nfvisor
 *         region), -ENAMETOOLONG, or the -errno of opendir(); the error
 *         is in netlib_last_error().
 */
NETLIB_INTERNAL int
netlib_vm_find(const char *dir, char *path, size_t size);

#endif /* NETLIB_BACKEND_H */
