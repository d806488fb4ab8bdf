#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the VM selftest lane: load the modules under test, then run kselftest
# harness programs and let their TAP output through.
#
#   run-selftests.sh DIR [PROGRAM [HARNESS ARGS...]]
#   run-selftests.sh DIR --only PROGRAM[,PROGRAM...]
#
# Without PROGRAM every *_test executable in DIR runs (not the benchmark); with it,
# only that one, with the given harness arguments (e.g. -r fixture.test); with --only,
# the programs listed. After each program a line "# vp-exit: PROGRAM STATUS SECONDS s"
# lets the host tell a crash from a clean run, and says how long the program took.

set -u

dir=$1
shift

# vfio_platform_bind_tool_test runs the bind tool from the checkout.
top=$(cd "$(dirname "$0")/../../.." && pwd)
export VFIO_PLATFORM_BIND=${VFIO_PLATFORM_BIND:-$top/tools/vfio/vfio-platform-bind}

# The modules every test needs; a failure to load one fails the lane. A kernel
# whose /dev/vfio/vfio is iommufd's compat container has no type1 to load, and
# Debian's has no iommufd (the lane's manifest expects what then skips).
# (busybox's modinfo, in the arm64 guest, succeeds for a module that is not there:
# modules.dep says.)
required=(vfio vfio-platform vfio-platform-sim)
moddir=/lib/modules/$(uname -r)
for m in iommufd vfio_iommu_type1; do
	if grep -q "/$m\.ko" "$moddir/modules.dep" "$moddir/modules.builtin" 2>/dev/null; then
		required+=("$m")
	fi
done

# The real devices the simulator is to claim (vfio_platform_sim.claim=, vm-run.sh)
# must have no driver when it loads. Debian's arm64 kernel builds rtc-pl031 and
# gpio-pl061 in, and they bound at boot: unbind them now, probe them again below.
claim=
read -ra cmdline </proc/cmdline
for arg in "${cmdline[@]}"; do
	case $arg in
	vfio_platform_sim.claim=*) claim=${arg#*=} ;;
	esac
done
rebind=()
IFS=, read -ra claimed <<<"$claim"
for d in "${claimed[@]}"; do
	for dev in /sys/bus/*/devices/"$d"; do
		[ -e "$dev/driver" ] || continue
		if echo "$d" >"$dev/driver/unbind"; then
			rebind+=("$dev")
		else
			echo "# vp-error: cannot unbind $d from its driver for the simulator"
		fi
	done
done

modprobe -a "${required[@]}" || {
	echo "# vp-error: cannot load ${required[*]}"
	exit 1
}
# Modules built out of tree (the Debian-kernel lane's, by DKMS): which were loaded,
# from where, for which kernel; the lanes' summary shows these lines.
for m in "${required[@]}"; do
	# busybox's modinfo knows a module by its name with underscores only.
	f=$(modinfo -n "${m//-/_}" 2>/dev/null) || continue
	case $f in
	*/updates/*) echo "# module: $m $(modinfo -F vermagic "${m//-/_}" | cut -d' ' -f1) from ${f#/lib/modules/*/}" ;;
	esac
done

for dev in "${rebind[@]}"; do
	echo "${dev##*/}" >"${dev%/devices/*}/drivers_probe" ||
		echo "# vp-error: cannot bind ${dev##*/} again"
done

# On QEMU's arm64 virt machine the simulator has claimed the PL031 and PL061
# (vfio_platform_sim.claim=, vm-run.sh): their host drivers bind only now, behind
# its IOMMU, for vfio_amba_test to move them to vfio-amba and back.
if [ -e /sys/bus/amba/devices/9010000.pl031 ]; then
	modprobe -a rtc-pl031 gpio-pl061 ||
		echo "# vp-error: cannot load rtc-pl031 and gpio-pl061"
fi

run_one()
{
	local prog=$1 status start=$SECONDS

	shift
	echo "# vp-run: $prog"
	# -k, not --kill-after: the arm64 guest's timeout is busybox's. The stress program
	# takes about 11 minutes on a busy machine; VP_PROG_TIMEOUT allows longer runs
	# (make fuzz).
	timeout -k 10 "${VP_PROG_TIMEOUT:-2400}" "$dir/$prog" "$@"
	status=$?
	echo "# vp-exit: $prog $status $((SECONDS - start)) s"
}

if [ "${1:-}" = --only ]; then
	IFS=, read -ra progs <<<"$2"
	for p in "${progs[@]}"; do
		run_one "$p"
	done
elif [ $# -gt 0 ]; then
	run_one "$@"
else
	for p in "$dir"/*_test; do
		[ -f "$p" ] && [ -x "$p" ] && run_one "${p##*/}"
	done
fi
exit 0
