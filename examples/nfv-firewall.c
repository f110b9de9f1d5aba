/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-firewall - a stateful firewall: first matching rule wins, and the
 * reverse direction of an allowed flow is allowed while the flow is
 * tracked.  Allowed packets get the NF's action (next hop by default),
 * denied ones are dropped.  The decision is firewall_lib's.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netlib.h"
#include "nfv_app.h"
#include "nfv_flow_table.h"
#include "firewall_lib.h"

#define PROG "nfv-firewall"
#define DEFAULT_CT_TIMEOUT_S 60
#define MAX_CT_TIMEOUT_S 86400
#define DEFAULT_CT_MAX 65536
#define SUMMARY_LEN 2048

enum { OPT_RULES = NFV_APP_OPT_END, OPT_DEFAULT, OPT_CT_TIMEOUT, OPT_CT_MAX };

struct fw_nf {
	const struct nfv_app *app;	/* action of allowed packets */
	struct firewall *fw;		/* the decision */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID --rules FILE [--default allow|deny]\n"
		"                    [--ct-timeout SEC] [--ct-max N]\n"
		"                    [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Stateful firewall: the first matching rule allows or denies a new flow;\n"
		"packets of allowed flows, both directions, pass while the flow is tracked.\n\n");
	nfv_app_usage(f,
		      "      --rules FILE     rules, one per line (see nfv-firewall(1)):\n"
		      "                       allow|deny [proto tcp|udp|icmp|any] [src PREFIX]\n"
		      "                       [dst PREFIX] [sport N[-M]] [dport N[-M]]\n"
		      "      --default allow|deny\n"
		      "                       policy when no rule matches (default deny)\n"
		      "      --ct-timeout SEC idle seconds before a tracked flow expires,\n"
		      "                       1..86400 (default 60)\n"
		      "      --ct-max N       most tracked flows, 1..16777216; a new one evicts\n"
		      "                       the least recently used (default 65536)\n");
	fprintf(f, "\nThe action options apply to allowed packets.  A bad rules file exits\n"
		"with status %d.\n", NFV_APP_EXIT_USAGE);
}

static void
filter_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct fw_nf *nf = arg;
	uint64_t now = nfv_ft_now_ms();	/* a millisecond clock: once a burst */
	unsigned int i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		if (fw_packet(nf->fw, netlib_pkt_data(pkts[i]), netlib_pkt_len(pkts[i]), now) ==
		    FW_ALLOW)
			/* Cannot fail: checked when the options were parsed. */
			netlib_pkt_set_action(pkts[i], nf->app->action, nf->app->dest);
		else
			netlib_pkt_set_action(pkts[i], NETLIB_ACT_DROP, 0);
	}
}

/* Counters, then "rule_hits LINE:HITS,..." for the rules that decided. */
static void
summary(const struct firewall *fw, char *buf, size_t n)
{
	const struct fw_stats *st = fw_stats(fw);
	const struct fw_rule *r;
	const char *sep = " rule_hits ";
	unsigned int i;
	size_t off;

	off = (size_t)snprintf(buf, n,
			       " established %" PRIu64 " new %" PRIu64 " denied %" PRIu64
			       " default_denied %" PRIu64 " non_ip %" PRIu64
			       " malformed %" PRIu64 " ct_flows %u ct_expired %" PRIu64
			       " ct_evicted %" PRIu64,
			       st->established, st->new_flows, st->denied,
			       st->default_denied, st->non_ip, st->malformed,
			       fw_ct_count(fw), st->ct_expired, st->ct_evicted);
	for (i = 0; (r = fw_rule_get(fw, i)) && off < n; i++) {
		if (!r->hits)
			continue;
		off += (size_t)snprintf(buf + off, n - off, "%s%u:%" PRIu64, sep,
					r->line, r->hits);
		sep = ",";
	}
}


int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "default", required_argument, NULL, OPT_DEFAULT },
		{ "ct-timeout", required_argument, NULL, OPT_CT_TIMEOUT },
		{ "ct-max", required_argument, NULL, OPT_CT_MAX },
		{ NULL, 0, NULL, 0 },
	};
	struct fw_config cfg = {
		.default_verdict = FW_DENY,
		.ct_max = DEFAULT_CT_MAX,
		.ct_timeout = DEFAULT_CT_TIMEOUT_S * 1000ull,
	};
	char err[NFV_ERR_LEN], extra[SUMMARY_LEN];
	const char *rules = NULL;
	struct nfv_app app;
	struct fw_nf nf = { .app = &app };
	unsigned long long v;
	int opt, ret;

	nfv_app_init(&app, PROG);
	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&app, opt, optarg);
		if (ret < 0)
			return NFV_APP_EXIT_USAGE;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_RULES:
			rules = optarg;
			break;
		case OPT_DEFAULT:
			if (strcmp(optarg, "allow") == 0) {
				cfg.default_verdict = FW_ALLOW;
			} else if (strcmp(optarg, "deny") == 0) {
				cfg.default_verdict = FW_DENY;
			} else {
				fprintf(stderr, PROG ": --default '%s' is not a policy: use allow or deny\n",
					optarg);
				return NFV_APP_EXIT_USAGE;
			}
			break;
		case OPT_CT_TIMEOUT:
			if (nfv_app_parse_num(PROG, "ct-timeout", optarg, 1, MAX_CT_TIMEOUT_S, &v) < 0)
				return NFV_APP_EXIT_USAGE;
			cfg.ct_timeout = v * 1000ull;
			break;
		case OPT_CT_MAX:
			if (nfv_app_parse_num(PROG, "ct-max", optarg, 1, NFV_FT_MAX_CAPACITY, &v) < 0)
				return NFV_APP_EXIT_USAGE;
			cfg.ct_max = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try '" PROG " --help' for the options.\n");
			return NFV_APP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return NFV_APP_EXIT_USAGE;
	}
	if (!rules) {
		fprintf(stderr, PROG ": missing --rules FILE: give the rules, one 'allow|deny [CONDITIONS]' per line (see nfv-firewall(1))\n");
		return NFV_APP_EXIT_USAGE;
	}
	cfg.seed = nfv_ft_random_seed();
	nf.fw = fw_create(&cfg);
	if (!nf.fw) {
		fprintf(stderr, PROG ": cannot make a table of %u flows: out of memory (lower --ct-max)\n",
			cfg.ct_max);
		return 1;
	}
	ret = fw_load(nf.fw, rules, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		fw_destroy(nf.fw);
		return NFV_APP_EXIT_USAGE;
	}
	printf(PROG ": %d rule%s from %s, default %s\n", ret, ret == 1 ? "" : "s", rules,
	       cfg.default_verdict == FW_ALLOW ? "allow" : "deny");
	if (nfv_app_start(&app) < 0) {
		fw_destroy(nf.fw);
		return app.status;
	}
	ret = netlib_run_burst(app.ctx, filter_burst, &nf);
	summary(nf.fw, extra, sizeof(extra));
	ret = nfv_app_finish(&app, ret, extra);
	fw_destroy(nf.fw);
	return ret;
}
