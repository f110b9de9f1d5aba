/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "flow.h"
#include "nfv_region.h"

int
nfv_flow_init(struct nfv_flow_table *ft, const char *name, uint32_t max_rules,
	      uint32_t max_inflight, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = max_rules < 8 ? 8 : max_rules,
		.key_len = sizeof(struct nfv_flow_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		/* room for every rule even when buckets collide */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	/* A deleted rule's chain lives on while packets follow it: with at
	 * most max_inflight packets in flight, that many ids more than rules
	 * (and port chains) mean an add never fails for want of an id. */
	uint32_t i, nids = max_rules + max_inflight + NFV_FLOW_MAX_PORTS;

	memset(ft, 0, sizeof(*ft));
	if (max_rules == 0 || !nfv_flow_ids_fit(max_rules, max_inflight))
		return -EINVAL;
	ft->h = rte_hash_create(&hp);
	ft->chain = rte_zmalloc_socket("nfv_chains", sizeof(*ft->chain) * (nids + 1u), 0, socket);
	ft->free_ids = rte_malloc_socket("nfv_chain_ids", sizeof(*ft->free_ids) * nids, 0, socket);
	if (!ft->h || !ft->chain || !ft->free_ids) {
		nfv_flow_fini(ft);
		return -ENOMEM;
	}
	ft->max_rules = max_rules;
	ft->nids = nids;
	for (i = 0; i < nids; i++)
		ft->free_ids[i] = nids - i;	/* pops 1, 2, 3, ... */
	ft->nfree = nids;
	ft->chain[NFV_DEFAULT_CHAIN].live = 1;
	return 0;
}

void
nfv_flow_fini(struct nfv_flow_table *ft)
{
	rte_hash_free(ft->h);
	rte_free(ft->chain);
	rte_free(ft->free_ids);
	memset(ft, 0, sizeof(*ft));
}

int
nfv_flow_add(struct nfv_flow_table *ft, const struct nfv_flow_key *key,
	     const struct nfv_chain *chain)
{
	uint32_t id;
	int ret;

	if (chain->nhops == 0 || chain->nhops > NFV_MAX_HOPS)
		return -EINVAL;
	if (rte_hash_lookup(ft->h, key) >= 0)
		return -EEXIST;
	if (ft->nrules >= ft->max_rules || ft->nfree == 0)
		return -ENOSPC;
	id = ft->free_ids[ft->nfree - 1];
	ret = rte_hash_add_key_data(ft->h, key, (void *)(uintptr_t)id);
	if (ret < 0)
		return ret == -ENOSPC ? -ENOSPC : -EINVAL;
	ft->nfree--;
	ft->chain[id] = *chain;
	ft->chain[id].live = 1;
	ft->chain[id].inflight = 0;
	ft->chain[id].pkts = 0;
	ft->nrules++;
	return 0;
}

static void
retire(struct nfv_flow_table *ft, uint32_t id)
{
	ft->chain[id].live = 0;
	if (ft->chain[id].inflight == 0)
		ft->free_ids[ft->nfree++] = id;
	ft->nrules--;
}

const struct nfv_chain *
nfv_flow_find(const struct nfv_flow_table *ft, const struct nfv_flow_key *key)
{
	void *data;

	if (rte_hash_lookup_data(ft->h, key, &data) < 0)
		return NULL;
	return &ft->chain[(uintptr_t)data];
}

int
nfv_flow_del(struct nfv_flow_table *ft, const struct nfv_flow_key *key)
{
	const struct nfv_chain *c = nfv_flow_find(ft, key);

	if (!c)
		return -ENOENT;
	rte_hash_del_key(ft->h, key);
	retire(ft, (uint32_t)(c - ft->chain));
	return 0;
}

void
nfv_flow_flush(struct nfv_flow_table *ft)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(ft->h, &key, &data, &it) >= 0)
		if (ft->chain[(uintptr_t)data].live)
			retire(ft, (uint32_t)(uintptr_t)data);
	rte_hash_reset(ft->h);
}

int
nfv_flow_set_port_chain(struct nfv_flow_table *ft, uint16_t port, const struct nfv_chain *chain)
{
	uint32_t id;

	if (port >= NFV_FLOW_MAX_PORTS || chain->nhops == 0 || chain->nhops > NFV_MAX_HOPS)
		return -EINVAL;
	if (ft->port_chain[port] != NFV_DEFAULT_CHAIN)
		return -EEXIST;
	/* nfv_flow_init() counted NFV_FLOW_MAX_PORTS ids for these. */
	id = ft->free_ids[--ft->nfree];
	ft->chain[id] = *chain;
	ft->chain[id].live = 1;
	ft->chain[id].inflight = 0;
	ft->chain[id].pkts = 0;
	ft->port_chain[port] = (uint16_t)id;
	return 0;
}

void
nfv_flow_classify(struct nfv_flow_table *ft, uint16_t port, const struct nfv_flow_key *keys,
		  unsigned int n, uint16_t *chain_ids)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint16_t miss = port < NFV_FLOW_MAX_PORTS ? ft->port_chain[port] : NFV_DEFAULT_CHAIN;
	uint64_t hits;
	unsigned int i, k, m;

	if (ft->nrules == 0) {
		for (i = 0; i < n; i++)
			chain_ids[i] = miss;
	} else {
		/* rte_hash looks up at most RTE_HASH_LOOKUP_BULK_MAX at once. */
		for (k = 0; k < n; k += m) {
			m = n - k < RTE_HASH_LOOKUP_BULK_MAX ? n - k : RTE_HASH_LOOKUP_BULK_MAX;
			for (i = 0; i < m; i++)
				kp[i] = &keys[k + i];
			hits = 0;
			rte_hash_lookup_bulk_data(ft->h, kp, m, &hits, data);
			for (i = 0; i < m; i++)
				chain_ids[k + i] = (hits >> i) & 1 ? (uint16_t)(uintptr_t)data[i] : miss;
		}
	}
	/* Counted in runs of one chain: a count in memory moved for every
	 * packet is a chain of store-to-load forwards. */
	for (i = 0; i < n; i = k) {
		struct nfv_chain *c = &ft->chain[chain_ids[i]];

		for (k = i + 1; k < n && chain_ids[k] == chain_ids[i]; k++)
			;
		c->inflight += k - i;
		c->pkts += k - i;
	}
}

uint32_t
nfv_flow_list(const struct nfv_flow_table *ft, struct nfv_flow_rule *out, uint32_t max)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = 0;

	while (n < max && rte_hash_iterate(ft->h, &key, &data, &it) >= 0) {
		memcpy(&out[n].key, key, sizeof(out[n].key));
		out[n].chain = ft->chain[(uintptr_t)data];
		n++;
	}
	return n;
}

void
nfv_flow_foreach_chain(const struct nfv_flow_table *ft,
		       void (*fn)(const struct nfv_chain *c, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(ft->h, &key, &data, &it) >= 0)
		fn(&ft->chain[(uintptr_t)data], arg);
}

static int
parse_proto(const char *s, uint8_t *proto)
{
	static const struct { const char *name; uint8_t num; } names[] = {
		{ "tcp", 6 }, { "udp", 17 }, { "sctp", 132 }, { "icmp", 1 }, { "icmp6", 58 },
	};
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].num;
			return 0;
		}
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v > 255)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

static int
parse_port(const char *s, uint16_t *port_be)
{
	unsigned long v;
	char *end;

	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v > 65535)
		return -EINVAL;
	*port_be = htons((uint16_t)v);
	return 0;
}

/* Address into @addr (16 bytes); returns 4, 6 or -EINVAL. */
static int
parse_addr(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 6;
	return -EINVAL;
}

/* Only TCP, UDP and SCTP keys have ports: the classifier gives no other
 * protocol any, so a rule with them could never match. */
static int
key_ports_ok(const struct nfv_flow_key *key)
{
	return key->proto == 6 || key->proto == 17 || key->proto == 132 ||
	       (key->sport == 0 && key->dport == 0);
}

int
nfv_flow_key_from_words(const char *const w[5], struct nfv_flow_key *key, const char **why)
{
	int v1, v2;

	memset(key, 0, sizeof(*key));
	if (parse_proto(w[0], &key->proto) < 0) {
		*why = "protocol: tcp, udp, sctp, icmp, icmp6 or a number 0..255";
		return -EINVAL;
	}
	v1 = parse_addr(w[1], key->src);
	v2 = parse_addr(w[3], key->dst);
	if (v1 < 0 || v2 < 0 || v1 != v2) {
		*why = "addresses: two IPv4 or two IPv6 addresses";
		return -EINVAL;
	}
	key->ipv = (uint8_t)v1;
	if (parse_port(w[2], &key->sport) < 0 || parse_port(w[4], &key->dport) < 0) {
		*why = "ports: numbers 0..65535";
		return -EINVAL;
	}
	if (!key_ports_ok(key)) {
		*why = "ports: only tcp, udp and sctp have ports; give 0 0";
		return -EINVAL;
	}
	return 0;
}

void
nfv_flow_key_format(const struct nfv_flow_key *key, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = key->ipv == 6 ? AF_INET6 : AF_INET;
	const char *proto = key->proto == 6 ? "tcp" : key->proto == 17 ? "udp" :
			    key->proto == 132 ? "sctp" : key->proto == 1 ? "icmp" :
			    key->proto == 58 ? "icmp6" : NULL;
	char pnum[8];

	inet_ntop(af, key->src, src, sizeof(src));
	inet_ntop(af, key->dst, dst, sizeof(dst));
	if (!proto) {
		snprintf(pnum, sizeof(pnum), "%u", key->proto);
		proto = pnum;
	}
	snprintf(buf, len, af == AF_INET6 ? "%s [%s]:%u -> [%s]:%u" : "%s %s:%u -> %s:%u",
		 proto, src, ntohs(key->sport), dst, ntohs(key->dport));
}

int
nfv_flow_from_msg(const struct nfv_ctl_msg *m, uint16_t nports,
		  struct nfv_flow_key *key, struct nfv_chain *chain)
{
	unsigned int i;

	memset(key, 0, sizeof(*key));
	memset(chain, 0, sizeof(*chain));
	if (m->u.flow.ipv != 4 && m->u.flow.ipv != 6)
		return -EINVAL;
	key->ipv = m->u.flow.ipv;
	key->proto = m->u.flow.proto;
	key->sport = m->u.flow.sport;
	key->dport = m->u.flow.dport;
	memcpy(key->src, m->u.flow.src, key->ipv == 4 ? 4 : 16);
	memcpy(key->dst, m->u.flow.dst, key->ipv == 4 ? 4 : 16);
	/* Nor could nfvctl name such a rule to delete it. */
	if (!key_ports_ok(key))
		return -EINVAL;
	if (m->type == NFV_CTL_FLOW_DEL)
		return 0;
	for (i = 0; i < NFV_FLOW_MAX_HOPS && m->u.flow.hop[i]; i++) {
		uint16_t v = m->u.flow.hop[i];
		unsigned int type = v >> NFV_HOP_TYPE_SHIFT, id = v & NFV_HOP_ID_MASK;
		struct nfv_hop *h = &chain->hop[i];

		if (type == NFV_HOP_NF && id >= 1 && id <= NFV_MAX_SERVICE)
			h->type = HOP_NF;
		else if (type == NFV_HOP_PORT && id < nports)
			h->type = HOP_PORT;
		else if (type == NFV_HOP_DROP)
			h->type = HOP_DROP;
		else
			return -EINVAL;
		/* A drop has no id: the same hop as nfvctl's "drop". */
		h->id = h->type == HOP_DROP ? 0 : (uint16_t)id;
	}
	chain->nhops = (uint8_t)i;
	return i ? 0 : -EINVAL;
}

void
nfv_ctl_name_from_msg(const struct nfv_ctl_msg *m, char *name, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && i < NFV_NF_NAME_MAX && m->u.reg.name[i]; i++) {
		char ch = m->u.reg.name[i];

		name[i] = (ch >= 0x20 && ch < 0x7f) ? ch : '?';
	}
	name[i] = '\0';
}
