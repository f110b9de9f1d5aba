# SPDX-License-Identifier: BSD-3-Clause
# nfv-virt: NF VMs as libvirt domains, through libvirt's C API.  It builds
# the guest image and probes the accelerator with tools/nfv-vm (the source
# tree's, or $NFV_VM) and takes NF binaries from this build tree.

bin_PROGRAMS += tools/nfv-virt
tools_nfv_virt_SOURCES = \
	tools/nfv-virt.c \
	tools/nfv_virt_xml.c \
	tools/nfv_virt_xml.h \
	tools/nfv_virt_perm.c \
	tools/nfv_virt_perm.h \
	tools/nfv_render.c \
	tools/nfv_render.h
tools_nfv_virt_CPPFLAGS = $(AM_CPPFLAGS) \
	-DNFV_VM_HELPER='"$(abs_top_srcdir)/tools/nfv-vm"' \
	-DNFV_BUILD_TREE='"$(abs_top_builddir)"'
tools_nfv_virt_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS) $(JANSSON_CFLAGS)
tools_nfv_virt_LDADD = $(LIBVIRT_LIBS) $(JANSSON_LIBS)

dist_man_MANS += docs/nfv-virt.1
EXTRA_DIST += docs/operators.md
