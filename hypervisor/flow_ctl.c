/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * flow_ctl.c - `nfvctl flow add|del|list|flush`.  The control thread
 * parses and checks the request; the change itself runs on the worker
 * (the flow table's only writer) through its mailbox.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "ctl.h"
#include "daemon.h"
#include "direct.h"

#define CALL_TIMEOUT_MS 2000u

struct flow_op {
	struct nfv_flow_key key;
	struct nfv_chain chain;
	struct nfv_flow_rule *rules;	/* list: out */
	uint32_t nrules;
	int ret;
};

int
nfv_rule_add(struct nfv_daemon *d, const struct nfv_flow_key *key, const struct nfv_chain *chain)
{
	int ret = nfv_flow_add(&d->ft, key, chain);

	if (ret == 0)
		nfv_direct_rule_changed(d, chain);
	return ret;
}

int
nfv_rule_del(struct nfv_daemon *d, const struct nfv_flow_key *key)
{
	nfv_direct_rule_changed(d, nfv_flow_find(&d->ft, key));
	return nfv_flow_del(&d->ft, key);
}

static void
do_add(struct nfv_daemon *d, void *arg)
{
	struct flow_op *op = arg;

	op->ret = nfv_rule_add(d, &op->key, &op->chain);
}

static void
do_del(struct nfv_daemon *d, void *arg)
{
	struct flow_op *op = arg;

	op->ret = nfv_rule_del(d, &op->key);
}

static void
do_flush(struct nfv_daemon *d, void *arg)
{
	struct flow_op *op = arg;

	op->nrules = d->ft.nrules;
	nfv_flow_flush(&d->ft);
	if (d->cfg.direct && op->nrules)
		d->relink = 1;
	op->ret = 0;
}

static void
do_list(struct nfv_daemon *d, void *arg)
{
	struct flow_op *op = arg;

	op->nrules = nfv_flow_list(&d->ft, op->rules, NFV_MAX_RULES);
	op->ret = 0;
}

static json_t *
run_on_worker(struct nfv_daemon *d, nfv_worker_fn fn, struct flow_op *op, char **err)
{
	if (nfv_worker_call(d, fn, op, CALL_TIMEOUT_MS) < 0) {
		*err = strdup("the data path did not answer within 2 s");
		return NULL;
	}
	if (op->ret < 0) {
		const char *why = op->ret == -EEXIST ? "a rule for this 5-tuple exists: delete it first" :
				  op->ret == -ENOENT ? "no rule for this 5-tuple (see nfvctl flow list)" :
				  op->ret == -ENOSPC ? "the flow table is full (4096 rules)" :
				  strerror(-op->ret);

		*err = strdup(why);
		return NULL;
	}
	return json_object();
}

static int
parse_key(const char *argv[], struct nfv_flow_key *key, char **err)
{
	const char *why = NULL;
	char buf[160];

	if (nfv_flow_key_from_words(argv, key, &why) == 0)
		return 0;
	snprintf(buf, sizeof(buf), "bad 5-tuple (PROTO SRC SPORT DST DPORT): %s", why);
	*err = strdup(buf);
	return -EINVAL;
}

static json_t *
cmd_add(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	struct flow_op op = { 0 };
	const char *why = NULL;
	char buf[160];

	if (parse_key(argv, &op.key, err) < 0)
		return NULL;
	if (nfv_chain_parse(argv[5], &op.chain, d->nports, &why) < 0) {
		snprintf(buf, sizeof(buf), "bad chain '%s': %s", argv[5], why);
		*err = strdup(buf);
		return NULL;
	}
	return run_on_worker(d, do_add, &op, err);
}

static json_t *
cmd_del(int argc, const char *argv[], void *aux, char **err)
{
	struct flow_op op = { 0 };

	if (parse_key(argv, &op.key, err) < 0)
		return NULL;
	return run_on_worker(aux, do_del, &op, err);
}

static json_t *
cmd_flush(int argc, const char *argv[], void *aux, char **err)
{
	struct flow_op op = { 0 };
	json_t *r = run_on_worker(aux, do_flush, &op, err);

	if (r)
		json_object_set_new(r, "removed", json_integer(op.nrules));
	return r;
}

static json_t *
rule_json(const struct nfv_flow_rule *r)
{
	char match[128], chain[128];

	nfv_flow_key_format(&r->key, match, sizeof(match));
	nfv_chain_format(&r->chain, chain, sizeof(chain));
	return json_pack("{s:s, s:s, s:I, s:I}", "match", match, "chain", chain,
			 "packets", (json_int_t)r->chain.pkts,
			 "in_flight", (json_int_t)r->chain.inflight);
}

/* --port-chain: [{"port", "chain", "packets"}] of the ports that have one. */
static json_t *
port_chains_json(const struct nfv_daemon *d)
{
	json_t *arr = json_array();
	char chain[128];
	uint16_t p, id;

	for (p = 0; p < d->nports; p++) {
		id = d->ft.port_chain[p];
		if (id == NFV_DEFAULT_CHAIN)
			continue;
		nfv_chain_format(&d->ft.chain[id], chain, sizeof(chain));
		json_array_append_new(arr, json_pack("{s:i, s:s, s:I}", "port", p, "chain", chain,
						     "packets", (json_int_t)d->ft.chain[id].pkts));
	}
	return arr;
}

static json_t *
cmd_list(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	struct flow_op op = { 0 };
	json_t *arr, *r;
	char chain[128];
	uint32_t i;

	op.rules = calloc(NFV_MAX_RULES, sizeof(*op.rules));
	if (!op.rules) {
		*err = strdup("out of memory");
		return NULL;
	}
	r = run_on_worker(d, do_list, &op, err);
	if (r) {
		arr = json_array();
		for (i = 0; i < op.nrules; i++)
			json_array_append_new(arr, rule_json(&op.rules[i]));
		nfv_chain_format(&d->ft.chain[NFV_DEFAULT_CHAIN], chain, sizeof(chain));
		json_object_set_new(r, "rules", arr);
		json_object_set_new(r, "default_chain", json_string(chain));
		json_object_set_new(r, "default_packets",
				    json_integer((json_int_t)d->ft.chain[NFV_DEFAULT_CHAIN].pkts));
		json_object_set_new(r, "port_chains", port_chains_json(d));
		json_object_set_new(r, "max_rules", json_integer(NFV_MAX_RULES));
	}
	free(op.rules);
	return r;
}

int
nfv_flow_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv)
{
	static const struct {
		const char *name, *usage;
		int args;
		nfv_ctl_handler fn;
	} cmds[] = {
		{ "flow add", "PROTO SRC SPORT DST DPORT CHAIN", 6, cmd_add },
		{ "flow del", "PROTO SRC SPORT DST DPORT", 5, cmd_del },
		{ "flow list", "", 0, cmd_list },
		{ "flow flush", "", 0, cmd_flush },
	};
	size_t i;
	int ret;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		ret = nfv_ctl_command_register(srv, cmds[i].name, cmds[i].usage, cmds[i].args,
					       cmds[i].args, cmds[i].fn, d);
		if (ret < 0)
			return ret;
	}
	return 0;
}
