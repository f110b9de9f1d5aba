#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The short soak (tests/test_faults.sh) with nfvisord --direct: the chain's
# two NFs are linked, every SIGKILL resets their group (its partner stops
# and is started again), the adversary keeps writing; nothing may be lost.
export NFV_SOAK_SECONDS=${NFV_SOAK_SECONDS:-25}
export NFV_SOAK_KILL_MS=${NFV_SOAK_KILL_MS:-150}
export NFV_SOAK_SAMPLE=${NFV_SOAK_SAMPLE:-3}
export NFV_SOAK_DIRECT=1
exec "$(dirname "$0")/soak.sh"
