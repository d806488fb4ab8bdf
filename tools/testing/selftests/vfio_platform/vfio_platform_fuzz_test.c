// SPDX-License-Identifier: GPL-2.0
/*
 * A stateful fuzzer of the uAPI around vfio-platform, driven as a hostile
 * owner would drive it: seeded random sequences of calls over every file such
 * an owner can hold - type1 containers and the IOMMU group, iommufds and
 * device cdevs, device fds however obtained, and mappings of their regions -
 * with arguments biased to the boundaries drivers get wrong, fds of one kind
 * handed to the calls of another, and arguments and buffers that are not
 * where they should be: NULL, unmapped, cut short by an unmapped page,
 * misaligned, or in the device's own memory. The owner forks with the device
 * mapped and its child uses what it inherited while the parent goes on.
 * Device-side events come from the owner too: the simulated device's
 * doorbells raise its interrupt lines and start DMA, its debugfs reset file
 * resets it, and another simulated device is made live, rebound and removed
 * in between.
 *
 * The run is cut into epochs, each a child process that ends holding
 * whatever it holds, as an owner that dies does; every fourth epoch two
 * owners run at once. After each epoch the parent checks through debugfs and
 * procfs that nothing was left behind - no IOMMU domain, no requested
 * interrupt, the devices back in the domain they started in - and that the
 * device opens and works for the next owner. The VM lane fails on any kernel
 * splat or leak.
 *
 * VP_SEED replays a run and VP_CALLS sets its length (make fuzz).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define NUM_DEVS	2	/* the fuzzed devices, one IOMMU group */
#define NUM_REGIONS	3
#define NUM_IRQS	2
#define SLOTS		4	/* fds of each kind an owner holds at most */
#define NUM_EFDS	3
#define NUM_MAPS	8
#define NUM_IDS		16	/* iommufd object IDs an owner remembers */
#define MAX_XFER	(64 * 1024)
#define DMA_PAGES	16
#define EPOCH_CALLS	10000UL

static const struct sim_region regions[NUM_REGIONS] = {
	{ .size = PAGE },
	{ .size = 0x100, .offset = 4 },
	{ .size = 2 * PAGE, .readonly = true },
};

/* What the parent made and checks; the children only aim at it. */
static struct {
	struct sim_dev dev[NUM_DEVS];
	struct sim_dev other;		/* the device churned beside them */
	char cdev[NUM_DEVS][64];	/* /dev/vfio/devices/vfioN */
	int group;
	long domain[NUM_DEVS];		/* where each device translated first */
	int domains;			/* paging domains before the run */
} target;

/* In memory shared with the children, so that a dead owner's count stays. */
struct tally {
	unsigned long calls;
	unsigned long refused;
	unsigned long reached[7];	/* successes of the deep calls below */
};

/* The states a run must reach, or it proves little. */
enum deep {
	DEEP_GROUP_DEVICE,	/* a device fd from the group */
	DEEP_CDEV_BIND,		/* a device cdev bound to an iommufd */
	DEEP_DMA_MAP,		/* a type1 mapping */
	DEEP_IOAS_MAP,		/* an IOAS mapping */
	DEEP_SET_IRQS,		/* SET_IRQS accepted */
	DEEP_MMAP,		/* a region mapped */
	DEEP_FORK,		/* a child that inherited a device mapping used it */
};

static const char * const deep_names[] = {
	"group device fd", "cdev bind", "type1 map", "IOAS map", "SET_IRQS", "mmap",
	"fork",
};

static struct tally *tally;

/* xorshift64*: the same seed, the same calls. */
static __u64 rnd_state;

static __u64 rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static __u64 rnd_below(__u64 n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(__u64 n)
{
	return !rnd_below(n);
}

/* The calls of this process, which runs until it made as many as it was told. */
static unsigned long own_calls;

static void count(long ret)
{
	own_calls++;
	__atomic_add_fetch(&tally->calls, 1, __ATOMIC_RELAXED);
	if (ret < 0)
		__atomic_add_fetch(&tally->refused, 1, __ATOMIC_RELAXED);
}

static void reach(enum deep state)
{
	__atomic_add_fetch(&tally->reached[state], 1, __ATOMIC_RELAXED);
}

static void count_deep(long ret, enum deep state)
{
	count(ret);
	if (ret >= 0)
		reach(state);
}

/* An index: mostly valid, else just past the end or anything at all. */
static __u32 pick_index(__u32 n)
{
	switch (rnd_below(4)) {
	case 0:
		return n;
	case 1:
		return rnd();
	default:
		return rnd_below(n);
	}
}

/* An argsz: mostly right, else short by a little, long by a little, or wild. */
static __u32 pick_argsz(__u32 size)
{
	switch (rnd_below(8)) {
	case 0:
		return rnd_below(size + 1);
	case 1:
		return size + 1 + rnd_below(16);
	case 2:
		return rnd();
	default:
		return size;
	}
}

/* A transfer size: 0, 1-8, around a page, the region, or anything. */
static __u64 pick_size(__u64 region)
{
	switch (rnd_below(6)) {
	case 0:
		return 0;
	case 1:
		return 1 + rnd_below(8);
	case 2:
		return PAGE - 2 + rnd_below(4);
	case 3:
		return region + rnd_below(3) - 1;
	case 4:
		return rnd();
	default:
		return rnd_below(MAX_XFER);
	}
}

/* A device file offset: in a region, near its ends, near 2^40 multiples. */
static __u64 pick_offset(void)
{
	__u32 index = pick_index(NUM_REGIONS);
	__u64 size = index < NUM_REGIONS ? regions[index].size : PAGE;

	switch (rnd_below(5)) {
	case 0:
		return REGION_OFFSET(index) + size - rnd_below(9);
	case 1:
		return REGION_OFFSET(index) - 1 - rnd_below(8);
	case 2:
		return rnd();
	default:
		return REGION_OFFSET(index) + rnd_below(size);
	}
}

/* An IOVA: page steps from the usual bases, unaligned, at the top, or wild. */
static __u64 pick_iova(void)
{
	static const __u64 bases[] = { 0, 0x100000, 1ULL << 32, 1ULL << 40,
				       -(DMA_PAGES * PAGE) };
	__u64 iova = bases[rnd_below(5)] + PAGE * rnd_below(DMA_PAGES);

	if (one_in(8))
		iova += 1 + rnd_below(PAGE - 1);
	if (one_in(16))
		iova = rnd();
	return iova;
}

/* A DMA length: pages, none, a page and a bit, or wild. */
static __u64 pick_length(void)
{
	switch (rnd_below(8)) {
	case 0:
		return 0;
	case 1:
		return rnd();
	case 2:
		return PAGE * (1 + rnd_below(DMA_PAGES)) + 1 + rnd_below(PAGE - 1);
	case 3:
		return -PAGE;
	default:
		return PAGE * (1 + rnd_below(DMA_PAGES / 2));
	}
}

/* Everything one owner holds; -1 or NULL for an empty slot. */
struct owner {
	int container[SLOTS];
	int group[SLOTS];
	int iommufd[SLOTS];
	int device[SLOTS];
	int efd[NUM_EFDS];
	struct {
		__u8 *addr;
		size_t len;
	} map[NUM_MAPS];
	__u32 id[NUM_IDS];
	bool id_learned;	/* whether the last call that gives an ID did */
	__u8 *buf;		/* what read() and write() move */
	__u8 *dma;		/* what DMA maps come from */
	__u8 *edge;		/* a page whose next page is not mapped */
	pid_t child[2];		/* children forked with the device mapped */
	bool child_failed;	/* one of them did not exit cleanly */
	__u8 scratch[512];	/* where a misaligned argument is copied */
};

/*
 * Where an ioctl finds its argument @arg of @size bytes: mostly where the
 * caller put it, and now and then where a hostile owner would - nowhere, in
 * an unmapped page or the kernel's half, at the end of a page so that an
 * argsz past it faults midway, or in a mapping of the device's own memory,
 * which the kernel then reads or writes from inside the device's ioctl.
 */
static void *arg_at(struct owner *o, void *arg, size_t size)
{
	unsigned int i = rnd_below(NUM_MAPS);
	size_t fits;

	if (!one_in(16))
		return arg;
	switch (rnd_below(5)) {
	case 0:
		return NULL;
	case 1:
		return one_in(2) ? o->edge + PAGE : (void *)(~0UL << 47);
	case 2:
		fits = size > PAGE ? PAGE : rnd_below(size + 1);
		memcpy(o->edge + PAGE - fits, arg, fits);
		return o->edge + PAGE - fits;
	case 3:
		if (o->map[i].addr)
			return o->map[i].addr + rnd_below(o->map[i].len);
		return arg;
	default:
		/* Misaligned: a copy, so that what the kernel writes back stays ours. */
		fits = size < sizeof(o->scratch) - 1 ? size : sizeof(o->scratch) - 1;
		memcpy(o->scratch + 1, arg, fits);
		return o->scratch + 1;
	}
}

/* Any fd the owner holds, or one it does not. */
static int any_fd(struct owner *o)
{
	int *kinds[] = { o->container, o->group, o->iommufd, o->device };

	switch (rnd_below(8)) {
	case 0:
		return -1;
	case 1:
		return rnd_below(1024);
	case 2:
		return o->efd[rnd_below(NUM_EFDS)];
	default:
		return kinds[rnd_below(4)][rnd_below(SLOTS)];
	}
}

/* A held slot of @slots, from a random start, or -1. */
static int held(const int *slots)
{
	unsigned int i, start = rnd_below(SLOTS);

	for (i = 0; i < SLOTS; i++)
		if (slots[(start + i) % SLOTS] >= 0)
			return (start + i) % SLOTS;
	return -1;
}

/* An fd of the kind a call expects, and now and then of another kind. */
static int fd_of(struct owner *o, const int *slots)
{
	int i = held(slots);

	if (one_in(10))
		return any_fd(o);
	return i >= 0 && !one_in(8) ? slots[i] : slots[rnd_below(SLOTS)];
}

/* A slot for a new fd: an empty one, or a held one closed for it. */
static int *slot_for(int *slots)
{
	unsigned int i, start = rnd_below(SLOTS);
	int *slot;

	for (i = 0; i < SLOTS; i++)
		if (slots[(start + i) % SLOTS] < 0)
			return &slots[(start + i) % SLOTS];
	slot = &slots[start];
	close(*slot);
	*slot = -1;
	return slot;
}

static void put_fd(int *slot, int fd)
{
	count(fd);
	*slot = fd;
}

/* A device fd from the group is a deep state: count it as reached. */
static void put_device_fd(int *slot, int fd)
{
	count_deep(fd, DEEP_GROUP_DEVICE);
	*slot = fd;
}

static void close_one(int *slots)
{
	int *slot = &slots[rnd_below(SLOTS)];

	if (*slot >= 0)
		count(close(*slot));
	*slot = -1;
}

/* An iommufd object: one the owner was given, a small number, or anything. */
static __u32 pick_id(struct owner *o)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd_below(8);
	case 1:
		return rnd();
	default:
		return o->id[rnd_below(NUM_IDS)];
	}
}

static void learn_id(struct owner *o, long ret, __u32 id)
{
	count(ret);
	o->id_learned = !ret;
	if (!ret)
		o->id[rnd_below(NUM_IDS)] = id;
}

/* Where DMA maps come from: the owner's buffer, a device mapping, or not. */
static __u64 pick_vaddr(struct owner *o)
{
	unsigned int i = rnd_below(NUM_MAPS);

	switch (rnd_below(8)) {
	case 0:
		return rnd();
	case 1:
		return 0;
	case 2:
		return (unsigned long)o->map[i].addr;
	case 3:
		return (unsigned long)o->dma + rnd_below(PAGE);
	default:
		return (unsigned long)(o->dma + PAGE * rnd_below(DMA_PAGES));
	}
}

static void container_call(struct owner *o)
{
	static const unsigned long types[] = {
		VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VFIO_TYPE1v2_EXEC_IOMMU,
		VFIO_NOIOMMU_IOMMU, VFIO_TYPE1_NESTING_IOMMU,
	};
	union {
		struct vfio_iommu_type1_info info;
		struct vfio_iommu_type1_dma_map map;
		struct {
			struct vfio_iommu_type1_dma_unmap unmap;
			struct vfio_bitmap bitmap;
		};
		__u8 bytes[256];
	} u;
	int fd = fd_of(o, o->container);

	memset(&u, 0, sizeof(u));
	switch (rnd_below(10)) {
	case 0:
		/* /dev/iommu serves the same ioctls: iommufd's compat container */
		put_fd(slot_for(o->container),
		       open(one_in(3) ? "/dev/iommu" : "/dev/vfio/vfio",
			    O_RDWR | O_CLOEXEC));
		break;
	case 1:
		close_one(o->container);
		break;
	case 2:
		count(ioctl(fd, VFIO_SET_IOMMU,
			    one_in(8) ? rnd_below(32) : types[rnd_below(5)]));
		break;
	case 3:
		count(ioctl(fd, VFIO_CHECK_EXTENSION, rnd_below(32)));
		break;
	case 4:
		u.info.argsz = pick_argsz(sizeof(u));
		count(ioctl(fd, VFIO_IOMMU_GET_INFO, arg_at(o, &u, sizeof(u))));
		break;
	case 5:
	case 6:
		u.map.argsz = pick_argsz(sizeof(u.map));
		u.map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		if (one_in(3))
			u.map.flags = rnd_below(16);
		if (one_in(16))
			u.map.flags = rnd();
		u.map.vaddr = pick_vaddr(o);
		u.map.iova = pick_iova();
		u.map.size = pick_length();
		count_deep(ioctl(fd, VFIO_IOMMU_MAP_DMA, arg_at(o, &u, sizeof(u.map))),
			   DEEP_DMA_MAP);
		break;
	case 7:
	case 8:
		u.unmap.argsz = pick_argsz(sizeof(u.unmap));
		u.unmap.flags = one_in(4) ? 1U << rnd_below(4) : 0;
		if (u.unmap.flags == VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) {
			u.unmap.argsz = pick_argsz(sizeof(u.unmap) + sizeof(u.bitmap));
			u.bitmap.pgsize = PAGE;
			u.bitmap.size = rnd_below(64);
			u.bitmap.data = (__u64 *)(unsigned long)pick_vaddr(o);
		}
		u.unmap.iova = pick_iova();
		u.unmap.size = pick_length();
		if (one_in(8))
			memset(&u.unmap.iova, 0, 2 * sizeof(u.unmap.iova));
		count(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, arg_at(o, &u, sizeof(u))));
		break;
	default:
		count(ioctl(fd, VFIO_GET_API_VERSION));
		break;
	}
}

/* A device name for GET_DEVICE_FD: ours, the other one's, or bad strings. */
static const char *pick_name(char *scratch, size_t size)
{
	const char *name = target.dev[rnd_below(NUM_DEVS)].name;

	switch (rnd_below(8)) {
	case 0:
		return target.other.name;
	case 1:
		return "";
	case 2:
		/* No terminating NUL within a page. */
		memset(scratch, 'v', size);
		return scratch;
	case 3:
		snprintf(scratch, size, "%s ", name);
		return scratch;
	case 4:
		snprintf(scratch, size, "%.*s", (int)strlen(name) - 1, name);
		return scratch;
	default:
		return name;
	}
}

static void group_call(struct owner *o)
{
	static char scratch[2 * PAGE];
	struct vfio_group_status status = { 0 };
	int fd = fd_of(o, o->group);
	int container;
	char path[64];

	switch (rnd_below(10)) {
	case 0:
		snprintf(path, sizeof(path), "/dev/vfio/%d", target.group);
		put_fd(slot_for(o->group), open(path, O_RDWR | O_CLOEXEC));
		break;
	case 1:
		close_one(o->group);
		break;
	case 2:
		status.argsz = pick_argsz(sizeof(status));
		count(ioctl(fd, VFIO_GROUP_GET_STATUS,
			    arg_at(o, &status, sizeof(status))));
		break;
	case 3:
	case 4:
		container = one_in(4) ? any_fd(o) : o->container[rnd_below(SLOTS)];
		count(ioctl(fd, VFIO_GROUP_SET_CONTAINER,
			    arg_at(o, &container, sizeof(container))));
		break;
	case 5:
		count(ioctl(fd, VFIO_GROUP_UNSET_CONTAINER));
		break;
	default:
		put_device_fd(slot_for(o->device),
			      ioctl(fd, VFIO_GROUP_GET_DEVICE_FD,
				    pick_name(scratch, sizeof(scratch))));
		break;
	}
}

static void iommufd_call(struct owner *o)
{
	union {
		struct iommu_ioas_alloc alloc;
		struct iommu_ioas_map map;
		struct iommu_ioas_unmap unmap;
		struct iommu_ioas_copy copy;
		struct iommu_destroy destroy;
		struct iommu_ioas_iova_ranges ranges;
		struct iommu_hwpt_alloc hwpt;
		struct iommu_hw_info hw;
		struct iommu_option option;
		__u8 bytes[256];
	} u;
	static const __u32 map_flags = IOMMU_IOAS_MAP_FIXED_IOVA |
				       IOMMU_IOAS_MAP_WRITEABLE |
				       IOMMU_IOAS_MAP_READABLE |
				       IOMMU_IOAS_MAP_EXECUTABLE;
	int fd = fd_of(o, o->iommufd);

	memset(&u, 0, sizeof(u));
	switch (rnd_below(12)) {
	case 0:
		put_fd(slot_for(o->iommufd), open("/dev/iommu", O_RDWR | O_CLOEXEC));
		break;
	case 1:
		close_one(o->iommufd);
		break;
	case 2:
		u.alloc.size = pick_argsz(sizeof(u.alloc));
		learn_id(o, ioctl(fd, IOMMU_IOAS_ALLOC, arg_at(o, &u, sizeof(u))),
			 u.alloc.out_ioas_id);
		break;
	case 3:
	case 4:
		u.map.size = pick_argsz(sizeof(u.map));
		u.map.flags = one_in(8) ? rnd() : rnd_below(map_flags + 1);
		u.map.ioas_id = pick_id(o);
		u.map.user_va = pick_vaddr(o);
		u.map.length = pick_length();
		u.map.iova = pick_iova();
		count_deep(ioctl(fd, IOMMU_IOAS_MAP, arg_at(o, &u, sizeof(u))),
			   DEEP_IOAS_MAP);
		break;
	case 5:
		u.unmap.size = pick_argsz(sizeof(u.unmap));
		u.unmap.ioas_id = pick_id(o);
		u.unmap.iova = pick_iova();
		u.unmap.length = one_in(8) ? ~0ULL : pick_length();
		count(ioctl(fd, IOMMU_IOAS_UNMAP, arg_at(o, &u, sizeof(u))));
		break;
	case 6:
		u.copy.size = pick_argsz(sizeof(u.copy));
		u.copy.flags = one_in(8) ? rnd() : rnd_below(map_flags + 1);
		u.copy.dst_ioas_id = pick_id(o);
		u.copy.src_ioas_id = pick_id(o);
		u.copy.length = pick_length();
		u.copy.dst_iova = pick_iova();
		u.copy.src_iova = pick_iova();
		count(ioctl(fd, IOMMU_IOAS_COPY, arg_at(o, &u, sizeof(u))));
		break;
	case 7:
		u.destroy.size = pick_argsz(sizeof(u.destroy));
		u.destroy.id = pick_id(o);
		count(ioctl(fd, IOMMU_DESTROY, arg_at(o, &u, sizeof(u))));
		break;
	case 8:
		u.ranges.size = pick_argsz(sizeof(u.ranges));
		u.ranges.ioas_id = pick_id(o);
		u.ranges.num_iovas = rnd_below(4);
		u.ranges.allowed_iovas = one_in(4) ? rnd() :
			(unsigned long)(u.bytes + sizeof(u.ranges));
		count(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, arg_at(o, &u, sizeof(u))));
		break;
	case 9:
		u.hwpt.size = pick_argsz(sizeof(u.hwpt));
		u.hwpt.flags = one_in(4) ? rnd_below(8) : 0;
		u.hwpt.dev_id = pick_id(o);
		u.hwpt.pt_id = pick_id(o);
		u.hwpt.data_type = one_in(8) ? rnd_below(4) : 0;
		learn_id(o, ioctl(fd, IOMMU_HWPT_ALLOC, arg_at(o, &u, sizeof(u))),
			 u.hwpt.out_hwpt_id);
		break;
	case 10:
		u.hw.size = pick_argsz(sizeof(u.hw));
		u.hw.dev_id = pick_id(o);
		u.hw.data_len = rnd_below(64);
		u.hw.data_uptr = one_in(4) ? rnd() :
			(unsigned long)(u.bytes + sizeof(u.hw));
		count(ioctl(fd, IOMMU_GET_HW_INFO, arg_at(o, &u, sizeof(u))));
		break;
	default:
		u.option.size = pick_argsz(sizeof(u.option));
		u.option.option_id = rnd_below(4);
		u.option.op = rnd_below(3);
		u.option.object_id = pick_id(o);
		u.option.val64 = rnd_below(3);
		count(ioctl(fd, IOMMU_OPTION, arg_at(o, &u, sizeof(u))));
		break;
	}
}

/* The device cdev: open, bind to an iommufd, attach, detach. */
static void cdev_call(struct owner *o)
{
	union {
		struct vfio_device_bind_iommufd bind;
		struct vfio_device_attach_iommufd_pt attach;
		struct vfio_device_detach_iommufd_pt detach;
		__u8 bytes[64];
	} u;
	int fd = fd_of(o, o->device);

	memset(&u, 0, sizeof(u));
	switch (rnd_below(5)) {
	case 0:
		put_fd(slot_for(o->device),
		       open(target.cdev[rnd_below(NUM_DEVS)], O_RDWR | O_CLOEXEC));
		break;
	case 1:
		u.bind.argsz = pick_argsz(sizeof(u.bind));
		u.bind.flags = one_in(8) ? rnd() : 0;
		u.bind.iommufd = one_in(4) ? any_fd(o) : o->iommufd[rnd_below(SLOTS)];
		learn_id(o, ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD,
				  arg_at(o, &u, sizeof(u))), u.bind.out_devid);
		if (o->id_learned)
			reach(DEEP_CDEV_BIND);
		break;
	case 2:
	case 3:
		u.attach.argsz = pick_argsz(sizeof(u.attach));
		u.attach.flags = one_in(8) ? rnd() : 0;
		u.attach.pt_id = pick_id(o);
		count(ioctl(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			    arg_at(o, &u, sizeof(u))));
		break;
	default:
		u.detach.argsz = pick_argsz(sizeof(u.detach));
		u.detach.flags = one_in(8) ? rnd() : 0;
		count(ioctl(fd, VFIO_DEVICE_DETACH_IOMMUFD_PT,
			    arg_at(o, &u, sizeof(u))));
		break;
	}
}

static void info_call(struct owner *o)
{
	union {
		struct vfio_device_info dev;
		struct vfio_region_info region;
		struct vfio_irq_info irq;
		struct vfio_device_feature feature;
		struct {
			struct vfio_device_feature hdr;
			struct vfio_device_feature_request req;
		} request;
		__u8 bytes[256];
	} u;
	int fd = fd_of(o, o->device);
	unsigned int i;

	memset(&u, 0, sizeof(u));
	switch (rnd_below(5)) {
	case 0:
		u.dev.argsz = pick_argsz(sizeof(u));
		count(ioctl(fd, VFIO_DEVICE_GET_INFO, arg_at(o, &u, sizeof(u))));
		break;
	case 3:
		if (one_in(2)) {
			/* Ours: connect the request eventfd, -1, or anything else. */
			u.request.hdr.argsz = pick_argsz(sizeof(u.request));
			u.request.hdr.flags = VFIO_DEVICE_FEATURE_REQUEST |
				(one_in(8) ? rnd_below(VFIO_DEVICE_FEATURE_SET << 1) &
					     ~VFIO_DEVICE_FEATURE_MASK :
					     VFIO_DEVICE_FEATURE_SET);
			u.request.req.eventfd = one_in(4) ? -1 :
						one_in(8) ? (int)rnd() : any_fd(o);
			u.request.req.flags = one_in(8) ? rnd() : 0;
			count(ioctl(fd, VFIO_DEVICE_FEATURE, arg_at(o, &u, sizeof(u))));
			break;
		}
		/* The others are answered by VFIO's core, or refused by us. */
		u.feature.argsz = pick_argsz(sizeof(u.feature) + 8);
		u.feature.flags = one_in(2) ? rnd_below(VFIO_DEVICE_FEATURE_SET << 1) :
			VFIO_DEVICE_FEATURE_PROBE | rnd_below(16);
		if (one_in(8))
			u.feature.flags = rnd();
		count(ioctl(fd, VFIO_DEVICE_FEATURE, arg_at(o, &u, sizeof(u))));
		break;
	case 4:
		/* Any other number of VFIO's range, with anything in its argument. */
		for (i = 0; i < sizeof(u) / 8; i++)
			((__u64 *)&u)[i] = rnd();
		u.dev.argsz = pick_argsz(sizeof(u));
		count(ioctl(fd, _IO(VFIO_TYPE, VFIO_BASE + rnd_below(32)), &u));
		break;
	case 1:
		u.region.argsz = pick_argsz(sizeof(u));
		u.region.index = pick_index(NUM_REGIONS);
		count(ioctl(fd, VFIO_DEVICE_GET_REGION_INFO,
			    arg_at(o, &u, sizeof(u))));
		break;
	default:
		u.irq.argsz = pick_argsz(sizeof(u));
		u.irq.index = pick_index(NUM_IRQS);
		count(ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, arg_at(o, &u, sizeof(u))));
		break;
	}
}

static void set_irqs_call(struct owner *o)
{
	static const __u32 types[] = { VFIO_IRQ_SET_DATA_NONE,
				       VFIO_IRQ_SET_DATA_BOOL,
				       VFIO_IRQ_SET_DATA_EVENTFD };
	static const __u32 actions[] = { VFIO_IRQ_SET_ACTION_TRIGGER,
					 VFIO_IRQ_SET_ACTION_MASK,
					 VFIO_IRQ_SET_ACTION_UNMASK };
	char raw[sizeof(struct vfio_irq_set) + 16];
	struct vfio_irq_set *set = (struct vfio_irq_set *)raw;
	__s32 fds[4];
	unsigned int i;

	memset(raw, 0, sizeof(raw));
	set->flags = types[rnd_below(3)] | actions[rnd_below(3)];
	if (one_in(8))
		set->flags = rnd();
	set->index = pick_index(NUM_IRQS);
	set->start = one_in(8) ? rnd_below(3) : 0;
	set->count = one_in(8) ? rnd_below(3) : 1;
	if (one_in(16))
		set->count = rnd();
	for (i = 0; i < 4; i++)
		fds[i] = one_in(4) ? any_fd(o) : o->efd[rnd_below(NUM_EFDS)];
	memcpy(set->data, fds, sizeof(fds));
	set->argsz = sizeof(*set) + (one_in(4) ? rnd_below(17) : 4);
	if (one_in(16))
		set->argsz = rnd();
	count_deep(ioctl(fd_of(o, o->device), VFIO_DEVICE_SET_IRQS,
			 arg_at(o, set, sizeof(raw))), DEEP_SET_IRQS);
}

static void transfer_call(struct owner *o)
{
	int fd = fd_of(o, o->device);
	__u64 size = pick_size(PAGE);
	__u64 off = pick_offset();

	unsigned int i = rnd_below(NUM_MAPS);

	/*
	 * From or into a mapping of a device region now and then: the copy
	 * faults on device memory while the driver is in its read or write.
	 */
	if (o->map[i].addr && one_in(8)) {
		size = size > o->map[i].len ? o->map[i].len : size;
		if (one_in(2))
			count(pread(fd, o->map[i].addr, size, off));
		else
			count(pwrite(fd, o->map[i].addr, size, off));
		return;
	}
	/* Into or from the end of a page: the copy faults partway. */
	if (one_in(16)) {
		size = size > PAGE ? PAGE : size;
		if (one_in(2))
			count(pread(fd, o->edge + PAGE - size / 2, size, off));
		else
			count(pwrite(fd, o->edge + PAGE - size / 2, size, off));
		return;
	}
	/* A size past the buffer is only ever read, to be refused unread. */
	if (size > MAX_XFER && one_in(2))
		size = MAX_XFER;
	if (size > MAX_XFER || one_in(2))
		count(pread(fd, o->buf, size, off));
	else
		count(pwrite(fd, o->buf, size, off));
}

/* The device's own doing: interrupts raised and DMA started by its doorbells. */
static void device_side_call(struct owner *o)
{
	int fd = fd_of(o, o->device);
	__u64 dma[2] = { pick_iova(), pick_iova() };
	__u32 val;

	switch (rnd_below(4)) {
	case 0:
		val = 1 + rnd_below(3);
		count(pwrite(fd, &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_IRQ_RAISE));
		break;
	case 1:
		val = 1 + rnd_below(3);
		count(pwrite(fd, &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_IRQ_ACK));
		break;
	case 2:
		count(pwrite(fd, dma, sizeof(dma), REGION_OFFSET(0) + VFIO_PSIM_REG_DMA_SRC));
		val = one_in(4) ? rnd() : PAGE * rnd_below(3) + rnd_below(8);
		count(pwrite(fd, &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_DMA_LEN));
		val = one_in(4) ? rnd() : VFIO_PSIM_DMA_IRQ(rnd_below(3), rnd_below(3));
		count(pwrite(fd, &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_DMA_IRQ));
		val = one_in(8) ? rnd() : VFIO_PSIM_DMA_CMD_COPY + rnd_below(2);
		count(pwrite(fd, &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_DMA_CMD));
		break;
	default:
		count(ioctl(fd, VFIO_DEVICE_RESET));
		break;
	}
}

/* Armed only around a load or store through a mapping. */
static sigjmp_buf touch_env;

static void touch_fault(int sig)
{
	siglongjmp(touch_env, 1);
}

static void touch_catch(bool on)
{
	signal(SIGBUS, on ? touch_fault : SIG_DFL);
	signal(SIGSEGV, on ? touch_fault : SIG_DFL);
}

/*
 * A child inherits the owner's mappings of device memory, which fork()
 * copies, and its fds: it loads and stores through every mapping and makes
 * a few calls on the device while the owner goes on, then exits, so that a
 * mapping is torn down by a process that never made it.
 */
static void child_run(struct owner *o)
{
	unsigned int i;

	/* Not the owner's calls again, and not a child outliving its owner. */
	rnd_state ^= 0x6a09e667f3bcc909ULL;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	touch_catch(true);
	for (i = 0; i < NUM_MAPS; i++) {
		if (!o->map[i].addr || o->map[i].len < 4)
			continue;
		if (sigsetjmp(touch_env, 1))
			continue;
		mmio_write32(o->map[i].addr, mmio_read32(o->map[i].addr + 4 *
			     rnd_below(o->map[i].len / 4)));
		reach(DEEP_FORK);
	}
	touch_catch(false);
	for (i = 0; i < 8; i++)
		transfer_call(o);
	if (one_in(2))
		device_side_call(o);
	_exit(0);
}

static void reap(struct owner *o, pid_t *pid)
{
	int status;

	if (*pid > 0 && (waitpid(*pid, &status, 0) != *pid ||
			 !WIFEXITED(status) || WEXITSTATUS(status))) {
		fprintf(stderr, "# a child of the owner ended with status %#x\n", status);
		o->child_failed = true;
	}
	*pid = 0;
}

static void fork_call(struct owner *o)
{
	pid_t *slot = &o->child[rnd_below(2)];
	unsigned int i = rnd_below(NUM_MAPS);
	pid_t pid;
	void *p;

	/* A mapping of the registers to inherit, if the owner has none there. */
	if (!o->map[i].addr) {
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fd_of(o, o->device), REGION_OFFSET(0));
		count_deep(p == MAP_FAILED ? -1 : 0, DEEP_MMAP);
		if (p != MAP_FAILED) {
			o->map[i].addr = p;
			o->map[i].len = PAGE;
		}
	}
	reap(o, slot);
	pid = fork();
	if (!pid)
		child_run(o);
	count(pid);
	if (pid > 0)
		*slot = pid;
}

static void map_call(struct owner *o)
{
	static const int prots[] = { PROT_READ, PROT_WRITE,
				     PROT_READ | PROT_WRITE, PROT_NONE };
	unsigned int i = rnd_below(NUM_MAPS);
	size_t len, off;
	void *p;

	if (one_in(32)) {
		fork_call(o);
		return;
	}
	switch (rnd_below(4)) {
	case 0:
		if (o->map[i].addr)
			munmap(o->map[i].addr, o->map[i].len);
		o->map[i].addr = NULL;
		len = one_in(3) ? pick_size(PAGE) : PAGE * (1 + rnd_below(3));
		p = mmap(NULL, len, prots[rnd_below(4)],
			 one_in(6) ? MAP_PRIVATE : MAP_SHARED,
			 fd_of(o, o->device), pick_offset() & ~(PAGE - 1));
		count_deep(p == MAP_FAILED ? -1 : 0, DEEP_MMAP);
		if (p != MAP_FAILED) {
			o->map[i].addr = p;
			o->map[i].len = len;
		}
		break;
	case 1:
		if (o->map[i].addr)
			count(munmap(o->map[i].addr, o->map[i].len));
		o->map[i].addr = NULL;
		break;
	case 2:
		/* The whole mapping, or a page of it: the VMA splits. */
		if (o->map[i].addr && one_in(4) && o->map[i].len > PAGE)
			count(one_in(2) ? munmap(o->map[i].addr + PAGE, PAGE) :
			      mprotect(o->map[i].addr, PAGE, prots[rnd_below(4)]));
		else if (o->map[i].addr)
			count(mprotect(o->map[i].addr, o->map[i].len,
				       prots[rnd_below(4)]));
		break;
	default:
		/* Loads and stores through the mapping: a fault counts as refused. */
		if (!o->map[i].addr || o->map[i].len < 4)
			break;
		off = rnd_below(o->map[i].len / 4) * 4;
		touch_catch(true);
		if (sigsetjmp(touch_env, 1)) {
			touch_catch(false);
			count(-1);
			break;
		}
		if (one_in(2))
			mmio_write32(o->map[i].addr + off, rnd());
		else
			mmio_read32(o->map[i].addr + off);
		touch_catch(false);
		count(0);
		break;
	}
}

/* Write a sysfs, configfs or debugfs file, quietly: refusals are expected. */
static int put(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n < 0 ? -errno : 0;
}

/*
 * The other device changes under the owner's feet. The owner never opens it
 * (an unbind would wait for the owner, that is for itself); its own devices
 * are reset by their debugfs file as their reset line would.
 */
static void churn_call(void)
{
	char path[256], name[64] = "";

	/* A device made live again has a new name. */
	snprintf(path, sizeof(path), "%s/dev_name", target.other.dir);
	if (vp_exists(path))
		vp_read(path, name, sizeof(name));

	switch (rnd_below(4)) {
	case 0:
		snprintf(path, sizeof(path), "%s/live", target.other.dir);
		count(put(path, one_in(2) ? "1" : "0"));
		break;
	case 1:
		snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver/unbind",
			 name);
		count(put(path, name));
		snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
			 name);
		count(put(path, one_in(2) ? VFIO_PLATFORM_DRIVER : SIM_HOST_DRIVER));
		count(put("/sys/bus/platform/drivers_probe", name));
		break;
	default:
		snprintf(path, sizeof(path), "%s/devices/%s/reset", SIM_DEBUGFS,
			 target.dev[rnd_below(NUM_DEVS)].name);
		count(put(path, "1"));
		break;
	}
}

/* A valid DMA mapping of the owner's buffer, at one of a few IOVAs. */
static void valid_map(struct owner *o, __u64 *vaddr, __u64 *iova, __u64 *size)
{
	unsigned int first = rnd_below(DMA_PAGES / 2);

	*vaddr = (unsigned long)(o->dma + PAGE * first);
	*iova = 0x100000 + PAGE * first;
	*size = PAGE * (1 + rnd_below(DMA_PAGES / 2));
}

/*
 * The next well-formed step towards a device fd through the group and a
 * type1 container, and DMA mappings once there: random arguments alone
 * rarely get that far, and the deep states are where a driver has most to
 * lose.
 */
static void group_path_step(struct owner *o)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int g = held(o->group), c = held(o->container);
	char path[64];
	long ret;

	if (g < 0) {
		snprintf(path, sizeof(path), "/dev/vfio/%d", target.group);
		put_fd(slot_for(o->group), open(path, O_RDWR | O_CLOEXEC));
		return;
	}
	if (c < 0) {
		put_fd(slot_for(o->container), open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
		return;
	}
	ret = ioctl(o->group[g], VFIO_GROUP_GET_STATUS, &status);
	count(ret);
	if (ret)
		return;
	if (!(status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET)) {
		count(ioctl(o->group[g], VFIO_GROUP_SET_CONTAINER, &o->container[c]));
		return;
	}
	switch (rnd_below(4)) {
	case 0:
		count(ioctl(o->container[c], VFIO_SET_IOMMU,
			    one_in(2) ? VFIO_TYPE1v2_IOMMU : VFIO_TYPE1v2_EXEC_IOMMU));
		break;
	case 1:
		put_device_fd(slot_for(o->device),
			      ioctl(o->group[g], VFIO_GROUP_GET_DEVICE_FD,
				    target.dev[rnd_below(NUM_DEVS)].name));
		break;
	default:
		map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE |
			    (one_in(4) ? VFIO_DMA_MAP_FLAG_EXEC : 0);
		valid_map(o, (__u64 *)&map.vaddr, (__u64 *)&map.iova, (__u64 *)&map.size);
		count_deep(ioctl(o->container[c], VFIO_IOMMU_MAP_DMA, &map), DEEP_DMA_MAP);
		break;
	}
}

/* The same towards a device cdev bound to an iommufd and attached to an IOAS. */
static void cdev_path_step(struct owner *o)
{
	union {
		struct vfio_device_bind_iommufd bind;
		struct vfio_device_attach_iommufd_pt attach;
		struct iommu_ioas_alloc alloc;
		struct iommu_ioas_map map;
	} u;
	int d = held(o->device), i = held(o->iommufd);

	memset(&u, 0, sizeof(u));
	if (i < 0) {
		put_fd(slot_for(o->iommufd), open("/dev/iommu", O_RDWR | O_CLOEXEC));
		return;
	}
	if (d < 0 || one_in(8)) {
		put_fd(slot_for(o->device),
		       open(target.cdev[rnd_below(NUM_DEVS)], O_RDWR | O_CLOEXEC));
		return;
	}
	switch (rnd_below(4)) {
	case 0:
		u.bind.argsz = sizeof(u.bind);
		u.bind.iommufd = o->iommufd[i];
		learn_id(o, ioctl(o->device[d], VFIO_DEVICE_BIND_IOMMUFD, &u),
			 u.bind.out_devid);
		if (o->id_learned)
			reach(DEEP_CDEV_BIND);
		break;
	case 1:
		u.alloc.size = sizeof(u.alloc);
		learn_id(o, ioctl(o->iommufd[i], IOMMU_IOAS_ALLOC, &u),
			 u.alloc.out_ioas_id);
		break;
	case 2:
		u.attach.argsz = sizeof(u.attach);
		u.attach.pt_id = o->id[rnd_below(NUM_IDS)];
		count(ioctl(o->device[d], VFIO_DEVICE_ATTACH_IOMMUFD_PT, &u));
		break;
	default:
		u.map.size = sizeof(u.map);
		u.map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			      IOMMU_IOAS_MAP_WRITEABLE;
		u.map.ioas_id = o->id[rnd_below(NUM_IDS)];
		valid_map(o, (__u64 *)&u.map.user_va, (__u64 *)&u.map.iova,
			  (__u64 *)&u.map.length);
		count_deep(ioctl(o->iommufd[i], IOMMU_IOAS_MAP, &u), DEEP_IOAS_MAP);
		break;
	}
}

/* Device fds are the point: the paths to them are taken more than the rest. */
static void one_call(struct owner *o)
{
	switch (rnd_below(400)) {
	case 0:
		churn_call();
		break;
	case 1 ... 39:
		container_call(o);
		break;
	case 40 ... 69:
		group_call(o);
		break;
	case 70 ... 109:
		iommufd_call(o);
		break;
	case 110 ... 129:
		cdev_call(o);
		break;
	case 130 ... 169:
		info_call(o);
		break;
	case 170 ... 219:
		set_irqs_call(o);
		break;
	case 220 ... 249:
		device_side_call(o);
		break;
	case 250 ... 289:
		map_call(o);
		break;
	case 290 ... 325:
		if (one_in(2))
			group_path_step(o);
		else
			cdev_path_step(o);
		break;
	default:
		transfer_call(o);
		break;
	}
}

/* One owner: @calls seeded calls, then it lets go in some order, or dies. */
static void owner_run(__u64 seed, unsigned long calls)
{
	struct owner o;
	unsigned long i;

	/*
	 * Nothing but what the owner opens itself: a random fd must not reach
	 * the parent's cursor on the kernel log, or a read through it would
	 * hide the record the parent looks for.
	 */
	close_range(3, ~0U, 0);
	memset(&o, 0, sizeof(o));
	memset(o.container, -1, sizeof(o.container));
	memset(o.group, -1, sizeof(o.group));
	memset(o.iommufd, -1, sizeof(o.iommufd));
	memset(o.device, -1, sizeof(o.device));
	for (i = 0; i < NUM_EFDS; i++)
		o.efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	o.buf = dma_buffer(MAX_XFER);
	o.dma = dma_buffer(DMA_PAGES * PAGE);
	o.edge = dma_buffer(2 * PAGE);
	if (!o.buf || !o.dma || !o.edge || mprotect(o.edge + PAGE, PAGE, PROT_NONE))
		_exit(2);

	rnd_state = seed * 0x9e3779b97f4a7c15ULL | 1;
	while (own_calls < calls)
		one_call(&o);

	if (one_in(2)) {
		for (i = 0; i < 4 * SLOTS; i++) {
			int *kinds[] = { o.device, o.group, o.container, o.iommufd };

			close_one(kinds[rnd_below(4)]);
		}
	}
	/* The parent's checks must not race a child still holding the device. */
	reap(&o, &o.child[0]);
	reap(&o, &o.child[1]);
	_exit(o.child_failed ? 3 : 0);
}

static int count_domains(void)
{
	return vp_count_dir(SIM_DEBUGFS "/iommu/domains");
}

/* Whether /proc/interrupts still lists an interrupt vfio-platform requested. */
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

/* The next owner opens both devices and gets an interrupt from the first. */
static int next_owner_works(void)
{
	int group, container = -1, dev[NUM_DEVS] = { -1, -1 }, efd = -1;
	unsigned int i;
	int ret = -EIO;
	__u32 val;

	group = vfio_group_open(target.group);
	if (group < 0)
		return group;
	container = vfio_container_attach(group, VFIO_TYPE1v2_IOMMU);
	if (container < 0)
		goto out;
	for (i = 0; i < NUM_DEVS; i++) {
		dev[i] = vfio_device_get(group, target.dev[i].name);
		if (dev[i] < 0)
			goto out;
		if (pread(dev[i], &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_ID) != 4 ||
		    val != VFIO_PSIM_ID)
			goto out;
	}
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0 ||
	    vfio_irq_eventfd(dev[0], 0, VFIO_IRQ_SET_ACTION_TRIGGER, efd))
		goto out;
	val = 1;
	if (pwrite(dev[0], &val, 4, REGION_OFFSET(0) + VFIO_PSIM_REG_IRQ_RAISE) != 4)
		goto out;
	if (efd_wait(efd, SIM_TIMEOUT_MS) == 1)
		ret = 0;
out:
	if (efd >= 0)
		close(efd);
	for (i = 0; i < NUM_DEVS; i++)
		if (dev[i] >= 0)
			close(dev[i]);
	if (container >= 0)
		close(container);
	close(group);
	return ret;
}

static int cdev_path(const char *dev, char *path, size_t size)
{
	char dir[256];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	snprintf(dir, sizeof(dir), "/sys/bus/platform/devices/%s/vfio-dev", dev);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, "vfio", 4)) {
			snprintf(path, size, "/dev/vfio/devices/%.32s", e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
	struct vp_saved msi_window;
	struct vp_saved unsafe_irqs;
};

FIXTURE_SETUP(fuzz)
{
	struct sim_config cfg;
	unsigned int i;

	memset(&target, 0, sizeof(target));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	tally = mmap(NULL, sizeof(*tally), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, tally);
	memset(tally, 0, sizeof(*tally));

	sim_config_init(&cfg);
	cfg.num_regions = NUM_REGIONS;
	memcpy(cfg.regions, regions, sizeof(regions));
	cfg.num_irqs = NUM_IRQS;
	cfg.level[0] = true;
	cfg.group = "fuzz";
	for (i = 0; i < NUM_DEVS; i++) {
		ASSERT_EQ(0, sim_create(&target.dev[i], &cfg));
		ASSERT_EQ(0, vp_bind(target.dev[i].name, VFIO_PLATFORM_DRIVER));
		ASSERT_EQ(0, cdev_path(target.dev[i].name, target.cdev[i],
				       sizeof(target.cdev[i])));
		target.domain[i] = sim_domain_id(target.dev[i].name);
	}
	target.group = vp_iommu_group(target.dev[0].name);
	ASSERT_LE(0, target.group);
	ASSERT_EQ(target.group, vp_iommu_group(target.dev[1].name));

	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	ASSERT_EQ(0, sim_create(&target.other, &cfg));
	target.domains = count_domains();
	ASSERT_LE(0, target.domains);

	/*
	 * The knobs last: a failed assert in a setup skips the teardown, which
	 * must not leave them changed. Type1 and iommufd admit a group no MSI
	 * doorbell can reach without their allow_unsafe_interrupts.
	 */
	ASSERT_EQ(0, vp_save_and_set(&self->msi_window, SIM_KNOB("msi_window"), "none"));
	if (vp_save_and_set(&self->unsafe_irqs, IOMMUFD_UNSAFE_IRQS, "N")) {
		vp_restore(&self->msi_window);
		ASSERT_TRUE(false) TH_LOG("cannot set %s", IOMMUFD_UNSAFE_IRQS);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	unsigned int i;

	/* The owners left the other device live or not: live=0 either way. */
	if (target.other.dir[0]) {
		char path[256];

		snprintf(path, sizeof(path), "%s/live", target.other.dir);
		put(path, "0");
		target.other.name[0] = '\0';
	}
	EXPECT_EQ(0, sim_destroy(&target.other));
	for (i = 0; i < NUM_DEVS; i++) {
		if (target.dev[i].name[0])
			vp_unbind(target.dev[i].name);
		EXPECT_EQ(0, sim_destroy(&target.dev[i]));
	}
	vp_restore(&self->unsafe_irqs);
	vp_restore(&self->msi_window);
	if (tally && tally != MAP_FAILED)
		munmap(tally, sizeof(*tally));
}

/*
 * An epoch takes under a minute under TCG, even beside another VM: five
 * minutes is a hang.
 */
#define EPOCH_DEADLINE_S	300

/* Say where a hung owner sleeps in the kernel, then kill it. */
static void owner_kill(pid_t pid)
{
	char path[64], stack[2048];

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	if (vp_read(path, stack, sizeof(stack)) > 0)
		fprintf(stderr, "# owner %d hung in the kernel:\n%s\n", pid, stack);
	kill(pid, SIGKILL);
}

/* Wait for @pid until @deadline (CLOCK_MONOTONIC seconds); kill it past that. */
static bool owner_wait(pid_t pid, time_t deadline, int *status)
{
	struct timespec ts;

	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec >= deadline)
			break;
		usleep(50 * 1000);
	}
	owner_kill(pid);
	/* Reaped if it could die; an owner stuck for good is left to the lane. */
	usleep(500 * 1000);
	waitpid(pid, status, WNOHANG);
	return false;
}

/* Run one epoch: one owner, or two at once; false if one did not end well. */
static bool run_epoch(__u64 seed, unsigned long calls, bool two)
{
	pid_t pid[2] = { -1, -1 };
	struct timespec ts;
	bool ok = true;
	unsigned int i;
	int status = 0;

	for (i = 0; i < (two ? 2U : 1U); i++) {
		pid[i] = fork();
		if (pid[i] == 0)
			owner_run(seed + i * 0x5bd1e995, calls);
		if (pid[i] < 0)
			ok = false;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (i = 0; i < 2; i++) {
		if (pid[i] <= 0)
			continue;
		if (!owner_wait(pid[i], ts.tv_sec + EPOCH_DEADLINE_S, &status)) {
			fprintf(stderr, "# owner %u of the epoch did not end in %d s\n",
				i, EPOCH_DEADLINE_S);
			ok = false;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "# owner %u of the epoch ended with status %#x\n",
				i, status);
			ok = false;
		}
	}
	return ok;
}

TEST_F_TIMEOUT(fuzz, owners_leave_nothing_behind, 7200)
{
	unsigned long seed = env_ul("VP_SEED", 0x5eed);
	unsigned long total = env_ul("VP_CALLS", 100000);
	unsigned long done, epoch, calls;
	char replay[128], splat[256];
	unsigned int i;
	bool ended;
	int kmsg;

	snprintf(replay, sizeof(replay),
		 "replay: VP_SEED=%#lx VP_CALLS=%lu (make fuzz SEED=%#lx N=%lu)",
		 seed, total, seed, total);
	kmsg = vp_kmsg_open();
	ASSERT_LE(0, kmsg);

	for (epoch = 0, done = 0; done < total; epoch++, done += calls) {
		__u64 epoch_seed = seed + epoch * 0x9e3779b9ULL;
		bool two = epoch % 4 == 3;

		calls = total - done < EPOCH_CALLS ? total - done : EPOCH_CALLS;
		/* Printed first, so that a kernel splat can be traced to it. */
		printf("# fuzz: epoch %lu, %s, seed %#lx (VP_SEED=%#lx VP_CALLS=%lu)\n",
		       epoch, two ? "two owners" : "one owner", (unsigned long)epoch_seed,
		       seed, total);
		fflush(stdout);

		ended = run_epoch(epoch_seed, two ? (calls + 1) / 2 : calls, two);
		/*
		 * The epoch a splat comes from, not only that one came: the
		 * owners' and, from the previous epoch's checks on, the parent's.
		 */
		ASSERT_FALSE(vp_kmsg_splat(kmsg, splat, sizeof(splat)))
			TH_LOG("epoch %lu: the kernel said \"%s\"; %s", epoch, splat,
			       replay);
		ASSERT_TRUE(ended) TH_LOG("%s", replay);
		ASSERT_EQ(target.domains, count_domains())
			TH_LOG("a domain outlived its owner; %s", replay);
		ASSERT_FALSE(vfio_irq_requested())
			TH_LOG("an interrupt outlived its owner; %s", replay);
		for (i = 0; i < NUM_DEVS; i++)
			ASSERT_EQ(target.domain[i], sim_domain_id(target.dev[i].name))
				TH_LOG("%s left attached; %s", target.dev[i].name, replay);
		ASSERT_EQ(0, next_owner_works())
			TH_LOG("the next owner cannot use the devices; %s", replay);
	}
	EXPECT_FALSE(vp_kmsg_splat(kmsg, splat, sizeof(splat)))
		TH_LOG("after the last epoch: the kernel said \"%s\"", splat);
	close(kmsg);
	printf("# fuzz: %lu calls, %lu refused, seed %#lx\n",
	       tally->calls, tally->refused, seed);
	for (i = 0; i < ARRAY_SIZE(deep_names); i++) {
		printf("# fuzz: reached %s %lu times\n", deep_names[i], tally->reached[i]);
		/* A run that never got there proves nothing about it. */
		EXPECT_LT(0UL, tally->reached[i]) TH_LOG("never reached: %s", deep_names[i]);
	}
	/* Not everything was refused, nor everything accepted. */
	EXPECT_LT(0UL, tally->refused);
	EXPECT_LT(tally->refused, tally->calls);
	EXPECT_LE(total, tally->calls);
}

TEST_HARNESS_MAIN
