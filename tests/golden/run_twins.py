#!/usr/bin/env python3
"""run_twins.py — decrypted TLS against its clear-text twin, HTTP/3
against HTTP/2.

Each pcaps/twin-*-tls.pcap was recorded by the same script as its
pcaps/twin-*-http.pcap, once over HTTPS with the session key log written
(pcaps/keylogs/twin-*-tls.keylog), once over plain HTTP (h2c for HTTP/2):
pcaps/README-twins-llm.md, pcaps/README-twins-mcp.md. The real binary
replays the TLS capture with its key log and the clear-text one without;
their inventories must agree on every agent — kind, software, host,
destinations (service, provider, host name, requests, models, operations,
usage), credentials (type, where), MCP (tools listed and called, servers,
clients, resources, capabilities), OAuth (scopes, grants, issuers), A2A —
on everything but what the issue leaves out: transport (ports, the URL
scheme, flows, bytes, nDPI's name), `tls`, `decrypted`, basis,
fingerprints (JA3/JA4 and the runtime read from them, credential
fingerprints) and cleartext-related risks. The TLS side must say
`decrypted: true` on each destination, and the comparison must have
something to compare (an agent with models or MCP tools).

pcaps/h3-*-h2.pcap is the twin of pcaps/h3-*.pcap (pcaps/README-h3.md):
the same page loaded by Chromium over HTTP/3 (QUIC) and over HTTP/2 (TLS),
both with their key logs: models, credentials (their fingerprints too)
and software must agree.

usage: run_twins.py BINARY ROOT [--show]
"""
import copy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# Left out of the comparison, by where they are in an agent.
AGENT_DROP = {"first_seen", "last_seen", "fingerprints", "evidence"}
DEST_DROP = {"ip", "port", "tls", "transports", "basis", "decrypted", "flows", "bytes", "ndpi",
             "first_seen", "last_seen"}
CRED_DROP = {"cleartext", "fingerprint", "first_seen", "last_seen"}
CLEARTEXT_RISK = re.compile(r"^cleartext-")
PORT = re.compile(r"(?<=[A-Za-z0-9\]])(:(?:80|443|8080))(?=$|/|\b)")


def inventory(binary, pcap, keylog=None):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        args = [binary, "-q", "-r", str(pcap), "--inventory", f.name]
        if keylog:
            args += ["--keylog", str(keylog)]
        subprocess.run(args, check=True, capture_output=True)
        return json.load(open(f.name))


def transport_free(v):
    """Strings without the URL scheme's and the port's difference."""
    if isinstance(v, str):
        return PORT.sub("", v.replace("https://", "http://"))
    if isinstance(v, list):
        return [transport_free(x) for x in v]
    if isinstance(v, dict):
        return {k: transport_free(x) for k, x in v.items()}
    return v


def comparable(agent, same_key=False):
    """same_key: both sides carry the same secret (HTTP/3 and HTTP/2 twins,
    both decrypted): the credential fingerprints must agree too."""
    a = copy.deepcopy(agent)
    for k in AGENT_DROP:
        a.pop(k, None)
    if a.get("software"):
        a["software"].pop("runtime", None)  # read from the TLS fingerprint
    for d in a.get("destinations", []):
        for k in DEST_DROP:
            d.pop(k, None)
    for c in a.get("credentials", []):
        for k in CRED_DROP - ({"fingerprint"} if same_key else set()):
            c.pop(k, None)
    a["risks"] = [r for r in a.get("risks", []) if not CLEARTEXT_RISK.match(r)]
    return transport_free(a)


def key(a):
    """An agent's identity without transport: a server's id is made from
    its endpoint (port included), so agents are paired by what they are."""
    return (a["kind"], a["host"]["ip"], (a.get("software") or {}).get("name"))


def paired(got_doc, want_doc, same_key):
    """The two inventories by the clear-text side's agent ids, the TLS
    side's ids (and every reference to them) translated."""
    want = {key(a): a for a in want_doc["agents"]}
    ids = {a["agent_id"]: want[key(a)]["agent_id"] for a in got_doc["agents"] if key(a) in want}

    def rename(v):
        if isinstance(v, str):
            return ids.get(v, v)
        if isinstance(v, list):
            return [rename(x) for x in v]
        if isinstance(v, dict):
            return {k: rename(x) for k, x in v.items()}
        return v

    got = {ids.get(a["agent_id"], a["agent_id"]): rename(comparable(a, same_key)) for a in got_doc["agents"]}
    return got, {a["agent_id"]: comparable(a, same_key) for a in want_doc["agents"]}


def diff(x, y, path=""):
    """Where two JSON values differ, as paths (the first few)."""
    if type(x) != type(y):
        return [f"{path}: {json.dumps(x)[:120]} != {json.dumps(y)[:120]}"]
    if isinstance(x, dict):
        out = []
        for k in sorted(set(x) | set(y)):
            out += diff(x.get(k), y.get(k), f"{path}.{k}")
        return out
    if isinstance(x, list) and len(x) == len(y):
        out = []
        for i, (p, q) in enumerate(zip(x, y)):
            out += diff(p, q, f"{path}[{i}]")
        return out
    return [] if x == y else [f"{path}: {json.dumps(x)[:160]} != {json.dumps(y)[:160]}"]


def substance(agents):
    """What the pair has to agree on: models, tools, scopes (counts)."""
    models, tools, scopes = set(), set(), set()
    for a in agents.values():
        for d in a.get("destinations", []):
            models.update(d.get("models", []))
        mcp = a.get("mcp") or {}
        tools.update(t["name"] for t in mcp.get("tools_listed", []) + mcp.get("tools_called", []))
        for g in a.get("oauth") or []:
            scopes.update(g.get("scopes_granted") or [])
    return models, tools, scopes


def twins(root):
    """(name, capture, its key log, twin, the twin's key log or None)."""
    keylogs = root / "pcaps/keylogs"
    for tls in sorted((root / "pcaps").glob("twin-*-tls.pcap")):
        name = tls.name[: -len("-tls.pcap")]
        yield name, tls, keylogs / (tls.stem + ".keylog"), tls.with_name(name + "-http.pcap"), None
    for h2 in sorted((root / "pcaps").glob("h3-*-h2.pcap")):
        h3 = h2.with_name(h2.name[: -len("-h2.pcap")] + ".pcap")
        yield h3.stem, h3, keylogs / (h3.stem + ".keylog"), h2, keylogs / (h2.stem + ".keylog")


def main():
    binary, root = sys.argv[1], Path(sys.argv[2])
    show = "--show" in sys.argv
    failures, pairs = [], 0
    for name, tls, keylog, clear, clear_keylog in twins(root):
        if not tls.exists() or not clear.exists() or not keylog.exists() or (clear_keylog and not clear_keylog.exists()):
            failures.append(f"{name}: twin or key log missing")
            continue
        pairs += 1
        got_doc = inventory(binary, tls, keylog)
        want_doc = inventory(binary, clear, clear_keylog)
        got, want = paired(got_doc, want_doc, clear_keylog is not None)
        problems = []
        for aid in sorted(set(got) | set(want)):
            if aid not in got or aid not in want:
                side = "only decrypted" if aid in got else "only clear"
                a = got.get(aid) or want.get(aid)
                problems.append(f"agent {aid} ({a['kind']}, {a['host']['ip']}) {side}")
                continue
            problems += [f"agent {aid} ({got[aid]['kind']}){p}" for p in diff(got[aid], want[aid])]
        undecrypted = [f"{a['agent_id']} -> {d['endpoint']}" for a in got_doc["agents"]
                       for d in a["destinations"] if d.get("tls") and not d.get("decrypted")]
        if undecrypted:
            problems.append("TLS destinations not decrypted: " + ", ".join(undecrypted))
        models, tools, scopes = substance(want)
        if not (models or tools):
            problems.append("nothing to compare: no model and no MCP tool in the clear-text twin")
        status = "ok  " if not problems else "FAIL"
        print(f"{status} {name}: {len(want)} agents, models {sorted(models)}, {len(tools)} tools, "
              f"scopes {sorted(scopes)}")
        for p in problems[:12]:
            print("     " + p)
        if show:
            print(json.dumps(got, indent=1)[:4000])
        if problems:
            failures.append(name)
    if not pairs:
        failures.append("no twin captures found")
    print(f"{pairs} twin pairs, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
