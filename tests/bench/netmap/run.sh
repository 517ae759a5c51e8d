#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs the network-map benchmark at 5,000 and 10,000 peers (200 groups, 500
# policies), with the default All policy off (explicit policies only) and on
# (full mesh, the largest maps). The benchmark is single-threaded; compile
# times are the best and median of 3 runs because the machine may be shared.
# Exits 1 when any run misses a target.
# Usage: tests/bench/netmap/run.sh [path/to/trellis_netmap_bench]
set -eu
here=$(dirname "$0")
bench=${1:-}
if [ -z "$bench" ]; then
  for candidate in "$here"/../../../build/*/tests/bench/netmap/trellis_netmap_bench; do
    [ -x "$candidate" ] && bench=$candidate && break
  done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
  echo "trellis_netmap_bench not found; build it (ninja trellis_netmap_bench) or pass its path" >&2
  exit 1
fi
status=0
for peers in 5000 10000; do
  for default in off on; do
    "$bench" --peers "$peers" --groups 200 --policies 500 --routes 20 --default-policy "$default" ||
      status=1
    echo
  done
done
exit $status
