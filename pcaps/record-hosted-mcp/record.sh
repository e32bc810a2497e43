#!/usr/bin/env bash
# Records pcaps/mcp-hosted-tls.pcap: curl (Debian, OpenSSL) on three client
# addresses opening TLS connections to local HTTPS servers that present the
# names of hosted MCP servers (certificates from a CA made here, trusted by
# curl alone) and POSTing an MCP initialize to /mcp; one client only reaches
# api.githubcopilot.com/mcp, a host that serves other APIs too. Inside a
# private network + mount namespace (unshare): nothing leaves the machine.
#   sudo pcaps/record-hosted-mcp/record.sh        (SKIP_INSTALL=1: no apt-get)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")/mcp-hosted-tls.pcap
[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root" >&2; exit 1; }
if [ "${SKIP_INSTALL:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
  for t in dnsmasq tcpdump curl openssl python3 unshare; do
    command -v $t >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends dnsmasq-base tcpdump curl openssl python3 util-linux iproute2 >/dev/null; break; }
  done
fi
if [ -z "${REC_INNER:-}" ]; then
  exec env REC_INNER=1 unshare --net --mount -- sh -c 'ip link set lo up && exec "$@"' sh "$BASH" "$0" "$@"
fi

# name -> server address (127.0.9.0/24: used by no other recording)
SERVERS="mcp.sentry.dev=127.0.9.1 mcp.linear.app=127.0.9.2 mcp.notion.com=127.0.9.3 mcp.stripe.com=127.0.9.4 api.githubcopilot.com=127.0.9.5"
W=$(mktemp -d /tmp/aisensor-rec-hosted.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

# a throw-away CA and one leaf per name
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=aisensor test CA" \
  -keyout "$W/ca.key" -out "$W/ca.pem" 2>/dev/null
for kv in $SERVERS; do
  n=${kv%=*}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" -keyout "$W/$n.key" -out "$W/$n.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\n' "$n" >"$W/$n.ext"
  openssl x509 -req -in "$W/$n.csr" -CA "$W/ca.pem" -CAkey "$W/ca.key" -CAcreateserial -days 2 -extfile "$W/$n.ext" \
    -out "$W/$n.pem" 2>/dev/null
done

# DNS: dnsmasq on 127.0.0.53 answers the names; resolv.conf bind-mounted in this namespace only
args=(--no-daemon --conf-file=/dev/null --listen-address=127.0.0.53 --bind-interfaces --port=53 --no-resolv --no-hosts
  --local=/#/)
for kv in $SERVERS; do args+=(--host-record="${kv%=*},${kv#*=}"); done
dnsmasq "${args[@]}" 2>"$W/dnsmasq.log" & PIDS+=($!)
echo "nameserver 127.0.0.53" >"$W/resolv.conf"; mount --bind "$W/resolv.conf" /etc/resolv.conf

# one HTTPS server per name: answers any POST with a JSON-RPC error (it is a mock, not MCP)
for kv in $SERVERS; do
  n=${kv%=*} a=${kv#*=}
  ip addr add "$a/32" dev lo 2>/dev/null || true
  python3 "$HERE/server.py" "$a" "$W/$n.pem" "$W/$n.key" 2>"$W/$n.log" & PIDS+=($!)
done
for a in 127.0.9.101 127.0.9.102 127.0.9.103; do ip addr add "$a/32" dev lo 2>/dev/null || true; done
sleep 1

tcpdump -i lo -s 0 -U -w "$OUT" 'host 127.0.0.53 or net 127.0.9.0/24' 2>/dev/null & TPID=$!
sleep 1
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"test"}}}'
call() { # SOURCE URL
  curl -sS --interface "$1" --cacert "$W/ca.pem" -H 'content-type: application/json' \
    -H 'accept: application/json, text/event-stream' -d "$INIT" "$2" -o /dev/null || true
}
call 127.0.9.101 https://mcp.sentry.dev/mcp
call 127.0.9.101 https://mcp.linear.app/mcp
call 127.0.9.102 https://mcp.notion.com/mcp
call 127.0.9.102 https://mcp.stripe.com/mcp
call 127.0.9.103 https://api.githubcopilot.com/mcp/
sleep 1
kill -INT $TPID; wait $TPID 2>/dev/null || true
echo "$OUT: $(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets"
curl --version | head -1 >"$HERE/versions.txt"
openssl version >>"$HERE/versions.txt"
python3 --version >>"$HERE/versions.txt"
