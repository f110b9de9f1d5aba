# SPDX-License-Identifier: BSD-3-Clause
# End-to-end test of tools/nfv-pcapgen and tools/nfv-pcapcheck.

TESTS += tests/test_pcaptools.sh
EXTRA_DIST += tests/test_pcaptools.sh
