#!/usr/bin/env bash
# bench/generate end to end: the offline provider's speed per type on the corpus, then a
# repeated workload against a scripted OpenAI-compatible server on loopback: how many model
# calls the semantic cache saves, and how fast a cache hit is (job time, from job_events).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${1:?usage: bench/run_generate.sh CORPUS_DIR}
scripts/setup.sh
scripts/build.sh bench
export OMP_THREAD_LIMIT=1
echo "== offline provider, seconds per 100 pages"
build/bin/bench_generate "$corpus"

. bench/stack.sh
bench_stack gen 55492 42292
python3 tests/integration/scripted_openai.py --log "$work/calls.log" >"$work/port" &
bench_pids+=($!)
until [ -s "$work/port" ]; do sleep 0.05; done
model_port=$(head -1 "$work/port")
port=18481
STUDYFORGE_THROTTLE_UPLOAD_PER_MINUTE=6000 \
  STUDYFORGE_PROVIDERS="[{\"name\":\"scripted\",\"base_url\":\"http://127.0.0.1:$model_port/v1\",\"model\":\"m\",\"api_key\":\"ok\"}]" \
  bench_node $port

# 4 users each upload the same 3 documents: 12 courses, 36 material requests (3 types each), 9 distinct.
docs=(tests/fixtures/devref_p45-47.pdf tests/fixtures/els-cas-dc-sample.pdf tests/fixtures/debian-faq_ch7.txt)
for u in 1 2 3 4; do
  token=$(curl -fsS -XPOST "http://127.0.0.1:$port/v1/auth/signup" \
    -d "{\"email\":\"bench$u@example.test\",\"password\":\"bench passphrase $u\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  for d in "${docs[@]}"; do
    title=$(basename "$d")
    id=$(curl -fsS -XPOST "http://127.0.0.1:$port/v1/courses" -H "Authorization: Bearer $token" -d "{\"title\":\"$title\"}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -fsS -XPOST "http://127.0.0.1:$port/v1/courses/$id/sources?filename=$title" -H "Authorization: Bearer $token" \
      --data-binary @"$d" >/dev/null
    until [ "$(curl -fsS "http://127.0.0.1:$port/v1/courses/$id" -H "Authorization: Bearer $token" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" != processing ]; do sleep 0.1; done
  done
done
calls=$(wc -l <"$work/calls.log")
echo "== repeated workload: 36 material requests, 9 distinct"
echo "model calls made: $calls (without the cache: 36; saved: $((36 - calls)))"
psql "$STUDYFORGE_DATABASE_URL" -Atc "
  select 'cache hit job time p50/p99 (ms): ' || round(percentile_cont(0.5) within group (order by (e.detail->>'duration_ms')::float)::numeric, 1)
         || ' / ' || round(percentile_cont(0.99) within group (order by (e.detail->>'duration_ms')::float)::numeric, 1)
  from job_events e join jobs j on j.id = e.job_id join materials m on m.id = j.material_id
  where e.status = 'succeeded' and m.provider like '%(cached)%';
  select 'model call job time p50 (ms): ' || round(percentile_cont(0.5) within group (order by (e.detail->>'duration_ms')::float)::numeric, 1)
  from job_events e join jobs j on j.id = e.job_id join materials m on m.id = j.material_id
  where e.status = 'succeeded' and j.kind = 'generate' and m.provider = 'scripted';"
