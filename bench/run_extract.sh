#!/usr/bin/env bash
# bench/extract on the development corpus (not shipped with the project: pass its folder).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?usage: bench/run_extract.sh CORPUS_DIR}
scripts/setup.sh
for p in poppler-utils ocrmypdf; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt-get install -y -q --no-install-recommends "$p" >&2
done
scripts/build.sh bench
export OMP_THREAD_LIMIT=1
build/bin/bench_extract "$corpus"
