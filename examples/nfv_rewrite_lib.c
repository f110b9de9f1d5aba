/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_rewrite_lib.c - in-place header rewrites of nfv-rewrite, and the
 * header parsing and checksum helpers other example NFs share.
 *
 * The frame lives in shared memory that other parties of the domain can
 * write at any time, so every field is read once into a local and every
 * access stays within the frame's length.
 */
#include <netinet/in.h>
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
#define IPV4_FRAG 6		/* flags and fragment offset */
#define IPV4_MF 0x2000
#define IPV4_OFFSET 0x1fff
#define IPV4_PROTO 9
#define IPV4_SRC 12		/* then the destination at 16 */
#define IPV6_NEXT_HDR 6
#define IPV6_SRC 8		/* then the destination at 24 */
#define TCP_MIN_HDR_LEN 20
#define UDP_HDR_LEN 8

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
nfv_rewrite_ip_ttl(uint8_t *ip, uint32_t len)
{
	if (len == 0)
		return NFV_REWRITE_FORWARD;
	if (ip[0] >> 4 == 4)
		return ipv4_ttl(ip, len);
	return ipv6_hop_limit(ip, len);
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

uint16_t
nfv_csum_replace(uint16_t csum, const uint8_t *old_bytes,
		 const uint8_t *new_bytes, uint32_t len)
{
	uint32_t sum = (uint16_t)~csum;
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint16_t)~(old_bytes[i] << 8 | old_bytes[i + 1]);
		sum += (uint16_t)(new_bytes[i] << 8 | new_bytes[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint64_t
nfv_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t
nfv_5tuple_hash(const struct nfv_5tuple *key, uint64_t seed)
{
	uint64_t w[sizeof(*key) / sizeof(uint64_t)];
	uint64_t h = seed;
	unsigned int i;

	memcpy(w, key, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		h = nfv_mix64(h ^ w[i]) + i;
	return nfv_mix64(h);
}

/* Read the ports of a TCP or UDP header of @len bytes at @l4 into @h. */
static void
parse_l4(const uint8_t *l4, uint32_t len, struct nfv_hdrs *h)
{
	uint8_t proto = h->key.proto;

	if ((proto == IPPROTO_TCP && len < TCP_MIN_HDR_LEN) ||
	    (proto == IPPROTO_UDP && len < UDP_HDR_LEN) ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return;
	h->l4 = 1;
	h->sport = (uint16_t)(l4[0] << 8 | l4[1]);
	h->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	if (!h->fragment) {
		h->key.sport = h->sport;
		h->key.dport = h->dport;
	}
}

int
nfv_hdrs_parse(const uint8_t *frame, uint32_t len, struct nfv_hdrs *h)
{
	const uint8_t *ip = frame + ETH_HDR_LEN;
	uint32_t iplen, ihl;
	uint16_t type, frag;
	uint8_t vihl;

	memset(h, 0, sizeof(*h));
	if (len < ETH_HDR_LEN)
		return 0;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	iplen = len - ETH_HDR_LEN;
	h->l3_off = ETH_HDR_LEN;
	if (type == ETH_TYPE_IPV4 && iplen >= IPV4_MIN_HDR_LEN) {
		vihl = ip[0];
		ihl = (vihl & 0xfu) * 4;
		if (vihl >> 4 != 4 || ihl < IPV4_MIN_HDR_LEN || ihl > iplen)
			return 0;
		h->key.family = 4;
		h->key.proto = ip[IPV4_PROTO];
		memcpy(h->key.src, ip + IPV4_SRC, 4);
		memcpy(h->key.dst, ip + IPV4_SRC + 4, 4);
		frag = (uint16_t)(ip[IPV4_FRAG] << 8 | ip[IPV4_FRAG + 1]);
		h->fragment = (frag & (IPV4_MF | IPV4_OFFSET)) != 0;
		h->l4_off = (uint16_t)(ETH_HDR_LEN + ihl);
		if (!(frag & IPV4_OFFSET))
			parse_l4(ip + ihl, iplen - ihl, h);
	} else if (type == ETH_TYPE_IPV6 && iplen >= IPV6_HDR_LEN) {
		if (ip[0] >> 4 != 6)
			return 0;
		h->key.family = 6;
		h->key.proto = ip[IPV6_NEXT_HDR];
		memcpy(h->key.src, ip + IPV6_SRC, NFV_ADDR_LEN);
		memcpy(h->key.dst, ip + IPV6_SRC + NFV_ADDR_LEN, NFV_ADDR_LEN);
		h->l4_off = ETH_HDR_LEN + IPV6_HDR_LEN;
		parse_l4(ip + IPV6_HDR_LEN, iplen - IPV6_HDR_LEN, h);
	}
	return h->key.family;
}
