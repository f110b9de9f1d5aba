/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib.c - context life cycle: attach, describe, stop, detach.
 *
 * netlib_attach() picks the backend from the path (a socket: process, a
 * character device: VM); everything after the backend has mapped the
 * region is common code.
 */
#include <errno.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netlib_priv.h"

static __thread char netlib_errbuf[256];

void
netlib_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(netlib_errbuf, sizeof(netlib_errbuf), fmt, ap);
	va_end(ap);
}

const char *
netlib_last_error(void)
{
	return netlib_errbuf;
}

static int
ctx_rings(struct netlib_ctx *ctx)
{
	const struct nfv_region_hdr *h = &ctx->hdr;
	uint64_t off[NFV_RINGS_PER_SLOT];
	int ret;

	ctx->slot_idx = NFV_PEER_SLOT(ctx->peer_id);
	ret = netlib_slot_rings(h, ctx->base, ctx->slot_idx, off);
	if (ret < 0)
		return ret;
	ctx->slot = (struct nfv_slot *)(ctx->base + h->slot_off +
					(uint64_t)ctx->slot_idx * h->slot_size);
	ctx->slot_gen = __atomic_load_n(&ctx->slot->generation, __ATOMIC_RELAXED);
	/* Geometry comes from the checked private header copy; only the
	 * indices are read from the shared rings. */
	if (nfv_ring_init(&ctx->rx, ctx->base + off[NFV_RING_RX], h->ring_entries,
			  h->desc_size, 0) < 0 ||
	    nfv_ring_init(&ctx->tx, ctx->base + off[NFV_RING_TX], h->ring_entries,
			  h->desc_size, 1) < 0 ||
	    nfv_ring_init(&ctx->ctl, ctx->base + off[NFV_RING_CTL], h->ctl_entries,
			  h->ctl_msg_size, 1) < 0 ||
	    nfv_ring_init(&ctx->ctl_reply, ctx->base + off[NFV_RING_CTL_REPLY],
			  h->ctl_entries, h->ctl_msg_size, 0) < 0 ||
	    nfv_ring_init(&ctx->peer_in, ctx->base + off[NFV_RING_PEER], h->ring_entries,
			  h->desc_size, 0) < 0) {
		netlib_set_error("slot %u: cannot set up its rings", ctx->slot_idx);
		return -EINVAL;
	}
	/* Request numbers go on from the CTL ring's producer index: a VM's
	 * slot outlives its NFs, and replies to a previous NF's requests may
	 * still sit on the reply ring. */
	ctx->ctl_seq = ctx->ctl.local;
	return 0;
}

static int
ctx_bufs(struct netlib_ctx *ctx)
{
	const struct nfv_region_hdr *h = &ctx->hdr;
	uint32_t i;

	/* Descriptor offsets and lengths are 16-bit: no data beyond 64 KiB. */
	ctx->buf_room = h->buf_stride > UINT16_MAX ? UINT16_MAX : h->buf_stride;
	ctx->descs = calloc(h->ring_entries, sizeof(*ctx->descs));
	ctx->peer_descs = calloc(h->ring_entries, sizeof(*ctx->peer_descs));
	ctx->pkts = calloc(h->nbufs, sizeof(*ctx->pkts));
	ctx->bad = calloc(h->ring_entries, sizeof(*ctx->bad));
	if (!ctx->descs || !ctx->peer_descs || !ctx->pkts || !ctx->bad) {
		netlib_set_error("out of memory for %u packet handles", h->nbufs);
		return -ENOMEM;
	}
	for (i = 0; i < h->nbufs; i++) {
		struct netlib_pkt *p = &ctx->pkts[i];

		p->buf = ctx->base + h->buf_off + (uint64_t)i * h->buf_stride;
		p->idx = i;
		p->room = ctx->buf_room;
		p->action = NFV_ACT_NEXT;
	}
	return 0;
}

/*
 * Wait until nfvisord has taken every descriptor off the TX ring.  It reads
 * the ring only while the slot is registered, and takes every lent buffer
 * back on UNREGISTER: descriptors still on the ring then would reach it
 * when the next NF of the slot (in a VM, the slot outlives its NFs)
 * registers, naming buffers that are no longer ours and may by then be
 * lent to that NF again.  Polls every millisecond, at most @timeout_ms.
 */
static int
ctx_tx_settle(struct netlib_ctx *ctx, int timeout_ms)
{
	const struct timespec one_ms = { .tv_sec = 0, .tv_nsec = 1000000 };
	int64_t deadline = netlib_now_ms() + timeout_ms;

	for (;;) {
		int room = nfv_ring_free_count(&ctx->tx);
		int ret;

		if (room < 0)
			return -EPROTO;
		if ((uint32_t)room == ctx->hdr.ring_entries)
			return 0;
		ret = netlib_host_check(ctx);
		if (ret < 0)
			return ret;
		if (netlib_now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&one_ms, NULL);
	}
}

/*
 * The slot is still registered: a previous NF of this peer (in a VM, which
 * keeps its slot from NF to NF) exited without detaching.  The backend made
 * sure no live NF shares the slot, so let nfvisord finish what that NF
 * handed back, unregister it and wait until nfvisord has taken its buffers
 * back.
 */
static int
ctx_release_stale(struct netlib_ctx *ctx)
{
	struct nfv_ctl_msg msg = { .type = NFV_CTL_UNREGISTER };
	int64_t deadline;
	int ret;

	/* A TX ring that does not empty (or is corrupt) is left to
	 * nfvisord's checks: unregistering is what frees the slot. */
	if (ctx_tx_settle(ctx, NETLIB_TX_SETTLE_MS) == -EPIPE)
		return -EPIPE;
	deadline = netlib_now_ms() + ctx->ctl_timeout_ms;
	ret = netlib_ctl_send(ctx, &msg);

	while (ret == 0 && __atomic_load_n(&ctx->slot->state, __ATOMIC_ACQUIRE) ==
			   NFV_SLOT_RUNNING) {
		int64_t left = deadline - netlib_now_ms();

		if (left <= 0) {
			netlib_set_error("slot %u is still registered by an NF that left without detaching, and nfvisord did not release it within %d ms (see its log)",
					 ctx->slot_idx, ctx->ctl_timeout_ms);
			return -ETIMEDOUT;
		}
		ret = netlib_wait(ctx, NFV_VEC_CTL,
				  left < NETLIB_CTL_RECHECK_MS ? (int)left : NETLIB_CTL_RECHECK_MS);
	}
	return ret;
}

/*
 * Make sure nfvisord serves our slot and start from a clean RX ring.  A
 * slot that is not registered gets no packets, so whatever sits on its RX
 * ring was sent to a previous NF of this peer and taken back by nfvisord
 * when that NF left: those buffers may belong to other packets by now and
 * must not be touched (the same for its PEER ring).  A fresh slot has
 * empty rings.
 */
static int
ctx_claim_slot(struct netlib_ctx *ctx)
{
	int ret = netlib_host_check(ctx);

	if (ret == 0 && __atomic_load_n(&ctx->slot->state, __ATOMIC_ACQUIRE) ==
			NFV_SLOT_RUNNING)
		ret = ctx_release_stale(ctx);
	if (ret < 0)
		return ret;
	ret = nfv_ring_dequeue_burst(&ctx->rx, ctx->descs, ctx->hdr.ring_entries);
	if (ret >= 0)
		ret = nfv_ring_dequeue_burst(&ctx->peer_in, ctx->descs, ctx->hdr.ring_entries);
	if (ret < 0) {
		netlib_set_error("slot %u: the RX or PEER ring index is corrupt (written by nfvisord or by another party of the domain)",
				 ctx->slot_idx);
		return -EPROTO;
	}
	return 0;
}

static void
ctx_free(struct netlib_ctx *ctx)
{
	ctx->be->ops->close(ctx->be);
	if (ctx->wake_fd >= 0)
		close(ctx->wake_fd);
	free(ctx->descs);
	free(ctx->peer_descs);
	free(ctx->bad);
	free(ctx->pkts);
	free(ctx);
}

struct netlib_ctx *
netlib_ctx_open(struct netlib_backend *be)
{
	struct netlib_ctx *ctx = calloc(1, sizeof(*ctx));
	uint64_t len = 0;
	void *base = NULL;
	int ret;

	if (!ctx) {
		be->ops->close(be);
		netlib_set_error("out of memory for a NetLib context");
		errno = ENOMEM;
		return NULL;
	}
	ctx->be = be;
	ctx->wake_fd = -1;
	ctx->prefetch = NETLIB_PREFETCH_READ;
	ctx->instance_id = -1;
	ctx->ctl_timeout_ms = NETLIB_CTL_TIMEOUT_MS;

	ret = be->ops->map(be, &base, &len);
	if (ret == 0) {
		ctx->base = base;
		ctx->peer_id = be->ops->peer_id(be);
		ret = netlib_region_check(base, len, &ctx->hdr);
		if (ret == -EBADMSG && ctx->hdr.magic == 0)
			/* A VM keeps the memory of a nfvisord that has left. */
			netlib_set_error("the region's header is cleared: the nfvisord that shared it has shut down (restart the NF once it is back; in a VM, restart the VM)");
	}
	if (ret == 0)
		ret = ctx_rings(ctx);
	if (ret == 0)
		ret = ctx_bufs(ctx);
	if (ret == 0) {
		ctx->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ctx->wake_fd < 0) {
			ret = -errno;
			netlib_set_error("eventfd: %s", strerror(errno));
		}
	}
	if (ret == 0)
		ret = ctx_claim_slot(ctx);
	if (ret < 0) {
		ctx_free(ctx);
		errno = -ret;
		return NULL;
	}
	return ctx;
}

/* Open the backend @path names; see netlib_attach() for the rules. */
static struct netlib_backend *
backend_open(const char *path)
{
	char dev[PATH_MAX];
	struct stat st;
	int ret;

	if (strcmp(path, NETLIB_ATTACH_VM) == 0) {
		ret = netlib_vm_find(NETLIB_VM_DEV_DIR, dev, sizeof(dev));
		if (ret < 0) {
			errno = -ret;
			return NULL;
		}
		return netlib_vm_open(dev);
	}
	if (stat(path, &st) < 0) {
		/* Let the backend report what is missing, in its own terms. */
		if (strncmp(path, "/dev/", 5) == 0)
			return netlib_vm_open(path);
		return netlib_process_open(path, NETLIB_ATTACH_TIMEOUT_MS);
	}
	if (S_ISCHR(st.st_mode))
		return netlib_vm_open(path);
	if (S_ISSOCK(st.st_mode))
		return netlib_process_open(path, NETLIB_ATTACH_TIMEOUT_MS);
	netlib_set_error("%s is neither an attach socket (%s/<domain>.sock) nor a guest device (%s/%s<N> inside a VM)",
			 path, NETLIB_SOCKET_DIR, NETLIB_VM_DEV_DIR, NETLIB_VM_DEV_NAME);
	errno = ENOTSOCK;
	return NULL;
}

struct netlib_ctx *
netlib_attach(const char *path)
{
	struct netlib_backend *be;

	if (!path || !*path) {
		netlib_set_error("nothing to attach to: give the attach socket (%s/<domain>.sock) or, in a VM, %s/%s<N>",
				 NETLIB_SOCKET_DIR, NETLIB_VM_DEV_DIR, NETLIB_VM_DEV_NAME);
		errno = EINVAL;
		return NULL;
	}
	be = backend_open(path);
	if (!be)
		return NULL;
	return netlib_ctx_open(be);
}

/* Whether prefetch_write() (netlib_run.c) fetches for writing. */
static int
cpu_prefetches_for_write(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	/* CPUID 0x80000001 ECX bit 8: PREFETCHW (AMD since K6-2, Intel since
	 * Broadwell); on others the opcode need not be a no-op. */
	return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return 1;	/* __builtin_prefetch(p, 1) */
#endif
}

void
netlib_set_prefetch(struct netlib_ctx *ctx, int mode)
{
	if (mode == NETLIB_PREFETCH_WRITE && cpu_prefetches_for_write())
		ctx->prefetch = NETLIB_PREFETCH_WRITE;
	else
		ctx->prefetch = mode ? NETLIB_PREFETCH_READ : NETLIB_PREFETCH_OFF;
}

void
netlib_stop(struct netlib_ctx *ctx)
{
	uint64_t one = 1;
	int saved_errno = errno;
	ssize_t r;

	/* store-release pairs with the load-acquire in netlib_stopping(): a
	 * loop woken by the write below sees the flag. */
	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELEASE);
	/* Only fails (EAGAIN) once the counter is near 2^64: it is set anyway. */
	r = write(ctx->wake_fd, &one, sizeof(one));
	(void)r;
	errno = saved_errno;
}

int
netlib_ctx_info(const struct netlib_ctx *ctx, struct netlib_info *info)
{
	const struct nfv_region_hdr *h;

	if (!ctx || !info)
		return -EINVAL;
	h = &ctx->hdr;
	memset(info, 0, sizeof(*info));
	_Static_assert(sizeof(info->domain_name) == NFV_DOMAIN_NAME_MAX,
		       "domain name sizes differ");
	memcpy(info->domain_name, h->domain_name, sizeof(info->domain_name));
	info->domain_id = h->domain_id;
	info->peer_id = ctx->peer_id;
	info->slot = ctx->slot_idx;
	info->nslots = h->nslots;
	info->instance_id = ctx->instance_id;
	info->service_id = ctx->service_id;
	info->nbufs = h->nbufs;
	info->buf_size = h->buf_stride;
	info->buf_headroom = h->buf_headroom;
	info->ring_entries = h->ring_entries;
	info->ctl_entries = h->ctl_entries;
	info->region_size = h->region_size;
	return 0;
}

int
netlib_stats(const struct netlib_ctx *ctx, struct netlib_stats *stats)
{
	if (!ctx || !stats)
		return -EINVAL;
	*stats = ctx->stats;
	return 0;
}

void
netlib_detach(struct netlib_ctx *ctx)
{
	struct nfv_ctl_msg msg = { .type = NFV_CTL_UNREGISTER };

	if (!ctx)
		return;
	/* Best effort: closing the socket tells nfvisord as well (a process
	 * NF's; a VM's socket stays with QEMU). */
	if (ctx->instance_id >= 0 && ctx->host_err == 0) {
		ctx_tx_settle(ctx, NETLIB_TX_SETTLE_MS);
		netlib_ctl_send(ctx, &msg);
	}
	ctx_free(ctx);
}
