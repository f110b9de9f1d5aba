/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"
#include "region.h"

_Static_assert(NFV_MAX_SLOTS < NFV_OWNER_HOST,
	       "a slot index must stay below the owner table's HOST and FREE marks");

int
nfv_owner_init(struct nfv_owner_table *t, uint32_t nbufs, uint32_t nslots)
{
	uint32_t i;

	memset(t, 0, sizeof(*t));
	if (nbufs == 0 || nslots == 0 || nslots >= NFV_OWNER_HOST)
		return -EINVAL;
	t->owner = malloc(sizeof(*t->owner) * nbufs);
	t->lent = calloc(nslots, sizeof(*t->lent));
	if (!t->owner || !t->lent) {
		nfv_owner_fini(t);
		return -ENOMEM;
	}
	for (i = 0; i < nbufs; i++)
		t->owner[i] = NFV_OWNER_FREE;
	t->nbufs = nbufs;
	t->nslots = nslots;
	return 0;
}

void
nfv_owner_fini(struct nfv_owner_table *t)
{
	free(t->owner);
	free(t->lent);
	memset(t, 0, sizeof(*t));
}

uint32_t
nfv_owner_reclaim(struct nfv_owner_table *t, uint16_t slot,
		  void (*cb)(uint32_t buf, void *arg), void *arg)
{
	uint32_t i, n = 0;

	if (slot >= t->nslots || t->lent[slot] == 0)
		return 0;
	for (i = 0; i < t->nbufs && t->lent[slot] > 0; i++) {
		if (t->owner[i] != slot)
			continue;
		t->owner[i] = NFV_OWNER_HOST;
		t->lent[slot]--;
		t->held++;
		n++;
		cb(i, arg);
	}
	return n;
}

int
nfv_owner_audit(const struct nfv_owner_table *t, struct nfv_owner_census *c)
{
	uint32_t i, s, lent = 0;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < t->nbufs; i++) {
		if (t->owner[i] == NFV_OWNER_FREE)
			c->free++;
		else if (t->owner[i] == NFV_OWNER_HOST)
			c->held++;
		else if (t->owner[i] < t->nslots)
			c->lent++;
		else
			return -EFAULT;
	}
	for (s = 0; s < t->nslots; s++)
		lent += t->lent[s];
	return (lent == c->lent && t->held == c->held) ? 0 : -EFAULT;
}
