#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo `make` runs inside the test VM: a simulated platform device is created, handed
# from its host driver to vfio-platform through driver_override, shown as a VFIO group,
# and given back. The user tools of tools/vfio/ will drive the device itself.

set -eu

cfs=/sys/kernel/config/vfio-platform-sim
dbg=/sys/kernel/debug/vfio-platform-sim

step()
{
	printf '\n--- %s\n' "$*"
}

step "kernel $(uname -r): loading vfio, vfio_iommu_type1, iommufd, vfio-platform, the simulator"
modprobe -a vfio vfio_iommu_type1 iommufd vfio-platform vfio-platform-sim
ls -l /dev/vfio/vfio /dev/iommu

step "creating a simulated device: two MMIO regions, a level and an edge interrupt"
mkdir "$cfs/demo" "$cfs/demo/region0" "$cfs/demo/region1" "$cfs/demo/irq0" "$cfs/demo/irq1"
echo 0x2000 >"$cfs/demo/region1/size"
echo edge >"$cfs/demo/irq1/trigger"
echo 1 >"$cfs/demo/live"
dev=$(cat "$cfs/demo/dev_name")
sys=/sys/bus/platform/devices/$dev
echo "$dev: driver $(basename "$(readlink "$sys/driver")"), IOMMU group $(basename "$(readlink "$sys/iommu_group")")"
grep -F "$dev" /proc/iomem

step "handing $dev to vfio-platform through driver_override"
echo "$dev" >"$sys/driver/unbind"
echo vfio-platform >"$sys/driver_override"
echo "$dev" >/sys/bus/platform/drivers_probe
group=$(basename "$(readlink "$sys/iommu_group")")
echo "$dev: driver $(basename "$(readlink "$sys/driver")"), group node /dev/vfio/$group"
ls -l "/dev/vfio/$group"
echo "its IOMMU domain: $(cat "$dbg/iommu/devices/$dev")"

step "giving $dev back to its host driver"
echo "$dev" >"$sys/driver/unbind"
echo >"$sys/driver_override"
echo "$dev" >/sys/bus/platform/drivers_probe
echo "$dev: driver $(basename "$(readlink "$sys/driver")")"
echo 0 >"$cfs/demo/live"
rmdir "$cfs/demo/region0" "$cfs/demo/region1" "$cfs/demo/irq0" "$cfs/demo/irq1" "$cfs/demo"

step "demo done"
