#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The example plugin as a third party builds it: against the SDK installed from
# this build (the "sdk" install component) into a private prefix, never the
# source tree. Two steps, run by ctest as two tests:
#
#   build  install the SDK into WORK/prefix, configure examples/allowlist-auth
#          in WORK/build with -DCMAKE_PREFIX_PATH=WORK/prefix, build it (no
#          compiler warnings allowed), copy the plugin into WORK/plugins.
#   check  exported symbols (check_exports.sh) and `trellis plugins
#          --plugin-dir WORK/plugins` listing it as kind auth, name allowlist.
#
# Variables (set by tests/examples/CMakeLists.txt): CMAKE, GENERATOR, CXX,
# LAUNCHER (may be empty), PROJECT_BUILD, EXAMPLE_SOURCE, SDK_SOURCE, WORK,
# CHECK_EXPORTS, NM, TRELLIS.
set -euo pipefail
step=${1:?usage: example_out_of_tree.sh build|check}
for v in CMAKE GENERATOR CXX PROJECT_BUILD EXAMPLE_SOURCE SDK_SOURCE WORK CHECK_EXPORTS NM TRELLIS; do
  if [ -z "${!v:-}" ]; then echo "example_out_of_tree: $v is not set" >&2; exit 2; fi
done
plugin=$WORK/plugins/trellis-auth-allowlist.so
fail() { echo "example_out_of_tree: FAIL: $*" >&2; exit 1; }

case "$step" in
build)
  rm -rf "$WORK"
  mkdir -p "$WORK/plugins"
  "$CMAKE" --install "$PROJECT_BUILD" --prefix "$WORK/prefix" --component sdk
  [ -f "$WORK/prefix/include/trellis/plugin.h" ] || fail "the sdk component installed no include/trellis/plugin.h"
  config=$(find "$WORK/prefix" -name TrellisSDKConfig.cmake -print -quit)
  [ -n "$config" ] || fail "the sdk component installed no TrellisSDKConfig.cmake"

  launcher=()
  [ -n "${LAUNCHER:-}" ] && launcher=("-DCMAKE_CXX_COMPILER_LAUNCHER=$LAUNCHER")
  "$CMAKE" -S "$EXAMPLE_SOURCE" -B "$WORK/build" -G "$GENERATOR" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_PREFIX_PATH="$WORK/prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    ${launcher[@]+"${launcher[@]}"}
  found=$(sed -n 's/^TrellisSDK_DIR:PATH=//p' "$WORK/build/CMakeCache.txt")
  [ "$found" = "$(dirname "$config")" ] || fail "find_package(TrellisSDK) used '$found', not $(dirname "$config")"

  "$CMAKE" --build "$WORK/build" --verbose 2>&1 | tee "$WORK/build.log"
  if grep -q 'warning:' "$WORK/build.log"; then
    fail "the example builds with compiler warnings (see above)"
  fi
  if grep -rqF -- "$SDK_SOURCE/include" "$WORK/build.log"; then
    fail "the example was compiled against the source tree ($SDK_SOURCE/include), not the installed SDK"
  fi
  built=$(find "$WORK/build" -maxdepth 1 -name 'trellis-auth-allowlist.so' -print -quit)
  [ -n "$built" ] || fail "no trellis-auth-allowlist.so in $WORK/build"
  cp "$built" "$plugin"
  echo "example_out_of_tree: built $plugin"
  ;;
check)
  [ -f "$plugin" ] || fail "$plugin missing: the example_out_of_tree_build fixture did not run"
  "$CHECK_EXPORTS" --nm "$NM" "$plugin" || fail "the example exports more than the entry symbol"
  [ -x "$TRELLIS" ] || fail "the trellis CLI is not built ($TRELLIS): build the 'trellis' target first"
  set +e
  out=$("$TRELLIS" plugins --plugin-dir "$WORK/plugins" 2>"$WORK/plugins.stderr")
  rc=$?
  set -e
  printf '%s\n' "$out"
  cat "$WORK/plugins.stderr" >&2
  [ $rc -eq 0 ] || fail "'trellis plugins --plugin-dir $WORK/plugins' exited $rc"
  # A table row: kind, name, version, ABI, path — "auth" and "allowlist" adjacent.
  if ! printf '%s\n' "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "auth" && $(i + 1) == "allowlist") found = 1 }
                                   END { exit found ? 0 : 1 }'; then
    fail "'trellis plugins' lists no row with kind auth, name allowlist"
  fi
  if grep -q 'trellis-auth-allowlist' "$WORK/plugins.stderr"; then
    fail "'trellis plugins' refused the example plugin (see stderr above)"
  fi
  echo "example_out_of_tree: listed by trellis plugins"
  ;;
*)
  echo "usage: example_out_of_tree.sh build|check" >&2
  exit 2
  ;;
esac
