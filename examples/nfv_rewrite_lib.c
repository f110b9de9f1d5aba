/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_rewrite_lib.c - in-place header rewrites of nfv-rewrite.
 *
 * The frame lives in shared memory that other parties of the domain can
 * write at any time, so every field is read once into a local and every
 * access stays within the frame's length.
 */
#include <string.h>

#include "nfv_rewrite_lib.h"

#define ETH_ADDR_LEN 6
#define ETH_HDR_LEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define IPV4_MIN_HDR_LEN 20
#define IPV4_TTL 8		/* then protocol at 9: one 16-bit word */
#define IPV4_CSUM 10
#define IPV6_HDR_LEN 40
#define IPV6_HOP_LIMIT 7

uint16_t
nfv_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old_word + new_word;

	/* Two folds absorb every carry of a sum of three 16-bit values. */
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static enum nfv_rewrite_verdict
ipv4_ttl(uint8_t *ip, uint32_t len)
{
	uint8_t vihl, ttl, proto;
	uint16_t csum, old_word, new_word;

	if (len < IPV4_MIN_HDR_LEN)
		return NFV_REWRITE_FORWARD;
	vihl = ip[0];
	if (vihl >> 4 != 4 || (vihl & 0xf) < IPV4_MIN_HDR_LEN / 4)
		return NFV_REWRITE_FORWARD;
	ttl = ip[IPV4_TTL];
	if (ttl <= 1)
		return NFV_REWRITE_EXPIRED;
	proto = ip[IPV4_TTL + 1];
	csum = (uint16_t)(ip[IPV4_CSUM] << 8 | ip[IPV4_CSUM + 1]);
	old_word = (uint16_t)(ttl << 8 | proto);
	new_word = (uint16_t)((ttl - 1) << 8 | proto);
	csum = nfv_csum_update16(csum, old_word, new_word);
	ip[IPV4_TTL] = (uint8_t)(ttl - 1);
	ip[IPV4_CSUM] = (uint8_t)(csum >> 8);
	ip[IPV4_CSUM + 1] = (uint8_t)csum;
	return NFV_REWRITE_FORWARD;
}

static enum nfv_rewrite_verdict
ipv6_hop_limit(uint8_t *ip, uint32_t len)
{
	uint8_t hops;

	if (len < IPV6_HDR_LEN || ip[0] >> 4 != 6)
		return NFV_REWRITE_FORWARD;
	hops = ip[IPV6_HOP_LIMIT];
	if (hops <= 1)
		return NFV_REWRITE_EXPIRED;
	ip[IPV6_HOP_LIMIT] = (uint8_t)(hops - 1);
	return NFV_REWRITE_FORWARD;
}

enum nfv_rewrite_verdict
nfv_rewrite(uint8_t *frame, uint32_t len, unsigned int ops)
{
	uint8_t mac[ETH_ADDR_LEN];

	if (len < ETH_HDR_LEN)
		return NFV_REWRITE_FORWARD;
	if (ops & NFV_REWRITE_TTL) {
		uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
		enum nfv_rewrite_verdict v = NFV_REWRITE_FORWARD;

		if (type == ETH_TYPE_IPV4)
			v = ipv4_ttl(frame + ETH_HDR_LEN, len - ETH_HDR_LEN);
		else if (type == ETH_TYPE_IPV6)
			v = ipv6_hop_limit(frame + ETH_HDR_LEN, len - ETH_HDR_LEN);
		if (v != NFV_REWRITE_FORWARD)
			return v;
	}
	if (ops & NFV_REWRITE_MAC_SWAP) {
		memcpy(mac, frame, ETH_ADDR_LEN);
		memcpy(frame, frame + ETH_ADDR_LEN, ETH_ADDR_LEN);
		memcpy(frame + ETH_ADDR_LEN, mac, ETH_ADDR_LEN);
	}
	return NFV_REWRITE_FORWARD;
}
