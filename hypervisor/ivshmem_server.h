/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ivshmem_server.h - the server side of QEMU's ivshmem-doorbell protocol
 * (QEMU docs/specs/ivshmem-spec.rst), spoken on every domain's attach
 * socket to QEMU and to NetLib processes alike.
 *
 * Every message is a little-endian int64, some with one fd (SCM_RIGHTS).
 * nfvisord is peer 0 and tells each peer only about itself and peer 0
 * (star topology): no peer ever holds another guest's doorbell.
 */
#ifndef NFV_IVSHMEM_SERVER_H
#define NFV_IVSHMEM_SERVER_H

#include <stdint.h>

#define NFV_IVSHMEM_PROTOCOL_VERSION 0

/**
 * Send one protocol message: @value, with @fd attached unless it is -1.
 * @return 0 or -errno (-EPIPE if the peer went away).
 */
int nfv_ivshmem_send(int sock, int64_t value, int fd);

/**
 * Send the whole greeting to a new peer: version, its id, the region fd,
 * then peer 0's doorbells and its own, @nvec each.
 * @return 0 or -errno.
 */
int nfv_ivshmem_greet(int sock, uint16_t peer_id, int shm_fd,
		      const int *host_efd, const int *peer_efd, unsigned int nvec);

#endif /* NFV_IVSHMEM_SERVER_H */
