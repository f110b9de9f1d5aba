/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * validate.h - validation of descriptors an NF returns.
 *
 * The caller passes a private copy of the descriptor (copied once out of
 * the shared ring); nothing here reads shared memory.  Checks, in order:
 * the buffer index is in range and the buffer is lent to this very slot
 * (O(1) through the ownership table; this rejects duplicates, never-lent
 * buffers and other slots' buffers); then the packet lies inside its
 * buffer, in 64-bit arithmetic, and is at least an Ethernet header long.
 */
#ifndef NFV_VALIDATE_H
#define NFV_VALIDATE_H

#include <stdint.h>

#include "nfv_region.h"
#include "owner.h"
#include "region.h"

/** Shortest packet the switch accepts back from an NF: an Ethernet header. */
#define NFV_MIN_FRAME 14u

enum nfv_verdict {
	NFV_DESC_OK = 0,	/**< buffer is ours again, packet is sane */
	NFV_DESC_REJECT = 1,	/**< names no buffer this slot may return */
	NFV_DESC_DROP = 2,	/**< buffer is ours again, packet unusable */
};

/** @d's data lies in its buffer and holds at least a frame header. */
static inline int
nfv_desc_len_ok(const struct nfv_layout *l, const struct nfv_desc *d)
{
	uint64_t end = (uint64_t)d->data_off + (uint64_t)d->data_len;

	return end <= l->p.buf_stride && d->data_len >= NFV_MIN_FRAME;
}

/** The length half of nfv_desc_validate(), for a buffer already taken back. */
static inline enum nfv_verdict
nfv_desc_check_len(const struct nfv_layout *l, const struct nfv_desc *d, int *reason)
{
	if (!nfv_desc_len_ok(l, d)) {
		*reason = NFV_DROP_BAD_LENGTH;
		return NFV_DESC_DROP;
	}
	return NFV_DESC_OK;
}

/**
 * Validate @d, returned by @slot.
 * @param reason  set to an enum nfv_desc_reject (REJECT) or an enum
 *                nfv_pkt_drop (DROP)
 * @return the verdict.  On OK and DROP the buffer has moved from lent to
 *         held in @t; on REJECT @t is unchanged.
 */
static inline enum nfv_verdict
nfv_desc_validate(struct nfv_owner_table *t, const struct nfv_layout *l,
		  uint16_t slot, const struct nfv_desc *d, int *reason)
{
	enum nfv_desc_reject rej = nfv_owner_return(t, d->buf, slot);

	if (rej != NFV_REJECT_NONE) {
		*reason = rej;
		return NFV_DESC_REJECT;
	}
	return nfv_desc_check_len(l, d, reason);
}

#endif /* NFV_VALIDATE_H */
