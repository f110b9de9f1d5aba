/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_lib.h - the L4 load balancer of nfv-lb: a virtual IP (VIP) served by
 * weighted backends, chosen per flow by consistent hashing.
 *
 * Backend selection is weighted rendezvous hashing (highest random weight)
 * precomputed over a table of NFV_LB_BUCKETS buckets:
 *
 *   bucket(flow)   = hash(5-tuple) mod NFV_LB_BUCKETS
 *   owner(bucket)  = the backend b of highest  weight(b) / -ln(u(bucket, b)),
 *                    u uniform in (0, 1), a hash of the bucket and of b's
 *                    address and port (not of its position in the list)
 *
 * A bucket's owner depends only on the bucket and on the backends
 * competing for it, so removing a backend moves exactly the flows it had
 * (each to the runner-up of its bucket) and changing one weight moves
 * flows only to or from that backend.  Each backend's expected share of
 * the buckets, and so of the flows, is its weight over the weights' sum.
 * Lookups cost one hash and one table read; building costs one hash and
 * one logarithm per bucket and backend.
 *
 * IPv4 fragments are balanced by their 3-tuple (addresses and protocol),
 * so every fragment of a datagram reaches the same backend.
 *
 * Error convention: int functions return 0 or -errno; parse errors also
 * write a one-line reason into the caller's buffer.
 */
#ifndef LB_LIB_H
#define LB_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "nfv_rewrite_lib.h"

/** Most backends one balancer has. */
#define NFV_LB_BACKENDS_MAX 256
/** Largest backend weight (the smallest is 1). */
#define NFV_LB_WEIGHT_MAX 10000
/** Buckets of the lookup table (a power of two). */
#define NFV_LB_BUCKETS 65536
/** Room for one parse error message. */
#define NFV_LB_ERR_LEN 256

/** The virtual service: TCP and UDP to addr (and port). */
struct nfv_lb_vip {
	uint8_t addr[NFV_ADDR_LEN];	/**< IPv4 in the first 4 bytes */
	uint16_t port;			/**< 0: every port */
	uint8_t family;			/**< 4 or 6 */
};

/** One backend and what it got. */
struct nfv_lb_backend {
	uint8_t addr[NFV_ADDR_LEN];	/**< IPv4 in the first 4 bytes */
	uint16_t port;			/**< 0: keep the packet's port */
	uint8_t family;			/**< 4 or 6 */
	uint8_t has_mac;		/**< 1: also rewrite the Ethernet dst */
	uint8_t mac[6];			/**< that destination MAC */
	uint32_t weight;		/**< 1..NFV_LB_WEIGHT_MAX */
	uint64_t pkts;			/**< packets sent to this backend */
	uint64_t bytes;			/**< their frame bytes */
};

/** A balancer; nfv_lb_build() must run after the last backend change. */
struct nfv_lb {
	struct nfv_lb_vip vip;		/**< the service balanced */
	unsigned int nbackends;		/**< entries of backend[] in use */
	struct nfv_lb_backend backend[NFV_LB_BACKENDS_MAX]; /**< backends */
	uint16_t bucket[NFV_LB_BUCKETS]; /**< owner (index) of each bucket */
	uint64_t balanced;		/**< packets sent to a backend */
	uint64_t passed;		/**< packets not for the VIP */
};

/** What nfv_lb_packet() did. */
enum nfv_lb_verdict {
	NFV_LB_PASS = 0,	/**< not for the VIP: untouched */
	NFV_LB_BALANCED = 1,	/**< rewritten towards a backend */
};

/**
 * Parse "IP[:PORT]" (IPv6: "ADDR" or "[ADDR]:PORT").
 *
 * @param s     the text
 * @param vip   filled on success
 * @param err   receives the reason on failure, NFV_LB_ERR_LEN bytes
 * @return 0, or -EINVAL.
 */
int nfv_lb_parse_vip(const char *s, struct nfv_lb_vip *vip, char *err);

/**
 * Parse "IP[:PORT][,WEIGHT][,mac=MAC]" (IPv6 with a port: "[ADDR]:PORT";
 * the weight may also be written "weight=N").  Weight 1 by default.
 *
 * @param s    the text
 * @param b    filled on success, counters zero
 * @param err  receives the reason on failure, NFV_LB_ERR_LEN bytes
 * @return 0, or -EINVAL.
 */
int nfv_lb_parse_backend(const char *s, struct nfv_lb_backend *b, char *err);

/**
 * Initialise @lb for @vip, without backends.
 *
 * @param lb   the balancer
 * @param vip  its virtual service
 */
void nfv_lb_init(struct nfv_lb *lb, const struct nfv_lb_vip *vip);

/**
 * Add a backend (its counters start at zero).
 *
 * @param lb   the balancer
 * @param b    the backend
 * @param err  receives the reason on failure, NFV_LB_ERR_LEN bytes
 * @return 0, or:
 *   - -EAFNOSUPPORT: not the VIP's address family
 *   - -EINVAL: a port, but the VIP has none (every port is balanced)
 *   - -EEXIST: the same address and port was added before
 *   - -ENOSPC: already NFV_LB_BACKENDS_MAX backends
 */
int nfv_lb_add(struct nfv_lb *lb, const struct nfv_lb_backend *b, char *err);

/**
 * Remove the backend at @index; later ones move down one place.
 *
 * @param lb     the balancer
 * @param index  0..nbackends-1
 * @return 0, or -ERANGE.
 */
int nfv_lb_remove(struct nfv_lb *lb, unsigned int index);

/**
 * Add the backends listed in a file: one per line in the syntax of
 * nfv_lb_parse_backend(), blanks around it ignored, '#' to the end of the
 * line is a comment.
 *
 * @param lb    the balancer
 * @param path  the file
 * @param err   receives "PATH:LINE: reason" (or "PATH: reason") on
 *              failure, NFV_LB_ERR_LEN bytes
 * @return 0, or -errno of opening or reading the file, -EINVAL for a bad
 *         line, or an error of nfv_lb_add().  Backends of lines before a
 *         bad one stay added.
 */
int nfv_lb_load(struct nfv_lb *lb, const char *path, char *err);

/**
 * Compute the bucket table from the current backends.
 *
 * @param lb  the balancer
 * @return 0, or -ENOENT if it has no backend.
 */
int nfv_lb_build(struct nfv_lb *lb);

/**
 * The backend of a flow.
 *
 * @param lb   a built balancer
 * @param key  the flow's 5-tuple
 * @return the backend's index.
 */
unsigned int nfv_lb_pick(const struct nfv_lb *lb, const struct nfv_5tuple *key);

/**
 * Balance one Ethernet frame: if it is TCP or UDP to the VIP, rewrite its
 * destination address, port and MAC to its flow's backend with incremental
 * checksum updates (IPv4 header, TCP/UDP; an IPv4 UDP checksum of 0 stays
 * 0) and count it in lb->balanced and for that backend.  Frames not for
 * the VIP are counted in lb->passed and left alone.
 *
 * @param lb     a built balancer
 * @param frame  first byte of the Ethernet header
 * @param len    bytes in @frame
 * @return the verdict.
 */
enum nfv_lb_verdict nfv_lb_packet(struct nfv_lb *lb, uint8_t *frame,
				  uint32_t len);

/**
 * Write "ADDR[:PORT]" of a backend, with IPv6 addresses in brackets when a
 * port follows.
 *
 * @param b    the backend
 * @param buf  output
 * @param len  bytes at @buf (64 suffice)
 * @return @buf.
 */
char *nfv_lb_backend_name(const struct nfv_lb_backend *b, char *buf,
			  size_t len);

#endif /* LB_LIB_H */
