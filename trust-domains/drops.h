/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drops.h - why a packet was dropped or a descriptor rejected.
 *
 * Packet drops: a packet the daemon held (received from a port) ended
 * without being transmitted.  rx = tx + sum(packet drops) + in flight.
 * Descriptor rejects: a descriptor an NF returned that names no buffer it
 * may return (out of range, never lent, another slot's, returned twice).
 * No packet belongs to it, so it is counted apart and nothing is freed.
 */
#ifndef NFV_DROPS_H
#define NFV_DROPS_H

/* X(enum suffix, name shown to users) */
#define NFV_PKT_DROP_REASONS(X) \
	X(NF_DROP, "nf_drop")			/* NF asked for DROP */ \
	X(CHAIN_DROP, "chain_drop")		/* chain hop is DROP */ \
	X(CHAIN_END, "chain_end")		/* NEXT past the chain's last hop */ \
	X(BAD_ACTION, "bad_action")		/* unknown action code */ \
	X(NO_SERVICE, "no_service")		/* no running instance of the service */ \
	X(NO_PORT, "no_port")			/* OUT to a port that does not exist */ \
	X(HOP_LIMIT, "hop_limit")		/* too many NF visits: a loop */ \
	X(BAD_LENGTH, "bad_length")		/* data_off/data_len outside the buffer */ \
	X(ENTRY_FULL, "entry_ring_full")	/* backpressure at chain entry */ \
	X(RING_FULL, "nf_ring_full")		/* mid-chain NF ring full */ \
	X(LENT_LIMIT, "nf_lent_limit")		/* NF holds too many buffers */ \
	X(PORT_TX_FULL, "port_tx_full")		/* port did not take the packet */ \
	X(RECLAIMED, "nf_gone")			/* lent to an NF that died or left */ \
	X(QUARANTINE, "nf_quarantined")		/* lent to an NF that broke its rings */ \
	X(GROUP_RESET, "nf_group_reset")	/* lent to an NF whose direct group lost a member */ \
	X(SHUTDOWN, "shutdown")			/* in flight at daemon shutdown */ \
	X(COPY_NOMEM, "domain_copy_nomem")	/* next domain's pool empty at a boundary */ \
	X(UNTRUSTED_ACTION, "untrusted_action")	/* TONF/OUT from an untrusted domain's NF */ \
	X(FOREIGN_MBUF, "foreign_mbuf")		/* a port handed over an mbuf not of its domain's pool */ \
	X(OVERSIZE, "oversize")			/* a frame longer than one packet buffer holds */

#define NFV_DESC_REJECT_REASONS(X) \
	X(BUF_RANGE, "buf_out_of_range")	/* index >= nbufs */ \
	X(NEVER_LENT, "never_lent")		/* buffer free in the pool */ \
	X(NOT_LENT, "not_lent")			/* held by the host: returned twice */ \
	X(OTHER_SLOT, "other_slot")		/* lent to another NF */

#define NFV_X_ENUM(e, s) NFV_DROP_##e,
enum nfv_pkt_drop { NFV_PKT_DROP_REASONS(NFV_X_ENUM) NFV_DROP_MAX };
#undef NFV_X_ENUM
#define NFV_X_ENUM(e, s) NFV_REJECT_##e,
enum nfv_desc_reject { NFV_REJECT_NONE = -1, NFV_DESC_REJECT_REASONS(NFV_X_ENUM) NFV_REJECT_MAX };
#undef NFV_X_ENUM

/** Name of a packet drop reason, as shown by nfvctl. */
const char *nfv_drop_name(enum nfv_pkt_drop reason);
/** Name of a descriptor reject reason, as shown by nfvctl. */
const char *nfv_reject_name(enum nfv_desc_reject reason);

#endif /* NFV_DROPS_H */
