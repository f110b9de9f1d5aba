/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "speedtest_lib.h"

static const uint8_t st_magic[4] = { 'N', 'F', 'S', 'T' };

void
st_frame_defaults(struct st_frame_cfg *c)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t sip[4] = { 198, 18, 0, 1 }, dip[4] = { 198, 19, 0, 1 };

	memset(c, 0, sizeof(*c));
	c->size = 64;
	c->flows = 1;
	memcpy(c->dst_mac, dst, 6);
	memcpy(c->src_mac, src, 6);
	memcpy(c->src_ip, sip, 4);
	memcpy(c->dst_ip, dip, 4);
	c->sport = 1024;
	c->dport = 9;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
ipv4_csum(const uint8_t *h)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
st_frame_build(uint8_t *p, const struct st_frame_cfg *c, uint32_t flow)
{
	uint8_t *ip = p + 14, *udp = p + 34;
	uint32_t f = c->flows ? flow % c->flows : 0;

	memset(p, 0, c->size);
	memcpy(p, c->dst_mac, 6);
	memcpy(p + 6, c->src_mac, 6);
	put16(p + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(c->size - 14));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, c->src_ip, 4);
	memcpy(ip + 16, c->dst_ip, 4);
	put16(ip + 10, ipv4_csum(ip));
	put16(udp, (uint16_t)(c->sport + f));
	put16(udp + 2, c->dport);
	put16(udp + 4, (uint16_t)(c->size - 34));
}

static void
put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void
st_tag_write(uint8_t *p, uint32_t run, uint64_t time_ns)
{
	memcpy(p + ST_HDR_LEN, st_magic, 4);
	put_le(p + ST_HDR_LEN + 4, run, 4);
	put_le(p + ST_HDR_LEN + 8, time_ns, 8);
}

int
st_tag_read(const uint8_t *p, uint32_t len, uint32_t *run, uint64_t *time_ns)
{
	if (len < ST_HDR_LEN + ST_TAG_LEN || p[12] != 0x08 || p[13] != 0x00 || p[14] != 0x45 ||
	    p[23] != 17 || memcmp(p + ST_HDR_LEN, st_magic, 4) != 0)
		return 0;
	*run = (uint32_t)get_le(p + ST_HDR_LEN + 4, 4);
	*time_ns = get_le(p + ST_HDR_LEN + 8, 8);
	return 1;
}

/* Bucket of @v: values below ST_LAT_SUB have one each; above, each power
 * of two is split into ST_LAT_SUB equal parts. */
static unsigned int
lat_bucket(uint64_t v)
{
	unsigned int k;

	if (v < ST_LAT_SUB)
		return (unsigned int)v;
	k = 63u - (unsigned int)__builtin_clzll(v);	/* >= 3 */
	return (k - 2) * ST_LAT_SUB + (unsigned int)((v >> (k - 3)) & (ST_LAT_SUB - 1));
}

/* Middle of bucket @b. */
static uint64_t
lat_bucket_mid(unsigned int b)
{
	unsigned int k;
	uint64_t lo, width;

	if (b < ST_LAT_SUB)
		return b;
	k = b / ST_LAT_SUB + 2;
	width = 1ull << (k - 3);
	lo = (uint64_t)(ST_LAT_SUB + b % ST_LAT_SUB) << (k - 3);
	return lo + width / 2;
}

void
st_lat_add(struct st_lat *l, uint64_t ns)
{
	if (l->n == 0 || ns < l->min_ns)
		l->min_ns = ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
	l->n++;
	l->sum_ns += ns;
	l->hist[lat_bucket(ns)]++;
}

uint64_t
st_lat_quantile(const struct st_lat *l, double q)
{
	uint64_t need, seen = 0, v;
	unsigned int b;

	if (l->n == 0)
		return 0;
	need = (uint64_t)(q * (double)l->n + 0.999999);
	if (need == 0)
		need = 1;
	for (b = 0; b < ST_LAT_BUCKETS; b++) {
		seen += l->hist[b];
		if (seen >= need)
			break;
	}
	v = b < ST_LAT_BUCKETS ? lat_bucket_mid(b) : l->max_ns;
	if (v < l->min_ns)
		v = l->min_ns;
	if (v > l->max_ns)
		v = l->max_ns;
	return v;
}

static double
elapsed_s(const struct st_counters *c)
{
	return c->first_ns && c->last_ns > c->first_ns ? (double)(c->last_ns - c->first_ns) / 1e9
						       : 0.0;
}

double
st_pps(const struct st_counters *c)
{
	double s = elapsed_s(c);

	return s > 0 ? (double)c->pkts / s : 0.0;
}

double
st_bps(const struct st_counters *c)
{
	double s = elapsed_s(c);

	return s > 0 ? (double)c->bytes * 8 / s : 0.0;
}

/* @s as a JSON string: the NF's own texts, but escape anyway. */
static void
put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

int
st_write_json(FILE *f, const struct st_counters *c, const struct st_report *r)
{
	const struct st_lat *l = &c->lat;

	fprintf(f, "{\"mode\": ");
	put_str(f, r->mode);
	fprintf(f, ", \"service\": %u, \"instance\": %d, \"dest\": ", r->service, r->instance);
	put_str(f, r->dest);
	fprintf(f, ", \"frame_size\": %" PRIu32 ", \"flows\": %" PRIu32 ", \"count\": %" PRIu64
		", \"duration_s\": %.9f, \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
		", \"mpps\": %.9f, \"gbps\": %.9f, \"adopted\": %" PRIu64 ", \"returned\": %" PRIu64
		", \"surplus\": %" PRIu64 ", \"unfit\": %" PRIu64 ", \"tagged\": %" PRIu64
		", \"latency\": ",
		r->frame_size, r->flows, r->count, elapsed_s(c), c->pkts, c->bytes,
		st_pps(c) / 1e6, st_bps(c) / 1e9, c->adopted, c->returned, c->surplus, c->unfit,
		c->tagged);
	if (r->latency && l->n)
		fprintf(f, "{\"samples\": %" PRIu64 ", \"min_ns\": %" PRIu64 ", \"avg_ns\": %" PRIu64
			", \"p50_ns\": %" PRIu64 ", \"p99_ns\": %" PRIu64 ", \"max_ns\": %" PRIu64 "}",
			l->n, l->min_ns, l->sum_ns / l->n, st_lat_quantile(l, 0.5),
			st_lat_quantile(l, 0.99), l->max_ns);
	else
		fprintf(f, "null");
	fprintf(f, ", \"netlib\": {\"rx_pkts\": %" PRIu64 ", \"tx_pkts\": %" PRIu64
		", \"drop_pkts\": %" PRIu64 ", \"rx_invalid\": %" PRIu64 "}}\n",
		r->rx_pkts, r->tx_pkts, r->drop_pkts, r->rx_invalid);
	return ferror(f) ? -EIO : 0;
}
