# SPDX-License-Identifier: BSD-3-Clause
# nfv-adversary: a hostile NF for testing nfvisord (not installed).
noinst_PROGRAMS += tools/nfv-adversary
tools_nfv_adversary_SOURCES = tools/nfv-adversary.c
tools_nfv_adversary_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/guest-lib -pthread
tools_nfv_adversary_LDADD = guest-lib/libnetlib-core.la -lpthread
EXTRA_DIST += docs/nfv-adversary.1
