/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_run.c - the data path: RX/TX bursts, doorbell waits, run loop.
 *
 * Each descriptor is read out of a shared RX ring once, into a private
 * copy (nfv_ring_read_desc()), and checked there, so a descriptor changed
 * after the check cannot move a packet handle outside its buffer.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>

#include "netlib_priv.h"

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/*
 * What an empty poll does.  First a short spin (a packet a few hundred
 * nanoseconds away costs no syscall); then sched_yield() between polls, so
 * that NFs, or an NF and a traffic source, that share a CPU hand it to
 * each other as soon as one runs dry instead of at the end of a scheduler
 * time slice (milliseconds); alone on its CPU the yield returns at once.
 * After NETLIB_YIELD_US of that, idle_poll() returns 1: time to sleep.
 *
 * Under a real-time policy a yield only reaches tasks of the same
 * priority, and a lower one sharing the CPU would wait out the whole
 * yielding phase: there the NF goes to sleep right after the spin.  The
 * thread's policy is read again after NETLIB_POLICY_RECHECK_US, so a
 * change made from outside (chrt) takes effect, without a syscall at each
 * idle spell (NFs sharing a CPU start tens of thousands a second).
 */
struct idle {
	unsigned int polls;
	int64_t since_us;
};

#define NETLIB_POLICY_RECHECK_US 100000

static __thread struct {
	int realtime;		/* SCHED_FIFO or SCHED_RR when last read */
	int64_t read_us;	/* when; 0: never */
} policy;

static inline int
realtime_policy(int64_t now)
{
	int pol;

	if (policy.read_us == 0 || now - policy.read_us >= NETLIB_POLICY_RECHECK_US) {
		pol = sched_getscheduler(0);
		policy.realtime = pol == SCHED_FIFO || pol == SCHED_RR;
		policy.read_us = now;
	}
	return policy.realtime;
}

static inline int
idle_poll(struct idle *st)
{
	int64_t now;

	if (st->polls < NETLIB_SPIN_POLLS) {
		st->polls++;
		cpu_relax();
		return 0;
	}
	now = netlib_loop_us();
	if (st->polls++ == NETLIB_SPIN_POLLS) {
		if (realtime_policy(now))
			return 1;
		st->since_us = now;
	} else if (now - st->since_us >= NETLIB_YIELD_US) {
		return 1;
	}
	sched_yield();
	return 0;
}

/* Fetch the line at @p for writing: netlib_set_prefetch() chose this only
 * where the CPU has PREFETCHW (GCC emits it for __builtin_prefetch(p, 1)
 * only under -mprfchw, which the build's -march does not include). */
static inline void
prefetch_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

static inline void
idle_reset(struct idle *st)
{
	st->polls = 0;
}

static int
ring_corrupt(struct netlib_ctx *ctx, const char *ring)
{
	netlib_set_error("slot %u: the %s ring index is corrupt (written by nfvisord or by another party of the domain): restart the NF",
			 ctx->slot_idx, ring);
	return -EPROTO;
}

/* A full TX burst: the NF is busy. */
#define PUBLISH_FULL_BURST 32u

/*
 * The slot's info counters share a cache line with `sleeping`, which
 * nfvisord reads after every burst it hands us.  Under load (full bursts)
 * they are published only when they cross a multiple of 1024, so that line
 * does not move between the two cores on every burst; a partial burst
 * (light load, or the ring drained) publishes at once.
 */
static inline void
publish_count(uint64_t *dst, uint64_t total, unsigned int n, int partial)
{
	if (partial || (total >> 10) != ((total - n) >> 10))
		__atomic_store_n(dst, total, __ATOMIC_RELAXED);
}

/*
 * Take up to @n descriptors off @r into handles at @pkts: each checked
 * from the private copy, a bad one counted and skipped.
 * @return handles filled, or -EPROTO if @r's producer index is corrupt.
 */
static inline int
rx_ring(struct netlib_ctx *ctx, struct nfv_ring *r, struct netlib_pkt **pkts, unsigned int n)
{
	const uint32_t nbufs = ctx->hdr.nbufs;
	const uint32_t room = ctx->buf_room;
	const uint8_t *bufs = ctx->base + ctx->hdr.buf_off;
	const uint64_t stride = ctx->hdr.buf_stride;
	const int prefetch = ctx->prefetch;
	struct nfv_desc dc[NETLIB_BURST];
	unsigned int i, k, base, got = 0;
	int ret;

	ret = nfv_ring_count(r);
	if (ret < 0)
		return ret;
	if ((unsigned int)ret > n)
		ret = (int)n;
	for (base = 0; base < (unsigned int)ret; base += k) {
		k = (unsigned int)ret - base < NETLIB_BURST ? (unsigned int)ret - base : NETLIB_BURST;
		/* Read once, here, into private copies: only they are checked
		 * and used.  The handles they name (one per buffer, a
		 * megabyte and more in all) are fetched meanwhile. */
		for (i = 0; i < k; i++) {
			dc[i] = nfv_ring_read_desc(r, base + i);
			if (dc[i].buf < nbufs)
				__builtin_prefetch(&ctx->pkts[dc[i].buf], 1);
		}
		for (i = 0; i < k; i++) {
			const struct nfv_desc *d = &dc[i];
			struct netlib_pkt *p;

			if (d->buf >= nbufs || (uint64_t)d->data_off + d->data_len > room) {
				ctx->stats.rx_invalid++;
				/* A buffer of ours with bounds outside it (an NF
				 * before us on PEER is broken): it goes back as a
				 * drop, or it would stay lent for as long as we
				 * run. */
				if (d->buf < nbufs && !ctx->pkts[d->buf].held &&
				    ctx->nbad < ctx->hdr.ring_entries) {
					p = &ctx->pkts[d->buf];
					p->held = 1;
					p->data_off = 0;
					p->data_len = 0;
					p->action = NFV_ACT_DROP;
					p->direct = 0;
					ctx->bad[ctx->nbad++] = p;
				}
				continue;
			}
			p = &ctx->pkts[d->buf];
			if (p->held) {
				/* A second descriptor for a buffer we hold: the
				 * NF before us (PEER) is broken. */
				ctx->stats.rx_invalid++;
				continue;
			}
			p->held = 1;
			p->data_off = d->data_off;
			p->data_len = d->data_len;
			p->flow_hash = d->flow_hash;
			p->action = NFV_ACT_NEXT;
			p->dest = 0;
			p->direct = d->flags & NFV_DESC_DIRECT_MASK;
			/* The address from the descriptor, not from p: no load
			 * of p stands before the prefetch. */
			if (prefetch == NETLIB_PREFETCH_WRITE)
				prefetch_write(bufs + d->buf * stride + d->data_off);
			else if (prefetch)
				__builtin_prefetch(bufs + d->buf * stride + d->data_off);
			pkts[got++] = p;
		}
	}
	nfv_ring_consume(r, (uint32_t)ret);
	return (int)got;
}

static inline struct nfv_desc
tx_desc(const struct netlib_pkt *p, uint8_t flags)
{
	return (struct nfv_desc){
		.buf = p->idx,
		.data_off = (uint16_t)p->data_off,
		.data_len = (uint16_t)p->data_len,
		.action = p->action,
		.flags = flags,
		.dest = p->dest,
		.flow_hash = p->flow_hash,
	};
}

/* Hand back, as drops, what rx_ring() received with bad bounds, as far as
 * the TX ring has room (the rest waits for the next burst). */
static void
return_bad(struct netlib_ctx *ctx)
{
	int room = nfv_ring_free_count(&ctx->tx);
	uint32_t i, k;

	if (room <= 0)
		return;		/* full, or corrupt: tx_burst() will say */
	k = (uint32_t)room < ctx->nbad ? (uint32_t)room : ctx->nbad;
	for (i = 0; i < k; i++) {
		ctx->descs[i] = tx_desc(ctx->bad[i], 0);
		ctx->bad[i]->held = 0;
	}
	nfv_ring_put(&ctx->tx, ctx->descs, k);
	memmove(ctx->bad, ctx->bad + k, (ctx->nbad - k) * sizeof(*ctx->bad));
	ctx->nbad -= k;
}

int
netlib_rx_burst(struct netlib_ctx *ctx, struct netlib_pkt **pkts, unsigned int n)
{
	int got, more;

	if (n > ctx->hdr.ring_entries)
		n = ctx->hdr.ring_entries;
	/* The host took the slot back (its direct group was reset): take no
	 * more of its buffers, which it frees once we had time to stop.  A
	 * line only the host writes, rarely: it stays in our cache. */
	if (__builtin_expect(__atomic_load_n(&ctx->slot->generation, __ATOMIC_ACQUIRE) != ctx->slot_gen, 0))
		return netlib_host_check(ctx);
	if (__builtin_expect(ctx->nbad != 0, 0))
		return_bad(ctx);
	/* What the NF before us handed over directly is further along its
	 * chain than what the host sends: it goes first. */
	got = rx_ring(ctx, &ctx->peer_in, pkts, n);
	if (got < 0)
		return ring_corrupt(ctx, "PEER");
	more = rx_ring(ctx, &ctx->rx, pkts + got, n - (unsigned int)got);
	if (more < 0)
		return ring_corrupt(ctx, "RX");
	got += more;
	if (got) {
		ctx->stats.rx_pkts += (unsigned int)got;
		publish_count(&ctx->slot->nf_rx_pkts, ctx->stats.rx_pkts, (unsigned int)got,
			      (unsigned int)got < n);
	}
	return got;
}

/*
 * The PEER ring of the NF the host linked us to (slot->direct_next), set
 * up again whenever the host changes the link.  @return the ring, or NULL
 * if we have no (usable) link.
 */
static struct nfv_ring *
peer_out(struct netlib_ctx *ctx)
{
	uint32_t next = __atomic_load_n(&ctx->slot->direct_next, __ATOMIC_ACQUIRE);
	uint64_t off[NFV_RINGS_PER_SLOT];

	/* The same link as last time: its verdict stands (a bad one is not
	 * checked again, and its error not set again, for every packet). */
	if (next == ctx->out_next)
		return ctx->out_ok ? &ctx->peer_out : NULL;
	ctx->out_next = next;
	ctx->out_ok = next != 0 && next - 1 < ctx->hdr.nslots && next - 1 != ctx->slot_idx &&
		      netlib_slot_rings(&ctx->hdr, ctx->base, next - 1, off) == 0 &&
		      nfv_ring_init(&ctx->peer_out, ctx->base + off[NFV_RING_PEER],
				    ctx->hdr.ring_entries, ctx->hdr.desc_size, 1) == 0;
	return ctx->out_ok ? &ctx->peer_out : NULL;
}

/*
 * A packet going on (NEXT) that the host allowed one more direct hop goes
 * to the linked NF's PEER ring while that has room; everything else to the
 * host on TX.  Packets are taken in order, up to the first that fits in
 * neither, so that the return value keeps its meaning.
 */
int
netlib_tx_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts,
		unsigned int n)
{
	struct nfv_desc *direct = ctx->peer_descs;
	struct nfv_ring *out = NULL;
	/* The host's index, a line its worker keeps writing, read about
	 * once a ring's worth of packets rather than every burst (an NF on
	 * a --direct run may send it none at all). */
	int room = nfv_ring_room_cached(&ctx->tx, n);
	int out_room = 0;
	unsigned int i, nt = 0, nd = 0, drops = 0;

	if (room < 0)
		return ring_corrupt(ctx, "TX");
	for (i = 0; i < n; i++) {
		struct netlib_pkt *p = pkts[i];
		uintptr_t off = (uintptr_t)p - (uintptr_t)ctx->pkts;

		/* One of ours (a whole handle, not inside one), held. */
		if (__builtin_expect(off >= (uintptr_t)ctx->hdr.nbufs * sizeof(*p) ||
				     off % sizeof(*p) != 0 || !p->held, 0)) {
			ctx->stats.tx_refused++;
			continue;
		}
		if (p->direct && p->action == NFV_ACT_NEXT) {
			if (!out && (out = peer_out(ctx)) != NULL) {
				out_room = nfv_ring_free_count(out);
				/* Whatever the next NF did to its index is
				 * its problem: we just stop handing over. */
				if (out_room < 0)
					out_room = 0;
			}
			if (out_room > 0) {
				direct[nd++] = tx_desc(p, (uint8_t)(p->direct - 1));
				out_room--;
				p->held = 0;	/* a NEXT: no drop to count */
				continue;
			}
		}
		if (nt == (unsigned int)room)
			break;
		ctx->descs[nt++] = tx_desc(p, 0);
		p->held = 0;
		drops += p->action == NFV_ACT_DROP;
	}
	n = i;
	/* Room was read once, from one load of each consumer index: a
	 * consumer that moves its index meanwhile (the next NF may be
	 * hostile) cannot make these fail half way. */
	if (nd)
		nfv_ring_put(out, direct, nd);
	if (nt)
		nfv_ring_put(&ctx->tx, ctx->descs, nt);
	ctx->stats.drop_pkts += drops;
	if (nt + nd) {
		ctx->stats.tx_pkts += nt + nd;
		publish_count(&ctx->slot->nf_tx_pkts, ctx->stats.tx_pkts, nt + nd,
			      nt + nd < PUBLISH_FULL_BURST);
	}
	return (int)n;
}

static const char *
slot_state_name(uint32_t state)
{
	switch (state) {
	case NFV_SLOT_FREE:
		return "free";
	case NFV_SLOT_ATTACHED:
		return "attached";
	case NFV_SLOT_RUNNING:
		return "running";
	case NFV_SLOT_QUARANTINED:
		return "quarantined";
	case NFV_SLOT_CLOSING:
		return "closing";
	default:
		return "unknown";
	}
}

int
netlib_host_check(struct netlib_ctx *ctx)
{
	const struct nfv_region_hdr *h = (const struct nfv_region_hdr *)ctx->base;
	uint64_t magic;
	uint32_t gen, state;

	if (ctx->host_err)
		return ctx->host_err;
	/* Relaxed: each word is judged on its own, and a stale value only
	 * delays the verdict to the next check. */
	magic = __atomic_load_n(&h->magic, __ATOMIC_RELAXED);
	gen = __atomic_load_n(&ctx->slot->generation, __ATOMIC_RELAXED);
	state = __atomic_load_n(&ctx->slot->state, __ATOMIC_RELAXED);
	if (magic != NFV_REGION_MAGIC)
		netlib_set_error("nfvisord left (it cleared the region's header): restart the NF once nfvisord is back");
	else if (gen != ctx->slot_gen &&
		 __atomic_load_n(&ctx->slot->why, __ATOMIC_RELAXED) == NFV_WHY_GROUP)
		netlib_set_error("nfvisord unregistered slot %u: an NF it handed packets to directly, or got packets from, left (nfvisord --direct: linked NFs share fate): restart the NF",
				 ctx->slot_idx);
	else if (gen != ctx->slot_gen)
		netlib_set_error("nfvisord reclaimed slot %u (generation %u, %u at attach): restart the NF",
				 ctx->slot_idx, gen, ctx->slot_gen);
	else if (state == NFV_SLOT_QUARANTINED)
		netlib_set_error("nfvisord quarantined slot %u (one of its rings was corrupted; see nfvisord's log): restart the NF (in a VM, the VM)",
				 ctx->slot_idx);
	else if (state != NFV_SLOT_ATTACHED && state != NFV_SLOT_RUNNING)
		netlib_set_error("nfvisord no longer serves slot %u (state %s): restart the NF once nfvisord is back",
				 ctx->slot_idx, slot_state_name(state));
	else
		return 0;
	ctx->host_err = -EPIPE;
	return -EPIPE;
}

int
netlib_wait(struct netlib_ctx *ctx, unsigned int vector, int timeout_ms)
{
	struct netlib_backend *be = ctx->be;
	struct pollfd pfd[3] = {
		{ .fd = be->ops->doorbell_fd(be, vector), .events = POLLIN },
		{ .fd = ctx->wake_fd, .events = POLLIN },
		{ .fd = be->ops->host_fd(be), .events = POLLIN },
	};
	int ret;

	ret = netlib_host_check(ctx);
	if (ret < 0)
		return ret;
	if (poll(pfd, 3, timeout_ms) < 0) {
		if (errno == EINTR)
			return 0;
		ret = -errno;
		netlib_set_error("poll on the doorbell: %s", strerror(errno));
		return ret;
	}
	if (pfd[0].revents & POLLHUP) {
		/* The guest driver's device was removed: its memory is gone
		 * too, so the region is not looked at again. */
		netlib_set_error("doorbell %u hung up: the shared memory device was removed: restart the NF",
				 vector);
		ctx->host_err = -EPIPE;
		return -EPIPE;
	}
	if (pfd[0].revents & (POLLERR | POLLNVAL)) {
		netlib_set_error("doorbell %u is unusable (revents 0x%x)", vector,
				 (unsigned int)pfd[0].revents);
		return -EIO;
	}
	if (pfd[0].revents & POLLIN)
		be->ops->doorbell_ack(be, vector);
	if (pfd[2].revents) {
		ret = be->ops->host_event(be);
		if (ret < 0) {
			ctx->host_err = ret;
			return ret;
		}
	}
	return netlib_host_check(ctx);
}

/* Sleep on the data doorbell unless packets arrived meanwhile. */
static int
run_sleep(struct netlib_ctx *ctx)
{
	int ret = 0;
	int n;

	/* A value of this sleep's own: nfvisord rings each sleep once, and
	 * a doorbell left over from an earlier one (rung as we woke up by
	 * ourselves) cannot make it skip this one. */
	if (++ctx->sleep_seq == 0)
		ctx->sleep_seq = 1;
	__atomic_store_n(&ctx->slot->sleeping, ctx->sleep_seq, __ATOMIC_RELAXED);
	/* Full fence pairs with nfvisord's full fence between publishing an
	 * RX prod and reading `sleeping`: either it sees us sleeping and
	 * rings us, or the count below sees its new prod. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	n = nfv_ring_count(&ctx->rx);
	if (n == 0)
		n = nfv_ring_count(&ctx->peer_in);
	if (n == 0)
		ret = netlib_wait(ctx, NFV_VEC_DATA, NETLIB_SLEEP_MS);
	else if (n < 0)
		ret = ring_corrupt(ctx, "RX or PEER");
	/* Relaxed: a stale value only costs nfvisord one needless doorbell. */
	__atomic_store_n(&ctx->slot->sleeping, 0, __ATOMIC_RELAXED);
	return ret;
}

/* Hand back all @n packets, waiting while the TX ring is full. */
static int
run_tx_all(struct netlib_ctx *ctx, struct netlib_pkt **pkts, unsigned int n)
{
	struct idle st = { 0, 0 };
	unsigned int sent = 0;
	int ret;

	while (sent < n) {
		ret = netlib_tx_burst(ctx, pkts + sent, n - sent);
		if (ret < 0)
			return ret;
		sent += (unsigned int)ret;
		if (ret > 0) {
			idle_reset(&st);
			continue;
		}
		if (netlib_stopping(ctx))
			return 0;
		if (!idle_poll(&st))
			continue;
		/* Still full: back off 1 ms at a time, watching stop and the host. */
		ret = netlib_wait(ctx, NFV_VEC_DATA, 1);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The busy turn to start from: NETLIB_TURN_US, or longer where nfvisord
 * asks for it (nfv_slot.turn_us: NFs of a chain share this NF's CPU, where
 * a turn should hold the window of packets waiting for it).  Read at each
 * turn reset, so a change applies within a turn.
 */
static inline int64_t
base_turn(const struct netlib_ctx *ctx)
{
	uint16_t t = __atomic_load_n(&ctx->slot->turn_us, __ATOMIC_RELAXED);

	if (t <= NETLIB_TURN_US)
		return NETLIB_TURN_US;
	return t < NETLIB_TURN_HOST_MAX_US ? t : NETLIB_TURN_HOST_MAX_US;
}

/*
 * The packet loop of netlib_run() (@one: a handler per packet) and
 * netlib_run_burst() (@burst: one per burst).  The per-packet call is an
 * indirect call for every packet, which NFs sharing a CPU pay dearly:
 * four nfv-fwd on one CPU carried a fifth more as burst handlers.
 */
static int
run_loop(struct netlib_ctx *ctx, netlib_pkt_handler one, netlib_burst_handler burst, void *arg,
	 const char *name)
{
	struct netlib_pkt *pkts[NETLIB_BURST];
	struct idle st = { 0, 0 };
	int64_t turn_end = 0, turn, now, back;
	int i, n, ret;

	if ((!one && !burst) || ctx->instance_id < 0) {
		netlib_set_error("%s needs a packet handler and a registered context (call netlib_register first)",
				 name);
		return -EINVAL;
	}
	netlib_clock_init();
	turn = base_turn(ctx);
	while (!netlib_stopping(ctx)) {
		n = netlib_rx_burst(ctx, pkts, NETLIB_BURST);
		if (n < 0)
			return n;
		if (n == 0) {
			if (!idle_poll(&st))
				continue;
			idle_reset(&st);
			turn_end = 0;
			ret = run_sleep(ctx);
			if (ret < 0)
				return ret;
			continue;
		}
		/* A turn starts when we come back from yielding or sleeping. */
		if (st.polls > NETLIB_SPIN_POLLS || turn_end == 0)
			turn_end = netlib_loop_us() + turn;
		idle_reset(&st);
		if (burst)
			burst(ctx, pkts, (unsigned int)n, arg);
		else
			for (i = 0; i < n; i++)
				one(ctx, pkts[i], arg);
		ret = run_tx_all(ctx, pkts, (unsigned int)n);
		if (ret < 0)
			return ret;
		/* Busy for a whole turn: let whoever shares the CPU run once.
		 * Alone on it, the yield returns at once, and the turns grow. */
		now = netlib_loop_us();
		if (now >= turn_end) {
			sched_yield();
			back = netlib_loop_us();
			if (back - now >= NETLIB_YIELD_ALONE_US)
				turn = base_turn(ctx);
			else if (turn < NETLIB_TURN_MAX_US)
				turn = turn * 2 < NETLIB_TURN_MAX_US ? turn * 2 : NETLIB_TURN_MAX_US;
			turn_end = back + turn;
		}
	}
	return 0;
}

int
netlib_run(struct netlib_ctx *ctx, netlib_pkt_handler handler, void *arg)
{
	return run_loop(ctx, handler, NULL, arg, "netlib_run");
}

int
netlib_run_burst(struct netlib_ctx *ctx, netlib_burst_handler handler, void *arg)
{
	return run_loop(ctx, NULL, handler, arg, "netlib_run_burst");
}
