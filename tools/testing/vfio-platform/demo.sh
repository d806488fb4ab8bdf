#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo `make` runs inside the test VM: a simulated platform device is created, bound
# to vfio-platform with tools/vfio/vfio-platform-bind, driven by the example userspace
# driver tools/vfio/vfio-platform-example (registers, DMA through the IOMMU with EXEC for
# its program, an interrupt), and given back to its own driver.

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
bind=$top/tools/vfio/vfio-platform-bind
example=${VP_BUILD:-$top/build}/x86_64/tools/vfio/vfio-platform-example
cfs=/sys/kernel/config/vfio-platform-sim

step()
{
	printf '\n--- %s\n' "$*"
}

# Show a command, then run it.
run()
{
	echo "# ${*/#$top\//}"
	"$@"
}

[ -x "$example" ] || { echo "demo: no $example: run 'make selftests' first" >&2; exit 1; }

step "kernel $(uname -r): loading the simulator (the tool loads vfio-platform itself)"
modprobe -a vfio vfio_iommu_type1 vfio-platform-sim
ls -l /dev/vfio/vfio

step "creating a simulated device: two MMIO regions, a level and an edge interrupt"
mkdir "$cfs/demo" "$cfs/demo/region0" "$cfs/demo/region1" "$cfs/demo/irq0" "$cfs/demo/irq1"
echo 0x2000 >"$cfs/demo/region1/size"
echo edge >"$cfs/demo/irq1/trigger"
echo 1 >"$cfs/demo/live"
dev=$(cat "$cfs/demo/dev_name")
grep -F "$dev" /proc/iomem
run "$bind" list

step "binding $dev to vfio-platform"
run "$bind" bind "$dev"
run "$bind" status "$dev"

step "driving $dev from userspace: registers, interrupt, DMA through the IOMMU"
run "$example" "$dev"

step "giving $dev back to its own driver"
run "$bind" restore "$dev"
run "$bind" status "$dev"
echo 0 >"$cfs/demo/live"
rmdir "$cfs/demo/region0" "$cfs/demo/region1" "$cfs/demo/irq0" "$cfs/demo/irq1" "$cfs/demo"

step "demo done"
