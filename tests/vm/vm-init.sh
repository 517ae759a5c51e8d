#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the kernel tunnel test VM (PID 1). Loads the WireGuard modules in
# the order run-kernel-test.sh resolved, makes namespaces a and b joined by a
# veth (198.51.100.1/24 - 198.51.100.2/24), runs the driver's scenario and
# prints the result marker the host looks for, then powers off. The real
# iproute2 and wg live in /opt/trellis/bin and are called by absolute path:
# busybox's shell would run its own "ip" applet before anything on PATH.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

result() {
  echo "TRELLIS-VM-RESULT: $1"
  sync
  poweroff -f
  exit 0  # if poweroff failed: init exits, the kernel panics, panic=-1 + -no-reboot end qemu
}

T=/opt/trellis
IP=$T/bin/ip
echo "kernel $(uname -r); modules: $(cat /modules/order | tr '\n' ' ')"
for m in $(cat /modules/order); do
  insmod /modules/$m.ko || { echo "insmod $m failed"; result FAIL; }
done

$IP link set lo up
$IP netns add a && $IP netns add b || result FAIL
$IP -n a link add va type veth peer name vb netns b || result FAIL
$IP -n a addr add 198.51.100.1/24 dev va
$IP -n b addr add 198.51.100.2/24 dev vb
for ns in a b; do $IP -n $ns link set lo up; done
$IP -n a link set va up
$IP -n b link set vb up

WG=""
[ -x $T/bin/wg ] && WG=$T/bin/wg
start=$(cut -d' ' -f1 /proc/uptime)
timeout 300 $T/bin/trellis_kernel_tunnel_driver scenario --plugin $T/lib/trellis-tunnel-kernel.so \
  --ns-a /run/netns/a --ns-b /run/netns/b --ip $IP --wg "$WG" --busybox /bin/busybox
rc=$?
echo "driver exit $rc after $(awk -v s=$start '{printf "%.1f", $1 - s}' /proc/uptime) s (guest clock)"
$IP netns del a
$IP netns del b
[ $rc -eq 0 ] && result PASS
result FAIL
