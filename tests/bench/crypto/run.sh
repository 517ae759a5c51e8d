#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Crypto micro-benchmark: ChaCha20-Poly1305 GB/s at 1420-byte packets on one
# core (pinned to CPU 0 when taskset exists), OpenSSL EVP vs libsodium.
# Usage: tests/bench/crypto/run.sh [build-dir] [seconds-per-row]
set -eu
build=${1:-build/release}
secs=${2:-2}
bin=$(find "$build" -name trellis_bench_crypto -type f -perm -u+x | head -n 1)
if [ -z "$bin" ]; then
  echo "trellis_bench_crypto not found under $build (ninja -C $build trellis_bench_crypto)" >&2
  exit 1
fi
if command -v taskset >/dev/null 2>&1; then
  exec taskset -c 0 "$bin" --seconds "$secs" --size 1420
fi
exec "$bin" --seconds "$secs" --size 1420
