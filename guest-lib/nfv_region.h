/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv_region.h - the shared-region ABI between nfvisord and NetLib.
 *
 * One region exists per trust domain.  It is a hugetlbfs file whose size is
 * a power of two; nfvisord creates it and hands its fd to every NF process
 * (over the domain's attach socket) and to every QEMU (ivshmem-doorbell BAR2)
 * of that domain.  The region maps at a different address in every party,
 * so every reference stored here is an offset from the region start or an
 * index, never a pointer.
 *
 *  offset 0   +------------------------------------------------------+
 *             | struct nfv_region_hdr            (NFV_REGION_HDR_SIZE) |
 *  slot_off   +------------------------------------------------------+
 *             | struct nfv_slot [nslots]          (slot_size each)    |
 *  ring_off   +------------------------------------------------------+
 *             | slot 0: RX | TX | CTL | CTL-reply | PEER              |
 *             | slot 1: RX | TX | CTL | CTL-reply | PEER              |
 *             | ...             (each ring ring_stride bytes)         |
 *  buf_off    +------------------------------------------------------+  page aligned
 *             | buffer 0        (buf_stride bytes)                    |
 *             | buffer 1                                              |
 *             | ...                                                   |
 *             | buffer nbufs-1                                        |
 *  region_size+------------------------------------------------------+
 *
 *  one ring (struct nfv_ring_shm followed by its entries):
 *   +0    producer index   (own cache line, written only by the producer)
 *   +64   consumer index   (own cache line, written only by the consumer)
 *   +128  entries[size]    (desc_size or ctl_msg_size bytes each)
 *
 *  one buffer:
 *   +0         headroom (buf_headroom bytes, room for prepend)
 *   +data_off  packet data, data_len bytes; data_off + data_len <= buf_stride
 *
 * Who writes what.  "host" is nfvisord, "NF" is the network function that
 * owns the slot.  The host never trusts a byte of this region: it keeps its
 * own copy of everything it wrote (ring geometry, its own ring indices, slot
 * identity) and reads shared fields only as untrusted input.  Any party of a
 * domain can write any byte of the region; the rules below say who is
 * *supposed* to, so that well-behaved parties never race.
 *
 * Limits every party may rely on (nfvisord enforces them, NetLib checks):
 * slot_off, ring_off and ring_stride are multiples of 64 and buf_off of
 * page_size; buf_stride <= 65535 (descriptor offsets are 16-bit); ring
 * sizes are powers of two <= 16384; peer ids are >= 1 (0 is the daemon).
 *
 * Liveness: an NF process learns that nfvisord left from its attach
 * socket (EOF).  A guest cannot (QEMU holds the socket): it watches its
 * slot's state and generation, which the host changes when it reclaims.
 *
 * Rings are single-producer single-consumer.  RX: host produces, NF
 * consumes.  TX and CTL: NF produces, host consumes.  CTL-reply: host
 * produces, NF consumes.  PEER: the NF the host linked to this slot
 * (nfv_slot.direct_next of that NF names this slot) produces, this NF
 * consumes; the host only reads its indices, to ring a sleeping consumer.
 * Indices are free-running uint32_t; the entry of index i is
 * entries[i & (size - 1)].
 *
 * Direct handoff (nfvisord --direct).  Inside one domain the host may link
 * an NF to the one that follows it on its chains, and lets a packet skip
 * the host for the next hops: an RX or PEER descriptor whose flags carry
 * NFV_DESC_DIRECT_MASK = k > 0 may be handed, with action NEXT, straight to
 * the linked NF's PEER ring with k - 1; the NF at the end of the run
 * returns it to the host on its TX ring.  The host lent the buffer to the
 * first NF of the run and accepts it back from any NF of the run.
 */
#ifndef NFV_REGION_H
#define NFV_REGION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** "NFVISOR\0" little-endian: the first 8 bytes of every region. */
#define NFV_REGION_MAGIC 0x00524f534956464eULL
/** Bumped on any incompatible change of this file. */
#define NFV_ABI_VERSION 4u

#define NFV_CACHE_LINE 64u
#define NFV_REGION_HDR_SIZE 4096u
#define NFV_DOMAIN_NAME_MAX 32u
#define NFV_NF_NAME_MAX 32u

/** Rings of one slot, in the order they are laid out in the ring area. */
enum nfv_ring_kind {
	NFV_RING_RX = 0,	/**< host -> NF packet descriptors */
	NFV_RING_TX = 1,	/**< NF -> host packet descriptors */
	NFV_RING_CTL = 2,	/**< NF -> host control requests */
	NFV_RING_CTL_REPLY = 3,	/**< host -> NF control replies */
	NFV_RING_PEER = 4,	/**< linked upstream NF -> NF descriptors */
	NFV_RINGS_PER_SLOT = 5,
};

/** Doorbell vectors of every peer (ivshmem MSI-X vectors / eventfds). */
enum nfv_vector {
	NFV_VEC_DATA = 0,	/**< to NF: RX ring has work; to host: TX has work */
	NFV_VEC_CTL = 1,	/**< to NF: a CTL reply; to host: a CTL request */
	NFV_VECTORS = 2,
};

/** The daemon is ivshmem peer 0; slot i belongs to peer NFV_SLOT_PEER(i). */
#define NFV_HOST_PEER_ID 0u
#define NFV_SLOT_PEER(slot) ((slot) + 1u)
#define NFV_PEER_SLOT(peer) ((peer) - 1u)

/**
 * Region header.  Written once by the host before any fd is handed out;
 * read-only for everybody afterwards.  NetLib checks every field it uses
 * (magic, version, bounds) before trusting the layout.
 */
struct nfv_region_hdr {
	uint64_t magic;			/**< NFV_REGION_MAGIC */
	uint32_t abi_version;		/**< NFV_ABI_VERSION */
	uint32_t hdr_size;		/**< NFV_REGION_HDR_SIZE */
	uint64_t region_size;		/**< bytes, power of two */
	uint32_t page_size;		/**< huge page size backing the region */
	uint32_t domain_id;		/**< trust domain number */
	char domain_name[NFV_DOMAIN_NAME_MAX]; /**< NUL-terminated */

	uint64_t slot_off;		/**< offset of struct nfv_slot[0] */
	uint32_t nslots;		/**< number of NF slots */
	uint32_t slot_size;		/**< bytes per slot entry */

	uint64_t ring_off;		/**< offset of slot 0's RX ring */
	uint32_t ring_stride;		/**< bytes per ring incl. indices */
	uint32_t ring_entries;		/**< entries of RX/TX rings (2^n) */
	uint32_t ctl_entries;		/**< entries of CTL/CTL-reply rings (2^n) */
	uint32_t desc_size;		/**< sizeof(struct nfv_desc) */
	uint32_t ctl_msg_size;		/**< sizeof(struct nfv_ctl_msg) */
	uint32_t ring_hdr_size;		/**< sizeof(struct nfv_ring_shm) */

	uint64_t buf_off;		/**< offset of buffer 0, page aligned */
	uint32_t nbufs;			/**< number of packet buffers */
	uint32_t buf_stride;		/**< bytes per buffer */
	uint32_t buf_headroom;		/**< default data_off of a new packet */
	uint32_t reserved0;
};

/** Slot states (host-written). */
enum nfv_slot_state {
	NFV_SLOT_FREE = 0,	/**< nobody attached */
	NFV_SLOT_ATTACHED = 1,	/**< a peer has the region, not registered yet */
	NFV_SLOT_RUNNING = 2,	/**< registered; receives packets */
	NFV_SLOT_QUARANTINED = 3, /**< gets nothing: see nfv_slot.why */
	NFV_SLOT_CLOSING = 4,	/**< peer gone, buffers being reclaimed */
};

/** Why the host stopped serving a slot's NF (nfv_slot.why). */
enum nfv_slot_why {
	NFV_WHY_NONE = 0,	/**< registered (or never stopped) */
	NFV_WHY_RING = 1,	/**< quarantined: a ring index was corrupted */
	NFV_WHY_GROUP = 2,	/**< unregistered (generation bumped): an NF it
				 *   shared direct handoff with left */
};

/**
 * One NF slot.  The first cache line is written by the host only (the host
 * keeps the authoritative copy privately); the second by the NF only, and
 * the host reads it as a hint.
 */
struct nfv_slot {
	/* host writes, NF reads */
	uint32_t state;			/**< enum nfv_slot_state */
	uint32_t generation;		/**< bumped every time the slot is reused */
	uint16_t service_id;		/**< service the NF registered for */
	uint16_t instance_id;		/**< instance id assigned by the host */
	uint32_t peer_id;		/**< ivshmem peer id of this slot */
	uint64_t ring_off[NFV_RINGS_PER_SLOT]; /**< offsets of this slot's rings */
	uint32_t direct_next;		/**< linked NF: its slot + 1; 0 none */
	uint16_t why;			/**< enum nfv_slot_why */
	uint16_t turn_us;		/**< longest busy turn before a yield that
					 *   the host asks for (other NFs share
					 *   this NF's CPU); 0: NetLib's own */

	/* NF writes, host reads as an untrusted hint */
	uint32_t sleeping;		/**< 0 awake; blocked on its doorbell: a new
					 *   nonzero value each time it sleeps */
	uint32_t nf_pad0;
	uint64_t nf_rx_pkts;		/**< packets the NF received (info only) */
	uint64_t nf_tx_pkts;		/**< packets the NF returned (info only) */
	uint8_t nf_pad[NFV_CACHE_LINE - 24];
};

/** Shared part of a ring: the two indices, each on its own cache line. */
struct nfv_ring_shm {
	uint32_t prod;			/**< written by the producer only */
	uint8_t pad0[NFV_CACHE_LINE - 4];
	uint32_t cons;			/**< written by the consumer only */
	uint8_t pad1[NFV_CACHE_LINE - 4];
	/* entries follow */
};

/** Per-packet actions, set by the NF in a TX descriptor. */
enum nfv_action {
	NFV_ACT_INVALID = 0,	/**< never valid: counted drop */
	NFV_ACT_DROP = 1,	/**< free the packet */
	NFV_ACT_NEXT = 2,	/**< next hop of the packet's chain (default) */
	NFV_ACT_TONF = 3,	/**< to service `dest` */
	NFV_ACT_OUT = 4,	/**< out of port `dest` */
	NFV_ACT_MAX = 5,
};

/**
 * Packet descriptor, the entry of RX and TX rings.  On RX the host fills
 * every field (action = NFV_ACT_NEXT); on TX the NF returns the same buffer
 * with possibly new data_off, data_len, action and dest.  The host copies a
 * TX descriptor once into private memory and validates that copy.
 */
struct nfv_desc {
	uint32_t buf;		/**< buffer index, < nbufs */
	uint16_t data_off;	/**< packet start, bytes from buffer start */
	uint16_t data_len;	/**< packet length in bytes */
	uint8_t action;		/**< enum nfv_action */
	uint8_t flags;		/**< RX, PEER: NFV_DESC_DIRECT_MASK; TX: 0 */
	uint16_t dest;		/**< service id (TONF) or port id (OUT) */
	uint32_t flow_hash;	/**< host: 5-tuple hash on RX; ignored on TX */
};

/** Descriptor flags: hops the packet may still be handed on directly. */
#define NFV_DESC_DIRECT_MASK 0x07u

/** Control message types. */
enum nfv_ctl_type {
	NFV_CTL_NONE = 0,
	NFV_CTL_REGISTER = 1,	/**< NF -> host: u.reg */
	NFV_CTL_UNREGISTER = 2,	/**< NF -> host: leave, reclaim my buffers */
	NFV_CTL_REPLY = 3,	/**< host -> NF: u.reply */
	NFV_CTL_FLOW_ADD = 4,	/**< NF -> host: install u.flow (exact match) */
	NFV_CTL_FLOW_DEL = 5,	/**< NF -> host: remove the rule for u.flow's key */
};

/**
 * A chain hop as NFs name it in a flow rule: the type in the top two bits,
 * the service or port id below; 0 ends the chain.
 */
#define NFV_HOP_TYPE_SHIFT 14
#define NFV_HOP_ID_MASK 0x3fffu
#define NFV_HOP_NF 1u		/**< id = service */
#define NFV_HOP_PORT 2u		/**< id = port */
#define NFV_HOP_DROP 3u
#define NFV_HOP(type, id) ((uint16_t)(((type) << NFV_HOP_TYPE_SHIFT) | ((id) & NFV_HOP_ID_MASK)))
#define NFV_FLOW_MAX_HOPS 8u

/** Highest service id an NF may register (ids are 1..NFV_MAX_SERVICE). */
#define NFV_MAX_SERVICE 255u

/** Control ring entry (64 bytes). */
struct nfv_ctl_msg {
	uint16_t type;		/**< enum nfv_ctl_type */
	uint16_t reserved;
	uint32_t seq;		/**< request number, echoed in the reply */
	union {
		struct {
			uint16_t service_id; /**< 1..NFV_MAX_SERVICE */
			uint16_t flags;	/**< reserved, 0 */
			uint32_t pid;	/**< NF's pid in its own OS (info only) */
			char name[NFV_NF_NAME_MAX]; /**< NF name, NUL-padded */
		} reg;
		struct {
			uint8_t ipv;	/**< 4 or 6 */
			uint8_t proto;	/**< IP protocol */
			uint16_t sport;	/**< network order */
			uint16_t dport;	/**< network order */
			uint8_t src[16]; /**< IPv4: first 4 bytes, rest 0 */
			uint8_t dst[16];
			uint16_t hop[NFV_FLOW_MAX_HOPS]; /**< NFV_HOP(), 0-terminated */
		} __attribute__((packed)) flow;
		struct {
			int32_t status;	/**< 0 or -errno */
			uint16_t instance_id; /**< REGISTER: assigned id */
			uint16_t service_id;
		} reply;
		uint8_t raw[56];
	} u;
};

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(struct nfv_region_hdr) <= NFV_REGION_HDR_SIZE, "header too big");
_Static_assert(sizeof(struct nfv_slot) == 2 * NFV_CACHE_LINE, "slot is two cache lines");
_Static_assert(sizeof(struct nfv_ring_shm) == 2 * NFV_CACHE_LINE, "ring indices: two lines");
_Static_assert(sizeof(struct nfv_desc) == 16, "descriptor is 16 bytes");
_Static_assert(sizeof(struct nfv_ctl_msg) == 64, "control message is 64 bytes");
#endif

#ifdef __cplusplus
}
#endif

#endif /* NFV_REGION_H */
