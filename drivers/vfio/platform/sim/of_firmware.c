// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: device-tree nodes for the simulated devices on a kernel
 * with OF on which of.c cannot add them, one without CONFIG_OF_DYNAMIC (such
 * as Debian's arm64 kernel) or without CONFIG_RESET_CONTROLLER.
 *
 * User space (QEMU) learns what a platform device is from its of_node, so the
 * devices borrow nodes that the firmware's device tree holds ready for them:
 *
 *   /vfio-platform-sim
 *	device-0	compatible = a device's list, and dma-coherent
 *	device-1	...
 *
 * A device takes the first free available child whose compatible list is
 * exactly its own and gives it back when it goes. A device with no such child, or on a
 * machine without /vfio-platform-sim, has no node, as on a kernel without OF.
 * Nothing else makes a device of these nodes: /vfio-platform-sim has no
 * compatible, so of_platform_populate() passes it by. There is no reset
 * controller here: vfio_psim_dev_check() refuses a device reset by a line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/of.h>
#include <linux/string.h>

#include "vfio_platform_sim.h"

/* /vfio-platform-sim in the firmware's tree, or NULL. */
static struct device_node *vfio_psim_of_parent;

/**
 * vfio_psim_of_init() - find the firmware's nodes for the simulated devices
 *
 * Return: 0: a machine without them is not an error.
 */
int vfio_psim_of_init(void)
{
	vfio_psim_of_parent = of_find_node_by_path("/" VFIO_PSIM_NAME);
	/* A bus populated its children at boot: they are never free. */
	if (of_property_present(vfio_psim_of_parent, "compatible"))
		pr_warn("%pOF has a compatible: its nodes may be another driver's\n",
			vfio_psim_of_parent);
	return 0;
}

/**
 * vfio_psim_of_exit() - let the firmware's nodes go
 *
 * Every simulated device is gone by now, and has given its node back.
 */
void vfio_psim_of_exit(void)
{
	of_node_put(vfio_psim_of_parent);
	vfio_psim_of_parent = NULL;
}

/* Whether @np describes @sdev: the same compatible list, and coherent DMA. */
static bool vfio_psim_of_fits(const struct vfio_psim_dev *sdev,
			      const struct device_node *np)
{
	const char *compat;
	unsigned int i;

	if (of_property_count_strings(np, "compatible") != sdev->num_compat)
		return false;
	for (i = 0; i < sdev->num_compat; i++)
		if (of_property_read_string_index(np, "compatible", i, &compat) ||
		    strcmp(compat, sdev->compat[i]))
			return false;
	/* Its DMA engine reaches memory through the CPU's own accesses. */
	return of_property_read_bool(np, "dma-coherent");
}

/**
 * vfio_psim_of_add() - lend a device a free node of the firmware's
 * @sdev: the device, with its compatible set, not yet registered
 *
 * Sets @sdev->of_node to the node, or leaves it NULL when none fits. A lent
 * node is marked OF_POPULATED, as a node some device stands for is, which
 * also keeps two devices created at once from taking the same one.
 *
 * Return: 0.
 */
int vfio_psim_of_add(struct vfio_psim_dev *sdev)
{
	struct device_node *np;

	sdev->reset_line = -1;
	for_each_available_child_of_node(vfio_psim_of_parent, np) {
		if (vfio_psim_of_fits(sdev, np) &&
		    !of_node_test_and_set_flag(np, OF_POPULATED)) {
			/* The iterator's reference is the device's. */
			sdev->of_node = np;
			break;
		}
	}
	return 0;
}

/**
 * vfio_psim_of_remove() - give a device's node back
 * @sdev: the device, unregistered
 */
void vfio_psim_of_remove(struct vfio_psim_dev *sdev)
{
	if (!sdev->of_node)
		return;
	of_node_clear_flag(sdev->of_node, OF_POPULATED);
	of_node_put(sdev->of_node);
	sdev->of_node = NULL;
}
