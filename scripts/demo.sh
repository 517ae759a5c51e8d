#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main command: installs what Trellis needs (Debian 12 packages), builds the
# release preset once, shows the plugins the host finds, validates every example
# config, and runs the control plane (the roles config/management.yaml lists that
# this build has) in the foreground until Ctrl-C.
#   scripts/demo.sh           run until Ctrl-C
#   scripts/demo.sh --once    start, check it answers, stop, exit 0/1
set -euo pipefail
cd "$(dirname "$0")/.."
ONCE=0; [[ "${1:-}" == "--once" ]] && ONCE=1

scripts/install-deps.sh --test
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
BIN=build/release/bin/trellis

echo; $BIN version
echo; echo "== plugins"; $BIN plugins
echo; echo "== example configs"
for f in config/*.yaml; do $BIN check -c "$f" || true; done

STATE=$(mktemp -d /tmp/trellis-demo.XXXXXX)
trap 'rm -rf "$STATE"' EXIT
# The roles this build has, from management.yaml (management + signal).
CFG=$STATE/demo.yaml
available=$($BIN check -c config/management.yaml 2>&1 | sed -n "s/.*available: \(.*\))$/\1/p" || true)
if $BIN check -c config/management.yaml >/dev/null 2>&1; then
  cp config/management.yaml "$CFG"
elif $BIN check -c config/signal.yaml >/dev/null 2>&1; then
  echo "(management.yaml needs roles this build lacks; running: ${available})"
  cp config/signal.yaml "$CFG"
else
  echo "demo: this build has no roles yet (available: ${available:-none}); the host, its"
  echo "      plugins and config validation are shown above."
  exit 0
fi
export TRELLIS_STATE_DIR=$STATE/state
echo; echo "== trellis run -c $CFG (Ctrl-C stops it)"
$BIN run -c "$CFG" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$STATE"' EXIT INT TERM
ok=0
for _ in $(seq 50); do
  if curl -fsS http://127.0.0.1:9102/metrics >/dev/null 2>&1 || curl -fsS http://127.0.0.1:9103/metrics >/dev/null 2>&1; then ok=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.2
done
if ((ok)); then
  echo "== metrics answer:"; (curl -fsS http://127.0.0.1:9102/metrics 2>/dev/null || curl -fsS http://127.0.0.1:9103/metrics) | grep -v '^#' | head -20
else
  echo "demo: the host did not come up" >&2; exit 1
fi
if ((ONCE)); then exit 0; fi
wait $pid
