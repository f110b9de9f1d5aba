# SPDX-License-Identifier: BSD-3-Clause
# Kernel traffic through nfvisord: two network namespaces joined only by
# nfvisord's af_packet ports, through firewall -> NAT -> forwarder (ping,
# shut ports, iperf3; every counter against the veths').  Root, hugepages,
# iproute2, iperf3, ethtool and ping; skips otherwise.
TESTS += tests/test_netns.sh
EXTRA_DIST += tests/test_netns.sh
