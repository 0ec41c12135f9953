#!/usr/bin/env bash
# libFuzzer targets (clang) for the parts that read untrusted input: request targets and JSON
# bodies, the upload sniffer and text extractor, the WebSocket framing, messages and event
# sequencer.
#   scripts/fuzz.sh build          builds them into build-fuzz/
#   scripts/fuzz.sh run NAME SECS  runs one for SECS seconds on its seed corpus
set -euo pipefail
cd "$(dirname "$0")/.."
out=build-fuzz
cxx=${FUZZ_CXX:-clang++}
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -include utility)
common=(common/utf8.cpp common/error.cpp common/json_depth.cpp)

case "${1:-}" in
  build)
    mkdir -p "$out"
    "$cxx" "${flags[@]}" tests/fuzz/fuzz_request.cpp http/message.cpp "${common[@]}" -o "$out/fuzz_request" &
    request=$!
    "$cxx" "${flags[@]}" tests/fuzz/fuzz_ws.cpp http/ws_protocol.cpp http/ws_frames.cpp http/event_sequencer.cpp "${common[@]}" \
      -lcrypto -lsodium -o "$out/fuzz_ws"
    wait "$request"  # its status: a failed build must not leave an old binary to be fuzzed
    "$cxx" "${flags[@]}" tests/fuzz/fuzz_sniff.cpp ingest/sniff.cpp ingest/text_document.cpp ingest/subtitles.cpp \
      ingest/document.cpp "${common[@]}" -o "$out/fuzz_sniff"
    ;;
  run)
    name=${2:?name}; secs=${3:-60}
    work=$(mktemp -d)
    trap 'rm -rf "$work" "$work.log"' EXIT
    cp -r "tests/fuzz/corpus/${name#fuzz_}/." "$work/"
    # A crashing input is kept in build-fuzz/crashes/ and becomes a seed once fixed.
    mkdir -p "$out/crashes"
    "$out/$name" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$PWD/$out/crashes/$name-" "$work" > "$work.log" 2>&1 || { tail -40 "$work.log"; exit 1; }
    tail -5 "$work.log"
    ;;
  *) echo "usage: scripts/fuzz.sh build | run NAME SECONDS" >&2; exit 2 ;;
esac
