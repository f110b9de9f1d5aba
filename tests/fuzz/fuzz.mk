# SPDX-License-Identifier: BSD-3-Clause
# libFuzzer harnesses for every parser that reads hostile input.  They are
# built with $(FUZZ_CC) (clang; -fsanitize=fuzzer,address,undefined) from
# the real sources of the code they test, not with $(CC), so each has its
# own rule here instead of automake's.
#
#   make check        tests/fuzz/run-fuzz.sh: each harness ~8 s from its
#                     seed corpus (FUZZ_CHECK_TIME), skips without clang
#   make fuzz         each harness FUZZ_TIME seconds (default 300), FUZZ_JOBS
#                     at a time (default 1), FUZZ_ONLY="ring desc" for some;
#                     corpora grow in tests/fuzz/corpus/<harness> of the
#                     build directory, seeded from the source tree's

FUZZ_HARNESSES = desc ring ctlmsg attach region ctl_json classify
FUZZ_PROGS = \
	tests/fuzz/fuzz_desc tests/fuzz/fuzz_ring tests/fuzz/fuzz_ctlmsg \
	tests/fuzz/fuzz_attach tests/fuzz/fuzz_region tests/fuzz/fuzz_ctl_json \
	tests/fuzz/fuzz_classify
FUZZ_TIME = 300
FUZZ_JOBS = 1
FUZZ_ONLY =

FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-Wall -Wextra -Wno-unused-parameter \
	-I$(top_builddir) $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fuzz
FUZZ_LINK = $(AM_V_GEN)$(MKDIR_P) tests/fuzz && \
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@

# Any header of the code under test may change what a harness sees.
FUZZ_HDRS = \
	$(top_srcdir)/tests/fuzz/fuzz.h \
	$(top_srcdir)/guest-lib/netlib.h \
	$(top_srcdir)/guest-lib/netlib_backend.h \
	$(top_srcdir)/guest-lib/netlib_priv.h \
	$(top_srcdir)/guest-lib/nfv_region.h \
	$(top_srcdir)/guest-lib/nfv_ring.h \
	$(top_srcdir)/trust-domains/owner.h \
	$(top_srcdir)/trust-domains/region.h \
	$(top_srcdir)/trust-domains/validate.h \
	$(top_srcdir)/hypervisor/classify.h \
	$(top_srcdir)/hypervisor/ctl.h \
	$(top_srcdir)/hypervisor/flow.h \
	$(top_srcdir)/hypervisor/ivshmem_server.h \
	$(top_srcdir)/hypervisor/unixsock.h \
	config.h

# NetLib without netlib_process.c, which fuzz_attach #includes.
FUZZ_NETLIB = \
	$(top_srcdir)/guest-lib/netlib.c \
	$(top_srcdir)/guest-lib/netlib_clock.c \
	$(top_srcdir)/guest-lib/netlib_ctl.c \
	$(top_srcdir)/guest-lib/netlib_pkt.c \
	$(top_srcdir)/guest-lib/netlib_region.c \
	$(top_srcdir)/guest-lib/netlib_run.c \
	$(top_srcdir)/guest-lib/netlib_vm.c

fuzz_desc_SRCS = $(top_srcdir)/tests/fuzz/fuzz_desc.c \
	$(top_srcdir)/trust-domains/owner.c
tests/fuzz/fuzz_desc: $(fuzz_desc_SRCS) $(FUZZ_HDRS)
	$(FUZZ_LINK) $(fuzz_desc_SRCS)

fuzz_ring_SRCS = $(top_srcdir)/tests/fuzz/fuzz_ring.c
tests/fuzz/fuzz_ring: $(fuzz_ring_SRCS) $(FUZZ_HDRS)
	$(FUZZ_LINK) $(fuzz_ring_SRCS)

fuzz_ctlmsg_SRCS = $(top_srcdir)/tests/fuzz/fuzz_ctlmsg.c \
	$(top_srcdir)/hypervisor/flow.c $(top_srcdir)/hypervisor/chain.c
tests/fuzz/fuzz_ctlmsg: $(fuzz_ctlmsg_SRCS) $(FUZZ_HDRS)
	$(FUZZ_LINK) $(NFV_DPDK_CFLAGS) $(fuzz_ctlmsg_SRCS) $(DPDK_LIBS)

# Reaches the static parser of netlib_process.c by #including it.
fuzz_attach_SRCS = $(top_srcdir)/tests/fuzz/fuzz_attach.c \
	$(top_srcdir)/hypervisor/ivshmem_server.c $(FUZZ_NETLIB)
tests/fuzz/fuzz_attach: $(fuzz_attach_SRCS) $(FUZZ_HDRS) \
		$(top_srcdir)/guest-lib/netlib_process.c
	$(FUZZ_LINK) $(fuzz_attach_SRCS)

fuzz_region_SRCS = $(top_srcdir)/tests/fuzz/fuzz_region.c \
	$(top_srcdir)/trust-domains/region.c \
	$(top_srcdir)/guest-lib/netlib_process.c $(FUZZ_NETLIB)
tests/fuzz/fuzz_region: $(fuzz_region_SRCS) $(FUZZ_HDRS)
	$(FUZZ_LINK) $(NUMA_CFLAGS) $(fuzz_region_SRCS) $(NUMA_LIBS)

# Reaches the static request path of ctl.c by #including it.
fuzz_ctl_json_SRCS = $(top_srcdir)/tests/fuzz/fuzz_ctl_json.c \
	$(top_srcdir)/hypervisor/unixsock.c $(top_srcdir)/hypervisor/flow.c \
	$(top_srcdir)/hypervisor/chain.c
tests/fuzz/fuzz_ctl_json: $(fuzz_ctl_json_SRCS) $(FUZZ_HDRS) \
		$(top_srcdir)/hypervisor/ctl.c
	$(FUZZ_LINK) $(NFV_DPDK_CFLAGS) $(JANSSON_CFLAGS) $(fuzz_ctl_json_SRCS) \
		$(DPDK_LIBS) $(JANSSON_LIBS)

fuzz_classify_SRCS = $(top_srcdir)/tests/fuzz/fuzz_classify.c \
	$(top_srcdir)/hypervisor/classify.c
tests/fuzz/fuzz_classify: $(fuzz_classify_SRCS) $(FUZZ_HDRS)
	$(FUZZ_LINK) $(NFV_DPDK_CFLAGS) $(fuzz_classify_SRCS) $(DPDK_LIBS)

FUZZ_RUN = top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	FUZZ_HARNESSES='$(FUZZ_HARNESSES)' FUZZ_TIME='$(FUZZ_TIME)' \
	FUZZ_JOBS='$(FUZZ_JOBS)' FUZZ_ONLY='$(FUZZ_ONLY)' $(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz.sh

if HAVE_FUZZER
check_SCRIPTS += $(FUZZ_PROGS)
fuzz: $(FUZZ_PROGS)
	@$(FUZZ_RUN) --long
else
fuzz:
	@echo "make fuzz: configure found no $(FUZZ_CC) that links -fsanitize=fuzzer: install clang libclang-rt-14-dev (or set FUZZ_CC) and re-run configure" >&2; exit 1
endif

TESTS += tests/fuzz/run-fuzz.sh
CLEANFILES += $(FUZZ_PROGS) tests/fuzz/fuzz-*.log
EXTRA_DIST += \
	tests/fuzz/fuzz.mk tests/fuzz/fuzz.h tests/fuzz/run-fuzz.sh \
	tests/fuzz/gen-seeds.py tests/fuzz/ctl_json.dict tests/fuzz/corpus \
	tests/fuzz/fuzz_desc.c tests/fuzz/fuzz_ring.c tests/fuzz/fuzz_ctlmsg.c \
	tests/fuzz/fuzz_attach.c tests/fuzz/fuzz_region.c \
	tests/fuzz/fuzz_ctl_json.c tests/fuzz/fuzz_classify.c

