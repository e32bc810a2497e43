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
# add ... type vxlan|gretap|gre|erspan); for the GRE family otherwise Open
# vSwitch's userspace datapath (ovsdb-server + ovs-vswitchd started here,
# inside each namespace, bridges with datapath_type=netdev, tunnel ports
# type=gre|erspan), and only if OVS is missing or fails utun.py, the project's
# own userspace GRE endpoint (see README-tunnels.md for which did what).
#
#   sudo pcaps/record-tunnels/record.sh              # all captures
#   sudo pcaps/record-tunnels/record.sh vxlan gre    # only those
#   SKIP_INSTALL=1 ...                               # no apt-get
#   NO_OVS=1 ...                                     # GRE family by utun.py
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
  command -v ovs-vswitchd >/dev/null || need+=(openvswitch-switch)
  command -v arping >/dev/null || need+=(iputils-arping)
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # openvswitch-switch tries to start the system service; that may fail
    # (no systemd/kernel module): this script runs its own daemons.
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || true
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
NS_ARGS=()
setup_ns() {
  NS_ARGS=("$@")
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

# Open vSwitch, userspace datapath: one ovsdb-server + ovs-vswitchd per
# namespace, all files under $WORK/ovs-<ns>, run in the foreground in the
# background (killed by PID like everything else).
OVS_SCHEMA=${OVS_SCHEMA:-/usr/share/openvswitch/vswitch.ovsschema}
OVS=0   # 1 while the current capture's tunnel is OVS's
# (called in an && list, where set -e does not apply: every step checked)
ovs_start() { # NS
  local ns=$1 d="$WORK/ovs-$1"
  rm -rf "$d"; mkdir -p "$d"
  ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA" || return 1
  ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
    ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
    --unixctl="$d/ovsdb-server.ctl" --log-file="$d/ovsdb-server.log" -vconsole:off --no-chdir &
  PIDS+=("$!")
  for _ in $(seq 100); do [ -S "$d/db.sock" ] && break; sleep 0.05; done
  ovs_vsctl "$ns" --no-wait init || return 1
  ip netns exec "$ns" env OVS_RUNDIR="$d" OVS_LOGDIR="$d" OVS_DBDIR="$d" \
    ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
    --unixctl="$d/ovs-vswitchd.ctl" --log-file="$d/ovs-vswitchd.log" -vconsole:off --no-chdir &
  PIDS+=("$!")
  for _ in $(seq 100); do [ -S "$d/ovs-vswitchd.ctl" ] && return 0; sleep 0.05; done
  echo "ovs-vswitchd did not start in $ns (see $d/ovs-vswitchd.log)" >&2; return 1
}
ovs_vsctl() { local ns=$1; shift; ip netns exec "$ns" env OVS_RUNDIR="$WORK/ovs-$ns" ovs-vsctl --timeout=20 --db="unix:$WORK/ovs-$ns/db.sock" "$@"; }
ovs_ofctl() { local ns=$1 br=$2; shift 2; ip netns exec "$ns" ovs-ofctl "$1" "unix:$WORK/ovs-$ns/$br.mgmt" "${@:2}"; }

# ovs_side NS VETH OUTER PEER OUTER_MAC N INNER_MAC PEER_MAC L3 IFTYPE OPTIONS...
# br-underlay: the veth plus the internal port holding the outer address (OVS
# routes and ARPs for its native tunnels through it); t0: the bridge whose
# internal port carries the inner network, with the tunnel port gre0.
ovs_side() {
  local ns=$1 veth=$2 me=$3 peer=$4 omac=$5 net=$6 imac=$7 pmac=$8 l3=$9 type=${10}; shift 10
  ovs_start "$ns" || return 1
  ip netns exec "$ns" ip addr flush dev "$veth" || return 1
  # the veth belongs to OVS now; keep the namespace's own IP stack off it,
  # or (weak host model) it also takes the GRE packets addressed to the
  # outer address on br-underlay and answers "protocol 47 unreachable",
  # and answers ARP a second time: strict reverse-path filter, no ARP.
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=1 "net.ipv4.conf.$veth.rp_filter=1" || return 1
  ip netns exec "$ns" ip link set "$veth" arp off || return 1
  ovs_vsctl "$ns" add-br br-underlay -- set bridge br-underlay datapath_type=netdev \
    other-config:hwaddr="$omac" -- add-port br-underlay "$veth" || return 1
  ip netns exec "$ns" ip addr add "$me/24" dev br-underlay || return 1
  ip netns exec "$ns" ip link set br-underlay up || return 1
  ovs_vsctl "$ns" add-br t0 -- set bridge t0 datapath_type=netdev other-config:hwaddr="$imac" \
    -- set interface t0 mtu_request=1400 \
    -- add-port t0 gre0 -- set interface gre0 type="$type" options:remote_ip="$peer" "$@" || return 1
  local err; err=$(ovs_vsctl "$ns" get interface gre0 error) || return 1
  [ "$err" = "[]" ] || { echo "gre0 ($type $*): $err" >&2; return 1; }
  if [ "$l3" = 1 ]; then
    # bare IP over GRE: gre0 strips the Ethernet header on output and gives
    # received packets a zero one, so no NORMAL switching: explicit flows,
    # and a static neighbour for the peer's inner address (no ARP in GRE).
    local pin; pin=10.88.$net.$([ "$ns" = "$NA" ] && echo 2 || echo 1)
    ovs_ofctl "$ns" t0 del-flows || return 1
    printf '%s\n' "priority=10,in_port=LOCAL,ip,actions=output:gre0" \
      "priority=10,in_port=gre0,ip,actions=mod_dl_src:$pmac,mod_dl_dst:$imac,output:LOCAL" \
      "priority=0,actions=drop" | ovs_ofctl "$ns" t0 add-flows - || return 1
    ip netns exec "$ns" ip neigh replace "$pin" lladdr "$pmac" dev t0 nud permanent || return 1
  fi
}

# make_tunnel NAME N UTUN_MODE ID OVS_TYPE OVS_OPTIONS IP-LINK-ARGS...: a tunnel
# device t0 on both sides (inner 10.88.N.1 / 10.88.N.2), the kernel's first,
# Open vSwitch's next, utun.py last.
HOW=()
make_tunnel() {
  local name=$1 net=$2 ukind=$3 id=$4 otype=$5 oopts=$6; shift 6
  local l3=0; [ "$ukind" = gre ] && l3=1
  local ov; read -ra ov <<<"$oopts"
  local m1 m2; m1=02:88:$(printf %02x "$net"):00:00:01 m2=02:88:$(printf %02x "$net"):00:00:02
  OVS=0
  if A ip link add t0 "$@" local $OA remote $OB 2>"$WORK/err" &&
     B ip link add t0 "$@" local $OB remote $OA 2>>"$WORK/err"; then
    HOW+=("$name: kernel ($*)")
  elif [ "${NO_OVS:-0}" != 1 ] && command -v ovs-vswitchd >/dev/null && command -v arping >/dev/null &&
       ovs_side "$NA" va $OA $OB $MAC_VA "$net" "$m1" "$m2" $l3 "$otype" "${ov[@]}" 2>>"$WORK/err" &&
       ovs_side "$NB" vb $OB $OA $MAC_VB "$net" "$m2" "$m1" $l3 "$otype" "${ov[@]}" 2>>"$WORK/err"; then
    OVS=1
    HOW+=("$name: Open vSwitch userspace datapath, port type=$otype $oopts (kernel: ip link add t0 $* -> $(head -n1 "$WORK/err" | tr '\n' ' '))")
  else
    if [ "${NO_OVS:-0}" != 1 ] && command -v ovs-vswitchd >/dev/null; then
      echo "record.sh: Open vSwitch failed for $name, falling back to utun.py:" >&2
      cat "$WORK/err" >&2
      teardown; setup_ns "${NS_ARGS[@]}"   # start again from clean namespaces
    fi
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
    inner_up t0 "10.88.$net.1/24" "$m1" "$NA"
    inner_up t0 "10.88.$net.2/24" "$m2" "$NB"
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
  if [ "$OVS" = 1 ]; then
    # OVS's native tunnels learn the peer's outer MAC by snooping ARP replies
    # on br-underlay (on a miss OVS sends its own ARP and drops the packet):
    # one ARP exchange each way on the outer link, as the kernel's would be.
    A arping -q -c1 -w2 -I br-underlay $OB || true
    B arping -q -c1 -w2 -I br-underlay $OA || true
  fi
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
  make_tunnel gretap 44 gretap 7 gre "options:key=7" type gretap key 7
  run_capture gretap 44 2
  teardown
fi
if want gre; then
  setup_ns 10.88.47.2
  make_tunnel gre 47 gre 47 gre "options:key=47 options:packet_type=legacy_l3" type gre key 47
  run_capture gre 47 3
  teardown
fi
if want erspan; then
  setup_ns 10.88.45.2
  make_tunnel erspan 45 erspan3 100 erspan "options:key=100 options:erspan_ver=2 options:erspan_dir=0 options:erspan_hwid=7" type erspan seq key 100 erspan_ver 2 erspan_dir ingress erspan_hwid 7
  run_capture erspan 45 4
  teardown
fi
if want erspan2; then
  setup_ns 10.88.46.2
  make_tunnel erspan2 46 erspan2 200 erspan "options:key=200 options:erspan_ver=1 options:erspan_idx=0xc8" type erspan seq key 200 erspan_ver 1 erspan 200
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
  command -v ovs-vswitchd >/dev/null && echo "openvswitch $(ovs-vswitchd --version | head -n1 | sed 's/.* //') (Debian openvswitch-switch $(dpkg-query -W -f='${Version}' openvswitch-switch 2>/dev/null))"
  command -v arping >/dev/null && echo "arping $(arping -V 2>&1 | head -n1 | sed 's/^arping from //')"
  # captures not re-recorded by this run keep their line from the last one
  for t in vxlan vxlan6 gretap gre erspan erspan2; do
    if printf '%s\n' "${HOW[@]}" | grep -q "^$t: "; then
      printf '%s\n' "${HOW[@]}" | grep "^$t: " | sed 's/^/tunnel /'
    else
      grep "^tunnel $t: " "$HERE/versions.txt" 2>/dev/null || true
    fi
  done
} >"$WORK/versions.txt"
mv "$WORK/versions.txt" "$HERE/versions.txt"
cat "$HERE/versions.txt"
