/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-monitor - per-flow packet and byte counters (monitor_lib.h): a live
 * top-N table on stderr every --interval seconds, a JSON dump at exit (and
 * on SIGUSR1), and optionally a pcap of every packet seen.  Every packet is
 * sent on unchanged.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <unistd.h>

#include "monitor_lib.h"
#include "netlib.h"
#include "nfv_app.h"

#define PROG "nfv-monitor"
#define DEFAULT_FLOWS 65536
#define DEFAULT_TOP 10
#define TOP_MAX 1000
#define INTERVAL_MAX_S 86400.0

enum {
	OPT_INTERVAL = NFV_APP_OPT_END, OPT_TOP, OPT_SORT, OPT_FLOWS, OPT_JSON,
	OPT_PCAP, OPT_SNAPLEN,
};

/** The NF. */
struct mon_nf {
	struct nfv_app app;		/* options, context, lock */
	struct nfv_mon mon;		/* the counters, under app.lock */
	unsigned int interval_ms;	/* --interval, 0: no live table */
	unsigned int top;		/* --top */
	enum nfv_mon_order order;	/* --sort */
	uint32_t flows;			/* --flows */
	const char *json;		/* --json FILE, or NULL */
	const char *pcap;		/* --pcap FILE, or NULL */
	unsigned int snaplen;		/* --snaplen */
	struct nfv_mon_capture *cap;	/* open --pcap, packet thread only */
	uint64_t now_ns;		/* CLOCK_MONOTONIC at the current burst */
	struct timeval now_tv;		/* CLOCK_REALTIME then, for the pcap */
	uint64_t shown_ns;		/* last live table: time, */
	uint64_t shown_pkts;		/*   packets */
	uint64_t shown_bytes;		/*   and bytes then (side thread) */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID [--interval SEC] [--top N] [--sort bytes|packets]\n"
		"                   [--flows N] [--json FILE] [--pcap FILE [--snaplen N]]\n"
		"                   [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Count packets and bytes per IPv4/IPv6 5-tuple and send every packet on\n"
		"unchanged.  SIGUSR1 prints the top flows and writes --json now.\n\n");
	nfv_app_usage(f,
		      "      --interval SEC   print the top flows on stderr every SEC seconds,\n"
		      "                       0.001..86400 (default 0: only at exit)\n"
		      "      --top N          flows in that table, 1..1000 (default 10)\n"
		      "      --sort ORDER     bytes (default) or packets\n"
		      "      --flows N        flow table slots, 8..16777216, rounded up to a\n"
		      "                       power of two (default 65536); when full, the\n"
		      "                       least recently seen flow is evicted (counted)\n"
		      "      --json FILE      write every flow's counters as JSON to FILE at\n"
		      "                       exit and on SIGUSR1\n"
		      "      --pcap FILE      write every packet seen to FILE (pcap, Ethernet)\n"
		      "      --snaplen N      bytes kept of each packet, 64..65535\n"
		      "                       (default 65535)\n");
}

static void
format_bytes(uint64_t v, char *buf, size_t len)
{
	if (v >= 10000000000ull)
		snprintf(buf, len, "%.1f GB", (double)v / 1e9);
	else if (v >= 10000000)
		snprintf(buf, len, "%.1f MB", (double)v / 1e6);
	else if (v >= 10000)
		snprintf(buf, len, "%.1f kB", (double)v / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 " B", v);
}

/* Print the top flows (side thread or after the run; takes the lock). */
static void
show_top(struct mon_nf *nf)
{
	static struct nfv_mon_flow top[TOP_MAX];
	char name[128], size[32];
	struct nfv_mon totals;
	uint64_t now = nfv_app_mono_ns();
	double dt;
	unsigned int n, i;

	pthread_mutex_lock(&nf->app.lock);
	n = nfv_mon_top(&nf->mon, nf->order, top, nf->top);
	totals = nf->mon;
	pthread_mutex_unlock(&nf->app.lock);

	dt = (double)(now - nf->shown_ns) / 1e9;
	format_bytes(totals.bytes, size, sizeof(size));
	fprintf(stderr, PROG ": %.1f s: %" PRIu64 " packets %s (%.0f pkt/s %.1f Mbit/s), %"
		PRIu64 " flows, %" PRIu64 " evictions, %" PRIu64 " non-IP\n",
		(double)(now - totals.start_ns) / 1e9, totals.pkts, size,
		dt > 0 ? (double)(totals.pkts - nf->shown_pkts) / dt : 0.0,
		dt > 0 ? (double)(totals.bytes - nf->shown_bytes) * 8 / dt / 1e6 : 0.0,
		totals.flows, totals.evictions, totals.non_ip_pkts);
	if (n)
		fprintf(stderr, "  %4s %12s %14s  %s\n", "#", "packets", "bytes", "flow");
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %4u %12" PRIu64 " %14" PRIu64 "  %s\n", i + 1, top[i].pkts,
			top[i].bytes, nfv_mon_flow_name(&top[i].key, name, sizeof(name)));
	nf->shown_ns = now;
	nf->shown_pkts = totals.pkts;
	nf->shown_bytes = totals.bytes;
}

/* Write --json through a temporary file, so readers never see half of it.
 * Takes the lock for the writing. */
static int
write_json(struct mon_nf *nf)
{
	char tmp[4096];
	FILE *f;
	int ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", nf->json) >= (int)sizeof(tmp)) {
		fprintf(stderr, PROG ": --json %s: path too long\n", nf->json);
		return -1;
	}
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, PROG ": --json: cannot create %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&nf->app.lock);
	ret = nfv_mon_write_json(&nf->mon, f, nfv_app_mono_ns());
	pthread_mutex_unlock(&nf->app.lock);
	if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	if (ret == 0 && rename(tmp, nf->json) < 0)
		ret = -errno;
	if (ret < 0) {
		fprintf(stderr, PROG ": --json: cannot write %s: %s\n", nf->json, strerror(-ret));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
on_side(void *arg, int sig)
{
	struct mon_nf *nf = arg;

	if (sig == 0 || sig == SIGUSR1)
		show_top(nf);
	if (sig == SIGUSR1 && nf->json)
		write_json(nf);
}

static void
mon_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct mon_nf *nf = arg;
	unsigned int i;

	(void)ctx;
	nfv_app_burst_lock(&nf->app);
	nf->now_ns = nfv_app_mono_ns();
	if (nf->cap)
		gettimeofday(&nf->now_tv, NULL);
	for (i = 0; i < n; i++) {
		const uint8_t *data = netlib_pkt_data(pkts[i]);
		uint32_t len = netlib_pkt_len(pkts[i]);

		nfv_mon_packet(&nf->mon, data, len, nf->now_ns);
		if (nf->cap)
			nfv_mon_capture_write(nf->cap, data, len, &nf->now_tv);
		/* Cannot fail: checked when the options were parsed. */
		netlib_pkt_set_action(pkts[i], nf->app.action, nf->app.dest);
	}
	nfv_app_burst_unlock(&nf->app);
}


static int
parse_options(struct mon_nf *nf, int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	double sec;
	char *end;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&nf->app, opt, optarg);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_INTERVAL:
			errno = 0;
			sec = strtod(optarg, &end);
			if (!isdigit((unsigned char)optarg[0]) || errno || *end ||
			    !isfinite(sec) || sec > INTERVAL_MAX_S ||
			    (sec > 0 && sec < 0.001)) {
				fprintf(stderr, PROG ": --interval '%s' is not seconds in 0.001..86400 (0: off)\n",
					optarg);
				return -1;
			}
			nf->interval_ms = (unsigned int)lround(sec * 1000);
			break;
		case OPT_TOP:
			if (nfv_app_parse_num(PROG, "top", optarg, 1, TOP_MAX, &v) < 0)
				return -1;
			nf->top = (unsigned int)v;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "bytes")) {
				nf->order = NFV_MON_BY_BYTES;
			} else if (!strcmp(optarg, "packets")) {
				nf->order = NFV_MON_BY_PKTS;
			} else {
				fprintf(stderr, PROG ": --sort '%s': choose bytes or packets\n", optarg);
				return -1;
			}
			break;
		case OPT_FLOWS:
			if (nfv_app_parse_num(PROG, "flows", optarg, NFV_MON_PROBE, NFV_MON_FLOWS_MAX, &v) < 0)
				return -1;
			nf->flows = (uint32_t)v;
			break;
		case OPT_JSON:
			nf->json = optarg;
			break;
		case OPT_PCAP:
			nf->pcap = optarg;
			break;
		case OPT_SNAPLEN:
			if (nfv_app_parse_num(PROG, "snaplen", optarg, NFV_MON_SNAPLEN_MIN,
				       NFV_MON_SNAPLEN_MAX, &v) < 0)
				return -1;
			nf->snaplen = (unsigned int)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "Try '" PROG " --help' for the options.\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	/* Found now, not after the whole run. */
	if (nf->json && nfv_app_check_output(PROG, "json", nf->json) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct mon_nf nf = {
		.top = DEFAULT_TOP, .flows = DEFAULT_FLOWS,
		.snaplen = NFV_MON_SNAPLEN_MAX,
	};
	char err[NFV_MON_ERR_LEN], extra[128];
	uint64_t seed, captured = 0;
	int ret, status;

	nfv_app_init(&nf.app, PROG);
	if (parse_options(&nf, argc, argv) < 0)
		return NFV_APP_EXIT_USAGE;
	/* A secret seed: flows cannot be crafted to evict others. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = nfv_app_mono_ns() ^ (uint64_t)getpid() << 32;
	ret = nfv_mon_init(&nf.mon, nf.flows, seed, nfv_app_mono_ns());
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot allocate the flow table: %s (try a smaller --flows)\n",
			strerror(-ret));
		return 1;
	}
	nf.shown_ns = nf.mon.start_ns;
	if (nf.pcap) {
		nf.cap = nfv_mon_capture_open(nf.pcap, nf.snaplen, err);
		if (!nf.cap) {
			fprintf(stderr, PROG ": --pcap: %s\n", err);
			return 1;
		}
	}
	if (nfv_app_side_start(&nf.app, nf.interval_ms, on_side, &nf) < 0)
		return 1;
	if (nfv_app_start(&nf.app) < 0) {
		nfv_mon_capture_close(nf.cap);
		return nf.app.status;
	}
	ret = netlib_run_burst(nf.app.ctx, mon_burst, &nf);
	nfv_app_side_stop(&nf.app);
	show_top(&nf);
	status = 0;
	if (nf.json && write_json(&nf) < 0)
		status = 1;
	if (nf.cap) {
		captured = nfv_mon_capture_count(nf.cap);
		if (nfv_mon_capture_close(nf.cap) < 0) {
			fprintf(stderr, PROG ": --pcap %s: writing failed (disk full?): the capture is incomplete\n",
				nf.pcap);
			status = 1;
		}
	}
	snprintf(extra, sizeof(extra), " flows %" PRIu64 " evictions %" PRIu64
		 " non_ip %" PRIu64 " captured %" PRIu64, nf.mon.flows, nf.mon.evictions,
		 nf.mon.non_ip_pkts, captured);
	ret = nfv_app_finish(&nf.app, ret, extra);
	nfv_mon_fini(&nf.mon);
	return ret ? ret : status;
}
