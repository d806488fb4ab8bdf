#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare build/linux: Debian's pristine Linux 6.12 source, the patch series in
# patches/ applied, and the repository's own files laid over it.
#
# The pristine source is extracted once per package version. After that the tree is
# brought up to date file by file: a file is only rewritten when its content changes,
# so kbuild rebuilds exactly what changed.
#
# Rules enforced here:
#  - a file of ours must not exist upstream (change upstream files with a patch);
#  - drivers/vfio/platform is ours entirely: upstream's copy is removed.
#
#   prepare-tree.sh                 prepare or update build/linux
#   prepare-tree.sh --list-overlay  print our files (relative to the repository)
#   prepare-tree.sh --list-patches  print the series' patch files, in order

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Directories of the repository that mirror the kernel tree.
overlay_roots=(arch drivers include kernel lib samples scripts tools Documentation)
# Directories that replace upstream's entirely.
replaced_dirs=(drivers/vfio/platform)
# Files of the repository's top that the tree holds elsewhere: the driver set's
# Kconfig is drivers/vfio/platform/Kconfig, which drivers/vfio/Kconfig sources
# (the tree's own top Kconfig stays upstream's).
declare -A relocated=([Kconfig]=drivers/vfio/platform/Kconfig)

ver=$(dpkg-query -W -f='${Version}' "$VP_SRC_PKG" 2>/dev/null) ||
	vp_die "$VP_SRC_PKG is not installed (run: make deps)"
pristine=$VP_CACHE/linux-$ver

extract_pristine()
{
	local tmp

	[ -f "$pristine/Makefile" ] && return
	[ -f "$VP_SRC_TARBALL" ] || vp_die "$VP_SRC_TARBALL missing (reinstall $VP_SRC_PKG)"
	vp_log "extracting pristine $VP_SRC_PKG $ver into $pristine (once per version)"
	mkdir -p "$VP_CACHE"
	tmp=$(mktemp -d "$VP_CACHE/.extract.XXXXXX")
	tar -xJf "$VP_SRC_TARBALL" -C "$tmp" --strip-components=1
	rm -rf "$pristine"
	mv "$tmp" "$pristine"
}

# copy_if_changed SRC DST: rewrite DST only when its content differs.
copy_if_changed()
{
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
		chmod --reference="$1" "$2"
	fi
}

apply_series()
{
	local stage patches=() old=() new=() f

	mapfile -t patches < <(vp_series_patches)
	[ -f "$VP_TREE/.vp-patched" ] && mapfile -t old < <(grep . "$VP_TREE/.vp-patched")
	if [ ${#patches[@]} -gt 0 ]; then
		mapfile -t new < <(vp_patched_files "${patches[@]}")
	fi

	# Apply the series to copies of the pristine files, then carry over only what differs.
	stage=$(mktemp -d)
	for f in "${old[@]}" "${new[@]}"; do
		if [ -f "$pristine/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp "$pristine/$f" "$stage/$f"
		fi
	done
	# A subshell, so that a patch that does not apply still removes the stage.
	(vp_apply_series "$stage" "$VP_SRC_PKG $ver") || { rm -rf "$stage"; exit 1; }
	for f in "${old[@]}" "${new[@]}"; do
		if [ -f "$stage/$f" ]; then
			copy_if_changed "$stage/$f" "$VP_TREE/$f"
		else
			rm -f "$VP_TREE/$f"
		fi
	done
	rm -rf "$stage"
	printf '%s\n' "${new[@]}" | grep . >"$VP_TREE/.vp-patched" || true
	vp_log "series: ${#patches[@]} patch(es) applied"
}

# Our files below the overlay roots, relative to the repository.
overlay_files()
{
	local roots=() r

	for r in "${overlay_roots[@]}"; do
		[ -d "$VP_TOP/$r" ] && roots+=("$r")
	done
	for r in "${!relocated[@]}"; do
		[ -f "$VP_TOP/$r" ] && roots+=("$r")
	done
	[ ${#roots[@]} -gt 0 ] || return 0
	if git -C "$VP_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$VP_TOP" ls-files -co --exclude-standard -- "${roots[@]}" |
			while read -r f; do [ -f "$VP_TOP/$f" ] && echo "$f"; done
	else
		(cd "$VP_TOP" && find "${roots[@]}" -type f)
	fi | sort -u
}

# The path in the tree of our file $1 (relative to the repository).
tree_path()
{
	echo "${relocated[$1]:-$1}"
}

in_replaced_dir()
{
	local d

	for d in "${replaced_dirs[@]}"; do
		case $1 in "$d"/*) return 0 ;; esac
	done
	return 1
}

overlay()
{
	local files=() dests=() old=() f d bad=0

	mapfile -t files < <(overlay_files)
	for f in "${files[@]}"; do
		d=$(tree_path "$f")
		dests+=("$d")
		if [ -e "$pristine/$d" ] && ! in_replaced_dir "$d"; then
			echo "error: $d exists upstream; change it with a patch in patches/, not a copy" >&2
			bad=1
		fi
		if grep -qxF "$d" "$VP_TREE/.vp-patched" 2>/dev/null; then
			echo "error: $d is both patched by the series and overlaid" >&2
			bad=1
		fi
	done
	[ $bad -eq 0 ] || exit 1

	for f in "${files[@]}"; do
		copy_if_changed "$VP_TOP/$f" "$VP_TREE/$(tree_path "$f")"
	done

	# A lookup table, not a pipe into grep -q: with pipefail, grep's early
	# exit can fail the pipe (SIGPIPE) and remove a file we carry.
	local -A ours=()
	for f in "${dests[@]}"; do
		ours[$f]=1
	done

	# Files we used to carry and no longer do.
	[ -f "$VP_TREE/.vp-overlay" ] && mapfile -t old < <(grep . "$VP_TREE/.vp-overlay")
	for f in "${old[@]}"; do
		[ -n "${ours[$f]:-}" ] || rm -f "$VP_TREE/$f"
	done

	# Replaced directories hold exactly our files.
	for d in "${replaced_dirs[@]}"; do
		[ -d "$VP_TREE/$d" ] || continue
		while read -r f; do
			[ -n "${ours[$f]:-}" ] || rm -f "$VP_TREE/$f"
		done < <(cd "$VP_TREE" && find "$d" -type f)
		find "$VP_TREE/$d" -depth -type d -empty -delete
	done
	printf '%s\n' "${dests[@]}" >"$VP_TREE/.vp-overlay"
}

case ${1:-} in
--list-overlay) overlay_files; exit ;;
--list-patches) vp_series_patches; exit ;;
"") ;;
*) vp_die "usage: prepare-tree.sh [--list-overlay|--list-patches]" ;;
esac

vp_check_series
extract_pristine
if [ ! -f "$VP_TREE/.vp-base" ] || [ "$(cat "$VP_TREE/.vp-base")" != "$ver" ]; then
	vp_log "copying pristine $ver to ${VP_TREE#"$VP_TOP"/}"
	rm -rf "$VP_TREE" "$VP_TREE.tmp"
	mkdir -p "$VP_BUILD"
	cp -a "$pristine" "$VP_TREE.tmp"
	mv "$VP_TREE.tmp" "$VP_TREE"
	echo "$ver" >"$VP_TREE/.vp-base"
fi
apply_series
overlay
vp_log "tree ready: ${VP_TREE#"$VP_TOP"/} ($VP_SRC_PKG $ver)"
