#!/bin/bash
# On the bare device machine: install the carried DPDK/nfvisor runtime, set up
# hugepages, then run nfv-bench with each process on its own physical core.
set -u
B=$PWD/.devbench
exec > >(tee "$OUT/device.log") 2>&1
t0=$(date +%s)
el() { echo "## +$(( $(date +%s) - t0 )) s: $*"; }
el start; uname -r; grep -m1 PRETTY /etc/os-release; ldd --version | head -1
lscpu | grep -E 'Model name|^CPU\(s\)|Thread|Core|Socket|NUMA node|MHz|L2|L3'
lscpu -p=CPU,CORE,NODE | grep -v '^#' | tr '\n' ' '; echo
# libraries: only those the system lacks
mkdir -p /opt/nfvlib
for f in "$B"/lib/*; do so=$(basename "$f")
  ldconfig -p | grep -qE "^[[:space:]]+$so " || cp "$f" /opt/nfvlib/
done
echo /opt/nfvlib > /etc/ld.so.conf.d/zz-nfvlib.conf; ldconfig
P=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0; mkdir -p $P
for f in "$B"/pmds/*; do so=$(basename "$f"); ln -sf /opt/nfvlib/$so $P/$(basename $so .23); done
miss=0
for f in "$B"/build/hypervisor/* "$B"/build/tools/* "$B"/build/tools/bench/* "$B"/build/examples/* "$B"/bin/* /opt/nfvlib/*; do
  [ -f "$f" ] || continue; ldd "$f" 2>&1 | grep 'not found' && { echo "MISSING for $f"; miss=1; }
done
command -v taskset >/dev/null || export PATH=$PATH:$B/bin
export PATH=$PATH:$B/bin
el "libs done (missing=$miss); $(ls /opt/nfvlib | wc -l) libs installed"
# hugepages
grep -q hugetlbfs /proc/mounts || { mkdir -p /dev/hugepages; mount -t hugetlbfs nodev /dev/hugepages; }
echo 2048 > /proc/sys/vm/nr_hugepages || echo 2048 > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
grep -E 'HugePages_(Total|Free)|Hugepagesize' /proc/meminfo; grep hugetlbfs /proc/mounts
free=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
[ "${free:-0}" -ge 512 ] || { el "no hugepages: stop"; exit 3; }
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
