/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * owner.h - host-private buffer ownership table.
 *
 * Every buffer of a domain is in exactly one state: free (in the pool or
 * handed to a port for transmit), held by the host, or lent to one NF slot.
 * The table lives in daemon-private memory, is indexed by buffer index and
 * answers "may slot S return buffer B?" in O(1).  Only the worker thread
 * that owns the domain's data path changes it.
 */
#ifndef NFV_OWNER_H
#define NFV_OWNER_H

#include <stdint.h>

#include "drops.h"
#include "nfv_region.h"

/* One byte a buffer: a slot index (below NFV_MAX_SLOTS, region.h) or one
 * of these.  Half the two-byte table's cache lines, for a table every
 * packet touches at random: chain 1 about 2 % faster. */
#define NFV_OWNER_FREE 0xffu
#define NFV_OWNER_HOST 0xfeu

struct nfv_owner_table {
	uint32_t nbufs;		/**< buffers in the domain */
	uint32_t nslots;	/**< slots in the domain */
	uint8_t *owner;		/**< per buffer: FREE, HOST or a slot index */
	uint32_t *lent;		/**< per slot: buffers lent right now */
	uint32_t held;		/**< buffers held by the host */
};

/** Allocate a table of @nbufs free buffers.  @return 0 or -ENOMEM/-EINVAL. */
int nfv_owner_init(struct nfv_owner_table *t, uint32_t nbufs, uint32_t nslots);
/** Free the table's memory. */
void nfv_owner_fini(struct nfv_owner_table *t);

/** Free -> held: the host got @buf from the pool (port RX, alloc). */
static inline void
nfv_owner_take(struct nfv_owner_table *t, uint32_t buf)
{
	t->owner[buf] = NFV_OWNER_HOST;
	t->held++;
}

/** Held -> free: the host freed @buf or gave it to a port. */
static inline void
nfv_owner_release(struct nfv_owner_table *t, uint32_t buf)
{
	t->owner[buf] = NFV_OWNER_FREE;
	t->held--;
}

/**
 * Free -> held: the buffers @bufs[0..@n) the host got from a port, but
 * those that are UINT32_MAX (not taken).  nfv_owner_take() of each, with
 * the counter moved once (see nfv_owner_lend_descs()).
 */
static inline void
nfv_owner_take_bufs(struct nfv_owner_table *t, const uint32_t *bufs, unsigned int n)
{
	unsigned int i, k = 0;

	for (i = 0; i < n; i++)
		if (bufs[i] != UINT32_MAX) {
			t->owner[bufs[i]] = NFV_OWNER_HOST;
			k++;
		}
	t->held += k;
}

/** Held -> lent to @slot. */
static inline void
nfv_owner_lend(struct nfv_owner_table *t, uint32_t buf, uint16_t slot)
{
	t->owner[buf] = slot;
	t->lent[slot]++;
	t->held--;
}

/**
 * Held -> lent to @slot: the buffers of @n descriptors the host staged for
 * its RX ring.  nfv_owner_lend() of each, with the counters moved once a
 * burst: a count updated in memory for every packet is a chain of
 * store-to-load forwards, and was most of the time it took to hand an NF
 * a burst.
 */
static inline void
nfv_owner_lend_descs(struct nfv_owner_table *t, const struct nfv_desc *d, unsigned int n,
		     uint16_t slot)
{
	uint8_t *owner = t->owner;
	unsigned int i;

	for (i = 0; i < n; i++)
		owner[d[i].buf] = slot;
	t->lent[slot] += n;
	t->held -= n;
}

/**
 * Who has @buf (a value read from shared memory): a slot, NFV_OWNER_HOST,
 * or NFV_OWNER_FREE (also for a @buf out of range).
 */
static inline uint16_t
nfv_owner_of(const struct nfv_owner_table *t, uint32_t buf)
{
	return buf < t->nbufs ? t->owner[buf] : NFV_OWNER_FREE;
}

/**
 * Lent -> free, for a buffer nfv_owner_of() found lent to a slot, whose
 * return the caller checked: it leaves through a port at once.  The
 * slot's counter moves for a burst of them with nfv_owner_passed().
 */
static inline void
nfv_owner_pass(struct nfv_owner_table *t, uint32_t buf)
{
	t->owner[buf] = NFV_OWNER_FREE;
}

/** @n buffers lent to @slot went by nfv_owner_pass(). */
static inline void
nfv_owner_passed(struct nfv_owner_table *t, uint16_t slot, uint32_t n)
{
	t->lent[slot] -= n;
}

/**
 * Check that @slot may return @buf (a value read from shared memory) and,
 * if so, move it from lent to held.
 * @return NFV_REJECT_NONE on success, else the reason the descriptor is
 *         rejected (the table is unchanged).
 */
static inline enum nfv_desc_reject
nfv_owner_return(struct nfv_owner_table *t, uint32_t buf, uint16_t slot)
{
	uint16_t o;

	if (buf >= t->nbufs)
		return NFV_REJECT_BUF_RANGE;
	o = t->owner[buf];
	if (o != slot) {
		if (o == NFV_OWNER_FREE)
			return NFV_REJECT_NEVER_LENT;
		if (o == NFV_OWNER_HOST)
			return NFV_REJECT_NOT_LENT;
		return NFV_REJECT_OTHER_SLOT;
	}
	t->owner[buf] = NFV_OWNER_HOST;
	t->lent[slot]--;
	t->held++;
	return NFV_REJECT_NONE;
}

/**
 * Take back every buffer lent to @slot: each moves to held and @cb is
 * called with it (the caller frees it).  O(nbufs); used when an NF dies.
 * @return number of buffers reclaimed.
 */
uint32_t nfv_owner_reclaim(struct nfv_owner_table *t, uint16_t slot,
			   void (*cb)(uint32_t buf, void *arg), void *arg);

/** Counts of a full scan of the table, for audits. */
struct nfv_owner_census {
	uint32_t free;
	uint32_t held;
	uint32_t lent;
};

/**
 * Recount every state by scanning the table and check it against the
 * running counters.  @return 0 if they agree, -EFAULT otherwise.
 */
int nfv_owner_audit(const struct nfv_owner_table *t, struct nfv_owner_census *c);

#endif /* NFV_OWNER_H */
