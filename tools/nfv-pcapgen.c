/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-pcapgen - write a pcap of synthetic, tagged UDP or TCP traffic.
 *
 * Packet i belongs to flow i % FLOWS and carries the tag (i, flow) at the
 * start of its payload (see nfv_pkt.h).  Everything random about packet i
 * (its size, its filler bytes) comes from a generator seeded with the seed
 * and i alone, so a capture of N packets is a prefix of one of N + k
 * packets with the same options.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "nfv_pkt.h"

#define PROG "nfv-pcapgen"
#define MAX_FLOWS 65534u		/* one IPv4 source per flow in a /16 */
#define FIRST_SPORT 1024u		/* source port of flow 0 */
#define SPORTS (65536u - FIRST_SPORT)
#define DPORT 9u			/* discard: no dissector decodes it */
#define TS_BASE 1704067200		/* 2024-01-01, first packet timestamp */
#define SNAPLEN 65535

static const uint8_t mac_src[NFV_ETH_ALEN] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t mac_dst[NFV_ETH_ALEN] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t ip4_src[4] = { 198, 18, 0, 0 };	/* + flow + 1 */
static const uint8_t ip4_dst[4] = { 198, 19, 0, 1 };
static const uint8_t ip6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 };
static const uint8_t ip6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2,
				     [15] = 1 };

/** What to generate. */
struct gen_opts {
	const char *file;		/**< output path, "-" for stdout */
	uint32_t count;			/**< packets to write */
	unsigned size_min;		/**< smallest frame asked for */
	unsigned size_max;		/**< largest frame asked for */
	uint32_t flows;			/**< number of 5-tuples */
	unsigned ipv6_share;		/**< percent of flows that are IPv6 */
	uint8_t l4_proto;		/**< NFV_IPPROTO_UDP or _TCP */
	uint64_t seed;			/**< generator seed, <= INT64_MAX */
	bool json;			/**< summary as a JSON object */
};

/** What was generated. */
struct gen_stats {
	uint64_t ipv4;			/**< IPv4 packets written */
	uint64_t ipv6;			/**< IPv6 packets written */
	uint64_t bytes;			/**< sum of frame lengths */
	size_t len_min;			/**< shortest frame written */
	size_t len_max;			/**< longest frame written */
};

static void
usage(void)
{
	printf("Usage: %s -o FILE [options]\n"
	       "Write a pcap (Ethernet) of tagged synthetic UDP or TCP traffic.\n\n"
	       "  -o, --output FILE       pcap to write ('-' for stdout)\n"
	       "  -n, --count COUNT       packets to write (default 10000)\n"
	       "  -s, --size SIZE|MIN-MAX frame bytes without FCS, 60..9014\n"
	       "                          (over 1514: jumbo frames),\n"
	       "                          uniform in MIN-MAX (default 64); frames\n"
	       "                          grow to fit headers plus the 16-byte tag\n"
	       "  -f, --flows FLOWS       5-tuples, 1..%u (default 16)\n"
	       "      --ipv6-share PCT    percent of flows that are IPv6 (default 0)\n"
	       "      --udp | --tcp       L4 protocol (default udp)\n"
	       "      --seed N            generator seed, 0..2^63-1 (default 1)\n"
	       "      --json              print the summary as a JSON object\n"
	       "  -h, --help              show this help\n\n"
	       "Exit status: 0 written, 1 write error, 2 usage error.\n",
	       PROG, MAX_FLOWS);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

/* Parse a decimal integer in [min, max] or exit with a usage error. */
static uint64_t
parse_uint(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < min || v > max)
		die_usage("%s: expected an integer %" PRIu64 "..%" PRIu64
			  ", got '%s'", opt, min, max, s);
	return v;
}

/* Parse SIZE or MIN-MAX into o->size_min/o->size_max. */
static void
parse_size(const char *s, struct gen_opts *o)
{
	char buf[32];
	char *dash;

	if (strlen(s) >= sizeof(buf))
		die_usage("--size: expected SIZE or MIN-MAX, got '%s'", s);
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	o->size_min = (unsigned)parse_uint("--size", buf, NFV_ETH_FRAME_MIN,
					   NFV_ETH_JUMBO_MAX);
	o->size_max = dash == NULL ? o->size_min :
		(unsigned)parse_uint("--size", dash + 1, NFV_ETH_FRAME_MIN,
				     NFV_ETH_JUMBO_MAX);
	if (o->size_max < o->size_min)
		die_usage("--size: MIN-MAX with MIN > MAX: '%s'", s);
}

/* "PROG: FILE: msg", without repeating FILE when libpcap already did. */
static void
print_file_error(const char *file, const char *msg)
{
	size_t n = strlen(file);

	if (strncmp(msg, file, n) == 0 && msg[n] == ':')
		fprintf(stderr, "%s: %s\n", PROG, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", PROG, file, msg);
}

enum { OPT_IPV6_SHARE = 256, OPT_UDP, OPT_TCP, OPT_SEED, OPT_JSON };

static void
parse_option(int c, char **argv, struct gen_opts *o)
{
	switch (c) {
	case 'o':
		o->file = optarg;
		break;
	case 'n':
		o->count = (uint32_t)parse_uint("--count", optarg, 0,
						UINT32_MAX);
		break;
	case 's':
		parse_size(optarg, o);
		break;
	case 'f':
		o->flows = (uint32_t)parse_uint("--flows", optarg, 1,
						MAX_FLOWS);
		break;
	case OPT_IPV6_SHARE:
		o->ipv6_share = (unsigned)parse_uint("--ipv6-share", optarg,
						     0, 100);
		break;
	case OPT_UDP:
		o->l4_proto = NFV_IPPROTO_UDP;
		break;
	case OPT_TCP:
		o->l4_proto = NFV_IPPROTO_TCP;
		break;
	case OPT_SEED:
		o->seed = parse_uint("--seed", optarg, 0, INT64_MAX);
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case 'h':
		usage();
		exit(0);
	case ':':
		die_usage("option '%s' needs an argument", argv[optind - 1]);
	default:
		die_usage("unknown option '%s'", argv[optind - 1]);
	}
}

static void
parse_args(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'f' },
		{ "ipv6-share", required_argument, NULL, OPT_IPV6_SHARE },
		{ "udp", no_argument, NULL, OPT_UDP },
		{ "tcp", no_argument, NULL, OPT_TCP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:n:s:f:h", longopts,
				NULL)) != -1)
		parse_option(c, argv, o);
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (o->file == NULL)
		die_usage("missing -o FILE");
}

/* SplitMix64: small, fast, and good enough for test traffic. */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Generator state for packet @seq: depends on nothing else. */
static uint64_t
packet_rng(uint64_t seed, uint32_t seq)
{
	uint64_t s = seq;

	return seed ^ splitmix64(&s);
}

/* Flows 0..n6-1 are IPv6, n6 being ipv6_share% of the flows, rounded. */
static bool
flow_is_ipv6(const struct gen_opts *o, uint32_t flow)
{
	uint64_t n6 = ((uint64_t)o->flows * o->ipv6_share + 50) / 100;

	return flow < n6;
}

static void
write_eth(uint8_t *frame, bool ipv6)
{
	memcpy(frame, mac_dst, NFV_ETH_ALEN);
	memcpy(frame + NFV_ETH_ALEN, mac_src, NFV_ETH_ALEN);
	nfv_put16(frame + 2 * NFV_ETH_ALEN,
		  ipv6 ? NFV_ETHERTYPE_IPV6 : NFV_ETHERTYPE_IPV4);
}

/* IPv4 header at @ip for @total bytes of IP packet; checksum left 0. */
static void
write_ipv4(uint8_t *ip, uint32_t flow, uint32_t seq, uint8_t proto,
	   size_t total)
{
	memset(ip, 0, NFV_IPV4_HLEN);
	ip[0] = 0x45;				/* version 4, 5 words */
	nfv_put16(ip + 2, (uint16_t)total);
	nfv_put16(ip + 4, (uint16_t)seq);	/* identification */
	nfv_put16(ip + 6, 0x4000);		/* don't fragment */
	ip[8] = 64;				/* TTL */
	ip[9] = proto;
	memcpy(ip + 12, ip4_src, 4);
	nfv_put16(ip + 14, (uint16_t)(flow + 1));
	memcpy(ip + 16, ip4_dst, 4);
}

/* IPv6 header at @ip with @plen bytes of payload. */
static void
write_ipv6(uint8_t *ip, uint32_t flow, uint8_t proto, size_t plen)
{
	nfv_put32(ip, 6u << 28);		/* version, class 0, label 0 */
	nfv_put16(ip + 4, (uint16_t)plen);
	ip[6] = proto;
	ip[7] = 64;				/* hop limit */
	memcpy(ip + 8, ip6_src, 16);
	nfv_put16(ip + 8 + 14, (uint16_t)(flow + 1));
	memcpy(ip + 24, ip6_dst, 16);
}

/* UDP or TCP header at @l4 for @len bytes of segment; checksum left 0. */
static void
write_l4(uint8_t *l4, uint8_t proto, uint32_t flow, uint32_t seq, size_t len)
{
	nfv_put16(l4, (uint16_t)(FIRST_SPORT + flow % SPORTS));
	nfv_put16(l4 + 2, DPORT);
	if (proto == NFV_IPPROTO_UDP) {
		nfv_put16(l4 + 4, (uint16_t)len);
		nfv_put16(l4 + 6, 0);
		return;
	}
	memset(l4 + 4, 0, NFV_TCP_HLEN - 4);
	nfv_put32(l4 + 4, seq);			/* sequence number */
	nfv_put32(l4 + 8, 1);			/* acknowledgment number */
	l4[12] = (NFV_TCP_HLEN / 4) << 4;	/* data offset */
	l4[13] = 0x18;				/* PSH | ACK */
	nfv_put16(l4 + 14, 65535);		/* window */
}

/* Tag then pseudo-random filler in the @len payload bytes at @p. */
static void
write_payload(uint8_t *p, size_t len, uint32_t seq, uint32_t flow,
	      uint64_t *rng)
{
	struct nfv_tag tag = { .seq = seq, .flow = flow };
	uint64_t r = 0;
	size_t i;

	nfv_tag_write(p, &tag);
	for (i = NFV_TAG_LEN; i < len; i++) {
		if ((i - NFV_TAG_LEN) % 8 == 0)
			r = splitmix64(rng);
		p[i] = (uint8_t)(r >> (8 * ((i - NFV_TAG_LEN) % 8)));
	}
}

/* Frame length of the next packet: uniform in size_min..size_max. */
static size_t
pick_size(const struct gen_opts *o, uint64_t *rng)
{
	unsigned span = o->size_max - o->size_min + 1;

	return o->size_min + (size_t)(splitmix64(rng) % span);
}

/* Build packet @seq into @frame; returns its length. */
static size_t
build_frame(uint8_t *frame, const struct gen_opts *o, uint32_t seq)
{
	uint64_t rng = packet_rng(o->seed, seq);
	uint32_t flow = seq % o->flows;
	bool ipv6 = flow_is_ipv6(o, flow);
	size_t l4_off = NFV_ETH_HLEN + (ipv6 ? NFV_IPV6_HLEN : NFV_IPV4_HLEN);
	size_t l4_hlen = o->l4_proto == NFV_IPPROTO_TCP ? NFV_TCP_HLEN :
			 NFV_UDP_HLEN;
	size_t len = pick_size(o, &rng);

	if (len < l4_off + l4_hlen + NFV_TAG_LEN)
		len = l4_off + l4_hlen + NFV_TAG_LEN;
	write_eth(frame, ipv6);
	if (ipv6)
		write_ipv6(frame + NFV_ETH_HLEN, flow, o->l4_proto,
			   len - l4_off);
	else
		write_ipv4(frame + NFV_ETH_HLEN, flow, seq, o->l4_proto,
			   len - NFV_ETH_HLEN);
	write_l4(frame + l4_off, o->l4_proto, flow, seq, len - l4_off);
	write_payload(frame + l4_off + l4_hlen, len - l4_off - l4_hlen, seq,
		      flow, &rng);
	nfv_pkt_set_csums(frame, len);
	return len;
}

static void
count_frame(struct gen_stats *st, const uint8_t *frame, size_t len)
{
	if (nfv_get16(frame + 2 * NFV_ETH_ALEN) == NFV_ETHERTYPE_IPV6)
		st->ipv6++;
	else
		st->ipv4++;
	st->bytes += len;
	if (st->len_min == 0 || len < st->len_min)
		st->len_min = len;
	if (len > st->len_max)
		st->len_max = len;
}

/* Write all packets; returns 0 or prints why not and returns -1. */
static int
write_pcap(const struct gen_opts *o, struct gen_stats *st)
{
	uint8_t frame[NFV_ETH_JUMBO_MAX];
	struct pcap_pkthdr hdr;
	pcap_dumper_t *d;
	pcap_t *p;
	uint32_t seq;
	int rc = 0;

	p = pcap_open_dead(DLT_EN10MB, SNAPLEN);
	if (p == NULL || (d = pcap_dump_open(p, o->file)) == NULL) {
		print_file_error(o->file,
				 p == NULL ? "out of memory" : pcap_geterr(p));
		if (p != NULL)
			pcap_close(p);
		return -1;
	}
	for (seq = 0; seq < o->count; seq++) {
		hdr.caplen = hdr.len = (bpf_u_int32)build_frame(frame, o, seq);
		hdr.ts.tv_sec = TS_BASE + seq / 1000000;
		hdr.ts.tv_usec = seq % 1000000;
		pcap_dump((u_char *)d, &hdr, frame);
		count_frame(st, frame, hdr.len);
	}
	if (pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d))) {
		fprintf(stderr, "%s: %s: write error: %s\n", PROG, o->file,
			strerror(errno));
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}

static void
print_json(FILE *f, const struct gen_opts *o, const struct gen_stats *st)
{
	json_t *j = json_object();

	json_object_set_new(j, "file", json_string(o->file));
	json_object_set_new(j, "packets", json_integer(o->count));
	json_object_set_new(j, "ipv4", json_integer((json_int_t)st->ipv4));
	json_object_set_new(j, "ipv6", json_integer((json_int_t)st->ipv6));
	json_object_set_new(j, "proto", json_string(
		o->l4_proto == NFV_IPPROTO_TCP ? "tcp" : "udp"));
	json_object_set_new(j, "flows", json_integer(o->flows));
	json_object_set_new(j, "frame_min",
			    json_integer((json_int_t)st->len_min));
	json_object_set_new(j, "frame_max",
			    json_integer((json_int_t)st->len_max));
	json_object_set_new(j, "bytes", json_integer((json_int_t)st->bytes));
	json_object_set_new(j, "seed", json_integer((json_int_t)o->seed));
	json_dumpf(j, f, JSON_COMPACT);
	fputc('\n', f);
	json_decref(j);
}

static void
print_summary(const struct gen_opts *o, const struct gen_stats *st)
{
	/* With -o - the pcap owns stdout. */
	FILE *f = strcmp(o->file, "-") == 0 ? stderr : stdout;

	if (o->json) {
		print_json(f, o, st);
		return;
	}
	fprintf(f, "%s: wrote %" PRIu32 " packets to %s: %s, %" PRIu32
		" flows, %" PRIu64 " IPv4 + %" PRIu64 " IPv6, frames %zu..%zu"
		" bytes, %" PRIu64 " bytes total, seed %" PRIu64 "\n",
		PROG, o->count, o->file,
		o->l4_proto == NFV_IPPROTO_TCP ? "tcp" : "udp", o->flows,
		st->ipv4, st->ipv6, st->len_min, st->len_max, st->bytes,
		o->seed);
}

int
main(int argc, char **argv)
{
	struct gen_opts o = {
		.count = 10000,
		.size_min = 64,
		.size_max = 64,
		.flows = 16,
		.l4_proto = NFV_IPPROTO_UDP,
		.seed = 1,
	};
	struct gen_stats st = { 0 };

	parse_args(argc, argv, &o);
	if (write_pcap(&o, &st) < 0)
		return 1;
	print_summary(&o, &st);
	return 0;
}
