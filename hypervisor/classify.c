/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "classify.h"

#define HDR_COPY 128u	/* the most of a packet ever read */
#define HDR_FIRST 64u	/* read first: Ethernet, VLAN, IPv4/IPv6, ports */

static void
parse_ports(const uint8_t *l4, uint32_t room, struct nfv_flow_key *key)
{
	if (room < 4)
		return;
	if (key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP ||
	    key->proto == IPPROTO_SCTP) {
		memcpy(&key->sport, l4, 2);
		memcpy(&key->dport, l4 + 2, 2);
	}
}

/*
 * @halves 2-byte pieces of the copy @src into @dst.  Kept apart (atomic
 * loads are not merged): a wider read that straddles two of the copy's
 * vector stores could not be forwarded from them and would wait until
 * both reach the cache.
 */
typedef uint16_t half_t __attribute__((may_alias));	/* a piece of a byte copy */

static inline void
copy_halves(uint8_t *dst, const uint8_t *src, unsigned int halves)
{
	unsigned int i;

	for (i = 0; i < halves; i++) {
		uint16_t v = __atomic_load_n((const half_t *)(const void *)(src + 2 * i),
					     __ATOMIC_RELAXED);

		memcpy(dst + 2 * i, &v, 2);
	}
}

int
nfv_flow_key_parse(const void *data, uint32_t len, uint32_t room, struct nfv_flow_key *key)
{
	uint8_t h[HDR_COPY] __attribute__((aligned(16)));
	uint32_t n = len < HDR_COPY ? len : HDR_COPY;
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t type;

	memset(key, 0, sizeof(*key));
	/* Each byte of shared memory is read once, into h: one cache line,
	 * whose fixed size makes the copy a few vector moves, also for a
	 * shorter packet in a buffer that has the room (the bytes past it are
	 * copied, never parsed: a copy of a variable length was a `rep movsq`
	 * and a third of the parse of 60-byte frames); the rest only for IPv4
	 * options that push the ports past it. */
	if (room >= HDR_FIRST)
		memcpy(h, data, HDR_FIRST);
	else
		memcpy(h, data, n);	/* n <= len <= room < HDR_FIRST */
	if (n < off)
		return -EINVAL;
	memcpy(&type, h + 12, 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) && n >= off + 4) {
		memcpy(&type, h + 16, 2);
		off += 4;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    n >= off + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip = (const void *)(h + off);
		uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;

		if (ihl < sizeof(*ip))
			return -EINVAL;
		key->ipv = 4;
		key->proto = ip->next_proto_id;
		copy_halves(key->src, (const uint8_t *)&ip->src_addr, 2);
		copy_halves(key->dst, (const uint8_t *)&ip->dst_addr, 2);
		/* Only a first (or only) fragment carries the ports. */
		if ((ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0 &&
		    n > off + ihl) {
			if (off + ihl + 4 > HDR_FIRST && n > HDR_FIRST)
				memcpy(h + HDR_FIRST, (const uint8_t *)data + HDR_FIRST,
				       n - HDR_FIRST);
			parse_ports(h + off + ihl, n - off - ihl, key);
		}
		return 0;
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
	    n >= off + sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *ip6 = (const void *)(h + off);

		key->ipv = 6;
		key->proto = ip6->proto;
		copy_halves(key->src, ip6->src_addr, 8);
		copy_halves(key->dst, ip6->dst_addr, 8);
		off += sizeof(*ip6);
		if (n > off)
			parse_ports(h + off, n - off, key);
		return 0;
	}
	return -EINVAL;
}

uint32_t
nfv_flow_hash(const struct nfv_flow_key *key)
{
	if (key->ipv == 0)
		return 0;	/* not IP: no flow */
	return rte_hash_crc(key, sizeof(*key), 0x4e465653);
}
