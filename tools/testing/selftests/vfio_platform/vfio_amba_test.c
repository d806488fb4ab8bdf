// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-amba on real PrimeCells: the PL031 RTC and the PL061 GPIO controller
 * of QEMU's arm64 virt machine, moved from rtc-pl031 and gpio-pl061 to
 * vfio-amba by tools/vfio/vfio-platform-bind, driven through a type1
 * container, and given back.
 *
 * Neither device has an IOMMU of its own: the test VM loads vfio-platform-sim
 * with claim=9010000.pl031,9030000.pl061 before the host drivers (vm-run.sh,
 * run-selftests.sh), so both sit in IOMMU groups of the simulated IOMMU. On a
 * machine without these devices every test is skipped. The groups have wired
 * interrupts only and must attach with allow_unsafe_interrupts off.
 *
 * The bind tool is found through $VFIO_PLATFORM_BIND (run-selftests.sh sets
 * it), else as vfio-platform-bind in $PATH.
 *
 * Three behaviours of vfio-amba itself are checked on them: its reset_required
 * parameter refuses the PL031, which has no reset; the PL061's interrupt, on
 * which gpio-pl061 had a chained handler (gpiolib's parent handler) that left
 * it unrequestable when removed, is usable through VFIO after the handover,
 * and again after a second one; and either device is runtime resumed only
 * while userspace has it open, although the AMBA bus probes it with a runtime
 * PM reference held.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/rtc.h>
#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define AMBA_DEVICES		"/sys/bus/amba/devices"
#define VFIO_AMBA_DRIVER	"vfio-amba"

/* The PrimeCell identification registers, one byte in each word. */
#define PRIMECELL_PERIPH_ID	0xfe0
#define PRIMECELL_CELL_ID	0xff0
#define PRIMECELL_CELL_ID_VAL	0xb105f00d
/* Part number, designer and revision; the AMBA bus matches on the first two. */
#define PRIMECELL_ID_MASK	0x000fffff

#define PL031_DEV		"9010000.pl031"
#define PL031_DRIVER		"rtc-pl031"
#define PL031_ID		0x00041031
#define PL031_DR		0x00	/* counter, in seconds */
#define PL031_MR		0x04	/* match: raises the alarm */
#define PL031_IMSC		0x10	/* interrupt mask set */
#define PL031_RIS		0x14	/* raw interrupt status */
#define PL031_MIS		0x18	/* masked interrupt status */
#define PL031_ICR		0x1c	/* interrupt clear */
#define PL031_ALARM		0x1U

#define PL061_DEV		"9030000.pl061"
#define PL061_DRIVER		"pl061_gpio"
#define PL061_ID		0x00041061
/* GPIODATA reads the lines whose bits are in the address (bits 9:2): all. */
#define PL061_DATA_ALL		0x3fc
#define PL061_DIR		0x400	/* 1: output */
#define PL061_IS		0x404	/* interrupt sense, 1: level */
#define PL061_IBE		0x408	/* both edges */
/* Interrupt event: a plain read/write register with no side effect. */
#define PL061_IEV		0x40c	/* 1: high level or rising edge */
#define PL061_IE		0x410	/* interrupt mask, 1: enabled */
#define PL061_RIS		0x414	/* raw interrupt status */
#define PL061_MIS		0x418	/* masked interrupt status */
#define PL061_IC		0x41c	/* interrupt clear */
/* An input nothing drives on the virt machine (line 3 is the power button). */
#define PL061_LINE		0x01U
/* The name vfio-platform requests IRQ index 0 under, in /proc/interrupts. */
#define PL061_VFIO_IRQ		"vfio:" PL061_DEV ":0"

#define VFIO_AMBA_RESET_REQUIRED	"/sys/module/vfio_amba/parameters/reset_required"

/* The counter ticks once a second; the VM is slow. */
#define ALARM_TIMEOUT_MS	5000
#define QUIET_MS		1500
/* A runtime suspend runs from a workqueue, which TCG may be slow to get to. */
#define RPM_TIMEOUT_MS		5000

struct amba {
	const char *dev;
	const char *tool;
	char state[64];
	struct vp_saved unsafe;
	bool bound;
	int group;
	int container;
	int device;
	struct vfio_region_info region;
	void *map;
	int efd;
};

static const char *find_tool(void)
{
	const char *tool = getenv("VFIO_PLATFORM_BIND");

	if (tool && *tool)
		return access(tool, X_OK) ? NULL : tool;
	if (system("command -v vfio-platform-bind >/dev/null 2>&1") == 0)
		return "vfio-platform-bind";
	return NULL;
}

/* Run the bind tool: 0, its exit status, or -1 when it did not exit. */
static int amba_tool(struct amba *a, const char *cmd)
{
	char line[512];
	int status;

	snprintf(line, sizeof(line), "%s %s %s >&2", a->tool, cmd, a->dev);
	status = system(line);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int amba_driver(const char *dev, char *buf, size_t size)
{
	char path[256], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		buf[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	link[n] = '\0';
	snprintf(buf, size, "%s", basename(link));
	return 0;
}

static int amba_group(const char *dev)
{
	char path[256], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/iommu_group", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	return atoi(basename(link));
}

static void amba_init(struct amba *a, const char *dev)
{
	memset(a, 0, sizeof(*a));
	a->dev = dev;
	a->group = -1;
	a->container = -1;
	a->device = -1;
	a->efd = -1;
}

/* Close everything that keeps the device busy, so that it can be restored. */
static void amba_close(struct amba *a)
{
	if (a->efd >= 0)
		close(a->efd);
	a->efd = -1;
	if (a->map)
		munmap(a->map, a->region.size);
	a->map = NULL;
	if (a->device >= 0)
		close(a->device);
	a->device = -1;
	if (a->container >= 0)
		close(a->container);
	a->container = -1;
	if (a->group >= 0)
		close(a->group);
	a->group = -1;
}

static void amba_teardown(struct amba *a)
{
	char cmd[128];

	amba_close(a);
	if (a->bound && amba_tool(a, "restore"))
		fprintf(stderr, "# %s: restore failed\n", a->dev);
	a->bound = false;
	vp_restore(&a->unsafe);
	if (a->state[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", a->state);
		if (system(cmd))
			fprintf(stderr, "# cannot remove %s\n", a->state);
	}
}

/* Why the tests of @a->dev cannot run here, or NULL; finds the bind tool. */
static const char *amba_missing(struct amba *a)
{
	static char why[128];
	char path[256];

	snprintf(path, sizeof(path), AMBA_DEVICES "/%s", a->dev);
	if (!vp_exists(path)) {
		snprintf(why, sizeof(why), "no %s: not QEMU's arm64 virt machine", a->dev);
		return why;
	}
	a->tool = find_tool();
	if (!a->tool)
		return "vfio-platform-bind not found: set VFIO_PLATFORM_BIND";
	return NULL;
}

/* The device is on @host, in an IOMMU group; the bind tool keeps its state apart. */
static void amba_prepare(struct __test_metadata *_metadata, struct amba *a,
			 const char *host)
{
	char drv[64];

	ASSERT_LE(0, amba_group(a->dev))
		TH_LOG("%s has no IOMMU group: load vfio-platform-sim with claim=%s first",
		       a->dev, a->dev);
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	ASSERT_STREQ(host, drv) TH_LOG("%s is not on its host driver", a->dev);

	snprintf(a->state, sizeof(a->state), "/tmp/vfio-amba-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(a->state));
	ASSERT_EQ(0, setenv("VFIO_PLATFORM_BIND_STATE", a->state, 1));
	unsetenv("MODPROBE");
}

/* The device leaves its host driver for vfio-amba, and its group is opened. */
static void amba_bind_and_open(struct __test_metadata *_metadata, struct amba *a)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char drv[64];
	int group;

	group = amba_group(a->dev);
	ASSERT_LE(0, group);
	a->bound = true;
	ASSERT_EQ(0, amba_tool(a, "bind"));
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	ASSERT_STREQ(VFIO_AMBA_DRIVER, drv);

	a->group = vfio_group_open(group);
	ASSERT_LE(0, a->group);
	a->container = vfio_container_attach(a->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, a->container);
	a->device = vfio_device_get(a->group, a->dev);
	ASSERT_LE(0, a->device);

	ASSERT_EQ(0, ioctl(a->device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(!!(info.flags & VFIO_DEVICE_FLAGS_AMBA));
	ASSERT_LE(1U, info.num_regions);
	a->region.argsz = sizeof(a->region);
	a->region.index = 0;
	ASSERT_EQ(0, ioctl(a->device, VFIO_DEVICE_GET_REGION_INFO, &a->region));
	ASSERT_LE(PAGE, a->region.size);
	EXPECT_TRUE(!!(a->region.flags & VFIO_REGION_INFO_FLAG_READ));
	EXPECT_TRUE(!!(a->region.flags & VFIO_REGION_INFO_FLAG_WRITE));
}

/*
 * The device leaves @host for vfio-amba and is opened through a type1v2
 * container; region 0 is its registers.
 */
static void amba_setup(struct __test_metadata *_metadata, struct amba *a,
		       const char *dev, const char *host)
{
	const char *why;

	amba_init(a, dev);
	why = amba_missing(a);
	if (why)
		SKIP(return, "%s", why);
	amba_prepare(_metadata, a, host);
	ASSERT_EQ(0, vp_save_and_set(&a->unsafe, TYPE1_UNSAFE_IRQS, "N"));
	amba_bind_and_open(_metadata, a);
}

static __u32 reg_pread(struct amba *a, unsigned int off)
{
	__u32 val = 0;

	if (pread(a->device, &val, sizeof(val), a->region.offset + off) !=
	    sizeof(val)) {
		fprintf(stderr, "# read at %#x: %s\n", off, strerror(errno));
		return ~0U;
	}
	return val;
}

static int reg_pwrite(struct amba *a, unsigned int off, __u32 val)
{
	if (pwrite(a->device, &val, sizeof(val), a->region.offset + off) !=
	    sizeof(val))
		return -errno;
	return 0;
}

static int amba_map(struct amba *a)
{
	if (!(a->region.flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	a->map = mmap(NULL, a->region.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      a->device, a->region.offset);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return -errno;
	}
	return 0;
}

static __u32 reg_mmio(struct amba *a, unsigned int off)
{
	return mmio_read32((__u8 *)a->map + off);
}

/* Four identification registers, low byte first. */
static __u32 primecell_id(struct amba *a, unsigned int base, bool mapped)
{
	__u32 id = 0, val;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		val = mapped ? reg_mmio(a, base + 4 * i) : reg_pread(a, base + 4 * i);
		id |= (val & 0xff) << (8 * i);
	}
	return id;
}

/* Both IDs as the bus matches them, and the peripheral ID as the bus read it. */
static void check_ids(struct __test_metadata *_metadata, struct amba *a,
		      __u32 want, bool mapped)
{
	unsigned long sysfs_id;
	char path[256], buf[32];
	__u32 periph;

	/* Eight hex digits, without 0x. */
	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/id", a->dev);
	ASSERT_LT(0, vp_read(path, buf, sizeof(buf)));
	sysfs_id = strtoul(buf, NULL, 16);
	periph = primecell_id(a, PRIMECELL_PERIPH_ID, mapped);
	EXPECT_EQ(want, periph & PRIMECELL_ID_MASK)
		TH_LOG("peripheral ID %#x", periph);
	EXPECT_EQ(sysfs_id, periph);
	EXPECT_EQ(PRIMECELL_CELL_ID_VAL, primecell_id(a, PRIMECELL_CELL_ID, mapped));
}

/* The first entry of @dir whose name starts with @prefix, into @buf. */
static int find_entry(const char *dir, const char *prefix, char *buf,
		      size_t size)
{
	struct dirent *e;
	int ret = -ENOENT;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(buf, size, "%s", e->d_name);
			ret = 0;
			break;
		}
	}
	closedir(d);
	return ret;
}

/* After restore the host driver is back and its device works again. */
static void check_restored(struct __test_metadata *_metadata, struct amba *a,
			   const char *host)
{
	char drv[64];

	amba_close(a);
	ASSERT_EQ(0, amba_tool(a, "restore"));
	a->bound = false;
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	EXPECT_STREQ(host, drv);
}

/* What power/ in sysfs shows of a device's runtime PM. */
struct amba_rpm {
	char status[32];		/* "active", "suspended", ... */
	unsigned long long usage;	/* usage references held */
};

static int amba_rpm_read(const char *dev, struct amba_rpm *rpm)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/power/runtime_status", dev);
	ret = vp_read(path, rpm->status, sizeof(rpm->status));
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/power/runtime_usage", dev);
	return vp_read_ull(path, &rpm->usage);
}

/*
 * Wait for the runtime PM status of @dev to become @want, and read its usage
 * count with it: 0 or a negative errno. The put of a close suspends the
 * device from a workqueue, after close() has returned.
 *
 * The deadline is on the clock, not a count of polls: under TCG a poll takes
 * far longer than its sleep, and a failing wait would outlast the harness's
 * timeout, which kills the test before its teardown gives the device back to
 * its host driver, failing every test after it.
 */
static int amba_rpm_wait(const char *dev, const char *want,
			 struct amba_rpm *rpm)
{
	struct timespec t0, t;
	long ms;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = amba_rpm_read(dev, rpm);
		if (ret)
			return ret;
		if (!strcmp(rpm->status, want))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 +
		     (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= RPM_TIMEOUT_MS)
			break;
		usleep(1000);
	}
	fprintf(stderr, "# %s: runtime PM status is %s, never %s\n", dev,
		rpm->status, want);
	return -ETIMEDOUT;
}

/*
 * The device is resumed for as long as userspace has it open, through any
 * number of files, and left to suspend after the last close.
 *
 * The AMBA bus probes with runtime PM enabled and a usage reference of its
 * own held (amba_probe()), and drops it only after remove. vfio-amba gives it
 * up at the end of its probe, so the counts are those vfio-platform has on
 * the platform bus: one while open, none once closed. A driver that keeps it,
 * as rtc-pl031 and gpio-pl061 do, holds the device active with one more.
 */
static void check_runtime_pm(struct __test_metadata *_metadata, struct amba *a)
{
	char path[256], control[16];
	struct amba_rpm rpm;
	int second;

	/* "on" forbids runtime PM, and holds a usage reference of its own. */
	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/power/control", a->dev);
	ASSERT_LT(0, vp_read(path, control, sizeof(control)));
	ASSERT_STREQ("auto", control);

	/* Open since the fixture's setup: the open resumed it before returning. */
	ASSERT_EQ(0, amba_rpm_read(a->dev, &rpm));
	EXPECT_STREQ("active", rpm.status);
	EXPECT_EQ(1ULL, rpm.usage);

	/* A second file of the open device takes no second reference. */
	second = vfio_device_get(a->group, a->dev);
	ASSERT_LE(0, second);
	ASSERT_EQ(0, amba_rpm_read(a->dev, &rpm));
	EXPECT_EQ(1ULL, rpm.usage);
	ASSERT_EQ(0, close(a->device));
	a->device = second;
	/* Time for a suspend that closing the first file had wrongly let go. */
	usleep(100 * 1000);
	ASSERT_EQ(0, amba_rpm_read(a->dev, &rpm));
	EXPECT_STREQ("active", rpm.status);
	EXPECT_EQ(1ULL, rpm.usage);

	/* The last close lets it suspend, which on the AMBA bus gates its clock. */
	ASSERT_EQ(0, close(a->device));
	a->device = -1;
	EXPECT_EQ(0, amba_rpm_wait(a->dev, "suspended", &rpm));
	EXPECT_EQ(0ULL, rpm.usage);

	/* Opened again, it is resumed again. */
	a->device = vfio_device_get(a->group, a->dev);
	ASSERT_LE(0, a->device);
	ASSERT_EQ(0, amba_rpm_read(a->dev, &rpm));
	EXPECT_STREQ("active", rpm.status);
	EXPECT_EQ(1ULL, rpm.usage);
}

FIXTURE(pl031) {
	struct amba a;
};

FIXTURE_SETUP(pl031)
{
	amba_setup(_metadata, &self->a, PL031_DEV, PL031_DRIVER);
}

FIXTURE_TEARDOWN(pl031)
{
	struct amba *a = &self->a;

	/* Leave no alarm armed for the host driver. */
	if (a->device >= 0) {
		reg_pwrite(a, PL031_IMSC, 0);
		reg_pwrite(a, PL031_ICR, PL031_ALARM);
	}
	amba_teardown(a);
}

TEST_F(pl031, ids_read_through_read_match)
{
	check_ids(_metadata, &self->a, PL031_ID, false);
}

TEST_F(pl031, ids_read_through_mmap_match)
{
	ASSERT_EQ(0, amba_map(&self->a));
	check_ids(_metadata, &self->a, PL031_ID, true);
}

TEST_F(pl031, counter_advances)
{
	__u32 start = reg_pread(&self->a, PL031_DR);

	sleep(2);
	EXPECT_LT(start, reg_pread(&self->a, PL031_DR));
}

/*
 * The match raises a level interrupt, which VFIO masks as it signals it: one
 * event while the line stays high. Cleared at the device and unmasked, the
 * line is low and no second event comes.
 */
TEST_F(pl031, alarm_interrupt_is_automasked_until_cleared)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 0 };
	struct amba *a = &self->a;

	ASSERT_EQ(0, ioctl(a->device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	ASSERT_EQ(1U, irq.count);
	EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_EVENTFD));
	EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_MASKABLE));
	EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_AUTOMASKED));

	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, a->efd);
	ASSERT_EQ(0, vfio_irq_eventfd(a->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER,
				      a->efd));

	ASSERT_EQ(0, reg_pwrite(a, PL031_IMSC, 0));
	ASSERT_EQ(0, reg_pwrite(a, PL031_ICR, PL031_ALARM));
	ASSERT_EQ(0, reg_pwrite(a, PL031_IMSC, PL031_ALARM));
	ASSERT_EQ(0, reg_pwrite(a, PL031_MR, reg_pread(a, PL031_DR) + 2));

	ASSERT_EQ(1, efd_wait(a->efd, ALARM_TIMEOUT_MS));
	EXPECT_EQ(PL031_ALARM, reg_pread(a, PL031_RIS) & PL031_ALARM);
	EXPECT_EQ(PL031_ALARM, reg_pread(a, PL031_MIS) & PL031_ALARM);
	/* Still asserted, but masked. */
	EXPECT_EQ(0, efd_wait(a->efd, QUIET_MS / 3));

	ASSERT_EQ(0, reg_pwrite(a, PL031_ICR, PL031_ALARM));
	EXPECT_EQ(0U, reg_pread(a, PL031_RIS) & PL031_ALARM);
	ASSERT_EQ(0, vfio_irq_none(a->device, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	EXPECT_EQ(0, efd_wait(a->efd, QUIET_MS));

	ASSERT_EQ(0, reg_pwrite(a, PL031_IMSC, 0));
	ASSERT_EQ(0, vfio_irq_none(a->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
}

TEST_F(pl031, runtime_pm_keeps_the_device_active_while_open)
{
	check_runtime_pm(_metadata, &self->a);
}

TEST_F(pl031, rtc_pl031_returns_after_restore)
{
	struct rtc_time tm = { 0 };
	char path[PATH_MAX], rtc[NAME_MAX + 1];
	int fd;

	check_restored(_metadata, &self->a, PL031_DRIVER);

	/* The RTC the driver registered again: rtc0 on the virt machine. */
	snprintf(path, sizeof(path), AMBA_DEVICES "/%s/rtc", PL031_DEV);
	ASSERT_EQ(0, find_entry(path, "rtc", rtc, sizeof(rtc)));
	snprintf(path, sizeof(path), "/dev/%s", rtc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", path, strerror(errno));
	EXPECT_EQ(0, ioctl(fd, RTC_RD_TIME, &tm))
		TH_LOG("RTC_RD_TIME: %s", strerror(errno));
	close(fd);
	EXPECT_LE(2024 - 1900, tm.tm_year);
}

FIXTURE(pl061) {
	struct amba a;
};

FIXTURE_SETUP(pl061)
{
	amba_setup(_metadata, &self->a, PL061_DEV, PL061_DRIVER);
}

FIXTURE_TEARDOWN(pl061)
{
	struct amba *a = &self->a;

	/* Leave no interrupt asserted for the host driver. */
	if (a->device >= 0) {
		reg_pwrite(a, PL061_IE, 0);
		reg_pwrite(a, PL061_IC, PL061_LINE);
	}
	amba_teardown(a);
}

TEST_F(pl061, ids_read_through_read_match)
{
	check_ids(_metadata, &self->a, PL061_ID, false);
}

TEST_F(pl061, ids_read_through_mmap_match)
{
	ASSERT_EQ(0, amba_map(&self->a));
	check_ids(_metadata, &self->a, PL061_ID, true);
}

TEST_F(pl061, register_write_read_round_trip)
{
	struct amba *a = &self->a;
	__u32 old = reg_pread(a, PL061_IEV);

	ASSERT_EQ(0, reg_pwrite(a, PL061_IEV, 0xa5));
	EXPECT_EQ(0xa5U, reg_pread(a, PL061_IEV) & 0xff);
	ASSERT_EQ(0, amba_map(a));
	mmio_write32((__u8 *)a->map + PL061_IEV, 0x5a);
	EXPECT_EQ(0x5aU, reg_pread(a, PL061_IEV) & 0xff);
	EXPECT_EQ(0x5aU, reg_mmio(a, PL061_IEV) & 0xff);
	ASSERT_EQ(0, reg_pwrite(a, PL061_IEV, old));
}

TEST_F(pl061, runtime_pm_keeps_the_device_active_while_open)
{
	check_runtime_pm(_metadata, &self->a);
}

TEST_F(pl061, gpio_pl061_returns_after_restore)
{
	char chip[NAME_MAX + 1];

	check_restored(_metadata, &self->a, PL061_DRIVER);
	/* The driver registered its GPIO chip again. */
	EXPECT_EQ(0, find_entry(AMBA_DEVICES "/" PL061_DEV, "gpiochip", chip,
				sizeof(chip)));
}

/* TAINT_TEST of include/linux/panic.h, bit 18 of /proc/sys/kernel/tainted. */
#define TAINT_TEST_BIT		18

/*
 * Whether a record of the kernel log holds both @a and @b. /dev/kmsg gives
 * one record per read, and EPIPE for records overwritten meanwhile.
 */
static bool kmsg_has(const char *a, const char *b)
{
	char rec[2048];
	bool found = false;
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		if (strstr(rec, a) && strstr(rec, b)) {
			found = true;
			break;
		}
	}
	close(fd);
	return found;
}

/*
 * Claiming a real device gives it an IOMMU group while its DMA is not
 * translated: the kernel is tainted for testing and the log names the
 * device. Only the arm64 lanes load the simulator with claim=, and only they
 * build this program. Loading the simulator as a module taints the kernel for
 * testing already; the claim does too when it is built in.
 */
TEST(claiming_taints_the_kernel_and_names_the_device)
{
	unsigned long long tainted;
	char path[256];

	snprintf(path, sizeof(path), AMBA_DEVICES "/%s", PL031_DEV);
	if (!vp_exists(path))
		SKIP(return, "no %s: not QEMU's arm64 virt machine", PL031_DEV);
	ASSERT_LE(0, amba_group(PL031_DEV))
		TH_LOG("%s has no IOMMU group: load vfio-platform-sim with claim=%s first",
		       PL031_DEV, PL031_DEV);

	ASSERT_EQ(0, vp_read_ull("/proc/sys/kernel/tainted", &tainted));
	EXPECT_TRUE(!!(tainted & (1ULL << TAINT_TEST_BIT)))
		TH_LOG("tainted = %#llx, no TAINT_TEST", tainted);
	EXPECT_TRUE(kmsg_has(PL031_DEV, "DMA is not translated"))
		TH_LOG("no warning naming %s in the kernel log", PL031_DEV);
	EXPECT_TRUE(kmsg_has("claim=", "for testing only"))
		TH_LOG("no warning about claim= in the kernel log");
}

/* Whether /proc/interrupts has a line naming @name. */
static bool proc_interrupts_has(const char *name)
{
	char line[512];
	bool found = false;
	FILE *f;

	f = fopen("/proc/interrupts", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name);
	fclose(f);
	return found;
}

/* What the PL061's interrupt registers held before a test changed them. */
struct pl061_saved {
	__u32 dir, is, ibe, iev, ie;
};

/*
 * Raise the PL061's interrupt from software: PL061_LINE, an input, becomes
 * level-sensitive at the level it has now, which asserts it at once when
 * unmasked.
 */
static void pl061_raise(struct __test_metadata *_metadata, struct amba *a,
			struct pl061_saved *saved)
{
	__u32 level;

	saved->dir = reg_pread(a, PL061_DIR);
	saved->is = reg_pread(a, PL061_IS);
	saved->ibe = reg_pread(a, PL061_IBE);
	saved->iev = reg_pread(a, PL061_IEV);
	saved->ie = reg_pread(a, PL061_IE);

	ASSERT_EQ(0, reg_pwrite(a, PL061_IE, 0));
	ASSERT_EQ(0, reg_pwrite(a, PL061_DIR, saved->dir & ~PL061_LINE));
	level = reg_pread(a, PL061_DATA_ALL) & PL061_LINE;
	ASSERT_EQ(0, reg_pwrite(a, PL061_IBE, saved->ibe & ~PL061_LINE));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IS, saved->is | PL061_LINE));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IEV, (saved->iev & ~PL061_LINE) | level));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IE, PL061_LINE));
	EXPECT_EQ(PL061_LINE, reg_pread(a, PL061_MIS) & PL061_LINE);
}

/* Lower it: masked at the device, back to an edge input, its latch cleared. */
static void pl061_lower(struct __test_metadata *_metadata, struct amba *a,
			const struct pl061_saved *saved)
{
	ASSERT_EQ(0, reg_pwrite(a, PL061_IE, 0));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IS, saved->is & ~PL061_LINE));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IEV, saved->iev));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IBE, saved->ibe));
	ASSERT_EQ(0, reg_pwrite(a, PL061_DIR, saved->dir));
	ASSERT_EQ(0, reg_pwrite(a, PL061_IC, PL061_LINE));
	EXPECT_EQ(0U, reg_pread(a, PL061_MIS) & PL061_LINE);
	EXPECT_EQ(0U, reg_pread(a, PL061_RIS) & PL061_LINE);
	ASSERT_EQ(0, reg_pwrite(a, PL061_IE, saved->ie & ~PL061_LINE));
}

/*
 * The interrupt gpio-pl061 ran its chained handler on, through VFIO: it can
 * be requested, it is level (QEMU describes it so) and automasked, it fires
 * again when unmasked while still asserted, and not once lowered.
 */
static void check_pl061_interrupt(struct __test_metadata *_metadata,
				  struct amba *a)
{
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = 0 };
	struct pl061_saved saved;
	int ret;

	ASSERT_EQ(0, ioctl(a->device, VFIO_DEVICE_GET_IRQ_INFO, &irq));
	ASSERT_EQ(1U, irq.count);
	EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_EVENTFD));
	EXPECT_TRUE(!!(irq.flags & VFIO_IRQ_INFO_AUTOMASKED));

	a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, a->efd);
	ret = vfio_irq_eventfd(a->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, a->efd);
	ASSERT_EQ(0, ret)
		TH_LOG("a trigger eventfd on the interrupt gpio-pl061 had: %s",
		       strerror(-ret));
	EXPECT_TRUE(proc_interrupts_has(PL061_VFIO_IRQ));

	pl061_raise(_metadata, a, &saved);
	EXPECT_EQ(1, efd_wait(a->efd, ALARM_TIMEOUT_MS));
	/* Still asserted, but masked. */
	EXPECT_EQ(0, efd_wait(a->efd, QUIET_MS / 3));
	ASSERT_EQ(0, vfio_irq_none(a->device, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	EXPECT_EQ(1, efd_wait(a->efd, ALARM_TIMEOUT_MS));

	pl061_lower(_metadata, a, &saved);
	ASSERT_EQ(0, vfio_irq_none(a->device, 0, VFIO_IRQ_SET_ACTION_UNMASK, 1));
	EXPECT_EQ(0, efd_wait(a->efd, QUIET_MS));
	ASSERT_EQ(0, vfio_irq_none(a->device, 0, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	EXPECT_FALSE(proc_interrupts_has(PL061_VFIO_IRQ));
}

TEST_F(pl061, interrupt_gpio_pl061_left_is_delivered)
{
	check_pl061_interrupt(_metadata, &self->a);
}

/*
 * gpio-pl061 takes the interrupt back after restore, and leaves it in the
 * same state when moved a second time: VFIO can use it again.
 */
/* Two handovers and their waits take longer than the default under TCG. */
TEST_F_TIMEOUT(pl061, interrupt_is_delivered_after_a_second_handover, 120)
{
	struct amba *a = &self->a;

	check_restored(_metadata, a, PL061_DRIVER);
	amba_bind_and_open(_metadata, a);
	check_pl061_interrupt(_metadata, a);
}

/* vfio-amba's reset_required, on the PL031, which no reset source covers. */
FIXTURE(reset_required) {
	struct amba a;
	struct vp_saved param;
	int kmsg;
};

FIXTURE_SETUP(reset_required)
{
	struct amba *a = &self->a;
	char buf[8];
	const char *why;

	amba_init(a, PL031_DEV);
	memset(&self->param, 0, sizeof(self->param));
	self->kmsg = -1;
	why = amba_missing(a);
	if (why)
		SKIP(return, "%s", why);
	amba_prepare(_metadata, a, PL031_DRIVER);

	if (!vp_exists("/sys/module/vfio_amba"))
		ASSERT_EQ(0, system("modprobe vfio-amba"));
	ASSERT_LT(0, vp_read(VFIO_AMBA_RESET_REQUIRED, buf, sizeof(buf)))
		TH_LOG("vfio-amba has no reset_required parameter");
	/* Off unless asked for: vfio-amba always bound PrimeCells without reset. */
	ASSERT_EQ('N', buf[0]);
	self->kmsg = vp_kmsg_open();
	ASSERT_LE(0, self->kmsg);
}

FIXTURE_TEARDOWN(reset_required)
{
	vp_restore(&self->param);
	if (self->kmsg >= 0)
		close(self->kmsg);
	amba_teardown(&self->a);
}

/*
 * Each runs the bind tool, a shell script, two or three times: slow under TCG
 * on a loaded machine, where the harness's default 30 s ran out.
 */
TEST_F_TIMEOUT(reset_required, refuses_a_device_without_reset_and_says_so, 120)
{
	struct amba *a = &self->a;
	char drv[64];

	ASSERT_EQ(0, vp_save_and_set(&self->param, VFIO_AMBA_RESET_REQUIRED, "Y"));
	a->bound = true;
	/* The tool's "the kernel did not do what was asked": it gives it back. */
	EXPECT_EQ(1, amba_tool(a, "bind"));
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	EXPECT_STREQ(PL031_DRIVER, drv);
	EXPECT_TRUE(vp_kmsg_find(self->kmsg, PL031_DEV, "no reset function"))
		TH_LOG("no message naming %s and its missing reset", PL031_DEV);
}

TEST_F_TIMEOUT(reset_required, is_read_at_each_bind, 120)
{
	struct amba *a = &self->a;
	char drv[64];

	ASSERT_EQ(0, vp_save_and_set(&self->param, VFIO_AMBA_RESET_REQUIRED, "Y"));
	a->bound = true;
	EXPECT_EQ(1, amba_tool(a, "bind"));
	ASSERT_EQ(0, vp_restore(&self->param));

	/* Back to the default: bound without reset, and reported so. */
	ASSERT_EQ(0, amba_tool(a, "bind"));
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	EXPECT_STREQ(VFIO_AMBA_DRIVER, drv);
	EXPECT_TRUE(vp_kmsg_find(self->kmsg, PL031_DEV, "bound without reset"));
	ASSERT_EQ(0, amba_tool(a, "restore"));
	a->bound = false;
	ASSERT_EQ(0, amba_driver(a->dev, drv, sizeof(drv)));
	EXPECT_STREQ(PL031_DRIVER, drv);
}

TEST_HARNESS_MAIN
