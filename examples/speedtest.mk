# SPDX-License-Identifier: BSD-3-Clause
# nfv-speedtest: packet generator, sink and reflector for benchmarks.  Its
# frames, tag, counters and JSON summary (speedtest_lib) have a unit suite,
# and tests/test_speedtest.sh runs it through nfvisord on net_null ports.
noinst_LIBRARIES += examples/libnfvspeedtest.a
examples_libnfvspeedtest_a_SOURCES = \
	examples/speedtest_lib.c \
	examples/speedtest_lib.h

bin_PROGRAMS += examples/nfv-speedtest
examples_nfv_speedtest_SOURCES = \
	examples/nfv-speedtest.c \
	examples/nfv_app.c \
	examples/nfv_app.h
examples_nfv_speedtest_LDADD = examples/libnfvspeedtest.a guest-lib/libnetlib.la -lm

dist_man_MANS += docs/nfv-speedtest.1

# The suite's binary has its own name: tests/test_speedtest and
# tests/test_speedtest.sh would share one log file in the test harness.
check_PROGRAMS += tests/test_speedtest_unit
TESTS += tests/test_speedtest_unit tests/test_speedtest.sh
tests_test_speedtest_unit_SOURCES = tests/test_speedtest.c
tests_test_speedtest_unit_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/examples
tests_test_speedtest_unit_LDADD = examples/libnfvspeedtest.a $(JANSSON_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/test_speedtest.sh
