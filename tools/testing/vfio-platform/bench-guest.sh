#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make bench` (bench.sh): load both driver sets, run the benchmark
# program, unload upstream's.
#
#   bench-guest.sh PROGRAM UPSTREAM_DIR [BENCHMARK ARGS...]
#
# Our modules load with modprobe from the kernel's modroot; upstream 6.12's
# vfio-platform, renamed by upstream-modules.sh, loads with insmod from UPSTREAM_DIR
# (upstream-vfio-platform-base.ko, then upstream-vfio-platform.ko with
# reset_required=0), seen over 9p at its host path. The program's stdout passes
# through as it is; its stderr gets a "# stderr: " prefix, so that bench.sh keeps it
# out of the results. Every line of our own starts with "#":
#
#   # vp-bench-run: PROGRAM ARGS...    before the program starts
#   # vp-error: MESSAGE                a module that would not load or unload
#   # vp-bench-exit: STATUS            last: the program's status, or 1 when the
#                                      modules could not be loaded or unloaded

set -euo pipefail

[ $# -ge 2 ] || {
	echo "# vp-error: usage: bench-guest.sh PROGRAM UPSTREAM_DIR [ARGS...]"
	echo "# vp-bench-exit: 2"
	exit 2
}
prog=$1
updir=$2
shift 2

# finish STATUS: the marker bench.sh looks for, then exit.
finish()
{
	echo "# vp-bench-exit: $1"
	exit "$1"
}

ours=(vfio vfio_iommu_type1 iommufd vfio-platform vfio-platform-sim)
upstream=(upstream-vfio-platform-base upstream-vfio-platform)

modprobe -a "${ours[@]}" || {
	echo "# vp-error: cannot load ${ours[*]}"
	finish 1
}
insmod "$updir/${upstream[0]}.ko" || {
	echo "# vp-error: cannot load $updir/${upstream[0]}.ko"
	finish 1
}
insmod "$updir/${upstream[1]}.ko" reset_required=0 || {
	echo "# vp-error: cannot load $updir/${upstream[1]}.ko"
	rmmod "${upstream[0]//-/_}"
	finish 1
}

# Only emergencies on the serial console: upstream warns there at every open
# and close without a reset function, and a console write under TCG costs more
# than the open it reports.
dmesg -n 1

echo "# vp-bench-run: ${prog##*/} $*"
# The program's stderr through a prefix, its stdout (fd 3) straight out.
set +e
{
	"$prog" "$@" 2>&1 >&3 3>&- | while IFS= read -r line; do
		printf '# stderr: %s\n' "$line"
	done
	status=${PIPESTATUS[0]}
} 3>&1
set -e

# Unloading unbinds whatever the program left bound to upstream's driver; a module
# that cannot go is held by a reference something leaked.
if ! rmmod "${upstream[1]//-/_}" "${upstream[0]//-/_}"; then
	echo "# vp-error: cannot unload ${upstream[*]}"
	[ "$status" -ne 0 ] || status=1
fi
finish "$status"
