# SPDX-License-Identifier: BSD-3-Clause
# Catalogue NFs: nfv-router (L3, longest-prefix match), nfv-firewall
# (stateful) and nfv-nat (source NAT).  Their decisions live in a
# convenience library that tests/test_catalog_a links as well.
noinst_LIBRARIES += examples/libnfvcatalog.a
examples_libnfvcatalog_a_SOURCES = \
	examples/nfv_ip_lib.c \
	examples/nfv_ip_lib.h \
	examples/nfv_flow_table.c \
	examples/nfv_flow_table.h \
	examples/nfv_rewrite_lib.c \
	examples/nfv_rewrite_lib.h \
	examples/router_lib.c \
	examples/router_lib.h \
	examples/firewall_lib.c \
	examples/firewall_lib.h \
	examples/nat_lib.c \
	examples/nat_lib.h

bin_PROGRAMS += examples/nfv-router examples/nfv-firewall examples/nfv-nat

examples_nfv_router_SOURCES = \
	examples/nfv-router.c \
	examples/nfv_app.c \
	examples/nfv_app.h
examples_nfv_router_LDADD = examples/libnfvcatalog.a guest-lib/libnetlib.la

examples_nfv_firewall_SOURCES = \
	examples/nfv-firewall.c \
	examples/nfv_app.c \
	examples/nfv_app.h
examples_nfv_firewall_LDADD = examples/libnfvcatalog.a guest-lib/libnetlib.la

examples_nfv_nat_SOURCES = \
	examples/nfv-nat.c \
	examples/nfv_app.c \
	examples/nfv_app.h
examples_nfv_nat_LDADD = examples/libnfvcatalog.a guest-lib/libnetlib.la

dist_man_MANS += docs/nfv-router.1 docs/nfv-firewall.1 docs/nfv-nat.1
