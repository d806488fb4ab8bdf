// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reset of a Broadcom iProc FlexRM ring manager owned through vfio-platform.
 *
 * The device's MMIO region is a row of 64 KiB ring register blocks. A block
 * whose version register holds the FlexRM signature is a ring; each ring is
 * stopped the way its hardware asks: disabled, then flushed, which the ring
 * acknowledges in its flush-done register once its in-flight work is
 * dropped, then taken out of the flush state, which it acknowledges by
 * clearing that bit again. Each answer is waited for with a bound.
 */
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/vfio_platform.h>

#define FLEXRM_COMPATIBLE		"brcm,iproc-flexrm-mbox"

#define FLEXRM_RING_STRIDE		SZ_64K

/* Registers of one ring, from the start of its block. */
#define FLEXRM_RING_VERSION		0x000
#define FLEXRM_RING_VERSION_SIGNATURE	0x76303031	/* "v001" */
#define FLEXRM_RING_CONTROL		0x034
#define FLEXRM_RING_CONTROL_FLUSH	BIT(5)
#define FLEXRM_RING_FLUSH_DONE		0x038
#define FLEXRM_RING_FLUSH_DONE_BIT	BIT(0)
#define FLEXRM_RING_REGS_END		(FLEXRM_RING_FLUSH_DONE + 4)

#define FLEXRM_FLUSH_POLL_US		1000
#define FLEXRM_FLUSH_TIMEOUT_US		1000000

static int flexrm_reset_wait(void __iomem *ring, bool done)
{
	u32 v;

	return readl_poll_timeout(ring + FLEXRM_RING_FLUSH_DONE, v,
				  !!(v & FLEXRM_RING_FLUSH_DONE_BIT) == done,
				  FLEXRM_FLUSH_POLL_US, FLEXRM_FLUSH_TIMEOUT_US);
}

static int flexrm_reset_ring(struct device *dev, void __iomem *ring,
			     unsigned int index)
{
	int ret;

	writel(0, ring + FLEXRM_RING_CONTROL);
	writel(FLEXRM_RING_CONTROL_FLUSH, ring + FLEXRM_RING_CONTROL);
	ret = flexrm_reset_wait(ring, true);
	/* Leave the ring disabled rather than flushing, whatever happened. */
	writel(0, ring + FLEXRM_RING_CONTROL);
	if (ret) {
		dev_err(dev, "ring %u: flush not done after %u ms\n", index,
			FLEXRM_FLUSH_TIMEOUT_US / 1000);
		return ret;
	}
	ret = flexrm_reset_wait(ring, false);
	if (ret)
		dev_err(dev, "ring %u: still flushing after %u ms\n", index,
			FLEXRM_FLUSH_TIMEOUT_US / 1000);
	return ret;
}

static int flexrm_reset(struct device *dev)
{
	resource_size_t size, off;
	struct resource *res;
	void __iomem *base;
	unsigned int index;
	int ret = 0, err;

	if (!dev_is_platform(dev))
		return -ENODEV;
	res = platform_get_resource(to_platform_device(dev), IORESOURCE_MEM, 0);
	if (!res)
		return -ENODEV;
	size = resource_size(res);
	/* vfio-platform may hold the region: map it without claiming it. */
	base = ioremap(res->start, size);
	if (!base)
		return -ENOMEM;

	/*
	 * A ring that does not stop does not keep the others running: all
	 * are stopped, and the first failure is what the caller learns.
	 */
	for (off = 0, index = 0; off + FLEXRM_RING_REGS_END <= size;
	     off += FLEXRM_RING_STRIDE, index++) {
		if (readl(base + off + FLEXRM_RING_VERSION) !=
		    FLEXRM_RING_VERSION_SIGNATURE)
			continue;
		err = flexrm_reset_ring(dev, base + off, index);
		if (!ret)
			ret = err;
	}

	iounmap(base);
	return ret;
}

static struct vfio_platform_reset_handler flexrm_reset_handler = {
	.compat = FLEXRM_COMPATIBLE,
	.reset = flexrm_reset,
};
module_vfio_platform_reset_handler(flexrm_reset_handler);

VFIO_PLATFORM_RESET_ALIAS(FLEXRM_COMPATIBLE);
MODULE_DESCRIPTION("Reset of Broadcom FlexRM ring managers owned through vfio-platform");
MODULE_LICENSE("GPL");
