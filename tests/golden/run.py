#!/usr/bin/env python3
"""Golden tests: the real aisensor binary on the real captures in pcaps/.

For every capture: the inventory must equal NAME.inventory.json byte for
byte and the events must equal NAME.events.json (a JSON array, one pretty-
printed object per event, keys sorted, so that a diff reads) event for
event; a second run and a run with -w 4 must give byte-identical events and
inventory; no recorded test key may appear in any output; and the facts in
facts.json (agents, software, services, models, credentials) must hold.
Also: directory and stdin input, BPF filter, unreadable and truncated
captures. `--update` rewrites the golden files (review the diff!).

A missing input (a capture, ../shared/pcaps-public) fails under CI (env CI
set and not "false"/"0"); elsewhere it is reported as SKIP with the reason."""
import argparse
import calendar
import difflib
import fcntl
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    detail = str(detail) if detail not in ("", None) else ""
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + detail.replace("\n", "\n     ")))


def missing_input(name, why):
    """An input the test needs is absent: a failure under CI, a visible SKIP elsewhere."""
    if IN_CI:
        check(name, False, why + " (CI is set: a missing input is a failure)")
    else:
        print("SKIP %s: %s" % (name, why))


def wait_for(cond, timeout, step=0.02):
    """Polls cond() until it is true or timeout seconds passed; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


# ---- events: JSON lines from the binary, a pretty JSON array in the golden file ----

def _unique_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError("duplicate key(s) %s" % dups)
    return dict(pairs)


def parse_events(raw):
    """The binary's events (JSON lines) as a list of objects. A line that is
    not one JSON object, a duplicate key or a missing final newline raises
    ValueError naming the line: json.loads alone would keep the last of two
    duplicate keys and hide the bug."""
    if not raw:
        return []
    if not raw.endswith(b"\n"):
        raise ValueError("the last line has no newline")
    out = []
    for n, line in enumerate(raw[:-1].split(b"\n"), 1):
        try:
            obj = json.loads(line, object_pairs_hook=_unique_keys)
        except ValueError as e:
            raise ValueError("line %d: %s: %r" % (n, e, line[:200]))
        if not isinstance(obj, dict):
            raise ValueError("line %d is not a JSON object: %r" % (n, line[:200]))
        out.append(obj)
    return out


def pretty(obj):
    """The one printed form of an event: golden files, diffs."""
    return json.dumps(obj, indent=2, sort_keys=True)


def golden_events_text(events):
    return pretty(events) + "\n"


def load_golden_events(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f, object_pairs_hook=_unique_keys)
    if not isinstance(doc, list) or not all(isinstance(e, dict) for e in doc):
        raise ValueError("%s: not a JSON array of objects" % path)
    return doc


def events_diff(want, got, want_name, got_name, limit=80):
    """'' when the two event lists are equal; else which event differs first
    (its index) and a unified diff of the pretty forms of that event."""
    if want == got:
        return ""
    n = min(len(want), len(got))
    i = next((k for k in range(n) if want[k] != got[k]), n)
    differing = sum(1 for k in range(n) if want[k] != got[k]) + abs(len(want) - len(got))
    a = pretty(want[i]).splitlines() if i < len(want) else []
    b = pretty(got[i]).splitlines() if i < len(got) else []
    head = "%d vs %d events, %d position(s) differ; first: event #%d (0-based)" % (len(want), len(got), differing, i)
    if i >= len(want) or i >= len(got):
        head += " (present in %s only)" % (got_name if i >= len(want) else want_name)
    diff = list(difflib.unified_diff(a, b, "%s #%d" % (want_name, i), "%s #%d" % (got_name, i), lineterm=""))
    if len(diff) > limit:
        diff = diff[:limit] + ["... (%d more diff lines)" % (len(diff) - limit)]
    return "\n".join([head] + diff)


def raw_events_diff(want_raw, got_raw, want_name, got_name):
    """'' when two event outputs are byte-identical; else where they differ."""
    if want_raw == got_raw:
        return ""
    try:
        d = events_diff(parse_events(want_raw), parse_events(got_raw), want_name, got_name)
    except ValueError as e:
        d = "unparsable events: %s" % e
    if d:
        return d
    wl, gl = want_raw.split(b"\n"), got_raw.split(b"\n")
    i = next((k for k in range(min(len(wl), len(gl))) if wl[k] != gl[k]), min(len(wl), len(gl)))
    return "same events, different bytes (key order or spacing) at line %d:\n-%r\n+%r" % (
        i + 1, wl[i][:300] if i < len(wl) else b"", gl[i][:300] if i < len(gl) else b"")


def text_diff(want, got, want_name, got_name, limit=60):
    """A unified diff of two outputs (bytes), cut to limit lines."""
    if want == got:
        return ""
    diff = list(difflib.unified_diff(want.decode(errors="replace").splitlines(), got.decode(errors="replace").splitlines(),
                                     want_name, got_name, lineterm=""))
    if not diff:
        return "same lines, different bytes (line endings or final newline)"
    if len(diff) > limit:
        diff = diff[:limit] + ["... (%d more diff lines)" % (len(diff) - limit)]
    return "\n".join(diff)


def run(binary, args, src, stdin=None, pre=()):
    p = subprocess.run(list(pre) + [binary] + args, cwd=src, input=stdin, capture_output=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def replay(binary, src, capture, tmp, tag, workers, pre=(), extra=()):
    ev = os.path.join(tmp, tag + ".events.jsonl")
    inv = os.path.join(tmp, tag + ".inventory.json")
    for f in (ev, inv):  # never compare a previous capture's output
        if os.path.exists(f):
            os.unlink(f)
    rc, out, err = run(binary, ["-q", "-w", str(workers), "-r", capture, "--events", ev, "--inventory", inv] + list(extra),
                       src, pre=pre)
    if not (os.path.exists(ev) and os.path.exists(inv)):
        sys.exit("FAIL %s -w %d wrote no output (exit %d): %s" % (capture, workers, rc, err.decode(errors="replace")))
    with open(ev, "rb") as f:
        events = f.read()
    with open(inv, "rb") as f:
        inventory = f.read()
    return rc, out + err, events, without_generated(inventory)


GENERATED = re.compile(rb'^  "generated": "(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)",$', re.M)
GENERATED_FIXED = b"1970-01-01T00:00:00.000Z"


def without_generated(inventory):
    """The inventory less the one field a replay does not fix, its wall-clock
    `generated` time: checked to be this run's (within a day), then written
    as the epoch so documents compare byte for byte."""
    m = GENERATED.search(inventory)
    if not m:
        return inventory  # not an inventory document: the comparison says so
    t = calendar.timegm(time.strptime(m.group(1).decode()[:19], "%Y-%m-%dT%H:%M:%S"))
    if abs(t - time.time()) > 86400:
        return inventory
    return inventory[:m.start(1)] + GENERATED_FIXED + inventory[m.end(1):]


def pipe_unread(f):
    """Bytes written to a pipe that its reader has not read yet."""
    return int.from_bytes(fcntl.ioctl(f.fileno(), termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)


def catches(pid, sig):
    """Whether process pid has a handler installed for sig (/proc: SigCgt)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            cgt = next(l.split()[1] for l in f if l.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    return bool(int(cgt, 16) >> (int(sig) - 1) & 1)


def read_line(f, timeout):
    """One line from a pipe, or b"" when none came within timeout seconds."""
    if not select.select([f], [], [], timeout)[0]:
        return b""
    return f.readline()


def streamed_matches(got, want):
    """Answers streamed in sealed TLS: their count, that the output tokens
    are marked an estimate, and that the range holds the true total."""
    if got.get("responses") != want["responses"] or got.get("estimated") is not True:
        return False
    ot = got.get("output_tokens") or {}
    return "true_tokens" not in want or ot.get("min", 0) <= want["true_tokens"] <= ot.get("max", -1)


def matches(agent, want):
    """A fact is a partial agent description; every key given must hold."""
    sw = agent.get("software") or {}
    dests = agent.get("destinations", [])
    if "kind" in want and agent["kind"] != want["kind"]:
        return False
    if "software" in want and sw.get("name") != want["software"]:
        return False
    if "version" in want and sw.get("version") != want["version"]:
        return False
    if "runtime" in want and sw.get("runtime") != want["runtime"]:
        return False
    if "host" in want and agent["host"]["ip"] != want["host"]:
        return False
    if "host_key" in want and agent["host"].get("key") != want["host_key"]:
        return False
    if "hostname" in want and agent["host"].get("hostname") != want["hostname"]:
        return False
    if "users" in want and not set(want["users"]) <= set(agent["host"].get("users", [])):
        return False
    if "flows" in want and agent["evidence"]["flows"] != want["flows"]:
        return False
    if "partial" in want and agent["evidence"].get("partial", []) != want["partial"]:
        return False
    if "service" in want and not any(d["service"] == want["service"] for d in dests):
        return False
    if "endpoint" in want and not any(d["endpoint"] == want["endpoint"] for d in dests):
        return False
    for m in want.get("models", []):
        if not any(m in d.get("models", []) for d in dests) and m not in (agent.get("server") or {}).get("models", []):
            return False
    for op in want.get("operations", []):
        if not any(op in d.get("operations", []) for d in dests) and op not in (agent.get("server") or {}).get("operations", []):
            return False
    for c in want.get("credentials", []):
        if not any(k["type"] == c["type"] and k["where"] == c["where"] for k in agent.get("credentials", [])):
            return False
    for r in want.get("risks", []):
        if r not in agent.get("risks", []):
            return False
    if "tls" in want and not any(d["tls"] == want["tls"] for d in dests):
        return False
    if "transports" in want and not any(d.get("transports") == want["transports"] for d in dests):
        return False
    if "basis" in want and not any(d.get("basis") == want["basis"] for d in dests):
        return False
    if "agent_basis" in want and agent["evidence"].get("basis") != want["agent_basis"]:
        return False
    if "requests" in want and not any(d.get("requests") == want["requests"] and
                                      d["service"] == want.get("service", d["service"]) for d in dests):
        return False
    if "decrypted" in want and not any(d.get("decrypted", False) == want["decrypted"] and
                                       d["service"] == want.get("service", d["service"]) for d in dests):
        return False
    if "streamed" in want and not any(streamed_matches(d.get("streamed") or {}, want["streamed"]) for d in dests):
        return False
    if "ja4" in want and want["ja4"] not in agent.get("fingerprints", {}).get("ja4", []):
        return False
    if "product" in want and any((agent.get("product") or {}).get(k) != v for k, v in want["product"].items()):
        return False
    if "related" in want and len(agent.get("related") or []) != want["related"]:
        return False
    if "mcp" in want and not mcp_matches(agent.get("mcp") or {}, want["mcp"]):
        return False
    if "oauth" in want and not any(oauth_matches(g, want["oauth"], agent) for g in agent.get("oauth") or []):
        return False
    if "a2a" in want:
        x = agent.get("a2a") or {}
        for k, v in want["a2a"].items():
            if isinstance(v, list) and not set(v) <= set(x.get(k, [])):
                return False
            if not isinstance(v, list) and x.get(k) != v:
                return False
    return True


def mcp_matches(m, want):
    for k, v in want.items():
        if k == "servers_contain":
            if v not in m.get("servers", []):
                return False
        elif k == "tools_called":
            called = {t["name"]: t["calls"] for t in m.get("tools_called", [])}
            if any(called.get(n) != c for n, c in v.items()):
                return False
        elif k == "tools_listed":
            listed = {t["name"]: t for t in m.get("tools_listed", [])}
            for n, hints in v.items():
                if n not in listed or any(listed[n].get(h) != hv for h, hv in hints.items()):
                    return False
        elif isinstance(v, list):
            if not set(v) <= set(m.get(k, [])):
                return False
        elif m.get(k) != v:
            return False
    return True


def oauth_matches(g, want, agent):
    for k, v in want.items():
        if k == "mcp_server_is":
            if not g.get("mcp_server"):
                return False
        elif isinstance(v, list):
            if not set(v) <= set(g.get(k, [])):
                return False
        elif g.get(k) != v:
            return False
    return True


def element_key(array, el):
    if array == "destinations":
        return "%s|%s|%s" % (el.get("service", ""), el.get("endpoint", ""), "tls" if el.get("tls") else "clear")
    if array == "credentials":
        return "%s|%s" % (el.get("fingerprint", ""), el.get("where", ""))
    if array == "oauth":
        return "%s|%s" % (el.get("issuer", ""), el.get("client_id", ""))
    for k in ("agent_id", "name"):
        if k in el:
            return el[k]
    return json.dumps(el, sort_keys=True, separators=(",", ":"))


def flatten(rec, path="", key="", out=None):
    """An inventory record as the flat fields a registry holds (exporter/README.md):
    nulls, empty arrays and zero counters too; an array of objects is a field
    of its own ([]) besides its elements' fields."""
    out = {} if out is None else out
    if isinstance(rec, dict):
        for k, v in rec.items():
            flatten(v, (path + "." if path else "") + k, k, out)
    elif isinstance(rec, list) and rec and isinstance(rec[0], dict):
        out[path] = []
        for el in rec:
            flatten(el, "%s[%s]" % (path, element_key(key, el).replace("[", "_").replace("]", "_")), "", out)
    elif isinstance(rec, list):
        out[path] = sorted(rec)
    else:
        out[path] = rec
    return out


def canonical(v):
    """A value as the registry stores it (compact JSON for arrays), in bytes."""
    return (v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))).encode()


def keylog_hex(text):
    """The hex strings of a key log's lines (client randoms, secrets), lower
    case: none may appear in any output."""
    out = set()
    for line in text.splitlines():
        f = line.split()
        if len(f) == 3 and not line.startswith("#"):
            out.update(x.lower().encode() for x in f[1:])
    return out


def keylog_material(path):
    return sorted(keylog_hex(open(path).read()))


def dsb_material(path):
    """The key log hex strings of a pcapng's Decryption Secrets Blocks."""
    import struct
    out = set()
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        return []
    off, order = 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            order = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack(order + "II", data[off:off + 8])
        if blen < 12:
            break
        if btype == 0x0A:
            stype, slen = struct.unpack(order + "II", data[off + 8:off + 16])
            if stype == 0x544C534B:
                out |= keylog_hex(data[off + 16:off + 16 + slen].decode(errors="replace"))
        off += blen
    return sorted(out)


def merge_contributions(lines):
    """Reference merge of agent contributions: what any registry must hold.
    None is a null: held while nothing else is known."""
    reg, applied, versions = {}, set(), {}
    for c in lines:
        a = reg.setdefault(c["id"], {})
        for op in ("last", "min", "max", "set"):
            for k, v in c.get(op, {}).items():
                if v is None:
                    a.setdefault(k, None)
                elif op == "last":
                    at = (c["version"], c.get("inventory_time", 0), canonical(v))
                    if a.get(k) is None or versions[(c["id"], k)] < at:
                        versions[(c["id"], k)] = at
                        a[k] = v
                elif a.get(k) is None:
                    a[k] = v
                else:
                    a[k] = min(a[k], v) if op == "min" else max(a[k], v)
        for k, v in c.get("union", {}).items():
            a[k] = sorted(set(a.get(k, [])) | set(v))
        if (c["id"], c.get("dedupe")) in applied and c.get("dedupe"):
            continue
        applied.add((c["id"], c.get("dedupe")))
        for k, v in c.get("add", {}).items():
            a[k] = a.get(k, 0) + v
    # the record omits it while empty (aisensor agents does as well)
    return {i: {k: v for k, v in a.items() if not (k == "evidence.partial" and v == [])} for i, a in reg.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aisensor")
    ap.add_argument("src")
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    binary, src = os.path.abspath(a.aisensor), os.path.abspath(a.src)
    facts = json.load(open(os.path.join(HERE, "facts.json")))
    # Every secret the recordings put on the wire: static test keys and the
    # tokens, codes and client secrets the OAuth flow minted.
    keys = []
    for kf in sorted(glob.glob("pcaps/*/test-keys.txt", root_dir=src) + glob.glob("pcaps/*/wire-secrets.txt", root_dir=src)):
        keys += [k.strip().encode() for k in open(os.path.join(src, kf)) if k.strip() and not k.startswith("#")]
    check("test keys loaded", len(keys) >= 20, "found %d" % len(keys))
    captures = sorted(glob.glob("pcaps/*.pcap*", root_dir=src) + glob.glob("pcaps/public/*.pcap*", root_dir=src)
                      + glob.glob("pcaps/partial/*.pcap", root_dir=src))
    check("captures present", len(captures) >= 10, "found %d" % len(captures))
    # A capture with its key log (pcaps/keylogs/NAME.keylog) is also replayed
    # opened with it, as the case "NAME+keylog": its own golden files and
    # facts, and none of the log's material in any output.
    cases = []
    for cap in captures:
        cases.append((os.path.basename(cap), cap, []))
        kl = os.path.join("pcaps/keylogs", os.path.splitext(os.path.basename(cap))[0] + ".keylog")
        if os.path.exists(os.path.join(src, kl)):
            cases.append((os.path.basename(cap) + "+keylog", cap, ["--keylog", kl]))
    names = {c[0] for c in cases}
    # A golden file or a fact without its capture is never compared: a capture
    # renamed or lost must not leave its golden test passing by absence.
    orphans = []
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".events.jsonl"):
            orphans.append(f + " (old format: now NAME.events.json)")
        for suffix in (".inventory.json", ".events.json"):
            if f.endswith(suffix) and f[: -len(suffix)] not in names:
                orphans.append(f)
    orphans += ["facts.json: " + k for k in sorted(facts) if k not in names]
    check("every golden file and fact belongs to a capture", not orphans, orphans)
    with tempfile.TemporaryDirectory() as tmp:
        for name, cap, extra in cases:
            rc, log, events, inventory = replay(binary, src, cap, tmp, "w1", 1, extra=extra)
            check(name + ": exit 0", rc == 0, log.decode(errors="replace")[-400:])
            gi = os.path.join(HERE, name + ".inventory.json")
            ge = os.path.join(HERE, name + ".events.json")
            try:
                got_events, parse_error = parse_events(events), ""
            except ValueError as e:
                got_events, parse_error = None, str(e)
            check(name + ": events are JSON lines, one object each, no duplicate key", got_events is not None, parse_error)
            if a.update:
                with open(gi, "wb") as f:
                    f.write(inventory)
                if got_events is not None:
                    with open(ge, "w", encoding="utf-8") as f:
                        f.write(golden_events_text(got_events))
            if os.path.exists(gi):
                with open(gi, "rb") as f:
                    want_inv = f.read()
                check(name + ": inventory equals golden", want_inv == inventory,
                      text_diff(want_inv, inventory, "golden/" + os.path.basename(gi), "this run"))
            else:
                check(name + ": inventory equals golden", False, "%s is missing (run with --update)" % gi)
            if not os.path.exists(ge):
                check(name + ": events equal golden", False, "%s is missing (run with --update)" % ge)
            elif got_events is not None:
                try:
                    want_events, detail = load_golden_events(ge), ""
                except ValueError as e:
                    want_events, detail = None, "unreadable golden file: %s" % e
                if want_events is not None:
                    detail = events_diff(want_events, got_events, "golden/" + os.path.basename(ge), "this run")
                check(name + ": events equal golden", not detail, detail)
            rc2, _, events2, inventory2 = replay(binary, src, cap, tmp, "w1b", 1, extra=extra)
            check(name + ": second run identical", rc2 == rc and events2 == events and inventory2 == inventory,
                  "exit %d vs %d\n" % (rc2, rc) + raw_events_diff(events, events2, "first run", "second run")
                  + "\n" + text_diff(inventory, inventory2, "first run inventory", "second run inventory"))
            rc4, _, events4, inventory4 = replay(binary, src, cap, tmp, "w4", 4, extra=extra)
            check(name + ": -w 4 exit as -w 1", rc4 == rc, "exit %d vs %d" % (rc4, rc))
            check(name + ": -w 4 inventory identical to -w 1", inventory4 == inventory,
                  text_diff(inventory, inventory4, "-w 1 inventory", "-w 4 inventory"))
            # The design promises the same output for any number of workers:
            # the whole event list, in order, byte for byte.
            check(name + ": -w 4 events identical to -w 1", events4 == events,
                  raw_events_diff(events, events4, "-w 1", "-w 4"))
            leaked = [k.decode() for k in keys if k in events or k in inventory or k in log]
            check(name + ": no test key in any output", not leaked, "leaked: %s" % leaked)
            embedded = dsb_material(os.path.join(src, cap))
            if embedded:
                out = (events + inventory + log).lower()
                leaked = [m.decode()[:16] + "…" for m in embedded if m in out]
                check(name + ": nothing of its decryption secrets block (%d randoms and secrets) in any output"
                      % len(embedded), not leaked, "leaked: %s" % leaked)
            if extra:
                material = keylog_material(os.path.join(src, extra[1]))
                out = (events + inventory + log).lower()
                leaked = [m.decode()[:16] + "…" for m in material if m in out]
                check(name + ": nothing of the key log (%d randoms and secrets) in any output" % len(material),
                      material and not leaked, "leaked: %s" % leaked)
            doc = json.loads(inventory)
            want = facts.get(name)
            check(name + ": has facts in facts.json", want is not None)
            if want is None:
                continue
            check(name + ": %d agents" % want["agents"], len(doc["agents"]) == want["agents"],
                  "got %d: %s" % (len(doc["agents"]), [(g["kind"], (g["software"] or {}).get("name"), g["host"]["ip"]) for g in doc["agents"]]))
            for w in want.get("expect", []):
                check(name + ": agent " + json.dumps(w, sort_keys=True), any(matches(g, w) for g in doc["agents"]))

        # The registry feed merges into exactly the inventory: every field, every
        # counter, in any order, and sent twice changes nothing.
        for name, cap, extra in cases:
            feed = os.path.join(tmp, "feed.jsonl")
            inv = os.path.join(tmp, "feed-inv.json")
            for f in (feed, inv):  # never merge a previous capture's feed
                if os.path.exists(f):
                    os.unlink(f)
            rc, _, err = run(binary, ["-q", "-r", cap, "--contributions", feed, "--inventory", inv] + extra, src)
            if not (rc == 0 and os.path.exists(feed) and os.path.exists(inv)):
                check(name + ": contributions run", False, "exit %d: %s" % (rc, err.decode(errors="replace")[-400:]))
                continue
            with open(feed, "rb") as f:
                raw = f.read()
            leaked = [k.decode() for k in keys if k in raw]
            check(name + ": no test key in the contributions", not leaked, "leaked: %s" % leaked)
            lines = [json.loads(l) for l in raw.splitlines()]
            want = {g["agent_id"]: flatten(g) for g in json.load(open(inv))["agents"]}
            got = merge_contributions(lines)
            again = merge_contributions(list(reversed(lines)) + lines)
            ok = got == want and again == want
            detail = ""
            if not ok:
                for i in sorted(set(want) | set(got)):
                    w, g = want.get(i, {}), got.get(i, {})
                    diff = sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))
                    if diff:
                        detail = "%s: %s" % (i, [(k, w.get(k), g.get(k)) for k in diff[:4]])
                        break
            check(name + ": contributions merge into the inventory (any order, twice)", ok, detail)
            # The same contributions, line for line, on a second run and with four
            # workers: windows are cut at packet-time boundaries, never by timing.
            differ = ""
            for args in (["-w", "1"], ["-w", "4"]):
                feed2 = os.path.join(tmp, "feed2.jsonl")
                if os.path.exists(feed2):
                    os.unlink(feed2)
                rc2, _, _ = run(binary, ["-q", "-r", cap, "--contributions", feed2] + args + extra, src)
                again = open(feed2, "rb").read().splitlines() if rc2 == 0 and os.path.exists(feed2) else []
                first = raw.splitlines()
                if again != first and not differ:
                    k = next((i for i, (x, y) in enumerate(zip(first, again)) if x != y), min(len(first), len(again)))
                    differ = "%s: %d vs %d lines, line %d:\n%s\n%s" % (" ".join(args), len(first), len(again), k,
                                                                       (first[k:k + 1] or [b""])[0].decode()[:700],
                                                                       (again[k:k + 1] or [b""])[0].decode()[:700])
            check(name + ": contributions identical run to run and with -w 4 (%d lines)" % len(lines), not differ, differ)

        # The table says what an A2A client calls and which MCP revisions are spoken.
        rc, table, _ = run(binary, ["-r", "pcaps/a2a.pcap", "-r", "pcaps/mcp2-auto-v1.pcap"], src)
        table = table.decode(errors="replace")
        check("table: each A2A client connects to the agent it calls",
              table.count("connects to a2a-agent 127.0.4.7:9999/a2a/jsonrpc cleartext, 2 flows") == 2, table[:1500])
        check("table: MCP revisions of client and servers",
              "mcp client  revisions 2025-11-25,2026-07-28  servers" in table
              and table.count("mcp server  revisions 2025-11-25  tools") == 2, table[-1500:])

        # QUIC and ECH: Chromium's Encrypted Client Hello names a shared front
        # outside; the host's DNS answers (A, and an HTTPS record offering h3
        # and ECH) name the service.
        rc, out, _ = run(binary, ["-q", "-r", "pcaps/quic-chromium-ech.pcap", "--events", "-"], src)
        evs = [json.loads(l) for l in out.splitlines()] if rc == 0 else []
        conn = [e for e in evs if e["event"]["action"] == "ai-connection"]
        https = [e for e in evs if e["event"]["action"] == "ai-dns-query" and "https_record" in e["aisensor"]]
        c = conn[0] if len(conn) == 1 else {}
        check("ECH over QUIC: outer name kept, service named by the host's DNS",
              c.get("tls", {}).get("client", {}).get("server_name") == "cloudflare-ech.com"
              and c.get("destination", {}).get("domain") == "chatgpt.com"
              and c.get("network", {}).get("protocol") == "quic"
              and c.get("aisensor", {}).get("tls") == {"ja4": "q13d0312h3_55b375c5d22e_178839b6cec1", "ech": True, "name_from": "dns"}
              and c.get("aisensor", {}).get("quic") == {"version": "0x00000001"}, json.dumps(conn)[:800])
        check("ECH over QUIC: the HTTPS record's h3 and ECH reported",
              len(https) == 1 and https[0]["aisensor"]["https_record"] == {"h3": True, "ech": True}, json.dumps(https)[:400])

        # The public MCP lab capture (no licence: read from ../shared, never copied).
        poc = os.path.join(src, "..", "shared", "pcaps-public", "zeek_poc", "mcp_detect", "mcp-traffic.pcap")
        if not os.path.exists(poc):
            missing_input("public MCP capture", "%s is absent" % os.path.normpath(poc))
        else:
            rc, out, err = run(binary, ["-q", "-r", poc, "--inventory", "-"], src)
            ags = json.loads(out)["agents"] if rc == 0 else []
            clients = sorted((a["software"]["name"] or "") for a in ags if a["kind"] == "mcp-client")
            servers = [a for a in ags if a["kind"] == "mcp-server"]
            tools = sorted(t["name"] for s_ in servers for t in s_["mcp"]["tools_listed"])
            calls = {t["name"]: t["calls"] for s_ in servers for t in s_["mcp"]["tools_called"]}
            # Ground truth read from the capture (SOURCES.md): three clients, one
            # server test-mcp-server 1.0.0 without auth, tools read_file, run_query,
            # send_email (summarize is a prompt), 11 calls.
            check("public MCP capture: clients", clients == ["legacy-client", "unauth-client", "zeek-test-client"], str(clients))
            check("public MCP capture: server", len(servers) == 1 and servers[0]["software"]["name"] == "test-mcp-server"
                  and servers[0]["software"]["version"] == "1.0.0" and servers[0]["mcp"]["auth"] == "none", str(servers)[:300])
            check("public MCP capture: tools listed", tools == ["read_file", "run_query", "send_email"], str(tools))
            check("public MCP capture: tools called", calls == {"read_file": 1, "run_query": 9, "send_email": 1}, str(calls))

        # Bytes from the wire that are not UTF-8 (curl sending a Latin-1
        # User-Agent): strict UTF-8 JSON, the byte written as U+FFFD and counted.
        rc, out, err = run(binary, ["-r", "pcaps/utf8-user-agent.pcap", "--events", "-"], src)
        try:
            evs = [json.loads(line.decode("utf-8", errors="strict")) for line in out.splitlines()]
        except ValueError as e:
            evs = [str(e)]
        uas = [e["user_agent"]["original"] for e in evs if isinstance(e, dict) and "user_agent" in e]
        check("a User-Agent that is not UTF-8: valid JSON, U+FFFD in its place, counted",
              rc == 0 and uas == ["Caf\ufffd-agent/1.0"] and b"(1 bytes that were not UTF-8 written as U+FFFD)" in err,
              "%s %r" % (uas, err[-300:]))

        # Owners and teams come from the inventory: a host entry, a network, a CSV row.
        cfg = os.path.join(tmp, "inv.yaml")
        csv = os.path.join(tmp, "cmdb.csv")
        open(csv, "w").write("hostname,ip,owner,team,site,tags\n,127.0.1.13,carol@example.com,sre,lab,\"ci,shared\"\n")
        open(cfg, "w").write("inventory:\n  networks:\n    - {cidr: 127.0.0.0/8, site: lab, team: platform}\n"
                             "  hosts:\n    - {ip: 127.0.1.11, owner: alice@example.com, team: data}\n"
                             "  csv: %s\n" % csv)
        rc, out, err = run(binary, ["-q", "-c", cfg, "-r", "pcaps/openai-node-gateway-http.pcap", "-r",
                                    "pcaps/curl-h1-h2.pcap", "--inventory", "-"], src)
        hosts = {a["host"]["ip"]: a["host"] for a in json.loads(out)["agents"]} if rc == 0 else {}
        check("inventory host entry gives owner and team", hosts.get("127.0.1.11", {}).get("owner") == "alice@example.com"
              and hosts["127.0.1.11"].get("team") == "data" and hosts["127.0.1.11"].get("site") == "lab", hosts.get("127.0.1.11"))
        check("CSV row gives owner, team, tags", hosts.get("127.0.1.13", {}).get("owner") == "carol@example.com"
              and hosts["127.0.1.13"].get("tags") == ["ci", "shared"], hosts.get("127.0.1.13"))
        check("a host known only by its network: unknown owner, the network's team",
              "127.0.2.3" in hosts and hosts["127.0.2.3"].get("owner") is None and hosts["127.0.2.3"].get("team") == "platform",
              hosts.get("127.0.2.3"))
        open(cfg, "w").write("inventory:\n  networks:\n    - {cidr: 127.0.0.0/33}\n")
        rc, out, err = run(binary, ["check", "-c", cfg], src)
        check("bad inventory cidr is file:line: problem", rc == 1 and (cfg + ":3:").encode() in err, err.decode())

        # SIGHUP mid-replay reloads the inventory; flows and agents carry on.
        data = open(os.path.join(src, "pcaps/openai-node-gateway-http.pcap"), "rb").read()
        cut, n = 24, 0
        while cut < len(data) and n < 20:
            cut += 16 + int.from_bytes(data[cut + 8:cut + 12], "little")
            n += 1
        open(cfg, "w").write("inventory:\n  hosts:\n    - {ip: 127.0.1.11, owner: before@example.com}\n")
        proc = subprocess.Popen([binary, "-q", "-c", cfg, "-r", "-", "--inventory", "-"], cwd=src,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdin.write(data[:cut])
        proc.stdin.flush()
        # SIGHUP mid-replay: once the sensor has read the first packets (the
        # pipe is empty) and catches SIGHUP (before, it would kill it).
        mid = wait_for(lambda: proc.poll() is not None or (pipe_unread(proc.stdin) == 0 and catches(proc.pid, signal.SIGHUP)), 60)
        check("SIGHUP test: sensor read the first packets and handles SIGHUP", mid and proc.poll() is None,
              "exit %s, %s bytes unread" % (proc.poll(), pipe_unread(proc.stdin)))
        open(cfg, "w").write("inventory:\n  hosts:\n    - {ip: 127.0.1.11, owner: after@example.com}\n")
        proc.send_signal(signal.SIGHUP)
        line = read_line(proc.stderr, 60)
        proc.stdin.write(data[cut:])
        out, err = proc.communicate(timeout=60)
        doc = json.loads(out) if proc.returncode == 0 else {"agents": []}
        owners = {a["host"]["owner"] for a in doc["agents"] if a["host"]["ip"] == "127.0.1.11"}
        ids = sorted(a["agent_id"] for a in doc["agents"])
        ref = sorted(a["agent_id"] for a in json.loads(open(os.path.join(HERE, "openai-node-gateway-http.pcap.inventory.json")).read())["agents"])
        check("SIGHUP reloads the inventory mid-replay", b"reloaded" in line and owners == {"after@example.com"},
              (line, owners, err[-300:]))
        check("SIGHUP keeps flows and agents (same agents as an uninterrupted run)", ids == ref, (ids, ref))

        # A directory replays every capture in it, sorted; -w 2 must agree.
        rc, log, ev_dir, inv_dir = replay(binary, src, "pcaps", tmp, "dir1", 1)
        _, _, ev_dir2, inv_dir2 = replay(binary, src, "pcaps", tmp, "dir2", 2)
        check("directory input: exit 0", rc == 0, log.decode(errors="replace")[-400:])
        check("directory input: -w 2 inventory identical", inv_dir == inv_dir2,
              text_diff(inv_dir, inv_dir2, "-w 1 inventory", "-w 2 inventory"))
        check("directory input: -w 2 events identical", ev_dir == ev_dir2, raw_events_diff(ev_dir, ev_dir2, "-w 1", "-w 2"))
        # On one CPU, -w 1 dissects on the reading thread (no hand-off): the same output.
        rc1, log1, ev_one, inv_one = replay(binary, src, "pcaps", tmp, "dir3", 1, pre=["taskset", "-c", "0"])
        _, _, sum1 = run(binary, ["-r", "pcaps", "--events", os.devnull], src, pre=["taskset", "-c", "0"])
        check("one CPU: -w 1 runs on the reading thread, says so, same inventory and events",
              rc1 == 0 and b"on the reading thread" in sum1 and inv_one == inv_dir and ev_one == ev_dir,
              (rc1, sum1.decode(errors="replace")[-300:], text_diff(inv_dir, inv_one, "two CPUs", "one CPU")))
        n_dir = len(json.loads(inv_dir)["agents"])
        with_agents = sum(f["agents"] > 0 for k, f in facts.items() if not k.endswith("+keylog"))
        check("directory input: agents found", n_dir >= with_agents, "got %d" % n_dir)

        # stdin gives the same agents as the file.
        cap = "pcaps/openai-node-gateway-http.pcap"
        data = open(os.path.join(src, cap), "rb").read()
        rc, out, err = run(binary, ["-q", "-r", "-", "--inventory", "-"], src, stdin=data)
        _, _, _, inv_file = replay(binary, src, cap, tmp, "stdin-ref", 1)
        check("stdin input: same agents as the file",
              rc == 0 and json.loads(out)["agents"] == json.loads(inv_file)["agents"], err.decode(errors="replace")[-300:])

        # A BPF filter applies: DNS only leaves no agent in a TLS capture.
        rc, out, err = run(binary, ["-q", "-f", "udp port 53", "-r", "pcaps/openai-node-tls.pcap", "--inventory", "-"], src)
        check("BPF filter applies", rc == 0 and json.loads(out)["agents"] == [] and json.loads(out)["sensor"]["packets"]["read"] > 0)
        rc, out, err = run(binary, ["-q", "-f", "not a filter((", "-r", "pcaps/openai-node-tls.pcap"], src)
        check("bad BPF filter is a clear error", rc != 0 and b"filter" in err, err.decode(errors="replace"))

        # An unreadable or non-capture file is a clear error naming it.
        rc, out, err = run(binary, ["-q", "-r", "pcaps/README.md"], src)
        check("non-capture file: error names it", rc != 0 and b"pcaps/README.md" in err, err.decode(errors="replace"))
        rc, out, err = run(binary, ["-q", "-r", "pcaps/no-such-file.pcap"], src)
        check("missing file: error names it", rc != 0 and b"no-such-file.pcap" in err, err.decode(errors="replace"))
        # Start failures of a live run say what failed; no empty table follows.
        rc, out, err = run(binary, ["-i", "nosuch0"], src)
        check("live start: an unknown interface is named, exit 1, no empty table",
              rc == 1 and b"interface nosuch0: no such interface" in err and b"Statistics" not in out + err,
              err.decode(errors="replace"))
        rc, out, err = run(binary, ["-i", "lo", "-f", "not a filter(("], src)
        check("live start: a bad filter is named, exit 1", rc == 1 and b"filter 'not a filter(('" in err,
              err.decode(errors="replace"))
        if os.geteuid() == 0 and shutil.which("setpriv"):
            rc, out, err = run(binary, ["-i", "lo"], src, pre=["setpriv", "--reuid", "65534", "--regid", "65534",
                                                               "--clear-groups"])
            check("live start without capture rights: says so, exit 1",
                  rc == 1 and b"interface lo: opening a packet socket: Operation not permitted" in err,
                  err.decode(errors="replace"))
        # A mistyped -r leaves a good inventory as it was, and says so.
        good = os.path.join(tmp, "good-inventory.json")
        rc, _, _ = run(binary, ["-q", "-r", "pcaps/openai-node-tls.pcap", "--inventory", good], src)
        before = open(good, "rb").read() if rc == 0 else b""
        rc, out, err = run(binary, ["-q", "-r", "pcaps/no-such-file.pcap", "--inventory", good], src)
        check("a run that read nothing leaves the inventory as it was, and says so",
              rc != 0 and before and open(good, "rb").read() == before and b"left as it was" in err,
              err.decode(errors="replace"))
        # Two outputs on one file would overwrite each other: refused, naming them.
        rc, out, err = run(binary, ["-q", "-r", "pcaps/openai-node-tls.pcap", "--events", good, "--inventory", good], src)
        check("events and inventory on one file: refused, both named", rc != 0 and b"events and inventory" in err
              and good.encode() in err and open(good, "rb").read() == before, err.decode(errors="replace"))

        # A capture cut mid-packet: the packets before the cut still count.
        cut = os.path.join(tmp, "cut.pcap")
        full = open(os.path.join(src, "pcaps/openai-node-gateway-http.pcap"), "rb").read()
        open(cut, "wb").write(full[: len(full) * 2 // 3 + 7])
        rc, out, err = run(binary, ["-q", "-r", cut, "--inventory", "-"], src)
        ok = rc == 3 and b"cut.pcap" in err and len(json.loads(out)["agents"]) > 0
        check("truncated capture: agents before the cut, error names the file, exit 3", ok,
              "rc=%d %s" % (rc, err.decode(errors="replace")[-300:]))

        # nDPI's names: a flow our TLS or DNS parse names for nDPI (without
        # feeding it) gets the name nDPI gives when fed every packet.
        every = os.path.join(tmp, "ndpi-all.yaml")
        open(every, "w").write("capture:\n  ndpi_all_packets: 1\n")
        differ, named = [], 0
        for cap in captures:
            lines = []
            for extra in ([], ["-c", every]):
                _, _, err = run(binary, extra + ["-r", cap, "--inventory", "/dev/null"], src)
                lines.append([l for l in err.decode(errors="replace").splitlines() if l.startswith("  protocols")])
                m = re.search(rb"(\d+) named from our TLS/DNS parse", err)
                named += int(m.group(1)) if m and not extra else 0
            if lines[0] != lines[1]:
                differ.append("%s: %s / all packets: %s" % (cap, lines[0], lines[1]))
        check("nDPI names alike with and without feeding it what our TLS/DNS parse names", not differ, "\n".join(differ))
        check("nDPI: flows named from our TLS/DNS parse", named > 50, "named %d" % named)

        # Configuration and signatures are validated with file:line errors.
        # The example as deployed: its directories made (systemd's StateDirectory
        # and LogsDirectory), here under tmp.
        example = open(os.path.join(src, "aisensor.example.yaml")).read()
        for d in ("/var/log/aisensor", "/var/lib/aisensor"):
            os.makedirs(tmp + d, exist_ok=True)
            example = example.replace(d + "/", tmp + d + "/")
        ex = os.path.join(tmp, "example.yaml")
        open(ex, "w").write(example)
        rc, out, err = run(binary, ["check", "-c", ex], src)
        check("check: example config and shipped signatures are valid", rc == 0 and b"ok" in out, (out + err).decode())
        # Every problem a start would meet, at once.
        many = os.path.join(tmp, "many.yaml")
        open(many, "w").write("capture:\n  interfaces: [nosuch0]\n  user: nosuchuser0\ntls:\n  keylog_files: "
                              "[/nonexistent/keys.log]\nexporters:\n  events: /nonexistent/dir/e.jsonl\n  redis:\n"
                              "    url: \"redis://127.0.0.1:notaport\"\n")
        rc, out, err = run(binary, ["check", "-c", many], src)
        check("check: reports every problem a start would meet, not the first (5)",
              rc == 1 and all(x in err for x in (b"capture.user nosuchuser0: no such user",
                                                  b"capture.interfaces nosuch0: no such interface",
                                                  b"tls.keylog_files /nonexistent/keys.log",
                                                  b"exporters.events /nonexistent/dir/e.jsonl",
                                                  b"exporters.redis.url", b"5 problems")), err.decode())
        bad = os.path.join(tmp, "bad.yaml")
        open(bad, "w").write("sensor:\n  name: s\ncapture:\n  wokers: 2\n")
        rc, out, err = run(binary, ["check", "-c", bad], src)
        check("check: unknown key is file:line: problem", rc == 1 and (bad + ":4: unknown key 'wokers' in 'capture'").encode() in err,
              err.decode())
        rc, out, err = run(binary, ["-q", "-c", bad, "-r", "pcaps/noise-web.pcap"], src)
        check("replay refuses a broken config", rc == 1 and b":4:" in err, err.decode())
        sigdir = os.path.join(tmp, "sigs")
        os.mkdir(sigdir)
        open(os.path.join(sigdir, "services.yaml"), "w").write("services:\n  - id: x\n    bogus: 1\n")
        rc, out, err = run(binary, ["-q", "-s", sigdir, "-r", "pcaps/noise-web.pcap"], src)
        check("replay refuses broken signatures with file:line", rc == 1 and b"services.yaml:" in err, err.decode())

    failed = results.count(False)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
