#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM started by vm-run.sh.
#
# Stage 1 runs on the host's root filesystem (virtio-9p, read-only) and lays a writable
# overlay over it (tmpfs upper layer), so the guest can create /lib/modules and anything
# else a test needs without touching the host. /tmp and /var/tmp stay the overlay's
# (a checkout under /tmp must stay visible); only /run starts empty. It mounts the kernel filesystems and the
# run directory (virtio-9p tag "vmout", the only way out: /dev/console is lost when
# DEBUG_TEST_DRIVER_REMOVE re-probes the serial port), then changes root.
#
# An arm64 guest cannot run the host's programs: it boots from the initramfs of
# initramfs.sh, where this script is /init. There it lays busybox's applets out,
# mounts the kernel filesystems and the run directory, then the host directories
# listed in the run directory's "mounts" file (the checkout) at the same paths, makes
# the symbolic links its "links" file lists, and goes on to stage 2 without changing
# root. Booting Debian's kernel, it first loads the 9p modules of /lib/vp-boot.
#
# Stage 2 links our modules into place, runs the command, scans for leaks and reports
# the command's status through the run directory before rebooting, which ends QEMU.

root=/run/vp-root
out=/run/vm-out

stage1()
{
	local ovl=/run/vp-ovl

	mount -t tmpfs -o mode=0755 vp-run /run
	mkdir -p "$ovl/upper" "$ovl/work" "$root"
	mount -t overlay -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" vp-root "$root"

	mount -t tmpfs -o mode=0755 run "$root/run"
	mkdir -p "$root$out"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout "$root$out"
	exec </dev/null >>"$root$out/init.log" 2>&1

	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount -t devtmpfs devtmpfs "$root/dev"
	mkdir -p "$root/dev/pts" "$root/dev/shm"
	mount -t devpts devpts "$root/dev/pts"
	mount -t tmpfs shm "$root/dev/shm"
	mount -t debugfs debugfs "$root/sys/kernel/debug"
	mount -t configfs configfs "$root/sys/kernel/config"

	exec chroot "$root" /bin/bash "$0" stage2
	echo "guest-init: cannot change root" >&2
	echo 1 >"$root$out/status"
	echo b >/proc/sysrq-trigger
}

# Every host directory the guest sees, read-only: lines "TAG PATH" in $out/mounts.
initramfs()
{
	local tag dir

	/bin/busybox --install -s
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t tmpfs -o mode=0755 run /run
	# Debian's kernel has 9p and configfs as modules: its initramfs carries them
	# (debian-kernel.sh), to be loaded before anything is mounted over 9p.
	if [ -f /lib/vp-boot/order ]; then
		while read -r m; do
			insmod "/lib/vp-boot/$m" || echo "guest-init: cannot load $m" >/dev/console
		done </lib/vp-boot/order
	fi
	mkdir -p "$out"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmout "$out"
	exec </dev/null >>"$out/init.log" 2>&1

	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs shm /dev/shm
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t configfs configfs /sys/kernel/config
	while read -r tag dir; do
		mkdir -p "$dir"
		mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro" \
			"$tag" "$dir" || echo "guest-init: cannot mount $tag on $dir" >&2
	done <"$out/mounts"
	# Symbolic links into those directories: lines "LINK TARGET" in $out/links,
	# never over a directory of the guest's own.
	if [ -f "$out/links" ]; then
		while read -r link target; do
			case $link in
			/?*) ;;
			*) echo "guest-init: bad line in links: $link $target" >&2; continue ;;
			esac
			if [ -z "$target" ] || { [ -d "$link" ] && [ ! -L "$link" ]; } ||
			   ! mkdir -p "${link%/*}" || ! ln -sfn "$target" "$link"; then
				echo "guest-init: cannot link $link to $target" >&2
			fi
		done <"$out/links"
	fi
	stage2
}

stage2()
{
	local rel cmd status

	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	export HOME=/root TERM=dumb LANG=C.UTF-8
	rel=$(uname -r)
	mkdir -p /lib/modules
	ln -sfn "$(cat "$out/modroot")/lib/modules/$rel" "/lib/modules/$rel"

	# Only what the command leaks counts: forget the suspects left by boot.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
	fi

	cmd=$(cat "$out/cmd")
	cd "$(cat "$out/cwd")" || cd /
	# One writer appends to the output: the tests' processes and threads appending
	# to the file at once over 9p, which has no atomic append, left holes of NULs
	# where their lines were.
	bash -c "$cmd" 2>&1 </dev/null | cat >>"$out/output"
	status=${PIPESTATUS[0]}

	# kmemleak reports objects unreferenced for at least 5 s: wait, then scan.
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >"$out/kmemleak"
	fi
	dmesg >"$out/dmesg"
	echo "$status" >"$out/status"
	sync
	echo b >/proc/sysrq-trigger
}

if [ "$0" = /init ]; then
	initramfs
	exit
fi
case ${1:-} in
stage2) stage2 ;;
*) stage1 ;;
esac
