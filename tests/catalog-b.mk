# SPDX-License-Identifier: BSD-3-Clause
# Catalogue NFs (nfv-lb, nfv-ratelimit, nfv-monitor): unit suite on their
# libraries (Check, TAP) and an integration test on nfvisord.  The suite's
# program is test_catalog_b_unit: a program tests/test_catalog_b would share
# its log, tests/test_catalog_b.log, with tests/test_catalog_b.sh.
check_PROGRAMS += tests/test_catalog_b_unit
TESTS += tests/test_catalog_b_unit tests/test_catalog_b.sh
EXTRA_DIST += tests/test_catalog_b.sh
tests_test_catalog_b_unit_SOURCES = \
	tests/test_catalog_b.c \
	examples/lb_lib.c \
	examples/lb_lib.h \
	examples/ratelimit_lib.c \
	examples/ratelimit_lib.h \
	examples/monitor_lib.c \
	examples/monitor_lib.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
tests_test_catalog_b_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(PCAP_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_test_catalog_b_unit_LDADD = $(CHECK_LIBS) $(PCAP_LIBS) $(JANSSON_LIBS) -lm
