#!/usr/bin/env bash
# Every test: install what is missing, build with sanitizers, start a throwaway PostgreSQL and
# nats-server on 127.0.0.1 (stopped by their pids when the tests end), run ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh test
scripts/fuzz.sh build

bin=$PWD/build-test/bin/studyforge
export STUDYFORGE_DATA_DIR
STUDYFORGE_DATA_DIR=$(mktemp -d /tmp/studyforge-test.XXXXXX)
chmod 755 "$STUDYFORGE_DATA_DIR"
# The first free port from $1: servers of a run killed before its cleanup may still hold ours.
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}
export STUDYFORGE_PRIVATE_POSTGRES_PORT=${STUDYFORGE_TEST_POSTGRES_PORT:-$(free_port 55439)}
export STUDYFORGE_PRIVATE_NATS_PORT=${STUDYFORGE_TEST_NATS_PORT:-$(free_port 42239)}
unset STUDYFORGE_DATABASE_URL STUDYFORGE_NATS_URL STUDYFORGE_CONFIG
cleanup() {
  "$bin" stack down >/dev/null 2>&1 || true
  rm -rf "$STUDYFORGE_DATA_DIR"
}
trap cleanup EXIT

stack=$("$bin" stack up --fast)  # its failure stops the run here
while IFS= read -r line; do export "${line?}"; done <<<"$stack"
export OMP_THREAD_LIMIT=1
# Servers the tests start are killed on purpose; their leak reports would be noise.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

cd build-test
ctest --output-on-failure --no-label-summary --timeout 900 -j 2
