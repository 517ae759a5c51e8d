#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test command: installs what the tests need (Debian 12 packages), builds once
# (release preset, Ninja, ccache) and runs every test through ctest. Tests that
# need servers (PostgreSQL, coturn, the OIDC provider) start and stop their own.
#   scripts/test.sh                 everything
#   scripts/test.sh -L unit         only a label (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${TRELLIS_PRESET:-release}

scripts/install-deps.sh --test
# ccache hits across clones in other folders (CI clones afresh): paths relative
# to the source root, and no working directory in the hash.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
start=$(date +%s)
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" -j"$(nproc)"
echo "test.sh: build took $(( $(date +%s) - start )) s"
if command -v ccache >/dev/null; then ccache -s 2>/dev/null | grep -E 'Hits|Misses|hit rate' | head -3 || true; fi

# Namespace and server tests are marked RUN_SERIAL by their CMakeLists; the rest
# run two at a time (2 cores).
ctest --preset "$PRESET" -j2 --timeout 900 "$@"
