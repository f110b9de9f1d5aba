#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VM integration: an untrusted guest in a trust domain of its own.
# nfvisord runs its default domain and "guest" (untrusted, 32 MiB).  Every
# flow goes nf:1 (host process, default domain) -> port 0; a rule sends
# flow 4 through nf:2 (nfv-fwd in a QEMU guest attached to guest.sock) and
# nf:3 (host process, default) instead.  Proof:
#  - the guest region never holds a packet of a flow that was not forwarded
#    to it (scan of every buffer for the test traffic's tags), and QEMU maps
#    exactly that region, 32 MiB, and no other;
#  - copies = packets crossing the boundary (flow 4, in and back out), per
#    domain pair; none for the flows that stay in the default domain;
#  - QEMU holds no eventfd of any NF of the default domain: the guest
#    cannot ring their doorbells.
# Exit: 0 pass, 1 fail, 77 skip, 99 error.  NFV_VM_TIMEOUT (default 240) s.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../lib.sh"
need_root_hugepages 200
need_vm
SCAN=$B/tests/region_scan
[ -x "$SCAN" ] || hard "$SCAN not built"
command -v tcpdump >/dev/null || skip "tcpdump not installed (apt-get install tcpdump)"
TMO=${NFV_VM_TIMEOUT:-240}
N=4000
"$PCAPGEN" -o "$T/in.pcap" -n $N -s 128 -f 16 >/dev/null || hard "pcapgen failed"
n4=$(tcpdump -nr "$T/in.pcap" 'src host 198.18.0.5 and src port 1028' 2>/dev/null | wc -l)
[ "$n4" -gt 0 ] || hard "pcapgen flows changed: fix this test's 5-tuple"

start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	-- -r "$RUN" --chain nf:1,port:0 --wait-chain --summary "$T/summary.json" \
	--trust-domain guest,size=32M,slots=4,trust=untrusted
ctl flow add udp 198.18.0.5 1028 198.19.0.1 9 nf:2,nf:3,port:0 >/dev/null || fail "flow add failed"

start_vm VM fwd-vm --socket "$RUN/guest.sock" --accel tcg -- \
	nfv-fwd --socket /dev/nfv_ivshmem0 --service 2 --name fwd-vm
wait_vm_nf "$VM" fwd-vm 150
[ "$(nf_of_pid "$VM" | jq -r .domain)" = guest ] || fail "the VM is not in domain guest: $(nf_of_pid "$VM")"
start_nf F3 "$FWD" --service 3 --name fwd3
wait_for "nfs_running 2" 20 || fail "fwd3 did not register: $(ctl nf list)"
start_nf F1 "$FWD" --service 1 --name fwd1
wait_for "[ \$(ctl stats | jq '.totals.tx + .totals.dropped') -ge $N ]" "$TMO" ||
	fail "traffic did not finish: $(ctl stats | jq -c '{totals, drops}')"
ctl stats >"$T/stats.json"
note "totals $(jq -c .totals "$T/stats.json"); copies $(jq -c .copies_between "$T/stats.json")"
jq -e ".totals.rx == $N and .totals.tx == $N and .totals.dropped == 0" "$T/stats.json" >/dev/null ||
	fail "counters: $(jq -c '{totals, drops}' "$T/stats.json")"
[ "$(jq .totals.copies "$T/stats.json")" = $((2 * n4)) ] ||
	fail "copies $(jq .totals.copies "$T/stats.json"), want $((2 * n4)) (flow 4 in and out)"
[ "$(jq -c '[.copies_between[] | [.from, .to, .packets]] | sort' "$T/stats.json")" = \
  "[[\"default\",\"guest\",$n4],[\"guest\",\"default\",$n4]]" ] ||
	fail "copies per domain pair: $(jq -c .copies_between "$T/stats.json")"

# What the guest's memory has ever held.
gfd=
for f in /proc/"$DPID"/fd/*; do
	[ "$(readlink "$f")" = "/memfd:nfvisor-guest (deleted)" ] && gfd=$f
done
[ -n "$gfd" ] || fail "nfvisord holds no guest region"
"$SCAN" "$gfd" >"$T/scan.json" || fail "region_scan failed"
note "guest region: $(cat "$T/scan.json")"
jq -e '.bytes == 33554432 and (.flows | keys) == ["4"]' "$T/scan.json" >/dev/null ||
	fail "the guest region holds traffic it was not given, or is not its own size: $(cat "$T/scan.json")"
grep -q 'memfd:nfvisor-guest' /proc/"$VM"/maps || fail "QEMU does not map the guest region"
! grep -q 'memfd:nfvisor-default' /proc/"$VM"/maps || fail "QEMU maps the default domain's region"
sz=0
while read -r range _; do
	sz=$((sz + 0x${range#*-} - 0x${range%-*}))
done < <(grep 'memfd:nfvisor-guest' /proc/"$VM"/maps)
[ "$sz" = 33554432 ] || fail "QEMU maps $sz bytes of the guest region, want 33554432"

# Doorbells: QEMU shares no eventfd with the default domain's NFs.
ids() { grep -h '^eventfd-id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u; }
ids "$VM" >"$T/ev.vm"; ids "$F1" >"$T/ev.1"; ids "$F3" >"$T/ev.3"; ids "$DPID" >"$T/ev.d"
if [ -s "$T/ev.vm" ]; then
	shared=$(comm -12 "$T/ev.vm" <(sort -u "$T/ev.1" "$T/ev.3") | wc -l)
	with_daemon=$(comm -12 "$T/ev.vm" "$T/ev.d" | wc -l)
	note "QEMU's doorbell eventfds shared with nfvisord: $with_daemon; with default-domain NFs: $shared"
	[ "$shared" = 0 ] || fail "the guest holds $shared eventfds of default-domain NFs"
	[ "$with_daemon" -ge 2 ] || fail "QEMU holds only $with_daemon of nfvisord's eventfds"
else
	note "no eventfd-id in this kernel's fdinfo: doorbell check skipped"
fi

kill -INT "$DPID"
wait_exit "$DPID" 30 || fail "nfvisord did not stop on SIGINT"
rc=$?
[ "$rc" = 0 ] || { tail -20 "$T/d.log"; fail "nfvisord exited with $rc"; }
jq -e '.audit.ok and .audit.in_use == 0' "$T/summary.json" >/dev/null ||
	fail "audit: $(jq -c .audit "$T/summary.json")"
echo "PASS: untrusted guest in its own domain: saw only flow 4 ($n4 packets, $((2 * n4)) copies), maps only its 32 MiB, no doorbell of another domain"
