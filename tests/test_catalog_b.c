/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_catalog_b.c - unit tests of the catalogue NFs' logic: nfv-lb's
 * consistent hashing and rewrite, nfv-ratelimit's token buckets and
 * marking, nfv-monitor's flow table, JSON and capture.  No daemon: frames
 * are built here, time is injected.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "examples/lb_lib.h"
#include "examples/monitor_lib.h"
#include "examples/nfv_rewrite_lib.h"
#include "examples/ratelimit_lib.h"

#define ETH 14
#define NS 1000000000ull
#define MS 1000000ull

/* ---- frames ---- */

/* One's complement sum of @len bytes, added to @sum, not folded. */
static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP/UDP checksum of a frame computed from scratch, its own checksum
 * field counted as zero. */
static uint16_t
l4_csum(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH;
	int v6 = ip[0] >> 4 == 6;
	size_t ihl = v6 ? 40 : (size_t)(ip[0] & 0xf) * 4;
	uint8_t proto = v6 ? ip[6] : ip[9];
	size_t l4len = len - ETH - ihl;
	size_t coff = proto == 6 ? 16 : 6;
	uint8_t l4[2048];
	uint32_t sum;

	memcpy(l4, ip + ihl, l4len);
	l4[coff] = l4[coff + 1] = 0;
	sum = v6 ? sum16(ip + 8, 32, 0) : sum16(ip + 12, 8, 0);
	sum += proto + (uint32_t)l4len;
	return fold(sum16(l4, l4len, sum));
}

static uint16_t
ip4_csum(const uint8_t *f)
{
	uint8_t ip[60];
	size_t ihl = (size_t)(f[ETH] & 0xf) * 4;

	memcpy(ip, f + ETH, ihl);
	ip[10] = ip[11] = 0;
	return fold(sum16(ip, ihl, 0));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Fill both checksums of a frame from scratch (UDP 0 becomes 0xffff). */
static void
fix_csums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + ETH;
	int v6 = ip[0] >> 4 == 6;
	size_t ihl = v6 ? 40 : (size_t)(ip[0] & 0xf) * 4;
	uint8_t proto = v6 ? ip[6] : ip[9];
	uint16_t c;

	if (!v6)
		put16(ip + 10, ip4_csum(f));
	c = l4_csum(f, len);
	if (proto == 17 && c == 0)
		c = 0xffff;
	put16(ip + ihl + (proto == 6 ? 16 : 6), c);
}

/* An IPv4 TCP (proto 6) or UDP (17) frame with valid checksums. */
static size_t
frame4(uint8_t *f, uint8_t proto, const char *src, uint16_t sport,
       const char *dst, uint16_t dport, size_t payload, uint32_t seed)
{
	uint8_t *ip = f + ETH, *l4 = ip + 20;
	size_t l4len = (proto == 6 ? 20 : 8) + payload, i;

	memset(f, 0, ETH + 20 + l4len);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", ETH);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, (uint16_t)seed);
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	put16(l4, sport);
	put16(l4 + 2, dport);
	if (proto == 6) {
		put16(l4 + 4, (uint16_t)(seed * 7919));
		l4[12] = 0x50;
		l4[13] = 0x18;
	} else {
		put16(l4 + 4, (uint16_t)l4len);
	}
	for (i = 0; i < payload; i++)
		l4[(proto == 6 ? 20 : 8) + i] = (uint8_t)(seed * 31 + i * 17);
	fix_csums(f, ETH + 20 + l4len);
	return ETH + 20 + l4len;
}

/* An IPv6 TCP or UDP frame with a valid checksum. */
static size_t
frame6(uint8_t *f, uint8_t proto, const char *src, uint16_t sport,
       const char *dst, uint16_t dport, size_t payload, uint32_t seed)
{
	uint8_t *ip = f + ETH, *l4 = ip + 40;
	size_t l4len = (proto == 6 ? 20 : 8) + payload, i;

	memset(f, 0, ETH + 40 + l4len);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x86\xdd", ETH);
	ip[0] = 0x60;
	ip[1] = 0x0a;		/* flow label bits next to the traffic class */
	ip[2] = 0xbc;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 64;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	put16(l4, sport);
	put16(l4 + 2, dport);
	if (proto == 6) {
		l4[12] = 0x50;
	} else {
		put16(l4 + 4, (uint16_t)l4len);
	}
	for (i = 0; i < payload; i++)
		l4[(proto == 6 ? 20 : 8) + i] = (uint8_t)(seed * 13 + i);
	fix_csums(f, ETH + 40 + l4len);
	return ETH + 40 + l4len;
}

/* A pseudo-random IPv4 5-tuple. */
static struct nfv_5tuple
random_flow(uint64_t i)
{
	struct nfv_5tuple k;
	uint64_t r = nfv_mix64(i + 0x1234);

	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = r & 1 ? 6 : 17;
	memcpy(k.src, &r, 4);
	k.dst[0] = 198;
	k.dst[1] = 19;
	k.dst[3] = 1;
	k.sport = (uint16_t)(r >> 32);
	k.dport = 80;
	return k;
}

/* ---- load balancer ---- */

static struct nfv_lb *lb;
static char err[512];

static void
lb_setup(void)
{
	struct nfv_lb_vip vip;

	lb = malloc(sizeof(*lb));
	ck_assert_ptr_nonnull(lb);
	ck_assert_int_eq(nfv_lb_parse_vip("198.19.0.1:80", &vip, err), 0);
	nfv_lb_init(lb, &vip);
}

static void
lb_teardown(void)
{
	free(lb);
}

static void
add_backend(struct nfv_lb *l, const char *spec)
{
	struct nfv_lb_backend b;

	ck_assert_msg(nfv_lb_parse_backend(spec, &b, err) == 0, "%s: %s", spec, err);
	ck_assert_msg(nfv_lb_add(l, &b, err) == 0, "%s: %s", spec, err);
}

/* Address of the backend a flow goes to (identity, not position). */
static uint32_t
backend_of(const struct nfv_lb *l, const struct nfv_5tuple *k)
{
	uint32_t a;

	memcpy(&a, l->backend[nfv_lb_pick(l, k)].addr, 4);
	return a;
}

#define NFLOWS 100000u

START_TEST(lb_removal_moves_only_that_backends_flows)
{
	static uint32_t before[NFLOWS];
	uint32_t removed, moved_to[5] = { 0 };
	unsigned int i, j, ours = 0;

	add_backend(lb, "10.0.0.1:8080");
	add_backend(lb, "10.0.0.2:8080,2");
	add_backend(lb, "10.0.0.3:8080,3");
	add_backend(lb, "10.0.0.4:8080");
	add_backend(lb, "10.0.0.5:8080,2");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (i = 0; i < NFLOWS; i++) {
		struct nfv_5tuple k = random_flow(i);

		before[i] = backend_of(lb, &k);
	}
	memcpy(&removed, lb->backend[2].addr, 4);
	ck_assert_int_eq(nfv_lb_remove(lb, 2), 0);
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (i = 0; i < NFLOWS; i++) {
		struct nfv_5tuple k = random_flow(i);
		uint32_t now = backend_of(lb, &k);

		if (before[i] != removed) {
			ck_assert_msg(now == before[i], "flow %u moved off a backend that stayed", i);
			continue;
		}
		ours++;
		for (j = 0; j < lb->nbackends; j++)
			if (!memcmp(lb->backend[j].addr, &now, 4))
				moved_to[j]++;
	}
	/* Its flows (about 3/11 of them) spread over every remaining one. */
	ck_assert_uint_gt(ours, NFLOWS / 5);
	for (j = 0; j < lb->nbackends; j++)
		ck_assert_uint_gt(moved_to[j], ours / 20);
}
END_TEST

START_TEST(lb_new_backend_takes_flows_only_for_itself)
{
	static uint32_t before[NFLOWS];
	uint32_t added;
	unsigned int i, gained = 0;

	add_backend(lb, "10.0.0.1");
	add_backend(lb, "10.0.0.2");
	add_backend(lb, "10.0.0.3");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (i = 0; i < NFLOWS; i++) {
		struct nfv_5tuple k = random_flow(i);

		before[i] = backend_of(lb, &k);
	}
	add_backend(lb, "10.0.0.4");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	memcpy(&added, lb->backend[3].addr, 4);
	for (i = 0; i < NFLOWS; i++) {
		struct nfv_5tuple k = random_flow(i);
		uint32_t now = backend_of(lb, &k);

		ck_assert_msg(now == before[i] || now == added,
			      "flow %u moved between two old backends", i);
		gained += now == added;
	}
	/* A quarter of the flows, within 5 % of it. */
	ck_assert_uint_gt(gained, NFLOWS / 4 * 95 / 100);
	ck_assert_uint_lt(gained, NFLOWS / 4 * 105 / 100);
}
END_TEST

START_TEST(lb_spread_follows_weights_within_5_percent)
{
	static const char *const spec[] = {
		"10.0.0.1,1", "10.0.0.2,2", "10.0.0.3,3", "10.0.0.4,4", "10.0.0.5,10",
	};
	const double total_weight = 20;
	unsigned int count[5] = { 0 }, i;

	for (i = 0; i < 5; i++)
		add_backend(lb, spec[i]);
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (i = 0; i < NFLOWS; i++) {
		struct nfv_5tuple k = random_flow(i);

		count[nfv_lb_pick(lb, &k)]++;
	}
	/* Stated tolerance: each share within 5 % (relative) of
	 * weight / sum of weights. */
	for (i = 0; i < 5; i++) {
		double want = lb->backend[i].weight / total_weight;
		double got = (double)count[i] / NFLOWS;

		ck_assert_msg(got > want * 0.95 && got < want * 1.05,
			      "backend %u (weight %u): share %.4f, want %.4f +- 5%%", i,
			      lb->backend[i].weight, got, want);
	}
}
END_TEST

/* Check that the frame's checksums are what a full recomputation gives. */
static void
assert_csums_valid(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + ETH;
	int v6 = ip[0] >> 4 == 6;
	size_t ihl = v6 ? 40 : (size_t)(ip[0] & 0xf) * 4;
	uint8_t proto = v6 ? ip[6] : ip[9];
	uint16_t got = get16(ip + ihl + (proto == 6 ? 16 : 6)), want = l4_csum(f, len);

	if (!v6)
		ck_assert_uint_eq(get16(ip + 10), ip4_csum(f));
	if (proto == 17 && want == 0)
		want = 0xffff;
	ck_assert_msg(got == want, "L4 checksum 0x%04x, recomputed 0x%04x", got, want);
}

START_TEST(lb_rewrite_ipv4_checksums_match_full_recomputation)
{
	uint8_t f[256];
	unsigned int i, proto;
	size_t len;

	add_backend(lb, "10.1.2.3:8080,mac=02:aa:bb:cc:dd:ee");
	add_backend(lb, "172.16.255.254:443");
	add_backend(lb, "192.0.2.77");	/* keeps the VIP's port */
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (proto = 6; proto <= 17; proto += 11) {
		for (i = 0; i < 3000; i++) {
			char src[32];
			const struct nfv_lb_backend *b;
			struct nfv_5tuple k;

			snprintf(src, sizeof(src), "203.0.%u.%u", i >> 8 & 255, i & 255);
			len = frame4(f, (uint8_t)proto, src, (uint16_t)(1024 + i * 7),
				     "198.19.0.1", 80, i % 97, i);
			ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_BALANCED);
			/* The rewritten frame's own 5-tuple tells where it went. */
			memset(&k, 0, sizeof(k));
			k.family = 4;
			k.proto = (uint8_t)proto;
			inet_pton(AF_INET, src, k.src);
			inet_pton(AF_INET, "198.19.0.1", k.dst);
			k.sport = (uint16_t)(1024 + i * 7);
			k.dport = 80;
			b = &lb->backend[nfv_lb_pick(lb, &k)];
			ck_assert_mem_eq(f + ETH + 16, b->addr, 4);
			ck_assert_uint_eq(get16(f + ETH + 22), b->port ? b->port : 80);
			if (b->has_mac)
				ck_assert_mem_eq(f, b->mac, 6);
			assert_csums_valid(f, len);
		}
	}
}
END_TEST

START_TEST(lb_rewrite_ipv6_checksums_match_full_recomputation)
{
	struct nfv_lb_vip vip;
	uint8_t f[256];
	unsigned int i, proto;
	size_t len;

	ck_assert_int_eq(nfv_lb_parse_vip("[2001:db8:2::1]:9", &vip, err), 0);
	nfv_lb_init(lb, &vip);
	add_backend(lb, "[2001:db8:99::10]:9000,3");
	add_backend(lb, "2001:db8:99::11");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (proto = 6; proto <= 17; proto += 11) {
		for (i = 0; i < 2000; i++) {
			char src[64];

			snprintf(src, sizeof(src), "2001:db8:1::%x", i + 1);
			len = frame6(f, (uint8_t)proto, src, (uint16_t)(2000 + i),
				     "2001:db8:2::1", 9, i % 61, i);
			ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_BALANCED);
			ck_assert_msg(!memcmp(f + ETH + 24, lb->backend[0].addr, 16) ||
				      !memcmp(f + ETH + 24, lb->backend[1].addr, 16),
				      "destination is no backend");
			assert_csums_valid(f, len);
		}
	}
	ck_assert_uint_gt(lb->backend[0].pkts, 0);
	ck_assert_uint_gt(lb->backend[1].pkts, 0);
}
END_TEST

START_TEST(lb_ipv4_udp_without_checksum_keeps_none)
{
	uint8_t f[128];
	size_t len;

	add_backend(lb, "10.0.0.9:53");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	len = frame4(f, 17, "203.0.113.5", 5353, "198.19.0.1", 80, 20, 1);
	put16(f + ETH + 20 + 6, 0);	/* sender computed no checksum */
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_BALANCED);
	ck_assert_uint_eq(get16(f + ETH + 20 + 6), 0);
	ck_assert_uint_eq(get16(f + ETH + 22), 53);
	ck_assert_uint_eq(get16(f + ETH + 10), ip4_csum(f));
}
END_TEST

START_TEST(lb_other_traffic_passes_untouched)
{
	uint8_t f[128], orig[128];
	size_t len;

	add_backend(lb, "10.0.0.1:8080");
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	/* Another port, another address, another protocol, IPv6, not IP. */
	len = frame4(f, 6, "203.0.113.5", 4000, "198.19.0.1", 81, 10, 1);
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_PASS);
	ck_assert_mem_eq(f, orig, len);
	len = frame4(f, 17, "203.0.113.5", 4000, "198.19.0.2", 80, 10, 2);
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_PASS);
	ck_assert_mem_eq(f, orig, len);
	len = frame4(f, 17, "203.0.113.5", 4000, "198.19.0.1", 80, 10, 3);
	f[ETH + 9] = 1;		/* ICMP */
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_PASS);
	ck_assert_mem_eq(f, orig, len);
	len = frame6(f, 17, "2001:db8::1", 4000, "2001:db8::2", 80, 10, 4);
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_PASS);
	ck_assert_mem_eq(f, orig, len);
	f[12] = 0x08;
	f[13] = 0x06;		/* ARP */
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_lb_packet(lb, f, (uint32_t)len), NFV_LB_PASS);
	ck_assert_mem_eq(f, orig, len);
	ck_assert_uint_eq(lb->passed, 5);
	ck_assert_uint_eq(lb->backend[0].pkts, 0);
}
END_TEST

START_TEST(lb_fragments_of_a_datagram_reach_one_backend)
{
	uint8_t first[128], later[128];
	unsigned int i, same = 0;
	size_t len;

	for (i = 1; i <= 8; i++) {
		char spec[32];

		snprintf(spec, sizeof(spec), "10.0.0.%u", i);
		add_backend(lb, spec);
	}
	ck_assert_int_eq(nfv_lb_build(lb), 0);
	for (i = 0; i < 200; i++) {
		char src[32];

		snprintf(src, sizeof(src), "203.0.113.%u", i);
		/* First fragment: MF set, offset 0, with the UDP header. */
		len = frame4(first, 17, src, (uint16_t)(1000 + i), "198.19.0.1", 80, 40, i);
		first[ETH + 6] = 0x20;
		put16(first + ETH + 10, ip4_csum(first));
		/* A later one: offset 6 (48 bytes), no L4 header. */
		memcpy(later, first, len);
		later[ETH + 6] = 0x00;
		later[ETH + 7] = 6;
		put16(later + ETH + 10, ip4_csum(later));
		ck_assert_int_eq(nfv_lb_packet(lb, first, (uint32_t)len), NFV_LB_BALANCED);
		ck_assert_int_eq(nfv_lb_packet(lb, later, (uint32_t)len), NFV_LB_BALANCED);
		ck_assert_mem_eq(first + ETH + 16, later + ETH + 16, 4);
		ck_assert_uint_eq(get16(later + ETH + 10), ip4_csum(later));
		same += !memcmp(first + ETH + 12, later + ETH + 12, 8);
	}
	ck_assert_uint_eq(same, 200);
}
END_TEST

START_TEST(lb_backend_syntax)
{
	struct nfv_lb_backend b;
	char name[64];

	ck_assert_int_eq(nfv_lb_parse_backend("[2001:db8::7]:8443,5,mac=02:00:00:00:00:07", &b, err), 0);
	ck_assert_uint_eq(b.family, 6);
	ck_assert_uint_eq(b.port, 8443);
	ck_assert_uint_eq(b.weight, 5);
	ck_assert_uint_eq(b.has_mac, 1);
	ck_assert_uint_eq(b.mac[5], 7);
	ck_assert_str_eq(nfv_lb_backend_name(&b, name, sizeof(name)), "[2001:db8::7]:8443");
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1,weight=7", &b, err), 0);
	ck_assert_uint_eq(b.weight, 7);
	ck_assert_uint_eq(b.port, 0);
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.256", &b, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "10.0.0.256"));
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1:0", &b, err), -EINVAL);
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1,0", &b, err), -EINVAL);
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1,10001", &b, err), -EINVAL);
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1,2,3", &b, err), -EINVAL);
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1,mac=02:00", &b, err), -EINVAL);
}
END_TEST

START_TEST(lb_backend_list_errors_name_the_problem)
{
	struct nfv_lb_backend b;

	ck_assert_int_eq(nfv_lb_parse_backend("2001:db8::1", &b, err), 0);
	ck_assert_int_eq(nfv_lb_add(lb, &b, err), -EAFNOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "IPv6"));
	add_backend(lb, "10.0.0.1:8080");
	ck_assert_int_eq(nfv_lb_parse_backend("10.0.0.1:8080,3", &b, err), 0);
	ck_assert_int_eq(nfv_lb_add(lb, &b, err), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	lb->nbackends = 0;
	ck_assert_int_eq(nfv_lb_build(lb), -ENOENT);
}
END_TEST

START_TEST(lb_file_errors_name_file_and_line)
{
	char path[] = "/tmp/test_catalog_b.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "# backends of the web VIP\n10.0.0.1:8080,2\n\n  10.0.0.2:8080   # spare\n10.0.0.3:http\n");
	fclose(f);
	ck_assert_int_eq(nfv_lb_load(lb, path, err), -EINVAL);
	unlink(path);
	ck_assert_msg(!strncmp(err, path, strlen(path)) && !strncmp(err + strlen(path), ":5: ", 4),
		      "error '%s' does not start with %s:5:", err, path);
	ck_assert_ptr_nonnull(strstr(err, "http"));
	/* The lines before the bad one were read. */
	ck_assert_uint_eq(lb->nbackends, 2);
	ck_assert_uint_eq(lb->backend[0].weight, 2);
	ck_assert_int_eq(nfv_lb_load(lb, "/nonexistent/backends", err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/backends"));
}
END_TEST

/* ---- rate limiter ---- */

static struct nfv_rl rl;

static void
rl_teardown(void)
{
	nfv_rl_fini(&rl);
}

START_TEST(rl_admits_rate_times_t_plus_burst)
{
	struct nfv_rl_cfg cfg = { .unit = NFV_RL_PPS, .rate = 1000, .burst = 50 };
	uint8_t f[128];
	size_t len = frame4(f, 17, "203.0.113.1", 1, "198.19.0.1", 9, 10, 1);
	uint64_t t, start = 5 * NS, passed = 0;
	unsigned int i;

	ck_assert_int_eq(nfv_rl_init(&rl, &cfg, 0, 1, start), 0);
	/* 10 packets a millisecond (10 times the rate) for 2 s. */
	for (t = 0; t <= 2000; t++)
		for (i = 0; i < 10; i++)
			passed += nfv_rl_packet(&rl, f, (uint32_t)len, start + t * MS) == NFV_RL_PASS;
	ck_assert_uint_eq(passed, 1000 * 2 + 50);
	ck_assert_uint_eq(rl.st.passed_pkts, passed);
	ck_assert_uint_eq(rl.st.over_pkts, 2001 * 10 - passed);
}
END_TEST

START_TEST(rl_bits_per_second_counts_frame_bits)
{
	struct nfv_rl_cfg cfg = { .unit = NFV_RL_BPS, .rate = 1000000, .burst = 3000 };
	uint8_t f[256];
	size_t len = frame4(f, 17, "203.0.113.1", 1, "198.19.0.1", 9, 58, 1);	/* 100 B */
	uint64_t t, start = 1, budget;

	ck_assert_uint_eq(len, 100);
	ck_assert_int_eq(nfv_rl_init(&rl, &cfg, 0, 1, start), 0);
	/* One frame every 100 us (8 Mbit/s offered) for 1 s. */
	for (t = 0; t <= 10000; t++)
		nfv_rl_packet(&rl, f, (uint32_t)len, start + t * 100000);
	/* rate * t + burst, less at most one frame still accruing. */
	budget = 1000000 + 3000 * 8;
	ck_assert_uint_le(rl.st.passed_bytes * 8, budget);
	ck_assert_uint_gt(rl.st.passed_bytes * 8, budget - 800);
}
END_TEST

START_TEST(rl_idle_bucket_holds_only_the_burst)
{
	struct nfv_rl_cfg cfg = { .unit = NFV_RL_PPS, .rate = 1000, .burst = 20 };
	uint8_t f[128];
	size_t len = frame4(f, 6, "203.0.113.1", 1, "198.19.0.1", 9, 0, 1);
	unsigned int i, passed = 0;

	ck_assert_int_eq(nfv_rl_init(&rl, &cfg, 0, 1, 0), 0);
	/* An hour idle does not bank an hour of tokens. */
	for (i = 0; i < 100; i++)
		passed += nfv_rl_packet(&rl, f, (uint32_t)len, 3600 * NS) == NFV_RL_PASS;
	ck_assert_uint_eq(passed, 20);
	/* A clock going back adds nothing. */
	ck_assert_int_eq(nfv_rl_packet(&rl, f, (uint32_t)len, 1 * NS), NFV_RL_OVER);
}
END_TEST

START_TEST(rl_per_flow_buckets_are_isolated)
{
	struct nfv_rl_cfg cfg = { .unit = NFV_RL_PPS, .rate = 100, .burst = 10 };
	uint8_t hog[128], mouse[128];
	size_t lh = frame4(hog, 17, "203.0.113.1", 1000, "198.19.0.1", 9, 10, 1);
	size_t lm = frame4(mouse, 17, "203.0.113.2", 1000, "198.19.0.1", 9, 10, 2);
	uint64_t t, hog_passed = 0, mouse_passed = 0;
	unsigned int i;

	ck_assert_int_eq(nfv_rl_init(&rl, &cfg, 1024, 7, 0), 0);
	/* Over 1 s: the hog offers 100 packets a ms, the mouse one every 20 ms
	 * (50 pps, within its own limit). */
	for (t = 0; t < 1000; t++) {
		for (i = 0; i < 100; i++)
			hog_passed += nfv_rl_packet(&rl, hog, (uint32_t)lh, t * MS) == NFV_RL_PASS;
		if (t % 20 == 0)
			mouse_passed += nfv_rl_packet(&rl, mouse, (uint32_t)lm, t * MS) == NFV_RL_PASS;
	}
	ck_assert_uint_eq(mouse_passed, 50);
	ck_assert_uint_eq(hog_passed, 10 + 99);	/* burst + rate * 0.999 s */
	ck_assert_uint_eq(rl.st.flows, 2);
	ck_assert_uint_eq(rl.st.evictions, 0);
}
END_TEST

START_TEST(rl_per_flow_table_is_bounded_and_counts_evictions)
{
	struct nfv_rl_cfg cfg = { .unit = NFV_RL_PPS, .rate = 10, .burst = 5 };
	uint8_t f[128];
	unsigned int i;

	ck_assert_int_eq(nfv_rl_init(&rl, &cfg, 8, 7, 0), 0);
	/* 100 flows at once into 8 slots: 92 live flows pushed out. */
	for (i = 0; i < 100; i++) {
		char src[32];
		size_t len;

		snprintf(src, sizeof(src), "203.0.113.%u", i);
		len = frame4(f, 17, src, 1000, "198.19.0.1", 9, 10, i);
		nfv_rl_packet(&rl, f, (uint32_t)len, 1 * NS);
	}
	ck_assert_uint_eq(rl.st.flows, 8);
	ck_assert_uint_eq(rl.st.evictions, 92);
	/* Buckets idle long enough to be full again are reused for free. */
	for (i = 100; i < 108; i++) {
		char src[32];
		size_t len;

		snprintf(src, sizeof(src), "203.0.113.%u", i);
		len = frame4(f, 17, src, 1000, "198.19.0.1", 9, 10, i);
		nfv_rl_packet(&rl, f, (uint32_t)len, 10 * NS);
	}
	ck_assert_uint_eq(rl.st.evictions, 92);
}
END_TEST

START_TEST(rl_mark_sets_dscp_keeps_ecn_and_checksum)
{
	uint8_t f[128];
	size_t len;
	unsigned int dscp;

	for (dscp = 0; dscp < 64; dscp++) {
		len = frame4(f, 6, "203.0.113.1", 1, "198.19.0.1", 9, 10, dscp);
		f[ETH + 1] = 0x03;	/* ECN CE */
		put16(f + ETH + 10, ip4_csum(f));
		ck_assert_int_eq(nfv_rl_mark(f, (uint32_t)len, (uint8_t)dscp), 0);
		ck_assert_uint_eq(f[ETH + 1], dscp << 2 | 3);
		ck_assert_uint_eq(get16(f + ETH + 10), ip4_csum(f));
		assert_csums_valid(f, len);

		len = frame6(f, 17, "2001:db8::1", 1, "2001:db8::2", 9, 10, dscp);
		f[ETH + 1] |= 0x10;	/* ECN ECT(1), low bit of the class */
		ck_assert_int_eq(nfv_rl_mark(f, (uint32_t)len, (uint8_t)dscp), 0);
		ck_assert_uint_eq((f[ETH] & 0xf) << 4 | f[ETH + 1] >> 4, dscp << 2 | 1);
		ck_assert_uint_eq(f[ETH] >> 4, 6);
		ck_assert_uint_eq(f[ETH + 1] & 0xf, 0xa);	/* flow label kept */
		ck_assert_uint_eq(f[ETH + 2], 0xbc);
		assert_csums_valid(f, len);
	}
	f[12] = 0x08;
	f[13] = 0x06;
	ck_assert_int_eq(nfv_rl_mark(f, (uint32_t)len, 46), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(rl_rate_syntax)
{
	struct nfv_rl_cfg cfg;
	char why[NFV_RL_ERR_LEN];
	uint64_t v;

	ck_assert_int_eq(nfv_rl_parse_rate("100k pps", &cfg, why), 0);
	ck_assert_int_eq(cfg.unit, NFV_RL_PPS);
	ck_assert_uint_eq(cfg.rate, 100000);
	ck_assert_int_eq(nfv_rl_parse_rate("1g bps", &cfg, why), 0);
	ck_assert_int_eq(cfg.unit, NFV_RL_BPS);
	ck_assert_uint_eq(cfg.rate, 1000000000);
	ck_assert_int_eq(nfv_rl_parse_rate("2.5MBPS", &cfg, why), 0);
	ck_assert_uint_eq(cfg.rate, 2500000);
	ck_assert_int_eq(nfv_rl_parse_rate("100k", &cfg, why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "pps or bps"));
	ck_assert_int_eq(nfv_rl_parse_rate("fast pps", &cfg, why), -EINVAL);
	ck_assert_int_eq(nfv_rl_parse_rate("0 pps", &cfg, why), -EINVAL);
	ck_assert_int_eq(nfv_rl_parse_count("64k", NFV_RL_BURST_MAX, &v), 0);
	ck_assert_uint_eq(v, 64000);
	ck_assert_int_eq(nfv_rl_parse_count("2g", NFV_RL_BURST_MAX, &v), -EINVAL);
}
END_TEST

/* ---- monitor ---- */

static struct nfv_mon mon;

static void
mon_teardown(void)
{
	nfv_mon_fini(&mon);
}

START_TEST(mon_counts_packets_and_bytes_per_flow)
{
	struct nfv_mon_flow top[4];
	uint8_t f[1024];
	unsigned int i, n;
	size_t len;

	ck_assert_int_eq(nfv_mon_init(&mon, 1024, 3, 0), 0);
	/* Flow A: 30 x 100 B; flow B: 10 x 1000 B (IPv6); flow C: 1 x 60 B. */
	for (i = 0; i < 30; i++) {
		len = frame4(f, 17, "203.0.113.1", 1000, "198.19.0.1", 9, 58, i);
		nfv_mon_packet(&mon, f, (uint32_t)len, i * MS);
	}
	for (i = 0; i < 10; i++) {
		len = frame6(f, 6, "2001:db8::1", 2000, "2001:db8::2", 80, 1000 - 74, i);
		ck_assert_uint_eq(len, 1000);
		nfv_mon_packet(&mon, f, (uint32_t)len, i * MS);
	}
	len = frame4(f, 6, "203.0.113.3", 3000, "198.19.0.1", 22, 6, 0);
	nfv_mon_packet(&mon, f, (uint32_t)len, 5 * MS);
	ck_assert_uint_eq(mon.flows, 3);
	ck_assert_uint_eq(mon.pkts, 41);
	ck_assert_uint_eq(mon.bytes, 30 * 100 + 10 * 1000 + len);

	n = nfv_mon_top(&mon, NFV_MON_BY_BYTES, top, 4);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(top[0].key.family, 6);
	ck_assert_uint_eq(top[0].pkts, 10);
	ck_assert_uint_eq(top[0].bytes, 10000);
	ck_assert_uint_eq(top[0].key.sport, 2000);
	ck_assert_uint_eq(top[1].pkts, 30);
	ck_assert_uint_eq(top[1].bytes, 3000);
	ck_assert_uint_eq(top[2].pkts, 1);
	n = nfv_mon_top(&mon, NFV_MON_BY_PKTS, top, 1);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(top[0].pkts, 30);
}
END_TEST

START_TEST(mon_bounded_table_counts_evictions_and_balances)
{
	struct nfv_mon_flow top[8];
	uint64_t sum_pkts = 0, sum_bytes = 0;
	uint8_t f[256];
	unsigned int i, n;
	size_t len;

	ck_assert_int_eq(nfv_mon_init(&mon, 8, 3, 0), 0);
	for (i = 0; i < 100; i++) {
		char src[32];

		snprintf(src, sizeof(src), "203.0.113.%u", i);
		len = frame4(f, 17, src, 1000, "198.19.0.1", 9, i, i);
		nfv_mon_packet(&mon, f, (uint32_t)len, i * MS);
		nfv_mon_packet(&mon, f, (uint32_t)len, i * MS);
	}
	f[12] = 0x08;
	f[13] = 0x06;		/* ARP: not a flow */
	nfv_mon_packet(&mon, f, 60, 200 * MS);
	ck_assert_uint_eq(mon.flows, 8);
	ck_assert_uint_eq(mon.evictions, 92);
	ck_assert_uint_eq(mon.non_ip_pkts, 1);
	n = nfv_mon_top(&mon, NFV_MON_BY_BYTES, top, 8);
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		sum_pkts += top[i].pkts;
		sum_bytes += top[i].bytes;
		/* The least recently seen went: the 8 last flows remain. */
		ck_assert_uint_ge(top[i].key.src[3], 92);
	}
	ck_assert_uint_eq(mon.pkts, 201);
	ck_assert_uint_eq(sum_pkts + mon.evicted_pkts + mon.non_ip_pkts, mon.pkts);
	ck_assert_uint_eq(sum_bytes + mon.evicted_bytes + mon.non_ip_bytes, mon.bytes);
}
END_TEST

START_TEST(mon_json_holds_every_flow)
{
	char path[] = "/tmp/test_catalog_b.XXXXXX";
	int fd = mkstemp(path);
	json_error_t jerr;
	json_t *doc, *flows, *x;
	uint8_t f[256];
	FILE *out;
	size_t len, i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nfv_mon_init(&mon, 64, 3, 0), 0);
	for (i = 0; i < 5; i++) {
		len = frame4(f, 17, "203.0.113.1", (uint16_t)(1000 + i), "198.19.0.1", 9,
			     10 * i, (uint32_t)i);
		nfv_mon_packet(&mon, f, (uint32_t)len, NS);
	}
	len = frame6(f, 6, "2001:db8::1", 443, "2001:db8::2", 5000, 0, 1);
	nfv_mon_packet(&mon, f, (uint32_t)len, 2 * NS);
	out = fdopen(fd, "w");
	ck_assert_int_eq(nfv_mon_write_json(&mon, out, 3 * NS), 0);
	fclose(out);
	doc = json_load_file(path, 0, &jerr);
	unlink(path);
	ck_assert_msg(doc != NULL, "JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "packets")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "active_flows")), 6);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "evictions")), 0);
	flows = json_object_get(doc, "flows");
	ck_assert_uint_eq(json_array_size(flows), 6);
	/* Biggest first: the UDP flow with 40 bytes of payload. */
	x = json_array_get(flows, 0);
	ck_assert_str_eq(json_string_value(json_object_get(x, "src")), "203.0.113.1");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "sport")), 1004);
	ck_assert_int_eq(json_integer_value(json_object_get(x, "bytes")), 14 + 20 + 8 + 40);
	json_array_foreach(flows, i, x)
		if (json_integer_value(json_object_get(x, "family")) == 6)
			break;
	ck_assert_uint_lt(i, 6);
	ck_assert_str_eq(json_string_value(json_object_get(x, "dst")), "2001:db8::2");
	ck_assert_int_eq(json_integer_value(json_object_get(x, "proto")), 6);
	ck_assert(json_real_value(json_object_get(x, "first_s")) == 2.0);
	json_decref(doc);
}
END_TEST

START_TEST(mon_capture_is_readable_by_libpcap)
{
	char path[] = "/tmp/test_catalog_b.XXXXXX";
	int fd = mkstemp(path);
	char why[NFV_MON_ERR_LEN], perr[PCAP_ERRBUF_SIZE];
	struct nfv_mon_capture *c;
	struct timeval tv = { .tv_sec = 1704067200, .tv_usec = 5 };
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint8_t f[2048];
	unsigned int i, n = 0;
	size_t len;
	pcap_t *p;

	ck_assert_int_ge(fd, 0);
	close(fd);
	c = nfv_mon_capture_open(path, 128, why);
	ck_assert_msg(c != NULL, "%s", why);
	for (i = 0; i < 1000; i++) {
		len = frame4(f, 17, "203.0.113.1", (uint16_t)i, "198.19.0.1", 9, i, i);
		nfv_mon_capture_write(c, f, (uint32_t)len, &tv);
	}
	ck_assert_uint_eq(nfv_mon_capture_count(c), 1000);
	ck_assert_int_eq(nfv_mon_capture_close(c), 0);

	p = pcap_open_offline(path, perr);
	ck_assert_msg(p != NULL, "%s", perr);
	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &hdr, &data) == 1) {
		len = 14 + 20 + 8 + n;
		ck_assert_uint_eq(hdr->len, len);
		ck_assert_uint_eq(hdr->caplen, len < 128 ? len : 128);
		ck_assert_int_eq(hdr->ts.tv_sec, tv.tv_sec);
		ck_assert_uint_eq(get16(data + ETH + 20), n);
		n++;
	}
	pcap_close(p);
	unlink(path);
	ck_assert_uint_eq(n, 1000);
	ck_assert_ptr_null(nfv_mon_capture_open("/nonexistent/dir/x.pcap", 128, why));
	ck_assert_ptr_nonnull(strstr(why, "/nonexistent/dir/x.pcap"));
}
END_TEST

/* ---- shared header parsing ---- */

START_TEST(hdrs_parse_gives_the_5tuple)
{
	struct nfv_hdrs h;
	uint8_t f[256], want[16] = { 0 };
	size_t len;

	len = frame4(f, 6, "203.0.113.9", 1234, "198.19.0.1", 80, 0, 1);
	ck_assert_int_eq(nfv_hdrs_parse(f, (uint32_t)len, &h), 4);
	inet_pton(AF_INET, "203.0.113.9", want);
	ck_assert_mem_eq(h.key.src, want, 16);
	ck_assert_uint_eq(h.key.sport, 1234);
	ck_assert_uint_eq(h.key.dport, 80);
	ck_assert_uint_eq(h.key.proto, 6);
	ck_assert_uint_eq(h.l4, 1);
	/* Truncated in the TCP header: addresses, no ports. */
	ck_assert_int_eq(nfv_hdrs_parse(f, ETH + 20 + 19, &h), 4);
	ck_assert_uint_eq(h.l4, 0);
	ck_assert_uint_eq(h.key.sport, 0);
	/* Truncated in the IP header: not IP. */
	ck_assert_int_eq(nfv_hdrs_parse(f, ETH + 19, &h), 0);
	len = frame6(f, 17, "2001:db8::1", 53, "2001:db8::2", 5353, 0, 1);
	ck_assert_int_eq(nfv_hdrs_parse(f, (uint32_t)len, &h), 6);
	ck_assert_uint_eq(h.key.dport, 5353);
	ck_assert_uint_eq(h.l4_off, ETH + 40);
}
END_TEST

START_TEST(csum_replace_matches_recomputation)
{
	uint8_t data[40], before[16], after[16];
	unsigned int i, j, off;

	for (i = 0; i < 2000; i++) {
		uint16_t c;

		for (off = 0; off < sizeof(data); off++)
			data[off] = (uint8_t)nfv_mix64(i * 64 + off);
		c = fold(sum16(data, sizeof(data), 0));
		off = 2 * (i % 12);
		memcpy(before, data + off, 16);
		for (j = 0; j < 16; j++)
			after[j] = (uint8_t)nfv_mix64(i * 1000 + j);
		memcpy(data + off, after, 16);
		c = nfv_csum_replace(c, before, after, 16);
		ck_assert_uint_eq(c, fold(sum16(data, sizeof(data), 0)));
	}
}
END_TEST

static Suite *
catalog_b_suite(void)
{
	Suite *s = suite_create("catalog_b");
	TCase *tc;

	tc = tcase_create("lb");
	tcase_add_checked_fixture(tc, lb_setup, lb_teardown);
	tcase_add_test(tc, lb_removal_moves_only_that_backends_flows);
	tcase_add_test(tc, lb_new_backend_takes_flows_only_for_itself);
	tcase_add_test(tc, lb_spread_follows_weights_within_5_percent);
	tcase_add_test(tc, lb_rewrite_ipv4_checksums_match_full_recomputation);
	tcase_add_test(tc, lb_rewrite_ipv6_checksums_match_full_recomputation);
	tcase_add_test(tc, lb_ipv4_udp_without_checksum_keeps_none);
	tcase_add_test(tc, lb_other_traffic_passes_untouched);
	tcase_add_test(tc, lb_fragments_of_a_datagram_reach_one_backend);
	tcase_add_test(tc, lb_backend_syntax);
	tcase_add_test(tc, lb_backend_list_errors_name_the_problem);
	tcase_add_test(tc, lb_file_errors_name_file_and_line);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("ratelimit");
	tcase_add_checked_fixture(tc, NULL, rl_teardown);
	tcase_add_test(tc, rl_admits_rate_times_t_plus_burst);
	tcase_add_test(tc, rl_bits_per_second_counts_frame_bits);
	tcase_add_test(tc, rl_idle_bucket_holds_only_the_burst);
	tcase_add_test(tc, rl_per_flow_buckets_are_isolated);
	tcase_add_test(tc, rl_per_flow_table_is_bounded_and_counts_evictions);
	tcase_add_test(tc, rl_mark_sets_dscp_keeps_ecn_and_checksum);
	tcase_add_test(tc, rl_rate_syntax);
	suite_add_tcase(s, tc);

	tc = tcase_create("monitor");
	tcase_add_checked_fixture(tc, NULL, mon_teardown);
	tcase_add_test(tc, mon_counts_packets_and_bytes_per_flow);
	tcase_add_test(tc, mon_bounded_table_counts_evictions_and_balances);
	tcase_add_test(tc, mon_json_holds_every_flow);
	tcase_add_test(tc, mon_capture_is_readable_by_libpcap);
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_test(tc, hdrs_parse_gives_the_5tuple);
	tcase_add_test(tc, csum_replace_matches_recomputation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(catalog_b_suite());
	int failed;

	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
