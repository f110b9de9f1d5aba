/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_ctl.c - control requests to nfvisord: registration, flow rules.
 *
 * A request goes on the slot's CTL ring and rings the host's CTL doorbell;
 * the reply comes back on the CTL-reply ring with the request's sequence
 * number and rings our CTL doorbell.  A doorbell can be lost, so the reply
 * ring is re-checked every NETLIB_CTL_RECHECK_MS as well.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "netlib_priv.h"

_Static_assert(NETLIB_SERVICE_MAX == NFV_MAX_SERVICE, "service id ranges differ");
_Static_assert(NETLIB_NAME_MAX < NFV_NF_NAME_MAX, "NF name must fit with its NUL");
_Static_assert(NETLIB_FLOW_MAX_HOPS == NFV_FLOW_MAX_HOPS, "flow hop limits differ");
_Static_assert(NETLIB_HOP_NF(5) == NFV_HOP(NFV_HOP_NF, 5) &&
	       NETLIB_HOP_PORT(1) == NFV_HOP(NFV_HOP_PORT, 1) &&
	       NETLIB_HOP_DROP == NFV_HOP(NFV_HOP_DROP, 0), "hop encodings differ");

/* Largest errno value a reply status may carry (as Linux's MAX_ERRNO). */
#define CTL_MAX_ERRNO 4095

int
netlib_ctl_send(struct netlib_ctx *ctx, struct nfv_ctl_msg *msg)
{
	int ret;

	if (ctx->host_err)
		return ctx->host_err;
	msg->seq = ++ctx->ctl_seq;
	ret = nfv_ring_enqueue_burst(&ctx->ctl, msg, 1);
	if (ret < 0) {
		netlib_set_error("slot %u: the control ring's consumer index is corrupt",
				 ctx->slot_idx);
		return -EPROTO;
	}
	if (ret == 0) {
		netlib_set_error("slot %u: the control ring is full: nfvisord is not serving this slot",
				 ctx->slot_idx);
		return -EAGAIN;
	}
	ret = ctx->be->ops->notify(ctx->be, NFV_VEC_CTL);
	if (ret < 0)
		netlib_set_error("cannot ring nfvisord's control doorbell: %s",
				 strerror(-ret));
	return ret;
}

/* Look for the reply to @seq, dropping anything else (stale replies). */
static int
ctl_reply_poll(struct netlib_ctx *ctx, uint32_t seq, struct nfv_ctl_msg *reply)
{
	uint32_t i;

	for (i = 0; i < ctx->hdr.ctl_entries; i++) {
		int n = nfv_ring_dequeue_burst(&ctx->ctl_reply, reply, 1);

		if (n < 0) {
			netlib_set_error("slot %u: the control reply ring's producer index is corrupt",
					 ctx->slot_idx);
			return -EPROTO;
		}
		if (n == 0)
			return 0;
		if (reply->type == NFV_CTL_REPLY && reply->seq == seq)
			return 1;
	}
	return 0;
}

/* Send @msg and wait for its reply. */
static int
ctl_call(struct netlib_ctx *ctx, struct nfv_ctl_msg *msg,
	 struct nfv_ctl_msg *reply)
{
	int64_t deadline = netlib_now_ms() + ctx->ctl_timeout_ms;
	int ret = netlib_ctl_send(ctx, msg);

	while (ret == 0) {
		int64_t left;

		ret = ctl_reply_poll(ctx, msg->seq, reply);
		if (ret != 0)
			return ret < 0 ? ret : 0;
		if (netlib_stopping(ctx)) {
			netlib_set_error("stopped while waiting for nfvisord's reply");
			return -EINTR;
		}
		left = deadline - netlib_now_ms();
		if (left <= 0) {
			netlib_set_error("no reply from nfvisord within %d ms (is it overloaded or stuck? see its log)",
					 ctx->ctl_timeout_ms);
			return -ETIMEDOUT;
		}
		ret = netlib_wait(ctx, NFV_VEC_CTL,
				  left < NETLIB_CTL_RECHECK_MS ? (int)left : NETLIB_CTL_RECHECK_MS);
	}
	return ret;
}

int
netlib_register(struct netlib_ctx *ctx, uint16_t service_id, const char *name)
{
	struct nfv_ctl_msg msg = { .type = NFV_CTL_REGISTER };
	struct nfv_ctl_msg reply;
	size_t len = name ? strlen(name) : 0;
	int32_t status;
	int ret;

	if (service_id == 0 || service_id > NETLIB_SERVICE_MAX) {
		netlib_set_error("service id %u out of range: use 1..%u",
				 service_id, NETLIB_SERVICE_MAX);
		return -EINVAL;
	}
	if (len > NETLIB_NAME_MAX) {
		netlib_set_error("NF name '%s' is longer than %u bytes", name,
				 NETLIB_NAME_MAX);
		return -ENAMETOOLONG;
	}
	if (ctx->instance_id >= 0) {
		netlib_set_error("already registered as instance %d of service %u",
				 ctx->instance_id, ctx->service_id);
		return -EALREADY;
	}
	msg.u.reg.service_id = service_id;
	msg.u.reg.pid = (uint32_t)getpid();
	if (len)
		memcpy(msg.u.reg.name, name, len);

	ret = ctl_call(ctx, &msg, &reply);
	if (ret < 0)
		return ret;
	status = reply.u.reply.status;
	if (status < 0 && status >= -CTL_MAX_ERRNO) {
		netlib_set_error("nfvisord refused to register service %u: %s",
				 service_id, strerror(-status));
		return status;
	}
	if (status != 0 || reply.u.reply.service_id != service_id) {
		netlib_set_error("nfvisord sent a malformed reply: status %d for service %u",
				 status, reply.u.reply.service_id);
		return -EPROTO;
	}
	ctx->instance_id = reply.u.reply.instance_id;
	ctx->service_id = service_id;
	return ctx->instance_id;
}

static int
flow_call(struct netlib_ctx *ctx, uint16_t type, const struct netlib_flow *match,
	  const uint16_t *hops, unsigned int nhops)
{
	const char *what = type == NFV_CTL_FLOW_ADD ? "add" : "delete";
	struct nfv_ctl_msg msg = { .type = type };
	struct nfv_ctl_msg reply;
	size_t alen;
	int32_t status;
	int ret;

	if (ctx->instance_id < 0) {
		netlib_set_error("flow rules need a registered NF: call netlib_register() first");
		return -EPERM;
	}
	if (!match || (match->ipv != 4 && match->ipv != 6)) {
		netlib_set_error("flow rule: the match must be IPv4 (ipv 4) or IPv6 (ipv 6)");
		return -EINVAL;
	}
	if (type == NFV_CTL_FLOW_ADD && (!hops || nhops == 0 || nhops > NETLIB_FLOW_MAX_HOPS)) {
		netlib_set_error("flow rule: a chain has 1..%u hops, not %u",
				 NETLIB_FLOW_MAX_HOPS, nhops);
		return -EINVAL;
	}
	alen = match->ipv == 4 ? 4 : 16;
	msg.u.flow.ipv = match->ipv;
	msg.u.flow.proto = match->proto;
	msg.u.flow.sport = htons(match->sport);
	msg.u.flow.dport = htons(match->dport);
	memcpy(msg.u.flow.src, match->src, alen);
	memcpy(msg.u.flow.dst, match->dst, alen);
	if (type == NFV_CTL_FLOW_ADD)
		memcpy(msg.u.flow.hop, hops, nhops * sizeof(hops[0]));
	ret = ctl_call(ctx, &msg, &reply);
	if (ret < 0)
		return ret;
	status = reply.u.reply.status;
	if (status < 0 && status >= -CTL_MAX_ERRNO) {
		netlib_set_error("nfvisord refused to %s the flow rule: %s", what,
				 status == -EEXIST ? "a rule for this 5-tuple exists" :
				 status == -ENOENT ? "no rule for this 5-tuple" :
				 status == -ENOSPC ? "its rule table is full" :
				 status == -EINVAL ? "bad 5-tuple or chain (unknown port or service 0?)" :
				 strerror(-status));
		return status;
	}
	if (status != 0) {
		netlib_set_error("nfvisord sent a malformed reply: status %d", status);
		return -EPROTO;
	}
	return 0;
}

int
netlib_flow_add(struct netlib_ctx *ctx, const struct netlib_flow *match,
		const uint16_t *hops, unsigned int nhops)
{
	return flow_call(ctx, NFV_CTL_FLOW_ADD, match, hops, nhops);
}

int
netlib_flow_del(struct netlib_ctx *ctx, const struct netlib_flow *match)
{
	return flow_call(ctx, NFV_CTL_FLOW_DEL, match, NULL, 0);
}
