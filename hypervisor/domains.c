/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * domains.c - the daemon's trust domains: created at start-up (the default
 * one, --trust-domain, --config) and at run time (`nfvctl domain create`),
 * destroyed at run time once nothing of theirs is left anywhere.
 *
 * The control thread owns d->dom[] (create, destroy, list); the worker
 * serves only the domains in its own list d->wdom[], which changes only
 * through its mailbox.  A domain is published to the worker after its
 * region, pool and slots are complete, and unpublished only when the
 * worker finds no buffer of it held, lent or out in a port queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "ctl.h"
#include "daemon.h"
#include "options.h"
#include "stats.h"

#define CALL_TIMEOUT_MS 2000u

struct nfv_hdomain *
nfv_domain_by_name(struct nfv_daemon *d, const char *name)
{
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i] && strcmp(d->dom[i]->dom.name, name) == 0)
			return d->dom[i];
	return NULL;
}

/* NUMA node for a domain: that of the first port receiving into it, else
 * that of the first port, else the worker's. */
static int
domain_numa_node(const struct nfv_daemon *d, const char *name)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV(id) {
		int s = rte_eth_dev_socket_id(id);
		const char *pd = id < NFV_MAX_PORTS ? d->cfg.port_domain[id] : "";

		if (s >= 0 && strcmp(pd[0] ? pd : d->cfg.domain_name, name) == 0)
			return s;
	}
	RTE_ETH_FOREACH_DEV(id) {
		int s = rte_eth_dev_socket_id(id);

		if (s >= 0)
			return s;
	}
	return (int)rte_socket_id();
}

static void
hdomain_free(struct nfv_hdomain *hd)
{
	if (!hd)
		return;
	nfv_domain_destroy(&hd->dom);
	free(hd->meta);
	free(hd->limbo);
	rte_free(hd);
}

/* Region, pool, ownership table and metadata of a new domain @id. */
static struct nfv_hdomain *
hdomain_new(struct nfv_daemon *d, const struct nfv_domain_spec *spec, uint32_t id,
	    char *msg, size_t len)
{
	struct nfv_region_params p = d->cfg.region;
	struct nfv_hdomain *hd;
	const char *why = NULL;
	int ret;

	if (spec->region_size)
		p.region_size = spec->region_size;
	if (spec->nslots)
		p.nslots = spec->nslots;
	nfv_params_fit_ring(&p, d->cfg.ring_auto);
	hd = rte_zmalloc("nfv_hdomain", sizeof(*hd), 0);
	if (!hd) {
		snprintf(msg, len, "domain %s: out of DPDK memory", spec->name);
		return NULL;
	}
	hd->listen_fd = -1;
	for (ret = 0; ret < NFV_VECTORS; ret++)
		hd->host_efd[ret] = -1;
	hd->untrusted = spec->untrusted;
	ret = nfv_domain_create(&hd->dom, id, spec->name, &p,
				domain_numa_node(d, spec->name), &why);
	if (ret < 0) {
		if (ret != -EINVAL ||
		    !nfv_region_too_small(&p, spec->name, why, d->cfg.ring_auto, msg, len))
			snprintf(msg, len, "domain %s: %s (%s)", spec->name, why, strerror(-ret));
		rte_free(hd);
		return NULL;
	}
	hd->window = RTE_MIN(p.ring_entries, NFV_WINDOW_ALONE);	/* no NF yet */
	hd->meta = calloc(hd->dom.region.layout.nbufs, sizeof(*hd->meta));
	hd->limbo = calloc(hd->dom.region.layout.nbufs, sizeof(*hd->limbo));
	if (!hd->meta || !hd->limbo) {
		snprintf(msg, len, "domain %s: out of memory for packet metadata", spec->name);
		hdomain_free(hd);
		return NULL;
	}
	return hd;
}

int
nfv_domains_setup(struct nfv_daemon *d)
{
	struct nfv_domain_spec spec = { .untrusted = 0 };
	char msg[256];
	unsigned int i;

	snprintf(spec.name, sizeof(spec.name), "%s", d->cfg.domain_name);
	d->dom[0] = hdomain_new(d, &spec, 0, msg, sizeof(msg));
	if (!d->dom[0]) {
		fprintf(stderr, "nfvisord: %s\n", msg);
		return -ENOMEM;
	}
	d->hd = d->dom[0];
	for (i = 0; i < d->cfg.nextra; i++) {
		d->dom[i + 1] = hdomain_new(d, &d->cfg.extra[i], i + 1, msg, sizeof(msg));
		if (!d->dom[i + 1]) {
			fprintf(stderr, "nfvisord: %s\n", msg);
			return -ENOMEM;
		}
	}
	for (i = 0; i < NFV_MAX_PORTS; i++)
		if (d->cfg.port_domain[i][0] && !nfv_domain_by_name(d, d->cfg.port_domain[i])) {
			fprintf(stderr, "nfvisord: port %u: domain %s does not exist (define it with --trust-domain %s or in --config's \"domains\")\n",
				i, d->cfg.port_domain[i], d->cfg.port_domain[i]);
			return -ENOENT;
		}
	/* The worker is not running yet: it starts with every domain. */
	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			d->wdom[d->nwdom++] = d->dom[i];
	return 0;
}

void
nfv_domains_fini(struct nfv_daemon *d)
{
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		hdomain_free(d->dom[i]);
		d->dom[i] = NULL;
	}
	d->hd = NULL;
	d->nwdom = 0;
}

/* ---- run time: on the worker, through the mailbox ---- */

static void
publish_on_worker(struct nfv_daemon *d, void *arg)
{
	struct nfv_hdomain *hd = arg;
	uint32_t i;

	/* Counters of a previous domain with this id start again. */
	for (i = 0; i < d->nwdom; i++)
		d->wdom[i]->copies_to[hd->dom.id] = 0;
	d->wdom[d->nwdom++] = hd;
}

struct unpublish {
	struct nfv_hdomain *hd;
	int ret;
};

static void
unpublish_on_worker(struct nfv_daemon *d, void *arg)
{
	struct unpublish *u = arg;
	const struct nfv_owner_table *own = &u->hd->dom.owner;
	uint32_t i, s, lent = 0;

	for (s = 0; s < own->nslots; s++)
		lent += own->lent[s];
	if (own->held || lent || nfv_pool_in_use(&u->hd->dom.pool)) {
		u->ret = -EBUSY;
		return;
	}
	for (i = 0; i < d->nwdom; i++)
		if (d->wdom[i] == u->hd) {
			d->wdom[i] = d->wdom[--d->nwdom];
			break;
		}
	u->ret = 0;
}

/* ---- nfvctl domain ... ---- */

static json_t *
cmd_create(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	struct nfv_domain_spec spec;
	struct nfv_hdomain *hd;
	const char *why = NULL;
	char text[256] = "", msg[256];
	uint32_t id;
	int i;

	for (i = 0; i < argc; i++) {
		size_t len = strlen(text);
		int n = snprintf(text + len, sizeof(text) - len, "%s%s", i ? "," : "", argv[i]);

		/* Cut, it could lose a trust=untrusted. */
		if (n < 0 || (size_t)n >= sizeof(text) - len) {
			*err = strdup("domain specification too long (NAME [size=SIZE] [slots=N] [trust=trusted|untrusted])");
			return NULL;
		}
	}
	if (nfv_domain_spec_parse(text, &spec, &why) < 0) {
		snprintf(msg, sizeof(msg), "%s (NAME [size=SIZE] [slots=N] [trust=trusted|untrusted])",
			 why);
		*err = strdup(msg);
		return NULL;
	}
	if (nfv_domain_by_name(d, spec.name)) {
		*err = strdup("a domain of this name exists (see nfvctl domain list)");
		return NULL;
	}
	for (id = 0, i = 0; id < NFV_MAX_DOMAINS; id++)
		i += d->dom[id] != NULL;
	if ((uint32_t)i >= d->max_domains) {
		snprintf(msg, sizeof(msg), d->max_domains == NFV_MAX_DOMAINS ?
			 "all %u trust domains exist: destroy one first" :
			 "all %u trust domains that --ring-size %u allows exist: destroy one first, or run nfvisord with a smaller --ring-size",
			 d->max_domains, d->capacity);
		*err = strdup(msg);
		return NULL;
	}
	for (id = 0; id < NFV_MAX_DOMAINS && d->dom[id]; id++)
		;
	hd = hdomain_new(d, &spec, id, msg, sizeof(msg));
	if (!hd) {
		*err = strdup(msg);
		return NULL;
	}
	if (nfv_nfm_open_domain(d, hd, &why) < 0) {
		snprintf(msg, sizeof(msg), "domain %s: %s", spec.name, why);
		*err = strdup(msg);
		nfv_nfm_close_domain(hd);
		hdomain_free(hd);
		return NULL;
	}
	d->dom[id] = hd;
	if (nfv_worker_call(d, publish_on_worker, hd, CALL_TIMEOUT_MS) < 0) {
		d->dom[id] = NULL;
		nfv_nfm_close_domain(hd);
		hdomain_free(hd);
		*err = strdup("the data path did not answer within 2 s");
		return NULL;
	}
	return nfv_domain_json(d, hd);
}

static json_t *
cmd_destroy(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	struct nfv_hdomain *hd = nfv_domain_by_name(d, argv[0]);
	struct unpublish u = { hd, 0 };
	char msg[160];
	uint32_t s, busy = 0;
	uint16_t p;

	if (!hd) {
		*err = strdup("no such domain (see nfvctl domain list)");
		return NULL;
	}
	if (hd == d->hd) {
		*err = strdup("the default domain lives as long as nfvisord");
		return NULL;
	}
	for (p = 0; p < d->nports; p++)
		if (d->port[p].hd == hd) {
			snprintf(msg, sizeof(msg), "port %u receives into this domain: it stays", p);
			*err = strdup(msg);
			return NULL;
		}
	for (s = 0; s < NFV_MAX_SLOTS; s++)
		busy += __atomic_load_n(&hd->nf[s].state, __ATOMIC_ACQUIRE) != NF_FREE;
	if (busy) {
		snprintf(msg, sizeof(msg), "%u NFs or VMs are attached to it: stop them first (nfvctl nf list)",
			 busy);
		*err = strdup(msg);
		return NULL;
	}
	if (nfv_worker_call(d, unpublish_on_worker, &u, CALL_TIMEOUT_MS) < 0) {
		*err = strdup("the data path did not answer within 2 s");
		return NULL;
	}
	if (u.ret < 0) {
		*err = strdup("packets of the domain are still in flight: try again");
		return NULL;
	}
	d->dom[hd->dom.id] = NULL;
	nfv_nfm_close_domain(hd);
	hdomain_free(hd);
	return json_object();
}

static json_t *
cmd_list(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	json_t *arr = json_array();
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			json_array_append_new(arr, nfv_domain_json(d, d->dom[i]));
	return json_pack("{s:o}", "domains", arr);
}

int
nfv_domains_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv)
{
	int ret;

	ret = nfv_ctl_command_register(srv, "domain create",
				       "NAME [size=SIZE] [slots=N] [trust=trusted|untrusted]", 1, 4,
				       cmd_create, d);
	if (ret == 0)
		ret = nfv_ctl_command_register(srv, "domain destroy", "NAME", 1, 1, cmd_destroy, d);
	if (ret == 0)
		ret = nfv_ctl_command_register(srv, "domain list", "", 0, 0, cmd_list, d);
	return ret;
}
