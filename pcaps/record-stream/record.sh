#!/usr/bin/env bash
# Records streamed LLM responses over TLS (pcaps/stream-*.pcap) from the real,
# unmodified npm `openai` and `@anthropic-ai/sdk` SDKs against local mocks
# whose streamed output-token count is known exactly (= the request's max
# tokens), and writes that ground truth to record-stream/truth.json. For
# calibrating aisensor's keyless "streamed volume" estimate.
#
#   sudo pcaps/record-stream/record.sh                   # npm ci, record all
#   sudo SKIP_INSTALL=1 pcaps/record-stream/record.sh    # skip apt-get / npm ci
#   sudo pcaps/record-stream/record.sh stream-openai-node   # only these capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, dnsmasq / mock logs, truth lines)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo` (record-lib.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Client source addresses (one per client program; undici Agent localAddress).
C_OPENAI=127.0.1.31     # npm openai, chat.completions stream
C_ANT_TOKEN=127.0.1.32  # npm @anthropic-ai/sdk, one token per text_delta
C_ANT_GROUP=127.0.1.33  # npm @anthropic-ai/sdk, 1..6 tokens per text_delta
C_RESPONSES=127.0.1.34  # npm openai, Responses API stream
# Server addresses (must match mocks.mjs), port 443, TLS, HTTP/1.1 only.
S_OPENAI=127.0.2.31     # api.openai.com
S_ANTHROPIC=127.0.2.32  # api.anthropic.com

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump openssl ca-certificates util-linux iproute2 >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
command -v node >/dev/null || { echo "record.sh: node (>= 20) is required" >&2; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || { echo "record.sh: node >= 20 required" >&2; exit 1; }

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"

rec_workdir stream
rec_certs api.openai.com api.anthropic.com
rec_dns api.openai.com,$S_OPENAI api.anthropic.com,$S_ANTHROPIC

TRUTH_LINES=$WORK/truth.jsonl
: >"$TRUTH_LINES"
rec_spawn node "$HERE/mocks.mjs" "$CERTS" "$TRUTH_LINES" "$WORK/capture" >"$WORK/mocks.out" 2>"$WORK/mocks.log"
rec_wait_for "$WORK/mocks.out" READY || { cat "$WORK/mocks.log" >&2; echo "mocks did not start" >&2; exit 1; }
sed 's/^/   mocks: /' "$WORK/mocks.out"

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
K_OPENAI=$(key 1)
K_ANTHROPIC=$(key 2)
client() { in_ns node "$HERE/client.mjs" "$@" 2>&1 | sed 's/^/   /'; }

rec_openai() { client openai-chat "$C_OPENAI" "$K_OPENAI"; }
rec_anthropic() {
  client anthropic-token "$C_ANT_TOKEN" "$K_ANTHROPIC"
  client anthropic-grouped "$C_ANT_GROUP" "$K_ANTHROPIC"
}
rec_responses() { client openai-responses "$C_RESPONSES" "$K_OPENAI"; }

capture stream-openai-node "host $C_OPENAI and host $S_OPENAI" rec_openai
capture stream-anthropic-node "(host $C_ANT_TOKEN or host $C_ANT_GROUP) and host $S_ANTHROPIC" rec_anthropic
capture stream-openai-responses "host $C_RESPONSES and host $S_OPENAI" rec_responses

# ------------------------------------------------------------------ truth --
# truth.json: the mock's line per stream, as a JSON array sorted by capture,
# then client_port (stable: streams on one connection keep their order). The
# entries of captures not recorded this time are kept.
node - "$TRUTH_LINES" "$HERE/truth.json" <<'EOF'
const fs = require('fs');
const [lines, out] = process.argv.slice(2);
const fresh = fs.readFileSync(lines, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const redone = new Set(fresh.map((t) => t.capture));
let old = [];
try { old = JSON.parse(fs.readFileSync(out, 'utf8')).filter((t) => !redone.has(t.capture)); } catch {}
const all = old.concat(fresh).map((t, i) => [t, i]);
all.sort(([a, i], [b, j]) => (a.capture < b.capture ? -1 : a.capture > b.capture ? 1 : a.client_port - b.client_port || i - j));
fs.writeFileSync(out, JSON.stringify(all.map(([t]) => t), null, 1) + '\n');
console.log(`== truth.json: ${fresh.length} new streams, ${all.length} in all`);
EOF

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-stream/record.sh"
  echo "node $(node -v | sed 's/^v//') (OpenSSL $(node -p process.versions.openssl))"
  for p in openai @anthropic-ai/sdk undici; do
    echo "$p $(node -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}') (certificates)"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== mock log"
sed 's/^/   /' "$WORK/mocks.log"
ls -l "$OUT"/stream-*.pcap 2>/dev/null || true
