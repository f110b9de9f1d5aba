/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - nfvisord: start-up, the control thread, and clean shutdown.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "ctl.h"
#include "daemon.h"
#include "eal_run.h"
#include "fatal.h"
#include "options.h"
#include "quiesce.h"
#include "stats.h"
#include "unixsock.h"

#define PROG "nfvisord"

static struct nfv_daemon g_daemon;
static volatile int g_ctl_quit;

static void
on_signal(int sig)
{
	g_daemon.quit = 1;
}

/* After a fatal signal (fatal.h): what a clean stop would remove.  Only
 * unlink/rmdir; a socket file is removed only if it is still ours. */
static void
on_fatal_cleanup(void)
{
	struct nfv_daemon *d = &g_daemon;
	unsigned int i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			nfv_unix_unlink_own(d->dom[i]->sock_path, &d->dom[i]->sock_id);
	if (d->srv)
		nfv_ctl_server_unlink(d->srv);
	nfv_eal_rundir_remove_fatal();
}

static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0)
			return 1;
	return 0;
}

static void *
ctl_thread(void *arg)
{
	struct nfv_daemon *d = arg;
	struct nfv_ctl_server *srv = d->srv;
	uint64_t next_stats = nfv_now_ns(), next_links = next_stats + 1000000000u;

	while (!g_ctl_quit) {
		nfv_ctl_server_run(srv, 100);
		nfv_nfm_tick(d);
		if (nfv_now_ns() >= next_links) {
			nfv_ports_watch_links(d);
			next_links = nfv_now_ns() + 1000000000u;	/* once a second */
		}
		if (d->cfg.stats_interval_ms && nfv_now_ns() >= next_stats) {
			nfv_stats_live(d, stdout);
			next_stats = nfv_now_ns() + (uint64_t)d->cfg.stats_interval_ms * 1000000u;
		}
	}
	return NULL;
}

_Static_assert(NFV_FLOW_MAX_PORTS >= NFV_MAX_PORTS, "every port may have a chain of its own");

/* *@bad_chain is set when a chain the options gave names what this run
 * lacks (a port): a bad option, not a failure of the host. */
static int
setup_chains(struct nfv_daemon *d, int *bad_chain)
{
	const char *spec = d->cfg.chain[0] ? d->cfg.chain :
			   d->nports >= 2 ? "nf:1,port:1" : "nf:1,port:0";
	const char *why = NULL;
	uint16_t id;
	int ret;

	ret = nfv_flow_init(&d->ft, "nfv_flows", NFV_MAX_RULES, d->capacity * d->max_domains,
			    d->hd->dom.numa_node);
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot create the flow table: %s\n", strerror(-ret));
		return ret;
	}
	ret = nfv_chain_parse(spec, &d->ft.chain[NFV_DEFAULT_CHAIN], d->nports, &why);
	if (ret < 0) {
		fprintf(stderr, PROG ": --chain %s: %s\n", spec, why);
		*bad_chain = d->cfg.chain[0] != '\0';
		return ret;
	}
	d->ft.chain[NFV_DEFAULT_CHAIN].live = 1;
	for (id = 0; id < NFV_MAX_PORTS; id++) {
		struct nfv_chain c;

		if (!d->cfg.port_chain[id][0])
			continue;
		if (id >= d->nports) {
			fprintf(stderr, PROG ": --port-chain %u=%s: no port %u: nfvisord has %u"
				" (add ports with --vdev or PCI devices)\n", id, d->cfg.port_chain[id],
				id, d->nports);
			*bad_chain = 1;
			return -EINVAL;
		}
		ret = nfv_chain_parse(d->cfg.port_chain[id], &c, d->nports, &why);
		*bad_chain = ret < 0;
		if (ret == 0)
			ret = nfv_flow_set_port_chain(&d->ft, id, &c);
		if (ret < 0) {
			fprintf(stderr, PROG ": --port-chain %u=%s: %s\n", id, d->cfg.port_chain[id],
				why ? why : strerror(-ret));
			return ret;
		}
	}
	/* On the worker's node: it is the only thread that touches it. */
	ret = nfv_affinity_init(&d->aff, "nfv_affinity", NFV_AFFINITY_ENTRIES, (int)rte_socket_id(),
				d->cfg.flow_timeout_ms);
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot create the flow affinity table: %s\n", strerror(-ret));
		return ret;
	}
	for (id = 1; id <= NFV_MAX_SERVICE; id++)
		nfv_service_init(&d->svc[id], id, d->cfg.service_policy[id], &d->aff);
	return 0;
}

static int
setup_sockets(struct nfv_daemon *d)
{
	const char *why = NULL;
	int ret;

	if (mkdir(d->cfg.run_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, PROG ": cannot create --run-dir %s: %s\n", d->cfg.run_dir, strerror(errno));
		return -errno;
	}
	if (d->cfg.socket_gid >= 0) {
		ret = nfv_unix_share_group(d->cfg.run_dir, (gid_t)d->cfg.socket_gid, 0750);
		if (ret < 0) {
			fprintf(stderr, PROG ": --socket-group: cannot give --run-dir %s to the group: %s\n",
				d->cfg.run_dir, ret == -EPERM ?
				"it is world-writable or sticky (use a directory of its own)" : strerror(-ret));
			return ret;
		}
	}
	if (snprintf(d->ctl_path, sizeof(d->ctl_path), "%s/nfvisord.sock", d->cfg.run_dir) >=
	    (int)sizeof(d->ctl_path))
		return -ENAMETOOLONG;
	d->srv = nfv_ctl_server_create(d->ctl_path, 0660);
	if (!d->srv) {
		fprintf(stderr, PROG ": control socket %s: %s%s\n", d->ctl_path, strerror(errno),
			errno == EADDRINUSE ? " (another nfvisord runs there: stop it or use another --run-dir)" : "");
		return -errno;
	}
	ret = nfv_stats_register(d, d->srv);
	if (ret == 0)
		ret = nfv_domains_ctl_register(d, d->srv);
	if (ret < 0) {
		fprintf(stderr, PROG ": cannot register control commands: %s\n", strerror(-ret));
		return ret;
	}
	ret = nfv_nfm_open(d, d->srv, &why);
	if (ret < 0)
		fprintf(stderr, PROG ": attach sockets in %s: %s (%s)\n", d->cfg.run_dir,
			why ? why : "setup failed", strerror(-ret));
	return ret;
}

static void
print_banner(const struct nfv_daemon *d)
{
	char chain[128];
	uint16_t i;

	nfv_chain_format(&d->ft.chain[NFV_DEFAULT_CHAIN], chain, sizeof(chain));
	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		const struct nfv_hdomain *hd = d->dom[i];
		const struct nfv_layout *l;

		if (!hd)
			continue;
		l = &hd->dom.region.layout;
		printf(PROG " %s: domain %s (%s): region %" PRIu64 " MiB on NUMA node %d, %u buffers of %u bytes (frames up to %u), %u slots, rings of %u; attach to %s\n",
		       PACKAGE_VERSION, hd->dom.name, hd->untrusted ? "untrusted" : "trusted",
		       l->p.region_size >> 20, hd->dom.region.numa_node, l->nbufs, l->p.buf_stride,
		       l->p.buf_stride - RTE_PKTMBUF_HEADROOM, l->p.nslots, l->p.ring_entries,
		       hd->sock_path);
	}
	for (i = 0; i < d->nports; i++)
		printf(PROG ": port %u: %s, receives into domain %s\n", i, d->port[i].name,
		       d->port[i].hd->dom.name);
	if (d->cfg.ring_auto)
		printf(PROG ": --ring-size auto: each domain's rings as large as its region holds, up to %u entries; ",
		       d->capacity);
	else
		printf(PROG ": rings of %u entries; ", d->capacity);
	printf("a domain has up to %u packets in flight while its NFs each have a CPU, %u for each NF on a CPU they share, up to its ring size\n",
	       RTE_MIN(d->capacity, NFV_WINDOW_ALONE), NFV_WINDOW_ALONE);
	printf(PROG ": default chain %s; control: %s\n", chain, d->ctl_path);
	for (i = 0; i < d->nports; i++) {
		if (d->ft.port_chain[i] == NFV_DEFAULT_CHAIN)
			continue;
		nfv_chain_format(&d->ft.chain[d->ft.port_chain[i]], chain, sizeof(chain));
		printf(PROG ": port %u: chain %s for packets no rule matches\n", i, chain);
	}
	for (i = 1; i <= NFV_MAX_SERVICE; i++)
		if (d->svc[i].policy != NFV_LB_FLOW)
			printf(PROG ": service %u places flows by policy %s\n", i,
			       nfv_lb_policy_name(d->svc[i].policy));
	fflush(stdout);
}

/* @all: the final counters, taken while the ports still existed. */
static void
print_summary(struct nfv_daemon *d, json_t *all, const struct nfv_audit *a)
{
	int i;

	printf(PROG ": summary: rx %" PRIu64 " tx %" PRIu64 " copies %" PRIu64 "\n",
	       NFV_STAT_GET(d->tot.rx), NFV_STAT_GET(d->tot.tx), NFV_STAT_GET(d->tot.copies));
	for (i = 0; i < NFV_DROP_MAX; i++)
		if (d->tot.drops[i])
			printf(PROG ":   dropped %-16s %" PRIu64 "\n", nfv_drop_name(i), d->tot.drops[i]);
	for (i = 0; i < NFV_REJECT_MAX; i++)
		if (d->tot.rejects[i])
			printf(PROG ":   rejected descriptors %-16s %" PRIu64 "\n", nfv_reject_name(i),
			       d->tot.rejects[i]);
	printf(PROG ": buffers: %u in pool, %u still out: %s\n", a->pool_size, a->pool_in_use,
	       a->ok && a->pool_in_use == 0 ? "none lost" : "AUDIT FAILED");
	json_object_set_new(all, "audit", nfv_audit_json(a));
	if (d->cfg.summary_path[0] &&
	    json_dump_file(all, d->cfg.summary_path, JSON_INDENT(2) | JSON_SORT_KEYS) < 0)
		fprintf(stderr, PROG ": cannot write --summary %s\n", d->cfg.summary_path);
	json_decref(all);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct nfv_daemon *d = &g_daemon;
	struct nfv_audit audit = { 0 };
	json_t *final;
	pthread_t ctl_tid;
	char **eargv;
	int eargc, n, ret, status = 1, ctl_started = 0, bad_chain = 0;

	nfv_config_defaults(&d->cfg);
	if (wants_help(argc, argv)) {
		char **app = argv;
		int napp = argc;

		for (n = 1; n < argc; n++)
			if (strcmp(argv[n], "--") == 0) {
				app = argv + n;
				napp = argc - n;
				break;
			}
		return nfv_options_parse(napp, app, &d->cfg, PROG) == 1 ? 0 : 2;
	}
	/* A fault (ours, or a driver's: nfvisord(8) BUGS) says where. */
	nfv_fatal_report_install(PROG, on_fatal_cleanup);
	/* Before the EAL: a memif server port listens from its probe on, and
	 * its driver's sends to a client that left must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	/* Always --in-memory: no hugepage file survives us (eal_run.h). */
	eargv = nfv_eal_argv(argc, argv, &eargc);
	if (!eargv)
		return 1;
	n = nfv_eal_init(eargc, eargv);
	if (n < 0) {
		fprintf(stderr, PROG ": DPDK EAL initialisation failed: %s (are hugepages configured? "
			"echo 1024 > /proc/sys/vm/nr_hugepages)\n", rte_strerror(rte_errno));
		return 1;
	}
	if (nfv_quiesce_init() < 0)
		goto out_eal;
	eargv[n] = eargv[0];
	ret = nfv_options_parse(eargc - n, eargv + n, &d->cfg, PROG);
	if (ret != 0) {
		status = ret == 1 ? 0 : 2;
		goto out_eal;
	}
	d->start_ns = nfv_now_ns();
	/* While no more packets are in flight than one NF ring holds, no NF
	 * ring of a linear chain can overflow: that is each domain's window
	 * (only chains that cross domains can see two).  A port holds up to
	 * a window for a peer that stalls. */
	d->capacity = d->cfg.region.ring_entries;
	d->max_domains = nfv_max_domains(d->capacity);	/* check_config() checked */
	{
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		rte_cpuset_t cs = rte_lcore_cpuset(rte_get_main_lcore());

		d->cpus_online = online > 0 ? (int)online : 1;
		d->nf_cpus = online > 1 ? (uint32_t)online - 1 : 1;
		d->worker_cpu = -1;
		if (CPU_COUNT(&cs) == 1) {
			int c;

			for (c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &cs))
					d->worker_cpu = c;
		}
	}
	d->tx_hold_tsc = (uint64_t)d->cfg.tx_hold_us * rte_get_tsc_hz() / 1000000u;
	d->turn_tsc = (uint64_t)NFV_TURN_SHARED_US * rte_get_tsc_hz() / 1000000u;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (nfv_domains_setup(d) < 0)
		goto out_domain;
	{
		const char *why = NULL;

		if (nfv_ports_init(d, &why) < 0) {
			fprintf(stderr, PROG ": %s\n", why);
			goto out_ports;
		}
	}
	if (d->nports == 0)
		fprintf(stderr, PROG ": no ports: add some with EAL options, e.g. --no-pci --vdev net_null0\n");
	if (setup_chains(d, &bad_chain) < 0) {
		if (bad_chain)
			status = 2;	/* a bad option, found only once the ports exist */
		goto out_sockets;
	}
	if (setup_sockets(d) < 0)
		goto out_sockets;
	print_banner(d);
	if (rte_ctrl_thread_create(&ctl_tid, "nfv-ctl", NULL, ctl_thread, d) != 0) {
		fprintf(stderr, PROG ": cannot start the control thread\n");
		goto out_sockets;
	}
	ctl_started = 1;

	nfv_worker_loop(d);
	status = 0;

	g_ctl_quit = 1;
	pthread_join(ctl_tid, NULL);
	ctl_started = 0;
	nfv_nfm_tick(d);
	nfv_worker_drain_all(d);
	final = nfv_stats_all(d);
	nfv_ports_fini(d);	/* their queues' buffers go back to the pools */
	nfv_audit_run(d, &audit);
	print_summary(d, final, &audit);
	if (!audit.ok || audit.pool_in_use != 0)
		status = 3;
out_sockets:
	if (ctl_started) {
		g_ctl_quit = 1;
		pthread_join(ctl_tid, NULL);
	}
	if (d->srv)
		nfv_nfm_close(d);
	nfv_ctl_server_destroy(d->srv);
	if (d->nports)
		nfv_ports_fini(d);
out_ports:
out_domain:
	nfv_flow_fini(&d->ft);
	nfv_affinity_fini(&d->aff);
	nfv_domains_fini(d);
out_eal:
	/* Not with a port that must not be closed: see ports_abandon(). */
	if (!d->port_left_open)
		rte_eal_cleanup();
	free(eargv);
	return status;
}
