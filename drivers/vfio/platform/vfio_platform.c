// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform: the platform bus driver of the VFIO platform core.
 *
 * It binds only devices whose driver_override names it, and hands each one to
 * userspace with its MMIO and port resources as regions, in resource order, and
 * its interrupts as IRQ indexes, in the order platform_get_irq() numbers them.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/pm_runtime.h>
#include <linux/vfio.h>

#include "vfio_platform_priv.h"

static bool reset_required = true;
module_param(reset_required, bool, 0644);
MODULE_PARM_DESC(reset_required,
		 "Refuse to bind a device that cannot be reset; read at each bind (default: true)");

static struct resource *vfio_platform_drv_get_resource(struct device *dev, unsigned int index)
{
	return platform_get_mem_or_io(to_platform_device(dev), index);
}

static int vfio_platform_drv_get_irq(struct device *dev, unsigned int index)
{
	int irq = platform_get_irq_optional(to_platform_device(dev), index);

	/* A previous driver may have left it unrequestable: see the helper. */
	return irq < 0 ? irq : vfio_platform_get_fresh_irq(dev, index, irq);
}

static const struct vfio_platform_bus vfio_platform_drv_bus = {
	.flags		= VFIO_DEVICE_FLAGS_PLATFORM,
	.get_resource	= vfio_platform_drv_get_resource,
	.get_irq	= vfio_platform_drv_get_irq,
};

static int vfio_platform_drv_probe(struct platform_device *pdev)
{
	int ret;

	ret = devm_pm_runtime_enable(&pdev->dev);
	if (ret)
		return ret;

	return vfio_platform_register_device(&pdev->dev, &vfio_platform_drv_bus,
					     READ_ONCE(reset_required));
}

static void vfio_platform_drv_remove(struct platform_device *pdev)
{
	vfio_platform_unregister_device(&pdev->dev);
}

static struct platform_driver vfio_platform_driver = {
	.driver		= {
		.name	= "vfio-platform",
	},
	/* Userspace manages the device's DMA through its VFIO container or iommufd. */
	.driver_managed_dma = true,
	.probe		= vfio_platform_drv_probe,
	.remove		= vfio_platform_drv_remove,
};
module_platform_driver(vfio_platform_driver);

MODULE_DESCRIPTION("VFIO driver for platform devices");
MODULE_LICENSE("GPL");
