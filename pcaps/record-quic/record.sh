#!/usr/bin/env bash
# Records QUIC reference captures (issue 13, "QUIC Initial and ECH") from real,
# unmodified software: Debian's ngtcp2 example client/server (gtlsclient /
# gtlsserver, ngtcp2 0.12 + GnuTLS + nghttp3) and Debian's Chromium, headless,
# loading a page over HTTP/3 from gtlsserver.
#
#   pcaps/quic-ngtcp2-v1.pcap       gtlsclient QUIC v1 -> chatgpt.com, claude.ai, gemini.google.com
#   pcaps/quic-ngtcp2-v2draft.pcap  the same with QUIC v2 draft (0x709a50c4)
#   pcaps/quic-ngtcp2-retry.pcap    gtlsserver -V (address validation): Retry, then handshake
#   pcaps/quic-ngtcp2-vn.pcap       client offers an unknown version: Version Negotiation, then v1
#   pcaps/quic-ngtcp2-compat-v2.pcap  compatible version negotiation (RFC 9368): client v1, server switches to v2draft
#   pcaps/quic-chromium-h3.pcap     Chromium headless, HTTP/3 to chatgpt.com
#   pcaps/quic-chromium-v2-vn.pcap  Chromium offering QUIC v2 (RFC 9369): Version Negotiation, load fails
#   pcaps/quic-chromium-ech.pcap    Chromium with a real ECH ClientHello (HTTPS RR from dnsmasq); server has no ECH
#
#   sudo pcaps/record-quic/record.sh                 # install deps, record all
#   sudo SKIP_INSTALL=1 pcaps/record-quic/record.sh  # no apt-get
#   sudo pcaps/record-quic/record.sh quic-ngtcp2-v1  # only the named capture(s)
#   KEEP_WORK=1 ...                                  # keep the temp dir (certs, logs)
#
# Everything runs inside a network namespace created here that has nothing but
# its own loopback interface, so no packet can leave the machine; captures are
# taken on that namespace's `lo` (tcpdump -i lo -s 0 -U), as the other
# recorders do on the host's lo. Neither gtlsclient nor Chromium can bind a
# source address, so inside the namespace a host route per server address
# (`ip route replace local 127.0.7.X/32 dev lo src 127.0.6.Y table local`)
# makes each client's packets leave from its own 127.0.6.Y address. DNS
# is answered by dnsmasq on 127.0.0.53; clients see it through bind-mounted
# /etc/resolv.conf and /etc/hosts in a private mount namespace (unshare
# --mount), so the machine's own files are never touched. Chromium resolves
# only in quic-chromium-ech; otherwise --host-resolver-rules maps chatgpt.com
# to its server without DNS. In all Chromium runs every other name is
# ~NOTFOUND, so its background requests go nowhere.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
NS=aisensor-rec-quic-$$
DNS=127.0.0.53

# Client source addresses (by route, see above).
C_NGTCP2=127.0.6.1     # gtlsclient (ngtcp2 0.12 example client)
C_CHROMIUM=127.0.6.2   # chromium --headless
# Servers: gtlsserver, one per name, udp/443.
S_CHATGPT=127.0.7.1    # chatgpt.com
S_CLAUDE=127.0.7.2     # claude.ai
S_GEMINI=127.0.7.3     # gemini.google.com
PORT=443

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (netns, tcpdump, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  need=()
  command -v gtlsclient >/dev/null || need+=(ngtcp2-client)
  command -v gtlsserver >/dev/null || [ -x /usr/sbin/gtlsserver ] || need+=(ngtcp2-server)
  command -v chromium >/dev/null || need+=(chromium)
  command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v tshark >/dev/null || need+=(tshark)
  command -v openssl >/dev/null || need+=(openssl)
  command -v ip >/dev/null || need+=(iproute2)
  command -v unshare >/dev/null || need+=(util-linux)
  /usr/bin/python3 -c 'import cryptography' 2>/dev/null || need+=(python3-cryptography)  # quic_initial.py
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
GTLSSERVER=$(command -v gtlsserver || echo /usr/sbin/gtlsserver)
GTLSCLIENT=$(command -v gtlsclient)

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec-quic.XXXXXX)
PIDS=()
TPID=
SPIDS=()
cleanup() {
  local p
  if [ -n "$TPID" ]; then kill -INT "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
  for p in "${SPIDS[@]}" "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${SPIDS[@]}" "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# --------------------------------------------------------------- namespace --
ip netns add "$NS"
# (Background jobs call `ip netns exec` directly, not through a function: ip
# execs the command, so $! is its PID and kill/SIGINT reach it; a function
# would put a subshell in between that ignores SIGINT.)
N() { ip netns exec "$NS" "$@"; }
N ip link set lo up
N sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
# client_src SRC DST...: packets to DST (a server) leave from SRC.
client_src() {
  local src=$1 d; shift
  for d in "$@"; do N ip route replace local "$d/32" dev lo src "$src" table local; done
}

# ------------------------------------------------------------ certificates --
# Throw-away CA and one EC P-256 leaf per server name (the real AI app names).
CERTS=$WORK/certs
mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=aisensor test CA/CN=aisensor Test Root CA" \
  -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null
for host in chatgpt.com claude.ai gemini.google.com; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$host" -keyout "$CERTS/$host.key" -out "$CERTS/$host.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$host" >"$CERTS/$host.ext"
  openssl x509 -req -in "$CERTS/$host.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial \
    -days 30 -extfile "$CERTS/$host.ext" -out "$CERTS/$host.crt" 2>/dev/null
done
# SPKI hash of the chatgpt.com leaf, for Chromium's --ignore-certificate-errors-spki-list.
SPKI=$(openssl x509 -in "$CERTS/chatgpt.com.crt" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)

# Document root served by gtlsserver (GET / -> index.html).
HTDOCS=$WORK/htdocs
mkdir -p "$HTDOCS"
cat >"$HTDOCS/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>aisensor QUIC test</title></head>
<body><p>Hello! The sensor test is working.</p></body></html>
EOF

# Throw-away ECH configuration (public name as Cloudflare's, whose edge serves
# chatgpt.com) published in an HTTPS record for chatgpt.com; only Chromium in
# quic-chromium-ech asks for it (gtlsclient looks up A/AAAA only).
ECH_PUBLIC_NAME=cloudflare-ech.com
HTTPS_RR=$(/usr/bin/python3 "$HERE/ech.py" "$ECH_PUBLIC_NAME" "$WORK/ech.keys")

# --------------------------------------------------------------------- DNS --
printf 'nameserver %s\n' "$DNS" >"$WORK/resolv.conf"
printf '127.0.0.1\tlocalhost\n' >"$WORK/hosts"
ip netns exec "$NS" dnsmasq --no-daemon --conf-file=/dev/null --listen-address="$DNS" --bind-interfaces --port=53 \
  --no-resolv --no-hosts --local=/#/ --log-queries --log-facility="$WORK/dnsmasq.log" \
  --pid-file="$WORK/dnsmasq.pid" \
  --host-record=chatgpt.com,$S_CHATGPT --host-record=claude.ai,$S_CLAUDE \
  --host-record=gemini.google.com,$S_GEMINI --dns-rr=chatgpt.com,65,"$HTTPS_RR" 2>>"$WORK/dnsmasq.err" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/dnsmasq.pid" ] && break; sleep 0.1; done

# Runs a command in the namespace, in a private mount namespace whose
# resolv.conf points at dnsmasq and whose /etc/hosts only knows localhost.
in_ns() {
  ip netns exec "$NS" env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy \
    -u no_proxy -u NO_PROXY SSLKEYLOGFILE="$KEYLOG" \
    unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"' \
    "$WORK/resolv.conf" "$WORK/hosts" "$@"
}

# server NAME ADDR [gtlsserver options...]: starts gtlsserver for NAME on ADDR:443.
server() {
  local name=$1 addr=$2; shift 2
  ip netns exec "$NS" "$GTLSSERVER" "$@" -d "$HTDOCS" "$addr" "$PORT" "$CERTS/$name.key" "$CERTS/$name.crt" \
    >"$WORK/server-$CAP-$name.log" 2>&1 &
  SPIDS+=($!)
  for _ in $(seq 50); do N ss -Hlun "src $addr:$PORT" | grep -q . && return 0; sleep 0.1; done
  echo "gtlsserver for $name did not start" >&2; cat "$WORK/server-$CAP-$name.log" >&2; return 1
}
stop_servers() {
  local p
  for p in "${SPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${SPIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  SPIDS=()
}

# ngtcp2 NAME [gtlsclient options...]: one connection, GET https://NAME/, then close.
ngtcp2() {
  local name=$1; shift
  local log="$WORK/client-$CAP-$name.log"
  echo "   [$CAP] gtlsclient --exit-on-all-streams-close --no-quic-dump --no-http-dump --handshake-timeout=5s --timeout=5s $* $name $PORT https://$name/" >>"$WORK/cmds.txt"
  in_ns timeout 20 "$GTLSCLIENT" --exit-on-all-streams-close --no-quic-dump --no-http-dump \
    --handshake-timeout=5s --timeout=5s "$@" "$name" "$PORT" "https://$name/" \
    >"$log" 2>&1 || { echo "gtlsclient $* $name failed:" >&2; tail -n 30 "$log" >&2; return 1; }
  grep -q ':status: 200' "$log" || { echo "no HTTP 200 from $name:" >&2; tail -n 30 "$log" >&2; return 1; }
  echo "   $name: HTTP/3 200"
}

# capture NAME FILTER FUNCTION: records FUNCTION's traffic to pcaps/NAME.pcap.
capture() {
  local name=$1 filter=$2 fn=$3 tlog="$WORK/tcpdump-$1.log"
  case " ${ONLY:-} " in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
  echo "== $name"
  CAP=$name
  rm -f "$OUT/$name.pcap" "$OUT/keylogs/$name.keylog" "$OUT/keylogs/$name.ech"
  mkdir -p "$OUT/keylogs"
  KEYLOG="$WORK/$name.keylog"
  : >"$KEYLOG"
  ip netns exec "$NS" tcpdump -i lo -s 0 -U -w "$OUT/$name.pcap" "(udp port 53 and host $DNS) or ($filter)" 2>"$tlog" &
  TPID=$!
  for _ in $(seq 50); do grep -qs "listening on" "$tlog" && break; sleep 0.1; done
  sleep 0.5
  "$fn"
  sleep 1
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  stop_servers
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
  # TLS secrets (NSS key log format: handshake and 1-RTT secrets; QUIC Initial
  # keys need none, they derive from the client's first DCID).
  if grep -q -E "^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0) " "$KEYLOG"; then cp "$KEYLOG" "$OUT/keylogs/$name.keylog"; fi
}
ONLY="${*:-}"
: >"$WORK/cmds.txt"

# ------------------------------------------------------------------ clients --
ALL3="host $C_NGTCP2 and (host $S_CHATGPT or host $S_CLAUDE or host $S_GEMINI)"
start3() {
  client_src "$C_NGTCP2" "$S_CHATGPT" "$S_CLAUDE" "$S_GEMINI"
  server chatgpt.com "$S_CHATGPT" "$@"
  server claude.ai "$S_CLAUDE" "$@"
  server gemini.google.com "$S_GEMINI" "$@"
}
rec_v1() {
  start3
  for n in chatgpt.com claude.ai gemini.google.com; do ngtcp2 "$n" -v v1; done
}
rec_v2draft() {
  start3
  for n in chatgpt.com claude.ai gemini.google.com; do ngtcp2 "$n" -v v2draft; done
}
rec_retry() {
  # gtlsserver -V: answers a token-less Initial with a Retry packet.
  client_src "$C_NGTCP2" "$S_CLAUDE"
  server claude.ai "$S_CLAUDE" -V
  ngtcp2 claude.ai -v v1
}
rec_vn() {
  # 0x1a2a3a4a is a reserved (greasing, RFC 9000 s.15) version no server
  # supports: gtlsserver replies with Version Negotiation, gtlsclient
  # reconnects with the version it prefers among those offered.
  client_src "$C_NGTCP2" "$S_GEMINI"
  server gemini.google.com "$S_GEMINI"
  ngtcp2 gemini.google.com -v 0x1a2a3a4a --preferred-versions v1
}
rec_compat() {
  # RFC 9368 compatible version negotiation: the client starts in v1 and
  # lists v2draft in its version_information; the server prefers v2draft
  # and switches the connection to it during the handshake.
  client_src "$C_NGTCP2" "$S_CHATGPT"
  server chatgpt.com "$S_CHATGPT" --preferred-versions v2draft,v1
  ngtcp2 chatgpt.com -v v1 --other-versions v2draft,v1
}
# chromium_get OUTFILE [extra flags...]: headless Chromium loads https://chatgpt.com/
# over HTTP/3 (forced QUIC, no TCP race) from the gtlsserver at $S_CHATGPT.
# chatgpt.com is mapped to $S_CHATGPT without DNS unless RESOLVE=dns.
chromium_get() {
  local out=$1; shift
  local rules="MAP chatgpt.com $S_CHATGPT, MAP * ~NOTFOUND"
  [ "${RESOLVE:-}" = dns ] && rules="MAP * ~NOTFOUND, EXCLUDE chatgpt.com"
  local prof=$WORK/chromium-profile-$CAP home=$WORK/chromium-home-$CAP
  rm -rf "$prof" "$home"; mkdir -p "$prof" "$home"
  local args=(--headless --no-sandbox --disable-gpu --enable-quic
    --origin-to-force-quic-on=chatgpt.com:443
    "--host-resolver-rules=$rules"
    "--ignore-certificate-errors-spki-list=$SPKI"
    "--user-data-dir=$prof" --no-first-run --disable-background-networking
    --disable-component-update --disable-sync "$@"
    --dump-dom https://chatgpt.com/)
  echo "   [$CAP] SSLKEYLOGFILE=... chromium ${args[*]}" >>"$WORK/cmds.txt"
  in_ns env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
    timeout 60 chromium "${args[@]}" >"$out" 2>"$out.err"
}
rec_chromium() {
  client_src "$C_CHROMIUM" "$S_CHATGPT"
  server chatgpt.com "$S_CHATGPT"
  chromium_get "$WORK/chromium-$CAP.out" || { echo "chromium failed" >&2; tail -n 30 "$WORK/chromium-$CAP.out.err" >&2; return 1; }
  grep -q 'The sensor test is working' "$WORK/chromium-$CAP.out" || {
    echo "chromium did not get the page" >&2; tail -n 30 "$WORK/chromium-$CAP.out.err" >&2; return 1; }
  sed -n 's/^.*<p>\(.*\)<\/p>.*$/   chromium got: \1/p' "$WORK/chromium-$CAP.out"
}
rec_chromium_v2() {
  # Chromium's QUIC v2 (RFC 9369, 0x6b3343cf) is behind a quiche flag, set
  # here through the QUIC field trial's set_quic_flags parameter. ngtcp2 0.12
  # does not know RFC v2, answers with Version Negotiation (v1 only), and
  # Chromium gives up (net::ERR_QUIC_PROTOCOL_ERROR; it does not fall back to
  # v1 even with --quic-version=RFCv2,RFCv1). The point of the capture is the
  # v2 Initials (decryptable by tshark 4.0) and the server's VN.
  client_src "$C_CHROMIUM" "$S_CHATGPT"
  server chatgpt.com "$S_CHATGPT"
  chromium_get "$WORK/chromium-$CAP.out" --quic-version=RFCv2 --force-fieldtrials=QUIC/Enabled \
    "--force-fieldtrial-params=QUIC.Enabled:set_quic_flags/FLAGS_quiche_reloadable_flag_quic_enable_version_rfcv2%3Dtrue" || true
  grep -o 'Page load failed: [^ ]*' "$WORK/chromium-$CAP.out.err" | sed 's/^/   chromium: /' || true
}
rec_chromium_ech() {
  # Chromium resolves chatgpt.com through dnsmasq with its built-in DNS client
  # (A + HTTPS), finds ech= in the HTTPS record and sends a real ECH
  # ClientHello (outer SNI = the public name, inner SNI chatgpt.com, HPKE-
  # encrypted). gtlsserver (GnuTLS 3.7) has no ECH: it answers the outer
  # hello with the chatgpt.com certificate and no retry_configs, and Chromium
  # aborts ("ECH required", net::ERR_QUIC_PROTOCOL_ERROR), then tries once more.
  client_src "$C_CHROMIUM" "$S_CHATGPT"
  server chatgpt.com "$S_CHATGPT"
  RESOLVE=dns chromium_get "$WORK/chromium-$CAP.out" --enable-features=AsyncDns,UseDnsHttpsSvcb,EncryptedClientHello || true
  grep -o 'Page load failed: [^ ]*' "$WORK/chromium-$CAP.out.err" | sed 's/^/   chromium: /' || true
  # Test secret: lets quic_initial.py --ech open the captured ECH payload.
  cp "$WORK/ech.keys" "$OUT/keylogs/$CAP.ech"
}

capture quic-ngtcp2-v1 "$ALL3" rec_v1
capture quic-ngtcp2-v2draft "$ALL3" rec_v2draft
capture quic-ngtcp2-retry "host $C_NGTCP2 and host $S_CLAUDE" rec_retry
capture quic-ngtcp2-vn "host $C_NGTCP2 and host $S_GEMINI" rec_vn
capture quic-ngtcp2-compat-v2 "host $C_NGTCP2 and host $S_CHATGPT" rec_compat
capture quic-chromium-h3 "host $C_CHROMIUM and host $S_CHATGPT" rec_chromium
capture quic-chromium-v2-vn "host $C_CHROMIUM and host $S_CHATGPT" rec_chromium_v2
capture quic-chromium-ech "host $C_CHROMIUM and host $S_CHATGPT" rec_chromium_ech

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-quic/record.sh"
  for p in ngtcp2-client ngtcp2-server libngtcp2-9 libngtcp2-crypto-gnutls2 libnghttp3-3 libgnutls30 chromium dnsmasq-base tcpdump tshark; do
    echo "$p $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
  done
  echo "chromium --version: $(chromium --version 2>/dev/null | head -n1 | sed 's/ built on.*//')"
  echo "tshark --version: $(tshark --version 2>/dev/null | head -n1)"
  echo "kernel $(uname -r)"
} >"$HERE/versions.txt"
echo "== commands"
cat "$WORK/cmds.txt"
echo "== check: Initial packets decrypted by quic_initial.py (ClientHello/ServerHello, Retry, VN)"
for f in "$OUT"/quic-*.pcap; do
  case " ${ONLY:-} " in "  ") ;; *" $(basename "$f" .pcap) "*) ;; *) continue ;; esac
  echo "   $(basename "$f")"
  ech=(); [ -f "$OUT/keylogs/$(basename "$f" .pcap).ech" ] && ech=(--ech "$OUT/keylogs/$(basename "$f" .pcap).ech")
  /usr/bin/python3 "$HERE/quic_initial.py" "${ech[@]}" "$f" | grep -E '=> |RETRY|VERSION_NEGOTIATION|FAILED|unknown version|without a client' |
    sed -E 's/^ *//; s/ (dcid|scid)\([0-9]+\)=[0-9a-f]*//g; s/^/     /' | cut -c1-240 || true
done
echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
ls -l "$OUT"/quic-*.pcap "$OUT"/keylogs/quic-*.keylog 2>/dev/null || true
