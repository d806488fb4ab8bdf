// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-amba: the AMBA bus driver of the VFIO platform core.
 *
 * It binds only devices whose driver_override names it. A PrimeCell has one
 * MMIO region and up to AMBA_NR_IRQS interrupts. Unlike vfio-platform, by
 * default it binds devices that cannot be reset: PrimeCells seldom have a reset
 * line described. Such a device goes on doing whatever its last owner left it
 * doing, DMA included (PL330, PL08x): reset_required refuses it instead.
 */
#include <linux/amba/bus.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pm_runtime.h>
#include <linux/vfio.h>

#include "vfio_platform_priv.h"

/*
 * Off by default, as vfio-amba always bound devices without a reset: turning it
 * on would refuse most PrimeCells users hand over today.
 */
static bool reset_required;
module_param(reset_required, bool, 0644);
MODULE_PARM_DESC(reset_required,
		 "Refuse to bind a device that cannot be reset; read at each bind (default: false). Without a reset, a DMA-capable device may go on running its last owner's DMA after close");

static struct resource *vfio_amba_get_resource(struct device *dev, unsigned int index)
{
	return index ? NULL : &to_amba_device(dev)->res;
}

static int vfio_amba_get_irq(struct device *dev, unsigned int index)
{
	struct amba_device *adev = to_amba_device(dev);

	/* The bus leaves unused entries, and those after them, at 0. */
	if (index >= AMBA_NR_IRQS || !adev->irq[index])
		return -ENXIO;

	/*
	 * A GPIO or interrupt controller's driver may have left the interrupt
	 * unrequestable. adev->irq[] is not updated with a new mapping: the
	 * bus decodes it again from the device tree before every probe, so the
	 * next driver finds the new mapping there by itself.
	 */
	return vfio_platform_get_fresh_irq(dev, index, adev->irq[index]);
}

static const struct vfio_platform_bus vfio_amba_bus = {
	.flags		= VFIO_DEVICE_FLAGS_AMBA,
	.get_resource	= vfio_amba_get_resource,
	.get_irq	= vfio_amba_get_irq,
};

static int vfio_amba_probe(struct amba_device *adev, const struct amba_id *id)
{
	int ret;

	ret = vfio_platform_register_device(&adev->dev, &vfio_amba_bus,
					    READ_ONCE(reset_required));
	if (ret)
		return ret;

	/*
	 * The bus probes with runtime PM enabled and a usage reference held;
	 * drop it so that the device sleeps until userspace opens it.
	 */
	pm_runtime_put(&adev->dev);
	return 0;
}

static void vfio_amba_remove(struct amba_device *adev)
{
	/* Give back the reference the bus drops after remove. */
	pm_runtime_get_noresume(&adev->dev);
	vfio_platform_unregister_device(&adev->dev);
}

/* Only driver_override binds: an empty table matches no device by itself. */
static const struct amba_id vfio_amba_no_ids[] = {
	{ /* sentinel */ }
};

static struct amba_driver vfio_amba_driver = {
	.drv		= {
		.name	= "vfio-amba",
	},
	/* Userspace manages the device's DMA through its VFIO container or iommufd. */
	.driver_managed_dma = true,
	.id_table	= vfio_amba_no_ids,
	.probe		= vfio_amba_probe,
	.remove		= vfio_amba_remove,
};
module_amba_driver(vfio_amba_driver);

MODULE_DESCRIPTION("VFIO driver for AMBA devices");
MODULE_LICENSE("GPL");
