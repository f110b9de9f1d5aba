/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service_ctl.c - `nfvctl service list|policy`.  Services belong to the
 * worker: a listing is a snapshot the worker takes through its mailbox,
 * and a policy change runs there too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "ctl.h"
#include "daemon.h"

#define CALL_TIMEOUT_MS 2000u

struct inst_snap {
	uint16_t slot, instance;
	uint8_t kind;			/* enum nf_kind */
	pid_t pid;			/* NF process or QEMU */
	char name[NFV_NF_NAME_MAX];
	char domain[NFV_DOMAIN_NAME_MAX];
	uint64_t pkts;			/* delivered to it */
	uint32_t flows;			/* pinned to it */
	uint32_t load;			/* lent + staged now */
};

struct svc_snap {
	uint16_t id, n;
	uint8_t policy;
	uint32_t flows;
	uint64_t placed, moved, aged_out, affinity_full, unpinned;
	struct inst_snap inst[NFV_MAX_INSTANCES];
};

struct list_op {
	struct svc_snap *svc;		/* NFV_MAX_SERVICE of them */
	unsigned int nsvc;
	uint32_t used, capacity;
};

struct policy_op {
	uint16_t id;
	uint8_t policy, previous;
};

/* Has or had instances (each join takes a serial), or a policy set. */
static int
worth_listing(const struct nfv_service *s)
{
	return s->next_serial > 0 || s->policy != NFV_LB_FLOW;
}

static void
do_list(struct nfv_daemon *d, void *arg)
{
	struct list_op *op = arg;
	unsigned int id, k;

	op->nsvc = 0;
	op->used = d->aff.used;
	op->capacity = d->aff.capacity;
	for (id = 1; id <= NFV_MAX_SERVICE; id++) {
		const struct nfv_service *s = &d->svc[id];
		struct svc_snap *o = &op->svc[op->nsvc];

		if (!worth_listing(s))
			continue;
		op->nsvc++;
		o->id = s->id;
		o->n = s->n;
		o->policy = s->policy;
		o->flows = s->flows;
		o->placed = s->placed;
		o->moved = s->moved;
		o->aged_out = s->aged_out;
		o->affinity_full = s->affinity_full;
		o->unpinned = s->unpinned;
		for (k = 0; k < s->n; k++) {
			const struct nfv_member *m = &s->m[s->live[k]];
			struct inst_snap *i = &o->inst[k];

			i->slot = m->nf->slot;
			i->instance = m->nf->instance;
			i->kind = m->nf->kind;
			i->pid = m->nf->pid;
			snprintf(i->name, sizeof(i->name), "%s", m->nf->name);
			snprintf(i->domain, sizeof(i->domain), "%s", m->nf->hd->dom.name);
			i->pkts = m->nf->st.rx_pkts;
			i->flows = m->flows;
			i->load = nfv_nf_load(m->nf);
		}
	}
}

static void
do_policy(struct nfv_daemon *d, void *arg)
{
	struct policy_op *op = arg;
	struct nfv_service *s = &d->svc[op->id];

	op->previous = (uint8_t)nfv_service_set_policy(s, (enum nfv_lb_policy)op->policy);
}

static json_t *
cmd_list(int argc, const char *argv[], void *aux, char **err)
{
	struct nfv_daemon *d = aux;
	struct list_op op = { 0 };
	json_t *svcs, *insts, *r = NULL;
	unsigned int i, k;

	op.svc = calloc(NFV_MAX_SERVICE, sizeof(*op.svc));
	if (!op.svc) {
		*err = strdup("out of memory");
		return NULL;
	}
	if (nfv_worker_call(d, do_list, &op, CALL_TIMEOUT_MS) < 0) {
		*err = strdup("the data path did not answer within 2 s");
		goto out;
	}
	svcs = json_array();
	insts = json_array();
	for (i = 0; i < op.nsvc; i++) {
		const struct svc_snap *s = &op.svc[i];

		json_array_append_new(svcs, json_pack(
			"{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"service", (json_int_t)s->id,
			"policy", nfv_lb_policy_name(s->policy),
			"instances", (json_int_t)s->n,
			"flows", (json_int_t)s->flows,
			"placed", (json_int_t)s->placed,
			"moved", (json_int_t)s->moved,
			"aged_out", (json_int_t)s->aged_out,
			"affinity_full", (json_int_t)s->affinity_full,
			"unpinned", (json_int_t)s->unpinned));
		for (k = 0; k < s->n; k++) {
			const struct inst_snap *in = &s->inst[k];

			json_array_append_new(insts, json_pack(
				"{s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:I, s:I, s:I}",
				"service", (json_int_t)s->id,
				"instance", (json_int_t)in->instance,
				"name", in->name,
				"kind", in->kind == NF_KIND_VM ? "vm" : "process",
				"pid", (json_int_t)in->pid,
				"slot", (json_int_t)in->slot,
				"domain", in->domain,
				"load", (json_int_t)in->load,
				"packets", (json_int_t)in->pkts,
				"flows", (json_int_t)in->flows));
		}
	}
	r = json_pack("{s:I, s:I, s:f, s:o, s:o}",
		      "affinity_entries", (json_int_t)op.used,
		      "affinity_capacity", (json_int_t)op.capacity,
		      "flow_timeout_s", (double)d->cfg.flow_timeout_ms / 1000.0,
		      "services", svcs, "instances", insts);
	if (!r)
		*err = strdup("out of memory");
out:
	free(op.svc);
	return r;
}

static json_t *
cmd_policy(int argc, const char *argv[], void *aux, char **err)
{
	struct policy_op op = { 0 };
	char msg[160], *end;
	unsigned long id;
	int policy;

	errno = 0;
	id = strtoul(argv[0], &end, 10);
	if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' || errno || id == 0 ||
	    id > NFV_MAX_SERVICE) {
		snprintf(msg, sizeof(msg), "bad service '%s': service ids are 1..%u", argv[0],
			 NFV_MAX_SERVICE);
		*err = strdup(msg);
		return NULL;
	}
	policy = nfv_lb_policy_parse(argv[1]);
	if (policy < 0) {
		snprintf(msg, sizeof(msg), "unknown policy '%s': expected flow, load or hash", argv[1]);
		*err = strdup(msg);
		return NULL;
	}
	op.id = (uint16_t)id;
	op.policy = (uint8_t)policy;
	if (nfv_worker_call(aux, do_policy, &op, CALL_TIMEOUT_MS) < 0) {
		*err = strdup("the data path did not answer within 2 s");
		return NULL;
	}
	return json_pack("{s:I, s:s, s:s}", "service", (json_int_t)op.id,
			 "policy", nfv_lb_policy_name(op.policy),
			 "previous", nfv_lb_policy_name(op.previous));
}

int
nfv_service_ctl_register(struct nfv_daemon *d, struct nfv_ctl_server *srv)
{
	int ret;

	ret = nfv_ctl_command_register(srv, "service list", "", 0, 0, cmd_list, d);
	if (ret == 0)
		ret = nfv_ctl_command_register(srv, "service policy", "SERVICE flow|load|hash", 2, 2,
					       cmd_policy, d);
	return ret;
}
