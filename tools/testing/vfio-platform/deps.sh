#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages the build and the tests need, and only those missing.
#
#   deps.sh [x86_64|arm64]
#
# Needs root (or sudo) only when something is missing. Debian 12 (bookworm) with its
# security suite enabled provides every package, linux-source-6.12 included.
#
# arm64 also makes arm64 a dpkg foreign architecture, so that initramfs.sh can fetch
# the guest's busybox-static and bash-static with apt-get download. Those two are not
# installed: their arm64 builds would replace the host's own.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=${1:-x86_64}

packages=(
	"$VP_SRC_PKG" xz-utils
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio rsync dwarves python3
	ccache sparse shellcheck
	qemu-system-x86 qemu-system-data
	qemu-system-arm device-tree-compiler
	acpica-tools
)
case $arch in
arm64|aarch64)
	packages+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
	;;
esac

sudo=
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
fi
updated=0

case $arch in
arm64|aarch64)
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		[ -z "$sudo" ] || command -v sudo >/dev/null ||
			vp_die "arm64 is not a dpkg foreign architecture and not root"
		vp_log "adding arm64 as a dpkg foreign architecture"
		$sudo dpkg --add-architecture arm64
		$sudo apt-get update -qq
		updated=1
	fi
	;;
esac

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ -n "$sudo" ] && ! command -v sudo >/dev/null; then
	vp_die "missing packages (${missing[*]}) and not root"
fi
vp_log "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
[ $updated -eq 1 ] || $sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
vp_log "packages installed"
