#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static lane: zero findings allowed in our files and patches.
#
#   static-check.sh [--arch ARCH]
#
#  - checkpatch.pl --strict on every C file and header of ours and on every patch;
#  - scripts/kernel-doc -Wall on our kernel sources and headers;
#  - sparse (C=2) and W=1 through kbuild, on every directory holding our kernel
#    sources; a finding counts when it is in one of our files or in a file the series
#    patches;
#  - shellcheck on our scripts and dkms.conf;
#  - each copy of a kernel header in tools/include is the same as the kernel's.
#
# Each tool's verdict on one file is one check, recorded as lane "static" for x86_64 and
# "static-ARCH" for another architecture; `make check` reports them apart from the
# tests. A source the configuration does not build gets no sparse+W=1 verdict. Needs a
# configured tree: run after the kernel build.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
[ "${1:-}" = --arch ] && arch=$2
vp_arch_setup "$arch"
[ -f "$VP_OBJ/.config" ] || vp_die "no configured $VP_ARCH tree: build the kernel first"

pass=0
fail=0
report=$(mktemp)
trap 'rm -f "$report"' EXIT

# verdict TOOL FILE: count one test from the findings in $report.
verdict()
{
	if [ -s "$report" ]; then
		fail=$((fail + 1))
		echo "static: $1: $2: FAILED"
		sed 's/^/    /' "$report"
	else
		pass=$((pass + 1))
		echo "static: $1: $2: ok"
	fi
}

# checkpatch [-f] FILE: its findings, one per line, into $report; all it said if it
# failed without a finding.
checkpatch()
{
	local out status=0

	out=$(perl "$VP_TREE/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		"$@" 2>&1) || status=$?
	grep -E ': (ERROR|WARNING|CHECK):' <<<"$out" >"$report" || true
	if [ $status -ne 0 ] && [ ! -s "$report" ]; then
		printf '%s\n' "$out" >"$report"
	fi
}

cd "$VP_TOP"
mapfile -t ours < <(bash "$VP_SCRIPTS/prepare-tree.sh" --list-overlay)
mapfile -t patches < <(bash "$VP_SCRIPTS/prepare-tree.sh" --list-patches)
mapfile -t patched < <(grep . "$VP_TREE/.vp-patched" 2>/dev/null || true)

for f in "${ours[@]}"; do
	case $f in
	*.c|*.h)
		checkpatch -f "$f"
		verdict checkpatch "$f"
		;;
	esac
	case $f in
	drivers/*.c|drivers/*.h|include/*.h)
		"$VP_TREE/scripts/kernel-doc" -none -Wall "$f" >"$report" 2>&1 || true
		verdict kernel-doc "$f"
		;;
	esac
done

# tools/ reaches kernel headers through copies in tools/include: each must stay
# the same as the kernel's file it copies (the path without "tools/").
for f in "${ours[@]}"; do
	case $f in
	tools/include/*)
		if [ ! -f "${f#tools/}" ]; then
			echo "${f#tools/}: the file this copies does not exist" >"$report"
		else
			diff -u "${f#tools/}" "$f" >"$report" || true
		fi
		verdict same-as-kernel "$f"
		;;
	esac
done

# A Fixes: tag names an upstream commit, and the tree comes from Debian's source
# package, without upstream's history for checkpatch to look the commit up in.
for p in "${patches[@]}"; do
	checkpatch --ignore UNKNOWN_COMMIT_ID "$p"
	verdict checkpatch "${p#"$VP_TOP"/}"
done

# sparse and W=1: rebuild the directories holding our sources and patched sources.
mapfile -t sources < <(printf '%s\n' "${ours[@]}" "${patched[@]}" | grep -E '^drivers/.*\.c$' | sort -u)
if [ ${#sources[@]} -gt 0 ]; then
	mapfile -t dirs < <(printf '%s\n' "${sources[@]}" | xargs -n1 dirname | sort -u | sed 's|$|/|')
	build_log=$(mktemp)
	# Touch nothing: C=2 checks every file of the directories whether or not it is rebuilt.
	if ! vp_kmake C=2 W=1 "${dirs[@]}" >"$build_log" 2>&1; then
		echo "static: the C=2 W=1 build failed:"
		sed 's/^/    /' "$build_log" | tail -n 40
		fail=$((fail + 1))
	fi
	sed -i "s|$VP_TREE/||g" "$build_log"
	for f in "${sources[@]}"; do
		# No verdict on a file this configuration does not build (vfio_amba.c
		# without ARM_AMBA): nothing checked it.
		if [ ! -f "$VP_OBJ/${f%.c}.o" ]; then
			echo "static: sparse+W=1: $f: not built for $VP_ARCH, not checked"
			continue
		fi
		grep -E "^$f:[0-9]+(:[0-9]+)?: (warning|error)" "$build_log" >"$report" || true
		verdict "sparse+W=1" "$f"
	done
	# Headers of ours that the sources include.
	for f in "${ours[@]}"; do
		case $f in
		drivers/*.h|include/*.h)
			grep -E "^$f:[0-9]+(:[0-9]+)?: (warning|error)" "$build_log" >"$report" || true
			verdict "sparse+W=1" "$f"
			;;
		esac
	done
	rm -f "$build_log"
fi

mapfile -t scripts < <(
	for f in "${ours[@]}" .ci/run dkms.conf; do
		case $f in
		*.sh|dkms.conf) echo "$f" ;;
		*) head -n1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
		esac
	done | sort -u)
for f in "${scripts[@]}"; do
	shellcheck "$f" >"$report" 2>&1 || true
	verdict shellcheck "$f"
done

lane=static
[ "$arch" = x86_64 ] || lane=static-$arch
echo "$lane: $((pass + fail)) checks, $fail findings"
vp_result "$lane" "$pass" "$fail" 0
[ "$fail" -eq 0 ]
