"""Python clients for the runtime-fingerprint captures (Debian python3).

Usage: /usr/bin/python3 py_client.py MODE KEY
  MODE = urllib   -> urllib.request (ssl module) GET https://api.openai.com/v1/models
         requests -> python3-requests POST https://api.anthropic.com/v1/messages
         httpx    -> python3-httpx POST generativelanguage.googleapis.com ...:generateContent
Library defaults throughout (default SSL context, default adapters); the CA
bundle comes from $SSL_CERT_FILE (honoured by ssl's default context and
passed as verify= to requests / httpx). The source address is set by the
recorder's routes, not here.
"""
import json
import os
import sys

mode, key = sys.argv[1:3]
CA = os.environ["SSL_CERT_FILE"]

if mode == "urllib":
    import urllib.request

    req = urllib.request.Request("https://api.openai.com/v1/models", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        print("urllib:", r.status, [m["id"] for m in json.load(r)["data"]])
elif mode == "requests":
    import requests

    r = requests.post(
        "https://api.anthropic.com/v1/messages",
        headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
        json={"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]},
        verify=CA,
        timeout=10,
    )
    r.raise_for_status()
    print("requests:", r.status_code, r.json()["content"][0]["text"])
elif mode == "httpx":
    import httpx

    with httpx.Client(verify=CA, timeout=10) as c:
        r = c.post(
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent",
            headers={"x-goog-api-key": key},
            json={"contents": [{"parts": [{"text": "hi"}]}]},
        )
        r.raise_for_status()
        print("httpx:", r.status_code, r.json()["candidates"][0]["content"]["parts"][0]["text"])
else:
    sys.exit(f"unknown mode {mode}")
