/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * quiesce.h - no mapping goes away under the worker's feet.
 *
 * DPDK 22.11's net_memif unmaps a port's rings and buffers on its EAL
 * interrupt thread as soon as the port's peer leaves (memif_disconnect():
 * it clears the port's "connected" flag, then munmap()s region by region),
 * while the worker may be inside an RX or TX burst on that port: the
 * burst then faults.  The flag is cleared first, so a burst that starts
 * afterwards returns at once; only a burst already running is in danger.
 *
 * nfvisord therefore defines munmap(): a shared library's call to it
 * (through its PLT) comes here.  Called from any thread but the worker's
 * while the worker is online, it first waits until the worker has passed
 * a quiescent point (DPDK's QSBR RCU, rte_rcu_qsbr.h): the top of a round,
 * or a sleep.  Every burst running when the call came has then ended.  The
 * wait is bounded (1 s, then it unmaps anyway and says so): a worker that
 * stops reporting must not hang the thread that unmaps.
 */
#ifndef NFV_QUIESCE_H
#define NFV_QUIESCE_H

#include <rte_rcu_qsbr.h>

extern struct rte_rcu_qsbr *nfv_quiesce_qsbr;

/** After rte_eal_init(): -1 (and a message) if it cannot be set up. */
int nfv_quiesce_init(void);

/** The calling thread becomes the worker, online: unmaps wait for it. */
void nfv_quiesce_worker_online(void);
/** The worker will touch no port until its next online (a sleep, the end). */
void nfv_quiesce_worker_offline(void);

/** The worker, between rounds: no burst of it is running. */
static inline void
nfv_quiesce_point(void)
{
	rte_rcu_qsbr_quiescent(nfv_quiesce_qsbr, 0);
}

/** How many unmaps waited for the worker, and how many gave up waiting. */
void nfv_quiesce_counts(uint64_t *waited, uint64_t *timed_out);

#endif /* NFV_QUIESCE_H */
