/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ports.c - DPDK ports: one RX and one TX queue each, receiving straight
 * into their ingress domain's pool (its region's buffers): the default
 * domain unless --port-domain names another.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "daemon.h"

#define RTE_LOGTYPE_NFV_PORT RTE_LOGTYPE_USER3

#define RESTART_OK 1
#define RESTART_FAILED 2

#define RX_DESC 1024u
#define TX_DESC 1024u

/* Why port_init() failed: one line naming the port, the step and errno. */
static char port_why[256];

static int
port_failed(struct nfv_port *p, const char *step, int ret, const char **why)
{
	snprintf(port_why, sizeof(port_why),
		 "port %u (%s): %s failed: %s (see the driver's message above; check its --vdev/-a arguments)",
		 p->id, p->name, step, strerror(-ret));
	*why = port_why;
	return ret;
}

/*
 * What a net_memif port's devargs say, read as the driver reads them:
 * *@client whether it is in the client role, which DPDK 22.11's driver
 * connects to its server only when the port starts (nfv_port_reconnect());
 * *@abstract whether its socket is in the abstract namespace (the
 * driver's default), where no file permission guards it.  Returns
 * whether the port is a memif port at all.
 */
static int
memif_devargs(const struct rte_eth_dev_info *info, int *client, int *abstract)
{
	const struct rte_devargs *da;
	struct rte_kvargs *kv;
	const char *v;

	*client = *abstract = 0;
	if (!info->driver_name || strcmp(info->driver_name, "net_memif") != 0 || !info->device)
		return 0;
	da = rte_dev_devargs(info->device);
	kv = da && da->args ? rte_kvargs_parse(da->args, NULL) : NULL;
	v = kv ? rte_kvargs_get(kv, "role") : NULL;
	*client = v && (strcmp(v, "client") == 0 || strcmp(v, "slave") == 0);
	v = kv ? rte_kvargs_get(kv, "socket-abstract") : NULL;
	*abstract = !v || strstr(v, "yes") != NULL;	/* as the driver reads it */
	rte_kvargs_free(kv);
	return 1;
}

/*
 * Any process of the host's network namespace may connect to an
 * abstract memif socket: as a server port's client it takes the port's
 * traffic and sends into its domain, and with DPDK 22.11 a connection
 * closed at once crashes the server (nfvisord(8) BUGS).  Said once, at
 * start, with the fix.
 */
static void
memif_warn_abstract(const struct nfv_port *p, int client)
{
	RTE_LOG(WARNING, NFV_PORT, "port %u (%s): its memif socket is abstract (the driver's default): no file permission guards it, so any local process can %s; give socket-abstract=no and a socket path in a directory only its peer can reach\n",
		p->id, p->name, client ? "pose as its server" :
		"connect as its peer, take its traffic and send into its domain");
}

/*
 * Set up port @id.  On failure *@no_close says the device must not be
 * closed: DPDK 22.11's net_pcap, whose RX queue setup failed with
 * infinite_rx (a capture larger than the pool), frees its packet ring
 * again when closed and crashes.
 */
static int
port_init(struct nfv_daemon *d, uint16_t id, struct nfv_port *p, int *no_close,
	  const char **why)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nrx = RX_DESC, ntx = TX_DESC;
	int ret, client, abstract;

	*no_close = 0;
	p->id = id;
	p->socket = rte_eth_dev_socket_id(id);	/* SOCKET_ID_ANY if unknown */
	if (rte_eth_dev_get_name_by_port(id, p->name) != 0)
		snprintf(p->name, sizeof(p->name), "?");
	p->hd = d->cfg.port_domain[id][0] ? nfv_domain_by_name(d, d->cfg.port_domain[id]) : d->hd;
	if (!p->hd) {
		snprintf(port_why, sizeof(port_why),
			 "port %u (%s): --port-domain names a domain that does not exist (create it with -D or --config)",
			 id, p->name);
		*why = port_why;
		return -ENOENT;
	}
	p->hd->nports++;	/* admit_budget() */
	ret = rte_eth_dev_info_get(id, &info);
	if (ret < 0)
		return port_failed(p, "device info", ret, why);
	if (memif_devargs(&info, &client, &abstract)) {
		p->memif_client = (uint8_t)client;
		if (abstract)
			memif_warn_abstract(p, client);
	}
	ret = rte_eth_dev_configure(id, 1, 1, &conf);
	if (ret < 0)
		return port_failed(p, "configure", ret, why);
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &nrx, &ntx);
	if (ret < 0)
		return port_failed(p, "queue sizes", ret, why);
	ret = rte_eth_rx_queue_setup(id, 0, nrx, (unsigned int)p->socket, NULL, p->hd->dom.pool.mp);
	if (ret < 0) {
		*no_close = info.driver_name && strcmp(info.driver_name, "net_pcap") == 0;
		return port_failed(p, "RX queue setup", ret, why);
	}
	/* Room to hold a whole window for a peer that stalls. */
	p->tx_cap = RTE_MAX(d->capacity, NFV_BURST);
	p->tx_flush_at = NFV_BURST;
	p->tx = rte_zmalloc_socket("nfv_port_tx", sizeof(*p->tx) * p->tx_cap,
				   RTE_CACHE_LINE_SIZE, p->socket);
	p->tx_in = rte_zmalloc_socket("nfv_port_tx_in", p->tx_cap, RTE_CACHE_LINE_SIZE,
				      p->socket);
	if (!p->tx || !p->tx_in)
		return port_failed(p, "TX backlog allocation", -ENOMEM, why);
	ret = rte_eth_tx_queue_setup(id, 0, ntx, (unsigned int)p->socket, NULL);
	if (ret < 0)
		return port_failed(p, "TX queue setup", ret, why);
	ret = rte_eth_dev_start(id);
	if (ret < 0 && p->memif_client) {
		/* No server listens yet: nfv_port_reconnect() tries again. */
		RTE_LOG(WARNING, NFV_PORT, "port %u (%s): no memif server takes connections on its socket yet: nfvisord tries again after a second, then at most 16 s apart\n",
			id, p->name);
		p->stopped = 1;
	} else if (ret < 0) {
		return port_failed(p, "start", ret, why);
	}
	rte_eth_promiscuous_enable(id);	/* not every vdev supports it */
	rte_eth_macaddr_get(id, &p->mac);
	p->link_up = -1;
	return 0;
}

static void
port_free(struct nfv_port *p)
{
	rte_free(p->tx);
	rte_free(p->tx_in);
	p->tx = NULL;
	p->tx_in = NULL;
}

/*
 * Port @failed did not set up: close every port now, those started before
 * it stopped first (a memif or vhost port removes its socket file), so
 * that nothing holds the domains' buffers when they go.  With @no_close
 * the failed one stays open, and the caller must skip rte_eal_cleanup(),
 * which would close it: with --in-memory no hugepage file depends on it,
 * and DPDK removes its telemetry socket at exit.
 */
static void
ports_abandon(uint16_t failed, int no_close)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV(id) {
		if (id == failed && no_close)
			continue;
		if (id < failed)	/* set up and started */
			rte_eth_dev_stop(id);
		rte_eth_dev_close(id);
	}
}

int
nfv_ports_init(struct nfv_daemon *d, const char **why)
{
	uint16_t id, n = 0;
	int ret, no_close;

	/* Checked before any port starts receiving into a domain's pool. */
	RTE_ETH_FOREACH_DEV(id) {
		if (n == NFV_MAX_PORTS) {
			*why = "more than 16 ports: give fewer --vdev/-a devices";
			return -E2BIG;
		}
		if (id != n++) {
			*why = "port ids are not contiguous";
			return -EINVAL;
		}
	}
	d->nports = 0;
	RTE_ETH_FOREACH_DEV(id) {
		ret = port_init(d, id, &d->port[d->nports], &no_close, why);
		if (ret < 0) {
			ports_abandon(id, no_close);
			for (n = 0; n <= d->nports; n++)
				port_free(&d->port[n]);
			d->nports = 0;
			d->port_left_open = no_close;
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
		struct nfv_port *p = &d->port[i];

		if (p->restarting && !__atomic_load_n(&p->restart_rc, __ATOMIC_ACQUIRE)) {
			/* Its reconnection still waits on the server: leave
			 * it open (and DPDK's cleanup undone, main.c). */
			RTE_LOG(WARNING, NFV_PORT, "port %u (%s): its reconnection still waits on the server: left open\n",
				p->id, p->name);
			d->port_left_open = 1;
			port_free(p);
			continue;
		}
		if (p->restarting)
			p->stopped = __atomic_load_n(&p->restart_rc, __ATOMIC_ACQUIRE) != RESTART_OK;
		if (!p->stopped)	/* nfv_port_reconnect() */
			rte_eth_dev_stop(p->id);
		rte_eth_dev_close(p->id);
		port_free(&d->port[i]);
	}
	d->nports = 0;
}

int
nfv_port_link_up(const struct nfv_port *p)
{
	struct rte_eth_link l;

	if (rte_eth_link_get_nowait(p->id, &l) != 0)
		return -1;
	return l.link_status == RTE_ETH_LINK_UP;
}

void
nfv_ports_watch_links(struct nfv_daemon *d)
{
	uint16_t i;

	for (i = 0; i < d->nports; i++) {
		struct nfv_port *p = &d->port[i];
		int up = nfv_port_link_up(p);

		if (up < 0 || up == p->link_up)
			continue;
		if (!up)
			RTE_LOG(WARNING, NFV_PORT,
				"port %u (%s): link down: what goes out of it is held for --tx-hold-us, then dropped (port_tx_full)%s\n",
				p->id, p->name, p->memif_client ?
				"; nfvisord connects it to its server again after a second, then backs off to every 16 s" : "");
		else if (p->link_up == 0)
			RTE_LOG(INFO, NFV_PORT, "port %u (%s): link up\n", p->id, p->name);
		p->link_up = (int8_t)up;
	}
}

#define RECONNECT_MAX_S 16u

/* Stop (if it ran) and start memif client port @arg, on a thread of its
 * own: the driver's connect blocks while the server's accept queue is
 * full (a server that lives but does not accept). */
static void *
restart_port(void *arg)
{
	struct nfv_port *p = arg;
	int rc;

	if (!p->stopped_before_restart)
		rte_eth_dev_stop(p->id);
	rc = rte_eth_dev_start(p->id);
	__atomic_store_n(&p->restart_rc, rc < 0 ? RESTART_FAILED : RESTART_OK, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * DPDK 22.11's memif client connects to its server only when its port
 * starts: one its server refused (the server's port was not started yet:
 * its socket exists from the probe) or left stays down for good.  So a
 * memif client port the worker finds down at two checks in a row, a second
 * apart, then after 2, 4, 8 and every 16 s while it stays down, is stopped
 * and started again (the driver logs each refusal), on a thread of its own
 * (restart_port()) while the worker leaves the port alone.  A port that is
 * not started (no server listened) is not polled: what goes out of it is
 * held for --tx-hold-us, then dropped.
 */
void
nfv_port_reconnect(struct nfv_port *p, uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();
	unsigned int wait_s;
	pthread_t tid;
	int up, rc;

	if (!p->memif_client)
		return;
	if (p->restarting) {
		rc = __atomic_load_n(&p->restart_rc, __ATOMIC_ACQUIRE);
		if (rc == 0)
			return;		/* still connecting */
		p->restarting = 0;
		p->stopped = rc != RESTART_OK;
		/* The handshake follows (EAL interrupt thread): a second
		 * before the link is looked at again. */
		p->check_at = RTE_MAX(p->check_at, now + hz);
	}
	if (now < p->check_at)
		return;
	up = p->stopped ? 0 : nfv_port_link_up(p);
	if (up != 0) {		/* up, or the driver cannot say: leave it */
		p->down_checks = 0;
		p->check_at = now + hz;
		return;
	}
	if (p->down_checks < 255)
		p->down_checks++;
	wait_s = p->down_checks < 2 ? 1u :
		 p->down_checks >= 5 ? RECONNECT_MAX_S : 1u << (p->down_checks - 1);
	p->check_at = now + wait_s * hz;
	if (p->down_checks < 2)
		return;
	if (p->down_checks == 2)
		RTE_LOG(WARNING, NFV_PORT, "port %u (%s): link down for a second: connecting to its server again\n",
			p->id, p->name);
	NFV_STAT_ADD(p->st.reconnects, 1);
	p->stopped_before_restart = p->stopped;
	p->stopped = 1;		/* the worker leaves it to restart_port() */
	p->restart_rc = 0;
	p->restarting = 1;
	if (rte_ctrl_thread_create(&tid, "nfv-reconnect", NULL, restart_port, p) != 0) {
		RTE_LOG(WARNING, NFV_PORT, "port %u (%s): cannot start a thread to connect it again: next try in %u s\n",
			p->id, p->name, wait_s);
		p->restarting = 0;
		p->stopped = p->stopped_before_restart;
		return;
	}
	pthread_detach(tid);
}
