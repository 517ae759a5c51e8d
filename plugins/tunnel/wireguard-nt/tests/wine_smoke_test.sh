#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# wine_smoke_test.sh CROSS_BUILD_DIR
# Runs the Windows smoke test (tests/win/plugin_smoke_test.cpp: the real
# plugin DLL driven through its vtable against a mock wireguard.dll) under
# wine, in a wine prefix kept in the build tree. The wineserver it starts is
# stopped on exit. Exit 77 (skip) without wine or without the cross build.
set -euo pipefail
build=$1
exe=$build/wgnt-plugin-smoke.exe

wine=
for candidate in wine64 /usr/lib/wine/wine64 wine; do
  if command -v "$candidate" >/dev/null 2>&1; then
    wine=$(command -v "$candidate")
    break
  fi
done
if [[ -z $wine ]]; then
  echo "SKIP: wine not found (Debian: apt-get install --no-install-recommends wine64)"
  exit 77
fi
if [[ ! -f $exe ]]; then
  echo "SKIP: $exe not built (the cross build test builds it)"
  exit 77
fi
wineserver=$(dirname "$wine")/wineserver
[[ -x $wineserver ]] || wineserver=$(command -v wineserver || true)

export WINEPREFIX=$build/wineprefix WINEDEBUG=-all
mkdir -p "$WINEPREFIX"
stop_wineserver() { [[ -n $wineserver ]] && "$wineserver" -k >/dev/null 2>&1 || true; }
trap stop_wineserver EXIT

status=0
(cd "$build" && timeout 300 "$wine" "$exe") >"$build/wine_smoke.log" 2>&1 || status=$?
# The test's own lines (wine's prefix set-up chatter left out).
output=$(tr -d '\r' <"$build/wine_smoke.log")
grep -vE '^(wine: |[0-9a-f]{4}:)' <<<"$output" || true
if [[ $status -ne 0 ]]; then
  echo "FAIL: smoke test exited with $status (full output: $build/wine_smoke.log)"
  exit 1
fi
grep -qx PASS <<<"$output" || { echo "FAIL: no PASS line"; exit 1; }
