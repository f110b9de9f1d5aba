# SPDX-License-Identifier: BSD-3-Clause
# Check suites (TAP) and shell tests (exit 0 pass, 77 skip, 99 error).

NFV_CHECK_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)

check_PROGRAMS += tests/test_ring tests/test_trust tests/test_pool tests/test_flow
TESTS += tests/test_ring tests/test_trust tests/test_pool tests/test_flow

tests_test_ring_SOURCES = tests/test_ring.c
tests_test_ring_CFLAGS = $(NFV_CHECK_CFLAGS)
tests_test_ring_LDADD = $(CHECK_LIBS)

tests_test_trust_SOURCES = tests/test_trust.c
tests_test_trust_CFLAGS = $(NFV_CHECK_CFLAGS) $(NFV_DPDK_CFLAGS)
tests_test_trust_LDADD = $(NFV_TRUST_LIBS) $(CHECK_LIBS)

tests_test_pool_SOURCES = tests/test_pool.c
tests_test_pool_CFLAGS = $(NFV_CHECK_CFLAGS) $(NFV_DPDK_CFLAGS)
tests_test_pool_LDADD = $(NFV_TRUST_LIBS) $(CHECK_LIBS)

# The flow director on a real rte_hash (EAL without hugepages).
tests_test_flow_SOURCES = tests/test_flow.c \
	hypervisor/flow.c hypervisor/classify.c hypervisor/chain.c
tests_test_flow_CFLAGS = $(NFV_CHECK_CFLAGS) $(NFV_DPDK_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/hypervisor
tests_test_flow_LDADD = $(NFV_TRUST_LIBS) $(CHECK_LIBS)

include tests/pcaptools.mk
include tests/ctl.mk
include tests/netlib.mk
include tests/vm.mk

# Integration on real hugepages and DPDK ports (root; skip otherwise).
TESTS += tests/test_chain.sh tests/test_nf_kill.sh tests/test_flow_rules.sh tests/test_direct.sh \
	tests/test_port_setup.sh tests/test_port_link.sh tests/test_memif_churn.sh tests/test_options.sh \
	tests/test_fatal_signal.sh tests/test_oversize.sh tests/test_idle_sleep.sh tests/test_sched_place.sh \
	tests/test_window_place.sh
EXTRA_DIST += tests/lib.sh tests/test_chain.sh tests/test_nf_kill.sh tests/test_flow_rules.sh tests/test_direct.sh \
	tests/test_port_setup.sh tests/test_port_link.sh tests/test_memif_churn.sh tests/test_options.sh \
	tests/test_fatal_signal.sh tests/test_oversize.sh tests/test_idle_sleep.sh tests/test_sched_place.sh \
	tests/test_window_place.sh
include tests/catalog-b.mk
include tests/catalog-a.mk
include tests/service.mk
include tests/netns.mk
include tests/fuzz/fuzz.mk
include tests/virt.mk
include tests/domains.mk
include tests/fault.mk
