/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ports.c - DPDK ports: one RX and one TX queue each, receiving straight
 * into their ingress domain's pool (its region's buffers): the default
 * domain unless --port-domain names another.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "daemon.h"

#define RX_DESC 1024u
#define TX_DESC 1024u

/* Why port_init() failed: one line naming the port, the step and errno. */
static char port_why[256];

static int
port_failed(struct nfv_port *p, const char *step, int ret, const char **why)
{
	snprintf(port_why, sizeof(port_why),
		 "port %u (%s): %s failed: %s (see the driver's message above; check its --vdev/-a arguments)",
		 p->id, p->name[0] ? p->name : "?", step, strerror(-ret));
	*why = port_why;
	return ret;
}

static int
port_init(struct nfv_daemon *d, uint16_t id, struct nfv_port *p, const char **why)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int ret;

	p->id = id;
	p->hd = d->cfg.port_domain[id][0] ? nfv_domain_by_name(d, d->cfg.port_domain[id]) : d->hd;
	if (!p->hd) {
		*why = "--port-domain names a domain that does not exist";
		return -ENOENT;
	}
	p->socket = rte_eth_dev_socket_id(id);	/* SOCKET_ID_ANY if unknown */
	rte_eth_dev_get_name_by_port(id, p->name);
	ret = rte_eth_dev_info_get(id, &info);
	if (ret < 0)
		return port_failed(p, "device info", ret, why);
	ret = rte_eth_dev_configure(id, 1, 1, &conf);
	if (ret < 0)
		return port_failed(p, "configure", ret, why);
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrx, &ntx);
	if (ret < 0)
		return port_failed(p, "queue sizes", ret, why);
	ret = rte_eth_rx_queue_setup(id, 0, nrx, (unsigned int)p->socket, NULL, p->hd->dom.pool.mp);
	if (ret < 0)
		return port_failed(p, "RX queue setup", ret, why);
	ret = rte_eth_tx_queue_setup(id, 0, ntx, (unsigned int)p->socket, NULL);
	if (ret < 0)
		return port_failed(p, "TX queue setup", ret, why);
	ret = rte_eth_dev_start(id);
	if (ret < 0)
		return port_failed(p, "start", ret, why);
	rte_eth_promiscuous_enable(id);	/* not every vdev supports it */
	rte_eth_macaddr_get(id, &p->mac);
	return 0;
}

/*
 * A port failed to set up: close every other port now (a memif server,
 * say, removes its socket file) and leave the failed one alone.  Some
 * drivers do not survive closing a device whose setup failed (DPDK 22.11's
 * net_pcap with infinite_rx frees its packet ring a second time), so the
 * caller must then skip rte_eal_cleanup(), which would close it: with
 * --in-memory no hugepage file depends on it, and DPDK removes its
 * telemetry socket at exit.
 */
static void
ports_abandon(uint16_t failed)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV(id) {
		if (id == failed)
			continue;
		if (id < failed)	/* set up and started */
			rte_eth_dev_stop(id);
		rte_eth_dev_close(id);
	}
}

int
nfv_ports_init(struct nfv_daemon *d, const char **why)
{
	uint16_t id;
	int ret;

	d->nports = 0;
	RTE_ETH_FOREACH_DEV(id) {
		if (d->nports == NFV_MAX_PORTS) {
			*why = "more than 16 ports";
			return -E2BIG;
		}
		if (id != d->nports) {
			*why = "port ids are not contiguous";
			return -EINVAL;
		}
		ret = port_init(d, id, &d->port[d->nports], why);
		if (ret < 0) {
			ports_abandon(id);
			d->nports = 0;
			d->port_setup_failed = 1;
			return ret;
		}
		d->nports++;
	}
	return 0;
}

void
nfv_ports_fini(struct nfv_daemon *d)
{
	uint16_t i;

	for (i = 0; i < d->nports; i++) {
		rte_eth_dev_stop(d->port[i].id);
		rte_eth_dev_close(d->port[i].id);
	}
	d->nports = 0;
}
