# SPDX-License-Identifier: BSD-3-Clause
# nfvctl, the control CLI, and its man page.

bin_PROGRAMS += tools/nfvctl
tools_nfvctl_SOURCES = \
	tools/nfvctl.c \
	tools/nfv_render.c \
	tools/nfv_render.h
tools_nfvctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/hypervisor
tools_nfvctl_LDADD = $(JANSSON_LIBS)

dist_man_MANS += docs/nfvctl.8
