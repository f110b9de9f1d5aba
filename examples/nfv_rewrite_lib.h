/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_rewrite_lib.h - in-place header rewrites of nfv-rewrite (Ethernet
 * without VLAN tags, IPv4, IPv6), and the header parser, 5-tuple hash and
 * checksum helpers other example NFs share.  Separate from the NFs so the
 * unit tests check the very code the NFs run.
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

/**
 * Decrement the TTL (IPv4, header checksum updated incrementally) or the
 * hop limit (IPv6) of the IP header at @ip; nfv_rewrite() with
 * NFV_REWRITE_TTL for callers that located the IP header themselves
 * (behind a VLAN tag, say).  Headers too short or of another version are
 * left alone.
 *
 * @param ip   first byte of the IPv4 or IPv6 header
 * @param len  bytes at @ip
 * @return NFV_REWRITE_FORWARD, or NFV_REWRITE_EXPIRED (header unchanged)
 *         when the TTL or hop limit is 0 or 1.
 */
enum nfv_rewrite_verdict nfv_rewrite_ip_ttl(uint8_t *ip, uint32_t len);

/** Bytes of an IPv6 address; IPv4 addresses use the first 4 of them. */
#define NFV_ADDR_LEN 16

/**
 * An IPv4 or IPv6 5-tuple, comparable with memcmp() (no padding holes).
 * Ports are 0 when the packet has none: neither TCP nor UDP, or an IPv4
 * fragment (so that every fragment of a datagram gets the same key).
 */
struct nfv_5tuple {
	uint8_t src[NFV_ADDR_LEN];	/**< source address, zero-padded */
	uint8_t dst[NFV_ADDR_LEN];	/**< destination address, zero-padded */
	uint16_t sport;			/**< source port, host order */
	uint16_t dport;			/**< destination port, host order */
	uint8_t proto;			/**< IP protocol / IPv6 next header */
	uint8_t family;			/**< 4 or 6; 0: not IP (all else 0) */
	uint8_t pad[2];			/**< always 0 */
};

/** Where the headers of a frame are; filled by nfv_hdrs_parse(). */
struct nfv_hdrs {
	struct nfv_5tuple key;		/**< the frame's 5-tuple */
	uint16_t l3_off;		/**< IP header, from the frame start */
	uint16_t l4_off;		/**< first byte after the IP header */
	uint16_t sport;			/**< ports of the L4 header when l4 is */
	uint16_t dport;			/**<   set, even in a first fragment */
	uint8_t l4;			/**< 1: a whole TCP/UDP header at l4_off */
	uint8_t fragment;		/**< 1: an IPv4 fragment (first or not) */
};

/**
 * Parse an Ethernet frame (no VLAN tag) carrying IPv4 (with options) or
 * IPv6 (without extension headers), and TCP or UDP.  Reads only the first
 * @len bytes, each header field once.
 *
 * @param frame  first byte of the Ethernet header
 * @param len    bytes in @frame
 * @param h      filled: key.family is 0 when the frame is not a complete
 *               IPv4 or IPv6 header; l4 is 0 when no whole TCP/UDP header
 *               follows (other protocol, non-first fragment, truncated)
 * @return key.family (4, 6 or 0).
 */
int nfv_hdrs_parse(const uint8_t *frame, uint32_t len, struct nfv_hdrs *h);

/**
 * Hash a 5-tuple to 64 well-mixed bits (not cryptographic).
 *
 * @param key   the 5-tuple
 * @param seed  varies the hash, e.g. per table
 * @return the hash.
 */
uint64_t nfv_5tuple_hash(const struct nfv_5tuple *key, uint64_t seed);

/**
 * Mix 64 bits into 64 well-mixed bits (the splitmix64 finaliser).
 *
 * @param x  value
 * @return its mix; distinct values give distinct mixes.
 */
uint64_t nfv_mix64(uint64_t x);

/**
 * Update an Internet checksum for a changed field of @len bytes, word by
 * word as nfv_csum_update16().  The field must start at an even offset of
 * the checksummed data.
 *
 * @param csum       the checksum field before the change, host order
 * @param old_bytes  the field before the change
 * @param new_bytes  the field after the change
 * @param len        bytes in the field, even
 * @return the checksum field after the change, host order.
 */
uint16_t nfv_csum_replace(uint16_t csum, const uint8_t *old_bytes,
			  const uint8_t *new_bytes, uint32_t len);

#endif /* NFV_REWRITE_LIB_H */
