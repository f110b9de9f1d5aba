/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * monitor_lib.h - flow accounting and packet capture of nfv-monitor.
 *
 * Flows are IPv4 and IPv6 5-tuples (see struct nfv_5tuple) counted in an
 * open-addressing table of a fixed number of slots: a flow lives in one
 * of the NFV_MON_PROBE slots that follow its hash.  When all of them hold
 * other flows, the least recently seen one is evicted: its counters move
 * to the evicted totals and the eviction is counted, so that at any time
 *
 *   packets = sum of the flows' packets + evicted_pkts + non_ip_pkts
 *
 * and likewise for bytes.  Frames that are not IPv4 or IPv6 are counted
 * apart (non_ip_*), not as flows.  The hash is seeded, so that flows
 * cannot be crafted to evict others without knowing the seed.
 *
 * Error convention: int functions return 0 or -errno; constructors
 * return NULL and set errno.
 */
#ifndef MONITOR_LIB_H
#define MONITOR_LIB_H

#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "nfv_rewrite_lib.h"

/** Slots a flow may occupy, from its hash on. */
#define NFV_MON_PROBE 8
/** Largest table (slots, rounded up to a power of two). */
#define NFV_MON_FLOWS_MAX (1u << 24)
/** Smallest and largest capture length. */
#define NFV_MON_SNAPLEN_MIN 64
#define NFV_MON_SNAPLEN_MAX 65535
/** Room for a capture error message (libpcap's PCAP_ERRBUF_SIZE). */
#define NFV_MON_ERR_LEN 256

/** One flow and its counters. */
struct nfv_mon_flow {
	struct nfv_5tuple key;	/**< the flow */
	uint64_t pkts;		/**< packets seen */
	uint64_t bytes;		/**< their frame bytes */
	uint64_t first_ns;	/**< when the first was seen */
	uint64_t last_ns;	/**< when the last was seen */
	uint8_t used;		/**< slot holds a flow */
};

/** What the top-N list is ordered by. */
enum nfv_mon_order {
	NFV_MON_BY_BYTES = 0,	/**< most bytes first */
	NFV_MON_BY_PKTS = 1,	/**< most packets first */
};

/** A flow monitor; see nfv_mon_init(). */
struct nfv_mon {
	struct nfv_mon_flow *flow;	/**< the table */
	uint32_t mask;			/**< its slots - 1 */
	uint64_t seed;			/**< its hash seed */
	uint64_t start_ns;		/**< time of nfv_mon_init() */
	uint64_t pkts;			/**< every frame seen */
	uint64_t bytes;			/**< their bytes */
	uint64_t non_ip_pkts;		/**< frames neither IPv4 nor IPv6 */
	uint64_t non_ip_bytes;		/**< their bytes */
	uint64_t flows;			/**< flows in the table now */
	uint64_t evictions;		/**< flows evicted for room */
	uint64_t evicted_pkts;		/**< packets of evicted flows */
	uint64_t evicted_bytes;		/**< their bytes */
};

/**
 * Set up a monitor with an empty table.
 *
 * @param m        the monitor
 * @param flows    table slots, rounded up to a power of two,
 *                 NFV_MON_PROBE..NFV_MON_FLOWS_MAX
 * @param seed     hash seed
 * @param now_ns   the time now
 * @return 0, or -EINVAL (@flows out of range), -ENOMEM.
 */
int nfv_mon_init(struct nfv_mon *m, uint32_t flows, uint64_t seed,
		 uint64_t now_ns);

/**
 * Free the table.
 *
 * @param m  the monitor
 */
void nfv_mon_fini(struct nfv_mon *m);

/**
 * Count one Ethernet frame seen at @now_ns.
 *
 * @param m       the monitor
 * @param frame   first byte of the Ethernet header (read only)
 * @param len     bytes in @frame
 * @param now_ns  the time, in ns
 */
void nfv_mon_packet(struct nfv_mon *m, const uint8_t *frame, uint32_t len,
		    uint64_t now_ns);

/**
 * The @n biggest flows, biggest first (ties: the older flow first).
 *
 * @param m      the monitor
 * @param order  by bytes or by packets
 * @param top    receives up to @n flows (copies)
 * @param n      entries of @top
 * @return flows written to @top (fewer than @n when the table has fewer).
 */
unsigned int nfv_mon_top(const struct nfv_mon *m, enum nfv_mon_order order,
			 struct nfv_mon_flow *top, unsigned int n);

/**
 * Write "proto src dst" of a flow, e.g. "udp 198.18.0.1:1024 198.19.0.1:9"
 * (IPv6 addresses with a port in brackets).
 *
 * @param key  the flow
 * @param buf  output
 * @param len  bytes at @buf (128 suffice)
 * @return @buf.
 */
char *nfv_mon_flow_name(const struct nfv_5tuple *key, char *buf, size_t len);

/**
 * Write the counters and every flow (biggest by bytes first) as one JSON
 * object:
 *
 *   {"packets": N, "bytes": N, "non_ip_packets": N, "non_ip_bytes": N,
 *    "table_slots": N, "active_flows": N, "evictions": N,
 *    "evicted_packets": N, "evicted_bytes": N, "duration_s": S,
 *    "flows": [{"family": 4, "proto": 17, "src": "198.18.0.1",
 *               "sport": 1024, "dst": "198.19.0.1", "dport": 9,
 *               "packets": N, "bytes": N, "first_s": S, "last_s": S}, ...]}
 *
 * Times are seconds since nfv_mon_init(); duration_s runs to @now_ns.
 *
 * @param m       the monitor
 * @param f       output stream
 * @param now_ns  the time now
 * @return 0, -ENOMEM, or -EIO if writing failed.
 */
int nfv_mon_write_json(const struct nfv_mon *m, FILE *f, uint64_t now_ns);

/** A capture file being written; see nfv_mon_capture_open(). */
struct nfv_mon_capture;

/**
 * Create (or replace) a pcap file, link type Ethernet.
 *
 * @param path     the file
 * @param snaplen  bytes kept of each frame,
 *                 NFV_MON_SNAPLEN_MIN..NFV_MON_SNAPLEN_MAX
 * @param err      receives the reason on failure, NFV_MON_ERR_LEN bytes
 * @return the capture, or NULL with errno set: EINVAL (@snaplen), ENOMEM,
 *         or EIO (could not create the file; see @err).
 */
struct nfv_mon_capture *nfv_mon_capture_open(const char *path,
					     unsigned int snaplen, char *err);

/**
 * Append one frame, cut to the snap length.
 *
 * @param c      the capture
 * @param frame  first byte of the frame
 * @param len    its length (recorded as the original length)
 * @param ts     its timestamp
 */
void nfv_mon_capture_write(struct nfv_mon_capture *c, const uint8_t *frame,
			   uint32_t len, const struct timeval *ts);

/**
 * @param c  the capture
 * @return frames written so far.
 */
uint64_t nfv_mon_capture_count(const struct nfv_mon_capture *c);

/**
 * Flush and close the file.
 *
 * @param c  the capture, or NULL (no-op)
 * @return 0, or -EIO if a write failed (disk full...) at any time.
 */
int nfv_mon_capture_close(struct nfv_mon_capture *c);

#endif /* MONITOR_LIB_H */
