/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * direct.h - direct handoff between the NFs of one domain (--direct).
 *
 * The worker links an NF to the NF that follows it on a chain when both
 * services have exactly one instance in the same domain.  A packet lent to
 * the first NF of a run of links may then travel NF to NF through PEER
 * rings (nfv_region.h) and come back to the worker only from the last one:
 * the worker pays one hop for the whole run.
 *
 * Ownership stays with the worker's books: the buffer is lent to the first
 * NF of the run, and the worker accepts it back from any NF of that run,
 * once.  Where a buffer sits inside the run the worker cannot know, so the
 * NFs linked to each other form a group that shares fate: when one leaves
 * (exit, crash, unregister, quarantine), every other NF of its group is
 * reset (nfv_group_reset(): unregistered, told so through the slot), which
 * takes back every buffer lent to any of them and stops accepting anything
 * they return.  A link, once made, may only be dropped and remade to the
 * same NF, and an NF has at most one NF ever linked to it (its PEER ring
 * has one producer), so a group only grows until it is dissolved.
 *
 * Worker thread only.
 */
#ifndef NFV_DIRECT_H
#define NFV_DIRECT_H

#include "daemon.h"

/**
 * Hops after @hop of chain @c that a packet lent to @nf at @hop may take
 * without the worker: consecutive NF hops whose single instance is the
 * previous one's link.  0 when @nf has no link (the common case: one
 * load).
 */
static inline uint8_t
nfv_direct_run(const struct nfv_daemon *d, const struct nfv_chain *c, unsigned int hop,
	       const struct nfv_nf *nf)
{
	const struct nfv_nf *seen[NFV_DESC_DIRECT_MASK + 1];
	unsigned int k, j, run = 0;

	if (!nf->link)
		return 0;
	seen[0] = nf;
	for (k = hop + 1; k < c->nhops && run < NFV_DESC_DIRECT_MASK; k++) {
		const struct nfv_service *s;

		if (c->hop[k].type != HOP_NF)
			break;
		s = &d->svc[c->hop[k].id];
		if (s->n != 1 || s->m[s->live[0]].nf != nf->link)
			break;
		/* An NF appears once in a run, so that whoever returns the
		 * packet names the hop it is at (nfv_direct_return()). */
		for (j = 0; j <= run && seen[j] != nf->link; j++)
			;
		if (j <= run)
			break;
		nf = nf->link;
		seen[++run] = nf;
		if (!nf->link)
			break;
	}
	return (uint8_t)run;
}

/**
 * Some NF that another hands packets to has PEER entries waiting: packets
 * on their way between NFs, which only the worker's sweep (a doorbell to
 * an NF that sleeps) moves on (nfv_direct_sweep()).
 */
int nfv_direct_pending(const struct nfv_daemon *d);

/** Recompute every NF's link (after an NF registered or left, or a rule changed). */
void nfv_direct_relink(struct nfv_daemon *d);

/**
 * A flow rule whose chain is @c came or went: ask for the links to be
 * redone (nfv_direct_relink(), at the next housekeeping) if that chain can
 * make one, an NF hop followed by another.  Rules of other shapes, the
 * common case when an NF installs many, cost no relink.
 */
static inline void
nfv_direct_rule_changed(struct nfv_daemon *d, const struct nfv_chain *c)
{
	unsigned int h;

	if (!d->cfg.direct || !c)
		return;
	for (h = 0; h + 1 < c->nhops && h + 1 < NFV_MAX_HOPS; h++)
		if (c->hop[h].type == HOP_NF && c->hop[h + 1].type == HOP_NF) {
			d->relink = 1;
			return;
		}
}

/**
 * @nf is leaving: unlink it and reset every other NF of its group.
 * Call before its buffers are taken back (detach_nf(), which also asks
 * for the links to be redone).
 */
void nfv_direct_leave(struct nfv_daemon *d, struct nfv_nf *nf);

/**
 * The hop of @meta's chain that @nf stands at, for a packet lent to slot
 * @owner of @nf's direct-handoff group and passed on to @nf: within the
 * run it was lent for.  @return the hop, or -1 if @nf is not on that run
 * (@owner no member of its group, or no run).
 */
int nfv_direct_hop(const struct nfv_daemon *d, const struct nfv_hdomain *hd,
		   const struct nfv_nf *nf, uint16_t owner, const struct nfv_pkt_meta *meta);

/**
 * @nf returned @desc, whose buffer is lent to another slot: accept it if
 * @nf is on the packet's direct run from that slot, moving the buffer to
 * held and the packet's hop to @nf's.
 * @return 0 if accepted, -1 if not (the caller rejects it as before).
 */
int nfv_direct_return(struct nfv_daemon *d, struct nfv_hdomain *hd, struct nfv_nf *nf,
		      const struct nfv_desc *desc);

/**
 * Ring every linked-to NF that sleeps with entries on its PEER ring (the
 * NF upstream cannot).  Called every loop; without a fence before it, an
 * NF falling asleep at that instant may be missed, so housekeeping calls
 * it again after its fence.  An NF gets a doorbell for its PEER ring only
 * if it consumed from it since the last one.
 */
void nfv_direct_sweep(struct nfv_daemon *d);

#endif /* NFV_DIRECT_H */
