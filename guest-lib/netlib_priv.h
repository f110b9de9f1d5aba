/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_priv.h - NetLib internals shared by its source files and its unit
 * tests (not installed).
 */
#ifndef NETLIB_PRIV_H
#define NETLIB_PRIV_H

#include <stdint.h>
#include <time.h>

#include "netlib.h"
#include "netlib_backend.h"
#include "nfv_region.h"
#include "nfv_ring.h"

/** Empty polls the run loop spins (pause) before it starts yielding. */
#define NETLIB_SPIN_POLLS 8
/** Idle time, yielding the CPU between polls, before the run loop sleeps
 *  on its doorbell.  A sleep costs a wake-up of tens of microseconds on a
 *  VM, and on a shared CPU input often pauses for 20-50 us (the other
 *  task's turn, the host's own gaps): 20 us put an NF to sleep in many of
 *  them (see docs/DESIGN.md, "Adaptive notification"). */
#define NETLIB_YIELD_US 50
/** Longest the run loop keeps its CPU while packets keep coming before it
 *  yields once: what a traffic source or another NF sharing the CPU waits
 *  for us at most, instead of a scheduler time slice. */
#define NETLIB_TURN_US 20
/** Bounds of a turn nfvisord asks for (nfv_slot.turn_us): where NFs of a
 *  chain share a CPU, each takes a window of packets in one turn, and a
 *  20 us turn cut that in parts, each a context switch. */
#define NETLIB_TURN_HOST_MAX_US 1000
/** A yield that comes back sooner found nobody else to run: the turn then
 *  doubles, up to NETLIB_TURN_MAX_US, so an NF alone on its CPU makes a
 *  yield syscall a millisecond instead of every NETLIB_TURN_US. */
#define NETLIB_YIELD_ALONE_US 3
#define NETLIB_TURN_MAX_US 1000
/** Longest sleep of the run loop, so a lost doorbell costs at most this. */
#define NETLIB_SLEEP_MS 100
/** Re-check period of the CTL-reply ring while waiting for a reply. */
#define NETLIB_CTL_RECHECK_MS 10
/** Longest wait for nfvisord to empty the TX ring before unregistering. */
#define NETLIB_TX_SETTLE_MS 200
/** Largest ring netlib accepts: ring counts are returned as int. */
#define NETLIB_RING_MAX (1u << 30)

/** Handle on one buffer; ctx->pkts[i] is the handle of buffer i. */
struct netlib_pkt {
	uint8_t *buf;		/* buffer start in our mapping */
	uint32_t idx;		/* buffer index */
	uint32_t room;		/* usable bytes: buf_stride, capped to 16 bits */
	uint32_t data_off;	/* packet start from buf */
	uint32_t data_len;	/* packet length */
	uint32_t flow_hash;	/* from the RX descriptor */
	uint16_t dest;		/* service or port for TONF / OUT */
	uint8_t action;		/* enum nfv_action */
	uint8_t direct;		/* hops it may be handed on directly */
	uint8_t held;		/* received, not handed back yet */
};

struct netlib_ctx {
	struct netlib_backend *be;	/* transport to the host */
	uint8_t *base;			/* region start in our mapping */
	struct nfv_region_hdr hdr;	/* validated private copy */
	struct nfv_slot *slot;		/* own slot (shared) */
	uint32_t slot_idx;		/* own slot number */
	uint32_t slot_gen;		/* slot generation seen at attach */
	uint32_t peer_id;		/* own ivshmem peer id */
	struct nfv_ring rx;		/* host -> NF descriptors */
	struct nfv_ring tx;		/* NF -> host descriptors */
	struct nfv_ring ctl;		/* NF -> host requests */
	struct nfv_ring ctl_reply;	/* host -> NF replies */
	struct nfv_ring peer_in;	/* linked upstream NF -> us */
	struct nfv_ring peer_out;	/* us -> the NF we are linked to */
	uint32_t out_next;		/* slot->direct_next last looked at */
	int out_ok;			/* and peer_out is set up for it */
	struct nfv_desc *descs;		/* burst staging, ring_entries */
	struct nfv_desc *peer_descs;	/* the same for peer_out */
	struct netlib_pkt *pkts;	/* one handle per buffer */
	struct netlib_pkt **bad;	/* received with bounds outside their
					 * buffer: to go back as DROP (ring_entries) */
	uint32_t nbad;
	uint32_t buf_room;		/* buf_stride, capped to 16 bits */
	int wake_fd;			/* eventfd netlib_stop() writes */
	int stop;			/* netlib_stop() was called */
	int prefetch;			/* enum netlib_prefetch: WRITE only where
					 * the CPU has it (netlib_set_prefetch()) */
	int host_err;			/* 0, or why the host is unusable */
	int ctl_timeout_ms;		/* reply timeout of control requests */
	uint32_t ctl_seq;		/* last control request number */
	uint32_t sleep_seq;		/* what it last stored in slot->sleeping */
	int instance_id;		/* -1 until registered */
	uint16_t service_id;		/* 0 until registered */
	struct netlib_stats stats;	/* counters */
};

/**
 * Copy the region header at @base into @hdr and check that it describes a
 * layout this NetLib understands and that fits in @len bytes.
 * @return 0, or -EMSGSIZE, -EBADMSG, -EPROTONOSUPPORT, -EPROTO, -ERANGE,
 *         -EINVAL (see netlib_attach()); netlib_last_error() says which
 *         field is wrong.
 */
NETLIB_INTERNAL int
netlib_region_check(const void *base, uint64_t len, struct nfv_region_hdr *hdr);

/**
 * Find the rings of slot @slot_idx: check that the slot exists and that
 * the offsets the host wrote in it agree with the header's layout.
 * @param off  receives the offset of each ring (enum nfv_ring_kind)
 * @return 0, or -ERANGE.
 */
NETLIB_INTERNAL int
netlib_slot_rings(const struct nfv_region_hdr *hdr, const void *base,
		  uint32_t slot_idx, uint64_t off[NFV_RINGS_PER_SLOT]);

/**
 * Build a context over an opened backend; takes @be over (closed on
 * failure too).
 * @return a context, or NULL with errno set.
 */
NETLIB_INTERNAL struct netlib_ctx *
netlib_ctx_open(struct netlib_backend *be);

/**
 * Is the host still serving our slot?  Reads three shared words: the
 * region's magic (cleared when nfvisord shuts down), the slot's generation
 * (bumped when nfvisord reclaims and reuses it) and its state (attached or
 * running while served).  This is how an NF in a VM, which has no socket
 * to see closing, learns that nfvisord left.
 * @return 0, or -EPIPE (then and from then on, ctx->host_err set and
 *         netlib_last_error() saying why).
 */
NETLIB_INTERNAL int
netlib_host_check(struct netlib_ctx *ctx);

/**
 * Wait up to @timeout_ms for own doorbell @vector, netlib_stop() or a host
 * event, and acknowledge the doorbell.  Checks the host with
 * netlib_host_check() before and after waiting.
 * @return 0, or -EPIPE if the host is gone, or -errno if poll() failed.
 */
NETLIB_INTERNAL int
netlib_wait(struct netlib_ctx *ctx, unsigned int vector, int timeout_ms);

/** Microseconds of CLOCK_MONOTONIC. */
static inline int64_t
netlib_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/** TSC ticks to microseconds (us = ticks * mult >> 32), or 0 where the run
 *  loop's clock is clock_gettime() (netlib_clock.c). */
NETLIB_INTERNAL extern uint64_t netlib_tsc_mult;

/** Set up the run loop's clock, once per process (the first call takes
 *  about 10 ms where it calibrates the TSC). */
NETLIB_INTERNAL void netlib_clock_init(void);
/** Is the TSC a clock we may use here?  (x86-64, invariant TSC, and the
 *  kernel's clocksource is tsc.) */
NETLIB_INTERNAL int netlib_clock_tsc_usable(void);
/** TSC rate measured against CLOCK_MONOTONIC, as netlib_tsc_mult, or 0. */
NETLIB_INTERNAL uint64_t netlib_clock_calibrate(void);
/** Tries netlib_clock_pair() makes. */
#define NETLIB_CLOCK_PAIR_TRIES 20
/**
 * A reading of @read taken together with CLOCK_MONOTONIC: of
 * NETLIB_CLOCK_PAIR_TRIES tries, the one with the closest two monotonic
 * reads around it (we may be preempted between any two reads).  @val gets
 * that reading, @ns the monotonic nanoseconds midway between its two.
 */
NETLIB_INTERNAL void netlib_clock_pair(uint64_t (*read)(void), uint64_t *val, int64_t *ns);

/**
 * Microseconds for the run loop's turns and idle spells: the TSC where
 * netlib_clock_init() found it usable, else CLOCK_MONOTONIC.  Compare only
 * with other readings of this clock.
 */
static inline int64_t
netlib_loop_us(void)
{
#if defined(__x86_64__)
	uint64_t mult = __atomic_load_n(&netlib_tsc_mult, __ATOMIC_RELAXED);

	if (mult)
		return (int64_t)(((unsigned __int128)__builtin_ia32_rdtsc() * mult) >> 32);
#endif
	return netlib_now_us();
}

/** Milliseconds of CLOCK_MONOTONIC, for deadlines. */
static inline int64_t
netlib_now_ms(void)
{
	return netlib_now_us() / 1000;
}

/** Has netlib_stop() been called on @ctx? */
static inline int
netlib_stopping(const struct netlib_ctx *ctx)
{
	/* load-acquire pairs with the store-release in netlib_stop(). */
	return __atomic_load_n(&ctx->stop, __ATOMIC_ACQUIRE);
}

/**
 * Send a control message without waiting for a reply: number it, enqueue
 * it and ring the host's CTL doorbell.
 * @return 0, or -EAGAIN (ring full), -EPROTO (ring corrupted), -EPIPE.
 */
NETLIB_INTERNAL int
netlib_ctl_send(struct netlib_ctx *ctx, struct nfv_ctl_msg *msg);

/** Record the one-line message netlib_last_error() returns. */
NETLIB_INTERNAL void
netlib_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* NETLIB_PRIV_H */
