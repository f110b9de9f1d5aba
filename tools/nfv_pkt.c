/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_pkt.c - checksums, payload tags and NF transforms for the pcap tools.
 */
#include "nfv_pkt.h"

#include <errno.h>
#include <string.h>

#define IPV4_TTL_OFF 8u			/* offsets inside the IP header */
#define IPV4_CSUM_OFF 10u
#define IPV4_ADDRS_OFF 12u
#define IPV6_HOPLIMIT_OFF 7u
#define IPV6_ADDRS_OFF 8u
#define UDP_CSUM_OFF 6u			/* offsets inside the L4 header */
#define TCP_CSUM_OFF 16u
#define NFV_XF_ALL (NFV_XF_MAC_SWAP | NFV_XF_TTL)

uint32_t
nfv_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	for (; len >= 2; p += 2, len -= 2)
		acc += nfv_get16(p);
	if (len)
		acc += (uint32_t)p[0] << 8;
	/* End-around carry keeps the one's complement sum exact. */
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t
nfv_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

static int
parse_ipv4(const uint8_t *frame, size_t len, struct nfv_pkt_info *info)
{
	const uint8_t *ip = frame + NFV_ETH_HLEN;
	size_t hlen, total;

	if (len < NFV_ETH_HLEN + NFV_IPV4_HLEN)
		return -EINVAL;
	if (ip[0] >> 4 != 4)
		return -EPROTONOSUPPORT;
	hlen = (size_t)(ip[0] & 0xfu) * 4;
	total = nfv_get16(ip + 2);
	if (hlen < NFV_IPV4_HLEN || total < hlen || NFV_ETH_HLEN + total > len)
		return -EINVAL;
	info->ip_version = 4;
	info->l4_proto = ip[9];
	info->l4_off = NFV_ETH_HLEN + hlen;
	info->l4_len = total - hlen;
	return 0;
}

static int
parse_ipv6(const uint8_t *frame, size_t len, struct nfv_pkt_info *info)
{
	const uint8_t *ip = frame + NFV_ETH_HLEN;
	size_t plen;

	if (len < NFV_ETH_HLEN + NFV_IPV6_HLEN)
		return -EINVAL;
	if (ip[0] >> 4 != 6)
		return -EPROTONOSUPPORT;
	plen = nfv_get16(ip + 4);
	if (NFV_ETH_HLEN + NFV_IPV6_HLEN + plen > len)
		return -EINVAL;
	info->ip_version = 6;
	info->l4_proto = ip[6];
	info->l4_off = NFV_ETH_HLEN + NFV_IPV6_HLEN;
	info->l4_len = plen;
	return 0;
}

int
nfv_pkt_parse(const uint8_t *frame, size_t len, struct nfv_pkt_info *info)
{
	if (len < NFV_ETH_HLEN)
		return -EINVAL;
	info->l3_off = NFV_ETH_HLEN;
	switch (nfv_get16(frame + 2 * NFV_ETH_ALEN)) {
	case NFV_ETHERTYPE_IPV4:
		return parse_ipv4(frame, len, info);
	case NFV_ETHERTYPE_IPV6:
		return parse_ipv6(frame, len, info);
	default:
		return -EPROTONOSUPPORT;
	}
}

uint16_t
nfv_ipv4_csum(const uint8_t *frame, const struct nfv_pkt_info *info)
{
	const uint8_t *ip = frame + info->l3_off;
	size_t hlen = info->l4_off - info->l3_off;
	uint32_t sum;

	sum = nfv_csum_add(0, ip, IPV4_CSUM_OFF);
	sum = nfv_csum_add(sum, ip + IPV4_CSUM_OFF + 2,
			   hlen - IPV4_CSUM_OFF - 2);
	return nfv_csum_fold(sum);
}

/* Offset of the checksum field inside the L4 header of @info. */
static int
l4_csum_off(const struct nfv_pkt_info *info, size_t *off)
{
	switch (info->l4_proto) {
	case NFV_IPPROTO_UDP:
		*off = UDP_CSUM_OFF;
		return info->l4_len < NFV_UDP_HLEN ? -EINVAL : 0;
	case NFV_IPPROTO_TCP:
		*off = TCP_CSUM_OFF;
		return info->l4_len < NFV_TCP_HLEN ? -EINVAL : 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

/* Sum of the IPv4 or IPv6 pseudo-header. */
static uint32_t
pseudo_hdr_sum(const uint8_t *frame, const struct nfv_pkt_info *info)
{
	const uint8_t *ip = frame + info->l3_off;
	uint32_t len = (uint32_t)info->l4_len;
	uint32_t sum;

	if (info->ip_version == 4)
		sum = nfv_csum_add(0, ip + IPV4_ADDRS_OFF, 8);
	else
		sum = nfv_csum_add(0, ip + IPV6_ADDRS_OFF, 32);
	return sum + (len >> 16) + (len & 0xffffu) + info->l4_proto;
}

int
nfv_l4_csum(const uint8_t *frame, const struct nfv_pkt_info *info,
	    uint16_t *csum)
{
	const uint8_t *l4 = frame + info->l4_off;
	size_t off;
	uint32_t sum;
	int rc;

	rc = l4_csum_off(info, &off);
	if (rc < 0)
		return rc;
	sum = nfv_csum_add(pseudo_hdr_sum(frame, info), l4, off);
	sum = nfv_csum_add(sum, l4 + off + 2, info->l4_len - off - 2);
	*csum = nfv_csum_fold(sum);
	if (*csum == 0 && info->l4_proto == NFV_IPPROTO_UDP)
		*csum = 0xffff;
	return 0;
}

int
nfv_pkt_set_csums(uint8_t *frame, size_t len)
{
	struct nfv_pkt_info info;
	uint16_t csum;
	size_t off;
	int rc;

	rc = nfv_pkt_parse(frame, len, &info);
	if (rc < 0)
		return rc;
	if (info.ip_version == 4)
		nfv_put16(frame + info.l3_off + IPV4_CSUM_OFF,
			  nfv_ipv4_csum(frame, &info));
	rc = l4_csum_off(&info, &off);
	if (rc < 0)
		return rc;
	nfv_l4_csum(frame, &info, &csum);
	nfv_put16(frame + info.l4_off + off, csum);
	return 0;
}

void
nfv_tag_write(uint8_t *p, const struct nfv_tag *tag)
{
	memcpy(p, NFV_TAG_MAGIC, NFV_TAG_MAGIC_LEN);
	nfv_put32(p + NFV_TAG_MAGIC_LEN, tag->seq);
	nfv_put32(p + NFV_TAG_MAGIC_LEN + 4, tag->flow);
}

int
nfv_tag_find(const uint8_t *frame, size_t len, struct nfv_tag *tag)
{
	const uint8_t *p = memmem(frame, len, NFV_TAG_MAGIC, NFV_TAG_MAGIC_LEN);

	/* A later magic would have even fewer bytes after it. */
	if (p == NULL || (size_t)(frame + len - p) < NFV_TAG_LEN)
		return -ENOENT;
	tag->seq = nfv_get32(p + NFV_TAG_MAGIC_LEN);
	tag->flow = nfv_get32(p + NFV_TAG_MAGIC_LEN + 4);
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} xform_names[] = {
	{ "mac-swap", NFV_XF_MAC_SWAP },
	{ "ttl", NFV_XF_TTL },
};

/* The NFV_XF_* bit named by the @n bytes at @s, or 0 if none. */
static unsigned
xform_lookup(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(xform_names) / sizeof(xform_names[0]); i++)
		if (strlen(xform_names[i].name) == n &&
		    memcmp(xform_names[i].name, s, n) == 0)
			return xform_names[i].bit;
	return 0;
}

int
nfv_xform_parse(const char *spec, unsigned *xforms)
{
	unsigned mask = NFV_XF_NONE, bit;
	size_t n;

	if (strcmp(spec, "none") == 0) {
		*xforms = NFV_XF_NONE;
		return 0;
	}
	for (;;) {
		n = strcspn(spec, ",");
		bit = xform_lookup(spec, n);
		if (bit == 0 || (mask & bit))
			return -EINVAL;
		mask |= bit;
		if (spec[n] == '\0')
			break;
		spec += n + 1;
	}
	*xforms = mask;
	return 0;
}

const char *
nfv_xform_name(unsigned xforms)
{
	static const char *const names[] = {
		[NFV_XF_NONE] = "none",
		[NFV_XF_MAC_SWAP] = "mac-swap",
		[NFV_XF_TTL] = "ttl",
		[NFV_XF_MAC_SWAP | NFV_XF_TTL] = "mac-swap,ttl",
	};

	return names[xforms & NFV_XF_ALL];
}

static void
mac_swap(uint8_t *frame)
{
	uint8_t tmp[NFV_ETH_ALEN];

	memcpy(tmp, frame, NFV_ETH_ALEN);
	memcpy(frame, frame + NFV_ETH_ALEN, NFV_ETH_ALEN);
	memcpy(frame + NFV_ETH_ALEN, tmp, NFV_ETH_ALEN);
}

/* Decrement TTL / hop limit; false if the packet must be dropped instead. */
static bool
ttl_decrement(uint8_t *frame, const struct nfv_pkt_info *info)
{
	uint8_t *ip = frame + info->l3_off;
	uint8_t *ttl = ip + (info->ip_version == 4 ? IPV4_TTL_OFF :
			     IPV6_HOPLIMIT_OFF);

	if (*ttl <= 1)
		return false;
	(*ttl)--;
	if (info->ip_version == 4)
		nfv_put16(ip + IPV4_CSUM_OFF, nfv_ipv4_csum(frame, info));
	return true;
}

int
nfv_xform_apply(uint8_t *frame, size_t len, unsigned xforms, bool *drop)
{
	struct nfv_pkt_info info;
	int rc;

	*drop = false;
	if (len < NFV_ETH_HLEN || (xforms & ~NFV_XF_ALL))
		return -EINVAL;
	if (xforms & NFV_XF_TTL) {
		rc = nfv_pkt_parse(frame, len, &info);
		if (rc < 0)
			return rc;
		if (!ttl_decrement(frame, &info)) {
			*drop = true;
			return 0;
		}
	}
	if (xforms & NFV_XF_MAC_SWAP)
		mac_swap(frame);
	return 0;
}
