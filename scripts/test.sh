#!/usr/bin/env bash
# test.sh — every test: unit, fuzz-corpus and golden tests through ctest,
# once in a normal build and once under ASan+UBSan, then a short libFuzzer
# run of each fuzz target (FUZZ_SECONDS each, default 12; 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-12}

echo "== build (RelWithDebInfo, -Werror)"
bash scripts/build.sh
echo "== tests"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build (ASan+UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAS_SANITIZE=ON -DAS_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== a distribution's build: Release with dpkg-buildflags' flags, no -Werror, prefix /usr"
if command -v dpkg-buildflags >/dev/null; then
  CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
    LDFLAGS="$(dpkg-buildflags --get LDFLAGS)" \
    cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DAS_SOURCE_SIGNATURES=OFF >/dev/null
  cmake --build build-release -j"$jobs" --target aisensor 2>&1 | tee build-release/build.log | grep -E 'warning:' || true
  if grep -q "warning:" build-release/build.log; then echo "the release build warns (above)"; exit 1; fi
  # -s: a package's binary reads only the installed signatures
  build-release/aisensor -q -s signatures -r pcaps/openai-node-gateway-http.pcap --inventory build-release/inventory.json
  grep -q '"kind": "llm-api-client"' build-release/inventory.json \
    || { echo "the release build does not find the capture's agent"; exit 1; }

  echo "== the Debian package of that build"
  if [ -n "${CI:-}" ] && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
    bash scripts/package.sh build-release --install
  else
    bash scripts/package.sh build-release
    echo "package: not installed (installing needs CI set, and root or sudo)"
  fi
elif [ -n "${CI:-}" ]; then
  echo "dpkg-buildflags missing (dpkg-dev)"; exit 1
fi

if [ "$FUZZ_SECONDS" != 0 ]; then
  echo "== fuzz: ${FUZZ_SECONDS}s per target (libFuzzer, ASan+UBSan)"
  CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DAS_FUZZ=ON -DAS_SANITIZE=ON >/dev/null
  cmake --build build-fuzz -j"$jobs"
  for t in build-fuzz/tests/fuzz_*; do
    name=$(basename "$t"); corpus=tests/fuzz/corpus/${name#fuzz_}
    work=$(mktemp -d); cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    echo "-- $name"
    if ! "$t" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
      tail -40 "$work.log"; echo "$name: the fuzzer found a crash (input kept in $work)"; exit 1
    fi
    grep -E 'stat::number_of_executed_units' "$work.log" || true
    rm -rf "$work" "$work.log"
  done
fi
echo "== all tests passed"
