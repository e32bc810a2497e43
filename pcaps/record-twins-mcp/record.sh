#!/usr/bin/env bash
# Records "clear-text twins" of MCP traffic: the SAME client script run twice
# against the same local servers -- once over HTTPS (TLS 1.3, the client's
# session secrets written to an NSS key log) and once over plain HTTP -- from
# the official, unmodified MCP TypeScript SDK v1 (@modelcontextprotocol/sdk),
# SDK v2 (@modelcontextprotocol/client, /server, /node) and mcp-remote, on
# Node 20. For each scenario S:
#   pcaps/twin-mcp-S-tls.pcap + pcaps/keylogs/twin-mcp-S-tls.keylog
#   pcaps/twin-mcp-S-http.pcap
#
#   sudo pcaps/record-twins-mcp/record.sh                  # install deps, record all
#   SKIP_INSTALL=1 sudo pcaps/record-twins-mcp/record.sh   # skip apt-get / npm ci
#   sudo pcaps/record-twins-mcp/record.sh twin-mcp-oauth-tls twin-mcp-oauth-http   # only these
#   SHARED_NET=1 …  # record on the machine's lo instead of a private network namespace
#
# Nothing leaves the machine: the whole recording runs in a private network +
# mount namespace (record-lib.sh rec_private_net) with only its own loopback;
# every address is in 127.0.21.0/24 (plus dnsmasq on 127.0.0.53 and the
# mcp-remote OAuth callback on localhost, which is not captured).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../record-lib.sh"

# Client source addresses (must match common.mjs).
C_V1=127.0.21.11    # twin-agent-v1       SDK v1 Streamable HTTP client
C_V2=127.0.21.12    # twin-agent-v2       SDK v2 Streamable HTTP client (2026-07-28)
C_OAUTH=127.0.21.13 # mcp-remote 0.8.7 (stdio proxy, OAuth) + its "browser" (curl)
# Server addresses (must match common.mjs); each listens on 443 (TLS) and 8080 (HTTP).
S_V1=127.0.21.1     # mcp.corp.test         SDK v1 server "twin-tools-v1", stateful
S_V2=127.0.21.2     # mcp2.corp.test        SDK v2 server "twin-tools-v2"
S_SECURE=127.0.21.3 # mcp-secure.corp.test  SDK v1 server "twin-secure-tools", OAuth resource server
S_AUTH=127.0.21.4   # auth.corp.test        OAuth authorization server (SDK mcpAuthRouter)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
# (before entering the private network namespace: npm ci needs the registry)
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  need=()
  for c in dnsmasq:dnsmasq-base tcpdump:tcpdump unshare:util-linux ip:iproute2 curl:curl openssl:openssl; do
    command -v "${c%%:*}" >/dev/null || need+=("${c#*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
rec_private_net "$HERE/record.sh" "$@"
ONLY="${*:-}"

NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || { echo "record.sh: node >= 20 required, have $("$NODE" -v)" >&2; exit 1; }

rec_workdir twins-mcp
rec_certs mcp.corp.test mcp2.corp.test mcp-secure.corp.test auth.corp.test
rec_dns mcp.corp.test,$S_V1 mcp2.corp.test,$S_V2 mcp-secure.corp.test,$S_SECURE auth.corp.test,$S_AUTH
cd "$HERE"

# ----------------------------------------------------------------- servers --
# Servers need no DNS (the resource server checks tokens in-process), so they
# run without in_ns. MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL: the SDK's own
# switch that lets its auth router use the plain-HTTP issuer of the http twin.
rec_spawn env -u NODE_OPTIONS CERTS="$CERTS" MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL=1 \
  "$NODE" servers.mjs >"$WORK/servers.out" 2>"$WORK/servers.log"
rec_wait_for "$WORK/servers.out" READY || { cat "$WORK/servers.log" >&2; echo "servers did not start" >&2; exit 1; }

# ----------------------------------------------------------------- clients --
client() { in_ns "$NODE" clients.mjs "$@" 2>&1 | sed 's/^/   /'; }
sdk_v1_tls() { client sdk-v1 tls; }
sdk_v1_http() { client sdk-v1 http; }
sdk_v2_tls() { client sdk-v2 tls; }
sdk_v2_http() { client sdk-v2 http; }
# mcp-remote keeps its OAuth state in MCP_REMOTE_CONFIG_DIR: a fresh one per
# run, so each twin does the full sign-in. BROWSER = the fake browser.
oauth_run() {
  local cfg="$WORK/mcp-auth-$1"
  rm -rf "$cfg"
  mkdir -p "$cfg"
  MCP_REMOTE_CONFIG_DIR="$cfg" BROWSER="$HERE/fake-browser.sh" client oauth "$1"
}
oauth_tls() { oauth_run tls; }
oauth_http() { oauth_run http; }

capture twin-mcp-sdk-v1-tls "host $C_V1 and host $S_V1" sdk_v1_tls
capture twin-mcp-sdk-v1-http "host $C_V1 and host $S_V1" sdk_v1_http
capture twin-mcp-sdk-v2-tls "host $C_V2 and host $S_V2" sdk_v2_tls
capture twin-mcp-sdk-v2-http "host $C_V2 and host $S_V2" sdk_v2_http
capture twin-mcp-oauth-tls "host $C_OAUTH and (host $S_SECURE or host $S_AUTH)" oauth_tls
capture twin-mcp-oauth-http "host $C_OAUTH and (host $S_SECURE or host $S_AUTH)" oauth_http

# ------------------------------------------------------------------ checks --
# The fixed fake secrets must be on the wire of each oauth twin (in the TLS one
# only after decryption); each TLS twin must decrypt to the same HTTP request
# sequence (method, URI, JSON-RPC method) as its clear-text twin.
if command -v tshark >/dev/null; then
  reqs() { # FILE [KEYLOG]
    local o=()
    [ -n "${2:-}" ] && o=(-o "tls.keylog_file:$2")
    tshark -r "$1" "${o[@]}" -Y 'http.request' -T fields -e http.request.method -e http.request.uri \
      -e json.member_with_value -E occurrence=a 2>/dev/null |
      awk -F'\t' '{ m = ""; n = split($3, v, ",")
        for (i = 1; i <= n; i++) if (v[i] ~ /^method:/) { m = substr(v[i], 8)
          if (m == "tools/call") for (j = i + 1; j <= n; j++) if (v[j] ~ /^name:/) { m = m " " substr(v[j], 6); break }
          break }
        print $1, $2, m }' |
      sed -E 's/(code_challenge|state)=[^& ]*/\1=…/g'
  }
  for s in sdk-v1 sdk-v2 oauth; do
    t="$OUT/twin-mcp-$s-tls.pcap" h="$OUT/twin-mcp-$s-http.pcap" k="$OUT/keylogs/twin-mcp-$s-tls.keylog"
    [ -f "$t" ] && [ -f "$h" ] && [ -f "$k" ] || continue
    reqs "$t" "$k" >"$WORK/$s-tls.req"
    reqs "$h" >"$WORK/$s-http.req"
    # Only scheme/port differ in URIs that carry an absolute URL (redirect_uri stays the same).
    sed -i -E 's#https(%3A|:)(%2F%2F|//)([a-z0-9.-]+)#http\1\2\3:8080#g; s#http(%3A|:)(%2F%2F|//)([a-z0-9.-]+)(%3A|:)8080#SCHEME-HOST-\3#g' "$WORK/$s-tls.req" "$WORK/$s-http.req"
    if diff -q "$WORK/$s-tls.req" "$WORK/$s-http.req" >/dev/null; then
      echo "== twin-mcp-$s: TLS (decrypted) and HTTP twins agree: $(wc -l <"$WORK/$s-http.req") HTTP requests"
    else
      echo "   warning: twin-mcp-$s: decrypted TLS and HTTP request sequences differ:" >&2
      diff "$WORK/$s-tls.req" "$WORK/$s-http.req" | sed 's/^/     /' >&2 || true
    fi
  done
fi
for f in "$OUT"/twin-mcp-oauth-http.pcap; do
  [ -f "$f" ] || continue
  tcpdump -nn -A -r "$f" >"$WORK/oauth-http.txt" 2>/dev/null
  while read -r s; do
    [ -n "$s" ] || continue
    grep -qF -- "$s" "$WORK/oauth-http.txt" || echo "   warning: test key not found verbatim in $(basename "$f"): ${s:0:12}…" >&2
  done <"$HERE/test-keys.txt"
done

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-twins-mcp/record.sh"
  echo "node $("$NODE" -v | sed 's/^v//')"
  for p in @modelcontextprotocol/sdk @modelcontextprotocol/client @modelcontextprotocol/server @modelcontextprotocol/node \
    @modelcontextprotocol/core mcp-remote undici express zod; do
    echo "$p $("$NODE" -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "mcp-remote/undici $("$NODE" -p "try{require('$HERE/node_modules/mcp-remote/node_modules/undici/package.json').version}catch{require('$HERE/node_modules/undici/package.json').version}")"
  echo "mcp-remote/express $("$NODE" -p "try{require('$HERE/node_modules/mcp-remote/node_modules/express/package.json').version}catch{'(hoisted)'}")"
  echo "mcp-remote/open $("$NODE" -p "require('$HERE/node_modules/open/package.json').version")"
  echo "curl $(curl --version | head -n1 | awk '{print $2}')"
  echo "openssl $(openssl version | awk '{print $2}')"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== server log"
sed 's/^/   /' "$WORK/servers.log"
ls -l "$OUT"/twin-mcp-*.pcap "$OUT"/keylogs/twin-mcp-*.keylog 2>/dev/null || true
