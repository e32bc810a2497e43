#!/usr/bin/env bash
# Records three small TLS 1.3 captures with edge cases for aisensor's TLS 1.3
# decryption with NSS key logs (README-tls13x.md):
#
#   tls13-hrr.pcap + keylogs/tls13-hrr.keylog
#       openssl s_client offers X25519:P-256 with a key share for X25519 only;
#       the server accepts P-256 only -> HelloRetryRequest, second ClientHello.
#   tls13-keyupdate.pcap + keylogs/tls13-keyupdate.keylog
#       openssl s_client, two requests on one connection with KeyUpdates in
#       both directions between them (server-initiated after response 1, then
#       client-initiated with s_client's `K` and `k` commands).
#   tls13-dsb.pcapng (no separate key log)
#       curl, one request; its key log injected into the capture as a pcapng
#       Decryption Secrets Block (editcap --inject-secrets).
#
# The server is tls13x_server.c (plain OpenSSL 3, compiled at record time), a
# mock of api.openai.com answering POST /v1/chat/completions.
#
#   sudo pcaps/record-tls13x/record.sh                  # apt-get if needed, record all
#   sudo SKIP_INSTALL=1 pcaps/record-tls13x/record.sh   # skip apt-get
#   sudo pcaps/record-tls13x/record.sh tls13-hrr        # only these capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, dnsmasq / server / client logs)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo` (record-lib.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Client source addresses (one per capture).
C_HRR=127.0.1.51 # openssl s_client, HelloRetryRequest
C_KU=127.0.1.52  # openssl s_client, KeyUpdates both ways
C_DSB=127.0.1.53 # curl, key log as a pcapng Decryption Secrets Block
# Server: mock api.openai.com, 443, TLS 1.3 only, HTTP/1.1.
S_OPENAI=127.0.2.51

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v openssl >/dev/null \
    || ! command -v unshare >/dev/null || ! command -v ip >/dev/null || ! command -v curl >/dev/null \
    || ! command -v gcc >/dev/null || ! [ -f /usr/include/openssl/ssl.h ] || ! command -v editcap >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump openssl ca-certificates util-linux \
      iproute2 curl gcc libc6-dev libssl-dev wireshark-common >/dev/null
  fi
fi

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"

rec_workdir tls13x
rec_certs api.openai.com # throw-away CA + EC P-256 leaf for api.openai.com
rec_dns api.openai.com,$S_OPENAI

gcc -O2 -Wall -o "$WORK/tls13x_server" "$HERE/tls13x_server.c" -lssl -lcrypto
rec_spawn "$WORK/tls13x_server" "$CERTS/api.openai.com.crt" "$CERTS/api.openai.com.key" "$S_OPENAI" 443 \
  "$WORK/capture" "$HERE/test-keys.txt" "$C_HRR" "$C_KU" >"$WORK/server.out" 2>"$WORK/server.log"
rec_wait_for "$WORK/server.out" READY || { cat "$WORK/server.log" >&2; echo "server did not start" >&2; exit 1; }
sed 's/^/   server: /' "$WORK/server.out"

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
BODY='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}'

# request KEY UA: the raw HTTP/1.1 request written to s_client's stdin (one
# write, so s_client never takes its first byte for a command letter).
request() {
  printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nUser-Agent: %s\r\nAccept: application/json\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$2" "$1" "${#BODY}" "$BODY"
}

# server_saw N PATTERN: waits up to 15 s until the server log has N lines of
# the current capture matching PATTERN.
server_saw() {
  local _ name
  name=$(cat "$WORK/capture")
  for _ in $(seq 150); do
    [ "$(grep -F "[$name] " "$WORK/server.log" | grep -c -E -- "$2" || true)" -ge "$1" ] && return 0
    sleep 0.1
  done
  echo "   timeout waiting for the server: $2" >&2
  return 1
}

# s_client SRC GROUPS: openssl s_client to api.openai.com:443 (resolved by
# dnsmasq), TLS 1.3 only, ALPN http/1.1, certificate verified against the test
# CA and the name, client key log to $KEYLOG. Its stdin stays a pipe from the
# caller: without -ign_eof, `K` on a line of its own sends a KeyUpdate
# (update_requested) and the end of stdin closes the connection (close_notify).
s_client() {
  in_ns openssl s_client -connect api.openai.com:443 -bind "$1:0" -servername api.openai.com \
    -tls1_3 -groups "$2" -alpn http/1.1 -CAfile "$CA" -verify_return_error -verify_hostname api.openai.com \
    -keylogfile "$KEYLOG" -no_ign_eof
}

UA='openssl-s_client/3 (aisensor tls13x test)'

rec_hrr() {
  request "$(key 1)" "$UA" >"$WORK/req-hrr"
  {
    cat "$WORK/req-hrr"
    server_saw 1 ' -> 200 ' && sleep 0.3
  } | s_client "$C_HRR" X25519:P-256 >"$WORK/client-hrr.out" 2>"$WORK/client-hrr.err"
  grep -E '^(Server Temp Key|New, |Verify return code)' "$WORK/client-hrr.out" | sed 's/^/   s_client: /' || true
}

# Order on the wire (OpenSSL 3.0 at both ends): request 1; response 1 and,
# in the same TCP segment, the server's KeyUpdate (update_requested, sent by
# the server right after response 1); the client's KeyUpdate (update_requested,
# s_client `K`; s_client sends no separate update_not_requested answer to the
# server's request: the pending answer is replaced by this one); the client's
# KeyUpdate (update_not_requested, s_client `k`); the server's KeyUpdate
# (update_not_requested, its answer to `K`; observed to leave only when the server
# handles the next record, i.e. right after `k`); request 2; response 2. Two
# KeyUpdates each way, HTTP before and after them on one connection; both
# directions end at traffic secret generation 2.
rec_keyupdate() {
  request "$(key 2)" "$UA" >"$WORK/req-ku"
  {
    cat "$WORK/req-ku"                                     # request 1 -> response 1
    server_saw 1 'sent KeyUpdate \(update_requested\)'     # server KeyUpdate after response 1
    sleep 0.2
    echo K                                                 # client KeyUpdate (update_requested)
    server_saw 1 'received KeyUpdate \(update_requested\)'
    sleep 0.2
    echo k                                                 # client KeyUpdate (update_not_requested)
    server_saw 1 'received KeyUpdate \(update_not_requested\)'
    sleep 0.2
    cat "$WORK/req-ku"                                     # request 2 -> response 2
    server_saw 2 ' -> 200 ' && sleep 0.3
  } | s_client "$C_KU" X25519:P-256 >"$WORK/client-ku.out" 2>"$WORK/client-ku.err"
  grep -E '^(Server Temp Key|New, |Verify return code)' "$WORK/client-ku.out" | sed 's/^/   s_client: /' || true
  grep -E 'KEYUPDATE' "$WORK/client-ku.err" | sed 's/^/   s_client: /' || true
}

rec_dsb() {
  in_ns curl --http1.1 --tlsv1.3 --cacert "$CA" --interface "$C_DSB" -sS -o "$WORK/dsb.body" \
    -w '   curl %{method} %{url_effective} -> %{http_code} HTTP/%{http_version}\n' \
    -H "Authorization: Bearer $(key 3)" -H "Content-Type: application/json" \
    -d "$BODY" https://api.openai.com/v1/chat/completions
}

capture tls13-hrr "host $C_HRR and host $S_OPENAI" rec_hrr
capture tls13-keyupdate "host $C_KU and host $S_OPENAI" rec_keyupdate
capture tls13-dsb "host $C_DSB and host $S_OPENAI" rec_dsb

# tls13-dsb: the key log goes into the capture (pcapng DSB), not next to it.
if [ -f "$OUT/tls13-dsb.pcap" ]; then
  [ -s "$OUT/keylogs/tls13-dsb.keylog" ] || { echo "tls13-dsb: no key log written" >&2; exit 1; }
  rm -f "$OUT/tls13-dsb.pcapng"
  editcap --inject-secrets "tls,$OUT/keylogs/tls13-dsb.keylog" "$OUT/tls13-dsb.pcap" "$OUT/tls13-dsb.pcapng"
  rm -f "$OUT/tls13-dsb.pcap" "$OUT/keylogs/tls13-dsb.keylog"
  echo "   tls13-dsb.pcapng: key log injected as a Decryption Secrets Block"
fi

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-tls13x/record.sh"
  echo "openssl $(openssl version)"
  echo "openssl-deb $(dpkg-query -W -f='${Version}' openssl 2>/dev/null || echo '?')"
  echo "libssl3-deb $(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || echo '?')"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2-)"
  echo "curl-deb $(dpkg-query -W -f='${Version}' curl 2>/dev/null || echo '?')"
  echo "gcc $(gcc -dumpfullversion) (tls13x_server.c against libssl-dev $(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || echo '?'))"
  echo "editcap $(editcap --version 2>/dev/null | head -n1 | sed -E 's/^Editcap \(Wireshark\) //')"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "certificates: CA EC P-256, leaf EC P-256 (record-lib.sh rec_certs)"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== server log"
sed 's/^/   /' "$WORK/server.log"
ls -l "$OUT"/tls13-*.pcap "$OUT"/tls13-*.pcapng "$OUT"/keylogs/tls13-*.keylog 2>/dev/null || true
