#!/usr/bin/python3
"""A health-check target the lb-probe tests control.

HTTP (or HTTPS with --cert/--key) on 127.0.0.1. What each request gets is
read from --control FILE at every request, so a test changes it with echo:
  200 some body      status and body
  hang               accept, read the request, never answer
  flap               200 and 503 in turn
The port goes to --port-file once listening (with --port 0).
"""
import argparse
import http.server
import os
import socketserver
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    flap = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def answer(self, with_body):
        try:
            with open(self.server.control) as f:
                spec = f.read().strip()
        except OSError:
            spec = "200 ok"
        if spec == "hang":
            time.sleep(3600)
            return
        if spec == "flap":
            with Handler.lock:
                Handler.flap += 1
                spec = "200 up" if Handler.flap % 2 else "503 down"
        status, _, body = spec.partition(" ")
        line = "%s %s %s\n" % (self.command, self.headers.get("Host", ""), body)
        data = line.encode()
        self.send_response(int(status))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):
        self.answer(True)

    def do_POST(self):
        self.answer(True)

    def do_HEAD(self):
        self.answer(False)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--control", default="/nonexistent")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.control = a.control
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.load_verify_locations(a.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
