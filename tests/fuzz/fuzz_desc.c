/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_desc.c - descriptor validation (trust-domains/validate.h) against
 * an ownership table whose state the input builds.
 *
 * Input: buffer count, slot count and buffer stride, then one state byte
 * per buffer (free, held, lent to a slot), then operations: an NF returns
 * a descriptor (16 raw bytes, as copied out of its TX ring), the host
 * lends, takes or frees a buffer, or reclaims a slot.  A shadow table
 * predicts every verdict and reason; after each operation the table must
 * agree with the shadow buffer by buffer and pass its own audit.
 */
#include <errno.h>

#include "fuzz.h"
#include "validate.h"

#define MAX_BUFS 512u
#define MAX_SLOTS 8u

static uint16_t shadow[MAX_BUFS];	/* expected owner of each buffer */

/* The verdict the validation rules of validate.h give. */
static enum nfv_verdict
expect(const struct nfv_owner_table *t, uint32_t stride, uint16_t slot,
       const struct nfv_desc *d, int *reason)
{
	if (d->buf >= t->nbufs) {
		*reason = NFV_REJECT_BUF_RANGE;
		return NFV_DESC_REJECT;
	}
	if (shadow[d->buf] != slot) {
		*reason = shadow[d->buf] == NFV_OWNER_FREE ? NFV_REJECT_NEVER_LENT :
			  shadow[d->buf] == NFV_OWNER_HOST ? NFV_REJECT_NOT_LENT :
			  NFV_REJECT_OTHER_SLOT;
		return NFV_DESC_REJECT;
	}
	if ((uint64_t)d->data_off + d->data_len > stride || d->data_len < NFV_MIN_FRAME) {
		*reason = NFV_DROP_BAD_LENGTH;
		return NFV_DESC_DROP;
	}
	return NFV_DESC_OK;
}

static void
check_table(const struct nfv_owner_table *t)
{
	struct nfv_owner_census c;
	uint32_t i, s, free_ = 0, held = 0, lent[MAX_SLOTS] = { 0 };

	for (i = 0; i < t->nbufs; i++) {
		FUZZ_CHECK(t->owner[i] == shadow[i], "buffer %u: owner %#x, expected %#x",
			   i, t->owner[i], shadow[i]);
		if (shadow[i] == NFV_OWNER_FREE)
			free_++;
		else if (shadow[i] == NFV_OWNER_HOST)
			held++;
		else
			lent[shadow[i]]++;
	}
	for (s = 0; s < t->nslots; s++)
		FUZZ_CHECK(t->lent[s] == lent[s], "slot %u: lent %u, expected %u",
			   s, t->lent[s], lent[s]);
	FUZZ_CHECK(t->held == held, "held %u, expected %u", t->held, held);
	FUZZ_CHECK(nfv_owner_audit(t, &c) == 0, "audit failed");
	FUZZ_CHECK(c.free == free_ && c.held == held, "census %u/%u, expected %u/%u",
		   c.free, c.held, free_, held);
}

static void
validate_one(struct nfv_owner_table *t, const struct nfv_layout *l, struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	uint16_t slot = (uint16_t)(op % t->nslots);
	enum nfv_verdict v, want;
	struct nfv_desc d;
	int reason = -2, want_reason = -2;

	fuzz_bytes(in, &d, sizeof(d));
	/* Mostly indices near the table, so that most descriptors name a
	 * real buffer; raw 32-bit values otherwise. */
	if (op & 0x80)
		d.buf %= t->nbufs + 4;
	want = expect(t, l->p.buf_stride, slot, &d, &want_reason);
	v = nfv_desc_validate(t, l, slot, &d, &reason);
	FUZZ_CHECK(v == want && reason == want_reason,
		   "slot %u buf %u off %u len %u: verdict %d reason %d, expected %d %d",
		   slot, d.buf, d.data_off, d.data_len, v, reason, want, want_reason);
	if (v == NFV_DESC_REJECT) {
		FUZZ_CHECK(reason >= 0 && reason < NFV_REJECT_MAX, "reject reason %d", reason);
		return;
	}
	FUZZ_CHECK(v != NFV_DESC_DROP || reason == NFV_DROP_BAD_LENGTH, "drop reason %d", reason);
	if (v == NFV_DESC_OK)
		/* What the switch then hands to a port lies inside the buffer. */
		FUZZ_CHECK((uint64_t)d.data_off + d.data_len <= l->p.buf_stride &&
			   d.data_len >= NFV_MIN_FRAME, "accepted packet outside its buffer");
	shadow[d.buf] = NFV_OWNER_HOST;
}

static void
count_reclaimed(uint32_t buf, void *arg)
{
	uint32_t *n = arg;

	FUZZ_CHECK(shadow[buf] != NFV_OWNER_FREE && shadow[buf] != NFV_OWNER_HOST,
		   "reclaimed buffer %u was not lent", buf);
	shadow[buf] = NFV_OWNER_HOST;
	(*n)++;
}

static void
host_op(struct nfv_owner_table *t, struct fuzz_in *in, uint8_t op)
{
	uint32_t buf = fuzz_u16(in) % t->nbufs;
	uint16_t slot = (uint16_t)(fuzz_u8(in) % t->nslots);
	uint32_t want = 0, got = 0, i, ret;

	switch (op % 3) {
	case 0:	/* the host lends a buffer it holds (RX to an NF) */
		if (shadow[buf] == NFV_OWNER_HOST) {
			nfv_owner_lend(t, buf, slot);
			shadow[buf] = slot;
		}
		break;
	case 1:	/* port RX takes a free buffer, or the host frees a held one */
		if (shadow[buf] == NFV_OWNER_FREE) {
			nfv_owner_take(t, buf);
			shadow[buf] = NFV_OWNER_HOST;
		} else if (shadow[buf] == NFV_OWNER_HOST) {
			nfv_owner_release(t, buf);
			shadow[buf] = NFV_OWNER_FREE;
		}
		break;
	case 2:	/* the NF died: take back everything it holds */
		for (i = 0; i < t->nbufs; i++)
			want += shadow[i] == slot;
		ret = nfv_owner_reclaim(t, slot, count_reclaimed, &got);
		FUZZ_CHECK(ret == want && got == want, "reclaim of slot %u: %u (%u calls), expected %u",
			   slot, ret, got, want);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct nfv_owner_table t;
	struct nfv_layout l;
	uint32_t nbufs = 1 + fuzz_u16(&in) % MAX_BUFS;
	uint32_t nslots = 1 + fuzz_u8(&in) % MAX_SLOTS;
	uint32_t i;

	memset(&l, 0, sizeof(l));
	l.p.buf_stride = fuzz_u16(&in);
	l.p.nslots = nslots;
	l.nbufs = nbufs;
	FUZZ_CHECK(nfv_owner_init(&t, nbufs, nslots) == 0, "init %u bufs %u slots", nbufs, nslots);
	/* Initial state: 0 free, 1 held, 2.. lent to slot (byte - 2) % nslots. */
	for (i = 0; i < nbufs; i++) {
		uint8_t s = fuzz_u8(&in);

		shadow[i] = NFV_OWNER_FREE;
		if (s == 0)
			continue;
		nfv_owner_take(&t, i);
		shadow[i] = NFV_OWNER_HOST;
		if (s == 1)
			continue;
		nfv_owner_lend(&t, i, (uint16_t)((s - 2) % nslots));
		shadow[i] = (uint16_t)((s - 2) % nslots);
	}
	check_table(&t);
	while (in.left > 0) {
		uint8_t op = fuzz_u8(&in);

		if (op < 0xc0)
			validate_one(&t, &l, &in);
		else
			host_op(&t, &in, op);
		check_table(&t);
	}
	nfv_owner_fini(&t);
	return 0;
}
