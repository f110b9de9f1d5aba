/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nat_lib.c - port allocation, mapping tables and header rewrites of
 * nfv-nat.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat_lib.h"
#include "nfv_flow_table.h"
#include "nfv_rewrite_lib.h"

#define NIL UINT32_MAX

/* Header fields rewritten, as offsets. */
#define IPV4_CSUM 10
#define TCP_CSUM 16
#define UDP_CSUM 6
#define ICMP_CSUM 2
#define ICMP_ID 4

/* Mappings of one protocol: TCP, UDP or ICMP echo. */
enum { P_TCP, P_UDP, P_ICMP, P_COUNT };

struct nat_proto {
	struct nfv_flow_table *ft;	/* internal 5-tuple -> entry */
	uint16_t *port;			/* entry -> its external port */
	uint32_t *owner;		/* port - port_lo -> entry, or NIL */
	uint16_t *free_port;		/* ring of free ports, oldest first */
	uint32_t free_head;		/* ring index of the oldest */
	uint32_t nfree;			/* ports in the ring */
};

struct nat {
	struct nat_config cfg;		/* settings */
	uint32_t nports;		/* ports in the range */
	struct nat_proto p[P_COUNT];	/* per protocol */
	struct nat_stats st;		/* counters */
};

static const char *const verdict_names[] = {
	[NAT_OUT] = "out",
	[NAT_IN] = "in",
	[NAT_PASS] = "passed",
	[NAT_EXHAUSTED] = "port_exhausted",
	[NAT_NO_MAPPING] = "no_mapping",
	[NAT_UNSUPPORTED] = "unsupported",
	[NAT_MALFORMED] = "malformed",
};

const char *
nat_verdict_name(enum nat_verdict v)
{
	return verdict_names[v];
}

static int
proto_init(struct nat_proto *p, uint32_t nports, uint16_t port_lo,
	   uint64_t seed)
{
	uint32_t i;

	p->ft = nfv_ft_create(nports, seed);
	p->port = malloc(sizeof(*p->port) * nports);
	p->owner = malloc(sizeof(*p->owner) * nports);
	p->free_port = malloc(sizeof(*p->free_port) * nports);
	if (!p->ft || !p->port || !p->owner || !p->free_port)
		return -ENOMEM;
	for (i = 0; i < nports; i++) {
		p->owner[i] = NIL;
		p->free_port[i] = (uint16_t)(port_lo + i);
	}
	p->free_head = 0;
	p->nfree = nports;
	return 0;
}

struct nat *
nat_create(const struct nat_config *cfg)
{
	struct nat *nat;
	int i;

	if (cfg->internal.ipv != 4 ||
	    nfv_prefix_match(&cfg->internal, 4, cfg->external) ||
	    cfg->port_lo == 0 || cfg->port_hi < cfg->port_lo ||
	    cfg->timeout == 0) {
		errno = EINVAL;
		return NULL;
	}
	nat = calloc(1, sizeof(*nat));
	if (!nat)
		return NULL;
	nat->cfg = *cfg;
	nat->nports = (uint32_t)cfg->port_hi - cfg->port_lo + 1;
	for (i = 0; i < P_COUNT; i++) {
		if (proto_init(&nat->p[i], nat->nports, cfg->port_lo,
			       cfg->seed + (uint64_t)i) < 0) {
			nat_destroy(nat);
			errno = ENOMEM;
			return NULL;
		}
	}
	return nat;
}

void
nat_destroy(struct nat *nat)
{
	int i;

	if (!nat)
		return;
	for (i = 0; i < P_COUNT; i++) {
		nfv_ft_destroy(nat->p[i].ft);
		free(nat->p[i].port);
		free(nat->p[i].owner);
		free(nat->p[i].free_port);
	}
	free(nat);
}

static void
port_release(struct nat *nat, struct nat_proto *p, int32_t e)
{
	uint16_t port = p->port[e];

	p->owner[port - nat->cfg.port_lo] = NIL;
	p->free_port[(p->free_head + p->nfree) % nat->nports] = port;
	p->nfree++;
}

static void
expire(struct nat *nat, uint64_t now)
{
	struct nat_proto *p;
	int32_t e;
	int i;

	for (i = 0; i < P_COUNT; i++) {
		p = &nat->p[i];
		while ((e = nfv_ft_oldest(p->ft)) >= 0 &&
		       now - nfv_ft_last_used(p->ft, e) >= nat->cfg.timeout) {
			port_release(nat, p, e);
			nfv_ft_remove(p->ft, e);
			nat->st.mappings_expired++;
		}
	}
}

/* The mapping of outbound flow @k, made if new; -ENOSPC if no port is free. */
static int32_t
mapping_out(struct nat *nat, struct nat_proto *p, const struct nfv_5tuple *k,
	    uint64_t now)
{
	int32_t e = nfv_ft_lookup(p->ft, k);
	uint16_t port;

	if (e >= 0) {
		nfv_ft_touch(p->ft, e, now);
		return e;
	}
	if (p->nfree == 0)
		return -ENOSPC;
	/* Cannot fail: the table holds one entry per port and one is free. */
	e = nfv_ft_insert(p->ft, k, now);
	port = p->free_port[p->free_head];
	p->free_head = (p->free_head + 1) % nat->nports;
	p->nfree--;
	p->port[e] = port;
	p->owner[port - nat->cfg.port_lo] = (uint32_t)e;
	nat->st.mappings_new++;
	return e;
}

/*
 * Replace the address at @addr_off and the port or identifier at
 * @port_off, updating the IPv4 header checksum and the transport checksum
 * at @csum_off (which covers the address only for TCP and UDP).
 */
static void
rewrite(uint8_t *frame, const struct nfv_ip_hdrs *h, uint32_t addr_off,
	const uint8_t *addr, uint32_t port_off, uint16_t port, int cls)
{
	uint8_t *ip = frame + h->l3, *l4 = frame + h->l4;
	uint8_t old_addr[4], old_port[2], new_port[2];
	uint32_t csum_off = cls == P_TCP ? TCP_CSUM : cls == P_UDP ? UDP_CSUM : ICMP_CSUM;
	uint16_t csum;

	memcpy(old_addr, frame + addr_off, 4);
	memcpy(old_port, frame + port_off, 2);
	nfv_wr16(new_port, port);
	memcpy(frame + addr_off, addr, 4);
	memcpy(frame + port_off, new_port, 2);
	csum = nfv_csum_replace(nfv_rd16(ip + IPV4_CSUM), old_addr, addr, 4);
	nfv_wr16(ip + IPV4_CSUM, csum);
	csum = nfv_rd16(l4 + csum_off);
	if (cls == P_UDP && csum == 0)
		return;		/* no UDP checksum: keep none */
	if (cls != P_ICMP)
		csum = nfv_csum_replace(csum, old_addr, addr, 4);
	csum = nfv_csum_replace(csum, old_port, new_port, 2);
	if (cls == P_UDP && csum == 0)
		csum = 0xffff;	/* 0 would mean none (RFC 768) */
	nfv_wr16(l4 + csum_off, csum);
}

/* P_TCP, P_UDP, P_ICMP for an ICMP message of type @type_ok, or -1.
 * Only for packets with a transport header nfv_ip_flow_key() checked. */
static int
proto_class(const struct nfv_ip_hdrs *h, const uint8_t *frame, uint8_t type_ok)
{
	if (h->proto == NFV_PROTO_TCP)
		return P_TCP;
	if (h->proto == NFV_PROTO_UDP)
		return P_UDP;
	if (h->proto == NFV_PROTO_ICMP && frame[h->l4] == type_ok)
		return P_ICMP;
	return -1;
}

static enum nat_verdict
outbound(struct nat *nat, uint8_t *frame, const struct nfv_ip_hdrs *h,
	 const struct nfv_5tuple *k, uint64_t now)
{
	struct nat_proto *p;
	int32_t e;
	int cls;

	/* A later fragment has no ports, and its first may have gone. */
	if (!h->has_l4)
		return NAT_UNSUPPORTED;
	cls = proto_class(h, frame, NFV_ICMP_ECHO_REQUEST);
	if (cls < 0)
		return NAT_UNSUPPORTED;
	p = &nat->p[cls];
	e = mapping_out(nat, p, k, now);
	if (e < 0)
		return NAT_EXHAUSTED;
	rewrite(frame, h, h->saddr, nat->cfg.external,
		h->l4 + (cls == P_ICMP ? ICMP_ID : 0), p->port[e], cls);
	return NAT_OUT;
}

static enum nat_verdict
inbound(struct nat *nat, uint8_t *frame, const struct nfv_ip_hdrs *h,
	const struct nfv_5tuple *k, uint64_t now)
{
	const struct nfv_5tuple *m;
	struct nat_proto *p;
	uint32_t e;
	int cls;

	if (!h->has_l4)
		return NAT_UNSUPPORTED;
	cls = proto_class(h, frame, NFV_ICMP_ECHO_REPLY);
	if (cls < 0)
		return NAT_UNSUPPORTED;
	p = &nat->p[cls];
	if (k->dport < nat->cfg.port_lo || k->dport > nat->cfg.port_hi)
		return NAT_NO_MAPPING;
	e = p->owner[k->dport - nat->cfg.port_lo];
	if (e == NIL)
		return NAT_NO_MAPPING;
	m = nfv_ft_key(p->ft, (int32_t)e);
	/* Only the flow's remote end may answer through its port. */
	if (memcmp(m->dst, k->src, 4) != 0 || m->dport != k->sport)
		return NAT_NO_MAPPING;
	nfv_ft_touch(p->ft, (int32_t)e, now);
	rewrite(frame, h, h->daddr, m->src,
		h->l4 + (cls == P_ICMP ? ICMP_ID : 2), m->sport, cls);
	return NAT_IN;
}

enum nat_verdict
nat_packet(struct nat *nat, uint8_t *frame, uint32_t len, uint64_t now)
{
	enum nat_verdict v = NAT_PASS;
	struct nfv_ip_hdrs h;
	struct nfv_5tuple k;
	int ret;

	ret = nfv_ip_parse(frame, len, &h);
	if (ret == -EPROTONOSUPPORT || (ret == 0 && h.ipv == 6))
		goto out;
	if (ret < 0 || nfv_ip_flow_key(frame, &h, &k) < 0) {
		v = NAT_MALFORMED;
		goto out;
	}
	expire(nat, now);
	if (memcmp(k.dst, nat->cfg.external, 4) == 0)
		v = inbound(nat, frame, &h, &k, now);
	else if (nfv_prefix_match(&nat->cfg.internal, 4, k.src))
		v = outbound(nat, frame, &h, &k, now);
out:
	nat->st.n[v]++;
	return v;
}

uint32_t
nat_mappings(const struct nat *nat)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < P_COUNT; i++)
		n += nfv_ft_count(nat->p[i].ft);
	return n;
}

const struct nat_stats *
nat_stats(const struct nat *nat)
{
	return &nat->st;
}
