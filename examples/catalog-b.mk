# SPDX-License-Identifier: BSD-3-Clause
# Catalogue NFs: load balancer, rate limiter, flow monitor.  Each keeps its
# logic in a *_lib.c the unit suite (tests/catalog-b.mk) links too.
bin_PROGRAMS += examples/nfv-lb examples/nfv-ratelimit examples/nfv-monitor
dist_man_MANS += docs/nfv-lb.1 docs/nfv-ratelimit.1 docs/nfv-monitor.1

examples_nfv_lb_SOURCES = \
	examples/nfv-lb.c \
	examples/lb_lib.c \
	examples/lb_lib.h \
	examples/nfv_app.c \
	examples/nfv_app.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
examples_nfv_lb_LDADD = guest-lib/libnetlib.la -lm

examples_nfv_ratelimit_SOURCES = \
	examples/nfv-ratelimit.c \
	examples/ratelimit_lib.c \
	examples/ratelimit_lib.h \
	examples/nfv_app.c \
	examples/nfv_app.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
examples_nfv_ratelimit_LDADD = guest-lib/libnetlib.la -lm

examples_nfv_monitor_SOURCES = \
	examples/nfv-monitor.c \
	examples/monitor_lib.c \
	examples/monitor_lib.h \
	examples/nfv_app.c \
	examples/nfv_app.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
examples_nfv_monitor_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS)
examples_nfv_monitor_LDADD = guest-lib/libnetlib.la $(PCAP_LIBS) -lm
