#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay out build/ARCH-debian for a Debian-kernel lane: Debian's own kernel (deps.sh
# unpacks it in VP_DEBIAN_ROOT) with the driver set built for it out of tree by DKMS,
# as a Debian user would, and an initramfs that loads the distribution's 9p (and, on
# x86_64, overlay) modules so that vm-run.sh can boot it like our kernel.
#
#   debian-kernel.sh [x86_64|arm64]
#
# DKMS runs from the unpacked package on a copy of the checkout's files (what git
# tracks, plus new files it does not ignore), with its trees below
# build/ARCH-debian: dkms add, build and install (into the copy of the kernel's
# modules, updates/dkms), then depmod. dkms looks at /lib/modules/RELEASE for the
# kernel's own modules (their compression, their versions, which it refuses to
# replace with an equal one): it runs in a mount namespace of its own where that is
# the copy, as on the user's machine. Every module modules.sh lists must end up
# installed, and vfio_iommu_type1 must resolve to ours. dkms's output is in
# build/ARCH-debian/dkms.log. Writes vmlinuz, kernelrelease, modroot/ and
# initramfs.cpio.
#
# arm64's modules are cross-built: dkms builds for -a aarch64 with ARCH and
# CROSS_COMPILE in its environment, which kbuild reads, as a user cross-building
# for a board would. Its initramfs is the arm64 test VM's (initramfs.sh, which needs
# the arm64 test kernel's build for gen_init_cpio) with the 9p modules appended in
# /lib/vp-boot, which guest-init.sh loads first.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VP_FLAVOUR=debian
vp_arch_setup "${1:-x86_64}"
vp_debian_setup "$VP_ARCH"
[ "$(cat "$VP_DEBIAN_ROOT/.vp-complete" 2>/dev/null)" = "$VP_DEBIAN_VERSION" ] ||
	vp_die "no Debian kernel $VP_DEBIAN_RELEASE in $VP_DEBIAN_ROOT: run deps.sh $VP_ARCH"

rel=$VP_DEBIAN_RELEASE
obj=$VP_OBJ
modroot=$obj/modroot
moddir=$modroot/lib/modules/$rel
dkms_dir=$obj/dkms
log=$obj/dkms.log
dkms_bin=$VP_DEBIAN_ROOT/usr/sbin/dkms
# What kbuild and dkms need to build for the kernel's architecture.
cross=()
dkms_arch=()
case $VP_ARCH in
arm64)
	cross=(ARCH="$VP_KARCH" CROSS_COMPILE="$VP_CROSS")
	dkms_arch=(-a aarch64)
	;;
esac

# deps.sh may be replacing the unpacked kernel for another clone: not meanwhile.
exec {lock}>"$VP_DEBIAN_DIR/.lock"
flock -s "$lock"

mkdir -p "$obj"
rm -rf "$modroot" "$dkms_dir" "$obj/initramfs" "$obj/vmlinuz" "$obj/kernelrelease" \
	"$obj/initramfs.cpio"

# Debian's modules, linked rather than copied where the filesystem allows.
mkdir -p "$modroot/lib/modules"
if ! cp -al "$VP_DEBIAN_ROOT/lib/modules/$rel" "$moddir" 2>/dev/null; then
	rm -rf "$moddir"
	cp -a "$VP_DEBIAN_ROOT/lib/modules/$rel" "$moddir"
fi

# The checkout as a source package: what a user would copy to /usr/src.
mkdir -p "$dkms_dir/pkg" "$dkms_dir/tree" "$dkms_dir/src"
(cd "$VP_TOP" && git ls-files -co --exclude-standard |
	while read -r f; do [ -f "$f" ] && echo "$f"; done | tar -T - -cf -) |
	tar -xf - -C "$dkms_dir/pkg"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$dkms_dir/pkg/dkms.conf")

# dkms ACTION ARGS...: dkms on our trees, in a mount namespace (as root, or as a
# user mapped to root) whose /lib/modules holds only the kernel's copy. A machine
# without /lib/modules (a container's) gets one in an overlay of /usr/lib there.
dkms()
{
	# shellcheck disable=SC2016 # the inner shell expands them
	env "${cross[@]}" unshare --map-root-user --mount bash -c '
		set -e
		if [ -d /lib/modules ]; then
			mount -t tmpfs vp-modules /lib/modules
		else
			mkdir -p "$3/upper" "$3/work"
			mount -t overlay -o "lowerdir=/usr/lib,upperdir=$3/upper,workdir=$3/work" \
				vp-lib /usr/lib
		fi
		mkdir -p "/lib/modules/$1"
		mount --bind "$2" "/lib/modules/$1"
		shift 3
		exec bash "$@"' vp-dkms "$rel" "$moddir" "$dkms_dir/ovl" "$dkms_bin" \
		--dkmstree "$dkms_dir/tree" --sourcetree "$dkms_dir/src" \
		--installtree "$modroot/lib/modules" -k "$rel" "${dkms_arch[@]}" \
		--kernelsourcedir "$VP_DEBIAN_HEADERS" "$@"
}

vp_log "dkms add, build and install vfio-platform/$version for $rel (log: ${log#"$VP_TOP"/})"
: >"$log"
steps=(add build install)
args=("$dkms_dir/pkg" "vfio-platform/$version" "vfio-platform/$version")
for i in 0 1 2; do
	echo "# dkms ${steps[i]} ${args[i]}" >>"$log"
	if ! dkms "${steps[i]}" --no-depmod "${args[i]}" >>"$log" 2>&1; then
		grep -v "readelf: Warning" "$log" | tail -n 40 >&2
		find "$dkms_dir/tree" -name make.log -exec tail -n 40 {} + >&2
		vp_die "dkms ${steps[i]} failed for $rel"
	fi
done
depmod -b "$modroot" "$rel" || vp_die "depmod failed on ${moddir#"$VP_TOP"/}"

# Everything the Kconfig gives this kernel is installed, and depmod takes our
# vfio_iommu_type1 over the kernel's.
mapfile -t want < <(env "${cross[@]}" bash "$dkms_dir/pkg/tools/testing/vfio-platform/modules.sh" --list \
	"$VP_DEBIAN_HEADERS" | cut -d' ' -f1 | sort)
mapfile -t ours < <(find "$moddir/updates/dkms" -name '*.ko*' -printf '%f\n' |
	sed 's/\.ko.*//' | sort)
if [ ${#want[@]} -eq 0 ] || [ "${want[*]}" != "${ours[*]}" ]; then
	vp_die "dkms installed '${ours[*]}' in updates/dkms, modules.sh lists '${want[*]}'"
fi
type1=$(modprobe -d "$modroot" -S "$rel" --show-depends vfio_iommu_type1 | tail -n 1)
case $type1 in
*/updates/dkms/vfio_iommu_type1.ko*) ;;
*) vp_die "vfio_iommu_type1 resolves to ${type1:-nothing}, not ours in updates/dkms" ;;
esac
vp_log "installed for $rel: ${ours[*]}"

# The modules that reach the root over 9p (and on x86_64 build its overlay) from
# Debian's, uncompressed (busybox's insmod may not read xz), in load order, in DIR.
boot_modules()
{
	local dir=$1 m ko name mods=(9pnet_virtio 9p configfs)

	[ "$VP_ARCH" != x86_64 ] || mods+=(overlay)
	mkdir -p "$dir"
	for m in "${mods[@]}"; do
		modprobe -d "$modroot" -S "$rel" --show-depends "$m" ||
			vp_die "no module $m in Debian's $rel"
	done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++' |
		while read -r ko; do
			name=$(basename "${ko%.xz}")
			case $ko in
			*.xz) xz -dc "$ko" >"$dir/$name" ;;
			*) cp "$ko" "$dir/$name" ;;
			esac
			echo "$name" >>"$dir/order"
		done
	[ -s "$dir/order" ] || vp_die "no 9p modules found for $rel"
}

init=$obj/initramfs
case $VP_ARCH in
x86_64)
	# busybox, the modules and debian-init.sh, which mounts the host's root.
	mkdir -p "$init/bin"
	cp "$VP_DEBIAN_ROOT/bin/busybox" "$init/bin/busybox"
	ln -s busybox "$init/bin/sh"
	cp "$VP_SCRIPTS/debian-init.sh" "$init/init"
	chmod 0755 "$init/init"
	boot_modules "$init/lib/modules"
	(cd "$init" && find . -print0 | cpio --null -o -H newc --quiet) >"$obj/initramfs.cpio.new"
	;;
*)
	# The test VM's initramfs, and a second archive the kernel unpacks over it.
	base=$(env VP_FLAVOUR=test bash "$VP_SCRIPTS/initramfs.sh" "$VP_ARCH")
	boot_modules "$init/lib/vp-boot"
	{
		cat "$base"
		# Owned by root, and without "." or "/lib": the kernel would give
		# the guest's own the builder's owner and mode.
		(cd "$init" && find lib/vp-boot -print0 | cpio --null -o -H newc -R 0:0 --quiet)
	} >"$obj/initramfs.cpio.new"
	;;
esac
mv "$obj/initramfs.cpio.new" "$obj/initramfs.cpio"

ln -sfn "$VP_DEBIAN_ROOT/boot/vmlinuz-$rel" "$obj/vmlinuz"
echo "$rel" >"$obj/kernelrelease"
vp_log "Debian's $rel ready in ${obj#"$VP_TOP"/}"
