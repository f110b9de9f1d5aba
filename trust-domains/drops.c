/* SPDX-License-Identifier: BSD-3-Clause */
#include "drops.h"

#define NFV_X_NAME(e, s) s,
static const char *const drop_names[] = { NFV_PKT_DROP_REASONS(NFV_X_NAME) };
static const char *const reject_names[] = { NFV_DESC_REJECT_REASONS(NFV_X_NAME) };
#undef NFV_X_NAME

const char *
nfv_drop_name(enum nfv_pkt_drop reason)
{
	if ((unsigned int)reason >= NFV_DROP_MAX)
		return "unknown";
	return drop_names[reason];
}

const char *
nfv_reject_name(enum nfv_desc_reject reason)
{
	if ((unsigned int)reason >= NFV_REJECT_MAX)
		return "unknown";
	return reject_names[reason];
}
