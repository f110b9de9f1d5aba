/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * classify.h - flow keys from a private copy of a packet's headers.
 *
 * Buffers live in guest-writable memory, so headers are copied into the
 * daemon's stack first and parsed only there: a guest cannot change what
 * the switch decided on.
 */
#ifndef NFV_CLASSIFY_H
#define NFV_CLASSIFY_H

#include <stdint.h>

/** IPv4 and IPv6 5-tuple; IPv4 addresses use the first 4 bytes. */
struct nfv_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport, dport;	/* network order, 0 if not TCP/UDP/SCTP */
	uint8_t proto;		/* IP protocol, 0 if not IP */
	uint8_t ipv;		/* 4, 6 or 0 */
	uint16_t pad;
};

/**
 * Parse the headers of a packet of @len bytes at @data (which may be
 * shared memory: at most 128 bytes are copied out once) into @key.
 * @room (>= @len) bytes at @data may be read: bytes past @len may be
 * copied with the rest, but never change the result.
 * @return 0 if an IPv4/IPv6 header was found, -EINVAL otherwise (the key
 *         is then zero except for what could be parsed).
 */
int nfv_flow_key_parse(const void *data, uint32_t len, uint32_t room,
		       struct nfv_flow_key *key);

/**
 * Hash of a flow key (CRC32-C), 0 for a key without IP (ipv 0), which is
 * what NFs and the load balancer read as "no flow".  An IP flow may hash
 * to 0 too (1 in 2^32) and is then treated the same way.
 */
uint32_t nfv_flow_hash(const struct nfv_flow_key *key);

#endif /* NFV_CLASSIFY_H */
