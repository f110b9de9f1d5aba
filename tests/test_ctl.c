/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control socket: the server framework (hypervisor/ctl.c) as its clients and
 * attackers see it, nfvctl as its users see it, and nfvctl's rendering.
 *
 * Most tests run a server on a socket in a fresh temporary directory, with
 * its loop in a thread of the (forked) test process, and talk to it as
 * clients do.
 */
#include <config.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl.h"
#include "nfv_render.h"

/* Seconds a client waits for a reply before the test fails. */
#define REPLY_TIMEOUT_S 5

/* Size of the "big" command's reply string. */
#define BIG_REPLY (256 * 1024)

static char tmpdir[64];             /* Fresh temporary directory. */
static char sock_path[PATH_MAX];    /* Socket path in it. */
static struct nfv_ctl_server *server; /* Server under test. */
static pthread_t loop_thread;       /* Runs the server's loop. */
static atomic_bool loop_stop;       /* Tells loop_thread to end. */

/* ---- Test commands ---- */

/* Returns {"command": aux, "args": argv}. */
static json_t *
cmd_echo(int argc, const char *argv[], void *aux, char **err)
{
    json_t *args = json_array();

    for (int i = 0; i < argc; i++) {
        json_array_append_new(args, json_string(argv[i]));
    }
    ck_assert_ptr_null(argv[argc]);
    return json_pack("{s:s, s:o}", "command", (const char *) aux,
                     "args", args);
}

/* Fails with a message holding a newline and a terminal escape. */
static json_t *
cmd_fail(int argc, const char *argv[], void *aux, char **err)
{
    *err = strdup("first line\nsecond \x1b[2J \xc2\x9b" "31m line");
    return NULL;
}

/* Fails without a message. */
static json_t *
cmd_fail_silent(int argc, const char *argv[], void *aux, char **err)
{
    return NULL;
}

/* Returns {"data": "xxx..."} of BIG_REPLY bytes. */
static json_t *
cmd_big(int argc, const char *argv[], void *aux, char **err)
{
    char *data = malloc(BIG_REPLY + 1);
    json_t *result;

    memset(data, 'x', BIG_REPLY);
    data[BIG_REPLY] = '\0';
    result = json_pack("{s:s}", "data", data);
    free(data);
    return result;
}

/* Returns a list of NFs, as "nf list" of the daemon might. */
static json_t *
cmd_nf_table(int argc, const char *argv[], void *aux, char **err)
{
    return json_loads("{\"nfs\": ["
                      "{\"slot\": 0, \"name\": \"fw\", \"rx\": 5},"
                      "{\"slot\": 12, \"name\": \"router\", \"rx\": 1234}"
                      "]}", 0, NULL);
}

static void
register_test_commands(struct nfv_ctl_server *s)
{
    ck_assert_int_eq(nfv_ctl_command_register(s, "echo", "[ARG]...", 0,
                                              INT_MAX, cmd_echo, "echo"), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "nf", "[A [B]]", 0, 2,
                                              cmd_echo, "nf"), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "nf list", "", 0, 0,
                                              cmd_echo, "nf list"), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "pair", "A [B]", 1, 2,
                                              cmd_echo, "pair"), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "fail", "", 0, 0,
                                              cmd_fail, NULL), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "fail silent", "", 0, 0,
                                              cmd_fail_silent, NULL), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "big", "", 0, 0,
                                              cmd_big, NULL), 0);
    ck_assert_int_eq(nfv_ctl_command_register(s, "nf table", "", 0, 0,
                                              cmd_nf_table, NULL), 0);
}

/* ---- Fixtures ---- */

static void
setup_dir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_ctl.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(sock_path, sizeof sock_path, "%s/ctl.sock", tmpdir);
}

static void
teardown_dir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (e->d_name[0] != '.') {
            unlinkat(dirfd(d), e->d_name, 0);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(tmpdir);
}

static void *
server_loop(void *s)
{
    while (!atomic_load(&loop_stop)) {
        ck_assert_int_eq(nfv_ctl_server_run(s, 10), 0);
    }
    return NULL;
}

/* Starts the loop of 'server' in a thread. */
static void
start_loop(void)
{
    atomic_store(&loop_stop, false);
    ck_assert_int_eq(pthread_create(&loop_thread, NULL, server_loop, server),
                     0);
}

/* Stops the loop started by start_loop(). */
static void
stop_loop(void)
{
    atomic_store(&loop_stop, true);
    ck_assert_int_eq(pthread_join(loop_thread, NULL), 0);
}

static void
setup_server(void)
{
    setup_dir();
    server = nfv_ctl_server_create(sock_path, 0600);
    ck_assert_ptr_nonnull(server);
    register_test_commands(server);
    start_loop();
}

static void
teardown_server(void)
{
    stop_loop();
    nfv_ctl_server_destroy(server);
    server = NULL;
    teardown_dir();
}

/* ---- Clients ---- */

/* Connects to 'path'; returns the socket or -errno. */
static int
try_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int err;

    ck_assert_int_ge(fd, 0);
    strcpy(sun.sun_path, path);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int
client_connect(void)
{
    int fd = try_connect(sock_path);

    ck_assert_msg(fd >= 0, "connect: %s", strerror(-fd));
    return fd;
}

static void
client_send(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        data += n;
        len -= n;
    }
}

static void
client_send_str(int fd, const char *text)
{
    client_send(fd, text, strlen(text));
}

/* Receives one line (without '\n'); NULL at end of stream.  free() it. */
static char *
client_recv_line(int fd)
{
    size_t len = 0, cap = 0;
    char *line = NULL;

    for (;;) {
        ssize_t n, take;
        char *nl;

        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 64 * 1024;
            line = realloc(line, cap);
        }
        /* Peek, then take no more than the line. */
        n = recv(fd, line + len, cap - len - 1, MSG_PEEK);
        ck_assert_msg(n >= 0, "recv: %s", strerror(errno));
        if (n == 0) {
            ck_assert_uint_eq(len, 0);
            free(line);
            return NULL;
        }
        nl = memchr(line + len, '\n', n);
        take = nl ? nl - (line + len) + 1 : n;
        ck_assert_int_eq(recv(fd, line + len, take, 0), take);
        len += take;
        if (nl) {
            line[len - 1] = '\0';
            return line;
        }
    }
}

/* Receives and parses one reply, checking it has the reply's shape. */
static json_t *
client_recv(int fd)
{
    char *line = client_recv_line(fd);
    json_error_t jerr;
    json_t *reply;

    ck_assert_msg(line, "connection closed instead of a reply");
    reply = json_loads(line, 0, &jerr);
    ck_assert_msg(reply, "reply is not JSON (%s): %s", jerr.text, line);
    ck_assert(json_is_boolean(json_object_get(reply, "ok")));
    ck_assert_uint_eq(json_object_size(reply), 2);
    free(line);
    return reply;
}

/* Asserts that the peer closes 'fd' without sending more. */
static void
assert_closed(int fd)
{
    char c;

    ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
}

/* Sends one request line on a new connection and returns the reply. */
static json_t *
roundtrip(const char *request)
{
    int fd = client_connect();
    json_t *reply;

    client_send_str(fd, request);
    client_send_str(fd, "\n");
    reply = client_recv(fd);
    close(fd);
    return reply;
}

/* Asserts 'reply' is a success and returns its result (owned by reply). */
static json_t *
assert_ok(json_t *reply)
{
    json_t *result = json_object_get(reply, "result");

    ck_assert_msg(json_is_true(json_object_get(reply, "ok")),
                  "command failed: %s",
                  json_string_value(json_object_get(reply, "error")));
    ck_assert_ptr_nonnull(result);
    return result;
}

/* Asserts 'reply' is an error whose message contains 'text'; frees it. */
static void
assert_error(json_t *reply, const char *text)
{
    const char *msg = json_string_value(json_object_get(reply, "error"));

    ck_assert(json_is_false(json_object_get(reply, "ok")));
    ck_assert_ptr_nonnull(msg);
    ck_assert_msg(strstr(msg, text), "error '%s' lacks '%s'", msg, text);
    json_decref(reply);
}

/* Asserts 'reply' ran test command 'command' with the JSON array 'args'. */
static void
assert_ran(json_t *reply, const char *command, const char *args)
{
    json_t *result = assert_ok(reply);
    json_t *expected = json_loads(args, JSON_DECODE_ANY, NULL);

    ck_assert_str_eq(json_string_value(json_object_get(result, "command")),
                     command);
    ck_assert(json_equal(json_object_get(result, "args"), expected));
    json_decref(expected);
    json_decref(reply);
}

/* Reads 'fd' to the end of the stream; returns the number of lines. */
static int
count_lines_to_end(int fd)
{
    static char buf[64 * 1024];
    int lines = 0;
    ssize_t n;

    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            lines += buf[i] == '\n';
        }
    }
    /* A peer that closes with our data unread resets the connection. */
    ck_assert_msg(n == 0 || errno == ECONNRESET, "recv: %s", strerror(errno));
    return lines;
}

/* Returns the number of open file descriptors of this process. */
static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

/* ---- Requests and replies ---- */

START_TEST(test_roundtrip)
{
    assert_ran(roundtrip("{\"command\": \"echo\", \"args\": [\"a\", \"b c\"]}"),
               "echo", "[\"a\", \"b c\"]");
    assert_ran(roundtrip("{\"command\": \"echo\"}"), "echo", "[]");
}
END_TEST

START_TEST(test_longest_prefix)
{
    assert_ran(roundtrip("{\"command\": \"nf list\"}"), "nf list", "[]");
    assert_ran(roundtrip("{\"command\": \"nf\", \"args\": [\"list\"]}"),
               "nf list", "[]");
    assert_ran(roundtrip("{\"command\": \" nf \\t list \"}"), "nf list",
               "[]");
    assert_ran(roundtrip("{\"command\": \"nf stats\"}"), "nf", "[\"stats\"]");
    assert_ran(roundtrip("{\"command\": \"nf\", \"args\": [\"nf list\"]}"),
               "nf", "[\"nf list\"]");
}
END_TEST

START_TEST(test_arg_count)
{
    assert_error(roundtrip("{\"command\": \"pair\"}"),
                 "command 'pair' takes 1 to 2 arguments, got 0 "
                 "(usage: pair A [B])");
    assert_error(roundtrip("{\"command\": \"pair 1 2 3\"}"),
                 "takes 1 to 2 arguments, got 3");
    assert_error(roundtrip("{\"command\": \"nf list\", \"args\": [\"x\"]}"),
                 "command 'nf list' takes no arguments, got 1");
    assert_ran(roundtrip("{\"command\": \"pair 1 2\"}"), "pair",
               "[\"1\", \"2\"]");
}
END_TEST

START_TEST(test_unknown_command)
{
    assert_error(roundtrip("{\"command\": \"bogus thing\"}"),
                 "unknown command 'bogus thing'; 'list-commands' lists");
    assert_error(roundtrip("{\"command\": \"\"}"), "empty command");
    assert_error(roundtrip("{\"command\": \" \", \"args\": []}"),
                 "empty command");
}
END_TEST

START_TEST(test_malformed_requests)
{
    static const struct {
        const char *line;
        const char *error;
    } cases[] = {
        { "not json", "invalid JSON" },
        { "{\"command\": \"echo\"", "invalid JSON" },
        { "{\"command\": \"echo\"} {}", "invalid JSON" },
        { "[\"echo\"]", "request must be a JSON object" },
        { "{}", "'command' must be a string" },
        { "{\"command\": 5}", "'command' must be a string" },
        { "{\"command\": null}", "'command' must be a string" },
        { "{\"command\": \"echo\", \"args\": \"x\"}",
          "'args' must be an array of strings" },
        { "{\"command\": \"echo\", \"args\": [\"x\", 1]}",
          "'args' must be an array of strings" },
        { "{\"command\": \"echo\", \"args\": [[]]}",
          "'args' must be an array of strings" },
        { "{\"command\": \"echo\", \"id\": 1}",
          "unknown request member 'id'" },
        { "{\"command\": \"echo\", \"command\": \"fail\"}", "invalid JSON" },
        { "{\"command\": \"ec\\u0000ho\"}", "invalid JSON" },
        { "{\"command\": \"\xff\xfe\"}", "invalid JSON" },
        { "\x01\x02\x7f", "invalid JSON" },
    };
    int fd = client_connect();

    /* One connection: an error must not end the session. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        client_send_str(fd, cases[i].line);
        client_send_str(fd, "\n");
        assert_error(client_recv(fd), cases[i].error);
    }
    /* A NUL is no whitespace: the line is answered, not skipped. */
    client_send(fd, " \0\t\n", 4);
    assert_error(client_recv(fd), "invalid JSON");
    client_send_str(fd, "{\"command\": \"echo\"}\n");
    assert_ran(client_recv(fd), "echo", "[]");
    close(fd);
}
END_TEST

START_TEST(test_deep_nesting)
{
    size_t depth = 60000;
    char *line = malloc(depth + 2);
    int fd = client_connect();

    memset(line, '[', depth);
    strcpy(line + depth, "\n");
    client_send_str(fd, line);
    assert_error(client_recv(fd), "invalid JSON");
    client_send_str(fd, "{\"command\": \"echo\"}\n");
    assert_ran(client_recv(fd), "echo", "[]");
    close(fd);
    free(line);
}
END_TEST

START_TEST(test_handler_error)
{
    json_t *reply = roundtrip("{\"command\": \"fail\"}");
    const char *msg = json_string_value(json_object_get(reply, "error"));

    ck_assert_ptr_nonnull(msg);
    for (const unsigned char *p = (const unsigned char *) msg; *p; p++) {
        ck_assert_msg(*p >= 0x20 && *p != 0x7f && *p != 0xc2,
                      "control character in '%s'", msg);
    }
    assert_error(reply, "first line second");
    assert_error(roundtrip("{\"command\": \"fail silent\"}"),
                 "command failed");
}
END_TEST

START_TEST(test_pipelined_requests)
{
    int fd = client_connect();

    client_send_str(fd, "{\"command\": \"echo 1\"}\n\n  \n"
                        "{\"command\": \"bogus\"}\n"
                        "{\"command\": \"echo 3\"}\r\n"
                        "{\"command\": \"echo\", \"args\": [\"4\"]}");
    assert_ran(client_recv(fd), "echo", "[\"1\"]");
    assert_error(client_recv(fd), "unknown command 'bogus'");
    assert_ran(client_recv(fd), "echo", "[\"3\"]");
    /* An unterminated last request is answered at end of stream. */
    ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
    assert_ran(client_recv(fd), "echo", "[\"4\"]");
    assert_closed(fd);
    close(fd);
}
END_TEST

START_TEST(test_line_at_limit)
{
    static const char head[] = "{\"command\": \"echo\", \"args\": [\"";
    static const char tail[] = "\"]}";
    size_t len = NFV_CTL_MAX_LINE;
    size_t pad = len - (sizeof head - 1) - (sizeof tail - 1);
    char *line = malloc(len + 2);
    json_t *reply;
    int fd = client_connect();

    memcpy(line, head, sizeof head - 1);
    memset(line + sizeof head - 1, 'a', pad);
    strcpy(line + sizeof head - 1 + pad, tail);
    strcat(line, "\n");
    ck_assert_uint_eq(strlen(line), len + 1);
    client_send_str(fd, line);
    reply = client_recv(fd);
    ck_assert_uint_eq(strlen(json_string_value(json_array_get(
        json_object_get(assert_ok(reply), "args"), 0))), pad);
    json_decref(reply);
    close(fd);
    free(line);
}
END_TEST

START_TEST(test_oversized_line)
{
    size_t len = NFV_CTL_MAX_LINE + 1;
    char *line = malloc(len);
    int fd = client_connect();

    memset(line, ' ', len);
    client_send(fd, line, len);
    assert_error(client_recv(fd), "request longer than 65536 bytes");
    assert_closed(fd);
    close(fd);
    free(line);
    /* The server goes on serving others. */
    assert_ran(roundtrip("{\"command\": \"echo\"}"), "echo", "[]");
}
END_TEST

/* Sends 'text' with 'n' file descriptors attached. */
static void
send_with_fds(int sock, const char *text, const int *fds, size_t n)
{
    char control[CMSG_SPACE(253 * sizeof(int))] = { 0 };
    struct iovec iov = { .iov_base = (void *) text, .iov_len = strlen(text) };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control, .msg_controllen = CMSG_SPACE(n * sizeof(int)),
    };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
    ck_assert_int_eq(sendmsg(sock, &msg, MSG_NOSIGNAL), strlen(text));
}

START_TEST(test_passed_fds_closed)
{
    int fd = client_connect();
    int pipefd[2];
    int nulls[200];
    struct pollfd pfd;
    int before;

    ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++) {
        nulls[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(nulls[i], 0);
    }
    /* A first exchange makes sure the server has accepted us. */
    client_send_str(fd, "{\"command\": \"echo\"}\n");
    assert_ran(client_recv(fd), "echo", "[]");
    before = count_fds();

    send_with_fds(fd, "{\"command\": \"echo\", \"args\": [\"fd\"]}\n",
                  &pipefd[1], 1);
    assert_ran(client_recv(fd), "echo", "[\"fd\"]");
    send_with_fds(fd, "{\"command\": \"echo\"}\n", nulls,
                  sizeof nulls / sizeof nulls[0]);
    assert_ran(client_recv(fd), "echo", "[]");
    ck_assert_int_eq(count_fds(), before);

    /* The server's copy of the write end is gone: the pipe reads EOF. */
    close(pipefd[1]);
    pfd = (struct pollfd) { .fd = pipefd[0], .events = POLLIN };
    ck_assert_int_eq(poll(&pfd, 1, REPLY_TIMEOUT_S * 1000), 1);
    ck_assert_int_eq(read(pipefd[0], &before, 1), 0);
    close(pipefd[0]);
    close(fd);
}
END_TEST

START_TEST(test_many_clients)
{
    int fds[NFV_CTL_MAX_CLIENTS];
    json_t *reply = NULL;
    int extra;

    for (int i = 0; i < NFV_CTL_MAX_CLIENTS; i++) {
        fds[i] = client_connect();
        client_send_str(fds[i], "{\"command\": \"echo\"}\n");
    }
    for (int i = 0; i < NFV_CTL_MAX_CLIENTS; i++) {
        assert_ran(client_recv(fds[i]), "echo", "[]");
    }
    /* One too many: told why, then closed. */
    extra = client_connect();
    assert_error(client_recv(extra), "too many clients");
    assert_closed(extra);
    close(extra);

    /* A client that leaves frees its slot. */
    close(fds[0]);
    for (int tries = 0; tries < 500; tries++) {
        static const char req[] = "{\"command\": \"echo\"}\n";

        extra = client_connect();
        /* May fail if refused already: the refusal is read below. */
        send(extra, req, sizeof req - 1, MSG_NOSIGNAL);
        reply = client_recv(extra);
        close(extra);
        if (json_is_true(json_object_get(reply, "ok"))) {
            break;
        }
        json_decref(reply);
        reply = NULL;
        usleep(10 * 1000);
    }
    ck_assert_ptr_nonnull(reply);
    assert_ran(reply, "echo", "[]");
    for (int i = 1; i < NFV_CTL_MAX_CLIENTS; i++) {
        close(fds[i]);
    }
}
END_TEST

START_TEST(test_reader_that_never_reads_is_dropped)
{
    enum { requests = 64 };
    char batch[requests * 32] = "";
    int greedy = client_connect();
    struct timespec t0, t1;
    int replies;

    /* One write, so that the server reads the whole batch at once. */
    for (int i = 0; i < requests; i++) {
        strcat(batch, "{\"command\": \"big\"}\n");
    }
    client_send_str(greedy, batch);
    /* The loop is not stuck on the greedy client. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_ran(roundtrip("{\"command\": \"echo\"}"), "echo", "[]");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);

    /* Its replies stop short of what it asked for, then the stream ends. */
    replies = count_lines_to_end(greedy);
    ck_assert_int_lt(replies, requests);
    ck_assert_int_lt((long) replies * BIG_REPLY, 2 * NFV_CTL_MAX_OUTPUT);
    close(greedy);
}
END_TEST

START_TEST(test_large_replies_delivered)
{
    enum { requests = 10 };
    char batch[requests * 32] = "";
    int fd = client_connect();

    /* More than a socket buffer of replies, but within the limit. */
    for (int i = 0; i < requests; i++) {
        strcat(batch, "{\"command\": \"big\"}\n");
    }
    client_send_str(fd, batch);
    for (int i = 0; i < requests; i++) {
        json_t *reply = client_recv(fd);

        ck_assert_uint_eq(json_string_length(json_object_get(
            assert_ok(reply), "data")), BIG_REPLY);
        json_decref(reply);
    }
    client_send_str(fd, "{\"command\": \"echo\"}\n");
    assert_ran(client_recv(fd), "echo", "[]");
    close(fd);
}
END_TEST

START_TEST(test_builtin_commands)
{
    json_t *reply = roundtrip("{\"command\": \"list-commands\"}");
    json_t *list = json_object_get(assert_ok(reply), "commands");
    const char *prev = "";
    bool seen_pair = false, seen_version = false;
    size_t i;
    json_t *cmd;

    ck_assert_uint_eq(json_array_size(list), 10);
    json_array_foreach(list, i, cmd) {
        const char *name = json_string_value(json_object_get(cmd, "command"));
        const char *usage = json_string_value(json_object_get(cmd, "usage"));

        ck_assert_ptr_nonnull(name);
        ck_assert_ptr_nonnull(usage);
        ck_assert_int_lt(strcmp(prev, name), 0);
        prev = name;
        if (!strcmp(name, "pair")) {
            ck_assert_str_eq(usage, "A [B]");
            seen_pair = true;
        }
        seen_version |= !strcmp(name, "version");
    }
    ck_assert(seen_pair && seen_version);
    json_decref(reply);

    reply = roundtrip("{\"command\": \"version\"}");
    ck_assert_str_eq(json_string_value(json_object_get(assert_ok(reply),
                                                       "version")),
                     PACKAGE_VERSION);
    json_decref(reply);
    assert_error(roundtrip("{\"command\": \"version now\"}"),
                 "takes no arguments");
}
END_TEST

/* ---- Server life cycle ---- */

START_TEST(test_register_rejects_bad_commands)
{
    struct nfv_ctl_server *s = nfv_ctl_server_create(sock_path, 0600);
    static const char *const bad_names[] = {
        "", " nf", "nf ", "nf  list", "nf\tlist", "nf\nlist", "caf\xc3\xa9",
    };

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(nfv_ctl_command_register(s, "version", "", 0, 0,
                                              cmd_fail, NULL), -EEXIST);
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        ck_assert_int_eq(nfv_ctl_command_register(s, bad_names[i], "", 0, 0,
                                                  cmd_fail, NULL), -EINVAL);
    }
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", "", -1, 0, cmd_fail,
                                              NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", "", 2, 1, cmd_fail,
                                              NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", "", 0, 0, NULL,
                                              NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", NULL, 0, 0, cmd_fail,
                                              NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", "\xff", 0, 0, cmd_fail,
                                              NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x", "A\nB", 0, 0,
                                              cmd_fail, NULL), -EINVAL);
    ck_assert_int_eq(nfv_ctl_command_register(s, "x y", "", 0, 0, cmd_fail,
                                              NULL), 0);
    nfv_ctl_server_destroy(s);
}
END_TEST

START_TEST(test_second_server_refused)
{
    struct stat before, after;
    struct nfv_ctl_server *s;

    ck_assert_int_eq(stat(sock_path, &before), 0);
    errno = 0;
    s = nfv_ctl_server_create(sock_path, 0600);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(errno, EADDRINUSE);
    /* The live server keeps its socket and goes on serving. */
    ck_assert_int_eq(stat(sock_path, &after), 0);
    ck_assert_uint_eq(before.st_ino, after.st_ino);
    assert_ran(roundtrip("{\"command\": \"echo\"}"), "echo", "[]");
}
END_TEST

START_TEST(test_stale_socket_replaced)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    json_t *reply;
    struct stat st;

    /* A socket file nobody listens on, as a crashed daemon leaves. */
    strcpy(sun.sun_path, sock_path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    close(fd);
    ck_assert_int_eq(try_connect(sock_path), -ECONNREFUSED);

    server = nfv_ctl_server_create(sock_path, 0660);
    ck_assert_ptr_nonnull(server);
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0660);
    start_loop();
    reply = roundtrip("{\"command\": \"version\"}");
    assert_ok(reply);
    json_decref(reply);
    stop_loop();
    nfv_ctl_server_destroy(server);
}
END_TEST

/* Names in tmpdir other than dot files. */
static int
dir_entries(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/* The socket is bound under a staging name and linked into place once it
 * listens: nothing but the socket stays, and a path with no room for the
 * staging name is bound in place. */
START_TEST(test_socket_published_listening)
{
    struct sockaddr_un sun;
    char longest[sizeof sun.sun_path];
    struct nfv_ctl_server *s = nfv_ctl_server_create(sock_path, 0600);
    size_t n;
    int fd;

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(dir_entries(), 1);
    fd = try_connect(sock_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    nfv_ctl_server_destroy(s);
    ck_assert_int_eq(dir_entries(), 0);

    n = (size_t)snprintf(longest, sizeof longest, "%s/", tmpdir);
    memset(longest + n, 'x', sizeof longest - 1 - n);
    longest[sizeof longest - 1] = '\0';
    s = nfv_ctl_server_create(longest, 0600);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(dir_entries(), 1);
    nfv_ctl_server_destroy(s);
    ck_assert_int_eq(dir_entries(), 0);
}
END_TEST

START_TEST(test_not_a_socket_left_alone)
{
    struct stat st;
    int fd = open(sock_path, O_WRONLY | O_CREAT | O_EXCL, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "data", 4), 4);
    close(fd);
    errno = 0;
    ck_assert_ptr_null(nfv_ctl_server_create(sock_path, 0600));
    ck_assert_int_eq(errno, ENOTSOCK);
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(st.st_size, 4);
}
END_TEST

START_TEST(test_bad_paths)
{
    char long_path[sizeof ((struct sockaddr_un *) 0)->sun_path + 8];
    char missing_dir[PATH_MAX];

    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    ck_assert_ptr_null(nfv_ctl_server_create(long_path, 0600));
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_ptr_null(nfv_ctl_server_create("", 0600));
    ck_assert_int_eq(errno, EINVAL);
    snprintf(missing_dir, sizeof missing_dir, "%s/no/such.sock", tmpdir);
    ck_assert_ptr_null(nfv_ctl_server_create(missing_dir, 0600));
    ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_destroy_unlinks_socket)
{
    struct nfv_ctl_server *s = nfv_ctl_server_create(sock_path, 0600);
    struct stat st;
    int fd;

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(stat(sock_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    fd = client_connect();
    ck_assert_int_eq(nfv_ctl_server_run(s, 1000), 0);
    nfv_ctl_server_destroy(s);
    ck_assert_int_eq(stat(sock_path, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    /* Connected clients see the end of the stream. */
    assert_closed(fd);
    close(fd);
    ck_assert_int_eq(try_connect(sock_path), -ENOENT);
}
END_TEST

START_TEST(test_destroy_spares_replaced_socket)
{
    struct nfv_ctl_server *s = nfv_ctl_server_create(sock_path, 0600);
    struct nfv_ctl_server *s2;

    ck_assert_ptr_nonnull(s);
    /* Someone removed our socket and another server took the path. */
    ck_assert_int_eq(unlink(sock_path), 0);
    s2 = nfv_ctl_server_create(sock_path, 0600);
    ck_assert_ptr_nonnull(s2);
    nfv_ctl_server_destroy(s);
    ck_assert_int_eq(access(sock_path, F_OK), 0);
    nfv_ctl_server_destroy(s2);
    ck_assert_int_ne(access(sock_path, F_OK), 0);
}
END_TEST

/* ---- The caller's file descriptors ---- */

/* State of watch_cb(). */
struct watch_state {
    struct nfv_ctl_server *s;
    int calls;                  /* Times called. */
    short revents;              /* Events of the last call. */
    bool remove_self;           /* Remove its fd when called. */
    int add_fd;                 /* Add this fd when called, if >= 0. */
};

static void
watch_cb(int fd, short revents, void *state_)
{
    struct watch_state *state = state_;
    char c;

    state->calls++;
    state->revents = revents;
    if (revents & POLLIN) {
        ck_assert_int_eq(read(fd, &c, 1), 1);
    }
    if (state->remove_self) {
        ck_assert_int_eq(nfv_ctl_server_remove_fd(state->s, fd), 0);
    }
    if (state->add_fd >= 0) {
        ck_assert_int_eq(nfv_ctl_server_add_fd(state->s, state->add_fd,
                                               POLLIN, watch_cb, state), 0);
        state->add_fd = -1;
    }
}

START_TEST(test_added_fds)
{
    struct nfv_ctl_server *s = nfv_ctl_server_create(sock_path, 0600);
    struct watch_state a = { .s = s, .add_fd = -1 };
    int p[2], q[2];

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(pipe(q), 0);
    ck_assert_int_eq(nfv_ctl_server_add_fd(s, p[0], POLLIN, watch_cb, &a), 0);
    ck_assert_int_eq(nfv_ctl_server_add_fd(s, p[0], POLLIN, watch_cb, &a),
                     -EEXIST);
    ck_assert_int_eq(nfv_ctl_server_add_fd(s, -1, POLLIN, watch_cb, &a),
                     -EINVAL);
    ck_assert_int_eq(nfv_ctl_server_remove_fd(s, q[0]), -ENOENT);

    /* Nothing ready: no call. */
    ck_assert_int_eq(nfv_ctl_server_run(s, 0), 0);
    ck_assert_int_eq(a.calls, 0);

    /* Ready: called; it removes itself and adds q[0], which was ready too
     * but is not polled before the next round. */
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    ck_assert_int_eq(write(q[1], "y", 1), 1);
    a.remove_self = true;
    a.add_fd = q[0];
    ck_assert_int_eq(nfv_ctl_server_run(s, 1000), 0);
    ck_assert_int_eq(a.calls, 1);
    ck_assert_int_eq(a.revents & POLLIN, POLLIN);

    /* Next round: q[0] reports, p[0] (removed) does not. */
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    a.remove_self = false;
    ck_assert_int_eq(nfv_ctl_server_run(s, 1000), 0);
    ck_assert_int_eq(a.calls, 2);
    ck_assert_int_eq(nfv_ctl_server_remove_fd(s, q[0]), 0);
    ck_assert_int_eq(nfv_ctl_server_remove_fd(s, p[0]), -ENOENT);
    ck_assert_int_eq(nfv_ctl_server_run(s, 0), 0);
    ck_assert_int_eq(a.calls, 2);

    /* The server never closes them. */
    ck_assert_int_ge(fcntl(p[0], F_GETFD), 0);
    ck_assert_int_ge(fcntl(q[0], F_GETFD), 0);
    nfv_ctl_server_destroy(s);
    ck_assert_int_ge(fcntl(p[0], F_GETFD), 0);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}
END_TEST

/* ---- nfvctl ---- */

/* What a run of nfvctl did. */
struct run {
    int status;                 /* Exit status, -1 if killed. */
    char *out;                  /* Standard output. */
    char *err;                  /* Standard error. */
};

/* Returns the path of the nfvctl next to this test's build directory. */
static const char *
nfvctl_path(void)
{
    static char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
    char *slash;

    ck_assert_int_gt(n, 0);
    path[n] = '\0';
    for (int i = 0; i < 2; i++) {
        slash = strrchr(path, '/');
        ck_assert_ptr_nonnull(slash);
        *slash = '\0';
    }
    strcat(path, "/tools/nfvctl");
    return path;
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *data = calloc(1, 1 << 20);

    ck_assert_ptr_nonnull(f);
    data[fread(data, 1, (1 << 20) - 1, f)] = '\0';
    fclose(f);
    return data;
}

/* Runs nfvctl with 'args' (NULL-terminated) and NFVISOR_SOCKET='env'. */
static struct run
run_nfvctl(const char *env, const char *const args[])
{
    char out_path[PATH_MAX], err_path[PATH_MAX], env_var[PATH_MAX + 32];
    char *argv[32] = { "nfvctl" };
    char *envp[2] = { NULL };
    posix_spawn_file_actions_t fa;
    struct run r;
    pid_t pid;
    int status;

    for (int i = 0; args[i]; i++) {
        argv[i + 1] = (char *) args[i];
    }
    if (env) {
        snprintf(env_var, sizeof env_var, "NFVISOR_SOCKET=%s", env);
        envp[0] = env_var;
    }
    snprintf(out_path, sizeof out_path, "%s/out", tmpdir);
    snprintf(err_path, sizeof err_path, "%s/err", tmpdir);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_eq(posix_spawn(&pid, nfvctl_path(), &fa, NULL, argv, envp),
                     0);
    posix_spawn_file_actions_destroy(&fa);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
}

static void
run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

START_TEST(test_nfvctl_table)
{
    const char *args[] = { "-s", sock_path, "nf", "table", NULL };
    struct run r = run_nfvctl(NULL, args);

    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out,
                     "nfs:\n"
                     "  slot  name      rx\n"
                     "     0  fw         5\n"
                     "    12  router  1234\n");
    ck_assert_str_eq(r.err, "");
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_json)
{
    const char *args[] = { "--socket", sock_path, "--json", "echo", "-x",
                           "a b", NULL };
    struct run r = run_nfvctl(NULL, args);
    json_t *result = json_loads(r.out, 0, NULL);

    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(result);
    ck_assert_str_eq(json_string_value(json_object_get(result, "command")),
                     "echo");
    ck_assert_str_eq(json_string_value(json_array_get(
        json_object_get(result, "args"), 0)), "-x");
    ck_assert_str_eq(json_string_value(json_array_get(
        json_object_get(result, "args"), 1)), "a b");
    json_decref(result);
    run_free(&r);
}
END_TEST

/* 'nfvctl stats --json' works as 'nfvctl --json stats' does. */
START_TEST(test_nfvctl_json_after_command)
{
    const char *args[] = { "--socket", sock_path, "echo", "-x", "--json", NULL };
    struct run r = run_nfvctl(NULL, args);
    json_t *result = json_loads(r.out, 0, NULL);

    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(result);
    ck_assert_int_eq(json_array_size(json_object_get(result, "args")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(
        json_object_get(result, "args"), 0)), "-x");
    json_decref(result);
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_env_socket)
{
    const char *args[] = { "nf", "list", NULL };
    struct run r = run_nfvctl(sock_path, args);

    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "command: nf list\nargs:    (none)\n");
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_command_error)
{
    const char *args[] = { "-s", sock_path, "bogus", NULL };
    struct run r = run_nfvctl(NULL, args);

    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "nfvctl: unknown command 'bogus'; "
                     "'list-commands' lists the commands\n");
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_usage)
{
    const char *none[] = { "-s", sock_path, NULL };
    const char *bad_opt[] = { "--frobnicate", "status", NULL };
    const char *bad_short[] = { "-jq", "status", NULL };
    const char *no_arg[] = { "--socket", NULL };
    const char *bad_timeout[] = { "-t", "soon", "status", NULL };
    const char *help[] = { "--help", NULL };
    struct run r;

    r = run_nfvctl(NULL, none);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no command"));
    run_free(&r);
    r = run_nfvctl(NULL, bad_opt);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--frobnicate"));
    run_free(&r);
    r = run_nfvctl(NULL, bad_short);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown option '-q'"));
    run_free(&r);
    r = run_nfvctl(NULL, no_arg);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "'--socket' needs an argument"));
    run_free(&r);
    r = run_nfvctl(NULL, bad_timeout);
    ck_assert_int_eq(r.status, 2);
    run_free(&r);
    r = run_nfvctl(NULL, help);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "nfvctl list-commands"));
    ck_assert_ptr_nonnull(strstr(r.out, "--socket"));
    run_free(&r);
}
END_TEST

/* A request the daemon would refuse (and hang up on) is refused before it
 * is sent: one line that says so, not a lost connection. */
START_TEST(test_nfvctl_request_too_long)
{
    static char big[NFV_CTL_MAX_LINE + 16];
    const char *args[] = { "-s", sock_path, "echo", big, NULL };
    struct run r;

    memset(big, 'a', sizeof(big) - 1);
    r = run_nfvctl(NULL, args);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "longer than the 65535 nfvisord takes"));
    ck_assert_ptr_null(strchr(strchr(r.err, '\n') + 1, '\n'));
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_no_daemon)
{
    const char *args[] = { "-s", sock_path, "status", NULL };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct run r;
    int fd;

    r = run_nfvctl(NULL, args);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, sock_path));
    ck_assert_ptr_nonnull(strstr(r.err, "is nfvisord running?"));
    ck_assert_ptr_nonnull(strstr(r.err, "--socket"));
    run_free(&r);

    /* A stale socket file. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    strcpy(sun.sun_path, sock_path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    close(fd);
    r = run_nfvctl(NULL, args);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "nfvisord is not running"));
    run_free(&r);
}
END_TEST

START_TEST(test_nfvctl_timeout)
{
    const char *args[] = { "-s", sock_path, "-t", "1", "status", NULL };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct timespec t0, t1;
    struct run r;

    /* A daemon that accepts the connection but never answers. */
    strcpy(sun.sun_path, sock_path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof sun), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = run_nfvctl(NULL, args);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "within 1 seconds"));
    ck_assert_int_le(t1.tv_sec - t0.tv_sec, 3);
    run_free(&r);
    close(fd);
}
END_TEST

/* ---- Rendering ---- */

/* Returns what nfv_render() writes for the JSON text 'json'. */
static char *
render(const char *json)
{
    json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
    char *text = NULL;
    size_t size;
    FILE *f = open_memstream(&text, &size);

    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(nfv_render(f, v), 0);
    fclose(f);
    json_decref(v);
    return text;
}

/* Asserts that 'json' renders as 'expected'. */
static void
assert_renders(const char *json, const char *expected)
{
    char *text = render(json);

    ck_assert_str_eq(text, expected);
    free(text);
}

START_TEST(test_render_scalars)
{
    assert_renders("{\"version\": \"0.1.0\", \"uptime_s\": 12,"
                   " \"load\": 0.25, \"up\": true, \"peer\": null,"
                   " \"ports\": [0, 1], \"domains\": []}",
                   "version:  0.1.0\n"
                   "uptime_s: 12\n"
                   "load:     0.25\n"
                   "up:       true\n"
                   "peer:     -\n"
                   "ports:    0, 1\n"
                   "domains:  (none)\n");
    assert_renders("42", "42\n");
    assert_renders("{}", "");
}
END_TEST

START_TEST(test_render_sections)
{
    assert_renders("{\"name\": \"nfvisord\","
                   " \"memory\": {\"pool\": 4096, \"free_bufs\": 17,"
                   "             \"numa\": {\"node\": 0}},"
                   " \"flags\": {}}",
                   "name:  nfvisord\n"
                   "memory:\n"
                   "  pool:      4096\n"
                   "  free_bufs: 17\n"
                   "  numa:\n"
                   "    node: 0\n"
                   "flags: (none)\n");
}
END_TEST

START_TEST(test_render_tables)
{
    /* Union of columns in first-seen order, nested objects flattened,
     * numbers right-aligned, missing cells as '-'. */
    assert_renders("{\"ports\": ["
                   "{\"id\": 0, \"name\": \"eth0\","
                   " \"rx\": {\"pkts\": 10, \"drops\": 0}},"
                   "{\"id\": 11, \"name\": \"long-name\", \"up\": false,"
                   " \"rx\": {\"pkts\": 123456}}"
                   "], \"total\": 2}",
                   "ports:\n"
                   "  id  name       rx.pkts  rx.drops  up\n"
                   "   0  eth0            10         0  -\n"
                   "  11  long-name   123456         -  false\n"
                   "total: 2\n");
    /* A result that is itself a list of objects. */
    assert_renders("[{\"a\": \"x\"}, {\"a\": \"yy\", \"b\": [1, 2]}]",
                   "a   b\n"
                   "x   -\n"
                   "yy  1, 2\n");
}
END_TEST

START_TEST(test_render_other_lists)
{
    assert_renders("{\"mixed\": [1, {\"a\": 2}], \"nested\": [[1], [2]]}",
                   "mixed:\n"
                   "  1\n"
                   "  {\"a\":2}\n"
                   "nested:\n"
                   "  1\n"
                   "  2\n");
    assert_renders("[\"a\", \"b\"]", "a\nb\n");
}
END_TEST

START_TEST(test_render_no_trailing_blanks)
{
    /* Empty strings at the end of a line leave no padding behind. */
    assert_renders("{\"cmds\": [{\"command\": \"list-commands\", \"usage\": \"\"},"
                   "           {\"command\": \"nf list\", \"usage\": \"[ID]\"}],"
                   " \"name\": \"\", \"longer\": 1}",
                   "cmds:\n"
                   "  command        usage\n"
                   "  list-commands\n"
                   "  nf list        [ID]\n"
                   "name:\n"
                   "longer: 1\n");
}
END_TEST

START_TEST(test_render_sanitizes)
{
    /* Guest-chosen names cannot drive the terminal. */
    assert_renders("{\"name\": \"evil\\u001b[2J\\r\\n\","
                   " \"c1\": \"\\u009b31m\", \"caf\\u00e9\": \"ok\","
                   " \"k\\u0007\": [{\"n\\u001b\": \"\\u001b\"}]}",
                   "name: evil?[2J??\n"
                   "c1:   ?31m\n"
                   "caf\xc3\xa9: ok\n"
                   "k?:\n"
                   "  n?\n"
                   "  ?\n");
}
END_TEST

/* ---- Suite ---- */

static Suite *
ctl_suite(void)
{
    Suite *s = suite_create("ctl");
    TCase *tc = tcase_create("protocol");
    TCase *life = tcase_create("lifecycle");
    TCase *nfvctl = tcase_create("nfvctl");
    TCase *offline = tcase_create("nfvctl-offline");
    TCase *rendering = tcase_create("render");

    tcase_add_checked_fixture(tc, setup_server, teardown_server);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_longest_prefix);
    tcase_add_test(tc, test_arg_count);
    tcase_add_test(tc, test_unknown_command);
    tcase_add_test(tc, test_malformed_requests);
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_handler_error);
    tcase_add_test(tc, test_pipelined_requests);
    tcase_add_test(tc, test_line_at_limit);
    tcase_add_test(tc, test_oversized_line);
    tcase_add_test(tc, test_passed_fds_closed);
    tcase_add_test(tc, test_many_clients);
    tcase_add_test(tc, test_reader_that_never_reads_is_dropped);
    tcase_add_test(tc, test_large_replies_delivered);
    tcase_add_test(tc, test_builtin_commands);
    tcase_add_test(tc, test_second_server_refused);
    suite_add_tcase(s, tc);

    tcase_add_checked_fixture(life, setup_dir, teardown_dir);
    tcase_add_test(life, test_register_rejects_bad_commands);
    tcase_add_test(life, test_not_a_socket_left_alone);
    tcase_add_test(life, test_socket_published_listening);
    tcase_add_test(life, test_bad_paths);
    tcase_add_test(life, test_destroy_unlinks_socket);
    tcase_add_test(life, test_destroy_spares_replaced_socket);
    tcase_add_test(life, test_added_fds);
    suite_add_tcase(s, life);

    tcase_add_checked_fixture(nfvctl, setup_server, teardown_server);
    tcase_set_timeout(nfvctl, 30);
    tcase_add_test(nfvctl, test_nfvctl_table);
    tcase_add_test(nfvctl, test_nfvctl_json);
    tcase_add_test(nfvctl, test_nfvctl_json_after_command);
    tcase_add_test(nfvctl, test_nfvctl_env_socket);
    tcase_add_test(nfvctl, test_nfvctl_command_error);
    tcase_add_test(nfvctl, test_nfvctl_usage);
    tcase_add_test(nfvctl, test_nfvctl_request_too_long);
    suite_add_tcase(s, nfvctl);

    tcase_add_checked_fixture(offline, setup_dir, teardown_dir);
    tcase_set_timeout(offline, 30);
    tcase_add_test(offline, test_nfvctl_no_daemon);
    tcase_add_test(offline, test_nfvctl_timeout);
    tcase_add_test(offline, test_stale_socket_replaced);
    suite_add_tcase(s, offline);

    tcase_add_test(rendering, test_render_scalars);
    tcase_add_test(rendering, test_render_sections);
    tcase_add_test(rendering, test_render_tables);
    tcase_add_test(rendering, test_render_other_lists);
    tcase_add_test(rendering, test_render_sanitizes);
    tcase_add_test(rendering, test_render_no_trailing_blanks);
    suite_add_tcase(s, rendering);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ctl_suite());
    int failed;

    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
