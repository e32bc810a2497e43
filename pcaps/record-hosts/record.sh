#!/usr/bin/env bash
# Records pcaps/dhcp-roaming.pcap: a DHCP client (ISC dhclient, hostname
# build-07) that runs an AI client (curl -> OpenAI-style chat completion) and
# kinit (MIT Kerberos AS-REQ), then releases its lease and moves to a new
# address, and a second client (busybox udhcpc, other MAC) that is later given
# the first client's old address.
#
#   sudo pcaps/record-hosts/record.sh                 # install deps, record
#   SKIP_INSTALL=1 sudo pcaps/record-hosts/record.sh  # skip apt-get
#   KEEP_WORK=1 sudo pcaps/record-hosts/record.sh     # keep logs in /tmp
#
# Nothing leaves the machine: all traffic is inside three network namespaces
# made here (as-router, as-client, as-client2), joined by veth pairs to a
# bridge in as-router, on 10.77.0.0/24. The router runs dnsmasq (DHCP + DNS),
# an MIT krb5kdc for realm CORP.TEST and a small HTTP mock of an LLM endpoint;
# tcpdump runs on the router's bridge. Every config/lease/cache file lives in a
# temp dir; clients run in a private mount namespace where /etc/resolv.conf,
# /etc/hosts and /etc/krb5.conf are bind-mounted over, so the machine's own
# configuration is never changed. Namespaces and processes are removed on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")
PCAP=$OUT/dhcp-roaming.pcap

NS_R=as-router; NS_C1=as-client; NS_C2=as-client2
NET=10.77.0
R_IP=$NET.1                 # router: dnsmasq DHCP/DNS, KDC, HTTP mock
ADDR_A=$NET.50              # first lease of build-07, later lab-kiosk-12's
ADDR_B=$NET.51              # build-07 after it moves
R_MAC=02:a1:5e:00:00:01     # router bridge
C1_MAC=02:a1:5e:00:00:07    # build-07 (dhclient)
C2_MAC=02:a1:5e:00:00:12    # lab-kiosk-12 (udhcpc)
C1_HOST=build-07
C2_HOST=lab-kiosk-12
REALM=CORP.TEST
KRB_USER=alice
KRB_PASS='Alice-test-password-1'   # fake, only in the throw-away KDC
KEY=$(sed -n 1p "$HERE/test-keys.txt")
MODEL=gpt-4o-mini

[ "$(id -u)" = 0 ] || { echo "record.sh: must run as root (netns, tcpdump, DHCP)" >&2; exit 1; }

# ------------------------------------------------------------- dependencies --
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  need=()
  for pair in dnsmasq:dnsmasq-base tcpdump:tcpdump curl:curl dhclient:isc-dhcp-client busybox:busybox \
    krb5kdc:krb5-kdc kdb5_util:krb5-kdc kadmin.local:krb5-admin-server kinit:krb5-user ip:iproute2 ethtool:ethtool unshare:util-linux; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
  done
  [ -x /usr/bin/python3 ] || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    # The postinsts of krb5-kdc / krb5-admin-server try to start the system
    # KDC / kadmind; this script uses neither (own config, database and KDC
    # process in the router netns; kadmin.local only to add the principal).
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
fi
PY=/usr/bin/python3

for ns in $NS_R $NS_C1 $NS_C2; do
  if ip netns list | grep -qw "^$ns"; then echo "record.sh: netns $ns already exists, not touching it" >&2; exit 1; fi
done

# ---------------------------------------------------------------- work dir --
WORK=$(mktemp -d /tmp/aisensor-rec-hosts.XXXXXX)
PIDS=()
NSS=()
TPID=
cleanup() {
  local p ns
  set +e
  if [ -n "$TPID" ]; then kill -INT "$TPID" 2>/dev/null; wait "$TPID" 2>/dev/null; fi
  # dhclient daemonises; its pid is in its -pf file.
  for p in "$WORK"/dhclient*.pid; do [ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [ "${KEEP_WORK:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ----------------------------------------------------------------- network --
# as-client:eth0 <-> as-router:p-c1 --+
#                                     +-- br0 (10.77.0.1/24)  <- tcpdump
# as-client2:eth0 <-> as-router:p-c2 -+
for ns in $NS_R $NS_C1 $NS_C2; do
  ip netns add "$ns"; NSS+=("$ns")
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
# (Background processes are started with a direct `ip netns exec`, which execs
# the program, so $! is its pid; never through a shell function.)
rx() { ip netns exec "$NS_R" "$@"; }
rx ip link add br0 address $R_MAC type bridge stp_state 0 forward_delay 0 mcast_snooping 0
rx sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
i=0
for pair in "$NS_C1:$C1_MAC" "$NS_C2:$C2_MAC"; do
  i=$((i + 1)); ns=${pair%%:*}; mac=${pair#*:}
  ip link add "as-p$i" type veth peer name "as-c$i"
  ip link set "as-p$i" netns "$NS_R"
  ip link set "as-c$i" netns "$ns"
  rx ip link set "as-p$i" name "p-c$i" address "02:a1:5e:00:01:0$i"
  rx sysctl -qw "net.ipv6.conf.p-c$i.disable_ipv6=1"
  rx ip link set "p-c$i" master br0 up
  ip -n "$ns" link set "as-c$i" name eth0 address "$mac"
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
  ip -n "$ns" link set eth0 up
done
# No TX checksum offload: veths would otherwise hand tcpdump packets whose
# UDP/TCP checksum is not filled in yet ("bad cksum"); a SPAN port sees them
# complete.
for ns in $NS_C1 $NS_C2; do ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null; done
for dev in p-c1 p-c2 br0; do rx ethtool -K "$dev" tx off >/dev/null; done
rx ip addr add $R_IP/24 dev br0
rx ip link set br0 up

# ------------------------------------------------------------ router: DHCP --
# dhcp-host rules (re-read on SIGHUP) decide who gets which address: first
# build-07 -> A; after it releases, build-07 -> B and lab-kiosk-12 -> A.
printf '%s,%s\n' "$C1_MAC" "$ADDR_A" >"$WORK/dhcp-hosts"
ip netns exec "$NS_R" dnsmasq --no-daemon --conf-file=/dev/null --interface=br0 --bind-interfaces \
  --no-resolv --no-hosts --local=/#/ --domain=corp.test \
  --host-record=llm.corp.test,$R_IP --host-record=kdc.corp.test,$R_IP --host-record=intranet.corp.test,$R_IP \
  --dhcp-range=$NET.50,$NET.59,255.255.255.0,1h --dhcp-authoritative \
  --dhcp-hostsfile="$WORK/dhcp-hosts" --dhcp-leasefile="$WORK/dnsmasq.leases" \
  --log-queries --log-dhcp --log-facility="$WORK/dnsmasq.log" --pid-file="$WORK/dnsmasq.pid" \
  2>>"$WORK/dnsmasq.err" &
PIDS+=($!)
DNSMASQ_PID=$!

# ------------------------------------------------------------- router: KDC --
mkdir -p "$WORK/kdc"
cat >"$WORK/krb5-kdc.conf" <<KRB
[libdefaults]
  default_realm = $REALM
[realms]
  $REALM = {
    kdc = $R_IP
  }
[logging]
  kdc = FILE:$WORK/kdc.log
KRB
cat >"$WORK/kdc.conf" <<KRB
[kdcdefaults]
  kdc_ports = 88
  kdc_tcp_ports = 88
[realms]
  $REALM = {
    database_name = $WORK/kdc/principal
    key_stash_file = $WORK/kdc/stash
    acl_file = $WORK/kdc/kadm5.acl
    kdc_listen = $R_IP:88
    kdc_tcp_listen = $R_IP:88
    max_life = 10h 0m 0s
    max_renewable_life = 7d 0h 0m 0s
    default_principal_flags = +preauth
  }
KRB
: >"$WORK/kdc/kadm5.acl"
export KRB5_CONFIG=$WORK/krb5-kdc.conf KRB5_KDC_PROFILE=$WORK/kdc.conf
kdb5_util -r $REALM create -s -P "master-$RANDOM$RANDOM" >"$WORK/kdb5_util.log" 2>&1
kadmin.local -r $REALM -q "addprinc -pw $KRB_PASS $KRB_USER@$REALM" >"$WORK/kadmin.log" 2>&1
ip netns exec "$NS_R" env KRB5_CONFIG="$KRB5_CONFIG" KRB5_KDC_PROFILE="$KRB5_KDC_PROFILE" \
  krb5kdc -n -r $REALM -P "$WORK/krb5kdc.pid" >>"$WORK/kdc.err" 2>&1 &
PIDS+=($!)
unset KRB5_CONFIG KRB5_KDC_PROFILE

# ----------------------------------------------------------- router: HTTP --
ip netns exec "$NS_R" "$PY" "$HERE/mock-server.py" $R_IP 80 >"$WORK/mock.out" 2>"$WORK/mock.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q READY "$WORK/mock.out" 2>/dev/null && break; sleep 0.1; done
grep -q READY "$WORK/mock.out" || { cat "$WORK/mock.log" >&2; echo "mock server did not start" >&2; exit 1; }
for _ in $(seq 50); do rx ss -Hlun "sport = :88" | grep -q . && rx ss -Hlun "sport = :67" | grep -q . && break; sleep 0.1; done
rx ss -Hlun "sport = :88" | grep -q . || { cat "$WORK/kdc.err" "$WORK/kdc.log" >&2; echo "krb5kdc did not start" >&2; exit 1; }
rx ss -Hlun "sport = :67" | grep -q . || { cat "$WORK/dnsmasq.err" >&2; echo "dnsmasq did not start" >&2; exit 1; }

# ------------------------------------------------------------ client files --
printf 'nameserver %s\nsearch corp.test\n' "$R_IP" >"$WORK/resolv.conf"
printf '127.0.0.1\tlocalhost\n' >"$WORK/hosts"
cat >"$WORK/krb5.conf" <<KRB
[libdefaults]
  default_realm = $REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
[realms]
  $REALM = {
    kdc = kdc.corp.test
  }
KRB
# ISC dhclient configuration of build-07: hostname (option 12) and a client
# identifier (option 61, type 1 + MAC) as a typical Linux install sends them.
cat >"$WORK/dhclient-build-07.conf" <<DHC
send host-name "$C1_HOST";
send dhcp-client-identifier = hardware;
send dhcp-lease-time 3600;
request subnet-mask, broadcast-address, time-offset, routers,
        domain-name, domain-name-servers, domain-search, host-name, ntp-servers;
DHC

# Runs a command in client netns $1, in a private mount namespace with its own
# resolv.conf / hosts / krb5.conf and no proxy variables.
in_client() {
  local ns=$1; shift
  ip netns exec "$ns" env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy \
    -u no_proxy -u NO_PROXY -u KRB5_CONFIG DHCP_SCRIPT_LOG="$WORK/dhcp-script.log" \
    unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts &&
      mount --bind "$2" /etc/krb5.conf && shift 2 && exec "$@"' \
    "$WORK/resolv.conf" "$WORK/hosts" "$WORK/krb5.conf" "$@"
}
c1_addr() { ip -n "$NS_C1" -4 -o addr show dev eth0 | awk '{print $4}'; }
c2_addr() { ip -n "$NS_C2" -4 -o addr show dev eth0 | awk '{print $4}'; }
dhclient_c1() {   # dhclient_c1 RUN [extra args]: one dhclient "boot" of build-07
  local run=$1; shift
  in_client "$NS_C1" dhclient -4 -v -1 -cf "$WORK/dhclient-build-07.conf" -sf "$HERE/dhcp-script.sh" \
    -lf "$WORK/dhclient-$run.leases" -pf "$WORK/dhclient-$run.pid" "$@" eth0 >>"$WORK/dhclient.log" 2>&1
}
ai_request() {
  in_client "$NS_C1" curl -sS --fail-with-body --max-time 10 http://llm.corp.test/v1/chat/completions \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $KEY" \
    -d "{\"model\":\"$MODEL\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the network sensor test.\"}]}"
  echo
}
step() { echo "== $(date +%T.%N | cut -c1-12) $*"; }

# ----------------------------------------------------------------- capture --
rm -f "$PCAP"
ip netns exec "$NS_R" tcpdump -i br0 -s 0 -U -w "$PCAP" >"$WORK/tcpdump.log" 2>&1 &
TPID=$!
for _ in $(seq 50); do grep -q 'listening on' "$WORK/tcpdump.log" && break; sleep 0.1; done
sleep 0.5

step "1. $C1_HOST ($C1_MAC) boots: dhclient DISCOVER..ACK"
dhclient_c1 run1
echo "   $C1_HOST has $(c1_addr)"
[ "$(c1_addr)" = "$ADDR_A/24" ] || { echo "expected $ADDR_A" >&2; exit 1; }
sleep 1

step "2. DNS llm.corp.test + curl chat completion from $ADDR_A"
ai_request | sed 's/^/   /'
sleep 1

step "3. kinit $KRB_USER@$REALM from $ADDR_A"
printf '%s\n' "$KRB_PASS" | in_client "$NS_C1" env KRB5CCNAME="FILE:$WORK/ccache-c1" kinit "$KRB_USER@$REALM" \
  >"$WORK/kinit.log" 2>&1 && echo "   kinit ok" || { echo "   kinit failed:"; sed 's/^/   /' "$WORK/kinit.log"; }
in_client "$NS_C1" env KRB5CCNAME="FILE:$WORK/ccache-c1" klist 2>&1 | sed 's/^/   /' || true
sleep 1

step "4. $C1_HOST releases $ADDR_A (DHCPRELEASE), dnsmasq now binds it to $ADDR_B"
dhclient_c1 run1 -r
rm -f "$WORK/dhclient-run1.pid"   # that dhclient has exited; never kill a reused pid
printf '%s,%s\n%s,%s\n' "$C1_MAC" "$ADDR_B" "$C2_MAC" "$ADDR_A" >"$WORK/dhcp-hosts"
kill -HUP "$DNSMASQ_PID"
sleep 1
echo "   $C1_HOST has '$(c1_addr)' after release"
# Fresh lease file: a full DISCOVER/OFFER/REQUEST/ACK (no INIT-REBOOT for A).
dhclient_c1 run2
echo "   $C1_HOST has $(c1_addr)"
[ "$(c1_addr)" = "$ADDR_B/24" ] || { echo "expected $ADDR_B" >&2; exit 1; }
sleep 1

step "5. the same chat completion from $ADDR_B"
ai_request | sed 's/^/   /'
sleep 1

step "6. $C2_HOST ($C2_MAC, busybox udhcpc) gets $ADDR_A, plain HTTP GET"
in_client "$NS_C2" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -x "hostname:$C2_HOST" \
  -s "$HERE/dhcp-script.sh" >>"$WORK/udhcpc.log" 2>&1
echo "   $C2_HOST has $(c2_addr)"
[ "$(c2_addr)" = "$ADDR_A/24" ] || { echo "expected $ADDR_A" >&2; exit 1; }
sleep 1
in_client "$NS_C2" curl -sS --fail-with-body --max-time 10 -o /dev/null \
  -w '   intranet.corp.test %{http_code} %{size_download} bytes\n' http://intranet.corp.test/
sleep 1

kill -INT "$TPID"; wait "$TPID" || true; TPID=
chown --reference="$OUT" "$PCAP"   # tcpdump drops to its own user when writing
grep -h 'packets captured' "$WORK/tcpdump.log" | sed 's/^/   /'

# --------------------------------------------------------------- versions --
{
  echo "# Versions used by the last run of record-hosts/record.sh"
  echo "isc-dhcp-client $(dpkg-query -W -f '${Version}' isc-dhcp-client) ($(dhclient --version 2>&1))"
  echo "busybox $(dpkg-query -W -f '${Version}' busybox) (udhcpc)"
  echo "dnsmasq $(dnsmasq --version | head -n1 | awk '{print $3}') (dnsmasq-base $(dpkg-query -W -f '${Version}' dnsmasq-base))"
  echo "krb5-kdc $(dpkg-query -W -f '${Version}' krb5-kdc)"
  echo "krb5-user $(dpkg-query -W -f '${Version}' krb5-user)"
  echo "curl $(curl --version | head -n1 | cut -d' ' -f2) ($(curl --version | head -n1 | cut -d' ' -f4-5))"
  echo "python3 $($PY -c 'import platform; print(platform.python_version())') (mock server)"
  echo "tcpdump $(tcpdump --version 2>&1 | head -n1 | awk '{print $3}')"
  echo "iproute2 $(dpkg-query -W -f '${Version}' iproute2)"
  echo "ethtool $(dpkg-query -W -f '${Version}' ethtool)"
} >"$HERE/versions.txt"

echo "== dnsmasq DHCP/DNS log"
grep -E 'DHCP(DISCOVER|OFFER|REQUEST|ACK|NAK|RELEASE)|query\[|client provides name' "$WORK/dnsmasq.log" \
  | sed -E 's/^[A-Za-z]+ +[0-9]+ [0-9:]+ //; s/^/   /'
echo "== KDC log"
sed -E 's/^/   /' "$WORK/kdc.log" 2>/dev/null || true
echo "== mock server log"
sed 's/^/   /' "$WORK/mock.log"
ls -l "$PCAP"
