#!/usr/bin/env bash
# Records twin captures of one web page loaded by headless Chromium, once over
# HTTP/3 (QUIC v1) and once over HTTP/2 (TLS 1.3 over TCP), each with
# Chromium's SSLKEYLOGFILE (README-h3.md). The page (htdocs/index.html, served
# as https://api.openai.com/) makes same-origin LLM API calls from its inline
# JavaScript with a fake key:
#   POST /v1/chat/completions  {"model":"gpt-4o-mini",…}
#   POST /v1/responses         {"model":"gpt-4.1-mini",…}
#   GET  /v1/models
# and writes what it got into the DOM, which --dump-dom prints.
#
#   pcaps/h3-chromium-page.pcap      + keylogs/h3-chromium-page.keylog      HTTP/3, gtlsserver (ngtcp2 0.12)
#   pcaps/h3-chromium-page-h2.pcap   + keylogs/h3-chromium-page-h2.keylog   HTTP/2, nghttpd (nghttp2 1.52)
#   pcaps/h3-chromium-keyupdate.pcap + keylogs/h3-chromium-keyupdate.keylog HTTP/3 as the first, but
#       Chromium initiates QUIC key updates (quiche flag quic_key_update_confidentiality_limit)
#
#   sudo pcaps/record-h3/record.sh                    # apt-get what is missing, record all
#   sudo SKIP_INSTALL=1 pcaps/record-h3/record.sh     # no apt-get
#   sudo pcaps/record-h3/record.sh h3-chromium-page   # only the named capture(s)
#   KEEP_WORK=1 …   # keep the temp dir (certs, server/client logs, dumped DOMs)
#   SHARED_NET=1 …  # record on the machine's lo instead of a private net namespace
#
# Servers are real, unmodified static file servers from Debian serving
# record-h3/htdocs: ngtcp2's example HTTP/3 server `gtlsserver` (it serves the
# file at the path whatever the method, so POST works) and nghttp2's `nghttpd`
# (same; no Alt-Svc, so Chromium has no reason to try HTTP/3). Both use the
# same api.openai.com certificate from a throw-away CA; Chromium accepts it by
# its SPKI hash (--ignore-certificate-errors-spki-list), no CA is installed.
# gtlsserver runs with --max-gso-dgrams=1: with UDP GSO, tcpdump on `lo` sees
# one oversized "datagram" holding several QUIC packets (the kernel splits it
# only on delivery), which is not what a wire would carry.
#
# Nothing leaves the machine: all addresses are in 127.0.0.0/8 and the
# recording runs in a private network namespace with only `lo`
# (record-lib.sh). Chromium cannot bind a source address, so inside that
# namespace a host route (`ip route replace local SERVER/32 dev lo src CLIENT
# table local`) makes its packets leave from the capture's client address.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

C_PAGE=127.0.23.11 # chromium: h3-chromium-page and its h2 twin (same address)
C_KU=127.0.23.12   # chromium: h3-chromium-keyupdate
S_OPENAI=127.0.23.1 # api.openai.com: gtlsserver udp/443 or nghttpd tcp/443 (one at a time)
PORT=443

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (netns, tcpdump, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  need=()
  [ -x /usr/sbin/gtlsserver ] || command -v gtlsserver >/dev/null || need+=(ngtcp2-server)
  command -v nghttpd >/dev/null || [ -x /usr/sbin/nghttpd ] || need+=(nghttp2-server)
  command -v chromium >/dev/null || need+=(chromium)
  command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v tshark >/dev/null || need+=(tshark)
  command -v openssl >/dev/null || need+=(openssl)
  command -v ip >/dev/null || need+=(iproute2)
  command -v unshare >/dev/null || need+=(util-linux)
  /usr/bin/python3 -c 'import hpack' 2>/dev/null || need+=(python3-hpack) # verify.py (Huffman table)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi

rec_private_net "$HERE/record.sh" "$@"
ONLY="$*"
GTLSSERVER=$(command -v gtlsserver || echo /usr/sbin/gtlsserver)
NGHTTPD=$(command -v nghttpd || echo /usr/sbin/nghttpd)

rec_workdir h3
rec_certs api.openai.com
rec_dns api.openai.com,$S_OPENAI
for _ in $(seq 50); do [ -s "$WORK/dnsmasq.pid" ] && break; sleep 0.1; done
# SPKI hash of the api.openai.com leaf, for --ignore-certificate-errors-spki-list.
SPKI=$(openssl x509 -in "$CERTS/api.openai.com.crt" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)

HTDOCS=$HERE/htdocs
KEY=$(sed -n 1p "$HERE/test-keys.txt")
# The page assembles the key from its parts ('sk', 'proj', rest); check it is the listed one.
grep -q "'${KEY#sk-proj-}'" "$HTDOCS/index.html" || { echo "htdocs/index.html does not use the key in test-keys.txt" >&2; exit 1; }

: >"$WORK/cmds.txt"
SPIDS=()
# client_src SRC: packets to the server leave from SRC (namespace-local route).
client_src() { ip route replace local "$S_OPENAI/32" dev lo src "$1" table local; }

# h3_server [gtlsserver options…] / h2_server: the static server for this capture.
h3_server() {
  local name; name=$(cat "$WORK/capture")
  echo "   [$name] gtlsserver --max-gso-dgrams=1 $* -d htdocs $S_OPENAI $PORT api.openai.com.key api.openai.com.crt" >>"$WORK/cmds.txt"
  "$GTLSSERVER" --max-gso-dgrams=1 "$@" -d "$HTDOCS" "$S_OPENAI" "$PORT" "$CERTS/api.openai.com.key" "$CERTS/api.openai.com.crt" \
    >"$WORK/server-$name.log" 2>&1 &
  SPIDS+=($!)
  for _ in $(seq 50); do ss -Hlun "src $S_OPENAI:$PORT" | grep -q . && return 0; sleep 0.1; done
  echo "gtlsserver did not start" >&2; cat "$WORK/server-$name.log" >&2; return 1
}
h2_server() {
  local name; name=$(cat "$WORK/capture")
  echo "   [$name] nghttpd -v -a $S_OPENAI -d htdocs $PORT api.openai.com.key api.openai.com.crt" >>"$WORK/cmds.txt"
  "$NGHTTPD" -v -a "$S_OPENAI" -d "$HTDOCS" "$PORT" "$CERTS/api.openai.com.key" "$CERTS/api.openai.com.crt" \
    >"$WORK/server-$name.log" 2>&1 &
  SPIDS+=($!)
  for _ in $(seq 50); do ss -Hltn "src $S_OPENAI:$PORT" | grep -q . && return 0; sleep 0.1; done
  echo "nghttpd did not start" >&2; cat "$WORK/server-$name.log" >&2; return 1
}
stop_servers() {
  local p
  for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${SPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  SPIDS=()
}

# chromium_page [flags…]: headless Chromium loads https://api.openai.com/,
# resolving api.openai.com through dnsmasq (every other name ~NOTFOUND), and
# dumps the DOM once the page's fetches are done: --virtual-time-budget makes
# headless wait, and virtual time does not advance while fetches are pending.
chromium_page() {
  local name; name=$(cat "$WORK/capture")
  local prof=$WORK/chromium-profile-$name home=$WORK/chromium-home-$name out=$WORK/chromium-$name.html
  rm -rf "$prof" "$home"; mkdir -p "$prof/Default" "$home"
  # Network prediction off (2 = never): no preconnects, which otherwise open
  # a second, unused TCP connection to api.openai.com in the HTTP/2 twin.
  echo '{"net":{"network_prediction_options":2}}' >"$prof/Default/Preferences"
  local args=(--headless --no-sandbox --disable-gpu
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE api.openai.com"
    "--ignore-certificate-errors-spki-list=$SPKI"
    "--user-data-dir=$prof" --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --disable-default-apps --disable-extensions
    --metrics-recording-only --no-default-browser-check "$@"
    --virtual-time-budget=15000 --dump-dom https://api.openai.com/)
  echo "   [$name] SSLKEYLOGFILE=… chromium ${args[*]}" >>"$WORK/cmds.txt"
  in_ns env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
    timeout 90 chromium "${args[@]}" >"$out" 2>"$out.err" || {
    echo "chromium failed" >&2; tail -n 20 "$out.err" >&2; return 1; }
  grep -q '^DONE' "$out" || { echo "the page's calls did not complete:" >&2; sed -n '/<pre/,/<\/pre>/p' "$out" >&2; return 1; }
  sed -n '/<pre/,/<\/pre>/p' "$out" | sed -e 's/<[^>]*>//g' -e 's/^/   page: /'
}

rec_page_h3() {
  client_src "$C_PAGE"
  h3_server
  chromium_page --enable-quic --origin-to-force-quic-on=api.openai.com:443
}
rec_page_h2() {
  client_src "$C_PAGE"
  h2_server
  chromium_page --disable-quic
}
rec_keyupdate() {
  # quiche initiates a key update once this many packets were sent in the
  # current key phase (and the first of them was acknowledged); 0 (default)
  # means the AEAD confidentiality limit. Set through the QUIC field trial's
  # set_quic_flags parameter, as in record-quic.
  client_src "$C_KU"
  h3_server
  chromium_page --enable-quic --origin-to-force-quic-on=api.openai.com:443 \
    --force-fieldtrials=QUIC/Enabled \
    "--force-fieldtrial-params=QUIC.Enabled:set_quic_flags/FLAGS_quic_key_update_confidentiality_limit%3D${KU_LIMIT:-4}"
}

capture h3-chromium-page "host $C_PAGE and host $S_OPENAI" rec_page_h3
stop_servers
capture h3-chromium-page-h2 "host $C_PAGE and host $S_OPENAI" rec_page_h2
stop_servers
capture h3-chromium-keyupdate "host $C_KU and host $S_OPENAI" rec_keyupdate
stop_servers

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-h3/record.sh"
  for p in chromium ngtcp2-server libngtcp2-9 libngtcp2-crypto-gnutls2 libnghttp3-3 libgnutls30 nghttp2-server libnghttp2-14 \
    libssl3 dnsmasq-base tcpdump tshark python3-hpack; do
    echo "$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
  done
  echo "chromium --version: $(chromium --version 2>/dev/null | head -n1 | sed 's/ built on.*//')"
  echo "nghttpd --version: $("$NGHTTPD" --version 2>/dev/null | head -n1)"
  echo "tshark --version: $(tshark --version 2>/dev/null | head -n1)"
  echo "kernel $(uname -r)"
} >"$HERE/versions.txt"

echo "== commands"
cat "$WORK/cmds.txt"
echo "== requests seen by the servers (gtlsserver log; nghttpd -v log)"
for f in "$WORK"/server-*.log; do
  [ -e "$f" ] || continue
  echo "   $(basename "$f" .log | sed 's/^server-//')"
  grep -aE ':(method|path): ' "$f" | sed -E 's/\x1b\[[0-9;]*m//g; s/^.*(stream 0x|stream_id=)([0-9a-f]+)\)? \[?(:[a-z]+: [^]]*)\]?$/stream \2 \3/' |
    paste -d' ' - - | sed -E 's/ stream [0-9a-f]+ / /; s/^/     /' || true
done
echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== check (verify.py)"
/usr/bin/python3 "$HERE/verify.py" || { echo "verify.py failed" >&2; exit 1; }
ls -l "$OUT"/h3-*.pcap "$OUT"/keylogs/h3-*.keylog
