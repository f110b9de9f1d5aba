/* SPDX-License-Identifier: BSD-3-Clause */
/* quiesce.c - unmaps wait for the worker to leave its bursts (quiesce.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "memif_send.h"
#include "quiesce.h"

#define RTE_LOGTYPE_NFV_QUIESCE RTE_LOGTYPE_USER1

/* A wait that long is reported, once a second. */
#define QUIESCE_WARN_MS 1000

struct rte_rcu_qsbr *nfv_quiesce_qsbr;

/* One reader: a few cache lines (nfv_quiesce_init() checks), for the
 * life of the process. */
static uint8_t qsbr_mem[8 * RTE_CACHE_LINE_SIZE] __rte_cache_aligned;

static __thread int is_worker;
static int (*next_munmap)(void *, size_t);
static int (*next_close)(int);
static uint64_t n_waited, n_slow;

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
nfv_quiesce_counts(uint64_t *waited, uint64_t *slow)
{
	*waited = __atomic_load_n(&n_waited, __ATOMIC_RELAXED);
	*slow = __atomic_load_n(&n_slow, __ATOMIC_RELAXED);
}

/*
 * If the caller at @ret (a return address) is the memif driver and the
 * worker is online: until the worker passes a quiescent point.  No time
 * limit: to unmap or close under a burst is what must not happen, and the
 * worker never waits for the threads that get here (the interrupt
 * thread, nfv-reconnect).  A long wait says so, once a second.
 */
static void
wait_for_worker(const void *ret, const char *what)
{
	struct rte_rcu_qsbr *v = __atomic_load_n(&nfv_quiesce_qsbr, __ATOMIC_ACQUIRE);
	uint64_t token, next_warn, hz;
	unsigned int secs = 0;

	if (v == NULL || is_worker || !nfv_caller_is_memif(ret))
		return;
	token = rte_rcu_qsbr_start(v);
	if (rte_rcu_qsbr_check(v, token, false))
		return;		/* offline, or between two rounds right now */
	__atomic_fetch_add(&n_waited, 1, __ATOMIC_RELAXED);
	hz = rte_get_timer_hz();
	next_warn = rte_get_timer_cycles() + hz / 1000u * QUIESCE_WARN_MS;
	while (!rte_rcu_qsbr_check(v, token, false)) {
		if (rte_get_timer_cycles() > next_warn) {
			if (secs++ == 0)
				__atomic_fetch_add(&n_slow, 1, __ATOMIC_RELAXED);
			RTE_LOG(WARNING, NFV_QUIESCE, "the memif driver would %s memory the worker may use, and the worker has not ended its round for %u s: still waiting\n",
				what, secs);
			next_warn = rte_get_timer_cycles() + hz / 1000u * QUIESCE_WARN_MS;
		}
		sched_yield();	/* the worker may share this CPU */
	}
}

/*
 * Every munmap() and close() of a shared library (a DPDK driver's among
 * them) and of nfvisord comes here; the C library's own (malloc, thread
 * stacks, stdio) use its internal entries and do not.  The memif driver
 * closes a port's interrupt eventfds, then unmaps its regions: a burst
 * under way could still write an eventfd number reused meanwhile.
 */
int
munmap(void *addr, size_t len)
{
	int (*next)(void *, size_t);

	wait_for_worker(__builtin_return_address(0), "unmap");
	next = (int (*)(void *, size_t))nfv_next_libc_fn((void **)&next_munmap, "munmap");
	return next ? next(addr, len) : (int)syscall(SYS_munmap, addr, len);
}

int
close(int fd)
{
	int (*next)(int);

	wait_for_worker(__builtin_return_address(0), "close an eventfd of");
	next = (int (*)(int))nfv_next_libc_fn((void **)&next_close, "close");
	return next ? next(fd) : (int)syscall(SYS_close, fd);
}
