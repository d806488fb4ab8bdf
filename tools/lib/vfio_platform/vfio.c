// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO for libvfio_platform: the group/container interface, the device cdev
 * with iommufd, interrupts and DMA buffers, one ioctl per helper.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "libvfio_platform.h"

int vfio_group_open(int group)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return vp_fail(errno, "open", path);
	return fd;
}

int vfio_group_viable(int group_fd)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (ioctl(group_fd, VFIO_GROUP_GET_STATUS, &status))
		return vp_fail(errno, "VFIO_GROUP_GET_STATUS", NULL);
	return !!(status.flags & VFIO_GROUP_FLAGS_VIABLE);
}

const char *vfio_container_node = "/dev/vfio/vfio";

bool vfio_container_is_iommufd(int container)
{
	struct iommu_option get = {
		.size = sizeof(get),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};

	/* type1's container knows no iommufd ioctl */
	return !ioctl(container, IOMMU_OPTION, &get);
}

int vfio_container_attach(int group_fd, unsigned long type)
{
	int container, err;

	container = vfio_container_open();
	if (container < 0)
		return container;
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container)) {
		err = errno;
		close(container);
		return vp_fail(err, "VFIO_GROUP_SET_CONTAINER", NULL);
	}
	if (ioctl(container, VFIO_SET_IOMMU, type)) {
		err = errno;
		close(container);
		return vp_fail(err, "VFIO_SET_IOMMU", NULL);
	}
	return container;
}

int vfio_container_open(void)
{
	int container = open(vfio_container_node, O_RDWR | O_CLOEXEC);

	return container < 0 ? vp_fail(errno, "open", vfio_container_node) : container;
}

int vfio_group_set_container(int group_fd, int container)
{
	if (ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container))
		return vp_fail(errno, "VFIO_GROUP_SET_CONTAINER", NULL);
	return 0;
}

int vfio_set_iommu(int container, unsigned long type)
{
	if (ioctl(container, VFIO_SET_IOMMU, type))
		return vp_fail(errno, "VFIO_SET_IOMMU", NULL);
	return 0;
}

int vfio_device_get(int group_fd, const char *name)
{
	int fd;

	fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	if (fd < 0)
		return vp_fail(errno, "VFIO_GROUP_GET_DEVICE_FD", name);
	return fd;
}

int vfio_dma_map(int container, void *vaddr, __u64 iova, __u64 size,
		 __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (__u64)(unsigned long)vaddr,
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
		return vp_fail(errno, "VFIO_IOMMU_MAP_DMA", NULL);
	return 0;
}

int vfio_dma_unmap(int container, __u64 iova, __u64 size)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = size,
	};

	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return vp_fail(errno, "VFIO_IOMMU_UNMAP_DMA", NULL);
	return 0;
}

int vfio_cdev_open(const char *dev)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev", dev);
	dir = opendir(path);
	if (!dir)
		return vp_fail(errno, "opendir", path);
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = vp_fail(errno, "open", path);
		break;
	}
	closedir(dir);
	if (fd == -ENOENT)
		vp_log("%s has no vfio device cdev", dev);
	return fd;
}

int vfio_cdev_bind_id(int device, int iommufd, __u32 *dev_id)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return vp_fail(errno, "VFIO_DEVICE_BIND_IOMMUFD", NULL);
	if (dev_id)
		*dev_id = bind.out_devid;
	return 0;
}

int vfio_cdev_bind(int device, int iommufd)
{
	return vfio_cdev_bind_id(device, iommufd, NULL);
}

int vfio_cdev_attach(int device, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return vp_fail(errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", NULL);
	return 0;
}

int vfio_cdev_detach(int device)
{
	struct vfio_device_detach_iommufd_pt detach = { .argsz = sizeof(detach) };

	if (ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach))
		return vp_fail(errno, "VFIO_DEVICE_DETACH_IOMMUFD_PT", NULL);
	return 0;
}

int iommufd_ioas_alloc(int iommufd, __u32 *id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return vp_fail(errno, "IOMMU_IOAS_ALLOC", NULL);
	*id = alloc.out_ioas_id;
	return 0;
}

int iommufd_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };

	if (ioctl(iommufd, IOMMU_DESTROY, &destroy))
		return vp_fail(errno, "IOMMU_DESTROY", NULL);
	return 0;
}

int iommufd_hwpt_alloc(int iommufd, __u32 dev_id, __u32 pt_id, __u32 *id)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = dev_id,
		.pt_id = pt_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &alloc))
		return vp_fail(errno, "IOMMU_HWPT_ALLOC", NULL);
	*id = alloc.out_hwpt_id;
	return 0;
}

int iommufd_ioas_map_flags(int iommufd, __u32 ioas, void *vaddr, __u64 iova,
			   __u64 size, __u32 flags)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.ioas_id = ioas,
		.user_va = (__u64)(unsigned long)vaddr,
		.length = size,
		.iova = iova,
	};

	if (ioctl(iommufd, IOMMU_IOAS_MAP, &map))
		return vp_fail(errno, "IOMMU_IOAS_MAP", NULL);
	return 0;
}

int iommufd_ioas_map(int iommufd, __u32 ioas, void *vaddr, __u64 iova,
		     __u64 size)
{
	return iommufd_ioas_map_flags(iommufd, ioas, vaddr, iova, size,
				      IOMMU_IOAS_MAP_READABLE |
				      IOMMU_IOAS_MAP_WRITEABLE);
}

int iommufd_ioas_unmap(int iommufd, __u32 ioas, __u64 iova, __u64 size)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = ioas,
		.iova = iova,
		.length = size,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
		return vp_fail(errno, "IOMMU_IOAS_UNMAP", NULL);
	return 0;
}

int iommufd_option(int iommufd, __u32 option, __u16 op, __u32 id, __u64 *val)
{
	struct iommu_option opt = {
		.size = sizeof(opt),
		.option_id = option,
		.op = op,
		.object_id = id,
		.val64 = *val,
	};

	if (ioctl(iommufd, IOMMU_OPTION, &opt))
		return -errno;
	*val = opt.val64;
	return 0;
}

int iommufd_option_set(int iommufd, __u32 option, __u32 id, __u64 val)
{
	int ret = iommufd_option(iommufd, option, IOMMU_OPTION_OP_SET, id, &val);

	return ret ? vp_fail(-ret, "IOMMU_OPTION set", NULL) : 0;
}

int iommufd_option_get(int iommufd, __u32 option, __u32 id, __u64 *val)
{
	int ret;

	*val = 0;
	ret = iommufd_option(iommufd, option, IOMMU_OPTION_OP_GET, id, val);
	return ret ? vp_fail(-ret, "IOMMU_OPTION get", NULL) : 0;
}

static int vfio_irq_set(int device, unsigned int index, __u32 flags,
			unsigned int count, const void *data, size_t size)
{
	union {
		struct vfio_irq_set set;
		__u8 bytes[sizeof(struct vfio_irq_set) + sizeof(__s32)];
	} u;

	if (size > sizeof(u.bytes) - sizeof(u.set))
		return -EINVAL;
	u.set.argsz = sizeof(u.set) + size;
	u.set.flags = flags;
	u.set.index = index;
	u.set.start = 0;
	u.set.count = count;
	if (size)
		memcpy(u.set.data, data, size);
	if (ioctl(device, VFIO_DEVICE_SET_IRQS, &u.set))
		return -errno;
	return 0;
}

int vfio_irq_eventfd(int device, unsigned int index, unsigned int action,
		     int efd)
{
	__s32 fd = efd;

	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_EVENTFD | action, 1,
			    &fd, sizeof(fd));
}

int vfio_irq_none(int device, unsigned int index, unsigned int action,
		  unsigned int count)
{
	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_NONE | action,
			    count, NULL, 0);
}

int vfio_irq_bool(int device, unsigned int index, unsigned int action,
		  __u8 val)
{
	return vfio_irq_set(device, index, VFIO_IRQ_SET_DATA_BOOL | action, 1,
			    &val, sizeof(val));
}

int efd_wait(int efd, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	__u64 count;
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret < 0)
		return vp_fail(errno, "poll", "eventfd");
	if (!ret)
		return 0;
	if (read(efd, &count, sizeof(count)) != sizeof(count))
		return vp_fail(errno, "read", "eventfd");
	return count;
}

void *dma_buffer(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		vp_fail(errno, "mmap", "of a DMA buffer");
		return NULL;
	}
	return p;
}

void dma_buffer_free(void *buf, size_t size)
{
	if (buf)
		munmap(buf, size);
}
