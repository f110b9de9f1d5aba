/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * window.c - each trust domain's admission window, from where its NFs run.
 *
 * NFs that share a CPU hand it to each other once they have taken what
 * waits for them, so each takes about one turn a window of packets, and a
 * turn costs a context switch with its cache and TLB refills (microseconds
 * on a VM): the larger the window, the fewer switches a packet.  NFs that
 * each have a CPU of their own pay no switches; there the worker bounds the
 * chain and keeps the whole window in flight, and a larger one only cycles
 * more buffers through its caches.  So a domain's window grows with the
 * number of NFs that share a CPU with one of its NFs, up to its ring size
 * (--ring-size).  See docs/DESIGN.md, "Data path cost".
 *
 * An NF may also share the worker's CPU (pinned there, or on a machine of
 * one CPU).  The worker polls without pause, so such an NF would run only
 * when the scheduler takes the CPU from it, a window of packets each time
 * slice (milliseconds).  There the worker counts as one more task on that
 * CPU, and it gives the CPU up after a round that found no work and
 * after a busy turn (switch.c, share_cpu()), as NetLib does: the two then
 * take turns of up to a window each.
 */
#include <rte_common.h>
#include <rte_log.h>

#include "daemon.h"

#define RTE_LOGTYPE_NFV_WINDOW RTE_LOGTYPE_USER1

/* Highest CPU number told apart; an NF pinned above counts as unpinned. */
#define WINDOW_MAX_CPU 1024

/* The CPU a running NF is pinned to, or -1 (several, unknown, or a VM). */
static int
pinned_cpu(const struct nfv_nf *nf)
{
	if (nf->kind != NF_KIND_PROCESS || nf->place.cpu < 0 || nf->place.cpu >= WINDOW_MAX_CPU)
		return -1;
	return nf->place.cpu;
}

/* Whether an NF on @cpu (pinned_cpu()) shares the worker's CPU. */
static int
on_worker_cpu(const struct nfv_daemon *d, int cpu)
{
	return d->cpus_online == 1 || (cpu >= 0 && cpu == d->worker_cpu);
}

/*
 * Ask NetLib for a longer busy turn where other NFs share the NF's CPU:
 * each NF of a chain there takes what waits for it (up to the window) in
 * one turn, and NetLib's own 20 us cut that in parts, each a context
 * switch.  Where an NF has its CPU to itself, or shares it with a traffic
 * source rather than NFs, NetLib keeps its own turn, which bounds what the
 * other task waits.  The slot's host line is writable by the domain's NFs:
 * NetLib bounds what it reads there, and nf list shows our own copy.
 */
static void
set_turn(struct nfv_nf *nf, uint16_t us)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);

	__atomic_store_n(&nf->turn_us, us, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->turn_us, us, __ATOMIC_RELAXED);
}

/*
 * How many NFs share an NF's CPU: the running NFs pinned to the one it is
 * pinned to, or, not pinned, the running NFs for each CPU the worker leaves
 * them (rounded up), and the worker itself where an NF shares its CPU
 * (on_worker_cpu(), which also sets nfs_on_worker_cpu for share_cpu()).
 * A domain's window is NFV_WINDOW_ALONE for each task on the most shared
 * CPU of its NFs, up to the ring size: each NF's turn then handles about
 * as many packets however many take turns.  Worker only, when NFs came
 * or went (relink).
 */
void
nfv_window_update(struct nfv_daemon *d)
{
	uint16_t on_cpu[WINDOW_MAX_CPU] = { 0 };
	uint32_t i, s, nrunning = 0, on_worker = 0, was;

	for (i = 0; i < d->nwdom; i++)
		for (s = 0; s < d->wdom[i]->dom.region.layout.p.nslots; s++) {
			const struct nfv_nf *nf = &d->wdom[i]->nf[s];
			int cpu = pinned_cpu(nf);

			if (!nfv_nf_running(nf))
				continue;
			nrunning++;
			if (cpu >= 0)
				on_cpu[cpu]++;
			on_worker += (uint32_t)on_worker_cpu(d, cpu);
		}
	was = __atomic_load_n(&d->nfs_on_worker_cpu, __ATOMIC_RELAXED);
	if (on_worker != was) {
		if (on_worker)
			RTE_LOG(INFO, NFV_WINDOW, "%u NF%s share%s the worker's CPU: it gives the CPU up after each round that finds no work and after each %u us busy turn (pin NFs to other CPUs to avoid the switches)\n",
				on_worker, on_worker > 1 ? "s" : "", on_worker > 1 ? "" : "s",
				NFV_TURN_SHARED_US);
		else
			RTE_LOG(INFO, NFV_WINDOW, "no NF shares the worker's CPU any more: it polls without pause\n");
		__atomic_store_n(&d->nfs_on_worker_cpu, on_worker, __ATOMIC_RELAXED);
	}
	for (i = 0; i < d->nwdom; i++) {
		struct nfv_hdomain *hd = d->wdom[i];
		uint32_t window, share = 1, nfs = 1;
		int worker = 0;

		for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
			struct nfv_nf *nf = &hd->nf[s];
			int cpu = pinned_cpu(nf), w;
			uint32_t n;

			if (!nfv_nf_running(nf))
				continue;
			n = cpu >= 0 ? on_cpu[cpu] : (nrunning + d->nf_cpus - 1) / d->nf_cpus;
			/* The worker takes its turns there too. */
			w = on_worker_cpu(d, cpu);
			if (n + (uint32_t)w > share) {
				share = n + (uint32_t)w;
				nfs = n;
				worker = w;
			}
			set_turn(nf, n + (uint32_t)w > 1 ? NFV_TURN_SHARED_US : 0);
		}
		window = RTE_MIN(hd->dom.region.layout.p.ring_entries, NFV_WINDOW_ALONE * share);
		if (window != hd->window) {
			if (worker)
				RTE_LOG(INFO, NFV_WINDOW, "domain %s: up to %u packets in flight (%u NF%s share%s the worker's CPU)\n",
					hd->dom.name, window, nfs, nfs > 1 ? "s" : "", nfs > 1 ? "" : "s");
			else if (share > 1)
				RTE_LOG(INFO, NFV_WINDOW, "domain %s: up to %u packets in flight (%u NFs share a CPU)\n",
					hd->dom.name, window, share);
			else
				RTE_LOG(INFO, NFV_WINDOW, "domain %s: up to %u packets in flight (its NFs each have a CPU)\n",
					hd->dom.name, window);
		}
		__atomic_store_n(&hd->window, window, __ATOMIC_RELAXED);
	}
}
