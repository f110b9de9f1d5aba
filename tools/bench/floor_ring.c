/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * floor_ring.c - nfv-bench-floor, the cost floor of nfvisor's design.
 *
 * Two DPDK processes and nothing else: the primary receives bursts from
 * its first port (net_null in the bench), passes the mbuf pointers to the
 * secondary over an SPSC rte_ring, the secondary hands them back unchanged
 * on a second SPSC ring, and the primary transmits them.  No validation,
 * no isolation, no NetLib: what an NF hop through a switch costs at the
 * least, so nfvisor's overhead can be measured against it.
 *
 *	nfv-bench-floor EAL... -- [--warmup S] [--duration S]     (primary)
 *	nfv-bench-floor EAL... --proc-type=secondary              (secondary)
 *
 * The primary prints "ready" once its rings exist (start the secondary
 * then), waits for the secondary, prints "forwarding", forwards for
 * --warmup seconds, counts transmitted packets for --duration seconds,
 * prints one JSON line
 * {"mpps":..., "pkts":..., "seconds":...} and tells the secondary to stop.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "bench_args.h"
#include "eal_run.h"

#define PROG "nfv-bench-floor"
/* The bursts nfvisord's worker and NetLib use: a like-for-like floor. */
#define BURST 64u		/* primary, as nfvisord's NFV_BURST */
#define SEC_BURST 32u		/* secondary, as NETLIB_BURST */
#define RING_SIZE 1024u
#define NB_MBUFS 8191u
#define NB_DESC 1024u
#define RING_DOWN "nfvb_floor_down"	/* primary -> secondary */
#define RING_UP "nfvb_floor_up"		/* secondary -> primary */
#define CTL_ZONE "nfvb_floor_ctl"

/* Shared between the two processes (in the memzone). */
struct floor_ctl {
	volatile uint32_t sec_ready;	/* set by the secondary */
	volatile uint32_t stop;		/* set by the primary */
	volatile uint32_t sec_done;	/* set by the secondary on its way out */
};

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
port_setup(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t nrx = NB_DESC, ntx = NB_DESC;

	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, nrx, rte_eth_dev_socket_id(port), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, ntx, rte_eth_dev_socket_id(port), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return -1;
	return 0;
}

/* Forward until @until (TSC); returns packets transmitted. */
static uint64_t
primary_loop(uint16_t port, struct rte_ring *down, struct rte_ring *up, uint64_t until)
{
	struct rte_mbuf *pkts[BURST];
	uint64_t sent = 0;
	unsigned int n, room, k;
	uint16_t tx;

	while (!quit && rte_rdtsc() < until) {
		/* Backpressure like nfvisor's: receive only what the ring takes. */
		room = rte_ring_free_count(down);
		if (room > 0) {
			n = rte_eth_rx_burst(port, 0, pkts, room < BURST ? room : BURST);
			if (n) {
				k = rte_ring_sp_enqueue_burst(down, (void **)pkts, n, NULL);
				if (k < n)
					rte_pktmbuf_free_bulk(pkts + k, n - k);
			}
		}
		n = rte_ring_sc_dequeue_burst(up, (void **)pkts, BURST, NULL);
		if (n) {
			tx = rte_eth_tx_burst(port, 0, pkts, (uint16_t)n);
			if (tx < n)
				rte_pktmbuf_free_bulk(pkts + tx, n - tx);
			sent += tx;
		}
	}
	return sent;
}

static int
run_primary(double warmup, double duration)
{
	struct rte_mempool *mp;
	struct rte_ring *down, *up;
	const struct rte_memzone *mz;
	struct floor_ctl *ctl;
	uint64_t hz = rte_get_tsc_hz(), t0, t1, pkts;
	unsigned int waited = 0;

	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, PROG ": no port: give one, e.g. --vdev net_null0,size=64,copy=0\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("nfvb_floor_pool", NB_MBUFS, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	down = rte_ring_create(RING_DOWN, RING_SIZE, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	up = rte_ring_create(RING_UP, RING_SIZE, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	mz = rte_memzone_reserve(CTL_ZONE, sizeof(*ctl), rte_socket_id(), 0);
	if (!mp || !down || !up || !mz) {
		fprintf(stderr, PROG ": cannot create the pool, rings or memzone: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	ctl = mz->addr;
	memset(ctl, 0, sizeof(*ctl));
	if (port_setup(0, mp) < 0) {
		fprintf(stderr, PROG ": cannot set up port 0\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!ctl->sec_ready) {
		if (quit)
			return 1;
		if (waited++ > 30000) {
			fprintf(stderr, PROG ": no secondary came within 30 s\n");
			return 1;
		}
		usleep(1000);
	}
	printf("forwarding\n");
	fflush(stdout);
	primary_loop(0, down, up, rte_rdtsc() + (uint64_t)(warmup * (double)hz));
	t0 = rte_rdtsc();
	pkts = primary_loop(0, down, up, t0 + (uint64_t)(duration * (double)hz));
	t1 = rte_rdtsc();
	ctl->stop = 1;
	for (waited = 0; !ctl->sec_done && waited < 2000; waited++)
		usleep(1000);
	if (quit)
		return 1;
	printf("{\"mpps\": %.4f, \"pkts\": %" PRIu64 ", \"seconds\": %.4f}\n",
	       (double)pkts * (double)hz / (double)(t1 - t0) / 1e6, pkts,
	       (double)(t1 - t0) / (double)hz);
	fflush(stdout);
	rte_eth_dev_stop(0);
	return 0;
}

static int
run_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(CTL_ZONE);
	struct rte_ring *down = rte_ring_lookup(RING_DOWN);
	struct rte_ring *up = rte_ring_lookup(RING_UP);
	struct floor_ctl *ctl;
	void *pkts[SEC_BURST];
	unsigned int n, k;

	if (!mz || !down || !up) {
		fprintf(stderr, PROG ": the primary's rings are not there (start the primary first)\n");
		return 1;
	}
	ctl = mz->addr;
	ctl->sec_ready = 1;
	while (!quit && !ctl->stop) {
		n = rte_ring_sc_dequeue_burst(down, pkts, SEC_BURST, NULL);
		/* Hand every pointer back; the up ring can hold them all. */
		for (k = 0; k < n && !ctl->stop;)
			k += rte_ring_sp_enqueue_burst(up, pkts + k, n - k, NULL);
	}
	ctl->sec_done = 1;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " EAL-OPTIONS -- [--warmup S] [--duration S]\n"
		"       " PROG " EAL-OPTIONS --proc-type=secondary\n"
		"The cost-floor reference of nfv-bench(1): the primary receives from its\n"
		"first port, passes mbuf pointers to the secondary over an SPSC rte_ring,\n"
		"gets them back on a second one and transmits; prints Mpps as JSON.\n"
		"  --warmup S    seconds to forward before counting (default 1)\n"
		"  --duration S  seconds to count (default 3)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double warmup = 1, duration = 3;
	int ret, o;

	/* The primary's hugepage files and runtime directory go at exit. */
	ret = nfv_eal_init_shared(argc, argv);
	if (ret < 0) {
		fprintf(stderr, PROG ": EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'w':
			if (bench_parse_num(optarg, 0, 3600, &warmup) < 0) {
				fprintf(stderr, PROG ": --warmup: expected seconds\n");
				return 2;
			}
			break;
		case 'd':
			if (bench_parse_num(optarg, 0, 3600, &duration) < 0 || duration == 0) {
				fprintf(stderr, PROG ": --duration: expected seconds > 0\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_eal_process_type() == RTE_PROC_PRIMARY)
		ret = run_primary(warmup, duration);
	else
		ret = run_secondary();
	rte_eal_cleanup();
	return ret;
}
