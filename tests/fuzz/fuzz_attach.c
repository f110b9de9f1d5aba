/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_attach.c - NetLib's side of the attach-socket protocol
 * (guest-lib/netlib_process.c) against a hostile server.
 *
 * The harness includes netlib_process.c to reach its parser: each input is
 * a sequence of server messages written into one end of a socketpair with
 * their descriptors (none, eventfds, a memfd of some size, a pipe, a
 * read-only file, or more descriptors than one message may carry), as
 * whole messages sent by the daemon's own nfv_ivshmem_send(), split in two
 * writes, or as raw bytes; then the server end is closed.  NetLib's end
 * goes through proc_setup(), and on success through proc_map() and
 * proc_host_event() until it reports the host gone.
 *
 * Checked: when every message is whole, setup succeeds exactly when the
 * sequence is the protocol's (version 0; a peer id 1..65535 without fd;
 * -1 with the region; 0 with a descriptor, twice; the peer id with a
 * descriptor, twice); a successful setup holds the peer id and five
 * distinct close-on-exec descriptors; a failed one returns a negative
 * errno and an error message; a mapping has the size of the memfd sent;
 * host_event returns 0 or -EPIPE and -EPIPE for good once it did; and
 * after proc_close() not one descriptor is left open.
 */
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "ivshmem_server.h"

#include "netlib_process.c"

#define MAX_MSGS 24
#define MAX_FDS_PER_MSG 6

enum fd_kind { FD_NONE, FD_EVENT, FD_MEMFD, FD_PIPE, FD_RDONLY, FD_TWO, FD_MANY, FD_SOCKET, FD_KINDS };

struct sent {
	int64_t val;		/* value of a whole message */
	int has_fd;		/* it carried at least one descriptor */
	uint64_t memfd_size;	/* size of its first descriptor if a memfd, else 0 */
};

/* Open the descriptors of @kind into @fds; returns how many. */
static int
make_fds(enum fd_kind kind, struct fuzz_in *in, int fds[MAX_FDS_PER_MSG], uint64_t *memfd_size)
{
	int n = 0, p[2];

	*memfd_size = 0;
	switch (kind) {
	case FD_NONE:
	case FD_KINDS:
		break;
	case FD_EVENT:
		fds[n++] = eventfd(0, EFD_CLOEXEC);
		break;
	case FD_MEMFD:
		fds[n] = memfd_create("fuzz", MFD_CLOEXEC);
		*memfd_size = (uint64_t)(fuzz_u8(in) % 5) * 4096;
		FUZZ_CHECK(fds[n] >= 0 && ftruncate(fds[n], (off_t)*memfd_size) == 0, "memfd");
		n++;
		break;
	case FD_PIPE:
		FUZZ_CHECK(pipe2(p, O_CLOEXEC) == 0, "pipe");
		fds[n++] = p[0];
		close(p[1]);
		break;
	case FD_RDONLY:
		fds[n++] = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		break;
	case FD_TWO:
		fds[n++] = eventfd(0, EFD_CLOEXEC);
		fds[n++] = eventfd(0, EFD_CLOEXEC);
		break;
	case FD_MANY:	/* more than PROC_MAX_FDS: the rest is cut off */
		while (n < MAX_FDS_PER_MSG)
			fds[n++] = eventfd(0, EFD_CLOEXEC);
		break;
	case FD_SOCKET:
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0, "socketpair");
		fds[n++] = p[0];
		close(p[1]);
		break;
	}
	for (int i = 0; i < n; i++)
		FUZZ_CHECK(fds[i] >= 0, "cannot open a descriptor to send");
	return n;
}

/* Send @len bytes with @nfds descriptors in one sendmsg(). */
static void
send_raw(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(MAX_FDS_PER_MSG * sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	FUZZ_CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len, "sendmsg");
}

/*
 * Write the input's messages into @sock.  @return the number of whole
 * messages in @sent, or -1 if some message was raw or split (then only
 * the generic checks apply).
 */
static int
serve(int sock, struct fuzz_in *in, struct sent *sent)
{
	int n = 0, whole = 1;

	while (in->left > 0 && n < MAX_MSGS) {
		uint8_t how = fuzz_u8(in);
		int fds[MAX_FDS_PER_MSG], nfds, i;
		uint64_t memfd_size, le;
		int64_t val;

		nfds = make_fds((enum fd_kind)(how % FD_KINDS), in, fds, &memfd_size);
		/* Small values (-1, 0, peer ids) are what the checks branch on. */
		val = (how & 0x40) ? (int64_t)fuzz_u64(in) : (int64_t)(int8_t)fuzz_u8(in);
		le = htole64((uint64_t)val);
		if (how & 0x80) {		/* raw bytes, fewer or more than 8 */
			uint8_t raw[16];
			size_t len = 1 + fuzz_u8(in) % sizeof(raw);

			fuzz_bytes(in, raw, len);
			send_raw(sock, raw, len, fds, nfds);
			whole = 0;
		} else if (how & 0x20) {	/* one message in two writes */
			size_t cut = 1 + fuzz_u8(in) % 7;

			send_raw(sock, &le, cut, fds, (how & 0x10) ? 0 : nfds);
			send_raw(sock, (uint8_t *)&le + cut, sizeof(le) - cut, fds,
				 (how & 0x10) ? nfds : 0);
			whole = 0;
		} else if (nfds <= 1) {		/* the daemon's own sender */
			FUZZ_CHECK(nfv_ivshmem_send(sock, val, nfds ? fds[0] : -1) == 0, "send");
		} else {
			send_raw(sock, &le, sizeof(le), fds, nfds);
		}
		sent[n].val = val;
		sent[n].has_fd = nfds > 0;
		sent[n].memfd_size = memfd_size;
		n++;
		for (i = 0; i < nfds; i++)
			close(fds[i]);
	}
	return whole ? n : -1;
}

/* Does the protocol accept @sent[0..n) as a setup?  Sets *peer. */
static int
setup_ok(const struct sent *s, int n, int64_t *peer)
{
	int i;

	if (n < 7 || s[0].val != 0)
		return 0;
	if (s[1].val < 1 || s[1].val > UINT16_MAX || s[1].has_fd)
		return 0;
	if (s[2].val != -1 || !s[2].has_fd)
		return 0;
	for (i = 3; i < 7; i++)
		if (s[i].val != (i < 5 ? 0 : s[1].val) || !s[i].has_fd)
			return 0;
	*peer = s[1].val;
	return 1;
}

static void
check_fd(int fd, const char *what)
{
	int flags = fcntl(fd, F_GETFD);

	FUZZ_CHECK(flags >= 0, "%s: descriptor %d is not open", what, fd);
	FUZZ_CHECK(flags & FD_CLOEXEC, "%s: descriptor %d lacks FD_CLOEXEC", what, fd);
}

static void
check_setup(const struct proc_backend *p)
{
	int all[1 + 2 * NFV_VECTORS], n = 0, i, j;

	FUZZ_CHECK(p->peer_id >= 1 && p->peer_id <= UINT16_MAX, "peer id %u", p->peer_id);
	all[n++] = p->shm_fd;
	for (i = 0; i < NFV_VECTORS; i++) {
		all[n++] = p->host_fd[i];
		all[n++] = p->own_fd[i];
	}
	for (i = 0; i < n; i++) {
		check_fd(all[i], "setup");
		for (j = 0; j < i; j++)
			FUZZ_CHECK(all[i] != all[j], "descriptor %d kept twice", all[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct sent sent[MAX_MSGS];
	struct proc_backend *p;
	int sv[2], fds_before, nsent, ret, i;
	int64_t peer = 0;
	void *base = NULL;
	uint64_t len = 0;

	fds_before = fuzz_open_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	nsent = serve(sv[1], &in, sent);
	close(sv[1]);	/* EOF after the last message: nothing waits */

	p = calloc(1, sizeof(*p));
	FUZZ_CHECK(p, "out of memory");
	p->be.ops = &proc_ops;
	p->sock = sv[0];
	p->shm_fd = -1;
	for (i = 0; i < NFV_VECTORS; i++)
		p->host_fd[i] = p->own_fd[i] = -1;
	strcpy(p->path, "fuzz.sock");
	netlib_set_error("%s", "");

	ret = proc_setup(p, netlib_now_ms() + 5000);
	if (nsent >= 0)
		FUZZ_CHECK((ret == 0) == setup_ok(sent, nsent, &peer),
			   "setup returned %d for %d whole messages", ret, nsent);
	if (ret < 0) {
		FUZZ_CHECK(ret == -EPIPE || ret == -EPROTO || ret == -EPROTONOSUPPORT,
			   "setup failed with %d", ret);
		FUZZ_CHECK(netlib_last_error()[0] != '\0', "setup failed (%d) without a message", ret);
		proc_close(&p->be);
		FUZZ_CHECK(fuzz_open_fds() == fds_before, "descriptors leaked by a failed setup");
		return 0;
	}
	check_setup(p);
	if (nsent >= 0)
		FUZZ_CHECK(p->peer_id == peer, "peer id %u, sent %ld", p->peer_id, (long)peer);

	ret = proc_map(&p->be, &base, &len);
	if (ret == 0) {
		FUZZ_CHECK(base && len > 0 && p->shm_fd < 0, "mapping of %lu bytes", (unsigned long)len);
		if (nsent >= 0)
			FUZZ_CHECK(len == sent[2].memfd_size, "mapped %lu bytes of a %lu-byte region",
				   (unsigned long)len, (unsigned long)sent[2].memfd_size);
		((volatile uint8_t *)base)[len - 1] = 1;
	} else {
		FUZZ_CHECK(ret < 0 && p->shm_fd >= 0, "map returned %d", ret);
		FUZZ_CHECK(nsent < 0 || sent[2].memfd_size == 0,
			   "a memfd of %lu bytes did not map: %d", (unsigned long)sent[2].memfd_size, ret);
	}

	for (i = 0; i < 4 * MAX_MSGS; i++) {
		ret = proc_host_event(&p->be);
		FUZZ_CHECK(ret == 0 || ret == -EPIPE, "host_event returned %d", ret);
		if (ret == -EPIPE)
			break;
	}
	FUZZ_CHECK(ret == -EPIPE, "the host never left, though the socket is closed");
	FUZZ_CHECK(proc_host_event(&p->be) == -EPIPE && proc_notify(&p->be, 0) == -EPIPE,
		   "a gone host came back");
	proc_close(&p->be);
	FUZZ_CHECK(fuzz_open_fds() == fds_before, "descriptors leaked");
	return 0;
}
