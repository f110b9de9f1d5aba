/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * direct.c - links, groups and returns of direct handoff (direct.h).
 */
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "direct.h"

#define RTE_LOGTYPE_NFV_DIRECT RTE_LOGTYPE_USER1

/* Does an NF hand packets to @nf now?  (At most one ever may.) */
static int
linked_to(const struct nfv_nf *nf)
{
	return nf->link_from && nf->link_from->link == nf;
}

/*
 * Tell NetLib (the slot's host line) which NF @nf hands packets to, and
 * keep the same value privately for nfvctl: what the region says may have
 * been rewritten by any NF of the domain.
 */
static void
publish_link(struct nfv_nf *nf)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	uint32_t next = nf->link ? nf->link->slot + 1u : 0u;

	__atomic_store_n(&nf->direct_next, next, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->direct_next, next, __ATOMIC_RELEASE);
}

/* Which NF the single instance of each service should hand packets to. */
struct link_plan {
	const struct nfv_daemon *d;
	struct nfv_nf *next[NFV_MAX_SERVICE + 1];	/* by service id */
	uint16_t claimed_by[NFV_MAX_SERVICE + 1];	/* by service id: the one
							 * service that may hand to it */
	int sticky;			/* only the links already made */
};

/* The single instance of service @id, or NULL. */
static struct nfv_nf *
only_instance(const struct nfv_daemon *d, uint16_t id)
{
	const struct nfv_service *s;

	if (id == 0 || id > NFV_MAX_SERVICE)
		return NULL;
	s = &d->svc[id];
	return s->n == 1 ? s->m[s->live[0]].nf : NULL;
}

/*
 * Chain @c's NF hops that follow one another, service A then B: B is
 * claimed for A, unless an earlier chain of the plan claimed it for
 * another service or A is replicated (never linked), and even if A or B
 * has no instance yet, so that a later chain cannot take B from A meanwhile
 * (a PEER ring has one producer for good).  A's instance hands packets to
 * B's where both are single, in one domain and running, unless an earlier
 * chain decided A's.  A pair that cannot ever link (A's instance is fixed
 * to another NF, or another NF is linked to B's) claims nothing.
 */
static void
plan_chain(const struct nfv_chain *c, void *arg)
{
	struct link_plan *pl = arg;
	unsigned int h;

	for (h = 0; h + 1 < c->nhops && h + 1 < NFV_MAX_HOPS; h++) {
		uint16_t a = c->hop[h].id, b = c->hop[h + 1].id;
		struct nfv_nf *from, *to;

		if (c->hop[h].type != HOP_NF || c->hop[h + 1].type != HOP_NF || a == b ||
		    a == 0 || a > NFV_MAX_SERVICE || b == 0 || b > NFV_MAX_SERVICE ||
		    pl->next[a] || (pl->claimed_by[b] && pl->claimed_by[b] != a) ||
		    pl->d->svc[a].n > 1)
			continue;
		from = only_instance(pl->d, a);
		to = only_instance(pl->d, b);
		if ((from && from->link_fixed && from->link_fixed != to) ||
		    (to && to->link_from && to->link_from != from))
			continue;
		if (pl->sticky && !(from && from->link_fixed))
			continue;
		pl->claimed_by[b] = a;
		if (from && to && to->hd == from->hd && nfv_nf_running(to))
			pl->next[a] = to;
	}
}

/*
 * Where each NF should hand its packets, from the chains in this order:
 * the default chain, the ports' chains, then the flow rules' chains, whose
 * order changes as rules come and go: those that keep a link already made
 * first, then the others.  An NF hands packets to one NF at most; a chain
 * that disagrees with its link follows it only where they agree
 * (nfv_direct_run() checks every packet).
 */
static void
plan_links(const struct nfv_daemon *d, struct link_plan *pl)
{
	uint16_t p;

	memset(pl, 0, sizeof(*pl));
	pl->d = d;
	plan_chain(&d->ft.chain[NFV_DEFAULT_CHAIN], pl);
	for (p = 0; p < d->nports && p < NFV_FLOW_MAX_PORTS; p++)
		if (d->ft.port_chain[p] != NFV_DEFAULT_CHAIN)
			plan_chain(&d->ft.chain[d->ft.port_chain[p]], pl);
	if (d->ft.nrules == 0)
		return;
	pl->sticky = 1;
	nfv_flow_foreach_chain(&d->ft, plan_chain, pl);
	pl->sticky = 0;
	nfv_flow_foreach_chain(&d->ft, plan_chain, pl);
}

/* The NF @nf should hand its packets to, by plan @pl. */
static struct nfv_nf *
wanted_link(const struct link_plan *pl, const struct nfv_nf *nf)
{
	if (!nfv_nf_running(nf) || only_instance(pl->d, nf->service) != nf)
		return NULL;
	return pl->next[nf->service];
}

/* @a and @b are linked: one group (numbered by a member's slot + 1). */
static void
join(struct nfv_nf *a, struct nfv_nf *b)
{
	struct nfv_hdomain *hd = a->hd;
	uint16_t old;
	uint32_t s;

	if (!a->group && !b->group) {
		a->group = b->group = a->slot + 1u;
	} else if (!a->group) {
		a->group = b->group;
	} else if (!b->group) {
		b->group = a->group;
	} else if (a->group != b->group) {
		old = b->group;
		for (s = 0; s < hd->dom.region.layout.p.nslots; s++)
			if (hd->nf[s].group == old)
				hd->nf[s].group = a->group;
	}
}

void
nfv_direct_relink(struct nfv_daemon *d)
{
	struct link_plan pl;
	uint32_t i, s;

	if (!d->cfg.direct)
		return;
	plan_links(d, &pl);
	d->nlinked = 0;
	for (i = 0; i < d->nwdom; i++) {
		struct nfv_hdomain *hd = d->wdom[i];
		uint32_t nslots = hd->dom.region.layout.p.nslots;

		for (s = 0; s < nslots; s++) {
			struct nfv_nf *nf = &hd->nf[s];
			struct nfv_nf *want = wanted_link(&pl, nf);

			/* Only ever to the same NF (packets lent for the old
			 * link may still be on their way), and never to an NF
			 * another one was linked to (a PEER ring has one
			 * producer, which keeps its index to itself). */
			if (want && ((nf->link_fixed && want != nf->link_fixed) ||
				     (want->link_from && want->link_from != nf)))
				want = NULL;
			if (want != nf->link) {
				nf->link = want;
				publish_link(nf);
				if (want) {
					nf->link_fixed = want;
					want->link_from = nf;
					join(nf, want);
					RTE_LOG(INFO, NFV_DIRECT, "slot %u (%s) hands packets directly to slot %u (%s)\n",
						nf->slot, nf->name, want->slot, want->name);
				}
			}
		}
		for (s = 0; s < nslots; s++)
			if (linked_to(&hd->nf[s]))
				d->linked[d->nlinked++] = &hd->nf[s];
	}
}

static void
unlink_nf(struct nfv_nf *nf)
{
	nf->link = NULL;
	nf->link_fixed = NULL;
	nf->link_from = NULL;
	nf->peer_kicked = 0;
	publish_link(nf);
}

void
nfv_direct_leave(struct nfv_daemon *d, struct nfv_nf *nf)
{
	struct nfv_hdomain *hd = nf->hd;
	uint16_t g = nf->group;
	uint16_t members[NFV_MAX_SLOTS];
	uint32_t s, n = 0;

	nf->group = 0;
	unlink_nf(nf);
	if (!g)
		return;
	/* Dissolve the group first, so that the resets below (which come
	 * back here) do not cascade. */
	for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
		struct nfv_nf *m = &hd->nf[s];

		if (m->group != g)
			continue;
		m->group = 0;
		unlink_nf(m);
		members[n++] = (uint16_t)s;
	}
	for (s = 0; s < n; s++)
		nfv_group_reset(d, &hd->nf[members[s]]);
}

int
nfv_direct_hop(const struct nfv_daemon *d, const struct nfv_hdomain *hd, const struct nfv_nf *nf,
	       uint16_t owner, const struct nfv_pkt_meta *meta)
{
	const struct nfv_chain *c;
	unsigned int k, last;

	if (!nf->group || owner >= hd->dom.owner.nslots || hd->nf[owner].group != nf->group ||
	    meta->run == 0)
		return -1;
	/* The packet's chain after the hop it was lent at, as far as its run
	 * went: @nf must stand there. */
	c = &d->ft.chain[meta->chain];
	last = (unsigned int)meta->hop + meta->run;
	for (k = meta->hop + 1u; k <= last && k < c->nhops; k++)
		if (c->hop[k].type == HOP_NF && c->hop[k].id == nf->service)
			return (int)k;
	return -1;
}

int
nfv_direct_return(struct nfv_daemon *d, struct nfv_hdomain *hd, struct nfv_nf *nf,
		  const struct nfv_desc *desc)
{
	struct nfv_owner_table *own = &hd->dom.owner;
	uint32_t buf = desc->buf;
	struct nfv_pkt_meta *meta;
	uint16_t o;
	int k;

	if (!nf->group || buf >= own->nbufs)
		return -1;
	o = own->owner[buf];
	meta = &hd->meta[buf];
	k = nfv_direct_hop(d, hd, nf, o, meta);
	if (k < 0 || nfv_owner_return(own, buf, o) != NFV_REJECT_NONE)
		return -1;
	meta->hop = (uint8_t)k;
	meta->run = 0;
	NFV_STAT_ADD(nf->st.direct_in, 1);
	return 0;
}

/* The shared indices of @nf's PEER ring (hostile: compared, never used
 * as indices). */
static const struct nfv_ring_shm *
peer_ring(const struct nfv_nf *nf)
{
	const struct nfv_region *r = &nf->hd->dom.region;

	return (const struct nfv_ring_shm *)(r->base +
		nfv_layout_ring_off(&r->layout, nf->slot, NFV_RING_PEER));
}

int
nfv_direct_pending(const struct nfv_daemon *d)
{
	uint32_t i;

	for (i = 0; i < d->nlinked; i++) {
		const struct nfv_ring_shm *shm = peer_ring(d->linked[i]);

		if (__atomic_load_n(&shm->prod, __ATOMIC_RELAXED) !=
		    __atomic_load_n(&shm->cons, __ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

void
nfv_direct_sweep(struct nfv_daemon *d)
{
	uint64_t one = 1;
	uint32_t i;

	for (i = 0; i < d->nlinked; i++) {
		struct nfv_nf *nf = d->linked[i];
		const struct nfv_region *r = &nf->hd->dom.region;
		const struct nfv_ring_shm *shm;
		uint32_t prod, cons, sleep;

		/* Each of its sleeps is rung once, here or by kick() (which
		 * shares kick_seq: either doorbell wakes it to all its rings). */
		sleep = __atomic_load_n(&nfv_region_slot(r, nf->slot)->sleeping, __ATOMIC_RELAXED);
		if (!sleep || sleep == nf->kick_seq || !linked_to(nf) || !nfv_nf_running(nf))
			continue;
		shm = peer_ring(nf);
		prod = __atomic_load_n(&shm->prod, __ATOMIC_RELAXED);
		cons = __atomic_load_n(&shm->cons, __ATOMIC_RELAXED);
		/*
		 * Nothing waiting; or neither a burst lent into its group nor a
		 * housekeeping round since its last PEER doorbell.  Whatever an
		 * NF does with its indices and `sleeping` (a new value every
		 * round, say), it gets no more PEER doorbells (and costs the
		 * worker no more write()s) than its group got bursts from us
		 * plus one a round; an honest NF's new sleep with entries
		 * waiting is rung at the next burst into its group, or round.
		 */
		if (prod == cons || (nf->peer_kicked &&
		    nf->hd->group_bursts[nf->group] == nf->peer_kick_mark &&
		    d->rounds == nf->peer_kick_round))
			continue;
		nf->peer_kick_mark = nf->hd->group_bursts[nf->group];
		nf->peer_kick_round = d->rounds;
		nf->peer_kicked = 1;
		if (write(nf->efd[NFV_VEC_DATA], &one, sizeof(one)) == sizeof(one)) {
			nf->kick_seq = sleep;
			NFV_STAT_ADD(nf->st.wakeups, 1);
		}
	}
}
