/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the flow director (hypervisor/flow.c) on a real rte_hash:
 * rule syntax, exact match over the default chain for IPv4 and IPv6
 * packets parsed from wire bytes, deferred reuse of a deleted rule's
 * chain, a full table, ports' own chains for misses, rules from NF
 * control messages, and rule churn checked against a model.  EAL runs
 * without hugepages (--no-huge).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "daemon.h"
#include "flow.h"
#include "nfv_region.h"

static struct nfv_flow_table ft;

static int
eal_up(void)
{
	/* No hugepages, no shared config: nothing left in /var/run/dpdk. */
	char *argv[] = { "test_flow", "--no-huge", "-m", "64", "--no-shconf", "--no-pci",
			 "-l", "0", "--no-telemetry", "--log-level=lib.eal:error", NULL };

	return rte_eal_init(10, argv);
}

static void
ft_up(void)
{
	ck_assert_int_eq(nfv_flow_init(&ft, "t_flow", 64, 64, -1), 0);
}

static void
ft_down(void)
{
	nfv_flow_fini(&ft);
}

static struct nfv_flow_key
key_of(const char *proto, const char *src, const char *sport, const char *dst,
       const char *dport)
{
	const char *w[5] = { proto, src, sport, dst, dport };
	struct nfv_flow_key k;
	const char *why = NULL;

	ck_assert_msg(nfv_flow_key_from_words(w, &k, &why) == 0, "%s %s: %s", proto, src, why);
	return k;
}

static struct nfv_chain
chain_of(const char *spec)
{
	struct nfv_chain c;
	const char *why = NULL;

	ck_assert_msg(nfv_chain_parse(spec, &c, 2, &why) == 0, "%s: %s", spec, why);
	return c;
}

/* Ethernet + IPv4 or IPv6 + UDP/TCP header bytes, as a port receives them. */
static uint32_t
frame(uint8_t *p, int v6, uint8_t proto, const char *src, const char *dst,
      uint16_t sport, uint16_t dport)
{
	uint32_t l3 = 14, l4;
	uint16_t ports[2] = { htons(sport), htons(dport) };

	memset(p, 0, 128);
	p[12] = v6 ? 0x86 : 0x08;
	p[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		p[l3] = 0x60;
		p[l3 + 5] = 40;		/* payload length */
		p[l3 + 6] = proto;
		p[l3 + 7] = 64;
		ck_assert_int_eq(inet_pton(AF_INET6, src, p + l3 + 8), 1);
		ck_assert_int_eq(inet_pton(AF_INET6, dst, p + l3 + 24), 1);
		l4 = l3 + 40;
	} else {
		p[l3] = 0x45;
		p[l3 + 3] = 60;		/* total length */
		p[l3 + 8] = 64;
		p[l3 + 9] = proto;
		ck_assert_int_eq(inet_pton(AF_INET, src, p + l3 + 12), 1);
		ck_assert_int_eq(inet_pton(AF_INET, dst, p + l3 + 16), 1);
		l4 = l3 + 20;
	}
	memcpy(p + l4, ports, sizeof(ports));
	return l4 + 40;
}

/* Chain id the table picks for one packet; drops the reference again. */
static uint16_t
classify_one(const struct nfv_flow_key *k)
{
	uint16_t id;

	nfv_flow_classify(&ft, 0, k, 1, &id);
	nfv_flow_put(&ft, id);
	return id;
}

START_TEST(test_rule_words)
{
	const char *ok6[5] = { "tcp", "2001:db8::1", "443", "2001:db8::2", "50000" };
	const char *bad[][5] = {
		{ "udpx", "10.0.0.1", "1", "10.0.0.2", "2" },
		{ "udp", "10.0.0.1", "1", "2001:db8::2", "2" },
		{ "udp", "10.0.0.1", "65536", "10.0.0.2", "2" },
		{ "udp", "10.0.0.1", "-1", "10.0.0.2", "2" },
		{ "icmp", "10.0.0.1", "1", "10.0.0.2", "0" },
		{ "256", "10.0.0.1", "0", "10.0.0.2", "0" },
		{ "udp", "10.0.0.300", "1", "10.0.0.2", "2" },
	};
	struct nfv_flow_key k;
	const char *why;
	char buf[128];
	size_t i;

	k = key_of("udp", "10.0.0.1", "53", "10.0.0.2", "4000");
	ck_assert_int_eq(k.ipv, 4);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(ntohs(k.sport), 53);
	nfv_flow_key_format(&k, buf, sizeof(buf));
	ck_assert_str_eq(buf, "udp 10.0.0.1:53 -> 10.0.0.2:4000");
	ck_assert_int_eq(nfv_flow_key_from_words(ok6, &k, &why), 0);
	nfv_flow_key_format(&k, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tcp [2001:db8::1]:443 -> [2001:db8::2]:50000");
	k = key_of("icmp", "10.0.0.1", "0", "10.0.0.2", "0");
	ck_assert_int_eq(k.proto, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(nfv_flow_key_from_words(bad[i], &k, &why) == -EINVAL,
			      "accepted case %zu", i);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(test_exact_match_over_default_v4_v6)
{
	uint8_t p[128];
	struct nfv_flow_key pk, other;
	struct nfv_chain c = chain_of("nf:3,port:1");
	uint16_t id4, id6;

	/* Keys parsed from wire bytes equal keys typed as words. */
	frame(p, 0, 17, "192.0.2.1", "198.51.100.7", 1234, 53);
	ck_assert_int_eq(nfv_flow_key_parse(p, 128, 128, &pk), 0);
	ck_assert_uint_eq(classify_one(&pk), NFV_DEFAULT_CHAIN);
	ck_assert_int_eq(nfv_flow_add(&ft, &pk, &c), -0);
	id4 = classify_one(&pk);
	ck_assert_uint_ne(id4, NFV_DEFAULT_CHAIN);
	ck_assert_uint_eq(ft.chain[id4].nhops, 2);
	ck_assert_uint_eq(ft.chain[id4].hop[0].type, HOP_NF);
	ck_assert_uint_eq(ft.chain[id4].hop[0].id, 3);
	other = key_of("udp", "192.0.2.1", "1234", "198.51.100.7", "53");
	ck_assert_int_eq(memcmp(&other, &pk, sizeof(pk)), 0);

	/* Same addresses, another port or protocol: the default chain. */
	frame(p, 0, 17, "192.0.2.1", "198.51.100.7", 1235, 53);
	ck_assert_int_eq(nfv_flow_key_parse(p, 128, 128, &other), 0);
	ck_assert_uint_eq(classify_one(&other), NFV_DEFAULT_CHAIN);
	frame(p, 0, 6, "192.0.2.1", "198.51.100.7", 1234, 53);
	ck_assert_int_eq(nfv_flow_key_parse(p, 128, 128, &other), 0);
	ck_assert_uint_eq(classify_one(&other), NFV_DEFAULT_CHAIN);

	frame(p, 1, 6, "2001:db8::a", "2001:db8::b", 40000, 443);
	ck_assert_int_eq(nfv_flow_key_parse(p, 128, 128, &pk), 0);
	ck_assert_int_eq(pk.ipv, 6);
	other = key_of("tcp", "2001:db8::a", "40000", "2001:db8::b", "443");
	ck_assert_int_eq(nfv_flow_add(&ft, &other, &c), 0);
	id6 = classify_one(&pk);
	ck_assert_uint_ne(id6, NFV_DEFAULT_CHAIN);
	ck_assert_uint_ne(id6, id4);
	ck_assert_int_eq(nfv_flow_add(&ft, &other, &c), -EEXIST);
	ck_assert_uint_eq(ft.nrules, 2);

	ck_assert_int_eq(nfv_flow_del(&ft, &other), 0);
	ck_assert_int_eq(nfv_flow_del(&ft, &other), -ENOENT);
	ck_assert_uint_eq(classify_one(&pk), NFV_DEFAULT_CHAIN);
	nfv_flow_flush(&ft);
	ck_assert_uint_eq(ft.nrules, 0);
	ck_assert_uint_eq(ft.nfree, ft.nids);
}
END_TEST

/* @n keys, a rule for every third: each hit finds its rule, each miss the
 * default chain, and the references add up. */
static void
check_mixed_burst(unsigned int n)
{
	struct nfv_flow_key keys[150];
	struct nfv_chain c = chain_of("drop");
	uint16_t ids[150];
	unsigned int i, nrules = (n + 2) / 3;
	char sport[12];

	ck_assert_uint_le(n, 150);
	for (i = 0; i < n; i++) {
		snprintf(sport, sizeof(sport), "%u", 1000 + i);
		keys[i] = key_of("udp", "10.1.0.1", sport, "10.1.0.2", "9");
		if (i % 3 == 0)
			ck_assert_int_eq(nfv_flow_add(&ft, &keys[i], &c), 0);
	}
	nfv_flow_classify(&ft, 0, keys, n, ids);
	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			ck_assert_uint_ne(ids[i], NFV_DEFAULT_CHAIN);
		else
			ck_assert_uint_eq(ids[i], NFV_DEFAULT_CHAIN);
		ck_assert_uint_eq(ft.chain[ids[i]].inflight, i % 3 == 0 ? 1 : n - nrules);
	}
	for (i = 0; i < n; i++)
		nfv_flow_put(&ft, ids[i]);
	ck_assert_uint_eq(ft.chain[NFV_DEFAULT_CHAIN].inflight, 0);
	ck_assert_uint_eq(ft.chain[NFV_DEFAULT_CHAIN].pkts, n - nrules);
}

START_TEST(test_bulk_mixed_burst)
{
	check_mixed_burst(NFV_BURST);
}
END_TEST

/* rte_hash takes at most RTE_HASH_LOOKUP_BULK_MAX keys a call: a longer
 * burst is looked up in parts, none of it taken for misses. */
START_TEST(test_bulk_longer_than_lookup_max)
{
	check_mixed_burst(150);
}
END_TEST

START_TEST(test_deleted_chain_kept_while_packets_follow_it)
{
	struct nfv_flow_key a = key_of("udp", "10.0.0.1", "1", "10.0.0.2", "2");
	struct nfv_flow_key b = key_of("udp", "10.0.0.3", "1", "10.0.0.4", "2");
	struct nfv_chain ca = chain_of("nf:1"), cb = chain_of("nf:2");
	uint16_t ida, idb, inflight;

	ck_assert_int_eq(nfv_flow_add(&ft, &a, &ca), 0);
	nfv_flow_classify(&ft, 0, &a, 1, &inflight);	/* a packet in flight */
	ida = inflight;
	ck_assert_int_eq(nfv_flow_del(&ft, &a), 0);
	/* A new rule must not take the chain that packet still follows. */
	ck_assert_int_eq(nfv_flow_add(&ft, &b, &cb), 0);
	idb = classify_one(&b);
	ck_assert_uint_ne(idb, ida);
	ck_assert_uint_eq(ft.chain[ida].hop[0].id, 1);
	ck_assert_uint_eq(ft.nfree, ft.nids - 2);
	nfv_flow_put(&ft, ida);		/* the packet left */
	ck_assert_uint_eq(ft.nfree, ft.nids - 1);
	ck_assert_int_eq(nfv_flow_add(&ft, &a, &ca), 0);
	ck_assert_uint_eq(classify_one(&a), ida);
}
END_TEST

START_TEST(test_full_table)
{
	struct nfv_chain c = chain_of("port:0");
	struct nfv_flow_key k;
	char sport[12];
	unsigned int i;

	for (i = 0; i < ft.max_rules + 1; i++) {
		snprintf(sport, sizeof(sport), "%u", i + 1);
		k = key_of("tcp", "10.2.0.1", sport, "10.2.0.2", "80");
		ck_assert_int_eq(nfv_flow_add(&ft, &k, &c), i < ft.max_rules ? 0 : -ENOSPC);
	}
	ck_assert_uint_eq(ft.nrules, ft.max_rules);
	c.nhops = 0;
	k = key_of("tcp", "10.2.0.9", "1", "10.2.0.2", "80");
	ck_assert_int_eq(nfv_flow_add(&ft, &k, &c), -EINVAL);
}
END_TEST

static void
count_chain(const struct nfv_chain *c, void *arg)
{
	unsigned int *seen = arg;

	/* chain_of("nf:N,port:0") for rule N: each once */
	ck_assert_uint_eq(c->nhops, 2);
	ck_assert_uint_eq(c->hop[0].type, HOP_NF);
	ck_assert_uint_lt(c->hop[0].id, 8);
	ck_assert_uint_eq(seen[c->hop[0].id], 0);
	seen[c->hop[0].id]++;
}

/* nfv_flow_foreach_chain() visits the chain of every rule, once, and no
 * deleted one (what --direct links are planned from). */
START_TEST(test_foreach_chain)
{
	unsigned int seen[8] = { 0 }, i;
	struct nfv_flow_key k[4];
	char sport[12], spec[32];
	struct nfv_chain c;

	for (i = 1; i <= 4; i++) {
		snprintf(sport, sizeof(sport), "%u", i);
		snprintf(spec, sizeof(spec), "nf:%u,port:0", i);
		c = chain_of(spec);
		k[i - 1] = key_of("udp", "10.4.0.1", sport, "10.4.0.2", "9");
		ck_assert_int_eq(nfv_flow_add(&ft, &k[i - 1], &c), 0);
	}
	ck_assert_int_eq(nfv_flow_del(&ft, &k[2]), 0);
	nfv_flow_foreach_chain(&ft, count_chain, seen);
	ck_assert_uint_eq(seen[1] + seen[2] + seen[4], 3);
	ck_assert_uint_eq(seen[3], 0);
}
END_TEST

/* --port-chain: a port's misses follow its own chain; rules still win. */
START_TEST(test_port_chain_for_misses)
{
	struct nfv_chain ret = chain_of("nf:2,nf:1,port:0"), rule = chain_of("drop");
	struct nfv_flow_key hit = key_of("udp", "10.3.0.1", "5", "10.3.0.2", "6");
	struct nfv_flow_key miss = key_of("udp", "10.3.0.1", "5", "10.3.0.2", "7");
	uint16_t id, pid;
	uint32_t p;

	ck_assert_int_eq(nfv_flow_set_port_chain(&ft, 1, &ret), 0);
	pid = ft.port_chain[1];
	ck_assert_uint_ne(pid, NFV_DEFAULT_CHAIN);
	ck_assert_uint_eq(ft.nrules, 0);
	ck_assert_int_eq(nfv_flow_set_port_chain(&ft, 1, &ret), -EEXIST);
	ck_assert_int_eq(nfv_flow_set_port_chain(&ft, NFV_FLOW_MAX_PORTS, &ret), -EINVAL);
	ck_assert_int_eq(nfv_flow_add(&ft, &hit, &rule), 0);

	nfv_flow_classify(&ft, 1, &miss, 1, &id);
	ck_assert_uint_eq(id, pid);
	ck_assert_uint_eq(ft.chain[pid].inflight, 1);
	nfv_flow_put(&ft, id);
	nfv_flow_classify(&ft, 0, &miss, 1, &id);
	ck_assert_uint_eq(id, NFV_DEFAULT_CHAIN);
	nfv_flow_put(&ft, id);
	nfv_flow_classify(&ft, 1, &hit, 1, &id);
	ck_assert_uint_ne(id, pid);
	ck_assert_uint_ne(id, NFV_DEFAULT_CHAIN);
	nfv_flow_put(&ft, id);
	ck_assert_uint_eq(ft.chain[pid].pkts, 1);
	ck_assert_uint_eq(ft.chain[pid].inflight, 0);

	/* Neither a flush nor its last packet leaving retires it, and every
	 * other port may still get one while the table fills with rules. */
	nfv_flow_flush(&ft);
	nfv_flow_classify(&ft, 1, &miss, 1, &id);
	ck_assert_uint_eq(id, pid);
	nfv_flow_put(&ft, id);
	ck_assert_uint_eq(ft.chain[pid].live, 1);
	ck_assert_uint_eq(ft.chain[pid].nhops, 3);
	for (p = 0; p < NFV_FLOW_MAX_PORTS; p++)
		if (p != 1)
			ck_assert_int_eq(nfv_flow_set_port_chain(&ft, (uint16_t)p, &ret), 0);
	for (p = 0; p < ft.max_rules; p++) {
		char sport[12];

		snprintf(sport, sizeof(sport), "%u", p + 1);
		hit = key_of("tcp", "10.3.0.1", sport, "10.3.0.2", "80");
		ck_assert_int_eq(nfv_flow_add(&ft, &hit, &rule), 0);
	}
}
END_TEST

START_TEST(test_rules_from_nf_messages)
{
	struct nfv_ctl_msg m;
	struct nfv_flow_key k, want = key_of("udp", "10.3.0.1", "5", "10.3.0.2", "6");
	struct nfv_chain c;

	memset(&m, 0xa5, sizeof(m));	/* junk beyond what is decoded */
	m.type = NFV_CTL_FLOW_ADD;
	m.u.flow.ipv = 4;
	m.u.flow.proto = 17;
	m.u.flow.sport = htons(5);
	m.u.flow.dport = htons(6);
	inet_pton(AF_INET, "10.3.0.1", m.u.flow.src);
	inet_pton(AF_INET, "10.3.0.2", m.u.flow.dst);
	memset(m.u.flow.hop, 0, sizeof(m.u.flow.hop));
	m.u.flow.hop[0] = NFV_HOP(NFV_HOP_NF, 7);
	m.u.flow.hop[1] = NFV_HOP(NFV_HOP_PORT, 1);
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), 0);
	ck_assert_int_eq(memcmp(&k, &want, sizeof(k)), 0);	/* junk not copied */
	ck_assert_uint_eq(c.nhops, 2);
	ck_assert_uint_eq(c.hop[1].type, HOP_PORT);

	/* Hostile or wrong requests are refused, never trusted. */
	m.u.flow.hop[1] = NFV_HOP(NFV_HOP_PORT, 2);		/* no such port */
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	m.u.flow.hop[1] = NFV_HOP(NFV_HOP_NF, 0);		/* no service 0 */
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	m.u.flow.hop[1] = NFV_HOP(0, 1);			/* no type 0 */
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	m.u.flow.hop[0] = 0;					/* empty chain */
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	m.u.flow.hop[0] = NFV_HOP(NFV_HOP_DROP, 0);
	m.u.flow.hop[1] = 0;
	m.u.flow.ipv = 5;
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	/* Eight hops, no terminator: bounded by the array. */
	m.u.flow.ipv = 6;
	for (unsigned int i = 0; i < NFV_FLOW_MAX_HOPS; i++)
		m.u.flow.hop[i] = NFV_HOP(NFV_HOP_NF, 1 + i);
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), 0);
	ck_assert_uint_eq(c.nhops, NFV_FLOW_MAX_HOPS);
	m.type = NFV_CTL_FLOW_DEL;
	memset(m.u.flow.hop, 0xff, sizeof(m.u.flow.hop));	/* ignored for DEL */
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), 0);
	/* Ports only on TCP, UDP and SCTP, as nfvctl takes them. */
	m.u.flow.proto = 1;
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	m.type = NFV_CTL_FLOW_ADD;
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), -EINVAL);
	/* A drop's id bits are not kept: the same hop as nfvctl's "drop". */
	m.u.flow.proto = 17;
	memset(m.u.flow.hop, 0, sizeof(m.u.flow.hop));
	m.u.flow.hop[0] = NFV_HOP(NFV_HOP_DROP, 77);
	ck_assert_int_eq(nfv_flow_from_msg(&m, 2, &k, &c), 0);
	ck_assert_uint_eq(c.hop[0].type, HOP_DROP);
	ck_assert_uint_eq(c.hop[0].id, 0);
}
END_TEST

START_TEST(test_chain_specs)
{
	const char *bad[] = { "", "nf:0", "nf:x", "port:2", "nf:1,,port:0", "hop:1",
			      "nf:1,nf:2,nf:3,nf:4,nf:5,nf:6,nf:7,nf:8,nf:9" };
	struct nfv_chain c;
	const char *why;
	char buf[128];
	size_t i;

	c = chain_of("nf:1,nf:2,port:0");
	nfv_chain_format(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "nf:1,nf:2,port:0");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(nfv_chain_parse(bad[i], &c, 2, &why) < 0, "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

/* Random adds, deletes and packets in flight against a plain model. */
START_TEST(test_churn_against_model)
{
	enum { NKEYS = 200, OPS = 200000 };
	static struct nfv_flow_key keys[NKEYS];
	static int present[NKEYS];
	static uint16_t held[64];
	struct nfv_chain c = chain_of("nf:2,port:1");
	unsigned int i, nheld = 0, nrules = 0;
	char sport[12];
	uint32_t rnd = 12345;

	for (i = 0; i < NKEYS; i++) {
		snprintf(sport, sizeof(sport), "%u", i);
		keys[i] = key_of(i & 1 ? "tcp" : "udp", i & 2 ? "2001:db8::1" : "fe80::1", sport,
				 i & 2 ? "2001:db8::2" : "fe80::2", "7");
	}
	for (i = 0; i < OPS; i++) {
		unsigned int k, op;
		uint16_t id;
		int ret;

		rnd = rnd * 1103515245u + 12345u;
		k = (rnd >> 8) % NKEYS;
		op = (rnd >> 20) % 4;
		if (op == 0) {
			ret = nfv_flow_add(&ft, &keys[k], &c);
			if (present[k])
				ck_assert_int_eq(ret, -EEXIST);
			else if (nrules == ft.max_rules)
				ck_assert_int_eq(ret, -ENOSPC);
			else {
				ck_assert_int_eq(ret, 0);
				present[k] = 1;
				nrules++;
			}
		} else if (op == 1) {
			ck_assert_int_eq(nfv_flow_del(&ft, &keys[k]), present[k] ? 0 : -ENOENT);
			nrules -= present[k];
			present[k] = 0;
		} else {
			nfv_flow_classify(&ft, 0, &keys[k], 1, &id);
			ck_assert_uint_eq(id != NFV_DEFAULT_CHAIN, (unsigned int)present[k]);
			if (nheld == 64 || op == 3) {
				nfv_flow_put(&ft, id);
			} else {
				held[nheld++] = id;
			}
			if (nheld == 64) {
				while (nheld > 0)
					nfv_flow_put(&ft, held[--nheld]);
			}
		}
		ck_assert_uint_eq(ft.nrules, nrules);
		ck_assert_uint_le(ft.nfree + ft.nrules, ft.nids);
	}
	while (nheld > 0)
		nfv_flow_put(&ft, held[--nheld]);
	/* Nothing in flight: every id not used by a rule is free again. */
	ck_assert_uint_eq(ft.nfree + ft.nrules, ft.nids);
	nfv_flow_flush(&ft);
	ck_assert_uint_eq(ft.nfree, ft.nids);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flow");
	TCase *tc = tcase_create("director");
	SRunner *sr;
	char dir[PATH_MAX];
	int failed;

	if (eal_up() < 0) {
		printf("Bail out! rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, ft_up, ft_down);
	tcase_add_test(tc, test_rule_words);
	tcase_add_test(tc, test_exact_match_over_default_v4_v6);
	tcase_add_test(tc, test_bulk_mixed_burst);
	tcase_add_test(tc, test_bulk_longer_than_lookup_max);
	tcase_add_test(tc, test_deleted_chain_kept_while_packets_follow_it);
	tcase_add_test(tc, test_full_table);
	tcase_add_test(tc, test_foreach_chain);
	tcase_add_test(tc, test_port_chain_for_misses);
	tcase_add_test(tc, test_rules_from_nf_messages);
	tcase_add_test(tc, test_chain_specs);
	tcase_add_test(tc, test_churn_against_model);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* One EAL per process: run the tests in it, not in forks. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	/* EAL leaves its (empty) runtime directory behind. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
