#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package with CPack into WORK and checks what is in it:
# the trellis executable, every plugin of the build, the SDK (headers and CMake
# package), the example configs, the systemd units (verified by
# systemd-analyze when present) and the maintainer scripts; and its control
# fields (name, section, version, dependencies computed by dpkg-shlibdeps).
# Nothing from the build tree (test fixtures, absolute build paths) may leak in.
#
# Variables (from packaging/CMakeLists.txt): CPACK, CPACK_CONFIG, WORK,
# PLUGIN_DIR, LIBDIR, VERSION, UNITS_SOURCE, INSTALL_PREFIX.
# Exit 77 (skipped) when the build's install prefix is not /usr.
set -uo pipefail
for v in CPACK CPACK_CONFIG WORK PLUGIN_DIR LIBDIR VERSION UNITS_SOURCE INSTALL_PREFIX; do
  if [ -z "${!v:-}" ]; then echo "check_deb: $v is not set" >&2; exit 2; fi
done
if [ "$INSTALL_PREFIX" != /usr ]; then
  echo "check_deb: SKIP: this build has CMAKE_INSTALL_PREFIX=$INSTALL_PREFIX; a Debian package" \
       "installs in /usr and the paths compiled into trellis must agree: configure with" \
       "-DCMAKE_INSTALL_PREFIX=/usr (the presets do)"
  exit 77
fi
for tool in dpkg-deb dpkg-shlibdeps; do
  command -v "$tool" >/dev/null || { echo "check_deb: FAIL: $tool not found (dpkg-dev)" >&2; exit 1; }
done

errors=0
fail() { echo "check_deb: FAIL: $*" >&2; errors=$((errors + 1)); }

rm -rf "$WORK"
mkdir -p "$WORK"
if ! "$CPACK" -G DEB --config "$CPACK_CONFIG" -B "$WORK" >"$WORK/cpack.log" 2>&1; then
  cat "$WORK/cpack.log" >&2
  echo "check_deb: FAIL: cpack -G DEB failed" >&2
  exit 1
fi
mapfile -t debs < <(find "$WORK" -maxdepth 1 -name '*.deb')
if [ ${#debs[@]} -ne 1 ]; then
  cat "$WORK/cpack.log" >&2
  echo "check_deb: FAIL: expected one .deb in $WORK, found ${#debs[@]}" >&2
  exit 1
fi
deb=${debs[0]}
echo "check_deb: built $deb ($(stat -c %s "$deb") bytes)"

# --- contents ---------------------------------------------------------------
dpkg-deb -c "$deb" >"$WORK/contents.txt" || { echo "check_deb: FAIL: dpkg-deb -c" >&2; exit 1; }
paths=$(awk '{ print $6 }' "$WORK/contents.txt" | sed 's|^\./||')
has() { printf '%s\n' "$paths" | grep -qxF -- "$1"; }
expect() { has "$1" || fail "missing in the package: $1"; }

expect usr/bin/trellis
grep -E '^-rwx' "$WORK/contents.txt" | grep -qE ' \./usr/bin/trellis$' || fail "usr/bin/trellis is not executable"
expect usr/include/trellis/plugin.h
expect usr/include/trellis/plugin.hpp
expect "usr/$LIBDIR/cmake/TrellisSDK/TrellisSDKConfig.cmake"
expect "usr/$LIBDIR/cmake/TrellisSDK/TrellisSDKConfigVersion.cmake"
expect "usr/$LIBDIR/cmake/TrellisSDK/TrellisSDKTargets.cmake"
expect usr/share/trellis/config/
expect usr/share/doc/trellis/copyright
for unit in trellis-agent trellis-management trellis-signal; do
  expect "usr/lib/systemd/system/$unit.service"
done

plugins=0
for so in "$PLUGIN_DIR"/*.so; do
  [ -e "$so" ] || continue
  plugins=$((plugins + 1))
  expect "usr/$LIBDIR/trellis/plugins/$(basename "$so")"
done
if [ $plugins -eq 0 ]; then
  echo "check_deb: note: no plugins in $PLUGIN_DIR, so none expected in the package"
else
  expect "usr/$LIBDIR/trellis/plugins/"
fi

while IFS= read -r p; do
  case "$p" in
    usr/*|"") ;;
    *) fail "installs outside /usr: $p" ;;
  esac
done <<<"$paths"
if printf '%s\n' "$paths" | grep -qiE 'fixture|/tests?/|catch'; then
  fail "test artefacts in the package: $(printf '%s\n' "$paths" | grep -iE 'fixture|/tests?/|catch' | head -3 | tr '\n' ' ')"
fi

# --- control ------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = trellis ] || fail "Package is '$(field Package)', not trellis"
[ "$(field Section)" = net ] || fail "Section is '$(field Section)', not net"
[ "$(field Version)" = "$VERSION" ] || fail "Version is '$(field Version)', not $VERSION"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
depends=$(field Depends)
echo "check_deb: Depends: $depends"
printf '%s' "$depends" | grep -qE '(^|, )libc6( |,|$)' || fail "Depends lacks libc6: dpkg-shlibdeps did not run"
printf '%s' "$depends" | grep -qE '(^|, )libstdc\+\+6( |,|$)' || fail "Depends lacks libstdc++6"
printf '%s' "$depends" | grep -qE '(^|, )adduser( |,|$)' || fail "Depends lacks adduser (postinst uses it)"

mkdir -p "$WORK/control" "$WORK/root"
dpkg-deb -e "$deb" "$WORK/control"
for script in postinst prerm postrm; do
  f=$WORK/control/$script
  if [ ! -x "$f" ]; then
    fail "maintainer script $script missing or not executable"
  elif ! sh -n "$f"; then
    fail "maintainer script $script has a syntax error"
  fi
done

# --- systemd units --------------------------------------------------------------
dpkg-deb -x "$deb" "$WORK/root"
for role in agent management signal; do
  unit=$WORK/root/usr/lib/systemd/system/trellis-$role.service
  [ -f "$unit" ] || continue
  cmp -s "$unit" "$UNITS_SOURCE/trellis-$role.service" || fail "trellis-$role.service differs from its source"
  grep -qxF "ExecStart=/usr/bin/trellis run -c /etc/trellis/$role.yaml" "$unit" ||
    fail "trellis-$role.service does not run /usr/bin/trellis run -c /etc/trellis/$role.yaml"
  for key in NoNewPrivileges=yes ProtectSystem=strict StateDirectory=trellis User=trellis; do
    grep -qxF "$key" "$unit" || fail "trellis-$role.service lacks $key"
  done
done
agent=$WORK/root/usr/lib/systemd/system/trellis-agent.service
if [ -f "$agent" ]; then
  for key in AmbientCapabilities=CAP_NET_ADMIN CapabilityBoundingSet=CAP_NET_ADMIN "DeviceAllow=/dev/net/tun rw"; do
    grep -qxF "$key" "$agent" || fail "trellis-agent.service lacks $key"
  done
fi
if command -v systemd-analyze >/dev/null && [ -x "$WORK/root/usr/bin/trellis" ]; then
  # Verify copies that point at the unpacked binary, which does not exist in /usr/bin here.
  mkdir -p "$WORK/units"
  for unit in "$WORK"/root/usr/lib/systemd/system/trellis-*.service; do
    sed "s|/usr/bin/trellis|$WORK/root/usr/bin/trellis|" "$unit" >"$WORK/units/$(basename "$unit")"
  done
  out=$(systemd-analyze verify "$WORK"/units/*.service 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    fail "systemd-analyze verify reported problems in the units"
  else
    echo "check_deb: systemd-analyze verify: units clean"
  fi
fi

if [ $errors -ne 0 ]; then
  echo "check_deb: $errors problem(s); package contents in $WORK/contents.txt" >&2
  exit 1
fi
echo "check_deb: ok: $(wc -l <"$WORK/contents.txt") entries, $plugins plugin(s)"
