#!/usr/bin/env bash
# Records TLS 1.2 connections (pcaps/tls12-*.pcap + keylogs/tls12-*.keylog) of
# real, unmodified Debian clients (curl with OpenSSL, python3 http.client)
# talking to a local HTTPS mock of api.openai.com (mock_openai.py, Debian
# python3 ssl), for testing aisensor's TLS 1.2 decryption with NSS key logs
# (CLIENT_RANDOM lines = TLS 1.2 master secrets).
#
#   sudo pcaps/record-tls12/record.sh                   # apt-get if needed, record all
#   sudo SKIP_INSTALL=1 pcaps/record-tls12/record.sh    # skip apt-get
#   sudo pcaps/record-tls12/record.sh tls12-curl-chacha # only these capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, dnsmasq / mock logs)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo` (record-lib.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Client source addresses (one per capture).
C_GCM=127.0.1.41     # curl, ECDHE-RSA-AES128-GCM-SHA256
C_AES256=127.0.1.42  # curl, ECDHE-RSA-AES256-GCM-SHA384
C_CHACHA=127.0.1.43  # curl, ECDHE-RSA-CHACHA20-POLY1305
C_PYTHON=127.0.1.44  # python3 http.client, default TLS 1.2 ciphers
# Server: mock api.openai.com, 443, TLS 1.2/1.3, HTTP/1.1 only.
S_OPENAI=127.0.2.41

PY=/usr/bin/python3 # Debian's python3 (not a pyenv / venv one on the PATH)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v unshare >/dev/null || ! command -v ip >/dev/null || ! command -v curl >/dev/null \
    || ! [ -x "$PY" ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump openssl ca-certificates util-linux \
      iproute2 curl python3 >/dev/null
  fi
fi

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"

rec_workdir tls12
rec_certs # only the CA: the leaf below is RSA, for the ECDHE-RSA-* suites
# RSA 2048 leaf for the real name, signed by the throw-away CA of rec_certs.
LEAF=$CERTS/api.openai.com-rsa
openssl req -newkey rsa:2048 -nodes -subj "/CN=api.openai.com" -keyout "$LEAF.key" -out "$LEAF.csr" 2>/dev/null
printf 'subjectAltName=DNS:api.openai.com\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$LEAF.ext"
openssl x509 -req -in "$LEAF.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial -days 30 \
  -extfile "$LEAF.ext" -out "$LEAF.crt" 2>/dev/null
rec_dns api.openai.com,$S_OPENAI

rec_spawn "$PY" "$HERE/mock_openai.py" "$LEAF.crt" "$LEAF.key" "$S_OPENAI" 443 "$WORK/capture" "$HERE/test-keys.txt" \
  >"$WORK/mock.out" 2>"$WORK/mock.log"
rec_wait_for "$WORK/mock.out" READY || { cat "$WORK/mock.log" >&2; echo "mock did not start" >&2; exit 1; }
sed 's/^/   mock: /' "$WORK/mock.out"

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
URL=https://api.openai.com/v1
CHAT='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a test assistant."},{"role":"user","content":"Say hello to the sensor test."}],"max_tokens":32}'
STREAM='{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a test assistant."},{"role":"user","content":"Say hello to the sensor test."}],"max_tokens":32,"stream":true,"stream_options":{"include_usage":true}}'

# curl_pair SRC CIPHER KEY BODY: one curl run, two requests on ONE connection
# (--next keeps curl's connection cache; every TLS option is repeated so the
# connection is reusable): POST /v1/chat/completions with BODY, then
# GET /v1/models. Prints the HTTP status, version, connection count per request.
curl_pair() {
  local src=$1 cipher=$2 key=$3 body=$4
  local tls=(--http1.1 --tlsv1.2 --tls-max 1.2 --ciphers "$cipher" --cacert "$CA" --interface "$src"
    -sS -o /dev/null -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version} new_connections=%{num_connects}\n')
  in_ns curl "${tls[@]}" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "$body" "$URL/chat/completions" \
    --next "${tls[@]}" -H "Authorization: Bearer $key" "$URL/models"
}

rec_gcm() { curl_pair "$C_GCM" ECDHE-RSA-AES128-GCM-SHA256 "$(key 1)" "$CHAT"; }
rec_aes256() { curl_pair "$C_AES256" ECDHE-RSA-AES256-GCM-SHA384 "$(key 2)" "$CHAT"; }
rec_chacha() { curl_pair "$C_CHACHA" ECDHE-RSA-CHACHA20-POLY1305 "$(key 3)" "$STREAM"; }
rec_python() { in_ns "$PY" "$HERE/py_client.py" "$C_PYTHON" "$(key 4)" "$CA" 2>&1 | sed 's/^/   /'; }

capture tls12-curl-gcm "host $C_GCM and host $S_OPENAI" rec_gcm
capture tls12-curl-aes256 "host $C_AES256 and host $S_OPENAI" rec_aes256
capture tls12-curl-chacha "host $C_CHACHA and host $S_OPENAI" rec_chacha
capture tls12-python "host $C_PYTHON and host $S_OPENAI" rec_python

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-tls12/record.sh"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2-)"
  echo "curl-deb $(dpkg-query -W -f='${Version}' curl 2>/dev/null || echo '?')"
  echo "python3 $("$PY" -c 'import platform, ssl; print(platform.python_version(), "(" + ssl.OPENSSL_VERSION + ")")')"
  echo "python3-deb $(dpkg-query -W -f='${Version}' python3.11 2>/dev/null || echo '?')"
  echo "libssl3-deb $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || echo '?')"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}') (certificates: CA EC P-256, leaf RSA 2048)"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== mock log"
sed 's/^/   /' "$WORK/mock.log"
ls -l "$OUT"/tls12-*.pcap 2>/dev/null || true
