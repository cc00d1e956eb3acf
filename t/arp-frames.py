#!/usr/bin/python3
"""Hand-made Ethernet frames for the t2xxx-arp tests (AF_PACKET, root).

arp-frames.py malformed IFACE
    sends three malformed frames: a truncated ARP request, an ARP request
    with hardware length 8, and an NS (valid checksum) whose option has
    length 0.
arp-frames.py nud IFACE SRC_IP DST_MAC TARGET
    sends a unicast NS (a NUD probe) for TARGET to DST_MAC without a source
    link-layer option and prints "NA MAC FLAGS" for the answer (exit 1 if
    none comes within 2 s).
"""
import socket
import struct
import sys
import time


def mac_of(iface):
    with open(f"/sys/class/net/{iface}/address") as f:
        return bytes.fromhex(f.read().strip().replace(":", ""))


def checksum(src, dst, msg):
    data = src + dst + struct.pack("!IxxxB", len(msg), 58) + msg
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ns_frame(eth_dst, eth_src, src, dst, target, options):
    body = struct.pack("!BBHI", 135, 0, 0, 0) + target + options
    body = body[:2] + struct.pack("!H", checksum(src, dst, body)) + body[4:]
    ip6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + src + dst
    return eth_dst + eth_src + b"\x86\xdd" + ip6 + body


def arp_request(eth_src, spa, tpa, hlen=6):
    arp = struct.pack("!HHBBH", 1, 0x0800, hlen, 4, 1) + eth_src + spa + b"\0" * 6 + tpa
    return b"\xff" * 6 + eth_src + b"\x08\x06" + arp


def main():
    cmd, iface = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
    s.bind((iface, 0))
    me = mac_of(iface)
    if cmd == "malformed":
        good = arp_request(me, socket.inet_aton("192.0.2.2"), socket.inet_aton("192.0.2.10"))
        s.send(good[:30])
        s.send(arp_request(me, socket.inet_aton("192.0.2.2"), socket.inet_aton("192.0.2.10"), 8))
        src = socket.inet_pton(socket.AF_INET6, "2001:db8::2")
        target = socket.inet_pton(socket.AF_INET6, "2001:db8::10")
        group = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:10")
        s.send(ns_frame(b"\x33\x33\xff\x00\x00\x10", me, src, group, target,
                        b"\x01\x00" + me))
        return 0
    if cmd == "nud":
        src = socket.inet_pton(socket.AF_INET6, sys.argv[3])
        dst_mac = bytes.fromhex(sys.argv[4].replace(":", ""))
        target = socket.inet_pton(socket.AF_INET6, sys.argv[5])
        s.send(ns_frame(dst_mac, me, src, target, target, b""))
        s.settimeout(0.2)
        end = time.time() + 2
        while time.time() < end:
            try:
                f = s.recv(2048)
            except socket.timeout:
                continue
            if len(f) < 14 + 40 + 24 or f[14 + 6] != 58 or f[54] != 136:
                continue
            if f[54 + 8:54 + 24] != target or f[0:6] != me:
                continue
            flags = "".join(c for c, bit in (("R", 0x80), ("S", 0x40), ("O", 0x20))
                            if f[58] & bit)
            print("NA", f[6:12].hex(":"), flags)
            return 0
        return 1
    print(__doc__, file=sys.stderr)
    return 2


sys.exit(main())
