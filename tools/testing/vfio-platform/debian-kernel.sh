#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay out build/x86_64-debian for the Debian-kernel lane: Debian's own kernel (deps.sh
# unpacks it in VP_DEBIAN_ROOT) with the driver set built for it out of tree by DKMS,
# as a Debian user would, and an initramfs that loads the distribution's 9p and
# overlay modules so that vm-run.sh can boot it like our kernel.
#
#   debian-kernel.sh
#
# DKMS runs from the unpacked package on a copy of the checkout's files (what git
# tracks, plus new files it does not ignore), with its trees below
# build/x86_64-debian: dkms add, build and install (into the copy of the kernel's
# modules, updates/dkms), then depmod. Its output is in build/x86_64-debian/dkms.log.
# Writes vmlinuz, kernelrelease, modroot/ and initramfs.cpio.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VP_FLAVOUR=debian
vp_arch_setup x86_64
vp_debian_setup
[ "$(cat "$VP_DEBIAN_ROOT/.vp-complete" 2>/dev/null)" = "$VP_DEBIAN_VERSION" ] ||
	vp_die "no Debian kernel $VP_DEBIAN_RELEASE in $VP_DEBIAN_ROOT: run deps.sh"

rel=$VP_DEBIAN_RELEASE
obj=$VP_OBJ
modroot=$obj/modroot
moddir=$modroot/lib/modules/$rel
dkms_dir=$obj/dkms
log=$obj/dkms.log
dkms_bin=$VP_DEBIAN_ROOT/usr/sbin/dkms

mkdir -p "$obj"
rm -rf "$modroot" "$dkms_dir" "$obj/initramfs"

# Debian's modules, linked rather than copied where the filesystem allows.
mkdir -p "$modroot/lib/modules"
cp -al "$VP_DEBIAN_ROOT/lib/modules/$rel" "$moddir" 2>/dev/null ||
	cp -a "$VP_DEBIAN_ROOT/lib/modules/$rel" "$moddir"

# The checkout as a source package: what a user would copy to /usr/src.
mkdir -p "$dkms_dir/pkg" "$dkms_dir/tree" "$dkms_dir/src"
git -C "$VP_TOP" ls-files -co --exclude-standard -z |
	(cd "$VP_TOP" && tar --null -T - -cf -) | tar -xf - -C "$dkms_dir/pkg"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dkms_dir/pkg/dkms.conf")

dkms()
{
	bash "$dkms_bin" --dkmstree "$dkms_dir/tree" --sourcetree "$dkms_dir/src" \
		--installtree "$modroot/lib/modules" -k "$rel" \
		--kernelsourcedir "$VP_DEBIAN_HEADERS" "$@"
}

vp_log "dkms add, build and install vfio-platform/$version for $rel (log: ${log#"$VP_TOP"/})"
: >"$log"
for step in "add $dkms_dir/pkg" "build vfio-platform/$version" \
	    "install --no-depmod vfio-platform/$version"; do
	echo "# dkms $step" >>"$log"
	# shellcheck disable=SC2086 # the step's words
	if ! dkms $step >>"$log" 2>&1; then
		grep -v "readelf: Warning" "$log" | tail -n 40 >&2
		find "$dkms_dir/tree" -name make.log -exec tail -n 40 {} + >&2
		vp_die "dkms $step failed for $rel"
	fi
done
depmod -b "$modroot" "$rel" || vp_die "depmod failed on ${moddir#"$VP_TOP"/}"
mapfile -t ours < <(find "$moddir/updates/dkms" -name '*.ko*' -printf '%f\n' | sort)
[ ${#ours[@]} -gt 0 ] || vp_die "dkms installed nothing in ${moddir#"$VP_TOP"/}/updates/dkms"
vp_log "installed for $rel: ${ours[*]}"

# The initramfs: busybox, the modules that reach the root over 9p and build its
# overlay, uncompressed (busybox's insmod may not read xz), in load order.
init=$obj/initramfs
mkdir -p "$init/bin" "$init/lib/modules"
cp "$VP_DEBIAN_ROOT/bin/busybox" "$init/bin/busybox"
ln -s busybox "$init/bin/sh"
cp "$VP_SCRIPTS/debian-init.sh" "$init/init"
chmod 0755 "$init/init"
for m in 9pnet_virtio 9p overlay configfs; do
	modprobe -d "$modroot" -S "$rel" --show-depends "$m" ||
		vp_die "no module $m in Debian's $rel"
done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' |
	while read -r ko; do
		name=$(basename "${ko%.xz}")
		case $ko in
		*.xz) xz -dc "$ko" >"$init/lib/modules/$name" ;;
		*) cp "$ko" "$init/lib/modules/$name" ;;
		esac
		echo "$name" >>"$init/lib/modules/order"
	done
[ -s "$init/lib/modules/order" ] || vp_die "no 9p modules found for $rel"
(cd "$init" && find . -print0 | cpio --null -o -H newc --quiet) >"$obj/initramfs.cpio.new"
mv "$obj/initramfs.cpio.new" "$obj/initramfs.cpio"

ln -sfn "$VP_DEBIAN_ROOT/boot/vmlinuz-$rel" "$obj/vmlinuz"
echo "$rel" >"$obj/kernelrelease"
vp_log "Debian's $rel ready in ${obj#"$VP_TOP"/}"
