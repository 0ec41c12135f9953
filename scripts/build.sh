#!/usr/bin/env bash
# Configures and builds one flavour:
#   release -> build/       optimised, what `studyforge process` and `serve` run from
#   test    -> build-test/  AddressSanitizer + UndefinedBehaviorSanitizer, with the tests
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
jobs=$(nproc)
case "$flavour" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release -DSTUDYFORGE_TESTS=OFF) ;;
  test) dir=build-test; flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DSTUDYFORGE_SANITIZE=ON -DSTUDYFORGE_TESTS=ON
                               -DSTUDYFORGE_FUZZ=ON) ;;
  bench) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release -DSTUDYFORGE_TESTS=OFF -DSTUDYFORGE_BENCH=ON) ;;
  *) echo "usage: scripts/build.sh release|test|bench" >&2; exit 2 ;;
esac

cmake -S . -B "$dir" "${flags[@]}" >/dev/null
# Quiet progress lines; warnings and errors still show. pipefail keeps the build's status.
cmake --build "$dir" -j "$jobs" 2>&1 | { grep -v -E '^\[ *[0-9]+%\] (Building|Linking|Built)|^-- |Scanning dependencies' || true; }
