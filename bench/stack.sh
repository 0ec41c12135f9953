# Sourced by the bench scripts: a throwaway PostgreSQL + nats-server under a temporary data dir
# on the ports given, and cleanup of them and of the pids listed in $bench_pids at exit.
#   bench_stack NAME PG_PORT NATS_PORT
bench_stack() {
  work=$(mktemp -d "/tmp/studyforge-bench-$1.XXXXXX")
  chmod 755 "$work"
  export STUDYFORGE_DATA_DIR=$work STUDYFORGE_PRIVATE_POSTGRES_PORT=$2 STUDYFORGE_PRIVATE_NATS_PORT=$3
  unset STUDYFORGE_DATABASE_URL STUDYFORGE_NATS_URL
  bin=$PWD/build/bin/studyforge
  bench_pids=()
  trap bench_cleanup EXIT
  while IFS= read -r line; do export "${line?}"; done < <("$bin" stack up --fast)
}

bench_cleanup() {
  # A killed child makes wait fail; under set -e that would end the cleanup before the stack.
  for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  "$bin" stack down >/dev/null 2>&1 || true
  rm -rf "$work"
}

# Starts a node on 127.0.0.1:PORT with the environment given before it, and waits until ready.
#   VAR=value ... bench_node PORT
bench_node() {
  STUDYFORGE_LISTEN=127.0.0.1:$1 STUDYFORGE_LOG_LEVEL=warn "$bin" serve >"${NODE_LOG:-$work/node.log}" 2>&1 &
  node_pid=$!
  bench_pids+=("$node_pid")
  until curl -fsS "http://127.0.0.1:$1/ready" >/dev/null 2>&1; do sleep 0.1; done
}
