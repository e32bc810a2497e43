# Shared pieces of the pcap recorders (sourced by a record.sh, bash only).
#
#   . "$(dirname "$0")/../record-lib.sh"
#   rec_private_net "$HERE/record.sh" "$@"   # re-run inside a private net namespace
#   rec_workdir stream                        # $WORK, cleanup trap, $PIDS
#   rec_certs api.openai.com api.anthropic.com  # $CA, $CERTS/<host>.{crt,key}
#   rec_dns api.openai.com,127.0.2.31 …       # dnsmasq on $DNS answering these names
#   rec_spawn node mocks.mjs …                # background process, killed on exit
#   capture NAME FILTER FN                    # pcaps/NAME.pcap + pcaps/keylogs/NAME.keylog
#
# Nothing leaves the machine: every address used is in 127.0.0.0/8, and by
# default the whole recording runs in a private network namespace that has
# only its own loopback interface.

OUT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # pcaps/
DNS=127.0.0.53
ONLY=${ONLY:-}

# rec_private_net SCRIPT ARGS…: re-executes SCRIPT in a new network + mount
# namespace (unshare --net --mount) with just `lo` up. Another recorder using
# 127.0.0.53 or the same addresses on the machine's lo can then neither collide
# with this one nor leak packets into its captures, and no packet can reach a
# real interface. The captures look the same as on the machine's lo (Ethernet
# link type, same addresses). SHARED_NET=1 records on the machine's lo instead.
# Call it after anything that needs the network (apt-get, npm ci).
rec_private_net() {
  local script=$1; shift
  if [ "${SHARED_NET:-0}" != 1 ] && [ -z "${REC_INNER:-}" ]; then
    exec env REC_INNER=1 unshare --net --mount -- \
      sh -c 'ip link set lo up && exec "$@"' sh "$BASH" "$script" "$@"
  fi
}

# rec_workdir TAG: a temporary work dir ($WORK) removed on exit (KEEP_WORK=1
# keeps it), and a trap that stops every process started with rec_spawn plus a
# tcpdump left running by a client that failed under `set -e`.
rec_workdir() {
  WORK=$(mktemp -d "/tmp/aisensor-rec-$1.XXXXXX")
  PIDS=()
  TPID=
  trap _rec_cleanup EXIT
}
_rec_cleanup() {
  local p
  if [ -n "${TPID:-}" ]; then kill -INT "$TPID" 2>/dev/null || true; wait "$TPID" 2>/dev/null || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}

# rec_spawn CMD…: starts CMD in the background and remembers its PID for the
# cleanup trap (called directly, not in a subshell, so PIDS is updated).
rec_spawn() {
  "$@" &
  PIDS+=($!)
}

# rec_wait_for FILE PATTERN: waits up to 15 s for PATTERN to appear in FILE.
rec_wait_for() {
  local _
  for _ in $(seq 150); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# rec_mock ADDR PORT: starts the mock LLM API (record-hosts/mock-server.py) on
# ADDR:PORT and waits until it serves; its log is in $WORK/mock.err.
rec_mock() {
  rec_spawn python3 "$OUT/record-hosts/mock-server.py" "$1" "$2" >"$WORK/mock.out" 2>"$WORK/mock.err"
  rec_wait_for "$WORK/mock.out" READY || { cat "$WORK/mock.err" >&2; echo "mock server did not start" >&2; exit 1; }
}

# rec_certs HOST…: a throw-away CA ($CA) and one EC P-256 leaf certificate per
# HOST ($CERTS/HOST.crt, .key), carrying the REAL provider host name: clients
# connect to that name, send it as SNI and verify it against $CA (given to them
# by in_ns), so the handshake looks like one to the real provider.
rec_certs() {
  local host
  CERTS=$WORK/certs
  mkdir -p "$CERTS"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/O=aisensor test CA/CN=aisensor Test Root CA" \
    -keyout "$CERTS/ca.key" -out "$CERTS/ca.crt" 2>/dev/null
  for host in "$@"; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=$host" -keyout "$CERTS/$host.key" -out "$CERTS/$host.csr" 2>/dev/null
    printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$host" >"$CERTS/$host.ext"
    openssl x509 -req -in "$CERTS/$host.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial \
      -days 30 -extfile "$CERTS/$host.ext" -out "$CERTS/$host.crt" 2>/dev/null
  done
  CA=$CERTS/ca.crt
}

# rec_dns NAME,ADDR…: dnsmasq on $DNS:53 answering only these names (A record;
# AAAA empty, so clients use IPv4), everything else NXDOMAIN, queries logged to
# $WORK/dnsmasq.log. Also writes the resolv.conf / hosts that in_ns mounts.
rec_dns() {
  local rec args=(--no-daemon --conf-file=/dev/null --listen-address="$DNS" --bind-interfaces --port=53
    --no-resolv --no-hosts --local=/#/ --log-queries --log-facility="$WORK/dnsmasq.log" --pid-file="$WORK/dnsmasq.pid")
  printf 'nameserver %s\n' "$DNS" >"$WORK/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$WORK/hosts"
  for rec in "$@"; do args+=(--host-record="$rec"); done
  rec_spawn dnsmasq "${args[@]}" 2>>"$WORK/dnsmasq.err"
}

# in_ns CMD…: runs a client in a private mount namespace whose /etc/resolv.conf
# points at the local dnsmasq and whose /etc/hosts only knows localhost, so the
# machine's own files are never changed. Proxies are unset, the test CA is
# trusted (Node, OpenSSL), and TLS secrets go to $KEYLOG (set by capture).
in_ns() {
  local kl=${KEYLOG:-/dev/null}
  env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy -u no_proxy -u NO_PROXY \
    NODE_EXTRA_CA_CERTS="$CA" SSL_CERT_FILE="$CA" SSLKEYLOGFILE="$kl" NODE_OPTIONS="--tls-keylog=$kl" \
    unshare --mount -- sh -c 'mount --bind "$0" /etc/resolv.conf && mount --bind "$1" /etc/hosts && shift && exec "$@"' \
    "$WORK/resolv.conf" "$WORK/hosts" "$@"
}

# capture NAME FILTER FN: runs FN while tcpdump records DNS to/from $DNS plus
# FILTER on lo to pcaps/NAME.pcap; the clients' TLS secrets (NSS key log) go to
# pcaps/keylogs/NAME.keylog, for verification only. NAME is written to
# $WORK/capture while FN runs so servers can label what they log. With
# ONLY="a b" (the recorder's arguments) other names are skipped.
capture() {
  local name=$1 filter=$2 fn=$3 tlog="$WORK/tcpdump-$1.log"
  case " $ONLY " in "  ") ;; *" $name "*) ;; *) return 0 ;; esac
  echo "== $name"
  mkdir -p "$OUT/keylogs"
  rm -f "$OUT/$name.pcap" "$OUT/keylogs/$name.keylog"
  KEYLOG="$WORK/$name.keylog"
  : >"$KEYLOG"
  echo "$name" >"$WORK/capture"
  tcpdump -i lo -s 0 -U -w "$OUT/$name.pcap" "(udp port 53 and host $DNS) or ($filter)" 2>"$tlog" &
  TPID=$!
  rec_wait_for "$tlog" 'listening on' || true
  sleep 0.5 # tcpdump prints "listening" just before the filter is live
  "$fn"
  sleep 1 # let the last FIN/ACKs in
  kill -INT "$TPID"
  wait "$TPID" || true
  TPID=
  : >"$WORK/capture"
  grep -h 'packets captured' "$tlog" | sed 's/^/   /'
  if grep -q -E '^(CLIENT_RANDOM|CLIENT_TRAFFIC_SECRET_0) ' "$KEYLOG"; then cp "$KEYLOG" "$OUT/keylogs/$name.keylog"; fi
  KEYLOG=
}
