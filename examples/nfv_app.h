/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_app.h - what every example NF shares: the attach, service and action
 * options, signal handling, attach + register, and the exit summary.
 *
 * An NF's main() looks like:
 *
 *	nfv_app_init(&app, "nfv-x");
 *	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS "...",
 *				  long_opts, NULL)) != -1)
 *		(nfv_app_option() first, then the NF's own options)
 *	if (nfv_app_start(&app) < 0)
 *		return app.status;
 *	return nfv_app_finish(&app, netlib_run(app.ctx, handler, state), "");
 */
#ifndef NFV_APP_H
#define NFV_APP_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "netlib.h"

/** Exit status for a bad command line. */
#define NFV_APP_EXIT_USAGE 2

/** Values of the long-only options; NFs number theirs from NFV_APP_OPT_END. */
enum {
	NFV_APP_OPT_TO_SERVICE = 256,
	NFV_APP_OPT_TO_PORT,
	NFV_APP_OPT_NEXT,
	NFV_APP_OPT_END,
};

#define NFV_APP_SHORT_OPTS "s:r:n:h"
#define NFV_APP_LONG_OPTS \
	{ "socket", required_argument, NULL, 's' }, \
	{ "service", required_argument, NULL, 'r' }, \
	{ "name", required_argument, NULL, 'n' }, \
	{ "to-service", required_argument, NULL, NFV_APP_OPT_TO_SERVICE }, \
	{ "to-port", required_argument, NULL, NFV_APP_OPT_TO_PORT }, \
	{ "next", no_argument, NULL, NFV_APP_OPT_NEXT }, \
	{ "help", no_argument, NULL, 'h' }

/** One example NF's settings and context. */
struct nfv_app {
	const char *prog;		/* program name, for messages */
	const char *socket;		/* --socket */
	const char *name;		/* --name */
	unsigned int service;		/* --service, 0 until given */
	enum netlib_action action;	/* action given to every packet */
	uint16_t dest;			/* its service or port */
	unsigned int nactions;		/* action options given */
	struct netlib_ctx *ctx;		/* set by nfv_app_start() */
	int status;			/* exit status if nfv_app_start() failed */
};

/** Defaults: name @prog, action NEXT. */
void nfv_app_init(struct nfv_app *app, const char *prog);

/**
 * Handle a shared option.
 * @return 0 if handled, 1 if @opt is not a shared option, -1 if @arg is
 *         bad (message printed).
 */
int nfv_app_option(struct nfv_app *app, int opt, const char *arg);

/** Record an action option (e.g. an NF's own --drop). */
void nfv_app_set_action(struct nfv_app *app, enum netlib_action action,
			uint16_t dest);

/**
 * Print the help lines of the shared options, then @own_options (the
 * NF's own help lines, or ""), then --help.
 */
void nfv_app_usage(FILE *f, const char *own_options);

/**
 * Check the options, catch SIGINT and SIGTERM, attach and register.
 * @return 0, or -1 (message printed) with app->status set to the exit
 *         status: NFV_APP_EXIT_USAGE for a bad command line, 0 when a
 *         signal interrupted the start, 1 otherwise.
 */
int nfv_app_start(struct nfv_app *app);

/**
 * Print the one-line summary (with @extra appended), report why the run
 * loop ended if it failed, and detach.
 * @param run_ret  what netlib_run() returned
 * @return the process exit status: 0 after a stop or when nfvisord left
 *         (-EPIPE), 1 otherwise.
 */
int nfv_app_finish(struct nfv_app *app, int run_ret, const char *extra);

#endif /* NFV_APP_H */
