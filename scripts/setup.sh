#!/usr/bin/env bash
# setup.sh — installs everything aisensor needs to build and test on Debian 12.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PKGS=(
  build-essential cmake pkg-config clang libclang-rt-14-dev python3 dpkg-dev
  libpcap-dev libndpi-dev libssl-dev libhiredis-dev libyaml-dev libjansson-dev libnghttp2-dev libnghttp3-dev libmicrohttpd-dev libcmocka-dev zlib1g-dev libbrotli-dev
  redis-server tcpdump tcpreplay iproute2 procps util-linux curl  # util-linux: taskset (one-CPU golden check)
  python3-jsonschema  # the golden outputs checked against schemas/*.json
  redis-sentinel stunnel4 openssl  # the failover test, TLS to Redis through stunnel and its test certificates (tests/golden/run_sentinel.py)
  man-db jq  # man -l: the manual page renders without warnings; jq: the README's example
  chromium  # the audit report rendered headless (tests/golden/run_report.py)
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup: dependencies present"
