#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the driver set out of tree, against an installed Linux 6.12 kernel's headers:
#
#   modules.sh [KDIR]            build into build/modules/RELEASE/src
#   modules.sh --list [KDIR]     print the modules that kernel gets, "NAME DIR" a line
#   modules.sh --install [KDIR]  install that build in KDIR's updates/vfio-platform
#   modules.sh --clean [KDIR]    remove that build
#
# KDIR defaults to /lib/modules/$(uname -r)/build. The choice of modules is the
# top-level Kconfig's, read after that kernel's own options, declared as fixed
# values: every module whose dependencies the kernel meets is built, and the
# others are named with the dependency they lack. VP_MODULES_CONFIG may name a
# kconfig fragment ("# CONFIG_VFIO_PLATFORM_SIM is not set") to leave some out.
#
# Our sources come from the repository. The upstream files the series patches
# (vfio_iommu_type1.c and the headers it and we need) come from the matching
# linux-source-6.12, patched here: nothing of upstream is kept in the repository.
# They are always taken from the package's tarball, never from the cache the
# in-tree build extracts to: DKMS builds as root, and a world-writable /var/tmp
# must not be able to put code into a kernel module.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

mode=build
case ${1:-} in
--list) mode=list; shift ;;
--install) mode=install; shift ;;
--clean) mode=clean; shift ;;
-*) vp_die "usage: modules.sh [--list|--install|--clean] [KDIR]" ;;
esac
kdir=${1:-/lib/modules/$(uname -r)/build}

if [ ! -f "$kdir/Makefile" ] || [ ! -f "$kdir/.config" ]; then
	vp_die "no kernel headers in $kdir (on Debian: apt install linux-headers-$(uname -r))"
fi
kdir=$(cd "$kdir" && pwd)
release=$(cat "$kdir/include/config/kernel.release" 2>/dev/null) ||
	vp_die "$kdir has no include/config/kernel.release: not a prepared kernel build"
case $release in
6.12.*) ;;
*) vp_die "vfio-platform is for Linux 6.12; $kdir is Linux $release" ;;
esac
if grep -qw iommu_group_msi_verdict "$kdir/Module.symvers" 2>/dev/null; then
	vp_die "$release already carries the driver set's patches: build it in tree (make kernel)"
fi

out=$VP_BUILD/modules/$release
src=$out/src
# Listing writes nothing where the build goes: dkms.conf lists at every read.
if [ "$mode" = list ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi

if [ "$mode" = clean ]; then
	rm -rf "$out"
	exit 0
fi
if [ "$mode" = install ]; then
	[ -f "$src/modules.order" ] || vp_die "nothing built for Linux $release: make modules first"
	make -C "$kdir" M="$src" INSTALL_MOD_DIR=updates/vfio-platform modules_install
	exit
fi
vp_check_series

# Kconfig: the kernel's options, then ours ----------------------------------------

# Our options, in the order the top-level Kconfig gives them.
mapfile -t ours < <(sed -n 's/^config \([A-Z0-9_]*\)$/\1/p' "$VP_TOP/Kconfig")

is_ours()
{
	local s

	for s in "${ours[@]}"; do
		[ "$s" = "$1" ] && return 0
	done
	return 1
}

# load_config FILE ARRAY: ARRAY[SYM] = y or m for each option FILE sets so.
load_config()
{
	local -n cfg=$2
	local sym v

	cfg=()
	while IFS='=' read -r sym v; do
		# shellcheck disable=SC2034 # cfg names the caller's array
		cfg[${sym#CONFIG_}]=$v
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=[ym]$' "$1")
}

declare -A kernel_cfg=() our_cfg=()
load_config "$kdir/.config" kernel_cfg

# kernel_value SYM, config_value SYM: y, m or n, in the installed kernel and in
# the configuration of our build.
kernel_value()
{
	echo "${kernel_cfg[$1]:-n}"
}

config_value()
{
	echo "${our_cfg[$1]:-n}"
}

# The lines of our option SYM's "depends on" and "select" clauses.
option_clauses()
{
	awk -v sym="$1" -v what="$2" '
		/^config / { cur = $2; next }
		/^(menu|endmenu|comment)/ { cur = "" }
		cur == sym && $1 == what { sub(/^[ \t]*[a-z]+( on)?[ \t]+/, ""); print }
	' "$VP_TOP/Kconfig"
}

# with_values EXPR: EXPR with each option's value after it, as menuconfig shows them.
with_values()
{
	local expr=$1 word v res=

	while [[ $expr =~ ^([^A-Z0-9_]*)([A-Z0-9_]+)(.*)$ ]]; do
		res+=${BASH_REMATCH[1]}
		word=${BASH_REMATCH[2]}
		expr=${BASH_REMATCH[3]}
		case $word in
		y|m|n) v= ;;
		*) v=$(config_value "$word") ;;
		esac
		res+="$word${v:+ [=$v]}"
	done
	echo "$res$expr"
}

kconfig()
{
	local conf sym wrapper=$out/Kconfig.kernel

	conf=$kdir/scripts/kconfig/conf
	[ -x "$conf" ] || vp_die "$kdir has no scripts/kconfig/conf"
	mkdir -p "$out"
	{
		echo "mainmenu \"vfio-platform for Linux $release\""
		echo
		echo "config VFIO_PLATFORM_OUT_OF_TREE"
		echo "	def_bool y"
		echo
		echo "# What makes a tristate option m rather than y."
		echo "config MODULES"
		echo "	def_bool y"
		echo "	modules"
		echo
		echo "# Linux $release as it was built: fixed, not choices."
		for sym in "${!kernel_cfg[@]}"; do
			[ "$sym" = MODULES ] || is_ours "$sym" ||
				printf 'config %s\n\tdef_tristate %s\n' "$sym" "${kernel_cfg[$sym]}"
		done
		echo
		echo "# What we select and the kernel does not set: a select raises it,"
		echo "# which check_selects reports."
		for sym in "${ours[@]}"; do
			option_clauses "$sym" select
		done | sort -u | while read -r sym; do
			[ -n "${kernel_cfg[$sym]:-}" ] ||
				printf 'config %s\n\ttristate\n' "$sym"
		done
		echo
		echo 'source "Kconfig"'
	} >"$wrapper.new"
	mv "$wrapper.new" "$wrapper"

	rm -f "$out/.config"
	# An empty KCONFIG_ALLCONFIG asks for allmod.config: set it only when given.
	# conf also writes include/config/ where it runs: in $out.
	(cd "$out" && env srctree="$VP_TOP" KCONFIG_CONFIG="$out/.config" \
		${VP_MODULES_CONFIG:+KCONFIG_ALLCONFIG="$(realpath "$VP_MODULES_CONFIG")"} \
		"$conf" -s --allmodconfig "$wrapper") >"$out/kconfig.log" 2>&1 || {
		cat "$out/kconfig.log" >&2
		vp_die "kconfig failed on the top-level Kconfig"
	}
	load_config "$out/.config" our_cfg
}

# Every kernel option our choices changed is one the kernel lacks: a select of ours
# cannot build it into an installed kernel.
check_selects()
{
	local sym bad=0 by

	for sym in "${!our_cfg[@]}"; do
		[ "${our_cfg[$sym]}" = "${kernel_cfg[$sym]:-n}" ] && continue
		is_ours "$sym" && continue
		for by in "${ours[@]}"; do
			[ "$(config_value "$by")" != n ] || continue
			option_clauses "$by" select | grep -qx "$sym" || continue
			echo "error: $by needs CONFIG_$sym, which Linux $release does not have" >&2
			bad=1
		done
	done
	[ $bad -eq 0 ] || exit 1
}

# The options with a prompt that the kernel cannot have, with the reason.
report_unbuilt()
{
	local sym dep

	for sym in "${ours[@]}"; do
		awk -v sym="$sym" '
			/^config / { cur = $2; next }
			cur == sym && $1 == "tristate" && NF > 1 { found = 1 }
			END { exit !found }' "$VP_TOP/Kconfig" || continue
		[ "$(config_value "$sym")" = n ] || continue
		dep=$(option_clauses "$sym" depends | awk '{ printf "%s%s", (NR > 1 ? " && " : ""), (/\|\|/ ? "(" $0 ")" : $0) }')
		if [ -n "$dep" ]; then
			vp_log "not built: $sym, which depends on $(with_values "$dep")"
		else
			vp_log "not built: $sym (left out by ${VP_MODULES_CONFIG:-the configuration})"
		fi
	done
}

# A module of ours the kernel has built in cannot be replaced by a module.
for sym in "${ours[@]}"; do
	[ "$(kernel_value "$sym")" != y ] ||
		vp_die "Linux $release has CONFIG_$sym built in: a module cannot replace it"
done
kconfig
check_selects
[ "$(config_value VFIO_PLATFORM)" = m ] || {
	report_unbuilt
	vp_die "Linux $release cannot have vfio-platform (see above)"
}

# The modules the configuration builds, "NAME DIR" with DIR where kbuild leaves
# NAME.ko relative to the repository, from our Makefiles' obj- lines.
built_modules()
{
	local sym mk dir

	for sym in "${ours[@]}"; do
		[ "$(config_value "$sym")" = m ] || continue
		for mk in "$VP_TOP"/drivers/vfio/platform/Makefile \
			"$VP_TOP"/drivers/vfio/platform/*/Makefile \
			"$VP_SCRIPTS/modules/type1.Kbuild"; do
			case $mk in
			*/type1.Kbuild) dir=type1 ;;
			*) dir=$(dirname "${mk#"$VP_TOP"/drivers/vfio/}") ;;
			esac
			sed -nE "s|^obj-\\\$\(CONFIG_$sym\) \+= ([^/]+)\.o$|\1 ${src#"$VP_TOP"/}/$dir|p" "$mk"
		done
	done | sort -u
}

if [ "$mode" = list ]; then
	built_modules
	exit 0
fi

# The source tree kbuild builds: ours, and the patched upstream files -------------

# The version of a kernel source: 6.12.N.
source_version()
{
	awk '$1 == "VERSION" { v = $3 } $1 == "PATCHLEVEL" { p = $3 }
	     $1 == "SUBLEVEL" { s = $3 } END { print v "." p "." s }' "$1"
}

# Pristine copies of the files the series touches, in $1, from the tarball of
# linux-source-6.12 (only those members: the package is root's, the extraction is
# ours).
pristine_files()
{
	local dest=$1 patches=() files=()

	mapfile -t patches < <(vp_series_patches)
	mapfile -t files < <(vp_patched_files "${patches[@]}")
	[ -f "$VP_SRC_TARBALL" ] ||
		vp_die "$VP_SRC_TARBALL missing: install $VP_SRC_PKG (the source of $release)"
	vp_log "extracting the ${#files[@]} files the series patches from $VP_SRC_TARBALL"
	tar -xJf "$VP_SRC_TARBALL" -C "$dest" --strip-components=1 \
		"${files[@]/#/linux-source-6.12/}" linux-source-6.12/Makefile ||
		vp_die "cannot extract the files the series patches from $VP_SRC_TARBALL"
}

stage()
{
	local up=$out/upstream have

	rm -rf "$up" "$src.new"
	mkdir -p "$up" "$src.new"
	pristine_files "$up"
	have=$(source_version "$up/Makefile")
	case $release in
	"$have"|"$have"[+-]*) ;;
	*) vp_die "$VP_SRC_PKG is Linux $have, $kdir is $release: they must match" ;;
	esac
	vp_apply_series "$up" "$VP_SRC_PKG $have"

	# Ours, as in the tree; kbuild's object files stay out of the repository.
	cp -a "$VP_TOP/drivers/vfio/platform" "$src.new/platform"
	mkdir -p "$src.new/include/linux" "$src.new/include/uapi/linux" "$src.new/type1"
	cp "$VP_TOP"/include/linux/vfio_platform*.h "$src.new/include/linux/"
	# The uAPI and IOMMU API as the series changes them; the patches only add, so
	# the kernel's structures are unchanged.
	cp "$up/include/uapi/linux/vfio.h" "$src.new/include/uapi/linux/"
	cp "$up/include/linux/iommu.h" "$src.new/include/linux/"
	# vfio_iommu_type1 with the MSI rule in it: one module, as the kernel's is.
	# DKMS replaces a module of the kernel only with a newer version: ours is the
	# kernel's version and one more level.
	sed 's/^\(#define DRIVER_VERSION[[:space:]]*"[0-9.]*\)"$/\1.1"/' \
		"$up/drivers/vfio/vfio_iommu_type1.c" >"$src.new/type1/type1.c"
	grep -q '^#define DRIVER_VERSION[[:space:]]*"[0-9.]*\.1"$' "$src.new/type1/type1.c" ||
		vp_die "no DRIVER_VERSION in vfio_iommu_type1.c to mark as ours"
	cp "$up/drivers/vfio/vfio.h" "$up/drivers/iommu/iommu-priv.h" "$src.new/type1/"
	cp "$VP_TOP/drivers/iommu/iommu-msi.c" "$VP_TOP/drivers/iommu/iommu-msi-kunit.c" \
		"$VP_TOP/drivers/vfio/vfio_iommu_type1_kunit.c" "$src.new/type1/"
	cp "$VP_SCRIPTS/modules/Kbuild" "$src.new/Kbuild"
	cp "$VP_SCRIPTS/modules/type1.Kbuild" "$src.new/type1/Kbuild"

	# Our options' values, for the Makefiles (on kbuild's command line) and for C.
	local sym
	# The kernel's autoconf.h may name some of them (upstream's vfio-platform):
	# ours replace its values.
	for sym in "${ours[@]}"; do
		echo "#undef CONFIG_$sym"
		echo "#undef CONFIG_${sym}_MODULE"
		case $(config_value "$sym") in
		y) echo "#define CONFIG_$sym 1" ;;
		m) echo "#define CONFIG_${sym}_MODULE 1" ;;
		esac
	done >"$src.new/vp-config.h"

	# Rebuild only what changed: keep the old tree's objects where sources match.
	if [ -d "$src" ] && diff -r -q -x '*.o' -x '*.ko' -x '.*' -x '*.mod*' \
		-x 'modules.order' -x 'Module.symvers' "$src.new" "$src" >/dev/null 2>&1; then
		rm -rf "$src.new"
	else
		rm -rf "$src"
		mv "$src.new" "$src"
	fi
}

stage
report_unbuilt

# Every option of ours on the command line, those left out empty: the kernel's
# auto.conf, which kbuild reads, may set some (upstream's vfio-platform).
args=()
for sym in "${ours[@]}"; do
	v=$(config_value "$sym")
	[ "$v" = n ] && v=
	args+=("CONFIG_$sym=$v")
done

vp_log "building for Linux $release against $kdir"
make -C "$kdir" M="$src" VP_SRC="$src" "${args[@]}" -j"$VP_JOBS" modules
mods=()
while read -r m dir; do
	[ -f "$VP_TOP/$dir/$m.ko" ] || vp_die "$dir/$m.ko was not built"
	mods+=("$m")
done < <(built_modules)
vp_log "built for Linux $release: ${mods[*]} (in ${src#"$VP_TOP"/})"
