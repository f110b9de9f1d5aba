# SPDX-License-Identifier: BSD-3-Clause
include tools/pcap.mk
include tools/nfvctl.mk
EXTRA_DIST += tools/nfv-guest-image
dist_noinst_SCRIPTS += tools/quickstart
dist_noinst_SCRIPTS += tools/nfv-vm
EXTRA_DIST += docs/nfv-vm.1
include tools/bench.mk
include tools/virt.mk
include tools/adversary.mk
