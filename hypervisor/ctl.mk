# SPDX-License-Identifier: BSD-3-Clause
# Control-socket server: a convenience library for nfvisord and the tests.
# It needs no DPDK.

noinst_LIBRARIES += hypervisor/libnfvctl_server.a
hypervisor_libnfvctl_server_a_SOURCES = \
	hypervisor/ctl.c \
	hypervisor/ctl.h \
	hypervisor/unixsock.c \
	hypervisor/unixsock.h
hypervisor_libnfvctl_server_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
