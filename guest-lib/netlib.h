/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib.h - NetLib, the library every nfvisor network function links.
 *
 * An NF attaches to its trust domain's shared region, registers for a
 * service, then receives packets, rewrites them in place and hands them back
 * to nfvisord with an action.  Packets never get copied: a struct netlib_pkt
 * is a handle on a buffer of the shared region.  The same API, and the same
 * NF binary, works in a host process (attached through the domain's unix
 * socket) and in a VM (attached through the guest driver's device
 * /dev/nfv_ivshmemN, an ivshmem-doorbell device whose server is nfvisord).
 *
 * Typical use:
 *
 *	ctx = netlib_attach("/run/nfvisor/default.sock");  (or "/dev/nfv_ivshmem0")
 *	netlib_register(ctx, 7, "my-nf");
 *	netlib_run(ctx, handle_one_packet, state);	(until netlib_stop())
 *	  or netlib_run_burst(ctx, handle_a_burst, state);
 *	netlib_detach(ctx);
 *
 * Error convention: functions returning int return 0 (or a count) on success
 * and a negative errno value on failure; constructors return NULL and set
 * errno.  After a failed netlib_attach(), netlib_register() or netlib_run(),
 * netlib_last_error() describes the problem in one line.
 *
 * Threads: one context is driven by one thread.  Only netlib_stop() may be
 * called from another thread or from a signal handler.
 *
 * Liveness: netlib_run() and netlib_register() return -EPIPE once nfvisord
 * is gone.  In a process NetLib learns it from the attach socket (EOF, or
 * peer 0 leaving).  A guest has no such socket (QEMU holds it), so NetLib
 * also watches the region, with both transports, each time it waits (so at
 * least every 100 ms while idle): nfvisord is gone when the region's magic
 * was cleared (it shut down), when the NF's slot has another generation
 * than at attach (nfvisord reclaimed the slot and handed it out again), or
 * when the slot is no longer attached or running (freed, closing,
 * quarantined).  A nfvisord killed with SIGKILL cannot clear the region:
 * an NF in a VM then idles until it is stopped.
 */
#ifndef NETLIB_H
#define NETLIB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Directory of the per-domain attach sockets: <dir>/<domain>.sock. */
#define NETLIB_SOCKET_DIR "/run/nfvisor"
/** Packets the run loop receives and returns per burst. */
#define NETLIB_BURST 32
/** Longest NF name netlib_register() accepts, in bytes without the NUL. */
#define NETLIB_NAME_MAX 31
/** Highest service id (service ids are 1..NETLIB_SERVICE_MAX). */
#define NETLIB_SERVICE_MAX 255
/** Highest port id nfvisord can have (ports are 0..NETLIB_PORT_MAX; its
 *  NFV_MAX_PORTS is one more).  nfvctl port list shows the real ones. */
#define NETLIB_PORT_MAX 15
/** How long netlib_attach() waits for nfvisord's setup messages. */
#define NETLIB_ATTACH_TIMEOUT_MS 5000
/** How long netlib_register() waits for nfvisord's reply. */
#define NETLIB_CTL_TIMEOUT_MS 5000
/**
 * netlib_attach() path meaning, inside a VM, the nfv_ivshmem device of
 * lowest number whose memory holds an nfvisor region.
 */
#define NETLIB_ATTACH_VM "vm"
/** Where the guest driver's devices are: NETLIB_VM_DEV_DIR/nfv_ivshmem<N>. */
#define NETLIB_VM_DEV_DIR "/dev"
/** Name of the guest driver's devices, before their number N. */
#define NETLIB_VM_DEV_NAME "nfv_ivshmem"

/** An attachment to one trust domain (opaque). */
struct netlib_ctx;

/** Handle on one packet buffer of the shared region (opaque). */
struct netlib_pkt;

/** What nfvisord does with a packet the NF hands back. */
enum netlib_action {
	NETLIB_ACT_DROP = 1,	/**< free the packet */
	NETLIB_ACT_NEXT = 2,	/**< next hop of the flow's chain (default) */
	NETLIB_ACT_TONF = 3,	/**< to the service given as dest */
	NETLIB_ACT_OUT = 4,	/**< out of the port given as dest */
};

/** Where a context sits in its domain; see netlib_ctx_info(). */
struct netlib_info {
	char domain_name[32];	/**< trust domain name, NUL-terminated */
	uint32_t domain_id;	/**< trust domain number */
	uint32_t peer_id;	/**< own ivshmem peer id (>= 1) */
	uint32_t slot;		/**< own slot, peer_id - 1 */
	uint32_t nslots;	/**< slots in the domain */
	int instance_id;	/**< assigned at registration; -1 before */
	uint16_t service_id;	/**< registered service; 0 before */
	uint32_t nbufs;		/**< packet buffers in the region */
	uint32_t buf_size;	/**< bytes per buffer, headroom included */
	uint32_t buf_headroom;	/**< data offset of a fresh packet */
	uint32_t ring_entries;	/**< entries of the RX and TX rings */
	uint32_t ctl_entries;	/**< entries of the control rings */
	uint64_t region_size;	/**< bytes mapped */
};

/** Packet counters of a context; see netlib_stats(). */
struct netlib_stats {
	uint64_t rx_pkts;	/**< packets received */
	uint64_t tx_pkts;	/**< packets handed back, dropped ones included */
	uint64_t drop_pkts;	/**< packets handed back with NETLIB_ACT_DROP */
	uint64_t rx_invalid;	/**< RX descriptors skipped: bad buffer or bounds,
				 *   or a buffer already held */
	uint64_t tx_refused;	/**< handles netlib_tx_burst() ignored: not
				 *   received on this context, or handed back
				 *   already */
};

/**
 * Called by netlib_run() for every received packet.  It may read and
 * rewrite the packet in place and set its action; an action it leaves alone
 * stays NETLIB_ACT_NEXT.  It must not keep @pkt after it returns.
 *
 * @param ctx  context the packet came from
 * @param pkt  the packet
 * @param arg  the pointer given to netlib_run()
 */
typedef void (*netlib_pkt_handler)(struct netlib_ctx *ctx,
				   struct netlib_pkt *pkt, void *arg);

/**
 * Called by netlib_run_burst() for every burst it receives: @n packets
 * (1 to NETLIB_BURST) at @pkts, in the order they came.  It may read and
 * rewrite each in place and set its action, as a netlib_pkt_handler does
 * for one; an action it leaves alone stays NETLIB_ACT_NEXT.  Every packet
 * of the burst is handed back once it returns: it must not keep the
 * handles, nor change the array.
 *
 * @param ctx   context the packets came from
 * @param pkts  the packets
 * @param n     how many
 * @param arg   the pointer given to netlib_run_burst()
 */
typedef void (*netlib_burst_handler)(struct netlib_ctx *ctx,
				     struct netlib_pkt *const *pkts, unsigned int n,
				     void *arg);

/**
 * Attach to a trust domain: map its shared region, set up the doorbells and
 * check the region's layout.  The file type of @path chooses how:
 *
 *  - a unix socket, in a host process: the domain's attach socket.  NetLib
 *    connects and receives the region and the doorbells from nfvisord,
 *    waiting at most NETLIB_ATTACH_TIMEOUT_MS.
 *  - a character device, in a VM: /dev/nfv_ivshmemN of the guest driver
 *    nfv_ivshmem.ko, which must be an ivshmem-doorbell device whose server
 *    is the domain's socket.  NetLib maps its memory and uses its MSI-X
 *    doorbells.  One NF per device: a second one gets EBUSY.  The VM keeps
 *    its slot from NF to NF, so a registration left by a previous NF of
 *    the VM that did not detach (it was killed) is released first, waiting
 *    at most NETLIB_CTL_TIMEOUT_MS.
 *  - NETLIB_ATTACH_VM ("vm"): the device NETLIB_VM_DEV_DIR/nfv_ivshmem<N>
 *    of lowest N whose memory holds an nfvisor region (a file named "vm"
 *    in the working directory is "./vm").
 *
 * A path under /dev/ that does not exist is taken for a missing device.
 *
 * @param path  NETLIB_SOCKET_DIR/<domain>.sock, /dev/nfv_ivshmemN or
 *              NETLIB_ATTACH_VM
 * @return a context, or NULL with errno set:
 *   - EINVAL: @path is NULL or empty
 *   - ENAMETOOLONG: @path does not fit a unix socket address
 *   - ENOENT, ECONNREFUSED, EACCES: no nfvisord serves @path; in a VM, no
 *     such device (driver not loaded?) or no permission to open it
 *   - ENOTSOCK: @path exists but is neither a socket nor a character device
 *   - ENODEV: the character device is not an nfv_ivshmem device, or not an
 *     ivshmem-doorbell device served by nfvisord (no doorbell, peer id 0,
 *     fewer than 2 vectors); for NETLIB_ATTACH_VM, no device holds an
 *     nfvisor region
 *   - EBUSY: another NF of this VM is attached through the device
 *   - EINTR: a signal interrupted connecting
 *   - ETIMEDOUT: nfvisord did not finish the setup in time, or did not
 *     release a previous NF's registration in time
 *   - EPIPE: nfvisord closed the connection during the setup, or does not
 *     serve this NF's slot (freed, closing or quarantined)
 *   - EPROTONOSUPPORT: unknown attach protocol, region ABI version or
 *     guest driver ABI version
 *   - EPROTO: malformed setup message or region layout this NetLib
 *     does not understand
 *   - EBADMSG: the region is not an nfvisor region (bad magic)
 *   - EMSGSIZE: the region's size disagrees with its header
 *   - ERANGE: a section or this NF's slot lies outside the region
 *   - EINVAL: a ring or count in the region header is not usable
 *   - ENOMEM, EMFILE, ENFILE: out of memory or file descriptors
 */
struct netlib_ctx *netlib_attach(const char *path);

/**
 * Register with nfvisord for a service; nfvisord starts sending packets.
 * Waits at most NETLIB_CTL_TIMEOUT_MS for the reply.
 *
 * @param ctx         attached context
 * @param service_id  service to serve, 1..NETLIB_SERVICE_MAX
 * @param name        NF name shown by nfvctl, at most NETLIB_NAME_MAX bytes;
 *                    NULL for none
 * @return the instance id nfvisord assigned (>= 0), or:
 *   - -EINVAL: @service_id out of range
 *   - -ENAMETOOLONG: @name longer than NETLIB_NAME_MAX
 *   - -EALREADY: @ctx is already registered
 *   - -EAGAIN: the control ring is full
 *   - -ETIMEDOUT: no reply in time
 *   - -EINTR: netlib_stop() was called meanwhile
 *   - -EPIPE: nfvisord went away (see Liveness at the top of this file)
 *   - -EPROTO: nfvisord corrupted a control ring or sent a bad reply
 *   - any negative errno nfvisord refused the registration with
 */
int netlib_register(struct netlib_ctx *ctx, uint16_t service_id,
		    const char *name);

/**
 * Receive up to @n packets.  Descriptors naming a buffer outside the region
 * or data outside the buffer (or past 64 KiB, the reach of a descriptor's
 * 16-bit fields) are skipped and counted in rx_invalid.  Every
 * packet starts with action NETLIB_ACT_NEXT.  Each received packet must be
 * handed back once with netlib_tx_burst().
 *
 * @param ctx   context
 * @param pkts  array of at least @n entries that receives the handles
 * @param n     most packets to receive
 * @return packets received (0..n), or -EPROTO if nfvisord corrupted the RX
 *         ring index.
 */
int netlib_rx_burst(struct netlib_ctx *ctx, struct netlib_pkt **pkts,
		    unsigned int n);

/**
 * Hand packets back to nfvisord with their data bounds and actions.  Burst
 * semantics: when the TX ring has room for fewer than @n, only the first
 * ones are taken and the caller keeps the rest.
 *
 * @param ctx   context
 * @param pkts  packets from netlib_rx_burst() on @ctx
 * @param n     number of packets in @pkts
 * @return packets taken (0..n), or -EPROTO if nfvisord corrupted the TX
 *         ring index.  A handle that is not one this context received, or
 *         that was handed back already, is taken but ignored and counted
 *         (tx_refused in netlib_stats()): handing one packet back twice
 *         could send the next packet that reuses its buffer.
 */
int netlib_tx_burst(struct netlib_ctx *ctx, struct netlib_pkt *const *pkts,
		    unsigned int n);

/**
 * Run the packet loop: receive bursts of NETLIB_BURST, call @handler on
 * each packet, hand them all back.  Polls while packets flow; after a short
 * idle spell sleeps on the NF's doorbell until nfvisord rings it.  While
 * busy it yields the CPU once every 20 us, or every 100 us where nfvisord
 * says other NFs share this NF's CPU (they then hand it round once per
 * window of packets, see nfvisord(8) --ring-size).  Returns
 * once netlib_stop() is called; packets still unreturned then (TX ring full)
 * are reclaimed by nfvisord when the NF detaches.
 *
 * @param ctx      registered context
 * @param handler  called once per packet
 * @param arg      passed to @handler
 * @return 0 after netlib_stop(), or:
 *   - -EINVAL: @handler is NULL or @ctx is not registered
 *   - -EPIPE: nfvisord went away (see Liveness at the top of this file)
 *   - -EPROTO: nfvisord corrupted a ring index
 *   - another negative errno if waiting on the doorbell failed
 */
int netlib_run(struct netlib_ctx *ctx, netlib_pkt_handler handler, void *arg);

/**
 * netlib_run() with a handler called once per received burst instead of
 * once per packet: the loop an NF that works on bursts wants (one that
 * prefetches ahead within a burst, batches lookups, or mostly leaves
 * packets alone).  It saves an indirect call a packet, which NFs sharing
 * a CPU feel most.  Same loop, sleeps, yields and return values as
 * netlib_run().
 *
 * @param ctx      registered context
 * @param handler  called once per burst
 * @param arg      passed to @handler
 * @return as netlib_run() (-EINVAL: @handler is NULL or @ctx is not
 *         registered)
 */
int netlib_run_burst(struct netlib_ctx *ctx, netlib_burst_handler handler, void *arg);

/** What netlib_set_prefetch() asks for. */
enum netlib_prefetch {
	NETLIB_PREFETCH_OFF = 0,	/**< the NF reads no packet data */
	NETLIB_PREFETCH_READ = 1,	/**< it reads headers (the default) */
	NETLIB_PREFETCH_WRITE = 2,	/**< it writes them */
};

/**
 * Whether receiving a packet prefetches its first bytes into the cache,
 * and how.  A handler that reads headers finds them there (the default,
 * NETLIB_PREFETCH_READ).  An NF that writes them (swaps addresses,
 * translates, decrements a TTL) asks for NETLIB_PREFETCH_WRITE: the line
 * comes for writing (x86's PREFETCHW, where the CPU has it, else a read
 * prefetch), so the first store does not wait for the core that wrote the
 * frame last (the host's, which copied its header) to give it up; nfv-bench's
 * MAC-swapping NF gained a quarter.  An NF that never reads packet data (a
 * forwarder, one that only counts or steers by the flow hash) turns it off
 * (NETLIB_PREFETCH_OFF) and saves the memory traffic, which on a core
 * shared by several NFs is much of their time.
 *
 * @param ctx   context
 * @param mode  an enum netlib_prefetch; any other nonzero value reads
 */
void netlib_set_prefetch(struct netlib_ctx *ctx, int mode);

/**
 * Make netlib_run() return 0 and netlib_register() return -EINTR, now or
 * when next called: the request is sticky.  Async-signal-safe and callable
 * from any thread.
 *
 * @param ctx  context
 */
void netlib_stop(struct netlib_ctx *ctx);

/**
 * Describe where @ctx sits in its domain.
 *
 * @param ctx   context
 * @param info  filled on success
 * @return 0, or -EINVAL if @ctx or @info is NULL.
 */
int netlib_ctx_info(const struct netlib_ctx *ctx, struct netlib_info *info);

/**
 * Read the packet counters of @ctx.
 *
 * @param ctx    context
 * @param stats  filled on success
 * @return 0, or -EINVAL if @ctx or @stats is NULL.
 */
int netlib_stats(const struct netlib_ctx *ctx, struct netlib_stats *stats);

/**
 * Leave the domain: tell nfvisord (if registered and still there), unmap
 * the region and close every descriptor.  nfvisord reclaims the buffers the
 * NF still holds.  Packet handles of @ctx become invalid.
 *
 * @param ctx  context, or NULL (no-op)
 */
void netlib_detach(struct netlib_ctx *ctx);

/**
 * One line describing why the last netlib_attach(), netlib_register() or
 * netlib_run() of the calling thread failed (also set when a burst
 * returns -EPROTO), naming the fix where one is known.  Empty before any
 * failure.
 *
 * @return a thread-local string, overwritten by the next failure of this
 *         thread.
 */
const char *netlib_last_error(void);

/**
 * @param pkt  packet
 * @return the first byte of the packet's data, in the shared region.
 */
void *netlib_pkt_data(const struct netlib_pkt *pkt);

/**
 * @param pkt  packet
 * @return the packet's length in bytes.
 */
uint32_t netlib_pkt_len(const struct netlib_pkt *pkt);

/**
 * @param pkt  packet
 * @return bytes free in front of the data, for netlib_pkt_prepend().
 */
uint32_t netlib_pkt_headroom(const struct netlib_pkt *pkt);

/**
 * @param pkt  packet
 * @return bytes free behind the data, for netlib_pkt_append().
 */
uint32_t netlib_pkt_tailroom(const struct netlib_pkt *pkt);

/**
 * Grow the packet at the front, into the headroom.
 *
 * @param pkt  packet
 * @param len  bytes to add
 * @return the new first byte of data, or NULL (packet unchanged) if the
 *         headroom is smaller than @len.
 */
void *netlib_pkt_prepend(struct netlib_pkt *pkt, uint32_t len);

/**
 * Strip bytes from the front of the packet.
 *
 * @param pkt  packet
 * @param len  bytes to remove
 * @return the new first byte of data, or NULL (packet unchanged) if the
 *         packet is shorter than @len.
 */
void *netlib_pkt_adj(struct netlib_pkt *pkt, uint32_t len);

/**
 * Grow the packet at the end, into the tailroom.
 *
 * @param pkt  packet
 * @param len  bytes to add
 * @return the first added byte, or NULL (packet unchanged) if the tailroom
 *         is smaller than @len.
 */
void *netlib_pkt_append(struct netlib_pkt *pkt, uint32_t len);

/**
 * Strip bytes from the end of the packet.
 *
 * @param pkt  packet
 * @param len  bytes to remove
 * @return 0, or -EINVAL (packet unchanged) if the packet is shorter than
 *         @len.
 */
int netlib_pkt_trim(struct netlib_pkt *pkt, uint32_t len);

/**
 * @param pkt  packet
 * @return the flow hash nfvisord computed from the packet's 5-tuple when it
 *         received it (0 if none).
 */
uint32_t netlib_pkt_flow_hash(const struct netlib_pkt *pkt);

/**
 * Set what nfvisord does with the packet once handed back.
 *
 * @param pkt     packet
 * @param action  the action
 * @param dest    service id (1..NETLIB_SERVICE_MAX) for NETLIB_ACT_TONF,
 *                port id for NETLIB_ACT_OUT, ignored otherwise
 * @return 0, or -EINVAL (packet unchanged) for an unknown @action or a
 *         service id out of range.
 */
int netlib_pkt_set_action(struct netlib_pkt *pkt, enum netlib_action action,
			  uint16_t dest);

/**
 * @param pkt  packet
 * @return the packet's current action.
 */
enum netlib_action netlib_pkt_action(const struct netlib_pkt *pkt);

/**
 * A flow rule's match: one exact 5-tuple (IPv4 or IPv6).
 */
struct netlib_flow {
	uint8_t ipv;		/**< 4 or 6 */
	uint8_t proto;		/**< IP protocol (6 TCP, 17 UDP, ...) */
	uint16_t sport;		/**< host byte order; 0 without ports */
	uint16_t dport;		/**< host byte order; 0 without ports */
	uint8_t src[16];	/**< network order; IPv4 in the first 4 bytes */
	uint8_t dst[16];
};

/** Most hops of a rule's chain. */
#define NETLIB_FLOW_MAX_HOPS 8u
/** Chain hops of a flow rule, as netlib_flow_add() takes them. */
#define NETLIB_HOP_NF(service) ((uint16_t)((1u << 14) | ((service) & 0x3fffu)))
#define NETLIB_HOP_PORT(port) ((uint16_t)((2u << 14) | ((port) & 0x3fffu)))
#define NETLIB_HOP_DROP ((uint16_t)(3u << 14))

/**
 * Ask nfvisord to send the packets of flow @match along their own chain
 * of @nhops hops instead of the default chain, from the next packet that
 * arrives on a port (packets already in flight keep their chain).  Only a
 * registered NF may install rules; they outlive it (remove them with
 * netlib_flow_del() or `nfvctl flow del`).  Blocks until nfvisord answers.
 *
 * @return 0, or a negative errno (netlib_last_error() says more):
 *   - -EINVAL: bad @match or hops (no hop, more than NETLIB_FLOW_MAX_HOPS,
 *     service 0, a port nfvisord does not have)
 *   - -EPERM: @ctx is not registered
 *   - -EEXIST: a rule for this 5-tuple exists
 *   - -ENOSPC: nfvisord's rule table is full
 *   - -EAGAIN, -ETIMEDOUT, -EINTR, -EPIPE, -EPROTO: as netlib_register()
 */
int netlib_flow_add(struct netlib_ctx *ctx, const struct netlib_flow *match,
		    const uint16_t *hops, unsigned int nhops);

/**
 * Remove the rule for flow @match.
 * @return 0, -ENOENT (no such rule), or as netlib_flow_add().
 */
int netlib_flow_del(struct netlib_ctx *ctx, const struct netlib_flow *match);

#ifdef __cplusplus
}
#endif

#endif /* NETLIB_H */
