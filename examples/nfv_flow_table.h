/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_flow_table.h - a bounded table of flows (5-tuples) with idle
 * timeouts, shared by nfv-firewall (connection tracking) and nfv-nat
 * (mappings).
 *
 * Entries live in an array of fixed capacity, so an entry's index is
 * stable for its lifetime and callers keep per-entry data in arrays of
 * their own, indexed the same way.  A chained hash (seeded, so that
 * senders cannot aim many flows at one chain without knowing the seed)
 * finds entries by key, and a list in order of last use gives the least
 * recently used entry in O(1): since all entries share one idle timeout,
 * the expired ones are exactly a tail of that list.  The owner expires
 * them before each lookup:
 *
 *	while ((i = nfv_ft_oldest(ft)) >= 0 &&
 *	       now - nfv_ft_last_used(ft, i) >= timeout) {
 *		(release what the owner keeps for entry i)
 *		nfv_ft_remove(ft, i);
 *	}
 *
 * Every operation is O(1) (expected, for lookups); expiry is O(1) per
 * expired entry.  Not thread-safe: one packet thread owns a table.
 */
#ifndef NFV_FLOW_TABLE_H
#define NFV_FLOW_TABLE_H

#include <stdint.h>

#include "nfv_rewrite_lib.h"

/** Largest capacity nfv_ft_create() accepts. */
#define NFV_FT_MAX_CAPACITY (1u << 24)

/** A flow table (opaque). */
struct nfv_flow_table;

/**
 * Create an empty table.
 *
 * @param capacity  most entries, 1..NFV_FT_MAX_CAPACITY
 * @param seed      hash seed; give a random one to keep chains short
 *                  whatever flows senders choose
 * @return the table, or NULL with errno EINVAL (capacity out of range) or
 *         ENOMEM.
 */
struct nfv_flow_table *nfv_ft_create(uint32_t capacity, uint64_t seed);

/** Free @ft (NULL: no-op). */
void nfv_ft_destroy(struct nfv_flow_table *ft);

/**
 * Find the entry of @key.  Does not refresh it (see nfv_ft_touch()).
 *
 * @return its index, or -ENOENT.
 */
int32_t nfv_ft_lookup(const struct nfv_flow_table *ft,
		      const struct nfv_5tuple *key);

/**
 * Add an entry for @key, used at @now (it becomes the most recently used).
 *
 * @return its index (0..capacity-1), or -EEXIST (@key has an entry) or
 *         -ENOSPC (table full; remove one first, e.g. nfv_ft_oldest()).
 */
int32_t nfv_ft_insert(struct nfv_flow_table *ft, const struct nfv_5tuple *key,
		      uint64_t now);

/** Mark entry @idx used at @now: it becomes the most recently used. */
void nfv_ft_touch(struct nfv_flow_table *ft, int32_t idx, uint64_t now);

/** Remove entry @idx; its index may be reused by the next insert. */
void nfv_ft_remove(struct nfv_flow_table *ft, int32_t idx);

/** @return the least recently used entry's index, or -ENOENT if empty. */
int32_t nfv_ft_oldest(const struct nfv_flow_table *ft);

/** @return when entry @idx was last used (the caller's time unit). */
uint64_t nfv_ft_last_used(const struct nfv_flow_table *ft, int32_t idx);

/** @return the key of entry @idx. */
const struct nfv_5tuple *nfv_ft_key(const struct nfv_flow_table *ft,
				    int32_t idx);

/** @return the number of entries. */
uint32_t nfv_ft_count(const struct nfv_flow_table *ft);

/**
 * @return milliseconds of a monotonic clock (coarse: a few ms steps), the
 * time unit the catalogue NFs give their tables.
 */
uint64_t nfv_ft_now_ms(void);

/** @return a random hash seed (from getrandom(), else time and pid). */
uint64_t nfv_ft_random_seed(void);

#endif /* NFV_FLOW_TABLE_H */
