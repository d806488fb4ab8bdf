// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-platform-sim: the DMA engine of a simulated device.
 *
 * Commands run synchronously in the device's poll work, one bounce page at a
 * time. Every access goes through vfio_psim_iommu_rw(), which translates it
 * through the device's current IOMMU domain and checks the protection of the
 * mapping, so the engine faults exactly where a device behind a real IOMMU
 * would: the command stops at the first access that fails and the fault is
 * reported in the registers and by an interrupt.
 */
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "vfio_platform_sim.h"

/**
 * struct vfio_psim_dma - a command in flight
 * @sdev: the device running it
 * @count: bytes written so far
 * @fault: FAULT_STATUS once an access failed
 * @fault_iova: FAULT_IOVA once an access failed
 */
struct vfio_psim_dma {
	struct vfio_psim_dev *sdev;
	u32 count;
	u32 fault;
	u64 fault_iova;
};

static bool vfio_psim_dma_fault(struct vfio_psim_dma *dma, unsigned int code,
				unsigned int access, u64 iova)
{
	dma->fault = code | access << 8;
	dma->fault_iova = iova;
	return false;
}

static bool vfio_psim_dma_access(struct vfio_psim_dma *dma, u64 iova, void *buf,
				 size_t len, unsigned int access)
{
	u64 fault_iova;
	size_t done;
	int fault;

	fault = vfio_psim_iommu_rw(&dma->sdev->iommu, iova, buf, len, access,
				   &done, &fault_iova);
	if (access == VFIO_PSIM_ACCESS_WRITE)
		dma->count += done;
	if (fault)
		return vfio_psim_dma_fault(dma, fault, access, fault_iova);
	return true;
}

/*
 * Moves @len bytes from @src to @dst, or stores @len copies of the byte @fill
 * at @dst when @fill is not negative.
 */
static bool vfio_psim_dma_move(struct vfio_psim_dma *dma, u64 src, u64 dst,
			       u64 len, int fill)
{
	void *buf = dma->sdev->bounce;
	size_t n;

	if (len > VFIO_PSIM_DMA_MAX_LEN || dst + len < dst ||
	    (fill < 0 && src + len < src))
		return vfio_psim_dma_fault(dma, VFIO_PSIM_FAULT_COMMAND, 0, 0);

	if (fill >= 0)
		memset(buf, fill, min_t(u64, len, PAGE_SIZE));
	while (len) {
		/* A reset is waiting for the device. */
		if (atomic_read(&dma->sdev->abort))
			return false;

		n = min_t(u64, len, PAGE_SIZE);
		if (fill < 0 &&
		    !vfio_psim_dma_access(dma, src, buf, n, VFIO_PSIM_ACCESS_READ))
			return false;
		if (!vfio_psim_dma_access(dma, dst, buf, n, VFIO_PSIM_ACCESS_WRITE))
			return false;
		src += n;
		dst += n;
		len -= n;
		cond_resched();
	}
	return true;
}

/* Fetches the program at @pc one descriptor at a time and runs it. */
static bool vfio_psim_dma_fetch(struct vfio_psim_dma *dma, u64 pc)
{
	u8 desc[sizeof(struct vfio_psim_desc)];
	unsigned int i;
	u64 src, dst;
	u32 op, len;
	bool ok;

	for (i = 0; i < VFIO_PSIM_PROG_MAX; i++, pc += sizeof(desc)) {
		if (atomic_read(&dma->sdev->abort))
			return false;
		if (!vfio_psim_dma_access(dma, pc, desc, sizeof(desc),
					  VFIO_PSIM_ACCESS_FETCH))
			return false;

		op = get_unaligned_le32(desc + offsetof(struct vfio_psim_desc, op));
		len = get_unaligned_le32(desc + offsetof(struct vfio_psim_desc, len));
		src = get_unaligned_le64(desc + offsetof(struct vfio_psim_desc, src));
		dst = get_unaligned_le64(desc + offsetof(struct vfio_psim_desc, dst));
		switch (op) {
		case VFIO_PSIM_DESC_END:
			return true;
		case VFIO_PSIM_DESC_COPY:
			ok = vfio_psim_dma_move(dma, src, dst, len, -1);
			break;
		case VFIO_PSIM_DESC_FILL:
			ok = vfio_psim_dma_move(dma, 0, dst, len, src & 0xff);
			break;
		default:
			return vfio_psim_dma_fault(dma, VFIO_PSIM_FAULT_COMMAND,
						   VFIO_PSIM_ACCESS_FETCH, pc);
		}
		if (!ok)
			return false;
	}
	/* No VFIO_PSIM_DESC_END in time. */
	return vfio_psim_dma_fault(dma, VFIO_PSIM_FAULT_COMMAND,
				   VFIO_PSIM_ACCESS_FETCH, pc);
}

static u32 vfio_psim_dma_line(struct vfio_psim_dev *sdev, unsigned int line)
{
	return line < sdev->irqs.num ? BIT(line) : 0;
}

/**
 * vfio_psim_dma_run() - run the command software wrote to DMA_CMD
 * @sdev: the device, locked
 * @cmd: the command
 *
 * Reads the command's arguments from the registers and leaves its outcome in
 * the device's DMA and fault state; the caller writes the registers.
 *
 * Return: the interrupt lines to raise: DMA_IRQ's completion or fault line,
 * none if a reset stopped the command.
 */
u32 vfio_psim_dma_run(struct vfio_psim_dev *sdev, u32 cmd)
{
	void __iomem *regs = sdev->regs;
	struct vfio_psim_dma dma = { .sdev = sdev };
	u32 irq = readl(regs + VFIO_PSIM_REG_DMA_IRQ);
	u64 src = lo_hi_readq(regs + VFIO_PSIM_REG_DMA_SRC);
	u64 dst = lo_hi_readq(regs + VFIO_PSIM_REG_DMA_DST);
	u32 len = readl(regs + VFIO_PSIM_REG_DMA_LEN);
	bool ok;

	lockdep_assert_held(&sdev->lock);

	sdev->dma_status = VFIO_PSIM_DMA_BUSY;
	sdev->dma_count = 0;
	sdev->fault_status = 0;
	sdev->fault_iova = 0;
	writel(sdev->dma_status, regs + VFIO_PSIM_REG_DMA_STATUS);
	writel(0, regs + VFIO_PSIM_REG_DMA_COUNT);
	writel(0, regs + VFIO_PSIM_REG_FAULT_STATUS);
	lo_hi_writeq(0, regs + VFIO_PSIM_REG_FAULT_IOVA);

	switch (cmd) {
	case VFIO_PSIM_DMA_CMD_COPY:
		ok = vfio_psim_dma_move(&dma, src, dst, len, -1);
		break;
	case VFIO_PSIM_DMA_CMD_FETCH:
		ok = vfio_psim_dma_fetch(&dma, src);
		break;
	default:
		ok = vfio_psim_dma_fault(&dma, VFIO_PSIM_FAULT_COMMAND, 0, 0);
		break;
	}

	/* The reset that stopped it sets the registers. */
	if (!ok && !dma.fault)
		return 0;

	sdev->dma_count = dma.count;
	sdev->dma_seq++;
	if (ok) {
		sdev->dma_status = VFIO_PSIM_DMA_DONE;
		return vfio_psim_dma_line(sdev, VFIO_PSIM_DMA_IRQ_DONE(irq));
	}
	sdev->dma_status = VFIO_PSIM_DMA_FAULT;
	sdev->fault_status = dma.fault;
	sdev->fault_iova = dma.fault_iova;
	return vfio_psim_dma_line(sdev, VFIO_PSIM_DMA_IRQ_FAULT(irq));
}
