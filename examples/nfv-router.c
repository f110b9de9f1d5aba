/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-router - an L3 router: sends each packet out of a port or to a
 * service by longest-prefix match of its IPv4 or IPv6 destination, and
 * decrements its TTL or hop limit.  The decision is router_lib's.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "netlib.h"
#include "nfv_app.h"
#include "router_lib.h"

#define PROG "nfv-router"

enum { OPT_ROUTES = NFV_APP_OPT_END, OPT_DEFAULT };

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID --routes FILE [--default ACTION] [-n NAME]\n"
		"Route packets by longest-prefix match of their IPv4 or IPv6 destination:\n"
		"out of a port or to a service, with the TTL or hop limit decremented.\n\n");
	nfv_app_usage_no_actions(f,
		      "      --routes FILE    routes, one 'PREFIX ACTION' per line, ACTION\n"
		      "                       port:N (0..15), service:N (1..255) or drop\n"
		      "                       (see nfv-router(1))\n"
		      "      --default ACTION action of packets no route matches\n"
		      "                       (default: drop them)\n");
	fprintf(f, "\nThe routes choose each packet's action (the other NFs' --to-service,\n"
		"--to-port and --next are refused).  A bad routes file exits with\n"
		"status %d.\n", NFV_APP_EXIT_USAGE);
}

static void
route_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct route_action a;
	unsigned int i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		switch (router_packet(arg, netlib_pkt_data(pkts[i]), netlib_pkt_len(pkts[i]), &a)) {
		case ROUTER_ROUTED:
		case ROUTER_DEFAULT:
			/* Cannot fail: route_action_parse() checked service ids. */
			netlib_pkt_set_action(pkts[i], a.kind == ROUTE_PORT ? NETLIB_ACT_OUT :
					      NETLIB_ACT_TONF, a.id);
			break;
		default:
			netlib_pkt_set_action(pkts[i], NETLIB_ACT_DROP, 0);
			break;
		}
	}
}

static void
summary(const struct router *r, char *buf, size_t n)
{
	const struct router_stats *st = router_stats(r);
	size_t off;
	int v;

	off = (size_t)snprintf(buf, n, " routes %u", router_count(r));
	for (v = ROUTER_ROUTED; v <= ROUTER_NOT_IP && off < n; v++)
		off += (size_t)snprintf(buf + off, n - off, " %s %" PRIu64,
					router_verdict_name(v), st->n[v]);
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "routes", required_argument, NULL, OPT_ROUTES },
		{ "default", required_argument, NULL, OPT_DEFAULT },
		{ NULL, 0, NULL, 0 },
	};
	const char *routes = NULL, *def = NULL;
	char err[NFV_ERR_LEN], extra[256];
	struct route_action a;
	struct router *r;
	struct nfv_app app;
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
		case OPT_ROUTES:
			routes = optarg;
			break;
		case OPT_DEFAULT:
			def = optarg;
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
	if (app.nactions) {
		fprintf(stderr, PROG ": --to-service, --to-port and --next do not apply: routes choose each packet's action (use --default ACTION for packets no route matches)\n");
		return NFV_APP_EXIT_USAGE;
	}
	if (!routes) {
		fprintf(stderr, PROG ": missing --routes FILE: give the routes, one 'PREFIX ACTION' per line (see nfv-router(1))\n");
		return NFV_APP_EXIT_USAGE;
	}
	r = router_create();
	if (!r) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	if (def) {
		if (route_action_parse(def, &a) < 0) {
			fprintf(stderr, PROG ": --default '%s' is not an action: use port:N (0..%d), service:N (1..%d) or drop\n",
				def, NETLIB_PORT_MAX, NETLIB_SERVICE_MAX);
			router_destroy(r);
			return NFV_APP_EXIT_USAGE;
		}
		router_set_default(r, a);
	}
	ret = router_load(r, routes, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		router_destroy(r);
		return NFV_APP_EXIT_USAGE;
	}
	printf(PROG ": %d route%s from %s\n", ret, ret == 1 ? "" : "s", routes);
	if (nfv_app_start(&app) < 0) {
		router_destroy(r);
		return app.status;
	}
	netlib_set_prefetch(app.ctx, NETLIB_PREFETCH_WRITE);	/* the TTL and checksum */
	ret = netlib_run_burst(app.ctx, route_burst, r);
	summary(r, extra, sizeof(extra));
	ret = nfv_app_finish(&app, ret, extra);
	router_destroy(r);
	return ret;
}
