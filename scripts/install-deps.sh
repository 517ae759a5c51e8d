#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package Trellis needs to build, test and run its lab.
# Idempotent and fast when everything is already there (one dpkg query, no apt).
#   scripts/install-deps.sh            build + run dependencies
#   scripts/install-deps.sh --test     plus what the test suite and lab need
set -euo pipefail

BUILD_PKGS=(
  cmake ninja-build ccache g++ pkg-config git ca-certificates
  libboost-dev libboost-filesystem-dev libboost-system-dev
  libsodium-dev libyaml-cpp-dev libsqlite3-dev libpqxx-dev libnice-dev libglib2.0-dev
  libssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev catch2
  libmnl-dev
)
TEST_PKGS=(
  iproute2 iputils-ping iperf3 nftables iptables conntrack procps psmisc jq openssl
  wireguard-tools wireguard-go coturn postgresql sqlite3
  clang libclang-rt-14-dev binutils curl python3 python3-jsonschema python3-yaml
  g++-mingw-w64-x86-64-posix
  qemu-system-x86 busybox-static cpio kmod xz-utils
  wine64
)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PKGS[@]}")
  # Node.js (for the OIDC test provider): some images ship a Node.js build that
  # bundles npm and conflicts with Debian's npm package; use what is there.
  command -v node >/dev/null || want+=(nodejs)
  command -v npm >/dev/null || want+=(npm)
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Services the packages start on install are not ours to keep running: the tests
# start their own coturn and PostgreSQL on private ports.
for svc in coturn postgresql; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
echo "install-deps: done"
