/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ctl_json.c - the control socket's request handling
 * (hypervisor/ctl.c): line splitting, JSON request parsing, command lookup
 * and argument checks, reply building.
 *
 * The harness includes ctl.c to reach its static request path.  The first
 * input byte sets how many bytes each send() of the client carries, the
 * second how many descriptors (0..7) ride along in SCM_RIGHTS and on which
 * sends (every Nth); the rest is what the client sends, over a socketpair
 * read by the server's own client_read(), then the end of the stream (an
 * unterminated last line is still answered).  Commands registered: "echo" (any arguments, returns them),
 * "nf list" and "nf" (longest-prefix lookup), "flow key" (five words
 * through nfv_flow_key_from_words(), as nfvctl flow rules give them),
 * "chain" (nfv_chain_parse()), "fail" (an error message full of control
 * characters and invalid UTF-8) and "register" (registers a command named
 * by its argument while the server is handling a request).
 *
 * Checked: every descriptor a client passes is closed; one reply line per
 * non-blank request line, in order (a line longer than NFV_CTL_MAX_LINE
 * ends the connection with an error reply instead); each is a
 * JSON object with a boolean "ok" and a "result" or a one-line "error"
 * without control characters; "echo" returns the request's words after
 * its name; handlers get an argument count within their range and a NULL
 * after the last argument; a parsed flow key and chain format back to
 * text that parses to the same key and chain.
 */
#include <arpa/inet.h>
#include <sys/eventfd.h>

#include "fuzz.h"
#include "flow.h"
#include "nfv_region.h"

#include "ctl.c"

#define NPORTS 4

static struct nfv_ctl_server *srv;
static struct ctl_client *cli;
static size_t base_commands;

static void
check_argv(int argc, const char *argv[], int min, int max)
{
	FUZZ_CHECK(argc >= min && argc <= max, "handler called with %d arguments", argc);
	FUZZ_CHECK(argv[argc] == NULL, "argv[%d] is not NULL", argc);
}

static json_t *
h_echo(int argc, const char *argv[], void *aux, char **err)
{
	json_t *a = json_array();

	check_argv(argc, argv, 0, INT_MAX);
	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return json_pack("{s:o}", "args", a);
}

static json_t *
h_empty(int argc, const char *argv[], void *aux, char **err)
{
	const int *range = aux;

	check_argv(argc, argv, range[0], range[1]);
	return json_object();
}

static json_t *
h_flow_key(int argc, const char *argv[], void *aux, char **err)
{
	char proto[8], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sport[8], dport[8];
	const char *w[5] = { proto, src, sport, dst, dport };
	struct nfv_flow_key key, again;
	const char *why = NULL;
	char text[160];
	int af;

	check_argv(argc, argv, 5, 5);
	if (nfv_flow_key_from_words(argv, &key, &why) < 0) {
		FUZZ_CHECK(why != NULL, "rejected without a reason");
		*err = strdup(why);
		return NULL;
	}
	FUZZ_CHECK(key.ipv == 4 || key.ipv == 6, "family %u", key.ipv);
	FUZZ_CHECK(key.proto == 6 || key.proto == 17 || key.proto == 132 ||
		   (key.sport == 0 && key.dport == 0), "ports on protocol %u", key.proto);
	af = key.ipv == 4 ? AF_INET : AF_INET6;
	snprintf(proto, sizeof(proto), "%u", key.proto);
	inet_ntop(af, key.src, src, sizeof(src));
	inet_ntop(af, key.dst, dst, sizeof(dst));
	snprintf(sport, sizeof(sport), "%u", ntohs(key.sport));
	snprintf(dport, sizeof(dport), "%u", ntohs(key.dport));
	FUZZ_CHECK(nfv_flow_key_from_words(w, &again, &why) == 0 &&
		   memcmp(&key, &again, sizeof(key)) == 0,
		   "%s %s %s %s %s does not parse back to the same key", proto, src, sport, dst, dport);
	nfv_flow_key_format(&key, text, sizeof(text));
	return json_pack("{s:s}", "key", text);
}

static json_t *
h_chain(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_chain c, again;
	const char *why = NULL;
	char text[256];

	check_argv(argc, argv, 1, 1);
	if (nfv_chain_parse(argv[0], &c, NPORTS, &why) < 0) {
		FUZZ_CHECK(why != NULL, "rejected without a reason");
		*err = strdup(why);
		return NULL;
	}
	FUZZ_CHECK(c.nhops >= 1 && c.nhops <= NFV_MAX_HOPS, "%u hops", c.nhops);
	for (unsigned int i = 0; i < c.nhops; i++)
		FUZZ_CHECK((c.hop[i].type == HOP_NF && c.hop[i].id >= 1 &&
			    c.hop[i].id <= NFV_MAX_SERVICE) ||
			   (c.hop[i].type == HOP_PORT && c.hop[i].id < NPORTS) ||
			   (c.hop[i].type == HOP_DROP && c.hop[i].id == 0),
			   "hop %u: type %u id %u", i, c.hop[i].type, c.hop[i].id);
	nfv_chain_format(&c, text, sizeof(text));
	FUZZ_CHECK(nfv_chain_parse(text, &again, NPORTS, &why) == 0 && again.nhops == c.nhops &&
		   memcmp(again.hop, c.hop, sizeof(c.hop)) == 0,
		   "'%s' formats as '%s', which does not parse back", argv[0], text);
	return json_pack("{s:s}", "chain", text);
}

static json_t *
h_fail(int argc, const char *argv[], void *aux, char **err)
{
	check_argv(argc, argv, 0, 0);
	*err = strdup("bad\n\r\t\x1b[2J\x7f \xc2\x85 \xc2\x9b \xff\xfe end");
	return NULL;
}

static json_t *
h_dynamic(int argc, const char *argv[], void *aux, char **err)
{
	return json_object();
}

static json_t *
h_register(int argc, const char *argv[], void *aux, char **err)
{
	int ret;

	check_argv(argc, argv, 1, 1);
	ret = nfv_ctl_command_register(srv, argv[0], "", 0, 1, h_dynamic, NULL);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EEXIST, "register returned %d", ret);
	FUZZ_CHECK(ret != 0 || count_name_words(argv[0]) >= 1, "bad name '%s' registered", argv[0]);
	return json_pack("{s:i}", "ret", ret);
}

/* Forget the commands "register" added, so that inputs stay independent. */
static void
drop_dynamic(void)
{
	size_t i, n = 0;

	for (i = 0; i < srv->n_commands; i++) {
		if (srv->commands[i].handler == h_dynamic) {
			free(srv->commands[i].name);
			free(srv->commands[i].usage);
		} else {
			srv->commands[n++] = srv->commands[i];
		}
	}
	srv->n_commands = n;
	FUZZ_CHECK(n == base_commands, "%zu commands left", n);
}

static void
setup(void)
{
	static const int nf_list[2] = { 0, 1 }, nf[2] = { 1, 2 };

	srv = calloc(1, sizeof(*srv));
	cli = calloc(1, sizeof(*cli));
	FUZZ_CHECK(srv && cli, "setup");
	srv->listen_fd = -1;
	FUZZ_CHECK(register_builtins(srv) == 0 &&
		   nfv_ctl_command_register(srv, "echo", "[WORD...]", 0, INT_MAX, h_echo, NULL) == 0 &&
		   nfv_ctl_command_register(srv, "nf list", "[SERVICE]", 0, 1, h_empty,
					    (void *)nf_list) == 0 &&
		   nfv_ctl_command_register(srv, "nf", "NAME [X]", 1, 2, h_empty, (void *)nf) == 0 &&
		   nfv_ctl_command_register(srv, "flow key", "PROTO SRC SPORT DST DPORT", 5, 5,
					    h_flow_key, NULL) == 0 &&
		   nfv_ctl_command_register(srv, "chain", "SPEC", 1, 1, h_chain, NULL) == 0 &&
		   nfv_ctl_command_register(srv, "fail", "", 0, 0, h_fail, NULL) == 0 &&
		   nfv_ctl_command_register(srv, "register", "NAME", 1, 1, h_register, NULL) == 0,
		   "registering the commands");
	base_commands = srv->n_commands;
}

/* The words "echo" must return for request @req, or NULL if not an echo. */
static json_t *
echo_words(const char *line, size_t len)
{
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *cmd = req ? json_object_get(req, "command") : NULL;
	json_t *args = req ? json_object_get(req, "args") : NULL;
	json_t *words = NULL;
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(req) || !json_is_string(cmd) || (args && !json_is_array(args)))
		goto out;
	json_object_foreach(req, key, v)
		if (strcmp(key, "command") && strcmp(key, "args"))
			goto out;
	for (i = 0; args && i < json_array_size(args); i++)
		if (!json_is_string(json_array_get(args, i)))
			goto out;
	{
		char *text = strdup(json_string_value(cmd)), *save = NULL, *w;
		int first = 1;

		words = json_array();
		for (w = strtok_r(text, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if (first && strcmp(w, "echo")) {
				json_decref(words);
				words = NULL;
				break;
			}
			if (!first)
				json_array_append_new(words, json_string(w));
			first = 0;
		}
		free(text);
		if (words && first) {	/* no words at all */
			json_decref(words);
			words = NULL;
		}
	}
	for (i = 0; words && args && i < json_array_size(args); i++)
		json_array_append(words, json_array_get(args, i));
out:
	json_decref(req);
	return words;
}

/* Check one reply line against the request line that asked for it. */
static void
check_reply(const char *reply, size_t rlen, const char *req, size_t qlen, int dynamic)
{
	json_t *r = json_loadb(reply, rlen, 0, NULL);
	json_t *ok = r ? json_object_get(r, "ok") : NULL;
	json_t *words = dynamic ? NULL : echo_words(req, qlen);

	FUZZ_CHECK(json_is_object(r) && json_is_boolean(ok), "reply '%.*s' is malformed",
		   (int)rlen, reply);
	if (json_is_true(ok)) {
		FUZZ_CHECK(json_object_size(r) == 2 && json_object_get(r, "result"),
			   "'%.*s': ok without a result", (int)rlen, reply);
	} else {
		const char *e = json_string_value(json_object_get(r, "error"));

		FUZZ_CHECK(json_object_size(r) == 2 && e && *e, "'%.*s': no error message",
			   (int)rlen, reply);
		for (const unsigned char *p = (const unsigned char *)e; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p != 0x7f && !(p[0] == 0xc2 && p[1] >= 0x80 &&
								   p[1] <= 0x9f),
				   "control character %#x in error '%s'", *p, e);
	}
	if (words) {
		json_t *got = json_object_get(json_object_get(r, "result"), "args");

		FUZZ_CHECK(json_is_true(ok) && json_equal(got, words),
			   "echo of '%.*s' answered '%.*s'", (int)qlen, req, (int)rlen, reply);
		json_decref(words);
	}
	json_decref(r);
}

/* The client sends @n bytes of its stream with @nfds eventfds attached. */
static void
client_send(int sock, const char *buf, size_t n, int nfds)
{
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int fds[8], i;

	for (i = 0; i < nfds; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		FUZZ_CHECK(fds[i] >= 0, "eventfd");
	}
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	FUZZ_CHECK(sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)n, "sendmsg");
	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

/* Does the stream hold a line longer than the server takes? */
static int
long_line(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n')
			run = 0;
		else if (++run > NFV_CTL_MAX_LINE)
			return 1;
	return 0;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t chunk = 1 + fuzz_u8(&in), fed = 0, pos = 0, q = 0;
	uint8_t fdspec = fuzz_u8(&in);
	int nfds = fdspec & 7, every = 1 + (fdspec >> 3), sends = 0;
	const char *stream = (const char *)in.p;
	size_t len = in.left;
	int dynamic = 0, sv[2], fds_before;

	if (!srv)
		setup();
	fds_before = fuzz_open_fds();
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	cli->fd = sv[0];
	cli->closing = false;
	cli->in_len = 0;
	cli->out_start = cli->out_len = 0;

	/* What a client sends, read as the server reads it. */
	while (fed < len && cli->fd >= 0 && !cli->closing) {
		size_t n = len - fed < chunk ? len - fed : chunk;

		client_send(sv[1], stream + fed, n, sends++ % every == 0 ? nfds : 0);
		fed += n;
		client_read(srv, cli);
	}
	shutdown(sv[1], SHUT_WR);
	while (cli->fd >= 0 && !cli->closing)
		client_read(srv, cli);
	FUZZ_CHECK(cli->fd >= 0, "connection dropped");
	client_close(cli);
	close(sv[1]);
	FUZZ_CHECK(fuzz_open_fds() == fds_before, "descriptors leaked");
	if (long_line(stream, len)) {
		/* The server answers with an error and hangs up. */
		FUZZ_CHECK(cli->out_len > 0 && memmem(cli->out, cli->out_len,
						       "request longer than", 19),
			   "a line too long, but no error");
		drop_dynamic();
		return 0;
	}

	/* Pair each request line with its reply line. */
	while (q < len) {
		const char *nl = memchr(stream + q, '\n', len - q);
		size_t qlen = nl ? (size_t)(nl - (stream + q)) : len - q;

		if (!blank(stream + q, qlen)) {
			const char *r = cli->out + pos;
			const char *rnl;

			FUZZ_CHECK(pos < cli->out_len, "no reply to '%.*s'", (int)qlen, stream + q);
			rnl = memchr(r, '\n', cli->out_len - pos);
			FUZZ_CHECK(rnl, "reply not terminated by a newline");
			check_reply(r, (size_t)(rnl - r), stream + q, qlen, dynamic);
			pos += (size_t)(rnl - r) + 1;
			dynamic |= srv->n_commands != base_commands;
		}
		q += qlen + 1;
	}
	FUZZ_CHECK(pos == cli->out_len, "%zu bytes of replies to no request", cli->out_len - pos);
	drop_dynamic();
	return 0;
}
