/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow.h - the flow director: exact-match 5-tuple rules (IPv4 and IPv6)
 * in an rte_hash, each leading to a service chain of its own; packets
 * that match no rule follow the default chain (chain 0).
 *
 * Only the worker changes the table (rules from nfvctl come through the
 * worker's mailbox, rules from NFs through their control rings), so it
 * needs no locks.  A deleted rule's chain stays until the last packet
 * following it has left, then its id is reused.
 */
#ifndef NFV_FLOW_H
#define NFV_FLOW_H

#include <stdint.h>

#include "classify.h"

#define NFV_MAX_HOPS 8u
#define NFV_DEFAULT_CHAIN 0u
/** Ports that may have a chain of their own for packets no rule matches. */
#define NFV_FLOW_MAX_PORTS 16u

/** A chain hop. */
enum hop_type { HOP_NF, HOP_PORT, HOP_DROP };
struct nfv_hop {
	uint8_t type;		/* enum hop_type */
	uint16_t id;		/* service id or port id */
};

struct nfv_chain {
	uint8_t nhops;
	uint8_t live;		/* a rule (or the default) points at it */
	struct nfv_hop hop[NFV_MAX_HOPS];
	uint32_t inflight;	/* packets following it right now */
	uint64_t pkts;		/* packets that took it */
};

struct rte_hash;

struct nfv_flow_table {
	struct rte_hash *h;	/* key -> chain id */
	uint32_t max_rules;
	uint32_t nrules;
	uint32_t nids;		/* chain ids: rules plus retired ones in flight */
	struct nfv_chain *chain;	/* [0] default, [1..nids] rules and port chains */
	uint32_t *free_ids;	/* stack of unused chain ids */
	uint32_t nfree;
	uint16_t port_chain[NFV_FLOW_MAX_PORTS];	/* chain of a port's misses */
};

/** One rule, as listed. */
struct nfv_flow_rule {
	struct nfv_flow_key key;
	struct nfv_chain chain;
};

/**
 * Chain ids are 16 bits (a packet's metadata names its chain): a table of
 * @max_rules rules for a switch with at most @max_inflight packets in
 * flight needs max_rules + max_inflight + NFV_FLOW_MAX_PORTS of them
 * (nfv_flow_init()).  Whether they fit.
 */
static inline int
nfv_flow_ids_fit(uint32_t max_rules, uint64_t max_inflight)
{
	return (uint64_t)max_rules + max_inflight + NFV_FLOW_MAX_PORTS < UINT16_MAX;
}

/**
 * Create an empty table for @max_rules rules on NUMA @socket, for a switch
 * with at most @max_inflight packets in flight.
 * @return 0, -EINVAL (0 rules, or ids that do not fit: nfv_flow_ids_fit())
 * or -ENOMEM.
 */
int nfv_flow_init(struct nfv_flow_table *ft, const char *name, uint32_t max_rules,
		  uint32_t max_inflight, int socket);
void nfv_flow_fini(struct nfv_flow_table *ft);

/**
 * Add a rule: packets with @key follow @chain.
 * @return 0, -EEXIST (a rule for this key exists), -ENOSPC (table full),
 *         -EINVAL (empty chain).
 */
int nfv_flow_add(struct nfv_flow_table *ft, const struct nfv_flow_key *key,
		 const struct nfv_chain *chain);

/** Remove the rule for @key.  @return 0 or -ENOENT. */
int nfv_flow_del(struct nfv_flow_table *ft, const struct nfv_flow_key *key);

/** Remove every rule. */
void nfv_flow_flush(struct nfv_flow_table *ft);

/**
 * Give port @port a chain of its own for the packets it receives that
 * match no rule (the default chain otherwise): a middlebox's return
 * direction.  It lives as long as the table and counts as no rule.
 * @return 0, -EINVAL (port >= NFV_FLOW_MAX_PORTS, empty chain) or -EEXIST
 *         (the port has one).
 */
int nfv_flow_set_port_chain(struct nfv_flow_table *ft, uint16_t port,
			    const struct nfv_chain *chain);

/**
 * Chain ids of @n packets received on @port, by their keys (the port's
 * chain, else NFV_DEFAULT_CHAIN, for misses), and take a reference on each
 * for the packet's time in flight.
 */
void nfv_flow_classify(struct nfv_flow_table *ft, uint16_t port, const struct nfv_flow_key *keys,
		       unsigned int n, uint16_t *chain_ids);

/** Drop the references of @n packets on chain @id (sent or dropped). */
static inline void
nfv_flow_put_n(struct nfv_flow_table *ft, uint16_t id, uint32_t n)
{
	struct nfv_chain *c = &ft->chain[id];

	c->inflight -= n;
	if (c->inflight == 0 && !c->live && id != NFV_DEFAULT_CHAIN)
		ft->free_ids[ft->nfree++] = id;
}

/** Drop a packet's reference on chain @id (it was sent or dropped). */
static inline void
nfv_flow_put(struct nfv_flow_table *ft, uint16_t id)
{
	nfv_flow_put_n(ft, id, 1);
}

/**
 * Copy up to @max rules into @out, in no particular order.
 * @return the number copied.
 */
uint32_t nfv_flow_list(const struct nfv_flow_table *ft, struct nfv_flow_rule *out, uint32_t max);

/** The chain of the rule for @key, or NULL if it has none. */
const struct nfv_chain *nfv_flow_find(const struct nfv_flow_table *ft,
				      const struct nfv_flow_key *key);

/** Call @fn with the chain of every rule, and @arg (in no set order). */
void nfv_flow_foreach_chain(const struct nfv_flow_table *ft,
			    void (*fn)(const struct nfv_chain *c, void *arg), void *arg);

struct nfv_ctl_msg;

/**
 * Decode a FLOW_ADD or FLOW_DEL request from an NF (a private copy of its
 * control message).  Only the key is decoded for FLOW_DEL.
 * @return 0, or -EINVAL for an unknown address family, ports on a
 *         protocol other than TCP, UDP and SCTP, or a bad hop.
 */
int nfv_flow_from_msg(const struct nfv_ctl_msg *m, uint16_t nports,
		      struct nfv_flow_key *key, struct nfv_chain *chain);

/**
 * Copy the NF name of a REGISTER request (a private copy of its control
 * message) into @name, @len >= 1 bytes: at most NFV_NF_NAME_MAX and
 * @len - 1 characters, up to the first NUL, each byte that is not
 * printable ASCII replaced by '?', always NUL-terminated.
 */
void nfv_ctl_name_from_msg(const struct nfv_ctl_msg *m, char *name, size_t len);

/* Chain specs: `HOP[,HOP...]`, HOP = nf:SERVICE | port:PORT | drop. */
int nfv_chain_parse(const char *spec, struct nfv_chain *c, uint16_t nports, const char **why);
void nfv_chain_format(const struct nfv_chain *c, char *buf, size_t len);

/**
 * Parse a 5-tuple given as words: PROTO SRC SPORT DST DPORT, PROTO being
 * tcp, udp, sctp, icmp, icmp6 or a number, addresses IPv4 or IPv6 (both
 * the same family), ports 0..65535 (0 for protocols without ports).
 * @return 0 or -EINVAL with *why set.
 */
int nfv_flow_key_from_words(const char *const w[5], struct nfv_flow_key *key, const char **why);

/** Format a key as "udp 10.0.0.1:53 -> 10.0.0.2:4000". */
void nfv_flow_key_format(const struct nfv_flow_key *key, char *buf, size_t len);

#endif /* NFV_FLOW_H */
