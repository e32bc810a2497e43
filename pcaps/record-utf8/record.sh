#!/usr/bin/env bash
# Records pcaps/utf8-user-agent.pcap: curl calling an OpenAI-style chat
# completion on a local mock with a User-Agent and an X-Title that are not
# UTF-8 (Latin-1 "Caf\xe9", a lone \xff), as a misconfigured client sends
# them. The sensor must still write valid JSON, the bytes replaced by U+FFFD
# and counted (tests/golden: facts and the schema check).
#
#   pcaps/record-utf8/record.sh      # as root (a private network namespace, tcpdump)
#
# Nothing leaves the machine: the recording runs in its own network
# namespace with only its loopback, on 127.0.2.40.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"
[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (netns, tcpdump)" >&2; exit 1; }
rec_private_net "$HERE/record.sh" "$@"
rec_workdir utf8
KEY=$(sed -n 1p "$HERE/../record-hosts/test-keys.txt")
SRV=127.0.2.40

rec_mock "$SRV" 8000

client() {
  curl -sS --fail-with-body --max-time 10 -o /dev/null "http://$SRV:8000/v1/chat/completions" \
    -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
    -H "$(printf 'User-Agent: Caf\xe9-agent/1.0')" -H "$(printf 'X-Title: \xff tools')" \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
}
capture utf8-user-agent "host $SRV and tcp port 8000" client
echo "curl $(curl --version | head -n1 | cut -d' ' -f2)" >"$HERE/versions.txt"
