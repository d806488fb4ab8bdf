// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation a scenario makes, failed in turn. A scenario - probing a
 * device, opening it through the group or the cdev, setting its interrupts,
 * resetting, mapping and accessing it, making a simulated device - runs once
 * with the per-task fail-nth file (CONFIG_FAULT_INJECTION) set to 1, so that
 * its first slab or page allocation fails, then with 2, and so on until a run
 * completes without reaching the point set. Each injected failure must give
 * a success or an errno that an allocation failure explains, never a splat
 * (the kernel's log is read after each point) or a leak (the VM lane looks
 * for both), leave nothing half-made behind, and the scenario must succeed
 * right after it without the fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define FAILSLAB		"/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC		"/sys/kernel/debug/fail_page_alloc/"
/* Past this many points a scenario is taken to never finish. */
#define MAX_POINTS		5000U

/*
 * The knobs that make fail-nth reach every allocation: by default the fault
 * attributes leave sleeping allocations and order-0 pages alone, and print a
 * stack for each failure they inject.
 */
static const char * const knobs[][2] = {
	{ FAILSLAB "ignore-gfp-wait", "N" },
	{ FAILSLAB "verbose", "0" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-wait", "N" },
	{ FAIL_PAGE_ALLOC "ignore-gfp-highmem", "N" },
	{ FAIL_PAGE_ALLOC "min-order", "0" },
	{ FAIL_PAGE_ALLOC "verbose", "0" },
	{ SIM_KNOB("msi_window"), "none" },
	{ SIM_KNOB("noexec"), "Y" },
	{ IOMMUFD_UNSAFE_IRQS, "N" },
};

#define NUM_KNOBS	ARRAY_SIZE(knobs)

/* The device every scenario but the first two starts from, and its fds. */
struct ctx {
	struct sim_dev sim;
	int group;		/* IOMMU group number */
	char cdev[64];
	int group_fd;
	int container;
	int device;
	int efd[3];
	__u8 *buf;
	/* what a scenario made and its undo must close */
	int fds[8];
	void *map;
	struct sim_dev made;
	/* the replace scenario: an iommufd, the bound cdev, two page tables */
	int rp_iommufd;
	int rp_device;
	__u32 rp_ioas;
	__u32 rp_hwpt[2];
	unsigned int rp_on;	/* the page table the device is attached to */
	__u64 rp_window;	/* its group's MSI window */
};

#define BUF_SIZE	(64 * 1024)

static int fail_nth_fd = -1;

static int fail_nth_set(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fail_nth_fd, buf, len, 0) == len ? 0 : -errno;
}

/* Whether the point set last was reached; the file then reads 0. */
static bool fail_nth_fired(void)
{
	char buf[16] = "";

	if (pread(fail_nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return false;
	return atoi(buf) == 0;
}

static void fds_close(struct ctx *c)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->fds); i++) {
		if (c->fds[i] >= 0)
			close(c->fds[i]);
		c->fds[i] = -1;
	}
}

/* What a scenario returns for a call that failed without setting errno. */
#define NO_ERRNO	4096

static int fail_errno(void)
{
	return errno ? -errno : -NO_ERRNO;
}

/* Scenarios: 0 or a negative errno; whatever they made is undone by undo(). */

static int probe_run(struct ctx *c)
{
	char path[256], msg[256];
	const char *err;
	int kmsg, ret;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", c->made.name);
	/* Opening the log allocates too: a point like any other. */
	kmsg = vp_kmsg_open();
	if (kmsg < 0)
		return kmsg;
	ret = vp_write("/sys/bus/platform/drivers_probe", "%s", c->made.name);
	if (!ret && access(path, F_OK)) {
		/* The look itself may be what failed: fail-nth is still set. */
		if (errno != ENOENT) {
			ret = -errno;
			goto out;
		}
		/*
		 * A probe that fails leaves the device without a driver and
		 * the write successful: its errno is in the kernel's log, and
		 * a probe that failed without saying why has none.
		 */
		ret = -NO_ERRNO;
		if (vp_kmsg_line(kmsg, c->made.name, "failed with error", msg,
				 sizeof(msg))) {
			err = strstr(msg, "failed with error ");
			ret = atoi(err + strlen("failed with error "));
		}
	}
out:
	close(kmsg);
	return ret;
}

static int probe_prepare(struct ctx *c)
{
	struct sim_config cfg;
	char path[256];
	int ret;

	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	ret = sim_create(&c->made, &cfg);
	if (!ret)
		ret = vp_unbind(c->made.name);
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 c->made.name);
	if (!ret)
		ret = vp_write(path, "%s", VFIO_PLATFORM_DRIVER);
	return ret;
}

static void probe_undo(struct ctx *c)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver/unbind",
		 c->made.name);
	if (vp_exists(path))
		vp_write(path, "%s", c->made.name);
}

static void probe_finish(struct ctx *c)
{
	sim_destroy(&c->made);
}

static int group_run(struct ctx *c)
{
	char path[64];
	int *fd = c->fds;

	snprintf(path, sizeof(path), "/dev/vfio/%d", c->group);
	fd[0] = open(path, O_RDWR | O_CLOEXEC);
	if (fd[0] < 0)
		return fail_errno();
	fd[1] = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd[1] < 0)
		return fail_errno();
	if (ioctl(fd[0], VFIO_GROUP_SET_CONTAINER, &fd[1]) ||
	    ioctl(fd[1], VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail_errno();
	fd[2] = ioctl(fd[0], VFIO_GROUP_GET_DEVICE_FD, c->sim.name);
	return fd[2] < 0 ? fail_errno() : 0;
}

/*
 * An EXEC container of @node, an executable map, and with @open_device the
 * device fd, whose open attaches the group in iommufd's compat container.
 */
static int exec_container_run(struct ctx *c, const char *node, bool open_device)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_EXEC,
		.vaddr = (unsigned long)c->buf,
		.iova = 0x100000,
		.size = 4 * PAGE,
	};
	char path[64];
	int *fd = c->fds;

	snprintf(path, sizeof(path), "/dev/vfio/%d", c->group);
	fd[0] = open(path, O_RDWR | O_CLOEXEC);
	if (fd[0] < 0)
		return fail_errno();
	fd[1] = open(node, O_RDWR | O_CLOEXEC);
	if (fd[1] < 0)
		return fail_errno();
	if (ioctl(fd[0], VFIO_GROUP_SET_CONTAINER, &fd[1]) ||
	    ioctl(fd[1], VFIO_SET_IOMMU, VFIO_TYPE1v2_EXEC_IOMMU) ||
	    ioctl(fd[1], VFIO_IOMMU_MAP_DMA, &map))
		return fail_errno();
	if (!open_device)
		return 0;
	fd[2] = ioctl(fd[0], VFIO_GROUP_GET_DEVICE_FD, c->sim.name);
	return fd[2] < 0 ? fail_errno() : 0;
}

static int exec_run(struct ctx *c)
{
	return exec_container_run(c, "/dev/vfio/vfio", false);
}

static int cdev_run(struct ctx *c)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int *fd = c->fds;

	fd[0] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd[0] < 0)
		return fail_errno();
	fd[1] = open(c->cdev, O_RDWR | O_CLOEXEC);
	if (fd[1] < 0)
		return fail_errno();
	bind.iommufd = fd[0];
	if (ioctl(fd[1], VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(fd[0], IOMMU_IOAS_ALLOC, &alloc))
		return fail_errno();
	attach.pt_id = alloc.out_ioas_id;
	return ioctl(fd[1], VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) ? fail_errno() : 0;
}

/*
 * The device cdev on an IOAS that enforces execute permission: the option,
 * an executable map, the attach, and a map the IOAS makes non-executable.
 */
static int exec_ioas_run(struct ctx *c)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_option option = {
		.size = sizeof(option),
		.option_id = IOMMU_OPTION_ENFORCE_EXEC,
		.op = IOMMU_OPTION_OP_SET,
		.val64 = 1,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_EXECUTABLE,
		.user_va = (unsigned long)c->buf,
		.length = 4 * PAGE,
		.iova = 0x100000,
	};
	int *fd = c->fds;

	fd[0] = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (fd[0] < 0)
		return fail_errno();
	fd[1] = open(c->cdev, O_RDWR | O_CLOEXEC);
	if (fd[1] < 0)
		return fail_errno();
	bind.iommufd = fd[0];
	if (ioctl(fd[1], VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
	    ioctl(fd[0], IOMMU_IOAS_ALLOC, &alloc))
		return fail_errno();
	option.object_id = alloc.out_ioas_id;
	map.ioas_id = alloc.out_ioas_id;
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl(fd[0], IOMMU_OPTION, &option) ||
	    ioctl(fd[0], IOMMU_IOAS_MAP, &map) ||
	    ioctl(fd[1], VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return fail_errno();
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE;
	map.iova = 0x200000;
	return ioctl(fd[0], IOMMU_IOAS_MAP, &map) ? fail_errno() : 0;
}

/* iommufd's compat container, through /dev/iommu, as an EXEC container. */
static int exec_compat_run(struct ctx *c)
{
	return exec_container_run(c, "/dev/iommu", true);
}

/* The device of the group path, open for the scenarios below. */
static int device_prepare(struct ctx *c)
{
	c->group_fd = vfio_group_open(c->group);
	if (c->group_fd < 0)
		return c->group_fd;
	c->container = vfio_container_attach(c->group_fd, VFIO_TYPE1v2_IOMMU);
	if (c->container < 0)
		return c->container;
	c->device = vfio_device_get(c->group_fd, c->sim.name);
	return c->device < 0 ? c->device : 0;
}

static void device_finish(struct ctx *c)
{
	if (c->device >= 0)
		close(c->device);
	if (c->container >= 0)
		close(c->container);
	if (c->group_fd >= 0)
		close(c->group_fd);
	c->device = -1;
	c->container = -1;
	c->group_fd = -1;
}

static int irqs_run(struct ctx *c)
{
	static const unsigned int actions[] = { VFIO_IRQ_SET_ACTION_TRIGGER,
						VFIO_IRQ_SET_ACTION_MASK,
						VFIO_IRQ_SET_ACTION_UNMASK };
	unsigned int i;
	int ret;

	for (i = 0; i < 3; i++) {
		ret = vfio_irq_eventfd(c->device, 0, actions[i], c->efd[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void irqs_undo(struct ctx *c)
{
	static const unsigned int actions[] = { VFIO_IRQ_SET_ACTION_UNMASK,
						VFIO_IRQ_SET_ACTION_MASK,
						VFIO_IRQ_SET_ACTION_TRIGGER };
	unsigned int i;

	for (i = 0; i < 3; i++)
		vfio_irq_eventfd(c->device, 0, actions[i], -1);
}

static int request_set(struct ctx *c, int efd)
{
	struct {
		struct vfio_device_feature hdr;
		struct vfio_device_feature_request req;
	} f = {
		.hdr.argsz = sizeof(f),
		.hdr.flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_REQUEST,
		.req.eventfd = efd,
	};

	return ioctl(c->device, VFIO_DEVICE_FEATURE, &f) ? fail_errno() : 0;
}

/*
 * Connect, replace and disconnect the request eventfd. It allocates nothing
 * today (the sweep finds no point); an allocation added later is swept.
 */
static int request_run(struct ctx *c)
{
	int ret = request_set(c, c->efd[0]);

	ret = ret ?: request_set(c, c->efd[1]);
	return ret ?: request_set(c, -1);
}

static void request_undo(struct ctx *c)
{
	request_set(c, -1);
}

static int reset_run(struct ctx *c)
{
	return ioctl(c->device, VFIO_DEVICE_RESET) ? fail_errno() : 0;
}

static int mmap_run(struct ctx *c)
{
	c->map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, c->device,
		      REGION_OFFSET(0));
	if (c->map == MAP_FAILED) {
		c->map = NULL;
		return fail_errno();
	}
	return 0;
}

static void mmap_undo(struct ctx *c)
{
	if (c->map)
		munmap(c->map, PAGE);
	c->map = NULL;
}

/* Both the small accesses that bounce on the stack and a bulk one. */
static int rw_run(struct ctx *c)
{
	static const size_t sizes[] = { 4, BUF_SIZE };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (pread(c->device, c->buf, sizes[i], REGION_OFFSET(1)) != (ssize_t)sizes[i] ||
		    pwrite(c->device, c->buf, sizes[i], REGION_OFFSET(1)) != (ssize_t)sizes[i])
			return fail_errno();
	}
	return 0;
}

/*
 * A simulated device described in configfs, up to but not including making
 * it live: registering it goes through two failure paths of 6.12 that are not
 * unwound, each freeing a node under its owner - __of_attach_node_sysfs()
 * takes no reference when kobject_add() fails yet the node's detach drops
 * one, and software_node_notify() takes none when a sysfs link fails yet
 * software_node_notify_remove() drops one. Neither is vfio-platform's, and
 * the stack filter of fault injection can exclude only one function.
 */
static int sim_run(struct ctx *c)
{
	static const char * const dirs[] = { "", "/region0", "/region1", "/irq0", "/irq1" };
	char path[256];
	unsigned int i;

	snprintf(c->made.dir, sizeof(c->made.dir), "%s/fail-nth-%d", SIM_CONFIGFS, getpid());
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s%s", c->made.dir, dirs[i]);
		if (mkdir(path, 0755))
			return fail_errno();
	}
	snprintf(path, sizeof(path), "%s/region1/size", c->made.dir);
	if (vp_write(path, "%#lx", 2 * PAGE))
		return fail_errno();
	snprintf(path, sizeof(path), "%s/irq1/trigger", c->made.dir);
	if (vp_write(path, "edge"))
		return fail_errno();
	snprintf(path, sizeof(path), "%s/group", c->made.dir);
	return vp_write(path, "fail-nth") ? fail_errno() : 0;
}

/* Made live unarmed, the device must work; then it goes. */
static void sim_undo(struct ctx *c)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/live", c->made.dir);
	if (vp_exists(path) && !vp_write(path, "1")) {
		snprintf(path, sizeof(path), "%s/dev_name", c->made.dir);
		vp_read(path, c->made.name, sizeof(c->made.name));
	}
	sim_destroy(&c->made);
}

static void fds_undo(struct ctx *c)
{
	fds_close(c);
}

/*
 * A replace between two page tables of one IOAS, which an MSI cookie goes
 * with: the first replace allocates the cookie of the second one. Whatever
 * point fails, the group, still attached, keeps the reservation of its MSI
 * window in the IOAS: a map there fails, also after a failed replace.
 */
static int replace_prepare(struct ctx *c)
{
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char path[128], buf[512], *line, *save;
	unsigned long long start, end;
	char type[32];
	unsigned int i;
	int ret;

	/* An MSI window, and a cookie for the group: the rule's other side. */
	ret = vp_write(SIM_KNOB("msi_window"), "sw_msi\n");
	ret = ret ?: vp_write(IOMMUFD_UNSAFE_IRQS, "Y\n");
	if (ret)
		return ret;
	c->rp_iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	c->rp_device = open(c->cdev, O_RDWR | O_CLOEXEC);
	if (c->rp_iommufd < 0 || c->rp_device < 0)
		return -errno;
	bind.iommufd = c->rp_iommufd;
	if (ioctl(c->rp_device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	ret = iommufd_ioas_alloc(c->rp_iommufd, &c->rp_ioas);
	ret = ret ?: iommufd_ioas_map(c->rp_iommufd, c->rp_ioas, c->buf, 0, BUF_SIZE);
	for (i = 0; i < 2 && !ret; i++) {
		hwpt.dev_id = bind.out_devid;
		hwpt.pt_id = c->rp_ioas;
		if (ioctl(c->rp_iommufd, IOMMU_HWPT_ALLOC, &hwpt))
			return -errno;
		c->rp_hwpt[i] = hwpt.out_hwpt_id;
	}
	ret = ret ?: vfio_cdev_attach(c->rp_device, c->rp_hwpt[0]);
	if (ret)
		return ret;
	c->rp_on = 0;

	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/reserved_regions",
		 c->group);
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return -EIO;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%llx %llx %31s", &start, &end, type) == 3 &&
		    !strcmp(type, "msi"))
			c->rp_window = start;
	}
	return c->rp_window ? 0 : -ENOENT;
}

static int replace_run(struct ctx *c)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = c->rp_hwpt[!c->rp_on],
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
		.ioas_id = c->rp_ioas,
		.user_va = (__u64)(unsigned long)c->buf,
		.length = PAGE,
		.iova = c->rp_window,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = c->rp_ioas,
		.iova = c->rp_window,
		.length = PAGE,
	};

	if (ioctl(c->rp_device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return fail_errno();
	c->rp_on = !c->rp_on;
	/* Whether the map fails for the reservation or the fault, it must fail. */
	if (!ioctl(c->rp_iommufd, IOMMU_IOAS_MAP, &map)) {
		ioctl(c->rp_iommufd, IOMMU_IOAS_UNMAP, &unmap);
		return -ENOTRECOVERABLE;
	}
	return 0;
}

static void replace_finish(struct ctx *c)
{
	if (c->rp_device >= 0)
		close(c->rp_device);
	if (c->rp_iommufd >= 0)
		close(c->rp_iommufd);
	c->rp_device = -1;
	c->rp_iommufd = -1;
	vp_write(IOMMUFD_UNSAFE_IRQS, "N\n");
	vp_write(SIM_KNOB("msi_window"), "none\n");
}

struct scenario {
	const char *name;
	int (*prepare)(struct ctx *c);
	int (*run)(struct ctx *c);
	void (*undo)(struct ctx *c);
	void (*finish)(struct ctx *c);
	/* Besides ENOMEM, the errnos a failed allocation may end in, 0-ended. */
	int also[4];
};

static const struct scenario scenarios[] = {
	{
		.name = "probe by drivers_probe",
		.prepare = probe_prepare, .run = probe_run,
		.undo = probe_undo, .finish = probe_finish,
		/*
		 * drivers_probe says EINVAL when the device cannot be set up
		 * for a driver before its probe (DMA configuration, sysfs
		 * links); the probe's own errno comes from the kernel's log.
		 */
		.also = { EINVAL },
	}, {
		.name = "group, container and device fd",
		.run = group_run, .undo = fds_undo,
		/* request_mem_region() fails without a reason: opening says EBUSY. */
		.also = { EBUSY },
	}, {
		.name = "EXEC container and executable map",
		.run = exec_run, .undo = fds_undo,
	}, {
		.name = "cdev bind and IOAS attach",
		.run = cdev_run, .undo = fds_undo,
		.also = { EBUSY },
	}, {
		.name = "cdev on an IOAS enforcing EXEC",
		.run = exec_ioas_run, .undo = fds_undo,
		.also = { EBUSY },
	}, {
		.name = "EXEC compat container through /dev/iommu",
		.run = exec_compat_run, .undo = fds_undo,
		.also = { EBUSY },
	}, {
		.name = "cdev replace within an IOAS, with MSI cookies",
		.prepare = replace_prepare, .run = replace_run,
		.finish = replace_finish,
	}, {
		.name = "SET_IRQS trigger, mask and unmask",
		.prepare = device_prepare, .run = irqs_run,
		.undo = irqs_undo, .finish = device_finish,
	}, {
		.name = "VFIO_DEVICE_FEATURE_REQUEST",
		.prepare = device_prepare, .run = request_run,
		.undo = request_undo, .finish = device_finish,
	}, {
		.name = "VFIO_DEVICE_RESET",
		.prepare = device_prepare, .run = reset_run,
		.finish = device_finish,
	}, {
		.name = "mmap of a region",
		.prepare = device_prepare, .run = mmap_run,
		.undo = mmap_undo, .finish = device_finish,
#ifdef __x86_64__
		/* x86's PAT: a failed memtype_kernel_map_sync() reads as EINVAL. */
		.also = { EINVAL },
#endif
	}, {
		.name = "read and write",
		.prepare = device_prepare, .run = rw_run,
		.finish = device_finish,
	}, {
		.name = "simulated device creation",
		.run = sim_run, .undo = sim_undo,
	},
};

#define NUM_SCENARIOS	ARRAY_SIZE(scenarios)

static int cdev_path(const char *dev, char *path, size_t size)
{
	int fd = vfio_cdev_open(dev);
	char link[64];

	if (fd < 0)
		return fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	memset(path, 0, size);
	if (readlink(link, path, size - 1) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

static bool vfio_irq_requested(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return true;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "vfio:");
	fclose(f);
	return found;
}

/* Entries of a directory; one that is not there has none. */
static int entries(const char *path)
{
	return vp_exists(path) ? vp_count_dir(path) : 0;
}

/* What a scenario must leave as it found: counted before it, and after. */
struct census {
	int domains;		/* the simulated IOMMU's paging domains */
	int groups;		/* IOMMU groups */
	int vfio_nodes;		/* /dev/vfio: the container and group nodes */
	int cdevs;		/* /dev/vfio/devices */
};

static void census_take(struct census *c)
{
	c->domains = vp_count_dir(SIM_DEBUGFS "/iommu/domains");
	c->groups = entries("/sys/kernel/iommu_groups");
	c->vfio_nodes = entries("/dev/vfio");
	c->cdevs = entries("/dev/vfio/devices");
}

FIXTURE(fail_nth) {
	struct vp_saved saved[NUM_KNOBS];
	struct ctx c;
	struct census before;
};

FIXTURE_SETUP(fail_nth)
{
	struct sim_config cfg;
	struct ctx *c = &self->c;
	unsigned int i;
	int ret = 0;

	memset(self->saved, 0, sizeof(self->saved));
	memset(c, 0, sizeof(*c));
	memset(c->fds, -1, sizeof(c->fds));
	c->group_fd = -1;
	c->container = -1;
	c->device = -1;
	c->rp_iommufd = -1;
	c->rp_device = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fail_nth_fd) TH_LOG("no fail-nth: CONFIG_FAULT_INJECTION is needed");

	sim_config_init(&cfg);
	cfg.num_regions = 2;
	cfg.regions[1].size = BUF_SIZE;
	cfg.num_irqs = 1;
	cfg.level[0] = true;
	ASSERT_EQ(0, sim_create(&c->sim, &cfg));
	ASSERT_EQ(0, vp_bind(c->sim.name, VFIO_PLATFORM_DRIVER));
	c->group = vp_iommu_group(c->sim.name);
	ASSERT_LE(0, c->group);
	ASSERT_EQ(0, cdev_path(c->sim.name, c->cdev, sizeof(c->cdev)));
	for (i = 0; i < 3; i++) {
		c->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, c->efd[i]);
	}
	c->buf = dma_buffer(BUF_SIZE);
	ASSERT_NE(NULL, c->buf);
	census_take(&self->before);
	ASSERT_LE(0, self->before.domains);
	/*
	 * Last: a failed assert in a setup skips the teardown, which must not
	 * leave a knob behind.
	 */
	for (i = 0; i < NUM_KNOBS; i++) {
		ret = vp_save_and_set(&self->saved[i], knobs[i][0], knobs[i][1]);
		if (ret)
			break;
	}
	if (ret) {
		const char *knob = knobs[i][0];

		while (i-- > 0)
			vp_restore(&self->saved[i]);
		ASSERT_EQ(0, ret) TH_LOG("cannot set %s", knob);
	}
}

FIXTURE_TEARDOWN(fail_nth)
{
	struct ctx *c = &self->c;
	unsigned int i;

	if (fail_nth_fd >= 0) {
		fail_nth_set(0);
		close(fail_nth_fd);
	}
	fds_close(c);
	device_finish(c);
	if (c->rp_device >= 0)
		close(c->rp_device);
	if (c->rp_iommufd >= 0)
		close(c->rp_iommufd);
	sim_destroy(&c->made);
	for (i = 0; i < 3; i++)
		if (c->efd[i] >= 0)
			close(c->efd[i]);
	dma_buffer_free(c->buf, BUF_SIZE);
	if (c->sim.name[0])
		vp_unbind(c->sim.name);
	sim_destroy(&c->sim);
	for (i = NUM_KNOBS; i-- > 0;)
		vp_restore(&self->saved[i]);
}

/* Whether an injected allocation failure explains @err. */
static bool errno_expected(const struct scenario *sc, int err)
{
	unsigned int i;

	if (err == ENOMEM)
		return true;
	for (i = 0; i < ARRAY_SIZE(sc->also) && sc->also[i]; i++)
		if (err == sc->also[i])
			return true;
	return false;
}

/* "ENOMEM 40, ENODEV 2": how many points ended in each errno. */
static void print_errnos(const char *name, const unsigned int *seen)
{
	char line[256];
	size_t len = 0;
	int err;

	line[0] = '\0';
	for (err = 1; err < NO_ERRNO && len < sizeof(line); err++)
		if (seen[err])
			len += snprintf(line + len, sizeof(line) - len, "%s%s %u",
					len ? ", " : "", strerrorname_np(err) ?: "?",
					seen[err]);
	printf("# fail-nth: %s: errnos: %s\n", name, len ? line : "none");
}

/* Run @sc armed at point @n (0: unarmed), quietly; whether the point was reached. */
static int run_armed(const struct scenario *sc, struct ctx *c, unsigned int n,
		     bool *fired)
{
	int quiet = open("/dev/null", O_WRONLY | O_CLOEXEC);
	int saved_stderr = dup(2);
	int ret;

	/* The helpers say on stderr what failed: hundreds of expected lines. */
	if (n && quiet >= 0 && saved_stderr >= 0)
		dup2(quiet, 2);
	errno = 0;
	if (n && fail_nth_set(n))
		ret = -EBADF;
	else
		ret = sc->run(c);
	*fired = n && fail_nth_fired();
	fail_nth_set(0);
	if (sc->undo)
		sc->undo(c);
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
	}
	if (quiet >= 0)
		close(quiet);
	return ret;
}

TEST_F_TIMEOUT(fail_nth, every_allocation_failure_unwinds, 3600)
{
	unsigned int s, n, points = 0, errors = 0, ran = 0;
	const char *only = getenv("VP_SCENARIO");
	static unsigned int seen[NO_ERRNO + 1];
	struct census after;
	char splat[256];
	int kmsg;
	struct ctx *c = &self->c;
	bool fired;
	int ret;

	for (s = 0; s < NUM_SCENARIOS; s++) {
		const struct scenario *sc = &scenarios[s];

		/* VP_SCENARIO=text runs only the scenarios whose name has it. */
		if (only && !strstr(sc->name, only))
			continue;
		ran++;
		memset(seen, 0, sizeof(seen));

		if (sc->prepare)
			ASSERT_EQ(0, sc->prepare(c)) TH_LOG("%s: cannot prepare", sc->name);
		ASSERT_EQ(0, run_armed(sc, c, 0, &fired))
			TH_LOG("%s fails without a fault", sc->name);

		kmsg = vp_kmsg_open();
		ASSERT_LE(0, kmsg);
		for (n = 1; n < MAX_POINTS; n++) {
			ret = run_armed(sc, c, n, &fired);
			/* The point a splat comes from, not only that one came. */
			EXPECT_FALSE(vp_kmsg_splat(kmsg, splat, sizeof(splat)))
				TH_LOG("%s: point %u: the kernel said \"%s\"", sc->name,
				       n, splat);
			if (!fired) {
				/* Past its last point: the scenario ran whole. */
				ASSERT_EQ(0, ret)
					TH_LOG("%s: point %u not reached, yet it failed",
					       sc->name, n);
				break;
			}
			/*
			 * Failing is fine, and so is getting by; a lost errno
			 * or one that no allocation failure explains is not.
			 */
			if (ret) {
				ASSERT_GT(0, ret) TH_LOG("%s: returned %d", sc->name, ret);
				ASSERT_GT(NO_ERRNO, -ret)
					TH_LOG("%s: no errno at point %u", sc->name, n);
				EXPECT_TRUE(errno_expected(sc, -ret))
					TH_LOG("%s: point %u failed with %s", sc->name,
					       n, strerror(-ret));
				seen[-ret]++;
				errors++;
			}
			ASSERT_EQ(0, run_armed(sc, c, 0, &fired))
				TH_LOG("%s fails after the fault at point %u", sc->name, n);
		}
		close(kmsg);
		ASSERT_GT(MAX_POINTS, n) TH_LOG("%s never ran whole", sc->name);
		if (sc->finish)
			sc->finish(c);
		printf("# fail-nth: %s: %u points\n", sc->name, n - 1);
		print_errnos(sc->name, seen);
		points += n - 1;

		/* Nothing a failure unwound is left behind. */
		census_take(&after);
		ASSERT_EQ(self->before.domains, after.domains)
			TH_LOG("%s left an IOMMU domain", sc->name);
		ASSERT_EQ(self->before.groups, after.groups)
			TH_LOG("%s left an IOMMU group", sc->name);
		ASSERT_EQ(self->before.vfio_nodes, after.vfio_nodes)
			TH_LOG("%s left a node in /dev/vfio", sc->name);
		ASSERT_EQ(self->before.cdevs, after.cdevs)
			TH_LOG("%s left a device cdev", sc->name);
		ASSERT_FALSE(vfio_irq_requested())
			TH_LOG("%s left an interrupt requested", sc->name);
	}
	printf("# fail-nth: %u points over %u scenarios, %u failed with an errno\n",
	       points, ran, errors);
}

TEST_HARNESS_MAIN
