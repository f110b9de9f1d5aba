/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ratelimit_lib.h - token-bucket rate limiter of nfv-ratelimit, for all
 * traffic of the NF or per flow.
 *
 * A bucket holds up to `burst` tokens and gains `rate` tokens a second;
 * a packet passes if the bucket holds its cost and then takes it, else it
 * is over the limit and takes nothing.  Tokens are packets (pps) or bits
 * of the frame as the NF sees it (bps: Ethernet header to the end, no
 * FCS, preamble or gap).  Buckets start full, so over any interval of t
 * seconds from the start a bucket passes at most rate * t + burst worth.
 * Arithmetic is exact: credit is kept in token-nanoseconds (a token is
 * 10^9 of them) in 64-bit integers, so nothing is lost to rounding.
 *
 * The caller passes the time with every packet (read it once per burst);
 * time that goes backwards adds nothing.
 *
 * Per flow, buckets live in an open-addressing table keyed by the 5-tuple
 * (non-IP frames share one bucket).  A flow's slot is one of
 * NFV_RL_PROBE consecutive slots from its hash; when all are taken by
 * other flows, the least recently seen one is reused.  Reusing a bucket
 * that has been idle long enough to be full again loses nothing; reusing
 * any other counts an eviction (the evicted flow comes back with a full
 * bucket).  The hash is seeded so that flows cannot be crafted to collide
 * without knowing the seed.
 *
 * Error convention: int functions return 0 or -errno.
 */
#ifndef RATELIMIT_LIB_H
#define RATELIMIT_LIB_H

#include <stdint.h>

#include "nfv_rewrite_lib.h"

/** Slots a flow may occupy, from its hash on. */
#define NFV_RL_PROBE 8
/** Largest --flows (table slots, rounded up to a power of two). */
#define NFV_RL_FLOWS_MAX (1u << 24)
/** Largest rate, tokens per second. */
#define NFV_RL_RATE_MAX 10000000000000ull
/** Largest burst, packets (pps) or bytes (bps). */
#define NFV_RL_BURST_MAX 1000000000ull
/** Room for one parse error message. */
#define NFV_RL_ERR_LEN 160

/** What tokens are. */
enum nfv_rl_unit {
	NFV_RL_PPS = 0,		/**< one token a packet */
	NFV_RL_BPS = 1,		/**< one token a bit of frame */
};

/** A limit. */
struct nfv_rl_cfg {
	enum nfv_rl_unit unit;	/**< what rate counts */
	uint64_t rate;		/**< tokens per second, 1..NFV_RL_RATE_MAX */
	uint64_t burst;		/**< bucket depth: packets (pps) or bytes (bps) */
};

/** One token bucket. */
struct nfv_rl_bucket {
	uint64_t credit;	/**< token-nanoseconds held, <= depth */
	uint64_t last_ns;	/**< time of the last refill */
};

/** One slot of the per-flow table. */
struct nfv_rl_flow {
	struct nfv_5tuple key;		/**< the flow */
	struct nfv_rl_bucket bucket;	/**< its bucket */
	uint8_t used;			/**< slot holds a flow */
};

/** Counters of a limiter. */
struct nfv_rl_stats {
	uint64_t passed_pkts;	/**< packets within the limit */
	uint64_t passed_bytes;	/**< their frame bytes */
	uint64_t over_pkts;	/**< packets over the limit */
	uint64_t over_bytes;	/**< their frame bytes */
	uint64_t flows;		/**< flows in the table now (per flow) */
	uint64_t evictions;	/**< flows evicted for room (per flow) */
};

/** A limiter; see nfv_rl_init(). */
struct nfv_rl {
	struct nfv_rl_cfg cfg;		/**< the limit */
	uint64_t depth;			/**< burst in token-nanoseconds */
	uint64_t fill_ns;		/**< time an empty bucket takes to fill */
	struct nfv_rl_bucket all;	/**< the bucket without per-flow */
	struct nfv_rl_flow *flow;	/**< per-flow table, or NULL */
	uint32_t mask;			/**< its slots - 1 */
	uint64_t seed;			/**< its hash seed */
	struct nfv_rl_stats st;		/**< counters */
};

/** Verdict on one packet. */
enum nfv_rl_verdict {
	NFV_RL_PASS = 0,	/**< within the limit */
	NFV_RL_OVER = 1,	/**< over it: drop or mark */
};

/**
 * Parse a rate: a number (decimals allowed) with an optional multiplier
 * k, m or g (10^3, 10^6, 10^9), then "pps" or "bps", blanks between
 * allowed: "100k pps", "1g bps", "2.5mbps".  Sets cfg->unit and cfg->rate.
 *
 * @param s    the text
 * @param cfg  receives the unit and rate
 * @param err  receives the reason on failure, NFV_RL_ERR_LEN bytes
 * @return 0, or -EINVAL.
 */
int nfv_rl_parse_rate(const char *s, struct nfv_rl_cfg *cfg, char *err);

/**
 * Parse a whole count with an optional multiplier k, m or g (decimal).
 *
 * @param s    the text
 * @param max  largest value allowed
 * @param out  the value, 1..@max
 * @return 0, or -EINVAL.
 */
int nfv_rl_parse_count(const char *s, uint64_t max, uint64_t *out);

/**
 * The burst used when none is given: 10 ms at the rate, but at least 32
 * packets (pps) or 32 full-size frames of 1514 bytes (bps).
 *
 * @param cfg  unit and rate
 * @return packets or bytes.
 */
uint64_t nfv_rl_default_burst(const struct nfv_rl_cfg *cfg);

/**
 * Set up a limiter with full buckets.
 *
 * @param rl      the limiter
 * @param cfg     the limit
 * @param flows   0 for one bucket for all packets, else per-flow buckets
 *                in a table of @flows slots rounded up to a power of two,
 *                NFV_RL_PROBE..NFV_RL_FLOWS_MAX
 * @param seed    hash seed of the flow table
 * @param now_ns  the time now
 * @return 0, or -EINVAL (rate, burst or @flows out of range), -ENOMEM.
 */
int nfv_rl_init(struct nfv_rl *rl, const struct nfv_rl_cfg *cfg,
		uint32_t flows, uint64_t seed, uint64_t now_ns);

/**
 * Free the flow table.
 *
 * @param rl  the limiter
 */
void nfv_rl_fini(struct nfv_rl *rl);

/**
 * Judge one Ethernet frame at time @now_ns and count it.
 *
 * @param rl      the limiter
 * @param frame   first byte of the Ethernet header (read only)
 * @param len     bytes in @frame
 * @param now_ns  the time, in ns, from a clock that does not go back
 * @return the verdict.
 */
enum nfv_rl_verdict nfv_rl_packet(struct nfv_rl *rl, const uint8_t *frame,
				  uint32_t len, uint64_t now_ns);

/**
 * Set the DSCP of an IPv4 or IPv6 frame in place, keeping the ECN bits
 * (IPv4: incremental header checksum update; the DSCP is in no TCP/UDP
 * checksum).
 *
 * @param frame  first byte of the Ethernet header
 * @param len    bytes in @frame
 * @param dscp   0..63
 * @return 0, or -EPROTONOSUPPORT (frame unchanged) if it is not IP.
 */
int nfv_rl_mark(uint8_t *frame, uint32_t len, uint8_t dscp);

#endif /* RATELIMIT_LIB_H */
