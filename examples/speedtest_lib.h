/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * speedtest_lib.h - what nfv-speedtest measures with: the frames it builds,
 * the tag it writes into them, its counters, a latency histogram and the
 * JSON summary.  No NetLib, no clock: the NF passes times in.
 *
 * A generated frame is Ethernet II + IPv4 (no options) + UDP; its first
 * ST_TAG_LEN bytes of UDP payload are the tag:
 *
 *	offset 42: magic   "NFST" (4 bytes)
 *	offset 46: run id  (4 bytes, little-endian): which generator sent it
 *	offset 50: time    (8 bytes, little-endian): CLOCK_MONOTONIC ns when
 *	                   the generator last sent it
 *
 * The generator owns the frames that carry its run id: those coming back
 * are timed and sent again, everything else is adopted (rebuilt from the
 * template) or, past --count, dropped.  Fields are written byte by byte,
 * so frames need no alignment.
 *
 * Error convention: int functions return 0 or -errno.
 */
#ifndef SPEEDTEST_LIB_H
#define SPEEDTEST_LIB_H

#include <stdint.h>
#include <stdio.h>

/** Ethernet + IPv4 + UDP headers of a generated frame. */
#define ST_HDR_LEN 42u
/** The tag, at the start of the UDP payload. */
#define ST_TAG_LEN 16u
/** Smallest frame built: Ethernet's minimum without the FCS. */
#define ST_MIN_SIZE 60u
/** Largest frame built (the buffers may allow less). */
#define ST_MAX_SIZE 9000u
/** Most flows (distinct UDP source ports) a generator cycles through. */
#define ST_MAX_FLOWS 65536u

/** What to build: one template, @flows UDP source ports from @sport. */
struct st_frame_cfg {
	uint32_t size;		/**< frame length, ST_MIN_SIZE..ST_MAX_SIZE */
	uint32_t flows;		/**< 1..ST_MAX_FLOWS */
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint8_t src_ip[4];	/**< network order */
	uint8_t dst_ip[4];
	uint16_t sport;		/**< first source port, host order */
	uint16_t dport;		/**< host order */
};

/**
 * Defaults: 64-byte frames, one flow, 02:00:00:00:00:02 <- :01,
 * 198.18.0.1:1024 -> 198.19.0.1:9 (RFC 2544's benchmarking range).
 */
void st_frame_defaults(struct st_frame_cfg *c);

/**
 * Write flow @flow's frame (flow taken modulo @c->flows) into @p, which
 * holds @c->size bytes: headers with a valid IPv4 checksum, UDP checksum 0
 * (none), payload zeroed (the tag included).
 */
void st_frame_build(uint8_t *p, const struct st_frame_cfg *c, uint32_t flow);

/** Write the tag: magic, @run and @time_ns.  @p holds a built frame. */
void st_tag_write(uint8_t *p, uint32_t run, uint64_t time_ns);

/**
 * Read the tag of the @len bytes at @p.
 * @return 1 with *run and *time_ns set if the frame is IPv4 (no options)
 *         UDP with a tag, else 0.
 */
int st_tag_read(const uint8_t *p, uint32_t len, uint32_t *run, uint64_t *time_ns);

/** Buckets of the latency histogram: 8 per power of two up to 2^63. */
#define ST_LAT_SUB 8u
#define ST_LAT_BUCKETS (64u * ST_LAT_SUB)

/** Latency samples: exact count, sum, min and max; quantiles within 1/8. */
struct st_lat {
	uint64_t n;
	uint64_t sum_ns;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t hist[ST_LAT_BUCKETS];
};

/** Add one sample. */
void st_lat_add(struct st_lat *l, uint64_t ns);

/**
 * The @q quantile (0 < q <= 1): the smallest sample bucket holding at
 * least q * n samples, given as the bucket's middle and clamped to
 * [min, max]; 0 without samples.  Within 1/16 of the true value above
 * 8 ns (exact below).
 */
uint64_t st_lat_quantile(const struct st_lat *l, double q);

/** Counters of one run; the NF updates them per packet. */
struct st_counters {
	uint64_t pkts;		/**< handed on (gen: sent; sink: received) */
	uint64_t bytes;		/**< their frame bytes (no FCS, preamble, gap) */
	uint64_t adopted;	/**< gen: frames built from new packets */
	uint64_t returned;	/**< gen: own frames back again */
	uint64_t surplus;	/**< gen: new packets past --count, dropped */
	uint64_t unfit;		/**< gen: too little room to resize, dropped */
	uint64_t tagged;	/**< sink/reflect: frames with a tag */
	uint64_t first_ns;	/**< first burst (0: none yet) */
	uint64_t last_ns;	/**< latest burst */
	struct st_lat lat;	/**< latency of timed frames */
};

/** Packets per second and bits per second of @c between its bursts. */
double st_pps(const struct st_counters *c);
double st_bps(const struct st_counters *c);

/** What the JSON summary says besides the counters. */
struct st_report {
	const char *mode;	/**< "gen", "sink" or "reflect" */
	unsigned int service;
	int instance;
	const char *dest;	/**< where packets went: "service 2", "port 1", ... */
	uint32_t frame_size;	/**< gen: --size; 0 otherwise */
	uint32_t flows;		/**< gen: --flows; 0 otherwise */
	uint64_t count;		/**< gen: --count; 0: unlimited */
	int latency;		/**< timing on */
	uint64_t rx_pkts, tx_pkts, drop_pkts, rx_invalid;	/**< NetLib's */
};

/**
 * Write the JSON summary of @c and @r to @f, one object and a newline:
 * {"mode", "service", "instance", "dest", "frame_size", "flows", "count",
 *  "duration_s", "packets", "bytes", "mpps", "gbps", "adopted",
 *  "returned", "surplus", "unfit", "tagged",
 *  "latency": null | {"samples", "min_ns", "avg_ns", "p50_ns", "p99_ns",
 *  "max_ns"}, "netlib": {"rx_pkts", "tx_pkts", "drop_pkts", "rx_invalid"}}
 * @return 0 or -EIO.
 */
int st_write_json(FILE *f, const struct st_counters *c, const struct st_report *r);

#endif /* SPEEDTEST_LIB_H */
