/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"

int
nfv_domain_name_check(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= NFV_DOMAIN_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
			return -EINVAL;
	return 0;
}

int
nfv_domain_create(struct nfv_domain *d, uint32_t id, const char *name,
		  const struct nfv_region_params *params, int numa_node,
		  const char **why)
{
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	int ret;

	memset(d, 0, sizeof(*d));
	d->region.fd = -1;
	if (nfv_domain_name_check(name) < 0) {
		*why = "domain names are 1..31 characters of letters, digits, '_' and '-'";
		return -EINVAL;
	}
	d->id = id;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->numa_node = numa_node;
	ret = nfv_region_create(&d->region, params, id, name, numa_node, why);
	if (ret < 0)
		return ret;
	snprintf(pool_name, sizeof(pool_name), "nfv_pool_%u", id);
	ret = nfv_pool_create(&d->pool, &d->region, pool_name,
			      numa_node < 0 ? SOCKET_ID_ANY : numa_node, why);
	if (ret < 0)
		goto fail;
	ret = nfv_owner_init(&d->owner, d->region.layout.nbufs, params->nslots);
	if (ret < 0) {
		*why = "out of memory for the ownership table";
		goto fail;
	}
	return 0;
fail:
	nfv_domain_destroy(d);
	return ret;
}

void
nfv_domain_destroy(struct nfv_domain *d)
{
	nfv_owner_fini(&d->owner);
	nfv_pool_destroy(&d->pool);
	nfv_region_destroy(&d->region);
}
