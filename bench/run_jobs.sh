#!/usr/bin/env bash
# bench/jobs end to end: a throwaway PostgreSQL + nats-server + one release node, the same
# workload on Celery/Redis, and the ratios. Everything listens on 127.0.0.1 and is stopped by
# pid at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
missing=()
for p in python3-celery python3-redis redis-server; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; fi
scripts/build.sh bench

. bench/stack.sh
bench_stack jobs 55491 42291
port=18480
# One request worker per bench client (16). A submission no longer holds its worker while its
# batch is inserted and published (call::answer_later), so fewer would do: 4 ran 4,655/4,486
# jobs/s against 4,393/4,540 with 16 in alternating rounds.
STUDYFORGE_ENABLE_PROBE_JOBS=true STUDYFORGE_LANES_GENERATE_CONCURRENCY=${LANE_CONCURRENCY:-32} STUDYFORGE_REQUEST_WORKERS=${REQUEST_WORKERS:-16} \
  bench_node $port
echo "bench admin passphrase" | "$bin" admin create-user bench@example.test --admin >/dev/null
token=$(curl -fsS -XPOST "http://127.0.0.1:$port/v1/auth/login" \
  -d '{"email":"bench@example.test","password":"bench admin passphrase"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')

peer=()
if [ -z "${SKIP_PEER:-}" ]; then  # SKIP_PEER=1: only our side, for quick iterations
  redis-server --port 6399 --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
  bench_pids+=($!)
  sleep 0.5
  /usr/bin/python3 bench/celery_peer.py --redis redis://127.0.0.1:6399/0 --jobs "${JOBS:-10000}" >"$work/celery.json"
  peer=(--peer "$work/celery.json")
fi

ours=(build/bin/bench_jobs --server "http://127.0.0.1:$port" --token "$token" --database "$STUDYFORGE_DATABASE_URL"
  --jobs "${JOBS:-10000}" --node-pid "$node_pid" --nats-pid "$(cat "$work/nats/nats.pid")")
"${ours[@]}" "${peer[@]}" >"$work/round1.json"
if [ -z "${SKIP_PEER:-}" ]; then
  # More throughput rounds, ours and Celery's in turn: this machine's speed drifts by 20 % and
  # more within minutes, and a drift between the two sides of one round moves its ratio.
  for ((r = 2; r <= ${ROUNDS:-3}; r++)); do
    /usr/bin/python3 bench/celery_peer.py --redis redis://127.0.0.1:6399/0 --jobs "${JOBS:-10000}" --throughput-only \
      >"$work/celery$r.json"
    "${ours[@]}" --throughput-only 1 >"$work/round$r.json"
  done
fi
/usr/bin/python3 bench/rounds.py "$work" "${ROUNDS:-3}"
