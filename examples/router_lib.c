/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * router_lib.c - binary-trie longest-prefix match and the per-packet
 * decision of nfv-router.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netlib.h"
#include "nfv_rewrite_lib.h"
#include "router_lib.h"

#define NO_ROUTE (-1)

/* One trie node; child 0 means none (the root, node 0, is nobody's child). */
struct rt_node {
	uint32_t child[2];	/* next bit 0 and 1 */
	int32_t route;		/* route ending here, or NO_ROUTE */
};

/* The routes of one address family. */
struct rt_trie {
	struct rt_node *node;	/* node[0] is the root */
	uint32_t n;		/* nodes in use */
	uint32_t cap;		/* nodes allocated */
	unsigned int bits;	/* address length: 32 or 128 */
};

struct router {
	struct rt_trie trie4, trie6;	/* per family */
	struct route_action *act;	/* action of each route */
	unsigned int *line;		/* line each route was read from */
	uint32_t nroutes;		/* routes in use */
	uint32_t cap;			/* routes allocated */
	int has_default;		/* def applies to unrouted packets */
	struct route_action def;	/* the default action */
	struct router_stats st;		/* packets per verdict */
};

static const char *const verdict_names[] = {
	[ROUTER_ROUTED] = "routed",
	[ROUTER_DEFAULT] = "default",
	[ROUTER_BLACKHOLE] = "blackholed",
	[ROUTER_NO_ROUTE] = "no_route",
	[ROUTER_EXPIRED] = "ttl_expired",
	[ROUTER_NOT_IP] = "not_ip",
};

const char *
router_verdict_name(enum router_verdict v)
{
	return verdict_names[v];
}

int
route_action_parse(const char *s, struct route_action *a)
{
	uint32_t v;

	if (strcmp(s, "drop") == 0) {
		a->kind = ROUTE_DROP;
		a->id = 0;
		return 0;
	}
	if (strncmp(s, "port:", 5) == 0 &&
	    nfv_parse_u32(s + 5, 0, NETLIB_PORT_MAX, &v) == 0) {
		a->kind = ROUTE_PORT;
		a->id = (uint16_t)v;
		return 0;
	}
	if (strncmp(s, "service:", 8) == 0 &&
	    nfv_parse_u32(s + 8, 1, NETLIB_SERVICE_MAX, &v) == 0) {
		a->kind = ROUTE_SERVICE;
		a->id = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

static int
trie_init(struct rt_trie *t, unsigned int bits)
{
	t->cap = 64;
	t->node = malloc(sizeof(*t->node) * t->cap);
	if (!t->node)
		return -ENOMEM;
	t->n = 1;
	t->bits = bits;
	t->node[0].child[0] = t->node[0].child[1] = 0;
	t->node[0].route = NO_ROUTE;
	return 0;
}

struct router *
router_create(void)
{
	struct router *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (trie_init(&r->trie4, 32) < 0 || trie_init(&r->trie6, 128) < 0) {
		router_destroy(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void
router_destroy(struct router *r)
{
	if (!r)
		return;
	free(r->trie4.node);
	free(r->trie6.node);
	free(r->act);
	free(r->line);
	free(r);
}

static inline unsigned int
addr_bit(const uint8_t *addr, unsigned int i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1u;
}

/* The node for the first @len bits of @addr, created if missing; 0 when
 * out of memory (never the answer otherwise: depth >= 1). */
static uint32_t
trie_node(struct rt_trie *t, const uint8_t *addr, unsigned int len)
{
	uint32_t cur = 0, next;
	unsigned int i, b;

	for (i = 0; i < len; i++) {
		b = addr_bit(addr, i);
		next = t->node[cur].child[b];
		if (!next) {
			if (t->n == t->cap) {
				struct rt_node *nn = realloc(t->node, sizeof(*nn) * t->cap * 2);

				if (!nn)
					return 0;
				t->node = nn;
				t->cap *= 2;
			}
			next = t->n++;
			t->node[next].child[0] = t->node[next].child[1] = 0;
			t->node[next].route = NO_ROUTE;
			t->node[cur].child[b] = next;
		}
		cur = next;
	}
	return cur;
}

static int
routes_grow(struct router *r)
{
	uint32_t cap = r->cap ? r->cap * 2 : 64;
	struct route_action *act;
	unsigned int *line;

	act = realloc(r->act, sizeof(*act) * cap);
	if (!act)
		return -ENOMEM;
	r->act = act;
	line = realloc(r->line, sizeof(*line) * cap);
	if (!line)
		return -ENOMEM;
	r->line = line;
	r->cap = cap;
	return 0;
}

static int
action_valid(struct route_action a)
{
	switch (a.kind) {
	case ROUTE_PORT:
	case ROUTE_DROP:
		return 1;
	case ROUTE_SERVICE:
		return a.id >= 1 && a.id <= NETLIB_SERVICE_MAX;
	default:
		return 0;
	}
}

int
router_add(struct router *r, const struct nfv_prefix *p, struct route_action a,
	   unsigned int line)
{
	struct rt_trie *t = p->ipv == 4 ? &r->trie4 : &r->trie6;
	struct nfv_prefix masked = *p;
	uint32_t node;
	unsigned int i;

	if ((p->ipv != 4 && p->ipv != 6) || p->len > t->bits || !action_valid(a))
		return -EINVAL;
	for (i = p->len; i < t->bits; i++)
		masked.addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (memcmp(masked.addr, p->addr, sizeof(p->addr)) != 0)
		return -EINVAL;
	if (r->nroutes == r->cap && routes_grow(r) < 0)
		return -ENOMEM;
	node = p->len ? trie_node(t, p->addr, p->len) : 0;
	if (p->len && !node)
		return -ENOMEM;
	if (t->node[node].route != NO_ROUTE)
		return -EEXIST;
	r->act[r->nroutes] = a;
	r->line[r->nroutes] = line;
	t->node[node].route = (int32_t)r->nroutes++;
	return 0;
}

/* The route of @p exactly (not its longest match), or NO_ROUTE. */
static int32_t
route_of(const struct router *r, const struct nfv_prefix *p)
{
	const struct rt_trie *t = p->ipv == 4 ? &r->trie4 : &r->trie6;
	uint32_t cur = 0;
	unsigned int i;

	for (i = 0; i < p->len; i++) {
		cur = t->node[cur].child[addr_bit(p->addr, i)];
		if (!cur)
			return NO_ROUTE;
	}
	return t->node[cur].route;
}

int
router_load(struct router *r, const char *path, char *err, size_t errlen)
{
	char why[NFV_ERR_LEN];
	struct route_action a;
	struct nfv_prefix p;
	struct nfv_conf c;
	int n, ret, added = 0;

	ret = nfv_conf_open(&c, path, err, errlen);
	if (ret < 0)
		return ret;
	while ((n = nfv_conf_next(&c)) > 0) {
		if (n != 2) {
			ret = nfv_conf_error(&c, "expected 'PREFIX ACTION' (e.g. '10.0.0.0/8 port:1'), got %d word%s",
					     n, n == 1 ? "" : "s");
			goto out;
		}
		if (nfv_prefix_parse(c.word[0], &p, why, sizeof(why)) < 0) {
			ret = nfv_conf_error(&c, "%s", why);
			goto out;
		}
		if (route_action_parse(c.word[1], &a) < 0) {
			ret = nfv_conf_error(&c, "'%s' is not an action: use port:N (0..%d), service:N (1..%d) or drop",
					     c.word[1], NETLIB_PORT_MAX, NETLIB_SERVICE_MAX);
			goto out;
		}
		ret = router_add(r, &p, a, c.line);
		if (ret == -EEXIST) {
			ret = nfv_conf_error(&c, "a route for %s was already given on line %u: keep one",
				       c.word[0], r->line[route_of(r, &p)]);
			goto out;
		}
		if (ret < 0) {
			nfv_conf_error(&c, "cannot add the route: %s", strerror(-ret));
			goto out;
		}
		added++;
	}
	ret = n < 0 ? n : added;
out:
	nfv_conf_close(&c);
	return ret;
}

void
router_set_default(struct router *r, struct route_action a)
{
	r->def = a;
	r->has_default = 1;
}

int
router_lookup(const struct router *r, uint8_t ipv, const uint8_t *addr,
	      struct route_action *a)
{
	const struct rt_trie *t = ipv == 4 ? &r->trie4 : &r->trie6;
	const struct rt_node *node = t->node;
	int32_t best = node[0].route;
	uint32_t cur = 0;
	unsigned int i;

	for (i = 0; i < t->bits; i++) {
		cur = node[cur].child[addr_bit(addr, i)];
		if (!cur)
			break;
		if (node[cur].route != NO_ROUTE)
			best = node[cur].route;
	}
	if (best == NO_ROUTE)
		return -ENOENT;
	*a = r->act[best];
	return 0;
}

enum router_verdict
router_packet(struct router *r, uint8_t *frame, uint32_t len,
	      struct route_action *a)
{
	enum router_verdict v = ROUTER_ROUTED;
	struct route_action act;
	struct nfv_ip_hdrs h;
	uint8_t dst[16];

	if (nfv_ip_parse(frame, len, &h) < 0) {
		v = ROUTER_NOT_IP;
		goto out;
	}
	/* One read of the shared bytes the decision rests on. */
	memcpy(dst, frame + h.daddr, h.ipv == 4 ? 4 : 16);
	if (router_lookup(r, h.ipv, dst, &act) < 0) {
		if (!r->has_default || r->def.kind == ROUTE_DROP) {
			v = ROUTER_NO_ROUTE;
			goto out;
		}
		act = r->def;
		v = ROUTER_DEFAULT;
	}
	if (act.kind == ROUTE_DROP) {
		v = ROUTER_BLACKHOLE;
		goto out;
	}
	if (nfv_rewrite_ip_ttl(frame + h.l3, h.end - h.l3) == NFV_REWRITE_EXPIRED) {
		v = ROUTER_EXPIRED;
		goto out;
	}
	*a = act;
out:
	r->st.n[v]++;
	return v;
}

unsigned int
router_count(const struct router *r)
{
	return r->nroutes;
}

const struct router_stats *
router_stats(const struct router *r)
{
	return &r->st;
}
