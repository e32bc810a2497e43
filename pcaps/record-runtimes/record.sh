#!/usr/bin/env bash
# Records the TLS ClientHello (JA4) of real, unmodified client runtimes and AI
# products (issue 14, item 1) talking to local TLS mocks of the AI providers
# (api.openai.com, api.anthropic.com, generativelanguage.googleapis.com), one
# small capture per piece of software: pcaps/runtime-NAME.pcap.
#
#   sudo pcaps/record-runtimes/record.sh                     # install deps, record all
#   SKIP_INSTALL=1 sudo pcaps/record-runtimes/record.sh      # skip apt-get / npm ci
#   sudo pcaps/record-runtimes/record.sh runtime-go runtime-curl   # only the named capture(s)
#   KEEP_WORK=1 …                                            # keep the temp dir (certs, logs)
#
# Nothing leaves the machine. By default the whole recording runs in a private
# network + mount namespace (unshare --net --mount) that has nothing but its
# own loopback interface. DNS is answered by a dnsmasq bound to 127.0.0.53
# (host records for the three provider names, NXDOMAIN for every other name);
# clients see /etc/resolv.conf and /etc/hosts bind-mounted over in a private
# mount namespace. The TLS servers present certificates for the REAL names,
# issued by a throw-away CA made here at record time; each client trusts that
# CA through its own supported setting (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS,
# CODEX_CA_CERTIFICATE, an NSS profile database, an SPKI allow-list).
#
# Most of this software cannot bind a source address, so, as in
# record-quic/record.sh, before each capture the local routes to the server
# addresses get that software's client address as preferred source
# (`ip route replace local 127.0.9.X/32 dev lo src 127.0.8.N table local`).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
DNS=127.0.0.53
NM=$HERE/node_modules

# Servers (must match mocks.mjs).
S_OPENAI=127.0.9.1     # api.openai.com:443
S_ANTHROPIC=127.0.9.2  # api.anthropic.com:443
S_GEMINI=127.0.9.3     # generativelanguage.googleapis.com:443

key() { sed -n "${1}p" "$HERE/test-keys.txt"; }
K_OPENAI=$(key 1); K_ANTHROPIC=$(key 2); K_GEMINI=$(key 3)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
# (before entering the private network namespace: apt-get / npm need the registries)
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_RT_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump tshark openssl ca-certificates util-linux \
    iproute2 curl python3 python3-requests python3-httpx golang-go chromium firefox-esr libnss3-tools >/dev/null
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

# ------------------------------------------------ private network namespace --
# (always: the routes and /32 addresses set below must not touch the machine's lo)
if [ -z "${REC_RT_INNER:-}" ]; then
  exec env REC_RT_INNER=1 SKIP_INSTALL=1 unshare --net --mount -- \
    sh -c 'ip link set lo up && exec "$@"' sh "$BASH" "$0" "$@"
fi

NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
PY=/usr/bin/python3 # Debian's python, where python3-httpx / python3-requests live
BUN=$NM/@oven/bun-linux-x64/bin/bun
CLAUDE1=$NM/claude-code-1x/cli.js            # @anthropic-ai/claude-code 1.0.x (Node build)
CLAUDE2=$NM/@anthropic-ai/claude-code/bin/claude.exe  # current (native build)
CODEX=$NM/@openai/codex/bin/codex.js
GEMINI=$NM/@google/gemini-cli/bundle/gemini.js

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec-runtimes.XXXXXX)
PIDS=()
TPID=
cleanup() {
  local p
  if [ -n "$TPID" ]; then kill -INT "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# ------------------------------------------------------------ certificates --
CERTS=$WORK/certs
mkdir -p "$CERTS"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=aisensor test CA/CN=aisensor Test Root CA" \
  -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null
for host in api.openai.com api.anthropic.com generativelanguage.googleapis.com; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$host" -keyout "$CERTS/$host.key" -out "$CERTS/$host.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$host" >"$CERTS/$host.ext"
  openssl x509 -req -in "$CERTS/$host.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial \
    -days 30 -extfile "$CERTS/$host.ext" -out "$CERTS/$host.crt" 2>/dev/null
done
CA=$CERTS/ca.crt
spki() { openssl x509 -in "$CERTS/$1.crt" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64; }

# --------------------------------------------------------------------- DNS --
printf 'nameserver %s\n' "$DNS" >"$WORK/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$WORK/hosts"
dnsmasq --no-daemon --conf-file=/dev/null --listen-address="$DNS" --bind-interfaces --port=53 \
  --no-resolv --no-hosts --local=/#/ --log-queries --log-facility="$WORK/dnsmasq.log" --pid-file="$WORK/dnsmasq.pid" \
  --host-record=api.openai.com,$S_OPENAI --host-record=api.anthropic.com,$S_ANTHROPIC \
  --host-record=generativelanguage.googleapis.com,$S_GEMINI 2>>"$WORK/dnsmasq.err" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/dnsmasq.pid" ] && break; sleep 0.1; done

# Runs a command in a private mount namespace whose resolv.conf points at the
# local dnsmasq and whose /etc/hosts only knows localhost, with a fresh HOME
# and no proxy variables. No client gets SSLKEYLOGFILE or --tls-keylog: the
# session secrets are logged by the mock servers instead (KEYLOG_FILE).
IN_NS=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u no_proxy -u NO_PROXY
  -u NODE_OPTIONS -u NODE_EXTRA_CA_CERTS -u SSL_CERT_FILE -u SSL_CERT_DIR
  unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"'
  "$WORK/resolv.conf" "$WORK/hosts")
in_ns() {
  local home=$WORK/home-$CAP
  mkdir -p "$home"
  "${IN_NS[@]}" env HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
    XDG_DATA_HOME="$home/.local/share" "$@"
}
cd "$WORK"

# The Go client (standard library only, so no module download) is built here.
GOCACHE="$WORK/gocache" GO111MODULE=off go build -o "$WORK/go-client" "$HERE/go-client/main.go"

# ------------------------------------------------------------ mock servers --
# (mocks.log is appended to by the mocks and by capture(), hence O_APPEND on both sides)
: >"$WORK/mocks.log"
: >"$WORK/server.keylog"
"${IN_NS[@]}" env KEYLOG_FILE="$WORK/server.keylog" "$NODE" "$HERE/mocks.mjs" "$CERTS" >"$WORK/mocks.out" 2>>"$WORK/mocks.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q READY "$WORK/mocks.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/mocks.out" || { cat "$WORK/mocks.log" >&2; echo "mocks did not start" >&2; exit 1; }

# client_src ADDR: packets to the three servers leave from ADDR. ADDR is also
# put on lo as a /32: glibc's getaddrinfo with AI_ADDRCONFIG (Firefox) finds no
# IPv4 address but 127.0.0.1 otherwise and fails without asking DNS.
client_src() {
  local d
  ip addr replace "$1/32" dev lo
  for d in $S_OPENAI $S_ANTHROPIC $S_GEMINI; do ip route replace local "$d/32" dev lo src "$1" table local; done
}

# capture NAME CLIENT_ADDR FUNCTION: records FUNCTION's traffic to pcaps/NAME.pcap.
capture() {
  local name=$1 caddr=$2 fn=$3 tlog="$WORK/tcpdump-$1.log"
  case " ${ONLY:-} " in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
  echo "== $name ($caddr)"
  CAP=$name
  rm -f "$OUT/$name.pcap" "$HERE/keylogs/$name.keylog"
  mkdir -p "$HERE/keylogs"
  local kl0
  kl0=$(wc -l <"$WORK/server.keylog")
  client_src "$caddr"
  echo "--- $name" >>"$WORK/mocks.log"
  tcpdump -i lo -s 0 -U -w "$OUT/$name.pcap" "(udp port 53 and host $DNS) or (host $caddr and net 127.0.9.0/24)" 2>"$tlog" &
  TPID=$!
  for _ in $(seq 50); do grep -qs 'listening on' "$tlog" && break; sleep 0.1; done
  sleep 0.5
  "$fn" 2>&1 | tail -n 15 | cut -c1-300 | sed 's/^/   /' || true
  sleep 1
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
  [ "$(stat -c %s "$OUT/$name.pcap")" -lt 100000 ] || echo "   warning: $name.pcap is 100 KB or more" >&2
  sed -n "/^--- $name\$/,\$p" "$WORK/mocks.log" | sed 1d | cut -c1-240 | sed 's/^/   mock: /'
  # TLS session secrets of this capture's connections (NSS key log format, as
  # logged by the mocks), e.g. tshark -o tls.keylog_file:keylogs/NAME.keylog.
  tail -n "+$((kl0 + 1))" "$WORK/server.keylog" >"$HERE/keylogs/$name.keylog"
  [ -s "$HERE/keylogs/$name.keylog" ] || rm -f "$HERE/keylogs/$name.keylog"
}
ONLY="${*:-}"

# ------------------------------------------------------------------ clients --
T=timeout
rec_python_urllib() { in_ns SSL_CERT_FILE="$CA" $T 30 "$PY" "$HERE/py_client.py" urllib "$K_OPENAI"; }
rec_python_requests() { in_ns SSL_CERT_FILE="$CA" $T 30 "$PY" "$HERE/py_client.py" requests "$K_ANTHROPIC"; }
rec_python_httpx() { in_ns SSL_CERT_FILE="$CA" $T 30 "$PY" "$HERE/py_client.py" httpx "$K_GEMINI"; }
rec_go() { in_ns SSL_CERT_FILE="$CA" $T 30 "$WORK/go-client" https://api.openai.com/v1/models "$K_OPENAI"; }
rec_curl() {
  # Debian's curl, defaults (ALPN h2 + http/1.1).
  in_ns $T 30 curl -sS --cacert "$CA" -o /dev/null -w 'curl: HTTP/%{http_version} %{http_code}\n' \
    -H "x-api-key: $K_ANTHROPIC" -H 'anthropic-version: 2023-06-01' https://api.anthropic.com/v1/models
}
rec_chromium() {
  # Headless Chromium trusts the mock's leaf key by SPKI hash; every name but
  # the target is ~NOTFOUND, so background fetches go nowhere.
  local prof=$WORK/chromium-profile
  rm -rf "$prof"; mkdir -p "$prof"
  in_ns $T 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$prof" --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE generativelanguage.googleapis.com" \
    "--ignore-certificate-errors-spki-list=$(spki generativelanguage.googleapis.com)" \
    --dump-dom "https://generativelanguage.googleapis.com/v1beta/models?key=$K_GEMINI" 2>"$WORK/chromium.err" |
    sed -e 's/<[^>]*>//g' | cut -c1-200
}
rec_firefox() {
  # Headless Firefox ESR with a fresh profile whose NSS database trusts the CA
  # (certutil); DoH off, telemetry/updates/safe browsing off so the only TLS
  # connection is the page load.
  local prof=$WORK/firefox-profile
  rm -rf "$prof"; mkdir -p "$prof"
  certutil -N -d "sql:$prof" --empty-password
  certutil -A -d "sql:$prof" -n "aisensor test CA" -t "C,," -i "$CA"
  cat >"$prof/user.js" <<'EOF'
user_pref("network.trr.mode", 5);
user_pref("network.dns.disableIPv6", true);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.unified", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("services.settings.server", "https://remote-settings.invalid/v1");
user_pref("dom.push.connection.enabled", false);
user_pref("browser.newtabpage.activity-stream.feeds.section.topstories", false);
user_pref("network.prefetch-next", false);
user_pref("network.http.speculative-parallel-limit", 0);
EOF
  in_ns MOZ_HEADLESS=1 $T 90 firefox-esr --headless --no-remote --profile "$prof" \
    --screenshot "$WORK/firefox.png" "https://generativelanguage.googleapis.com/v1beta/models?key=$K_GEMINI" \
    >"$WORK/firefox.out" 2>&1 || echo "firefox exit $?"
  grep -v '^$' "$WORK/firefox.out" | tail -n 5
}
node_env=(NODE_EXTRA_CA_CERTS="$CA")
rec_node_openai() {
  in_ns "${node_env[@]}" $T 30 "$NODE" "$HERE/sdk-client.mjs" openai "$K_OPENAI"
}
rec_node_anthropic() {
  in_ns "${node_env[@]}" $T 30 "$NODE" "$HERE/sdk-client.mjs" anthropic "$K_ANTHROPIC"
}
rec_node_https() {
  in_ns "${node_env[@]}" $T 30 "$NODE" "$HERE/sdk-client.mjs" https "$K_ANTHROPIC"
}
rec_bun() { in_ns "${node_env[@]}" $T 30 "$BUN" "$HERE/bun-client.js" "$K_OPENAI" "$K_ANTHROPIC"; }
# Claude Code: API key and base URL from the environment (documented
# ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL), CA from NODE_EXTRA_CA_CERTS,
# auto-updater and non-essential traffic (telemetry, error reports) off.
claude_env=(ANTHROPIC_API_KEY="$K_ANTHROPIC" ANTHROPIC_BASE_URL=https://api.anthropic.com
  DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 NODE_EXTRA_CA_CERTS="$CA")
rec_claude_code_1() {
  in_ns "${claude_env[@]}" $T 120 "$NODE" "$CLAUDE1" -p "hi" </dev/null
}
rec_claude_code_2() {
  in_ns "${claude_env[@]}" $T 120 "$CLAUDE2" -p "hi" </dev/null
}
# codex exec with an API key (CODEX_API_KEY, read by `codex exec`), CA from
# CODEX_CA_CERTIFICATE (and SSL_CERT_FILE), a fresh CODEX_HOME.
codex_run() {
  in_ns CODEX_HOME="$WORK/codex-home-$CAP" CODEX_API_KEY="$K_OPENAI" CODEX_CA_CERTIFICATE="$CA" SSL_CERT_FILE="$CA" \
    "$@" $T 120 "$NODE" "$CODEX" exec --skip-git-repo-check "hi" </dev/null
}
rec_codex() {
  # Default provider "openai" (OPENAI_BASE_URL set to its default,
  # https://api.openai.com/v1): codex talks the Responses API over a WebSocket
  # (wss://api.openai.com/v1/responses) and uses HTTPS only as a fallback.
  mkdir -p "$WORK/codex-home-$CAP"
  codex_run OPENAI_BASE_URL=https://api.openai.com/v1
}
rec_codex_https() {
  # The same with a custom model provider (config.toml) for api.openai.com that
  # has supports_websockets = false: the Responses API over HTTPS (reqwest),
  # the ClientHello codex sends whenever the WebSocket is refused.
  mkdir -p "$WORK/codex-home-$CAP"
  cat >"$WORK/codex-home-$CAP/config.toml" <<'EOF'
model_provider = "openai-https"

[model_providers.openai-https]
name = "OpenAI (HTTPS only)"
base_url = "https://api.openai.com/v1"
env_key = "CODEX_API_KEY"
wire_api = "responses"
supports_websockets = false
EOF
  codex_run
}
rec_gemini_cli() {
  # gemini -p with GEMINI_API_KEY (auth type gemini-api-key), usage
  # statistics off, CA from NODE_EXTRA_CA_CERTS; GEMINI_CLI_TRUST_WORKSPACE
  # (headless runs refuse an untrusted folder otherwise).
  local home=$WORK/home-$CAP
  mkdir -p "$home/.gemini"
  printf '%s\n' '{"security":{"auth":{"selectedType":"gemini-api-key"}},"privacy":{"usageStatisticsEnabled":false},"general":{"disableAutoUpdate":true,"disableUpdateNag":true}}' \
    >"$home/.gemini/settings.json"
  in_ns GEMINI_API_KEY="$K_GEMINI" GEMINI_CLI_TRUST_WORKSPACE=true "${node_env[@]}" $T 120 "$NODE" "$GEMINI" -p "hi" </dev/null
}

capture runtime-python-urllib 127.0.8.1 rec_python_urllib
capture runtime-python-requests 127.0.8.2 rec_python_requests
capture runtime-python-httpx 127.0.8.3 rec_python_httpx
capture runtime-go 127.0.8.4 rec_go
capture runtime-curl 127.0.8.5 rec_curl
capture runtime-chromium 127.0.8.6 rec_chromium
capture runtime-firefox 127.0.8.7 rec_firefox
capture runtime-node-openai 127.0.8.8 rec_node_openai
capture runtime-node-anthropic 127.0.8.9 rec_node_anthropic
capture runtime-node-https 127.0.8.10 rec_node_https
capture runtime-bun 127.0.8.11 rec_bun
capture runtime-claude-code-1 127.0.8.12 rec_claude_code_1
capture runtime-claude-code-2 127.0.8.13 rec_claude_code_2
capture runtime-codex 127.0.8.14 rec_codex
capture runtime-codex-https 127.0.8.15 rec_codex_https
capture runtime-gemini-cli 127.0.8.16 rec_gemini_cli

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-runtimes/record.sh"
  echo "python3 $($PY -c 'import platform; print(platform.python_version())') (ssl: $($PY -c 'import ssl; print(ssl.OPENSSL_VERSION)'))"
  echo "python3-requests $($PY -c 'import requests; print(requests.__version__)') (urllib3 $($PY -c 'import urllib3; print(urllib3.__version__)'))"
  echo "python3-httpx $($PY -c 'import httpx; print(httpx.__version__)') (httpcore $($PY -c 'import httpcore; print(httpcore.__version__)'))"
  echo "golang-go $(go version | awk '{print $3}') (Debian golang-go $(dpkg-query -W -f='${Version}' golang-go))"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2) ($(curl --version | head -n1 | cut -d' ' -f4-5))"
  echo "chromium $(dpkg-query -W -f='${Version}' chromium)"
  echo "firefox-esr $(dpkg-query -W -f='${Version}' firefox-esr) (bundled $(strings /usr/lib/firefox-esr/libnss3.so | grep -m1 -oE 'NSS 3\.[0-9]+(\.[0-9]+)?'); certutil from libnss3-tools $(dpkg-query -W -f='${Version}' libnss3-tools))"
  echo "node $("$NODE" -v | sed 's/^v//') (OpenSSL $("$NODE" -p process.versions.openssl))"
  for p in openai @anthropic-ai/sdk @oven/bun-linux-x64 claude-code-1x @anthropic-ai/claude-code @anthropic-ai/claude-code-linux-x64 \
    @openai/codex @openai/codex-linux-x64 @google/gemini-cli; do
    echo "npm $p $("$NODE" -p "require('$NM/$p/package.json').version")"
  done
  echo "bun $("$BUN" --version) (revision $("$BUN" --revision))"
  echo "claude-code-1x $("$NODE" "$CLAUDE1" --version 2>/dev/null)"
  echo "claude-code $(HOME=$WORK "$CLAUDE2" --version 2>/dev/null) (embedded runtime: $(strings -n 6 "$CLAUDE2" | grep -m1 -oE 'Bun v1\.[0-9]+\.[0-9]+'))"
  echo "codex $("$NODE" "$CODEX" --version 2>/dev/null) (TLS: $(strings -n 8 "$(dirname "$(readlink -f "$NM/@openai/codex-linux-x64/package.json")")"/vendor/x86_64-unknown-linux-musl/bin/codex |
    grep -oE 'rustls-0\.23\.[0-9]+' | sort -u | head -n1))"
  echo "gemini-cli $(HOME=$WORK "$NODE" "$GEMINI" --version 2>/dev/null)"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}')"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
ls -l "$OUT"/runtime-*.pcap 2>/dev/null || true

# ------------------------------------------------------------ fingerprints --
# JA4/JA3 of every ClientHello, from aisensor (if built) and, independently,
# from tshark's dissection (ja4_from_tshark.py).
AISENSOR=$(dirname "$OUT")/build/aisensor
if [ -x "$AISENSOR" ] && [ -z "${ONLY:-}" ]; then
  echo "== aisensor ai-connection events (capture, client, port, server name, JA4, JA3, ALPN, software)"
  "$HERE/ja4-table.sh" "$AISENSOR" | sed 's/^/   /'
fi
if command -v tshark >/dev/null && [ -z "${ONLY:-}" ]; then
  echo "== JA4 computed from tshark fields"
  (cd "$OUT" && "$PY" "$HERE/ja4_from_tshark.py" runtime-*.pcap 2>/dev/null | grep -v '^   JA4_r' | sed 's/^/   /')
fi
