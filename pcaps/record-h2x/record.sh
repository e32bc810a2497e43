#!/usr/bin/env bash
# Records reference captures of cleartext HTTP/2, compressed WebSocket and
# TLS 1.3 0-RTT for aisensor (README-h2x.md):
#
#   h2c-upgrade.pcap
#       HTTP/1.1 -> HTTP/2 upgrade in clear (Upgrade: h2c, HTTP2-Settings,
#       101 Switching Protocols), curl --http2 and nghttp -u, to a vLLM-like
#       OpenAI-compatible server vllm.corp.test:8000 (h2c_server.py on
#       python3-h2): GET /v1/models, POST /v1/chat/completions.
#   h2c-prior.pcap
#       the same requests over h2c with prior knowledge (nghttp without -u,
#       curl --http2-prior-knowledge).
#   ws-deflate.pcap
#       MCP over WebSocket with permessage-deflate: the official MCP SDK's
#       WebSocketClientTransport on the `ws` package's WebSocket (compression
#       both ways, threshold 0) to a `ws` WebSocketServer with
#       perMessageDeflate (ws_server.mjs / ws_client.mjs).
#   ws-deflate-undici.pcap
#       the same with undici's WebSocket (what Node >= 22 has as the global):
#       deflate negotiated, but only the server's messages are compressed.
#   tls13-0rtt.pcap + keylogs/tls13-0rtt.keylog
#       openssl s_client: a full TLS 1.3 handshake that gets the session
#       tickets (-sess_out), then a resumed connection whose HTTP/1.1
#       POST /v1/chat/completions goes out as 0-RTT early data
#       (-sess_in … -early_data FILE), to tls13_0rtt_server.c (api.openai.com).
#
#   sudo pcaps/record-h2x/record.sh                  # apt-get + npm ci if needed, record all
#   sudo SKIP_INSTALL=1 pcaps/record-h2x/record.sh   # skip apt-get / npm ci
#   sudo pcaps/record-h2x/record.sh h2c-upgrade      # only these capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, dnsmasq / server / client logs)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo` (record-lib.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Clients (one source address per client program).
C_UP_CURL=127.0.22.11     # curl --http2 (Upgrade: h2c)
C_UP_NGHTTP=127.0.22.12   # nghttp -u (Upgrade: h2c)
C_PRI_NGHTTP=127.0.22.13  # nghttp (prior knowledge)
C_PRI_CURL=127.0.22.14    # curl --http2-prior-knowledge
C_0RTT=127.0.22.15        # openssl s_client (full handshake, then resumption + 0-RTT)
C_WS=127.0.22.16          # MCP SDK WebSocketClientTransport on `ws`
C_WS_UNDICI=127.0.22.17   # MCP SDK WebSocketClientTransport on undici's WebSocket
# Servers.
S_VLLM=127.0.22.1         # vllm.corp.test:8000, h2c_server.py (python3-h2)
S_OPENAI=127.0.22.2       # api.openai.com:443, tls13_0rtt_server.c
S_WS=127.0.22.3           # mcp-ws.corp.test:8765, ws_server.mjs (ws, permessage-deflate)

PY=/usr/bin/python3       # Debian's python3, where python3-h2 lives

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v unshare >/dev/null || ! command -v ip >/dev/null || ! command -v curl >/dev/null \
    || ! command -v gcc >/dev/null || ! [ -f /usr/include/openssl/ssl.h ] || ! command -v nghttp >/dev/null \
    || ! $PY -c 'import h2' 2>/dev/null || ! command -v node >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump openssl ca-certificates util-linux \
      iproute2 curl gcc libc6-dev libssl-dev nghttp2-client python3 python3-h2 >/dev/null
    command -v node >/dev/null || apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"

rec_workdir h2x
rec_certs api.openai.com # throw-away CA + EC P-256 leaf for api.openai.com
rec_dns vllm.corp.test,$S_VLLM api.openai.com,$S_OPENAI mcp-ws.corp.test,$S_WS

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }

# server_saw N PATTERN LOG: waits up to 15 s until LOG has N lines of the
# current capture matching PATTERN.
server_saw() {
  local _ name
  name=$(cat "$WORK/capture")
  for _ in $(seq 150); do
    [ "$(grep -F "[$name] " "$3" | grep -c -E -- "$2" || true)" -ge "$1" ] && return 0
    sleep 0.1
  done
  echo "   timeout waiting for the server: $2" >&2
  return 1
}

# ----------------------------------------------------------------- servers --
rec_spawn $PY "$HERE/h2c_server.py" $S_VLLM 8000 "$WORK/capture" "$HERE/test-keys.txt" \
  >"$WORK/h2c.out" 2>"$WORK/h2c.log"
rec_wait_for "$WORK/h2c.out" READY || { cat "$WORK/h2c.log" >&2; echo "h2c server did not start" >&2; exit 1; }
sed 's/^/   h2c server: /' "$WORK/h2c.out"

gcc -O2 -Wall -o "$WORK/tls13_0rtt_server" "$HERE/tls13_0rtt_server.c" -lssl -lcrypto
rec_spawn "$WORK/tls13_0rtt_server" "$CERTS/api.openai.com.crt" "$CERTS/api.openai.com.key" $S_OPENAI 443 \
  "$WORK/capture" "$HERE/test-keys.txt" >"$WORK/tls.out" 2>"$WORK/tls.log"
rec_wait_for "$WORK/tls.out" READY || { cat "$WORK/tls.log" >&2; echo "TLS server did not start" >&2; exit 1; }
sed 's/^/   tls server: /' "$WORK/tls.out"

rec_spawn node "$HERE/ws_server.mjs" $S_WS 8765 "$WORK/capture" >"$WORK/ws.out" 2>"$WORK/ws.log"
rec_wait_for "$WORK/ws.out" READY || { cat "$WORK/ws.log" >&2; echo "ws server did not start" >&2; exit 1; }
sed 's/^/   ws server: /' "$WORK/ws.out"

# -------------------------------------------------------------------- h2c --
VLLM=http://vllm.corp.test:8000
CHAT_BODY='{"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"What is the capital of France?"}],"temperature":0.2,"max_tokens":64}'
printf '%s' "$CHAT_BODY" >"$WORK/chat.json"

# nghttp has no option for its source address: while it runs, a /32 local
# route to the server with a preferred source makes the kernel pick SRC
# (only inside this private network namespace).
with_src() {
  local src=$1 dst=$2; shift 2
  ip route replace local "$dst/32" dev lo table local src "$src"
  "$@" || { ip route del local "$dst/32" table local; return 1; }
  ip route del local "$dst/32" table local
}

# curl, one connection: GET /v1/models as the HTTP/1.1 upgrade request
# (answered on stream 1), then POST /v1/chat/completions on stream 3 (curl's
# --next reuses the connection).
curl_pair() { # SRC KEY EXTRA-CURL-OPTION
  in_ns curl -sS "$3" --interface "$1" -o /dev/null \
    -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n' \
    -H "Authorization: Bearer $2" "$VLLM/v1/models" \
    --next "$3" --interface "$1" -o /dev/null \
    -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n' \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$CHAT_BODY" "$VLLM/v1/chat/completions"
}

# nghttp: one invocation is one connection and uses one method for all its
# URIs (GET, or POST with -d), so it makes two connections: GET /v1/models +
# GET /health, then POST /v1/chat/completions. With -u and -d nghttp upgrades
# with `OPTIONS *` (stream 1) and sends the POST as a new stream.
nghttp_pair() { # SRC KEY EXTRA-NGHTTP-OPTION…
  local src=$1 k=$2; shift 2
  with_src "$src" $S_VLLM in_ns nghttp "$@" -H "Authorization: Bearer $k" \
    "$VLLM/v1/models" "$VLLM/health" >"$WORK/nghttp-get.out"
  echo "   nghttp $* GET /v1/models, GET /health: $(wc -c <"$WORK/nghttp-get.out") bytes of bodies"
  sleep 0.3
  with_src "$src" $S_VLLM in_ns nghttp "$@" -H "Authorization: Bearer $k" -H 'Content-Type: application/json' \
    -d "$WORK/chat.json" "$VLLM/v1/chat/completions" >"$WORK/nghttp-post.out"
  echo "   nghttp $* POST /v1/chat/completions: $(wc -c <"$WORK/nghttp-post.out") bytes of body"
}

rec_h2c_upgrade() {
  curl_pair $C_UP_CURL "$(key 1)" --http2
  sleep 0.3
  nghttp_pair $C_UP_NGHTTP "$(key 2)" -u
}

# curl 7.88.1 cannot reuse a prior-knowledge h2c connection for a second
# transfer ("curl: (16) Error in the HTTP2 framing layer" before the second
# request is sent, also against nghttpd; curl issue #10634, fixed by PR #10643
# in curl 8.0.0), so here curl makes one connection per request.
curl_prior() { # SRC KEY
  in_ns curl -sS --http2-prior-knowledge --interface "$1" -o /dev/null \
    -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n' \
    -H "Authorization: Bearer $2" "$VLLM/v1/models"
  sleep 0.3
  in_ns curl -sS --http2-prior-knowledge --interface "$1" -o /dev/null \
    -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n' \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$CHAT_BODY" "$VLLM/v1/chat/completions"
}

rec_h2c_prior() {
  nghttp_pair $C_PRI_NGHTTP "$(key 3)"
  sleep 0.3
  curl_prior $C_PRI_CURL "$(key 4)"
}

# ------------------------------------------------------------ TLS 1.3 0-RTT --
UA='openssl-s_client/3 (aisensor h2x 0-RTT test)'
OPENAI_BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'
request() { # KEY
  printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nUser-Agent: %s\r\nAccept: application/json\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$UA" "$1" "${#OPENAI_BODY}" "$OPENAI_BODY"
}

# s_client EXTRA…: openssl s_client to api.openai.com:443 (resolved by
# dnsmasq), TLS 1.3 only, ALPN http/1.1, certificate verified against the test
# CA and the name, client key log appended to $KEYLOG; stdin stays a pipe from
# the caller, its end closes the connection (close_notify).
s_client() {
  in_ns openssl s_client -connect api.openai.com:443 -bind "$C_0RTT:0" -servername api.openai.com \
    -tls1_3 -alpn http/1.1 -CAfile "$CA" -verify_return_error -verify_hostname api.openai.com \
    -keylogfile "$KEYLOG" -no_ign_eof "$@"
}

rec_0rtt() {
  request "$(key 5)" >"$WORK/req-0rtt"
  rm -f "$WORK/sess.pem"
  # 1. full handshake, one request over 1-RTT; the session (from the server's
  #    NewSessionTicket, max_early_data 16384) is saved.
  {
    cat "$WORK/req-0rtt"
    server_saw 1 ' -> 200 ' "$WORK/tls.log" && sleep 0.3
  } | s_client -sess_out "$WORK/sess.pem" >"$WORK/client-full.out" 2>"$WORK/client-full.err"
  grep -E '^(Server Temp Key|New, |Reused, |Verify return code|Early data)' "$WORK/client-full.out" | sed 's/^/   s_client 1: /' || true
  [ -s "$WORK/sess.pem" ] || { echo "   no session saved" >&2; return 1; }
  grep -E 'Max Early Data' <(openssl sess_id -in "$WORK/sess.pem" -noout -text) | sed 's/^ */   session: /' || true
  sleep 0.5
  # 2. resumption with the ticket; the whole request goes out as early data.
  {
    server_saw 2 ' -> 200 ' "$WORK/tls.log" && sleep 0.3
  } | s_client -sess_in "$WORK/sess.pem" -early_data "$WORK/req-0rtt" >"$WORK/client-0rtt.out" 2>"$WORK/client-0rtt.err"
  grep -E '^(Server Temp Key|New, |Reused, |Verify return code|Early data)' "$WORK/client-0rtt.out" | sed 's/^/   s_client 2: /' || true
}

# ------------------------------------------------------- WebSocket deflate --
rec_ws() {
  in_ns node "$HERE/ws_client.mjs" $C_WS ws://mcp-ws.corp.test:8765/mcp ws 2>&1 | sed 's/^/   ws client: /'
}
rec_ws_undici() {
  in_ns node "$HERE/ws_client.mjs" $C_WS_UNDICI ws://mcp-ws.corp.test:8765/mcp undici 2>&1 | sed 's/^/   ws client (undici): /'
}

capture h2c-upgrade "host $S_VLLM and (host $C_UP_CURL or host $C_UP_NGHTTP)" rec_h2c_upgrade
capture tls13-0rtt "host $C_0RTT and host $S_OPENAI" rec_0rtt
capture ws-deflate "host $C_WS and host $S_WS" rec_ws
capture ws-deflate-undici "host $C_WS_UNDICI and host $S_WS" rec_ws_undici
capture h2c-prior "host $S_VLLM and (host $C_PRI_NGHTTP or host $C_PRI_CURL)" rec_h2c_prior

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-h2x/record.sh"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2-)"
  echo "curl-deb $(dpkg-query -W -f='${Version}' curl 2>/dev/null || echo '?')"
  echo "nghttp $(nghttp --version | head -n1)"
  echo "nghttp2-client-deb $(dpkg-query -W -f='${Version}' nghttp2-client 2>/dev/null || echo '?')"
  echo "python3 $($PY -c 'import sys; print(sys.version.split()[0])') (Debian python3 $(dpkg-query -W -f='${Version}' python3 2>/dev/null || echo '?'))"
  echo "python3-h2 $($PY -c 'import h2; print(h2.__version__)') (Debian $(dpkg-query -W -f='${Version}' python3-h2 2>/dev/null || echo '?')), hpack $($PY -c 'import hpack; print(hpack.__version__)'), hyperframe $($PY -c 'import hyperframe; print(hyperframe.__version__)')"
  echo "openssl $(openssl version)"
  echo "openssl-deb $(dpkg-query -W -f='${Version}' openssl 2>/dev/null || echo '?')"
  echo "libssl3-deb $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || echo '?')"
  echo "gcc $(gcc -dumpfullversion) (tls13_0rtt_server.c against libssl-dev $(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || echo '?'))"
  echo "node $(node --version | sed 's/^v//')"
  for p in @modelcontextprotocol/sdk ws undici zod; do
    echo "$p $(node -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "certificates: CA EC P-256, leaf EC P-256 (record-lib.sh rec_certs)"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
for l in h2c tls ws; do
  echo "== $l server log"
  sed 's/^/   /' "$WORK/$l.log"
done
ls -l "$OUT"/h2c-*.pcap "$OUT"/ws-deflate*.pcap "$OUT"/tls13-0rtt*.pcap "$OUT"/keylogs/tls13-0rtt*.keylog 2>/dev/null || true
