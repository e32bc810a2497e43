#!/usr/bin/python3
"""Tiny HTTP server for pcaps/record-hosts/record.sh, run in the router netns.

  POST /v1/chat/completions  -> OpenAI-style chat.completion JSON
  GET  /  (any other GET)     -> a small intranet HTML page (non-AI traffic)

Usage: mock-server.py BIND_ADDRESS PORT. Logs one line per request to stderr.
"""
import http.server
import json
import secrets
import sys
import time

REPLY = "Hello! The sensor test is working."
PAGE = (b"<!doctype html>\n<html><head><title>Corp intranet</title></head>"
        b"<body><h1>Corp intranet</h1><p>Nothing to see here.</p></body></html>\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "corp-httpd/1.0"

    def _send(self, code, ctype, body, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._send(200, "text/html; charset=utf-8", PAGE)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path != "/v1/chat/completions":
            return self._send(404, "application/json", b'{"error":{"message":"not found"}}')
        if not (self.headers.get("Authorization") or "").startswith("Bearer "):
            return self._send(401, "application/json",
                              b'{"error":{"message":"missing API key","type":"invalid_request_error"}}')
        try:
            model = json.loads(raw).get("model", "gpt-4o-mini")
        except ValueError:
            model = "gpt-4o-mini"
        body = {
            "id": "chatcmpl-" + secrets.token_urlsafe(21)[:28],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": REPLY, "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": 19, "completion_tokens": 9, "total_tokens": 28},
            "service_tier": "default",
            "system_fingerprint": "fp_aisensor01",
        }
        self._send(200, "application/json", json.dumps(body).encode(), [
            ("openai-version", "2020-10-01"),
            ("openai-processing-ms", "42"),
            ("x-request-id", "req_" + secrets.token_hex(16)),
            ("x-ratelimit-limit-requests", "10000"),
            ("x-ratelimit-remaining-requests", "9999"),
        ])

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))
        sys.stderr.flush()


if __name__ == "__main__":
    srv = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    print("READY", flush=True)
    srv.serve_forever()
