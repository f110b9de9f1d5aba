/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_classify.c - flow keys from packet headers (hypervisor/classify.c).
 *
 * The input is a packet, handed over in a heap block of exactly its length
 * (ASan catches any read past it), then again with room past it filled with
 * bytes that must change nothing, as in a packet buffer.  A reference
 * parser written from the
 * rules in classify.h predicts the key: Ethernet, at most one 802.1Q tag,
 * IPv4 (header length >= 20 bytes) or IPv6 within the first 128 bytes,
 * ports for TCP, UDP and SCTP only, from an IPv4 first fragment or the
 * IPv6 header's next header, when the 4 port bytes lie in those 128 bytes.
 * Checked: result and key equal the prediction (with and without room),
 * the key is all zero on failure, and its hash does not depend on
 * anything but the key.
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
	_Alignas(8) struct nfv_flow_key key, want, copy, roomy;
	uint8_t *pkt = malloc(size ? size : 1), *buf = malloc(size + HDR_COPY);
	/* Ethernet (IPv4), IPv4 (20 bytes, UDP), UDP ports 1024 -> 9 */
	static const uint8_t ip_udp[] = {
		2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00,
		0x45, 0, 0, 46, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 19, 0, 1,
		0x04, 0x00, 0x00, 0x09,
	};
	uint32_t len = (uint32_t)size, i;
	int ret, wret;

	FUZZ_CHECK(pkt && buf, "out of memory");
	memcpy(pkt, data, size);
	memset(&key, 0x5a, sizeof(key));
	ret = nfv_flow_key_parse(pkt, len, len, &key);
	wret = reference(pkt, len, &want);
	/* The same packet in a buffer with room past it, full of what an
	 * IPv4/UDP header would hold there: it would parse if the parser read
	 * it as the packet's. */
	memcpy(buf, data, size);
	for (i = 0; i < HDR_COPY; i++)
		buf[size + i] = size + i < sizeof(ip_udp) ? ip_udp[size + i] : 0x45;
	memset(&roomy, 0x5a, sizeof(roomy));
	FUZZ_CHECK(nfv_flow_key_parse(buf, len, len + HDR_COPY, &roomy) == ret,
		   "parse with room past the packet returned another result");
	FUZZ_CHECK(memcmp(&roomy, &key, sizeof(key)) == 0,
		   "bytes past the packet changed its key");
	free(buf);
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
