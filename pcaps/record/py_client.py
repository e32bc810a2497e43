"""Python clients for the aisensor captures (Debian python3-httpx / python3-requests).

Usage: /usr/bin/python3 py_client.py MODE LOCAL_ADDRESS KEY
  MODE = ollama   -> httpx POST /api/chat to ollama.corp.test:11434
         azure    -> httpx Azure-OpenAI-style chat completion (api-key header, plain HTTP)
         deepseek -> httpx chat completion over TLS to api.deepseek.com
         noise    -> requests: intranet.corp.test page + REST API, www.example.org (TLS)
The CA bundle for TLS hosts comes from $SSL_CERT_FILE.
"""
import os
import socket
import sys

mode, local, key = sys.argv[1:4]
CA = os.environ.get("SSL_CERT_FILE", True)
MSGS = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Say hello to the network sensor test."},
]


def httpx_client(**kw):
    import httpx

    return httpx.Client(transport=httpx.HTTPTransport(local_address=local, verify=CA), timeout=10, **kw)


if mode == "ollama":
    with httpx_client() as c:
        r = c.post(
            "http://ollama.corp.test:11434/api/chat",
            json={"model": "llama3.2", "messages": MSGS, "stream": False, "options": {"temperature": 0.2}},
        )
        r.raise_for_status()
        print("ollama chat:", r.json()["message"]["content"])
elif mode == "azure":
    with httpx_client() as c:
        r = c.post(
            "http://azure-openai-proxy.corp.test/openai/deployments/gpt-4o/chat/completions",
            params={"api-version": "2024-10-21"},
            headers={"api-key": key},
            json={"messages": MSGS, "max_tokens": 64, "temperature": 0.2},
        )
        r.raise_for_status()
        print("azure chat:", r.json()["choices"][0]["message"]["content"])
elif mode == "deepseek":
    with httpx_client() as c:
        r = c.post(
            "https://api.deepseek.com/v1/chat/completions",
            headers={"Authorization": f"Bearer {key}"},
            json={"model": "deepseek-chat", "messages": MSGS, "stream": False},
        )
        r.raise_for_status()
        print("deepseek chat:", r.json()["choices"][0]["message"]["content"])
elif mode == "noise":
    import requests
    from requests.adapters import HTTPAdapter

    class SourceAddressAdapter(HTTPAdapter):
        def init_poolmanager(self, *a, **kw):
            kw["source_address"] = (local, 0)
            super().init_poolmanager(*a, **kw)

    s = requests.Session()
    s.mount("http://", SourceAddressAdapter())
    s.mount("https://", SourceAddressAdapter())
    r = s.get("http://intranet.corp.test/", timeout=10)
    print("intranet:", r.status_code, len(r.text))
    r = s.get(
        "http://intranet.corp.test/api/v2/orders",
        params={"status": "open", "page": 1},
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
        timeout=10,
    )
    print("orders:", r.status_code, [o["id"] for o in r.json()["orders"]])
    r = s.get("https://www.example.org/", verify=CA, timeout=10)
    print("example.org:", r.status_code, len(r.text))
    # Plain name lookups, as any program does (glibc getaddrinfo -> DNS).
    for name in ("github.com", "www.debian.org", "deb.debian.org"):
        try:
            print(name, sorted({ai[4][0] for ai in socket.getaddrinfo(name, 443, proto=socket.IPPROTO_TCP)}))
        except socket.gaierror as e:
            print(name, "lookup failed:", e)
else:
    sys.exit("unknown mode " + mode)
