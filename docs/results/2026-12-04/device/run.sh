#!/bin/bash
# On the bare device machine: install the carried DPDK/nfvisor runtime and
# hugepages (setup.sh), then run nfv-bench with each process on its own
# physical core.
set -u
B=$PWD/.devbench
source "$B/setup.sh"
# one CPU per physical core, none on core 0's
mapfile -t C < <(lscpu -p=CPU,CORE | grep -v '^#' | awk -F, '!seen[$2]++ && $2!=0 {print $1}')
[ ${#C[@]} -ge 6 ] || C=(2 3 4 5 6 7)
echo "cpus, one per core: ${C[*]}"
W=${C[0]}; NF="${C[1]},${C[2]},${C[3]},${C[4]}"; G=${C[5]}
timeout 20 "$B"/build/hypervisor/nfvisord --version 2>&1 | head -2
bench() { local tag=$1; shift; el "bench $tag: $*"
  timeout ${TMO:-300} python3 tools/nfv-bench --build-dir "$B/build" --json "$OUT/$tag.json" "$@" 2>&1
  el "bench $tag rc=${PIPESTATUS[0]}"; }
# A: every process on its own core; all systems, 64 B, chains 1-4, latency of chain 1
TMO=270 bench A --sizes 64 --runs 5 --worker-core $W --nf-cores $NF --gen-core $G
# B: NFs share one core (the 2-vCPU layout), worker on its own
TMO=80 bench B --systems nfvisor,floor-ring --nfs fwd --sizes 64 --runs 3 --no-latency --worker-core $W --nf-cores ${C[1]}
# C: 1024 UDP flows, chain 1
TMO=60 bench C --systems nfvisor,floor-ring --nfs fwd --sizes 64 --chains 1 --flows 1024 --runs 3 --no-latency --worker-core $W --nf-cores $NF
# D: the larger sizes, chain 1
TMO=100 bench D --systems nfvisor,floor-ring,testpmd-io,memif-zc --nfs fwd --sizes 256,1518 --chains 1 --runs 3 --no-latency --worker-core $W --nf-cores $NF
el done
