#!/bin/bash
# Bundle nfvisor's built binaries + DPDK runtime closure for a bare Ubuntu device machine.
set -euo pipefail
R=/work/main; B=$R/.devbench; S=$R/build
rm -rf $B; mkdir -p $B/build/hypervisor $B/build/tools/bench $B/build/examples $B/lib $B/pmds $B/bin
cp $S/hypervisor/nfvisord $B/build/hypervisor/
cp $S/tools/nfvctl $S/tools/nfv-pcapgen $B/build/tools/
cp $S/tools/bench/nfv-bench-gen $S/tools/bench/nfv-bench-floor $S/tools/bench/nfv-bench-jitter $B/build/tools/bench/
cp $S/examples/.libs/nfv-fwd $S/examples/.libs/nfv-rewrite $B/build/examples/
cp /usr/bin/dpdk-testpmd /usr/bin/taskset $B/bin/
P=/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
for d in bus_vdev bus_pci mempool_ring mempool_stack net_null net_ring net_memif net_vhost net_virtio net_pcap; do
  cp -L $P/librte_$d.so.23 $B/pmds/
done
elfs="$B/build/hypervisor/nfvisord $B/build/tools/* $B/build/tools/bench/* $B/build/examples/* $B/bin/* $B/pmds/*"
export LD_LIBRARY_PATH=$S/guest-lib/.libs
for f in $elfs; do [ -f "$f" ] && ldd "$f" 2>/dev/null; done | awk '$2=="=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
while read so path; do
  case $so in libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|ld-linux*) continue;; esac
  cp -L "$path" $B/lib/$so
done
# check nothing missing
for f in $elfs; do [ -f "$f" ] && ldd "$f" | grep 'not found' && echo "MISSING in $f"; done || true
du -sh $B; ls $B/lib | wc -l
