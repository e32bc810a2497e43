#!/usr/bin/env bash
# Records real, unmodified AI agent products from npm — Claude Code, OpenAI
# Codex CLI, Gemini CLI — each on its own client address, each doing in ONE
# capture (pcaps/product-NAME.pcap):
#   (a) its LLM API calls over TLS to a local mock presenting the provider's
#       real name (api.anthropic.com, api.openai.com,
#       generativelanguage.googleapis.com) with a certificate from a private CA;
#   (b) MCP over Streamable HTTP (plain HTTP) to a corporate MCP server,
#       mcp-tools.corp.test:8080 (official @modelcontextprotocol/sdk 1.x):
#       initialize, tools/list and a tools/call of get_build_status, because
#       the mock model answers the product's first request with a tool call
#       for that MCP tool and the second (with the tool result) with text.
# Plus an impersonation capture: curl over TLS to api.anthropic.com with
# exactly Claude Code's request headers (read back from the Claude Code capture)
# but curl's own TLS ClientHello.
#
#   sudo pcaps/record-products/record.sh                  # install deps, record all
#   SKIP_INSTALL=1 sudo pcaps/record-products/record.sh   # skip apt-get / npm ci
#   sudo pcaps/record-products/record.sh product-codex    # only the named capture(s) (or ONLY="…")
#   KEEP_WORK=1 …                                         # keep the temp dir (certs, logs, homes)
#
# The TLS session secrets (NSS key log) of every capture are written by the
# mock servers (Node tls 'keylog' event), not by the clients: Claude Code's
# native build (Bun) and Codex (rustls) write none. pcaps/keylogs/NAME.keylog.
#
# Nothing leaves the machine: the recording runs in a private network + mount
# namespace with only its own loopback (record-lib.sh rec_private_net); DNS is
# a dnsmasq on 127.0.0.53 that knows the four names above and answers NXDOMAIN
# for everything else (the products' telemetry / update / feature-flag lookups).
# The products cannot bind a source address, so before each capture the local
# routes to the server addresses (and to the DNS server) get that product's
# client address as preferred source (ip route replace local … src …).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/443, unshare, ip route)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
# (before entering the private network namespace: apt-get / npm need the registries)
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  need=()
  for c in dnsmasq:dnsmasq-base tcpdump:tcpdump tshark:tshark openssl:openssl unshare:util-linux ip:iproute2 curl:curl; do
    command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" ca-certificates >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Always in a private namespace: the routes set below must not touch the machine's lo.
SHARED_NET=0 rec_private_net "$HERE/record.sh" "$@"
ONLY="${ONLY:-$*}"

NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
NM=$HERE/node_modules
CLAUDE=$NM/@anthropic-ai/claude-code/bin/claude.exe     # native build (Bun)
CODEX=$NM/@openai/codex/bin/codex.js                    # Node launcher of the Rust binary
GEMINI=$NM/@google/gemini-cli/bundle/gemini.js          # Node

# Servers (must match mocks.mjs / mcp-server.mjs).
S_ANTHROPIC=127.0.24.1 # api.anthropic.com:443
S_OPENAI=127.0.24.2    # api.openai.com:443
S_GEMINI=127.0.24.3    # generativelanguage.googleapis.com:443
S_MCP=127.0.24.4       # mcp-tools.corp.test:8080 (plain HTTP, /mcp)
MCP_URL=http://mcp-tools.corp.test:8080/mcp
# Clients: one address per product.
C_CLAUDE=127.0.24.11
C_IMPERSONATE=127.0.24.12
C_CODEX=127.0.24.13
C_GEMINI=127.0.24.14

key() { grep -v '^#' "$HERE/test-keys.txt" | sed -n "${1}p"; }
K_CLAUDE=$(key 1); K_CODEX=$(key 2); K_GEMINI=$(key 3); K_IMPERSONATE=$(key 4)
PROMPT="What is the status of the latest aisensor CI build? Use the get_build_status tool of the corp-tools MCP server."

rec_workdir products
rec_certs api.anthropic.com api.openai.com generativelanguage.googleapis.com
rec_dns api.anthropic.com,$S_ANTHROPIC api.openai.com,$S_OPENAI generativelanguage.googleapis.com,$S_GEMINI \
  mcp-tools.corp.test,$S_MCP
for _ in $(seq 50); do [ -s "$WORK/dnsmasq.pid" ] && break; sleep 0.1; done

# ----------------------------------------------------------------- servers --
: >"$WORK/server.keylog"
rec_spawn env KEYLOG_FILE="$WORK/server.keylog" "$NODE" "$HERE/mocks.mjs" "$CERTS" >"$WORK/mocks.out" 2>"$WORK/mocks.log"
rec_spawn "$NODE" "$HERE/mcp-server.mjs" >"$WORK/mcp.out" 2>"$WORK/mcp.log"
rec_wait_for "$WORK/mocks.out" READY || { cat "$WORK/mocks.log" >&2; echo "mocks did not start" >&2; exit 1; }
rec_wait_for "$WORK/mcp.out" READY || { cat "$WORK/mcp.log" >&2; echo "MCP server did not start" >&2; exit 1; }

# run_ns CMD…: a client in a private mount namespace (resolv.conf -> dnsmasq,
# hosts with localhost only), a fresh HOME per capture, no proxies, and none of
# record-lib's client key-log settings (the mocks log the secrets).
run_ns() {
  local home=$WORK/home-$CAP
  mkdir -p "$home" "$WORK/cwd-$CAP"
  (cd "$WORK/cwd-$CAP" &&
    env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u no_proxy -u NO_PROXY \
      -u NODE_OPTIONS -u NODE_EXTRA_CA_CERTS -u SSL_CERT_FILE -u SSL_CERT_DIR -u SSLKEYLOGFILE \
      HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" XDG_DATA_HOME="$home/.local/share" \
      unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"' \
      "$WORK/resolv.conf" "$WORK/hosts" env "$@")
}

# client_src ADDR: packets to the servers and to the DNS server leave from ADDR.
client_src() {
  local d
  ip addr replace "$1/32" dev lo
  for d in $S_ANTHROPIC $S_OPENAI $S_GEMINI $S_MCP $DNS; do ip route replace local "$d/32" dev lo src "$1" table local; done
}

# product NAME CLIENT_ADDR FN: capture (record-lib) of FN run from CLIENT_ADDR;
# the mocks' key-log lines written meanwhile become pcaps/keylogs/NAME.keylog.
product() {
  case " $ONLY " in "  ") ;; *" $1 "*) ;; *) return 0 ;; esac
  CAP=$1 CADDR=$2 CFN=$3
  capture "$1" "host $2" _product
  [ -f "$OUT/$1.pcap" ] || return 0
  echo "   $(stat -c %s "$OUT/$1.pcap") bytes"
  [ "$(stat -c %s "$OUT/$1.pcap")" -lt 153600 ] || echo "   warning: $1.pcap is 150 KB or more" >&2
  grep -F " $CADDR " "$WORK/mocks.log" | sed -E 's/ headers=.*//' | cut -c1-260 | sed 's/^/   mock: /' || true
  grep -E "\] (::ffff:)?$CADDR " "$WORK/mcp.log" | cut -c1-300 | sed 's/^/   mcp: /' || true
}
_product() {
  local kl0 rc=0
  kl0=$(wc -l <"$WORK/server.keylog")
  client_src "$CADDR"
  echo "--- $CAP" >>"$WORK/mocks.log"
  echo "--- $CAP" >>"$WORK/mcp.log"
  "$CFN" >"$WORK/$CAP.out" 2>&1 || rc=$?
  tail -n 12 "$WORK/$CAP.out" | cut -c1-300 | sed "s/^/   [exit $rc] /"
  tail -n "+$((kl0 + 1))" "$WORK/server.keylog" >>"$KEYLOG"
}

# ------------------------------------------------------------------ clients --
# Claude Code (native build), `claude -p`: API key from ANTHROPIC_API_KEY, the
# default base URL (api.anthropic.com, answered by the mock via DNS), CA from
# NODE_EXTRA_CA_CERTS; auto-updater and non-essential traffic off. The MCP
# server comes from --mcp-config (type "http" = Streamable HTTP) and its tool
# is pre-approved with --allowedTools (-p cannot ask).
rec_claude_code() {
  printf '{"mcpServers":{"corp-tools":{"type":"http","url":"%s"}}}\n' "$MCP_URL" >"$WORK/claude-mcp.json"
  run_ns ANTHROPIC_API_KEY="$K_CLAUDE" NODE_EXTRA_CA_CERTS="$CA" DISABLE_AUTOUPDATER=1 \
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
    timeout 180 "$CLAUDE" -p "$PROMPT" --mcp-config "$WORK/claude-mcp.json" --strict-mcp-config \
    --allowedTools mcp__corp-tools__get_build_status </dev/null
}

# Impersonation: curl (Debian's, OpenSSL) over TLS to api.anthropic.com with
# exactly the request headers of Claude Code's first POST /v1/messages, read
# back (decrypted with tshark) from pcaps/product-claude-code.pcap: same
# order, same values, same HTTP/1.1 (--http1.1, so ALPN is http/1.1 only, as
# Claude Code's), except x-api-key (a fake key of its own), Host,
# Content-Length and Connection (curl writes those). A small streamed
# messages request. The headers claim Claude Code; the ClientHello is curl's.
rec_impersonate() {
  local src=$OUT/product-claude-code.pcap kl=$OUT/keylogs/product-claude-code.keylog hdrs=() line
  [ -f "$src" ] && [ -f "$kl" ] || { echo "impersonation: needs product-claude-code.pcap + keylog" >&2; return 1; }
  while IFS= read -r line; do
    case "${line%%:*}" in Host | Content-Length | Connection | x-api-key | '') continue ;; esac
    hdrs+=(-H "$line")
  done < <(tshark -r "$src" -o "tls.keylog_file:$kl" -Y 'http.request.method == "POST" and http.request.uri contains "/v1/messages"' \
    -T fields -e http.request.line 2>/dev/null | head -n1 | sed 's/\\r\\n,/\n/g; s/\\r\\n$//')
  [ ${#hdrs[@]} -gt 10 ] || { echo "impersonation: could not read Claude Code's headers" >&2; return 1; }
  printf '%s\n' "${hdrs[@]}" | grep -v '^-H$' >"$WORK/impersonation-headers.txt"
  local body='{"model":"claude-opus-5-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"What is the status of the latest aisensor CI build?"}]}]}'
  run_ns timeout 30 curl -sS --http1.1 --cacert "$CA" -X POST "https://api.anthropic.com/v1/messages?beta=true" \
    "${hdrs[@]}" -H "x-api-key: $K_IMPERSONATE" --data-binary "$body" \
    -w '\ncurl: HTTP/%{http_version} %{http_code}\n'
}

# Codex CLI (Rust, rustls), `codex exec`: API key from CODEX_API_KEY, CA from
# CODEX_CA_CERTIFICATE (+ SSL_CERT_FILE), a fresh CODEX_HOME whose config.toml
# names the MCP server by url (= streamable HTTP). Default provider "openai"
# (https://api.openai.com/v1): the Responses API over a WebSocket first.
rec_codex() {
  local ch=$WORK/codex-home
  mkdir -p "$ch"
  cat >"$ch/config.toml" <<EOT
[mcp_servers.corp-tools]
url = "$MCP_URL"
EOT
  run_ns CODEX_HOME="$ch" CODEX_API_KEY="$K_CODEX" CODEX_CA_CERTIFICATE="$CA" SSL_CERT_FILE="$CA" \
    timeout 180 "$NODE" "$CODEX" exec --skip-git-repo-check "$PROMPT" </dev/null
}

# Gemini CLI (Node), `gemini -p`: GEMINI_API_KEY (auth type gemini-api-key),
# usage statistics and update checks off, CA from NODE_EXTRA_CA_CERTS,
# GEMINI_CLI_TRUST_WORKSPACE (headless runs refuse an untrusted folder). The
# MCP server in settings.json mcpServers with httpUrl (= Streamable HTTP) and
# trust: true (its tools run without a confirmation prompt, which -p cannot show).
rec_gemini() {
  local home=$WORK/home-$CAP
  mkdir -p "$home/.gemini"
  cat >"$home/.gemini/settings.json" <<EOT
{
  "security": { "auth": { "selectedType": "gemini-api-key" } },
  "privacy": { "usageStatisticsEnabled": false },
  "general": { "disableAutoUpdate": true, "disableUpdateNag": true },
  "mcpServers": { "corp-tools": { "httpUrl": "$MCP_URL", "trust": true } }
}
EOT
  run_ns GEMINI_API_KEY="$K_GEMINI" GEMINI_CLI_TRUST_WORKSPACE=true NODE_EXTRA_CA_CERTS="$CA" \
    timeout 180 "$NODE" "$GEMINI" -p "$PROMPT" </dev/null
}

product product-claude-code $C_CLAUDE rec_claude_code
product product-impersonation-curl $C_IMPERSONATE rec_impersonate
product product-codex $C_CODEX rec_codex
product product-gemini-cli $C_GEMINI rec_gemini

# --------------------------------------------------------------- versions --
v() { "$NODE" -p "require('$NM/$1/package.json').version"; }
{
  echo "# Versions used by the last run of record-products/record.sh"
  echo "npm @anthropic-ai/claude-code $(v @anthropic-ai/claude-code) (+ @anthropic-ai/claude-code-linux-x64 $(v @anthropic-ai/claude-code-linux-x64))"
  echo "claude-code $(HOME=$WORK "$CLAUDE" --version 2>/dev/null) (native build, embedded runtime: $(strings -n 6 "$CLAUDE" | grep -m1 -oE 'Bun v1\.[0-9]+\.[0-9]+'))"
  echo "npm @openai/codex $(v @openai/codex) (+ @openai/codex-linux-x64 $(v @openai/codex-linux-x64))"
  echo "codex $(HOME=$WORK "$NODE" "$CODEX" --version 2>/dev/null) (Rust, musl; TLS: $(strings -n 8 "$(dirname "$(readlink -f "$NM/@openai/codex-linux-x64/package.json")")"/vendor/x86_64-unknown-linux-musl/bin/codex |
    grep -oE 'rustls-0\.[0-9]+\.[0-9]+' | sort -u | head -n1))"
  echo "npm @google/gemini-cli $(v @google/gemini-cli)"
  echo "gemini-cli $(HOME=$WORK "$NODE" "$GEMINI" --version 2>/dev/null) (on node $("$NODE" -v | sed 's/^v//'), OpenSSL $("$NODE" -p process.versions.openssl))"
  echo "npm @modelcontextprotocol/sdk $(v @modelcontextprotocol/sdk) (MCP server), express $(v express), zod $(v zod)"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2) ($(curl --version | head -n1 | cut -d' ' -f4-5))"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "tshark $(tshark -v 2>/dev/null | head -n1 | awk '{print $3}')"
  echo "openssl $(openssl version | awk '{print $2}')"
} >"$HERE/versions.txt"

echo "== DNS queries"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== JA4 (computed from tshark's dissection, ja4_from_tshark.py)"
(cd "$OUT" && for f in product-*.pcap; do
  case " $ONLY " in "  ") ;; *" ${f%.pcap} "*) ;; *) continue ;; esac
  /usr/bin/python3 "$HERE/ja4_from_tshark.py" "$f" 2>/dev/null | grep -v '^   JA4_r' | sed 's/^/   /'
done)
ls -l "$OUT"/product-*.pcap "$OUT"/keylogs/product-*.keylog 2>/dev/null || true
