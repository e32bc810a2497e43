#!/usr/bin/python3
"""Checks the twin-llm captures: for each scenario, tshark reads the TLS twin
with its key log and the clear twin without, and the HTTP exchanges must be
the same (method, path, Host / :authority, API key header, content type,
status, and the model / stream / usage members of JSON bodies; SSE bodies are
not parsed by tshark). Also checks that every API key seen is in
test-keys.txt and that the clear twins carry no TLS.

Usage: verify.py [SCENARIO…]   (default: all; run from anywhere)
Prints the normalised exchange list of each scenario; exits 1 on a mismatch.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.dirname(HERE)
SCENARIOS = sys.argv[1:] or ["openai-node", "anthropic-node", "curl-h2", "curl-tls12", "python"]
KEYS = {l.strip() for l in open(os.path.join(HERE, "test-keys.txt")) if l.strip()}
FIELDS = ["frame.number", "tls.record.version", "http.request.method", "http.request.uri", "http.host",
          "http.authorization", "http.request.line", "http.response.code", "http.content_type",
          "http2.header.name", "http2.header.value", "json.member_with_value"]
JSON_KEYS = ("model", "stream", "object", "total_tokens", "input_tokens", "output_tokens")


def exchanges(pcap, keylog=None):
    cmd = ["tshark", "-r", pcap, "-Y", "http or http2 or tls", "-T", "json"]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    for f in FIELDS:
        cmd += ["-e", f]
    pkts = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout or "[]")
    out, keys, tls = [], set(), False
    for p in pkts:
        L = p["_source"]["layers"]
        g = lambda f: L.get(f, [])
        tls = tls or bool(g("tls.record.version"))
        def auth(values):
            for v in values:
                k = v.split(" ", 1)[1] if v.startswith("Bearer ") else v
                keys.add(k)
                yield "key=" + k
        if g("http.request.method"):
            xkey = [l.split(":", 1)[1].strip() for l in g("http.request.line") if l.lower().startswith("x-api-key:")]
            out.append(" ".join(["REQ h1", g("http.request.method")[0], g("http.request.uri")[0],
                                 "host=" + g("http.host")[0], *auth(g("http.authorization") + xkey),
                                 "ct=" + (g("http.content_type") or ["-"])[0]]))
        elif g("http.response.code"):
            out.append(" ".join(["RESP h1", g("http.response.code")[0], "ct=" + (g("http.content_type") or ["-"])[0]]))
        hs = list(zip(g("http2.header.name"), g("http2.header.value")))
        # one packet may carry several HEADERS frames: split at each pseudo-header block
        blocks, cur = [], []
        for n, v in hs:
            if n in (":method", ":status") and cur:
                blocks.append(cur)
                cur = []
            cur.append((n, v))
        if cur:
            blocks.append(cur)
        for b in blocks:
            d = dict(b)
            if ":method" in d:
                out.append(" ".join(["REQ h2", d[":method"], d[":path"], "host=" + d.get(":authority", "-"),
                                     *auth([d["authorization"]] if "authorization" in d else []),
                                     "ct=" + d.get("content-type", "-")]))
            elif ":status" in d:
                out.append(" ".join(["RESP h2", d[":status"], "ct=" + d.get("content-type", "-")]))
        members = [m for m in g("json.member_with_value") if m.split(":", 1)[0] in JSON_KEYS]
        if members:
            out.append("  JSON " + " ".join(members))
    return out, keys, tls


ok = True
for s in SCENARIOS:
    t_pcap = os.path.join(PCAPS, f"twin-llm-{s}-tls.pcap")
    h_pcap = os.path.join(PCAPS, f"twin-llm-{s}-http.pcap")
    klog = os.path.join(PCAPS, "keylogs", f"twin-llm-{s}-tls.keylog")
    t, tkeys, ttls = exchanges(t_pcap, klog)
    h, hkeys, htls = exchanges(h_pcap)
    same = t == h and len(t) > 0
    bad_keys = (tkeys | hkeys) - KEYS
    print(f"== {s}: {'SAME' if same else 'DIFFERENT'} ({sum(l.startswith('REQ') for l in t)} requests); "
          f"keys {sorted(tkeys | hkeys)}; TLS in tls twin: {ttls}; TLS in http twin: {htls}")
    for l in t:
        print("   " + l)
    if not same:
        ok = False
        print("   -- http twin:")
        for l in h:
            print("   " + l)
    if bad_keys or not ttls or htls or os.path.exists(os.path.join(PCAPS, "keylogs", f"twin-llm-{s}-http.keylog")):
        ok = False
        print(f"   PROBLEM: unknown keys {sorted(bad_keys)} / tls twin without TLS / http twin with TLS or key log")
sys.exit(0 if ok else 1)
