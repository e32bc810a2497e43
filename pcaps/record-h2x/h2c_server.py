#!/usr/bin/python3
"""Cleartext HTTP/2 (h2c) mock of a self-hosted OpenAI-compatible model
server (vllm.corp.test:8000) for pcaps/h2c-upgrade.pcap and h2c-prior.pcap.

Built on Debian's python3-h2 (the `h2` library, unmodified); this file only
does the socket I/O and the HTTP/1.1 part of the upgrade. One thread per
connection. On each connection it accepts:

  * HTTP/1.1 with `Upgrade: h2c` + `HTTP2-Settings` (RFC 7540 section 3.2):
    answers `101 Switching Protocols`, switches with
    H2Connection.initiate_upgrade_connection(HTTP2-Settings) and answers the
    upgrade request as stream 1 over HTTP/2;
  * HTTP/2 with prior knowledge (the connection starts with the client
    preface `PRI * HTTP/2.0`);
  * plain HTTP/1.1 (no Upgrade): answered in HTTP/1.1, keep-alive.

Routes (vLLM-like answers):
  GET  /v1/models             200, model list
  POST /v1/chat/completions   200, chat.completion
  GET  /health                 200, empty (vLLM's health check)
  OPTIONS *                   200, empty (nghttp -u -d upgrades with it)
  anything else               404 {"detail":"Not Found"}
  no `Authorization: Bearer` on /v1/* -> 401

Usage: h2c_server.py ADDR PORT CAPTURE_FILE KEYS_FILE
  Prints READY on stdout once listening; on stderr one line per connection
  mode and per request (method, path, stream, status, whether the bearer key
  is a known test key). Never prints a key, header value or body.
"""
import json
import os
import secrets
import socket
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
SERVER = "uvicorn"  # what a real vLLM OpenAI server sends (fastapi on uvicorn)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

addr, port, capture_file, keys_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
KEYS = {l.strip() for l in open(keys_file) if l.strip() and not l.startswith("#")}
CREATED = int(time.time())
lock = threading.Lock()


def capture_name():
    try:
        with open(capture_file) as f:
            return f.read().strip() or "-"
    except OSError:
        return "-"


def note(peer, msg):
    with lock:
        sys.stderr.write(f"[{capture_name()}] {peer[0]}:{peer[1]} {msg}\n")
        sys.stderr.flush()


def models_body():
    return {
        "object": "list",
        "data": [{
            "id": MODEL,
            "object": "model",
            "created": CREATED,
            "owned_by": "vllm",
            "root": MODEL,
            "parent": None,
            "max_model_len": 131072,
            "permission": [{
                "id": "modelperm-" + secrets.token_hex(16),
                "object": "model_permission",
                "created": CREATED,
                "allow_create_engine": False,
                "allow_sampling": True,
                "allow_logprobs": True,
                "allow_search_indices": False,
                "allow_view": True,
                "allow_fine_tuning": False,
                "organization": "*",
                "group": None,
                "is_blocking": False,
            }],
        }],
    }


def chat_body(req):
    model = req.get("model", MODEL) if isinstance(req, dict) else MODEL
    return {
        "id": "chatcmpl-" + secrets.token_hex(16),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "reasoning_content": None,
                        "content": "The capital of France is Paris.", "tool_calls": []},
            "logprobs": None,
            "finish_reason": "stop",
            "stop_reason": None,
        }],
        "usage": {"prompt_tokens": 42, "total_tokens": 50, "completion_tokens": 8,
                  "prompt_tokens_details": None},
        "prompt_logprobs": None,
        "kv_transfer_params": None,
    }


def route(method, path, headers, body):
    """-> (status, [(name, value)], body bytes, log text)"""
    auth = headers.get("authorization", "")
    key = "none"
    if auth.startswith("Bearer "):
        key = "test-key" if auth[7:] in KEYS else "unknown-key"
    p = path.split("?", 1)[0]
    extra = f"key={key}"
    if method == "OPTIONS" and p == "*":
        return 200, [("allow", "GET, POST, OPTIONS")], b"", extra
    if p.startswith("/v1/") and key == "none":
        obj = {"object": "error", "message": "Unauthorized", "type": "invalid_request_error", "param": None,
               "code": 401}
        return 401, [], json.dumps(obj).encode(), extra
    if method == "GET" and p == "/health":
        return 200, [], b"", extra
    if method == "GET" and p == "/v1/models":
        return 200, [], json.dumps(models_body()).encode(), extra
    if method == "POST" and p == "/v1/chat/completions":
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            req = {}
        extra += f" model_in_body={req.get('model', '?') if isinstance(req, dict) else '?'} body_bytes={len(body)}"
        return 200, [], json.dumps(chat_body(req)).encode(), extra
    return 404, [], b'{"detail":"Not Found"}', extra


def http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def response_headers(status, extra, body):
    hs = [(":status", str(status)), ("date", http_date()), ("server", SERVER)]
    if body:
        hs += [("content-length", str(len(body))), ("content-type", "application/json")]
    else:
        hs += [("content-length", "0")]
    return hs + extra


def parse_http1(buf):
    """buf holds a full header block; -> (method, target, version, headers dict, header length)"""
    end = buf.index(b"\r\n\r\n")
    lines = buf[:end].decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, version, headers, end + 4


class Conn:
    def __init__(self, sock, peer):
        self.sock, self.peer, self.buf = sock, peer, b""

    def recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def run(self):
        try:
            while len(self.buf) < len(PREFACE) and PREFACE.startswith(self.buf):
                self.recv()
            if self.buf.startswith(PREFACE):
                note(self.peer, "HTTP/2 with prior knowledge (h2c)")
                self.h2(None)
            else:
                self.http1()
        except (EOFError, BrokenPipeError, ConnectionResetError) as e:
            note(self.peer, "closed by client" + ("" if isinstance(e, EOFError) else f" ({type(e).__name__})"))
        except Exception as e:  # noqa: BLE001  log and drop the connection
            note(self.peer, f"error {type(e).__name__}: {e}")
        finally:
            self.sock.close()

    def http1(self):
        while True:
            while b"\r\n\r\n" not in self.buf:
                self.recv()
            method, target, version, headers, hlen = parse_http1(self.buf)
            clen = int(headers.get("content-length", "0"))
            while len(self.buf) < hlen + clen:
                self.recv()
            body, self.buf = self.buf[hlen:hlen + clen], self.buf[hlen + clen:]
            conn_tokens = [t.strip().lower() for t in headers.get("connection", "").split(",")]
            if headers.get("upgrade", "").lower() == "h2c" and "http2-settings" in headers \
                    and "upgrade" in conn_tokens and "http2-settings" in conn_tokens:
                note(self.peer, f"HTTP/1.1 {method} {target} with Upgrade: h2c -> 101 Switching Protocols")
                self.sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
                self.h2((method, target, headers, body))
                return
            status, extra, rbody, log = route(method, target, headers, body)
            head = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}", f"date: {http_date()}",
                    f"server: {SERVER}", f"content-length: {len(rbody)}"]
            if rbody:
                head.append("content-type: application/json")
            head += [f"{n}: {v}" for n, v in extra]
            self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + rbody)
            note(self.peer, f"HTTP/1.1 {method} {target} -> {status} {log}")

    def h2(self, upgraded):
        conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
        if upgraded:
            method, target, headers, body = upgraded
            conn.initiate_upgrade_connection(headers["http2-settings"])
            self.answer(conn, 1, method, target, headers, body)
        else:
            conn.initiate_connection()
        self.sock.sendall(conn.data_to_send())
        streams = {}
        while True:
            if not self.buf:
                self.recv()
            data, self.buf = self.buf, b""
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    streams[ev.stream_id] = [dict((k.decode() if isinstance(k, bytes) else k,
                                                   v.decode() if isinstance(v, bytes) else v)
                                                  for k, v in ev.headers), b""]
                    if ev.stream_ended:
                        self.finish(conn, streams, ev.stream_id)
                elif isinstance(ev, h2.events.DataReceived):
                    streams[ev.stream_id][1] += ev.data
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    if ev.stream_id in streams:
                        self.finish(conn, streams, ev.stream_id)
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    note(self.peer, f"GOAWAY from client (error_code={ev.error_code})")
                    self.sock.sendall(conn.data_to_send())
                    raise EOFError
            out = conn.data_to_send()
            if out:
                self.sock.sendall(out)

    def finish(self, conn, streams, sid):
        headers, body = streams.pop(sid)
        self.answer(conn, sid, headers.get(":method"), headers.get(":path"), headers, body)

    def answer(self, conn, sid, method, path, headers, body):
        status, extra, rbody, log = route(method, path, headers, body)
        conn.send_headers(sid, response_headers(status, extra, rbody), end_stream=not rbody)
        if rbody:
            conn.send_data(sid, rbody, end_stream=True)
        note(self.peer, f"HTTP/2 stream {sid} {method} {path} -> {status} {log}")


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(16)
    print(f"READY http://{addr}:{port} (h2 {h2.__version__}, python {sys.version.split()[0]})", flush=True)
    while True:
        s, peer = ls.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=Conn(s, peer).run, daemon=True).start()


if __name__ == "__main__":
    main()
