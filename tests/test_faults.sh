#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A short soak (tests/soak.sh) for make check: 25 s with a SIGKILL every
# ~150 ms and the adversary; `make soak` runs the long one.
export NFV_SOAK_SECONDS=${NFV_SOAK_SECONDS:-25}
export NFV_SOAK_KILL_MS=${NFV_SOAK_KILL_MS:-150}
export NFV_SOAK_SAMPLE=${NFV_SOAK_SAMPLE:-3}
exec "$(dirname "$0")/soak.sh"
