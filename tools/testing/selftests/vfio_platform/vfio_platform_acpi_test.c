// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform's ACPI reset source, end to end: a platform device the ACPI
 * core enumerated from an SSDT, whose _RST method rewrites registers of the
 * device, bound to vfio-platform with reset_required set.
 *
 * The SSDT (vfio_platform_acpi_ssdt.asl, built next to this program) is
 * loaded through ACPI configfs by the first test and stays loaded: unloading
 * it would remove the devices, but leaks the configfs item in Linux 6.12,
 * which kmemleak reports. Later tests, and later runs in the same boot, find
 * it loaded.
 *
 * The devices are behind no IOMMU. vfio-platform-sim's IOMMU could claim
 * them, but each claimed device pins that module until the device goes away,
 * which here is never; so the tests reach them through VFIO no-IOMMU groups,
 * setting vfio.enable_unsafe_noiommu_mode (which taints the kernel) and
 * vfio_platform.reset_required while they run and putting both back after.
 * Devices the simulator did claim are used through their IOMMU group.
 *
 * Only for the x86_64 test VM: the devices' pages are in the memory it
 * reserves with memmap=64M$0x60000000, and the test checks that they are
 * reserved memory before it lets ACPI write to them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

#define SSDT_FILE		"vfio_platform_acpi_ssdt.aml"
#define SSDT_OEM_TABLE_ID	"VPACPIRS"
#define SSDT_DIR		"/sys/kernel/config/acpi/table"
#define SSDT_ITEM		SSDT_DIR "/vfio_platform_acpi_test"
#define SSDT_MAX_SIZE		4096

/* What the SSDT describes: keep in step with vfio_platform_acpi_ssdt.asl. */
#define RST_ACPI_PATH		"\\_SB_.VPR0"
#define NORST_ACPI_PATH		"\\_SB_.VPR1"
#define RST_PAGE		0x63ffe000ULL
#define NORST_PAGE		0x63fff000ULL
#define REG_PATTERN(n)		(4 * (n))
#define NUM_PATTERN		4
#define PATTERN(n)		(0x52535430U + (n))
#define REG_COUNT		0x10
#define REG_FAIL		0x14
#define SCRATCH			0x800	/* memory _RST does not touch */

#define JUNK			0x0badf00dU

#define NOIOMMU_PARAM		"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define RESET_REQUIRED_PARAM	"/sys/module/vfio_platform/parameters/reset_required"

/* The ACPI core enumerates a loaded table's devices from a workqueue. */
#define ACPI_TIMEOUT_MS		20000

#define FLAGS_KIND	(VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET | \
			 VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_AMBA)

/*
 * [start, end] must be reserved memory: not System RAM, which ACPI would
 * corrupt, and not a hole, which would not keep what _RST writes. The
 * simulator's window, when it is loaded, encloses the "Reserved" entry.
 */
static bool pages_reserved(unsigned long long start, unsigned long long end)
{
	bool reserved = false, ram = false;
	char line[256], name[128];
	unsigned long long s, e;
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llx-%llx : %127[^\n]", &s, &e, name) != 3 ||
		    s > start || e < end)
			continue;
		reserved |= !strcmp(name, "Reserved");
		ram |= !strcmp(name, "System RAM");
	}
	fclose(f);
	return reserved && !ram;
}

/* Where /proc/iomem says the resource named @dev starts, or 0. */
static unsigned long long iomem_start(const char *dev)
{
	unsigned long long s, e, start = 0;
	char line[256], name[128];
	FILE *f;

	f = fopen("/proc/iomem", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %llx-%llx : %127[^\n]", &s, &e, name) == 3 &&
		    !strcmp(name, dev)) {
			start = s;
			break;
		}
	}
	fclose(f);
	return start;
}

/* Why the tests cannot run here, or NULL. */
static const char *acpi_missing(void)
{
	if (!vp_exists(SSDT_DIR))
		return "no " SSDT_DIR ": no ACPI, CONFIG_ACPI_CONFIGFS or configfs";
	if (!vp_exists("/sys/bus/platform/drivers/" VFIO_PLATFORM_DRIVER))
		return "vfio-platform is not loaded";
	if (!vp_exists(NOIOMMU_PARAM))
		return "VFIO has no no-IOMMU mode (CONFIG_VFIO_NOIOMMU)";
	if (!pages_reserved(RST_PAGE, NORST_PAGE + PAGE - 1))
		return "the SSDT's pages are not reserved memory: boot with memmap=64M$0x60000000";
	return NULL;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_nsec = ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Say what failed, as a TAP comment, and pass the error on. */
static int fail(int err, const char *what, const char *arg)
{
	fprintf(stderr, "# %s %s: %s\n", what, arg, strerror(err));
	return -err;
}

/* Read a small sysfs or configfs file without complaining when it fails. */
static int read_quietly(const char *path, char *buf, size_t size)
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
	return 0;
}

static bool ssdt_loaded(void)
{
	char id[16];

	return !read_quietly(SSDT_ITEM "/oem_table_id", id, sizeof(id)) &&
	       !strcmp(id, SSDT_OEM_TABLE_ID);
}

/*
 * Load the SSDT unless an earlier test did. configfs hands the table to ACPI
 * when the file is closed, and an error there does not reach close(): look
 * at the result instead.
 */
static int ssdt_load(void)
{
	char path[PATH_MAX], aml[SSDT_MAX_SIZE];
	ssize_t len, n;
	int fd;

	if (ssdt_loaded())
		return 0;

	len = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (len < 0)
		return -errno;
	path[len] = '\0';
	dirname(path);
	len = strlen(path);
	snprintf(path + len, sizeof(path) - len, "/%s", SSDT_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open", path);
	len = read(fd, aml, sizeof(aml));
	close(fd);
	if (len <= 0 || (size_t)len >= sizeof(aml)) {
		fprintf(stderr, "# %s: unreadable, empty or too big\n", path);
		return -EIO;
	}

	if (mkdir(SSDT_ITEM, 0755) && errno != EEXIST)
		return fail(errno, "mkdir", SSDT_ITEM);
	fd = open(SSDT_ITEM "/aml", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open", SSDT_ITEM "/aml");
	n = write(fd, aml, len);
	close(fd);
	if (n != len || !ssdt_loaded()) {
		fprintf(stderr, "# ACPI did not load %s: see the kernel log\n", path);
		return -EIO;
	}
	return 0;
}

/* The platform device whose ACPI companion is @acpi_path, once it exists. */
static int acpi_platform_dev(const char *acpi_path, char *name, size_t size)
{
	char path[PATH_MAX], val[128];
	unsigned int ms;
	struct dirent *e;
	DIR *dir;
	int n;

	for (ms = 0; ms < ACPI_TIMEOUT_MS; ms += 10) {
		dir = opendir("/sys/bus/platform/devices");
		if (!dir)
			return -errno;
		while ((e = readdir(dir))) {
			snprintf(path, sizeof(path),
				 "/sys/bus/platform/devices/%s/firmware_node/path",
				 e->d_name);
			if (read_quietly(path, val, sizeof(val)) ||
			    strcmp(val, acpi_path))
				continue;
			n = snprintf(name, size, "%s", e->d_name);
			closedir(dir);
			return (size_t)n < size ? 0 : -ENAMETOOLONG;
		}
		closedir(dir);
		sleep_ms(10);
	}
	fprintf(stderr, "# no platform device for %s\n", acpi_path);
	return -ENODEV;
}

/* Probe @dev with only @drv allowed; return 0 if it bound, quietly. */
static int probe_with(const char *dev, const char *drv)
{
	char path[PATH_MAX], bound[64];
	int ret;

	ret = vp_unbind(dev);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 dev);
	ret = vp_write(path, "%s\n", drv);
	if (ret)
		return ret;
	/* A failed probe does not fail the write: the driver link tells. */
	vp_write("/sys/bus/platform/drivers_probe", "%s", dev);
	ret = vp_driver(dev, bound, sizeof(bound));
	if (ret)
		return ret;
	return strcmp(bound, drv) ? -ENODEV : 0;
}

/* Leave @dev unbound and with no override, as the ACPI core made it. */
static int release_dev(const char *dev)
{
	char path[PATH_MAX];
	int ret;

	ret = vp_unbind(dev);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override",
		 dev);
	return vp_write(path, "\n");
}

/* A cursor at the end of the kernel log, to look at what comes next. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a message logged since kmsg_open() contains both @a and @b. */
static bool kmsg_find(int fd, const char *a, const char *b)
{
	char rec[1024], *msg, *end;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: read on */
			continue;
		if (n <= 0)
			return false;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		end = strchr(++msg, '\n');
		if (end)
			*end = '\0';
		if (strstr(msg, a) && strstr(msg, b))
			return true;
	}
}

/* A device opened through its group and a container. */
struct vfio_fds {
	int group;
	int container;
	int device;
};

FIXTURE(acpi_rst) {
	char rst[64];		/* the device with _RST */
	char norst[64];		/* the device without */
	struct vp_saved noiommu;
	struct vp_saved required;
	struct vfio_fds fds;
};

FIXTURE_SETUP(acpi_rst)
{
	int ret;

	self->fds.group = -1;
	self->fds.container = -1;
	self->fds.device = -1;
#ifndef __x86_64__
	ASSERT_TRUE(false) TH_LOG("the SSDT and its memory are the x86_64 test VM's");
#endif
	if (acpi_missing())
		SKIP(return, "%s", acpi_missing());

	ASSERT_EQ(0, ssdt_load());
	ASSERT_EQ(0, acpi_platform_dev(RST_ACPI_PATH, self->rst, sizeof(self->rst)));
	ASSERT_EQ(0, acpi_platform_dev(NORST_ACPI_PATH, self->norst,
				       sizeof(self->norst)));
	ASSERT_EQ(RST_PAGE, iomem_start(self->rst));
	ASSERT_EQ(NORST_PAGE, iomem_start(self->norst));
	/* Whatever an interrupted run left bound. */
	ASSERT_EQ(0, release_dev(self->rst));
	ASSERT_EQ(0, release_dev(self->norst));

	ASSERT_EQ(0, vp_save_and_set(&self->noiommu, NOIOMMU_PARAM, "Y"));
	ret = vp_save_and_set(&self->required, RESET_REQUIRED_PARAM, "Y");
	if (ret)
		vp_restore(&self->noiommu);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(acpi_rst)
{
	__u32 zero = 0;

	if (self->fds.device >= 0) {
		/*
		 * A failure the test left queued would fail the close's reset
		 * (on the device without _RST, this is plain memory).
		 */
		pwrite(self->fds.device, &zero, sizeof(zero),
		       REGION_OFFSET(0) + REG_FAIL);
		close(self->fds.device);
	}
	if (self->fds.container >= 0)
		close(self->fds.container);
	if (self->fds.group >= 0)
		close(self->fds.group);
	release_dev(self->rst);
	release_dev(self->norst);
	vp_restore(&self->required);
	vp_restore(&self->noiommu);
}

/* Bind @dev to vfio-platform and open it through its group and a container. */
static void open_dev(struct __test_metadata *_metadata, struct vfio_fds *v,
		     const char *dev)
{
	unsigned long type = VFIO_TYPE1v2_IOMMU;
	char path[64];
	int group;

	ASSERT_EQ(0, probe_with(dev, VFIO_PLATFORM_DRIVER));
	group = vp_iommu_group(dev);
	ASSERT_LE(0, group);
	snprintf(path, sizeof(path), "/dev/vfio/noiommu-%d", group);
	if (vp_exists(path))
		type = VFIO_NOIOMMU_IOMMU;
	else
		snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	v->group = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, v->group) TH_LOG("open %s: %s", path, strerror(errno));
	v->container = vfio_container_attach(v->group, type);
	ASSERT_LE(0, v->container);
	v->device = vfio_device_get(v->group, dev);
	ASSERT_LE(0, v->device);
}

static __u32 reg_get(struct __test_metadata *_metadata, struct vfio_fds *v,
		     unsigned int off)
{
	__u32 val = 0;

	ASSERT_EQ(4, pread(v->device, &val, sizeof(val), REGION_OFFSET(0) + off));
	return val;
}

static void reg_set(struct __test_metadata *_metadata, struct vfio_fds *v,
		    unsigned int off, __u32 val)
{
	ASSERT_EQ(4, pwrite(v->device, &val, sizeof(val), REGION_OFFSET(0) + off));
}

/* Overwrite what _RST restores, and memory it does not touch. */
static void scribble(struct __test_metadata *_metadata, struct vfio_fds *v)
{
	unsigned int i;

	for (i = 0; i < NUM_PATTERN; i++)
		reg_set(_metadata, v, REG_PATTERN(i), JUNK);
	reg_set(_metadata, v, SCRATCH, JUNK);
}

static void expect_pattern(struct __test_metadata *_metadata, struct vfio_fds *v)
{
	unsigned int i;

	for (i = 0; i < NUM_PATTERN; i++)
		EXPECT_EQ(PATTERN(i), reg_get(_metadata, v, REG_PATTERN(i)))
			TH_LOG("word %u", i);
}

TEST_F(acpi_rst, info_reports_reset_and_the_crs_page)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	struct vfio_fds *v = &self->fds;

	open_dev(_metadata, v, self->rst);
	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ((__u32)(VFIO_DEVICE_FLAGS_PLATFORM | VFIO_DEVICE_FLAGS_RESET),
		  info.flags & FLAGS_KIND);
	EXPECT_EQ(1U, info.num_regions);
	EXPECT_EQ(0U, info.num_irqs);
	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &reg));
	EXPECT_EQ(PAGE, reg.size);
	EXPECT_EQ((__u32)(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			  VFIO_REGION_INFO_FLAG_MMAP), reg.flags);
}

TEST_F(acpi_rst, device_reset_runs_acpi_rst)
{
	struct vfio_fds *v = &self->fds;
	__u32 count;

	open_dev(_metadata, v, self->rst);
	count = reg_get(_metadata, v, REG_COUNT);
	scribble(_metadata, v);

	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_RESET));
	expect_pattern(_metadata, v);
	EXPECT_EQ(count + 1, reg_get(_metadata, v, REG_COUNT));
	EXPECT_EQ(JUNK, reg_get(_metadata, v, SCRATCH));
}

TEST_F(acpi_rst, only_first_open_and_last_close_reset)
{
	struct vfio_fds *v = &self->fds;
	__u32 count;
	int second;

	open_dev(_metadata, v, self->rst);
	expect_pattern(_metadata, v);
	count = reg_get(_metadata, v, REG_COUNT);

	second = vfio_device_get(v->group, self->rst);
	ASSERT_LE(0, second);
	EXPECT_EQ(count, reg_get(_metadata, v, REG_COUNT));
	close(second);
	EXPECT_EQ(count, reg_get(_metadata, v, REG_COUNT));

	scribble(_metadata, v);
	close(v->device);
	v->device = vfio_device_get(v->group, self->rst);
	ASSERT_LE(0, v->device);
	/* One reset when the last user left, one for the new first user. */
	EXPECT_EQ(count + 2, reg_get(_metadata, v, REG_COUNT));
	expect_pattern(_metadata, v);
}

TEST_F(acpi_rst, failed_acpi_rst_fails_device_reset)
{
	struct vfio_fds *v = &self->fds;
	__u32 count;

	open_dev(_metadata, v, self->rst);
	count = reg_get(_metadata, v, REG_COUNT);
	reg_set(_metadata, v, REG_FAIL, 1);

	EXPECT_EQ(-1, ioctl(v->device, VFIO_DEVICE_RESET));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0U, reg_get(_metadata, v, REG_FAIL));
	EXPECT_EQ(count, reg_get(_metadata, v, REG_COUNT));

	EXPECT_EQ(0, ioctl(v->device, VFIO_DEVICE_RESET));
	EXPECT_EQ(count + 1, reg_get(_metadata, v, REG_COUNT));
}

/*
 * Two failures queued: the reset of the last close takes one, the reset of
 * the next open the other and fails that open, and the open after succeeds.
 * Had the close not run _RST, that last open would have failed as well.
 */
TEST_F(acpi_rst, failed_reset_at_open_fails_the_open)
{
	struct vfio_fds *v = &self->fds;
	__u32 count;

	open_dev(_metadata, v, self->rst);
	count = reg_get(_metadata, v, REG_COUNT);
	reg_set(_metadata, v, REG_FAIL, 2);
	close(v->device);

	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, self->rst);
	ASSERT_EQ(-1, v->device);
	EXPECT_EQ(EIO, errno);

	v->device = vfio_device_get(v->group, self->rst);
	ASSERT_LE(0, v->device);
	EXPECT_EQ(0U, reg_get(_metadata, v, REG_FAIL));
	EXPECT_EQ(count + 1, reg_get(_metadata, v, REG_COUNT));
	expect_pattern(_metadata, v);
}

TEST_F(acpi_rst, device_without_reset_is_refused_when_reset_required)
{
	char drv[64];
	int kmsg;

	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	EXPECT_EQ(-ENODEV, probe_with(self->norst, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(0, vp_driver(self->norst, drv, sizeof(drv)));
	EXPECT_STREQ("", drv);
	EXPECT_TRUE(kmsg_find(kmsg, self->norst, "reset_required"))
		TH_LOG("no message naming %s and reset_required", self->norst);
	close(kmsg);
}

TEST_F(acpi_rst, device_without_reset_binds_without_reset_flag)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_fds *v = &self->fds;

	ASSERT_EQ(0, vp_write(RESET_REQUIRED_PARAM, "N\n"));
	open_dev(_metadata, v, self->norst);
	ASSERT_EQ(0, ioctl(v->device, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ((__u32)VFIO_DEVICE_FLAGS_PLATFORM, info.flags & FLAGS_KIND);
	EXPECT_EQ(-1, ioctl(v->device, VFIO_DEVICE_RESET));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
