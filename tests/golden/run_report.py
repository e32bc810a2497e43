#!/usr/bin/env python3
"""The audit report (--report, aisensor report): the real binary's page of
the bundled captures, rendered in headless Chromium (Debian's `chromium`).

- the file references nothing outside itself (no src/href to a URL or a
  file, no @import, no url() but data:; one script, inline);
- Chromium renders it with no console message at all (a script error or a
  blocked load is one); the rendered page's visible text holds every agent
  id and the risk table counts the agents of each risk as the inventory
  says (the policy's unsanctioned-provider included); a screenshot is taken
  and the page prints to PDF;
- a hostile capture (User-Agent <script>alert(1)</script>, a model that
  breaks out of an attribute) shows its strings as text: one script
  element, no <img>, no on* attribute;
- no test key, key log secret or random is in any page;
- --baseline: the agents, destinations, tools, grants, credentials and
  risks new or gone, as computed here from the two inventories;
- with redis-server: the registry's page (aisensor report) equals the
  replay's once what each was made from is cut; the filters (--kind,
  --owner, --host, --since) select the agents aisensor agents would.

A missing chromium or redis-server fails under CI (env CI) and is a
visible SKIP elsewhere (exit 77 when nothing failed). --png FILE keeps the
screenshot (docs/report.png is made so)."""
import argparse
import calendar
import glob
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import IN_CI, keylog_hex  # noqa: E402
from run_redis import Redis  # noqa: E402

results = []
skipped = []
SKIP = 77

CONFIG = """policy:
  sanctioned_providers: [openai, anthropic]
  sanctioned_services: [chatgpt, "llm-gateway.corp.test:4000"]
inventory:
  networks:
    - {cidr: 127.0.5.0/24, team: platform, owner: ops@example.com}
    - {cidr: 127.0.1.0/24, team: data, owner: alice@example.com}
"""
PROVIDERS = {"openai", "anthropic"}
SERVICES = {"chatgpt", "llm-gateway.corp.test:4000"}


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:1500]))


def missing(name, why):
    if IN_CI:
        check(name, False, why + " (CI is set: a missing prerequisite is a failure)")
    else:
        skipped.append(name)
        print("SKIP %s: %s" % (name, why))


# ---- the policy and the risks, as the page must count them ----

def verdict(d):
    if d.get("provider") in PROVIDERS or d.get("service") in PROVIDERS or d.get("service") in SERVICES \
            or d.get("endpoint") in SERVICES:
        return "sanctioned"
    if d.get("category") in ("llm-server", "a2a-agent"):
        return "self-hosted"
    return "not sanctioned"


def risks(a):
    r = set(a.get("risks") or [])
    if any(verdict(d) == "not sanctioned" for d in a.get("destinations") or []):
        r.add("unsanctioned-provider")
    return r


def items(doc):
    """What --baseline compares: per agent, its destinations, tools, grants, credentials, risks."""
    out = {k: set() for k in ("Agents", "Destinations", "MCP tools", "OAuth grants", "Credentials", "Risks")}
    for a in doc["agents"]:
        i = a["agent_id"]
        out["Agents"].add(i)
        out["Destinations"] |= {(i, d.get("service"), d.get("endpoint")) for d in a.get("destinations") or []}
        m = a.get("mcp") or {}
        out["MCP tools"] |= {(i, t["name"]) for t in (m.get("tools_listed") or []) + (m.get("tools_called") or [])}
        out["OAuth grants"] |= {(i, g.get("issuer"), g.get("client_id")) for g in a.get("oauth") or []}
        out["Credentials"] |= {(i, c["fingerprint"]) for c in a.get("credentials") or [] if c.get("fingerprint")}
        out["Risks"] |= {(i, r) for r in risks(a)}
    return out


# ---- reading pages ----

URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "background", "srcset", "data",
             "codebase", "cite", "longdesc", "ping", "manifest", "icon", "srcdoc"}
CSS_REF = re.compile(r"@import|url\(\s*(?!['\"]?data:)", re.I)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(html.parser.HTMLParser):
    """A page's references to anything outside itself, its elements, its
    visible text (not in script/style, [hidden], or a closed <details> but
    its summary) and the rows of its tables by tbody id."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.refs, self.tags, self.handlers, self.text, self.rows = [], {}, [], [], {}
        self.stack = []  # (tag, visible, closed details)
        self.in_style = False
        self.tbody = None
        self.cell = None
        self.feed(text)
        self.close()
        self.visible = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k in URL_ATTRS and v is not None and not (v.startswith("#") or v.startswith("data:")):
                self.refs.append("<%s %s=%r>" % (tag, k, v))
            if k == "style" and v and CSS_REF.search(v):
                self.refs.append("<%s style=%r>" % (tag, v))
            if k.startswith("on"):
                self.handlers.append("<%s %s=%r>" % (tag, k, v))
        if tag in ("link", "iframe", "object", "embed", "base", "frame", "audio", "video", "source", "track"):
            self.refs.append("<%s>" % tag)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.refs.append("<meta refresh>")
        if tag == "script" and "src" in a:
            self.refs.append("<script src>")
        self.in_style = tag == "style"
        parent_vis, parent_closed = (self.stack[-1][1], self.stack[-1][2]) if self.stack else (True, False)
        vis = parent_vis and "hidden" not in a and tag not in ("script", "style", "title", "head") \
            and not (parent_closed and tag != "summary")
        if tag == "tbody" and a.get("id"):
            self.tbody = a["id"]
            self.rows[self.tbody] = []
        elif tag == "tr" and self.tbody:
            self.rows[self.tbody].append([])
        elif tag == "td" and self.tbody:
            self.cell = []
        if tag not in VOID:
            self.stack.append((tag, vis, tag == "details" and "open" not in a))

    def handle_endtag(self, tag):
        if tag == "style":
            self.in_style = False
        if tag == "tbody":
            self.tbody = None
        if tag == "td" and self.tbody and self.cell is not None:
            self.rows[self.tbody][-1].append(" ".join(" ".join(self.cell).split()))
            self.cell = None
        while self.stack:
            t = self.stack.pop()[0]
            if t == tag:
                break

    def handle_data(self, data):
        if self.in_style and CSS_REF.search(data):
            self.refs.append("<style> " + CSS_REF.search(data).group(0))
        if self.cell is not None:
            self.cell.append(data)
        if not self.stack or self.stack[-1][1]:
            self.text.append(data)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def browse(browser, tmp, page, *what):
    """Runs headless Chromium on the page: (stdout, the console messages)."""
    p = subprocess.run([browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                        "--user-data-dir=" + os.path.join(tmp, "chromium"), "--enable-logging=stderr", "--v=0",
                        "--window-size=1280,1600"] + list(what) + ["file://" + page],
                       capture_output=True, timeout=120)
    console = [l for l in p.stderr.decode(errors="replace").splitlines() if ":CONSOLE" in l]
    return p.stdout.decode(errors="replace"), console


def sensor(binary, src, args):
    return subprocess.run([binary] + args, cwd=src, capture_output=True, timeout=300)


def card_ids(text):
    return re.findall(r'<details(?: hidden)? class="card[^"]*" id="a-([^"]+)"', text)


def cut_provenance(text):
    return re.sub(r"<!--p-->.*?<!--/p-->", "", text, flags=re.S)


def secrets(src):
    """Every secret the recordings put on the wire, and every key log's hex."""
    keys = set()
    for kf in glob.glob("pcaps/*/test-keys.txt", root_dir=src) + glob.glob("pcaps/*/wire-secrets.txt", root_dir=src):
        keys |= {k.strip() for k in open(os.path.join(src, kf)) if k.strip() and not k.startswith("#")}
    for kl in glob.glob("pcaps/keylogs/*.keylog", root_dir=src):
        keys |= {h.decode() for h in keylog_hex(open(os.path.join(src, kl)).read())}
    return keys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aisensor")
    ap.add_argument("src")
    ap.add_argument("--png", help="keep the screenshot there")
    a = ap.parse_args()
    binary, src = os.path.abspath(a.aisensor), os.path.abspath(a.src)
    browser = chromium()
    keylogs = sum((["--keylog", k] for k in sorted(glob.glob("pcaps/keylogs/*.keylog", root_dir=src))), [])
    wire = secrets(src)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "policy.yaml")
        open(cfg, "w").write(CONFIG)
        page, inv = os.path.join(tmp, "report.html"), os.path.join(tmp, "inventory.json")
        p = sensor(binary, src, ["-q", "-c", cfg, "-r", "pcaps", "-r", "pcaps/public"] + keylogs
                   + ["--report", page, "--inventory", inv])
        check("replay of the bundled captures with --report: exit 0", p.returncode == 0 and os.path.exists(page),
              p.stderr.decode(errors="replace")[-600:])
        if not os.path.exists(page):
            return 1
        doc = json.load(open(inv))
        text = open(page, encoding="utf-8").read()
        ids = [g["agent_id"] for g in doc["agents"]]

        # 1. Nothing outside the file.
        pg = Page(text)
        check("the page references nothing outside itself (%d elements)" % sum(pg.tags.values()),
              not pg.refs and pg.tags.get("script") == 1, pg.refs[:10])
        check("the page has no event handler attribute", not pg.handlers, pg.handlers[:5])
        check("a card per agent (%d), in the inventory's order" % len(ids), card_ids(text) == ids,
              (len(card_ids(text)), len(ids)))
        leaked = sorted(k for k in wire if k in text or k.lower() in text.lower())
        check("no test key, key log secret or random in the page (%d looked for)" % len(wire), wire and not leaked,
              leaked[:5])

        # 2. Rendered by Chromium.
        if not browser:
            missing("the page in headless Chromium", "chromium is not installed (scripts/setup.sh installs it)")
        else:
            dom, console = browse(browser, tmp, page, "--dump-dom")
            check("Chromium renders the page with no console message (error, blocked load)", dom and not console,
                  console[:5])
            rd = Page(dom)
            missing_ids = [i for i in ids if i not in rd.visible]
            check("the rendered text shows every agent id (%d)" % len(ids), not missing_ids, missing_ids[:10])
            want = {}
            for g in doc["agents"]:
                for r in risks(g):
                    want[r] = want.get(r, 0) + 1
            got = {row[1]: int(row[4].replace(",", "")) for row in rd.rows.get("t-risks", []) if len(row) > 4}
            check("the rendered risk table counts the agents of every risk (%d risks, unsanctioned-provider from "
                  "the policy: %d)" % (len(want), want.get("unsanctioned-provider", 0)),
                  want and got == want and want.get("unsanctioned-provider"), (want, got))
            at_risk = sum(1 for g in doc["agents"] if risks(g))
            check("the rendered summary says %d agents with risks" % at_risk, "%d agents with risks" % at_risk in rd.visible)
            shot = a.png or os.path.join(tmp, "report.png")
            _, console = browse(browser, tmp, page, "--screenshot=" + os.path.abspath(shot))
            png = open(shot, "rb").read() if os.path.exists(shot) else b""
            check("a screenshot of the page (%d bytes)" % len(png), png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000
                  and not console, console[:3])
            pdf = os.path.join(tmp, "report.pdf")
            browse(browser, tmp, page, "--no-pdf-header-footer", "--print-to-pdf=" + pdf)
            data = open(pdf, "rb").read() if os.path.exists(pdf) else b""
            pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
            check("the page prints to PDF (%d pages)" % pages, data[:5] == b"%PDF-" and pages > 5)

            # 3. A hostile capture: its strings are text.
            hostile = os.path.join(tmp, "hostile.html")
            p = sensor(binary, src, ["-q", "-r", "pcaps/hostile-user-agent.pcap", "--report", hostile])
            dom, console = browse(browser, tmp, hostile, "--dump-dom")
            hd = Page(dom)
            shown = ["<script>alert(1)</script>", '"><img src=x onerror=alert(2)>', "x' onmouseover='alert(3)' y=\""]
            check("hostile User-Agent and model: shown as text, one script element, no <img>, no handler, no console "
                  "message", p.returncode == 0 and all(s in hd.visible for s in shown) and hd.tags.get("script") == 1
                  and "img" not in hd.tags and not hd.handlers and not console,
                  ([s for s in shown if s not in hd.visible], hd.tags.get("script"), hd.handlers, console[:3]))

        # 4. --baseline: new and gone.
        base_inv, now_inv = os.path.join(tmp, "base.json"), os.path.join(tmp, "now.json")
        diff_page = os.path.join(tmp, "diff.html")
        sensor(binary, src, ["-q", "-c", cfg, "-r", "pcaps/a2a.pcap", "-r", "pcaps/mcp-oauth.pcap", "-r",
                             "pcaps/openai-node-gateway-http.pcap", "--inventory", base_inv])
        p = sensor(binary, src, ["-q", "-c", cfg, "-r", "pcaps/mcp-oauth.pcap", "-r", "pcaps/openai-node-gateway-http.pcap",
                                 "-r", "pcaps/ollama-http.pcap", "-r", "pcaps/product-claude-code.pcap", "--keylog",
                                 "pcaps/keylogs/product-claude-code.keylog", "--inventory", now_inv, "--report", diff_page,
                                 "--baseline", base_inv])
        was, now = items(json.load(open(base_inv))), items(json.load(open(now_inv)))
        dtext = open(diff_page, encoding="utf-8").read() if p.returncode == 0 else ""
        for cat in was:
            new, gone = len(now[cat] - was[cat]), len(was[cat] - now[cat])
            row = "<tr><td>%s</td><td class=n>%d</td><td class=n>%d</td></tr>" % (cat, new, gone)
            check("--baseline: %s %d new, %d gone" % (cat, new, gone), row in dtext and (cat == "OAuth grants" or new or gone),
                  re.findall(r"<tr><td>%s</td>.*?</tr>" % cat, dtext)[:1])
        new_ids = sorted(now["Agents"] - was["Agents"])
        badged = re.findall(r'id="a-([^"]+)"[^>]*><summary>(?:(?!</summary>).)*bdg new', dtext)
        check("--baseline: each new agent's card says new (%d)" % len(new_ids), sorted(badged) == new_ids, (badged, new_ids))
        gone_ids = sorted(was["Agents"] - now["Agents"])
        check("--baseline: the gone agents are listed (%d)" % len(gone_ids),
              gone_ids and all(i in dtext.split("<section id=changes>")[1] for i in gone_ids))
        bad = os.path.join(tmp, "bad.json")
        open(bad, "w").write('{"agents": [\n  {"agent_id": "x",}\n')
        p = sensor(binary, src, ["-q", "-r", "pcaps/a2a.pcap", "--report", diff_page, "--baseline", bad])
        check("--baseline of bad JSON: exit 1, the file, line and column named",
              p.returncode == 1 and (bad + ":2:").encode() in p.stderr and b"not an inventory" in p.stderr, p.stderr)

        # 5. The registry's page equals the replay's; the filters.
        if not (shutil.which("redis-server") and shutil.which("redis-cli")):
            missing("the registry's report", "redis-server not installed (scripts/setup.sh installs it)")
        else:
            r = Redis(tmp)
            r.start()
            try:
                reg_page = os.path.join(tmp, "registry.html")
                p = sensor(binary, src, ["-q", "-c", cfg, "-r", "pcaps", "-r", "pcaps/public"] + keylogs
                           + ["--redis", r.url, "--report", page])
                q = sensor(binary, src, ["report", "--redis", r.url, "-c", cfg, "-o", reg_page])
                rtext = open(reg_page, encoding="utf-8").read() if q.returncode == 0 else ""
                replay_text = open(page, encoding="utf-8").read()
                check("aisensor report: exit 0", p.returncode == 0 and q.returncode == 0, q.stderr[-500:])
                same = cut_provenance(rtext) == cut_provenance(replay_text)
                detail = ""
                if not same:
                    x, y = cut_provenance(replay_text), cut_provenance(rtext)
                    k = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
                    detail = "first difference at %d:\n replay:   %r\n registry: %r" % (k, x[k - 80:k + 120], y[k - 80:k + 120])
                check("the registry's page equals the replay's but for what each was made from (%d agents, same "
                      "destinations, tools, grants, risks)" % len(card_ids(rtext)), same and card_ids(rtext) == ids, detail)
                check("the registry's page says where it came from: the registry, the filters, the sensors "
                      "reporting (their heartbeats)", "the agent registry (Redis)" in rtext and r.url in rtext
                      and "Filters" in rtext and "Sensors reporting now" in rtext and "aisensor: aisensor " in rtext)

                def selected(args):
                    out = os.path.join(tmp, "filtered.html")
                    if os.path.exists(out):
                        os.unlink(out)
                    q = sensor(binary, src, ["report", "--redis", r.url, "-c", cfg, "-o", out] + args)
                    return card_ids(open(out).read()) if q.returncode == 0 else None

                by = {"--kind mcp-server": [g for g in doc["agents"] if g["kind"] == "mcp-server"],
                      "--owner ops@example.com": [g for g in doc["agents"] if g["host"].get("owner") == "ops@example.com"],
                      "--host 127.0.5.101": [g for g in doc["agents"] if g["host"]["ip"] == "127.0.5.101"],
                      "--kind mcp-client --owner ops@example.com": [
                          g for g in doc["agents"] if g["kind"] == "mcp-client" and g["host"].get("owner") == "ops@example.com"],
                      "--since 2026-12-05T00:00:00Z": [g for g in doc["agents"] if g["last_seen"] > "2026-12-05T00:00:00"],
                      "--since 1d": [g for g in doc["agents"]  # a duration back from now
                                     if calendar.timegm(time.strptime(g["last_seen"][:19], "%Y-%m-%dT%H:%M:%S"))
                                     > time.time() - 86400 + 60]}
                for args, want in by.items():
                    got = selected(args.split())
                    check("aisensor report %s: the page has exactly those agents (%d)" % (args, len(want)),
                          got == [g["agent_id"] for g in want] and (want or args == "--since 1d"), (got, len(want)))
            finally:
                r.stop()
    failed = results.count(False)
    print("%d checks, %d failed%s" % (len(results), failed, ", skipped: " + ", ".join(skipped) if skipped else ""))
    if failed:
        return 1
    return SKIP if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
