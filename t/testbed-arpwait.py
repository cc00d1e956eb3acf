#!/usr/bin/python3
# The testbed's ARP stopwatch: asks who-has VIP on IFACE every INTERVAL_MS
# from SENDER (a raw socket, not the kernel's neighbour cache, which retries
# only once a second) and prints the wall-clock time of the first reply and
# the MAC that sent it; exit 1 when none came within SECONDS.
#
# usage: testbed-arpwait.py IFACE SENDER VIP INTERVAL_MS SECONDS
import select
import socket
import struct
import sys
import time

iface, sender, vip = sys.argv[1], sys.argv[2], sys.argv[3]
interval, seconds = int(sys.argv[4]) / 1000.0, float(sys.argv[5])
ETH_P_ARP = 0x0806

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
s.bind((iface, ETH_P_ARP))
mac = s.getsockname()[4]
spa, tpa = socket.inet_aton(sender), socket.inet_aton(vip)
# RFC 826 request: Ethernet, IPv4, op 1, target hardware address unknown.
frame = (b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) +
         struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + spa + b"\x00" * 6 + tpa)

end = time.time() + seconds
next_send = 0.0
while True:
    now = time.time()
    if now >= end:
        sys.exit(1)
    if now >= next_send:
        s.send(frame)
        next_send = now + interval
    r, _, _ = select.select([s], [], [], max(0.0, min(next_send, end) - time.time()))
    if not r:
        continue
    pkt = s.recv(2048)
    now = time.time()
    if len(pkt) < 42 or pkt[12:14] != b"\x08\x06":
        continue
    op = struct.unpack("!H", pkt[20:22])[0]
    if op == 2 and pkt[28:32] == tpa:
        print("%.6f %s" % (now, ":".join("%02x" % b for b in pkt[22:28])), flush=True)
        sys.exit(0)
