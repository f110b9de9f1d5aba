/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ctlmsg.c - decoding of NF control requests (hypervisor/flow.c):
 * nfv_flow_from_msg() for FLOW_ADD / FLOW_DEL and nfv_ctl_name_from_msg()
 * for the name of a REGISTER.
 *
 * Input: the 64-byte control message as the worker copies it off the CTL
 * ring, then the daemon's port count and the size of the name buffer.
 * Both decoders run on every message.  Checked: the decoded key has the
 * message's family, protocol and ports, and no address byte beyond the
 * family's length; an accepted chain has 1..8 hops, each the message's hop
 * decoded, with services 1..255, ports below the port count and drops
 * without an id (as nfvctl's "drop"), ending
 * where the message's hop list ends; only TCP, UDP and SCTP keys have
 * ports, and nfvctl's words for the key name the same key (so the
 * operator can delete any rule an NF adds); the chain survives a round trip
 * through nfvctl's syntax (nfv_chain_format, nfv_chain_parse); FLOW_DEL
 * needs only the key.  The name is NUL-terminated inside its buffer,
 * printable ASCII only, and otherwise the message's bytes.
 */
#include <arpa/inet.h>
#include <errno.h>

#include "fuzz.h"
#include "flow.h"
#include "nfv_region.h"

/* Only TCP, UDP and SCTP rules have ports, as nfvctl's. */
static int
ports_ok(const struct nfv_ctl_msg *m)
{
	uint8_t p = m->u.flow.proto;

	return p == 6 || p == 17 || p == 132 || (m->u.flow.sport == 0 && m->u.flow.dport == 0);
}

/* The operator can name an NF's rule: the words nfvctl takes give its key. */
static void
check_key_words(const struct nfv_flow_key *key)
{
	char proto[8], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], sport[8], dport[8];
	const char *w[5] = { proto, src, sport, dst, dport };
	int af = key->ipv == 4 ? AF_INET : AF_INET6;
	struct nfv_flow_key again;
	const char *why = NULL;

	snprintf(proto, sizeof(proto), "%u", key->proto);
	FUZZ_CHECK(inet_ntop(af, key->src, src, sizeof(src)) &&
		   inet_ntop(af, key->dst, dst, sizeof(dst)), "inet_ntop");
	snprintf(sport, sizeof(sport), "%u", ntohs(key->sport));
	snprintf(dport, sizeof(dport), "%u", ntohs(key->dport));
	FUZZ_CHECK(nfv_flow_key_from_words(w, &again, &why) == 0,
		   "nfvctl cannot name the rule '%s %s %s %s %s': %s",
		   proto, src, sport, dst, dport, why);
	FUZZ_CHECK(memcmp(&again, key, sizeof(again)) == 0,
		   "'%s %s %s %s %s' names another rule", proto, src, sport, dst, dport);
}

static void
check_flow(const struct nfv_ctl_msg *m, uint16_t nports)
{
	const uint8_t *zero16 = (const uint8_t [16]){ 0 };
	struct nfv_flow_key key;
	struct nfv_chain chain, again;
	char spec[256];
	const char *why = NULL;
	unsigned int i, alen;
	int ret;

	memset(&key, 0x5a, sizeof(key));
	memset(&chain, 0x5a, sizeof(chain));
	ret = nfv_flow_from_msg(m, nports, &key, &chain);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL, "returned %d", ret);
	FUZZ_CHECK(key.pad == 0, "key padding %#x left", key.pad);
	if (m->u.flow.ipv != 4 && m->u.flow.ipv != 6) {
		FUZZ_CHECK(ret == -EINVAL, "address family %u accepted", m->u.flow.ipv);
		return;
	}
	alen = m->u.flow.ipv == 4 ? 4 : 16;
	FUZZ_CHECK(key.ipv == m->u.flow.ipv && key.proto == m->u.flow.proto &&
		   key.sport == m->u.flow.sport && key.dport == m->u.flow.dport,
		   "key fields differ from the message");
	FUZZ_CHECK(memcmp(key.src, m->u.flow.src, alen) == 0 &&
		   memcmp(key.dst, m->u.flow.dst, alen) == 0, "addresses differ");
	FUZZ_CHECK(memcmp(key.src + alen, zero16, 16 - alen) == 0 &&
		   memcmp(key.dst + alen, zero16, 16 - alen) == 0,
		   "IPv4 key carries bytes beyond its addresses");
	if (!ports_ok(m)) {
		FUZZ_CHECK(ret == -EINVAL, "ports %u %u on protocol %u accepted",
			   ntohs(m->u.flow.sport), ntohs(m->u.flow.dport), m->u.flow.proto);
		return;
	}
	if (m->type == NFV_CTL_FLOW_DEL) {
		FUZZ_CHECK(ret == 0 && chain.nhops == 0, "FLOW_DEL: %d, %u hops", ret, chain.nhops);
		check_key_words(&key);
		return;
	}
	if (ret < 0)
		return;
	check_key_words(&key);
	FUZZ_CHECK(chain.nhops >= 1 && chain.nhops <= NFV_MAX_HOPS &&
		   chain.nhops <= NFV_FLOW_MAX_HOPS, "%u hops", chain.nhops);
	FUZZ_CHECK(chain.nhops == NFV_FLOW_MAX_HOPS || m->u.flow.hop[chain.nhops] == 0,
		   "chain of %u hops stops before the message's hop list ends", chain.nhops);
	for (i = 0; i < chain.nhops; i++) {
		const struct nfv_hop *h = &chain.hop[i];
		uint16_t v = m->u.flow.hop[i];

		FUZZ_CHECK(h->id == (h->type == HOP_DROP ? 0 : (v & NFV_HOP_ID_MASK)),
			   "hop %u: id %u from %#x", i, h->id, v);
		switch (h->type) {
		case HOP_NF:
			FUZZ_CHECK(v >> NFV_HOP_TYPE_SHIFT == NFV_HOP_NF &&
				   h->id >= 1 && h->id <= NFV_MAX_SERVICE, "hop %u: service %u", i, h->id);
			break;
		case HOP_PORT:
			FUZZ_CHECK(v >> NFV_HOP_TYPE_SHIFT == NFV_HOP_PORT && h->id < nports,
				   "hop %u: port %u of %u", i, h->id, nports);
			break;
		case HOP_DROP:
			FUZZ_CHECK(v >> NFV_HOP_TYPE_SHIFT == NFV_HOP_DROP, "hop %u: drop from %#x", i, v);
			break;
		default:
			FUZZ_CHECK(0, "hop %u: type %u", i, h->type);
		}
	}
	nfv_chain_format(&chain, spec, sizeof(spec));
	FUZZ_CHECK(nfv_chain_parse(spec, &again, nports, &why) == 0,
		   "'%s' does not parse back: %s", spec, why);
	FUZZ_CHECK(again.nhops == chain.nhops, "'%s': %u hops, not %u", spec, again.nhops, chain.nhops);
	for (i = 0; i < chain.nhops; i++)
		FUZZ_CHECK(again.hop[i].type == chain.hop[i].type &&
			   again.hop[i].id == chain.hop[i].id, "'%s': hop %u differs", spec, i);
}

static void
check_name(const struct nfv_ctl_msg *m, size_t len)
{
	char *name = malloc(len);	/* exact size: ASan guards its end */
	size_t i, n, want = strnlen(m->u.reg.name, NFV_NF_NAME_MAX);

	FUZZ_CHECK(name, "out of memory");
	if (want > len - 1)
		want = len - 1;
	memset(name, 'X', len);
	nfv_ctl_name_from_msg(m, name, len);
	n = strnlen(name, len);
	FUZZ_CHECK(n < len, "name not NUL-terminated in %zu bytes", len);
	FUZZ_CHECK(n == want, "name of %zu characters in a %zu-byte buffer, expected %zu",
		   n, len, want);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)m->u.reg.name[i];

		FUZZ_CHECK(name[i] >= 0x20 && name[i] < 0x7f, "character %zu is %#x", i,
			   (unsigned char)name[i]);
		FUZZ_CHECK(name[i] == ((c >= 0x20 && c < 0x7f) ? (char)c : '?'),
			   "character %zu: %#x from %#x", i, (unsigned char)name[i], c);
	}
	free(name);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct nfv_ctl_msg m;
	uint16_t nports;
	size_t len;

	fuzz_bytes(&in, &m, sizeof(m));
	nports = fuzz_u8(&in) % 65;
	/* The daemon's buffer is NFV_NF_NAME_MAX bytes (byte 0 here); smaller
	 * and larger ones check the bounds of the function itself. */
	len = 1 + (fuzz_u8(&in) + NFV_NF_NAME_MAX - 1) % 64;
	check_flow(&m, nports);
	check_name(&m, len);
	return 0;
}
