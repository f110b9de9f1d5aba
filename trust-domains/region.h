/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * region.h - a trust domain's shared region: layout and hugepage backing.
 *
 * The layout (struct nfv_layout) is computed once and kept in host-private
 * memory; the copy written into the region header is for NFs only and is
 * never read back by the daemon.
 */
#ifndef NFV_REGION_PRIV_H
#define NFV_REGION_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "nfv_region.h"

/** What a domain's region is asked to hold. */
struct nfv_region_params {
	uint64_t region_size;	/**< bytes, power of two, multiple of page_size */
	uint32_t page_size;	/**< huge page size (2 MiB by default) */
	uint32_t nslots;	/**< NF slots, 1..NFV_MAX_SLOTS */
	uint32_t ring_entries;	/**< RX/TX ring entries, power of two */
	uint32_t ctl_entries;	/**< CTL ring entries, power of two */
	uint32_t buf_stride;	/**< bytes per packet buffer, multiple of 64 */
	uint32_t buf_headroom;	/**< default packet start in a buffer */
};

#define NFV_MAX_SLOTS 64u
#define NFV_MAX_RING_ENTRIES 16384u

/** Host-private copy of the layout: the only one the daemon trusts. */
struct nfv_layout {
	struct nfv_region_params p;
	uint64_t slot_off;
	uint32_t slot_size;
	uint64_t ring_off;
	uint32_t ring_stride;
	uint64_t buf_off;
	uint32_t nbufs;
};

/** A mapped region. */
struct nfv_region {
	struct nfv_layout layout;	/**< private, authoritative */
	int fd;				/**< hugetlbfs memfd, handed to peers */
	uint8_t *base;			/**< daemon's mapping */
	int numa_node;			/**< node the pages were bound to, or -1 */
};

/**
 * Compute the layout of a region.
 * @return 0, or -EINVAL with *why set to a one-line reason when the
 *         parameters are impossible (size not a power of two, too small
 *         for the rings, ring sizes not powers of two, ...).
 */
int nfv_layout_compute(const struct nfv_region_params *p, struct nfv_layout *l,
		       const char **why);

/**
 * The smallest region size (a power of two, at least the page size) whose
 * layout @p's other parameters allow, or 0 if none does (bad parameters).
 * For messages that name the fix of a region too small.
 */
uint64_t nfv_layout_min_region(const struct nfv_region_params *p);

/** Offset of ring @kind of @slot. */
static inline uint64_t
nfv_layout_ring_off(const struct nfv_layout *l, uint32_t slot, enum nfv_ring_kind kind)
{
	return l->ring_off + ((uint64_t)slot * NFV_RINGS_PER_SLOT + kind) * l->ring_stride;
}

/** Offset of buffer @buf (buf < nbufs). */
static inline uint64_t
nfv_layout_buf_off(const struct nfv_layout *l, uint32_t buf)
{
	return l->buf_off + (uint64_t)buf * l->p.buf_stride;
}

/**
 * Create and map a region backed by a hugetlbfs memfd (no file is left in
 * any filesystem, even if the daemon is killed), bind its pages to
 * @numa_node (-1: no binding), and write its header and slot table.
 * @return 0 or -errno; on failure *why is a one-line reason with the fix.
 */
int nfv_region_create(struct nfv_region *r, const struct nfv_region_params *p,
		      uint32_t domain_id, const char *domain_name, int numa_node,
		      const char **why);

/** Unmap and close.  Safe on a zeroed or half-created region. */
void nfv_region_destroy(struct nfv_region *r);

/** Write the header of a region from its layout (used by create and tests). */
void nfv_region_write_header(uint8_t *base, const struct nfv_layout *l,
			     uint32_t domain_id, const char *domain_name);

/** The shared slot entry of @slot (bounds checked by the caller). */
static inline struct nfv_slot *
nfv_region_slot(const struct nfv_region *r, uint32_t slot)
{
	return (struct nfv_slot *)(r->base + r->layout.slot_off +
				   (uint64_t)slot * r->layout.slot_size);
}

#endif /* NFV_REGION_PRIV_H */
