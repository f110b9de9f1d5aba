#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""gen-seeds.py - write the seed corpora of tests/fuzz (small valid and
near-valid inputs, one file each) into tests/fuzz/corpus/<harness>/.

The seeds are committed; run this again only when a harness's input format
(see the comment at the top of each fuzz_*.c) changes:

    python3 tests/fuzz/gen-seeds.py [DIR]     (default: next to this script)
"""
import os
import shutil
import struct
import sys


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)
def u64(v): return struct.pack('<Q', v & 0xffffffffffffffff)
def be16(v): return struct.pack('>H', v)
def i8(v): return struct.pack('<b', v)


# ---- desc: nbufs, nslots, stride, one state byte per buffer, operations.
def desc_valid(slot, buf, off, length, near=True):
    op2 = slot | (0x80 if near else 0)
    return u8(0x00) + u8(op2) + u32(buf) + u16(off) + u16(length) + bytes(8)


def host(op, buf, slot):
    return u8(op) + u16(buf) + u8(slot)


def desc_seeds():
    # 8 buffers, 2 slots, 2048-byte stride; 2,4 lent to slot 0, 3,5 to slot 1.
    head = u16(7) + u8(1) + u16(2048) + bytes([0, 1, 2, 3, 2, 3, 1, 0])
    yield 'lent-and-returned', head + desc_valid(0, 2, 128, 64) + desc_valid(1, 3, 128, 60)
    yield 'duplicate-and-other-slot', head + desc_valid(0, 2, 128, 64) + \
        desc_valid(0, 2, 128, 64) + desc_valid(0, 3, 0, 64) + desc_valid(1, 0, 0, 64)
    yield 'lengths', head + desc_valid(0, 2, 2048 - 64, 64) + desc_valid(0, 4, 2048 - 63, 64) + \
        desc_valid(1, 3, 0, 13) + desc_valid(1, 5, 0xffff, 0xffff)
    yield 'out-of-range', head + desc_valid(0, 8, 0, 64) + desc_valid(1, 0xffffffff, 0, 64, False)
    yield 'host-ops', head + host(0xc0, 1, 1) + desc_valid(1, 1, 0, 64) + host(0xc1, 0, 0) + \
        host(0xc1, 1, 0) + host(0xc2, 0, 0) + desc_valid(0, 2, 0, 64)
    # 512 buffers over 8 slots, then reclaims and returns.
    big = u16(511) + u8(7) + u16(10240) + bytes((i * 7) % 10 for i in range(512))
    yield 'full-table', big + host(0xc2, 0, 3) + desc_valid(2, 2, 0, 1500) + host(0xc2, 0, 2)


# ---- ring: size, entry size, shared cons and prod, operations.
def ring_seeds():
    def enq(n, esize, fill=0x11):
        return u8(7) + u8(n) + bytes([fill]) * (n * esize)
    deq8 = u8(0x82)            # op % 9 == 4 with the u8 burst size
    count, discard, free = u8(3), u8(5), u8(6)
    head = u8(3) + u8(15)      # 8 entries of 16 bytes
    yield 'enqueue-dequeue', head + u32(0) + u32(0) + enq(5, 16) + count + deq8 + u8(3) + \
        free + deq8 + u8(8) + count
    yield 'wrap-2-32', head + u32(0xfffffffc) + u32(0xfffffffc) + enq(6, 16, 0x22) + \
        deq8 + u8(6) + enq(8, 16, 0x33) + deq8 + u8(32)
    # hostile producer: prod near+9 (more than the ring holds), then sane again
    yield 'hostile-prod', head + u32(0) + u32(0) + u8(0) + u8(0) + i8(9) + count + deq8 + \
        u8(4) + discard + u8(0) + u8(0) + i8(8) + discard + count
    yield 'hostile-cons', head + u32(0) + u32(0) + u8(1) + u8(0) + i8(-9) + free + enq(3, 16) + \
        u8(1) + u8(1) + u32(0x80000000) + enq(1, 16) + u8(8) + u8(2) + i8(0)
    yield 'ctl-sized', u8(0) + u8(63) + u32(7) + u32(8) + count + deq8 + u8(1) + enq(1, 64) + \
        u8(2) + u32(5) + bytes(64) + deq8 + u8(2)
    yield 'large', u8(14) + u8(15) + u32(0) + u32(0) + u8(4) + u32(40000) + enq(39, 16) + \
        u8(0) + u8(2) + i8(0) + count + u8(4) + u32(32769)


# ---- ctlmsg: one 64-byte nfv_ctl_msg, port count, name buffer size.
REGISTER, UNREGISTER, FLOW_ADD, FLOW_DEL = 1, 2, 4, 5
HOP_NF, HOP_PORT, HOP_DROP = 1, 2, 3


def hop(t, i): return (t << 14) | i


def flow_msg(typ, ipv, proto, sport, dport, src, dst, hops, nports=2, namelen=0):
    body = u8(ipv) + u8(proto) + be16(sport) + be16(dport) + src.ljust(16, b'\0') + \
        dst.ljust(16, b'\0') + b''.join(u16(h) for h in hops).ljust(16, b'\0')
    msg = u16(typ) + u16(0) + u32(1) + body.ljust(56, b'\0')
    assert len(msg) == 64
    return msg + u8(nports) + u8(namelen)


def reg_msg(service, name, namelen=0):
    body = u16(service) + u16(0) + u32(1234) + name[:32].ljust(32, b'\0')
    return u16(REGISTER) + u16(0) + u32(7) + body.ljust(56, b'\0') + u8(2) + u8(namelen)


def ctlmsg_seeds():
    a4, b4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    a6 = bytes.fromhex('fe800000000000000000000000000001')
    b6 = bytes.fromhex('20010db8000000000000000000000002')
    yield 'flow-add-v4', flow_msg(FLOW_ADD, 4, 6, 1234, 80, a4, b4,
                                  [hop(HOP_NF, 1), hop(HOP_NF, 2), hop(HOP_PORT, 1)])
    yield 'flow-add-v6-drop', flow_msg(FLOW_ADD, 6, 17, 53, 5353, a6, b6,
                                       [hop(HOP_NF, 255), hop(HOP_DROP, 0)])
    yield 'flow-add-8-hops', flow_msg(FLOW_ADD, 4, 132, 1, 2, a4, b4,
                                      [hop(HOP_NF, i + 1) for i in range(8)])
    yield 'flow-add-bad-hop', flow_msg(FLOW_ADD, 4, 6, 1, 2, a4, b4,
                                       [hop(HOP_NF, 256), hop(HOP_PORT, 2), hop(0, 1)])
    yield 'flow-del', flow_msg(FLOW_DEL, 4, 17, 5, 6, a4 + b'\xff' * 12, b4,
                               [hop(HOP_NF, 1)])
    yield 'flow-bad-family', flow_msg(FLOW_ADD, 5, 6, 1, 2, a4, b4, [hop(HOP_NF, 1)])
    yield 'register', reg_msg(1, b'nf-forward')
    yield 'register-long-name', reg_msg(255, b'A' * 32, 16)
    yield 'register-control-chars', reg_msg(3, b'\x1b[2Jevil\n\x7f\xff\xc2\x85')


# ---- attach: server messages (kind + value [+ raw/split]), see fuzz_attach.c.
NONE, EVENT, MEMFD, PIPE, RDONLY, TWO, MANY, SOCKET = range(8)


def msg(kind, val, memfd_size=None, wide=False):
    out = u8(kind | (0x40 if wide else 0))
    if kind == MEMFD:
        out += u8(memfd_size)
    return out + (u64(val) if wide else i8(val))


def greeting(peer=1, version=0, memfd=4):
    return msg(NONE, version) + msg(NONE, peer) + msg(MEMFD, -1, memfd) + \
        msg(EVENT, 0) + msg(EVENT, 0) + msg(EVENT, peer) + msg(EVENT, peer)


def attach_seeds():
    yield 'greeting', greeting()
    yield 'greeting-then-peers', greeting(3) + msg(EVENT, 4) + msg(EVENT, 4) + msg(NONE, 4) + \
        msg(NONE, 0)
    yield 'greeting-wide-peer', msg(NONE, 0) + msg(NONE, 65535, wide=True) + \
        msg(MEMFD, -1, 1) + msg(EVENT, 0) + msg(EVENT, 0) + \
        msg(EVENT, 65535, wide=True) + msg(EVENT, 65535, wide=True)
    yield 'bad-version', greeting(version=1)
    yield 'empty-region', greeting(memfd=0)
    yield 'wrong-fds', msg(NONE, 0) + msg(NONE, 1) + msg(PIPE, -1) + msg(RDONLY, 0) + \
        msg(TWO, 0) + msg(MANY, 1) + msg(SOCKET, 1)
    # the version split over two writes, then a raw 3-byte tail
    yield 'split-and-raw', u8(NONE | 0x20) + i8(0) + u8(3) + msg(NONE, 1) + \
        msg(MEMFD, -1, 2) + u8(EVENT | 0x80) + i8(0) + u8(3) + b'\0\0\0'


# ---- region: mode, peer, slot state, host layout parameters, patches.
def region_seeds():
    def params(page, nslots, ring, ctl, stride, headroom):
        return u8(page) + u8(nslots - 1) + u8(ring) + u8(ctl) + u16(stride) + u16(headroom)
    # then the data path: descriptors for the RX ring, RX index step, burst
    # size, TX consumer lag (see data_path() in fuzz_region.c)
    def rx(descs, step, n, lag):
        return u8(len(descs)) + u8(n - 1) + b''.join(
            u32(b) + u16(off) + u16(length) + bytes(8) for b, off, length in descs) + \
            i8(step) + u8(lag)
    good = [(0, 128, 64), (5, 128, 1500), (3, 0, 2048)]
    bad = [(100000, 0, 64), (1, 2000, 100), (2, 0xffff, 0xffff)]
    yield 'host-256k', u8(0x30 | 6) + u8(1) + u8(1) + params(0, 4, 5, 3, 2048, 128) + u8(0) + \
        rx(good, 3, 32, 0) + rx(bad, 3, 2, 0) + rx([], 1, 1, 32)
    yield 'host-1m-peer-2', u8(0x30 | 8) + u8(2) + u8(0) + params(1, 8, 7, 4, 2176, 128) + \
        u8(0) + rx(good + bad, 6, 64, 3) + rx([], 127, 1, 0)
    yield 'host-64k-1-slot', u8(0x30 | 4) + u8(1) + u8(1) + params(0, 1, 2, 1, 256, 64) + \
        u8(0) + rx([(0, 0, 256), (1, 64, 193)], 2, 4, 0) + rx([], 5, 4, 1)
    yield 'host-no-slot-offsets', u8(0x10 | 6) + u8(1) + u8(1) + params(0, 4, 5, 3, 2048, 128)
    # a valid layout, then patches: header fields written (0) or stepped
    # (0x80), a slot's ring offset stepped (0x81), any 8 bytes (2)
    def write_hdr(off, v): return u8(0) + u8(off) + u64(v)
    def step_hdr(off, d): return u8(0x80) + u8(off) + i8(d)
    base = u8(0x30 | 6) + u8(1) + u8(1) + params(0, 4, 5, 3, 2048, 128) + u8(1)
    yield 'patched-magic', base + write_hdr(0, 0x1122334455667788)
    yield 'patched-size', base + write_hdr(16, 1 << 40)
    yield 'patched-slot-off', base + step_hdr(64, 8)
    yield 'patched-ring-stride', base + step_hdr(88, -8)
    yield 'patched-ring-off', base + step_hdr(80, 8)
    yield 'patched-buf-off', base + step_hdr(112, -64)
    yield 'patched-nbufs', base + step_hdr(120, 1)
    yield 'patched-slot-ring', base + u8(0x81) + u16(16) + i8(64)
    yield 'patched-anywhere', base + u8(2) + u32(70000) + u64(0xffffffffffffffff)
    yield 'raw-header', u8(6) + u8(1) + u8(1) + b'\0' * 8 + u32(1) + bytes(range(124))


# ---- ctl_json: send() size, descriptors passed (count | every Nth << 3),
# then request lines.
def ctl_json_seeds():
    def lines(chunk, *reqs, end='\n', fds=0):
        return u8(chunk) + u8(fds) + ('\n'.join(reqs) + end).encode()
    yield 'builtins', lines(0xff, '{"command":"list-commands"}', '{"command":"version"}')
    yield 'passed-fds', lines(7, '{"command":"version"}', '{"command":"echo","args":["fd"]}',
                              fds=(1 << 3) | 3)
    yield 'echo', lines(6, '{"command":"echo","args":["a","b c","\\u00e9"]}',
                        '{"command":"echo  "}', '{"args":["x"],"command":" echo"}')
    yield 'flow-key', lines(0x40, '{"command":"flow key","args":["tcp","10.0.0.1","1234",'
                                  '"10.0.0.2","80"]}',
                            '{"command":"flow key","args":["udp","fe80::1","53","::1","5353"]}',
                            '{"command":"flow key","args":["icmp","1.2.3.4","0","5.6.7.8","0"]}')
    yield 'chain', lines(3, '{"command":"chain","args":["nf:1,nf:2,port:1"]}',
                         '{"command":"chain","args":["drop"]}',
                         '{"command":"chain","args":["nf:0,port:9"]}')
    yield 'prefix-lookup', lines(0x20, '{"command":"nf list","args":["1"]}',
                                 '{"command":"nf","args":["x","y"]}',
                                 '{"command":"nf list x"}', '{"command":"nf"}')
    yield 'errors', lines(0x10, 'not json', '{"command":5}', '{"args":[]}',
                          '{"command":"echo","args":[1]}', '{"command":"echo","x":1}',
                          '{"command":"echo","command":"x"}', '[]', '{"command":""}',
                          '{"command":"fail"}', '{"command":"nope"}', '', '  \t\r', '\0')
    yield 'register', lines(0x80, '{"command":"register","args":["new cmd"]}',
                            '{"command":"new cmd"}', '{"command":"register","args":["  "]}',
                            '{"command":"register","args":["echo"]}')
    yield 'no-final-newline', lines(1, '{"command":"version"}', '{"command":"echo","args":["z"]}',
                                    end='')


# ---- classify: one Ethernet frame.
def eth(typ, vlan=None):
    h = bytes.fromhex('020000000002') + bytes.fromhex('020000000001')
    if vlan is not None:
        h += be16(0x8100) + be16(vlan)
    return h + be16(typ)


def ipv4(proto, payload, ihl=5, frag=0, src=(10, 0, 0, 1), dst=(10, 0, 0, 2)):
    h = bytes([0x40 | ihl, 0]) + be16(ihl * 4 + len(payload)) + be16(1) + be16(frag) + \
        bytes([64, proto]) + be16(0) + bytes(src) + bytes(dst)
    return h + bytes(max(0, ihl * 4 - 20)) + payload


def ipv6(nh, payload):
    return bytes.fromhex('60000000') + be16(len(payload)) + bytes([nh, 64]) + \
        bytes.fromhex('fe800000000000000000000000000001') + \
        bytes.fromhex('20010db8000000000000000000000002') + payload


def classify_seeds():
    ports = be16(1234) + be16(80)
    tcp = ports + bytes(16)
    yield 'ipv4-tcp', eth(0x0800) + ipv4(6, tcp)
    yield 'ipv4-udp-vlan', eth(0x0800, vlan=100) + ipv4(17, ports + be16(8) + be16(0))
    yield 'ipv4-options-sctp', eth(0x0800) + ipv4(132, ports + bytes(8), ihl=7)
    yield 'ipv4-ihl-15', eth(0x0800) + ipv4(6, tcp, ihl=15)
    yield 'ipv4-bad-ihl', eth(0x0800) + ipv4(6, tcp, ihl=4)
    yield 'ipv4-fragment', eth(0x0800) + ipv4(17, ports, frag=0x0010)
    yield 'ipv4-icmp', eth(0x0800) + ipv4(1, bytes([8, 0, 0, 0]) + bytes(4))
    yield 'ipv6-udp', eth(0x86dd) + ipv6(17, ports + be16(8) + be16(0))
    yield 'ipv6-vlan-tcp-short', eth(0x86dd, vlan=5) + ipv6(6, ports[:3])
    yield 'arp', eth(0x0806) + bytes(28)
    yield 'runt', eth(0x0800)[:13]
    yield 'vlan-runt', eth(0x0800, vlan=1) + bytes(10)


SEEDS = {
    'desc': desc_seeds, 'ring': ring_seeds, 'ctlmsg': ctlmsg_seeds, 'attach': attach_seeds,
    'region': region_seeds, 'ctl_json': ctl_json_seeds, 'classify': classify_seeds,
}


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    for harness, gen in SEEDS.items():
        d = os.path.join(top, harness)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in gen():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
