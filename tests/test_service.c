/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of instance selection (hypervisor/service.c) on a real
 * rte_hash: rendezvous placement spreads flows evenly, a joining replica
 * moves no pinned flow, a leaving one moves only its own flows, idle
 * entries age out in bounded sweeps (never with timeout 0), a full table
 * falls back to rendezvous hashing (counted), a lone instance pins its
 * flows so the first scale-out moves none, and the load policy spreads new
 * flows by queue load (a stuck instance soon gets none) and then sticks,
 * the position cache in front of the table never mixes flows up, and the
 * hash policy pins nothing (entries pinned before it are swept away).
 * Instances are NF slots of a fake domain whose lent counters the tests
 * set.  EAL runs without hugepages (--no-huge).
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "daemon.h"
#include "service.h"

#define NFLOWS 6000u
#define TIMEOUT_MS 1000u
#define TABLE 16384u			/* fixture's affinity table */

static struct nfv_hdomain *hd;		/* its nf[] are the instances */
static uint32_t lent[NFV_MAX_SLOTS];
static struct nfv_affinity aff;
static struct nfv_service svc[NFV_MAX_SERVICE + 1];

static int
eal_up(void)
{
	/* No hugepages, no shared config: nothing left in /var/run/dpdk. */
	char *argv[] = { "test_service", "--no-huge", "-m", "128", "--no-shconf", "--no-pci",
			 "-l", "0", "--no-telemetry", "--log-level=lib.eal:error", NULL };

	return rte_eal_init(10, argv);
}

/* A fresh table of @capacity entries ageing after @timeout_ms (0: never). */
static void
setup_table(uint32_t capacity, unsigned int timeout_ms)
{
	unsigned int i;

	ck_assert_int_eq(nfv_affinity_init(&aff, "t_aff", capacity, SOCKET_ID_ANY, timeout_ms), 0);
	for (i = 1; i <= NFV_MAX_SERVICE; i++)
		nfv_service_init(&svc[i], (uint16_t)i, NFV_LB_FLOW, &aff);
}

static void
up(void)
{
	unsigned int i;

	memset(lent, 0, sizeof(lent));
	memset(hd, 0, sizeof(*hd));
	hd->dom.owner.lent = lent;
	hd->dom.owner.nslots = NFV_MAX_SLOTS;
	for (i = 0; i < NFV_MAX_SLOTS; i++) {
		hd->nf[i].hd = hd;
		hd->nf[i].slot = (uint16_t)i;
		hd->nf[i].instance = (uint16_t)(100 + i);
	}
	setup_table(TABLE, TIMEOUT_MS);
}

static void
down(void)
{
	nfv_affinity_fini(&aff);
}

/* Distinct non-zero flow hashes: a bijective mix of the index. */
static uint32_t
flow(uint32_t i)
{
	uint32_t x = i + 1u;

	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x ? x : 0xdeadbeefu;
}

static struct nfv_nf *
inst(unsigned int i)
{
	return &hd->nf[i];
}

static void
add(struct nfv_service *s, unsigned int i)
{
	ck_assert_int_eq(nfv_service_add(s, inst(i)), 0);
}

/* Pinned-flow count of instance @i in @s (0 if it is not an instance). */
static uint32_t
pinned(const struct nfv_service *s, unsigned int i)
{
	unsigned int k;

	for (k = 0; k < s->n; k++)
		if (s->m[s->live[k]].nf == inst(i))
			return s->m[s->live[k]].flows;
	return 0;
}

static unsigned int
slot_of(const struct nfv_nf *nf)
{
	ck_assert_ptr_nonnull(nf);
	return nf->slot;
}

START_TEST(test_hrw_spreads_evenly_and_is_deterministic)
{
	struct nfv_service *s = &svc[1];
	uint32_t count[4] = { 0 }, i;

	for (i = 0; i < 4; i++)
		add(s, i);
	for (i = 0; i < 40000; i++) {
		unsigned int a = slot_of(nfv_service_pick(s, flow(i)));

		count[a]++;
		/* Pinned or not (the table holds TABLE), the same flow gets
		 * the same instance, and under the flow policy that is the
		 * rendezvous choice. */
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), a);
		ck_assert_uint_eq(s->m[nfv_service_hrw(s, flow(i))].nf->slot, a);
	}
	for (i = 0; i < 4; i++)
		ck_assert_msg(count[i] > 9000 && count[i] < 11000, "instance %u got %u of 40000 flows",
			      i, count[i]);
	ck_assert_uint_eq(aff.used, TABLE);
	ck_assert_uint_eq(s->flows, TABLE);
	/* Flows without an entry are counted at each of their two picks. */
	ck_assert_uint_eq(s->affinity_full, 2 * (40000 - TABLE));
}
END_TEST

START_TEST(test_join_moves_no_pinned_flow)
{
	struct nfv_service *s = &svc[7];
	static uint8_t where[NFLOWS];
	uint32_t before[3], i, to_new = 0;

	for (i = 0; i < 3; i++)
		add(s, i);
	for (i = 0; i < NFLOWS / 2; i++)
		where[i] = (uint8_t)slot_of(nfv_service_pick(s, flow(i)));
	for (i = 0; i < 3; i++)
		before[i] = pinned(s, i);
	ck_assert_uint_eq(before[0] + before[1] + before[2], NFLOWS / 2);

	add(s, 3);
	for (i = 0; i < NFLOWS / 2; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), where[i]);
	for (i = 0; i < 3; i++)
		ck_assert_uint_eq(pinned(s, i), before[i]);
	ck_assert_uint_eq(pinned(s, 3), 0);
	/* New flows spread over all four, the newcomer included. */
	for (i = NFLOWS / 2; i < NFLOWS; i++)
		to_new += slot_of(nfv_service_pick(s, flow(i))) == 3;
	ck_assert_uint_eq(pinned(s, 3), to_new);
	ck_assert_msg(to_new > NFLOWS / 8 - 150 && to_new < NFLOWS / 8 + 150,
		      "the new instance got %u of %u new flows", to_new, NFLOWS / 2);
	ck_assert_uint_eq(s->moved, 0);
}
END_TEST

START_TEST(test_leave_moves_only_the_leavers_flows)
{
	struct nfv_service *s = &svc[2];
	static uint8_t where[NFLOWS];
	uint32_t before[3], i, moved = 0;

	for (i = 0; i < 3; i++)
		add(s, i);
	for (i = 0; i < NFLOWS; i++)
		where[i] = (uint8_t)slot_of(nfv_service_pick(s, flow(i)));
	for (i = 0; i < 3; i++)
		before[i] = pinned(s, i);

	nfv_service_remove(s, inst(1));
	nfv_service_remove(s, inst(1));		/* idempotent */
	ck_assert_uint_eq(s->n, 2);
	/* A newcomer takes the leaver's member index: the leaver's entries
	 * must not turn into its flows. */
	add(s, 5);
	ck_assert_uint_eq(pinned(s, 5), 0);
	for (i = 0; i < NFLOWS; i++) {
		unsigned int now = slot_of(nfv_service_pick(s, flow(i)));

		if (where[i] == 1) {
			ck_assert_uint_ne(now, 1);
			moved++;
		} else {
			ck_assert_uint_eq(now, where[i]);
		}
	}
	ck_assert_uint_eq(moved, before[1]);
	ck_assert_uint_eq(s->moved, before[1]);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 2) + pinned(s, 5), NFLOWS);
	ck_assert_uint_ge(pinned(s, 0), before[0]);
	ck_assert_uint_ge(pinned(s, 2), before[2]);
	ck_assert_uint_gt(pinned(s, 5), 0);
	ck_assert_uint_eq(s->flows, NFLOWS);
}
END_TEST

/* Run enough sweeps at @now to visit every position once. */
static uint32_t
sweep_all(uint64_t now)
{
	uint32_t k, removed = 0;

	for (k = 0; k < aff.capacity / NFV_AFFINITY_SWEEP; k++)
		removed += nfv_affinity_sweep(&aff, svc, now);
	return removed;
}

START_TEST(test_idle_flows_age_out_in_bounded_sweeps)
{
	struct nfv_service *s = &svc[3];
	uint64_t t0 = rte_get_tsc_cycles(), ms = rte_get_tsc_hz() / 1000;
	uint32_t i, removed;

	add(s, 0);
	add(s, 1);
	nfv_affinity_sweep(&aff, svc, t0);
	for (i = 0; i < 2000; i++)
		nfv_service_pick(s, flow(i));
	ck_assert_uint_eq(sweep_all(t0 + 900 * ms), 0);
	/* Half the flows see a packet at 900 ms. */
	for (i = 0; i < 1000; i++)
		nfv_service_pick(s, flow(i));
	/* At 1500 ms the other half has been idle for longer than 1 s; one
	 * sweep looks at NFV_AFFINITY_SWEEP positions only. */
	removed = nfv_affinity_sweep(&aff, svc, t0 + 1500 * ms);
	ck_assert_uint_le(removed, NFV_AFFINITY_SWEEP);
	removed += sweep_all(t0 + 1500 * ms);
	ck_assert_uint_eq(removed, 1000);
	ck_assert_uint_eq(s->aged_out, 1000);
	ck_assert_uint_eq(s->flows, 1000);
	ck_assert_uint_eq(aff.used, 1000);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 1), 1000);
	/* An aged flow comes back as a new one. */
	nfv_service_pick(s, flow(1500));
	ck_assert_uint_eq(s->flows, 1001);
	ck_assert_uint_eq(s->placed, 2001);
	/* Later everything idles out; the table is empty again. */
	ck_assert_uint_eq(sweep_all(t0 + 5000 * ms), 1001);
	ck_assert_uint_eq(aff.used, 0);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 1), 0);
}
END_TEST

/*
 * The position cache in front of the table (NFV_AFFINITY_HINTS slots) is
 * only a hint: more flows than slots, the same flow hash in two services,
 * and positions freed and reused by other flows must never give a packet
 * another flow's instance.
 */
START_TEST(test_hint_cache_never_mixes_flows)
{
	struct nfv_service *a = &svc[5], *b = &svc[6];
	uint64_t t0 = rte_get_tsc_cycles(), ms = rte_get_tsc_hz() / 1000;
	static uint8_t first_a[TABLE / 2], first_b[TABLE / 2];
	const uint32_t n = TABLE / 2;	/* a and b together fill the table */
	uint32_t i, round;

	ck_assert_uint_ge(2 * n, NFV_AFFINITY_HINTS);
	add(a, 0);
	add(a, 1);
	add(b, 2);
	add(b, 3);
	add(b, 4);
	nfv_affinity_sweep(&aff, svc, t0);
	for (i = 0; i < n; i++) {
		first_a[i] = (uint8_t)slot_of(nfv_service_pick(a, flow(i)));
		first_b[i] = (uint8_t)slot_of(nfv_service_pick(b, flow(i)));
	}
	/* Interleaved in both orders: every flow keeps its instance. */
	for (round = 0; round < 2; round++)
		for (i = 0; i < n; i++) {
			uint32_t j = round ? n - 1 - i : i;

			ck_assert_uint_eq(slot_of(nfv_service_pick(b, flow(j))), first_b[j]);
			ck_assert_uint_eq(slot_of(nfv_service_pick(a, flow(j))), first_a[j]);
		}
	ck_assert_uint_eq(a->placed, n);
	ck_assert_uint_eq(b->placed, n);
	/* Everything ages out; new flows take the freed positions.  An old
	 * flow whose hint names a reused position is a new flow again. */
	ck_assert_uint_eq(sweep_all(t0 + 5000 * ms), 2 * n);
	nfv_affinity_sweep(&aff, svc, t0 + 5001 * ms);
	for (i = 0; i < n; i++)
		nfv_service_pick(a, flow(n + i));
	ck_assert_uint_eq(a->placed, 2 * n);
	for (i = 0; i < n; i++)
		nfv_service_pick(a, flow(i));
	ck_assert_uint_eq(a->placed, 3 * n);
	ck_assert_uint_eq(a->flows, 2 * n);
	ck_assert_uint_eq(aff.used, 2 * n);
	ck_assert_uint_eq(pinned(a, 0) + pinned(a, 1), 2 * n);
}
END_TEST

START_TEST(test_timeout_zero_never_ages)
{
	struct nfv_service *s = &svc[11];
	uint64_t t0 = rte_get_tsc_cycles(), hour = rte_get_tsc_hz() * 3600;
	uint32_t i;

	down();
	setup_table(TABLE, 0);
	add(s, 0);
	add(s, 1);
	for (i = 0; i < 500; i++)
		nfv_service_pick(s, flow(i));
	ck_assert_uint_eq(sweep_all(t0 + 24 * hour), 0);
	ck_assert_uint_eq(aff.used, 500);
	ck_assert_uint_eq(s->aged_out, 0);
}
END_TEST

START_TEST(test_full_table_falls_back_to_hrw)
{
	struct nfv_service *s;
	uint32_t i;

	down();
	setup_table(64, TIMEOUT_MS);
	s = &svc[4];
	for (i = 0; i < 3; i++)
		add(s, i);
	for (i = 0; i < 200; i++) {
		unsigned int a = slot_of(nfv_service_pick(s, flow(i)));

		ck_assert_uint_eq(a, s->m[nfv_service_hrw(s, flow(i))].nf->slot);
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), a);
	}
	ck_assert_uint_eq(aff.used, 64);
	ck_assert_uint_eq(s->flows, 64);
	/* Each of the 136 flows without an entry was counted twice. */
	ck_assert_uint_eq(s->affinity_full, 2 * 136);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 1) + pinned(s, 2), 64);
	/* Entries of another service share the table. */
	add(&svc[5], 3);
	add(&svc[5], 4);
	nfv_service_pick(&svc[5], flow(9999));
	ck_assert_uint_eq(svc[5].affinity_full, 1);
}
END_TEST

START_TEST(test_load_policy_picks_least_loaded_then_sticks)
{
	struct nfv_service *s = &svc[6];
	uint32_t i;

	s->policy = NFV_LB_LOAD;
	for (i = 0; i < 3; i++)
		add(s, i);
	lent[0] = 500;
	lent[1] = 10;
	lent[2] = 20;
	inst(2)->nstage = 0;
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), 1);
	/* Staged packets count as load too. */
	inst(1)->nstage = 15;
	ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(100))), 2);
	ck_assert_uint_eq(nfv_nf_load(inst(1)), 25);
	/* Pinned flows stay where they were placed. */
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), 1);
	ck_assert_uint_eq(pinned(s, 1), 100);
	ck_assert_uint_eq(pinned(s, 2), 1);
	ck_assert_uint_eq(pinned(s, 0), 0);
	/* Equal loads: rendezvous hashing breaks the tie. */
	lent[0] = lent[1] = lent[2] = 7;
	inst(1)->nstage = 0;
	for (i = 200; i < 300; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))),
				  s->m[nfv_service_hrw(s, flow(i))].nf->slot);
	/* The loaded instance leaves: its flows go to the least loaded. */
	lent[2] = 0;
	nfv_service_remove(s, inst(1));
	for (i = 0; i < 100; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), 2);
	ck_assert_uint_eq(s->moved, 100);
}
END_TEST

START_TEST(test_first_scale_out_moves_no_flow)
{
	struct nfv_service *s = &svc[9];
	uint32_t i, to_new = 0;

	add(s, 0);
	/* A lone instance pins its flows too ... */
	for (i = 0; i < NFLOWS / 2; i++)
		ck_assert_ptr_eq(nfv_service_pick(s, flow(i)), inst(0));
	ck_assert_uint_eq(pinned(s, 0), NFLOWS / 2);
	/* ... so the first replica that joins gets new flows only. */
	add(s, 1);
	for (i = 0; i < NFLOWS / 2; i++)
		ck_assert_ptr_eq(nfv_service_pick(s, flow(i)), inst(0));
	for (i = NFLOWS / 2; i < NFLOWS; i++)
		to_new += nfv_service_pick(s, flow(i)) == inst(1);
	ck_assert_uint_eq(pinned(s, 1), to_new);
	ck_assert_msg(to_new > NFLOWS / 4 - 200 && to_new < NFLOWS / 4 + 200,
		      "the new instance got %u of %u new flows", to_new, NFLOWS / 2);
	ck_assert_uint_eq(s->moved, 0);
}
END_TEST

/*
 * @rounds rounds of 32 new flows, one packet each queued to the instance
 * that gets it; after each round the instances set in @drains consume
 * their queue, the others (stuck) keep theirs.  Counts flows per slot.
 */
static void
feed_new_flows(struct nfv_service *s, unsigned int rounds, unsigned int drains,
	       uint32_t got[3])
{
	unsigned int r, k;
	uint32_t f = 0;

	memset(got, 0, 3 * sizeof(got[0]));
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 32; k++) {
			unsigned int a = slot_of(nfv_service_pick(s, flow(f++)));

			got[a]++;
			lent[a]++;
		}
		for (k = 0; k < 3; k++)
			if (drains & (1u << k))
				lent[k] = 0;
	}
}

START_TEST(test_load_policy_spreads_new_flows_by_queue_load)
{
	struct nfv_service *s = &svc[10];
	uint32_t got[3], i;

	for (i = 0; i < 3; i++)
		add(s, i);
	/* Flow policy: the stuck instance 0 gets its third regardless. */
	feed_new_flows(s, 100, 0x6, got);
	ck_assert_msg(got[0] > 3200 / 3 - 150, "flow policy: stuck instance got %u of 3200", got[0]);
	down();
	up();
	for (i = 0; i < 3; i++)
		add(s, i);
	s->policy = NFV_LB_LOAD;
	/* Load policy, all three keep up: an even split, to one flow a round. */
	feed_new_flows(s, 100, 0x7, got);
	for (i = 0; i < 3; i++)
		ck_assert_msg(got[i] >= 1000 && got[i] <= 1100, "instance %u got %u of 3200", i, got[i]);
	down();
	up();
	for (i = 0; i < 3; i++)
		add(s, i);
	s->policy = NFV_LB_LOAD;
	/* Instance 0 stops consuming: once its queue is longer than the
	 * others', it gets no new flow; they share the rest evenly. */
	feed_new_flows(s, 100, 0x6, got);
	ck_assert_msg(got[0] <= 32, "stuck instance got %u of 3200 new flows", got[0]);
	ck_assert_msg(got[1] + got[2] == 3200 - got[0] && got[1] > 1500 && got[2] > 1500,
		      "the others got %u and %u", got[1], got[2]);
	ck_assert_uint_eq(pinned(s, 0), got[0]);
	ck_assert_uint_eq(s->moved, 0);
}
END_TEST

START_TEST(test_no_entry_without_flow_or_instance)
{
	struct nfv_service *s = &svc[8];
	struct nfv_nf *first;

	ck_assert_ptr_null(nfv_service_pick(s, flow(1)));
	ck_assert_uint_eq(aff.used, 0);
	add(s, 0);
	add(s, 1);
	/* Non-IP packets (flow hash 0): rendezvous hashing, no entry. */
	first = nfv_service_pick(s, 0);
	ck_assert_ptr_eq(nfv_service_pick(s, 0), first);
	ck_assert_ptr_eq(first, s->m[nfv_service_hrw(s, 0)].nf);
	ck_assert_uint_eq(aff.used, 0);
	ck_assert_uint_eq(s->placed, 0);
	/* Full service. */
	while (s->n < NFV_MAX_INSTANCES)
		add(s, s->n);
	ck_assert_int_eq(nfv_service_add(s, inst(NFV_MAX_INSTANCES)), -ENOSPC);
}
END_TEST

/*
 * The hash policy pins nothing: every packet is placed by rendezvous
 * hashing, so a join moves only the flows the newcomer wins (to it, none
 * between the others) and a leave only the leaver's.
 */
START_TEST(test_hash_policy_is_stateless)
{
	struct nfv_service *s = &svc[12];
	static uint8_t where[NFLOWS];
	uint32_t i, to_new = 0;

	s->policy = NFV_LB_HASH;
	for (i = 0; i < 3; i++)
		add(s, i);
	for (i = 0; i < NFLOWS; i++) {
		where[i] = (uint8_t)slot_of(nfv_service_pick(s, flow(i)));
		ck_assert_uint_eq(s->m[nfv_service_hrw(s, flow(i))].nf->slot, where[i]);
	}
	ck_assert_uint_eq(aff.used, 0);
	ck_assert_uint_eq(s->flows, 0);
	ck_assert_uint_eq(s->placed, 0);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 1) + pinned(s, 2), 0);

	add(s, 3);
	for (i = 0; i < NFLOWS; i++) {
		unsigned int now = slot_of(nfv_service_pick(s, flow(i)));

		if (now == 3)
			to_new++;
		else
			ck_assert_uint_eq(now, where[i]);
		where[i] = (uint8_t)now;
	}
	ck_assert_msg(to_new > NFLOWS / 4 - 300 && to_new < NFLOWS / 4 + 300,
		      "the newcomer won %u of %u flows", to_new, NFLOWS);

	nfv_service_remove(s, inst(1));
	for (i = 0; i < NFLOWS; i++) {
		unsigned int now = slot_of(nfv_service_pick(s, flow(i)));

		if (where[i] == 1)
			ck_assert_uint_ne(now, 1);
		else
			ck_assert_uint_eq(now, where[i]);
	}
	ck_assert_uint_eq(aff.used, 0);
}
END_TEST

/* Under hash, an idle entry left from before is unpinned, not aged out. */
START_TEST(test_hash_idle_entries_count_as_unpinned)
{
	struct nfv_service *s = &svc[15];
	uint64_t t0 = rte_get_tsc_cycles(), ms = rte_get_tsc_hz() / 1000;
	uint32_t i;

	add(s, 0);
	add(s, 1);
	nfv_affinity_sweep(&aff, svc, t0);
	for (i = 0; i < 500; i++)
		nfv_service_pick(s, flow(i));
	ck_assert_int_eq(nfv_service_set_policy(s, NFV_LB_HASH), NFV_LB_FLOW);
	ck_assert_uint_eq(aff.unpin, 500);
	ck_assert_uint_eq(sweep_all(t0 + 5 * TIMEOUT_MS * ms), 500);
	ck_assert_uint_eq(s->unpinned, 500);
	ck_assert_uint_eq(s->aged_out, 0);
	ck_assert_uint_eq(aff.used, 0);
	ck_assert_uint_eq(aff.unpin, 0);
}
END_TEST

/*
 * A service whose policy becomes hash loses its entries to the sweep
 * (another service's stay), even with no timeout, or at once if its
 * policy changes back first; back under flow, its flows are pinned where
 * hashing put them, so the round trip moves none.
 */
START_TEST(test_policy_hash_unpins_in_sweeps)
{
	struct nfv_service *s = &svc[13], *other = &svc[14];
	static uint8_t where[2000];
	uint64_t t0 = rte_get_tsc_cycles();
	uint32_t i, removed;

	down();
	setup_table(TABLE, 0);
	add(s, 0);
	add(s, 1);
	add(s, 2);
	add(other, 3);
	for (i = 0; i < 2000; i++)
		where[i] = (uint8_t)slot_of(nfv_service_pick(s, flow(i)));
	for (i = 0; i < 300; i++)
		nfv_service_pick(other, flow(i));
	ck_assert_uint_eq(aff.used, 2300);
	/* The instance set changes while pinned: 1 leaves, 4 joins. */
	nfv_service_remove(s, inst(1));
	add(s, 4);

	ck_assert_int_eq(nfv_service_set_policy(s, NFV_LB_HASH), NFV_LB_FLOW);
	ck_assert_uint_eq(aff.unpin, 2000);
	/* A sweep at a time: the first positions are the service's. */
	removed = nfv_affinity_sweep(&aff, svc, t0);
	ck_assert_uint_gt(removed, 0);
	ck_assert_uint_eq(s->flows, 2000 - removed);
	sweep_all(t0);
	ck_assert_uint_eq(s->unpinned, 2000);
	ck_assert_uint_eq(aff.unpin, 0);
	ck_assert_uint_eq(s->flows, 0);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 2) + pinned(s, 4), 0);
	ck_assert_uint_eq(other->flows, 300);
	ck_assert_uint_eq(other->unpinned, 0);
	ck_assert_uint_eq(aff.used, 300);
	for (i = 0; i < 2000; i++)
		where[i] = (uint8_t)slot_of(nfv_service_pick(s, flow(i)));
	ck_assert_uint_eq(aff.used, 300);

	/* No entry from before the change comes back under flow. */
	ck_assert_int_eq(nfv_service_set_policy(s, NFV_LB_FLOW), NFV_LB_HASH);
	for (i = 0; i < 2000; i++)
		ck_assert_uint_eq(slot_of(nfv_service_pick(s, flow(i))), where[i]);
	ck_assert_uint_eq(s->moved, 0);
	ck_assert_uint_eq(s->flows, 2000);
	ck_assert_uint_eq(s->placed, 4000);

	/* Back before the sweep is done: the rest go at once, not later. */
	nfv_service_set_policy(s, NFV_LB_HASH);
	for (i = 0; i < TABLE / NFV_AFFINITY_SWEEP && s->flows == 2000; i++)
		nfv_affinity_sweep(&aff, svc, t0);
	ck_assert_uint_gt(s->flows, 0);
	ck_assert_uint_lt(s->flows, 2000);
	ck_assert_uint_gt(s->unpinned, 2000);
	ck_assert_int_eq(nfv_service_set_policy(s, NFV_LB_LOAD), NFV_LB_HASH);
	ck_assert_uint_eq(s->flows, 0);
	ck_assert_uint_eq(s->unpinned, 4000);
	ck_assert_uint_eq(aff.unpin, 0);
	ck_assert_uint_eq(aff.used, 300);
	ck_assert_uint_eq(other->flows, 300);
	ck_assert_uint_eq(pinned(s, 0) + pinned(s, 2) + pinned(s, 4), 0);
}
END_TEST

START_TEST(test_policy_names)
{
	struct nfv_affinity bad;

	ck_assert_int_eq(nfv_lb_policy_parse("flow"), NFV_LB_FLOW);
	ck_assert_int_eq(nfv_lb_policy_parse("load"), NFV_LB_LOAD);
	ck_assert_int_eq(nfv_lb_policy_parse("hash"), NFV_LB_HASH);
	ck_assert_str_eq(nfv_lb_policy_name(NFV_LB_HASH), "hash");
	ck_assert_int_eq(nfv_lb_policy_parse("Load"), -EINVAL);
	ck_assert_int_eq(nfv_lb_policy_parse(""), -EINVAL);
	ck_assert_str_eq(nfv_lb_policy_name(NFV_LB_LOAD), "load");
	ck_assert_str_eq(nfv_lb_policy_name(99), "unknown");
	ck_assert_int_eq(nfv_affinity_init(&bad, "t_bad", 1000, SOCKET_ID_ANY, 0), -EINVAL);
	ck_assert_int_eq(nfv_affinity_init(&bad, "t_bad", 8, SOCKET_ID_ANY, 0), -EINVAL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("service");
	TCase *tc = tcase_create("selection");
	SRunner *sr;
	char dir[PATH_MAX];
	int failed;

	if (eal_up() < 0) {
		printf("Bail out! rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return EXIT_FAILURE;
	}
	hd = calloc(1, sizeof(*hd));
	if (!hd) {
		printf("Bail out! out of memory\n");
		return EXIT_FAILURE;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, up, down);
	tcase_add_test(tc, test_hrw_spreads_evenly_and_is_deterministic);
	tcase_add_test(tc, test_join_moves_no_pinned_flow);
	tcase_add_test(tc, test_leave_moves_only_the_leavers_flows);
	tcase_add_test(tc, test_idle_flows_age_out_in_bounded_sweeps);
	tcase_add_test(tc, test_timeout_zero_never_ages);
	tcase_add_test(tc, test_hint_cache_never_mixes_flows);
	tcase_add_test(tc, test_full_table_falls_back_to_hrw);
	tcase_add_test(tc, test_load_policy_picks_least_loaded_then_sticks);
	tcase_add_test(tc, test_load_policy_spreads_new_flows_by_queue_load);
	tcase_add_test(tc, test_first_scale_out_moves_no_flow);
	tcase_add_test(tc, test_no_entry_without_flow_or_instance);
	tcase_add_test(tc, test_hash_policy_is_stateless);
	tcase_add_test(tc, test_policy_hash_unpins_in_sweeps);
	tcase_add_test(tc, test_hash_idle_entries_count_as_unpinned);
	tcase_add_test(tc, test_policy_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	/* One EAL per process: run the tests in it, not in forks. */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(hd);
	/* EAL leaves its (empty) runtime directory behind. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
