/* SPDX-License-Identifier: BSD-3-Clause */
/* options.c - nfvisord's own command line (after EAL's and `--`). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

#define DEFAULT_RUN_DIR "/run/nfvisor"

void
nfv_usage(FILE *out, const char *prog)
{
	fprintf(out,
"Usage: %s [EAL options] -- [options]\n"
"\n"
"nfvisord owns the DPDK ports and the packet memory, shares each trust\n"
"domain's hugepage region with its network functions (processes through\n"
"NetLib, VMs through ivshmem-doorbell), and switches packets along service\n"
"chains.  EAL options select ports, e.g. --no-pci --vdev net_pcap0,rx_pcap=in.pcap;\n"
"--in-memory is always added, so no hugepage file outlives the daemon.\n"
"\n"
"Options:\n"
"  -r, --run-dir DIR         sockets directory (default " DEFAULT_RUN_DIR "):\n"
"                            DIR/nfvisord.sock (control), DIR/DOMAIN.sock (attach)\n"
"  -d, --domain NAME         name of the default trust domain (default: default)\n"
"  -c, --chain SPEC          default service chain, hops separated by commas:\n"
"                            nf:SERVICE, port:PORT or drop\n"
"                            (default: nf:1,port:1 with two or more ports, else nf:1,port:0)\n"
"      --region-size SIZE    shared region per domain, power of two, K/M/G suffix\n"
"                            (default 64M)\n"
"      --slots N             NF slots per domain, 1..64 (default 16)\n"
"      --ring-size N         RX/TX ring entries, power of two (default 1024)\n"
"      --buf-size N          packet buffer size in bytes (default 2048)\n"
"      --wait-chain          receive from ports only while every service of the\n"
"                            default chain has a running instance\n"
"      --stop-when-idle MS   exit once no packet moved for MS ms and nothing is in\n"
"                            flight (for finite inputs such as pcap files)\n"
"  -i, --stats-interval SEC  print live statistics every SEC seconds, e.g. 1 or 0.5\n"
"                            (default 0: off)\n"
"      --summary FILE        write the final statistics as JSON to FILE\n"
"  -h, --help                this help\n"
"  -V, --version             print the version\n"
"\n"
"Control it with nfvctl(8); attach NFs with NetLib to DIR/DOMAIN.sock.\n"
"Ctrl-C stops it cleanly: every buffer is returned and sockets are removed.\n",
		prog);
}

/* Parse SIZE with an optional K/M/G suffix. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end != '\0' || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

/* Seconds, possibly fractional ("0.25"), as milliseconds. */
static int
parse_seconds_ms(const char *s, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || v < 0 || v > 3600)
		return -EINVAL;
	*ms = (unsigned int)(v * 1000.0 + 0.5);
	return 0;
}

void
nfv_config_defaults(struct nfv_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->run_dir, sizeof(c->run_dir), "%s", DEFAULT_RUN_DIR);
	snprintf(c->domain_name, sizeof(c->domain_name), "default");
	c->region.region_size = 64u << 20;
	c->region.page_size = 2u << 20;
	c->region.nslots = 16;
	c->region.ring_entries = 1024;
	c->region.ctl_entries = 64;
	c->region.buf_stride = 2048;
	c->region.buf_headroom = 128;
}

enum { OPT_REGION = 256, OPT_SLOTS, OPT_RING, OPT_BUF, OPT_WAIT, OPT_IDLE, OPT_SUMMARY };

int
nfv_options_parse(int argc, char **argv, struct nfv_config *c, const char *prog)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'r' },
		{ "domain", required_argument, NULL, 'd' },
		{ "chain", required_argument, NULL, 'c' },
		{ "region-size", required_argument, NULL, OPT_REGION },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "buf-size", required_argument, NULL, OPT_BUF },
		{ "wait-chain", no_argument, NULL, OPT_WAIT },
		{ "stop-when-idle", required_argument, NULL, OPT_IDLE },
		{ "stats-interval", required_argument, NULL, 'i' },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad = NULL;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "r:d:c:i:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			if (snprintf(c->run_dir, sizeof(c->run_dir), "%s", optarg) >= (int)sizeof(c->run_dir))
				bad = "--run-dir: path too long";
			break;
		case 'd':
			if (snprintf(c->domain_name, sizeof(c->domain_name), "%s", optarg) >=
			    (int)sizeof(c->domain_name))
				bad = "--domain: at most 31 characters";
			break;
		case 'c':
			if (snprintf(c->chain, sizeof(c->chain), "%s", optarg) >= (int)sizeof(c->chain))
				bad = "--chain: too long";
			break;
		case OPT_REGION:
			if (parse_size(optarg, &c->region.region_size) < 0)
				bad = "--region-size: expected a size such as 64M or 1G";
			break;
		case OPT_SLOTS:
			if (parse_uint(optarg, 64, &c->region.nslots) < 0)
				bad = "--slots: expected a number 1..64";
			break;
		case OPT_RING:
			if (parse_uint(optarg, 1u << 20, &c->region.ring_entries) < 0)
				bad = "--ring-size: expected a power of two such as 1024";
			break;
		case OPT_BUF:
			if (parse_uint(optarg, UINT16_MAX, &c->region.buf_stride) < 0)
				bad = "--buf-size: expected a number of bytes such as 2048";
			break;
		case OPT_WAIT:
			c->wait_chain = 1;
			break;
		case OPT_IDLE:
			if (parse_uint(optarg, 3600000, &c->stop_idle_ms) < 0 || c->stop_idle_ms == 0)
				bad = "--stop-when-idle: expected milliseconds, 1..3600000";
			break;
		case 'i':
			if (parse_seconds_ms(optarg, &c->stats_interval_ms) < 0)
				bad = "--stats-interval: expected seconds such as 1 or 0.5, at most 3600";
			break;
		case OPT_SUMMARY:
			if (snprintf(c->summary_path, sizeof(c->summary_path), "%s", optarg) >=
			    (int)sizeof(c->summary_path))
				bad = "--summary: path too long";
			break;
		case 'h':
			nfv_usage(stdout, prog);
			return 1;
		case 'V':
			printf("nfvisord %s\n", PACKAGE_VERSION);
			return 1;
		default:
			fprintf(stderr, "%s: see --help for the options\n", prog);
			return -EINVAL;
		}
		if (bad) {
			fprintf(stderr, "%s: %s\n", prog, bad);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (EAL options go before --, ours after)\n",
			prog, argv[optind]);
		return -EINVAL;
	}
	return 0;
}
