/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stats.h - counters as JSON (control socket, summary), as a live line and
 * through DPDK telemetry (/nfv/stats).
 */
#ifndef NFV_STATS_H
#define NFV_STATS_H

#include <jansson.h>
#include <stdio.h>

#include "daemon.h"

/** Buffer conservation of one domain, or of all of them summed up. */
struct nfv_audit_counts {
	uint32_t pool_size;		/* buffers in the domain */
	uint32_t pool_in_use;		/* out of the mempool */
	uint32_t owner_free, held, lent; /* full scan of the ownership table */
	int64_t in_ports;		/* in_use - held - lent: in port queues */
	int ok;				/* table consistent and nothing missing */
};

/** Result of a buffer-conservation audit: totals, then per domain. */
struct nfv_audit {
	uint32_t pool_size, pool_in_use, owner_free, held, lent;
	int64_t in_ports;
	int ok;				/* every domain's audit is */
	uint32_t ndom;
	struct {
		char name[NFV_DOMAIN_NAME_MAX];
		struct nfv_audit_counts c;
	} dom[NFV_MAX_DOMAINS];
};

/** Audit every domain the worker serves.  Run on the worker or when it is stopped. */
void nfv_audit_run(struct nfv_daemon *d, struct nfv_audit *a);
json_t *nfv_audit_json(const struct nfv_audit *a);

/** A trust domain for `domain list` and `status`: control thread only. */
json_t *nfv_domain_json(struct nfv_daemon *d, const struct nfv_hdomain *hd);

json_t *nfv_stats_status(struct nfv_daemon *d);
json_t *nfv_stats_ports(struct nfv_daemon *d);
json_t *nfv_stats_nfs(struct nfv_daemon *d);
json_t *nfv_stats_all(struct nfv_daemon *d);

/** Print one line of live statistics (rates since the previous call). */
void nfv_stats_live(struct nfv_daemon *d, FILE *out);

/** Register the control-socket commands and the telemetry endpoint. */
int nfv_stats_register(struct nfv_daemon *d, struct nfv_ctl_server *srv);

#endif /* NFV_STATS_H */
