#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# kmod-boot.sh - boot a guest under QEMU with an ivshmem-plain device and
# check nfv_ivshmem.ko end to end:
#   - the module binds the device (its dmesg line);
#   - kmod-probe in the guest (tests/vm/kmod-probe.c) sees the magic and a
#     per-run nonce the host wrote into the region, maps the whole BAR2,
#     and gets the documented errors for what a plain device cannot do;
#   - when BAR2 lies above 4 GiB (so no MTRR forces it uncached), the guest
#     kernel's PAT entry for it is write-back: the mapping is cacheable;
#   - the guest's write at the end of the region is in the host's file
#     after the guest powered off.
#
# Exit: 0 pass, 1 fail, 77 skip (no QEMU, kernel, headers, busybox-static or
# static libc), 99 hard error.
#
# Environment:
#   NFV_KMOD=PATH        use this nfv_ivshmem.ko instead of building one
#   NFV_KERNEL_RELEASE   guest kernel (default: newest with vmlinuz + headers)
#   NFV_VM_TIMEOUT=240   seconds the guest may run (TCG on a loaded host is slow)
#   NFV_VM_ACCEL=tcg     QEMU accelerator (KVM hangs guests on some hosts)
#   NFV_VM_KEEP=1        keep the temp directory (serial log, image)

set -u

me=kmod-boot
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
timeout_s=${NFV_VM_TIMEOUT:-240}
accel=${NFV_VM_ACCEL:-tcg}
# 1 GiB: large enough that SeaBIOS puts BAR2 above 4 GiB on q35, where the
# MTRRs do not make it uncached.  The file is sparse.
region_size=$((1 << 30))

skip() { echo "$me: SKIP: $*"; exit 77; }
fail() { echo "$me: FAIL: $*"; failed=1; }
hard() { echo "$me: ERROR: $*"; exit 99; }

qemu_pid=
tmp=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	if [ -n "$tmp" ]; then
		if [ "${NFV_VM_KEEP:-0}" = 1 ]; then
			echo "$me: kept $tmp"
		else
			rm -rf "$tmp"
		fi
	fi
}
trap cleanup EXIT
trap 'exit 99' INT TERM HUP

# What the host must have.
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
qemu-system-x86_64 -device help 2>/dev/null | grep -q '"ivshmem-plain"' ||
	skip "this QEMU has no ivshmem-plain device"
command -v busybox >/dev/null 2>&1 ||
	skip "busybox not found (apt-get install busybox-static)"
command -v gcc >/dev/null 2>&1 || skip "gcc not found"

kver=${NFV_KERNEL_RELEASE:-}
if [ -z "$kver" ]; then
	for d in $(printf '%s\n' /lib/modules/*-amd64 | sort -V -r); do
		v=${d##*/}
		[ -f "/boot/vmlinuz-$v" ] || continue
		if [ -n "${NFV_KMOD:-}" ] || [ -f "/usr/src/linux-headers-$v/Makefile" ]; then
			kver=$v
			break
		fi
	done
fi
[ -n "$kver" ] ||
	skip "no kernel with both /boot/vmlinuz and headers (apt-get install linux-image-amd64 linux-headers-amd64)"
kernel=/boot/vmlinuz-$kver
[ -e "$kernel" ] || skip "$kernel not found (apt-get install linux-image-$kver)"
[ -r "$kernel" ] || skip "$kernel is not readable by $(id -un)"
if [ -z "${NFV_KMOD:-}" ] && [ ! -f "/usr/src/linux-headers-$kver/Makefile" ]; then
	skip "no headers for $kver (apt-get install linux-headers-$kver)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nfv-kmod-boot.XXXXXX") || hard "mktemp failed"

echo 'int main(void) { return 0; }' >"$tmp/static.c"
gcc -static -o "$tmp/static" "$tmp/static.c" 2>/dev/null ||
	skip "gcc -static does not link (static libc missing: apt-get install libc6-dev)"

# The module: a given one, or built here from the source.
if [ -n "${NFV_KMOD:-}" ]; then
	[ -f "$NFV_KMOD" ] || hard "NFV_KMOD=$NFV_KMOD: no such file"
	module=$NFV_KMOD
else
	kdir=/usr/src/linux-headers-$kver
	command -v make >/dev/null 2>&1 || skip "make not found"
	mkdir -p "$tmp/kmod"
	cp -r "$srcdir/guest-kmod/nfv_ivshmem.c" "$srcdir/guest-kmod/Kbuild" \
		"$srcdir/guest-kmod/uapi" "$tmp/kmod/" || hard "cannot copy guest-kmod"
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$kdir" M="$tmp/kmod" modules >"$tmp/kmod.log" 2>&1; then
		cat "$tmp/kmod.log"
		echo "$me: FAIL: nfv_ivshmem.ko does not build against $kdir"
		exit 1
	fi
	if grep -q 'warning:' "$tmp/kmod.log"; then
		grep 'warning:' "$tmp/kmod.log"
		echo "$me: FAIL: nfv_ivshmem.ko builds with warnings"
		exit 1
	fi
	module=$tmp/kmod/nfv_ivshmem.ko
fi

gcc -static -O2 -Wall -Wextra -Werror \
	-I"$srcdir/guest-kmod" -I"$srcdir/guest-lib" \
	-o "$tmp/kmod-probe" "$srcdir/tests/vm/kmod-probe.c" ||
	{ echo "$me: FAIL: kmod-probe does not build"; exit 1; }

"$srcdir/tools/nfv-guest-image" --kernel-release "$kver" --module "$module" \
	--add "$tmp/kmod-probe" -o "$tmp/guest.cpio.gz" >"$tmp/image.log" 2>&1 ||
	{ cat "$tmp/image.log"; hard "nfv-guest-image failed"; }

# The region: NFV_REGION_MAGIC (little-endian) at 0, a nonce at 8.
region=$tmp/region
truncate -s "$region_size" "$region" || hard "cannot create $region"
nonce=$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
magic_hex=4e465649534f5200	# bytes of NFV_REGION_MAGIC 0x00524f534956464e ("NFVISOR\0")
printf '%b' "$(echo "$magic_hex$nonce" | sed 's/../\\x&/g')" |
	dd of="$region" conv=notrunc status=none || hard "cannot write $region"

log=$tmp/serial.log
start=$(date +%s%N)
qemu-system-x86_64 -M q35 -accel "$accel" -m 512 -smp 1 \
	-nographic -no-reboot \
	-kernel "$kernel" -initrd "$tmp/guest.cpio.gz" \
	-append "console=ttyS0 panic=-1 -- /bin/kmod-probe $region_size" \
	-object memory-backend-file,id=hm,mem-path="$region",size="$region_size",share=on \
	-device ivshmem-plain,memdev=hm \
	</dev/null >"$log" 2>&1 &
qemu_pid=$!

deadline=$((start / 1000000000 + timeout_s))
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
		qemu_pid=
		tail -n 40 "$log"
		echo "$me: FAIL: the guest did not power off within ${timeout_s}s"
		exit 1
	fi
	sleep 0.2
done
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=
end=$(date +%s%N)
wall_ms=$(((end - start) / 1000000))

failed=0
[ "$qemu_rc" -eq 0 ] || fail "QEMU exited with status $qemu_rc"
grep -aq 'nfv_ivshmem0: [0-9]* MiB shared memory, plain' "$log" ||
	fail "no 'nfv_ivshmem0: ... plain' bind message from the module"
grep -aq 'nfv-init: module loaded' "$log" || fail "the module did not load"
nonce_u64=	# the nonce as the guest prints it: a little-endian u64
for i in 0 1 2 3 4 5 6 7; do
	nonce_u64=${nonce:$((i * 2)):2}$nonce_u64
done
grep -aq "first8=00524f534956464e nonce=$nonce_u64" "$log" ||
	fail "the guest did not see this run's magic and nonce"
grep -aq '^kmod-probe: PASS' "$log" || fail "kmod-probe did not pass"
grep -aq '^nfv-init: exit status 0' "$log" || fail "kmod-probe did not exit 0"

bar2=$(sed -n 's/^bar2_phys=\(0x[0-9a-f]*\).*/\1/p' "$log" | tr -d '\r')
# The first "]" ends the range: a kernel line may follow on the same line.
memtype=$(sed -n 's/^memtype: PAT: \[mem [^]]*\] *\([a-z-]*\).*/\1/p' "$log" | tr -d '\r')
if [ -n "$bar2" ] && grep -aq '^memtype: none' "$log"; then
	fail "the guest's PAT holds no memory type for BAR2 at $bar2: its user mapping is uncached"
elif [ -z "$bar2" ] || [ -z "$memtype" ]; then
	echo "$me: note: the guest could not tell BAR2's memory type"
elif [ $((bar2)) -ge $((1 << 32)) ]; then
	[ "$memtype" = write-back ] ||
		fail "BAR2 at $bar2 is mapped $memtype, not write-back"
else
	echo "$me: note: BAR2 at $bar2 is below 4 GiB: MTRRs make it $memtype"
fi

tail_hex=$(tail -c 16 "$region" | od -An -tx1 | tr -d ' \n')
marker_hex=4e46564755455354	# "NFVGUEST"
[ "$tail_hex" = "$marker_hex$nonce" ] ||
	fail "the host does not see the guest's write at the end of the region (got $tail_hex)"

grep -a '^not ok' "$log"
t_init=$(sed -n 's/^\[ *\([0-9.]*\)\] Run \/init.*/\1/p' "$log" | head -n 1)
t_off=$(sed -n 's/^\[ *\([0-9.]*\)\] reboot: Power down.*/\1/p' "$log" | head -n 1)
echo "$me: BAR2 at ${bar2:-?} ($memtype), guest reached /init at ${t_init:-?}s," \
	"powered off at ${t_off:-?}s guest time; ${wall_ms} ms wall ($accel)"

if [ "$failed" -ne 0 ]; then
	echo "---- serial log (last 60 lines) ----"
	tail -n 60 "$log"
	exit 1
fi
echo "$me: PASS"
exit 0
