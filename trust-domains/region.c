/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <linux/memfd.h>
#include <numa.h>
#include <numaif.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nfv_ring.h"
#include "region.h"

static int
is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int
nfv_layout_compute(const struct nfv_region_params *p, struct nfv_layout *l,
		   const char **why)
{
	uint64_t data_ring, ctl_ring, end;

	*why = NULL;
	if (!is_pow2(p->page_size) || p->page_size < 4096)
		*why = "page size must be a power of two >= 4096";
	else if (!is_pow2(p->region_size) || p->region_size % p->page_size)
		*why = "region size must be a power of two and a multiple of the huge page size (QEMU requires it)";
	else if (p->nslots == 0 || p->nslots > NFV_MAX_SLOTS)
		*why = "number of NF slots must be 1..64";
	else if (!is_pow2(p->ring_entries) || p->ring_entries < 32 ||
		 p->ring_entries > NFV_MAX_RING_ENTRIES)
		*why = "ring size must be a power of two in 32..16384";
	else if (!is_pow2(p->ctl_entries) || p->ctl_entries < 4 || p->ctl_entries > 1024)
		*why = "control ring size must be a power of two in 4..1024";
	else if (p->buf_stride < 256 || p->buf_stride % NFV_CACHE_LINE ||
		 p->buf_stride > UINT16_MAX || p->page_size % p->buf_stride)
		*why = "buffer size must be a multiple of 64 in 256..65535 that divides the page size";
	else if (p->buf_headroom >= p->buf_stride)
		*why = "buffer headroom must be smaller than the buffer";
	if (*why)
		return -EINVAL;

	memset(l, 0, sizeof(*l));
	l->p = *p;
	l->slot_off = NFV_REGION_HDR_SIZE;
	l->slot_size = sizeof(struct nfv_slot);
	l->ring_off = align_up(l->slot_off + (uint64_t)p->nslots * l->slot_size, 4096);
	data_ring = nfv_ring_bytes(p->ring_entries, sizeof(struct nfv_desc));
	ctl_ring = nfv_ring_bytes(p->ctl_entries, sizeof(struct nfv_ctl_msg));
	l->ring_stride = (uint32_t)align_up(data_ring > ctl_ring ? data_ring : ctl_ring,
					    NFV_CACHE_LINE);
	end = l->ring_off + (uint64_t)p->nslots * NFV_RINGS_PER_SLOT * l->ring_stride;
	l->buf_off = align_up(end, p->page_size);
	if (l->buf_off >= p->region_size ||
	    (p->region_size - l->buf_off) / p->buf_stride < 2 * p->ring_entries) {
		*why = "region too small for its slots, rings and at least two rings' worth of buffers: raise --region-size";
		return -EINVAL;
	}
	l->nbufs = (uint32_t)((p->region_size - l->buf_off) / p->buf_stride);
	return 0;
}

uint64_t
nfv_layout_min_region(const struct nfv_region_params *p)
{
	struct nfv_region_params q = *p;
	struct nfv_layout l;
	const char *why;

	if (!is_pow2(q.page_size))
		return 0;
	for (q.region_size = q.page_size; q.region_size && q.region_size <= (UINT64_C(1) << 40);
	     q.region_size <<= 1)
		if (nfv_layout_compute(&q, &l, &why) == 0)
			return q.region_size;
	return 0;
}

void
nfv_region_write_header(uint8_t *base, const struct nfv_layout *l,
			uint32_t domain_id, const char *domain_name)
{
	struct nfv_region_hdr *h = (struct nfv_region_hdr *)base;
	uint32_t s;
	int k;

	memset(h, 0, NFV_REGION_HDR_SIZE);
	h->abi_version = NFV_ABI_VERSION;
	h->hdr_size = NFV_REGION_HDR_SIZE;
	h->region_size = l->p.region_size;
	h->page_size = l->p.page_size;
	h->domain_id = domain_id;
	snprintf(h->domain_name, sizeof(h->domain_name), "%s", domain_name);
	h->slot_off = l->slot_off;
	h->nslots = l->p.nslots;
	h->slot_size = l->slot_size;
	h->ring_off = l->ring_off;
	h->ring_stride = l->ring_stride;
	h->ring_entries = l->p.ring_entries;
	h->ctl_entries = l->p.ctl_entries;
	h->desc_size = sizeof(struct nfv_desc);
	h->ctl_msg_size = sizeof(struct nfv_ctl_msg);
	h->ring_hdr_size = sizeof(struct nfv_ring_shm);
	h->buf_off = l->buf_off;
	h->nbufs = l->nbufs;
	h->buf_stride = l->p.buf_stride;
	h->buf_headroom = l->p.buf_headroom;

	for (s = 0; s < l->p.nslots; s++) {
		struct nfv_slot *slot = (struct nfv_slot *)(base + l->slot_off +
							    (uint64_t)s * l->slot_size);

		memset(slot, 0, sizeof(*slot));
		slot->peer_id = NFV_SLOT_PEER(s);
		for (k = 0; k < NFV_RINGS_PER_SLOT; k++)
			slot->ring_off[k] = nfv_layout_ring_off(l, s, (enum nfv_ring_kind)k);
	}
	/* Readers check the magic first: publish it last. */
	__atomic_store_n(&h->magic, NFV_REGION_MAGIC, __ATOMIC_RELEASE);
}

static unsigned int
mfd_huge_flag(uint32_t page_size)
{
	return (unsigned int)__builtin_ctz(page_size) << MFD_HUGE_SHIFT;
}

static int
bind_node(void *addr, uint64_t len, int node)
{
	unsigned long mask[(NUMA_NUM_NODES + 8 * sizeof(unsigned long) - 1) /
			   (8 * sizeof(unsigned long))] = { 0 };

	if (node < 0 || numa_available() < 0)
		return 0;
	mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
	if (mbind(addr, len, MPOL_BIND, mask, NUMA_NUM_NODES, 0) < 0)
		return -errno;
	return 0;
}

/* Fault every page in now, so a shortage fails here and not as SIGBUS later. */
static int
populate(uint8_t *base, uint64_t len, uint32_t page_size)
{
	uint64_t off;

#ifdef MADV_POPULATE_WRITE
	if (madvise(base, len, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
#endif
	for (off = 0; off < len; off += page_size)
		__atomic_store_n(&base[off], 0, __ATOMIC_RELAXED);
	return 0;
}

int
nfv_region_create(struct nfv_region *r, const struct nfv_region_params *p,
		  uint32_t domain_id, const char *domain_name, int numa_node,
		  const char **why)
{
	char name[64];
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->numa_node = -1;
	ret = nfv_layout_compute(p, &r->layout, why);
	if (ret < 0)
		return ret;

	snprintf(name, sizeof(name), "nfvisor-%s", domain_name);
	r->fd = memfd_create(name, MFD_CLOEXEC | MFD_HUGETLB | mfd_huge_flag(p->page_size));
	if (r->fd < 0) {
		ret = -errno;
		*why = "cannot create a hugetlbfs memfd: is this kernel built with hugetlbfs, and is the page size supported?";
		return ret;
	}
	if (ftruncate(r->fd, (off_t)p->region_size) < 0) {
		ret = -errno;
		*why = "cannot size the region's hugetlbfs memfd";
		goto fail;
	}
	r->base = mmap(NULL, p->region_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED) {
		ret = -errno;
		r->base = NULL;
		*why = "not enough free huge pages for the region: add some (echo 1024 > /proc/sys/vm/nr_hugepages) or lower --region-size";
		goto fail;
	}
	/* Bind before the first touch so every page lands on the node. */
	if (bind_node(r->base, p->region_size, numa_node) == 0)
		r->numa_node = numa_node;
	if (populate(r->base, p->region_size, p->page_size) < 0) {
		ret = -errno;
		*why = "not enough free huge pages to populate the region: add some (echo 1024 > /proc/sys/vm/nr_hugepages) or lower --region-size";
		goto fail;
	}
	nfv_region_write_header(r->base, &r->layout, domain_id, domain_name);
	return 0;
fail:
	nfv_region_destroy(r);
	return ret;
}

void
nfv_region_destroy(struct nfv_region *r)
{
	if (r->base)
		munmap(r->base, r->layout.p.region_size);
	r->base = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}
