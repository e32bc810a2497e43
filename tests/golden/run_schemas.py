#!/usr/bin/env python3
"""The output formats against their JSON Schemas (schemas/*.schema.json).

Every golden event and inventory (tests/golden/*.json) validates; so do the
events and the inventory of a fresh replay of every bundled capture at once,
and the records `aisensor agents --json` would print are the inventory's
(checked in run_redis.py). A schema that accepted anything would pass the
first checks, so a few mutated documents — a list as a comma-joined string,
a MAC in the inventory's form in an event, an unknown field, a missing
event.id — must each fail.

usage: run_schemas.py AISENSOR SOURCE_DIR"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:  # python3-jsonschema (scripts/setup.sh)
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        sys.exit("FAIL python3-jsonschema is missing (CI is set)")
    print("SKIP schemas: python3-jsonschema is not installed")
    sys.exit(0)

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("ok   " if ok else "FAIL ") + name + ("" if ok or not detail else "\n     " + str(detail)[:2000]))


def validator(src, name):
    schema = json.load(open(os.path.join(src, "schemas", name + ".schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(v, doc, limit=5):
    return ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message[:200]) for e in v.iter_errors(doc)][:limit]


def main():
    binary, src = sys.argv[1], os.path.abspath(sys.argv[2])
    ev_schema, inv_schema = validator(src, "events"), validator(src, "inventory")

    golden = os.path.join(src, "tests", "golden")
    n_ev = n_inv = 0
    bad = []
    for f in sorted(glob.glob(os.path.join(golden, "*.events.json"))):
        for i, e in enumerate(json.load(open(f))):
            n_ev += 1
            bad += ["%s[%d] %s" % (os.path.basename(f), i, x) for x in errors(ev_schema, e)]
    check("%d golden events validate against schemas/events.schema.json" % n_ev, n_ev > 0 and not bad, "\n".join(bad[:20]))
    bad = []
    for f in sorted(glob.glob(os.path.join(golden, "*.inventory.json"))):
        n_inv += 1
        bad += ["%s %s" % (os.path.basename(f), x) for x in errors(inv_schema, json.load(open(f)))]
    check("%d golden inventories validate against schemas/inventory.schema.json" % n_inv, n_inv > 0 and not bad,
          "\n".join(bad[:20]))

    with tempfile.TemporaryDirectory() as tmp:
        ev, inv = os.path.join(tmp, "events.jsonl"), os.path.join(tmp, "inventory.json")
        p = subprocess.run([binary, "-q", "-r", "pcaps", "--events", ev, "--inventory", inv], cwd=src,
                           capture_output=True, timeout=600)
        events = [json.loads(l) for l in open(ev, encoding="utf-8")] if os.path.exists(ev) else []
        bad = [x for e in events for x in errors(ev_schema, e, 1)]
        check("a replay of pcaps/: %d events validate" % len(events), p.returncode == 0 and events and not bad,
              "\n".join(bad[:20]) or p.stderr.decode(errors="replace")[-500:])
        doc = json.load(open(inv)) if os.path.exists(inv) else {}
        check("a replay of pcaps/: the inventory (%d agents) validates" % len(doc.get("agents", [])),
              doc.get("agents") and not errors(inv_schema, doc), errors(inv_schema, doc))

    # The schemas refuse what they should.
    sample = next((e for e in events if "capabilities" in e.get("aisensor", {}).get("mcp", {})), None)
    with_mac = next((e for e in events if "mac" in e.get("source", {})), None)
    mutations = []
    if sample:
        m = copy.deepcopy(sample)
        m["aisensor"]["mcp"]["capabilities"] = ",".join(m["aisensor"]["mcp"]["capabilities"])
        mutations.append(("a list written as a comma-joined string", m))
    if with_mac:
        m = copy.deepcopy(with_mac)
        m["source"]["mac"] = m["source"]["mac"].replace("-", ":").lower()
        mutations.append(("a MAC address not in ECS form", m))
    if events:
        m = copy.deepcopy(events[0])
        del m["event"]["id"]
        mutations.append(("an event without event.id", m))
        m = copy.deepcopy(events[0])
        m["aisensor"]["surprise"] = 1
        mutations.append(("an event with a field the schema does not know", m))
    for what, m in mutations:
        check("events schema refuses " + what, errors(ev_schema, m), json.dumps(m)[:300])
    check("every refusal was tried", len(mutations) == 4, [w for w, _ in mutations])
    if doc.get("agents"):
        m = copy.deepcopy(doc)
        m["agents"][0]["risks"] = "static-api-key"
        check("inventory schema refuses risks as a string", errors(inv_schema, m))
        m = copy.deepcopy(doc)
        del m["schema_version"]
        check("inventory schema refuses a document without schema_version", errors(inv_schema, m))

    print("%d passed, %d failed" % (results.count(True), results.count(False)))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
