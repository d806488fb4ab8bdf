// SPDX-License-Identifier: GPL-2.0
/*
 * The registers of a vfio-platform-sim device for libvfio_platform, through
 * a mapping of its region 0. The device polls its doorbells, so writing one
 * waits for the device to consume the write before it and after it.
 */
#include <endian.h>
#include <errno.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "libvfio_platform.h"

int sim_regs_map(int device, struct sim_regs *regs)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = 0 };
	void *p;

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info))
		return vp_fail(errno, "VFIO_DEVICE_GET_REGION_INFO", "0");
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, device,
		 info.offset);
	if (p == MAP_FAILED)
		return vp_fail(errno, "mmap", "region 0");
	regs->base = p;
	regs->size = info.size;
	return 0;
}

void sim_regs_unmap(struct sim_regs *regs)
{
	if (regs->base)
		munmap(regs->base, regs->size);
	regs->base = NULL;
}

/*
 * A relaxed atomic access is one access of exactly its width: the compiler
 * never splits, merges or drops it, as it may a plain one.
 */
__u8 mmio_read8(const void *addr)
{
	return __atomic_load_n((const __u8 *)addr, __ATOMIC_RELAXED);
}

void mmio_write8(void *addr, __u8 val)
{
	__atomic_store_n((__u8 *)addr, val, __ATOMIC_RELAXED);
}

__u32 mmio_read32(const void *addr)
{
	return __atomic_load_n((const __u32 *)addr, __ATOMIC_RELAXED);
}

void mmio_write32(void *addr, __u32 val)
{
	__atomic_store_n((__u32 *)addr, val, __ATOMIC_RELAXED);
}

/* The registers are little-endian, whatever the CPU. */
__u32 sim_reg_read(struct sim_regs *regs, unsigned int off)
{
	return le32toh(mmio_read32(regs->base + off));
}

__u64 sim_reg_read64(struct sim_regs *regs, unsigned int off)
{
	return sim_reg_read(regs, off) |
	       (__u64)sim_reg_read(regs, off + 4) << 32;
}

void sim_reg_write(struct sim_regs *regs, unsigned int off, __u32 val)
{
	mmio_write32(regs->base + off, htole32(val));
}

void sim_reg_write64(struct sim_regs *regs, unsigned int off, __u64 val)
{
	sim_reg_write(regs, off, (__u32)val);
	sim_reg_write(regs, off + 4, val >> 32);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

int sim_wait_reg(struct sim_regs *regs, unsigned int off, __u32 mask,
		 __u32 val)
{
	unsigned int ms;

	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		if ((sim_reg_read(regs, off) & mask) == val)
			return 0;
		sleep_ms(1);
	}
	vp_log("register %#x: %#x & %#x never became %#x", off,
	       sim_reg_read(regs, off), mask, val);
	return -ETIMEDOUT;
}

int sim_ring(struct sim_regs *regs, unsigned int doorbell, __u32 val)
{
	int ret;

	/* The device consumes a doorbell when it polls: never lose a write. */
	ret = sim_wait_reg(regs, doorbell, ~0U, 0);
	if (ret)
		return ret;
	sim_reg_write(regs, doorbell, val);
	return sim_wait_reg(regs, doorbell, ~0U, 0);
}

int sim_dma(struct sim_regs *regs, __u32 cmd, __u64 src, __u64 dst,
	    __u32 len)
{
	__u32 seq = sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ);
	unsigned int ms;
	int ret;

	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_SRC, src);
	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_DST, dst);
	sim_reg_write(regs, VFIO_PSIM_REG_DMA_LEN, len);
	ret = sim_ring(regs, VFIO_PSIM_REG_DMA_CMD, cmd);
	if (ret)
		return ret;
	for (ms = 0; ms < SIM_TIMEOUT_MS; ms++) {
		if (sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ) != seq)
			return sim_reg_read(regs, VFIO_PSIM_REG_DMA_STATUS);
		sleep_ms(1);
	}
	vp_log("DMA command %u never finished", cmd);
	return -ETIMEDOUT;
}
