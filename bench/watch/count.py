#!/usr/bin/python3
"""Reads a watch stream on stdin until the picture is complete; prints
"seconds lines" where seconds is from the epoch time in argv[2].

mode lbwatch: complete at the first {"type":"SYNCED"} line.
mode kubectl: kubectl -o json prints each list page as an indented List and
each later event as an object; every Service has one '"kind": "Service"'
line of its own; complete when argv[3] of them have arrived."""
import sys
import time

mode, t0 = sys.argv[1], float(sys.argv[2])
want = int(sys.argv[3]) if len(sys.argv) > 3 else 0
lines = objects = 0
for line in sys.stdin.buffer:
    lines += 1
    if mode == "lbwatch":
        if line.startswith(b'{"type":"SYNCED"'):
            break
        objects += 1
    elif line.strip() in (b'"kind": "Service",', b'"kind": "Service"'):
        objects += 1
        if objects >= want:
            break
print("%.3f %d %d" % (time.time() - t0, lines, objects))
