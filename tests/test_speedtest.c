/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit suite of speedtest_lib (nfv-speedtest): the frames it builds, the
 * tag that tells a generator its own frames, the latency histogram against
 * exact order statistics, the rates, and the JSON summary parsed back.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "speedtest_lib.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's-complement sum of the IPv4 header: 0xffff when its checksum holds. */
static uint16_t
ip_sum(const uint8_t *h)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i < 20; i += 2)
		s += get16(h + i);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

START_TEST(frames_are_valid_udp_of_the_asked_size_and_flow)
{
	static const uint32_t sizes[] = { ST_MIN_SIZE, 64, 1500, ST_MAX_SIZE };
	static uint8_t p[ST_MAX_SIZE + 1];
	struct st_frame_cfg c;
	uint32_t i, f;

	st_frame_defaults(&c);
	c.flows = 5;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		c.size = sizes[i];
		for (f = 0; f < 12; f++) {
			memset(p, 0xa5, sizeof(p));
			st_frame_build(p, &c, f);
			ck_assert_uint_eq(get16(p + 12), 0x0800);
			ck_assert_uint_eq(p[14], 0x45);
			ck_assert_uint_eq(get16(p + 16), c.size - 14);
			ck_assert_uint_eq(p[23], 17);
			ck_assert_uint_eq(ip_sum(p + 14), 0xffff);
			ck_assert_uint_eq(get16(p + 34), c.sport + f % 5);
			ck_assert_uint_eq(get16(p + 36), c.dport);
			ck_assert_uint_eq(get16(p + 38), c.size - 34);
			ck_assert_uint_eq(p[c.size - 1], 0);	/* payload zeroed ... */
			ck_assert_uint_eq(p[c.size], 0xa5);	/* ... and no further */
		}
	}
}
END_TEST

START_TEST(tag_round_trips_and_only_tagged_udp_frames_match)
{
	uint8_t p[128];
	struct st_frame_cfg c;
	uint64_t t;
	uint32_t run;

	st_frame_defaults(&c);
	st_frame_build(p, &c, 0);
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 0);	/* built, not tagged */
	st_tag_write(p, 0xdeadbeef, 0x0123456789abcdefull);
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 1);
	ck_assert_uint_eq(run, 0xdeadbeef);
	ck_assert_uint_eq(t, 0x0123456789abcdefull);
	ck_assert_int_eq(st_tag_read(p, ST_HDR_LEN + ST_TAG_LEN, &run, &t), 1);
	ck_assert_int_eq(st_tag_read(p, ST_HDR_LEN + ST_TAG_LEN - 1, &run, &t), 0);
	p[23] = 6;				/* TCP */
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 0);
	p[23] = 17;
	p[14] = 0x46;				/* IPv4 options: the tag moved */
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 0);
	p[14] = 0x45;
	p[12] = 0x86;				/* IPv6 EtherType */
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 0);
	p[12] = 0x08;
	p[ST_HDR_LEN] = 'X';			/* another payload */
	ck_assert_int_eq(st_tag_read(p, 64, &run, &t), 0);
}
END_TEST

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(latency_quantiles_within_a_sixteenth_of_exact)
{
	enum { N = 20000 };
	static uint64_t v[N];
	static struct st_lat l;
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0 };
	uint64_t x = 88172645463325252ull, sum = 0, got, want;
	size_t i;

	memset(&l, 0, sizeof(l));
	ck_assert_uint_eq(st_lat_quantile(&l, 0.5), 0);
	for (i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* 3 ns .. ~1 ms, log-spread like real latencies */
		v[i] = 3 + ((x & 0xfffff) >> (x >> 60));
		st_lat_add(&l, v[i]);
		sum += v[i];
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	ck_assert_uint_eq(l.n, N);
	ck_assert_uint_eq(l.sum_ns, sum);
	ck_assert_uint_eq(l.min_ns, v[0]);
	ck_assert_uint_eq(l.max_ns, v[N - 1]);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)(qs[i] * N + 0.999999);

		want = v[(rank ? rank : 1) - 1];
		got = st_lat_quantile(&l, qs[i]);
		ck_assert_msg(got * 16 >= want * 15 && got * 16 <= want * 17,
			      "q %.3f: %llu, exact %llu", qs[i], (unsigned long long)got,
			      (unsigned long long)want);
	}
	/* Exact below 8 ns; one sample is its own every quantile. */
	memset(&l, 0, sizeof(l));
	st_lat_add(&l, 5);
	ck_assert_uint_eq(st_lat_quantile(&l, 0.01), 5);
	ck_assert_uint_eq(st_lat_quantile(&l, 1.0), 5);
	memset(&l, 0, sizeof(l));
	st_lat_add(&l, UINT64_MAX);
	ck_assert_uint_eq(st_lat_quantile(&l, 0.5), UINT64_MAX);
}
END_TEST

START_TEST(rates_over_the_time_between_first_and_last_burst)
{
	struct st_counters c;

	memset(&c, 0, sizeof(c));
	ck_assert(st_pps(&c) == 0.0 && st_bps(&c) == 0.0);
	c.pkts = 3000000;
	c.bytes = 3000000ull * 64;
	c.first_ns = 1000;
	c.last_ns = 1000;
	ck_assert(st_pps(&c) == 0.0);		/* one burst: no interval yet */
	c.last_ns = 1000 + 2000000000ull;
	ck_assert(st_pps(&c) == 1.5e6);
	ck_assert(st_bps(&c) == 1.5e6 * 64 * 8);
}
END_TEST

START_TEST(json_summary_parses_with_every_field)
{
	struct st_counters c;
	struct st_report r;
	json_error_t err;
	json_t *j, *lat;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.pkts = 4000;
	c.bytes = 4000 * 128;
	c.adopted = 1024;
	c.returned = 2976;
	c.first_ns = 1;
	c.last_ns = 1 + 1000000;
	st_lat_add(&c.lat, 1000);
	st_lat_add(&c.lat, 3000);
	r.mode = "gen";
	r.service = 1;
	r.instance = 0;
	r.dest = "service \"1\"";	/* escaped */
	r.frame_size = 128;
	r.flows = 4;
	r.latency = 1;
	r.tx_pkts = 4000;
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(st_write_json(f, &c, &r), 0);
	fclose(f);
	j = json_loads(buf, 0, &err);
	ck_assert_msg(j != NULL, "%s: %s", buf, err.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "mode")), "gen");
	ck_assert_str_eq(json_string_value(json_object_get(j, "dest")), "service \"1\"");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "packets")), 4000);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "bytes")), 512000);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "returned")), 2976);
	ck_assert(json_real_value(json_object_get(j, "mpps")) == 4.0);
	ck_assert(json_real_value(json_object_get(j, "gbps")) == 4.096);
	lat = json_object_get(j, "latency");
	ck_assert_int_eq(json_integer_value(json_object_get(lat, "samples")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(lat, "avg_ns")), 2000);
	ck_assert_int_eq(json_integer_value(json_object_get(lat, "min_ns")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(lat, "max_ns")), 3000);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "netlib"), "tx_pkts")),
			 4000);
	json_decref(j);
	free(buf);

	/* Timing off: latency is null. */
	r.latency = 0;
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(st_write_json(f, &c, &r), 0);
	fclose(f);
	j = json_loads(buf, 0, &err);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_null(json_object_get(j, "latency")));
	json_decref(j);
	free(buf);
}
END_TEST

static Suite *
speedtest_suite(void)
{
	Suite *s = suite_create("speedtest");
	TCase *tc = tcase_create("lib");

	tcase_add_test(tc, frames_are_valid_udp_of_the_asked_size_and_flow);
	tcase_add_test(tc, tag_round_trips_and_only_tagged_udp_frames_match);
	tcase_add_test(tc, latency_quantiles_within_a_sixteenth_of_exact);
	tcase_add_test(tc, rates_over_the_time_between_first_and_last_burst);
	tcase_add_test(tc, json_summary_parses_with_every_field);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(speedtest_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
