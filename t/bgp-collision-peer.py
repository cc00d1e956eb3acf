#!/usr/bin/python3
"""A scripted router that makes a BGP connection collision (RFC 4271 §6.8).

Usage: bgp-collision-peer.py ROUTER_ADDR SPEAKER_ADDR BGP_ID ASN ORDER TIMEOUT

Listens on ROUTER_ADDR port 179 and takes the speaker's connection (A);
once the speaker's OPEN arrived there, opens its own connection to
SPEAKER_ADDR port 179 (B) and waits for the speaker's OPEN on it too. Then
sends its OPEN (with BGP_ID and ASN) on both, in ORDER ("AB" or "BA"; "xB"
closes A instead and sends the OPEN on B only), and
reports what the speaker does: "CEASE7 X" for the connection the speaker
closed with Cease/Connection Collision Resolution, then "UPDATE Y" once the
other one, answered with a KEEPALIVE, carries an UPDATE. "listening" is
printed once ready. Any other NOTIFICATION is printed as "NOTIFICATION X
CODE SUBCODE".
"""
import select
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16


def msg(mtype, body):
    return MARKER + struct.pack("!HB", 19 + len(body), mtype) + body


def open_msg(asn, bgp_id, hold=9):
    caps = bytes([1, 4, 0, 1, 0, 1, 2, 0, 65, 4]) + struct.pack("!I", asn)
    opt = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack("!BHH4sB", 4, my_as, hold, socket.inet_aton(bgp_id), len(opt)) + opt
    return msg(1, body)


KEEPALIVE = msg(4, b"")


class Conn:
    def __init__(self, name, sock):
        self.name, self.sock, self.buf, self.closed = name, sock, bytearray(), False

    def messages(self):
        while len(self.buf) >= 19:
            length = struct.unpack("!H", self.buf[16:18])[0]
            if length < 19 or len(self.buf) < length:
                return
            mtype, body = self.buf[18], bytes(self.buf[19:length])
            del self.buf[:length]
            yield mtype, body


def pump(conns, deadline):
    """Yields (conn, type, body) for every message on any connection."""
    while time.time() < deadline:
        for c in conns:
            for mtype, body in c.messages():
                yield c, mtype, body
        live = [c.sock for c in conns if not c.closed]
        if not live:
            return
        r, _, _ = select.select(live, [], [], max(0.0, deadline - time.time()))
        for s in r:
            c = next(c for c in conns if c.sock is s)
            data = s.recv(65536)
            if not data:
                c.closed = True
            c.buf.extend(data)


def main():
    raddr, saddr, bgp_id, asn, order, timeout = sys.argv[1:7]
    asn, deadline = int(asn), time.time() + float(timeout)
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind((raddr, 179))
    lst.listen(1)
    print("listening", flush=True)
    lst.settimeout(float(timeout))
    a = Conn("A", lst.accept()[0])
    for _, mtype, _ in pump([a], deadline):
        if mtype == 1:
            break
    b = Conn("B", socket.create_connection((saddr, 179), timeout=float(timeout)))
    b.sock.setblocking(True)
    for c, mtype, _ in pump([b], deadline):
        if mtype == 1:
            break
    conns = {"A": a, "B": b}
    winner = None
    if order == "xB":
        # Our side of A goes away before any OPEN: B must carry the session.
        a.sock.close()
        a.closed = True
        time.sleep(0.2)
        b.sock.sendall(open_msg(asn, bgp_id) + KEEPALIVE)
        winner, a = b, b
    for name in order if order != "xB" else "":
        conns[name].sock.sendall(open_msg(asn, bgp_id))
        time.sleep(0.2)
    for c, mtype, body in pump([a, b], deadline):
        if mtype == 3:
            if body[0] == 6 and body[1] == 7:
                print("CEASE7 %s" % c.name, flush=True)
                winner = b if c is a else a
                winner.sock.sendall(KEEPALIVE)
            else:
                print("NOTIFICATION %s %d %d" % (c.name, body[0], body[1]), flush=True)
                return
        elif mtype == 2 and c is winner:
            print("UPDATE %s" % c.name, flush=True)
            time.sleep(1)
            return
    print("TIMEOUT", flush=True)


if __name__ == "__main__":
    main()
