/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfv-pcapcheck - verify what came out of the platform against what went in.
 *
 * Every input packet must carry a tag (see nfv_pkt.h).  The input is read
 * into memory and each packet transformed into the bytes the platform
 * should emit; the output is then streamed and each packet matched by the
 * sequence number of its tag, so the output may be in any order.
 *
 * With --apply the tool instead writes the transformed input to a file,
 * which is how the tests produce the output of a known-good platform.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "nfv_pkt.h"

#define PROG "nfv-pcapcheck"
#define MAX_DETAILS 5			/* missing / mismatched seqs listed */
#define EXIT_FAIL 1			/* the check failed */
#define EXIT_USAGE 2			/* bad arguments or unreadable file */

/** Command line. */
struct check_opts {
	const char *in;			/**< --in: what went in */
	const char *out;		/**< --out: what came out */
	const char *write;		/**< --write: --apply result */
	unsigned xforms;		/**< NFV_XF_* of --expect or --apply */
	bool apply;			/**< --apply mode */
	bool expect_set;		/**< --expect given */
	bool allow_set;			/**< --allow-missing given */
	uint64_t allow_missing;		/**< missing packets tolerated */
	bool json;			/**< report as a JSON object */
};

/** One input packet and what should come out for it. */
struct expect {
	uint32_t seq;			/**< tag sequence number */
	uint32_t len;			/**< bytes at data */
	uint8_t *data;			/**< transformed input frame */
	bool drop;			/**< the transforms drop it */
	uint32_t seen;			/**< output packets with this seq */
};

/** One output packet that differs from what was expected. */
struct mismatch {
	uint32_t seq;			/**< tag sequence number */
	bool forwarded_drop;		/**< should have been dropped */
	uint32_t offset;		/**< first differing byte */
	uint32_t exp_len;		/**< expected frame length */
	uint32_t got_len;		/**< output frame length */
	uint8_t exp_byte;		/**< expected byte at offset */
	uint8_t got_byte;		/**< output byte at offset */
};

/** Everything the report says. */
struct check_result {
	struct expect *exp;		/**< input packets sorted by seq */
	size_t nexp;			/**< entries in exp */
	uint64_t drops;			/**< inputs the transforms drop */
	uint64_t output;		/**< output packets read */
	uint64_t matched;
	uint64_t missing;
	uint64_t duplicates;
	uint64_t mismatched;
	uint64_t unexpected;
	uint32_t missing_seqs[MAX_DETAILS]; /**< first missing seqs */
	struct mismatch mism[MAX_DETAILS]; /**< first mismatches */
};

static void
usage(void)
{
	printf("Usage: %s --in IN.pcap --out OUT.pcap [options]\n"
	       "       %s --apply TRANSFORMS --in IN.pcap --write OUT.pcap\n"
	       "Check that OUT holds the tagged packets of IN, transformed.\n\n"
	       "      --in FILE            pcap that went into the platform\n"
	       "      --out FILE           pcap that came out of it\n"
	       "      --expect TRANSFORMS  none, mac-swap, ttl or mac-swap,ttl\n"
	       "                           (default none)\n"
	       "      --allow-missing N    tolerate N missing packets (default 0)\n"
	       "      --json               print the report as a JSON object\n"
	       "      --apply TRANSFORMS   write IN, transformed, to --write FILE\n"
	       "      --write FILE         output of --apply\n"
	       "  -h, --help               show this help\n\n"
	       "Exit status: 0 pass, 1 fail, 2 usage or file error.\n",
	       PROG, PROG);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/* Exit naming @file, without repeating it when libpcap already did. */
static void __attribute__((noreturn))
die_file(const char *file, const char *msg)
{
	size_t n = strlen(file);

	if (strncmp(msg, file, n) == 0 && msg[n] == ':')
		die("%s", msg);
	die("%s: %s", file, msg);
}

static uint64_t
parse_count(const char *opt, const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
		die("%s: expected a non-negative integer, got '%s' (try --help)",
		    opt, s);
	return v;
}

static unsigned
parse_xforms(const char *opt, const char *s)
{
	unsigned xforms;

	if (nfv_xform_parse(s, &xforms) < 0)
		die("%s: expected none, mac-swap, ttl or mac-swap,ttl, got '%s'"
		    " (try --help)", opt, s);
	return xforms;
}

enum { OPT_IN = 256, OPT_OUT, OPT_EXPECT, OPT_ALLOW, OPT_JSON, OPT_APPLY,
       OPT_WRITE };

static void
parse_option(int c, char **argv, struct check_opts *o)
{
	switch (c) {
	case OPT_IN:
		o->in = optarg;
		break;
	case OPT_OUT:
		o->out = optarg;
		break;
	case OPT_EXPECT:
		o->xforms = parse_xforms("--expect", optarg);
		o->expect_set = true;
		break;
	case OPT_ALLOW:
		o->allow_missing = parse_count("--allow-missing", optarg);
		o->allow_set = true;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case OPT_APPLY:
		o->xforms = parse_xforms("--apply", optarg);
		o->apply = true;
		break;
	case OPT_WRITE:
		o->write = optarg;
		break;
	case 'h':
		usage();
		exit(0);
	case ':':
		die("option '%s' needs an argument (try --help)",
		    argv[optind - 1]);
	default:
		die("unknown option '%s' (try --help)", argv[optind - 1]);
	}
}

/* Reject option combinations that mix the two modes. */
static void
check_mode(const struct check_opts *o)
{
	if (o->in == NULL)
		die("missing --in FILE (try --help)");
	if (o->apply) {
		if (o->write == NULL)
			die("--apply needs --write FILE (try --help)");
		if (o->out != NULL || o->expect_set || o->allow_set || o->json)
			die("--apply takes only --in and --write (try --help)");
		return;
	}
	if (o->out == NULL)
		die("missing --out FILE (try --help)");
	if (o->write != NULL)
		die("--write needs --apply (try --help)");
}

static void
parse_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "in", required_argument, NULL, OPT_IN },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "expect", required_argument, NULL, OPT_EXPECT },
		{ "allow-missing", required_argument, NULL, OPT_ALLOW },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "apply", required_argument, NULL, OPT_APPLY },
		{ "write", required_argument, NULL, OPT_WRITE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1)
		parse_option(c, argv, o);
	if (optind < argc)
		die("unexpected argument '%s' (try --help)", argv[optind]);
	check_mode(o);
}

/* Open a capture of Ethernet frames or exit naming the file. */
static pcap_t *
open_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	p = pcap_open_offline(path, errbuf);
	if (p == NULL)
		die_file(path, errbuf);
	if (pcap_datalink(p) != DLT_EN10MB)
		die("%s: link type %s, expected EN10MB (Ethernet)", path,
		    pcap_datalink_val_to_name(pcap_datalink(p)));
	return p;
}

/* Next packet of @p: 1, or 0 at the end; exits on a read error. */
static int
next_packet(pcap_t *p, const char *path, struct pcap_pkthdr **hdr,
	    const u_char **data)
{
	int rc = pcap_next_ex(p, hdr, data);

	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1)
		die_file(path, pcap_geterr(p));
	return 1;
}

/* Apply the transforms to a copy of input packet @n; exits on failure. */
static struct expect
make_expect(const struct check_opts *o, uint64_t n,
	    const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct expect e = { .len = hdr->caplen };
	struct nfv_tag tag;
	int rc;

	if (hdr->caplen != hdr->len)
		die("%s: packet %" PRIu64 " was captured truncated (%u of %u"
		    " bytes)", o->in, n, hdr->caplen, hdr->len);
	if (nfv_tag_find(data, hdr->caplen, &tag) < 0)
		die("%s: packet %" PRIu64 " has no " NFV_TAG_MAGIC " tag",
		    o->in, n);
	e.seq = tag.seq;
	e.data = malloc(hdr->caplen);
	if (e.data == NULL)
		die("%s: out of memory", o->in);
	memcpy(e.data, data, hdr->caplen);
	rc = nfv_xform_apply(e.data, e.len, o->xforms, &e.drop);
	if (rc < 0)
		die("%s: packet %" PRIu64 " (seq %" PRIu32 "): cannot apply %s:"
		    " %s", o->in, n, e.seq, nfv_xform_name(o->xforms),
		    rc == -EPROTONOSUPPORT ? "not an IPv4/IPv6 frame" :
		    "malformed frame");
	return e;
}

static int
cmp_expect(const void *a, const void *b)
{
	const struct expect *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Read, transform and sort the input; exits on a duplicate seq. */
static void
load_input(const struct check_opts *o, struct check_result *r)
{
	pcap_t *p = open_capture(o->in);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	size_t cap = 0, i;

	while (next_packet(p, o->in, &hdr, &data)) {
		if (r->nexp == cap) {
			cap = cap ? 2 * cap : 1024;
			r->exp = realloc(r->exp, cap * sizeof(*r->exp));
			if (r->exp == NULL)
				die("%s: out of memory", o->in);
		}
		r->exp[r->nexp] = make_expect(o, r->nexp, hdr, data);
		r->drops += r->exp[r->nexp].drop;
		r->nexp++;
	}
	pcap_close(p);
	qsort(r->exp, r->nexp, sizeof(*r->exp), cmp_expect);
	for (i = 1; i < r->nexp; i++)
		if (r->exp[i].seq == r->exp[i - 1].seq)
			die("%s: seq %" PRIu32 " appears more than once",
			    o->in, r->exp[i].seq);
}

/* Offset of the first byte where the two frames differ, or -1 if equal. */
static long
first_difference(const uint8_t *a, uint32_t alen, const uint8_t *b,
		 uint32_t blen)
{
	uint32_t n = alen < blen ? alen : blen, i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return alen == blen ? -1 : (long)n;
}

static void
record_mismatch(struct check_result *r, const struct mismatch *m)
{
	if (r->mismatched < MAX_DETAILS)
		r->mism[r->mismatched] = *m;
	r->mismatched++;
}

/* Classify one output packet. */
static void
check_packet(struct check_result *r, const struct pcap_pkthdr *hdr,
	     const u_char *data)
{
	struct expect key, *e;
	struct nfv_tag tag;
	struct mismatch m;
	long off;

	if (nfv_tag_find(data, hdr->caplen, &tag) < 0) {
		r->unexpected++;
		return;
	}
	key.seq = tag.seq;
	e = bsearch(&key, r->exp, r->nexp, sizeof(*r->exp), cmp_expect);
	if (e == NULL) {
		r->unexpected++;
		return;
	}
	if (e->seen++ > 0) {
		r->duplicates++;
		return;
	}
	m = (struct mismatch){ .seq = e->seq, .forwarded_drop = e->drop,
			       .exp_len = e->len, .got_len = hdr->caplen };
	off = e->drop ? 0 : first_difference(e->data, e->len, data,
					     hdr->caplen);
	if (off < 0) {
		r->matched++;
		return;
	}
	m.offset = (uint32_t)off;
	if (m.offset < e->len && m.offset < hdr->caplen) {
		m.exp_byte = e->data[m.offset];
		m.got_byte = data[m.offset];
	}
	record_mismatch(r, &m);
}

static void
check_output(const struct check_opts *o, struct check_result *r)
{
	pcap_t *p = open_capture(o->out);
	struct pcap_pkthdr *hdr;
	const u_char *data;

	while (next_packet(p, o->out, &hdr, &data)) {
		r->output++;
		check_packet(r, hdr, data);
	}
	pcap_close(p);
}

static void
count_missing(struct check_result *r)
{
	size_t i;

	for (i = 0; i < r->nexp; i++) {
		if (r->exp[i].drop || r->exp[i].seen > 0)
			continue;
		if (r->missing < MAX_DETAILS)
			r->missing_seqs[r->missing] = r->exp[i].seq;
		r->missing++;
	}
}

/* Append ", what" to @buf if @n is non-zero. */
static void
add_reason(char *buf, size_t size, uint64_t n, const char *what)
{
	size_t len = strlen(buf);

	if (n == 0)
		return;
	snprintf(buf + len, size - len, "%s%" PRIu64 " %s",
		 len ? ", " : "", n, what);
}

/* Fill @buf with why the check failed; returns true if it passed. */
static bool
verdict(const struct check_opts *o, const struct check_result *r,
	char *buf, size_t size)
{
	char missing[64];

	buf[0] = '\0';
	add_reason(buf, size, r->mismatched, "mismatched");
	if (r->missing > o->allow_missing) {
		snprintf(missing, sizeof(missing), "missing (allowed %" PRIu64
			 ")", o->allow_missing);
		add_reason(buf, size, r->missing, missing);
	}
	add_reason(buf, size, r->duplicates, "duplicates");
	add_reason(buf, size, r->unexpected, "unexpected");
	return buf[0] == '\0';
}

static void
print_mismatch(const struct mismatch *m)
{
	if (m->forwarded_drop) {
		printf("  seq %" PRIu32 ": forwarded, but its TTL expired so it"
		       " should have been dropped\n", m->seq);
		return;
	}
	printf("  seq %" PRIu32 ": first difference at byte %" PRIu32, m->seq,
	       m->offset);
	if (m->offset < m->got_len && m->offset < m->exp_len)
		printf(" (0x%02x, expected 0x%02x)", m->got_byte, m->exp_byte);
	printf(", length %" PRIu32 " (expected %" PRIu32 ")\n", m->got_len,
	       m->exp_len);
}

static void
print_text(const struct check_opts *o, const struct check_result *r,
	   bool pass)
{
	uint64_t i;

	printf("in          %s\nout         %s\nexpect      %s\n", o->in,
	       o->out, nfv_xform_name(o->xforms));
	printf("input       %zu packets, %" PRIu64 " dropped by the transforms,"
	       " %" PRIu64 " expected\n", r->nexp, r->drops,
	       r->nexp - r->drops);
	printf("output      %" PRIu64 " packets\n", r->output);
	printf("matched     %" PRIu64 "\n", r->matched);
	printf("missing     %" PRIu64 " (allowed %" PRIu64 ")", r->missing,
	       o->allow_missing);
	for (i = 0; i < r->missing && i < MAX_DETAILS; i++)
		printf("%s%" PRIu32, i ? ", " : ": seq ", r->missing_seqs[i]);
	printf("%s\n", r->missing > MAX_DETAILS ? ", ..." : "");
	printf("duplicates  %" PRIu64 "\n", r->duplicates);
	printf("mismatched  %" PRIu64 "\n", r->mismatched);
	for (i = 0; i < r->mismatched && i < MAX_DETAILS; i++)
		print_mismatch(&r->mism[i]);
	printf("unexpected  %" PRIu64 "\nresult      %s\n", r->unexpected,
	       pass ? "PASS" : "FAIL");
}

/* The differing bytes, if the offset is inside both frames. */
static void
mismatch_bytes_json(json_t *m, const struct mismatch *mm)
{
	if (mm->offset >= mm->got_len || mm->offset >= mm->exp_len)
		return;
	json_object_set_new(m, "byte", json_integer(mm->got_byte));
	json_object_set_new(m, "expected_byte", json_integer(mm->exp_byte));
}

static json_t *
mismatches_json(const struct check_result *r)
{
	json_t *a = json_array(), *m;
	uint64_t i;

	for (i = 0; i < r->mismatched && i < MAX_DETAILS; i++) {
		m = json_object();
		json_object_set_new(m, "seq", json_integer(r->mism[i].seq));
		if (r->mism[i].forwarded_drop) {
			json_object_set_new(m, "expected", json_string("drop"));
		} else {
			json_object_set_new(m, "offset",
					    json_integer(r->mism[i].offset));
			json_object_set_new(m, "len",
					    json_integer(r->mism[i].got_len));
			json_object_set_new(m, "expected_len",
					    json_integer(r->mism[i].exp_len));
			mismatch_bytes_json(m, &r->mism[i]);
		}
		json_array_append_new(a, m);
	}
	return a;
}

static void
set_count(json_t *j, const char *key, uint64_t v)
{
	json_object_set_new(j, key, json_integer((json_int_t)v));
}

static void
print_json(const struct check_opts *o, const struct check_result *r,
	   bool pass, const char *reason)
{
	json_t *j = json_object(), *seqs = json_array();
	uint64_t i;

	for (i = 0; i < r->missing && i < MAX_DETAILS; i++)
		json_array_append_new(seqs, json_integer(r->missing_seqs[i]));
	json_object_set_new(j, "in", json_string(o->in));
	json_object_set_new(j, "out", json_string(o->out));
	json_object_set_new(j, "expect",
			    json_string(nfv_xform_name(o->xforms)));
	set_count(j, "input", r->nexp);
	set_count(j, "expected_drops", r->drops);
	set_count(j, "expected", r->nexp - r->drops);
	set_count(j, "output", r->output);
	set_count(j, "matched", r->matched);
	set_count(j, "missing", r->missing);
	set_count(j, "allowed_missing", o->allow_missing);
	set_count(j, "duplicates", r->duplicates);
	set_count(j, "mismatched", r->mismatched);
	set_count(j, "unexpected", r->unexpected);
	json_object_set_new(j, "missing_seqs", seqs);
	json_object_set_new(j, "mismatches", mismatches_json(r));
	json_object_set_new(j, "pass", json_boolean(pass));
	if (!pass)
		json_object_set_new(j, "reason", json_string(reason));
	json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(j);
}

static void
free_result(struct check_result *r)
{
	size_t i;

	for (i = 0; i < r->nexp; i++)
		free(r->exp[i].data);
	free(r->exp);
}

static int
run_check(const struct check_opts *o)
{
	struct check_result r = { 0 };
	char reason[256];
	bool pass;

	load_input(o, &r);
	check_output(o, &r);
	count_missing(&r);
	pass = verdict(o, &r, reason, sizeof(reason));
	if (o->json)
		print_json(o, &r, pass, reason);
	else
		print_text(o, &r, pass);
	if (!pass)
		fprintf(stderr, "%s: FAIL: %s\n", PROG, reason);
	free_result(&r);
	return pass ? 0 : EXIT_FAIL;
}

/* Transform and copy one packet; returns true if it was written. */
static bool
apply_packet(const struct check_opts *o, pcap_dumper_t *d, uint64_t n,
	     const struct pcap_pkthdr *hdr, const u_char *data)
{
	uint8_t frame[65536];
	bool drop;

	if (hdr->caplen > sizeof(frame))
		die("%s: packet %" PRIu64 " is too long", o->in, n);
	memcpy(frame, data, hdr->caplen);
	if (nfv_xform_apply(frame, hdr->caplen, o->xforms, &drop) < 0)
		die("%s: packet %" PRIu64 ": cannot apply %s", o->in, n,
		    nfv_xform_name(o->xforms));
	if (!drop)
		pcap_dump((u_char *)d, hdr, frame);
	return !drop;
}

static int
run_apply(const struct check_opts *o)
{
	pcap_t *p = open_capture(o->in);
	uint64_t n = 0, written = 0;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_dumper_t *d;

	d = pcap_dump_open(p, o->write);
	if (d == NULL)
		die_file(o->write, pcap_geterr(p));
	while (next_packet(p, o->in, &hdr, &data))
		written += apply_packet(o, d, n++, hdr, data);
	if (pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d)))
		die("%s: write error: %s", o->write, strerror(errno));
	pcap_dump_close(d);
	pcap_close(p);
	/* With --write - the pcap owns stdout. */
	fprintf(strcmp(o->write, "-") == 0 ? stderr : stdout,
		"%s: wrote %" PRIu64 " of %" PRIu64 " packets to %s (%s, %"
		PRIu64 " dropped)\n", PROG, written, n, o->write,
		nfv_xform_name(o->xforms), n - written);
	return 0;
}

int
main(int argc, char **argv)
{
	struct check_opts o = { .xforms = NFV_XF_NONE };

	parse_args(argc, argv, &o);
	return o.apply ? run_apply(&o) : run_check(&o);
}
