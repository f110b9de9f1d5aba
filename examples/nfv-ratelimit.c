/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-ratelimit - token-bucket rate limiter (ratelimit_lib.h), for all the
 * NF's traffic or per flow.  Packets over the limit are dropped, or marked
 * with a DSCP and sent on.  The clock is read once per burst.  SIGUSR1
 * prints the counters.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "netlib.h"
#include "nfv_app.h"
#include "ratelimit_lib.h"

#define PROG "nfv-ratelimit"
#define DEFAULT_FLOWS 65536
#define DSCP_LE 1		/* Lower Effort, RFC 8622 */

enum { OPT_RATE = NFV_APP_OPT_END, OPT_BURST, OPT_PER_FLOW, OPT_FLOWS, OPT_MARK };

/** The NF. */
struct rl_nf {
	struct nfv_app app;		/* options, context, lock */
	struct nfv_rl rl;		/* the limiter, under app.lock */
	struct nfv_rl_cfg cfg;		/* --rate, --burst */
	int have_rate;			/* --rate given */
	uint32_t flows;			/* --flows with --per-flow, else 0 */
	int mark;			/* --mark given */
	uint8_t dscp;			/* its DSCP */
	uint64_t now_ns;		/* the clock at the current burst */
	uint64_t marked;		/* over-limit packets marked */
	uint64_t unmarkable;		/* over-limit non-IP packets sent unmarked */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID --rate RATE [--burst N] [--per-flow [--flows N]]\n"
		"                     [--mark[=DSCP]] [--to-service ID | --to-port PORT | --next]\n"
		"                     [-n NAME]\n"
		"Limit the packet or bit rate with a token bucket; drop or mark what exceeds\n"
		"it.  The action options below apply to the packets sent on.  SIGUSR1 prints\n"
		"the counters.\n\n");
	nfv_app_usage(f,
		      "      --rate RATE      the limit: a number with k, m or g (10^3, 10^6,\n"
		      "                       10^9), then pps (packets) or bps (bits of frame),\n"
		      "                       e.g. 100k pps, '1g bps', 2.5mbps (required)\n"
		      "      --burst N        bucket depth: packets (pps) or bytes (bps), k/m/g\n"
		      "                       allowed (default 10 ms at RATE, at least 32 packets\n"
		      "                       or 32 x 1514 bytes)\n"
		      "      --per-flow       one bucket per 5-tuple instead of one for all\n"
		      "      --flows N        per-flow table slots, 8..16777216, rounded up to a\n"
		      "                       power of two (default 65536)\n"
		      "      --mark[=DSCP]    send over-limit packets on with IPv4 DSCP / IPv6\n"
		      "                       traffic class DSCP 0..63 (default 1, Lower Effort)\n"
		      "                       instead of dropping them\n");
}

static void
counters(const struct rl_nf *nf, const struct nfv_rl_stats *st, char *buf, size_t len)
{
	int n = snprintf(buf, len, " passed %" PRIu64 " over %" PRIu64, st->passed_pkts,
			 st->over_pkts);

	if (nf->mark)
		n += snprintf(buf + n, len - (size_t)n, " marked %" PRIu64 " unmarkable %" PRIu64,
			      nf->marked, nf->unmarkable);
	if (nf->flows)
		snprintf(buf + n, len - (size_t)n, " flows %" PRIu64 " evictions %" PRIu64,
			 st->flows, st->evictions);
}

static void
on_side(void *arg, int sig)
{
	struct rl_nf *nf = arg;
	struct nfv_rl_stats st;
	char line[192];

	if (sig != SIGUSR1)
		return;
	pthread_mutex_lock(&nf->app.lock);
	st = nf->rl.st;
	pthread_mutex_unlock(&nf->app.lock);
	counters(nf, &st, line, sizeof(line));
	printf(PROG ":%s\n", line);
	fflush(stdout);
}

static void
rl_pkt(struct rl_nf *nf, struct netlib_pkt *pkt)
{
	uint8_t *data = netlib_pkt_data(pkt);
	uint32_t len = netlib_pkt_len(pkt);

	if (nfv_rl_packet(&nf->rl, data, len, nf->now_ns) == NFV_RL_OVER) {
		if (!nf->mark) {
			netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
			return;
		}
		if (nfv_rl_mark(data, len, nf->dscp) == 0)
			nf->marked++;
		else
			nf->unmarkable++;
	}
	/* Cannot fail: checked when the options were parsed. */
	netlib_pkt_set_action(pkt, nf->app.action, nf->app.dest);
}

static void
rl_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct rl_nf *nf = arg;
	unsigned int i;

	(void)ctx;
	nfv_app_burst_lock(&nf->app);
	nf->now_ns = nfv_app_mono_ns();
	for (i = 0; i < n; i++)
		rl_pkt(nf, pkts[i]);
	nfv_app_burst_unlock(&nf->app);
}

static int
parse_dscp(const char *s, uint8_t *dscp)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 63)
		return -1;
	*dscp = (uint8_t)v;
	return 0;
}

static int
parse_options(struct rl_nf *nf, int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "per-flow", no_argument, NULL, OPT_PER_FLOW },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "mark", optional_argument, NULL, OPT_MARK },
		{ NULL, 0, NULL, 0 },
	};
	char err[NFV_RL_ERR_LEN], rate[64];
	uint64_t flows = 0;
	int opt, ret, per_flow = 0;

	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&nf->app, opt, optarg);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_RATE:
			/* "--rate 100k pps" unquoted: take the unit along. */
			if (optind < argc && (!strcasecmp(argv[optind], "pps") ||
					      !strcasecmp(argv[optind], "bps"))) {
				snprintf(rate, sizeof(rate), "%s%s", optarg, argv[optind++]);
				optarg = rate;
			}
			if (nfv_rl_parse_rate(optarg, &nf->cfg, err) < 0) {
				fprintf(stderr, PROG ": --rate: %s\n", err);
				return -1;
			}
			nf->have_rate = 1;
			break;
		case OPT_BURST:
			if (nfv_rl_parse_count(optarg, NFV_RL_BURST_MAX, &nf->cfg.burst) < 0) {
				fprintf(stderr, PROG ": --burst '%s' is not a count in 1..1g (packets with pps, bytes with bps; k, m, g allowed)\n",
					optarg);
				return -1;
			}
			break;
		case OPT_PER_FLOW:
			per_flow = 1;
			break;
		case OPT_FLOWS:
			if (nfv_rl_parse_count(optarg, NFV_RL_FLOWS_MAX, &flows) < 0 ||
			    flows < NFV_RL_PROBE) {
				fprintf(stderr, PROG ": --flows '%s' is not a number in %d..%u\n",
					optarg, NFV_RL_PROBE, NFV_RL_FLOWS_MAX);
				return -1;
			}
			break;
		case OPT_MARK:
			nf->mark = 1;
			nf->dscp = DSCP_LE;
			if (optarg && parse_dscp(optarg, &nf->dscp) < 0) {
				fprintf(stderr, PROG ": --mark=%s: DSCP is a number in 0..63 (e.g. --mark=8 for CS1)\n",
					optarg);
				return -1;
			}
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
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return -1;
	}
	if (!nf->have_rate) {
		fprintf(stderr, PROG ": missing --rate RATE: give the limit, e.g. --rate '100k pps' or --rate '1g bps'\n");
		return -1;
	}
	if (flows && !per_flow) {
		fprintf(stderr, PROG ": --flows sizes the per-flow table: add --per-flow, or drop --flows\n");
		return -1;
	}
	if (nf->cfg.burst == 0)
		nf->cfg.burst = nfv_rl_default_burst(&nf->cfg);
	if (nf->cfg.unit == NFV_RL_BPS && nf->cfg.burst < 1514)
		fprintf(stderr, PROG ": warning: --burst %" PRIu64 " bytes is less than a full-size frame (1514 bytes): larger frames never pass\n",
			nf->cfg.burst);
	nf->flows = per_flow ? (uint32_t)(flows ? flows : DEFAULT_FLOWS) : 0;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct rl_nf nf;
	uint64_t seed;
	char extra[192];
	int ret;

	nfv_app_init(&nf.app, PROG);
	if (parse_options(&nf, argc, argv) < 0)
		return NFV_APP_EXIT_USAGE;
	/* A secret seed: flows cannot be crafted to collide in the table. */
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = nfv_app_mono_ns() ^ (uint64_t)getpid() << 32;
	ret = nfv_rl_init(&nf.rl, &nf.cfg, nf.flows, seed, nfv_app_mono_ns());
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot set up the limiter: %s\n", strerror(-ret));
		return 1;
	}
	if (nfv_app_side_start(&nf.app, 0, on_side, &nf) < 0)
		return 1;
	if (nfv_app_start(&nf.app) < 0)
		return nf.app.status;
	ret = netlib_run_burst(nf.app.ctx, rl_burst, &nf);
	nfv_app_side_stop(&nf.app);
	counters(&nf, &nf.rl.st, extra, sizeof(extra));
	ret = nfv_app_finish(&nf.app, ret, extra);
	nfv_rl_fini(&nf.rl);
	return ret;
}
