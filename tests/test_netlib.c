/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_netlib.c - unit tests of NetLib and of nfv-rewrite's header rewrite.
 *
 * A fake nfvisord (a thread of the test) lays out a region in a memfd,
 * serves the ivshmem attach protocol on a unix socket, answers control
 * requests, and the test itself plays the host's side of the data rings
 * through its own mapping of the region.
 *
 * The VM backend needs a guest kernel (tests/vm covers it end to end); here
 * its device-independent parts are tested: the choice of backend from the
 * path, finding the device, and the liveness checks on the slot, which are
 * common to both backends and so run against the fake host.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "examples/nfv_rewrite_lib.h"
#include "netlib_priv.h"

#define NF_PEER 2u		/* the NF under test gets slot 1 */
#define FAKE_INSTANCE 7u	/* instance id the fake host assigns */
#define FAKE_POLL_MS 5000	/* the fake host gives up after this */
#define FAKE_GENERATION 41u	/* generation of the fake host's slots */

/* Geometry of the test region. */
struct geom {
	uint32_t nslots;
	uint32_t ring_entries;
	uint32_t ctl_entries;
	uint32_t nbufs;
	uint32_t buf_stride;
	uint32_t headroom;
};

static const struct geom test_geom = {
	.nslots = 4, .ring_entries = 8, .ctl_entries = 4,
	.nbufs = 16, .buf_stride = 2048, .headroom = 128,
};

/* One message of the attach protocol. */
struct fake_msg {
	int64_t val;
	int fd;			/* -1: none */
};

/* The fake nfvisord. */
struct fake_host {
	char dir[64];
	char path[128];
	int listen_fd;
	int memfd;
	uint8_t *base;		/* host's own mapping */
	uint64_t size;
	struct nfv_region_hdr *hdr;
	struct nfv_slot *slot;	/* the NF's slot */
	int host_db[NFV_VECTORS];	/* the NF rings these */
	int nf_db[NFV_VECTORS];	/* we ring these */
	struct fake_msg script[16];
	unsigned int nscript;
	struct nfv_ring rx, tx, ctl, ctl_reply;	/* host views */
	int32_t reply_status;	/* status of REGISTER replies */
	int silent;		/* never reply */
	int quit_fd;		/* eventfd: leave (see quit_val) */
	int64_t quit_val;	/* < 0: close the socket; else send it */
	pthread_t thread;
	int started;
	/* what the fake host saw */
	struct nfv_ctl_msg last_reg;
	struct nfv_ctl_msg last_flow;
	unsigned int nflow;
	int32_t flow_status;	/* status of FLOW_ADD/DEL replies */
	unsigned int nregister;
	unsigned int nunregister;
};

static struct fake_host fh;

static uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* Fill @h with the layout of @g; return the region size it needs. */
static uint64_t
layout(struct nfv_region_hdr *h, const struct geom *g)
{
	uint64_t data_ring = nfv_ring_bytes(g->ring_entries, sizeof(struct nfv_desc));
	uint64_t ctl_ring = nfv_ring_bytes(g->ctl_entries, sizeof(struct nfv_ctl_msg));
	uint64_t end, size = 1;

	memset(h, 0, sizeof(*h));
	h->magic = NFV_REGION_MAGIC;
	h->abi_version = NFV_ABI_VERSION;
	h->hdr_size = NFV_REGION_HDR_SIZE;
	h->page_size = 4096;
	h->domain_id = 3;
	strcpy(h->domain_name, "unit");
	h->slot_off = NFV_REGION_HDR_SIZE;
	h->nslots = g->nslots;
	h->slot_size = sizeof(struct nfv_slot);
	h->ring_off = align_up(h->slot_off + (uint64_t)g->nslots * h->slot_size, 64);
	h->ring_stride = (uint32_t)align_up(data_ring > ctl_ring ? data_ring : ctl_ring, 64);
	h->ring_entries = g->ring_entries;
	h->ctl_entries = g->ctl_entries;
	h->desc_size = sizeof(struct nfv_desc);
	h->ctl_msg_size = sizeof(struct nfv_ctl_msg);
	h->ring_hdr_size = sizeof(struct nfv_ring_shm);
	h->buf_off = align_up(h->ring_off + (uint64_t)g->nslots * NFV_RINGS_PER_SLOT *
			      h->ring_stride, 4096);
	h->nbufs = g->nbufs;
	h->buf_stride = g->buf_stride;
	h->buf_headroom = g->headroom;
	end = h->buf_off + (uint64_t)g->nbufs * g->buf_stride;
	while (size < end)
		size <<= 1;
	h->region_size = size;
	return size;
}

static struct nfv_slot *
slot_of(uint8_t *base, const struct nfv_region_hdr *h, uint32_t s)
{
	return (struct nfv_slot *)(base + h->slot_off + (uint64_t)s * h->slot_size);
}

static uint8_t *
ring_of(uint8_t *base, const struct nfv_region_hdr *h, uint32_t s, unsigned int k)
{
	return base + h->ring_off + ((uint64_t)s * NFV_RINGS_PER_SLOT + k) * h->ring_stride;
}

/* Create the memfd region and the doorbells, lay the region out. */
static void
fake_region(const struct geom *g)
{
	struct nfv_region_hdr h;
	uint32_t s;
	unsigned int k;

	fh.size = layout(&h, g);
	fh.memfd = memfd_create("nfv-test", MFD_CLOEXEC);
	ck_assert_int_ge(fh.memfd, 0);
	ck_assert_int_eq(ftruncate(fh.memfd, (off_t)fh.size), 0);
	fh.base = mmap(NULL, fh.size, PROT_READ | PROT_WRITE, MAP_SHARED, fh.memfd, 0);
	ck_assert(fh.base != MAP_FAILED);
	memcpy(fh.base, &h, sizeof(h));
	fh.hdr = (struct nfv_region_hdr *)fh.base;
	for (s = 0; s < g->nslots; s++) {
		struct nfv_slot *slot = slot_of(fh.base, &h, s);

		/* As nfvisord leaves a slot it hands out. */
		slot->state = NFV_SLOT_ATTACHED;
		slot->generation = FAKE_GENERATION;
		slot->peer_id = NFV_SLOT_PEER(s);
		for (k = 0; k < NFV_RINGS_PER_SLOT; k++)
			slot->ring_off[k] = (uint64_t)(ring_of(fh.base, &h, s, k) - fh.base);
	}
	fh.slot = slot_of(fh.base, &h, NFV_PEER_SLOT(NF_PEER));
	s = NFV_PEER_SLOT(NF_PEER);
	ck_assert_int_eq(nfv_ring_init(&fh.rx, ring_of(fh.base, &h, s, NFV_RING_RX),
				       g->ring_entries, sizeof(struct nfv_desc), 1), 0);
	ck_assert_int_eq(nfv_ring_init(&fh.tx, ring_of(fh.base, &h, s, NFV_RING_TX),
				       g->ring_entries, sizeof(struct nfv_desc), 0), 0);
	ck_assert_int_eq(nfv_ring_init(&fh.ctl, ring_of(fh.base, &h, s, NFV_RING_CTL),
				       g->ctl_entries, sizeof(struct nfv_ctl_msg), 0), 0);
	ck_assert_int_eq(nfv_ring_init(&fh.ctl_reply,
				       ring_of(fh.base, &h, s, NFV_RING_CTL_REPLY),
				       g->ctl_entries, sizeof(struct nfv_ctl_msg), 1), 0);
}

static void
script_add(int64_t val, int fd)
{
	ck_assert_uint_lt(fh.nscript, sizeof(fh.script) / sizeof(fh.script[0]));
	fh.script[fh.nscript++] = (struct fake_msg){ .val = val, .fd = fd };
}

/* The setup nfvisord sends to a new NF with peer id @peer. */
static void
script_default(uint32_t peer)
{
	unsigned int v;

	fh.nscript = 0;
	script_add(0, -1);
	script_add(peer, -1);
	script_add(-1, fh.memfd);
	for (v = 0; v < NFV_VECTORS; v++)
		script_add(NFV_HOST_PEER_ID, fh.host_db[v]);
	for (v = 0; v < NFV_VECTORS; v++)
		script_add(peer, fh.nf_db[v]);
}

static void
fake_setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unsigned int v;

	memset(&fh, 0, sizeof(fh));
	fake_region(&test_geom);
	for (v = 0; v < NFV_VECTORS; v++) {
		fh.host_db[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fh.nf_db[v] = eventfd(0, EFD_CLOEXEC);
		ck_assert(fh.host_db[v] >= 0 && fh.nf_db[v] >= 0);
	}
	fh.quit_fd = eventfd(0, EFD_CLOEXEC);
	fh.quit_val = -1;
	strcpy(fh.dir, "/tmp/test_netlib.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fh.dir));
	snprintf(fh.path, sizeof(fh.path), "%s/unit.sock", fh.dir);
	strcpy(sa.sun_path, fh.path);
	fh.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fh.listen_fd, 0);
	ck_assert_int_eq(bind(fh.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fh.listen_fd, 4), 0);
	script_default(NF_PEER);
}

/* Send one message; fails once the NF hung up (it rejected the setup). */
static int
fake_send(int conn, int64_t val, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &val, .iov_len = sizeof(val) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	/* x86-64 is little-endian: val is already in wire order. */
	return sendmsg(conn, &mh, MSG_NOSIGNAL) == sizeof(val) ? 0 : -1;
}

/* Answer every control request waiting on the CTL ring. */
static void
fake_serve_ctl(void)
{
	struct nfv_ctl_msg msg, reply;
	uint64_t cnt;
	uint64_t one = 1;

	if (read(fh.host_db[NFV_VEC_CTL], &cnt, sizeof(cnt)) < 0)
		return;
	while (nfv_ring_dequeue_burst(&fh.ctl, &msg, 1) == 1) {
		if (msg.type == NFV_CTL_UNREGISTER) {
			fh.nunregister++;
			if (fh.silent)
				continue;
			/* As nfvisord: buffers taken back, slot attached again,
			 * then the reply. */
			__atomic_store_n(&fh.slot->state, NFV_SLOT_ATTACHED, __ATOMIC_RELEASE);
			memset(&reply, 0, sizeof(reply));
			reply.type = NFV_CTL_REPLY;
			reply.seq = msg.seq;
		} else if (msg.type == NFV_CTL_REGISTER) {
			fh.nregister++;
			fh.last_reg = msg;
			if (fh.silent)
				continue;
			memset(&reply, 0, sizeof(reply));
			reply.type = NFV_CTL_REPLY;
			reply.seq = msg.seq;
			reply.u.reply.status = fh.reply_status;
			reply.u.reply.instance_id = FAKE_INSTANCE;
			reply.u.reply.service_id = msg.u.reg.service_id;
			if (fh.reply_status == 0) {
				fh.slot->service_id = msg.u.reg.service_id;
				fh.slot->instance_id = FAKE_INSTANCE;
				fh.slot->state = NFV_SLOT_RUNNING;
			}
		} else if (msg.type == NFV_CTL_FLOW_ADD || msg.type == NFV_CTL_FLOW_DEL) {
			fh.nflow++;
			fh.last_flow = msg;
			memset(&reply, 0, sizeof(reply));
			reply.type = NFV_CTL_REPLY;
			reply.seq = msg.seq;
			reply.u.reply.status = fh.flow_status;
		} else {
			continue;
		}
		/* No ck_assert in this thread: a failed reply shows as the
		 * NF's timeout. */
		if (nfv_ring_enqueue_burst(&fh.ctl_reply, &reply, 1) == 1 &&
		    write(fh.nf_db[NFV_VEC_CTL], &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "# fake host: doorbell: %s\n", strerror(errno));
	}
}

static void *
fake_thread(void *arg)
{
	int conn = accept4(fh.listen_fd, NULL, NULL, SOCK_CLOEXEC);
	unsigned int i;
	char b;

	(void)arg;
	if (conn < 0)
		return NULL;
	for (i = 0; i < fh.nscript; i++)
		if (fake_send(conn, fh.script[i].val, fh.script[i].fd) < 0)
			break;
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = conn, .events = POLLIN },
			{ .fd = fh.host_db[NFV_VEC_CTL], .events = POLLIN },
			{ .fd = fh.quit_fd, .events = POLLIN },
		};

		if (poll(pfd, 3, FAKE_POLL_MS) <= 0)
			break;
		if (pfd[1].revents)
			fake_serve_ctl();
		if (pfd[0].revents && recv(conn, &b, 1, 0) <= 0)
			break;
		if (pfd[2].revents) {
			uint64_t cnt;

			if (read(fh.quit_fd, &cnt, sizeof(cnt)) != sizeof(cnt) ||
			    fh.quit_val < 0 || fake_send(conn, fh.quit_val, -1) < 0)
				break;
		}
	}
	close(conn);
	return NULL;
}

static void
fake_start(void)
{
	ck_assert_int_eq(pthread_create(&fh.thread, NULL, fake_thread, NULL), 0);
	fh.started = 1;
}

/* Make the fake host leave: close the socket, or send quit_val. */
static void
fake_quit(void)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(fh.quit_fd, &one, sizeof(one)), sizeof(one));
}

static void
fake_teardown(void)
{
	char sock[160];

	if (fh.started) {
		fh.quit_val = -1;
		fake_quit();
		pthread_join(fh.thread, NULL);
	}
	snprintf(sock, sizeof(sock), "%s", fh.path);
	unlink(sock);
	rmdir(fh.dir);
}

/* Attach to the fake host with the default script. */
static struct netlib_ctx *
attach_ok(void)
{
	struct netlib_ctx *ctx;

	fake_start();
	ctx = netlib_attach(fh.path);
	ck_assert_msg(ctx != NULL, "attach failed: %s", netlib_last_error());
	return ctx;
}

static struct netlib_ctx *
attach_registered(void)
{
	struct netlib_ctx *ctx = attach_ok();

	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), (int)FAKE_INSTANCE);
	return ctx;
}

/* Host side that takes the TX ring's descriptors after a delay, noting
 * how many UNREGISTERs had arrived by then. */
struct late_drain {
	unsigned int delay_ms;
	int drained;
	unsigned int unregister_seen;
};

static void *
late_drain_thread(void *arg)
{
	struct late_drain *ld = arg;
	struct nfv_desc d[8];

	usleep(ld->delay_ms * 1000);
	ld->unregister_seen = __atomic_load_n(&fh.nunregister, __ATOMIC_ACQUIRE);
	ld->drained = nfv_ring_dequeue_burst(&fh.tx, d, 8);
	return NULL;
}

/* Host: put one descriptor on the NF's RX ring. */
static void
host_rx(uint32_t buf, uint16_t off, uint16_t len)
{
	struct nfv_desc d = {
		.buf = buf, .data_off = off, .data_len = len,
		.action = NFV_ACT_NEXT, .flow_hash = 0x1000 + buf,
	};

	ck_assert_int_eq(nfv_ring_enqueue_burst(&fh.rx, &d, 1), 1);
}

/* As host_rx(), allowing the NF @flags (NFV_DESC_DIRECT_MASK) direct hops. */
static void
host_rx_direct(uint32_t buf, uint8_t flags)
{
	struct nfv_desc d = {
		.buf = buf, .data_off = 128, .data_len = 64, .action = NFV_ACT_NEXT,
		.flags = flags, .flow_hash = 0x1000 + buf,
	};

	ck_assert_int_eq(nfv_ring_enqueue_burst(&fh.rx, &d, 1), 1);
}

static uint8_t *
host_buf(uint32_t buf)
{
	return fh.base + fh.hdr->buf_off + (uint64_t)buf * fh.hdr->buf_stride;
}

/* Host: buffers 0..@n-1 on the NF's RX ring, 60 bytes at offset 128 each,
 * the first byte its number (run_handler() drops the odd ones). */
static void
host_rx_numbered(uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		host_buf(i)[128] = (uint8_t)i;
		host_rx(i, 128, 60);
	}
}

static unsigned int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------ */
/* Region header checks: tests edit the header in place (fresh per test) */

static int
check_region(void)
{
	struct nfv_region_hdr out;

	return netlib_region_check(fh.base, fh.size, &out);
}

START_TEST(region_valid_accepted)
{
	struct nfv_region_hdr out;

	ck_assert_int_eq(netlib_region_check(fh.base, fh.size, &out), 0);
	ck_assert_uint_eq(out.nbufs, test_geom.nbufs);
	ck_assert_str_eq(out.domain_name, "unit");
}
END_TEST

START_TEST(region_bad_magic)
{
	fh.hdr->magic ^= 1;
	ck_assert_int_eq(check_region(), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "magic"));
}
END_TEST

START_TEST(region_bad_version)
{
	fh.hdr->abi_version = NFV_ABI_VERSION + 1;
	ck_assert_int_eq(check_region(), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(region_shorter_than_header)
{
	struct nfv_region_hdr out;

	ck_assert_int_eq(netlib_region_check(fh.base, NFV_REGION_HDR_SIZE - 1, &out),
			 -EMSGSIZE);
}
END_TEST

START_TEST(region_size_disagrees_with_mapping)
{
	struct nfv_region_hdr out;

	ck_assert_int_eq(netlib_region_check(fh.base, fh.size / 2, &out), -EMSGSIZE);
	fh.hdr->region_size = fh.size * 2;
	ck_assert_int_eq(check_region(), -EMSGSIZE);
}
END_TEST

START_TEST(region_layout_sizes_checked)
{
	fh.hdr->desc_size = sizeof(struct nfv_desc) + 8;
	ck_assert_int_eq(check_region(), -EPROTO);
	fh.hdr->desc_size = sizeof(struct nfv_desc);
	fh.hdr->ctl_msg_size = 32;
	ck_assert_int_eq(check_region(), -EPROTO);
	fh.hdr->ctl_msg_size = sizeof(struct nfv_ctl_msg);
	fh.hdr->ring_hdr_size = 64;
	ck_assert_int_eq(check_region(), -EPROTO);
}
END_TEST

START_TEST(region_ring_not_power_of_two)
{
	fh.hdr->ring_entries = 6;
	ck_assert_int_eq(check_region(), -EINVAL);
	fh.hdr->ring_entries = test_geom.ring_entries;
	fh.hdr->ctl_entries = 0;
	ck_assert_int_eq(check_region(), -EINVAL);
}
END_TEST

START_TEST(region_buffers_out_of_bounds)
{
	fh.hdr->nbufs = (uint32_t)(fh.size / fh.hdr->buf_stride);
	ck_assert_int_eq(check_region(), -ERANGE);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "out of bounds"));
}
END_TEST

START_TEST(region_offset_wraps)
{
	fh.hdr->buf_off = UINT64_MAX - 4095;
	ck_assert_int_eq(check_region(), -ERANGE);
}
END_TEST

START_TEST(region_rings_overlap_slots)
{
	fh.hdr->ring_off = fh.hdr->slot_off + sizeof(struct nfv_slot);
	ck_assert_int_eq(check_region(), -ERANGE);
}
END_TEST

START_TEST(region_huge_ring_area_rejected)
{
	/* nslots * 4 * ring_stride does not fit in 64 bits' worth of region. */
	fh.hdr->nslots = UINT32_MAX;
	fh.hdr->slot_size = sizeof(struct nfv_slot);
	ck_assert_int_eq(check_region(), -ERANGE);
}
END_TEST

START_TEST(region_ring_stride_too_small)
{
	fh.hdr->ring_stride = (uint32_t)nfv_ring_bytes(test_geom.ring_entries,
							   sizeof(struct nfv_desc)) - 8;
	ck_assert_int_eq(check_region(), -ERANGE);
}
END_TEST

START_TEST(region_misaligned_slots)
{
	fh.hdr->slot_off += 4;
	ck_assert_int_eq(check_region(), -EINVAL);
}
END_TEST

START_TEST(region_slot_rings_must_match_layout)
{
	uint64_t off[NFV_RINGS_PER_SLOT];
	uint32_t s = NFV_PEER_SLOT(NF_PEER);

	ck_assert_int_eq(netlib_slot_rings(fh.hdr, fh.base, s, off), 0);
	ck_assert_uint_eq(off[NFV_RING_TX],
			  (uint64_t)(ring_of(fh.base, fh.hdr, s, NFV_RING_TX) - fh.base));
	fh.slot->ring_off[NFV_RING_CTL] = fh.size - 64;
	ck_assert_int_eq(netlib_slot_rings(fh.hdr, fh.base, s, off), -ERANGE);
	ck_assert_int_eq(netlib_slot_rings(fh.hdr, fh.base, test_geom.nslots, off),
			 -ERANGE);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Attach protocol */

START_TEST(attach_reports_layout)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_info info;

	ck_assert_int_eq(netlib_ctx_info(ctx, &info), 0);
	ck_assert_uint_eq(info.peer_id, NF_PEER);
	ck_assert_uint_eq(info.slot, NFV_PEER_SLOT(NF_PEER));
	ck_assert_int_eq(info.instance_id, -1);
	ck_assert_uint_eq(info.nbufs, test_geom.nbufs);
	ck_assert_uint_eq(info.buf_size, test_geom.buf_stride);
	ck_assert_uint_eq(info.ring_entries, test_geom.ring_entries);
	ck_assert_uint_eq(info.ctl_entries, test_geom.ctl_entries);
	ck_assert_uint_eq(info.region_size, fh.size);
	ck_assert_str_eq(info.domain_name, "unit");
	netlib_detach(ctx);
}
END_TEST

START_TEST(attach_no_server)
{
	errno = 0;
	ck_assert_ptr_null(netlib_attach("/nonexistent/nfvisor.sock"));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "/nonexistent/nfvisor.sock"));
}
END_TEST

START_TEST(attach_path_too_long)
{
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	ck_assert_ptr_null(netlib_attach(path));
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(attach_wrong_protocol_version)
{
	fh.script[0].val = 1;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPROTONOSUPPORT);
}
END_TEST

START_TEST(attach_region_without_fd)
{
	fh.script[2].fd = -1;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPROTO);
}
END_TEST

START_TEST(attach_peer_id_zero)
{
	fh.script[1].val = 0;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPROTO);
}
END_TEST

START_TEST(attach_foreign_peer_announced)
{
	/* Star topology: a doorbell of a peer other than 0 is a bad setup. */
	fh.script[3].val = 9;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPROTO);
}
END_TEST

START_TEST(attach_server_hangs_up)
{
	fh.nscript = 2;
	fh.quit_val = -1;
	fake_start();
	fake_quit();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPIPE);
}
END_TEST

START_TEST(attach_setup_times_out)
{
	struct netlib_backend *be;

	fh.nscript = 3;
	fake_start();
	be = netlib_process_open(fh.path, 100);
	ck_assert_ptr_null(be);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "doorbells"));
}
END_TEST

START_TEST(attach_bad_region_rejected)
{
	fh.hdr->magic = 0x1122334455667788ull;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EBADMSG);
}
END_TEST

START_TEST(attach_region_of_departed_host)
{
	/* What a VM still maps after nfvisord shut down. */
	fh.hdr->magic = 0;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "has shut down"));
}
END_TEST

START_TEST(attach_peer_without_slot)
{
	script_default(test_geom.nslots + 1);
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(attach_leaks_no_fds)
{
	unsigned int before = count_fds();
	struct netlib_ctx *ctx;

	/* An unexpected descriptor on the version message gets closed too. */
	fh.script[0].fd = fh.quit_fd;
	ctx = attach_ok();
	netlib_detach(ctx);
	/* The fake host's connection closes once it sees ours close. */
	pthread_join(fh.thread, NULL);
	fh.started = 0;
	ck_assert_uint_eq(count_fds(), before);
}
END_TEST

START_TEST(attach_slot_not_served)
{
	fh.slot->state = NFV_SLOT_QUARANTINED;
	fake_start();
	ck_assert_ptr_null(netlib_attach(fh.path));
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "quarantined slot 1"));
}
END_TEST

START_TEST(attach_drops_stale_rx)
{
	struct netlib_ctx *ctx;
	struct netlib_pkt *p[8];
	uint32_t i;

	/* Left on the ring for a previous NF of this peer (a VM keeps its
	 * slot), already taken back by the host. */
	for (i = 0; i < 3; i++)
		host_rx(i, 128, 60);
	ctx = attach_ok();
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 0);
	host_rx(5, 128, 60);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 1);
	ck_assert_uint_eq(netlib_pkt_flow_hash(p[0]), 0x1005);
	netlib_detach(ctx);
}
END_TEST

START_TEST(attach_releases_stale_registration)
{
	struct netlib_ctx *ctx;
	struct netlib_pkt *p[8];

	/* A previous NF of this peer registered and was killed. */
	fh.slot->state = NFV_SLOT_RUNNING;
	host_rx(2, 128, 60);
	host_rx(3, 128, 60);
	ctx = attach_ok();
	ck_assert_uint_eq(fh.nunregister, 1);
	ck_assert_uint_eq(__atomic_load_n(&fh.slot->state, __ATOMIC_ACQUIRE),
			  NFV_SLOT_ATTACHED);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 0);
	ck_assert_int_eq(netlib_register(ctx, 5, "again"), (int)FAKE_INSTANCE);
	netlib_detach(ctx);
}
END_TEST

START_TEST(attach_release_lets_host_take_tx_first)
{
	struct late_drain ld = { .delay_ms = 30 };
	struct nfv_desc d = { .buf = 6, .data_off = 128, .data_len = 60,
			      .action = NFV_ACT_NEXT };
	struct nfv_ring tx_nf;
	struct netlib_ctx *ctx;
	pthread_t t;

	/* The killed NF handed a packet back that the host has not read. */
	fh.slot->state = NFV_SLOT_RUNNING;
	ck_assert_int_eq(nfv_ring_init(&tx_nf, fh.tx.shm, test_geom.ring_entries,
				       sizeof(d), 1), 0);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&tx_nf, &d, 1), 1);
	ck_assert_int_eq(pthread_create(&t, NULL, late_drain_thread, &ld), 0);
	ctx = attach_ok();
	pthread_join(t, NULL);
	ck_assert_int_eq(ld.drained, 1);
	ck_assert_uint_eq(ld.unregister_seen, 0);
	ck_assert_uint_eq(fh.nunregister, 1);
	netlib_detach(ctx);
}
END_TEST

START_TEST(attach_continues_ctl_sequence)
{
	struct nfv_ctl_msg stale = { .type = NFV_CTL_REPLY, .seq = 1 };
	struct nfv_ring_shm *ctl = fh.ctl.shm;
	struct netlib_ctx *ctx;

	/* A previous NF of this peer sent 5 requests; a reply to its first
	 * one is still on the reply ring. */
	__atomic_store_n(&ctl->prod, 5, __ATOMIC_RELAXED);
	__atomic_store_n(&ctl->cons, 5, __ATOMIC_RELAXED);
	fh.ctl.local = 5;
	stale.u.reply.status = -EIO;
	stale.u.reply.service_id = 5;
	ck_assert_int_eq(nfv_ring_enqueue_burst(&fh.ctl_reply, &stale, 1), 1);
	ctx = attach_ok();
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), (int)FAKE_INSTANCE);
	ck_assert_uint_eq(fh.last_reg.seq, 6);
	netlib_detach(ctx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Choice of backend by path, and finding a guest's device */

START_TEST(select_regular_file)
{
	char path[] = "/tmp/test_netlib.file.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	errno = 0;
	ck_assert_ptr_null(netlib_attach(path));
	ck_assert_int_eq(errno, ENOTSOCK);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), path));
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "/dev/nfv_ivshmem<N>"));
	unlink(path);
	ck_assert_ptr_null(netlib_attach("/tmp"));
	ck_assert_int_eq(errno, ENOTSOCK);
}
END_TEST

START_TEST(select_missing_device)
{
	errno = 0;
	ck_assert_ptr_null(netlib_attach("/dev/nfv_ivshmem_unit_missing"));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "/dev/nfv_ivshmem_unit_missing"));
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "nfv_ivshmem.ko"));
}
END_TEST

START_TEST(select_foreign_char_device)
{
	unsigned int before = count_fds();

	/* A character device goes to the VM backend, whose driver check
	 * turns anything but nfv_ivshmem away. */
	errno = 0;
	ck_assert_ptr_null(netlib_attach("/dev/null"));
	ck_assert_int_eq(errno, ENODEV);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "/dev/null is not an nfv_ivshmem device"));
	ck_assert_uint_eq(count_fds(), before);
}
END_TEST

START_TEST(select_vm_without_device)
{
	if (access(NETLIB_VM_DEV_DIR "/" NETLIB_VM_DEV_NAME "0", F_OK) == 0)
		return;	/* running in a guest: nothing to check here */
	errno = 0;
	ck_assert_ptr_null(netlib_attach(NETLIB_ATTACH_VM));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "nfv_ivshmem.ko"));
}
END_TEST

static char find_dir[64];

static void
find_setup(void)
{
	strcpy(find_dir, "/tmp/test_netlib.dev.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(find_dir));
}

static void
find_teardown(void)
{
	DIR *d = opendir(find_dir);
	struct dirent *e;
	char p[sizeof(find_dir) + sizeof(e->d_name) + 1];

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", find_dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(find_dir);
}

/* A fake device: a file of @size bytes, starting with the magic if asked. */
static void
fake_dev(const char *name, size_t size, int magic)
{
	uint64_t m = NFV_REGION_MAGIC;
	char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", find_dir, name);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	if (magic)
		ck_assert_int_eq(pwrite(fd, &m, sizeof(m), 0), sizeof(m));
	close(fd);
}

START_TEST(find_lowest_device_with_magic)
{
	char path[128], want[128];

	fake_dev("nfv_ivshmem0", 4096, 0);	/* not a region */
	fake_dev("nfv_ivshmem1", 0, 0);		/* empty */
	fake_dev("nfv_ivshmem12", 4096, 1);
	fake_dev("nfv_ivshmem3", 4096, 1);	/* the one */
	fake_dev("nfv_ivshmem02", 4096, 1);	/* not a device name */
	fake_dev("nfv_ivshmem2x", 4096, 1);
	fake_dev("nfv_ivshmem", 4096, 1);
	fake_dev("uio2", 4096, 1);
	ck_assert_int_eq(netlib_vm_find(find_dir, path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/nfv_ivshmem3", find_dir);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(netlib_vm_find(find_dir, path, 10), -ENAMETOOLONG);
}
END_TEST

START_TEST(find_no_region)
{
	char path[128];

	ck_assert_int_eq(netlib_vm_find(find_dir, path, sizeof(path)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "nfv_ivshmem.ko"));
	fake_dev("nfv_ivshmem0", 4096, 0);
	fake_dev("nfv_ivshmem1", 1, 0);
	ck_assert_int_eq(netlib_vm_find(find_dir, path, sizeof(path)), -ENODEV);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "none of the 2"));
	ck_assert_int_eq(netlib_vm_find("/nonexistent", path, sizeof(path)), -ENOENT);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Registration */

START_TEST(register_returns_instance)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_info info;

	ck_assert_int_eq(netlib_register(ctx, 5, "unit-nf"), (int)FAKE_INSTANCE);
	ck_assert_uint_eq(fh.last_reg.u.reg.service_id, 5);
	ck_assert_uint_eq(fh.last_reg.u.reg.pid, (uint32_t)getpid());
	ck_assert_str_eq(fh.last_reg.u.reg.name, "unit-nf");
	ck_assert_int_eq(netlib_ctx_info(ctx, &info), 0);
	ck_assert_int_eq(info.instance_id, (int)FAKE_INSTANCE);
	ck_assert_uint_eq(info.service_id, 5);
	netlib_detach(ctx);
}
END_TEST

START_TEST(flow_rules_encoded_for_the_host)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_flow f = { .ipv = 4, .proto = 17, .sport = 1028, .dport = 9,
				 .src = { 198, 18, 0, 5 }, .dst = { 198, 19, 0, 1 } };
	const uint16_t hops[] = { NETLIB_HOP_NF(3), NETLIB_HOP_PORT(1) };

	/* Not registered: refused here, nothing sent. */
	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, 2), -EPERM);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "netlib_register"));
	ck_assert_uint_eq(fh.nflow, 0);
	ck_assert_int_eq(netlib_register(ctx, 5, "unit-nf"), (int)FAKE_INSTANCE);

	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, 2), 0);
	ck_assert_uint_eq(fh.nflow, 1);
	ck_assert_uint_eq(fh.last_flow.type, NFV_CTL_FLOW_ADD);
	ck_assert_uint_eq(fh.last_flow.u.flow.ipv, 4);
	ck_assert_uint_eq(fh.last_flow.u.flow.proto, 17);
	ck_assert_uint_eq(ntohs(fh.last_flow.u.flow.sport), 1028);
	ck_assert_uint_eq(ntohs(fh.last_flow.u.flow.dport), 9);
	ck_assert_int_eq(memcmp(fh.last_flow.u.flow.src, f.src, 16), 0);
	ck_assert_uint_eq(fh.last_flow.u.flow.hop[0], NFV_HOP(NFV_HOP_NF, 3));
	ck_assert_uint_eq(fh.last_flow.u.flow.hop[1], NFV_HOP(NFV_HOP_PORT, 1));
	ck_assert_uint_eq(fh.last_flow.u.flow.hop[2], 0);

	ck_assert_int_eq(netlib_flow_del(ctx, &f), 0);
	ck_assert_uint_eq(fh.last_flow.type, NFV_CTL_FLOW_DEL);

	/* Refusals come back as the host's errno, with a line saying why. */
	fh.flow_status = -EEXIST;
	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, 2), -EEXIST);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "exists"));
	fh.flow_status = 0;

	/* Bad arguments never reach the host. */
	f.ipv = 5;
	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, 2), -EINVAL);
	f.ipv = 6;
	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, 0), -EINVAL);
	ck_assert_int_eq(netlib_flow_add(ctx, &f, hops, NETLIB_FLOW_MAX_HOPS + 1), -EINVAL);
	ck_assert_int_eq(netlib_flow_add(ctx, NULL, hops, 1), -EINVAL);
	ck_assert_uint_eq(fh.nflow, 3);
	netlib_detach(ctx);
}
END_TEST

START_TEST(register_refused)
{
	struct netlib_ctx *ctx;

	fh.reply_status = -EEXIST;
	ctx = attach_ok();
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), -EEXIST);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "refused"));
	netlib_detach(ctx);
}
END_TEST

START_TEST(register_times_out)
{
	struct netlib_ctx *ctx;

	fh.silent = 1;
	ctx = attach_ok();
	ctx->ctl_timeout_ms = 50;
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), -ETIMEDOUT);
	netlib_detach(ctx);
}
END_TEST

START_TEST(register_skips_stale_replies)
{
	struct nfv_ctl_msg stale = { .type = NFV_CTL_REPLY, .seq = 999 };
	struct netlib_ctx *ctx = attach_ok();

	stale.u.reply.status = -EIO;
	ck_assert_int_eq(nfv_ring_enqueue_burst(&fh.ctl_reply, &stale, 1), 1);
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), (int)FAKE_INSTANCE);
	netlib_detach(ctx);
}
END_TEST

START_TEST(register_checks_arguments)
{
	struct netlib_ctx *ctx = attach_ok();

	ck_assert_int_eq(netlib_register(ctx, 0, "unit"), -EINVAL);
	ck_assert_int_eq(netlib_register(ctx, NETLIB_SERVICE_MAX + 1, "unit"), -EINVAL);
	ck_assert_int_eq(netlib_register(ctx, 5, "a-name-that-is-longer-than-31-bytes"),
			 -ENAMETOOLONG);
	ck_assert_uint_eq(fh.nregister, 0);
	ck_assert_int_eq(netlib_register(ctx, 5, NULL), (int)FAKE_INSTANCE);
	ck_assert_int_eq(netlib_register(ctx, 5, NULL), -EALREADY);
	netlib_detach(ctx);
}
END_TEST

START_TEST(register_after_stop_is_interrupted)
{
	struct netlib_ctx *ctx;

	fh.silent = 1;
	ctx = attach_ok();
	netlib_stop(ctx);
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), -EINTR);
	netlib_detach(ctx);
}
END_TEST

START_TEST(detach_unregisters)
{
	struct netlib_ctx *ctx = attach_registered();

	netlib_detach(ctx);
	pthread_join(fh.thread, NULL);
	fh.started = 0;
	ck_assert_uint_eq(fh.nunregister, 1);
}
END_TEST

START_TEST(detach_lets_host_take_tx_first)
{
	struct late_drain ld = { .delay_ms = 30 };
	struct netlib_ctx *ctx = attach_registered();
	struct netlib_pkt *p;
	pthread_t t;

	host_rx(4, 128, 60);
	ck_assert_int_eq(netlib_rx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(pthread_create(&t, NULL, late_drain_thread, &ld), 0);
	netlib_detach(ctx);
	pthread_join(t, NULL);
	pthread_join(fh.thread, NULL);
	fh.started = 0;
	/* The descriptor was taken before the UNREGISTER was sent. */
	ck_assert_int_eq(ld.drained, 1);
	ck_assert_uint_eq(ld.unregister_seen, 0);
	ck_assert_uint_eq(fh.nunregister, 1);
}
END_TEST

START_TEST(detach_gives_up_waiting_for_tx)
{
	struct netlib_ctx *ctx = attach_registered();
	struct netlib_pkt *p;
	int64_t t0;

	host_rx(4, 128, 60);
	ck_assert_int_eq(netlib_rx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
	t0 = netlib_now_ms();
	netlib_detach(ctx);
	ck_assert_int_lt(netlib_now_ms() - t0, 3 * NETLIB_TX_SETTLE_MS);
	pthread_join(fh.thread, NULL);
	fh.started = 0;
	ck_assert_uint_eq(fh.nunregister, 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Packets and bursts */

/* Receive exactly one packet that the host put on buffer @buf. */
static struct netlib_pkt *
rx_one(struct netlib_ctx *ctx, uint32_t buf, uint16_t off, uint16_t len)
{
	struct netlib_pkt *p = NULL;

	host_rx(buf, off, len);
	ck_assert_int_eq(netlib_rx_burst(ctx, &p, 1), 1);
	return p;
}

START_TEST(pkt_data_is_the_buffer)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p;

	memcpy(host_buf(3) + 128, "hello", 5);
	p = rx_one(ctx, 3, 128, 5);
	ck_assert_mem_eq(netlib_pkt_data(p), "hello", 5);
	ck_assert_uint_eq(netlib_pkt_len(p), 5);
	ck_assert_uint_eq(netlib_pkt_flow_hash(p), 0x1003);
	ck_assert_int_eq(netlib_pkt_action(p), NETLIB_ACT_NEXT);
	/* Zero copy: writes through the handle land in the host's buffer. */
	memcpy(netlib_pkt_data(p), "HE", 2);
	ck_assert_mem_eq(host_buf(3) + 128, "HEllo", 5);
	netlib_detach(ctx);
}
END_TEST

START_TEST(pkt_prepend_limited_by_headroom)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 0, 128, 100);
	uint8_t *data = netlib_pkt_data(p);

	ck_assert_uint_eq(netlib_pkt_headroom(p), 128);
	ck_assert_ptr_null(netlib_pkt_prepend(p, 129));
	ck_assert_uint_eq(netlib_pkt_len(p), 100);
	ck_assert_uint_eq(netlib_pkt_headroom(p), 128);
	ck_assert_ptr_eq(netlib_pkt_prepend(p, 128), data - 128);
	ck_assert_uint_eq(netlib_pkt_len(p), 228);
	ck_assert_uint_eq(netlib_pkt_headroom(p), 0);
	ck_assert_ptr_null(netlib_pkt_prepend(p, 1));
	netlib_detach(ctx);
}
END_TEST

START_TEST(pkt_append_limited_by_buffer)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 1, 128, 100);
	uint32_t room = test_geom.buf_stride - 128 - 100;
	uint8_t *tail;

	ck_assert_uint_eq(netlib_pkt_tailroom(p), room);
	ck_assert_ptr_null(netlib_pkt_append(p, room + 1));
	ck_assert_uint_eq(netlib_pkt_len(p), 100);
	tail = netlib_pkt_append(p, room);
	ck_assert_ptr_eq(tail, (uint8_t *)netlib_pkt_data(p) + 100);
	ck_assert_uint_eq(netlib_pkt_tailroom(p), 0);
	ck_assert_ptr_null(netlib_pkt_append(p, 1));
	netlib_detach(ctx);
}
END_TEST

START_TEST(pkt_adj_and_trim_limited_by_length)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 2, 128, 100);
	uint8_t *data = netlib_pkt_data(p);

	ck_assert_ptr_null(netlib_pkt_adj(p, 101));
	ck_assert_int_eq(netlib_pkt_trim(p, 101), -EINVAL);
	ck_assert_uint_eq(netlib_pkt_len(p), 100);
	ck_assert_ptr_eq(netlib_pkt_adj(p, 14), data + 14);
	ck_assert_uint_eq(netlib_pkt_len(p), 86);
	ck_assert_uint_eq(netlib_pkt_headroom(p), 142);
	ck_assert_int_eq(netlib_pkt_trim(p, 86), 0);
	ck_assert_uint_eq(netlib_pkt_len(p), 0);
	netlib_detach(ctx);
}
END_TEST

START_TEST(pkt_set_action_checks_destination)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 2, 128, 100);

	ck_assert_int_eq(netlib_pkt_set_action(p, NETLIB_ACT_TONF, 0), -EINVAL);
	ck_assert_int_eq(netlib_pkt_set_action(p, NETLIB_ACT_TONF, 256), -EINVAL);
	ck_assert_int_eq(netlib_pkt_set_action(p, (enum netlib_action)NFV_ACT_INVALID, 0),
			 -EINVAL);
	ck_assert_int_eq(netlib_pkt_set_action(p, (enum netlib_action)NFV_ACT_MAX, 0),
			 -EINVAL);
	ck_assert_int_eq(netlib_pkt_action(p), NETLIB_ACT_NEXT);
	ck_assert_int_eq(netlib_pkt_set_action(p, NETLIB_ACT_OUT, 0), 0);
	ck_assert_int_eq(netlib_pkt_action(p), NETLIB_ACT_OUT);
	netlib_detach(ctx);
}
END_TEST

START_TEST(rx_skips_bad_descriptors)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[8];
	struct netlib_stats st;
	struct nfv_desc d[8];

	host_rx(4, 128, 60);
	host_rx(test_geom.nbufs, 128, 60);		/* no such buffer */
	host_rx(UINT32_MAX, 0, 0);			/* no such buffer */
	host_rx(5, 2000, 49);				/* ends past the buffer */
	host_rx(6, UINT16_MAX, UINT16_MAX);		/* wraps in 16 bits */
	host_rx(7, 0, (uint16_t)test_geom.buf_stride);	/* exactly fits */
	host_rx(4, 128, 60);				/* a buffer it holds */
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 2);
	ck_assert_ptr_eq(netlib_pkt_data(p[0]), (uint8_t *)netlib_pkt_data(p[1]) -
			 3 * test_geom.buf_stride + 128);
	ck_assert_uint_eq(netlib_pkt_len(p[1]), test_geom.buf_stride);
	ck_assert_int_eq(netlib_stats(ctx, &st), 0);
	ck_assert_uint_eq(st.rx_pkts, 2);
	ck_assert_uint_eq(st.rx_invalid, 5);
	ck_assert_uint_eq(fh.slot->nf_rx_pkts, 2);
	/* Buffers 5 and 6 are ours: they go back as drops before the next
	 * burst, not kept lent (a buffer index out of range names nothing),
	 * and do not count as the NF's own traffic. */
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 0);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 8), 2);
	ck_assert_uint_eq(d[0].buf, 5);
	ck_assert_uint_eq(d[1].buf, 6);
	ck_assert_uint_eq(d[0].action, NFV_ACT_DROP);
	ck_assert_uint_eq(d[1].action, NFV_ACT_DROP);
	ck_assert_uint_eq(d[0].data_len, 0);
	ck_assert_int_eq(netlib_stats(ctx, &st), 0);
	ck_assert_uint_eq(st.tx_pkts, 0);
	ck_assert_uint_eq(st.drop_pkts, 0);
	netlib_detach(ctx);
}
END_TEST

START_TEST(rx_corrupt_index)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[8];

	__atomic_store_n(&((struct nfv_ring_shm *)fh.rx.shm)->prod,
			 test_geom.ring_entries + 1, __ATOMIC_RELEASE);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), -EPROTO);
	netlib_detach(ctx);
}
END_TEST

START_TEST(tx_writes_descriptors)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 9, 128, 100);
	struct nfv_desc d;

	ck_assert_ptr_nonnull(netlib_pkt_prepend(p, 4));
	ck_assert_int_eq(netlib_pkt_set_action(p, NETLIB_ACT_TONF, 12), 0);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, &d, 1), 1);
	ck_assert_uint_eq(d.buf, 9);
	ck_assert_uint_eq(d.data_off, 124);
	ck_assert_uint_eq(d.data_len, 104);
	ck_assert_uint_eq(d.action, NFV_ACT_TONF);
	ck_assert_uint_eq(d.dest, 12);
	ck_assert_uint_eq(d.flags, 0);
	ck_assert_uint_eq(fh.slot->nf_tx_pkts, 1);
	netlib_detach(ctx);
}
END_TEST

/* A handle handed back twice, or not one of the context's, is taken but
 * ignored and counted: the second descriptor could otherwise send the
 * next packet that reuses the buffer. */
START_TEST(tx_refuses_handles_not_held)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 5, 128, 64);
	struct netlib_pkt *twice[2] = { p, p };
	struct netlib_pkt other = { 0 };
	struct netlib_pkt *bad = &other;
	struct netlib_stats st;
	struct nfv_desc d[4];

	ck_assert_int_eq(netlib_tx_burst(ctx, twice, 2), 2);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(netlib_tx_burst(ctx, &bad, 1), 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 4), 1);
	ck_assert_uint_eq(d[0].buf, 5);
	ck_assert_int_eq(netlib_stats(ctx, &st), 0);
	ck_assert_uint_eq(st.tx_pkts, 1);
	ck_assert_uint_eq(st.tx_refused, 3);
	ck_assert_uint_eq(fh.slot->nf_tx_pkts, 1);
	/* Received again, it may go back again. */
	p = rx_one(ctx, 5, 128, 64);
	/* Not from inside a handle, though. */
	bad = (struct netlib_pkt *)((uint8_t *)p + 4);
	ck_assert_int_eq(netlib_tx_burst(ctx, &bad, 1), 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 4), 0);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 4), 1);
	netlib_detach(ctx);
}
END_TEST

START_TEST(tx_honours_full_ring)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[12];
	struct nfv_desc d[3];
	uint32_t i;

	for (i = 0; i < 8; i++)
		host_rx(i, 128, 64);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 8), 8);
	for (i = 8; i < 12; i++)
		host_rx(i, 128, 64);
	ck_assert_int_eq(netlib_rx_burst(ctx, p + 8, 4), 4);

	ck_assert_int_eq(netlib_tx_burst(ctx, p, 12), (int)test_geom.ring_entries);
	ck_assert_int_eq(netlib_tx_burst(ctx, p + 8, 4), 0);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 3), 3);
	ck_assert_int_eq(netlib_tx_burst(ctx, p + 8, 4), 3);
	ck_assert_int_eq(netlib_tx_burst(ctx, p + 11, 1), 0);
	netlib_detach(ctx);
}
END_TEST

START_TEST(tx_corrupt_index)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p = rx_one(ctx, 0, 128, 64);

	/* A consumer index ahead of what was produced. */
	__atomic_store_n(&((struct nfv_ring_shm *)fh.tx.shm)->cons, 5, __ATOMIC_RELEASE);
	ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), -EPROTO);
	netlib_detach(ctx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Direct handoff (nfvisord --direct): PEER rings */

#define LINKED_SLOT 3u		/* the NF our slot is linked to */

/* The consumer's view of slot @s's PEER ring. */
static void
peer_view(struct nfv_ring *r, uint32_t s, int producer)
{
	ck_assert_int_eq(nfv_ring_init(r, ring_of(fh.base, fh.hdr, s, NFV_RING_PEER),
				       test_geom.ring_entries, sizeof(struct nfv_desc), producer), 0);
}

START_TEST(direct_goes_to_linked_peer)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[4];
	struct nfv_ring peer;
	struct nfv_desc d[4];

	peer_view(&peer, LINKED_SLOT, 0);
	fh.slot->direct_next = LINKED_SLOT + 1;
	host_rx_direct(1, 2);		/* two more hops allowed: goes on, 1 left */
	host_rx_direct(2, 0);		/* none: back to the host */
	host_rx_direct(3, 1);		/* allowed, but the NF drops it */
	host_rx_direct(4, 1);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 4), 4);
	ck_assert_int_eq(netlib_pkt_set_action(p[2], NETLIB_ACT_DROP, 0), 0);
	ck_assert_int_eq(netlib_tx_burst(ctx, p, 4), 4);

	ck_assert_int_eq(nfv_ring_dequeue_burst(&peer, d, 4), 2);
	ck_assert_uint_eq(d[0].buf, 1);
	ck_assert_uint_eq(d[0].flags, 1);
	ck_assert_uint_eq(d[0].action, NFV_ACT_NEXT);
	ck_assert_uint_eq(d[0].flow_hash, 0x1001);
	ck_assert_uint_eq(d[1].buf, 4);
	ck_assert_uint_eq(d[1].flags, 0);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 4), 2);
	ck_assert_uint_eq(d[0].buf, 2);
	ck_assert_uint_eq(d[0].flags, 0);
	ck_assert_uint_eq(d[1].buf, 3);
	ck_assert_uint_eq(d[1].action, NFV_ACT_DROP);
	ck_assert_uint_eq(d[1].flags, 0);
	netlib_detach(ctx);
}
END_TEST

/* No link, a link to ourselves or to no slot: everything to the host. */
START_TEST(direct_needs_a_valid_link)
{
	static const uint32_t links[] = { 0, NFV_PEER_SLOT(NF_PEER) + 1, 4 + 1, UINT32_MAX };
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p;
	struct nfv_desc d;
	unsigned int i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		fh.slot->direct_next = links[i];
		p = NULL;
		host_rx_direct(i, 3);
		ck_assert_int_eq(netlib_rx_burst(ctx, &p, 1), 1);
		ck_assert_int_eq(netlib_tx_burst(ctx, &p, 1), 1);
		ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, &d, 1), 1);
		ck_assert_uint_eq(d.buf, i);
	}
	netlib_detach(ctx);
}
END_TEST

/* A full PEER ring: the packet goes by the host instead, order kept. */
START_TEST(direct_full_peer_falls_back_to_host)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[8];
	struct nfv_ring up, peer;
	struct nfv_desc fill = { .buf = 15, .data_off = 128, .data_len = 64 }, d[8];
	uint32_t i;

	peer_view(&up, LINKED_SLOT, 1);
	peer_view(&peer, LINKED_SLOT, 0);
	for (i = 0; i < test_geom.ring_entries - 2; i++)
		ck_assert_int_eq(nfv_ring_enqueue_burst(&up, &fill, 1), 1);
	fh.slot->direct_next = LINKED_SLOT + 1;
	for (i = 0; i < 5; i++)
		host_rx_direct(i, 1);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 5), 5);
	ck_assert_int_eq(netlib_tx_burst(ctx, p, 5), 5);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&peer, d, 8), (int)test_geom.ring_entries);
	ck_assert_uint_eq(d[6].buf, 0);
	ck_assert_uint_eq(d[7].buf, 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 8), 3);
	ck_assert_uint_eq(d[0].buf, 2);
	ck_assert_uint_eq(d[2].buf, 4);
	netlib_detach(ctx);
}
END_TEST

/* What the NF before us handed over comes first, with its hops left; bad
 * entries on the PEER ring are skipped like bad RX entries. */
START_TEST(rx_takes_peer_ring_first)
{
	struct netlib_ctx *ctx = attach_ok();
	struct netlib_pkt *p[4];
	struct nfv_ring up;
	struct nfv_desc in[2] = {
		{ .buf = 7, .data_off = 128, .data_len = 64, .action = NFV_ACT_NEXT, .flags = 1 },
		{ .buf = 99, .data_off = 128, .data_len = 64 },
	};
	struct nfv_desc d;
	struct netlib_stats st;

	peer_view(&up, NFV_PEER_SLOT(NF_PEER), 1);
	host_buf(7)[128] = 0x77;
	host_buf(2)[128] = 0x22;
	host_rx_direct(2, 0);
	ck_assert_int_eq(nfv_ring_enqueue_burst(&up, in, 2), 2);
	ck_assert_int_eq(netlib_rx_burst(ctx, p, 4), 2);
	ck_assert_uint_eq(((uint8_t *)netlib_pkt_data(p[0]))[0], 0x77);
	ck_assert_uint_eq(((uint8_t *)netlib_pkt_data(p[1]))[0], 0x22);
	ck_assert_int_eq(netlib_stats(ctx, &st), 0);
	ck_assert_uint_eq(st.rx_invalid, 1);
	/* Its hop left goes nowhere without a link. */
	ck_assert_int_eq(netlib_tx_burst(ctx, p, 1), 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, &d, 1), 1);
	ck_assert_uint_eq(d.buf, 7);
	ck_assert_uint_eq(d.flags, 0);
	netlib_detach(ctx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Run loop */

struct run_state {
	struct netlib_ctx *ctx;
	unsigned int seen;
	unsigned int stop_after;
	int ret;
};

/* Odd buffers are dropped, even ones go out of port 3. */
static void
run_handler(struct netlib_ctx *ctx, struct netlib_pkt *pkt, void *arg)
{
	struct run_state *rs = arg;

	if (((uint8_t *)netlib_pkt_data(pkt))[0] & 1)
		netlib_pkt_set_action(pkt, NETLIB_ACT_DROP, 0);
	else
		netlib_pkt_set_action(pkt, NETLIB_ACT_OUT, 3);
	if (++rs->seen == rs->stop_after)
		netlib_stop(ctx);
}

static void *
run_thread(void *arg)
{
	struct run_state *rs = arg;

	rs->ret = netlib_run(rs->ctx, run_handler, rs);
	return NULL;
}

/* Wait (bounded) until the NF says it sleeps. */
static int
wait_sleeping(void)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (__atomic_load_n(&fh.slot->sleeping, __ATOMIC_ACQUIRE))
			return 1;
		usleep(1000);
	}
	return 0;
}

START_TEST(run_requires_registration)
{
	struct netlib_ctx *ctx = attach_ok();

	ck_assert_int_eq(netlib_run(ctx, run_handler, NULL), -EINVAL);
	netlib_detach(ctx);
}
END_TEST

START_TEST(run_returns_every_packet_with_its_action)
{
	struct run_state rs = { .stop_after = 5 };
	struct netlib_stats st;
	struct nfv_desc d[8];
	uint32_t i;

	rs.ctx = attach_registered();
	host_rx_numbered(5);
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), 0);
	ck_assert_uint_eq(rs.seen, 5);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, 8), 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(d[i].buf, i);
		ck_assert_uint_eq(d[i].action, i & 1 ? NFV_ACT_DROP : NFV_ACT_OUT);
		ck_assert_uint_eq(d[i].dest, i & 1 ? 0 : 3);
	}
	ck_assert_int_eq(netlib_stats(rs.ctx, &st), 0);
	ck_assert_uint_eq(st.rx_pkts, 5);
	ck_assert_uint_eq(st.tx_pkts, 5);
	ck_assert_uint_eq(st.drop_pkts, 2);
	ck_assert_uint_eq(fh.slot->nf_rx_pkts, 5);
	ck_assert_uint_eq(fh.slot->nf_tx_pkts, 5);
	netlib_detach(rs.ctx);
}
END_TEST

/* run_handler()'s actions for a whole burst; records the burst sizes. */
struct burst_state {
	struct run_state rs;
	unsigned int bursts;
	unsigned int biggest;
	unsigned int order_ok;	/* each burst in ring order */
};

static void
burst_handler(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts, unsigned int n, void *arg)
{
	struct burst_state *bs = arg;
	unsigned int i;

	bs->bursts++;
	if (n > bs->biggest)
		bs->biggest = n;
	for (i = 1; i < n; i++)
		if (netlib_pkt_data(pkts[i]) <= netlib_pkt_data(pkts[i - 1]))
			bs->order_ok = 0;
	for (i = 0; i < n; i++)
		run_handler(ctx, pkts[i], &bs->rs);
}

START_TEST(run_burst_requires_handler_and_registration)
{
	struct netlib_ctx *ctx = attach_ok();

	ck_assert_int_eq(netlib_run_burst(ctx, burst_handler, NULL), -EINVAL);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "netlib_run_burst"));
	netlib_detach(ctx);
	ctx = attach_registered();
	ck_assert_int_eq(netlib_run_burst(ctx, NULL, NULL), -EINVAL);
	netlib_detach(ctx);
}
END_TEST

/* A full RX ring waiting: the handler sees it as one burst, in ring
 * order, and every packet goes back with the action it set. */
START_TEST(run_burst_returns_every_packet_with_its_action)
{
	enum { N = 8 };	/* test_geom's ring_entries */
	struct burst_state bs = { .rs = { .stop_after = N }, .order_ok = 1 };
	struct netlib_stats st;
	struct nfv_desc d[N + 1];
	uint32_t i;

	bs.rs.ctx = attach_registered();
	host_rx_numbered(N);
	ck_assert_int_eq(netlib_run_burst(bs.rs.ctx, burst_handler, &bs), 0);
	ck_assert_uint_eq(bs.rs.seen, N);
	ck_assert_uint_eq(bs.bursts, 1);
	ck_assert_uint_eq(bs.biggest, N);
	ck_assert_uint_eq(bs.order_ok, 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, N + 1), N);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(d[i].buf, i);
		ck_assert_uint_eq(d[i].action, i & 1 ? NFV_ACT_DROP : NFV_ACT_OUT);
		ck_assert_uint_eq(d[i].dest, i & 1 ? 0 : 3);
	}
	ck_assert_int_eq(netlib_stats(bs.rs.ctx, &st), 0);
	ck_assert_uint_eq(st.rx_pkts, N);
	ck_assert_uint_eq(st.tx_pkts, N);
	ck_assert_uint_eq(st.drop_pkts, N / 2);
	netlib_detach(bs.rs.ctx);
}
END_TEST

/* Whether /proc/cpuinfo lists PREFETCHW ("3dnowprefetch"): 1, 0, or -1
 * where it cannot say (not x86, no /proc). */
static int
cpuinfo_has_prefetchw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	char line[4096];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int has = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0) {
			has = strstr(line, " 3dnowprefetch") != NULL;
			break;
		}
	fclose(f);
	return has;
#else
	return -1;
#endif
}

/* Every prefetch mode receives the same packets intact; WRITE is taken
 * where the CPU has PREFETCHW and falls back to READ elsewhere; other
 * nonzero values read.  A loop test: _i indexes prefetch_modes. */
static const int prefetch_modes[] = { NETLIB_PREFETCH_OFF, NETLIB_PREFETCH_READ,
				      NETLIB_PREFETCH_WRITE, 7 };

START_TEST(run_burst_in_every_prefetch_mode)
{
	enum { N = 8 };	/* test_geom's ring_entries */
	struct burst_state bs = { .rs = { .stop_after = N }, .order_ok = 1 };
	const int mode = prefetch_modes[_i];
	int has = cpuinfo_has_prefetchw();
	struct nfv_desc d[N + 1];
	uint32_t i;

	bs.rs.ctx = attach_registered();
	ck_assert_int_eq(bs.rs.ctx->prefetch, NETLIB_PREFETCH_READ);	/* the default */
	netlib_set_prefetch(bs.rs.ctx, mode);
	if (mode == NETLIB_PREFETCH_OFF || mode == NETLIB_PREFETCH_READ)
		ck_assert_int_eq(bs.rs.ctx->prefetch, mode);
	else if (mode != NETLIB_PREFETCH_WRITE)
		ck_assert_int_eq(bs.rs.ctx->prefetch, NETLIB_PREFETCH_READ);
	else if (has >= 0)
		ck_assert_int_eq(bs.rs.ctx->prefetch,
				 has ? NETLIB_PREFETCH_WRITE : NETLIB_PREFETCH_READ);
	else
		ck_assert(bs.rs.ctx->prefetch == NETLIB_PREFETCH_WRITE ||
			  bs.rs.ctx->prefetch == NETLIB_PREFETCH_READ);
	host_rx_numbered(N);
	ck_assert_int_eq(netlib_run_burst(bs.rs.ctx, burst_handler, &bs), 0);
	ck_assert_uint_eq(bs.rs.seen, N);
	ck_assert_uint_eq(bs.order_ok, 1);
	ck_assert_int_eq(nfv_ring_dequeue_burst(&fh.tx, d, N + 1), N);
	for (i = 0; i < N; i++) {
		ck_assert_uint_eq(d[i].buf, i);
		ck_assert_uint_eq(d[i].action, i & 1 ? NFV_ACT_DROP : NFV_ACT_OUT);
		ck_assert_uint_eq(host_buf(i)[128], (uint8_t)i);
	}
	netlib_detach(bs.rs.ctx);
}
END_TEST

START_TEST(run_sleeps_and_wakes_on_doorbell)
{
	struct run_state rs = { .stop_after = 1 };
	struct pollfd pfd;
	pthread_t t;
	uint64_t one = 1;
	int rang = 0;

	rs.ctx = attach_registered();
	ck_assert_int_eq(pthread_create(&t, NULL, run_thread, &rs), 0);
	ck_assert_msg(wait_sleeping(), "the idle NF never set sleeping");
	host_rx(0, 128, 60);
	/* Host side of the sleep protocol: publish, full fence, read
	 * sleeping, ring if set.  Only an NF that just woke up on its own
	 * (100 ms timeout, microseconds ago) reads 0 here. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&fh.slot->sleeping, __ATOMIC_RELAXED)) {
		ck_assert_int_eq(write(fh.nf_db[NFV_VEC_DATA], &one, sizeof(one)),
				 sizeof(one));
		rang = 1;
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(rs.ret, 0);
	ck_assert_uint_eq(rs.seen, 1);
	ck_assert_uint_eq(fh.slot->sleeping, 0);
	/* The NF consumed the doorbell it slept on. */
	pfd = (struct pollfd){ .fd = fh.nf_db[NFV_VEC_DATA], .events = POLLIN };
	if (rang)
		ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	netlib_detach(rs.ctx);
}
END_TEST

/*
 * Each sleep stores a value of its own in `sleeping`, so nfvisord can ring
 * every sleep once: a doorbell that finds nothing to do (as one left over
 * from an earlier sleep does) ends a sleep, and the next one is told apart.
 */
START_TEST(run_each_sleep_has_its_own_value)
{
	struct run_state rs = { 0 };
	uint32_t v1, v2 = 0;
	uint64_t one = 1;
	pthread_t t;
	int i;

	rs.ctx = attach_registered();
	ck_assert_int_eq(pthread_create(&t, NULL, run_thread, &rs), 0);
	ck_assert(wait_sleeping());
	v1 = __atomic_load_n(&fh.slot->sleeping, __ATOMIC_ACQUIRE);
	ck_assert_int_eq(write(fh.nf_db[NFV_VEC_DATA], &one, sizeof(one)), sizeof(one));
	for (i = 0; i < 2000; i++) {
		v2 = __atomic_load_n(&fh.slot->sleeping, __ATOMIC_ACQUIRE);
		if (v2 != 0 && v2 != v1)
			break;
		usleep(1000);
	}
	ck_assert_uint_ne(v1, 0);
	ck_assert_uint_ne(v2, 0);
	ck_assert_uint_ne(v2, v1);
	netlib_stop(rs.ctx);
	pthread_join(t, NULL);
	ck_assert_int_eq(rs.ret, 0);
	ck_assert_uint_eq(rs.seen, 0);
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(run_stop_wakes_sleeping_loop)
{
	struct run_state rs = { 0 };
	pthread_t t;

	rs.ctx = attach_registered();
	ck_assert_int_eq(pthread_create(&t, NULL, run_thread, &rs), 0);
	ck_assert(wait_sleeping());
	netlib_stop(rs.ctx);
	pthread_join(t, NULL);
	ck_assert_int_eq(rs.ret, 0);
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(run_host_closes_socket)
{
	struct run_state rs = { 0 };

	rs.ctx = attach_registered();
	fake_quit();
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), -EPIPE);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "nfvisord"));
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(run_host_peer_left)
{
	struct run_state rs = { 0 };

	rs.ctx = attach_registered();
	fh.quit_val = NFV_HOST_PEER_ID;
	fake_quit();
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), -EPIPE);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "peer 0"));
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(run_other_peer_left_is_ignored)
{
	struct run_state rs = { .stop_after = 1 };
	pthread_t t;
	uint64_t one = 1;

	rs.ctx = attach_registered();
	ck_assert_int_eq(pthread_create(&t, NULL, run_thread, &rs), 0);
	ck_assert(wait_sleeping());
	fh.quit_val = 9;
	fake_quit();
	usleep(20000);
	host_rx(0, 128, 60);
	ck_assert_int_eq(write(fh.nf_db[NFV_VEC_DATA], &one, sizeof(one)), sizeof(one));
	pthread_join(t, NULL);
	ck_assert_int_eq(rs.ret, 0);
	ck_assert_uint_eq(rs.seen, 1);
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(run_corrupt_rx_index)
{
	struct run_state rs = { 0 };

	rs.ctx = attach_registered();
	__atomic_store_n(&((struct nfv_ring_shm *)fh.rx.shm)->prod,
			 test_geom.ring_entries * 3, __ATOMIC_RELEASE);
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), -EPROTO);
	netlib_detach(rs.ctx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Liveness through the region: how an NF in a VM sees nfvisord leave */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run on a registered context after @change; expect -EPIPE saying @why. */
static void
run_until_host_gone(void (*change)(void), const char *why)
{
	struct run_state rs = { 0 };

	rs.ctx = attach_registered();
	ck_assert_int_eq(netlib_host_check(rs.ctx), 0);
	change();
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), -EPIPE);
	ck_assert_msg(strstr(netlib_last_error(), why) != NULL,
		      "'%s' does not say '%s'", netlib_last_error(), why);
	/* Sticky, and nothing is sent to a host that is gone. */
	ck_assert_int_eq(netlib_host_check(rs.ctx), -EPIPE);
	netlib_detach(rs.ctx);
	pthread_join(fh.thread, NULL);
	fh.started = 0;
	ck_assert_uint_eq(fh.nunregister, 0);
}

static void
bump_generation(void)
{
	fh.slot->generation++;
}

/* What nfvisord --direct does when an NF linked with ours left. */
static void
reset_by_group(void)
{
	fh.slot->why = NFV_WHY_GROUP;
	fh.slot->generation++;
	fh.slot->state = NFV_SLOT_ATTACHED;
}

static void
clear_magic(void)
{
	__atomic_store_n(&fh.hdr->magic, 0, __ATOMIC_RELEASE);
}

static void
quarantine_slot(void)
{
	fh.slot->state = NFV_SLOT_QUARANTINED;
}

static void
free_slot(void)
{
	fh.slot->state = NFV_SLOT_FREE;
}

static void
close_slot(void)
{
	fh.slot->state = NFV_SLOT_CLOSING;
}

START_TEST(live_slot_reused)
{
	run_until_host_gone(bump_generation, "reclaimed slot 1");
}
END_TEST

START_TEST(live_group_reset_says_why)
{
	run_until_host_gone(reset_by_group, "linked NFs share fate");
}
END_TEST

/* Buffers waiting on the RX ring when the host resets the slot's group:
 * the host frees them soon after (nfv_group_reset()), so NetLib hands none
 * of them to the handler, however busy it is. */
START_TEST(live_group_reset_stops_before_next_burst)
{
	struct run_state rs = { 0 };
	uint32_t b;

	rs.ctx = attach_registered();
	for (b = 0; b < 4; b++)
		host_rx(b * 2, 128, 64);
	reset_by_group();
	ck_assert_int_eq(netlib_run(rs.ctx, run_handler, &rs), -EPIPE);
	ck_assert_uint_eq(rs.seen, 0);
	ck_assert_msg(strstr(netlib_last_error(), "linked NFs share fate") != NULL,
		      "'%s' does not say why", netlib_last_error());
	netlib_detach(rs.ctx);
	pthread_join(fh.thread, NULL);
	fh.started = 0;
}
END_TEST

START_TEST(live_region_cleared)
{
	run_until_host_gone(clear_magic, "cleared the region's header");
}
END_TEST

START_TEST(live_slot_quarantined)
{
	run_until_host_gone(quarantine_slot, "quarantined slot 1");
}
END_TEST

START_TEST(live_slot_freed)
{
	run_until_host_gone(free_slot, "state free");
}
END_TEST

START_TEST(live_slot_closing)
{
	run_until_host_gone(close_slot, "state closing");
}
END_TEST

START_TEST(live_sleeping_loop_notices)
{
	struct run_state rs = { 0 };
	int64_t t0, waited;
	pthread_t t;

	rs.ctx = attach_registered();
	ck_assert_int_eq(pthread_create(&t, NULL, run_thread, &rs), 0);
	ck_assert(wait_sleeping());
	/* No doorbell, no socket event: only the region changes. */
	t0 = mono_ms();
	bump_generation();
	pthread_join(t, NULL);
	waited = mono_ms() - t0;
	ck_assert_int_eq(rs.ret, -EPIPE);
	ck_assert_msg(waited < 3 * NETLIB_SLEEP_MS, "noticed after %lld ms",
		      (long long)waited);
	netlib_detach(rs.ctx);
}
END_TEST

START_TEST(live_register_notices)
{
	struct netlib_ctx *ctx;

	fh.silent = 1;
	ctx = attach_ok();
	clear_magic();
	ck_assert_int_eq(netlib_register(ctx, 5, "unit"), -EPIPE);
	ck_assert_ptr_nonnull(strstr(netlib_last_error(), "nfvisord left"));
	netlib_detach(ctx);
}
END_TEST

START_TEST(live_unregistered_slot_is_served)
{
	struct netlib_ctx *ctx = attach_registered();

	/* Back to attached after our own UNREGISTER: still served. */
	fh.slot->state = NFV_SLOT_ATTACHED;
	ck_assert_int_eq(netlib_host_check(ctx), 0);
	netlib_detach(ctx);
}
END_TEST

/* ------------------------------------------------------------------ */
/* nfv-rewrite's header rewrite */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xbb };

/* RFC 1071 checksum over @len bytes (even). */
static uint16_t
full_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t
frame_eth(uint8_t *f, uint16_t type)
{
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

/* An IPv4 frame with a valid header checksum; returns its length. */
static size_t
frame_ipv4(uint8_t *f, uint8_t ttl, uint8_t proto, uint32_t seed)
{
	uint8_t *ip = f + frame_eth(f, 0x0800);
	uint16_t c;
	int i;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = 0;
	ip[3] = 60;
	ip[4] = (uint8_t)(seed >> 8);
	ip[5] = (uint8_t)seed;
	ip[8] = ttl;
	ip[9] = proto;
	for (i = 0; i < 8; i++)
		ip[12 + i] = (uint8_t)(seed * 2654435761u >> (i * 3));
	c = full_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	return 14 + 60;
}

START_TEST(csum_rfc1624_example)
{
	/* RFC 1624 section 4: m 0x5555 -> 0x3285, other words sum 0xCD7A. */
	ck_assert_uint_eq(nfv_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}
END_TEST

START_TEST(ttl_checksum_matches_full_recomputation)
{
	uint8_t f[128];
	unsigned int ttl, proto;

	for (ttl = 2; ttl <= 255; ttl++) {
		for (proto = 0; proto <= 255; proto++) {
			size_t len = frame_ipv4(f, (uint8_t)ttl, (uint8_t)proto,
						ttl * 256 + proto);
			uint8_t *ip = f + 14;
			uint16_t got, want;

			ck_assert_int_eq(nfv_rewrite(f, (uint32_t)len, NFV_REWRITE_TTL),
					 NFV_REWRITE_FORWARD);
			ck_assert_uint_eq(ip[8], ttl - 1);
			got = (uint16_t)(ip[10] << 8 | ip[11]);
			ip[10] = ip[11] = 0;
			want = full_csum(ip, 20);
			ck_assert_msg(got == want, "ttl %u proto %u: 0x%04x != 0x%04x",
				      ttl, proto, got, want);
		}
	}
}
END_TEST

START_TEST(ttl_expiring_packet_dropped_unchanged)
{
	uint8_t f[128], orig[128];
	size_t len;
	unsigned int ttl;

	for (ttl = 0; ttl <= 1; ttl++) {
		len = frame_ipv4(f, (uint8_t)ttl, 17, 1);
		memcpy(orig, f, len);
		ck_assert_int_eq(nfv_rewrite(f, (uint32_t)len,
					     NFV_REWRITE_TTL | NFV_REWRITE_MAC_SWAP),
				 NFV_REWRITE_EXPIRED);
		ck_assert_mem_eq(f, orig, len);
	}
}
END_TEST

START_TEST(ipv6_hop_limit)
{
	uint8_t f[14 + 40] = { 0 };
	uint8_t *ip = f + frame_eth(f, 0x86dd);

	ip[0] = 0x60;
	ip[7] = 64;
	ck_assert_int_eq(nfv_rewrite(f, sizeof(f), NFV_REWRITE_TTL), NFV_REWRITE_FORWARD);
	ck_assert_uint_eq(ip[7], 63);
	ck_assert_mem_eq(f, mac_a, 6);
	ip[7] = 1;
	ck_assert_int_eq(nfv_rewrite(f, sizeof(f), NFV_REWRITE_TTL), NFV_REWRITE_EXPIRED);
	ck_assert_uint_eq(ip[7], 1);
}
END_TEST

START_TEST(mac_swap_only_leaves_ttl)
{
	uint8_t f[128];
	size_t len = frame_ipv4(f, 64, 6, 7);

	ck_assert_int_eq(nfv_rewrite(f, (uint32_t)len, NFV_REWRITE_MAC_SWAP),
			 NFV_REWRITE_FORWARD);
	ck_assert_mem_eq(f, mac_b, 6);
	ck_assert_mem_eq(f + 6, mac_a, 6);
	ck_assert_uint_eq(f[14 + 8], 64);
}
END_TEST

START_TEST(non_ip_gets_only_mac_swap)
{
	uint8_t f[60] = { 0 };
	uint8_t orig[60];

	frame_eth(f, 0x0806);
	f[14 + 8] = 1;	/* would be an expiring TTL if this were IPv4 */
	memcpy(orig, f, sizeof(f));
	ck_assert_int_eq(nfv_rewrite(f, sizeof(f), NFV_REWRITE_TTL | NFV_REWRITE_MAC_SWAP),
			 NFV_REWRITE_FORWARD);
	ck_assert_mem_eq(f, mac_b, 6);
	ck_assert_mem_eq(f + 6, mac_a, 6);
	ck_assert_mem_eq(f + 12, orig + 12, sizeof(f) - 12);
}
END_TEST

START_TEST(truncated_headers_untouched)
{
	uint8_t f[128], orig[128];

	frame_ipv4(f, 64, 6, 7);
	memcpy(orig, f, sizeof(f));
	/* IPv4 header cut short: the TTL is left alone. */
	ck_assert_int_eq(nfv_rewrite(f, 14 + 19, NFV_REWRITE_TTL), NFV_REWRITE_FORWARD);
	ck_assert_mem_eq(f, orig, sizeof(f));
	/* Shorter than Ethernet: nothing at all. */
	ck_assert_int_eq(nfv_rewrite(f, 13, NFV_REWRITE_TTL | NFV_REWRITE_MAC_SWAP),
			 NFV_REWRITE_FORWARD);
	ck_assert_mem_eq(f, orig, sizeof(f));
}
END_TEST

START_TEST(ipv4_bad_ihl_untouched)
{
	uint8_t f[128], orig[128];
	size_t len = frame_ipv4(f, 64, 6, 7);

	f[14] = 0x44;
	memcpy(orig, f, len);
	ck_assert_int_eq(nfv_rewrite(f, (uint32_t)len, NFV_REWRITE_TTL), NFV_REWRITE_FORWARD);
	ck_assert_mem_eq(f, orig, len);
}
END_TEST

/* ------------------------------------------------------------------ */

/* --- the run loop's clock ----------------------------------------------- */

static uint64_t
read_loop_us(void)
{
	return (uint64_t)netlib_loop_us();
}

/* The loop clock and CLOCK_MONOTONIC, in microseconds, read together. */
static void
clock_pair(int64_t *loop, int64_t *mono)
{
	uint64_t l = 0;
	int64_t ns = 0;

	netlib_clock_pair(read_loop_us, &l, &ns);
	*loop = (int64_t)l;
	*mono = ns / 1000;
}

/* Where the TSC is usable the loop uses it, and it keeps CLOCK_MONOTONIC's
 * pace; elsewhere it is CLOCK_MONOTONIC. */
START_TEST(clock_keeps_monotonic_pace)
{
	struct timespec nap = { 0, 50 * 1000000L };
	int64_t l0, m0, l1, m1, dl, dm;

	netlib_clock_init();
	if (netlib_clock_tsc_usable())
		ck_assert_msg(netlib_tsc_mult != 0, "TSC usable here but not calibrated");
	clock_pair(&l0, &m0);
	nanosleep(&nap, NULL);
	clock_pair(&l1, &m1);
	dl = l1 - l0;
	dm = m1 - m0;
	ck_assert_int_ge(dm, 50000);
	ck_assert_msg(llabs(dl - dm) <= dm / 200 + 50, "loop clock moved %lld us while CLOCK_MONOTONIC moved %lld",
		      (long long)dl, (long long)dm);
}
END_TEST

START_TEST(clock_never_goes_back)
{
	int64_t prev, now;
	int i;

	netlib_clock_init();
	prev = netlib_loop_us();
	for (i = 0; i < 200000; i++) {
		now = netlib_loop_us();
		ck_assert_int_ge(now, prev);
		prev = now;
	}
}
END_TEST

/* Two calibrations agree (within 0.5 %): the rate is measured, not noise. */
START_TEST(clock_calibration_repeats)
{
	uint64_t a, b;

	if (!netlib_clock_tsc_usable())
		return;	/* nothing to calibrate on this machine */
	a = netlib_clock_calibrate();
	b = netlib_clock_calibrate();
	ck_assert_uint_ne(a, 0);
	ck_assert_uint_ne(b, 0);
	ck_assert_msg((a > b ? a - b : b - a) * 200 <= a, "calibrations %llu and %llu differ by more than 0.5 %%",
		      (unsigned long long)a, (unsigned long long)b);
}
END_TEST

static TCase *
tcase(Suite *s, const char *name, int fixture)
{
	TCase *tc = tcase_create(name);

	if (fixture)
		tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
	suite_add_tcase(s, tc);
	return tc;
}

static Suite *
netlib_suite(void)
{
	Suite *s = suite_create("netlib");
	TCase *tc;

	tc = tcase(s, "region", 1);
	tcase_add_test(tc, region_valid_accepted);
	tcase_add_test(tc, region_bad_magic);
	tcase_add_test(tc, region_bad_version);
	tcase_add_test(tc, region_shorter_than_header);
	tcase_add_test(tc, region_size_disagrees_with_mapping);
	tcase_add_test(tc, region_layout_sizes_checked);
	tcase_add_test(tc, region_ring_not_power_of_two);
	tcase_add_test(tc, region_buffers_out_of_bounds);
	tcase_add_test(tc, region_offset_wraps);
	tcase_add_test(tc, region_rings_overlap_slots);
	tcase_add_test(tc, region_huge_ring_area_rejected);
	tcase_add_test(tc, region_ring_stride_too_small);
	tcase_add_test(tc, region_misaligned_slots);
	tcase_add_test(tc, region_slot_rings_must_match_layout);

	tc = tcase(s, "attach", 1);
	tcase_add_test(tc, attach_reports_layout);
	tcase_add_test(tc, attach_no_server);
	tcase_add_test(tc, attach_path_too_long);
	tcase_add_test(tc, attach_wrong_protocol_version);
	tcase_add_test(tc, attach_region_without_fd);
	tcase_add_test(tc, attach_peer_id_zero);
	tcase_add_test(tc, attach_foreign_peer_announced);
	tcase_add_test(tc, attach_server_hangs_up);
	tcase_add_test(tc, attach_setup_times_out);
	tcase_add_test(tc, attach_bad_region_rejected);
	tcase_add_test(tc, attach_region_of_departed_host);
	tcase_add_test(tc, attach_peer_without_slot);
	tcase_add_test(tc, attach_leaks_no_fds);
	tcase_add_test(tc, attach_slot_not_served);
	tcase_add_test(tc, attach_drops_stale_rx);
	tcase_add_test(tc, attach_releases_stale_registration);
	tcase_add_test(tc, attach_release_lets_host_take_tx_first);
	tcase_add_test(tc, attach_continues_ctl_sequence);

	tc = tcase(s, "select", 0);
	tcase_add_test(tc, select_regular_file);
	tcase_add_test(tc, select_missing_device);
	tcase_add_test(tc, select_foreign_char_device);
	tcase_add_test(tc, select_vm_without_device);

	tc = tcase(s, "vm-find", 0);
	tcase_add_checked_fixture(tc, find_setup, find_teardown);
	tcase_add_test(tc, find_lowest_device_with_magic);
	tcase_add_test(tc, find_no_region);

	tc = tcase(s, "register", 1);
	tcase_add_test(tc, register_returns_instance);
	tcase_add_test(tc, flow_rules_encoded_for_the_host);
	tcase_add_test(tc, register_refused);
	tcase_add_test(tc, register_times_out);
	tcase_add_test(tc, register_skips_stale_replies);
	tcase_add_test(tc, register_checks_arguments);
	tcase_add_test(tc, register_after_stop_is_interrupted);
	tcase_add_test(tc, detach_unregisters);
	tcase_add_test(tc, detach_lets_host_take_tx_first);
	tcase_add_test(tc, detach_gives_up_waiting_for_tx);

	tc = tcase(s, "packets", 1);
	tcase_add_test(tc, pkt_data_is_the_buffer);
	tcase_add_test(tc, tx_refuses_handles_not_held);
	tcase_add_test(tc, pkt_prepend_limited_by_headroom);
	tcase_add_test(tc, pkt_append_limited_by_buffer);
	tcase_add_test(tc, pkt_adj_and_trim_limited_by_length);
	tcase_add_test(tc, pkt_set_action_checks_destination);
	tcase_add_test(tc, rx_skips_bad_descriptors);
	tcase_add_test(tc, rx_corrupt_index);
	tcase_add_test(tc, tx_writes_descriptors);
	tcase_add_test(tc, tx_honours_full_ring);
	tcase_add_test(tc, tx_corrupt_index);
	tcase_add_test(tc, direct_goes_to_linked_peer);
	tcase_add_test(tc, direct_needs_a_valid_link);
	tcase_add_test(tc, direct_full_peer_falls_back_to_host);
	tcase_add_test(tc, rx_takes_peer_ring_first);

	tc = tcase(s, "run", 1);
	tcase_add_test(tc, run_requires_registration);
	tcase_add_test(tc, run_returns_every_packet_with_its_action);
	tcase_add_test(tc, run_burst_requires_handler_and_registration);
	tcase_add_test(tc, run_burst_returns_every_packet_with_its_action);
	tcase_add_loop_test(tc, run_burst_in_every_prefetch_mode, 0,
			    (int)(sizeof(prefetch_modes) / sizeof(prefetch_modes[0])));
	tcase_add_test(tc, run_sleeps_and_wakes_on_doorbell);
	tcase_add_test(tc, run_each_sleep_has_its_own_value);
	tcase_add_test(tc, run_stop_wakes_sleeping_loop);
	tcase_add_test(tc, run_host_closes_socket);
	tcase_add_test(tc, run_host_peer_left);
	tcase_add_test(tc, run_other_peer_left_is_ignored);
	tcase_add_test(tc, run_corrupt_rx_index);

	tc = tcase(s, "liveness", 1);
	tcase_add_test(tc, live_slot_reused);
	tcase_add_test(tc, live_group_reset_says_why);
	tcase_add_test(tc, live_group_reset_stops_before_next_burst);
	tcase_add_test(tc, live_region_cleared);
	tcase_add_test(tc, live_slot_quarantined);
	tcase_add_test(tc, live_slot_freed);
	tcase_add_test(tc, live_slot_closing);
	tcase_add_test(tc, live_sleeping_loop_notices);
	tcase_add_test(tc, live_register_notices);
	tcase_add_test(tc, live_unregistered_slot_is_served);

	tc = tcase(s, "rewrite", 0);
	tcase_add_test(tc, csum_rfc1624_example);
	tcase_add_test(tc, ttl_checksum_matches_full_recomputation);
	tcase_add_test(tc, ttl_expiring_packet_dropped_unchanged);
	tcase_add_test(tc, ipv6_hop_limit);
	tcase_add_test(tc, mac_swap_only_leaves_ttl);
	tcase_add_test(tc, non_ip_gets_only_mac_swap);
	tcase_add_test(tc, truncated_headers_untouched);
	tcase_add_test(tc, ipv4_bad_ihl_untouched);

	tc = tcase(s, "clock", 0);
	tcase_add_test(tc, clock_keeps_monotonic_pace);
	tcase_add_test(tc, clock_never_goes_back);
	tcase_add_test(tc, clock_calibration_repeats);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(netlib_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
