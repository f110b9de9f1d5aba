# SPDX-License-Identifier: BSD-3-Clause
# QEMU guest tests: they skip (77) without QEMU, a kernel and its headers.
TESTS += tests/vm/kmod-boot.sh
EXTRA_DIST += tests/vm/kmod-boot.sh tests/vm/kmod-probe.c
# NF VMs through tools/nfv-vm (TCG) with nfvisord: also root and hugepages.
TESTS += tests/vm/vm-chain.sh tests/vm/vm-chain-direct.sh tests/vm/vm-idle.sh tests/vm/vm-kill.sh tests/vm/vm-domains.sh
EXTRA_DIST += tests/vm/vm-chain.sh tests/vm/vm-chain-direct.sh tests/vm/vm-idle.sh tests/vm/vm-kill.sh tests/vm/vm-domains.sh
