/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-rewrite - rewrites headers in place (zero copy): swaps Ethernet
 * addresses and decrements the IPv4 TTL (incremental checksum update) or
 * the IPv6 hop limit, dropping packets whose TTL would reach 0.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "netlib.h"
#include "nfv_app.h"
#include "nfv_rewrite_lib.h"

enum { OPT_MAC_SWAP = NFV_APP_OPT_END, OPT_TTL };

struct rewrite {
	const struct nfv_app *app;	/* action for rewritten packets */
	unsigned int ops;		/* NFV_REWRITE_* */
	uint64_t expired;		/* packets dropped for TTL */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: nfv-rewrite -s PATH -r ID [--mac-swap] [--ttl]\n"
		"                   [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Rewrite packet headers in place; without --mac-swap or --ttl, do both.\n\n");
	nfv_app_usage(f,
		      "      --mac-swap       swap Ethernet source and destination\n"
		      "      --ttl            decrement the IPv4 TTL or IPv6 hop limit,\n"
		      "                       dropping packets where it would reach 0\n");
}

static void
rewrite_pkt(struct netlib_ctx *ctx, struct netlib_pkt *pkt, void *arg)
{
	struct rewrite *rw = arg;

	(void)ctx;
	if (nfv_rewrite(netlib_pkt_data(pkt), netlib_pkt_len(pkt), rw->ops) ==
	    NFV_REWRITE_EXPIRED) {
		rw->expired++;
		netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
		return;
	}
	/* Cannot fail: checked when the options were parsed. */
	netlib_pkt_set_action(pkt, rw->app->action, rw->app->dest);
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "mac-swap", no_argument, NULL, OPT_MAC_SWAP },
		{ "ttl", no_argument, NULL, OPT_TTL },
		{ NULL, 0, NULL, 0 },
	};
	struct nfv_app app;
	struct rewrite rw = { .app = &app };
	char extra[48];
	int opt, ret;

	nfv_app_init(&app, "nfv-rewrite");
	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&app, opt, optarg);
		if (ret < 0)
			return NFV_APP_EXIT_USAGE;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_MAC_SWAP:
			rw.ops |= NFV_REWRITE_MAC_SWAP;
			break;
		case OPT_TTL:
			rw.ops |= NFV_REWRITE_TTL;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'nfv-rewrite --help' for the options.\n");
			return NFV_APP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfv-rewrite: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return NFV_APP_EXIT_USAGE;
	}
	if (rw.ops == 0)
		rw.ops = NFV_REWRITE_MAC_SWAP | NFV_REWRITE_TTL;
	if (nfv_app_start(&app) < 0)
		return app.status;
	netlib_set_prefetch(app.ctx, NETLIB_PREFETCH_WRITE);	/* every packet is rewritten */
	ret = netlib_run(app.ctx, rewrite_pkt, &rw);
	snprintf(extra, sizeof(extra), " ttl_expired %" PRIu64, rw.expired);
	return nfv_app_finish(&app, ret, extra);
}
