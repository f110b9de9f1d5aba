/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_app.c - command line, signals, attach and exit summary shared by the
 * example NFs.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nfv_app.h"

/* The context the signal handler stops; NULL while there is none. */
static struct netlib_ctx *app_ctx;
static volatile sig_atomic_t app_signalled;

static void
on_signal(int sig)
{
	/* load-acquire pairs with the store-release in nfv_app_start(). */
	struct netlib_ctx *ctx = __atomic_load_n(&app_ctx, __ATOMIC_ACQUIRE);

	(void)sig;
	app_signalled = 1;
	if (ctx)
		netlib_stop(ctx);
}

static int
parse_uint(const struct nfv_app *app, const char *opt, const char *arg,
	   unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: --%s '%s' is not a number in %lu..%lu\n",
			app->prog, opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

void
nfv_app_init(struct nfv_app *app, const char *prog)
{
	memset(app, 0, sizeof(*app));
	app->prog = prog;
	app->name = prog;
	app->action = NETLIB_ACT_NEXT;
	pthread_mutex_init(&app->lock, NULL);
}

void
nfv_app_set_action(struct nfv_app *app, enum netlib_action action,
		   uint16_t dest)
{
	app->action = action;
	app->dest = dest;
	app->nactions++;
}

int
nfv_app_option(struct nfv_app *app, int opt, const char *arg)
{
	unsigned long v;

	switch (opt) {
	case 's':
		app->socket = arg;
		return 0;
	case 'r':
		if (parse_uint(app, "service", arg, 1, NETLIB_SERVICE_MAX, &v) < 0)
			return -1;
		app->service = (unsigned int)v;
		return 0;
	case 'n':
		if (strlen(arg) > NETLIB_NAME_MAX) {
			fprintf(stderr, "%s: --name '%s' is longer than %d bytes\n",
				app->prog, arg, NETLIB_NAME_MAX);
			return -1;
		}
		app->name = arg;
		return 0;
	case NFV_APP_OPT_TO_SERVICE:
		if (parse_uint(app, "to-service", arg, 1, NETLIB_SERVICE_MAX, &v) < 0)
			return -1;
		nfv_app_set_action(app, NETLIB_ACT_TONF, (uint16_t)v);
		return 0;
	case NFV_APP_OPT_TO_PORT:
		if (parse_uint(app, "to-port", arg, 0, NETLIB_PORT_MAX, &v) < 0)
			return -1;
		nfv_app_set_action(app, NETLIB_ACT_OUT, (uint16_t)v);
		return 0;
	case NFV_APP_OPT_NEXT:
		nfv_app_set_action(app, NETLIB_ACT_NEXT, 0);
		return 0;
	default:
		return 1;
	}
}

#define APP_STR_(x) #x
#define APP_STR(x) APP_STR_(x)

/* The action options, in every NF's help but where they do not apply. */
static const char action_help[] =
	"      --to-service ID  send packets to service ID\n"
	"      --to-port PORT   send packets out of port PORT (0.." APP_STR(NETLIB_PORT_MAX) ")\n"
	"      --next           send packets to the next hop of their\n"
	"                       chain (default)\n";

static void
app_usage(FILE *f, const char *own_options, int actions)
{
	fprintf(f,
		"  -s, --socket PATH    nfvisord attach socket, " NETLIB_SOCKET_DIR "/<domain>.sock,\n"
		"                       or " NETLIB_VM_DEV_DIR "/" NETLIB_VM_DEV_NAME "N inside a VM (\"" NETLIB_ATTACH_VM "\": the\n"
		"                       first such device holding an nfvisor region)\n"
		"                       (required)\n"
		"  -r, --service ID     service this NF serves, 1..%d (required)\n"
		"  -n, --name NAME      name nfvctl shows, at most %d bytes\n"
		"                       (default: the program name)\n"
		"%s%s"
		"  -h, --help           show this help and exit\n"
		"\nExit status: 0 after SIGINT or SIGTERM or once nfvisord leaves,\n"
		"1 on errors, %d for a bad command line.\n",
		NETLIB_SERVICE_MAX, NETLIB_NAME_MAX, actions ? action_help : "", own_options,
		NFV_APP_EXIT_USAGE);
}

void
nfv_app_usage(FILE *f, const char *own_options)
{
	app_usage(f, own_options, 1);
}

void
nfv_app_usage_no_actions(FILE *f, const char *own_options)
{
	app_usage(f, own_options, 0);
}

static int
check_options(const struct nfv_app *app)
{
	if (!app->socket) {
		fprintf(stderr, "%s: missing --socket PATH: give the trust domain's attach socket, e.g. %s/default.sock, or in a VM %s/%s0\n",
			app->prog, NETLIB_SOCKET_DIR, NETLIB_VM_DEV_DIR, NETLIB_VM_DEV_NAME);
		return -1;
	}
	if (!app->service) {
		fprintf(stderr, "%s: missing --service ID: give the service (1..%d) this NF serves\n",
			app->prog, NETLIB_SERVICE_MAX);
		return -1;
	}
	if (app->nactions > 1) {
		fprintf(stderr, "%s: more than one action option given: choose one (see --help)\n",
			app->prog);
		return -1;
	}
	return 0;
}

static void
app_detach(struct nfv_app *app)
{
	__atomic_store_n(&app_ctx, NULL, __ATOMIC_RELEASE);
	netlib_detach(app->ctx);
	app->ctx = NULL;
}

int
nfv_app_start(struct nfv_app *app)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct netlib_info info;
	int ret;

	app->status = NFV_APP_EXIT_USAGE;
	if (check_options(app) < 0)
		return -1;
	app->status = 1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		fprintf(stderr, "%s: cannot catch SIGINT/SIGTERM: %s\n", app->prog,
			strerror(errno));
		return -1;
	}
	app->ctx = netlib_attach(app->socket);
	if (!app->ctx) {
		if (app_signalled)
			app->status = 0;
		else
			fprintf(stderr, "%s: cannot attach: %s\n", app->prog,
				netlib_last_error());
		return -1;
	}
	/* store-release pairs with the load-acquire in on_signal(). */
	__atomic_store_n(&app_ctx, app->ctx, __ATOMIC_RELEASE);
	if (app_signalled)
		netlib_stop(app->ctx);
	ret = netlib_register(app->ctx, (uint16_t)app->service, app->name);
	if (ret < 0) {
		if (ret == -EINTR)
			app->status = 0;
		else
			fprintf(stderr, "%s: cannot register for service %u: %s\n",
				app->prog, app->service, netlib_last_error());
		app_detach(app);
		return -1;
	}
	netlib_ctx_info(app->ctx, &info);
	printf("%s: instance %d of service %u in domain '%s' (slot %u)\n",
	       app->prog, info.instance_id, app->service, info.domain_name,
	       info.slot);
	fflush(stdout);
	return 0;
}

int
nfv_app_finish(struct nfv_app *app, int run_ret, const char *extra)
{
	struct netlib_stats st;

	if (run_ret < 0)
		fprintf(stderr, "%s: stopped: %s\n", app->prog, netlib_last_error());
	/* nfvisord leaving ends the NF's service: not an NF failure. */
	if (run_ret == -EPIPE)
		run_ret = 0;
	nfv_app_side_stop(app);
	netlib_stats(app->ctx, &st);
	printf("%s: rx %" PRIu64 " tx %" PRIu64 " dropped %" PRIu64 " invalid %" PRIu64 "%s\n",
	       app->prog, st.rx_pkts, st.tx_pkts - st.drop_pkts, st.drop_pkts,
	       st.rx_invalid, extra);
	if (st.tx_refused)
		fprintf(stderr, "%s: handed back %" PRIu64 " packets it did not hold (returned twice?): ignored\n",
			app->prog, st.tx_refused);
	app_detach(app);
	return run_ret < 0;
}

static void
side_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
}

uint64_t
nfv_app_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ms(void)
{
	return nfv_app_mono_ns() / 1000000u;
}

static void *
side_main(void *arg)
{
	struct nfv_app *app = arg;
	uint64_t next = mono_ms() + app->side_period_ms, now;
	struct timespec wait;
	sigset_t set;
	int sig;

	side_signals(&set);
	while (!__atomic_load_n(&app->side_stop, __ATOMIC_RELAXED)) {
		if (app->side_period_ms) {
			now = mono_ms();
			if (now >= next) {
				app->side_fn(app->side_arg, 0);
				next = now + app->side_period_ms;
				continue;
			}
			wait.tv_sec = (time_t)((next - now) / 1000);
			wait.tv_nsec = (long)((next - now) % 1000) * 1000000;
			sig = sigtimedwait(&set, NULL, &wait);
		} else {
			sig = sigwaitinfo(&set, NULL);
		}
		if (sig > 0 && !__atomic_load_n(&app->side_stop, __ATOMIC_RELAXED))
			app->side_fn(app->side_arg, sig);
	}
	return NULL;
}

int
nfv_app_side_start(struct nfv_app *app, unsigned int period_ms,
		   void (*fn)(void *arg, int sig), void *arg)
{
	sigset_t set;
	int ret;

	side_signals(&set);
	ret = pthread_sigmask(SIG_BLOCK, &set, NULL);
	app->side_fn = fn;
	app->side_arg = arg;
	app->side_period_ms = period_ms;
	if (ret == 0)
		ret = pthread_create(&app->side, NULL, side_main, app);
	if (ret) {
		fprintf(stderr, "%s: cannot start the reporting thread: %s\n",
			app->prog, strerror(ret));
		return -1;
	}
	app->side_started = 1;
	return 0;
}

void
nfv_app_side_stop(struct nfv_app *app)
{
	if (!app->side_started)
		return;
	__atomic_store_n(&app->side_stop, 1, __ATOMIC_RELAXED);
	/* Wakes sigwaitinfo()/sigtimedwait(); SIGHUP stays blocked, so it is
	 * consumed there, not delivered. */
	pthread_kill(app->side, SIGHUP);
	pthread_join(app->side, NULL);
	app->side_started = 0;
}

void
nfv_app_burst_lock(struct nfv_app *app)
{
	if (app->side_started)
		pthread_mutex_lock(&app->lock);
}

void
nfv_app_burst_unlock(struct nfv_app *app)
{
	if (app->side_started)
		pthread_mutex_unlock(&app->lock);
}

int
nfv_app_parse_num(const char *prog, const char *opt, const char *s,
		  unsigned long long min, unsigned long long max,
		  unsigned long long *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || errno || *end || v < min || v > max) {
		fprintf(stderr, "%s: --%s '%s' is not a number in %llu..%llu\n", prog, opt, s,
			min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
nfv_app_check_output(const char *prog, const char *opt, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;
	size_t n;

	if (strcmp(path, "-") == 0)
		return 0;
	if (!slash) {
		strcpy(dir, ".");
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof(dir)) {
			fprintf(stderr, "%s: --%s %s: path too long\n", prog, opt, path);
			return -1;
		}
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "%s: --%s %s is a directory: give a file name\n", prog, opt, path);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "%s: --%s %s: cannot write in %s: %s (give a path in a writable directory)\n",
			prog, opt, path, dir, strerror(errno));
		return -1;
	}
	return 0;
}
