/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * gen.c - nfv-bench-gen, the paced, timestamping traffic source of
 * nfv-bench(1)'s latency and CPU measurements.
 *
 * One DPDK process, one port (a net_memif server in the bench, whose
 * client is the system under test).  It sends IPv4/UDP frames at a given
 * rate, each carrying the TSC of the moment it was handed to the port, a
 * magic and a phase number; it receives them back on the same port and
 * takes rte_rdtsc() - stamp as the packet's round-trip latency.  The
 * system under test only has to forward the payload unchanged.
 *
 *	nfv-bench-gen EAL... -- [--size N] [--link-timeout S]
 *
 * It brings the port up, prints "ready", then reads commands from stdin,
 * one a line:
 *
 *	run RATE WARMUP DURATION   send at RATE packets/s (0: as fast as the
 *	                           port takes them) for WARMUP + DURATION
 *	                           seconds; prints "measuring" when the
 *	                           counted part begins and one JSON line when
 *	                           it ends
 *	quit                       exit
 *
 * At a fixed rate it also counts the packets it sent LATE_US or more
 * behind their schedule (its CPU was away, or busy, so they went out in a
 * catch-up burst): the JSON's "sent_late".
 *
 * Latencies go into a histogram of 32 ns buckets up to 2 ms and 16 us
 * buckets up to 1 s; medians and 99th percentiles are bucket midpoints
 * (at most the largest sample).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "bench_args.h"
#include "eal_run.h"

#define PROG "nfv-bench-gen"
#define BURST 32u
#define NB_MBUFS 8191u
#define NB_DESC 1024u
#define STAMP_OFF 42u		/* after Ethernet, IPv4 and UDP headers */
#define MAGIC 0x4e465642u	/* "NFVB" */
#define MIN_SIZE 64u
#define MAX_SIZE 1518u
#define DRAIN_MS 100u
#define FINE_NS 32u		/* fine bucket width */
#define COARSE_NS 16384u	/* coarse bucket width */
#define NBUCKETS 65536u
/* The longest the generator keeps its CPU while it has work (see run()). */
#define TURN_US 5u
/* A packet sent this far behind its schedule is counted as late. */
#define LATE_US 30u

/* What the generator writes at STAMP_OFF. */
struct stamp {
	uint64_t tsc;		/* rte_rdtsc() when handed to the port */
	uint32_t magic;		/* MAGIC */
	uint32_t phase;		/* run number, x2, +1 while counted */
} __attribute__((packed));

struct hist {
	uint64_t fine[NBUCKETS];	/* [i]: i*FINE_NS .. (i+1)*FINE_NS */
	uint64_t coarse[NBUCKETS];	/* [i]: i*COARSE_NS ..; last: beyond */
	uint64_t n, min_ns, max_ns;
};

static volatile sig_atomic_t quit;
static struct hist hist;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static void
hist_add(struct hist *h, uint64_t ns)
{
	if (ns / FINE_NS < NBUCKETS)
		h->fine[ns / FINE_NS]++;
	else
		h->coarse[ns / COARSE_NS < NBUCKETS ? ns / COARSE_NS : NBUCKETS - 1]++;
	if (h->n == 0 || ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	h->n++;
}

/* The bucket midpoint below which a fraction @q of the samples lie. */
static double
bucket_quantile(const struct hist *h, double q)
{
	uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;
	unsigned int i;

	if (h->n == 0)
		return 0;
	if (want >= h->n)
		want = h->n - 1;
	for (i = 0; i < NBUCKETS; i++) {
		seen += h->fine[i];
		if (seen > want)
			return (i + 0.5) * FINE_NS;
	}
	for (i = 0; i < NBUCKETS; i++) {
		seen += h->coarse[i];
		if (seen > want)
			return i == NBUCKETS - 1 ? (double)h->max_ns : (i + 0.5) * COARSE_NS;
	}
	return (double)h->max_ns;
}

/* Same, never beyond the largest sample. */
static double
hist_quantile(const struct hist *h, double q)
{
	double v = bucket_quantile(h, q);

	return v > (double)h->max_ns ? (double)h->max_ns : v;
}

/* An IPv4/UDP frame of @size bytes; the stamp goes in later. */
static void
build_template(uint8_t *f, unsigned int size)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	static const struct rte_ether_addr dst = {{ 0x02, 0, 0, 0, 0, 0x02 }};
	static const struct rte_ether_addr src = {{ 0x02, 0, 0, 0, 0, 0x01 }};

	memset(f, 0, size);
	rte_ether_addr_copy(&dst, &eth->dst_addr);
	rte_ether_addr_copy(&src, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(size - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(5000);
	udp->dst_port = rte_cpu_to_be_16(6000);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(size - sizeof(*eth) - sizeof(*ip)));
}

struct gen {
	uint16_t port;
	unsigned int size;
	struct rte_mempool *mp;
	uint8_t frame[MAX_SIZE];
	uint32_t run;		/* runs so far */
};

struct counts {
	uint64_t sent, late, received, stale;
};

/* Receive one burst; count (and time) the packets of @phase.  Returns how
 * many packets came. */
static unsigned int
rx_one(struct gen *g, uint32_t phase, struct counts *c, uint64_t ns_per_ktsc)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n, i;
	uint64_t now;

	n = rte_eth_rx_burst(g->port, 0, pkts, BURST);
	if (n == 0)
		return 0;
	now = rte_rdtsc();
	for (i = 0; i < n; i++) {
		struct stamp st;

		if (rte_pktmbuf_data_len(pkts[i]) >= STAMP_OFF + sizeof(st)) {
			memcpy(&st, rte_pktmbuf_mtod_offset(pkts[i], void *, STAMP_OFF), sizeof(st));
			if (st.magic == MAGIC && st.phase == phase && now >= st.tsc) {
				hist_add(&hist, (now - st.tsc) * ns_per_ktsc / 1000);
				c->received++;
			} else {
				c->stale++;
			}
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return n;
}

/* Send up to @n stamped frames of @phase; returns how many the port took. */
static unsigned int
tx_some(struct gen *g, uint32_t phase, unsigned int n)
{
	struct rte_mbuf *pkts[BURST];
	struct stamp st = { 0, MAGIC, phase };
	unsigned int i;
	uint16_t sent;

	if (n > BURST)
		n = BURST;
	if (rte_pktmbuf_alloc_bulk(g->mp, pkts, n) < 0)
		return 0;
	st.tsc = rte_rdtsc();
	for (i = 0; i < n; i++) {
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(pkts[i], (uint16_t)g->size);

		memcpy(d, g->frame, g->size);
		memcpy(d + STAMP_OFF, &st, sizeof(st));
	}
	sent = rte_eth_tx_burst(g->port, 0, pkts, (uint16_t)n);
	if (sent < n)
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	return sent;
}

/* Send for warmup + duration at @rate pps (0: flat out), then drain. */
static void
run(struct gen *g, double rate, double warmup, double duration)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t ns_per_ktsc = 1000000000000ull / hz;
	uint64_t t_start, t_count, t_end, t_drain, now, offered = 0;
	uint64_t turn = hz / 1000000 * TURN_US, turn_end;
	uint64_t late_tsc = hz / 1000000 * LATE_US;
	uint32_t warm_phase = g->run * 2, phase = g->run * 2 + 1;
	struct counts warm = { 0 }, c = { 0 };
	double elapsed;
	unsigned int due;
	int announced = 0;

	g->run++;
	memset(&hist, 0, sizeof(hist));
	t_start = rte_rdtsc();
	t_count = t_start + (uint64_t)(warmup * (double)hz);
	t_end = t_count + (uint64_t)(duration * (double)hz);
	t_drain = t_end + hz / 1000 * DRAIN_MS;
	turn_end = t_start + turn;
	while (!quit && (now = rte_rdtsc()) < t_drain) {
		int counting = now >= t_count;

		due = 0;
		if (now < t_end) {
			if (counting && !announced) {
				printf("measuring\n");
				fflush(stdout);
				announced = 1;
			}
			if (rate > 0) {
				uint64_t want = (uint64_t)((double)(now - t_start) * rate / (double)hz);

				due = want > offered ? (unsigned int)(want - offered) : 0;
			} else {
				due = BURST;
			}
			if (due) {
				/* Only what the port takes counts as sent; at a
				 * fixed rate the schedule moves on regardless. */
				unsigned int k = tx_some(g, counting ? phase : warm_phase, due);
				/* Packet j of the burst was due at (offered + j) / rate. */
				uint64_t late = 0;

				if (rate > 0 && now - t_start > late_tsc) {
					uint64_t upto = (uint64_t)((double)(now - t_start - late_tsc) *
								   rate / (double)hz);

					late = upto > offered ? upto - offered : 0;
					late = late < k ? late : k;
				}
				offered += rate > 0 ? (due < BURST ? due : BURST) : k;
				if (counting) {
					c.sent += k;
					c.late += late;
				} else {
					warm.sent += k;
				}
			}
		}
		/*
		 * Hand the CPU to whoever shares it (on a 2-CPU machine, the
		 * NF under test) when there is nothing to send or receive, and
		 * also every TURN_US while there is: at a steady rate there
		 * nearly always is a packet due or back, and the scheduler
		 * would let us keep the CPU for a whole time slice (hundreds
		 * of microseconds) while the packets we sent wait for the NF.
		 * That wait is the generator's, not the system's under test.
		 * Alone on its CPU, the yield returns at once.
		 */
		if ((rx_one(g, phase, &c, ns_per_ktsc) == 0 && !due) || now >= turn_end) {
			sched_yield();
			turn_end = rte_rdtsc() + turn;
		}
	}
	elapsed = (double)(t_end - t_count) / (double)hz;
	printf("{\"rate_target_pps\": %.0f, \"tx_pps\": %.0f, \"rx_pps\": %.0f, "
	       "\"sent\": %" PRIu64 ", \"sent_late\": %" PRIu64 ", \"received\": %" PRIu64 ", "
	       "\"lat_ns\": {\"min\": %" PRIu64 ", \"median\": %.0f, \"p90\": %.0f, "
	       "\"p99\": %.0f, \"p999\": %.0f, "
	       "\"max\": %" PRIu64 "}}\n",
	       rate, (double)c.sent / elapsed, (double)c.received / elapsed,
	       c.sent, c.late, c.received, hist.n ? hist.min_ns : 0, hist_quantile(&hist, 0.5),
	       hist_quantile(&hist, 0.9), hist_quantile(&hist, 0.99), hist_quantile(&hist, 0.999),
	       hist.max_ns);
	fflush(stdout);
}

static int
port_setup(struct gen *g, double link_timeout)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_link link;
	uint16_t nrx = NB_DESC, ntx = NB_DESC;
	unsigned int waited;

	if (rte_eth_dev_configure(g->port, 1, 1, &conf) < 0 ||
	    rte_eth_dev_adjust_nb_rx_tx_desc(g->port, &nrx, &ntx) < 0 ||
	    rte_eth_rx_queue_setup(g->port, 0, nrx, rte_eth_dev_socket_id(g->port), NULL, g->mp) < 0 ||
	    rte_eth_tx_queue_setup(g->port, 0, ntx, rte_eth_dev_socket_id(g->port), NULL) < 0 ||
	    rte_eth_dev_start(g->port) < 0) {
		fprintf(stderr, PROG ": cannot set up port %u\n", g->port);
		return -1;
	}
	printf("ready\n");
	fflush(stdout);
	for (waited = 0; waited < link_timeout * 100; waited++) {
		if (quit)
			return -1;
		if (rte_eth_link_get_nowait(g->port, &link) == 0 && link.link_status)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, PROG ": port %u: no link within %.0f s (is its peer running?)\n",
		g->port, link_timeout);
	return -1;
}

static int
serve(struct gen *g)
{
	char line[128];
	double rate, warmup, duration;
	char extra;

	printf("linked\n");
	fflush(stdout);
	while (!quit && fgets(line, sizeof(line), stdin)) {
		if (strcmp(line, "quit\n") == 0 || strcmp(line, "quit") == 0)
			return 0;
		if (sscanf(line, "run %lf %lf %lf %c", &rate, &warmup, &duration, &extra) != 3 ||
		    rate < 0 || rate > 1e9 || warmup < 0 || warmup > 3600 ||
		    duration <= 0 || duration > 3600) {
			fprintf(stderr, PROG ": bad command '%.*s': expected 'run RATE WARMUP DURATION' or 'quit'\n",
				(int)strcspn(line, "\n"), line);
			return 1;
		}
		run(g, rate, warmup, duration);
	}
	return quit ? 1 : 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " EAL-OPTIONS -- [--size N] [--link-timeout S]\n"
		"The paced, timestamping source of nfv-bench(1): sends IPv4/UDP frames\n"
		"on port 0 and times them when they come back on it.  After \"ready\"\n"
		"and \"linked\", reads 'run RATE WARMUP DURATION' (RATE in packets/s,\n"
		"0: flat out) or 'quit' lines on stdin; prints one JSON line per run.\n"
		"  --size N          frame length in bytes, %u..%u (default 64)\n"
		"  --link-timeout S  seconds to wait for the port's link (default 30)\n",
		MIN_SIZE, MAX_SIZE);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "link-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen g;
	double v, link_timeout = 30;
	char **eargv;
	int ret, o, eargc;

	/* --in-memory: no hugepage file outlives us, also when killed. */
	eargv = nfv_eal_argv(argc, argv, &eargc);
	if (!eargv)
		return 1;
	ret = nfv_eal_init(eargc, eargv);
	if (ret < 0) {
		fprintf(stderr, PROG ": EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	eargv[ret] = eargv[0];
	argc = eargc - ret;
	argv = eargv + ret;
	g.size = 64;
	optind = 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (bench_parse_num(optarg, MIN_SIZE, MAX_SIZE, &v) < 0) {
				fprintf(stderr, PROG ": --size: expected %u..%u bytes\n", MIN_SIZE, MAX_SIZE);
				return 2;
			}
			g.size = (unsigned int)v;
			break;
		case 't':
			if (bench_parse_num(optarg, 1, 3600, &link_timeout) < 0) {
				fprintf(stderr, PROG ": --link-timeout: expected seconds, 1..3600\n");
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
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, PROG ": no port: give one, e.g. --vdev net_memif0,role=server,socket=/tmp/m.sock,socket-abstract=no\n");
		return 1;
	}
	g.port = 0;
	g.mp = rte_pktmbuf_pool_create("nfvb_gen_pool", NB_MBUFS, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!g.mp) {
		fprintf(stderr, PROG ": cannot create the packet pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	build_template(g.frame, g.size);
	ret = port_setup(&g, link_timeout) < 0 ? 1 : serve(&g);
	rte_eth_dev_stop(g.port);
	rte_eth_dev_close(g.port);
	rte_eal_cleanup();
	free(eargv);
	return ret;
}
