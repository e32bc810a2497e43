#!/usr/bin/env python3
"""Convert a committed MCP Registry snapshot (plus vendor-stated endpoints)
into signatures/mcp-hosted.yaml: hosted (remote) MCP servers by domain.

Inputs (JSON, committed under signatures/data/):
  mcp-registry-YYYY-MM-DD.json  the official MCP Registry's server list
                                (name, remotes[].url, remotes[].type or
                                transport_type); the newest file is used
                                unless --registry is given
  mcp-hosted-vendors.json       endpoints stated by vendors (same remotes
                                shape, plus id, name, vendor, "source": the
                                document URL(s), optional "shared": true and
                                "subtrees" wildcards the vendor names); optional

Rules:
  - URLs on localhost, loopback/private/link-local addresses, IP literals,
    single-label or local-only names, non-http(s) schemes and URLs holding a
    template placeholder ({x}, <x>, ${x}) are skipped.
  - A host is *dedicated* (listed by domain, a TLS SNI alone identifies the
    MCP server) when its name says so (a subdomain label "mcp", "mcp-*" or
    "*-mcp": mcp.sentry.dev, observability.mcp.cloudflare.com), when the
    server URL is the host's root, or when every known URL on the host is an
    MCP endpoint. A host is *shared* when a vendor entry says so or when a
    non-MCP service in the other signature files already covers it (it
    serves other APIs too, e.g. api.githubcopilot.com): it is listed with
    its `path` and `shared: true` (one entry per path; a path under another
    listed path adds nothing) and makes no MCP claim without the path.
  - Output is sorted and carries no run date: running twice gives the same
    file (--check exits 1 when the file would change).

Standard library only.
"""

import argparse
import glob
import ipaddress
import json
import os
import re
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIG_DIR = os.path.join(ROOT, "signatures")
DATA_DIR = os.path.join(SIG_DIR, "data")
OUTPUT = os.path.join(SIG_DIR, "mcp-hosted.yaml")
VENDORS = os.path.join(DATA_DIR, "mcp-hosted-vendors.json")
SCRIPT = "scripts/mcp-registry-to-signatures.py"

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test", ".example", ".invalid")
PLACEHOLDER = re.compile(r"[{}<>]|\$\{|%7[bBdD]|%3[cCeE]")


def warn(msg):
    print("mcp-registry-to-signatures: " + msg, file=sys.stderr)


def rel(path):
    return os.path.relpath(path, ROOT)


# ------------------------------------------------------------------ inputs


def newest_registry_snapshot():
    files = sorted(glob.glob(os.path.join(DATA_DIR, "mcp-registry-*.json")))
    if not files:
        sys.exit("mcp-registry-to-signatures: no signatures/data/mcp-registry-*.json snapshot")
    return files[-1]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def snapshot_date(path, doc):
    m = re.search(r"(\d{4}-\d{2}-\d{2})", os.path.basename(path))
    return doc.get("snapshot_date") or (m.group(1) if m else "unknown")


def registry_servers(doc):
    """The server list of a snapshot: a list, {"servers": [...]}, or the
    registry API shape [{"server": {...}, "_meta": ...}]."""
    servers = doc.get("servers", []) if isinstance(doc, dict) else doc
    out = []
    for s in servers:
        if isinstance(s, dict) and isinstance(s.get("server"), dict):
            s = s["server"]
        out.append(s)
    return out


def remote_type(r):
    return r.get("type") or r.get("transport_type") or ""


# --------------------------------------------------- existing signature files


def parse_flow_items(text):
    items, cur, quote = [], "", None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
            else:
                cur += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ",":
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return [i for i in items if i]


def existing_services(output_path):
    """(id, category, domains, file) of every service in the other signature
    files, read line by line (flow or block `domains`), without a YAML
    library. Only what this script needs: domains and categories."""
    services = []
    for path in sorted(glob.glob(os.path.join(SIG_DIR, "*.yaml"))):
        if os.path.abspath(path) == os.path.abspath(output_path):
            continue
        cur, flow, block = None, None, False
        with open(path, encoding="utf-8") as f:
            for raw in f:
                line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
                if re.match(r"^[A-Za-z_]", line):
                    cur, flow, block = None, None, False
                if flow is not None:
                    flow += " " + line.strip()
                    if "]" in line:
                        cur["domains"] += parse_flow_items(flow.split("]")[0])
                        flow = None
                    continue
                m = re.match(r"^\s*-\s+id:\s*(\S+)", line)
                if m:
                    cur = {"id": m.group(1).strip("\"'"), "category": "", "domains": [], "file": rel(path)}
                    services.append(cur)
                    block = False
                    continue
                if cur is None:
                    continue
                m = re.match(r"^\s+category:\s*(\S+)", line)
                if m:
                    cur["category"] = m.group(1).strip("\"'")
                    block = False
                    continue
                m = re.match(r"^\s+domains:\s*(.*)$", line)
                if m:
                    rest = m.group(1).strip()
                    if rest.startswith("["):
                        if "]" in rest:
                            cur["domains"] += parse_flow_items(rest[1:].split("]")[0])
                        else:
                            flow = rest[1:]
                    else:
                        block = True
                    continue
                m = re.match(r"^\s+-\s+(.+)$", line)
                if block and m and not re.match(r"^\s*-\s+id:", line):
                    cur["domains"].append(m.group(1).strip().strip("\"'"))
                    continue
                if re.match(r"^\s+\w+:", line):
                    block = False
    return services


def domain_matches(pattern, host):
    """The three domain forms of signatures/README.md."""
    pattern = pattern.lower().rstrip(".")
    if "*" not in pattern:
        return host == pattern
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    p_labels, h_labels = pattern.split("."), host.split(".")
    if len(p_labels) != len(h_labels):
        return False
    for p, h in zip(p_labels, h_labels):
        if "*" in p:
            pre, post = p.split("*", 1)
            if not (h.startswith(pre) and h.endswith(post) and len(h) > len(pre) + len(post)):
                return False
        elif p != h:
            return False
    return True


# ------------------------------------------------------------------- hosts


def skip_reason(url):
    if PLACEHOLDER.search(url):
        return "template placeholder"
    try:
        u = urllib.parse.urlsplit(url)
        host = (u.hostname or "").lower().rstrip(".")
    except ValueError:
        return "unparsable URL"
    if u.scheme not in ("http", "https"):
        return "scheme %r" % u.scheme
    if not host:
        return "no host"
    try:
        ip = ipaddress.ip_address(host)
        return ("private/loopback address" if not ip.is_global else "IP literal (no TLS SNI)")
    except ValueError:
        pass
    if host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        return "local name"
    if "." not in host:
        return "single-label name"
    return None


def split_url(url):
    u = urllib.parse.urlsplit(url)
    host = u.hostname.lower().rstrip(".")
    segs = [s for s in u.path.split("/") if s]
    return host, segs


def name_says_mcp(host):
    """A subdomain label (not the registrable domain: mcp.so is a web site)
    that is "mcp", starts with "mcp-" or ends with "-mcp"."""
    labels = host.split(".")
    for lab in labels[:-2]:
        if lab == "mcp" or lab.startswith("mcp-") or lab.endswith("-mcp"):
            return True
    return False


def covering_paths(seg_lists):
    """The fewest path prefixes covering every URL path on a host: a path
    under another listed path adds nothing (/v1/mcp covers /v1/mcp/authv2)."""
    kept = []
    for segs in sorted({tuple(s) for s in seg_lists}, key=lambda t: (len(t), t)):
        if not any(segs[: len(k)] == k for k in kept):
            kept.append(segs)
    return sorted("/" + "/".join(k) for k in kept)


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def registry_identity(name):
    """(id, display name, vendor) for a registry server with no vendor entry:
    io.github.owner/repo-name -> mcp-repo-name, "Repo Name MCP", owner."""
    ns, _, base = name.partition("/")
    labels = ns.split(".")
    owner = labels[2] if labels[:2] == ["io", "github"] and len(labels) > 2 else (labels[1] if len(labels) > 1 else labels[0])
    core = slug(base or ns)
    for pre in ("mcp-server-", "server-", "mcp-"):
        if core.startswith(pre) and len(core) > len(pre):
            core = core[len(pre):]
    for suf in ("-mcp-server", "-server", "-mcp"):
        if core.endswith(suf) and len(core) > len(suf):
            core = core[: -len(suf)]
    title = " ".join(w.capitalize() for w in core.split("-"))
    return "mcp-" + core, title + " MCP", owner


# ------------------------------------------------------------------ build


class Service:
    def __init__(self, sid, name, vendor, explicit_shared=False):
        self.id, self.name, self.vendor = sid, name, vendor
        self.explicit_shared = explicit_shared
        self.urls = {}  # host -> list of path segment lists
        self.subtrees = set()
        self.sources = []

    def add_source(self, s):
        if s and s not in self.sources:
            self.sources.append(s)


def build(registry_path, vendors_path, output_path):
    reg_doc = load_json(registry_path)
    reg_date = snapshot_date(registry_path, reg_doc)
    services = {}
    host_owner = {}  # host -> service id
    subtree_owner = []  # (pattern, service id)
    skipped = []

    def owner_of(host):
        if host in host_owner:
            return host_owner[host]
        for pat, sid in subtree_owner:
            if domain_matches(pat, host):
                return sid
        return None

    def add_url(svc, url, origin):
        reason = skip_reason(url)
        if reason:
            skipped.append((origin, url, reason))
            return False
        host, segs = split_url(url)
        other = host_owner.get(host)
        if other and other != svc.id:
            warn("%s: host %s already belongs to %s; kept there" % (origin, host, other))
            svc = services[other]
        svc.urls.setdefault(host, []).append(segs)
        host_owner[host] = svc.id
        return True

    vendors = []
    if vendors_path and os.path.exists(vendors_path):
        vdoc = load_json(vendors_path)
        vendors = vdoc.get("servers", [])
    for v in sorted(vendors, key=lambda x: x["id"]):
        svc = services.get(v["id"]) or Service(v["id"], v["name"], v["vendor"], bool(v.get("shared")))
        services[svc.id] = svc
        for pat in v.get("subtrees", []):
            svc.subtrees.add(pat.lower())
            subtree_owner.append((pat.lower(), svc.id))
        kept = False
        for r in v.get("remotes", []):
            kept |= add_url(svc, r["url"], "vendor %s" % v["id"])
        if kept or svc.subtrees:
            src = v.get("source", [])
            for u in [src] if isinstance(src, str) else src:
                svc.add_source(u)

    for s in sorted(registry_servers(reg_doc), key=lambda x: x.get("name", "")):
        name = s.get("name", "")
        for r in s.get("remotes") or []:
            url = r.get("url", "")
            reason = skip_reason(url)
            if reason:
                skipped.append(("registry %s" % name, url, reason))
                continue
            host, _ = split_url(url)
            sid = owner_of(host)
            if sid is None:
                sid, title, vendor = registry_identity(name)
                if sid not in services:
                    services[sid] = Service(sid, title, vendor)
            add_url(services[sid], url, "registry %s" % name)
            services[sid].add_source("MCP Registry %s: %s" % (reg_date, name))

    # Hosts other signature files already give to a non-MCP service.
    others = [e for e in existing_services(output_path) if e["category"] != "mcp-server"]

    entries = []
    notes = []
    for sid in sorted(services):
        svc = services[sid]
        dedicated, shared = set(svc.subtrees), []
        for host in sorted(svc.urls):
            paths = svc.urls[host]
            covered = [e for e in others if any(domain_matches(d, host) for d in e["domains"])]
            exact = [e for e in covered if host in [d.lower() for d in e["domains"]]]
            if svc.explicit_shared:
                kind = "shared"
            elif name_says_mcp(host) or any(not p for p in paths):
                kind = "dedicated"
            elif covered:
                kind = "shared"
            else:
                kind = "dedicated"
                notes.append("%s: %s is dedicated only because every known URL on it is MCP" % (sid, host))
            if kind == "dedicated" and exact:
                warn("%s: %s is already listed by %s (%s); left out" % (sid, host, exact[0]["id"], exact[0]["file"]))
                continue
            if kind == "dedicated":
                dedicated.add(host)
            else:
                for path in covering_paths(paths):
                    shared.append((host, path, covered))
        if dedicated:
            entries.append({"id": sid, "name": svc.name, "vendor": svc.vendor,
                            "domains": sorted(dedicated), "source": svc.sources})
        for host, path, covered in shared:
            eid = sid if not dedicated and len(shared) == 1 else "-".join(x for x in (sid, slug(host), slug(path)) if x)
            src = list(svc.sources)
            if covered:
                src.append("shared with %s" % ", ".join(sorted(e["id"] for e in covered)))
            entries.append({"id": eid, "name": svc.name, "vendor": svc.vendor,
                            "domains": [host], "path": path, "shared": True, "source": src})
    entries.sort(key=lambda e: e["id"])
    return entries, skipped, notes, reg_date


# ------------------------------------------------------------------ output


def yq(s):
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._/-]*", s) and not s.endswith(" "):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow_list(items, indent, width=100):
    parts = [yq(i) for i in items]
    lines, cur = [], ""
    for p in parts:
        piece = p if not cur else cur + ", " + p
        if cur and indent + len(piece) + 2 > width:
            lines.append(cur + ",")
            cur = p
        else:
            cur = piece
    lines.append(cur)
    pad = " " * (indent + 1)
    return "[" + ("\n" + pad).join(lines) + "]"


def render(entries, registry_path, vendors_path, reg_date):
    vend_note = ""
    if vendors_path and os.path.exists(vendors_path):
        vend_note = "#   %s (endpoints stated by the vendors, retrieved %s)\n" % (
            rel(vendors_path), load_json(vendors_path).get("retrieved", "?").split(" ")[0])
    n_ded = sum(1 for e in entries if not e.get("shared"))
    out = [
        "# mcp-hosted.yaml — hosted (remote) MCP servers by domain (category mcp-server).\n"
        "# GENERATED FILE, do not edit: produced by %s from\n"
        "#   %s (official MCP Registry server list, snapshot of %s)\n"
        "%s"
        "# Rerun: python3 %s\n"
        "# A dedicated host serves nothing but MCP, so a TLS/QUIC SNI alone names the\n"
        "# server. A `shared: true` host also serves other APIs: only its `path` is the\n"
        "# MCP server, so it cannot be told apart without keys and makes no MCP claim\n"
        "# from the SNI. %d entries: %d dedicated, %d shared.\n"
        % (SCRIPT, rel(registry_path), reg_date, vend_note, SCRIPT, len(entries), n_ded, len(entries) - n_ded),
        "services:\n",
    ]
    for e in entries:
        out.append("  - id: %s\n" % e["id"])
        out.append("    name: %s\n" % yq(e["name"]))
        out.append("    vendor: %s\n" % yq(e["vendor"]))
        out.append("    category: mcp-server\n")
        out.append("    domains: %s\n" % flow_list(e["domains"], len("    domains: ")))
        if e.get("path"):
            out.append("    path: %s\n" % yq(e["path"]))
        if e.get("shared"):
            out.append("    shared: true\n")
        if e["source"]:
            out.append("    source: %s\n" % yq("; ".join(e["source"])))
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--registry", help="registry snapshot JSON (default: newest signatures/data/mcp-registry-*.json)")
    ap.add_argument("--vendors", default=VENDORS, help="vendor endpoints JSON (default: %(default)s)")
    ap.add_argument("-o", "--output", default=OUTPUT, help="YAML to write (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if the output would change")
    ap.add_argument("-v", "--verbose", action="store_true", help="list skipped URLs")
    args = ap.parse_args()

    registry = os.path.abspath(args.registry or newest_registry_snapshot())
    vendors = os.path.abspath(args.vendors) if args.vendors else None
    output = os.path.abspath(args.output)
    entries, skipped, notes, reg_date = build(registry, vendors, output)
    text = render(entries, registry, vendors, reg_date)

    for n in notes:
        warn("note: " + n)
    if args.verbose:
        for origin, url, reason in skipped:
            warn("skipped %s: %s (%s)" % (origin, url, reason))

    old = None
    if os.path.exists(output):
        with open(output, encoding="utf-8") as f:
            old = f.read()
    if args.check:
        if old != text:
            warn("%s is out of date" % rel(output))
            return 1
        return 0
    if old != text:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    n_ded = sum(1 for e in entries if not e.get("shared"))
    print("%s: %d entries (%d dedicated, %d shared), %d URLs skipped"
          % (rel(output), len(entries), n_ded, len(entries) - n_ded, len(skipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
