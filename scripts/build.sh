#!/usr/bin/env bash
# build.sh — configures and builds aisensor into build/ (Release with debug info).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAS_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
