/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_process.c - process backend: attach over the domain's unix socket.
 *
 * nfvisord speaks QEMU's ivshmem-server protocol (docs/specs/ivshmem-spec.rst)
 * on the socket: every message is one little-endian int64, some carry one
 * descriptor (SCM_RIGHTS).  On connect it sends, in order:
 *
 *	0			protocol version, no fd
 *	own peer id (>= 1)	no fd
 *	-1			the region's shm fd
 *	0  x NFV_VECTORS	one eventfd each: the host's doorbells
 *	own id x NFV_VECTORS	one eventfd each: our own doorbells
 *
 * Later, an id without fd means that peer left; peer 0 leaving or EOF means
 * nfvisord is gone.  The socket stays open while we are attached: closing
 * it is one of the ways nfvisord learns that we left.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "netlib_priv.h"

/* Most descriptors accepted with one message; extra ones get closed. */
#define PROC_MAX_FDS 4
/* Time to complete a message after its first byte arrived. */
#define PROC_EVENT_TIMEOUT_MS 100
/* Retries of a doorbell write interrupted by signals. */
#define PROC_EINTR_RETRIES 8

struct proc_backend {
	struct netlib_backend be;	/* must be first */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* for messages */
	int sock;			/* attach socket, open while attached */
	int shm_fd;			/* region fd until mapped */
	int host_fd[NFV_VECTORS];	/* host's doorbells: we write */
	int own_fd[NFV_VECTORS];	/* own doorbells: we poll and read */
	uint32_t peer_id;		/* own ivshmem peer id */
	int gone;			/* nfvisord left */
	void *base;			/* region mapping */
	uint64_t len;			/* mapping length */
};

static struct proc_backend *
proc_of(const struct netlib_backend *be)
{
	return (struct proc_backend *)be;
}

/* Keep the first descriptor of @mh in *fd (if it has none yet), close others. */
static void
proc_take_fds(struct msghdr *mh, int *fd)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t i, n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int one;

			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0)
				*fd = one;
			else
				close(one);
		}
	}
}

/*
 * Receive one message before @deadline: its value, and its descriptor or
 * -1.  Short reads are completed; -EPIPE on EOF or reset.
 */
static int
proc_recv(struct proc_backend *p, int64_t deadline, int64_t *val, int *fd)
{
	uint8_t buf[sizeof(uint64_t)];
	size_t got = 0;
	uint64_t le;
	int ret;

	*fd = -1;
	while (got < sizeof(buf)) {
		union {
			struct cmsghdr align;
			char b[CMSG_SPACE(PROC_MAX_FDS * sizeof(int))];
		} cm;
		struct iovec iov = { .iov_base = buf + got, .iov_len = sizeof(buf) - got };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.b, .msg_controllen = sizeof(cm.b),
		};
		struct pollfd pfd = { .fd = p->sock, .events = POLLIN };
		int64_t left = deadline - netlib_now_ms();
		ssize_t r;

		r = poll(&pfd, 1, left > 0 ? (int)left : 0);
		if (r == 0) {
			ret = -ETIMEDOUT;
			goto fail;
		}
		if (r > 0)
			r = recvmsg(p->sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			ret = errno == ECONNRESET ? -EPIPE : -errno;
			goto fail;
		}
		proc_take_fds(&mh, fd);
		if (r == 0) {
			ret = -EPIPE;
			goto fail;
		}
		got += (size_t)r;
	}
	memcpy(&le, buf, sizeof(le));
	*val = (int64_t)le64toh(le);
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return ret;
}

/* Receive the setup message described by @what; set the error on failure. */
static int
proc_setup_msg(struct proc_backend *p, int64_t deadline, const char *what,
	       int64_t *val, int *fd)
{
	int ret = proc_recv(p, deadline, val, fd);

	if (ret == -ETIMEDOUT)
		netlib_set_error("%s: nothing from nfvisord in time (waiting for %s): not a domain's attach socket (NFs attach to DOMAIN.sock in nfvisord's --run-dir, e.g. /run/nfvisor/default.sock; nfvisord.sock is its control socket), or nfvisord is overloaded",
				 p->path, what);
	else if (ret == -EPIPE)
		netlib_set_error("%s: nfvisord closed the connection before sending %s (it may have refused this NF: see its log)",
				 p->path, what);
	else if (ret < 0)
		netlib_set_error("%s: receiving %s: %s", p->path, what, strerror(-ret));
	return ret;
}

static int
proc_bad_msg(struct proc_backend *p, const char *what, int64_t val, int fd)
{
	netlib_set_error("%s: malformed setup message: expected %s, got %" PRId64 " %s a descriptor",
			 p->path, what, val, fd >= 0 ? "with" : "without");
	if (fd >= 0)
		close(fd);
	return -EPROTO;
}

/* Receive NFV_VECTORS doorbells of @peer into @fds. */
static int
proc_setup_doorbells(struct proc_backend *p, int64_t deadline, int64_t peer,
		     int *fds, const char *what)
{
	unsigned int i;

	for (i = 0; i < NFV_VECTORS; i++) {
		int64_t v;
		int fd, ret;

		ret = proc_setup_msg(p, deadline, what, &v, &fd);
		if (ret < 0)
			return ret;
		if (v != peer || fd < 0)
			return proc_bad_msg(p, what, v, fd);
		fds[i] = fd;
	}
	return 0;
}

static int
proc_setup(struct proc_backend *p, int64_t deadline)
{
	int64_t v;
	int fd, ret;

	ret = proc_setup_msg(p, deadline, "the protocol version", &v, &fd);
	if (ret < 0)
		return ret;
	if (fd >= 0)
		close(fd);
	if (v != 0) {
		netlib_set_error("%s: the server speaks ivshmem protocol version %" PRId64 ", NetLib speaks 0 (is this an nfvisord socket?)",
				 p->path, v);
		return -EPROTONOSUPPORT;
	}

	ret = proc_setup_msg(p, deadline, "our peer id", &v, &fd);
	if (ret < 0)
		return ret;
	if (v < 1 || v > UINT16_MAX || fd >= 0)
		return proc_bad_msg(p, "a peer id 1..65535", v, fd);
	p->peer_id = (uint32_t)v;

	ret = proc_setup_msg(p, deadline, "the region", &v, &fd);
	if (ret < 0)
		return ret;
	if (v != -1 || fd < 0)
		return proc_bad_msg(p, "-1 with the region", v, fd);
	p->shm_fd = fd;

	ret = proc_setup_doorbells(p, deadline, NFV_HOST_PEER_ID, p->host_fd,
				   "nfvisord's doorbells (peer 0)");
	if (ret < 0)
		return ret;
	return proc_setup_doorbells(p, deadline, p->peer_id, p->own_fd,
				    "our own doorbells");
}

static int
proc_connect(struct proc_backend *p, const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Bounds connect() when nfvisord's listen backlog is full. */
	struct timeval tv = {
		.tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000,
	};
	size_t len = strlen(path);
	int ret;

	if (len >= sizeof(sa.sun_path)) {
		netlib_set_error("attach socket path '%s' is longer than %zu bytes",
				 path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, len + 1);
	memcpy(p->path, path, len + 1);
	p->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->sock < 0 ||
	    setsockopt(p->sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		ret = -errno;
		netlib_set_error("cannot create a unix socket: %s", strerror(errno));
		return ret;
	}
	if (connect(p->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		netlib_set_error("cannot connect to %s: %s (is nfvisord running and serving this trust domain?)",
				 path, strerror(-ret));
		return ret;
	}
	return 0;
}

static int
proc_map(struct netlib_backend *be, void **base, uint64_t *len)
{
	struct proc_backend *p = proc_of(be);
	struct stat st;
	void *m;

	if (fstat(p->shm_fd, &st) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		netlib_set_error("%s: the region descriptor nfvisord sent has no usable size",
				 p->path);
		return -EMSGSIZE;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 p->shm_fd, 0);
	if (m == MAP_FAILED) {
		int ret = -errno;

		netlib_set_error("cannot map the %" PRIu64 "-byte region: %s (check ulimit -l and free hugepages)",
				 (uint64_t)st.st_size, strerror(errno));
		return ret;
	}
	close(p->shm_fd);
	p->shm_fd = -1;
	p->base = m;
	p->len = (uint64_t)st.st_size;
	*base = m;
	*len = p->len;
	return 0;
}

static uint32_t
proc_peer_id(const struct netlib_backend *be)
{
	return proc_of(be)->peer_id;
}

static int
proc_notify(struct netlib_backend *be, unsigned int vector)
{
	struct proc_backend *p = proc_of(be);
	uint64_t one = 1;
	int i;

	if (p->gone)
		return -EPIPE;
	for (i = 0; i < PROC_EINTR_RETRIES; i++) {
		if (write(p->host_fd[vector], &one, sizeof(one)) == sizeof(one))
			return 0;
		/* EAGAIN: the counter is saturated, the doorbell is rung. */
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
	return -EINTR;
}

static int
proc_doorbell_fd(const struct netlib_backend *be, unsigned int vector)
{
	return proc_of(be)->own_fd[vector];
}

static void
proc_doorbell_ack(struct netlib_backend *be, unsigned int vector)
{
	struct proc_backend *p = proc_of(be);
	struct pollfd pfd = { .fd = p->own_fd[vector], .events = POLLIN };
	uint64_t count;
	ssize_t r;

	/* The eventfd's file flags are shared with nfvisord, so it stays
	 * blocking: read only what poll() says is there (we are its only
	 * reader). */
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		r = read(p->own_fd[vector], &count, sizeof(count));
		(void)r;
	}
}

static int
proc_host_fd(const struct netlib_backend *be)
{
	return proc_of(be)->sock;
}

static int
proc_host_event(struct netlib_backend *be)
{
	struct proc_backend *p = proc_of(be);
	int64_t v;
	int fd, ret;

	if (p->gone)
		return -EPIPE;
	ret = proc_recv(p, netlib_now_ms() + PROC_EVENT_TIMEOUT_MS, &v, &fd);
	if (ret == 0 && v == NFV_HOST_PEER_ID && fd < 0) {
		netlib_set_error("nfvisord left (peer 0 disconnected from %s): restart the NF once nfvisord is back",
				 p->path);
		ret = -EPIPE;
	} else if (ret == -EPIPE) {
		netlib_set_error("nfvisord closed %s: restart the NF once nfvisord is back",
				 p->path);
	} else if (ret < 0) {
		netlib_set_error("%s: garbled message from nfvisord (%s): restart the NF",
				 p->path, strerror(-ret));
		ret = -EPIPE;
	} else {
		/* Another peer came or went: the star topology never shows us
		 * other peers, so there is nothing to do. */
		if (fd >= 0)
			close(fd);
		return 0;
	}
	p->gone = 1;
	return ret;
}

static void
proc_close(struct netlib_backend *be)
{
	struct proc_backend *p = proc_of(be);
	unsigned int i;

	if (p->base)
		munmap(p->base, (size_t)p->len);
	if (p->shm_fd >= 0)
		close(p->shm_fd);
	for (i = 0; i < NFV_VECTORS; i++) {
		if (p->host_fd[i] >= 0)
			close(p->host_fd[i]);
		if (p->own_fd[i] >= 0)
			close(p->own_fd[i]);
	}
	if (p->sock >= 0)
		close(p->sock);
	free(p);
}

static const struct netlib_backend_ops proc_ops = {
	.map = proc_map,
	.peer_id = proc_peer_id,
	.notify = proc_notify,
	.doorbell_fd = proc_doorbell_fd,
	.doorbell_ack = proc_doorbell_ack,
	.host_fd = proc_host_fd,
	.host_event = proc_host_event,
	.close = proc_close,
};

struct netlib_backend *
netlib_process_open(const char *path, int timeout_ms)
{
	struct proc_backend *p = calloc(1, sizeof(*p));
	int64_t deadline = netlib_now_ms() + timeout_ms;
	unsigned int i;
	int ret;

	if (!p) {
		netlib_set_error("out of memory");
		errno = ENOMEM;
		return NULL;
	}
	p->be.ops = &proc_ops;
	p->sock = -1;
	p->shm_fd = -1;
	for (i = 0; i < NFV_VECTORS; i++)
		p->host_fd[i] = p->own_fd[i] = -1;

	ret = proc_connect(p, path, timeout_ms);
	if (ret == 0)
		ret = proc_setup(p, deadline);
	if (ret < 0) {
		proc_close(&p->be);
		errno = -ret;
		return NULL;
	}
	return &p->be;
}
