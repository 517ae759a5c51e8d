#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Boots Debian's kernel (which has the WireGuard module) under qemu in software
# emulation and runs the kernel tunnel driver's scenario inside it.
#
#   run-kernel-test.sh --driver PATH --plugin PATH [--work DIR] [--cache DIR]
#
# 1. Kernel: the linux-image-6.1.0-*-amd64 package that linux-image-amd64
#    depends on, fetched once with `apt-get download` and cached (vmlinuz plus
#    the modules the test needs, in load order) under
#    ${TRELLIS_VM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/trellis/vm}/<package>.
#    The package has no modules.dep: the order comes from each module's
#    modinfo "depends" field, dependencies first.
# 2. initramfs: busybox-static, the real iproute2 `ip`, `wg` (if installed),
#    the driver and the plugin with every library ldd names, the modules, and
#    vm-init.sh as /init.
# 3. qemu-system-x86_64 -accel tcg, serial console on stdio; the guest prints
#    "TRELLIS-VM-RESULT: PASS|FAIL" (qemu itself exits 0 either way).
# Exit: 0 pass, 1 fail, 77 skipped (no qemu-system-x86_64).
set -euo pipefail

die() { echo "run-kernel-test: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

DRIVER="" PLUGIN="" WORK="" CACHE="${TRELLIS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/trellis/vm}"
QEMU_TIMEOUT="${TRELLIS_VM_TIMEOUT:-480}"
while [ $# -gt 0 ]; do
  case "$1" in
    --driver) DRIVER="$2"; shift 2 ;;
    --plugin) PLUGIN="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --cache) CACHE="$2"; shift 2 ;;
    *) die "unknown argument $1" ;;
  esac
done
[ -x "$DRIVER" ] || die "--driver: $DRIVER is not an executable"
[ -f "$PLUGIN" ] || die "--plugin: $PLUGIN not found"

if ! command -v qemu-system-x86_64 >/dev/null; then
  echo "SKIP: qemu-system-x86_64 is not installed (apt-get install --no-install-recommends qemu-system-x86)"
  exit 77
fi
need() { command -v "$1" >/dev/null || die "$1 not found (Debian package $2)"; }
need cpio cpio
need gzip gzip
need modinfo kmod
need dpkg-deb dpkg
need flock util-linux
BUSYBOX=/bin/busybox
# (No "producer | grep -q" under pipefail: grep quitting early gives the
# producer SIGPIPE and the pipeline a spurious failure.)
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (Debian package busybox-static)"
case " $("$BUSYBOX" --list | tr '\n' ' ') " in
  *" insmod "*) ;;
  *) die "$BUSYBOX has no insmod applet (Debian package busybox-static)" ;;
esac
if command -v file >/dev/null; then
  case "$(file -L "$BUSYBOX")" in
    *"statically linked"*) ;;
    *) die "$BUSYBOX is not static (install busybox-static)" ;;
  esac
fi
IPROUTE=""
for c in /usr/sbin/ip /sbin/ip /bin/ip /usr/bin/ip; do
  if [ -x "$c" ]; then
    case "$("$c" -V 2>/dev/null || true)" in *iproute2*) IPROUTE=$c; break ;; esac
  fi
done
[ -n "$IPROUTE" ] || die "iproute2's ip not found (Debian package iproute2)"
WG="$(command -v wg || true)"

# --- 1. the kernel, cached ---------------------------------------------------
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
t0=$(now)
PKG="$( (apt-cache depends linux-image-amd64 2>/dev/null || true) | awk '/Depends: linux-image-[0-9]/ && !p { print $2; p = 1 }')"
if [ -z "$PKG" ]; then
  PKG="$(cd "$CACHE" && (ls -d linux-image-* 2>/dev/null || true) | sort -V | tail -n1)"
  [ -n "$PKG" ] || die "cannot resolve linux-image-amd64 (apt-cache) and nothing is cached in $CACHE"
  echo "apt-cache unavailable; using cached $PKG"
fi
KDIR="$CACHE/$PKG"
WANTED="wireguard veth"
if [ ! -f "$KDIR/ready" ]; then
  echo "fetching $PKG into $KDIR"
  rm -rf "$KDIR" "$KDIR.tmp"
  mkdir -p "$KDIR.tmp/x" "$KDIR.tmp/modules"
  (cd "$KDIR.tmp" && apt-get download -q "$PKG" >/dev/null 2>&1) || die "apt-get download $PKG failed"
  dpkg-deb -x "$KDIR.tmp"/*.deb "$KDIR.tmp/x"
  cp "$KDIR.tmp"/x/boot/vmlinuz-* "$KDIR.tmp/vmlinuz"
  MODROOT="$(echo "$KDIR.tmp"/x/lib/modules/*)"
  declare -A placed=()
  order=()
  modfile() {  # the module's file; decompressed copies for busybox insmod
    local f
    f="$(find "$MODROOT" \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" \) -print -quit)"
    [ -n "$f" ] || f="$(find "$MODROOT" \( -name "${1//_/-}.ko" -o -name "${1//-/_}.ko" \) -print -quit)"
    [ -n "$f" ] || die "module $1 not in $PKG"
    echo "$f"
  }
  resolve() {  # depth-first: dependencies before the module
    local name="$1" depth="$2" f dep
    [ "$depth" -lt 20 ] || die "module dependency loop at $name"
    [ -z "${placed[$name]:-}" ] || return 0
    f="$(modfile "$name")"
    for dep in $(modinfo -F depends "$f" | tr ',' ' '); do resolve "$dep" $((depth + 1)); done
    placed[$name]=1
    case "$f" in
      *.ko.xz) xz -dc "$f" >"$KDIR.tmp/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$f" >"$KDIR.tmp/modules/$name.ko" ;;
      *) cp "$f" "$KDIR.tmp/modules/$name.ko" ;;
    esac
    order+=("$name")
  }
  for m in $WANTED; do resolve "$m" 0; done
  printf '%s\n' "${order[@]}" >"$KDIR.tmp/modules/order"
  basename "$MODROOT" >"$KDIR.tmp/release"
  rm -rf "$KDIR.tmp/x" "$KDIR.tmp"/*.deb
  touch "$KDIR.tmp/ready"
  mv "$KDIR.tmp" "$KDIR"
  # Only the current kernel is kept.
  find "$CACHE" -mindepth 1 -maxdepth 1 -name 'linux-image-*' ! -name "$PKG" -exec rm -rf {} +
  echo "cached $PKG ($(cat "$KDIR/release")) in $(since "$t0") s"
else
  echo "kernel $PKG ($(cat "$KDIR/release")) from cache"
fi
flock -u 9

# --- 2. the initramfs ----------------------------------------------------------
t1=$(now)
if [ -z "$WORK" ]; then WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT; fi
rm -rf "$WORK/root"
ROOT="$WORK/root"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,modules,opt/trellis/bin,opt/trellis/lib}
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$KDIR"/modules/* "$ROOT/modules/"
cp "$(dirname "$0")/vm-init.sh" "$ROOT/init"
chmod 0755 "$ROOT/init"
add_binary() {  # $1 source, $2 destination inside the image; plus its libraries
  cp -L "$1" "$ROOT$2"
  local lib
  for lib in $(ldd "$1" | grep -o '/[^ ]*' || true); do
    [ -e "$ROOT$lib" ] && continue
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
  done
}
add_binary "$IPROUTE" /opt/trellis/bin/ip
if [ -n "$WG" ]; then add_binary "$WG" /opt/trellis/bin/wg; fi
add_binary "$DRIVER" /opt/trellis/bin/trellis_kernel_tunnel_driver
add_binary "$PLUGIN" /opt/trellis/lib/trellis-tunnel-kernel.so
(cd "$ROOT" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/initrd.gz"
echo "initramfs $(du -h "$WORK/initrd.gz" | cut -f1) built in $(since "$t1") s (wg: ${WG:-not installed, cross-check skipped})"

# --- 3. boot -------------------------------------------------------------------
t2=$(now)
set +e
timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic -nic none \
  -no-reboot -kernel "$KDIR/vmlinuz" -initrd "$WORK/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3" </dev/null >"$WORK/console.log" 2>&1
qrc=$?
set -e
tr -d '\r' <"$WORK/console.log" | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/\x1bc//g' >"$WORK/console.txt"
cat "$WORK/console.txt"
echo "qemu exited $qrc after $(since "$t2") s (boot + test); console in $WORK/console.txt"
if grep -q '^TRELLIS-VM-RESULT: PASS' "$WORK/console.txt"; then
  exit 0
fi
if grep -q '^TRELLIS-VM-RESULT: FAIL' "$WORK/console.txt"; then
  echo "the test inside the VM failed"
else
  echo "no result marker: the guest crashed or qemu timed out (exit $qrc)"
fi
exit 1
