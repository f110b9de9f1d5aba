#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# vm-chain.sh with nfvisord --direct: the guest NF hands packets straight to
# the host NF (PEER ring in the shared region, doorbells through the worker).
NFV_VM_DIRECT=1 exec "$(dirname "$0")/vm-chain.sh" "$@"
