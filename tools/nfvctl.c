/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfvctl: send one command to nfvisord's control socket and print the
 * result.  See docs/nfvctl.8 for the user's view and hypervisor/ctl.h for
 * the protocol.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "nfv_render.h"

/* Socket used without --socket or NFVISOR_SOCKET. */
#define DEFAULT_SOCKET "/run/nfvisor/nfvisord.sock"

/* Seconds to wait for the daemon without --timeout. */
#define DEFAULT_TIMEOUT_S 10

/* Largest reply accepted, in bytes. */
#define MAX_REPLY (64 * 1024 * 1024)

/* Exit statuses. */
enum {
    EXIT_OK = 0,                /* The command succeeded. */
    EXIT_COMMAND = 1,           /* The daemon reported an error. */
    EXIT_USAGE = 2,             /* Bad command line. */
    EXIT_NO_DAEMON = 3,         /* No reply from the daemon. */
};

/* Command-line options. */
struct options {
    const char *socket;         /* Control socket path. */
    bool json;                  /* Print the raw JSON result. */
    int timeout_s;              /* Seconds to wait; 0 waits forever. */
};

/* A connection to the daemon. */
struct conn {
    int fd;                     /* Socket. */
    const char *path;           /* Socket path, for messages. */
    int timeout_s;              /* As in struct options. */
    struct timespec deadline;   /* When to give up, if timeout_s > 0. */
};

static void
usage(void)
{
    printf("Usage: nfvctl [OPTION]... COMMAND [ARG]...\n"
           "Send COMMAND to the nfvisor daemon (nfvisord) and print the "
           "result.\n"
           "\n"
           "Options:\n"
           "  -s, --socket=PATH  control socket (default: $NFVISOR_SOCKET,"
           " else\n"
           "                     %s)\n"
           "  -j, --json         print the result as JSON\n"
           "  -t, --timeout=SEC  give up after SEC seconds (default %d;"
           " 0 waits forever)\n"
           "  -h, --help         print this help and exit\n"
           "  -V, --version      print the version and exit\n"
           "\n"
           "Commands include status, nf list, port list, stats, flow list,\n"
           "service list, domain list and audit;\n"
           "'nfvctl list-commands' shows every command the daemon knows.\n"
           "\n"
           "Exit status: 0 success, 1 the command failed, 2 usage error,\n"
           "3 the daemon could not be reached.\n",
           DEFAULT_SOCKET, DEFAULT_TIMEOUT_S);
}

/* Reports a usage error and exits. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *format, ...)
{
    va_list args;

    fputs("nfvctl: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputs("\nTry 'nfvctl --help' for more information.\n", stderr);
    exit(EXIT_USAGE);
}

/* Parses a --timeout value. */
static int
parse_timeout(const char *text)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > INT_MAX / 1000) {
        usage_error("invalid timeout '%s': expected whole seconds", text);
    }
    return v;
}

/* Parses the options; returns the index of the command in 'argv'. */
static int
parse_options(int argc, char *argv[], struct options *opts)
{
    static const struct option longopts[] = {
        { "socket", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *env = getenv("NFVISOR_SOCKET");
    int c;

    opts->socket = env && env[0] ? env : DEFAULT_SOCKET;
    opts->json = false;
    opts->timeout_s = DEFAULT_TIMEOUT_S;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:s:jt:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            opts->socket = optarg;
            break;
        case 'j':
            opts->json = true;
            break;
        case 't':
            opts->timeout_s = parse_timeout(optarg);
            break;
        case 'h':
            usage();
            exit(EXIT_OK);
        case 'V':
            printf("nfvctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            exit(EXIT_OK);
        case ':':
            usage_error("option '%s' needs an argument", argv[optind - 1]);
        default:
            if (optopt) {
                usage_error("unknown option '-%c'", optopt);
            }
            usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        usage_error("no command given ('nfvctl list-commands' lists them)");
    }
    return optind;
}

/* Returns 's' as a JSON string, or exits if it is not UTF-8. */
static json_t *
utf8_string(const char *s)
{
    json_t *j = json_string(s);

    if (!j) {
        usage_error("'%s' is not valid UTF-8", s);
    }
    return j;
}

/* Returns the request line for 'argv' (command, then arguments), or exits. */
static char *
make_request(int argc, char *argv[])
{
    json_t *command = utf8_string(argv[0]);
    json_t *args = json_array();
    json_t *request;
    char *text;

    for (int i = 1; i < argc; i++) {
        json_array_append_new(args, utf8_string(argv[i]));
    }
    request = json_pack("{s:o, s:o}", "command", command, "args", args);
    text = request ? json_dumps(request, JSON_COMPACT) : NULL;
    json_decref(request);
    if (!text) {
        fputs("nfvctl: out of memory\n", stderr);
        exit(EXIT_COMMAND);
    }
    return text;
}

/* ---- Talking to the daemon ---- */

/* Reports why the daemon could not be reached and exits. */
static void __attribute__((noreturn))
connect_failed(const char *path, int err)
{
    const char *why;

    switch (err) {
    case ENOENT:
        why = "no such socket: is nfvisord running?";
        break;
    case ECONNREFUSED:
        why = "connection refused: nfvisord is not running "
              "(stale socket file)";
        break;
    case EACCES:
    case EPERM:
        why = "permission denied: connecting needs write permission on "
              "the socket (try as root)";
        break;
    case EAGAIN:
        why = "nfvisord is running but too busy to accept connections";
        break;
    default:
        why = strerror(err);
        break;
    }
    fprintf(stderr, "nfvctl: cannot connect to %s: %s\n"
            "nfvctl: use --socket PATH (or NFVISOR_SOCKET) if nfvisord "
            "listens elsewhere\n", path, why);
    exit(EXIT_NO_DAEMON);
}

/* Reports a failure to talk to the daemon after connecting, and exits. */
static void __attribute__((noreturn))
talk_failed(const struct conn *c, int err)
{
    if (err == ETIMEDOUT) {
        fprintf(stderr, "nfvctl: %s: no reply from nfvisord within %d "
                "seconds (see --timeout)\n", c->path, c->timeout_s);
    } else {
        fprintf(stderr, "nfvctl: %s: lost connection to nfvisord: %s\n",
                c->path, err ? strerror(err) : "connection closed");
    }
    exit(EXIT_NO_DAEMON);
}

/* Connects to the daemon or exits. */
static void
conn_open(struct conn *c, const struct options *opts)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    c->path = opts->socket;
    c->timeout_s = opts->timeout_s;
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += opts->timeout_s;
    if (strlen(c->path) >= sizeof sun.sun_path) {
        connect_failed(c->path, ENAMETOOLONG);
    }
    strcpy(sun.sun_path, c->path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0
        || connect(c->fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        connect_failed(c->path, errno);
    }
}

/* Waits until 'c''s socket reports 'events'; 0, -ETIMEDOUT or -errno. */
static int
conn_wait(const struct conn *c, short events)
{
    struct pollfd pfd = { .fd = c->fd, .events = events };
    int timeout_ms = -1;
    struct timespec now;

    if (c->timeout_s) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        timeout_ms = (c->deadline.tv_sec - now.tv_sec) * 1000
                     + (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
        if (timeout_ms <= 0) {
            return -ETIMEDOUT;
        }
    }
    switch (poll(&pfd, 1, timeout_ms)) {
    case -1:
        return errno == EINTR ? 0 : -errno;
    case 0:
        return -ETIMEDOUT;
    default:
        return 0;
    }
}

/* Sends 'len' bytes of 'data' or exits. */
static void
conn_send(const struct conn *c, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        int err = 0;

        if (n >= 0) {
            data += n;
            len -= n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            err = conn_wait(c, POLLOUT);
        } else if (errno != EINTR) {
            err = -errno;
        }
        if (err) {
            talk_failed(c, -err);
        }
    }
}

/* Handles a recv() that returned 'n' <= 0: waits if it may, else exits. */
static void
conn_recv_wait(const struct conn *c, ssize_t n)
{
    int err = 0;

    if (n == 0) {
        talk_failed(c, 0);
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
        err = conn_wait(c, POLLIN);
    } else if (errno != EINTR) {
        err = -errno;
    }
    if (err) {
        talk_failed(c, -err);
    }
}

/* Returns 'buf' grown to make room, or exits. */
static char *
grow_reply(char *buf, size_t *cap)
{
    size_t new_cap = *cap ? *cap * 2 : 4096;

    buf = new_cap <= MAX_REPLY ? realloc(buf, new_cap) : NULL;
    if (!buf) {
        fputs("nfvctl: reply from nfvisord too large\n", stderr);
        exit(EXIT_NO_DAEMON);
    }
    *cap = new_cap;
    return buf;
}

/* Receives one reply line (without the '\n') or exits; free() it. */
static char *
conn_recv_line(const struct conn *c, size_t *len)
{
    size_t cap = 0, used = 0;
    char *buf = NULL;
    char *nl = NULL;

    while (!nl) {
        ssize_t n;

        if (used == cap) {
            buf = grow_reply(buf, &cap);
        }
        n = recv(c->fd, buf + used, cap - used, 0);
        if (n > 0 && used == 0 && buf[0] != '{') {
            /* A domain's attach socket greets with binary ivshmem
             * messages, never a JSON line: say so now, not at --timeout. */
            fprintf(stderr, "nfvctl: %s is not nfvisord's control socket (a domain's "
                    "attach socket?): the control socket is nfvisord.sock in its "
                    "--run-dir, e.g. %s\n", c->path, DEFAULT_SOCKET);
            exit(EXIT_NO_DAEMON);
        }
        if (n > 0) {
            nl = memchr(buf + used, '\n', n);
            used += n;
        } else {
            conn_recv_wait(c, n);
        }
    }
    *len = nl - buf;
    return buf;
}

/* Sends 'request' and returns the parsed reply, or exits. */
static json_t *
transact(const struct options *opts, const char *request)
{
    struct conn c;
    json_error_t jerr;
    json_t *reply;
    size_t len;
    char *line;

    /* The daemon would refuse it and hang up, mid-send for us. */
    if (strlen(request) >= NFV_CTL_MAX_LINE) {
        fprintf(stderr, "nfvctl: request of %zu bytes, longer than the %d nfvisord "
                "takes: shorten its arguments\n", strlen(request), NFV_CTL_MAX_LINE - 1);
        exit(EXIT_USAGE);
    }
    conn_open(&c, opts);
    conn_send(&c, request, strlen(request));
    conn_send(&c, "\n", 1);
    line = conn_recv_line(&c, &len);
    close(c.fd);
    reply = json_loadb(line, len, 0, &jerr);
    free(line);
    if (!reply) {
        fprintf(stderr, "nfvctl: invalid reply from nfvisord: %s\n",
                jerr.text);
        exit(EXIT_NO_DAEMON);
    }
    return reply;
}

/* ---- Output ---- */

/* Prints the result of a successful reply; returns the exit status. */
static int
print_result(const json_t *result, bool json)
{
    int err;

    if (json) {
        err = json_dumpf(result, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY)
              ? -EIO : 0;
        if (!err && (putchar('\n') == EOF || fflush(stdout))) {
            err = -EIO;
        }
    } else {
        err = nfv_render(stdout, result);
    }
    if (err) {
        fprintf(stderr, "nfvctl: cannot print the result: %s\n",
                strerror(-err));
        return EXIT_COMMAND;
    }
    return EXIT_OK;
}

/* Prints the outcome of 'reply'; returns the exit status. */
static int
print_reply(const json_t *reply, bool json)
{
    const json_t *ok = json_object_get(reply, "ok");
    const json_t *result = json_object_get(reply, "result");
    const json_t *error = json_object_get(reply, "error");

    if (json_is_true(ok) && result) {
        return print_result(result, json);
    }
    if (json_is_false(ok) && json_is_string(error)) {
        fprintf(stderr, "nfvctl: %s\n", json_string_value(error));
        return EXIT_COMMAND;
    }
    fputs("nfvctl: invalid reply from nfvisord: no result or error\n",
          stderr);
    return EXIT_NO_DAEMON;
}

int
main(int argc, char *argv[])
{
    struct options opts;
    int cmd = parse_options(argc, argv, &opts);
    json_t *reply;
    char *request;
    int status;

    /* 'nfvctl stats --json' as well as 'nfvctl --json stats': no command
     * takes -j or --json as its last argument. */
    while (argc - cmd > 1 && (!strcmp(argv[argc - 1], "--json") || !strcmp(argv[argc - 1], "-j"))) {
        opts.json = true;
        argc--;
    }
    request = make_request(argc - cmd, argv + cmd);
    reply = transact(&opts, request);
    status = print_reply(reply, opts.json);

    json_decref(reply);
    free(request);
    return status;
}
