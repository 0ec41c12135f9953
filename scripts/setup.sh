#!/usr/bin/env bash
# Installs the Debian 12 packages studyforge needs that are missing. Idempotent: when
# everything is there it only asks dpkg, which takes a moment.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcaf-dev libboost-dev libpqxx-dev libnats-dev nats-server nlohmann-json3-dev
  libmupdf-dev mupdf-tools libmujs-dev libgumbo-dev libjbig2dec0-dev libopenjp2-7-dev libharfbuzz-dev
  libfreetype-dev libjpeg-dev zlib1g-dev
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-eng
  libcurl4-openssl-dev libssl-dev libspdlog-dev libfmt-dev catch2 libsodium-dev libjemalloc-dev postgresql
  ffmpeg libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us libsqlite3-dev python3
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -q >&2
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q \
  --no-install-recommends "${missing[@]}" >&2
