#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh - run one shell command as root inside a test VM booted from our kernel.
#
#   vm-run.sh [--arch ARCH] [--gic 2|3] [--timeout SECONDS] [--append 'KERNEL ARGS']
#             [--] CMD...
#
# The guest boots build/<arch>'s kernel (build/<arch>-perf's with VP_FLAVOUR=perf,
# build/<arch>-compat's with VP_FLAVOUR=compat, Debian's own with VP_FLAVOUR=debian:
# debian-kernel.sh)
# under QEMU (TCG: KVM is not usable on our machines) with our freshly built modules
# loadable with modprobe, debugfs and configfs
# mounted. An x86_64 guest (q35) sees the host's root filesystem read-only over
# virtio-9p, with a writable overlay. An arm64 guest (virt, GICv3 with an ITS, or
# GICv2 with --gic 2) runs on QEMU 10.0 from bookworm-backports, which deps.sh unpacks
# (its TCG faults a misaligned access to Device memory as hardware does); it boots
# busybox and bash from an initramfs (initramfs.sh; Debian's kernel, debian-kernel.sh's,
# which adds its 9p modules) and sees the checkout read-only
# over virtio-9p at its host path, and so the arm64 VFIO clients deps.sh unpacks
# (QEMU 7.2 and 10.0, dtc), linked where a Debian system has them; QEMU's PL031 and
# PL061 are claimed by the simulated IOMMU (vfio_platform_sim.claim=); Debian's kernel
# boots the machine's device tree with nodes the simulated devices borrow. CMD runs in
# the directory vm-run.sh was started from; its output is shown as it runs, after a
# line naming the QEMU binary and its version ("# vm-run: qemu: PATH: VERSION") and
# one giving the guest's size ("# vm-run: guest: N vCPUs, M MiB"). The exit status is
# CMD's, unless:
#
#  - the kernel log shows a splat (BUG, WARNING, Oops, panic, KASAN, UBSAN, lockdep,
#    hung task, RCU stall, a runtime PM usage count underflow, an unbalanced IRQ
#    enable, kmemleak disabling itself), on the console or in the guest's dmesg (which
#    has the messages below the console's level), or kmemleak, scanned after CMD,
#    reports a leak: status 1;
#  - the guest does not finish within the timeout (default 900 s): it is killed, the end
#    of its console is printed, status 124;
#  - the guest dies before reporting a status: status 1.
#
# Environment: VM_KEEP=1 keeps the run directory (console log, guest dmesg, kmemleak
# report) and prints its path.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

arch=x86_64
gic=3
timeout=900
append=()
# The guest's size: what the benchmark's results name as the machine.
vm_cpus=2
vm_mib=2048

usage()
{
	sed -n '4,/^$/p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--gic) gic=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--append) read -ra extra <<<"$2"; append+=("${extra[@]}"); shift 2 ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; usage 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || usage 2
vp_arch_setup "$arch"
case $gic in
2|3) ;;
*) echo "vm-run: --gic takes 2 or 3" >&2; usage 2 ;;
esac

kernel=$VP_OBJ/$VP_IMAGE
if [ ! -f "$kernel" ] || [ ! -f "$VP_OBJ/kernelrelease" ]; then
	[ "$VP_FLAVOUR" != debian ] ||
		vp_die "no Debian kernel in ${VP_OBJ#"$VP_TOP"/}: run debian-kernel.sh first"
	[ "$VP_FLAVOUR" = test ] ||
		vp_die "no $VP_ARCH $VP_FLAVOUR kernel in ${VP_OBJ#"$VP_TOP"/}: run 'VP_FLAVOUR=$VP_FLAVOUR kbuild.sh $VP_ARCH' first"
	vp_die "no $VP_ARCH kernel in ${VP_OBJ#"$VP_TOP"/}: run 'make' first"
fi

case $VP_TOP/ in
/run/*|/proc/*|/sys/*|/dev/*)
	vp_die "the guest mounts its own /run, /proc, /sys and /dev: move the checkout elsewhere"
	;;
esac

mkdir -p "$VP_BUILD/vm"
run=$(mktemp -d "$VP_BUILD/vm/run.XXXXXX")
# shellcheck disable=SC2317 # called through the trap
cleanup()
{
	if [ "${VM_KEEP:-0}" = 1 ]; then
		echo "vm-run: run directory kept: $run" >&2
	else
		rm -rf "$run"
	fi
}
trap cleanup EXIT

# The command and its context travel to the guest through the writable share.
printf '%s\n' "$*" >"$run/cmd"
pwd >"$run/cwd"
cat "$VP_OBJ/kernelrelease" >"$run/kernelrelease"
echo "$VP_OBJ/modroot" >"$run/modroot"
: >"$run/output"

# The simulator's MMIO window: 64 MiB of guest RAM the kernel leaves alone, so that
# it is not System RAM.
cmdline=(panic=-1 oops=panic vfio_platform_sim.mmio_size=0x4000000)

# shellcheck disable=SC2054 # commas belong to the arguments
case $VP_ARCH in
x86_64)
	qemu=(qemu-system-x86_64 -machine q35 -cpu max)
	cmdline+=(
		"root=/dev/root" rootfstype=9p ro
		"rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose"
		"init=$VP_SCRIPTS/guest-init.sh"
		"memmap=64M\$0x60000000" vfio_platform_sim.mmio_base=0x60000000
		console=ttyS0 earlyprintk=serial,ttyS0 keep_bootcon
	)
	qemu+=(
		-fsdev local,id=root,path=/,readonly=on,security_model=none,multidevs=remap
		-device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
	)
	# Debian's kernel has 9p as modules: its initramfs loads them and mounts the
	# root (debian-init.sh).
	[ "$VP_FLAVOUR" != debian ] || qemu+=(-initrd "$VP_OBJ/initramfs.cpio")
	;;
arm64)
	# The virt machine's RAM starts at 1 GiB; arm64 has no memmap=, but mem= keeps
	# the top 64 MiB of the 2 GiB out of the kernel's reach.
	# Debian's kernel boots that initramfs with its 9p modules added (debian-kernel.sh).
	if [ "$VP_FLAVOUR" = debian ]; then
		initrd=$VP_OBJ/initramfs.cpio
	else
		initrd=$(bash "$VP_SCRIPTS/initramfs.sh" "$VP_ARCH")
	fi
	vp_qemu_backport
	qemu=("$VP_QEMU_AARCH64" -L "$VP_QEMU_DATA" -machine "virt,gic-version=$gic"
	      -cpu cortex-a57)
	cmdline+=(
		mem=1984M vfio_platform_sim.mmio_base=0xbc000000
		vfio_platform_sim.claim=9010000.pl031,9030000.pl061
		console=ttyAMA0
	)
	qemu+=(
		-initrd "$initrd"
		-fsdev "local,id=top,path=$VP_TOP,readonly=on,security_model=none"
		-device virtio-9p-pci,fsdev=top,mount_tag=vptop
	)
	echo "vptop $VP_TOP" >"$run/mounts"
	case $VP_BUILD/ in
	"$VP_TOP"/*) ;;
	*)
		qemu+=(
			-fsdev "local,id=build,path=$VP_BUILD,readonly=on,security_model=none"
			-device virtio-9p-pci,fsdev=build,mount_tag=vpbuild
		)
		echo "vpbuild $VP_BUILD" >>"$run/mounts"
		;;
	esac
	# The guest's VFIO clients (deps.sh arm64): their tree, and links that put the
	# loader, the libraries, QEMU 7.2 and dtc where a Debian system has them. The
	# guest mounts the tree at the same path and resolves the tree's own (relative)
	# links itself.
	if [ -f "$VP_CLIENT_ROOT/.vp-complete" ]; then
		qemu+=(
			-fsdev "local,id=clients,path=$VP_CLIENT_ROOT,readonly=on,security_model=none"
			-device virtio-9p-pci,fsdev=clients,mount_tag=vpclients
		)
		echo "vpclients $VP_CLIENT_ROOT" >>"$run/mounts"
		for link in lib/$VP_CLIENT_LOADER usr/lib/aarch64-linux-gnu usr/share/qemu \
			    usr/bin/qemu-system-aarch64 usr/bin/dtc; do
			echo "/$link $VP_CLIENT_ROOT/$link"
		done >"$run/links"
	else
		echo "# vm-run: no arm64 VFIO clients in $VP_CLIENT_ROOT (deps.sh arm64 unpacks them)"
	fi
	;;
esac
cmdline+=("${append[@]}")

# shellcheck disable=SC2054
qemu+=(
	-smp "$vm_cpus" -m "${vm_mib}M" -accel tcg
	-nodefaults -display none -no-reboot
	-kernel "$kernel"
	-append "${cmdline[*]}"
	-serial "file:$run/console.log"
	-fsdev "local,id=out,path=$run,security_model=none"
	-device virtio-9p-pci,fsdev=out,mount_tag=vmout
)

# Which QEMU ran matters to the results (7.2 does not fault a misaligned access to
# Device memory, 10.0 does): the lanes carry this line into their logs.
qemu_bin=$(command -v "${qemu[0]}") || vp_die "no ${qemu[0]}: run deps.sh $VP_ARCH"
echo "# vm-run: qemu: $qemu_bin: $("$qemu_bin" --version | head -n 1)"
echo "# vm-run: guest: $vm_cpus vCPUs, $vm_mib MiB"

# Debian's arm64 kernel cannot add device-tree nodes (no OF_DYNAMIC): the simulated
# devices borrow the nodes of /vfio-platform-sim in the firmware's tree instead
# (drivers/vfio/platform/sim/of_firmware.c). The guest boots the tree QEMU makes for
# this very machine, with that node added: four nodes for devices of the default
# compatible, and two a device must not take, one without dma-coherent and one
# disabled (vfio_platform_sim_test).
if [ "$VP_ARCH" = arm64 ] && [ "$VP_FLAVOUR" = debian ]; then
	"${qemu[@]}" -machine "dumpdtb=$run/virt.dtb" </dev/null >"$run/dumpdtb.log" 2>&1 || {
		cat "$run/dumpdtb.log" >&2
		vp_die "QEMU could not write the virt machine's device tree"
	}
	dtc -q -I dtb -O dts -o "$run/guest.dts" "$run/virt.dtb" ||
		vp_die "dtc could not read $run/virt.dtb"
	{
		printf '\n/ {\n\tvfio-platform-sim {\n'
		for i in 0 1 2 3; do
			printf '\t\tdevice-%d {\n' "$i"
			printf '\t\t\tcompatible = "linux,vfio-platform-sim";\n'
			printf '\t\t\tdma-coherent;\n\t\t};\n'
		done
		printf '\t\tno-dma-coherent {\n'
		printf '\t\t\tcompatible = "linux,vfio-platform-sim";\n\t\t};\n'
		printf '\t\tdisabled {\n'
		printf '\t\t\tcompatible = "linux,vfio-platform-sim";\n'
		printf '\t\t\tdma-coherent;\n\t\t\tstatus = "disabled";\n\t\t};\n'
		printf '\t};\n};\n'
	} >>"$run/guest.dts"
	dtc -q -I dts -O dtb -o "$run/guest.dtb" "$run/guest.dts" ||
		vp_die "dtc could not compile $run/guest.dts"
	qemu+=(-dtb "$run/guest.dtb")
fi

"${qemu[@]}" </dev/null >"$run/qemu.log" 2>&1 &
qemu_pid=$!
tail -n +1 -f --pid=$qemu_pid "$run/output" &
tail_pid=$!

status=0
elapsed=0
while kill -0 $qemu_pid 2>/dev/null; do
	if [ $elapsed -ge "$timeout" ]; then
		kill -KILL $qemu_pid 2>/dev/null || true
		status=124
		break
	fi
	sleep 1
	elapsed=$((elapsed + 1))
done
wait $qemu_pid 2>/dev/null || true
wait $tail_pid 2>/dev/null || true

splat_re='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|KASAN:|UBSAN:|general protection fault'
splat_re+='|Unable to handle kernel|INFO: (possible|trying to register|task .* blocked|rcu)'
splat_re+='|inconsistent lock state|suspicious RCU usage|soft lockup|hard LOCKUP'
splat_re+='|new suspected memory leak|ODEBUG:|Call [Tt]race:|Internal error:'
splat_re+='|Runtime PM usage count underflow|[Uu]nbalanced (enable|disable)'
# kmemleak off for good, not the scan area it may fail to allocate under fault
# injection (it then scans the whole object: nothing is lost).
splat_re+='|kmemleak: (.*disabled|Cannot allocate a kmemleak_object)'

if [ $status -eq 124 ]; then
	echo "vm-run: guest did not finish within ${timeout}s: killed. End of its console:" >&2
	tail -n 40 "$run/console.log" >&2
elif [ ! -s "$run/status" ]; then
	echo "vm-run: guest stopped without reporting a status. End of its console:" >&2
	tail -n 40 "$run/console.log" >&2
	cat "$run/qemu.log" >&2
	status=1
else
	status=$(cat "$run/status")
fi

# The console has what the kernel printed at the console's level; dmesg, saved by the
# guest after CMD, has the rest.
logs=("$run/console.log")
[ -s "$run/dmesg" ] && logs+=("$run/dmesg")
if grep -Eq "$splat_re" "${logs[@]}"; then
	echo "vm-run: the guest kernel log shows a splat:" >&2
	grep -E -n -A 25 "$splat_re" "${logs[@]}" | head -n 120 >&2
	[ "$status" -ne 0 ] || status=1
fi
# A leak report fails the run even if no line of it reached the logs.
if [ -s "$run/kmemleak" ]; then
	echo "vm-run: kmemleak report:" >&2
	head -n 80 "$run/kmemleak" >&2
	[ "$status" -ne 0 ] || status=1
fi
exit "$status"
