#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configure and build the test kernel for one architecture in build/<arch>:
#
#   kbuild.sh ARCH [kbuild targets...]
#
# The configuration is allnoconfig plus the fragments in configs/ and the selftests'
# config; it is regenerated only when a fragment changes, and every option a fragment
# asks for is checked to have survived Kconfig's dependency resolution. Without
# targets, the kernel image, the modules, their installation into build/<arch>/modroot
# and the uAPI headers (build/<arch>/usr/include) are built.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

vp_arch_setup "${1:-x86_64}"
shift || true

fragments=(
	"$VP_SCRIPTS/configs/vm.config"
	"$VP_SCRIPTS/configs/debug.config"
	"$VP_SCRIPTS/configs/$VP_ARCH.config"
	"$VP_TOP/tools/testing/selftests/vfio_platform/config"
)
# The compat kernel is the test kernel without type1: iommufd's compat container
# serves /dev/vfio/vfio. The selftests' lines that ask for type1 do not apply.
if [ "$VP_FLAVOUR" = compat ]; then
	mkdir -p "$VP_OBJ"
	grep -Ev 'VFIO_CONTAINER|VFIO_IOMMU_TYPE1' "${fragments[3]}" \
		>"$VP_OBJ/.vp-selftests.config"
	fragments[3]=$VP_OBJ/.vp-selftests.config
	fragments+=("$VP_SCRIPTS/configs/compat.config")
fi
# The performance kernel is the test kernel without the checkers; the KUnit
# suites and fault injection go with them, as they need KUNIT and DEBUG_KERNEL.
if [ "$VP_FLAVOUR" = perf ]; then
	mkdir -p "$VP_OBJ"
	grep -Ev '_KUNIT_TEST=|FAULT_INJECTION|FAILSLAB|FAIL_PAGE_ALLOC' "${fragments[3]}" \
		>"$VP_OBJ/.vp-selftests.config"
	fragments=(
		"${fragments[0]}"
		"${fragments[2]}"
		"$VP_OBJ/.vp-selftests.config"
	)
fi

# Every CONFIG_ line a fragment sets must be in the final .config as asked.
verify_config()
{
	local frag line sym bad=0

	for frag in "${fragments[@]}"; do
		while read -r line; do
			case $line in
			CONFIG_*=*)
				grep -qxF "$line" "$VP_OBJ/.config" && continue
				echo "error: ${frag#"$VP_TOP"/}: $line did not survive Kconfig" >&2
				bad=1
				;;
			"# CONFIG_"*" is not set")
				sym=${line#"# "}
				sym=${sym%% *}
				grep -q "^$sym=" "$VP_OBJ/.config" || continue
				echo "error: ${frag#"$VP_TOP"/}: $sym should be unset" >&2
				bad=1
				;;
			esac
		done <"$frag"
	done
	[ $bad -eq 0 ] || vp_die "kernel configuration is not what the fragments ask for"
}

configure()
{
	local stamp

	stamp=$(cat "${fragments[@]}" "$VP_TREE/.vp-base" | sha256sum | cut -d' ' -f1)
	if [ -f "$VP_OBJ/.config" ] && [ "$(cat "$VP_OBJ/.vp-config" 2>/dev/null)" = "$stamp" ]; then
		return
	fi
	vp_log "configuring $VP_ARCH $VP_FLAVOUR kernel (allnoconfig + ${#fragments[@]} fragments)"
	mkdir -p "$VP_OBJ"
	vp_kmake allnoconfig >/dev/null
	(cd "$VP_OBJ" && KCONFIG_CONFIG=.config \
		"$VP_TREE/scripts/kconfig/merge_config.sh" -m -O . .config "${fragments[@]}" >/dev/null)
	vp_kmake olddefconfig >/dev/null
	verify_config
	echo "$stamp" >"$VP_OBJ/.vp-config"
}

configure
if [ $# -gt 0 ]; then
	vp_kmake "$@"
	exit
fi

vp_log "building $VP_ARCH $VP_FLAVOUR kernel and modules in ${VP_OBJ#"$VP_TOP"/}"
vp_kmake "${VP_IMAGE##*/}" modules
vp_kmake headers
rm -rf "$VP_OBJ/modroot"
vp_kmake modules_install INSTALL_MOD_PATH="$VP_OBJ/modroot" INSTALL_MOD_STRIP=1 >/dev/null
vp_kmake -s kernelrelease >"$VP_OBJ/kernelrelease"
vp_log "kernel $(cat "$VP_OBJ/kernelrelease") ready: ${VP_OBJ#"$VP_TOP"/}/$VP_IMAGE"
