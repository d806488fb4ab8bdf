#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the Debian-kernel lane's initramfs (debian-kernel.sh): Debian's kernel has
# 9p, its virtio transport and overlayfs as modules, which our test kernel builds in.
# Load them, mount the host's root over 9p as the kernel would have, and hand over to
# the init the command line names (guest-init.sh), as our kernel boots it directly.

export PATH=/bin
busybox mkdir -p /proc /sys /dev /newroot
busybox mount -t proc proc /proc
busybox mount -t devtmpfs devtmpfs /dev

while read -r m; do
	busybox insmod "/lib/modules/$m" || echo "debian-init: cannot load $m" >&2
done </lib/modules/order

init=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
	case $arg in
	init=*) init=${arg#init=} ;;
	esac
done
if ! busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose \
	/dev/root /newroot || [ -z "$init" ]; then
	echo "debian-init: cannot mount the root or no init= given" >&2
	busybox poweroff -f
fi
busybox umount /dev /proc
# The environment the kernel gives an init it starts itself: no PATH.
unset PATH
exec /bin/busybox switch_root /newroot "$init"
