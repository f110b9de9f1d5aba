/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_ip_lib.h - what the catalogue NFs (nfv-router, nfv-firewall, nfv-nat)
 * share about IP: where the headers of a frame lie, address prefixes, and
 * reading their line-oriented configuration files with file:line errors.
 *
 * Frames are Ethernet II, optionally with one 802.1Q tag, carrying IPv4
 * (options allowed) or IPv6 (hop-by-hop, routing, destination-options,
 * fragment and AH extension headers are walked to the transport header).
 * Multi-byte fields are read byte by byte in network order, so frames need
 * no alignment.  Checksum helpers live in nfv_rewrite_lib.h.
 */
#ifndef NFV_IP_LIB_H
#define NFV_IP_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfv_rewrite_lib.h"

/** Room for an error message of the loaders ("FILE:LINE: what, fix"). */
#define NFV_ERR_LEN 320

/** Where the headers of an IP packet lie in its frame (byte offsets). */
struct nfv_ip_hdrs {
	uint32_t l3;		/**< IP header */
	uint32_t l4;		/**< transport header (past IPv6 ext headers) */
	uint32_t end;		/**< end of the IP packet, <= frame length */
	uint32_t saddr;		/**< source address */
	uint32_t daddr;		/**< destination address */
	uint8_t ipv;		/**< 4 or 6 */
	uint8_t proto;		/**< transport protocol (IPv4 protocol,
				 *   last IPv6 next header) */
	uint8_t has_l4;		/**< 0 for a non-first fragment: no
				 *   transport header */
};

/**
 * Locate the IP and transport headers of an Ethernet frame.  Checks that
 * every header, and the IP length, lies within @len.
 *
 * @param frame  first byte of the Ethernet header
 * @param len    bytes at @frame
 * @param h      filled on success
 * @return 0; -EPROTONOSUPPORT if the frame carries neither IPv4 nor IPv6;
 *         -EINVAL if a header is truncated, a length field is inconsistent,
 *         the IP version disagrees with the EtherType, or an IPv6 packet
 *         has more than 8 extension headers.
 */
int nfv_ip_parse(const uint8_t *frame, uint32_t len, struct nfv_ip_hdrs *h);

/** Transport protocols and ICMP messages the catalogue NFs know. */
#define NFV_PROTO_ICMP 1
#define NFV_PROTO_TCP 6
#define NFV_PROTO_UDP 17
#define NFV_PROTO_ICMPV6 58
#define NFV_ICMP_ECHO_REPLY 0
#define NFV_ICMP_ECHO_REQUEST 8
#define NFV_ICMPV6_ECHO_REQUEST 128
#define NFV_ICMPV6_ECHO_REPLY 129
/** Shortest headers read: TCP (without options), UDP, ICMP echo. */
#define NFV_TCP_HDR_LEN 20
#define NFV_UDP_HDR_LEN 8
#define NFV_ICMP_HDR_LEN 8

/**
 * The flow key of a packet nfv_ip_parse() accepted.  Ports are those of
 * TCP and UDP; an ICMP or ICMPv6 echo request has its identifier as source
 * port and 0 as destination port, an echo reply 0 and its identifier, so
 * that a reply's key is its request's reversed.  Other ICMP messages,
 * other protocols and non-first fragments have ports 0.
 *
 * @param frame  the frame
 * @param h      its headers
 * @param key    filled on success (every byte: comparable with memcmp())
 * @return 0, or -EINVAL if a TCP (20 bytes), UDP or ICMP (8 bytes) header
 *         is truncated.
 */
int nfv_ip_flow_key(const uint8_t *frame, const struct nfv_ip_hdrs *h,
		    struct nfv_5tuple *key);

/** Set @rev to @key with source and destination swapped. */
void nfv_5tuple_reverse(const struct nfv_5tuple *key, struct nfv_5tuple *rev);

/** Read a big-endian 16-bit field. */
static inline uint16_t
nfv_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/** Write a big-endian 16-bit field. */
static inline void
nfv_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** An IPv4 or IPv6 address prefix. */
struct nfv_prefix {
	uint8_t addr[16];	/**< network order; IPv4 uses the first 4 */
	uint8_t ipv;		/**< 4 or 6 */
	uint8_t len;		/**< prefix length, 0..32 or 0..128 */
};

/**
 * Parse "ADDR/LEN", or a bare ADDR meaning a host (/32 or /128).
 *
 * @param s     text to parse
 * @param p     filled on success
 * @param why   on failure, what is wrong and how to write it instead
 * @param n     bytes at @why
 * @return 0, or -EINVAL with @why set: not an address, a length out of
 *         range, or bits set past the length.
 */
int nfv_prefix_parse(const char *s, struct nfv_prefix *p, char *why, size_t n);

/**
 * @param p     prefix
 * @param ipv   address family of @addr, 4 or 6
 * @param addr  4 or 16 bytes, network order
 * @return 1 if @addr is of @p's family and lies in @p, else 0.
 */
int nfv_prefix_match(const struct nfv_prefix *p, uint8_t ipv,
		     const uint8_t *addr);

/**
 * Write @p as "ADDR/LEN".
 * @return @buf.
 */
char *nfv_prefix_str(const struct nfv_prefix *p, char *buf, size_t n);

/** Longest "ADDR/LEN" nfv_prefix_str() writes, NUL included. */
#define NFV_PREFIX_STR_LEN 50

/** Most words on one configuration line. */
#define NFV_CONF_MAX_WORDS 16

/** A configuration file being read line by line. */
struct nfv_conf {
	FILE *f;			/**< the open file */
	const char *path;		/**< its name, for messages */
	unsigned int line;		/**< number of the line last read */
	char buf[1024];			/**< that line, split in place */
	char *word[NFV_CONF_MAX_WORDS];	/**< its words */
	char *err;			/**< where messages go */
	size_t errlen;			/**< bytes at err */
};

/**
 * Open @path for nfv_conf_next().
 *
 * @param c       reader to set up
 * @param path    file to read
 * @param err     receives "PATH: reason" on failure, and later messages
 * @param errlen  bytes at @err
 * @return 0, or a negative errno with @err set.
 */
int nfv_conf_open(struct nfv_conf *c, const char *path, char *err,
		  size_t errlen);

/**
 * Read the next line that has words: '#' starts a comment, blank lines
 * are skipped, words are separated by blanks.
 *
 * @return the number of words (in c->word), 0 at the end of the file, or
 *         -EINVAL (line too long or with too many words) or -EIO with
 *         c->err set to "PATH:LINE: reason".
 */
int nfv_conf_next(struct nfv_conf *c);

/**
 * Set c->err to "PATH:LINE: " and the formatted message.
 * @return -EINVAL, for the caller to return.
 */
int nfv_conf_error(struct nfv_conf *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Close the file of @c. */
void nfv_conf_close(struct nfv_conf *c);

/**
 * Parse a decimal number in [@min, @max]: digits only, no sign or blanks.
 * @return 0, or -EINVAL.
 */
int nfv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

#endif /* NFV_IP_LIB_H */
