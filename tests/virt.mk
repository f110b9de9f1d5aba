# SPDX-License-Identifier: BSD-3-Clause
# nfv-virt: its domain XML builder (Check, runs anywhere) and an NF VM under
# libvirt in a chain (root, hugepages, QEMU, libvirt; skips otherwise).

check_PROGRAMS += tests/test_virt_xml
TESTS += tests/test_virt_xml
tests_test_virt_xml_SOURCES = tests/test_virt_xml.c \
	tools/nfv_virt_xml.c tools/nfv_virt_perm.c
tests_test_virt_xml_CFLAGS = $(NFV_CHECK_CFLAGS) -I$(top_srcdir)/tools
tests_test_virt_xml_LDADD = $(CHECK_LIBS)

TESTS += tests/vm/virt-chain.sh
EXTRA_DIST += tests/vm/virt-chain.sh
