#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo `make` runs inside the test VM. Until the simulator and the user tools exist it
# is a smoke run: the VFIO modules load and both user interfaces appear.

set -eu

step()
{
	printf '\n--- %s\n' "$*"
}

step "kernel: $(uname -r)"
step "loading vfio, vfio_iommu_type1 and iommufd"
modprobe -a vfio vfio_iommu_type1 iommufd
lsmod | awk '/^(vfio|iommufd)/ { print "    " $1 }'
step "the container interface and iommufd"
ls -l /dev/vfio/vfio /dev/iommu
step "demo done"
