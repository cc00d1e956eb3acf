#!/usr/bin/python3
# The testbed's backend: answers every GET with the node's name, on every
# local address (the VIPs reach the node through a local route on lo, as
# kube-proxy's IPVS mode puts them on a dummy interface).
#
# usage: testbed-http.py NAME [PORT]
import http.server
import socketserver
import sys

NAME = sys.argv[1].encode() + b"\n"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 80


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(NAME)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(NAME)

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("0.0.0.0", PORT), Handler).serve_forever()
