/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_catalog_a.c - unit tests of the catalogue NFs' decisions: the
 * router's longest-prefix match and TTL handling, the firewall's rules and
 * connection tracking, the NAT's translation and port allocation, and the
 * flow table under them.
 *
 * Frames are built here byte by byte; checksums are set and verified from
 * scratch with the pcap tools' packet library (tools/nfv_pkt.h), never
 * with the incremental code under test.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firewall_lib.h"
#include "nat_lib.h"
#include "nfv_flow_table.h"
#include "nfv_ip_lib.h"
#include "nfv_pkt.h"
#include "router_lib.h"

#define FRAME_MAX 512
#define ETH_TYPE_VLAN 0x8100

/* A packet to build.  For ICMP, sport is the message type and dport the
 * echo identifier. */
struct flow {
	const char *src;
	const char *dst;
	uint8_t proto;
	uint16_t sport;
	uint16_t dport;
};

/* Knobs of build(). */
struct build_opts {
	uint8_t ttl;		/* 0: 64 */
	uint32_t payload;	/* bytes after the L4 header */
	int vlan;		/* 1: one 802.1Q tag */
	int no_udp_csum;	/* 1: IPv4 UDP checksum 0 (none) */
	uint16_t frag;		/* IPv4 flags and fragment offset field */
	int hop_by_hop;		/* 1: IPv6 hop-by-hop header before L4 */
};

static int
family_of(const char *addr)
{
	return strchr(addr, ':') ? 6 : 4;
}

static void
put_addr(uint8_t *p, const char *s)
{
	ck_assert_int_eq(inet_pton(family_of(s) == 4 ? AF_INET : AF_INET6, s, p), 1);
}

static uint32_t
l4_hdr_len(uint8_t proto)
{
	return proto == NFV_PROTO_TCP ? NFV_TCP_HDR_LEN : 8;
}

/* Build an Ethernet frame with correct checksums; returns its length. */
static uint32_t
build_opt(uint8_t *f, const struct flow *fl, const struct build_opts *o)
{
	int ipv = family_of(fl->src);
	uint32_t off = 14, l3, l4, l4len, i;
	uint8_t *ip, *t;

	memset(f, 0, FRAME_MAX);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (o->vlan) {
		nfv_put16(f + 12, ETH_TYPE_VLAN);
		nfv_put16(f + 14, 42);
		off += 4;
	}
	nfv_put16(f + off - 2, ipv == 4 ? NFV_ETHERTYPE_IPV4 : NFV_ETHERTYPE_IPV6);
	l3 = off;
	ip = f + l3;
	l4len = l4_hdr_len(fl->proto) + o->payload;
	if (ipv == 4) {
		l4 = l3 + 20;
		ip[0] = 0x45;
		nfv_put16(ip + 2, (uint16_t)(20 + l4len));
		nfv_put16(ip + 4, 0x1234);
		nfv_put16(ip + 6, o->frag ? o->frag : 0x4000);
		ip[8] = o->ttl ? o->ttl : 64;
		ip[9] = fl->proto;
		put_addr(ip + 12, fl->src);
		put_addr(ip + 16, fl->dst);
	} else {
		l4 = l3 + 40 + (o->hop_by_hop ? 8 : 0);
		ip[0] = 0x60;
		nfv_put16(ip + 4, (uint16_t)(l4 - l3 - 40 + l4len));
		ip[6] = o->hop_by_hop ? 0 : fl->proto;
		ip[7] = o->ttl ? o->ttl : 64;
		put_addr(ip + 8, fl->src);
		put_addr(ip + 24, fl->dst);
		if (o->hop_by_hop) {
			ip[40] = fl->proto;	/* 8 bytes: PadN option */
			ip[42] = 1;
			ip[43] = 4;
		}
	}
	t = f + l4;
	if (fl->proto == NFV_PROTO_ICMP || fl->proto == NFV_PROTO_ICMPV6) {
		t[0] = (uint8_t)fl->sport;
		nfv_put16(t + 4, fl->dport);
		nfv_put16(t + 6, 1);
	} else {
		nfv_put16(t, fl->sport);
		nfv_put16(t + 2, fl->dport);
		if (fl->proto == NFV_PROTO_TCP) {
			nfv_put32(t + 4, 1);
			t[12] = 0x50;
			t[13] = 0x18;
			nfv_put16(t + 14, 0xffff);
		} else if (fl->proto == NFV_PROTO_UDP) {
			nfv_put16(t + 4, (uint16_t)l4len);
		}
	}
	for (i = 0; i < o->payload; i++)
		t[l4_hdr_len(fl->proto) + i] = (uint8_t)(i * 7 + 3);
	if (o->vlan)
		return l4 + l4len;
	/* Sets the IPv4 header checksum even when L4 is not TCP/UDP. */
	nfv_pkt_set_csums(f, l4 + l4len);
	if (fl->proto == NFV_PROTO_ICMP)
		nfv_put16(t + 2, nfv_csum_fold(nfv_csum_add(0, t, l4len)));
	if (fl->proto == NFV_PROTO_UDP && o->no_udp_csum)
		nfv_put16(t + 6, 0);
	return l4 + l4len;
}

static uint32_t
build(uint8_t *f, const struct flow *fl)
{
	static const struct build_opts o = { .payload = 18 };

	return build_opt(f, fl, &o);
}

/* Internet checksums +0 and -0 are the same number. */
static int
csum_same(uint16_t a, uint16_t b)
{
	return a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

/* Check every checksum of an untagged frame by recomputing it. */
static void
verify_csums(const uint8_t *f, uint32_t len)
{
	struct nfv_pkt_info info;
	uint16_t want, got;
	size_t off;

	ck_assert_int_eq(nfv_pkt_parse(f, len, &info), 0);
	if (info.ip_version == 4) {
		got = nfv_get16(f + info.l3_off + 10);
		want = nfv_ipv4_csum(f, &info);
		ck_assert_msg(csum_same(got, want), "IPv4 header checksum %#x, recomputed %#x",
			      got, want);
	}
	if (info.l4_proto == NFV_PROTO_ICMP) {
		ck_assert_msg(nfv_csum_fold(nfv_csum_add(0, f + info.l4_off, info.l4_len)) == 0,
			      "ICMP checksum does not verify");
		return;
	}
	off = info.l4_proto == NFV_PROTO_TCP ? 16 : 6;
	got = nfv_get16(f + info.l4_off + off);
	ck_assert_int_eq(nfv_l4_csum(f, &info, &want), 0);
	ck_assert_msg(csum_same(got, want), "L4 checksum %#x, recomputed %#x", got, want);
}

/* ---- router ---------------------------------------------------------- */

static struct router *rt;

static void
router_setup(void)
{
	rt = router_create();
	ck_assert_ptr_nonnull(rt);
}

static void
router_teardown(void)
{
	router_destroy(rt);
}

static void
add_route(const char *prefix, const char *action)
{
	char why[NFV_ERR_LEN];
	struct nfv_prefix p;
	struct route_action a;

	ck_assert_msg(nfv_prefix_parse(prefix, &p, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(route_action_parse(action, &a), 0);
	ck_assert_int_eq(router_add(rt, &p, a, 0), 0);
}

/* "port:N", "service:N", "drop" or "none" for the route of @addr. */
static const char *
lookup(const char *addr)
{
	static char buf[32];
	struct route_action a;
	uint8_t b[16];

	put_addr(b, addr);
	if (router_lookup(rt, (uint8_t)family_of(addr), b, &a) < 0)
		return "none";
	if (a.kind == ROUTE_DROP)
		return "drop";
	snprintf(buf, sizeof(buf), "%s:%u", a.kind == ROUTE_PORT ? "port" : "service", a.id);
	return buf;
}

START_TEST(router_longest_prefix_wins)
{
	add_route("10.0.0.0/8", "port:1");
	add_route("10.1.2.128/25", "drop");
	add_route("10.1.0.0/16", "port:2");
	add_route("10.1.2.200", "port:9");
	add_route("10.1.2.0/24", "service:3");
	ck_assert_str_eq(lookup("10.9.9.9"), "port:1");
	ck_assert_str_eq(lookup("10.1.9.9"), "port:2");
	ck_assert_str_eq(lookup("10.1.2.5"), "service:3");
	ck_assert_str_eq(lookup("10.1.2.127"), "service:3");
	ck_assert_str_eq(lookup("10.1.2.128"), "drop");
	ck_assert_str_eq(lookup("10.1.2.200"), "port:9");
	ck_assert_str_eq(lookup("10.1.2.201"), "drop");
	ck_assert_str_eq(lookup("11.0.0.1"), "none");
	ck_assert_str_eq(lookup("9.255.255.255"), "none");
}
END_TEST

START_TEST(router_ipv6_longest_prefix_wins)
{
	add_route("::/0", "port:0");
	add_route("2001:db8::/32", "port:1");
	add_route("2001:db8:1::/48", "port:2");
	add_route("2001:db8:1:2::/64", "service:4");
	add_route("2001:db8:1:2::1", "port:7");
	add_route("2001:db8:1:2:8000::/65", "drop");
	ck_assert_str_eq(lookup("2001:db8:ffff::1"), "port:1");
	ck_assert_str_eq(lookup("2001:db8:1:ffff::1"), "port:2");
	ck_assert_str_eq(lookup("2001:db8:1:2::2"), "service:4");
	ck_assert_str_eq(lookup("2001:db8:1:2::1"), "port:7");
	ck_assert_str_eq(lookup("2001:db8:1:2:8000::1"), "drop");
	ck_assert_str_eq(lookup("2001:db9::1"), "port:0");
	ck_assert_str_eq(lookup("fe80::1"), "port:0");
}
END_TEST

START_TEST(router_families_do_not_mix)
{
	add_route("0.0.0.0/0", "port:4");
	ck_assert_str_eq(lookup("192.0.2.1"), "port:4");
	ck_assert_str_eq(lookup("::ffff:192.0.2.1"), "none");
	ck_assert_str_eq(lookup("2001:db8::1"), "none");
}
END_TEST

/* Deterministic generator for the reference comparison. */
static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

START_TEST(router_agrees_with_linear_search)
{
	enum { NROUTES = 300, NLOOKUPS = 4000 };
	struct nfv_prefix p[NROUTES];
	struct route_action a, want;
	unsigned int i, j, n = 0, bits;
	uint8_t addr[16];
	int best, ret;

	rng_state = 7;
	while (n < NROUTES) {
		struct nfv_prefix *q = &p[n];
		uint8_t ipv = rng() % 3 ? 4 : 6;

		memset(q, 0, sizeof(*q));
		q->ipv = ipv;
		bits = ipv == 4 ? 32 : 128;
		/* Few distinct top bits, so that prefixes nest and overlap. */
		q->len = (uint8_t)(rng() % (bits + 1));
		for (j = 0; j < bits / 8; j++)
			q->addr[j] = j < 2 ? (uint8_t)(rng() % 4) : (uint8_t)rng();
		for (j = q->len; j < bits; j++)
			q->addr[j / 8] &= (uint8_t)~(0x80u >> (j % 8));
		a.kind = ROUTE_PORT;
		a.id = (uint16_t)n;
		ret = router_add(rt, q, a, 0);
		if (ret == -EEXIST)
			continue;
		ck_assert_int_eq(ret, 0);
		n++;
	}
	for (i = 0; i < NLOOKUPS; i++) {
		uint8_t ipv = rng() % 3 ? 4 : 6;

		bits = ipv == 4 ? 32 : 128;
		for (j = 0; j < bits / 8; j++)
			addr[j] = j < 2 ? (uint8_t)(rng() % 4) : (uint8_t)rng();
		/* Half the time start from a route's prefix, to hit deep nodes. */
		if (rng() % 2) {
			const struct nfv_prefix *q = &p[rng() % NROUTES];

			if (q->ipv == ipv)
				memcpy(addr, q->addr, (q->len + 7u) / 8 < bits / 8 ?
				       (q->len + 7u) / 8 : bits / 8);
		}
		best = -1;
		for (j = 0; j < NROUTES; j++)
			if (nfv_prefix_match(&p[j], ipv, addr) &&
			    (best < 0 || p[j].len > p[best].len))
				best = (int)j;
		ret = router_lookup(rt, ipv, addr, &want);
		if (best < 0) {
			ck_assert_int_eq(ret, -ENOENT);
		} else {
			ck_assert_int_eq(ret, 0);
			ck_assert_uint_eq(want.id, (unsigned int)best);
		}
	}
}
END_TEST

START_TEST(router_rejects_duplicates_and_host_bits)
{
	struct route_action a = { .kind = ROUTE_PORT, .id = 1 };
	char why[NFV_ERR_LEN];
	struct nfv_prefix p;

	add_route("10.0.0.0/8", "port:1");
	ck_assert_int_eq(nfv_prefix_parse("10.0.0.0/8", &p, why, sizeof(why)), 0);
	ck_assert_int_eq(router_add(rt, &p, a, 0), -EEXIST);
	ck_assert_int_eq(nfv_prefix_parse("10.1.2.3/16", &p, why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "write 10.1.0.0/16") != NULL, "%s", why);
	ck_assert_int_eq(nfv_prefix_parse("10.0.0.0/33", &p, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(nfv_prefix_parse("2001:db8::/129", &p, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(nfv_prefix_parse("10.0.0/8", &p, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(route_action_parse("service:0", &a), -EINVAL);
	ck_assert_int_eq(route_action_parse("service:256", &a), -EINVAL);
	ck_assert_int_eq(route_action_parse("port:65536", &a), -EINVAL);
	/* nfvisord has ports 0..15: port:16 could only ever be dropped. */
	ck_assert_int_eq(route_action_parse("port:16", &a), -EINVAL);
	ck_assert_int_eq(route_action_parse("port:15", &a), 0);
	ck_assert_int_eq(route_action_parse("port:", &a), -EINVAL);
	ck_assert_uint_eq(router_count(rt), 1);
}
END_TEST

START_TEST(router_packet_decrements_ttl_with_valid_checksum)
{
	const struct flow fl = { "198.18.0.1", "10.1.2.3", NFV_PROTO_UDP, 1024, 9 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	struct route_action a;
	uint32_t len;

	add_route("10.0.0.0/8", "port:3");
	len = build(f, &fl);
	memcpy(orig, f, len);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_ROUTED);
	ck_assert_int_eq(a.kind, ROUTE_PORT);
	ck_assert_uint_eq(a.id, 3);
	ck_assert_uint_eq(f[14 + 8], 63);
	verify_csums(f, len);
	/* Nothing but the TTL and the header checksum changed. */
	f[14 + 8] = orig[14 + 8];
	memcpy(f + 14 + 10, orig + 14 + 10, 2);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_ROUTED], 1);
}
END_TEST

START_TEST(router_packet_ttl_checksum_valid_for_every_ttl)
{
	const struct flow fl = { "198.18.0.1", "10.1.2.3", NFV_PROTO_TCP, 1, 2 };
	struct build_opts o = { .payload = 5 };
	uint8_t f[FRAME_MAX];
	struct route_action a;
	uint32_t len;
	unsigned int ttl;

	add_route("10.0.0.0/8", "port:3");
	for (ttl = 2; ttl <= 255; ttl++) {
		o.ttl = (uint8_t)ttl;
		len = build_opt(f, &fl, &o);
		ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_ROUTED);
		ck_assert_uint_eq(f[14 + 8], ttl - 1);
		verify_csums(f, len);
	}
}
END_TEST

START_TEST(router_packet_expired_ttl_dropped_unchanged)
{
	const struct flow fl = { "198.18.0.1", "10.1.2.3", NFV_PROTO_UDP, 1024, 9 };
	const struct flow fl6 = { "2001:db8::1", "2001:db8:2::1", NFV_PROTO_UDP, 1024, 9 };
	struct build_opts o = { .ttl = 1, .payload = 18 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	struct route_action a;
	uint32_t len;

	add_route("0.0.0.0/0", "port:1");
	add_route("::/0", "port:1");
	len = build_opt(f, &fl, &o);
	memcpy(orig, f, len);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_EXPIRED);
	ck_assert_mem_eq(f, orig, len);
	len = build_opt(f, &fl6, &o);
	memcpy(orig, f, len);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_EXPIRED);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_EXPIRED], 2);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_ROUTED], 0);
}
END_TEST

START_TEST(router_packet_ipv6_hop_limit_to_service)
{
	const struct flow fl = { "2001:db8:1::1", "2001:db8:2::1", NFV_PROTO_TCP, 1024, 80 };
	uint8_t f[FRAME_MAX];
	struct route_action a;
	uint32_t len;

	add_route("2001:db8:2::/48", "service:5");
	len = build(f, &fl);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_ROUTED);
	ck_assert_int_eq(a.kind, ROUTE_SERVICE);
	ck_assert_uint_eq(a.id, 5);
	ck_assert_uint_eq(f[14 + 7], 63);
	verify_csums(f, len);
}
END_TEST

START_TEST(router_packet_without_route_dropped_or_defaulted)
{
	const struct flow fl = { "198.18.0.1", "192.0.2.1", NFV_PROTO_UDP, 1024, 9 };
	struct route_action a, def = { .kind = ROUTE_SERVICE, .id = 9 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	uint32_t len;

	add_route("10.0.0.0/8", "port:1");
	len = build(f, &fl);
	memcpy(orig, f, len);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_NO_ROUTE);
	ck_assert_mem_eq(f, orig, len);
	router_set_default(rt, def);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_DEFAULT);
	ck_assert_int_eq(a.kind, ROUTE_SERVICE);
	ck_assert_uint_eq(a.id, 9);
	ck_assert_uint_eq(f[14 + 8], 63);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_NO_ROUTE], 1);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_DEFAULT], 1);
}
END_TEST

START_TEST(router_packet_blackhole_route_drops)
{
	const struct flow fl = { "198.18.0.1", "192.0.2.1", NFV_PROTO_UDP, 1024, 9 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	struct route_action a;
	uint32_t len;

	add_route("0.0.0.0/0", "port:1");
	add_route("192.0.2.0/24", "drop");
	len = build(f, &fl);
	memcpy(orig, f, len);
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_BLACKHOLE);
	ck_assert_mem_eq(f, orig, len);
}
END_TEST

START_TEST(router_packet_behind_vlan_tag)
{
	const struct flow fl = { "198.18.0.1", "10.1.2.3", NFV_PROTO_UDP, 1024, 9 };
	struct build_opts o = { .vlan = 1, .payload = 18 };
	uint8_t f[FRAME_MAX];
	struct route_action a;
	uint32_t len, sum;

	add_route("10.0.0.0/8", "port:3");
	len = build_opt(f, &fl, &o);
	/* build_opt() leaves tagged frames without checksums: set it. */
	nfv_put16(f + 18 + 10, nfv_csum_fold(nfv_csum_add(0, f + 18, 20)));
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_ROUTED);
	ck_assert_uint_eq(f[18 + 8], 63);
	sum = nfv_csum_add(0, f + 18, 20);
	ck_assert_uint_eq(nfv_csum_fold(sum), 0);
}
END_TEST

START_TEST(router_packet_not_ip_or_malformed_dropped)
{
	const struct flow fl = { "198.18.0.1", "10.1.2.3", NFV_PROTO_UDP, 1024, 9 };
	uint8_t f[FRAME_MAX];
	struct route_action a;
	uint32_t len;

	add_route("0.0.0.0/0", "port:1");
	len = build(f, &fl);
	nfv_put16(f + 12, 0x0806);	/* ARP */
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_NOT_IP);
	len = build(f, &fl);
	ck_assert_int_eq(router_packet(rt, f, len - 1, &a), ROUTER_NOT_IP);	/* IP length past the frame */
	ck_assert_int_eq(router_packet(rt, f, 30, &a), ROUTER_NOT_IP);
	f[14] = 0x44;			/* IHL below 5 */
	ck_assert_int_eq(router_packet(rt, f, len, &a), ROUTER_NOT_IP);
	ck_assert_uint_eq(router_stats(rt)->n[ROUTER_NOT_IP], 4);
}
END_TEST

/* Write @text to a fresh file; returns its path (static storage). */
static const char *
write_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	strcpy(path, "/tmp/test_catalog_a.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Assert that @err starts with "@path:@line: " and contains @what. */
static void
assert_error_at(const char *err, const char *path, unsigned int line,
		const char *what)
{
	char head[128];

	snprintf(head, sizeof(head), "%s:%u: ", path, line);
	ck_assert_msg(strncmp(err, head, strlen(head)) == 0, "'%s' does not start with '%s'",
		      err, head);
	ck_assert_msg(strstr(err, what) != NULL, "'%s' does not say '%s'", err, what);
}

START_TEST(router_load_reads_routes_file)
{
	const char *path = write_file("# routes\n\n10.0.0.0/8 port:1   # comment\n"
				      "  2001:db8::/32\tservice:2\n192.0.2.0/24 drop\n");
	char err[NFV_ERR_LEN];

	ck_assert_int_eq(router_load(rt, path, err, sizeof(err)), 3);
	unlink(path);
	ck_assert_str_eq(lookup("10.1.1.1"), "port:1");
	ck_assert_str_eq(lookup("2001:db8::5"), "service:2");
	ck_assert_str_eq(lookup("192.0.2.7"), "drop");
}
END_TEST

START_TEST(router_load_errors_name_file_and_line)
{
	char err[NFV_ERR_LEN];
	const char *path;

	path = write_file("10.0.0.0/8 port:1\n# fine\n10.1.0.0/16 port:x\n");
	ck_assert_int_eq(router_load(rt, path, err, sizeof(err)), -EINVAL);
	assert_error_at(err, path, 3, "use port:N");
	unlink(path);

	router_teardown();
	router_setup();
	path = write_file("10.0.0.0/8 port:1\n\n10.0.0.0/8 port:2\n");
	ck_assert_int_eq(router_load(rt, path, err, sizeof(err)), -EINVAL);
	assert_error_at(err, path, 3, "already given on line 1");
	unlink(path);

	path = write_file("10.0.0.0/8\n");
	ck_assert_int_eq(router_load(rt, path, err, sizeof(err)), -EINVAL);
	assert_error_at(err, path, 1, "expected 'PREFIX ACTION'");
	unlink(path);

	path = write_file("10.0.0.1/8 port:1\n");
	ck_assert_int_eq(router_load(rt, path, err, sizeof(err)), -EINVAL);
	assert_error_at(err, path, 1, "write 10.0.0.0/8");
	unlink(path);

	ck_assert_int_eq(router_load(rt, "/nonexistent/routes", err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "/nonexistent/routes: ") == err, "%s", err);
}
END_TEST

/* ---- flow table ------------------------------------------------------ */

static struct nfv_5tuple
key_n(uint32_t n)
{
	struct nfv_5tuple k;

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = NFV_PROTO_UDP;
	nfv_put32(k.src, 0x0a000000u + n);
	nfv_put32(k.dst, 0xc6336409u);
	k.sport = (uint16_t)n;
	k.dport = 53;
	return k;
}

START_TEST(flow_table_agrees_with_reference)
{
	enum { CAP = 64, KEYS = 200, OPS = 20000 };
	int32_t where[KEYS];
	struct nfv_flow_table *ft = nfv_ft_create(CAP, 99);
	uint32_t count = 0, i, n;
	struct nfv_5tuple k;
	int32_t e;

	ck_assert_ptr_nonnull(ft);
	for (i = 0; i < KEYS; i++)
		where[i] = -ENOENT;
	rng_state = 3;
	for (i = 0; i < OPS; i++) {
		n = rng() % KEYS;
		k = key_n(n);
		e = nfv_ft_lookup(ft, &k);
		ck_assert_int_eq(e, where[n]);
		if (e >= 0 && rng() % 2) {
			nfv_ft_remove(ft, e);
			where[n] = -ENOENT;
			count--;
		} else if (e < 0) {
			e = nfv_ft_insert(ft, &k, i);
			if (count == CAP) {
				ck_assert_int_eq(e, -ENOSPC);
				continue;
			}
			ck_assert_int_ge(e, 0);
			ck_assert_mem_eq(nfv_ft_key(ft, e), &k, sizeof(k));
			where[n] = e;
			count++;
		}
		ck_assert_uint_eq(nfv_ft_count(ft), count);
	}
	nfv_ft_destroy(ft);
}
END_TEST

START_TEST(flow_table_oldest_is_least_recently_used)
{
	struct nfv_flow_table *ft = nfv_ft_create(4, 1);
	struct nfv_5tuple k0 = key_n(0), k1 = key_n(1), k2 = key_n(2);
	int32_t e0, e1, e2;

	e0 = nfv_ft_insert(ft, &k0, 10);
	e1 = nfv_ft_insert(ft, &k1, 20);
	e2 = nfv_ft_insert(ft, &k2, 30);
	ck_assert_int_eq(nfv_ft_insert(ft, &k1, 40), -EEXIST);
	ck_assert_int_eq(nfv_ft_oldest(ft), e0);
	nfv_ft_touch(ft, e0, 50);
	ck_assert_int_eq(nfv_ft_oldest(ft), e1);
	nfv_ft_remove(ft, e1);
	ck_assert_int_eq(nfv_ft_oldest(ft), e2);
	ck_assert_uint_eq(nfv_ft_last_used(ft, e0), 50);
	nfv_ft_remove(ft, e2);
	nfv_ft_remove(ft, e0);
	ck_assert_int_eq(nfv_ft_oldest(ft), -ENOENT);
	ck_assert_ptr_null(nfv_ft_create(0, 1));
	nfv_ft_destroy(ft);
}
END_TEST

/* ---- firewall -------------------------------------------------------- */

static struct firewall *fw;

static void
fw_make(uint8_t default_verdict, uint32_t ct_max, uint64_t timeout)
{
	const struct fw_config cfg = {
		.default_verdict = default_verdict, .ct_max = ct_max,
		.ct_timeout = timeout, .seed = 5,
	};

	fw_destroy(fw);
	fw = fw_create(&cfg);
	ck_assert_ptr_nonnull(fw);
}

static void
fw_setup(void)
{
	fw = NULL;
	fw_make(FW_DENY, 1024, 60000);
}

static void
fw_teardown(void)
{
	fw_destroy(fw);
}

/* Append the rule written in @text (words separated by spaces). */
static void
rule(const char *text)
{
	char buf[256], why[NFV_ERR_LEN], *word[NFV_CONF_MAX_WORDS], *save, *s;
	struct fw_rule r;
	int n = 0;

	strcpy(buf, text);
	for (s = strtok_r(buf, " ", &save); s; s = strtok_r(NULL, " ", &save))
		word[n++] = s;
	ck_assert_msg(fw_rule_parse(word, n, &r, why, sizeof(why)) == 0, "%s: %s", text, why);
	ck_assert_int_eq(fw_add_rule(fw, &r), 0);
}

/* The reason fw_rule_parse() gives for @text. */
static const char *
rule_error(const char *text)
{
	static char why[NFV_ERR_LEN];
	char buf[256], *word[NFV_CONF_MAX_WORDS], *save, *s;
	struct fw_rule r;
	int n = 0;

	strcpy(buf, text);
	for (s = strtok_r(buf, " ", &save); s; s = strtok_r(NULL, " ", &save))
		word[n++] = s;
	ck_assert_int_eq(fw_rule_parse(word, n, &r, why, sizeof(why)), -EINVAL);
	return why;
}

static enum fw_verdict
fw_at(const struct flow *fl, uint64_t now)
{
	uint8_t f[FRAME_MAX];

	return fw_packet(fw, f, build(f, fl), now);
}

static enum fw_verdict
fw_pkt(const struct flow *fl)
{
	return fw_at(fl, 0);
}

static const struct flow udp_out = { "10.0.0.5", "192.0.2.53", NFV_PROTO_UDP, 4000, 53 };
static const struct flow udp_back = { "192.0.2.53", "10.0.0.5", NFV_PROTO_UDP, 53, 4000 };

START_TEST(fw_first_matching_rule_wins)
{
	const struct flow a = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1000, 2000 };
	const struct flow b = { "10.0.0.2", "192.0.2.1", NFV_PROTO_UDP, 1000, 2000 };

	rule("deny src 10.0.0.1");
	rule("allow src 10.0.0.0/8");
	rule("deny src 10.0.0.2");
	ck_assert_int_eq(fw_pkt(&a), FW_DENY);
	ck_assert_int_eq(fw_pkt(&b), FW_ALLOW);
	ck_assert_uint_eq(fw_rule_get(fw, 0)->hits, 1);
	ck_assert_uint_eq(fw_rule_get(fw, 1)->hits, 1);
	ck_assert_uint_eq(fw_rule_get(fw, 2)->hits, 0);
}
END_TEST

START_TEST(fw_protocols_and_port_ranges)
{
	const struct flow tcp80 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_TCP, 40000, 80 };
	const struct flow tcp81 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_TCP, 40000, 81 };
	const struct flow udp1000 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 7, 1000 };
	const struct flow udp2000 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 8, 2000 };
	const struct flow udp2001 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 9, 2001 };
	const struct flow tcp1500 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_TCP, 10, 1500 };
	const struct flow tcp_sport = { "10.0.0.1", "192.0.2.1", NFV_PROTO_TCP, 5, 9999 };

	rule("allow proto tcp dport 80");
	rule("allow dport 1000-2000 proto udp");
	rule("allow proto tcp sport 1-5 dport 9999");
	ck_assert_int_eq(fw_pkt(&tcp80), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&tcp81), FW_DENY);
	ck_assert_int_eq(fw_pkt(&udp1000), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp2000), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp2001), FW_DENY);
	ck_assert_int_eq(fw_pkt(&tcp1500), FW_DENY);
	ck_assert_int_eq(fw_pkt(&tcp_sport), FW_ALLOW);
	ck_assert_uint_eq(fw_stats(fw)->default_denied, 3);
}
END_TEST

START_TEST(fw_icmp_means_icmp_and_icmpv6)
{
	const struct flow ping4 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REQUEST, 7 };
	const struct flow ping6 = { "2001:db8::1", "2001:db8::2", NFV_PROTO_ICMPV6, NFV_ICMPV6_ECHO_REQUEST, 7 };
	const struct flow icmp6_in_v4 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_ICMPV6, 128, 7 };
	const struct flow udp = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1, 2 };

	rule("allow proto icmp");
	ck_assert_int_eq(fw_pkt(&ping4), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&ping6), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&icmp6_in_v4), FW_DENY);
	ck_assert_int_eq(fw_pkt(&udp), FW_DENY);
}
END_TEST

START_TEST(fw_prefix_matches_its_family_only)
{
	const struct flow v4 = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1, 2 };
	const struct flow v6 = { "2001:db8::1", "2001:db8::2", NFV_PROTO_UDP, 1, 2 };

	rule("allow src ::/0");
	ck_assert_int_eq(fw_pkt(&v4), FW_DENY);
	ck_assert_int_eq(fw_pkt(&v6), FW_ALLOW);
}
END_TEST

START_TEST(fw_reply_of_allowed_flow_is_established)
{
	const struct flow other_port = { "192.0.2.53", "10.0.0.5", NFV_PROTO_UDP, 53, 4001 };

	rule("allow proto udp src 10.0.0.0/8 dport 53");
	ck_assert_int_eq(fw_pkt(&udp_out), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp_back), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp_back), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp_out), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&other_port), FW_DENY);
	ck_assert_uint_eq(fw_stats(fw)->new_flows, 1);
	ck_assert_uint_eq(fw_stats(fw)->established, 3);
	ck_assert_uint_eq(fw_stats(fw)->default_denied, 1);
	ck_assert_uint_eq(fw_ct_count(fw), 1);
}
END_TEST

START_TEST(fw_reply_before_request_is_denied)
{
	rule("allow proto udp src 10.0.0.0/8 dport 53");
	ck_assert_int_eq(fw_pkt(&udp_back), FW_DENY);
	ck_assert_int_eq(fw_ct_count(fw), 0);
	ck_assert_int_eq(fw_pkt(&udp_out), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&udp_back), FW_ALLOW);
}
END_TEST

START_TEST(fw_icmp_echo_reply_established_by_identifier)
{
	const struct flow req = { "10.0.0.1", "192.0.2.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REQUEST, 77 };
	const struct flow rep = { "192.0.2.1", "10.0.0.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REPLY, 77 };
	const struct flow rep_other = { "192.0.2.1", "10.0.0.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REPLY, 78 };
	const struct flow req_in = { "192.0.2.1", "10.0.0.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REQUEST, 77 };
	const struct flow req6 = { "2001:db8::1", "2001:db8:9::1", NFV_PROTO_ICMPV6, NFV_ICMPV6_ECHO_REQUEST, 5 };
	const struct flow rep6 = { "2001:db8:9::1", "2001:db8::1", NFV_PROTO_ICMPV6, NFV_ICMPV6_ECHO_REPLY, 5 };

	rule("allow proto icmp src 10.0.0.0/8");
	rule("allow proto icmp src 2001:db8::/48");
	ck_assert_int_eq(fw_pkt(&rep), FW_DENY);
	ck_assert_int_eq(fw_pkt(&req), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&rep), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&rep_other), FW_DENY);
	ck_assert_int_eq(fw_pkt(&req_in), FW_DENY);
	ck_assert_int_eq(fw_pkt(&req6), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&rep6), FW_ALLOW);
}
END_TEST

START_TEST(fw_tracked_flow_expires_after_idle_timeout)
{
	fw_make(FW_DENY, 16, 1000);
	rule("allow proto udp src 10.0.0.0/8 dport 53");
	ck_assert_int_eq(fw_at(&udp_out, 0), FW_ALLOW);
	ck_assert_int_eq(fw_at(&udp_back, 999), FW_ALLOW);	/* refreshes */
	ck_assert_int_eq(fw_at(&udp_back, 1998), FW_ALLOW);
	ck_assert_uint_eq(fw_stats(fw)->ct_expired, 0);
	ck_assert_int_eq(fw_at(&udp_back, 2998), FW_DENY);	/* idle 1000 */
	ck_assert_uint_eq(fw_stats(fw)->ct_expired, 1);
	ck_assert_uint_eq(fw_ct_count(fw), 0);
	ck_assert_int_eq(fw_at(&udp_out, 3000), FW_ALLOW);
	ck_assert_int_eq(fw_at(&udp_back, 3001), FW_ALLOW);
}
END_TEST

START_TEST(fw_full_table_evicts_least_recently_used)
{
	const struct flow a = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1001, 53 };
	const struct flow b = { "10.0.0.2", "192.0.2.1", NFV_PROTO_UDP, 1002, 53 };
	const struct flow c = { "10.0.0.3", "192.0.2.1", NFV_PROTO_UDP, 1003, 53 };
	const struct flow a_back = { "192.0.2.1", "10.0.0.1", NFV_PROTO_UDP, 53, 1001 };
	const struct flow b_back = { "192.0.2.1", "10.0.0.2", NFV_PROTO_UDP, 53, 1002 };
	const struct flow c_back = { "192.0.2.1", "10.0.0.3", NFV_PROTO_UDP, 53, 1003 };

	fw_make(FW_DENY, 2, 60000);
	rule("allow src 10.0.0.0/8");
	ck_assert_int_eq(fw_at(&a, 1), FW_ALLOW);
	ck_assert_int_eq(fw_at(&b, 2), FW_ALLOW);
	ck_assert_int_eq(fw_at(&a_back, 3), FW_ALLOW);	/* a is now newer than b */
	ck_assert_int_eq(fw_at(&c, 4), FW_ALLOW);	/* evicts b */
	ck_assert_uint_eq(fw_stats(fw)->ct_evicted, 1);
	ck_assert_uint_eq(fw_ct_count(fw), 2);
	ck_assert_int_eq(fw_at(&b_back, 5), FW_DENY);
	ck_assert_int_eq(fw_at(&a_back, 6), FW_ALLOW);
	ck_assert_int_eq(fw_at(&c_back, 7), FW_ALLOW);
	ck_assert_uint_eq(fw_stats(fw)->ct_expired, 0);
}
END_TEST

START_TEST(fw_denials_counted_per_rule)
{
	const struct flow telnet = { "10.0.0.1", "192.0.2.1", NFV_PROTO_TCP, 5000, 23 };
	const struct flow from_bad = { "198.51.100.7", "10.0.0.1", NFV_PROTO_UDP, 1, 2 };
	const struct flow other = { "192.0.2.9", "10.0.0.1", NFV_PROTO_UDP, 1, 2 };
	int i;

	rule("deny proto tcp dport 23");
	rule("deny src 198.51.100.0/24");
	rule("allow src 10.0.0.0/8");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fw_pkt(&telnet), FW_DENY);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(fw_pkt(&from_bad), FW_DENY);
	ck_assert_int_eq(fw_pkt(&other), FW_DENY);
	ck_assert_uint_eq(fw_rule_get(fw, 0)->hits, 3);
	ck_assert_uint_eq(fw_rule_get(fw, 1)->hits, 2);
	ck_assert_uint_eq(fw_rule_get(fw, 2)->hits, 0);
	ck_assert_uint_eq(fw_stats(fw)->denied, 5);
	ck_assert_uint_eq(fw_stats(fw)->default_denied, 1);
	ck_assert_uint_eq(fw_ct_count(fw), 0);
}
END_TEST

START_TEST(fw_default_allow_tracks_so_replies_pass_deny_rules)
{
	const struct flow out = { "10.0.0.1", "198.51.100.5", NFV_PROTO_TCP, 40000, 443 };
	const struct flow back = { "198.51.100.5", "10.0.0.1", NFV_PROTO_TCP, 443, 40000 };
	const struct flow unsolicited = { "198.51.100.6", "10.0.0.1", NFV_PROTO_TCP, 443, 40000 };

	fw_make(FW_ALLOW, 16, 60000);
	rule("deny src 198.51.100.0/24");
	ck_assert_int_eq(fw_pkt(&out), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&back), FW_ALLOW);
	ck_assert_int_eq(fw_pkt(&unsolicited), FW_DENY);
}
END_TEST

START_TEST(fw_ipv6_extension_header_does_not_hide_the_port)
{
	const struct flow ssh = { "2001:db8::1", "2001:db8::2", NFV_PROTO_TCP, 40000, 22 };
	struct build_opts o = { .payload = 10, .hop_by_hop = 1 };
	uint8_t f[FRAME_MAX];

	fw_make(FW_ALLOW, 16, 60000);
	rule("deny proto tcp dport 22");
	ck_assert_int_eq(fw_packet(fw, f, build_opt(f, &ssh, &o), 0), FW_DENY);
	ck_assert_uint_eq(fw_stats(fw)->denied, 1);
}
END_TEST

START_TEST(fw_malformed_denied_non_ip_gets_policy)
{
	uint8_t f[FRAME_MAX];
	uint32_t len;

	fw_make(FW_ALLOW, 16, 60000);
	len = build(f, &udp_out);
	ck_assert_int_eq(fw_packet(fw, f, 14 + 20 + 4, 0), FW_DENY);	/* IP length past frame */
	nfv_put16(f + 14 + 2, 20 + 4);				/* UDP header cut */
	ck_assert_int_eq(fw_packet(fw, f, len, 0), FW_DENY);
	ck_assert_uint_eq(fw_stats(fw)->malformed, 2);
	nfv_put16(f + 12, 0x0806);
	ck_assert_int_eq(fw_packet(fw, f, len, 0), FW_ALLOW);
	fw_make(FW_DENY, 16, 60000);
	ck_assert_int_eq(fw_packet(fw, f, len, 0), FW_DENY);
	ck_assert_uint_eq(fw_stats(fw)->non_ip, 1);
}
END_TEST

START_TEST(fw_rule_errors_say_what_to_fix)
{
	ck_assert_ptr_nonnull(strstr(rule_error("permit src 10.0.0.0/8"), "'allow' or 'deny'"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow dport 80"), "need 'proto tcp' or 'proto udp'"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow proto icmp dport 80"), "need 'proto tcp'"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow src 10.0.0.0/8 dst 2001:db8::/32"), "write two rules"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow proto tcp dport 90-80"), "N <= M"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow proto tcp dport 65536"), "0..65535"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow proto sctp"), "tcp, udp, icmp or any"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow src 10.0.0.0/8 src 10.0.0.0/8"), "given twice"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow from 10.0.0.0/8"), "proto, src, dst, sport or dport"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow src"), "needs a value"));
	ck_assert_ptr_nonnull(strstr(rule_error("allow dst 10.0.0.1/24"), "write 10.0.0.0/24"));
}
END_TEST

START_TEST(fw_load_errors_name_file_and_line)
{
	char err[NFV_ERR_LEN];
	const char *path;

	path = write_file("allow proto udp dport 53 # dns\n\n# telnet\ndeny proto icmp dport 23\n");
	ck_assert_int_eq(fw_load(fw, path, err, sizeof(err)), -EINVAL);
	assert_error_at(err, path, 4, "need 'proto tcp'");
	unlink(path);

	fw_make(FW_DENY, 16, 60000);	/* without the rule of line 1 above */
	path = write_file("allow proto udp dport 53\ndeny src 10.0.0.0/8\n");
	ck_assert_int_eq(fw_load(fw, path, err, sizeof(err)), 2);
	unlink(path);
	ck_assert_uint_eq(fw_rule_get(fw, 1)->line, 2);
}
END_TEST

/* ---- NAT ------------------------------------------------------------- */

static struct nat *nat;

static void
nat_make(uint16_t lo, uint16_t hi, uint64_t timeout)
{
	struct nat_config cfg = {
		.port_lo = lo, .port_hi = hi, .timeout = timeout, .seed = 11,
	};
	char why[NFV_ERR_LEN];

	put_addr(cfg.external, "203.0.113.1");
	ck_assert_int_eq(nfv_prefix_parse("10.0.0.0/8", &cfg.internal, why, sizeof(why)), 0);
	nat_destroy(nat);
	nat = nat_create(&cfg);
	ck_assert_ptr_nonnull(nat);
}

static void
nat_setup(void)
{
	nat = NULL;
	nat_make(20000, 20009, 60000);
}

static void
nat_teardown(void)
{
	nat_destroy(nat);
}

/* Translate @fl at @now; the frame stays in @f, its length in *len. */
static enum nat_verdict
nat_at(uint8_t *f, uint32_t *len, const struct flow *fl, uint64_t now)
{
	*len = build(f, fl);
	return nat_packet(nat, f, *len, now);
}

/* Assert that the frame in @f is what build() makes of @want. */
static void
assert_frame_is(const uint8_t *f, uint32_t len, const struct flow *want)
{
	uint8_t w[FRAME_MAX];

	ck_assert_uint_eq(len, build(w, want));
	ck_assert_mem_eq(f, w, len);
}

START_TEST(nat_outbound_udp_gets_external_source)
{
	const struct flow want = { "203.0.113.1", "192.0.2.53", NFV_PROTO_UDP, 20000, 53 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &udp_out, 0), NAT_OUT);
	verify_csums(f, len);
	assert_frame_is(f, len, &want);
	ck_assert_uint_eq(nat_mappings(nat), 1);
	ck_assert_uint_eq(nat_stats(nat)->mappings_new, 1);
}
END_TEST

START_TEST(nat_outbound_tcp_gets_external_source)
{
	const struct flow tcp = { "10.1.2.3", "198.51.100.80", NFV_PROTO_TCP, 51515, 443 };
	const struct flow want = { "203.0.113.1", "198.51.100.80", NFV_PROTO_TCP, 20000, 443 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &tcp, 0), NAT_OUT);
	verify_csums(f, len);
	assert_frame_is(f, len, &want);
}
END_TEST

START_TEST(nat_reply_translated_back_to_inside)
{
	const struct flow reply = { "192.0.2.53", "203.0.113.1", NFV_PROTO_UDP, 53, 20000 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &udp_out, 0), NAT_OUT);
	ck_assert_int_eq(nat_at(f, &len, &reply, 1), NAT_IN);
	verify_csums(f, len);
	assert_frame_is(f, len, &udp_back);
	ck_assert_uint_eq(nat_stats(nat)->n[NAT_IN], 1);
}
END_TEST

START_TEST(nat_flow_keeps_its_port_new_flow_gets_another)
{
	const struct flow second = { "10.0.0.5", "192.0.2.53", NFV_PROTO_UDP, 4001, 53 };
	const struct flow tcp_same = { "10.0.0.5", "192.0.2.53", NFV_PROTO_TCP, 4000, 53 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &udp_out, 0), NAT_OUT);
	ck_assert_uint_eq(nfv_get16(f + 34), 20000);
	ck_assert_int_eq(nat_at(f, &len, &second, 1), NAT_OUT);
	ck_assert_uint_eq(nfv_get16(f + 34), 20001);
	ck_assert_int_eq(nat_at(f, &len, &udp_out, 2), NAT_OUT);
	ck_assert_uint_eq(nfv_get16(f + 34), 20000);
	/* TCP has ports of its own. */
	ck_assert_int_eq(nat_at(f, &len, &tcp_same, 3), NAT_OUT);
	ck_assert_uint_eq(nfv_get16(f + 34), 20000);
	ck_assert_uint_eq(nat_mappings(nat), 3);
}
END_TEST

START_TEST(nat_icmp_echo_identifier_translated_both_ways)
{
	const struct flow req = { "10.0.0.7", "192.0.2.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REQUEST, 77 };
	const struct flow req_out = { "203.0.113.1", "192.0.2.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REQUEST, 20000 };
	const struct flow rep = { "192.0.2.1", "203.0.113.1", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REPLY, 20000 };
	const struct flow rep_in = { "192.0.2.1", "10.0.0.7", NFV_PROTO_ICMP, NFV_ICMP_ECHO_REPLY, 77 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &req, 0), NAT_OUT);
	verify_csums(f, len);
	assert_frame_is(f, len, &req_out);
	ck_assert_int_eq(nat_at(f, &len, &rep, 1), NAT_IN);
	verify_csums(f, len);
	assert_frame_is(f, len, &rep_in);
}
END_TEST

START_TEST(nat_reply_from_another_remote_dropped)
{
	const struct flow spoof = { "192.0.2.54", "203.0.113.1", NFV_PROTO_UDP, 53, 20000 };
	const struct flow wrong_port = { "192.0.2.53", "203.0.113.1", NFV_PROTO_UDP, 54, 20000 };
	const struct flow unmapped = { "192.0.2.53", "203.0.113.1", NFV_PROTO_UDP, 53, 20001 };
	const struct flow outside_range = { "192.0.2.53", "203.0.113.1", NFV_PROTO_UDP, 53, 80 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	uint32_t len;

	ck_assert_int_eq(nat_at(f, &len, &udp_out, 0), NAT_OUT);
	ck_assert_int_eq(nat_at(f, &len, &spoof, 1), NAT_NO_MAPPING);
	memcpy(orig, f, len);
	ck_assert_int_eq(nat_packet(nat, f, len, 1), NAT_NO_MAPPING);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_int_eq(nat_at(f, &len, &wrong_port, 1), NAT_NO_MAPPING);
	ck_assert_int_eq(nat_at(f, &len, &unmapped, 1), NAT_NO_MAPPING);
	ck_assert_int_eq(nat_at(f, &len, &outside_range, 1), NAT_NO_MAPPING);
	ck_assert_uint_eq(nat_stats(nat)->n[NAT_NO_MAPPING], 5);
}
END_TEST

START_TEST(nat_port_exhaustion_drops_and_counts)
{
	const struct flow a = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1000, 53 };
	const struct flow b = { "10.0.0.2", "192.0.2.1", NFV_PROTO_UDP, 1000, 53 };
	const struct flow c = { "10.0.0.3", "192.0.2.1", NFV_PROTO_UDP, 1000, 53 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	uint32_t len;

	nat_make(30000, 30001, 1000);
	ck_assert_int_eq(nat_at(f, &len, &a, 0), NAT_OUT);
	ck_assert_int_eq(nat_at(f, &len, &b, 100), NAT_OUT);
	len = build(f, &c);
	memcpy(orig, f, len);
	ck_assert_int_eq(nat_packet(nat, f, len, 200), NAT_EXHAUSTED);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_int_eq(nat_at(f, &len, &c, 300), NAT_EXHAUSTED);
	ck_assert_uint_eq(nat_stats(nat)->n[NAT_EXHAUSTED], 2);
	/* Known flows still pass. */
	ck_assert_int_eq(nat_at(f, &len, &b, 400), NAT_OUT);
	/* a expires at 1000 and frees 30000 for c. */
	ck_assert_int_eq(nat_at(f, &len, &c, 1000), NAT_OUT);
	ck_assert_uint_eq(nfv_get16(f + 34), 30000);
	ck_assert_uint_eq(nat_stats(nat)->mappings_expired, 1);
	ck_assert_uint_eq(nat_mappings(nat), 2);
}
END_TEST

START_TEST(nat_freed_ports_reused_oldest_first)
{
	const struct flow a = { "10.0.0.1", "192.0.2.1", NFV_PROTO_UDP, 1, 53 };
	const struct flow b = { "10.0.0.2", "192.0.2.1", NFV_PROTO_UDP, 1, 53 };
	const struct flow c = { "10.0.0.3", "192.0.2.1", NFV_PROTO_UDP, 1, 53 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	nat_make(40000, 40002, 100);
	ck_assert_int_eq(nat_at(f, &len, &a, 0), NAT_OUT);	/* 40000 */
	ck_assert_int_eq(nat_at(f, &len, &b, 150), NAT_OUT);	/* a expired; 40001 */
	ck_assert_int_eq(nat_at(f, &len, &c, 160), NAT_OUT);
	/* 40002 was never used, 40000 was freed since: 40002 first. */
	ck_assert_uint_eq(nfv_get16(f + 34), 40002);
}
END_TEST

START_TEST(nat_mapping_expires_after_idle_timeout)
{
	const struct flow reply = { "192.0.2.53", "203.0.113.1", NFV_PROTO_UDP, 53, 20000 };
	uint8_t f[FRAME_MAX];
	uint32_t len;

	nat_make(20000, 20009, 1000);
	ck_assert_int_eq(nat_at(f, &len, &udp_out, 0), NAT_OUT);
	ck_assert_int_eq(nat_at(f, &len, &reply, 999), NAT_IN);	/* refreshes */
	ck_assert_int_eq(nat_at(f, &len, &reply, 1998), NAT_IN);
	ck_assert_int_eq(nat_at(f, &len, &reply, 2998), NAT_NO_MAPPING);
	ck_assert_uint_eq(nat_stats(nat)->mappings_expired, 1);
	ck_assert_uint_eq(nat_mappings(nat), 0);
}
END_TEST

START_TEST(nat_passes_what_is_not_its_own)
{
	const struct flow v6 = { "2001:db8::1", "2001:db8::2", NFV_PROTO_UDP, 1, 2 };
	const struct flow outside = { "192.0.2.1", "198.51.100.1", NFV_PROTO_UDP, 1, 2 };
	const struct flow *fl[] = { &v6, &outside };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	uint32_t len;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		len = build(f, fl[i]);
		memcpy(orig, f, len);
		ck_assert_int_eq(nat_packet(nat, f, len, 0), NAT_PASS);
		ck_assert_mem_eq(f, orig, len);
	}
	nfv_put16(f + 12, 0x0806);
	ck_assert_int_eq(nat_packet(nat, f, len, 0), NAT_PASS);
	ck_assert_uint_eq(nat_stats(nat)->n[NAT_PASS], 3);
	ck_assert_uint_eq(nat_mappings(nat), 0);
}
END_TEST

START_TEST(nat_udp_without_checksum_keeps_none)
{
	struct build_opts o = { .payload = 18, .no_udp_csum = 1 };
	uint8_t f[FRAME_MAX];
	struct nfv_pkt_info info;
	uint32_t len;

	len = build_opt(f, &udp_out, &o);
	ck_assert_int_eq(nat_packet(nat, f, len, 0), NAT_OUT);
	ck_assert_int_eq(nfv_pkt_parse(f, len, &info), 0);
	ck_assert_uint_eq(nfv_get16(f + info.l4_off + 6), 0);
	ck_assert_uint_eq(nfv_get16(f + 14 + 10), nfv_ipv4_csum(f, &info));
}
END_TEST

START_TEST(nat_untranslatable_dropped)
{
	const struct flow gre = { "10.0.0.5", "192.0.2.1", 47, 0, 0 };
	const struct flow icmp_err = { "10.0.0.5", "192.0.2.1", NFV_PROTO_ICMP, 3, 0 };
	struct build_opts later_frag = { .payload = 18, .frag = 0x0010 };
	uint8_t f[FRAME_MAX], orig[FRAME_MAX];
	uint32_t len;

	len = build(f, &gre);
	memcpy(orig, f, len);
	ck_assert_int_eq(nat_packet(nat, f, len, 0), NAT_UNSUPPORTED);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_int_eq(nat_at(f, &len, &icmp_err, 0), NAT_UNSUPPORTED);
	len = build_opt(f, &udp_out, &later_frag);
	ck_assert_int_eq(nat_packet(nat, f, len, 0), NAT_UNSUPPORTED);
	ck_assert_uint_eq(nat_stats(nat)->n[NAT_UNSUPPORTED], 3);
	ck_assert_uint_eq(nat_mappings(nat), 0);
}
END_TEST

START_TEST(nat_round_trips_keep_checksums_valid)
{
	enum { FLOWS = 300 };
	char src[32], dst[32];
	struct flow out, back;
	struct build_opts o = { 0 };
	uint8_t f[FRAME_MAX], w[FRAME_MAX];
	uint32_t len, i;
	uint16_t port;

	nat_make(1024, 65535, 60000);
	rng_state = 42;
	for (i = 0; i < FLOWS; i++) {
		snprintf(src, sizeof(src), "10.%u.%u.%u", rng() % 256, rng() % 256, rng() % 256);
		snprintf(dst, sizeof(dst), "%u.%u.%u.%u", 1 + rng() % 200, rng() % 256,
			 rng() % 256, 1 + rng() % 254);
		out = (struct flow){ src, dst, rng() % 2 ? NFV_PROTO_TCP : NFV_PROTO_UDP,
				     (uint16_t)rng(), (uint16_t)rng() };
		o.payload = rng() % 100;
		len = build_opt(f, &out, &o);
		ck_assert_int_eq(nat_packet(nat, f, len, i), NAT_OUT);
		verify_csums(f, len);
		port = nfv_get16(f + 34);
		back = (struct flow){ dst, "203.0.113.1", out.proto, out.dport, port };
		len = build_opt(f, &back, &o);
		ck_assert_int_eq(nat_packet(nat, f, len, i), NAT_IN);
		verify_csums(f, len);
		back = (struct flow){ dst, src, out.proto, out.dport, out.sport };
		ck_assert_uint_eq(len, build_opt(w, &back, &o));
		ck_assert_mem_eq(f, w, len);
	}
}
END_TEST

START_TEST(nat_rejects_bad_settings)
{
	struct nat_config cfg = { .port_lo = 1024, .port_hi = 2047, .timeout = 1 };
	char why[NFV_ERR_LEN];

	put_addr(cfg.external, "10.9.9.9");
	ck_assert_int_eq(nfv_prefix_parse("10.0.0.0/8", &cfg.internal, why, sizeof(why)), 0);
	ck_assert_ptr_null(nat_create(&cfg));	/* external inside internal */
	ck_assert_int_eq(errno, EINVAL);
	put_addr(cfg.external, "203.0.113.1");
	cfg.port_lo = 0;
	ck_assert_ptr_null(nat_create(&cfg));
	cfg.port_lo = 3000;
	ck_assert_ptr_null(nat_create(&cfg));
	cfg.port_lo = 1024;
	ck_assert_int_eq(nfv_prefix_parse("2001:db8::/32", &cfg.internal, why, sizeof(why)), 0);
	ck_assert_ptr_null(nat_create(&cfg));
}
END_TEST

/* ---- suite ----------------------------------------------------------- */

static Suite *
catalog_suite(void)
{
	Suite *s = suite_create("catalog_a");
	TCase *tc;

	tc = tcase_create("router");
	tcase_add_checked_fixture(tc, router_setup, router_teardown);
	tcase_add_test(tc, router_longest_prefix_wins);
	tcase_add_test(tc, router_ipv6_longest_prefix_wins);
	tcase_add_test(tc, router_families_do_not_mix);
	tcase_add_test(tc, router_agrees_with_linear_search);
	tcase_add_test(tc, router_rejects_duplicates_and_host_bits);
	tcase_add_test(tc, router_packet_decrements_ttl_with_valid_checksum);
	tcase_add_test(tc, router_packet_ttl_checksum_valid_for_every_ttl);
	tcase_add_test(tc, router_packet_expired_ttl_dropped_unchanged);
	tcase_add_test(tc, router_packet_ipv6_hop_limit_to_service);
	tcase_add_test(tc, router_packet_without_route_dropped_or_defaulted);
	tcase_add_test(tc, router_packet_blackhole_route_drops);
	tcase_add_test(tc, router_packet_behind_vlan_tag);
	tcase_add_test(tc, router_packet_not_ip_or_malformed_dropped);
	tcase_add_test(tc, router_load_reads_routes_file);
	tcase_add_test(tc, router_load_errors_name_file_and_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("flow_table");
	tcase_add_test(tc, flow_table_agrees_with_reference);
	tcase_add_test(tc, flow_table_oldest_is_least_recently_used);
	suite_add_tcase(s, tc);

	tc = tcase_create("firewall");
	tcase_add_checked_fixture(tc, fw_setup, fw_teardown);
	tcase_add_test(tc, fw_first_matching_rule_wins);
	tcase_add_test(tc, fw_protocols_and_port_ranges);
	tcase_add_test(tc, fw_icmp_means_icmp_and_icmpv6);
	tcase_add_test(tc, fw_prefix_matches_its_family_only);
	tcase_add_test(tc, fw_reply_of_allowed_flow_is_established);
	tcase_add_test(tc, fw_reply_before_request_is_denied);
	tcase_add_test(tc, fw_icmp_echo_reply_established_by_identifier);
	tcase_add_test(tc, fw_tracked_flow_expires_after_idle_timeout);
	tcase_add_test(tc, fw_full_table_evicts_least_recently_used);
	tcase_add_test(tc, fw_denials_counted_per_rule);
	tcase_add_test(tc, fw_default_allow_tracks_so_replies_pass_deny_rules);
	tcase_add_test(tc, fw_ipv6_extension_header_does_not_hide_the_port);
	tcase_add_test(tc, fw_malformed_denied_non_ip_gets_policy);
	tcase_add_test(tc, fw_rule_errors_say_what_to_fix);
	tcase_add_test(tc, fw_load_errors_name_file_and_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("nat");
	tcase_add_checked_fixture(tc, nat_setup, nat_teardown);
	tcase_add_test(tc, nat_outbound_udp_gets_external_source);
	tcase_add_test(tc, nat_outbound_tcp_gets_external_source);
	tcase_add_test(tc, nat_reply_translated_back_to_inside);
	tcase_add_test(tc, nat_flow_keeps_its_port_new_flow_gets_another);
	tcase_add_test(tc, nat_icmp_echo_identifier_translated_both_ways);
	tcase_add_test(tc, nat_reply_from_another_remote_dropped);
	tcase_add_test(tc, nat_port_exhaustion_drops_and_counts);
	tcase_add_test(tc, nat_freed_ports_reused_oldest_first);
	tcase_add_test(tc, nat_mapping_expires_after_idle_timeout);
	tcase_add_test(tc, nat_passes_what_is_not_its_own);
	tcase_add_test(tc, nat_udp_without_checksum_keeps_none);
	tcase_add_test(tc, nat_untranslatable_dropped);
	tcase_add_test(tc, nat_round_trips_keep_checksums_valid);
	tcase_add_test(tc, nat_rejects_bad_settings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(catalog_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
