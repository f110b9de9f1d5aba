/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * domain.h - a trust domain: its region, packet pool and ownership table.
 *
 * Domains share nothing: each has its own hugepage region (the only host
 * memory its NFs and VMs can see), its own pool on that region and its
 * own host-private ownership table.
 */
#ifndef NFV_DOMAIN_H
#define NFV_DOMAIN_H

#include <stdint.h>

#include "owner.h"
#include "pool.h"
#include "region.h"

struct nfv_domain {
	uint32_t id;
	char name[NFV_DOMAIN_NAME_MAX];
	int numa_node;			/**< node of its memory, -1 if unknown */
	struct nfv_region region;
	struct nfv_pool pool;
	struct nfv_owner_table owner;
};

/**
 * Create domain @name on NUMA node @numa_node (-1: wherever).
 * @return 0 or -errno with *why a one-line reason naming the fix.
 */
int nfv_domain_create(struct nfv_domain *d, uint32_t id, const char *name,
		      const struct nfv_region_params *params, int numa_node,
		      const char **why);

/** Tear down; all buffers must be back in the pool. */
void nfv_domain_destroy(struct nfv_domain *d);

/** Check a domain name: 1..31 of [A-Za-z0-9_-].  @return 0 or -EINVAL. */
int nfv_domain_name_check(const char *name);

/** Daemon address of buffer @buf's first byte. */
static inline uint8_t *
nfv_domain_buf(const struct nfv_domain *d, uint32_t buf)
{
	return d->region.base + nfv_layout_buf_off(&d->region.layout, buf);
}

#endif /* NFV_DOMAIN_H */
