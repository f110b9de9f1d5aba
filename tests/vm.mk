# SPDX-License-Identifier: BSD-3-Clause
# QEMU guest tests: they skip (77) without QEMU, a kernel and its headers.
TESTS += tests/vm/kmod-boot.sh
EXTRA_DIST += tests/vm/kmod-boot.sh tests/vm/kmod-probe.c
