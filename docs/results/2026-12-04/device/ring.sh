#!/bin/bash
# nfv-bench --ring-size on a machine with a CPU for every process.
set -u
B=$PWD/.devbench
source "$B/setup.sh"
for rnd in 1 2; do for r in 256 2048; do
  el "ring $r round $rnd"
  timeout 80 python3 tools/nfv-bench --build-dir "$B/build" --systems nfvisor,floor-ring --nfs fwd --sizes 64 \
    --chains 1,2,3,4 --no-latency --runs 2 --worker-core 1 --nf-cores 2,3,4,5 --ring-size $r \
    --json "$OUT/ring$r-$rnd.json" 2>&1 | grep -E "^(nfvisor|floor)"
done; done
el done
