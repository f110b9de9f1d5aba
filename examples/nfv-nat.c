/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-nat - source NAT (NAPT) of IPv4 TCP, UDP and ICMP echo from an
 * internal prefix to one external address, and back for return traffic.
 * Translated and passed packets get the NF's action (next hop by default),
 * the others are dropped.  The translation is nat_lib's.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netlib.h"
#include "nfv_app.h"
#include "nfv_flow_table.h"
#include "nat_lib.h"

#define PROG "nfv-nat"
#define DEFAULT_TIMEOUT_S 60
#define MAX_TIMEOUT_S 86400

enum { OPT_EXTERNAL = NFV_APP_OPT_END, OPT_INTERNAL, OPT_PORTS, OPT_TIMEOUT };

struct nat_nf {
	const struct nfv_app *app;	/* action of packets sent on */
	struct nat *nat;		/* the translation */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID --external IP --internal PREFIX\n"
		"               [--ports LO-HI] [--timeout SEC]\n"
		"               [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Source NAT: IPv4 TCP, UDP and ICMP echo from the internal prefix leave\n"
		"from the external address with a port allocated per flow; return traffic\n"
		"is translated back.\n\n");
	nfv_app_usage(f,
		      "      --external IP    external IPv4 address (required)\n"
		      "      --internal PREFIX\n"
		      "                       IPv4 prefix translated, e.g. 10.0.0.0/8\n"
		      "                       (required)\n"
		      "      --ports LO-HI    external ports (and ICMP identifiers) to\n"
		      "                       allocate, 1..65535 (default 1024-65535)\n"
		      "      --timeout SEC    idle seconds before a mapping expires,\n"
		      "                       1..86400 (default 60)\n");
	fprintf(f, "\nThe action options apply to translated and passed packets.\n");
}

static void
nat_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct nat_nf *nf = arg;
	uint64_t now = nfv_ft_now_ms();	/* a millisecond clock: once a burst */
	unsigned int i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		switch (nat_packet(nf->nat, netlib_pkt_data(pkts[i]), netlib_pkt_len(pkts[i]), now)) {
		case NAT_OUT:
		case NAT_IN:
		case NAT_PASS:
			/* Cannot fail: checked when the options were parsed. */
			netlib_pkt_set_action(pkts[i], nf->app->action, nf->app->dest);
			break;
		default:
			netlib_pkt_set_action(pkts[i], NETLIB_ACT_DROP, 0);
			break;
		}
	}
}

static void
summary(const struct nat *nat, char *buf, size_t n)
{
	const struct nat_stats *st = nat_stats(nat);
	size_t off = 0;
	int v;

	for (v = NAT_OUT; v <= NAT_MALFORMED && off < n; v++)
		off += (size_t)snprintf(buf + off, n - off, " %s %" PRIu64,
					nat_verdict_name(v), st->n[v]);
	if (off < n)
		snprintf(buf + off, n - off,
			 " mappings %u mappings_new %" PRIu64 " mappings_expired %" PRIu64,
			 nat_mappings(nat), st->mappings_new, st->mappings_expired);
}

static int
parse_ports(const char *arg, struct nat_config *cfg)
{
	char buf[16];
	char *dash;
	uint32_t lo, hi;

	if (strlen(arg) < sizeof(buf)) {
		strcpy(buf, arg);
		dash = strchr(buf, '-');
		if (dash) {
			*dash = '\0';
			if (nfv_parse_u32(buf, 1, UINT16_MAX, &lo) == 0 &&
			    nfv_parse_u32(dash + 1, 1, UINT16_MAX, &hi) == 0 &&
			    lo <= hi) {
				cfg->port_lo = (uint16_t)lo;
				cfg->port_hi = (uint16_t)hi;
				return 0;
			}
		}
	}
	fprintf(stderr, PROG ": --ports '%s' is not a range LO-HI with 1 <= LO <= HI <= 65535\n",
		arg);
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "external", required_argument, NULL, OPT_EXTERNAL },
		{ "internal", required_argument, NULL, OPT_INTERNAL },
		{ "ports", required_argument, NULL, OPT_PORTS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct nat_config cfg = {
		.port_lo = 1024,
		.port_hi = 65535,
		.timeout = DEFAULT_TIMEOUT_S * 1000ull,
	};
	int have_external = 0, have_internal = 0, opt, ret;
	char why[NFV_ERR_LEN], extra[512];
	struct nfv_app app;
	struct nat_nf nf = { .app = &app };
	uint32_t v;

	nfv_app_init(&app, PROG);
	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&app, opt, optarg);
		if (ret < 0)
			return NFV_APP_EXIT_USAGE;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_EXTERNAL:
			if (inet_pton(AF_INET, optarg, cfg.external) != 1) {
				fprintf(stderr, PROG ": --external '%s' is not an IPv4 address (e.g. 203.0.113.1)\n",
					optarg);
				return NFV_APP_EXIT_USAGE;
			}
			have_external = 1;
			break;
		case OPT_INTERNAL:
			if (nfv_prefix_parse(optarg, &cfg.internal, why, sizeof(why)) < 0) {
				fprintf(stderr, PROG ": --internal %s\n", why);
				return NFV_APP_EXIT_USAGE;
			}
			if (cfg.internal.ipv != 4) {
				fprintf(stderr, PROG ": --internal '%s' is IPv6: this NAT translates IPv4 only\n",
					optarg);
				return NFV_APP_EXIT_USAGE;
			}
			have_internal = 1;
			break;
		case OPT_PORTS:
			if (parse_ports(optarg, &cfg) < 0)
				return NFV_APP_EXIT_USAGE;
			break;
		case OPT_TIMEOUT:
			if (nfv_parse_u32(optarg, 1, MAX_TIMEOUT_S, &v) < 0) {
				fprintf(stderr, PROG ": --timeout '%s' is not a number in 1..%d\n",
					optarg, MAX_TIMEOUT_S);
				return NFV_APP_EXIT_USAGE;
			}
			cfg.timeout = v * 1000ull;
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
	if (!have_external || !have_internal) {
		fprintf(stderr, PROG ": missing %s: give the address to translate to and the prefix to translate, e.g. --external 203.0.113.1 --internal 10.0.0.0/8\n",
			have_external ? "--internal PREFIX" : "--external IP");
		return NFV_APP_EXIT_USAGE;
	}
	if (nfv_prefix_match(&cfg.internal, 4, cfg.external)) {
		fprintf(stderr, PROG ": the external address lies inside --internal: pick an address outside the translated prefix\n");
		return NFV_APP_EXIT_USAGE;
	}
	cfg.seed = nfv_ft_random_seed();
	nf.nat = nat_create(&cfg);
	if (!nf.nat) {
		fprintf(stderr, PROG ": cannot make the mapping tables: out of memory (narrow --ports)\n");
		return 1;
	}
	if (nfv_app_start(&app) < 0) {
		nat_destroy(nf.nat);
		return app.status;
	}
	netlib_set_prefetch(app.ctx, NETLIB_PREFETCH_WRITE);	/* addresses, ports, checksums */
	ret = netlib_run_burst(app.ctx, nat_burst, &nf);
	summary(nf.nat, extra, sizeof(extra));
	ret = nfv_app_finish(&app, ret, extra);
	nat_destroy(nf.nat);
	return ret;
}
