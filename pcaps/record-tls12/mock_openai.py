#!/usr/bin/python3
"""HTTPS mock of api.openai.com for the TLS 1.2 captures (pcaps/tls12-*.pcap).

Debian's python3 with the standard ssl + http.server modules only. HTTP/1.1
with keep-alive, ALPN "http/1.1", TLS 1.2 and 1.3 offered (the clients cap
the version at 1.2; OpenSSL defaults for ciphers, groups and session tickets).

  POST /v1/chat/completions   "stream": false -> chat.completion JSON
                              "stream": true  -> text/event-stream, chunked,
                              one chat.completion.chunk per event (each event
                              one write, so one TLS record), ending
                              "data: [DONE]"
  GET  /v1/models             list of models
  anything else               OpenAI-shaped 404 / 401 error

Usage: mock_openai.py CERT KEY ADDR PORT CAPTURE_FILE KEYS_FILE
  CAPTURE_FILE holds the name of the capture being recorded (record-lib.sh
  capture()), KEYS_FILE the fake test keys (one a line). Prints READY on
  stdout once listening; one line per request on stderr (capture, client,
  method, path, status, whether the bearer key is a known test key). Never
  prints a key, header value or body.
"""

import http.server
import json
import os
import secrets
import ssl
import string
import sys
import time

CERT, KEY, ADDR, PORT, CAPTURE_FILE, KEYS_FILE = sys.argv[1:7]
with open(KEYS_FILE, encoding="utf-8") as f:
    KEYS = {l.strip() for l in f if l.strip() and not l.startswith("#")}

TEXT = "Hello! The sensor test is working."
# The streamed text, one piece per chat.completion.chunk (token-like pieces).
PIECES = ["Hello", "!", " The", " sensor", " test", " is", " working", "."]
EVENT_DELAY = 0.005  # between SSE events, so each leaves in its own TLS record
MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o3-mini", "text-embedding-3-small"]
ALNUM = string.ascii_letters + string.digits


def rid(n):
    return "".join(secrets.choice(ALNUM) for _ in range(n))


def capture_name():
    try:
        with open(CAPTURE_FILE, encoding="utf-8") as f:
            return f.read().strip() or "-"
    except OSError:
        return "-"


def prompt_tokens(messages):
    n = 3
    for m in messages or []:
        c = m.get("content") if isinstance(m, dict) else None
        n += 4 + (len(c.split()) if isinstance(c, str) else 0)
    return n


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudflare"
    sys_version = ""

    def version_string(self):
        return "cloudflare"

    # http.server's own access/error log is replaced by note() below.
    def log_message(self, fmt, *args):
        pass

    def note(self, status, extra=""):
        auth = self.headers.get("Authorization", "")
        key = "none"
        if auth.startswith("Bearer "):
            key = "test-key" if auth[7:].strip() in KEYS else "unknown-key"
        sys.stderr.write(
            f"[{capture_name()}] {self.client_address[0]}:{self.client_address[1]} "
            f"{self.request_version} {self.command} {self.path} -> {status} key={key}{extra}\n"
        )
        sys.stderr.flush()

    def openai_headers(self):
        return {
            "x-request-id": "req_" + rid(32),
            "openai-organization": "org-aisensortest",
            "openai-processing-ms": "287",
            "openai-version": "2020-10-01",
            "x-ratelimit-limit-requests": "10000",
            "x-ratelimit-limit-tokens": "30000000",
            "x-ratelimit-remaining-requests": "9999",
            "x-ratelimit-remaining-tokens": "29999980",
            "x-ratelimit-reset-requests": "6ms",
            "x-ratelimit-reset-tokens": "0s",
            "strict-transport-security": "max-age=31536000; includeSubDomains; preload",
            "x-content-type-options": "nosniff",
            "cf-cache-status": "DYNAMIC",
        }

    def send_json(self, status, obj, extra=""):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in self.openai_headers().items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.note(status, extra)

    def error(self, status, message, code, typ="invalid_request_error"):
        self.send_json(status, {"error": {"message": message, "type": typ, "param": None, "code": code}})

    def authorized(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            self.error(401, "You didn't provide an API key.", None)
            return False
        return True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def do_GET(self):
        if self.path.split("?")[0] != "/v1/models":
            self.error(404, f"Invalid URL (GET {self.path.split('?')[0]})", "unknown_url")
            return
        if not self.authorized():
            return
        data = [{"id": m, "object": "model", "created": 1715367049, "owned_by": "system"} for m in MODELS]
        self.send_json(200, {"object": "list", "data": data}, f" models={len(data)}")

    def do_POST(self):
        path = self.path.split("?")[0]
        body = self.read_body()
        if path != "/v1/chat/completions":
            self.error(404, f"Invalid URL (POST {path})", "unknown_url")
            return
        if not self.authorized():
            return
        if not isinstance(body, dict) or not body.get("model") or not isinstance(body.get("messages"), list):
            self.error(400, "We could not parse the JSON body of your request.", None)
            return
        if body.get("stream"):
            self.stream_chat(body)
        else:
            self.chat(body)

    def chat(self, body):
        pt = prompt_tokens(body["messages"])
        ct = len(PIECES)
        obj = {
            "id": "chatcmpl-" + rid(29),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"] + "-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": TEXT, "refusal": None, "annotations": []},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": pt,
                "completion_tokens": ct,
                "total_tokens": pt + ct,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_34a54ae93c",
        }
        self.send_json(200, obj, f" model={body['model']} stream=false")

    def stream_chat(self, body):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        pt = prompt_tokens(body["messages"])
        ct = len(PIECES)
        cid = "chatcmpl-" + rid(29)
        created = int(time.time())
        model = body["model"] + "-2024-07-18"

        def chunk(delta, finish=None, usage=False):
            o = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "service_tier": "default",
                "system_fingerprint": "fp_34a54ae93c",
                "choices": [] if usage else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                o["usage"] = {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct} if usage else None
            return "data: " + json.dumps(o, separators=(",", ":")) + "\n\n"

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for k, v in self.openai_headers().items():
            self.send_header(k, v)
        self.end_headers()  # flushes the header block: one TLS record

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        events += [chunk({"content": p}) for p in PIECES]
        events.append(chunk({}, "stop"))
        if include_usage:
            events.append(chunk(None, usage=True))
        events.append("data: [DONE]\n\n")
        for ev in events:
            time.sleep(EVENT_DELAY)
            data = ev.encode()
            # One HTTP chunk per event, written at once (one TLS record).
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")
        self.note(200, f" model={body['model']} stream=true events={len(events)}")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, handler, ctx):
        super().__init__(addr, handler)
        self.ctx = ctx

    def get_request(self):
        sock, addr = self.socket.accept()
        # The handshake happens in the handler thread (first read).
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        sys.stderr.write(f"[{capture_name()}] {client_address[0]}:{client_address[1]} connection error: "
                         f"{sys.exc_info()[1]!r}\n")


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(CERT, KEY)
    ctx.set_alpn_protocols(["http/1.1"])
    srv = Server((ADDR, int(PORT)), Handler, ctx)
    print(f"READY https://{ADDR}:{PORT} ({ssl.OPENSSL_VERSION})", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
