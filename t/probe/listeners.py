#!/usr/bin/python3
"""Many TCP targets for the lb-probe tests: --count listening sockets on
127.0.0.1 (ports chosen by the kernel), each accepting and closing every
connection. The ports go to --ports-file, one a line, once all listen (the
file appears whole: written beside and renamed). Ends after --lifetime
seconds, so a test that forgets it does not leave it running.
"""
import argparse
import os
import selectors
import socket
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--ports-file", required=True)
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    ports = []
    for _ in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(512)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        ports.append(s.getsockname()[1])
    tmp = args.ports_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join("%d\n" % p for p in ports))
    os.rename(tmp, args.ports_file)

    end = time.monotonic() + args.lifetime
    while time.monotonic() < end:
        for key, _ in sel.select(timeout=1.0):
            for _ in range(64):
                try:
                    conn, _ = key.fileobj.accept()
                except (BlockingIOError, ConnectionError):
                    break
                conn.close()


if __name__ == "__main__":
    main()
