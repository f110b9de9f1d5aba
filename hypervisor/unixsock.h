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
 * Listen on @path (non-blocking, close-on-exec).  The file gets @mode, and
 * group @gid unless it is -1 (as nfv_unix_share_group() gives it), before
 * listen(), so nobody connects under the umask's permissions; and it
 * appears at @path only once the socket listens (it is bound under a
 * staging name "@path.PID.RANDOM", then linked into place), so nobody who
 * waits for it finds it refusing connections.
 * @param id  filled with the file's identity, for nfv_unix_unlink_own()
 * @return the listening fd, or -errno: -EADDRINUSE (a live server is
 *         there), -ENOTSOCK (@path exists and is not a socket; left alone),
 *         -ENAMETOOLONG, -EINVAL, an error of nfv_unix_share_group(), or
 *         an errno of socket/bind/chmod/listen/link.
 */
int nfv_unix_listen(const char *path, mode_t mode, long gid, struct nfv_unix_id *id);

/**
 * Open @path (a listening socket's file, or the directory that holds the
 * sockets) to group @gid and nobody else: its group becomes @gid, its mode
 * @mode (0660 for a socket, 0750 for the directory).  This is how QEMU,
 * running under libvirt as an unprivileged user, reaches an attach socket.
 * @return 0, -EINVAL (@mode has bits for others), -ELOOP (@path is a
 *         symbolic link), -EPERM (@path is a world-writable or sticky
 *         directory such as /tmp, which must not change mode: use a
 *         directory of its own), or an errno of lstat/lchown/chmod.
 */
int nfv_unix_share_group(const char *path, gid_t gid, mode_t mode);

/** Remove @path if it is still the socket file described by @id. */
void nfv_unix_unlink_own(const char *path, const struct nfv_unix_id *id);

#endif /* NFV_UNIXSOCK_H */
