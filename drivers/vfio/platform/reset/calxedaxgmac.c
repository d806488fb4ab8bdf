// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset of a Calxeda Highbank XGMAC owned through vfio-platform.
 *
 * The MAC has no reset of its own that software can trigger without also
 * losing its configuration, so "reset" here means what its kernel driver does
 * when the interface goes down: nothing moves and nothing interrupts. Every
 * register is in the device's first MMIO region.
 */
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/vfio_platform.h>

#define XGMAC_COMPATIBLE		"calxeda,hb-xgmac"

/* MAC configuration. */
#define XGMAC_MAC_CONFIG		0x000
#define XGMAC_MAC_CONFIG_TX_EN		BIT(3)
#define XGMAC_MAC_CONFIG_RX_EN		BIT(2)

/* DMA status: interrupt causes in bits 16:0 are write-one-to-clear. */
#define XGMAC_DMA_STATUS		0xf14
#define XGMAC_DMA_STATUS_CAUSES		GENMASK(16, 0)

/* DMA operation mode. */
#define XGMAC_DMA_CONTROL		0xf18
#define XGMAC_DMA_CONTROL_TX_START	BIT(13)
#define XGMAC_DMA_CONTROL_RX_START	BIT(1)

/* DMA interrupt enables, one per cause of XGMAC_DMA_STATUS. */
#define XGMAC_DMA_INTR_ENABLE		0xf1c

/* The last register the reset touches ends here. */
#define XGMAC_REGS_END			(XGMAC_DMA_INTR_ENABLE + 4)

static void xgmac_reset_clear_bits(void __iomem *reg, u32 bits)
{
	writel(readl(reg) & ~bits, reg);
}

static int xgmac_reset(struct device *dev)
{
	struct resource *res;
	void __iomem *base;

	if (!dev_is_platform(dev))
		return -ENODEV;
	res = platform_get_resource(to_platform_device(dev), IORESOURCE_MEM, 0);
	if (!res || resource_size(res) < XGMAC_REGS_END)
		return -ENODEV;
	/* vfio-platform may hold the region: map it without claiming it. */
	base = ioremap(res->start, resource_size(res));
	if (!base)
		return -ENOMEM;

	/* First, so that stopping the engines below raises no interrupt. */
	writel(0, base + XGMAC_DMA_INTR_ENABLE);

	/* The DMA before the MAC: no frame is left half moved to memory. */
	xgmac_reset_clear_bits(base + XGMAC_DMA_CONTROL,
			       XGMAC_DMA_CONTROL_TX_START |
			       XGMAC_DMA_CONTROL_RX_START);
	xgmac_reset_clear_bits(base + XGMAC_MAC_CONFIG,
			       XGMAC_MAC_CONFIG_TX_EN | XGMAC_MAC_CONFIG_RX_EN);

	/*
	 * Last: stopping latched "process stopped" causes, and whoever
	 * unmasks an interrupt next must not take one for what happened
	 * before it owned the device.
	 */
	writel(XGMAC_DMA_STATUS_CAUSES, base + XGMAC_DMA_STATUS);

	iounmap(base);
	return 0;
}

static struct vfio_platform_reset_handler xgmac_reset_handler = {
	.compat = XGMAC_COMPATIBLE,
	.reset = xgmac_reset,
};
module_vfio_platform_reset_handler(xgmac_reset_handler);

VFIO_PLATFORM_RESET_ALIAS(XGMAC_COMPATIBLE);
MODULE_DESCRIPTION("Reset of Calxeda XGMAC devices owned through vfio-platform");
MODULE_LICENSE("GPL");
