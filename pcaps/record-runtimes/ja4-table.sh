#!/usr/bin/env bash
# Prints, for every pcaps/runtime-*.pcap, each ai-connection event's client
# address, port, server name, JA4, JA3 and offered ALPN as reported by
# aisensor (build/aisensor -r FILE -q --events -).
#   pcaps/record-runtimes/ja4-table.sh [AISENSOR_BINARY]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
BIN=${1:-$(dirname "$OUT")/build/aisensor}
for f in "$OUT"/runtime-*.pcap; do
  "$BIN" -r "$f" -q --events - | /usr/bin/python3 -c '
import json, sys
name = sys.argv[1]
for line in sys.stdin:
    e = json.loads(line)
    if e["event"]["action"] != "ai-connection":
        continue
    c = e.get("tls", {}).get("client", {})
    a = e["aisensor"]
    print(name, e["source"]["ip"], e["source"]["port"], e["destination"].get("domain"), a.get("tls", {}).get("ja4"),
          c.get("ja3"), ",".join(c.get("supported_protocols") or ["-"]), a.get("agent", {}).get("software", {}).get("name"), sep="\t")
' "$(basename "$f" .pcap)"
done
