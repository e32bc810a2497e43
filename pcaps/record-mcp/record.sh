#!/usr/bin/env bash
# Regenerates the MCP / OAuth / A2A reference captures in pcaps/ from the
# official, unmodified SDKs: npm @modelcontextprotocol/sdk (server AND client)
# and npm @a2a-js/sdk (1.x server + client, 0.3.x client), on Node 20.
#
#   sudo pcaps/record-mcp/record.sh                 # install deps, record all
#   SKIP_INSTALL=1 sudo pcaps/record-mcp/record.sh  # skip apt-get / npm ci
#   sudo pcaps/record-mcp/record.sh mcp-oauth a2a   # only the named capture(s)
#
# Nothing leaves the machine: all traffic is on 127.0.0.0/8. DNS is answered by
# a dnsmasq bound to 127.0.0.53; servers and clients run in a private mount
# namespace (unshare --mount) in which /etc/resolv.conf and /etc/hosts are
# bind-mounted over, so the machine's own configuration is never changed.
# Plain HTTP throughout, so the sensor (and tcpdump -A) can read everything.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
DNS=127.0.0.53

# Client source addresses (must match common.mjs).
C_STATEFUL=127.0.3.1  # corp-assistant        Streamable HTTP, stateful
C_STATELESS=127.0.3.2 # ci-release-bot        Streamable HTTP, stateless/JSON
C_LEGACY=127.0.3.3    # legacy-desktop-agent  HTTP+SSE (2024-11-05)
C_OAUTH=127.0.3.4     # secure-copilot        Streamable HTTP + OAuth (and its "browser")
C_WS=127.0.3.5        # ws-agent              WebSocket
C_A2A=127.0.3.6       # A2A client            @a2a-js/sdk 1.x (protocol v1.0)
C_A2A03=127.0.3.8     # A2A client            @a2a-js/sdk 0.3.x (protocol v0.3)
C_STATIC=127.0.3.7    # ops-bot               static bearer / token in URL
# Server addresses (must match common.mjs).
S_STATEFUL=127.0.4.1  # mcp-tools.corp.test:3000
S_STATELESS=127.0.4.2 # mcp-stateless.corp.test:8080
S_LEGACY=127.0.4.3    # mcp-legacy.corp.test:3001
S_OAUTH_MCP=127.0.4.4 # mcp-secure.corp.test:3000 (OAuth-protected resource server)
S_AUTH=127.0.4.5      # auth.corp.test:80 (OAuth authorization server)
S_WS=127.0.4.6        # mcp-ws.corp.test:8765
S_A2A=127.0.4.7       # agent.corp.test:9999
S_STATIC=127.0.4.8    # mcp-static.corp.test:3000

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53/80, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v unshare >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump util-linux >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || { echo "record.sh: node >= 20 required, have $("$NODE" -v)" >&2; exit 1; }

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec-mcp.XXXXXX)
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

# --------------------------------------------------------------------- DNS --
printf 'nameserver %s\n' "$DNS" >"$WORK/resolv.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$WORK/hosts"
DNSMASQ_ARGS=(--no-daemon --conf-file=/dev/null --listen-address="$DNS" --bind-interfaces --port=53
  --no-resolv --no-hosts --local=/#/ --log-queries --log-facility="$WORK/dnsmasq.log" --pid-file="$WORK/dnsmasq.pid")
for rec in mcp-tools.corp.test,$S_STATEFUL mcp-stateless.corp.test,$S_STATELESS mcp-legacy.corp.test,$S_LEGACY \
  mcp-secure.corp.test,$S_OAUTH_MCP auth.corp.test,$S_AUTH mcp-ws.corp.test,$S_WS agent.corp.test,$S_A2A \
  mcp-static.corp.test,$S_STATIC; do
  DNSMASQ_ARGS+=(--host-record="$rec")
done
dnsmasq "${DNSMASQ_ARGS[@]}" 2>>"$WORK/dnsmasq.err" &
PIDS+=($!)

# Runs a command in a private mount namespace whose resolv.conf points at the
# local dnsmasq and whose /etc/hosts only knows localhost.
# (An array, not a function, so that `"${IN_NS[@]}" cmd &` leaves $! = the
# PID that finally becomes cmd: env, unshare and sh all exec.)
IN_NS=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u no_proxy -u NO_PROXY
  unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"'
  "$WORK/resolv.conf" "$WORK/hosts")
cd "$HERE"

# Secrets produced by the OAuth flow on the wire (tokens, code, client secret,
# PKCE verifier) are appended here by servers.mjs / clients.mjs.
export WIRE_SECRETS_OUT="$WORK/wire-secrets.txt"
: >"$WIRE_SECRETS_OUT"

# ----------------------------------------------------------------- servers --
# MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL: the SDK's own switch that lets its
# auth router use a plain-HTTP issuer (http://auth.corp.test/) other than localhost.
MCP_DANGEROUSLY_ALLOW_INSECURE_ISSUER_URL=1 "${IN_NS[@]}" "$NODE" servers.mjs >"$WORK/servers.out" 2>"$WORK/servers.log" &
PIDS+=($!)
for _ in $(seq 150); do grep -q READY "$WORK/servers.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/servers.out" || { cat "$WORK/servers.log" >&2; echo "servers did not start" >&2; exit 1; }

client() { "${IN_NS[@]}" "$NODE" clients.mjs "$@"; }

# capture NAME FILTER SCENARIO: records the client SCENARIO to pcaps/NAME.pcap.
capture() {
  local name=$1 filter=$2 scenario=$3 tlog="$WORK/tcpdump-$1.log"
  case " ${ONLY:-} " in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
  echo "== $name"
  rm -f "$OUT/$name.pcap"
  tcpdump -i lo -s 0 -U -w "$OUT/$name.pcap" "(udp port 53 and host $DNS) or ($filter)" 2>"$tlog" &
  TPID=$!
  for _ in $(seq 50); do grep -q 'listening on' "$tlog" && break; sleep 0.1; done
  sleep 0.5
  client "$scenario"
  sleep 1
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
}
ONLY="${*:-}"

capture mcp-streamable-stateful "host $C_STATEFUL and host $S_STATEFUL" stateful
capture mcp-streamable-stateless "host $C_STATELESS and host $S_STATELESS" stateless
capture mcp-legacy-sse "host $C_LEGACY and host $S_LEGACY" legacy-sse
capture mcp-oauth "(host $C_OAUTH and (host $S_OAUTH_MCP or host $S_AUTH)) or (host $S_OAUTH_MCP and host $S_AUTH)" oauth
capture mcp-websocket "host $C_WS and host $S_WS" websocket
capture mcp-static-bearer "host $C_STATIC and host $S_STATIC" static
capture a2a "(host $C_A2A or host $C_A2A03) and host $S_A2A" a2a

# ---------------------------------------------------------------- secrets --
# Only rewritten when the OAuth capture was (re)recorded in this run.
if [ -s "$WIRE_SECRETS_OUT" ]; then
  sort -u "$WIRE_SECRETS_OUT" >"$HERE/wire-secrets.txt"
  # Cross-check: every recorded secret must really be in the capture.
  tcpdump -nn -A -r "$OUT/mcp-oauth.pcap" >"$WORK/mcp-oauth.txt" 2>/dev/null
  while read -r s; do
    grep -qF -- "$s" "$WORK/mcp-oauth.txt" ||
      echo "   warning: wire secret not found verbatim in mcp-oauth.pcap: ${s:0:8}…" >&2
  done <"$HERE/wire-secrets.txt"
  echo "== $(wc -l <"$HERE/wire-secrets.txt") wire secrets -> record-mcp/wire-secrets.txt"
fi

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-mcp/record.sh"
  echo "node $("$NODE" -v | sed 's/^v//')"
  for p in @modelcontextprotocol/sdk @a2a-js/sdk a2a-sdk-03 undici ws express zod; do
    echo "$p $("$NODE" -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c
echo "== server log"
sed 's/^/   /' "$WORK/servers.log"
ls -l "$OUT"/mcp-*.pcap "$OUT"/a2a.pcap 2>/dev/null || true
