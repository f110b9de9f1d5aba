/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * router_lib.h - the forwarding decision of nfv-router: longest-prefix
 * match of the destination address over IPv4 and IPv6 routes, then a TTL
 * or hop-limit decrement.
 *
 * Routes are kept in one binary trie per address family: node depth d
 * stands for the first d bits of an address, a route of length L marks the
 * node at depth L.  A lookup walks from the root along the address's bits
 * and remembers the last marked node, so it visits at most 33 (IPv4) or
 * 129 (IPv6) nodes whatever the number of routes; an insert adds at most
 * one node per prefix bit.  Nodes are array elements linked by index.
 *
 * Routes file: one route per line, "PREFIX ACTION", '#' to the end of the
 * line is a comment, blank lines are skipped:
 *
 *	10.0.0.0/8        port:1      # out of port 1
 *	10.1.0.0/16       service:3   # to the NF serving service 3
 *	2001:db8::/32     port:0
 *	192.0.2.0/24      drop        # blackhole
 *
 * A bare address is a host route (/32 or /128).  A prefix with bits set
 * past its length, or a prefix given twice, is an error.
 *
 * Error convention: int functions return 0 or -errno; constructors return
 * NULL and set errno; load errors also write "FILE:LINE: reason" into the
 * caller's buffer.
 */
#ifndef ROUTER_LIB_H
#define ROUTER_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "nfv_ip_lib.h"

/** What a route does with a packet. */
enum route_kind {
	ROUTE_PORT = 1,		/**< out of port id (NetLib OUT) */
	ROUTE_SERVICE,		/**< to service id (NetLib TONF) */
	ROUTE_DROP,		/**< drop (blackhole) */
};

/** A route's action. */
struct route_action {
	uint8_t kind;		/**< enum route_kind */
	uint16_t id;		/**< port or service id */
};

/** What router_packet() decided. */
enum router_verdict {
	ROUTER_ROUTED,		/**< a route matched: its action applies */
	ROUTER_DEFAULT,		/**< no route, the default action applies */
	ROUTER_BLACKHOLE,	/**< a drop route matched */
	ROUTER_NO_ROUTE,	/**< no route and no default: drop */
	ROUTER_EXPIRED,		/**< TTL or hop limit would reach 0: drop */
	ROUTER_NOT_IP,		/**< not IPv4/IPv6, or malformed: drop */
};

/** Packets per verdict, indexed by enum router_verdict. */
struct router_stats {
	uint64_t n[ROUTER_NOT_IP + 1];
};

/** A routing table (opaque). */
struct router;

/**
 * Parse "port:N" (0..65535), "service:N" (1..255) or "drop".
 * @return 0, or -EINVAL.
 */
int route_action_parse(const char *s, struct route_action *a);

/**
 * Create an empty table, without a default action.
 * @return the table, or NULL with errno ENOMEM.
 */
struct router *router_create(void);

/** Free @r (NULL: no-op). */
void router_destroy(struct router *r);

/**
 * Add a route.
 *
 * @param r     the table
 * @param p     its prefix; bits past its length must be 0
 * @param a     its action
 * @param line  where it was written (0: not from a file), for messages
 * @return 0, or -EEXIST (a route for @p exists), -EINVAL (@a or @p is
 *         invalid) or -ENOMEM.
 */
int router_add(struct router *r, const struct nfv_prefix *p,
	       struct route_action a, unsigned int line);

/**
 * Add the routes of a routes file (format above).
 *
 * @param r       the table
 * @param path    the file
 * @param err     receives "FILE:LINE: reason" (or "FILE: reason")
 * @param errlen  bytes at @err (NFV_ERR_LEN suffice)
 * @return the number of routes added, or -errno of opening or reading,
 *         -EINVAL for a bad line or a duplicate prefix, -ENOMEM.  Routes
 *         before a bad line stay added.
 */
int router_load(struct router *r, const char *path, char *err, size_t errlen);

/** Give packets that match no route action @a (instead of dropping). */
void router_set_default(struct router *r, struct route_action a);

/**
 * Longest-prefix match.
 *
 * @param r     the table
 * @param ipv   4 or 6
 * @param addr  4 or 16 bytes, network order
 * @param a     set to the action of the longest matching route
 * @return 0, or -ENOENT if no route matches.
 */
int router_lookup(const struct router *r, uint8_t ipv, const uint8_t *addr,
		  struct route_action *a);

/**
 * Route one Ethernet frame in place: look its destination up and, unless
 * it is to be dropped, decrement its TTL (IPv4 header checksum updated
 * incrementally) or hop limit.  Counts the verdict.
 *
 * @param r      the table
 * @param frame  first byte of the Ethernet header
 * @param len    bytes at @frame
 * @param a      set to the action for ROUTER_ROUTED and ROUTER_DEFAULT
 * @return the verdict; the frame is changed only for ROUTER_ROUTED and
 *         ROUTER_DEFAULT.
 */
enum router_verdict router_packet(struct router *r, uint8_t *frame,
				  uint32_t len, struct route_action *a);

/** @return the routes in @r. */
unsigned int router_count(const struct router *r);

/** @return @r's counters. */
const struct router_stats *router_stats(const struct router *r);

/** @return the name of @v as the NF's summary prints it. */
const char *router_verdict_name(enum router_verdict v);

#endif /* ROUTER_LIB_H */
