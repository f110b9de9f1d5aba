/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-socket server: see ctl.h for the protocol and the API.
 *
 * One poll() round (nfv_ctl_server_run) builds a poll set of the listening
 * socket, the clients and the caller's descriptors, waits, and handles what
 * is ready.  Handlers and callbacks may add commands and descriptors while a
 * round runs, so the round refers to descriptors by their index in the poll
 * set: entries added during a round are not in it, entries removed during a
 * round are flagged and swept when it ends.
 */
#include <config.h>

#include "ctl.h"
#include "unixsock.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Most file descriptors one SCM_RIGHTS message carries (Linux SCM_MAX_FD). */
#define CTL_MAX_PASSED_FDS 253

/* Backlog of the listening socket. */

/* A registered command. */
struct ctl_command {
    char *name;                 /* Words separated by single spaces. */
    char *usage;                /* Argument synopsis. */
    int n_words;                /* Number of words in 'name'. */
    int min_args;               /* Fewest arguments accepted. */
    int max_args;               /* Most arguments accepted. */
    nfv_ctl_handler handler;    /* Runs the command. */
    void *aux;                  /* Handler's argument. */
};

/* A connected client. */
struct ctl_client {
    int fd;                     /* Socket, -1 once closed. */
    bool closing;               /* Read no more; close once 'out' drains. */
    size_t in_len;              /* Bytes in 'in'. */
    char *out;                  /* Replies not yet sent. */
    size_t out_start;           /* Offset of the first unsent byte. */
    size_t out_len;             /* Offset just past the last unsent byte. */
    size_t out_cap;             /* Allocated size of 'out'. */
    char in[NFV_CTL_MAX_LINE + 1]; /* Received bytes: one line and '\n'. */
};

/* A descriptor added by the caller. */
struct ctl_watch {
    int fd;                     /* The descriptor. */
    short events;               /* poll() events to wait for. */
    bool removed;               /* Removed during a round; swept after it. */
    nfv_ctl_fd_cb cb;           /* Called when events are reported. */
    void *aux;                  /* Callback's argument. */
};

struct nfv_ctl_server {
    char *path;                 /* Socket path. */
    int listen_fd;              /* Listening socket. */
    struct nfv_unix_id id;      /* Socket file we created, to unlink only ours. */
    bool in_round;              /* A round of nfv_ctl_server_run() runs. */

    struct ctl_command *commands; /* Sorted by name. */
    size_t n_commands;
    size_t cap_commands;

    struct ctl_client *clients[NFV_CTL_MAX_CLIENTS];
    size_t n_clients;

    struct ctl_watch *watches;
    size_t n_watches;
    size_t cap_watches;

    struct pollfd *pollfds;     /* Poll set of the current round. */
    size_t cap_pollfds;
};

/* Grows '*array' of 'size'-byte elements to hold 'need'; 0 or -ENOMEM. */
static int
grow_array(void **array, size_t *cap, size_t need, size_t size)
{
    size_t new_cap = *cap ? *cap : 8;
    void *p;

    if (need <= *cap) {
        return 0;
    }
    while (new_cap < need) {
        new_cap *= 2;
    }
    p = reallocarray(*array, new_cap, size);
    if (!p) {
        return -ENOMEM;
    }
    *array = p;
    *cap = new_cap;
    return 0;
}

/* ---- Replies ---- */

/* Returns a JSON string of 'msg' folded to one printable line (consumed). */
static json_t *
message_to_json(char *msg)
{
    json_t *j;

    for (unsigned char *p = (unsigned char *) msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        } else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* C1 control (U+0080..U+009F), which terminals may obey. */
            *p++ = ' ';
            *p = ' ';
        }
    }
    j = json_string(msg);
    if (!j) {
        /* Not UTF-8: keep the ASCII part readable. */
        for (char *p = msg; *p; p++) {
            if ((unsigned char) *p >= 0x80) {
                *p = '?';
            }
        }
        j = json_string(msg);
    }
    free(msg);
    return j;
}

/* Returns {"ok": false, "error": 'msg'} ('msg' consumed), NULL if no memory. */
static json_t *
reply_error_take(char *msg)
{
    json_t *reply;

    if (!msg) {
        return NULL;
    }
    reply = json_object();
    if (!reply) {
        free(msg);
        return NULL;
    }
    if (json_object_set_new(reply, "ok", json_false())
        || json_object_set_new(reply, "error", message_to_json(msg))) {
        json_decref(reply);
        return NULL;
    }
    return reply;
}

/* Returns an error reply with a printf-formatted message. */
static json_t * __attribute__((format(printf, 1, 2)))
reply_error(const char *format, ...)
{
    va_list args;
    char *msg;
    int n;

    va_start(args, format);
    n = vasprintf(&msg, format, args);
    va_end(args);
    return reply_error_take(n < 0 ? NULL : msg);
}

/* Returns {"ok": true, "result": 'result'} ('result' consumed). */
static json_t *
reply_ok(json_t *result)
{
    json_t *reply = json_object();

    if (!reply) {
        json_decref(result);
        return NULL;
    }
    if (json_object_set_new(reply, "ok", json_true())
        || json_object_set_new(reply, "result", result)) {
        json_decref(reply);
        return NULL;
    }
    return reply;
}

/* ---- Commands ---- */

/* Returns the number of words in a well-formed command name, else -1. */
static int
count_name_words(const char *name)
{
    int n = 1;

    if (!name[0] || name[0] == ' ') {
        return -1;
    }
    for (const char *p = name; *p; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            return -1;
        }
        if (*p == ' ') {
            if (p[1] == ' ' || p[1] == '\0') {
                return -1;
            }
            n++;
        }
    }
    return n;
}

/* Returns true if 's' is UTF-8 without control characters. */
static bool
is_printable_utf8(const char *s)
{
    json_t *j = json_string(s);

    json_decref(j);
    for (const char *p = s; j && *p; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return j != NULL;
}

/* Returns the index where 'name' is or would be inserted; sets '*found'. */
static size_t
find_command_slot(const struct nfv_ctl_server *s, const char *name,
                  bool *found)
{
    size_t i;

    for (i = 0; i < s->n_commands; i++) {
        int cmp = strcmp(s->commands[i].name, name);

        if (cmp >= 0) {
            *found = cmp == 0;
            return i;
        }
    }
    *found = false;
    return i;
}

int
nfv_ctl_command_register(struct nfv_ctl_server *s, const char *name,
                         const char *usage, int min_args, int max_args,
                         nfv_ctl_handler handler, void *aux)
{
    struct ctl_command cmd = {
        .min_args = min_args, .max_args = max_args,
        .handler = handler, .aux = aux,
    };
    bool found;
    size_t i;

    if (!s || !name || !usage || !handler || min_args < 0
        || max_args < min_args) {
        return -EINVAL;
    }
    cmd.n_words = count_name_words(name);
    if (cmd.n_words < 0 || !is_printable_utf8(usage)) {
        return -EINVAL;
    }
    i = find_command_slot(s, name, &found);
    if (found) {
        return -EEXIST;
    }
    if (grow_array((void **) &s->commands, &s->cap_commands,
                   s->n_commands + 1, sizeof *s->commands)) {
        return -ENOMEM;
    }
    cmd.name = strdup(name);
    cmd.usage = strdup(usage);
    if (!cmd.name || !cmd.usage) {
        free(cmd.name);
        free(cmd.usage);
        return -ENOMEM;
    }
    memmove(&s->commands[i + 1], &s->commands[i],
            (s->n_commands - i) * sizeof *s->commands);
    s->commands[i] = cmd;
    s->n_commands++;
    return 0;
}

/* Returns true if 'cmd''s name equals the first words of 'words'. */
static bool
command_matches(const struct ctl_command *cmd, char *const words[],
                int n_words)
{
    const char *p = cmd->name;

    if (cmd->n_words > n_words) {
        return false;
    }
    for (int i = 0; i < cmd->n_words; i++) {
        size_t len = strcspn(p, " ");

        if (strlen(words[i]) != len || memcmp(p, words[i], len)) {
            return false;
        }
        p += len + (p[len] == ' ');
    }
    return true;
}

/* Returns the command with the longest name prefixing 'words', or NULL. */
static const struct ctl_command *
lookup_command(const struct nfv_ctl_server *s, char *const words[],
               int n_words)
{
    const struct ctl_command *best = NULL;

    for (size_t i = 0; i < s->n_commands; i++) {
        const struct ctl_command *cmd = &s->commands[i];

        if ((!best || cmd->n_words > best->n_words)
            && command_matches(cmd, words, n_words)) {
            best = cmd;
        }
    }
    return best;
}

/* Returns a description of the argument counts 'cmd' accepts. */
static char *
describe_arg_range(const struct ctl_command *cmd)
{
    char *s = NULL;
    int n;

    if (cmd->max_args == 0) {
        return strdup("no arguments");
    }
    if (cmd->min_args == cmd->max_args) {
        n = asprintf(&s, "exactly %d argument%s", cmd->min_args,
                     cmd->min_args == 1 ? "" : "s");
    } else if (cmd->max_args == INT_MAX) {
        n = asprintf(&s, "at least %d argument%s", cmd->min_args,
                     cmd->min_args == 1 ? "" : "s");
    } else if (cmd->min_args == 0) {
        n = asprintf(&s, "at most %d argument%s", cmd->max_args,
                     cmd->max_args == 1 ? "" : "s");
    } else {
        n = asprintf(&s, "%d to %d arguments", cmd->min_args, cmd->max_args);
    }
    return n < 0 ? NULL : s;
}

/* Runs 'cmd' with 'argc' arguments and returns its reply. */
static json_t *
run_command(const struct ctl_command *cmd, int argc, const char *argv[])
{
    nfv_ctl_handler handler = cmd->handler;
    char *err = NULL;
    json_t *result;

    if (argc < cmd->min_args || argc > cmd->max_args) {
        char *range = describe_arg_range(cmd);
        json_t *reply;

        if (!range) {
            return NULL;
        }
        reply = reply_error("command '%s' takes %s, got %d (usage: %s%s%s)",
                            cmd->name, range, argc, cmd->name,
                            cmd->usage[0] ? " " : "", cmd->usage);
        free(range);
        return reply;
    }
    /* The handler may register commands, which moves 'cmd': not used after. */
    result = handler(argc, argv, cmd->aux, &err);
    if (result) {
        free(err);
        return reply_ok(result);
    }
    return err ? reply_error_take(err) : reply_error("command failed");
}

/* ---- Requests ---- */

/* Splits 'text' in place into words at blanks, appending them to 'words'. */
static void
split_words(char *text, char *words[], int *n_words)
{
    char *save = NULL;

    for (char *w = strtok_r(text, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        words[(*n_words)++] = w;
    }
}

/* Checks 'request''s members; returns an error reply, or NULL if valid. */
static json_t *
check_request(const json_t *request, const json_t **command,
              const json_t **args)
{
    const char *key;
    json_t *value;

    if (!json_is_object(request)) {
        return reply_error("request must be a JSON object");
    }
    json_object_foreach((json_t *) request, key, value) {
        if (strcmp(key, "command") && strcmp(key, "args")) {
            return reply_error("unknown request member '%s'", key);
        }
    }
    *command = json_object_get(request, "command");
    if (!json_is_string(*command)) {
        return reply_error("request member 'command' must be a string");
    }
    *args = json_object_get(request, "args");
    if (*args && !json_is_array(*args)) {
        return reply_error("request member 'args' must be an array of "
                           "strings");
    }
    for (size_t i = 0; *args && i < json_array_size(*args); i++) {
        if (!json_is_string(json_array_get(*args, i))) {
            return reply_error("request member 'args' must be an array of "
                               "strings");
        }
    }
    return NULL;
}

/* Runs the command that a valid request names. */
static json_t *
dispatch(const struct nfv_ctl_server *s, const json_t *command,
         const json_t *args)
{
    const char *name = json_string_value(command);
    size_t n_args = json_array_size(args);
    const struct ctl_command *cmd;
    char *text = strdup(name);
    char **words = calloc(strlen(name) / 2 + 2 + n_args, sizeof *words);
    int n_words = 0;
    json_t *reply = NULL;

    if (!text || !words) {
        goto out;
    }
    split_words(text, words, &n_words);
    if (!n_words) {
        reply = reply_error("empty command");
        goto out;
    }
    for (size_t i = 0; i < n_args; i++) {
        words[n_words++] = (char *) json_string_value(json_array_get(args, i));
    }
    cmd = lookup_command(s, words, n_words);
    if (cmd) {
        reply = run_command(cmd, n_words - cmd->n_words,
                            (const char **) &words[cmd->n_words]);
    } else {
        reply = reply_error("unknown command '%s'; 'list-commands' lists "
                            "the commands", name);
    }
out:
    free(words);
    free(text);
    return reply;
}

/* Parses one request line and returns its reply (NULL if out of memory). */
static json_t *
handle_request(const struct nfv_ctl_server *s, const char *line, size_t len)
{
    const json_t *command = NULL;
    const json_t *args = NULL;
    json_error_t jerr;
    json_t *request;
    json_t *reply;

    request = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!request) {
        return reply_error("invalid JSON at column %d: %s", jerr.column,
                           jerr.text);
    }
    reply = check_request(request, &command, &args);
    if (!reply) {
        reply = dispatch(s, command, args);
    }
    json_decref(request);
    return reply;
}

/* ---- Clients ---- */

/* Closes 'c''s socket; the round's sweep frees it. */
static void
client_close(struct ctl_client *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

/* Frees a closed client. */
static void
client_free(struct ctl_client *c)
{
    client_close(c);
    free(c->out);
    free(c);
}

/* Queues 'reply' ('reply' consumed) for 'c'; drops 'c' if it overflows. */
static void
client_queue_reply(struct ctl_client *c, json_t *reply)
{
    char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
    size_t len;

    json_decref(reply);
    if (!text) {
        client_close(c);
        return;
    }
    len = strlen(text);
    if (len + 1 > NFV_CTL_MAX_OUTPUT) {
        free(text);
        client_queue_reply(c, reply_error("reply too large"));
        return;
    }
    if (c->out_start) {
        memmove(c->out, c->out + c->out_start, c->out_len - c->out_start);
        c->out_len -= c->out_start;
        c->out_start = 0;
    }
    if (c->out_len + len + 1 > NFV_CTL_MAX_OUTPUT
        || grow_array((void **) &c->out, &c->out_cap, c->out_len + len + 1,
                      1)) {
        /* The client does not read its replies: drop it. */
        free(text);
        client_close(c);
        return;
    }
    memcpy(c->out + c->out_len, text, len);
    c->out[c->out_len + len] = '\n';
    c->out_len += len + 1;
    free(text);
}

/* Sends as much queued output as the socket takes. */
static void
client_flush(struct ctl_client *c)
{
    while (c->fd >= 0 && c->out_start < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_start,
                         c->out_len - c->out_start,
                         MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n >= 0) {
            c->out_start += n;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return;
        } else if (errno != EINTR) {
            client_close(c);
        }
    }
    if (c->out_start == c->out_len) {
        c->out_start = c->out_len = 0;
        if (c->closing) {
            client_close(c);
        }
    }
}

/* Returns true if 'line' holds only JSON whitespace. */
static bool
is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* Answers one request line of 'c'. */
static void
client_handle_line(const struct nfv_ctl_server *s, struct ctl_client *c,
                   const char *line, size_t len)
{
    if (!is_blank(line, len)) {
        client_queue_reply(c, handle_request(s, line, len));
    }
}

/* Answers every complete line in 'c''s input buffer. */
static void
client_handle_input(const struct nfv_ctl_server *s, struct ctl_client *c)
{
    size_t start = 0;
    char *nl;

    while (c->fd >= 0
           && (nl = memchr(c->in + start, '\n', c->in_len - start))) {
        size_t len = nl - (c->in + start);

        client_handle_line(s, c, c->in + start, len);
        start += len + 1;
    }
    c->in_len -= start;
    memmove(c->in, c->in + start, c->in_len);
    if (c->fd >= 0 && c->in_len == sizeof c->in) {
        client_queue_reply(c, reply_error("request longer than %d bytes",
                                          NFV_CTL_MAX_LINE));
        c->in_len = 0;
        c->closing = true;
    }
}

/* Closes every file descriptor that 'msg' carries in SCM_RIGHTS. */
static void
close_passed_fds(struct msghdr *msg)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm;
         cm = CMSG_NXTHDR(msg, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            const unsigned char *data = CMSG_DATA(cm);

            for (size_t i = 0; i < n; i++) {
                int fd;

                memcpy(&fd, data + i * sizeof fd, sizeof fd);
                close(fd);
            }
        }
    }
}

/* Receives into 'buf' like recv(), closing any passed file descriptors. */
static ssize_t
recv_no_fds(int fd, void *buf, size_t len)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(CTL_MAX_PASSED_FDS * sizeof(int))];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

    if (n >= 0) {
        close_passed_fds(&msg);
    }
    return n;
}

/* Reads what 'c' sent and answers its complete requests. */
static void
client_read(const struct nfv_ctl_server *s, struct ctl_client *c)
{
    ssize_t n = recv_no_fds(c->fd, c->in + c->in_len,
                            sizeof c->in - c->in_len);

    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            client_close(c);
        }
        return;
    }
    c->in_len += n;
    client_handle_input(s, c);
    if (n == 0 && c->fd >= 0) {
        /* End of requests: answer an unterminated last line, then close. */
        client_handle_line(s, c, c->in, c->in_len);
        c->in_len = 0;
        c->closing = true;
    }
}

/* Handles the events poll() reported for 'c'. */
static void
client_run(const struct nfv_ctl_server *s, struct ctl_client *c,
           short revents)
{
    if (revents & (POLLERR | POLLNVAL)) {
        client_close(c);
        return;
    }
    if (!c->closing && !c->out_len && (revents & (POLLIN | POLLHUP))) {
        client_read(s, c);
    }
    if (c->fd >= 0) {
        client_flush(c);
    }
    if (c->fd >= 0 && (revents & POLLHUP) && c->closing) {
        client_close(c);
    }
}

/* Returns the poll() events 'c' waits for: requests are read only once the
 * replies to the previous ones are sent, so a client that does not read
 * cannot make the server queue more than one batch of replies. */
static short
client_events(const struct ctl_client *c)
{
    return c->out_len ? POLLOUT : c->closing ? 0 : POLLIN;
}

/* Frees the clients closed during a round. */
static void
sweep_clients(struct nfv_ctl_server *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n_clients; i++) {
        if (s->clients[i]->fd >= 0) {
            s->clients[n++] = s->clients[i];
        } else {
            client_free(s->clients[i]);
        }
    }
    s->n_clients = n;
}

/* Tells a connection over the client limit why it is closed, and closes it. */
static void
refuse_client(int fd)
{
    static const char msg[] =
        "{\"ok\":false,\"error\":\"too many clients\"}\n";

    /* Best effort: the connection is closed whether it gets there or not. */
    send(fd, msg, sizeof msg - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
}

/* Accepts pending connections, up to one full client table per round. */
static void
accept_clients(struct nfv_ctl_server *s)
{
    for (int i = 0; i < NFV_CTL_MAX_CLIENTS; i++) {
        struct ctl_client *c;
        int fd = accept4(s->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            return;
        }
        c = s->n_clients < NFV_CTL_MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            refuse_client(fd);
            continue;
        }
        c->fd = fd;
        s->clients[s->n_clients++] = c;
    }
}

/* ---- Caller's descriptors ---- */

/* Returns the index of the live watch on 'fd', or -1. */
static ssize_t
find_watch(const struct nfv_ctl_server *s, int fd)
{
    for (size_t i = 0; i < s->n_watches; i++) {
        if (s->watches[i].fd == fd && !s->watches[i].removed) {
            return i;
        }
    }
    return -1;
}

int
nfv_ctl_server_add_fd(struct nfv_ctl_server *s, int fd, short events,
                      nfv_ctl_fd_cb cb, void *aux)
{
    if (!s || fd < 0 || !cb) {
        return -EINVAL;
    }
    if (find_watch(s, fd) >= 0) {
        return -EEXIST;
    }
    if (grow_array((void **) &s->watches, &s->cap_watches, s->n_watches + 1,
                   sizeof *s->watches)) {
        return -ENOMEM;
    }
    s->watches[s->n_watches++] = (struct ctl_watch) {
        .fd = fd, .events = events, .cb = cb, .aux = aux,
    };
    return 0;
}

/* Drops the watches removed during a round. */
static void
sweep_watches(struct nfv_ctl_server *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->n_watches; i++) {
        if (!s->watches[i].removed) {
            s->watches[n++] = s->watches[i];
        }
    }
    s->n_watches = n;
}

int
nfv_ctl_server_remove_fd(struct nfv_ctl_server *s, int fd)
{
    ssize_t i;

    if (!s) {
        return -EINVAL;
    }
    i = find_watch(s, fd);
    if (i < 0) {
        return -ENOENT;
    }
    s->watches[i].removed = true;
    if (!s->in_round) {
        sweep_watches(s);
    }
    return 0;
}

/* ---- The loop ---- */

/* Fills the poll set: listener, clients, then watches; returns its size. */
static int
build_pollset(struct nfv_ctl_server *s, size_t *n_pollfds)
{
    size_t n = 1 + s->n_clients + s->n_watches;
    struct pollfd *p;

    if (grow_array((void **) &s->pollfds, &s->cap_pollfds, n,
                   sizeof *s->pollfds)) {
        return -ENOMEM;
    }
    p = s->pollfds;
    *p++ = (struct pollfd) { .fd = s->listen_fd, .events = POLLIN };
    for (size_t i = 0; i < s->n_clients; i++) {
        *p++ = (struct pollfd) {
            .fd = s->clients[i]->fd, .events = client_events(s->clients[i]),
        };
    }
    for (size_t i = 0; i < s->n_watches; i++) {
        *p++ = (struct pollfd) {
            .fd = s->watches[i].fd, .events = s->watches[i].events,
        };
    }
    *n_pollfds = n;
    return 0;
}

/* Handles the clients' events; 'pfd' is the first client's poll entry. */
static void
handle_clients(struct nfv_ctl_server *s, const struct pollfd *pfd)
{
    for (size_t i = 0; i < s->n_clients; i++, pfd++) {
        if (pfd->revents) {
            client_run(s, s->clients[i], pfd->revents);
        }
    }
    sweep_clients(s);
}

/* Runs the callbacks of the first 'n' watches as their entries 'pfd' say. */
static void
handle_watches(struct nfv_ctl_server *s, const struct pollfd *pfd, size_t n)
{
    for (size_t i = 0; i < n; i++, pfd++) {
        /* Indexed afresh each time: a callback may grow or flag the array. */
        struct ctl_watch w = s->watches[i];

        if (pfd->revents && !w.removed) {
            w.cb(w.fd, pfd->revents, w.aux);
        }
    }
}

int
nfv_ctl_server_run(struct nfv_ctl_server *s, int timeout_ms)
{
    size_t n_clients, n_pollfds;
    int err;

    if (!s) {
        return -EINVAL;
    }
    err = build_pollset(s, &n_pollfds);
    if (err) {
        return err;
    }
    if (poll(s->pollfds, n_pollfds, timeout_ms) < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    /* Handlers and callbacks may remove watches: keep indices until done. */
    s->in_round = true;
    /* Clients first, so the slots of those that left are free to accept. */
    n_clients = s->n_clients;
    handle_clients(s, s->pollfds + 1);
    handle_watches(s, s->pollfds + 1 + n_clients,
                   n_pollfds - 1 - n_clients);
    if (s->pollfds[0].revents) {
        accept_clients(s);
    }
    s->in_round = false;
    sweep_watches(s);
    return 0;
}

/* ---- Built-in commands ---- */

/* "list-commands": every command with its usage, sorted by name. */
static json_t *
list_commands(int argc, const char *argv[], void *s_, char **err)
{
    const struct nfv_ctl_server *s = s_;
    json_t *list = json_array();

    for (size_t i = 0; list && i < s->n_commands; i++) {
        const struct ctl_command *cmd = &s->commands[i];

        if (json_array_append_new(list, json_pack("{s:s, s:s}",
                                                  "command", cmd->name,
                                                  "usage", cmd->usage))) {
            json_decref(list);
            list = NULL;
        }
    }
    return list ? json_pack("{s:o}", "commands", list) : NULL;
}

/* "version": the package name and version. */
static json_t *
version(int argc, const char *argv[], void *aux, char **err)
{
    return json_pack("{s:s, s:s}", "package", PACKAGE_NAME,
                     "version", PACKAGE_VERSION);
}

/* Registers the built-in commands. */
static int
register_builtins(struct nfv_ctl_server *s)
{
    int err = nfv_ctl_command_register(s, "list-commands", "", 0, 0,
                                       list_commands, s);

    return err ? err : nfv_ctl_command_register(s, "version", "", 0, 0,
                                                version, NULL);
}

/* ---- Socket setup ---- */

struct nfv_ctl_server *
nfv_ctl_server_create(const char *path, mode_t mode)
{
    struct nfv_ctl_server *s;
    int err;

    if (!path || !path[0]) {
        errno = EINVAL;
        return NULL;
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        errno = ENOMEM;
        return NULL;
    }
    s->listen_fd = nfv_unix_listen(path, mode, -1, &s->id);
    err = s->listen_fd < 0 ? s->listen_fd : register_builtins(s);
    if (err) {
        nfv_ctl_server_destroy(s);
        errno = -err;
        return NULL;
    }
    return s;
}

void
nfv_ctl_server_unlink(const struct nfv_ctl_server *s)
{
    if (s && s->listen_fd >= 0) {
        nfv_unix_unlink_own(s->path, &s->id);
    }
}

void
nfv_ctl_server_destroy(struct nfv_ctl_server *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_clients; i++) {
        client_free(s->clients[i]);
    }
    if (s->listen_fd >= 0) {
        nfv_unix_unlink_own(s->path, &s->id);
        close(s->listen_fd);
    }
    for (size_t i = 0; i < s->n_commands; i++) {
        free(s->commands[i].name);
        free(s->commands[i].usage);
    }
    free(s->commands);
    free(s->watches);
    free(s->pollfds);
    free(s->path);
    free(s);
}
