#!/usr/bin/env bash
# Regenerates the MCP 2026-07-28 reference captures (pcaps/mcp2-*.pcap) from
# the official, unmodified MCP TypeScript SDK v2 (npm @modelcontextprotocol/
# client, /server, /node 2.x) and, for the fallback case, SDK v1
# (@modelcontextprotocol/sdk 1.x), on Node 20.
#
#   sudo pcaps/record-mcp2/record.sh                        # install deps, record all
#   SKIP_INSTALL=1 sudo pcaps/record-mcp2/record.sh         # skip apt-get / npm ci
#   sudo pcaps/record-mcp2/record.sh mcp2-pinned mcp2-auto-v1   # only the named capture(s)
#   SHARED_NET=1 …   # record on the machine's own lo instead of a private network namespace
#
# Nothing leaves the machine. By default the whole recording runs in a private
# network + mount namespace (unshare --net --mount) with only its own loopback
# interface, so a concurrent recorder using 127.0.0.53 or the same ports on the
# machine's lo can neither collide with it nor leak packets into its captures;
# the captures look exactly as on the machine's lo (Ethernet link type, same
# addresses). DNS is answered by a dnsmasq bound to 127.0.0.53; servers and
# clients see /etc/resolv.conf and /etc/hosts bind-mounted over inside a mount
# namespace, so the machine's own configuration is never changed.
# Plain HTTP throughout, so the sensor (and tcpdump -A) can read everything.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
DNS=127.0.0.53

# Client source addresses (must match common.mjs).
C_PINNED=127.0.5.1    # release-copilot     v2 client, versionNegotiation pin 2026-07-28
C_AUTO_V2=127.0.5.2   # ide-agent           v2 client, versionNegotiation 'auto' -> v2 server
C_AUTO_V1=127.0.5.3   # ops-console         v2 client, versionNegotiation 'auto' -> v1 servers
C_BEARER=127.0.5.4    # vault-cli           v2 client, static bearer token
C_SUBSCRIBE=127.0.5.5 # dashboard-agent     v2 client, subscriptions/listen
C_DEFAULT=127.0.5.6   # notebook-assistant  v2 client, default options (legacy mode)
# Server addresses (must match common.mjs).
S_V2=127.0.5.101           # mcp2-tools.corp.test:3000        v2 "fleet-tools"
S_V1=127.0.5.102           # mcp-v1.corp.test:3000            v1 "legacy-inventory" (stateful)
S_V1_STATELESS=127.0.5.103 # mcp-v1-stateless.corp.test:8080  v1 "legacy-billing" (stateless, JSON)
S_V2_SECURE=127.0.5.104    # mcp2-secure.corp.test:3000       v2 "vault-tools" (static bearer)

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (tcpdump, port 53, unshare)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
# (before entering the private network namespace: npm ci needs the registry)
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_MCP2_INNER:-}" ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v dnsmasq >/dev/null || ! command -v tcpdump >/dev/null || ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends dnsmasq-base tcpdump util-linux iproute2 >/dev/null
  fi
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

# ------------------------------------------------ private network namespace --
if [ "${SHARED_NET:-0}" != 1 ] && [ -z "${REC_MCP2_INNER:-}" ]; then
  exec env REC_MCP2_INNER=1 SKIP_INSTALL=1 unshare --net --mount -- \
    sh -c 'ip link set lo up && exec "$@"' sh "$BASH" "$0" "$@"
fi

NODE=${NODE:-/usr/bin/node}
[ -x "$NODE" ] || NODE=$(command -v node)
NODE_MAJOR=$("$NODE" -p 'process.versions.node.split(".")[0]')
[ "$NODE_MAJOR" -ge 20 ] || { echo "record.sh: node >= 20 required, have $("$NODE" -v)" >&2; exit 1; }

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec-mcp2.XXXXXX)
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
for rec in mcp2-tools.corp.test,$S_V2 mcp-v1.corp.test,$S_V1 mcp-v1-stateless.corp.test,$S_V1_STATELESS \
  mcp2-secure.corp.test,$S_V2_SECURE; do
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

# ----------------------------------------------------------------- servers --
"${IN_NS[@]}" "$NODE" servers.mjs >"$WORK/servers.out" 2>"$WORK/servers.log" &
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
  for _ in $(seq 50); do grep -q 'listening on' "$tlog" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  client "$scenario" 2>&1 | sed 's/^/   /'
  sleep 1
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
}
ONLY="${*:-}"

capture mcp2-pinned "host $C_PINNED and host $S_V2" pinned
capture mcp2-auto-v2 "host $C_AUTO_V2 and host $S_V2" auto-v2
capture mcp2-auto-v1 "host $C_AUTO_V1 and (host $S_V1 or host $S_V1_STATELESS)" auto-v1
capture mcp2-bearer "host $C_BEARER and host $S_V2_SECURE" bearer
capture mcp2-subscription "host $C_SUBSCRIBE and host $S_V2" subscription
capture mcp2-default-legacy "host $C_DEFAULT and host $S_V2" default-legacy

# ---------------------------------------------------------------- secrets --
# Cross-check: the static bearer token must really be in mcp2-bearer.pcap.
if [ -f "$OUT/mcp2-bearer.pcap" ]; then
  tcpdump -nn -A -r "$OUT/mcp2-bearer.pcap" >"$WORK/mcp2-bearer.txt" 2>/dev/null
  while read -r s; do
    [ -n "$s" ] || continue
    grep -qF -- "$s" "$WORK/mcp2-bearer.txt" || echo "   warning: test key not found verbatim in mcp2-bearer.pcap: ${s:0:8}…" >&2
  done <"$HERE/test-keys.txt"
fi

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-mcp2/record.sh"
  echo "node $("$NODE" -v | sed 's/^v//')"
  for p in @modelcontextprotocol/client @modelcontextprotocol/server @modelcontextprotocol/node @modelcontextprotocol/core \
    @modelcontextprotocol/sdk undici express zod hono @hono/node-server; do
    echo "$p $("$NODE" -p "require('$HERE/node_modules/$p/package.json').version")"
  done
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
} >"$HERE/versions.txt"

echo "== DNS queries answered"
grep -E 'query\[' "$WORK/dnsmasq.log" | sed -E 's/^.*query/   query/' | sort | uniq -c || true
echo "== server log"
sed 's/^/   /' "$WORK/servers.log"
ls -l "$OUT"/mcp2-*.pcap 2>/dev/null || true
