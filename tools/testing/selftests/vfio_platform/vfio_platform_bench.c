// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_platform_bench: our vfio-platform against upstream 6.12's, side by side.
 *
 * Two simulated devices are bound to one driver, then to the other, and so on
 * for every round (A/B, then B/A), phase by phase, so that both see the same
 * machine at nearly the same time. Each figure is what a user of the driver
 * does, timed over a number of calls: read() and write() of a region, the same through mmap(),
 * an interrupt round trip, opening and closing the device; DMA map and unmap
 * are the IOMMU drivers' figures and are measured once per round. The table
 * gives the median of the rounds for each driver, their spread and the ratio
 * ours/upstream; a goal line per goal of the project says whether the ratio
 * met it. The machine is emulated and shared: only ratios from one run mean
 * anything, and the output says so.
 *
 * Upstream's modules (tools/testing/vfio-platform/upstream-modules.sh) must be
 * loaded, renamed, beside ours, with reset_required=0.
 *
 *   vfio_platform_bench [--quick] [--rounds N] [--only PHASE,...]
 *
 * --quick: one round with a short time per figure, no 256 MiB DMA mapping
 * and no 64 devices open at once, to prove that every figure can be measured.
 * The exit status is non-zero when one could not be.
 * --only: those phases alone (open, register, rw, mmap, irq, cdev, scale,
 * sweep, dma), to look closer at a few figures.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest.h"
#include "vfio_platform_util.h"

#define MAX_ROUNDS	15
#define MAX_FIGURES	96

/* The series of a figure: the two drivers, or the three IOMMU interfaces. */
enum series { OURS, UPSTREAM, TYPE1, EXEC, IOMMUFD, NR_SERIES };

static const char *const series_name[NR_SERIES] = {
	[OURS] = "ours", [UPSTREAM] = "upstream", [TYPE1] = "type1v2",
	[EXEC] = "exec", [IOMMUFD] = "iommufd",
};

static const char *const driver_name[] = {
	[OURS] = VFIO_PLATFORM_DRIVER,
	[UPSTREAM] = "vfio-platform-upstream",
};

/* A figure is better when lower (a time) or higher (a rate). */
enum unit { NS, MBPS, PER_S };

static const char *const unit_name[] = { "ns", "MB/s", "/s" };

struct figure {
	char name[48];
	char what[80];
	enum unit unit;
	enum series a, b;	/* the table shows median(a) / median(b) */
	double v[NR_SERIES][MAX_ROUNDS];
	unsigned int n[NR_SERIES];
};

static struct figure figures[MAX_FIGURES];
static unsigned int num_figures;
static unsigned int rounds = 5;
static double budget_ns = 200e6;	/* per figure, per round */
static unsigned int min_calls = 2;

/* Transfer sizes of the read()/write() and mmap() figures. */
static const unsigned int sizes[] = { 4, 8, 64, 4096, 65536 };
#define NUM_SIZES	ARRAY_SIZE(sizes)
#define REGION_SIZE	65536U

/* Lines firing at once for the interrupt rate. */
static const unsigned int rate_lines[] = { 1, 8, 32 };

/* DMA map + unmap sizes; --quick leaves out the last, which takes seconds. */
static const unsigned long long dma_sizes[] = { 4096, 2ULL << 20, 256ULL << 20 };
static unsigned int num_dma_sizes = 3;
static bool quick;
static bool only;	/* some phases only */
#define DMA_IOVA	0x100000000ULL

static struct figure *find(const char *name)
{
	unsigned int i;

	for (i = 0; i < num_figures; i++)
		if (!strcmp(figures[i].name, name))
			return &figures[i];
	return NULL;
}

/* The figure called @fmt..., declared on first use. */
static __printf(5, 6) struct figure *figure(enum unit unit, enum series a, enum series b,
			     const char *what, const char *fmt, ...)
{
	struct figure *f;
	char name[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	f = find(name);
	if (f)
		return f;
	if (num_figures == MAX_FIGURES) {
		fprintf(stderr, "# too many figures at %s\n", name);
		exit(1);
	}
	f = &figures[num_figures++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->what, sizeof(f->what), "%s", what);
	f->unit = unit;
	f->a = a;
	f->b = b;
	return f;
}

static void record(struct figure *f, enum series s, double v)
{
	if (f->n[s] < MAX_ROUNDS)
		f->v[s][f->n[s]++] = v;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * A timed loop: for (loop_start(&l); loop_more(&l);) { one call }, then
 * loop_ns(&l) is the time per call. The figure's budget is spent in
 * LOOP_BLOCKS blocks of at least min_calls calls each, and the time per call
 * is that of the fastest block: a burst of the host's other work, which an
 * emulated machine feels for tens of milliseconds, slows one block, not the
 * figure.
 */
#define LOOP_BLOCKS	4

struct loop {
	double block_start;
	unsigned long calls;	/* in this block */
	unsigned long check;	/* the next call count at which to read the clock */
	unsigned int blocks;	/* done */
	double best;		/* ns per call */
};

static void loop_start(struct loop *l)
{
	l->calls = 0;
	l->check = min_calls;
	l->blocks = 0;
	l->best = 0;
	l->block_start = now_ns();
}

/*
 * The clock is read after min_calls calls, then each time the count has
 * doubled, so that reading it costs a figure a few calls' worth at most.
 */
static bool loop_more(struct loop *l)
{
	double t, per_call;

	if (l->calls >= l->check) {
		t = now_ns();
		if (t - l->block_start < budget_ns / LOOP_BLOCKS) {
			l->check = 2 * l->calls;
		} else {
			per_call = (t - l->block_start) / l->calls;
			if (!l->blocks || per_call < l->best)
				l->best = per_call;
			if (++l->blocks == LOOP_BLOCKS)
				return false;
			/* The next block checks about when this one ended. */
			l->check = l->calls / 2 > min_calls ? l->calls / 2 : min_calls;
			l->calls = 0;
			l->block_start = now_ns();
		}
	}
	l->calls++;
	return true;
}

static double loop_ns(const struct loop *l)
{
	return l->best;
}

/* What a driver has open on a device through the group interface. */
struct opened {
	struct sim_dev sim;
	int group;
	int container;
	int device;
	int efd[VFIO_PSIM_MAX_IRQS];
	int raise;		/* the simulator's irq_raise and irq_ack files */
	int ack;
	unsigned int num_regions;
	unsigned int num_irqs;
};

static int sim_irq_file(const char *dev, const char *file)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/devices/%s/%s", SIM_DEBUGFS, dev, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd < 0 ? vp_fail(errno, "open", path) : fd;
}

/* Raise or ack @lines through an open irq_raise or irq_ack file. */
static int sim_lines(int fd, __u32 lines)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%#x", lines);

	if (pwrite(fd, buf, len, 0) != len)
		return vp_fail(errno, "write", "irq_raise/irq_ack");
	return 0;
}

/* Every region read once: upstream maps a region on its first access only. */
static int touch_regions(int device, unsigned int num_regions)
{
	__u32 v;
	unsigned int i;

	for (i = 0; i < num_regions; i++)
		if (pread(device, &v, sizeof(v), REGION_OFFSET(i)) != sizeof(v))
			return vp_fail(errno, "pread", "a region");
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void dev_close(struct opened *o)
{
	unsigned int i;

	for (i = 0; i < VFIO_PSIM_MAX_IRQS; i++)
		close_fd(&o->efd[i]);
	close_fd(&o->device);
	close_fd(&o->container);
	close_fd(&o->group);
}

/* The device's group, in a container of IOMMU model @type unless it is 0. */
static int dev_open_group(struct opened *o, unsigned long type)
{
	int group;

	group = vp_iommu_group(o->sim.name);
	if (group < 0)
		return group;
	o->group = vfio_group_open(group);
	if (o->group < 0)
		return o->group;
	if (!type)
		return 0;
	o->container = vfio_container_attach(o->group, type);
	return o->container < 0 ? o->container : 0;
}

/* Every line's trigger to an eventfd of its own. */
static int dev_irqs(struct opened *o)
{
	unsigned int i;
	int ret;

	for (i = 0; i < o->num_irqs; i++) {
		o->efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (o->efd[i] < 0)
			return vp_fail(errno, "eventfd", NULL);
		ret = vfio_irq_eventfd(o->device, i, VFIO_IRQ_SET_ACTION_TRIGGER,
				       o->efd[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* Every line's trigger to one eventfd, efd[0]. */
static int dev_irqs_shared(struct opened *o)
{
	unsigned int i;
	int ret;

	o->efd[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->efd[0] < 0)
		return vp_fail(errno, "eventfd", NULL);
	for (i = 0; i < o->num_irqs; i++) {
		ret = vfio_irq_eventfd(o->device, i, VFIO_IRQ_SET_ACTION_TRIGGER,
				       o->efd[0]);
		if (ret)
			return ret;
	}
	return 0;
}

static int wait_line(struct opened *o, unsigned int line)
{
	int ret = efd_wait(o->efd[line], SIM_TIMEOUT_MS);

	if (ret > 0)
		return 0;
	fprintf(stderr, "# line %u of %s did not fire\n", line, o->sim.name);
	return ret ?: -ETIMEDOUT;
}

static const char *rw_what(bool write, bool regs)
{
	if (write)
		return regs ? "write(), register region" : "write(), memory region";
	return regs ? "read(), register region" : "read(), memory region";
}

/* read() or write() of every size, through the driver. */
static int bench_rw(struct opened *o, enum series drv, unsigned int region,
		    bool write)
{
	/* Writes put zeros, which ring none of the register file's doorbells. */
	static __u8 rbuf[REGION_SIZE] __aligned(64), zeros[REGION_SIZE] __aligned(64);
	__u64 off = REGION_OFFSET(region);
	struct loop l;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < NUM_SIZES; i++) {
		for (loop_start(&l); loop_more(&l);) {
			n = write ? pwrite(o->device, zeros, sizes[i], off) :
				    pread(o->device, rbuf, sizes[i], off);
			if (n != (ssize_t)sizes[i])
				return vp_fail(errno, write ? "pwrite" : "pread",
					       o->sim.name);
		}
		record(figure(MBPS, OURS, UPSTREAM, rw_what(write, !region),
			      "%s.%s.%u", write ? "write" : "read",
			      region ? "mem" : "regs", sizes[i]),
		       drv, sizes[i] * 1e3 / loop_ns(&l));
	}
	return 0;
}

/* The same transfers through a mapping of the region: the physical limit. */
static int bench_mmap(struct opened *o, enum series drv, unsigned int region,
		      bool write)
{
	static __u64 buf[REGION_SIZE / 8];
	__u64 *map64;
	struct loop l;
	unsigned int i, w;
	void *map;

	map = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   o->device, REGION_OFFSET(region));
	if (map == MAP_FAILED)
		return vp_fail(errno, "mmap", o->sim.name);
	map64 = map;

	for (i = 0; i < NUM_SIZES; i++) {
		for (loop_start(&l); loop_more(&l);) {
			if (sizes[i] < 8) {
				if (write)
					mmio_write32(map, (__u32)buf[0]);
				else
					buf[0] = mmio_read32(map);
				continue;
			}
			for (w = 0; w < sizes[i] / 8; w++) {
				if (write)
					WRITE_ONCE(map64[w], buf[w]);
				else
					buf[w] = READ_ONCE(map64[w]);
			}
		}
		record(figure(MBPS, OURS, UPSTREAM,
			      write ? "mmap() stores, memory region" :
				      "mmap() loads, memory region",
			      "mmap-%s.mem.%u", write ? "write" : "read", sizes[i]),
		       drv, sizes[i] * 1e3 / loop_ns(&l));
	}
	munmap(map, REGION_SIZE);
	return 0;
}

/* One 4-byte register through pread() and pwrite(): what a VMM traps. */
static int bench_register(struct opened *o, enum series drv)
{
	__u64 off = REGION_OFFSET(0) + VFIO_PSIM_REG_SCRATCH0;
	__u32 v = 0x5a5a5a5a;
	struct loop l;

	for (loop_start(&l); loop_more(&l);)
		if (pread(o->device, &v, sizeof(v), off) != sizeof(v))
			return vp_fail(errno, "pread", o->sim.name);
	record(figure(NS, OURS, UPSTREAM, "pread() of one 4-byte register",
		      "pread.reg4"), drv, loop_ns(&l));
	for (loop_start(&l); loop_more(&l);)
		if (pwrite(o->device, &v, sizeof(v), off) != sizeof(v))
			return vp_fail(errno, "pwrite", o->sim.name);
	record(figure(NS, OURS, UPSTREAM, "pwrite() of one 4-byte register",
		      "pwrite.reg4"), drv, loop_ns(&l));
	return 0;
}

#define LEVEL	0
#define EDGE	1

/*
 * Interrupt round trips on the first device: line 0 is level, line 1 edge.
 * The simulator raises and acks at once (debugfs), not at its next poll.
 */
static int bench_irq(struct opened *o, enum series drv)
{
	struct loop l;
	int uefd, ret;

	/* Raise, signalled, ack in the device, unmask by ioctl. */
	for (loop_start(&l); loop_more(&l);) {
		ret = sim_lines(o->raise, 1U << LEVEL);
		ret = ret ?: wait_line(o, LEVEL);
		ret = ret ?: sim_lines(o->ack, 1U << LEVEL);
		ret = ret ?: vfio_irq_none(o->device, LEVEL,
					   VFIO_IRQ_SET_ACTION_UNMASK, 1);
		if (ret)
			return ret;
	}
	record(figure(NS, OURS, UPSTREAM, "level: raise, eventfd, ack, unmask ioctl",
		      "irq.level.ioctl"), drv, loop_ns(&l));

	/* The same, unmasked through an unmask eventfd (irqfd-style). */
	uefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (uefd < 0)
		return vp_fail(errno, "eventfd", NULL);
	ret = vfio_irq_eventfd(o->device, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, uefd);
	for (loop_start(&l); !ret && loop_more(&l);) {
		__u64 one = 1;

		ret = sim_lines(o->raise, 1U << LEVEL);
		ret = ret ?: wait_line(o, LEVEL);
		ret = ret ?: sim_lines(o->ack, 1U << LEVEL);
		if (!ret && write(uefd, &one, sizeof(one)) != sizeof(one))
			ret = vp_fail(errno, "write", "unmask eventfd");
	}
	if (!ret)
		ret = vfio_irq_eventfd(o->device, LEVEL, VFIO_IRQ_SET_ACTION_UNMASK, -1);
	close(uefd);
	if (ret)
		return ret;
	record(figure(NS, OURS, UPSTREAM, "level: raise, eventfd, ack, unmask eventfd",
		      "irq.level.efd"), drv, loop_ns(&l));

	for (loop_start(&l); loop_more(&l);) {
		ret = sim_lines(o->raise, 1U << EDGE);
		ret = ret ?: wait_line(o, EDGE);
		if (ret)
			return ret;
	}
	record(figure(NS, OURS, UPSTREAM, "edge: raise, eventfd", "irq.edge"),
	       drv, loop_ns(&l));

	/* SET_IRQS DATA_NONE on the trigger: the driver signals it itself. */
	for (loop_start(&l); loop_more(&l);) {
		ret = vfio_irq_none(o->device, EDGE, VFIO_IRQ_SET_ACTION_TRIGGER, 1);
		ret = ret ?: wait_line(o, EDGE);
		if (ret)
			return ret;
	}
	record(figure(NS, OURS, UPSTREAM, "loopback: SET_IRQS DATA_NONE, eventfd",
		      "irq.loopback"), drv, loop_ns(&l));
	return 0;
}

/*
 * Interrupts delivered per second with 1, 8 and 32 edge lines firing at once,
 * all signalling one eventfd, so that the figure counts interrupts, not reads.
 */
static int bench_irq_rate(struct opened *o, enum series drv)
{
	unsigned int i, n, got;
	struct loop l;
	int ret, c;

	for (i = 0; i < ARRAY_SIZE(rate_lines); i++) {
		n = rate_lines[i];
		for (loop_start(&l); loop_more(&l);) {
			ret = sim_lines(o->raise, n == 32 ? ~0U : (1U << n) - 1);
			for (got = 0; !ret && got < n; got += c) {
				c = efd_wait(o->efd[0], SIM_TIMEOUT_MS);
				if (c <= 0)
					ret = c ?: -ETIMEDOUT;
			}
			if (ret)
				return ret;
		}
		record(figure(PER_S, OURS, UPSTREAM, "interrupts delivered, edge lines",
			      "irq.rate.%u", n), drv, n * 1e9 / loop_ns(&l));
	}
	return 0;
}

/* VFIO_GROUP_GET_DEVICE_FD, a read of every region, close. */
static int bench_open_group(struct opened *o, enum series drv, const char *name)
{
	struct loop l;
	int fd, ret;

	for (loop_start(&l); loop_more(&l);) {
		fd = vfio_device_get(o->group, o->sim.name);
		if (fd < 0)
			return fd;
		ret = touch_regions(fd, o->num_regions);
		close(fd);
		if (ret)
			return ret;
	}
	record(figure(NS, OURS, UPSTREAM, "open + read each region + close, group",
		      "%s", name), drv, loop_ns(&l));
	return 0;
}

/* The device cdev: open, bind, attach an IOAS, read each region, close. */
static int bench_open_cdev(struct opened *o, enum series drv, int iommufd,
			   __u32 ioas)
{
	struct loop l;
	int fd, ret;

	for (loop_start(&l); loop_more(&l);) {
		fd = vfio_cdev_open(o->sim.name);
		if (fd < 0)
			return fd;
		ret = vfio_cdev_bind(fd, iommufd);
		ret = ret ?: vfio_cdev_attach(fd, ioas);
		ret = ret ?: touch_regions(fd, o->num_regions);
		close(fd);
		if (ret)
			return ret;
	}
	record(figure(NS, OURS, UPSTREAM, "open + bind + attach + read + close, cdev",
		      "open.cdev"), drv, loop_ns(&l));
	return 0;
}

static const char *size_name(unsigned long long size)
{
	static char buf[16];

	if (size >= 1ULL << 20)
		snprintf(buf, sizeof(buf), "%lluM", size >> 20);
	else
		snprintf(buf, sizeof(buf), "%lluK", size >> 10);
	return buf;
}

static void *dma_buf;

/* VFIO_IOMMU_MAP_DMA + UNMAP_DMA of each size through a type1 container. */
static int bench_dma_container(struct opened *o, enum series s)
{
	unsigned long type = s == EXEC ? VFIO_TYPE1v2_EXEC_IOMMU : VFIO_TYPE1v2_IOMMU;
	__u32 flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct loop l;
	unsigned int i;
	int container, ret = 0;

	container = vfio_container_attach(o->group, type);
	if (container < 0)
		return container;
	for (i = 0; !ret && i < num_dma_sizes; i++) {
		for (loop_start(&l); !ret && loop_more(&l);) {
			ret = vfio_dma_map(container, dma_buf, DMA_IOVA, dma_sizes[i], flags);
			ret = ret ?: vfio_dma_unmap(container, DMA_IOVA, dma_sizes[i]);
		}
		if (!ret)
			record(figure(NS, EXEC, TYPE1, "DMA map + unmap, container",
				      "dma.%s", size_name(dma_sizes[i])),
			       s, loop_ns(&l));
	}
	if (ioctl(o->group, VFIO_GROUP_UNSET_CONTAINER) && !ret)
		ret = vp_fail(errno, "VFIO_GROUP_UNSET_CONTAINER", NULL);
	close(container);
	return ret;
}

/* IOMMU_IOAS_MAP + UNMAP with a device attached, so that pages are pinned. */
static int bench_dma_iommufd(int iommufd, __u32 ioas)
{
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap), .ioas_id = ioas };
	struct loop l;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < num_dma_sizes; i++) {
		for (loop_start(&l); !ret && loop_more(&l);) {
			ret = iommufd_ioas_map(iommufd, ioas, dma_buf, DMA_IOVA,
					       dma_sizes[i]);
			unmap.iova = DMA_IOVA;
			unmap.length = dma_sizes[i];
			if (!ret && ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap))
				ret = vp_fail(errno, "IOMMU_IOAS_UNMAP", NULL);
		}
		if (!ret)
			record(figure(NS, IOMMUFD, TYPE1, "DMA map + unmap, iommufd IOAS",
				      "dma-iommufd.%s", size_name(dma_sizes[i])),
			       IOMMUFD, loop_ns(&l));
	}
	return ret;
}

/* The iommufd figures have type1v2 as the base of their ratio. */
static void dma_iommufd_base(void)
{
	unsigned int i, j;
	struct figure *t, *f;
	char n[32];

	for (i = 0; i < num_dma_sizes; i++) {
		snprintf(n, sizeof(n), "dma.%s", size_name(dma_sizes[i]));
		t = find(n);
		snprintf(n, sizeof(n), "dma-iommufd.%s", size_name(dma_sizes[i]));
		f = find(n);
		if (!t || !f)
			continue;
		for (j = f->n[TYPE1]; j < t->n[TYPE1]; j++)
			record(f, TYPE1, t->v[TYPE1][j]);
	}
}

static struct opened dev_a, dev_b;

/*
 * Devices held open while the first is opened and closed: scale[] - 1 of them.
 * --quick leaves out the last, whose 63 devices take minutes to make and bind
 * on the test kernel.
 */
static const unsigned int scale[] = { 1, 16, 64 };
static unsigned int num_scale = ARRAY_SIZE(scale);
#define MAX_OTHERS	63
static struct opened others[MAX_OTHERS];
static unsigned int num_others = MAX_OTHERS;

/*
 * The figures are measured phase by phase: each phase runs under one driver,
 * then under the other, round after round, so that the two measurements of a
 * figure are taken seconds apart, not minutes. On an emulated machine whose
 * speed drifts over seconds, that is what makes their ratio mean something.
 */

/*
 * After an open, the guest runs slower for a while (deferred TLB flushes and
 * purges of the mappings the last close dropped, seen as a slower getppid()
 * too): the figures of an open device are taken once that has passed.
 */
#define SETTLE_US	300000

/* Both devices opened through the group interface, every region touched. */
static int open_both(void)
{
	struct opened *o[] = { &dev_a, &dev_b };
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < ARRAY_SIZE(o); i++) {
		ret = dev_open_group(o[i], VFIO_TYPE1v2_IOMMU);
		if (ret)
			break;
		o[i]->device = vfio_device_get(o[i]->group, o[i]->sim.name);
		ret = o[i]->device < 0 ? o[i]->device :
		      touch_regions(o[i]->device, o[i]->num_regions);
	}
	if (!ret && !quick)
		usleep(SETTLE_US);
	return ret;
}

static void close_both(void)
{
	dev_close(&dev_a);
	dev_close(&dev_b);
}

static int phase_open_group(enum series drv)
{
	int ret;

	ret = dev_open_group(&dev_a, VFIO_TYPE1v2_IOMMU);
	ret = ret ?: dev_open_group(&dev_b, VFIO_TYPE1v2_IOMMU);
	ret = ret ?: bench_open_group(&dev_a, drv, "open.group");
	ret = ret ?: bench_open_group(&dev_b, drv, "open.group.8x32");
	close_both();
	return ret;
}

static int phase_register(enum series drv)
{
	int ret = open_both();

	ret = ret ?: bench_register(&dev_a, drv);
	close_both();
	return ret;
}

static int phase_rw(enum series drv)
{
	int ret = open_both();

	ret = ret ?: bench_rw(&dev_a, drv, 0, false);
	ret = ret ?: bench_rw(&dev_a, drv, 0, true);
	ret = ret ?: bench_rw(&dev_a, drv, 1, false);
	ret = ret ?: bench_rw(&dev_a, drv, 1, true);
	close_both();
	return ret;
}

static int phase_mmap(enum series drv)
{
	int ret = open_both();

	ret = ret ?: bench_mmap(&dev_a, drv, 1, false);
	ret = ret ?: bench_mmap(&dev_a, drv, 1, true);
	close_both();
	return ret;
}

static int phase_irq(enum series drv)
{
	int ret = open_both();

	ret = ret ?: dev_irqs(&dev_a);
	ret = ret ?: dev_irqs_shared(&dev_b);
	ret = ret ?: bench_irq(&dev_a, drv);
	ret = ret ?: bench_irq_rate(&dev_b, drv);
	close_both();
	return ret;
}

static int phase_open_cdev(enum series drv)
{
	__u32 ioas;
	int iommufd, ret;

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return vp_fail(errno, "open", "/dev/iommu");
	ret = iommufd_ioas_alloc(iommufd, &ioas);
	ret = ret ?: bench_open_cdev(&dev_a, drv, iommufd, ioas);
	close(iommufd);
	return ret;
}

/* Open + close of the first device while 0, 15 and 63 others are open. */
static int phase_scale(enum series drv)
{
	unsigned int i, k, open = 0;
	char name[32];
	int ret = 0;

	for (i = 0; !ret && i < num_others; i++)
		ret = vp_bind(others[i].sim.name, driver_name[drv]);
	ret = ret ?: dev_open_group(&dev_a, VFIO_TYPE1v2_IOMMU);
	for (k = 0; !ret && k < num_scale; k++) {
		for (; !ret && open < scale[k] - 1; open++) {
			ret = dev_open_group(&others[open], VFIO_TYPE1v2_IOMMU);
			if (ret)
				break;
			others[open].device = vfio_device_get(others[open].group,
							      others[open].sim.name);
			ret = others[open].device < 0 ? others[open].device :
			      touch_regions(others[open].device, 1);
		}
		snprintf(name, sizeof(name), "open.with.%u", scale[k]);
		ret = ret ?: bench_open_group(&dev_a, drv, name);
	}
	dev_close(&dev_a);
	for (i = 0; i < num_others; i++)
		dev_close(&others[i]);
	return ret;
}

/*
 * Open time against the shape of the device: 1 to 8 regions with one line,
 * 1 to 32 lines with one region. The first device of each list is the same.
 */
static const struct {
	unsigned int regions, lines;
} sweep[] = { { 1, 1 }, { 2, 1 }, { 4, 1 }, { 8, 1 }, { 1, 8 }, { 1, 32 } };
#define NUM_SWEEP	ARRAY_SIZE(sweep)
static struct opened swept[NUM_SWEEP];

static int phase_sweep(enum series drv)
{
	char name[32];
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < NUM_SWEEP; i++)
		ret = vp_bind(swept[i].sim.name, driver_name[drv]);
	for (i = 0; !ret && i < NUM_SWEEP; i++) {
		ret = dev_open_group(&swept[i], VFIO_TYPE1v2_IOMMU);
		snprintf(name, sizeof(name), "open.r%u.l%u", sweep[i].regions,
			 sweep[i].lines);
		ret = ret ?: bench_open_group(&swept[i], drv, name);
		dev_close(&swept[i]);
	}
	return ret;
}

/*
 * DMA map and unmap are the IOMMU drivers' figures, the same under either
 * vfio-platform: measured with ours bound, the three interfaces in turn.
 */
static int phase_dma(enum series drv)
{
	__u32 ioas;
	int iommufd, fd, ret;

	static bool exec_first;

	if (drv != OURS)
		return 0;
	/* Which goes first alternates, as the drivers do. */
	exec_first = !exec_first;
	ret = dev_open_group(&dev_a, 0);
	ret = ret ?: bench_dma_container(&dev_a, exec_first ? EXEC : TYPE1);
	ret = ret ?: bench_dma_container(&dev_a, exec_first ? TYPE1 : EXEC);
	dev_close(&dev_a);
	if (ret)
		return ret;

	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return vp_fail(errno, "open", "/dev/iommu");
	ret = iommufd_ioas_alloc(iommufd, &ioas);
	fd = ret ? -1 : vfio_cdev_open(dev_a.sim.name);
	ret = ret ?: fd < 0 ? fd : 0;
	ret = ret ?: vfio_cdev_bind(fd, iommufd);
	ret = ret ?: vfio_cdev_attach(fd, ioas);
	ret = ret ?: bench_dma_iommufd(iommufd, ioas);
	if (fd >= 0)
		close(fd);
	close(iommufd);
	return ret;
}

static const struct {
	const char *id;		/* for --only */
	const char *name;
	int (*run)(enum series drv);
} phases[] = {
	{ "open", "open and close, group", phase_open_group },
	{ "register", "one register", phase_register },
	{ "rw", "read() and write()", phase_rw },
	{ "mmap", "mmap()", phase_mmap },
	{ "irq", "interrupts", phase_irq },
	{ "cdev", "open and close, cdev", phase_open_cdev },
	{ "scale", "open and close among open devices", phase_scale },
	{ "sweep", "open and close against regions and lines", phase_sweep },
	{ "dma", "DMA map and unmap", phase_dma },
};

#define NUM_PHASES	ARRAY_SIZE(phases)

static int bind_all(enum series drv)
{
	int ret = vp_bind(dev_a.sim.name, driver_name[drv]);

	return ret ?: vp_bind(dev_b.sim.name, driver_name[drv]);
}

static int make_devices(void)
{
	struct sim_config cfg;
	unsigned int i;
	int ret;

	/* A: a register region and a memory region, a level and an edge line. */
	sim_config_init(&cfg);
	cfg.num_regions = 2;
	cfg.regions[0].size = REGION_SIZE;
	cfg.regions[1].size = REGION_SIZE;
	cfg.num_irqs = 2;
	cfg.level[LEVEL] = true;
	ret = sim_create(&dev_a.sim, &cfg);
	if (ret)
		return ret;
	dev_a.num_regions = cfg.num_regions;
	dev_a.num_irqs = cfg.num_irqs;

	/* B: the most the simulator makes, 8 regions and 32 edge lines. */
	sim_config_init(&cfg);
	cfg.num_regions = VFIO_PSIM_MAX_REGIONS;
	for (i = 0; i < cfg.num_regions; i++)
		cfg.regions[i].size = PAGE;
	cfg.num_irqs = VFIO_PSIM_MAX_IRQS;
	ret = sim_create(&dev_b.sim, &cfg);
	if (ret)
		return ret;
	dev_b.num_regions = cfg.num_regions;
	dev_b.num_irqs = cfg.num_irqs;

	/* The others: one page of plain memory each, no poller, no interrupt. */
	for (i = 0; i < num_others; i++) {
		sim_config_init(&cfg);
		cfg.no_registers = true;
		/*
		 * The simulator's reset handler is for its registers; devices
		 * of one compatible must agree on having it.
		 */
		cfg.reset = "controller";
		cfg.compatible = "vfio-platform-bench,plain";
		ret = sim_create(&others[i].sim, &cfg);
		if (ret)
			return ret;
		others[i].num_regions = cfg.num_regions;
	}

	/* The sweep: a page per region, the first the register file. */
	for (i = 0; i < NUM_SWEEP; i++) {
		unsigned int r;

		sim_config_init(&cfg);
		cfg.num_regions = sweep[i].regions;
		for (r = 0; r < cfg.num_regions; r++)
			cfg.regions[r].size = PAGE;
		cfg.num_irqs = sweep[i].lines;
		ret = sim_create(&swept[i].sim, &cfg);
		if (ret)
			return ret;
		swept[i].num_regions = cfg.num_regions;
		swept[i].num_irqs = cfg.num_irqs;
	}

	dev_a.raise = sim_irq_file(dev_a.sim.name, "irq_raise");
	dev_a.ack = sim_irq_file(dev_a.sim.name, "irq_ack");
	dev_b.raise = sim_irq_file(dev_b.sim.name, "irq_raise");
	dev_b.ack = sim_irq_file(dev_b.sim.name, "irq_ack");
	if (dev_a.raise < 0 || dev_a.ack < 0 || dev_b.raise < 0 || dev_b.ack < 0)
		return -EIO;
	return 0;
}

static void opened_init(struct opened *o)
{
	unsigned int i;

	memset(o, 0, sizeof(*o));
	o->group = -1;
	o->container = -1;
	o->device = -1;
	o->raise = -1;
	o->ack = -1;
	for (i = 0; i < VFIO_PSIM_MAX_IRQS; i++)
		o->efd[i] = -1;
}

static void destroy_device(struct opened *o)
{
	dev_close(o);
	close_fd(&o->raise);
	close_fd(&o->ack);
	if (o->sim.dir[0])
		sim_destroy(&o->sim);
}

static void destroy_devices(void)
{
	unsigned int i;

	destroy_device(&dev_a);
	destroy_device(&dev_b);
	for (i = 0; i < MAX_OTHERS; i++)
		destroy_device(&others[i]);
	for (i = 0; i < NUM_SWEEP; i++)
		destroy_device(&swept[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of a series, and its spread: (max - min) / median, in percent. */
static double median(const struct figure *f, enum series s, double *spread)
{
	double v[MAX_ROUNDS], m;
	unsigned int n = f->n[s];

	*spread = 0;
	if (!n)
		return 0;
	memcpy(v, f->v[s], n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_double);
	m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*spread = m ? 100 * (v[n - 1] - v[0]) / m : 0;
	return m;
}

/* median(a) / median(b) of figure @name; 0 when it was not measured. */
static double ratio_of(const char *name, enum series a, enum series b)
{
	struct figure *f = find(name);
	double sa, sb, mb;

	if (!f || !f->n[a] || !f->n[b])
		return 0;
	mb = median(f, b, &sb);
	return mb ? median(f, a, &sa) / mb : 0;
}

static void print_table(void)
{
	static const enum series by[] = { OURS, EXEC, IOMMUFD };
	double ma, mb, sa, sb;
	struct figure *f;
	unsigned int i, k;

	printf("%-20s %-44s %5s %14s %7s %14s %7s %7s\n", "figure", "what", "unit",
	       "A median", "spread%", "B median", "spread%", "A/B");
	for (k = 0; k < ARRAY_SIZE(by); k++) {
		printf("# A = %s, B = %s\n", series_name[by[k]],
		       series_name[by[k] == OURS ? UPSTREAM : TYPE1]);
		for (i = 0; i < num_figures; i++) {
			f = &figures[i];
			if (f->a != by[k])
				continue;
			ma = median(f, f->a, &sa);
			mb = median(f, f->b, &sb);
			printf("%-20s %-44s %5s %14.1f %7.1f %14.1f %7.1f %7.3f\n",
			       f->name, f->what, unit_name[f->unit], ma, sa, mb, sb,
			       mb ? ma / mb : 0);
		}
	}
}

/* read() against mmap() of the same region, for ours and upstream. */
static void print_mmap_ratios(void)
{
	char rw[32], mm[32];
	unsigned int i, op;

	printf("\n# read()/write() throughput over the mmap() figure, memory region\n");
	printf("%-10s %8s %10s %10s\n", "transfer", "size", "ours", "upstream");
	for (op = 0; op < 2; op++)
		for (i = 0; i < NUM_SIZES; i++) {
			const char *o = op ? "write" : "read";
			struct figure *r, *m;
			double s, mo;

			snprintf(rw, sizeof(rw), "%s.mem.%u", o, sizes[i]);
			snprintf(mm, sizeof(mm), "mmap-%s.mem.%u", o, sizes[i]);
			r = find(rw);
			m = find(mm);
			if (!r || !m)
				continue;
			mo = median(m, OURS, &s);
			printf("%-10s %8u %10.3f %10.3f\n", o, sizes[i],
			       mo ? median(r, OURS, &s) / mo : 0,
			       median(m, UPSTREAM, &s) ?
			       median(r, UPSTREAM, &s) / median(m, UPSTREAM, &s) : 0);
		}
}

/*
 * A goal: every listed ratio at least @min (or at most @max). Ratios are
 * of medians; a figure not measured misses the goal.
 */
struct goal_check {
	const char *figure;
	enum series a, b;
};

static void print_goal(const char *name, const struct goal_check *c,
		       unsigned int n, double min, double max)
{
	unsigned int i, seen = 0, worst_i = 0, pairs = 0, missed = 0;
	double r, worst = 0, sa = 0, sb = 0;
	enum series a, b;
	bool met = true;
	struct figure *f;

	for (i = 0; i < n; i++) {
		/* --quick and --only leave figures out on purpose. */
		if ((quick || only) && !find(c[i].figure))
			continue;
		r = ratio_of(c[i].figure, c[i].a, c[i].b);
		if (!r || (min && r < min) || (max && r > max))
			met = false;
		if (!seen++ || (min ? r < worst : r > worst)) {
			worst = r;
			worst_i = i;
		}
	}
	if (only && !seen)
		return;
	/* The spreads of the worst figure say how far its ratio can be trusted. */
	f = seen ? find(c[worst_i].figure) : NULL;
	a = c[worst_i].a;
	b = c[worst_i].b;
	if (f && f->n[a] && f->n[b]) {
		median(f, a, &sa);
		median(f, b, &sb);
		/*
		 * A round measures both series seconds apart: the rounds whose
		 * own ratio misses say whether the median's miss is the rule
		 * or the noise of a few.
		 */
		for (i = 0; i < f->n[a] && i < f->n[b]; i++, pairs++) {
			r = f->v[b][i] ? f->v[a][i] / f->v[b][i] : 0;
			if (!r || (min && r < min) || (max && r > max))
				missed++;
		}
	}
	printf("goal %s: %s (worst ratio %.3f, %s, want %s %.2f; spreads %.0f%%/%.0f%%; "
	       "missed in %u of %u rounds)\n",
	       name, met && seen ? "met" : "missed", worst,
	       seen ? c[worst_i].figure : "none", min ? ">=" : "<=", min ?: max,
	       sa, sb, missed, pairs);
}

#define GOAL(name, min, max, ...) do {					\
	const struct goal_check c[] = { __VA_ARGS__ };			\
	print_goal(name, c, ARRAY_SIZE(c), min, max);		\
} while (0)

/* read() and write() of 4 and 64 KiB against loads and stores of a mapping. */
static void print_mmap_goal(void)
{
	static const unsigned int big[] = { 4096, 65536 };
	char a[32], b[40], worst_name[32] = "none";
	double r, s, worst = 0;
	struct figure *fr, *fm;
	unsigned int i, op;
	bool met = true;

	if (only && (!find("read.mem.4096") || !find("mmap-read.mem.4096")))
		return;
	for (op = 0; op < 2; op++) {
		for (i = 0; i < ARRAY_SIZE(big); i++) {
			snprintf(a, sizeof(a), "%s.mem.%u", op ? "write" : "read", big[i]);
			snprintf(b, sizeof(b), "mmap-%s", a);
			fr = find(a);
			fm = find(b);
			r = fr && fm && fm->n[OURS] && median(fm, OURS, &s) ?
			    median(fr, OURS, &s) / median(fm, OURS, &s) : 0;
			if (r < 0.5)
				met = false;
			if ((!op && !i) || r < worst) {
				worst = r;
				snprintf(worst_name, sizeof(worst_name), "%s", a);
			}
		}
	}
	printf("goal rw-4k-64k-half-of-mmap: %s (worst read()/mmap ratio %.3f, %s, want >= 0.50)\n",
	       met ? "met" : "missed", worst, worst_name);
}

static void print_goals(void)
{
	/* Ours must move at least twice upstream's bytes per second... */
	GOAL("rw-4k-64k-2x-upstream", 2.0, 0,
	     { "read.mem.4096", OURS, UPSTREAM }, { "read.mem.65536", OURS, UPSTREAM },
	     { "write.mem.4096", OURS, UPSTREAM }, { "write.mem.65536", OURS, UPSTREAM },
	     { "read.regs.4096", OURS, UPSTREAM }, { "read.regs.65536", OURS, UPSTREAM },
	     { "write.regs.4096", OURS, UPSTREAM }, { "write.regs.65536", OURS, UPSTREAM });
	/* ...and come within half of what a mapping gives. */
	print_mmap_goal();
	/* Times: the ratio is ours/upstream, at most 1. */
	GOAL("register-4b-no-slower", 0, 1.0,
	     { "pread.reg4", OURS, UPSTREAM }, { "pwrite.reg4", OURS, UPSTREAM });
	GOAL("irq-round-trip-no-slower", 0, 1.0,
	     { "irq.level.ioctl", OURS, UPSTREAM }, { "irq.level.efd", OURS, UPSTREAM },
	     { "irq.edge", OURS, UPSTREAM });
	GOAL("open-close-no-slower", 0, 1.0,
	     { "open.group", OURS, UPSTREAM }, { "open.group.8x32", OURS, UPSTREAM },
	     { "open.cdev", OURS, UPSTREAM },
	     { "open.with.1", OURS, UPSTREAM }, { "open.with.16", OURS, UPSTREAM },
	     { "open.with.64", OURS, UPSTREAM },
	     { "open.r1.l1", OURS, UPSTREAM }, { "open.r2.l1", OURS, UPSTREAM },
	     { "open.r4.l1", OURS, UPSTREAM }, { "open.r8.l1", OURS, UPSTREAM },
	     { "open.r1.l8", OURS, UPSTREAM }, { "open.r1.l32", OURS, UPSTREAM });
	GOAL("exec-map-within-2pct", 0, 1.02,
	     { "dma.4K", EXEC, TYPE1 }, { "dma.2M", EXEC, TYPE1 },
	     { "dma.256M", EXEC, TYPE1 });
}

/* The plots, each defined by a plotdef line before its first point. */
enum plot { THROUGHPUT, OPEN_SCALE, OPEN_REGIONS, OPEN_LINES, IRQ_RATE, NR_PLOTS };

static const struct {
	const char *name, *axis, *title, *x, *y;
} plots[NR_PLOTS] = {
	[THROUGHPUT] = { "throughput", "logx",
			 "Throughput against transfer size, memory region",
			 "transfer (bytes)", "MB/s" },
	[OPEN_SCALE] = { "open-scale", "linx",
			 "Open + read each region + close of a device among others open",
			 "devices open", "ns" },
	[OPEN_REGIONS] = { "open-regions", "linx",
			   "Open + read each region + close against regions, one line",
			   "regions", "ns" },
	[OPEN_LINES] = { "open-lines", "linx",
			 "Open + read the region + close against lines, one region",
			 "interrupt lines", "ns" },
	[IRQ_RATE] = { "irq-rate", "linx", "Interrupt rate against edge lines firing",
		       "lines firing at once", "interrupts/s" },
};

/* A point of series @label: the median of @s of figure @name, if measured. */
static void plot_point(enum plot p, const char *label, unsigned int x,
		       const char *name, enum series s)
{
	static bool defined[NR_PLOTS];
	struct figure *f = find(name);
	double spread;

	if (!f || !f->n[s])
		return;
	if (!defined[p]) {
		printf("plotdef %s %s %s|%s|%s\n", plots[p].name, plots[p].axis,
		       plots[p].title, plots[p].x, plots[p].y);
		defined[p] = true;
	}
	printf("plot %s %s %u %.3f\n", plots[p].name, label, x, median(f, s, &spread));
}

/* Data for the plots: throughput against size, open time and interrupt rate. */
static void print_plots(void)
{
	static const enum series drv[] = { OURS, UPSTREAM };
	static const char *const op[] = { "read", "write" };
	char n[32], label[32];
	unsigned int i, d, o;

	for (o = 0; o < 2; o++)
		for (i = 0; i < NUM_SIZES; i++) {
			for (d = 0; d < 2; d++) {
				snprintf(n, sizeof(n), "%s.mem.%u", op[o], sizes[i]);
				snprintf(label, sizeof(label), "%s-%s",
					 series_name[drv[d]], op[o]);
				plot_point(THROUGHPUT, label, sizes[i], n, drv[d]);
			}
			snprintf(n, sizeof(n), "mmap-%s.mem.%u", op[o], sizes[i]);
			snprintf(label, sizeof(label), "mmap-%s", op[o]);
			plot_point(THROUGHPUT, label, sizes[i], n, OURS);
		}
	for (d = 0; d < 2; d++) {
		for (i = 0; i < num_scale; i++) {
			snprintf(n, sizeof(n), "open.with.%u", scale[i]);
			plot_point(OPEN_SCALE, series_name[drv[d]], scale[i], n, drv[d]);
		}
		/* The first device of the sweep is on both curves. */
		for (i = 0; i < NUM_SWEEP; i++) {
			snprintf(n, sizeof(n), "open.r%u.l%u", sweep[i].regions,
				 sweep[i].lines);
			if (sweep[i].lines == 1)
				plot_point(OPEN_REGIONS, series_name[drv[d]],
					   sweep[i].regions, n, drv[d]);
			if (sweep[i].regions == 1)
				plot_point(OPEN_LINES, series_name[drv[d]],
					   sweep[i].lines, n, drv[d]);
		}
		for (i = 0; i < ARRAY_SIZE(rate_lines); i++) {
			snprintf(n, sizeof(n), "irq.rate.%u", rate_lines[i]);
			plot_point(IRQ_RATE, series_name[drv[d]], rate_lines[i], n,
				   drv[d]);
		}
	}
}

/* Every figure has a sample of both its series in every round. */
static bool all_measured(void)
{
	bool ok = num_figures > 0;
	unsigned int i;

	for (i = 0; i < num_figures; i++)
		if (figures[i].n[figures[i].a] != rounds ||
		    figures[i].n[figures[i].b] != rounds) {
			fprintf(stderr, "# figure %s: %u and %u of %u rounds measured\n",
				figures[i].name, figures[i].n[figures[i].a],
				figures[i].n[figures[i].b], rounds);
			ok = false;
		}
	return ok;
}

/* --only: the phases named in @list, by id, and no other. */
static int only_phases(const char *list, bool *run)
{
	char buf[128], *id, *save;
	unsigned int p;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = 0; p < NUM_PHASES; p++)
		run[p] = false;
	for (id = strtok_r(buf, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < NUM_PHASES && strcmp(phases[p].id, id); p++)
			;
		if (p == NUM_PHASES) {
			fprintf(stderr, "--only: no phase %s; the phases:", id);
			for (p = 0; p < NUM_PHASES; p++)
				fprintf(stderr, " %s", phases[p].id);
			fputc('\n', stderr);
			return -EINVAL;
		}
		run[p] = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ }
	};
	bool run[NUM_PHASES];
	struct vp_saved msi = {}, unsafe = {};
	unsigned int p, round;
	enum series drv;
	int c, ret;

	for (p = 0; p < NUM_PHASES; p++)
		run[p] = true;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			num_dma_sizes = 2;
			num_scale = ARRAY_SIZE(scale) - 1;
			num_others = scale[num_scale - 1] - 1;
			rounds = 1;
			budget_ns = 5e6;
			min_calls = 1;
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			if (rounds < 1 || rounds > MAX_ROUNDS) {
				fprintf(stderr, "--rounds: 1 to %d\n", MAX_ROUNDS);
				return 2;
			}
			break;
		case 'o':
			if (only_phases(optarg, run))
				return 2;
			only = true;
			break;
		default:
			fprintf(stderr, "usage: %s [--quick] [--rounds N] [--only PHASE,...]\n",
				argv[0]);
			return 2;
		}
	}
	if (sim_missing()) {
		fprintf(stderr, "# %s\n", sim_missing());
		return 1;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# %u round(s), drivers alternating; %.0f ms per figure and round,\n",
	       rounds, budget_ns / 1e6);
	printf("# a round's figure the fastest of its %d blocks\n", LOOP_BLOCKS);
	printf("# TCG-emulated and shared machine: only ratios from one run mean anything\n");
	printf("# %s\n", "ours resets the device at open and close;");
	printf("# %s\n", "upstream runs with reset_required=0 and does not");

	opened_init(&dev_a);
	opened_init(&dev_b);
	for (p = 0; p < MAX_OTHERS; p++)
		opened_init(&others[p]);
	for (p = 0; p < NUM_SWEEP; p++)
		opened_init(&swept[p]);
	dma_buf = dma_buffer(dma_sizes[2]);
	/*
	 * No MSI window: type1 and iommufd let the group in without their
	 * allow_unsafe_interrupts.
	 */
	ret = dma_buf ? 0 : -ENOMEM;
	ret = ret ?: vp_save_and_set(&msi, SIM_KNOB("msi_window"), "none");
	ret = ret ?: vp_save_and_set(&unsafe, IOMMUFD_UNSAFE_IRQS, "N");
	ret = ret ?: make_devices();
	for (p = 0; !ret && p < NUM_PHASES; p++) {
		if (!run[p])
			continue;
		printf("# %s\n", phases[p].name);
		for (round = 0; !ret && round < rounds; round++) {
			/* A then B in the even rounds, B then A in the odd ones. */
			for (c = 0; !ret && c < 2; c++) {
				drv = (c ^ (round & 1)) ? UPSTREAM : OURS;
				ret = bind_all(drv);
				ret = ret ?: phases[p].run(drv);
			}
		}
	}
	destroy_devices();
	vp_restore(&unsafe);
	vp_restore(&msi);
	if (ret) {
		fprintf(stderr, "# benchmark failed: %s\n", strerror(-ret));
		return 1;
	}

	dma_iommufd_base();
	print_table();
	print_mmap_ratios();
	putchar('\n');
	print_goals();
	print_plots();
	return all_measured() ? 0 : 1;
}
