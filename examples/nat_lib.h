/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat_lib.h - the translation of nfv-nat: source NAT of IPv4 TCP, UDP and
 * ICMP echo from an internal prefix to one external address.
 *
 * Outbound: a packet whose source lies in the internal prefix (and whose
 * destination is not the external address) belongs to a flow, its
 * 5-tuple.  The first packet of a flow takes a free external port of the
 * range (ICMP echo: an identifier), separately for TCP, UDP and ICMP; the
 * flow keeps it while packets flow.  The packet leaves with the external
 * address as source and that port (identifier) as source port.
 *
 * Inbound: a TCP or UDP packet, or an ICMP echo reply, to the external
 * address finds its mapping by destination port (identifier), provided it
 * comes from the flow's remote address and port; it gets the internal
 * address and port back as destination.  Anything else to the external
 * address is dropped: no mapping matches it, or (other ICMP, such as
 * errors, which this NAT does not translate, and other protocols) it is
 * unsupported.
 *
 * Every rewrite updates the IPv4 header checksum and the TCP, UDP or ICMP
 * checksum incrementally (RFC 1624, nfv_csum_replace()); an IPv4 UDP
 * checksum of 0 (none) stays 0.
 *
 * A mapping idle for the timeout expires and frees its port.  Ports are
 * handed out oldest-freed first, so a port freed now is reused as late as
 * possible.  With every port of a protocol in use, a new flow is dropped
 * and counted as exhausted.
 *
 * Other packets pass untouched: IPv6, non-IP frames, and IPv4 neither from
 * the internal prefix nor to the external address.  Packets the NAT would
 * have to translate but cannot are dropped: other protocols or ICMP
 * messages from inside, and non-first fragments (nothing is reassembled).
 * There is no hairpinning: inside hosts cannot reach each other through
 * the external address.
 *
 * Error convention: int functions return 0 or -errno; constructors return
 * NULL and set errno.
 */
#ifndef NAT_LIB_H
#define NAT_LIB_H

#include <stdint.h>

#include "nfv_ip_lib.h"

/** Settings of a NAT. */
struct nat_config {
	uint8_t external[4];		/**< external address, network order */
	struct nfv_prefix internal;	/**< IPv4 prefix translated */
	uint16_t port_lo;		/**< first external port, >= 1 */
	uint16_t port_hi;		/**< last external port, >= port_lo */
	uint64_t timeout;		/**< idle time before a mapping expires,
					 *   in the unit of nat_packet()'s now */
	uint64_t seed;			/**< hash seed (random) */
};

/** What nat_packet() did. */
enum nat_verdict {
	NAT_OUT,		/**< outbound, source translated */
	NAT_IN,			/**< inbound, destination translated back */
	NAT_PASS,		/**< not for this NAT: untouched */
	NAT_EXHAUSTED,		/**< new flow, no free port: drop */
	NAT_NO_MAPPING,		/**< to the external address, no mapping: drop */
	NAT_UNSUPPORTED,	/**< cannot be translated: drop */
	NAT_MALFORMED,		/**< truncated or inconsistent IPv4: drop */
};

/** Counters of a NAT. */
struct nat_stats {
	uint64_t n[NAT_MALFORMED + 1];	/**< packets per verdict */
	uint64_t mappings_new;		/**< mappings created */
	uint64_t mappings_expired;	/**< mappings timed out */
};

/** A NAT (opaque). */
struct nat;

/**
 * Create a NAT without mappings.
 * @return it, or NULL with errno EINVAL (internal prefix not IPv4, or
 *         holding the external address; port range empty or starting at
 *         0; timeout 0) or ENOMEM.
 */
struct nat *nat_create(const struct nat_config *cfg);

/** Free @nat (NULL: no-op). */
void nat_destroy(struct nat *nat);

/**
 * Translate one Ethernet frame in place and count it.
 *
 * @param nat    the NAT
 * @param frame  first byte of the Ethernet header
 * @param len    bytes at @frame
 * @param now    current time, in the unit of cfg->timeout, never going
 *               back
 * @return the verdict; the frame is changed only for NAT_OUT and NAT_IN.
 */
enum nat_verdict nat_packet(struct nat *nat, uint8_t *frame, uint32_t len,
			    uint64_t now);

/** @return the mappings in use now, all protocols together. */
uint32_t nat_mappings(const struct nat *nat);

/** @return @nat's counters. */
const struct nat_stats *nat_stats(const struct nat *nat);

/** @return the name of @v as the NF's summary prints it. */
const char *nat_verdict_name(enum nat_verdict v);

#endif /* NAT_LIB_H */
