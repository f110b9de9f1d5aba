# SPDX-License-Identifier: BSD-3-Clause
# libpcap tools for the demo and the integration tests.  Other tools that
# need checksums, payload tags or NF transforms link tools/libnfvpkt.la.

noinst_LTLIBRARIES += tools/libnfvpkt.la
tools_libnfvpkt_la_SOURCES = tools/nfv_pkt.c tools/nfv_pkt.h

bin_PROGRAMS += tools/nfv-pcapgen tools/nfv-pcapcheck

tools_nfv_pcapgen_SOURCES = tools/nfv-pcapgen.c
tools_nfv_pcapgen_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS) $(JANSSON_CFLAGS)
tools_nfv_pcapgen_LDADD = tools/libnfvpkt.la $(PCAP_LIBS) $(JANSSON_LIBS)

tools_nfv_pcapcheck_SOURCES = tools/nfv-pcapcheck.c
tools_nfv_pcapcheck_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS) $(JANSSON_CFLAGS)
tools_nfv_pcapcheck_LDADD = tools/libnfvpkt.la $(PCAP_LIBS) $(JANSSON_LIBS)

dist_man_MANS += docs/nfv-pcapgen.1 docs/nfv-pcapcheck.1
