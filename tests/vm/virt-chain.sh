#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libvirt integration: an NF VM defined and started through libvirt
# (tools/nfv-virt, libvirt's C API) attaches to nfvisord and forwards
# packets; `virsh destroy` reclaims its slot and buffers.
#
#  1. nfv-virt define --dump-xml: the domain XML passes libvirt's own
#     schema (virt-xml-validate) and carries the ivshmem-doorbell <shmem>
#     on the domain's socket with MSI-X vectors, direct kernel boot and a
#     serial console to a file.
#  2. nfvisord --socket-group libvirt-qemu: the run dir is 0750 and the
#     attach socket 0660 of that group, nothing world-accessible.  Port 0
#     replays a pcap (N packets, IPv4/IPv6, 60..1514 bytes) through
#     nf:1,nf:2,port:0; port 1 replays one TCP flow forever, which a flow
#     rule sends through nf:1 only (then drop), so the guest always holds
#     buffers.  Service 1 is nfv-rewrite (MAC swap, TTL - 1) in a VM that
#     `nfv-virt define --start` boots under libvirt (QEMU as libvirt-qemu,
#     TCG here); service 2 is nfv-fwd, a host process.
#  3. Port 0 gets and sends all N packets; `nfv-virt list --json` shows the
#     VM running with its socket and accelerator.
#  4. `virsh suspend` freezes the guest at a moment it holds buffers, then
#     `virsh destroy` kills it: its slot leaves `nf list`, reclaims.count is
#     1, the nf_gone drops equal the buffers nfvisord logged as reclaimed,
#     and (the chain now lacks service 1, so --wait-chain stops receiving)
#     the pool returns to idle (nothing held or lent; in use only what
#     net_pcap's infinite_rx keeps of hold.pcap) with the audit balanced.
#  5. nfv-virt undefine removes the domain.  At SIGINT: out.pcap is the
#     input with MACs swapped and TTL decremented, byte for byte, copies =
#     0, rx = tx + dropped, no buffer lost.
#
# libvirtd and virtlogd: the running ones are used; otherwise the test
# starts its own (as root) and stops them, by PID, at the end.
# Exit: 0 pass, 1 fail, 77 skip (no root/hugepages, QEMU, guest kernel,
# module, busybox-static, libvirt), 99 error.  NFV_VIRT_PACKETS (default
# 2000) packets; NFV_VM_TIMEOUT (default 240) s for the guest.
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$(dirname "$0")/../lib.sh"
need_root_hugepages 160
need_vm

PATH=$PATH:/usr/sbin:/sbin	# libvirtd, virtlogd
NFVVIRT=$B/tools/nfv-virt
URI=qemu:///system
QEMU_GROUP=libvirt-qemu
[ -x "$NFVVIRT" ] || hard "$NFVVIRT not built"
for p in libvirtd virtlogd virsh virt-xml-validate; do
	command -v "$p" >/dev/null 2>&1 ||
		skip "$p not found (apt-get install --no-install-recommends libvirt-daemon-system libvirt-clients)"
done
getent group "$QEMU_GROUP" >/dev/null || skip "no group $QEMU_GROUP (apt-get install libvirt-daemon-system)"

N=${NFV_VIRT_PACKETS:-2000}
TMO=${NFV_VM_TIMEOUT:-240}
VMNAME=virt-chain-$$
LVNAME=nfv-$VMNAME
OWN_LIBVIRTD=
OWN_VIRTLOGD=

# Stop (by PID) a daemon this test started; wait for it to go.
stop_own() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1" 15 >/dev/null || { kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
}
virt_cleanup() {
	if virsh -c "$URI" domstate "$LVNAME" >/dev/null 2>&1; then
		virsh -c "$URI" destroy "$LVNAME" >/dev/null 2>&1
		virsh -c "$URI" undefine "$LVNAME" >/dev/null 2>&1
	fi
	stop_own "$OWN_LIBVIRTD"
	stop_own "$OWN_VIRTLOGD"
	# The libvirtd we started made its (empty) hugepage dirs: remove them.
	if [ -n "$OWN_LIBVIRTD" ] && [ "$HUGE_LIBVIRT_BEFORE" = 0 ]; then
		rmdir /dev/hugepages/libvirt/qemu /dev/hugepages/libvirt 2>/dev/null
	fi
	cleanup
}
HUGE_LIBVIRT_BEFORE=0
[ -e /dev/hugepages/libvirt ] && HUGE_LIBVIRT_BEFORE=1
trap virt_cleanup EXIT

# pid_of_file FILE COMM: the pid in FILE if that process runs COMM.
pid_of_file() {
	local pid
	pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] &&
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

# ---- libvirt: use the running daemons, or start our own -------------------
if ! pid_of_file /run/virtlogd.pid virtlogd >/dev/null; then
	virtlogd >"$T/virtlogd.log" 2>&1 &
	OWN_VIRTLOGD=$!
	wait_for "[ -S /run/libvirt/virtlogd-sock ] && pid_of_file /run/virtlogd.pid virtlogd >/dev/null" 10 ||
		{ cat "$T/virtlogd.log"; hard "virtlogd did not start"; }
	note "started virtlogd (pid $OWN_VIRTLOGD)"
fi
if ! virsh -c "$URI" version >/dev/null 2>&1; then
	libvirtd >"$T/libvirtd.log" 2>&1 &
	OWN_LIBVIRTD=$!
	if ! wait_for "virsh -c $URI version >/dev/null" 30; then
		tail -n 20 "$T/libvirtd.log"
		hard "libvirtd did not answer on $URI within 30 s"
	fi
	# Another test may have started one at the same time: use that one.
	kill -0 "$OWN_LIBVIRTD" 2>/dev/null || OWN_LIBVIRTD=
	note "started libvirtd${OWN_LIBVIRTD:+ (pid $OWN_LIBVIRTD)}"
fi
note "libvirt: $(virsh -c "$URI" version 2>/dev/null | grep -i 'running hypervisor' | sed 's/^ *//')"

# QEMU (libvirt-qemu) must reach the run dir under $T.
{ chgrp "$QEMU_GROUP" "$T" && chmod 0750 "$T"; } || hard "cannot give $T to $QEMU_GROUP"
CONSOLE=$T/$VMNAME.console
NF_CMD=(nfv-rewrite --socket /dev/nfv_ivshmem0 --service 1 --name rewrite-virt --mac-swap --ttl)
DEF=(--name "$VMNAME" --accel tcg --memory 256 --socket "$RUN/default.sock"
	--console "$CONSOLE" --build-dir "$B")

# ---- 1. --dump-xml, validated by libvirt's schema -------------------------
"$NFVVIRT" define "${DEF[@]}" --dump-xml -- "${NF_CMD[@]}" >"$T/dom.xml" 2>"$T/dump.err" ||
	{ cat "$T/dump.err"; fail "nfv-virt define --dump-xml failed"; }
virt-xml-validate "$T/dom.xml" domain >"$T/validate.log" 2>&1 ||
	{ cat "$T/validate.log" "$T/dom.xml"; fail "the domain XML does not pass libvirt's schema"; }
for want in "<domain type='qemu'>" "<name>$LVNAME</name>" "<model type='ivshmem-doorbell'/>" \
	"<server path='$RUN/default.sock'/>" "<msi vectors='2' ioeventfd='on'/>" \
	"<kernel>/" "<initrd>/" "<cmdline>console=ttyS0 panic=-1 nfv.cmd=" \
	"<serial type='file'>" "<source path='$CONSOLE'/>"; do
	grep -qF -- "$want" "$T/dom.xml" || { cat "$T/dom.xml"; fail "the domain XML lacks $want"; }
done
virsh -c "$URI" domstate "$LVNAME" >/dev/null 2>&1 && fail "--dump-xml defined the domain"

# ---- 2. nfvisord with the attach socket shared with QEMU's group ----------
"$PCAPGEN" -o "$T/in.pcap" -n "$N" -s 60-1514 -f 64 --ipv6-share 25 >/dev/null || hard "pcapgen failed"
"$PCAPGEN" -o "$T/hold.pcap" -n 256 -s 64 -f 1 --tcp >/dev/null || hard "pcapgen failed"
start_daemon "$T/d.log" --no-pci --vdev "net_pcap0,rx_pcap=$T/in.pcap,tx_pcap=$T/out.pcap" \
	--vdev "net_pcap1,rx_pcap=$T/hold.pcap,infinite_rx=1" \
	-- -r "$RUN" --socket-group "$QEMU_GROUP" --chain nf:1,nf:2,port:0 --wait-chain \
	--summary "$T/summary.json"
perm() { stat -c '%a %G' "$1"; }
[ "$(perm "$RUN")" = "750 $QEMU_GROUP" ] || fail "run dir is $(perm "$RUN"), want 750 $QEMU_GROUP"
[ "$(perm "$RUN/default.sock")" = "660 $QEMU_GROUP" ] ||
	fail "attach socket is $(perm "$RUN/default.sock"), want 660 $QEMU_GROUP"
[ "$(stat -c %G "$RUN/nfvisord.sock")" != "$QEMU_GROUP" ] || fail "the control socket was given to $QEMU_GROUP"
# pcapgen's flow 0 with --tcp: through the guest, then dropped.
ctl flow add tcp 198.18.0.1 1024 198.19.0.1 9 nf:1,drop >/dev/null || fail "flow add failed: $(ctl flow list)"

# ---- the VM, through libvirt ----------------------------------------------
t0=$(date +%s%N)
"$NFVVIRT" -c "$URI" define "${DEF[@]}" --start -- "${NF_CMD[@]}" >"$T/define.log" 2>&1 ||
	{ cat "$T/define.log"; tail -n 20 "/var/log/libvirt/qemu/$LVNAME.log" 2>/dev/null; fail "nfv-virt define --start failed"; }
t1=$(date +%s%N)
sed 's/^/# /' "$T/define.log"
VM=$(cat "/run/libvirt/qemu/$LVNAME.pid" 2>/dev/null) || fail "libvirt wrote no pid file for $LVNAME"
# relabel='no': libvirt must not have given the shared kernel and image to
# QEMU's user (QEMU reads them through their modes).
for f in "$(sed -n 's|.*<kernel>\(.*\)</kernel>.*|\1|p' "$T/dom.xml")" \
	 "$(sed -n 's|.*<initrd>\(.*\)</initrd>.*|\1|p' "$T/dom.xml")"; do
	[ "$(stat -c %U "$f")" = root ] || fail "libvirt relabelled $f: $(stat -c '%U:%G %a' "$f")"
done
[ "$(stat -c %U "/proc/$VM")" = libvirt-qemu ] || fail "QEMU runs as $(stat -c %U "/proc/$VM"), want libvirt-qemu"
nf=$(nf_of_pid "$VM")
[ "$(echo "$nf" | jq -r .kind 2>/dev/null)" = vm ] || fail "no slot of kind vm for QEMU $VM: $(ctl nf list)"
wait_vm_nf "$VM" "$VMNAME" "$TMO"
t2=$(date +%s%N)
note "define + start through libvirt: $(((t1 - t0) / 1000000)) ms (image cached or built, QEMU attached);" \
	"guest NF registered $(((t2 - t1) / 1000000)) ms later (TCG)"
grep -aq 'nfv_ivshmem0: .* doorbell, peer [0-9]*, 2 vectors' "$CONSOLE" ||
	fail "the guest module did not report a doorbell device with 2 MSI-X vectors"

start_nf F2 "$FWD" --service 2 --name fwd

# ---- 3. port 0's pcap goes through the guest --------------------------------
port0() { ctl port list | jq -r ".ports[0].$1"; }
t0=$(date +%s%N)
wait_for "[ \$(port0 tx_pkts) -ge $N ]" "$TMO" ||
	{ ctl stats | jq -c '{totals, ports}'; tail -n 20 "$CONSOLE"; fail "port 0 sent $(port0 tx_pkts) of $N packets within ${TMO}s"; }
[ "$(port0 rx_pkts)" = "$N" ] || fail "port 0 received $(port0 rx_pkts) of $N packets"
[ "$(port0 tx_pkts)" = "$N" ] || fail "port 0 sent $(port0 tx_pkts) of $N packets"
[ "$(ctl stats | jq .totals.copies)" = 0 ] || fail "copies = $(ctl stats | jq .totals.copies), want 0"
note "port 0: $N packets through the guest in $((($(date +%s%N) - t0) / 1000000)) ms" \
	"(with port 1's flow through it too: guest NF $(nf_of_pid "$VM" | jq -c '{rx_pkts, tx_pkts}'))"

list=$("$NFVVIRT" -c "$URI" list --json) || fail "nfv-virt list --json failed"
vmj=$(echo "$list" | jq -c --arg n "$VMNAME" '.vms[] | select(.name == $n)')
note "nfv-virt list: $vmj"
[ "$(echo "$vmj" | jq -r .state)" = running ] || fail "nfv-virt list: state $(echo "$vmj" | jq -r .state), want running"
[ "$(echo "$vmj" | jq -r .socket)" = "$RUN/default.sock" ] || fail "nfv-virt list: socket $(echo "$vmj" | jq -r .socket)"
[ "$(echo "$vmj" | jq -r .accel)" = tcg ] || fail "nfv-virt list: accel $(echo "$vmj" | jq -r .accel)"
"$NFVVIRT" -c "$URI" list | grep -q "^ *$VMNAME  *running" || fail "nfv-virt list (table) lacks $VMNAME running"

# ---- 4. virsh destroy while the guest holds buffers --------------------------
[ "$(ctl stats | jq .reclaims.count)" = 0 ] || fail "reclaims before the destroy"
held=0
for _ in $(seq 50); do
	if [ "$(nf_of_pid "$VM" | jq .lent)" -gt 0 ]; then
		virsh -c "$URI" suspend "$LVNAME" >/dev/null || fail "virsh suspend failed"
		held=$(nf_of_pid "$VM" | jq .lent)
		[ "$held" -gt 0 ] && break
		virsh -c "$URI" resume "$LVNAME" >/dev/null || fail "virsh resume failed"
	fi
	sleep 0.05
done
[ "$held" -gt 0 ] || fail "could not catch the guest NF holding a buffer"
note "guest suspended holding $held buffers; pool: $(ctl audit | jq -c '{in_use, held, lent, in_port_queues}')"
t0=$(date +%s%N)
virsh -c "$URI" destroy "$LVNAME" >"$T/destroy.log" 2>&1 || { cat "$T/destroy.log"; fail "virsh destroy failed"; }
t1=$(date +%s%N)
wait_for "[ -z \"\$(nf_of_pid $VM)\" ]" 5 || fail "slot of the destroyed VM not reclaimed within 5 s: $(ctl nf list)"
t2=$(date +%s%N)
# Idle: no buffer held or lent; in use only the copies of hold.pcap that
# net_pcap's infinite_rx keeps in the port.
idle() { ctl audit | jq -e '.held == 0 and .lent == 0 and .in_use == .in_port_queues' >/dev/null; }
wait_for idle 10 || fail "the pool did not return to idle: $(ctl audit)"
audit=$(ctl audit)
[ "$(echo "$audit" | jq .ok)" = true ] || fail "audit after the destroy: $audit"
st=$(ctl stats)
[ "$(echo "$st" | jq .reclaims.count)" = 1 ] || fail "reclaims: $(echo "$st" | jq -c .reclaims)"
wait_for "grep -q 'peer [0-9]* (rewrite-virt) left' $T/d.log" 5 || fail "nfvisord did not log the guest's departure"
reclaimed=$(sed -n 's/.*peer [0-9]* (rewrite-virt) left; \([0-9]*\) buffers reclaimed.*/\1/p' "$T/d.log")
gone=$(echo "$st" | jq .drops.nf_gone)
[ "$reclaimed" = "$gone" ] || fail "nfvisord logged ${reclaimed:-no} buffers reclaimed, nf_gone drops are $gone"
[ "$gone" -ge "$held" ] || fail "the guest held $held buffers, only $gone were taken back"
note "virsh destroy took $(((t1 - t0) / 1000000)) ms; the slot was gone from nf list $(((t2 - t1) / 1000000)) ms later;" \
	"$reclaimed buffers reclaimed in $(echo "$st" | jq .reclaims.max_us) us," \
	"pool back to idle: $(echo "$audit" | jq -c '{in_use, held, lent, in_port_queues}')"
[ "$("$NFVVIRT" -c "$URI" list --json | jq -r --arg n "$VMNAME" '.vms[] | select(.name == $n) | .state')" = shut-off ] ||
	fail "nfv-virt list does not show $VMNAME shut off"

# ---- 5. undefine, then the daemon's summary and the output pcap --------------
"$NFVVIRT" -c "$URI" undefine "$VMNAME" >/dev/null || fail "nfv-virt undefine failed"
virsh -c "$URI" domstate "$LVNAME" >/dev/null 2>&1 && fail "$LVNAME is still defined after undefine"

kill -INT "$DPID"
wait_exit "$DPID" 20
rc=$?
kill -0 "$DPID" 2>/dev/null && fail "nfvisord did not stop on SIGINT"
[ "$rc" = 0 ] || { cat "$T/d.log"; fail "nfvisord exited with $rc"; }
s=$T/summary.json
rx=$(jq .totals.rx "$s"); tx=$(jq .totals.tx "$s"); dropped=$(jq .totals.dropped "$s")
note "summary: rx=$rx tx=$tx dropped=$dropped copies=$(jq .totals.copies "$s") in_use=$(jq .audit.in_use "$s")"
[ "$rx" = $((tx + dropped)) ] || fail "rx $rx != tx $tx + dropped $dropped"
[ "$(jq .totals.copies "$s")" = 0 ] || fail "copies = $(jq .totals.copies "$s"), want 0"
[ "$(jq .audit.in_use "$s")" = 0 ] || fail "$(jq .audit.in_use "$s") buffers lost"
[ "$(jq .audit.ok "$s")" = true ] || fail "audit at exit: $(jq -c .audit "$s")"
"$PCAPCHECK" --in "$T/in.pcap" --out "$T/out.pcap" --expect mac-swap,ttl ||
	fail "out.pcap is not the input with MACs swapped and TTL decremented"
echo "PASS: NF VM under libvirt: $N packets rewritten in the guest, byte-exact, 0 copies;" \
	"virsh destroy reclaimed its slot and $reclaimed buffers"
