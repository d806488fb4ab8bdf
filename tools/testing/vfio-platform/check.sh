#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test lane, each run even when an earlier one fails, then the
# static lanes' verdicts on a line of their own, and one summary line totalling the
# tests of all the other lanes, last:
#
#   lint: C checks, F findings
#   N passed, M failed[, K skipped]
#
# A finding fails make check as a failed test does, but is not counted as a test.
#
#   check.sh [--arm64]
#
# Lanes: static (checkpatch, kernel-doc, sparse, W=1, shellcheck), kunit (kunit.py on
# x86_64), vmtests-x86_64 (kselftest programs in the test VM, run beside the lanes after
# it and shown when it ends) and after it bench-quick (bench.sh --debug --quick: the
# benchmark runs and prints every figure, never judged on a timing), then the arm64
# lanes: static-arm64 (the static lane on the arm64 build), vmtests-arm64 (every
# program in an arm64 virt VM with a GICv3 and an ITS, including vfio_amba_test on
# QEMU's PL031 and PL061) and vmtests-arm64-gicv2 (on a GICv2, which has no ITS, only
# QEMU's GICv2m frame for PCI: the programs whose results depend on the interrupt
# controller, that is the container, the MSI rule, the device cdev with iommufd,
# interrupts and the PrimeCells). The arm64 lanes run on QEMU 10.0 from
# bookworm-backports (deps.sh), the x86_64 ones on the installed QEMU; the summary
# names each VM lane's QEMU. After bench-quick, in its slot, comes
# vmtests-x86_64-compat: the compat kernel (VP_FLAVOUR=compat: VFIO_CONTAINER=n,
# IOMMUFD_VFIO_CONTAINER=y, built in build/x86_64-compat from the same ccache), where
# iommufd's compat container serves /dev/vfio/vfio, running the programs that test
# each IOMMU mode (EXEC and the MSI rule), then vmtests-x86_64-debian: Debian's own
# kernel with our modules built for it by DKMS; vmtests-arm64-debian, Debian's arm64
# kernel with our modules cross-built by DKMS, ends the arm64 path. --arm64 runs the
# arm64 lanes alone. A lane that cannot run (its build fails, it records no result)
# counts as one failure. The exit status is non-zero when anything failed.

set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
x86=1
if [ "${1:-}" = --arm64 ]; then
	x86=0
fi
results=$VP_BUILD/results
# --arm64 forgets only the results it will make again.
if [ $x86 -eq 1 ]; then
	rm -rf "$results"
else
	for name in static-arm64 vmtests-arm64 vmtests-arm64-gicv2 vmtests-arm64-debian; do
		rm -f "$results/$name" "$results/$name.qemu"
	done
fi
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

# compat_build: the x86_64 compat kernel and its selftests, timed.
compat_build()
{
	local start=$SECONDS status=0

	if ! VP_FLAVOUR=compat bash "$VP_SCRIPTS/kbuild.sh" "$arch" ||
	   ! VP_FLAVOUR=compat bash "$VP_SCRIPTS/selftests.sh" --arch "$arch" build; then
		echo "check: the $arch compat build failed"
		status=1
	fi
	echo "check: $arch compat build finished in $((SECONDS - start)) s"
	return $status
}

# The Debian-kernel lanes: Debian's own kernel, our modules built for it out of tree
# by DKMS from a copy of the checkout (debian-kernel.sh: dkms add, build, install),
# running the programs that need neither our debug checkers (fuzz and stress
# provoke what only KASAN, lockdep and kmemleak would see), fault injection
# (fail-nth), KUnit nor ACPI's configfs. On x86_64 their manifest names what Debian's
# amd64 kernel cannot do (no iommufd, no OF) as expected skips. On arm64, where
# Debian's kernel has OF and AMBA, the lane runs what x86_64 cannot: the bind tool on
# QEMU's PL031 and PL061 (vfio_amba_test) and QEMU as a VFIO client, whose devices
# borrow device-tree nodes the guest's firmware tree holds for them (vm-run.sh; the
# kernel has no OF_DYNAMIC), cross-built by DKMS for Debian's arm64 headers.
debian_programs=vfio_container_test,vfio_platform_sim_test,vfio_platform_device_test
debian_programs+=,vfio_platform_align_test,vfio_platform_irq_test,vfio_platform_dma_test
debian_programs+=,vfio_platform_exec_test,vfio_platform_msi_test,vfio_platform_bind_test
debian_programs+=,vfio_platform_bind_tool_test,vfio_platform_reset_test
debian_programs+=,vfio_platform_vendor_reset_test,vfio_platform_request_test
debian_programs+=,vfio_platform_iommufd_test,vfio_platform_qemu_test
debian_arm64_programs=vfio_container_test,vfio_platform_sim_test,vfio_platform_bind_tool_test
debian_arm64_programs+=,vfio_amba_test,vfio_platform_qemu_test

# debian_lane ARCH PROGRAMS
debian_lane()
{
	bash "$VP_SCRIPTS/debian-kernel.sh" "$1" &&
		VP_FLAVOUR=debian bash "$VP_SCRIPTS/selftests.sh" --arch "$1" run --expect \
			--only "$2"
}

# build ARCH: the kernel, modules and selftests of one architecture, timed.
build()
{
	local start=$SECONDS status=0

	if ! bash "$VP_SCRIPTS/kbuild.sh" "$1" ||
	   ! bash "$VP_SCRIPTS/selftests.sh" --arch "$1" build; then
		echo "check: the $1 build failed"
		status=1
	fi
	echo "check: $1 build finished in $((SECONDS - start)) s"
	return $status
}

tree_ok=1
if ! bash "$VP_SCRIPTS/prepare-tree.sh"; then
	echo "check: preparing the kernel tree failed"
	tree_ok=0
fi

# kill_tree PID: PID and every process below it.
kill_tree()
{
	local child

	for child in $(pgrep -P "$1"); do
		kill_tree "$child"
	done
	kill -TERM "$1" 2>/dev/null || true
}

# A background command of a script ignores SIGINT, and so do the scripts it
# runs: the x86_64 VM lane would go on after a Ctrl-C. And bash runs a trap
# only once the foreground command has ended, which for a lane can take half
# an hour. So every step runs in the background, waited for, and on INT or
# TERM the steps running are killed with everything below them.
vm_lane=
fg_step=
# shellcheck disable=SC2317 # called through the traps
stop()
{
	local pid

	for pid in $fg_step $vm_lane; do
		kill_tree "$pid"
	done
	wait
	exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

# waited CMD...: CMD in the background, waited for; its status.
waited()
{
	local status=0

	"$@" &
	fg_step=$!
	wait "$fg_step" || status=$?
	fg_step=
	return $status
}

# The benchmark once in its quick mode on the x86_64 test kernel, the check's own
# build, so that it cannot rot: it passes when the program runs and prints every
# goal and plot series of its manifest, expected/bench-quick. No timing is judged.
bench_quick()
{
	local out=$results/bench-quick.d

	if bash "$VP_SCRIPTS/bench.sh" --arch "$arch" --debug --quick --no-build --out "$out" \
		--expect "$VP_SCRIPTS/expected/bench-quick"; then
		vp_result bench-quick 1 0 0
	else
		vp_result bench-quick 0 1 0
	fi
	sed -n 's/^# vm-run: qemu: //p' "$out/bench.log" >"$results/bench-quick.qemu" 2>/dev/null
}

lanes=()
if [ $x86 -eq 1 ]; then
	lanes+=(static kunit "vmtests-$arch" bench-quick "vmtests-$arch-compat"
		"vmtests-$arch-debian")
	build_ok=0
	[ $tree_ok -eq 1 ] && waited build "$arch" && build_ok=1
	if [ $build_ok -eq 1 ]; then
		waited lane static bash "$VP_SCRIPTS/static-check.sh" --arch "$arch"
		# A TCG guest keeps about one of the machine's two cores busy: the x86_64
		# VM lane runs beside the rest (the guest loads its modules from modroot,
		# which nothing below rewrites), its output shown when it is done. The
		# benchmark's quick run and the compat kernel's build and lane follow it
		# in the same slot, beside the arm64 lanes: never a third guest.
		{
			lane "vmtests-$arch" bash "$VP_SCRIPTS/selftests.sh" --arch "$arch" run --expect
			lane bench-quick bench_quick
			compat_build &&
				lane "vmtests-$arch-compat" env VP_FLAVOUR=compat \
				bash "$VP_SCRIPTS/selftests.sh" --arch "$arch" run --expect \
				--only vfio_platform_exec_test,vfio_platform_msi_test
			lane "vmtests-$arch-debian" debian_lane "$arch" "$debian_programs"
		} >"$results/.vmtests-$arch.out" 2>&1 &
		vm_lane=$!
	fi
	waited lane kunit bash "$VP_SCRIPTS/kunit.sh"
fi

# A failed arm64 build leaves every arm64 lane without a result: one failure each.
lanes+=(static-arm64 vmtests-arm64 vmtests-arm64-gicv2 vmtests-arm64-debian)
if [ $tree_ok -eq 1 ] && waited build arm64; then
	waited lane static-arm64 bash "$VP_SCRIPTS/static-check.sh" --arch arm64
	waited lane vmtests-arm64 bash "$VP_SCRIPTS/selftests.sh" --arch arm64 run --expect
	waited lane vmtests-arm64-gicv2 bash "$VP_SCRIPTS/selftests.sh" --arch arm64 --gic 2 run \
		--expect --only vfio_container_test,vfio_platform_msi_test,vfio_platform_iommufd_test,vfio_platform_irq_test,vfio_amba_test
	waited lane vmtests-arm64-debian debian_lane arm64 "$debian_arm64_programs"
fi

if [ -n "$vm_lane" ]; then
	wait "$vm_lane"
	vm_lane=
	echo
	cat "$results/.vmtests-$arch.out"
	rm -f "$results/.vmtests-$arch.out"
fi

echo
pass=0
fail=0
skip=0
checks=0
findings=0
for name in "${lanes[@]}"; do
	if [ -f "$results/$name" ]; then
		read -r p f s <"$results/$name"
	else
		p=0 f=1 s=0
		echo "check: lane $name did not run"
	fi
	case $name in
	static*)
		# Lint verdicts, one per tool and file: not tests.
		printf 'check: %-20s %4d checks, %d findings\n' "$name" "$((p + f))" "$f"
		checks=$((checks + p + f))
		findings=$((findings + f))
		continue
		;;
	esac
	printf 'check: %-20s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	# A VM lane's results depend on the QEMU it ran on: name it.
	if [ -s "$results/$name.qemu" ]; then
		printf 'check: %-20s ran on %s\n' "$name" "$(head -n 1 "$results/$name.qemu")"
	fi
	# What the adversarial programs did (fuzz calls, stress operations, cycles...).
	if [ -s "$results/$name.log" ]; then
		sed -nE 's/^# ((fuzz|stress|cycles|fail-nth): [0-9].*|module: .*)/\1/p' "$results/$name.log" |
			while read -r figure; do
				printf 'check: %-20s %s\n' "$name" "$figure"
			done
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
done
echo "lint: $checks checks, $findings findings"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ] && [ "$findings" -eq 0 ]
