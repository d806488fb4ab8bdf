/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvfio_platform: what userspace drivers of a vfio-platform device have in
 * common, shared by the example driver (tools/vfio) and the selftests
 * (tools/testing/selftests/vfio_platform).
 *
 *  - sysfs: plain attribute files, and a platform device's driver and IOMMU
 *    group, bound only through driver_override;
 *  - VFIO: the group/container interface with type1, the device cdev with
 *    iommufd, interrupts routed to eventfds, buffers for DMA;
 *  - the registers of a vfio-platform-sim device, through a mapping of its
 *    region 0 (include/linux/vfio_platform_sim_regs.h, reached through
 *    tools/include).
 *
 * Functions return 0 (or a count, or an fd) on success and a negative errno
 * on failure; dma_buffer() returns NULL. A failure is said on stderr first,
 * in a line that starts with vp_log_prefix, so that the caller's output tells
 * what failed; the SET_IRQS helpers are the exception, because their callers
 * test the errno itself.
 *
 * The VFIO and iommufd calls need the uAPI headers of Linux 6.6 or later
 * (the device cdev); mmio_*() access memory in the CPU's byte order, and
 * sim_reg_*() the device's little-endian registers in any.
 */
#ifndef LIBVFIO_PLATFORM_H
#define LIBVFIO_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/compiler.h>	/* tools/include's: __printf() */
#include <linux/types.h>
#include <linux/vfio_platform_sim_regs.h>

/* "# " unless the program sets another: a TAP comment for the selftests. */
extern const char *vp_log_prefix;

/* Say that @what (on @arg, which may be NULL) failed with @err; return -@err. */
int vp_fail(int err, const char *what, const char *arg);
__printf(1, 2) void vp_log(const char *fmt, ...);

/* Region N of a VFIO platform device starts at this offset of the device fd. */
#define REGION_OFFSET(n)	((__u64)(n) << 40)

/* sysfs */
__printf(2, 3) int vp_write(const char *path, const char *fmt, ...);
/* The contents without trailing newlines: the length, or a negative errno. */
int vp_read(const char *path, char *buf, size_t size);
bool vp_exists(const char *path);
int vp_count_dir(const char *path);
int vp_read_ull(const char *path, unsigned long long *val);

/* The driver of platform device @dev, "" when it has none. */
int vp_driver(const char *dev, char *buf, size_t size);
int vp_unbind(const char *dev);
/*
 * Unbind @dev, set its driver_override to @override ("" clears it), probe it,
 * and check that @want took it.
 */
int vp_bind_override(const char *dev, const char *override, const char *want);
int vp_bind(const char *dev, const char *driver);
/* The number of the IOMMU group of platform device @dev. */
int vp_iommu_group(const char *dev);

/* VFIO: the group and container interface. */
/*
 * The node vfio_container_open() and vfio_container_attach() open:
 * "/dev/vfio/vfio" unless the caller sets another, such as "/dev/iommu",
 * whose file serves the same VFIO container ioctls through iommufd.
 */
extern const char *vfio_container_node;
/* Whether @container is an iommufd, that is iommufd's compat container. */
bool vfio_container_is_iommufd(int container);
int vfio_group_open(int group);
int vfio_group_viable(int group_fd);
/* A new container holding @group_fd, with IOMMU model @type. */
int vfio_container_attach(int group_fd, unsigned long type);
int vfio_container_open(void);
int vfio_group_set_container(int group_fd, int container);
int vfio_set_iommu(int container, unsigned long type);
int vfio_device_get(int group_fd, const char *name);
int vfio_dma_map(int container, void *vaddr, __u64 iova, __u64 size,
		 __u32 flags);
int vfio_dma_unmap(int container, __u64 iova, __u64 size);

/* VFIO: the device cdev and iommufd. */
int vfio_cdev_open(const char *dev);
int vfio_cdev_bind(int device, int iommufd);
int vfio_cdev_bind_id(int device, int iommufd, __u32 *dev_id);
int vfio_cdev_attach(int device, __u32 pt_id);
int vfio_cdev_detach(int device);
int iommufd_ioas_alloc(int iommufd, __u32 *id);
int iommufd_destroy(int iommufd, __u32 id);
int iommufd_hwpt_alloc(int iommufd, __u32 dev_id, __u32 pt_id, __u32 *id);
int iommufd_ioas_map(int iommufd, __u32 ioas, void *vaddr, __u64 iova,
		     __u64 size);
/* IOMMU_IOAS_MAP at a fixed IOVA with IOMMU_IOAS_MAP_* @flags besides. */
int iommufd_ioas_map_flags(int iommufd, __u32 ioas, void *vaddr, __u64 iova,
			   __u64 size, __u32 flags);
int iommufd_ioas_unmap(int iommufd, __u32 ioas, __u64 iova, __u64 size);
/*
 * IOMMU_OPTION on object @id (0 for a global option). iommufd_option() says
 * nothing of a failure, for callers that test the errno: its @op is any
 * IOMMU_OPTION_OP_*, and @val goes in and comes back.
 */
int iommufd_option(int iommufd, __u32 option, __u16 op, __u32 id, __u64 *val);
int iommufd_option_set(int iommufd, __u32 option, __u32 id, __u64 val);
int iommufd_option_get(int iommufd, __u32 option, __u32 id, __u64 *val);

/* VFIO: interrupts, with SET_IRQS over lines [0, count) of @index. */
int vfio_irq_eventfd(int device, unsigned int index, unsigned int action,
		     int efd);
int vfio_irq_none(int device, unsigned int index, unsigned int action,
		  unsigned int count);
int vfio_irq_bool(int device, unsigned int index, unsigned int action,
		  __u8 val);
/* Wait up to @timeout_ms for @efd: its count, 0 on timeout, or an errno. */
int efd_wait(int efd, int timeout_ms);

/*
 * Anonymous memory for DMA, already faulted in: a page VFIO pins for reading
 * only must not be the shared zero page that a later write replaces.
 */
void *dma_buffer(size_t size);
void dma_buffer_free(void *buf, size_t size);

/* Device memory is read and written with exactly one access of the given width. */
__u8 mmio_read8(const void *addr);
void mmio_write8(void *addr, __u8 val);
__u32 mmio_read32(const void *addr);
void mmio_write32(void *addr, __u32 val);

/* How long a simulated device may take to react to a register write. */
#define SIM_TIMEOUT_MS		2000

/* The registers of a simulated device, through a mapping of region 0. */
struct sim_regs {
	__u8 *base;
	size_t size;
};

int sim_regs_map(int device, struct sim_regs *regs);
void sim_regs_unmap(struct sim_regs *regs);
__u32 sim_reg_read(struct sim_regs *regs, unsigned int off);
__u64 sim_reg_read64(struct sim_regs *regs, unsigned int off);
void sim_reg_write(struct sim_regs *regs, unsigned int off, __u32 val);
void sim_reg_write64(struct sim_regs *regs, unsigned int off, __u64 val);
/* Wait until (register @off & @mask) == @val. */
int sim_wait_reg(struct sim_regs *regs, unsigned int off, __u32 mask,
		 __u32 val);
/* Write a doorbell once the device consumed the last write, and wait for it. */
int sim_ring(struct sim_regs *regs, unsigned int doorbell, __u32 val);
/* Run one DMA command to its end: the final DMA_STATUS, or a negative errno. */
int sim_dma(struct sim_regs *regs, __u32 cmd, __u64 src, __u64 dst,
	    __u32 len);

#endif /* LIBVFIO_PLATFORM_H */
