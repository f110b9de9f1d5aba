# SPDX-License-Identifier: BSD-3-Clause
# Hostile NFs, crashes and long runs (tools/nfv-adversary, tests/soak.sh).
TESTS += tests/test_adversary.sh tests/test_faults.sh tests/test_faults_direct.sh
EXTRA_DIST += tests/test_adversary.sh tests/test_faults.sh tests/test_faults_direct.sh tests/soak.sh

# make soak: NFV_SOAK_SECONDS (default 600) at full rate with NF churn and
# an adversary; report in soak.json.
soak: all
	top_builddir=$(abs_top_builddir) top_srcdir=$(abs_top_srcdir) \
	NFV_SOAK_REPORT=$(abs_top_builddir)/soak.json $(abs_top_srcdir)/tests/soak.sh
