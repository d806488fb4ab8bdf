// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile owner of a simulated device: seeded random arguments to every
 * call the device fd answers (GET_INFO, GET_REGION_INFO, GET_IRQ_INFO,
 * SET_IRQS, RESET, read, write, mmap), biased to the boundaries a driver gets
 * wrong, while the device's own doorbells are rung by those same writes.
 * Whatever the owner does, the host stays clean (the VM lane fails on any
 * kernel splat) and the device works for the next owner.
 *
 * VP_SEED and VP_CALLS in the environment replay or lengthen a run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define NUM_REGIONS	3
#define NUM_IRQS	2
#define NUM_EFDS	3
#define MAX_XFER	(64 * 1024)

static const struct sim_region regions[NUM_REGIONS] = {
	{ .size = PAGE },
	{ .size = 0x100, .offset = 4 },
	{ .size = 2 * PAGE, .readonly = true },
};

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

/* A size near a boundary: 0, 1-8, around a page, the region, or anything. */
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

/* A file offset: in a region, near its end, near 2^40 multiples, or wild. */
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

struct hostile {
	int fd;
	int efd[NUM_EFDS];
	__u8 *buf;
	unsigned long calls;
	unsigned long refused;
};

static void count(struct hostile *h, long ret)
{
	h->calls++;
	if (ret < 0)
		h->refused++;
}

static void info_calls(struct hostile *h)
{
	union {
		struct vfio_device_info dev;
		struct vfio_region_info region;
		struct vfio_irq_info irq;
		__u8 bytes[64];
	} u;
	__u32 argsz = rnd_below(4) ? sizeof(u) : rnd_below(sizeof(u) + 1);

	memset(&u, 0, sizeof(u));
	switch (rnd_below(3)) {
	case 0:
		u.dev.argsz = argsz;
		count(h, ioctl(h->fd, VFIO_DEVICE_GET_INFO, &u));
		break;
	case 1:
		u.region.argsz = argsz;
		u.region.index = pick_index(NUM_REGIONS);
		count(h, ioctl(h->fd, VFIO_DEVICE_GET_REGION_INFO, &u));
		break;
	default:
		u.irq.argsz = argsz;
		u.irq.index = pick_index(NUM_IRQS);
		count(h, ioctl(h->fd, VFIO_DEVICE_GET_IRQ_INFO, &u));
		break;
	}
}

static void set_irqs(struct hostile *h)
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
	if (!rnd_below(8))
		set->flags = rnd();
	set->index = pick_index(NUM_IRQS);
	set->start = rnd_below(8) ? 0 : rnd_below(3);
	set->count = rnd_below(8) ? 1 : rnd_below(3);
	if (!rnd_below(16))
		set->count = rnd();
	for (i = 0; i < 4; i++) {
		switch (rnd_below(4)) {
		case 0:
			fds[i] = -1;
			break;
		case 1:
			fds[i] = rnd();
			break;
		default:
			fds[i] = h->efd[rnd_below(NUM_EFDS)];
			break;
		}
	}
	memcpy(set->data, fds, sizeof(fds));
	set->argsz = sizeof(*set) + (rnd_below(4) ? 4 : rnd_below(17));
	if (!rnd_below(16))
		set->argsz = rnd();
	count(h, ioctl(h->fd, VFIO_DEVICE_SET_IRQS, set));
}

static void transfer(struct hostile *h)
{
	__u64 size = pick_size(PAGE);
	__u64 off = pick_offset();

	if (size > MAX_XFER)
		size = rnd_below(2) ? MAX_XFER : size;
	/* A size past the buffer must be refused before anything is copied. */
	if (size > MAX_XFER && rnd_below(2))
		size = MAX_XFER;
	if (size > MAX_XFER) {
		count(h, pread(h->fd, h->buf, size, off));
		return;
	}
	if (rnd_below(2))
		count(h, pread(h->fd, h->buf, size, off));
	else
		count(h, pwrite(h->fd, h->buf, size, off));
}

static void map(struct hostile *h)
{
	static const int prots[] = { PROT_READ, PROT_WRITE,
				     PROT_READ | PROT_WRITE, PROT_NONE };
	__u64 len = rnd_below(3) ? PAGE * (1 + rnd_below(3)) : pick_size(PAGE);
	int flags = rnd_below(6) ? MAP_SHARED : MAP_PRIVATE;
	int prot = prots[rnd_below(4)];
	void *p;

	p = mmap(NULL, len, prot, flags, h->fd, pick_offset() & ~(PAGE - 1));
	count(h, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	if (rnd_below(2))
		count(h, mprotect(p, len, PROT_READ | PROT_WRITE));
	munmap(p, len);
}

static void one_call(struct hostile *h)
{
	switch (rnd_below(10)) {
	case 0:
	case 1:
		info_calls(h);
		break;
	case 2:
	case 3:
	case 4:
		set_irqs(h);
		break;
	case 5:
		count(h, ioctl(h->fd, VFIO_DEVICE_RESET));
		break;
	case 6:
		map(h);
		break;
	default:
		transfer(h);
		break;
	}
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

TEST(random_arguments_leave_the_device_usable)
{
	unsigned long seed = env_ul("VP_SEED", 0x5eed), n = env_ul("VP_CALLS", 20000);
	struct hostile h = { 0 };
	struct sim_config cfg;
	struct vp_dev vd;
	unsigned long i;
	int efd;

	vp_init(&vd);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	sim_config_init(&cfg);
	cfg.num_regions = NUM_REGIONS;
	memcpy(cfg.regions, regions, sizeof(regions));
	cfg.num_irqs = NUM_IRQS;
	cfg.level[0] = true;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));
	h.fd = vd.device;
	for (i = 0; i < NUM_EFDS; i++) {
		h.efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, h.efd[i]);
	}
	h.buf = dma_buffer(MAX_XFER);
	ASSERT_NE(NULL, h.buf);

	rnd_state = seed * 0x9e3779b97f4a7c15ULL | 1;
	for (i = 0; i < n; i++)
		one_call(&h);
	TH_LOG("fuzz: %lu calls, %lu refused, seed %#lx", h.calls, h.refused, seed);
	/* Not everything was refused, nor everything accepted. */
	EXPECT_LT(0U, h.refused);
	EXPECT_LT(h.refused, h.calls);

	/* The owner lets go of everything; the device works as on day one. */
	for (i = 0; i < NUM_IRQS; i++) {
		EXPECT_EQ(0, vfio_irq_eventfd(h.fd, i, VFIO_IRQ_SET_ACTION_MASK, -1));
		EXPECT_EQ(0, vfio_irq_eventfd(h.fd, i, VFIO_IRQ_SET_ACTION_UNMASK, -1));
		EXPECT_EQ(0, vfio_irq_eventfd(h.fd, i, VFIO_IRQ_SET_ACTION_TRIGGER, -1));
	}
	ASSERT_EQ(0, ioctl(h.fd, VFIO_DEVICE_RESET));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&vd.regs, VFIO_PSIM_REG_ID));
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(h.fd, 0, VFIO_IRQ_SET_ACTION_TRIGGER, efd));
	ASSERT_EQ(0, vfio_irq_none(h.fd, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	ASSERT_EQ(0, sim_ring(&vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1));
	EXPECT_EQ(1, efd_wait(efd, SIM_TIMEOUT_MS));

	close(efd);
	for (i = 0; i < NUM_EFDS; i++)
		close(h.efd[i]);
	dma_buffer_free(h.buf, MAX_XFER);
	vp_close(&vd);

	/* And the next owner finds it as the first did. */
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&vd.regs, VFIO_PSIM_REG_ID));
	vp_close(&vd);
}

TEST_HARNESS_MAIN
