/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * daemon.h - nfvisord's state, shared by its two threads.
 *
 * Threads: the worker (the EAL main lcore) owns the data path: ports,
 * rings, buffers, the ownership tables, services and chains; it is the only
 * writer of every packet counter.  The control thread owns sockets: the
 * control socket, the attach sockets, peers' fds and liveness; it reads
 * counters and moves NF slots through their life with atomic state changes
 * that the worker acts on (see enum nf_state).  Anything else the control
 * thread needs done on the data path it posts to the worker's mailbox.
 */
#ifndef NFV_DAEMON_H
#define NFV_DAEMON_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_ethdev.h>

#include "domain.h"
#include "drops.h"
#include "flow.h"
#include "nfv_ring.h"
#include "sched_place.h"
#include "service.h"
#include "unixsock.h"

#define NFV_BURST 128u	/* port RX, NF TX ring and port TX bursts (docs/DESIGN.md) */
#define NFV_IDLE_SLEEP_MAX_US 10000u	/* --idle-sleep-us at most */
#define NFV_MAX_PORTS 16u		/* NetLib's NETLIB_PORT_MAX + 1 */
#define NFV_MAX_DOMAINS 8u		/* trust domains, the default one included */
/* --ring-size auto: the largest ring every domain holds, down to the least
 * (options.c).  NFs that share a CPU take one turn a window. */
#define NFV_RING_AUTO_MAX 8192u
#define NFV_RING_AUTO_MIN 2048u
/* The window of a domain whose NFs each have a CPU of their own (the
 * worker then bounds the chain, and a larger window only cycles more
 * buffers through its caches), and per NF that shares one, up to the ring
 * size (nfv_window_update()). */
#define NFV_WINDOW_ALONE 2048u
/* NetLib's busy turn for an NF whose CPU other NFs share (window.c). */
#define NFV_TURN_SHARED_US 100u
#define NFV_MAX_RULES 4096u
#define NFV_MAX_VISITS 16u		/* NF deliveries per packet: loop guard */
#define NFV_HOP_NONE 0xffu		/* packet has left its chain (TONF) */

/** Statistics counters: one writer (the worker), readers anywhere. */
#define NFV_STAT_ADD(c, n) __atomic_store_n(&(c), (c) + (n), __ATOMIC_RELAXED)
#define NFV_STAT_GET(c) __atomic_load_n(&(c), __ATOMIC_RELAXED)

/** Life of an NF slot; arrows say which thread moves it. */
enum nf_state {
	NF_FREE = 0,		/* ctl -> ATTACHED when a peer connects */
	NF_ATTACHED,		/* worker -> RUNNING on REGISTER */
	NF_RUNNING,		/* worker -> QUARANTINED on protocol abuse */
	NF_QUARANTINED,		/* buffers already reclaimed, gets nothing */
	NF_CLOSING,		/* ctl: peer gone; worker reclaims -> CLOSED */
	NF_CLOSED,		/* ctl scrubs, closes fds -> FREE */
};

enum nf_kind { NF_KIND_PROCESS, NF_KIND_VM };

struct nfv_hdomain;

/** Host-private packet metadata, indexed by buffer index. */
struct nfv_pkt_meta {
	uint16_t chain;		/* chain the packet follows (flow.h) */
	uint8_t hop;		/* hop it is at, or NFV_HOP_NONE */
	uint8_t visits;		/* NF deliveries so far */
	uint8_t in_port;	/* port it arrived on */
	uint8_t from_nf;	/* data_off/len below are newer than the mbuf's */
	uint16_t data_off;	/* as the last validated descriptor gave them */
	uint32_t flow_hash;	/* 5-tuple hash from a private header copy */
	uint16_t data_len;
	uint8_t run;		/* NF hops after `hop` it may take directly */
	uint8_t pad;
};

struct nfv_port_stats {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes, tx_dropped, rx_paused;
	uint64_t tx_stalls;		/* times it took nothing for --tx-hold-us */
	uint64_t reconnects;		/* restarts of a memif client whose link was down */
};

struct nfv_port {
	uint16_t id;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_ether_addr mac;
	int socket;			/* NUMA node of the device */
	struct nfv_hdomain *hd;		/* ingress domain: receives into its pool */
	struct nfv_port_stats st;
	/*
	 * Transmit backlog, oldest first (worker-owned).  A packet in it still
	 * counts in the window of the port it came in through (tx_in) until
	 * the port takes it: a peer that stalls pauses the intake instead of
	 * losing packets, for at most --tx-hold-us (docs/DESIGN.md).
	 */
	struct rte_mbuf **tx;		/* held: tx[tx_head .. tx_end) */
	uint8_t *tx_in;			/* each one's admitting port */
	uint32_t tx_head, tx_end, tx_cap; /* room: a window */
	uint32_t tx_flush_at;		/* send once tx_end reaches it */
	uint8_t tx_blocked;		/* stalled past the hold: drop at once
					 * until the port takes a packet again */
	uint64_t tx_since;		/* TSC of its last progress; 0: none held */
	int8_t link_up;			/* as last logged (control thread); -1: not yet */
	/* A memif client's reconnection (worker: nfv_port_reconnect()). */
	uint8_t memif_client;		/* connects only when it starts */
	uint8_t stopped;		/* not started, or being restarted: not polled */
	uint8_t restarting;		/* a thread stops and starts it */
	uint8_t stopped_before_restart;	/* (for that thread) */
	int restart_rc;			/* that thread's result; 0 while it runs */
	uint8_t down_checks;		/* checks in a row that found it down */
	uint64_t check_at;		/* TSC of the next check */
};

struct nfv_nf_stats {
	uint64_t rx_pkts;		/* delivered to the NF */
	uint64_t tx_pkts;		/* accepted back from the NF */
	uint64_t rejects[NFV_REJECT_MAX]; /* bad descriptors it returned */
	uint64_t wakeups;		/* doorbells rung to wake it */
	uint64_t ctl_msgs, ctl_bad;	/* control requests, rejected ones */
	uint64_t reclaimed;		/* buffers taken back when it left */
	uint64_t direct_in;		/* returned by it, handed to it directly */
};

/** Host-private side of one NF slot. */
struct nfv_nf {
	int state;			/* enum nf_state, atomic */
	uint16_t slot;
	uint8_t kind;			/* enum nf_kind */
	struct nfv_hdomain *hd;
	/* set by the control thread while ATTACHED..CLOSED */
	int sock;			/* attach connection */
	int pidfd;			/* -1 if the kernel has none */
	pid_t pid;			/* peer process (NF or QEMU) */
	int efd[NFV_VECTORS];		/* the NF's own doorbells */
	uint64_t attach_ns, close_ns;	/* for reclamation latency */
	struct nfv_sched_place place;	/* a process NF's CPU and scheduling
					 * group when it attached */
	uint64_t reclaim_ns;		/* worker: when it took all back */
	/* worker-owned */
	struct nfv_ring rx, tx, ctl, ctl_reply;
	uint16_t service, instance;
	char name[NFV_NF_NAME_MAX];
	uint32_t kick_seq;		/* the slot's `sleeping` when last rung */
	struct nfv_nf *link;		/* --direct: NF it hands packets to */
	struct nfv_nf *link_fixed;	/* the only NF `link` may ever name */
	struct nfv_nf *link_from;	/* the only NF ever linked to it: its
					 * PEER ring has one producer */
	uint16_t group;			/* NFs linked to each other share fate:
					 * a member's slot + 1; 0 none */
	uint16_t turn_us;		/* worker: the turn asked of NetLib, 0 its own */
	uint32_t direct_next;		/* link's slot + 1, 0 none: what the slot
					 * should say (atomic, for nfvctl) */
	uint8_t peer_kicked;		/* woken for PEER since it was linked */
	uint32_t peer_kick_mark;	/* its group's bursts at that doorbell */
	uint32_t peer_kick_round;	/* housekeeping round of that doorbell */
	uint8_t recheck;		/* kick() saw it awake: sweep again */
	uint16_t nstage;
	uint8_t stage_entry[NFV_BURST];
	struct nfv_desc stage[NFV_BURST];
	uint32_t lent_limit;
	struct nfv_nf_stats st;
};

/** A trust domain as the daemon runs it. */
struct nfv_hdomain {
	struct nfv_domain dom;
	struct nfv_pkt_meta *meta;	/* per buffer */
	char sock_path[PATH_MAX + 64];	/* attach socket */
	int listen_fd;
	struct nfv_unix_id sock_id;	/* to remove only our socket file */
	int host_efd[NFV_VECTORS];	/* peer 0's doorbells */
	uint64_t host_doorbells[NFV_VECTORS]; /* rings received, per vector */
	struct nfv_nf nf[NFV_MAX_SLOTS];
	int pending_close;		/* atomic: a slot went CLOSING */
	int untrusted;			/* its NFs follow chains, nothing else */
	uint32_t group_bursts[NFV_MAX_SLOTS + 1]; /* bursts lent into each
					 * direct-handoff group (by number) */
	uint64_t copies_to[NFV_MAX_DOMAINS]; /* packets copied into domain [id] */
	/* worker: buffers taken back from the NFs of a direct-handoff group
	 * that lost a member, held until they have stopped (nfv_group_reset()) */
	uint32_t *limbo;		/* per buffer at most */
	uint32_t nlimbo;
	uint16_t nports;		/* ports that receive into it */
	uint64_t limbo_tsc;		/* when the last one came */
	/* worker (read by stats): most packets its ports may have in flight,
	 * up to nfv_daemon.capacity; nfv_window_update() */
	uint32_t window;
};

/** @nf is registered and served (any thread). */
static inline int
nfv_nf_running(const struct nfv_nf *nf)
{
	return __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) == NF_RUNNING;
}

/** Packets lent or staged to @nf: its queue load. */
static inline uint32_t
nfv_nf_load(const struct nfv_nf *nf)
{
	return nf->hd->dom.owner.lent[nf->slot] + nf->nstage;
}

/** A trust domain as configured (--trust-domain, --config, nfvctl). */
struct nfv_domain_spec {
	char name[NFV_DOMAIN_NAME_MAX];
	uint64_t region_size;		/* 0: --region-size */
	unsigned int nslots;		/* 0: --slots */
	int untrusted;			/* its NFs follow chains only */
};

/** Options after EAL's. */
struct nfv_config {
	char run_dir[PATH_MAX];
	long socket_gid;		/* --socket-group: attach sockets' group; -1 = unchanged */
	char domain_name[NFV_DOMAIN_NAME_MAX];
	struct nfv_domain_spec extra[NFV_MAX_DOMAINS - 1]; /* besides the default */
	unsigned int nextra;
	char port_domain[NFV_MAX_PORTS][NFV_DOMAIN_NAME_MAX]; /* "" = default */
	char chain[256];
	char port_chain[NFV_MAX_PORTS][256]; /* --port-chain; "" = the default chain */
	char summary_path[PATH_MAX];
	struct nfv_region_params region;
	int ring_auto;			/* --ring-size auto chose region.ring_entries */
	unsigned int stats_interval_ms;	/* 0 = off */
	unsigned int flow_timeout_ms;	/* affinity entries idle this long age out; 0 = never */
	uint8_t service_policy[NFV_MAX_SERVICE + 1]; /* enum nfv_lb_policy, by service id */
	unsigned int stop_idle_ms;	/* 0 = run until signalled */
	int wait_chain;			/* poll ports only once the chain runs */
	int direct;			/* --direct: NF-to-NF handoff in a domain */
	unsigned int tx_hold_us;	/* --tx-hold-us: how long a port may stall */
	unsigned int idle_sleep_us;	/* --idle-sleep-us: longest worker sleep; 0 polls */
	int json_stats;
};

struct nfv_totals {
	uint64_t rx, tx, copies;
	uint64_t drops[NFV_DROP_MAX];
	uint64_t rejects[NFV_REJECT_MAX];
	uint64_t quarantines;
	uint64_t group_resets;		/* NFs unregistered: their group lost one */
	uint64_t reclaims;		/* slots emptied after their peer left */
	uint64_t reclaim_us_max;	/* longest peer-gone -> all-back time */
	uint64_t reclaim_us_sum;
	uint64_t sleeps;		/* --idle-sleep-us: times the worker slept */
	uint64_t slept_ns;		/* and for how long in all */
	uint64_t yields;		/* times the worker gave its CPU to NFs
					 * that share it (switch.c share_cpu()) */
};

struct nfv_daemon;
struct nfv_ctl_server;

/**
 * How many trust domains a switch whose domains each admit @window packets
 * in flight can have: every packet in flight may hold a chain id of its
 * own, and those are 16 bits (nfv_flow_ids_fit()).  NFV_MAX_DOMAINS up to
 * --ring-size 4096; 7 at 8192, 3 at 16384.
 */
static inline uint32_t
nfv_max_domains(uint32_t window)
{
	uint32_t n = NFV_MAX_DOMAINS;

	while (n > 1 && !nfv_flow_ids_fit(NFV_MAX_RULES, (uint64_t)window * n))
		n--;
	return n;
}

/** A function the control thread asks the worker to run. */
typedef void (*nfv_worker_fn)(struct nfv_daemon *d, void *arg);

struct nfv_daemon {
	struct nfv_config cfg;
	char ctl_path[PATH_MAX];
	struct nfv_ctl_server *srv;	/* control socket and peers' fds */
	uint64_t start_ns;
	volatile int quit;		/* set by signals or idle stop */
	uint16_t nports;
	int port_left_open;		/* a failed port must not be closed (ports.c) */
	struct nfv_port port[NFV_MAX_PORTS];
	struct nfv_hdomain *hd;		/* the default domain, dom[0] */
	struct nfv_hdomain *dom[NFV_MAX_DOMAINS]; /* by id; control thread */
	struct nfv_hdomain *wdom[NFV_MAX_DOMAINS]; /* those the worker serves */
	uint32_t nwdom;
	struct nfv_service svc[NFV_MAX_SERVICE + 1];	/* by id; [0] unused */
	struct nfv_affinity aff;	/* flow -> instance, every service */
	struct nfv_flow_table ft;	/* rules and their chains */
	uint16_t rx_first;		/* worker: port polled first this round */
	uint32_t admitted[NFV_MAX_PORTS]; /* worker: in flight, by admitting port */
	uint32_t capacity;		/* most packets in flight at once, per
					 * domain (admitted by its ports): the
					 * ring size; each domain's window is
					 * at most this */
	uint32_t nf_cpus;		/* CPUs online besides the worker's */
	int cpus_online;		/* at start */
	int worker_cpu;			/* the one CPU the worker may run on, or -1 */
	uint32_t nfs_on_worker_cpu;	/* worker writes (window.c), atomic:
					 * running NFs that share its CPU */
	uint32_t max_domains;		/* nfv_max_domains(capacity) */
	uint64_t tx_hold_tsc;		/* --tx-hold-us in TSC cycles */
	uint16_t next_instance;
	int relink;			/* worker: NFs came or went, redo links */
	uint32_t rounds;		/* worker: housekeeping rounds so far */
	uint32_t nlinked;		/* worker: NFs some NF is linked to */
	struct nfv_nf *linked[NFV_MAX_DOMAINS * NFV_MAX_SLOTS];
	struct nfv_totals tot;
	uint64_t last_activity_ns;	/* worker: input or NF output last seen */
	int active;			/* worker: some since the last look */
	int progress;			/* worker: some this round */
	uint64_t turn_end;		/* worker: TSC when its busy turn on a
					 * CPU NFs share ends (0: none yet) */
	uint64_t turn_tsc;		/* NFV_TURN_SHARED_US in TSC cycles */
	uint32_t sleep_ns;		/* worker: its next idle sleep (--idle-sleep-us) */
	int ctl_busy;			/* worker: control work since the last look */
	/* mailbox: control thread -> worker, one call at a time */
	nfv_worker_fn call_fn;		/* atomic; NULL when empty */
	void *call_arg;
	int call_done;			/* atomic */
};

/* hypervisor/ports.c */
int nfv_ports_init(struct nfv_daemon *d, const char **why);
void nfv_ports_fini(struct nfv_daemon *d);
/** 1 if port @p's link is up, 0 if down, -1 if the driver cannot say. */
int nfv_port_link_up(const struct nfv_port *p);
/** Log each port whose link went down or came back (control thread). */
void nfv_ports_watch_links(struct nfv_daemon *d);
/** Worker housekeeping at TSC @now: restart a memif client port whose
 * link stays down, with a backoff (ports.c). */
void nfv_port_reconnect(struct nfv_port *p, uint64_t now);

/* hypervisor/window.c: each domain's window from its NFs' CPUs (worker) */
void nfv_window_update(struct nfv_daemon *d);

/* hypervisor/switch.c: the worker */
void nfv_worker_loop(struct nfv_daemon *d);
void nfv_worker_drain_all(struct nfv_daemon *d);
/* Run @fn(@d, @arg) on the worker, from the control thread, and wait for
 * it; -ETIMEDOUT if the worker did not take it within @timeout_ms (or the
 * daemon is stopping), when it is withdrawn and never runs.  A call the
 * worker took is always waited for: @arg may then go. */
int nfv_worker_call(struct nfv_daemon *d, nfv_worker_fn fn, void *arg, unsigned int timeout_ms);
/* Stop serving @nf and take its buffers back (it broke a ring). */
void nfv_quarantine(struct nfv_daemon *d, struct nfv_nf *nf, const char *msg);
/* Take @nf's buffers back and unregister it: its direct group lost a member. */
void nfv_group_reset(struct nfv_daemon *d, struct nfv_nf *nf);

/* hypervisor/flow_ctl.c: nfvctl flow ... */
int nfv_flow_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv);
/* A rule added to or deleted from the flow table, its --direct links
 * redone where its chain may make one (worker thread). */
int nfv_rule_add(struct nfv_daemon *d, const struct nfv_flow_key *key,
		 const struct nfv_chain *chain);
int nfv_rule_del(struct nfv_daemon *d, const struct nfv_flow_key *key);

/* hypervisor/domains.c: trust domains, at start-up and at run time */
struct nfv_hdomain *nfv_domain_by_name(struct nfv_daemon *d, const char *name);
int nfv_domains_setup(struct nfv_daemon *d);
void nfv_domains_fini(struct nfv_daemon *d);
int nfv_domains_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv);

/* hypervisor/nf_manager.c: the control thread's side of NF slots */
int nfv_nfm_open(struct nfv_daemon *d, struct nfv_ctl_server *srv, const char **why);
int nfv_nfm_open_domain(struct nfv_daemon *d, struct nfv_hdomain *hd, const char **why);
void nfv_nfm_close_domain(struct nfv_hdomain *hd);
void nfv_nfm_tick(struct nfv_daemon *d);
void nfv_nfm_close(struct nfv_daemon *d);

/* hypervisor/util.c */
uint64_t nfv_now_ns(void);

/** Name of an NF state, for users. */
const char *nfv_nf_state_name(int state);

#endif /* NFV_DAEMON_H */
