/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * firewall_lib.h - the decision of nfv-firewall: an ordered rule list
 * (first match wins) in front of a connection tracker.
 *
 * Rules file: one rule per line, '#' to the end of the line is a comment:
 *
 *	allow|deny [proto tcp|udp|icmp|any] [src PREFIX] [dst PREFIX]
 *	           [sport N[-M]] [dport N[-M]]
 *
 * The conditions come in any order, each at most once; a missing one
 * matches everything.  PREFIX is IPv4 or IPv6 (a bare address is a host);
 * a rule with a prefix matches only packets of its family, and src and dst
 * must be of the same family.  "proto icmp" is ICMP on IPv4 and ICMPv6 on
 * IPv6.  Port conditions need "proto tcp" or "proto udp".  For example:
 *
 *	deny  proto tcp dport 23                 # no telnet, anywhere
 *	allow proto udp src 10.0.0.0/8 dport 53
 *	allow proto tcp src 10.0.0.0/8 dport 1024-65535
 *	allow proto icmp src 2001:db8::/32
 *
 * Per packet:
 *
 *  1. A packet of a tracked flow, in either direction, is allowed
 *     ("established") and refreshes the flow's entry.
 *  2. Otherwise the first rule that matches decides; without one the
 *     default policy does.  An allowed packet starts tracking its flow, so
 *     that the flow's reverse direction is allowed from then on.
 *
 * A flow is its 5-tuple (nfv_ip_flow_key(): ICMP echo requests and replies
 * pair up by identifier).  An entry idle for the timeout expires; when the
 * table is full a new flow evicts the least recently used entry (counted).
 * TCP flags are not interpreted: any allowed packet starts tracking.
 * Nothing is reassembled: a non-first fragment has no ports, so it matches
 * only rules without port conditions.  Frames that are not IP (ARP, say)
 * get the default policy; malformed IP packets are denied.
 *
 * Error convention: int functions return 0 or -errno; constructors return
 * NULL and set errno; parse errors also write a one-line reason into the
 * caller's buffer.
 */
#ifndef FIREWALL_LIB_H
#define FIREWALL_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "nfv_ip_lib.h"

/** Most rules a firewall takes. */
#define FW_MAX_RULES 4096

/** What a rule or the policy does. */
enum fw_verdict {
	FW_DENY = 0,		/**< drop */
	FW_ALLOW = 1,		/**< pass on */
};

/** One rule; ports are ranges, 0-65535 when not given. */
struct fw_rule {
	uint8_t verdict;	/**< enum fw_verdict */
	uint8_t proto;		/**< 0 any, NFV_PROTO_TCP, NFV_PROTO_UDP, or
				 *   NFV_PROTO_ICMP for ICMP and ICMPv6 */
	uint8_t has_src;	/**< src applies */
	uint8_t has_dst;	/**< dst applies */
	struct nfv_prefix src;	/**< source prefix */
	struct nfv_prefix dst;	/**< destination prefix */
	uint16_t sport_lo;	/**< source port range */
	uint16_t sport_hi;
	uint16_t dport_lo;	/**< destination port range */
	uint16_t dport_hi;
	unsigned int line;	/**< line of the rules file, 0 if none */
	uint64_t hits;		/**< packets this rule decided */
};

/** Settings of a firewall. */
struct fw_config {
	uint8_t default_verdict;	/**< enum fw_verdict without a match */
	uint32_t ct_max;		/**< tracked flows, 1..NFV_FT_MAX_CAPACITY */
	uint64_t ct_timeout;		/**< idle time before a flow expires,
					 *   in the unit of fw_packet()'s now */
	uint64_t seed;			/**< hash seed (random) */
};

/** Counters of a firewall. */
struct fw_stats {
	uint64_t established;	/**< allowed as part of a tracked flow */
	uint64_t new_flows;	/**< allowed, starting to track a flow */
	uint64_t denied;	/**< denied by a rule */
	uint64_t default_denied;/**< denied by the default policy */
	uint64_t non_ip;	/**< not IP: given the default policy */
	uint64_t malformed;	/**< IP but truncated or inconsistent: denied */
	uint64_t ct_expired;	/**< entries removed after the idle timeout */
	uint64_t ct_evicted;	/**< entries pushed out by new flows */
};

/** A firewall (opaque). */
struct firewall;

/**
 * Create a firewall without rules.
 * @return it, or NULL with errno EINVAL (ct_max or ct_timeout out of
 *         range) or ENOMEM.
 */
struct firewall *fw_create(const struct fw_config *cfg);

/** Free @fw (NULL: no-op). */
void fw_destroy(struct firewall *fw);

/**
 * Parse the words of one rule ("allow", "proto", "tcp", ...).
 *
 * @param word   the words
 * @param n      how many
 * @param r      filled on success (line 0, hits 0)
 * @param why    receives the reason on failure
 * @param whylen bytes at @why
 * @return 0, or -EINVAL.
 */
int fw_rule_parse(char *const *word, int n, struct fw_rule *r, char *why,
		  size_t whylen);

/**
 * Append a rule (it is matched after the ones before it).
 * @return 0, or -ENOSPC (FW_MAX_RULES reached).
 */
int fw_add_rule(struct firewall *fw, const struct fw_rule *r);

/**
 * Append the rules of a rules file (format above).
 *
 * @param fw      the firewall
 * @param path    the file
 * @param err     receives "FILE:LINE: reason" (or "FILE: reason")
 * @param errlen  bytes at @err (NFV_ERR_LEN suffice)
 * @return the number of rules added, or -errno of opening or reading,
 *         -EINVAL for a bad line, -ENOSPC for too many rules.
 */
int fw_load(struct firewall *fw, const char *path, char *err, size_t errlen);

/**
 * Decide on one Ethernet frame (which is not changed) and count it.
 *
 * @param fw     the firewall
 * @param frame  first byte of the Ethernet header
 * @param len    bytes at @frame
 * @param now    current time, in the unit of cfg->ct_timeout, never
 *               going back
 * @return FW_ALLOW or FW_DENY.
 */
enum fw_verdict fw_packet(struct firewall *fw, const uint8_t *frame,
			  uint32_t len, uint64_t now);

/** @return rule @i (0-based, in matching order), or NULL. */
const struct fw_rule *fw_rule_get(const struct firewall *fw, unsigned int i);

/** @return the flows tracked now. */
uint32_t fw_ct_count(const struct firewall *fw);

/** @return @fw's counters. */
const struct fw_stats *fw_stats(const struct firewall *fw);

#endif /* FIREWALL_LIB_H */
