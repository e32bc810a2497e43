#!/usr/bin/env bash
# Regenerates every reference capture in pcaps/ from real, unmodified client
# software (npm openai / @anthropic-ai/sdk on Node, curl, Debian python3-httpx
# and python3-requests) talking to local mock servers on loopback addresses.
#
#   sudo pcaps/record/record.sh            # install deps, record all captures
#   SKIP_INSTALL=1 sudo pcaps/record/record.sh   # skip apt-get / npm ci
#   sudo pcaps/record/record.sh noise-web  # record only the named capture(s)
#
# Nothing leaves the machine: all traffic goes to 127.0.0.0/8. DNS is answered
# by a dnsmasq bound to 127.0.0.53; clients use it through a private mount
# namespace (unshare --mount) in which /etc/resolv.conf and /etc/hosts are
# bind-mounted over, so the machine's own configuration is never changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
DNS=127.0.0.53

# Client source addresses.
C_OPENAI=127.0.1.11     # npm openai
C_ANTHROPIC=127.0.1.12  # npm @anthropic-ai/sdk (current, 1.x)
C_ANTHROPIC0=127.0.1.15 # npm @anthropic-ai/sdk 0.x (alias anthropic-sdk-0x)
C_LONGSTREAM=127.0.1.16 # npm openai, one slow (~8 s) stream (mocks.mjs SLOW_STREAM_CLIENTS)
C_CURL=127.0.1.13       # curl
C_PYTHON=127.0.1.14     # python3-httpx
C_NOISE_CURL=127.0.1.20 # curl (non-AI)
C_NOISE_PY=127.0.1.21   # python3-requests (non-AI)

# Server addresses (must match mocks.mjs).
S_OPENAI=127.0.2.1      # api.openai.com:443 (TLS)
S_ANTHROPIC=127.0.2.2   # api.anthropic.com:443 (TLS)
S_GATEWAY=127.0.2.3     # llm-gateway.corp.test:4000 (HTTP, LiteLLM-style)
S_OLLAMA=127.0.2.4      # ollama.corp.test:11434 (HTTP)
S_CLAUDEPROXY=127.0.2.5 # claude-proxy.corp.test:8080 (HTTP)
S_MISTRAL=127.0.2.6     # api.mistral.ai:443 (TLS, HTTP/2 only)
S_GROQ=127.0.2.7        # api.groq.com:443 (TLS, HTTP/1.1)
S_GEMINI=127.0.2.8      # gemini-proxy.corp.test:8000 (HTTP)
S_AZURE=127.0.2.9       # azure-openai-proxy.corp.test:80 (HTTP)
S_DEEPSEEK=127.0.2.10   # api.deepseek.com:443 (TLS)
S_EXAMPLE=127.0.2.20    # www.example.org:443 (TLS)
S_INTRANET=127.0.2.21   # intranet.corp.test:80 (HTTP)
S_DEBIAN=127.0.2.22     # www.debian.org:80 (HTTP)
S_GITHUB=127.0.2.23     # github.com (DNS only)

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
K_OPENAI=$(key 1); K_ANTHROPIC=$(key 2); K_OLLAMA=$(key 3); K_GATEWAY=$(key 4)
K_CLAUDEPROXY=$(key 5); K_MISTRAL=$(key 6); K_GROQ=$(key 7); K_GEMINI=$(key 8)
K_AZURE=$(key 9); K_DEEPSEEK=$(key 10); K_NOISE=$(key 11); K_CURL=$(key 12)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/80/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    dnsmasq-base tcpdump curl openssl ca-certificates python3 python3-httpx python3-requests util-linux >/dev/null
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
command -v node >/dev/null || { echo "record.sh: node (>= 20) is required" >&2; exit 1; }
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || { echo "record.sh: node >= 20 required, have $(node -v)" >&2; exit 1; }
PY=/usr/bin/python3   # Debian's python, where python3-httpx / python3-requests live

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec.XXXXXX)
PIDS=()
TPID=
cleanup() {
  local p
  # A client that failed under `set -e` leaves its capture's tcpdump running.
  if [ -n "$TPID" ]; then kill -INT "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# ------------------------------------------------------------ certificates --
# A throw-away CA and one leaf certificate per TLS host, carrying the REAL
# provider host name (the clients send it as SNI and verify it).
CERTS=$WORK/certs
mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=aisensor test CA/CN=aisensor Test Root CA" \
  -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null
for host in api.openai.com api.anthropic.com api.mistral.ai api.groq.com api.deepseek.com www.example.org; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$host" -keyout "$CERTS/$host.key" -out "$CERTS/$host.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$host" >"$CERTS/$host.ext"
  openssl x509 -req -in "$CERTS/$host.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial \
    -days 30 -extfile "$CERTS/$host.ext" -out "$CERTS/$host.crt" 2>/dev/null
done
CA=$CERTS/ca.crt

# --------------------------------------------------------------------- DNS --
printf 'nameserver %s\n' "$DNS" >"$WORK/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$WORK/hosts"
DNSMASQ_ARGS=(--no-daemon --conf-file=/dev/null --listen-address="$DNS" --bind-interfaces --port=53
  --no-resolv --no-hosts --local=/#/ --log-queries --log-facility="$WORK/dnsmasq.log" --pid-file="$WORK/dnsmasq.pid")
for rec in api.openai.com,$S_OPENAI api.anthropic.com,$S_ANTHROPIC llm-gateway.corp.test,$S_GATEWAY \
  ollama.corp.test,$S_OLLAMA claude-proxy.corp.test,$S_CLAUDEPROXY api.mistral.ai,$S_MISTRAL \
  api.groq.com,$S_GROQ gemini-proxy.corp.test,$S_GEMINI azure-openai-proxy.corp.test,$S_AZURE \
  api.deepseek.com,$S_DEEPSEEK www.example.org,$S_EXAMPLE intranet.corp.test,$S_INTRANET \
  www.debian.org,$S_DEBIAN deb.debian.org,$S_DEBIAN github.com,$S_GITHUB; do
  DNSMASQ_ARGS+=(--host-record="$rec")
done
dnsmasq "${DNSMASQ_ARGS[@]}" 2>>"$WORK/dnsmasq.err" &
PIDS+=($!)

# ------------------------------------------------------------ mock servers --
node "$HERE/mocks.mjs" "$CERTS" >"$WORK/mocks.out" 2>"$WORK/mocks.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q READY "$WORK/mocks.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/mocks.out" || { cat "$WORK/mocks.log" >&2; echo "mocks did not start" >&2; exit 1; }

# Runs a client in a private mount namespace whose resolv.conf points at the
# local dnsmasq and whose /etc/hosts only knows localhost.
in_ns() {
  env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u no_proxy -u NO_PROXY \
    NODE_EXTRA_CA_CERTS="$CA" SSL_CERT_FILE="$CA" \
    SSLKEYLOGFILE="$KEYLOG" NODE_OPTIONS="--tls-keylog=$KEYLOG" \
    unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"' \
    "$WORK/resolv.conf" "$WORK/hosts" "$@"
}
CURL=(curl -sS --fail-with-body --max-time 10)

# capture NAME FILTER FUNCTION: records FUNCTION's traffic to pcaps/NAME.pcap.
capture() {
  local name=$1 filter=$2 fn=$3 tlog="$WORK/tcpdump-$1.log"
  case " ${ONLY:-} " in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
  echo "== $name"
  rm -f "$OUT/$name.pcap" "$OUT/keylogs/$name.keylog"
  mkdir -p "$OUT/keylogs"
  KEYLOG="$WORK/$name.keylog"
  : >"$KEYLOG"
  tcpdump -i lo -s 0 -U -w "$OUT/$name.pcap" "(udp port 53 and host $DNS) or ($filter)" 2>"$tlog" &
  TPID=$!
  for _ in $(seq 50); do grep -q 'listening on' "$tlog" && break; sleep 0.1; done
  sleep 0.5
  "$fn"
  sleep 1
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
  # TLS session secrets (NSS key log format) so the TLS captures can be
  # decrypted for verification, e.g. tshark -o tls.keylog_file:FILE.
  if grep -q -E "^(CLIENT_RANDOM|CLIENT_TRAFFIC_SECRET_0) " "$KEYLOG"; then cp "$KEYLOG" "$OUT/keylogs/$name.keylog"; fi
}
ONLY="${*:-}"

# ------------------------------------------------------------------ clients --
rec_openai_tls() {
  in_ns node "$HERE/openai-client.mjs" tls "$C_OPENAI" "$K_OPENAI"
}
rec_anthropic_tls() {
  in_ns node "$HERE/anthropic-client.mjs" tls "$C_ANTHROPIC" "$K_ANTHROPIC"
}
rec_openai_gateway() {
  in_ns node "$HERE/openai-client.mjs" gateway "$C_OPENAI" "$K_GATEWAY"
}
rec_openai_long_stream() {
  in_ns node "$HERE/openai-client.mjs" long-stream "$C_LONGSTREAM" "$K_GATEWAY"
}
rec_anthropic_http() {
  in_ns node "$HERE/anthropic-client.mjs" proxy "$C_ANTHROPIC" "$K_CLAUDEPROXY" current
  in_ns node "$HERE/anthropic-client.mjs" proxy "$C_ANTHROPIC0" "$K_CLAUDEPROXY" 0x
}
rec_ollama() {
  local u=http://ollama.corp.test:11434
  in_ns "${CURL[@]}" --interface "$C_CURL" "$u/api/tags"; echo
  in_ns "${CURL[@]}" --interface "$C_CURL" "$u/api/chat" -H 'Content-Type: application/json' \
    -d '{"model":"llama3.2","messages":[{"role":"user","content":"Why is the sky blue? One sentence."}],"stream":false}'; echo
  in_ns "${CURL[@]}" --interface "$C_CURL" "$u/api/generate" \
    -d '{"model":"qwen2.5-coder:7b","prompt":"Write a haiku about packets."}' | tail -n 1
  in_ns "$PY" "$HERE/py_client.py" ollama "$C_PYTHON" "$K_OLLAMA"
  in_ns node "$HERE/openai-client.mjs" ollama "$C_OPENAI" "$K_OLLAMA"
}
rec_curl() {
  local msgs='"messages":[{"role":"user","content":"Say hello to the network sensor test."}]'
  # HTTP/1.1 cleartext to the LiteLLM-style gateway.
  in_ns "${CURL[@]}" --interface "$C_CURL" http://llm-gateway.corp.test:4000/v1/chat/completions \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $K_CURL" \
    -d "{\"model\":\"gpt-4o-mini\",$msgs}"; echo
  # HTTP/2 over TLS (ALPN h2): one plain and one streaming completion.
  in_ns "${CURL[@]}" --interface "$C_CURL" --cacert "$CA" --http2 https://api.mistral.ai/v1/chat/completions \
    -H 'Content-Type: application/json' -H 'Accept: application/json' -H "Authorization: Bearer $K_MISTRAL" \
    -d "{\"model\":\"mistral-small-latest\",$msgs}"; echo
  in_ns "${CURL[@]}" --interface "$C_CURL" --cacert "$CA" --http2 -N https://api.mistral.ai/v1/chat/completions \
    -H 'Content-Type: application/json' -H 'Accept: text/event-stream' -H "Authorization: Bearer $K_MISTRAL" \
    -d "{\"model\":\"mistral-small-latest\",\"stream\":true,$msgs}" | tail -n 2
  # HTTP/1.1 over TLS (ALPN http/1.1).
  in_ns "${CURL[@]}" --interface "$C_CURL" --cacert "$CA" --http1.1 https://api.groq.com/openai/v1/chat/completions \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $K_GROQ" \
    -d "{\"model\":\"llama-3.3-70b-versatile\",$msgs}"; echo
  # Gemini-style: key in the query string, plain HTTP.
  in_ns "${CURL[@]}" --interface "$C_CURL" \
    "http://gemini-proxy.corp.test:8000/v1beta/models/gemini-2.0-flash:generateContent?key=$K_GEMINI" \
    -H 'Content-Type: application/json' \
    -d '{"contents":[{"parts":[{"text":"Say hello to the network sensor test."}]}]}'; echo
}
rec_python() {
  in_ns "$PY" "$HERE/py_client.py" azure "$C_PYTHON" "$K_AZURE"
  in_ns "$PY" "$HERE/py_client.py" deepseek "$C_PYTHON" "$K_DEEPSEEK"
}
rec_noise() {
  in_ns "${CURL[@]}" --interface "$C_NOISE_CURL" --cacert "$CA" -o /dev/null -w 'www.example.org %{http_code} %{size_download}\n' https://www.example.org/
  in_ns "${CURL[@]}" --interface "$C_NOISE_CURL" -o /dev/null -w 'www.debian.org %{http_code} %{size_download}\n' http://www.debian.org/
  in_ns "${CURL[@]}" --interface "$C_NOISE_CURL" -w '\n' http://intranet.corp.test/robots.txt
  in_ns "$PY" "$HERE/py_client.py" noise "$C_NOISE_PY" "$K_NOISE"
}

capture openai-node-tls "host $C_OPENAI and host $S_OPENAI" rec_openai_tls
capture anthropic-node-tls "host $C_ANTHROPIC and host $S_ANTHROPIC" rec_anthropic_tls
capture openai-node-gateway-http "host $C_OPENAI and host $S_GATEWAY" rec_openai_gateway
capture openai-node-long-stream "host $C_LONGSTREAM and host $S_GATEWAY" rec_openai_long_stream
capture anthropic-node-http "(host $C_ANTHROPIC or host $C_ANTHROPIC0) and host $S_CLAUDEPROXY" rec_anthropic_http
capture ollama-http "host $S_OLLAMA and (host $C_CURL or host $C_PYTHON or host $C_OPENAI)" rec_ollama
capture curl-h1-h2 "host $C_CURL and (host $S_GATEWAY or host $S_MISTRAL or host $S_GROQ or host $S_GEMINI)" rec_curl
capture python-httpx "host $C_PYTHON and (host $S_AZURE or host $S_DEEPSEEK)" rec_python
capture noise-web "(host $C_NOISE_CURL or host $C_NOISE_PY) and (host $S_EXAMPLE or host $S_INTRANET or host $S_DEBIAN or host $S_GITHUB)" rec_noise

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record.sh"
  echo "node $(node -v | sed 's/^v//')"
  for p in openai @anthropic-ai/sdk anthropic-sdk-0x undici; do
    echo "$p $(node -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2) ($(curl --version | head -n1 | cut -d' ' -f4-5))"
  echo "python3 $($PY -c 'import platform; print(platform.python_version())')"
  echo "python3-httpx $($PY -c 'import httpx; print(httpx.__version__)')"
  echo "python3-requests $($PY -c 'import requests; print(requests.__version__)')"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}')"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c
echo "== mock server log"
sed 's/^/   /' "$WORK/mocks.log"
ls -l "$OUT"/*.pcap
