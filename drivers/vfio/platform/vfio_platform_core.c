// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO platform core: hands a platform or AMBA device to userspace through VFIO.
 *
 * The bus drivers (vfio_platform.c, vfio_amba.c) only describe how to find a
 * device's resources and interrupts; this file builds the VFIO device from that,
 * runs its life cycle and dispatches its ioctls. Regions, interrupts and reset
 * each live in a file of their own.
 *
 * The VFIO core serialises open_device() and close_device() and runs them only
 * for the first open and the last close; ioctl(), read(), write() and mmap() run
 * only between the two, concurrently with each other.
 */
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/iommu.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/of_irq.h>
#include <linux/pm_runtime.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_platform_priv.h"

static int vfio_platform_dev_open(struct vfio_device *vdev)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);
	int ret;

	ret = pm_runtime_resume_and_get(vdev->dev);
	if (ret)
		return ret;

	ret = vfio_platform_regions_open(vpdev);
	if (ret)
		goto err_pm_put;

	/* A device that could not be reset would show a previous user's state. */
	if (vfio_platform_has_reset(vpdev)) {
		ret = vfio_platform_reset_open(vpdev);
		if (ret) {
			dev_err_ratelimited(vdev->dev, "reset at open failed: %d\n", ret);
			goto err_close;
		}
	}
	return 0;

err_close:
	vfio_platform_regions_close(vpdev);
err_pm_put:
	pm_runtime_put(vdev->dev);
	return ret;
}

static void vfio_platform_dev_close(struct vfio_device *vdev)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);

	/* Quiet the interrupts first, so that the reset cannot signal anyone. */
	vfio_platform_irqs_close(vpdev);
	vfio_platform_request_close(vpdev);

	if (vfio_platform_has_reset(vpdev))
		vfio_platform_reset_close(vpdev);

	vfio_platform_regions_close(vpdev);
	pm_runtime_put(vdev->dev);
}

static int vfio_platform_ioctl_get_info(struct vfio_platform_device *vpdev,
					struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = vpdev->bus->flags;
	if (vfio_platform_can_reset(vpdev))
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = vpdev->num_regions;
	info.num_irqs = vpdev->num_irqs;

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static long vfio_platform_dev_ioctl(struct vfio_device *vdev, unsigned int cmd,
				    unsigned long arg)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vfio_platform_ioctl_get_info(vpdev, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_platform_ioctl_get_region_info(vpdev, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_platform_ioctl_get_irq_info(vpdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_platform_ioctl_set_irqs(vpdev, uarg);
	case VFIO_DEVICE_RESET:
		return vfio_platform_has_reset(vpdev) ?
		       vfio_platform_reset_ioctl(vpdev) : -EINVAL;
	default:
		return -ENOTTY;
	}
}

/* Called by the VFIO core when the last reference to the device is dropped. */
static void vfio_platform_dev_release(struct vfio_device *vdev)
{
	struct vfio_platform_device *vpdev =
		container_of(vdev, struct vfio_platform_device, vdev);

	vfio_platform_reset_release(vpdev);
	vfio_platform_irqs_release(vpdev);
	vfio_platform_regions_release(vpdev);
	/* Only an open device has one, and the last close dropped it. */
	WARN_ON(vpdev->request_trigger);
	mutex_destroy(&vpdev->request_lock);
	iommu_group_put(vpdev->group);
}

static const struct vfio_device_ops vfio_platform_ops = {
	.name = "vfio-platform",
	/* The first open and the last close of the device, and its end. */
	.open_device = vfio_platform_dev_open,
	.close_device = vfio_platform_dev_close,
	.release = vfio_platform_dev_release,
	/* What the owner does with the device fd in between. */
	.read = vfio_platform_region_read,
	.write = vfio_platform_region_write,
	.mmap = vfio_platform_region_mmap,
	.ioctl = vfio_platform_dev_ioctl,
	.device_feature = vfio_platform_device_feature,
	/* An unbind waiting for the owner to close the device. */
	.request = vfio_platform_request,
	/* DMA through iommufd, as for any device behind an IOMMU. */
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

/* Say why the VFIO core refused a device, when the reason is a common one. */
static void vfio_platform_explain_refusal(struct device *dev, bool had_group,
					  int err)
{
	if (!had_group)
		dev_err(dev, "not behind an IOMMU (no IOMMU group): VFIO cannot confine its DMA, and refuses it unless vfio.enable_unsafe_noiommu_mode is set\n");
	else if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		dev_err(dev, "its IOMMU does not enforce cache coherent DMA, which VFIO requires\n");
	else
		dev_err(dev, "VFIO refused the device: %d\n", err);
}

/**
 * vfio_platform_get_fresh_irq() - make sure an interrupt can be requested again
 * @dev: the device being bound
 * @index: the interrupt's index in @dev's firmware node
 * @irq: the Linux IRQ number the bus resolved for it
 *
 * A driver that ran an interrupt controller or a GPIO controller behind the
 * interrupt (gpio-pl061, through gpiolib) installed a chained handler on it.
 * Removing that handler leaves the descriptor with handle_bad_irq and
 * IRQ_NOREQUEST: nobody can request it, and SET_IRQS would fail with EINVAL
 * without a word. The IRQ core does not remember the flow handler the chip
 * had set, but the interrupt's domain sets it again when it maps the interrupt:
 * so a descriptor in that state, with no action installed, is disposed of and
 * the interrupt mapped again from its firmware description. Nobody can have
 * requested it meanwhile (it is IRQ_NOREQUEST until the new mapping), and the
 * domain serialises the disposal and the mapping against other mappings. The
 * platform and AMBA buses resolve a device's interrupts from the firmware at
 * every probe, so the next driver of the device gets the new mapping too.
 *
 * Return: @irq when it can be requested; the number of its new mapping; or
 * -EBUSY, with a message naming the interrupt and the cause, when it can be
 * neither requested nor mapped again.
 */
int vfio_platform_get_fresh_irq(struct device *dev, unsigned int index, int irq)
{
	int fresh;

	if (irq <= 0 || !irq_check_status_bit(irq, IRQ_NOREQUEST) ||
	    irq_has_action(irq))
		return irq;

	/* Only what the firmware describes can be mapped again. */
	if (!dev->of_node || of_irq_get(dev->of_node, index) != irq) {
		dev_err(dev, "interrupt %u (IRQ %d) cannot be requested: a previous driver left a chained handler's state on it, and it has no device-tree description to map it again from\n",
			index, irq);
		return -EBUSY;
	}

	irq_dispose_mapping(irq);
	fresh = of_irq_get(dev->of_node, index);
	if (fresh <= 0 || irq_check_status_bit(fresh, IRQ_NOREQUEST)) {
		dev_err(dev, "interrupt %u (IRQ %d) cannot be requested: a previous driver left a chained handler's state on it, and mapping it again failed (%d)\n",
			index, irq, fresh);
		return fresh < 0 ? fresh : -EBUSY;
	}
	dev_info(dev, "interrupt %u: IRQ %d was left unrequestable by a previous driver's chained handler; mapped it again as IRQ %d\n",
		 index, irq, fresh);
	return fresh;
}
EXPORT_SYMBOL_GPL(vfio_platform_get_fresh_irq);

/**
 * vfio_platform_register_device() - offer a bus device to userspace through VFIO
 * @dev: the device, being probed by a vfio-platform bus driver
 * @bus: how to find the device's resources and interrupts
 * @reset_required: refuse the device when there is no way to reset it
 *
 * Builds the device's region and interrupt tables, chooses its reset, and
 * registers it with the VFIO core, which needs an IOMMU group for it (or
 * no-IOMMU mode). Runtime PM must be enabled by the caller; the device is
 * resumed while userspace has it open.
 *
 * Return: 0 or a negative errno, with @dev left as it was.
 */
int vfio_platform_register_device(struct device *dev,
				  const struct vfio_platform_bus *bus,
				  bool reset_required)
{
	struct vfio_platform_device *vpdev;
	int ret;

	vpdev = vfio_alloc_device(vfio_platform_device, vdev, dev,
				  &vfio_platform_ops);
	if (IS_ERR(vpdev))
		return PTR_ERR(vpdev);
	vpdev->bus = bus;
	mutex_init(&vpdev->request_lock);

	/* From here on, vfio_platform_dev_release() undoes whatever is done. */
	ret = vfio_platform_regions_init(vpdev);
	if (ret)
		goto err_put;
	ret = vfio_platform_irqs_init(vpdev);
	if (ret)
		goto err_put;
	ret = vfio_platform_reset_init(vpdev, reset_required);
	if (ret)
		goto err_put;

	/*
	 * The devices of an IOMMU group share its domain: one device set
	 * orders their opens, closes and attach, replace and detach calls, as
	 * the functions of a PCI slot get. Each device holds the group, the
	 * set's key, until it is released, after it has left the set: no other
	 * object can take the key's address while the set lives.
	 */
	vpdev->group = iommu_group_get(dev);
	if (vpdev->group) {
		ret = vfio_assign_device_set(&vpdev->vdev, vpdev->group);
		if (ret)
			goto err_put;
	}

	ret = vfio_register_group_dev(&vpdev->vdev);
	if (ret) {
		vfio_platform_explain_refusal(dev, vpdev->group, ret);
		goto err_put;
	}

	dev_set_drvdata(dev, vpdev);
	return 0;

err_put:
	vfio_put_device(&vpdev->vdev);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_platform_register_device);

/**
 * vfio_platform_unregister_device() - take a device back from VFIO
 * @dev: the device, registered by vfio_platform_register_device()
 *
 * Waits until userspace has closed the device.
 */
void vfio_platform_unregister_device(struct device *dev)
{
	struct vfio_platform_device *vpdev = dev_get_drvdata(dev);

	vfio_unregister_group_dev(&vpdev->vdev);
	dev_set_drvdata(dev, NULL);
	vfio_put_device(&vpdev->vdev);
}
EXPORT_SYMBOL_GPL(vfio_platform_unregister_device);

MODULE_DESCRIPTION("VFIO platform core: platform and AMBA devices owned by userspace");
MODULE_LICENSE("GPL");
