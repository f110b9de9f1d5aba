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
 *
 * With --desc (nfv-bench's floor-desc) the rings carry what nfvisor's
 * isolation protocol does, at its leanest, so that the cost of the
 * protocol itself is measured apart from the rest of nfvisord's worker:
 * the pool's buffers lie in one memzone at a power-of-two stride, each
 * named by its index, as in a trust domain's region (the mbufs marked
 * direct as nfvisord marks them); for every packet the primary copies the
 * first 64 bytes of its frame privately and hashes its IPv4 addresses,
 * marks the buffer lent in a table of owners and passes a 16-byte
 * descriptor (index, data offset and length, flow hash); a descriptor
 * that comes back is checked (index in range, buffer lent, offset and
 * length inside the buffer), the buffer taken back and its mbuf given the
 * checked lengths before it is transmitted.  The secondary hands the
 * descriptors back unread.  No chains, metadata, windows or counters.
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
#include <rte_hash_crc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

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
#define BUF_ZONE "nfvb_floor_bufs"
/* --desc: buffers as in a trust domain's region (nfvisord's defaults). */
#define DESC_STRIDE_SHIFT 11u		/* 2048-byte buffers, headroom included */
#define DESC_NBUFS 8192u
#define HDR_COPY 64u			/* nfvisord's private header copy */

/* Shared between the two processes (in the memzone). */
struct floor_ctl {
	volatile uint32_t sec_ready;	/* set by the secondary */
	volatile uint32_t stop;		/* set by the primary */
	volatile uint32_t sec_done;	/* set by the secondary on its way out */
	uint32_t esize;			/* ring entry: a pointer, or a descriptor */
};

/* --desc: what a ring entry says of a packet, as nfvisor's descriptor. */
struct floor_desc {
	uint32_t buf;			/* buffer index */
	uint16_t data_off, data_len;
	uint8_t action, flags;
	uint16_t dest;
	uint32_t flow_hash;
};

/* --desc: the primary's private view of its buffers. */
struct floor_bufs {
	uint8_t *base;			/* first buffer */
	uint32_t nbufs;
	struct rte_mbuf **mbuf;		/* by index */
	uint8_t *lent;			/* by index: 1 while the secondary has it */
	uint64_t rejected;		/* descriptors that failed the checks */
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

static void
mark_direct(struct rte_mempool *mp, void *arg, void *obj, unsigned int i)
{
	struct floor_bufs *fb = arg;
	struct rte_mbuf *m = obj;
	uint64_t off = (uint64_t)((uint8_t *)m->buf_addr - fb->base);

	RTE_SET_USED(mp);
	RTE_SET_USED(i);
	if ((off >> DESC_STRIDE_SHIFT) < fb->nbufs)
		fb->mbuf[off >> DESC_STRIDE_SHIFT] = m;
	m->ol_flags &= ~RTE_MBUF_F_EXTERNAL;	/* as trust-domains/pool.c does */
}

/* --desc: a pool whose buffers lie in one memzone, by index. */
static struct rte_mempool *
desc_pool(struct floor_bufs *fb)
{
	const struct rte_memzone *mz;
	struct rte_pktmbuf_extmem *ext;
	struct rte_mempool *mp;
	uint64_t page, len = (uint64_t)DESC_NBUFS << DESC_STRIDE_SHIFT;
	unsigned int i, npages;

	mz = rte_memzone_reserve_aligned(BUF_ZONE, len, rte_socket_id(), 0, RTE_PGSIZE_2M);
	if (!mz)
		return NULL;
	page = mz->hugepage_sz ? RTE_MIN(mz->hugepage_sz, len) : len;
	npages = (unsigned int)(len / page);
	ext = calloc(npages, sizeof(*ext));
	fb->base = mz->addr;
	fb->nbufs = DESC_NBUFS;
	fb->mbuf = calloc(DESC_NBUFS, sizeof(*fb->mbuf));
	fb->lent = calloc(DESC_NBUFS, 1);
	if (!ext || !fb->mbuf || !fb->lent) {
		free(ext);
		return NULL;
	}
	/* Per-page chunks: a buffer never straddles two pages. */
	for (i = 0; i < npages; i++) {
		ext[i].buf_ptr = (uint8_t *)mz->addr + (uint64_t)i * page;
		ext[i].buf_iova = rte_mem_virt2iova(ext[i].buf_ptr);
		ext[i].buf_len = page;
		ext[i].elt_size = 1u << DESC_STRIDE_SHIFT;
	}
	mp = rte_pktmbuf_pool_create_extbuf("nfvb_floor_pool", DESC_NBUFS - 1, 256, 0,
					    1u << DESC_STRIDE_SHIFT, rte_socket_id(), ext, npages);
	free(ext);
	if (mp)
		rte_mempool_obj_iter(mp, mark_direct, fb);
	return mp;
}

/* --desc: nfvisord's flow hash of a frame, from a private copy of its
 * first bytes: the IPv4 addresses and ports' CRC, 0 if not IPv4. */
static inline uint32_t
header_hash(const struct rte_mbuf *m)
{
	uint8_t h[HDR_COPY];
	uint64_t k[2] = { 0 };	/* the CRC loads words: aligned */

	memcpy(h, rte_pktmbuf_mtod(m, const uint8_t *), HDR_COPY);
	if (h[12] != 0x08 || h[13] != 0x00)
		return 0;
	memcpy(k, h + 26, 12);
	return rte_hash_crc(k, 12, 0);
}

/* --desc: @n packets lent as descriptors into @down; returns how many. */
static unsigned int
lend(struct floor_bufs *fb, struct rte_ring *down, struct rte_mbuf **pkts, unsigned int n)
{
	struct floor_desc d[BURST];
	unsigned int i, k;

	for (i = 0; i < n; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		uint32_t buf = (uint32_t)(((uint8_t *)pkts[i]->buf_addr - fb->base) >>
					  DESC_STRIDE_SHIFT);

		fb->lent[buf] = 1;
		d[i].buf = buf;
		d[i].data_off = pkts[i]->data_off;
		d[i].data_len = pkts[i]->data_len;
		d[i].action = 0;
		d[i].flags = 0;
		d[i].dest = 0;
		d[i].flow_hash = header_hash(pkts[i]);
	}
	k = rte_ring_sp_enqueue_burst_elem(down, d, sizeof(d[0]), n, NULL);
	for (i = k; i < n; i++)
		fb->lent[d[i].buf] = 0;
	return k;
}

/* --desc: take back up to BURST descriptors from @up, checked, as mbufs in
 * @pkts; returns how many. */
static unsigned int
take_back(struct floor_bufs *fb, struct rte_ring *up, struct rte_mbuf **pkts)
{
	struct floor_desc d[BURST];
	unsigned int i, n, m = 0;

	n = rte_ring_sc_dequeue_burst_elem(up, d, sizeof(d[0]), BURST, NULL);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *mb;

		if (d[i].buf >= fb->nbufs || !fb->lent[d[i].buf] ||
		    (uint32_t)d[i].data_off + d[i].data_len > (1u << DESC_STRIDE_SHIFT) ||
		    d[i].data_len < 14) {
			fb->rejected++;
			continue;
		}
		fb->lent[d[i].buf] = 0;
		mb = fb->mbuf[d[i].buf];
		mb->data_off = d[i].data_off;
		mb->data_len = d[i].data_len;
		mb->pkt_len = d[i].data_len;
		pkts[m++] = mb;
	}
	return m;
}

/* Forward until @until (TSC); returns packets transmitted.  @fb: --desc. */
static uint64_t
primary_loop(uint16_t port, struct rte_ring *down, struct rte_ring *up, uint64_t until,
	     struct floor_bufs *fb)
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
				k = fb ? lend(fb, down, pkts, n) :
					 rte_ring_sp_enqueue_burst(down, (void **)pkts, n, NULL);
				if (k < n)
					rte_pktmbuf_free_bulk(pkts + k, n - k);
			}
		}
		n = fb ? take_back(fb, up, pkts) :
			 rte_ring_sc_dequeue_burst(up, (void **)pkts, BURST, NULL);
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
primary(double warmup, double duration, struct floor_bufs *fb)
{
	int desc = fb != NULL;
	unsigned int esize = desc ? sizeof(struct floor_desc) : sizeof(void *);
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
	mp = desc ? desc_pool(fb) :
		    rte_pktmbuf_pool_create("nfvb_floor_pool", NB_MBUFS, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	down = rte_ring_create_elem(RING_DOWN, esize, RING_SIZE, rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
	up = rte_ring_create_elem(RING_UP, esize, RING_SIZE, rte_socket_id(),
				  RING_F_SP_ENQ | RING_F_SC_DEQ);
	mz = rte_memzone_reserve(CTL_ZONE, sizeof(*ctl), rte_socket_id(), 0);
	if (!mp || !down || !up || !mz) {
		fprintf(stderr, PROG ": cannot create the pool, rings or memzone: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	ctl = mz->addr;
	memset(ctl, 0, sizeof(*ctl));
	ctl->esize = esize;
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
	primary_loop(0, down, up, rte_rdtsc() + (uint64_t)(warmup * (double)hz), fb);
	t0 = rte_rdtsc();
	pkts = primary_loop(0, down, up, t0 + (uint64_t)(duration * (double)hz), fb);
	t1 = rte_rdtsc();
	ctl->stop = 1;
	for (waited = 0; !ctl->sec_done && waited < 2000; waited++)
		usleep(1000);
	if (quit)
		return 1;
	printf("{\"mpps\": %.4f, \"pkts\": %" PRIu64 ", \"seconds\": %.4f, \"rejected\": %" PRIu64 "}\n",
	       (double)pkts * (double)hz / (double)(t1 - t0) / 1e6, pkts,
	       (double)(t1 - t0) / (double)hz, fb ? fb->rejected : 0);
	fflush(stdout);
	rte_eth_dev_stop(0);
	return 0;
}

static int
run_primary(double warmup, double duration, int desc)
{
	struct floor_bufs bufs = { 0 };
	int ret = primary(warmup, duration, desc ? &bufs : NULL);

	free(bufs.mbuf);
	free(bufs.lent);
	return ret;
}

static int
run_secondary(void)
{
	const struct rte_memzone *mz = rte_memzone_lookup(CTL_ZONE);
	struct rte_ring *down = rte_ring_lookup(RING_DOWN);
	struct rte_ring *up = rte_ring_lookup(RING_UP);
	struct floor_ctl *ctl;
	struct floor_desc ents[SEC_BURST];	/* pointers or descriptors */
	unsigned int n, k, esize;

	if (!mz || !down || !up) {
		fprintf(stderr, PROG ": the primary's rings are not there (start the primary first)\n");
		return 1;
	}
	ctl = mz->addr;
	esize = ctl->esize;
	ctl->sec_ready = 1;
	while (!quit && !ctl->stop) {
		n = rte_ring_sc_dequeue_burst_elem(down, ents, esize, SEC_BURST, NULL);
		/* Hand every entry back; the up ring can hold them all. */
		for (k = 0; k < n && !ctl->stop;)
			k += rte_ring_sp_enqueue_burst_elem(up, (uint8_t *)ents + k * esize, esize,
							     n - k, NULL);
	}
	ctl->sec_done = 1;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " EAL-OPTIONS -- [--desc] [--warmup S] [--duration S]\n"
		"       " PROG " EAL-OPTIONS --proc-type=secondary\n"
		"The cost-floor reference of nfv-bench(1): the primary receives from its\n"
		"first port, passes mbuf pointers to the secondary over an SPSC rte_ring,\n"
		"gets them back on a second one and transmits; prints Mpps as JSON.\n"
		"  --desc        pass what nfvisor's isolation protocol does instead: buffer\n"
		"                indexes in 16-byte descriptors, with a private header copy\n"
		"                and flow hash, a table of lent buffers, and every returned\n"
		"                descriptor checked (nfv-bench's floor-desc)\n"
		"  --warmup S    seconds to forward before counting (default 1)\n"
		"  --duration S  seconds to count (default 3)\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "desc", no_argument, NULL, 'D' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double warmup = 1, duration = 3;
	int ret, o, desc = 0;

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
		case 'D':
			desc = 1;
			break;
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
		ret = run_primary(warmup, duration, desc);
	else
		ret = run_secondary();
	rte_eal_cleanup();
	return ret;
}
