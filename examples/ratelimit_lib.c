/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit_lib.c - token buckets of nfv-ratelimit (see ratelimit_lib.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ratelimit_lib.h"

#define NS_PER_S 1000000000ull
#define FRAME_MAX 1514ull	/* full-size untagged frame, no FCS */
#define DEFAULT_BURST_PKTS 32ull
#define ETH_HDR_LEN 14
#define IPV4_CSUM 10

/* The multiplier of a k/m/g suffix at *@s (advanced past it), else 1. */
static uint64_t
multiplier(const char **s)
{
	switch (tolower((unsigned char)**s)) {
	case 'k':
		(*s)++;
		return 1000ull;
	case 'm':
		(*s)++;
		return 1000000ull;
	case 'g':
		(*s)++;
		return 1000000000ull;
	default:
		return 1;
	}
}

int
nfv_rl_parse_rate(const char *s, struct nfv_rl_cfg *cfg, char *err)
{
	const char *p;
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isdigit((unsigned char)s[0]) || !isfinite(v))
		goto bad;
	p = end;
	v *= (double)multiplier(&p);
	while (*p == ' ')
		p++;
	if (!strcasecmp(p, "pps"))
		cfg->unit = NFV_RL_PPS;
	else if (!strcasecmp(p, "bps"))
		cfg->unit = NFV_RL_BPS;
	else
		goto bad;
	v = round(v);
	if (v < 1 || v > (double)NFV_RL_RATE_MAX) {
		snprintf(err, NFV_RL_ERR_LEN, "rate '%s' is out of range 1..10000g", s);
		return -EINVAL;
	}
	cfg->rate = (uint64_t)v;
	return 0;
bad:
	snprintf(err, NFV_RL_ERR_LEN,
		 "'%s' is not a rate: write a number, optionally k, m or g, then pps or bps (e.g. '100k pps', '1g bps')",
		 s);
	return -EINVAL;
}

int
nfv_rl_parse_count(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	const char *p;
	uint64_t mult;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	p = end;
	mult = multiplier(&p);
	if (*p || v < 1 || v > max / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

uint64_t
nfv_rl_default_burst(const struct nfv_rl_cfg *cfg)
{
	uint64_t b;

	if (cfg->unit == NFV_RL_PPS) {
		b = cfg->rate / 100;
		b = b < DEFAULT_BURST_PKTS ? DEFAULT_BURST_PKTS : b;
	} else {
		b = cfg->rate / 8 / 100;
		b = b < DEFAULT_BURST_PKTS * FRAME_MAX ? DEFAULT_BURST_PKTS * FRAME_MAX : b;
	}
	return b > NFV_RL_BURST_MAX ? NFV_RL_BURST_MAX : b;
}

int
nfv_rl_init(struct nfv_rl *rl, const struct nfv_rl_cfg *cfg, uint32_t flows,
	    uint64_t seed, uint64_t now_ns)
{
	uint32_t slots = NFV_RL_PROBE, i;

	memset(rl, 0, sizeof(*rl));
	if (cfg->rate < 1 || cfg->rate > NFV_RL_RATE_MAX || cfg->burst < 1 ||
	    cfg->burst > NFV_RL_BURST_MAX ||
	    (flows && (flows < NFV_RL_PROBE || flows > NFV_RL_FLOWS_MAX)))
		return -EINVAL;
	rl->cfg = *cfg;
	/* <= 8 * 10^9 tokens of 10^9 token-ns: 8 * 10^18 < 2^63. */
	rl->depth = cfg->burst * (cfg->unit == NFV_RL_BPS ? 8 : 1) * NS_PER_S;
	rl->fill_ns = (rl->depth + cfg->rate - 1) / cfg->rate;
	rl->all = (struct nfv_rl_bucket){ .credit = rl->depth, .last_ns = now_ns };
	rl->seed = seed;
	if (!flows)
		return 0;
	while (slots < flows)
		slots <<= 1;
	rl->flow = calloc(slots, sizeof(rl->flow[0]));
	if (!rl->flow)
		return -ENOMEM;
	rl->mask = slots - 1;
	for (i = 0; i < slots; i++)
		rl->flow[i].bucket.credit = rl->depth;
	return 0;
}

void
nfv_rl_fini(struct nfv_rl *rl)
{
	free(rl->flow);
	rl->flow = NULL;
}

/* Bring @b's credit up to @now_ns. */
static void
refill(const struct nfv_rl *rl, struct nfv_rl_bucket *b, uint64_t now_ns)
{
	uint64_t dt;

	if (now_ns <= b->last_ns)
		return;
	dt = now_ns - b->last_ns;
	b->last_ns = now_ns;
	/* Below fill_ns, dt * rate < depth: no overflow. */
	if (dt >= rl->fill_ns || b->credit + dt * rl->cfg.rate >= rl->depth)
		b->credit = rl->depth;
	else
		b->credit += dt * rl->cfg.rate;
}

/* The bucket of @key, found or made at @now_ns. */
static struct nfv_rl_bucket *
flow_bucket(struct nfv_rl *rl, const struct nfv_5tuple *key, uint64_t now_ns)
{
	uint32_t i, idx = (uint32_t)nfv_5tuple_hash(key, rl->seed);
	struct nfv_rl_flow *f, *free_slot = NULL, *oldest = NULL;

	for (i = 0; i < NFV_RL_PROBE; i++) {
		f = &rl->flow[(idx + i) & rl->mask];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (!memcmp(&f->key, key, sizeof(*key)))
			return &f->bucket;
		if (!oldest || f->bucket.last_ns < oldest->bucket.last_ns)
			oldest = f;
	}
	if (free_slot) {
		f = free_slot;
		rl->st.flows++;
	} else {
		f = oldest;
		/* A bucket idle long enough to be full again is as good as
		 * a new one: reusing it loses nothing. */
		if (now_ns < f->bucket.last_ns || now_ns - f->bucket.last_ns < rl->fill_ns)
			rl->st.evictions++;
	}
	f->used = 1;
	f->key = *key;
	f->bucket = (struct nfv_rl_bucket){ .credit = rl->depth, .last_ns = now_ns };
	return &f->bucket;
}

enum nfv_rl_verdict
nfv_rl_packet(struct nfv_rl *rl, const uint8_t *frame, uint32_t len,
	      uint64_t now_ns)
{
	uint64_t cost = (rl->cfg.unit == NFV_RL_BPS ? (uint64_t)len * 8 : 1) * NS_PER_S;
	struct nfv_rl_bucket *b = &rl->all;
	struct nfv_hdrs h;

	if (rl->flow) {
		nfv_hdrs_parse(frame, len, &h);
		b = flow_bucket(rl, &h.key, now_ns);
	}
	refill(rl, b, now_ns);
	if (b->credit >= cost) {
		b->credit -= cost;
		rl->st.passed_pkts++;
		rl->st.passed_bytes += len;
		return NFV_RL_PASS;
	}
	rl->st.over_pkts++;
	rl->st.over_bytes += len;
	return NFV_RL_OVER;
}

int
nfv_rl_mark(uint8_t *frame, uint32_t len, uint8_t dscp)
{
	uint8_t *ip = frame + ETH_HDR_LEN;
	struct nfv_hdrs h;
	uint16_t old_word, new_word, csum;
	uint8_t tc;

	switch (nfv_hdrs_parse(frame, len, &h)) {
	case 4:
		old_word = (uint16_t)(ip[0] << 8 | ip[1]);
		new_word = (uint16_t)((old_word & 0xff03) | (dscp & 0x3f) << 2);
		csum = (uint16_t)(ip[IPV4_CSUM] << 8 | ip[IPV4_CSUM + 1]);
		csum = nfv_csum_update16(csum, old_word, new_word);
		ip[1] = (uint8_t)new_word;
		ip[IPV4_CSUM] = (uint8_t)(csum >> 8);
		ip[IPV4_CSUM + 1] = (uint8_t)csum;
		return 0;
	case 6:
		/* version(4) | traffic class(8) | flow label(20) */
		old_word = (uint16_t)(ip[0] << 8 | ip[1]);
		tc = (uint8_t)(old_word >> 4);
		tc = (uint8_t)((dscp & 0x3f) << 2 | (tc & 0x3));
		new_word = (uint16_t)((old_word & 0xf00f) | tc << 4);
		ip[0] = (uint8_t)(new_word >> 8);
		ip[1] = (uint8_t)new_word;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}
