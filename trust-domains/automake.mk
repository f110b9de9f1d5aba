# SPDX-License-Identifier: BSD-3-Clause
# Trust domains: regions, pools, ownership and descriptor validation.
noinst_LIBRARIES += trust-domains/libnfvtrust.a
trust_domains_libnfvtrust_a_SOURCES = \
	trust-domains/domain.c trust-domains/domain.h \
	trust-domains/drops.c trust-domains/drops.h \
	trust-domains/owner.c trust-domains/owner.h \
	trust-domains/pool.c trust-domains/pool.h \
	trust-domains/region.c trust-domains/region.h \
	trust-domains/validate.h
trust_domains_libnfvtrust_a_CFLAGS = $(AM_CFLAGS) $(NFV_DPDK_CFLAGS) $(NUMA_CFLAGS)
NFV_TRUST_LIBS = trust-domains/libnfvtrust.a $(DPDK_LIBS) $(NUMA_LIBS)
