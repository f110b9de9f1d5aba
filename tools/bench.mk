# SPDX-License-Identifier: BSD-3-Clause
# nfv-bench: nfvisor side by side with a bare-DPDK cost floor, testpmd,
# vhost-user and memif (tools/nfv-bench, docs/nfv-bench.1).

dist_noinst_SCRIPTS += tools/nfv-bench
EXTRA_DIST += docs/nfv-bench.1

# The cost-floor reference: two DPDK processes over SPSC rte_rings.
noinst_PROGRAMS += tools/bench/nfv-bench-floor
tools_bench_nfv_bench_floor_SOURCES = tools/bench/floor_ring.c tools/bench/bench_args.h hypervisor/eal_run.c hypervisor/eal_run.h
tools_bench_nfv_bench_floor_CFLAGS = $(AM_CFLAGS) $(NFV_DPDK_CFLAGS) -I$(top_srcdir)/hypervisor
tools_bench_nfv_bench_floor_LDADD = $(DPDK_LIBS)

# The paced, timestamping source of the latency and CPU measurements.
noinst_PROGRAMS += tools/bench/nfv-bench-gen
tools_bench_nfv_bench_gen_SOURCES = tools/bench/gen.c tools/bench/bench_args.h hypervisor/eal_run.c hypervisor/eal_run.h
tools_bench_nfv_bench_gen_CFLAGS = $(AM_CFLAGS) $(NFV_DPDK_CFLAGS) -I$(top_srcdir)/hypervisor
tools_bench_nfv_bench_gen_LDADD = $(DPDK_LIBS)

# The machine's own latency floor: gaps in a bare busy loop (no DPDK).
noinst_PROGRAMS += tools/bench/nfv-bench-jitter
tools_bench_nfv_bench_jitter_SOURCES = tools/bench/jitter.c tools/bench/bench_args.h

# What a context switch between two processes costs on one CPU (no DPDK).
noinst_PROGRAMS += tools/bench/nfv-bench-switch
tools_bench_nfv_bench_switch_SOURCES = tools/bench/switch.c tools/bench/bench_args.h

# Smoke test: a one-run --quick nfvisor bench and its JSON schema (< 20 s).
TESTS += tests/test_bench.sh
EXTRA_DIST += tests/test_bench.sh
