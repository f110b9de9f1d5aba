/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * netlib_pkt.c - packet accessors.
 *
 * Invariant of every handle: data_off + data_len <= room, where room is the
 * buffer size capped to what a 16-bit descriptor field can express.  Every
 * function here keeps it, so data never leaves the packet's own buffer.
 */
#include <errno.h>

#include "netlib_priv.h"

_Static_assert(NETLIB_ACT_DROP == (int)NFV_ACT_DROP, "DROP differs from the ABI");
_Static_assert(NETLIB_ACT_NEXT == (int)NFV_ACT_NEXT, "NEXT differs from the ABI");
_Static_assert(NETLIB_ACT_TONF == (int)NFV_ACT_TONF, "TONF differs from the ABI");
_Static_assert(NETLIB_ACT_OUT == (int)NFV_ACT_OUT, "OUT differs from the ABI");

void *
netlib_pkt_data(const struct netlib_pkt *pkt)
{
	return pkt->buf + pkt->data_off;
}

uint32_t
netlib_pkt_len(const struct netlib_pkt *pkt)
{
	return pkt->data_len;
}

uint32_t
netlib_pkt_headroom(const struct netlib_pkt *pkt)
{
	return pkt->data_off;
}

uint32_t
netlib_pkt_tailroom(const struct netlib_pkt *pkt)
{
	return pkt->room - pkt->data_off - pkt->data_len;
}

void *
netlib_pkt_prepend(struct netlib_pkt *pkt, uint32_t len)
{
	if (len > pkt->data_off)
		return NULL;
	pkt->data_off -= len;
	pkt->data_len += len;
	return pkt->buf + pkt->data_off;
}

void *
netlib_pkt_adj(struct netlib_pkt *pkt, uint32_t len)
{
	if (len > pkt->data_len)
		return NULL;
	pkt->data_off += len;
	pkt->data_len -= len;
	return pkt->buf + pkt->data_off;
}

void *
netlib_pkt_append(struct netlib_pkt *pkt, uint32_t len)
{
	uint8_t *tail = pkt->buf + pkt->data_off + pkt->data_len;

	if (len > netlib_pkt_tailroom(pkt))
		return NULL;
	pkt->data_len += len;
	return tail;
}

int
netlib_pkt_trim(struct netlib_pkt *pkt, uint32_t len)
{
	if (len > pkt->data_len)
		return -EINVAL;
	pkt->data_len -= len;
	return 0;
}

uint32_t
netlib_pkt_flow_hash(const struct netlib_pkt *pkt)
{
	return pkt->flow_hash;
}

int
netlib_pkt_set_action(struct netlib_pkt *pkt, enum netlib_action action,
		      uint16_t dest)
{
	switch (action) {
	case NETLIB_ACT_DROP:
	case NETLIB_ACT_NEXT:
		dest = 0;
		break;
	case NETLIB_ACT_TONF:
		if (dest == 0 || dest > NETLIB_SERVICE_MAX)
			return -EINVAL;
		break;
	case NETLIB_ACT_OUT:
		break;
	default:
		return -EINVAL;
	}
	pkt->action = (uint8_t)action;
	pkt->dest = dest;
	return 0;
}

enum netlib_action
netlib_pkt_action(const struct netlib_pkt *pkt)
{
	return (enum netlib_action)pkt->action;
}
