#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
#
# End-to-end test of tools/nfv-pcapgen and tools/nfv-pcapcheck: generated
# traffic parses with tcpdump and has correct checksums, is deterministic,
# and the checker accepts exactly the outputs a correct chain produces and
# rejects transformed-wrong, reordered-and-lossy, duplicated, corrupted,
# truncated and TTL-expired ones.
#
# Exit status (automake): 0 pass, 1 fail, 77 skip, 99 hard error.

top_builddir=${top_builddir:-.}
GEN=$top_builddir/tools/nfv-pcapgen
CHECK=$top_builddir/tools/nfv-pcapcheck

for prog in "$GEN" "$CHECK"; do
	if [ ! -x "$prog" ]; then
		echo "ERROR: $prog is not built"
		exit 99
	fi
done
if ! command -v tcpdump >/dev/null 2>&1; then
	echo "SKIP: tcpdump not installed (apt-get install tcpdump)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_pcaptools.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_rc WANT WHAT CMD...: run CMD, output in $tmp/log; check its status.
expect_rc() {
	want=$1
	what=$2
	shift 2
	"$@" >"$tmp/log" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		cat "$tmp/log"
		fail "$what: exit $rc, expected $want"
	fi
	echo "ok - $what"
}

# log_has PATTERN WHAT: the last command's output matches PATTERN.
log_has() {
	grep -q -e "$1" "$tmp/log" || { cat "$tmp/log"; fail "$2"; }
}

# concat OUT A B: one capture with the packets of A then those of B.
concat() {
	{ cat "$2"; tail -c +25 "$3"; } >"$1"
}

# flip_last_byte FILE: change the last byte of FILE.
flip_last_byte() {
	size=$(wc -c <"$1")
	old=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
	printf "\\$(printf %03o $(((old + 1) % 256)))" |
		dd of="$1" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
}

# tcpdump_csums FILE N WHAT: tcpdump reads N packets with correct checksums.
tcpdump_csums() {
	tcpdump -nn -vv -r "$1" >"$tmp/dump" 2>&1 ||
		{ cat "$tmp/dump"; fail "$3: tcpdump cannot read it"; }
	if grep -q -i -e 'bad' -e 'incorrect' "$tmp/dump"; then
		grep -i -e 'bad' -e 'incorrect' "$tmp/dump" | head -n 3
		fail "$3: tcpdump reports bad checksums"
	fi
	good=$(grep -c -e 'udp sum ok' -e 'cksum 0x[0-9a-f]* (correct)' \
		"$tmp/dump")
	[ "$good" -eq "$2" ] ||
		fail "$3: tcpdump confirms $good checksums, expected $2"
	echo "ok - $3: tcpdump confirms $2 L4 checksums, no bad IPv4 header"
}

in="$tmp/in.pcap"
out="$tmp/out.pcap"
N=400

# --- generator ---------------------------------------------------------
expect_rc 0 "generate UDP, mixed sizes, half IPv6" \
	"$GEN" -o "$in" -n $N -s 60-1514 -f 32 --ipv6-share 50 --seed 7
log_has "wrote $N packets" "summary names the packet count"
log_has " 192 IPv4 + 208 IPv6" "16 of 32 flows are IPv6"
tcpdump_csums "$in" $N "UDP capture"

expect_rc 0 "generate TCP, minimum size" \
	"$GEN" -o "$tmp/tcp.pcap" -n 64 -s 60 -f 4 --ipv6-share 50 --tcp --json
log_has '"frame_min":70,"frame_max":90' "TCP frames grow to fit the tag"
tcpdump_csums "$tmp/tcp.pcap" 64 "TCP capture"

expect_rc 0 "regenerate with the same seed" \
	"$GEN" -o "$tmp/again.pcap" -n $N -s 60-1514 -f 32 --ipv6-share 50 \
	--seed 7
cmp -s "$in" "$tmp/again.pcap" || fail "same seed, different file"
expect_rc 0 "generate a shorter run" \
	"$GEN" -o "$tmp/short.pcap" -n 100 -s 60-1514 -f 32 --ipv6-share 50 \
	--seed 7
cmp -s -n "$(wc -c <"$tmp/short.pcap")" "$in" "$tmp/short.pcap" ||
	fail "a shorter run is not a prefix of a longer one"
expect_rc 0 "generate with another seed" \
	"$GEN" -o "$tmp/other.pcap" -n $N -s 60-1514 -f 32 --ipv6-share 50 \
	--seed 8
! cmp -s "$in" "$tmp/other.pcap" || fail "another seed, same file"

expect_rc 2 "generator rejects a 59-byte frame" "$GEN" -o "$out" -s 59
expect_rc 0 "generate jumbo frames, up to 9014 bytes" \
	"$GEN" -o "$tmp/jumbo.pcap" -n 200 -s 8000-9014 -f 8 --ipv6-share 50 --json
log_has '"frame_max":9014' "the largest jumbo frame written"
tcpdump_csums "$tmp/jumbo.pcap" 200 "jumbo capture"
expect_rc 0 "checker takes jumbo frames" "$CHECK" --in "$tmp/jumbo.pcap" --out "$tmp/jumbo.pcap"
expect_rc 2 "generator rejects a 9015-byte frame" "$GEN" -o "$out" -s 60-9015
expect_rc 2 "generator rejects MIN > MAX" "$GEN" -o "$out" -s 100-90
expect_rc 2 "generator needs -o" "$GEN" -n 1

# --- checker: good outputs ---------------------------------------------
expect_rc 0 "input checks against itself" \
	"$CHECK" --in "$in" --out "$in" --expect none
log_has "matched     $N" "all packets matched"

expect_rc 0 "apply mac-swap,ttl" \
	"$CHECK" --apply mac-swap,ttl --in "$in" --write "$out"
tcpdump_csums "$out" $N "transformed capture"
tcpdump -nn -e -v -r "$out" -c 2 2>/dev/null >"$tmp/log"
log_has '02:00:00:00:00:02 > 02:00:00:00:00:01' "MACs were not swapped"
log_has 'hlim 63' "hop limit was not decremented"

expect_rc 0 "transformed output passes with mac-swap,ttl" \
	"$CHECK" --in "$in" --out "$out" --expect mac-swap,ttl --json
log_has '"pass":true' "JSON report says pass"

# The IPv6 packets first, then the IPv4 ones.
tcpdump -r "$out" -w "$tmp/v6.pcap" ip6 2>/dev/null
tcpdump -r "$out" -w "$tmp/v4.pcap" ip 2>/dev/null
concat "$tmp/reordered.pcap" "$tmp/v6.pcap" "$tmp/v4.pcap"
expect_rc 0 "reordered output passes" \
	"$CHECK" --in "$in" --out "$tmp/reordered.pcap" --expect ttl,mac-swap

# --- checker: bad outputs ----------------------------------------------
expect_rc 1 "transformed output fails with --expect none" \
	"$CHECK" --in "$in" --out "$out" --expect none
log_has "mismatched  $N" "every packet mismatched"
expect_rc 1 "transformed output fails with mac-swap only" \
	"$CHECK" --in "$in" --out "$out" --expect mac-swap
expect_rc 1 "transformed output fails with ttl only" \
	"$CHECK" --in "$in" --out "$out" --expect ttl
log_has "seq 0: first difference at byte 5 " "mismatch names seq and offset"

# Drop seq 3 (flow 3, IPv6) and seq 20 (flow 20, IPv4).
tcpdump -r "$out" -w "$tmp/lossy.pcap" \
	'not ((ip6 and ip6[56:4] = 3) or (ip and udp[16:4] = 20))' 2>/dev/null
expect_rc 1 "two dropped packets are reported missing" \
	"$CHECK" --in "$in" --out "$tmp/lossy.pcap" --expect mac-swap,ttl
log_has "missing     2 (allowed 0): seq 3, 20" "missing seqs are listed"
expect_rc 1 "--allow-missing 1 is not enough for two" \
	"$CHECK" --in "$in" --out "$tmp/lossy.pcap" --expect mac-swap,ttl \
	--allow-missing 1
expect_rc 0 "--allow-missing 2 tolerates them" \
	"$CHECK" --in "$in" --out "$tmp/lossy.pcap" --expect mac-swap,ttl \
	--allow-missing 2

tcpdump -r "$out" -w "$tmp/first.pcap" -c 1 2>/dev/null
concat "$tmp/dup.pcap" "$out" "$tmp/first.pcap"
expect_rc 1 "a repeated packet is a duplicate" \
	"$CHECK" --in "$in" --out "$tmp/dup.pcap" --expect mac-swap,ttl
log_has "duplicates  1" "one duplicate counted"

"$GEN" -o "$tmp/more.pcap" -n $((N + 1)) -s 60-1514 -f 32 \
	--ipv6-share 50 --seed 7 >/dev/null || exit 99
expect_rc 1 "a seq that was never sent is unexpected" \
	"$CHECK" --in "$in" --out "$tmp/more.pcap"
log_has "unexpected  1" "one unexpected packet counted"

cp "$out" "$tmp/corrupt.pcap"
flip_last_byte "$tmp/corrupt.pcap"
expect_rc 1 "a corrupted payload byte is a mismatch" \
	"$CHECK" --in "$in" --out "$tmp/corrupt.pcap" --expect mac-swap,ttl
log_has "seq $((N - 1)): first difference at byte" "corrupted seq named"
tcpdump -nn -vv -r "$tmp/corrupt.pcap" 2>/dev/null >"$tmp/log"
log_has 'bad udp cksum' "tcpdump misses a bad checksum (check is vacuous)"

head -c $(($(wc -c <"$out") - 7)) "$out" >"$tmp/truncated.pcap"
expect_rc 2 "a truncated output file is an error" \
	"$CHECK" --in "$in" --out "$tmp/truncated.pcap" --expect mac-swap,ttl
log_has "truncated.pcap" "error names the file"
printf 'not a pcap at all, not even close\n' >"$tmp/garbage.pcap"
expect_rc 2 "a file that is not a pcap is an error" \
	"$CHECK" --in "$in" --out "$tmp/garbage.pcap"
log_has "garbage.pcap" "error names the file"

# --- TTL expiry ----------------------------------------------------------
"$GEN" -o "$tmp/ttl.pcap" -n 20 --ipv6-share 50 >/dev/null || exit 99
i=0
while [ $i -lt 63 ]; do
	"$CHECK" --apply ttl --in "$tmp/ttl.pcap" --write "$tmp/ttl2.pcap" \
		>/dev/null || exit 99
	mv "$tmp/ttl2.pcap" "$tmp/ttl.pcap"
	i=$((i + 1))
done
tcpdump_csums "$tmp/ttl.pcap" 20 "after 63 TTL decrements"
expect_rc 0 "TTL 1 packets are dropped by --apply ttl" \
	"$CHECK" --apply ttl --in "$tmp/ttl.pcap" --write "$tmp/expired.pcap"
log_has "wrote 0 of 20 packets" "nothing written"
expect_rc 0 "an empty output passes when every TTL expires" \
	"$CHECK" --in "$tmp/ttl.pcap" --out "$tmp/expired.pcap" --expect ttl
log_has "20 dropped by the transforms, 0 expected" "drops counted"
expect_rc 1 "forwarding an expired packet fails" \
	"$CHECK" --in "$tmp/ttl.pcap" --out "$tmp/ttl.pcap" --expect ttl
log_has "should have been dropped" "reason given"

# --- usage -----------------------------------------------------------------
expect_rc 2 "checker needs --out" "$CHECK" --in "$in"
expect_rc 2 "checker rejects an unknown transform" \
	"$CHECK" --in "$in" --out "$out" --expect mac-swap,foo
expect_rc 2 "checker names a missing file" \
	"$CHECK" --in "$in" --out "$tmp/nonexistent.pcap"
log_has "nonexistent.pcap" "error names the file"

echo "PASS: all checks"
exit 0
