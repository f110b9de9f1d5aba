/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests: SPSC rings in shared memory (guest-lib/nfv_ring.h). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfv_ring.h"

#define ENTRIES 64u

struct pair {
	void *mem;
	struct nfv_ring prod, cons;
};

static void
pair_init(struct pair *p, uint32_t entries, uint32_t esize)
{
	p->mem = aligned_alloc(64, nfv_ring_bytes(entries, esize));
	ck_assert_ptr_nonnull(p->mem);
	ck_assert_int_eq(nfv_ring_init(&p->prod, p->mem, entries, esize, 1), 0);
	nfv_ring_reset(&p->prod);
	ck_assert_int_eq(nfv_ring_init(&p->cons, p->mem, entries, esize, 0), 0);
}

START_TEST(test_init_rejects_bad_geometry)
{
	struct nfv_ring r;
	uint8_t mem[512];

	ck_assert_int_eq(nfv_ring_init(&r, mem, 0, 16, 1), -EINVAL);
	ck_assert_int_eq(nfv_ring_init(&r, mem, 48, 16, 1), -EINVAL);
	ck_assert_int_eq(nfv_ring_init(&r, mem, 64, 0, 1), -EINVAL);
}
END_TEST

START_TEST(test_empty_and_full)
{
	struct pair p;
	struct nfv_desc d[ENTRIES + 8] = { 0 };

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	ck_assert_int_eq(nfv_ring_count(&p.cons), 0);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, d, 8), 0);
	ck_assert_int_eq(nfv_ring_free_count(&p.prod), ENTRIES);
	/* A burst larger than the room is cut to the room. */
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, ENTRIES + 8), ENTRIES);
	ck_assert_int_eq(nfv_ring_free_count(&p.prod), 0);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, 1), 0);
	ck_assert_int_eq(nfv_ring_count(&p.cons), ENTRIES);
	free(p.mem);
}
END_TEST

START_TEST(test_order_and_wraparound)
{
	struct pair p;
	struct nfv_desc in[7], out[7];
	uint32_t next_in = 0, next_out = 0;
	int round, i, n;

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	/* Indices start near UINT32_MAX so they wrap during the test. */
	p.prod.local = p.cons.local = UINT32_MAX - 100;
	p.prod.shm->prod = p.prod.shm->cons = UINT32_MAX - 100;
	for (round = 0; round < 500; round++) {
		for (i = 0; i < 7; i++)
			in[i].buf = next_in + (uint32_t)i;
		n = nfv_ring_enqueue_burst(&p.prod, in, 7);
		ck_assert_int_ge(n, 0);
		next_in += (uint32_t)n;
		n = nfv_ring_dequeue_burst(&p.cons, out, (unsigned int)(round % 7) + 1);
		ck_assert_int_ge(n, 0);
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(out[i].buf, next_out++);
	}
	while ((n = nfv_ring_dequeue_burst(&p.cons, out, 7)) > 0)
		for (i = 0; i < n; i++)
			ck_assert_uint_eq(out[i].buf, next_out++);
	ck_assert_uint_eq(next_in, next_out);
	ck_assert_uint_lt(p.prod.local, UINT32_MAX - 100);	/* it did wrap */
	free(p.mem);
}
END_TEST

START_TEST(test_burst_sizes)
{
	struct pair p;
	struct nfv_ctl_msg m[ENTRIES];
	unsigned int b;

	pair_init(&p, ENTRIES, sizeof(struct nfv_ctl_msg));
	for (b = 1; b <= ENTRIES; b *= 2) {
		ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, m, b), (int)b);
		ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, m, ENTRIES), (int)b);
	}
	free(p.mem);
}
END_TEST

/* A hostile peer writes the index it owns: the reader notices. */
START_TEST(test_corrupt_producer_index)
{
	struct pair p;
	struct nfv_desc d[4];

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	p.cons.shm->prod = p.cons.local + ENTRIES + 1;		/* prod - cons > size */
	ck_assert_int_eq(nfv_ring_count(&p.cons), -EPROTO);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, d, 4), -EPROTO);
	p.cons.shm->prod = p.cons.local - 1;			/* running backwards */
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, d, 4), -EPROTO);
	p.cons.shm->prod = p.cons.local + ENTRIES;		/* exactly full: fine */
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, d, 4), 4);
	free(p.mem);
}
END_TEST

START_TEST(test_corrupt_consumer_index)
{
	struct pair p;
	struct nfv_desc d[4] = { 0 };

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, 4), 4);
	p.prod.shm->cons = p.prod.local + 5;	/* consumed more than produced */
	ck_assert_int_eq(nfv_ring_free_count(&p.prod), -EPROTO);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, 1), -EPROTO);
	free(p.mem);
}
END_TEST

/* The cached producer: never more room than the real one, reads the
 * consumer's index only when its copy runs short, and still catches a
 * corrupt index then. */
START_TEST(test_cached_producer)
{
	struct pair p;
	struct nfv_desc d[ENTRIES] = { 0 }, out[ENTRIES];
	unsigned int i;

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	for (i = 0; i < ENTRIES; i++)
		d[i].buf = i;
	/* Fill, consume half: the stale copy says full until it is re-read. */
	ck_assert_int_eq(nfv_ring_enqueue_burst_cached(&p.prod, d, ENTRIES), ENTRIES);
	ck_assert_int_eq(nfv_ring_enqueue_burst_cached(&p.prod, d, 1), 0);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, out, ENTRIES / 2), ENTRIES / 2);
	ck_assert_int_eq(nfv_ring_enqueue_burst_cached(&p.prod, d, ENTRIES), ENTRIES / 2);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, out, ENTRIES), ENTRIES);
	for (i = 0; i < ENTRIES / 2; i++)
		ck_assert_uint_eq(out[i].buf, ENTRIES / 2 + i);
	for (i = 0; i < ENTRIES / 2; i++)
		ck_assert_uint_eq(out[ENTRIES / 2 + i].buf, i);
	/* A consumer index that ran ahead is caught once the copy is re-read. */
	ck_assert_int_eq(nfv_ring_enqueue_burst_cached(&p.prod, d, ENTRIES), ENTRIES);
	p.prod.shm->cons = p.prod.local + 5;
	ck_assert_int_eq(nfv_ring_enqueue_burst_cached(&p.prod, d, 1), -EPROTO);
	free(p.mem);
}
END_TEST

/* The cached room: never more than the real room, read afresh only when
 * it shows less than asked for, a corrupt consumer index caught then. */
START_TEST(test_room_cached)
{
	struct pair p;
	struct nfv_desc d[ENTRIES], out[ENTRIES];
	uint32_t seen;

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	memset(d, 0, sizeof(d));
	/* A new producer's copy says full: the first call reads. */
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 1), ENTRIES);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, ENTRIES - 4), ENTRIES - 4);
	/* Asked for more than the copy shows: read, still 4. */
	seen = p.prod.peer;
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 5), 4);
	ck_assert_uint_eq(p.prod.peer, seen);
	/* Enough room in the copy for what is asked: the index is not read,
	 * so what the consumer took meanwhile does not show yet. */
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, out, 8), 8);
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 4), 4);
	ck_assert_uint_eq(p.prod.peer, seen);
	/* Asked for more: read again, and the room the consumer made shows. */
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 5), 12);
	ck_assert_int_eq(nfv_ring_free_count(&p.prod), 12);
	/* A consumer index past the producer's: caught at the next read,
	 * and the copy keeps its last good value. */
	seen = p.prod.peer;
	p.prod.shm->cons = p.prod.local + 1;
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 12), 12);
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 13), -EPROTO);
	ck_assert_uint_eq(p.prod.peer, seen);
	free(p.mem);

	/* More asked for than the ring holds: always a fresh read. */
	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, 20), 20);
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, ENTRIES + 1), ENTRIES - 20);
	ck_assert_uint_eq(p.prod.peer, 0);
	/* Entries put without the cache (nfv_ring_enqueue_burst()) past the
	 * copy's room: the copy shows more used than the ring holds, so the
	 * next call reads. */
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, out, ENTRIES), 20);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, d, ENTRIES), ENTRIES);
	ck_assert_uint_gt(p.prod.local - p.prod.peer, ENTRIES);
	ck_assert_int_eq(nfv_ring_room_cached(&p.prod, 1), 0);
	ck_assert_uint_eq(p.prod.peer, 20);
	free(p.mem);
}
END_TEST

/* The streaming producer (the worker's RX rings): the same entries, in
 * order, whole, across the end of the array, with the cached room. */
START_TEST(test_stream_producer)
{
	struct pair p;
	struct nfv_desc d[ENTRIES], out[ENTRIES];
	unsigned int i, k, sent = 0, got = 0, short_puts = 0;

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	/* Bursts of 23 and 17 entries, 18 taken each time: they wrap, and
	 * the ring fills. */
	for (k = 0; k < 40; k++) {
		unsigned int n = k & 1 ? 17u : 23u;
		int put, n_out;

		for (i = 0; i < n; i++)
			d[i] = (struct nfv_desc){ .buf = sent + i, .data_off = (uint16_t)(sent + i + 1),
						  .data_len = (uint16_t)(2 * (sent + i)), .action = 3,
						  .flags = 5, .dest = 7, .flow_hash = ~(sent + i) };
		put = nfv_ring_enqueue_burst_stream(&p.prod, d, n);
		ck_assert_int_ge(put, 0);
		ck_assert_uint_le((unsigned int)put, n);
		short_puts += (unsigned int)put < n;
		sent += (unsigned int)put;
		/* Take less than was put, so the ring fills now and then. */
		n_out = nfv_ring_dequeue_burst(&p.cons, out, 18);
		ck_assert_int_ge(n_out, 0);
		for (i = 0; i < (unsigned int)n_out; i++, got++) {
			ck_assert_uint_eq(out[i].buf, got);
			ck_assert_uint_eq(out[i].flow_hash, ~got);
			ck_assert_uint_eq(out[i].data_off, (uint16_t)(got + 1));
			ck_assert_uint_eq(out[i].data_len, (uint16_t)(2 * got));
			ck_assert_uint_eq(out[i].action, 3);
			ck_assert_uint_eq(out[i].flags, 5);
			ck_assert_uint_eq(out[i].dest, 7);
		}
	}
	ck_assert_uint_gt(sent, 2 * ENTRIES);
	ck_assert_uint_gt(short_puts, 0);
	ck_assert_uint_eq(nfv_ring_dequeue_burst(&p.cons, out, ENTRIES), sent - got);
	/* Full: nothing more; a consumer index that ran ahead is caught. */
	ck_assert_int_eq(nfv_ring_enqueue_burst_stream(&p.prod, d, ENTRIES), ENTRIES);
	ck_assert_int_eq(nfv_ring_enqueue_burst_stream(&p.prod, d, 1), 0);
	p.prod.shm->cons = p.prod.local + 5;
	ck_assert_int_eq(nfv_ring_enqueue_burst_stream(&p.prod, d, 1), -EPROTO);
	free(p.mem);
}
END_TEST

/* Our own index lives privately: a peer overwriting it changes nothing. */
START_TEST(test_own_index_is_private)
{
	struct pair p;
	struct nfv_desc in[3] = { { .buf = 1 }, { .buf = 2 }, { .buf = 3 } }, out[3];

	pair_init(&p, ENTRIES, sizeof(struct nfv_desc));
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, in, 2), 2);
	p.prod.shm->prod = 40;	/* scribbled by the consumer side */
	ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, in + 2, 1), 1);
	ck_assert_uint_eq(p.prod.shm->prod, 3);	/* rewritten from the private copy */
	ck_assert_int_eq(nfv_ring_dequeue_burst(&p.cons, out, 3), 3);
	ck_assert_uint_eq(out[2].buf, 3);
	free(p.mem);
}
END_TEST

/* Descriptors read one at a time: every field, in order, across the
 * array's end; cons moves only at nfv_ring_consume(). */
START_TEST(test_read_desc_and_consume)
{
	struct pair p;
	struct nfv_desc in[5], got;
	uint32_t round, i, seq = 0;

	pair_init(&p, 8, sizeof(struct nfv_desc));
	for (round = 0; round < 6; round++) {
		for (i = 0; i < 5; i++, seq++)
			in[i] = (struct nfv_desc){ .buf = 0x01020304u + seq, .data_off = (uint16_t)(128 + seq),
						   .data_len = (uint16_t)(60 + seq), .action = (uint8_t)(seq & 3),
						   .flags = (uint8_t)(seq & 7), .dest = (uint16_t)(0xbeef ^ seq),
						   .flow_hash = 0xdeadbeefu ^ seq };
		ck_assert_int_eq(nfv_ring_enqueue_burst(&p.prod, in, 5), 5);
		ck_assert_int_eq(nfv_ring_count(&p.cons), 5);
		for (i = 0; i < 5; i++) {
			got = nfv_ring_read_desc(&p.cons, i);
			ck_assert_mem_eq(&got, &in[i], sizeof(got));
		}
		/* Read but not yet consumed: the producer still sees them. */
		ck_assert_int_eq(nfv_ring_free_count(&p.prod), 3);
		nfv_ring_consume(&p.cons, 5);
		ck_assert_uint_eq(p.cons.shm->cons, p.cons.local);
		ck_assert_int_eq(nfv_ring_free_count(&p.prod), 8);
		ck_assert_int_eq(nfv_ring_count(&p.cons), 0);
	}
	free(p.mem);
}
END_TEST

static Suite *
ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("spsc");

	tcase_add_test(tc, test_init_rejects_bad_geometry);
	tcase_add_test(tc, test_empty_and_full);
	tcase_add_test(tc, test_order_and_wraparound);
	tcase_add_test(tc, test_burst_sizes);
	tcase_add_test(tc, test_corrupt_producer_index);
	tcase_add_test(tc, test_corrupt_consumer_index);
	tcase_add_test(tc, test_cached_producer);
	tcase_add_test(tc, test_room_cached);
	tcase_add_test(tc, test_stream_producer);
	tcase_add_test(tc, test_own_index_is_private);
	tcase_add_test(tc, test_read_desc_and_consume);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ring_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
