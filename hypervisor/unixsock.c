/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unixsock.h"

#define BACKLOG 64

/* Remove a socket file nobody listens on; -EADDRINUSE if somebody does. */
static int
remove_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int probe, r, err;

	if (lstat(sun->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	r = connect(probe, (const struct sockaddr *)sun, sizeof(*sun));
	err = errno;
	close(probe);
	if (r == 0 || err == EAGAIN)	/* accepted, or backlog full: live */
		return -EADDRINUSE;
	if (err != ECONNREFUSED && err != ENOENT)
		return -err;
	return unlink(sun->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int
bind_replacing_stale(int fd, const struct sockaddr_un *sun)
{
	int err;

	if (bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	err = remove_stale(sun);
	if (err)
		return err;
	return bind(fd, (const struct sockaddr *)sun, sizeof(*sun)) < 0 ? -errno : 0;
}

/* Link the listening socket file @tmp into place at @sun, replacing only a
 * stale file; @tmp goes either way. */
static int
publish(const char *tmp, const struct sockaddr_un *sun)
{
	int err = 0;

	if (link(tmp, sun->sun_path) < 0) {
		err = errno == EEXIST ? remove_stale(sun) : -errno;
		if (!err && link(tmp, sun->sun_path) < 0)
			err = -errno;
	}
	unlink(tmp);
	return err;
}

/* A staging name next to @path, of this process and a random part: two
 * daemons never share one, even in different PID namespaces.  0 if it
 * does not fit. */
static int
staging_name(const char *path, struct sockaddr_un *tmp)
{
	unsigned int r = 0;
	int n;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)tmp;
	n = snprintf(tmp->sun_path, sizeof(tmp->sun_path), "%s.%d.%08x", path, (int)getpid(), r);
	return n > 0 && (size_t)n < sizeof(tmp->sun_path);
}

/* Bind @fd at @at (replacing a stale file only if @replace), give the file
 * @mode (and group @gid unless -1), listen. */
static int
bind_listen(int fd, const struct sockaddr_un *at, int replace, mode_t mode, long gid,
	    struct stat *st)
{
	int err;

	if (replace)
		err = bind_replacing_stale(fd, at);
	else
		err = bind(fd, (const struct sockaddr *)at, sizeof(*at)) < 0 ? -errno : 0;
	if (err)
		return err;
	if (gid >= 0)
		err = nfv_unix_share_group(at->sun_path, (gid_t)gid, mode);
	else if (chmod(at->sun_path, mode) < 0)
		err = -errno;
	if (!err && (lstat(at->sun_path, st) < 0 || listen(fd, BACKLOG) < 0))
		err = -errno;
	if (err)
		unlink(at->sun_path);
	return err;
}

int
nfv_unix_listen(const char *path, mode_t mode, long gid, struct nfv_unix_id *id)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX }, tmp = { .sun_family = AF_UNIX };
	int staged, fd, err;
	struct stat st;

	if (!path || !*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	/* Bound, given its mode and group, and listening under a staging
	 * name first, then linked into place: the file appears only once it
	 * accepts connections from whom it should, so a client that waits
	 * for it never finds it refusing them.  A path with no room for the
	 * staging name, or a file system without hard links, has the socket
	 * bound in place. */
	staged = staging_name(path, &tmp);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		err = bind_listen(fd, staged ? &tmp : &sun, !staged, mode, gid, &st);
		if (!err && staged)
			err = publish(tmp.sun_path, &sun);
		if (!err)
			break;
		close(fd);
		if (!staged || (err != -EPERM && err != -EOPNOTSUPP && err != -EXDEV))
			return err;
		staged = 0;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return fd;
}

int
nfv_unix_share_group(const char *path, gid_t gid, mode_t mode)
{
	struct stat st;

	if (mode & 07007)
		return -EINVAL;
	if (lstat(path, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode) && (st.st_mode & (S_IWOTH | S_ISVTX)))
		return -EPERM;
	if (lchown(path, (uid_t)-1, gid) < 0 || chmod(path, mode) < 0)
		return -errno;
	return 0;
}

void
nfv_unix_unlink_own(const char *path, const struct nfv_unix_id *id)
{
	struct stat st;

	if (id->ino && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == id->dev && st.st_ino == id->ino)
		unlink(path);
}
