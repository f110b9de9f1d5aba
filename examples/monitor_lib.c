/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * monitor_lib.c - flow table, top-N, JSON and pcap capture of nfv-monitor
 * (see monitor_lib.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "monitor_lib.h"

#define NS_PER_S 1e9

_Static_assert(NFV_MON_ERR_LEN >= PCAP_ERRBUF_SIZE, "room for libpcap's messages");

/** A capture file being written. */
struct nfv_mon_capture {
	pcap_t *pcap;			/* dead handle: link type, snaplen */
	pcap_dumper_t *dumper;		/* the file */
	unsigned int snaplen;		/* bytes kept per frame */
	uint64_t count;			/* frames written */
};

int
nfv_mon_init(struct nfv_mon *m, uint32_t flows, uint64_t seed, uint64_t now_ns)
{
	uint32_t slots = NFV_MON_PROBE;

	memset(m, 0, sizeof(*m));
	if (flows < NFV_MON_PROBE || flows > NFV_MON_FLOWS_MAX)
		return -EINVAL;
	while (slots < flows)
		slots <<= 1;
	m->flow = calloc(slots, sizeof(m->flow[0]));
	if (!m->flow)
		return -ENOMEM;
	m->mask = slots - 1;
	m->seed = seed;
	m->start_ns = now_ns;
	return 0;
}

void
nfv_mon_fini(struct nfv_mon *m)
{
	free(m->flow);
	m->flow = NULL;
}

/* The slot of @key, found or made (evicting if need be) at @now_ns. */
static struct nfv_mon_flow *
flow_slot(struct nfv_mon *m, const struct nfv_5tuple *key, uint64_t now_ns)
{
	uint32_t i, idx = (uint32_t)nfv_5tuple_hash(key, m->seed);
	struct nfv_mon_flow *f, *free_slot = NULL, *oldest = NULL;

	for (i = 0; i < NFV_MON_PROBE; i++) {
		f = &m->flow[(idx + i) & m->mask];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (!memcmp(&f->key, key, sizeof(*key)))
			return f;
		if (!oldest || f->last_ns < oldest->last_ns)
			oldest = f;
	}
	if (free_slot) {
		f = free_slot;
		m->flows++;
	} else {
		f = oldest;
		m->evictions++;
		m->evicted_pkts += f->pkts;
		m->evicted_bytes += f->bytes;
	}
	*f = (struct nfv_mon_flow){ .key = *key, .first_ns = now_ns, .used = 1 };
	return f;
}

void
nfv_mon_packet(struct nfv_mon *m, const uint8_t *frame, uint32_t len,
	       uint64_t now_ns)
{
	struct nfv_mon_flow *f;
	struct nfv_hdrs h;

	m->pkts++;
	m->bytes += len;
	if (!nfv_hdrs_parse(frame, len, &h)) {
		m->non_ip_pkts++;
		m->non_ip_bytes += len;
		return;
	}
	f = flow_slot(m, &h.key, now_ns);
	f->pkts++;
	f->bytes += len;
	f->last_ns = now_ns;
}

/* Does @a come before @b in the top list? */
static int
bigger(const struct nfv_mon_flow *a, const struct nfv_mon_flow *b,
       enum nfv_mon_order order)
{
	uint64_t va = order == NFV_MON_BY_PKTS ? a->pkts : a->bytes;
	uint64_t vb = order == NFV_MON_BY_PKTS ? b->pkts : b->bytes;

	if (va != vb)
		return va > vb;
	return a->first_ns < b->first_ns;
}

unsigned int
nfv_mon_top(const struct nfv_mon *m, enum nfv_mon_order order,
	    struct nfv_mon_flow *top, unsigned int n)
{
	unsigned int have = 0, j;
	uint32_t i;

	if (n == 0)
		return 0;
	for (i = 0; i <= m->mask; i++) {
		const struct nfv_mon_flow *f = &m->flow[i];

		if (!f->used || (have == n && !bigger(f, &top[n - 1], order)))
			continue;
		/* Insertion into the sorted list, dropping its last if full. */
		j = have < n ? have++ : n - 1;
		while (j > 0 && bigger(f, &top[j - 1], order)) {
			top[j] = top[j - 1];
			j--;
		}
		top[j] = *f;
	}
	return have;
}

static const char *
proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		snprintf(buf, len, "proto-%u", proto);
		return buf;
	}
}

static void
addr_text(const struct nfv_5tuple *key, const uint8_t *addr, char *buf,
	  size_t len)
{
	inet_ntop(key->family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len);
}

char *
nfv_mon_flow_name(const struct nfv_5tuple *key, char *buf, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pbuf[16];
	const char *proto = proto_name(key->proto, pbuf, sizeof(pbuf));
	int ports = key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP;

	addr_text(key, key->src, src, sizeof(src));
	addr_text(key, key->dst, dst, sizeof(dst));
	if (!ports)
		snprintf(buf, len, "%s %s %s", proto, src, dst);
	else if (key->family == 4)
		snprintf(buf, len, "%s %s:%u %s:%u", proto, src, key->sport, dst,
			 key->dport);
	else
		snprintf(buf, len, "%s [%s]:%u [%s]:%u", proto, src, key->sport,
			 dst, key->dport);
	return buf;
}

static double
seconds(uint64_t ns, uint64_t since_ns)
{
	return ns > since_ns ? (double)(ns - since_ns) / NS_PER_S : 0.0;
}

int
nfv_mon_write_json(const struct nfv_mon *m, FILE *f, uint64_t now_ns)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct nfv_mon_flow *all;
	unsigned int n, i;

	all = malloc((m->flows ? m->flows : 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	n = nfv_mon_top(m, NFV_MON_BY_BYTES, all, (unsigned int)m->flows);
	fprintf(f, "{\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
		", \"non_ip_packets\": %" PRIu64 ", \"non_ip_bytes\": %" PRIu64
		", \"table_slots\": %" PRIu32 ", \"active_flows\": %" PRIu64
		", \"evictions\": %" PRIu64 ", \"evicted_packets\": %" PRIu64
		", \"evicted_bytes\": %" PRIu64 ", \"duration_s\": %.6f,\n \"flows\": [",
		m->pkts, m->bytes, m->non_ip_pkts, m->non_ip_bytes, m->mask + 1,
		m->flows, m->evictions, m->evicted_pkts, m->evicted_bytes,
		seconds(now_ns, m->start_ns));
	for (i = 0; i < n; i++) {
		const struct nfv_mon_flow *x = &all[i];

		addr_text(&x->key, x->key.src, src, sizeof(src));
		addr_text(&x->key, x->key.dst, dst, sizeof(dst));
		fprintf(f, "%s\n  {\"family\": %u, \"proto\": %u, \"src\": \"%s\", \"sport\": %u"
			", \"dst\": \"%s\", \"dport\": %u, \"packets\": %" PRIu64
			", \"bytes\": %" PRIu64 ", \"first_s\": %.6f, \"last_s\": %.6f}",
			i ? "," : "", x->key.family, x->key.proto, src, x->key.sport,
			dst, x->key.dport, x->pkts, x->bytes,
			seconds(x->first_ns, m->start_ns), seconds(x->last_ns, m->start_ns));
	}
	fprintf(f, "\n ]}\n");
	free(all);
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

struct nfv_mon_capture *
nfv_mon_capture_open(const char *path, unsigned int snaplen, char *err)
{
	struct nfv_mon_capture *c;

	if (snaplen < NFV_MON_SNAPLEN_MIN || snaplen > NFV_MON_SNAPLEN_MAX) {
		snprintf(err, NFV_MON_ERR_LEN, "snap length %u is not in %d..%d",
			 snaplen, NFV_MON_SNAPLEN_MIN, NFV_MON_SNAPLEN_MAX);
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->snaplen = snaplen;
	c->pcap = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!c->pcap) {
		free(c);
		goto nomem;
	}
	c->dumper = pcap_dump_open(c->pcap, path);
	if (!c->dumper) {
		snprintf(err, NFV_MON_ERR_LEN, "%s", pcap_geterr(c->pcap));
		pcap_close(c->pcap);
		free(c);
		errno = EIO;
		return NULL;
	}
	return c;
nomem:
	snprintf(err, NFV_MON_ERR_LEN, "out of memory");
	errno = ENOMEM;
	return NULL;
}

void
nfv_mon_capture_write(struct nfv_mon_capture *c, const uint8_t *frame,
		      uint32_t len, const struct timeval *ts)
{
	struct pcap_pkthdr hdr = {
		.ts = *ts,
		.caplen = len < c->snaplen ? len : c->snaplen,
		.len = len,
	};

	pcap_dump((u_char *)c->dumper, &hdr, frame);
	c->count++;
}

uint64_t
nfv_mon_capture_count(const struct nfv_mon_capture *c)
{
	return c->count;
}

int
nfv_mon_capture_close(struct nfv_mon_capture *c)
{
	int ret = 0;

	if (!c)
		return 0;
	if (pcap_dump_flush(c->dumper) < 0 || ferror(pcap_dump_file(c->dumper)))
		ret = -EIO;
	pcap_dump_close(c->dumper);
	pcap_close(c->pcap);
	free(c);
	return ret;
}
