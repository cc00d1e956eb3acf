#!/usr/bin/python3
# The testbed's client: GETs http://VIP/ in a loop and prints, per request,
# the wall-clock time it ended and who answered ("-" for a failure), so a
# caller can find the first answer from a new owner after a given instant.
#
# usage: testbed-client.py VIP INTERVAL_MS TIMEOUT_MS SECONDS
# Stops after SECONDS, or at SIGTERM.
import signal
import socket
import sys
import time

vip, interval, timeout, seconds = (sys.argv[1], int(sys.argv[2]) / 1000.0,
                                   int(sys.argv[3]) / 1000.0, float(sys.argv[4]))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
req = ("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % vip).encode()


def get():
    try:
        with socket.create_connection((vip, 80), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(req)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        body = data.split(b"\r\n\r\n", 1)[1].strip().decode()
        return body or "-"
    except (OSError, IndexError, UnicodeDecodeError):
        return "-"


end = time.time() + seconds
while time.time() < end:
    who = get()
    print("%.6f %s" % (time.time(), who), flush=True)
    time.sleep(interval)
