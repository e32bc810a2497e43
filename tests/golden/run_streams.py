#!/usr/bin/env python3
"""run_streams.py — the streamed-volume estimate against the truth.

The real binary replays pcaps/stream-*.pcap (official SDKs streaming from
mocks that know how many tokens they sent: pcaps/README-stream.md) without
keys; every `llm-stream` event is matched to the answer it estimates in
pcaps/record-stream/truth.json (same client address and port, in order on
the connection). Prints the error table the README quotes and checks:
- every answer sent one event per record (paced) is found, and nothing
  else on those connections; an answer written at once (burst) leaves in
  a few full records and may be found or not;
- an answer sent one event per record (paced) has its true token count
  inside the reported range;
- an answer given `high` confidence has it too, whatever its pacing.

usage: run_streams.py BINARY ROOT [--table]
"""
import json
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def events_of(binary, pcap):
    out = subprocess.run([binary, "-r", str(pcap), "-q", "--events", "-"], check=True,
                         capture_output=True, text=True).stdout
    evs = [json.loads(l) for l in out.splitlines() if l.strip()]
    return [e for e in evs if e["event"]["action"] == "llm-stream"]


def main():
    binary, root = sys.argv[1], Path(sys.argv[2])
    truth = json.loads((root / "pcaps/record-stream/truth.json").read_text())
    by_capture = defaultdict(list)
    for t in truth:
        by_capture[t["capture"]].append(t)

    failures, rows = [], []
    for capture, answers in sorted(by_capture.items()):
        got = defaultdict(list)
        for e in events_of(binary, root / "pcaps" / f"{capture}.pcap"):
            got[(e["source"]["ip"], e["source"]["port"])].append(e)
        for conn in got.values():
            conn.sort(key=lambda e: e["@timestamp"])
        want = defaultdict(list)
        for t in answers:
            want[(t["client_ip"], t["client_port"])].append(t)
        for conn, ts in sorted(want.items()):
            ts.sort(key=lambda t: t["conn_seq"])
            es = got.pop(conn, [])
            if not es and not any(t["paced"] for t in ts):
                # Written at once, the answer left in a few full records:
                # no stream on the wire, nothing to estimate.
                for t in ts:
                    rows.append((t, None, False))
                continue
            if len(es) != len(ts):
                failures.append(f"{capture} {conn}: {len(es)} llm-stream events, want {len(ts)}")
                continue
            for t, e in zip(ts, es):
                s = e["aisensor"]["stream"]
                ot = s["output_tokens"]
                inside = ot["min"] <= t["output_tokens"] <= ot["max"]
                rows.append((t, s, inside))
                what = f"{capture} {conn[1]} #{t['conn_seq']} ({t['api']}, {t['chunking']}, " \
                       f"{'paced' if t['paced'] else 'burst'}, {t['output_tokens']} tokens)"
                if not s.get("estimated"):
                    failures.append(f"{what}: not marked estimated")
                if t["paced"] and not inside:
                    failures.append(f"{what}: range {ot['min']}-{ot['max']} misses the truth")
                if s["confidence"] == "high" and not inside:
                    failures.append(f"{what}: high confidence, range {ot['min']}-{ot['max']} misses the truth")
        for conn, es in got.items():
            failures.append(f"{capture} {conn}: {len(es)} llm-stream events on no streamed answer")

    if "--table" in sys.argv or failures:
        print("| capture | api | chunking | paced | true | records | estimate | range | error | confidence |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for t, s, inside in rows:
            if s is None:
                print(f"| {t['capture']} | {t['api']} | {t['chunking']} | no | {t['output_tokens']} | "
                      f"– | not streamed on the wire | – | – | – |")
                continue
            ot = s["output_tokens"]
            err = 100.0 * (ot["estimate"] - t["output_tokens"]) / t["output_tokens"]
            print(f"| {t['capture']} | {t['api']} | {t['chunking']} | {'yes' if t['paced'] else 'no'} | "
                  f"{t['output_tokens']} | {s['records']} | {ot['estimate']} | {ot['min']}–{ot['max']}"
                  f"{'' if inside else ' (misses)'} | {err:+.0f}% | {s['confidence']} |")
    groups = defaultdict(list)
    for t, s, _ in rows:
        if s is None:
            continue
        err = abs(s["output_tokens"]["estimate"] - t["output_tokens"]) / t["output_tokens"]
        groups[(t["capture"], t["chunking"], t["paced"])].append(err)
    for (cap, chunking, paced), errs in sorted(groups.items()):
        print(f"{cap} {chunking} {'paced' if paced else 'burst'}: {len(errs)} answers, "
              f"median |error| {100 * statistics.median(errs):.0f}%, max {100 * max(errs):.0f}%")
    inside = sum(1 for _, _, i in rows if i)
    found = sum(1 for _, s, _ in rows if s is not None)
    print(f"{found}/{len(rows)} answers found as streams, {inside} with the truth inside their range")
    for f in failures:
        print("FAIL", f)
    print(f"{len(rows) + len(failures) - sum(1 for f in failures if 'events' in f)} checked, "
          f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
