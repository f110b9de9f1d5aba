# SPDX-License-Identifier: BSD-3-Clause
# Trust domains: isolation, copies at boundaries, run-time create/destroy,
# admission windows (and the port TX backlog that stays inside them).
check_PROGRAMS += tests/region_scan
tests_region_scan_SOURCES = tests/region_scan.c
tests_region_scan_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tools
tests_region_scan_LDADD = tools/libnfvpkt.la

TESTS += tests/test_domains.sh tests/test_window.sh tests/test_tx_hold.sh
EXTRA_DIST += tests/test_domains.sh tests/test_window.sh tests/test_tx_hold.sh
