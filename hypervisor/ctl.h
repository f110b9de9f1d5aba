/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control-socket server of nfvisord.
 *
 * The daemon serves a Unix stream socket (by default
 * /run/nfvisor/nfvisord.sock) that speaks newline-delimited JSON.  Each
 * request is one line holding one object:
 *
 *     {"command": "nf list", "args": ["..."]}
 *
 * "args" is optional and holds strings only.  Each request gets one reply
 * line, in request order:
 *
 *     {"ok": true, "result": {...}}
 *     {"ok": false, "error": "one-line message"}
 *
 * Commands register themselves with a name, a usage string, an argument
 * count range and a handler, as in Open vSwitch's unixctl.  A name may hold
 * several words ("nf list"): the request's command string is split into
 * words, the request's "args" are appended, and the longest registered name
 * that prefixes that word list is the command; the words after it are its
 * arguments.  Two commands are built in: "list-commands" (every command with
 * its usage) and "version".
 *
 * The server owns one poll() loop.  The daemon's control thread adds its own
 * file descriptors (attach sockets, pidfds, eventfds) with
 * nfv_ctl_server_add_fd() and calls nfv_ctl_server_run() until it shuts
 * down, so one thread waits on everything the control plane handles:
 *
 *     s = nfv_ctl_server_create("/run/nfvisor/nfvisord.sock", 0660);
 *     nfv_ctl_command_register(s, "nf list", "", 0, 0, nf_list, mgr);
 *     nfv_ctl_server_add_fd(s, stop_eventfd, POLLIN, on_stop, &stopping);
 *     while (!stopping)
 *         nfv_ctl_server_run(s, -1);
 *     nfv_ctl_server_destroy(s);
 *
 * nfvctl renders results without knowing their schema (see
 * tools/nfv_render.h): return an object, and lists of records as arrays of
 * objects with the same members, e.g. {"nfs": [{"slot": 0, ...}, ...]},
 * which nfvctl shows as tables.
 *
 * Everything a client sends is treated as hostile: lines longer than
 * NFV_CTL_MAX_LINE bytes close the connection after an error reply, malformed
 * requests get error replies, file descriptors passed with SCM_RIGHTS are
 * closed unread, and at most NFV_CTL_MAX_CLIENTS clients are served at once.
 * A client's next requests are read only once the replies to its previous
 * ones are sent, and a client is dropped if more than NFV_CTL_MAX_OUTPUT
 * bytes of replies wait for it.  No client can block the loop: every socket
 * is non-blocking.
 *
 * The server is not thread-safe: call every function from the thread that
 * runs the loop.  It has no DPDK dependency.
 *
 * Errors follow the project convention: functions returning int return 0 or
 * a negative errno value; constructors return NULL and set errno.
 */
#ifndef NFV_CTL_H
#define NFV_CTL_H

#include <sys/types.h>

#include <jansson.h>

/** Longest request line accepted, in bytes, not counting the newline. */
#define NFV_CTL_MAX_LINE (64 * 1024)

/** Most clients served at once; further connections get an error and close. */
#define NFV_CTL_MAX_CLIENTS 64

/** Most reply bytes queued for one client; beyond, the client is dropped. */
#define NFV_CTL_MAX_OUTPUT (4 * 1024 * 1024)

struct nfv_ctl_server;

/**
 * Handler of one command.
 *
 * Runs in the control thread, inside nfv_ctl_server_run().  It may register
 * commands and add or remove file descriptors, but must not destroy the
 * server.
 *
 * @param argc
 *   Number of arguments, already checked against the command's range.
 * @param argv
 *   The arguments (the words after the command name), argv[argc] is NULL.
 *   Valid only during the call.
 * @param aux
 *   The pointer given to nfv_ctl_command_register().
 * @param err
 *   On failure, set *err to a malloc()ed message; the server frees it and
 *   folds it to one line.  Leaving it NULL yields a generic message.
 * @return
 *   A new reference to the result, normally an object ({} when there is
 *   nothing to say); the server takes ownership.  NULL on failure.
 */
typedef json_t *(*nfv_ctl_handler)(int argc, const char *argv[], void *aux,
                                   char **err);

/**
 * Callback for a file descriptor added with nfv_ctl_server_add_fd().
 *
 * Called from nfv_ctl_server_run() when poll() reports events on @p fd.  It
 * may add or remove file descriptors (its own included, and may close @p fd
 * after removing it) and register commands, but must not destroy the server.
 * It must consume or remove a descriptor that reports POLLHUP, POLLERR or
 * POLLNVAL, or the next round reports it again at once.
 *
 * @param fd
 *   The descriptor.
 * @param revents
 *   The poll() events reported (POLLIN, POLLOUT, POLLHUP, ...).
 * @param aux
 *   The pointer given to nfv_ctl_server_add_fd().
 */
typedef void (*nfv_ctl_fd_cb)(int fd, short revents, void *aux);

/**
 * Create a control server listening on a Unix stream socket.
 *
 * A socket file left at @p path by a dead daemon is replaced.  The socket
 * file gets permissions @p mode before it accepts connections.  The built-in
 * commands "list-commands" and "version" are registered.
 *
 * @param path
 *   Socket path; its directory must exist.
 * @param mode
 *   Permissions of the socket file (e.g. 0660); clients need write
 *   permission to connect.
 * @return
 *   The server, or NULL with errno set:
 *   - EADDRINUSE: a live process (another nfvisord) is listening on @p path.
 *   - ENOTSOCK: @p path exists and is not a socket; it is left alone.
 *   - ENAMETOOLONG: @p path does not fit in a sockaddr_un.
 *   - EINVAL: @p path is NULL or empty.
 *   - ENOMEM, or an errno from socket(), bind(), chmod() or listen() (e.g.
 *     ENOENT when the directory is missing, EACCES).
 */
struct nfv_ctl_server *nfv_ctl_server_create(const char *path, mode_t mode);

/**
 * Destroy a control server.
 *
 * Closes every client connection and the listening socket and removes the
 * socket file, unless another process has replaced it since.  File
 * descriptors added with nfv_ctl_server_add_fd() are left open: they belong
 * to the caller.
 *
 * @param s
 *   The server; NULL is a no-op.
 */
void nfv_ctl_server_destroy(struct nfv_ctl_server *s);

/**
 * Removes the server's socket file, unless another process has replaced
 * it since, and nothing else: async-signal-safe (lstat and unlink), for a
 * process dying of a fatal signal.
 *
 * @param s
 *   The server; NULL is a no-op.
 */
void nfv_ctl_server_unlink(const struct nfv_ctl_server *s);

/**
 * Register a command.
 *
 * @param s
 *   The server.
 * @param name
 *   Command name: one or more words of printable ASCII separated by single
 *   spaces, e.g. "status" or "nf list".  Copied.
 * @param usage
 *   Argument synopsis shown by "list-commands", e.g. "[SERVICE]"; "" when
 *   the command takes no arguments.  Copied.
 * @param min_args
 *   Fewest arguments accepted, >= 0.
 * @param max_args
 *   Most arguments accepted, >= @p min_args; INT_MAX for no limit.
 * @param handler
 *   Function that runs the command.
 * @param aux
 *   Passed to @p handler unchanged.
 * @return
 *   0 on success, or:
 *   - -EINVAL: NULL argument, malformed name or bad argument range.
 *   - -EEXIST: a command with this name is registered already.
 *   - -ENOMEM: out of memory.
 */
int nfv_ctl_command_register(struct nfv_ctl_server *s, const char *name,
                             const char *usage, int min_args, int max_args,
                             nfv_ctl_handler handler, void *aux);

/**
 * Add a file descriptor to the server's poll loop.
 *
 * From the next round of nfv_ctl_server_run() on, @p cb runs whenever
 * poll() reports events on @p fd.  The server never closes @p fd.
 *
 * @param s
 *   The server.
 * @param fd
 *   Descriptor to watch.
 * @param events
 *   poll() events to wait for (POLLIN, POLLOUT, ...); POLLHUP, POLLERR and
 *   POLLNVAL are always reported.
 * @param cb
 *   Callback to run.
 * @param aux
 *   Passed to @p cb unchanged.
 * @return
 *   0 on success, or:
 *   - -EINVAL: negative @p fd or NULL @p s or @p cb.
 *   - -EEXIST: @p fd is added already.
 *   - -ENOMEM: out of memory.
 */
int nfv_ctl_server_add_fd(struct nfv_ctl_server *s, int fd, short events,
                          nfv_ctl_fd_cb cb, void *aux);

/**
 * Remove a file descriptor added with nfv_ctl_server_add_fd().
 *
 * Its callback is not called again, even later in the current round.  The
 * caller may close @p fd afterwards.
 *
 * @param s
 *   The server.
 * @param fd
 *   The descriptor.
 * @return
 *   0 on success, -EINVAL for NULL @p s, or -ENOENT if @p fd is not added.
 */
int nfv_ctl_server_remove_fd(struct nfv_ctl_server *s, int fd);

/**
 * Run one round of the poll loop.
 *
 * Waits with one poll() call for the listening socket, the clients and the
 * added file descriptors, then accepts new clients, reads and answers their
 * requests, writes pending replies and runs the callbacks of ready added
 * descriptors.  Never blocks on a client.
 *
 * @param s
 *   The server.
 * @param timeout_ms
 *   Most milliseconds to wait for an event; 0 does not wait, -1 waits
 *   without limit.
 * @return
 *   0 when the round ran (also when poll() was interrupted by a signal or
 *   timed out), or:
 *   - -EINVAL: NULL @p s.
 *   - -ENOMEM: out of memory building the poll set.
 *   - another negative errno from poll().
 */
int nfv_ctl_server_run(struct nfv_ctl_server *s, int timeout_ms);

#endif /* NFV_CTL_H */
