#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# check_pe.sh OBJDUMP DLL...
# The rules for a Windows plugin DLL, read from its PE export and import
# tables (objdump -p): it exports exactly trellis_plugin_entry_v1, and it
# imports only Windows system DLLs, so it is self-contained (libstdc++, libgcc
# and winpthread linked in statically) and wireguard.dll is loaded at run
# time, not at load time. Prints one line per violation; exit 1 if any.
set -euo pipefail
objdump=$1
shift
allowed_imports=" kernel32.dll msvcrt.dll iphlpapi.dll ws2_32.dll advapi32.dll ntdll.dll bcrypt.dll "
status=0
for dll in "$@"; do
  if [[ ! -f $dll ]]; then
    echo "$dll: missing"
    status=1
    continue
  fi
  dump=$("$objdump" -p "$dll")
  exports=$(awk '/^\[Ordinal\/Name Pointer\] Table/ {in_table = 1; next}
                 in_table && /^[ \t]*\[ *[0-9]+\] / {print $NF; next}
                 in_table {in_table = 0}' <<<"$dump")
  found_entry=0
  for e in $exports; do
    if [[ $e == trellis_plugin_entry_v1 ]]; then
      found_entry=1
    else
      echo "$dll: unexpected export: $e"
      status=1
    fi
  done
  if [[ $found_entry == 0 ]]; then
    echo "$dll: does not export trellis_plugin_entry_v1"
    status=1
  fi
  imports=$(awk '/^[ \t]*DLL Name:/ {print tolower($3)}' <<<"$dump")
  if [[ -z $imports ]]; then
    echo "$dll: no import table found (not a PE DLL?)"
    status=1
  fi
  for i in $imports; do
    if [[ $allowed_imports != *" $i "* && $i != api-ms-win-crt-*.dll ]]; then
      echo "$dll: disallowed import: $i"
      status=1
    fi
  done
done
exit $status
