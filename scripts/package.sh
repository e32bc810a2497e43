#!/usr/bin/env bash
# package.sh — the Debian package of a build configured for it (prefix /usr,
# -DAS_SOURCE_SIGNATURES=OFF: scripts/test.sh's build-release): builds it with
# CPack, checks it holds every file deploy/install.cmake lays out and that the
# manual page renders without a warning. With --install (root or sudo): installs
# it with apt-get, runs the installed binary from / on a bundled capture (so only
# the installed signatures can name its agent), then purges it.
#   usage: scripts/package.sh BUILD_DIR [--install]
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
build=${1:?usage: scripts/package.sh BUILD_DIR [--install]}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
fail() { echo "package: $*"; exit 1; }

grep -qx 'CMAKE_INSTALL_PREFIX:PATH=/usr' "$build/CMakeCache.txt" &&
  grep -qx 'AS_SOURCE_SIGNATURES:BOOL=OFF' "$build/CMakeCache.txt" ||
  fail "$build: configure with -DCMAKE_INSTALL_PREFIX=/usr -DAS_SOURCE_SIGNATURES=OFF"

# man prints groff's warnings on stderr; the page must have none.
man_warnings() { MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null; }
w=$(man_warnings docs/aisensor.1) && [ -z "$w" ] || fail "docs/aisensor.1 renders with warnings: $w"

rm -f "$build"/aisensor_*.deb
(cd "$build" && cpack -G DEB >cpack.log 2>&1) || { cat "$build/cpack.log"; fail "cpack failed"; }
deb=$(cd "$build" && ls "$PWD"/aisensor_*.deb)
echo "package: $deb"

want=(./usr/bin/aisensor ./usr/share/aisensor/aisensor.example.yaml ./usr/share/man/man1/aisensor.1.gz
  ./usr/lib/systemd/system/aisensor.service ./etc/logrotate.d/aisensor ./usr/share/doc/aisensor/copyright)
for f in signatures/*.yaml schemas/*.json; do
  [ -e "$f" ] && want+=("./usr/share/aisensor/$f")
done
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in "${want[@]}"; do
  grep -qxF "$f" <<<"$contents" || fail "$deb lacks $f"
done
dpkg-deb -f "$deb" Depends | grep -q 'libpcap' || fail "Depends lacks the shared libraries (dpkg-shlibdeps)"
dpkg-deb -f "$deb" Section | grep -qx net || fail "Section is not net"
x=$(mktemp -d)
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x"
grep -qx 'ExecStart=/usr/bin/aisensor -c /etc/aisensor/aisensor.yaml' "$x/usr/lib/systemd/system/aisensor.service" ||
  fail "the packaged unit does not run /usr/bin/aisensor"
! grep -qaF "$src" "$x/usr/bin/aisensor" || fail "the packaged binary names the build tree $src"
w=$(man_warnings "$x/usr/share/man/man1/aisensor.1.gz") && [ -z "$w" ] || fail "the packaged man page: $w"
echo "package: ${#want[@]} files present, Depends from the libraries, the unit runs /usr/bin/aisensor"

[ "${2:-}" = --install ] || exit 0
# A machine's own installation is not the test's to replace, nor to purge.
if dpkg-query -W -f='${Status}' aisensor 2>/dev/null | grep -q "install ok installed"; then
  echo "package: aisensor is installed on this machine already: not installing over it"
  exit 0
fi
user_existed=$(getent passwd aisensor >/dev/null && echo yes || echo no)
cleanup() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq aisensor >/dev/null || true
  # Debian leaves a package's system user behind; the test leaves no trace.
  [ "$user_existed" = yes ] || $SUDO deluser --system --quiet aisensor >/dev/null 2>&1 || true
  rm -rf "$x"
}
trap cleanup EXIT
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$x.apt.log" 2>&1 ||
  { cat "$x.apt.log"; fail "apt-get install failed"; }
rm -f "$x.apt.log"
getent passwd aisensor >/dev/null || fail "the postinst made no aisensor user"
(cd / && /usr/bin/aisensor -q -r "$src/pcaps/openai-node-gateway-http.pcap" --inventory "$x/inventory.json") ||
  fail "the installed binary failed"
grep -q '"kind": "llm-api-client"' "$x/inventory.json" || fail "the installed binary does not find the capture's agent"
out=$(cd / && /usr/bin/aisensor check -c /usr/share/aisensor/aisensor.example.yaml) ||
  fail "aisensor check -c /usr/share/aisensor/aisensor.example.yaml failed"
grep -q "signatures /usr/share/aisensor/signatures:" <<<"$out" || fail "check did not read the installed signatures: $out"
# Container images may leave man pages out (dpkg path-exclude): check it where dpkg put it.
if [ -e /usr/share/man/man1/aisensor.1.gz ]; then
  w=$(MANWIDTH=80 man --warnings aisensor 2>&1 >/dev/null) && [ -z "$w" ] || fail "man aisensor: $w"
fi
echo "package: installed, /usr/bin/aisensor found the capture's agent from /, check passed ($out)"
