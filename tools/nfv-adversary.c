/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-adversary - a hostile NF, for testing nfvisord.
 *
 * It attaches to a domain's socket like any NF, registers as a service
 * and then, at full speed, abuses everything NetLib's API would never let
 * an NF do, by writing the shared region directly:
 *   - descriptors naming buffers out of range, never lent, lent to another
 *     slot, or returned twice; zero, huge and wrapping lengths and offsets;
 *     unknown actions and destinations;
 *   - garbage control requests (unknown types, REGISTER again, FLOW_ADD with
 *     nonsense keys and hops);
 *   - descriptor fields flipped by a second thread while the daemon may be
 *     reading them, and the slot's `sleeping` flag flipped with them, so
 *     the daemon's doorbell logic sees an NF forever falling asleep and
 *     waking, and its PEER ring's indices scribbled so that entries seem
 *     to wait and be consumed all the time (--flip; with nfvisord
 *     --direct the NF before it must hand over to the daemon instead);
 *   - ring indices running backwards or far ahead (--corrupt-every), which
 *     gets the slot quarantined: it then attaches again;
 *   - the same into other slots of its domain (--other-slots).
 * It counts what it tried and prints a JSON summary.  The daemon must stay
 * up, reject or drop each of these with a reason, and lose no buffer.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netlib_priv.h"

#define BURST 32u
#define HOLD_MAX 512u		/* lent buffers kept back to return late */

enum attack {
	A_LEGIT,		/* a correct return, to keep traffic moving */
	A_OUT_OF_RANGE,		/* buf >= nbufs */
	A_RANDOM_BUF,		/* a random in-range buffer: never lent or another slot's */
	A_DUPLICATE,		/* a lent buffer returned twice */
	A_BAD_LENGTH,		/* zero, huge or wrapping data_off/data_len */
	A_BAD_ACTION,		/* unknown action, absurd destination */
	A_LATE,			/* held back and returned much later */
	A_CTL_GARBAGE,		/* control requests */
	A_INDEX,		/* ring indices corrupted: quarantine */
	A_OTHER_SLOT,		/* garbage into another slot's TX ring */
	A_MAX
};

static const char *const attack_names[A_MAX] = {
	[A_LEGIT] = "legit_returns", [A_OUT_OF_RANGE] = "out_of_range",
	[A_RANDOM_BUF] = "random_buffer", [A_DUPLICATE] = "duplicate",
	[A_BAD_LENGTH] = "bad_length", [A_BAD_ACTION] = "bad_action",
	[A_LATE] = "late_return", [A_CTL_GARBAGE] = "ctl_garbage",
	[A_INDEX] = "index_corruption",
	[A_OTHER_SLOT] = "other_slot_writes",
};

struct opts {
	const char *socket;
	uint16_t service;
	double duration_s;
	unsigned int corrupt_every_ms;	/* 0: never */
	int flip, other_slots, json;
	uint64_t seed;
};

struct adv {
	struct opts o;
	struct netlib_ctx *ctx;
	uint64_t rng;
	uint64_t tried[A_MAX];
	uint64_t received, attaches, quarantined, attach_failures;
	uint64_t flips;			/* TX entry fields flipped (--flip) */
	uint8_t kind[BURST * 4];	/* enum attack of each descriptor staged */
	uint32_t held[HOLD_MAX];
	unsigned int nheld;
	pthread_mutex_t lock;		/* ctx's mapping vs. the flipper thread */
};

static volatile sig_atomic_t g_stop;

static void
on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static uint64_t
rnd(struct adv *a)
{
	/* xorshift64* */
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * 0x2545F4914F6CDD1DULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t
hostile_total(const struct adv *a)
{
	uint64_t t = 0;
	int i;

	for (i = A_LEGIT + 1; i < A_MAX; i++)
		t += a->tried[i];
	return t;
}

static int
attach(struct adv *a)
{
	struct netlib_ctx *ctx = netlib_attach(a->o.socket);
	int ret;

	if (!ctx) {
		a->attach_failures++;
		return -errno;
	}
	ret = netlib_register(ctx, a->o.service, "adversary");
	if (ret < 0) {
		netlib_detach(ctx);
		a->attach_failures++;
		return ret;
	}
	pthread_mutex_lock(&a->lock);
	a->ctx = ctx;
	pthread_mutex_unlock(&a->lock);
	a->nheld = 0;
	a->attaches++;
	return 0;
}

/* Leave without the courtesy of waiting for the daemon. */
static void
detach(struct adv *a)
{
	struct netlib_ctx *ctx = a->ctx;

	if (!ctx)
		return;
	pthread_mutex_lock(&a->lock);	/* the flipper is out of the mapping */
	a->ctx = NULL;
	pthread_mutex_unlock(&a->lock);
	ctx->host_err = -EPROTO;	/* no UNREGISTER, no waiting: just go */
	netlib_detach(ctx);
}

static int
slot_dead(const struct adv *a)
{
	uint32_t st = __atomic_load_n(&a->ctx->slot->state, __ATOMIC_ACQUIRE);

	return st != NFV_SLOT_RUNNING || a->ctx->host_err != 0 ||
	       __atomic_load_n(&a->ctx->slot->generation, __ATOMIC_ACQUIRE) != a->ctx->slot_gen;
}

/*
 * One hostile variant of a lent buffer's descriptor @d, staged at out[0..]
 * with its kind at kind[0..]; returns how many were staged.  Attacks are
 * counted once the ring took them.
 */
static unsigned int
mangle(struct adv *a, struct nfv_desc *out, uint8_t *kind, const struct nfv_desc *d)
{
	uint64_t r = rnd(a);
	unsigned int k = (unsigned int)(r % 8);

	out[0] = *d;
	out[0].action = NFV_ACT_NEXT;
	kind[0] = A_LEGIT;
	switch (k) {
	case 0:
	case 1:
	case 2:
		return 1;
	case 3:
		out[1] = out[0];
		kind[1] = A_DUPLICATE;
		return 2;
	case 4:
		switch ((r >> 8) % 4) {
		case 0: out[0].data_len = 0; break;
		case 1: out[0].data_len = 0xffff; break;
		case 2: out[0].data_off = 0xffff; break;
		default:
			out[0].data_off = (uint16_t)(0x10000 - 8);
			out[0].data_len = 64;
			break;
		}
		kind[0] = A_BAD_LENGTH;
		return 1;
	case 5:
		out[0].action = (uint8_t)(r >> 16);
		out[0].dest = (uint16_t)(r >> 24);
		out[0].flags = (uint8_t)(r >> 40);
		kind[0] = A_BAD_ACTION;
		return 1;
	default:
		if (a->nheld < HOLD_MAX) {
			a->held[a->nheld++] = d->buf;
			return 0;
		}
		return 1;
	}
}

/* Descriptors naming buffers that are not ours. */
static unsigned int
forge(struct adv *a, struct nfv_desc *out, uint8_t *kind, unsigned int max)
{
	uint32_t nbufs = a->ctx->hdr.nbufs;
	unsigned int n = (unsigned int)(rnd(a) % (max + 1)), i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd(a);

		memset(&out[i], 0, sizeof(out[i]));
		out[i].data_off = (uint16_t)(r >> 32);
		out[i].data_len = (uint16_t)(r >> 48);
		out[i].action = (uint8_t)(r % 5);
		if (r & 1) {
			out[i].buf = (r & 2) ? UINT32_MAX : nbufs + (uint32_t)(r >> 8) % (1u << 20);
			kind[i] = A_OUT_OF_RANGE;
		} else {
			out[i].buf = (uint32_t)((r >> 8) % nbufs);
			kind[i] = A_RANDOM_BUF;
		}
	}
	return n;
}

static void
ctl_garbage(struct adv *a)
{
	struct nfv_ctl_msg m;
	struct nfv_ctl_msg junk[8];
	uint64_t r = rnd(a);
	unsigned int i;

	for (i = 0; i < sizeof(m); i += 8) {
		uint64_t x = rnd(a);

		memcpy((uint8_t *)&m + i, &x, sizeof(m) - i < 8 ? sizeof(m) - i : 8);
	}
	switch (r % 4) {
	case 0: m.type = NFV_CTL_REGISTER; break;	/* again, garbage name */
	case 1: m.type = NFV_CTL_FLOW_ADD; break;	/* garbage key and hops */
	case 2: m.type = NFV_CTL_FLOW_DEL; break;
	default: break;				/* any type at all */
	}
	if (m.type == NFV_CTL_UNREGISTER)
		m.type = NFV_CTL_NONE;		/* would end the game */
	if (nfv_ring_enqueue_burst(&a->ctx->ctl, &m, 1) == 1)
		a->tried[A_CTL_GARBAGE]++;
	/* Replies are read and ignored. */
	(void)nfv_ring_dequeue_burst(&a->ctx->ctl_reply, junk, 8);
}

/* Indices that no correct peer would write: the daemon must quarantine. */
static void
corrupt_indices(struct adv *a)
{
	uint64_t r = rnd(a);
	struct nfv_ring *ring = (r & 1) ? &a->ctx->tx : &a->ctx->rx;
	uint32_t v;

	switch ((r >> 1) % 3) {
	case 0: v = ring->local + ring->size * 4 + 1; break;	/* far ahead */
	case 1: v = ring->local - 5; break;			/* backwards */
	default: v = (uint32_t)(r >> 32); break;		/* anything */
	}
	if (ring == &a->ctx->tx)
		__atomic_store_n(&ring->shm->prod, v, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&ring->shm->cons, v, __ATOMIC_RELEASE);
	a->tried[A_INDEX]++;
}

/* Garbage entries and indices in another slot's TX ring of the region. */
static void
other_slot(struct adv *a)
{
	const struct nfv_region_hdr *h = &a->ctx->hdr;
	uint64_t off[NFV_RINGS_PER_SLOT], r = rnd(a);
	uint32_t s = (uint32_t)(r % h->nslots), i;
	struct nfv_ring_shm *shm;
	struct nfv_desc *e;

	if (s == a->ctx->slot_idx || netlib_slot_rings(h, a->ctx->base, s, off) < 0)
		return;
	shm = (struct nfv_ring_shm *)(a->ctx->base + off[NFV_RING_TX]);
	e = (struct nfv_desc *)((uint8_t *)shm + sizeof(*shm));
	for (i = 0; i < 4; i++) {
		struct nfv_desc *d = &e[(r >> (8 + i * 8)) % h->ring_entries];

		d->buf = (uint32_t)rnd(a);
		d->data_len = (uint16_t)rnd(a);
	}
	if ((r >> 48) % 16 == 0)
		__atomic_store_n(&shm->prod, (uint32_t)rnd(a), __ATOMIC_RELEASE);
	else
		__atomic_fetch_add(&shm->prod, 1, __ATOMIC_RELEASE);
	a->tried[A_OTHER_SLOT]++;
}

/* --flip: rewrite fields of our TX ring's entries while the daemon reads. */
static void *
flipper(void *arg)
{
	struct adv *a = arg;
	uint64_t rng = a->o.seed * 31 + 7;

	while (!g_stop) {
		struct netlib_ctx *ctx;
		struct nfv_desc *e;
		uint32_t i;

		pthread_mutex_lock(&a->lock);
		ctx = a->ctx;
		if (!ctx) {
			pthread_mutex_unlock(&a->lock);
			usleep(1000);
			continue;
		}
		e = (struct nfv_desc *)ctx->tx.entries;
		/* Asleep (each time with a new value, as if a new sleep),
		 * awake: the daemon must not ring more doorbells than bursts
		 * it hands us (and housekeeping rounds, for PEER). */
		__atomic_store_n(&ctx->slot->sleeping, (uint32_t)(rng & 1 ? (rng >> 16) | 1 : 0),
				 __ATOMIC_RELAXED);
		/* Entries seem to wait on our PEER ring and to be taken: the
		 * daemon must not ring us for each, and the NF linked to us
		 * must not trust the index. */
		__atomic_store_n(&ctx->peer_in.shm->cons, (uint32_t)(rng >> 3), __ATOMIC_RELAXED);
		__atomic_store_n(&ctx->peer_in.shm->prod, (uint32_t)(rng >> 3) + 1u + (uint32_t)(rng & 7),
				 __ATOMIC_RELAXED);
		for (i = 0; i < 64; i++) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			switch (rng % 3) {
			case 0: e[rng % ctx->tx.size].data_len ^= (uint16_t)(rng >> 20); break;
			case 1: e[rng % ctx->tx.size].buf ^= (uint32_t)(rng >> 24); break;
			default: e[rng % ctx->tx.size].action ^= (uint8_t)(rng >> 40); break;
			}
		}
		a->flips += 64;
		pthread_mutex_unlock(&a->lock);
	}
	return NULL;
}

static void
print_summary(const struct adv *a, double secs, FILE *out)
{
	int i;

	fprintf(out, "{\"seconds\": %.3f, \"hostile_total\": %" PRIu64
		", \"hostile_per_s\": %.0f, \"received\": %" PRIu64 ", \"attaches\": %" PRIu64
		", \"attach_failures\": %" PRIu64 ", \"quarantined\": %" PRIu64
		", \"flipped_fields\": %" PRIu64 ", \"tried\": {",
		secs, hostile_total(a), secs > 0 ? (double)hostile_total(a) / secs : 0.0, a->received,
		a->attaches, a->attach_failures, a->quarantined, a->flips);
	for (i = 0; i < A_MAX; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", attack_names[i], a->tried[i]);
	fprintf(out, "}}\n");
}

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: nfv-adversary -s SOCKET [options]\n"
"A hostile NF for testing nfvisord: registers as a service, then writes\n"
"hostile descriptors, indices and control requests into the shared region.\n"
"\n"
"  -s, --socket PATH        domain attach socket (required)\n"
"  -r, --service ID         service to register as, 1..255 (default 1)\n"
"  -t, --duration SEC       run this long (default 10; 0: until SIGINT)\n"
"      --corrupt-every MS   corrupt a ring index every MS ms, which gets the\n"
"                           slot quarantined; attach again (default 0: never)\n"
"      --flip               a second thread flips fields of TX descriptors\n"
"                           and the slot's sleeping flag\n"
"                           while the daemon may be reading them\n"
"      --other-slots        also write garbage into other slots' TX rings\n"
"                           (their NFs get quarantined)\n"
"      --seed N             random seed (default: time)\n"
"      --json               print only the JSON summary on stdout\n"
"  -h, --help               show this help\n"
"\n"
"Prints a progress line every second on stderr and a JSON summary at the\n"
"end: attacks tried by kind, hostile descriptors per second, attaches and\n"
"quarantines seen.  Exit status: 0 done, 1 could not attach, 2 usage.\n");
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "service", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 't' },
		{ "corrupt-every", required_argument, NULL, 'C' },
		{ "flip", no_argument, NULL, 'F' },
		{ "other-slots", no_argument, NULL, 'O' },
		{ "seed", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	unsigned long v;
	int c;

	o->service = 1;
	o->duration_s = 10;
	o->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "s:r:t:h", lo, NULL)) != -1) {
		errno = 0;
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'r':
			v = strtoul(optarg, &end, 10);
			if (*end || errno || v == 0 || v > NFV_MAX_SERVICE) {
				fprintf(stderr, "nfv-adversary: --service: expected 1..255\n");
				return -1;
			}
			o->service = (uint16_t)v;
			break;
		case 't':
			o->duration_s = strtod(optarg, &end);
			if (*end || errno || o->duration_s < 0) {
				fprintf(stderr, "nfv-adversary: --duration: expected seconds >= 0\n");
				return -1;
			}
			break;
		case 'C':
			v = strtoul(optarg, &end, 10);
			if (*end || errno || v > 3600000) {
				fprintf(stderr, "nfv-adversary: --corrupt-every: expected milliseconds\n");
				return -1;
			}
			o->corrupt_every_ms = (unsigned int)v;
			break;
		case 'F': o->flip = 1; break;
		case 'O': o->other_slots = 1; break;
		case 'S':
			o->seed = strtoull(optarg, &end, 0);
			if (*end || errno) {
				fprintf(stderr, "nfv-adversary: --seed: expected a number\n");
				return -1;
			}
			break;
		case 'j': o->json = 1; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (!o->socket || optind != argc) {
		fprintf(stderr, "nfv-adversary: give the attach socket with -s PATH (see --help)\n");
		return -1;
	}
	if (o->seed == 0)
		o->seed = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct adv a;
	struct nfv_desc in[BURST], out[BURST * 4];
	double start, next_corrupt, next_print, end;
	pthread_t flip_tid;
	uint64_t iter = 0;
	int ret;

	ret = parse(argc, argv, &a.o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	a.rng = a.o.seed;
	pthread_mutex_init(&a.lock, NULL);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (attach(&a) < 0) {
		fprintf(stderr, "nfv-adversary: %s\n", netlib_last_error());
		return 1;
	}
	if (a.o.flip && pthread_create(&flip_tid, NULL, flipper, &a) != 0) {
		fprintf(stderr, "nfv-adversary: cannot start the flipper thread\n");
		return 1;
	}
	start = now_s();
	end = a.o.duration_s > 0 ? start + a.o.duration_s : 1e300;
	next_corrupt = start + a.o.corrupt_every_ms / 1e3;
	next_print = start + 1;
	while (!g_stop) {
		double t = (++iter & 63) == 0 ? now_s() : 0;
		unsigned int i, m = 0;
		int n;

		if (t && t >= end)
			break;
		if (t && t >= next_print) {
			fprintf(stderr, "[%6.1fs] hostile %" PRIu64 " (%.0f/s)  received %" PRIu64
				"  attaches %" PRIu64 "  quarantined %" PRIu64 "\n", t - start,
				hostile_total(&a), (double)hostile_total(&a) / (t - start), a.received,
				a.attaches, a.quarantined);
			next_print = t + 1;
		}
		if (!a.ctx) {
			if (attach(&a) < 0) {
				usleep(10000);
				continue;
			}
		}
		if (slot_dead(&a)) {
			a.quarantined++;
			detach(&a);
			continue;
		}
		n = nfv_ring_dequeue_burst(&a.ctx->rx, in, BURST);
		if (n > 0) {
			a.received += (uint64_t)n;
			for (i = 0; i < (unsigned int)n; i++)
				m += mangle(&a, &out[m], &a.kind[m], &in[i]);
		}
		/* Late returns: what was held goes back now and then. */
		if (a.nheld && (rnd(&a) % 64 == 0 || a.nheld == HOLD_MAX)) {
			while (a.nheld && m < BURST * 3) {
				memset(&out[m], 0, sizeof(out[m]));
				out[m].buf = a.held[--a.nheld];
				out[m].data_off = (uint16_t)a.ctx->hdr.buf_headroom;
				out[m].data_len = 60;
				out[m].action = NFV_ACT_NEXT;
				a.kind[m++] = A_LATE;
			}
		}
		m += forge(&a, &out[m], &a.kind[m], BURST);
		if (m) {
			int k = nfv_ring_enqueue_burst(&a.ctx->tx, out, m);

			/* What the ring did not take is simply not sent (the
			 * daemon reclaims what we hold when we go). */
			for (i = 0; k > 0 && i < (unsigned int)k; i++)
				a.tried[a.kind[i]]++;
		}
		if ((iter & 15) == 0)
			ctl_garbage(&a);
		if (a.o.other_slots && (iter & 7) == 0)
			other_slot(&a);
		if (a.o.corrupt_every_ms && t && t >= next_corrupt) {
			double give_up = now_s() + 0.2;

			corrupt_indices(&a);
			/* Touch no ring until the daemon has seen it. */
			while (!slot_dead(&a) && now_s() < give_up && !g_stop)
				usleep(100);
			next_corrupt = t + a.o.corrupt_every_ms / 1e3;
		}
	}
	g_stop = 1;
	if (a.o.flip)
		pthread_join(flip_tid, NULL);
	detach(&a);
	print_summary(&a, now_s() - start, stdout);
	return 0;
}
