/* SPDX-License-Identifier: BSD-3-Clause */
/* options.c - nfvisord's own command line (after EAL's and `--`). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
"  -d, --domain NAME         name of the default trust domain (default: default):\n"
"                            1..31 letters, digits, '_' and '-'\n"
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
"      --region-size SIZE    shared region per domain, a power of two of at least\n"
"                            2M, K/M/G suffix (default 64M)\n"
"      --slots N             NF slots per domain, 1..64 (default 16)\n"
"      --ring-size N|auto    RX/TX ring entries, a power of two from 32 to 16384\n"
"                            (default auto: each domain's as large as its region\n"
"                            holds, up to 8192); a domain keeps up to 2048\n"
"                            packets in flight while its NFs each have a CPU,\n"
"                            2048 for each NF on a CPU they share, up to its ring\n"
"      --buf-size N          packet buffer size in bytes, headroom included, a\n"
"                            power of two from 256 to 32768 (default 2048)\n"
"      --service-policy SERVICE=POLICY  how SERVICE places new flows on its\n"
"                            instances: flow (default: flow-consistent hashing),\n"
"                            load (fewest packets queued), pinned per flow, or\n"
"                            hash (stateless hashing, no table); repeatable\n"
"      --flow-timeout SEC    a flow idle this long loses its pinned instance,\n"
"                            0.001..3600 (default 30; 0: never)\n"
"      --wait-chain          receive from ports only while every service of the\n"
"                            default chain and of every --port-chain has a\n"
"                            running instance\n"
"      --direct              let NFs of one domain hand packets straight to the\n"
"                            next NF of their chain (single-instance services);\n"
"                            NFs so linked share fate: when one leaves, the\n"
"                            others of its group are reset and must restart\n"
"      --tx-hold-us US       a port whose peer takes no packet keeps what it\n"
"                            holds for up to US microseconds, the intake paused\n"
"                            meanwhile, before dropping it (default 5000;\n"
"                            0: drop what the port does not take at once)\n"
"      --idle-sleep-us US    let the worker sleep when it finds no work, up to US\n"
"                            microseconds at a time, 0..10000 (default 0: it\n"
"                            polls without pause); saves a core on a quiet\n"
"                            host, adds up to US to a packet after a lull\n"
"                            (at most one sleep more on its way back from an NF)\n"
"      --stop-when-idle MS   exit once no packet moved for MS ms and nothing is in\n"
"                            flight (for finite inputs such as pcap files)\n"
"  -i, --stats-interval SEC  print live statistics every SEC seconds, e.g. 1 or 0.5,\n"
"                            0.001..3600 (default 0: off)\n"
"      --summary FILE        write the final statistics as JSON to FILE (created\n"
"                            or overwritten; checked at start-up)\n"
"  -h, --help                this help\n"
"  -V, --version             print the version\n"
"\n"
"Control it with nfvctl(8); attach NFs with NetLib to DIR/DOMAIN.sock.\n"
"Ctrl-C stops it cleanly: every buffer is returned and sockets are removed.\n",
		prog);
}

/* Parse SIZE, decimal digits with an optional K/M/G suffix.
 * @return 0, -EINVAL if malformed, -ERANGE if it does not fit 64 bits. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (*s < '0' || *s > '9')	/* strtoull takes "-1" and " 1" */
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

static int
is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
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

/* Seconds, possibly fractional ("0.25"), as milliseconds: 0, or
 * 0.001..3600 (a millisecond is the unit: less would become 0, "off"). */
static int
parse_seconds_ms(const char *s, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 3600 ||
	    (v > 0 && v < 0.001))
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
	c->region.ring_entries = 0;	/* auto: resolve_ring_size() */
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
			int ret = parse_size(tok + 5, &spec->region_size);

			if (ret == -ERANGE) {
				*why = "size=: out of range (expected a power-of-two size such as 32M)";
				return -EINVAL;
			}
			if (ret < 0 || !is_pow2(spec->region_size)) {
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
domain_defined(const struct nfv_config *c, const char *name)
{
	unsigned int i;

	if (strcmp(name, c->domain_name) == 0)
		return 1;
	for (i = 0; i < c->nextra; i++)
		if (strcmp(name, c->extra[i].name) == 0)
			return 1;
	return 0;
}

static int
add_domain(struct nfv_config *c, const struct nfv_domain_spec *spec, const char **why)
{
	if (domain_defined(c, spec->name)) {
		*why = "domain defined twice (-D/-d/--config)";
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
	json_t *root, *v, *dom;
	const char *key, *why = NULL;
	struct stat st;
	size_t i;
	int ret = -EINVAL;
	FILE *f = fopen(path, "r");

	if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		f = NULL;
		errno = EISDIR;
	}
	if (!f) {
		snprintf(msg, len, "--config %s: cannot open: %s", path, strerror(errno));
		return -EINVAL;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		if (jerr.line > 0)
			snprintf(msg, len, "--config %s: line %d: %s", path, jerr.line, jerr.text);
		else
			snprintf(msg, len, "--config %s: %s", path, jerr.text);
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

/* --service-policy SERVICE=flow|load|hash */
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
		*why = "--service-policy: expected SERVICE=POLICY (flow, load or hash), SERVICE 1..255";
		return -EINVAL;
	}
	policy = nfv_lb_policy_parse(eq + 1);
	if (policy < 0) {
		*why = "--service-policy: the policy is flow, load or hash";
		return -EINVAL;
	}
	c->service_policy[id] = (uint8_t)policy;
	return 0;
}

enum { OPT_REGION = 256, OPT_SLOTS, OPT_RING, OPT_BUF, OPT_WAIT, OPT_DIRECT, OPT_IDLE, OPT_SUMMARY,
       OPT_PORT_DOMAIN, OPT_CONFIG, OPT_SERVICE_POLICY, OPT_FLOW_TIMEOUT, OPT_PORT_CHAIN, OPT_SOCKET_GROUP,
       OPT_TX_HOLD, OPT_IDLE_SLEEP };

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

/* Can --summary FILE be written?  Checked at start-up, not after the run:
 * the probe leaves the file as it was (one it had to create is removed). */
static int
check_writable(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

	if (fd >= 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	if (errno != EEXIST)
		return -errno;
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/*
 * What the options say together, once all are read, so that every bad
 * option is refused here (exit status 2), after EAL's own set-up (these
 * options come after its) but before any domain, socket or NF: domains
 * named twice, port domains that do not exist, region geometries, chain
 * syntax (the port ids of a chain are checked against the ports once they
 * exist) and the --summary file.
 */
/* Region parameters of domain @i of @c (0: the default one, then -D's and
 * --config's in order); returns its name. */
static const char *
domain_params(const struct nfv_config *c, unsigned int i, struct nfv_region_params *p)
{
	*p = c->region;
	if (i == 0)
		return c->domain_name;
	if (c->extra[i - 1].region_size)
		p->region_size = c->extra[i - 1].region_size;
	if (c->extra[i - 1].nslots)
		p->nslots = c->extra[i - 1].nslots;
	return c->extra[i - 1].name;
}

/*
 * --ring-size auto (the default): rings of NFV_RING_AUTO_MAX entries (fewer
 * only where more domains are defined at start than chain ids allow at
 * that size), and each domain's rings as large as its region holds, down
 * to NFV_RING_AUTO_MIN (nfv_params_fit_ring()).  NFs that share a CPU take
 * a turn each per window of packets, so large rings are fewer context
 * switches a packet; NFs alone on their CPU keep a smaller window whatever
 * the ring (window.c).  Below the minimum, check_config() names the region
 * that is too small.
 */
static void
resolve_ring_size(struct nfv_config *c)
{
	uint32_t r;

	if (c->region.ring_entries)
		return;
	c->ring_auto = 1;
	for (r = NFV_RING_AUTO_MAX; r > NFV_RING_AUTO_MIN && c->nextra + 1u > nfv_max_domains(r); r /= 2)
		;
	c->region.ring_entries = r;
}

int
nfv_region_too_small(const struct nfv_region_params *p, const char *name, const char *why,
		     int ring_auto, char *msg, size_t len)
{
	uint64_t min = nfv_layout_min_region(p);

	if (min <= p->region_size)
		return 0;
	snprintf(msg, len, "domain %s: %s (%" PRIu64 "M at least, with %u slots and --ring-size %u%s)",
		 name, why, min >> 20, p->nslots, p->ring_entries,
		 ring_auto ? ", the least --ring-size auto takes" : "");
	return 1;
}

void
nfv_params_fit_ring(struct nfv_region_params *p, int ring_auto)
{
	struct nfv_layout l;
	const char *why;

	while (ring_auto && p->ring_entries > NFV_RING_AUTO_MIN && nfv_layout_compute(p, &l, &why) < 0)
		p->ring_entries /= 2;
}

static int
check_config(const struct nfv_config *c, char *msg, size_t len)
{
	struct nfv_chain chain;
	struct nfv_layout l;
	const char *why = NULL;
	unsigned int i;
	int ret;

	/* add_domain() refused a name given twice; -d may come after. */
	for (i = 0; i < c->nextra; i++)
		if (strcmp(c->extra[i].name, c->domain_name) == 0) {
			snprintf(msg, len, "domain '%s' defined twice (-D/-d/--config)", c->extra[i].name);
			return -EINVAL;
		}
	for (i = 0; i < NFV_MAX_PORTS; i++)
		if (c->port_domain[i][0] && !domain_defined(c, c->port_domain[i])) {
			snprintf(msg, len, "port %u: domain %s does not exist (define it with --trust-domain %s or in --config's \"domains\")",
				 i, c->port_domain[i], c->port_domain[i]);
			return -EINVAL;
		}
	if (c->nextra + 1u > nfv_max_domains(c->region.ring_entries)) {
		uint32_t fit = c->region.ring_entries;

		while (fit > 32 && c->nextra + 1u > nfv_max_domains(fit))
			fit /= 2;
		snprintf(msg, len, "--ring-size %u allows %u trust domains, not %u (each may have that many packets in flight, each naming its chain with an id of 16 bits): use --ring-size %u or fewer domains",
			 c->region.ring_entries, nfv_max_domains(c->region.ring_entries),
			 c->nextra + 1u, fit);
		return -EINVAL;
	}
	for (i = 0; i <= c->nextra; i++) {
		struct nfv_region_params p;
		const char *name = domain_params(c, i, &p);

		nfv_params_fit_ring(&p, c->ring_auto);
		if (nfv_layout_compute(&p, &l, &why) < 0) {
			if (!nfv_region_too_small(&p, name, why, c->ring_auto, msg, len))
				snprintf(msg, len, "domain %s: %s", name, why);
			return -EINVAL;
		}
	}
	if (c->chain[0] && nfv_chain_parse(c->chain, &chain, NFV_MAX_PORTS, &why) < 0) {
		snprintf(msg, len, "--chain %s: %s", c->chain, why);
		return -EINVAL;
	}
	for (i = 0; i < NFV_MAX_PORTS; i++)
		if (c->port_chain[i][0] &&
		    nfv_chain_parse(c->port_chain[i], &chain, NFV_MAX_PORTS, &why) < 0) {
			snprintf(msg, len, "--port-chain %u=%s: %s", i, c->port_chain[i], why);
			return -EINVAL;
		}
	if (c->summary_path[0] && (ret = check_writable(c->summary_path)) < 0) {
		snprintf(msg, len, "--summary %s: cannot create: %s", c->summary_path, strerror(-ret));
		return -EINVAL;
	}
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
		{ "idle-sleep-us", required_argument, NULL, OPT_IDLE_SLEEP },
		{ "stop-when-idle", required_argument, NULL, OPT_IDLE },
		{ "stats-interval", required_argument, NULL, 'i' },
		{ "summary", required_argument, NULL, OPT_SUMMARY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bad = NULL, *why = NULL;
	struct nfv_domain_spec spec;
	char msg[PATH_MAX + 128];
	int o, ret;

	optind = 1;
	opterr = 0;	/* one line of ours instead of getopt's and ours */
	while ((o = getopt_long(argc, argv, ":r:d:D:c:i:hV", opts, NULL)) != -1) {
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
			    (int)sizeof(c->domain_name) || nfv_domain_name_check(c->domain_name) < 0)
				bad = "--domain: domain names are 1..31 characters of letters, digits, '_' and '-'";
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
			ret = parse_size(optarg, &c->region.region_size);
			if (ret == -ERANGE) {
				snprintf(msg, sizeof(msg), "--region-size %s: out of range (expected a power of two of at least 2M, such as 64M or 1G)",
					 optarg);
				bad = msg;
			} else if (ret < 0 || !is_pow2(c->region.region_size) ||
				   c->region.region_size < c->region.page_size) {
				bad = "--region-size: expected a power of two of at least 2M, such as 64M or 1G";
			}
			break;
		case OPT_SLOTS:
			if (parse_uint(optarg, NFV_MAX_SLOTS, &c->region.nslots) < 0 || c->region.nslots == 0)
				bad = "--slots: expected a number 1..64";
			break;
		case OPT_RING:
			if (strcmp(optarg, "auto") == 0)
				c->region.ring_entries = 0;
			else if (parse_uint(optarg, NFV_MAX_RING_ENTRIES, &c->region.ring_entries) < 0 ||
				 !is_pow2(c->region.ring_entries) || c->region.ring_entries < 32)
				bad = "--ring-size: expected auto or a power of two from 32 to 16384, such as 2048";
			break;
		case OPT_BUF:
			if (parse_uint(optarg, 32768, &c->region.buf_stride) < 0 ||
			    !is_pow2(c->region.buf_stride) || c->region.buf_stride < 256)
				bad = "--buf-size: expected a power of two from 256 to 32768 bytes, such as 2048";
			break;
		case OPT_SERVICE_POLICY:
			if (parse_service_policy(c, optarg, &why) < 0)
				bad = why;
			break;
		case OPT_FLOW_TIMEOUT:
			if (parse_seconds_ms(optarg, &c->flow_timeout_ms) < 0)
				bad = "--flow-timeout: expected seconds from 0.001 to 3600, such as 30 or 0.5 (0: never)";
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
		case OPT_IDLE_SLEEP:
			if (parse_uint(optarg, NFV_IDLE_SLEEP_MAX_US, &c->idle_sleep_us) < 0)
				bad = "--idle-sleep-us: expected microseconds, 0..10000";
			break;
		case OPT_IDLE:
			if (parse_uint(optarg, 3600000, &c->stop_idle_ms) < 0 || c->stop_idle_ms == 0)
				bad = "--stop-when-idle: expected milliseconds, 1..3600000";
			break;
		case 'i':
			if (parse_seconds_ms(optarg, &c->stats_interval_ms) < 0)
				bad = "--stats-interval: expected seconds from 0.001 to 3600, such as 1 or 0.5 (0: off)";
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
		case ':':
			fprintf(stderr, "%s: option %s needs a value (see --help)\n", prog,
				argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt > 0 && optopt < 256 && optopt != '?')
				fprintf(stderr, "%s: unknown option -%c (see --help)\n", prog, optopt);
			else
				fprintf(stderr, "%s: bad option %s (see --help)\n", prog,
					argv[optind - 1]);
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
	resolve_ring_size(c);
	if (check_config(c, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, msg);
		return -EINVAL;
	}
	return 0;
}
