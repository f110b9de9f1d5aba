# SPDX-License-Identifier: BSD-3-Clause
dist_noinst_SCRIPTS += qemu-patches/check-qemu
EXTRA_DIST += qemu-patches/CONTRACT.md
