// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency and endurance of vfio-platform on simulated devices:
 *
 * - one device hammered by threads doing every call its owner can make at
 *   once, while its level and edge lines storm;
 * - devices made and removed (configfs "live") while other threads open
 *   them through VFIO, and vfio-platform and vfio-platform-sim unloaded
 *   while that goes on;
 * - processes racing each other for one group or device, and an unbind
 *   waiting for the owner in another process;
 * - a thousand bind/unbind cycles through the group path and through the
 *   device cdev, compared before and after (slab, vmalloc, interrupts, IOMMU
 *   groups, the simulated IOMMU's domains); on arm64, cycles of QEMU's PL061
 *   through vfio-amba too.
 *
 * Nothing a racing thread does may fail in a way that leaves the kernel
 * unclean (the VM lane fails on any splat) or a device half made: whenever
 * an open succeeds, the device it returns is whole, and once the races are
 * over every device works and nothing is left behind.
 *
 * The program unloads vfio-platform, and vfio-platform-sim when no device
 * of anyone else exists and claim= is empty, and loads them again with
 * modprobe (the simulator with the mmio_base and mmio_size it had).
 *
 * VP_STRESS_SECONDS (20), VP_RACE_SECONDS (10), VP_CYCLES (1000) and, for the
 * PL061, VP_AMBA_CYCLES (100) in the environment lengthen or shorten the runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define LEVEL		0
#define EDGE		1
/* IRQ_RAISE bits of both lines */
#define BOTH_LINES	0x3U

#define SIM_PARAMS	"/sys/module/vfio_platform_sim/parameters/"

/*
 * The knobs the fixtures change, as the program found them. A fixture whose
 * setup fails runs no teardown, so besides each teardown putting back what
 * it changed, the program puts these back as it exits, whatever happened.
 */
static struct vp_saved found[2];

static void knobs_put_back(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(found); i++)
		vp_restore(&found[i]);
}

static void __attribute__((constructor)) knobs_note(void)
{
	static const char * const knobs[] = {
		SIM_KNOB("msi_window"), IOMMUFD_UNSAFE_IRQS,
	};
	unsigned int i;

	/* Recorded only: vp_restore() writes back a vp_saved it finds filled. */
	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		if (!vp_exists(knobs[i]) ||
		    vp_read(knobs[i], found[i].value, sizeof(found[i].value)) < 0)
			continue;
		snprintf(found[i].path, sizeof(found[i].path), "%s", knobs[i]);
	}
	atexit(knobs_put_back);
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000,
			       .tv_nsec = (us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

/* The harness runs each test in a child that leaves by _exit(): flush. */
#define report(fmt, ...) do {					\
	ksft_print_msg(fmt "\n", ##__VA_ARGS__);		\
	fflush(stdout);						\
} while (0)

/*
 * Racing threads expect refusals by the thousand: these say nothing, where
 * the helpers of vfio_platform_util.c would print each one.
 */
static int quiet_write(const char *path, const char *s)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

static int quiet_read(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

/* The last component of what @path links to, or "" when it does not. */
static void link_name(const char *path, char *buf, size_t size)
{
	char link[PATH_MAX];
	ssize_t n = readlink(path, link, sizeof(link) - 1);

	buf[0] = '\0';
	if (n <= 0)
		return;
	link[n] = '\0';
	snprintf(buf, size, "%s", basename(link));
}

/* Lines of @path holding @needle, or every line for NULL. */
static int count_lines(const char *path, const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!needle || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

static int count_domains(void)
{
	return vp_count_dir(SIM_DEBUGFS "/iommu/domains");
}

/* A thread's first complaint; the test reports it after the join. */
struct failure {
	pthread_mutex_t lock;
	char what[256];
	unsigned long count;
};

static void failure_init(struct failure *f)
{
	pthread_mutex_init(&f->lock, NULL);
	f->what[0] = '\0';
	f->count = 0;
}

static void __printf(2, 3) failed(struct failure *f, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&f->lock);
	if (!f->count++) {
		va_start(ap, fmt);
		vsnprintf(f->what, sizeof(f->what), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&f->lock);
}

/* xorshift32, one state per thread. */
static unsigned int rnd(unsigned int *state)
{
	unsigned int x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static bool stopped(const bool *stop)
{
	return __atomic_load_n(stop, __ATOMIC_RELAXED);
}

/*
 * Ring a doorbell of the simulated device and give it a poll or two to take
 * it; a reset racing the write may eat it, which is no error here.
 */
static void ring(struct sim_regs *regs, unsigned int doorbell, __u32 val)
{
	unsigned int i;

	sim_reg_write(regs, doorbell, val);
	for (i = 0; i < 100 && sim_reg_read(regs, doorbell); i++)
		sleep_us(500);
}

/*
 * One device, every call at once
 * ==============================
 */

#define STRESS_IOVA	0x100000ULL
#define STRESS_PAGES	4
#define EFD_POOL	4
#define REGION1_SIZE	(2 * PAGE)

enum {
	T_RW, T_MMAP, T_TRIGGER, T_MASK, T_RESET, T_DMA, T_STORM, NR_STRESS
};

static const char * const stress_names[NR_STRESS] = {
	"read/write", "mmap", "trigger swap", "mask/unmask", "reset", "DMA",
	"interrupt storm",
};

struct stress {
	struct vp_dev vd;
	struct vfio_region_info region[2];
	__u8 *buf;
	bool mapped;
	int trigger[2][EFD_POOL];
	int mask_efd[2];
	int unmask_efd[2];
	bool stop;
	struct failure fail;
	pthread_t thread[NR_STRESS];
	bool running[NR_STRESS];
	unsigned long ops[NR_STRESS];
	unsigned long refused[NR_STRESS];
	int baseline_domains;
};

struct stress_arg {
	struct stress *s;
	unsigned int which;
};

static bool id_ok(__u32 id)
{
	/* A reset zeroes the registers before it writes ID again. */
	return id == VFIO_PSIM_ID || id == 0;
}

static void stress_rw(struct stress *s, unsigned int *seed)
{
	int fd = s->vd.device;
	__u64 r0 = s->region[0].offset, r1 = s->region[1].offset;
	__u32 id, val = rnd(seed), back;
	__u8 pat[64], got[64];
	unsigned int off, i;

	if (pread(fd, &id, sizeof(id), r0 + VFIO_PSIM_REG_ID) != sizeof(id))
		failed(&s->fail, "pread of ID: %s", strerror(errno));
	else if (!id_ok(id))
		failed(&s->fail, "pread of ID read %#x", id);
	if (pwrite(fd, &val, sizeof(val), r0 + VFIO_PSIM_REG_SCRATCH0) != sizeof(val) ||
	    pread(fd, &back, sizeof(back), r0 + VFIO_PSIM_REG_SCRATCH0) != sizeof(back))
		failed(&s->fail, "pwrite/pread of SCRATCH0: %s", strerror(errno));

	/* The first page of region 1 is this thread's alone: plain memory. */
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = rnd(seed);
	off = rnd(seed) % (PAGE - sizeof(pat));
	if (pwrite(fd, pat, sizeof(pat), r1 + off) != sizeof(pat) ||
	    pread(fd, got, sizeof(got), r1 + off) != sizeof(got))
		failed(&s->fail, "pwrite/pread of region 1: %s", strerror(errno));
	else if (memcmp(pat, got, sizeof(pat)))
		failed(&s->fail, "region 1 at %#x did not read back what was written", off);
	s->ops[T_RW] += 5;
}

static void stress_mmap(struct stress *s, unsigned int *seed)
{
	size_t n0 = s->region[0].size, n1 = s->region[1].size;
	__u8 *p0, *p1;
	__u32 id, val;
	unsigned int off;

	p0 = mmap(NULL, n0, PROT_READ | PROT_WRITE, MAP_SHARED, s->vd.device,
		  s->region[0].offset);
	p1 = mmap(NULL, n1, PROT_READ | PROT_WRITE, MAP_SHARED, s->vd.device,
		  s->region[1].offset);
	if (p0 == MAP_FAILED || p1 == MAP_FAILED) {
		failed(&s->fail, "mmap of a region: %s", strerror(errno));
		goto out;
	}
	id = mmio_read32(p0 + VFIO_PSIM_REG_ID);
	if (!id_ok(id))
		failed(&s->fail, "ID read %#x through mmap", id);
	/* The second page of region 1 is this thread's alone. */
	off = PAGE + (rnd(seed) % (PAGE / 4)) * 4;
	val = rnd(seed);
	mmio_write32(p1 + off, val);
	if (mmio_read32(p1 + off) != val)
		failed(&s->fail, "region 1 at %#x did not keep a write through mmap", off);
out:
	if (p0 != MAP_FAILED)
		munmap(p0, n0);
	if (p1 != MAP_FAILED)
		munmap(p1, n1);
	s->ops[T_MMAP] += 4;
}

static void stress_trigger(struct stress *s, unsigned int *seed)
{
	unsigned int line = rnd(seed) & 1, i = rnd(seed) % EFD_POOL;
	int efd = s->trigger[line][i], ret;
	__u64 count;

	/* Now and then the line loses its eventfd and gets one again. */
	if (!(rnd(seed) % 8)) {
		ret = vfio_irq_eventfd(s->vd.device, line,
				       VFIO_IRQ_SET_ACTION_TRIGGER, -1);
		if (ret)
			failed(&s->fail, "clearing the trigger of line %u: %s",
			       line, strerror(-ret));
		s->ops[T_TRIGGER]++;
	}
	ret = vfio_irq_eventfd(s->vd.device, line, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	if (ret)
		failed(&s->fail, "replacing the trigger of line %u: %s", line,
		       strerror(-ret));
	s->ops[T_TRIGGER]++;
	while (read(s->trigger[line][rnd(seed) % EFD_POOL], &count,
		    sizeof(count)) == sizeof(count))
		;
}

static void stress_mask(struct stress *s, unsigned int *seed)
{
	static const __u64 one = 1;
	unsigned int line = rnd(seed) & 1;
	int fd = s->vd.device, ret = 0;
	const char *what = "";

	switch (rnd(seed) % 6) {
	case 0:
		what = "mask with DATA_NONE";
		ret = vfio_irq_none(fd, line, VFIO_IRQ_SET_ACTION_MASK, 1);
		break;
	case 1:
		what = "unmask with DATA_NONE";
		ret = vfio_irq_none(fd, line, VFIO_IRQ_SET_ACTION_UNMASK, 1);
		break;
	case 2:
		what = "mask with DATA_BOOL";
		ret = vfio_irq_bool(fd, line, VFIO_IRQ_SET_ACTION_MASK, 1);
		break;
	case 3:
		what = "unmask with DATA_BOOL";
		ret = vfio_irq_bool(fd, line, VFIO_IRQ_SET_ACTION_UNMASK, 1);
		break;
	case 4:
		what = "mask eventfd";
		ret = vfio_irq_eventfd(fd, line, VFIO_IRQ_SET_ACTION_MASK,
				       s->mask_efd[line]);
		if (!ret && write(s->mask_efd[line], &one, sizeof(one)) < 0)
			ret = -errno;
		if (!ret)
			ret = vfio_irq_eventfd(fd, line, VFIO_IRQ_SET_ACTION_MASK, -1);
		s->ops[T_MASK] += 2;
		break;
	default:
		what = "unmask eventfd";
		ret = vfio_irq_eventfd(fd, line, VFIO_IRQ_SET_ACTION_UNMASK,
				       s->unmask_efd[line]);
		if (!ret && write(s->unmask_efd[line], &one, sizeof(one)) < 0)
			ret = -errno;
		/* Left in place half of the time, so that it races the rest. */
		if (!ret && rnd(seed) & 1)
			ret = vfio_irq_eventfd(fd, line, VFIO_IRQ_SET_ACTION_UNMASK, -1);
		s->ops[T_MASK] += 2;
		break;
	}
	if (ret)
		failed(&s->fail, "%s of line %u: %s", what, line, strerror(-ret));
	s->ops[T_MASK]++;
}

static void stress_reset(struct stress *s, unsigned int *seed)
{
	if (ioctl(s->vd.device, VFIO_DEVICE_RESET))
		failed(&s->fail, "VFIO_DEVICE_RESET: %s", strerror(errno));
	s->ops[T_RESET]++;
	/* Often enough to race everything, rarely enough to let DMA finish. */
	sleep_us(100000 + rnd(seed) % 100000);
}

/*
 * sim_dma(), with a short patience: a reset that sets DMA_SEQ back to what
 * it was leaves the command looking unfinished for ever, and sim_dma() would
 * wait its full timeout, loudly, for each such loss.
 */
static int stress_dma_copy(struct sim_regs *regs, __u64 src, __u64 dst, __u32 len)
{
	__u32 seq = sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ);
	double t0 = now();

	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_SRC, src);
	sim_reg_write64(regs, VFIO_PSIM_REG_DMA_DST, dst);
	sim_reg_write(regs, VFIO_PSIM_REG_DMA_LEN, len);
	ring(regs, VFIO_PSIM_REG_DMA_CMD, VFIO_PSIM_DMA_CMD_COPY);
	while (now() - t0 < 0.3) {
		if (sim_reg_read(regs, VFIO_PSIM_REG_DMA_SEQ) != seq)
			return sim_reg_read(regs, VFIO_PSIM_REG_DMA_STATUS);
		sleep_us(1000);
	}
	return -ETIMEDOUT;
}

static void stress_dma(struct stress *s, unsigned int *seed)
{
	__u32 len = 1 + rnd(seed) % PAGE;

	/* A reset in between stops the command or eats the doorbell. */
	if (stress_dma_copy(&s->vd.regs, STRESS_IOVA, STRESS_IOVA + 2 * PAGE,
			    len) != VFIO_PSIM_DMA_DONE)
		s->refused[T_DMA]++;
	s->ops[T_DMA]++;
}

static void stress_storm(struct stress *s, unsigned int *seed)
{
	ring(&s->vd.regs, VFIO_PSIM_REG_IRQ_RAISE, BOTH_LINES);
	/* Deasserted now and then, so that the level line fires anew. */
	if (rnd(seed) & 1)
		ring(&s->vd.regs, VFIO_PSIM_REG_IRQ_ACK, 1U << LEVEL);
	s->ops[T_STORM] += 2;
}

static void *stress_thread(void *data)
{
	static void (* const fn[NR_STRESS])(struct stress *, unsigned int *) = {
		[T_RW] = stress_rw,
		[T_MMAP] = stress_mmap,
		[T_TRIGGER] = stress_trigger,
		[T_MASK] = stress_mask,
		[T_RESET] = stress_reset,
		[T_DMA] = stress_dma,
		[T_STORM] = stress_storm,
	};
	struct stress_arg *arg = data;
	struct stress *s = arg->s;
	unsigned int seed = 0x9e3779b9U * (arg->which + 1);

	while (!stopped(&s->stop))
		fn[arg->which](s, &seed);
	return NULL;
}

static void stress_stop(struct stress *s)
{
	unsigned int i;

	__atomic_store_n(&s->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < NR_STRESS; i++)
		if (s->running[i])
			pthread_join(s->thread[i], NULL);
	memset(s->running, 0, sizeof(s->running));
}

FIXTURE(stress) {
	struct stress s;
	struct stress_arg arg[NR_STRESS];
};

FIXTURE_SETUP(stress)
{
	struct stress *s = &self->s;
	struct sim_config cfg;
	unsigned int line, i;

	memset(s, 0, sizeof(*s));
	vp_init(&s->vd);
	failure_init(&s->fail);
	for (line = 0; line < 2; line++) {
		for (i = 0; i < EFD_POOL; i++)
			s->trigger[line][i] = -1;
		s->mask_efd[line] = -1;
		s->unmask_efd[line] = -1;
	}
	if (sim_missing())
		SKIP(return, "%s", sim_missing());

	s->baseline_domains = count_domains();
	ASSERT_LE(0, s->baseline_domains);
	sim_config_init(&cfg);
	cfg.num_regions = 2;
	cfg.regions[1].size = REGION1_SIZE;
	cfg.num_irqs = 2;
	cfg.level[LEVEL] = true;
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_open(&s->vd, &cfg, VFIO_TYPE1v2_IOMMU));
	for (i = 0; i < 2; i++) {
		s->region[i].argsz = sizeof(s->region[i]);
		s->region[i].index = i;
		ASSERT_EQ(0, ioctl(s->vd.device, VFIO_DEVICE_GET_REGION_INFO,
				   &s->region[i]));
	}
	ASSERT_EQ(REGION1_SIZE, s->region[1].size);

	s->buf = dma_buffer(STRESS_PAGES * PAGE);
	ASSERT_NE(NULL, s->buf);
	ASSERT_EQ(0, vfio_dma_map(s->vd.container, s->buf, STRESS_IOVA,
				  STRESS_PAGES * PAGE,
				  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	s->mapped = true;

	/* Triggers and mask/unmask eventfds apart: the driver refuses one as both. */
	for (line = 0; line < 2; line++) {
		for (i = 0; i < EFD_POOL; i++) {
			s->trigger[line][i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			ASSERT_LE(0, s->trigger[line][i]);
		}
		s->mask_efd[line] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s->unmask_efd[line] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_LE(0, s->mask_efd[line]);
		ASSERT_LE(0, s->unmask_efd[line]);
		ASSERT_EQ(0, vfio_irq_eventfd(s->vd.device, line,
					      VFIO_IRQ_SET_ACTION_TRIGGER,
					      s->trigger[line][0]));
	}
}

FIXTURE_TEARDOWN(stress)
{
	struct stress *s = &self->s;
	unsigned int line, i;

	stress_stop(s);
	if (s->mapped)
		vfio_dma_unmap(s->vd.container, STRESS_IOVA, STRESS_PAGES * PAGE);
	vp_close(&s->vd);
	dma_buffer_free(s->buf, STRESS_PAGES * PAGE);
	for (line = 0; line < 2; line++) {
		for (i = 0; i < EFD_POOL; i++)
			if (s->trigger[line][i] >= 0)
				close(s->trigger[line][i]);
		if (s->mask_efd[line] >= 0)
			close(s->mask_efd[line]);
		if (s->unmask_efd[line] >= 0)
			close(s->unmask_efd[line]);
	}
}

/* The line, given a fresh eventfd and raised, signals it. */
static void line_delivers(struct __test_metadata *_metadata, struct stress *s,
			  unsigned int line)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, efd);
	ASSERT_EQ(0, vfio_irq_eventfd(s->vd.device, line,
				      VFIO_IRQ_SET_ACTION_TRIGGER, efd));
	ASSERT_EQ(0, vfio_irq_none(s->vd.device, line, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	ASSERT_EQ(0, sim_ring(&s->vd.regs, VFIO_PSIM_REG_IRQ_RAISE, 1U << line));
	EXPECT_LE(1, efd_wait(efd, SIM_TIMEOUT_MS))
		TH_LOG("line %u raised after the storm: no interrupt on a fresh eventfd",
		       line);
	if (line == LEVEL)
		ASSERT_EQ(0, sim_ring(&s->vd.regs, VFIO_PSIM_REG_IRQ_ACK, 1U << line));
	EXPECT_EQ(0, vfio_irq_eventfd(s->vd.device, line,
				      VFIO_IRQ_SET_ACTION_TRIGGER, -1));
	close(efd);
}

TEST_F_TIMEOUT(stress, every_call_at_once_while_the_lines_storm_leaves_the_device_working,
	       600)
{
	struct stress *s = &self->s;
	unsigned long seconds = env_ul("VP_STRESS_SECONDS", 20), total = 0;
	double t0, elapsed;
	__u32 id = 0;
	unsigned int i, line;

	t0 = now();
	for (i = 0; i < NR_STRESS; i++) {
		self->arg[i].s = s;
		self->arg[i].which = i;
		ASSERT_EQ(0, pthread_create(&s->thread[i], NULL, stress_thread,
					    &self->arg[i]));
		s->running[i] = true;
	}
	while (now() - t0 < seconds && !s->fail.count)
		sleep_us(100000);
	stress_stop(s);
	elapsed = now() - t0;

	for (i = 0; i < NR_STRESS; i++) {
		total += s->ops[i];
		EXPECT_LT(0UL, s->ops[i]) TH_LOG("the %s thread never ran", stress_names[i]);
	}
	report("stress: %.0f s, %lu operations", elapsed, total);
	report("stress DMA: %lu of %lu commands stopped by a reset", s->refused[T_DMA],
	       s->ops[T_DMA]);
	EXPECT_EQ(0UL, s->fail.count)
		TH_LOG("%lu calls failed while racing, the first: %s", s->fail.count,
		       s->fail.what);
	/* DMA must not have been stopped every time: then it was never tested. */
	EXPECT_LT(s->refused[T_DMA], s->ops[T_DMA]);

	/* The owner tidies up; the device must then work as on day one. */
	for (line = 0; line < 2; line++) {
		EXPECT_EQ(0, vfio_irq_eventfd(s->vd.device, line,
					      VFIO_IRQ_SET_ACTION_MASK, -1));
		EXPECT_EQ(0, vfio_irq_eventfd(s->vd.device, line,
					      VFIO_IRQ_SET_ACTION_UNMASK, -1));
	}
	ASSERT_EQ(0, ioctl(s->vd.device, VFIO_DEVICE_RESET));
	ASSERT_EQ((ssize_t)sizeof(id), pread(s->vd.device, &id, sizeof(id),
					     s->region[0].offset + VFIO_PSIM_REG_ID));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, id);
	EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&s->vd.regs, VFIO_PSIM_REG_ID));
	line_delivers(_metadata, s, EDGE);
	line_delivers(_metadata, s, LEVEL);

	for (i = 0; i < PAGE; i++) {
		s->buf[i] = i * 7 + 1;
		s->buf[2 * PAGE + i] = 0;
	}
	EXPECT_EQ(VFIO_PSIM_DMA_DONE, sim_dma(&s->vd.regs, VFIO_PSIM_DMA_CMD_COPY,
					      STRESS_IOVA, STRESS_IOVA + 2 * PAGE,
					      PAGE));
	EXPECT_EQ(0, memcmp(s->buf, s->buf + 2 * PAGE, PAGE))
		TH_LOG("a DMA copy after the storm did not move the data");

	/* Closed, the device leaves no interrupt handler and no domain behind. */
	ASSERT_EQ(0, vfio_dma_unmap(s->vd.container, STRESS_IOVA, STRESS_PAGES * PAGE));
	s->mapped = false;
	vp_close(&s->vd);
	EXPECT_EQ(0, count_lines("/proc/interrupts", "vfio:"))
		TH_LOG("an interrupt handler of vfio-platform outlived the device fd");
	EXPECT_EQ(s->baseline_domains, count_domains());
}

/*
 * Devices made and removed while others open them
 * ================================================
 */

#define FLEET		8
#define OPENERS		3

/* What the simulator leaves of a device, counted before and after. */
struct traces {
	int groups;
	int sim_devices;
	int domains;
	int vfio_irqs;
	int vfio_nodes;
};

static void traces_take(struct traces *t)
{
	t->groups = vp_count_dir("/sys/kernel/iommu_groups");
	t->sim_devices = vp_count_dir(SIM_DEBUGFS "/devices");
	t->domains = count_domains();
	t->vfio_irqs = count_lines("/proc/interrupts", "vfio:");
	t->vfio_nodes = vp_count_dir("/dev/vfio");
}

/* Where an open lost its race, to tell a race from a path that never works. */
enum step { S_BIND, S_GROUP, S_OPEN, S_CONTAINER, S_IOMMU, S_DEVICE, NR_STEPS };

static const char * const step_names[NR_STEPS] = {
	"bind", "group", "group open", "set container", "set iommu", "device fd",
};

struct fleet {
	struct sim_dev dev[FLEET];
	struct traces before;
	bool stop;
	struct failure fail;
	pthread_t toggler[FLEET], opener[OPENERS], unloader;
	bool toggling[FLEET], opening[OPENERS], unloading;
	unsigned long toggles, opens, tries;
	unsigned long lost[NR_STEPS];
	int lost_errno[NR_STEPS];
	unsigned long unloads, unload_tries;
	struct fleet_arg {
		struct fleet *f;
		unsigned int i;
	} arg[FLEET + OPENERS];
};

static void count_up(unsigned long *n)
{
	__atomic_fetch_add(n, 1, __ATOMIC_RELAXED);
}

static void *toggler_thread(void *data)
{
	struct fleet_arg *arg = data;
	struct fleet *f = arg->f;
	unsigned int seed = 0x2545f491U * (arg->i + 1);
	char path[256];
	bool live = true;

	snprintf(path, sizeof(path), "%s/live", f->dev[arg->i].dir);
	while (!stopped(&f->stop)) {
		/*
		 * Live long enough for an opener to get through now and then,
		 * gone only briefly: most opens meet a device being made or
		 * removed, or removed under them.
		 */
		sleep_us(live ? rnd(&seed) % 1500000 : rnd(&seed) % 20000);
		/* EBUSY while a removal waits for an owner to close. */
		if (!quiet_write(path, live ? "0" : "1")) {
			live = !live;
			count_up(&f->toggles);
		}
	}
	return NULL;
}

/*
 * Whatever an open returns is a whole device: the regions and interrupts it
 * was made with, its registers in place, an interrupt that can be requested.
 */
static void check_whole(struct failure *f, int device, const char *name)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info region = { .argsz = sizeof(region) };
	__u32 id = 0;
	int efd, ret;

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info)) {
		failed(f, "%s: VFIO_DEVICE_GET_INFO on an open device: %s", name,
		       strerror(errno));
		return;
	}
	if (info.num_regions != 1 || info.num_irqs != 1 ||
	    !(info.flags & VFIO_DEVICE_FLAGS_PLATFORM)) {
		failed(f, "%s: opened with %u regions, %u irqs, flags %#x", name,
		       info.num_regions, info.num_irqs, info.flags);
		return;
	}
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region) ||
	    region.size != PAGE) {
		failed(f, "%s: region 0 of an open device: %s, size %#llx", name,
		       strerror(errno), (unsigned long long)region.size);
		return;
	}
	if (pread(device, &id, sizeof(id), region.offset + VFIO_PSIM_REG_ID) !=
	    sizeof(id) || id != VFIO_PSIM_ID) {
		failed(f, "%s: ID of an open device read %#x (%s)", name, id,
		       strerror(errno));
		return;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return;
	ret = vfio_irq_eventfd(device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	if (ret)
		failed(f, "%s: its interrupt could not be requested: %s", name,
		       strerror(-ret));
	close(efd);
}

/* The whole group path, quietly: any step may lose a race. */
static int quiet_open(const char *name, int *group_fd, int *container,
		      enum step *step)
{
	char path[256], group[32];
	int device, type = VFIO_TYPE1v2_IOMMU;

	*group_fd = -1;
	*container = -1;
	*step = S_GROUP;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", name);
	link_name(path, group, sizeof(group));
	if (!group[0])
		return -ENOENT;
	*step = S_OPEN;
	snprintf(path, sizeof(path), "/dev/vfio/%s", group);
	*group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (*group_fd < 0)
		return -errno;
	*step = S_CONTAINER;
	*container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (*container < 0 || ioctl(*group_fd, VFIO_GROUP_SET_CONTAINER, container))
		return -errno;
	*step = S_IOMMU;
	if (ioctl(*container, VFIO_SET_IOMMU, type))
		return -errno;
	*step = S_DEVICE;
	device = ioctl(*group_fd, VFIO_GROUP_GET_DEVICE_FD, name);
	return device < 0 ? -errno : device;
}

static void quiet_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Hand @name to vfio-platform, quietly: it may vanish at any point. */
static int quiet_bind(const char *name)
{
	char path[256], drv[64];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 name);
	ret = quiet_write(path, VFIO_PLATFORM_DRIVER);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", name);
	link_name(path, drv, sizeof(drv));
	if (!strcmp(drv, VFIO_PLATFORM_DRIVER))
		return 0;
	if (drv[0]) {
		snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind", drv);
		quiet_write(path, name);
	}
	return quiet_write("/sys/bus/platform/drivers_probe", name);
}

static void *opener_thread(void *data)
{
	struct fleet_arg *arg = data;
	struct fleet *f = arg->f;
	unsigned int seed = 0x6c078965U * (arg->i + 1);
	char path[256], name[64];
	int group = -1, container = -1, device;
	enum step step;

	while (!stopped(&f->stop)) {
		struct sim_dev *d = &f->dev[rnd(&seed) % FLEET];

		snprintf(path, sizeof(path), "%s/dev_name", d->dir);
		if (quiet_read(path, name, sizeof(name)) <= 0 || !strcmp(name, "none"))
			continue;
		count_up(&f->tries);
		step = S_BIND;
		device = quiet_bind(name);
		if (!device)
			device = quiet_open(name, &group, &container, &step);
		if (device < 0) {
			count_up(&f->lost[step]);
			__atomic_store_n(&f->lost_errno[step], -device, __ATOMIC_RELAXED);
		} else {
			count_up(&f->opens);
			check_whole(&f->fail, device, name);
			close(device);
		}
		quiet_close(&container);
		quiet_close(&group);
	}
	return NULL;
}

static bool module_live(const char *mod)
{
	char path[128], state[32];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", mod);
	return quiet_read(path, state, sizeof(state)) > 0 && !strcmp(state, "live");
}

static int load_module(const char *args)
{
	char cmd[512];
	int status;

	snprintf(cmd, sizeof(cmd), "modprobe %s", args);
	status = system(cmd);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "# \"%s\" failed (status %#x)\n", cmd, status);
		return -1;
	}
	return 0;
}

/* delete_module(2), as rmmod does it: refused at once while the module is in use. */
static int unload(const char *mod)
{
	return syscall(__NR_delete_module, mod, O_NONBLOCK) ? -errno : 0;
}

static void *unloader_thread(void *data)
{
	struct fleet *f = data;

	/*
	 * Not before an open got through: then the openers are known to work,
	 * and a run without opens after the unloads is a finding, not luck.
	 */
	while (!stopped(&f->stop) && !__atomic_load_n(&f->opens, __ATOMIC_RELAXED))
		sleep_us(10000);
	while (!stopped(&f->stop)) {
		count_up(&f->unload_tries);
		if (unload("vfio_platform")) {
			sleep_us(2000);
			continue;
		}
		count_up(&f->unloads);
		sleep_us(20000);
		if (load_module(VFIO_PLATFORM_DRIVER))
			failed(&f->fail, "vfio-platform could not be loaded again");
		/* Loaded for a while too, so that some opens get through. */
		sleep_us(1500000);
	}
	return NULL;
}

static void fleet_stop(struct fleet *f)
{
	unsigned int i;

	__atomic_store_n(&f->stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < FLEET; i++)
		if (f->toggling[i])
			pthread_join(f->toggler[i], NULL);
	for (i = 0; i < OPENERS; i++)
		if (f->opening[i])
			pthread_join(f->opener[i], NULL);
	if (f->unloading)
		pthread_join(f->unloader, NULL);
	memset(f->toggling, 0, sizeof(f->toggling));
	memset(f->opening, 0, sizeof(f->opening));
	f->unloading = false;
}

/* Removes the device, however long its owner takes to let go. */
static int fleet_remove(struct sim_dev *d)
{
	char path[256];
	int i, ret = -EBUSY;

	snprintf(path, sizeof(path), "%s/live", d->dir);
	for (i = 0; i < 500 && ret == -EBUSY; i++) {
		ret = quiet_write(path, "0");
		if (ret == -EBUSY)
			sleep_us(10000);
	}
	if (!ret)
		d->name[0] = '\0';
	return ret;
}

FIXTURE(fleet) {
	struct fleet f;
};

FIXTURE_SETUP(fleet)
{
	struct fleet *f = &self->f;
	struct sim_config cfg;
	unsigned int i;

	memset(f, 0, sizeof(*f));
	failure_init(&f->fail);
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	traces_take(&f->before);
	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	for (i = 0; i < FLEET; i++)
		ASSERT_EQ(0, sim_create(&f->dev[i], &cfg));
}

FIXTURE_TEARDOWN(fleet)
{
	struct fleet *f = &self->f;
	unsigned int i;

	fleet_stop(f);
	if (!module_live("vfio_platform"))
		load_module(VFIO_PLATFORM_DRIVER);
	for (i = 0; i < FLEET; i++) {
		fleet_remove(&f->dev[i]);
		sim_destroy(&f->dev[i]);
	}
}

static void fleet_start(struct __test_metadata *_metadata, struct fleet *f)
{
	unsigned int i;

	for (i = 0; i < FLEET; i++) {
		f->arg[i].f = f;
		f->arg[i].i = i;
		ASSERT_EQ(0, pthread_create(&f->toggler[i], NULL, toggler_thread,
					    &f->arg[i]));
		f->toggling[i] = true;
	}
	for (i = 0; i < OPENERS; i++) {
		f->arg[FLEET + i].f = f;
		f->arg[FLEET + i].i = i;
		ASSERT_EQ(0, pthread_create(&f->opener[i], NULL, opener_thread,
					    &f->arg[FLEET + i]));
		f->opening[i] = true;
	}
}

/* Opens through before the race may end: one alone could be luck. */
#define MIN_OPENS	3

static bool fleet_done(struct fleet *f, double elapsed, unsigned long seconds)
{
	if (f->fail.count || elapsed > 3 * seconds)
		return true;
	/* Slow guests take longer to get opens, then an unload, through. */
	if (__atomic_load_n(&f->opens, __ATOMIC_RELAXED) < MIN_OPENS)
		return false;
	if (f->unloading && !__atomic_load_n(&f->unloads, __ATOMIC_RELAXED))
		return false;
	return elapsed > seconds;
}

static void fleet_run(struct __test_metadata *_metadata, struct fleet *f)
{
	unsigned long seconds = env_ul("VP_RACE_SECONDS", 10);
	double t0 = now();
	unsigned int i;

	while (!fleet_done(f, now() - t0, seconds))
		sleep_us(100000);
	fleet_stop(f);
	for (i = 0; i < NR_STEPS; i++)
		if (f->lost[i])
			report("races: %lu opens lost at %s, the last with %s", f->lost[i],
			       step_names[i], strerror(f->lost_errno[i]));
	EXPECT_EQ(0UL, f->fail.count)
		TH_LOG("%lu times wrong while racing, the first: %s", f->fail.count,
		       f->fail.what);
	/* Races that never let one open through prove nothing. */
	EXPECT_LT(0UL, f->toggles);
	EXPECT_LT(0UL, f->opens) TH_LOG("%lu tries, none opened a device", f->tries);
}

/*
 * Once every device is removed, nothing of them is left; made again, each is
 * bound to vfio-platform, opened, and reads its ID.
 */
static void fleet_check(struct __test_metadata *_metadata, struct fleet *f)
{
	struct traces after;
	unsigned int i;

	for (i = 0; i < FLEET; i++)
		ASSERT_EQ(0, fleet_remove(&f->dev[i]))
			TH_LOG("device %u could not be removed", i);
	traces_take(&after);
	EXPECT_EQ(f->before.groups, after.groups) TH_LOG("IOMMU groups left behind");
	EXPECT_EQ(f->before.sim_devices, after.sim_devices)
		TH_LOG("simulated devices left behind in debugfs");
	EXPECT_EQ(f->before.domains, after.domains) TH_LOG("IOMMU domains left behind");
	EXPECT_EQ(0, after.vfio_irqs) TH_LOG("vfio interrupt handlers left behind");
	EXPECT_EQ(f->before.vfio_nodes, after.vfio_nodes)
		TH_LOG("group nodes left behind in /dev/vfio");

	for (i = 0; i < FLEET; i++) {
		struct vp_dev vd;

		vp_init(&vd);
		ASSERT_EQ(0, sim_set_live(&f->dev[i], true));
		ASSERT_EQ(0, vp_bind(f->dev[i].name, VFIO_PLATFORM_DRIVER));
		vd.group = vfio_group_open(vp_iommu_group(f->dev[i].name));
		ASSERT_LE(0, vd.group);
		vd.container = vfio_container_attach(vd.group, VFIO_TYPE1v2_IOMMU);
		ASSERT_LE(0, vd.container);
		snprintf(vd.sim.name, sizeof(vd.sim.name), "%s", f->dev[i].name);
		ASSERT_EQ(0, vp_open_device(&vd));
		EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&vd.regs, VFIO_PSIM_REG_ID));
		check_whole(&f->fail, vd.device, vd.sim.name);
		sim_regs_unmap(&vd.regs);
		quiet_close(&vd.device);
		quiet_close(&vd.container);
		quiet_close(&vd.group);
	}
	EXPECT_EQ(0UL, f->fail.count) TH_LOG("%s", f->fail.what);
}

TEST_F_TIMEOUT(fleet, live_toggles_racing_opens_never_expose_half_a_device, 300)
{
	struct fleet *f = &self->f;

	fleet_start(_metadata, f);
	fleet_run(_metadata, f);
	report("live races: %lu toggles, %lu of %lu opens through", f->toggles,
	       f->opens, f->tries);
	fleet_check(_metadata, f);
}

TEST_F_TIMEOUT(fleet, unloading_vfio_platform_racing_opens_and_toggles_is_clean, 300)
{
	struct fleet *f = &self->f;

	ASSERT_TRUE(module_live("vfio_platform"));
	fleet_start(_metadata, f);
	ASSERT_EQ(0, pthread_create(&f->unloader, NULL, unloader_thread, f));
	f->unloading = true;
	fleet_run(_metadata, f);
	report("unload races: %lu of %lu unloads of vfio-platform", f->unloads,
	       f->unload_tries);
	report("unload races: %lu toggles, %lu of %lu opens through", f->toggles,
	       f->opens, f->tries);
	EXPECT_LT(0UL, f->unloads) TH_LOG("vfio-platform was never unloaded");
	if (!module_live("vfio_platform"))
		ASSERT_EQ(0, load_module(VFIO_PLATFORM_DRIVER));
	fleet_check(_metadata, f);
}

/*
 * The simulator's own module
 * ==========================
 *
 * configfs pins the module while one of its directories exists, and each
 * device claim= names pins it too. Reloading it needs the parameters it was
 * loaded with (the VM gives them on the kernel command line): read before,
 * compared after.
 */

struct sim_params {
	char mmio_base[32];
	char mmio_size[32];
	char claim[256];
};

static int sim_params_read(struct sim_params *p)
{
	if (quiet_read(SIM_PARAMS "mmio_base", p->mmio_base, sizeof(p->mmio_base)) <= 0 ||
	    quiet_read(SIM_PARAMS "mmio_size", p->mmio_size, sizeof(p->mmio_size)) <= 0 ||
	    quiet_read(SIM_PARAMS "claim", p->claim, sizeof(p->claim)) < 0)
		return -1;
	/* An unset charp parameter reads "(null)". */
	if (!strcmp(p->claim, "(null)"))
		p->claim[0] = '\0';
	return 0;
}

struct sim_unload {
	struct sim_params params;
	bool unloaded;
	bool stop;
	unsigned long mkdirs;
	pthread_t maker;
	bool making;
	struct sim_dev dev;
};

FIXTURE(sim_module) {
	struct sim_unload u;
};

static int sim_reload(struct sim_params *p)
{
	char args[256];

	snprintf(args, sizeof(args), "vfio-platform-sim mmio_base=%s mmio_size=%s",
		 p->mmio_base, p->mmio_size);
	return load_module(args);
}

FIXTURE_SETUP(sim_module)
{
	struct sim_unload *u = &self->u;

	memset(u, 0, sizeof(*u));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_params_read(&u->params));
}

FIXTURE_TEARDOWN(sim_module)
{
	struct sim_unload *u = &self->u;

	__atomic_store_n(&u->stop, true, __ATOMIC_RELAXED);
	if (u->making)
		pthread_join(u->maker, NULL);
	sim_destroy(&u->dev);
	/* Later programs need it back, whatever happened. */
	if (u->unloaded && !module_live("vfio_platform_sim"))
		sim_reload(&u->params);
}

/* The simulator still makes devices that vfio-platform takes. */
static void sim_works(struct __test_metadata *_metadata)
{
	struct sim_config cfg;
	struct vp_dev vd;

	sim_config_init(&cfg);
	ASSERT_EQ(0, vp_open(&vd, &cfg, VFIO_TYPE1v2_IOMMU));
	EXPECT_EQ((__u32)VFIO_PSIM_ID, sim_reg_read(&vd.regs, VFIO_PSIM_REG_ID));
	vp_close(&vd);
}

TEST_F(sim_module, refuses_to_unload_while_a_device_exists)
{
	struct sim_unload *u = &self->u;
	struct sim_config cfg;
	int ret;

	sim_config_init(&cfg);
	ASSERT_EQ(0, sim_create(&u->dev, &cfg));
	ASSERT_EQ(0, vp_bind(u->dev.name, VFIO_PLATFORM_DRIVER));
	ret = unload("vfio_platform_sim");
	if (!ret)
		u->unloaded = true;
	ASSERT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY)
		TH_LOG("unloading with a device: %s, not EWOULDBLOCK or EBUSY",
		       ret ? strerror(-ret) : "it unloaded");
	EXPECT_TRUE(module_live("vfio_platform_sim"));
	ASSERT_EQ(0, sim_destroy(&u->dev));
	sim_works(_metadata);
}

/* Makes and removes a device until configfs goes away under it. */
static void *maker_thread(void *data)
{
	struct sim_unload *u = data;
	char dir[128], region[192], live[192];

	snprintf(dir, sizeof(dir), "%s/race-%d", SIM_CONFIGFS, getpid());
	snprintf(region, sizeof(region), "%s/region0", dir);
	snprintf(live, sizeof(live), "%s/live", dir);
	while (!stopped(&u->stop)) {
		if (mkdir(dir, 0755)) {
			if (errno == ENOENT)
				break;
			continue;
		}
		count_up(&u->mkdirs);
		if (!mkdir(region, 0755)) {
			quiet_write(live, "1");
			quiet_write(live, "0");
			rmdir(region);
		}
		rmdir(dir);
	}
	return NULL;
}

TEST_F_TIMEOUT(sim_module, unloads_racing_device_creation_and_comes_back_the_same, 120)
{
	struct sim_unload *u = &self->u;
	struct sim_params after;
	unsigned long tries = 0;
	double t0;
	int ret = -EBUSY, n;

	if (u->params.claim[0])
		SKIP(return, "claim=%s pins vfio-platform-sim: it cannot be unloaded",
		     u->params.claim);
	n = vp_count_dir(SIM_CONFIGFS);
	if (n)
		SKIP(return, "%d devices of someone else in %s", n, SIM_CONFIGFS);
	/* Without a way back, the module stays: later programs need it. */
	if (system("command -v modprobe >/dev/null 2>&1"))
		SKIP(return, "no modprobe to load vfio-platform-sim again");

	ASSERT_EQ(0, pthread_create(&u->maker, NULL, maker_thread, u));
	u->making = true;
	/* Unloads that start before the maker only race its thread's start. */
	t0 = now();
	while (__atomic_load_n(&u->mkdirs, __ATOMIC_RELAXED) < 3 && now() - t0 < 30)
		sleep_us(10000);
	t0 = now();
	while (ret && now() - t0 < 30) {
		tries++;
		ret = unload("vfio_platform_sim");
		if (ret)
			sleep_us(1000);
	}
	if (!ret)
		u->unloaded = true;
	__atomic_store_n(&u->stop, true, __ATOMIC_RELAXED);
	pthread_join(u->maker, NULL);
	u->making = false;
	report("sim unload: after %lu tries, %lu devices made meanwhile", tries,
	       u->mkdirs);
	ASSERT_EQ(0, ret) TH_LOG("vfio-platform-sim never unloaded: %s", strerror(-ret));
	EXPECT_FALSE(vp_exists(SIM_CONFIGFS));
	EXPECT_FALSE(vp_exists(SIM_DEBUGFS));

	ASSERT_EQ(0, sim_reload(&u->params));
	ASSERT_EQ(0, sim_params_read(&after));
	EXPECT_STREQ(u->params.mmio_base, after.mmio_base);
	EXPECT_STREQ(u->params.mmio_size, after.mmio_size);
	EXPECT_STREQ(u->params.claim, after.claim);
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	sim_works(_metadata);
}

/*
 * Processes racing for one device
 * ===============================
 */

/* How each contender tries to own the device. */
enum way { BY_GROUP, BY_CDEV };

struct owner {
	int group;
	int container;
	int device;
	int iommufd;
};

static void owner_close(struct owner *o)
{
	quiet_close(&o->device);
	quiet_close(&o->container);
	quiet_close(&o->group);
	quiet_close(&o->iommufd);
}

/* 0 once @o owns the device @name through @path, else a negative errno. */
static int owner_open(struct owner *o, enum way how, const char *name,
		      int group)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	char node[64];

	o->group = -1;
	o->container = -1;
	o->device = -1;
	o->iommufd = -1;
	if (how == BY_GROUP) {
		snprintf(node, sizeof(node), "/dev/vfio/%d", group);
		o->group = open(node, O_RDWR | O_CLOEXEC);
		if (o->group < 0)
			return -errno;
		o->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
		if (o->container < 0 ||
		    ioctl(o->group, VFIO_GROUP_SET_CONTAINER, &o->container) ||
		    ioctl(o->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
			return -errno;
		o->device = ioctl(o->group, VFIO_GROUP_GET_DEVICE_FD, name);
		return o->device < 0 ? -errno : 0;
	}

	o->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (o->iommufd < 0)
		return -errno;
	o->device = vfio_cdev_open(name);
	if (o->device < 0)
		return o->device;
	bind.iommufd = o->iommufd;
	return ioctl(o->device, VFIO_DEVICE_BIND_IOMMUFD, &bind) ? -errno : 0;
}

struct contest {
	struct vp_dev vd;
	int group;
	struct vp_saved unsafe;
	int baseline_domains;
};

FIXTURE(owners) {
	struct contest c;
};

FIXTURE_SETUP(owners)
{
	struct contest *c = &self->c;
	struct sim_config cfg;

	vp_init(&c->vd);
	memset(&c->unsafe, 0, sizeof(c->unsafe));
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_save_and_set(&c->unsafe, IOMMUFD_UNSAFE_IRQS, "N"));
	c->baseline_domains = count_domains();
	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	ASSERT_EQ(0, sim_create(&c->vd.sim, &cfg));
	ASSERT_EQ(0, vp_bind(c->vd.sim.name, VFIO_PLATFORM_DRIVER));
	c->group = vp_iommu_group(c->vd.sim.name);
	ASSERT_LE(0, c->group);
}

FIXTURE_TEARDOWN(owners)
{
	struct contest *c = &self->c;

	vp_close(&c->vd);
	vp_restore(&c->unsafe);
}

/*
 * One contender: waits at @go, tries to own the device, writes the outcome
 * (0 or an errno) to @out, holds on until @done closes, then lets go.
 */
static void contend(int go, int out, int done, enum way how, const char *name,
		    int group)
{
	struct owner o;
	char c;
	int ret;

	if (read(go, &c, 1) < 0)
		_exit(2);
	ret = owner_open(&o, how, name, group);
	if (write(out, &ret, sizeof(ret)) != sizeof(ret))
		_exit(2);
	if (read(done, &c, 1) < 0)
		_exit(2);
	owner_close(&o);
	_exit(0);
}

/*
 * Two processes try at once, through @a and @b: exactly one owns the device,
 * the other is refused with a busy error.
 */
static void race_two(struct __test_metadata *_metadata, struct contest *c,
		     enum way a, enum way b, unsigned int rounds)
{
	enum way paths[2] = { a, b };
	unsigned int round, i, wins, busy;
	int go[2], out[2], done[2], ret[2], status;
	struct owner o;
	pid_t pid[2];

	for (round = 0; round < rounds; round++) {
		ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
		ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
		ASSERT_EQ(0, pipe2(done, O_CLOEXEC));
		for (i = 0; i < 2; i++) {
			pid[i] = fork();
			ASSERT_LE(0, pid[i]);
			if (!pid[i]) {
				close(go[1]);
				close(done[1]);
				contend(go[0], out[1], done[0], paths[i],
					c->vd.sim.name, c->group);
			}
		}
		close(go[0]);
		close(out[1]);
		close(done[0]);
		/* Both wake up from the one close. */
		close(go[1]);
		wins = 0;
		busy = 0;
		for (i = 0; i < 2; i++) {
			ASSERT_EQ((ssize_t)sizeof(ret[i]), read(out[0], &ret[i], sizeof(ret[i])));
			if (!ret[i])
				wins++;
			else if (ret[i] == -EBUSY || ret[i] == -EINVAL)
				busy++;
		}
		close(done[1]);
		close(out[0]);
		for (i = 0; i < 2; i++) {
			ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		}
		ASSERT_EQ(1U, wins)
			TH_LOG("round %u: %s and %s gave %d and %d", round,
			       a == BY_GROUP ? "group" : "cdev",
			       b == BY_GROUP ? "group" : "cdev", ret[0], ret[1]);
		ASSERT_EQ(1U, busy)
			TH_LOG("round %u: the loser got %d", round,
			       ret[0] ? ret[0] : ret[1]);
	}

	/* Both gone: no handler, no domain left, and the device opens again. */
	EXPECT_EQ(0, count_lines("/proc/interrupts", "vfio:"));
	EXPECT_EQ(c->baseline_domains, count_domains());
	ASSERT_EQ(0, owner_open(&o, BY_GROUP, c->vd.sim.name, c->group));
	owner_close(&o);
}

TEST_F_TIMEOUT(owners, two_processes_opening_the_group_at_once_get_it_once, 120)
{
	race_two(_metadata, &self->c, BY_GROUP, BY_GROUP, 30);
}

TEST_F_TIMEOUT(owners, two_processes_binding_the_cdev_at_once_get_it_once, 120)
{
	race_two(_metadata, &self->c, BY_CDEV, BY_CDEV, 30);
}

TEST_F_TIMEOUT(owners, group_and_cdev_racing_give_the_device_to_one, 120)
{
	race_two(_metadata, &self->c, BY_GROUP, BY_CDEV, 15);
	race_two(_metadata, &self->c, BY_CDEV, BY_GROUP, 15);
}

struct unbinder {
	const char *name;
	pid_t tid;
	bool done;
	int ret;
};

static void *unbinder_thread(void *data)
{
	struct unbinder *u = data;

	__atomic_store_n(&u->tid, gettid(), __ATOMIC_RELEASE);
	u->ret = quiet_write("/sys/bus/platform/drivers/" VFIO_PLATFORM_DRIVER "/unbind",
			     u->name);
	__atomic_store_n(&u->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Whether thread @tid of this process is inside a write() it has not left. */
static bool in_write(pid_t tid)
{
	char path[64], line[256], *end;
	ssize_t n;
	long nr;
	int fd;

	if (tid <= 0)
		return false;
	/* Quietly: a thread that has ended has no file to read. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	/* "running", or the number of the system call it sleeps in. */
	nr = strtol(line, &end, 10);
	return end != line && nr == SYS_write;
}

/*
 * vfio-platform has no request callback to ask the owner to let go: an unbind
 * just waits for the owner, in another process here, to close the device.
 */
TEST_F_TIMEOUT(owners, unbind_waits_for_the_owner_in_another_process, 120)
{
	struct contest *c = &self->c;
	struct unbinder u = { .name = c->vd.sim.name };
	unsigned int round;
	int ready[2], done[2], status;
	char ok, drv[64];
	pthread_t t;
	double t0;
	pid_t pid;

	for (round = 0; round < 5; round++) {
		ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
		ASSERT_EQ(0, pipe2(done, O_CLOEXEC));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			struct owner o;
			int efd = eventfd(0, EFD_CLOEXEC);

			close(ready[0]);
			close(done[1]);
			ok = !owner_open(&o, BY_GROUP, c->vd.sim.name, c->group) &&
			    !vfio_irq_eventfd(o.device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, efd);
			if (write(ready[1], &ok, 1) != 1 || read(done[0], &ok, 1) < 0)
				_exit(2);
			owner_close(&o);
			_exit(0);
		}
		close(ready[1]);
		close(done[0]);
		ASSERT_EQ(1, read(ready[0], &ok, 1));
		ASSERT_EQ(1, ok) TH_LOG("round %u: the owner could not open the device", round);

		u.done = false;
		u.tid = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, unbinder_thread, &u));
		/*
		 * Not done proves nothing until the unbind is known to have
		 * started: wait for its thread to sleep in the write.
		 */
		t0 = now();
		while (!in_write(__atomic_load_n(&u.tid, __ATOMIC_ACQUIRE)) &&
		       !__atomic_load_n(&u.done, __ATOMIC_ACQUIRE) && now() - t0 < 10)
			sleep_us(10000);
		sleep_us(300000);
		EXPECT_FALSE(__atomic_load_n(&u.done, __ATOMIC_ACQUIRE))
			TH_LOG("round %u: the unbind did not wait for the owner", round);
		EXPECT_TRUE(in_write(u.tid))
			TH_LOG("round %u: the unbind is not waiting in its write", round);

		/* The owner closes: the unbind must finish promptly. */
		close(done[1]);
		t0 = now();
		while (!__atomic_load_n(&u.done, __ATOMIC_ACQUIRE) && now() - t0 < 10)
			sleep_us(10000);
		EXPECT_TRUE(__atomic_load_n(&u.done, __ATOMIC_ACQUIRE))
			TH_LOG("round %u: unbind still waiting 10 s after the owner closed",
			       round);
		pthread_join(t, NULL);
		EXPECT_EQ(0, u.ret);
		close(ready[0]);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
		ASSERT_EQ(0, vp_driver(c->vd.sim.name, drv, sizeof(drv)));
		EXPECT_STREQ("", drv);
		ASSERT_EQ(0, vp_bind(c->vd.sim.name, VFIO_PLATFORM_DRIVER));
	}
	EXPECT_EQ(0, count_lines("/proc/interrupts", "vfio:"));
	EXPECT_EQ(c->baseline_domains, count_domains());
}

struct info_asker {
	int container;
	bool stop;
	unsigned long asked;
};

/* VFIO_IOMMU_GET_INFO on the container, again and again, until told to stop. */
static void *info_asker_thread(void *data)
{
	struct info_asker *a = data;
	struct vfio_iommu_type1_info info;

	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		info.argsz = sizeof(info);
		ioctl(a->container, VFIO_IOMMU_GET_INFO, &info);
		a->asked++;
	}
	return NULL;
}

/*
 * The last group leaving a container frees its IOMMU driver's data, while
 * a thread of the owner asks the container for its IOMMU's info: the ioctl
 * must find the data whole or gone, never freed under it (KASAN and the
 * kernel's log are the judges). VFIO core let the two overlap until patch
 * 0007 of the series.
 */
TEST_F_TIMEOUT(owners, container_ioctls_race_the_last_group_leaving, 120)
{
	struct contest *c = &self->c;
	struct info_asker a = { .container = -1 };
	unsigned long rounds = 0;
	char splat[256];
	pthread_t t;
	int kmsg;
	double t0;

	kmsg = vp_kmsg_open();
	ASSERT_LE(0, kmsg);
	c->vd.group = vfio_group_open(c->group);
	ASSERT_LE(0, c->vd.group);
	a.container = vfio_container_open();
	ASSERT_LE(0, a.container);
	ASSERT_EQ(0, pthread_create(&t, NULL, info_asker_thread, &a));
	for (t0 = now(); now() - t0 < env_ul("VP_RACE_SECONDS", 10); rounds++) {
		if (vfio_group_set_container(c->vd.group, a.container) ||
		    vfio_set_iommu(a.container, VFIO_TYPE1v2_IOMMU))
			break;
		/* The group is the container's last: this frees its type1 data. */
		if (ioctl(c->vd.group, VFIO_GROUP_UNSET_CONTAINER))
			break;
	}
	__atomic_store_n(&a.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	report("container races: %lu attach/detach, %lu GET_INFO", rounds, a.asked);
	EXPECT_LT(10UL, rounds);
	EXPECT_LT(0UL, a.asked);
	EXPECT_FALSE(vp_kmsg_splat(kmsg, splat, sizeof(splat)))
		TH_LOG("the kernel said \"%s\"", splat);
	close(kmsg);
	close(a.container);
}

/*
 * A thousand bind/unbind cycles
 * =============================
 */

/* Slab caches and vmalloc warm up, then must stay put within this. */
#define GROWTH_KB	1024
#define WARMUP		20

struct footprint {
	long slab_kb;
	long vmalloc_kb;
	int irq_lines;
	int irq_descs;
	int groups;
	int domains;
};

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			kb = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return kb;
}

/*
 * Shrinking a slab cache also empties KASAN's quarantine of its objects,
 * which would otherwise hold tens of MiB freed by the cycles: Slab then
 * counts what is really allocated.
 */
static void slabs_shrink(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dir;

	dir = opendir("/sys/kernel/slab");
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		/* Merged caches are links to the one they merged into. */
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		quiet_write(path, "1");
	}
	closedir(dir);
}

static void footprint_take(struct footprint *fp)
{
	/* Freed objects reach their slabs through RCU: let them land. */
	sync();
	sleep_us(200000);
	slabs_shrink();
	fp->slab_kb = meminfo_kb("Slab");
	fp->vmalloc_kb = meminfo_kb("VmallocUsed");
	fp->irq_lines = count_lines("/proc/interrupts", NULL);
	fp->irq_descs = vp_count_dir("/sys/kernel/irq");
	fp->groups = vp_count_dir("/sys/kernel/iommu_groups");
	fp->domains = count_domains();
}

static void footprint_check(struct __test_metadata *_metadata,
			    const struct footprint *a, const struct footprint *b,
			    const char *path)
{
	report("%s footprint: Slab %+ld kB, VmallocUsed %+ld kB", path,
	       b->slab_kb - a->slab_kb, b->vmalloc_kb - a->vmalloc_kb);
	report("%s footprint: /proc/interrupts %+d lines, /sys/kernel/irq %+d",
	       path, b->irq_lines - a->irq_lines, b->irq_descs - a->irq_descs);
	report("%s footprint: IOMMU groups %+d, domains %+d", path,
	       b->groups - a->groups, b->domains - a->domains);
	EXPECT_GT(GROWTH_KB, b->slab_kb - a->slab_kb)
		TH_LOG("Slab grew from %ld kB to %ld kB", a->slab_kb, b->slab_kb);
	EXPECT_GT(GROWTH_KB, b->vmalloc_kb - a->vmalloc_kb)
		TH_LOG("VmallocUsed grew from %ld kB to %ld kB", a->vmalloc_kb,
		       b->vmalloc_kb);
	EXPECT_EQ(a->irq_lines, b->irq_lines);
	EXPECT_EQ(a->irq_descs, b->irq_descs);
	EXPECT_EQ(a->groups, b->groups);
	EXPECT_EQ(a->domains, b->domains);
}

struct cycler {
	struct sim_dev dev;
	int group;
	int efd;
	struct vp_saved unsafe;
};

FIXTURE(cycles) {
	struct cycler c;
};

FIXTURE_SETUP(cycles)
{
	struct cycler *c = &self->c;
	struct sim_config cfg;
	char path[256];

	memset(c, 0, sizeof(*c));
	c->efd = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	ASSERT_EQ(0, sim_knob("msi_window", "none"));
	ASSERT_EQ(0, vp_save_and_set(&c->unsafe, IOMMUFD_UNSAFE_IRQS, "N"));
	sim_config_init(&cfg);
	cfg.num_irqs = 1;
	ASSERT_EQ(0, sim_create(&c->dev, &cfg));
	/* Then each cycle is a bare bind and unbind: driver_override stays. */
	ASSERT_EQ(0, vp_bind(c->dev.name, VFIO_PLATFORM_DRIVER));
	c->group = vp_iommu_group(c->dev.name);
	ASSERT_LE(0, c->group);
	snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind",
		 VFIO_PLATFORM_DRIVER);
	ASSERT_EQ(0, vp_write(path, "%s", c->dev.name));
	c->efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, c->efd);
}

FIXTURE_TEARDOWN(cycles)
{
	struct cycler *c = &self->c;

	if (c->efd >= 0)
		close(c->efd);
	sim_destroy(&c->dev);
	vp_restore(&c->unsafe);
}

static int cycle_bind(const char *bus, const char *drv, const char *dev, bool bind)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/%s/drivers/%s/%s", bus, drv,
		 bind ? "bind" : "unbind");
	return vp_write(path, "%s", dev);
}

/* One cycle through the group path; the interrupt is requested too. */
static int cycle_group(struct cycler *c)
{
	struct owner o = { .group = -1, .container = -1, .device = -1,
			   .iommufd = -1 };
	int ret;

	ret = cycle_bind("platform", VFIO_PLATFORM_DRIVER, c->dev.name, true);
	if (ret)
		return ret;
	o.group = vfio_group_open(c->group);
	ret = o.group < 0 ? o.group : 0;
	if (!ret) {
		o.container = vfio_container_attach(o.group, VFIO_TYPE1v2_IOMMU);
		ret = o.container < 0 ? o.container : 0;
	}
	if (!ret) {
		o.device = vfio_device_get(o.group, c->dev.name);
		ret = o.device < 0 ? o.device : 0;
	}
	if (!ret)
		ret = vfio_irq_eventfd(o.device, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
				       c->efd);
	owner_close(&o);
	return ret ?: cycle_bind("platform", VFIO_PLATFORM_DRIVER, c->dev.name,
				 false);
}

/* One cycle through the cdev path: iommufd, an IOAS, bind and attach. */
static int cycle_cdev(struct cycler *c)
{
	int device, iommufd, ret;
	__u32 ioas;

	ret = cycle_bind("platform", VFIO_PLATFORM_DRIVER, c->dev.name, true);
	if (ret)
		return ret;
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return -errno;
	device = vfio_cdev_open(c->dev.name);
	ret = device < 0 ? device : iommufd_ioas_alloc(iommufd, &ioas);
	if (!ret)
		ret = vfio_cdev_bind(device, iommufd);
	if (!ret)
		ret = vfio_cdev_attach(device, ioas);
	if (!ret)
		ret = vfio_irq_eventfd(device, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
				       c->efd);
	if (device >= 0)
		close(device);
	close(iommufd);
	return ret ?: cycle_bind("platform", VFIO_PLATFORM_DRIVER, c->dev.name,
				 false);
}

static void run_cycles(struct __test_metadata *_metadata,
		       struct cycler *c,
		       int (*cycle)(struct cycler *), const char *path)
{
	unsigned long n = env_ul("VP_CYCLES", 1000), i;
	struct footprint before, after;
	double t0;

	for (i = 0; i < WARMUP; i++)
		ASSERT_EQ(0, cycle(c)) TH_LOG("warm-up cycle %lu", i);
	footprint_take(&before);
	t0 = now();
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, cycle(c)) TH_LOG("cycle %lu", i);
	report("cycles: %lu bind/unbind (%s)", n, path);
	report("%s cycles took %.1f s, %.1f ms each", path, now() - t0,
	       n ? (now() - t0) * 1000 / n : 0);
	footprint_take(&after);
	footprint_check(_metadata, &before, &after, path);
	EXPECT_EQ(0, count_lines("/proc/interrupts", "vfio:"));
}

TEST_F_TIMEOUT(cycles, bind_unbind_through_the_group_leaves_no_trace, 900)
{
	run_cycles(_metadata, &self->c, cycle_group, "group");
}

TEST_F_TIMEOUT(cycles, bind_unbind_through_the_cdev_leaves_no_trace, 900)
{
	run_cycles(_metadata, &self->c, cycle_cdev, "cdev");
}

/*
 * QEMU's PL061 on arm64, moved between gpio-pl061 and vfio-amba through
 * driver_override (vfio_amba_test does it with the bind tool, which is too
 * slow for cycles), then given back.
 */
#define PL061_DEV		"9030000.pl061"
#define PL061_HOST		"pl061_gpio"
#define AMBA_DEV(attr)		"/sys/bus/amba/devices/" PL061_DEV "/" attr
#define VFIO_AMBA_DRIVER	"vfio-amba"

FIXTURE(amba_cycles) {
	bool moved;
};

FIXTURE_SETUP(amba_cycles)
{
	char drv[64];

	self->moved = false;
	if (!vp_exists(AMBA_DEV("")))
		SKIP(return, "no %s: not QEMU's arm64 virt machine", PL061_DEV);
	if (!vp_exists("/sys/bus/amba/drivers/" VFIO_AMBA_DRIVER))
		ASSERT_EQ(0, load_module(VFIO_AMBA_DRIVER));
	link_name(AMBA_DEV("iommu_group"), drv, sizeof(drv));
	ASSERT_NE(0, drv[0]) TH_LOG("%s has no IOMMU group: load vfio-platform-sim with claim=%s",
				    PL061_DEV, PL061_DEV);
	link_name(AMBA_DEV("driver"), drv, sizeof(drv));
	ASSERT_STREQ(PL061_HOST, drv);
	self->moved = true;
	ASSERT_EQ(0, vp_write("/sys/bus/amba/drivers/" PL061_HOST "/unbind", PL061_DEV));
	ASSERT_EQ(0, vp_write(AMBA_DEV("driver_override"), VFIO_AMBA_DRIVER));
}

FIXTURE_TEARDOWN(amba_cycles)
{
	char drv[64];

	if (!self->moved)
		return;
	link_name(AMBA_DEV("driver"), drv, sizeof(drv));
	if (drv[0])
		cycle_bind("amba", drv, PL061_DEV, false);
	vp_write(AMBA_DEV("driver_override"), "\n");
	vp_write("/sys/bus/amba/drivers_probe", PL061_DEV);
	link_name(AMBA_DEV("driver"), drv, sizeof(drv));
	if (strcmp(drv, PL061_HOST))
		fprintf(stderr, "# %s not given back to %s: on \"%s\"\n", PL061_DEV,
			PL061_HOST, drv);
}

static int cycle_amba(int group)
{
	struct owner o = { .group = -1, .container = -1, .device = -1,
			   .iommufd = -1 };
	int ret;

	ret = cycle_bind("amba", VFIO_AMBA_DRIVER, PL061_DEV, true);
	if (ret)
		return ret;
	o.group = vfio_group_open(group);
	ret = o.group < 0 ? o.group : 0;
	if (!ret) {
		o.container = vfio_container_attach(o.group, VFIO_TYPE1v2_IOMMU);
		ret = o.container < 0 ? o.container : 0;
	}
	if (!ret) {
		o.device = vfio_device_get(o.group, PL061_DEV);
		ret = o.device < 0 ? o.device : 0;
	}
	owner_close(&o);
	return ret ?: cycle_bind("amba", VFIO_AMBA_DRIVER, PL061_DEV, false);
}

TEST_F_TIMEOUT(amba_cycles, pl061_bind_unbind_through_vfio_amba_leaves_no_trace, 900)
{
	unsigned long n = env_ul("VP_AMBA_CYCLES", 100), i;
	struct footprint before, after;
	char buf[32];
	int group;
	double t0;

	link_name(AMBA_DEV("iommu_group"), buf, sizeof(buf));
	group = atoi(buf);
	for (i = 0; i < WARMUP; i++)
		ASSERT_EQ(0, cycle_amba(group)) TH_LOG("warm-up cycle %lu", i);
	footprint_take(&before);
	t0 = now();
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, cycle_amba(group)) TH_LOG("cycle %lu", i);
	report("cycles: %lu bind/unbind (amba)", n);
	report("amba cycles took %.1f s, %.1f ms each", now() - t0,
	       n ? (now() - t0) * 1000 / n : 0);
	footprint_take(&after);
	footprint_check(_metadata, &before, &after, "amba");
	EXPECT_EQ(0, count_lines("/proc/interrupts", "vfio:"));
}

TEST_HARNESS_MAIN
