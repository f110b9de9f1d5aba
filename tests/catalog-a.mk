# SPDX-License-Identifier: BSD-3-Clause
# Catalogue NFs (router, firewall, NAT): decision unit suite (Check, TAP)
# and an integration run through nfvisord on a net_pcap port.  The suite
# recomputes checksums from scratch with the pcap tools' packet library.
# The suite's binary has its own name: tests/test_catalog_a and
# tests/test_catalog_a.sh would share one log file in the test harness.
check_PROGRAMS += tests/test_catalog_a_unit
TESTS += tests/test_catalog_a_unit tests/test_catalog_a.sh
tests_test_catalog_a_unit_SOURCES = tests/test_catalog_a.c
tests_test_catalog_a_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/examples -I$(top_srcdir)/tools
tests_test_catalog_a_unit_LDADD = examples/libnfvcatalog.a tools/libnfvpkt.la \
	$(CHECK_LIBS)
EXTRA_DIST += tests/test_catalog_a.sh
