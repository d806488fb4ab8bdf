// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset lines shared by devices with different owners.
 *
 * SoCs often wire one reset controller line to several devices, and pulsing it
 * for one device resets all of them. vfio-platform resets a device when it is
 * first opened, when it is last closed and on VFIO_DEVICE_RESET, on behalf of
 * the device's owner, who must not be able to reset a device someone else
 * owns. So a line is pulsed at open or on VFIO_DEVICE_RESET only while every
 * other device on it is closed, or open by the same owner: in the same IOMMU
 * group (which has one owner at a time), or bound through the device cdev to
 * the same iommufd. This is the rule vfio-pci applies to a bus reset. A close
 * pulses the line only when no other device on it is open at all: closing one
 * device must not reset another its owner is still using.
 *
 * A device that is not reset at close is left as its owner left it, and marked
 * dirty; it may be opened again only when its line can be pulsed first. A
 * device found clean at open (every line of it was pulsed while it was closed)
 * needs no reset, so the devices on a line can be opened one after the other
 * by different owners as long as none was used before.
 *
 * The lines of a device are the firmware's "resets" entries; two devices share
 * a line when they name the same controller with the same arguments. Nothing
 * tells which lines a reset lookup entry of a board names: all the devices
 * reset that way are taken to share one line, which is safe if not exact.
 *
 * The lock is held across the reset, which serialises the resets, opens and
 * closes of all the devices reset through their lines; a reset controller's
 * pulse is short, and the lock is fair.
 */
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vfio.h>

#include "vfio_platform_priv.h"

/*
 * Protects the list of devices reset through their lines and, in each, the
 * line_open and line_dirty flags. Held across the reset itself, so that no
 * device on the line is opened while it is pulsed. Taken before reset_lock.
 */
static DEFINE_MUTEX(vfio_platform_reset_lines_lock);
static LIST_HEAD(vfio_platform_reset_line_users);

static bool vfio_platform_reset_line_equal(const struct of_phandle_args *a,
					   const struct of_phandle_args *b)
{
	return a->np == b->np && a->args_count == b->args_count &&
	       !memcmp(a->args, b->args, a->args_count * sizeof(a->args[0]));
}

static bool vfio_platform_reset_lines_shared(struct vfio_platform_device *a,
					     struct vfio_platform_device *b)
{
	unsigned int i, j;

	for (i = 0; i < a->num_reset_lines; i++)
		for (j = 0; j < b->num_reset_lines; j++)
			if (vfio_platform_reset_line_equal(&a->reset_lines[i],
							   &b->reset_lines[j]))
				return true;
	return false;
}

/*
 * @a is open or being opened, @b is open: both are bound, so their iommufd
 * contexts and groups cannot change under us.
 */
static bool vfio_platform_same_owner(struct vfio_platform_device *a,
				     struct vfio_platform_device *b)
{
	struct iommufd_ctx *ictx = vfio_iommufd_device_ictx(&a->vdev);
	struct iommu_group *group_a, *group_b;
	bool same;

	if (ictx && ictx == vfio_iommufd_device_ictx(&b->vdev))
		return true;

	group_a = iommu_group_get(a->vdev.dev);
	group_b = iommu_group_get(b->vdev.dev);
	same = group_a && group_a == group_b;
	iommu_group_put(group_b);
	iommu_group_put(group_a);
	return same;
}

/* Whether every line of @b is a line of @a: a pulse of @a's lines resets @b. */
static bool vfio_platform_reset_lines_cover(struct vfio_platform_device *a,
					    struct vfio_platform_device *b)
{
	unsigned int i, j;

	for (j = 0; j < b->num_reset_lines; j++) {
		for (i = 0; i < a->num_reset_lines; i++)
			if (vfio_platform_reset_line_equal(&a->reset_lines[i],
							   &b->reset_lines[j]))
				break;
		if (i == a->num_reset_lines)
			return false;
	}
	return true;
}

/*
 * The first other device open on a line of @vpdev, of another owner only when
 * @any_owner is false; NULL if there is none.
 */
static struct vfio_platform_device *
vfio_platform_reset_line_blocker(struct vfio_platform_device *vpdev,
				 bool any_owner)
{
	struct vfio_platform_device *other;

	lockdep_assert_held(&vfio_platform_reset_lines_lock);

	list_for_each_entry(other, &vfio_platform_reset_line_users, line_node) {
		if (other == vpdev || !other->line_open ||
		    !vfio_platform_reset_lines_shared(vpdev, other))
			continue;
		if (any_owner || !vfio_platform_same_owner(vpdev, other))
			return other;
	}
	return NULL;
}

/*
 * Reset @vpdev, and with it every device on its lines. A closed device all of
 * whose lines were pulsed holds nobody's state any more; an open one, @vpdev
 * included, is its owner's again as soon as the pulse is over.
 */
static int vfio_platform_reset_line_pulse(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_device *other;
	int ret;

	lockdep_assert_held(&vfio_platform_reset_lines_lock);

	ret = vfio_platform_reset(vpdev);
	if (ret)
		return ret;
	list_for_each_entry(other, &vfio_platform_reset_line_users, line_node)
		if (!other->line_open &&
		    vfio_platform_reset_lines_cover(vpdev, other))
			other->line_dirty = false;
	return 0;
}

/**
 * vfio_platform_reset_lines_init() - learn which reset lines a device is on
 * @vpdev: the device, whose reset source is chosen
 *
 * Return: 0 or a negative errno.
 */
int vfio_platform_reset_lines_init(struct vfio_platform_device *vpdev)
{
	struct device_node *np = dev_of_node(vpdev->vdev.dev);
	struct of_phandle_args *lines;
	int i, n, ret;

	INIT_LIST_HEAD(&vpdev->line_node);
	/* Whatever the device's previous driver left in it. */
	vpdev->line_dirty = true;

	if (vpdev->reset_source != VFIO_PLATFORM_RESET_CONTROLLER)
		return 0;
	/*
	 * Without "resets", the lines come from a lookup entry: one line,
	 * with no node and no argument, the same for every such device.
	 */
	n = np ? of_count_phandle_with_args(np, "resets", "#reset-cells") : 0;
	lines = kcalloc(max(n, 1), sizeof(*lines), GFP_KERNEL);
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ret = of_parse_phandle_with_args(np, "resets", "#reset-cells",
						 i, &lines[i]);
		if (ret) {
			while (i--)
				of_node_put(lines[i].np);
			kfree(lines);
			return ret;
		}
	}
	vpdev->reset_lines = lines;
	vpdev->num_reset_lines = max(n, 1);

	mutex_lock(&vfio_platform_reset_lines_lock);
	list_add_tail(&vpdev->line_node, &vfio_platform_reset_line_users);
	mutex_unlock(&vfio_platform_reset_lines_lock);
	return 0;
}

/**
 * vfio_platform_reset_lines_release() - forget a device's reset lines
 * @vpdev: the device, closed, initialised by vfio_platform_reset_lines_init()
 *	or zeroed
 */
void vfio_platform_reset_lines_release(struct vfio_platform_device *vpdev)
{
	unsigned int i;

	if (!vpdev->num_reset_lines)
		return;

	mutex_lock(&vfio_platform_reset_lines_lock);
	list_del_init(&vpdev->line_node);
	mutex_unlock(&vfio_platform_reset_lines_lock);

	for (i = 0; i < vpdev->num_reset_lines; i++)
		of_node_put(vpdev->reset_lines[i].np);
	kfree(vpdev->reset_lines);
	vpdev->reset_lines = NULL;
	vpdev->num_reset_lines = 0;
}

/**
 * vfio_platform_reset_open() - reset a device for its new owner
 * @vpdev: the device, being opened
 *
 * While another device on its lines is open, a device still clean from a
 * pulse of its lines while it was closed is not reset again, so as not to
 * reset the open one for nothing.
 *
 * Return: 0 when the device was reset or is clean; -EBUSY when it is dirty and
 * a device on its line is another owner's; or the error of the reset.
 */
int vfio_platform_reset_open(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_device *busy, *blocker;
	int ret = 0;

	if (!vpdev->num_reset_lines)
		return vfio_platform_reset(vpdev);

	mutex_lock(&vfio_platform_reset_lines_lock);
	busy = vfio_platform_reset_line_blocker(vpdev, true);
	blocker = busy ? vfio_platform_reset_line_blocker(vpdev, false) : NULL;
	if (!busy || (vpdev->line_dirty && !blocker)) {
		ret = vfio_platform_reset_line_pulse(vpdev);
	} else if (vpdev->line_dirty) {
		dev_err_ratelimited(vpdev->vdev.dev, "cannot be reset before it is opened: %s, on the same reset line, is open by another owner\n",
				    dev_name(blocker->vdev.dev));
		ret = -EBUSY;
	}
	if (!ret) {
		vpdev->line_open = true;
		vpdev->line_dirty = true;
	}
	mutex_unlock(&vfio_platform_reset_lines_lock);
	return ret;
}

/**
 * vfio_platform_reset_close() - reset a device its owner has closed
 * @vpdev: the device, being closed
 *
 * A device that shares a line with another open device, whoever owns it, is
 * not reset: it is left dirty, and reset before it is opened again.
 */
void vfio_platform_reset_close(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_device *blocker;
	int ret;

	if (!vpdev->num_reset_lines) {
		ret = vfio_platform_reset(vpdev);
		goto out;
	}

	mutex_lock(&vfio_platform_reset_lines_lock);
	vpdev->line_open = false;
	blocker = vfio_platform_reset_line_blocker(vpdev, true);
	if (blocker) {
		dev_info_ratelimited(vpdev->vdev.dev, "not reset at close: %s, on the same reset line, is open; it will be reset before it is opened again\n",
				     dev_name(blocker->vdev.dev));
		ret = 0;
	} else {
		ret = vfio_platform_reset_line_pulse(vpdev);
	}
	mutex_unlock(&vfio_platform_reset_lines_lock);
out:
	if (ret)
		dev_warn(vpdev->vdev.dev, "reset at close failed: %d\n", ret);
}

/**
 * vfio_platform_reset_ioctl() - VFIO_DEVICE_RESET
 * @vpdev: the device, open
 *
 * Return: 0, -EBUSY when a device on the same reset line is another owner's,
 * or the error of vfio_platform_reset().
 */
int vfio_platform_reset_ioctl(struct vfio_platform_device *vpdev)
{
	struct vfio_platform_device *blocker;
	int ret;

	if (!vpdev->num_reset_lines)
		return vfio_platform_reset(vpdev);

	mutex_lock(&vfio_platform_reset_lines_lock);
	blocker = vfio_platform_reset_line_blocker(vpdev, false);
	if (blocker) {
		dev_info_ratelimited(vpdev->vdev.dev, "reset refused: %s, on the same reset line, is open by another owner\n",
				     dev_name(blocker->vdev.dev));
		ret = -EBUSY;
	} else {
		ret = vfio_platform_reset_line_pulse(vpdev);
	}
	mutex_unlock(&vfio_platform_reset_lines_lock);
	return ret;
}
