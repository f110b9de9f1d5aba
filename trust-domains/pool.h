/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pool.h - a domain's packet buffer pool on its shared region.
 *
 * A DPDK mbuf pool with pinned external buffers: the packet data of every
 * mbuf is a buffer of the region's buffer area (so a port's RX lands
 * directly in memory the domain's NFs can see), while the mbuf headers and
 * the mempool's free list stay in host-private DPDK memory where no guest
 * can reach them.  Buffer index <-> mbuf is O(1) both ways.
 *
 * Each mbuf keeps its buffer for life, and is marked as a direct mbuf once
 * built (see nfv_pool_create()), so that DPDK frees it on its fast path.
 */
#ifndef NFV_POOL_H
#define NFV_POOL_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "region.h"

struct nfv_pool {
	struct rte_mempool *mp;		/**< mbufs with pinned external data */
	struct rte_mbuf **mbuf;		/**< buffer index -> mbuf */
	uint8_t *buf_base;		/**< daemon address of buffer 0 */
	uint32_t nbufs;
	uint32_t stride;
	uint32_t stride_shift;		/**< log2(stride): the region checks that
					 *   stride divides its (power of two)
					 *   page size, so stride is one too */
	uint64_t area_len;		/**< bytes registered with DPDK */
	int registered;			/**< rte_extmem_register done */
};

/**
 * Build the pool of @r's buffer area on NUMA @socket.
 * @return 0 or -errno with *why set to a one-line reason.
 */
int nfv_pool_create(struct nfv_pool *p, const struct nfv_region *r,
		    const char *name, int socket, const char **why);

/** Free the mempool and unregister the memory.  Every mbuf must be back. */
void nfv_pool_destroy(struct nfv_pool *p);

/** Buffer index of @m (an mbuf of this pool). */
static inline uint32_t
nfv_pool_index(const struct nfv_pool *p, const struct rte_mbuf *m)
{
	return (uint32_t)(((const uint8_t *)m->buf_addr - p->buf_base) >> p->stride_shift);
}

/**
 * Buffer index of @m, an mbuf a port handed over, or UINT32_MAX if it is
 * not the mbuf of a buffer of the region: an mbuf of another pool (even
 * one attached to a buffer of ours), one of ours attached to another
 * buffer (DPDK's attach, the only way it points an mbuf elsewhere, makes
 * it indirect or external; ours are direct and keep their buffers for
 * life), or one whose buffer address was moved (the detach of an
 * indirect mbuf puts it back next to the header, outside the region; an
 * address inside a buffer names none).  Every field read is in the mbuf's
 * first cache line, which the caller reads anyway: comparing @m with the
 * buffer's entry of the mbuf table instead cost chain 1 2 % of its rate.
 */
static inline uint32_t
nfv_pool_index_checked(const struct nfv_pool *p, const struct rte_mbuf *m)
{
	uint64_t off = (uint64_t)((uintptr_t)m->buf_addr - (uintptr_t)p->buf_base);
	/* One branch for all four: this runs for every packet received. */
	uint64_t bad = (uint64_t)(off >= ((uint64_t)p->nbufs << p->stride_shift)) |
		       (uint64_t)(m->pool != p->mp) | (off & (p->stride - 1)) |
		       (m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL));

	return likely(!bad) ? (uint32_t)(off >> p->stride_shift) : UINT32_MAX;
}

/** mbuf of buffer @buf (buf < nbufs, checked by the caller). */
static inline struct rte_mbuf *
nfv_pool_mbuf(const struct nfv_pool *p, uint32_t buf)
{
	return p->mbuf[buf];
}

/** Buffers currently out of the mempool (held, lent or in port queues). */
static inline unsigned int
nfv_pool_in_use(const struct nfv_pool *p)
{
	return rte_mempool_in_use_count(p->mp);
}

#endif /* NFV_POOL_H */
