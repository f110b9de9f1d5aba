/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-fwd - the smallest NF: forwards every packet without touching its
 * data, to the next hop of its chain, a service or a port, or drops it.
 */
#include <getopt.h>
#include <stdio.h>

#include "netlib.h"
#include "nfv_app.h"

enum { OPT_DROP = NFV_APP_OPT_END };

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: nfv-fwd -s PATH -r ID [--to-service ID | --to-port PORT |\n"
		"               --next | --drop] [-n NAME]\n"
		"Forward every packet of a service unchanged.\n\n");
	nfv_app_usage(f, "      --drop           drop every packet\n");
}

static void
fwd_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	const struct nfv_app *app = arg;
	unsigned int i;

	(void)ctx;
	/* Packets arrive set to go to the next hop: only another action
	 * needs setting.  Cannot fail: the action and its destination were
	 * checked when the options were parsed. */
	if (app->action == NETLIB_ACT_NEXT && app->dest == 0)
		return;
	for (i = 0; i < n; i++)
		netlib_pkt_set_action(pkts[i], app->action, app->dest);
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "drop", no_argument, NULL, OPT_DROP },
		{ NULL, 0, NULL, 0 },
	};
	struct nfv_app app;
	int opt, ret;

	nfv_app_init(&app, "nfv-fwd");
	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&app, opt, optarg);
		if (ret < 0)
			return NFV_APP_EXIT_USAGE;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_DROP:
			nfv_app_set_action(&app, NETLIB_ACT_DROP, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'nfv-fwd --help' for the options.\n");
			return NFV_APP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfv-fwd: unexpected argument '%s' (see --help)\n",
			argv[optind]);
		return NFV_APP_EXIT_USAGE;
	}
	if (nfv_app_start(&app) < 0)
		return app.status;
	netlib_set_prefetch(app.ctx, NETLIB_PREFETCH_OFF);	/* fwd_burst() reads no packet data */
	return nfv_app_finish(&app, netlib_run_burst(app.ctx, fwd_burst, &app), "");
}
