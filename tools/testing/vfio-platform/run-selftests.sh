#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the VM selftest lane: load the modules under test, then run kselftest
# harness programs and let their TAP output through.
#
#   run-selftests.sh DIR [PROGRAM [HARNESS ARGS...]]
#
# Without PROGRAM every executable in DIR runs; with it, only that one, with the given
# harness arguments (e.g. -r fixture.test). After each program a line
# "# vp-exit: PROGRAM STATUS" lets the host tell a crash from a clean run.

set -u

dir=$1
shift

# vfio_platform_bind_tool_test runs the bind tool from the checkout.
top=$(cd "$(dirname "$0")/../../.." && pwd)
export VFIO_PLATFORM_BIND=${VFIO_PLATFORM_BIND:-$top/tools/vfio/vfio-platform-bind}

# The modules every test needs; a failure to load one fails the lane.
required=(vfio vfio_iommu_type1 iommufd vfio-platform vfio-platform-sim)

modprobe -a "${required[@]}" || {
	echo "# vp-error: cannot load ${required[*]}"
	exit 1
}

run_one()
{
	local prog=$1 status

	shift
	echo "# vp-run: $prog"
	timeout --kill-after=10 1200 "$dir/$prog" "$@"
	status=$?
	echo "# vp-exit: $prog $status"
}

if [ $# -gt 0 ]; then
	run_one "$@"
else
	for p in "$dir"/*; do
		[ -f "$p" ] && [ -x "$p" ] && run_one "${p##*/}"
	done
fi
exit 0
