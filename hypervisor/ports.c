/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ports.c - DPDK ports: one RX and one TX queue each, receiving straight
 * into their ingress domain's pool (its region's buffers): the default
 * domain unless --port-domain names another.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "daemon.h"

#define RTE_LOGTYPE_NFV_PORT RTE_LOGTYPE_USER3

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
 * Whether port @p is a net_memif port in the client role, which DPDK
 * 22.11's driver connects to its server only when the port starts
 * (nfv_port_reconnect()); if so, note the server's socket address from the
 * port's devargs, as the driver reads them.
 */
static int
memif_client(const struct rte_eth_dev_info *info, struct nfv_port *p)
{
	const struct rte_devargs *da;
	struct rte_kvargs *kv;
	const char *role, *sock, *abstract;
	int client;

	if (!info->driver_name || strcmp(info->driver_name, "net_memif") != 0 || !info->device)
		return 0;
	da = rte_dev_devargs(info->device);
	kv = da && da->args ? rte_kvargs_parse(da->args, NULL) : NULL;
	role = kv ? rte_kvargs_get(kv, "role") : NULL;
	client = role && (strcmp(role, "client") == 0 || strcmp(role, "slave") == 0);
	if (client) {
		sock = rte_kvargs_get(kv, "socket");
		abstract = rte_kvargs_get(kv, "socket-abstract");
		snprintf(p->memif_sock, sizeof(p->memif_sock), "%s", sock ? sock : "/run/memif.sock");
		p->memif_abstract = !abstract || strcmp(abstract, "no") != 0;
	}
	rte_kvargs_free(kv);
	return client;
}

/*
 * Whether a server accepts connections on memif client port @p's socket
 * now: a non-blocking connect, closed at once (the server sees a client
 * leave before its hello).  Starting the port connects blocking, so a
 * server that lives but does not accept (stopped, its queue full) would
 * stop the worker there.
 */
static int
memif_server_accepts(const struct nfv_port *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(sun);
	int fd, r;

	if (p->memif_abstract) {	/* "@NAME", of its length, as the driver */
		size_t n = strlen(p->memif_sock);

		memcpy(sun.sun_path + 1, p->memif_sock, RTE_MIN(n, sizeof(sun.sun_path) - 2));
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				  RTE_MIN(n + 1, sizeof(sun.sun_path)));
	} else {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->memif_sock);
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)&sun, len);
	close(fd);
	return r == 0;
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
	int ret;

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
	p->memif_client = (uint8_t)memif_client(&info, p);
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
	if (p->memif_client && !memif_server_accepts(p)) {
		/* The worker starts it once a server does. */
		RTE_LOG(WARNING, NFV_PORT, "port %u (%s): no memif server accepts on %s%s yet: nfvisord tries again after a second, then at most 16 s apart\n",
			id, p->name, p->memif_abstract ? "@" : "", p->memif_sock);
		p->stopped = 1;
	} else {
		ret = rte_eth_dev_start(id);
		if (ret < 0)
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
		if (!d->port[i].stopped)	/* nfv_port_reconnect() */
			rte_eth_dev_stop(d->port[i].id);
		rte_eth_dev_close(d->port[i].id);
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

/*
 * DPDK 22.11's memif client connects to its server only when its port
 * starts: one its server refused (the server's port was not started yet:
 * its socket exists from the probe) or left stays down for good.  So the
 * worker, the only thread that polls the port, stops and starts a memif
 * client port it finds down at two checks in a row, a second apart, then
 * after 2, 4, 8 and every 16 s while it stays down (the driver logs each
 * refusal); each try first checks that a server accepts on the socket
 * (memif_server_accepts()).  A port that never started (no server at
 * first) or whose start failed is not polled: what goes out of it is held
 * for --tx-hold-us, then dropped.
 */
void
nfv_port_reconnect(struct nfv_port *p, uint64_t now)
{
	uint64_t hz = rte_get_tsc_hz();
	unsigned int wait_s;
	int up;

	if (!p->memif_client || now < p->check_at)
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
	if (!memif_server_accepts(p))
		return;
	if (!p->stopped)
		rte_eth_dev_stop(p->id);
	p->stopped = rte_eth_dev_start(p->id) < 0;
}
