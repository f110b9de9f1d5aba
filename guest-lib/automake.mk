# SPDX-License-Identifier: BSD-3-Clause
# NetLib: the library every NF links.  Plain C, no DPDK.
#
# libnetlib-core is everything, internals included, for the unit tests;
# libnetlib exports only the API of netlib.h (internals are hidden).
noinst_LTLIBRARIES += guest-lib/libnetlib-core.la
guest_lib_libnetlib_core_la_SOURCES = \
	guest-lib/netlib.c \
	guest-lib/netlib_backend.h \
	guest-lib/netlib_clock.c \
	guest-lib/netlib_ctl.c \
	guest-lib/netlib_pkt.c \
	guest-lib/netlib_priv.h \
	guest-lib/netlib_process.c \
	guest-lib/netlib_region.c \
	guest-lib/netlib_run.c \
	guest-lib/netlib_vm.c

lib_LTLIBRARIES += guest-lib/libnetlib.la
guest_lib_libnetlib_la_SOURCES =
guest_lib_libnetlib_la_LIBADD = guest-lib/libnetlib-core.la
# 1: struct netlib_stats grew (tx_refused): binaries built against 0 would
# be written past theirs.  2:0:1: netlib_run_burst() added, nothing
# changed (binaries built against 1 still run).
guest_lib_libnetlib_la_LDFLAGS = -version-info 2:0:1

nfvisorincludedir = $(includedir)/nfvisor
nfvisorinclude_HEADERS = \
	guest-lib/netlib.h \
	guest-lib/nfv_region.h \
	guest-lib/nfv_ring.h

pkgconfig_DATA += guest-lib/netlib.pc
