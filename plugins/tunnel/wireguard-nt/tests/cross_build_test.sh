#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# cross_build_test.sh CMAKE SOURCE_DIR BUILD_DIR
# Configures and builds the wireguard-nt plugin for Windows with mingw-w64 in
# its own build tree (warnings are errors), then checks the DLL with
# check_pe.sh: one export, only Windows system imports. The checker must also
# reject two fixture DLLs built beside it, or it proves nothing.
# Exit 77 (skip) when the mingw-w64 compiler is not installed.
set -euo pipefail
cmake=$1
src=$2
build=$3
here=$(cd "$(dirname "$0")" && pwd)
triple=x86_64-w64-mingw32

if ! command -v $triple-g++-posix >/dev/null 2>&1; then
  echo "SKIP: $triple-g++-posix not found (Debian: apt-get install g++-mingw-w64-x86-64-posix)"
  exit 77
fi
objdump=$triple-objdump
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi

"$cmake" -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_TOOLCHAIN_FILE="$src/mingw-toolchain.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWGNT_WERROR=ON >/dev/null
"$cmake" --build "$build" -j 2

dll=$build/trellis-tunnel-wireguard-nt.dll
echo "--- $dll"
"$objdump" -p "$dll" | grep -E 'DLL Name|^\[Ordinal/Name Pointer\]|^[[:space:]]*\[ *[0-9]+\] [A-Za-z_]' || true
"$here/check_pe.sh" "$objdump" "$dll"

# The missing-DLL message the README promises is in the binary.
$triple-strings "$dll" >"$build/strings.txt"
if ! grep -qF "wireguard.dll not found (install WireGuard for Windows or set dll_path)" "$build/strings.txt"; then
  echo "FAIL: the wireguard.dll-missing message is not in $dll"
  exit 1
fi

expect_rejected() {  # fixture, expected line
  local out
  if out=$("$here/check_pe.sh" "$objdump" "$build/$1" 2>&1); then
    echo "FAIL: check_pe.sh accepted $1"
    exit 1
  fi
  if [[ $out != *"$2"* ]]; then
    echo "FAIL: check_pe.sh rejected $1 without saying \"$2\": $out"
    exit 1
  fi
  echo "ok: $1 rejected ($2)"
}
expect_rejected wgnt-fixture-leaky.dll "unexpected export: trellis_fixture_leak"
expect_rejected wgnt-fixture-dynamic.dll "disallowed import: libstdc++-6.dll"
echo "PASS: $(basename "$dll") exports only trellis_plugin_entry_v1 and imports only system DLLs"
