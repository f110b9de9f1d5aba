/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_telemetry.h>

#include "ctl.h"
#include "memif_send.h"
#include "quiesce.h"
#include "stats.h"

static struct nfv_daemon *g_d;	/* for the telemetry callback */

const char *
nfv_nf_state_name(int state)
{
	static const char *const names[] = {
		[NF_FREE] = "free", [NF_ATTACHED] = "attached",
		[NF_RUNNING] = "running", [NF_QUARANTINED] = "quarantined",
		[NF_CLOSING] = "closing", [NF_CLOSED] = "closed",
	};

	return (unsigned int)state < RTE_DIM(names) ? names[state] : "unknown";
}

static uint64_t
total_drops(const struct nfv_totals *t)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < NFV_DROP_MAX; i++)
		sum += NFV_STAT_GET(t->drops[i]);
	return sum;
}

static uint32_t
total_lent(const struct nfv_owner_table *o)
{
	uint32_t s, sum = 0;

	for (s = 0; s < o->nslots; s++)
		sum += __atomic_load_n(&o->lent[s], __ATOMIC_RELAXED);
	return sum;
}

static void
audit_domain(const struct nfv_domain *dom, struct nfv_audit_counts *a)
{
	struct nfv_owner_census c;
	int consistent = nfv_owner_audit(&dom->owner, &c) == 0;

	a->pool_size = dom->pool.nbufs;
	a->pool_in_use = nfv_pool_in_use(&dom->pool);
	a->owner_free = c.free;
	a->held = c.held;
	a->lent = c.lent;
	a->in_ports = (int64_t)a->pool_in_use - c.held - c.lent;
	a->ok = consistent && a->in_ports >= 0 &&
		c.free + c.held + c.lent == a->pool_size;
}

void
nfv_audit_run(struct nfv_daemon *d, struct nfv_audit *a)
{
	uint32_t i;

	memset(a, 0, sizeof(*a));
	a->ok = 1;
	for (i = 0; i < d->nwdom; i++) {
		struct nfv_audit_counts *c = &a->dom[i].c;

		snprintf(a->dom[i].name, sizeof(a->dom[i].name), "%s", d->wdom[i]->dom.name);
		audit_domain(&d->wdom[i]->dom, c);
		a->pool_size += c->pool_size;
		a->pool_in_use += c->pool_in_use;
		a->owner_free += c->owner_free;
		a->held += c->held;
		a->lent += c->lent;
		a->in_ports += c->in_ports;
		a->ok = a->ok && c->ok;
	}
	a->ndom = d->nwdom;
}

static json_t *
audit_counts_json(const struct nfv_audit_counts *a)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
			 "pool_size", (json_int_t)a->pool_size,
			 "in_use", (json_int_t)a->pool_in_use,
			 "free", (json_int_t)a->owner_free,
			 "held", (json_int_t)a->held,
			 "lent", (json_int_t)a->lent,
			 "in_port_queues", (json_int_t)a->in_ports,
			 "ok", a->ok);
}

json_t *
nfv_audit_json(const struct nfv_audit *a)
{
	const struct nfv_audit_counts t = {
		a->pool_size, a->pool_in_use, a->owner_free, a->held, a->lent, a->in_ports, a->ok,
	};
	json_t *r = audit_counts_json(&t), *doms = json_array();
	uint32_t i;

	for (i = 0; i < a->ndom; i++) {
		json_t *o = audit_counts_json(&a->dom[i].c);

		json_object_set_new(o, "domain", json_string(a->dom[i].name));
		json_array_append_new(doms, o);
	}
	json_object_set_new(r, "domains", doms);
	return r;
}

static json_t *
pool_json(const struct nfv_hdomain *hd)
{
	const struct nfv_domain *dom = &hd->dom;

	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
			 "domain", dom->name,
			 "buffers", (json_int_t)dom->pool.nbufs,
			 "buffer_size", (json_int_t)dom->region.layout.p.buf_stride,
			 "in_use", (json_int_t)nfv_pool_in_use(&dom->pool),
			 "lent", (json_int_t)total_lent(&dom->owner),
			 "region_bytes", (json_int_t)dom->region.layout.p.region_size);
}

json_t *
nfv_domain_json(struct nfv_daemon *d, const struct nfv_hdomain *hd)
{
	uint64_t in = 0, out = 0;
	uint32_t i, s, running = 0, attached = 0;
	json_t *r;

	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		if (d->dom[i])
			in += NFV_STAT_GET(d->dom[i]->copies_to[hd->dom.id]);
		if (i != hd->dom.id)
			out += NFV_STAT_GET(hd->copies_to[i]);
	}
	for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
		int st = __atomic_load_n(&hd->nf[s].state, __ATOMIC_ACQUIRE);

		running += st == NF_RUNNING;
		attached += st != NF_FREE;
	}
	r = pool_json(hd);
	json_object_update_new(r, json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		"id", (json_int_t)hd->dom.id,
		"trust", hd->untrusted ? "untrusted" : "trusted",
		"socket", hd->sock_path,
		"numa_node", (json_int_t)hd->dom.region.numa_node,
		"slots", (json_int_t)hd->dom.region.layout.p.nslots,
		"attached", (json_int_t)attached,
		"running", (json_int_t)running,
		"copies_in", (json_int_t)in,
		"copies_out", (json_int_t)out,
		"ring_size", (json_int_t)hd->dom.region.layout.p.ring_entries,
		"window", (json_int_t)__atomic_load_n(&hd->window, __ATOMIC_RELAXED)));
	return r;
}

static json_t *
domains_json(struct nfv_daemon *d)
{
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			json_array_append_new(arr, nfv_domain_json(d, d->dom[i]));
	return arr;
}

/* Packets copied from one domain into another, the pairs that saw any. */
static json_t *
copies_json(struct nfv_daemon *d)
{
	json_t *arr = json_array();
	uint32_t i, j;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		for (j = 0; d->dom[i] && j < NFV_MAX_DOMAINS; j++) {
			uint64_t n = NFV_STAT_GET(d->dom[i]->copies_to[j]);

			if (n && d->dom[j])
				json_array_append_new(arr, json_pack("{s:s, s:s, s:I}",
					"from", d->dom[i]->dom.name, "to", d->dom[j]->dom.name,
					"packets", (json_int_t)n));
		}
	return arr;
}

/* --idle-sleep-us: how often and how long the worker slept; and how often
 * it gave its CPU to NFs that share it (window.c). */
static json_t *
worker_sleep_json(const struct nfv_daemon *d)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "sleeps", (json_int_t)NFV_STAT_GET(d->tot.sleeps),
			 "slept_ms", (json_int_t)(NFV_STAT_GET(d->tot.slept_ns) / 1000000u),
			 "yields", (json_int_t)NFV_STAT_GET(d->tot.yields),
			 "nfs_on_its_cpu",
			 (json_int_t)__atomic_load_n(&d->nfs_on_worker_cpu, __ATOMIC_RELAXED));
}

json_t *
nfv_stats_status(struct nfv_daemon *d)
{
	char chain[128];
	uint32_t i, s, running = 0;
	json_t *r;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		for (s = 0; d->dom[i] && s < d->dom[i]->dom.region.layout.p.nslots; s++)
			running += __atomic_load_n(&d->dom[i]->nf[s].state, __ATOMIC_ACQUIRE) ==
				   NF_RUNNING;
	nfv_chain_format(&d->ft.chain[NFV_DEFAULT_CHAIN], chain, sizeof(chain));
	r = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o,"
			 " s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:o}",
			 "version", PACKAGE_VERSION,
			 "pid", (json_int_t)getpid(),
			 "uptime_s", (json_int_t)((nfv_now_ns() - d->start_ns) / 1000000000u),
			 "ports", (json_int_t)d->nports,
			 "nfs_running", (json_int_t)running,
			 "flow_rules", (json_int_t)__atomic_load_n(&d->ft.nrules, __ATOMIC_RELAXED),
			 "default_chain", chain,
			 "direct", d->cfg.direct,
			 "ring_size", (json_int_t)d->hd->dom.region.layout.p.ring_entries,
			 "window", (json_int_t)__atomic_load_n(&d->hd->window, __ATOMIC_RELAXED),
			 "tx_hold_us", (json_int_t)d->cfg.tx_hold_us,
			 "idle_sleep_us", (json_int_t)d->cfg.idle_sleep_us,
			 "domain", d->hd->dom.name,
			 "attach_socket", d->hd->sock_path,
			 "pool", pool_json(d->hd),
			 "domains", domains_json(d),
			 "packets",
			 "rx", (json_int_t)NFV_STAT_GET(d->tot.rx),
			 "tx", (json_int_t)NFV_STAT_GET(d->tot.tx),
			 "dropped", (json_int_t)total_drops(&d->tot),
			 "copies", (json_int_t)NFV_STAT_GET(d->tot.copies),
			 "host_doorbells",
			 "data", (json_int_t)NFV_STAT_GET(d->hd->host_doorbells[NFV_VEC_DATA]),
			 "ctl", (json_int_t)NFV_STAT_GET(d->hd->host_doorbells[NFV_VEC_CTL]),
			 "worker_sleep", worker_sleep_json(d));
	return r ?: json_object();
}

/* Packets port @p holds for its peer (display only: the worker moves both
 * ends meanwhile). */
static uint32_t
port_held(const struct nfv_port *p)
{
	uint32_t head = __atomic_load_n(&p->tx_head, __ATOMIC_RELAXED);
	uint32_t end = __atomic_load_n(&p->tx_end, __ATOMIC_RELAXED);

	return end > head ? end - head : 0;
}

json_t *
nfv_stats_ports(struct nfv_daemon *d)
{
	static const char *const link[] = { "unknown", "down", "up" };
	json_t *arr = json_array();
	uint16_t i;

	for (i = 0; i < d->nports; i++) {
		const struct nfv_port *p = &d->port[i];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		struct rte_eth_stats nic;

		/* What the driver counts: frames its queue could not hold (the
		 * input backpressure leaves there), bad ones, no buffer. */
		if (rte_eth_stats_get(p->id, &nic) != 0)
			memset(&nic, 0, sizeof(nic));
		rte_ether_format_addr(mac, sizeof(mac), &p->mac);
		json_array_append_new(arr, json_pack(
			"{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"id", (json_int_t)p->id, "name", p->name, "mac", mac,
			"domain", p->hd->dom.name, "link", link[nfv_port_link_up(p) + 1],
			"rx_pkts", (json_int_t)NFV_STAT_GET(p->st.rx_pkts),
			"rx_bytes", (json_int_t)NFV_STAT_GET(p->st.rx_bytes),
			"tx_pkts", (json_int_t)NFV_STAT_GET(p->st.tx_pkts),
			"tx_bytes", (json_int_t)NFV_STAT_GET(p->st.tx_bytes),
			"tx_dropped", (json_int_t)NFV_STAT_GET(p->st.tx_dropped),
			"rx_paused", (json_int_t)NFV_STAT_GET(p->st.rx_paused),
			"in_flight", (json_int_t)__atomic_load_n(&d->admitted[i], __ATOMIC_RELAXED),
			"tx_held", (json_int_t)port_held(p),
			"tx_stalls", (json_int_t)NFV_STAT_GET(p->st.tx_stalls),
			"reconnects", (json_int_t)NFV_STAT_GET(p->st.reconnects),
			"nic_rx_missed", (json_int_t)nic.imissed,
			"nic_rx_errors", (json_int_t)nic.ierrors,
			"nic_rx_nombuf", (json_int_t)nic.rx_nombuf,
			"nic_tx_errors", (json_int_t)nic.oerrors));
	}
	return json_pack("{s:o}", "ports", arr);
}

/*
 * Descriptors waiting in a ring now, from its shared indices (display only:
 * the worker never uses these reads).  An NF can write either index, so
 * the figure is clamped to the ring's size.
 */
static json_int_t
shm_queued(const struct nfv_ring_shm *shm, uint32_t size)
{
	uint32_t n = __atomic_load_n(&shm->prod, __ATOMIC_RELAXED) -
		     __atomic_load_n(&shm->cons, __ATOMIC_RELAXED);

	return (json_int_t)(n > size ? size : n);
}

static json_int_t
ring_queued(const struct nfv_ring *r)
{
	return r->shm ? shm_queued(r->shm, r->size) : 0;
}

/* The PEER ring, which the worker has no view of (direct.h). */
static json_int_t
peer_queued(const struct nfv_nf *nf)
{
	const struct nfv_region *r = &nf->hd->dom.region;

	return shm_queued((const struct nfv_ring_shm *)(r->base +
			  nfv_layout_ring_off(&r->layout, nf->slot, NFV_RING_PEER)),
			  r->layout.p.ring_entries);
}

static json_t *
nf_json(const struct nfv_nf *nf, int state)
{
	const struct nfv_slot *shm = nfv_region_slot(&nf->hd->dom.region, nf->slot);
	uint64_t rejects = 0;
	int i;

	for (i = 0; i < NFV_REJECT_MAX; i++)
		rejects += NFV_STAT_GET(nf->st.rejects[i]);
	/* Our own copy: the slot's may have been rewritten by an NF. */
	uint32_t next = __atomic_load_n(&nf->direct_next, __ATOMIC_RELAXED);

	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I, s:I}",
			 "slot", (json_int_t)nf->slot, "domain", nf->hd->dom.name,
			 "state", nfv_nf_state_name(state),
			 "kind", nf->kind == NF_KIND_VM ? "vm" : "process",
			 "service", (json_int_t)nf->service,
			 "instance", (json_int_t)nf->instance,
			 "name", nf->name, "pid", (json_int_t)nf->pid,
			 "cpu", nf->place.cpu, "sched_group", nf->place.group,
			 "rx_pkts", (json_int_t)NFV_STAT_GET(nf->st.rx_pkts),
			 "tx_pkts", (json_int_t)NFV_STAT_GET(nf->st.tx_pkts),
			 "lent", (json_int_t)__atomic_load_n(&nf->hd->dom.owner.lent[nf->slot],
							     __ATOMIC_RELAXED),
			 "rx_queued", ring_queued(&nf->rx),
			 "tx_queued", ring_queued(&nf->tx),
			 "rejects", (json_int_t)rejects,
			 "wakeups", (json_int_t)NFV_STAT_GET(nf->st.wakeups),
			 "sleeping", __atomic_load_n(&shm->sleeping, __ATOMIC_RELAXED) != 0,
			 "peer_queued", peer_queued(nf),
			 "direct_to", next ? (json_int_t)next - 1 : (json_int_t)-1,
			 "direct_in", (json_int_t)NFV_STAT_GET(nf->st.direct_in),
			 "turn_us", (json_int_t)__atomic_load_n(&nf->turn_us, __ATOMIC_RELAXED));
}

json_t *
nfv_stats_nfs(struct nfv_daemon *d)
{
	json_t *arr = json_array();
	uint32_t i, s;

	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		const struct nfv_hdomain *hd = d->dom[i];

		for (s = 0; hd && s < hd->dom.region.layout.p.nslots; s++) {
			int st = __atomic_load_n(&hd->nf[s].state, __ATOMIC_ACQUIRE);

			if (st != NF_FREE)
				json_array_append_new(arr, nf_json(&hd->nf[s], st));
		}
	}
	return json_pack("{s:o}", "nfs", arr);
}

json_t *
nfv_stats_all(struct nfv_daemon *d)
{
	json_t *drops = json_object(), *rejects = json_object(), *r;
	json_t *ports = nfv_stats_ports(d), *nfs = nfv_stats_nfs(d);
	uint64_t waited, slow;
	int i;

	for (i = 0; i < NFV_DROP_MAX; i++)
		json_object_set_new(drops, nfv_drop_name(i),
				    json_integer((json_int_t)NFV_STAT_GET(d->tot.drops[i])));
	for (i = 0; i < NFV_REJECT_MAX; i++)
		json_object_set_new(rejects, nfv_reject_name(i),
				    json_integer((json_int_t)NFV_STAT_GET(d->tot.rejects[i])));
	r = json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:o, s:o, s:o, s:O, s:O, s:{s:I, s:I, s:I},"
		      " s:o}",
		      "totals",
		      "rx", (json_int_t)NFV_STAT_GET(d->tot.rx),
		      "tx", (json_int_t)NFV_STAT_GET(d->tot.tx),
		      "dropped", (json_int_t)total_drops(&d->tot),
		      "copies", (json_int_t)NFV_STAT_GET(d->tot.copies),
		      "quarantines", (json_int_t)NFV_STAT_GET(d->tot.quarantines),
		      "group_resets", (json_int_t)NFV_STAT_GET(d->tot.group_resets),
		      "drops", drops, "rejects", rejects, "pool", pool_json(d->hd),
		      "domains", domains_json(d), "copies_between", copies_json(d),
		      "ports", json_object_get(ports, "ports"),
		      "nfs", json_object_get(nfs, "nfs"),
		      "reclaims",
		      "count", (json_int_t)NFV_STAT_GET(d->tot.reclaims),
		      "max_us", (json_int_t)NFV_STAT_GET(d->tot.reclaim_us_max),
		      "total_us", (json_int_t)NFV_STAT_GET(d->tot.reclaim_us_sum),
		      "worker_sleep", worker_sleep_json(d));
	nfv_quiesce_counts(&waited, &slow);
	json_object_set_new(r, "driver_guards",
			    json_pack("{s:I, s:I, s:I}", "waits_for_worker", (json_int_t)waited,
				      "waits_over_1s", (json_int_t)slow, "memif_sends_to_closed",
				      (json_int_t)nfv_memif_sends_forgiven()));
	json_decref(ports);
	json_decref(nfs);
	return r ?: json_object();
}

static uint32_t
all_lent(const struct nfv_daemon *d)
{
	uint32_t i, sum = 0;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			sum += total_lent(&d->dom[i]->dom.owner);
	return sum;
}

void
nfv_stats_live(struct nfv_daemon *d, FILE *out)
{
	static uint64_t last_ns, last_rx, last_tx, last_slept;
	uint64_t now = nfv_now_ns(), rx = NFV_STAT_GET(d->tot.rx);
	uint64_t tx = NFV_STAT_GET(d->tot.tx), slept = NFV_STAT_GET(d->tot.slept_ns);
	double dt = last_ns ? (double)(now - last_ns) / 1e9 : 0;

	uint32_t held = 0;
	uint16_t p;

	for (p = 0; p < d->nports; p++)
		held += port_held(&d->port[p]);
	fprintf(out, "[%7.1fs] rx %" PRIu64 " (%.1f kpps)  tx %" PRIu64 " (%.1f kpps)  dropped %"
		PRIu64 "  lent %u  tx held %u  copies %" PRIu64,
		(double)(now - d->start_ns) / 1e9, rx, dt > 0 ? (double)(rx - last_rx) / dt / 1e3 : 0.0,
		tx, dt > 0 ? (double)(tx - last_tx) / dt / 1e3 : 0.0, total_drops(&d->tot),
		all_lent(d), held, NFV_STAT_GET(d->tot.copies));
	if (d->cfg.idle_sleep_us && dt > 0)
		fprintf(out, "  worker asleep %.0f %%", (double)(slept - last_slept) / 1e7 / dt);
	fputc('\n', out);
	fflush(out);
	last_slept = slept;
	last_ns = now;
	last_rx = rx;
	last_tx = tx;
}

/* ---- control-socket commands ---- */

static json_t *
cmd_status(int argc, const char *argv[], void *aux, char **err)
{
	return nfv_stats_status(aux);
}

static json_t *
cmd_nf_list(int argc, const char *argv[], void *aux, char **err)
{
	return nfv_stats_nfs(aux);
}

static json_t *
cmd_port_list(int argc, const char *argv[], void *aux, char **err)
{
	return nfv_stats_ports(aux);
}

static json_t *
cmd_stats(int argc, const char *argv[], void *aux, char **err)
{
	return nfv_stats_all(aux);
}

static void
audit_on_worker(struct nfv_daemon *d, void *arg)
{
	nfv_audit_run(d, arg);
}

static json_t *
cmd_audit(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_audit a;

	if (nfv_worker_call(aux, audit_on_worker, &a, 2000) < 0) {
		*err = strdup("the data path did not answer within 2 s");
		return NULL;
	}
	return nfv_audit_json(&a);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *t)
{
	struct nfv_daemon *d = g_d;
	int i;

	rte_tel_data_start_dict(t);
	rte_tel_data_add_dict_u64(t, "rx", NFV_STAT_GET(d->tot.rx));
	rte_tel_data_add_dict_u64(t, "tx", NFV_STAT_GET(d->tot.tx));
	rte_tel_data_add_dict_u64(t, "dropped", total_drops(&d->tot));
	rte_tel_data_add_dict_u64(t, "copies", NFV_STAT_GET(d->tot.copies));
	rte_tel_data_add_dict_u64(t, "lent", total_lent(&d->hd->dom.owner));
	for (i = 0; i < NFV_DROP_MAX; i++)
		rte_tel_data_add_dict_u64(t, nfv_drop_name(i), NFV_STAT_GET(d->tot.drops[i]));
	return 0;
}

int
nfv_stats_register(struct nfv_daemon *d, struct nfv_ctl_server *srv)
{
	static const struct {
		const char *name;
		nfv_ctl_handler fn;
	} cmds[] = {
		{ "status", cmd_status }, { "nf list", cmd_nf_list },
		{ "port list", cmd_port_list }, { "stats", cmd_stats },
		{ "audit", cmd_audit },
	};
	size_t i;
	int ret;

	g_d = d;
	ret = nfv_flow_ctl_register(d, srv);
	if (ret == 0)
		ret = nfv_service_ctl_register(d, srv);
	if (ret < 0)
		return ret;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		ret = nfv_ctl_command_register(srv, cmds[i].name, "", 0, 0, cmds[i].fn, d);
		if (ret < 0)
			return ret;
	}
	/* Telemetry is optional (--no-telemetry): ignore its absence. */
	rte_telemetry_register_cmd("/nfv/stats", tel_stats,
				   "nfvisord packet counters. Takes no parameters");
	return 0;
}
