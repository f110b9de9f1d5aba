/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * unixsock.h - listening Unix stream sockets: the control socket and every
 * domain's attach socket.  A socket file left by a dead daemon is replaced;
 * one a live process listens on is refused; at close only the file this
 * listener created is removed.
 */
#ifndef NFV_UNIXSOCK_H
#define NFV_UNIXSOCK_H

#include <sys/types.h>

/** Identity of the socket file a listener created. */
struct nfv_unix_id {
	dev_t dev;
	ino_t ino;
};

/**
 * Listen on @path (non-blocking, close-on-exec).  The file gets @mode
 * before listen(), so nobody connects under the umask's permissions.
 * @param id  filled with the file's identity, for nfv_unix_unlink_own()
 * @return the listening fd, or -errno: -EADDRINUSE (a live server is
 *         there), -ENOTSOCK (@path exists and is not a socket; left alone),
 *         -ENAMETOOLONG, -EINVAL, or an errno of socket/bind/chmod/listen.
 */
int nfv_unix_listen(const char *path, mode_t mode, struct nfv_unix_id *id);

/** Remove @path if it is still the socket file described by @id. */
void nfv_unix_unlink_own(const char *path, const struct nfv_unix_id *id);

#endif /* NFV_UNIXSOCK_H */
