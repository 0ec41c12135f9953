#!/usr/bin/env bash
# The main job from a fresh machine: install what is missing, build, start a private
# PostgreSQL and nats-server under ./var (unless STUDYFORGE_DATABASE_URL / STUDYFORGE_NATS_URL
# name external ones), and turn the sample document (or the files given) into study material.
set -euo pipefail
# Files are named relative to where this was started, not the checkout.
files=()
for f in "$@"; do files+=("$(realpath -e -- "$f" 2>/dev/null || echo "$f")"); done
set -- "${files[@]+"${files[@]}"}"
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh release
export OMP_THREAD_LIMIT=1  # Tesseract's OpenMP threads make parallel OCR many times slower
if (($# == 0)); then set -- examples/developers-reference-p30-39.pdf; fi
exec build/bin/studyforge process "$@"
