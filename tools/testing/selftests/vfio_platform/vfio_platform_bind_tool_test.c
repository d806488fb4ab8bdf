// SPDX-License-Identifier: GPL-2.0
/*
 * tools/vfio/vfio-platform-bind on simulated devices: every subcommand, every
 * refusal with its exit status, idempotence, a shared IOMMU group, and the
 * return of the driver a device had before it was bound.
 *
 * The tool is found through $VFIO_PLATFORM_BIND (run-selftests.sh sets it),
 * else as vfio-platform-bind in $PATH. Each test keeps the tool's records in
 * a directory of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "../kselftest_harness.h"
#include "vfio_platform_util.h"

/* The tool's exit statuses, as its --help documents them. */
#define TOOL_OK		0
#define TOOL_FAIL	1
#define TOOL_USAGE	2
#define TOOL_NODEV	3
#define TOOL_NOGROUP	4
#define TOOL_BUSY	5
#define TOOL_NODRIVER	6

#define OUT_SIZE	8192

/* The tool is a shell script, and the VM is slow: allow for both. */
#define TOOL_TIMEOUT_S	300

FIXTURE(bind_tool) {
	const char *tool;
	char state[64];
	struct sim_dev solo;		/* a group of its own, one interrupt */
	struct sim_dev pair[2];		/* two devices in one group */
	char out[OUT_SIZE];
	int group, container, device;
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

static int make(struct sim_dev *d, const char *group, unsigned int irqs)
{
	struct sim_config cfg;

	sim_config_init(&cfg);
	cfg.group = group;
	cfg.num_irqs = irqs;
	cfg.level[0] = true;
	return sim_create(d, &cfg);
}

FIXTURE_SETUP(bind_tool)
{
	char group[64];

	memset(self, 0, sizeof(*self));
	self->group = -1;
	self->container = -1;
	self->device = -1;
	if (sim_missing())
		SKIP(return, "%s", sim_missing());
	self->tool = find_tool();
	if (!self->tool)
		SKIP(return, "vfio-platform-bind not found: set VFIO_PLATFORM_BIND");

	snprintf(self->state, sizeof(self->state), "/tmp/vfio-platform-bind.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->state));
	ASSERT_EQ(0, setenv("VFIO_PLATFORM_BIND_STATE", self->state, 1));
	unsetenv("MODPROBE");

	snprintf(group, sizeof(group), "bind-tool-%d", getpid());
	ASSERT_EQ(0, make(&self->solo, NULL, 1));
	ASSERT_EQ(0, make(&self->pair[0], group, 0));
	ASSERT_EQ(0, make(&self->pair[1], group, 0));
}

/* The tool's state directory: the files it keeps, one per device, and itself. */
static int remove_state(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int ret = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(d), de->d_name, 0))
			ret = -errno;
	}
	closedir(d);
	return rmdir(dir) ? -errno : ret;
}

FIXTURE_TEARDOWN(bind_tool)
{
	if (self->device >= 0)
		close(self->device);
	if (self->container >= 0)
		close(self->container);
	if (self->group >= 0)
		close(self->group);
	/*
	 * A test that unloaded vfio-platform must not leave it unloaded
	 * (modprobe only then: starting programs is slow in the debug VMs).
	 */
	if (!vp_exists("/sys/module/vfio_platform") && system("modprobe vfio-platform"))
		fprintf(stderr, "# cannot load vfio-platform again\n");
	sim_destroy(&self->pair[1]);
	sim_destroy(&self->pair[0]);
	sim_destroy(&self->solo);
	if (self->state[0] && remove_state(self->state))
		fprintf(stderr, "# cannot remove %s\n", self->state);
}

/*
 * Run the tool with the given arguments; its stdout and stderr go to @out and
 * to our log. Returns its exit status, or -1 when it did not exit.
 */
static int tool(const char *path, char *out, const char *fmt, ...)
{
	char args[512], cmd[1024], *line, *end;
	size_t len = 0, n;
	va_list ap;
	FILE *f;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", path, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (len < OUT_SIZE - 1 &&
	       (n = fread(out + len, 1, OUT_SIZE - 1 - len, f)) > 0)
		len += n;
	out[len] = '\0';
	status = pclose(f);
	fprintf(stderr, "# $ vfio-platform-bind %s\n", args);
	for (line = out; *line; line = end + (*end == '\n')) {
		end = strchrnul(line, '\n');
		fprintf(stderr, "#   %.*s\n", (int)(end - line), line);
	}
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define TOOL(fmt, ...) tool(self->tool, self->out, fmt, ##__VA_ARGS__)

static int driver_is(const char *dev, const char *want)
{
	char drv[64];

	if (vp_driver(dev, drv, sizeof(drv)))
		return 0;
	return !strcmp(drv, want);
}

static int override_is(const char *dev, const char *want)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override", dev);
	if (vp_read(path, buf, sizeof(buf)) < 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	if (!strcmp(buf, "(null)"))
		buf[0] = '\0';
	return !strcmp(buf, want);
}

static bool recorded(const char *state, const char *dev)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", state, dev);
	return vp_exists(path);
}

/* A platform device that the IOMMU does not translate for, or NULL. */
static const char *device_without_group(char *name, size_t size)
{
	const char *bus = "/sys/bus/platform/devices";
	const char *found = NULL;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	dir = opendir(bus);
	if (!dir)
		return NULL;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strncmp(de->d_name, "vfio-platform-sim", 17))
			continue;
		snprintf(path, sizeof(path), "%s/%s/iommu_group", bus, de->d_name);
		if (vp_exists(path))
			continue;
		/* A name that does not fit would name another device. */
		if ((size_t)snprintf(name, size, "%s", de->d_name) >= size)
			continue;
		found = name;
	}
	closedir(dir);
	return found;
}

TEST_F_TIMEOUT(bind_tool, bind_prints_the_group_node_and_remembers_the_driver, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;
	char node[64];

	snprintf(node, sizeof(node), "/dev/vfio/%d", vp_iommu_group(dev));
	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	EXPECT_NE(NULL, strstr(self->out, node));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	EXPECT_TRUE(override_is(dev, VFIO_PLATFORM_DRIVER));
	EXPECT_TRUE(vp_exists(node));
	EXPECT_TRUE(recorded(self->state, dev));
}

TEST_F_TIMEOUT(bind_tool, bind_accepts_a_sysfs_path, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind /sys/bus/platform/devices/%s/", dev));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(TOOL_OK, TOOL("unbind /sys/devices/platform/%s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, bind_twice_changes_nothing, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	EXPECT_NE(NULL, strstr(self->out, "already bound"));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	/* The record still names the host driver, not vfio-platform. */
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, unbind_brings_back_the_original_driver, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
	EXPECT_TRUE(override_is(dev, ""));
	EXPECT_FALSE(recorded(self->state, dev));
	/* Idempotent: releasing a released device succeeds and changes nothing. */
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", dev));
	EXPECT_NE(NULL, strstr(self->out, "not bound to VFIO"));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, restore_after_bind_brings_back_the_original_driver, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	ASSERT_EQ(TOOL_OK, TOOL("restore %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
	EXPECT_TRUE(override_is(dev, ""));
	ASSERT_EQ(TOOL_OK, TOOL("restore %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, restore_of_a_device_that_had_no_driver, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	/* Unbound first, the device has no original driver to come back to. */
	ASSERT_EQ(0, vp_unbind(dev));
	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	ASSERT_EQ(TOOL_OK, TOOL("restore %s", dev));
	/* With no driver recorded, whatever matches it on reprobe takes it. */
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
	EXPECT_FALSE(recorded(self->state, dev));
}

TEST_F_TIMEOUT(bind_tool, bind_gives_back_a_device_vfio_platform_refuses, TOOL_TIMEOUT_S)
{
	struct sim_config cfg;
	struct sim_dev norst = {};
	char param[8] = "", compat[64];
	int ret;

	vp_read("/sys/module/vfio_platform/parameters/reset_required", param,
		sizeof(param));
	if (param[0] != 'Y')
		SKIP(return, "vfio-platform's reset_required is not Y");
	/* No reset for this compatible, which the fixture's devices do not share. */
	snprintf(compat, sizeof(compat), "test,bind-tool-norst-%d", getpid());
	sim_config_init(&cfg);
	cfg.compatible = compat;
	cfg.no_reset = true;
	ASSERT_EQ(0, sim_create(&norst, &cfg));

	ret = TOOL("bind %s", norst.name);
	EXPECT_EQ(TOOL_FAIL, ret);
	EXPECT_NE(NULL, strstr(self->out, "did not take it"));
	EXPECT_TRUE(driver_is(norst.name, SIM_HOST_DRIVER));
	EXPECT_TRUE(override_is(norst.name, ""));
	EXPECT_FALSE(recorded(self->state, norst.name));
	sim_destroy(&norst);
}

TEST_F_TIMEOUT(bind_tool, bind_refuses_a_missing_device, TOOL_TIMEOUT_S)
{
	ASSERT_EQ(TOOL_NODEV, TOOL("bind no-such-device.%d", getpid()));
	EXPECT_NE(NULL, strstr(self->out, "no such"));
	ASSERT_EQ(TOOL_NODEV, TOOL("unbind no-such-device.%d", getpid()));
	ASSERT_EQ(TOOL_NODEV, TOOL("status no-such-device.%d", getpid()));
}

TEST_F_TIMEOUT(bind_tool, bind_of_several_devices_changes_none_when_one_is_refused, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_NODEV, TOOL("bind %s no-such-device.%d", dev, getpid()));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
	EXPECT_FALSE(recorded(self->state, dev));
}

TEST_F_TIMEOUT(bind_tool, bind_refuses_a_device_without_an_iommu_group, TOOL_TIMEOUT_S)
{
	char name[64], before[64] = "", after[64] = "";

	if (!device_without_group(name, sizeof(name)))
		SKIP(return, "no platform device without an IOMMU group here");
	vp_driver(name, before, sizeof(before));
	ASSERT_EQ(TOOL_NOGROUP, TOOL("bind %s", name));
	EXPECT_NE(NULL, strstr(self->out, "no IOMMU group"));
	EXPECT_NE(NULL, strstr(self->out, "no-IOMMU"));
	vp_driver(name, after, sizeof(after));
	EXPECT_STREQ(before, after);
	EXPECT_TRUE(override_is(name, ""));
}

TEST_F_TIMEOUT(bind_tool, unbind_refuses_a_device_whose_group_is_open, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	self->group = vfio_group_open(vp_iommu_group(dev));
	ASSERT_LE(0, self->group);
	ASSERT_EQ(TOOL_BUSY, TOOL("unbind %s", dev));
	EXPECT_NE(NULL, strstr(self->out, "in use"));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(TOOL_OK, TOOL("status %s", dev));
	EXPECT_NE(NULL, strstr(self->out, " yes"));
	close(self->group);
	self->group = -1;
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, status_shows_an_unbind_waiting_for_the_owner, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;
	char path[256];
	int i, status;
	pid_t pid;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	self->group = vfio_group_open(vp_iommu_group(dev));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	self->device = vfio_device_get(self->group, dev);
	ASSERT_LE(0, self->device);

	/* Someone else unbinds the device by hand, and waits for us. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(self->device);
		close(self->container);
		close(self->group);
		snprintf(path, sizeof(path), "/sys/bus/platform/drivers/%s/unbind",
			 VFIO_PLATFORM_DRIVER);
		_exit(vp_write(path, "%s", dev) ? 1 : 0);
	}
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/vfio-dev", dev);
	for (i = 0; i < 100 && vp_exists(path); i++)
		usleep(50000);
	ASSERT_FALSE(vp_exists(path)) TH_LOG("the unbind did not start");

	ASSERT_EQ(TOOL_OK, TOOL("status %s", dev));
	EXPECT_NE(NULL, strstr(self->out, " requested"));
	ASSERT_EQ(TOOL_BUSY, TOOL("unbind %s", dev));
	EXPECT_NE(NULL, strstr(self->out, "already waits for its owner"));

	close(self->device);
	self->device = -1;
	close(self->container);
	self->container = -1;
	close(self->group);
	self->group = -1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_TRUE(driver_is(dev, ""));
}

TEST_F_TIMEOUT(bind_tool, unbind_refuses_a_device_open_through_its_fd_alone, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	self->group = vfio_group_open(vp_iommu_group(dev));
	ASSERT_LE(0, self->group);
	self->container = vfio_container_attach(self->group, VFIO_TYPE1v2_IOMMU);
	ASSERT_LE(0, self->container);
	self->device = vfio_device_get(self->group, dev);
	ASSERT_LE(0, self->device);
	/* The device fd keeps the group file open: no fd of ours names it. */
	close(self->group);
	self->group = -1;
	ASSERT_EQ(TOOL_BUSY, TOOL("restore %s", dev));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	close(self->device);
	self->device = -1;
	close(self->container);
	self->container = -1;
	ASSERT_EQ(TOOL_OK, TOOL("restore %s", dev));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
}

static bool vfio_platform_is_module(void)
{
	return vp_exists("/sys/module/vfio_platform/refcnt");
}

TEST_F_TIMEOUT(bind_tool, bind_loads_the_vfio_platform_module, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	if (!vfio_platform_is_module())
		SKIP(return, "vfio-platform is built in");
	ASSERT_EQ(0, system("rmmod vfio_platform"));
	ASSERT_FALSE(vp_exists("/sys/bus/platform/drivers/" VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	EXPECT_TRUE(driver_is(dev, VFIO_PLATFORM_DRIVER));
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", dev));
}

TEST_F_TIMEOUT(bind_tool, bind_refuses_when_the_module_cannot_be_loaded, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;

	if (!vfio_platform_is_module())
		SKIP(return, "vfio-platform is built in");
	ASSERT_EQ(0, system("rmmod vfio_platform"));
	ASSERT_EQ(0, setenv("MODPROBE", "false", 1));
	ASSERT_EQ(TOOL_NODRIVER, TOOL("bind %s", dev));
	unsetenv("MODPROBE");
	EXPECT_NE(NULL, strstr(self->out, "vfio-platform"));
	EXPECT_TRUE(driver_is(dev, SIM_HOST_DRIVER));
	EXPECT_TRUE(override_is(dev, ""));
	EXPECT_FALSE(recorded(self->state, dev));
}

TEST_F_TIMEOUT(bind_tool, bind_of_one_shared_group_member_says_not_viable, TOOL_TIMEOUT_S)
{
	const char *a = self->pair[0].name, *b = self->pair[1].name;

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", a));
	EXPECT_NE(NULL, strstr(self->out, "not viable"));
	EXPECT_TRUE(driver_is(b, SIM_HOST_DRIVER));
	ASSERT_EQ(TOOL_OK, TOOL("status %s", a));
	EXPECT_NE(NULL, strstr(self->out, " no "));
	ASSERT_EQ(TOOL_OK, TOOL("unbind %s", a));
	EXPECT_TRUE(driver_is(a, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, bind_group_binds_every_device_of_the_group, TOOL_TIMEOUT_S)
{
	const char *a = self->pair[0].name, *b = self->pair[1].name;
	int group;

	ASSERT_EQ(TOOL_OK, TOOL("bind --group %s", a));
	EXPECT_TRUE(driver_is(a, VFIO_PLATFORM_DRIVER));
	EXPECT_TRUE(driver_is(b, VFIO_PLATFORM_DRIVER));
	EXPECT_EQ(NULL, strstr(self->out, "not viable"));

	group = vfio_group_open(vp_iommu_group(a));
	ASSERT_LE(0, group);
	EXPECT_EQ(1, vfio_group_viable(group));
	close(group);

	/* Again, from the other member: nothing to do. */
	ASSERT_EQ(TOOL_OK, TOOL("bind --group %s", b));
	EXPECT_TRUE(driver_is(a, VFIO_PLATFORM_DRIVER));
	EXPECT_TRUE(driver_is(b, VFIO_PLATFORM_DRIVER));

	ASSERT_EQ(TOOL_OK, TOOL("restore --group %s", b));
	EXPECT_TRUE(driver_is(a, SIM_HOST_DRIVER));
	EXPECT_TRUE(driver_is(b, SIM_HOST_DRIVER));
	EXPECT_FALSE(recorded(self->state, a));
	EXPECT_FALSE(recorded(self->state, b));
}

TEST_F_TIMEOUT(bind_tool, unbind_group_refuses_while_the_group_is_open, TOOL_TIMEOUT_S)
{
	const char *a = self->pair[0].name, *b = self->pair[1].name;

	ASSERT_EQ(TOOL_OK, TOOL("bind --group %s", a));
	self->group = vfio_group_open(vp_iommu_group(a));
	ASSERT_LE(0, self->group);
	ASSERT_EQ(TOOL_BUSY, TOOL("unbind --group %s", b));
	/* Checked before anything changed: both still on VFIO. */
	EXPECT_TRUE(driver_is(a, VFIO_PLATFORM_DRIVER));
	EXPECT_TRUE(driver_is(b, VFIO_PLATFORM_DRIVER));
	close(self->group);
	self->group = -1;
	ASSERT_EQ(TOOL_OK, TOOL("unbind --group %s", b));
	EXPECT_TRUE(driver_is(a, SIM_HOST_DRIVER));
	EXPECT_TRUE(driver_is(b, SIM_HOST_DRIVER));
}

TEST_F_TIMEOUT(bind_tool, status_and_list_show_bindable_devices, TOOL_TIMEOUT_S)
{
	const char *dev = self->solo.name;
	char group[32], row[128];

	snprintf(group, sizeof(group), " %d ", vp_iommu_group(dev));
	ASSERT_EQ(TOOL_OK, TOOL("list"));
	EXPECT_NE(NULL, strstr(self->out, dev));
	EXPECT_NE(NULL, strstr(self->out, self->pair[0].name));
	EXPECT_NE(NULL, strstr(self->out, self->pair[1].name));
	EXPECT_NE(NULL, strstr(self->out, group));

	ASSERT_EQ(TOOL_OK, TOOL("status"));
	EXPECT_NE(NULL, strstr(self->out, "VIABLE"));
	EXPECT_NE(NULL, strstr(self->out, dev));

	ASSERT_EQ(TOOL_OK, TOOL("bind %s", dev));
	ASSERT_EQ(TOOL_OK, TOOL("status %s", dev));
	snprintf(row, sizeof(row), "%s", strchr(self->out, '\n') + 1);
	EXPECT_NE(NULL, strstr(row, "platform"));
	EXPECT_NE(NULL, strstr(row, VFIO_PLATFORM_DRIVER " "));
	EXPECT_NE(NULL, strstr(row, group));
	EXPECT_NE(NULL, strstr(row, " yes "));
	EXPECT_NE(NULL, strstr(row, " no"));
}

/*
 * A device bound to a host driver and one of its /dev nodes: a port that
 * serial8250 itself owns (with ACPI, the firmware-described ports belong to PNP
 * devices; the legacy ones stay there), else a platform or AMBA RTC.
 */
static bool host_driver_node(char *dev, size_t dsize, char *node, size_t nsize)
{
	const char *owner = "/sys/devices/platform/serial8250/";
	char class[64], sys[PATH_MAX], bus[PATH_MAX];
	const char *base;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		snprintf(class, sizeof(class), "/sys/class/tty/ttyS%u", i);
		snprintf(node, nsize, "/dev/ttyS%u", i);
		if (realpath(class, sys) && !strncmp(sys, owner, strlen(owner)) &&
		    vp_exists(node)) {
			snprintf(dev, dsize, "serial8250");
			return true;
		}
	}
	for (i = 0; i < 4; i++) {
		snprintf(class, sizeof(class), "/sys/class/rtc/rtc%u/device", i);
		snprintf(node, nsize, "/dev/rtc%u", i);
		if (!realpath(class, sys) || !vp_exists(node))
			continue;
		snprintf(class, sizeof(class), "/sys/class/rtc/rtc%u/device/subsystem", i);
		if (!realpath(class, bus))
			continue;
		base = strrchr(bus, '/') + 1;
		if (strcmp(base, "platform") && strcmp(base, "amba"))
			continue;
		snprintf(dev, dsize, "%s", strrchr(sys, '/') + 1);
		return true;
	}
	return false;
}

/* A host driver's node open in a process. */
TEST_F_TIMEOUT(bind_tool, bind_tool_status_sees_open_nodes_of_a_host_driver, TOOL_TIMEOUT_S)
{
	char dev[64], node[32];
	int fd;

	if (!host_driver_node(dev, sizeof(dev), node, sizeof(node)))
		SKIP(return, "no serial8250 port or platform RTC here");
	ASSERT_EQ(TOOL_OK, TOOL("status %s", dev));
	EXPECT_EQ(NULL, strstr(self->out, " yes"));
	fd = open(node, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = open(node, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(TOOL_OK, TOOL("status %s", dev));
	EXPECT_NE(NULL, strstr(self->out, " yes"));
	close(fd);
}

TEST_F_TIMEOUT(bind_tool, bind_tool_help_and_bad_usage, TOOL_TIMEOUT_S)
{
	ASSERT_EQ(TOOL_OK, TOOL("--help"));
	EXPECT_NE(NULL, strstr(self->out, "Exit status"));
	EXPECT_NE(NULL, strstr(self->out, "in use"));
	ASSERT_EQ(TOOL_USAGE, TOOL(""));
	ASSERT_EQ(TOOL_USAGE, TOOL("frobnicate"));
	ASSERT_EQ(TOOL_USAGE, TOOL("bind"));
	ASSERT_EQ(TOOL_USAGE, TOOL("bind --bogus %s", self->solo.name));
	EXPECT_TRUE(driver_is(self->solo.name, SIM_HOST_DRIVER));
}

TEST_HARNESS_MAIN
