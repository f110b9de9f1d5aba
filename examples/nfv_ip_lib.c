/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_ip_lib.c - header parsing, prefixes and configuration files of the
 * catalogue NFs.
 *
 * Frames live in shared memory that other parties of the domain may write
 * at any time: nfv_ip_parse() reads each length field once and returns
 * offsets it checked against the frame length, so whatever the bytes become
 * later, accesses at those offsets stay inside the frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nfv_ip_lib.h"

#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100
#define IPV4_MIN_HDR_LEN 20
#define IPV4_FRAG_OFF_MASK 0x1fff
#define IPV6_HDR_LEN 40
#define IPV6_MAX_EXT_HDRS 8
#define IPV6_FRAG_OFF_MASK 0xfff8

/* IPv6 extension headers walked to reach the transport header. */
#define NH_HOP_BY_HOP 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DEST_OPTS 60

static int
parse_ipv4(const uint8_t *frame, uint32_t off, uint32_t len,
	   struct nfv_ip_hdrs *h)
{
	const uint8_t *ip = frame + off;
	uint32_t ihl, total;
	uint16_t frag;

	if (len - off < IPV4_MIN_HDR_LEN)
		return -EINVAL;
	if (ip[0] >> 4 != 4)
		return -EINVAL;
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	total = nfv_rd16(ip + 2);
	if (ihl < IPV4_MIN_HDR_LEN || total < ihl || total > len - off)
		return -EINVAL;
	frag = nfv_rd16(ip + 6);
	h->l3 = off;
	h->l4 = off + ihl;
	h->end = off + total;
	h->saddr = off + 12;
	h->daddr = off + 16;
	h->ipv = 4;
	h->proto = ip[9];
	h->has_l4 = (frag & IPV4_FRAG_OFF_MASK) == 0;
	return 0;
}

static int
parse_ipv6(const uint8_t *frame, uint32_t off, uint32_t len,
	   struct nfv_ip_hdrs *h)
{
	const uint8_t *ip = frame + off;
	uint32_t end, p, hlen;
	uint8_t nh;
	int i;

	if (len - off < IPV6_HDR_LEN)
		return -EINVAL;
	if (ip[0] >> 4 != 6)
		return -EINVAL;
	end = off + IPV6_HDR_LEN + nfv_rd16(ip + 4);
	if (end > len)
		return -EINVAL;
	h->l3 = off;
	h->end = end;
	h->saddr = off + 8;
	h->daddr = off + 24;
	h->ipv = 6;
	h->has_l4 = 1;
	nh = ip[6];
	p = off + IPV6_HDR_LEN;
	for (i = 0; i <= IPV6_MAX_EXT_HDRS; i++) {
		switch (nh) {
		case NH_HOP_BY_HOP:
		case NH_ROUTING:
		case NH_DEST_OPTS:
			if (end - p < 2)
				return -EINVAL;
			hlen = ((uint32_t)frame[p + 1] + 1) * 8;
			break;
		case NH_AH:
			if (end - p < 2)
				return -EINVAL;
			hlen = ((uint32_t)frame[p + 1] + 2) * 4;
			break;
		case NH_FRAGMENT:
			if (end - p < 8)
				return -EINVAL;
			hlen = 8;
			if (nfv_rd16(frame + p + 2) & IPV6_FRAG_OFF_MASK)
				h->has_l4 = 0;
			break;
		default:
			h->proto = nh;
			h->l4 = p;
			return 0;
		}
		if (hlen > end - p)
			return -EINVAL;
		nh = frame[p];
		p += hlen;
		if (!h->has_l4) {
			/* A later fragment: what follows is not a header. */
			h->proto = nh;
			h->l4 = p;
			return 0;
		}
	}
	return -EINVAL;
}

int
nfv_ip_parse(const uint8_t *frame, uint32_t len, struct nfv_ip_hdrs *h)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t type;

	if (len < ETH_HDR_LEN)
		return -EINVAL;
	type = nfv_rd16(frame + 12);
	if (type == ETH_TYPE_VLAN) {
		if (len < ETH_HDR_LEN + VLAN_TAG_LEN)
			return -EINVAL;
		type = nfv_rd16(frame + 16);
		off += VLAN_TAG_LEN;
	}
	if (type == ETH_TYPE_IPV4)
		return parse_ipv4(frame, off, len, h);
	if (type == ETH_TYPE_IPV6)
		return parse_ipv6(frame, off, len, h);
	return -EPROTONOSUPPORT;
}

int
nfv_ip_flow_key(const uint8_t *frame, const struct nfv_ip_hdrs *h,
		struct nfv_5tuple *key)
{
	const uint8_t *l4 = frame + h->l4;
	uint32_t room = h->end - h->l4, alen = h->ipv == 4 ? 4 : 16;
	uint8_t icmp = h->ipv == 4 ? NFV_PROTO_ICMP : NFV_PROTO_ICMPV6;
	uint8_t request = h->ipv == 4 ? NFV_ICMP_ECHO_REQUEST : NFV_ICMPV6_ECHO_REQUEST;
	uint8_t reply = h->ipv == 4 ? NFV_ICMP_ECHO_REPLY : NFV_ICMPV6_ECHO_REPLY;
	uint8_t type;

	memset(key, 0, sizeof(*key));
	key->family = h->ipv;
	key->proto = h->proto;
	memcpy(key->src, frame + h->saddr, alen);
	memcpy(key->dst, frame + h->daddr, alen);
	if (!h->has_l4)
		return 0;
	if (h->proto == NFV_PROTO_TCP || h->proto == NFV_PROTO_UDP) {
		if (room < (h->proto == NFV_PROTO_TCP ? NFV_TCP_HDR_LEN : NFV_UDP_HDR_LEN))
			return -EINVAL;
		key->sport = nfv_rd16(l4);
		key->dport = nfv_rd16(l4 + 2);
	} else if (h->proto == icmp) {
		if (room < NFV_ICMP_HDR_LEN)
			return -EINVAL;
		type = l4[0];
		if (type == request)
			key->sport = nfv_rd16(l4 + 4);
		else if (type == reply)
			key->dport = nfv_rd16(l4 + 4);
	}
	return 0;
}

void
nfv_5tuple_reverse(const struct nfv_5tuple *key, struct nfv_5tuple *rev)
{
	*rev = *key;
	memcpy(rev->src, key->dst, sizeof(rev->src));
	memcpy(rev->dst, key->src, sizeof(rev->dst));
	rev->sport = key->dport;
	rev->dport = key->sport;
}

int
nfv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int
nfv_prefix_parse(const char *s, struct nfv_prefix *p, char *why, size_t n)
{
	char addr[INET6_ADDRSTRLEN + 1], fixed[NFV_PREFIX_STR_LEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t len, max, i;

	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		goto bad_addr;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1)
		p->ipv = 4;
	else if (inet_pton(AF_INET6, addr, p->addr) == 1)
		p->ipv = 6;
	else
		goto bad_addr;
	max = p->ipv == 4 ? 32 : 128;
	if (!slash) {
		len = max;
	} else if (nfv_parse_u32(slash + 1, 0, max, &len) < 0) {
		snprintf(why, n, "'%s': the prefix length must be 0..%u", s, max);
		return -EINVAL;
	}
	p->len = (uint8_t)len;
	for (i = len; i < max; i++) {
		if (p->addr[i / 8] & (0x80u >> (i % 8))) {
			for (; i < max; i++)
				p->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
			snprintf(why, n, "'%s' has bits set past the prefix length: write %s",
				 s, nfv_prefix_str(p, fixed, sizeof(fixed)));
			return -EINVAL;
		}
	}
	return 0;

bad_addr:
	snprintf(why, n, "'%s' is not an IPv4 or IPv6 prefix: write ADDR/LEN, e.g. 10.0.0.0/8 or 2001:db8::/32",
		 s);
	return -EINVAL;
}

int
nfv_prefix_match(const struct nfv_prefix *p, uint8_t ipv, const uint8_t *addr)
{
	unsigned int bytes = p->len / 8, bits = p->len % 8;

	if (p->ipv != ipv)
		return 0;
	if (memcmp(p->addr, addr, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((p->addr[bytes] ^ addr[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

char *
nfv_prefix_str(const struct nfv_prefix *p, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->ipv == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, n, "%s/%u", a, p->len);
	return buf;
}

int
nfv_conf_open(struct nfv_conf *c, const char *path, char *err, size_t errlen)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->err = err;
	c->errlen = errlen;
	c->f = fopen(path, "r");
	if (!c->f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

int
nfv_conf_error(struct nfv_conf *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->err, c->errlen, "%s:%u: ", c->path, c->line);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int
nfv_conf_next(struct nfv_conf *c)
{
	char *s, *save;
	int n;

	while (fgets(c->buf, sizeof(c->buf), c->f)) {
		c->line++;
		if (!strchr(c->buf, '\n') && !feof(c->f))
			return nfv_conf_error(c, "line longer than %zu bytes: split it",
					      sizeof(c->buf) - 2);
		s = strchr(c->buf, '#');
		if (s)
			*s = '\0';
		n = 0;
		for (s = strtok_r(c->buf, " \t\r\n", &save); s;
		     s = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == NFV_CONF_MAX_WORDS)
				return nfv_conf_error(c, "more than %d words: one rule or route per line",
						      NFV_CONF_MAX_WORDS);
			c->word[n++] = s;
		}
		if (n > 0)
			return n;
	}
	if (ferror(c->f)) {
		snprintf(c->err, c->errlen, "%s: read error after line %u",
			 c->path, c->line);
		return -EIO;
	}
	return 0;
}

void
nfv_conf_close(struct nfv_conf *c)
{
	if (c->f)
		fclose(c->f);
	c->f = NULL;
}
