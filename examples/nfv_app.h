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
 *
 * (or netlib_run_burst() with a handler of whole bursts).  An NF that
 * reports or reconfigures while it runs (on SIGUSR1, SIGHUP or a timer)
 * starts a side thread with nfv_app_side_start() before nfv_app_start(),
 * runs netlib_run_burst() and brackets its burst handler with
 * nfv_app_burst_lock() and nfv_app_burst_unlock(): the packet thread then
 * holds app->lock for the length of each burst, and the side thread takes
 * it to read or swap the NF's state between bursts.
 */
#ifndef NFV_APP_H
#define NFV_APP_H

#include <getopt.h>
#include <pthread.h>
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
	pthread_mutex_t lock;		/* held by the packet thread per burst */
	void (*side_fn)(void *, int);	/* side thread's callback */
	void *side_arg;			/* its argument */
	unsigned int side_period_ms;	/* its timer period, 0: none */
	pthread_t side;			/* the side thread, if side_started */
	int side_started;		/* nfv_app_side_start() succeeded */
	int side_stop;			/* asks the side thread to return */
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
/* The same without the action options, for an NF that chooses each
 * packet's action itself (nfv-router). */
void nfv_app_usage_no_actions(FILE *f, const char *own_options);

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

/**
 * Start the side thread: it calls @fn(@arg, SIG) for each SIGUSR1 or
 * SIGHUP the process gets, and @fn(@arg, 0) every @period_ms ms (never if
 * 0).  @fn runs without app->lock; it takes the lock to touch what the
 * packet handler uses.  Blocks SIGUSR1 and SIGHUP in the calling thread,
 * so call it from main() before nfv_app_start() and other threads.
 * @return 0, or -1 (message printed).
 */
int nfv_app_side_start(struct nfv_app *app, unsigned int period_ms,
		       void (*fn)(void *arg, int sig), void *arg);

/** Stop and join the side thread, if any (nfv_app_finish() does too). */
void nfv_app_side_stop(struct nfv_app *app);

/**
 * Call first thing in a netlib_run_burst() handler: if a side thread runs,
 * locks app->lock for the burst.
 */
void nfv_app_burst_lock(struct nfv_app *app);

/** Call last thing in the handler: unlocks what nfv_app_burst_lock() locked. */
void nfv_app_burst_unlock(struct nfv_app *app);

/** @return CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t nfv_app_mono_ns(void);

/**
 * Parse the value @s of option --@opt as a decimal number in @min..@max.
 * On error print "@prog: --@opt 's' is not a number in MIN..MAX" and
 * return -1.
 */
int nfv_app_parse_num(const char *prog, const char *opt, const char *s,
		      unsigned long long min, unsigned long long max,
		      unsigned long long *out);

/**
 * Check, at start-up, that --@opt @path (a file written at the end, or
 * through a temporary file next to it) can be written: its directory
 * exists and is writable, and @path is not a directory.  "-" (standard
 * output) passes.  On error print one line naming it and return -1.
 */
int nfv_app_check_output(const char *prog, const char *opt, const char *path);

#endif /* NFV_APP_H */
