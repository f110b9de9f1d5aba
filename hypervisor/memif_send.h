/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memif_send.h - sendmsg() of DPDK's memif driver to a peer that has gone
 * counts as sent (memif_send.c says why); which code is that driver's,
 * and the C library's entries behind nfvisord's own.
 */
#ifndef NFV_MEMIF_SEND_H
#define NFV_MEMIF_SEND_H

#include <stdint.h>

/** @ret, a return address, lies in DPDK's memif driver (librte_net_memif). */
int nfv_caller_is_memif(const void *ret);

/** The definition of C library function @name after nfvisord's own (the
 * C library's, or a sanitizer's in front of it), looked up once into
 * @slot; NULL if there is none. */
void *nfv_next_libc_fn(void **slot, const char *name);

/** Sends of the memif driver to a closed peer reported as sent so far. */
uint64_t nfv_memif_sends_forgiven(void);

#endif /* NFV_MEMIF_SEND_H */
