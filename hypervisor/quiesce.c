/* SPDX-License-Identifier: BSD-3-Clause */
/* quiesce.c - unmaps wait for the worker to leave its bursts (quiesce.h). */
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "quiesce.h"

#define RTE_LOGTYPE_NFV_QUIESCE RTE_LOGTYPE_USER1

/* How long an unmap waits for the worker before it goes ahead. */
#define QUIESCE_WAIT_MS 1000

struct rte_rcu_qsbr *nfv_quiesce_qsbr;

/* One reader: a few cache lines (nfv_quiesce_init() checks), for the
 * life of the process. */
static uint8_t qsbr_mem[8 * RTE_CACHE_LINE_SIZE] __rte_cache_aligned;

static __thread int is_worker;
static int (*next_munmap)(void *, size_t);
static uint64_t n_waited, n_timed_out;

int
nfv_quiesce_init(void)
{
	struct rte_rcu_qsbr *v = (struct rte_rcu_qsbr *)qsbr_mem;
	size_t sz = rte_rcu_qsbr_get_memsize(1);	/* 1: an error */

	if (sz <= 1 || sz > sizeof(qsbr_mem) || rte_rcu_qsbr_init(v, 1) != 0 ||
	    rte_rcu_qsbr_thread_register(v, 0) != 0) {
		fprintf(stderr, "nfvisord: cannot set up the worker's quiescent-state variable (%zu bytes): %s\n",
			sz, rte_strerror(rte_errno));
		return -1;
	}
	__atomic_store_n(&nfv_quiesce_qsbr, v, __ATOMIC_RELEASE);
	return 0;
}

void
nfv_quiesce_worker_online(void)
{
	is_worker = 1;
	rte_rcu_qsbr_thread_online(nfv_quiesce_qsbr, 0);
}

void
nfv_quiesce_worker_offline(void)
{
	rte_rcu_qsbr_thread_offline(nfv_quiesce_qsbr, 0);
}

void
nfv_quiesce_counts(uint64_t *waited, uint64_t *timed_out)
{
	*waited = __atomic_load_n(&n_waited, __ATOMIC_RELAXED);
	*timed_out = __atomic_load_n(&n_timed_out, __ATOMIC_RELAXED);
}

/* Until the worker, online, passes a quiescent point (at most
 * QUIESCE_WAIT_MS). */
static void
wait_for_worker(struct rte_rcu_qsbr *v)
{
	uint64_t token = rte_rcu_qsbr_start(v);
	uint64_t end;

	if (rte_rcu_qsbr_check(v, token, false))
		return;		/* offline, or between two rounds right now */
	__atomic_fetch_add(&n_waited, 1, __ATOMIC_RELAXED);
	end = rte_get_timer_cycles() + rte_get_timer_hz() / 1000u * QUIESCE_WAIT_MS;
	while (!rte_rcu_qsbr_check(v, token, false)) {
		if (rte_get_timer_cycles() > end) {
			__atomic_fetch_add(&n_timed_out, 1, __ATOMIC_RELAXED);
			RTE_LOG(WARNING, NFV_QUIESCE, "a driver unmaps memory, and the worker has not finished its round in %u ms: unmapping anyway\n",
				QUIESCE_WAIT_MS);
			return;
		}
		sched_yield();	/* the worker may share this CPU */
	}
}

/*
 * Every munmap() of a shared library (a DPDK driver's among them) and of
 * nfvisord comes here; the C library's own unmaps (malloc, thread stacks)
 * use its internal entry and do not.
 */
int
munmap(void *addr, size_t len)
{
	struct rte_rcu_qsbr *v = __atomic_load_n(&nfv_quiesce_qsbr, __ATOMIC_ACQUIRE);
	int (*next)(void *, size_t) = __atomic_load_n(&next_munmap, __ATOMIC_RELAXED);

	if (v != NULL && !is_worker)
		wait_for_worker(v);
	if (next == NULL) {
		/* The C library's, or a sanitizer's in front of it. */
		next = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
		if (next == NULL)
			return (int)syscall(SYS_munmap, addr, len);
		__atomic_store_n(&next_munmap, next, __ATOMIC_RELAXED);
	}
	return next(addr, len);
}
