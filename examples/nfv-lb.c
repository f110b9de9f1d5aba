/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-lb - L4 load balancer: TCP and UDP to a virtual IP go to backends
 * chosen per flow by weighted consistent hashing (lb_lib.h), rewritten in
 * place; everything else passes untouched.  SIGUSR1 prints the
 * per-backend counters, SIGHUP reloads the --backends file.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_lib.h"
#include "netlib.h"
#include "nfv_app.h"

#define PROG "nfv-lb"

enum { OPT_VIP = NFV_APP_OPT_END, OPT_BACKEND, OPT_BACKENDS };

/** The NF: its balancer and where the backends come from. */
struct lb_nf {
	struct nfv_app app;		/* options, context, lock */
	struct nfv_lb *lb;		/* current balancer, under app.lock */
	struct nfv_lb_vip vip;		/* --vip */
	int have_vip;			/* --vip given */
	const char *file;		/* --backends, or NULL */
	struct nfv_lb_backend arg[NFV_LB_BACKENDS_MAX]; /* --backend */
	unsigned int nargs;		/* --backend options given */
	uint64_t reloads;		/* successful SIGHUP reloads */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID --vip IP[:PORT] [--backend SPEC]... [--backends FILE]\n"
		"              [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Balance TCP and UDP to a virtual IP over backends by consistent hashing of\n"
		"the 5-tuple; rewrite destination address, port and MAC in place.  Other\n"
		"packets pass unchanged to the next hop of their chain; the action options\n"
		"below apply to balanced packets.  SIGUSR1 prints the per-backend counters\n"
		"(as at exit), SIGHUP reloads the --backends FILE.  Backends come from\n"
		"--backend options and the FILE together: at least one in all.\n\n");
	nfv_app_usage(f,
		      "      --vip IP[:PORT]  the virtual service (IPv6: [ADDR]:PORT); without\n"
		      "                       PORT every TCP/UDP port of IP is balanced\n"
		      "      --backend SPEC   a backend, IP[:PORT][,WEIGHT][,mac=MAC]: PORT\n"
		      "                       replaces the destination port, WEIGHT 1..10000\n"
		      "                       (default 1), MAC the Ethernet destination;\n"
		      "                       repeat for more backends\n"
		      "      --backends FILE  backends, one SPEC a line ('#' comments);\n"
		      "                       reloaded on SIGHUP\n");
}

/* A new balancer from the options and the file; NULL (message printed). */
static struct nfv_lb *
lb_load(const struct lb_nf *nf)
{
	char err[NFV_LB_ERR_LEN];
	struct nfv_lb *lb = malloc(sizeof(*lb));
	unsigned int i;

	if (!lb) {
		fprintf(stderr, PROG ": out of memory for the balancer\n");
		return NULL;
	}
	nfv_lb_init(lb, &nf->vip);
	for (i = 0; i < nf->nargs; i++) {
		if (nfv_lb_add(lb, &nf->arg[i], err) < 0) {
			fprintf(stderr, PROG ": --backend: %s\n", err);
			goto fail;
		}
	}
	if (nf->file && nfv_lb_load(lb, nf->file, err) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		goto fail;
	}
	if (nfv_lb_build(lb) < 0) {
		fprintf(stderr, PROG ": no backend: give --backend SPEC or a --backends FILE with at least one line\n");
		goto fail;
	}
	return lb;
fail:
	free(lb);
	return NULL;
}

/* Print one line per backend, from a copy of the balancer's counters. */
static void
print_backends(const struct nfv_lb_backend *b, unsigned int n)
{
	uint64_t total = 0;
	char name[64];
	unsigned int i;

	for (i = 0; i < n; i++)
		total += b[i].pkts;
	for (i = 0; i < n; i++)
		printf(PROG ": backend %s weight %u packets %" PRIu64 " bytes %" PRIu64
		       " share %.1f%%\n",
		       nfv_lb_backend_name(&b[i], name, sizeof(name)), b[i].weight,
		       b[i].pkts, b[i].bytes,
		       total ? 100.0 * (double)b[i].pkts / (double)total : 0.0);
}

static void
report(struct lb_nf *nf)
{
	static struct nfv_lb_backend copy[NFV_LB_BACKENDS_MAX];
	uint64_t total, passed;
	unsigned int n;

	pthread_mutex_lock(&nf->app.lock);
	n = nf->lb->nbackends;
	memcpy(copy, nf->lb->backend, n * sizeof(copy[0]));
	total = nf->lb->balanced;
	passed = nf->lb->passed;
	pthread_mutex_unlock(&nf->app.lock);
	print_backends(copy, n);
	printf(PROG ": balanced %" PRIu64 " passed %" PRIu64 "\n", total, passed);
	fflush(stdout);
}

/* SIGHUP: build the new balancer aside, then swap it in between bursts. */
static void
reload(struct lb_nf *nf)
{
	struct nfv_lb *fresh, *old;
	unsigned int i, j;

	if (!nf->file) {
		fprintf(stderr, PROG ": SIGHUP ignored: no --backends FILE to reload\n");
		return;
	}
	fresh = lb_load(nf);
	if (!fresh) {
		fprintf(stderr, PROG ": reload failed: still balancing over the previous backends\n");
		return;
	}
	pthread_mutex_lock(&nf->app.lock);
	old = nf->lb;
	/* Backends that stay keep their counters. */
	for (i = 0; i < fresh->nbackends; i++)
		for (j = 0; j < old->nbackends; j++)
			if (!memcmp(fresh->backend[i].addr, old->backend[j].addr, NFV_ADDR_LEN) &&
			    fresh->backend[i].port == old->backend[j].port) {
				fresh->backend[i].pkts = old->backend[j].pkts;
				fresh->backend[i].bytes = old->backend[j].bytes;
			}
	fresh->balanced = old->balanced;
	fresh->passed = old->passed;
	nf->lb = fresh;
	nf->reloads++;
	pthread_mutex_unlock(&nf->app.lock);
	free(old);
	printf(PROG ": reloaded %s: %u backends\n", nf->file, fresh->nbackends);
	fflush(stdout);
}

static void
on_side(void *arg, int sig)
{
	if (sig == SIGUSR1)
		report(arg);
	else if (sig == SIGHUP)
		reload(arg);
}

static void
lb_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct lb_nf *nf = arg;
	unsigned int i;

	(void)ctx;
	nfv_app_burst_lock(&nf->app);
	for (i = 0; i < n; i++)
		if (nfv_lb_packet(nf->lb, netlib_pkt_data(pkts[i]), netlib_pkt_len(pkts[i])) ==
		    NFV_LB_BALANCED)
			/* Cannot fail: checked when the options were parsed. */
			netlib_pkt_set_action(pkts[i], nf->app.action, nf->app.dest);
	nfv_app_burst_unlock(&nf->app);
}

static int
parse_options(struct lb_nf *nf, int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "vip", required_argument, NULL, OPT_VIP },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "backends", required_argument, NULL, OPT_BACKENDS },
		{ NULL, 0, NULL, 0 },
	};
	char err[NFV_LB_ERR_LEN];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts,
				  NULL)) != -1) {
		ret = nfv_app_option(&nf->app, opt, optarg);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_VIP:
			if (nfv_lb_parse_vip(optarg, &nf->vip, err) < 0) {
				fprintf(stderr, PROG ": --vip: %s\n", err);
				return -1;
			}
			nf->have_vip = 1;
			break;
		case OPT_BACKEND:
			if (nf->nargs == NFV_LB_BACKENDS_MAX) {
				fprintf(stderr, PROG ": more than %d --backend options: use --backends FILE\n",
					NFV_LB_BACKENDS_MAX);
				return -1;
			}
			if (nfv_lb_parse_backend(optarg, &nf->arg[nf->nargs], err) < 0) {
				fprintf(stderr, PROG ": --backend: %s\n", err);
				return -1;
			}
			nf->nargs++;
			break;
		case OPT_BACKENDS:
			nf->file = optarg;
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
	if (!nf->have_vip) {
		fprintf(stderr, PROG ": missing --vip IP[:PORT]: give the virtual service to balance, e.g. --vip 198.19.0.1:80\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct lb_nf nf;
	char extra[96];
	int ret;

	nfv_app_init(&nf.app, PROG);
	if (parse_options(&nf, argc, argv) < 0)
		return NFV_APP_EXIT_USAGE;
	nf.lb = lb_load(&nf);
	if (!nf.lb)
		return NFV_APP_EXIT_USAGE;
	if (nfv_app_side_start(&nf.app, 0, on_side, &nf) < 0)
		return 1;
	if (nfv_app_start(&nf.app) < 0)
		return nf.app.status;
	ret = netlib_run_burst(nf.app.ctx, lb_burst, &nf);
	nfv_app_side_stop(&nf.app);
	print_backends(nf.lb->backend, nf.lb->nbackends);
	snprintf(extra, sizeof(extra), " balanced %" PRIu64 " passed %" PRIu64
		 " backends %u reloads %" PRIu64, nf.lb->balanced, nf.lb->passed,
		 nf.lb->nbackends, nf.reloads);
	ret = nfv_app_finish(&nf.app, ret, extra);
	free(nf.lb);
	return ret;
}
