# mock.py — a tiny OpenAI-compatible chat completions server (http.server)
# and an A-record DNS responder, for pcaps/record-tunnels/record.sh.
#   mock.py ADDR HTTP_PORT DNS_ZONE_IP KEYFILE
# Answers POST /v1/chat/completions (Bearer key from KEYFILE required) and
# GET /v1/models; the DNS responder on ADDR:53 answers every A query with
# DNS_ZONE_IP and every other query with an empty NOERROR.
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDR, PORT, ZONE_IP, KEYFILE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
KEYS = {line.strip() for line in open(KEYFILE) if line.strip()}


class Handler(BaseHTTPRequestHandler):
    server_version = "uvicorn"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("x-request-id", "req_tunneltest0001")
        self.end_headers()
        self.wfile.write(body)

    def authorised(self):
        a = self.headers.get("authorization", "")
        return a.startswith("Bearer ") and a[7:] in KEYS

    def do_GET(self):
        if self.path != "/v1/models":
            return self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        self.send_json(200, {"object": "list", "data": [
            {"id": "llama-3.1-8b-instruct", "object": "model", "created": 1732000000, "owned_by": "vllm"}]})

    def do_POST(self):
        n = int(self.headers.get("content-length", "0"))
        req = json.loads(self.rfile.read(n) or b"{}")
        if not self.authorised():
            return self.send_json(401, {"error": {"message": "Incorrect API key provided.",
                                                  "type": "invalid_request_error", "code": "invalid_api_key"}})
        if self.path != "/v1/chat/completions":
            return self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        self.send_json(200, {
            "id": "chatcmpl-tunneltest0001", "object": "chat.completion", "created": int(time.time()),
            "model": req.get("model", ""), "system_fingerprint": "fp_tunneltest",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello through the tunnel."},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18}})

    def log_message(self, fmt, *args):
        sys.stderr.write("mock %s %s\n" % (self.address_string(), fmt % args))


def dns_server():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR, 53))
    while True:
        q, peer = s.recvfrom(512)
        if len(q) < 12:
            continue
        qid, flags, qd = struct.unpack("!HHH", q[:6])
        i = 12
        while i < len(q) and q[i]:
            i += q[i] + 1
        if qd != 1 or i + 5 > len(q):
            continue
        question = q[12:i + 5]
        qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
        an = b""
        if qtype == 1:
            an = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ZONE_IP)
        hdr = struct.pack("!HHHHHH", qid, 0x8180 | (flags & 0x0100), 1, 1 if an else 0, 0, 0)
        s.sendto(hdr + question + an, peer)


threading.Thread(target=dns_server, daemon=True).start()
ThreadingHTTPServer((ADDR, PORT), Handler).serve_forever()
