# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Variables set here are used by the scripts that source this file.
# shellcheck disable=SC2034
#
# Common settings for the vfio-platform build and test scripts. Sourced, never run.
#
# Every path the scripts use is derived here, so that the Makefile, the lanes of
# `make check` and a developer running one script by hand agree on where things are.

# The repository: this file lives in tools/testing/vfio-platform/.
VP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VP_SCRIPTS=$VP_TOP/tools/testing/vfio-platform

# Everything the build produces lives below build/ (ignored by git).
VP_BUILD=${VP_BUILD:-$VP_TOP/build}
VP_TREE=$VP_BUILD/linux

# The pristine kernel source is extracted once per package version and shared by every
# clone on the machine.
VP_CACHE=${VFIO_PLATFORM_CACHE:-/var/tmp/vfio-platform}
VP_SRC_PKG=linux-source-6.12
VP_SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz

VP_JOBS=${VP_JOBS:-$(nproc)}

# The patch series to upstream files: patches/series gives the order.
VP_PATCH_DIR=$VP_TOP/patches

# vp_series_patches: the patches of the series, in order, one path per line.
vp_series_patches()
{
	local p

	[ -f "$VP_PATCH_DIR/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$VP_PATCH_DIR/series" | while read -r p; do
		[ -n "$p" ] || continue
		[ -f "$VP_PATCH_DIR/$p" ] || vp_die "patches/series names $p, which does not exist"
		echo "$VP_PATCH_DIR/$p"
	done
}

# vp_check_series: die unless every patch patches/series names exists. The others
# run in subshells (pipes, process substitution), where vp_die cannot stop the
# script: call this first.
vp_check_series()
{
	vp_series_patches >/dev/null || exit 1
}

# vp_patched_files PATCH...: the files the patches touch, relative to the tree.
vp_patched_files()
{
	[ $# -gt 0 ] || return 0
	sed -n -e 's|^+++ b/||p' -e 's|^--- a/||p' "$@" | sed 's/[[:space:]].*//' |
		grep -vx /dev/null | sort -u
}

# vp_apply_series DIR WHAT: apply the series to the pristine copies of the files it
# touches in DIR; WHAT names the source they came from, for the error.
vp_apply_series()
{
	local p

	while read -r p; do
		patch -d "$1" -p1 -N -s --no-backup-if-mismatch <"$p" ||
			vp_die "patch ${p#"$VP_TOP"/} does not apply to $2"
	done < <(vp_series_patches)
}

# The arm64 guests run on QEMU 10.0 from bookworm-backports, fetched and unpacked into
# the cache by deps.sh (never installed): its TCG faults a misaligned access to Device
# memory as hardware does, where bookworm's QEMU 7.2 lets it through.
VP_QEMU_SUITE=bookworm-backports
VP_QEMU_MAJOR=10
VP_QEMU_DIR=$VP_CACHE/qemu-$VP_QEMU_SUITE
VP_QEMU_ROOT=$VP_QEMU_DIR/root

# The arm64 guest's own VFIO clients for vfio_platform_qemu_test, arm64 builds fetched
# by deps.sh arm64 and unpacked (usr-merged) in the cache: QEMU 7.2 and dtc from
# bookworm with their libraries in VP_CLIENT_ROOT, QEMU 10.0 in VP_CLIENT_QEMU10.
# vm-run.sh shows the tree to the guest and links the loader, the libraries, QEMU 7.2
# and dtc where a Debian system has them.
VP_CLIENT_SUITE=bookworm
VP_CLIENT_DIR=$VP_CACHE/clients-arm64
VP_CLIENT_ROOT=$VP_CLIENT_DIR/root
VP_CLIENT_QEMU10=$VP_CLIENT_ROOT/opt/qemu10
VP_CLIENT_LOADER=ld-linux-aarch64.so.1

# The Debian-kernel lanes boot Debian's own kernel build of the linux-source-6.12 we
# build from (linux-image-ABI-ARCH-unsigned, ABI 6.12.N+deb12, ARCH amd64 or arm64),
# with our modules built out of tree for it by DKMS. deps.sh fetches the image, its
# headers and the host's kbuild, busybox-static and dkms with apt-get download and
# unpacks them in VP_DEBIAN_DIR/RELEASE/root (never installed); vp_debian_setup names
# them.
VP_DEBIAN_DIR=$VP_CACHE/debian-kernel

# vp_debian_setup [ARCH]: set VP_DEBIAN_VERSION (the packages' version, linux-source-6.12's),
# VP_DEBIAN_ABI, VP_DEBIAN_ARCH (Debian's name of ARCH: amd64 for x86_64, the default),
# VP_DEBIAN_RELEASE (the kernel's release), VP_DEBIAN_ROOT (where they are unpacked)
# and VP_DEBIAN_HEADERS (its build directory).
vp_debian_setup()
{
	local up

	case ${1:-x86_64} in
	x86_64|amd64) VP_DEBIAN_ARCH=amd64 ;;
	arm64|aarch64) VP_DEBIAN_ARCH=arm64 ;;
	*) vp_die "no Debian kernel for ${1:-}" ;;
	esac
	VP_DEBIAN_VERSION=$(dpkg-query -W -f='${Version}' "$VP_SRC_PKG" 2>/dev/null) ||
		vp_die "$VP_SRC_PKG is not installed (run: make deps)"
	up=${VP_DEBIAN_VERSION%%-*}
	VP_DEBIAN_ABI=$up+deb${VP_DEBIAN_VERSION##*deb}
	VP_DEBIAN_ABI=${VP_DEBIAN_ABI%%u*}
	VP_DEBIAN_RELEASE=$VP_DEBIAN_ABI-$VP_DEBIAN_ARCH
	VP_DEBIAN_ROOT=$VP_DEBIAN_DIR/$VP_DEBIAN_RELEASE/root
	VP_DEBIAN_HEADERS=$VP_DEBIAN_ROOT/usr/src/linux-headers-$VP_DEBIAN_RELEASE
}

# Fixed build identity, so that ccache hits across clones and rebuilds.
export KBUILD_BUILD_TIMESTAMP='2026-01-01 00:00:00'
export KBUILD_BUILD_USER=vfio-platform
export KBUILD_BUILD_HOST=build
export CCACHE_BASEDIR=$VP_TOP
export CCACHE_NOHASHDIR=true

vp_log()
{
	printf '==> %s\n' "$*" >&2
}

vp_die()
{
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# The kernel flavour: "test" (the debug checkers of configs/debug.config, in
# build/<arch>), "perf" (the same kernel without them, as users run it, in
# build/<arch>-perf), which only the benchmark boots, or "compat" (the test kernel
# with iommufd's compat container serving /dev/vfio/vfio instead of type1, in
# build/<arch>-compat: configs/compat.config), or "debian" (Debian's own kernel with
# our modules built for it by DKMS, laid out by debian-kernel.sh in
# build/<arch>-debian).
VP_FLAVOUR=${VP_FLAVOUR:-test}

# vp_arch_setup ARCH: set VP_ARCH, VP_KARCH, VP_OBJ, VP_CROSS and VP_IMAGE for an architecture.
vp_arch_setup()
{
	VP_ARCH=$1
	case $VP_ARCH in
	x86_64|x86)
		VP_ARCH=x86_64
		VP_KARCH=x86_64
		VP_CROSS=
		VP_IMAGE=arch/x86/boot/bzImage
		;;
	arm64|aarch64)
		VP_ARCH=arm64
		VP_KARCH=arm64
		VP_CROSS=aarch64-linux-gnu-
		VP_IMAGE=arch/arm64/boot/Image
		;;
	*)
		vp_die "unsupported ARCH '$1' (x86_64 or arm64)"
		;;
	esac
	case $VP_FLAVOUR in
	test)	VP_OBJ=$VP_BUILD/$VP_ARCH ;;
	perf)	VP_OBJ=$VP_BUILD/$VP_ARCH-perf ;;
	compat)	VP_OBJ=$VP_BUILD/$VP_ARCH-compat ;;
	debian)
		VP_OBJ=$VP_BUILD/$VP_ARCH-debian
		VP_IMAGE=vmlinuz
		;;
	*)	vp_die "unknown kernel flavour VP_FLAVOUR=$VP_FLAVOUR (test, perf, compat or debian)" ;;
	esac
}

# vp_qemu_backport: check that deps.sh unpacked the backported QEMU, set VP_QEMU_AARCH64
# to its qemu-system-aarch64 and VP_QEMU_DATA to its firmware directory, and export
# QEMU_MODULE_DIR: it must load its own modules, never the installed QEMU's.
vp_qemu_backport()
{
	local moddir

	VP_QEMU_AARCH64=$VP_QEMU_ROOT/usr/bin/qemu-system-aarch64
	VP_QEMU_DATA=$VP_QEMU_ROOT/usr/share/qemu
	[ -x "$VP_QEMU_AARCH64" ] ||
		vp_die "no QEMU $VP_QEMU_MAJOR from $VP_QEMU_SUITE in $VP_QEMU_DIR: run deps.sh arm64"
	for moddir in "$VP_QEMU_ROOT"/usr/lib/*/qemu; do
		[ -d "$moddir" ] && export QEMU_MODULE_DIR=$moddir
	done
}

# vp_kmake ARGS...: run kbuild on the prepared tree for the current architecture.
# Builds into one object directory are serialised: two makes in one tree corrupt it.
vp_kmake()
{
	local cc=${VP_CROSS}gcc

	if command -v ccache >/dev/null 2>&1; then
		cc="ccache $cc"
	fi
	mkdir -p "$VP_OBJ"
	flock "$VP_OBJ/.vp-lock" \
		make -C "$VP_TREE" O="$VP_OBJ" ARCH="$VP_KARCH" CROSS_COMPILE="$VP_CROSS" \
		CC="$cc" -j"$VP_JOBS" -s "$@"
}

# vp_result LANE PASSED FAILED SKIPPED: record a lane's counts for the final summary.
vp_result()
{
	mkdir -p "$VP_BUILD/results"
	printf '%s %s %s\n' "$2" "$3" "$4" >"$VP_BUILD/results/$1"
}
