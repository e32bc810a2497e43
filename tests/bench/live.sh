#!/usr/bin/env bash
# live.sh — the live path measured (a benchmark, not a test): tcpreplay
# replays a generated capture at fixed rates into a veth between two network
# namespaces made here, aisensor captures on the other end with -w 1 and
# -w 2; each run reports the kernel's ring drops and the interface's, and the
# CPU seconds the sensor used (all its threads, from start to SIGTERM). The
# highest rate with zero drops is what a span port of that rate needs. Then
# a flood of one million distinct flows (tests/bench/flood.py) against a
# flow cap: peak memory and the evictions counted.
# With -p the sensor and tcpreplay share one CPU (taskset -c 0): a sensor
# that burns CPU while it waits takes it from the traffic, and drops show.
#   tests/bench/live.sh [-b SIZE] [-r "200 400 800 1600"] [-w "1 2"] [-m MAX_FLOWS] [-p]
# Needs root, iproute2, tcpreplay. Traffic stays inside the namespaces.
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=100M RATES="100 200 400 800 1600 3200 topspeed" WORKERS="1 2" CAP=100000 PIN=()
while getopts "b:r:w:m:p" o; do case $o in
  b) SIZE=$OPTARG;; r) RATES=$OPTARG;; w) WORKERS=$OPTARG;; m) CAP=$OPTARG;; p) PIN=(taskset -c 0);;
  *) sed -n '2,15p' "$0"; exit 2;; esac; done
AISENSOR=${AISENSOR:-build/aisensor}
[ "$(id -u)" = 0 ] || { echo "live.sh: needs root (network namespaces, packet sockets)"; exit 1; }
command -v tcpreplay >/dev/null || apt-get install -y -qq tcpreplay >/dev/null
make -s -C tests/bench gen >/dev/null
DATA=tests/bench/data; mkdir -p "$DATA"
PCAP=$DATA/live-$SIZE.pcap
[ -f "$PCAP" ] || tests/bench/gen -b "$SIZE" -f 8000 -o "$PCAP" 2>/dev/null
TAG=asb$$; S=$TAG-s; I=$TAG-i; TMP=$(mktemp -d)
cleanup() { ip netns del "$S" 2>/dev/null || true; ip netns del "$I" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$S"; ip netns add "$I"
ip link add cap0 netns "$S" type veth peer name inj0 netns "$I"
ip -n "$S" link set cap0 up; ip -n "$I" link set inj0 up
echo "capture: $PCAP ($(tests/bench/gen -c "$PCAP"))"
printf '%-8s %-10s %10s %12s %12s %12s %12s %10s\n' workers "asked" "achieved" "sent pkts" received "ring drops" "if drops" "cpu s"
for w in $WORKERS; do
  for rate in $RATES; do
    ip netns exec "$S" "${PIN[@]}" "$AISENSOR" -w "$w" -i cap0 --inventory /dev/null >/dev/null 2>"$TMP/err" &
    pid=$!; sleep 1
    if [ "$rate" = topspeed ]; then speed=--topspeed; else speed="--mbps=$rate"; fi
    ip netns exec "$I" "${PIN[@]}" tcpreplay -i inj0 "$speed" "$PCAP" >"$TMP/replay" 2>&1 || true
    sent=$(awk '/Successful packets:/{print $3}' "$TMP/replay")
    got=$(awk '/Rated:/{for(i=1;i<=NF;i++) if($i ~ /Mbps/) print $(i-1)}' "$TMP/replay" | head -1)
    sleep 1
    # utime + stime of every thread, in clock ticks (fields 14 and 15)
    cpu=$(awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz}' /proc/$pid/stat 2>/dev/null || echo "?")
    kill -TERM $pid; wait $pid || true
    line=$(grep "capture " "$TMP/err" || true)
    rx=$(echo "$line" | awk '{print $2}'); kd=$(echo "$line" | awk '{print $4}'); id=$(echo "$line" | awk '{print $10}')
    printf '%-8s %-10s %10s %12s %12s %12s %12s %10s\n' "$w" "$rate" "${got:-?}" "$sent" "${rx:-?}" "${kd:-?}" "${id:-?}" "$cpu"
    [ "${kd:-1}" = 0 ] && [ "${id:-1}" = 0 ] || break
  done
done
python3 tests/bench/flood.py 1000000 "$TMP/flood.pcap"
printf 'limits:\n  max_flows: %s\n' "$CAP" > "$TMP/cap.yaml"
/usr/bin/time -v "$AISENSOR" -c "$TMP/cap.yaml" -r "$TMP/flood.pcap" --inventory /dev/null 2>"$TMP/flood" >/dev/null
echo "flood: 1000000 distinct flows, max_flows $CAP:"
grep -E "^  flows|Maximum resident" "$TMP/flood" | sed 's/^/  /'
