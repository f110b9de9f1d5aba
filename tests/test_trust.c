/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests: region layout, ownership table and validation of hostile
 * descriptors (trust-domains/).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfv_ring.h"
#include "owner.h"
#include "region.h"
#include "validate.h"

static struct nfv_region_params
params(void)
{
	struct nfv_region_params p = {
		.region_size = 32u << 20, .page_size = 2u << 20, .nslots = 8,
		.ring_entries = 512, .ctl_entries = 64, .buf_stride = 2048,
		.buf_headroom = 128,
	};
	return p;
}

START_TEST(test_layout_sections_disjoint_and_inside)
{
	struct nfv_region_params p = params();
	struct nfv_layout l;
	const char *why;
	uint32_t s;

	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), 0);
	ck_assert_uint_ge(l.slot_off, NFV_REGION_HDR_SIZE);
	ck_assert_uint_ge(l.ring_off, l.slot_off + (uint64_t)p.nslots * l.slot_size);
	ck_assert_uint_ge(l.ring_stride, nfv_ring_bytes(p.ring_entries, sizeof(struct nfv_desc)));
	ck_assert_uint_ge(l.ring_stride, nfv_ring_bytes(p.ctl_entries, sizeof(struct nfv_ctl_msg)));
	ck_assert_uint_eq(l.ring_stride % NFV_CACHE_LINE, 0);
	s = p.nslots - 1;
	ck_assert_uint_le(nfv_layout_ring_off(&l, s, NFV_RING_CTL_REPLY) + l.ring_stride, l.buf_off);
	ck_assert_uint_eq(l.buf_off % p.page_size, 0);
	ck_assert_uint_le(nfv_layout_buf_off(&l, l.nbufs - 1) + p.buf_stride, p.region_size);
	ck_assert_uint_gt(nfv_layout_buf_off(&l, l.nbufs - 1) + 2 * p.buf_stride, p.region_size);
	ck_assert_uint_eq(sizeof(struct nfv_slot), 2 * NFV_CACHE_LINE);
	ck_assert_uint_eq(sizeof(struct nfv_desc), 16);
	ck_assert_uint_eq(sizeof(struct nfv_ctl_msg), 64);
}
END_TEST

START_TEST(test_layout_rejects_bad_params)
{
	struct nfv_region_params p;
	struct nfv_layout l;
	const char *why;

	p = params(); p.region_size = 48u << 20;
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "power of two"));
	p = params(); p.region_size = 1u << 20;	/* below one huge page */
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	p = params(); p.ring_entries = 1000;
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	p = params(); p.nslots = 0;
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	p = params(); p.buf_stride = 3000;
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	p = params(); p.region_size = 2u << 20; p.nslots = 64; p.ring_entries = 16384;
	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "--region-size"));
}
END_TEST

START_TEST(test_header_self_describing)
{
	struct nfv_region_params p = params();
	struct nfv_layout l;
	const char *why;
	uint8_t *base = calloc(1, 1u << 20);
	const struct nfv_region_hdr *h = (const void *)base;
	const struct nfv_slot *slot;

	ck_assert_int_eq(nfv_layout_compute(&p, &l, &why), 0);
	nfv_region_write_header(base, &l, 3, "blue");
	ck_assert_uint_eq(h->magic, NFV_REGION_MAGIC);
	ck_assert_uint_eq(h->abi_version, NFV_ABI_VERSION);
	ck_assert_uint_eq(h->region_size, p.region_size);
	ck_assert_str_eq(h->domain_name, "blue");
	ck_assert_uint_eq(h->domain_id, 3);
	ck_assert_uint_eq(h->nbufs, l.nbufs);
	ck_assert_uint_eq(h->buf_off, l.buf_off);
	ck_assert_uint_eq(h->desc_size, sizeof(struct nfv_desc));
	slot = (const void *)(base + h->slot_off + 5 * h->slot_size);
	ck_assert_uint_eq(slot->peer_id, NFV_SLOT_PEER(5));
	ck_assert_uint_eq(slot->ring_off[NFV_RING_TX],
			  h->ring_off + (5 * NFV_RINGS_PER_SLOT + NFV_RING_TX) * (uint64_t)h->ring_stride);
	free(base);
}
END_TEST

#define NBUFS 1000u
#define NSLOTS 4u

static struct nfv_owner_table t;
static struct nfv_layout lay;

static void
owner_setup(void)
{
	struct nfv_region_params p = params();
	const char *why;

	ck_assert_int_eq(nfv_owner_init(&t, NBUFS, NSLOTS), 0);
	ck_assert_int_eq(nfv_layout_compute(&p, &lay, &why), 0);
}

static void
owner_teardown(void)
{
	nfv_owner_fini(&t);
}

static void
lend(uint32_t buf, uint16_t slot)
{
	nfv_owner_take(&t, buf);
	nfv_owner_lend(&t, buf, slot);
}

START_TEST(test_owner_states_and_audit)
{
	struct nfv_owner_census c;

	lend(1, 0);
	lend(2, 3);
	nfv_owner_take(&t, 7);
	ck_assert_int_eq(nfv_owner_audit(&t, &c), 0);
	ck_assert_uint_eq(c.free, NBUFS - 3);
	ck_assert_uint_eq(c.held, 1);
	ck_assert_uint_eq(c.lent, 2);
	ck_assert_uint_eq(t.lent[0], 1);
	ck_assert_uint_eq(t.lent[3], 1);
	t.owner[500] = 77;	/* corrupt entry (cannot come from a guest) */
	ck_assert_int_eq(nfv_owner_audit(&t, &c), -EFAULT);
}
END_TEST

/* Every slot a domain can have fits the one-byte table, and its last one
 * is told from the HOST and FREE marks; no more slots than that. */
START_TEST(test_owner_largest_slot)
{
	struct nfv_owner_table big;
	struct nfv_owner_census c;
	uint16_t last = NFV_MAX_SLOTS - 1;

	ck_assert_int_eq(nfv_owner_init(&big, 8, NFV_OWNER_HOST), -EINVAL);
	ck_assert_int_eq(nfv_owner_init(&big, 8, NFV_MAX_SLOTS), 0);
	nfv_owner_take(&big, 5);
	nfv_owner_lend(&big, 5, last);
	ck_assert_uint_eq(nfv_owner_of(&big, 5), last);
	ck_assert_int_eq(nfv_owner_audit(&big, &c), 0);
	ck_assert_uint_eq(c.lent, 1);
	ck_assert_int_eq(nfv_owner_return(&big, 5, (uint16_t)(last - 1)), NFV_REJECT_OTHER_SLOT);
	ck_assert_int_eq(nfv_owner_return(&big, 5, last), NFV_REJECT_NONE);
	ck_assert_uint_eq(nfv_owner_of(&big, 5), NFV_OWNER_HOST);
	ck_assert_uint_eq(nfv_owner_of(&big, 8), NFV_OWNER_FREE);	/* out of range */
	nfv_owner_fini(&big);
}
END_TEST

static void
count_cb(uint32_t buf, void *arg)
{
	(*(uint32_t *)arg)++;
	nfv_owner_release(&t, buf);
}

START_TEST(test_owner_reclaim_returns_everything_of_one_slot)
{
	struct nfv_owner_census c;
	uint32_t i, n = 0;

	for (i = 0; i < 100; i++)
		lend(i, (uint16_t)(i % 2));
	ck_assert_uint_eq(nfv_owner_reclaim(&t, 1, count_cb, &n), 50);
	ck_assert_uint_eq(n, 50);
	ck_assert_uint_eq(t.lent[1], 0);
	ck_assert_uint_eq(t.lent[0], 50);
	ck_assert_int_eq(nfv_owner_audit(&t, &c), 0);
	ck_assert_uint_eq(c.free, NBUFS - 50);
	ck_assert_uint_eq(nfv_owner_reclaim(&t, 1, count_cb, &n), 0);
}
END_TEST

static enum nfv_verdict
check(uint32_t buf, uint32_t off, uint32_t len, uint16_t slot, int *reason)
{
	struct nfv_desc d = { .buf = buf, .data_off = (uint16_t)off, .data_len = (uint16_t)len,
			      .action = NFV_ACT_NEXT };

	return nfv_desc_validate(&t, &lay, slot, &d, reason);
}

START_TEST(test_validate_accepts_lent_buffer)
{
	int reason;

	lend(10, 2);
	ck_assert_int_eq(check(10, 128, 64, 2, &reason), NFV_DESC_OK);
	ck_assert_uint_eq(t.owner[10], NFV_OWNER_HOST);
	ck_assert_uint_eq(t.lent[2], 0);
}
END_TEST

START_TEST(test_validate_out_of_range)
{
	int reason;

	ck_assert_int_eq(check(NBUFS, 128, 64, 0, &reason), NFV_DESC_REJECT);
	ck_assert_int_eq(reason, NFV_REJECT_BUF_RANGE);
	ck_assert_int_eq(check(UINT32_MAX, 128, 64, 0, &reason), NFV_DESC_REJECT);
	ck_assert_int_eq(reason, NFV_REJECT_BUF_RANGE);
}
END_TEST

START_TEST(test_validate_never_lent_and_double_return)
{
	int reason;

	ck_assert_int_eq(check(5, 128, 64, 1, &reason), NFV_DESC_REJECT);
	ck_assert_int_eq(reason, NFV_REJECT_NEVER_LENT);
	lend(5, 1);
	ck_assert_int_eq(check(5, 128, 64, 1, &reason), NFV_DESC_OK);
	ck_assert_int_eq(check(5, 128, 64, 1, &reason), NFV_DESC_REJECT);
	ck_assert_int_eq(reason, NFV_REJECT_NOT_LENT);
	ck_assert_uint_eq(t.held, 1);	/* unchanged by the rejects */
}
END_TEST

START_TEST(test_validate_other_slot)
{
	int reason;

	lend(9, 3);
	ck_assert_int_eq(check(9, 128, 64, 0, &reason), NFV_DESC_REJECT);
	ck_assert_int_eq(reason, NFV_REJECT_OTHER_SLOT);
	ck_assert_uint_eq(t.owner[9], 3);	/* still lent to its owner */
	ck_assert_int_eq(check(9, 128, 64, 3, &reason), NFV_DESC_OK);
}
END_TEST

START_TEST(test_validate_lengths)
{
	int reason;
	uint32_t stride = lay.p.buf_stride;

	lend(1, 0);
	ck_assert_int_eq(check(1, stride - 60, 60, 0, &reason), NFV_DESC_OK);	/* ends exactly at the end */
	lend(2, 0);
	ck_assert_int_eq(check(2, stride - 60, 61, 0, &reason), NFV_DESC_DROP);
	ck_assert_int_eq(reason, NFV_DROP_BAD_LENGTH);
	lend(3, 0);
	/* 16-bit fields that would wrap in 16-bit arithmetic */
	ck_assert_int_eq(check(3, 0xffff, 0xffff, 0, &reason), NFV_DESC_DROP);
	lend(4, 0);
	ck_assert_int_eq(check(4, 128, 0, 0, &reason), NFV_DESC_DROP);	/* empty */
	lend(5, 0);
	ck_assert_int_eq(check(5, 128, NFV_MIN_FRAME - 1, 0, &reason), NFV_DESC_DROP);
	/* Dropped buffers are the host's again, to be freed. */
	ck_assert_uint_eq(t.owner[2], NFV_OWNER_HOST);
	ck_assert_uint_eq(t.lent[0], 0);
}
END_TEST

static Suite *
trust_suite(void)
{
	Suite *s = suite_create("trust");
	TCase *tl = tcase_create("layout");
	TCase *to = tcase_create("ownership");

	tcase_add_test(tl, test_layout_sections_disjoint_and_inside);
	tcase_add_test(tl, test_layout_rejects_bad_params);
	tcase_add_test(tl, test_header_self_describing);
	tcase_add_checked_fixture(to, owner_setup, owner_teardown);
	tcase_add_test(to, test_owner_states_and_audit);
	tcase_add_test(to, test_owner_largest_slot);
	tcase_add_test(to, test_owner_reclaim_returns_everything_of_one_slot);
	tcase_add_test(to, test_validate_accepts_lent_buffer);
	tcase_add_test(to, test_validate_out_of_range);
	tcase_add_test(to, test_validate_never_lent_and_double_return);
	tcase_add_test(to, test_validate_other_slot);
	tcase_add_test(to, test_validate_lengths);
	suite_add_tcase(s, tl);
	suite_add_tcase(s, to);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(trust_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
