/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-speedtest - packet generator, sink and reflector for benchmarks,
 * after OpenNetVM's speed_tester.  NetLib lends an NF the buffers nfvisord
 * received; it cannot allocate its own.  So the generator makes its packet
 * set out of what arrives (from a net_null or pcap port, say): each new
 * packet is rebuilt from the template (--size, --flows), tagged with the
 * generator's run id and a timestamp, and sent on (--next by default, or
 * to a service or port).  Frames that come back carrying its run id are
 * timed (--latency) and sent again: out of a loop-back port whose chain
 * leads back to the generator, a fixed set (--count) loops until it stops.
 * (A loop through services alone ends after nfvisord's limit of NF visits
 * per packet.)  The sink counts and drops, the reflector counts and sends
 * on.  The frames and counters are speedtest_lib's.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlib.h"
#include "nfv_app.h"
#include "speedtest_lib.h"

#define PROG "nfv-speedtest"
#define SIDE_PERIOD_MS 100u
#define MAX_SECONDS 86400.0

enum {
	OPT_MODE = NFV_APP_OPT_END, OPT_SIZE, OPT_FLOWS, OPT_COUNT, OPT_LATENCY,
	OPT_DURATION, OPT_INTERVAL, OPT_JSON,
};

enum st_mode { MODE_GEN, MODE_SINK, MODE_REFLECT };
static const char *const mode_names[] = { "gen", "sink", "reflect" };

/** The NF. */
struct speedtest {
	struct nfv_app app;		/* options, context, lock */
	enum st_mode mode;		/* --mode */
	struct st_frame_cfg frame;	/* --size, --flows */
	uint64_t count;			/* --count, 0: every new packet */
	int latency;			/* --latency */
	unsigned int duration_ms;	/* --duration, 0: until stopped */
	unsigned int interval_ms;	/* --interval, 0: no live line */
	const char *json;		/* --json FILE ("-": stdout), or NULL */
	uint32_t run;			/* run id in the tag */
	uint64_t now_ns;		/* CLOCK_MONOTONIC at the current burst */
	struct st_counters c;		/* under app.lock */
	int stopping;			/* side thread: netlib_stop() called */
	uint64_t shown_ns, shown_pkts, shown_bytes;	/* side thread: last live line */
};

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: " PROG " -s PATH -r ID [--mode gen|sink|reflect] [--size BYTES]\n"
		"                     [--flows N] [--count N] [--latency] [--duration SEC]\n"
		"                     [--interval SEC] [--json FILE]\n"
		"                     [--to-service ID | --to-port PORT | --next] [-n NAME]\n"
		"Benchmark nfvisor.  gen: rebuild each new packet as a UDP frame of the\n"
		"template, tag it and send it on, and send again (timed) what comes back;\n"
		"sink: count and drop; reflect: count and send on.  Live rates on stderr\n"
		"every --interval, a summary at exit.\n\n");
	nfv_app_usage(f,
		      "      --mode MODE      gen (default), sink or reflect\n"
		      "      --size BYTES     gen: frame length without FCS, 60..9000 and at\n"
		      "                       most what a buffer holds (default 64)\n"
		      "      --flows N        gen: UDP source ports to cycle through,\n"
		      "                       1..65536 (default 1)\n"
		      "      --count N        gen: packets to own; new packets past N are\n"
		      "                       dropped (default 0: own every one that comes)\n"
		      "      --latency        time tagged frames: gen its own frames coming\n"
		      "                       back, sink and reflect any generator's (same host)\n"
		      "      --duration SEC   stop SEC seconds after the first packet\n"
		      "                       (default 0: at SIGINT or SIGTERM)\n"
		      "      --interval SEC   live rates on stderr every SEC seconds, 0.1..86400\n"
		      "                       (default 1; 0: none)\n"
		      "      --json FILE      write the summary as JSON to FILE at exit\n"
		      "                       (-: stdout)\n");
	fprintf(f, "\nDestination (gen, reflect; default --next); the sink takes none.  To loop\n"
		"a fixed set of packets, send them out of a loop-back port (--vdev net_ring0)\n"
		"whose chain (nfvisord --port-chain) leads back to the generator.\n");
}

/* Bring @pkt to @size bytes.  @return 0, or -1 without the room. */
static int
fit(struct netlib_pkt *pkt, uint32_t size)
{
	uint32_t len = netlib_pkt_len(pkt);

	if (len < size)
		return netlib_pkt_append(pkt, size - len) ? 0 : -1;
	if (len > size)
		return netlib_pkt_trim(pkt, len - size);
	return 0;
}

static void
gen_pkt(struct speedtest *st, struct netlib_pkt *pkt)
{
	uint8_t *data = netlib_pkt_data(pkt);
	uint32_t run;
	uint64_t ts;

	if (st_tag_read(data, netlib_pkt_len(pkt), &run, &ts) && run == st->run) {
		st->c.returned++;
		if (st->latency && st->now_ns >= ts)
			st_lat_add(&st->c.lat, st->now_ns - ts);
	} else {
		if (st->count && st->c.adopted >= st->count) {
			st->c.surplus++;
			netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
			return;
		}
		if (fit(pkt, st->frame.size) < 0) {
			st->c.unfit++;
			netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
			return;
		}
		data = netlib_pkt_data(pkt);
		st_frame_build(data, &st->frame, (uint32_t)st->c.adopted);
		st->c.adopted++;
	}
	st_tag_write(data, st->run, st->now_ns);
	st->c.pkts++;
	st->c.bytes += netlib_pkt_len(pkt);
	/* Cannot fail: checked when the options were parsed. */
	netlib_pkt_set_action(pkt, st->app.action, st->app.dest);
}

/* Sink and reflector: count, time tagged frames, drop or send on. */
static void
sink_pkt(struct speedtest *st, struct netlib_pkt *pkt)
{
	uint32_t run;
	uint64_t ts;

	st->c.pkts++;
	st->c.bytes += netlib_pkt_len(pkt);
	if (st_tag_read(netlib_pkt_data(pkt), netlib_pkt_len(pkt), &run, &ts)) {
		st->c.tagged++;
		if (st->latency && st->now_ns >= ts)
			st_lat_add(&st->c.lat, st->now_ns - ts);
	}
	if (st->mode == MODE_SINK)
		netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
	else
		netlib_pkt_set_action(pkt, st->app.action, st->app.dest);
}

static void
on_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct speedtest *st = arg;
	unsigned int i;

	(void)ctx;
	nfv_app_burst_lock(&st->app);
	st->now_ns = nfv_app_mono_ns();
	if (!st->c.first_ns)
		st->c.first_ns = st->now_ns;
	st->c.last_ns = st->now_ns;
	for (i = 0; i < n; i++) {
		if (st->mode == MODE_GEN)
			gen_pkt(st, pkts[i]);
		else
			sink_pkt(st, pkts[i]);
	}
	nfv_app_burst_unlock(&st->app);
}

/* Side thread, every SIDE_PERIOD_MS: the live line, and the stop. */
static void
on_side(void *arg, int sig)
{
	struct speedtest *st = arg;
	uint64_t now = nfv_app_mono_ns(), first, pkts, bytes, lat_n, lat_sum, p99;
	double dt;

	if (sig != 0)
		return;
	pthread_mutex_lock(&st->app.lock);
	first = st->c.first_ns;
	pkts = st->c.pkts;
	bytes = st->c.bytes;
	lat_n = st->c.lat.n;
	lat_sum = st->c.lat.sum_ns;
	p99 = st->interval_ms && st->latency ? st_lat_quantile(&st->c.lat, 0.99) : 0;
	pthread_mutex_unlock(&st->app.lock);
	if (!first)
		return;
	if (!st->shown_ns)
		st->shown_ns = first;
	if (st->duration_ms && !st->stopping && now - first >= st->duration_ms * 1000000ull) {
		st->stopping = 1;
		netlib_stop(st->app.ctx);
	}
	if (!st->interval_ms || now - st->shown_ns < st->interval_ms * 1000000ull)
		return;
	dt = (double)(now - st->shown_ns) / 1e9;
	fprintf(stderr, PROG ": %.1f s: %.3f Mpps %.3f Gbit/s, %" PRIu64 " packets",
		(double)(now - first) / 1e9, (double)(pkts - st->shown_pkts) / dt / 1e6,
		(double)(bytes - st->shown_bytes) * 8 / dt / 1e9, pkts);
	if (st->latency && lat_n)
		fprintf(stderr, ", latency avg %.1f us p99 %.1f us", (double)lat_sum / (double)lat_n / 1e3,
			(double)p99 / 1e3);
	fputc('\n', stderr);
	st->shown_ns = now;
	st->shown_pkts = pkts;
	st->shown_bytes = bytes;
}


/* Seconds as ms: 0, or @min_s..MAX_SECONDS. */
static int
parse_seconds(const char *opt, const char *s, double min_s, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!isdigit((unsigned char)s[0]) || errno || *end || !isfinite(v) || v > MAX_SECONDS ||
	    (v > 0 && v < min_s)) {
		fprintf(stderr, PROG ": --%s '%s' is not seconds in %g..86400 (0: off)\n", opt, s,
			min_s);
		return -1;
	}
	*ms = (unsigned int)lround(v * 1000);
	return 0;
}

static int
parse_options(struct speedtest *st, int argc, char **argv)
{
	static const struct option long_opts[] = {
		NFV_APP_LONG_OPTS,
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "flows", required_argument, NULL, OPT_FLOWS },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "latency", no_argument, NULL, OPT_LATENCY },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "json", required_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int gen_opts = 0, opt, ret;
	unsigned long long v;

	while ((opt = getopt_long(argc, argv, NFV_APP_SHORT_OPTS, long_opts, NULL)) != -1) {
		ret = nfv_app_option(&st->app, opt, optarg);
		if (ret < 0)
			return -1;
		if (ret == 0)
			continue;
		switch (opt) {
		case OPT_MODE:
			for (v = 0; v < 3 && strcmp(optarg, mode_names[v]) != 0; v++)
				;
			if (v == 3) {
				fprintf(stderr, PROG ": --mode '%s': choose gen, sink or reflect\n", optarg);
				return -1;
			}
			st->mode = (enum st_mode)v;
			break;
		case OPT_SIZE:
			if (nfv_app_parse_num(PROG, "size", optarg, ST_MIN_SIZE, ST_MAX_SIZE, &v) < 0)
				return -1;
			st->frame.size = (uint32_t)v;
			gen_opts++;
			break;
		case OPT_FLOWS:
			if (nfv_app_parse_num(PROG, "flows", optarg, 1, ST_MAX_FLOWS, &v) < 0)
				return -1;
			st->frame.flows = (uint32_t)v;
			gen_opts++;
			break;
		case OPT_COUNT:
			if (nfv_app_parse_num(PROG, "count", optarg, 0, UINT32_MAX, &v) < 0)
				return -1;
			st->count = v;
			gen_opts++;
			break;
		case OPT_LATENCY:
			st->latency = 1;
			break;
		case OPT_DURATION:
			if (parse_seconds("duration", optarg, 0.001, &st->duration_ms) < 0)
				return -1;
			break;
		case OPT_INTERVAL:
			if (parse_seconds("interval", optarg, 0.1, &st->interval_ms) < 0)
				return -1;
			break;
		case OPT_JSON:
			st->json = optarg;
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
	if (st->mode != MODE_GEN && gen_opts) {
		fprintf(stderr, PROG ": --size, --flows and --count are for --mode gen\n");
		return -1;
	}
	if (st->mode == MODE_SINK && st->app.nactions) {
		fprintf(stderr, PROG ": the sink drops every packet: use --mode reflect to send them on\n");
		return -1;
	}
	/* Found now, not after the whole run. */
	if (st->json && nfv_app_check_output(PROG, "json", st->json) < 0)
		return -1;
	return 0;
}

/* "service 2", "port 1", "next hop", "dropped". */
static void
describe_dest(const struct speedtest *st, char *buf, size_t len)
{
	if (st->mode == MODE_SINK || st->app.action == NETLIB_ACT_DROP)
		snprintf(buf, len, "dropped");
	else if (st->app.action == NETLIB_ACT_TONF)
		snprintf(buf, len, "service %u", st->app.dest);
	else if (st->app.action == NETLIB_ACT_OUT)
		snprintf(buf, len, "port %u", st->app.dest);
	else
		snprintf(buf, len, "next hop");
}

static int
write_json(const struct speedtest *st)
{
	struct netlib_stats ns;
	struct netlib_info info;
	struct st_report r;
	char dest[32];
	FILE *f;
	int ret;

	netlib_stats(st->app.ctx, &ns);
	netlib_ctx_info(st->app.ctx, &info);
	describe_dest(st, dest, sizeof(dest));
	memset(&r, 0, sizeof(r));
	r.mode = mode_names[st->mode];
	r.service = st->app.service;
	r.instance = info.instance_id;
	r.dest = dest;
	if (st->mode == MODE_GEN) {
		r.frame_size = st->frame.size;
		r.flows = st->frame.flows;
		r.count = st->count;
	}
	r.latency = st->latency;
	r.rx_pkts = ns.rx_pkts;
	r.tx_pkts = ns.tx_pkts;
	r.drop_pkts = ns.drop_pkts;
	r.rx_invalid = ns.rx_invalid;
	f = strcmp(st->json, "-") == 0 ? stdout : fopen(st->json, "w");
	if (!f) {
		fprintf(stderr, PROG ": --json: cannot create %s: %s\n", st->json, strerror(errno));
		return -1;
	}
	ret = st_write_json(f, &st->c, &r);
	if (f == stdout)
		ret = fflush(f) != 0 || ret < 0 ? -EIO : 0;
	else if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	if (ret < 0) {
		fprintf(stderr, PROG ": --json: cannot write %s: %s\n", st->json, strerror(-ret));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct speedtest st = { .interval_ms = 1000 };
	struct netlib_info info;
	char extra[256];
	int ret, status = 0;

	nfv_app_init(&st.app, PROG);
	st_frame_defaults(&st.frame);
	if (parse_options(&st, argc, argv) < 0)
		return NFV_APP_EXIT_USAGE;
	st.run = (uint32_t)getpid();
	if (nfv_app_side_start(&st.app, SIDE_PERIOD_MS, on_side, &st) < 0)
		return 1;
	if (nfv_app_start(&st.app) < 0)
		return st.app.status;
	netlib_ctx_info(st.app.ctx, &info);
	if (st.mode == MODE_GEN && st.frame.size > info.buf_size - info.buf_headroom) {
		fprintf(stderr, PROG ": --size %u: this domain's buffers hold at most %u bytes"
			" (nfvisord --buf-size)\n", st.frame.size, info.buf_size - info.buf_headroom);
		nfv_app_finish(&st.app, 0, "");
		return NFV_APP_EXIT_USAGE;
	}
	ret = netlib_run_burst(st.app.ctx, on_burst, &st);
	nfv_app_side_stop(&st.app);
	if (st.json && write_json(&st) < 0)
		status = 1;
	snprintf(extra, sizeof(extra), " mode %s packets %" PRIu64 " bytes %" PRIu64
		 " mpps %.3f gbps %.3f adopted %" PRIu64 " returned %" PRIu64 " surplus %" PRIu64,
		 mode_names[st.mode], st.c.pkts, st.c.bytes, st_pps(&st.c) / 1e6,
		 st_bps(&st.c) / 1e9, st.c.adopted, st.c.returned, st.c.surplus);
	if (st.latency && st.c.lat.n)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 " latency_avg_ns %" PRIu64 " latency_p99_ns %" PRIu64,
			 st.c.lat.sum_ns / st.c.lat.n, st_lat_quantile(&st.c.lat, 0.99));
	ret = nfv_app_finish(&st.app, ret, extra);
	return ret ? ret : status;
}
