#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nfvisord's own options: every bad option or value, whether it is found
# while the options are read or once the ports exist, stops nfvisord with
# exit status 2 and one line on standard error saying what is wrong (sizes
# that overflow, seconds that are not finite or round to 0, a domain
# defined twice, a --config that cannot be opened, a --summary file that
# cannot be created, ...).  Valid options still start and stop cleanly,
# --help and nfvisord(8) give the same ranges, and nothing is left behind.
# No NF is needed.
. "$(dirname "$0")/lib.sh"
need_root_hugepages 128

# bad WANT APP-ARGS...: nfvisord (one null port) must refuse APP-ARGS with
# exit status 2 and one line on stderr (EAL's own logging is kept to
# errors) that says WANT.
bad() {
	local want=$1 rc=0 out; shift
	rm -rf "$RUN"; mkdir -p "$RUN"
	timeout 20 "$NFVISORD" -l 1 --file-prefix "$PREFIX" --log-level='*:error' --no-pci \
		--vdev net_null0 -- -r "$RUN" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
	out=$(cat "$T/bad.err")
	[ "$rc" = 2 ] || { cat "$T/bad.err" "$T/bad.out"; fail "$*: exit status $rc, want 2"; }
	[ -n "$out" ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$*: not one line: $out"
	case $out in nfvisord:*"$want"*) ;; *) fail "$*: '$out' does not say '$want'" ;; esac
	note "$*: $out"
	[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "$*: EAL runtime directory left behind"
}

# 1. Sizes whose suffix overflows 64 bits.
bad "out of range" --region-size 17179869185G
bad "out of range" --region-size 99999999999999999999999
bad "size=: out of range" -D t1,size=17179869185G
bad "--region-size: expected a power of two" --region-size -1

# 2. Seconds that are not finite, or round to 0 ms (which would mean "off").
bad "--stats-interval: expected seconds from 0.001 to 3600" -i nan
bad "--stats-interval: expected seconds from 0.001 to 3600" -i inf
bad "--stats-interval: expected seconds from 0.001 to 3600" --stats-interval 0.0001
bad "--flow-timeout: expected seconds from 0.001 to 3600" --flow-timeout nan
bad "--flow-timeout: expected seconds from 0.001 to 3600" --flow-timeout 0.0004

# 3. A domain defined twice, whatever the order and the option.
bad "domain 'foo' defined twice (-D/-d/--config)" -D foo -d foo
bad "defined twice" -d foo -D foo
bad "defined twice" -D foo -D foo,slots=2
printf '{"domains": [{"name": "foo"}]}\n' >"$T/foo.json"
bad "domain 'foo' defined twice" --config "$T/foo.json" -d foo

# 4. A --config file that cannot be opened: no "line -1".
bad "--config $T/none.json: cannot open: No such file or directory" --config "$T/none.json"
grep -q 'line -1' "$T/bad.err" && fail "--config still says line -1"
bad "--config $T: cannot open: Is a directory" --config "$T"
printf '{"domains": [\n' >"$T/broken.json"
bad "--config $T/broken.json: line " --config "$T/broken.json"

# 5. Values checked after the options were read, or once the ports exist:
# exit status 2 like the rest (was 1).
bad "--slots: expected a number 1..64" --slots 0
bad "--chain nf:0: chain: service ids are 1..255" --chain nf:0
bad "--chain port:1: chain: no such port" --chain port:1
bad "--port-chain 3=nf:1: no port 3" --port-chain 3=nf:1
bad "--domain: domain names are 1..31 characters" -d ../x
bad "--buf-size: expected a power of two from 256 to 32768" --buf-size 3000
bad "--ring-size: expected auto or a power of two from 32 to 16384" --ring-size 1000
bad "--ring-size: expected auto or a power of two from 32 to 16384" --ring-size 16
bad "--ring-size: expected auto or a power of two from 32 to 16384" --ring-size automatic
# A region too small for the rings asked for says how large it must be.
bad "domain default: region too small for its slots, rings and at least two rings' worth of buffers: raise --region-size (64M at least, with 16 slots and --ring-size 8192)" \
	--ring-size 8192 --region-size 16M
bad "domain x: region too small for its slots, rings and at least two rings' worth of buffers: raise --region-size (16M at least, with 16 slots and --ring-size 2048, the least --ring-size auto takes)" \
	--region-size 64M -D x,size=8M
bad "--ring-size 16384 allows 3 trust domains, not 4" --ring-size 16384 -D a -D b -D c
bad "use --ring-size 4096 or fewer domains" --ring-size 8192 -D a -D b -D c -D d -D e -D f -D g
bad "region too small" --region-size 2M
bad "port 0: domain nope does not exist" --port-domain 0=nope
bad "bad option --no-such-option" --no-such-option
bad "option --slots needs a value" --slots
for v in x -1 1000001; do bad "--tx-hold-us: expected microseconds, 0..1000000" --tx-hold-us "$v"; done
for v in x -1 10001 1.5; do bad "--idle-sleep-us: expected microseconds, 0..10000" --idle-sleep-us "$v"; done

# 6. --summary is checked at start-up; the check leaves no file behind.
bad "--summary $T/nodir/s.json: cannot create: No such file or directory" --summary "$T/nodir/s.json"
bad "--summary $T: cannot create: Is a directory" --summary "$T"
bad "--port-chain 3=nf:1: no port 3" --summary "$T/probe.json" --port-chain 3=nf:1
[ ! -e "$T/probe.json" ] || fail "the --summary check left $T/probe.json behind"

# 7. --help and the manual give the same ranges; --wait-chain covers port chains.
help=$("$NFVISORD" -- --help) || fail "--help failed"
man=$(sed 's/\\-/-/g' "$top_srcdir/docs/nfvisord.8")
for want in "from 32 to 16384" "from 256 to 32768" "0.001..3600"; do
	printf '%s\n' "$help" | tr -s ' \n' ' ' | grep -qF -- "$want" || fail "--help does not say '$want'"
done
for want in "from 32 to 16384" "from 256 to 32768" "0.001 to 3600"; do
	printf '%s\n' "$man" | tr -s ' \n' ' ' | grep -qF -- "$want" || fail "nfvisord(8) does not say '$want'"
done
printf '%s\n' "$help" | tr -s ' \n' ' ' | grep -qF -- "default chain and of every --port-chain" ||
	fail "--help: --wait-chain does not cover port chains"

# Valid options still start, and stop cleanly with their summary.
rm -rf "$RUN"
start_daemon "$T/d.log" --no-pci --vdev net_null0 -- -r "$RUN" --summary "$T/s.json" \
	-i 0.5 --flow-timeout 0.001 --ring-size 1024 --buf-size 4096 -D t1,size=32M,slots=2
# The same size parser serves nfvctl domain create.
expect_err "size=: out of range" domain create t2 size=17179869185G
stop_daemon "$T/s.json" "$T/d.log"

# A --ring-size that leaves chain ids for 3 domains: two at the start, one
# more by nfvctl, and then no more (small buffers keep the regions small).
rm -rf "$RUN"
start_daemon "$T/d.log" --no-pci --vdev net_null0 -- -r "$RUN" --summary "$T/s.json" \
	--ring-size 16384 --buf-size 256 --slots 2 --region-size 32M -D t1,slots=2
ctl domain create t2 slots=2 >/dev/null || fail "a third domain was refused at --ring-size 16384"
expect_err "all 3 trust domains that --ring-size 16384 allows exist" domain create t3 slots=2
ctl domain destroy t2 >/dev/null || fail "cannot destroy t2"
ctl domain create t3 slots=2 >/dev/null || fail "a domain was refused after another was destroyed"
stop_daemon "$T/s.json" "$T/d.log"

echo "PASS: bad options exit 2 with one line; valid ones start and stop cleanly"
