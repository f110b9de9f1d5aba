/* SPDX-License-Identifier: BSD-3-Clause */
/* unixsock.h - listening Unix stream sockets that replace stale files. */
#ifndef NFV_UNIXSOCK_H
#define NFV_UNIXSOCK_H

#include <sys/types.h>

/**
 * Listen on @path (non-blocking, close-on-exec) with permissions @mode.
 * A socket file nobody listens on is replaced; one a live process listens
 * on is left alone.
 * @return the listening fd, or -errno: -EADDRINUSE (a live server is
 *         there), -ENOTSOCK (@path exists and is not a socket),
 *         -ENAMETOOLONG, or an errno of socket(), bind(), chmod(), listen().
 */
int nfv_unix_listen(const char *path, mode_t mode);

#endif /* NFV_UNIXSOCK_H */
