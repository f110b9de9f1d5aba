/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nf_manager.c - NF slots as the control thread sees them.
 *
 * Each domain's attach socket speaks the ivshmem-server protocol.  A peer
 * that connects (an NF process or a QEMU) gets a free slot, scrubbed, and
 * the greeting: the region fd, peer 0's doorbells and its own.  It is gone
 * when its socket closes or, for the process behind it (SO_PEERCRED), when
 * its pidfd fires: the slot goes CLOSING, the worker takes every buffer
 * back, and the slot is scrubbed before anyone else gets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_log.h>

#include "ctl.h"
#include "daemon.h"
#include "ivshmem_server.h"
#include "sched_place.h"
#include "unixsock.h"

#define RTE_LOGTYPE_NFV_NFM RTE_LOGTYPE_USER2

/* Lent buffers an NF may hold beyond what its two rings can carry. */
#define NF_EXTRA_LENT 256u

static struct nfv_ctl_server *g_srv;	/* control thread's poll loop */
static struct nfv_daemon *g_daemon;

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
begin_close(struct nfv_nf *nf)
{
	int st = __atomic_load_n(&nf->state, __ATOMIC_ACQUIRE);

	if (st == NF_FREE || st == NF_CLOSING || st == NF_CLOSED)
		return;
	nfv_ctl_server_remove_fd(g_srv, nf->sock);
	if (nf->pidfd >= 0)
		nfv_ctl_server_remove_fd(g_srv, nf->pidfd);
	nf->close_ns = nfv_now_ns();
	__atomic_store_n(&nf->state, NF_CLOSING, __ATOMIC_RELEASE);
	__atomic_store_n(&nf->hd->pending_close, 1, __ATOMIC_RELEASE);
}

static void
on_peer(int fd, short revents, void *aux)
{
	struct nfv_nf *nf = aux;
	char buf[256];
	ssize_t n;

	/* Peers have nothing to say after the greeting; bytes are read and
	 * discarded (bounded per round), EOF or an error means gone. */
	if (revents & POLLIN) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
			return;
	}
	begin_close(nf);
}

static void
on_pidfd(int fd, short revents, void *aux)
{
	begin_close(aux);
}

static void
on_host_doorbell(int fd, short revents, void *aux)
{
	struct nfv_hdomain *hd = aux;
	uint64_t v;
	int vec;

	/* The worker polls every ring; the count is drained and kept only
	 * as proof that peers' doorbells reach us. */
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return;
	for (vec = 0; vec < NFV_VECTORS; vec++)
		if (hd->host_efd[vec] == fd)
			NFV_STAT_ADD(hd->host_doorbells[vec], v);
}

static enum nf_kind
peer_kind(pid_t pid)
{
	char path[64], comm[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NF_KIND_PROCESS;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n > 0 && strncmp(comm, "qemu", 4) == 0)
		return NF_KIND_VM;
	return NF_KIND_PROCESS;
}

/*
 * Warn, once, if a process NF that just attached is pinned to the CPU of
 * another process NF but in another scheduling group, where neither can
 * hand the CPU to the other (sched_place.c).
 */
static void
check_place(struct nfv_nf *nf)
{
	uint32_t i, s;

	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		struct nfv_hdomain *hd = g_daemon->dom[i];

		for (s = 0; hd && s < hd->dom.region.layout.p.nslots; s++) {
			struct nfv_nf *o = &hd->nf[s];
			int st = __atomic_load_n(&o->state, __ATOMIC_ACQUIRE);

			if (o == nf || o->kind != NF_KIND_PROCESS || st == NF_FREE ||
			    st == NF_CLOSING || st == NF_CLOSED ||
			    !nfv_sched_place_apart(&nf->place, &o->place))
				continue;
			RTE_LOG(WARNING, NFV_NFM,
				"%s: peer %u (pid %d) and peer %u of %s (pid %d) run only on CPU %d, "
				"in different scheduling groups (%s, %s), where a yield cannot hand "
				"the CPU from one to the other: start them from one session (not "
				"each with setsid or as a service of its own), put them in one cpu "
				"cgroup, or set kernel.sched_autogroup_enabled=0\n",
				nf->hd->dom.name, NFV_SLOT_PEER(nf->slot), (int)nf->pid,
				NFV_SLOT_PEER(s), hd->dom.name, (int)o->pid, nf->place.cpu,
				nf->place.group, o->place.group);
			return;
		}
	}
}

/* Zero the slot's rings and entry and set up the worker's ring views. */
static void
scrub_slot(struct nfv_nf *nf)
{
	struct nfv_region *r = &nf->hd->dom.region;
	const struct nfv_layout *l = &r->layout;
	struct nfv_slot *slot = nfv_region_slot(r, nf->slot);
	uint32_t gen = slot->generation;
	int k;

	for (k = 0; k < NFV_RINGS_PER_SLOT; k++)
		memset(r->base + nfv_layout_ring_off(l, nf->slot, k), 0, l->ring_stride);
	nfv_ring_init(&nf->rx, r->base + nfv_layout_ring_off(l, nf->slot, NFV_RING_RX),
		      l->p.ring_entries, sizeof(struct nfv_desc), 1);
	nfv_ring_init(&nf->tx, r->base + nfv_layout_ring_off(l, nf->slot, NFV_RING_TX),
		      l->p.ring_entries, sizeof(struct nfv_desc), 0);
	nfv_ring_init(&nf->ctl, r->base + nfv_layout_ring_off(l, nf->slot, NFV_RING_CTL),
		      l->p.ctl_entries, sizeof(struct nfv_ctl_msg), 0);
	nfv_ring_init(&nf->ctl_reply,
		      r->base + nfv_layout_ring_off(l, nf->slot, NFV_RING_CTL_REPLY),
		      l->p.ctl_entries, sizeof(struct nfv_ctl_msg), 1);
	memset(slot, 0, sizeof(*slot));
	slot->generation = gen + 1;
	slot->peer_id = NFV_SLOT_PEER(nf->slot);
	for (k = 0; k < NFV_RINGS_PER_SLOT; k++)
		slot->ring_off[k] = nfv_layout_ring_off(l, nf->slot, k);
	slot->state = NFV_SLOT_ATTACHED;
	nf->service = 0;
	nf->instance = 0;
	nf->name[0] = '\0';
	nf->nstage = 0;
	nf->kick_seq = 0;
	memset(&nf->st, 0, sizeof(nf->st));
	nf->lent_limit = 2 * l->p.ring_entries + NF_EXTRA_LENT;
}

static struct nfv_nf *
free_slot(struct nfv_hdomain *hd)
{
	uint32_t s;

	for (s = 0; s < hd->dom.region.layout.p.nslots; s++)
		if (__atomic_load_n(&hd->nf[s].state, __ATOMIC_ACQUIRE) == NF_FREE)
			return &hd->nf[s];
	return NULL;
}

static int
attach_peer(struct nfv_hdomain *hd, int sock)
{
	struct nfv_nf *nf = free_slot(hd);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int v, ret;

	if (!nf) {
		RTE_LOG(WARNING, NFV_NFM, "%s: all %u slots in use, refusing a peer (raise --slots)\n",
			hd->dom.name, hd->dom.region.layout.p.nslots);
		return -ENOSPC;
	}
	nf->sock = sock;
	nf->pid = getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
	nf->pidfd = nf->pid > 0 ? (int)syscall(SYS_pidfd_open, nf->pid, 0) : -1;
	nf->kind = (uint8_t)peer_kind(nf->pid);
	nf->place.cpu = -1;
	nf->place.group[0] = '\0';
	nf->attach_ns = nfv_now_ns();
	nf->close_ns = 0;
	for (v = 0; v < NFV_VECTORS; v++)
		nf->efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (v = 0; v < NFV_VECTORS; v++)
		if (nf->efd[v] < 0)
			goto undo;
	scrub_slot(nf);
	/* Where it runs, read before the worker can see it (the window of
	 * its domain depends on it: window.c). */
	if (nf->kind == NF_KIND_PROCESS && nf->pid > 0) {
		nfv_sched_place_of(nf->pid, &nf->place);
	} else {
		nf->place.cpu = -1;
		nf->place.group[0] = '\0';
	}
	/* The worker may see REGISTER right after the greeting. */
	__atomic_store_n(&nf->state, NF_ATTACHED, __ATOMIC_RELEASE);
	ret = nfv_ivshmem_greet(sock, (uint16_t)NFV_SLOT_PEER(nf->slot), hd->dom.region.fd,
				hd->host_efd, nf->efd, NFV_VECTORS);
	if (ret == 0)
		ret = nfv_ctl_server_add_fd(g_srv, sock, POLLIN, on_peer, nf);
	if (ret == 0 && nf->pidfd >= 0)
		ret = nfv_ctl_server_add_fd(g_srv, nf->pidfd, POLLIN, on_pidfd, nf);
	if (ret < 0)
		begin_close(nf);
	else {
		RTE_LOG(INFO, NFV_NFM, "%s: peer %u attached (pid %d, %s)\n", hd->dom.name,
			NFV_SLOT_PEER(nf->slot), (int)nf->pid,
			nf->kind == NF_KIND_VM ? "vm" : "process");
		if (nf->kind == NF_KIND_PROCESS && nf->pid > 0)
			check_place(nf);
	}
	return 0;
undo:
	for (v = 0; v < NFV_VECTORS; v++)
		close_fd(&nf->efd[v]);
	close_fd(&nf->pidfd);
	nf->sock = -1;
	return -EMFILE;
}

static void
on_listen(int fd, short revents, void *aux)
{
	int sock = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (sock < 0)
		return;
	if (attach_peer(aux, sock) < 0)
		close(sock);
}

/* Slots, doorbells and the attach socket of one domain. */
int
nfv_nfm_open_domain(struct nfv_daemon *d, struct nfv_hdomain *hd, const char **why)
{
	uint32_t s;
	int v, ret;

	for (s = 0; s < NFV_MAX_SLOTS; s++) {
		hd->nf[s].slot = (uint16_t)s;
		hd->nf[s].hd = hd;
		hd->nf[s].sock = -1;
		hd->nf[s].pidfd = -1;
		for (v = 0; v < NFV_VECTORS; v++)
			hd->nf[s].efd[v] = -1;
	}
	hd->listen_fd = -1;
	for (v = 0; v < NFV_VECTORS; v++)
		hd->host_efd[v] = -1;
	for (v = 0; v < NFV_VECTORS; v++) {
		hd->host_efd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (hd->host_efd[v] < 0 ||
		    nfv_ctl_server_add_fd(g_srv, hd->host_efd[v], POLLIN, on_host_doorbell, hd) < 0) {
			*why = "cannot create the domain's doorbell eventfds";
			return -EMFILE;
		}
	}
	snprintf(hd->sock_path, sizeof(hd->sock_path), "%s/%s.sock", d->cfg.run_dir, hd->dom.name);
	/* --socket-group: the file has the group before it appears. */
	ret = nfv_unix_listen(hd->sock_path, 0660, d->cfg.socket_gid, &hd->sock_id);
	if (ret < 0) {
		*why = ret == -EADDRINUSE ?
		       "another nfvisord serves this domain's socket: stop it or use another --run-dir" :
		       d->cfg.socket_gid >= 0 ?
		       "cannot listen on the domain's attach socket or give it to the --socket-group (does --run-dir exist and is it writable?)" :
		       "cannot listen on the domain's attach socket (does --run-dir exist and is it writable?)";
		return ret;
	}
	hd->listen_fd = ret;
	return nfv_ctl_server_add_fd(g_srv, hd->listen_fd, POLLIN, on_listen, hd);
}

int
nfv_nfm_open(struct nfv_daemon *d, struct nfv_ctl_server *srv, const char **why)
{
	uint32_t i;
	int ret;

	g_srv = srv;
	g_daemon = d;
	for (i = 0; i < NFV_MAX_DOMAINS; i++) {
		if (!d->dom[i])
			continue;
		ret = nfv_nfm_open_domain(d, d->dom[i], why);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Finish slots the worker has emptied: close fds, free the slot. */
static void
tick_domain(struct nfv_hdomain *hd)
{
	uint32_t s;
	int v;

	for (s = 0; s < hd->dom.region.layout.p.nslots; s++) {
		struct nfv_nf *nf = &hd->nf[s];

		if (__atomic_load_n(&nf->state, __ATOMIC_ACQUIRE) != NF_CLOSED)
			continue;
		RTE_LOG(INFO, NFV_NFM, "%s: peer %u (%s) left; %" PRIu64
			" buffers reclaimed, %" PRIu64 " us after it went\n",
			hd->dom.name, NFV_SLOT_PEER(s), nf->name[0] ? nf->name : "unregistered",
			NFV_STAT_GET(nf->st.reclaimed), (nf->reclaim_ns - nf->close_ns) / 1000);
		close_fd(&nf->sock);
		close_fd(&nf->pidfd);
		for (v = 0; v < NFV_VECTORS; v++)
			close_fd(&nf->efd[v]);
		nfv_region_slot(&hd->dom.region, s)->state = NFV_SLOT_FREE;
		__atomic_store_n(&nf->state, NF_FREE, __ATOMIC_RELEASE);
	}
}

void
nfv_nfm_tick(struct nfv_daemon *d)
{
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			tick_domain(d->dom[i]);
}

/* Guests cannot see a socket close (QEMU holds it): tell them through the
 * region that their slot is gone and the daemon with it. */
static void
tell_guests_goodbye(struct nfv_hdomain *hd)
{
	struct nfv_region *r = &hd->dom.region;
	uint32_t s;

	if (!r->base)
		return;
	for (s = 0; s < r->layout.p.nslots; s++) {
		struct nfv_slot *slot = nfv_region_slot(r, s);

		slot->state = NFV_SLOT_FREE;
		slot->why = NFV_WHY_NONE;
		slot->generation++;
	}
	__atomic_store_n(&((struct nfv_region_hdr *)r->base)->magic, 0, __ATOMIC_RELEASE);
}

/*
 * Close every peer, doorbell and the attach socket of @hd, taking them out
 * of the control thread's poll set: at shutdown after the worker stopped,
 * or at run time for a domain the worker no longer serves.
 */
void
nfv_nfm_close_domain(struct nfv_hdomain *hd)
{
	uint32_t s;
	int v;

	tell_guests_goodbye(hd);
	for (s = 0; s < NFV_MAX_SLOTS; s++) {
		struct nfv_nf *nf = &hd->nf[s];

		if (nf->sock >= 0)
			nfv_ctl_server_remove_fd(g_srv, nf->sock);
		if (nf->pidfd >= 0)
			nfv_ctl_server_remove_fd(g_srv, nf->pidfd);
		close_fd(&nf->sock);
		close_fd(&nf->pidfd);
		for (v = 0; v < NFV_VECTORS; v++)
			close_fd(&nf->efd[v]);
		__atomic_store_n(&nf->state, NF_FREE, __ATOMIC_RELEASE);
	}
	for (v = 0; v < NFV_VECTORS; v++) {
		if (hd->host_efd[v] >= 0)
			nfv_ctl_server_remove_fd(g_srv, hd->host_efd[v]);
		close_fd(&hd->host_efd[v]);
	}
	if (hd->listen_fd >= 0) {
		nfv_ctl_server_remove_fd(g_srv, hd->listen_fd);
		close(hd->listen_fd);
		nfv_unix_unlink_own(hd->sock_path, &hd->sock_id);
	}
	hd->listen_fd = -1;
}

/* At shutdown, after the worker stopped. */
void
nfv_nfm_close(struct nfv_daemon *d)
{
	uint32_t i;

	for (i = 0; i < NFV_MAX_DOMAINS; i++)
		if (d->dom[i])
			nfv_nfm_close_domain(d->dom[i]);
}
