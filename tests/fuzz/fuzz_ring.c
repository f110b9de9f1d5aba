/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ring.c - the SPSC ring (guest-lib/nfv_ring.h) against a peer that
 * writes whatever it likes into the shared indices and entries.
 *
 * The ring lives in a heap block of exactly nfv_ring_bytes(), so ASan
 * catches any access outside the entry array.  The input picks the size
 * (1..4096 entries), the entry size, the consumer's starting index (read
 * from shared memory at init), then operations: the hostile peer stores a
 * producer or consumer index or scribbles on an entry; our consumer counts,
 * dequeues or discards; our producer (a second view of the same ring, as
 * the host has for RX) counts free room or enqueues.
 *
 * A shadow copy of the entry array predicts every result: count is
 * prod - local when that is at most size and -EPROTO otherwise; a dequeue
 * returns min(n, count) entries, exactly those at local, local+1, ...,
 * advances local by that much and publishes it as cons; an error changes
 * nothing.  A consumer never looks at the shared cons and a producer never
 * at the shared prod: stores there must not change what they do.
 */
#include <errno.h>

#include "fuzz.h"
#include "nfv_ring.h"

#define MAX_ESIZE 80u
/* Bytes a burst buffer has past its end, checked for stray writes. */
#define CANARY 0xa5

struct ring_fuzz {
	struct nfv_ring c;	/* our consumer view */
	struct nfv_ring p;	/* our producer view */
	uint8_t *mem;		/* the shared ring */
	uint8_t *shadow;	/* what the entries must hold */
};

static uint8_t *
entry_of(const struct ring_fuzz *f, uint8_t *base, uint32_t idx)
{
	return base + (uint64_t)(idx & f->c.mask) * f->c.esize;
}

static int
expect_count(const struct ring_fuzz *f)
{
	uint32_t avail = f->c.shm->prod - f->c.local;

	return avail > f->c.size ? -EPROTO : (int)avail;
}

/*
 * Dequeue into a heap block of exactly @n entries (ASan guards its end);
 * what the burst did not fill must be left alone.
 */
static void
check_dequeue(struct ring_fuzz *f, unsigned int n)
{
	uint32_t local = f->c.local, cons = f->c.shm->cons, i;
	uint64_t len = (uint64_t)n * f->c.esize;
	int want = expect_count(f), got;
	uint8_t *out = malloc(len ? len : 1);

	FUZZ_CHECK(out, "out of memory");
	if (want > 0 && (unsigned int)want > n)
		want = (int)n;
	memset(out, CANARY, len);
	got = nfv_ring_dequeue_burst(&f->c, out, n);
	FUZZ_CHECK(got == want, "dequeue of %u from local %u prod %u size %u: %d, expected %d",
		   n, local, f->c.shm->prod, f->c.size, got, want);
	if (got < 0) {
		FUZZ_CHECK(f->c.local == local && f->c.shm->cons == cons,
			   "failed dequeue moved the consumer");
		got = 0;
	}
	FUZZ_CHECK((unsigned int)got <= n && (uint32_t)got <= f->c.size, "dequeued %d", got);
	for (i = 0; i < (uint32_t)got; i++)
		FUZZ_CHECK(memcmp(out + (uint64_t)i * f->c.esize,
				  entry_of(f, f->shadow, local + i), f->c.esize) == 0,
			   "entry %u of the burst is not ring entry %u", i, local + i);
	for (uint64_t b = (uint64_t)got * f->c.esize; b < len; b++)
		FUZZ_CHECK(out[b] == CANARY, "byte %lu written past the %d entries dequeued",
			   (unsigned long)b, got);
	free(out);
	if (want < 0)
		return;
	FUZZ_CHECK(f->c.local == local + (uint32_t)got, "local %u after %d from %u",
		   f->c.local, got, local);
	FUZZ_CHECK(f->c.shm->cons == f->c.local, "cons %u not published (local %u)",
		   f->c.shm->cons, f->c.local);
}

/* Enqueue @n entries from a heap block of exactly their size. */
static void
check_enqueue(struct ring_fuzz *f, struct fuzz_in *in, unsigned int n)
{
	uint32_t local = f->p.local, used = local - f->p.shm->cons, i;
	int want = used > f->p.size ? -EPROTO : (int)(f->p.size - used), got;
	uint8_t *src = malloc((uint64_t)(n ? n : 1) * f->p.esize);

	FUZZ_CHECK(src, "out of memory");
	if (want > 0 && (unsigned int)want > n)
		want = (int)n;
	fuzz_bytes(in, src, (uint64_t)n * f->p.esize);
	got = nfv_ring_enqueue_burst(&f->p, src, n);
	FUZZ_CHECK(got == want, "enqueue of %u at local %u cons %u size %u: %d, expected %d",
		   n, local, f->p.shm->cons, f->p.size, got, want);
	if (got < 0) {
		FUZZ_CHECK(f->p.local == local, "failed enqueue moved the producer");
		free(src);
		return;
	}
	for (i = 0; i < (uint32_t)got; i++) {
		FUZZ_CHECK(memcmp(entry_of(f, f->mem + sizeof(struct nfv_ring_shm), local + i),
				  src + (uint64_t)i * f->p.esize, f->p.esize) == 0,
			   "entry %u not written", local + i);
		memcpy(entry_of(f, f->shadow, local + i), src + (uint64_t)i * f->p.esize,
		       f->p.esize);
	}
	free(src);
	FUZZ_CHECK(f->p.local == local + (uint32_t)got && f->p.shm->prod == f->p.local,
		   "producer index %u / shared %u after %d from %u",
		   f->p.local, f->p.shm->prod, got, local);
}

/* A new index: a raw value, or one close to @near to hit the edges. */
static uint32_t
hostile_index(struct fuzz_in *in, uint32_t near, uint32_t size)
{
	uint8_t how = fuzz_u8(in);

	if (how & 1)
		return fuzz_u32(in);
	if (how & 2)
		return near + size + (int8_t)fuzz_u8(in);
	return near + (int8_t)fuzz_u8(in);
}

static void
run_op(struct ring_fuzz *f, struct fuzz_in *in)
{
	uint8_t op = fuzz_u8(in);
	unsigned int n;
	uint32_t i, local;
	int c, want;

	switch (op % 9) {
	case 0:	/* peer stores prod */
		f->c.shm->prod = hostile_index(in, f->c.local, f->c.size);
		break;
	case 1:	/* peer stores cons */
		f->c.shm->cons = hostile_index(in, f->p.local, f->c.size);
		break;
	case 2:	/* peer scribbles on an entry */
		i = fuzz_u32(in);
		fuzz_bytes(in, entry_of(f, f->shadow, i), f->c.esize);
		memcpy(entry_of(f, f->mem + sizeof(struct nfv_ring_shm), i),
		       entry_of(f, f->shadow, i), f->c.esize);
		break;
	case 3:
		c = nfv_ring_count(&f->c);
		FUZZ_CHECK(c == expect_count(f), "count %d, expected %d", c, expect_count(f));
		FUZZ_CHECK(c == -EPROTO || (c >= 0 && (uint32_t)c <= f->c.size), "count %d", c);
		break;
	case 4:	/* bursts the size of the ring and around it */
		n = (op & 0x80) ? fuzz_u8(in) : fuzz_u32(in) % (2 * f->c.size + 2);
		check_dequeue(f, n);
		break;
	case 5:
		local = f->c.local;
		want = expect_count(f);
		c = nfv_ring_discard(&f->c);
		FUZZ_CHECK(c == want, "discard %d from %u, expected %d", c, local, want);
		FUZZ_CHECK(c <= 0 ? f->c.local == local :
			   f->c.local == local + (uint32_t)c && f->c.shm->cons == f->c.local,
			   "discard %d moved local %u to %u", c, local, f->c.local);
		break;
	case 6:
		c = nfv_ring_free_count(&f->p);
		FUZZ_CHECK(c == -EPROTO || (c >= 0 && (uint32_t)c <= f->p.size), "free %d", c);
		break;
	case 7:
		check_enqueue(f, in, fuzz_u8(in) % 40);
		break;
	case 8:	/* a fresh consumer that trusts the shared cons only at init */
		f->c.shm->cons = hostile_index(in, f->c.local, f->c.size);
		FUZZ_CHECK(nfv_ring_init(&f->c, f->mem, f->c.size, f->c.esize, 0) == 0, "re-init");
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	/* Up to 4096 entries: the index arithmetic is the same for every
	 * power of two, and bigger rings only slow the fuzzer down. */
	uint32_t entries = 1u << (fuzz_u8(&in) % 13);
	uint32_t esize = 1 + fuzz_u8(&in) % MAX_ESIZE;
	uint64_t bytes = nfv_ring_bytes(entries, esize);
	struct ring_fuzz f;
	int ops = 0;

	f.mem = malloc(bytes);
	f.shadow = malloc(bytes - sizeof(struct nfv_ring_shm));
	FUZZ_CHECK(f.mem && f.shadow, "out of memory");
	memset(f.mem, 0, bytes);
	for (uint64_t i = 0; i < bytes - sizeof(struct nfv_ring_shm); i++)
		f.shadow[i] = (uint8_t)(i * 131 + 7);
	memcpy(f.mem + sizeof(struct nfv_ring_shm), f.shadow, bytes - sizeof(struct nfv_ring_shm));
	/* Both sides start from whatever the shared indices hold. */
	((struct nfv_ring_shm *)f.mem)->cons = fuzz_u32(&in);
	((struct nfv_ring_shm *)f.mem)->prod = fuzz_u32(&in);
	FUZZ_CHECK(nfv_ring_init(&f.c, f.mem, entries + 1 + (entries == 1), esize, 0) == -EINVAL &&
		   nfv_ring_init(&f.c, f.mem, entries, 0, 0) == -EINVAL,
		   "init took a size that is not a power of two, or entries of 0 bytes");
	FUZZ_CHECK(nfv_ring_init(&f.c, f.mem, entries, esize, 0) == 0, "consumer init");
	FUZZ_CHECK(nfv_ring_init(&f.p, f.mem, entries, esize, 1) == 0, "producer init");
	FUZZ_CHECK(f.c.entries + (uint64_t)entries * esize == f.mem + bytes,
		   "entries do not end the ring");
	while (in.left > 0 && ops++ < 256)
		run_op(&f, &in);
	free(f.mem);
	free(f.shadow);
	return 0;
}
