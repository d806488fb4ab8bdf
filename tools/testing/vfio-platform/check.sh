#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test lane, each run even when an earlier one fails, then one
# summary line totalling them all, last:
#
#   N passed, M failed[, K skipped]
#
# Lanes: static (checkpatch, kernel-doc, sparse, W=1, shellcheck), kunit (kunit.py on
# x86_64) and vmtests-x86_64 (kselftest programs in the test VM). A lane that cannot run
# (its build fails, it records no result) counts as one failure. The exit status is
# non-zero when anything failed.

set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
results=$VP_BUILD/results
rm -rf "$results"
mkdir -p "$results"

# lane NAME COMMAND...: run one lane, timing it; a lane without a result counts as failed.
lane()
{
	local name=$1 start status

	shift
	start=$SECONDS
	echo
	vp_log "lane $name"
	"$@"
	status=$?
	if [ ! -f "$results/$name" ]; then
		echo "check: lane $name could not run (status $status)"
		vp_result "$name" 0 1 0
	fi
	echo "check: lane $name finished in $((SECONDS - start)) s"
}

build_ok=1
start=$SECONDS
if ! bash "$VP_SCRIPTS/prepare-tree.sh" || ! bash "$VP_SCRIPTS/kbuild.sh" "$arch" ||
   ! bash "$VP_SCRIPTS/selftests.sh" --arch "$arch" build; then
	echo "check: the $arch build failed"
	build_ok=0
fi
echo "check: $arch build finished in $((SECONDS - start)) s"

if [ $build_ok -eq 1 ]; then
	lane static bash "$VP_SCRIPTS/static-check.sh" --arch "$arch"
fi
lane kunit bash "$VP_SCRIPTS/kunit.sh"
if [ $build_ok -eq 1 ]; then
	lane "vmtests-$arch" bash "$VP_SCRIPTS/selftests.sh" --arch "$arch" run
fi

echo
pass=0
fail=0
skip=0
for name in static kunit "vmtests-$arch"; do
	if [ -f "$results/$name" ]; then
		read -r p f s <"$results/$name"
	else
		p=0 f=1 s=0
		echo "check: lane $name did not run"
	fi
	printf 'check: %-16s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
