/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_rewrite_lib.h - in-place header rewrites of nfv-rewrite (Ethernet
 * without VLAN tags, IPv4, IPv6).  Separate from the NF so the unit tests
 * check the very code the NF runs.
 */
#ifndef NFV_REWRITE_LIB_H
#define NFV_REWRITE_LIB_H

#include <stdint.h>

/** Rewrites to apply (bit flags). */
enum nfv_rewrite_ops {
	NFV_REWRITE_MAC_SWAP = 1u << 0,	/**< swap Ethernet source and destination */
	NFV_REWRITE_TTL = 1u << 1,	/**< decrement IPv4 TTL / IPv6 hop limit */
};

/** What to do with a rewritten frame. */
enum nfv_rewrite_verdict {
	NFV_REWRITE_FORWARD = 0,	/**< rewritten (or left alone): send on */
	NFV_REWRITE_EXPIRED = 1,	/**< TTL or hop limit would reach 0: drop */
};

/**
 * Rewrite an Ethernet frame in place.  Reads and writes only the first
 * @len bytes.  Frames too short for a header, and non-IP frames, get no
 * TTL rewrite; frames shorter than an Ethernet header are left alone.
 *
 * @param frame  first byte of the Ethernet header
 * @param len    bytes in @frame
 * @param ops    NFV_REWRITE_* flags
 * @return NFV_REWRITE_FORWARD, or NFV_REWRITE_EXPIRED (frame unchanged)
 *         when NFV_REWRITE_TTL is set and the TTL or hop limit is 0 or 1.
 */
enum nfv_rewrite_verdict nfv_rewrite(uint8_t *frame, uint32_t len,
				     unsigned int ops);

/**
 * Update an Internet checksum for one changed 16-bit word, as in RFC 1624
 * eqn. 3: HC' = ~(~HC + ~m + m').  All values in host order.
 *
 * @param csum      the checksum field before the change
 * @param old_word  the word before the change
 * @param new_word  the word after the change
 * @return the checksum field after the change.
 */
uint16_t nfv_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);

#endif /* NFV_REWRITE_LIB_H */
