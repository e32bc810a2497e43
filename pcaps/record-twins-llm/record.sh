#!/usr/bin/env bash
# Records "clear-text twins" (pcaps/twin-llm-*.pcap): the SAME client calls,
# from the same client address with the same host names, models and test keys,
# once over HTTPS (pcaps/twin-llm-SCENARIO-tls.pcap, its TLS secrets in
# pcaps/keylogs/twin-llm-SCENARIO-tls.keylog) and once over plain HTTP
# (pcaps/twin-llm-SCENARIO-http.pcap, no key log), against local mocks that
# answer both ports of a provider name with the same handler (mocks.mjs). A
# sensor given the TLS capture plus its key log should find what it finds in
# the clear-text twin.
#
#   scenario        client (unmodified)                 TLS twin                       clear twin
#   openai-node     npm openai (client.mjs)             api.openai.com:443 h1.1        api.openai.com:80 h1.1
#   anthropic-node  npm @anthropic-ai/sdk (client.mjs)  api.anthropic.com:443 h1.1     api.anthropic.com:80 h1.1
#   curl-h2         curl --http2 / --http2-prior-knowledge api.mistral.ai:443 ALPN h2  api.mistral.ai:80 h2c
#   curl-tls12      curl --tls-max 1.2 / plain           api.groq.com:443 TLS 1.2 h1.1  api.groq.com:80 h1.1
#   python          Debian python3-httpx (py_client.py) api.deepseek.com:443 h1.1      api.deepseek.com:80 h1.1
#
#   sudo pcaps/record-twins-llm/record.sh                        # apt-get if needed, npm ci, record all
#   sudo SKIP_INSTALL=1 pcaps/record-twins-llm/record.sh         # skip apt-get / npm ci
#   sudo pcaps/record-twins-llm/record.sh twin-llm-curl-h2-tls twin-llm-curl-h2-http   # only these capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, dnsmasq / mock logs)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo` (record-lib.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Client source addresses: one per scenario, the same in both twins.
C_OPENAI=127.0.20.11    # npm openai
C_ANTHROPIC=127.0.20.12 # npm @anthropic-ai/sdk
C_CURL_H2=127.0.20.13   # curl, HTTP/2 (h2 over TLS / h2c prior knowledge)
C_CURL_T12=127.0.20.14  # curl, TLS 1.2 / HTTP/1.1
C_PYTHON=127.0.20.15    # Debian python3-httpx
# Server addresses (must match mocks.mjs); each listens on 443 (TLS) and 80 (clear).
S_OPENAI=127.0.20.1     # api.openai.com
S_ANTHROPIC=127.0.20.2  # api.anthropic.com
S_MISTRAL=127.0.20.3    # api.mistral.ai (HTTP/2 only: ALPN h2 on 443, h2c prior knowledge on 80)
S_GROQ=127.0.20.4       # api.groq.com
S_DEEPSEEK=127.0.20.5   # api.deepseek.com

PY=/usr/bin/python3 # Debian's python3 (not a pyenv / venv one on the PATH)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/80/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v unshare >/dev/null || ! command -v ip >/dev/null || ! command -v curl >/dev/null \
    || ! [ -x "$PY" ] || ! "$PY" -c 'import httpx' 2>/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump openssl ca-certificates util-linux \
      iproute2 curl python3 python3-httpx >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
command -v node >/dev/null || { echo "record.sh: node (>= 20) is required" >&2; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || { echo "record.sh: node >= 20 required" >&2; exit 1; }

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"

rec_workdir twins-llm
rec_certs api.openai.com api.anthropic.com api.mistral.ai api.groq.com api.deepseek.com
rec_dns api.openai.com,$S_OPENAI api.anthropic.com,$S_ANTHROPIC api.mistral.ai,$S_MISTRAL \
  api.groq.com,$S_GROQ api.deepseek.com,$S_DEEPSEEK

rec_spawn node "$HERE/mocks.mjs" "$CERTS" "$WORK/capture" >"$WORK/mocks.out" 2>"$WORK/mocks.log"
rec_wait_for "$WORK/mocks.out" READY || { cat "$WORK/mocks.log" >&2; echo "mocks did not start" >&2; exit 1; }

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
K_OPENAI=$(key 1)
K_ANTHROPIC=$(key 2)
K_MISTRAL=$(key 3)
K_GROQ=$(key 4)
K_DEEPSEEK=$(key 5)
indent() { sed 's/^/   /'; }

# The same body in both twins of a curl scenario.
MSGS='"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Say hello to the network sensor test."}],"max_tokens":64'
CURL_OPTS=(-sS --fail-with-body --max-time 10 -w '\n   -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n')

# ------------------------------------------------------------------ clients --
node_client() { in_ns node "$HERE/client.mjs" "$@" 2>&1 | indent; }
rec_openai_tls() { node_client openai tls "$C_OPENAI" "$K_OPENAI"; }
rec_openai_http() { node_client openai http "$C_OPENAI" "$K_OPENAI"; }
rec_anthropic_tls() { node_client anthropic tls "$C_ANTHROPIC" "$K_ANTHROPIC"; }
rec_anthropic_http() { node_client anthropic http "$C_ANTHROPIC" "$K_ANTHROPIC"; }

# curl_h2 URL OPTION…: POST /v1/chat/completions over HTTP/2, non-streaming,
# then streaming, each by its own curl run (so its own connection, stream id
# 1): curl 7.88.1 fails to reuse an h2c prior-knowledge connection for a
# second transfer ("Error in the HTTP2 framing layer" before sending it), and
# the TLS twin does the same to stay identical.
curl_h2() {
  local url=$1/v1/chat/completions; shift
  local o=("${CURL_OPTS[@]}" --interface "$C_CURL_H2" "$@" -H 'Content-Type: application/json' -H "Authorization: Bearer $K_MISTRAL")
  in_ns curl "${o[@]}" -H 'Accept: application/json' -d "{\"model\":\"mistral-small-latest\",$MSGS}" "$url" | cut -c1-100 | indent
  in_ns curl "${o[@]}" -N -H 'Accept: text/event-stream' -d "{\"model\":\"mistral-small-latest\",$MSGS,\"stream\":true}" "$url" \
    | grep -E '^   ->|^data: \[DONE' | indent
}
rec_curl_h2_tls() { curl_h2 https://api.mistral.ai --http2 --cacert "$CA"; }
rec_curl_h2_http() { curl_h2 http://api.mistral.ai --http2-prior-knowledge; }

# curl_t12 URL OPTION…: one POST /openai/v1/chat/completions over HTTP/1.1.
curl_t12() {
  local url=$1/openai/v1/chat/completions; shift
  in_ns curl "${CURL_OPTS[@]}" --interface "$C_CURL_T12" --http1.1 "$@" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $K_GROQ" -d "{\"model\":\"llama-3.3-70b-versatile\",$MSGS}" "$url" | cut -c1-100 | indent
}
rec_curl_t12_tls() { curl_t12 https://api.groq.com --tlsv1.2 --tls-max 1.2 --cacert "$CA"; }
rec_curl_t12_http() { curl_t12 http://api.groq.com; }

rec_python_tls() { in_ns "$PY" "$HERE/py_client.py" tls "$C_PYTHON" "$K_DEEPSEEK" "$CA" 2>&1 | indent; }
rec_python_http() { in_ns "$PY" "$HERE/py_client.py" http "$C_PYTHON" "$K_DEEPSEEK" "$CA" 2>&1 | indent; }

# capture_http NAME FILTER FN: like capture, but the clear twin must not leave a
# key log (a client could still write an empty one or a stray secret).
capture_http() {
  capture "$@"
  rm -f "$OUT/keylogs/$1.keylog"
}

set -o pipefail
capture twin-llm-openai-node-tls "host $C_OPENAI and host $S_OPENAI" rec_openai_tls
capture_http twin-llm-openai-node-http "host $C_OPENAI and host $S_OPENAI" rec_openai_http
capture twin-llm-anthropic-node-tls "host $C_ANTHROPIC and host $S_ANTHROPIC" rec_anthropic_tls
capture_http twin-llm-anthropic-node-http "host $C_ANTHROPIC and host $S_ANTHROPIC" rec_anthropic_http
capture twin-llm-curl-h2-tls "host $C_CURL_H2 and host $S_MISTRAL" rec_curl_h2_tls
capture_http twin-llm-curl-h2-http "host $C_CURL_H2 and host $S_MISTRAL" rec_curl_h2_http
capture twin-llm-curl-tls12-tls "host $C_CURL_T12 and host $S_GROQ" rec_curl_t12_tls
capture_http twin-llm-curl-tls12-http "host $C_CURL_T12 and host $S_GROQ" rec_curl_t12_http
capture twin-llm-python-tls "host $C_PYTHON and host $S_DEEPSEEK" rec_python_tls
capture_http twin-llm-python-http "host $C_PYTHON and host $S_DEEPSEEK" rec_python_http

# Every TLS twin must have its key log (capture copies it only if it has secrets).
for f in openai-node anthropic-node curl-h2 curl-tls12 python; do
  case " $ONLY " in "  ") ;; *" twin-llm-$f-tls "*) ;; *) continue ;; esac
  [ -s "$OUT/keylogs/twin-llm-$f-tls.keylog" ] || { echo "record.sh: no key log for twin-llm-$f-tls" >&2; exit 1; }
done

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-twins-llm/record.sh"
  echo "node $(node -v | sed 's/^v//') (OpenSSL $(node -p process.versions.openssl))"
  for p in openai @anthropic-ai/sdk undici; do
    echo "$p $(node -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2-)"
  echo "curl-deb $(dpkg-query -W -f='${Version}' curl 2>/dev/null || echo '?')"
  echo "python3 $("$PY" -c 'import platform, ssl; print(platform.python_version(), "(" + ssl.OPENSSL_VERSION + ")")')"
  echo "python3-httpx $("$PY" -c 'import httpx; print(httpx.__version__)') (deb $(dpkg-query -W -f='${Version}' python3-httpx 2>/dev/null || echo '?'))"
  echo "libssl3-deb $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || echo '?')"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}') (certificates: CA and leaves EC P-256)"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== mock log"
indent <"$WORK/mocks.log"
ls -l "$OUT"/twin-llm-*.pcap 2>/dev/null || true
