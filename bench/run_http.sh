#!/usr/bin/env bash
# bench/http: wrk for the highest request rate, then fixed-rate latency and a 5,000-subscriber
# WebSocket fan-out from bench_http. Everything on 127.0.0.1, bounded in count and time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dpkg-query -W -f='${Status}' wrk 2>/dev/null | grep -q "install ok installed" || apt-get install -y -q --no-install-recommends wrk >&2
scripts/build.sh bench
ulimit -n "$(ulimit -Hn)"  # 5,000 WebSocket clients plus the node's own sockets

. bench/stack.sh
bench_stack http 55493 42293
port=18482
STUDYFORGE_THROTTLE_READ_PER_SECOND=100000 STUDYFORGE_LIMITS_WS_CONNECTIONS_PER_USER=$((${SUBSCRIBERS:-5000} + 100)) \
  STUDYFORGE_LIMITS_CONNECTIONS_PER_ADDRESS=$((${SUBSCRIBERS:-5000} + 1000)) \
  STUDYFORGE_THROTTLE_UPLOAD_PER_MINUTE=6000 bench_node $port
token=$(curl -fsS -XPOST "http://127.0.0.1:$port/v1/auth/signup" -d '{"email":"bench@example.test","password":"bench passphrase"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
course=$(curl -fsS -XPOST "http://127.0.0.1:$port/v1/courses" -H "Authorization: Bearer $token" -d '{"title":"Bench"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -fsS -XPOST "http://127.0.0.1:$port/v1/courses/$course/sources?filename=a.pdf" -H "Authorization: Bearer $token" \
  --data-binary @tests/fixtures/devref_p45-47.pdf >/dev/null
until [ "$(curl -fsS "http://127.0.0.1:$port/v1/courses/$course" -H "Authorization: Bearer $token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = ready ]; do sleep 0.2; done

echo "== wrk, 16 connections, 10 s"
wrk -t2 -c16 -d10s "http://127.0.0.1:$port/health" | grep -E "Requests/sec|Latency"
wrk -t2 -c16 -d10s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/courses/$course" | grep -E "Requests/sec|Latency"
echo "== bench_http"
build/bin/bench_http --server "http://127.0.0.1:$port" --token "$token" --course "$course" --node-pid "$node_pid" \
  --upload examples/developers-reference-p30-39.pdf --rate 1000 --seconds 10 --subscribers "${SUBSCRIBERS:-5000}"
