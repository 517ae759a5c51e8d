#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks that each plugin exports exactly one dynamic symbol, the function
# trellis_plugin_entry_v1, and nothing else (no C++ inline statics, no
# template instantiations, no helpers): the ABI's one-symbol rule.
#
#   check_exports.sh [--nm NM] [--require-dir DIR]... [DIR | FILE.so]...
#
# A DIR argument stands for every *.so directly in it; a DIR given with
# --require-dir must hold at least one. With no plugin found at all the check
# fails with "no plugins built". Exit 0 when every plugin passes, 1 otherwise.
set -u
nm_tool=nm
declare -a plugins=()
declare -a required=()
declare -a optional=()

while [ $# -gt 0 ]; do
  case "$1" in
    --nm) nm_tool=$2; shift 2 ;;
    --require-dir) required+=("$2"); shift 2 ;;
    -h|--help) sed -n '3,11p' "$0"; exit 0 ;;
    *) optional+=("$1"); shift ;;
  esac
done

status=0
add_dir() {  # add_dir DIR REQUIRED(0|1)
  local dir=$1 need=$2 found=0 f
  if [ ! -d "$dir" ]; then
    echo "check_exports: $dir: not a directory" >&2
    status=1
    return
  fi
  for f in "$dir"/*.so; do
    [ -e "$f" ] || continue
    plugins+=("$f")
    found=1
  done
  if [ $found -eq 0 ]; then
    if [ "$need" -eq 1 ]; then
      echo "check_exports: no plugins built in $dir" >&2
      status=1
    else
      echo "check_exports: note: no plugins in $dir"
    fi
  fi
}

for d in ${required[@]+"${required[@]}"}; do add_dir "$d" 1; done
for a in ${optional[@]+"${optional[@]}"}; do
  if [ -d "$a" ]; then
    add_dir "$a" 0
  elif [ -f "$a" ]; then
    plugins+=("$a")
  else
    echo "check_exports: $a: no such plugin" >&2
    status=1
  fi
done

if [ ${#plugins[@]} -eq 0 ]; then
  echo "check_exports: no plugins built" >&2
  exit 1
fi

errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT
for so in "${plugins[@]}"; do
  if ! out=$("$nm_tool" -D --defined-only "$so" 2>"$errfile"); then
    echo "check_exports: $so: $nm_tool failed: $(cat "$errfile")" >&2
    status=1
    continue
  fi
  entry=0
  bad=0
  while read -r addr type name rest; do
    [ -n "${addr:-}" ] || continue
    if [ -z "${name:-}" ]; then  # "TYPE NAME" lines (absolute symbols) have no address
      name=$type
      type=$addr
    fi
    if [ "$name" = trellis_plugin_entry_v1 ] && [ "$type" = T ]; then
      entry=1
    else
      echo "check_exports: $so: unexpected export: $type $name" >&2
      bad=1
    fi
  done <<<"$out"
  if [ $entry -eq 0 ]; then
    echo "check_exports: $so: does not export the function trellis_plugin_entry_v1" >&2
    bad=1
  fi
  if [ $bad -eq 0 ]; then
    echo "check_exports: ok: $so"
  else
    status=1
  fi
done
exit $status
