#!/usr/bin/env bash
# Records pcaps/hostile-user-agent.pcap: curl calling an OpenAI-style chat
# completion on a local mock with markup where a page would show it — a
# User-Agent `<script>alert(1)</script>` and a model
# `"><img src=x onerror=alert(2)>` (which the mock echoes back) — then a
# second client whose User-Agent breaks out of a quoted attribute. The
# audit report must show them as text and run nothing
# (tests/golden/run_report.py: in headless Chromium).
#
#   pcaps/record-hostile/record.sh      # as root (a private network namespace, tcpdump)
#
# Nothing leaves the machine: the recording runs in its own network
# namespace with only its loopback; the mock on 127.0.2.42, the clients on
# 127.0.30.11 and 127.0.30.12.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"
[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (netns, tcpdump)" >&2; exit 1; }
rec_private_net "$HERE/record.sh" "$@"
rec_workdir hostile
KEY=$(sed -n 1p "$HERE/../record-hosts/test-keys.txt")
SRV=127.0.2.42

rec_mock "$SRV" 8000

call() { # call CLIENT_ADDRESS USER_AGENT MODEL
  curl -sS --fail-with-body --max-time 10 -o /dev/null --interface "$1" "http://$SRV:8000/v1/chat/completions" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -H "User-Agent: $2" \
    -d "{\"model\":\"$3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
}
clients() {
  call 127.0.30.11 '<script>alert(1)</script>' '\"><img src=x onerror=alert(2)>'
  call 127.0.30.12 "x' onmouseover='alert(3)' y=\"" 'gpt-4o-mini'
}
capture hostile-user-agent "host $SRV and tcp port 8000" clients
echo "curl $(curl --version | head -n1 | cut -d' ' -f2)" >"$HERE/versions.txt"
