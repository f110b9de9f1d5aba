/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service.c - services, their instances and instance selection: rendezvous
 * hashing, least-load placement, and the flow affinity table with ageing.
 * See service.h.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_malloc.h>

#include "daemon.h"
#include "service.h"

/* The table's key: which service, which flow.  No padding bytes. */
struct aff_key {
	uint32_t flow_hash;
	uint16_t service;
	uint16_t zero;
};

/* The flow hash is a CRC already: mix the service in and spread both
 * halves, since rte_hash takes the bucket from the low bits and the
 * signature from the high ones. */
static inline hash_sig_t
aff_sig(uint32_t flow_hash, uint16_t service)
{
	uint32_t x = flow_hash ^ ((uint32_t)service * 0x9e3779b1u);

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return x;
}

static uint32_t
aff_hash(const void *key, uint32_t len, uint32_t init)
{
	const struct aff_key *k = key;

	RTE_SET_USED(len);
	RTE_SET_USED(init);
	return aff_sig(k->flow_hash, k->service);
}

static inline struct aff_key
aff_key_of(uint16_t service, uint32_t flow_hash)
{
	struct aff_key k = { .flow_hash = flow_hash, .service = service, .zero = 0 };

	return k;
}

int
nfv_affinity_init(struct nfv_affinity *a, const char *name, uint32_t capacity,
		  int socket, unsigned int timeout_ms)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct aff_key),
		.hash_func = aff_hash,
		.socket_id = socket,
		/* every position usable, whatever the bucket collisions */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	memset(a, 0, sizeof(*a));
	if (capacity < 16 || (capacity & (capacity - 1)) != 0)
		return -EINVAL;
	a->h = rte_hash_create(&hp);
	a->e = rte_zmalloc_socket("nfv_affinity", sizeof(*a->e) * capacity, RTE_CACHE_LINE_SIZE,
				  socket);
	a->hint = rte_zmalloc_socket("nfv_affinity_hint", sizeof(*a->hint) * NFV_AFFINITY_HINTS,
				     RTE_CACHE_LINE_SIZE, socket);
	if (!a->h || !a->e || !a->hint) {
		nfv_affinity_fini(a);
		return -ENOMEM;
	}
	a->capacity = capacity;
	a->timeout = (uint64_t)timeout_ms * rte_get_tsc_hz() / 1000u;
	a->now = rte_get_tsc_cycles();
	return 0;
}

void
nfv_affinity_fini(struct nfv_affinity *a)
{
	rte_hash_free(a->h);
	rte_free(a->e);
	rte_free(a->hint);
	memset(a, 0, sizeof(*a));
}

static inline int
member_valid(const struct nfv_service *s, const struct nfv_affinity_entry *e)
{
	const struct nfv_member *m = &s->m[e->member];

	return m->nf != NULL && m->serial == e->serial;
}

static void
entry_remove(struct nfv_affinity *a, struct nfv_service *s, uint32_t pos)
{
	struct nfv_affinity_entry *e = &a->e[pos];
	struct aff_key key = aff_key_of(e->service, e->flow_hash);

	rte_hash_del_key_with_hash(a->h, &key, aff_sig(e->flow_hash, e->service));
	if (member_valid(s, e))
		s->m[e->member].flows--;
	s->flows--;
	a->used--;
	memset(e, 0, sizeof(*e));
}

uint32_t
nfv_affinity_sweep(struct nfv_affinity *a, struct nfv_service *svc, uint64_t now)
{
	uint32_t k, removed = 0;

	a->now = now;
	/* Nothing can age, and no hash service holds an entry: no walk. */
	if (a->used == 0 || (a->timeout == 0 && a->unpin == 0))
		return 0;
	for (k = 0; k < NFV_AFFINITY_SWEEP; k++) {
		uint32_t pos = a->cursor;
		const struct nfv_affinity_entry *e = &a->e[pos];
		struct nfv_service *s = &svc[e->service];

		a->cursor = (pos + 1) & (a->capacity - 1);
		if (e->service == 0)
			continue;
		if (s->policy == NFV_LB_HASH) {
			NFV_STAT_ADD(s->unpinned, 1);	/* pins nothing now */
			a->unpin--;
		} else if (a->timeout != 0 && now - e->last > a->timeout)
			NFV_STAT_ADD(s->aged_out, 1);
		else
			continue;
		entry_remove(a, s, pos);
		removed++;
	}
	return removed;
}

uint32_t
nfv_affinity_unpin(struct nfv_affinity *a, struct nfv_service *s)
{
	uint32_t pos, removed = 0;

	for (pos = 0; pos < a->capacity && s->flows > 0; pos++) {
		if (a->e[pos].service != s->id)
			continue;
		NFV_STAT_ADD(s->unpinned, 1);
		if (s->policy == NFV_LB_HASH)
			a->unpin--;
		entry_remove(a, s, pos);
		removed++;
	}
	return removed;
}

void
nfv_service_init(struct nfv_service *s, uint16_t id, enum nfv_lb_policy policy,
		 struct nfv_affinity *a)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->policy = (uint8_t)policy;
	s->aff = a;
}

/* Rendezvous weight of an instance for a bucket of flows: a bijective
 * 64-bit mix, so distinct instance ids never tie. */
static inline uint64_t
hrw_weight(uint32_t bucket, uint16_t instance)
{
	uint64_t x = ((uint64_t)instance << 32) | bucket;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * Rendezvous hashing over the buckets of flow hashes: each bucket goes to
 * the instance of highest weight for it.  A join takes over the buckets
 * the newcomer wins, a leave hands over only the leaver's: the same
 * minimal moves as hashing every flow, for a load a packet.  On the
 * worker, at every join and leave: NFV_LB_BUCKETS x instances weights.
 */
static void
rebuild_buckets(struct nfv_service *s)
{
	uint32_t b;
	unsigned int k;

	if (s->n == 0)
		return;
	for (b = 0; b < NFV_LB_BUCKETS; b++) {
		uint64_t best_w = 0;
		int best = -1;

		for (k = 0; k < s->n; k++) {
			int mi = s->live[k];
			uint64_t w = hrw_weight(b, s->m[mi].nf->instance);

			if (best < 0 || w > best_w) {
				best = mi;
				best_w = w;
			}
		}
		s->bucket[b] = (uint8_t)best;
	}
}

enum nfv_lb_policy
nfv_service_set_policy(struct nfv_service *s, enum nfv_lb_policy policy)
{
	enum nfv_lb_policy previous = (enum nfv_lb_policy)s->policy;

	if (previous == NFV_LB_HASH && policy != NFV_LB_HASH && s->flows > 0)
		nfv_affinity_unpin(s->aff, s);
	else if (previous != NFV_LB_HASH && policy == NFV_LB_HASH)
		s->aff->unpin += s->flows;	/* for the sweep to remove */
	s->policy = (uint8_t)policy;
	return previous;
}

int
nfv_service_add(struct nfv_service *s, struct nfv_nf *nf)
{
	unsigned int i;

	if (s->n >= NFV_MAX_INSTANCES)
		return -ENOSPC;
	for (i = 0; s->m[i].nf != NULL; i++)
		;	/* a free member exists: n < NFV_MAX_INSTANCES */
	if (++s->next_serial == 0)
		s->next_serial = 1;
	s->m[i].nf = nf;
	s->m[i].serial = s->next_serial;
	s->m[i].flows = 0;
	s->live[s->n++] = (uint8_t)i;
	rebuild_buckets(s);
	return 0;
}

void
nfv_service_remove(struct nfv_service *s, const struct nfv_nf *nf)
{
	unsigned int k;

	for (k = 0; k < s->n; k++) {
		struct nfv_member *m = &s->m[s->live[k]];

		if (m->nf != nf)
			continue;
		/* Its entries go stale (serial) and move on their next packet. */
		m->nf = NULL;
		m->flows = 0;
		memmove(&s->live[k], &s->live[k + 1], s->n - k - 1u);
		s->n--;
		rebuild_buckets(s);
		return;
	}
}

/* Least loaded instance, ties by rendezvous weight of the flow's bucket
 * (equal loads: the instance nfv_service_hrw() gives). */
static int
least_loaded(const struct nfv_service *s, uint32_t flow_hash)
{
	uint32_t best_load = 0;
	uint64_t best_w = 0;
	int best = -1;
	unsigned int k;

	if (s->n == 1)
		return s->live[0];	/* the only one wins whatever the weights */
	for (k = 0; k < s->n; k++) {
		int mi = s->live[k];
		uint32_t load = nfv_nf_load(s->m[mi].nf);
		uint64_t w = hrw_weight(nfv_lb_bucket(flow_hash), s->m[mi].nf->instance);

		if (best < 0 || load < best_load || (load == best_load && w > best_w)) {
			best = mi;
			best_load = load;
			best_w = w;
		}
	}
	return best;
}

static inline void
pin(struct nfv_service *s, struct nfv_affinity_entry *e, int mi)
{
	e->member = (uint8_t)mi;
	e->serial = s->m[mi].serial;
	s->m[mi].flows++;
}

struct nfv_nf *
nfv_service_pick_flow(struct nfv_service *s, uint32_t flow_hash)
{
	struct nfv_affinity *a = s->aff;
	struct nfv_affinity_entry *e;
	struct aff_key key;
	hash_sig_t sig;
	int pos, mi;

	if (unlikely(s->n == 0))
		return NULL;
	key = aff_key_of(s->id, flow_hash);
	sig = aff_sig(flow_hash, s->id);
	/* Most packets belong to a flow seen a moment ago: one compare
	 * instead of a hash table walk. */
	pos = (int)a->hint[sig & (NFV_AFFINITY_HINTS - 1)] - 1;
	if (pos < 0 || a->e[pos].flow_hash != flow_hash || a->e[pos].service != s->id) {
		pos = rte_hash_lookup_with_hash(a->h, &key, sig);
		if (pos >= 0)
			a->hint[sig & (NFV_AFFINITY_HINTS - 1)] = (uint32_t)pos + 1;
	}
	if (pos >= 0) {
		e = &a->e[pos];
		e->last = a->now;
		if (likely(member_valid(s, e)))
			return s->m[e->member].nf;
		/* Its instance left: this flow moves now, and only flows
		 * like it ever do. */
		mi = s->policy == NFV_LB_LOAD ? least_loaded(s, flow_hash) :
						nfv_service_hrw(s, flow_hash);
		pin(s, e, mi);
		NFV_STAT_ADD(s->moved, 1);
		return s->m[mi].nf;
	}
	pos = rte_hash_add_key_with_hash(a->h, &key, sig);
	if (pos >= 0)
		a->hint[sig & (NFV_AFFINITY_HINTS - 1)] = (uint32_t)pos + 1;
	if (pos < 0) {
		/* Without an entry only rendezvous hashing is consistent. */
		NFV_STAT_ADD(s->affinity_full, 1);
		return s->m[nfv_service_hrw(s, flow_hash)].nf;
	}
	mi = s->policy == NFV_LB_LOAD ? least_loaded(s, flow_hash) :
					nfv_service_hrw(s, flow_hash);
	e = &a->e[pos];
	e->flow_hash = flow_hash;
	e->service = s->id;
	e->last = a->now;
	pin(s, e, mi);
	s->flows++;
	a->used++;
	NFV_STAT_ADD(s->placed, 1);
	return s->m[mi].nf;
}

const char *
nfv_lb_policy_name(unsigned int policy)
{
	static const char *const names[NFV_LB_MAX] = {
		[NFV_LB_FLOW] = "flow", [NFV_LB_LOAD] = "load", [NFV_LB_HASH] = "hash",
	};

	return policy < NFV_LB_MAX ? names[policy] : "unknown";
}

int
nfv_lb_policy_parse(const char *name)
{
	unsigned int p;

	for (p = 0; p < NFV_LB_MAX; p++)
		if (strcmp(name, nfv_lb_policy_name(p)) == 0)
			return (int)p;
	return -EINVAL;
}
