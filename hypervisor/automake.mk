# SPDX-License-Identifier: BSD-3-Clause
# nfvisord: the host daemon.
include hypervisor/ctl.mk

sbin_PROGRAMS += hypervisor/nfvisord
hypervisor_nfvisord_SOURCES = \
	hypervisor/chain.c \
	hypervisor/classify.c hypervisor/classify.h \
	hypervisor/daemon.h \
	hypervisor/direct.c hypervisor/direct.h \
	hypervisor/domains.c \
	hypervisor/eal_run.c hypervisor/eal_run.h \
	hypervisor/fatal.c hypervisor/fatal.h \
	hypervisor/flow.c hypervisor/flow.h \
	hypervisor/flow_ctl.c \
	hypervisor/ivshmem_server.c hypervisor/ivshmem_server.h \
	hypervisor/main.c \
	hypervisor/memif_send.c hypervisor/memif_send.h \
	hypervisor/nf_manager.c \
	hypervisor/options.c hypervisor/options.h \
	hypervisor/ports.c \
	hypervisor/quiesce.c hypervisor/quiesce.h \
	hypervisor/sched_place.c hypervisor/sched_place.h \
	hypervisor/service.c hypervisor/service.h \
	hypervisor/service_ctl.c \
	hypervisor/stats.c hypervisor/stats.h \
	hypervisor/switch.c \
	hypervisor/util.c \
	hypervisor/window.c
hypervisor_nfvisord_CFLAGS = $(AM_CFLAGS) $(NFV_DPDK_CFLAGS) $(NUMA_CFLAGS) $(JANSSON_CFLAGS)
# munmap() and close() of quiesce.c and sendmsg() of memif_send.c must be
# the ones shared libraries (DPDK's drivers, loaded as plugins after the
# link) find.
hypervisor_nfvisord_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=munmap \
	-Wl,--export-dynamic-symbol=close -Wl,--export-dynamic-symbol=sendmsg
hypervisor_nfvisord_LDADD = hypervisor/libnfvctl_server.a $(NFV_TRUST_LIBS) $(JANSSON_LIBS) -lpthread
dist_man_MANS += docs/nfvisord.8
