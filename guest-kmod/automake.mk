# SPDX-License-Identifier: BSD-3-Clause
# nfv_ivshmem.ko, built with kbuild when a kernel build tree was found
# (configure --with-kernel-build=DIR); skipped otherwise.
NFV_KMOD_SRC = guest-kmod/nfv_ivshmem.c guest-kmod/Kbuild guest-kmod/uapi/nfv_ivshmem.h
EXTRA_DIST += $(NFV_KMOD_SRC) guest-kmod/Makefile
nfvisorinclude_HEADERS += guest-kmod/uapi/nfv_ivshmem.h

if HAVE_KBUILD
all-local: guest-kmod/nfv_ivshmem.ko

# kbuild wants the sources in the module directory: mirror them there for
# out-of-tree builds.  The prerequisites name the source tree's files: by
# VPATH, make would take the mirrored copies, and never see an edit.
guest-kmod/nfv_ivshmem.ko: $(addprefix $(srcdir)/,$(NFV_KMOD_SRC))
	$(AM_V_GEN)if test "$(abs_srcdir)" != "$(abs_builddir)"; then \
		mkdir -p guest-kmod/uapi && \
		for f in $(NFV_KMOD_SRC); do cp $(srcdir)/$$f $$f; done; \
	fi; \
	$(MAKE) -s -C $(KBUILD_DIR) M=$(abs_builddir)/guest-kmod modules >/dev/null

clean-local: guest-kmod-clean
guest-kmod-clean:
	-$(MAKE) -s -C $(KBUILD_DIR) M=$(abs_builddir)/guest-kmod clean >/dev/null 2>&1
.PHONY: guest-kmod-clean
endif
