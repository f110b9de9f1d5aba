/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_classify.c - flow keys from packet headers (hypervisor/classify.c).
 *
 * The input is a packet, handed over in a heap block of exactly its length
 * (ASan catches any read past it).  A reference parser written from the
 * rules in classify.h predicts the key: Ethernet, at most one 802.1Q tag,
 * IPv4 (header length >= 20 bytes) or IPv6 within the first 128 bytes,
 * ports for TCP, UDP and SCTP only, from an IPv4 first fragment or the
 * IPv6 header's next header, when the 4 port bytes lie in those 128 bytes.
 * Checked: result and key equal the prediction, the key is all zero on
 * failure, and its hash does not depend on anything but the key.
 */
#include <errno.h>

#include "fuzz.h"
#include "classify.h"

#define HDR_COPY 128u

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static int
reference(const uint8_t *pkt, uint32_t len, struct nfv_flow_key *k)
{
	uint32_t n = len < HDR_COPY ? len : HDR_COPY, off = 14, l4;
	uint16_t type;

	memset(k, 0, sizeof(*k));
	if (n < 14)
		return -EINVAL;
	type = be16(pkt + 12);
	if (type == 0x8100 && n >= 18) {
		type = be16(pkt + 16);
		off = 18;
	}
	if (type == 0x0800 && n >= off + 20) {
		uint32_t ihl = (pkt[off] & 0xf) * 4u;

		if (ihl < 20)
			return -EINVAL;
		k->ipv = 4;
		k->proto = pkt[off + 9];
		memcpy(k->src, pkt + off + 12, 4);
		memcpy(k->dst, pkt + off + 16, 4);
		if (be16(pkt + off + 6) & 0x1fff)	/* not a first fragment */
			return 0;
		l4 = off + ihl;
	} else if (type == 0x86dd && n >= off + 40) {
		k->ipv = 6;
		k->proto = pkt[off + 6];
		memcpy(k->src, pkt + off + 8, 16);
		memcpy(k->dst, pkt + off + 24, 16);
		l4 = off + 40;
	} else {
		return -EINVAL;
	}
	if ((k->proto == 6 || k->proto == 17 || k->proto == 132) && l4 + 4 <= n) {
		memcpy(&k->sport, pkt + l4, 2);
		memcpy(&k->dport, pkt + l4 + 2, 2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct nfv_flow_key zero;
	/* Aligned as the switch's key arrays are: the CRC reads 8 bytes at once. */
	_Alignas(8) struct nfv_flow_key key, want, copy;
	uint8_t *pkt = malloc(size ? size : 1);
	uint32_t len = (uint32_t)size;
	int ret, wret;

	FUZZ_CHECK(pkt, "out of memory");
	memcpy(pkt, data, size);
	memset(&key, 0x5a, sizeof(key));
	ret = nfv_flow_key_parse(pkt, len, &key);
	wret = reference(pkt, len, &want);
	FUZZ_CHECK(ret == wret, "parse returned %d, expected %d", ret, wret);
	FUZZ_CHECK(memcmp(&key, &want, sizeof(key)) == 0,
		   "key ipv %u proto %u ports %u %u, expected ipv %u proto %u ports %u %u",
		   key.ipv, key.proto, key.sport, key.dport, want.ipv, want.proto,
		   want.sport, want.dport);
	FUZZ_CHECK(ret == 0 || memcmp(&key, &zero, sizeof(key)) == 0, "failed parse left a key");
	memcpy(&copy, &key, sizeof(copy));
	FUZZ_CHECK(nfv_flow_hash(&key) == nfv_flow_hash(&copy), "hash of equal keys differs");
	free(pkt);
	return 0;
}
