# Sourced by run.sh and ring.sh on the bare device machine (B: the carried
# bundle that mkbundle.sh made): log to $OUT, install the DPDK/nfvisor
# runtime libraries the machine lacks, link the drivers into DPDK's default
# plugin directory, set up 2048 hugepages of 2 MiB.
exec > >(tee "$OUT/device-$(basename $0 .sh).log") 2>&1
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
