# SPDX-License-Identifier: BSD-3-Clause
# NetLib unit suite (Check, TAP).  Links the internal libnetlib-core so it
# can reach the region checks, and nfv-rewrite's rewrite code.
check_PROGRAMS += tests/test_netlib
TESTS += tests/test_netlib
tests_test_netlib_SOURCES = \
	tests/test_netlib.c \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
tests_test_netlib_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_test_netlib_LDADD = guest-lib/libnetlib-core.la $(CHECK_LIBS)
