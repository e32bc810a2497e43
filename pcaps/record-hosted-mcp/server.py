#!/usr/bin/env python3
"""server.py ADDRESS CERT KEY — a TLS mock on ADDRESS:443 that answers every
POST with a JSON-RPC error: the recording only needs the TLS handshake."""
import http.server
import ssl
import sys


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = b'{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"mock"}}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer((sys.argv[1], 443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
