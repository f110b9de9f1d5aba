/* SPDX-License-Identifier: BSD-3-Clause */
#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "ivshmem_server.h"

int
nfv_ivshmem_send(int sock, int64_t value, int fd)
{
	int64_t le = (int64_t)htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(le) ? 0 : -EIO;
}

int
nfv_ivshmem_greet(int sock, uint16_t peer_id, int shm_fd,
		  const int *host_efd, const int *peer_efd, unsigned int nvec)
{
	unsigned int v;
	int ret;

	ret = nfv_ivshmem_send(sock, NFV_IVSHMEM_PROTOCOL_VERSION, -1);
	if (!ret)
		ret = nfv_ivshmem_send(sock, peer_id, -1);
	if (!ret)
		ret = nfv_ivshmem_send(sock, -1, shm_fd);
	for (v = 0; !ret && v < nvec; v++)
		ret = nfv_ivshmem_send(sock, 0, host_efd[v]);
	for (v = 0; !ret && v < nvec; v++)
		ret = nfv_ivshmem_send(sock, peer_id, peer_efd[v]);
	return ret;
}
