/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_pkt.h - packet helpers shared by the pcap tools.
 *
 * Frames are Ethernet II without FCS: a 14-byte Ethernet header, then an
 * IPv4 header (with options) or a fixed IPv6 header (no extension headers),
 * then UDP or TCP.  Every multi-byte field is read and written byte by byte
 * in network order, so frames need no particular alignment.
 *
 * Test traffic carries a 16-byte tag at the start of its L4 payload:
 *
 *   +0   "NFVPKT01"   magic, 8 ASCII bytes
 *   +8   seq          uint32, network order, 0..count-1 in one capture
 *   +12  flow         uint32, network order, generator flow number
 *
 * Transforms describe what a network function does to a frame, so that a
 * checker can compute the bytes it expects to come back:
 *
 *   mac-swap  swap the Ethernet destination and source addresses;
 *   ttl       IPv4: TTL - 1 and a header checksum recomputed from scratch;
 *             IPv6: hop limit - 1.  A packet whose TTL or hop limit is 0
 *             or 1 on arrival is dropped instead.
 *
 * Neither transform touches the L4 checksum: TTL and hop limit are not
 * part of the UDP/TCP pseudo-header.
 *
 * Errors follow the project convention: int functions return 0 (or a
 * non-negative value where documented) or -errno.
 */
#ifndef NFV_PKT_H
#define NFV_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NFV_ETH_ALEN 6u			/**< bytes in a MAC address */
#define NFV_ETH_HLEN 14u		/**< Ethernet II header, no VLAN tag */
#define NFV_ETH_FRAME_MIN 60u		/**< shortest frame without FCS */
#define NFV_ETH_FRAME_MAX 1514u		/**< longest untagged frame, no FCS */
#define NFV_ETH_JUMBO_MAX 9014u		/**< longest jumbo frame (MTU 9000), no FCS */
#define NFV_ETHERTYPE_IPV4 0x0800u
#define NFV_ETHERTYPE_IPV6 0x86ddu
#define NFV_IPV4_HLEN 20u		/**< IPv4 header without options */
#define NFV_IPV6_HLEN 40u		/**< fixed IPv6 header */
#define NFV_UDP_HLEN 8u
#define NFV_TCP_HLEN 20u		/**< TCP header without options */
#define NFV_IPPROTO_TCP 6u
#define NFV_IPPROTO_UDP 17u

#define NFV_TAG_MAGIC "NFVPKT01"	/**< first 8 bytes of every tag */
#define NFV_TAG_MAGIC_LEN 8u
#define NFV_TAG_LEN 16u			/**< magic + seq + flow */

#define NFV_XF_NONE 0u			/**< frame comes back unchanged */
#define NFV_XF_MAC_SWAP 0x1u		/**< Ethernet dst and src swapped */
#define NFV_XF_TTL 0x2u			/**< TTL / hop limit decremented */

/** Where the layers of a parsed IP frame are. */
struct nfv_pkt_info {
	size_t l3_off;			/**< IP header, always NFV_ETH_HLEN */
	size_t l4_off;			/**< first byte after the IP header */
	size_t l4_len;			/**< bytes of IP payload from l4_off */
	uint8_t ip_version;		/**< 4 or 6 */
	uint8_t l4_proto;		/**< IPv4 protocol / IPv6 next header */
};

/** Decoded payload tag. */
struct nfv_tag {
	uint32_t seq;			/**< packet sequence number */
	uint32_t flow;			/**< flow number */
};

/** Read a big-endian 16-bit field at @p. */
static inline uint16_t
nfv_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/** Write @v as a big-endian 16-bit field at @p. */
static inline void
nfv_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Read a big-endian 32-bit field at @p. */
static inline uint32_t
nfv_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/** Write @v as a big-endian 32-bit field at @p. */
static inline void
nfv_put32(uint8_t *p, uint32_t v)
{
	nfv_put16(p, (uint16_t)(v >> 16));
	nfv_put16(p + 2, (uint16_t)v);
}

/**
 * Add @len bytes at @data to a running Internet checksum (RFC 1071).
 *
 * @param sum   running 32-bit sum, 0 to start
 * @param data  bytes to add, read as big-endian 16-bit words; an odd last
 *              byte is padded with zero
 * @param len   number of bytes
 * @return the new running sum, to pass to nfv_csum_add() or nfv_csum_fold().
 *         Chained calls must pass even lengths except for the last one.
 */
uint32_t nfv_csum_add(uint32_t sum, const void *data, size_t len);

/**
 * Fold a running sum to 16 bits and complement it.
 *
 * @param sum  value returned by nfv_csum_add()
 * @return the checksum to store in a header, in host order.
 */
uint16_t nfv_csum_fold(uint32_t sum);

/**
 * Locate the IP and L4 headers of an Ethernet frame.
 *
 * @param frame  frame starting with the Ethernet header
 * @param len    bytes available at @frame
 * @param info   filled on success
 * @return 0; -EPROTONOSUPPORT if the EtherType is neither IPv4 nor IPv6 or
 *         the IP version field disagrees with it; -EINVAL if a header is
 *         truncated or a length field points past @len.
 */
int nfv_pkt_parse(const uint8_t *frame, size_t len, struct nfv_pkt_info *info);

/**
 * Compute the IPv4 header checksum from scratch.
 *
 * @param frame  frame parsed by nfv_pkt_parse() as IPv4
 * @param info   its layout
 * @return the checksum over the whole header (options included) with the
 *         checksum field taken as zero, in host order.
 */
uint16_t nfv_ipv4_csum(const uint8_t *frame, const struct nfv_pkt_info *info);

/**
 * Compute the UDP or TCP checksum, pseudo-header included.
 *
 * @param frame  frame parsed by nfv_pkt_parse()
 * @param info   its layout
 * @param csum   set to the checksum over the pseudo-header and the l4_len
 *               bytes at l4_off with the checksum field taken as zero, in
 *               host order; a UDP result of 0 is given as 0xffff (RFC 768)
 * @return 0; -EPROTONOSUPPORT if l4_proto is neither UDP nor TCP; -EINVAL
 *         if l4_len is shorter than the UDP or TCP header.
 */
int nfv_l4_csum(const uint8_t *frame, const struct nfv_pkt_info *info,
		uint16_t *csum);

/**
 * Store correct IPv4 header and UDP/TCP checksums into a frame.
 *
 * @param frame  frame to update
 * @param len    bytes at @frame
 * @return 0; any error of nfv_pkt_parse(); -EPROTONOSUPPORT if the L4
 *         protocol is not UDP or TCP, or -EINVAL if its header is
 *         truncated (the IPv4 checksum is set in both cases).
 */
int nfv_pkt_set_csums(uint8_t *frame, size_t len);

/**
 * Write a tag at @p (NFV_TAG_LEN bytes).
 *
 * @param p     destination, no alignment needed
 * @param tag   sequence number and flow to store
 */
void nfv_tag_write(uint8_t *p, const struct nfv_tag *tag);

/**
 * Find the tag of a frame: the first NFV_TAG_MAGIC followed by at least
 * NFV_TAG_LEN - NFV_TAG_MAGIC_LEN more bytes.  Searching instead of parsing
 * finds the tag even when a network function mangled the headers, so the
 * checker can report where a frame differs instead of losing it.
 *
 * @param frame  bytes to search
 * @param len    bytes at @frame
 * @param tag    filled on success
 * @return 0, or -ENOENT if there is no tag.
 */
int nfv_tag_find(const uint8_t *frame, size_t len, struct nfv_tag *tag);

/**
 * Parse a transform list: "none", or a comma-separated list of
 * "mac-swap" and "ttl" in any order, each at most once.
 *
 * @param spec    text to parse
 * @param xforms  filled with an NFV_XF_* mask on success
 * @return 0, or -EINVAL for an empty, unknown or repeated name.
 */
int nfv_xform_parse(const char *spec, unsigned *xforms);

/**
 * Name a transform mask the way nfv_xform_parse() reads it.
 *
 * @param xforms  NFV_XF_* mask; other bits are ignored
 * @return "none", "mac-swap", "ttl" or "mac-swap,ttl" (static storage).
 */
const char *nfv_xform_name(unsigned xforms);

/**
 * Apply transforms to a frame in place.
 *
 * @param frame   frame to change
 * @param len     bytes at @frame
 * @param xforms  NFV_XF_* mask
 * @param drop    set to true if the frame would be dropped (TTL or hop
 *                limit expired; the frame is then left as it was), else false
 * @return 0; -EINVAL if @xforms has a bit other than NFV_XF_*, or the
 *         frame is shorter than an Ethernet header; with NFV_XF_TTL, any
 *         error of nfv_pkt_parse().  On error the frame is unchanged.
 */
int nfv_xform_apply(uint8_t *frame, size_t len, unsigned xforms, bool *drop);

#ifdef __cplusplus
}
#endif

#endif /* NFV_PKT_H */
