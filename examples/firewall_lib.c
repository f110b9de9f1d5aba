/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * firewall_lib.c - rule parsing and matching, connection tracking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firewall_lib.h"
#include "nfv_flow_table.h"

struct firewall {
	struct fw_config cfg;		/* settings */
	struct fw_rule *rule;		/* rules, in matching order */
	unsigned int nrules;		/* rules in use */
	unsigned int cap;		/* rules allocated */
	struct nfv_flow_table *ct;	/* tracked flows, as first seen */
	struct fw_stats st;		/* counters */
};

struct firewall *
fw_create(const struct fw_config *cfg)
{
	struct firewall *fw;

	if (cfg->ct_max == 0 || cfg->ct_max > NFV_FT_MAX_CAPACITY ||
	    cfg->ct_timeout == 0) {
		errno = EINVAL;
		return NULL;
	}
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return NULL;
	fw->cfg = *cfg;
	fw->ct = nfv_ft_create(cfg->ct_max, cfg->seed);
	if (!fw->ct) {
		free(fw);
		errno = ENOMEM;
		return NULL;
	}
	return fw;
}

void
fw_destroy(struct firewall *fw)
{
	if (!fw)
		return;
	nfv_ft_destroy(fw->ct);
	free(fw->rule);
	free(fw);
}

static int
parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	char *dash;
	uint32_t a, b;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (nfv_parse_u32(buf, 0, UINT16_MAX, &a) < 0)
		return -EINVAL;
	b = a;
	if (dash && nfv_parse_u32(dash + 1, 0, UINT16_MAX, &b) < 0)
		return -EINVAL;
	if (b < a)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Conditions of a rule, as bits, to catch repeats. */
enum { C_PROTO = 1, C_SRC = 2, C_DST = 4, C_SPORT = 8, C_DPORT = 16 };

int
fw_rule_parse(char *const *word, int n, struct fw_rule *r, char *why,
	      size_t whylen)
{
	unsigned int seen = 0, c;
	const char *key, *val;
	int i;

	memset(r, 0, sizeof(*r));
	r->sport_hi = r->dport_hi = UINT16_MAX;
	if (strcmp(word[0], "allow") == 0) {
		r->verdict = FW_ALLOW;
	} else if (strcmp(word[0], "deny") == 0) {
		r->verdict = FW_DENY;
	} else {
		snprintf(why, whylen, "a rule starts with 'allow' or 'deny', not '%s'",
			 word[0]);
		return -EINVAL;
	}
	for (i = 1; i < n; i += 2) {
		key = word[i];
		if (strcmp(key, "proto") == 0)
			c = C_PROTO;
		else if (strcmp(key, "src") == 0)
			c = C_SRC;
		else if (strcmp(key, "dst") == 0)
			c = C_DST;
		else if (strcmp(key, "sport") == 0)
			c = C_SPORT;
		else if (strcmp(key, "dport") == 0)
			c = C_DPORT;
		else {
			snprintf(why, whylen, "unknown condition '%s': use proto, src, dst, sport or dport",
				 key);
			return -EINVAL;
		}
		if (i + 1 >= n) {
			snprintf(why, whylen, "'%s' needs a value", key);
			return -EINVAL;
		}
		if (seen & c) {
			snprintf(why, whylen, "'%s' given twice: keep one", key);
			return -EINVAL;
		}
		seen |= c;
		val = word[i + 1];
		switch (c) {
		case C_PROTO:
			if (strcmp(val, "tcp") == 0)
				r->proto = NFV_PROTO_TCP;
			else if (strcmp(val, "udp") == 0)
				r->proto = NFV_PROTO_UDP;
			else if (strcmp(val, "icmp") == 0)
				r->proto = NFV_PROTO_ICMP;
			else if (strcmp(val, "any") == 0)
				r->proto = 0;
			else {
				snprintf(why, whylen, "unknown protocol '%s': use tcp, udp, icmp or any",
					 val);
				return -EINVAL;
			}
			break;
		case C_SRC:
		case C_DST:
			if (nfv_prefix_parse(val, c == C_SRC ? &r->src : &r->dst,
					     why, whylen) < 0)
				return -EINVAL;
			break;
		case C_SPORT:
		case C_DPORT:
			if (parse_ports(val, c == C_SPORT ? &r->sport_lo : &r->dport_lo,
					c == C_SPORT ? &r->sport_hi : &r->dport_hi) < 0) {
				snprintf(why, whylen, "%s '%s' is not a port N or a range N-M with N <= M, in 0..65535",
					 key, val);
				return -EINVAL;
			}
			break;
		}
	}
	r->has_src = (seen & C_SRC) != 0;
	r->has_dst = (seen & C_DST) != 0;
	if ((seen & (C_SPORT | C_DPORT)) && r->proto != NFV_PROTO_TCP &&
	    r->proto != NFV_PROTO_UDP) {
		snprintf(why, whylen, "sport and dport need 'proto tcp' or 'proto udp': only TCP and UDP have ports");
		return -EINVAL;
	}
	if (r->has_src && r->has_dst && r->src.ipv != r->dst.ipv) {
		snprintf(why, whylen, "src is IPv%u but dst is IPv%u: no packet is both; write two rules",
			 r->src.ipv, r->dst.ipv);
		return -EINVAL;
	}
	return 0;
}

int
fw_add_rule(struct firewall *fw, const struct fw_rule *r)
{
	struct fw_rule *rules;
	unsigned int cap;

	if (fw->nrules == FW_MAX_RULES)
		return -ENOSPC;
	if (fw->nrules == fw->cap) {
		cap = fw->cap ? fw->cap * 2 : 16;
		rules = realloc(fw->rule, sizeof(*rules) * cap);
		if (!rules)
			return -ENOMEM;
		fw->rule = rules;
		fw->cap = cap;
	}
	fw->rule[fw->nrules++] = *r;
	return 0;
}

int
fw_load(struct firewall *fw, const char *path, char *err, size_t errlen)
{
	char why[NFV_ERR_LEN];
	struct fw_rule r;
	struct nfv_conf c;
	int n, ret, added = 0;

	ret = nfv_conf_open(&c, path, err, errlen);
	if (ret < 0)
		return ret;
	while ((n = nfv_conf_next(&c)) > 0) {
		if (fw_rule_parse(c.word, n, &r, why, sizeof(why)) < 0) {
			ret = nfv_conf_error(&c, "%s", why);
			goto out;
		}
		r.line = c.line;
		ret = fw_add_rule(fw, &r);
		if (ret == -ENOSPC) {
			nfv_conf_error(&c, "more than %d rules: merge some", FW_MAX_RULES);
			goto out;
		}
		if (ret < 0) {
			nfv_conf_error(&c, "cannot add the rule: %s", strerror(-ret));
			goto out;
		}
		added++;
	}
	ret = n < 0 ? n : added;
out:
	nfv_conf_close(&c);
	return ret;
}

static int
rule_matches(const struct fw_rule *r, const struct nfv_ip_hdrs *h,
	     const struct nfv_5tuple *k)
{
	if (r->proto == NFV_PROTO_ICMP) {
		if (k->proto != (h->ipv == 4 ? NFV_PROTO_ICMP : NFV_PROTO_ICMPV6))
			return 0;
	} else if (r->proto && r->proto != k->proto) {
		return 0;
	}
	if (r->has_src && !nfv_prefix_match(&r->src, h->ipv, k->src))
		return 0;
	if (r->has_dst && !nfv_prefix_match(&r->dst, h->ipv, k->dst))
		return 0;
	if (r->sport_lo == 0 && r->sport_hi == UINT16_MAX &&
	    r->dport_lo == 0 && r->dport_hi == UINT16_MAX)
		return 1;
	/* Port conditions: a non-first fragment has no ports to match. */
	return h->has_l4 &&
	       k->sport >= r->sport_lo && k->sport <= r->sport_hi &&
	       k->dport >= r->dport_lo && k->dport <= r->dport_hi;
}

static void
ct_expire(struct firewall *fw, uint64_t now)
{
	int32_t i;

	while ((i = nfv_ft_oldest(fw->ct)) >= 0 &&
	       now - nfv_ft_last_used(fw->ct, i) >= fw->cfg.ct_timeout) {
		nfv_ft_remove(fw->ct, i);
		fw->st.ct_expired++;
	}
}

static void
ct_track(struct firewall *fw, const struct nfv_5tuple *k, uint64_t now)
{
	if (nfv_ft_insert(fw->ct, k, now) == -ENOSPC) {
		nfv_ft_remove(fw->ct, nfv_ft_oldest(fw->ct));
		fw->st.ct_evicted++;
		nfv_ft_insert(fw->ct, k, now);
	}
	fw->st.new_flows++;
}

enum fw_verdict
fw_packet(struct firewall *fw, const uint8_t *frame, uint32_t len,
	  uint64_t now)
{
	struct nfv_5tuple k, rev;
	struct nfv_ip_hdrs h;
	unsigned int i;
	int32_t e;
	int ret;

	ret = nfv_ip_parse(frame, len, &h);
	if (ret == -EPROTONOSUPPORT) {
		fw->st.non_ip++;
		return fw->cfg.default_verdict;
	}
	if (ret < 0 || nfv_ip_flow_key(frame, &h, &k) < 0) {
		fw->st.malformed++;
		return FW_DENY;
	}
	ct_expire(fw, now);
	e = nfv_ft_lookup(fw->ct, &k);
	if (e < 0) {
		nfv_5tuple_reverse(&k, &rev);
		e = nfv_ft_lookup(fw->ct, &rev);
	}
	if (e >= 0) {
		nfv_ft_touch(fw->ct, e, now);
		fw->st.established++;
		return FW_ALLOW;
	}
	for (i = 0; i < fw->nrules; i++) {
		struct fw_rule *r = &fw->rule[i];

		if (!rule_matches(r, &h, &k))
			continue;
		r->hits++;
		if (r->verdict == FW_DENY) {
			fw->st.denied++;
			return FW_DENY;
		}
		ct_track(fw, &k, now);
		return FW_ALLOW;
	}
	if (fw->cfg.default_verdict == FW_DENY) {
		fw->st.default_denied++;
		return FW_DENY;
	}
	ct_track(fw, &k, now);
	return FW_ALLOW;
}

const struct fw_rule *
fw_rule_get(const struct firewall *fw, unsigned int i)
{
	return i < fw->nrules ? &fw->rule[i] : NULL;
}

uint32_t
fw_ct_count(const struct firewall *fw)
{
	return nfv_ft_count(fw->ct);
}

const struct fw_stats *
fw_stats(const struct firewall *fw)
{
	return &fw->st;
}
