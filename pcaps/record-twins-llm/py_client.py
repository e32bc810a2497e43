#!/usr/bin/python3
"""Debian python3-httpx client for the twin-llm-python-* captures: ONE
non-streaming chat completion to DeepSeek's OpenAI-compatible API, from
SRC_ADDR, over HTTPS (https://api.deepseek.com, TLS secrets written to
$SSLKEYLOGFILE through ssl.SSLContext.keylog_filename) or plain HTTP
(http://api.deepseek.com, port 80). Same request in both.

  POST /chat/completions  {"model":"deepseek-chat", ...}

Usage: py_client.py tls|http SRC_ADDR API_KEY CA_FILE
Prints a status line only (no key, no header values).
"""

import os
import ssl
import sys

import httpx

MODE, SRC, KEY, CA = sys.argv[1:5]

if MODE == "tls":
    base = "https://api.deepseek.com"
    ctx = ssl.create_default_context(cafile=CA)
    ctx.keylog_filename = os.environ["SSLKEYLOGFILE"]
    verify = ctx
elif MODE == "http":
    base = "http://api.deepseek.com"
    verify = False  # unused for http://
else:
    sys.exit(f"bad mode {MODE}")

transport = httpx.HTTPTransport(local_address=SRC, verify=verify, retries=0)
with httpx.Client(base_url=base, transport=transport, timeout=10, trust_env=False) as client:
    r = client.post(
        "/chat/completions",
        headers={"Authorization": "Bearer " + KEY, "Accept": "application/json"},
        json={
            "model": "deepseek-chat",
            "messages": [
                {"role": "system", "content": "You are a concise assistant."},
                {"role": "user", "content": "Say hello to the network sensor test."},
            ],
            "max_tokens": 64,
            "stream": False,
        },
    )
    r.raise_for_status()
    data = r.json()
    print(f"{r.http_version} POST /chat/completions -> {r.status_code} {data['model']} "
          f"{data['choices'][0]['message']['content']!r} total_tokens {data['usage']['total_tokens']}")
