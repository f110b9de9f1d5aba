/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_region.c - check the shared region's header before trusting it.
 *
 * The header is copied once into private memory and only the copy is used
 * afterwards, so nobody can change the layout under us.  All arithmetic is
 * 64-bit on 32-bit fields: nothing here can wrap.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "netlib_priv.h"

_Static_assert(sizeof(struct nfv_region_hdr) <= NFV_REGION_HDR_SIZE,
	       "region header larger than its reserved size");
_Static_assert(sizeof(struct nfv_slot) == 2 * NFV_CACHE_LINE,
	       "struct nfv_slot is two cache lines");
_Static_assert(sizeof(struct nfv_ring_shm) == 2 * NFV_CACHE_LINE,
	       "struct nfv_ring_shm is two cache lines");
_Static_assert(sizeof(struct nfv_ctl_msg) == 64, "nfv_ctl_msg is 64 bytes");

/* Sections are 8-byte aligned at least: they hold 64-bit atomics. */
#define REGION_ALIGN 8u

static int
is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

static int
check_sizes(const struct nfv_region_hdr *h)
{
	if (h->hdr_size != NFV_REGION_HDR_SIZE || h->desc_size != sizeof(struct nfv_desc) ||
	    h->ctl_msg_size != sizeof(struct nfv_ctl_msg) ||
	    h->ring_hdr_size != sizeof(struct nfv_ring_shm)) {
		netlib_set_error("region layout mismatch: hdr_size %u desc_size %u ctl_msg_size %u ring_hdr_size %u, this NetLib expects %u %zu %zu %zu (rebuild the NF against nfvisord's headers)",
				 h->hdr_size, h->desc_size, h->ctl_msg_size, h->ring_hdr_size,
				 NFV_REGION_HDR_SIZE, sizeof(struct nfv_desc),
				 sizeof(struct nfv_ctl_msg), sizeof(struct nfv_ring_shm));
		return -EPROTO;
	}
	return 0;
}

static int
check_counts(const struct nfv_region_hdr *h)
{
	if (!is_pow2(h->ring_entries) || h->ring_entries > NETLIB_RING_MAX ||
	    !is_pow2(h->ctl_entries) || h->ctl_entries > NETLIB_RING_MAX) {
		netlib_set_error("region: ring_entries %u / ctl_entries %u must be powers of two up to %u",
				 h->ring_entries, h->ctl_entries, NETLIB_RING_MAX);
		return -EINVAL;
	}
	if (h->nslots == 0 || h->nbufs == 0 || h->buf_stride == 0 ||
	    h->buf_headroom >= h->buf_stride) {
		netlib_set_error("region: nslots %u nbufs %u buf_stride %u buf_headroom %u are not usable",
				 h->nslots, h->nbufs, h->buf_stride, h->buf_headroom);
		return -EINVAL;
	}
	if (h->slot_size < sizeof(struct nfv_slot) || h->slot_size % REGION_ALIGN ||
	    h->slot_off % REGION_ALIGN || h->ring_off % REGION_ALIGN ||
	    h->ring_stride % REGION_ALIGN) {
		netlib_set_error("region: slot_size %u, slot_off %" PRIu64 ", ring_off %" PRIu64 " or ring_stride %u is too small or not %u-byte aligned",
				 h->slot_size, h->slot_off, h->ring_off, h->ring_stride,
				 REGION_ALIGN);
		return -EINVAL;
	}
	return 0;
}

/* Is [off, off + len) inside a region of @size bytes?  Cannot wrap. */
static int
in_region(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Sections must follow each other in the order of the ABI diagram. */
static int
check_bounds(const struct nfv_region_hdr *h)
{
	uint64_t data_ring = nfv_ring_bytes(h->ring_entries, h->desc_size);
	uint64_t ctl_ring = nfv_ring_bytes(h->ctl_entries, h->ctl_msg_size);
	uint64_t slots_len = (uint64_t)h->nslots * h->slot_size;
	uint64_t nrings = (uint64_t)h->nslots * NFV_RINGS_PER_SLOT;
	uint64_t bufs_len = (uint64_t)h->nbufs * h->buf_stride;

	if (h->ring_stride < data_ring || h->ring_stride < ctl_ring) {
		netlib_set_error("region: ring_stride %u is smaller than a ring (%" PRIu64 " / %" PRIu64 " bytes)",
				 h->ring_stride, data_ring, ctl_ring);
		return -ERANGE;
	}
	/* ring_stride > 0 here; the division keeps nrings * stride from wrapping. */
	if (h->slot_off < h->hdr_size ||
	    !in_region(h->slot_off, slots_len, h->region_size) ||
	    h->ring_off < h->slot_off + slots_len || h->ring_off > h->region_size ||
	    nrings > (h->region_size - h->ring_off) / h->ring_stride ||
	    h->buf_off < h->ring_off + nrings * h->ring_stride ||
	    !in_region(h->buf_off, bufs_len, h->region_size)) {
		netlib_set_error("region: sections out of order or out of bounds: slots at %" PRIu64 ", %" PRIu64 " rings of %u bytes at %" PRIu64 ", %u buffers of %u bytes at %" PRIu64 ", region of %" PRIu64 " bytes",
				 h->slot_off, nrings, h->ring_stride,
				 h->ring_off, h->nbufs, h->buf_stride, h->buf_off, h->region_size);
		return -ERANGE;
	}
	return 0;
}

int
netlib_region_check(const void *base, uint64_t len, struct nfv_region_hdr *hdr)
{
	int ret;

	if (len < NFV_REGION_HDR_SIZE) {
		netlib_set_error("region of %" PRIu64 " bytes is shorter than its header (%u bytes)",
				 len, NFV_REGION_HDR_SIZE);
		return -EMSGSIZE;
	}
	memcpy(hdr, base, sizeof(*hdr));
	hdr->domain_name[NFV_DOMAIN_NAME_MAX - 1] = '\0';
	if (hdr->magic != NFV_REGION_MAGIC) {
		netlib_set_error("region has magic 0x%016" PRIx64 ", not an nfvisor region",
				 hdr->magic);
		return -EBADMSG;
	}
	if (hdr->abi_version != NFV_ABI_VERSION) {
		netlib_set_error("region ABI version %u, this NetLib speaks %u (rebuild the NF against nfvisord's NetLib)",
				 hdr->abi_version, NFV_ABI_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (hdr->region_size != len || !is_pow2(hdr->region_size)) {
		netlib_set_error("region header says %" PRIu64 " bytes, %" PRIu64 " are mapped (must be equal and a power of two)",
				 hdr->region_size, len);
		return -EMSGSIZE;
	}
	ret = check_sizes(hdr);
	if (ret == 0)
		ret = check_counts(hdr);
	if (ret == 0)
		ret = check_bounds(hdr);
	return ret;
}

int
netlib_slot_rings(const struct nfv_region_hdr *hdr, const void *base,
		  uint32_t slot_idx, uint64_t off[NFV_RINGS_PER_SLOT])
{
	const struct nfv_slot *slot;
	unsigned int k;

	if (slot_idx >= hdr->nslots) {
		netlib_set_error("peer id %u has no slot: the region has %u slots",
				 NFV_SLOT_PEER(slot_idx), hdr->nslots);
		return -ERANGE;
	}
	slot = (const struct nfv_slot *)((const uint8_t *)base + hdr->slot_off +
					 (uint64_t)slot_idx * hdr->slot_size);
	for (k = 0; k < NFV_RINGS_PER_SLOT; k++) {
		uint64_t want = hdr->ring_off +
			((uint64_t)slot_idx * NFV_RINGS_PER_SLOT + k) * hdr->ring_stride;
		uint64_t got = __atomic_load_n(&slot->ring_off[k], __ATOMIC_RELAXED);

		if (got != want) {
			netlib_set_error("slot %u: ring %u at offset %" PRIu64 ", the header's layout puts it at %" PRIu64,
					 slot_idx, k, got, want);
			return -ERANGE;
		}
		off[k] = want;
	}
	return 0;
}
