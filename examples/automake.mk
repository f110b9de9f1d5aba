# SPDX-License-Identifier: BSD-3-Clause
# Example NFs: they link NetLib only.
bin_PROGRAMS += examples/nfv-fwd examples/nfv-rewrite

examples_nfv_fwd_SOURCES = \
	examples/nfv-fwd.c \
	examples/nfv_app.c \
	examples/nfv_app.h
examples_nfv_fwd_LDADD = guest-lib/libnetlib.la

examples_nfv_rewrite_SOURCES = \
	examples/nfv-rewrite.c \
	examples/nfv_app.c \
	examples/nfv_app.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h
examples_nfv_rewrite_LDADD = guest-lib/libnetlib.la
dist_man_MANS += docs/nfv-fwd.1 docs/nfv-rewrite.1
include examples/catalog-b.mk
include examples/catalog-a.mk
include examples/speedtest.mk
