/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_ring.h - single-producer single-consumer rings in shared memory.
 *
 * The ring's geometry (entry array, size, mask, entry size) and this side's
 * own index live in struct nfv_ring, which each party keeps in its private
 * memory.  Only the two indices and the entries are shared.  A party never
 * reads back the index it writes: its private copy is authoritative, so a
 * peer that scribbles over it cannot make us overwrite unread entries or
 * re-read stale ones.  The peer's index is read at most once per burst and
 * checked: an impossible value (more entries than the ring holds) returns
 * -EPROTO.  A producer that takes its room from nfv_ring_room_cached()
 * reads it only when its last copy shows too little room, so it sees a
 * corrupt consumer index up to a ring's worth of entries later (a consumer
 * that moves its index back loses its own entries; ours stay private).
 *
 * Ordering: the producer copies entries then store-releases prod; the
 * consumer load-acquires prod then copies entries out, then store-releases
 * cons; the producer load-acquires cons before reusing entries.
 *
 * Used unchanged by nfvisord and by NetLib (no DPDK dependency).
 */
#ifndef NFV_RING_H
#define NFV_RING_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nfv_region.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Private view of one shared ring. */
struct nfv_ring {
	struct nfv_ring_shm *shm;	/**< shared indices */
	uint8_t *entries;		/**< shared entry array */
	uint32_t size;			/**< number of entries, power of two */
	uint32_t mask;			/**< size - 1 */
	uint32_t esize;			/**< bytes per entry */
	uint32_t local;			/**< our index (prod or cons), authoritative */
	uint32_t peer;			/**< producer: consumer index last read
					 *   (nfv_ring_enqueue_burst_cached()) */
};

/**
 * Set up a private view of the ring at @shm.
 *
 * @param r      view to fill
 * @param shm    start of the ring in the mapped region
 * @param size   number of entries; must be a power of two
 * @param esize  bytes per entry
 * @param producer  non-zero if this side produces into the ring
 * @return 0, or -EINVAL if size is not a power of two or esize is 0.
 *
 * The local index starts from the ring's current shared index of our side,
 * which the host zeroes before handing the ring out.
 */
static inline int
nfv_ring_init(struct nfv_ring *r, void *shm, uint32_t size, uint32_t esize,
	      int producer)
{
	if (size == 0 || (size & (size - 1)) != 0 || esize == 0)
		return -EINVAL;
	r->shm = (struct nfv_ring_shm *)shm;
	r->entries = (uint8_t *)shm + sizeof(struct nfv_ring_shm);
	r->size = size;
	r->mask = size - 1;
	r->esize = esize;
	r->local = producer ? __atomic_load_n(&r->shm->prod, __ATOMIC_RELAXED)
			    : __atomic_load_n(&r->shm->cons, __ATOMIC_RELAXED);
	r->peer = r->local - size;	/* "full": the first cached enqueue reads */
	return 0;
}

/** Zero both shared indices and our local one (owner of the ring only). */
static inline void
nfv_ring_reset(struct nfv_ring *r)
{
	__atomic_store_n(&r->shm->prod, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->shm->cons, 0, __ATOMIC_RELAXED);
	r->local = 0;
	r->peer = 0 - r->size;
}

/** Bytes needed in shared memory for a ring of @size entries of @esize. */
static inline uint64_t
nfv_ring_bytes(uint32_t size, uint32_t esize)
{
	return sizeof(struct nfv_ring_shm) + (uint64_t)size * esize;
}

/**
 * Producer: number of free entries, read from the consumer's index once.
 * @return free entries (0..size), or -EPROTO if the consumer index claims
 *         more entries consumed than were produced.
 */
static inline int
nfv_ring_free_count(const struct nfv_ring *r)
{
	/* load-acquire pairs with the consumer's store-release of cons, so the
	 * consumer's copies out of the entries are complete before we reuse. */
	uint32_t cons = __atomic_load_n(&r->shm->cons, __ATOMIC_ACQUIRE);
	uint32_t used = r->local - cons;

	if (used > r->size)
		return -EPROTO;
	return (int)(r->size - used);
}

/* Write @n entries (room checked by the caller) and publish them. */
static inline void
nfv_ring_put(struct nfv_ring *r, const void *objs, unsigned int n)
{
	const uint8_t *src = (const uint8_t *)objs;
	uint32_t idx = r->local & r->mask;
	uint32_t first = n < r->size - idx ? n : r->size - idx;

	/* At most two copies a burst: up to the end of the array, then
	 * from its start. */
	memcpy(r->entries + (uint64_t)idx * r->esize, src, (uint64_t)first * r->esize);
	if (n > first)
		memcpy(r->entries, src + (uint64_t)first * r->esize,
		       (uint64_t)(n - first) * r->esize);
	r->local += n;
	/* store-release pairs with the consumer's load-acquire of prod: the
	 * entries written above are visible before the new index. */
	__atomic_store_n(&r->shm->prod, r->local, __ATOMIC_RELEASE);
}

/*
 * nfv_ring_put() for entries of 16 bytes, written with streaming stores
 * where the CPU has them (SSE2): they go to memory without first taking
 * the ring's lines from the consumer's core, where its last reads left
 * them.  A producer that must not wait is spared those transfers (read
 * for ownership, a cross-core miss per line, which fill its store buffer
 * and stall what follows); the consumer reads the entries from memory
 * instead, which it asks for sequentially.  The fence orders the
 * streaming stores, which are weakly ordered, before the release of prod.
 * The entries must be 16-byte aligned, as a region's layout puts them
 * (rings at multiples of 64 bytes, entries 128 bytes past their start).
 */
static inline void
nfv_ring_put16_stream(struct nfv_ring *r, const void *objs, unsigned int n)
{
#if defined(__SSE2__)
	const __m128i *src = (const __m128i *)objs;
	uint32_t idx = r->local, i;

	for (i = 0; i < n; i++)
		_mm_stream_si128((__m128i *)(r->entries + (uint64_t)((idx + i) & r->mask) * 16u),
				 _mm_loadu_si128(src + i));
	_mm_sfence();
	r->local += n;
	__atomic_store_n(&r->shm->prod, r->local, __ATOMIC_RELEASE);
#else
	nfv_ring_put(r, objs, n);
#endif
}

/* How many of @n entries fit in @room free ones: @room if negative (an
 * error), else at most @room. */
static inline int
nfv_ring_fit(int room, unsigned int n)
{
	return room < 0 ? room : (int)(n < (unsigned int)room ? n : (unsigned int)room);
}

/**
 * Producer: copy up to @n entries from @objs into the ring.
 * @return number of entries enqueued (0..n), or -EPROTO (see free_count).
 */
static inline int
nfv_ring_enqueue_burst(struct nfv_ring *r, const void *objs, unsigned int n)
{
	int k = nfv_ring_fit(nfv_ring_free_count(r), n);

	if (k >= 0)
		nfv_ring_put(r, objs, (unsigned int)k);
	return k;
}

/**
 * nfv_ring_free_count() for a producer that pushes at a high rate: the
 * consumer's index (a cache line the consumer keeps writing) is read, and
 * checked, only when the copy from the previous read shows less room than
 * @want, i.e. about once per ring's worth of entries instead of every
 * burst.  The copy only ever lags the real index, so the room it shows is
 * never more than the real room; a corrupt index is caught at the next
 * read.  For a ring whose consumer never resets it under the producer
 * (the TX ring to the host, an RX ring from it).
 *
 * @return free entries, or -EPROTO as nfv_ring_free_count().
 */
static inline int
nfv_ring_room_cached(struct nfv_ring *r, unsigned int want)
{
	uint32_t used = r->local - r->peer;
	int room;

	if (used <= r->size && r->size - used >= want)
		return (int)(r->size - used);
	room = nfv_ring_free_count(r);
	if (room >= 0)
		r->peer = r->local - (r->size - (uint32_t)room);
	return room;
}

/**
 * nfv_ring_enqueue_burst() with the room from nfv_ring_room_cached().
 * @return entries enqueued, or -EPROTO as nfv_ring_enqueue_burst().
 */
static inline int
nfv_ring_enqueue_burst_cached(struct nfv_ring *r, const void *objs, unsigned int n)
{
	int k = nfv_ring_fit(nfv_ring_room_cached(r, n), n);

	if (k >= 0)
		nfv_ring_put(r, objs, (unsigned int)k);
	return k;
}

/**
 * nfv_ring_enqueue_burst_cached() of 16-byte entries (@r's esize) with
 * streaming stores: nfv_ring_put16_stream().  For a producer that bounds
 * the pipeline and whose consumer has time to spare (nfvisord's worker
 * filling an NF's RX ring).
 */
static inline int
nfv_ring_enqueue_burst_stream(struct nfv_ring *r, const void *objs, unsigned int n)
{
	int k = nfv_ring_fit(nfv_ring_room_cached(r, n), n);

	if (k >= 0)
		nfv_ring_put16_stream(r, objs, (unsigned int)k);
	return k;
}

/**
 * Consumer: number of entries ready, read from the producer's index once.
 * @return ready entries (0..size), or -EPROTO if the producer index is more
 *         than size ahead of ours (or behind it).
 */
static inline int
nfv_ring_count(const struct nfv_ring *r)
{
	/* load-acquire pairs with the producer's store-release of prod. */
	uint32_t prod = __atomic_load_n(&r->shm->prod, __ATOMIC_ACQUIRE);
	uint32_t avail = prod - r->local;

	if (avail > r->size)
		return -EPROTO;
	return (int)avail;
}

/**
 * Consumer: copy up to @n entries out of the ring into private @objs.
 * @return number of entries dequeued (0..n), or -EPROTO (see count).
 */
static inline int
nfv_ring_dequeue_burst(struct nfv_ring *r, void *objs, unsigned int n)
{
	int avail = nfv_ring_count(r);
	uint8_t *dst = (uint8_t *)objs;
	uint32_t idx = r->local & r->mask, first;

	if (avail < 0)
		return avail;
	if (n > (unsigned int)avail)
		n = (unsigned int)avail;
	first = n < r->size - idx ? n : r->size - idx;
	memcpy(dst, r->entries + (uint64_t)idx * r->esize, (uint64_t)first * r->esize);
	if (n > first)
		memcpy(dst + (uint64_t)first * r->esize, r->entries,
		       (uint64_t)(n - first) * r->esize);
	r->local += n;
	/* store-release pairs with the producer's load-acquire of cons: our
	 * copies are done before the producer may overwrite the entries. */
	__atomic_store_n(&r->shm->cons, r->local, __ATOMIC_RELEASE);
	return (int)n;
}

/*
 * Descriptor rings, entry by entry.  A descriptor is read out of shared
 * memory exactly once, as two 8-byte loads (single, untorn loads the
 * compiler may not repeat), into a private struct that the caller checks
 * and uses: what a peer writes to the entry afterwards cannot change what
 * was checked.  Reading each entry where it is used keeps that copy in
 * registers, instead of a burst copied out with memcpy() and read back
 * field by field (NetLib's RX: chain 1 faster in each of 6 interleaved
 * pairs, by 0.2 to 9 %; chain 4 unchanged in 8 pairs).
 */
typedef uint64_t nfv_ring_word __attribute__((may_alias));

/**
 * Consumer: entry @i (0 <= i < what nfv_ring_count() returned) of a ring of
 * struct nfv_desc, read once.  nfv_ring_consume() then gives the entries
 * back to the producer.
 */
static inline struct nfv_desc
nfv_ring_read_desc(const struct nfv_ring *r, uint32_t i)
{
	const nfv_ring_word *src = (const nfv_ring_word *)(r->entries +
		(uint64_t)((r->local + i) & r->mask) * sizeof(struct nfv_desc));
	uint64_t w[2];
	struct nfv_desc d;

	w[0] = __atomic_load_n(src, __ATOMIC_RELAXED);
	w[1] = __atomic_load_n(src + 1, __ATOMIC_RELAXED);
	memcpy(&d, w, sizeof(d));
	return d;
}

/**
 * Consumer: hand the first @n ready entries back to the producer, once
 * they are read.
 */
static inline void
nfv_ring_consume(struct nfv_ring *r, uint32_t n)
{
	r->local += n;
	/* store-release pairs with the producer's load-acquire of cons: our
	 * reads of the entries are done before the producer may reuse them. */
	__atomic_store_n(&r->shm->cons, r->local, __ATOMIC_RELEASE);
}

/**
 * Consumer: drop every entry ready now, unread.
 * @return number of entries skipped (0..size), or -EPROTO (see count).
 */
static inline int
nfv_ring_discard(struct nfv_ring *r)
{
	int avail = nfv_ring_count(r);

	if (avail <= 0)
		return avail;
	r->local += (uint32_t)avail;
	__atomic_store_n(&r->shm->cons, r->local, __ATOMIC_RELEASE);
	return avail;
}

#ifdef __cplusplus
}
#endif

#endif /* NFV_RING_H */
