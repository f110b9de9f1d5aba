# SPDX-License-Identifier: BSD-3-Clause
# Replicas and load balancing: instance selection (Check, on a real
# rte_hash without hugepages) and replicas on real DPDK ports.

check_PROGRAMS += tests/test_service
TESTS += tests/test_service
tests_test_service_SOURCES = tests/test_service.c hypervisor/service.c
tests_test_service_CFLAGS = $(NFV_CHECK_CFLAGS) $(NFV_DPDK_CFLAGS) -I$(top_srcdir)/hypervisor
tests_test_service_LDADD = $(NFV_TRUST_LIBS) $(CHECK_LIBS)

TESTS += tests/test_replicas.sh
EXTRA_DIST += tests/test_replicas.sh
