#!/usr/bin/python3
"""Writes an MRT TABLE_DUMP_V2 file (RFC 6396) of the prefixes read from
stdin, one a line, for `gobgp mrt inject global`: ORIGIN IGP, an empty
AS_PATH and the given next hops. `gobgp mrt inject` 3.10 loses the last
entries of its input (about 150 of 200,000 here), so the last PAD prefixes
are written a second time at the end: they are only replaced at the
router, and the real ones before them all get through.
Usage: mkmrt.py NH4 NH6 PAD OUT < PREFIXES"""
import ipaddress
import socket
import struct
import sys


def mrt(subtype, body):
    return struct.pack("!IHHI", 0, 13, subtype, len(body)) + body


def attr(flags, atype, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, atype, len(value)) + value
    return struct.pack("!BBB", flags, atype, len(value)) + value


def main():
    nh4, nh6, pad, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    peer = struct.pack("!B4s4sI", 2, socket.inet_aton(nh4), socket.inet_aton(nh4), 64501)
    index = struct.pack("!4sH", socket.inet_aton(nh4), 0) + struct.pack("!H", 1) + peer
    origin = attr(0x40, 1, b"\x00")
    aspath = attr(0x40, 2, b"")
    a4 = origin + aspath + attr(0x40, 3, socket.inet_aton(nh4))
    # RFC 6396 §4.3.4 abbreviates MP_REACH_NLRI to the next hop; GoBGP 3.10
    # reads the whole RFC 4760 form (AFI, SAFI, next hop, reserved, no NLRI).
    a6 = origin + aspath + attr(0x80, 14, struct.pack("!HBB", 2, 1, 16)
                                + socket.inet_pton(socket.AF_INET6, nh6) + b"\x00")
    with open(out, "wb") as f:
        f.write(mrt(1, index))
        seq = 0
        lines = [line.strip() for line in sys.stdin if line.strip()]
        for line in lines + lines[-pad:] if pad else lines:
            net = ipaddress.ip_network(line)
            nbytes = (net.prefixlen + 7) // 8
            pfx = bytes([net.prefixlen]) + net.network_address.packed[:nbytes]
            attrs = a4 if net.version == 4 else a6
            entry = struct.pack("!HIH", 0, 0, len(attrs)) + attrs
            body = struct.pack("!I", seq) + pfx + struct.pack("!H", 1) + entry
            f.write(mrt(2 if net.version == 4 else 4, body))
            seq += 1


if __name__ == "__main__":
    main()
