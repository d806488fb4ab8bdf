#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The KUnit lane: tools/testing/kunit/kunit.py run --arch=x86_64 (under QEMU, TCG) with
# every .kunitconfig of ours merged, built in build/kunit.
#
#   kunit.sh [KUNIT.PY RUN ARGS...]     e.g. kunit.sh 'vfio_platform_offset.*'
#
# Extra arguments go to `kunit.py run` (a suite glob filters the tests to run).

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

log=$VP_BUILD/results/kunit.log
mkdir -p "$VP_BUILD/results"

mapfile -t configs < <(bash "$VP_SCRIPTS/prepare-tree.sh" --list-overlay | grep -E '(^|/)\.kunitconfig$')
[ ${#configs[@]} -gt 0 ] || vp_die "no .kunitconfig in the repository"
args=()
for c in "${configs[@]}"; do
	args+=(--kunitconfig="$c")
done

cc=gcc
command -v ccache >/dev/null 2>&1 && cc="ccache gcc"

vp_log "KUnit: ${configs[*]}"
status=0
(cd "$VP_TREE" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--build_dir="$VP_BUILD/kunit" --jobs="$VP_JOBS" --timeout=900 \
	--make_options "CC=$cc" "${args[@]}" "$@") 2>&1 | tee "$log" || status=$?

# "Testing complete. Ran 12 tests: passed: 11, failed: 1, skipped: ..."
line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep 'Testing complete\. Ran' | tail -n1 || true)
field()
{
	sed -n "s/.*[ ,]$1: \([0-9][0-9]*\).*/\1/p" <<<"$line" | grep . || echo 0
}
pass=$(field passed)
fail=$(($(field failed) + $(field crashed) + $(field errors)))
skip=$(field skipped)
if [ -z "$line" ]; then
	echo "kunit: kunit.py did not complete a run"
	fail=$((fail + 1))
elif [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "kunit: kunit.py failed (status $status)"
	fail=1
fi
echo "kunit: $pass passed, $fail failed, $skip skipped"
vp_result kunit "$pass" "$fail" "$skip"
[ "$fail" -eq 0 ]
