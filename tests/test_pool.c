/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests on real hugepages with DPDK: a domain's region, its mbuf pool
 * with pinned external buffers, and what a guest can and cannot see.
 * Skips (TAP "1..0 # SKIP") when no free 2 MiB hugepages are available.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "domain.h"

#define REGION (32u << 20)

static struct nfv_domain dom;

static struct nfv_region_params
params(void)
{
	struct nfv_region_params p = {
		.region_size = REGION, .page_size = 2u << 20, .nslots = 4,
		.ring_entries = 256, .ctl_entries = 16, .buf_stride = 2048,
		.buf_headroom = 128,
	};
	return p;
}

static void
eal_up(void)
{
	char *argv[] = { "test_pool", "--in-memory", "--no-pci", "-l", "0", "--no-telemetry",
			 "--log-level=lib.eal:error", NULL };

	ck_assert_int_ge(rte_eal_init(7, argv), 0);
}

static void
eal_down(void)
{
	char dir[PATH_MAX];

	/* EAL leaves its (empty) runtime directory behind. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
}

static void
dom_up(void)
{
	struct nfv_region_params p = params();
	const char *why = NULL;

	eal_up();
	ck_assert_msg(nfv_domain_create(&dom, 1, "t", &p, -1, &why) == 0, "%s", why);
}

static void
dom_down(void)
{
	nfv_domain_destroy(&dom);
	eal_down();
}

START_TEST(test_pool_maps_one_to_one_onto_region_buffers)
{
	uint32_t i;

	ck_assert_uint_eq(dom.pool.nbufs, dom.region.layout.nbufs);
	for (i = 0; i < dom.pool.nbufs; i++) {
		struct rte_mbuf *m = nfv_pool_mbuf(&dom.pool, i);

		ck_assert_ptr_eq(m->buf_addr, nfv_domain_buf(&dom, i));
		ck_assert_uint_eq(nfv_pool_index(&dom.pool, m), i);
		ck_assert_uint_eq(m->buf_len, dom.region.layout.p.buf_stride);
	}
}
END_TEST

/* What a port writes into an mbuf is what an NF reads in the region. */
START_TEST(test_packet_data_is_in_the_region_zero_copy)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dom.pool.mp);
	uint8_t *data;
	uint32_t buf;

	ck_assert_ptr_nonnull(m);
	data = (uint8_t *)rte_pktmbuf_append(m, 64);
	memset(data, 0xab, 64);
	buf = nfv_pool_index(&dom.pool, m);
	ck_assert_uint_eq(m->data_off, dom.region.layout.p.buf_headroom);
	ck_assert_int_eq(nfv_domain_buf(&dom, buf)[m->data_off + 63], 0xab);
	rte_pktmbuf_free(m);
}
END_TEST

/* mbuf headers and the mempool's free list are host-private. */
START_TEST(test_host_metadata_not_in_region)
{
	struct rte_mbuf *m = nfv_pool_mbuf(&dom.pool, 0);
	const uint8_t *lo = dom.region.base, *hi = lo + REGION;

	ck_assert((const uint8_t *)m >= hi || (const uint8_t *)(m + 1) <= lo);
	ck_assert((const uint8_t *)dom.pool.mp >= hi || (const uint8_t *)dom.pool.mp < lo);
}
END_TEST

/*
 * The mbufs are direct (DPDK frees them on its fast path) and keep their
 * region buffer through every way DPDK allocates, resets and frees them.
 */
START_TEST(test_mbufs_direct_and_keep_their_buffers)
{
	uint32_t n = dom.pool.nbufs, i;
	struct rte_mbuf **m = calloc(n, sizeof(*m));
	int round;

	ck_assert_ptr_nonnull(m);
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(rte_pktmbuf_alloc_bulk(dom.pool.mp, m, n), 0);
		for (i = 0; i < n; i++) {
			ck_assert(RTE_MBUF_DIRECT(m[i]));
			ck_assert_ptr_nonnull(rte_pktmbuf_append(m[i], 100));
		}
		/* Chains, a second reference, bulk and one by one. */
		ck_assert_int_eq(rte_pktmbuf_chain(m[0], m[1]), 0);
		rte_mbuf_refcnt_update(m[2], 1);
		rte_pktmbuf_free(m[2]);
		rte_pktmbuf_free(m[0]);
		for (i = 2; i < n / 2; i++)
			rte_pktmbuf_free(m[i]);
		rte_pktmbuf_free_bulk(m + n / 2, n - n / 2);
		ck_assert_uint_eq(nfv_pool_in_use(&dom.pool), 0);
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *b = nfv_pool_mbuf(&dom.pool, i);

		ck_assert_ptr_eq(b->buf_addr, nfv_domain_buf(&dom, i));
		ck_assert_uint_eq(b->buf_len, dom.region.layout.p.buf_stride);
		ck_assert(RTE_MBUF_DIRECT(b));
		ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, b), i);
	}
	free(m);
}
END_TEST

/* What a port hands over is checked: an mbuf of another pool (even one
 * attached to a buffer of ours), or one of ours whose buffer address
 * moved, has no index. */
START_TEST(test_index_checked_rejects_foreign_mbufs)
{
	struct rte_mempool *other = rte_pktmbuf_pool_create("t_other", 63, 0, 0, 2048, SOCKET_ID_ANY);
	struct rte_mbuf *f, *m;
	void *addr;

	ck_assert_ptr_nonnull(other);
	f = rte_pktmbuf_alloc(other);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, f), UINT32_MAX);
	m = nfv_pool_mbuf(&dom.pool, 5);
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), 5);
	addr = f->buf_addr;
	f->buf_addr = m->buf_addr;			/* as an attach would */
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, f), UINT32_MAX);
	f->buf_addr = addr;
	rte_pktmbuf_free(f);
	rte_mempool_free(other);

	addr = m->buf_addr;
	m->buf_addr = (uint8_t *)m + sizeof(*m);	/* where a detach puts it */
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	m->buf_addr = (uint8_t *)dom.pool.buf_base - 64;
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	/* Ours, attached to another of our buffers (as rte_pktmbuf_attach()
	 * leaves it: indirect; attach_extbuf: external): not that buffer's. */
	m->buf_addr = nfv_pool_mbuf(&dom.pool, 6)->buf_addr;
	m->ol_flags |= RTE_MBUF_F_INDIRECT;
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	m->ol_flags &= ~RTE_MBUF_F_INDIRECT;
	m->ol_flags |= RTE_MBUF_F_EXTERNAL;
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	m->ol_flags &= ~RTE_MBUF_F_EXTERNAL;
	m->buf_addr = addr;
	m->ol_flags |= RTE_MBUF_F_INDIRECT;		/* even on its own buffer */
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	m->ol_flags &= ~RTE_MBUF_F_INDIRECT;
	m->buf_addr = (uint8_t *)addr + 64;		/* inside its own buffer */
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), UINT32_MAX);
	m->buf_addr = addr;
	ck_assert_uint_eq(nfv_pool_index_checked(&dom.pool, m), 5);
}
END_TEST

START_TEST(test_in_use_count_tracks_allocations)
{
	struct rte_mbuf *m[100];
	unsigned int i;

	ck_assert_uint_eq(nfv_pool_in_use(&dom.pool), 0);
	ck_assert_int_eq(rte_pktmbuf_alloc_bulk(dom.pool.mp, m, 100), 0);
	ck_assert_uint_eq(nfv_pool_in_use(&dom.pool), 100);
	for (i = 0; i < 100; i++)
		rte_pktmbuf_free(m[i]);
	ck_assert_uint_eq(nfv_pool_in_use(&dom.pool), 0);
}
END_TEST

START_TEST(test_header_visible_through_the_fd)
{
	struct nfv_region_hdr h;

	ck_assert_int_eq(pread(dom.region.fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	ck_assert_uint_eq(h.magic, NFV_REGION_MAGIC);
	ck_assert_uint_eq(h.region_size, REGION);
	ck_assert_str_eq(h.domain_name, "t");
}
END_TEST

static int
count_hugepage_files(void)
{
	DIR *dir = opendir("/dev/hugepages");
	struct dirent *e;
	int n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		n += e->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* The region is a memfd: no file in any hugetlbfs mount, ever. */
START_TEST(test_region_leaves_no_file)
{
	struct nfv_region r;
	struct nfv_region_params p = params();
	const char *why;
	int before = count_hugepage_files();

	ck_assert_int_eq(nfv_region_create(&r, &p, 0, "nofile", -1, &why), 0);
	ck_assert_int_eq(count_hugepage_files(), before);
	nfv_region_destroy(&r);
}
END_TEST

START_TEST(test_region_too_big_fails_with_fix)
{
	struct nfv_region r;
	struct nfv_region_params p = params();
	const char *why = NULL;

	p.region_size = 1ull << 40;	/* 1 TiB of 2 MiB pages */
	ck_assert_int_lt(nfv_region_create(&r, &p, 0, "huge", -1, &why), 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "nr_hugepages"));
	ck_assert_int_eq(r.fd, -1);
	ck_assert_ptr_null(r.base);
}
END_TEST

START_TEST(test_domain_name_checked)
{
	struct nfv_domain d2;
	struct nfv_region_params p = params();
	const char *why = NULL;

	ck_assert_int_eq(nfv_domain_create(&d2, 2, "bad/name", &p, -1, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(nfv_domain_name_check("blue-1_x"), 0);
	ck_assert_int_eq(nfv_domain_name_check(""), -EINVAL);
}
END_TEST

static long
free_hugepages(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

int
main(void)
{
	Suite *s = suite_create("pool");
	TCase *td = tcase_create("domain");
	TCase *tr = tcase_create("region");
	SRunner *sr;
	int failed;

	/* Two regions of 16 pages plus EAL's own memory. */
	if (free_hugepages() < 64) {
		printf("1..0 # SKIP needs 64 free 2 MiB hugepages: echo 1024 > /proc/sys/vm/nr_hugepages\n");
		return 0;
	}
	tcase_set_timeout(td, 30);
	tcase_add_checked_fixture(td, dom_up, dom_down);
	tcase_add_test(td, test_pool_maps_one_to_one_onto_region_buffers);
	tcase_add_test(td, test_packet_data_is_in_the_region_zero_copy);
	tcase_add_test(td, test_host_metadata_not_in_region);
	tcase_add_test(td, test_in_use_count_tracks_allocations);
	tcase_add_test(td, test_mbufs_direct_and_keep_their_buffers);
	tcase_add_test(td, test_index_checked_rejects_foreign_mbufs);
	tcase_add_test(td, test_header_visible_through_the_fd);
	tcase_add_checked_fixture(tr, eal_up, eal_down);
	tcase_add_test(tr, test_region_leaves_no_file);
	tcase_add_test(tr, test_region_too_big_fails_with_fix);
	tcase_add_test(tr, test_domain_name_checked);
	suite_add_tcase(s, td);
	suite_add_tcase(s, tr);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
