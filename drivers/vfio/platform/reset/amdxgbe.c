// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset of an AMD XGBE (Seattle) Ethernet controller owned through
 * vfio-platform.
 *
 * The controller's first MMIO region holds the MAC and its DMA engine, the
 * second its XPCS. The PCS and auto-negotiation registers are MDIO
 * manageable-device registers that the XPCS region shows through a window:
 * the high bits of the MMD address go to a select register, the low byte
 * picks a 32-bit slot of the window. Both resets used here are bits that the
 * hardware clears when it is done, which is waited for with a bound: a
 * controller that does not finish is not handed to anyone as if it had.
 */
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/mdio.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/vfio_platform.h>

#define XGBE_COMPATIBLE			"amd,xgbe-seattle-v1a"

/* Region 0: DMA mode register and its self-clearing software reset. */
#define XGBE_DMA_MODE			0x3000
#define XGBE_DMA_MODE_SOFT_RESET	BIT(0)
#define XGBE_MAC_REGS_END		(XGBE_DMA_MODE + 4)

/* Region 1: the MMD window, and its select register in the last slot. */
#define XGBE_XPCS_SELECT		0x3fc
#define XGBE_XPCS_REGS_END		(XGBE_XPCS_SELECT + 4)

/* Vendor auto-negotiation registers of MDIO_MMD_AN. */
#define XGBE_AN_INT_MASK		0x8001
#define XGBE_AN_INT_STATUS		0x8002

/* The PCS takes milliseconds to come out of reset, the DMA microseconds. */
#define XGBE_PCS_RESET_POLL_US		20000
#define XGBE_PCS_RESET_TIMEOUT_US	1000000
#define XGBE_DMA_RESET_POLL_US		500
#define XGBE_DMA_RESET_TIMEOUT_US	1000000

/* Points the window at @reg of @mmd and returns the slot that shows it. */
static void __iomem *xgbe_reset_mmd_slot(void __iomem *xpcs, int mmd, u16 reg)
{
	u32 addr = (u32)mmd << 16 | reg;

	writel(addr >> 8, xpcs + XGBE_XPCS_SELECT);
	return xpcs + (addr & 0xff) * 4;
}

static u32 xgbe_reset_mmd_read(void __iomem *xpcs, int mmd, u16 reg)
{
	return readl(xgbe_reset_mmd_slot(xpcs, mmd, reg));
}

static void xgbe_reset_mmd_write(void __iomem *xpcs, int mmd, u16 reg, u32 val)
{
	writel(val, xgbe_reset_mmd_slot(xpcs, mmd, reg));
}

static int xgbe_reset_pcs(struct device *dev, void __iomem *xpcs)
{
	u32 ctrl;
	int ret;

	ctrl = xgbe_reset_mmd_read(xpcs, MDIO_MMD_PCS, MDIO_CTRL1);
	xgbe_reset_mmd_write(xpcs, MDIO_MMD_PCS, MDIO_CTRL1,
			     ctrl | MDIO_CTRL1_RESET);
	ret = read_poll_timeout(xgbe_reset_mmd_read, ctrl,
				!(ctrl & MDIO_CTRL1_RESET),
				XGBE_PCS_RESET_POLL_US, XGBE_PCS_RESET_TIMEOUT_US,
				false, xpcs, MDIO_MMD_PCS, MDIO_CTRL1);
	if (ret)
		dev_err(dev, "PCS still in reset after %u ms\n",
			XGBE_PCS_RESET_TIMEOUT_US / 1000);
	return ret;
}

/* No link comes up, and no link event interrupts, until the next owner asks. */
static void xgbe_reset_quiet_an(void __iomem *xpcs)
{
	u32 ctrl;

	ctrl = xgbe_reset_mmd_read(xpcs, MDIO_MMD_AN, MDIO_CTRL1);
	xgbe_reset_mmd_write(xpcs, MDIO_MMD_AN, MDIO_CTRL1,
			     ctrl & ~MDIO_AN_CTRL1_ENABLE);
	xgbe_reset_mmd_write(xpcs, MDIO_MMD_AN, XGBE_AN_INT_MASK, 0);
	xgbe_reset_mmd_write(xpcs, MDIO_MMD_AN, XGBE_AN_INT_STATUS, 0);
}

static int xgbe_reset_dma(struct device *dev, void __iomem *mac)
{
	u32 mode;
	int ret;

	mode = readl(mac + XGBE_DMA_MODE);
	writel(mode | XGBE_DMA_MODE_SOFT_RESET, mac + XGBE_DMA_MODE);
	ret = readl_poll_timeout(mac + XGBE_DMA_MODE, mode,
				 !(mode & XGBE_DMA_MODE_SOFT_RESET),
				 XGBE_DMA_RESET_POLL_US,
				 XGBE_DMA_RESET_TIMEOUT_US);
	if (ret)
		dev_err(dev, "DMA still in soft reset after %u ms\n",
			XGBE_DMA_RESET_TIMEOUT_US / 1000);
	return ret;
}

static void __iomem *xgbe_reset_map(struct device *dev, unsigned int index,
				    resource_size_t min_size)
{
	struct resource *res;

	res = platform_get_resource(to_platform_device(dev), IORESOURCE_MEM,
				    index);
	if (!res || resource_size(res) < min_size)
		return NULL;
	/* vfio-platform may hold the region: map it without claiming it. */
	return ioremap(res->start, resource_size(res));
}

static int xgbe_reset(struct device *dev)
{
	void __iomem *mac, *xpcs;
	int ret, err;

	if (!dev_is_platform(dev))
		return -ENODEV;
	mac = xgbe_reset_map(dev, 0, XGBE_MAC_REGS_END);
	if (!mac)
		return -ENODEV;
	xpcs = xgbe_reset_map(dev, 1, XGBE_XPCS_REGS_END);
	if (!xpcs) {
		ret = -ENODEV;
		goto out_unmap_mac;
	}

	/*
	 * Every step runs even when one before did not finish: the DMA engine
	 * must be stopped whatever the PCS does. The first failure is what
	 * the caller learns.
	 */
	ret = xgbe_reset_pcs(dev, xpcs);
	xgbe_reset_quiet_an(xpcs);
	err = xgbe_reset_dma(dev, mac);
	if (!ret)
		ret = err;

	iounmap(xpcs);
out_unmap_mac:
	iounmap(mac);
	return ret;
}

static struct vfio_platform_reset_handler xgbe_reset_handler = {
	.compat = XGBE_COMPATIBLE,
	.reset = xgbe_reset,
};
module_vfio_platform_reset_handler(xgbe_reset_handler);

VFIO_PLATFORM_RESET_ALIAS(XGBE_COMPATIBLE);
MODULE_DESCRIPTION("Reset of AMD XGBE devices owned through vfio-platform");
MODULE_LICENSE("GPL");
