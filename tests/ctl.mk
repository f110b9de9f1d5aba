# SPDX-License-Identifier: BSD-3-Clause
# Control socket: server framework, nfvctl and its rendering.

check_PROGRAMS += tests/test_ctl
TESTS += tests/test_ctl
tests_test_ctl_SOURCES = \
	tests/test_ctl.c \
	tools/nfv_render.c \
	tools/nfv_render.h
tests_test_ctl_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/tools
tests_test_ctl_LDADD = hypervisor/libnfvctl_server.a $(CHECK_LIBS) \
	$(JANSSON_LIBS) -lpthread
# The suite runs nfvctl against its test server.
EXTRA_tests_test_ctl_DEPENDENCIES = tools/nfvctl
