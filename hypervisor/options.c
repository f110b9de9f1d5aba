/* SPDX-License-Identifier: BSD-3-Clause */
/* options.c - nfvisord's own command line (after EAL's and `--`). */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

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
"      --socket-group GROUP  let GROUP (e.g. libvirt-qemu, the group QEMU runs as\n"
"                            under libvirt) reach the attach sockets: DIR becomes\n"
"                            mode 0750 and each DOMAIN.sock 0660 of GROUP\n"
"  -d, --domain NAME         name of the default trust domain (default: default)\n"
"  -D, --trust-domain SPEC   one more trust domain: NAME[,size=SIZE][,slots=N]\n"
"                            [,trust=trusted|untrusted] (repeatable, at most 7);\n"
"                            its NFs attach to DIR/NAME.sock\n"
"      --port-domain PORT=NAME  port PORT receives into domain NAME's memory\n"
"                            (default: the default domain)\n"
"      --config FILE         domains and port domains from a JSON file:\n"
"                            {\"domains\": [{\"name\": N, \"size\": \"32M\", \"slots\": 8,\n"
"                            \"trust\": \"untrusted\"}], \"ports\": {\"0\": N}}\n"
"  -c, --chain SPEC          default service chain, hops separated by commas:\n"
"                            nf:SERVICE, port:PORT or drop\n"
"                            (default: nf:1,port:1 with two or more ports, else nf:1,port:0)\n"
"      --port-chain PORT=SPEC  what port PORT receives that no flow rule matches\n"
"                            follows SPEC instead of the default chain (the return\n"
"                            direction of a middlebox); repeatable\n"
"      --region-size SIZE    shared region per domain, power of two, K/M/G suffix\n"
"                            (default 64M)\n"
"      --slots N             NF slots per domain, 1..64 (default 16)\n"
"      --ring-size N         RX/TX ring entries, power of two (default 2048);\n"
"                            also each domain's window of packets in flight\n"
"      --buf-size N          packet buffer size in bytes (default 2048)\n"
"      --service-policy SERVICE=POLICY  how SERVICE places new flows on its\n"
"                            instances: flow (default: flow-consistent hashing)\n"
"                            or load (fewest packets queued); repeatable\n"
"      --flow-timeout SEC    a flow idle this long loses its pinned instance\n"
"                            (default 30; 0: never)\n"
"      --wait-chain          receive from ports only while every service of the\n"
"                            default chain has a running instance\n"
"      --direct              let NFs of one domain hand packets straight to the\n"
"                            next NF of their chain (single-instance services);\n"
"                            NFs so linked share fate: when one leaves, the\n"
"                            others of its group are quarantined and must restart\n"
"      --tx-hold-us US       a port whose peer takes no packet keeps what it\n"
"                            holds for up to US microseconds, the intake paused\n"
"                            meanwhile, before dropping it (default 5000;\n"
"                            0: drop what the port does not take at once)\n"
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
	c->socket_gid = -1;
	snprintf(c->domain_name, sizeof(c->domain_name), "default");
	c->region.region_size = 64u << 20;
	c->region.page_size = 2u << 20;
	c->region.nslots = 16;
	c->region.ring_entries = 2048;
	c->tx_hold_us = 5000;
	c->region.ctl_entries = 64;
	c->region.buf_stride = 2048;
	c->region.buf_headroom = 128;
	c->flow_timeout_ms = 30000;
}

int
nfv_domain_spec_parse(const char *text, struct nfv_domain_spec *spec, const char **why)
{
	char buf[256], *rest = buf, *tok;

	memset(spec, 0, sizeof(*spec));
	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf)) {
		*why = "domain specification too long";
		return -EINVAL;
	}
	tok = strsep(&rest, ",");
	if (snprintf(spec->name, sizeof(spec->name), "%s", tok) >= (int)sizeof(spec->name) ||
	    nfv_domain_name_check(spec->name) < 0) {
		*why = "domain names are 1..31 characters of letters, digits, '_' and '-'";
		return -EINVAL;
	}
	while ((tok = strsep(&rest, ",")) != NULL) {
		if (strncmp(tok, "size=", 5) == 0) {
			if (parse_size(tok + 5, &spec->region_size) < 0 || spec->region_size == 0 ||
			    (spec->region_size & (spec->region_size - 1)) != 0) {
				*why = "size=: expected a power-of-two size such as 32M";
				return -EINVAL;
			}
		} else if (strncmp(tok, "slots=", 6) == 0) {
			if (parse_uint(tok + 6, 64, &spec->nslots) < 0 || spec->nslots == 0) {
				*why = "slots=: expected a number 1..64";
				return -EINVAL;
			}
		} else if (strcmp(tok, "trust=trusted") == 0) {
			spec->untrusted = 0;
		} else if (strcmp(tok, "trust=untrusted") == 0) {
			spec->untrusted = 1;
		} else {
			*why = "expected NAME[,size=SIZE][,slots=N][,trust=trusted|untrusted]";
			return -EINVAL;
		}
	}
	return 0;
}

static int
add_domain(struct nfv_config *c, const struct nfv_domain_spec *spec, const char **why)
{
	unsigned int i;

	if (strcmp(spec->name, c->domain_name) == 0) {
		*why = "a domain of this name exists (the default domain): pick another name";
		return -EEXIST;
	}
	for (i = 0; i < c->nextra; i++)
		if (strcmp(spec->name, c->extra[i].name) == 0) {
			*why = "a domain of this name is given twice";
			return -EEXIST;
		}
	if (c->nextra == NFV_MAX_DOMAINS - 1) {
		*why = "at most 8 trust domains, the default one included";
		return -ENOSPC;
	}
	c->extra[c->nextra++] = *spec;
	return 0;
}

static int
set_port_domain(struct nfv_config *c, unsigned long port, const char *name, const char **why)
{
	if (port >= NFV_MAX_PORTS) {
		*why = "port ids are 0..15";
		return -EINVAL;
	}
	if (nfv_domain_name_check(name) < 0) {
		*why = "domain names are 1..31 characters of letters, digits, '_' and '-'";
		return -EINVAL;
	}
	snprintf(c->port_domain[port], sizeof(c->port_domain[port]), "%s", name);
	return 0;
}

static int
parse_port_domain(struct nfv_config *c, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	char *end;
	unsigned long port;

	errno = 0;
	port = strtoul(arg, &end, 10);
	if (!eq || end != eq || end == arg || errno) {
		*why = "--port-domain: expected PORT=DOMAIN, e.g. 1=tenant-a";
		return -EINVAL;
	}
	return set_port_domain(c, port, eq + 1, why);
}

/* --config FILE: {"domains": [{"name", "size", "slots", "trust"}], "ports": {"ID": "NAME"}} */
static int
load_config(struct nfv_config *c, const char *path, char *msg, size_t len)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *v, *dom;
	const char *key, *why = NULL;
	size_t i;
	int ret = -EINVAL;

	if (!root) {
		snprintf(msg, len, "--config %s: line %d: %s", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(msg, len, "--config %s: expected a JSON object", path);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "domains") != 0 && strcmp(key, "ports") != 0) {
			snprintf(msg, len, "--config %s: unknown key \"%s\" (known: domains, ports)",
				 path, key);
			goto out;
		}
	}
	v = json_object_get(root, "domains");
	if (v && !json_is_array(v)) {
		snprintf(msg, len, "--config %s: \"domains\" must be a list", path);
		goto out;
	}
	json_array_foreach(v, i, dom) {
		const char *name = NULL, *size = NULL, *trust = NULL;
		json_int_t slots = 0;
		char text[160];
		struct nfv_domain_spec spec;

		if (json_unpack_ex(dom, &jerr, JSON_STRICT, "{s:s, s?s, s?I, s?s}", "name", &name,
				   "size", &size, "slots", &slots, "trust", &trust) < 0) {
			snprintf(msg, len, "--config %s: domains[%zu]: %s", path, i, jerr.text);
			goto out;
		}
		snprintf(text, sizeof(text), "%s%s%s", name, size ? ",size=" : "", size ? size : "");
		if (slots)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ",slots=%lld",
				 (long long)slots);
		if (trust)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ",trust=%s", trust);
		if (nfv_domain_spec_parse(text, &spec, &why) < 0 || add_domain(c, &spec, &why) < 0) {
			snprintf(msg, len, "--config %s: domains[%zu] (%s): %s", path, i, name, why);
			goto out;
		}
	}
	v = json_object_get(root, "ports");
	if (v && !json_is_object(v)) {
		snprintf(msg, len, "--config %s: \"ports\" must map port ids to domain names", path);
		goto out;
	}
	json_object_foreach(v, key, dom) {
		char *end;
		unsigned long port = strtoul(key, &end, 10);

		if (*key == '\0' || *end != '\0' || !json_is_string(dom) ||
		    set_port_domain(c, port, json_string_value(dom), &why) < 0) {
			snprintf(msg, len, "--config %s: ports.%s: %s", path, key,
				 why ? why : "expected \"PORT\": \"DOMAIN\"");
			goto out;
		}
	}
	ret = 0;
out:
	json_decref(root);
	return ret;
}

/* --port-chain PORT=SPEC: the chain of what PORT receives that no rule matches. */
static int
parse_port_chain(struct nfv_config *c, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	char *end;
	unsigned long port;

	errno = 0;
	port = strtoul(arg, &end, 10);
	if (!eq || end != eq || end == arg || errno || eq[1] == '\0') {
		*why = "--port-chain: expected PORT=CHAIN, e.g. 1=nf:2,nf:1,port:0";
		return -EINVAL;
	}
	if (port >= NFV_MAX_PORTS) {
		*why = "--port-chain: port ids are 0..15";
		return -EINVAL;
	}
	if (snprintf(c->port_chain[port], sizeof(c->port_chain[port]), "%s", eq + 1) >=
	    (int)sizeof(c->port_chain[port])) {
		*why = "--port-chain: chain too long";
		return -EINVAL;
	}
	return 0;
}

/* --service-policy SERVICE=flow|load */
static int
parse_service_policy(struct nfv_config *c, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	char *end;
	unsigned long id;
	int policy;

	errno = 0;
	id = strtoul(arg, &end, 10);
	if (!eq || end != eq || end == arg || errno || id == 0 || id > NFV_MAX_SERVICE) {
		*why = "--service-policy: expected SERVICE=flow or SERVICE=load, SERVICE 1..255";
		return -EINVAL;
	}
	policy = nfv_lb_policy_parse(eq + 1);
	if (policy < 0) {
		*why = "--service-policy: the policy is flow or load";
		return -EINVAL;
	}
	c->service_policy[id] = (uint8_t)policy;
	return 0;
}

enum { OPT_REGION = 256, OPT_SLOTS, OPT_RING, OPT_BUF, OPT_WAIT, OPT_DIRECT, OPT_IDLE, OPT_SUMMARY,
       OPT_PORT_DOMAIN, OPT_CONFIG, OPT_SERVICE_POLICY, OPT_FLOW_TIMEOUT, OPT_PORT_CHAIN, OPT_SOCKET_GROUP,
       OPT_TX_HOLD };

/* --socket-group GROUP: a group name or number. */
static int
parse_group(const char *arg, long *gid)
{
	struct group *gr = getgrnam(arg);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = (long)gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || v >= 0xffffffffUL)
		return -EINVAL;
	*gid = (long)v;
	return 0;
}

int
nfv_options_parse(int argc, char **argv, struct nfv_config *c, const char *prog)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'r' },
		{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
		{ "domain", required_argument, NULL, 'd' },
		{ "trust-domain", required_argument, NULL, 'D' },
		{ "port-domain", required_argument, NULL, OPT_PORT_DOMAIN },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "chain", required_argument, NULL, 'c' },
		{ "port-chain", required_argument, NULL, OPT_PORT_CHAIN },
		{ "region-size", required_argument, NULL, OPT_REGION },
		{ "slots", required_argument, NULL, OPT_SLOTS },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "buf-size", required_argument, NULL, OPT_BUF },
		{ "service-policy", required_argument, NULL, OPT_SERVICE_POLICY },
		{ "flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT },
		{ "wait-chain", no_argument, NULL, OPT_WAIT },
		{ "direct", no_argument, NULL, OPT_DIRECT },
		{ "tx-hold-us", required_argument, NULL, OPT_TX_HOLD },
		{ "stop-when-idle", required_argument, NULL, OPT_IDLE },
		{ "stats-interval", required_argument, NULL, 'i' },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad = NULL, *why = NULL;
	struct nfv_domain_spec spec;
	char msg[512];
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "r:d:D:c:i:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			if (snprintf(c->run_dir, sizeof(c->run_dir), "%s", optarg) >= (int)sizeof(c->run_dir))
				bad = "--run-dir: path too long";
			break;
		case OPT_SOCKET_GROUP:
			if (parse_group(optarg, &c->socket_gid) < 0)
				bad = "--socket-group: no such group (e.g. libvirt-qemu: apt-get install libvirt-daemon-system)";
			break;
		case 'd':
			if (snprintf(c->domain_name, sizeof(c->domain_name), "%s", optarg) >=
			    (int)sizeof(c->domain_name))
				bad = "--domain: at most 31 characters";
			break;
		case 'D':
			if (nfv_domain_spec_parse(optarg, &spec, &why) < 0 ||
			    add_domain(c, &spec, &why) < 0) {
				snprintf(msg, sizeof(msg), "--trust-domain %s: %s", optarg, why);
				bad = msg;
			}
			break;
		case OPT_PORT_DOMAIN:
			if (parse_port_domain(c, optarg, &why) < 0)
				bad = why;
			break;
		case OPT_CONFIG:
			if (load_config(c, optarg, msg, sizeof(msg)) < 0)
				bad = msg;
			break;
		case OPT_PORT_CHAIN:
			if (parse_port_chain(c, optarg, &why) < 0)
				bad = why;
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
				bad = "--ring-size: expected a power of two such as 2048";
			break;
		case OPT_BUF:
			if (parse_uint(optarg, UINT16_MAX, &c->region.buf_stride) < 0)
				bad = "--buf-size: expected a number of bytes such as 2048";
			break;
		case OPT_SERVICE_POLICY:
			if (parse_service_policy(c, optarg, &why) < 0)
				bad = why;
			break;
		case OPT_FLOW_TIMEOUT:
			if (parse_seconds_ms(optarg, &c->flow_timeout_ms) < 0)
				bad = "--flow-timeout: expected seconds such as 30 or 0.5, at most 3600 (0: never)";
			break;
		case OPT_WAIT:
			c->wait_chain = 1;
			break;
		case OPT_DIRECT:
			c->direct = 1;
			break;
		case OPT_TX_HOLD:
			if (parse_uint(optarg, 1000000, &c->tx_hold_us) < 0)
				bad = "--tx-hold-us: expected microseconds, 0..1000000";
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
