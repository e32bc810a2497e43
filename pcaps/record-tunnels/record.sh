#!/usr/bin/env bash
# Records real traffic through tunnels a mirror/span port delivers, captured
# on the OUTER link so the captures hold the encapsulated packets:
#   pcaps/tunnel-vxlan.pcap      kernel VXLAN (VNI 42, UDP 4789) over IPv4
#   pcaps/tunnel-vxlan6.pcap     kernel VXLAN (VNI 4243) over IPv6
#   pcaps/tunnel-gretap.pcap     GRE transparent Ethernet bridging, key 7
#   pcaps/tunnel-gre.pcap        GRE carrying IPv4, key 47
#   pcaps/tunnel-erspan.pcap     GRE + ERSPAN type III, session 100
#   pcaps/tunnel-erspan2.pcap    GRE + ERSPAN type II, session 200
# Each uses the kernel's own tunnel device when the kernel has one (ip link
# add ... type vxlan|gretap|gre|erspan) and otherwise utun.py, a userspace GRE
# endpoint on a TAP/TUN device (see README-tunnels.md for which did what).
#
#   sudo pcaps/record-tunnels/record.sh              # all captures
#   sudo pcaps/record-tunnels/record.sh vxlan gre    # only those
#   SKIP_INSTALL=1 ...                               # no apt-get
#
# Two network namespaces created here (client side A, server side B) joined by
# one veth pair; only private addresses (10.88.0.0/16, fd88::/64) inside them.
# The client is curl (POST /v1/chat/completions with a Bearer test key from
# test-keys.txt, after a DNS lookup of llm.corp.test through the tunnel); the
# server is mock.py (python3 http.server, OpenAI-compatible) with a DNS
# responder. Everything is torn down on exit (trap), processes killed by PID.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
NA=aisensor-tun-a-$$
NB=aisensor-tun-b-$$
OA=10.88.0.1 OB=10.88.0.2         # outer IPv4 (veth)
OA6=fd88::1 OB6=fd88::2           # outer IPv6 (veth)
MAC_VA=02:88:00:00:00:01 MAC_VB=02:88:00:00:00:02
PORT=8000
KEYS="$HERE/test-keys.txt"
key() { sed -n "${1}p" "$KEYS"; }

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (namespaces, tcpdump)" >&2; exit 1; }

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  need=()
  command -v ip >/dev/null || need+=(iproute2)
  command -v tcpdump >/dev/null || need+=(tcpdump)
  command -v curl >/dev/null || need+=(curl)
  [ -x /usr/bin/python3 ] || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
PY=/usr/bin/python3

WORK=$(mktemp -d /tmp/aisensor-tun.XXXXXX)
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$NA" 2>/dev/null || true
  ip netns del "$NB" 2>/dev/null || true
  rm -rf "/etc/netns/$NA" "/etc/netns/$NB"
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

A() { ip netns exec "$NA" "$@"; }
B() { ip netns exec "$NB" "$@"; }
# bgA/bgB CMD...: CMD in the background inside A/B; `ip netns exec` execs
# CMD, so $! is CMD's own PID (kill by PID, no subshell in between).
bgA() { ip netns exec "$NA" "$@" & LAST=$!; PIDS+=("$LAST"); }
bgB() { ip netns exec "$NB" "$@" & LAST=$!; PIDS+=("$LAST"); }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# setup_ns DNS [6]: one fresh pair of namespaces per capture, so each starts
# from silence; IPv6 on the outer link only with "6" (else no MLD/ND chatter).
setup_ns() {
  ip netns del "$NA" 2>/dev/null || true
  ip netns del "$NB" 2>/dev/null || true
  ip netns add "$NA"
  ip netns add "$NB"
  ip link add va netns "$NA" address $MAC_VA type veth peer name vb netns "$NB" address $MAC_VB
  for ns in "$NA" "$NB"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$([ "$ns" = "$NA" ] && echo va || echo vb).disable_ipv6=$([ "${2:-}" = 6 ] && echo 0 || echo 1)"
    ip netns exec "$ns" ip link set lo up
  done
  A ip addr add $OA/24 dev va
  B ip addr add $OB/24 dev vb
  if [ "${2:-}" = 6 ]; then
    A ip -6 addr add $OA6/64 dev va nodad
    B ip -6 addr add $OB6/64 dev vb nodad
  fi
  A ip link set va addrgenmode none up   # no link-local chatter on the outer link
  B ip link set vb addrgenmode none up
  # the client resolves through the tunnel: ip netns exec bind-mounts these
  mkdir -p "/etc/netns/$NA"
  printf 'nameserver %s\n' "$1" >"/etc/netns/$NA/resolv.conf"
  printf '127.0.0.1 localhost\n' >"/etc/netns/$NA/hosts"
}

# inner_up DEV ADDR MAC NS: addresses a tunnel device (no IPv6: quiet captures)
inner_up() {
  local dev=$1 addr=$2 mac=$3 ns=$4
  [ -n "$mac" ] && ip netns exec "$ns" ip link set "$dev" address "$mac"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" 2>/dev/null || true
  ip netns exec "$ns" ip link set "$dev" mtu 1400 up
  ip netns exec "$ns" ip addr add "$addr" dev "$dev"
}

# make_tunnel NAME N UTUN_MODE ID IP-LINK-ARGS...: a tunnel device t0 on both
# sides (inner 10.88.N.1 / 10.88.N.2), the kernel's first, utun.py otherwise.
HOW=()
make_tunnel() {
  local name=$1 net=$2 ukind=$3 id=$4; shift 4
  local l3=0; [ "$ukind" = gre ] && l3=1
  if A ip link add t0 "$@" local $OA remote $OB 2>"$WORK/err" &&
     B ip link add t0 "$@" local $OB remote $OA 2>>"$WORK/err"; then
    HOW+=("$name: kernel ($*)")
  else
    HOW+=("$name: userspace utun.py $ukind (kernel: ip link add t0 $* -> $(tr '\n' ' ' <"$WORK/err"))")
    A ip link del t0 2>/dev/null || true
    bgA "$PY" "$HERE/utun.py" "$ukind" t0 $OA $OB "$id"
    bgB "$PY" "$HERE/utun.py" "$ukind" t0 $OB $OA "$id"
    for _ in $(seq 50); do A ip link show t0 >/dev/null 2>&1 && B ip link show t0 >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  if [ $l3 = 1 ]; then
    inner_up t0 "10.88.$net.1/24" "" "$NA"
    inner_up t0 "10.88.$net.2/24" "" "$NB"
  else
    inner_up t0 "10.88.$net.1/24" "02:88:$(printf %02x "$net"):00:00:01" "$NA"
    inner_up t0 "10.88.$net.2/24" "02:88:$(printf %02x "$net"):00:00:02" "$NB"
  fi
}

# run_capture NAME NET KEYLINE: mock in B, tcpdump on the outer veth in A, curl in A
run_capture() {
  local name=$1 net=$2 k; k=$(key "$3")
  local srv=10.88.$net.2 tlog="$WORK/tcpdump-$name.log"
  bgB "$PY" "$HERE/mock.py" "$srv" $PORT "$srv" "$KEYS"
  local mock=$LAST
  for _ in $(seq 50); do B "$PY" -c "import socket,sys; socket.create_connection(('$srv',$PORT),0.2)" 2>/dev/null && break; sleep 0.1; done
  # prime neighbour tables outside the capture
  A ping -c1 -W1 $OB >/dev/null 2>&1 || true
  A ping -c1 -W1 "$srv" >/dev/null 2>&1 || true
  rm -f "$OUT/tunnel-$name.pcap"
  bgA tcpdump -i va -s 0 -U -w "$OUT/tunnel-$name.pcap" 2>"$tlog"
  local tpid=$LAST
  for _ in $(seq 50); do grep -q 'listening on' "$tlog" && break; sleep 0.1; done
  sleep 0.5
  echo "== tunnel-$name"
  A curl -sS --max-time 10 http://llm.corp.test:$PORT/v1/chat/completions \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $k" \
    -d '{"model":"llama-3.1-8b-instruct","messages":[{"role":"user","content":"Say hello through the tunnel."}]}'
  echo
  sleep 1
  kill -INT "$tpid"; wait "$tpid" || true
  stop "$mock"
  sed -n 's/^/   /; /packets captured/p' "$tlog"
}

teardown() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}

want() { case " ${ONLY:-} " in "  ") return 0 ;; *" $1 "*) return 0 ;; *) return 1 ;; esac; }
ONLY="${*:-}"

if want vxlan; then
  setup_ns 10.88.42.2
  A ip link add t0 type vxlan id 42 local $OA remote $OB dstport 4789 dev va
  B ip link add t0 type vxlan id 42 local $OB remote $OA dstport 4789 dev vb
  HOW+=("vxlan: kernel (type vxlan id 42 dstport 4789)")
  inner_up t0 10.88.42.1/24 02:88:2a:00:00:01 "$NA"
  inner_up t0 10.88.42.2/24 02:88:2a:00:00:02 "$NB"
  run_capture vxlan 42 1
  teardown
fi
if want vxlan6; then
  setup_ns 10.88.43.2 6
  A ip link add t0 type vxlan id 4243 local $OA6 remote $OB6 dstport 4789 dev va
  B ip link add t0 type vxlan id 4243 local $OB6 remote $OA6 dstport 4789 dev vb
  HOW+=("vxlan6: kernel (type vxlan id 4243 dstport 4789, outer IPv6)")
  inner_up t0 10.88.43.1/24 02:88:2b:00:00:01 "$NA"
  inner_up t0 10.88.43.2/24 02:88:2b:00:00:02 "$NB"
  run_capture vxlan6 43 5
  teardown
fi
if want gretap; then
  setup_ns 10.88.44.2
  make_tunnel gretap 44 gretap 7 type gretap key 7
  run_capture gretap 44 2
  teardown
fi
if want gre; then
  setup_ns 10.88.47.2
  make_tunnel gre 47 gre 47 type gre key 47
  run_capture gre 47 3
  teardown
fi
if want erspan; then
  setup_ns 10.88.45.2
  make_tunnel erspan 45 erspan3 100 type erspan seq key 100 erspan_ver 2 erspan_dir ingress erspan_hwid 7
  run_capture erspan 45 4
  teardown
fi
if want erspan2; then
  setup_ns 10.88.46.2
  make_tunnel erspan2 46 erspan2 200 type erspan seq key 200 erspan_ver 1 erspan 200
  run_capture erspan2 46 6
  teardown
fi

{
  echo "# Versions and tunnel devices used by the last run of record.sh"
  echo "kernel $(uname -r)"
  echo "iproute2 $(ip -V | sed 's/^ip utility, //')"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | cut -d' ' -f3) ($(tcpdump --version 2>&1 | sed -n 2p))"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2)"
  echo "python3 $($PY -c 'import platform; print(platform.python_version())')"
  for h in "${HOW[@]}"; do echo "tunnel $h"; done
} >"$HERE/versions.txt"
cat "$HERE/versions.txt"
