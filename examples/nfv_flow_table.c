/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_flow_table.c - bounded flow table: array of entries, chained hash,
 * least-recently-used list.  Links are entry indices; NIL ends a list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "nfv_flow_table.h"

#define NIL UINT32_MAX

/* One entry's links and time; its key is in keys[] at the same index. */
struct ft_entry {
	uint64_t last_used;	/* time of the last insert or touch */
	uint32_t hnext;		/* next in hash chain, or in the free list */
	uint32_t newer;		/* LRU neighbour used more recently */
	uint32_t older;		/* LRU neighbour used less recently */
	uint32_t bucket;	/* hash bucket, NIL while free */
};

struct nfv_flow_table {
	uint64_t seed;			/* hash seed */
	uint32_t count;			/* entries in use */
	uint32_t mask;			/* buckets - 1 (a power of two) */
	uint32_t free_head;		/* free entries, through hnext */
	uint32_t newest;		/* LRU list head */
	uint32_t oldest;		/* LRU list tail */
	uint32_t *bucket;		/* first entry of each chain */
	struct ft_entry *e;		/* entries */
	struct nfv_5tuple *keys;	/* their keys */
};

struct nfv_flow_table *
nfv_ft_create(uint32_t capacity, uint64_t seed)
{
	struct nfv_flow_table *ft;
	uint32_t nb = 1, i;

	if (capacity == 0 || capacity > NFV_FT_MAX_CAPACITY) {
		errno = EINVAL;
		return NULL;
	}
	/* At least two buckets per entry: chains stay short when full. */
	while (nb < 2 * capacity)
		nb <<= 1;
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->bucket = malloc(sizeof(*ft->bucket) * nb);
	ft->e = malloc(sizeof(*ft->e) * capacity);
	ft->keys = malloc(sizeof(*ft->keys) * capacity);
	if (!ft->bucket || !ft->e || !ft->keys) {
		nfv_ft_destroy(ft);
		errno = ENOMEM;
		return NULL;
	}
	ft->seed = seed;
	ft->mask = nb - 1;
	for (i = 0; i < nb; i++)
		ft->bucket[i] = NIL;
	for (i = 0; i < capacity; i++) {
		ft->e[i].hnext = i + 1 < capacity ? i + 1 : NIL;
		ft->e[i].bucket = NIL;
	}
	ft->free_head = 0;
	ft->newest = ft->oldest = NIL;
	return ft;
}

void
nfv_ft_destroy(struct nfv_flow_table *ft)
{
	if (!ft)
		return;
	free(ft->bucket);
	free(ft->e);
	free(ft->keys);
	free(ft);
}

static uint32_t
bucket_of(const struct nfv_flow_table *ft, const struct nfv_5tuple *key)
{
	return (uint32_t)nfv_5tuple_hash(key, ft->seed) & ft->mask;
}

int32_t
nfv_ft_lookup(const struct nfv_flow_table *ft, const struct nfv_5tuple *key)
{
	uint32_t i;

	for (i = ft->bucket[bucket_of(ft, key)]; i != NIL; i = ft->e[i].hnext)
		if (memcmp(&ft->keys[i], key, sizeof(*key)) == 0)
			return (int32_t)i;
	return -ENOENT;
}

static void
lru_unlink(struct nfv_flow_table *ft, uint32_t i)
{
	struct ft_entry *e = &ft->e[i];

	if (e->newer != NIL)
		ft->e[e->newer].older = e->older;
	else
		ft->newest = e->older;
	if (e->older != NIL)
		ft->e[e->older].newer = e->newer;
	else
		ft->oldest = e->newer;
}

static void
lru_push_newest(struct nfv_flow_table *ft, uint32_t i)
{
	struct ft_entry *e = &ft->e[i];

	e->newer = NIL;
	e->older = ft->newest;
	if (ft->newest != NIL)
		ft->e[ft->newest].newer = i;
	else
		ft->oldest = i;
	ft->newest = i;
}

int32_t
nfv_ft_insert(struct nfv_flow_table *ft, const struct nfv_5tuple *key,
	      uint64_t now)
{
	uint32_t b, i;

	if (nfv_ft_lookup(ft, key) >= 0)
		return -EEXIST;
	if (ft->free_head == NIL)
		return -ENOSPC;
	i = ft->free_head;
	ft->free_head = ft->e[i].hnext;
	b = bucket_of(ft, key);
	ft->keys[i] = *key;
	ft->e[i].bucket = b;
	ft->e[i].hnext = ft->bucket[b];
	ft->bucket[b] = i;
	ft->e[i].last_used = now;
	lru_push_newest(ft, i);
	ft->count++;
	return (int32_t)i;
}

void
nfv_ft_touch(struct nfv_flow_table *ft, int32_t idx, uint64_t now)
{
	uint32_t i = (uint32_t)idx;

	ft->e[i].last_used = now;
	if (ft->newest == i)
		return;
	lru_unlink(ft, i);
	lru_push_newest(ft, i);
}

void
nfv_ft_remove(struct nfv_flow_table *ft, int32_t idx)
{
	uint32_t i = (uint32_t)idx, *link;

	for (link = &ft->bucket[ft->e[i].bucket]; *link != i;
	     link = &ft->e[*link].hnext)
		;
	*link = ft->e[i].hnext;
	lru_unlink(ft, i);
	ft->e[i].bucket = NIL;
	ft->e[i].hnext = ft->free_head;
	ft->free_head = i;
	ft->count--;
}

int32_t
nfv_ft_oldest(const struct nfv_flow_table *ft)
{
	return ft->oldest == NIL ? -ENOENT : (int32_t)ft->oldest;
}

uint64_t
nfv_ft_last_used(const struct nfv_flow_table *ft, int32_t idx)
{
	return ft->e[idx].last_used;
}

const struct nfv_5tuple *
nfv_ft_key(const struct nfv_flow_table *ft, int32_t idx)
{
	return &ft->keys[idx];
}

uint32_t
nfv_ft_count(const struct nfv_flow_table *ft)
{
	return ft->count;
}

uint64_t
nfv_ft_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
nfv_ft_random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_REALTIME, &ts);
	return nfv_mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^
			 (uint64_t)getpid() << 40);
}
