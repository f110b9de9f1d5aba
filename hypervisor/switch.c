/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * switch.c - the worker: the data path of nfvisord.
 *
 * One loop: receive from ports into the chain's first hop, drain every NF's
 * TX ring (copy, validate, apply the action), flush the per-destination
 * batches, then housekeeping (control rings, slots to reclaim, mailbox).
 * Every packet ends transmitted or dropped with one counted reason; every
 * buffer is free, held by the worker, or lent to exactly one slot.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>
#include <rte_memcpy.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "classify.h"
#include "daemon.h"
#include "direct.h"
#include "quiesce.h"
#include "validate.h"

#define RTE_LOGTYPE_NFV_SWITCH RTE_LOGTYPE_USER1
/* The per-packet steps, folded into the burst loops that call them. */
#define HOT static inline __attribute__((always_inline))
/* Drops are rare: kept out of the hot loops. */
#define COLD static __attribute__((noinline, cold))
#define HOUSEKEEP_EVERY 64u
#define RX_PREFETCH 8u
#define CTL_PER_ROUND 8u
/* How long what was lent to the NFs of a direct-handoff group that lost a
 * member waits in limbo before it is freed: past the burst an NF may be
 * in (and NetLib's longest sleep, after which it looks at its slot). */
#define NFV_RESET_GRACE_MS 100u

/* Rate-limited warning: at most one a second per call site. */
#define SW_WARN(fmt, ...) do { \
	static uint64_t last_; \
	uint64_t now_ = rte_get_timer_cycles(); \
	if (now_ - last_ > rte_get_timer_hz()) { \
		last_ = now_; \
		RTE_LOG(WARNING, NFV_SWITCH, fmt "\n", ##__VA_ARGS__); \
	} \
} while (0)

/*
 * A packet is named by its domain @hd (whose pool and books hold it) and
 * its buffer index @buf in that pool.  Its mbuf header is looked at only
 * where needed: a packet an NF returned carries its validated data offset
 * and length in meta[buf] (from_nf) until it leaves through a port, so a
 * hop from NF to NF never touches the mbuf.
 */
HOT void
pkt_done(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf)
{
	const struct nfv_pkt_meta *meta = &hd->meta[buf];

	nfv_flow_put(&d->ft, meta->chain);
	/* Counted by the port that admitted it (it may have been copied
	 * into another domain since): see admit_budget(). */
	d->admitted[meta->in_port]--;
}

/* The packet in @buf is dropped for @why: counted, and done with.  Its
 * buffer stays ours (free_buf()). */
static void
count_drop(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, enum nfv_pkt_drop why)
{
	NFV_STAT_ADD(d->tot.drops[why], 1);
	pkt_done(d, hd, buf);
}

/* Buffer @buf, which we hold, back to @hd's pool. */
static void
free_buf(struct nfv_hdomain *hd, uint32_t buf)
{
	nfv_owner_release(&hd->dom.owner, buf);
	rte_pktmbuf_free(nfv_pool_mbuf(&hd->dom.pool, buf));
}

COLD void
drop(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, enum nfv_pkt_drop why)
{
	count_drop(d, hd, buf, why);
	free_buf(hd, buf);
}

/*
 * @n packets admitted by ports @in[] left: give their windows back.
 * Counted in runs of one port in a register: a decrement of the counter
 * in memory per packet is a chain of store-to-load forwards.
 */
static inline void
window_release(struct nfv_daemon *d, const uint8_t *in, uint32_t n)
{
	uint32_t i, run = 0;
	uint8_t cur = n ? in[0] : 0;

	for (i = 0; i < n; i++) {
		if (in[i] != cur) {
			d->admitted[cur] -= run;
			cur = in[i];
			run = 0;
		}
		run++;
	}
	d->admitted[cur] -= run;
}

/* Drop everything port @p holds. */
COLD void
port_drop_held(struct nfv_daemon *d, struct nfv_port *p, enum nfv_pkt_drop why)
{
	uint32_t i;

	window_release(d, p->tx_in + p->tx_head, p->tx_end - p->tx_head);
	for (i = p->tx_head; i < p->tx_end; i++)
		rte_pktmbuf_free(p->tx[i]);
	NFV_STAT_ADD(p->st.tx_dropped, p->tx_end - p->tx_head);
	NFV_STAT_ADD(d->tot.drops[why], p->tx_end - p->tx_head);
	p->tx_head = p->tx_end = 0;
	p->tx_since = 0;
}

/*
 * Port @p took @sent packets, not all it holds.  Keep the rest while its
 * peer moves, or for up to --tx-hold-us after it last did (they stay in
 * the window of the ports they came in through, so those stop receiving:
 * a peer's stall costs no packet); drop them once it has stalled that
 * long, and from then on what it does not take at once, until it takes a
 * packet again.
 */
COLD void
port_stalled(struct nfv_daemon *d, struct nfv_port *p, uint32_t sent)
{
	uint64_t now;

	if (sent > 0)
		p->tx_blocked = 0;
	if (p->tx_blocked || d->tx_hold_tsc == 0) {
		port_drop_held(d, p, NFV_DROP_PORT_TX_FULL);
		return;
	}
	now = rte_get_tsc_cycles();
	if (sent > 0 || p->tx_since == 0) {
		p->tx_since = now;
	} else if (now - p->tx_since > d->tx_hold_tsc) {
		port_drop_held(d, p, NFV_DROP_PORT_TX_FULL);
		p->tx_blocked = 1;
		NFV_STAT_ADD(p->st.tx_stalls, 1);
		SW_WARN("port %u (%s) took no packet for %u us: dropping what it cannot take until it takes one again",
			p->id, p->name, d->cfg.tx_hold_us);
	}
}

/* Hand port @p its backlog, a burst at a time, as far as it takes it. */
static void
flush_port(struct nfv_daemon *d, struct nfv_port *p)
{
	struct rte_mbuf **b = p->tx + p->tx_head;
	uint32_t held = p->tx_end - p->tx_head, sent = 0, i;
	uint64_t bytes = 0;
	uint16_t k, n;

	if (held == 0)
		return;
	if (unlikely(p->stopped)) {	/* nfv_port_reconnect() */
		port_stalled(d, p, 0);
		return;
	}
	do {
		uint64_t len = 0;

		k = (uint16_t)RTE_MIN(held - sent, NFV_BURST);
		for (i = sent; i < sent + k; i++)
			len += rte_pktmbuf_pkt_len(b[i]);
		n = rte_eth_tx_burst(p->id, 0, b + sent, k);
		for (i = sent + n; i < sent + k; i++)
			len -= rte_pktmbuf_pkt_len(b[i]);
		bytes += len;
		sent += n;
	} while (n == k && sent < held);
	window_release(d, p->tx_in + p->tx_head, sent);
	NFV_STAT_ADD(p->st.tx_pkts, sent);
	NFV_STAT_ADD(p->st.tx_bytes, bytes);
	NFV_STAT_ADD(d->tot.tx, sent);
	if (likely(sent == held)) {
		p->tx_head = p->tx_end = 0;
		p->tx_since = 0;
		p->tx_blocked = 0;
	} else {
		p->tx_head += sent;
		port_stalled(d, p, sent);
	}
	p->tx_flush_at = RTE_MIN(p->tx_end + NFV_BURST, p->tx_cap);
}

/* Room at the end of port @p's backlog array: move what it holds to the
 * front (at most once an array's worth of packets).  0 if it is full. */
COLD int
port_compact(struct nfv_port *p)
{
	uint32_t held = p->tx_end - p->tx_head;

	if (p->tx_head == 0)
		return 0;
	memmove(p->tx, p->tx + p->tx_head, sizeof(*p->tx) * held);
	memmove(p->tx_in, p->tx_in + p->tx_head, held);
	p->tx_head = 0;
	p->tx_end = held;
	p->tx_flush_at = RTE_MIN(held + NFV_BURST, p->tx_cap);
	return 1;
}

HOT void
to_port(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, uint16_t port)
{
	struct nfv_pkt_meta *meta = &hd->meta[buf];
	struct rte_mbuf *m;
	struct nfv_port *p;

	if (port >= d->nports) {
		drop(d, hd, buf, NFV_DROP_NO_PORT);
		return;
	}
	p = &d->port[port];
	if (unlikely(p->tx_end == p->tx_cap) && !port_compact(p)) {
		NFV_STAT_ADD(p->st.tx_dropped, 1);
		drop(d, hd, buf, NFV_DROP_PORT_TX_FULL);
		return;
	}
	m = nfv_pool_mbuf(&hd->dom.pool, buf);
	if (meta->from_nf) {
		/* mbuf headers are host-private; only the validated lengths
		 * come from the NF, and only now, on the way out. */
		m->data_off = meta->data_off;
		m->data_len = meta->data_len;
		m->pkt_len = meta->data_len;	/* one segment: rx_ports() */
	}
	/* The port owns the buffer from here: free in our books.  It stays
	 * in its port's window until the port takes it (flush_port()). */
	nfv_flow_put(&d->ft, meta->chain);
	nfv_owner_release(&hd->dom.owner, buf);
	p->tx_in[p->tx_end] = meta->in_port;
	p->tx[p->tx_end++] = m;
	if (p->tx_end >= p->tx_flush_at)
		flush_port(d, p);
}

/*
 * Wake the NF only if it sleeps, and each of its sleeps once: NetLib
 * stores a new nonzero `sleeping` value every time it goes to sleep, so a
 * slot that keeps `sleeping` set (or changes it) gets at most one
 * doorbell a burst, and cannot make us spin on syscalls.  (Ringing once
 * per change of its consumer index instead lost wake-ups: a doorbell rung
 * just as the NF woke up by itself, after it had consumed, was used up by
 * its next sleep, and the one after that went unrung with the consumer
 * index unchanged, for the NF's 100 ms timeout.)
 *
 * No fence here: after a burst this load may pass our store of the RX
 * producer index, so an NF that goes to sleep at that very moment can be
 * missed.  An NF seen awake is marked for sweep_sleepers() to look at again
 * after the next fence, once a housekeeping round (a fence after every
 * burst was about a tenth of the worker's time on a chain of 4: it waits
 * for the RX ring's lines to leave the NF's core).
 */
static void
kick(struct nfv_nf *nf)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	uint32_t sleep = __atomic_load_n(&slot->sleeping, __ATOMIC_RELAXED);
	uint64_t one = 1;

	if (!sleep) {
		nf->recheck = 1;
		return;
	}
	if (sleep == nf->kick_seq)
		return;		/* this sleep was rung already */
	if (write(nf->efd[NFV_VEC_DATA], &one, sizeof(one)) == sizeof(one)) {
		nf->kick_seq = sleep;
		NFV_STAT_ADD(nf->st.wakeups, 1);
	}
}

static void
flush_nf(struct nfv_daemon *d, struct nfv_nf *nf)
{
	struct nfv_owner_table *own = &nf->hd->dom.owner;
	int n, i;

	if (nf->nstage == 0)
		return;
	/* Streaming stores: no wait for the ring's lines, which the NF's
	 * core read last (DESIGN.md, Data path cost). */
	n = nfv_ring_enqueue_burst_stream(&nf->rx, nf->stage, nf->nstage);
	if (n < 0) {
		nfv_quarantine(d, nf, "RX ring consumer index is corrupt");
		n = 0;
	}
	nfv_owner_lend_descs(own, nf->stage, (unsigned int)n, nf->slot);
	NFV_STAT_ADD(nf->st.rx_pkts, (uint64_t)n);
	for (i = n; i < nf->nstage; i++) {
		uint32_t buf = nf->stage[i].buf;

		drop(d, nf->hd, buf,
		     nf->stage_entry[i] ? NFV_DROP_ENTRY_FULL : NFV_DROP_RING_FULL);
	}
	nf->nstage = 0;
	if (n > 0) {
		/* What bounds the PEER doorbells of its group (direct.c). */
		if (nf->group)
			nf->hd->group_bursts[nf->group]++;
		kick(nf);
	}
}

/*
 * A packet crosses from domain @hd into @to: copy it into a buffer of
 * @to's pool, which takes over its metadata, and free the original.
 * NFs of @to never see a byte of @hd's memory.  Returns 0 with *@bufp
 * naming the copy, or -1 with the packet dropped.
 */
static int
cross_domain(struct nfv_daemon *d, struct nfv_hdomain *hd, struct nfv_hdomain *to,
	     uint32_t *bufp)
{
	uint32_t buf = *bufp, nbuf;
	const struct nfv_pkt_meta *meta = &hd->meta[buf];
	struct rte_mbuf *m = nfv_pool_mbuf(&hd->dom.pool, buf);
	struct rte_mbuf *c = rte_pktmbuf_alloc(to->dom.pool.mp);
	uint16_t off = meta->from_nf ? meta->data_off : m->data_off;
	uint16_t len = meta->from_nf ? meta->data_len : m->data_len;

	if (!c || (uint32_t)off + len > c->buf_len) {
		rte_pktmbuf_free(c);
		drop(d, hd, buf, NFV_DROP_COPY_NOMEM);
		return -1;
	}
	c->data_off = off;
	c->data_len = len;
	c->pkt_len = len;
	rte_memcpy(rte_pktmbuf_mtod(c, void *), (const uint8_t *)m->buf_addr + off, len);
	nbuf = nfv_pool_index(&to->dom.pool, c);
	nfv_owner_take(&to->dom.owner, nbuf);
	to->meta[nbuf] = *meta;
	to->meta[nbuf].from_nf = 0;	/* the copy's mbuf is up to date */
	nfv_owner_release(&hd->dom.owner, buf);
	rte_pktmbuf_free(m);
	NFV_STAT_ADD(d->tot.copies, 1);
	NFV_STAT_ADD(hd->copies_to[to->dom.id], 1);
	*bufp = nbuf;
	return 0;
}

/*
 * Put @buf, whose packet data is at @off for @len bytes, in @nf's next
 * burst, for @meta->run hops of --direct; @entry: at its chain's entry.
 */
HOT void
stage_desc(struct nfv_daemon *d, struct nfv_nf *nf, uint32_t buf, uint16_t off, uint16_t len,
	   const struct nfv_pkt_meta *meta, int entry)
{
	struct nfv_desc *desc = &nf->stage[nf->nstage];

	desc->buf = buf;
	desc->data_off = off;
	desc->data_len = len;
	desc->action = NFV_ACT_NEXT;
	desc->flags = meta->run;
	desc->dest = 0;
	desc->flow_hash = meta->flow_hash;
	nf->stage_entry[nf->nstage++] = (uint8_t)entry;
	if (nf->nstage == NFV_BURST)
		flush_nf(d, nf);
}

/* Stage @buf for @nf, the instance picked for @service. */
HOT void
to_nf(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, struct nfv_nf *nf,
      uint16_t service, int entry)
{
	struct nfv_pkt_meta *meta = &hd->meta[buf];
	uint16_t off, len;

	if (++meta->visits > NFV_MAX_VISITS) {
		drop(d, hd, buf, NFV_DROP_HOP_LIMIT);
		return;
	}
	if (nf->hd != hd) {
		if (cross_domain(d, hd, nf->hd, &buf) < 0)
			return;
		hd = nf->hd;
		meta = &hd->meta[buf];
	}
	if (nfv_nf_load(nf) >= nf->lent_limit) {
		drop(d, hd, buf, NFV_DROP_LENT_LIMIT);
		return;
	}
	/* One stuck replica must not hold the whole admission window and
	 * stall its siblings: it gets at most half of it. */
	if (entry && d->svc[service].n > 1 && nfv_nf_load(nf) >= nf->hd->window / 2) {
		drop(d, hd, buf, NFV_DROP_ENTRY_FULL);
		return;
	}
	if (meta->from_nf) {
		off = meta->data_off;
		len = meta->data_len;
	} else {
		const struct rte_mbuf *m = nfv_pool_mbuf(&hd->dom.pool, buf);

		off = m->data_off;
		len = m->data_len;
	}
	/* --direct: the NF may pass it on by itself for this many hops. */
	meta->run = meta->hop == NFV_HOP_NONE ? 0 :
		nfv_direct_run(d, &d->ft.chain[meta->chain], meta->hop, nf);
	stage_desc(d, nf, buf, off, len, meta, entry);
}

/* Stage @buf for @nf, picked for service @s (NULL: it has none). */
HOT void
to_picked(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, struct nfv_nf *nf,
	  const struct nfv_service *s, int entry)
{
	if (unlikely(!nf)) {
		drop(d, hd, buf, NFV_DROP_NO_SERVICE);
		return;
	}
	to_nf(d, hd, buf, nf, s->id, entry);
}

/* Stage @buf for the instance of @s that gets its flow (service.h). */
HOT void
to_instance(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, struct nfv_service *s,
	    int entry)
{
	to_picked(d, hd, buf, nfv_service_pick(s, hd->meta[buf].flow_hash), s, entry);
}

/* Service @id, or NULL for an id no service can have. */
static inline struct nfv_service *
service_of(struct nfv_daemon *d, uint16_t id)
{
	return id == 0 || id > NFV_MAX_SERVICE ? NULL : &d->svc[id];
}

HOT void
to_service(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, uint16_t service,
	   int entry)
{
	struct nfv_service *s = service_of(d, service);

	if (!s) {
		drop(d, hd, buf, NFV_DROP_NO_SERVICE);
		return;
	}
	to_instance(d, hd, buf, s, entry);
}

/* Send a packet to hop @hop of its chain. */
HOT void
to_hop(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf, unsigned int hop)
{
	struct nfv_pkt_meta *meta = &hd->meta[buf];
	const struct nfv_chain *c = &d->ft.chain[meta->chain];

	if (hop >= c->nhops) {
		drop(d, hd, buf, NFV_DROP_CHAIN_END);
		return;
	}
	meta->hop = (uint8_t)hop;
	switch (c->hop[hop].type) {
	case HOP_NF:
		to_service(d, hd, buf, c->hop[hop].id, hop == 0);
		break;
	case HOP_PORT:
		to_port(d, hd, buf, c->hop[hop].id);
		break;
	default:
		drop(d, hd, buf, NFV_DROP_CHAIN_DROP);
		break;
	}
}

/*
 * Packets the switch may still admit from port @port of domain @hd.  Each
 * domain has a window of its own: an NF that stalls (frozen, or hostile)
 * holds up the ports of its domain, not those of the others.  Within a
 * domain of n > 1 ports, each keeps a reserve of window / (2 (n - 1))
 * that the others cannot take: its packets may wait at a port whose peer
 * stalls (flush_port() holds them), and however many ports feed that peer,
 * the others, which send nothing there, keep their reserves.  With two
 * ports that is half the window each; with more, what is not reserved is
 * shared, and no port holds more than about half (the reserves round down).
 */
static unsigned int
admit_budget(const struct nfv_daemon *d, const struct nfv_hdomain *hd, uint16_t port)
{
	uint32_t others = 0, used;
	uint32_t window = hd->window;
	uint32_t reserve = hd->nports > 1 ? window / (2u * (hd->nports - 1u)) : 0;
	uint16_t p;

	/* A few ports at most: summed here, once per port and round, so
	 * that a packet's departure is one decrement of a hot array. */
	for (p = 0; p < d->nports; p++)
		if (p != port && d->port[p].hd == hd)
			others += RTE_MAX(d->admitted[p], reserve);
	used = others + d->admitted[port];
	return used >= window ? 0 : window - used;
}

/* Every service of chain @id has a running instance. */
static int
services_running(const struct nfv_daemon *d, uint16_t id)
{
	const struct nfv_chain *c = &d->ft.chain[id];
	unsigned int h;

	for (h = 0; h < c->nhops; h++)
		if (c->hop[h].type == HOP_NF && d->svc[c->hop[h].id].n == 0)
			return 0;
	return 1;
}

/* ... of the default chain and of every port's own chain. */
static int
chain_ready(const struct nfv_daemon *d)
{
	uint16_t p;

	for (p = 0; p < d->nports; p++)
		if (!services_running(d, d->ft.port_chain[p]))
			return 0;
	return services_running(d, NFV_DEFAULT_CHAIN);
}

/*
 * @m, from @port, is not a packet the switch takes: not a buffer of the
 * port's domain (@buf is UINT32_MAX: nfv_pool_index_checked()), a driver
 * that hands over mbufs of another pool, or of ours attached elsewhere or
 * with a moved buffer; or a frame
 * longer than one buffer holds, which the driver chained over several
 * (NFs see one buffer a packet, and every mbuf in flight is a single
 * segment: to_port() relies on it).  Dropped; an mbuf of another pool
 * goes back to it, one of ours attached elsewhere or whose buffer moved
 * stays out of the pool, where it can do no harm (the shutdown summary
 * counts it as still out).
 */
COLD void
refuse_mbuf(struct nfv_daemon *d, struct nfv_port *port, struct rte_mbuf *m, uint32_t buf)
{
	d->admitted[port->id]--;
	if (buf != UINT32_MAX) {
		NFV_STAT_ADD(d->tot.drops[NFV_DROP_OVERSIZE], 1);
		SW_WARN("port %u received a %u-byte frame, more than the %u bytes a buffer holds: dropped (raise --buf-size, or lower the peer's MTU)",
			port->id, m->pkt_len, m->buf_len - RTE_MIN(m->buf_len, RTE_PKTMBUF_HEADROOM));
		rte_pktmbuf_free(m);
		return;
	}
	NFV_STAT_ADD(d->tot.drops[NFV_DROP_FOREIGN_MBUF], 1);
	SW_WARN("port %u handed over an mbuf that is not one of its domain's buffers%s: dropped",
		port->id, m->pool == port->hd->dom.pool.mp ? " (attached to another buffer, or its buffer address moved)" : "");
	if (m->pool != port->hd->dom.pool.mp)
		rte_pktmbuf_free(m);
}

/*
 * The service a chain's first hop names, or NULL when that hop is not an
 * NF (then to_hop() decides).  Every packet of a burst classified to the
 * same chain enters there: rx_ports() looks it up once for them, rather
 * than walking chain, hop and service for each packet (chain 1 of
 * packets with no flow: +20 %; see DESIGN.md, Data path cost).
 */
static struct nfv_service *
entry_service(struct nfv_daemon *d, uint16_t chain)
{
	const struct nfv_chain *c = &d->ft.chain[chain];

	if (c->nhops == 0 || c->hop[0].type != HOP_NF)
		return NULL;
	return service_of(d, c->hop[0].id);
}

/*
 * Where a run of packets of one chain enters, within a burst from a port:
 * the chain's entry service (entry_service()), and the instance the last
 * packet went to.  While that instance gets the next packet too, and has
 * room, to_nf()'s checks hold for it as they did for the last one, and
 * the packet is staged for it at once (rx_ports()).  Anything that may
 * change what they found (a flush of the NF's burst, which may quarantine
 * it; a packet that takes another way) closes the lane.
 */
struct entry_lane {
	uint16_t chain;			/* UINT16_MAX: none yet */
	struct nfv_service *svc;	/* NULL: the first hop is not an NF */
	struct nfv_nf *nf;		/* NULL: closed */
	uint32_t room;			/* packets nf may still be staged */
	uint8_t run;			/* hops of --direct after the first */
};

/* Open @l for @nf, picked for the packet it gets next, if to_nf() would
 * stage that packet for it: same domain, under both its limits. */
static int
lane_open(struct nfv_daemon *d, struct entry_lane *l, const struct nfv_hdomain *hd,
	  struct nfv_nf *nf)
{
	uint32_t load, limit;

	l->nf = NULL;
	if (!nf || nf->hd != hd)
		return 0;
	load = nfv_nf_load(nf);
	limit = nf->lent_limit;
	if (l->svc->n > 1 && hd->window / 2 < limit)
		limit = hd->window / 2;	/* to_nf(): ENTRY_FULL */
	if (load >= limit)
		return 0;
	l->nf = nf;
	l->room = limit - load;
	l->run = nfv_direct_run(d, &d->ft.chain[l->chain], 0, nf);
	return 1;
}

/*
 * Packet @buf (mbuf @m) enters its chain: staged for the lane's instance
 * with only what to_nf() would write, or else by to_hop()/to_nf().
 */
HOT void
enter_chain(struct nfv_daemon *d, struct nfv_hdomain *hd, struct entry_lane *l, uint32_t buf,
	    const struct rte_mbuf *m)
{
	struct nfv_pkt_meta *meta = &hd->meta[buf];
	struct nfv_nf *nf;

	if (meta->chain != l->chain) {
		l->chain = meta->chain;
		l->svc = entry_service(d, meta->chain);
		l->nf = NULL;
	}
	if (!l->svc) {
		l->nf = NULL;
		to_hop(d, hd, buf, 0);
		return;
	}
	nf = nfv_service_pick(l->svc, meta->flow_hash);
	/* A closed lane has no NF, and neither has a service with none. */
	if (unlikely(!nf || nf != l->nf || l->room == 0) && !lane_open(d, l, hd, nf)) {
		to_picked(d, hd, buf, nf, l->svc, 1);
		return;
	}
	meta->visits = 1;
	meta->run = l->run;
	l->room--;
	if (nf->nstage == NFV_BURST - 1)
		l->nf = NULL;	/* this one flushes it */
	stage_desc(d, nf, buf, m->data_off, m->data_len, meta, 1);
}

static void
rx_ports(struct nfv_daemon *d)
{
	struct rte_mbuf *pkts[NFV_BURST];
	struct nfv_flow_key keys[NFV_BURST];
	uint32_t bufs[NFV_BURST];
	uint16_t chain_ids[NFV_BURST];
	uint16_t k, p, i, n;
	struct entry_lane lane = { .chain = UINT16_MAX };

	if (d->cfg.wait_chain && !chain_ready(d))
		return;
	/* Each round starts at the next port: ports sharing a full window
	 * take turns at the room that frees up, none starves. */
	if (++d->rx_first >= d->nports)
		d->rx_first = 0;
	for (k = 0; k < d->nports; k++) {
		struct nfv_port *port;
		struct nfv_hdomain *hd;
		unsigned int budget;
		uint64_t bytes = 0;

		p = (uint16_t)(d->rx_first + k < d->nports ? d->rx_first + k :
			       d->rx_first + k - d->nports);
		port = &d->port[p];
		if (unlikely(port->stopped))	/* nfv_port_reconnect() */
			continue;
		hd = port->hd;
		budget = admit_budget(d, hd, p);

		/* Backpressure at chain entry: leave packets in the port's
		 * queue (where the NIC counts what it cannot hold) rather than
		 * drop them after earlier NFs spent work on them. */
		if (budget == 0) {
			NFV_STAT_ADD(port->st.rx_paused, 1);
			continue;
		}
		n = rte_eth_rx_burst(p, 0, pkts, budget < NFV_BURST ? budget : NFV_BURST);
		if (n == 0)
			continue;
		/*
		 * The header lines, last read a window of packets ago, are
		 * rarely still in cache: with buffers 2 KiB apart they share
		 * few sets.  RX_PREFETCH of them in flight ahead of the parse:
		 * a whole burst at once stalled on the fill buffers, and its
		 * first lines left L1 before the parse came to them.
		 */
		for (i = 0; i < n && i < RX_PREFETCH; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		for (i = 0; i < n; i++) {
			if (i + RX_PREFETCH < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + RX_PREFETCH], void *));
			nfv_flow_key_parse(rte_pktmbuf_mtod(pkts[i], void *), pkts[i]->data_len,
					   pkts[i]->buf_len - pkts[i]->data_off, &keys[i]);
			bytes += pkts[i]->pkt_len;
		}
		nfv_flow_classify(&d->ft, p, keys, n, chain_ids);
		d->admitted[p] += n;
		for (i = 0; i < n; i++) {
			bufs[i] = nfv_pool_index_checked(&hd->dom.pool, pkts[i]);
			if (unlikely(bufs[i] == UINT32_MAX || pkts[i]->nb_segs != 1)) {
				nfv_flow_put(&d->ft, chain_ids[i]);	/* classified */
				refuse_mbuf(d, port, pkts[i], bufs[i]);
				bufs[i] = UINT32_MAX;
			}
		}
		nfv_owner_take_bufs(&hd->dom.owner, bufs, n);
		lane.chain = UINT16_MAX;	/* and each port its domain */
		lane.nf = NULL;
		for (i = 0; i < n; i++) {
			if (unlikely(bufs[i] == UINT32_MAX))
				continue;
			hd->meta[bufs[i]] = (struct nfv_pkt_meta){
				.chain = chain_ids[i],
				.in_port = (uint8_t)p,
				.flow_hash = nfv_flow_hash(&keys[i]),
			};
			enter_chain(d, hd, &lane, bufs[i], pkts[i]);
		}
		NFV_STAT_ADD(port->st.rx_pkts, n);
		NFV_STAT_ADD(port->st.rx_bytes, bytes);
		NFV_STAT_ADD(d->tot.rx, n);
		d->active = 1;
		d->progress = 1;
	}
}

/* Move a packet returned by an NF on according to its (checked) action. */
HOT void
apply_action(struct nfv_daemon *d, struct nfv_hdomain *hd, uint32_t buf,
	     const struct nfv_desc *desc)
{
	struct nfv_pkt_meta *meta = &hd->meta[buf];
	const struct nfv_chain *c = &d->ft.chain[meta->chain];
	unsigned int h;

	/* An untrusted domain's NFs follow their chains: they may pass a
	 * packet on or drop it, not steer it to another NF or a port. */
	if (hd->untrusted && (desc->action == NFV_ACT_TONF || desc->action == NFV_ACT_OUT)) {
		drop(d, hd, buf, NFV_DROP_UNTRUSTED_ACTION);
		return;
	}
	switch (desc->action) {
	case NFV_ACT_NEXT:
		if (meta->hop == NFV_HOP_NONE)
			drop(d, hd, buf, NFV_DROP_CHAIN_END);
		else
			to_hop(d, hd, buf, meta->hop + 1u);
		break;
	case NFV_ACT_TONF:
		/* Rejoin the chain where that service stands after us, else
		 * the packet leaves its chain. */
		h = meta->hop == NFV_HOP_NONE ? c->nhops : meta->hop + 1u;
		while (h < c->nhops && !(c->hop[h].type == HOP_NF && c->hop[h].id == desc->dest))
			h++;
		meta->hop = h < c->nhops ? (uint8_t)h : NFV_HOP_NONE;
		to_service(d, hd, buf, desc->dest, 0);
		break;
	case NFV_ACT_OUT:
		to_port(d, hd, buf, desc->dest);
		break;
	case NFV_ACT_DROP:
		drop(d, hd, buf, NFV_DROP_NF_DROP);
		break;
	default:
		drop(d, hd, buf, NFV_DROP_BAD_ACTION);
		break;
	}
}

/*
 * Where the packets an NF returns go when they pass on from one hop of
 * one chain, for a run of them within a burst (drain_nf()): the port of
 * the chain's next hop, if that is a port.  The books of the packets sent
 * there by out_port() are settled once a run (exit_settle()), before
 * anything else may read them.
 */
struct exit_lane {
	uint64_t key;			/* exit_key() of its packets */
	uint16_t chain;
	uint16_t owner;			/* slot they were lent to: the NF's, or
					 * one of its --direct group's */
	struct nfv_port *port;		/* NULL: the next hop is no port */
	uint32_t passed;		/* out_port()s not settled yet: chain
					 * references held, counted lent */
};

/* Drop what @l's packets still hold: chain references and lent counts. */
static inline void
exit_settle(struct nfv_daemon *d, struct exit_lane *l, struct nfv_nf *nf)
{
	if (!l->passed)
		return;
	nfv_flow_put_n(&d->ft, l->chain, l->passed);
	nfv_owner_passed(&nf->hd->dom.owner, l->owner, l->passed);
	if (l->owner != nf->slot)	/* as nfv_direct_return() counts */
		NFV_STAT_ADD(nf->st.direct_in, l->passed);
	l->passed = 0;
}

/* Names the chain, hop and --direct run of @meta and the slot @owner it
 * was lent to, for a compare of one word (not of fields the compiler may
 * merge into a load across several stores). */
static inline uint64_t
exit_key(const struct nfv_pkt_meta *meta, uint16_t owner)
{
	return (uint64_t)meta->chain | (uint64_t)meta->hop << 16 | (uint64_t)meta->run << 24 |
	       (uint64_t)owner << 32;
}

/* Point @l at the port after the hop @nf stands at, on @meta's chain, for
 * packets lent to slot @owner. */
static void
exit_lane_set(struct nfv_daemon *d, struct exit_lane *l, struct nfv_nf *nf,
	      const struct nfv_pkt_meta *meta, uint16_t owner)
{
	const struct nfv_chain *c = &d->ft.chain[meta->chain];
	int at;

	exit_settle(d, l, nf);
	l->key = exit_key(meta, owner);
	l->chain = meta->chain;
	l->owner = owner;
	l->port = NULL;
	if (meta->hop == NFV_HOP_NONE)
		return;
	at = owner == nf->slot ? meta->hop : nfv_direct_hop(d, nf->hd, nf, owner, meta);
	if (at >= 0 && at + 1 < c->nhops && c->hop[at + 1].type == HOP_PORT &&
	    c->hop[at + 1].id < d->nports)
		l->port = &d->port[c->hop[at + 1].id];
}

/*
 * @desc, returned by @nf, passes on to a port its chain goes to next:
 * what validation (with nfv_direct_return() for a packet of a --direct
 * run), apply_action(), to_hop() and to_port() would do, with the counts
 * left to exit_settle().  0 if it takes that long way.
 */
HOT int
out_port(struct nfv_daemon *d, struct nfv_nf *nf, struct exit_lane *l,
	 const struct nfv_desc *desc)
{
	struct nfv_hdomain *hd = nf->hd;
	uint16_t o = nfv_owner_of(&hd->dom.owner, desc->buf);
	const struct nfv_pkt_meta *meta;
	struct rte_mbuf *m;
	struct nfv_port *p;

	/* Lent to a slot (so a buffer in range): this one, or in a group. */
	if (desc->action != NFV_ACT_NEXT || o >= hd->dom.owner.nslots ||
	    (o != nf->slot && !nf->group) || !nfv_desc_len_ok(&hd->dom.region.layout, desc))
		return 0;
	meta = &hd->meta[desc->buf];
	if (exit_key(meta, o) != l->key)
		exit_lane_set(d, l, nf, meta, o);
	p = l->port;
	if (!p || p->tx_end == p->tx_cap)
		return 0;
	nfv_owner_pass(&hd->dom.owner, desc->buf);
	l->passed++;
	m = nfv_pool_mbuf(&hd->dom.pool, desc->buf);
	m->data_off = desc->data_off;
	m->data_len = desc->data_len;
	m->pkt_len = desc->data_len;
	p->tx_in[p->tx_end] = meta->in_port;
	p->tx[p->tx_end++] = m;
	/* flush_port() reads neither count exit_settle() moves. */
	if (p->tx_end >= p->tx_flush_at)
		flush_port(d, p);
	return 1;
}

/* Take back one burst from @nf's TX ring. */
static void
drain_nf(struct nfv_daemon *d, struct nfv_nf *nf)
{
	struct nfv_hdomain *hd = nf->hd;
	struct nfv_desc descs[NFV_BURST];
	struct exit_lane lane = { .key = UINT64_MAX };
	enum nfv_verdict verdict;
	int n, i, reason, rejected = 0;

	n = nfv_ring_dequeue_burst(&nf->tx, descs, NFV_BURST);
	if (n <= 0) {
		if (n < 0)
			nfv_quarantine(d, nf, "TX ring producer index is corrupt");
		return;
	}
	d->active = 1;
	d->progress = 1;
	/* The packets' metadata and mbuf headers, last touched a window of
	 * packets ago, in flight at once. */
	for (i = 0; i < n; i++)
		if (likely(descs[i].buf < hd->dom.owner.nbufs)) {
			rte_prefetch0(&hd->meta[descs[i].buf]);
			rte_prefetch0(nfv_pool_mbuf(&hd->dom.pool, descs[i].buf));
		}
	for (i = 0; i < n; i++) {
		const struct nfv_desc *desc = &descs[i];	/* private copy */
		struct nfv_pkt_meta *meta;

		if (likely(out_port(d, nf, &lane, desc)))
			continue;
		exit_settle(d, &lane, nf);
		verdict = nfv_desc_validate(&hd->dom.owner, &hd->dom.region.layout,
					    nf->slot, desc, &reason);
		/* Lent to the NF a direct run started at? */
		if (unlikely(verdict == NFV_DESC_REJECT) && reason == NFV_REJECT_OTHER_SLOT &&
		    nf->group && nfv_direct_return(d, hd, nf, desc) == 0)
			verdict = nfv_desc_check_len(&hd->dom.region.layout, desc, &reason);
		switch (verdict) {
		case NFV_DESC_REJECT:
			NFV_STAT_ADD(nf->st.rejects[reason], 1);
			NFV_STAT_ADD(d->tot.rejects[reason], 1);
			SW_WARN("slot %u (%s): rejected descriptor: %s", nf->slot,
				nf->name, nfv_reject_name(reason));
			rejected++;
			continue;
		case NFV_DESC_DROP:
			drop(d, hd, desc->buf, reason);
			continue;
		case NFV_DESC_OK:
			break;
		}
		/* The validated lengths, kept from this private copy; the
		 * mbuf takes them if the packet leaves through a port. */
		meta = &hd->meta[desc->buf];
		meta->data_off = desc->data_off;
		meta->data_len = desc->data_len;
		meta->from_nf = 1;
		apply_action(d, hd, desc->buf, desc);
	}
	exit_settle(d, &lane, nf);
	/* Returned to us: every descriptor but the rejected ones. */
	NFV_STAT_ADD(nf->st.tx_pkts, (uint64_t)(n - rejected));
}

struct reclaim_ctx {
	struct nfv_daemon *d;
	struct nfv_hdomain *hd;
	enum nfv_pkt_drop why;
	int defer;		/* to limbo, not freed yet */
};

static void
reclaim_buf(uint32_t buf, void *arg)
{
	struct reclaim_ctx *rc = arg;
	struct nfv_hdomain *hd = rc->hd;

	if (rc->defer) {
		/* Held by us (nfv_owner_reclaim() made it so); nbufs room.
		 * The packet is done with now: its drop counted, its flow and
		 * window given back (the port it came in through need not
		 * wait out the grace); only the buffer waits. */
		count_drop(rc->d, hd, buf, rc->why);
		hd->limbo[hd->nlimbo++] = buf;
		return;
	}
	drop(rc->d, hd, buf, rc->why);
}

/* Take back every buffer lent to @nf's slot: freed now, or with @defer
 * put in its domain's limbo for NFV_RESET_GRACE_MS (release_limbo()). */
static uint32_t
reclaim_lent(struct nfv_daemon *d, struct nfv_nf *nf, enum nfv_pkt_drop why, int defer)
{
	struct reclaim_ctx rc = { d, nf->hd, why, defer };
	uint32_t n;

	n = nfv_owner_reclaim(&nf->hd->dom.owner, nf->slot, reclaim_buf, &rc);
	NFV_STAT_ADD(nf->st.reclaimed, n);
	if (defer && n)
		nf->hd->limbo_tsc = rte_get_tsc_cycles() | 1;
	return n;
}

/* Free the buffers that wait in @hd's limbo (their packets were dropped
 * when they came in: reclaim_buf()). */
static void
release_limbo(struct nfv_hdomain *hd)
{
	uint32_t i;

	for (i = 0; i < hd->nlimbo; i++)
		free_buf(hd, hd->limbo[i]);
	hd->nlimbo = 0;
	hd->limbo_tsc = 0;
}

/* Stop serving a slot: out of its group and service, what was staged for
 * it dropped.  What was lent to it stays lent. */
static void
unserve_nf(struct nfv_daemon *d, struct nfv_nf *nf, enum nfv_pkt_drop why)
{
	uint16_t i;

	/* Its direct-handoff group goes with it (direct.h). */
	nfv_direct_leave(d, nf);
	d->relink = 1;
	/* Out of its service; nf->service stays for nf list and the summary
	 * (removal is idempotent). */
	if (nf->service)
		nfv_service_remove(&d->svc[nf->service], nf);
	for (i = 0; i < nf->nstage; i++)
		drop(d, nf->hd, nf->stage[i].buf, why);
	nf->nstage = 0;
}

/*
 * Take everything back from a slot (staged and lent) and stop serving it.
 * An NF of a direct-handoff group lends on what it was lent: some of its
 * buffers may sit in the PEER ring or the burst of another member, which
 * runs on until it sees its group reset (nfv_group_reset()), so they wait
 * in limbo as that member's own do, instead of being received into now.
 */
static uint32_t
detach_nf(struct nfv_daemon *d, struct nfv_nf *nf, enum nfv_pkt_drop why)
{
	int grouped = nf->group != 0;

	unserve_nf(d, nf, why);
	return reclaim_lent(d, nf, why, grouped);
}

void
nfv_quarantine(struct nfv_daemon *d, struct nfv_nf *nf, const char *msg)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	int expect = NF_RUNNING;

	if (!__atomic_compare_exchange_n(&nf->state, &expect, NF_QUARANTINED, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		expect = NF_ATTACHED;
		if (!__atomic_compare_exchange_n(&nf->state, &expect, NF_QUARANTINED, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return;
	}
	NFV_STAT_ADD(d->tot.quarantines, 1);
	__atomic_store_n(&slot->why, NFV_WHY_RING, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->state, NFV_SLOT_QUARANTINED, __ATOMIC_RELEASE);
	SW_WARN("slot %u (%s) quarantined: %s", nf->slot, nf->name, msg);
	detach_nf(d, nf, NFV_DROP_QUARANTINE);
}

/*
 * @nf's direct-handoff group lost a member (direct.h): it is unregistered,
 * as if it had asked to leave, but the slot stays with its peer (a VM
 * keeps its slot and may start the NF again).  The slot's generation moves
 * on, so the NF running there stops at its next look (NetLib looks before
 * every burst it takes), saying why (`why`), instead of waiting for
 * packets that no longer come.  A peer that is already going is left to
 * its own reclaim.
 *
 * The NF runs on meanwhile, maybe in the middle of a burst of our buffers:
 * what was lent to it waits in limbo for NFV_RESET_GRACE_MS, where freed
 * at once the next packets received would reuse buffers it still writes
 * to.
 */
void
nfv_group_reset(struct nfv_daemon *d, struct nfv_nf *nf)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	int expect = NF_RUNNING;

	if (!__atomic_compare_exchange_n(&nf->state, &expect, NF_ATTACHED, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	NFV_STAT_ADD(d->tot.group_resets, 1);
	SW_WARN("slot %u (%s) unregistered: an NF it shared direct handoff with left",
		nf->slot, nf->name);
	unserve_nf(d, nf, NFV_DROP_GROUP_RESET);
	reclaim_lent(d, nf, NFV_DROP_GROUP_RESET, 1);
	nf->service = 0;
	slot->service_id = 0;
	slot->instance_id = 0;
	__atomic_store_n(&slot->why, NFV_WHY_GROUP, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->generation, slot->generation + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->state, NFV_SLOT_ATTACHED, __ATOMIC_RELEASE);
}

static void
ctl_reply(struct nfv_nf *nf, const struct nfv_ctl_msg *req, int status)
{
	struct nfv_ctl_msg r = { .type = NFV_CTL_REPLY, .seq = req->seq };
	uint64_t one = 1;

	r.u.reply.status = status;
	r.u.reply.instance_id = nf->instance;
	r.u.reply.service_id = nf->service;
	if (nfv_ring_enqueue_burst(&nf->ctl_reply, &r, 1) == 1)
		(void)!write(nf->efd[NFV_VEC_CTL], &one, sizeof(one));
}

static int
ctl_register(struct nfv_daemon *d, struct nfv_nf *nf, const struct nfv_ctl_msg *m)
{
	struct nfv_slot *slot = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	uint16_t service = m->u.reg.service_id;
	int ret, expect;

	if (__atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) != NF_ATTACHED)
		return -EALREADY;
	if (service == 0 || service > NFV_MAX_SERVICE)
		return -EINVAL;
	nfv_ctl_name_from_msg(m, nf->name, sizeof(nf->name));
	/* Its NetLib numbers its sleeps from 1 again: a value the previous
	 * NF of this slot (in a VM, the slot outlives it) was rung for must
	 * not pass for rung. */
	nf->kick_seq = 0;
	/* Whatever a previous NF of this slot left in the TX ring names
	 * buffers it no longer holds: the new NF starts from an empty ring. */
	if (nfv_ring_discard(&nf->tx) < 0)
		return -EPROTO;
	nf->service = service;
	/* Its id first: the service's bucket map weighs instances by it. */
	if (++d->next_instance == 0)
		d->next_instance = 1;
	nf->instance = d->next_instance;
	ret = nfv_service_add(&d->svc[service], nf);
	if (ret < 0) {
		nf->service = 0;
		return ret;
	}
	slot->service_id = service;
	slot->instance_id = nf->instance;
	/* The control thread may have seen the peer go meanwhile (CLOSING):
	 * never overwrite that, or the slot would outlive its peer. */
	expect = NF_ATTACHED;
	if (!__atomic_compare_exchange_n(&nf->state, &expect, NF_RUNNING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		nfv_service_remove(&d->svc[service], nf);
		return -EPIPE;
	}
	slot->why = NFV_WHY_NONE;
	slot->state = NFV_SLOT_RUNNING;
	d->relink = 1;
	RTE_LOG(INFO, NFV_SWITCH, "slot %u: %s registered as service %u instance %u\n",
		nf->slot, nf->name, service, nf->instance);
	return 0;
}

/* Rules from NFs: only a registered NF may install them. */
static int
ctl_flow(struct nfv_daemon *d, struct nfv_nf *nf, const struct nfv_ctl_msg *m)
{
	struct nfv_flow_key key;
	struct nfv_chain chain;
	int ret;

	if (__atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) != NF_RUNNING || nf->hd->untrusted)
		return -EPERM;
	ret = nfv_flow_from_msg(m, d->nports, &key, &chain);
	if (ret < 0)
		return ret;
	if (m->type == NFV_CTL_FLOW_DEL)
		return nfv_rule_del(d, &key);
	return nfv_rule_add(d, &key, &chain);
}

/*
 * An NF leaves its slot but the slot stays (a VM keeps its slot across NFs):
 * what it transmitted before leaving still goes its way, then everything it
 * still holds comes back. Bounded: the TX ring holds at most ring_entries.
 */
static void
unregister_nf(struct nfv_daemon *d, struct nfv_nf *nf)
{
	unsigned int rounds = nf->tx.size / NFV_BURST + 1;

	while (rounds-- > 0 && nfv_ring_count(&nf->tx) > 0 &&
	       __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) == NF_RUNNING)
		drain_nf(d, nf);
	detach_nf(d, nf, NFV_DROP_RECLAIMED);
	nf->service = 0;
}

static void
process_ctl(struct nfv_daemon *d, struct nfv_nf *nf)
{
	struct nfv_ctl_msg msgs[CTL_PER_ROUND];
	int n, i, ret;

	n = nfv_ring_dequeue_burst(&nf->ctl, msgs, CTL_PER_ROUND);
	if (n < 0) {
		nfv_quarantine(d, nf, "CTL ring producer index is corrupt");
		return;
	}
	if (n > 0)
		d->ctl_busy = 1;	/* its next request comes soon: no sleep */
	for (i = 0; i < n; i++) {
		NFV_STAT_ADD(nf->st.ctl_msgs, 1);
		switch (msgs[i].type) {
		case NFV_CTL_REGISTER:
			ret = ctl_register(d, nf, &msgs[i]);
			break;
		case NFV_CTL_FLOW_ADD:
		case NFV_CTL_FLOW_DEL:
			ret = ctl_flow(d, nf, &msgs[i]);
			break;
		case NFV_CTL_UNREGISTER: {
			int expect = NF_RUNNING;

			unregister_nf(d, nf);
			/* As in ctl_register: a peer already gone stays CLOSING. */
			if (__atomic_compare_exchange_n(&nf->state, &expect, NF_ATTACHED, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				nfv_region_slot(&nf->hd->dom.region, nf->slot)->state =
					NFV_SLOT_ATTACHED;
			ret = 0;
			break;
		}
		default:
			ret = -EINVAL;
			break;
		}
		if (ret < 0)
			NFV_STAT_ADD(nf->st.ctl_bad, 1);
		ctl_reply(nf, &msgs[i], ret);
	}
}

static void
housekeep_domain(struct nfv_daemon *d, struct nfv_hdomain *hd)
{
	uint64_t us;
	uint32_t s;

	if (__atomic_exchange_n(&hd->pending_close, 0, __ATOMIC_ACQ_REL)) {
		for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
			struct nfv_nf *nf = &hd->nf[s];

			if (__atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) != NF_CLOSING)
				continue;
			detach_nf(d, nf, NFV_DROP_RECLAIMED);
			nf->reclaim_ns = nfv_now_ns();
			us = (nf->reclaim_ns - nf->close_ns) / 1000;
			NFV_STAT_ADD(d->tot.reclaims, 1);
			NFV_STAT_ADD(d->tot.reclaim_us_sum, us);
			if (us > d->tot.reclaim_us_max)
				NFV_STAT_ADD(d->tot.reclaim_us_max, us - d->tot.reclaim_us_max);
			__atomic_store_n(&nf->state, NF_CLOSED, __ATOMIC_RELEASE);
		}
	}
	if (unlikely(hd->nlimbo) &&
	    rte_get_tsc_cycles() - hd->limbo_tsc > rte_get_tsc_hz() / 1000 * NFV_RESET_GRACE_MS)
		release_limbo(hd);
	for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
		struct nfv_nf *nf = &hd->nf[s];
		int st = __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE);

		if (st == NF_ATTACHED || st == NF_RUNNING)
			process_ctl(d, nf);
	}
}

/*
 * The other half of kick(): one full fence, paired with NetLib's fence
 * between storing sleeping = 1 and re-checking its RX ring, then kick()
 * again every NF that kick() last saw awake and that has entries waiting.
 * Either the NF saw our entries before sleeping, or we see it sleeping now:
 * a doorbell lost to the race in kick() costs one housekeeping round, not
 * the NF's sleep timeout.  Only NFs we handed packets to since are looked
 * at, so an NF that plays with its indices gets no more doorbells than
 * bursts it was given.
 */
static void
sweep_sleepers(struct nfv_daemon *d)
{
	uint32_t i, s;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	nfv_direct_sweep(d);
	for (i = 0; i < d->nwdom; i++) {
		struct nfv_hdomain *hd = d->wdom[i];

		for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
			struct nfv_nf *nf = &hd->nf[s];

			if (!nf->recheck)
				continue;
			nf->recheck = 0;
			if (__atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) == NF_RUNNING &&
			    nf->rx.local != __atomic_load_n(&nf->rx.shm->cons, __ATOMIC_RELAXED))
				kick(nf);
		}
	}
}

static void
housekeep(struct nfv_daemon *d)
{
	nfv_worker_fn fn;
	uint64_t now;
	uint32_t i;
	uint16_t p;

	d->rounds++;
	sweep_sleepers(d);
	for (i = 0; i < d->nwdom; i++)
		housekeep_domain(d, d->wdom[i]);
	if (d->relink) {
		d->relink = 0;
		nfv_direct_relink(d);
		nfv_window_update(d);
	}
	now = rte_get_tsc_cycles();
	nfv_affinity_sweep(&d->aff, d->svc, now);
	for (p = 0; p < d->nports; p++)
		nfv_port_reconnect(&d->port[p], now);
	/* Take a posted call (nfv_worker_call()) before running it: once
	 * taken, its caller can no longer withdraw it, and waits for it. */
	if (__atomic_load_n(&d->call_fn, __ATOMIC_RELAXED) &&
	    (fn = __atomic_exchange_n(&d->call_fn, NULL, __ATOMIC_ACQ_REL)) != NULL) {
		fn(d, d->call_arg);
		__atomic_store_n(&d->call_done, 1, __ATOMIC_RELEASE);
		d->ctl_busy = 1;
	}
}

/*
 * NFs on our CPU (window.c) run when we give it up, as NetLib gives it up
 * to them: after a round that moved nothing, and after a busy turn of
 * NFV_TURN_SHARED_US, so that what we handed them waits a turn at most
 * (under a steady trickle a round always finds a packet, and without the
 * turn they would run only when the scheduler takes the CPU from us).
 */
static void
share_cpu(struct nfv_daemon *d)
{
	uint64_t now;

	if (d->progress) {
		now = rte_get_tsc_cycles();
		if (d->turn_end == 0) {
			d->turn_end = now + d->turn_tsc;
			return;
		}
		if (now < d->turn_end)
			return;
	}
	sched_yield();
	NFV_STAT_ADD(d->tot.yields, 1);
	d->turn_end = 0;	/* the next busy round starts a turn */
}

static int
idle_done(struct nfv_daemon *d)
{
	uint32_t i, s;
	uint16_t p;

	/* The hot path only raises a flag; the clock is read here, once
	 * every HOUSEKEEP_EVERY rounds. */
	if (d->active) {
		d->active = 0;
		d->last_activity_ns = nfv_now_ns();
		return 0;
	}
	if (d->cfg.stop_idle_ms == 0 || NFV_STAT_GET(d->tot.rx) == 0)
		return 0;
	if (nfv_now_ns() - d->last_activity_ns < (uint64_t)d->cfg.stop_idle_ms * 1000000u)
		return 0;
	for (p = 0; p < d->nports; p++)
		if (d->port[p].tx_end)
			return 0;
	for (i = 0; i < d->nwdom; i++) {
		const struct nfv_owner_table *own = &d->wdom[i]->dom.owner;

		if (own->held)
			return 0;
		for (s = 0; s < own->nslots; s++)
			if (own->lent[s])
				return 0;
	}
	return 1;
}

/*
 * --idle-sleep-us: after a housekeeping period (HOUSEKEEP_EVERY rounds, a
 * few microseconds when there is nothing to do) in which no port received
 * and no NF returned a packet (@was_active 0), no control request or call
 * came, and no packet waits between linked NFs (--direct: only the
 * worker's sweep rings the next NF), sleep: 1 us at first, twice as long
 * after each further idle round (each is a housekeeping period then), up
 * to the option's value.  Work ends it: polling without pause again, from
 * 1 us at the next lull.  What arrives meanwhile waits in the ports'
 * receive queues, the NFs' TX rings and the control rings; NFs that sleep
 * were rung before (kick() after each burst, sweep_sleepers() in
 * housekeeping).
 */
static void
idle_sleep(struct nfv_daemon *d, int was_active)
{
	struct timespec ts = { 0, 0 };
	uint64_t t0;
	int busy = d->ctl_busy;

	d->ctl_busy = 0;
	if (was_active || busy || (d->nlinked && nfv_direct_pending(d))) {
		d->sleep_ns = 0;
		return;
	}
	d->sleep_ns = d->sleep_ns ? RTE_MIN(d->sleep_ns * 2u, d->cfg.idle_sleep_us * 1000u) :
				    RTE_MIN(1000u, d->cfg.idle_sleep_us * 1000u);
	ts.tv_nsec = (long)d->sleep_ns;
	t0 = nfv_now_ns();
	nfv_quiesce_worker_offline();	/* an unmap need not wait for the sleep */
	nanosleep(&ts, NULL);	/* a signal (quit) ends it early */
	nfv_quiesce_worker_online();
	NFV_STAT_ADD(d->tot.sleeps, 1);
	NFV_STAT_ADD(d->tot.slept_ns, nfv_now_ns() - t0);
}

void
nfv_worker_loop(struct nfv_daemon *d)
{
	unsigned int iter = 0;
	uint32_t i, s;
	uint16_t p;

	/* Sleeps of microseconds, not the default 50 us of timer slack. */
	if (d->cfg.idle_sleep_us)
		(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	d->last_activity_ns = nfv_now_ns();
	nfv_quiesce_worker_online();
	while (!d->quit) {
		/* No burst of ours runs here: a driver may unmap a port's
		 * rings once we passed this point (quiesce.h). */
		nfv_quiesce_point();
		d->progress = 0;
		rx_ports(d);
		for (i = 0; i < d->nwdom; i++) {
			struct nfv_hdomain *hd = d->wdom[i];
			uint32_t nslots = hd->dom.region.layout.p.nslots;

			for (s = 0; s < nslots; s++)
				if (__atomic_load_n(&hd->nf[s].state, __ATOMIC_ACQUIRE) == NF_RUNNING)
					drain_nf(d, &hd->nf[s]);
		}
		/* After every drain: a packet may cross into any domain. */
		for (i = 0; i < d->nwdom; i++) {
			struct nfv_hdomain *hd = d->wdom[i];

			for (s = 0; s < hd->dom.region.layout.p.nslots; s++)
				flush_nf(d, &hd->nf[s]);
		}
		for (p = 0; p < d->nports; p++)
			flush_port(d, &d->port[p]);
		if (d->nlinked)
			nfv_direct_sweep(d);
		if (unlikely(__atomic_load_n(&d->nfs_on_worker_cpu, __ATOMIC_RELAXED)))
			share_cpu(d);
		/* Asleep (--idle-sleep-us), every wake-up is a housekeeping
		 * period of its own: one round, then the next sleep. */
		if (++iter % HOUSEKEEP_EVERY == 0 || d->sleep_ns) {
			int was_active = d->active;

			housekeep(d);
			if (idle_done(d)) {
				RTE_LOG(INFO, NFV_SWITCH, "input idle for %u ms with nothing in flight: stopping\n",
					d->cfg.stop_idle_ms);
				d->quit = 1;
			}
			if (d->cfg.idle_sleep_us && !d->quit)
				idle_sleep(d, was_active);
		}
	}
	nfv_quiesce_worker_offline();
}

/* At shutdown: take back every buffer, so the pool audits clean. */
void
nfv_worker_drain_all(struct nfv_daemon *d)
{
	uint32_t i, s;
	uint16_t p;

	nfv_quiesce_worker_online();	/* flush_port() bursts */
	/* Everyone leaves: no group needs to take its others along. */
	for (i = 0; i < d->nwdom; i++)
		for (s = 0; s < d->wdom[i]->dom.region.layout.p.nslots; s++)
			d->wdom[i]->nf[s].group = 0;
	for (i = 0; i < d->nwdom; i++) {
		for (s = 0; s < d->wdom[i]->dom.region.layout.p.nslots; s++)
			detach_nf(d, &d->wdom[i]->nf[s], NFV_DROP_SHUTDOWN);
		release_limbo(d->wdom[i]);
		nfv_quiesce_point();
	}
	/* What a port does not take now, it will not get. */
	for (p = 0; p < d->nports; p++) {
		flush_port(d, &d->port[p]);
		port_drop_held(d, &d->port[p], NFV_DROP_SHUTDOWN);
		nfv_quiesce_point();
	}
	nfv_quiesce_worker_offline();
}

int
nfv_worker_call(struct nfv_daemon *d, nfv_worker_fn fn, void *arg, unsigned int timeout_ms)
{
	unsigned int waited = 0;
	int withdraw = 1;

	d->call_arg = arg;
	__atomic_store_n(&d->call_done, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&d->call_fn, fn, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&d->call_done, __ATOMIC_ACQUIRE)) {
		if (withdraw && (waited++ >= timeout_ms || d->quit)) {
			nfv_worker_fn expect = fn;

			/* Withdraw the call if the worker has not taken it.  If
			 * it has, it is running it on @arg: wait for the end,
			 * which comes (the worker finishes a call it took
			 * before it looks at anything else). */
			if (__atomic_compare_exchange_n(&d->call_fn, &expect, NULL, 0,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;
			withdraw = 0;
		}
		usleep(1000);
	}
	return 0;
}
