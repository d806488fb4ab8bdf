#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh - make the initramfs the arm64 test VM boots from.
#
#   initramfs.sh [ARCH]
#
# The host's programs are x86_64, so the arm64 guest cannot run them over virtio-9p as
# the x86_64 guest does. It starts instead from a small initramfs, written to
# build/<arch>/initramfs.cpio: Debian's busybox-static and bash-static for the guest's
# architecture, and guest-init.sh as /init. Everything else (our modules, the
# selftests, the bind tool) stays in the checkout, which the guest mounts over
# virtio-9p at the same path.
#
# The two packages are fetched with apt-get download and unpacked with dpkg-deb into
# build/<arch>/initramfs/ rather than installed: their arm64 builds would replace the
# host's own, and nothing on the host needs them. deps.sh makes the architecture known
# to dpkg. The archive is rewritten only when its content changes; prints its path.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

vp_arch_setup "${1:-arm64}"
case $VP_ARCH in
arm64) debarch=arm64 ;;
*) vp_die "$VP_ARCH guests boot from the host's root filesystem, not an initramfs" ;;
esac

work=$VP_OBJ/initramfs
debs=$work/debs
root=$work/root
cpio=$VP_OBJ/initramfs.cpio
gen=$VP_OBJ/usr/gen_init_cpio
packages=(busybox-static bash-static)

[ -x "$gen" ] || vp_die "no ${gen#"$VP_TOP"/}: build the $VP_ARCH kernel first"

mkdir -p "$debs"
for p in "${packages[@]}"; do
	if ! compgen -G "$debs/${p}_*_$debarch.deb" >/dev/null; then
		vp_log "fetching $p:$debarch"
		# As root apt would hand the download to its _apt user, who cannot
		# write into the checkout.
		(cd "$debs" && apt-get download -q -o "APT::Sandbox::User=$(id -un)" \
			"$p:$debarch" >/dev/null) ||
			vp_die "cannot fetch $p:$debarch (run deps.sh $VP_ARCH)"
	fi
done

rm -rf "$root"
mkdir -p "$root"
for deb in "$debs"/*.deb; do
	dpkg-deb -x "$deb" "$root"
done
if [ ! -x "$root/bin/busybox" ] || [ ! -x "$root/bin/bash-static" ]; then
	vp_die "busybox or bash-static missing from the fetched packages"
fi

# busybox's applet links are made by the guest itself (busybox --install): the host
# cannot run an arm64 busybox to list them.
list=$work/initramfs.list
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /run /tmp /root /etc \
		/lib /lib/modules /mnt; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $root/bin/busybox 0755 0 0"
	echo "file /bin/bash-static $root/bin/bash-static 0755 0 0"
	echo "slink /bin/bash bash-static 0777 0 0"
	echo "slink /bin/sh bash-static 0777 0 0"
	echo "file /init $VP_SCRIPTS/guest-init.sh 0755 0 0"
} >"$list"

"$gen" "$list" >"$cpio.tmp"
if cmp -s "$cpio.tmp" "$cpio"; then
	rm -f "$cpio.tmp"
else
	mv "$cpio.tmp" "$cpio"
fi
echo "$cpio"
