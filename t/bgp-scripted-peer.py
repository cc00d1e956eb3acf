#!/usr/bin/python3
"""A scripted BGP router for the malformed-message tests of lb-bgp-peer.

Listens on ADDR port 179, takes one connection, answers the speaker's OPEN
with its own (unless the scenario replaces it), waits for Established when
the scenario needs a session, sends the scenario's bytes, and prints the
first NOTIFICATION it receives as "NOTIFICATION CODE SUBCODE DATAHEX", or
"NONE" when none arrives before the timeout. Prints "listening" once ready.
"""
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn=64500, hold=9, bgp_id="192.0.2.1", version=4):
    caps = bytes([1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 2, 0, 65, 4]) + struct.pack("!I", asn)
    opt = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH4sB", version, my_as, hold, socket.inet_aton(bgp_id), len(opt)) + opt
    return msg(1, body)


KEEPALIVE = msg(4, b"")


def attr(flags, atype, value):
    return bytes([flags, atype, len(value)]) + value


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return msg(2, struct.pack("!H", len(withdrawn)) + withdrawn
               + struct.pack("!H", len(attrs)) + attrs + nlri)


ORIGIN = attr(0x40, 1, b"\x00")
ASPATH = attr(0x40, 2, bytes([2, 1]) + struct.pack("!I", 64500))
NEXTHOP = attr(0x40, 3, socket.inet_aton("192.0.2.1"))
NLRI = bytes([32, 198, 51, 100, 7])

# name: (needs Established, our OPEN or None for the normal one, bytes to send)
SCENARIOS = {
    "bad-marker": (False, None, b"\x00" * 16 + struct.pack("!HB", 19, 4)),
    "short-length": (False, None, MARKER + struct.pack("!HB", 18, 4)),
    "long-length": (False, None, MARKER + struct.pack("!HB", 4097, 2)),
    "bad-type": (False, None, MARKER + struct.pack("!HB", 19, 9)),
    "keepalive-with-body": (True, None, msg(4, b"\x00")),
    "open-version-3": (False, open_msg(version=3), b""),
    "open-wrong-as": (False, open_msg(asn=64999), b""),
    "open-hold-2": (False, open_msg(hold=2), b""),
    "open-id-zero": (False, open_msg(bgp_id="0.0.0.0"), b""),
    "update-attr-overrun": (True, None, update(attrs=ORIGIN + bytes([0x40, 2, 200, 2, 1]),
                                               nlri=NLRI)),
    "update-total-attr-overrun": (True, None, msg(2, b"\x00\x00\x00\x40" + ORIGIN)),
    "update-bad-nlri": (True, None, update(attrs=ORIGIN + ASPATH + NEXTHOP, nlri=bytes([33, 1, 2, 3, 4, 5]))),
    "update-missing-origin": (True, None, update(attrs=ASPATH + NEXTHOP, nlri=NLRI) + KEEPALIVE),
    "update-good": (True, None, update(attrs=ORIGIN + ASPATH + NEXTHOP, nlri=NLRI) + KEEPALIVE),
    "open-in-established": (True, None, open_msg()),
    "notification-ctrl-chars": (True, None, msg(3, bytes([6, 2, 6]) + b"bye\x00\x1b[")),
    "route-refresh-bad-length": (True, None, msg(5, b"\x00\x01\x01\x01\x00")),
}


def read_msgs(conn, buf, deadline):
    """Reads whole messages until the deadline; yields (type, body)."""
    while time.time() < deadline:
        while len(buf) >= 19:
            length = struct.unpack("!H", buf[16:18])[0]
            if length < 19 or len(buf) < length:
                break
            mtype = buf[18]
            body = bytes(buf[19:length])
            del buf[:length]
            yield mtype, body
        r, _, _ = select.select([conn], [], [], max(0.0, deadline - time.time()))
        if not r:
            continue
        data = conn.recv(65536)
        if not data:
            return
        buf.extend(data)


def main():
    addr, name, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    established, our_open, payload = SCENARIOS[name]
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((addr, 179))
    lst.listen(1)
    print("listening", flush=True)
    lst.settimeout(timeout)
    conn, _ = lst.accept()
    buf = bytearray()
    deadline = time.time() + timeout
    got_open = False
    for mtype, body in read_msgs(conn, buf, deadline):
        if mtype == 1 and not got_open:
            got_open = True
            conn.sendall(our_open or open_msg())
            if our_open is not None:
                break
            conn.sendall(KEEPALIVE)
            if not established:
                break
        elif mtype == 4 and established:
            break
        elif mtype == 3:
            print("NOTIFICATION %d %d %s (early)" % (body[0], body[1], body[2:].hex()))
            return
    conn.sendall(payload)
    for mtype, body in read_msgs(conn, buf, time.time() + 2.0):
        if mtype == 3:
            print("NOTIFICATION %d %d %s" % (body[0], body[1], body[2:].hex()), flush=True)
            return
    print("NONE", flush=True)
    # Keep the session up a moment so the test can look at the speaker.
    time.sleep(3)


if __name__ == "__main__":
    main()
