/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service.h - services, their instances (replicas), and which instance a
 * packet goes to.
 *
 * A service is what a chain hop names (nf:SERVICE); NFs register as
 * instances of it.  Each service has a policy for placing flows:
 *
 *   flow  rendezvous (highest-random-weight) hashing of the flow over the
 *         instances' ids: deterministic, even, and when an instance joins
 *         only flows it wins would move - but no pinned flow moves at all;
 *         it hashes the flow's bucket (one of NFV_LB_BUCKETS, by its flow
 *         hash), and a map of the winner of every bucket, recomputed at
 *         each join and leave, makes it one load a packet;
 *   load  the instance with the fewest packets lent or staged to it right
 *         now (ties by rendezvous hashing);
 *   hash  rendezvous hashing of every packet, with no table: stateless.
 *         A join moves the flows the newcomer wins (about 1/n of them), a
 *         leave only the leaver's.  For NFs that keep no per-flow state, or
 *         share it; it costs no lookup, and nothing for a lone instance.
 *
 * Under flow and load the choice is then pinned in the affinity table, one
 * rte_hash keyed by (service, flow hash) for all services, so a flow keeps
 * its instance while replicas come and go.  An entry whose instance left is
 * re-placed by the policy on the flow's next packet (only the leaver's
 * flows move); an entry idle for longer than the flow timeout ages out,
 * swept a bounded number of entries per housekeeping round.
 *
 * The key is the packet's flow hash (computed at RX from a private header
 * copy): flows whose hashes collide share an entry and so an instance,
 * which keeps each of them consistent.  Packets without a flow hash (0:
 * non-IP) are placed by rendezvous hashing and get no entry; so are the
 * packets of flows that find the table full (counted as affinity_full):
 * the table is bounded, and without an entry rendezvous hashing is the
 * only consistent choice left.  A flow or load service with a single
 * instance pins its flows too, so its first scale-out moves none.
 * A service whose policy becomes hash has its entries removed by the
 * sweep (counted as unpinned); should its policy change back before the
 * sweep is done, nfv_service_set_policy() removes the rest at once, so
 * no pin from before the change ever comes back.
 *
 * Threads: everything here runs on the worker, which is the only writer of
 * every field and counter; the control thread reads through the worker's
 * mailbox (hypervisor/service_ctl.c).
 */
#ifndef NFV_SERVICE_H
#define NFV_SERVICE_H

#include <stdint.h>

#define NFV_MAX_INSTANCES 16u		/* instances per service */
#define NFV_AFFINITY_ENTRIES 65536u	/* flows pinned at once, all services */
#define NFV_AFFINITY_SWEEP 256u		/* entries aged per housekeeping round */
#define NFV_AFFINITY_HINTS 16384u	/* direct-mapped position cache slots */
#define NFV_LB_BUCKETS 4096u		/* rendezvous hashing's buckets of flows */

/** How a service places new flows. */
enum nfv_lb_policy {
	NFV_LB_FLOW = 0,		/* flow-consistent: rendezvous hashing */
	NFV_LB_LOAD,			/* state-based: least loaded instance */
	NFV_LB_HASH,			/* stateless: rendezvous hashing, no table */
	NFV_LB_MAX,
};

struct nfv_nf;
struct rte_hash;

/** One pinned flow, at its rte_hash position. */
struct nfv_affinity_entry {
	uint64_t last;			/* TSC when last seen (coarse) */
	uint32_t flow_hash;		/* key, with service */
	uint16_t service;		/* 0: entry unused */
	uint8_t member;			/* instance's member index in its service */
	uint32_t serial;		/* that member's serial: stale if changed */
};

/** The affinity table shared by every service. */
struct nfv_affinity {
	struct rte_hash *h;		/* (service, flow hash) -> position */
	struct nfv_affinity_entry *e;	/* by position */
	uint32_t *hint;			/* by signature: position + 1 of the flow
					 * last looked up there, 0 none; a hint
					 * is trusted only if the entry it names
					 * holds the same key (entries are
					 * zeroed when removed) */
	uint32_t capacity;		/* positions */
	uint32_t used;			/* entries in use */
	uint32_t unpin;			/* of them, those of hash services */
	uint32_t cursor;		/* next position the sweep looks at */
	uint64_t timeout;		/* idle TSC cycles before aging; 0: never */
	uint64_t now;			/* TSC at the last sweep */
};

/** An instance slot of a service; its index never changes while it stays. */
struct nfv_member {
	struct nfv_nf *nf;		/* NULL: free */
	uint32_t serial;		/* tells it from earlier users of the index */
	uint32_t flows;			/* affinity entries pinned to it */
};

struct nfv_service {
	uint16_t id;			/* 1..NFV_MAX_SERVICE */
	uint8_t policy;			/* enum nfv_lb_policy */
	uint16_t n;			/* instances */
	uint8_t live[NFV_MAX_INSTANCES]; /* member index of each, in join order */
	struct nfv_member m[NFV_MAX_INSTANCES];
	uint32_t next_serial;
	struct nfv_affinity *aff;	/* the shared table */
	uint32_t flows;			/* its entries in the table */
	uint64_t placed;		/* new flows given an entry */
	uint64_t moved;			/* entries re-placed: their instance left */
	uint64_t aged_out;		/* entries idle past the timeout */
	uint64_t affinity_full;		/* packets placed without an entry: table full */
	uint64_t unpinned;		/* entries removed: the policy became hash */
	/* Member index that rendezvous hashing gives each bucket of flow
	 * hashes, recomputed on every join and leave (while n > 0). */
	uint8_t bucket[NFV_LB_BUCKETS];
};

/**
 * Create the affinity table: @capacity entries (a power of two, at least
 * 16) on NUMA @socket (SOCKET_ID_ANY for any), entries ageing after
 * @timeout_ms ms idle (0: never).
 * @return 0, -EINVAL or -ENOMEM.
 */
int nfv_affinity_init(struct nfv_affinity *a, const char *name, uint32_t capacity,
		      int socket, unsigned int timeout_ms);
void nfv_affinity_fini(struct nfv_affinity *a);

/**
 * Housekeeping: set the table's clock to @now (TSC) and look at the next
 * NFV_AFFINITY_SWEEP positions, removing entries idle longer than the
 * timeout and those of services whose policy is hash.  @svc is the array
 * of services indexed by id.
 * @return the number of entries removed.
 */
uint32_t nfv_affinity_sweep(struct nfv_affinity *a, struct nfv_service *svc, uint64_t now);

/**
 * Remove every entry of service @s from table @a at once (a scan of the
 * whole table, which stops when @s has none left), counted as unpinned.
 * @return the number removed.
 */
uint32_t nfv_affinity_unpin(struct nfv_affinity *a, struct nfv_service *s);

/** Make @s service @id with @policy and no instances, using table @a. */
void nfv_service_init(struct nfv_service *s, uint16_t id, enum nfv_lb_policy policy,
		      struct nfv_affinity *a);

/**
 * Set @s's policy for new flows.  Leaving hash, any entry of @s that the
 * sweep has not removed yet is removed now (nfv_affinity_unpin()).
 * @return the previous policy.
 */
enum nfv_lb_policy nfv_service_set_policy(struct nfv_service *s, enum nfv_lb_policy policy);

/**
 * Add @nf as an instance.  Its flows are placed only once it is picked.
 * @return 0, or -ENOSPC when the service has NFV_MAX_INSTANCES.
 */
int nfv_service_add(struct nfv_service *s, struct nfv_nf *nf);

/**
 * Remove @nf (a no-op if it is not an instance).  Its flows stay in the
 * table and are re-placed on their next packet.
 */
void nfv_service_remove(struct nfv_service *s, const struct nfv_nf *nf);

/** The bucket of rendezvous hashing that flow hash @flow_hash falls in. */
static inline uint32_t
nfv_lb_bucket(uint32_t flow_hash)
{
	/* The top bits of a multiplicative hash: every bit of the flow
	 * hash has its say, whatever bits its CRC left alike. */
	return (flow_hash * 0x9e3779b1u) >> (32 - 12);
}

/**
 * The instance rendezvous hashing gives @flow_hash (no affinity table
 * involved): the one whose weight for the flow's bucket is highest, read
 * from the bucket map, so it costs one load whatever the instances.
 * @return its member index, or -1 if the service has no instance.
 */
static inline int
nfv_service_hrw(const struct nfv_service *s, uint32_t flow_hash)
{
	return s->n == 0 ? -1 : s->bucket[nfv_lb_bucket(flow_hash)];
}

/** nfv_service_pick() for a packet of a flow (@flow_hash != 0). */
struct nfv_nf *nfv_service_pick_flow(struct nfv_service *s, uint32_t flow_hash);

/**
 * The instance that gets a packet of flow @flow_hash: its pinned instance
 * if it has a live one, else the policy's choice, pinned (a flow whose
 * instance left is re-pinned and counted as moved).  A packet of no flow
 * (@flow_hash 0), and every packet of a hash service, goes where
 * rendezvous hashing puts its flow hash, unpinned.
 * @return the instance, or NULL if the service has none.
 */
static inline struct nfv_nf *
nfv_service_pick(struct nfv_service *s, uint32_t flow_hash)
{
	if (s->n == 0)
		return NULL;
	if (flow_hash == 0 || s->policy == NFV_LB_HASH)
		return s->m[s->n == 1 ? s->live[0] : nfv_service_hrw(s, flow_hash)].nf;
	return nfv_service_pick_flow(s, flow_hash);
}

/** Name of a policy ("flow", "load", "hash"). */
const char *nfv_lb_policy_name(unsigned int policy);

/** @return the policy named @name, or -EINVAL. */
int nfv_lb_policy_parse(const char *name);

struct nfv_daemon;
struct nfv_ctl_server;

/* hypervisor/service_ctl.c: `nfvctl service list|policy` */
int nfv_service_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv);

#endif /* NFV_SERVICE_H */
