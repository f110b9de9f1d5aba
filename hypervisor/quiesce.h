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
 * nfvisord therefore defines munmap() and close(): a shared library's
 * call to them (through its PLT) comes here.  Called by the memif driver
 * (the caller's return address lies in librte_net_memif) on any thread
 * but the worker's while the worker is online, they first wait until the
 * worker has passed a quiescent point (DPDK's QSBR RCU, rte_rcu_qsbr.h):
 * the top of a round, or a sleep.  Every burst running when the call came
 * has then ended.  close() too: the driver closes a port's interrupt
 * eventfds before it unmaps, and a burst under way may write one.  The
 * wait has no time limit (the worker never waits for those threads); one
 * that lasts a second is logged, once a second.
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

/** How many of the memif driver's unmaps and closes waited for the worker,
 * and how many of those waited a second or more. */
void nfv_quiesce_counts(uint64_t *waited, uint64_t *slow);

#endif /* NFV_QUIESCE_H */
