/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_lib.c - the L4 load balancer of nfv-lb (see lb_lib.h for the
 * hashing scheme).
 *
 * Frames live in shared memory: each header field is read once (by
 * nfv_hdrs_parse()) and checksums are updated from those reads.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb_lib.h"

#define LB_SEED_FLOW 0x6e66762d6c622d66ull	/* bucket of a flow */
#define LB_SEED_BUCKET 0x6e66762d6c622d62ull	/* score of a bucket */
#define LB_SEED_BACKEND 0x6e66762d6c622d73ull	/* identity of a backend */
#define IPV4_CSUM 10
#define IPV4_DST 16
#define IPV6_DST 24
#define TCP_CSUM 16
#define UDP_CSUM 6
#define L4_DPORT 2

#define ADDR_SYNTAX "write IP[:PORT], an IPv6 address with a port as [ADDR]:PORT"
#define BACKEND_SYNTAX "IP[:PORT][,WEIGHT][,mac=MAC], e.g. 10.0.0.1:8080,2"

static unsigned int
addr_len(uint8_t family)
{
	return family == 4 ? 4 : NFV_ADDR_LEN;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Parse "IP[:PORT]" / "[ADDR]:PORT" / "ADDR" (the whole of @s). */
static int
parse_addr_port(const char *s, uint8_t *addr, uint8_t *family,
		uint16_t *port, char *err)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = NULL, *colon = strchr(s, ':');
	size_t n;

	*port = 0;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (close[1] && close[1] != ':')) {
			snprintf(err, NFV_LB_ERR_LEN, "'%s': unbalanced '[' (%s)", s,
				 ADDR_SYNTAX);
			return -EINVAL;
		}
		n = (size_t)(close - s - 1);
		if (close[1] == ':')
			port_s = close + 2;
		s++;
	} else if (colon && !strchr(colon + 1, ':')) {
		n = (size_t)(colon - s);	/* IPv4:PORT */
		port_s = colon + 1;
	} else {
		n = strlen(s);
	}
	if (n >= sizeof(host))
		n = sizeof(host) - 1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(addr, 0, NFV_ADDR_LEN);
	if (inet_pton(AF_INET, host, addr) == 1) {
		*family = 4;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		*family = 6;
	} else {
		snprintf(err, NFV_LB_ERR_LEN,
			 "'%s' is not an IPv4 or IPv6 address (%s)", host, ADDR_SYNTAX);
		return -EINVAL;
	}
	if (port_s && parse_port(port_s, port) < 0) {
		snprintf(err, NFV_LB_ERR_LEN, "port '%s' is not a number in 1..65535",
			 port_s);
		return -EINVAL;
	}
	return 0;
}

int
nfv_lb_parse_vip(const char *s, struct nfv_lb_vip *vip, char *err)
{
	memset(vip, 0, sizeof(*vip));
	return parse_addr_port(s, vip->addr, &vip->family, &vip->port, err);
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6];
	int used = 0, i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &used) != 6 || s[used] || used != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int
parse_weight(const char *s, uint32_t *weight)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > NFV_LB_WEIGHT_MAX)
		return -EINVAL;
	*weight = (uint32_t)v;
	return 0;
}

int
nfv_lb_parse_backend(const char *s, struct nfv_lb_backend *b, char *err)
{
	char buf[128];
	char *field, *save = NULL;
	int ret, nweights = 0;

	memset(b, 0, sizeof(*b));
	b->weight = 1;
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf)) {
		snprintf(err, NFV_LB_ERR_LEN, "backend '%.40s...' is too long (write %s)",
			 s, BACKEND_SYNTAX);
		return -EINVAL;
	}
	field = strtok_r(buf, ",", &save);
	if (!field) {
		snprintf(err, NFV_LB_ERR_LEN, "empty backend (write %s)", BACKEND_SYNTAX);
		return -EINVAL;
	}
	ret = parse_addr_port(field, b->addr, &b->family, &b->port, err);
	if (ret < 0)
		return ret;
	while ((field = strtok_r(NULL, ",", &save))) {
		if (!strncmp(field, "mac=", 4)) {
			if (parse_mac(field + 4, b->mac) < 0) {
				snprintf(err, NFV_LB_ERR_LEN,
					 "'%s' is not a MAC address (write mac=02:00:00:00:00:0a)",
					 field + 4);
				return -EINVAL;
			}
			b->has_mac = 1;
			continue;
		}
		if (!strncmp(field, "weight=", 7))
			field += 7;
		if (nweights++ || parse_weight(field, &b->weight) < 0) {
			snprintf(err, NFV_LB_ERR_LEN,
				 "'%s' is not a weight in 1..%u (write %s)", field,
				 NFV_LB_WEIGHT_MAX, BACKEND_SYNTAX);
			return -EINVAL;
		}
	}
	return 0;
}

void
nfv_lb_init(struct nfv_lb *lb, const struct nfv_lb_vip *vip)
{
	memset(lb, 0, sizeof(*lb));
	lb->vip = *vip;
}

char *
nfv_lb_backend_name(const struct nfv_lb_backend *b, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(b->family == 4 ? AF_INET : AF_INET6, b->addr, addr, sizeof(addr));
	if (!b->port)
		snprintf(buf, len, "%s", addr);
	else if (b->family == 4)
		snprintf(buf, len, "%s:%u", addr, b->port);
	else
		snprintf(buf, len, "[%s]:%u", addr, b->port);
	return buf;
}

int
nfv_lb_add(struct nfv_lb *lb, const struct nfv_lb_backend *b, char *err)
{
	char name[64];
	unsigned int i;

	nfv_lb_backend_name(b, name, sizeof(name));
	if (b->family != lb->vip.family) {
		snprintf(err, NFV_LB_ERR_LEN,
			 "backend %s is IPv%u but the VIP is IPv%u: give backends of the VIP's family",
			 name, b->family, lb->vip.family);
		return -EAFNOSUPPORT;
	}
	if (b->port && !lb->vip.port) {
		snprintf(err, NFV_LB_ERR_LEN,
			 "backend %s has a port but the VIP has none (it balances every port): drop the port or give --vip IP:PORT",
			 name);
		return -EINVAL;
	}
	for (i = 0; i < lb->nbackends; i++) {
		if (!memcmp(lb->backend[i].addr, b->addr, NFV_ADDR_LEN) &&
		    lb->backend[i].port == b->port) {
			snprintf(err, NFV_LB_ERR_LEN,
				 "backend %s is given twice: list each backend once, with its weight",
				 name);
			return -EEXIST;
		}
	}
	if (lb->nbackends == NFV_LB_BACKENDS_MAX) {
		snprintf(err, NFV_LB_ERR_LEN, "more than %d backends: remove some",
			 NFV_LB_BACKENDS_MAX);
		return -ENOSPC;
	}
	lb->backend[lb->nbackends] = *b;
	lb->backend[lb->nbackends].pkts = 0;
	lb->backend[lb->nbackends].bytes = 0;
	lb->nbackends++;
	return 0;
}

int
nfv_lb_remove(struct nfv_lb *lb, unsigned int index)
{
	if (index >= lb->nbackends)
		return -ERANGE;
	memmove(&lb->backend[index], &lb->backend[index + 1],
		(lb->nbackends - index - 1) * sizeof(lb->backend[0]));
	lb->nbackends--;
	return 0;
}

/* Strip a comment and surrounding blanks from @line, in place. */
static char *
trim(char *line)
{
	char *end;

	line[strcspn(line, "#\r\n")] = '\0';
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

int
nfv_lb_load(struct nfv_lb *lb, const char *path, char *err)
{
	char why[NFV_LB_ERR_LEN];
	char *line = NULL, *s;
	size_t cap = 0;
	unsigned int lineno = 0;
	struct nfv_lb_backend b;
	FILE *f = fopen(path, "r");
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, NFV_LB_ERR_LEN, "%s: %s", path, strerror(errno));
		return ret;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		s = trim(line);
		if (!*s)
			continue;
		ret = nfv_lb_parse_backend(s, &b, why);
		if (ret == 0)
			ret = nfv_lb_add(lb, &b, why);
		if (ret < 0) {
			if (snprintf(err, NFV_LB_ERR_LEN, "%s:%u: %s", path, lineno,
				     why) >= NFV_LB_ERR_LEN)
				strcpy(err + NFV_LB_ERR_LEN - 4, "...");
			break;
		}
	}
	if (ret == 0 && ferror(f)) {
		ret = -EIO;
		snprintf(err, NFV_LB_ERR_LEN, "%s: read error", path);
	}
	free(line);
	fclose(f);
	return ret;
}

/* Identity of a backend for hashing: its address, port and family. */
static uint64_t
backend_id(const struct nfv_lb_backend *b)
{
	uint64_t w[2];

	memcpy(w, b->addr, sizeof(w));
	return nfv_mix64(nfv_mix64(nfv_mix64(w[0] ^ LB_SEED_BACKEND) ^ w[1]) ^
			 ((uint64_t)b->family << 16 | b->port));
}

int
nfv_lb_build(struct nfv_lb *lb)
{
	uint64_t id[NFV_LB_BACKENDS_MAX];
	unsigned int i, k, best;
	double score, best_score;

	if (lb->nbackends == 0)
		return -ENOENT;
	for (i = 0; i < lb->nbackends; i++)
		id[i] = backend_id(&lb->backend[i]);
	for (k = 0; k < NFV_LB_BUCKETS; k++) {
		uint64_t bk = nfv_mix64(k ^ LB_SEED_BUCKET);

		best = 0;
		best_score = -1.0;
		for (i = 0; i < lb->nbackends; i++) {
			uint64_t h = nfv_mix64(id[i] ^ bk);
			/* u uniform in (0, 1): 53 bits, never 0 nor 1. */
			double u = ((double)(h >> 11) + 0.5) * 0x1p-53;

			score = lb->backend[i].weight / -log(u);
			/* Ties (practically never) go by identity, not by
			 * position, so removing another backend cannot flip
			 * them. */
			if (score > best_score ||
			    (score == best_score && id[i] < id[best])) {
				best = i;
				best_score = score;
			}
		}
		lb->bucket[k] = (uint16_t)best;
	}
	return 0;
}

unsigned int
nfv_lb_pick(const struct nfv_lb *lb, const struct nfv_5tuple *key)
{
	return lb->bucket[nfv_5tuple_hash(key, LB_SEED_FLOW) & (NFV_LB_BUCKETS - 1)];
}

/* Is the parsed frame TCP or UDP to the VIP? */
static int
for_vip(const struct nfv_lb_vip *vip, const struct nfv_hdrs *h)
{
	const struct nfv_5tuple *k = &h->key;

	if (k->family != vip->family || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) ||
	    memcmp(k->dst, vip->addr, addr_len(vip->family)))
		return 0;
	if (!vip->port)
		return 1;
	/* A non-first fragment has no port to check: it follows its
	 * address, like the first fragment of its datagram. */
	return h->l4 ? h->dport == vip->port : h->fragment;
}

/* Rewrite the destination of a parsed frame to @b. */
static void
rewrite(uint8_t *frame, const struct nfv_hdrs *h, const struct nfv_lb_backend *b)
{
	uint8_t *ip = frame + h->l3_off, *l4 = frame + h->l4_off;
	unsigned int alen = addr_len(h->key.family);
	unsigned int csum_off = h->key.proto == IPPROTO_TCP ? TCP_CSUM : UDP_CSUM;
	uint16_t c;

	if (h->key.family == 4) {
		c = nfv_csum_replace(get16(ip + IPV4_CSUM), h->key.dst, b->addr, 4);
		put16(ip + IPV4_CSUM, c);
		memcpy(ip + IPV4_DST, b->addr, 4);
	} else {
		memcpy(ip + IPV6_DST, b->addr, NFV_ADDR_LEN);
	}
	if (h->l4) {
		c = get16(l4 + csum_off);
		/* IPv4 UDP checksum 0: the sender computed none. */
		if (!(h->key.proto == IPPROTO_UDP && h->key.family == 4 && c == 0)) {
			/* The destination address is in the pseudo-header. */
			c = nfv_csum_replace(c, h->key.dst, b->addr, alen);
			if (b->port)
				c = nfv_csum_update16(c, h->dport, b->port);
			if (h->key.proto == IPPROTO_UDP && c == 0)
				c = 0xffff;
			put16(l4 + csum_off, c);
		}
		if (b->port)
			put16(l4 + L4_DPORT, b->port);
	}
	if (b->has_mac)
		memcpy(frame, b->mac, sizeof(b->mac));
}

enum nfv_lb_verdict
nfv_lb_packet(struct nfv_lb *lb, uint8_t *frame, uint32_t len)
{
	struct nfv_lb_backend *b;
	struct nfv_hdrs h;

	if (!nfv_hdrs_parse(frame, len, &h) || !for_vip(&lb->vip, &h)) {
		lb->passed++;
		return NFV_LB_PASS;
	}
	b = &lb->backend[nfv_lb_pick(lb, &h.key)];
	rewrite(frame, &h, b);
	b->pkts++;
	b->bytes += len;
	lb->balanced++;
	return NFV_LB_BALANCED;
}
