// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: device-tree nodes of the simulated devices, and the reset
 * controller whose lines reset them.
 *
 * User space (QEMU) learns what a platform device is from its of_node, and
 * vfio-platform finds a reset controller through the device's "resets"
 * property. The simulator therefore adds to the live tree, with changesets:
 *
 *   /vfio-platform-sim			#address-cells = #size-cells = <2>
 *	reset-controller		#reset-cells = <1>, a phandle
 *	device@<region 0 address>	one per live device: compatible, reg,
 *					dma-coherent, and resets =
 *					<&reset-controller line> when it is
 *					reset by its line
 *
 * A reset lookup entry would do without a device tree, but 6.12 cannot remove
 * one, and devices come and go. Every node is marked OF_POPULATED before it
 * is attached, so that of_platform_notify() makes no platform device of its
 * own for it on a machine whose root is populated; the simulator registers
 * the device itself, with the node as its of_node, and a software node that
 * carries the same compatible on kernels without this file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/fwnode.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/reset-controller.h>
#include <linux/slab.h>

#include "vfio_platform_sim.h"

/**
 * struct vfio_psim_of - the simulator's part of the live tree
 * @changeset: what added @parent and @ctrl
 * @parent: /vfio-platform-sim, the parent of every node below
 * @ctrl: the reset controller's node
 * @rcdev: the reset controller
 * @lock: see beside it
 * @lines: the devices each line resets, an empty list for a free line
 * @shared: bit n set: line n was asked for by number, and other devices
 *	asking for it join it; a line taken as "auto" is its device's alone
 * @asserted: bit n set: line n is asserted
 */
struct vfio_psim_of {
	struct of_changeset changeset;
	struct device_node *parent;
	struct device_node *ctrl;
	struct reset_controller_dev rcdev;
	/*
	 * Protects @lines and @asserted. Held across a line's action, so that
	 * vfio_psim_of_remove() frees a line only when no action runs on it.
	 * Taken before the device's lock.
	 */
	struct mutex lock;
	struct list_head lines[VFIO_PSIM_RESET_LINES];
	DECLARE_BITMAP(shared, VFIO_PSIM_RESET_LINES);
	DECLARE_BITMAP(asserted, VFIO_PSIM_RESET_LINES);
};

static struct vfio_psim_of vfio_psim_of = {
	.lock = __MUTEX_INITIALIZER(vfio_psim_of.lock),
};

/*
 * The devices behind @id, with vfio_psim_of.lock held. A consumer only holds
 * a line it found in a live device's "resets" property, so a free line means
 * a bug in the simulator.
 */
static struct list_head *vfio_psim_line_devs(unsigned long id)
{
	struct list_head *devs = &vfio_psim_of.lines[id];

	lockdep_assert_held(&vfio_psim_of.lock);
	return WARN_ON_ONCE(list_empty(devs)) ? NULL : devs;
}

/* What a consumer can do to a line. */
enum vfio_psim_line_op {
	VFIO_PSIM_LINE_PULSE,
	VFIO_PSIM_LINE_ASSERT,
	VFIO_PSIM_LINE_DEASSERT,
};

/*
 * Does @op to every device on line @id. Each device counts it, whichever
 * device's user asked, so that debugfs shows a shared line moved. A pulse or
 * an assert puts the device in its power-on state, which it stays in after
 * an assert as nothing drives it until software does, after the deassert.
 */
static int vfio_psim_line_act(unsigned long id, enum vfio_psim_line_op op)
{
	struct vfio_psim_dev *sdev;
	struct list_head *devs;

	mutex_lock(&vfio_psim_of.lock);
	devs = vfio_psim_line_devs(id);
	if (!devs) {
		mutex_unlock(&vfio_psim_of.lock);
		return -ENODEV;
	}
	list_for_each_entry(sdev, devs, line_node) {
		mutex_lock(&sdev->lock);
		if (op == VFIO_PSIM_LINE_PULSE)
			sdev->line_resets++;
		else if (op == VFIO_PSIM_LINE_ASSERT)
			sdev->line_asserts++;
		else
			sdev->line_deasserts++;
		mutex_unlock(&sdev->lock);
		if (op != VFIO_PSIM_LINE_DEASSERT)
			vfio_psim_dev_reset(sdev);
	}
	if (op == VFIO_PSIM_LINE_ASSERT)
		__set_bit(id, vfio_psim_of.asserted);
	else if (op == VFIO_PSIM_LINE_DEASSERT)
		__clear_bit(id, vfio_psim_of.asserted);
	mutex_unlock(&vfio_psim_of.lock);
	return 0;
}

/* A pulse on the line: what the vendor handler does to the device. */
static int vfio_psim_line_reset(struct reset_controller_dev *rcdev,
				unsigned long id)
{
	return vfio_psim_line_act(id, VFIO_PSIM_LINE_PULSE);
}

static int vfio_psim_line_assert(struct reset_controller_dev *rcdev,
				 unsigned long id)
{
	return vfio_psim_line_act(id, VFIO_PSIM_LINE_ASSERT);
}

static int vfio_psim_line_deassert(struct reset_controller_dev *rcdev,
				   unsigned long id)
{
	return vfio_psim_line_act(id, VFIO_PSIM_LINE_DEASSERT);
}

static int vfio_psim_line_status(struct reset_controller_dev *rcdev,
				 unsigned long id)
{
	int ret;

	mutex_lock(&vfio_psim_of.lock);
	ret = test_bit(id, vfio_psim_of.asserted);
	mutex_unlock(&vfio_psim_of.lock);
	return ret;
}

static const struct reset_control_ops vfio_psim_line_ops = {
	.reset = vfio_psim_line_reset,
	.assert = vfio_psim_line_assert,
	.deassert = vfio_psim_line_deassert,
	.status = vfio_psim_line_status,
};

/*
 * A node for a changeset to attach once the properties queued before are
 * added. of_changeset_create_node() queues the attach first, and properties
 * added to a node already attached get no sysfs file in 6.12, nor does a
 * "phandle" property set the node's phandle. A scratch changeset makes the
 * node; the caller holds the only reference.
 */
static struct device_node *vfio_psim_of_node_alloc(struct device_node *parent,
						   const char *name)
{
	struct of_changeset scratch;
	struct device_node *np;

	of_changeset_init(&scratch);
	np = of_changeset_create_node(&scratch, parent, name);
	of_changeset_destroy(&scratch);
	if (np)
		of_node_set_flag(np, OF_POPULATED);
	return np;
}

/*
 * A phandle no node of the live tree uses. Nodes attached at run time have
 * none unless they carry a "phandle" property, and the overlay code that
 * numbers them does it under of_mutex, which modules cannot take. This runs
 * once, at module load, and takes the largest phandle in use plus one as the
 * overlay code would; vfio_psim_of_init() checks after attaching the node
 * that the phandle finds it, which an overlay applied at the same moment
 * with the same number would break.
 */
static phandle vfio_psim_of_free_phandle(void)
{
	struct device_node *np;
	phandle max = 0;

	for (np = of_find_all_nodes(NULL); np; np = of_find_all_nodes(np))
		max = max(max, np->phandle);
	return max + 1;
}

static int vfio_psim_of_add_nodes(phandle ph)
{
	struct vfio_psim_of *sof = &vfio_psim_of;
	struct of_changeset *ocs = &sof->changeset;
	struct device_node *root;
	int ret;

	/* The firmware's own nodes are of_firmware.c's business, not ours. */
	sof->parent = of_find_node_by_path("/" VFIO_PSIM_NAME);
	if (sof->parent) {
		pr_err("%pOF is in the firmware's tree already\n", sof->parent);
		of_node_put(sof->parent);
		sof->parent = NULL;
		return -EEXIST;
	}
	root = of_find_node_by_path("/");
	if (!root) {
		pr_err("no device-tree root: simulated devices get no node\n");
		return -ENODEV;
	}
	of_changeset_init(ocs);

	ret = -ENOMEM;
	sof->parent = vfio_psim_of_node_alloc(root, VFIO_PSIM_NAME);
	of_node_put(root);
	if (!sof->parent)
		goto err_destroy;
	ret = of_changeset_add_prop_u32(ocs, sof->parent, "#address-cells", 2);
	if (!ret)
		ret = of_changeset_add_prop_u32(ocs, sof->parent, "#size-cells", 2);
	if (!ret)
		ret = of_changeset_attach_node(ocs, sof->parent);
	if (ret)
		goto err_put_parent;

	ret = -ENOMEM;
	sof->ctrl = vfio_psim_of_node_alloc(sof->parent, "reset-controller");
	if (!sof->ctrl)
		goto err_put_parent;
	ret = of_changeset_add_prop_string(ocs, sof->ctrl, "compatible",
					   "linux,vfio-platform-sim-reset");
	if (!ret)
		ret = of_changeset_add_prop_u32(ocs, sof->ctrl, "#reset-cells", 1);
	if (!ret)
		ret = of_changeset_add_prop_u32(ocs, sof->ctrl, "phandle", ph);
	if (!ret)
		ret = of_changeset_attach_node(ocs, sof->ctrl);
	if (ret)
		goto err_put_ctrl;

	ret = of_changeset_apply(ocs);
	if (ret)
		goto err_put_ctrl;
	return 0;

err_put_ctrl:
	of_node_put(sof->ctrl);
err_put_parent:
	of_node_put(sof->parent);
err_destroy:
	of_changeset_destroy(ocs);
	return ret;
}

static void vfio_psim_of_remove_nodes(void)
{
	struct vfio_psim_of *sof = &vfio_psim_of;

	of_changeset_revert(&sof->changeset);
	of_changeset_destroy(&sof->changeset);
	of_node_put(sof->ctrl);
	of_node_put(sof->parent);
}

/**
 * vfio_psim_of_init() - add the simulator's nodes and its reset controller
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_of_init(void)
{
	struct vfio_psim_of *sof = &vfio_psim_of;
	struct device_node *np;
	unsigned int i;
	phandle ph;
	int ret;

	for (i = 0; i < VFIO_PSIM_RESET_LINES; i++)
		INIT_LIST_HEAD(&sof->lines[i]);
	ph = vfio_psim_of_free_phandle();
	ret = vfio_psim_of_add_nodes(ph);
	if (ret)
		return ret;

	np = of_find_node_by_phandle(ph);
	of_node_put(np);
	if (np != sof->ctrl) {
		pr_err("phandle %#x of the reset controller was taken meanwhile\n", ph);
		ret = -EBUSY;
		goto err_nodes;
	}

	sof->rcdev.ops = &vfio_psim_line_ops;
	sof->rcdev.owner = THIS_MODULE;
	sof->rcdev.of_node = sof->ctrl;
	sof->rcdev.of_reset_n_cells = 1;
	sof->rcdev.nr_resets = VFIO_PSIM_RESET_LINES;
	ret = reset_controller_register(&sof->rcdev);
	if (ret)
		goto err_nodes;
	/*
	 * No struct device ever stands for the controller. Without this,
	 * fw_devlink (off on x86, on elsewhere) would hold back the probe of
	 * every device with a "resets" property, waiting for one.
	 */
	fwnode_dev_initialized(of_fwnode_handle(sof->ctrl), true);
	return 0;

err_nodes:
	vfio_psim_of_remove_nodes();
	return ret;
}

/**
 * vfio_psim_of_exit() - remove what vfio_psim_of_init() added
 *
 * Every simulated device is gone by now, so no line is in use.
 */
void vfio_psim_of_exit(void)
{
	reset_controller_unregister(&vfio_psim_of.rcdev);
	vfio_psim_of_remove_nodes();
}

/*
 * Puts @sdev on line @want, which it shares with the devices that asked for
 * the same number, or on a free line of its own when @want is -1.
 */
static int vfio_psim_line_get(struct vfio_psim_dev *sdev, int want)
{
	struct vfio_psim_of *sof = &vfio_psim_of;
	int line;

	mutex_lock(&sof->lock);
	if (want >= 0) {
		line = want;
		if (!list_empty(&sof->lines[line]) &&
		    !test_bit(line, sof->shared)) {
			mutex_unlock(&sof->lock);
			pr_err("%s: reset line %d is another device's alone (reset_line auto)\n",
			       sdev->dev_name, line);
			return -EBUSY;
		}
	} else {
		for (line = 0; line < VFIO_PSIM_RESET_LINES; line++)
			if (list_empty(&sof->lines[line]))
				break;
		if (line == VFIO_PSIM_RESET_LINES) {
			mutex_unlock(&sof->lock);
			pr_err("%s: all %u lines of the reset controller are taken\n",
			       sdev->dev_name, VFIO_PSIM_RESET_LINES);
			return -ENOSPC;
		}
	}
	/* A line nobody used starts deasserted; a shared one stays as it is. */
	if (list_empty(&sof->lines[line])) {
		__clear_bit(line, sof->asserted);
		__assign_bit(line, sof->shared, want >= 0);
	}
	list_add_tail(&sdev->line_node, &sof->lines[line]);
	mutex_unlock(&sof->lock);
	return line;
}

static void vfio_psim_line_put(struct vfio_psim_dev *sdev)
{
	mutex_lock(&vfio_psim_of.lock);
	list_del(&sdev->line_node);
	mutex_unlock(&vfio_psim_of.lock);
	sdev->reset_line = -1;
}

/* The node's properties: what the platform device's resources say. */
static int vfio_psim_of_add_props(struct vfio_psim_dev *sdev,
				  struct of_changeset *ocs,
				  struct device_node *np)
{
	u32 reg[VFIO_PSIM_MAX_REGIONS * 4];
	unsigned int i;
	int ret;

	ret = of_changeset_add_prop_string_array(ocs, np, "compatible",
						 sdev->compat, sdev->num_compat);
	if (ret)
		return ret;

	for (i = 0; i < sdev->num_regions; i++) {
		reg[4 * i] = upper_32_bits(sdev->regions[i].start);
		reg[4 * i + 1] = lower_32_bits(sdev->regions[i].start);
		reg[4 * i + 2] = upper_32_bits(sdev->regions[i].size);
		reg[4 * i + 3] = lower_32_bits(sdev->regions[i].size);
	}
	ret = of_changeset_add_prop_u32_array(ocs, np, "reg", reg, 4 * i);
	if (ret)
		return ret;
	/* Its DMA engine reaches memory through the CPU's own accesses. */
	ret = of_changeset_add_prop_bool(ocs, np, "dma-coherent");
	if (ret || sdev->reset_line < 0)
		return ret;

	reg[0] = vfio_psim_of.ctrl->phandle;
	reg[1] = sdev->reset_line;
	return of_changeset_add_prop_u32_array(ocs, np, "resets", reg, 2);
}

/**
 * vfio_psim_of_add() - give a device its node, before it is registered
 * @sdev: the device, with its regions, compatible and reset sources set,
 *	and in @sdev->reset_line the line it asks for, -1 for any free one
 *
 * Sets @sdev->of_node, and @sdev->reset_line to the line of a device reset
 * by its line, -1 for any other.
 *
 * Return: 0 or a negative errno.
 */
int vfio_psim_of_add(struct vfio_psim_dev *sdev)
{
	int want = sdev->reset_line;
	struct of_changeset *ocs;
	struct device_node *np;
	char name[32];
	int ret;

	sdev->reset_line = -1;
	if (sdev->reset_sources & VFIO_PSIM_RESET_CONTROLLER) {
		ret = vfio_psim_line_get(sdev, want);
		if (ret < 0)
			return ret;
		sdev->reset_line = ret;
	}

	ret = -ENOMEM;
	ocs = kmalloc(sizeof(*ocs), GFP_KERNEL);
	if (!ocs)
		goto err_line;
	of_changeset_init(ocs);

	snprintf(name, sizeof(name), "device@%llx", (u64)sdev->regions[0].start);
	np = vfio_psim_of_node_alloc(vfio_psim_of.parent, name);
	if (!np)
		goto err_destroy;

	ret = vfio_psim_of_add_props(sdev, ocs, np);
	if (!ret)
		ret = of_changeset_attach_node(ocs, np);
	if (ret)
		goto err_put;
	ret = of_changeset_apply(ocs);
	if (ret)
		goto err_put;

	sdev->of_node = np;
	sdev->of_changeset = ocs;
	return 0;

err_put:
	of_node_put(np);
err_destroy:
	of_changeset_destroy(ocs);
	kfree(ocs);
err_line:
	if (sdev->reset_line >= 0)
		vfio_psim_line_put(sdev);
	pr_err("%s: cannot add its device-tree node: %d\n", sdev->dev_name, ret);
	return ret;
}

/**
 * vfio_psim_of_remove() - take a device's node away
 * @sdev: the device, unregistered: nothing holds its reset line any more
 */
void vfio_psim_of_remove(struct vfio_psim_dev *sdev)
{
	of_changeset_revert(sdev->of_changeset);
	of_changeset_destroy(sdev->of_changeset);
	kfree(sdev->of_changeset);
	sdev->of_changeset = NULL;
	of_node_put(sdev->of_node);
	sdev->of_node = NULL;
	if (sdev->reset_line >= 0)
		vfio_psim_line_put(sdev);
}
