// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-example - a small userspace driver for a platform device
 * owned through VFIO.
 *
 * It drives the DMA engine of a device simulated by vfio-platform-sim
 * (registers: include/linux/vfio_platform_sim_regs.h), but the steps are the
 * ones any userspace driver of a platform device takes:
 *
 *  1. open a container and pick its IOMMU model: the EXEC-enforcing
 *     VFIO_TYPE1v2_EXEC_IOMMU when the kernel offers it, else VFIO_TYPE1v2_IOMMU;
 *  2. open the device's group, check that it is viable, put it in the
 *     container, and get the device from it;
 *  3. reset the device and map its register region;
 *  4. route an interrupt to an eventfd;
 *  5. map buffers for DMA, the device's program with execute permission;
 *  6. start the DMA and wait for the interrupt, acknowledge it in the device
 *     and unmask it in VFIO;
 *  7. check the result and undo everything.
 *
 * Bind the device to vfio-platform first, e.g. with vfio-platform-bind, then:
 *
 *	vfio-platform-example DEVICE
 *
 * Exit status: 0 when the DMA moved the data, 1 otherwise.
 *
 * The VFIO calls that open the container, the group and the device, reset
 * it and map DMA are written out here, as the lesson; sysfs, interrupts and
 * the device's registers (found and mapped through GET_REGION_INFO) go
 * through libvfio_platform (tools/lib/vfio_platform), which the selftests
 * share.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/types.h>
#include <linux/vfio.h>

#include "libvfio_platform.h"

/* Kernels without the EXEC extension: the example then uses plain Type1v2. */
#ifndef VFIO_TYPE1v2_EXEC_IOMMU
#define VFIO_TYPE1v2_EXEC_IOMMU		11
#endif
#ifndef VFIO_DMA_MAP_FLAG_EXEC
#define VFIO_DMA_MAP_FLAG_EXEC		0x8
#endif

#define PAGE_SIZE_4K	4096UL

/* Where the device sees our buffers: any free IOVAs will do. */
#define IOVA_PROGRAM	0x100000ULL
#define IOVA_SRC	0x200000ULL
#define IOVA_DST	0x300000ULL

#define MSG_LEN		64

struct example {
	int container;
	int group;
	int device;
	bool exec;		/* the container enforces execute permission */

	struct sim_regs regs;	/* region 0, mmap()ed */

	int irq;		/* eventfd of interrupt line 0, or -1 */
	bool irq_automasked;	/* a level line: VFIO masks it on each interrupt */

	void *program;		/* three pages the device reaches by DMA */
	void *src;
	void *dst;
};

static void step(const char *fmt, ...)
{
	va_list ap;

	printf("example: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int fail(const char *what)
{
	fprintf(stderr, "example: %s: %s\n", what, strerror(errno));
	return -1;
}

static int open_container(struct example *ex, const char *dev)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64];
	int group;

	ex->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (ex->container < 0)
		return fail("/dev/vfio/vfio");
	if (ioctl(ex->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		fprintf(stderr, "example: unknown VFIO API version\n");
		return -1;
	}

	group = vp_iommu_group(dev);
	if (group < 0)
		return -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	ex->group = open(path, O_RDWR | O_CLOEXEC);
	if (ex->group < 0)
		return fail(path);
	if (ioctl(ex->group, VFIO_GROUP_GET_STATUS, &status))
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "example: group %d is not viable: %s\n", group,
			"bind every device in it to VFIO");
		return -1;
	}
	if (ioctl(ex->group, VFIO_GROUP_SET_CONTAINER, &ex->container))
		return fail("VFIO_GROUP_SET_CONTAINER");

	/* An IOMMU model can be chosen once a group is in the container. */
	ex->exec = ioctl(ex->container, VFIO_CHECK_EXTENSION,
			 VFIO_TYPE1v2_EXEC_IOMMU) > 0;
	if (ioctl(ex->container, VFIO_SET_IOMMU,
		  ex->exec ? VFIO_TYPE1v2_EXEC_IOMMU : VFIO_TYPE1v2_IOMMU))
		return fail("VFIO_SET_IOMMU");
	step("group %s in a container, IOMMU model %s", path,
	     ex->exec ? "VFIO_TYPE1v2_EXEC_IOMMU (execute permission enforced)" :
			"VFIO_TYPE1v2_IOMMU");
	return 0;
}

static int open_device(struct example *ex, const char *dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	__u32 id, version;

	ex->device = ioctl(ex->group, VFIO_GROUP_GET_DEVICE_FD, dev);
	if (ex->device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(ex->device, VFIO_DEVICE_GET_INFO, &info))
		return fail("VFIO_DEVICE_GET_INFO");
	if (!(info.flags & VFIO_DEVICE_FLAGS_PLATFORM) || info.num_regions < 1) {
		fprintf(stderr, "example: %s is not a platform device with registers\n", dev);
		return -1;
	}
	step("device %s: %u regions, %u interrupts%s", dev, info.num_regions,
	     info.num_irqs, info.flags & VFIO_DEVICE_FLAGS_RESET ? ", resettable" : "");

	if (info.flags & VFIO_DEVICE_FLAGS_RESET) {
		if (ioctl(ex->device, VFIO_DEVICE_RESET))
			return fail("VFIO_DEVICE_RESET");
		step("device reset");
	}

	/* GET_REGION_INFO says where region 0 is in the device fd; mmap() it. */
	if (sim_regs_map(ex->device, &ex->regs))
		return -1;
	if (ex->regs.size < VFIO_PSIM_REGS_SIZE) {
		fprintf(stderr, "example: region 0 is too small for the registers\n");
		return -1;
	}

	id = sim_reg_read(&ex->regs, VFIO_PSIM_REG_ID);
	if (id != VFIO_PSIM_ID) {
		fprintf(stderr, "example: ID register reads 0x%08x: not a simulated device\n", id);
		return -1;
	}
	id = htole32(id);
	version = sim_reg_read(&ex->regs, VFIO_PSIM_REG_VERSION);
	step("region 0 mapped: %#zx bytes, ID \"%.4s\", version %u.%u",
	     ex->regs.size, (const char *)&id, version >> 16, version & 0xffff);
	return 0;
}

/* Interrupt line 0 signals an eventfd; the device raises it when DMA ends. */
static int setup_irq(struct example *ex)
{
	struct vfio_irq_info info = { .argsz = sizeof(info), .index = 0 };
	int ret;

	if (ioctl(ex->device, VFIO_DEVICE_GET_IRQ_INFO, &info)) {
		step("no interrupt: polling for the end of DMA");
		return 0;
	}
	ex->irq_automasked = info.flags & VFIO_IRQ_INFO_AUTOMASKED;

	ex->irq = eventfd(0, EFD_CLOEXEC);
	if (ex->irq < 0)
		return fail("eventfd");
	ret = vfio_irq_eventfd(ex->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, ex->irq);
	if (ret) {
		errno = -ret;
		return fail("VFIO_DEVICE_SET_IRQS");
	}

	/* Completion and fault both on line 0: the status register tells them apart. */
	sim_reg_write(&ex->regs, VFIO_PSIM_REG_DMA_IRQ, VFIO_PSIM_DMA_IRQ(0, 0));
	step("interrupt 0 (%s) signals eventfd %d", ex->irq_automasked ?
	     "level, masked by VFIO on each interrupt" : "edge", ex->irq);
	return 0;
}

static void *dma_page(struct example *ex, __u64 iova, __u32 flags,
		      const char *what)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	void *buf;

	/*
	 * A page already faulted in: an untouched private page pinned for
	 * reading only would be the shared zero page, which our later writes
	 * would replace by a copy the device never sees.
	 */
	buf = dma_buffer(PAGE_SIZE_4K);
	if (!buf)
		return NULL;
	map.vaddr = (uintptr_t)buf;
	map.iova = iova;
	map.size = PAGE_SIZE_4K;
	map.flags = flags;
	if (ioctl(ex->container, VFIO_IOMMU_MAP_DMA, &map)) {
		fail("VFIO_IOMMU_MAP_DMA");
		dma_buffer_free(buf, PAGE_SIZE_4K);
		return NULL;
	}
	step("%s at IOVA %#llx (%s%s%s)", what, (unsigned long long)iova,
	     flags & VFIO_DMA_MAP_FLAG_READ ? "read" : "",
	     flags & VFIO_DMA_MAP_FLAG_WRITE ? "write" : "",
	     flags & VFIO_DMA_MAP_FLAG_EXEC ? "+exec" : "");
	return buf;
}

static void dma_page_free(struct example *ex, void *buf, __u64 iova)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = PAGE_SIZE_4K,
	};

	if (!buf)
		return;
	if (ioctl(ex->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		fail("VFIO_IOMMU_UNMAP_DMA");
	dma_buffer_free(buf, PAGE_SIZE_4K);
}

static int setup_dma(struct example *ex)
{
	/* The device fetches its program as code: an EXEC container needs EXEC. */
	__u32 prog_flags = VFIO_DMA_MAP_FLAG_READ |
			      (ex->exec ? VFIO_DMA_MAP_FLAG_EXEC : 0);
	struct vfio_psim_desc *desc;

	ex->program = dma_page(ex, IOVA_PROGRAM, prog_flags, "program");
	ex->src = dma_page(ex, IOVA_SRC, VFIO_DMA_MAP_FLAG_READ, "source buffer");
	ex->dst = dma_page(ex, IOVA_DST, VFIO_DMA_MAP_FLAG_WRITE, "destination buffer");
	if (!ex->program || !ex->src || !ex->dst)
		return -1;

	snprintf(ex->src, MSG_LEN, "hello from userspace, through the IOMMU");
	desc = ex->program;
	desc[0].op = htole32(VFIO_PSIM_DESC_COPY);
	desc[0].len = htole32(MSG_LEN);
	desc[0].src = htole64(IOVA_SRC);
	desc[0].dst = htole64(IOVA_DST);
	desc[1].op = htole32(VFIO_PSIM_DESC_END);
	return 0;
}

/* Wait for line 0, then acknowledge it in the device and, if masked, in VFIO. */
static int wait_irq(struct example *ex)
{
	int count, ret;

	count = efd_wait(ex->irq, SIM_TIMEOUT_MS);
	if (count < 0)
		return -1;
	if (!count) {
		fprintf(stderr, "example: no interrupt within %d ms\n", SIM_TIMEOUT_MS);
		return -1;
	}
	step("interrupt received (eventfd count %d, IRQ_STATUS %#x)", count,
	     sim_reg_read(&ex->regs, VFIO_PSIM_REG_IRQ_STATUS));

	/* Deassert the line first, or unmasking would fire it again at once. */
	if (sim_ring(&ex->regs, VFIO_PSIM_REG_IRQ_ACK, 1))
		return -1;
	if (ex->irq_automasked) {
		ret = vfio_irq_none(ex->device, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1);
		if (ret) {
			errno = -ret;
			return fail("VFIO_DEVICE_SET_IRQS unmask");
		}
		step("interrupt acknowledged in the device and unmasked in VFIO");
	} else {
		step("interrupt acknowledged in the device");
	}
	return 0;
}

static int run_dma(struct example *ex)
{
	__u32 seq = sim_reg_read(&ex->regs, VFIO_PSIM_REG_DMA_SEQ);
	__u32 status;

	sim_reg_write64(&ex->regs, VFIO_PSIM_REG_DMA_SRC, IOVA_PROGRAM);
	if (sim_ring(&ex->regs, VFIO_PSIM_REG_DMA_CMD, VFIO_PSIM_DMA_CMD_FETCH))
		return -1;
	step("DMA started: the device fetches its program and copies %d bytes", MSG_LEN);

	if (ex->irq >= 0) {
		if (wait_irq(ex))
			return -1;
	}
	/* DMA_SEQ moves last: then the other registers hold the outcome. */
	if (sim_wait_reg(&ex->regs, VFIO_PSIM_REG_DMA_SEQ, ~0U, seq + 1))
		return -1;

	status = sim_reg_read(&ex->regs, VFIO_PSIM_REG_DMA_STATUS);
	if (status != VFIO_PSIM_DMA_DONE) {
		fprintf(stderr, "example: DMA failed: status %u, fault %#x at IOVA %#llx\n",
			status, sim_reg_read(&ex->regs, VFIO_PSIM_REG_FAULT_STATUS),
			sim_reg_read64(&ex->regs, VFIO_PSIM_REG_FAULT_IOVA));
		return -1;
	}
	if (memcmp(ex->src, ex->dst, MSG_LEN)) {
		fprintf(stderr, "example: DMA done but the data differ\n");
		return -1;
	}
	step("DMA done, %u bytes: \"%s\"",
	     sim_reg_read(&ex->regs, VFIO_PSIM_REG_DMA_COUNT), (char *)ex->dst);
	return 0;
}

static void example_close(struct example *ex)
{
	if (ex->irq >= 0) {
		vfio_irq_none(ex->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, 0);
		close(ex->irq);
	}
	dma_page_free(ex, ex->dst, IOVA_DST);
	dma_page_free(ex, ex->src, IOVA_SRC);
	dma_page_free(ex, ex->program, IOVA_PROGRAM);
	sim_regs_unmap(&ex->regs);
	if (ex->device >= 0)
		close(ex->device);
	if (ex->group >= 0)
		close(ex->group);
	if (ex->container >= 0)
		close(ex->container);
	step("closed: interrupt off, DMA unmapped, device and group released");
}

int main(int argc, char **argv)
{
	struct example ex = {
		.container = -1, .group = -1, .device = -1, .irq = -1,
	};
	int ret;

	vp_log_prefix = "example: ";
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: %s DEVICE\n"
			"Drive the DMA engine of a vfio-platform-sim device bound to vfio-platform.\n",
			argv[0]);
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}

	ret = open_container(&ex, argv[1]);
	if (!ret)
		ret = open_device(&ex, argv[1]);
	if (!ret)
		ret = setup_irq(&ex);
	if (!ret)
		ret = setup_dma(&ex);
	if (!ret)
		ret = run_dma(&ex);
	example_close(&ex);
	return ret ? 1 : 0;
}
