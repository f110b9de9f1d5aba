/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memif_send.c - a memif client that connects and closes at once must not
 * stop nfvisord.
 *
 * DPDK 22.11's net_memif server accepts a client and sends it its hello
 * at once (memif_listener_handler()).  When that send fails, as it does
 * with EPIPE when the client has closed already, the driver closes the
 * socket and frees its control channel but leaves the socket registered
 * with the EAL interrupt thread, which then panics ("Error adding fd N
 * epoll_ctl, Bad file descriptor") and takes the process down: a
 * connect() and close() every 2 ms did that to nfvisord within seconds.
 *
 * nfvisord defines sendmsg(): a send of that driver (the caller's return
 * address lies in librte_net_memif) that fails because the peer has gone
 * (EPIPE, ECONNRESET) is reported as sent, as if the peer had closed just
 * after it.  The driver then learns of the hang-up where it handles it
 * right: its interrupt handler reads end-of-file, unregisters the socket
 * and frees the channel.  Every other sendmsg() and outcome is the C
 * library's, unchanged.  (A DPDK linked statically has no such caller,
 * and gets no such help.)
 */
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memif_send.h"

static ssize_t (*next_sendmsg)(int, const struct msghdr *, int);
static uint64_t n_forgiven;

int
nfv_caller_is_memif(const void *ret)
{
	Dl_info info;
	const char *base;

	if (dladdr(ret, &info) == 0 || info.dli_fname == NULL)
		return 0;
	base = strrchr(info.dli_fname, '/');
	base = base ? base + 1 : info.dli_fname;
	return strncmp(base, "librte_net_memif.so", strlen("librte_net_memif.so")) == 0;
}

void *
nfv_next_libc_fn(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_RELAXED);

	if (fn == NULL) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, fn, __ATOMIC_RELAXED);
	}
	return fn;
}

uint64_t
nfv_memif_sends_forgiven(void)
{
	return __atomic_load_n(&n_forgiven, __ATOMIC_RELAXED);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t (*next)(int, const struct msghdr *, int) =
		(ssize_t (*)(int, const struct msghdr *, int))nfv_next_libc_fn((void **)&next_sendmsg,
										"sendmsg");
	ssize_t n;
	size_t i, len = 0;
	int err;

	n = next ? next(fd, msg, flags) : syscall(SYS_sendmsg, fd, msg, flags);
	if (n >= 0 || (errno != EPIPE && errno != ECONNRESET))
		return n;
	err = errno;
	if (!nfv_caller_is_memif(__builtin_return_address(0))) {
		errno = err;
		return n;
	}
	for (i = 0; i < (size_t)msg->msg_iovlen; i++)
		len += msg->msg_iov[i].iov_len;
	__atomic_fetch_add(&n_forgiven, 1, __ATOMIC_RELAXED);
	return (ssize_t)len;
}
