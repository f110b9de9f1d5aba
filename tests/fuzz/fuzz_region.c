/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_region.c - NetLib's validation of a region it is handed
 * (guest-lib/netlib_region.c) and the attach that builds on it
 * (netlib_ctx_open() in guest-lib/netlib.c), over a fake backend whose
 * "region" is a heap block of exactly the mapped size, so ASan catches any
 * access the checks let through outside the region.
 *
 * Input: one mode byte (region size 4 KiB..1 MiB; whether the host lays
 * the region out with nfv_layout_compute() and nfv_region_write_header()
 * from input parameters, or the header is raw input bytes; whether each
 * slot's ring offsets are filled in as the header's layout says), our peer
 * id and our slot's state, the parameters or header, then patches made
 * before NetLib looks at the region: 8 bytes written, or a 32-bit field
 * moved by -128..127, in the header, in the slot table or anywhere.
 *
 * Checked: every layout the host computes is accepted as written; an
 * accepted header has every section inside the region, in ABI order,
 * rings large enough for their entries, powers of two for ring sizes;
 * netlib_ctx_open() fails with exactly the errno of the header check when
 * that fails, and when it succeeds its slot, rings and buffers lie inside
 * their sections (their last bytes are read, under ASan), and
 * netlib_ctx_info() reports the validated header.  Then the rest of the
 * input plays the host's side of the data rings (see data_path()).
 */
#include <errno.h>

#include "fuzz.h"
#include "netlib_priv.h"
#include "region.h"

struct fake_backend {
	struct netlib_backend be;	/* must be first */
	uint8_t *mem;
	uint64_t len;
	uint32_t peer;
};

static int
fake_map(struct netlib_backend *be, void **base, uint64_t *len)
{
	struct fake_backend *f = (struct fake_backend *)be;

	*base = f->mem;
	*len = f->len;
	return 0;
}

static uint32_t
fake_peer_id(const struct netlib_backend *be)
{
	return ((const struct fake_backend *)be)->peer;
}

static int
fake_notify(struct netlib_backend *be, unsigned int vector)
{
	return 0;
}

static int
fake_fd(const struct netlib_backend *be, unsigned int vector)
{
	return -1;
}

static void
fake_ack(struct netlib_backend *be, unsigned int vector)
{
}

static int
fake_host_fd(const struct netlib_backend *be)
{
	return -1;
}

static int
fake_host_event(struct netlib_backend *be)
{
	return 0;
}

static void
fake_close(struct netlib_backend *be)
{
	struct fake_backend *f = (struct fake_backend *)be;

	free(f->mem);
	free(f);
}

static const struct netlib_backend_ops fake_ops = {
	.map = fake_map, .peer_id = fake_peer_id, .notify = fake_notify,
	.doorbell_fd = fake_fd, .doorbell_ack = fake_ack, .host_fd = fake_host_fd,
	.host_event = fake_host_event, .close = fake_close,
};

/* Is [off, off + n) inside [0, size)? */
static int
inside(uint64_t off, uint64_t n, uint64_t size)
{
	return off <= size && n <= size - off;
}

/* What the sections of an accepted header must satisfy. */
static void
check_header(const struct nfv_region_hdr *h, const uint8_t *mem, uint64_t len)
{
	uint64_t slots_end = h->slot_off + (uint64_t)h->nslots * h->slot_size;
	uint64_t rings_end = h->ring_off +
		(uint64_t)h->nslots * NFV_RINGS_PER_SLOT * h->ring_stride;

	FUZZ_CHECK(memcmp(h, mem, offsetof(struct nfv_region_hdr, domain_name)) == 0,
		   "the private header differs from the region's");
	FUZZ_CHECK(h->domain_name[NFV_DOMAIN_NAME_MAX - 1] == '\0', "domain name unterminated");
	FUZZ_CHECK(h->region_size == len, "region size %lu, mapped %lu",
		   (unsigned long)h->region_size, (unsigned long)len);
	FUZZ_CHECK(h->nslots >= 1 && h->nbufs >= 1 && h->buf_stride >= 1 &&
		   h->buf_headroom < h->buf_stride, "empty sections accepted");
	FUZZ_CHECK(h->ring_entries && !(h->ring_entries & (h->ring_entries - 1)) &&
		   h->ctl_entries && !(h->ctl_entries & (h->ctl_entries - 1)) &&
		   h->ring_entries <= NETLIB_RING_MAX && h->ctl_entries <= NETLIB_RING_MAX,
		   "ring sizes %u / %u", h->ring_entries, h->ctl_entries);
	FUZZ_CHECK(h->slot_size >= sizeof(struct nfv_slot), "slot size %u", h->slot_size);
	FUZZ_CHECK(nfv_ring_bytes(h->ring_entries, h->desc_size) <= h->ring_stride &&
		   nfv_ring_bytes(h->ctl_entries, h->ctl_msg_size) <= h->ring_stride,
		   "ring stride %u too small", h->ring_stride);
	FUZZ_CHECK(h->slot_off >= NFV_REGION_HDR_SIZE && h->ring_off >= slots_end &&
		   h->buf_off >= rings_end, "sections overlap or out of order");
	FUZZ_CHECK(inside(h->slot_off, slots_end - h->slot_off, len) &&
		   inside(h->ring_off, rings_end - h->ring_off, len) &&
		   inside(h->buf_off, (uint64_t)h->nbufs * h->buf_stride, len),
		   "a section ends outside the region");
}

static void
touch(const uint8_t *p)
{
	(void)*(const volatile uint8_t *)p;
}

static void
check_ring(const struct nfv_ring *r, const uint8_t *mem, const struct nfv_region_hdr *h,
	   uint32_t size, uint32_t esize)
{
	const uint8_t *shm = (const uint8_t *)r->shm;

	FUZZ_CHECK(r->size == size && r->esize == esize, "ring geometry %u x %u, header %u x %u",
		   r->size, r->esize, size, esize);
	FUZZ_CHECK(shm >= mem + h->ring_off &&
		   r->entries + (uint64_t)size * esize <= mem + h->buf_off,
		   "ring at %ld outside the ring area", (long)(shm - mem));
	touch(shm);
	touch(r->entries + (uint64_t)size * esize - 1);
}

static void
check_ctx(const struct netlib_ctx *ctx, const uint8_t *mem, const struct nfv_region_hdr *h)
{
	const uint8_t *slot = (const uint8_t *)ctx->slot;
	const struct netlib_pkt *last = &ctx->pkts[h->nbufs - 1];
	struct netlib_info info;

	FUZZ_CHECK(memcmp(&ctx->hdr, h, sizeof(*h)) == 0, "context header differs");
	FUZZ_CHECK(ctx->slot_idx < h->nslots && slot >= mem + h->slot_off &&
		   slot + sizeof(struct nfv_slot) <= mem + h->ring_off,
		   "slot %u outside the slot table", ctx->slot_idx);
	touch(slot + sizeof(struct nfv_slot) - 1);
	check_ring(&ctx->rx, mem, h, h->ring_entries, h->desc_size);
	check_ring(&ctx->tx, mem, h, h->ring_entries, h->desc_size);
	check_ring(&ctx->ctl, mem, h, h->ctl_entries, h->ctl_msg_size);
	check_ring(&ctx->ctl_reply, mem, h, h->ctl_entries, h->ctl_msg_size);
	FUZZ_CHECK(ctx->pkts[0].buf == mem + h->buf_off &&
		   last->buf + h->buf_stride <= mem + h->region_size &&
		   last->room <= h->buf_stride && last->room <= UINT16_MAX,
		   "buffers outside the buffer area");
	touch(last->buf + last->room - 1);
	FUZZ_CHECK(netlib_ctx_info(ctx, &info) == 0 && info.nbufs == h->nbufs &&
		   info.slot == ctx->slot_idx && info.region_size == h->region_size &&
		   info.ring_entries == h->ring_entries, "info differs from the header");
}

/*
 * The host's side of the data rings, hostile: descriptors and the producer
 * index of the RX ring, the consumer index of the TX ring.  NetLib must
 * hand out exactly the RX descriptors that name a buffer it does not hold
 * already and lie inside it, each as that buffer's handle (its first and
 * last bytes are read, under ASan), and never report more than the rings
 * can hold.  @held models the buffers NetLib holds: handed out, not handed
 * back yet.
 */
static void
data_path(struct netlib_ctx *ctx, struct fuzz_in *in)
{
	struct nfv_ring *rx = &ctx->rx;
	struct netlib_pkt *pkts[64];
	uint8_t *held = calloc(ctx->hdr.nbufs, 1);
	uint32_t *bad = calloc(ctx->hdr.ring_entries, sizeof(*bad)), nbad = 0;
	int rounds = 0;

	FUZZ_CHECK(held != NULL && bad != NULL, "out of memory");

	while (in->left > 0 && rounds++ < 16) {
		uint32_t nd = fuzz_u8(in) % 8, k, c, peer, local = rx->local, avail;
		unsigned int n = 1 + fuzz_u8(in) % 64, take;
		struct nfv_desc d[64];
		int got, want = 0, sent, i, cached;

		for (k = 0; k < nd; k++)
			fuzz_bytes(in, rx->entries + (uint64_t)((local + k) & rx->mask) * rx->esize,
				   rx->esize);
		rx->shm->prod = local + (uint32_t)(int32_t)(int8_t)fuzz_u8(in);
		avail = rx->shm->prod - local;
		/* What had bad bounds goes back first, as far as TX has room. */
		if (nbad) {
			int room = nfv_ring_free_count(&ctx->tx);
			uint32_t r = room <= 0 ? 0 : (uint32_t)room < nbad ? (uint32_t)room : nbad;

			for (k = 0; k < r; k++)
				held[bad[k]] = 0;
			memmove(bad, bad + r, (nbad - r) * sizeof(*bad));
			nbad -= r;
		}
		take = n < ctx->hdr.ring_entries ? n : ctx->hdr.ring_entries;
		if (avail < take)
			take = avail;
		for (k = 0; k < take && avail <= rx->size; k++) {
			memcpy(&d[want], rx->entries + (uint64_t)((local + k) & rx->mask) * rx->esize,
			       sizeof(d[0]));
			if (d[want].buf >= ctx->hdr.nbufs || held[d[want].buf])
				continue;
			if ((uint64_t)d[want].data_off + d[want].data_len <= ctx->buf_room)
				held[d[want++].buf] = 1;
			else if (nbad < ctx->hdr.ring_entries)
				held[bad[nbad++] = d[want].buf] = 1;	/* to go back */
		}
		got = netlib_rx_burst(ctx, pkts, n);
		if (avail > rx->size) {
			FUZZ_CHECK(got == -EPROTO && rx->local == local,
				   "RX prod %u ahead of %u by more than %u: %d", rx->shm->prod,
				   local, rx->size, got);
			break;
		}
		FUZZ_CHECK(got == want && rx->local == local + take,
			   "RX burst of %u from %u ready: %d, expected %d", n, avail, got, want);
		for (i = 0; i < got; i++) {
			const struct netlib_pkt *p = pkts[i];
			const uint8_t *data = netlib_pkt_data(p);

			/* A buffer named twice is handed out once, with the
			 * bounds of its first descriptor. */
			FUZZ_CHECK(p == &ctx->pkts[d[i].buf] && p->data_off == d[i].data_off &&
				   netlib_pkt_len(p) == d[i].data_len,
				   "packet %d is not descriptor %d's", i, i);
			FUZZ_CHECK(p->data_off + p->data_len <= p->room && p->room <= ctx->hdr.buf_stride,
				   "packet outside its buffer");
			/* An empty packet may start at its buffer's end. */
			if (p->data_len) {
				touch(data);
				touch(data + p->data_len - 1);
			}
		}
		/* Hand them back; the host's consumer index may be anything. */
		ctx->tx.shm->cons = ctx->tx.local - (uint32_t)(fuzz_u8(in) % (ctx->tx.size + 2));
		k = ctx->tx.local - ctx->tx.shm->cons;
		/* NetLib reads that index only when its copy from the last
		 * read shows less room than the burst needs
		 * (nfv_ring_room_cached()); a host that moves it back is
		 * then believed late, to its own loss. */
		c = ctx->tx.local - ctx->tx.peer;
		peer = ctx->tx.peer;
		cached = c <= ctx->tx.size && ctx->tx.size - c >= (uint32_t)got;
		sent = netlib_tx_burst(ctx, pkts, (unsigned int)got);
		FUZZ_CHECK(cached ? sent == got : k > ctx->tx.size ? sent == -EPROTO :
			   sent == (int)((unsigned int)got < ctx->tx.size - k ? (unsigned int)got :
					 ctx->tx.size - k),
			   "TX of %d with %u of %u used (%u cached): %d", got, k, ctx->tx.size, c,
			   sent);
		/* The copy moves only on a read, to the index read, and not
		 * to one found corrupt. */
		FUZZ_CHECK(cached || k > ctx->tx.size ? ctx->tx.peer == peer :
			   ctx->tx.peer == ctx->tx.shm->cons,
			   "TX room copy %u after a burst (was %u, host's index %u)", ctx->tx.peer,
			   peer, ctx->tx.shm->cons);
		for (i = 0; i < sent; i++)
			held[d[i].buf] = 0;
	}
	free(held);
	free(bad);
}

/* The host's own layout from input parameters; 0 if it refused them. */
static int
host_layout(struct fuzz_in *in, uint8_t *mem, uint64_t len)
{
	struct nfv_region_params p = {
		.region_size = len,
		.page_size = 4096u << (fuzz_u8(in) % 4),
		.nslots = 1 + fuzz_u8(in) % NFV_MAX_SLOTS,
		.ring_entries = 1u << (fuzz_u8(in) % 16),
		.ctl_entries = 1u << (fuzz_u8(in) % 12),
		.buf_stride = fuzz_u16(in),
		.buf_headroom = fuzz_u16(in),
	};
	struct nfv_region_hdr h;
	struct nfv_layout l;
	const char *why;
	int ret;

	if (nfv_layout_compute(&p, &l, &why) < 0)
		return 0;
	nfv_region_write_header(mem, &l, 1, "fuzz");
	ret = netlib_region_check(mem, len, &h);
	FUZZ_CHECK(ret == 0, "NetLib refuses the host's layout (%d): %s", ret, netlib_last_error());
	check_header(&h, mem, len);
	FUZZ_CHECK(h.nbufs == l.nbufs && h.buf_off == l.buf_off, "layout not as computed");
	return 1;
}

/* Write each slot's ring offsets as the (unchecked) header's layout says. */
static void
fill_slots(uint8_t *mem, uint64_t len)
{
	const struct nfv_region_hdr *h = (const struct nfv_region_hdr *)mem;
	uint32_t s, k;

	for (s = 0; s < h->nslots && s < 256; s++) {
		uint64_t off = h->slot_off + (uint64_t)s * h->slot_size;
		struct nfv_slot *slot;

		if (h->slot_off > len || !inside(off, sizeof(*slot), len) || off % 8)
			return;
		slot = (struct nfv_slot *)(mem + off);
		for (k = 0; k < NFV_RINGS_PER_SLOT; k++)
			slot->ring_off[k] = h->ring_off +
				((uint64_t)s * NFV_RINGS_PER_SLOT + k) * h->ring_stride;
	}
}

/*
 * One patch: where (the header, the slot table as the header places it,
 * anywhere), then 8 bytes to write or, for near-valid layouts, a step by
 * which a 32-bit field moves.
 */
static void
patch(struct fuzz_in *in, uint8_t *mem, uint64_t len)
{
	const struct nfv_region_hdr *h = (const struct nfv_region_hdr *)mem;
	uint8_t how = fuzz_u8(in);
	uint64_t off, base, v;
	uint32_t x;

	switch (how & 3) {
	case 0:
		off = fuzz_u8(in) % sizeof(*h);
		break;
	case 1:
		base = h->slot_off < len ? h->slot_off : 0;
		off = base + fuzz_u16(in) % (len - base);
		break;
	default:
		off = fuzz_u32(in) % len;
		break;
	}
	if (how & 0x80) {
		off &= ~3ull;
		memcpy(&x, mem + off, sizeof(x));
		x += (uint32_t)(int32_t)(int8_t)fuzz_u8(in);
		memcpy(mem + off, &x, sizeof(x));
	} else {
		v = fuzz_u64(in);
		memcpy(mem + off, &v, len - off < 8 ? len - off : 8);
	}
}

/* Set our slot's state (never RUNNING: that path waits for the host). */
static void
set_state(uint8_t *mem, uint64_t len, uint32_t peer, uint8_t state)
{
	const struct nfv_region_hdr *h = (const struct nfv_region_hdr *)mem;
	uint64_t off = h->slot_off + (uint64_t)NFV_PEER_SLOT(peer) * h->slot_size;

	if (peer == 0 || h->slot_off > len || !inside(off, sizeof(struct nfv_slot), len) || off % 8)
		return;
	state %= NFV_SLOT_CLOSING + 1;
	((struct nfv_slot *)(mem + off))->state =
		state == NFV_SLOT_RUNNING ? NFV_SLOT_ATTACHED : state;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t mode = fuzz_u8(&in);
	uint64_t len = 1ull << (12 + mode % 9);
	struct fake_backend *f = calloc(1, sizeof(*f));
	struct netlib_ctx *ctx;
	struct nfv_region_hdr h;
	uint8_t state, npatches;
	int ret;

	FUZZ_CHECK(f, "out of memory");
	f->be.ops = &fake_ops;
	f->len = len;
	f->mem = calloc(1, len);
	FUZZ_CHECK(f->mem, "out of memory");
	f->peer = fuzz_u8(&in);
	state = fuzz_u8(&in);
	if (mode & 0x10)
		host_layout(&in, f->mem, len);
	else
		fuzz_bytes(&in, f->mem, sizeof(struct nfv_region_hdr));
	if (mode & 0x20)
		fill_slots(f->mem, len);
	npatches = fuzz_u8(&in) % 16;
	while (npatches-- > 0)
		patch(&in, f->mem, len);
	set_state(f->mem, len, f->peer, state);

	ret = netlib_region_check(f->mem, len, &h);
	if (ret == 0)
		check_header(&h, f->mem, len);
	else
		FUZZ_CHECK(ret == -EMSGSIZE || ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
			   ret == -EPROTO || ret == -ERANGE || ret == -EINVAL,
			   "check returned %d", ret);

	errno = 0;
	ctx = netlib_ctx_open(&f->be);	/* takes f over */
	if (ret < 0) {
		FUZZ_CHECK(!ctx && errno == -ret, "open after a failed check (%d): %p, errno %d",
			   ret, (void *)ctx, errno);
		return 0;
	}
	if (!ctx) {
		FUZZ_CHECK(errno == ERANGE || errno == EPIPE || errno == EPROTO,
			   "open of a checked region failed with errno %d: %s", errno,
			   netlib_last_error());
		return 0;
	}
	check_ctx(ctx, ctx->base, &h);
	data_path(ctx, &in);
	netlib_detach(ctx);
	return 0;
}
