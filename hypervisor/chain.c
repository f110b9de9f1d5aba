/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * chain.c - service chains as users write them.  A chain is written
 * `HOP[,HOP...]` with HOP one of `nf:SERVICE`, `port:PORT` or `drop`,
 * e.g. `nf:1,nf:2,port:1`.  (Services and their instances: service.c.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static int
parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

static int
parse_hop(const char *tok, struct nfv_hop *hop, uint16_t nports, const char **why)
{
	unsigned long v;

	if (strcmp(tok, "drop") == 0) {
		hop->type = HOP_DROP;
		hop->id = 0;
		return 0;
	}
	if (strncmp(tok, "nf:", 3) == 0) {
		if (parse_num(tok + 3, NFV_MAX_SERVICE, &v) < 0 || v == 0) {
			*why = "chain: service ids are 1..255 (nf:ID)";
			return -EINVAL;
		}
		hop->type = HOP_NF;
		hop->id = (uint16_t)v;
		return 0;
	}
	if (strncmp(tok, "port:", 5) == 0) {
		if (parse_num(tok + 5, UINT16_MAX, &v) < 0 || v >= nports) {
			*why = "chain: no such port (port:ID, see the port ids printed at start-up)";
			return -EINVAL;
		}
		hop->type = HOP_PORT;
		hop->id = (uint16_t)v;
		return 0;
	}
	*why = "chain: each hop is nf:SERVICE, port:PORT or drop, separated by commas";
	return -EINVAL;
}

int
nfv_chain_parse(const char *spec, struct nfv_chain *c, uint16_t nports, const char **why)
{
	char buf[256], *rest, *tok;
	int ret;

	if (strlen(spec) >= sizeof(buf)) {
		*why = "chain: specification too long";
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	memset(c, 0, sizeof(*c));
	rest = buf;
	while ((tok = strsep(&rest, ",")) != NULL) {
		if (*tok == '\0') {
			*why = "chain: empty hop (hops are separated by one comma: nf:1,nf:2,port:1)";
			return -EINVAL;
		}
		if (c->nhops == NFV_MAX_HOPS) {
			*why = "chain: at most 8 hops";
			return -EINVAL;
		}
		ret = parse_hop(tok, &c->hop[c->nhops], nports, why);
		if (ret < 0)
			return ret;
		c->nhops++;
	}
	if (c->nhops == 0) {
		*why = "chain: empty (example: nf:1,nf:2,port:1)";
		return -EINVAL;
	}
	return 0;
}

void
nfv_chain_format(const struct nfv_chain *c, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < c->nhops && off < len; i++) {
		const struct nfv_hop *h = &c->hop[i];
		const char *sep = i ? "," : "";
		int n;

		if (h->type == HOP_NF)
			n = snprintf(buf + off, len - off, "%snf:%u", sep, h->id);
		else if (h->type == HOP_PORT)
			n = snprintf(buf + off, len - off, "%sport:%u", sep, h->id);
		else
			n = snprintf(buf + off, len - off, "%sdrop", sep);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}
