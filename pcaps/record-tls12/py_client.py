#!/usr/bin/python3
"""Debian python3 client for tls12-python.pcap: http.client over an ssl
context capped at TLS 1.2, TLS secrets written to $SSLKEYLOGFILE (set by
record-lib.sh in_ns), one keep-alive connection from SRC_ADDR to
api.openai.com:443:

  1. POST /v1/chat/completions  (non-streaming)
  2. POST /v1/chat/completions  ("stream": true, SSE read line by line)

Usage: py_client.py SRC_ADDR API_KEY CA_FILE
Prints status lines only (no key, no header values).
"""

import http.client
import json
import os
import ssl
import sys

SRC, KEY, CA = sys.argv[1:4]

ctx = ssl.create_default_context(cafile=CA)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]

conn = http.client.HTTPSConnection("api.openai.com", 443, context=ctx, source_address=(SRC, 0), timeout=10)
headers = {
    "Authorization": "Bearer " + KEY,
    "Content-Type": "application/json",
    "Accept": "application/json",
}

body = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": "You are a test assistant."},
        {"role": "user", "content": "Say hello to the sensor test."},
    ],
    "max_tokens": 32,
}
conn.request("POST", "/v1/chat/completions", body=json.dumps(body), headers=headers)
r = conn.getresponse()
data = json.loads(r.read())
s = conn.sock
print(f"{s.version()} {s.cipher()[0]} POST /v1/chat/completions -> {r.status} "
      f"{data['object']} {data['choices'][0]['message']['content']!r}")

body["stream"] = True
conn.request("POST", "/v1/chat/completions", body=json.dumps(body),
             headers=dict(headers, Accept="text/event-stream"))
r = conn.getresponse()
text, events = "", 0
for line in r:
    line = line.decode().strip()
    if not line.startswith("data: "):
        continue
    events += 1
    if line == "data: [DONE]":
        break
    for c in json.loads(line[6:])["choices"]:
        text += c["delta"].get("content") or ""
r.read()  # the chunked body's last chunk
print(f"{s.version()} {s.cipher()[0]} POST /v1/chat/completions stream -> {r.status} {events} events {text!r}")
conn.close()
